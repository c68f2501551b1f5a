use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoo_manifest::{DepKind, Manifest};

fn is_false(b: &bool) -> bool {
    !*b
}

/// One `packages` entry. Unknown keys are kept so a lockfile round-trips.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockEntry {
    /// The real package name, written when it differs from the folder (aliases) and for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The installed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where the tarball came from; absent for `omit-lockfile-registry-resolved` and links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// The tarball's subresource integrity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// The folder is a symlink to `resolved` (workspaces, `link:`), not an extracted package.
    #[serde(default, skip_serializing_if = "is_false")]
    pub link: bool,
    /// Only reachable through dev dependencies.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dev: bool,
    /// Only reachable through optional dependencies.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Every path to it is dev or optional, but not all of one kind (npm's devOptional).
    #[serde(default, skip_serializing_if = "is_false")]
    pub dev_optional: bool,
    /// Only reachable through peer dependencies.
    #[serde(default, skip_serializing_if = "is_false")]
    pub peer: bool,
    /// Not reachable from the root at all.
    #[serde(default, skip_serializing_if = "is_false")]
    pub extraneous: bool,
    /// Shipped inside a dependent's tarball (`bundleDependencies`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub in_bundle: bool,
    /// Installing it runs a lifecycle script.
    #[serde(default, skip_serializing_if = "is_false")]
    pub has_install_script: bool,
    /// The package ships its own `npm-shrinkwrap.json`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub has_shrinkwrap: bool,
    /// Name → spec.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, String>,
    /// Name → spec; a name here is not repeated in `dependencies`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub optional_dependencies: BTreeMap<String, String>,
    /// Name → spec.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub peer_dependencies: BTreeMap<String, String>,
    /// Raw, as npm writes it: name → `{ "optional": true }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_dependencies_meta: Option<Value>,
    /// Only on the root and workspace entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dev_dependencies: BTreeMap<String, String>,
    /// Dependencies shipped inside the tarball (npm writes the list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundle_dependencies: Vec<String>,
    /// Command → file, normalised as npm does (see `from_manifest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<Value>,
    /// Raw `engines`, kept for npm's engine warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engines: Option<Value>,
    /// The `os` list that gates installing it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub os: Vec<String>,
    /// The `cpu` list that gates installing it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu: Vec<String>,
    /// The `libc` list that gates installing it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libc: Vec<String>,
    /// The license as written, or an object's `type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<Value>,
    /// Raw `funding`; a string becomes `{ "url": ... }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<Value>,
    /// The deprecation message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// Keys this version does not know, written back unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl LockEntry {
    /// The entry npm writes for a package installed from this manifest (metaFromNode).
    pub fn from_manifest(folder_name: &str, manifest: &Manifest) -> LockEntry {
        let dist = manifest.dist.as_ref();
        let integrity = dist.and_then(|d| d.integrity.clone()).or_else(|| {
            dist.and_then(|d| d.shasum.as_deref())
                .and_then(sha1_integrity)
        });
        let mut dependencies = manifest.dependencies.clone();
        // npm's normalisation: a name in optionalDependencies is only listed there.
        for name in manifest.optional_dependencies.keys() {
            dependencies.remove(name);
        }
        LockEntry {
            name: (manifest.name != folder_name).then(|| manifest.name.clone()),
            version: Some(manifest.version.clone()),
            resolved: dist.and_then(|d| d.tarball.clone()),
            integrity,
            has_install_script: manifest.has_install_script(),
            dependencies,
            optional_dependencies: manifest.optional_dependencies.clone(),
            peer_dependencies: manifest.peer_dependencies.clone(),
            peer_dependencies_meta: non_empty_value(manifest_peer_meta(manifest)),
            bundle_dependencies: manifest.bundled(),
            bin: manifest
                .bin
                .as_ref()
                .and_then(normalize_bin(&manifest.name)),
            engines: manifest.engines.clone().and_then(non_empty_value),
            os: manifest.os.clone(),
            cpu: manifest.cpu.clone(),
            libc: manifest.libc.clone(),
            license: manifest.license.clone().and_then(license_value),
            funding: manifest.funding.clone().and_then(funding_value),
            deprecated: manifest.is_deprecated(),
            other: raw_meta(manifest),
            ..LockEntry::default()
        }
    }

    /// The real package name of the entry at install path `path`: its `name` (aliases), else
    /// the folder name.
    pub fn package_name<'a>(&'a self, path: &'a str) -> &'a str {
        self.name
            .as_deref()
            .unwrap_or_else(|| crate::entry_name(path))
    }

    /// The dependency edges this entry declares, in [`Manifest::edges`]' order (a later kind
    /// replaces an earlier one); `devDependencies` only count for the root.
    pub fn edges(&self, is_root: bool) -> Vec<(String, String, DepKind)> {
        let mut out: BTreeMap<&str, (&str, DepKind)> = BTreeMap::new();
        for (n, s) in &self.peer_dependencies {
            let optional = self
                .peer_dependencies_meta
                .as_ref()
                .and_then(|m| m.get(n))
                .and_then(|m| m.get("optional"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let kind = if optional {
                DepKind::PeerOptional
            } else {
                DepKind::Peer
            };
            out.insert(n, (s, kind));
        }
        for (n, s) in &self.dependencies {
            out.insert(n, (s, DepKind::Prod));
        }
        for (n, s) in &self.optional_dependencies {
            out.insert(n, (s, DepKind::Optional));
        }
        if is_root {
            for (n, s) in &self.dev_dependencies {
                out.insert(n, (s, DepKind::Dev));
            }
        }
        // Bundled dependencies come inside the tarball, not from the tree.
        if !is_root {
            for name in &self.bundle_dependencies {
                out.remove(name.as_str());
            }
        }
        out.into_iter()
            .map(|(n, (s, k))| (n.to_owned(), s.to_owned(), k))
            .collect()
    }
}

fn manifest_peer_meta(manifest: &Manifest) -> Value {
    let mut map = Map::new();
    for (name, meta) in &manifest.peer_dependencies_meta {
        let mut m = Map::new();
        if meta.optional {
            m.insert("optional".into(), Value::Bool(true));
        }
        map.insert(name.clone(), Value::Object(m));
    }
    Value::Object(map)
}

// The rest of arborist's `pkgMetaKeys` that npm copies from any package.json it locks (a
// published package's own `workspaces` included), when set and not empty.
fn raw_meta(manifest: &Manifest) -> Map<String, Value> {
    let fields = [
        ("acceptDependencies", &manifest.accept_dependencies),
        ("workspaces", &manifest.workspaces),
    ];
    fields
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), non_empty_value(value.clone()?)?)))
        .collect()
}

