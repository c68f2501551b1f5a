use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ssri::Integrity;
use utoo_manifest::{bin_entries, Manifest};
use utoo_registry::RegistryClient;
use utoo_tarball::Limits;

use crate::download::{download, PackageSource};
use crate::file_list;
use crate::observer::NoObserver;
use crate::{CacheError, DownloadObserver};

/// Leftovers in `tmp/` older than this belong to a crashed or killed run.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// The cache folder: `store-v1/<algo>/<xx>/<rest of hex>/` holds one extracted package.
#[derive(Clone)]
pub struct Cache {
    store: PathBuf,
    tmp: PathBuf,
    pool: Arc<rayon::ThreadPool>,
    limits: Limits,
    observer: Arc<dyn DownloadObserver>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("store", &self.store)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// How a package got into the cache.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The extracted package folder in the store.
    pub path: PathBuf,
    /// Bytes downloaded (0 on a cache hit).
    pub downloaded: u64,
    /// The integrity the bytes matched: the expected one, or the sha512 computed.
    pub integrity: Integrity,
}

impl Cache {
    /// Opens (creating) the cache at `root`. `pool` runs extraction: CPU and disk work stays
    /// off the async runtime that drains the sockets.
    pub fn open(root: &Path, pool: Arc<rayon::ThreadPool>) -> Result<Cache, CacheError> {
        let store = root.join("store-v1");
        let tmp = root.join("tmp");
        for dir in [&store, &tmp] {
            std::fs::create_dir_all(dir).map_err(|e| CacheError::io(dir, e))?;
        }
        sweep_stale(&tmp);
        Ok(Cache {
            store,
            tmp,
            pool,
            limits: Limits::default(),
            observer: Arc::new(NoObserver),
        })
    }

    /// The caps every extraction into this cache runs under.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Cache {
        self.limits = limits;
        self
    }

    /// Who hears of tarball bytes as they download.
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn DownloadObserver>) -> Cache {
        self.observer = observer;
        self
    }

    /// Whether the cache at `root` holds this hash, extracted and whole; creates nothing (a
    /// dry run asks it).
    pub fn has(root: &Path, integrity: &Integrity) -> bool {
        let (algorithm, hex) = integrity.to_hex();
        file_list::verify(
            &root
                .join("store-v1")
                .join(algorithm.to_string())
                .join(&hex[..2])
                .join(&hex[2..]),
        )
    }

    /// Where the entry for this hash lives, whether or not it is there yet.
    pub fn entry_path(&self, integrity: &Integrity) -> PathBuf {
        let (algorithm, hex) = integrity.to_hex();
        self.store
            .join(algorithm.to_string())
            .join(&hex[..2])
            .join(&hex[2..])
    }

    /// The extracted package for this hash, if the cache has it whole: every file of its
    /// list there at its size. A partial or damaged entry is a miss, and the fetch that
    /// follows replaces it.
    pub fn lookup(&self, integrity: &Integrity) -> Option<PathBuf> {
        let path = self.entry_path(integrity);
        file_list::verify(&path).then_some(path)
    }

    /// Makes sure the package is in the cache: a hit costs one `stat`; a miss downloads,
    /// verifies, extracts into `tmp/` and renames into place.
    pub async fn fetch(
        &self,
        client: &RegistryClient,
        source: &PackageSource,
    ) -> Result<Fetched, CacheError> {
        if let Some(integrity) = &source.integrity {
            if let Some(path) = self.lookup(integrity) {
                return Ok(Fetched {
                    path,
                    downloaded: 0,
                    integrity: integrity.clone(),
                });
            }
        }
        let downloaded = download(client, source, &self.tmp, &*self.observer).await?;
        let final_path = self.entry_path(&downloaded.integrity);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tmp = self.tmp.clone();
        let id = source.id.clone();
        let body = downloaded.body;
        let target = final_path.clone();
        let limits = self.limits;
        self.pool.spawn(move || {
            let _ = tx.send(extract_and_publish(body, &tmp, &target, &id, limits));
        });
        // The sender is dropped unsent only when the worker panicked: a bug, reported as one
        // instead of taking the process down with it.
        rx.await.map_err(|_| CacheError::WorkerPanicked {
            package: source.id.clone(),
        })??;
        Ok(Fetched {
            path: final_path,
            downloaded: downloaded.bytes,
            integrity: downloaded.integrity,
        })
    }
}

