//! `outdated`: for the dependency edges npm's `outdated` looks at, the installed version,
//! the newest the spec allows (`wanted`) and the `latest` tag, from fresh packuments. Only
//! registry specs; a package the registry does not have (or no version fits) is skipped,
//! as npm skips it.

use std::path::PathBuf;

use futures_util::future::join_all;
use serde::Serialize;
use utoo_manifest::{DepKind, Spec, VersionReq};
use utoo_registry::RegistryError;

use crate::context::Context;
use crate::installed::{Edge, Installed};
use crate::InstallError;
use crate::InstallOptions;

/// One outdated (or missing) dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedPackage {
    /// The dependency's name (an alias keeps its own).
    pub name: String,
    /// The installed version; `None` when nothing is installed.
    pub current: Option<String>,
    /// The newest version its spec allows.
    pub wanted: String,
    /// The `latest` dist-tag's choice.
    pub latest: String,
    /// The name of the package that depends on it.
    pub dependent: String,
    /// `name@version` of the workspace member that depends on it, when one does.
    pub workspace_dependent: Option<String>,
    /// The absolute folder of the installed copy.
    pub path: Option<PathBuf>,
    /// The install path of the installed copy (`node_modules/a`).
    pub location: Option<String>,
}

/// npm's `outdated [names] [--all]` for the project in `options.cwd`, sorted by name, then
/// dependent.
pub async fn outdated(
    options: InstallOptions,
    names: &[String],
    all: bool,
) -> Result<Vec<OutdatedPackage>, InstallError> {
    let ctx = Context::new(options)?;
    let installed = Installed::read(&ctx.root)?;
    let edges = edges(&installed, names, all);
    let omit = ctx.settings().omit;
    let node = ctx.node_version().await.cloned();
    let checks = edges.iter().filter_map(|(from, edge)| {
        let target = edge.to.and_then(|to| installed.packages.get(to));
        let omitted = target.is_some_and(|e| {
            (omit.dev && e.dev) || (omit.optional && e.optional) || (omit.peer && e.peer)
        });
        // A missing dependency is listed only when it is a production one.
        let listed = edge.to.is_some() || edge.kind == DepKind::Prod;
        let Ok(Spec::Registry { name: real, req }) = Spec::parse(&edge.name, &edge.spec) else {
            return None;
        };
        (!omitted && listed).then(|| check(&ctx, &installed, from, edge, real, req, node.as_ref()))
    });
    let mut list: Vec<OutdatedPackage> = join_all(checks)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    list.sort_by(|a, b| {
        utoo_lockfile::locale_cmp(&a.name, &b.name)
            .then_with(|| utoo_lockfile::locale_cmp(&a.dependent, &b.dependent))
    });
    list.dedup();
    Ok(list)
}

/// The edges to check, each with the install path of its dependent: the root's and the
/// workspace members' (`--all`: every package's), or those into packages named `names`.
fn edges<'a>(installed: &'a Installed, names: &[String], all: bool) -> Vec<(&'a str, Edge<'a>)> {
    let paths: Vec<&str> = installed.packages.keys().map(String::as_str).collect();
    let out_of = |path: &'a str| {
        installed
            .edges_out(path)
            .into_iter()
            .map(move |edge| (path, edge))
    };
    if !names.is_empty() {
        return paths
            .iter()
            .flat_map(|p| out_of(p))
            .filter(|(_, e)| {
                e.to.is_some_and(|to| names.iter().any(|n| utoo_lockfile::entry_name(to) == n))
            })
            .collect();
    }
    let mut edges: Vec<(&str, Edge<'_>)> = out_of("").collect();
    if all {
        edges.extend(
            paths
                .iter()
                .filter(|p| !p.is_empty())
                .flat_map(|p| out_of(p)),
        );
    } else {
        let members: Vec<&str> = edges
            .iter()
            .filter_map(|(_, e)| e.to.filter(|to| installed.is_link(to)))
            .collect();
        for member in members {
            edges.extend(out_of(member));
        }
    }
    edges
}

async fn check(
    ctx: &Context,
    installed: &Installed,
    from: &str,
    edge: &Edge<'_>,
    real: String,
    req: VersionReq,
    node: Option<&nodejs_semver::Version>,
) -> Result<Option<OutdatedPackage>, InstallError> {
    let packument = match ctx.packuments().get(&real).await {
        Ok(p) => p,
        Err(e)
            if matches!(
                *e,
                RegistryError::NotFound { .. } | RegistryError::Status { status: 403, .. }
            ) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(InstallError::Resolve(utoo_resolver::ResolveError::Fetch {
                name: real,
                required_by: utoo_resolver::RequiredBy::new(
                    "the root project",
                    (!from.is_empty())
                        .then(|| installed.label(from))
                        .into_iter()
                        .collect(),
                ),
                source: utoo_resolver::SourceError::new(e.code(), e),
            }))
        }
    };
    let any = VersionReq::parse("*");
    let (Some(wanted), Some(latest)) = (packument.pick(&req, node), packument.pick(&any, node))
    else {
        return Ok(None);
    };
    let current = edge
        .to
        .and_then(|to| installed.packages[to].version.clone());
    if current.as_deref() == Some(wanted.as_str()) && wanted == latest {
        return Ok(None);
    }
    let dependent = &installed.packages[from];
    let dependent_name = if from.is_empty() {
        installed.root_folder_name()
    } else {
        dependent.package_name(from).to_owned()
    };
    let name = match edge.spec.strip_prefix("npm:") {
        Some(target) => format!("{}:{target}", edge.name),
        None => edge.name.clone(),
    };
    Ok(Some(OutdatedPackage {
        name,
        current,
        wanted,
        latest,
        dependent: dependent_name,
        workspace_dependent: (!from.is_empty() && installed.is_link(from))
            .then(|| installed.label(from)),
        path: edge.to.map(|to| installed.root.join(to)),
        location: edge.to.map(str::to_owned),
    }))
}
