use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use nodejs_semver::Version;
use utoo_events::{one_line, Event, Events, Phase, WarningCode};
use utoo_lockfile::{calc_dep_flags, is_top, locale_cmp, LockEntry, Lockfile};
use utoo_manifest::{DepKind, Manifest, Overrides, Packument, RuleSet, Spec};

use crate::displace::{
    self, broken_users, deepest_nesting, drop_stale, prune_dedupable, users_can_nest,
};
use crate::folder::{self, top_entry, Member};
use crate::locked_tree;
use crate::overridden::{Edge, Rewriter, Rewritten};
use crate::satisfies::satisfies;
use crate::tree::{Node, NodeId, Tree};
use crate::{PackumentSource, RequiredBy, ResolveError};

/// The npm settings that change how a tree is resolved.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// npm's `--legacy-peer-deps`: peers are neither installed nor checked.
    pub legacy_peer_deps: bool,
    /// npm's `--strict-peer-deps`: every peer conflict fails, not only one between the
    /// project's own direct dependencies.
    pub strict_peer_deps: bool,
    /// npm's `--force`: peer conflicts are warnings.
    pub force: bool,
    /// The running Node, for `engines.node` preferences.
    pub node_version: Option<Version>,
    /// `name` → version that `add` picked for an explicit request (`x@1.2.3` is saved as
    /// `^1.2.3` but installs 1.2.3, as in npm): chosen wherever it satisfies.
    pub prefer: Vec<(String, String)>,
}

/// The resolved tree, as lockfile entries keyed by install path (the root is `""`).
#[derive(Debug)]
pub struct Resolved {
    /// Every node, dep flags computed, as package-lock.json's `packages` holds them.
    pub packages: BTreeMap<String, LockEntry>,
}

/// Builds the tree npm would build for `root`: breadth-first by depth then path, each
/// dependency placed as high as it can go without conflicting with or shadowing what is
/// already there; peers placed beside their dependent. Versions from `locked` are kept when
/// they still satisfy. Warnings (deprecations, engines, non-fatal peer conflicts, skipped
/// optionals) go to `events`.
pub async fn resolve<S: PackumentSource>(
    root: &Manifest,
    locked: Option<&Lockfile>,
    source: &S,
    options: &ResolveOptions,
    events: &Events,
) -> Result<Resolved, ResolveError> {
    resolve_workspace(root, &[], locked, source, options, events).await
}

/// [`resolve`] for a project with workspaces: each member is linked into the root's
/// node_modules and its dependencies (devDependencies too) resolve from its folder,
/// hoisted to the root where nothing conflicts, as arborist builds a workspace tree.
pub async fn resolve_workspace<S: PackumentSource>(
    root: &Manifest,
    members: &[Member],
    locked: Option<&Lockfile>,
    source: &S,
    options: &ResolveOptions,
    events: &Events,
) -> Result<Resolved, ResolveError> {
    let overrides = Overrides::parse(root.overrides.as_ref())?;
    overrides.check_direct(root)?;
    let mut resolver = Resolver {
        source,
        options,
        events,
        preferred: preferred_versions(locked, &options.prefer),
        overrides,
        root,
        locked,
    };
    resolver.run(root, members).await
}

struct Resolver<'a, S> {
    source: &'a S,
    options: &'a ResolveOptions,
    events: &'a Events,
    /// Versions an existing lockfile had for each package name.
    preferred: BTreeMap<String, Vec<String>>,
    /// The root's package.json `overrides`.
    overrides: Overrides,
    /// The root project, which `$name` overrides refer to.
    root: &'a Manifest,
    /// The existing lockfile, whose tree the resolution starts from.
    locked: Option<&'a Lockfile>,
}

/// What [`Resolver::check_existing`] found for an edge.
enum Existing {
    /// Nothing more to place; these nodes were (re)placed.
    Done(Vec<NodeId>),
    /// The edge needs a package placed.
    Place,
}

#[derive(PartialEq, Eq)]
struct QueueKey(usize, String);

