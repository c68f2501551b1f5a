use nodejs_semver::Range;
use utoo_events::ErrorCode;

/// What a dependency's spec string asks for (npm-package-arg's types).
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    /// A registry package: `^1.2.0`, `1.x`, `latest`, `npm:real@^2` (then `name` is `real`).
    Registry {
        /// The package to fetch: the dependency's name, or an alias's target.
        name: String,
        /// Which versions will do.
        req: VersionReq,
    },
    /// `file:`, `link:`, git, remote tarball and `workspace:` specs, not installed yet.
    Unsupported {
        /// `file`, `link`, `workspace`, `git` or `remote`, for the error message.
        kind: &'static str,
    },
}

/// A registry spec is either a semver range or a dist-tag.
#[derive(Debug, Clone, PartialEq)]
pub enum VersionReq {
    /// npm's range grammar; an empty spec is `*`.
    Range(Range),
    /// Anything that does not parse as a range names a dist-tag.
    Tag(String),
}

/// A dependency spec that cannot be understood at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    /// The spec is malformed.
    #[error("invalid dependency spec `{spec}` for `{name}`: {reason}")]
    Invalid {
        /// The dependency's name.
        name: String,
        /// The spec as written.
        spec: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl SpecError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidSpec
    }
}

impl Spec {
    /// Parses the spec `raw` given for the dependency named `name`.
    pub fn parse(name: &str, raw: &str) -> Result<Spec, SpecError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("npm:") {
            let (real, req) = split_name_and_req(rest);
            if real.is_empty() {
                return Err(SpecError::Invalid {
                    name: name.into(),
                    spec: raw.into(),
                    reason: "an alias needs a package name after `npm:`",
                });
            }
            return Ok(Spec::Registry {
                name: real.into(),
                req: VersionReq::parse(req),
            });
        }
        if let Some(kind) = unsupported_kind(raw) {
            return Ok(Spec::Unsupported { kind });
        }
        Ok(Spec::Registry {
            name: name.into(),
            req: VersionReq::parse(raw),
        })
    }
}

impl VersionReq {
    /// A range when `raw` parses as one, else a dist-tag.
    pub fn parse(raw: &str) -> VersionReq {
        let raw = raw.trim();
        if raw.is_empty() {
            return VersionReq::Range(Range::any());
        }
        match Range::parse(raw) {
            Ok(range) => VersionReq::Range(range),
            Err(_) => VersionReq::Tag(raw.to_owned()),
        }
    }
}

/// `name@req` with a scoped name's leading `@` kept.
fn split_name_and_req(s: &str) -> (&str, &str) {
    let search_from = usize::from(s.starts_with('@'));
    match s[search_from..].find('@') {
        Some(i) => (&s[..search_from + i], &s[search_from + i + 1..]),
        None => (s, ""),
    }
}

fn unsupported_kind(raw: &str) -> Option<&'static str> {
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("file:")
        || raw.starts_with("./")
        || raw.starts_with("../")
        || raw.starts_with('/')
        || raw.starts_with("~/")
    {
        Some("file")
    } else if lower.starts_with("link:") {
        Some("link")
    } else if lower.starts_with("workspace:") {
        Some("workspace")
    } else if lower.starts_with("git")
        || lower.starts_with("github:")
        || lower.starts_with("gitlab:")
        || lower.starts_with("bitbucket:")
        || lower.starts_with("gist:")
    {
        Some("git")
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        Some("remote")
    } else if is_github_shorthand(raw) {
        Some("git")
    } else {
        None
    }
}

// `user/repo` or `user/repo#ref`: npm treats these as GitHub.
fn is_github_shorthand(raw: &str) -> bool {
    let base = raw.split('#').next().unwrap_or("");
    let mut parts = base.split('/');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
        if !a.is_empty() && !b.is_empty() && !a.starts_with('@') && !a.contains(' ') && !a.contains(':'))
}

/// The registry path of a package name: `@scope/name` is sent as `@scope%2fname`.
pub fn registry_name(name: &str) -> String {
    name.replacen('/', "%2f", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodejs_semver::Version;

    fn range(name: &str, raw: &str) -> Range {
        match Spec::parse(name, raw).unwrap() {
            Spec::Registry {
                req: VersionReq::Range(r),
                ..
            } => r,
            other => panic!("not a range: {other:?}"),
        }
    }

    fn sat(raw: &str, v: &str) -> bool {
        range("x", raw).satisfies(&Version::parse(v).unwrap())
    }

    #[test]
    fn npm_range_grammar() {
        assert!(sat("^1.2.0", "1.9.9"));
        assert!(!sat("^1.2.0", "2.0.0"));
        assert!(sat("~1.2.0", "1.2.9"));
        assert!(!sat("~1.2.0", "1.3.0"));
        assert!(sat("1.x", "1.4.0"));
        assert!(sat("1.2.3 - 2.3", "2.3.9"));
        assert!(!sat("1.2.3 - 2.3", "2.4.0"));
        assert!(sat("<1 || >=3", "3.1.0"));
        assert!(!sat("<1 || >=3", "2.0.0"));
        assert!(sat(">=1.0.0 <2", "1.5.0"));
        assert!(sat("", "7.0.0"));
        assert!(sat("*", "7.0.0"));
        // A prerelease only matches a range naming a prerelease on the same tuple.
        assert!(!sat("^1.0.0", "1.1.0-beta.1"));
        assert!(sat("^1.1.0-beta.0", "1.1.0-beta.1"));
        assert!(!sat("^1.1.0-beta.0", "1.2.0-beta.1"));
    }

    #[test]
    fn tags_aliases_and_other_kinds() {
        assert_eq!(
            Spec::parse("react", "next").unwrap(),
            Spec::Registry {
                name: "react".into(),
                req: VersionReq::Tag("next".into())
            }
        );
        match Spec::parse("foo", "npm:@scope/bar@^2").unwrap() {
            Spec::Registry { name, req } => {
                assert_eq!(name, "@scope/bar");
                assert!(matches!(req, VersionReq::Range(_)));
            }
            other @ Spec::Unsupported { .. } => panic!("{other:?}"),
        }
        assert_eq!(
            Spec::parse("foo", "github:a/b").unwrap(),
            Spec::Unsupported { kind: "git" }
        );
        assert_eq!(
            Spec::parse("foo", "a/b#main").unwrap(),
            Spec::Unsupported { kind: "git" }
        );
        assert_eq!(
            Spec::parse("foo", "file:../x").unwrap(),
            Spec::Unsupported { kind: "file" }
        );
        assert!(Spec::parse("foo", "npm:").is_err());
        assert_eq!(registry_name("@a/b"), "@a%2fb");
    }
}
