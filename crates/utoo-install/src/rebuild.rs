//! `rebuild [names]`: the install scripts of packages already in node_modules run again
//! (after a Node upgrade, or once a package is allowed), through the same
//! `DependencyScripts` stage and policy as an install, and their bins are linked again.

use std::time::Instant;

use nodejs_semver::{Range, Version};
use utoo_lockfile::LockEntry;

use crate::context::Context;
use crate::installed::Installed;
use crate::lock::ProjectLock;
use crate::project::Project;
use crate::run::elapsed_ms;
use crate::scripts::DependencyScripts;
use crate::summary::{InstallSummary, Timings};
use crate::{InstallError, InstallOptions, Mode};

/// Rebuilds the packages installed in `options.cwd` that `names` (`name` or
/// `name@range`) select, every one when empty. npm 12 applies `allowScripts` here too:
/// naming a package selects it, it does not approve it.
pub async fn rebuild(
    options: InstallOptions,
    names: Vec<String>,
) -> Result<InstallSummary, InstallError> {
    let cancel = options.cancel.clone();
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(InstallError::Cancelled),
        result = run(options, &names) => result,
    }
}

async fn run(options: InstallOptions, names: &[String]) -> Result<InstallSummary, InstallError> {
    let started = Instant::now();
    let ctx = Context::new(options)?;
    let project = Project::load(&ctx.root)?;
    let _lock = ProjectLock::acquire(&project, Mode::Install, &ctx.events).await?;
    let mut tree = Installed::read(&ctx.root)?;
    // The folder decides (a `binding.gyp` counts too): `lifecycle_scripts` reads it.
    for entry in tree.packages.values_mut() {
        entry.has_install_script = true;
    }
    let selected: Vec<&str> = tree
        .packages
        .iter()
        .filter(|(path, entry)| !path.is_empty() && selects(names, path, entry))
        .map(|(path, _)| path.as_str())
        .collect();
    let bins = Instant::now();
    utoo_linker::link_bins(&ctx.root, &tree.packages, selected.iter().copied())?;
    let bins_ms = elapsed_ms(bins);
    let scripts_started = Instant::now();
    let outcome = DependencyScripts {
        packages: &tree.packages,
        placed: selected.clone(),
        allow_scripts: &project.root_manifest().manifest.allow_scripts,
    }
    .run(&ctx)
    .await?;
    Ok(InstallSummary {
        packages: tree.packages.len() as u64 - 1,
        scripts_run: outcome.ran,
        scripts_not_run: outcome.not_run,
        warnings: ctx.events.warnings(),
        timings: Timings {
            bins_ms,
            scripts_ms: elapsed_ms(scripts_started),
            total_ms: elapsed_ms(started),
            ..Timings::default()
        },
        ..InstallSummary::default()
    })
}

fn selects(names: &[String], path: &str, entry: &LockEntry) -> bool {
    if names.is_empty() {
        return true;
    }
    let name = entry.package_name(path);
    let version = entry
        .version
        .as_deref()
        .and_then(|v| Version::parse(v).ok());
    names.iter().any(|query| {
        let (wanted, range) = match query.rfind('@').filter(|i| *i > 0) {
            Some(i) => (&query[..i], Some(&query[i + 1..])),
            None => (query.as_str(), None),
        };
        let version_ok = match range.map(Range::parse) {
            None => true,
            Some(Ok(range)) => version.as_ref().is_some_and(|v| range.satisfies(v)),
            Some(Err(_)) => false,
        };
        (wanted == name || wanted == utoo_lockfile::entry_name(path)) && version_ok
    })
}
