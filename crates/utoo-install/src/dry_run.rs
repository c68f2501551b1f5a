//! `plan`: what an install would do, from the same stages as the install (project → plan →
//! target → diff), stopped before anything is written: not package.json, not the lockfiles,
//! not node_modules, not even the project lock file. Only the cache may gain packuments (and
//! tarballs fetched to read a `file:`/URL dependency's manifest), as any resolution does.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use utoo_lockfile::{detect_indent, lockfile_json, parent_path, LockEntry};

use crate::context::Context;
use crate::diff::{Diff, Removal, Target};
use crate::installed::Installed;
use crate::lock::ProjectLock;
use crate::plan::Plan;
use crate::project::Project;
use crate::script_policy::{ScriptPolicy, Verdict};
use crate::selection::{Scope, Selection};
use crate::trust::HiddenLockfile;
use crate::{InstallError, InstallOptions, Mode};

/// What an install with the same options would change.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallPlan {
    /// Packages in the tree it would install (the lockfile's entries, root excluded).
    pub packages: u64,
    /// Whether the registry had to be asked (false: the lockfile was enough).
    pub resolved: bool,
    /// Whether package-lock.json would be written with other content.
    pub lockfile_changed: bool,
    /// Packages that would be placed where nothing is now.
    pub added: Vec<PlannedChange>,
    /// Packages that would replace what is there (another version, or a folder the hidden
    /// lockfile cannot vouch for).
    pub changed: Vec<PlannedChange>,
    /// Packages that would be removed.
    pub removed: Vec<PlannedChange>,
    /// Placed packages with install scripts, and whether the policy lets them run.
    pub scripts: Vec<PlannedScripts>,
    /// Tarballs the cache does not have.
    pub download: PlannedDownload,
}

/// One package the install would add, change or remove.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedChange {
    /// The package's real name.
    pub name: String,
    /// Its install path (`node_modules/a/node_modules/b`).
    pub path: String,
    /// The version there now (`None` when added).
    pub from: Option<String>,
    /// The version it would be (`None` when removed).
    pub to: Option<String>,
}

/// A dependency whose install scripts are due.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedScripts {
    /// `name@version`.
    pub package: String,
    /// Its install path.
    pub path: String,
    /// npm 12's policy allows them (false: they would be skipped and reported).
    pub allowed: bool,
    /// Skipped because a `false` entry denies them (rather than nothing allowing them).
    pub denied: bool,
}

/// What the install would download.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedDownload {
    /// Tarballs not in the cache.
    pub tarballs: u64,
    /// Their compressed size, summed over those whose size the registry gave.
    pub bytes: u64,
    /// Of `tarballs`, those whose size is unknown (not in `bytes`).
    pub unknown_size: u64,
}

/// Works out what `install(options)` would do, writing nothing into the project. Edits
/// (`options.edit`) are not planned: they are refused with `EINVALIDSPEC` rather than
/// silently ignored.
pub async fn plan(options: InstallOptions) -> Result<InstallPlan, InstallError> {
    let cancel = options.cancel.clone();
    crate::run::as_task(&cancel, "the plan", run(options)).await
}

async fn run(options: InstallOptions) -> Result<InstallPlan, InstallError> {
    if options.edit.is_some() {
        return Err(InstallError::BadSpec {
            spec: "plan()".into(),
            reason: "add and remove cannot be planned; plan the install after the edit",
        });
    }
    let ctx = Context::new(options)?;
    let project = Project::load(&ctx.root)?;
    // Waits for a running install, but creates no lock file of its own.
    let _lock = ProjectLock::acquire_existing(&project, &ctx.events).await?;
    // A workspace selection (`-w`, or a run inside a member) narrows the diff as it narrows
    // the install.
    let selection = Selection::of(ctx.settings(), &project, &ctx.options.cwd)?;
    let planned = Plan {
        project: &project,
        prefer: &[],
    }
    .run(&ctx)
    .await?;
    crate::engines::check(&ctx, &planned.packages).await?;
    let mut out = InstallPlan {
        packages: planned.len(),
        resolved: planned.resolved,
        lockfile_changed: lockfile_changed(&ctx, &project, &planned.packages),
        ..InstallPlan::default()
    };
    if ctx.options.mode == Mode::LockfileOnly {
        return Ok(out);
    }
    let target = Target::of(&planned.packages, ctx.settings())?;
    let on_disk = Installed::read(&project.root)?.packages;
    let (placed, removed) = changes(
        &ctx,
        &project,
        &planned.packages,
        target,
        &on_disk,
        selection.as_ref(),
    )?;
    let version_on_disk = |path: &str| on_disk.get(path).and_then(|e| e.version.clone());
    let policy = ScriptPolicy::new(
        &project.root_manifest().manifest.allow_scripts,
        ctx.settings(),
    );
    let mut downloads = Vec::new();
    for path in &placed {
        let entry = &planned.packages[path];
        let name = entry.package_name(path).to_owned();
        let change = PlannedChange {
            name: name.clone(),
            path: path.clone(),
            from: version_on_disk(path),
            to: entry.version.clone(),
        };
        if project.root.join(path).is_dir() {
            out.changed.push(change);
        } else {
            out.added.push(change);
        }
        if entry.has_install_script && ctx.runs_scripts() {
            let verdict = policy.verdict(path, entry);
            out.scripts.push(PlannedScripts {
                package: format!("{name}@{}", entry.version.as_deref().unwrap_or("?")),
                path: path.clone(),
                allowed: verdict == Verdict::Allowed,
                denied: verdict == Verdict::Denied,
            });
        }
        let local = entry
            .resolved
            .as_deref()
            .is_some_and(|r| r.starts_with("file:"));
        if !local && !in_cache(&ctx, entry) {
            downloads.push((path.as_str(), entry));
        }
    }
    out.removed = removals(&on_disk, removed);
    out.download = download_sizes(&ctx, &project, downloads).await;
    Ok(out)
}

