//! The CLI's subscribers to engine events: every line of progress output lives here.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use utoo_events::{Event, Phase, Reporter};

#[derive(Default)]
struct Counters {
    resolved: u64,
    fetched: (u64, u64),
    linked: (u64, u64),
}

/// A one-line live bar on stderr for terminals.
pub(crate) struct BarReporter {
    bar: ProgressBar,
    counters: Mutex<Counters>,
}

impl BarReporter {
    pub(crate) fn new() -> BarReporter {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(12));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}").expect("static template parses"),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        BarReporter {
            bar,
            counters: Mutex::default(),
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Reporter for BarReporter {
    fn on_event(&self, event: &Event) {
        let Ok(mut c) = self.counters.lock() else {
            return;
        };
        match event {
            Event::Progress {
                phase, done, total, ..
            } => match phase {
                Phase::Resolve => c.resolved = *done,
                Phase::Fetch => c.fetched = (*done, *total),
                Phase::Link => c.linked = (*done, *total),
                // Script progress shows as the scripts' own output lines.
                Phase::Scripts => return,
            },
            // The bar shows counters, not stage boundaries or script output; warnings are
            // printed after the run, grouped.
            Event::Warning { .. }
            | Event::Download { .. }
            | Event::PhaseStart { .. }
            | Event::PhaseEnd { .. }
            | Event::ScriptOutput { .. }
            | Event::Stalled { .. } => return,
        }
        self.bar.set_message(format!(
            "resolved {} · fetched {}/{} · linked {}/{}",
            c.resolved, c.fetched.0, c.fetched.1, c.linked.0, c.linked.1
        ));
    }
}

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
