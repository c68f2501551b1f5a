use std::error::Error;
use std::fmt;

use serde::Serialize;

/// Writes the enum, its `ALL` list and both string tables from one list, so a code cannot
/// be added without its spelling and its meaning.
macro_rules! error_codes {
    ($($variant:ident => $code:literal, $meaning:literal;)+) => {
        /// Why an install failed, as a closed set of npm-style codes: `err.code` in JS, the
        /// `CODE` of the CLI's `error[CODE]`. Every engine error's `code()` returns one.
        ///
        /// It lives in utoo-events because that is the bottom crate (it depends on serde
        /// alone, and the warnings' codes are already here): every engine crate can name the
        /// code of its own errors, utoo-config and utoo-tarball included, which do not depend
        /// on utoo-manifest.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $(
                #[doc = $meaning]
                $variant,
            )+
        }

        impl ErrorCode {
            /// Every code, in the order the README's table lists them.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as npm spells it (`E404`, `ETARGET`, ...).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }

            /// What the code means, in one line (the README's table).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)+
                }
            }
        }
    };
}

error_codes! {
    NotFound => "E404", "The registry has no package of that name.";
    Target => "ETARGET", "No published version matches the range or dist-tag asked for.";
    Resolve => "ERESOLVE", "A peer dependency conflicts with the version the tree already holds.";
    UnsupportedProtocol => "EUNSUPPORTEDPROTOCOL", "A `link:` or `workspace:` spec (npm rejects both too; registry, `file:`, tarball-URL and git specs install).";
    InvalidSpec => "EINVALIDSPEC", "A dependency spec or a package argument cannot be parsed.";
    Override => "EOVERRIDE", "package.json `overrides` cannot be applied: an override of a direct dependency's spec, a `$name` reference to a missing dependency, or a key that names no package.";
    BadPlatform => "EBADPLATFORM", "A required package does not support this OS, CPU or libc.";
    BadEngine => "EBADENGINE", "With `engine-strict`, a required package's `engines.node` rules out this Node.";
    Integrity => "EINTEGRITY", "A tarball does not hash to its expected integrity, or the integrity is malformed.";
    Tarball => "ETARBALL", "A tarball is not a valid archive or has an entry outside its folder.";
    Network => "ENETWORK", "A registry request failed in transit (connection, TLS, timeout, a cut-off or stalled body) or still answered 429/5xx, after the retries.";
    Http => "EHTTP", "The registry answered with an error status that is not retried (a 4xx other than 401, 403, 404, 429).";
    Auth => "EAUTH", "The registry refused the request (HTTP 401 or 403).";
    NotCached => "ENOTCACHED", "Offline, and the cache does not hold what is needed.";
    CaFile => "ECAFILE", "A configured CA certificate file cannot be read.";
    Client => "ECLIENT", "The HTTP client could not be set up (TLS configuration).";
    Config => "ECONFIG", "npm's configuration cannot be read, or names no registry.";
    JsonParse => "EJSONPARSE", "package.json, package-lock.json or a registry document is not valid JSON.";
    NoPackageJson => "ENOPACKAGEJSON", "The project folder has no package.json.";
    NoLock => "ENOLOCK", "`utoo ci` found no package-lock.json.";
    LockOutOfSync => "ELOCKOUTOFSYNC", "package-lock.json does not satisfy package.json (`utoo ci`).";
    Io => "EIO", "Reading or writing a project or cache file failed.";
    Link => "ELINK", "Placing files into node_modules failed.";
    Lifecycle => "ELIFECYCLE", "A lifecycle script exited unsuccessfully or could not start.";
    Cancelled => "ECANCELLED", "The install was cancelled (Ctrl-C, or an aborted signal: JS sees an `AbortError` with code `ABORT_ERR`, Node's own).";
    Internal => "EINTERNAL", "A bug: part of the engine panicked, and the install stopped instead of the process.";
    LsProblems => "ELSPROBLEMS", "`utoo ls` found missing, invalid or extraneous packages (exit 1, as `npm ls`).";
    Workspaces => "EWORKSPACES", "The `workspaces` field is malformed, two members share a name, or a `-w` filter names no member.";
    AllowGit => "EALLOWGIT", "A git dependency, and `allow-git` is `none` (npm 12's default) or `root` for one the project does not declare itself.";
    Git => "EGIT", "A git dependency could not be fetched: `git` is missing or failed, no ref matches, or it needs a `prepare` script run (not yet supported).";
    NoMatch => "ENOMATCH", "`utoo why` or `approve-scripts`/`deny-scripts` names a package that is not installed.";
    AllowRemote => "EALLOWREMOTE", "A tarball-URL dependency, and `allow-remote` is `none` (npm 12's default) or `root` for one the project does not declare itself.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The messages of `error`'s sources, nearest first (not `error`'s own).
pub fn causes(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut messages = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        messages.push(cause.to_string());
        next = cause.source();
    }
    messages
}

/// `error` and its causes on one line (`a: b: c`), for warnings, which have no chain of
/// their own.
pub fn one_line(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    for cause in causes(error) {
        text.push_str(": ");
        text.push_str(&cause);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_npm_style_and_explained() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.starts_with('E')
                    && text[1..]
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "{text}"
            );
            assert!(
                code.meaning().ends_with('.') && !code.meaning().contains('|'),
                "{text}"
            );
            assert_eq!(serde_json::to_string(code).unwrap(), format!("\"{text}\""));
        }
    }

    #[test]
    fn one_line_joins_the_chain() {
        #[derive(Debug)]
        struct Get(std::io::Error);
        impl fmt::Display for Get {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("GET failed")
            }
        }
        impl Error for Get {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Get(std::io::Error::other("connection refused"));
        assert_eq!(causes(&error), ["connection refused"]);
        assert_eq!(one_line(&error), "GET failed: connection refused");
    }
}