/// The paths the install would place and those it would remove: the install's own `Diff`,
/// or for `ci` (which starts from an empty node_modules) every target path and whatever
/// else is on disk.
fn changes(
    ctx: &Context,
    project: &Project,
    packages: &BTreeMap<String, LockEntry>,
    mut target: Target,
    on_disk: &BTreeMap<String, LockEntry>,
    selection: Option<&Selection>,
) -> Result<(Vec<String>, Vec<String>), InstallError> {
    let not_in = |target: &Target| {
        outermost(
            on_disk
                .iter()
                .filter(|(p, e)| !p.is_empty() && !e.link && !target.paths.contains(*p))
                .map(|(p, _)| p.clone()),
        )
    };
    if ctx.options.mode == Mode::Ci {
        let removed = not_in(&target);
        return Ok((target.paths.into_iter().collect(), removed));
    }
    let hidden = HiddenLockfile::read(project);
    // As `install_tree` narrows it: outside the selection a path stays as it is.
    let scope =
        selection.map(|s| Scope::new(s, packages, hidden.lock.as_ref().map(|l| &l.packages)));
    if let Some(scope) = &scope {
        target
            .paths
            .retain(|p| scope.wants(p) || hidden.trusts(&project.root, p, &packages[p.as_str()]));
    }
    let diff = Diff::between(ctx, project, packages, &target, &hidden, scope.as_ref())?;
    let removed = match diff.remove {
        Removal::Listed(paths) => paths,
        Removal::Extraneous => not_in(&target),
    };
    Ok((diff.place.into_iter().map(|p| p.path).collect(), removed))
}

/// What goes, with the version on disk.
fn removals(on_disk: &BTreeMap<String, LockEntry>, removed: Vec<String>) -> Vec<PlannedChange> {
    removed
        .into_iter()
        .map(|path| {
            let entry = on_disk.get(&path);
            PlannedChange {
                name: entry.map_or_else(
                    || utoo_lockfile::entry_name(&path).to_owned(),
                    |e| e.package_name(&path).to_owned(),
                ),
                from: entry.and_then(|e| e.version.clone()),
                to: None,
                path,
            }
        })
        .collect()
}

/// Whether the cache holds the package's tarball, extracted (by its integrity; without
/// one, the install downloads it to find out).
fn in_cache(ctx: &Context, entry: &LockEntry) -> bool {
    entry
        .integrity
        .as_deref()
        .and_then(|i| i.parse().ok())
        .is_some_and(|i| utoo_cache::Cache::has(&ctx.cache_dir, &i))
}

/// Whether package-lock.json would get other bytes (`ci` and `package-lock=false` write none).
fn lockfile_changed(
    ctx: &Context,
    project: &Project,
    packages: &BTreeMap<String, LockEntry>,
) -> bool {
    if ctx.options.mode == Mode::Ci || !ctx.settings().package_lock {
        return false;
    }
    let manifest = project.root_manifest();
    let name = Some(manifest.manifest.name.as_str()).filter(|n| !n.is_empty());
    let version = Some(manifest.manifest.version.as_str()).filter(|v| !v.is_empty());
    let text = lockfile_json(
        name,
        version,
        packages.iter(),
        &detect_indent(&manifest.text),
        ctx.settings().omit_lockfile_registry_resolved,
    );
    std::fs::read_to_string(project.lockfile_path()).map_or(true, |old| old != text)
}

/// Paths whose parent package is not also in the set (what is nested goes with it).
fn outermost(paths: impl Iterator<Item = String>) -> Vec<String> {
    let all: BTreeSet<String> = paths.collect();
    all.iter()
        .filter(|p| {
            let mut cur = p.as_str();
            while let Some(parent) = parent_path(cur) {
                if all.contains(parent) {
                    return false;
                }
                cur = parent;
            }
            true
        })
        .cloned()
        .collect()
}

/// The size of each tarball to download, from the `Content-Length` of its response (the
/// body is dropped unread; a registry that sends none, or offline, counts as unknown).
async fn download_sizes(
    ctx: &Context,
    project: &Project,
    downloads: Vec<(&str, &LockEntry)>,
) -> PlannedDownload {
    let mut out = PlannedDownload {
        tarballs: downloads.len() as u64,
        ..PlannedDownload::default()
    };
    let urls: Vec<String> = downloads
        .into_iter()
        .filter_map(|(path, entry)| {
            let placement = crate::package::Placement::new(
                ctx.client(),
                &project.root,
                path,
                entry,
                utoo_linker::LinkMethod::Hardlink,
            )
            .ok()?;
            Some(placement.source.tarball_url)
        })
        .collect();
    let client = ctx.client();
    let sizes = futures_util::future::join_all(urls.iter().map(|url| async move {
        client
            .tarball(url, &mut client.retries())
            .await
            .ok()?
            .content_length
    }))
    .await;
    for size in &sizes {
        match size {
            Some(n) => out.bytes += n,
            None => out.unknown_size += 1,
        }
    }
    // Tarballs whose URL could not be worked out have no size either.
    out.unknown_size += out.tarballs.saturating_sub(sizes.len() as u64);
    out
}
