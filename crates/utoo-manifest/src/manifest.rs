use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kinds of dependency edges npm knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepKind {
    /// `dependencies`.
    Prod,
    /// `devDependencies`: only the root project's count.
    Dev,
    /// `optionalDependencies`: failing to install one is a warning.
    Optional,
    /// `peerDependencies`: provided beside the dependent, not inside it.
    Peer,
    /// A peer marked optional in `peerDependenciesMeta`: used when present, never installed for it.
    PeerOptional,
}

impl DepKind {
    /// Whether failing to resolve or install the edge is only a warning.
    pub fn is_optional(self) -> bool {
        matches!(self, DepKind::Optional | DepKind::PeerOptional)
    }
    /// Whether the edge is met beside the dependent (by its parent's tree).
    pub fn is_peer(self) -> bool {
        matches!(self, DepKind::Peer | DepKind::PeerOptional)
    }
}

/// One `peerDependenciesMeta` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerMeta {
    /// The peer is used when present and never installed on its own account.
    #[serde(default)]
    pub optional: bool,
}

/// A package.json, or one version entry of a packument (the same shape, with `dist`).
///
/// Fields npm copies into the lockfile are kept as raw JSON (`bin`, `engines`, `funding`,
/// `license`) so they round-trip exactly as the author wrote them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Empty for a project without one.
    #[serde(default)]
    pub name: String,
    /// Empty for a project without one.
    #[serde(default)]
    pub version: String,
    /// Name → spec; see [`Manifest::edges`] for how the maps combine.
    #[serde(default, deserialize_with = "lenient_map")]
    pub dependencies: BTreeMap<String, String>,
    /// Name → spec; installed for the root project only.
    #[serde(default, deserialize_with = "lenient_map")]
    pub dev_dependencies: BTreeMap<String, String>,
    /// Name → spec; also wins over the same name in `dependencies`.
    #[serde(default, deserialize_with = "lenient_map")]
    pub optional_dependencies: BTreeMap<String, String>,
    /// Name → spec.
    #[serde(default, deserialize_with = "lenient_map")]
    pub peer_dependencies: BTreeMap<String, String>,
    /// Name → meta; may name optional peers missing from `peer_dependencies`.
    #[serde(default, deserialize_with = "lenient_peer_meta")]
    pub peer_dependencies_meta: BTreeMap<String, PeerMeta>,
    /// Raw: a name list or `true`; read it through [`Manifest::bundled`].
    #[serde(default, alias = "bundledDependencies")]
    pub bundle_dependencies: Option<Value>,
    /// Raw: a path or a command → path map; read it through [`crate::bin_entries`].
    #[serde(default)]
    pub bin: Option<Value>,
    /// Raw; only `directories.bin` matters to an install.
    #[serde(default)]
    pub directories: Option<Value>,
    /// Raw; `engines.node` steers the version choice.
    #[serde(default)]
    pub engines: Option<Value>,
    /// Allowed/`!`excluded operating systems (see [`crate::Platform`]).
    #[serde(default, deserialize_with = "lenient_list")]
    pub os: Vec<String>,
    /// Allowed/`!`excluded CPUs.
    #[serde(default, deserialize_with = "lenient_list")]
    pub cpu: Vec<String>,
    /// Allowed/`!`excluded C libraries (`glibc`, `musl`).
    #[serde(default, deserialize_with = "lenient_list")]
    pub libc: Vec<String>,
    /// Raw, copied into the lockfile.
    #[serde(default)]
    pub license: Option<Value>,
    /// Raw, copied into the lockfile.
    #[serde(default)]
    pub funding: Option<Value>,
    /// Raw: a message or a bool; read it through [`Manifest::is_deprecated`].
    #[serde(default)]
    pub deprecated: Option<Value>,
    /// The registry's flag; read through [`Manifest::has_install_script`], which also checks `scripts`.
    #[serde(default)]
    pub has_install_script: Option<bool>,
    /// Event → command.
    #[serde(default, deserialize_with = "lenient_map")]
    pub scripts: BTreeMap<String, String>,
    /// Raw: the folder globs (an array, or `{ "packages": [...] }`); see
    /// [`crate::WorkspacePatterns`].
    #[serde(default)]
    pub workspaces: Option<Value>,
    /// Raw: name → a range also accepted for that dependency; npm copies it into the lockfile.
    #[serde(default)]
    pub accept_dependencies: Option<Value>,
    /// Raw; read it through [`crate::Overrides::parse`] (only the root project's count).
    #[serde(default)]
    pub overrides: Option<Value>,
    /// npm 12's install-script policy: `name` or `name@range` → allowed. Entries that are
    /// not booleans are ignored, as npm ignores them.
    #[serde(default, deserialize_with = "lenient_bool_map")]
    pub allow_scripts: BTreeMap<String, bool>,
    /// Where the tarball is and what it hashes to; registry versions only.
    #[serde(default)]
    pub dist: Option<Dist>,
}

