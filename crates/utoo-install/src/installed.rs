//! The tree on disk as npm's read-only commands (`ls`, `explain`, `rebuild`) see it: every
//! package folder under node_modules, read from its own package.json, with the dep flags
//! npm computes over it. Nothing here writes or touches the network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use utoo_lockfile::{calc_dep_flags, resolve_from, LockEntry, Lockfile, HIDDEN_LOCKFILE};
use utoo_manifest::{DepKind, Manifest};

use crate::project::Project;
use crate::InstallError;

/// The installed tree: install path → entry (`""` is the project itself).
pub(crate) struct Installed {
    pub root: PathBuf,
    pub packages: BTreeMap<String, LockEntry>,
}

/// One dependency edge as found on disk.
pub(crate) struct Edge<'a> {
    /// The name depended on (an alias's own name, not its target's).
    pub name: String,
    pub spec: String,
    pub kind: DepKind,
    /// Where it resolves, when anything is there.
    pub to: Option<&'a str>,
}

impl Installed {
    /// Reads the project in `root` and its node_modules. `resolved` comes from the hidden
    /// lockfile, else package-lock.json, for the paths they describe.
    pub(crate) fn read(root: &Path) -> Result<Installed, InstallError> {
        let project = Project::load(root)?;
        let manifest = &project.root_manifest().manifest;
        let mut root_entry = LockEntry::from_manifest("", manifest);
        root_entry.name = Some(manifest.name.clone());
        root_entry.dev_dependencies = manifest.dev_dependencies.clone();
        let mut packages = BTreeMap::from([(String::new(), root_entry)]);
        scan(&project.node_modules(), "node_modules", &mut packages)?;
        calc_dep_flags(&mut packages);
        let locked = [
            project.node_modules().join(HIDDEN_LOCKFILE),
            project.lockfile_path(),
        ]
        .iter()
        .find_map(|p| Lockfile::read(p).ok().flatten());
        if let Some(lock) = locked {
            for (path, entry) in packages.iter_mut().filter(|(p, _)| !p.is_empty()) {
                if let Some(resolved) = lock.packages.get(path).and_then(|e| e.resolved.clone()) {
                    entry.resolved = Some(resolved);
                }
            }
        }
        Ok(Installed {
            root: root.to_owned(),
            packages,
        })
    }

    /// The root's name and version as npm prints them (`name@version`).
    pub(crate) fn root_label(&self) -> String {
        let root = &self.packages[""];
        let name = root.name.as_deref().unwrap_or_default();
        match root.version.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => format!("{name}@{v}"),
            None => name.to_owned(),
        }
    }

    /// The project's name in npm's actual tree: its folder's name (whatever package.json
    /// says), as `outdated` prints it under "Depended by".
    pub(crate) fn root_folder_name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Whether the folder at `path` is a symlink (a workspace member or `file:` folder).
    pub(crate) fn is_link(&self, path: &str) -> bool {
        std::fs::symlink_metadata(self.root.join(path)).is_ok_and(|m| m.is_symlink())
    }

    /// `name@version` of the package at `path`.
    pub(crate) fn label(&self, path: &str) -> String {
        if path.is_empty() {
            return self.root_label();
        }
        let entry = &self.packages[path];
        let version = entry.version.as_deref().unwrap_or_default();
        format!("{}@{version}", entry.package_name(path))
    }

    /// The edges out of the package at `path`, by name.
    pub(crate) fn edges_out(&self, path: &str) -> Vec<Edge<'_>> {
        let Some(entry) = self.packages.get(path) else {
            return Vec::new();
        };
        entry
            .edges(path.is_empty())
            .into_iter()
            .map(|(name, spec, kind)| Edge {
                to: resolve_from(&self.packages, path, &name),
                name,
                spec,
                kind,
            })
            .collect()
    }

    /// Whether the edge is met: something is there and its version satisfies the spec.
    pub(crate) fn valid(&self, edge: &Edge<'_>) -> bool {
        let Some(to) = edge.to else {
            return false;
        };
        let entry = &self.packages[to];
        let version = entry.version.as_deref().unwrap_or_default();
        utoo_resolver::satisfies(&edge.name, &edge.spec, entry.package_name(to), version)
    }

    /// The absolute folder of `path`, as npm prints it in problems.
    pub(crate) fn folder(&self, path: &str) -> String {
        if path.is_empty() {
            return self.root.display().to_string();
        }
        self.root.join(path).display().to_string()
    }
}

/// Every package folder under `dir` (install path `prefix`), recursively.
fn scan(
    dir: &Path,
    prefix: &str,
    packages: &mut BTreeMap<String, LockEntry>,
) -> Result<(), InstallError> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut names: Vec<String> = read
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        if name.starts_with('@') {
            let scope_dir = dir.join(&name);
            let Ok(inner) = std::fs::read_dir(&scope_dir) else {
                continue;
            };
            let mut members: Vec<String> = inner
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.'))
                .collect();
            members.sort();
            for member in members {
                add(
                    &scope_dir.join(&member),
                    &format!("{prefix}/{name}/{member}"),
                    packages,
                )?;
            }
        } else {
            add(&dir.join(&name), &format!("{prefix}/{name}"), packages)?;
        }
    }
    Ok(())
}

fn add(
    dir: &Path,
    path: &str,
    packages: &mut BTreeMap<String, LockEntry>,
) -> Result<(), InstallError> {
    // A folder without a readable package.json is not a package (npm skips it too).
    let Ok(bytes) = std::fs::read(dir.join("package.json")) else {
        return Ok(());
    };
    let Ok(manifest) = Manifest::from_json_slice(&bytes) else {
        return Ok(());
    };
    let folder = utoo_lockfile::entry_name(path);
    packages.insert(path.to_owned(), LockEntry::from_manifest(folder, &manifest));
    scan(
        &dir.join("node_modules"),
        &format!("{path}/node_modules"),
        packages,
    )
}
