use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, RETRY_AFTER, USER_AGENT,
};
use reqwest::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use utoo_config::{Config, ReplaceRegistryHost, Settings};
use utoo_manifest::{registry_name, Packument};

use crate::packument_cache::PackumentCache;
use crate::{retry, tls, CachePolicy, RegistryError, Retries};

/// npm's corgi format; registries that ignore it send the full document, which parses too.
const ABBREVIATED: &str =
    "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
/// The full document: only it has the publish times `before` needs.
const FULL: &str = "application/json";

/// One pooled HTTP client for every request of an install. The TLS roots are loaded on the
/// first request: an install served from the caches never reads the system's certificates.
#[derive(Clone)]
pub struct RegistryClient {
    http: Arc<tokio::sync::OnceCell<reqwest::Client>>,
    config: Arc<Config>,
    cache: Option<PackumentCache>,
    policy: CachePolicy,
    /// Packument parses at once: one per core. The blocking pool would otherwise start a
    /// thread for every packument that arrives while others parse.
    parses: Arc<tokio::sync::Semaphore>,
    /// npm's `maxsockets`: requests in flight per origin, when set.
    sockets: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// A tarball response whose body has not been read yet.
pub struct TarballResponse {
    /// The `Content-Length` the registry announced, if any: a hint, not a promise.
    pub content_length: Option<u64>,
    /// The body, chunk by chunk; a failure mid-way is a [`RegistryError::Network`].
    pub body: Box<dyn Stream<Item = Result<Bytes, RegistryError>> + Send + Unpin>,
}

impl RegistryClient {
    /// A client for the registries `config` names, without a packument disk cache.
    pub fn new(config: Arc<Config>) -> RegistryClient {
        RegistryClient {
            http: Arc::default(),
            config,
            cache: None,
            policy: CachePolicy::Revalidate,
            parses: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            )),
            sockets: Arc::default(),
        }
    }

    async fn http(&self) -> Result<&reqwest::Client, RegistryError> {
        self.http
            .get_or_try_init(|| async {
                let settings = self.config.settings();
                let tls = tls::client_config(&self.config)?;
                let total = settings.fetch_timeout;
                // reqwest reads no proxy variables itself: the settings already did, with
                // npm's precedence, from the sources this run was given.
                let mut builder = reqwest::Client::builder()
                    .use_preconfigured_tls(tls)
                    .no_proxy()
                    .pool_max_idle_per_host(64)
                    .connect_timeout(Duration::from_secs(15).min(total))
                    .read_timeout(Duration::from_secs(60).min(total))
                    .timeout(total)
                    .user_agent(concat!("utoo/", env!("CARGO_PKG_VERSION")));
                for proxy in proxies(settings)? {
                    builder = builder.proxy(proxy);
                }
                builder.build().map_err(RegistryError::Client)
            })
            .await
    }

    /// A slot of the origin's `maxsockets` limit, held until the response body is read.
    async fn socket(&self, url: &str) -> Option<OwnedSemaphorePermit> {
        let max = self.config.settings().maxsockets?;
        let semaphore = {
            let mut sockets = self.sockets.lock().expect("socket map lock");
            sockets
                .entry(origin(url).to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(max)))
                .clone()
        };
        Some(semaphore.acquire_owned().await.expect("never closed"))
    }

    /// Keeps packuments under `cache_root` and revalidates or trusts them per `policy`.
    pub fn with_packument_cache(
        mut self,
        cache_root: &std::path::Path,
        policy: CachePolicy,
    ) -> RegistryClient {
        self.cache = Some(PackumentCache::new(cache_root));
        self.policy = policy;
        self
    }

    /// The configuration the client was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The URL of a package's packument.
    pub fn packument_url(&self, name: &str) -> String {
        format!("{}{}", self.config.registry_for(name), registry_name(name))
    }

    /// The conventional tarball URL of `name@version` on its configured registry, for lock
    /// entries written without `resolved` (npm's `omit-lockfile-registry-resolved`).
    pub fn tarball_url(&self, name: &str, version: &str) -> String {
        let base = name.rsplit('/').next().unwrap_or(name);
        format!(
            "{}{name}/-/{base}-{version}.tgz",
            self.config.registry_for(name)
        )
    }

    /// A lockfile `resolved` URL as fetched: npm's `replace-registry-host` swaps the
    /// scheme and host of a matching URL for the package's configured registry.
    pub fn replace_registry_host(&self, name: &str, resolved: &str) -> String {
        let Some((scheme, rest)) = resolved.split_once("://") else {
            return resolved.to_owned();
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let replace = match &self.config.settings().replace_registry_host {
            // The default names the public registry, which utoo does not hard-code.
            ReplaceRegistryHost::Npmjs | ReplaceRegistryHost::Never => false,
            ReplaceRegistryHost::Always => true,
            ReplaceRegistryHost::Host(wanted) => {
                host.eq_ignore_ascii_case(wanted)
                    || host
                        .rsplit_once(':')
                        .is_some_and(|(h, _)| h.eq_ignore_ascii_case(wanted))
            }
        };
        if !replace || !scheme.starts_with("http") {
            return resolved.to_owned();
        }
        format!("{}{path}", self.config.registry_for(name))
    }

    /// A fresh retry budget for one fetch (npm's `fetch-retries` and backoff settings).
    pub fn retries(&self) -> Retries {
        Retries::new(self.config.clone())
    }

    /// Fetches and parses a packument, from the disk cache when the policy allows or the
    /// registry answers 304. Parsing runs on the blocking pool: a full packument can be tens
    /// of megabytes and would stall the runtime's sockets. Only a body that parsed is cached.
    pub async fn packument(&self, name: &str) -> Result<Packument, RegistryError> {
        let url = self.packument_url(name);
        let before = self.config.settings().before;
        let (body, store) = self.packument_body(name, &url, before.is_some()).await?;
        let owned_name = name.to_owned();
        let owned_url = url.clone();
        let _slot = self.parses.acquire().await.expect("never closed");
        let to_parse = body.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            let mut packument =
                Packument::from_json_slice(&to_parse).map_err(|source| RegistryError::Parse {
                    name: owned_name,
                    url: owned_url,
                    source,
                })?;
            if let Some(cutoff) = before {
                // npm's `before`: only versions published on or before the date exist.
                packument.retain_versions(|_, published| {
                    published
                        .and_then(utoo_config::parse_date)
                        .is_some_and(|t| t <= cutoff)
                });
            }
            Ok(packument)
        })
        .await;
        let packument = match parsed {
            Ok(result) => result?,
            // A parse that panicked is a bug: let it surface as one.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The runtime is shutting down (the install ended while this prefetch ran).
            Err(_) => return Err(RegistryError::Cancelled { url }),
        };
        if let (Some(cache), Some(store)) = (&self.cache, store) {
            cache.store(&store.key, store.etag, store.last_modified, body);
        }
        Ok(packument)
    }

    // The packument's bytes, and what to cache them under once they parse (`None`: they
    // came from the cache, or carry nothing to revalidate with).
    async fn packument_body(
        &self,
        name: &str,
        url: &str,
        full: bool,
    ) -> Result<(Bytes, Option<Store>), RegistryError> {
        // The full and the abbreviated document are cached apart.
        let cache_key = if full {
            format!("{url}#full")
        } else {
            url.to_owned()
        };
        let cached = match &self.cache {
            Some(cache) => cache.read(&cache_key).await,
            None => None,
        };
        match (self.policy, cached) {
            (CachePolicy::Offline | CachePolicy::PreferOffline, Some(c)) => Ok((c.body, None)),
            (CachePolicy::Offline, None) => Err(RegistryError::NotCached {
                url: url.to_owned(),
            }),
            (_, cached) => {
                let mut headers = HeaderMap::new();
                let accept = if full { FULL } else { ABBREVIATED };
                headers.insert(ACCEPT, HeaderValue::from_static(accept));
                if let Some(c) = &cached {
                    if let Some(v) = c
                        .etag
                        .as_deref()
                        .and_then(|e| HeaderValue::from_str(e).ok())
                    {
                        headers.insert(IF_NONE_MATCH, v);
                    }
                    if let Some(v) = c
                        .last_modified
                        .as_deref()
                        .and_then(|e| HeaderValue::from_str(e).ok())
                    {
                        headers.insert(IF_MODIFIED_SINCE, v);
                    }
                }
                let _socket = self.socket(url).await;
                let mut retries = self.retries();
                let response = self
                    .send_with_retries(url, headers.clone(), &mut retries)
                    .await
                    .map_err(|e| match e {
                        RegistryError::Status {
                            status: 404, url, ..
                        } => RegistryError::NotFound {
                            name: name.to_owned(),
                            url,
                        },
                        other => other,
                    })?;
                if response.status() == StatusCode::NOT_MODIFIED {
                    if let Some(c) = cached {
                        return Ok((c.body, None));
                    }
                }
                let header = |h| {
                    response
                        .headers()
                        .get(h)
                        .and_then(|v: &HeaderValue| v.to_str().ok())
                        .map(str::to_owned)
                };
                let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
                let body = self
                    .read_body_with_retries(url, response, headers, &mut retries)
                    .await?;
                let store = (etag.is_some()
                    || last_modified.is_some()
                    || self.policy == CachePolicy::PreferOffline)
                    .then_some(Store {
                        key: cache_key,
                        etag,
                        last_modified,
                    });
                Ok((body, store))
            }
        }
    }

    /// Starts a tarball download; the caller streams the body. `retries` is the download's
    /// budget: a body that fails later is retried from the same one.
    pub async fn tarball(
        &self,
        url: &str,
        retries: &mut Retries,
    ) -> Result<TarballResponse, RegistryError> {
        if self.policy == CachePolicy::Offline {
            return Err(RegistryError::NotCached {
                url: url.to_owned(),
            });
        }
        let socket = self.socket(url).await;
        let response = self
            .send_with_retries(url, HeaderMap::new(), retries)
            .await?;
        let content_length = response.content_length();
        let owned_url = url.to_owned();
        let body = response.bytes_stream().map(move |chunk| {
            // The stream owns the socket slot: it is free once the body is dropped.
            let _socket = &socket;
            chunk.map_err(|source| RegistryError::network(&owned_url, source))
        });
        Ok(TarballResponse {
            content_length,
            body: Box::new(body),
        })
    }

    async fn send_with_retries(
        &self,
        url: &str,
        headers: HeaderMap,
        retries: &mut Retries,
    ) -> Result<reqwest::Response, RegistryError> {
        loop {
            retries.attempted();
            match self.send_once(url, headers.clone()).await {
                Err(e) if retries.wait(&e).await => {}
                Err(e) => return Err(e.with_attempts(retries.attempts())),
                Ok(response) => return Ok(response),
            }
        }
    }

    async fn send_once(
        &self,
        url: &str,
        headers: HeaderMap,
    ) -> Result<reqwest::Response, RegistryError> {
        let mut request = self
            .http()
            .await?
            .get(url)
            .header(USER_AGENT, concat!("utoo/", env!("CARGO_PKG_VERSION")))
            .headers(headers);
        if let Some(auth) = self.config.authorization_for(url) {
            // Sensitive: printed as `Sensitive` by any Debug of the request (logs, traces).
            if let Ok(mut value) = HeaderValue::from_str(&auth) {
                value.set_sensitive(true);
                request = request.header(AUTHORIZATION, value);
            }
        }
        let response = request
            .send()
            .await
            .map_err(|source| RegistryError::network(url, source))?;
        match response.status() {
            status if status.is_success() || status == StatusCode::NOT_MODIFIED => Ok(response),
            status => Err(RegistryError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                attempts: 1,
                retry_after: response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(retry::parse_retry_after),
            }),
        }
    }

    // A body cut off or stalled mid-transfer is as transient as a refused connection: fetch
    // again, from the same budget.
    async fn read_body_with_retries(
        &self,
        url: &str,
        mut response: reqwest::Response,
        headers: HeaderMap,
        retries: &mut Retries,
    ) -> Result<Bytes, RegistryError> {
        loop {
            match response.bytes().await {
                Ok(body) => return Ok(body),
                Err(source) => {
                    let e = RegistryError::network(url, source);
                    if !retries.wait(&e).await {
                        return Err(e.with_attempts(retries.attempts()));
                    }
                    // Unconditional: a 304 now would leave nothing to read.
                    let mut headers = headers.clone();
                    headers.remove(IF_NONE_MATCH);
                    headers.remove(IF_MODIFIED_SINCE);
                    response = self.send_with_retries(url, headers, retries).await?;
                }
            }
        }
    }
}

// Where a fetched packument goes in the cache once it parsed.
struct Store {
    key: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// The proxies npm would use: one for https URLs and one for http URLs, each bypassed for
/// `noproxy` hosts. Proxy URLs are never logged: they may carry credentials.
fn proxies(settings: &Settings) -> Result<Vec<reqwest::Proxy>, RegistryError> {
    let bypass = || reqwest::NoProxy::from_string(&settings.noproxy.join(","));
    let mut out = Vec::new();
    if let Some(url) = &settings.https_proxy {
        out.push(
            reqwest::Proxy::https(url.as_str())
                .map_err(RegistryError::Client)?
                .no_proxy(bypass()),
        );
    }
    if let Some(url) = &settings.http_proxy {
        out.push(
            reqwest::Proxy::http(url.as_str())
                .map_err(RegistryError::Client)?
                .no_proxy(bypass()),
        );
    }
    Ok(out)
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    &url[..end]
}
