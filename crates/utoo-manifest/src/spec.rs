use nodejs_semver::Range;
use utoo_events::ErrorCode;

use crate::git_spec::{parse_git, GitSpec};

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
    /// A local tarball: `file:` (or a bare path) ending in `.tgz`, `.tar.gz` or `.tar`
    /// (npm-package-arg's rule; any other path is a folder).
    File {
        /// The path as written after `file:`, relative to the folder of the package.json.
        path: String,
    },
    /// A tarball at an `http://` or `https://` URL.
    Remote {
        /// The URL as written.
        url: String,
    },
    /// A git repository at a commit, branch, tag or `semver:` range.
    Git(GitSpec),
    /// A folder on disk, linked into node_modules: `file:../lib`, or a bare path npm reads
    /// as one (`./lib`, `../lib`, `/abs/lib`, `~/lib`).
    Directory {
        /// The path as written, without `file:`; relative to the folder of the package.json
        /// that names it.
        path: String,
    },
    /// `link:` (which npm rejects too) and `workspace:` specs, not installed.
    Unsupported {
        /// `file`, `link` or `workspace`, for the error message.
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
        if let Some(spec) = non_registry(raw).map_err(invalid)? {
            return Ok(spec);
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

/// The spec when it is not a registry one, in npm-package-arg's order: paths, `link:` and
/// `workspace:`, git (hosted shortcuts, `user/repo`, git URLs), then http(s) tarballs.
fn non_registry(raw: &str) -> Result<Option<Spec>, &'static str> {
    let lower = raw.to_ascii_lowercase();
    let path = if lower.starts_with("file:") {
        Some(&raw[5..])
    } else if raw.starts_with("./")
        || raw.starts_with("../")
        || raw.starts_with('/')
        || raw.starts_with("~/")
    {
        Some(raw)
    } else {
        None
    };
    if let Some(path) = path {
        let is_tarball = [".tgz", ".tar.gz", ".tar"]
            .iter()
            .any(|ext| lower.ends_with(ext));
        return Ok(Some(if is_tarball {
            Spec::File { path: path.into() }
        } else {
            Spec::Directory { path: path.into() }
        }));
    }
    if lower.starts_with("link:") {
        return Ok(Some(Spec::Unsupported { kind: "link" }));
    }
    if lower.starts_with("workspace:") {
        return Ok(Some(Spec::Unsupported { kind: "workspace" }));
    }
    if let Some(git) = parse_git(raw)? {
        return Ok(Some(Spec::Git(git)));
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Some(Spec::Remote { url: raw.into() }));
    }
    Ok(None)
}

impl Spec {
    /// The kind's name in messages: `registry`, `file`, `remote`, `git`, or the unsupported
    /// kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Spec::Registry { .. } => "registry",
            Spec::File { .. } | Spec::Directory { .. } => "file",
            Spec::Remote { .. } => "remote",
            Spec::Git(_) => "git",
            Spec::Unsupported { kind } => kind,
        }
    }
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
            other => panic!("{other:?}"),
        }
        assert_eq!(Spec::parse("foo", "github:a/b").unwrap().kind(), "git");
        assert_eq!(Spec::parse("foo", "a/b#main").unwrap().kind(), "git");
        for (raw, path) in [
            ("file:../x", "../x"),
            ("file:packages/a", "packages/a"),
            ("./lib", "./lib"),
            ("../lib", "../lib"),
        ] {
            assert_eq!(
                Spec::parse("foo", raw).unwrap(),
                Spec::Directory { path: path.into() },
                "{raw}"
            );
        }
        assert_eq!(
            Spec::parse("foo", "file:../x-1.0.0.TGZ").unwrap(),
            Spec::File {
                path: "../x-1.0.0.TGZ".into()
            }
        );
        assert_eq!(
            Spec::parse("foo", "./x.tar.gz").unwrap(),
            Spec::File {
                path: "./x.tar.gz".into()
            }
        );
        assert_eq!(
            Spec::parse("foo", "http://127.0.0.1:9/x.tgz").unwrap(),
            Spec::Remote {
                url: "http://127.0.0.1:9/x.tgz".into()
            }
        );
        assert_eq!(Spec::parse("foo", "link:../x").unwrap().kind(), "link");
        assert!(Spec::parse("foo", "github:a/b#semver:???").is_err());
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
