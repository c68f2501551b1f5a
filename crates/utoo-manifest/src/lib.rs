//! The data every other crate speaks: manifests (a package.json or one version of a
//! packument), packuments, dependency specs and the platform a package may run on.

mod bin;
mod manifest;
mod packument;
mod platform;
mod spec;

pub use bin::bin_entries;
pub use manifest::{node_engine_mismatch, DepKind, Dist, Manifest, PeerMeta};
pub use packument::Packument;
pub use platform::Platform;
pub use spec::{check_name, registry_name, Spec, SpecError, VersionReq};
