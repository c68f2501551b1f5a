use std::cell::Cell;
use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use flate2::read::GzDecoder;
use tar::EntryType;
use utoo_events::ErrorCode;

/// Why an extraction failed; what was written so far is left for the caller to remove.
#[derive(Debug, thiserror::Error)]
pub enum TarballError {
    /// Bad gzip or tar framing, or a body cut short.
    #[error("the tarball is not a valid gzip/tar archive")]
    Corrupt(#[source] io::Error),
    /// The destination refused a write.
    #[error("could not write `{path}` while extracting")]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An absolute or `..` path: the tarball is hostile or broken.
    #[error("the tarball has an entry `{entry}` that would be written outside the package folder")]
    UnsafePath {
        /// The entry's path as stored.
        entry: String,
    },
    /// More bytes inflated than `Limits::max_bytes` (a gzip bomb, or a package far larger
    /// than any real one).
    #[error("the tarball inflates to more than {limit} bytes, the most utoo extracts")]
    TooLarge {
        /// The cap that was hit.
        limit: u64,
    },
    /// More entries than `Limits::max_entries`.
    #[error("the tarball has more than {limit} entries, the most utoo extracts")]
    TooManyEntries {
        /// The cap that was hit.
        limit: u64,
    },
}

/// Caps on what one tarball may inflate to. The defaults are far above real packages (the
/// largest native binaries unpack to a few hundred MB, icon sets to tens of thousands of
/// files) and far below what fills a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Uncompressed bytes of the whole tar stream (headers and padding included).
    pub max_bytes: u64,
    /// Entries of any kind, skipped ones included.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 1 << 30,
            max_entries: 300_000,
        }
    }
}

// Counts inflated bytes and fails the read that crosses the cap; the shared flag tells the
// extractor why a read failed, whatever the tar layer made of the error.
struct Capped<R> {
    inner: R,
    read: u64,
    limit: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            self.exceeded.set(true);
            return Err(io::Error::other("inflated size cap exceeded"));
        }
        Ok(n)
    }
}

impl TarballError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        match self {
            // The disk's fault (full, read-only), not the tarball's.
            TarballError::Write { .. } => ErrorCode::Io,
            _ => ErrorCode::Tarball,
        }
    }
}

/// What an extraction wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Extracted {
    /// Regular files written.
    pub files: u64,
    /// Their total size.
    pub bytes: u64,
}

/// Inflates and unpacks a `.tgz` into `dest` (created if missing). The first path segment of
/// every entry (usually `package/`, whatever it is) is stripped, as npm does.
///
/// `dest` must be a fresh folder of the caller's own: the function never follows links because
/// it never creates any.
pub fn extract_tgz(reader: impl Read, dest: &Path) -> Result<Extracted, TarballError> {
    extract_tgz_with(reader, dest, Limits::default())
}

/// [`extract_tgz`] with explicit caps.
pub fn extract_tgz_with(
    reader: impl Read,
    dest: &Path,
    limits: Limits,
) -> Result<Extracted, TarballError> {
    let exceeded = Rc::new(Cell::new(false));
    let capped = Capped {
        inner: GzDecoder::new(reader),
        read: 0,
        limit: limits.max_bytes,
        exceeded: exceeded.clone(),
    };
    let too_large = TarballError::TooLarge {
        limit: limits.max_bytes,
    };
    unpack(tar::Archive::new(capped), dest, limits).map_err(|err| {
        if exceeded.get() {
            too_large
        } else {
            err
        }
    })
}

fn unpack(
    mut archive: tar::Archive<impl Read>,
    dest: &Path,
    limits: Limits,
) -> Result<Extracted, TarballError> {
    let mut stats = Extracted::default();
    fs::create_dir_all(dest).map_err(|source| write_error(dest, source))?;
    let mut made_dirs: HashSet<PathBuf> = HashSet::from([dest.to_path_buf()]);
    let mut entries = 0u64;
    for entry in archive.entries().map_err(TarballError::Corrupt)? {
        let mut entry = entry.map_err(TarballError::Corrupt)?;
        utoo_events::failpoint::hit("extract-entry");
        entries += 1;
        if entries > limits.max_entries {
            return Err(TarballError::TooManyEntries {
                limit: limits.max_entries,
            });
        }
        let raw_path = entry.path_bytes().into_owned();
        let Some(relative) = safe_relative_path(&raw_path)? else {
            continue;
        };
        let target = dest.join(&relative);
        match entry.header().entry_type() {
            EntryType::Directory => {
                fs::create_dir_all(&target).map_err(|source| write_error(&target, source))?;
                made_dirs.insert(target);
            }
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                if let Some(parent) = target.parent() {
                    // One mkdir per folder, not one per file.
                    if !made_dirs.contains(parent) {
                        fs::create_dir_all(parent).map_err(|source| write_error(parent, source))?;
                        made_dirs.insert(parent.to_path_buf());
                    }
                }
                stats.bytes += write_file(&mut entry, &target)?;
                stats.files += 1;
                if stats.files == 1 {
                    // A test's pause point: one file on disk, the rest not yet.
                    utoo_events::failpoint::hit("extract");
                }
            }
            // Symlinks, hard links, devices, fifos: skipped, as pacote does.
            _ => {}
        }
    }
    Ok(stats)
}

