//! The install engine's front door: `install`, `ci`, `add`, `remove`, `update`, `resolve`,
//! `plan` (a dry run) and install on demand ([`Ensurer`]) over a project folder. Front ends
//! (the CLI, the N-API binding) build [`InstallOptions`], pass a
//! [`Reporter`](utoo_events::Reporter) and get an [`InstallSummary`] or an [`InstallError`]
//! with a stable code.
//!
//! Inside, an install is a sequence of stages (`run.rs`), each a value with its inputs and
//! a `run`: [`Project`](project::Project) → `Plan` → `Target` and `Diff` → prune →
//! `FetchLink` → bins → `DependencyScripts` → `Lockfiles` → `RootScripts`.

mod byte_meter;
mod cancel;
mod context;
mod diff;
mod dry_run;
mod edit;
mod engines;
mod ensure;
mod error;
mod hint;
mod installed;
mod links;
mod list;
mod lock;
mod lock_overrides;
mod lockfiles;
mod node;
mod noop;
mod optional_set;
mod options;
mod outdated;
mod package;
mod paths;
mod pipeline;
mod plan;
mod project;
mod rebuild;
mod review_scripts;
mod run;
mod script_policy;
mod scripts;
mod selection;
mod source;
mod source_policy;
mod summary;
mod trust;
mod why;

pub use cancel::CancelToken;
pub use dry_run::{plan, InstallPlan, PlannedChange, PlannedDownload, PlannedScripts};
pub use edit::{DepField, EditRequest};
pub use ensure::{EnsureReport, Ensurer, DEFAULT_FAILURE_WINDOW};
pub use error::{FailedPackage, InstallError};
pub use list::{list, ListNode, ListOptions, ListReport, ListState};
pub use options::{InstallOptions, Mode};
pub use outdated::{outdated, OutdatedPackage};
pub use rebuild::rebuild;
pub use review_scripts::{
    review_scripts, KeyChange, PackageChanges, PendingScripts, ReviewReport, ReviewVerb,
    ScriptsReview,
};
pub use run::{install, resolve};
pub use script_policy::ScriptsNotRun;
pub use source_policy::NotAllowed;
pub use summary::{InstallSummary, Timings};
pub use why::{explain, Dependent, Explanation};
