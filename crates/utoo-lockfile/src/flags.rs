use std::collections::{BTreeMap, VecDeque};

use crate::tree::resolve_from;
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
    let mut queue: VecDeque<String> = VecDeque::from([String::new()]);
    while let Some(from) = queue.pop_front() {
        let Some(node) = packages.get(&from) else {
            continue;
        };
        let (n_dev, n_opt, n_devopt, n_peer, n_extr) = (
            node.dev,
            node.optional,
            node.dev_optional,
            node.peer,
            node.extraneous,
        );
        let edges = node.edges(from.is_empty());
        for (name, _spec, kind) in edges {
            let Some(to) = resolve_from(packages, &from, &name).map(str::to_owned) else {
                continue;
            };
            let t = packages.get_mut(&to).expect("resolved path exists");
            let mut changed = false;
            let e_dev = kind == utoo_manifest::DepKind::Dev;
            let e_opt = kind.is_optional();
            if t.extraneous && !n_extr {
                t.extraneous = false;
                changed = true;
            }
            if t.dev && !n_dev && !e_dev {
                t.dev = false;
                changed = true;
            }
            if t.optional && !n_opt && !e_opt {
                t.optional = false;
                changed = true;
            }
            if t.dev_optional && !n_devopt && !n_dev && !n_opt && !e_dev && !e_opt {
                t.dev_optional = false;
                changed = true;
            }
            if t.peer && !n_peer && !kind.is_peer() {
                t.peer = false;
                changed = true;
            }
            if changed {
                queue.push_back(to);
            }
        }
    }
    for (path, entry) in packages.iter_mut() {
        if !path.is_empty() && entry.dev_optional && (entry.dev || entry.optional) {
            entry.dev_optional = false;
        }
        if entry.extraneous {
            entry.dev = false;
            entry.optional = false;
            entry.dev_optional = false;
            entry.peer = false;
        }
    }
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
}
