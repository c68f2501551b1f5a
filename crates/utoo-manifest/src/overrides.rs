//! package.json `overrides` as arborist's OverrideSet: a tree of rules, each keyed `name` or
//! `name@range`, whose value (`"."`, or the string itself) replaces the spec of the edges it
//! matches, and whose children apply only below the packages it matched.

use nodejs_semver::Range;
use serde_json::Value;
use utoo_events::ErrorCode;

use crate::{check_name, Manifest, Spec, VersionReq};

/// The parsed override set of a project. An empty set overrides nothing.
#[derive(Debug, Clone)]
pub struct Overrides {
    /// Arena of rules; index 0 is the root set (no name, no value).
    rules: Vec<Rule>,
}

/// Which rule set governs a node or an edge: the root set, or the rule that matched on the
/// way down. Nodes placed through an edge take the edge's rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RuleSet(usize);

impl RuleSet {
    /// The project's own set: every top-level rule applies.
    pub const ROOT: RuleSet = RuleSet(0);
}

#[derive(Debug, Clone)]
struct Rule {
    parent: Option<usize>,
    /// The package name the key names.
    name: String,
    /// The key as written (`b`, `b@^1`).
    key: String,
    /// The range part of the key, `*` when there is none.
    key_spec: String,
    /// The spec that replaces a matched edge's; `*` (or the key's range) leaves it alone
    /// unless it differs.
    value: String,
    /// Child rules in package.json order.
    children: Vec<usize>,
}

/// A package.json `overrides` that cannot be applied.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OverrideError {
    /// A key that names no valid package (npm: `Override without name`).
    #[error("invalid key `{key}` in package.json `overrides`: it must name a package, `name` or `name@range`")]
    InvalidKey {
        /// The key as written.
        key: String,
    },
    /// A `$name` reference to a dependency the project does not have.
    #[error("unable to resolve reference `{reference}` in package.json `overrides`: the project has no dependency `{name}`")]
    Reference {
        /// The value as written (`$foo`).
        reference: String,
        /// The name it refers to.
        name: String,
    },
    /// An override that changes the spec of one of the project's own dependencies.
    #[error("override for `{name}@{spec}` conflicts with direct dependency")]
    DirectConflict {
        /// The dependency.
        name: String,
        /// Its spec in package.json.
        spec: String,
    },
}

impl OverrideError {
    /// The stable code (`err.code` in JS), npm's `EOVERRIDE`.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::Override
    }
}

impl Default for Overrides {
    fn default() -> Self {
        Overrides {
            rules: vec![Rule {
                parent: None,
                name: String::new(),
                key: String::new(),
                key_spec: String::new(),
                value: String::new(),
                children: Vec::new(),
            }],
        }
    }
}

impl Overrides {
    /// Parses package.json's `overrides` (`None`, or a non-object, overrides nothing).
    pub fn parse(value: Option<&Value>) -> Result<Overrides, OverrideError> {
        let mut out = Overrides::default();
        if let Some(Value::Object(map)) = value {
            for (key, child) in map {
                if key != "." {
                    out.add(0, key, child)?;
                }
            }
        }
        Ok(out)
    }

    /// Whether there is no rule at all.
    pub fn is_empty(&self) -> bool {
        self.rules[0].children.is_empty()
    }

    fn add(&mut self, parent: usize, key: &str, value: &Value) -> Result<(), OverrideError> {
        let (name, range) = split_key(key);
        if name.is_empty() || check_name(name).is_err() {
            return Err(OverrideError::InvalidKey { key: key.into() });
        }
        let key_spec = if range.trim().is_empty() {
            "*".to_owned()
        } else {
            range.trim().to_owned()
        };
        // A string is `{ ".": value }`; an empty `"."` is `*` (arborist's truthiness rule).
        let dot = match value {
            Value::String(s) => Some(s.as_str()),
            Value::Object(map) => map.get(".").and_then(Value::as_str),
            _ => None,
        };
        let value_spec = match dot {
            Some("") => "*".to_owned(),
            Some(s) => s.to_owned(),
            None => key_spec.clone(),
        };
        let id = self.rules.len();
        self.rules.push(Rule {
            parent: Some(parent),
            name: name.to_owned(),
            key: key.to_owned(),
            key_spec,
            value: value_spec,
            children: Vec::new(),
        });
        self.rules[parent].children.push(id);
        if let Value::Object(map) = value {
            for (child_key, child) in map {
                if child_key != "." {
                    self.add(id, child_key, child)?;
                }
            }
        }
        Ok(())
    }

