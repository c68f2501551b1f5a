use napi::bindgen_prelude::*;
use napi::JsError;

/// A JS `Error` carrying the engine's stable `code` and the chain of causes in `message`.
pub(crate) fn to_js_error(env: &Env, error: &utoo_install::InstallError) -> Error {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    let code = error.code();
    let raw = unsafe {
        JsError::from(Error::new(Status::GenericFailure, message.clone())).into_value(env.raw())
    };
    let mut object = Object::from_raw(env.raw(), raw);
    let fallback = || Error::new(Status::GenericFailure, format!("{code}: {message}"));
    if object.set_named_property("code", code).is_err() {
        return fallback();
    }
    object
        .into_unknown(env)
        .map(Error::from)
        .unwrap_or_else(|_| fallback())
}
