use std::path::PathBuf;

use utoo_events::ErrorCode;
use utoo_registry::RegistryError;
use utoo_tarball::TarballError;

/// Why a package could not be brought into the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The tarball request failed (after the body retries).
    #[error("could not download `{package}`")]
    Download {
        /// `name@version`.
        package: String,
        /// The registry's error.
        #[source]
        source: RegistryError,
    },
    /// The bytes do not hash to the expected integrity: nothing was extracted.
    #[error("integrity check failed for `{package}`: expected {expected}, got {actual}")]
    Integrity {
        /// `name@version`.
        package: String,
        /// The integrity the lockfile or packument promised.
        expected: String,
        /// What the bytes hash to.
        actual: String,
    },
    /// The expected integrity is not a usable SRI string.
    #[error("`{package}` has an invalid integrity string `{integrity}`")]
    BadIntegrity {
        /// `name@version`.
        package: String,
        /// The string as given.
        integrity: String,
    },
    /// A git dependency could not be fetched or packed.
    #[error("could not fetch the git dependency `{package}`")]
    Git {
        /// `name@<url>`.
        package: String,
        /// What git or the packing said.
        #[source]
        source: crate::GitError,
    },
    /// The verified tarball could not be unpacked.
    #[error("could not extract `{package}`")]
    Extract {
        /// `name@version`.
        package: String,
        /// The extraction error.
        #[source]
        source: TarballError,
    },
    /// The extraction worker panicked (a bug in utoo); the staging folder is left to the
    /// stale-tmp sweep.
    #[error("internal error: the extraction of `{package}` panicked")]
    WorkerPanicked {
        /// `name@version`.
        package: String,
    },
    /// Reading or writing the cache folder failed.
    #[error("cache I/O failed at `{path}`")]
    Io {
        /// The path in the cache.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl CacheError {
    /// The stable code (`err.code` in JS); a download keeps the registry's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            CacheError::Download { source, .. } => source.code(),
            CacheError::Integrity { .. } | CacheError::BadIntegrity { .. } => ErrorCode::Integrity,
            CacheError::Extract { source, .. } => source.code(),
            CacheError::Io { .. } => ErrorCode::Io,
            CacheError::WorkerPanicked { .. } => ErrorCode::Internal,
            CacheError::Git { .. } => ErrorCode::Git,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> CacheError {
        CacheError::Io {
            path: path.into(),
            source,
        }
    }
}
