use std::collections::BTreeMap;

use nodejs_semver::{Range, Version};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::spec::VersionReq;
use crate::Manifest;

/// All published versions of one package, as the registry serves it. Both the abbreviated
/// (`application/vnd.npm.install-v1+json`) and the full format parse into this.
///
/// Versions stay raw JSON until asked for: a full packument holds hundreds of manifests of
/// which an install reads one or two, and parsing them all cost most of resolution's CPU
/// and memory.
#[derive(Debug, Deserialize)]
pub struct Packument {
    /// The package name.
    pub name: String,
    /// Tag → version (`latest`, `next`, ...).
    #[serde(default, rename = "dist-tags")]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    versions: BTreeMap<String, Box<RawValue>>,
    /// Publish times (`version` → ISO date) of a full document; the abbreviated one has
    /// none. Not every value is a date (`unpublished` is an object).
    #[serde(default)]
    time: BTreeMap<String, Value>,
    /// The published versions parsed, highest first: built on the first range pick, then
    /// shared by every pick on this packument (the resolver and the prefetcher both pick).
    #[serde(skip)]
    sorted: std::sync::OnceLock<Vec<(Version, String)>>,
}

/// What the version choice needs to know of a candidate.
#[derive(Deserialize)]
struct PickInfo {
    #[serde(default)]
    engines: Option<Value>,
    #[serde(default)]
    deprecated: Option<Value>,
}

impl PickInfo {
    fn deprecated(&self) -> bool {
        match &self.deprecated {
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Bool(b)) => *b,
            _ => false,
        }
    }
}

impl Packument {
    /// Parses the document; versions are only split out, not parsed (see the type's docs).
    pub fn from_json_slice(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(bytes)
    }

    /// The one-version packument of a package that is not in a registry (a tarball URL, a
    /// `file:` tarball, a git checkout): `manifest` is its package.json with `dist` added;
    /// `latest` names its version.
    pub fn one_version(manifest: &Value) -> serde_json::Result<Self> {
        let name = manifest.get("name").and_then(Value::as_str).unwrap_or("");
        let version = manifest
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("");
        serde_json::from_value(serde_json::json!({
            "name": name,
            "dist-tags": { "latest": version },
            "versions": { version: manifest },
        }))
    }

    /// Whether `version` (exact string) is published.
    pub fn has_version(&self, version: &str) -> bool {
        self.versions.contains_key(version)
    }

    /// How many versions are published.
    pub fn version_count(&self) -> usize {
        self.versions.len()
    }

    /// The manifest of one published version.
    pub fn manifest(&self, version: &str) -> Option<serde_json::Result<Manifest>> {
        self.versions
            .get(version)
            .map(|raw| serde_json::from_str(raw.get()))
    }

    /// Keeps the versions `keep(version, published)` accepts, `published` being the
    /// version's publish time when the document has one; each dist-tag whose version went
    /// then names the highest kept version at or below it (npm's rule for `before`). A
    /// document without publish times is left whole: there is nothing to decide by.
    pub fn retain_versions(&mut self, keep: impl Fn(&str, Option<&str>) -> bool) {
        if self.time.is_empty() {
            return;
        }
        let time = &self.time;
        self.versions
            .retain(|version, _| keep(version, time.get(version).and_then(Value::as_str)));
        self.sorted = std::sync::OnceLock::new();
        let kept = self.sorted().to_vec();
        self.dist_tags.retain(|_, tagged| {
            if self.versions.contains_key(tagged.as_str()) {
                return true;
            }
            let Ok(ceiling) = Version::parse(tagged.as_str()) else {
                return false;
            };
            match kept.iter().find(|(v, _)| *v <= ceiling) {
                Some((_, raw)) => {
                    tagged.clone_from(raw);
                    true
                }
                None => false,
            }
        });
    }

    fn sorted(&self) -> &[(Version, String)] {
        self.sorted.get_or_init(|| {
            let mut all: Vec<(Version, String)> = self
                .versions
                .keys()
                .filter_map(|raw| Some((Version::parse(raw).ok()?, raw.clone())))
                .collect();
            all.sort_by(|a, b| b.0.cmp(&a.0));
            all
        })
    }

    fn info(&self, version: &str) -> Option<PickInfo> {
        serde_json::from_str(self.versions.get(version)?.get()).ok()
    }

