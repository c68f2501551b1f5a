//! `why` (npm's `explain`): for each installed copy of a package, the chains of
//! dependents that put it there, up to the project. Read-only, no network.

use std::collections::BTreeSet;
use std::path::Path;

use nodejs_semver::{Range, Version};
use serde::Serialize;
use utoo_manifest::DepKind;

use crate::installed::Installed;
use crate::InstallError;

/// One installed copy and why it is there.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The package's real name.
    pub name: String,
    /// Its installed version.
    pub version: String,
    /// Its install path (`node_modules/a/node_modules/b`).
    pub location: String,
    /// npm's flags: `dev`, `optional`, `peer`, `extraneous`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<&'static str>,
    /// The edges that reach it.
    pub dependents: Vec<Dependent>,
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
    /// Who depends on it: `None` is the root project.
    pub from: Option<Box<Explanation>>,
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
    let mut flags = Vec::new();
    for (on, flag) in [
        (entry.extraneous, "extraneous"),
        (entry.dev, "dev"),
        (entry.optional, "optional"),
        (entry.peer, "peer"),
    ] {
        if on {
            flags.push(flag);
        }
    }
    seen.insert(path.to_owned());
    let mut dependents = Vec::new();
    for from in tree.packages.keys() {
        for edge in tree.edges_out(from) {
            if edge.to != Some(path) {
                continue;
            }
            // A cycle is shown once: the dependent that is already on the chain stops it.
            let explained_from = if from.is_empty() || seen.contains(from) {
                None
            } else {
                Some(Box::new(explain_path(tree, from, &mut seen.clone())))
            };
            if !from.is_empty() && explained_from.is_none() {
                continue;
            }
            dependents.push(Dependent {
                kind: kind_name(edge.kind),
                name: edge.name,
                spec: edge.spec,
                from: explained_from,
            });
        }
    }
    Explanation {
        name: entry.package_name(path).to_owned(),
        version: entry.version.clone().unwrap_or_default(),
        location: path.to_owned(),
        flags,
        dependents,
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
        for flag in &self.flags {
            head.push(' ');
            head.push_str(flag);
        }
        out.push_str(&format!("{pad}{head}\n{pad}{}\n", self.location));
        for dep in &self.dependents {
            let kind = if dep.kind == "prod" {
                String::new()
            } else {
                format!("{} ", dep.kind)
            };
            let inner = " ".repeat(indent + 2);
            match &dep.from {
                None => out.push_str(&format!(
                    "{inner}{kind}{}@\"{}\" from the root project\n",
                    dep.name, dep.spec
                )),
                Some(from) => {
                    out.push_str(&format!(
                        "{inner}{kind}{}@\"{}\" from {}@{}\n",
                        dep.name, dep.spec, from.name, from.version
                    ));
                    from.write_dependents(out, indent + 2);
                }
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
