use std::path::PathBuf;

/// Why a registry request failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The packument request answered 404.
    #[error("package `{name}` was not found in the registry ({url})")]
    NotFound {
        /// The package asked for.
        name: String,
        /// The packument URL.
        url: String,
    },
    /// Any other failing status (429 and 5xx only after the retries).
    #[error("GET {url} answered HTTP {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The request or its body failed in transit.
    #[error("GET {url} failed")]
    Network {
        /// The URL requested.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The packument is not JSON of a packument's shape.
    #[error("the registry sent a packument for `{name}` that is not valid JSON")]
    Parse {
        /// The package.
        name: String,
        /// Where parsing stopped.
        #[source]
        source: serde_json::Error,
    },
    /// A configured CA file (`cafile`, `NODE_EXTRA_CA_CERTS`) cannot be read.
    #[error("could not read CA certificates from `{path}`")]
    CaFile {
        /// The CA file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Offline, and the packument cache does not have it.
    #[error("`{url}` is not in the cache and --offline forbids the network")]
    NotCached {
        /// The URL that would have been fetched.
        url: String,
    },
    /// The runtime shut down while the request ran.
    #[error("fetching `{url}` was cancelled")]
    Cancelled {
        /// The URL requested.
        url: String,
    },
    /// Building the HTTP client (TLS set-up) failed.
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