fn extract_and_publish(
    body: crate::download::Body,
    tmp_root: &Path,
    final_path: &Path,
    id: &str,
    limits: Limits,
) -> Result<(), CacheError> {
    if file_list::verify(final_path) {
        return Ok(());
    }
    let staging = tempfile::Builder::new()
        .prefix("extract-")
        .tempdir_in(tmp_root)
        .map_err(|e| CacheError::io(tmp_root, e))?;
    utoo_tarball::extract_tgz_with(body.into_reader(), staging.path(), limits).map_err(
        |source| CacheError::Extract {
            package: id.to_owned(),
            source,
        },
    )?;
    make_bins_executable(staging.path());
    let parent = final_path.parent().expect("entry paths have parents");
    std::fs::create_dir_all(parent).map_err(|e| CacheError::io(parent, e))?;
    // The list first: an entry never sits in the store without the list that vouches for it.
    let list = file_list::list_path(final_path);
    let list_tmp = staging.path().with_extension("files");
    file_list::render(staging.path())
        .and_then(|text| std::fs::write(&list_tmp, text))
        .and_then(|()| utoo_events::failpoint::io("cache-list-rename"))
        .and_then(|()| std::fs::rename(&list_tmp, &list))
        .map_err(|e| {
            let _ = std::fs::remove_file(&list_tmp);
            CacheError::io(&list, e)
        })?;
    utoo_events::failpoint::hit("cache-publish");
    discard_damaged(final_path, tmp_root);
    let staged = staging.keep();
    match std::fs::rename(&staged, final_path) {
        Ok(()) => {
            utoo_events::failpoint::hit("cache-published");
            Ok(())
        }
        // Another process published the same entry first: theirs is as good as ours.
        Err(_) if file_list::verify(final_path) => {
            let _ = std::fs::remove_dir_all(&staged);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staged);
            Err(CacheError::io(final_path, e))
        }
    }
}

// npm's bin-links makes bin targets executable at install time; doing it once here keeps
// the linker from ever writing through a hard link into the cache.
#[cfg(unix)]
fn make_bins_executable(package_dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(bytes) = std::fs::read(package_dir.join("package.json")) else {
        return;
    };
    let Ok(manifest) = Manifest::from_json_slice(&bytes) else {
        return;
    };
    let mut targets: Vec<PathBuf> = bin_entries(&manifest.name, manifest.bin.as_ref())
        .into_iter()
        .map(|(_, target)| package_dir.join(target))
        .collect();
    if let Some(dir) = manifest
        .directories
        .as_ref()
        .and_then(|d| d.get("bin"))
        .and_then(|b| b.as_str())
    {
        if let Some((_, rel)) = bin_entries("x", Some(&serde_json::Value::String(dir.into()))).pop()
        {
            if let Ok(entries) = std::fs::read_dir(package_dir.join(rel)) {
                targets.extend(entries.flatten().map(|e| e.path()));
            }
        }
    }
    for target in targets {
        if target.is_file() {
            let _ = std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755));
        }
    }
}

// Windows has no executable bit: its bins run through .cmd shims.
#[cfg(not(unix))]
fn make_bins_executable(_package_dir: &Path) {}

// An entry left from before the lists, or damaged since: moved aside (one rename, so a
// reader sees it whole or not at all), then removed.
fn discard_damaged(final_path: &Path, tmp_root: &Path) {
    // Another process may have published it whole since this one looked.
    if !final_path.exists() || file_list::verify(final_path) {
        return;
    }
    tracing::debug!(entry = %final_path.display(), "cache entry incomplete; replacing it");
    if let Ok(trash) = tempfile::Builder::new()
        .prefix("damaged-")
        .tempdir_in(tmp_root)
    {
        let aside = trash.path().join("entry");
        if std::fs::rename(final_path, &aside).is_ok() {
            let _ = std::fs::remove_dir_all(&aside);
        }
    }
}

fn sweep_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE_TMP);
        if old {
            let path = entry.path();
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
    }
}
