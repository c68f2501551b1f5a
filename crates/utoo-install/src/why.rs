//! `why` (npm's `explain`): for each installed copy of a package, the chains of
//! dependents that put it there, up to the project. Read-only, no network.

use std::collections::BTreeSet;
use std::path::Path;

use nodejs_semver::{Range, Version};
use serde::Serialize;
use utoo_manifest::DepKind;

use crate::installed::Installed;
use crate::InstallError;

/// One installed copy and why it is there; serialises as `npm explain --json` does.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The package's real name.
    pub name: String,
    /// Its installed version.
    pub version: String,
    /// Its install path (`node_modules/a/node_modules/b`); the project's folder for the root.
    pub location: String,
    /// Always false until workspaces exist.
    pub is_workspace: bool,
    /// Nothing depends on it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub extraneous: bool,
    /// Only dev dependencies reach it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// Only optional dependencies reach it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Only peer dependencies reach it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub peer: bool,
    /// The edges that reach it.
    pub dependents: Vec<Dependent>,
    /// The project itself (printed as `the root project`).
    #[serde(skip)]
    pub is_root: bool,
}

/// One edge into a package.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependent {
    /// npm's edge type: `prod`, `dev`, `optional`, `peer`, `peerOptional`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The name depended on.
    pub name: String,
    /// The range asked for.
    pub spec: String,
    /// Who depends on it (the project itself when `is_root`).
    pub from: Box<Explanation>,
}

/// Explains every installed package that `query` (`name` or `name@range`) names, in
/// install-path order. An empty list: nothing installed matches.
pub fn explain(cwd: &Path, query: &str) -> Result<Vec<Explanation>, InstallError> {
    let tree = Installed::read(cwd)?;
    let (name, range) = match query.rfind('@').filter(|i| *i > 0) {
        Some(i) => (&query[..i], Range::parse(&query[i + 1..]).ok()),
        None => (query, None),
    };
    let mut out = Vec::new();
    for (path, entry) in tree.packages.iter().filter(|(p, _)| !p.is_empty()) {
        let folder = utoo_lockfile::entry_name(path);
        if entry.package_name(path) != name && folder != name {
            continue;
        }
        let version = entry.version.as_deref().unwrap_or_default();
        if let Some(range) = &range {
            if !Version::parse(version).is_ok_and(|v| range.satisfies(&v)) {
                continue;
            }
        }
        out.push(explain_path(&tree, path, &mut BTreeSet::new()));
    }
    Ok(out)
}

fn explain_path(tree: &Installed, path: &str, seen: &mut BTreeSet<String>) -> Explanation {
    let entry = &tree.packages[path];
    seen.insert(path.to_owned());
    let mut dependents = Vec::new();
    for from in tree.packages.keys() {
        // A cycle is shown once: a dependent already on the chain stops it.
        if !from.is_empty() && seen.contains(from) {
            continue;
        }
        for edge in tree.edges_out(from) {
            if edge.to != Some(path) {
                continue;
            }
            let explained = if from.is_empty() {
                root_explanation(tree)
            } else {
                explain_path(tree, from, &mut seen.clone())
            };
            dependents.push(Dependent {
                kind: kind_name(edge.kind),
                name: edge.name,
                spec: edge.spec,
                from: Box::new(explained),
            });
        }
    }
    Explanation {
        name: entry.package_name(path).to_owned(),
        version: entry.version.clone().unwrap_or_default(),
        location: path.to_owned(),
        is_workspace: false,
        extraneous: entry.extraneous,
        dev: entry.dev,
        optional: entry.optional,
        peer: entry.peer,
        dependents,
        is_root: false,
    }
}

fn root_explanation(tree: &Installed) -> Explanation {
    let root = &tree.packages[""];
    Explanation {
        name: root.name.clone().unwrap_or_default(),
        version: root.version.clone().unwrap_or_default(),
        location: tree.folder(""),
        is_workspace: false,
        extraneous: false,
        dev: false,
        optional: false,
        peer: false,
        dependents: Vec::new(),
        is_root: true,
    }
}

fn kind_name(kind: DepKind) -> &'static str {
    match kind {
        DepKind::Prod => "prod",
        DepKind::Dev => "dev",
        DepKind::Optional => "optional",
        DepKind::Peer => "peer",
        DepKind::PeerOptional => "peerOptional",
    }
}

impl Explanation {
    /// The explanation as `npm explain` prints it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = " ".repeat(indent);
        let mut head = format!("{}@{}", self.name, self.version);
        for (on, flag) in [
            (self.extraneous, " extraneous"),
            (self.dev, " dev"),
            (self.optional, " optional"),
            (self.peer, " peer"),
        ] {
            if on {
                head.push_str(flag);
            }
        }
        out.push_str(&format!("{pad}{head}\n{pad}{}\n", self.location));
        for dep in &self.dependents {
            let kind = if dep.kind == "prod" {
                String::new()
            } else {
                format!("{} ", dep.kind)
            };
            let inner = " ".repeat(indent + 2);
            let from = &dep.from;
            if from.is_root {
                out.push_str(&format!(
                    "{inner}{kind}{}@\"{}\" from the root project\n",
                    dep.name, dep.spec
                ));
            } else {
                out.push_str(&format!(
                    "{inner}{kind}{}@\"{}\" from {}@{}\n",
                    dep.name, dep.spec, from.name, from.version
                ));
                from.write_dependents(out, indent + 2);
            }
        }
    }

    // A dependent's own chain: its location, then its dependents, one level further in.
    fn write_dependents(&self, out: &mut String, indent: usize) {
        let mut text = String::new();
        self.write(&mut text, indent);
        // Its first line (`name@version`) was already printed after "from".
        out.extend(text.lines().skip(1).map(|l| format!("{l}\n")));
    }
}
