use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::sync::Semaphore;
use utoo_cache::{Cache, PackageSource};
use utoo_events::{Event, Events, Phase, WarningCode};
use utoo_linker::{LinkMethod, Linker};
use utoo_registry::RegistryClient;

use crate::byte_meter::ByteMeter;
use crate::context::Context;
use crate::package::{Placed, Placement};
use crate::InstallError;

/// Downloads in flight at once. Each holds at most one tarball buffer, so this also bounds
/// the memory of downloaded-but-not-yet-extracted tarballs.
const DEFAULT_NETWORK_JOBS: usize = 48;

/// The fetch → extract → link stage: each package is linked as soon as its own tarball is
/// in the cache, while others still download.
pub(crate) struct FetchLink {
    pub place: Vec<Placement>,
}

/// What the stage did.
#[derive(Debug, Default)]
pub(crate) struct FetchOutcome {
    pub placed: Vec<Placed>,
    /// Optional packages that could not be fetched: `(path, reason)`.
    pub skipped: Vec<(String, String)>,
    pub downloaded: u64,
    pub cache_hits: u64,
    pub bytes: u64,
    pub max_parallel_links: u64,
    /// Time spent inside link jobs, summed over workers.
    pub link_ms: u64,
    /// Wall time of the stage.
    pub elapsed_ms: u64,
}

/// The CPU/disk pool for extraction and linking: separate from the async runtime so disk
/// work never stops the sockets from draining.
pub(crate) fn blocking_pool() -> Arc<rayon::ThreadPool> {
    static POOL: OnceLock<Arc<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let threads = env_usize("UTOO_JOBS").unwrap_or(cores + 2);
        Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("utoo-io-{i}"))
                // Without a handler a panicking job aborts the process (the host's dev server,
                // when utoo is an addon); with one, the job's result channel closes and the
                // install fails with EINTERNAL.
                .panic_handler(|_| tracing::error!("a utoo-io job panicked"))
                .build()
                .expect("the extraction pool starts"),
        )
    })
    .clone()
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.parse().ok().filter(|n| *n > 0)
}

impl FetchLink {
    pub(crate) async fn run(self, ctx: &Context) -> Result<FetchOutcome, InstallError> {
        if self.place.is_empty() {
            return Ok(FetchOutcome::default());
        }
        let pool = blocking_pool();
        let cache = Cache::open(&ctx.cache_dir, pool.clone())?
            .with_limits(ctx.options.tarball_limits)
            .with_observer(Arc::new(ByteMeter::new(ctx.events.clone())));
        let total = self.place.len() as u64;
        let phases = (
            ctx.events.phase(Phase::Fetch),
            ctx.events.phase(Phase::Link),
        );
        let network_jobs = env_usize("UTOO_NETWORK_JOBS").unwrap_or(DEFAULT_NETWORK_JOBS);
        let shared = Arc::new(Shared {
            client: ctx.client().clone(),
            cache,
            linker: Linker::new(),
            network: Semaphore::new(network_jobs),
            pool,
            events: ctx.events.clone(),
            link_probe: ctx.options.link_probe.clone(),
            root: ctx.root.clone(),
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
        let mut groups = by_tarball(self.place).into_iter();
        let mut tasks = tokio::task::JoinSet::new();
        let mut outcome = FetchOutcome::default();
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
            let joined = joined.map_err(|e| InstallError::Internal {
                what: format!("a fetch task ({e})"),
            })?;
            match joined? {
                GroupResult::Placed(placed) => {
                    for p in placed {
                        if p.downloaded > 0 {
                            outcome.downloaded += 1;
                            outcome.bytes += p.downloaded;
                        } else {
                            outcome.cache_hits += 1;
                        }
                        outcome.placed.push(p);
                    }
                }
                GroupResult::Skipped(paths, reason) => {
                    for path in paths {
                        ctx.events.warn(
                            WarningCode::OptionalSkipped,
                            format!("optional dependency `{path}` skipped: {reason}"),
                        );
                        outcome.skipped.push((path, reason.clone()));
                    }
                }
            }
        }
        outcome.max_parallel_links = shared.max_links.load(Ordering::SeqCst);
        outcome.link_ms = shared.link_micros.load(Ordering::Relaxed) / 1000;
        outcome.elapsed_ms = phases.0.elapsed_ms();
        drop(phases);
        Ok(outcome)
    }
}

/// Paths that hold the same tarball (one version nested in several places) share one
/// download: a group per source, in the order the paths came.
fn by_tarball(place: Vec<Placement>) -> Vec<(PackageSource, Vec<Placement>)> {
    let mut groups: Vec<(PackageSource, Vec<Placement>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for item in place {
        let key = item
            .source
            .integrity
            .as_ref()
            .map_or_else(|| item.source.tarball_url.clone(), ToString::to_string);
        match index.get(&key) {
            Some(&i) => groups[i].1.push(item),
            None => {
                index.insert(key, groups.len());
                groups.push((item.source.clone(), vec![item]));
            }
        }
    }
    groups
}

/// What every task of one pipeline run shares.
struct Shared {
    client: RegistryClient,
    cache: Cache,
    linker: Linker,
    network: Semaphore,
    pool: Arc<rayon::ThreadPool>,
    events: Events,
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
        items: Vec<Placement>,
    ) -> Result<GroupResult, InstallError> {
        let permit = self
            .network
            .acquire()
            .await
            .expect("semaphore is never closed");
        let fetched = self.cache.fetch(&self.client, &source).await;
        drop(permit);
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) if items.iter().all(|i| i.optional) => {
                let paths = items.into_iter().map(|i| i.path).collect();
                return Ok(GroupResult::Skipped(paths, utoo_events::one_line(&e)));
            }
            Err(e) => return Err(InstallError::from(e)),
        };
        let mut placed = Vec::with_capacity(items.len());
        for (n, item) in items.into_iter().enumerate() {
            self.progress(Phase::Fetch, &self.fetched, &source.id);
            let (tx, rx) = tokio::sync::oneshot::channel();
            let (this, cache_path) = (self.clone(), fetched.path.clone());
            let dest = self.root.join(&item.path);
            self.pool.spawn(move || {
                let _ = tx.send(this.link(&cache_path, &dest, item.method));
            });
            rx.await.map_err(|_| InstallError::Internal {
                what: format!("linking `{}`", source.id),
            })??;
            self.progress(Phase::Link, &self.linked, &source.id);
            placed.push(Placed {
                path: item.path,
                integrity: fetched.integrity.clone(),
                // The bytes count once, for the first path.
                downloaded: if n == 0 { fetched.downloaded } else { 0 },
            });
        }
        Ok(GroupResult::Placed(placed))
    }

    fn progress(&self, phase: Phase, counter: &AtomicU64, id: &str) {
        let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
        self.events.emit(&Event::Progress {
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
        utoo_events::failpoint::hit("link");
        let t = Instant::now();
        let result = self.linker.place_package(cache_path, dest, method);
        self.link_micros
            .fetch_add(micros(t.elapsed()), Ordering::Relaxed);
        self.running_links.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

/// What one tarball's task did for the paths it served.
enum GroupResult {
    Placed(Vec<Placed>),
    /// All its paths were optional and the tarball could not be had: `(paths, reason)`.
    Skipped(Vec<String>, String),
}

// Microseconds as a counter adds them; saturating, since no link job lasts 584,000 years.
fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
