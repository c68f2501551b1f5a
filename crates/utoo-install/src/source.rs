use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use utoo_cache::{Cache, PackageSource};
use utoo_events::ErrorCode;
use utoo_manifest::{GitSpec, Manifest, Packument, Spec, VersionReq};
use utoo_registry::{Packuments, RegistryClient};
use utoo_resolver::{PackumentSource, SourceError};

use crate::source_policy::SourcePolicy;

/// The registry as the resolver's packument source; tarball URLs are fetched into the cache
/// (by the integrity computed) and answer with their package.json, so the pipeline later
/// finds them there instead of downloading them again.
pub(crate) struct RegistrySource {
    pub packuments: Packuments,
    pub client: RegistryClient,
    /// Where the cache is, and its extraction caps; opened on the first tarball spec, so a
    /// project of registry packages only does not open it twice.
    cache_dir: PathBuf,
    limits: utoo_cache::TarballLimits,
    cache: OnceLock<Cache>,
    /// The project folder, which `file:` paths are relative to.
    pub root: PathBuf,
    /// Answers per URL: a spec asked for by several edges is fetched once.
    remote: Mutex<HashMap<String, Arc<Packument>>>,
    /// `allow-git` / `allow-remote`, checked before anything is fetched.
    policy: SourcePolicy,
}

impl RegistrySource {
    pub(crate) fn new(
        packuments: Packuments,
        client: RegistryClient,
        cache_dir: PathBuf,
        limits: utoo_cache::TarballLimits,
        root: PathBuf,
        policy: SourcePolicy,
    ) -> Self {
        RegistrySource {
            packuments,
            client,
            cache_dir,
            limits,
            cache: OnceLock::new(),
            root,
            remote: Mutex::new(HashMap::new()),
            policy,
        }
    }

    /// The cache the pipeline reads. Two first callers at once may both open it: harmless,
    /// one is kept.
    fn cache(&self) -> Result<&Cache, SourceError> {
        if let Some(cache) = self.cache.get() {
            return Ok(cache);
        }
        let cache = Cache::open(&self.cache_dir, crate::pipeline::blocking_pool())
            .map_err(|e| SourceError::new(e.code(), Arc::new(e)))?
            .with_limits(self.limits);
        Ok(self.cache.get_or_init(|| cache))
    }

    /// `url` is fetched; `resolved` is what the lockfile records, with the sha512 of the
    /// bytes unless `integrity` is false (npm locks a git dependency without one: a repack
    /// need not give the same bytes).
    async fn remote(
        &self,
        name: &str,
        url: &str,
        resolved: &str,
        integrity: bool,
    ) -> Result<Arc<Packument>, SourceError> {
        if let Some(hit) = self.remote.lock().expect("not poisoned").get(url) {
            return Ok(hit.clone());
        }
        let cache = self.cache()?;
        let source = PackageSource {
            id: format!("{name}@{url}"),
            tarball_url: url.to_owned(),
            integrity: None,
        };
        let fetched = cache
            .fetch(&self.client, &source)
            .await
            .map_err(|e| SourceError::new(e.code(), Arc::new(e)))?;
        let path = fetched.path.join("package.json");
        let bytes =
            std::fs::read(&path).map_err(|e| SourceError::new(ErrorCode::Io, Arc::new(e)))?;
        let mut manifest: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| SourceError::new(ErrorCode::JsonParse, Arc::new(e)))?;
        // npm records the URL as written and the sha512 of the bytes.
        manifest["dist"] = if integrity {
            serde_json::json!({
                "tarball": resolved,
                "integrity": fetched.integrity.to_string(),
            })
        } else {
            serde_json::json!({ "tarball": resolved })
        };
        let packument = Arc::new(
            Packument::one_version(&manifest)
                .map_err(|e| SourceError::new(ErrorCode::JsonParse, Arc::new(e)))?,
        );
        self.remote
            .lock()
            .expect("not poisoned")
            .insert(url.to_owned(), packument.clone());
        Ok(packument)
    }
}

impl RegistrySource {
    /// A git spec: the commit it names (`ls-remote`), then fetched and packed into the cache
    /// like a tarball; the lockfile records `<base>#<sha>`, as npm does.
    async fn git(&self, name: &str, git: &GitSpec) -> Result<Arc<Packument>, SourceError> {
        let base = git
            .resolved_base
            .strip_prefix("git+")
            .unwrap_or(&git.resolved_base)
            .to_owned();
        let wanted = git.committish.clone();
        let repo = base.clone();
        let sha = tokio::task::spawn_blocking(move || utoo_cache::resolve_ref(&repo, &wanted))
            .await
            .map_err(|e| SourceError::new(ErrorCode::Internal, Arc::new(e)))?
            .map_err(|e| SourceError::new(ErrorCode::Git, Arc::new(e)))?;
        let resolved = format!("{}#{sha}", git.resolved_base);
        self.remote(name, &resolved, &resolved, false).await
    }
}

impl PackumentSource for RegistrySource {
    async fn get(&self, name: &str) -> Result<Arc<Packument>, SourceError> {
        self.packuments
            .get(name)
            .await
            .map_err(|e| SourceError::new(e.code(), e))
    }

    fn prefetch(&self, name: &str, req: &VersionReq) {
        self.packuments.prefetch(name, req);
    }

    async fn get_spec(
        &self,
        name: &str,
        spec: &Spec,
    ) -> Option<Result<Arc<Packument>, SourceError>> {
        let written = match spec {
            Spec::Remote { url } => url.clone(),
            Spec::Git(git) => git.repo.clone(),
            _ => String::new(),
        };
        if let Err(refused) = self.policy.check(name, spec, &written) {
            return Some(Err(SourceError::new(refused.code(), Arc::new(refused))));
        }
        match spec {
            Spec::Remote { url } => Some(self.remote(name, url, url, true).await),
            Spec::Git(git) => Some(self.git(name, git).await),
            // npm records a root dependency's tarball path as written, after `file:`.
            Spec::File { path } => {
                let absolute = format!("file:{}", self.root.join(path).display());
                Some(
                    self.remote(name, &absolute, &format!("file:{path}"), true)
                        .await,
                )
            }
            _ => None,
        }
    }

    async fn folder(&self, path: &str) -> Result<Manifest, SourceError> {
        let file = self.root.join(path).join("package.json");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| SourceError::new(ErrorCode::NoPackageJson, Arc::new(e)))?;
        serde_json::from_str(&text).map_err(|e| SourceError::new(ErrorCode::JsonParse, Arc::new(e)))
    }
}
