//! Starting from the lockfile's tree, as arborist's buildIdealTree starts from the virtual
//! tree it loads: every locked package stays where it is, and only the packages with a
//! missing or invalid edge are queued to be fixed. A tree that grew over time keeps its
//! shape (a copy nested long ago stays nested) instead of being rebuilt from scratch, which
//! could hoist differently from npm for the same lockfile.

use utoo_lockfile::{entry_name, parent_path, LockEntry, Lockfile};
use utoo_manifest::{DepKind, RuleSet};

use crate::satisfies::satisfies;
use crate::tree::{Node, NodeId, Tree};

/// Loads `lock`'s packages under the root and the members already in `tree`; returns the
/// nodes that have a problem edge. `None` when the lockfile holds what this start does not
/// model (overrides' rule sets, a link to a folder that is not a member, an entry without a
/// version): then the tree is built from scratch, the lockfile's versions preferred.
pub(crate) fn load(
    tree: &mut Tree,
    lock: &Lockfile,
    legacy_peer_deps: bool,
) -> Option<Vec<NodeId>> {
    let mut entries: Vec<(&String, &LockEntry)> = lock
        .packages
        .iter()
        .filter(|(path, _)| !path.is_empty() && !tree.tops.contains_key(path.as_str()))
        .collect();
    if !entries
        .iter()
        .all(|(path, entry)| loadable(tree, path, entry))
    {
        return None;
    }
    // Parents before their children.
    entries.sort_by_key(|(path, _)| (path.matches("node_modules/").count(), path.as_str()));
    let mut loaded = Vec::new();
    for (path, entry) in entries {
        let parent_at = parent_path(path)?;
        let parent = if parent_at.is_empty() {
            Some(0)
        } else {
            tree.tops
                .get(parent_at)
                .copied()
                .or_else(|| find(tree, parent_at))
        };
        // Under a package that is gone (an `update` lifted its pin): gone with it.
        let Some(parent) = parent else { continue };
        if entry.link || tree.nodes[parent].link.is_some() {
            // Members are linked before this runs; nothing lives inside a link.
            continue;
        }
        let name = entry_name(path);
        let bundled = &entry.bundle_dependencies;
        let mut edges = entry.edges(false);
        edges.retain(|(n, _, kind)| !(bundled.contains(n) || legacy_peer_deps && kind.is_peer()));
        let node = Node {
            name: name.to_owned(),
            real_name: entry.package_name(path).to_owned(),
            version: entry.version.clone().unwrap_or_default(),
            parent: None,
            children: std::collections::BTreeMap::new(),
            depth: 0,
            path: String::new(),
            edges,
            rules: RuleSet::ROOT,
            edge_rules: std::collections::BTreeMap::new(),
            entry: entry.clone(),
            link: None,
            locked: true,
            // The lockfile does not say who asked; the folder it sits in is a dependent
            // (or a hoisted copy's neighbour) and always an earlier node.
            via: (parent != 0).then_some(parent),
        };
        loaded.push(tree.add(parent, node));
    }
    Some(
        loaded
            .into_iter()
            .filter(|&id| has_problem(tree, id))
            .collect(),
    )
}

/// Whether the entry at `path` is one this start models: a package with a version, or a
/// member's link under the name the member has now.
fn loadable(tree: &Tree, path: &str, entry: &LockEntry) -> bool {
    if !entry.link {
        return entry.version.is_some() && !is_top_path(path);
    }
    let target = entry.resolved.as_deref().and_then(|r| tree.tops.get(r));
    parent_path(path) == Some("")
        && target.is_some()
        && tree.nodes[0].children.get(entry_name(path)) == target
}

fn is_top_path(path: &str) -> bool {
    !path.starts_with("node_modules/") && !path.contains("/node_modules/")
}

/// The node at install path `path`, below the root.
fn find(tree: &Tree, path: &str) -> Option<NodeId> {
    let parent = match parent_path(path)? {
        "" => 0,
        p => tree.tops.get(p).copied().or_else(|| find(tree, p))?,
    };
    tree.nodes[parent].children.get(entry_name(path)).copied()
}

/// Arborist's problem edges: one that resolves to nothing (an optional peer aside) or to a
/// copy its spec does not accept.
pub(crate) fn has_problem(tree: &Tree, id: NodeId) -> bool {
    tree.nodes[id].edges.iter().any(|(name, spec, kind)| {
        match tree.lookup(tree.resolve_base(id, *kind), name) {
            None => *kind != DepKind::PeerOptional,
            Some(found) => {
                let f = &tree.nodes[found];
                !satisfies(name, spec, &f.real_name, &f.version)
            }
        }
    })
}