/// A packument version's `dist`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Dist {
    /// The tarball URL.
    #[serde(default)]
    pub tarball: Option<String>,
    /// Subresource integrity (`sha512-...`); missing on very old packages.
    #[serde(default)]
    pub integrity: Option<String>,
    /// Hex sha1, the only hash of very old packages.
    #[serde(default)]
    pub shasum: Option<String>,
}

impl Manifest {
    /// Parses a package.json or a packument version, tolerating malformed fields as npm does.
    pub fn from_json_slice(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(bytes)
    }

    /// All dependency edges of this package with their kind, as npm builds them: peers,
    /// then `dependencies`, `optionalDependencies` and (for the root project, `include_dev`)
    /// `devDependencies`, a later kind replacing an earlier one of the same name (arborist's
    /// order). So the root's own peers only add edges: what it also lists as a dependency or
    /// dev dependency is installed, and a name in both of those is dev.
    pub fn edges(&self, include_dev: bool) -> Vec<(String, String, DepKind)> {
        let mut out: BTreeMap<String, (String, DepKind)> = BTreeMap::new();
        for (name, spec) in &self.peer_dependencies {
            let optional = self
                .peer_dependencies_meta
                .get(name)
                .is_some_and(|m| m.optional);
            let kind = if optional {
                DepKind::PeerOptional
            } else {
                DepKind::Peer
            };
            out.insert(name.clone(), (spec.clone(), kind));
        }
        for (name, spec) in &self.dependencies {
            out.insert(name.clone(), (spec.clone(), DepKind::Prod));
        }
        for (name, spec) in &self.optional_dependencies {
            out.insert(name.clone(), (spec.clone(), DepKind::Optional));
        }
        if include_dev {
            for (name, spec) in &self.dev_dependencies {
                out.insert(name.clone(), (spec.clone(), DepKind::Dev));
            }
        }
        // peerDependenciesMeta may mark a peer optional that is not listed in peerDependencies:
        // npm then treats it as an optional peer with spec "*".
        for (name, meta) in &self.peer_dependencies_meta {
            if meta.optional && !out.contains_key(name) {
                out.insert(name.clone(), ("*".into(), DepKind::PeerOptional));
            }
        }
        out.into_iter()
            .map(|(name, (spec, kind))| (name, spec, kind))
            .collect()
    }

