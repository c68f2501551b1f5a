use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::{Event, Phase, Reporter, Warning, WarningCode};

/// The engine's one handle on its listeners: it emits events, opens phases whose end cannot
/// be forgotten, and collects warnings so the summary and the event stream never disagree.
/// Cheap to clone; clones share one warning log.
#[derive(Clone)]
pub struct Events {
    reporter: Arc<dyn Reporter>,
    warnings: Arc<Mutex<WarningLog>>,
}

#[derive(Default)]
struct WarningLog {
    seen: HashSet<(WarningCode, String)>,
    list: Vec<Warning>,
}

impl Events {
    /// Events that go to `reporter`.
    pub fn new(reporter: Arc<dyn Reporter>) -> Events {
        Events {
            reporter,
            warnings: Arc::default(),
        }
    }

    /// Passes one event on.
    pub fn emit(&self, event: &Event) {
        self.reporter.on_event(event);
    }

    /// Starts `phase`; its [`Event::PhaseEnd`] is emitted when the guard is dropped, on
    /// success, error or cancellation alike.
    pub fn phase(&self, phase: Phase) -> PhaseGuard {
        self.emit(&Event::PhaseStart { phase });
        PhaseGuard {
            events: self.clone(),
            phase,
            started: Instant::now(),
        }
    }

    /// Records a warning and emits it, once per distinct code and message.
    pub fn warn(&self, code: WarningCode, message: impl Into<String>) {
        let message = message.into();
        let Ok(mut log) = self.warnings.lock() else {
            return;
        };
        if !log.seen.insert((code, message.clone())) {
            return;
        }
        log.list.push(Warning {
            code,
            message: message.clone(),
        });
        drop(log);
        self.emit(&Event::Warning { code, message });
    }

    /// The warnings recorded so far, in the order they were raised.
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings
            .lock()
            .map(|log| log.list.clone())
            .unwrap_or_default()
    }
}

/// An open phase; see [`Events::phase`].
#[must_use = "the phase ends when this guard is dropped"]
pub struct PhaseGuard {
    events: Events,
    phase: Phase,
    started: Instant,
}

impl PhaseGuard {
    /// Milliseconds since the phase started.
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Drop for PhaseGuard {
    fn drop(&mut self) {
        self.events.emit(&Event::PhaseEnd {
            phase: self.phase,
            elapsed_ms: self.elapsed_ms(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordingReporter;

    #[test]
    fn a_phase_ends_when_its_guard_drops_even_on_early_return() {
        let recorder = Arc::new(RecordingReporter::default());
        let events = Events::new(recorder.clone());
        let fails = || -> Result<(), ()> {
            let _phase = events.phase(Phase::Scripts);
            Err(())
        };
        assert!(fails().is_err());
        let got = recorder.events();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            Event::PhaseStart {
                phase: Phase::Scripts
            }
        );
        assert!(matches!(
            got[1],
            Event::PhaseEnd {
                phase: Phase::Scripts,
                ..
            }
        ));
    }

    #[test]
    fn warnings_are_emitted_and_recorded_once() {
        let recorder = Arc::new(RecordingReporter::default());
        let events = Events::new(recorder.clone());
        let clone = events.clone();
        events.warn(WarningCode::Deprecated, "a@1: old");
        clone.warn(WarningCode::Deprecated, "a@1: old");
        clone.warn(WarningCode::BadEngine, "a@1: old");
        let recorded = events.warnings();
        assert_eq!(recorded.len(), 2);
        let emitted: Vec<Event> = recorder.events();
        assert_eq!(emitted.len(), 2);
        for (w, e) in recorded.iter().zip(&emitted) {
            assert_eq!(
                *e,
                Event::Warning {
                    code: w.code,
                    message: w.message.clone()
                }
            );
        }
    }
}
