//! What the CLI prints once an install is over: the summary (npm's line, or JSON), or the
//! error, after the warnings the run held back.

use utoo_events::{causes, Warning};
use utoo_install::{InstallError, InstallSummary};

use crate::args::ReporterKind;
use crate::color::paint;
use crate::summary_line::{breakdown, summary_line};
use crate::warnings::grouped;

/// How the outcome is printed, from the flags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub kind: ReporterKind,
    pub json: bool,
    pub rebuilding: bool,
    pub verbose: bool,
    /// Color on (a terminal, no `NO_COLOR`).
    pub color: bool,
}

impl Shape {
    /// Lines for a person on stderr: not JSON, not an event stream, not silent.
    fn human(self) -> bool {
        !self.json && matches!(self.kind, ReporterKind::Plain | ReporterKind::Bar)
    }
}

/// Prints the outcome in the shape the flags asked for; returns the exit code. `held` are
/// the warnings the reporter kept back (a failed run has no summary to carry them).
pub(crate) fn report(
    result: Result<InstallSummary, InstallError>,
    held: &[Warning],
    shape: Shape,
) -> i32 {
    if shape.human() {
        let warnings = result.as_ref().map_or(held, |s| &s.warnings[..]);
        for line in grouped(warnings) {
            let rest = line.strip_prefix("warn").unwrap_or(&line);
            eprintln!("{}{rest}", paint("warn", "33", shape.color));
        }
    }
    match result {
        Ok(summary) if shape.json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
            0
        }
        Err(error) if shape.json => {
            let value = error_json(&error);
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "error": value["error"] }))
                    .unwrap_or_default()
            );
            eprintln!("{}", describe_error(&error));
            1
        }
        Ok(summary) => {
            succeeded(&summary, shape);
            0
        }
        Err(error) => {
            if shape.kind == ReporterKind::Ndjson {
                println!("{}", error_json(&error));
            }
            eprintln!("{}", colored_error(&error, shape.color && shape.human()));
            1
        }
    }
}

fn succeeded(summary: &InstallSummary, shape: Shape) {
    match shape.kind {
        ReporterKind::Ndjson => println!(
            "{}",
            serde_json::json!({"type": "summary", "summary": summary})
        ),
        _ if !shape.human() => {}
        // npm's own closing line for rebuild.
        _ if shape.rebuilding => eprintln!("rebuilt dependencies successfully"),
        _ => {
            // npm prints a blank line before its summary.
            eprintln!("\n{}", summary_line(summary));
            if shape.verbose {
                eprintln!("{}", breakdown(summary));
            }
        }
    }
}

/// `error[CODE]: what failed`, then one `caused by:` line per source down the chain, then
/// what to do on a `hint:` line of its own.
pub(crate) fn describe_error(error: &InstallError) -> String {
    let mut text = format!("error[{}]: {error}", error.code());
    for cause in causes(error) {
        text.push_str("\n  caused by: ");
        text.push_str(&cause);
    }
    if let Some(hint) = error.hint() {
        text.push_str("\nhint: ");
        text.push_str(hint);
    }
    text
}

/// [`describe_error`] with its `error[CODE]` in bold red when `color`.
fn colored_error(error: &InstallError, color: bool) -> String {
    let head = format!("error[{}]", error.code());
    let text = describe_error(error);
    match text.strip_prefix(&head) {
        Some(rest) if color => paint(&head, "1;31", true) + rest,
        _ => text,
    }
}

/// The NDJSON stream's last line when the install failed (the summary's twin).
pub(crate) fn error_json(error: &InstallError) -> serde_json::Value {
    serde_json::json!({
        "type": "error",
        "error": {
            "code": error.code(),
            "message": error.to_string(),
            "causes": causes(error),
            "hint": error.hint(),
        },
    })
}
