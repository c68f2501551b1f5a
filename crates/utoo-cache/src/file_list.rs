//! The list of files beside each store entry (`<entry>.files`): every regular file's size and
//! path. It is written before the entry is renamed into place and checked on every lookup, so
//! an entry that lost or truncated a file since (a crash before the data reached the disk, a
//! write through a hard link, a hand edit) is noticed and fetched again, never linked.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

const HEADER: &str = "utoo-files v1";

/// Where the list of the entry at `entry` lives.
pub(crate) fn list_path(entry: &Path) -> PathBuf {
    let mut name = entry.as_os_str().to_owned();
    name.push(".files");
    PathBuf::from(name)
}

/// Lists the files under `dir` (an extracted package) as the list's text.
pub(crate) fn render(dir: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut files)?;
    files.sort();
    let mut text = format!("{HEADER} {}\n", files.len());
    for (path, size) in files {
        let _ = writeln!(text, "{size} {path}");
    }
    Ok(text)
}

fn walk(dir: &Path, prefix: &Path, out: &mut Vec<(String, u64)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let relative = prefix.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &relative, out)?;
        } else if kind.is_file() {
            let size = entry.metadata()?.len();
            out.push((relative.to_string_lossy().replace('\\', "/"), size));
        }
    }
    Ok(())
}

/// Whether `entry` holds every listed file at its listed size. A missing or unreadable list
/// means the entry was never published whole.
pub(crate) fn verify(entry: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(list_path(entry)) else {
        return false;
    };
    let mut lines = text.lines();
    let Some(count) = lines
        .next()
        .and_then(|h| h.strip_prefix(HEADER))
        .and_then(|n| n.trim().parse::<usize>().ok())
    else {
        return false;
    };
    let mut seen = 0;
    for line in lines {
        let Some((size, path)) = line.split_once(' ') else {
            return false;
        };
        let Ok(size) = size.parse::<u64>() else {
            return false;
        };
        match std::fs::symlink_metadata(entry.join(path)) {
            Ok(meta) if meta.is_file() && meta.len() == size => seen += 1,
            _ => return false,
        }
    }
    // A list cut short by a crash has fewer lines than its header says.
    seen == count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_or_missing_file_or_list_fails_verification() {
        let dir = tempfile::tempdir().unwrap();
        let entry = dir.path().join("abc");
        std::fs::create_dir_all(entry.join("lib")).unwrap();
        std::fs::write(entry.join("package.json"), "{}").unwrap();
        std::fs::write(entry.join("lib/index.js"), "module.exports = 1").unwrap();
        assert!(!verify(&entry), "no list yet");
        let text = render(&entry).unwrap();
        std::fs::write(list_path(&entry), &text).unwrap();
        assert!(verify(&entry));
        std::fs::write(entry.join("lib/index.js"), "").unwrap();
        assert!(!verify(&entry), "a truncated file");
        std::fs::write(entry.join("lib/index.js"), "module.exports = 1").unwrap();
        std::fs::remove_file(entry.join("package.json")).unwrap();
        assert!(!verify(&entry), "a missing file");
        std::fs::write(entry.join("package.json"), "{}").unwrap();
        std::fs::write(list_path(&entry), &text[..text.len() - 5]).unwrap();
        assert!(!verify(&entry), "a list cut short");
    }
}
