//! npm's configuration chain applied to the install: a project's `.npmrc` means what the
//! same key on the command line means; credentials stay with their registry.

use serde_json::json;
use utoo_test::{Fault, Pkg, Registry, TestContext};

/// The project pins `host@^1` and depends on a plugin that peers on `host@^2`: npm's
/// ERESOLVE, unless peers are ignored.
fn peer_conflict() -> (Vec<Pkg>, serde_json::Value) {
    let packages = vec![
        Pkg::new("host", "1.0.0"),
        Pkg::new("host", "2.0.0"),
        Pkg::new("plugin", "1.0.0").add_to("peerDependencies", "host", "^2"),
    ];
    let package_json = json!({"dependencies": {"host": "^1", "plugin": "^1"}});
    (packages, package_json)
}

#[tokio::test]
async fn project_npmrc_legacy_peer_deps_is_applied() {
    let (packages, package_json) = peer_conflict();
    let p = TestContext::new(&packages, package_json).await;
    let err = p.install().await.unwrap_err();
    assert_eq!(err.code().as_str(), "ERESOLVE", "{err}");

    std::fs::write(p.root().join(".npmrc"), "legacy-peer-deps=true\n").unwrap();
    let summary = p.install().await.unwrap();
    assert_eq!(summary.packages, 2);
    assert_eq!(
        p.installed_version("node_modules/host").as_deref(),
        Some("1.0.0")
    );
    assert_eq!(
        p.installed_version("node_modules/plugin").as_deref(),
        Some("1.0.0")
    );
}

#[tokio::test]
async fn an_option_set_to_false_beats_the_project_npmrc() {
    let (packages, package_json) = peer_conflict();
    let p = TestContext::new(&packages, package_json).await;
    std::fs::write(p.root().join(".npmrc"), "legacy-peer-deps=true\n").unwrap();
    let mut options = p.options();
    options
        .config
        .insert("legacy-peer-deps".into(), "false".into());
    let err = utoo_install::install(options).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ERESOLVE");
}

fn dev_project() -> (Vec<Pkg>, serde_json::Value) {
    let packages = vec![
        Pkg::new("prod-a", "1.0.0").dep("shared", "^1"),
        Pkg::new("shared", "1.0.0"),
        Pkg::new("dev-b", "1.0.0")
            .dep("dev-c", "^1")
            .dep("shared", "^1")
            .with("bin", json!({"dev-b": "cli.js"}))
            .file("cli.js", "#!/usr/bin/env node\n", false),
        Pkg::new("dev-c", "1.0.0"),
        Pkg::new("opt-d", "1.0.0"),
    ];
    let package_json = json!({
        "dependencies": {"prod-a": "^1"},
        "devDependencies": {"dev-b": "^1"},
        "optionalDependencies": {"opt-d": "^1"},
    });
    (packages, package_json)
}

#[tokio::test]
async fn omit_dev_keeps_dev_packages_off_disk_and_in_the_lockfile() {
    let (packages, package_json) = dev_project();
    let p = TestContext::new(&packages, package_json).await;
    let mut options = p.options();
    options.config.insert("omit".into(), "dev".into());
    utoo_install::install(options).await.unwrap();

    for path in [
        "node_modules/prod-a",
        "node_modules/shared",
        "node_modules/opt-d",
    ] {
        assert!(p.root().join(path).is_dir(), "{path} installed");
    }
    for path in [
        "node_modules/dev-b",
        "node_modules/dev-c",
        "node_modules/.bin/dev-b",
    ] {
        assert!(!p.root().join(path).exists(), "{path} omitted");
    }
    let lock = p.lockfile();
    assert_eq!(lock["packages"]["node_modules/dev-b"]["dev"], json!(true));
    assert_eq!(lock["packages"]["node_modules/dev-c"]["dev"], json!(true));
    assert!(lock["packages"]["node_modules/shared"].get("dev").is_none());
    let hidden = std::fs::read_to_string(p.root().join("node_modules/.package-lock.json")).unwrap();
    assert!(
        !hidden.contains("dev-b"),
        "the hidden lockfile lists what is on disk"
    );

    // Without the omit, the next install places them.
    p.install().await.unwrap();
    assert!(p.root().join("node_modules/dev-b").is_dir());
    assert!(p.root().join("node_modules/dev-c").is_dir());

    // `production=true` in the project .npmrc omits dev again (and removes it), and
    // `include=dev` cancels that.
    std::fs::write(p.root().join(".npmrc"), "production=true\n").unwrap();
    p.install().await.unwrap();
    assert!(!p.root().join("node_modules/dev-b").exists());
    std::fs::write(p.root().join(".npmrc"), "omit=dev\ninclude=dev\n").unwrap();
    p.install().await.unwrap();
    assert!(p.root().join("node_modules/dev-b").is_dir());
}

