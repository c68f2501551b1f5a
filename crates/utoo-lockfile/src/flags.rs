use std::collections::{BTreeMap, VecDeque};

use utoo_manifest::{DepKind, WorkspacePatterns};

use crate::tree::{entry_name, is_top, parent_path, resolve_from};
use crate::LockEntry;

/// Sets `dev`, `optional`, `devOptional`, `peer` and `extraneous` on every entry from the
/// edges, as npm's calc-dep-flags does (its fixed-point form): a flag stays set on a package
/// only if every path from the root to it goes through an edge of that kind.
pub fn calc_dep_flags(packages: &mut BTreeMap<String, LockEntry>) {
    for (path, entry) in packages.iter_mut() {
        let on = !path.is_empty();
        entry.dev = on;
        entry.optional = on;
        entry.dev_optional = on;
        entry.peer = on;
        entry.extraneous = on;
    }
    let members = workspace_links(packages);
    let mut queue: VecDeque<String> = VecDeque::from([String::new()]);
    while let Some(from) = queue.pop_front() {
        let Some(node) = packages.get(&from) else {
            continue;
        };
        let flags = Flags {
            dev: node.dev,
            optional: node.optional,
            dev_optional: node.dev_optional,
            peer: node.peer,
            extraneous: node.extraneous,
        };
        let mut edges = node.edges(is_top(&from));
        if from.is_empty() {
            // The root's workspace edges: each member, through its link, is a production
            // dependency of the root.
            edges.extend(
                members
                    .iter()
                    .map(|n| (n.clone(), String::new(), DepKind::Prod)),
            );
        }
        for (name, _spec, kind) in edges {
            let Some(to) = resolve_from(packages, &from, &name).map(str::to_owned) else {
                continue;
            };
            // An edge to a link reaches its target the same way (arborist's calcDepFlags
            // follows `edge.to.target`).
            let target = packages[&to]
                .link
                .then(|| packages[&to].resolved.clone())
                .flatten()
                .filter(|t| packages.contains_key(t));
            for to in std::iter::once(to).chain(target) {
                let t = packages.get_mut(&to).expect("resolved path exists");
                if flags.clear_on(t, kind) {
                    queue.push_back(to);
                }
            }
        }
    }
    for (path, entry) in packages.iter_mut() {
        if !path.is_empty() && entry.dev_optional && (entry.dev || entry.optional) {
            entry.dev_optional = false;
        }
        // npm writes a link as `resolved` and `link` only; its target carries the flags.
        if entry.extraneous || entry.link {
            entry.dev = false;
            entry.optional = false;
            entry.dev_optional = false;
            entry.peer = false;
        }
    }
}

/// The flags of the package an edge starts from.
struct Flags {
    dev: bool,
    optional: bool,
    dev_optional: bool,
    peer: bool,
    extraneous: bool,
}

impl Flags {
    /// Clears on `t` the flags an edge of `kind` from a package with these flags rules out;
    /// returns whether any changed.
    fn clear_on(&self, t: &mut LockEntry, kind: DepKind) -> bool {
        let mut changed = false;
        let e_dev = kind == DepKind::Dev;
        let e_opt = kind.is_optional();
        if t.extraneous && !self.extraneous {
            t.extraneous = false;
            changed = true;
        }
        if t.dev && !self.dev && !e_dev {
            t.dev = false;
            changed = true;
        }
        if t.optional && !self.optional && !e_opt {
            t.optional = false;
            changed = true;
        }
        if t.dev_optional && !self.dev_optional && !self.dev && !self.optional && !e_dev && !e_opt {
            t.dev_optional = false;
            changed = true;
        }
        if t.peer && !self.peer && !kind.is_peer() {
            t.peer = false;
            changed = true;
        }
        changed
    }
}

