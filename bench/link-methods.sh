#!/bin/bash
# Link-method floors: hard links (cp -al), reflinks (cp --reflink=always) and plain
# copies (cp --reflink=never) of one finished node_modules tree, on the work disk's ext4 and on
# loop-mounted XFS (reflink=1) and btrfs images. Needs root, xfsprogs and btrfs-progs.
#   bench/link-methods.sh <a finished node_modules> [rounds]
set -euo pipefail
SRC=$1
ROUNDS=${2:-3}
OUT=$(mktemp)
echo "tree: $(find "$SRC" -type f | wc -l) files, $(du -sh "$SRC" | cut -f1)"
for fs in ext4 xfs btrfs; do
  case $fs in
    ext4) D=$(mktemp -d) ;;
    xfs) D=/mnt/utoo-lm-xfs; IMG=$(mktemp); truncate -s 4G "$IMG"; mkfs.xfs -q -f -m reflink=1 "$IMG" >/dev/null ;;
    btrfs) D=/mnt/utoo-lm-btrfs; IMG=$(mktemp); truncate -s 4G "$IMG"; mkfs.btrfs -q -f "$IMG" >/dev/null ;;
  esac
  if [ "$fs" != ext4 ]; then mkdir -p "$D"; mount -o loop "$IMG" "$D"; fi
  cp -r "$SRC" "$D/src"
  sync
  for round in $(seq "$ROUNDS"); do
    for m in hardlink reflink copy; do
      rm -rf "$D/dst"
      sync
      case $m in
        hardlink) args=(-al) ;;
        reflink) args=(-r --reflink=always) ;;
        copy) args=(-r --reflink=never) ;;
      esac
      if /usr/bin/time -o "$OUT.one" -f "$fs $m r$round %e s (user %U, sys %S)" cp "${args[@]}" "$D/src" "$D/dst" 2>/dev/null; then
        cat "$OUT.one" >> "$OUT"
      else
        echo "$fs $m r$round unsupported" >> "$OUT"
      fi
    done
  done
  rm -rf "$D/src" "$D/dst"
  if [ "$fs" != ext4 ]; then umount "$D"; rm -f "$IMG"; else rmdir "$D"; fi
done
cat "$OUT"
rm -f "$OUT" "$OUT.one"
