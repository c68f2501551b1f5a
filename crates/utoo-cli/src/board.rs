//! What the live bars show, as a state machine fed with engine events: the bar reporter
//! draws it, tests read it without a terminal.

use indicatif::HumanBytes;
use utoo_events::{Event, Phase};

/// The phases in the order their bars stack.
const PHASES: [Phase; 4] = [Phase::Resolve, Phase::Fetch, Phase::Link, Phase::Scripts];

pub(crate) fn slot(phase: Phase) -> usize {
    PHASES.iter().position(|p| *p == phase).unwrap_or(0)
}

/// One phase's bar.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct PhaseView {
    pub done: u64,
    pub total: u64,
    /// Tarball bytes `(done, total)`, once a download reported any.
    pub bytes: Option<(u64, u64)>,
    /// What runs now (scripts: the package and script that last printed or finished).
    pub current: Option<String>,
    /// Set when the phase ended.
    pub elapsed_ms: Option<u64>,
}

/// What an event did to the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Started,
    Updated,
    Ended,
}

/// Every phase's view.
#[derive(Debug, Default)]
pub(crate) struct Board {
    views: [Option<PhaseView>; 4],
}

impl Board {
    /// Applies `event`; the phase whose bar changed and how, if one did.
    pub(crate) fn apply(&mut self, event: &Event) -> Option<(Phase, Change)> {
        let phase = event.phase()?;
        let view = &mut self.views[slot(phase)];
        if let Event::PhaseStart { .. } = event {
            *view = Some(PhaseView::default());
            return Some((phase, Change::Started));
        }
        let view = view.as_mut()?;
        match event {
            Event::Progress {
                done,
                total,
                package,
                ..
            } => {
                (view.done, view.total) = (*done, *total);
                if phase == Phase::Scripts {
                    view.current.clone_from(package);
                }
            }
            Event::Download {
                bytes_done,
                bytes_total,
            } => view.bytes = Some((*bytes_done, *bytes_total)),
            Event::ScriptOutput {
                package, script, ..
            } => view.current = Some(format!("{package} {script}")),
            Event::PhaseEnd { elapsed_ms, .. } => {
                view.elapsed_ms = Some(*elapsed_ms);
                return Some((phase, Change::Ended));
            }
            _ => return None,
        }
        Some((phase, Change::Updated))
    }

    pub(crate) fn view(&self, phase: Phase) -> Option<&PhaseView> {
        self.views[slot(phase)].as_ref()
    }
}

impl PhaseView {
    /// Ended having done nothing (no scripts to run, everything placed already): its bar
    /// goes instead of staying as a line.
    pub(crate) fn is_empty(&self) -> bool {
        self.done == 0 && self.bytes.is_none_or(|(done, _)| done == 0)
    }

    /// The bar's `(position, length)`: bytes for fetch once known, items otherwise.
    pub(crate) fn position(&self) -> (u64, u64) {
        self.bytes.unwrap_or((self.done, self.total))
    }

    /// The text beside the bar (live) or on the line it leaves (ended).
    pub(crate) fn message(&self, phase: Phase) -> String {
        let unit = if phase == Phase::Scripts {
            "scripts"
        } else {
            "packages"
        };
        if let Some(ms) = self.elapsed_ms {
            let mut text = format!("done in {ms}ms · {} {unit}", self.done);
            if let Some((bytes, _)) = self.bytes.filter(|(done, _)| *done > 0) {
                text.push_str(&format!(", {} downloaded", HumanBytes(bytes)));
            }
            return text;
        }
        let mut text = format!("{}/{} {unit}", self.done, self.total);
        if let Some((done, total)) = self.bytes {
            text.push_str(&format!(" · {} / {}", HumanBytes(done), HumanBytes(total)));
        }
        if let Some(current) = &self.current {
            text.push_str(&format!(" · {current}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(phase: Phase, done: u64, total: u64, package: &str) -> Event {
        Event::Progress {
            phase,
            done,
            total,
            package: Some(package.into()),
        }
    }

    fn message(board: &Board, phase: Phase) -> String {
        board.view(phase).unwrap().message(phase)
    }

    #[test]
    fn a_bar_per_phase_with_counts_bytes_and_the_current_script() {
        let mut board = Board::default();
        assert_eq!(
            board.apply(&Event::PhaseStart {
                phase: Phase::Fetch
            }),
            Some((Phase::Fetch, Change::Started))
        );
        board.apply(&progress(Phase::Fetch, 1, 3, "a@1"));
        board.apply(&Event::Download {
            bytes_done: 2048,
            bytes_total: 4096,
        });
        assert_eq!(
            message(&board, Phase::Fetch),
            "1/3 packages · 2.00 KiB / 4.00 KiB"
        );
        assert_eq!(board.view(Phase::Fetch).unwrap().position(), (2048, 4096));
        assert!(board.view(Phase::Link).is_none(), "not started, no bar");

        board.apply(&Event::PhaseStart {
            phase: Phase::Scripts,
        });
        board.apply(&Event::ScriptOutput {
            package: "b@1".into(),
            script: "postinstall".into(),
            line: "building".into(),
        });
        assert_eq!(
            message(&board, Phase::Scripts),
            "0/0 scripts · b@1 postinstall"
        );
        board.apply(&progress(Phase::Scripts, 1, 2, "b@1"));
        assert_eq!(message(&board, Phase::Scripts), "1/2 scripts · b@1");
    }

    #[test]
    fn an_ended_phase_says_when_and_what() {
        let mut board = Board::default();
        board.apply(&Event::PhaseStart {
            phase: Phase::Fetch,
        });
        board.apply(&progress(Phase::Fetch, 3, 3, "c@1"));
        board.apply(&Event::Download {
            bytes_done: 3 << 20,
            bytes_total: 3 << 20,
        });
        let end = Event::PhaseEnd {
            phase: Phase::Fetch,
            elapsed_ms: 120,
        };
        assert_eq!(board.apply(&end), Some((Phase::Fetch, Change::Ended)));
        assert_eq!(
            message(&board, Phase::Fetch),
            "done in 120ms · 3 packages, 3.00 MiB downloaded"
        );
        board.apply(&Event::PhaseStart {
            phase: Phase::Scripts,
        });
        board.apply(&Event::PhaseEnd {
            phase: Phase::Scripts,
            elapsed_ms: 1,
        });
        assert!(board.view(Phase::Scripts).unwrap().is_empty());
        assert!(!board.view(Phase::Fetch).unwrap().is_empty());
    }

    #[test]
    fn events_outside_a_bar_change_nothing() {
        let mut board = Board::default();
        assert_eq!(board.apply(&progress(Phase::Link, 1, 1, "a@1")), None);
        let warning = Event::Warning {
            code: utoo_events::WarningCode::Deprecated,
            message: "x".into(),
        };
        assert_eq!(board.apply(&warning), None);
    }
}
