//! `ensureInstalled()`: the binding side of install on demand. The engine's [`Ensurer`]
//! lives in a process-wide static, so every call of the process shares its per-project
//! queues and its failure memo.

use std::sync::LazyLock;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use utoo_install::{EnsureReport, Ensurer, Mode};

use crate::errors;
use crate::options::{InstallOptions, Request};
use crate::summary::InstallSummary;

static ENSURER: LazyLock<Ensurer> = LazyLock::new(Ensurer::default);

/// What `ensureInstalled()` did.
#[napi(object)]
pub struct EnsureResult {
    /// `name@version` of each spec that was missing or unsatisfied and is now installed.
    pub installed: Vec<String>,
    /// `name@version` of each spec node_modules already satisfied.
    pub already_present: Vec<String>,
    /// The install's summary, when one ran.
    pub summary: Option<InstallSummary>,
}

impl From<EnsureReport> for EnsureResult {
    fn from(r: EnsureReport) -> Self {
        EnsureResult {
            installed: r.installed,
            already_present: r.already_present,
            summary: r.summary.map(InstallSummary::from),
        }
    }
}

/// Makes sure every spec (`'lodash'`, `'zod@^3'`, `'@scope/x@1.2.3'`) is installed in the
/// project in `options.cwd`: the install-on-demand call of a dev server. Specs node_modules
/// already satisfies cost no network and no write; the others are saved to package.json
/// `dependencies` (as `npm install <spec>` saves them) and installed. Calls for one project
/// run one after another; a call repeating specs that failed in the last 30 s rejects at once
/// with the earlier error's `code`. `options.ci` is ignored.
#[napi(
    ts_args_type = "specs: string[], options?: InstallOptions",
    ts_return_type = "Promise<EnsureResult>"
)]
pub fn ensure_installed<'env>(
    env: &'env Env,
    specs: Vec<String>,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, EnsureResult>> {
    let prepared = options.unwrap_or_default().into_engine(
        env,
        Request::Install,
        crate::node_version(env)?,
    )?;
    let watch = prepared.watch;
    let mut engine_options = prepared.options;
    engine_options.mode = Mode::Install;
    env.spawn_future_with_callback(
        async move {
            let outcome = ENSURER.ensure(&specs, engine_options).await;
            if let Some(watch) = &watch {
                watch.stop();
            }
            Ok(outcome)
        },
        |env, outcome| match outcome {
            Ok(report) => Ok(EnsureResult::from(report)),
            Err(error) => Err(errors::to_js_error(env, &error)),
        },
    )
}
