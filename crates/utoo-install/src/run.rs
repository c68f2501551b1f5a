//! The install as a sequence of stages, each a value whose output is the next one's input:
//! project → (edit) → plan → target → diff → prune → fetch/link → bins → scripts →
//! lockfiles → the project's own scripts.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use utoo_linker::{link_bins, remove_extraneous, remove_package};
use utoo_lockfile::LockEntry;

use crate::context::Context;
use crate::diff::{Diff, Removal, Target};
use crate::lock::ProjectLock;
use crate::lockfiles::{final_tree, invalidate, Lockfiles, OnDisk};
use crate::pipeline::{FetchLink, FetchOutcome};
use crate::plan::{Plan, Planned};
use crate::project::Project;
use crate::scripts::{DependencyScripts, RootScripts, ScriptsOutcome};
use crate::selection::{Scope, Selection};
use crate::summary::{InstallSummary, Timings};
use crate::trust::HiddenLockfile;
use crate::{edit, noop, InstallError, InstallOptions, Mode};

/// Installs the project in `options.cwd` (`install`, `ci` or `--lockfile-only`, per
/// `options.mode`). Cancelling `options.cancel` stops it with [`InstallError::Cancelled`].
///
/// The run is a task of its own, so a panic anywhere in the engine (a bug) comes back as
/// [`InstallError::Internal`] (EINTERNAL) instead of unwinding into the caller, which may be
/// the event loop of the Node process that embeds utoo.
pub async fn install(options: InstallOptions) -> Result<InstallSummary, InstallError> {
    let cancel = options.cancel.clone();
    as_task(&cancel, "the install", run(options)).await
}

/// Runs `work` as a task of its own, stopped by `cancel` or by dropping the future: a panic
/// in it (a bug) comes back as [`InstallError::Internal`] about `what`, instead of unwinding
/// into the caller.
pub(crate) async fn as_task<T: Send + 'static>(
    cancel: &crate::CancelToken,
    what: &str,
    work: impl std::future::Future<Output = Result<T, InstallError>> + Send + 'static,
) -> Result<T, InstallError> {
    let mut task = AbortOnDrop(tokio::spawn(work));
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(InstallError::Cancelled),
        joined = &mut task.0 => joined.unwrap_or_else(|e| Err(InstallError::Internal {
            what: format!("{what} ({e})"),
        })),
    }
}

// Dropping the future (or cancelling it) stops the run, as when it ran inline.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves and writes package-lock.json without touching node_modules.
pub async fn resolve(mut options: InstallOptions) -> Result<InstallSummary, InstallError> {
    options.mode = Mode::LockfileOnly;
    install(options).await
}

async fn run(options: InstallOptions) -> Result<InstallSummary, InstallError> {
    let started = Instant::now();
    let ctx = Context::new(options)?;
    let mut project = Project::load(&ctx.root)?;
    project.warn_unmatched(&ctx.events);
    let mode = ctx.options.mode;
    let selection = Selection::of(ctx.settings(), &project, &ctx.options.cwd)?;
    let mut picked = Vec::new();
    let mut originals = edit::Originals::default();
    let _lock = ProjectLock::acquire(&project, mode, &ctx.events).await?;
    utoo_events::failpoint::hit("project-locked");
    if let Some(request) = &ctx.options.edit {
        let folders = selection
            .as_ref()
            .map_or_else(|| vec![String::new()], Selection::edited_folders);
        (project, picked, originals) = edit::apply(&ctx, project, request, &folders).await?;
    } else if mode == Mode::Install && ctx.options.update.is_none() && !ctx.options.dedupe {
        if let Some(stamp) = noop::still_installed(&ctx, &project) {
            let summary = InstallSummary {
                packages: stamp.packages,
                skipped_optional: stamp.skipped_optional,
                up_to_date: true,
                ..InstallSummary::default()
            };
            return finish(&ctx, &project, selection.as_ref(), summary, started).await;
        }
    }

    let installed = plan_and_install(&ctx, &project, &picked, selection.as_ref(), started).await;
    // A failed `add`/`remove` leaves package.json as the user had it: the lockfile, written
    // last and atomically, still matches the old one.
    let summary = installed.inspect_err(|_| originals.restore())?;
    if mode == Mode::LockfileOnly {
        return Ok(summary);
    }
    finish(&ctx, &project, selection.as_ref(), summary, started).await
}

