use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use utoo_install::{CancelToken, Mode};

use crate::cancel::link_abort_signal;
use crate::progress::{JsReporter, ProgressCallback};

/// Options of `install()` and `resolve()`; every field is optional.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct InstallOptions {
    /// The project folder (default: `process.cwd()`).
    pub cwd: Option<String>,
    /// Registry URL (default: from npm's configuration chain).
    pub registry: Option<String>,
    /// Cache folder (default: `$UTOO_CACHE_DIR`, else the user cache folder).
    pub cache_dir: Option<String>,
    /// npm's `ignore-scripts`. Like every setting here, unset leaves npm's config chain
    /// (`.npmrc`, `npm_config_*`) in force.
    pub ignore_scripts: Option<bool>,
    /// Use cached packuments without revalidating them.
    pub prefer_offline: Option<bool>,
    /// Never use the network; everything must be in the cache (else code `ENOTCACHED`).
    pub offline: Option<bool>,
    /// `npm ci`: install exactly the lockfile into a fresh node_modules.
    pub ci: Option<bool>,
    pub legacy_peer_deps: Option<bool>,
    pub force: Option<bool>,
    /// Dependency kinds left off the disk (`["dev"]`); they stay in the lockfile.
    pub omit: Option<Vec<String>>,
    /// npm config keys, as on npm's command line (`{ "omit-lockfile-registry-resolved": "false" }`).
    pub config: Option<std::collections::HashMap<String, String>>,
    /// Called with progress events; throttled, and never keeps the process alive.
    #[napi(ts_type = "(event: ProgressEvent) => void")]
    pub on_progress: Option<ProgressCallback>,
    /// Aborting the signal rejects the promise with code `ECANCELLED`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'static>>,
}

#[derive(Clone, Copy)]
pub(crate) enum ModeOverride {
    FromOptions,
    LockfileOnly,
}

impl InstallOptions {
    pub(crate) fn into_engine(
        self,
        env: &Env,
        mode: ModeOverride,
        node_version: String,
    ) -> Result<utoo_install::InstallOptions> {
        let cwd = match self.cwd {
            Some(dir) => PathBuf::from(dir),
            None => std::env::current_dir()?,
        };
        let mut o = utoo_install::InstallOptions::new(cwd);
        o.registry = self.registry;
        o.cache_dir = self.cache_dir.map(PathBuf::from);
        o.node_version = Some(node_version);
        o.config = self.config.unwrap_or_default().into_iter().collect();
        // Options given are the top of npm's chain; options left out set nothing.
        let flags = [
            ("ignore-scripts", self.ignore_scripts),
            ("prefer-offline", self.prefer_offline),
            ("offline", self.offline),
            ("legacy-peer-deps", self.legacy_peer_deps),
            ("force", self.force),
        ];
        for (key, value) in flags {
            if let Some(value) = value {
                o.set(key, value);
            }
        }
        if let Some(omit) = self.omit {
            o.set("omit", omit.join("\n\n"));
        }
        o.mode = match mode {
            ModeOverride::LockfileOnly => Mode::LockfileOnly,
            ModeOverride::FromOptions if self.ci.unwrap_or(false) => Mode::Ci,
            ModeOverride::FromOptions => Mode::Install,
        };
        if let Some(callback) = self.on_progress {
            o.reporter = Arc::new(JsReporter::new(callback));
        }
        let token = CancelToken::new();
        if let Some(signal) = &self.signal {
            link_abort_signal(env, signal, &token)?;
        }
        o.cancel = token;
        Ok(o)
    }
}
