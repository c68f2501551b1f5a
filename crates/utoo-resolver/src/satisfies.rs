use nodejs_semver::Version;
use utoo_manifest::{Spec, VersionReq};

/// Whether an installed `real_name@version` satisfies the dependency `name: spec`
/// (arborist's dep-valid for registry specs: `*` and `""` accept anything, prereleases too).
pub fn satisfies(name: &str, spec: &str, real_name: &str, version: &str) -> bool {
    let trimmed = spec.trim();
    match Spec::parse(name, spec) {
        Ok(Spec::Registry { name: wanted, req }) => {
            if wanted != real_name {
                return false;
            }
            if trimmed.is_empty()
                || trimmed == "*"
                || trimmed.ends_with("@*")
                || trimmed.ends_with('@')
            {
                return true;
            }
            match (req, Version::parse(version)) {
                (VersionReq::Range(range), Ok(v)) => range.satisfies(&v),
                // A tag cannot be checked against a version offline; npm accepts what is there.
                (VersionReq::Tag(_), _) => true,
                (_, Err(_)) => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfies_like_dep_valid() {
        assert!(satisfies("a", "^1.0.0", "a", "1.2.0"));
        assert!(!satisfies("a", "^1.0.0", "a", "2.0.0"));
        assert!(satisfies("a", "*", "a", "2.0.0-beta.1"));
        assert!(satisfies("a", "", "a", "2.0.0-beta.1"));
        assert!(satisfies("a", "npm:b@^2", "b", "2.1.0"));
        assert!(!satisfies("a", "npm:b@^2", "a", "2.1.0"));
        assert!(satisfies("a", "latest", "a", "9.9.9"));
        assert!(!satisfies("a", "github:x/y", "a", "1.0.0"));
    }
}
