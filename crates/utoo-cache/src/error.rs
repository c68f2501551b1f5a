use std::path::PathBuf;

use utoo_registry::RegistryError;
use utoo_tarball::TarballError;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("could not download `{package}`")]
    Download {
        package: String,
        #[source]
        source: RegistryError,
    },
    #[error("integrity check failed for `{package}`: expected {expected}, got {actual}")]
    Integrity {
        package: String,
        expected: String,
        actual: String,
    },
    #[error("`{package}` has an invalid integrity string `{integrity}`")]
    BadIntegrity { package: String, integrity: String },
    #[error("could not extract `{package}`")]
    Extract {
        package: String,
        #[source]
        source: TarballError,
    },
    #[error("cache I/O failed at `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CacheError {
    pub fn code(&self) -> &'static str {
        match self {
            CacheError::Download { source, .. } => source.code(),
            CacheError::Integrity { .. } | CacheError::BadIntegrity { .. } => "EINTEGRITY",
            CacheError::Extract { .. } => "ETARBALL",
            CacheError::Io { .. } => "EIO",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> CacheError {
        CacheError::Io {
            path: path.into(),
            source,
        }
    }
}
