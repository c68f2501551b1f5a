use std::collections::BTreeMap;

/// The folder containing the package at `path` as a package path (`""` for the root):
/// `node_modules/a/node_modules/@s/b` → `node_modules/a`. A folder outside any
/// node_modules (a workspace member, a linked `file:` folder) resolves from the root, as
/// arborist's `fsParent` makes it: `packages/a` → `""`.
pub fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let Some(idx) = path.rfind("node_modules/") else {
        return Some("");
    };
    let parent = &path[..idx];
    Some(parent.strip_suffix('/').unwrap_or(parent))
}

/// Whether `path` is a top of the tree: the root, or a folder outside any node_modules (a
/// workspace member or a linked folder). Tops get their devDependencies installed.
pub fn is_top(path: &str) -> bool {
    !path.split('/').any(|part| part == "node_modules")
}

/// The folder name of the package at `path` (`@s/b` for `node_modules/@s/b`).
pub fn entry_name(path: &str) -> &str {
    match path.rfind("node_modules/") {
        Some(idx) => &path[idx + "node_modules/".len()..],
        None => path.rsplit('/').next().unwrap_or(path),
    }
}

/// Node's module resolution over a lockfile's paths: the `name` that a package at `from`
/// sees, looking in its own node_modules and then each ancestor's.
pub fn resolve_from<'a, T>(
    packages: &'a BTreeMap<String, T>,
    from: &str,
    name: &str,
) -> Option<&'a str> {
    let mut dir = Some(from);
    while let Some(d) = dir {
        let candidate = if d.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{d}/node_modules/{name}")
        };
        if let Some((key, _)) = packages.get_key_value(&candidate) {
            return Some(key);
        }
        dir = parent_path(d);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(parent_path("node_modules/a"), Some(""));
        assert_eq!(
            parent_path("node_modules/a/node_modules/@s/b"),
            Some("node_modules/a")
        );
        assert_eq!(parent_path(""), None);
        assert_eq!(parent_path("packages/a"), Some(""));
        assert_eq!(parent_path("packages/a/node_modules/b"), Some("packages/a"));
        assert!(is_top("") && is_top("packages/a") && !is_top("packages/a/node_modules/b"));
        assert_eq!(entry_name("node_modules/a/node_modules/@s/b"), "@s/b");
        let mut p = BTreeMap::new();
        for k in [
            "",
            "node_modules/a",
            "node_modules/b",
            "node_modules/a/node_modules/b",
        ] {
            p.insert(k.to_string(), ());
        }
        assert_eq!(
            resolve_from(&p, "node_modules/a", "b"),
            Some("node_modules/a/node_modules/b")
        );
        assert_eq!(
            resolve_from(&p, "node_modules/b", "a"),
            Some("node_modules/a")
        );
        assert_eq!(resolve_from(&p, "", "c"), None);
    }
}
