//! What to do about an [`InstallError`], apart from what went wrong (the CLI's `hint:` line,
//! `err.hint` in JS).
//!
//! Hints are `'static` text: they never format a URL, a path or a configuration value, so
//! no credential from an npmrc or a registry URL can reach one.

use utoo_config::ConfigError;
use utoo_events::ErrorCode;
use utoo_lockfile::LockError;
use utoo_resolver::ResolveError;

use crate::InstallError;

pub(crate) fn hint(error: &InstallError) -> Option<&'static str> {
    let specific = match error {
        InstallError::Shared(inner) | InstallError::RecentlyFailed { source: inner, .. } => {
            return inner.hint();
        }
        InstallError::BadPackageJson { .. } => {
            Some("fix the JSON syntax of package.json (a trailing comma or a comment is the usual culprit)")
        }
        InstallError::Lockfile(LockError::Parse { .. }) => {
            Some("fix the JSON or delete package-lock.json, then run `utoo install` again")
        }
        InstallError::Lockfile(LockError::BadPath { .. }) => {
            Some("the lockfile is corrupt or hostile: delete package-lock.json and run `utoo install` again")
        }
        InstallError::Config(ConfigError::NoRegistry) => {
            Some("set `registry=` in .npmrc, or the npm_config_registry environment variable")
        }
        InstallError::Resolve(ResolveError::BadManifest { .. }) => Some(REGISTRY_SENT_BAD_JSON),
        InstallError::NoSuchWorkspace { .. } => Some(
            "name a member by its package name or folder (`-w packages/a`), or a folder holding members",
        ),
        InstallError::ConflictingWorkspaceFlags => {
            Some("drop `--no-workspaces`, or the `-w` filters (`workspace` in .npmrc too)")
        }
        _ => None,
    };
    specific.or_else(|| for_code(error.code()))
}

const REGISTRY_SENT_BAD_JSON: &str =
    "the registry sent a document that is not valid JSON; retry, or check the registry URL";

/// The hint every error of `code` shares, unless its variant has its own.
fn for_code(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::NotFound => "check the package name; a private or scoped package needs its registry (`@scope:registry=`) and a token in .npmrc",
        ErrorCode::Target => "`npm view <package> versions` lists what is published; widen the range or pick one of those",
        ErrorCode::Resolve => "retry with --legacy-peer-deps (peers are not installed) or --force (the conflict becomes a warning), or fix the conflicting range",
        ErrorCode::UnsupportedProtocol => "depend on a registry version for now, or install this project with npm",
        ErrorCode::Override => "an override may not change a direct dependency's spec: drop it, or write `$name` to reuse the dependency's own spec; a `$name` must name one of package.json's dependencies",
        ErrorCode::InvalidSpec => "write it as `name`, `name@range`, `name@tag` or `alias@npm:name@range`",
        ErrorCode::BadPlatform => "use --force to install it anyway, or make it an optional dependency",
        ErrorCode::BadEngine => "use a Node that `engines.node` accepts, or --force to install anyway",
        ErrorCode::Integrity => "the cache entry or the registry's tarball is corrupt; run again to refetch (if it persists, the lockfile's integrity may be stale)",
        ErrorCode::Tarball => "the registry's tarball is damaged or unsafe; run again to refetch, and tell the package's maintainers if it persists",
        ErrorCode::Network => "check the registry URL (`npm config get registry`) and your network/proxy settings",
        ErrorCode::Http => "the registry is failing or refusing the request; retry later or check the registry URL",
        ErrorCode::Auth => "log in to the registry (`npm login`) or check its token in .npmrc",
        ErrorCode::NotCached => "run once without --offline to fill the cache",
        ErrorCode::CaFile => "check that `cafile` and NODE_EXTRA_CA_CERTS name readable PEM files",
        ErrorCode::Client => "check the `ca` and `cafile` settings: the TLS set-up rejected them",
        ErrorCode::Config => "make the npm config file readable, or remove it",
        ErrorCode::JsonParse => REGISTRY_SENT_BAD_JSON,
        ErrorCode::NoPackageJson => "run utoo in a project folder (or `npm init -y` first)",
        ErrorCode::NoLock => "run `utoo install` first and commit package-lock.json",
        ErrorCode::LockOutOfSync => "run `utoo install` to update package-lock.json, then commit it",
        ErrorCode::Io | ErrorCode::Link => "check the folder's permissions and the free disk space",
        ErrorCode::Lifecycle => "the script's output is above; --ignore-scripts skips dependencies' install scripts",
        ErrorCode::Internal => "this is a bug in utoo; please report it with the output above",
        ErrorCode::LsProblems => "`utoo install` repairs the tree",
        ErrorCode::Workspaces => "`workspaces` in the root package.json lists folder globs; each member needs a package.json with a unique `name`",
        ErrorCode::Git => "check that `git` is installed and can reach the repository, and that the ref exists (`git ls-remote <url>`)",
        ErrorCode::AllowGit => "pass `--allow-git=root` (the project's own git dependencies) or `--allow-git=all`, or set it in .npmrc, as npm 12 asks",
        ErrorCode::AllowRemote => "pass `--allow-remote=root` (the project's own tarball URLs) or `--allow-remote=all`, or set it in .npmrc, as npm 12 asks",
        ErrorCode::NoMatch => "`utoo ls --all` lists what is installed; run `utoo install` first if node_modules is missing",
        ErrorCode::Cancelled => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_but_cancelled_has_a_hint_without_a_url() {
        for &code in ErrorCode::ALL {
            match for_code(code) {
                None => assert_eq!(code, ErrorCode::Cancelled),
                Some(hint) => assert!(!hint.contains("://"), "{code}: {hint}"),
            }
        }
    }

    #[test]
    fn a_variant_can_say_more_than_its_code() {
        let lock = InstallError::Lockfile(LockError::Parse {
            path: "package-lock.json".into(),
            source: serde_json::from_str::<serde_json::Value>("{").unwrap_err(),
        });
        assert_eq!(lock.code(), ErrorCode::JsonParse);
        assert!(lock.hint().unwrap().contains("delete package-lock.json"));
        let eresolve = InstallError::Resolve(ResolveError::PeerConflict {
            dependent: "the root project".into(),
            name: "host".into(),
            wanted: "^2".into(),
            found: "host@1.0.0".into(),
            found_for: "the root project".into(),
        });
        assert!(eresolve.hint().unwrap().contains("--legacy-peer-deps"));
    }
}
