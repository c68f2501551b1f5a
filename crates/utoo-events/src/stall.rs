//! A watchdog between the engine and a reporter: when no event has passed for a while, the
//! reporter is told the run is stalled (a registry that stopped answering, a script that
//! prints nothing), so a front end can say so instead of looking frozen.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::{Event, Phase, Reporter};

/// A [`Reporter`] that passes every event on and emits [`Event::Stalled`] after `after` of
/// silence, then again every `after` while it lasts. Its thread ends on [`stop`](Self::stop)
/// or when the watch is dropped.
pub struct StallWatch {
    inner: Arc<dyn Reporter>,
    state: Arc<(Mutex<State>, Condvar)>,
}

struct State {
    last: Instant,
    phase: Option<Phase>,
    stopped: bool,
}

impl StallWatch {
    /// Starts watching the events that go through the returned reporter to `inner`.
    pub fn start(inner: Arc<dyn Reporter>, after: Duration) -> Arc<StallWatch> {
        let state = Arc::new((
            Mutex::new(State {
                last: Instant::now(),
                phase: None,
                stopped: false,
            }),
            Condvar::new(),
        ));
        let watch = Arc::new(StallWatch {
            inner: inner.clone(),
            state: state.clone(),
        });
        // A thread, not a task: the watch must fire even when the runtime itself is stuck.
        let spawned = std::thread::Builder::new()
            .name("utoo-stall-watch".into())
            .spawn(move || watch_loop(&inner, &state, after.max(Duration::from_millis(1))));
        if let Err(e) = spawned {
            // No watchdog is better than no install.
            eprintln!("utoo: cannot start the stall watch: {e}");
        }
        watch
    }

    /// Ends the watch; no `stalled` event follows.
    pub fn stop(&self) {
        let (lock, wake) = &*self.state;
        if let Ok(mut state) = lock.lock() {
            state.stopped = true;
        }
        wake.notify_all();
    }
}

fn watch_loop(inner: &Arc<dyn Reporter>, state: &(Mutex<State>, Condvar), after: Duration) {
    let (lock, wake) = state;
    let Ok(mut guard) = lock.lock() else {
        return;
    };
    let mut reported = guard.last;
    loop {
        if guard.stopped {
            return;
        }
        // The next deadline: `after` past the last event, or past the last stall report.
        let since = guard.last.max(reported);
        let deadline = since + after;
        let now = Instant::now();
        if now < deadline {
            guard = match wake.wait_timeout(guard, deadline - now) {
                Ok((g, _)) => g,
                Err(_) => return,
            };
            continue;
        }
        let idle = now.saturating_duration_since(guard.last);
        let phase = guard.phase;
        reported = now;
        drop(guard);
        inner.on_event(&Event::Stalled {
            idle_ms: u64::try_from(idle.as_millis()).unwrap_or(u64::MAX),
            phase,
        });
        guard = match lock.lock() {
            Ok(g) => g,
            Err(_) => return,
        };
    }
}

impl Reporter for StallWatch {
    fn on_event(&self, event: &Event) {
        if let Ok(mut state) = self.state.0.lock() {
            state.last = Instant::now();
            if let Some(phase) = event.phase() {
                state.phase = Some(phase);
            }
        }
        self.inner.on_event(event);
    }
}

impl Drop for StallWatch {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordingReporter;

    fn stalls(recorder: &RecordingReporter) -> Vec<Event> {
        recorder
            .events()
            .into_iter()
            .filter(|e| matches!(e, Event::Stalled { .. }))
            .collect()
    }

    #[test]
    fn reports_silence_and_not_activity() {
        let recorder = Arc::new(RecordingReporter::default());
        let watch = StallWatch::start(recorder.clone(), Duration::from_millis(100));
        // Busy: an event every 20 ms for 300 ms, never 100 ms of silence.
        for _ in 0..15 {
            watch.on_event(&Event::PhaseStart {
                phase: Phase::Fetch,
            });
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(stalls(&recorder).is_empty(), "{:?}", recorder.events());
        std::thread::sleep(Duration::from_millis(350));
        let got = stalls(&recorder);
        assert!(!got.is_empty());
        let Event::Stalled { idle_ms, phase } = &got[0] else {
            unreachable!()
        };
        assert!(*idle_ms >= 100, "{idle_ms}");
        assert_eq!(*phase, Some(Phase::Fetch));
        watch.stop();
        let after_stop = stalls(&recorder).len();
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(stalls(&recorder).len(), after_stop);
    }
}
