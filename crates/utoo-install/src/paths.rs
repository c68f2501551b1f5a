//! Lexical path arithmetic for project folders (`-w` filters, `file:` specs, link targets):
//! the folders named may not exist yet, so nothing here touches the disk.

use std::path::{Component, Path, PathBuf};

/// `.` and `..` taken out lexically.
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` made absolute (from the current folder) and normalised.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    normalise(&std::path::absolute(path).unwrap_or_else(|_| path.to_owned()))
}

/// `to` relative to the folder `from`, both normalised first (`../packages/a`).
pub(crate) fn relative_to(from: &Path, to: &Path) -> PathBuf {
    let (a, b) = (normalise(from), normalise(to));
    let (a, b): (Vec<_>, Vec<_>) = (a.components().collect(), b.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..a.len() {
        rel.push("..");
    }
    for c in &b[common..] {
        rel.push(c);
    }
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_like_npm() {
        assert_eq!(
            relative_to(Path::new("/r/node_modules"), Path::new("/r/packages/a")),
            Path::new("../packages/a")
        );
        assert_eq!(
            relative_to(Path::new("/r/node_modules/@s"), Path::new("/r/libs/./x")),
            Path::new("../../libs/x")
        );
        assert_eq!(
            relative_to(Path::new("/r"), Path::new("/r/libs/x")),
            Path::new("libs/x")
        );
        assert_eq!(normalise(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
    }
}
