//! The `utoo` command line, shared by the native binary and the Node addon's `runCli`:
//! both hand it argv and get an exit code (0 ok, 1 install failed, 2 usage error).

mod args;
mod inspect;
mod outdated;
mod output;
mod reporters;
mod review;

pub use args::Cli;
pub use output::run;