impl Ord for QueueKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .cmp(&other.0)
            .then_with(|| locale_cmp(&self.1, &other.1))
    }
}
impl PartialOrd for QueueKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<S: PackumentSource> Resolver<'_, S> {
    async fn run(&mut self, root: &Manifest, members: &[Member]) -> Result<Resolved, ResolveError> {
        let root_entry = root_entry(root);
        let root_edges = self.rewrite(RuleSet::ROOT, root, root.edges(true))?;
        self.prefetch_edges(&root_edges.edges);
        let mut tree = Tree::new(Node {
            name: root.name.clone(),
            real_name: root.name.clone(),
            version: root.version.clone(),
            parent: None,
            children: BTreeMap::new(),
            depth: 0,
            path: String::new(),
            edges: root_edges.edges,
            rules: RuleSet::ROOT,
            edge_rules: root_edges.rules,
            entry: root_entry,
            link: None,
            locked: false,
            via: None,
        });
        let mut queue = BinaryHeap::from([Reverse((QueueKey(0, String::new()), 0))]);
        // Members are linked before anything resolves, so a member's dependency on another
        // member finds its link (arborist's loadWorkspaces).
        for member in members {
            let target = self.add_top(&mut tree, &member.path, &member.manifest)?;
            tree.add_link(0, &member.manifest.name, target);
            queue.push(Reverse((QueueKey(0, member.path.clone()), target)));
        }
        // Overrides' rule sets depend on where a package was placed, which a lockfile does
        // not record: with overrides the tree is built again, locked versions preferred.
        let lock = self.locked.filter(|_| self.overrides.is_empty());
        if let Some(problems) =
            lock.and_then(|l| locked_tree::load(&mut tree, l, self.options.legacy_peer_deps))
        {
            for id in problems {
                let node = &tree.nodes[id];
                queue.push(Reverse((QueueKey(node.depth, node.path.clone()), id)));
            }
        }
        let mut done = 0u64;
        while let Some(Reverse((_, id))) = queue.pop() {
            // Taken out of the tree since it was queued (arborist skips those too).
            if !tree.is_attached(id) {
                continue;
            }
            let edges = tree.nodes[id].edges.clone();
            for (name, spec, kind) in edges {
                for new_id in self
                    .resolve_edge(&mut tree, id, &name, &spec, kind, None)
                    .await?
                {
                    let node = &tree.nodes[new_id];
                    queue.push(Reverse((QueueKey(node.depth, node.path.clone()), new_id)));
                }
            }
            done += 1;
            self.events.emit(&Event::Progress {
                phase: Phase::Resolve,
                done,
                total: tree.nodes.len() as u64,
                package: (id != 0).then(|| {
                    let n = &tree.nodes[id];
                    format!("{}@{}", n.real_name, n.version)
                }),
            });
        }

        let attached: Vec<bool> = (0..tree.nodes.len())
            .map(|id| tree.is_attached(id))
            .collect();
        let mut packages = BTreeMap::new();
        for (node, attached) in tree.nodes.into_iter().zip(attached) {
            if attached {
                packages.insert(node.path, node.entry);
            }
        }
        calc_dep_flags(&mut packages);
        // What a replaced package needed and nothing else does (npm prunes it too).
        packages.retain(|_, e| !e.extraneous);
        Ok(Resolved { packages })
    }

    /// Makes `name` resolvable from node `id`; returns the nodes newly placed (the package
    /// and the peers placed with it).
    async fn resolve_edge(
        &mut self,
        tree: &mut Tree,
        id: NodeId,
        name: &str,
        spec: &str,
        kind: DepKind,
        requester: Option<NodeId>,
    ) -> Result<Vec<NodeId>, ResolveError> {
        if let Ok(Spec::Directory { path }) = Spec::parse(name, spec) {
            return self.resolve_folder(tree, id, name, spec, &path, kind).await;
        }
        let base = tree.resolve_base(id, kind);
        // A stale copy the dependent rejects goes first; it is placed again from here up,
        // as arborist re-places it (a satisfying copy higher up then serves).
        let requeued = if kind.is_peer() {
            Vec::new()
        } else {
            drop_stale(tree, base, id, name, spec)
        };
        let mut placed = match self
            .check_existing(tree, id, base, name, spec, kind)
            .await?
        {
            Existing::Done(placed) => placed,
            Existing::Place => {
                self.place(tree, id, base, name, spec, kind, requester)
                    .await?
            }
        };
        placed.extend(requeued);
        Ok(placed)
    }

    /// Places a package for the edge `name@spec` of `id`, which nothing satisfies yet.
    #[allow(
        clippy::too_many_arguments,
        reason = "the edge's parts and where it stands in the tree; a struct would only rename them"
    )]
    async fn place(
        &mut self,
        tree: &mut Tree,
        id: NodeId,
        base: NodeId,
        name: &str,
        spec: &str,
        kind: DepKind,
        requester: Option<NodeId>,
    ) -> Result<Vec<NodeId>, ResolveError> {
        let asker = Asker { tree, id };
        let Some(manifest) = self
            .manifest_for_edge(asker, base, requester, name, spec, kind)
            .await?
        else {
            return Ok(Vec::new());
        };
        if tree.nodes[base].children.contains_key(name) {
            let who = describe(tree, id);
            self.events.warn(
                WarningCode::PeerConflict,
                format!("{who} needs {name}@{spec} where another version already sits; keeping it"),
            );
            return Ok(Vec::new());
        }
        let rules = tree.nodes[id].edge_rule(name);
        let edges = self.rewrite(rules, &manifest, dependency_edges(&manifest))?;
        let target = hoist_target(
            tree,
            base,
            requester.unwrap_or(id),
            name,
            &manifest,
            &edges.edges,
        );
        self.warn_about(&manifest);
        self.prefetch_edges(&edges.edges);
        match target {
            Hoist::Under(level) => {
                let placed = self
                    .place_with_peers(tree, level, id, name, &manifest, rules, edges)
                    .await?;
                prune_dedupable(tree, level, name, placed[0]);
                Ok(placed)
            }
            Hoist::Replace(current) => {
                displace::replace(tree, current, name, &manifest, rules, edges);
                Ok(vec![current])
            }
        }
    }

    /// A `file:` folder edge: a link to the folder (placed as high as a registry copy would
    /// go), and the folder itself as a top whose dependencies resolve from it. Returns the
    /// top when it is new, to be resolved in turn.
    async fn resolve_folder(
        &mut self,
        tree: &mut Tree,
        id: NodeId,
        name: &str,
        spec: &str,
        spec_path: &str,
        kind: DepKind,
    ) -> Result<Vec<NodeId>, ResolveError> {
        let from = &tree.nodes[id].path;
        // A top's `file:` spec is relative to its folder; one on a package inside
        // node_modules comes from an override, which npm reads relative to the root.
        let base = if is_top(from) { from.as_str() } else { "" };
        let Some(path) = folder::join(base, spec_path) else {
            // An absolute path, or one that leaves the project.
            let error = ResolveError::Unsupported {
                name: name.into(),
                spec: spec.into(),
                required_by: required_by(tree, id),
                kind: "file",
            };
            return self
                .optional_or(kind, error)
                .map(|_: Option<()>| Vec::new());
        };
        if let Some(found) = tree.lookup(id, name) {
            let f = &tree.nodes[found];
            if f.link.is_some_and(|t| tree.nodes[t].path == path) {
                return Ok(Vec::new());
            }
        }
        let (target, new) = match tree.tops.get(&path) {
            Some(&t) => (t, false),
            None => {
                let manifest = match self.source.folder(&path).await {
                    Ok(m) => m,
                    Err(source) => {
                        let error = ResolveError::Folder {
                            name: name.into(),
                            path: path.clone(),
                            required_by: required_by(tree, id),
                            source,
                        };
                        return self
                            .optional_or(kind, error)
                            .map(|_: Option<()>| Vec::new());
                    }
                };
                let top = self.add_top(tree, &path, &manifest)?;
                tree.nodes[top].via = Some(id);
                (top, true)
            }
        };
        if tree.nodes[id].children.contains_key(name) {
            let who = describe(tree, id);
            self.events.warn(
                WarningCode::PeerConflict,
                format!("{who} needs {name}@{spec} where another version already sits; keeping it"),
            );
        } else {
            let level = link_level(tree, id, name, target);
            tree.add_link(level, name, target);
        }
        Ok(if new { vec![target] } else { Vec::new() })
    }

    /// What is already there for the edge: a satisfying copy (nothing to do), a wrong peer
    /// beside its dependent (replaced, or a conflict), or room to place one.
    async fn check_existing(
        &mut self,
        tree: &mut Tree,
        id: NodeId,
        base: NodeId,
        name: &str,
        spec: &str,
        kind: DepKind,
    ) -> Result<Existing, ResolveError> {
        let Some(found) = tree.lookup(base, name) else {
            // Optional peers are checked when present, never installed for their own sake.
            return Ok(if kind == DepKind::PeerOptional {
                Existing::Done(Vec::new())
            } else {
                Existing::Place
            });
        };
        let f = &tree.nodes[found];
        if satisfies(name, spec, &f.real_name, &f.version) {
            return Ok(Existing::Done(Vec::new()));
        }
        // A peer that resolves to a wrong copy sitting right beside its dependent cannot be
        // fixed here; one found higher up is shadowed by a right copy placed beside it.
        if kind.is_peer() && (id == 0 || f.parent == Some(base)) {
            let rules = tree.nodes[id].edge_rule(name);
            if self
                .try_replace(tree, found, name, spec, kind, rules)
                .await?
            {
                return Ok(Existing::Done(vec![found]));
            }
            if let Some(requeued) = self
                .replace_nesting_users(tree, id, base, found, name, spec, kind)
                .await?
            {
                return Ok(Existing::Done(requeued));
            }
            self.peer_conflict(tree, id, found, name, spec)?;
            return Ok(Existing::Done(Vec::new()));
        }
        Ok(Existing::Place)
    }

    /// The manifest of the version [`Self::pick_for_edge`] chooses; `None` for an optional
    /// edge that cannot be had.
    #[allow(
        clippy::too_many_arguments,
        reason = "the edge's parts and where it stands in the tree; a struct would only rename them"
    )]
    async fn manifest_for_edge(
        &mut self,
        asker: Asker<'_>,
        base: NodeId,
        requester: Option<NodeId>,
        name: &str,
        spec: &str,
        kind: DepKind,
    ) -> Result<Option<Manifest>, ResolveError> {
        let Some((packument, version)) = self
            .pick_for_edge(asker, base, requester, name, spec, kind)
            .await?
        else {
            return Ok(None);
        };
        match packument.manifest(&version) {
            Some(Ok(manifest)) => Ok(Some(manifest)),
            Some(Err(source)) => {
                let error = ResolveError::BadManifest {
                    name: packument.name.clone(),
                    version,
                    required_by: asker.required_by(),
                    source,
                };
                self.optional_or(kind, error)
            }
            None => unreachable!("pick only returns published versions"),
        }
    }

    /// Engine and deprecation warnings for a package about to be placed.
    fn warn_about(&self, manifest: &Manifest) {
        if let Some(node) = &self.options.node_version {
            if let Some(wanted) = manifest.node_engine_mismatch(node) {
                self.events.warn(
                    WarningCode::BadEngine,
                    format!(
                        "{}@{} wants node {wanted}, this is {node}",
                        manifest.name, manifest.version
                    ),
                );
            }
        }
        if let Some(message) = manifest.is_deprecated() {
            self.events.warn(
                WarningCode::Deprecated,
                format!("{}@{}: {message}", manifest.name, manifest.version),
            );
        }
    }

    /// Places the package in `target`'s node_modules, then its peers: npm places a package
    /// together with its peer set, before anything else can take the spots its peers need.
    #[allow(
        clippy::too_many_arguments,
        reason = "the package, where it goes and who asked; a struct would only rename them"
    )]
    async fn place_with_peers(
        &mut self,
        tree: &mut Tree,
        target: NodeId,
        requester: NodeId,
        name: &str,
        manifest: &Manifest,
        rules: RuleSet,
        edges: Rewritten,
    ) -> Result<Vec<NodeId>, ResolveError> {
        let peers: Vec<(String, String)> = edges
            .edges
            .iter()
            .filter(|(_, _, k)| *k == DepKind::Peer)
            .map(|(n, s, _)| (n.clone(), s.clone()))
            .collect();
        let node = Node::package(
            name,
            manifest,
            edges,
            rules,
            LockEntry::from_manifest(name, manifest),
        );
        let new_id = tree.add(target, node);
        tree.nodes[new_id].via = Some(requester);
        let mut placed = vec![new_id];
        for (peer, peer_spec) in peers {
            let more = Box::pin(self.resolve_edge(
                tree,
                new_id,
                &peer,
                &peer_spec,
                DepKind::Peer,
                Some(requester),
            ))
            .await?;
            placed.extend(more);
        }
        Ok(placed)
    }

    /// Arborist's REPLACE of a peer's wrong copy beside its dependent when the packages that
    /// use that copy can each nest one of their own deeper down (and the dependent's peer
    /// cannot go anywhere but here): they are queued again to do so.
    #[allow(
        clippy::too_many_arguments,
        reason = "the edge's parts and where it stands in the tree; a struct would only rename them"
    )]
    async fn replace_nesting_users(
        &mut self,
        tree: &mut Tree,
        id: NodeId,
        base: NodeId,
        found: NodeId,
        name: &str,
        spec: &str,
        kind: DepKind,
    ) -> Result<Option<Vec<NodeId>>, ResolveError> {
        if tree.nodes[found].link.is_some() || deepest_nesting(tree, id, name, kind) != base {
            return Ok(None);
        }
        let asker = Asker { tree, id };
        let Some((packument, version)) = self.pick(name, spec, kind, asker).await? else {
            return Ok(None);
        };
        if !users_can_nest(tree, id, found, base, name, &packument.name, &version) {
            return Ok(None);
        }
        let Some(Ok(manifest)) = packument.manifest(&version) else {
            return Ok(None);
        };
        let rules = tree.nodes[id].edge_rule(name);
        let edges = self.rewrite(rules, &manifest, dependency_edges(&manifest))?;
        self.warn_about(&manifest);
        self.prefetch_edges(&edges.edges);
        displace::replace(tree, found, name, &manifest, rules, edges);
        let mut requeued = vec![found];
        requeued.extend(broken_users(tree, name, id));
        Ok(Some(requeued))
    }

    /// Arborist's REPLACE: swaps the package at `found` for the version `name@spec` picks
    /// when that version satisfies every edge that resolves to `found` today (a loose peer
    /// range took the newest version first; a stricter one then narrows it).
    async fn try_replace(
        &mut self,
        tree: &mut Tree,
        found: NodeId,
        name: &str,
        spec: &str,
        kind: DepKind,
        rules: RuleSet,
    ) -> Result<bool, ResolveError> {
        if tree.nodes[found].link.is_some() {
            return Ok(false);
        }
        let asker = Asker { tree, id: found };
        let Some((packument, version)) = self.pick(name, spec, kind, asker).await? else {
            return Ok(false);
        };
        let all_ok = tree.users_accept(found, name, &packument.name, &version);
        let Some(Ok(manifest)) = packument.manifest(&version) else {
            return Ok(false);
        };
        if !all_ok {
            return Ok(false);
        }
        let edges = self.rewrite(rules, &manifest, dependency_edges(&manifest))?;
        self.prefetch_edges(&edges.edges);
        displace::replace(tree, found, name, &manifest, rules, edges);
        Ok(true)
    }

    /// The version for an edge. For a peer, npm first tries the spec of the package that
    /// asked for the dependent (`requester`, when the peer is placed with its dependent's peer
    /// set) or of the folder the peer lands in (`base`), keeping the result if it also suits
    /// the peer: a plugin's loose peer range cannot push its host's own pin aside.
    #[allow(
        clippy::too_many_arguments,
        reason = "the edge's parts and where it stands in the tree; a struct would only rename them"
    )]
    async fn pick_for_edge(
        &mut self,
        asker: Asker<'_>,
        base: NodeId,
        requester: Option<NodeId>,
        name: &str,
        spec: &str,
        kind: DepKind,
    ) -> Result<Option<(Arc<Packument>, String)>, ResolveError> {
        let tree = asker.tree;
        if kind.is_peer() {
            for context in requester.into_iter().chain([base]) {
                let own = tree.nodes[context]
                    .edges
                    .iter()
                    .find(|(n, _, k)| n == name && !k.is_peer())
                    .map(|(_, s, _)| s.clone());
                let Some(own_spec) = own else { continue };
                let who = Asker { tree, id: context };
                if let Some((packument, version)) = self.pick(name, &own_spec, kind, who).await? {
                    if satisfies(name, spec, &packument.name, &version) {
                        return Ok(Some((packument, version)));
                    }
                }
            }
        }
        self.pick(name, spec, kind, asker).await
    }

    /// Chooses the version for `name@spec`; `None` for an optional dependency that cannot
    /// be had (npm skips those).
    async fn pick(
        &mut self,
        name: &str,
        spec: &str,
        kind: DepKind,
        asker: Asker<'_>,
    ) -> Result<Option<(Arc<Packument>, String)>, ResolveError> {
        let (real, req) = match Spec::parse(name, spec)? {
            Spec::Registry { name, req } => (name, req),
            parsed @ (Spec::File { .. } | Spec::Remote { .. } | Spec::Git(_)) => {
                return self.pick_spec(name, spec, &parsed, kind, asker).await;
            }
            other => {
                let error = ResolveError::Unsupported {
                    name: name.into(),
                    spec: spec.into(),
                    required_by: asker.required_by(),
                    kind: other.kind(),
                };
                return self.optional_or(kind, error);
            }
        };
        let packument = match self.source.get(&real).await {
            Ok(p) => p,
            Err(e) => {
                let error = ResolveError::Fetch {
                    name: real,
                    required_by: asker.required_by(),
                    source: e,
                };
                return self.optional_or(kind, error);
            }
        };
        let preferred = self.preferred.get(&real).and_then(|versions| {
            versions
                .iter()
                .filter(|v| packument.has_version(v))
                .filter(|v| satisfies(name, spec, &real, v))
                .filter_map(|v| Version::parse(v).ok().map(|parsed| (parsed, v)))
                .max_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, v)| v.clone())
        });
        let chosen = preferred.or_else(|| packument.pick(&req, self.options.node_version.as_ref()));
        let Some(version) = chosen else {
            let error = ResolveError::NoMatch {
                name: real,
                spec: spec.into(),
                required_by: asker.required_by(),
            };
            return self.optional_or(kind, error);
        };
        Ok(Some((packument, version)))
    }

    /// The version of a `file:`, remote or git spec: the only one its source answers with.
    async fn pick_spec(
        &mut self,
        name: &str,
        spec: &str,
        parsed: &Spec,
        kind: DepKind,
        asker: Asker<'_>,
    ) -> Result<Option<(Arc<Packument>, String)>, ResolveError> {
        let error = match self.source.get_spec(name, parsed).await {
            Some(Ok(packument)) => match packument.dist_tags.get("latest") {
                Some(version) if packument.has_version(version) => {
                    let version = version.clone();
                    return Ok(Some((packument, version)));
                }
                _ => ResolveError::NoMatch {
                    name: name.into(),
                    spec: spec.into(),
                    required_by: asker.required_by(),
                },
            },
            Some(Err(source)) => ResolveError::SpecSource {
                name: name.into(),
                spec: spec.into(),
                required_by: asker.required_by(),
                source,
            },
            None => ResolveError::Unsupported {
                name: name.into(),
                spec: spec.into(),
                required_by: asker.required_by(),
                kind: parsed.kind(),
            },
        };
        self.optional_or(kind, error)
    }

    fn optional_or<T>(
        &mut self,
        kind: DepKind,
        error: ResolveError,
    ) -> Result<Option<T>, ResolveError> {
        if kind.is_optional() {
            self.events.warn(
                WarningCode::OptionalSkipped,
                format!("skipping optional dependency: {}", one_line(&error)),
            );
            Ok(None)
        } else {
            Err(error)
        }
    }

    fn peer_conflict(
        &mut self,
        tree: &Tree,
        dependent: NodeId,
        found: NodeId,
        name: &str,
        spec: &str,
    ) -> Result<(), ResolveError> {
        let f = &tree.nodes[found];
        let found_for = tree
            .dependents
            .get(name)
            .and_then(|ds| {
                ds.iter()
                    .find(|d| **d != dependent && tree.lookup(**d, name) == Some(found))
            })
            .map_or_else(|| "another package".into(), |d| describe(tree, *d));
        let error = ResolveError::PeerConflict {
            dependent: describe(tree, dependent),
            name: name.into(),
            wanted: spec.into(),
            found: format!("{}@{}", f.real_name, f.version),
            found_for,
        };
        // npm fails when both sides are the project's own direct dependencies.
        let is_direct = |node: NodeId| {
            let n = &tree.nodes[node];
            tree.nodes[0].edges.iter().any(|(e, _, _)| *e == n.name)
                && tree.lookup(0, &n.name) == Some(node)
        };
        let direct = (dependent == 0 || is_direct(dependent)) && is_direct(found);
        if (direct || self.options.strict_peer_deps) && !self.options.force {
            return Err(error);
        }
        self.events
            .warn(WarningCode::PeerConflict, error.to_string());
        Ok(())
    }

    /// A member's or a `file:` folder's node at `path`: a top with its devDependencies, under
    /// the root's overrides (arborist gives members and link targets the root's).
    fn add_top(
        &self,
        tree: &mut Tree,
        path: &str,
        manifest: &Manifest,
    ) -> Result<NodeId, ResolveError> {
        let edges = self.rewrite(RuleSet::ROOT, manifest, manifest.edges(true))?;
        self.prefetch_edges(&edges.edges);
        Ok(tree.add_top(path, top_node(path, manifest, edges)))
    }

    /// `local`'s edges as its rule set `rules` overrides them. With `--legacy-peer-deps` a
    /// peer is no edge at all (arborist never loads them): it neither gets installed nor
    /// holds its dependent back from hoisting past a copy that would not satisfy it.
    fn rewrite(
        &self,
        rules: RuleSet,
        local: &Manifest,
        mut edges: Vec<Edge>,
    ) -> Result<Rewritten, ResolveError> {
        if self.options.legacy_peer_deps {
            edges.retain(|(_, _, kind)| !kind.is_peer());
        }
        let rewriter = Rewriter {
            overrides: &self.overrides,
            root: self.root,
        };
        Ok(rewriter.edges(rules, local, edges)?)
    }

    fn prefetch_edges(&self, edges: &[(String, String, DepKind)]) {
        self.source
            .prefetch_edges(edges, self.options.legacy_peer_deps);
    }
}

