use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::{json, Value};
use utoo_config::ConfigSources;
use utoo_events::{Event, RecordingReporter};
use utoo_install::{InstallError, InstallOptions, InstallSummary, Mode};

use crate::redact::Redactions;
use crate::{Pkg, Registry};

/// One test's world: a temp project and a temp cache (siblings, so neither is inside the
/// other), a loopback registry serving fixture packages, and a reporter that records every
/// event of every run.
pub struct TestContext {
    temp: tempfile::TempDir,
    root: PathBuf,
    /// The cache folder every run of this context uses.
    pub cache: PathBuf,
    /// The loopback registry serving the fixture packages.
    pub registry: Registry,
    /// Records the events of every run.
    pub reporter: Arc<RecordingReporter>,
}

impl TestContext {
    /// A project with this package.json (`name`/`version` filled in when missing) against a
    /// registry serving `packages`. Call from inside a tokio runtime.
    pub async fn new(packages: &[Pkg], package_json: Value) -> TestContext {
        let ctx = TestContext::without_package_json(packages).await;
        ctx.write_package_json(package_json);
        ctx
    }

    /// An empty project folder (no package.json yet).
    pub async fn without_package_json(packages: &[Pkg]) -> TestContext {
        let registry = Registry::start(packages).await;
        let temp = tempfile::tempdir().expect("create a temp dir");
        let root = temp.path().join("project");
        let cache = temp.path().join("cache");
        std::fs::create_dir(&root).expect("create the project dir");
        TestContext {
            temp,
            root,
            cache,
            registry,
            reporter: Arc::new(RecordingReporter::default()),
        }
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A fresh folder inside this test's temp dir (a second project, say).
    pub fn sibling(&self, name: &str) -> PathBuf {
        let dir = self.temp.path().join(name);
        std::fs::create_dir_all(&dir).expect("create a sibling dir");
        dir
    }

    /// Writes the project's package.json (`name`/`version` filled in when missing).
    pub fn write_package_json(&self, mut value: Value) {
        if value.get("name").is_none() {
            value["name"] = json!("test-app");
            value["version"] = json!("1.0.0");
        }
        std::fs::write(
            self.root.join("package.json"),
            serde_json::to_string_pretty(&value).expect("JSON serialises") + "\n",
        )
        .expect("write package.json");
    }

    /// The project's package.json as it is on disk now.
    pub fn package_json(&self) -> Value {
        read_json(&self.root.join("package.json"))
    }

    /// Where this project's npm config comes from: its own `.npmrc` and nothing of the
    /// developer's (no environment, an empty home, no global npmrc).
    pub fn sources(&self) -> ConfigSources {
        ConfigSources {
            project_dir: self.root.clone(),
            env: BTreeMap::new(),
            home: Some(self.temp.path().join("home")),
            global_config: None,
            overrides: BTreeMap::new(),
            default_registry_cache: None,
        }
    }

    /// Engine options for this project: the loopback registry, the temp cache, the recording
    /// reporter, `resolved` URLs kept in the lockfile, and [`sources`](Self::sources).
    pub fn options(&self) -> InstallOptions {
        let mut options = InstallOptions::new(&self.root);
        options.sources = Some(self.sources());
        options.registry = Some(self.registry.url());
        options.cache_dir = Some(self.cache.clone());
        options
            .config
            .insert("omit-lockfile-registry-resolved".into(), "false".into());
        options.reporter = self.reporter.clone();
        options
    }

    /// `utoo install` in the project.
    pub async fn install(&self) -> Result<InstallSummary, InstallError> {
        utoo_install::install(self.options()).await
    }

    /// An install in the given mode (install, ci, add, remove).
    pub async fn run(&self, mode: Mode) -> Result<InstallSummary, InstallError> {
        let mut options = self.options();
        options.mode = mode;
        utoo_install::install(options).await
    }

    /// `utoo_install::resolve`: the lockfile only.
    pub async fn resolve(&self) -> Result<InstallSummary, InstallError> {
        utoo_install::resolve(self.options()).await
    }

    /// Runs `mode` and returns its result with the events that run reported.
    pub async fn run_recorded(
        &self,
        mode: Mode,
    ) -> (Result<InstallSummary, InstallError>, Vec<Event>) {
        let mark = self.reporter.events().len();
        let result = self.run(mode).await;
        let events = self.reporter.events().split_off(mark);
        (result, events)
    }

    /// package-lock.json as text.
    pub fn lockfile_text(&self) -> String {
        std::fs::read_to_string(self.root.join("package-lock.json")).expect("read the lockfile")
    }

    /// package-lock.json parsed.
    pub fn lockfile(&self) -> Value {
        read_json(&self.root.join("package-lock.json"))
    }

    /// The version in `<path>/package.json` under the project, if there is one.
    pub fn installed_version(&self, path: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.root.join(path).join("package.json")).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        v["version"].as_str().map(str::to_owned)
    }

    /// The codes of a summary's warnings. Every test that looks at warning codes goes through
    /// here, so a change of the code's type touches this one function.
    pub fn warning_codes(summary: &InstallSummary) -> Vec<String> {
        summary
            .warnings
            .iter()
            .map(|w| w.code.as_str().to_owned())
            .collect()
    }

    /// The real binary `bin` (a front end's `env!("CARGO_BIN_EXE_…")`) set up for this project:
    /// run in the project folder, with this cache and registry, and nothing from the
    /// developer's npm config, `CI` or `UTOO_LOG` leaking in.
    pub fn command(&self, bin: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(bin);
        cmd.current_dir(&self.root);
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy().to_ascii_lowercase();
            if key_text.starts_with("npm_config_") || key_text == "ci" || key_text == "utoo_log" {
                cmd.env_remove(&key);
            }
        }
        let no_config = self.temp.path().join("no-npmrc");
        cmd.env("UTOO_CACHE_DIR", &self.cache)
            .env("npm_config_registry", self.registry.url())
            .env("npm_config_userconfig", &no_config)
            .env("npm_config_globalconfig", &no_config)
            .env("npm_config_omit_lockfile_registry_resolved", "false");
        cmd
    }

    /// Replaces what differs between runs (temp paths, the registry's port, timings,
    /// hashes of tarballs) with placeholders, for snapshots.
    pub fn redact(&self, text: &str) -> String {
        Redactions {
            paths: vec![
                (self.root.clone(), "[PROJECT]"),
                (self.cache.clone(), "[CACHE]"),
                (self.temp.path().to_path_buf(), "[TEMP]"),
            ],
            registry: self.registry.url(),
        }
        .apply(text)
    }

    /// A process's exit code, stdout and stderr as one redacted text, for snapshots.
    pub fn render_output(&self, output: &Output) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output
                .status
                .code()
                .map_or_else(|| "signal".into(), |c| c.to_string()),
            self.redact(&String::from_utf8_lossy(&output.stdout)),
            self.redact(&String::from_utf8_lossy(&output.stderr)),
        )
    }
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}
