use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use utoo_events::{Event, Phase, Reporter};

/// A progress event as the `onProgress` callback receives it: switch on `type`; each kind
/// carries exactly its own fields. `phase` is the stage (they overlap).
/// - `phaseStart`, `phaseEnd` (`elapsedMs`): a stage began / ended.
/// - `progress`: `done` of `total` items (`total` may grow while resolving); `package` is the
///   `name@version` just finished. At most one per stage every 50 ms; the last
///   (`done === total`) always arrives.
/// - `download`: tarball bytes of the fetch stage, `bytesDone` of `bytesTotal` (the total
///   grows as downloads start; a cache hit counts in neither). At most one every 50 ms; the
///   last, with the final sums, arrives before fetch's `phaseEnd`.
/// - `warning`: `code` (`EDEPRECATED`, `ESCRIPTSNOTRUN`, ...) and `message`; the install goes on.
/// - `scriptOutput`: one `line` of a lifecycle `script` of `package`, as it is printed.
/// - `stalled`: nothing happened for `idleMs` (`stalledAfterMs`, default 10 s), repeated while
///   the silence lasts; `phase` is the stage of the last event.
/// - `done`: the last event of a successful run, just before the promise resolves.
#[napi(discriminant = "type", discriminant_case = "camelCase")]
pub enum ProgressEvent {
    // A stage started (stages overlap: downloads run while linking has begun).
    PhaseStart {
        #[napi(ts_type = "'resolve' | 'fetch' | 'link' | 'scripts'")]
        phase: String,
    },
    // `done` of `total` items of a stage (`total` may still grow while resolving). At most
    // one per stage every 50 ms; the last (`done === total`) always arrives.
    Progress {
        #[napi(ts_type = "'resolve' | 'fetch' | 'link' | 'scripts'")]
        phase: String,
        done: f64,
        total: f64,
        // `name@version` of the item that just finished.
        package: Option<String>,
    },
    // Tarball bytes of the fetch stage: `bytesDone` of the `bytesTotal` announced so far.
    Download {
        bytes_done: f64,
        bytes_total: f64,
    },
    // A stage finished.
    PhaseEnd {
        #[napi(ts_type = "'resolve' | 'fetch' | 'link' | 'scripts'")]
        phase: String,
        elapsed_ms: f64,
    },
    // Something to read that does not stop the install (`EDEPRECATED`, `ESCRIPTSNOTRUN`, ...).
    Warning {
        code: String,
        message: String,
    },
    // One line a lifecycle script printed, as it printed it.
    ScriptOutput {
        // `name@version` of the package (or the project) running it.
        package: String,
        // The lifecycle event (`postinstall`, ...).
        script: String,
        line: String,
    },
    // Nothing has happened for `idleMs` (`stalledAfterMs`, default 10 s); repeated while
    // the silence lasts.
    Stalled {
        idle_ms: f64,
        // The stage of the last event, if it had one.
        #[napi(ts_type = "'resolve' | 'fetch' | 'link' | 'scripts'")]
        phase: Option<String>,
    },
    // The last event of a successful run, just before the promise resolves.
    Done {
        packages: u32,
        added: u32,
        changed: u32,
        removed: u32,
        up_to_date: bool,
        total_ms: f64,
    },
}

/// The JS callback: weak (it never keeps Node alive), called without blocking.
pub(crate) type ProgressCallback =
    ThreadsafeFunction<ProgressEvent, (), ProgressEvent, Status, false, true>;

/// `progress` events of a phase closer together than this are dropped (the last of a
/// phase, `done == total`, always goes through): JS sees a smooth stream, not thousands.
const MIN_INTERVAL: Duration = Duration::from_millis(50);

/// Past this many events queued to a callback that has not run them yet, intermediate
/// `progress` events are dropped: a slow callback gets fewer updates, the engine never waits.
const MAX_BACKLOG: usize = 2;

/// What a throttle slot counts: a phase's items, or the fetch stage's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Items(Phase),
    Bytes,
}

pub(crate) struct JsReporter {
    callback: ProgressCallback,
    last: Mutex<Vec<(Stream, Instant)>>,
    /// The latest `download` the throttle held back, sent before fetch's `phaseEnd` so the
    /// final sums always arrive.
    held_bytes: Mutex<Option<ProgressEvent>>,
    /// Events handed to the JS thread and not yet delivered.
    backlog: Arc<AtomicUsize>,
}

