//! npm 12's install-script policy: a dependency's install scripts run only when the
//! project allows them (package.json `allowScripts`, the `allow-scripts` config list), a
//! `false` entry always wins, and `dangerously-allow-all-scripts` restores npm 11's
//! run-everything.

use std::collections::BTreeMap;

use nodejs_semver::{Range, Version};
use serde::Serialize;
use utoo_config::Settings;
use utoo_lockfile::LockEntry;

/// A dependency whose install scripts did not run because of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptsNotRun {
    /// `name@version`.
    pub package: String,
    /// The lifecycle events that were skipped (`preinstall`, `install`, `postinstall`).
    pub scripts: Vec<String>,
    /// `true`: denied by a `false` entry (npm skips those silently); `false`: not listed.
    pub denied: bool,
}

/// What the policy says of one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed,
    /// A `false` entry names it.
    Denied,
    /// Nothing allows or denies it.
    Unreviewed,
}

/// One `allowScripts` key: a registry name (optionally pinned to exact versions), or the
/// source of a git, tarball-URL or `file:` dependency.
struct Rule {
    target: Target,
    allow: bool,
}

enum Target {
    Registry {
        name: String,
        /// `None`: every version (a bare name, `name@*`).
        versions: Option<Range>,
    },
    /// A git repository (its `resolved` before `#`, as npm locks it), a tarball URL or a
    /// `file:` spec: matched against the lockfile's `resolved`, never by name.
    Source(String),
}

/// Where an installed package came from, as the policy tells them apart.
enum Origin<'a> {
    /// A registry tarball (`version`: from its URL; `None` without a `resolved`).
    Registry(Option<Version>),
    /// Anything else, by its `resolved` (git without `#<sha>`).
    Source(&'a str),
}

fn origin<'a>(entry: &'a LockEntry, name: &str) -> Origin<'a> {
    let Some(resolved) = entry.resolved.as_deref() else {
        return Origin::Registry(None);
    };
    if resolved.starts_with("git") {
        return Origin::Source(resolved.split('#').next().unwrap_or(resolved));
    }
    match trusted_version(entry, name) {
        Some(version) => Origin::Registry(Some(version)),
        None => Origin::Source(resolved),
    }
}

/// `name@version` → (`name`, `Some(version)`): the version part follows the last `@` that is
/// not the first character, so a scope's leading `@` is part of the name.
pub(crate) fn split_key(key: &str) -> (&str, Option<&str>) {
    let key = key.trim();
    match key.rfind('@').filter(|i| *i > 0) {
        Some(i) => (&key[..i], Some(key[i + 1..].trim())),
        None => (key, None),
    }
}

fn same_source(source: &str, resolved: &str) -> bool {
    source == resolved || source.strip_prefix("file:") == Some(resolved)
}

/// Whether policy key `key` names the package at `name` locked as `entry`, whatever the
/// key's version part (npm's `keyTargetsNode`): a registry key a registry package of that
/// name, a source key the package from that source.
pub(crate) fn key_targets(key: &str, entry: &LockEntry, name: &str) -> bool {
    match (source_key(key), origin(entry, name)) {
        (Some(source), Origin::Source(resolved)) => same_source(&source, resolved),
        (None, Origin::Registry(_)) => split_key(key).0 == name,
        _ => false,
    }
}

/// The source a key names, when it names one (`github:u/r`, `u/r`, a git or tarball URL,
/// `file:`); `None` for a registry key.
fn source_key(key: &str) -> Option<String> {
    let looks_like_source = key.contains("://")
        || ["git+", "github:", "gitlab:", "bitbucket:", "file:"]
            .iter()
            .any(|p| key.starts_with(p))
        || (key.contains('/') && !key.starts_with('@'));
    if !looks_like_source {
        return None;
    }
    match utoo_manifest::Spec::parse("allow-scripts-key", key).ok()? {
        utoo_manifest::Spec::Git(git) => Some(git.resolved_base),
        utoo_manifest::Spec::Remote { url } => Some(url),
        utoo_manifest::Spec::File { path } | utoo_manifest::Spec::Directory { path } => {
            Some(format!("file:{path}"))
        }
        _ => None,
    }
}

/// Why npm 12 ignores a key (it warns and drops it).
const RANGES_REFUSED: &str =
    "semver ranges (^, ~, >=, <) are not allowed; use exact versions joined by \"||\" instead";

