use std::path::PathBuf;

use utoo_cache::CacheError;
use utoo_config::ConfigError;
use utoo_events::ErrorCode;
use utoo_linker::LinkError;
use utoo_lockfile::LockError;
use utoo_resolver::ResolveError;
use utoo_scripts::ScriptError;

/// Why an install failed. Every variant has a stable [`code`](InstallError::code) and maybe a
/// [`hint`](InstallError::hint); what lies beneath is the `source` chain, down to the OS or
/// HTTP error.
///
/// The other crates' errors are `transparent`: their messages already name the operation
/// and the package, and a wrapper line ("resolving dependencies failed") would only push
/// the useful one down the chain.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The folder has no package.json.
    #[error("no package.json in `{dir}`")]
    NoPackageJson {
        /// The project folder.
        dir: PathBuf,
    },
    /// package.json does not parse: the message names the file, line and column.
    #[error("`{}:{}:{}` is not valid JSON", .path.display(), .source.line(), .source.column())]
    BadPackageJson {
        /// The package.json.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The root package.json's `workspaces` field is malformed.
    #[error("the `workspaces` field of `{path}` cannot be used")]
    BadWorkspaces {
        /// The root package.json.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: utoo_manifest::WorkspacesError,
    },
    /// Two workspace members have the same `name`.
    #[error("the workspace members `{first}` and `{second}` are both named `{name}` (package.json `workspaces`); rename one")]
    DuplicateWorkspace {
        /// The name they share.
        name: String,
        /// The first member's folder.
        first: String,
        /// The other member's folder.
        second: String,
    },
    /// A `-w` / `--workspace` filter names no member.
    #[error(
        "no workspace member matches `-w {filter}` (package.json `workspaces` lists: {members})"
    )]
    NoSuchWorkspace {
        /// The filter as given.
        filter: String,
        /// The members there are.
        members: String,
    },
    /// A git or tarball-URL dependency that `allow-git` / `allow-remote` refuses.
    #[error(transparent)]
    NotAllowed(#[from] crate::NotAllowed),
    /// `approve-scripts` / `deny-scripts` names packages that are not installed.
    #[error("no installed packages match: {names}")]
    NoMatch {
        /// The names as given, comma-separated.
        names: String,
    },
    /// `--no-workspaces` together with `-w`.
    #[error("`--no-workspaces` and `--workspace` cannot be used together")]
    ConflictingWorkspaceFlags,
    /// A project file could not be read or written.
    #[error("could not read or write `{path}`")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// npm's configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// package-lock.json (or the hidden lockfile) is unusable.
    #[error(transparent)]
    Lockfile(#[from] LockError),
    /// The tree could not be resolved.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// A package could not be fetched, verified or extracted.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// A package could not be placed into node_modules.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// A lifecycle script failed.
    #[error(transparent)]
    Script(#[from] ScriptError),
    /// `ci` without a lockfile.
    #[error("`utoo ci` needs a package-lock.json")]
    CiWithoutLockfile,
    /// `ci` with a lockfile that does not satisfy package.json.
    #[error("package.json and package-lock.json are out of sync: {detail}")]
    LockOutOfSync {
        /// The first difference found.
        detail: String,
    },
    #[error(
        "`{package}` does not support this platform (wants os {os:?}, cpu {cpu:?}, libc {libc:?})"
    )]
    /// A required package rules out this platform.
    BadPlatform {
        /// `name@version`.
        package: String,
        /// Its `os` list.
        os: Vec<String>,
        /// Its `cpu` list.
        cpu: Vec<String>,
        /// Its `libc` list.
        libc: Vec<String>,
    },
    /// With `engine-strict`, a required package rules out this Node.
    #[error("`{package}` wants node {wanted}, this is {node} (engine-strict)")]
    BadEngine {
        /// `name@version`.
        package: String,
        /// Its `engines.node`.
        wanted: String,
        /// The running Node's version.
        node: String,
    },
    /// A spec given to `add` / `remove` cannot be understood.
    #[error("invalid package spec `{spec}`: {reason}")]
    BadSpec {
        /// The spec as given.
        spec: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The cancel token (or the JS `AbortSignal`) fired.
    #[error("the install was cancelled")]
    Cancelled,
    /// An error also kept in install-on-demand's failure memo (`ensure.rs`): the same
    /// message, chain, code and hint as the error itself.
    #[error(transparent)]
    Shared(std::sync::Arc<InstallError>),
    /// Install on demand was asked again for specs that failed moments ago; the error is
    /// the earlier one, not a new attempt.
    #[error("`{specs}` failed to install moments ago; not retrying yet")]
    RecentlyFailed {
        /// The specs, as given, space-separated.
        specs: String,
        /// The earlier failure.
        #[source]
        source: std::sync::Arc<InstallError>,
    },
    /// A panic inside the engine: a bug, reported as an error so the host process survives.
    #[error("internal error: {what} panicked")]
    Internal {
        /// What panicked.
        what: String,
    },
}

/// The package an error is about; see [`InstallError::package`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedPackage<'a> {
    /// The package name.
    pub name: &'a str,
    /// The range, tag or spec asked for, when the error names one.
    pub spec: Option<&'a str>,
    /// Who depends on it directly: `the root project` or `name@version`.
    pub required_by: &'a str,
    /// The chain of dependents that led to it, root-first (`["a@1.0.0", "b@2.0.0"]`; the
    /// project itself left out, so empty for a direct dependency of the project).
    pub dependents: &'a [String],
}

