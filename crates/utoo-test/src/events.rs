use std::collections::BTreeMap;

use utoo_events::{Event, Phase};

/// Checks the order contract of one run's events, which every front end relies on to draw
/// its counters: each `PhaseStart` is followed by exactly one `PhaseEnd` of its phase (and
/// no second start before it), a phase's `Progress` comes only between the two, its `done`
/// never goes down and, at the last report, does not exceed `total` (which may grow while
/// resolving). `Download` bytes come inside fetch, never go down, and end at their total.
/// Returns the first breach.
pub fn check_phase_order(events: &[Event]) -> Result<(), String> {
    let mut open: BTreeMap<&'static str, Open> = BTreeMap::new();
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::PhaseStart { phase } => {
                let fresh = Open {
                    started: i,
                    last: None,
                    bytes: None,
                };
                if let Some(before) = open.insert(phase.as_str(), fresh) {
                    return Err(format!(
                        "event {i}: {phase:?} starts again, still open since event {}",
                        before.started
                    ));
                }
            }
            Event::PhaseEnd { phase, .. } => {
                let Some(ended) = open.remove(phase.as_str()) else {
                    return Err(format!("event {i}: {phase:?} ends but is not open"));
                };
                check_last(*phase, ended.last).map_err(|e| format!("event {i}: {e}"))?;
                check_bytes_at_end(ended.bytes).map_err(|e| format!("event {i}: {e}"))?;
            }
            Event::Progress {
                phase, done, total, ..
            } => {
                let Some(Open { last, .. }) = open.get_mut(phase.as_str()) else {
                    return Err(format!(
                        "event {i}: progress of {phase:?} outside its start and end"
                    ));
                };
                if let Some((before, _)) = *last {
                    if *done < before {
                        return Err(format!(
                            "event {i}: {phase:?} progress went back from {before} to {done}"
                        ));
                    }
                }
                *last = Some((*done, *total));
            }
            Event::Download {
                bytes_done,
                bytes_total,
            } => on_download(open.get_mut("fetch"), *bytes_done, *bytes_total)
                .map_err(|e| format!("event {i}: {e}"))?,
            Event::Warning { .. } | Event::ScriptOutput { .. } | Event::Stalled { .. } => {}
        }
    }
    match open.iter().next() {
        Some((phase, still)) => Err(format!(
            "phase `{phase}` started at event {} never ends",
            still.started
        )),
        None => Ok(()),
    }
}

/// A phase between its start and its end.
struct Open {
    /// The index of its `PhaseStart`.
    started: usize,
    /// The last `(done, total)` it reported.
    last: Option<(u64, u64)>,
    /// The fetch phase's last `(bytes_done, bytes_total)`.
    bytes: Option<(u64, u64)>,
}

/// Bytes come inside the fetch phase, never go down, never pass their total.
fn on_download(fetch: Option<&mut Open>, done: u64, total: u64) -> Result<(), String> {
    let Some(fetch) = fetch else {
        return Err("download bytes outside the fetch phase".into());
    };
    if let Some((before, _)) = fetch.bytes {
        if done < before {
            return Err(format!("bytes went back from {before} to {done}"));
        }
    }
    if done > total {
        return Err(format!("bytes done {done} above total {total}"));
    }
    fetch.bytes = Some((done, total));
    Ok(())
}

fn check_bytes_at_end(bytes: Option<(u64, u64)>) -> Result<(), String> {
    match bytes {
        Some((done, total)) if done != total => Err(format!(
            "fetch ends with {done} bytes of {total} downloaded"
        )),
        _ => Ok(()),
    }
}

fn check_last(phase: Phase, last: Option<(u64, u64)>) -> Result<(), String> {
    match last {
        Some((done, total)) if done > total => Err(format!(
            "{phase:?} ends with done {done} above total {total}"
        )),
        _ => Ok(()),
    }
}

/// [`check_phase_order`], panicking with the events on a breach.
pub fn assert_phase_order(events: &[Event]) {
    if let Err(breach) = check_phase_order(events) {
        let listing: Vec<String> = events
            .iter()
            .enumerate()
            .map(|(i, e)| format!("  {i}: {e:?}"))
            .collect();
        panic!("{breach}\nevents:\n{}", listing.join("\n"));
    }
}

/// The phases of `events` in the order they started.
pub fn phases_started(events: &[Event]) -> Vec<Phase> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PhaseStart { phase } => Some(*phase),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(phase: Phase) -> Event {
        Event::PhaseStart { phase }
    }
    fn end(phase: Phase) -> Event {
        Event::PhaseEnd {
            phase,
            elapsed_ms: 1,
        }
    }
    fn progress(phase: Phase, done: u64, total: u64) -> Event {
        Event::Progress {
            phase,
            done,
            total,
            package: None,
        }
    }

    fn bytes(bytes_done: u64, bytes_total: u64) -> Event {
        Event::Download {
            bytes_done,
            bytes_total,
        }
    }

    #[test]
    fn accepts_overlapping_well_formed_phases() {
        let events = [
            start(Phase::Resolve),
            progress(Phase::Resolve, 1, 1),
            progress(Phase::Resolve, 2, 3),
            progress(Phase::Resolve, 3, 3),
            end(Phase::Resolve),
            start(Phase::Fetch),
            start(Phase::Link),
            bytes(10, 30),
            progress(Phase::Fetch, 1, 2),
            progress(Phase::Link, 1, 2),
            bytes(30, 30),
            progress(Phase::Fetch, 2, 2),
            progress(Phase::Link, 2, 2),
            end(Phase::Fetch),
            end(Phase::Link),
        ];
        assert_eq!(check_phase_order(&events), Ok(()));
    }

    #[test]
    fn names_each_kind_of_breach() {
        let cases: [(&[Event], &str); 9] = [
            (&[start(Phase::Scripts)], "never ends"),
            (&[end(Phase::Link)], "is not open"),
            (&[start(Phase::Link), start(Phase::Link)], "starts again"),
            (&[progress(Phase::Fetch, 1, 1)], "outside its start and end"),
            (
                &[
                    start(Phase::Fetch),
                    progress(Phase::Fetch, 2, 2),
                    progress(Phase::Fetch, 1, 2),
                ],
                "went back",
            ),
            (
                &[
                    start(Phase::Fetch),
                    progress(Phase::Fetch, 3, 2),
                    end(Phase::Fetch),
                ],
                "above total",
            ),
            (&[bytes(1, 1)], "outside the fetch phase"),
            (
                &[start(Phase::Fetch), bytes(5, 9), bytes(4, 9)],
                "bytes went back",
            ),
            (
                &[start(Phase::Fetch), bytes(5, 9), end(Phase::Fetch)],
                "fetch ends with 5 bytes of 9",
            ),
        ];
        for (events, wanted) in cases {
            let err = check_phase_order(events).unwrap_err();
            assert!(err.contains(wanted), "{err} (wanted {wanted:?})");
        }
    }
}
