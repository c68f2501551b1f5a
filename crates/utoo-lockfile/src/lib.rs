//! `package-lock.json` as npm reads and writes it.
//!
//! The lockfile is also utoo's tree model: `packages` maps an install path
//! (`node_modules/a/node_modules/b`) to what is there, whether it came from resolution or
//! from a lockfile on disk, so installing has one input whatever produced it.

mod entry;
mod flags;
mod format;
mod lockfile;
mod tree;

pub use entry::LockEntry;
pub use flags::calc_dep_flags;
pub use format::{locale_cmp, to_npm_json};
pub use lockfile::{
    detect_indent, is_safe_package_path, lockfile_json, LockError, Lockfile, HIDDEN_LOCKFILE,
};
pub use tree::{entry_name, is_top, parent_path, resolve_from};
