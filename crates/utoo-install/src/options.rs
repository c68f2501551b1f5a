use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use utoo_config::ConfigSources;
use utoo_events::{Reporter, SilentReporter};

use crate::{CancelToken, EditRequest};

/// What kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `install`: reuse the lockfile where it satisfies package.json, resolve the rest.
    #[default]
    Install,
    /// `ci`: the lockfile must satisfy package.json; node_modules is rebuilt from it.
    Ci,
    /// `install --lockfile-only` / `resolve()`: write package-lock.json, touch nothing else.
    LockfileOnly,
}

/// Everything a front end can ask for. Settings (`legacy-peer-deps`, `omit`, `offline`,
/// ...) are npm config keys in [`config`](Self::config): the highest level of npm's chain,
/// so a flag and an `.npmrc` line mean the same, and a key a front end leaves unset leaves
/// the lower levels in force.
#[derive(Clone)]
pub struct InstallOptions {
    /// The project folder.
    pub cwd: PathBuf,
    /// install, ci or lockfile-only.
    pub mode: Mode,
    /// Overrides the configured registry (the `registry` key).
    pub registry: Option<String>,
    /// npm config keys set as on the command line (`legacy-peer-deps` = `true`).
    pub config: BTreeMap<String, String>,
    /// Where the rest of the chain comes from; `None`: this process's environment, home
    /// folder and npm's global prefix. Tests fill it by hand.
    pub sources: Option<ConfigSources>,
    /// Overrides the cache folder (else `UTOO_CACHE_DIR`, else the user cache dir).
    pub cache_dir: Option<PathBuf>,
    /// The running Node's version (`engines.node` preferences and warnings).
    pub node_version: Option<String>,
    /// Dependencies to add to or remove from package.json before installing.
    pub edit: Option<EditRequest>,
    /// npm's `update`: these packages (every one when the list is empty) are resolved again
    /// to the newest versions the ranges allow, whatever the lockfile pins; the rest stays
    /// locked. package.json is left as it is (npm's `save=false` default for `update`).
    pub update: Option<Vec<String>>,
    /// npm's `dedupe`: every package installed at more than one path is resolved again
    /// (as `update` would), so copies that one version could serve collapse into it.
    pub dedupe: bool,
    /// Receives every event of the run.
    pub reporter: Arc<dyn Reporter>,
    /// Cancelling it stops the run with `ECANCELLED`.
    pub cancel: CancelToken,
    /// Called at the start of every link job, on the worker running it. Tests use it to hold
    /// jobs open and prove that link jobs overlap, without timing anything.
    pub link_probe: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Caps on what one tarball may inflate to (bytes, entries); beyond them ETARBALL.
    pub tarball_limits: utoo_cache::TarballLimits,
}

impl InstallOptions {
    /// Defaults for the project in `cwd`: everything else comes from npm's configuration.
    pub fn new(cwd: impl Into<PathBuf>) -> InstallOptions {
        InstallOptions {
            cwd: cwd.into(),
            mode: Mode::Install,
            registry: None,
            config: BTreeMap::new(),
            sources: None,
            cache_dir: None,
            node_version: None,
            edit: None,
            update: None,
            dedupe: false,
            reporter: Arc::new(SilentReporter),
            cancel: CancelToken::new(),
            link_probe: None,
            tarball_limits: utoo_cache::TarballLimits::default(),
        }
    }

    /// Sets an npm config key at the command-line level (`set("offline", true)`).
    #[expect(
        clippy::needless_pass_by_value,
        reason = "callers pass literals and temporaries: `set(\"offline\", true)`"
    )]
    pub fn set(&mut self, key: &str, value: impl ToString) -> &mut InstallOptions {
        self.config.insert(key.to_owned(), value.to_string());
        self
    }

    pub(crate) fn resolved_cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os("UTOO_CACHE_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        dirs::cache_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("utoo")
    }
}
