//! npm workspaces and `file:` folders: members linked into node_modules, their dependencies
//! hoisted to the root, member-local conflicts nested under the member (the layout npm 11
//! writes for the same tree, checked by hand against it).

use serde_json::{json, Value};
use utoo_test::{Pkg, TestContext};

fn write(p: &TestContext, folder: &str, manifest: &Value) {
    let dir = p.root().join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), manifest.to_string()).unwrap();
}

async fn three_members() -> TestContext {
    let packages = vec![
        Pkg::new("dep-a", "1.0.0"),
        Pkg::new("dep-a", "2.0.0"),
        Pkg::new("dep-b", "1.0.0").dep("dep-a", "^1.0.0"),
        Pkg::new("dev-x", "1.0.0"),
        Pkg::new("ws-b", "2.0.0"),
    ];
    let p = TestContext::new(
        &packages,
        json!({"workspaces": ["packages/*"], "dependencies": {"dep-a": "^2.0.0", "loc": "file:libs/loc"}, "devDependencies": {"dev-x": "1.0.0"}}),
    )
    .await;
    write(
        &p,
        "packages/a",
        &json!({"name": "ws-a", "version": "1.0.0", "dependencies": {"ws-b": "^1.0.0", "dep-a": "^1.0.0"}, "devDependencies": {"dev-x": "^1.0.0"}, "bin": {"wsa": "cli.js"}}),
    );
    std::fs::write(p.root().join("packages/a/cli.js"), "console.log(1)\n").unwrap();
    write(
        &p,
        "packages/b",
        &json!({"name": "ws-b", "version": "1.0.0", "dependencies": {"dep-b": "1.0.0"}}),
    );
    write(
        &p,
        "packages/c",
        &json!({"name": "ws-c", "version": "1.0.0", "dependencies": {"ws-b": "^2.0.0"}}),
    );
    write(
        &p,
        "libs/loc",
        &json!({"name": "loc", "version": "0.1.0", "dependencies": {"dep-b": "1.0.0", "dep-a": "^1.0.0"}}),
    );
    p
}

#[tokio::test]
async fn members_are_linked_and_their_dependencies_hoisted_like_npm() {
    let p = three_members().await;
    p.install().await.unwrap();
    let lock = p.lockfile();
    let packages = lock["packages"].as_object().unwrap();
    let mut keys: Vec<&str> = packages.keys().map(String::as_str).collect();
    keys.sort_unstable();
    // The paths npm 11 writes for this tree.
    assert_eq!(
        keys,
        [
            "",
            "libs/loc",
            "libs/loc/node_modules/dep-a",
            "node_modules/dep-a",
            "node_modules/dep-b",
            "node_modules/dep-b/node_modules/dep-a",
            "node_modules/dev-x",
            "node_modules/loc",
            "node_modules/ws-a",
            "node_modules/ws-b",
            "node_modules/ws-c",
            "packages/a",
            "packages/a/node_modules/dep-a",
            "packages/b",
            "packages/c",
            "packages/c/node_modules/ws-b",
        ]
    );
    assert_eq!(packages[""]["workspaces"], json!(["packages/*"]));
    assert_eq!(
        packages["node_modules/ws-a"],
        json!({"resolved": "packages/a", "link": true})
    );
    assert_eq!(
        packages["node_modules/loc"],
        json!({"resolved": "libs/loc", "link": true})
    );
    assert_eq!(packages["packages/a"]["name"], "ws-a");
    assert_eq!(packages["packages/a"]["devDependencies"]["dev-x"], "^1.0.0");
    assert!(packages["libs/loc"].get("name").is_none());
    assert_eq!(packages["node_modules/dev-x"]["dev"], true);
    assert_eq!(packages["packages/c/node_modules/ws-b"]["version"], "2.0.0");
    assert_eq!(packages["node_modules/dep-a"]["version"], "2.0.0");

    let root = p.root();
    assert_eq!(
        std::fs::read_link(root.join("node_modules/ws-a")).unwrap(),
        std::path::Path::new("../packages/a")
    );
    assert_eq!(
        std::fs::read_link(root.join("node_modules/loc")).unwrap(),
        std::path::Path::new("../libs/loc")
    );
    assert_eq!(
        p.installed_version("packages/a/node_modules/dep-a")
            .as_deref(),
        Some("1.0.0")
    );
    assert_eq!(
        p.installed_version("libs/loc/node_modules/dep-a")
            .as_deref(),
        Some("1.0.0")
    );
    assert!(root.join("node_modules/.bin/wsa").is_file());

    // With the lockfile (node_modules gone, so no no-op shortcut), nothing is resolved
    // again and the tree comes back the same.
    let before = p.lockfile_text();
    std::fs::remove_dir_all(root.join("node_modules")).unwrap();
    let again = p.install().await.unwrap();
    assert!(
        !again.resolved,
        "the lockfile with link entries satisfies the workspace"
    );
    assert_eq!(p.lockfile_text(), before);
    assert!(root.join("node_modules/ws-a").is_symlink());
    assert_eq!(
        p.installed_version("packages/c/node_modules/ws-b")
            .as_deref(),
        Some("2.0.0")
    );
}

