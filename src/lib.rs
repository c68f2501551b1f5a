//! The Node.js binding: a thin layer that converts JS options into engine options, runs
//! the engine on the tokio runtime and turns its results and errors back into JS values.
//! No install logic lives here.

mod cancel;
mod ensure;
mod errors;
mod options;
mod progress;
mod summary;

use napi::bindgen_prelude::*;
use napi_derive::napi;

pub use crate::ensure::{ensure_installed, EnsureResult};
use crate::options::{InstallOptions, ModeOverride};
use crate::summary::InstallSummary;

/// Installs the dependencies of the project in `options.cwd` (default: `process.cwd()`),
/// like `npm install` (or `npm ci` with `options.ci`). Resolves with a summary; rejects with
/// an `Error` whose `code` is stable (`ETARGET`, `E404`, `EINTEGRITY`, `ECANCELLED`, ...; the
/// README lists them all), whose `hint` says what to do (or is null) and whose `cause` chain
/// holds the reasons beneath, nearest first.
#[napi(
    ts_args_type = "options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn install<'env>(
    env: &'env Env,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    start(env, options.unwrap_or_default(), ModeOverride::FromOptions)
}

/// Resolves the dependency tree and writes package-lock.json without touching node_modules
/// (`npm install --package-lock-only`).
#[napi(
    ts_args_type = "options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn resolve<'env>(
    env: &'env Env,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    start(env, options.unwrap_or_default(), ModeOverride::LockfileOnly)
}

/// Runs the `utoo` command line with `argv` (without the `node` and script entries) and
/// resolves with its exit code: 0 ok, 1 failed, 2 usage error.
#[napi]
pub async fn run_cli(argv: Vec<String>, node_version: Option<String>) -> u32 {
    let mut full = vec!["utoo".to_owned()];
    full.extend(argv);
    // Exit codes are 0, 1 and 2.
    u32::try_from(utoo_cli::run(full, node_version).await).unwrap_or(1)
}

fn start<'env>(
    env: &'env Env,
    options: InstallOptions,
    mode: ModeOverride,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    let node = env.get_node_version()?;
    let node_version = format!("{}.{}.{}", node.major, node.minor, node.release);
    let engine_options = options.into_engine(env, mode, node_version)?;
    env.spawn_future_with_callback(
        async move { Ok(utoo_install::install(engine_options).await) },
        |env, outcome| match outcome {
            Ok(summary) => Ok(InstallSummary::from(summary)),
            Err(error) => Err(errors::to_js_error(env, &error)),
        },
    )
}