#[tokio::test]
async fn omit_optional_and_peer() {
    let packages = vec![
        Pkg::new("opt", "1.0.0"),
        Pkg::new("needs-peer", "1.0.0").add_to("peerDependencies", "the-peer", "^1"),
        Pkg::new("the-peer", "1.0.0"),
    ];
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"needs-peer": "^1"}, "optionalDependencies": {"opt": "^1"}}),
    )
    .await;
    let mut options = p.options();
    options
        .config
        .insert("omit".into(), "optional\n\npeer".into());
    utoo_install::install(options).await.unwrap();
    assert!(p.root().join("node_modules/needs-peer").is_dir());
    assert!(!p.root().join("node_modules/opt").exists());
    assert!(!p.root().join("node_modules/the-peer").exists());
    let lock = p.lockfile();
    assert_eq!(
        lock["packages"]["node_modules/opt"]["optional"],
        json!(true)
    );
    assert_eq!(
        lock["packages"]["node_modules/the-peer"]["peer"],
        json!(true)
    );
}

const TOKEN: &str = "npm_SECRET-t0ken-4f2a";

/// The token is sent to the registry it is configured for and to nothing else: not to a
/// tarball host on another port, and it appears in no output.
#[tokio::test]
async fn a_token_goes_only_to_its_registry_and_is_never_shown() {
    let packages = vec![
        Pkg::new("a", "1.0.0").dep("b", "^1"),
        Pkg::new("b", "1.0.0"),
    ];
    let p = TestContext::new(&packages, json!({"dependencies": {"a": "^1"}})).await;
    let tarballs = Registry::start(&packages).await;
    p.registry.serve_tarballs_from(&tarballs);
    p.registry.publish(&packages);
    let options = crate::options_with_registry_token(&p, TOKEN);
    let summary = utoo_install::install(options.clone()).await.unwrap();

    let bearer = format!("Bearer {TOKEN}");
    let seen = p.registry.authorizations();
    assert!(!seen.is_empty());
    for (path, auth) in &seen {
        assert_eq!(auth.as_deref(), Some(bearer.as_str()), "{path}");
    }
    let tarball_requests = tarballs.authorizations();
    assert_eq!(tarball_requests.len(), 2, "{tarball_requests:?}");
    for (path, auth) in &tarball_requests {
        assert_eq!(auth, &None, "no token for {path} on another host");
    }

    assert!(!p.lockfile_text().contains(TOKEN));
    let hidden = std::fs::read_to_string(p.root().join("node_modules/.package-lock.json")).unwrap();
    assert!(!hidden.contains(TOKEN));
    assert!(!serde_json::to_string(&summary).unwrap().contains(TOKEN));
    assert!(!format!("{summary:?}").contains(TOKEN));
    let events = serde_json::to_string(&p.reporter.events()).unwrap();
    assert!(!events.contains(TOKEN));

    // A failure names the URL, never the token.
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    std::fs::remove_dir_all(&p.cache).unwrap();
    tarballs.fault(
        ".tgz",
        Fault::Status {
            status: 403,
            times: 100,
        },
    );
    let err = utoo_install::install(options).await.unwrap_err();
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(
        text.contains("403") || text.contains("a-1.0.0.tgz"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn before_installs_only_what_was_published_by_then() {
    let packages = vec![
        Pkg::new("a", "1.0.0").published("2020-01-01T00:00:00.000Z"),
        Pkg::new("a", "1.1.0").published("2021-06-01T00:00:00.000Z"),
        Pkg::new("a", "2.0.0").published("2022-01-01T00:00:00.000Z"),
    ];
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"a": "^1", "b": "latest"}}),
    )
    .await;
    p.registry.publish(&[
        Pkg::new("b", "1.0.0").published("2020-01-01T00:00:00.000Z"),
        Pkg::new("b", "3.0.0").published("2022-01-01T00:00:00.000Z"),
    ]);
    std::fs::write(p.root().join(".npmrc"), "before=2021-01-01\n").unwrap();
    p.install().await.unwrap();
    assert_eq!(
        p.installed_version("node_modules/a").as_deref(),
        Some("1.0.0")
    );
    // `latest` (3.0.0) is too new: the newest version at or below it that is old enough.
    assert_eq!(
        p.installed_version("node_modules/b").as_deref(),
        Some("1.0.0")
    );
}

