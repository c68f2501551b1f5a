use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use ssri::{Algorithm, IntegrityOpts};

use crate::Pkg;

/// A misbehaviour to inject for requests whose path contains a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status, the next `times` requests (then behave).
    Status {
        /// The HTTP status.
        status: u16,
        /// How many requests get it.
        times: usize,
    },
    /// Send only the first half of the body, the next `times` requests.
    Truncate {
        /// How many requests get a cut body.
        times: usize,
    },
    /// Serve other bytes than the ones the packument's integrity names.
    Corrupt,
    /// Wait before answering.
    Delay(Duration),
    /// Answer only once `release_held` was called: lets a test look at what the client did
    /// while this request was outstanding.
    Hold,
    /// Send the headers and half the body, then drop the connection, the next `times`
    /// requests.
    Reset {
        /// How many requests get it.
        times: usize,
    },
    /// Send the headers and half the body, then no byte for a minute, the next `times`
    /// requests.
    Stall {
        /// How many requests get it.
        times: usize,
    },
    /// Announce a `Content-Length` of half the body, the next `times` requests: the client
    /// reads a body cut short that looks complete.
    ShortLength {
        /// How many requests get it.
        times: usize,
    },
    /// Answer 200 with these bytes instead of the real body, the next `times` requests.
    Body {
        /// What to send.
        bytes: Vec<u8>,
        /// How many requests get it.
        times: usize,
    },
    /// Answer 429 with `Retry-After: <seconds>`, the next `times` requests.
    RetryAfter {
        /// The header's value.
        seconds: u64,
        /// How many requests get it.
        times: usize,
    },
}

impl Fault {
    // The counter of a counted fault.
    fn times(&mut self) -> Option<&mut usize> {
        match self {
            Fault::Status { times, .. }
            | Fault::Truncate { times }
            | Fault::Reset { times }
            | Fault::Stall { times }
            | Fault::ShortLength { times }
            | Fault::Body { times, .. }
            | Fault::RetryAfter { times, .. } => Some(times),
            Fault::Corrupt | Fault::Delay(_) | Fault::Hold => None,
        }
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

#[derive(Default)]
struct State {
    packuments: BTreeMap<String, Vec<u8>>,
    tarballs: BTreeMap<String, Vec<u8>>,
    faults: Vec<(String, Fault)>,
    requests: Vec<String>,
    /// Each request's path and `Authorization` header.
    authorizations: Vec<(String, Option<String>)>,
    /// Where packuments say tarballs are (`http://host:port`); this server by default.
    tarball_origin: Option<String>,
    not_modified: usize,
    released: bool,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: usize,
    max_in_flight: usize,
}

/// An npm registry on 127.0.0.1 (random port) serving fixture packages.
pub struct Registry {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Registry {
    /// Starts serving `packages` (several versions of a name make one packument; the highest
    /// published last is `latest`). Call from inside a tokio runtime.
    pub async fn start(packages: &[Pkg]) -> Registry {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound socket has an address");
        let state = Arc::new(Mutex::new(State::default()));
        let registry = Registry {
            addr,
            state: state.clone(),
            server: Mutex::new(Some(tokio::spawn(serve(listener, state)))),
        };
        registry.publish(packages);
        registry
    }

    /// The registry URL, with its trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops listening: connections to [`url`](Registry::url) are refused from then on, the
    /// way an unreachable registry fails.
    pub async fn stop(&self) {
        let server = self.server.lock().expect("registry server").take();
        if let Some(server) = server {
            server.abort();
            // Awaiting the aborted task makes sure its listener is closed.
            let _ = server.await;
        }
    }

    /// Adds packages (and rebuilds their packuments).
    pub fn publish(&self, packages: &[Pkg]) {
        let mut state = self.state.lock().expect("registry state");
        let mut by_name: BTreeMap<&str, Vec<&Pkg>> = BTreeMap::new();
        for p in packages {
            by_name.entry(&p.name).or_default().push(p);
        }
        for (name, versions) in by_name {
            let base = name.rsplit('/').next().unwrap_or(name);
            let mut doc: Value = state
                .packuments
                .get(name)
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_else(|| json!({"name": name, "dist-tags": {}, "versions": {}}));
            let origin = state
                .tarball_origin
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.addr));
            for p in versions {
                let tgz = p.tarball();
                let tar_path = format!("/{name}/-/{base}-{}.tgz", p.version);
                let mut manifest = p.package_json();
                let mut dist = Map::new();
                dist.insert("tarball".into(), json!(format!("{origin}{tar_path}")));
                let sha1 = IntegrityOpts::new()
                    .algorithm(Algorithm::Sha1)
                    .chain(&tgz)
                    .result();
                dist.insert("shasum".into(), json!(sha1.to_hex().1));
                if !p.no_integrity {
                    let sri = IntegrityOpts::new()
                        .algorithm(Algorithm::Sha512)
                        .chain(&tgz)
                        .result();
                    dist.insert("integrity".into(), json!(sri.to_string()));
                }
                manifest["dist"] = Value::Object(dist);
                doc["versions"][&p.version] = manifest;
                if let Some(time) = &p.published {
                    if doc.get("time").is_none() {
                        doc["time"] = json!({});
                    }
                    doc["time"][&p.version] = json!(time);
                }
                doc["dist-tags"]["latest"] = json!(p.version);
                state.tarballs.insert(tar_path, tgz);
            }
            state.packuments.insert(
                name.to_owned(),
                serde_json::to_vec(&doc).expect("JSON serialises"),
            );
        }
    }

    /// Sets a dist-tag (`latest`, `next`) of a published package.
    pub fn tag(&self, name: &str, tag: &str, version: &str) {
        let mut state = self.state.lock().expect("registry state");
        let bytes = state
            .packuments
            .get(name)
            .expect("package is published")
            .clone();
        let mut doc: Value = serde_json::from_slice(&bytes).expect("valid packument");
        doc["dist-tags"][tag] = json!(version);
        state.packuments.insert(
            name.into(),
            serde_json::to_vec(&doc).expect("JSON serialises"),
        );
    }

    /// Makes the packuments of packages published from now on name tarball URLs on
    /// `other` (another loopback registry that serves the same packages).
    pub fn serve_tarballs_from(&self, other: &Registry) {
        self.state.lock().expect("registry state").tarball_origin =
            Some(other.url().trim_end_matches('/').to_owned());
    }

    /// Every request's path with the `Authorization` header it carried, in order.
    pub fn authorizations(&self) -> Vec<(String, Option<String>)> {
        self.state
            .lock()
            .expect("registry state")
            .authorizations
            .clone()
    }

    /// The most requests this server was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().expect("registry state").max_in_flight
    }

