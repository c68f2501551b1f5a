use std::path::{Path, PathBuf};

/// The install-time scripts of one placed package.
#[derive(Debug, Clone)]
pub struct ScriptJob {
    /// `name@version`, for messages.
    pub id: String,
    /// `npm_package_name`.
    pub name: String,
    /// `npm_package_version`.
    pub version: String,
    /// The placed package folder; scripts run there.
    pub dir: PathBuf,
    /// `(event, command)` in the order npm runs them.
    pub scripts: Vec<(String, String)>,
    /// A failure is a warning, not an error.
    pub optional: bool,
    /// Indices (into the job list) of jobs that must finish first: this package's
    /// dependencies that have scripts too.
    pub after: Vec<usize>,
}

/// The install scripts npm runs for the package in `dir`: `preinstall`, `install`,
/// `postinstall`; `node-gyp rebuild` as the install script when there is a `binding.gyp`
/// and neither `install` nor `preinstall`.
pub fn lifecycle_scripts(dir: &Path) -> Vec<(String, String)> {
    let Ok(bytes) = std::fs::read(dir.join("package.json")) else {
        return Vec::new();
    };
    let Ok(manifest) = utoo_manifest::Manifest::from_json_slice(&bytes) else {
        return Vec::new();
    };
    let scripts = &manifest.scripts;
    let mut out = Vec::new();
    let gyp = !scripts.contains_key("install")
        && !scripts.contains_key("preinstall")
        && dir.join("binding.gyp").is_file();
    for event in ["preinstall", "install", "postinstall"] {
        match scripts.get(event) {
            Some(cmd) if !cmd.trim().is_empty() => out.push((event.to_owned(), cmd.clone())),
            _ if event == "install" && gyp => {
                out.push((event.to_owned(), "node-gyp rebuild".to_owned()));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_in_npm_order_and_gyp_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"scripts":{"postinstall":"b","preinstall":"a","test":"x"}}"#,
        )
        .unwrap();
        let got = lifecycle_scripts(dir.path());
        assert_eq!(
            got,
            [
                ("preinstall".into(), "a".into()),
                ("postinstall".into(), "b".into())
            ]
        );
        std::fs::write(dir.path().join("package.json"), r#"{"scripts":{}}"#).unwrap();
        std::fs::write(dir.path().join("binding.gyp"), "{}").unwrap();
        assert_eq!(
            lifecycle_scripts(dir.path()),
            [("install".into(), "node-gyp rebuild".into())]
        );
    }
}
