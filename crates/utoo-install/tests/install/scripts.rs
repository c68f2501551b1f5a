//! Lifecycle scripts: order, private copies, failures, and npm 12's `allowScripts`
//! policy (allowed, not listed, `false`, pins, the npm 11 switch).

use serde_json::{json, Value};
use utoo_install::{InstallSummary, ScriptsNotRun};
use utoo_test::{Pkg, TestContext};

use crate::walk_find;

/// A dependency whose install script runs (`base-dep`) under one that has a postinstall
/// (`app-dep`); both log their name to `order.log` in the project.
pub(crate) fn scripted_packages() -> Vec<Pkg> {
    vec![
        Pkg::new("app-dep", "1.0.0")
            .dep("base-dep", "1")
            .with("scripts", json!({"postinstall": "node -e \"require('fs').appendFileSync(process.env.INIT_CWD + '/order.log', process.env.npm_package_name + '\\n')\""})),
        Pkg::new("base-dep", "1.0.0")
            .with("scripts", json!({"install": "sleep 0.3; node -e \"require('fs').appendFileSync(process.env.INIT_CWD + '/order.log', process.env.npm_package_name + '\\n')\"; echo built > built.txt"})),
    ]
}

/// `allowScripts` that lets both of [`scripted_packages`] run: one by name, one pinned.
pub(crate) fn allow_scripted() -> Value {
    json!({"app-dep": true, "base-dep@1.0.0": true})
}

/// The scripted project with `allow` as its `allowScripts` (none when null) and a root
/// postinstall, which runs whatever the policy says.
async fn scripted_project(allow: Value) -> TestContext {
    let mut package_json = json!({
        "dependencies": {"app-dep": "1"},
        "scripts": {"postinstall": "echo root >> order.log"},
    });
    if !allow.is_null() {
        package_json["allowScripts"] = allow;
    }
    TestContext::new(&scripted_packages(), package_json).await
}

fn order_log(p: &TestContext) -> String {
    std::fs::read_to_string(p.root().join("order.log")).unwrap_or_default()
}

fn not_run(package: &str, script: &str, denied: bool) -> ScriptsNotRun {
    ScriptsNotRun {
        package: package.to_owned(),
        scripts: vec![script.to_owned()],
        denied,
    }
}

fn script_warnings(summary: &InstallSummary) -> Vec<String> {
    let mut messages: Vec<String> = summary
        .warnings
        .iter()
        .filter(|w| w.code == utoo_events::WarningCode::ScriptsNotRun)
        .map(|w| w.message.clone())
        .collect();
    messages.sort();
    messages
}

#[tokio::test]
async fn scripts_run_in_dependency_order_on_private_copies() {
    let p = scripted_project(allow_scripted()).await;
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

#[tokio::test]
async fn failing_script_fails_the_install_and_ignore_scripts_skips_it() {
    let packages = vec![Pkg::new("broken", "1.0.0")
        .with("scripts", json!({"postinstall": "echo kaput >&2; exit 7"}))];
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"broken": "1"}, "allowScripts": {"broken": true}}),
    )
    .await;
    let err = p.install().await.unwrap_err();
    assert_eq!(err.code().as_str(), "ELIFECYCLE");
    let message = err.to_string();
    assert!(
        message.contains("broken@1.0.0") && message.contains("kaput"),
        "{message}"
    );
    // Not marked complete: the next run tries again.
    assert!(!p.root().join("node_modules/.package-lock.json").exists());
    let mut options = p.options();
    options.set("ignore-scripts", true);
    let summary = utoo_install::install(options).await.unwrap();
    assert_eq!(summary.scripts_run, 0);
}

#[tokio::test]
async fn unlisted_dependencies_do_not_run_and_are_reported() {
    let p = scripted_project(Value::Null).await;
    let summary = p.install().await.unwrap();
    // Only the project's own postinstall ran.
    assert_eq!(summary.scripts_run, 1);
    assert_eq!(order_log(&p), "root\n");
    assert!(!p.root().join("node_modules/base-dep/built.txt").exists());
    assert_eq!(
        script_warnings(&summary),
        [
            "scripts not run: app-dep@1.0.0 (postinstall)",
            "scripts not run: base-dep@1.0.0 (install)"
        ]
    );
    let mut skipped = summary.scripts_not_run.clone();
    skipped.sort_by(|a, b| a.package.cmp(&b.package));
    assert_eq!(
        skipped,
        [
            not_run("app-dep@1.0.0", "postinstall", false),
            not_run("base-dep@1.0.0", "install", false)
        ]
    );
    // Still a complete install: the next run is a no-op.
    assert!(p.install().await.unwrap().up_to_date);
}

#[tokio::test]
async fn a_pin_to_another_version_does_not_allow() {
    let p = scripted_project(json!({"app-dep": true, "base-dep@1.0.1": true})).await;
    let summary = p.install().await.unwrap();
    assert_eq!(order_log(&p), "app-dep\nroot\n");
    assert_eq!(
        script_warnings(&summary),
        ["scripts not run: base-dep@1.0.0 (install)"]
    );
    assert_eq!(
        summary.scripts_not_run,
        [not_run("base-dep@1.0.0", "install", false)]
    );
}

