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
    /// Tarball bytes of the fetch stage: `bytes_done` have arrived of `bytes_total`
    /// announced so far. The total grows as downloads start (each response's
    /// `Content-Length`; a body without one counts as it arrives) and ends equal to the
    /// bytes done. Cache hits download nothing and count in neither.
    #[serde(rename_all = "camelCase")]
    Download {
        /// Compressed bytes received.
        bytes_done: u64,
        /// Compressed bytes expected so far.
        bytes_total: u64,
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
            Event::Download { .. } => Some(Phase::Fetch),
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
        let bytes = Event::Download {
            bytes_done: 5,
            bytes_total: 9,
        };
        assert_eq!(
            serde_json::to_string(&bytes).unwrap(),
            r#"{"type":"download","bytesDone":5,"bytesTotal":9}"#
        );
    }
}