// Writes one regular file, replacing an earlier entry of the same name; returns its size.
fn write_file(entry: &mut tar::Entry<'_, impl Read>, target: &Path) -> Result<u64, TarballError> {
    let mode = entry.header().mode().unwrap_or(0o644);
    // npm normalises modes: readable by all, executable by all if by anyone. This also drops
    // setuid, setgid and sticky bits, which a package has no business setting.
    let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    let open = || {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        // Windows has no mode bits: there a bin runs through its .cmd shim.
        #[cfg(unix)]
        options.mode(mode);
        #[cfg(not(unix))]
        let _ = mode;
        options.open(target)
    };
    utoo_events::failpoint::io("extract-write").map_err(|source| write_error(target, source))?;
    let mut file = match open() {
        // A later entry with the same name replaces the earlier one, as in node-tar.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(target).map_err(|source| write_error(target, source))?;
            open()
        }
        other => other,
    }
    .map_err(|source| write_error(target, source))?;
    let bytes = io::copy(entry, &mut file).map_err(|source| {
        if matches!(
            source.kind(),
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::Other
        ) {
            TarballError::Corrupt(source)
        } else {
            write_error(target, source)
        }
    })?;
    file.flush().map_err(|source| write_error(target, source))?;
    Ok(bytes)
}

fn write_error(path: &Path, source: io::Error) -> TarballError {
    TarballError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// The entry path without its first segment, or `None` for the top folder itself.
/// Absolute paths and `..` anywhere are rejected rather than silently rewritten: a tarball
/// that tries them is hostile or broken.
fn safe_relative_path(raw: &[u8]) -> Result<Option<PathBuf>, TarballError> {
    let text = String::from_utf8_lossy(raw);
    let unsafe_path = || TarballError::UnsafePath {
        entry: text.to_string(),
    };
    if text.contains('\0') || text.contains('\\') && text.contains("..") {
        return Err(unsafe_path());
    }
    let path = Path::new(text.as_ref());
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            // `C:x` is a drive-relative path on Windows (CVE-2021-37713): refused everywhere,
            // so a tarball means the same on every platform.
            Component::Normal(part) if is_drive_prefix(part) => return Err(unsafe_path()),
            Component::Normal(part) => parts.push(part.to_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_path())
            }
        }
    }
    if parts.len() <= 1 {
        return Ok(None);
    }
    Ok(Some(parts[1..].iter().collect()))
}

