use std::sync::Mutex;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use utoo_events::{Event, Phase, Reporter};

/// A progress event as the `onProgress` callback receives it.
#[napi(object)]
#[derive(Clone)]
pub struct ProgressEvent {
    /// `phaseStart`, `progress`, `phaseEnd`, `warning` or `scriptOutput`.
    #[napi(js_name = "type")]
    pub kind: String,
    /// `resolve`, `fetch`, `link` or `scripts`.
    pub phase: Option<String>,
    pub done: Option<f64>,
    pub total: Option<f64>,
    /// `name@version` the event is about.
    pub package: Option<String>,
    pub elapsed_ms: Option<f64>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub script: Option<String>,
    pub line: Option<String>,
}

/// The JS callback: weak (it never keeps Node alive), called without blocking.
pub(crate) type ProgressCallback =
    ThreadsafeFunction<ProgressEvent, (), ProgressEvent, Status, false, true>;

/// `progress` events of a phase closer together than this are dropped (the last of a
/// phase, `done == total`, always goes through): JS sees a smooth stream, not thousands.
const MIN_INTERVAL: Duration = Duration::from_millis(50);

pub(crate) struct JsReporter {
    callback: ProgressCallback,
    last: Mutex<Vec<(Phase, Instant)>>,
}

impl JsReporter {
    pub(crate) fn new(callback: ProgressCallback) -> JsReporter {
        JsReporter {
            callback,
            last: Mutex::new(Vec::new()),
        }
    }

    fn throttled(&self, phase: Phase, done: u64, total: u64) -> bool {
        if done >= total {
            return false;
        }
        let Ok(mut last) = self.last.lock() else {
            return true;
        };
        let now = Instant::now();
        match last.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, at)) if now.duration_since(*at) < MIN_INTERVAL => true,
            Some((_, at)) => {
                *at = now;
                false
            }
            None => {
                last.push((phase, now));
                false
            }
        }
    }
}

impl Reporter for JsReporter {
    fn on_event(&self, event: &Event) {
        if let Event::Progress {
            phase, done, total, ..
        } = event
        {
            if self.throttled(*phase, *done, *total) {
                return;
            }
        }
        let js = convert(event);
        // Non-blocking: a busy event loop must never stall the engine.
        self.callback
            .call(js, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

fn convert(event: &Event) -> ProgressEvent {
    let mut e = ProgressEvent {
        kind: String::new(),
        phase: event.phase().map(|p| p.as_str().to_owned()),
        done: None,
        total: None,
        package: None,
        elapsed_ms: None,
        code: None,
        message: None,
        script: None,
        line: None,
    };
    match event {
        Event::PhaseStart { .. } => e.kind = "phaseStart".into(),
        Event::Progress {
            done,
            total,
            package,
            ..
        } => {
            e.kind = "progress".into();
            e.done = Some(*done as f64);
            e.total = Some(*total as f64);
            e.package = package.clone();
        }
        Event::PhaseEnd { elapsed_ms, .. } => {
            e.kind = "phaseEnd".into();
            e.elapsed_ms = Some(*elapsed_ms as f64);
        }
        Event::Warning { code, message } => {
            e.kind = "warning".into();
            e.code = Some(code.as_str().to_owned());
            e.message = Some(message.clone());
        }
        Event::ScriptOutput {
            package,
            script,
            line,
        } => {
            e.kind = "scriptOutput".into();
            e.package = Some(package.clone());
            e.script = Some(script.clone());
            e.line = Some(line.clone());
        }
    }
    e
}
