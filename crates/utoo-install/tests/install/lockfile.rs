//! package-lock.json: what ci and --lockfile-only demand of it, and snapshots of the whole
//! file for representative trees (any change to npm's format or key order shows here).

use insta::assert_snapshot;
use serde_json::json;
use utoo_install::Mode;
use utoo_test::{Pkg, TestContext};

use crate::basic_packages;

#[tokio::test]
async fn lockfile_without_resolved_derives_tarball_urls() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    let mut options = p.options();
    options
        .config
        .insert("omit-lockfile-registry-resolved".into(), "true".into());
    utoo_install::install(options.clone()).await.unwrap();
    assert!(!p.lockfile_text().contains("\"resolved\""));
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
async fn ci_requires_a_lockfile_in_sync() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    assert_eq!(
        p.run(Mode::Ci).await.unwrap_err().code().as_str(),
        "ENOLOCK"
    );
    p.install().await.unwrap();
    p.write_package_json(json!({"dependencies": {"left": "^1", "right": "^1"}}));
    let err = p.run(Mode::Ci).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ELOCKOUTOFSYNC");
    assert!(err.to_string().contains("right@^1"), "{err}");
}

#[tokio::test]
async fn lockfile_only_touches_nothing_else() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    let summary = p.resolve().await.unwrap();
    assert!(summary.resolved);
    assert!(p.root().join("package-lock.json").is_file());
    assert!(!p.root().join("node_modules").exists());
    assert_eq!(p.registry.tarball_requests(), 0);
}

#[tokio::test]
async fn snapshot_hoisted_tree_with_a_nested_conflict_and_bins() {
    let p = TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}, "devDependencies": {"@scope/tool": "^3"}}),
    )
    .await;
    p.install().await.unwrap();
    assert_snapshot!(p.redact(&p.lockfile_text()));
}

#[tokio::test]
async fn snapshot_aliases() {
    let packages = vec![
        Pkg::new("real", "1.0.0"),
        Pkg::new("real", "2.0.0"),
        Pkg::new("user", "1.0.0").dep("inner-alias", "npm:real@^1"),
    ];
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"alias": "npm:real@^2", "user": "1"}}),
    )
    .await;
    p.resolve().await.unwrap();
    assert_snapshot!(p.redact(&p.lockfile_text()));
}

#[tokio::test]
async fn snapshot_dev_optional_and_dev_optional_flags() {
    let packages = vec![
        Pkg::new("prod", "1.0.0").dep("prod-dep", "1"),
        Pkg::new("devtool", "1.0.0").dep("devonly", "1"),
        Pkg::new("devonly", "1.0.0"),
        Pkg::new("opt", "1.0.0")
            .dep("optonly", "1")
            .dep("devopt", "1"),
        Pkg::new("optonly", "1.0.0"),
        Pkg::new("devopt", "1.0.0"),
        Pkg::new("prod-dep", "1.0.0"),
    ];
    let p = TestContext::new(
        &packages,
        json!({
            "dependencies": {"prod": "1"},
            "devDependencies": {"devtool": "1", "devopt": "1"},
            "optionalDependencies": {"opt": "1"},
        }),
    )
    .await;
    p.resolve().await.unwrap();
    assert_snapshot!(p.redact(&p.lockfile_text()));
}

#[tokio::test]
async fn snapshot_peers() {
    let packages = vec![
        Pkg::new("plugin", "1.0.0")
            .add_to("peerDependencies", "host", "^2")
            .add_to("peerDependencies", "maybe", "^1")
            .with("peerDependenciesMeta", json!({"maybe": {"optional": true}})),
        Pkg::new("host", "1.0.0"),
        Pkg::new("host", "2.1.0"),
        Pkg::new("maybe", "1.0.0"),
    ];
    let p = TestContext::new(&packages, json!({"dependencies": {"plugin": "1"}})).await;
    p.resolve().await.unwrap();
    assert_snapshot!(p.redact(&p.lockfile_text()));
}
