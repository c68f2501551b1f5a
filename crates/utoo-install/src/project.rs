//! The project on disk: the package.json files an install reads, the root's and, with
//! `workspaces`, each member's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use utoo_events::{Events, WarningCode};
use utoo_manifest::{Manifest, WorkspacePatterns};
use utoo_resolver::Member;

use crate::InstallError;

/// One package.json of the project: its text (kept byte for byte: the no-op stamp hashes it
/// and edits keep its indentation) and what it says.
#[derive(Debug, Clone)]
pub(crate) struct ProjectManifest {
    pub text: String,
    pub manifest: Manifest,
}

/// The root folder and its manifests, keyed by folder relative to the root (`""` is the
/// root itself, the others are workspace members: `packages/a`).
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub root: PathBuf,
    pub manifests: BTreeMap<String, ProjectManifest>,
    /// `workspaces` patterns that match no folder (warned about by the install).
    pub unmatched_patterns: Vec<String>,
}

impl Project {
    /// Reads the project in `root`, its workspace members included.
    pub(crate) fn load(root: &Path) -> Result<Project, InstallError> {
        let root_manifest = read_package_json(root)?;
        let mut manifests = BTreeMap::new();
        let mut unmatched_patterns = Vec::new();
        if let Some(patterns) = workspace_patterns(root, &root_manifest.manifest)? {
            let mut folders = Vec::new();
            package_folders(root, "", &mut folders);
            unmatched_patterns = patterns
                .unmatched(&folders)
                .into_iter()
                .map(str::to_owned)
                .collect();
            let mut names: BTreeMap<String, String> = BTreeMap::new();
            for folder in folders.into_iter().filter(|f| patterns.matches(f)) {
                let member = read_package_json(&root.join(&folder))?;
                // map-workspaces names a member without `name` by its folder.
                let name = if member.manifest.name.is_empty() {
                    folder.rsplit('/').next().unwrap_or(&folder).to_owned()
                } else {
                    member.manifest.name.clone()
                };
                if let Some(first) = names.insert(name.clone(), folder.clone()) {
                    return Err(InstallError::DuplicateWorkspace {
                        name,
                        first,
                        second: folder,
                    });
                }
                let mut member = member;
                member.manifest.name = name;
                manifests.insert(folder, member);
            }
        }
        manifests.insert(String::new(), root_manifest);
        Ok(Project {
            root: root.to_owned(),
            manifests,
            unmatched_patterns,
        })
    }

    /// Warns about `workspaces` patterns that select nothing (npm is silent; it is almost
    /// always a typo or a missing package.json).
    pub(crate) fn warn_unmatched(&self, events: &Events) {
        for pattern in &self.unmatched_patterns {
            events.warn(
                WarningCode::WorkspaceGlobEmpty,
                format!(
                    "package.json `workspaces`: `{pattern}` matches no folder with a package.json"
                ),
            );
        }
    }

    /// The root package.json.
    pub(crate) fn root_manifest(&self) -> &ProjectManifest {
        &self.manifests[""]
    }

    /// The workspace members, as the resolver takes them.
    pub(crate) fn members(&self) -> Vec<Member> {
        self.manifests
            .iter()
            .filter(|(folder, _)| !folder.is_empty())
            .map(|(folder, m)| Member {
                path: folder.clone(),
                manifest: m.manifest.clone(),
            })
            .collect()
    }

    pub(crate) fn lockfile_path(&self) -> PathBuf {
        self.root.join("package-lock.json")
    }

    pub(crate) fn node_modules(&self) -> PathBuf {
        self.root.join("node_modules")
    }
}

/// The folder npm treats as the project when run in `cwd`: the nearest ancestor whose
/// `workspaces` patterns select `cwd` (npm's workspace-root detection), else `cwd`.
pub(crate) fn find_root(cwd: &Path) -> PathBuf {
    let mut dir = cwd.parent();
    while let Some(candidate) = dir {
        if let Ok(text) = std::fs::read_to_string(candidate.join("package.json")) {
            let patterns = serde_json::from_str::<Manifest>(&text).ok().and_then(|m| {
                WorkspacePatterns::parse(m.workspaces.as_ref())
                    .ok()
                    .flatten()
            });
            if let (Some(patterns), Ok(rel)) = (patterns, cwd.strip_prefix(candidate)) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if patterns.matches(&rel) {
                    return candidate.to_owned();
                }
            }
        }
        dir = candidate.parent();
    }
    cwd.to_owned()
}

fn workspace_patterns(
    root: &Path,
    manifest: &Manifest,
) -> Result<Option<WorkspacePatterns>, InstallError> {
    WorkspacePatterns::parse(manifest.workspaces.as_ref()).map_err(|source| {
        InstallError::BadWorkspaces {
            path: root.join("package.json"),
            source,
        }
    })
}

/// Every folder under `root` (relative, `/`-separated) that holds a package.json, outside
/// node_modules and dot-folders (map-workspaces ignores `**/node_modules/**`).
fn package_folders(root: &Path, rel: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "node_modules" && !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if root.join(&child).join("package.json").is_file() {
            out.push(child.clone());
        }
        package_folders(root, &child, out);
    }
}

fn read_package_json(dir: &Path) -> Result<ProjectManifest, InstallError> {
    let path = dir.join("package.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InstallError::NoPackageJson {
                dir: dir.to_path_buf(),
            })
        }
        Err(e) => return Err(InstallError::io(&path, e)),
    };
    let manifest = serde_json::from_str(&text)
        .map_err(|source| InstallError::BadPackageJson { path, source })?;
    Ok(ProjectManifest { text, manifest })
}
