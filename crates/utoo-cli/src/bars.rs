//! The live bars on a terminal: one per phase, stacked in phase order, each left as a
//! `done in` line when its phase ends (or cleared, when it did nothing).

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use utoo_events::{Event, Phase, Reporter};

use crate::board::{slot, Board, Change, PhaseView};

pub(crate) struct BarReporter {
    multi: MultiProgress,
    state: Mutex<State>,
    color: bool,
}

#[derive(Default)]
struct State {
    board: Board,
    bars: [Option<ProgressBar>; 4],
}

impl BarReporter {
    pub(crate) fn new(color: bool) -> BarReporter {
        BarReporter {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(12)),
            state: Mutex::default(),
            color,
        }
    }

    /// Clears the bars of phases that never ended (a failed or cancelled run).
    pub(crate) fn finish(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        for bar in state.bars.iter_mut().filter_map(Option::take) {
            if !bar.is_finished() {
                bar.finish_and_clear();
            }
        }
    }

    fn start(&self, state: &mut State, phase: Phase) {
        let bar = ProgressBar::new(0)
            .with_style(live_style(phase, self.color))
            .with_prefix(phase.as_str());
        // Below the bars of earlier phases; a phase run twice (the project's own scripts
        // after its dependencies') gets a new bar under the finished one.
        let bar = if state.bars[slot(phase)].is_some() {
            self.multi.add(bar)
        } else {
            let above = state.bars[..slot(phase)].iter().flatten().count();
            self.multi.insert(above, bar)
        };
        bar.enable_steady_tick(Duration::from_millis(200));
        state.bars[slot(phase)] = Some(bar);
    }

    fn draw(&self, bar: &ProgressBar, phase: Phase, view: &PhaseView, change: Change) {
        if change == Change::Ended {
            if view.is_empty() {
                bar.finish_and_clear();
            } else {
                bar.set_style(done_style(self.color));
                bar.finish_with_message(view.message(phase));
            }
            return;
        }
        let (position, length) = view.position();
        bar.set_length(length);
        bar.set_position(position);
        bar.set_message(view.message(phase));
    }
}

impl Reporter for BarReporter {
    fn on_event(&self, event: &Event) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let Some((phase, change)) = state.board.apply(event) else {
            return;
        };
        if change == Change::Started {
            self.start(&mut state, phase);
        }
        if let (Some(bar), Some(view)) = (&state.bars[slot(phase)], state.board.view(phase)) {
            self.draw(bar, phase, view, change);
        }
    }
}

/// `   fetch [=====>    ] 3/31 packages · 1.2 MiB / 4.0 MiB 2.1 MiB/s`: the rate only
/// where bytes are counted.
pub(crate) fn live_template(phase: Phase, color: bool) -> String {
    let (prefix, bar) = if color {
        ("{prefix:>8.cyan.bold}", "{bar:24.cyan/blue}")
    } else {
        ("{prefix:>8}", "{bar:24}")
    };
    let rate = if phase == Phase::Fetch {
        " {binary_bytes_per_sec}"
    } else {
        ""
    };
    format!("{prefix} [{bar}] {{msg}}{rate}")
}

fn live_style(phase: Phase, color: bool) -> ProgressStyle {
    ProgressStyle::with_template(&live_template(phase, color))
        .expect("static template parses")
        .progress_chars("=> ")
}

fn done_style(color: bool) -> ProgressStyle {
    let template = if color {
        "{prefix:>8.green.bold} {msg}"
    } else {
        "{prefix:>8} {msg}"
    };
    ProgressStyle::with_template(template).expect("static template parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_carry_color_only_when_asked() {
        for phase in [Phase::Resolve, Phase::Fetch, Phase::Link, Phase::Scripts] {
            for color in [true, false] {
                let _ = live_style(phase, color);
                let _ = done_style(color);
                let template = live_template(phase, color);
                assert_eq!(template.contains(".cyan"), color, "{template}");
                assert_eq!(
                    template.contains("bytes_per_sec"),
                    phase == Phase::Fetch,
                    "{template}"
                );
            }
        }
    }
}
