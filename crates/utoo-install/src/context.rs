use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use utoo_config::{Config, ConfigSources};
use utoo_manifest::Manifest;
use utoo_registry::{CachePolicy, Packuments, RegistryClient};

use crate::{InstallError, InstallOptions};

/// The project and the machinery of one run. The HTTP client is built on first use: a run
/// that finds nothing to do never loads certificates.
pub(crate) struct Context {
    pub options: InstallOptions,
    pub root: PathBuf,
    pub cache_dir: PathBuf,
    pub config: Arc<Config>,
    pub package_json_text: String,
    pub manifest: Manifest,
    packuments: OnceLock<Packuments>,
    node_version: tokio::sync::OnceCell<Option<nodejs_semver::Version>>,
}

impl Context {
    pub fn load(options: InstallOptions) -> Result<Context, InstallError> {
        let root = options.cwd.clone();
        let cache_dir = options.resolved_cache_dir();
        let mut sources = ConfigSources::from_env(&root);
        sources.overrides.extend(options.config.clone());
        if let Some(registry) = &options.registry {
            sources
                .overrides
                .insert("registry".into(), registry.clone());
        }
        sources.default_registry_cache = Some(cache_dir.join("npm-default-registry"));
        let config = Arc::new(Config::load(&sources)?);
        let (package_json_text, manifest) = read_package_json(&root)?;
        Ok(Context {
            options,
            root,
            cache_dir,
            config,
            package_json_text,
            manifest,
            packuments: OnceLock::new(),
            node_version: tokio::sync::OnceCell::new(),
        })
    }

    pub fn reload_package_json(&mut self) -> Result<(), InstallError> {
        let (text, manifest) = read_package_json(&self.root)?;
        self.package_json_text = text;
        self.manifest = manifest;
        Ok(())
    }

    pub fn packuments(&self) -> Result<&Packuments, InstallError> {
        if let Some(p) = self.packuments.get() {
            return Ok(p);
        }
        let policy = if self.options.offline || self.config.flag("offline") {
            CachePolicy::Offline
        } else if self.options.prefer_offline || self.config.flag("prefer-offline") {
            CachePolicy::PreferOffline
        } else {
            CachePolicy::Revalidate
        };
        let client =
            RegistryClient::new(self.config.clone()).with_packument_cache(&self.cache_dir, policy);
        Ok(self.packuments.get_or_init(|| Packuments::new(client)))
    }

    /// The Node whose `engines.node` matters: the front end's, else the `node` on PATH
    /// (asked once, and only by runs that pick versions).
    pub async fn node_version(&self) -> Option<&nodejs_semver::Version> {
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

    pub fn client(&self) -> Result<&RegistryClient, InstallError> {
        Ok(self.packuments()?.client())
    }

    pub fn lockfile_path(&self) -> PathBuf {
        self.root.join("package-lock.json")
    }

    pub fn node_modules(&self) -> PathBuf {
        self.root.join("node_modules")
    }
}

pub(crate) fn read_package_json(root: &Path) -> Result<(String, Manifest), InstallError> {
    let path = root.join("package.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InstallError::NoPackageJson {
                dir: root.to_path_buf(),
            })
        }
        Err(e) => return Err(InstallError::io(&path, e)),
    };
    let manifest = serde_json::from_str(&text)
        .map_err(|source| InstallError::BadPackageJson { path, source })?;
    Ok((text, manifest))
}