async fn plan_and_install(
    ctx: &Context,
    project: &Project,
    picked: &[(String, String)],
    selection: Option<&Selection>,
    started: Instant,
) -> Result<InstallSummary, InstallError> {
    let planned = Plan {
        project,
        prefer: picked,
    }
    .run(ctx)
    .await?;
    crate::engines::check(ctx, &planned.packages).await?;
    if ctx.options.mode == Mode::LockfileOnly {
        return lockfile_only(ctx, project, &planned, started);
    }
    install_tree(ctx, project, planned, selection).await
}

/// `--lockfile-only`: the planned tree goes to package-lock.json and nowhere else.
fn lockfile_only(
    ctx: &Context,
    project: &Project,
    planned: &Planned,
    started: Instant,
) -> Result<InstallSummary, InstallError> {
    let lockfile_changed = Lockfiles {
        project,
        packages: &planned.packages,
        write_package_lock: true,
        on_disk: None,
    }
    .write(ctx)?;
    Ok(InstallSummary {
        packages: planned.len(),
        resolved: planned.resolved,
        lockfile_changed,
        warnings: ctx.events.warnings(),
        timings: Timings {
            resolve_ms: planned.elapsed_ms,
            total_ms: elapsed_ms(started),
            ..Timings::default()
        },
        ..InstallSummary::default()
    })
}

/// Target → diff → (prune → fetch/link → bins → scripts, unless nothing changes) →
/// lockfiles. With a workspace `selection`, only its part of the tree is touched.
async fn install_tree(
    ctx: &Context,
    project: &Project,
    planned: Planned,
    selection: Option<&Selection>,
) -> Result<InstallSummary, InstallError> {
    let mode = ctx.options.mode;
    let mut target = Target::of(&planned.packages, ctx.settings())?;
    if mode == Mode::Ci {
        empty_node_modules(project)?;
    }
    let hidden = HiddenLockfile::read(project);
    let scope = selection.map(|s| {
        Scope::new(
            s,
            &planned.packages,
            hidden.lock.as_ref().map(|l| &l.packages),
        )
    });
    if let Some(scope) = &scope {
        // Outside the selection a path stays as it is: recorded when it is already right.
        target.paths.retain(|p| {
            scope.wants(p) || hidden.trusts(&project.root, p, &planned.packages[p.as_str()])
        });
    }
    let diff = Diff::between(
        ctx,
        project,
        &planned.packages,
        &target,
        &hidden,
        scope.as_ref(),
    )?;
    drop(hidden);
    let links = links_in_scope(&planned.packages, scope.as_ref(), ctx.settings().omit);
    let up_to_date = diff.is_empty() && crate::links::links_in_place(&project.root, &links);
    let changes = if up_to_date {
        Changes::none(target.paths)
    } else {
        Changes::apply(ctx, project, &planned, &links, target.paths, diff).await?
    };
    let packages = planned.len();
    let skipped_optional = target.skipped + changes.fetched.skipped.len() as u64;
    let tree = final_tree(planned.packages, &changes.fetched.placed);
    let lockfile_changed = Lockfiles {
        project,
        packages: &tree,
        write_package_lock: mode != Mode::Ci,
        on_disk: Some(OnDisk {
            installed: &changes.installed,
            linked: &linked_paths(&links),
            changed: !up_to_date,
            complete: scope.is_none(),
            packages,
            skipped_optional,
        }),
    }
    .write(ctx)?;

    let fetched = &changes.fetched;
    Ok(InstallSummary {
        packages,
        added: changes.added,
        changed: changes.changed,
        removed: changes.removed,
        downloaded: fetched.downloaded,
        cache_hits: fetched.cache_hits,
        bytes_downloaded: fetched.bytes,
        skipped_optional,
        scripts_run: changes.scripts.ran,
        resolved: planned.resolved,
        lockfile_changed,
        up_to_date,
        max_parallel_links: fetched.max_parallel_links,
        timings: Timings {
            resolve_ms: planned.elapsed_ms,
            fetch_link_ms: fetched.elapsed_ms,
            link_ms: fetched.link_ms,
            bins_ms: changes.bins_ms,
            scripts_ms: changes.scripts_ms,
            total_ms: 0,
        },
        warnings: Vec::new(),
        scripts_not_run: changes.scripts.not_run,
    })
}

/// What the stages that change node_modules did.
struct Changes {
    /// The paths on disk afterwards.
    installed: BTreeSet<String>,
    fetched: FetchOutcome,
    added: u64,
    changed: u64,
    removed: u64,
    scripts: ScriptsOutcome,
    bins_ms: u64,
    scripts_ms: u64,
}

impl Changes {
    fn none(installed: BTreeSet<String>) -> Changes {
        Changes {
            installed,
            fetched: FetchOutcome::default(),
            added: 0,
            changed: 0,
            removed: 0,
            scripts: ScriptsOutcome::default(),
            bins_ms: 0,
            scripts_ms: 0,
        }
    }

