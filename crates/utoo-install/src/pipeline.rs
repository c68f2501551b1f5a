use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use ssri::Integrity;
use tokio::sync::Semaphore;
use utoo_cache::{Cache, CacheError, PackageSource};
use utoo_events::{Event, Phase, Reporter};
use utoo_linker::{LinkMethod, Linker};
use utoo_lockfile::LockEntry;
use utoo_registry::RegistryClient;

use crate::InstallError;

/// Downloads in flight at once. Each holds at most one tarball buffer, so this also bounds
/// the memory of downloaded-but-not-yet-extracted tarballs.
const DEFAULT_NETWORK_JOBS: usize = 48;

/// One package to put into node_modules.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    pub path: String,
    pub entry: LockEntry,
    pub method: LinkMethod,
}

#[derive(Debug, Default)]
pub(crate) struct PipelineOutcome {
    pub downloaded: u64,
    pub cache_hits: u64,
    pub bytes: u64,
    pub max_parallel_links: u64,
    pub link_ms: u64,
    /// Optional packages that could not be fetched: `(path, reason)`.
    pub skipped: Vec<(String, String)>,
    /// Integrity computed for entries that had none: `(path, integrity)`.
    pub new_integrity: Vec<(String, String)>,
}

/// The CPU/disk pool for extraction and linking: separate from the async runtime so disk
/// work never stops the sockets from draining.
pub(crate) fn blocking_pool() -> Arc<rayon::ThreadPool> {
    static POOL: OnceLock<Arc<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = env_usize("UTOO_JOBS").unwrap_or(cores + 2);
        Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("utoo-io-{i}"))
                .build()
                .expect("the extraction pool starts"),
        )
    })
    .clone()
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.parse().ok().filter(|n| *n > 0)
}

/// The tarball URL of a lock entry: its `resolved`, or the registry's conventional URL when
/// the lockfile omits it (`omit-lockfile-registry-resolved`).
pub(crate) fn tarball_url(client: &RegistryClient, path: &str, entry: &LockEntry) -> String {
    if let Some(resolved) = entry.resolved.as_deref().filter(|r| r.starts_with("http")) {
        return resolved.to_owned();
    }
    let name = entry.package_name(path);
    client.tarball_url(name, entry.version.as_deref().unwrap_or_default())
}

