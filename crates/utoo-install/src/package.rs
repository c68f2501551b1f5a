//! The one payload a package travels as from the diff to the link: where it goes, where
//! its bytes come from and what they must hash to, how it is placed. The lockfile's
//! [`LockEntry`] stays the lockfile's model; the pipeline never sees it.

use std::str::FromStr;

use ssri::Integrity;
use utoo_cache::{CacheError, PackageSource};
use utoo_linker::LinkMethod;
use utoo_lockfile::LockEntry;
use utoo_registry::RegistryClient;

use crate::InstallError;

/// A package to put into node_modules.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    /// Install path (`node_modules/a/node_modules/b`).
    pub path: String,
    pub source: PackageSource,
    pub method: LinkMethod,
    /// An optional dependency that cannot be fetched is skipped, not fatal.
    pub optional: bool,
}

impl Placement {
    pub(crate) fn new(
        client: &RegistryClient,
        root: &std::path::Path,
        path: &str,
        entry: &LockEntry,
        method: LinkMethod,
    ) -> Result<Placement, InstallError> {
        let integrity = match entry.integrity.as_deref().map(Integrity::from_str) {
            Some(Ok(i)) => Some(i),
            Some(Err(_)) => {
                return Err(CacheError::BadIntegrity {
                    package: path.to_owned(),
                    integrity: entry.integrity.clone().unwrap_or_default(),
                }
                .into())
            }
            None => None,
        };
        let name = entry.package_name(path);
        let version = entry.version.as_deref().unwrap_or_default();
        Ok(Placement {
            path: path.to_owned(),
            source: PackageSource {
                id: format!("{name}@{}", entry.version.as_deref().unwrap_or("?")),
                tarball_url: match entry
                    .resolved
                    .as_deref()
                    .and_then(|r| r.strip_prefix("file:"))
                {
                    // A `file:` tarball, relative to the project folder.
                    Some(rel) => format!("file:{}", root.join(rel).display()),
                    // A git commit: the cache fetches and packs it.
                    None if entry.resolved.as_deref().is_some_and(utoo_cache::is_git) => {
                        entry.resolved.clone().unwrap_or_default()
                    }
                    None => tarball_url(client, name, version, entry.resolved.as_deref()),
                },
                integrity,
            },
            method,
            optional: entry.optional,
        })
    }
}

/// A package the pipeline placed.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub path: String,
    /// What its tarball hashed to (checked against the lockfile's, or computed when the
    /// lockfile had none).
    pub integrity: Integrity,
    /// Bytes downloaded for it (0 on a cache hit, and for all but the first path of a
    /// tarball that several paths share).
    pub downloaded: u64,
}

/// The tarball URL: the lockfile's `resolved` (its host replaced per
/// `replace-registry-host`), or the registry's conventional URL when the lockfile omits it
/// (`omit-lockfile-registry-resolved`).
fn tarball_url(
    client: &RegistryClient,
    name: &str,
    version: &str,
    resolved: Option<&str>,
) -> String {
    match resolved.filter(|r| r.starts_with("http")) {
        Some(url) => client.replace_registry_host(name, url),
        None => client.tarball_url(name, version),
    }
}
