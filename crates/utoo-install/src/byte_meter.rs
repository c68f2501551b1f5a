//! The fetch stage's byte counts as [`Event::Download`]s.

use std::sync::Mutex;

use utoo_cache::DownloadObserver;
use utoo_events::{Event, Events};

/// Bytes between two events while bodies stream: a smooth display without one event per
/// network chunk.
const EMIT_EVERY: u64 = 64 * 1024;

/// Sums every download of a run and emits the sums: one event per [`EMIT_EVERY`] bytes and
/// one per finished tarball (so the last event holds the final sums). Events are emitted
/// under the lock, so listeners see the counts never go down.
pub(crate) struct ByteMeter {
    events: Events,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    done: u64,
    total: u64,
    emitted_at: u64,
}

impl ByteMeter {
    pub(crate) fn new(events: Events) -> ByteMeter {
        ByteMeter {
            events,
            state: Mutex::default(),
        }
    }

    fn update(&self, change: impl FnOnce(&mut State) -> bool) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if change(&mut state) {
            state.emitted_at = state.done;
            self.events.emit(&Event::Download {
                bytes_done: state.done,
                bytes_total: state.total.max(state.done),
            });
        }
    }
}

impl DownloadObserver for ByteMeter {
    fn expect(&self, bytes: u64) {
        self.update(|s| {
            s.total += bytes;
            false
        });
    }

    fn receive(&self, bytes: u64) {
        self.update(|s| {
            s.done += bytes;
            s.done - s.emitted_at >= EMIT_EVERY
        });
    }

    fn abandon(&self, bytes: u64) {
        self.update(|s| {
            s.total = s.total.saturating_sub(bytes);
            false
        });
    }

    fn finish(&self) {
        self.update(|_| true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use utoo_events::RecordingReporter;

    fn bytes(events: &[Event]) -> Vec<(u64, u64)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Download {
                    bytes_done,
                    bytes_total,
                } => Some((*bytes_done, *bytes_total)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn emits_per_finished_tarball_and_every_64k_and_ends_even() {
        let recorder = Arc::new(RecordingReporter::default());
        let meter = ByteMeter::new(Events::new(recorder.clone()));
        meter.expect(100);
        meter.expect(200_000);
        meter.receive(100);
        meter.finish();
        meter.receive(70_000);
        meter.receive(70_000);
        // A body cut off at 140,000 of 200,000, fetched again: 150,000 this time.
        meter.abandon(60_000);
        meter.expect(150_000);
        meter.receive(150_000);
        meter.finish();
        assert_eq!(
            bytes(&recorder.events()),
            [
                (100, 200_100),
                (70_100, 200_100),
                (140_100, 200_100),
                (290_100, 290_100),
                (290_100, 290_100)
            ]
        );
    }
}
