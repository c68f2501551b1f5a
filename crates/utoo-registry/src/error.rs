use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("package `{name}` was not found in the registry ({url})")]
    NotFound { name: String, url: String },
    #[error("GET {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url} failed")]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the registry sent a packument for `{name}` that is not valid JSON")]
    Parse {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("could not read CA certificates from `{path}`")]
    CaFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{url}` is not in the cache and --offline forbids the network")]
    NotCached { url: String },
    #[error("fetching `{url}` was cancelled")]
    Cancelled { url: String },
    #[error("could not set up the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl RegistryError {
    /// The npm-style error code (`err.code` in JS).
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::NotFound { .. } => "E404",
            RegistryError::Status { status, .. } if *status == 401 || *status == 403 => "EAUTH",
            RegistryError::Status { .. } => "EHTTP",
            RegistryError::Network { .. } => "ENETWORK",
            RegistryError::Parse { .. } => "EJSONPARSE",
            RegistryError::CaFile { .. } => "ECAFILE",
            RegistryError::NotCached { .. } => "ENOTCACHED",
            RegistryError::Cancelled { .. } => "ECANCELLED",
            RegistryError::Client(_) => "ECLIENT",
        }
    }

    pub(crate) fn is_transient(&self) -> bool {
        match self {
            RegistryError::Network { .. } => true,
            RegistryError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
