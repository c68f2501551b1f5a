use std::path::PathBuf;
use std::sync::Arc;

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

/// Everything a front end can ask for.
#[derive(Clone)]
pub struct InstallOptions {
    pub cwd: PathBuf,
    pub mode: Mode,
    /// Overrides the configured registry.
    pub registry: Option<String>,
    /// npm config keys set as if on the command line (`--omit-lockfile-registry-resolved=false`).
    pub config: std::collections::BTreeMap<String, String>,
    /// Overrides the cache folder (else `UTOO_CACHE_DIR`, else the user cache dir).
    pub cache_dir: Option<PathBuf>,
    pub ignore_scripts: bool,
    /// Use cached packuments without revalidating them (npm's --prefer-offline).
    pub prefer_offline: bool,
    /// Never use the network: cached packuments and tarballs only (npm's --offline).
    pub offline: bool,
    pub legacy_peer_deps: bool,
    pub force: bool,
    /// The running Node's version (`engines.node` preferences and warnings).
    pub node_version: Option<String>,
    /// Dependencies to add to or remove from package.json before installing.
    pub edit: Option<EditRequest>,
    pub reporter: Arc<dyn Reporter>,
    pub cancel: CancelToken,
    /// Called at the start of every link job, on the worker running it. Tests use it to hold
    /// jobs open and prove that link jobs overlap, without timing anything.
    pub link_probe: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Caps on what one tarball may inflate to (bytes, entries); beyond them ETARBALL.
    pub tarball_limits: utoo_cache::TarballLimits,
}

impl InstallOptions {
    pub fn new(cwd: impl Into<PathBuf>) -> InstallOptions {
        InstallOptions {
            cwd: cwd.into(),
            mode: Mode::Install,
            registry: None,
            config: Default::default(),
            cache_dir: None,
            ignore_scripts: false,
            prefer_offline: false,
            offline: false,
            legacy_peer_deps: false,
            force: false,
            node_version: None,
            edit: None,
            reporter: Arc::new(SilentReporter),
            cancel: CancelToken::new(),
            link_probe: None,
            tarball_limits: utoo_cache::TarballLimits::default(),
        }
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
