use std::io::{Read, Seek, SeekFrom, Write};

use futures_util::StreamExt;
use ssri::{Algorithm, Integrity, IntegrityChecker, IntegrityOpts};
use utoo_registry::{RegistryClient, Retries};

use crate::CacheError;

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
) -> Result<Downloaded, CacheError> {
    let mut retries = client.retries();
    loop {
        match download_once(client, source, tmp_dir, &mut retries).await {
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
) -> Result<Downloaded, CacheError> {
    let to_error = |e| CacheError::Download {
        package: source.id.clone(),
        source: e,
    };
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
    if let Some(bytes) = local {
        let mut hasher = Hasher::new(source.integrity.clone());
        hasher.input(&bytes);
        let integrity = hasher.finish(&source.id)?;
        return Ok(Downloaded {
            bytes: bytes.len() as u64,
            body: Body::Memory(bytes),
            integrity,
        });
    }
    utoo_events::failpoint::hit("download-start");
    let response = client
        .tarball(&source.tarball_url, retries)
        .await
        .map_err(to_error)?;
    let mut hasher = Hasher::new(source.integrity.clone());
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
