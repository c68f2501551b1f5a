//! A registry that misbehaves on the wire: statuses npm retries, `Retry-After`, bodies
//! reset, stalled, cut short or not JSON. Retries are bounded by npm's settings, nothing
//! broken is cached or placed, and the final error names the URL, the package and the
//! attempts. Backoffs are set to milliseconds so the file runs in a few seconds.

use std::time::{Duration, Instant};

use serde_json::json;
use utoo_install::{InstallError, InstallOptions};
use utoo_test::{Fault, TestContext};

use crate::{basic_packages, walk_count};

/// Options with npm's retry settings small enough for a test.
fn fast(p: &TestContext, retries: u32) -> InstallOptions {
    let mut options = p.options();
    for (key, value) in [
        ("fetch-retries", retries.to_string()),
        ("fetch-retry-mintimeout", "10".into()),
        ("fetch-retry-maxtimeout", "100".into()),
        ("fetch-timeout", "1000".into()),
    ] {
        options.config.insert(key.into(), value);
    }
    options
}

/// The error and every cause, as one text.
fn chain(err: &InstallError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn left_project() -> TestContext {
    TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await
}

#[tokio::test]
async fn every_status_npm_retries_is_retried_until_the_install_succeeds() {
    let p = left_project().await;
    for (pattern, status) in [
        ("/left", 500),
        ("/shared", 502),
        ("left-1.0.0.tgz", 503),
        ("shared-1.5.0.tgz", 504),
    ] {
        p.registry
            .fault(pattern, Fault::Status { status, times: 1 });
    }
    p.registry.fault(
        "/left",
        Fault::RetryAfter {
            seconds: 0,
            times: 1,
        },
    );
    utoo_install::install(fast(&p, 2)).await.unwrap();
    assert_eq!(
        p.installed_version("node_modules/shared").as_deref(),
        Some("1.5.0")
    );
    let requests = p.registry.requests();
    let count = |path: &str| requests.iter().filter(|r| r.ends_with(path)).count();
    assert_eq!(count("/left"), 3, "a 500, a 429, the answer: {requests:?}");
    assert_eq!(count("/shared"), 2, "{requests:?}");
    assert_eq!(count("left-1.0.0.tgz"), 2, "{requests:?}");
    assert_eq!(count("shared-1.5.0.tgz"), 2, "{requests:?}");
}

/// A 429's `Retry-After` is waited for when it asks for more than the backoff, but never
/// longer than `fetch-retry-maxtimeout`.
#[tokio::test]
async fn retry_after_is_waited_for_up_to_fetch_retry_maxtimeout() {
    let p = left_project().await;
    p.registry.fault(
        "/left",
        Fault::RetryAfter {
            seconds: 1,
            times: 1,
        },
    );
    let mut options = fast(&p, 2);
    options
        .config
        .insert("fetch-retry-maxtimeout".into(), "5000".into());
    let start = Instant::now();
    utoo_install::install(options).await.unwrap();
    let honoured = start.elapsed();
    assert!(honoured >= Duration::from_secs(1), "waited {honoured:?}");

    let p = left_project().await;
    p.registry.fault(
        "/left",
        Fault::RetryAfter {
            seconds: 600,
            times: 1,
        },
    );
    let start = Instant::now();
    utoo_install::install(fast(&p, 2)).await.unwrap();
    let capped = start.elapsed();
    assert!(capped < Duration::from_secs(5), "waited {capped:?}");
}

#[tokio::test]
async fn a_registry_failing_past_fetch_retries_is_enetwork_naming_url_package_and_attempts() {
    // A packument.
    let p = left_project().await;
    p.registry.fault(
        "/left",
        Fault::Status {
            status: 503,
            times: 100,
        },
    );
    let err = utoo_install::install(fast(&p, 3)).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ENETWORK", "{err}");
    let text = chain(&err);
    assert!(
        text.contains(&format!("{}left", p.registry.url())),
        "{text}"
    );
    assert!(text.contains("`left`"), "{text}");
    assert!(text.contains("HTTP 503 (4 attempts)"), "{text}");
    assert_eq!(p.registry.packument_requests(), 4, "1 + fetch-retries");

    // A tarball, with 429s this time.
    let p = left_project().await;
    p.registry.fault(
        "shared-1.5.0.tgz",
        Fault::RetryAfter {
            seconds: 0,
            times: 100,
        },
    );
    let err = utoo_install::install(fast(&p, 1)).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ENETWORK", "{err}");
    let text = chain(&err);
    assert!(text.contains("/shared/-/shared-1.5.0.tgz"), "{text}");
    assert!(text.contains("shared@1.5.0"), "{text}");
    assert!(text.contains("HTTP 429 (2 attempts)"), "{text}");
    let tries = p.registry.requests();
    let tries = tries.iter().filter(|r| r.ends_with("shared-1.5.0.tgz"));
    assert_eq!(tries.count(), 2);
    assert!(!p.root().join("node_modules/shared").exists());
}

/// Each way a tarball body can break, once: retried, installed whole. The same break every
/// time: ENETWORK after the retries (with the attempts counted across bodies and
/// requests), nothing cached, nothing placed.
#[tokio::test]
async fn reset_stalled_and_cut_bodies_are_retried_and_never_cached_or_half_placed() {
    let faults = [
        ("reset", Fault::Reset { times: 1 }),
        ("stall", Fault::Stall { times: 1 }),
        ("truncate", Fault::Truncate { times: 1 }),
    ];
    for (what, fault) in faults {
        let p = left_project().await;
        p.registry.fault("shared-1.5.0.tgz", fault.clone());
        let mut options = fast(&p, 2);
        // A stalled body fails at fetch-timeout.
        options.config.insert("fetch-timeout".into(), "300".into());
        utoo_install::install(options.clone())
            .await
            .unwrap_or_else(|e| panic!("{what}: {}", chain(&e)));
        assert!(
            p.root().join("node_modules/shared/index.js").is_file(),
            "{what}"
        );

        let p = left_project().await;
        let always = match fault {
            Fault::Reset { .. } => Fault::Reset { times: 100 },
            Fault::Stall { .. } => Fault::Stall { times: 100 },
            _ => Fault::Truncate { times: 100 },
        };
        p.registry.fault("shared-1.5.0.tgz", always);
        let mut options = fast(&p, 2);
        options.config.insert("fetch-timeout".into(), "300".into());
        let err = utoo_install::install(options).await.unwrap_err();
        assert_eq!(err.code().as_str(), "ENETWORK", "{what}: {}", chain(&err));
        let text = chain(&err);
        assert!(text.contains("shared@1.5.0"), "{what}: {text}");
        assert!(text.contains("(3 attempts)"), "{what}: {text}");
        let requests = p.registry.requests();
        let tries = requests.iter().filter(|r| r.ends_with("shared-1.5.0.tgz"));
        assert_eq!(tries.count(), 3, "{what}: 1 + fetch-retries, {requests:?}");
        assert!(!p.root().join("node_modules/shared").exists(), "{what}");
        let store = p.cache.join("store-v1");
        assert_eq!(crate::walk_find(&store, "index.js"), 1, "{what}: left only");
    }
}

/// A `Content-Length` shorter than the body makes a body that looks complete: the tarball
/// fails its integrity, the packument fails to parse, and neither is cached.
#[tokio::test]
async fn a_short_content_length_is_caught_and_nothing_is_cached() {
    let p = left_project().await;
    p.registry
        .fault("shared-1.5.0.tgz", Fault::ShortLength { times: 1 });
    let err = utoo_install::install(fast(&p, 2)).await.unwrap_err();
    assert_eq!(err.code().as_str(), "EINTEGRITY", "{}", chain(&err));
    assert!(!p.root().join("node_modules/shared").exists());
    assert_eq!(walk_count(&p.cache.join("store-v1/shared")), 0);
    utoo_install::install(fast(&p, 2)).await.unwrap();

    let p = left_project().await;
    p.registry.fault("/left", Fault::ShortLength { times: 1 });
    let mut options = fast(&p, 2);
    options
        .config
        .insert("prefer-offline".into(), "true".into());
    let err = utoo_install::install(options.clone()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "EJSONPARSE", "{}", chain(&err));
    // prefer-offline would read a cached copy without asking: there must be none.
    utoo_install::install(options).await.unwrap();
}

#[tokio::test]
async fn a_packument_that_is_not_json_is_ejsonparse_naming_its_url_and_never_cached() {
    let p = left_project().await;
    p.registry.fault(
        "/left",
        Fault::Body {
            bytes: b"<html>502 Bad Gateway</html>".to_vec(),
            times: 1,
        },
    );
    let mut options = fast(&p, 2);
    options
        .config
        .insert("prefer-offline".into(), "true".into());
    let err = utoo_install::install(options.clone()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "EJSONPARSE", "{}", chain(&err));
    let text = chain(&err);
    assert!(
        text.contains(&format!("{}left", p.registry.url())),
        "{text}"
    );
    assert!(text.contains("`left`"), "{text}");
    assert_eq!(p.registry.packument_requests(), 1, "not retried, as npm");
    assert!(!p.root().join("package-lock.json").exists());
    utoo_install::install(options).await.unwrap();
    assert_eq!(
        p.installed_version("node_modules/left").as_deref(),
        Some("1.0.0")
    );
}

/// A registry that refuses connections: retried `fetch-retries` times, then ENETWORK.
#[tokio::test]
async fn a_refused_connection_is_retried_then_enetwork_with_the_attempts() {
    let p = left_project().await;
    p.registry.stop().await;
    let err = utoo_install::install(fast(&p, 2)).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ENETWORK");
    let text = chain(&err);
    assert!(text.contains("`left`"), "{text}");
    assert!(text.contains("(3 attempts)"), "{text}");
}
