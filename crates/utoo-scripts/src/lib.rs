//! Running package lifecycle scripts the way npm runs them: `sh -c` in the package folder,
//! with every enclosing `node_modules/.bin` on PATH and npm's `npm_*` variables, dependencies
//! before their dependents, independent packages in parallel.

mod env;
mod job;
mod run;

pub use env::ScriptEnv;
pub use job::{lifecycle_scripts, ScriptJob};
pub use run::{run_jobs, run_script, ScriptError, ScriptOutcome};
