//! The engine end to end against the loopback fixture registry.

mod common;

use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestProject;
use serde_json::json;
use utoo_install::{DepField, EditRequest, Mode};
use utoo_test::{Fault, Pkg};

fn basic_packages() -> Vec<Pkg> {
    vec![
        Pkg::new("left", "1.0.0").dep("shared", "^1.0.0"),
        Pkg::new("right", "1.0.0").dep("shared", "^2.0.0"),
        Pkg::new("shared", "1.0.0"),
        Pkg::new("shared", "1.5.0"),
        Pkg::new("shared", "2.0.0"),
        Pkg::new("@scope/tool", "3.1.0")
            .with("bin", json!({"tool": "bin/tool.js"}))
            .file(
                "bin/tool.js",
                "#!/usr/bin/env node\nconsole.log('tool ran')\n",
                false,
            ),
    ]
}

#[tokio::test]
async fn installs_a_hoisted_tree_with_lockfile_and_bins() {
    let p = TestProject::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}, "devDependencies": {"@scope/tool": "^3"}}),
    )
    .await;
    let summary = p.install().await.unwrap();
    assert_eq!(summary.packages, 5);
    assert_eq!(summary.added, 5);
    assert_eq!(
        p.installed_version("node_modules/shared").as_deref(),
        Some("1.5.0")
    );
    assert_eq!(
        p.installed_version("node_modules/right/node_modules/shared")
            .as_deref(),
        Some("2.0.0")
    );
    let bin = p.root().join("node_modules/.bin/tool");
    assert_eq!(
        std::fs::read_link(&bin).unwrap().to_str(),
        Some("../@scope/tool/bin/tool.js")
    );
    let mode = std::fs::metadata(&bin).unwrap().mode();
    assert_eq!(mode & 0o111, 0o111, "bin target is executable");

    let lock = p.lockfile();
    assert_eq!(lock["lockfileVersion"], 3);
    assert_eq!(lock["packages"][""]["devDependencies"]["@scope/tool"], "^3");
    let tool = &lock["packages"]["node_modules/@scope/tool"];
    assert_eq!(tool["dev"], true);
    assert!(tool["integrity"].as_str().unwrap().starts_with("sha512-"));
    assert!(tool["resolved"]
        .as_str()
        .unwrap()
        .starts_with(&p.registry.url()));
    assert_eq!(tool["bin"]["tool"], "bin/tool.js");
    assert!(p.root().join("node_modules/.package-lock.json").is_file());
    let hidden = std::fs::read_to_string(p.root().join("node_modules/.package-lock.json")).unwrap();
    assert!(!hidden.contains("\"\": {"));
}

#[tokio::test]
async fn second_run_is_a_noop_and_lockfile_is_a_fixed_point() {
    let p = TestProject::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await;
    p.install().await.unwrap();
    let first = std::fs::read_to_string(p.root().join("package-lock.json")).unwrap();
    let requests = p.registry.requests().len();
    let again = p.install().await.unwrap();
    assert!(again.up_to_date);
    assert!(!again.resolved);
    assert!(!again.lockfile_changed);
    assert_eq!(
        p.registry.requests().len(),
        requests,
        "a no-op makes no request"
    );
    assert_eq!(
        std::fs::read_to_string(p.root().join("package-lock.json")).unwrap(),
        first
    );
}

