use serde::Serialize;

use crate::WarningCode;

/// A stage of an install. Stages overlap (downloads run while linking has begun), so a
/// front end shows them as counters, not as a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Resolve,
    Fetch,
    Link,
    Scripts,
}

impl Phase {
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
    PhaseStart { phase: Phase },
    /// Work of a stage advanced: `done` of `total` items (total may still grow while resolving).
    #[serde(rename_all = "camelCase")]
    Progress {
        phase: Phase,
        done: u64,
        total: u64,
        /// The package that just finished, `name@version`.
        package: Option<String>,
    },
    /// A stage finished.
    #[serde(rename_all = "camelCase")]
    PhaseEnd { phase: Phase, elapsed_ms: u64 },
    /// Something the user should read but that does not stop the install.
    #[serde(rename_all = "camelCase")]
    Warning { code: WarningCode, message: String },
    /// A line printed by a lifecycle script.
    #[serde(rename_all = "camelCase")]
    ScriptOutput {
        package: String,
        script: String,
        line: String,
    },
}

impl Event {
    pub fn phase(&self) -> Option<Phase> {
        match self {
            Event::PhaseStart { phase }
            | Event::Progress { phase, .. }
            | Event::PhaseEnd { phase, .. } => Some(*phase),
            Event::ScriptOutput { .. } => Some(Phase::Scripts),
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