    /// Injects `fault` into the answers to requests whose path contains `path_contains`.
    pub fn fault(&self, path_contains: &str, fault: Fault) {
        self.state
            .lock()
            .expect("registry state")
            .faults
            .push((path_contains.into(), fault));
    }

    /// Lets every request held by `Fault::Hold` be answered.
    pub fn release_held(&self) {
        self.state.lock().expect("registry state").released = true;
    }

    /// Every request path served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().expect("registry state").requests.clone()
    }

    /// Packument requests answered `304 Not Modified`.
    pub fn not_modified(&self) -> usize {
        self.state.lock().expect("registry state").not_modified
    }

    /// Tarball requests served so far.
    pub fn tarball_requests(&self) -> usize {
        self.requests().iter().filter(|p| is_tarball(p)).count()
    }

    /// Packument requests served so far.
    pub fn packument_requests(&self) -> usize {
        self.requests().iter().filter(|p| !is_tarball(p)).count()
    }
}

async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<State>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

// Tarball paths end in `.tgz`; everything else is a packument.
fn is_tarball(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("tgz"))
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Body>, Infallible> {
    {
        let mut s = state.lock().expect("registry state");
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
    }
    let response = serve_one(req, state.clone()).await;
    state.lock().expect("registry state").in_flight -= 1;
    response
}