/// The `""` entry npm writes for the project itself (its `workspaces` field as written).
pub fn root_entry(root: &Manifest) -> LockEntry {
    let mut entry = LockEntry::from_manifest(&root.name, root);
    entry.name = (!root.name.is_empty()).then(|| root.name.clone());
    entry.resolved = None;
    entry.integrity = None;
    entry.deprecated = None;
    entry.dev_dependencies = root.dev_dependencies.clone();
    entry
}

fn top_node(path: &str, manifest: &Manifest, edges: Rewritten) -> Node {
    let name = path.rsplit('/').next().unwrap_or(path);
    Node::package(
        name,
        manifest,
        edges,
        RuleSet::ROOT,
        top_entry(path, manifest),
    )
}

/// Where a link to `target` goes: the highest level from `from` up with no `name` yet and
/// where nothing below would be shadowed (links are placed like any other node).
fn link_level(tree: &Tree, from: NodeId, name: &str, target: NodeId) -> NodeId {
    let t = &tree.nodes[target];
    let mut level = from;
    while let Some(up) = tree.nodes[level].parent {
        if tree.nodes[up].children.contains_key(name)
            || tree.would_shadow(up, name, &t.real_name, &t.version)
        {
            break;
        }
        level = up;
    }
    level
}

/// A placed package's edges. Bundled dependencies arrive inside the tarball; npm never
/// resolves them.
fn dependency_edges(manifest: &Manifest) -> Vec<(String, String, DepKind)> {
    let bundled = manifest.bundled();
    manifest
        .edges(false)
        .into_iter()
        .filter(|(n, _, _)| !bundled.contains(n))
        .collect()
}

