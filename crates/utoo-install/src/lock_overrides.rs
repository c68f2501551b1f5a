//! package.json `overrides` over a lockfile's tree: the spec each locked edge must satisfy,
//! so a lockfile written before an override changed is re-resolved, not reused.

use std::collections::{BTreeMap, VecDeque};

use utoo_lockfile::{resolve_from, LockEntry};
use utoo_manifest::{Manifest, OverrideError, Overrides, RuleSet};

/// For each `(install path, dependency name)` whose spec an override replaces, the spec it
/// asks for instead.
pub(crate) type OverriddenSpecs = BTreeMap<(String, String), String>;

/// Walks the locked tree from the root as arborist loads it: each edge carries the rule set
/// of its node (or the rule it matches), and the package it reaches takes the rule set of the
/// first edge that reaches it.
pub(crate) fn overridden_specs(
    packages: &BTreeMap<String, LockEntry>,
    root: &Manifest,
) -> Result<OverriddenSpecs, OverrideError> {
    let overrides = Overrides::parse(root.overrides.as_ref())?;
    let mut out = OverriddenSpecs::new();
    if overrides.is_empty() {
        return Ok(out);
    }
    let mut rules: BTreeMap<&str, RuleSet> = BTreeMap::from([("", RuleSet::ROOT)]);
    let mut queue = VecDeque::from([""]);
    while let Some(path) = queue.pop_front() {
        let entry = &packages[path];
        let local = local_manifest(entry);
        for (name, spec, _) in entry.edges(path.is_empty()) {
            let rule = overrides.edge_rule(rules[path], &name, &spec);
            let wanted = overrides.edge_spec(rule, &name, &spec, root, &local)?;
            if let Some(target) = resolve_from(packages, path, &name) {
                if !rules.contains_key(target) {
                    rules.insert(target, rule);
                    queue.push_back(target);
                }
            }
            if wanted != spec {
                out.insert((path.to_owned(), name), wanted);
            }
        }
    }
    Ok(out)
}

/// The dependency maps of a locked entry, which a `$name` falls back to.
fn local_manifest(entry: &LockEntry) -> Manifest {
    Manifest {
        dependencies: entry.dependencies.clone(),
        optional_dependencies: entry.optional_dependencies.clone(),
        peer_dependencies: entry.peer_dependencies.clone(),
        dev_dependencies: entry.dev_dependencies.clone(),
        ..Manifest::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    use crate::plan::tests::entry;

    #[test]
    fn nested_rules_reach_only_the_subtree_of_their_package() {
        let root: Manifest = serde_json::from_value(json!({
            "dependencies": { "a": "^1", "c": "1" },
            "overrides": { "a": { "b": "2.0.0" } },
        }))
        .unwrap();
        let mut p = BTreeMap::new();
        p.insert(String::new(), entry("1.0.0", &[("a", "^1"), ("c", "1")]));
        p.insert("node_modules/a".into(), entry("1.0.0", &[("b", "^1")]));
        p.insert("node_modules/c".into(), entry("1.0.0", &[("b", "^1")]));
        p.insert("node_modules/b".into(), entry("2.0.0", &[]));
        p.insert("node_modules/c/node_modules/b".into(), entry("1.5.0", &[]));
        let specs = overridden_specs(&p, &root).unwrap();
        assert_eq!(
            specs,
            BTreeMap::from([(("node_modules/a".into(), "b".into()), "2.0.0".into())])
        );
    }
}
