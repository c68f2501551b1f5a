//! The Node.js binding: a thin layer that converts JS options into engine options, runs
//! the engine on the tokio runtime and turns its results and errors back into JS values.
//! No install logic lives here.

mod cancel;
mod ensure;
mod errors;
mod inspect;
mod options;
mod plan;
mod progress;
mod summary;

use napi::bindgen_prelude::*;
use napi_derive::napi;

pub use crate::ensure::{ensure_installed, EnsureResult};
use crate::inspect::{Explanation, ListResult};
use crate::options::{
    cwd_or_current, InstallOptions, ListOptions, Request, SaveOptions, WhyOptions,
};
use crate::plan::InstallPlan;
use crate::progress::ProgressEvent;
use crate::summary::InstallSummary;

/// Installs the dependencies of the project in `options.cwd` (default: `process.cwd()`),
/// like `npm install` (or `npm ci` with `options.ci`). Resolves with a summary; rejects with
/// an `Error` whose `code` is stable (`ETARGET`, `E404`, `EINTEGRITY`, ...; the README lists
/// them all), whose `hint` says what to do (or is null) and whose `cause` chain holds the
/// reasons beneath, nearest first. An aborted `signal` rejects with an `AbortError`
/// (`code: 'ABORT_ERR'`). Two runs in one project wait for each other (an OS file lock, so
/// across processes too); runs in different projects go at once.
#[napi(
    ts_args_type = "options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn install<'env>(
    env: &'env Env,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    start(env, options.unwrap_or_default(), Request::Install)
}

/// `npm ci`: exactly package-lock.json, into a fresh node_modules (`ENOLOCK` without one,
/// `ELOCKOUTOFSYNC` when it does not satisfy package.json).
#[napi(
    ts_args_type = "options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn ci<'env>(
    env: &'env Env,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    start(env, options.unwrap_or_default(), Request::Ci)
}

/// `npm install <specs>`: adds `name`, `name@range`, `name@tag` or `alias@npm:name@range`
/// to package.json (`dependencies`, or where `dev` / `optional` / `peer` say; a `^` range
/// of the version picked unless `exact`) and installs.
#[napi(
    ts_args_type = "specs: string[], options?: InstallOptions & SaveOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn add<'env>(
    env: &'env Env,
    specs: Vec<String>,
    options: Option<Unknown<'env>>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    let (install, save) = split_add_options(env, options)?;
    start(env, install, Request::Add(specs, save))
}

/// `npm uninstall <names>`: removes them from every dependency map of package.json and
/// from node_modules.
#[napi(
    ts_args_type = "names: string[], options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn remove<'env>(
    env: &'env Env,
    names: Vec<String>,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    start(env, options.unwrap_or_default(), Request::Remove(names))
}

/// `npm update [names]`: the named packages (direct or transitive; all when none) move to
/// the newest versions their package.json ranges and their dependents' ranges allow,
/// whatever the lockfile pinned; everything else stays locked. package.json is unchanged
/// (npm's `save=false` default for `update`); package-lock.json and node_modules follow.
#[napi(
    ts_args_type = "names?: string[], options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn update<'env>(
    env: &'env Env,
    names: Option<Vec<String>>,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    let request = Request::Update(names.unwrap_or_default());
    start(env, options.unwrap_or_default(), request)
}

/// Resolves the dependency tree and writes package-lock.json without touching node_modules
/// (`npm install --package-lock-only`; the same as `install({ lockfileOnly: true })`).
#[napi(
    ts_args_type = "options?: InstallOptions",
    ts_return_type = "Promise<InstallSummary>"
)]
pub fn resolve<'env>(
    env: &'env Env,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    start(env, options.unwrap_or_default(), Request::LockfileOnly)
}

/// What `install(options)` would do (with `ci` or `lockfileOnly`, what those would do),
/// without writing anything into the project: not package.json, not the lockfiles, not
/// node_modules. Only the cache may gain registry metadata.
#[napi(
    ts_args_type = "options?: InstallOptions",
    ts_return_type = "Promise<InstallPlan>"
)]
pub fn plan<'env>(
    env: &'env Env,
    options: Option<InstallOptions>,
) -> Result<PromiseRaw<'env, InstallPlan>> {
    let prepared =
        options
            .unwrap_or_default()
            .into_engine(env, Request::Install, node_version(env)?)?;
    env.spawn_future_with_callback(
        async move {
            let outcome = utoo_install::plan(prepared.options).await;
            if let Some(watch) = &prepared.watch {
                watch.stop();
            }
            Ok(outcome)
        },
        |env, outcome| match outcome {
            Ok(plan) => Ok(InstallPlan::from(plan)),
            Err(error) => Err(errors::to_js_error(env, &error)),
        },
    )
}

