use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use utoo_events::{Event, Phase};
use utoo_linker::{link_bins, remove_extraneous, remove_package, LinkMethod};
use utoo_lockfile::{
    detect_indent, lockfile_json, resolve_from, LockEntry, Lockfile, HIDDEN_LOCKFILE,
};
use utoo_manifest::Platform;
use utoo_scripts::{lifecycle_scripts, run_jobs, ScriptEnv, ScriptJob};

use crate::context::Context;
use crate::pipeline::{fetch_and_link, Work};
use crate::plan::plan;
use crate::summary::{InstallSummary, WarningItem};
use crate::{edit, noop, InstallError, InstallOptions, Mode};

/// Installs the project in `options.cwd` (`install`, `ci` or `--lockfile-only`, per
/// `options.mode`). Cancelling `options.cancel` stops it with [`InstallError::Cancelled`].
pub async fn install(options: InstallOptions) -> Result<InstallSummary, InstallError> {
    let cancel = options.cancel.clone();
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(InstallError::Cancelled),
        result = run(options) => result,
    }
}

/// Resolves and writes package-lock.json without touching node_modules.
pub async fn resolve(mut options: InstallOptions) -> Result<InstallSummary, InstallError> {
    options.mode = Mode::LockfileOnly;
    install(options).await
}

async fn run(options: InstallOptions) -> Result<InstallSummary, InstallError> {
    let started = Instant::now();
    let mut ctx = Context::load(options)?;
    let reporter = ctx.options.reporter.clone();
    let mode = ctx.options.mode;
    let mut summary = InstallSummary::default();

    if let Some(edit) = ctx.options.edit.clone() {
        edit::apply(&mut ctx, &edit).await?;
    } else if mode == Mode::Install {
        if let Some(stamp) = noop::still_installed(&ctx, package_intact) {
            summary.up_to_date = true;
            summary.packages = stamp.packages;
            summary.skipped_optional = stamp.skipped_optional;
            return finish(&ctx, summary, started).await;
        }
    }

    let lock_path = ctx.lockfile_path();
    let existing = Lockfile::read(&lock_path)?;
    reporter.on_event(&Event::PhaseStart {
        phase: Phase::Resolve,
    });
    let t = Instant::now();
    let plan = plan(&ctx, existing.as_ref()).await?;
    drop(existing);
    summary.timings.resolve_ms = t.elapsed().as_millis() as u64;
    reporter.on_event(&Event::PhaseEnd {
        phase: Phase::Resolve,
        elapsed_ms: summary.timings.resolve_ms,
    });
    summary.resolved = plan.resolved;
    summary
        .warnings
        .extend(plan.warnings.iter().map(|(code, message)| WarningItem {
            code: code.clone(),
            message: message.clone(),
        }));
    let mut lock = Lockfile {
        name: (!ctx.manifest.name.is_empty()).then(|| ctx.manifest.name.clone()),
        version: (!ctx.manifest.version.is_empty()).then(|| ctx.manifest.version.clone()),
        lockfile_version: 3,
        packages: plan.packages,
    };
    summary.packages = lock.packages.len().saturating_sub(1) as u64;
    let indent = detect_indent(&ctx.package_json_text);
    let omit_resolved = ctx.config.omit_lockfile_registry_resolved();

    if mode == Mode::LockfileOnly {
        summary.lockfile_changed =
            Lockfile::write(&lock_path, &lock.to_json(&indent, false, omit_resolved))?;
        summary.timings.total_ms = started.elapsed().as_millis() as u64;
        return Ok(summary);
    }

    let (installable, skipped) = installable(&lock.packages, ctx.options.force)?;
    summary.skipped_optional = skipped as u64;
    let node_modules = ctx.node_modules();
    if mode == Mode::Ci && node_modules.exists() {
        // npm ci starts from an empty node_modules; only that folder is removed.
        std::fs::remove_dir_all(&node_modules).map_err(|e| InstallError::io(&node_modules, e))?;
    }
    let hidden_path = node_modules.join(HIDDEN_LOCKFILE);
    let old_hidden = Lockfile::read(&hidden_path).ok().flatten();
    let hidden_written = std::fs::metadata(&hidden_path)
        .and_then(|m| m.modified())
        .ok();
    let intact = |path: &str| package_intact(&ctx.root.join(path), hidden_written);

    let up_to_date = old_hidden.as_ref().is_some_and(|old| {
        old.packages.len() == installable.len()
            && installable.iter().all(|path| {
                old.packages
                    .get(path)
                    .is_some_and(|o| same_package(o, &lock.packages[path]))
                    && intact(path)
            })
    });
    let on_disk: BTreeSet<String> = if up_to_date {
        summary.up_to_date = true;
        installable
    } else {
        // From here node_modules changes: an interrupted run must not look complete.
        for mark in [noop::stamp_path(&ctx), hidden_path.clone()] {
            match std::fs::remove_file(&mark) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(InstallError::io(&mark, e))
                }
                _ => {}
            }
        }
        let work = changes(
            &ctx,
            &lock.packages,
            &installable,
            old_hidden.as_ref(),
            &intact,
            &mut summary,
        )?;
        drop(old_hidden);
        let placed: Vec<String> = work.iter().map(|w| w.path.clone()).collect();
        let t = Instant::now();
        let outcome = if work.is_empty() {
            Default::default()
        } else {
            fetch_and_link(
                ctx.client()?,
                &ctx.cache_dir,
                &ctx.root,
                work,
                reporter.clone(),
                ctx.options.link_probe.clone(),
            )
            .await?
        };
        summary.timings.fetch_link_ms = t.elapsed().as_millis() as u64;
        summary.timings.link_ms = outcome.link_ms;
        summary.downloaded = outcome.downloaded;
        summary.cache_hits = outcome.cache_hits;
        summary.bytes_downloaded = outcome.bytes;
        summary.max_parallel_links = outcome.max_parallel_links;
        for (path, integrity) in outcome.new_integrity {
            if let Some(entry) = lock.packages.get_mut(&path) {
                entry.integrity = Some(integrity);
            }
        }
        let mut installed = installable;
        for (path, reason) in &outcome.skipped {
            installed.remove(path);
            summary.skipped_optional += 1;
            summary.warnings.push(WarningItem {
                code: "EOPTIONALSKIPPED".into(),
                message: format!("{path}: {reason}"),
            });
        }

        let t = Instant::now();
        link_bins(
            &ctx.root,
            &lock.packages,
            installed.iter().map(String::as_str),
        )?;
        summary.timings.bins_ms = t.elapsed().as_millis() as u64;

        if mode != Mode::Ci {
            summary.lockfile_changed =
                Lockfile::write(&lock_path, &lock.to_json(&indent, false, omit_resolved))?;
        }
        if !ctx.options.ignore_scripts {
            let t = Instant::now();
            let placed: Vec<(&String, &LockEntry)> = placed
                .iter()
                .filter(|p| installed.contains(*p))
                .filter_map(|p| lock.packages.get_key_value(p))
                .collect();
            summary.scripts_run += run_dependency_scripts(&ctx, &lock.packages, &placed).await?;
            summary.timings.scripts_ms = t.elapsed().as_millis() as u64;
        }
        let hidden = lockfile_json(
            lock.name.as_deref(),
            lock.version.as_deref(),
            lock.packages.iter().filter(|(p, _)| installed.contains(*p)),
            &indent,
            omit_resolved,
        );
        std::fs::create_dir_all(&node_modules).map_err(|e| InstallError::io(&node_modules, e))?;
        Lockfile::write(&hidden_path, &hidden)?;
        installed
    };
    if summary.up_to_date && mode != Mode::Ci {
        summary.lockfile_changed =
            Lockfile::write(&lock_path, &lock.to_json(&indent, false, omit_resolved))?;
    }
    noop::record(
        &ctx,
        summary.packages,
        summary.skipped_optional,
        on_disk.into_iter(),
    );
    finish(&ctx, summary, started).await
}

