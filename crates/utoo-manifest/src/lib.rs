//! The data every other crate speaks: manifests (a package.json or one version of a
//! packument), packuments, dependency specs and the platform a package may run on.

mod bin;
mod git_spec;
mod manifest;
mod overrides;
mod packument;
mod platform;
mod spec;
mod workspaces;

pub use bin::bin_entries;
pub use git_spec::{GitRef, GitSpec};
pub use manifest::{node_engine_mismatch, DepKind, Dist, Manifest, PeerMeta};
pub use overrides::{OverrideError, Overrides, RuleSet};
pub use packument::Packument;
pub use platform::Platform;
pub use spec::{check_name, registry_name, Spec, SpecError, VersionReq};
pub use workspaces::{WorkspacePatterns, WorkspacesError};
