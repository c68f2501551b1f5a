use std::fmt;

use utoo_events::ErrorCode;

use crate::SourceError;

/// Who asked for a package: the chain of dependents from the project down to the one whose
/// edge failed, as `npm explain` would walk it. Shown as `a@1.0.0 > b@2.0.0`, or as the
/// origin when the project (or a command) asked itself. Boxed: errors stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredBy(Box<Chain>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Chain {
    origin: String,
    dependents: Vec<String>,
}

impl RequiredBy {
    /// `dependents` (`name@version`, root-first) below `origin`, who asked when no package
    /// did: `the root project`, `` `utoo add` ``.
    pub fn new(origin: impl Into<String>, dependents: Vec<String>) -> RequiredBy {
        RequiredBy(Box::new(Chain {
            origin: origin.into(),
            dependents,
        }))
    }

    /// Who asked when no package did.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// Each dependent, root-first (the project itself left out); the last one asked
    /// directly. Empty when the origin asked.
    pub fn dependents(&self) -> &[String] {
        &self.0.dependents
    }

    /// The direct dependent: the last of the chain, else the origin.
    pub fn direct(&self) -> &str {
        self.0.dependents.last().unwrap_or(&self.0.origin)
    }
}

impl fmt::Display for RequiredBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.dependents.is_empty() {
            f.write_str(&self.0.origin)
        } else {
            f.write_str(&self.0.dependents.join(" > "))
        }
    }
}

/// Why resolution failed. Each message names the package and what required it; what lies
/// beneath (the registry's error, its transport error, the OS error) is the `source` chain.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No published version satisfies the spec.
    #[error("no version of `{name}` matches `{spec}` (required by {required_by})")]
    NoMatch {
        /// The package.
        name: String,
        /// The range or tag asked for.
        spec: String,
        /// Who asked: the chain of dependents.
        required_by: RequiredBy,
    },
    /// The packument source failed.
    #[error("could not get the packument of `{name}` (required by {required_by})")]
    Fetch {
        /// The package.
        name: String,
        /// Who asked: the chain of dependents.
        required_by: RequiredBy,
        /// The source's error (and its code), shared with every waiter of the same fetch.
        #[source]
        source: SourceError,
    },
    /// A git, tarball-URL or `file:` spec could not be had: fetching it failed, or the
    /// source refused to fetch it (npm 12's `allow-git` / `allow-remote`).
    #[error("could not get `{name}@{spec}` (required by {required_by})")]
    SpecSource {
        /// The package.
        name: String,
        /// The spec as written.
        spec: String,
        /// Who asked: the chain of dependents.
        required_by: RequiredBy,
        /// The source's error and its code.
        #[source]
        source: SourceError,
    },
    /// The packument has the version but its manifest does not parse.
    #[error("the manifest of `{name}@{version}` in its packument is malformed (required by {required_by})")]
    BadManifest {
        /// The package.
        name: String,
        /// The version picked.
        version: String,
        /// Who asked: the chain of dependents.
        required_by: RequiredBy,
        /// Where parsing stopped.
        #[source]
        source: serde_json::Error,
    },
    /// A spec kind utoo does not install yet.
    #[error("`{name}@{spec}` (required by {required_by}) is a {kind} dependency, which utoo does not install yet")]
    Unsupported {
        /// The dependency's name.
        name: String,
        /// The spec as written.
        spec: String,
        /// Who asked: the chain of dependents.
        required_by: RequiredBy,
        /// `file`, `git`, ...
        kind: &'static str,
    },
    /// A `file:` folder has no readable package.json.
    #[error("cannot read the folder `{path}` that `{name}` points to (required by {required_by})")]
    Folder {
        /// The dependency's name.
        name: String,
        /// The folder, relative to the project root.
        path: String,
        /// Who asked: the chain of dependents.
        required_by: RequiredBy,
        /// Why it could not be read (and its code).
        #[source]
        source: SourceError,
    },
    /// The spec does not parse.
    #[error(transparent)]
    Spec(#[from] utoo_manifest::SpecError),
    /// package.json `overrides` cannot be applied (npm's EOVERRIDE).
    #[error(transparent)]
    Override(#[from] utoo_manifest::OverrideError),
    /// A peer dependency conflict that is fatal (npm's ERESOLVE).
    #[error("conflicting peer dependency: {dependent} needs {name}@{wanted}, but {found} is installed for {found_for}")]
    PeerConflict {
        /// The package whose peer it is.
        dependent: String,
        /// The peer.
        name: String,
        /// The peer range wanted.
        wanted: String,
        /// The version that is there.
        found: String,
        /// Who the found version is there for.
        found_for: String,
    },
}

impl ResolveError {
    /// Who asked for the package the error is about, when it is about one.
    pub fn required_by(&self) -> Option<&RequiredBy> {
        match self {
            ResolveError::NoMatch { required_by, .. }
            | ResolveError::Fetch { required_by, .. }
            | ResolveError::SpecSource { required_by, .. }
            | ResolveError::BadManifest { required_by, .. }
            | ResolveError::Unsupported { required_by, .. }
            | ResolveError::Folder { required_by, .. } => Some(required_by),
            _ => None,
        }
    }

    /// The stable code (`err.code` in JS); a failed fetch keeps the source's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ResolveError::NoMatch { .. } => ErrorCode::Target,
            ResolveError::Fetch { source, .. }
            | ResolveError::Folder { source, .. }
            | ResolveError::SpecSource { source, .. } => source.code,
            ResolveError::BadManifest { .. } => ErrorCode::JsonParse,
            ResolveError::Unsupported { .. } => ErrorCode::UnsupportedProtocol,
            ResolveError::Spec(e) => e.code(),
            ResolveError::Override(e) => e.code(),
            ResolveError::PeerConflict { .. } => ErrorCode::Resolve,
        }
    }
}
