//! Warnings are held back while the install runs and printed once at the end, grouped by
//! code, so they are not lost above a live bar or between phase lines.

use std::sync::{Arc, Mutex};

use utoo_events::{Event, Reporter, Warning};

/// Passes every event on except warnings, which it keeps: a failed run has no summary to
/// carry them, so they come from here.
pub(crate) struct HoldWarnings {
    inner: Arc<dyn Reporter>,
    held: Mutex<Vec<Warning>>,
}

impl HoldWarnings {
    pub(crate) fn new(inner: Arc<dyn Reporter>) -> HoldWarnings {
        HoldWarnings {
            inner,
            held: Mutex::default(),
        }
    }

    /// The warnings seen so far, in the order they came.
    pub(crate) fn take(&self) -> Vec<Warning> {
        self.held
            .lock()
            .map(|mut held| std::mem::take(&mut *held))
            .unwrap_or_default()
    }
}

impl Reporter for HoldWarnings {
    fn on_event(&self, event: &Event) {
        match event {
            Event::Warning { code, message } => {
                if let Ok(mut held) = self.held.lock() {
                    held.push(Warning {
                        code: *code,
                        message: message.clone(),
                    });
                }
            }
            other => self.inner.on_event(other),
        }
    }
}

/// One `warn CODE message` line per distinct warning, grouped by code (codes in the order
/// they first came, messages in theirs).
pub(crate) fn grouped(warnings: &[Warning]) -> Vec<String> {
    let mut codes = Vec::new();
    for w in warnings {
        if !codes.contains(&w.code) {
            codes.push(w.code);
        }
    }
    let mut lines: Vec<String> = Vec::new();
    for code in codes {
        for w in warnings.iter().filter(|w| w.code == code) {
            let line = format!("warn {} {}", w.code, w.message);
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoo_events::{RecordingReporter, WarningCode};

    fn warning(code: WarningCode, message: &str) -> Warning {
        Warning {
            code,
            message: message.into(),
        }
    }

    #[test]
    fn groups_by_code_each_once() {
        let list = [
            warning(WarningCode::Deprecated, "a@1: old"),
            warning(WarningCode::ScriptsNotRun, "scripts not run: b@1 (install)"),
            warning(WarningCode::Deprecated, "c@1: older"),
            warning(WarningCode::Deprecated, "a@1: old"),
        ];
        assert_eq!(
            grouped(&list),
            [
                "warn EDEPRECATED a@1: old",
                "warn EDEPRECATED c@1: older",
                "warn ESCRIPTSNOTRUN scripts not run: b@1 (install)",
            ]
        );
    }

    #[test]
    fn holds_warnings_and_passes_the_rest() {
        let inner = Arc::new(RecordingReporter::default());
        let hold = HoldWarnings::new(inner.clone());
        hold.on_event(&Event::Warning {
            code: WarningCode::Deprecated,
            message: "a@1: old".into(),
        });
        hold.on_event(&Event::PhaseStart {
            phase: utoo_events::Phase::Resolve,
        });
        assert_eq!(inner.events().len(), 1);
        assert_eq!(hold.take(), [warning(WarningCode::Deprecated, "a@1: old")]);
        assert!(hold.take().is_empty());
    }
}
