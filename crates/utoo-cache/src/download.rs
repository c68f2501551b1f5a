use std::io::{Read, Seek, SeekFrom, Write};

use futures_util::StreamExt;
use ssri::{Algorithm, Integrity, IntegrityChecker, IntegrityOpts};
use utoo_registry::{RegistryClient, Retries};

use crate::{CacheError, DownloadObserver};

/// Tarballs larger than this are spilled to a temporary file instead of memory, so a
/// handful of huge packages cannot blow up the heap while dozens download at once.
const MEMORY_LIMIT: usize = 4 * 1024 * 1024;

/// Where a package's tarball comes from and what it must hash to.
#[derive(Debug, Clone)]
pub struct PackageSource {
    /// `name@version`, for messages.
    pub id: String,
    /// Where to download it: an http(s) URL, or `file:` and an absolute path.
    pub tarball_url: String,
    /// `None` for old packages published without any hash: the computed sha512 is used.
    pub integrity: Option<Integrity>,
}

/// A downloaded tarball, verified, in memory or spilled to disk.
pub(crate) enum Body {
    Memory(Vec<u8>),
    File(std::fs::File),
}

impl Body {
    pub(crate) fn into_reader(self) -> Box<dyn Read + Send> {
        match self {
            Body::Memory(bytes) => Box::new(std::io::Cursor::new(bytes)),
            Body::File(file) => Box::new(std::io::BufReader::new(file)),
        }
    }
}

pub(crate) struct Downloaded {
    pub(crate) body: Body,
    pub(crate) bytes: u64,
    /// The integrity the bytes matched (the expected one, or the sha512 computed).
    pub(crate) integrity: Integrity,
}

/// Streams a tarball, hashing as bytes arrive, and fails before anything is extracted if the
/// hash does not match. A body cut off or stalled mid-way is fetched again, within the
/// same `fetch-retries` budget as the requests.
pub(crate) async fn download(
    client: &RegistryClient,
    source: &PackageSource,
    tmp_dir: &std::path::Path,
    observer: &dyn DownloadObserver,
) -> Result<Downloaded, CacheError> {
    let mut retries = client.retries();
    loop {
        match download_once(client, source, tmp_dir, &mut retries, observer).await {
            Err(CacheError::Download { source: e, package }) => {
                // A failed request already spent the budget; a failed body may have some left.
                if retries.wait(&e).await {
                    continue;
                }
                return Err(CacheError::Download {
                    package,
                    source: e.with_attempts(retries.attempts()),
                });
            }
            other => return other,
        }
    }
}

async fn download_once(
    client: &RegistryClient,
    source: &PackageSource,
    tmp_dir: &std::path::Path,
    retries: &mut Retries,
    observer: &dyn DownloadObserver,
) -> Result<Downloaded, CacheError> {
    let to_error = |e| CacheError::Download {
        package: source.id.clone(),
        source: e,
    };
    if let Some(local) = read_local(source, tmp_dir).await? {
        return Ok(local);
    }
    utoo_events::failpoint::hit("download-start");
    let response = client
        .tarball(&source.tarball_url, retries)
        .await
        .map_err(to_error)?;
    let mut hasher = Hasher::new(source.integrity.clone());
    let mut meter = Meter::new(observer, response.content_length);
    let announced = response.content_length.unwrap_or(64 * 1024);
    let capacity = usize::try_from(announced).map_or(MEMORY_LIMIT, |n| n.min(MEMORY_LIMIT));
    let mut memory = Vec::with_capacity(capacity);
    let mut spill: Option<std::fs::File> = None;
    let mut bytes = 0u64;
    let mut body = response.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(to_error)?;
        utoo_events::failpoint::hit("download-chunk");
        hasher.input(&chunk);
        meter.received(chunk.len() as u64);
        bytes += chunk.len() as u64;
        if spill.is_none() && memory.len() + chunk.len() > MEMORY_LIMIT {
            let mut file =
                tempfile::tempfile_in(tmp_dir).map_err(|e| CacheError::io(tmp_dir, e))?;
            file.write_all(&memory)
                .map_err(|e| CacheError::io(tmp_dir, e))?;
            memory = Vec::new();
            spill = Some(file);
        }
        match spill.as_mut() {
            // Large-tarball path only; a blocking write of one chunk is bounded and rare.
            Some(file) => file
                .write_all(&chunk)
                .map_err(|e| CacheError::io(tmp_dir, e))?,
            None => memory.extend_from_slice(&chunk),
        }
    }
    meter.finished();
    let integrity = hasher.finish(&source.id)?;
    utoo_events::failpoint::hit("download-verified");
    let body = match spill {
        Some(mut file) => {
            file.seek(SeekFrom::Start(0))
                .map_err(|e| CacheError::io(tmp_dir, e))?;
            Body::File(file)
        }
        None => Body::Memory(memory),
    };
    Ok(Downloaded {
        body,
        bytes,
        integrity,
    })
}

