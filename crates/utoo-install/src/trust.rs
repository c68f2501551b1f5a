//! npm's trust rule for its hidden lockfile (`node_modules/.package-lock.json`): the file
//! describes the tree on disk, but a package folder modified after it was written (files
//! added or removed by hand, a half-finished run) is not trusted and is placed again.

use std::path::Path;
use std::time::{Duration, SystemTime};

use utoo_lockfile::{LockEntry, Lockfile, HIDDEN_LOCKFILE};

use crate::project::Project;

/// Folder times a little after the hidden lockfile's still count: both are written in the
/// same moment at the end of an install, and file systems round times differently.
const SLACK: Duration = Duration::from_millis(10);

/// What the last complete install left in node_modules.
pub(crate) struct HiddenLockfile {
    /// Its entries; `None` when there is none or it cannot be read (nothing is trusted then).
    pub lock: Option<Lockfile>,
    /// When it was written.
    pub written: Option<SystemTime>,
}

impl HiddenLockfile {
    /// An unreadable or missing hidden lockfile trusts nothing, as in npm.
    pub(crate) fn read(project: &Project) -> HiddenLockfile {
        let path = project.node_modules().join(HIDDEN_LOCKFILE);
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        HiddenLockfile {
            lock: Lockfile::read(&path).ok().flatten(),
            written,
        }
    }

    /// The entry it has for `path`.
    pub(crate) fn entry(&self, path: &str) -> Option<&LockEntry> {
        self.lock.as_ref()?.packages.get(path)
    }

    /// Whether the package at `path` is on disk as `wanted` says and may be left alone.
    pub(crate) fn trusts(&self, root: &Path, path: &str, wanted: &LockEntry) -> bool {
        self.entry(path)
            .is_some_and(|old| same_package(old, wanted))
            && folder_intact(&root.join(path), self.written)
    }
}

/// Whether the package folder `dir` exists and was not modified after `written`.
pub(crate) fn folder_intact(dir: &Path, written: Option<SystemTime>) -> bool {
    let Ok(meta) = std::fs::metadata(dir) else {
        return false;
    };
    let (Some(written), Ok(modified)) = (written, meta.modified()) else {
        return false;
    };
    meta.is_dir() && modified <= written + SLACK
}

fn same_package(a: &LockEntry, b: &LockEntry) -> bool {
    a.version == b.version && a.integrity == b.integrity && a.name == b.name
}
