//! Progress events of the install engine, the codes of its warnings and errors, and the
//! failpoints its tests inject faults with.
//!
//! The engine talks to its listeners through [`Events`]: phases are guards that always end,
//! warnings are collected as they are emitted. The CLI bar, the JS callback and the NDJSON
//! stream are three [`Reporter`]s; the engine never knows which one is listening.

mod error_code;
mod event;
mod events;
pub mod failpoint;
mod reporter;
mod stall;
mod warning;

pub use error_code::{causes, one_line, ErrorCode};
pub use event::{Event, Phase};
pub use events::{Events, PhaseGuard};
pub use reporter::{NdjsonReporter, RecordingReporter, Reporter, SilentReporter};
pub use stall::StallWatch;
pub use warning::{Warning, WarningCode};
