use std::future::Future;
use std::sync::Arc;

use utoo_manifest::{DepKind, Packument, Spec, VersionReq};

/// Why a packument could not be had.
#[derive(Debug, Clone)]
pub struct SourceError {
    pub code: &'static str,
    pub message: String,
}

/// Where the resolver gets packuments. `prefetch` is a hint: the resolver names every package
/// (and the range it wants) as soon as it learns of it, so fetches overlap with the walk.
pub trait PackumentSource: Send + Sync {
    fn get(&self, name: &str) -> impl Future<Output = Result<Arc<Packument>, SourceError>> + Send;
    fn prefetch(&self, name: &str, req: &VersionReq);

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
