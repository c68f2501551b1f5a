//! Extracting a package tarball (`.tgz`) into a folder, safely.
//!
//! The node-tar advisories are the list of tricks defended against here: absolute paths,
//! `..` components, symlinks and hard links that point elsewhere and are later written
//! through, and files named like devices; gzip and entry-count bombs are capped (`Limits`). Links are not created at all (npm's pacote drops
//! them too), so nothing written later can follow one out of the destination.

mod extract;

pub use extract::{extract_tgz, extract_tgz_with, Extracted, Limits, TarballError};
