//! The install engine's front door: `install`, `ci`, `add`, `remove` and `resolve` over a
//! project folder. Front ends (the CLI, the N-API binding) build [`InstallOptions`], pass a
//! [`Reporter`](utoo_events::Reporter) and get an [`InstallSummary`] or an
//! [`InstallError`] with a stable code.

mod cancel;
mod context;
mod edit;
mod error;
mod node;
mod noop;
mod options;
mod pipeline;
mod plan;
mod run;
mod source;
mod summary;

pub use cancel::CancelToken;
pub use edit::{DepField, EditRequest};
pub use error::InstallError;
pub use options::{InstallOptions, Mode};
pub use run::{install, resolve};
pub use summary::{InstallSummary, Timings, WarningItem};
