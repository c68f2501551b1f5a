//! From the planned tree and what is on disk to what must change: which paths go on disk on
//! this platform ([`Target`]), and which of them to place, keep or remove ([`Diff`]). Nothing
//! here writes to disk.

use std::collections::{BTreeMap, BTreeSet};

use utoo_config::{Omit, Settings};
use utoo_linker::LinkMethod;
use utoo_lockfile::{is_top, parent_path, LockEntry};
use utoo_manifest::Platform;

use crate::context::Context;
use crate::optional_set::Edges;
use crate::package::Placement;
use crate::project::Project;
use crate::selection::Scope;
use crate::trust::HiddenLockfile;
use crate::InstallError;

/// The paths that go on disk here: all but the root, links and the kinds `omit` leaves out,
/// less the optional packages for other platforms and what only they need (arborist skips
/// those at reify time, and keeps them in the lockfile).
pub(crate) struct Target {
    pub paths: BTreeSet<String>,
    /// Optional packages left out for this platform.
    pub skipped: u64,
}

/// npm's `Node.shouldOmit`: by the flags the lockfile records (the entries stay there).
pub(crate) fn omitted(entry: &LockEntry, omit: Omit) -> bool {
    (omit.dev && entry.dev)
        || (omit.optional && entry.optional)
        || (omit.dev && omit.optional && entry.dev_optional)
        || (omit.peer && entry.peer)
}

impl Target {
    pub(crate) fn of(
        packages: &BTreeMap<String, LockEntry>,
        settings: &Settings,
    ) -> Result<Target, InstallError> {
        let force = settings.force;
        let platform = Platform::current();
        let mut foreign = Vec::new();
        for (path, entry) in packages {
            if entry.link || is_top(path) {
                continue;
            }
            if omitted(entry, settings.omit)
                || platform.accepts_fields(&entry.os, &entry.cpu, &entry.libc)
            {
                continue;
            }
            // npm skips an optional package whatever --force says; a required one it
            // installs only when forced.
            if entry.optional {
                foreign.push(path.as_str());
            } else if !force {
                return Err(InstallError::BadPlatform {
                    package: format!(
                        "{}@{}",
                        entry.package_name(path),
                        entry.version.as_deref().unwrap_or("?")
                    ),
                    os: entry.os.clone(),
                    cpu: entry.cpu.clone(),
                    libc: entry.libc.clone(),
                });
            }
        }
        let skipped = foreign.len() as u64;
        let edges = Edges::of(packages);
        let left_out = edges.optional_set(foreign);
        let reached = edges.reachable_avoiding(&left_out);
        let paths = packages
            .iter()
            .filter(|(path, entry)| {
                !entry.link
                    && !is_top(path)
                    && !omitted(entry, settings.omit)
                    && reached.contains(path.as_str())
            })
            // A folder cannot go where its parent package does not.
            .filter(|(path, _)| !nested_in_removed(path, &reached))
            .map(|(path, _)| path.clone())
            .collect();
        Ok(Target { paths, skipped })
    }
}

/// What goes from node_modules.
#[derive(Debug)]
pub(crate) enum Removal {
    /// Paths the hidden lockfile lists that the target does not have (outermost only: what
    /// is nested inside goes with them).
    Listed(Vec<String>),
    /// No hidden lockfile to go by: whatever is on disk and not in the target.
    Extraneous,
}

/// What an install changes in node_modules.
pub(crate) struct Diff {
    pub place: Vec<Placement>,
    pub remove: Removal,
    /// Paths left as they are.
    pub keep: Vec<String>,
    /// Of `place`: paths that had no folder before / that had one (another version, or
    /// one the trust rule rejected).
    pub added: u64,
    pub changed: u64,
}

impl Diff {
    pub(crate) fn between(
        ctx: &Context,
        project: &Project,
        packages: &BTreeMap<String, LockEntry>,
        target: &Target,
        hidden: &HiddenLockfile,
        scope: Option<&Scope>,
    ) -> Result<Diff, InstallError> {
        let mut diff = Diff {
            place: Vec::new(),
            remove: Removal::Extraneous,
            keep: Vec::new(),
            added: 0,
            changed: 0,
        };
        for path in &target.paths {
            let entry = &packages[path];
            if hidden.trusts(&project.root, path, entry) {
                diff.keep.push(path.clone());
                continue;
            }
            if project.root.join(path).is_dir() {
                diff.changed += 1;
            } else {
                diff.added += 1;
            }
            // Install scripts write into their package folder: such a package gets its own
            // copy, so the cache entry stays pristine.
            let method = if ctx.runs_scripts() && entry.has_install_script {
                LinkMethod::Copy
            } else {
                LinkMethod::Hardlink
            };
            diff.place.push(Placement::new(
                ctx.client(),
                &project.root,
                path,
                entry,
                method,
            )?);
        }
        if scope.is_some() && hidden.lock.is_none() {
            // Without a record of the disk a filtered run cannot tell what outside the
            // selection is extraneous: it removes nothing.
            diff.remove = Removal::Listed(Vec::new());
        }
        if let Some(old) = &hidden.lock {
            diff.remove = Removal::Listed(
                old.packages
                    .keys()
                    .filter(|path| {
                        !is_top(path)
                            && !packages.get(*path).is_some_and(|e| e.link)
                            && !target.paths.contains(*path)
                            && !nested_in_removed(path, &target.paths)
                            && scope.is_none_or(|s| s.may_remove(path))
                    })
                    .cloned()
                    .collect(),
            );
        }
        Ok(diff)
    }

    /// Whether node_modules already is the target.
    pub(crate) fn is_empty(&self) -> bool {
        self.place.is_empty() && matches!(&self.remove, Removal::Listed(paths) if paths.is_empty())
    }
}

/// Whether a path sits under a package that is not in `target`.
fn nested_in_removed<T: std::borrow::Borrow<str> + Ord>(path: &str, target: &BTreeSet<T>) -> bool {
    let mut cur = path;
    while let Some(parent) = parent_path(cur) {
        // The root and workspace / linked folders are not packages that could be removed.
        if is_top(parent) {
            return false;
        }
        if !target.contains(parent) {
            return true;
        }
        cur = parent;
    }
    false
}