/// Where a package goes: into a level's node_modules, or in place of another version.
enum Hoist {
    Under(NodeId),
    Replace(NodeId),
}

/// The highest place from `base` up that can take `name` (the last that is no conflict, as
/// arborist's place-dep walks): a level with no copy of it where no copy below would be
/// hidden, or one whose copy it can replace; and the package's peers resolve there.
fn hoist_target(
    tree: &Tree,
    base: NodeId,
    from: NodeId,
    name: &str,
    manifest: &Manifest,
    edges: &[(String, String, DepKind)],
) -> Hoist {
    let mut target = Hoist::Under(base);
    let mut level = base;
    while let Some(up) = tree.nodes[level].parent {
        let fits = match tree.nodes[up].children.get(name) {
            Some(&current) => can_replace(tree, current, name, manifest),
            None => !tree.would_shadow(up, name, &manifest.name, &manifest.version),
        };
        if !fits || !peers_fit(tree, up, from, edges) {
            break;
        }
        target = match tree.nodes[up].children.get(name) {
            Some(&current) => Hoist::Replace(current),
            None => Hoist::Under(up),
        };
        level = up;
    }
    target
}

/// Arborist's REPLACE of a placed package by another version of it: the same package, not
/// older, and every edge that resolves to the placed one accepts it.
fn can_replace(tree: &Tree, current: NodeId, name: &str, manifest: &Manifest) -> bool {
    let placed = &tree.nodes[current];
    let newer = match (
        Version::parse(&manifest.version),
        Version::parse(&placed.version),
    ) {
        (Ok(new), Ok(old)) => new >= old,
        _ => false,
    };
    placed.link.is_none()
        && placed.real_name == manifest.name
        && newer
        && tree.users_accept(current, name, &manifest.name, &manifest.version)
}

