use napi::bindgen_prelude::*;
use utoo_install::CancelToken;

/// `signal.addEventListener(type, listener)`.
type AddEventListener<'a> = Function<'a, FnArgs<(String, Function<'a, (), ()>)>, Unknown<'a>>;

/// Connects an `AbortSignal` to the engine's cancel token: `abort()` on the JS side cancels
/// the install at its next await point.
pub(crate) fn link_abort_signal(env: &Env, signal: &Object, token: &CancelToken) -> Result<()> {
    if signal
        .get_named_property::<bool>("aborted")
        .unwrap_or(false)
    {
        token.cancel();
        return Ok(());
    }
    let token = token.clone();
    let on_abort = env.create_function_from_closure("utooOnAbort", move |_ctx| {
        token.cancel();
        Ok(())
    })?;
    let add: AddEventListener = signal.get_named_property("addEventListener")?;
    add.apply(signal, FnArgs::from(("abort".to_owned(), on_abort)))?;
    Ok(())
}
