use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::LinkError;

/// Removes the package at `path` (relative to `root`, always directly in a `node_modules`:
/// the root's, a package's or a workspace member's). Refuses anything else: a bug upstream
/// must never delete the user's files.
pub fn remove_package(root: &Path, path: &str) -> Result<(), LinkError> {
    assert!(
        is_package_path(path),
        "refusing to remove `{path}`, which is not a package path"
    );
    let abs = root.join(path);
    match fs::symlink_metadata(&abs) {
        Ok(meta) if meta.is_dir() => {
            fs::remove_dir_all(&abs).map_err(|e| LinkError::io("remove", &abs, e))
        }
        Ok(_) => fs::remove_file(&abs).map_err(|e| LinkError::io("remove", &abs, e)),
        Err(_) => Ok(()),
    }?;
    // An emptied scope folder goes too.
    if let Some(parent) = abs.parent() {
        if parent
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('@'))
        {
            let _ = fs::remove_dir(parent);
        }
    }
    Ok(())
}

/// `…/node_modules/<name>` or `…/node_modules/@scope/<name>`, relative, with no `..`.
fn is_package_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return false;
    }
    let name_at = match parts.as_slice() {
        [.., scope, _] if scope.starts_with('@') => parts.len() - 2,
        _ => parts.len() - 1,
    };
    name_at >= 1 && parts[name_at - 1] == "node_modules" && !parts[parts.len() - 1].starts_with('@')
}

/// Removes every package folder under the node_modules trees of `root` and of the project
/// folders `tops` (workspace members, relative to `root`) that is not in `keep` (npm prunes
/// extraneous packages). Dot-folders (`.bin`, `.cache`) are left alone. Returns the removed
/// paths.
pub fn remove_extraneous(
    root: &Path,
    tops: &[&str],
    keep: &BTreeSet<String>,
) -> Result<Vec<String>, LinkError> {
    let mut removed = Vec::new();
    walk(root, "", keep, &mut removed)?;
    for top in tops.iter().filter(|t| !t.is_empty()) {
        walk(root, top, keep, &mut removed)?;
    }
    Ok(removed)
}

fn walk(
    root: &Path,
    package: &str,
    keep: &BTreeSet<String>,
    removed: &mut Vec<String>,
) -> Result<(), LinkError> {
    let nm = if package.is_empty() {
        "node_modules".to_owned()
    } else {
        format!("{package}/node_modules")
    };
    let Ok(entries) = fs::read_dir(root.join(&nm)) else {
        return Ok(());
    };
    let mut names = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if name.starts_with('@') {
            if let Ok(scoped) = fs::read_dir(entry.path()) {
                for s in scoped.flatten() {
                    names.push(format!("{name}/{}", s.file_name().to_string_lossy()));
                }
            }
        } else {
            names.push(name);
        }
    }
    for name in names {
        let path = format!("{nm}/{name}");
        if keep.contains(&path) {
            walk(root, &path, keep, removed)?;
        } else {
            remove_package(root, &path)?;
            removed.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prunes_only_extraneous_package_folders() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for dir in [
            "node_modules/keep/node_modules/gone",
            "node_modules/@s/old",
            "node_modules/.cache/x",
            "node_modules/extra",
        ] {
            fs::create_dir_all(r.join(dir)).unwrap();
        }
        fs::write(r.join("outside.txt"), "mine").unwrap();
        let keep: BTreeSet<String> = ["node_modules/keep".to_string()].into();
        let mut removed = remove_extraneous(r, &[], &keep).unwrap();
        removed.sort();
        assert_eq!(
            removed,
            [
                "node_modules/@s/old",
                "node_modules/extra",
                "node_modules/keep/node_modules/gone"
            ]
        );
        assert!(r.join("node_modules/.cache/x").is_dir());
        assert!(!r.join("node_modules/@s").exists());
        assert!(r.join("outside.txt").exists());
    }

    #[test]
    fn package_paths_sit_directly_in_a_node_modules() {
        for ok in [
            "node_modules/a",
            "node_modules/@s/a",
            "node_modules/a/node_modules/@s/b",
            "packages/a/node_modules/b",
        ] {
            assert!(is_package_path(ok), "{ok}");
        }
        for bad in [
            "packages/a",
            "node_modules",
            "node_modules/@s",
            "src/node_modules/../../x",
            "node_modules//a",
            "/node_modules/a",
            "node_modules/a/lib",
        ] {
            assert!(!is_package_path(bad), "{bad}");
        }
    }

    #[test]
    #[should_panic(expected = "refusing")]
    fn never_removes_outside_node_modules() {
        let _ = remove_package(Path::new("/tmp"), "src/../..");
    }
}
