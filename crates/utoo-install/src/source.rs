use std::sync::Arc;

use utoo_manifest::{Packument, VersionReq};
use utoo_registry::Packuments;
use utoo_resolver::{PackumentSource, SourceError};

/// The registry as the resolver's packument source.
pub(crate) struct RegistrySource(pub Packuments);

impl PackumentSource for RegistrySource {
    async fn get(&self, name: &str) -> Result<Arc<Packument>, SourceError> {
        self.0
            .get(name)
            .await
            .map_err(|e| SourceError::new(e.code(), e))
    }

    fn prefetch(&self, name: &str, req: &VersionReq) {
        self.0.prefetch(name, req);
    }
}
