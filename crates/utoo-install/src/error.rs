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
    #[error("no package.json in `{dir}`")]
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
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Lockfile(#[from] LockError),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Script(#[from] ScriptError),
    #[error("`utoo ci` needs a package-lock.json")]
    CiWithoutLockfile,
    #[error("package.json and package-lock.json are out of sync: {detail}")]
    LockOutOfSync { detail: String },
    #[error(
        "`{package}` does not support this platform (wants os {os:?}, cpu {cpu:?}, libc {libc:?})"
    )]
    BadPlatform {
        package: String,
        os: Vec<String>,
        cpu: Vec<String>,
        libc: Vec<String>,
    },
    #[error("`{package}` wants node {wanted}, this is {node} (engine-strict)")]
    BadEngine {
        package: String,
        wanted: String,
        node: String,
    },
    #[error("invalid package spec `{spec}`: {reason}")]
    BadSpec { spec: String, reason: &'static str },
    #[error("the install was cancelled")]
    Cancelled,
    /// A panic inside the engine: a bug, reported as an error so the host process survives.
    #[error("internal error: {what} panicked")]
    Internal { what: String },
}

impl InstallError {
    /// The stable code a caller can switch on (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        match self {
            InstallError::NoPackageJson { .. } => ErrorCode::NoPackageJson,
            InstallError::BadPackageJson { .. } => ErrorCode::JsonParse,
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
        }
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
