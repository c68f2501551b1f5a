use napi::bindgen_prelude::*;
use utoo_install::InstallError;

/// A JS `Error` with the engine's stable `code`, its `hint` (a string or null) and its
/// reasons as a chain of `cause` Errors, nearest first (`err.cause.cause.message` ...), the
/// way `new Error(message, { cause })` nests them. A failure about one package (E404,
/// ETARGET, ...) also has `package`, `spec` (or null), `requiredBy` (the direct dependent)
/// and `dependents` (the chain from the project down, root-first); a cancelled run is
/// an `AbortError` with code `ABORT_ERR`.
pub(crate) fn to_js_error(env: &Env, error: &InstallError) -> Error {
    js_error(env, error).unwrap_or_else(|_| {
        Error::new(
            Status::GenericFailure,
            format!("{}: {}", error.code(), utoo_events::one_line(error)),
        )
    })
}

fn js_error(env: &Env, error: &InstallError) -> Result<Error> {
    let mut cause = None;
    for message in utoo_events::causes(error).iter().rev() {
        let mut next = plain_error(env, message)?;
        if let Some(inner) = cause.take() {
            next.set_named_property("cause", inner)?;
        }
        cause = Some(next);
    }
    let mut top = env.create_error(Error::new(Status::GenericFailure, error.to_string()))?;
    if matches!(error, InstallError::Cancelled) {
        // What Node's own APIs reject with on an aborted signal (`fetch`, `fs.readFile`,
        // `timers/promises`), so `err.name === 'AbortError'` checks work unchanged. The
        // engine's and the CLI's code stays ECANCELLED.
        top.set_named_property("name", "AbortError")?;
        top.set_named_property("code", "ABORT_ERR")?;
    } else {
        top.set_named_property("code", error.code().as_str())?;
    }
    if let Some(package) = error.package() {
        top.set_named_property("package", package.name)?;
        top.set_named_property("spec", package.spec)?;
        top.set_named_property("requiredBy", package.required_by)?;
        top.set_named_property("dependents", package.dependents.to_vec())?;
    }
    match error.hint() {
        Some(hint) => top.set_named_property("hint", hint)?,
        None => top.set_named_property("hint", Null)?,
    }
    if let Some(cause) = cause {
        top.set_named_property("cause", cause)?;
    }
    top.into_unknown(env).map(Error::from)
}

/// An `Error` with only a message: napi's constructor gives every error a `code` (the
/// status name), which on a cause would read as if it were the engine's.
fn plain_error<'env>(env: &'env Env, message: &str) -> Result<Object<'env>> {
    let mut error = env.create_error(Error::new(Status::GenericFailure, message.to_owned()))?;
    error.delete_named_property("code")?;
    Ok(error)
}