#[tokio::test]
async fn the_noop_shortcut_reads_no_lockfile_and_any_changed_input_ends_it() {
    let p = TestProject::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await;
    p.install().await.unwrap();
    // Same size, same mtime, unreadable: only a run that never parses it can call this a
    // no-op (the full path treats an unreadable hidden lockfile as none and re-places all).
    let hidden = p.root().join("node_modules/.package-lock.json");
    let meta = std::fs::metadata(&hidden).unwrap();
    std::fs::write(&hidden, " ".repeat(meta.len() as usize)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&hidden)
        .unwrap()
        .set_modified(meta.modified().unwrap())
        .unwrap();
    let noop = p.install().await.unwrap();
    assert!(noop.up_to_date);
    assert_eq!((noop.packages, noop.added, noop.changed), (4, 0, 0));

    // A package folder gone: the full path puts it back (and everything, the hidden
    // lockfile being unreadable).
    std::fs::remove_dir_all(p.root().join("node_modules/left")).unwrap();
    let repaired = p.install().await.unwrap();
    assert!(!repaired.up_to_date);
    assert_eq!(
        p.installed_version("node_modules/left").as_deref(),
        Some("1.0.0")
    );
    assert!(p.install().await.unwrap().up_to_date);

    // An option that changes the lockfile's bytes is an input too.
    let mut options = p.options();
    options
        .config
        .insert("omit-lockfile-registry-resolved".into(), "true".into());
    let rewritten = utoo_install::install(options).await.unwrap();
    assert!(rewritten.lockfile_changed);
    assert!(p.lockfile()["packages"]["node_modules/left"]
        .get("resolved")
        .is_none());

    // npm touching node_modules rewrites the hidden lockfile: no shortcut after that.
    let before = std::fs::read_to_string(&hidden).unwrap();
    std::fs::write(&hidden, before + " ").unwrap();
    let after_npm = p.install().await.unwrap();
    assert!(
        after_npm.up_to_date,
        "the full check still finds nothing to do"
    );
}

