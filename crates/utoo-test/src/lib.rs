//! Test support shared by the engine's, the CLI's and the binding's Rust tests: fixture
//! packages built into real tarballs, a registry serving them on 127.0.0.1 with switches for
//! faults, and a [`TestContext`] (temp project, temp cache, registry, recording reporter,
//! the real binary set up against them, redaction for snapshots).

mod context;
mod events;
mod fixture;
mod redact;
mod registry;

pub use context::TestContext;
pub use events::{assert_phase_order, check_phase_order, phases_started};
pub use fixture::Pkg;
pub use registry::{Fault, Registry};