/// The names under the root's node_modules that link to a folder the root's `workspaces`
/// patterns select.
fn workspace_links(packages: &BTreeMap<String, LockEntry>) -> Vec<String> {
    let Some(root) = packages.get("") else {
        return Vec::new();
    };
    let Ok(Some(patterns)) = WorkspacePatterns::parse(root.other.get("workspaces")) else {
        return Vec::new();
    };
    packages
        .iter()
        .filter(|(path, e)| {
            e.link
                && parent_path(path) == Some("")
                && path.starts_with("node_modules/")
                && e.resolved.as_deref().is_some_and(|r| patterns.matches(r))
        })
        .map(|(path, _)| entry_name(path).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(deps: &[(&str, &str)], opt: &[&str]) -> LockEntry {
        let mut e = LockEntry {
            version: Some("1.0.0".into()),
            ..Default::default()
        };
        for (n, kind) in deps {
            match *kind {
                "dev" => e.dev_dependencies.insert(n.to_string(), "*".into()),
                "peer" => e.peer_dependencies.insert(n.to_string(), "*".into()),
                _ => e.dependencies.insert(n.to_string(), "*".into()),
            };
        }
        for n in opt {
            e.optional_dependencies.insert(n.to_string(), "*".into());
        }
        e
    }

    #[test]
    fn flags_follow_every_path() {
        let mut p = BTreeMap::new();
        p.insert(
            String::new(),
            entry(
                &[("prod", "prod"), ("devonly", "dev"), ("both", "dev")],
                &["opt"],
            ),
        );
        p.insert(
            "node_modules/prod".into(),
            entry(&[("both", "prod"), ("peerdep", "peer")], &[]),
        );
        p.insert(
            "node_modules/devonly".into(),
            entry(&[("devchild", "prod")], &[]),
        );
        p.insert("node_modules/devchild".into(), entry(&[], &[]));
        p.insert("node_modules/both".into(), entry(&[], &[]));
        p.insert(
            "node_modules/opt".into(),
            entry(&[("devchild", "prod")], &[]),
        );
        p.insert("node_modules/peerdep".into(), entry(&[], &[]));
        p.insert("node_modules/stray".into(), entry(&[], &[]));
        calc_dep_flags(&mut p);
        let f = |k: &str| {
            let e = &p[k];
            (e.dev, e.optional, e.dev_optional, e.peer, e.extraneous)
        };
        assert_eq!(f(""), (false, false, false, false, false));
        assert_eq!(f("node_modules/prod"), (false, false, false, false, false));
        assert_eq!(
            f("node_modules/devonly"),
            (true, false, false, false, false)
        );
        assert_eq!(f("node_modules/both"), (false, false, false, false, false));
        assert_eq!(f("node_modules/opt"), (false, true, false, false, false));
        // Reached by a dev path and by an optional path: devOptional.
        assert_eq!(
            f("node_modules/devchild"),
            (false, false, true, false, false)
        );
        assert_eq!(
            f("node_modules/peerdep"),
            (false, false, false, true, false)
        );
        assert_eq!(f("node_modules/stray"), (false, false, false, false, true));
    }

    #[test]
    fn flags_reach_link_targets_and_workspace_members() {
        let mut p = BTreeMap::new();
        let mut root = entry(&[("local", "dev")], &[]);
        root.other
            .insert("workspaces".into(), serde_json::json!(["packages/*"]));
        p.insert(String::new(), root);
        let link = |to: &str| LockEntry {
            resolved: Some(to.into()),
            link: true,
            ..Default::default()
        };
        p.insert("node_modules/local".into(), link("local"));
        p.insert("local".into(), entry(&[("x", "prod")], &[]));
        p.insert("node_modules/x".into(), entry(&[], &[]));
        p.insert("node_modules/ws-a".into(), link("packages/a"));
        p.insert(
            "packages/a".into(),
            entry(&[("t", "dev"), ("y", "prod")], &[]),
        );
        p.insert("packages/a/node_modules/y".into(), entry(&[], &[]));
        p.insert("node_modules/t".into(), entry(&[], &[]));
        calc_dep_flags(&mut p);
        let f = |k: &str| (p[k].dev, p[k].extraneous);
        assert_eq!(f("local"), (true, false));
        assert_eq!(f("node_modules/x"), (true, false));
        // A link is written without flags; its target has them.
        assert_eq!(f("node_modules/local"), (false, false));
        assert_eq!(f("packages/a"), (false, false));
        assert_eq!(f("packages/a/node_modules/y"), (false, false));
        // A member's devDependencies are installed, as dev.
        assert_eq!(f("node_modules/t"), (true, false));
    }
}
