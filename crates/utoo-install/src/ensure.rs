//! Install on demand: what a dev server calls on every import it cannot resolve. Specs that
//! node_modules already satisfies cost one stat and a package.json read each (no network,
//! no lockfile, no lock); the rest go through the normal `add` path in one install.
//!
//! [`Ensurer`] is the state a long-lived host keeps between calls: one queue per project,
//! so concurrent calls for the same missing package run one install and the later ones
//! find it present, and a memo of recent failures, so a dev server that retries an import
//! of a package that does not exist gets the same error at once instead of a request
//! storm.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use utoo_manifest::Manifest;

use crate::edit::split_spec;
use crate::{EditRequest, InstallError, InstallOptions, InstallSummary, Mode};

/// How long a failed set of specs is answered from the memo. Long enough to absorb a
/// dev server's retries of one page load, short enough that a fix (a publish, a typo
/// corrected in the registry config) is picked up without a restart.
pub const DEFAULT_FAILURE_WINDOW: Duration = Duration::from_secs(30);

/// What [`Ensurer::ensure`] did.
#[derive(Debug, Clone, Default)]
pub struct EnsureReport {
    /// `name@version` of each spec that was missing or unsatisfied and is now installed.
    pub installed: Vec<String>,
    /// `name@version` of each spec node_modules already satisfied.
    pub already_present: Vec<String>,
    /// The install's summary, when one ran.
    pub summary: Option<InstallSummary>,
}

/// A failure kept for the window: the error itself, shared by every repeat.
struct Failure {
    at: Instant,
    error: Arc<InstallError>,
}

/// Per-process state of install on demand; hold one for the life of the host.
pub struct Ensurer {
    window: Duration,
    /// One async queue per project folder.
    queues: Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>,
    /// (project, sorted missing specs) → the last failure.
    failures: Mutex<HashMap<(PathBuf, String), Failure>>,
}

impl Default for Ensurer {
    fn default() -> Self {
        Ensurer::new(DEFAULT_FAILURE_WINDOW)
    }
}

impl Ensurer {
    /// An ensurer that answers repeats of a failure from its memo for `window`.
    pub fn new(window: Duration) -> Ensurer {
        Ensurer {
            window,
            queues: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Makes sure every spec (`name`, `name@range`, `@scope/name@range`) is satisfied by the
    /// project's node_modules, adding the missing ones to package.json (as `npm install
    /// <spec>` saves them) and installing them. `options.edit` and `options.mode` are
    /// replaced; everything else (registry, cache, reporter, cancel token) is used as given.
    pub async fn ensure(
        &self,
        specs: &[String],
        mut options: InstallOptions,
    ) -> Result<EnsureReport, InstallError> {
        let root = std::fs::canonicalize(&options.cwd).unwrap_or_else(|_| options.cwd.clone());
        let cancel = options.cancel.clone();
        let queue = self.queue(&root);
        let _turn = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(InstallError::Cancelled),
            turn = queue.lock() => turn,
        };
        let mut missing = Vec::new();
        let mut report = EnsureReport::default();
        for spec in specs {
            let (name, range) = split_spec(spec)?;
            match installed_version(&root, &name, &range) {
                Some(version) => report.already_present.push(format!("{name}@{version}")),
                None => missing.push((spec.clone(), name)),
            }
        }
        if missing.is_empty() {
            return Ok(report);
        }
        let mut key: Vec<&str> = missing.iter().map(|(s, _)| s.as_str()).collect();
        key.sort_unstable();
        key.dedup();
        let key = (root.clone(), key.join(" "));
        if let Some(error) = self.recent_failure(&key) {
            return Err(InstallError::RecentlyFailed {
                specs: key.1,
                source: error,
            });
        }
        options.mode = Mode::Install;
        options.edit = Some(EditRequest {
            add: missing.iter().map(|(s, _)| s.clone()).collect(),
            ..EditRequest::default()
        });
        match crate::install(options).await {
            Ok(summary) => {
                report.summary = Some(summary);
                for (_, name) in &missing {
                    let version = read_version(&root, name).unwrap_or_default();
                    report.installed.push(format!("{name}@{version}"));
                }
                Ok(report)
            }
            // A cancelled install says nothing about the specs: the next call retries.
            Err(InstallError::Cancelled) => Err(InstallError::Cancelled),
            Err(error) => {
                let error = Arc::new(error);
                self.remember(key, Arc::clone(&error));
                Err(InstallError::Shared(error))
            }
        }
    }

    fn queue(&self, root: &Path) -> Arc<tokio::sync::Mutex<()>> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(queues.entry(root.to_owned()).or_default())
    }

    fn recent_failure(&self, key: &(PathBuf, String)) -> Option<Arc<InstallError>> {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.retain(|_, f| f.at.elapsed() < self.window);
        failures.get(key).map(|f| Arc::clone(&f.error))
    }

    fn remember(&self, key: (PathBuf, String), error: Arc<InstallError>) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.insert(
            key,
            Failure {
                at: Instant::now(),
                error,
            },
        );
    }
}

/// The version in `node_modules/<name>` when it satisfies `range` (empty or a tag: any
/// version does; a dev server asking for `lodash` wants whatever is there).
fn installed_version(root: &Path, name: &str, range: &str) -> Option<String> {
    let bytes = std::fs::read(root.join("node_modules").join(name).join("package.json")).ok()?;
    let manifest = Manifest::from_json_slice(&bytes).ok()?;
    let real = if manifest.name.is_empty() {
        name
    } else {
        &manifest.name
    };
    let any = range.is_empty() || range == "latest";
    (any || utoo_resolver::satisfies(name, range, real, &manifest.version))
        .then(|| manifest.version.clone())
}

fn read_version(root: &Path, name: &str) -> Option<String> {
    installed_version(root, name, "")
}
