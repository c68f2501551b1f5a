//! The shared cache: tarballs and packuments reused, revalidated, offline, shared by
//! concurrent installs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use utoo_test::{Pkg, TestContext};

use crate::{basic_packages, walk_count};

#[tokio::test]
async fn lockfile_installs_fetch_no_packuments_and_warm_cache_no_tarballs() {
    let p = TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await;
    p.install().await.unwrap();
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    let before = p.registry.requests().len();
    let warm = p.install().await.unwrap();
    assert_eq!(
        p.registry.requests().len(),
        before,
        "warm cache + lockfile: no request at all"
    );
    assert_eq!((warm.cache_hits, warm.downloaded), (4, 0));

    // A new cache: tarballs only, straight from the lockfile.
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    std::fs::remove_dir_all(&p.cache).unwrap();
    let before_packuments = p.registry.packument_requests();
    // Each link job waits (bounded) for a second one to start: if jobs ran one at a time,
    // the first would wait out its bound alone and the count would stay 1.
    let entered = Arc::new(AtomicUsize::new(0));
    let seen = entered.clone();
    let mut options = p.options();
    options.link_probe = Some(Arc::new(move || {
        seen.fetch_add(1, Ordering::SeqCst);
        let start = Instant::now();
        while seen.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }));
    let cold = utoo_install::install(options).await.unwrap();
    assert_eq!(entered.load(Ordering::SeqCst), 4);
    assert_eq!(p.registry.packument_requests(), before_packuments);
    assert_eq!(cold.downloaded, 4);
    assert!(
        cold.max_parallel_links > 1,
        "linking runs in parallel: {}",
        cold.max_parallel_links
    );
}

#[tokio::test]
async fn packuments_are_cached_revalidated_and_usable_offline() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    p.resolve().await.unwrap();
    let fetched = p.registry.packument_requests();
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();

    // A warm resolve revalidates: every packument answered 304, no body sent again.
    p.resolve().await.unwrap();
    assert_eq!(p.registry.not_modified(), fetched);

    // --prefer-offline: no request at all.
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();
    let before = p.registry.requests().len();
    let mut options = p.options();
    options.set("prefer-offline", true);
    utoo_install::resolve(options).await.unwrap();
    assert_eq!(p.registry.requests().len(), before);

    // --offline: installs from the cache alone, and says what is missing otherwise.
    let mut options = p.options();
    options.set("offline", true);
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();
    p.install().await.unwrap();
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();
    let before = p.registry.requests().len();
    utoo_install::install(options.clone()).await.unwrap();
    assert_eq!(
        p.registry.requests().len(),
        before,
        "offline makes no request"
    );
    p.write_package_json(json!({"dependencies": {"left": "^1", "right": "^1"}}));
    let err = utoo_install::install(options).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ENOTCACHED", "{err}");
}

#[tokio::test]
async fn concurrent_installs_share_one_cache_safely() {
    let packages: Vec<Pkg> = (0..30)
        .map(|i| Pkg::new(&format!("pkg{i}"), "1.0.0"))
        .collect();
    let deps: serde_json::Map<String, serde_json::Value> = (0..30)
        .map(|i| (format!("pkg{i}"), json!("1.0.0")))
        .collect();
    let a = TestContext::new(&packages, json!({"dependencies": deps.clone()})).await;
    let b_dir = a.sibling("b");
    std::fs::write(
        b_dir.join("package.json"),
        serde_json::to_string(&json!({"name": "b", "dependencies": deps})).unwrap(),
    )
    .unwrap();
    let mut b_options = a.options();
    b_options.cwd = b_dir.clone();
    let (ra, rb) = tokio::join!(a.install(), utoo_install::install(b_options));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.packages + rb.packages, 60);
    for i in 0..30 {
        let index = |root: &std::path::Path| {
            std::fs::read_to_string(root.join(format!("node_modules/pkg{i}/index.js"))).unwrap()
        };
        assert_eq!(index(a.root()), index(&b_dir));
    }
    assert_eq!(walk_count(&a.cache.join("tmp")), 0, "no staging leftovers");
}

/// A cache entry damaged after it was published (a file cut short, as a crash before the data
/// reached the disk leaves it, or one removed) is noticed by its file list, fetched again and
/// replaced: the damaged bytes are never linked.
#[tokio::test]
async fn a_damaged_cache_entry_is_fetched_again_never_linked() {
    let packages = vec![Pkg::new("lib", "1.0.0").file("lib/big.js", &"x".repeat(5000), false)];
    let p = TestContext::new(&packages, json!({"dependencies": {"lib": "1"}})).await;
    p.install().await.unwrap();
    assert_eq!(p.registry.tarball_requests(), 1);
    let entry = store_entry(&p.cache, "lib/big.js");
    for damage in ["truncate", "remove"] {
        std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
        let file = entry.join("lib/big.js");
        match damage {
            "truncate" => std::fs::write(&file, "x").unwrap(),
            _ => std::fs::remove_file(&file).unwrap(),
        }
        let before = p.registry.tarball_requests();
        p.install().await.unwrap();
        assert_eq!(
            p.registry.tarball_requests(),
            before + 1,
            "{damage}: refetched"
        );
        let placed = std::fs::read_to_string(p.root().join("node_modules/lib/lib/big.js"));
        assert_eq!(
            placed.map(|t| t.len()).ok(),
            Some(5000),
            "{damage}: whole file placed"
        );
        assert_eq!(
            std::fs::metadata(&file).unwrap().len(),
            5000,
            "{damage}: entry replaced"
        );
    }
}

// The store entry holding `file`.
fn store_entry(cache: &std::path::Path, file: &str) -> std::path::PathBuf {
    let store = cache.join("store-v1");
    for algo in std::fs::read_dir(&store).unwrap().flatten() {
        for xx in std::fs::read_dir(algo.path()).unwrap().flatten() {
            for entry in std::fs::read_dir(xx.path()).unwrap().flatten() {
                if entry.path().join(file).is_file() {
                    return entry.path();
                }
            }
        }
    }
    panic!("no entry holds {file}")
}