    /// Arborist's ruleset: the children of the set and of each ancestor (nearest first, a key
    /// seen once), and each non-root ancestor itself.
    fn ruleset(&self, set: RuleSet) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let seen = |out: &Vec<usize>, id: usize| {
            out.iter().any(|&o| self.rules[o].key == self.rules[id].key)
        };
        let mut cur = Some(set.0);
        while let Some(id) = cur {
            for &kid in &self.rules[id].children {
                if !seen(&out, kid) {
                    out.push(kid);
                }
            }
            if id != 0 && !seen(&out, id) {
                out.push(id);
            }
            cur = self.rules[id].parent;
        }
        out
    }

    /// The rule set an edge `name: spec` out of a node governed by `from` carries (arborist's
    /// getEdgeRule): the first rule for `name` whose key range intersects the spec's range
    /// (any rule when the key has none, or the spec is a tag or a non-registry kind other than
    /// git), else `from` itself.
    pub fn edge_rule(&self, from: RuleSet, name: &str, spec: &str) -> RuleSet {
        for id in self.ruleset(from) {
            let rule = &self.rules[id];
            if rule.name != name {
                continue;
            }
            if rule.key_spec == "*" {
                return RuleSet(id);
            }
            let matches = match Spec::parse(name, spec) {
                Ok(Spec::Registry {
                    req: VersionReq::Range(range),
                    ..
                }) => Range::parse(&rule.key_spec).is_ok_and(|key| range.allows_any(&key)),
                // A tag, and a file, folder or URL spec, always matches.
                Ok(
                    Spec::Registry {
                        req: VersionReq::Tag(_),
                        ..
                    }
                    | Spec::File { .. }
                    | Spec::Remote { .. }
                    | Spec::Directory { .. }
                    | Spec::Unsupported { .. },
                ) => true,
                // A git spec matches by its `#semver:` range, which utoo does not read yet.
                Ok(Spec::Git(_)) | Err(_) => false,
            };
            if matches {
                return RuleSet(id);
            }
        }
        from
    }

    /// The spec an edge `name: spec` carrying `rule` asks for: the rule's value when the rule
    /// is for `name` and sets one (`$dep` is the spec of the root's own dependency `dep`, else
    /// of the dependent's, `local`), else `spec` unchanged.
    pub fn edge_spec(
        &self,
        rule: RuleSet,
        name: &str,
        spec: &str,
        root: &Manifest,
        local: &Manifest,
    ) -> Result<String, OverrideError> {
        let r = &self.rules[rule.0];
        if rule == RuleSet::ROOT || r.name != name || r.value == "*" || r.value.is_empty() {
            return Ok(spec.to_owned());
        }
        let Some(reference) = r.value.strip_prefix('$') else {
            return Ok(r.value.clone());
        };
        referenced_spec(root, reference)
            .or_else(|| referenced_spec(local, reference))
            .ok_or_else(|| OverrideError::Reference {
                reference: r.value.clone(),
                name: reference.to_owned(),
            })
    }

    /// Whether `rule` replaces the spec of the edge it is on (npm ls's `overridden`).
    pub fn overrides_edge(&self, rule: RuleSet, name: &str) -> bool {
        let r = &self.rules[rule.0];
        rule != RuleSet::ROOT && r.name == name && r.value != "*" && !r.value.is_empty()
    }

    /// npm's EOVERRIDE check: an override may not change the spec of one of the project's
    /// own dependencies (a `$name` reference to it, or the same spec, is fine).
    pub fn check_direct(&self, root: &Manifest) -> Result<(), OverrideError> {
        if self.is_empty() {
            return Ok(());
        }
        for (name, spec, _) in root.edges(true) {
            let rule = self.edge_rule(RuleSet::ROOT, &name, &spec);
            let wanted = self.edge_spec(rule, &name, &spec, root, root)?;
            if wanted != spec {
                return Err(OverrideError::DirectConflict { name, spec });
            }
        }
        Ok(())
    }
}