fn non_empty_value(v: Value) -> Option<Value> {
    match &v {
        Value::Object(m) if m.is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        _ => Some(v),
    }
}

// npm writes `license.type` when the license is an object with a type.
fn license_value(v: Value) -> Option<Value> {
    match v.get("type") {
        Some(t @ Value::String(_)) => Some(t.clone()),
        _ => non_empty_value(v),
    }
}

// read-package-json-fast normalises a funding string to `{ "url": ... }`.
fn funding_value(v: Value) -> Option<Value> {
    match v {
        Value::String(url) if !url.is_empty() => {
            let mut m = Map::new();
            m.insert("url".into(), Value::String(url));
            Some(Value::Object(m))
        }
        other => non_empty_value(other),
    }
}

/// npm-normalize-package-bin: `{ basename(command): "path/without/leading/dot" }`.
fn normalize_bin(package_name: &str) -> impl Fn(&Value) -> Option<Value> + '_ {
    move |bin| {
        let entries = utoo_manifest::bin_entries(package_name, Some(bin));
        if entries.is_empty() {
            return None;
        }
        let map: Map<String, Value> = entries
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Some(Value::Object(map))
    }
}

/// `sha1-<base64>` from a hex shasum, as pacote builds it for packages without `integrity`.
fn sha1_integrity(hex: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    let bytes = bytes.filter(|b| b.len() == 20)?;
    Some(format!("sha1-{}", STANDARD.encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_from_shasum() {
        // sha1("") = da39a3ee5e6b4b0d3255bfef95601890afd80709
        assert_eq!(
            sha1_integrity("da39a3ee5e6b4b0d3255bfef95601890afd80709").as_deref(),
            Some("sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=")
        );
        assert_eq!(sha1_integrity("zz"), None);
    }

    #[test]
    fn a_packages_own_workspaces_and_accept_dependencies_are_kept_unless_empty() {
        let m: Manifest = serde_json::from_str(
            r#"{"name":"p","version":"1.0.0","workspaces":["website"],"acceptDependencies":{}}"#,
        )
        .unwrap();
        let e = LockEntry::from_manifest("p", &m);
        assert_eq!(
            e.other.get("workspaces"),
            Some(&serde_json::json!(["website"]))
        );
        assert!(!e.other.contains_key("acceptDependencies"));
    }

    #[test]
    fn from_manifest_normalises_like_npm() {
        let m: Manifest = serde_json::from_str(
            r#"{"name":"real","version":"1.0.0","license":{"type":"MIT"},"funding":"https://f",
            "bin":"./cli.js","dependencies":{"a":"1","o":"2"},"optionalDependencies":{"o":"2"},
            "scripts":{"postinstall":"node x"},"engines":{},
            "dist":{"tarball":"http://r/real/-/real-1.0.0.tgz","shasum":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}"#,
        )
        .unwrap();
        let e = LockEntry::from_manifest("alias", &m);
        assert_eq!(e.name.as_deref(), Some("real"));
        assert_eq!(e.license, Some(Value::String("MIT".into())));
        assert_eq!(e.funding.unwrap()["url"], "https://f");
        assert_eq!(e.bin.unwrap()["real"], "cli.js");
        assert_eq!(e.dependencies.len(), 1);
        assert!(e.has_install_script);
        assert!(e.engines.is_none());
        assert!(e.integrity.unwrap().starts_with("sha1-"));
    }
}
