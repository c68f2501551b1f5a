//! Test support shared by the engine's integration tests: fixture packages built into real
//! tarballs, and a registry serving them on 127.0.0.1 with switches for faults.

mod fixture;
mod registry;

pub use fixture::Pkg;
pub use registry::{Fault, Registry};
