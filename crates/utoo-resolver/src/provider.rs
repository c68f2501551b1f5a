use std::error::Error;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use utoo_events::ErrorCode;
use utoo_manifest::{DepKind, Manifest, Packument, Spec, VersionReq};

/// Why a packument could not be had: the source's own error, kept whole so its chain (down
/// to the OS error) reaches the install's error. Shared, because every waiter of one
/// single-flight fetch gets the same failure.
///
/// It derefs to that error, so as a `#[source]` the chain goes on with the error itself
/// (which downcasts to its own type) rather than with a wrapper of it.
#[derive(Debug, Clone)]
pub struct SourceError {
    /// The source's stable code (E404, ENETWORK, ...), which the resolve error keeps.
    pub code: ErrorCode,
    /// The source's error.
    pub error: Arc<dyn Error + Send + Sync>,
}

impl SourceError {
    /// A failure coded `code`, caused by `error`.
    pub fn new(code: ErrorCode, error: Arc<dyn Error + Send + Sync>) -> SourceError {
        SourceError { code, error }
    }
}

impl Deref for SourceError {
    type Target = dyn Error + Send + Sync;

    fn deref(&self) -> &Self::Target {
        &*self.error
    }
}

/// Where the resolver gets packuments. `prefetch` is a hint: the resolver names every package
/// (and the range it wants) as soon as it learns of it, so fetches overlap with the walk.
pub trait PackumentSource: Send + Sync {
    /// The packument of `name`, fetched once however many edges ask.
    fn get(&self, name: &str) -> impl Future<Output = Result<Arc<Packument>, SourceError>> + Send;
    /// The one-version packument of a `file:`, remote or git spec of the dependency `name`
    /// (the fetched tarball's or the checkout's package.json, its `dist.tarball` the
    /// lockfile's `resolved`); `None` where this source cannot fetch such specs.
    fn get_spec(
        &self,
        name: &str,
        spec: &Spec,
    ) -> impl Future<Output = Option<Result<Arc<Packument>, SourceError>>> + Send {
        let _ = (name, spec);
        async { None }
    }
    /// Starts fetching `name` (and what `req` would pick needs) without waiting for it.
    fn prefetch(&self, name: &str, req: &VersionReq);

    /// The package.json of the folder at `path` (relative to the project root) that a
    /// `file:` spec names. Sources without a project answer ENOPACKAGEJSON.
    fn folder(&self, path: &str) -> impl Future<Output = Result<Manifest, SourceError>> + Send {
        let error = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("this source reads no folders (`{path}`)"),
        );
        async move { Err(SourceError::new(ErrorCode::NoPackageJson, Arc::new(error))) }
    }

    /// Prefetches what resolving `edges` will ask for (optional peers are never installed
    /// for their own sake; no peer is with `--legacy-peer-deps`).
    fn prefetch_edges(&self, edges: &[(String, String, DepKind)], legacy_peer_deps: bool) {
        for (name, spec, kind) in edges {
            if *kind == DepKind::PeerOptional || (kind.is_peer() && legacy_peer_deps) {
                continue;
            }
            if let Ok(Spec::Registry { name: real, req }) = Spec::parse(name, spec) {
                self.prefetch(&real, &req);
            }
        }
    }
}
