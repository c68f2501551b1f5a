//! The real binary against the loopback registry: exit codes, and snapshots of what it
//! prints (exit code, stdout, stderr; temp paths, the port and timings redacted).

use std::process::{Command, Output};

use insta::assert_snapshot;
use serde_json::json;
use utoo_test::{Pkg, TestContext};

fn utoo(ctx: &TestContext, args: &[&str]) -> Output {
    ctx.command(env!("CARGO_BIN_EXE_utoo"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn packages() -> Vec<Pkg> {
    vec![Pkg::new("dep", "1.2.3").with("bin", json!("cli.js")).file(
        "cli.js",
        "#!/bin/sh\necho dep-cli-ran\n",
        false,
    )]
}

/// `top` and a dependency of its own (two versions published, the newest picked).
fn two_packages() -> Vec<Pkg> {
    vec![
        Pkg::new("top", "1.0.0").dep("leaf", "^1"),
        Pkg::new("leaf", "1.0.0"),
        Pkg::new("leaf", "1.1.0"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_help_and_install() {
    let ctx = TestContext::without_package_json(&packages()).await;
    let registry = ctx.registry.url();

    let help = utoo(&ctx, &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
    let version = utoo(&ctx, &["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
    assert_eq!(utoo(&ctx, &["--no-such-flag"]).status.code(), Some(2));

    let no_project = utoo(&ctx, &["install", "--registry", &registry]);
    assert_eq!(no_project.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_project.stderr).contains("error[ENOPACKAGEJSON]"));

    std::fs::write(
        ctx.root().join("package.json"),
        r#"{"name":"p","version":"1.0.0"}"#,
    )
    .unwrap();
    let add = utoo(
        &ctx,
        &["add", "dep", "--registry", &registry, "--reporter", "plain"],
    );
    assert_eq!(
        add.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let stderr = String::from_utf8_lossy(&add.stderr);
    assert!(stderr.contains("\nadded 1 package in "), "{stderr}");
    let bin = Command::new(ctx.root().join("node_modules/.bin/dep"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&bin.stdout).trim(), "dep-cli-ran");

    let ndjson = utoo(
        &ctx,
        &["install", "--registry", &registry, "--reporter", "ndjson"],
    );
    let last = String::from_utf8_lossy(&ndjson.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let summary: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(summary["summary"]["upToDate"], true);

    let lockfile_only = utoo(
        &ctx,
        &["install", "--lockfile-only", "--registry", &registry],
    );
    assert_eq!(lockfile_only.status.code(), Some(0));
    let remove = utoo(&ctx, &["remove", "dep", "--registry", &registry]);
    assert_eq!(remove.status.code(), Some(0));
    assert!(!ctx.root().join("node_modules/dep").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_install_then_noop() {
    let ctx = TestContext::new(&two_packages(), json!({"dependencies": {"top": "1"}})).await;
    assert_snapshot!("install", ctx.render_output(&utoo(&ctx, &["install"])));
    assert_snapshot!("noop", ctx.render_output(&utoo(&ctx, &["install"])));
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_add_with_plain_reporter() {
    let ctx = TestContext::new(&packages(), json!({})).await;
    let add = utoo(&ctx, &["add", "dep", "--reporter", "plain"]);
    assert_snapshot!(ctx.render_output(&add));
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_ndjson_first_lines() {
    let ctx = TestContext::new(&two_packages(), json!({"dependencies": {"top": "1"}})).await;
    let mut output = utoo(&ctx, &["install", "--reporter", "ndjson"]);
    // The resolve phase and the start of fetch and link; later lines interleave the
    // packages' fetches in whatever order they finish.
    let first: Vec<&str> = std::str::from_utf8(&output.stdout)
        .unwrap()
        .lines()
        .take(7)
        .collect();
    output.stdout = (first.join("\n") + "\n").into_bytes();
    assert_snapshot!(ctx.render_output(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_usage_error() {
    let ctx = TestContext::without_package_json(&[]).await;
    assert_snapshot!(ctx.render_output(&utoo(&ctx, &["--no-such-flag"])));
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_install_error() {
    let ctx = TestContext::new(&two_packages(), json!({"dependencies": {"top": "^9"}})).await;
    assert_snapshot!(ctx.render_output(&utoo(&ctx, &["install"])));
}

/// A registry that refuses connections: the chain reaches the OS error, after the retries.
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_connection_refused() {
    let ctx = TestContext::new(&packages(), json!({"dependencies": {"dep": "^1"}})).await;
    ctx.registry.stop().await;
    assert_snapshot!(ctx.render_output(&utoo(&ctx, &["install"])));
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_missing_package() {
    let ctx = TestContext::new(&packages(), json!({"dependencies": {"nope": "1.0.0"}})).await;
    assert_snapshot!(ctx.render_output(&utoo(&ctx, &["install"])));
}

/// The project pins `host@^1` and depends on a plugin that peers `host@^2`.
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_peer_conflict() {
    let ctx = TestContext::new(
        &[
            Pkg::new("plugin", "1.0.0").add_to("peerDependencies", "host", "^2"),
            Pkg::new("host", "1.0.0"),
            Pkg::new("host", "2.0.0"),
        ],
        json!({"dependencies": {"plugin": "1", "host": "^1"}}),
    )
    .await;
    assert_snapshot!(ctx.render_output(&utoo(&ctx, &["install"])));
}

/// With `--reporter ndjson` the failure is the stream's last line, as the summary would be.
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_ndjson_error() {
    let ctx = TestContext::new(&packages(), json!({"dependencies": {"nope": "1.0.0"}})).await;
    let mut output = utoo(&ctx, &["install", "--reporter", "ndjson"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    output.stdout = (serde_json::to_string_pretty(&last).unwrap() + "\n").into_bytes();
    assert_snapshot!(ctx.render_output(&output));
}

/// `--json` is npm's: one JSON object on stdout and nothing else, the summary or `{ error }`;
/// `--silent` prints nothing on success; `--verbose` prints a line per step.
#[tokio::test(flavor = "multi_thread")]
async fn json_silent_and_verbose() {
    let ctx = TestContext::new(&packages(), json!({"dependencies": {"nope": "1.0.0"}})).await;
    let failed = utoo(&ctx, &["install", "--json"]);
    assert_eq!(failed.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&failed.stdout).expect("one JSON object");
    assert_eq!(error["error"]["code"], "E404", "{error}");
    ctx.write_package_json(json!({"dependencies": {"dep": "^1"}}));
    let ok = utoo(&ctx, &["install", "--json"]);
    assert_eq!(ok.status.code(), Some(0), "{}", ctx.render_output(&ok));
    let summary: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("one JSON object");
    assert!(summary["packages"].as_u64().unwrap() >= 1, "{summary}");
    std::fs::remove_dir_all(ctx.root().join("node_modules")).unwrap();
    let silent = utoo(&ctx, &["install", "--silent"]);
    assert_eq!(silent.status.code(), Some(0));
    assert!(
        silent.stdout.is_empty() && silent.stderr.is_empty(),
        "{}",
        ctx.render_output(&silent)
    );
    std::fs::remove_dir_all(ctx.root().join("node_modules")).unwrap();
    let verbose = utoo(&ctx, &["install", "--verbose"]);
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(
        stderr.contains("resolve done") && stderr.contains("\nadded 1 package in "),
        "{stderr}"
    );
    // The breakdown is --verbose's alone.
    assert!(
        stderr.contains("1 in the tree: 0 downloaded, 1 from cache; resolve "),
        "{stderr}"
    );
    std::fs::remove_dir_all(ctx.root().join("node_modules")).unwrap();
    let normal = utoo(&ctx, &["install", "--reporter", "plain"]);
    assert!(!String::from_utf8_lossy(&normal.stderr).contains("from cache"));
}

/// Warnings wait for the end of the run: after the phase lines, grouped by code, each once,
/// before npm's summary line (or the error, when the run failed).
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_warnings_grouped_at_the_end() {
    let old = |name: &str| Pkg::new(name, "1.0.0").with("deprecated", json!("use something else"));
    let ctx = TestContext::new(
        &[
            old("old-a").dep("built", "1"),
            old("old-b"),
            Pkg::new("built", "1.0.0").with("scripts", json!({"install": "echo x > x.txt"})),
            old("old-c").dep("nope", "1"),
        ],
        json!({"dependencies": {"old-a": "1", "old-b": "1"}}),
    )
    .await;
    let ok = utoo(&ctx, &["install", "--reporter", "plain"]);
    assert_snapshot!("warnings_success", ctx.render_output(&ok));
    ctx.write_package_json(json!({"dependencies": {"old-c": "1"}}));
    let failed = utoo(&ctx, &["install", "--reporter", "plain"]);
    assert_snapshot!("warnings_failure", ctx.render_output(&failed));
}

/// An absent `--legacy-peer-deps` leaves the project's `.npmrc` in force; a given
/// `--legacy-peer-deps=false` beats it.
#[tokio::test(flavor = "multi_thread")]
async fn an_absent_flag_does_not_override_the_project_npmrc() {
    let packages = vec![
        Pkg::new("host", "1.0.0"),
        Pkg::new("host", "2.0.0"),
        Pkg::new("plugin", "1.0.0").add_to("peerDependencies", "host", "^2"),
    ];
    let ctx = TestContext::new(
        &packages,
        json!({"dependencies": {"host": "^1", "plugin": "^1"}}),
    )
    .await;
    std::fs::write(ctx.root().join(".npmrc"), "legacy-peer-deps=true\n").unwrap();
    let forced_off = utoo(
        &ctx,
        &[
            "install",
            "--legacy-peer-deps=false",
            "--reporter",
            "silent",
        ],
    );
    assert_eq!(forced_off.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&forced_off.stderr).contains("ERESOLVE"));
    let install = utoo(&ctx, &["install", "--reporter", "silent"]);
    assert_eq!(
        install.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    assert!(ctx.root().join("node_modules/plugin").is_dir());
}

/// With every log on, a configured token still appears nowhere in what the binary prints.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_never_reaches_logs_or_output() {
    const TOKEN: &str = "npm_L0G-secret-77c1";
    let ctx = TestContext::new(&two_packages(), json!({"dependencies": {"top": "^1"}})).await;
    let nerf_dart = ctx.registry.url().trim_start_matches("http:").to_owned();
    std::fs::write(
        ctx.root().join(".npmrc"),
        format!("{nerf_dart}:_authToken={TOKEN}\n"),
    )
    .unwrap();
    for reporter in ["plain", "ndjson"] {
        let _ = std::fs::remove_dir_all(ctx.root().join("node_modules"));
        let output = ctx
            .command(env!("CARGO_BIN_EXE_utoo"))
            .args(["install", "--reporter", reporter])
            .env("UTOO_LOG", "trace")
            .output()
            .expect("the binary runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            ctx.render_output(&output)
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(text.contains("read npmrc"), "logs were on: {text}");
        assert!(
            !text.contains(TOKEN),
            "the token leaked with --reporter {reporter}"
        );
    }
    let seen = ctx.registry.authorizations();
    assert!(seen
        .iter()
        .any(|(_, a)| a.as_deref() == Some(&*format!("Bearer {TOKEN}"))));
}

/// `rebuild` runs an allowed dependency's install script again; an unlisted one is named in
/// a warning and the command still succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn rebuild_honours_allow_scripts() {
    let packages = vec![
        Pkg::new("built", "1.0.0").with("scripts", json!({"install": "echo x > built.txt"})),
        Pkg::new("unlisted", "1.0.0").with("scripts", json!({"install": "echo x > built.txt"})),
    ];
    let ctx = TestContext::new(
        &packages,
        json!({"dependencies": {"built": "1", "unlisted": "1"}, "allowScripts": {"built": true}}),
    )
    .await;
    let install = utoo(&ctx, &["install", "--reporter", "plain"]);
    assert_eq!(install.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&install.stderr)
        .contains("warn ESCRIPTSNOTRUN scripts not run: unlisted@1.0.0 (install)"));
    let built = ctx.root().join("node_modules/built/built.txt");
    std::fs::remove_file(&built).unwrap();
    let rebuild = utoo(&ctx, &["rebuild", "--reporter", "plain"]);
    assert_eq!(
        rebuild.status.code(),
        Some(0),
        "{}",
        ctx.render_output(&rebuild)
    );
    assert!(built.is_file());
    assert!(!ctx.root().join("node_modules/unlisted/built.txt").exists());
    let stderr = String::from_utf8_lossy(&rebuild.stderr);
    assert!(
        stderr.contains("scripts not run: unlisted@1.0.0 (install)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rebuilt dependencies successfully"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workspace_flags_as_npm_spells_them() {
    let ctx = TestContext::new(
        &two_packages(),
        json!({"name": "root", "workspaces": ["packages/*"], "dependencies": {"leaf": "1.0.0"}}),
    )
    .await;
    for (folder, name) in [("packages/a", "a"), ("packages/b", "b")] {
        let dir = ctx.root().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("package.json"),
            json!({"name": name, "version": "1.0.0"}).to_string(),
        )
        .unwrap();
    }
    let registry = ctx.registry.url();
    let add = utoo(&ctx, &["add", "-w", "b", "top", "--registry", &registry]);
    assert_eq!(add.status.code(), Some(0), "{}", ctx.render_output(&add));
    let member = std::fs::read_to_string(ctx.root().join("packages/b/package.json")).unwrap();
    assert!(member.contains("\"top\": \"^1.0.0\""), "{member}");
    assert!(!std::fs::read_to_string(ctx.root().join("package.json"))
        .unwrap()
        .contains("top"));

    // `-ws` is `--workspaces` (to clap it would be `-w s`): every member and what they reach.
    std::fs::remove_dir_all(ctx.root().join("node_modules")).unwrap();
    let all = utoo(&ctx, &["install", "-ws", "--registry", &registry]);
    assert_eq!(all.status.code(), Some(0), "{}", ctx.render_output(&all));
    assert!(ctx.root().join("node_modules/a").is_symlink());
    assert_eq!(
        ctx.installed_version("node_modules/top").as_deref(),
        Some("1.0.0")
    );

    let none = utoo(&ctx, &["install", "-w", "nope", "--registry", &registry]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("error[EWORKSPACES]"));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_moves_named_packages_to_the_newest_allowed_and_keeps_package_json() {
    let ctx = TestContext::new(
        &[
            Pkg::new("top", "1.0.0").dep("leaf", "^1"),
            Pkg::new("leaf", "1.0.0"),
            Pkg::new("solo", "1.0.0"),
        ],
        json!({"dependencies": {"top": "^1.0.0", "solo": "^1.0.0"}}),
    )
    .await;
    let registry = ctx.registry.url();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--registry", &registry, "--reporter", "silent"]);
        let out = utoo(&ctx, &all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["install"]);
    let package_json = std::fs::read_to_string(ctx.root().join("package.json")).unwrap();
    ctx.registry.publish(&[
        Pkg::new("leaf", "1.1.0"),
        Pkg::new("leaf", "2.0.0"),
        Pkg::new("solo", "1.1.0"),
    ]);
    let versions = || {
        let lock = ctx.lockfile();
        ["leaf", "solo"].map(|n| lock["packages"][format!("node_modules/{n}")]["version"].clone())
    };
    run(&["install"]);
    assert_eq!(
        versions(),
        [json!("1.0.0"), json!("1.0.0")],
        "install keeps the pins"
    );
    // A transitive dependency, by name: within its dependent's range, nothing else moves.
    run(&["update", "leaf"]);
    assert_eq!(versions(), [json!("1.1.0"), json!("1.0.0")]);
    assert_eq!(
        ctx.installed_version("node_modules/leaf").as_deref(),
        Some("1.1.0")
    );
    // No names: everything.
    run(&["update"]);
    assert_eq!(versions(), [json!("1.1.0"), json!("1.1.0")]);
    assert_eq!(
        ctx.installed_version("node_modules/solo").as_deref(),
        Some("1.1.0")
    );
    assert_eq!(
        std::fs::read_to_string(ctx.root().join("package.json")).unwrap(),
        package_json,
        "npm's update does not save"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_remote_as_a_flag_as_npm_12_spells_it() {
    let remote = Pkg::new("rem", "1.0.0");
    let host = utoo_test::Registry::start(std::slice::from_ref(&remote)).await;
    let url = format!("{}rem/-/rem-1.0.0.tgz", host.url());
    let ctx = TestContext::new(&[], json!({"dependencies": {"rem": url}})).await;
    let registry = ctx.registry.url();
    let refused = utoo(&ctx, &["install", "--registry", &registry]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("error[EALLOWREMOTE]"));
    let allowed = utoo(
        &ctx,
        &["install", "--allow-remote=root", "--registry", &registry],
    );
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "{}",
        ctx.render_output(&allowed)
    );
    assert_eq!(
        ctx.installed_version("node_modules/rem").as_deref(),
        Some("1.0.0")
    );
    assert_eq!(
        utoo(&ctx, &["install", "--allow-git=some"]).status.code(),
        Some(2)
    );
}

/// A misspelt flag or command exits 2 and names the closest one.
#[tokio::test(flavor = "multi_thread")]
async fn typos_exit_2_with_the_closest_spelling() {
    let ctx = TestContext::new(&packages(), json!({})).await;
    let flag = utoo(&ctx, &["install", "--legacy-peer-dep"]);
    assert_eq!(flag.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&flag.stderr)
        .contains("similar argument exists: '--legacy-peer-deps'"));
    let command = utoo(&ctx, &["outdatd"]);
    assert_eq!(command.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&command.stderr).contains("'outdated'"));
}

/// The human output (plain lines, npm's summary) and exit code of each installing command,
/// in one transcript on a fixed fixture: install, update, dedupe, remove, ci, rebuild.
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_each_installing_command() {
    let packages = vec![
        Pkg::new("top", "1.0.0").dep("leaf", "^1"),
        Pkg::new("leaf", "1.0.0"),
        Pkg::new("leaf", "1.1.0"),
        Pkg::new("other", "1.0.0").dep("leaf", "1.0.0"),
    ];
    let ctx = TestContext::new(
        &packages,
        json!({"dependencies": {"top": "1", "leaf": "1.0.0"}}),
    )
    .await;
    let mut transcript = String::new();
    let mut step = |args: &[&str]| {
        let mut full = args.to_vec();
        full.extend(["--reporter", "plain"]);
        transcript.push_str(&format!("$ utoo {}\n", args.join(" ")));
        transcript.push_str(&ctx.render_output(&utoo(&ctx, &full)));
        transcript.push('\n');
    };
    step(&["install"]);
    // The root's pin goes; leaf may move to 1.1.0 now.
    ctx.write_package_json(json!({"dependencies": {"top": "1", "other": "1"}}));
    step(&["install"]);
    step(&["update", "leaf"]);
    step(&["dedupe"]);
    step(&["remove", "other"]);
    step(&["ci"]);
    step(&["rebuild"]);
    assert_snapshot!(transcript);
}