#[tokio::test]
async fn false_wins_over_an_allow_and_is_silent() {
    let allow = json!({"app-dep": true, "base-dep@1.0.0": true, "base-dep": false});
    let p = scripted_project(allow).await;
    let summary = p.install().await.unwrap();
    assert_eq!(order_log(&p), "app-dep\nroot\n");
    assert!(script_warnings(&summary).is_empty(), "{summary:?}");
    assert_eq!(
        summary.scripts_not_run,
        [not_run("base-dep@1.0.0", "install", true)]
    );
}

/// The `allow-scripts` config list is the policy when package.json has none; npm 12 takes the
/// first layer that says anything, whole, so a package.json `allowScripts` hides it.
#[tokio::test]
async fn the_allow_scripts_config_list_is_read_only_without_a_package_json_policy() {
    let p = scripted_project(Value::Null).await;
    std::fs::write(p.root().join(".npmrc"), "allow-scripts=app-dep,base-dep\n").unwrap();
    let summary = p.install().await.unwrap();
    assert!(
        summary.scripts_not_run.is_empty(),
        "{:?}",
        summary.scripts_not_run
    );
    assert!(order_log(&p).contains("app-dep"), "{}", order_log(&p));

    let p = scripted_project(json!({"base-dep": false})).await;
    std::fs::write(p.root().join(".npmrc"), "allow-scripts=app-dep,base-dep\n").unwrap();
    let summary = p.install().await.unwrap();
    assert_eq!(order_log(&p), "root\n");
    assert_eq!(
        summary.scripts_not_run,
        [
            not_run("app-dep@1.0.0", "postinstall", false),
            not_run("base-dep@1.0.0", "install", true)
        ]
    );
}

#[tokio::test]
async fn dangerously_allow_all_scripts_is_npm_11() {
    let p = scripted_project(json!({"base-dep": false})).await;
    let mut options = p.options();
    options.set("dangerously-allow-all-scripts", true);
    let summary = utoo_install::install(options).await.unwrap();
    assert_eq!(summary.scripts_run, 3);
    assert_eq!(order_log(&p), "base-dep\napp-dep\nroot\n");
    assert!(summary.scripts_not_run.is_empty());
    assert!(script_warnings(&summary).is_empty());
}

#[tokio::test]
async fn rebuild_runs_the_allowed_scripts_again_in_order() {
    let p = scripted_project(allow_scripted()).await;
    p.install().await.unwrap();
    std::fs::remove_file(p.root().join("order.log")).unwrap();
    std::fs::remove_file(p.root().join("node_modules/base-dep/built.txt")).unwrap();
    let summary = utoo_install::rebuild(p.options(), Vec::new())
        .await
        .unwrap();
    // Dependencies only, dependencies first; the project's own scripts are not rebuilt.
    assert_eq!(summary.scripts_run, 2);
    assert_eq!(order_log(&p), "base-dep\napp-dep\n");
    assert!(p.root().join("node_modules/base-dep/built.txt").is_file());
}

#[tokio::test]
async fn rebuild_by_name_selects_but_does_not_approve() {
    let p = scripted_project(Value::Null).await;
    p.install().await.unwrap();
    std::fs::remove_file(p.root().join("order.log")).unwrap();
    let names = vec!["base-dep".to_owned()];
    let refused = utoo_install::rebuild(p.options(), names.clone())
        .await
        .unwrap();
    assert_eq!(refused.scripts_run, 0);
    assert_eq!(
        refused.scripts_not_run,
        [not_run("base-dep@1.0.0", "install", false)]
    );
    let mut package_json = p.package_json();
    package_json["allowScripts"] = json!({"base-dep": true});
    p.write_package_json(package_json);
    let summary = utoo_install::rebuild(p.options(), names).await.unwrap();
    assert_eq!(summary.scripts_run, 1);
    assert_eq!(order_log(&p), "base-dep\n");
    assert!(p.root().join("node_modules/base-dep/built.txt").is_file());
    assert!(summary.scripts_not_run.is_empty());
}

/// A `binding.gyp` and no install script: npm's implicit `node-gyp rebuild`, which the policy
/// gates like any install script. The `node-gyp` here is a fixture bin that leaves a file.
fn gyp_packages() -> Vec<Pkg> {
    vec![
        Pkg::new("native", "1.0.0")
            .with("hasInstallScript", json!(true))
            .file("binding.gyp", "{}", false),
        Pkg::new("fake-gyp", "1.0.0")
            .with("bin", json!({"node-gyp": "gyp.js"}))
            .file(
                "gyp.js",
                "#!/usr/bin/env node\nrequire('fs').writeFileSync('gyp-ran', process.argv[2])\n",
                true,
            ),
    ]
}

#[tokio::test]
async fn the_implicit_node_gyp_rebuild_follows_the_policy() {
    let deps = json!({"native": "1", "fake-gyp": "1"});
    let p = TestContext::new(&gyp_packages(), json!({"dependencies": deps})).await;
    let summary = p.install().await.unwrap();
    assert_eq!(
        script_warnings(&summary),
        ["scripts not run: native@1.0.0 (install)"]
    );
    assert!(!p.root().join("node_modules/native/gyp-ran").exists());

    let allowed = json!({"dependencies": deps, "allowScripts": {"native": true}});
    let p = TestContext::new(&gyp_packages(), allowed).await;
    let summary = p.install().await.unwrap();
    assert!(summary.scripts_not_run.is_empty());
    let ran = std::fs::read_to_string(p.root().join("node_modules/native/gyp-ran")).unwrap();
    assert_eq!(ran, "rebuild");
}
