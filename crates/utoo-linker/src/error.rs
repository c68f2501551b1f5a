use std::path::PathBuf;

use utoo_events::ErrorCode;

/// Why placing, linking or pruning failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A file system operation failed.
    #[error("could not {action} `{path}`")]
    Io {
        /// What was being done (`create`, `link`, `copy`, `remove`, ...).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl LinkError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::Link
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> LinkError {
        LinkError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
