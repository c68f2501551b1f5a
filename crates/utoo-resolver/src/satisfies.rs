use nodejs_semver::Version;
use utoo_manifest::{Spec, VersionReq};

/// Whether the package sitting in the folder `name`, `real_name@version`, satisfies the
/// dependency `name: spec` (arborist's dep-valid for registry specs: `*` and `""` accept
/// anything, prereleases too).
///
/// A plain range is checked against the version of whatever is in the folder, an aliased
/// package included: that is how an alias and a peer of the same name meet at one node
/// (`vite: npm:rolldown-vite@^6` meets a plugin's `vite@>=6`). An alias spec also wants its
/// own target there; dep-valid skips that check, which lets a same-named package stand in
/// for an alias (an open npm bug this does not copy).
pub fn satisfies(name: &str, spec: &str, real_name: &str, version: &str) -> bool {
    let trimmed = spec.trim();
    match Spec::parse(name, spec) {
        Ok(Spec::Registry { name: wanted, req }) => {
            if trimmed.starts_with("npm:") && wanted != real_name {
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
        // The folder `a` holds an aliased package: a plain range looks at its version only.
        assert!(satisfies("a", ">=2", "b", "2.1.0"));
        assert!(!satisfies("a", ">=3", "b", "2.1.0"));
        assert!(satisfies("a", "latest", "a", "9.9.9"));
        assert!(!satisfies("a", "github:x/y", "a", "1.0.0"));
    }
}