#[tokio::test]
async fn engine_strict_fails_where_engines_rule_out_this_node() {
    let packages = vec![Pkg::new("future", "1.0.0").with("engines", json!({"node": ">=99"}))];
    let p = TestContext::new(&packages, json!({"dependencies": {"future": "1"}})).await;
    let mut options = p.options();
    options.node_version = Some("20.0.0".into());
    // Without engine-strict it is a warning.
    utoo_install::install(options.clone()).await.unwrap();
    std::fs::write(p.root().join(".npmrc"), "engine-strict=true\n").unwrap();
    let err = utoo_install::install(options.clone()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "EBADENGINE", "{err}");
    assert!(err.to_string().contains("future@1.0.0"), "{err}");
    options.set("force", true);
    utoo_install::install(options).await.unwrap();
}

#[tokio::test]
async fn package_lock_false_writes_no_lockfile() {
    let p = TestContext::new(
        &[Pkg::new("a", "1.0.0")],
        json!({"dependencies": {"a": "1"}}),
    )
    .await;
    std::fs::write(p.root().join(".npmrc"), "package-lock=false\n").unwrap();
    p.install().await.unwrap();
    assert!(p.root().join("node_modules/a").is_dir());
    assert!(!p.root().join("package-lock.json").exists());
}

#[tokio::test]
async fn package_lock_only_leaves_node_modules_alone() {
    let p = TestContext::new(
        &[Pkg::new("a", "1.0.0")],
        json!({"dependencies": {"a": "1"}}),
    )
    .await;
    std::fs::write(p.root().join(".npmrc"), "package-lock-only=true\n").unwrap();
    p.install().await.unwrap();
    assert!(p.root().join("package-lock.json").exists());
    assert!(!p.root().join("node_modules").exists());
}

#[tokio::test]
async fn save_prefix_and_save_exact_shape_what_add_saves() {
    let packages = vec![Pkg::new("a", "1.2.0"), Pkg::new("b", "2.0.0")];
    let p = TestContext::new(&packages, json!({})).await;
    std::fs::write(p.root().join(".npmrc"), "save-prefix=~\n").unwrap();
    let mut options = p.options();
    options.edit = Some(utoo_install::EditRequest {
        add: vec!["a".into()],
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    assert_eq!(p.package_json()["dependencies"]["a"], json!("~1.2.0"));
    std::fs::write(p.root().join(".npmrc"), "save-exact=true\n").unwrap();
    let mut options = p.options();
    options.edit = Some(utoo_install::EditRequest {
        add: vec!["b".into()],
        ..Default::default()
    });
    utoo_install::install(options).await.unwrap();
    assert_eq!(p.package_json()["dependencies"]["b"], json!("2.0.0"));
}

#[tokio::test]
async fn ignore_scripts_from_the_project_npmrc() {
    let packages = vec![Pkg::new("s", "1.0.0").with(
        "scripts",
        json!({"postinstall": "node -e \"require('fs').writeFileSync('ran', '')\""}),
    )];
    // Allowed, so only ignore-scripts keeps it from running.
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"s": "1"}, "allowScripts": {"s": true}}),
    )
    .await;
    std::fs::write(p.root().join(".npmrc"), "ignore-scripts=true\n").unwrap();
    let summary = p.install().await.unwrap();
    assert_eq!(summary.scripts_run, 0);
    assert!(!p.root().join("node_modules/s/ran").exists());
}

