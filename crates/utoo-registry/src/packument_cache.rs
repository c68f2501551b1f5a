use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// How much to trust cached packuments (npm's `--prefer-online` default, `--prefer-offline`,
/// `--offline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CachePolicy {
    /// Revalidate every cached packument (`If-None-Match` / `If-Modified-Since`; a 304 costs
    /// no body).
    #[default]
    Revalidate,
    /// Use a cached packument without asking; fetch only what is missing.
    PreferOffline,
    /// Never touch the network.
    Offline,
}

/// A packument as stored: the validators and the body.
pub(crate) struct Cached {
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    pub(crate) body: Bytes,
}

/// Packuments on disk, `packuments-v1/<sha256 of url>`: a JSON line of validators, then the
/// body. Writes are opportunistic: when too many are pending the write is dropped, never
/// queued, so a slow disk cannot make memory grow.
#[derive(Clone)]
pub(crate) struct PackumentCache {
    dir: PathBuf,
    pending_writes: Arc<Semaphore>,
}

const MAX_PENDING_WRITES: usize = 16;

impl PackumentCache {
    pub(crate) fn new(cache_root: &Path) -> PackumentCache {
        PackumentCache {
            dir: cache_root.join("packuments-v1"),
            pending_writes: Arc::new(Semaphore::new(MAX_PENDING_WRITES)),
        }
    }

    fn path(&self, url: &str) -> PathBuf {
        let digest = Sha256::digest(url.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(&hex[..2]).join(&hex[2..])
    }

    pub(crate) async fn read(&self, url: &str) -> Option<Cached> {
        let path = self.path(url);
        let bytes = tokio::fs::read(&path).await.ok()?;
        let split = bytes.iter().position(|b| *b == b'\n')?;
        let meta: serde_json::Value = serde_json::from_slice(&bytes[..split]).ok()?;
        let field = |k: &str| meta.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        Some(Cached {
            etag: field("etag"),
            last_modified: field("lastModified"),
            body: Bytes::from(bytes).slice(split + 1..),
        })
    }

    /// Stores in the background, atomically (temp file + rename), or not at all.
    pub(crate) fn store(
        &self,
        url: &str,
        etag: Option<String>,
        last_modified: Option<String>,
        body: Bytes,
    ) {
        let Ok(permit) = self.pending_writes.clone().try_acquire_owned() else {
            tracing::debug!(url, "packument cache busy; not storing");
            return;
        };
        let path = self.path(url);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let meta = serde_json::json!({ "etag": etag, "lastModified": last_modified });
            let result = (|| -> std::io::Result<()> {
                let parent = path.parent().expect("cache paths have parents");
                std::fs::create_dir_all(parent)?;
                let tmp = parent.join(format!(
                    ".tmp-{}-{:?}",
                    std::process::id(),
                    std::thread::current().id()
                ));
                let mut data = serde_json::to_vec(&meta)?;
                data.push(b'\n');
                data.extend_from_slice(&body);
                std::fs::write(&tmp, &data)?;
                utoo_events::failpoint::io("packument-cache-rename")?;
                std::fs::rename(&tmp, &path)
            })();
            if let Err(error) = result {
                tracing::debug!(%error, "could not store packument");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_validators_and_body() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PackumentCache::new(dir.path());
        assert!(cache.read("http://r/x").await.is_none());
        cache.store(
            "http://r/x",
            Some("\"abc\"".into()),
            None,
            Bytes::from_static(b"{\"name\":\"x\"}\n"),
        );
        // The write is in the background.
        for _ in 0..100 {
            if cache.read("http://r/x").await.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let cached = cache.read("http://r/x").await.unwrap();
        assert_eq!(cached.etag.as_deref(), Some("\"abc\""));
        assert_eq!(cached.last_modified, None);
        assert_eq!(&cached.body[..], b"{\"name\":\"x\"}\n");
    }
}
