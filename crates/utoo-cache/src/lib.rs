//! The global cache: extracted packages keyed by the hash of their tarball.
//!
//! An entry is extracted into `tmp/` and renamed into `store-v1/` only after its integrity
//! was verified, so a reader (another process too) sees a whole entry or none; a crash leaves
//! at most litter in `tmp/`, which the next open sweeps. Beside each entry a list of its
//! files and sizes (`<entry>.files`) is checked on every lookup: an entry damaged later is a
//! miss and is fetched again, never linked.

mod download;
mod error;
mod file_list;
mod git;
mod observer;
mod store;

pub use download::PackageSource;
pub use error::CacheError;
pub use git::{is_git, resolve_ref, split_resolved, GitError};
pub use observer::DownloadObserver;
pub use store::{Cache, Fetched};
pub use utoo_tarball::Limits as TarballLimits;
