use std::collections::BTreeMap;

use nodejs_semver::{Range, Version};
use serde::Deserialize;

use crate::spec::VersionReq;
use crate::Manifest;

/// All published versions of one package, as the registry serves it. Both the abbreviated
/// (`application/vnd.npm.install-v1+json`) and the full format parse into this.
#[derive(Debug, Deserialize)]
pub struct Packument {
    pub name: String,
    #[serde(default, rename = "dist-tags")]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<String, Manifest>,
}

impl Packument {
    pub fn from_json_slice(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(bytes)
    }

    /// npm-pick-manifest's choice for `req` on a machine running `node`:
    /// a dist-tag names its version; for a range, the `latest` tag wins when it satisfies,
    /// otherwise the highest satisfying version, preferring ones whose `engines.node`
    /// accepts the running Node and that are not deprecated.
    pub fn pick(&self, req: &VersionReq, node: Option<&Version>) -> Option<&Manifest> {
        let range = match req {
            VersionReq::Tag(tag) => {
                return self.dist_tags.get(tag).and_then(|v| self.versions.get(v));
            }
            VersionReq::Range(range) => range,
        };
        if let Some(latest) = self
            .dist_tags
            .get("latest")
            .and_then(|v| self.versions.get_key_value(v))
        {
            if let Ok(version) = Version::parse(latest.0) {
                if range.satisfies(&version) && engine_ok(latest.1, node) {
                    return Some(latest.1);
                }
            }
        }
        self.versions
            .iter()
            .filter_map(|(raw, manifest)| {
                let version = Version::parse(raw).ok()?;
                range.satisfies(&version).then_some((version, manifest))
            })
            .max_by(|(va, ma), (vb, mb)| {
                let key = |m: &Manifest| (engine_ok(m, node), m.is_deprecated().is_none());
                key(ma).cmp(&key(mb)).then_with(|| va.cmp(vb))
            })
            .map(|(_, manifest)| manifest)
    }
}

fn engine_ok(manifest: &Manifest, node: Option<&Version>) -> bool {
    let (Some(node), Some(wanted)) = (
        node,
        manifest
            .engines
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
        packument()
            .pick(&VersionReq::parse(req), Some(&node))
            .map(|m| m.version.clone())
    }

    #[test]
    fn latest_wins_when_it_satisfies() {
        assert_eq!(pick("^1.0.0").as_deref(), Some("1.2.0"));
        assert_eq!(pick("*").as_deref(), Some("1.2.0"));
    }

    #[test]
    fn otherwise_highest_preferring_engine_ok_then_not_deprecated() {
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
}