/// Fetches (or finds in the cache) and places every package; a package is linked as soon
/// as its own tarball is in the cache, while others still download.
pub(crate) async fn fetch_and_link(
    client: &RegistryClient,
    cache_dir: &std::path::Path,
    root: &std::path::Path,
    work: Vec<Work>,
    reporter: Arc<dyn Reporter>,
    link_probe: Option<Arc<dyn Fn() + Send + Sync>>,
) -> Result<PipelineOutcome, InstallError> {
    let pool = blocking_pool();
    let cache = Cache::open(cache_dir, pool.clone())?;
    let total = work.len() as u64;
    reporter.on_event(&Event::PhaseStart {
        phase: Phase::Fetch,
    });
    reporter.on_event(&Event::PhaseStart { phase: Phase::Link });
    let started = Instant::now();

    // Paths that hold the same tarball (one version nested in several places) share one
    // download: a task per source, linking every path it serves.
    let mut groups: Vec<(PackageSource, Vec<Work>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for item in work {
        let source = package_source(client, &item)?;
        let key = source
            .integrity
            .as_ref()
            .map_or_else(|| source.tarball_url.clone(), |i| i.to_string());
        match index.get(&key) {
            Some(&i) => groups[i].1.push(item),
            None => {
                index.insert(key, groups.len());
                groups.push((source, vec![item]));
            }
        }
    }

    let network_jobs = env_usize("UTOO_NETWORK_JOBS").unwrap_or(DEFAULT_NETWORK_JOBS);
    let shared = Arc::new(Shared {
        client: client.clone(),
        cache,
        linker: Linker::new(),
        network: Semaphore::new(network_jobs),
        pool,
        reporter: reporter.clone(),
        link_probe,
        root: root.to_owned(),
        total,
        fetched: AtomicU64::new(0),
        linked: AtomicU64::new(0),
        running_links: AtomicU64::new(0),
        max_links: AtomicU64::new(0),
        link_micros: AtomicU64::new(0),
    });
    // Tasks are started as others finish, never all at once: each holds a download's
    // state, so memory stays flat however big the tree is.
    let in_flight = 2 * network_jobs;
    let mut groups = groups.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    let mut outcome = PipelineOutcome::default();
    loop {
        while tasks.len() < in_flight {
            let Some((source, items)) = groups.next() else {
                break;
            };
            tasks.spawn(shared.clone().fetch_and_link_group(source, items));
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        for result in joined.expect("install tasks do not panic")? {
            match result {
                TaskResult::Placed {
                    path,
                    downloaded,
                    computed_integrity,
                } => {
                    if downloaded > 0 {
                        outcome.downloaded += 1;
                        outcome.bytes += downloaded;
                    } else {
                        outcome.cache_hits += 1;
                    }
                    if let Some(i) = computed_integrity {
                        outcome.new_integrity.push((path, i));
                    }
                }
                TaskResult::Skipped(path, reason) => {
                    reporter.on_event(&Event::Warning {
                        code: "EOPTIONALSKIPPED".into(),
                        message: format!("optional dependency `{path}` skipped: {reason}"),
                    });
                    outcome.skipped.push((path, reason));
                }
            }
        }
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    reporter.on_event(&Event::PhaseEnd {
        phase: Phase::Fetch,
        elapsed_ms,
    });
    reporter.on_event(&Event::PhaseEnd {
        phase: Phase::Link,
        elapsed_ms,
    });
    outcome.max_parallel_links = shared.max_links.load(Ordering::SeqCst);
    outcome.link_ms = shared.link_micros.load(Ordering::Relaxed) / 1000;
    Ok(outcome)
}

fn package_source(client: &RegistryClient, item: &Work) -> Result<PackageSource, InstallError> {
    let integrity = match item.entry.integrity.as_deref().map(Integrity::from_str) {
        Some(Ok(i)) => Some(i),
        Some(Err(_)) => {
            return Err(CacheError::BadIntegrity {
                package: item.path.clone(),
                integrity: item.entry.integrity.clone().unwrap_or_default(),
            }
            .into())
        }
        None => None,
    };
    let name = item.entry.package_name(&item.path);
    Ok(PackageSource {
        id: format!("{name}@{}", item.entry.version.as_deref().unwrap_or("?")),
        tarball_url: tarball_url(client, &item.path, &item.entry),
        integrity,
    })
}

/// What every task of one pipeline run shares.
struct Shared {
    client: RegistryClient,
    cache: Cache,
    linker: Linker,
    network: Semaphore,
    pool: Arc<rayon::ThreadPool>,
    reporter: Arc<dyn Reporter>,
    link_probe: Option<Arc<dyn Fn() + Send + Sync>>,
    root: PathBuf,
    total: u64,
    fetched: AtomicU64,
    linked: AtomicU64,
    running_links: AtomicU64,
    max_links: AtomicU64,
    link_micros: AtomicU64,
}

impl Shared {
    /// Downloads (or finds) one tarball and places it at every path in `items`.
    async fn fetch_and_link_group(
        self: Arc<Self>,
        source: PackageSource,
        items: Vec<Work>,
    ) -> Result<Vec<TaskResult>, InstallError> {
        let permit = self
            .network
            .acquire()
            .await
            .expect("semaphore is never closed");
        let fetched = self.cache.fetch(&self.client, &source).await;
        drop(permit);
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) if items.iter().all(|i| i.entry.optional) => {
                let reason = e.to_string();
                return Ok(items
                    .into_iter()
                    .map(|i| TaskResult::Skipped(i.path, reason.clone()))
                    .collect());
            }
            Err(e) => return Err(InstallError::from(e)),
        };
        let mut results = Vec::with_capacity(items.len());
        for (n, item) in items.into_iter().enumerate() {
            self.progress(Phase::Fetch, &self.fetched, &source.id);
            let (tx, rx) = tokio::sync::oneshot::channel();
            let (this, cache_path) = (self.clone(), fetched.path.clone());
            let dest = self.root.join(&item.path);
            self.pool.spawn(move || {
                let _ = tx.send(this.link(&cache_path, &dest, item.method));
            });
            rx.await.expect("link worker sends its result")?;
            self.progress(Phase::Link, &self.linked, &source.id);
            let computed = item
                .entry
                .integrity
                .is_none()
                .then(|| fetched.integrity.to_string());
            results.push(TaskResult::Placed {
                path: item.path,
                // The bytes count once, for the first path.
                downloaded: if n == 0 { fetched.downloaded } else { 0 },
                computed_integrity: computed,
            });
        }
        Ok(results)
    }

    fn progress(&self, phase: Phase, counter: &AtomicU64, id: &str) {
        let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
        self.reporter.on_event(&Event::Progress {
            phase,
            done,
            total: self.total,
            package: Some(id.to_owned()),
        });
    }

    /// One link job, on the blocking pool.
    fn link(
        &self,
        cache_path: &std::path::Path,
        dest: &std::path::Path,
        method: LinkMethod,
    ) -> Result<utoo_linker::Placed, utoo_linker::LinkError> {
        let now = self.running_links.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_links.fetch_max(now, Ordering::SeqCst);
        if let Some(probe) = &self.link_probe {
            probe();
        }
        let t = Instant::now();
        let result = self.linker.place_package(cache_path, dest, method);
        self.link_micros
            .fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.running_links.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

enum TaskResult {
    Placed {
        path: String,
        downloaded: u64,
        computed_integrity: Option<String>,
    },
    Skipped(String, String),
}