#[tokio::test]
async fn lockfile_installs_fetch_no_packuments_and_warm_cache_no_tarballs() {
    let p = TestProject::new(
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
async fn one_version_nested_in_several_places_is_downloaded_once() {
    let mut packages = basic_packages();
    packages.push(Pkg::new("right2", "1.0.0").dep("shared", "^2.0.0"));
    let p = TestProject::new(
        &packages,
        json!({"dependencies": {"left": "^1", "right": "^1", "right2": "^1"}}),
    )
    .await;
    // Slow tarballs: both paths of shared@2 are waiting for theirs at the same time.
    p.registry
        .fault("shared-2.0.0.tgz", Fault::Delay(Duration::from_millis(300)));
    let summary = p.install().await.unwrap();
    for path in [
        "node_modules/right/node_modules/shared",
        "node_modules/right2/node_modules/shared",
    ] {
        assert_eq!(p.installed_version(path).as_deref(), Some("2.0.0"));
    }
    let shared2 = p
        .registry
        .requests()
        .iter()
        .filter(|r| r.ends_with("shared-2.0.0.tgz"))
        .count();
    assert_eq!(shared2, 1, "one download serves both paths");
    assert_eq!(
        summary.downloaded, 5,
        "left, right, right2, shared@1.5, shared@2 once"
    );
}

#[tokio::test]
async fn packuments_down_a_chain_are_fetched_while_an_unrelated_one_is_slow() {
    let packages = vec![
        Pkg::new("a", "1.0.0").dep("b", "^1"),
        Pkg::new("b", "1.0.0").dep("c", "^1"),
        Pkg::new("c", "1.0.0").dep("d", "^1"),
        Pkg::new("d", "1.0.0"),
        Pkg::new("slow", "1.0.0"),
    ];
    let p = TestProject::new(
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
async fn lockfile_without_resolved_derives_tarball_urls() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    let mut options = p.options();
    options
        .config
        .insert("omit-lockfile-registry-resolved".into(), "true".into());
    utoo_install::install(options.clone()).await.unwrap();
    assert!(!std::fs::read_to_string(p.root().join("package-lock.json"))
        .unwrap()
        .contains("\"resolved\""));
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    std::fs::remove_dir_all(&p.cache).unwrap();
    let summary = utoo_install::install(options).await.unwrap();
    assert_eq!(summary.downloaded, 2);
    assert_eq!(
        p.installed_version("node_modules/shared").as_deref(),
        Some("1.5.0")
    );
}

#[tokio::test]
async fn integrity_mismatch_fails_and_leaves_no_cache_entry() {
    let p = TestProject::new(
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
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    assert!(message.contains("shared@2.0.0"), "{message}");
    assert!(message.contains("sha512-"), "{message}");
    let store = p.cache.join("store-v1");
    let entries = walk_count(&store);
    assert_eq!(entries, 0, "nothing published into the store");
    assert!(!p.root().join("node_modules/shared").exists());
}

fn walk_count(dir: &std::path::Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.path().is_dir() {
                1 + walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
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
async fn missing_and_foreign_platform_optionals_are_skipped() {
    let packages = vec![
        Pkg::new("native", "1.0.0")
            .add_to("optionalDependencies", "native-linux-x64", "1.0.0")
            .add_to("optionalDependencies", "native-win32-x64", "1.0.0")
            .add_to("optionalDependencies", "native-missing", "1.0.0"),
        Pkg::new("native-linux-x64", "1.0.0")
            .with("os", json!(["linux"]))
            .with("cpu", json!(["x64"])),
        Pkg::new("native-win32-x64", "1.0.0")
            .with("os", json!(["win32"]))
            .with("cpu", json!(["x64"])),
    ];
    let p = TestProject::new(&packages, json!({"dependencies": {"native": "1"}})).await;
    let summary = p.install().await.unwrap();
    let lock = p.lockfile();
    // Every platform stays in the lockfile; only linking filters.
    assert_eq!(
        lock["packages"]["node_modules/native-win32-x64"]["os"][0],
        "win32"
    );
    assert_eq!(
        lock["packages"]["node_modules/native-win32-x64"]["optional"],
        true
    );
    assert!(lock["packages"]
        .get("node_modules/native-missing")
        .is_none());
    assert!(!p.root().join("node_modules/native-win32-x64").exists());
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert!(p.root().join("node_modules/native-linux-x64").is_dir());
    }
    assert!(summary.skipped_optional >= 1);
    assert!(summary
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "EOPTIONALSKIPPED"));
}

#[tokio::test]
async fn concurrent_installs_share_one_cache_safely() {
    let packages: Vec<Pkg> = (0..30)
        .map(|i| Pkg::new(&format!("pkg{i}"), "1.0.0"))
        .collect();
    let deps: serde_json::Map<String, serde_json::Value> = (0..30)
        .map(|i| (format!("pkg{i}"), json!("1.0.0")))
        .collect();
    let a = TestProject::new(&packages, json!({"dependencies": deps.clone()})).await;
    let b_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        b_dir.path().join("package.json"),
        serde_json::to_string(&json!({"name": "b", "dependencies": deps})).unwrap(),
    )
    .unwrap();
    let mut b_options = a.options();
    b_options.cwd = b_dir.path().to_path_buf();
    let (ra, rb) = tokio::join!(a.install(), utoo_install::install(b_options));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.packages + rb.packages, 60);
    for i in 0..30 {
        let index = |root: &std::path::Path| {
            std::fs::read_to_string(root.join(format!("node_modules/pkg{i}/index.js"))).unwrap()
        };
        assert_eq!(index(a.root()), index(b_dir.path()));
    }
    assert_eq!(walk_count(&a.cache.join("tmp")), 0, "no staging leftovers");
}

#[tokio::test]
async fn incremental_add_and_remove_touch_only_what_changed() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    p.install().await.unwrap();
    let inode = |p: &TestProject| {
        std::fs::metadata(p.root().join("node_modules/left/index.js"))
            .unwrap()
            .ino()
    };
    let before = inode(&p);
    std::fs::create_dir_all(p.root().join("node_modules/stray")).unwrap();

    let mut options = p.options();
    options.edit = Some(EditRequest {
        add: vec!["right@^1".into()],
        field: DepField::Prod,
        ..Default::default()
    });
    let added = utoo_install::install(options).await.unwrap();
    assert_eq!(added.added, 2, "right and its nested shared");
    assert_eq!(added.changed, 0);
    assert_eq!(inode(&p), before, "left was not re-placed");
    let pj: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.root().join("package.json")).unwrap())
            .unwrap();
    assert_eq!(pj["dependencies"]["right"], "^1");

    let mut options = p.options();
    options.edit = Some(EditRequest {
        remove: vec!["left".into()],
        ..Default::default()
    });
    let removed = utoo_install::install(options).await.unwrap();
    assert!(!p.root().join("node_modules/left").exists());
    assert!(removed.removed >= 1);
    assert!(p.lockfile()["packages"].get("node_modules/left").is_none());
    // The stray folder was never ours to track; a full prune happens when node_modules is not
    // described by a hidden lockfile (see ci).
    let ci = p.run(Mode::Ci).await.unwrap();
    assert!(!p.root().join("node_modules/stray").exists());
    assert_eq!(ci.downloaded, 0);
}

