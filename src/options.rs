use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use utoo_events::{Reporter, StallWatch};
use utoo_install::{CancelToken, DepField, EditRequest, Mode};

use crate::cancel::link_abort_signal;
use crate::progress::{JsReporter, ProgressCallback};

/// Options of every installing function (`install`, `ci`, `add`, `remove`, `update`,
/// `resolve`, `plan`); every field is optional. Names are npm's, camel-cased.
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
    /// `npm ci`: install exactly the lockfile into a fresh node_modules (`ci()` sets it).
    pub ci: Option<bool>,
    /// npm's `--package-lock-only`: write package-lock.json, leave node_modules alone.
    pub lockfile_only: Option<bool>,
    pub legacy_peer_deps: Option<bool>,
    pub force: Option<bool>,
    /// Dependency kinds left off the disk (`["dev"]`); they stay in the lockfile.
    pub omit: Option<Vec<String>>,
    /// npm's `workspace` (`-w`): only these members (names or folders) and what they need.
    /// With `add` / `remove`, the members whose package.json changes.
    #[napi(ts_type = "string | string[]")]
    pub workspace: Option<Either<String, Vec<String>>>,
    /// npm's `workspaces`: `true`, every member (`--workspaces`); `false`, the root alone
    /// (`--no-workspaces`).
    pub workspaces: Option<bool>,
    /// npm's `include-workspace-root`: with `workspace` / `workspaces`, the root's own
    /// dependencies too.
    pub include_workspace_root: Option<bool>,
    /// npm config keys, as on npm's command line (`{ "omit-lockfile-registry-resolved": "false" }`).
    pub config: Option<std::collections::HashMap<String, String>>,
    /// Called with progress events; throttled, never keeps the process alive, and a callback
    /// that throws or is slow neither fails nor slows the install.
    #[napi(ts_type = "(event: ProgressEvent) => void")]
    pub on_progress: Option<ProgressCallback>,
    /// Milliseconds without any event before `onProgress` gets a `stalled` event (default
    /// 10000).
    pub stalled_after_ms: Option<u32>,
    /// Aborting it rejects the promise with an `AbortError` (`name: 'AbortError'`,
    /// `code: 'ABORT_ERR'`, as Node's own APIs do).
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'static>>,
}

/// Where `add()` saves, as `utoo add -D / -O / --save-peer / -E`.
#[expect(
    unreachable_pub,
    reason = "only index.d.ts names it: add() reads it from its options object"
)]
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct SaveOptions {
    /// Save to devDependencies (`-D`).
    pub dev: Option<bool>,
    /// Save to optionalDependencies (`-O`).
    pub optional: Option<bool>,
    /// Save to peerDependencies (`--save-peer`).
    pub peer: Option<bool>,
    /// Save the exact version instead of a `^` range (`-E`, npm's `save-exact`).
    pub exact: Option<bool>,
}

/// What the function asks of the engine besides the options.
pub(crate) enum Request {
    /// `install(options)` / `plan(options)`: the mode the options say.
    Install,
    Ci,
    LockfileOnly,
    Add(Vec<String>, SaveOptions),
    Remove(Vec<String>),
    Update(Vec<String>),
}

/// The engine's options, and the stall watch to stop when the run ends.
pub(crate) struct Prepared {
    pub options: utoo_install::InstallOptions,
    pub watch: Option<Arc<StallWatch>>,
    pub reporter: Option<Arc<JsReporter>>,
}

/// npm's default: a `stalled` event after 10 s of silence.
const STALLED_AFTER: Duration = Duration::from_secs(10);

impl InstallOptions {
    pub(crate) fn into_engine(
        self,
        env: &Env,
        request: Request,
        node_version: String,
    ) -> Result<Prepared> {
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
            ("workspaces", self.workspaces),
            ("include-workspace-root", self.include_workspace_root),
        ];
        for (key, value) in flags {
            if let Some(value) = value {
                o.set(key, value);
            }
        }
        // npm's list separator, as `.npmrc`'s `key[] =` lines join.
        if let Some(omit) = self.omit {
            o.set("omit", omit.join("\n\n"));
        }
        if let Some(workspace) = self.workspace {
            let members = match workspace {
                Either::A(one) => vec![one],
                Either::B(many) => many,
            };
            o.set("workspace", members.join("\n\n"));
        }
        o.mode = if self.lockfile_only == Some(true) {
            Mode::LockfileOnly
        } else if self.ci == Some(true) {
            Mode::Ci
        } else {
            Mode::Install
        };
        apply_request(&mut o, request);
        let mut prepared = Prepared {
            options: o,
            watch: None,
            reporter: None,
        };
        if let Some(callback) = self.on_progress {
            let js = Arc::new(JsReporter::new(callback));
            let after = self
                .stalled_after_ms
                .map_or(STALLED_AFTER, |ms| Duration::from_millis(u64::from(ms)));
            let watch = StallWatch::start(js.clone(), after);
            prepared.options.reporter = watch.clone() as Arc<dyn Reporter>;
            prepared.watch = Some(watch);
            prepared.reporter = Some(js);
        }
        let token = CancelToken::new();
        if let Some(signal) = &self.signal {
            link_abort_signal(env, signal, &token)?;
        }
        prepared.options.cancel = token;
        Ok(prepared)
    }
}

fn apply_request(o: &mut utoo_install::InstallOptions, request: Request) {
    match request {
        Request::Install => {}
        Request::Ci => o.mode = Mode::Ci,
        Request::LockfileOnly => o.mode = Mode::LockfileOnly,
        Request::Add(specs, save) => {
            let field = if save.dev == Some(true) {
                DepField::Dev
            } else if save.optional == Some(true) {
                DepField::Optional
            } else if save.peer == Some(true) {
                DepField::Peer
            } else {
                DepField::Prod
            };
            if let Some(exact) = save.exact {
                o.set("save-exact", exact);
            }
            o.edit = Some(EditRequest {
                add: specs,
                field,
                ..EditRequest::default()
            });
        }
        Request::Remove(names) => {
            o.edit = Some(EditRequest {
                remove: names,
                ..EditRequest::default()
            });
        }
        Request::Update(names) => o.update = Some(names),
    }
}

/// Options of `why()`.
#[napi(object)]
#[derive(Default)]
pub struct WhyOptions {
    /// The project folder (default: `process.cwd()`).
    pub cwd: Option<String>,
}

/// Options of `list()`, as `npm ls`.
#[napi(object)]
#[derive(Default)]
pub struct ListOptions {
    /// The project folder (default: `process.cwd()`).
    pub cwd: Option<String>,
    /// Only the paths to these packages (the whole depth is searched).
    pub names: Option<Vec<String>>,
    /// Every level (`npm ls --all`), not only the direct dependencies.
    pub all: Option<bool>,
    /// Levels below the direct dependencies (`npm ls --depth`).
    pub depth: Option<u32>,
}

pub(crate) fn cwd_or_current(cwd: Option<String>) -> Result<PathBuf> {
    match cwd {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Ok(std::env::current_dir()?),
    }
}
