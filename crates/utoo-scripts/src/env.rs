use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What every script of one install shares.
#[derive(Debug, Clone)]
pub struct ScriptEnv {
    /// The project root (`INIT_CWD`, and where PATH's `.bin` walk ends).
    pub project_root: PathBuf,
    /// npm's bundled `node-gyp-bin` folder, when npm is installed: `node-gyp rebuild` needs it.
    pub node_gyp_bin: Option<PathBuf>,
    /// The PATH scripts inherit.
    pub base_path: OsString,
    /// Variables set for every script besides npm's own (`NODE_ENV=production` when dev
    /// dependencies are omitted, as npm sets it).
    pub vars: Vec<(String, String)>,
}

impl ScriptEnv {
    /// The environment of an install in `project_root`, from this process's PATH.
    pub fn new(project_root: &Path) -> ScriptEnv {
        let base_path = std::env::var_os("PATH").unwrap_or_default();
        ScriptEnv {
            project_root: project_root.to_path_buf(),
            node_gyp_bin: find_node_gyp_bin(&base_path),
            base_path,
            vars: Vec::new(),
        }
    }

    /// PATH for a script of the package in `package_dir`: its own `node_modules/.bin`, then
    /// each enclosing folder's, as @npmcli/run-script builds it.
    pub fn path_for(&self, package_dir: &Path) -> OsString {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut cur = Some(package_dir);
        while let Some(dir) = cur {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
            let in_node_modules = dir
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "node_modules");
            // `node_modules` itself and scope folders (`node_modules/@s`) are not packages.
            if name.as_deref() == Some("node_modules")
                || (in_node_modules && name.is_some_and(|n| n.starts_with('@')))
            {
                cur = dir.parent();
                continue;
            }
            dirs.push(dir.join("node_modules").join(".bin"));
            if dir == self.project_root {
                break;
            }
            cur = dir.parent();
        }
        if let Some(gyp) = &self.node_gyp_bin {
            dirs.push(gyp.clone());
        }
        dirs.extend(std::env::split_paths(&self.base_path));
        std::env::join_paths(dirs).unwrap_or_else(|_| self.base_path.clone())
    }
}

// npm ships node-gyp; its `bin/node-gyp-bin` sits next to npm's own bin folder.
fn find_node_gyp_bin(path: &OsString) -> Option<PathBuf> {
    let npm = std::env::split_paths(path)
        .map(|d| d.join("npm"))
        .find(|p| p.exists())?;
    let npm = std::fs::canonicalize(npm).ok()?;
    // .../lib/node_modules/npm/bin/npm-cli.js → .../npm/bin/node-gyp-bin
    let gyp = npm.parent()?.join("node-gyp-bin");
    gyp.is_dir().then_some(gyp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_walks_up_to_the_project_root() {
        let env = ScriptEnv {
            project_root: PathBuf::from("/p"),
            node_gyp_bin: None,
            base_path: OsString::from("/usr/bin"),
            vars: Vec::new(),
        };
        let path = env.path_for(Path::new("/p/node_modules/a/node_modules/@s/b"));
        let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
        assert_eq!(
            dirs,
            [
                "/p/node_modules/a/node_modules/@s/b/node_modules/.bin",
                "/p/node_modules/a/node_modules/.bin",
                "/p/node_modules/.bin",
                "/usr/bin"
            ]
            .map(PathBuf::from)
        );
    }
}
