//! npm's workspace filters (`-w <name|folder>`, `--workspaces`, `--no-workspaces`,
//! `--include-workspace-root`, and the implicit `-w` of a run inside a member folder). The
//! tree and package-lock.json stay whole; the filter decides which package.json files `add`
//! and `remove` edit, and which part of the tree goes on disk (arborist's reify
//! `filterNodes`: the selected members, what they reach, and nothing else is touched).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use utoo_config::Settings;
use utoo_lockfile::{parent_path, resolve_from, LockEntry};

use crate::optional_set::Edges;
use crate::paths::{absolute, normalise};
use crate::project::Project;
use crate::InstallError;

/// The part of the workspace a run works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    /// Member folders, relative to the root (`packages/a`).
    pub members: Vec<String>,
    /// The root's own dependencies are part of it.
    pub root: bool,
}

impl Selection {
    /// The selection the settings and the folder the run started in ask for; `None`: the
    /// whole workspace, as without filters.
    pub(crate) fn of(
        settings: &Settings,
        project: &Project,
        cwd: &Path,
    ) -> Result<Option<Selection>, InstallError> {
        if settings.workspaces == Some(false) {
            if !settings.workspace.is_empty() {
                return Err(InstallError::ConflictingWorkspaceFlags);
            }
            // arborist without workspaces: only what the root's own edges reach.
            return Ok(Some(Selection {
                members: Vec::new(),
                root: true,
            }));
        }
        let members: Vec<(&str, &str)> = project
            .manifests
            .iter()
            .filter(|(folder, _)| !folder.is_empty())
            .map(|(folder, m)| (folder.as_str(), m.manifest.name.as_str()))
            .collect();
        let cwd = absolute(cwd);
        let root = absolute(&project.root);
        let inside = cwd.strip_prefix(&root).ok().map(Path::to_owned);
        let mut filters = settings.workspace.clone();
        if filters.is_empty() && settings.workspaces.is_none() {
            // npm sets `workspace` to the member folder it was started in.
            let Some(rel) = inside.as_deref().map(slash) else {
                return Ok(None);
            };
            if !members.iter().any(|(folder, _)| *folder == rel) {
                return Ok(None);
            }
            filters.push(root.join(&rel).to_string_lossy().into_owned());
        }
        // npm resolves folder filters from where it was started, when that is in the project.
        let from = if inside.is_some() { &cwd } else { &root };
        let mut selected: Vec<String> = Vec::new();
        if filters.is_empty() {
            selected = members.iter().map(|(f, _)| (*f).to_owned()).collect();
        }
        for filter in &filters {
            let as_folder = normalise(&from.join(filter));
            let as_folder = as_folder
                .strip_prefix(&root)
                .ok()
                .map(slash)
                .unwrap_or_default();
            let matched: Vec<&str> = members
                .iter()
                .filter(|(folder, name)| {
                    *name == filter
                        || *folder == as_folder
                        || parent_folder(folder) == Some(as_folder.as_str())
                })
                .map(|(folder, _)| *folder)
                .collect();
            if matched.is_empty() {
                return Err(InstallError::NoSuchWorkspace {
                    filter: filter.clone(),
                    members: if members.is_empty() {
                        "none".to_owned()
                    } else {
                        members
                            .iter()
                            .map(|(_, name)| *name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            }
            for folder in matched {
                if !selected.iter().any(|s| s == folder) {
                    selected.push(folder.to_owned());
                }
            }
        }
        Ok(Some(Selection {
            members: selected,
            root: settings.include_workspace_root,
        }))
    }

    /// The package.json folders `add` and `remove` edit: the members, and the root when it
    /// is selected (or when only it is).
    pub(crate) fn edited_folders(&self) -> Vec<String> {
        let mut folders = self.members.clone();
        if self.root || folders.is_empty() {
            folders.push(String::new());
        }
        folders
    }

    /// The member folders the run works on: the selected ones and the members they depend
    /// on (by name, transitively), which npm reaches through their links.
    pub(crate) fn member_folders(selection: Option<&Selection>, project: &Project) -> Vec<String> {
        let all = project.manifests.keys().filter(|f| !f.is_empty());
        let Some(selection) = selection else {
            return all.cloned().collect();
        };
        let by_name: BTreeMap<&str, &str> = project
            .manifests
            .iter()
            .filter(|(f, _)| !f.is_empty())
            .map(|(f, m)| (m.manifest.name.as_str(), f.as_str()))
            .collect();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack: Vec<String> = selection.members.clone();
        if selection.root {
            stack.push(String::new());
        }
        while let Some(folder) = stack.pop() {
            let Some(m) = project.manifests.get(&folder) else {
                continue;
            };
            for (name, _, _) in m.manifest.edges(true) {
                if let Some(dep) = by_name.get(name.as_str()) {
                    if seen.insert((*dep).to_owned()) {
                        stack.push((*dep).to_owned());
                    }
                }
            }
            if !folder.is_empty() {
                seen.insert(folder);
            }
        }
        all.filter(|f| seen.contains(*f)).cloned().collect()
    }

    /// Where the walk over the tree starts: each selected member's folder and the link to
    /// it, and with the root, the packages the root's own edges lead to.
    fn starts<'a>(&self, packages: &'a BTreeMap<String, LockEntry>) -> Vec<&'a str> {
        let mut starts = Vec::new();
        for (path, entry) in packages {
            let member = self.members.iter().any(|m| {
                m == path || (entry.link && entry.resolved.as_deref() == Some(m.as_str()))
            });
            if member {
                starts.push(path.as_str());
            }
        }
        if self.root {
            if let Some(root) = packages.get("") {
                for (name, _, _) in root.edges(true) {
                    starts.extend(resolve_from(packages, "", &name));
                }
            }
        }
        starts
    }
}

/// The paths of a tree that a filtered run may touch.
#[derive(Debug)]
pub(crate) struct Scope {
    /// Reached in the tree being installed.
    wanted: BTreeSet<String>,
    /// Reached in the tree that was on disk (npm's hidden lockfile), so their removal is
    /// part of the run.
    was: BTreeSet<String>,
}

impl Scope {
    pub(crate) fn new(
        selection: &Selection,
        packages: &BTreeMap<String, LockEntry>,
        old: Option<&BTreeMap<String, LockEntry>>,
    ) -> Scope {
        Scope {
            wanted: reached(selection, packages),
            was: old.map(|old| reached(selection, old)).unwrap_or_default(),
        }
    }

    /// Whether the path of the tree being installed is in the selection.
    pub(crate) fn wants(&self, path: &str) -> bool {
        self.wanted.contains(path)
    }

    /// Whether a path no longer wanted may be removed: it was reached by the selection, or
    /// it sits directly in the node_modules of a package that is (arborist also removes the
    /// extraneous children of the nodes it walks).
    pub(crate) fn may_remove(&self, path: &str) -> bool {
        self.was.contains(path)
            || parent_path(path)
                .filter(|p| !p.is_empty())
                .is_some_and(|p| self.wanted.contains(p) || self.was.contains(p))
    }
}

fn reached(selection: &Selection, packages: &BTreeMap<String, LockEntry>) -> BTreeSet<String> {
    let edges = Edges::of(packages);
    edges
        .reachable_from(selection.starts(packages))
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The folder a member folder sits in (`packages` for `packages/a`); npm's `-w packages`
/// selects the members directly inside it.
fn parent_folder(folder: &str) -> Option<&str> {
    folder.rsplit_once('/').map(|(parent, _)| parent)
}

fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