impl InstallError {
    /// The stable code a caller can switch on (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        match self {
            InstallError::NoPackageJson { .. } => ErrorCode::NoPackageJson,
            InstallError::BadPackageJson { .. } => ErrorCode::JsonParse,
            InstallError::BadWorkspaces { .. }
            | InstallError::DuplicateWorkspace { .. }
            | InstallError::NoSuchWorkspace { .. }
            | InstallError::ConflictingWorkspaceFlags => ErrorCode::Workspaces,
            InstallError::NotAllowed(e) => e.code(),
            InstallError::NoMatch { .. } => ErrorCode::NoMatch,
            InstallError::Io { .. } => ErrorCode::Io,
            InstallError::Config(e) => e.code(),
            InstallError::Lockfile(e) => e.code(),
            InstallError::Resolve(e) => e.code(),
            InstallError::Cache(e) => e.code(),
            InstallError::Link(e) => e.code(),
            InstallError::Script(e) => e.code(),
            InstallError::CiWithoutLockfile => ErrorCode::NoLock,
            InstallError::LockOutOfSync { .. } => ErrorCode::LockOutOfSync,
            InstallError::BadPlatform { .. } => ErrorCode::BadPlatform,
            InstallError::BadEngine { .. } => ErrorCode::BadEngine,
            InstallError::BadSpec { .. } => ErrorCode::InvalidSpec,
            InstallError::Cancelled => ErrorCode::Cancelled,
            InstallError::Internal { .. } => ErrorCode::Internal,
            InstallError::Shared(e) | InstallError::RecentlyFailed { source: e, .. } => e.code(),
        }
    }

    /// The package a resolution failure is about, when the engine knows it: E404, ETARGET
    /// and the other failures to get or read a registry package, with the spec asked for
    /// and who asked (`the root project`, `name@version`).
    pub fn package(&self) -> Option<FailedPackage<'_>> {
        let InstallError::Resolve(e) = self else {
            return None;
        };
        let (name, spec) = match e {
            ResolveError::NoMatch { name, spec, .. }
            | ResolveError::Unsupported { name, spec, .. } => (name, Some(spec)),
            ResolveError::Fetch { name, .. }
            | ResolveError::BadManifest { name, .. }
            | ResolveError::Folder { name, .. } => (name, None),
            _ => return None,
        };
        let required_by = e.required_by()?;
        Some(FailedPackage {
            name,
            spec: spec.map(String::as_str),
            required_by: required_by.direct(),
            dependents: required_by.dependents(),
        })
    }

    /// What to do about it, when there is something to say (see `hint.rs`).
    pub fn hint(&self) -> Option<&'static str> {
        crate::hint::hint(self)
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> InstallError {
        InstallError::Io {
            path: path.into(),
            source,
        }
    }
}
