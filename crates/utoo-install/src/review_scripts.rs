//! npm 12's `approve-scripts` / `deny-scripts` / `install-scripts ls`: list the installed
//! dependencies whose install scripts the policy leaves unreviewed, and write
//! package.json's `allowScripts` the way npm's allow-scripts writer does, so a team can mix
//! npm and utoo on one project. Read from node_modules; never the network.

use std::collections::BTreeMap;

use nodejs_semver::{Range, Version};
use serde::Serialize;
use serde_json::{Map, Value};
use utoo_lockfile::LockEntry;
use utoo_scripts::lifecycle_scripts;

use crate::context::Context;
use crate::installed::Installed;
use crate::lock::ProjectLock;
use crate::project::Project;
use crate::script_policy::{key_targets, split_key, trusted_version, ScriptPolicy, Verdict};
use crate::{InstallError, InstallOptions};

/// What to do with the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewVerb {
    /// Write `true` entries.
    Approve,
    /// Write name-only `false` entries.
    Deny,
    /// Only list the unreviewed packages.
    List,
}

/// One `approve-scripts` / `deny-scripts` / `install-scripts ls` call.
#[derive(Debug, Clone)]
pub struct ScriptsReview {
    /// Approve, deny or list.
    pub verb: ReviewVerb,
    /// `name` or `name@range`: every installed copy that matches.
    pub names: Vec<String>,
    /// Every package with unreviewed install scripts instead of `names`.
    pub all: bool,
    /// Approvals pin the installed versions (`name@1.2.3`); `false`: name-only entries.
    pub pin: bool,
}

/// A package whose install scripts nothing allows or denies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingScripts {
    /// The trusted name (the registry package an alias points to).
    pub name: String,
    /// The version from the registry tarball URL, when there is one.
    pub version: Option<String>,
    /// Event → command, in run order.
    pub scripts: Vec<(String, String)>,
}

/// One edit of `allowScripts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    /// The `allowScripts` key.
    pub key: String,
    /// npm's words: `added`, `removed-stale`, `removed-pinned-allow`, `replaced-by-pin`,
    /// or `pending` in a listing.
    pub change: &'static str,
}

/// The edits made for one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageChanges {
    /// The package's policy key without a version.
    pub name: String,
    /// What changed, in order.
    pub changes: Vec<KeyChange>,
}

/// What a review found or did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReviewReport {
    /// The unreviewed packages (a listing; an approve/deny leaves it empty).
    pub pending: Vec<PendingScripts>,
    /// The edits, per package (also the listing in npm's `--json` shape).
    pub changes: Vec<PackageChanges>,
    /// Approvals an existing deny blocked, and the like, as npm words them.
    pub warnings: Vec<String>,
}

/// Runs `review` on the project in `options.cwd`.
pub async fn review_scripts(
    options: InstallOptions,
    review: ScriptsReview,
) -> Result<ReviewReport, InstallError> {
    let ctx = Context::new(options)?;
    let project = Project::load(&ctx.root)?;
    // Waits for a running install, but creates nothing: no node_modules, nothing to review.
    let _lock = ProjectLock::acquire_existing(&project, &ctx.events).await?;
    let manifest = &project.root_manifest();
    let installed = Installed::read(&ctx.root)?;
    let nodes = candidates(&installed);
    let policy = ScriptPolicy::new(&manifest.manifest.allow_scripts, ctx.settings());
    let pending: Vec<&Node<'_>> = nodes
        .iter()
        .filter(|n| !n.scripts.is_empty() && policy.verdict(n.path, n.entry) == Verdict::Unreviewed)
        .collect();
    let mut report = ReviewReport::default();
    if review.verb == ReviewVerb::List {
        report.pending = pending.iter().map(|n| n.pending()).collect();
        report.changes = group(pending.iter().copied())
            .into_iter()
            .map(|(name, nodes)| PackageChanges {
                name,
                changes: nodes
                    .iter()
                    .map(|n| KeyChange {
                        key: n.display(),
                        change: "pending",
                    })
                    .collect(),
            })
            .collect();
        return Ok(report);
    }
    let chosen: Vec<&Node<'_>> = if review.all {
        pending
    } else {
        matching(&nodes, &review.names)?
    };
    let path = ctx.root.join("package.json");
    let bad = |source| InstallError::BadPackageJson {
        path: path.clone(),
        source,
    };
    let mut doc: Map<String, Value> = serde_json::from_str(&manifest.text).map_err(bad)?;
    let existing = match doc.get("allowScripts") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    let mut policy_map = existing.clone();
    for (name, group) in group(chosen.into_iter()) {
        let (changes, warning) = match review.verb {
            ReviewVerb::Deny => deny(&mut policy_map, &name, &group),
            _ => approve(&mut policy_map, &name, &group, review.pin),
        };
        report.warnings.extend(warning);
        report.changes.push(PackageChanges { name, changes });
    }
    if policy_map != existing {
        doc.insert("allowScripts".into(), Value::Object(policy_map));
        let text = crate::edit::pretty_like(&manifest.text, &doc).map_err(bad)?;
        std::fs::write(&path, text).map_err(|e| InstallError::io(&path, e))?;
    }
    Ok(report)
}

