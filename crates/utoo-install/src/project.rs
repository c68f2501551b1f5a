//! The project on disk: the package.json files an install reads. Workspaces will add their
//! members here; every later stage already takes the whole set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use utoo_manifest::Manifest;

use crate::InstallError;

/// One package.json of the project: its text (kept byte for byte: the no-op stamp hashes it
/// and edits keep its indentation) and what it says.
#[derive(Debug, Clone)]
pub(crate) struct ProjectManifest {
    pub text: String,
    pub manifest: Manifest,
}

/// The root folder and its manifests, keyed by folder relative to the root (`""` is the
/// root itself).
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub root: PathBuf,
    pub manifests: BTreeMap<String, ProjectManifest>,
}

impl Project {
    /// Reads the project in `root`.
    pub(crate) fn load(root: &Path) -> Result<Project, InstallError> {
        let manifests = BTreeMap::from([(String::new(), read_package_json(root)?)]);
        Ok(Project {
            root: root.to_owned(),
            manifests,
        })
    }

    /// The root package.json.
    pub(crate) fn root_manifest(&self) -> &ProjectManifest {
        &self.manifests[""]
    }

    pub(crate) fn lockfile_path(&self) -> PathBuf {
        self.root.join("package-lock.json")
    }

    pub(crate) fn node_modules(&self) -> PathBuf {
        self.root.join("node_modules")
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
