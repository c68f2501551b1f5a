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

/// One `allowScripts` key: a name, and optionally the versions it is pinned to.
struct Rule {
    name: String,
    range: Option<Range>,
    /// The key had a version part that is not a range: it matches no version.
    unparsable: bool,
    allow: bool,
}

impl Rule {
    fn parse(key: &str, allow: bool) -> Rule {
        let key = key.trim();
        // `@scope/name@1.2.3`: the version part follows the last `@` that is not the first
        // character.
        let split = key.rfind('@').filter(|i| *i > 0);
        let (name, version) = match split {
            Some(i) => (&key[..i], Some(key[i + 1..].trim())),
            None => (key, None),
        };
        let range = version.filter(|v| !v.is_empty()).map(Range::parse);
        Rule {
            name: name.to_owned(),
            unparsable: matches!(range, Some(Err(_))),
            range: range.and_then(Result::ok),
            allow,
        }
    }

    fn matches(&self, name: &str, version: Option<&Version>) -> bool {
        if self.name != name || self.unparsable {
            return false;
        }
        match (&self.range, version) {
            (None, _) => true,
            (Some(range), Some(v)) => range.satisfies(v),
            // No verifiable version (no registry `resolved`): npm never matches a pin.
            (Some(_), None) => false,
        }
    }
}

/// The project's policy for this run.
pub(crate) struct ScriptPolicy {
    rules: Vec<Rule>,
    allow_all: bool,
}

impl ScriptPolicy {
    /// package.json's `allowScripts` plus the `allow-scripts` config list.
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
        let mut rules: Vec<Rule> = allow_scripts
            .iter()
            .map(|(key, allow)| Rule::parse(key, *allow))
            .collect();
        rules.extend(allowed.iter().map(|k| Rule::parse(k, true)));
        ScriptPolicy { rules, allow_all }
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
        assert_eq!(p(&[("sharp@^0.33.0", true)]), Verdict::Allowed);
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
    fn pins_need_a_registry_tarball_and_scopes_split_right() {
        let git = entry("g", Some("git+ssh://host/g.git#abc"));
        let pinned = policy(&[("g@1.0.0", true)], false);
        assert_eq!(pinned.verdict("node_modules/g", &git), Verdict::Unreviewed);
        assert_eq!(
            policy(&[("g", true)], false).verdict("node_modules/g", &git),
            Verdict::Allowed
        );
        let scoped = entry("@s/x", Some("http://127.0.0.1:1/@s/x/-/x-2.0.0.tgz"));
        let p = policy(&[("@s/x@2", true)], false);
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
