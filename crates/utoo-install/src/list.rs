//! `ls`: the installed tree as npm's `ls` walks it (breadth first, a package met again is
//! `deduped`), with its problems (missing, invalid, extraneous). Read-only, no network.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

use serde_json::{json, Map, Value};
use utoo_lockfile::{locale_cmp, parent_path};

use crate::installed::Installed;
use crate::InstallError;

/// What `ls` is asked for.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// The project folder.
    pub cwd: PathBuf,
    /// Only show the paths to these packages (by name); the whole depth is searched.
    pub names: Vec<String>,
    /// Every level, not only the project's direct dependencies.
    pub all: bool,
    /// How many levels below the direct dependencies to show (npm's `--depth`).
    pub depth: Option<usize>,
}

/// How a node of the listing stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListState {
    /// Installed and satisfying its dependent.
    Ok,
    /// Depended on and not installed (`UNMET DEPENDENCY`).
    Missing {
        /// The range asked for.
        spec: String,
    },
    /// Installed at a version its dependent's range does not accept.
    Invalid {
        /// The range asked for.
        spec: String,
        /// Who asked (`the root project` or an install path).
        from: String,
    },
    /// Installed and depended on by nothing.
    Extraneous,
}

/// One line of the listing.
#[derive(Debug, Clone)]
pub struct ListNode {
    /// The name it is depended on by (an alias's own name).
    pub name: String,
    /// The package's real name when it differs (an alias's target).
    pub real_name: Option<String>,
    /// The installed version; `None` when missing.
    pub version: Option<String>,
    /// Where its tarball came from, when a lockfile says.
    pub resolved: Option<String>,
    /// How it stands.
    pub state: ListState,
    /// Already listed elsewhere: shown without its dependencies.
    pub deduped: bool,
    /// Its dependencies, when within the depth shown.
    pub children: Vec<ListNode>,
    /// Its own problem lines (also in [`ListReport::problems`]).
    pub problems: Vec<String>,
}

/// The listing of a project.
#[derive(Debug, Clone)]
pub struct ListReport {
    /// The project's `name@version`.
    pub label: String,
    /// package.json's `name` and `version`.
    pub name: String,
    /// See `name`.
    pub version: String,
    /// The project folder.
    pub path: PathBuf,
    /// Its dependencies.
    pub nodes: Vec<ListNode>,
    /// npm's problem lines (`missing: a@^1, required by app@1.0.0`); any makes `ls` fail.
    pub problems: Vec<String>,
}

/// A node in the breadth-first walk, before the tree is assembled.
struct Visit {
    node: ListNode,
    path: Option<String>,
    depth: usize,
    children: Vec<usize>,
}

/// Lists the project in `options.cwd` from its node_modules and lockfiles.
pub fn list(options: &ListOptions) -> Result<ListReport, InstallError> {
    let tree = Installed::read(&options.cwd)?;
    let max_depth = match options.depth {
        Some(d) => d,
        None if options.all || !options.names.is_empty() => usize::MAX,
        None => 0,
    };
    let mut visits: Vec<Visit> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<(Option<usize>, String, usize)> = VecDeque::new();
    queue.push_back((None, String::new(), 0));
    while let Some((parent, path, depth)) = queue.pop_front() {
        for child in children(&tree, &path, &mut problems) {
            let index = visits.len();
            let mut visit = child;
            visit.depth = depth;
            if let Some(p) = parent {
                visits[p].children.push(index);
            }
            if let Some(child_path) = visit.path.clone() {
                if !seen.insert(child_path.clone()) {
                    visit.node.deduped = true;
                } else if depth < max_depth {
                    queue.push_back((Some(index), child_path, depth + 1));
                }
            }
            visits.push(visit);
        }
    }
    let roots: Vec<usize> = (0..visits.len())
        .filter(|i| visits[*i].depth == 0)
        .collect();
    let mut nodes: Vec<ListNode> = roots.iter().map(|i| assemble(&visits, *i)).collect();
    if !options.names.is_empty() {
        nodes = nodes
            .into_iter()
            .filter_map(|n| keep_matching(n, &options.names))
            .collect();
    }
    let mut unique = BTreeSet::new();
    problems.retain(|p| unique.insert(p.clone()));
    let root = &tree.packages[""];
    Ok(ListReport {
        label: tree.root_label(),
        name: root.name.clone().unwrap_or_default(),
        version: root.version.clone().unwrap_or_default(),
        path: tree.root.clone(),
        nodes,
        problems,
    })
}