    /// npm-pick-manifest's choice for `req` on a machine running `node`:
    /// a dist-tag names its version; for a range, the `latest` tag wins when it satisfies
    /// (and is neither deprecated nor engine-incompatible), otherwise the highest
    /// satisfying version, preferring ones whose `engines.node` accepts the running Node
    /// and that are not deprecated.
    pub fn pick(&self, req: &VersionReq, node: Option<&Version>) -> Option<String> {
        let range = match req {
            VersionReq::Tag(tag) => {
                return self
                    .dist_tags
                    .get(tag)
                    .filter(|v| self.has_version(v))
                    .cloned();
            }
            VersionReq::Range(range) => range,
        };
        if let Some(latest) = self.dist_tags.get("latest").filter(|v| self.has_version(v)) {
            if let (Ok(version), Some(info)) = (Version::parse(latest), self.info(latest)) {
                if range.satisfies(&version) && engine_ok(&info, node) && !info.deprecated() {
                    return Some(latest.clone());
                }
            }
        }
        let candidates: Vec<&(Version, String)> = self
            .sorted()
            .iter()
            .filter(|(version, _)| range.satisfies(version))
            .collect();
        // Highest first; the first one that is engine-compatible and not deprecated wins,
        // else the first engine-compatible one, else the highest.
        let mut best_engine_ok: Option<&str> = None;
        for &(_, raw) in &candidates {
            let Some(info) = self.info(raw) else { continue };
            let engine = engine_ok(&info, node);
            if engine && !info.deprecated() {
                return Some(raw.clone());
            }
            if engine && best_engine_ok.is_none() {
                best_engine_ok = Some(raw.as_str());
            }
        }
        best_engine_ok
            .or_else(|| candidates.first().map(|(_, raw)| raw.as_str()))
            .map(str::to_owned)
    }
}

fn engine_ok(info: &PickInfo, node: Option<&Version>) -> bool {
    let (Some(node), Some(wanted)) = (
        node,
        info.engines
            .as_ref()
            .and_then(|e| e.get("node"))
            .and_then(|v| v.as_str()),
    ) else {
        return true;
    };
    match Range::parse(wanted) {
        // npm checks engines with includePrerelease.
        Ok(range) => range.satisfies_with_prerelease(node, true),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packument() -> Packument {
        Packument::from_json_slice(
            br#"{"name":"p","dist-tags":{"latest":"1.2.0","next":"2.0.0-rc.1"},
            "versions":{
              "1.0.0":{"name":"p","version":"1.0.0"},
              "1.2.0":{"name":"p","version":"1.2.0"},
              "1.3.0":{"name":"p","version":"1.3.0","deprecated":"broken"},
              "1.4.0":{"name":"p","version":"1.4.0","engines":{"node":">=99"}},
              "2.0.0-rc.1":{"name":"p","version":"2.0.0-rc.1"}}}"#,
        )
        .unwrap()
    }

    fn pick(req: &str) -> Option<String> {
        let node = Version::parse("20.0.0").unwrap();
        packument().pick(&VersionReq::parse(req), Some(&node))
    }

    #[test]
    fn latest_wins_when_it_satisfies() {
        assert_eq!(pick("^1.0.0").as_deref(), Some("1.2.0"));
        assert_eq!(pick("*").as_deref(), Some("1.2.0"));
    }

    #[test]
    fn otherwise_highest_preferring_engine_ok_then_not_deprecated() {
        // 1.4.0 needs node >=99 and 1.3.0 is deprecated: 1.3.0 still beats nothing.
        assert_eq!(pick(">1.2.0").as_deref(), Some("1.3.0"));
        assert_eq!(pick("~1.4.0").as_deref(), Some("1.4.0"));
        assert_eq!(pick("1.0.x").as_deref(), Some("1.0.0"));
    }

    #[test]
    fn tags_and_prereleases() {
        assert_eq!(pick("next").as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(pick("^2.0.0"), None);
        assert_eq!(pick("^2.0.0-rc.0").as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(pick("nope"), None);
    }

    #[test]
    fn retain_versions_moves_tags_down() {
        let mut p = Packument::from_json_slice(
            br#"{"name":"p","dist-tags":{"latest":"2.0.0","old":"0.1.0"},
            "time":{"created":"2019-01-01T00:00:00Z","1.0.0":"2020-01-01T00:00:00Z",
              "1.1.0":"2021-01-01T00:00:00Z","2.0.0":"2022-01-01T00:00:00Z",
              "unpublished":{"time":"x"}},
            "versions":{"0.1.0":{},"1.0.0":{},"1.1.0":{},"2.0.0":{}}}"#,
        )
        .unwrap();
        p.retain_versions(|_, t| t.is_some_and(|t| t < "2021-06"));
        assert!(p.has_version("1.1.0") && !p.has_version("2.0.0"));
        // No publish time: not kept (npm cannot tell when it appeared).
        assert!(!p.has_version("0.1.0"));
        assert_eq!(p.dist_tags.get("latest").map(String::as_str), Some("1.1.0"));
        assert_eq!(p.dist_tags.get("old"), None);
        assert_eq!(pick_from(&p, "^1").as_deref(), Some("1.1.0"));
    }

    fn pick_from(p: &Packument, req: &str) -> Option<String> {
        p.pick(&VersionReq::parse(req), None)
    }

    #[test]
    fn deprecated_latest_loses_to_a_good_version() {
        let p = Packument::from_json_slice(
            br#"{"name":"p","dist-tags":{"latest":"1.1.0"},"versions":{
              "1.0.0":{"name":"p","version":"1.0.0"},
              "1.1.0":{"name":"p","version":"1.1.0","deprecated":"oops"}}}"#,
        )
        .unwrap();
        assert_eq!(
            p.pick(&VersionReq::parse("^1"), None).as_deref(),
            Some("1.0.0")
        );
        assert_eq!(
            p.manifest("1.1.0")
                .unwrap()
                .unwrap()
                .is_deprecated()
                .as_deref(),
            Some("oops")
        );
        assert!(p.manifest("9.9.9").is_none());
    }
}