/// A git commit or a `file:` tarball, hashed like a download; `None` for an http(s) URL.
async fn read_local(
    source: &PackageSource,
    tmp_dir: &std::path::Path,
) -> Result<Option<Downloaded>, CacheError> {
    // A git commit is fetched and packed, a `file:` tarball (an absolute path by now) read;
    // either is then hashed like a download.
    let local = if let Some((repo, sha)) = crate::git::split_resolved(&source.tarball_url) {
        let (repo, sha, tmp) = (repo.to_owned(), sha.to_owned(), tmp_dir.to_owned());
        let packed = tokio::task::spawn_blocking(move || crate::git::pack(&repo, &sha, &tmp))
            .await
            .map_err(|_| CacheError::WorkerPanicked {
                package: source.id.clone(),
            })?;
        Some(packed.map_err(|e| CacheError::Git {
            package: source.id.clone(),
            source: e,
        })?)
    } else if let Some(path) = source.tarball_url.strip_prefix("file:") {
        Some(std::fs::read(path).map_err(|e| CacheError::io(path, e))?)
    } else {
        None
    };
    let Some(bytes) = local else {
        return Ok(None);
    };
    let mut hasher = Hasher::new(source.integrity.clone());
    hasher.input(&bytes);
    let integrity = hasher.finish(&source.id)?;
    Ok(Some(Downloaded {
        bytes: bytes.len() as u64,
        body: Body::Memory(bytes),
        integrity,
    }))
}

/// One attempt's bytes as the observer hears them: what was announced is expected up
/// front; an attempt that ends before its body did takes back what never came.
struct Meter<'a> {
    observer: &'a dyn DownloadObserver,
    announced: u64,
    received: u64,
    finished: bool,
}

impl<'a> Meter<'a> {
    fn new(observer: &'a dyn DownloadObserver, content_length: Option<u64>) -> Meter<'a> {
        let announced = content_length.unwrap_or(0);
        observer.expect(announced);
        Meter {
            observer,
            announced,
            received: 0,
            finished: false,
        }
    }

    fn received(&mut self, bytes: u64) {
        let beyond = (self.received + bytes).saturating_sub(self.announced.max(self.received));
        if beyond > 0 {
            self.observer.expect(beyond);
        }
        self.received += bytes;
        self.observer.receive(bytes);
    }

    fn finished(&mut self) {
        self.finished = true;
        // A body shorter than announced: the total follows what came.
        self.observer
            .abandon(self.announced.saturating_sub(self.received));
        self.observer.finish();
    }
}

impl Drop for Meter<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.observer
                .abandon(self.announced.saturating_sub(self.received));
        }
    }
}

enum Hasher {
    Check(IntegrityChecker, Integrity),
    Compute(IntegrityOpts),
}

impl Hasher {
    fn new(expected: Option<Integrity>) -> Hasher {
        match expected {
            Some(sri) => Hasher::Check(IntegrityChecker::new(sri.clone()), sri),
            None => Hasher::Compute(IntegrityOpts::new().algorithm(Algorithm::Sha512)),
        }
    }

    fn input(&mut self, data: &[u8]) {
        match self {
            Hasher::Check(checker, _) => checker.input(data),
            Hasher::Compute(opts) => opts.input(data),
        }
    }

    fn finish(self, package: &str) -> Result<Integrity, CacheError> {
        match self {
            Hasher::Check(checker, expected) => match checker.result() {
                Ok(_) => Ok(expected),
                Err(ssri::Error::IntegrityCheckError(wanted, actual)) => {
                    Err(CacheError::Integrity {
                        package: package.to_owned(),
                        expected: wanted.to_string(),
                        actual: actual.to_string(),
                    })
                }
                Err(other) => Err(CacheError::BadIntegrity {
                    package: package.to_owned(),
                    integrity: other.to_string(),
                }),
            },
            Hasher::Compute(opts) => Ok(opts.result()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// `(expected, received)` as an observer sums them.
    #[derive(Default)]
    struct Sums(Mutex<(u64, u64)>);

    impl DownloadObserver for Sums {
        fn expect(&self, bytes: u64) {
            self.0.lock().unwrap().0 += bytes;
        }
        fn receive(&self, bytes: u64) {
            self.0.lock().unwrap().1 += bytes;
        }
        fn abandon(&self, bytes: u64) {
            self.0.lock().unwrap().0 -= bytes;
        }
        fn finish(&self) {}
    }

    fn run(content_length: Option<u64>, chunks: &[u64], whole: bool) -> (u64, u64) {
        let sums = Sums::default();
        {
            let mut meter = Meter::new(&sums, content_length);
            for &chunk in chunks {
                meter.received(chunk);
                let (expected, received) = *sums.0.lock().unwrap();
                assert!(received <= expected, "{received} > {expected}");
            }
            if whole {
                meter.finished();
            }
        }
        sums.0.into_inner().unwrap()
    }

    #[test]
    fn the_expected_bytes_end_at_what_came() {
        assert_eq!(run(Some(10), &[4, 6], true), (10, 10));
        assert_eq!(run(None, &[4, 6], true), (10, 10), "no Content-Length");
        assert_eq!(run(Some(5), &[4, 6], true), (10, 10), "more than announced");
        assert_eq!(
            run(Some(12), &[4, 6], true),
            (10, 10),
            "less than announced"
        );
        assert_eq!(run(Some(10), &[4], false), (4, 4), "cut off");
    }
}
