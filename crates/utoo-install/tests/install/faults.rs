//! What goes wrong: registry faults, corrupt bytes, cancellation, bad input.

use std::time::{Duration, Instant};

use serde_json::json;
use utoo_test::{Fault, Pkg, TestContext};

use crate::{basic_packages, walk_count};

#[tokio::test]
async fn packuments_down_a_chain_are_fetched_while_an_unrelated_one_is_slow() {
    let packages = vec![
        Pkg::new("a", "1.0.0").dep("b", "^1"),
        Pkg::new("b", "1.0.0").dep("c", "^1"),
        Pkg::new("c", "1.0.0").dep("d", "^1"),
        Pkg::new("d", "1.0.0"),
        Pkg::new("slow", "1.0.0"),
    ];
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"a": "^1", "slow": "^1"}}),
    )
    .await;
    p.registry.fault("/slow", Fault::Hold);
    let install = tokio::spawn(utoo_install::install(p.options()));
    // The resolver waits on `slow` before it gets to a's children; the fetches of b, c and d
    // must not wait with it.
    let start = Instant::now();
    while !p.registry.requests().iter().any(|r| r == "/d")
        && start.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seen = p.registry.requests();
    p.registry.release_held();
    let summary = install.await.unwrap().unwrap();
    assert!(
        seen.iter().any(|r| r == "/d"),
        "d fetched while slow was held: {seen:?}"
    );
    assert_eq!(summary.packages, 5);
}

#[tokio::test]
async fn integrity_mismatch_fails_and_leaves_no_cache_entry() {
    let p = TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"shared": "2.0.0"}}),
    )
    .await;
    p.registry.fault("shared-2.0.0.tgz", Fault::Corrupt);
    let err = p.install().await.unwrap_err();
    assert_eq!(err.code(), "EINTEGRITY");
    let message = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(message.contains("shared@2.0.0"), "{message}");
    assert!(message.contains("sha512-"), "{message}");
    let store = p.cache.join("store-v1");
    let entries = walk_count(&store);
    assert_eq!(entries, 0, "nothing published into the store");
    assert!(!p.root().join("node_modules/shared").exists());
}

#[tokio::test]
async fn a_gzip_bomb_is_etarball_with_nothing_cached_or_placed() {
    let zeros = "\0".repeat(4 << 20);
    let packages = vec![Pkg::new("bomb", "1.0.0").file("zeros.bin", &zeros, false)];
    let p = TestContext::new(&packages, json!({"dependencies": {"bomb": "1"}})).await;
    let mut options = p.options();
    options.tarball_limits.max_bytes = 1 << 20;
    let err = utoo_install::install(options).await.unwrap_err();
    assert_eq!(err.code(), "ETARBALL");
    let chain = format!("{err:?}");
    assert!(chain.contains("TooLarge"), "{chain}");
    assert_eq!(
        walk_count(&p.cache.join("store-v1")),
        0,
        "nothing published"
    );
    assert!(!p.root().join("node_modules/bomb").exists());
    assert!(!p.root().join("package-lock.json").exists());
    // Under the default caps the same package installs.
    p.install().await.unwrap();
    assert!(p.root().join("node_modules/bomb/zeros.bin").is_file());
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    p.registry.fault(
        "/left",
        Fault::Status {
            status: 503,
            times: 2,
        },
    );
    p.registry
        .fault("shared-1.5.0.tgz", Fault::Truncate { times: 1 });
    let summary = p.install().await.unwrap();
    assert_eq!(summary.packages, 2);
    assert_eq!(
        p.installed_version("node_modules/shared").as_deref(),
        Some("1.5.0")
    );
}

