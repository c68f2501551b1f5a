use std::path::PathBuf;

use utoo_cache::CacheError;
use utoo_config::ConfigError;
use utoo_linker::LinkError;
use utoo_lockfile::LockError;
use utoo_registry::RegistryError;
use utoo_resolver::ResolveError;
use utoo_scripts::ScriptError;

/// Why an install failed. Every variant has a stable [`code`](InstallError::code).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("no package.json in `{dir}`; run utoo in a project folder (or `npm init -y` first)")]
    NoPackageJson { dir: PathBuf },
    #[error("`{path}` is not valid JSON")]
    BadPackageJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("could not read or write `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading npm configuration failed")]
    Config(#[from] ConfigError),
    #[error("setting up the registry client failed")]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Lockfile(#[from] LockError),
    #[error("resolving dependencies failed")]
    Resolve(#[from] ResolveError),
    #[error("fetching packages failed")]
    Cache(#[from] CacheError),
    #[error("placing packages into node_modules failed")]
    Link(#[from] LinkError),
    #[error("a lifecycle script failed")]
    Script(#[from] ScriptError),
    #[error(
        "`utoo ci` needs a package-lock.json; run `utoo install` first and commit the lockfile"
    )]
    CiWithoutLockfile,
    #[error("package.json and package-lock.json are out of sync: {detail}; run `utoo install` to update the lockfile")]
    LockOutOfSync { detail: String },
    #[error("`{package}` does not support this platform (wants os {os:?}, cpu {cpu:?}, libc {libc:?}); use --force to install anyway")]
    BadPlatform {
        package: String,
        os: Vec<String>,
        cpu: Vec<String>,
        libc: Vec<String>,
    },
    #[error("`{package}` wants node {wanted}, this is {node} (engine-strict); use --force to install anyway")]
    BadEngine {
        package: String,
        wanted: String,
        node: String,
    },
    #[error("invalid package spec `{spec}`: {reason}")]
    BadSpec { spec: String, reason: String },
    #[error("the install was cancelled")]
    Cancelled,
    /// A panic inside the engine: a bug, reported as an error so the host process survives.
    #[error("internal error: {what} panicked; this is a bug in utoo, please report it")]
    Internal { what: String },
}

impl InstallError {
    /// The stable code a caller can switch on (`err.code` in JS).
    pub fn code(&self) -> &'static str {
        match self {
            InstallError::NoPackageJson { .. } => "ENOPACKAGEJSON",
            InstallError::BadPackageJson { .. } => "EJSONPARSE",
            InstallError::Io { .. } => "EIO",
            InstallError::Config(_) => "ECONFIG",
            InstallError::Registry(e) => e.code(),
            InstallError::Lockfile(e) => e.code(),
            InstallError::Resolve(e) => e.code(),
            InstallError::Cache(e) => e.code(),
            InstallError::Link(e) => e.code(),
            InstallError::Script(e) => e.code(),
            InstallError::CiWithoutLockfile => "ENOLOCK",
            InstallError::LockOutOfSync { .. } => "ELOCKOUTOFSYNC",
            InstallError::BadPlatform { .. } => "EBADPLATFORM",
            InstallError::BadEngine { .. } => "EBADENGINE",
            InstallError::BadSpec { .. } => "EINVALIDSPEC",
            InstallError::Cancelled => "ECANCELLED",
            InstallError::Internal { .. } => "EINTERNAL",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> InstallError {
        InstallError::Io {
            path: path.into(),
            source,
        }
    }
}
