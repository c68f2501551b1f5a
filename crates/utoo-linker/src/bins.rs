use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use utoo_lockfile::{entry_name, parent_path, LockEntry};
use utoo_manifest::bin_entries;

use crate::LinkError;

/// Rebuilds every `.bin` folder of the tree under `root` from the entries' `bin` maps:
/// `node_modules/a` links into `node_modules/.bin`, `node_modules/a/node_modules/b` into
/// `node_modules/a/node_modules/.bin`, with relative symlinks as npm makes them.
/// `installed` lists the paths present on disk (platform-skipped optionals are not).
/// Returns the number of links made.
pub fn link_bins<'a>(
    root: &Path,
    packages: &BTreeMap<String, LockEntry>,
    installed: impl Iterator<Item = &'a str>,
) -> Result<usize, LinkError> {
    // bin folder → command → target, first package (in path order) wins a clash.
    let mut wanted: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut folders: Vec<String> = vec![String::new()];
    for path in installed {
        let Some(entry) = packages.get(path) else {
            continue;
        };
        if path.is_empty() {
            continue;
        }
        // A link's commands are its folder's, linked through the link (`../ws-a/cli.js`).
        let bin = if entry.link {
            entry
                .resolved
                .as_deref()
                .and_then(|t| packages.get(t))
                .and_then(|t| t.bin.as_ref())
        } else {
            folders.push(path.to_owned());
            entry.bin.as_ref()
        };
        let name = entry_name(path);
        let parent = parent_path(path).unwrap_or("");
        let bin_dir = join_nm(parent, ".bin");
        for (command, target) in bin_entries(name, bin) {
            wanted
                .entry(bin_dir.clone())
                .or_default()
                .entry(command)
                .or_insert_with(|| format!("../{name}/{target}"));
        }
    }
    // Drop .bin folders we no longer want, and stale links in the ones we keep.
    for folder in &folders {
        let bin_dir = join_nm(folder, ".bin");
        let abs = root.join(&bin_dir);
        if abs.is_dir() {
            fs::remove_dir_all(&abs).map_err(|e| LinkError::io("remove", &abs, e))?;
        }
    }
    let mut made = 0;
    for (bin_dir, commands) in wanted {
        let abs_dir = root.join(&bin_dir);
        fs::create_dir_all(&abs_dir).map_err(|e| LinkError::io("create", &abs_dir, e))?;
        for (command, target) in commands {
            let link = abs_dir.join(&command);
            if !abs_dir.join(&target).is_file() {
                tracing::debug!(link = %link.display(), target, "bin target missing; skipped");
                continue;
            }
            utoo_events::failpoint::hit("link-bin");
            link_bin(&target, &link).map_err(|e| LinkError::io("link", &link, e))?;
            made += 1;
        }
    }
    Ok(made)
}

/// A relative symlink, as npm's bin-links makes on Unix.
#[cfg(unix)]
fn link_bin(target: &str, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

/// What npm's cmd-shim makes on Windows for a JS bin (symlinks need privileges there): a
/// `<command>.cmd` that runs the target with node.
#[cfg(windows)]
fn link_bin(target: &str, link: &Path) -> std::io::Result<()> {
    let mut cmd = link.as_os_str().to_owned();
    cmd.push(".cmd");
    let target = target.replace('/', "\\");
    fs::write(cmd, format!("@ECHO off\r\nnode \"%~dp0\\{target}\" %*\r\n"))
}

fn join_nm(package_path: &str, child: &str) -> String {
    if package_path.is_empty() {
        format!("node_modules/{child}")
    } else {
        format!("{package_path}/node_modules/{child}")
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_hoisted_and_nested_bins() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for (dir, file) in [
            ("node_modules/a", "cli.js"),
            ("node_modules/a/node_modules/@s/b", "bin/b.js"),
        ] {
            fs::create_dir_all(r.join(dir).join(file).parent().unwrap()).unwrap();
            fs::write(r.join(dir).join(file), "#!/usr/bin/env node\n").unwrap();
        }
        fs::create_dir_all(r.join("node_modules/.bin")).unwrap();
        std::os::unix::fs::symlink("../gone/x.js", r.join("node_modules/.bin/stale")).unwrap();
        let mut packages = BTreeMap::new();
        let entry = |bin: serde_json::Value| LockEntry {
            bin: Some(bin),
            ..Default::default()
        };
        packages.insert(String::new(), LockEntry::default());
        packages.insert(
            "node_modules/a".to_string(),
            entry(json!({"a": "cli.js", "missing": "nope.js"})),
        );
        packages.insert(
            "node_modules/a/node_modules/@s/b".to_string(),
            entry(json!({"b": "bin/b.js"})),
        );
        let made = link_bins(r, &packages, packages.keys().map(String::as_str)).unwrap();
        assert_eq!(made, 2);
        assert_eq!(
            fs::read_link(r.join("node_modules/.bin/a")).unwrap(),
            Path::new("../a/cli.js")
        );
        assert_eq!(
            fs::read_link(r.join("node_modules/a/node_modules/.bin/b")).unwrap(),
            Path::new("../@s/b/bin/b.js")
        );
        assert!(r.join("node_modules/a/node_modules/.bin/b").is_file());
        assert!(!r.join("node_modules/.bin/stale").exists());
    }
}
