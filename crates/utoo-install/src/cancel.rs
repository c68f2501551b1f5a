use std::sync::Arc;

use tokio::sync::watch;

/// Cancels a running install from any thread (an AbortSignal, Ctrl-C). Work stops at the next
/// await point; what was half-placed is repaired by the next run, because the hidden
/// lockfile is only written once everything succeeded.
#[derive(Debug, Clone)]
pub struct CancelToken {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token nobody has cancelled yet.
    pub fn new() -> CancelToken {
        CancelToken {
            tx: Arc::new(watch::channel(false).0),
        }
    }

    /// Cancels every install holding a clone of this token.
    pub fn cancel(&self) {
        self.tx.send_replace(true);
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once `cancel` was called.
    pub async fn cancelled(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in self, so the channel cannot close while we wait.
        let _ = rx.wait_for(|c| *c).await;
    }
}