/// The paths under the project that are on disk (links count, as they are).
fn on_disk(p: &TestContext, paths: &[&str]) -> Vec<String> {
    paths
        .iter()
        .filter(|path| std::fs::symlink_metadata(p.root().join(path)).is_ok())
        .map(|path| (*path).to_owned())
        .collect()
}

const ALL: [&str; 10] = [
    "node_modules/dep-a",
    "node_modules/dep-b",
    "node_modules/dep-b/node_modules/dep-a",
    "node_modules/dev-x",
    "node_modules/loc",
    "node_modules/ws-a",
    "node_modules/ws-b",
    "node_modules/ws-c",
    "packages/a/node_modules/dep-a",
    "packages/c/node_modules/ws-b",
];

#[tokio::test]
async fn a_member_filter_installs_that_member_and_what_it_reaches_and_locks_everything() {
    let p = three_members().await;
    p.resolve().await.unwrap();
    let whole = p.lockfile_text();
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();
    let mut options = p.options();
    options.set("workspace", "ws-a");
    let summary = utoo_install::install(options).await.unwrap();
    // ws-a reaches ws-b (a link), its own dep-a@1, dev-x, and through ws-b dep-b.
    assert_eq!(
        on_disk(&p, &ALL),
        [
            "node_modules/dep-b",
            "node_modules/dep-b/node_modules/dep-a",
            "node_modules/dev-x",
            "node_modules/ws-a",
            "node_modules/ws-b",
            "packages/a/node_modules/dep-a",
        ]
    );
    assert_eq!(
        p.lockfile_text(),
        whole,
        "the lockfile holds the whole workspace"
    );
    assert!(!summary.up_to_date);

    // The next unfiltered install places the rest, and no no-op stamp of the filtered run
    // hides that.
    let full = p.install().await.unwrap();
    assert!(!full.up_to_date);
    assert_eq!(on_disk(&p, &ALL), ALL);
}

#[tokio::test]
async fn a_filter_leaves_what_it_does_not_reach_as_it_is() {
    let p = three_members().await;
    p.install().await.unwrap();
    // ws-c drops its dependency on ws-b@2; with `-w ws-a` that stays on disk (npm only
    // touches what the selection reaches), with `-w ws-c` it goes.
    write(
        &p,
        "packages/c",
        &json!({"name": "ws-c", "version": "1.0.0"}),
    );
    let mut options = p.options();
    options.set("workspace", "ws-a");
    utoo_install::install(options).await.unwrap();
    assert!(p.root().join("packages/c/node_modules/ws-b").is_dir());
    let mut options = p.options();
    options.set("workspace", "packages/c");
    let summary = utoo_install::install(options).await.unwrap();
    assert!(!p.root().join("packages/c/node_modules/ws-b").exists());
    assert_eq!(summary.removed, 1);
}

#[tokio::test]
async fn workspaces_and_include_workspace_root_select_as_npm_does() {
    // `--workspaces`: every member, not the root's own dependencies.
    let p = three_members().await;
    let mut options = p.options();
    options.set("workspaces", true);
    utoo_install::install(options).await.unwrap();
    let got = on_disk(&p, &ALL);
    assert!(got.contains(&"node_modules/ws-c".to_owned()));
    assert!(!got.contains(&"node_modules/loc".to_owned()), "{got:?}");
    assert!(!got.contains(&"node_modules/dep-a".to_owned()), "{got:?}");

    // `-w packages/c --include-workspace-root`: ws-c and the root's dependencies.
    let p = three_members().await;
    let mut options = p.options();
    options.set("workspace", "packages/c");
    options.set("include-workspace-root", true);
    utoo_install::install(options).await.unwrap();
    assert_eq!(
        on_disk(&p, &ALL),
        [
            "node_modules/dep-a",
            "node_modules/dep-b",
            "node_modules/dep-b/node_modules/dep-a",
            "node_modules/dev-x",
            "node_modules/loc",
            "node_modules/ws-c",
            "packages/c/node_modules/ws-b",
        ]
    );

    // `-w packages`: the members directly in that folder.
    let p = three_members().await;
    let mut options = p.options();
    options.set("workspace", "packages");
    utoo_install::install(options).await.unwrap();
    let got = on_disk(&p, &ALL);
    for member in [
        "node_modules/ws-a",
        "node_modules/ws-b",
        "node_modules/ws-c",
    ] {
        assert!(got.contains(&member.to_owned()), "{got:?}");
    }
}