    /// Prune → fetch/link → bins → dependency scripts.
    async fn apply(
        ctx: &Context,
        project: &Project,
        planned: &Planned,
        links: &BTreeMap<String, LockEntry>,
        target: BTreeSet<String>,
        diff: Diff,
    ) -> Result<Changes, InstallError> {
        invalidate(project)?;
        utoo_events::failpoint::hit("prune");
        let removed = prune(project, &target, diff.remove)?;
        crate::links::make_links(&project.root, links)?;
        let placed_paths: Vec<String> = diff.place.iter().map(|p| p.path.clone()).collect();
        let fetched = FetchLink { place: diff.place }.run(ctx).await?;
        let mut installed = target;
        for (path, _) in &fetched.skipped {
            installed.remove(path);
        }

        utoo_events::failpoint::hit("bins");
        let t = Instant::now();
        link_bins(
            &project.root,
            &planned.packages,
            installed
                .iter()
                .map(String::as_str)
                .chain(links.keys().map(String::as_str)),
        )?;
        let bins_ms = elapsed_ms(t);

        let t = Instant::now();
        let scripts = DependencyScripts {
            packages: &planned.packages,
            allow_scripts: &project.root_manifest().manifest.allow_scripts,
            placed: placed_paths
                .iter()
                .map(String::as_str)
                .filter(|p| installed.contains(*p))
                .collect(),
        }
        .run(ctx)
        .await?;
        Ok(Changes {
            installed,
            fetched,
            added: diff.added,
            changed: diff.changed,
            removed,
            scripts,
            bins_ms,
            scripts_ms: elapsed_ms(t),
        })
    }
}

/// npm ci starts from empty node_modules folders, the root's and each member's; only those
/// folders are removed.
fn empty_node_modules(project: &Project) -> Result<(), InstallError> {
    for folder in project.manifests.keys() {
        let node_modules = project.root.join(folder).join("node_modules");
        if node_modules.exists() {
            std::fs::remove_dir_all(&node_modules)
                .map_err(|e| InstallError::io(&node_modules, e))?;
        }
    }
    Ok(())
}

/// The link entries (members, `file:` folders) that go on disk: all of them but the kinds
/// `omit` leaves out, or those the workspace selection reaches.
fn links_in_scope(
    packages: &BTreeMap<String, LockEntry>,
    scope: Option<&Scope>,
    omit: utoo_config::Omit,
) -> BTreeMap<String, LockEntry> {
    packages
        .iter()
        .filter(|(path, e)| {
            // npm records the flags on the folder, not on the link.
            let folder = e.resolved.as_deref().and_then(|f| packages.get(f));
            e.link
                && !folder.is_some_and(|f| crate::diff::omitted(f, omit))
                && scope.is_none_or(|s| s.wants(path))
        })
        .map(|(path, e)| (path.clone(), e.clone()))
        .collect()
}

/// The links on disk and the folders they lead to, which npm's hidden lockfile lists too
/// (so a member or `file:` folder that goes away has its link removed next time).
fn linked_paths(links: &BTreeMap<String, LockEntry>) -> BTreeSet<String> {
    links
        .iter()
        .flat_map(|(path, e)| std::iter::once(path.clone()).chain(e.resolved.clone()))
        .collect()
}

/// Removes what the target no longer has; returns how many packages went.
fn prune(
    project: &Project,
    target: &BTreeSet<String>,
    removal: Removal,
) -> Result<u64, InstallError> {
    Ok(match removal {
        Removal::Listed(paths) => {
            for path in &paths {
                remove_package(&project.root, path)?;
            }
            paths.len() as u64
        }
        Removal::Extraneous => {
            let members: Vec<&str> = project.manifests.keys().map(String::as_str).collect();
            remove_extraneous(&project.root, &members, target)?.len() as u64
        }
    })
}

/// Runs the project's own scripts, which npm runs on every install, even a no-op, and
/// closes the summary.
async fn finish(
    ctx: &Context,
    project: &Project,
    selection: Option<&Selection>,
    mut summary: InstallSummary,
    started: Instant,
) -> Result<InstallSummary, InstallError> {
    utoo_events::failpoint::hit("root-scripts");
    let t = Instant::now();
    summary.scripts_run += RootScripts {
        project,
        members: Selection::member_folders(selection, project),
    }
    .run(ctx)
    .await?;
    summary.timings.scripts_ms += elapsed_ms(t);
    summary.warnings = ctx.events.warnings();
    summary.timings.total_ms = elapsed_ms(started);
    Ok(summary)
}

pub(crate) fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