fn is_drive_prefix(part: &std::ffi::OsStr) -> bool {
    let bytes = part.as_encoded_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::os::unix::fs::PermissionsExt;

    enum Item<'a> {
        File(&'a str, &'a [u8], u32),
        Dir(&'a str),
        Symlink(&'a str, &'a str),
        HardLink(&'a str, &'a str),
    }

    // Builds tarballs by hand so hostile paths (which `tar::Builder` refuses) can be made.
    fn tgz(items: &[Item]) -> Vec<u8> {
        let mut out = Vec::new();
        for item in items {
            let mut header = tar::Header::new_gnu();
            let (name, data, kind): (&str, &[u8], EntryType) = match item {
                Item::File(name, data, mode) => {
                    header.set_mode(*mode);
                    (name, data, EntryType::Regular)
                }
                Item::Dir(name) => {
                    header.set_mode(0o755);
                    (name, b"", EntryType::Directory)
                }
                Item::Symlink(name, target) | Item::HardLink(name, target) => {
                    header.set_mode(0o777);
                    header.set_link_name_literal(target).unwrap();
                    let kind = if matches!(item, Item::Symlink(..)) {
                        EntryType::Symlink
                    } else {
                        EntryType::Link
                    };
                    (name, b"", kind)
                }
            };
            header.set_entry_type(kind);
            header.set_size(data.len() as u64);
            let bytes = header.as_old_mut();
            bytes.name = [0; 100];
            bytes.name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&out).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn strips_first_segment_whatever_it_is_and_normalises_modes() {
        let dir = tempfile::tempdir().unwrap();
        let data = tgz(&[
            Item::Dir("node/"),
            Item::File("node/package.json", b"{}", 0o600),
            Item::File("node/bin/cli.js", b"#!/usr/bin/env node", 0o700),
        ]);
        let stats = extract_tgz(&data[..], dir.path()).unwrap();
        assert_eq!(stats.files, 2);
        let mode = |p: &str| {
            fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("package.json"), 0o644);
        assert_eq!(mode("bin/cli.js"), 0o755);
    }

    #[test]
    fn rejects_parent_and_absolute_paths() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("pkg");
        for evil in [
            "package/../../escape.txt",
            "/tmp/utoo-abs-escape.txt",
            "package/a/../../../x",
        ] {
            let data = tgz(&[Item::File(evil, b"pwned", 0o644)]);
            let err = extract_tgz(&data[..], &dest).unwrap_err();
            assert!(
                matches!(err, TarballError::UnsafePath { .. }),
                "{evil}: {err}"
            );
        }
        assert!(!root.path().join("escape.txt").exists());
        assert!(!Path::new("/tmp/utoo-abs-escape.txt").exists());
    }

    #[test]
    fn links_are_never_created_so_later_entries_cannot_write_through_them() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let dest = root.path().join("pkg");
        let data = tgz(&[
            Item::Symlink("package/link", outside.to_str().unwrap()),
            Item::File("package/link/owned.txt", b"pwned", 0o644),
            Item::HardLink("package/hard", "/etc/passwd"),
        ]);
        extract_tgz(&data[..], &dest).unwrap();
        assert!(!outside.join("owned.txt").exists());
        assert!(dest.join("link/owned.txt").is_file());
        assert!(!dest.join("link").is_symlink());
        assert!(!dest.join("hard").exists());
    }

    #[test]
    fn a_repeated_entry_replaces_the_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let data = tgz(&[
            Item::File("package/a.js", b"first", 0o644),
            Item::File("package/a.js", b"second", 0o644),
        ]);
        extract_tgz(&data[..], dir.path()).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("a.js")).unwrap(),
            "second"
        );
    }

    #[test]
    fn truncated_archive_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let data = tgz(&[Item::File("package/a.js", &[b'x'; 4000], 0o644)]);
        let err = extract_tgz(&data[..data.len() / 2], dir.path()).unwrap_err();
        assert!(matches!(err, TarballError::Corrupt(_)), "{err}");
    }

    #[test]
    fn setuid_setgid_and_sticky_bits_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let data = tgz(&[
            Item::File("package/suid", b"x", 0o4755),
            Item::File("package/sgid", b"x", 0o2644),
            Item::File("package/sticky", b"x", 0o1777),
        ]);
        extract_tgz(&data[..], dir.path()).unwrap();
        let mode = |p: &str| {
            fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("suid"), 0o755);
        assert_eq!(mode("sgid"), 0o644);
        assert_eq!(mode("sticky"), 0o755);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_byte_cap_and_says_so() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("pkg");
        // 8 MiB of zeros compress to well under the 1 MiB cap.
        let zeros = vec![0u8; 8 << 20];
        let data = tgz(&[Item::File("package/zeros.bin", &zeros, 0o644)]);
        assert!(data.len() < 256 << 10, "{} bytes", data.len());
        let limits = Limits {
            max_bytes: 1 << 20,
            ..Limits::default()
        };
        let err = extract_tgz_with(&data[..], &dest, limits).unwrap_err();
        assert!(
            matches!(err, TarballError::TooLarge { limit } if limit == 1 << 20),
            "{err}"
        );
        let written = fs::metadata(dest.join("zeros.bin")).map_or(0, |m| m.len());
        assert!(written <= 1 << 20, "wrote {written} bytes past the cap");
        // The same archive under the default caps extracts whole.
        let whole = extract_tgz(&data[..], &root.path().join("ok")).unwrap();
        assert_eq!(whole.bytes, 8 << 20);
    }

    #[test]
    fn an_entry_count_bomb_stops_at_the_entry_cap() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..50).map(|i| format!("package/f{i}")).collect();
        let items: Vec<Item> = names.iter().map(|n| Item::File(n, b"", 0o644)).collect();
        let limits = Limits {
            max_entries: 20,
            ..Limits::default()
        };
        let err = extract_tgz_with(&tgz(&items)[..], dir.path(), limits).unwrap_err();
        assert!(
            matches!(err, TarballError::TooManyEntries { limit: 20 }),
            "{err}"
        );
        assert!(fs::read_dir(dir.path()).unwrap().count() <= 20);
    }

    #[test]
    fn windows_parent_paths_and_nul_bytes_are_rejected() {
        let root = tempfile::tempdir().unwrap();
        for evil in ["package\\..\\..\\escape.txt", "package/..\\x"] {
            let data = tgz(&[Item::File(evil, b"pwned", 0o644)]);
            let err = extract_tgz(&data[..], &root.path().join("pkg")).unwrap_err();
            assert!(
                matches!(err, TarballError::UnsafePath { .. }),
                "{evil}: {err}"
            );
        }
    }

    #[test]
    fn devices_and_fifos_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut raw = Vec::new();
        for (name, kind) in [
            ("package/dev", EntryType::Char),
            ("package/fifo", EntryType::Fifo),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_path(name).unwrap();
            header.set_entry_type(kind);
            header.set_size(0);
            header.set_mode(0o644);
            header.set_cksum();
            raw.extend_from_slice(header.as_bytes());
        }
        raw.resize(raw.len() + 1024, 0);
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&raw).unwrap();
        let stats = extract_tgz(&gz.finish().unwrap()[..], dir.path()).unwrap();
        assert_eq!(stats.files, 0);
        assert!(!dir.path().join("dev").exists() && !dir.path().join("fifo").exists());
    }

    // The node-tar and pnpm advisories, one test each. Every one relies on a link or a path
    // that leaves the folder; links are never made and such paths are refused.

    #[test]
    fn cve_2021_32803_a_symlink_replacing_a_folder_is_not_written_through() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let dest = root.path().join("pkg");
        let data = tgz(&[
            Item::Dir("package/x/"),
            Item::Symlink("package/x", outside.to_str().unwrap()),
            Item::File("package/x/pwned", b"pwned", 0o644),
        ]);
        extract_tgz(&data[..], &dest).unwrap();
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert!(dest.join("x/pwned").is_file() && !dest.join("x").is_symlink());
    }

    #[test]
    fn cve_2021_32804_absolute_paths_with_repeated_slashes_are_refused() {
        let root = tempfile::tempdir().unwrap();
        for evil in [
            "////tmp/utoo-cve-32804",
            "/tmp/utoo-cve-32804",
            "//package/x",
        ] {
            let data = tgz(&[Item::File(evil, b"pwned", 0o644)]);
            let err = extract_tgz(&data[..], &root.path().join("pkg")).unwrap_err();
            assert!(
                matches!(err, TarballError::UnsafePath { .. }),
                "{evil}: {err}"
            );
        }
        assert!(!Path::new("/tmp/utoo-cve-32804").exists());
    }

    #[test]
    fn cve_2021_37701_a_backslash_named_symlink_then_a_folder_stays_inside() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let dest = root.path().join("pkg");
        let data = tgz(&[
            Item::Symlink("package/a\\b", outside.to_str().unwrap()),
            Item::Dir("package/a/b/"),
            Item::File("package/a/b/pwned", b"pwned", 0o644),
        ]);
        extract_tgz(&data[..], &dest).unwrap();
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert!(dest.join("a/b/pwned").is_file());
    }

    #[test]
    fn cve_2021_37712_unicode_lookalike_symlinks_are_never_made() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let dest = root.path().join("pkg");
        // U+FB00 (ﬀ) normalises to "ff" on some filesystems.
        let data = tgz(&[
            Item::Symlink("package/\u{fb00}", outside.to_str().unwrap()),
            Item::File("package/ff/pwned", b"pwned", 0o644),
            Item::File("package/\u{fb00}/pwned2", b"pwned", 0o644),
        ]);
        extract_tgz(&data[..], &dest).unwrap();
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert!(!dest.join("\u{fb00}").is_symlink());
    }

    #[test]
    fn cve_2021_37713_drive_relative_paths_are_refused() {
        let root = tempfile::tempdir().unwrap();
        for evil in ["C:../x", "package/c:x", "package/D:\\x", "Z:/x"] {
            let data = tgz(&[Item::File(evil, b"pwned", 0o644)]);
            let err = extract_tgz(&data[..], &root.path().join("pkg")).unwrap_err();
            assert!(
                matches!(err, TarballError::UnsafePath { .. }),
                "{evil}: {err}"
            );
        }
    }

    #[test]
    fn cve_2026_23888_archive_slip_through_parent_segments_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("a/b/c/pkg");
        for evil in [
            "package/../../../../slip.txt",
            "package/lib/../../../../../slip.txt",
            "package/./../slip.txt",
        ] {
            let data = tgz(&[Item::File(evil, b"pwned", 0o644)]);
            let err = extract_tgz(&data[..], &dest).unwrap_err();
            assert!(
                matches!(err, TarballError::UnsafePath { .. }),
                "{evil}: {err}"
            );
        }
        assert!(!root.path().join("slip.txt").exists());
    }

    #[test]
    fn very_long_paths_extract_or_fail_cleanly() {
        let root = tempfile::tempdir().unwrap();
        // 300 bytes: past the 100-byte header field, so a GNU long-name entry carries it.
        let deep = format!("package/{}f.js", "dir/".repeat(72));
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_mode(0o644);
        builder.append_data(&mut header, &deep, &b"x"[..]).unwrap();
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&builder.into_inner().unwrap()).unwrap();
        let data = gz.finish().unwrap();
        extract_tgz(&data[..], &root.path().join("pkg")).unwrap();
        assert!(root.path().join("pkg").join(&deep[8..]).is_file());
    }
}
