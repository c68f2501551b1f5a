use std::io::Write;
use std::sync::Mutex;

use crate::Event;

/// A listener of engine events.
///
/// Contract: called from any thread, possibly many at once; it must return quickly (queue or
/// drop, never block on a slow consumer) and must not panic.
pub trait Reporter: Send + Sync {
    /// Called once per event, in emission order per thread.
    fn on_event(&self, event: &Event);
}

/// Listens to nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentReporter;

impl Reporter for SilentReporter {
    fn on_event(&self, _event: &Event) {}
}

/// Writes one JSON object a line to a writer (`--reporter=ndjson`).
pub struct NdjsonReporter<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> NdjsonReporter<W> {
    /// A reporter writing to `out` (stdout, a file, a pipe).
    pub fn new(out: W) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }
}

impl<W: Write + Send> Reporter for NdjsonReporter<W> {
    fn on_event(&self, event: &Event) {
        let Ok(line) = serde_json::to_string(event) else {
            return;
        };
        if let Ok(mut out) = self.out.lock() {
            // A closed pipe must not fail the install.
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Keeps every event; for tests that assert on order and content.
#[derive(Default)]
pub struct RecordingReporter {
    events: Mutex<Vec<Event>>,
}

impl RecordingReporter {
    /// A copy of every event so far, in the order they arrived.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Reporter for RecordingReporter {
    fn on_event(&self, event: &Event) {
        if let Ok(mut events) = self.events.lock() {
            events.push(event.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Phase;

    #[test]
    fn ndjson_writes_one_line_per_event() {
        let reporter = NdjsonReporter::new(Vec::new());
        reporter.on_event(&Event::PhaseStart {
            phase: Phase::Resolve,
        });
        reporter.on_event(&Event::Warning {
            code: crate::WarningCode::Deprecated,
            message: "old".into(),
        });
        let out = String::from_utf8(reporter.out.into_inner().unwrap()).unwrap();
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains(r#""code":"EDEPRECATED""#));
    }
}
