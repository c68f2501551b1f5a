//! The plain-lines subscriber to engine events, for CI logs and pipes (the live bars are
//! in `bars.rs`).

use std::io::Write;
use std::sync::Mutex;

use utoo_events::{Event, Reporter};

/// Plain lines, one per finished stage, for CI logs and pipes.
pub(crate) struct PlainReporter<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> PlainReporter<W> {
    pub(crate) fn new(out: W) -> Self {
        PlainReporter {
            out: Mutex::new(out),
        }
    }
}

impl<W: Write + Send> Reporter for PlainReporter<W> {
    fn on_event(&self, event: &Event) {
        let line = match event {
            Event::PhaseEnd { phase, elapsed_ms } => {
                format!("{} done in {elapsed_ms}ms", phase.as_str())
            }
            Event::ScriptOutput {
                package,
                script,
                line,
            } => format!("{package} {script}: {line}"),
            // A log gets one line per stage, not one per package; warnings come after the
            // run, grouped.
            Event::PhaseStart { .. }
            | Event::Progress { .. }
            | Event::Stalled { .. }
            | Event::Download { .. }
            | Event::Warning { .. } => return,
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoo_events::Phase;

    #[test]
    fn plain_prints_phase_ends_only() {
        let r = PlainReporter::new(Vec::new());
        r.on_event(&Event::Progress {
            phase: Phase::Fetch,
            done: 1,
            total: 2,
            package: None,
        });
        r.on_event(&Event::PhaseEnd {
            phase: Phase::Resolve,
            elapsed_ms: 5,
        });
        r.on_event(&Event::Warning {
            code: utoo_events::WarningCode::Deprecated,
            message: "x@1: old".into(),
        });
        let text = String::from_utf8(r.out.into_inner().unwrap()).unwrap();
        assert_eq!(text, "resolve done in 5ms\n");
    }
}
