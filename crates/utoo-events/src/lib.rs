//! Progress events of the install engine.
//!
//! The engine calls a [`Reporter`]; the CLI bar, the JS callback and the NDJSON stream are
//! three implementations of it. The engine never knows which one is listening.

mod event;
mod reporter;

pub use event::{Event, Phase};
pub use reporter::{NdjsonReporter, RecordingReporter, Reporter, SilentReporter};
