//! Moving copies out of the way, as arborist does when a placement needs a spot that an
//! earlier copy holds: a stale copy (from the lockfile, or kept from a version since
//! replaced) that its dependent rejects is dropped, and a peer's copy is replaced when every
//! package that used it can nest a copy of its own. Whoever is left with a broken edge is
//! queued again, to be fixed in its turn.

use utoo_manifest::DepKind;

use crate::locked_tree::has_problem;
use crate::satisfies::satisfies;
use crate::tree::{NodeId, Tree};

/// Drops `base`'s child `name` when it is stale and `spec` rejects it; returns the other
/// packages its going leaves with a broken edge.
pub(crate) fn drop_stale(
    tree: &mut Tree,
    base: NodeId,
    asker: NodeId,
    name: &str,
    spec: &str,
) -> Vec<NodeId> {
    let Some(&child) = tree.nodes[base].children.get(name) else {
        return Vec::new();
    };
    let c = &tree.nodes[child];
    if !c.locked || c.link.is_some() || satisfies(name, spec, &c.real_name, &c.version) {
        return Vec::new();
    }
    tree.detach(child);
    broken_users(tree, name, asker)
}

/// The attached packages other than `asker` with an edge to `name` that is now broken.
pub(crate) fn broken_users(tree: &Tree, name: &str, asker: NodeId) -> Vec<NodeId> {
    let users = tree.dependents.get(name).map_or(&[][..], Vec::as_slice);
    users
        .iter()
        .copied()
        .filter(|&d| d != asker && tree.is_attached(d) && has_problem(tree, d))
        .collect()
}

/// Whether every package that uses `found` through an edge `real_name@version` would not
/// satisfy could nest a copy of its own below `target` (arborist's canNestCurrent): its
/// deepest place for `name` is neither `target` nor above it.
pub(crate) fn users_can_nest(
    tree: &Tree,
    asker: NodeId,
    found: NodeId,
    target: NodeId,
    name: &str,
    real_name: &str,
    version: &str,
) -> bool {
    tree.every_use(found, name, |user, spec, kind| {
        user == asker || !tree.is_attached(user) || satisfies(name, spec, real_name, version) || {
            let deepest = deepest_nesting(tree, user, name, kind);
            deepest != target && !tree.is_within(target, deepest)
        }
    })
}

/// Puts another version in `current`'s place, then prunes the copies below that it serves,
/// as after any placement.
pub(crate) fn replace(
    tree: &mut Tree,
    current: NodeId,
    name: &str,
    manifest: &utoo_manifest::Manifest,
    rules: utoo_manifest::RuleSet,
    edges: crate::overridden::Rewritten,
) {
    tree.replace(current, manifest, rules, edges);
    let level = tree.nodes[current].parent.unwrap_or(0);
    prune_dedupable(tree, level, name, current);
}

/// The deepest folder an edge of `from` to `name` could be served from (arborist's
/// deepestNestingTarget): `from` itself for a regular edge; for a peer, the first ancestor
/// that does not peer on `name` itself, or the root.
pub(crate) fn deepest_nesting(tree: &Tree, from: NodeId, name: &str, kind: DepKind) -> NodeId {
    if !kind.is_peer() {
        return from;
    }
    let mut cur = tree.nodes[from].parent.unwrap_or(0);
    while cur != 0 {
        let peers_on_it = tree.nodes[cur]
            .edges
            .iter()
            .any(|(n, _, k)| n == name && k.is_peer());
        if !peers_on_it {
            break;
        }
        cur = tree.nodes[cur].parent.unwrap_or(0);
    }
    cur
}

/// After a placement in `target`: every other copy of `name` below it, and the children of
/// those that stay, goes when a copy higher up can serve all that use it (arborist's
/// pruneDedupable after placeDep). `placed` itself stays.
pub(crate) fn prune_dedupable(tree: &mut Tree, target: NodeId, name: &str, placed: NodeId) {
    let copies: Vec<NodeId> = tree.by_name.get(name).cloned().unwrap_or_default();
    for id in copies {
        if id == placed || !tree.is_attached(id) || id == target || !tree.is_within(id, target) {
            continue;
        }
        if can_dedupe(tree, id) {
            tree.detach(id);
            continue;
        }
        let kids: Vec<NodeId> = tree.nodes[id].children.values().copied().collect();
        for kid in kids {
            if can_dedupe(tree, kid) {
                tree.detach(kid);
            }
        }
    }
}

/// Arborist's canDedupe: not a top-level package, and either nothing uses it or the copy its
/// grandparent sees is the same one, or one everything that uses it accepts and no older.
fn can_dedupe(tree: &Tree, id: NodeId) -> bool {
    let node = &tree.nodes[id];
    if node.link.is_some() {
        return false;
    }
    let Some(parent) = node
        .parent
        .filter(|&p| p != 0 && tree.nodes[p].parent.is_some())
    else {
        return false;
    };
    if tree.tops.values().any(|&t| t == parent) {
        return false;
    }
    let grand = tree.nodes[parent].parent.unwrap_or(0);
    let name = node.name.as_str();
    let used = tree.dependents.get(name).is_some_and(|users| {
        users.iter().any(|&u| {
            tree.is_attached(u)
                && tree.nodes[u].edges.iter().any(|(n, _, k)| {
                    n == name && tree.lookup(tree.resolve_base(u, *k), name) == Some(id)
                })
        })
    });
    if !used {
        return true;
    }
    let Some(other) = tree.lookup(grand, name) else {
        return false;
    };
    let o = &tree.nodes[other];
    if o.link.is_some() {
        return false;
    }
    if o.real_name == node.real_name && o.version == node.version {
        return true;
    }
    let newer = match (
        nodejs_semver::Version::parse(&o.version),
        nodejs_semver::Version::parse(&node.version),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => false,
    };
    newer && tree.users_accept(id, name, &o.real_name, &o.version)
}
