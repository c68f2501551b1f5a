//! A package.json's `workspaces` field: which folders under the root are members, by npm's
//! map-workspaces rules (globs on folder paths, `*` never crossing a `/`, later `!negations`
//! taking back what earlier patterns matched).

use globset::{Glob, GlobBuilder, GlobMatcher};
use serde_json::Value;
use utoo_events::ErrorCode;

/// The compiled `workspaces` patterns of a root package.json.
#[derive(Debug, Clone)]
pub struct WorkspacePatterns {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    raw: String,
    negated: bool,
    matcher: GlobMatcher,
}

/// A `workspaces` field npm would reject.
#[derive(Debug, thiserror::Error)]
pub enum WorkspacesError {
    /// Not an array of strings nor `{ "packages": [...] }`.
    #[error(
        "the `workspaces` field must be an array of folder globs or `{{ \"packages\": [...] }}`"
    )]
    Shape,
    /// A pattern is not a glob.
    #[error("the `workspaces` pattern `{pattern}` is not a valid glob")]
    Glob {
        /// The pattern as written.
        pattern: String,
        /// What the glob parser said.
        #[source]
        source: globset::Error,
    },
}

impl WorkspacesError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::Workspaces
    }
}

impl WorkspacePatterns {
    /// The patterns of a raw `workspaces` value; `None` when there are none.
    pub fn parse(field: Option<&Value>) -> Result<Option<WorkspacePatterns>, WorkspacesError> {
        let list = match field {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(Value::Object(map)) => match map.get("packages") {
                Some(Value::Array(items)) => items,
                None => return Ok(None),
                Some(_) => return Err(WorkspacesError::Shape),
            },
            Some(_) => return Err(WorkspacesError::Shape),
        };
        let mut rules = Vec::with_capacity(list.len());
        for item in list {
            let Value::String(raw) = item else {
                return Err(WorkspacesError::Shape);
            };
            let (negated, pattern) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, raw.as_str()),
            };
            let glob = GlobBuilder::new(&normalize(pattern))
                .literal_separator(true)
                .build()
                .map_err(|source| WorkspacesError::Glob {
                    pattern: raw.clone(),
                    source,
                })?;
            rules.push(Rule {
                raw: raw.clone(),
                negated,
                matcher: Glob::compile_matcher(&glob),
            });
        }
        if rules.is_empty() {
            return Ok(None);
        }
        Ok(Some(WorkspacePatterns { rules }))
    }

    /// Whether the folder `rel` (relative to the root, `/`-separated) is a member: the last
    /// pattern that matches it decides.
    pub fn matches(&self, rel: &str) -> bool {
        let mut member = false;
        for rule in &self.rules {
            if rule.matcher.is_match(rel) {
                member = !rule.negated;
            }
        }
        member
    }

    /// The positive patterns, as written, that match none of `folders` (npm says nothing
    /// about those; utoo warns, since it is almost always a typo).
    pub fn unmatched<'a>(&'a self, folders: &[String]) -> Vec<&'a str> {
        self.rules
            .iter()
            .filter(|r| !r.negated && !folders.iter().any(|f| r.matcher.is_match(f)))
            .map(|r| r.raw.as_str())
            .collect()
    }
}

// map-workspaces strips `./` and trailing slashes before globbing.
fn normalize(pattern: &str) -> String {
    let mut p = pattern.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patterns(v: &Value) -> WorkspacePatterns {
        WorkspacePatterns::parse(Some(v)).unwrap().unwrap()
    }

    #[test]
    fn globs_match_folders_and_negations_take_back() {
        let p = patterns(&json!([
            "packages/*",
            "!packages/skip",
            "./tools/cli/",
            "apps/**"
        ]));
        assert!(p.matches("packages/a"));
        assert!(!p.matches("packages/skip"));
        assert!(!p.matches("packages/a/b"));
        assert!(p.matches("tools/cli"));
        assert!(p.matches("apps/web/x"));
        assert!(!p.matches("other"));
        assert_eq!(
            p.unmatched(&["packages/a".into()]),
            ["./tools/cli/", "apps/**"]
        );
    }

    #[test]
    fn object_form_and_bad_shapes() {
        assert!(patterns(&json!({ "packages": ["a"], "nohoist": ["x"] })).matches("a"));
        assert!(WorkspacePatterns::parse(None).unwrap().is_none());
        assert!(WorkspacePatterns::parse(Some(&json!([])))
            .unwrap()
            .is_none());
        assert!(WorkspacePatterns::parse(Some(&json!("packages/*"))).is_err());
        assert!(WorkspacePatterns::parse(Some(&json!([1]))).is_err());
    }
}