    /// The dependency names shipped inside the tarball (`bundleDependencies`: a list, or
    /// `true` for all of `dependencies`). They are never fetched from the registry.
    pub fn bundled(&self) -> Vec<String> {
        match &self.bundle_dependencies {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect(),
            Some(Value::Bool(true)) => self.dependencies.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// `Some(wanted)` when `engines.node` rules out the running Node.
    pub fn node_engine_mismatch(&self, node: &nodejs_semver::Version) -> Option<String> {
        node_engine_mismatch(self.engines.as_ref(), node)
    }

    /// Whether installing runs a script: npm's `hasInstallScript` from the registry, or, for a
    /// package.json read from disk, the presence of an install hook.
    pub fn has_install_script(&self) -> bool {
        self.has_install_script.unwrap_or(false)
            || ["preinstall", "install", "postinstall"]
                .iter()
                .any(|s| self.scripts.contains_key(*s))
    }

    /// The deprecation message, when the version is deprecated.
    pub fn is_deprecated(&self) -> Option<String> {
        match &self.deprecated {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Bool(true)) => Some("deprecated".into()),
            _ => None,
        }
    }
}

/// `Some(wanted)` when an `engines` value's `node` range rules out `node` (npm checks with
/// prereleases included).
pub fn node_engine_mismatch(
    engines: Option<&Value>,
    node: &nodejs_semver::Version,
) -> Option<String> {
    let wanted = engines?.get("node")?.as_str()?;
    let range = nodejs_semver::Range::parse(wanted).ok()?;
    (!range.satisfies_with_prerelease(node, true)).then(|| wanted.to_owned())
}

// Published manifests contain every shape imaginable (`"dependencies": []`, nulls, numbers).
// npm ignores what is not a string map; so do we, instead of failing a whole packument.
fn lenient_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let value = Value::deserialize(d)?;
    let mut out = BTreeMap::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            if let Value::String(s) = v {
                out.insert(k, s);
            }
        }
    }
    Ok(out)
}

fn lenient_bool_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, bool>, D::Error> {
    let value = Value::deserialize(d)?;
    let mut out = BTreeMap::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            if let Value::Bool(b) = v {
                out.insert(k, b);
            }
        }
    }
    Ok(out)
}

fn lenient_peer_meta<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, PeerMeta>, D::Error> {
    let value = Value::deserialize(d)?;
    let mut out = BTreeMap::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            let optional = v.get("optional").and_then(Value::as_bool).unwrap_or(false);
            out.insert(k, PeerMeta { optional });
        }
    }
    Ok(out)
}

fn lenient_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(match value {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_merge_kinds_like_npm() {
        let m: Manifest = serde_json::from_str(
            r#"{"name":"x","version":"1.0.0",
            "dependencies":{"a":"^1","b":"^2"},
            "optionalDependencies":{"b":"^2"},
            "peerDependencies":{"c":"*","d":"^1"},
            "peerDependenciesMeta":{"d":{"optional":true}},
            "devDependencies":{"e":"1"}}"#,
        )
        .unwrap();
        let edges = m.edges(false);
        let kinds: Vec<_> = edges.iter().map(|(n, _, k)| (n.as_str(), *k)).collect();
        assert_eq!(
            kinds,
            vec![
                ("a", DepKind::Prod),
                ("b", DepKind::Optional),
                ("c", DepKind::Peer),
                ("d", DepKind::PeerOptional)
            ]
        );
        assert_eq!(m.edges(true).len(), 5);
    }

    #[test]
    fn bundled_and_engines() {
        let m: Manifest = serde_json::from_str(
            r#"{"dependencies":{"a":"1","b":"1"},"bundleDependencies":["a"],"engines":{"node":">=99"}}"#,
        )
        .unwrap();
        assert_eq!(m.bundled(), ["a"]);
        let node = nodejs_semver::Version::parse("20.1.0").unwrap();
        assert_eq!(m.node_engine_mismatch(&node).as_deref(), Some(">=99"));
        let all: Manifest =
            serde_json::from_str(r#"{"dependencies":{"a":"1"},"bundledDependencies":true}"#)
                .unwrap();
        assert_eq!(all.bundled(), ["a"]);
    }

    #[test]
    fn tolerates_malformed_fields() {
        let m: Manifest = serde_json::from_str(
            r#"{"name":"x","version":"1.0.0","dependencies":[],"os":"linux","scripts":null}"#,
        )
        .unwrap();
        assert!(m.dependencies.is_empty());
        assert_eq!(m.os, vec!["linux"]);
    }
}
