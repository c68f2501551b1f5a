use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use utoo_config::{Config, ConfigSources, Settings};
use utoo_events::{Events, WarningCode};
use utoo_registry::{CachePolicy, Packuments, RegistryClient};

use crate::{InstallError, InstallOptions, Mode};

/// The machinery of one run: options, configuration, where events go, the cache. The
/// project's own files are not here (see [`Project`](crate::project::Project)): stages get
/// them as inputs. The HTTP client is built on first use: a run that finds nothing to do
/// never loads certificates.
pub(crate) struct Context {
    pub options: InstallOptions,
    pub root: PathBuf,
    pub cache_dir: PathBuf,
    pub config: Arc<Config>,
    pub events: Events,
    packuments: OnceLock<Packuments>,
    node_version: tokio::sync::OnceCell<Option<nodejs_semver::Version>>,
}

impl Context {
    pub(crate) fn new(mut options: InstallOptions) -> Result<Context, InstallError> {
        // Run inside a workspace member, npm installs the whole workspace.
        let root = crate::project::find_root(&options.cwd);
        let cache_dir = options.resolved_cache_dir();
        let mut sources = options
            .sources
            .clone()
            .unwrap_or_else(|| ConfigSources::from_env(&root));
        sources.overrides.extend(options.config.clone());
        if let Some(registry) = &options.registry {
            sources
                .overrides
                .insert("registry".into(), registry.clone());
        }
        if sources.default_registry_cache.is_none() && options.sources.is_none() {
            sources.default_registry_cache = Some(cache_dir.join("npm-default-registry"));
        }
        let config = Arc::new(Config::load(&sources)?);
        // npm's `package-lock-only` is `install --lockfile-only`.
        if config.settings().package_lock_only && options.mode == Mode::Install {
            options.mode = Mode::LockfileOnly;
        }
        let events = Events::new(options.reporter.clone());
        for message in config.ignored() {
            events.warn(WarningCode::ConfigIgnored, message.clone());
        }
        Ok(Context {
            events,
            options,
            root,
            cache_dir,
            config,
            packuments: OnceLock::new(),
            node_version: tokio::sync::OnceCell::new(),
        })
    }

    pub(crate) fn packuments(&self) -> &Packuments {
        self.packuments.get_or_init(|| {
            let settings = self.settings();
            let policy = if settings.offline {
                CachePolicy::Offline
            } else if settings.prefer_offline {
                CachePolicy::PreferOffline
            } else {
                CachePolicy::Revalidate
            };
            let client = RegistryClient::new(self.config.clone())
                .with_packument_cache(&self.cache_dir, policy);
            Packuments::new(client)
        })
    }

    /// The Node whose `engines.node` matters: the front end's, else the `node` on PATH
    /// (asked once, and only by runs that pick versions).
    pub(crate) async fn node_version(&self) -> Option<&nodejs_semver::Version> {
        self.node_version
            .get_or_init(|| async {
                match &self.options.node_version {
                    Some(v) => crate::node::parse(v),
                    None => crate::node::node_on_path().await,
                }
            })
            .await
            .as_ref()
    }

    pub(crate) fn client(&self) -> &RegistryClient {
        self.packuments().client()
    }

    /// Whether dependencies' install scripts run (and so whether packages that have them
    /// get private copies rather than hard links into the cache).
    pub(crate) fn runs_scripts(&self) -> bool {
        !self.settings().ignore_scripts
    }

    /// The typed settings of npm's chain for this run (flags and options included).
    pub(crate) fn settings(&self) -> &Settings {
        self.config.settings()
    }
}