#[tokio::test]
async fn cancellation_stops_with_ecancelled_and_next_run_repairs() {
    let packages: Vec<Pkg> = (0..10)
        .map(|i| Pkg::new(&format!("slow{i}"), "1.0.0"))
        .collect();
    let deps: serde_json::Map<String, serde_json::Value> = (0..10)
        .map(|i| (format!("slow{i}"), json!("1.0.0")))
        .collect();
    let p = TestContext::new(&packages, json!({"dependencies": deps})).await;
    p.registry
        .fault(".tgz", Fault::Delay(Duration::from_millis(300)));
    let options = p.options();
    let cancel = options.cancel.clone();
    let run = tokio::spawn(utoo_install::install(options));
    tokio::time::sleep(Duration::from_millis(150)).await;
    cancel.cancel();
    assert_eq!(run.await.unwrap().unwrap_err().code(), "ECANCELLED");
    let summary = p.install().await.unwrap();
    assert_eq!(summary.packages, 10);
    for i in 0..10 {
        assert!(p
            .root()
            .join(format!("node_modules/slow{i}/index.js"))
            .is_file());
    }
}

#[tokio::test]
async fn bad_input_has_clear_codes() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^9"}})).await;
    let err = p.install().await.unwrap_err();
    assert_eq!(err.code(), "ETARGET");
    p.write_package_json(json!({"dependencies": {"nope": "1"}}));
    assert_eq!(p.install().await.unwrap_err().code(), "E404");
    std::fs::write(p.root().join("package.json"), "{ not json").unwrap();
    assert_eq!(p.install().await.unwrap_err().code(), "EJSONPARSE");
    std::fs::remove_file(p.root().join("package.json")).unwrap();
    assert_eq!(p.install().await.unwrap_err().code(), "ENOPACKAGEJSON");
}

#[tokio::test]
async fn dependency_names_that_would_leave_node_modules_are_refused() {
    let packages = vec![
        Pkg::new("sneaky", "1.0.0").dep("../../escaped", "1.0.0"),
        Pkg::new("alias-sneaky", "1.0.0").dep("ok", "npm:../../escaped@1"),
    ];
    for (name, manifest) in [
        ("root", json!({"dependencies": {"../escaped": "1.0.0"}})),
        ("packument", json!({"dependencies": {"sneaky": "1"}})),
        ("alias", json!({"dependencies": {"alias-sneaky": "1"}})),
    ] {
        let p = TestContext::new(&packages, manifest).await;
        let err = p.install().await.unwrap_err();
        assert_eq!(err.code(), "EINVALIDSPEC", "{name}: {err}");
        let outside = p.root().parent().unwrap();
        assert!(!outside.join("escaped").exists(), "{name}");
        assert!(!p.root().join("escaped").exists(), "{name}");
        assert!(!p.root().join("package-lock.json").exists(), "{name}");
    }
}

#[tokio::test]
async fn a_second_install_in_the_same_project_waits_for_the_first() {
    let p = TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await;
    // The first run stops mid-download; the second must wait, not interleave.
    p.registry.fault("shared-1", Fault::Hold);
    let first = tokio::spawn(utoo_install::install(p.options()));
    while !p.registry.requests().iter().any(|r| r.contains("shared-1")) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut second_options = p.options();
    let second_events = std::sync::Arc::new(utoo_events::RecordingReporter::default());
    second_options.reporter = second_events.clone();
    let second = tokio::spawn(utoo_install::install(second_options));
    let told = Instant::now();
    while !second_events.events().iter().any(
        |e| matches!(e, utoo_events::Event::Warning { code, .. } if code.as_str() == "ELOCKED"),
    ) {
        assert!(
            told.elapsed() < Duration::from_secs(10),
            "no ELOCKED warning"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        !second.is_finished(),
        "the second run waits while the first holds the lock"
    );
    p.registry.release_held();
    first.await.unwrap().unwrap();
    let again = second.await.unwrap().unwrap();
    assert!(again.warnings.iter().any(|w| w.code.as_str() == "ELOCKED"));
    assert_eq!(
        p.installed_version("node_modules/shared").as_deref(),
        Some("1.5.0")
    );
    assert_eq!(
        p.installed_version("node_modules/right/node_modules/shared")
            .as_deref(),
        Some("2.0.0")
    );
}
