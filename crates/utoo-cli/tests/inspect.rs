//! The read-only commands against a project the real binary installed: `ls` (human, JSON,
//! depths, names, problems) and `why`, snapshotted with their exit codes.

use std::process::Output;

use insta::assert_snapshot;
use serde_json::{json, Value};
use utoo_test::{Pkg, TestContext};

fn utoo(ctx: &TestContext, args: &[&str]) -> Output {
    ctx.command(env!("CARGO_BIN_EXE_utoo"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A plain install of the fixture, which every case here starts from.
fn install(ctx: &TestContext) {
    let install = utoo(ctx, &["install", "--reporter", "silent"]);
    assert_eq!(
        install.status.code(),
        Some(0),
        "{}",
        ctx.render_output(&install)
    );
}

/// `left` and `tool` share the hoisted `shared@1`, `right` nests `shared@2`; `tool` is a
/// dev dependency.
async fn installed() -> TestContext {
    let packages = vec![
        Pkg::new("left", "1.0.0").dep("shared", "^1"),
        Pkg::new("right", "1.0.0").dep("shared", "^2"),
        Pkg::new("tool", "1.0.0").dep("shared", "^1"),
        Pkg::new("shared", "1.0.0"),
        Pkg::new("shared", "2.0.0"),
    ];
    let ctx = TestContext::new(
        &packages,
        json!({
            "dependencies": {"left": "^1", "right": "^1"},
            "devDependencies": {"tool": "^1"},
        }),
    )
    .await;
    install(&ctx);
    ctx
}

#[tokio::test(flavor = "multi_thread")]
async fn ls_top_level_all_and_depth() {
    let ctx = installed().await;
    assert_snapshot!("ls", ctx.render_output(&utoo(&ctx, &["ls"])));
    assert_snapshot!("ls_all", ctx.render_output(&utoo(&ctx, &["ls", "--all"])));
    let depth = utoo(&ctx, &["ls", "--depth", "1"]);
    assert_eq!(depth.stdout, utoo(&ctx, &["ls", "-a"]).stdout);
    assert_snapshot!(
        "ls_named",
        ctx.render_output(&utoo(&ctx, &["ls", "shared"]))
    );
    let absent = utoo(&ctx, &["ls", "nothing-here"]);
    assert_eq!(absent.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn ls_json_parses_like_npm() {
    let ctx = installed().await;
    let output = utoo(&ctx, &["ls", "--all", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let tree: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(tree["name"], "test-app");
    assert_eq!(tree["version"], "1.0.0");
    assert_eq!(
        tree["dependencies"]["right"]["dependencies"]["shared"]["version"],
        "2.0.0"
    );
    assert_snapshot!("ls_json", ctx.render_output(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn ls_reports_missing_invalid_and_extraneous_and_exits_1() {
    let ctx = installed().await;
    let modules = ctx.root().join("node_modules");
    std::fs::remove_dir_all(modules.join("tool")).unwrap();
    std::fs::write(
        modules.join("left/package.json"),
        r#"{"name":"left","version":"2.0.0","dependencies":{"shared":"^1"}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(modules.join("stray")).unwrap();
    std::fs::write(
        modules.join("stray/package.json"),
        r#"{"name":"stray","version":"0.1.0"}"#,
    )
    .unwrap();
    assert_snapshot!("ls_problems", ctx.render_output(&utoo(&ctx, &["ls"])));
    let json = utoo(&ctx, &["ls", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let tree: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(tree["error"]["code"], "ELSPROBLEMS");
    assert_eq!(tree["dependencies"]["tool"]["missing"], true);
    assert_eq!(tree["dependencies"]["stray"]["extraneous"], true);
    assert_eq!(
        tree["dependencies"]["left"]["invalid"],
        "\"^1\" from the root project"
    );
    assert_snapshot!("ls_problems_json", ctx.render_output(&json));
}

#[tokio::test(flavor = "multi_thread")]
async fn why_explains_every_copy() {
    let ctx = installed().await;
    assert_snapshot!("why", ctx.render_output(&utoo(&ctx, &["why", "shared"])));
    let pinned = utoo(&ctx, &["why", "shared@2", "--json"]);
    assert_eq!(pinned.status.code(), Some(0));
    let found: Value = serde_json::from_slice(&pinned.stdout).unwrap();
    assert_eq!(
        found[0]["location"],
        "node_modules/right/node_modules/shared"
    );
    assert_eq!(found[0]["dependents"][0]["from"]["name"], "right");
    assert_snapshot!("why_json", ctx.render_output(&pinned));
    let none = utoo(&ctx, &["why", "nothing-here"]);
    assert_eq!(none.status.code(), Some(1));
    assert_snapshot!("why_none", ctx.render_output(&none));
}

/// npm 12's script review: the pending list, an approval pinned to the installed version, a
/// deny that wins over a later approval; each output and exit code snapshotted.
#[tokio::test(flavor = "multi_thread")]
async fn approve_and_deny_scripts() {
    let hook = json!({"postinstall": "node -e 0"});
    let packages = vec![
        Pkg::new("hooked", "1.0.0").with("scripts", hook.clone()),
        Pkg::new("gated", "1.0.0").with("scripts", hook),
        Pkg::new("plain", "1.0.0"),
    ];
    let ctx = TestContext::new(
        &packages,
        json!({"dependencies": {"hooked": "1", "gated": "1", "plain": "1"}}),
    )
    .await;
    install(&ctx);
    let steps: [&[&str]; 5] = [
        &["install-scripts", "ls"],
        &["approve-scripts", "hooked"],
        &["deny-scripts", "gated"],
        &["approve-scripts", "gated"],
        &["approve-scripts", "--all", "--json"],
    ];
    let mut transcript = String::new();
    for args in steps {
        transcript.push_str(&format!("$ utoo {}\n", args.join(" ")));
        transcript.push_str(&ctx.render_output(&utoo(&ctx, args)));
        transcript.push('\n');
    }
    assert_snapshot!("review_scripts", transcript);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(ctx.root().join("package.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["allowScripts"],
        json!({"hooked@1.0.0": true, "gated": false})
    );
}

/// `outdated` after package.json widened a pin: npm's table and JSON, exit 1; a package
/// that is up to date: no output, exit 0.
#[tokio::test(flavor = "multi_thread")]
async fn outdated_table_json_and_exit_codes() {
    let packages = vec![
        Pkg::new("stale", "1.0.0"),
        Pkg::new("stale", "1.1.0"),
        Pkg::new("stale", "2.0.0"),
        Pkg::new("fresh", "1.0.0"),
    ];
    let ctx = TestContext::new(
        &packages,
        json!({"name": "app", "dependencies": {"stale": "1.0.0", "fresh": "1"}}),
    )
    .await;
    install(&ctx);
    let clean = utoo(&ctx, &["outdated", "fresh"]);
    assert_eq!((clean.status.code(), clean.stdout.len()), (Some(0), 0));
    ctx.write_package_json(json!({"name": "app", "dependencies": {"stale": "^1", "fresh": "1"}}));
    let mut transcript = ctx.render_output(&utoo(&ctx, &["outdated"]));
    transcript.push_str(&ctx.render_output(&utoo(&ctx, &["outdated", "--json"])));
    assert_snapshot!("outdated", transcript);
}