/// `npm explain <name>`: every installed copy that `name` (or `name@range`) names, each
/// with the chains of dependents that put it there, up to the project (`isRoot`). An empty
/// list: nothing installed matches. Read-only, no network.
#[napi(
    ts_args_type = "name: string, options?: WhyOptions",
    ts_return_type = "Promise<Explanation[]>"
)]
pub fn why<'env>(
    env: &'env Env,
    name: String,
    options: Option<WhyOptions>,
) -> Result<PromiseRaw<'env, Vec<Explanation>>> {
    let cwd = cwd_or_current(options.unwrap_or_default().cwd)?;
    env.spawn_future_with_callback(
        async move {
            let found = tokio::task::spawn_blocking(move || {
                utoo_install::explain(&cwd, &name).map_err(Box::new)
            })
            .await
            .map_err(|e| Error::from_reason(e.to_string()))?;
            Ok(found)
        },
        |env, outcome| match outcome {
            Ok(list) => Ok(list.into_iter().map(Explanation::from).collect()),
            Err(error) => Err(errors::to_js_error(env, &error)),
        },
    )
}

/// `npm ls --json`: the installed tree in npm's shape, with its problems (missing, invalid,
/// extraneous) as `problems` and `error` rather than a rejection. Read-only, no network.
#[napi(
    ts_args_type = "options?: ListOptions",
    ts_return_type = "Promise<ListResult>"
)]
pub fn list<'env>(
    env: &'env Env,
    options: Option<ListOptions>,
) -> Result<PromiseRaw<'env, ListResult>> {
    let o = options.unwrap_or_default();
    let engine = utoo_install::ListOptions {
        cwd: cwd_or_current(o.cwd)?,
        names: o.names.unwrap_or_default(),
        all: o.all.unwrap_or(false),
        depth: o.depth.map(|d| d as usize),
    };
    env.spawn_future_with_callback(
        async move {
            tokio::task::spawn_blocking(move || utoo_install::list(&engine).map_err(Box::new))
                .await
                .map_err(|e| Error::from_reason(e.to_string()))
        },
        |env, outcome| match outcome {
            Ok(report) => Ok(ListResult::from(report)),
            Err(error) => Err(errors::to_js_error(env, &error)),
        },
    )
}

/// One of the engine's error codes (`err.code`) and what it means.
#[napi(object)]
pub struct ErrorCodeInfo {
    /// `E404`, `ETARGET`, ...
    pub code: String,
    /// What it means, in one line (the README's table).
    pub meaning: String,
}

/// Every code an error can carry, from the engine's one table, in the README's order. A
/// cancelled run's `ECANCELLED` reaches JS as an `AbortError` with code `ABORT_ERR`.
#[napi]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    utoo_events::ErrorCode::ALL
        .iter()
        .map(|code| ErrorCodeInfo {
            code: code.as_str().to_owned(),
            meaning: code.meaning().to_owned(),
        })
        .collect()
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

pub(crate) fn node_version(env: &Env) -> Result<String> {
    let node = env.get_node_version()?;
    // `release` is the release name (`node`), not the patch number.
    Ok(format!("{}.{}.{}", node.major, node.minor, node.patch))
}

/// `add()`'s one options object holds both the install options and where to save.
fn split_add_options(env: &Env, options: Option<Unknown>) -> Result<(InstallOptions, SaveOptions)> {
    let Some(value) = options else {
        return Ok((InstallOptions::default(), SaveOptions::default()));
    };
    if matches!(value.get_type()?, ValueType::Undefined | ValueType::Null) {
        return Ok((InstallOptions::default(), SaveOptions::default()));
    }
    // SAFETY: `value` is a live handle of this call, on this call's `env`; each conversion
    // only reads properties of the object.
    let install = unsafe { InstallOptions::from_napi_value(env.raw(), value.raw()) }?;
    // SAFETY: as above.
    let save = unsafe { SaveOptions::from_napi_value(env.raw(), value.raw()) }?;
    Ok((install, save))
}

fn start<'env>(
    env: &'env Env,
    options: InstallOptions,
    request: Request,
) -> Result<PromiseRaw<'env, InstallSummary>> {
    let prepared = options.into_engine(env, request, node_version(env)?)?;
    env.spawn_future_with_callback(
        async move {
            let outcome = utoo_install::install(prepared.options).await;
            if let Some(watch) = &prepared.watch {
                watch.stop();
            }
            if let (Some(js), Ok(summary)) = (&prepared.reporter, &outcome) {
                js.send(ProgressEvent::done(summary));
            }
            Ok(outcome)
        },
        |env, outcome| match outcome {
            Ok(summary) => Ok(InstallSummary::from(summary)),
            Err(error) => Err(errors::to_js_error(env, &error)),
        },
    )
}
