use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::LinkError;

/// How files get from the cache into node_modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMethod {
    /// Hard links (the fastest on Linux filesystems), copying any file that cannot be linked
    /// (another device, a filesystem without links, too many links).
    Hardlink,
    /// Private copies: for packages whose install scripts may write into their own folder,
    /// so nothing can change the cache through a shared inode.
    Copy,
}

/// Counts of one placement.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// Files placed, by either means.
    pub files: u64,
    /// Of those, hard-linked.
    pub linked: u64,
    /// Of those, copied.
    pub copied: u64,
}

/// Places packages for one install. Shared by all link jobs of that install.
#[derive(Debug, Default)]
pub struct Linker {
    // Once a hard link fails with a "not possible here" error, every later file goes straight
    // to copying instead of paying for the failing syscall again.
    hardlinks_unavailable: AtomicBool,
}

impl Linker {
    /// A linker that will try hard links until one fails as unsupported.
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Makes `dest` hold exactly the files of `src` (a cache entry). Whatever `dest` held
    /// before is removed first, except its own `node_modules`, which holds other packages.
    pub fn place_package(
        &self,
        src: &Path,
        dest: &Path,
        method: LinkMethod,
    ) -> Result<Placed, LinkError> {
        clear_except_node_modules(dest)?;
        let mut placed = Placed::default();
        self.copy_tree(src, dest, method, &mut placed)?;
        Ok(placed)
    }

    fn copy_tree(
        &self,
        src: &Path,
        dest: &Path,
        method: LinkMethod,
        placed: &mut Placed,
    ) -> Result<(), LinkError> {
        fs::create_dir_all(dest).map_err(|e| LinkError::io("create", dest, e))?;
        let entries = fs::read_dir(src).map_err(|e| LinkError::io("read", src, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LinkError::io("read", src, e))?;
            let from = entry.path();
            let to = dest.join(entry.file_name());
            let file_type = entry
                .file_type()
                .map_err(|e| LinkError::io("inspect", &from, e))?;
            if file_type.is_dir() {
                self.copy_tree(&from, &to, method, placed)?;
            } else if file_type.is_file() {
                self.link_or_copy(&from, &to, method, placed)?;
            }
        }
        Ok(())
    }

    fn link_or_copy(
        &self,
        from: &Path,
        to: &Path,
        method: LinkMethod,
        placed: &mut Placed,
    ) -> Result<(), LinkError> {
        placed.files += 1;
        utoo_events::failpoint::hit("link-file");
        if method == LinkMethod::Hardlink && !self.hardlinks_unavailable.load(Ordering::Relaxed) {
            match fs::hard_link(from, to) {
                Ok(()) => {
                    placed.linked += 1;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    fs::remove_file(to).map_err(|e| LinkError::io("replace", to, e))?;
                    if fs::hard_link(from, to).is_ok() {
                        placed.linked += 1;
                        return Ok(());
                    }
                }
                Err(e) if link_unsupported(&e) => {
                    tracing::debug!(error = %e, "hard links unavailable; copying from now on");
                    self.hardlinks_unavailable.store(true, Ordering::Relaxed);
                }
                // Too many links to this inode (EMLINK) and the like: copy just this file.
                Err(e) => {
                    tracing::debug!(error = %e, path = %to.display(), "hard link failed; copying");
                }
            }
        }
        if to.exists() {
            fs::remove_file(to).map_err(|e| LinkError::io("replace", to, e))?;
        }
        fs::copy(from, to).map_err(|e| LinkError::io("copy", to, e))?;
        placed.copied += 1;
        Ok(())
    }
}

fn clear_except_node_modules(dest: &Path) -> Result<(), LinkError> {
    match fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(LinkError::io("inspect", dest, e)),
        Ok(meta) if !meta.is_dir() => {
            fs::remove_file(dest).map_err(|e| LinkError::io("remove", dest, e))?;
        }
        Ok(_) => {
            let entries = fs::read_dir(dest).map_err(|e| LinkError::io("read", dest, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| LinkError::io("read", dest, e))?;
                if entry.file_name() == "node_modules" {
                    continue;
                }
                let path = entry.path();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                let result = if is_dir {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                result.map_err(|e| LinkError::io("remove", &path, e))?;
            }
        }
    }
    Ok(())
}

fn link_unsupported(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::CrossesDevices
            | io::ErrorKind::Unsupported
            | io::ErrorKind::PermissionDenied
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn fixture(dir: &Path) {
        fs::create_dir_all(dir.join("lib")).unwrap();
        fs::write(dir.join("package.json"), "{}").unwrap();
        fs::write(dir.join("lib/index.js"), "module.exports = 1").unwrap();
    }

    #[test]
    fn hardlinks_and_keeps_nested_node_modules() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("cache");
        fixture(&src);
        let dest = tmp.path().join("node_modules/pkg");
        fs::create_dir_all(dest.join("node_modules/child")).unwrap();
        fs::write(dest.join("stale.js"), "old").unwrap();
        let placed = Linker::new()
            .place_package(&src, &dest, LinkMethod::Hardlink)
            .unwrap();
        assert_eq!((placed.files, placed.linked), (2, 2));
        assert!(!dest.join("stale.js").exists());
        assert!(dest.join("node_modules/child").is_dir());
        let a = fs::metadata(src.join("lib/index.js")).unwrap();
        let b = fs::metadata(dest.join("lib/index.js")).unwrap();
        assert_eq!(a.ino(), b.ino());
    }

    #[test]
    fn copy_gives_private_inodes() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("cache");
        fixture(&src);
        let dest = tmp.path().join("node_modules/pkg");
        let placed = Linker::new()
            .place_package(&src, &dest, LinkMethod::Copy)
            .unwrap();
        assert_eq!((placed.linked, placed.copied), (0, 2));
        fs::write(dest.join("lib/index.js"), "changed").unwrap();
        assert_eq!(
            fs::read_to_string(src.join("lib/index.js")).unwrap(),
            "module.exports = 1"
        );
    }

    #[test]
    fn falls_back_to_copy_across_devices() {
        // /dev/shm is a tmpfs: a hard link from the temp dir into it crosses devices.
        let shm = Path::new("/dev/shm");
        let tmp = tempfile::tempdir().unwrap();
        let Ok(other) = tempfile::tempdir_in(shm) else {
            return;
        };
        if fs::metadata(tmp.path()).unwrap().dev() == fs::metadata(other.path()).unwrap().dev() {
            return;
        }
        let src = tmp.path().join("cache");
        fixture(&src);
        let dest = other.path().join("pkg");
        let linker = Linker::new();
        let placed = linker
            .place_package(&src, &dest, LinkMethod::Hardlink)
            .unwrap();
        assert_eq!(placed.copied, 2);
        assert!(linker.hardlinks_unavailable.load(Ordering::Relaxed));
        assert_eq!(
            fs::read_to_string(dest.join("lib/index.js")).unwrap(),
            "module.exports = 1"
        );
    }
}
