//! The global cache: extracted packages keyed by the hash of their tarball.
//!
//! An entry is extracted into `tmp/` and renamed into `store-v1/` only after its integrity
//! was verified, so a reader (another process too) sees a whole entry or none; a crash leaves
//! at most litter in `tmp/`, which the next open sweeps.

mod download;
mod error;
mod git;
mod store;

pub use download::PackageSource;
pub use error::CacheError;
pub use git::{is_git, resolve_ref, split_resolved, GitError};
pub use store::{Cache, Fetched};
pub use utoo_tarball::Limits as TarballLimits;