/// An installed package the policy can speak of.
struct Node<'a> {
    path: &'a str,
    entry: &'a LockEntry,
    name: &'a str,
    version: Option<String>,
    scripts: Vec<(String, String)>,
}

impl Node<'_> {
    /// npm's name-only key: the trusted name, or the `file:` source itself.
    fn name_key(&self) -> String {
        match self.entry.resolved.as_deref() {
            Some(r) if r.starts_with("file:") => r.to_owned(),
            Some(r) if r.starts_with("git") => {
                hosted_shortcut(r).unwrap_or_else(|| self.name.to_owned())
            }
            _ => self.name.to_owned(),
        }
    }

    /// npm's pinned key, when the version is trusted (a registry tarball URL; for a hosted
    /// git dependency its shortcut and commit).
    fn versioned_key(&self) -> Option<String> {
        if let Some(resolved) = self
            .entry
            .resolved
            .as_deref()
            .filter(|r| r.starts_with("git"))
        {
            let (_, sha) = resolved.split_once('#')?;
            return Some(format!("{}#{sha}", hosted_shortcut(resolved)?));
        }
        self.version.as_ref().map(|v| format!("{}@{v}", self.name))
    }

    fn display(&self) -> String {
        self.versioned_key().unwrap_or_else(|| self.name.to_owned())
    }

    fn pending(&self) -> PendingScripts {
        PendingScripts {
            name: self.name.to_owned(),
            version: self.version.clone(),
            scripts: self.scripts.clone(),
        }
    }

    /// Whether policy key `key` names this package, whatever its version part.
    fn targeted_by(&self, key: &str) -> bool {
        key_targets(key, self.entry, self.name)
    }
}

/// `github:user/repo` for a hosted repository's locked `git+ssh://git@github.com/user/repo.git#…`
/// (hosted-git-info's shortcut, the key npm writes).
fn hosted_shortcut(resolved: &str) -> Option<String> {
    let base = resolved.split('#').next()?;
    let rest = base.strip_prefix("git+ssh://git@")?;
    let (domain, path) = rest.split_once('/')?;
    let host = [
        ("github.com", "github"),
        ("gitlab.com", "gitlab"),
        ("bitbucket.org", "bitbucket"),
    ]
    .iter()
    .find(|(d, _)| *d == domain)?
    .1;
    Some(format!(
        "{host}:{}",
        path.strip_suffix(".git").unwrap_or(path)
    ))
}

/// Every dependency folder (not the project, a link, or a bundled copy), with its scripts.
fn candidates(installed: &Installed) -> Vec<Node<'_>> {
    installed
        .packages
        .iter()
        .filter(|(path, entry)| !path.is_empty() && !entry.link && !entry.in_bundle)
        .map(|(path, entry)| {
            let name = entry.package_name(path);
            Node {
                path,
                entry,
                name,
                version: trusted_version(entry, name).map(|v| v.to_string()),
                scripts: lifecycle_scripts(&installed.root.join(path)),
            }
        })
        .collect()
}

/// The nodes each `name[@range]` selects; ENOMATCH names those that select none.
fn matching<'n, 'a>(
    nodes: &'n [Node<'a>],
    names: &[String],
) -> Result<Vec<&'n Node<'a>>, InstallError> {
    let mut chosen = Vec::new();
    let mut unmatched = Vec::new();
    for arg in names {
        let (name, range) = split_key(arg);
        let range = range
            .filter(|r| !r.is_empty() && *r != "*")
            .map(Range::parse);
        let found: Vec<&Node<'_>> = nodes
            .iter()
            .filter(|n| n.name == name)
            .filter(|n| match (&range, &n.version) {
                (None, _) => true,
                (Some(Ok(range)), Some(v)) => Version::parse(v).is_ok_and(|v| range.satisfies(&v)),
                _ => false,
            })
            .collect();
        if found.is_empty() {
            unmatched.push(arg.clone());
        }
        chosen.extend(found);
    }
    if !unmatched.is_empty() {
        return Err(InstallError::NoMatch {
            names: unmatched.join(", "),
        });
    }
    Ok(chosen)
}

fn group<'n, 'a>(nodes: impl Iterator<Item = &'n Node<'a>>) -> BTreeMap<String, Vec<&'n Node<'a>>>
where
    'a: 'n,
{
    let mut groups: BTreeMap<String, Vec<&Node<'_>>> = BTreeMap::new();
    for node in nodes {
        groups.entry(node.name_key()).or_default().push(node);
    }
    groups
}

