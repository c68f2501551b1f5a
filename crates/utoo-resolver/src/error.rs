#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no version of `{name}` matches `{spec}` (required by {required_by})")]
    NoMatch {
        name: String,
        spec: String,
        required_by: String,
    },
    #[error("could not get the packument of `{name}` (required by {required_by}): {message}")]
    Fetch {
        name: String,
        required_by: String,
        /// The registry's own code (E404, ENETWORK, ...).
        code: &'static str,
        message: String,
    },
    #[error("`{name}@{spec}` (required by {required_by}) is a {kind} dependency, which utoo does not install yet")]
    Unsupported {
        name: String,
        spec: String,
        required_by: String,
        kind: &'static str,
    },
    #[error(transparent)]
    Spec(#[from] utoo_manifest::SpecError),
    #[error("conflicting peer dependency: {dependent} needs {name}@{wanted}, but {found} is installed for {found_for}; retry with --legacy-peer-deps to skip installing peers, or --force")]
    PeerConflict {
        dependent: String,
        name: String,
        wanted: String,
        found: String,
        found_for: String,
    },
}

impl ResolveError {
    pub fn code(&self) -> &'static str {
        match self {
            ResolveError::NoMatch { .. } => "ETARGET",
            ResolveError::Fetch { code, .. } => code,
            ResolveError::Unsupported { .. } => "EUNSUPPORTEDPROTOCOL",
            ResolveError::Spec(_) => "EINVALIDSPEC",
            ResolveError::PeerConflict { .. } => "ERESOLVE",
        }
    }
}
