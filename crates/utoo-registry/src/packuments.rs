use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;
use utoo_manifest::Packument;

use crate::{RegistryClient, RegistryError};

type Slot = Arc<OnceCell<Result<Arc<Packument>, Arc<RegistryError>>>>;

/// Packuments of one install, each fetched at most once however many times it is asked for
/// (single flight), and prefetchable: the resolver names every dependency it learns of so
/// the fetch runs while it works on something else.
#[derive(Clone)]
pub struct Packuments {
    client: RegistryClient,
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

impl Packuments {
    pub fn new(client: RegistryClient) -> Packuments {
        Packuments {
            client,
            slots: Arc::default(),
        }
    }

    pub fn client(&self) -> &RegistryClient {
        &self.client
    }

    fn slot(&self, name: &str) -> Slot {
        let mut slots = self.slots.lock().expect("packument map lock");
        slots.entry(name.to_owned()).or_default().clone()
    }

    /// The packument of `name`, fetching it unless it is already here or on its way.
    pub async fn get(&self, name: &str) -> Result<Arc<Packument>, Arc<RegistryError>> {
        let slot = self.slot(name);
        slot.get_or_init(|| async {
            self.client
                .packument(name)
                .await
                .map(Arc::new)
                .map_err(Arc::new)
        })
        .await
        .clone()
    }

    /// Starts fetching `name` in the background if nobody has yet.
    pub fn prefetch(&self, name: &str) {
        let slot = self.slot(name);
        if slot.initialized() {
            return;
        }
        let this = self.clone();
        let name = name.to_owned();
        tokio::spawn(async move {
            // The result stays in the slot; errors surface to whoever awaits it.
            let _ = this.get(&name).await;
        });
    }
}
