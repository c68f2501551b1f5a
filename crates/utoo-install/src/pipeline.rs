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
    let linker = Arc::new(Linker::new());
    let network = Arc::new(Semaphore::new(
        env_usize("UTOO_NETWORK_JOBS").unwrap_or(DEFAULT_NETWORK_JOBS),
    ));
    let total = work.len() as u64;
    let fetched_count = Arc::new(AtomicU64::new(0));
    let linked_count = Arc::new(AtomicU64::new(0));
    let running_links = Arc::new(AtomicU64::new(0));
    let max_links = Arc::new(AtomicU64::new(0));
    let link_micros = Arc::new(AtomicU64::new(0));
    reporter.on_event(&Event::PhaseStart {
        phase: Phase::Fetch,
    });
    reporter.on_event(&Event::PhaseStart { phase: Phase::Link });
    let started = Instant::now();

    let mut tasks = tokio::task::JoinSet::new();
    for item in work {
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
        let name = item.entry.package_name(&item.path).to_owned();
        let source = PackageSource {
            id: format!("{name}@{}", item.entry.version.as_deref().unwrap_or("?")),
            tarball_url: tarball_url(client, &item.path, &item.entry),
            integrity,
        };
        let (client, cache, linker, network, pool, reporter) = (
            client.clone(),
            cache.clone(),
            linker.clone(),
            network.clone(),
            pool.clone(),
            reporter.clone(),
        );
        let (fetched_count, linked_count, running_links, max_links, link_micros) = (
            fetched_count.clone(),
            linked_count.clone(),
            running_links.clone(),
            max_links.clone(),
            link_micros.clone(),
        );
        let dest: PathBuf = root.join(&item.path);
        let probe = link_probe.clone();
        tasks.spawn(async move {
            let permit = network
                .acquire_owned()
                .await
                .expect("semaphore is never closed");
            let fetched = cache.fetch(&client, &source).await;
            drop(permit);
            let fetched = match fetched {
                Ok(f) => f,
                Err(e) if item.entry.optional => {
                    return Ok(TaskResult::Skipped(item.path, e.to_string()))
                }
                Err(e) => return Err(InstallError::from(e)),
            };
            let done = fetched_count.fetch_add(1, Ordering::Relaxed) + 1;
            reporter.on_event(&Event::Progress {
                phase: Phase::Fetch,
                done,
                total,
                package: Some(source.id.clone()),
            });
            let (tx, rx) = tokio::sync::oneshot::channel();
            let cache_path = fetched.path.clone();
            pool.spawn(move || {
                let now = running_links.fetch_add(1, Ordering::SeqCst) + 1;
                max_links.fetch_max(now, Ordering::SeqCst);
                if let Some(probe) = probe {
                    probe();
                }
                let t = Instant::now();
                let result = linker.place_package(&cache_path, &dest, item.method);
                link_micros.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
                running_links.fetch_sub(1, Ordering::SeqCst);
                let _ = tx.send(result);
            });
            rx.await.expect("link worker sends its result")?;
            let done = linked_count.fetch_add(1, Ordering::Relaxed) + 1;
            reporter.on_event(&Event::Progress {
                phase: Phase::Link,
                done,
                total,
                package: Some(source.id),
            });
            let computed = (item.entry.integrity.is_none()).then(|| fetched.integrity.to_string());
            Ok::<_, InstallError>(TaskResult::Placed {
                path: item.path,
                downloaded: fetched.downloaded,
                computed_integrity: computed,
            })
        });
    }

    let mut outcome = PipelineOutcome::default();
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("install tasks do not panic")? {
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
    let elapsed_ms = started.elapsed().as_millis() as u64;
    reporter.on_event(&Event::PhaseEnd {
        phase: Phase::Fetch,
        elapsed_ms,
    });
    reporter.on_event(&Event::PhaseEnd {
        phase: Phase::Link,
        elapsed_ms,
    });
    outcome.max_parallel_links = max_links.load(Ordering::SeqCst);
    outcome.link_ms = link_micros.load(Ordering::Relaxed) / 1000;
    Ok(outcome)
}

enum TaskResult {
    Placed {
        path: String,
        downloaded: u64,
        computed_integrity: Option<String>,
    },
    Skipped(String, String),
}