impl Rule {
    /// The rule for `key`, or why npm 12 ignores it: only a bare name, `name@*`, or exact
    /// versions joined by `||` count (a range would allow versions nobody reviewed; a
    /// dist-tag cannot be checked; an alias names no real package).
    fn parse(key: &str, allow: bool) -> Result<Rule, String> {
        let key = key.trim();
        if let Some(source) = source_key(key) {
            return Ok(Rule {
                target: Target::Source(source),
                allow,
            });
        }
        let (name, version) = split_key(key);
        let version = version.unwrap_or_default();
        if name.is_empty() {
            return Err(format!("ignoring unparseable entry \"{key}\""));
        }
        if version.is_empty() || version == "*" {
            return Ok(Rule {
                target: Target::Registry {
                    name: name.to_owned(),
                    versions: None,
                },
                allow,
            });
        }
        if version.starts_with("npm:") {
            return Err(format!(
                "ignoring \"{key}\": an alias matches no package; name the real one"
            ));
        }
        let exact = version
            .split("||")
            .all(|part| Version::parse(part.trim()).is_ok());
        match Range::parse(version) {
            Ok(range) if exact => Ok(Rule {
                target: Target::Registry {
                    name: name.to_owned(),
                    versions: Some(range),
                },
                allow,
            }),
            Ok(_) => Err(format!("ignoring \"{key}\": {RANGES_REFUSED}")),
            Err(_) => Err(format!(
                "ignoring \"{key}\": dist-tags and other specs are not allowed; use exact versions joined by \"||\", or the bare package name"
            )),
        }
    }

    /// npm 12's matchRegistry / matchGit / matchRemote: a registry key only ever names a
    /// registry package (a git or tarball dependency of the same name does not count).
    fn matches(&self, name: &str, origin: &Origin<'_>) -> bool {
        match (&self.target, origin) {
            (Target::Registry { name: n, versions }, Origin::Registry(version)) => {
                n == name
                    && match (versions, version) {
                        (None, _) => true,
                        (Some(range), Some(v)) => range.satisfies(v),
                        // No verifiable version (no registry `resolved`): a pinned deny still
                        // blocks, a pinned allow is refused (npm fails closed).
                        (Some(_), None) => !self.allow,
                    }
            }
            (Target::Source(source), Origin::Source(resolved)) => same_source(source, resolved),
            _ => false,
        }
    }
}

/// The project's policy for this run.
pub(crate) struct ScriptPolicy {
    rules: Vec<Rule>,
    allow_all: bool,
    /// The entries npm 12 drops, with why.
    pub(crate) ignored: Vec<String>,
}

impl ScriptPolicy {
    /// package.json's `allowScripts`, or when it has none the `allow-scripts` config list:
    /// npm 12 takes the first layer that says anything, whole.
    pub(crate) fn new(allow_scripts: &BTreeMap<String, bool>, settings: &Settings) -> ScriptPolicy {
        ScriptPolicy::of(
            allow_scripts,
            &settings.allow_scripts,
            settings.dangerously_allow_all_scripts,
        )
    }

    fn of(
        allow_scripts: &BTreeMap<String, bool>,
        allowed: &[String],
        allow_all: bool,
    ) -> ScriptPolicy {
        let entries: Vec<(&str, bool)> = if allow_scripts.is_empty() {
            allowed.iter().map(|k| (k.as_str(), true)).collect()
        } else {
            allow_scripts
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect()
        };
        let mut rules = Vec::new();
        let mut ignored = Vec::new();
        for (key, allow) in entries {
            match Rule::parse(key, allow) {
                Ok(rule) => rules.push(rule),
                Err(why) => ignored.push(why),
            }
        }
        ScriptPolicy {
            rules,
            allow_all,
            ignored,
        }
    }

    /// The verdict for the package at `path`. Identity is the lockfile's: the real name
    /// (an alias is matched by what it points to) and, for pins, the version in the
    /// registry tarball URL, never the installed package.json's own claims.
    pub(crate) fn verdict(&self, path: &str, entry: &LockEntry) -> Verdict {
        if self.allow_all {
            return Verdict::Allowed;
        }
        let name = entry.package_name(path);
        let origin = origin(entry, name);
        let matching = || self.rules.iter().filter(|r| r.matches(name, &origin));
        if matching().any(|r| !r.allow) {
            Verdict::Denied
        } else if matching().any(|r| r.allow) {
            Verdict::Allowed
        } else {
            Verdict::Unreviewed
        }
    }
}

/// The version a policy pin is checked against: the one in the lockfile's registry tarball
/// URL, never the installed package.json's own claim.
pub(crate) fn trusted_version(entry: &LockEntry, name: &str) -> Option<Version> {
    let url = entry.resolved.as_deref()?;
    Version::parse(version_from_tarball(url, name)?).ok()
}