#[tokio::test]
async fn add_bare_name_saves_caret_latest() {
    let p = TestProject::new(&basic_packages(), json!({})).await;
    let mut options = p.options();
    options.edit = Some(EditRequest {
        add: vec!["shared".into()],
        field: DepField::Dev,
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    let pj: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.root().join("package.json")).unwrap())
            .unwrap();
    assert_eq!(pj["devDependencies"]["shared"], "^2.0.0");
}

#[tokio::test]
async fn ci_requires_a_lockfile_in_sync() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    assert_eq!(p.run(Mode::Ci).await.unwrap_err().code(), "ENOLOCK");
    p.install().await.unwrap();
    p.write_package_json(json!({"dependencies": {"left": "^1", "right": "^1"}}));
    let err = p.run(Mode::Ci).await.unwrap_err();
    assert_eq!(err.code(), "ELOCKOUTOFSYNC");
    assert!(err.to_string().contains("right@^1"), "{err}");
}

#[tokio::test]
async fn lockfile_only_touches_nothing_else() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    let summary = utoo_install::resolve(p.options()).await.unwrap();
    assert!(summary.resolved);
    assert!(p.root().join("package-lock.json").is_file());
    assert!(!p.root().join("node_modules").exists());
    assert_eq!(p.registry.tarball_requests(), 0);
}

#[tokio::test]
async fn scripts_run_in_dependency_order_on_private_copies() {
    let packages = vec![
        Pkg::new("app-dep", "1.0.0")
            .dep("base-dep", "1")
            .with("scripts", json!({"postinstall": "node -e \"require('fs').appendFileSync(process.env.INIT_CWD + '/order.log', process.env.npm_package_name + '\\n')\""})),
        Pkg::new("base-dep", "1.0.0")
            .with("scripts", json!({"install": "sleep 0.3; node -e \"require('fs').appendFileSync(process.env.INIT_CWD + '/order.log', process.env.npm_package_name + '\\n')\"; echo built > built.txt"})),
    ];
    let p = TestProject::new(&packages, json!({"dependencies": {"app-dep": "1"}, "scripts": {"postinstall": "echo root >> order.log"}})).await;
    let summary = p.install().await.unwrap();
    assert_eq!(summary.scripts_run, 3);
    assert_eq!(
        std::fs::read_to_string(p.root().join("order.log")).unwrap(),
        "base-dep\napp-dep\nroot\n"
    );
    assert!(p.root().join("node_modules/base-dep/built.txt").is_file());
    // The package with scripts got a private copy: the cache never saw built.txt.
    assert_eq!(walk_find(&p.cache, "built.txt"), 0);
    assert_eq!(
        p.lockfile()["packages"]["node_modules/base-dep"]["hasInstallScript"],
        true
    );
}

fn walk_find(dir: &std::path::Path, name: &str) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk_find(&e.path(), name)
            } else {
                usize::from(e.file_name() == name)
            }
        })
        .sum()
}

