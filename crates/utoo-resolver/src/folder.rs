//! Folders in the tree that are not under a node_modules: workspace members and the targets
//! of `file:` folder specs. Their lockfile keys are paths relative to the root, `/`-separated
//! and normalised the way arborist's `relpath` writes them (`packages/a`, `../shared`).

use utoo_lockfile::LockEntry;
use utoo_manifest::Manifest;

/// A workspace member: its folder relative to the root and its package.json.
#[derive(Debug, Clone)]
pub struct Member {
    /// The folder, relative to the root (`packages/a`).
    pub path: String,
    /// Its package.json.
    pub manifest: Manifest,
}

/// The entry npm writes for a top folder: its package.json's fields (devDependencies
/// included), no `resolved` or `integrity`, and `name` only when it differs from the folder's
/// base name.
pub fn top_entry(path: &str, manifest: &Manifest) -> LockEntry {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut entry = LockEntry::from_manifest(base, manifest);
    entry.resolved = None;
    entry.integrity = None;
    entry.deprecated = None;
    entry.dev_dependencies = manifest.dev_dependencies.clone();
    entry
}

/// `spec_path` (a `file:` path as written) seen from the top folder `from`, as a path
/// relative to the root; `None` for an absolute path or `~/` (not relative to the project).
pub(crate) fn join(from: &str, spec_path: &str) -> Option<String> {
    if spec_path.starts_with('/') || spec_path.starts_with('~') {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    // Leading `..` that climb above the root stay.
    let mut above = 0usize;
    for part in spec_path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    above += 1;
                }
            }
            other => parts.push(other),
        }
    }
    let mut out: Vec<&str> = std::iter::repeat_n("..", above).collect();
    out.extend(parts);
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_relpath() {
        assert_eq!(join("", "libs/loc").as_deref(), Some("libs/loc"));
        assert_eq!(join("", "./libs/loc/").as_deref(), Some("libs/loc"));
        assert_eq!(join("packages/a", "../b").as_deref(), Some("packages/b"));
        assert_eq!(join("", "../outside").as_deref(), Some("../outside"));
        assert_eq!(join("packages/a", "../../../x").as_deref(), Some("../x"));
        assert_eq!(join("", "/abs"), None);
    }
}
