//! A temp project and cache against a fixture registry.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};
use utoo_events::RecordingReporter;
use utoo_install::{InstallError, InstallOptions, InstallSummary, Mode};
use utoo_test::{Pkg, Registry};

pub struct TestProject {
    pub dir: tempfile::TempDir,
    pub cache: PathBuf,
    pub registry: Registry,
    pub reporter: Arc<RecordingReporter>,
}

impl TestProject {
    pub async fn new(packages: &[Pkg], package_json: Value) -> TestProject {
        let registry = Registry::start(packages).await;
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(".cache");
        let project = TestProject {
            cache,
            registry,
            reporter: Arc::new(RecordingReporter::default()),
            dir,
        };
        project.write_package_json(package_json);
        project
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_package_json(&self, mut value: Value) {
        if value.get("name").is_none() {
            value["name"] = json!("test-app");
            value["version"] = json!("1.0.0");
        }
        std::fs::write(
            self.root().join("package.json"),
            serde_json::to_string_pretty(&value).unwrap() + "\n",
        )
        .unwrap();
    }

    pub fn options(&self) -> InstallOptions {
        let mut options = InstallOptions::new(self.root());
        options.registry = Some(self.registry.url());
        options.cache_dir = Some(self.cache.clone());
        options
            .config
            .insert("omit-lockfile-registry-resolved".into(), "false".into());
        options.reporter = self.reporter.clone();
        options
    }

    pub async fn install(&self) -> Result<InstallSummary, InstallError> {
        utoo_install::install(self.options()).await
    }

    pub async fn run(&self, mode: Mode) -> Result<InstallSummary, InstallError> {
        let mut options = self.options();
        options.mode = mode;
        utoo_install::install(options).await
    }

    pub fn lockfile(&self) -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(self.root().join("package-lock.json")).unwrap(),
        )
        .unwrap()
    }

    pub fn installed_version(&self, path: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.root().join(path).join("package.json")).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        v["version"].as_str().map(str::to_owned)
    }
}
