use std::future::Future;
use std::sync::Arc;

use utoo_manifest::Packument;

/// Why a packument could not be had.
#[derive(Debug, Clone)]
pub struct SourceError {
    pub code: &'static str,
    pub message: String,
}

/// Where the resolver gets packuments. `prefetch` is a hint: the resolver names every package
/// it learns of as soon as it learns of it, so fetches overlap with the walk.
pub trait PackumentSource: Send + Sync {
    fn get(&self, name: &str) -> impl Future<Output = Result<Arc<Packument>, SourceError>> + Send;
    fn prefetch(&self, name: &str);
}