/// `name@1.2.3`: one exact version.
fn is_single_pin(key: &str) -> bool {
    split_key(key).1.is_some_and(|v| {
        Version::parse(v).is_ok() && !v.contains([' ', '|', '<', '>', '^', '~', '*', 'x'])
    })
}

fn is_name_only(key: &str) -> bool {
    split_key(key).1.is_none_or(|v| v.is_empty() || v == "*")
}

fn change(key: &str, change: &'static str) -> KeyChange {
    KeyChange {
        key: key.to_owned(),
        change,
    }
}

/// npm's `applyApprovalForPackage`: a deny that names any installed copy wins; name-only
/// mode collapses pins into the name; pin mode writes one pin per installed version, drops
/// stale pins, and replaces a name-only entry once every version is pinned.
fn approve(
    map: &mut Map<String, Value>,
    name: &str,
    nodes: &[&Node<'_>],
    pin: bool,
) -> (Vec<KeyChange>, Option<String>) {
    let mut changes = Vec::new();
    let allowed = |map: &Map<String, Value>, key: &str| map.get(key) == Some(&Value::Bool(true));
    for node in nodes {
        let denied = map
            .iter()
            .find(|(key, value)| **value == Value::Bool(false) && node.targeted_by(key));
        if let Some((key, _)) = denied {
            let warning = if is_name_only(key) {
                format!("{key} is denied; remove the entry from allowScripts to approve {name}.")
            } else {
                format!(
                    "{key} is a versioned deny; run `utoo deny-scripts {name}` to widen the deny to all versions of {name}, or remove the entry to approve {name}."
                )
            };
            return (changes, Some(warning));
        }
    }
    let sample = nodes[0];
    let pins_of = |map: &Map<String, Value>| -> Vec<String> {
        map.keys()
            .filter(|k| sample.targeted_by(k) && *k != name && is_single_pin(k) && allowed(map, k))
            .cloned()
            .collect()
    };
    let keys: Vec<Option<String>> = nodes.iter().map(|n| n.versioned_key()).collect();
    if !pin || keys.iter().any(Option::is_none) {
        let unpinnable = pin;
        for key in pins_of(map) {
            map.remove(&key);
            if unpinnable {
                changes.push(change(&key, "removed-pinned-allow"));
            }
        }
        let mut warning = None;
        if !allowed(map, name) {
            map.insert(name.to_owned(), Value::Bool(true));
            changes.push(change(name, "added"));
            if unpinnable {
                warning = Some(format!(
                    "{name}: approved by name (all versions) because its lockfile entry has no registry \"resolved\" URL, so no version can be pinned."
                ));
            }
        }
        return (changes, warning);
    }
    let installed: Vec<String> = keys.into_iter().flatten().collect();
    for key in pins_of(map) {
        if !installed.contains(&key) {
            map.remove(&key);
            changes.push(change(&key, "removed-stale"));
        }
    }
    for key in &installed {
        if !allowed(map, key) {
            map.insert(key.clone(), Value::Bool(true));
            changes.push(change(key, "added"));
        }
    }
    if !installed.is_empty() && !installed.iter().any(|k| k == name) && allowed(map, name) {
        map.remove(name);
        changes.push(change(name, "replaced-by-pin"));
    }
    (changes, None)
}

/// npm's `applyDenyForPackage`: always name-only; other entries for the package go.
fn deny(
    map: &mut Map<String, Value>,
    name: &str,
    nodes: &[&Node<'_>],
) -> (Vec<KeyChange>, Option<String>) {
    let mut changes = Vec::new();
    let sample = nodes[0];
    let others: Vec<String> = map
        .keys()
        .filter(|k| sample.targeted_by(k) && *k != name)
        .cloned()
        .collect();
    for key in others {
        map.remove(&key);
        changes.push(change(&key, "removed-pinned-allow"));
    }
    if map.get(name) != Some(&Value::Bool(false)) {
        map.insert(name.to_owned(), Value::Bool(false));
        changes.push(change(name, "added"));
    }
    (changes, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_and_classify_like_npm() {
        assert_eq!(split_key("@s/x@1.2.3"), ("@s/x", Some("1.2.3")));
        assert_eq!(split_key("@s/x"), ("@s/x", None));
        assert!(is_single_pin("sharp@0.33.5"));
        assert!(!is_single_pin("sharp@^0.33.0"));
        assert!(!is_single_pin("sharp"));
        assert!(is_name_only("sharp") && is_name_only("sharp@*"));
        assert!(!is_name_only("sharp@1"));
        assert_eq!(
            hosted_shortcut("git+ssh://git@github.com/u/r.git#0a1b").as_deref(),
            Some("github:u/r")
        );
        assert_eq!(
            hosted_shortcut("git+https://example.invalid/r.git#0a1b"),
            None
        );
    }
}
