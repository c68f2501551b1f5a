use serde::Serialize;

use crate::WarningCode;

/// A stage of an install. Stages overlap (downloads run while linking has begun), so a
/// front end shows them as counters, not as a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Building the tree: from the lockfile, or by resolution against the registry.
    Resolve,
    /// Downloading tarballs into the cache (and extracting them).
    Fetch,
    /// Placing packages into `node_modules`.
    Link,
    /// Lifecycle scripts of dependencies and of the project.
    Scripts,
}

impl Phase {
    /// The lower-case name events serialise with (`resolve`, `fetch`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Resolve => "resolve",
            Phase::Fetch => "fetch",
            Phase::Link => "link",
            Phase::Scripts => "scripts",
        }
    }
}

/// One thing the engine tells its listeners. Serialised with a `type` tag so the JS callback
/// and `--reporter=ndjson` share one shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// A stage started (it may run alongside others).
    #[serde(rename_all = "camelCase")]
    PhaseStart {
        /// The stage.
        phase: Phase,
    },
    /// Work of a stage advanced: `done` of `total` items (total may still grow while resolving).
    #[serde(rename_all = "camelCase")]
    Progress {
        /// The stage.
        phase: Phase,
        /// Items finished so far.
        done: u64,
        /// Items known so far.
        total: u64,
        /// The package that just finished, `name@version`.
        package: Option<String>,
    },
    /// A stage finished.
    #[serde(rename_all = "camelCase")]
    PhaseEnd {
        /// The stage.
        phase: Phase,
        /// Wall time since its start.
        elapsed_ms: u64,
    },
    /// Something the user should read but that does not stop the install.
    #[serde(rename_all = "camelCase")]
    Warning {
        /// The stable code (`EDEPRECATED`, ...).
        code: WarningCode,
        /// What happened, for a person.
        message: String,
    },
    /// A line printed by a lifecycle script.
    #[serde(rename_all = "camelCase")]
    ScriptOutput {
        /// `name@version` of the package (or the project) running it.
        package: String,
        /// The lifecycle event (`postinstall`, ...).
        script: String,
        /// One line of its output, without the line break.
        line: String,
    },
    /// Nothing has happened for `idle_ms` (a hung registry, a script that prints nothing);
    /// repeated while the silence lasts. Emitted by [`StallWatch`](crate::StallWatch).
    #[serde(rename_all = "camelCase")]
    Stalled {
        /// Milliseconds since the last event.
        idle_ms: u64,
        /// The stage of the last event, if it had one.
        phase: Option<Phase>,
    },
}

impl Event {
    /// The stage the event belongs to; warnings belong to none.
    pub fn phase(&self) -> Option<Phase> {
        match self {
            Event::PhaseStart { phase }
            | Event::Progress { phase, .. }
            | Event::PhaseEnd { phase, .. } => Some(*phase),
            Event::ScriptOutput { .. } => Some(Phase::Scripts),
            Event::Stalled { phase, .. } => *phase,
            Event::Warning { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_type_tag_and_camel_case() {
        let event = Event::PhaseEnd {
            phase: Phase::Fetch,
            elapsed_ms: 12,
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"type":"phaseEnd","phase":"fetch","elapsedMs":12}"#
        );
    }
}
