use serde::Serialize;

/// Why a warning was raised: a closed set, so a front end can group, filter or translate
/// warnings without parsing their text. Serialised as npm's code (`EDEPRECATED`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum WarningCode {
    /// A placed version is deprecated on the registry.
    #[serde(rename = "EDEPRECATED")]
    Deprecated,
    /// A placed version's `engines.node` does not accept the running Node.
    #[serde(rename = "EBADENGINE")]
    BadEngine,
    /// A peer dependency conflict that was not fatal (deep in the tree, or `--force`).
    #[serde(rename = "ERESOLVE")]
    PeerConflict,
    /// An optional dependency could not be resolved, fetched or placed and was left out.
    #[serde(rename = "EOPTIONALSKIPPED")]
    OptionalSkipped,
    /// An optional dependency's install script failed; the install went on without it.
    #[serde(rename = "ELIFECYCLE")]
    OptionalScriptFailed,
    /// Another install holds this project's lock; this one waits for it to finish.
    #[serde(rename = "ELOCKED")]
    ProjectLocked,
    /// A dependency's install scripts were not run: npm 12's `allowScripts` does not list it.
    #[serde(rename = "ESCRIPTSNOTRUN")]
    ScriptsNotRun,
    /// A `workspaces` pattern of package.json matches no folder with a package.json.
    #[serde(rename = "EWORKSPACEEMPTY")]
    WorkspaceGlobEmpty,
    /// An `allowScripts` / `allow-scripts` entry npm 12 ignores: a semver range, a dist-tag,
    /// an alias or a key that does not parse.
    #[serde(rename = "EALLOWSCRIPTSENTRY")]
    AllowScriptsEntryIgnored,
    /// A project `.npmrc` setting that names a registry, proxy or credential through a
    /// `${VAR}` placeholder was ignored: the project must not send the environment's
    /// secrets to a host it chose.
    #[serde(rename = "ECONFIGIGNORED")]
    ConfigIgnored,
}

impl WarningCode {
    /// Every code, for front ends that list them and for tests.
    pub const ALL: [WarningCode; 10] = [
        WarningCode::Deprecated,
        WarningCode::BadEngine,
        WarningCode::PeerConflict,
        WarningCode::OptionalSkipped,
        WarningCode::OptionalScriptFailed,
        WarningCode::ProjectLocked,
        WarningCode::ScriptsNotRun,
        WarningCode::WorkspaceGlobEmpty,
        WarningCode::AllowScriptsEntryIgnored,
        WarningCode::ConfigIgnored,
    ];

    /// The code as npm spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::Deprecated => "EDEPRECATED",
            WarningCode::BadEngine => "EBADENGINE",
            WarningCode::PeerConflict => "ERESOLVE",
            WarningCode::OptionalSkipped => "EOPTIONALSKIPPED",
            WarningCode::OptionalScriptFailed => "ELIFECYCLE",
            WarningCode::ProjectLocked => "ELOCKED",
            WarningCode::ScriptsNotRun => "ESCRIPTSNOTRUN",
            WarningCode::WorkspaceGlobEmpty => "EWORKSPACEEMPTY",
            WarningCode::AllowScriptsEntryIgnored => "EALLOWSCRIPTSENTRY",
            WarningCode::ConfigIgnored => "ECONFIGIGNORED",
        }
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the user should read that did not stop the install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What kind of warning.
    pub code: WarningCode,
    /// The text, naming the package it is about.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_npm_code() {
        for code in WarningCode::ALL {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
    }
}