/// The root project's own scripts, which npm runs on every install, even a no-op.
async fn finish(
    ctx: &Context,
    mut summary: InstallSummary,
    started: Instant,
) -> Result<InstallSummary, InstallError> {
    if !ctx.options.ignore_scripts {
        let t = Instant::now();
        summary.scripts_run += run_root_scripts(ctx).await?;
        summary.timings.scripts_ms += t.elapsed().as_millis() as u64;
    }
    summary.timings.total_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// The paths that go on disk here: all but the root, links, and optional packages for
/// other platforms (and what is nested inside those).
fn installable(
    packages: &BTreeMap<String, LockEntry>,
    force: bool,
) -> Result<(BTreeSet<String>, usize), InstallError> {
    let platform = Platform::current();
    let mut out = BTreeSet::new();
    let mut skipped_roots: Vec<String> = Vec::new();
    for (path, entry) in packages {
        if path.is_empty() || entry.link {
            continue;
        }
        if skipped_roots
            .iter()
            .any(|s| path.starts_with(&format!("{s}/")))
        {
            continue;
        }
        if !platform.accepts_fields(&entry.os, &entry.cpu, &entry.libc) {
            if entry.optional || force {
                skipped_roots.push(path.clone());
                continue;
            }
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
        out.insert(path.clone());
    }
    Ok((out, skipped_roots.len()))
}

/// npm's trust rule for the hidden lockfile: a package folder changed after it was written
/// (files added or removed by hand, a half-finished run) is placed again.
fn package_intact(dir: &std::path::Path, hidden_written: Option<std::time::SystemTime>) -> bool {
    let Ok(meta) = std::fs::metadata(dir) else {
        return false;
    };
    let (Some(written), Ok(modified)) = (hidden_written, meta.modified()) else {
        return false;
    };
    meta.is_dir() && modified <= written + std::time::Duration::from_millis(10)
}

fn same_package(a: &LockEntry, b: &LockEntry) -> bool {
    a.version == b.version && a.integrity == b.integrity && a.name == b.name
}

/// What must be placed, and removes what must go.
fn changes(
    ctx: &Context,
    packages: &BTreeMap<String, LockEntry>,
    installable: &BTreeSet<String>,
    old_hidden: Option<&Lockfile>,
    intact: &dyn Fn(&str) -> bool,
    summary: &mut InstallSummary,
) -> Result<Vec<Work>, InstallError> {
    let copy_scripted = !ctx.options.ignore_scripts;
    let mut work = Vec::new();
    for path in installable {
        let entry = &packages[path];
        let on_disk = ctx.root.join(path).is_dir();
        let old = old_hidden.and_then(|h| h.packages.get(path));
        if on_disk && old.is_some_and(|o| same_package(o, entry)) && intact(path) {
            continue;
        }
        if on_disk {
            summary.changed += 1;
        } else {
            summary.added += 1;
        }
        let method = if copy_scripted && entry.has_install_script {
            LinkMethod::Copy
        } else {
            LinkMethod::Hardlink
        };
        work.push(Work {
            path: path.clone(),
            // What fetching needs, not the dependency maps: the whole tree may be queued.
            entry: LockEntry {
                name: entry.name.clone(),
                version: entry.version.clone(),
                resolved: entry.resolved.clone(),
                integrity: entry.integrity.clone(),
                optional: entry.optional,
                ..LockEntry::default()
            },
            method,
        });
    }
    match old_hidden {
        Some(old) => {
            for path in old.packages.keys() {
                if !path.is_empty()
                    && !installable.contains(path)
                    && !old_path_nested_in_removed(path, installable)
                {
                    remove_package(&ctx.root, path)?;
                    summary.removed += 1;
                }
            }
        }
        None => {
            summary.removed += remove_extraneous(&ctx.root, installable)?.len() as u64;
        }
    }
    Ok(work)
}

// A path under a package that is itself being removed disappears with it.
fn old_path_nested_in_removed(path: &str, installable: &BTreeSet<String>) -> bool {
    let mut cur = path;
    while let Some(parent) = utoo_lockfile::parent_path(cur) {
        if parent.is_empty() {
            return false;
        }
        if !installable.contains(parent) {
            return true;
        }
        cur = parent;
    }
    false
}

async fn run_dependency_scripts(
    ctx: &Context,
    packages: &BTreeMap<String, LockEntry>,
    placed: &[(&String, &LockEntry)],
) -> Result<u64, InstallError> {
    let mut jobs: Vec<ScriptJob> = Vec::new();
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    for &(path, entry) in placed {
        if !entry.has_install_script {
            continue;
        }
        let dir = ctx.root.join(path);
        let scripts = lifecycle_scripts(&dir);
        if scripts.is_empty() {
            continue;
        }
        let name = entry.package_name(path).to_owned();
        let version = entry.version.clone().unwrap_or_default();
        index_of.insert(path.clone(), jobs.len());
        jobs.push(ScriptJob {
            id: format!("{name}@{version}"),
            name,
            version,
            dir,
            scripts,
            optional: entry.optional,
            after: Vec::new(),
        });
    }
    if jobs.is_empty() {
        return Ok(0);
    }
    // A package's scripts wait for the scripts of everything it depends on (transitively).
    let paths: Vec<String> = index_of.keys().cloned().collect();
    for path in paths {
        let mut seen = BTreeSet::new();
        let mut stack = vec![path.clone()];
        while let Some(p) = stack.pop() {
            let Some(entry) = packages.get(&p) else {
                continue;
            };
            for (name, _, _) in entry.edges(false) {
                if let Some(target) = resolve_from(packages, &p, &name) {
                    if seen.insert(target.to_owned()) {
                        stack.push(target.to_owned());
                    }
                }
            }
        }
        let me = index_of[&path];
        jobs[me].after = seen
            .iter()
            .filter_map(|p| index_of.get(p).copied())
            .filter(|i| *i != me)
            .collect();
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let reporter = ctx.options.reporter.clone();
    reporter.on_event(&Event::PhaseStart {
        phase: Phase::Scripts,
    });
    let outcome = run_jobs(
        Arc::new(ScriptEnv::new(&ctx.root)),
        jobs,
        cores,
        reporter.clone(),
    )
    .await?;
    Ok(outcome.ran)
}

/// The project's own install hooks, as npm runs them after its dependencies are in place.
async fn run_root_scripts(ctx: &Context) -> Result<u64, InstallError> {
    let scripts: Vec<(String, String)> = ["preinstall", "install", "postinstall", "prepare"]
        .iter()
        .filter_map(|event| {
            ctx.manifest
                .scripts
                .get(*event)
                .map(|cmd| (event.to_string(), cmd.clone()))
        })
        .collect();
    if scripts.is_empty() {
        return Ok(0);
    }
    let job = ScriptJob {
        id: if ctx.manifest.name.is_empty() {
            "the project".into()
        } else {
            ctx.manifest.name.clone()
        },
        name: ctx.manifest.name.clone(),
        version: ctx.manifest.version.clone(),
        dir: ctx.root.clone(),
        scripts,
        optional: false,
        after: Vec::new(),
    };
    let n = job.scripts.len() as u64;
    run_jobs(
        Arc::new(ScriptEnv::new(&ctx.root)),
        vec![job],
        1,
        ctx.options.reporter.clone(),
    )
    .await?;
    Ok(n)
}
