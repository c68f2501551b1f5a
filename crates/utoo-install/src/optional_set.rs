//! Which packages stay off disk with the optional packages that cannot be installed here
//! (arborist's optional set): the tree keeps them all, every platform stays locked, but a
//! package goes on disk only when the root reaches it without passing through one of them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use utoo_lockfile::{is_top, resolve_from, LockEntry};

/// The resolved dependency edges of a tree, both ways: install path → (install path, whether
/// the edge is optional).
pub(crate) struct Edges<'a> {
    out: BTreeMap<&'a str, Vec<(&'a str, bool)>>,
    into: BTreeMap<&'a str, Vec<(&'a str, bool)>>,
}

impl<'a> Edges<'a> {
    pub(crate) fn of(packages: &'a BTreeMap<String, LockEntry>) -> Edges<'a> {
        let mut edges = Edges {
            out: BTreeMap::new(),
            into: BTreeMap::new(),
        };
        for (from, entry) in packages {
            let mut add = |to: &'a str, optional: bool| {
                edges.out.entry(from).or_default().push((to, optional));
                edges.into.entry(to).or_default().push((from, optional));
            };
            for (name, _, kind) in entry.edges(is_top(from)) {
                if let Some(to) = resolve_from(packages, from, &name) {
                    add(to, kind.is_optional());
                }
            }
            // A link leads to its folder; the root leads to every top folder (the workspace
            // members, which npm always installs).
            let linked = entry.resolved.as_deref().filter(|_| entry.link);
            if let Some((to, _)) = linked.and_then(|t| packages.get_key_value(t)) {
                add(to, false);
            }
            if from.is_empty() {
                for top in packages.keys().filter(|p| !p.is_empty() && is_top(p)) {
                    add(top, false);
                }
            }
        }
        edges
    }

    /// `failed` and what cannot work without it: the packages that reach one of them over a
    /// required edge, walked up to the first optional edge (every path into an optional
    /// package has one; the root never joins).
    pub(crate) fn optional_set(
        &self,
        failed: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<&'a str> {
        let mut set: BTreeSet<&str> = failed.into_iter().collect();
        let mut queue: VecDeque<&str> = set.iter().copied().collect();
        while let Some(node) = queue.pop_front() {
            for &(from, optional) in self.into.get(node).into_iter().flatten() {
                if !optional && !from.is_empty() && set.insert(from) {
                    queue.push_back(from);
                }
            }
        }
        set
    }

    /// `starts` and every package they reach (walking out of the root never: a member
    /// filter must not take in the whole workspace through it).
    pub(crate) fn reachable_from(
        &self,
        starts: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<&'a str> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        for start in starts {
            if seen.insert(start) {
                queue.push_back(start);
            }
        }
        while let Some(node) = queue.pop_front() {
            if node.is_empty() {
                continue;
            }
            for &(to, _) in self.out.get(node).into_iter().flatten() {
                if seen.insert(to) {
                    queue.push_back(to);
                }
            }
        }
        seen
    }

    /// The packages the root reaches without passing through `avoid` (the root left out).
    pub(crate) fn reachable_avoiding(&self, avoid: &BTreeSet<&str>) -> BTreeSet<&'a str> {
        let mut seen: BTreeSet<&str> = BTreeSet::from([""]);
        let mut queue = VecDeque::from([""]);
        while let Some(node) = queue.pop_front() {
            for &(to, _) in self.out.get(node).into_iter().flatten() {
                if !avoid.contains(to) && seen.insert(to) {
                    queue.push_back(to);
                }
            }
        }
        seen.remove("");
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(deps: &[&str], optional: &[&str]) -> LockEntry {
        let map = |names: &[&str]| names.iter().map(|n| (n.to_string(), "*".into())).collect();
        LockEntry {
            version: Some("1.0.0".into()),
            dependencies: map(deps),
            optional_dependencies: map(optional),
            ..Default::default()
        }
    }

    #[test]
    fn only_paths_around_the_failed_packages_count() {
        let mut p = BTreeMap::new();
        p.insert(String::new(), entry(&["a", "keep"], &["plugin"]));
        p.insert("node_modules/a".into(), entry(&[], &["wasm"]));
        p.insert("node_modules/wasm".into(), entry(&["rt", "keep"], &[]));
        p.insert("node_modules/rt".into(), entry(&["core"], &[]));
        p.insert("node_modules/core".into(), entry(&[], &[]));
        p.insert("node_modules/keep".into(), entry(&[], &[]));
        p.insert(
            "node_modules/plugin".into(),
            entry(&["wasm2", "helper"], &[]),
        );
        p.insert("node_modules/wasm2".into(), entry(&["rt"], &[]));
        p.insert("node_modules/helper".into(), entry(&[], &[]));
        let edges = Edges::of(&p);
        let set = edges.optional_set(["node_modules/wasm", "node_modules/wasm2"]);
        // plugin needs wasm2 (a required edge): it goes too; `a` reaches wasm optionally.
        assert_eq!(
            set,
            BTreeSet::from([
                "node_modules/plugin",
                "node_modules/wasm",
                "node_modules/wasm2"
            ])
        );
        let placed = edges.reachable_avoiding(&set);
        assert_eq!(
            placed,
            BTreeSet::from(["node_modules/a", "node_modules/keep"])
        );
    }
}
