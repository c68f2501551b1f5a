//! Non-registry specs: a tarball URL on another host.

use std::str::FromStr;

use serde_json::json;
use utoo_test::{Pkg, Registry, TestContext};

const TOKEN: &str = "npm_SECRET-remote-9c1d";

/// A tarball URL on a second loopback host: downloaded once (the resolver's fetch fills the
/// cache the pipeline reads), recorded as npm records it (`resolved` the URL, `integrity`
/// the sha512 of the bytes), its own dependencies and bin installed, and the registry's
/// token never sent to that host.
#[tokio::test]
async fn a_tarball_url_is_fetched_once_recorded_like_npm_and_gets_no_token() {
    let registry_packages = vec![Pkg::new("b", "1.0.0")];
    let remote = Pkg::new("rem", "1.2.3")
        .dep("b", "^1")
        .with("bin", json!({"rem": "cli.js"}))
        .file("cli.js", "#!/usr/bin/env node\n", true);
    let host = Registry::start(std::slice::from_ref(&remote)).await;
    let url = format!("{}rem/-/rem-1.2.3.tgz", host.url());
    let p = TestContext::new(&registry_packages, json!({"dependencies": {"rem": url}})).await;
    let mut options = crate::options_with_registry_token(&p, TOKEN);
    // npm 12 fetches a tarball URL only when allowed; `root`: the project's own.
    options.set("allow-remote", "root");
    utoo_install::install(options.clone()).await.unwrap();

    let lock = p.lockfile();
    let entry = &lock["packages"]["node_modules/rem"];
    assert_eq!(entry["resolved"], url.as_str());
    let sha512 = ssri::IntegrityOpts::new()
        .algorithm(ssri::Algorithm::Sha512)
        .chain(remote.tarball())
        .result();
    assert_eq!(entry["integrity"], sha512.to_string().as_str());
    assert_eq!(entry["version"], "1.2.3");
    assert_eq!(entry["bin"]["rem"], "cli.js");
    assert_eq!(lock["packages"][""]["dependencies"]["rem"], url.as_str());
    assert_eq!(
        p.installed_version("node_modules/b").as_deref(),
        Some("1.0.0")
    );
    assert!(p.root().join("node_modules/.bin/rem").exists());
    assert_eq!(host.tarball_requests(), 1, "{:?}", host.requests());
    for (path, auth) in host.authorizations() {
        assert_eq!(auth, None, "no registry token for {path} on another host");
    }
    assert!(!p.lockfile_text().contains(TOKEN));

    // From the lockfile with the cache warm: no second download.
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    utoo_install::install(options).await.unwrap();
    assert_eq!(host.tarball_requests(), 1);
    assert!(p.root().join("node_modules/rem/cli.js").exists());
    let _ = ssri::Integrity::from_str(entry["integrity"].as_str().unwrap()).unwrap();
}

/// A `file:` tarball beside the project: extracted, recorded as npm records it (`resolved`
/// the `file:` path as written, `integrity` the sha512 of the file), and installed again
/// from the lockfile into a cold cache.
#[tokio::test]
async fn a_file_tarball_is_recorded_with_its_relative_path_and_integrity() {
    let local = Pkg::new("filed", "2.0.0").dep("b", "^1");
    let p = TestContext::new(
        &[Pkg::new("b", "1.0.0")],
        json!({"dependencies": {"filed": "file:vendor/filed-2.0.0.tgz"}}),
    )
    .await;
    std::fs::create_dir_all(p.root().join("vendor")).unwrap();
    std::fs::write(p.root().join("vendor/filed-2.0.0.tgz"), local.tarball()).unwrap();
    p.install().await.unwrap();

    let lock = p.lockfile();
    let entry = &lock["packages"]["node_modules/filed"];
    assert_eq!(entry["resolved"], "file:vendor/filed-2.0.0.tgz");
    let sha512 = ssri::IntegrityOpts::new()
        .algorithm(ssri::Algorithm::Sha512)
        .chain(local.tarball())
        .result();
    assert_eq!(entry["integrity"], sha512.to_string().as_str());
    assert_eq!(
        p.installed_version("node_modules/filed").as_deref(),
        Some("2.0.0")
    );
    assert_eq!(
        p.installed_version("node_modules/b").as_deref(),
        Some("1.0.0")
    );

    // `ci` from the lockfile with an empty cache reads the file again.
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    let cache = p.options().cache_dir;
    if let Some(cache) = cache {
        let _ = std::fs::remove_dir_all(cache);
    }
    p.run(utoo_install::Mode::Ci).await.unwrap();
    assert_eq!(
        p.installed_version("node_modules/filed").as_deref(),
        Some("2.0.0")
    );
}

/// npm 12's `allow-remote` (and `allow-git`): refused by default before anything is fetched,
/// `root` allows the project's own but not a dependency's, from package.json or from the
/// lockfile alike.
#[tokio::test]
async fn tarball_urls_and_git_need_allowing_as_in_npm_12() {
    let remote = Pkg::new("rem", "1.2.3");
    let host = Registry::start(std::slice::from_ref(&remote)).await;
    let url = format!("{}rem/-/rem-1.2.3.tgz", host.url());
    let registry_packages = vec![Pkg::new("uses-rem", "1.0.0").dep("rem", &url)];

    let p = TestContext::new(&registry_packages, json!({"dependencies": {"rem": url}})).await;
    let error = p.install().await.unwrap_err();
    assert_eq!(error.code().as_str(), "EALLOWREMOTE");
    assert!(
        chain(&error).contains("`allow-remote` is `none`"),
        "{}",
        chain(&error)
    );
    assert_eq!(
        host.tarball_requests(),
        0,
        "nothing fetched before the check"
    );

    let mut options = p.options();
    options.set("allow-remote", "root");
    utoo_install::install(options).await.unwrap();
    // The lockfile names it now; the default still refuses it, as npm 12 does.
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    assert_eq!(
        p.install().await.unwrap_err().code().as_str(),
        "EALLOWREMOTE"
    );

    // A dependency's tarball URL is not the project's own: `root` refuses it, `all` takes it.
    let q = TestContext::new(
        &registry_packages,
        json!({"dependencies": {"uses-rem": "1.0.0"}}),
    )
    .await;
    let mut options = q.options();
    options.set("allow-remote", "root");
    let error = utoo_install::install(options).await.unwrap_err();
    assert_eq!(error.code().as_str(), "EALLOWREMOTE");
    assert!(
        chain(&error).contains("of a dependency"),
        "{}",
        chain(&error)
    );
    let mut options = q.options();
    options.set("allow-remote", "all");
    utoo_install::install(options).await.unwrap();

    let g = TestContext::new(
        &[],
        json!({"dependencies": {"g": "git+https://127.0.0.1:1/u/g.git"}}),
    )
    .await;
    assert_eq!(g.install().await.unwrap_err().code().as_str(), "EALLOWGIT");
}

/// The error and its causes, as the CLI prints them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut cur = error.source();
    while let Some(e) = cur {
        out.push_str(" / ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}
