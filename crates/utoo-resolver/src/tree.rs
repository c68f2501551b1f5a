use std::collections::{BTreeMap, HashMap};

use utoo_lockfile::LockEntry;
use utoo_manifest::{DepKind, RuleSet};

use crate::overridden::Rewritten;
use crate::satisfies::satisfies;

pub(crate) type NodeId = usize;

/// A package placed in the tree being built.
#[derive(Debug)]
pub(crate) struct Node {
    /// The folder name (the alias for aliased packages).
    pub name: String,
    pub real_name: String,
    pub version: String,
    pub parent: Option<NodeId>,
    pub children: BTreeMap<String, NodeId>,
    pub depth: usize,
    pub path: String,
    /// Specs as the node's override rules leave them.
    pub edges: Vec<(String, String, DepKind)>,
    /// The override rule set the node was placed under (arborist's `node.overrides`).
    pub rules: RuleSet,
    /// Edges whose rule set differs from `rules`: what they pass on to the package they reach.
    pub edge_rules: BTreeMap<String, RuleSet>,
    pub entry: LockEntry,
    /// For a link (a workspace member's or a `file:` folder's `node_modules/<name>`), the
    /// node of the folder it points to.
    pub link: Option<NodeId>,
    /// Loaded from the lockfile and not placed or replaced since.
    pub locked: bool,
    /// The node whose edge placed this one (None for the root and members): the chain of
    /// dependents an error names. Always an earlier node, so the walk up ends.
    pub via: Option<NodeId>,
}

impl Node {
    /// A package's node, not yet in the tree (`add` gives it its parent, depth and path).
    pub(crate) fn package(
        name: &str,
        manifest: &utoo_manifest::Manifest,
        edges: Rewritten,
        rules: RuleSet,
        entry: LockEntry,
    ) -> Node {
        Node {
            name: name.to_owned(),
            real_name: manifest.name.clone(),
            version: manifest.version.clone(),
            parent: None,
            children: BTreeMap::new(),
            depth: 0,
            path: String::new(),
            edges: edges.edges,
            rules,
            edge_rules: edges.rules,
            entry,
            link: None,
            locked: false,
            via: None,
        }
    }

    /// The rule set the edge `name` carries to the package it places.
    pub(crate) fn edge_rule(&self, name: &str) -> RuleSet {
        self.edge_rules.get(name).copied().unwrap_or(self.rules)
    }
}

/// The tree as an arena; node 0 is the root project.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    /// For each dependency name, every node that has an edge to it: what the shadowing check
    /// must look at before hoisting a new copy of that name.
    pub dependents: HashMap<String, Vec<NodeId>>,
    /// The tops besides the root, by path.
    pub tops: BTreeMap<String, NodeId>,
    /// Every node placed under each folder name, attached or not (arborist's inventory
    /// query by name).
    pub by_name: HashMap<String, Vec<NodeId>>,
}

impl Tree {
    pub(crate) fn new(root: Node) -> Tree {
        let mut tree = Tree::default();
        tree.register_edges(0, &root.edges);
        tree.nodes.push(root);
        tree
    }

    fn register_edges(&mut self, id: NodeId, edges: &[(String, String, DepKind)]) {
        for (name, _, _) in edges {
            self.dependents.entry(name.clone()).or_default().push(id);
        }
    }

    pub(crate) fn add(&mut self, parent: NodeId, mut node: Node) -> NodeId {
        let id = self.nodes.len();
        let parent_path = &self.nodes[parent].path;
        node.path = if parent_path.is_empty() {
            format!("node_modules/{}", node.name)
        } else {
            format!("{parent_path}/node_modules/{}", node.name)
        };
        node.parent = Some(parent);
        node.depth = self.nodes[parent].depth + 1;
        self.register_edges(id, &node.edges);
        self.nodes[parent].children.insert(node.name.clone(), id);
        self.by_name.entry(node.name.clone()).or_default().push(id);
        self.nodes.push(node);
        id
    }

    /// Adds a top: a folder outside any node_modules (a workspace member, a linked folder)
    /// at `path`. Its edges resolve from its own node_modules and then from the root, as
    /// arborist's `fsParent` makes them; it sorts with the root at depth 0.
    pub(crate) fn add_top(&mut self, path: &str, mut node: Node) -> NodeId {
        let id = self.nodes.len();
        node.path = path.to_owned();
        node.parent = Some(0);
        node.depth = 0;
        self.register_edges(id, &node.edges);
        self.tops.insert(path.to_owned(), id);
        self.nodes.push(node);
        id
    }

    /// Adds `parent/node_modules/<name>` as a link to the top `target`.
    pub(crate) fn add_link(&mut self, parent: NodeId, name: &str, target: NodeId) -> NodeId {
        let t = &self.nodes[target];
        let node = Node {
            name: name.to_owned(),
            real_name: t.real_name.clone(),
            version: t.version.clone(),
            parent: None,
            children: BTreeMap::new(),
            depth: 0,
            path: String::new(),
            edges: Vec::new(),
            rules: RuleSet::ROOT,
            edge_rules: BTreeMap::new(),
            entry: LockEntry {
                resolved: Some(t.path.clone()),
                link: true,
                ..LockEntry::default()
            },
            link: Some(target),
            locked: false,
            via: None,
        };
        self.add(parent, node)
    }