/// The version in a registry tarball URL, `.../name/-/name-1.2.3.tgz` (scoped:
/// `.../@s/name/-/name-1.2.3.tgz`). A git or remote URL has none, so such a package is
/// matched by name only, as npm matches it.
fn version_from_tarball<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let path = url.split(['?', '#']).next()?;
    let (dir, file) = path.rsplit_once('/')?;
    if !dir.ends_with("/-") {
        return None;
    }
    let unscoped = name.rsplit('/').next()?;
    file.strip_prefix(unscoped)?
        .strip_prefix('-')?
        .strip_suffix(".tgz")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, resolved: Option<&str>) -> LockEntry {
        LockEntry {
            name: Some(name.to_owned()),
            resolved: resolved.map(str::to_owned),
            ..LockEntry::default()
        }
    }

    fn policy(pairs: &[(&str, bool)], all: bool) -> ScriptPolicy {
        let map = pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        ScriptPolicy::of(&map, &[], all)
    }

    const SHARP: &str = "http://127.0.0.1:1/sharp/-/sharp-0.33.5.tgz";

    #[test]
    fn names_pins_and_denials() {
        let sharp = entry("sharp", Some(SHARP));
        let p = |pairs: &[(&str, bool)]| policy(pairs, false).verdict("node_modules/sharp", &sharp);
        assert_eq!(p(&[("sharp", true)]), Verdict::Allowed);
        assert_eq!(p(&[("sharp@0.33.5", true)]), Verdict::Allowed);
        // npm 12 refuses ranges (they would allow versions nobody reviewed) and tags.
        assert_eq!(p(&[("sharp@^0.33.0", true)]), Verdict::Unreviewed);
        assert_eq!(p(&[("sharp@latest", true)]), Verdict::Unreviewed);
        assert_eq!(p(&[("sharp@0.33.4 || 0.33.5", true)]), Verdict::Allowed);
        assert_eq!(p(&[("sharp@*", true)]), Verdict::Allowed);
        assert_eq!(p(&[("sharp@0.33.4", true)]), Verdict::Unreviewed);
        assert_eq!(p(&[("other", true)]), Verdict::Unreviewed);
        assert_eq!(
            p(&[("sharp@0.33.5", true), ("sharp", false)]),
            Verdict::Denied
        );
        assert_eq!(
            policy(&[("sharp", false)], true).verdict("node_modules/sharp", &sharp),
            Verdict::Allowed
        );
    }

    #[test]
    fn ignored_entries_say_why_and_package_json_outranks_the_config_list() {
        let map = [("a@^1".to_owned(), true), ("b@npm:c@1".to_owned(), true)]
            .into_iter()
            .collect();
        let policy = ScriptPolicy::of(&map, &["sharp".to_owned()], false);
        assert_eq!(policy.ignored.len(), 2, "{:?}", policy.ignored);
        assert!(policy.ignored[0].contains("semver ranges"));
        let sharp = entry("sharp", Some(SHARP));
        // package.json says something, so the config list is not read at all.
        assert_eq!(
            policy.verdict("node_modules/sharp", &sharp),
            Verdict::Unreviewed
        );
        let none = BTreeMap::new();
        let from_config = ScriptPolicy::of(&none, &["sharp".to_owned()], false);
        assert_eq!(
            from_config.verdict("node_modules/sharp", &sharp),
            Verdict::Allowed
        );
    }

    #[test]
    fn an_unverifiable_version_fails_closed() {
        // A registry package locked without `resolved` (omit-lockfile-registry-resolved).
        let bare = entry("g", None);
        let deny = policy(&[("g@1.0.0", false)], false);
        assert_eq!(deny.verdict("node_modules/g", &bare), Verdict::Denied);
        let allow = policy(&[("g@1.0.0", true)], false);
        assert_eq!(allow.verdict("node_modules/g", &bare), Verdict::Unreviewed);
    }

    #[test]
    fn git_and_tarball_dependencies_match_their_source_never_a_bare_name() {
        let git = entry("g", Some("git+ssh://git@github.com/u/g.git#0123abc"));
        let by_name = policy(&[("g", true)], false);
        assert_eq!(by_name.verdict("node_modules/g", &git), Verdict::Unreviewed);
        for key in ["github:u/g", "u/g", "git+https://github.com/u/g.git"] {
            let p = policy(&[(key, true)], false);
            assert_eq!(p.verdict("node_modules/g", &git), Verdict::Allowed, "{key}");
        }
        let url = "https://127.0.0.1:1/files/r.tgz";
        let remote = entry("r", Some(url));
        assert_eq!(
            policy(&[("r", true)], false).verdict("node_modules/r", &remote),
            Verdict::Unreviewed
        );
        assert_eq!(
            policy(&[(url, true)], false).verdict("node_modules/r", &remote),
            Verdict::Allowed
        );
    }

    #[test]
    fn pins_need_a_registry_tarball_and_scopes_split_right() {
        let git = entry("g", Some("git+ssh://host/g.git#abc"));
        let pinned = policy(&[("g@1.0.0", true)], false);
        assert_eq!(pinned.verdict("node_modules/g", &git), Verdict::Unreviewed);
        let scoped = entry("@s/x", Some("http://127.0.0.1:1/@s/x/-/x-2.0.0.tgz"));
        let p = policy(&[("@s/x@2.0.0", true)], false);
        assert_eq!(p.verdict("node_modules/@s/x", &scoped), Verdict::Allowed);
        assert_eq!(version_from_tarball(SHARP, "sharp"), Some("0.33.5"));
    }

    #[test]
    fn an_alias_is_matched_by_its_target() {
        let alias = entry("sharp", Some(SHARP));
        let path = "node_modules/my-sharp";
        assert_eq!(
            policy(&[("sharp@0.33.5", true)], false).verdict(path, &alias),
            Verdict::Allowed
        );
        assert_eq!(
            policy(&[("my-sharp", true)], false).verdict(path, &alias),
            Verdict::Unreviewed
        );
    }
}
