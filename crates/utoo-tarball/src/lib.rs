//! Extracting a package tarball (`.tgz`) into a folder, safely.
//!
//! The node-tar advisories are the list of tricks defended against here: absolute paths,
//! `..` components, symlinks and hard links that point elsewhere and are later written
//! through, and files named like devices. Links are not created at all (npm's pacote drops
//! them too), so nothing written later can follow one out of the destination.

mod extract;

pub use extract::{extract_tgz, Extracted, TarballError};
