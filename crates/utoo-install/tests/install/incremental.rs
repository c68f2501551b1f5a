//! Runs after the first: the no-op shortcut, add and remove, repairs of a changed tree.

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use serde_json::json;
use utoo_install::{DepField, EditRequest, Mode};
use utoo_test::TestContext;

use crate::basic_packages;

#[tokio::test]
async fn second_run_is_a_noop_and_lockfile_is_a_fixed_point() {
    let p = TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await;
    p.install().await.unwrap();
    let first = p.lockfile_text();
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
    assert_eq!(p.lockfile_text(), first);
}

#[tokio::test]
async fn the_noop_shortcut_reads_no_lockfile_and_any_changed_input_ends_it() {
    let p = TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await;
    p.install().await.unwrap();
    // Same size, same mtime, unreadable: only a run that never parses it can call this a
    // no-op (the full path treats an unreadable hidden lockfile as none and re-places all).
    let hidden = p.root().join("node_modules/.package-lock.json");
    let meta = std::fs::metadata(&hidden).unwrap();
    std::fs::write(&hidden, " ".repeat(usize::try_from(meta.len()).unwrap())).unwrap();
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
async fn incremental_add_and_remove_touch_only_what_changed() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    p.install().await.unwrap();
    let inode = |p: &TestContext| {
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
    assert_eq!(p.package_json()["dependencies"]["right"], "^1.0.0");

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
    let p = TestContext::new(&basic_packages(), json!({})).await;
    let mut options = p.options();
    options.edit = Some(EditRequest {
        add: vec!["shared".into()],
        field: DepField::Dev,
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    assert_eq!(p.package_json()["devDependencies"]["shared"], "^2.0.0");
}

#[tokio::test]
async fn a_package_folder_changed_by_hand_is_placed_again() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
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