async fn serve_one(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Body>, Infallible> {
    // `@scope%2fname` and `@scope/name` are the same packument.
    let path = req.uri().path().replace("%2f", "/").replace("%2F", "/");
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state
        .lock()
        .expect("registry state")
        .authorizations
        .push((path.clone(), authorization));
    let (body, fault) = lookup(&state, &path);
    match &fault {
        Some(Fault::Status { status, .. }) => {
            return Ok(respond(
                StatusCode::from_u16(*status).expect("valid status"),
                b"{}".to_vec(),
            ))
        }
        Some(Fault::RetryAfter { seconds, .. }) => {
            let mut response = respond(StatusCode::TOO_MANY_REQUESTS, b"{}".to_vec());
            response.headers_mut().insert(
                "retry-after",
                seconds.to_string().parse().expect("valid header"),
            );
            return Ok(response);
        }
        Some(Fault::Body { bytes, .. }) => return Ok(respond(StatusCode::OK, bytes.clone())),
        Some(Fault::Delay(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Hold) => {
            while !state.lock().expect("registry state").released {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        _ => {}
    }
    let Some(body) = body else {
        return Ok(respond(
            StatusCode::NOT_FOUND,
            br#"{"error":"Not found"}"#.to_vec(),
        ));
    };
    // Packuments carry an ETag (a hash of the body) and honour If-None-Match.
    let etag = (!is_tarball(&path)).then(|| {
        let digest = IntegrityOpts::new()
            .algorithm(Algorithm::Sha1)
            .chain(&body)
            .result();
        format!("\"{}\"", digest.to_hex().1)
    });
    if etag.is_some() && etag == if_none_match && fault.is_none() {
        state.lock().expect("registry state").not_modified += 1;
        return Ok(respond(StatusCode::NOT_MODIFIED, Vec::new()));
    }
    Ok(answer(body, fault.as_ref(), etag.as_deref()))
}

// Records the request and finds its body and the first fault whose pattern matches (a
// counted fault that ran out no longer matches).
fn lookup(state: &Mutex<State>, path: &str) -> (Option<Vec<u8>>, Option<Fault>) {
    let mut s = state.lock().expect("registry state");
    s.requests.push(path.to_owned());
    let body = if is_tarball(path) {
        s.tarballs.get(path).cloned()
    } else {
        s.packuments.get(path.trim_start_matches('/')).cloned()
    };
    for (pattern, f) in &mut s.faults {
        if path.contains(pattern.as_str()) {
            match f.times() {
                Some(0) => continue,
                Some(times) => *times -= 1,
                None => {}
            }
            return (body, Some(f.clone()));
        }
    }
    (body, None)
}

fn respond(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    let body = Full::new(Bytes::from(bytes)).map_err(|never| match never {});
    let mut response = Response::new(body.boxed());
    *response.status_mut() = status;
    response
}

// A 200 announcing all of `body` that sends its first half, then fails (the connection is
// dropped) or, for `stall`, waits a minute first.
fn half_then(body: &[u8], stall: bool) -> Response<Body> {
    let full = body.len();
    let first = Bytes::from(body[..full / 2].to_vec());
    let chunks = futures_util::stream::unfold(Some(first), move |first| async move {
        match first {
            Some(bytes) => Some((Ok(Frame::data(bytes)), None)),
            None => {
                if stall {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                Some((
                    Err(std::io::Error::other("fault: connection dropped")),
                    None,
                ))
            }
        }
    });
    let mut response = Response::new(StreamBody::new(chunks).boxed());
    response.headers_mut().insert(
        "content-length",
        full.to_string().parse().expect("valid header"),
    );
    response
}

// The 200 answer, damaged the way the fault asks.
fn answer(mut body: Vec<u8>, fault: Option<&Fault>, etag: Option<&str>) -> Response<Body> {
    match fault {
        Some(Fault::Reset { .. }) => half_then(&body, false),
        Some(Fault::Stall { .. }) => half_then(&body, true),
        Some(Fault::ShortLength { .. }) => {
            let half = body.len() / 2;
            // A body of unknown size: hyper keeps the header given and sends that much.
            let frame = Ok::<_, std::io::Error>(Frame::data(Bytes::from(body)));
            let stream = futures_util::stream::iter([frame]);
            let mut response = Response::new(StreamBody::new(stream).boxed());
            response.headers_mut().insert(
                "content-length",
                half.to_string().parse().expect("valid header"),
            );
            response
        }
        Some(Fault::Truncate { .. }) => {
            // Promise the whole length, send half: the client sees the body cut off.
            let full = body.len();
            body.truncate(full / 2);
            let mut response = respond(StatusCode::OK, body);
            response.headers_mut().insert(
                "content-length",
                full.to_string().parse().expect("valid header"),
            );
            response
        }
        Some(Fault::Corrupt) => {
            if let Some(b) = body.last_mut() {
                *b ^= 0xff;
            }
            respond(StatusCode::OK, body)
        }
        _ => {
            let mut response = respond(StatusCode::OK, body);
            if let Some(tag) = etag {
                response
                    .headers_mut()
                    .insert("etag", tag.parse().expect("valid header"));
            }
            response
        }
    }
}
