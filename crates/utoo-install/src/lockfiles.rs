//! The one place the install's records are written: package-lock.json, npm's hidden
//! lockfile in node_modules, and the no-op stamp; and removed, before node_modules changes,
//! so an interrupted run never looks complete.

use std::collections::{BTreeMap, BTreeSet};

use utoo_lockfile::{detect_indent, lockfile_json, LockEntry, Lockfile, HIDDEN_LOCKFILE};

use crate::context::Context;
use crate::noop;
use crate::package::Placed;
use crate::project::Project;
use crate::InstallError;

/// The tree as written: the planned entries, with the integrity the pipeline computed for
/// entries whose lockfile had none.
pub(crate) fn final_tree(
    mut packages: BTreeMap<String, LockEntry>,
    placed: &[Placed],
) -> BTreeMap<String, LockEntry> {
    for p in placed {
        if let Some(entry) = packages.get_mut(&p.path) {
            // npm locks a git dependency without an integrity.
            let git = entry.resolved.as_deref().is_some_and(utoo_cache::is_git);
            if entry.integrity.is_none() && !git {
                entry.integrity = Some(p.integrity.to_string());
            }
        }
    }
    packages
}

/// What node_modules holds at the end of a run that touched it.
pub(crate) struct OnDisk<'a> {
    pub installed: &'a BTreeSet<String>,
    /// Links placed and the project folders they lead to (hidden lockfile only).
    pub linked: &'a BTreeSet<String>,
    /// Whether node_modules changed this run (then the hidden lockfile is rewritten).
    pub changed: bool,
    /// The whole tree is on disk (no workspace filter): only then a no-op stamp is left.
    pub complete: bool,
    /// For the no-op stamp: the tree's size and what was left out for this platform.
    pub packages: u64,
    pub skipped_optional: u64,
}

/// Writes the records of a run.
pub(crate) struct Lockfiles<'a> {
    pub project: &'a Project,
    pub packages: &'a BTreeMap<String, LockEntry>,
    /// package-lock.json is written, except by `ci`, which only reads it.
    pub write_package_lock: bool,
    /// `None` for `--lockfile-only`, which leaves node_modules alone.
    pub on_disk: Option<OnDisk<'a>>,
}

impl Lockfiles<'_> {
    /// Writes them; returns whether package-lock.json's content changed.
    pub(crate) fn write(self, ctx: &Context) -> Result<bool, InstallError> {
        let manifest = &self.project.root_manifest();
        let indent = detect_indent(&manifest.text);
        let omit_resolved = ctx.settings().omit_lockfile_registry_resolved;
        let name = Some(manifest.manifest.name.as_str()).filter(|n| !n.is_empty());
        let version = Some(manifest.manifest.version.as_str()).filter(|v| !v.is_empty());
        // The hidden lockfile first: if either write fails, package-lock.json is still the
        // user's own, and a failed `add` can put package.json back to match it.
        if let Some(on_disk) = self.on_disk.as_ref().filter(|d| d.changed) {
            let node_modules = self.project.node_modules();
            let hidden = lockfile_json(
                name,
                version,
                self.packages
                    .iter()
                    .filter(|(p, _)| on_disk.installed.contains(*p) || on_disk.linked.contains(*p)),
                &indent,
                omit_resolved,
            );
            std::fs::create_dir_all(&node_modules)
                .map_err(|e| InstallError::io(&node_modules, e))?;
            Lockfile::write(&node_modules.join(HIDDEN_LOCKFILE), &hidden)?;
        }
        let mut changed = false;
        // npm's `package-lock=false`: no package-lock.json is written.
        if self.write_package_lock && ctx.settings().package_lock {
            let text = lockfile_json(name, version, self.packages.iter(), &indent, omit_resolved);
            changed = Lockfile::write(&self.project.lockfile_path(), &text)?;
        }
        let Some(on_disk) = self.on_disk else {
            return Ok(changed);
        };
        // Last: the stamp names the final bytes of both lockfiles.
        if !on_disk.complete {
            return Ok(changed);
        }
        noop::record(
            ctx,
            self.project,
            on_disk.packages,
            on_disk.skipped_optional,
            on_disk.installed.iter().cloned(),
        );
        Ok(changed)
    }
}

/// Removes the hidden lockfile and the no-op stamp: from here on node_modules changes, and
/// until the run completes nothing may vouch for it.
pub(crate) fn invalidate(project: &Project) -> Result<(), InstallError> {
    for mark in [
        noop::stamp_path(project),
        project.node_modules().join(HIDDEN_LOCKFILE),
    ] {
        match std::fs::remove_file(&mark) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(InstallError::io(&mark, e))
            }
            _ => {}
        }
    }
    Ok(())
}
