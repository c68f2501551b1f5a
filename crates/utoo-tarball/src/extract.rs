use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

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
}

impl TarballError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::Tarball
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
    let mut archive = tar::Archive::new(GzDecoder::new(reader));
    let mut stats = Extracted::default();
    fs::create_dir_all(dest).map_err(|source| write_error(dest, source))?;
    let mut made_dirs: HashSet<PathBuf> = HashSet::from([dest.to_path_buf()]);
    for entry in archive.entries().map_err(TarballError::Corrupt)? {
        let mut entry = entry.map_err(TarballError::Corrupt)?;
        let raw_path = entry.path_bytes().into_owned();
        let Some(relative) = safe_relative_path(&raw_path)? else {
            continue;
        };
        let target = dest.join(&relative);
        match entry.header().entry_type() {
            EntryType::Directory => {
                fs::create_dir_all(&target).map_err(|source| write_error(&target, source))?;
                made_dirs.insert(target.clone());
            }
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                if let Some(parent) = target.parent() {
                    // One mkdir per folder, not one per file.
                    if !made_dirs.contains(parent) {
                        fs::create_dir_all(parent).map_err(|source| write_error(parent, source))?;
                        made_dirs.insert(parent.to_path_buf());
                    }
                }
                let mode = entry.header().mode().unwrap_or(0o644);
                // npm normalises modes: readable by all, executable by all if by anyone.
                let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
                let open = || {
                    fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(mode)
                        .open(&target)
                };
                let mut file = match open() {
                    // A later entry with the same name replaces the earlier one, as in node-tar.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        fs::remove_file(&target).map_err(|source| write_error(&target, source))?;
                        open()
                    }
                    other => other,
                }
                .map_err(|source| write_error(&target, source))?;
                let bytes = io::copy(&mut entry, &mut file).map_err(|source| {
                    if source.kind() == io::ErrorKind::InvalidData
                        || source.kind() == io::ErrorKind::UnexpectedEof
                    {
                        TarballError::Corrupt(source)
                    } else {
                        write_error(&target, source)
                    }
                })?;
                file.flush()
                    .map_err(|source| write_error(&target, source))?;
                stats.files += 1;
                stats.bytes += bytes;
            }
            // Symlinks, hard links, devices, fifos: skipped, as pacote does.
            _ => {}
        }
    }
    Ok(stats)
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

#[cfg(test)]
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
}
