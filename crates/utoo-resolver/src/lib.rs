//! Resolution: from a package.json to the hoisted tree npm would build, written as the
//! `packages` map of a v3 lockfile.
//!
//! Packuments come through [`PackumentSource`], so the rules are tested without HTTP.

mod displace;
mod error;
mod folder;
mod locked_tree;
mod overridden;
mod provider;
mod resolve;
mod satisfies;
mod tree;

pub use error::{RequiredBy, ResolveError};
pub use folder::{top_entry, Member};
pub use provider::{PackumentSource, SourceError};
pub use resolve::{resolve, resolve_workspace, root_entry, ResolveOptions, Resolved};
pub use satisfies::satisfies;