    /// Puts another version of the same package in `id`'s place.
    pub(crate) fn replace(
        &mut self,
        id: NodeId,
        manifest: &utoo_manifest::Manifest,
        rules: RuleSet,
        edges: Rewritten,
    ) {
        self.register_edges(id, &edges.edges);
        let node = &mut self.nodes[id];
        node.real_name = manifest.name.clone();
        node.version = manifest.version.clone();
        node.entry = LockEntry::from_manifest(&node.name, manifest);
        node.edges = edges.edges;
        node.rules = rules;
        node.edge_rules = edges.rules;
        node.locked = false;
        // The old version's children stay (arborist keeps them too), but only until an edge
        // of the new version rejects one.
        let kids: Vec<NodeId> = node.children.values().copied().collect();
        for kid in kids {
            self.nodes[kid].locked = true;
        }
    }

    /// Takes `id` (and its subtree) out of the tree: no longer anyone's child, no longer
    /// anyone's dependent that counts, not written.
    pub(crate) fn detach(&mut self, id: NodeId) {
        if let Some(parent) = self.nodes[id].parent.take() {
            let name = self.nodes[id].name.clone();
            if self.nodes[parent].children.get(&name) == Some(&id) {
                self.nodes[parent].children.remove(&name);
            }
        }
    }

    /// Whether `id` still hangs from the root (through its parents).
    pub(crate) fn is_attached(&self, id: NodeId) -> bool {
        let mut cur = id;
        loop {
            if cur == 0 {
                return true;
            }
            match self.nodes[cur].parent {
                Some(parent) => cur = parent,
                None => return false,
            }
        }
    }

    /// Whether every edge that resolves to `found` (the package `name` there) would accept
    /// `real_name@version` in its place; edges from inside `found` do not count, they go
    /// with it.
    pub(crate) fn users_accept(
        &self,
        found: NodeId,
        name: &str,
        real_name: &str,
        version: &str,
    ) -> bool {
        self.every_use(found, name, |_, spec, _| {
            satisfies(name, spec, real_name, version)
        })
    }

    /// Whether `ok(user, spec, kind)` holds for every edge to `name` that resolves to
    /// `found`, from outside `found` (edges from inside it go with it).
    pub(crate) fn every_use(
        &self,
        found: NodeId,
        name: &str,
        ok: impl Fn(NodeId, &str, DepKind) -> bool,
    ) -> bool {
        let users = self.dependents.get(name).map_or(&[][..], Vec::as_slice);
        users
            .iter()
            .filter(|&&user| !self.is_within(user, found))
            .all(|&user| {
                self.nodes[user]
                    .edges
                    .iter()
                    .filter(|(n, _, _)| n == name)
                    .all(|(_, spec, kind)| {
                        self.lookup(self.resolve_base(user, *kind), name) != Some(found)
                            || ok(user, spec, *kind)
                    })
            })
    }

    /// Node resolution: `name` as seen from `from`'s folder.
    pub(crate) fn lookup(&self, from: NodeId, name: &str) -> Option<NodeId> {
        let mut cur = Some(from);
        while let Some(id) = cur {
            if let Some(child) = self.nodes[id].children.get(name) {
                return Some(*child);
            }
            cur = self.nodes[id].parent;
        }
        None
    }

    pub(crate) fn is_within(&self, node: NodeId, ancestor: NodeId) -> bool {
        let mut cur = Some(node);
        while let Some(id) = cur {
            if id == ancestor {
                return true;
            }
            cur = self.nodes[id].parent;
        }
        false
    }

    /// Where an edge of `node` resolves from: a peer is looked up beside its dependent.
    pub(crate) fn resolve_base(&self, node: NodeId, kind: DepKind) -> NodeId {
        if kind.is_peer() {
            self.nodes[node].parent.unwrap_or(node)
        } else {
            node
        }
    }

    /// Whether putting `real_name@version` into `level`'s node_modules would take a
    /// satisfying copy away from any package below `level` that uses one from higher up
    /// (arborist's checkCanPlaceNoCurrent: only edges valid today object) or break `level`'s
    /// own edge.
    pub(crate) fn would_shadow(
        &self,
        level: NodeId,
        name: &str,
        real_name: &str,
        version: &str,
    ) -> bool {
        let Some(dependents) = self.dependents.get(name) else {
            return false;
        };
        for &dependent in dependents {
            if !self.is_within(dependent, level) {
                continue;
            }
            for (edge_name, spec, kind) in &self.nodes[dependent].edges {
                if edge_name != name {
                    continue;
                }
                let base = self.resolve_base(dependent, *kind);
                if !self.is_within(base, level) {
                    continue;
                }
                let Some(current) = self.lookup(base, name) else {
                    // `level` itself needs another version of `name`: it cannot host this one.
                    if base == level
                        && !kind.is_optional()
                        && !satisfies(name, spec, real_name, version)
                    {
                        return true;
                    }
                    continue;
                };
                let current_parent = self.nodes[current]
                    .parent
                    .expect("placed nodes have parents");
                // A copy inside `level`'s subtree stays closer than the new one.
                if current_parent != level && self.is_within(current_parent, level) {
                    continue;
                }
                // Only a valid edge objects: one its current copy does not satisfy is placed
                // anew when its package's turn comes, wherever this one goes.
                let found = &self.nodes[current];
                if satisfies(name, spec, &found.real_name, &found.version)
                    && !satisfies(name, spec, real_name, version)
                {
                    return true;
                }
            }
        }
        false
    }
}
