//! What lands in node_modules: hoisting, nesting, bins, platform optionals, bundled deps.

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use serde_json::json;
use utoo_test::{Fault, Pkg, TestContext};

use crate::basic_packages;

#[tokio::test]
async fn installs_a_hoisted_tree_with_lockfile_and_bins() {
    let p = TestContext::new(
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
async fn one_version_nested_in_several_places_is_downloaded_once() {
    let mut packages = basic_packages();
    packages.push(Pkg::new("right2", "1.0.0").dep("shared", "^2.0.0"));
    let p = TestContext::new(
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
    let p = TestContext::new(&packages, json!({"dependencies": {"native": "1"}})).await;
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
    assert!(TestContext::warning_codes(&summary)
        .iter()
        .any(|code| code == "EOPTIONALSKIPPED"));
}

/// A `wasm32` binding's own dependencies, a package that cannot work without it, and a
/// dependency shared with a package that is installed.
fn foreign_binding_packages() -> Vec<Pkg> {
    let wasm32 = || json!(["wasm32"]);
    vec![
        Pkg::new("binding", "1.0.0")
            .add_to("optionalDependencies", "binding-wasm", "1.0.0")
            .add_to("optionalDependencies", "binding-wasm2", "1.0.0"),
        Pkg::new("binding-wasm", "1.0.0")
            .with("cpu", wasm32())
            .dep("wasm-rt", "^1")
            .dep("shared-x", "^1")
            .dep("conflicted", "^2")
            .add_to("optionalDependencies", "wasm-opt", "^1"),
        Pkg::new("binding-wasm2", "1.0.0")
            .with("cpu", wasm32())
            .dep("wasm-rt", "^1"),
        Pkg::new("wasm-rt", "1.0.0").dep("wasm-core", "^1"),
        Pkg::new("wasm-core", "1.0.0"),
        Pkg::new("wasm-opt", "1.0.0"),
        Pkg::new("shared-x", "1.0.0"),
        Pkg::new("conflicted", "1.0.0"),
        Pkg::new("conflicted", "2.0.0"),
        Pkg::new("other", "1.0.0")
            .dep("shared-x", "^1")
            .dep("conflicted", "^1"),
        Pkg::new("wasm-plugin", "1.0.0")
            .dep("binding-wasm3", "^1")
            .dep("plugin-helper", "^1"),
        Pkg::new("binding-wasm3", "1.0.0").with("cpu", wasm32()),
        Pkg::new("plugin-helper", "1.0.0"),
    ]
}

#[tokio::test]
async fn what_only_a_foreign_platform_optional_needs_stays_off_disk() {
    let p = TestContext::new(
        &foreign_binding_packages(),
        json!({"dependencies": {"binding": "1", "other": "1"},
               "optionalDependencies": {"wasm-plugin": "1"}}),
    )
    .await;
    p.install().await.unwrap();
    let lock = p.lockfile();
    // Every platform stays locked, the skipped packages' subtrees with them.
    for path in [
        "binding-wasm",
        "binding-wasm2",
        // binding-wasm sits before `other` in the queue: its copy hoists, other's nests.
        "conflicted",
        "wasm-rt",
        "wasm-core",
        "wasm-opt",
        "wasm-plugin",
        "binding-wasm3",
        "plugin-helper",
    ] {
        let entry = &lock["packages"][format!("node_modules/{path}")];
        assert_eq!(entry["optional"], true, "{path}: {entry}");
    }
    // On disk: what something installed needs; nothing reached only through a skipped
    // binding, nor what cannot work without one (wasm-plugin needs binding-wasm3).
    let on_disk = |path: &str| p.root().join("node_modules").join(path).exists();
    assert_eq!(
        lock["packages"]["node_modules/other/node_modules/conflicted"]["version"],
        "1.0.0"
    );
    for path in [
        "binding",
        "other",
        "shared-x",
        "other/node_modules/conflicted",
    ] {
        assert!(on_disk(path), "{path} is installed");
    }
    for path in [
        "binding-wasm",
        "binding-wasm2",
        "conflicted",
        "wasm-rt",
        "wasm-core",
        "wasm-opt",
        "wasm-plugin",
        "binding-wasm3",
        "plugin-helper",
    ] {
        assert!(!on_disk(path), "{path} stays off disk");
    }
    let hidden = std::fs::read_to_string(p.root().join("node_modules/.package-lock.json")).unwrap();
    assert!(!hidden.contains("wasm-rt"), "{hidden}");
    // The next install agrees that nothing is missing.
    let again = p.install().await.unwrap();
    assert!(again.up_to_date);
    assert!(!on_disk("wasm-rt"));
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
    let p = TestContext::new(&packages, json!({"dependencies": {"bundler": "1"}})).await;
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
