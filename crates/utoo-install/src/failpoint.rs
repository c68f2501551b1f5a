//! Fault injection for tests of what a bug does: `UTOO_FAILPOINT=<name>` makes the named
//! point panic. Tests use it to prove that a panic inside the engine fails the install with
//! EINTERNAL and never takes down the host process (a dev server that embeds utoo).

/// Panics when `UTOO_FAILPOINT` names this point. Read on every call, not cached, so one
/// test process can turn it on and off between installs.
pub(crate) fn hit(name: &str) {
    if std::env::var_os("UTOO_FAILPOINT").is_some_and(|v| v == name) {
        panic!("failpoint `{name}` hit (UTOO_FAILPOINT)");
    }
}