/// The dependencies of the package at `path` (and the extraneous packages in its
/// node_modules), sorted by name, each with its problems, which also go to `problems`.
fn children(tree: &Installed, path: &str, problems: &mut Vec<String>) -> Vec<Visit> {
    let mut out = Vec::new();
    let mut reached = BTreeSet::new();
    for edge in tree.edges_out(path) {
        let Some(to) = edge.to else {
            // npm does not list a missing optional dependency.
            if edge.kind.is_optional() {
                continue;
            }
            let problem = format!(
                "missing: {}@{}, required by {}",
                edge.name,
                edge.spec,
                tree.label(path)
            );
            let mut missing = visit(edge.name, None, ListState::Missing { spec: edge.spec });
            missing.node.problems.push(problem);
            out.push(missing);
            continue;
        };
        reached.insert(to);
        if tree.valid(&edge) {
            out.push(node_at(tree, edge.name, to, ListState::Ok));
            continue;
        }
        let from = if path.is_empty() {
            "the root project".to_owned()
        } else {
            path.to_owned()
        };
        let state = ListState::Invalid {
            spec: edge.spec,
            from,
        };
        let mut invalid = node_at(tree, edge.name, to, state);
        let problem = format!("invalid: {} {}", tree.label(to), tree.folder(to));
        invalid.node.problems.push(problem);
        out.push(invalid);
    }
    for (child, entry) in &tree.packages {
        if entry.extraneous && parent_path(child) == Some(path) && !reached.contains(child.as_str())
        {
            let name = utoo_lockfile::entry_name(child).to_owned();
            let mut stray = node_at(tree, name, child, ListState::Extraneous);
            let problem = format!("extraneous: {} {}", tree.label(child), tree.folder(child));
            stray.node.problems.push(problem);
            out.push(stray);
        }
    }
    out.sort_by(|a, b| locale_cmp(&a.node.name, &b.node.name));
    for v in &out {
        problems.extend(v.node.problems.iter().cloned());
    }
    out
}

fn visit(name: String, path: Option<String>, state: ListState) -> Visit {
    Visit {
        node: ListNode {
            name,
            real_name: None,
            version: None,
            resolved: None,
            state,
            deduped: false,
            children: Vec::new(),
            problems: Vec::new(),
        },
        path,
        depth: 0,
        children: Vec::new(),
    }
}

fn node_at(tree: &Installed, name: String, path: &str, state: ListState) -> Visit {
    let entry = &tree.packages[path];
    let real = entry.package_name(path);
    let mut v = visit(name, Some(path.to_owned()), state);
    v.node.real_name = (real != v.node.name).then(|| real.to_owned());
    v.node.version = entry.version.clone();
    v.node.resolved = entry.resolved.clone();
    v
}

fn assemble(visits: &[Visit], index: usize) -> ListNode {
    let mut node = visits[index].node.clone();
    node.children = visits[index]
        .children
        .iter()
        .map(|c| assemble(visits, *c))
        .collect();
    node
}

/// `node` pruned to the branches that lead to one of `names`.
fn keep_matching(mut node: ListNode, names: &[String]) -> Option<ListNode> {
    let matches = names
        .iter()
        .any(|n| *n == node.name || node.real_name.as_ref() == Some(n));
    node.children = std::mem::take(&mut node.children)
        .into_iter()
        .filter_map(|c| keep_matching(c, names))
        .collect();
    (matches || !node.children.is_empty()).then_some(node)
}

impl ListReport {
    /// The listing as `npm ls --json` prints it.
    pub fn to_npm_json(&self) -> Value {
        let mut root = Map::new();
        if !self.name.is_empty() {
            root.insert("name".into(), json!(self.name));
        }
        if !self.version.is_empty() {
            root.insert("version".into(), json!(self.version));
        }
        if !self.problems.is_empty() {
            root.insert(
                "error".into(),
                json!({"code": utoo_events::ErrorCode::LsProblems.as_str(), "summary": self.problems.join("\n"), "detail": ""}),
            );
            root.insert("problems".into(), json!(self.problems));
        }
        if !self.nodes.is_empty() {
            root.insert("dependencies".into(), dependencies_json(&self.nodes));
        }
        Value::Object(root)
    }
}

fn dependencies_json(nodes: &[ListNode]) -> Value {
    let mut map = Map::new();
    for node in nodes {
        map.insert(node.name.clone(), node_json(node));
    }
    Value::Object(map)
}

fn node_json(node: &ListNode) -> Value {
    let mut out = Map::new();
    if let ListState::Missing { spec } = &node.state {
        out.insert("required".into(), json!(spec));
        out.insert("missing".into(), json!(true));
        out.insert("problems".into(), json!(node.problems));
        return Value::Object(out);
    }
    if let Some(real) = &node.real_name {
        out.insert("name".into(), json!(real));
    }
    if let Some(v) = &node.version {
        out.insert("version".into(), json!(v));
    }
    if let Some(r) = &node.resolved {
        out.insert("resolved".into(), json!(r));
    }
    out.insert("overridden".into(), json!(false));
    match &node.state {
        ListState::Invalid { spec, from } => {
            out.insert("invalid".into(), json!(format!("\"{spec}\" from {from}")));
        }
        ListState::Extraneous => {
            out.insert("extraneous".into(), json!(true));
        }
        _ => {}
    }
    if !node.problems.is_empty() {
        out.insert("problems".into(), json!(node.problems));
    }
    if !node.children.is_empty() {
        out.insert("dependencies".into(), dependencies_json(&node.children));
    }
    Value::Object(out)
}
