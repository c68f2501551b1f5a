//! Link entries on disk: `node_modules/<name>` as a relative symlink to the member's or
//! `file:` folder's directory, as npm makes them (`ws-a -> ../packages/a`).

use std::collections::BTreeMap;
#[cfg(unix)]
use std::os::unix::fs::symlink as symlink_dir;
#[cfg(windows)]
use std::os::windows::fs::symlink_dir;
use std::path::Path;

use utoo_lockfile::LockEntry;

use crate::paths::relative_to;

use crate::InstallError;

/// Makes every link of `packages` under `root`; a link already pointing right is left alone.
pub(crate) fn make_links(
    root: &Path,
    packages: &BTreeMap<String, LockEntry>,
) -> Result<(), InstallError> {
    for (path, entry) in packages.iter().filter(|(_, e)| e.link) {
        let Some(target) = entry.resolved.as_deref() else {
            continue;
        };
        let link = root.join(path);
        let parent = link.parent().expect("a link path has a parent");
        let relative = relative_to(parent, &root.join(target));
        if std::fs::read_link(&link).is_ok_and(|t| t == relative) {
            continue;
        }
        std::fs::create_dir_all(parent).map_err(|e| InstallError::io(parent, e))?;
        match std::fs::symlink_metadata(&link) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&link),
            Ok(_) => std::fs::remove_file(&link),
            Err(_) => Ok(()),
        }
        .map_err(|e| InstallError::io(&link, e))?;
        symlink_dir(&relative, &link).map_err(|e| InstallError::io(&link, e))?;
    }
    Ok(())
}

/// Whether every link of `packages` is on disk as it should be.
pub(crate) fn links_in_place(root: &Path, packages: &BTreeMap<String, LockEntry>) -> bool {
    packages.iter().filter(|(_, e)| e.link).all(|(path, e)| {
        let link = root.join(path);
        let parent = link.parent().expect("a link path has a parent");
        e.resolved.as_deref().is_none_or(|t| {
            std::fs::read_link(&link).is_ok_and(|l| l == relative_to(parent, &root.join(t)))
        })
    })
}
