use std::path::PathBuf;

use utoo_events::ErrorCode;

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
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        match self {
            RegistryError::NotFound { .. } => ErrorCode::NotFound,
            RegistryError::Status {
                status: 401 | 403, ..
            } => ErrorCode::Auth,
            RegistryError::Status { .. } => ErrorCode::Http,
            RegistryError::Network { .. } => ErrorCode::Network,
            RegistryError::Parse { .. } => ErrorCode::JsonParse,
            RegistryError::CaFile { .. } => ErrorCode::CaFile,
            RegistryError::NotCached { .. } => ErrorCode::NotCached,
            RegistryError::Cancelled { .. } => ErrorCode::Cancelled,
            RegistryError::Client(_) => ErrorCode::Client,
        }
    }

    /// A transport failure of `url`. The message names the URL once; reqwest's own would
    /// repeat it on the cause line (credentials in it included).
    pub(crate) fn network(url: &str, source: reqwest::Error) -> RegistryError {
        RegistryError::Network {
            url: url.to_owned(),
            source: source.without_url(),
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
