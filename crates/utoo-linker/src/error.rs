use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("could not {action} `{path}`")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl LinkError {
    pub fn code(&self) -> &'static str {
        "ELINK"
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