#[tokio::test]
async fn failing_script_fails_the_install_and_ignore_scripts_skips_it() {
    let packages = vec![Pkg::new("broken", "1.0.0")
        .with("scripts", json!({"postinstall": "echo kaput >&2; exit 7"}))];
    let p = TestProject::new(&packages, json!({"dependencies": {"broken": "1"}})).await;
    let err = p.install().await.unwrap_err();
    assert_eq!(err.code(), "ELIFECYCLE");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        source.contains("broken@1.0.0") && source.contains("kaput"),
        "{source}"
    );
    // Not marked complete: the next run tries again.
    assert!(!p.root().join("node_modules/.package-lock.json").exists());
    let mut options = p.options();
    options.ignore_scripts = true;
    let summary = utoo_install::install(options).await.unwrap();
    assert_eq!(summary.scripts_run, 0);
}

#[tokio::test]
async fn cancellation_stops_with_ecancelled_and_next_run_repairs() {
    let packages: Vec<Pkg> = (0..10)
        .map(|i| Pkg::new(&format!("slow{i}"), "1.0.0"))
        .collect();
    let deps: serde_json::Map<String, serde_json::Value> = (0..10)
        .map(|i| (format!("slow{i}"), json!("1.0.0")))
        .collect();
    let p = TestProject::new(&packages, json!({"dependencies": deps})).await;
    p.registry
        .fault(".tgz", Fault::Delay(std::time::Duration::from_millis(300)));
    let options = p.options();
    let cancel = options.cancel.clone();
    let run = tokio::spawn(utoo_install::install(options));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
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
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^9"}})).await;
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
async fn bundled_dependencies_come_from_the_tarball() {
    let packages = vec![Pkg::new("bundler", "1.0.0")
        .dep("inner", "^1.0.0")
        .with("bundleDependencies", json!(["inner"]))
        .file(
            "node_modules/inner/package.json",
            r#"{"name":"inner","version":"1.0.0"}"#,
            false,
        )
        .file(
            "node_modules/inner/index.js",
            "module.exports = 'bundled'",
            false,
        )];
    let p = TestProject::new(&packages, json!({"dependencies": {"bundler": "1"}})).await;
    p.install().await.unwrap();
    assert!(
        !p.registry.requests().iter().any(|r| r.contains("inner")),
        "bundled deps are not fetched"
    );
    assert_eq!(
        p.installed_version("node_modules/bundler/node_modules/inner")
            .as_deref(),
        Some("1.0.0")
    );
    assert_eq!(
        p.lockfile()["packages"]["node_modules/bundler"]["bundleDependencies"][0],
        "inner"
    );
    // The lockfile is complete as it is: the next run does not resolve again.
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    assert!(!p.install().await.unwrap().resolved);
}

#[tokio::test]
async fn packuments_are_cached_revalidated_and_usable_offline() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    utoo_install::resolve(p.options()).await.unwrap();
    let fetched = p.registry.packument_requests();
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();

    // A warm resolve revalidates: every packument answered 304, no body sent again.
    utoo_install::resolve(p.options()).await.unwrap();
    assert_eq!(p.registry.not_modified(), fetched);

    // --prefer-offline: no request at all.
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();
    let before = p.registry.requests().len();
    let mut options = p.options();
    options.prefer_offline = true;
    utoo_install::resolve(options).await.unwrap();
    assert_eq!(p.registry.requests().len(), before);

    // --offline: installs from the cache alone, and says what is missing otherwise.
    let mut options = p.options();
    options.offline = true;
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
    assert_eq!(err.code(), "ENOTCACHED", "{err}");
}

#[tokio::test]
async fn a_package_folder_changed_by_hand_is_placed_again() {
    let p = TestProject::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    p.install().await.unwrap();
    // Make sure the folder's mtime moves past the hidden lockfile's.
    std::thread::sleep(Duration::from_millis(30));
    std::fs::remove_file(p.root().join("node_modules/left/index.js")).unwrap();
    let summary = p.install().await.unwrap();
    assert!(!summary.up_to_date);
    assert_eq!(summary.changed, 1);
    assert!(p.root().join("node_modules/left/index.js").is_file());
    assert!(p.install().await.unwrap().up_to_date);
}