/// The spec `manifest` gives its dependency `name`, looked up in arborist's order (dev,
/// optional, prod, peer); empty specs do not count.
fn referenced_spec(manifest: &Manifest, name: &str) -> Option<String> {
    [
        &manifest.dev_dependencies,
        &manifest.optional_dependencies,
        &manifest.dependencies,
        &manifest.peer_dependencies,
    ]
    .into_iter()
    .find_map(|deps| deps.get(name).filter(|s| !s.is_empty()).cloned())
}

/// `name` and the range after its `@` (a scope's leading `@` is part of the name).
fn split_key(key: &str) -> (&str, &str) {
    let key = key.trim();
    let from = usize::from(key.starts_with('@'));
    match key[from..].find('@') {
        Some(at) => (&key[..from + at], &key[from + at + 1..]),
        None => (key, ""),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn manifest(value: Value) -> Manifest {
        serde_json::from_value(value).unwrap()
    }

    fn spec_of(o: &Overrides, from: RuleSet, name: &str, spec: &str) -> (RuleSet, String) {
        let root = manifest(json!({ "dependencies": { "c": "^3" } }));
        let rule = o.edge_rule(from, name, spec);
        (rule, o.edge_spec(rule, name, spec, &root, &root).unwrap())
    }

    #[test]
    fn top_level_and_nested_rules_scope_like_arborist() {
        let o = Overrides::parse(Some(&json!({
            "b": "2.0.0",
            "a": { "d": "1.0.0" },
            "x@^1": { ".": "1.5.0", "d": "3" },
        })))
        .unwrap();
        assert_eq!(spec_of(&o, RuleSet::ROOT, "b", "^1").1, "2.0.0");
        // `a` alone sets nothing on its own edge, but its children apply below it.
        let (a, spec) = spec_of(&o, RuleSet::ROOT, "a", "^1");
        assert_ne!(a, RuleSet::ROOT);
        assert_eq!(spec, "^1");
        assert_eq!(spec_of(&o, RuleSet::ROOT, "d", "^2").1, "^2");
        assert_eq!(spec_of(&o, a, "d", "^2").1, "1.0.0");
        // Top-level rules still apply below `a`.
        assert_eq!(spec_of(&o, a, "b", "^1").1, "2.0.0");
        // `x@^1` matches only specs whose range meets ^1.
        assert_eq!(spec_of(&o, RuleSet::ROOT, "x", "^2").0, RuleSet::ROOT);
        let (x, spec) = spec_of(&o, RuleSet::ROOT, "x", "~1.2");
        assert_eq!(spec, "1.5.0");
        assert_eq!(spec_of(&o, x, "d", "^2").1, "3");
    }

    #[test]
    fn references_resolve_against_the_root() {
        let o = Overrides::parse(Some(&json!({ "b": "$c", "e": "$missing" }))).unwrap();
        assert_eq!(spec_of(&o, RuleSet::ROOT, "b", "^1").1, "^3");
        let root = manifest(json!({}));
        let rule = o.edge_rule(RuleSet::ROOT, "e", "1");
        let err = o.edge_spec(rule, "e", "1", &root, &root).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Override);
        assert!(err.to_string().contains("`$missing`"), "{err}");
    }

    #[test]
    fn aliases_and_direct_conflicts() {
        let o = Overrides::parse(Some(&json!({ "b": "npm:real@3", "@s/p@1": "1.0.1" }))).unwrap();
        assert_eq!(spec_of(&o, RuleSet::ROOT, "b", "^1").1, "npm:real@3");
        assert_eq!(spec_of(&o, RuleSet::ROOT, "@s/p", "^1.0.0").1, "1.0.1");
        assert_eq!(spec_of(&o, RuleSet::ROOT, "@s/p", "^2").1, "^2");
        let direct = manifest(json!({ "dependencies": { "b": "^1" } }));
        let err = o.check_direct(&direct).unwrap_err();
        assert_eq!(
            err.to_string(),
            "override for `b@^1` conflicts with direct dependency"
        );
        let same = manifest(json!({ "dependencies": { "b": "npm:real@3" } }));
        assert!(o.check_direct(&same).is_ok());
        let by_ref = Overrides::parse(Some(&json!({ "b": "$b" }))).unwrap();
        assert!(by_ref.check_direct(&direct).is_ok());
        assert_eq!(
            Overrides::parse(Some(&json!({ "@^1": "1" }))).unwrap_err(),
            OverrideError::InvalidKey { key: "@^1".into() }
        );
    }
}
