//! The `utoo` command line, shared by the native binary and the Node addon's `runCli`:
//! both hand it argv and get an exit code (0 ok, 1 install failed, 2 usage error).

mod args;
mod bars;
mod board;
mod color;
mod inspect;
mod outcome;
mod outdated;
mod output;
mod reporters;
mod review;
mod summary_line;
mod warnings;

pub use args::Cli;
pub use output::run;
