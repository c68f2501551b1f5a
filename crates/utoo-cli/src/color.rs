//! Whether the CLI's human output is colored: only on a terminal, and never with `NO_COLOR`
//! set to anything (no-color.org) or on a `dumb` terminal.

use std::ffi::OsStr;
use std::io::IsTerminal;

/// The decision for this process's stderr, where the human output goes.
pub(crate) fn enabled() -> bool {
    decide(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

fn decide(terminal: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    terminal && no_color.is_none_or(OsStr::is_empty) && term != Some(OsStr::new("dumb"))
}

/// `text` in an SGR style (`1;31` bold red, `33` yellow) when `on`.
pub(crate) fn paint(text: &str, sgr: &str, on: bool) -> String {
    if on {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_without_no_color() {
        let os = |s: &'static str| Some(OsStr::new(s));
        assert!(decide(true, None, os("xterm")));
        assert!(decide(true, os(""), None), "an empty NO_COLOR is unset");
        assert!(!decide(true, os("1"), os("xterm")));
        assert!(!decide(true, os("false"), os("xterm")), "any value");
        assert!(!decide(false, None, os("xterm")), "a pipe");
        assert!(!decide(true, None, os("dumb")));
        assert_eq!(paint("x", "33", false), "x");
        assert_eq!(paint("x", "33", true), "\x1b[33mx\x1b[0m");
    }
}