#[tokio::test]
async fn add_and_remove_with_a_filter_edit_the_members_package_json() {
    let p = three_members().await;
    p.install().await.unwrap();
    let root_before = std::fs::read_to_string(p.root().join("package.json")).unwrap();
    let mut options = p.options();
    options.set("workspace", "ws-c");
    options.edit = Some(utoo_install::EditRequest {
        add: vec!["dep-a@^1".into()],
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    let member: Value = serde_json::from_str(
        &std::fs::read_to_string(p.root().join("packages/c/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(member["dependencies"]["dep-a"], "^1.0.0");
    assert_eq!(
        std::fs::read_to_string(p.root().join("package.json")).unwrap(),
        root_before
    );
    let lock = p.lockfile();
    assert_eq!(
        lock["packages"]["packages/c"]["dependencies"]["dep-a"],
        "^1.0.0"
    );
    assert_eq!(
        p.installed_version("packages/c/node_modules/dep-a")
            .as_deref(),
        Some("1.0.0")
    );

    let mut options = p.options();
    options.set("workspace", "ws-c");
    options.edit = Some(utoo_install::EditRequest {
        remove: vec!["dep-a".into()],
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    let member: Value = serde_json::from_str(
        &std::fs::read_to_string(p.root().join("packages/c/package.json")).unwrap(),
    )
    .unwrap();
    assert!(member["dependencies"].get("dep-a").is_none());
    assert!(!p.root().join("packages/c/node_modules/dep-a").exists());
    // The root keeps its own dep-a@2.
    assert_eq!(
        p.installed_version("node_modules/dep-a").as_deref(),
        Some("2.0.0")
    );
}

#[tokio::test]
async fn a_filter_that_names_no_member_is_a_clear_error() {
    let p = three_members().await;
    let mut options = p.options();
    options.set("workspace", "nope");
    let error = utoo_install::install(options).await.unwrap_err();
    assert_eq!(error.code().as_str(), "EWORKSPACES");
    let text = error.to_string();
    assert!(
        text.contains("`-w nope`") && text.contains("ws-a, ws-b, ws-c"),
        "{text}"
    );
    assert!(!p.root().join("node_modules").exists());

    let mut options = p.options();
    options.set("workspace", "ws-a");
    options.set("workspaces", false);
    let error = utoo_install::install(options).await.unwrap_err();
    assert_eq!(error.code().as_str(), "EWORKSPACES");
}

#[tokio::test]
async fn running_inside_a_member_works_on_that_member_with_the_root_lockfile() {
    // npm sets `workspace` to the member folder it is started in.
    let p = three_members().await;
    let mut options = p.options();
    options.cwd = p.root().join("packages/b");
    utoo_install::install(options).await.unwrap();
    assert!(!p.root().join("packages/b/package-lock.json").exists());
    assert_eq!(
        on_disk(&p, &ALL),
        [
            "node_modules/dep-b",
            "node_modules/dep-b/node_modules/dep-a",
            "node_modules/ws-b",
        ]
    );
    let lock = p.lockfile();
    assert!(lock["packages"].get("node_modules/ws-c").is_some());
}

#[tokio::test]
async fn members_lifecycle_scripts_run_dependencies_first_then_the_root() {
    let p = TestContext::new(
        &[Pkg::new("dep-a", "1.0.0")],
        json!({"workspaces": ["packages/*"], "scripts": {"postinstall": "echo root >> order.txt"}}),
    )
    .await;
    // `a` sorts first but depends on `b`: b's scripts run before a's.
    write(
        &p,
        "packages/a",
        &json!({"name": "a", "version": "1.0.0", "dependencies": {"b": "1.0.0"},
                "scripts": {"postinstall": "echo a-postinstall >> ../../order.txt"}}),
    );
    write(
        &p,
        "packages/b",
        &json!({"name": "b", "version": "1.0.0", "dependencies": {"dep-a": "1.0.0"},
                "scripts": {"prepare": "echo b-prepare >> ../../order.txt",
                            "preinstall": "echo b-preinstall >> ../../order.txt"}}),
    );
    let summary = p.install().await.unwrap();
    let order = std::fs::read_to_string(p.root().join("order.txt")).unwrap();
    assert_eq!(order, "b-preinstall\nb-prepare\na-postinstall\nroot\n");
    assert_eq!(summary.scripts_run, 4);

    // Every install runs them, a no-op too (npm rebuilds linked members each time); with
    // `-w b` only b's and the root's.
    std::fs::remove_file(p.root().join("order.txt")).unwrap();
    let mut options = p.options();
    options.set("workspace", "b");
    utoo_install::install(options).await.unwrap();
    let order = std::fs::read_to_string(p.root().join("order.txt")).unwrap();
    assert_eq!(order, "b-preinstall\nb-prepare\nroot\n");
}

#[tokio::test]
async fn a_member_that_goes_away_takes_its_link_and_leaves_its_folder() {
    let p = three_members().await;
    p.install().await.unwrap();
    let hidden: Value = serde_json::from_str(
        &std::fs::read_to_string(p.root().join("node_modules/.package-lock.json")).unwrap(),
    )
    .unwrap();
    // As npm's hidden lockfile: the links and the folders they lead to are listed.
    for path in [
        "node_modules/ws-c",
        "packages/c",
        "node_modules/loc",
        "libs/loc",
    ] {
        assert!(hidden["packages"].get(path).is_some(), "{path}");
    }
    // ws-c leaves the workspace (its package.json goes; the folder stays the user's).
    std::fs::remove_file(p.root().join("packages/c/package.json")).unwrap();
    p.install().await.unwrap();
    assert!(std::fs::symlink_metadata(p.root().join("node_modules/ws-c")).is_err());
    assert!(p.root().join("packages/c").is_dir());
    assert!(p.lockfile()["packages"].get("packages/c").is_none());
}

#[tokio::test]
async fn omit_dev_leaves_a_dev_file_folder_unlinked() {
    let p = TestContext::new(
        &[Pkg::new("dep-a", "1.0.0")],
        json!({"dependencies": {"dep-a": "1.0.0"}, "devDependencies": {"tool": "file:tools/tool"}}),
    )
    .await;
    write(
        &p,
        "tools/tool",
        &json!({"name": "tool", "version": "1.0.0"}),
    );
    let mut options = p.options();
    options.set("omit", "dev");
    utoo_install::install(options).await.unwrap();
    assert_eq!(p.lockfile()["packages"]["tools/tool"]["dev"], true);
    assert!(std::fs::symlink_metadata(p.root().join("node_modules/tool")).is_err());
    assert!(p.root().join("node_modules/dep-a").is_dir());
    p.install().await.unwrap();
    assert!(p.root().join("node_modules/tool").is_symlink());
}

#[tokio::test]
async fn adding_a_folder_saves_it_as_file_relative_to_the_package_json() {
    let p = TestContext::new(&[Pkg::new("dep-a", "1.0.0")], json!({"name": "app"})).await;
    write(
        &p,
        "libs/tool",
        &json!({"name": "my-tool", "version": "1.0.0", "dependencies": {"dep-a": "1.0.0"}}),
    );
    let mut options = p.options();
    options.edit = Some(utoo_install::EditRequest {
        add: vec!["./libs/tool".into()],
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    assert_eq!(
        p.package_json()["dependencies"]["my-tool"],
        "file:libs/tool"
    );
    assert!(p.root().join("node_modules/my-tool").is_symlink());
    assert_eq!(
        p.installed_version("node_modules/dep-a").as_deref(),
        Some("1.0.0")
    );
}

#[tokio::test]
async fn an_override_to_a_file_folder_links_every_copy_to_the_root_relative_folder() {
    let p = TestContext::new(
        &[
            Pkg::new("uses-x", "1.0.0").dep("x", "^1"),
            Pkg::new("x", "1.0.0"),
        ],
        json!({"dependencies": {"uses-x": "1.0.0"}, "overrides": {"x": "file:./vendor/x"}}),
    )
    .await;
    write(&p, "vendor/x", &json!({"name": "x", "version": "1.5.0"}));
    p.install().await.unwrap();
    // npm reads an override's `file:` path from the root (npm 11 itself resolves it from the
    // dependent's folder, which leaves a dangling link).
    let lock = p.lockfile();
    assert_eq!(lock["packages"]["node_modules/x"]["resolved"], "vendor/x");
    assert_eq!(
        p.installed_version("node_modules/x").as_deref(),
        Some("1.5.0")
    );
}
