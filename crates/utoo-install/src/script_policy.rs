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

/// One `allowScripts` key: a name, and optionally the exact versions it is pinned to.
struct Rule {
    name: String,
    /// `None`: every version (a bare name, `name@*`).
    versions: Option<Range>,
    allow: bool,
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
        // `@scope/name@1.2.3`: the version part follows the last `@` that is not the first
        // character.
        let split = key.rfind('@').filter(|i| *i > 0);
        let (name, version) = match split {
            Some(i) => (&key[..i], key[i + 1..].trim()),
            None => (key, ""),
        };
        if name.is_empty() {
            return Err(format!("ignoring unparseable entry \"{key}\""));
        }
        if version.is_empty() || version == "*" {
            return Ok(Rule {
                name: name.to_owned(),
                versions: None,
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
                name: name.to_owned(),
                versions: Some(range),
                allow,
            }),
            Ok(_) => Err(format!("ignoring \"{key}\": {RANGES_REFUSED}")),
            Err(_) => Err(format!(
                "ignoring \"{key}\": dist-tags and other specs are not allowed; use exact versions joined by \"||\", or the bare package name"
            )),
        }
    }

    fn matches(&self, name: &str, version: Option<&Version>) -> bool {
        if self.name != name {
            return false;
        }
        match (&self.versions, version) {
            (None, _) => true,
            (Some(range), Some(v)) => range.satisfies(v),
            // No verifiable version (no registry `resolved`): a pinned deny still blocks, a
            // pinned allow is refused (npm fails closed).
            (Some(_), None) => !self.allow,
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
        let version = trusted_version(entry, name);
        let matching = || {
            self.rules
                .iter()
                .filter(|r| r.matches(name, version.as_ref()))
        };
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
        let git = entry("g", Some("git+ssh://host/g.git#abc"));
        let deny = policy(&[("g@1.0.0", false)], false);
        assert_eq!(deny.verdict("node_modules/g", &git), Verdict::Denied);
    }

    #[test]
    fn pins_need_a_registry_tarball_and_scopes_split_right() {
        let git = entry("g", Some("git+ssh://host/g.git#abc"));
        let pinned = policy(&[("g@1.0.0", true)], false);
        assert_eq!(pinned.verdict("node_modules/g", &git), Verdict::Unreviewed);
        assert_eq!(
            policy(&[("g", true)], false).verdict("node_modules/g", &git),
            Verdict::Allowed
        );
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
