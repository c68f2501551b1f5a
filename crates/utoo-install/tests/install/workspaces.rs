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

#[tokio::test]
async fn running_inside_a_member_installs_the_whole_workspace() {
    let p = three_members().await;
    let mut options = p.options();
    options.cwd = p.root().join("packages/b");
    utoo_install::install(options).await.unwrap();
    assert!(p.root().join("package-lock.json").is_file());
    assert!(!p.root().join("packages/b/package-lock.json").exists());
    assert!(p.root().join("node_modules/ws-c").exists());
}