/// The registry named is unreachable; only through the proxy (the loopback registry, which
/// answers absolute-form requests) does the install work. `noproxy` turns it off again.
#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let p = TestContext::new(
        &[Pkg::new("a", "1.0.0")],
        json!({"dependencies": {"a": "1"}}),
    )
    .await;
    std::fs::write(
        p.root().join(".npmrc"),
        format!("proxy={}\nfetch-retries=0\n", p.registry.url()),
    )
    .unwrap();
    let mut options = p.options();
    options.registry = Some("http://127.0.0.1:1/".into());
    // The packument names tarballs on the loopback registry itself; both go via the proxy.
    utoo_install::install(options.clone()).await.unwrap();
    assert!(p.root().join("node_modules/a").is_dir());
    assert!(p.registry.requests().iter().any(|r| r == "/a"));

    std::fs::remove_dir_all(&p.cache).unwrap();
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    std::fs::remove_file(p.root().join("package-lock.json")).unwrap();
    options.set("noproxy", "127.0.0.1");
    utoo_install::install(options).await.unwrap_err();
}

#[tokio::test]
async fn maxsockets_bounds_requests_in_flight() {
    let packages: Vec<Pkg> = (0..6)
        .map(|i| Pkg::new(&format!("p{i}"), "1.0.0"))
        .collect();
    let deps: serde_json::Map<String, serde_json::Value> =
        (0..6).map(|i| (format!("p{i}"), json!("1"))).collect();
    let unbounded = TestContext::new(&packages, json!({ "dependencies": deps.clone() })).await;
    let delay = Fault::Delay(std::time::Duration::from_millis(30));
    unbounded.registry.fault("/p", delay.clone());
    unbounded.install().await.unwrap();
    assert!(unbounded.registry.max_in_flight() > 1, "the test can tell");

    let p = TestContext::new(&packages, json!({ "dependencies": deps })).await;
    p.registry.fault("/p", delay);
    let mut options = p.options();
    options.set("maxsockets", 1);
    utoo_install::install(options).await.unwrap();
    assert_eq!(p.registry.max_in_flight(), 1);
}

/// A lockfile whose `resolved` URLs name a host that is gone: with `replace-registry-host`
/// set to it, tarballs come from the configured registry instead.
#[tokio::test]
async fn replace_registry_host_redirects_locked_tarball_urls() {
    let p = TestContext::new(
        &[Pkg::new("a", "1.0.0")],
        json!({"dependencies": {"a": "1"}}),
    )
    .await;
    p.install().await.unwrap();
    let registry = p.registry.url();
    let lock = p.lockfile_text().replace(&registry, "http://127.0.0.1:1/");
    std::fs::write(p.root().join("package-lock.json"), &lock).unwrap();
    std::fs::remove_dir_all(&p.cache).unwrap();
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    let mut options = p.options();
    options.set("fetch-retries", 0);
    let err = utoo_install::install(options.clone()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "ENETWORK", "{err}");
    options.set("replace-registry-host", "127.0.0.1:1");
    utoo_install::install(options).await.unwrap();
    assert!(p.root().join("node_modules/a").is_dir());
}
