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
    #[error("GET {url} answered HTTP {status} ({})", Attempts(*attempts))]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// Requests made, retries included.
        attempts: u32,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<std::time::Duration>,
    },
    /// The request or its body failed in transit.
    #[error("GET {url} failed ({})", Attempts(*attempts))]
    Network {
        /// The URL requested.
        url: String,
        /// Requests made, retries included.
        attempts: u32,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The packument is not JSON of a packument's shape.
    #[error("the registry sent a packument for `{name}` that is not valid JSON ({url})")]
    Parse {
        /// The package.
        name: String,
        /// The packument URL.
        url: String,
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
            // A registry still failing after the retries is unreachable, as a refused
            // connection is.
            e @ RegistryError::Status { .. } if e.is_transient() => ErrorCode::Network,
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
            attempts: 1,
            source: source.without_url(),
        }
    }

    /// The same error, counting `n` requests made in all.
    pub fn with_attempts(mut self, n: u32) -> RegistryError {
        if let RegistryError::Status { attempts, .. } | RegistryError::Network { attempts, .. } =
            &mut self
        {
            *attempts = n;
        }
        self
    }

    pub(crate) fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            RegistryError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether npm would retry it: a transport failure, a 429 or a 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            RegistryError::Network { .. } => true,
            RegistryError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

/// "1 attempt", "3 attempts".
struct Attempts(u32);

impl std::fmt::Display for Attempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            1 => f.write_str("1 attempt"),
            n => write!(f, "{n} attempts"),
        }
    }
}