impl JsReporter {
    pub(crate) fn new(callback: ProgressCallback) -> JsReporter {
        JsReporter {
            callback,
            last: Mutex::new(Vec::new()),
            held_bytes: Mutex::new(None),
            backlog: Arc::default(),
        }
    }

    fn throttled(&self, stream: Stream) -> bool {
        if self.backlog.load(Ordering::Relaxed) > MAX_BACKLOG {
            return true;
        }
        let Ok(mut last) = self.last.lock() else {
            return true;
        };
        let now = Instant::now();
        match last.iter_mut().find(|(s, _)| *s == stream) {
            Some((_, at)) if now.duration_since(*at) < MIN_INTERVAL => true,
            Some((_, at)) => {
                *at = now;
                false
            }
            None => {
                last.push((stream, now));
                false
            }
        }
    }

    /// Queues one call. Non-blocking: a busy event loop never stalls the engine. With a
    /// return-value handler, an exception the callback throws is handed to that handler
    /// (which drops it) instead of becoming an uncaught exception that ends the process.
    pub(crate) fn send(&self, event: ProgressEvent) {
        let backlog = self.backlog.clone();
        backlog.fetch_add(1, Ordering::Relaxed);
        let status = self.callback.call_with_return_value(
            event,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |_returned: Result<()>, _env| {
                backlog.fetch_sub(1, Ordering::Relaxed);
                Ok(())
            },
        );
        if status != Status::Ok {
            self.backlog.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Reporter for JsReporter {
    fn on_event(&self, event: &Event) {
        match event {
            // The last of a phase (`done == total`) always goes through.
            Event::Progress {
                phase, done, total, ..
            } if done < total && self.throttled(Stream::Items(*phase)) => return,
            Event::Download { .. } => {
                let throttled = self.throttled(Stream::Bytes);
                if let Ok(mut held) = self.held_bytes.lock() {
                    // A newer count replaces the one held; one sent makes it moot.
                    *held = throttled.then(|| convert(event));
                }
                if throttled {
                    return;
                }
            }
            Event::PhaseEnd {
                phase: Phase::Fetch,
                ..
            } => {
                if let Some(held) = self.held_bytes.lock().ok().and_then(|mut h| h.take()) {
                    self.send(held);
                }
            }
            _ => {}
        }
        self.send(convert(event));
    }
}

fn phase_name(phase: Phase) -> String {
    phase.as_str().to_owned()
}

fn convert(event: &Event) -> ProgressEvent {
    match event {
        Event::PhaseStart { phase } => ProgressEvent::PhaseStart {
            phase: phase_name(*phase),
        },
        Event::Progress {
            phase,
            done,
            total,
            package,
        } => ProgressEvent::Progress {
            phase: phase_name(*phase),
            done: *done as f64,
            total: *total as f64,
            package: package.clone(),
        },
        Event::Download {
            bytes_done,
            bytes_total,
        } => ProgressEvent::Download {
            bytes_done: *bytes_done as f64,
            bytes_total: *bytes_total as f64,
        },
        Event::PhaseEnd { phase, elapsed_ms } => ProgressEvent::PhaseEnd {
            phase: phase_name(*phase),
            elapsed_ms: *elapsed_ms as f64,
        },
        Event::Warning { code, message } => ProgressEvent::Warning {
            code: code.as_str().to_owned(),
            message: message.clone(),
        },
        Event::ScriptOutput {
            package,
            script,
            line,
        } => ProgressEvent::ScriptOutput {
            package: package.clone(),
            script: script.clone(),
            line: line.clone(),
        },
        Event::Stalled { idle_ms, phase } => ProgressEvent::Stalled {
            idle_ms: *idle_ms as f64,
            phase: phase.map(phase_name),
        },
    }
}

fn n(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl ProgressEvent {
    /// The closing event of a successful run.
    pub(crate) fn done(summary: &utoo_install::InstallSummary) -> ProgressEvent {
        ProgressEvent::Done {
            packages: n(summary.packages),
            added: n(summary.added),
            changed: n(summary.changed),
            removed: n(summary.removed),
            up_to_date: summary.up_to_date,
            total_ms: summary.timings.total_ms as f64,
        }
    }
}
