use nodejs_semver::Range;

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

impl Spec {
    /// Parses the spec `raw` given for the dependency named `name`.
    pub fn parse(name: &str, raw: &str) -> Result<Spec, SpecError> {
        let raw = raw.trim();
        let invalid = |reason| SpecError::Invalid {
            name: name.into(),
            spec: raw.into(),
            reason,
        };
        // The name becomes a folder under node_modules: checked before anything else.
        check_name(name).map_err(invalid)?;
        if let Some(rest) = raw.strip_prefix("npm:") {
            let (real, req) = split_name_and_req(rest);
            if real.is_empty() {
                return Err(invalid("an alias needs a package name after `npm:`"));
            }
            check_name(real).map_err(|_| {
                invalid("the alias target after `npm:` is not a valid package name")
            })?;
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

/// Whether `name` is a package name npm would accept for an existing package (old packages
/// may have capitals), and so safe to use as a path: `name` or `@scope/name`, each part made
/// of URL-safe characters, not starting with `.` or `_`, never `.`/`..` or a separator.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("a package name cannot be empty");
    }
    if name.len() > 214 {
        return Err("a package name cannot be longer than 214 characters");
    }
    let parts: Vec<&str> = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, rest)) if !scope.is_empty() && !rest.is_empty() => vec![scope, rest],
            _ => return Err("a scoped package name is `@scope/name`"),
        },
        None => vec![name],
    };
    for part in parts {
        if part == "." || part == ".." || part.starts_with('.') || part.starts_with('_') {
            return Err("a package name cannot start with `.` or `_`");
        }
        // encodeURIComponent's unreserved set, as npm's validate-npm-package-name demands.
        let url_safe = |c: char| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c);
        if !part.chars().all(url_safe) {
            return Err("a package name can only contain URL-safe characters (no `/` besides a scope's, no `\\`, `%` or spaces)");
        }
    }
    if name.eq_ignore_ascii_case("node_modules") || name.eq_ignore_ascii_case("favicon.ico") {
        return Err("`node_modules` and `favicon.ico` are not package names");
    }
    Ok(())
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
    }

    #[test]
    fn names_that_would_leave_node_modules_are_rejected() {
        for evil in [
            "../evil",
            "..",
            ".",
            "a/b",
            "@scope/../x",
            "@scope/a/b",
            "@/x",
            "@scope/",
            "a\\b",
            "%2e%2e",
            "with space",
            ".hidden",
            "_under",
            "node_modules",
            "",
        ] {
            let err = Spec::parse(evil, "1.0.0").unwrap_err();
            assert!(err.to_string().contains("package name"), "{evil}: {err}");
        }
        for evil in ["npm:../x@1", "npm:@s/../x@1", "npm:a/b/c@1"] {
            assert!(Spec::parse("fine", evil).is_err(), "{evil}");
        }
        for good in [
            "react",
            "@types/node",
            "JSONStream",
            "lodash.merge",
            "@a/b-c_d.e",
            "x!",
        ] {
            assert!(Spec::parse(good, "^1").is_ok(), "{good}");
        }
        assert_eq!(registry_name("@a/b"), "@a%2fb");
    }
}