/// Whether every peer in `edges` resolves to a satisfying copy (or to nothing yet) from
/// `level`. An optional peer counts only when `from` (whose edge brings the package in)
/// sees a copy its range rejects: arborist leaves it out of the peer set otherwise, and fixes
/// it once the package is placed.
fn peers_fit(
    tree: &Tree,
    level: NodeId,
    from: NodeId,
    edges: &[(String, String, DepKind)],
) -> bool {
    let counts = |name: &str, spec: &str, kind: DepKind| {
        kind == DepKind::Peer
            || tree.lookup(from, name).is_some_and(|seen| {
                let s = &tree.nodes[seen];
                !satisfies(name, spec, &s.real_name, &s.version)
            })
    };
    edges
        .iter()
        .filter(|(n, s, k)| k.is_peer() && counts(n, s, *k))
        .all(|(name, spec, _)| match tree.lookup(level, name) {
            None => true,
            Some(found) => {
                let f = &tree.nodes[found];
                satisfies(name, spec, &f.real_name, &f.version)
            }
        })
}

fn describe(tree: &Tree, id: NodeId) -> String {
    let n = &tree.nodes[id];
    if id == 0 {
        "the root project".into()
    } else {
        format!("{}@{}", n.real_name, n.version)
    }
}

/// The node whose edge is being resolved, for an error's chain of dependents: built only
/// when an error is.
#[derive(Clone, Copy)]
struct Asker<'t> {
    tree: &'t Tree,
    id: NodeId,
}

impl Asker<'_> {
    fn required_by(self) -> RequiredBy {
        required_by(self.tree, self.id)
    }
}

/// The dependents from the project down to `id`, following `via` (each an earlier node).
fn required_by(tree: &Tree, id: NodeId) -> RequiredBy {
    let mut dependents = Vec::new();
    let mut cur = Some(id);
    while let Some(n) = cur.filter(|&n| n != 0 && dependents.len() < tree.nodes.len()) {
        dependents.push(describe(tree, n));
        cur = tree.nodes[n].via;
    }
    dependents.reverse();
    RequiredBy::new("the root project", dependents)
}

fn preferred_versions(
    locked: Option<&Lockfile>,
    prefer: &[(String, String)],
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, version) in prefer {
        // An explicit request outranks what the lockfile had.
        out.insert(name.clone(), vec![version.clone()]);
    }
    let Some(lock) = locked else {
        return out;
    };
    for (path, entry) in &lock.packages {
        if path.is_empty() || entry.link {
            continue;
        }
        let name = entry.package_name(path).to_owned();
        if prefer.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if let Some(version) = &entry.version {
            out.entry(name).or_default().push(version.clone());
        }
    }
    out
}
