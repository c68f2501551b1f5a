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
        utoo_events::one_line(&error).contains("`allow-remote` is `none`"),
        "{}",
        utoo_events::one_line(&error)
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
        utoo_events::one_line(&error).contains("of a dependency"),
        "{}",
        utoo_events::one_line(&error)
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

/// A repository with two tagged commits (`v1.0.0`, then `v1.1.0` on main), served from a
/// bare copy; returns (bare path, sha of v1.0.0, sha of v1.1.0).
fn git_repo(
    dir: &std::path::Path,
    extra: &serde_json::Value,
) -> (std::path::PathBuf, String, String) {
    let work = dir.join("work");
    std::fs::create_dir_all(work.join("test")).unwrap();
    let git = |args: &[&str], cwd: &std::path::Path| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "user.name=t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    git(&["init", "-q"], &work);
    let mut shas = Vec::new();
    for version in ["1.0.0", "1.1.0"] {
        let mut manifest = json!({"name": "g", "version": version, "main": "index.js", "dependencies": {"b": "^1"}});
        for (k, v) in extra.as_object().unwrap() {
            manifest[k] = v.clone();
        }
        std::fs::write(work.join("package.json"), manifest.to_string()).unwrap();
        std::fs::write(
            work.join("index.js"),
            format!("module.exports = '{version}'\n"),
        )
        .unwrap();
        std::fs::write(work.join("test/t.js"), "test\n").unwrap();
        std::fs::write(work.join(".npmignore"), "test/\n").unwrap();
        git(&["add", "-A"], &work);
        git(&["commit", "-q", "-m", version], &work);
        git(&["tag", &format!("v{version}")], &work);
        shas.push(git(&["rev-parse", "HEAD"], &work));
    }
    let bare = dir.join("g.git");
    git(
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
        dir,
    );
    (bare, shas[0].clone(), shas[1].clone())
}

/// A git dependency from a bare repository over `file://`: the highest tag in a
/// `#semver:` range, fetched and packed as `npm pack` would (`.npmignore` honoured), locked
/// as npm locks it (`resolved` `git+file://…#<sha>`, no integrity), installed again from the
/// lockfile; and over a loopback `git daemon` by tag.
#[tokio::test]
async fn a_git_dependency_is_fetched_packed_and_locked_like_npm() {
    let p = TestContext::new(&[Pkg::new("b", "1.0.0")], json!({})).await;
    let (bare, v100, v110) = git_repo(&p.sibling("git"), &json!({}));
    let spec = format!("git+file://{}#semver:^1", bare.display());
    p.write_package_json(json!({"dependencies": {"g": spec}}));
    let mut options = p.options();
    options.set("allow-git", "all");
    utoo_install::install(options.clone()).await.unwrap();
    let lock = p.lockfile();
    let entry = &lock["packages"]["node_modules/g"];
    assert_eq!(entry["version"], "1.1.0");
    assert_eq!(
        entry["resolved"],
        format!("git+file://{}#{v110}", bare.display())
    );
    assert!(entry.get("integrity").is_none(), "{entry}");
    assert!(p.root().join("node_modules/g/index.js").is_file());
    assert!(
        !p.root().join("node_modules/g/test").exists(),
        ".npmignore'd"
    );
    assert_eq!(
        p.installed_version("node_modules/b").as_deref(),
        Some("1.0.0")
    );

    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    let again = utoo_install::install(options).await.unwrap();
    assert!(!again.resolved, "the locked commit satisfies the spec");
    assert!(p.root().join("node_modules/g/index.js").is_file());

    // Over git's own protocol, by tag, from a daemon on a loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = bare.parent().unwrap();
    let _daemon = GitDaemon::start(base, port);
    let q = TestContext::new(
        &[Pkg::new("b", "1.0.0")],
        json!({"dependencies": {"g": format!("git://127.0.0.1:{port}/g.git#v1.0.0")}}),
    )
    .await;
    let mut options = q.options();
    options.set("allow-git", "root");
    let mut result = None;
    for _ in 0..50 {
        match utoo_install::install(options.clone()).await {
            Ok(s) => {
                result = Some(s);
                break;
            }
            // The daemon may not listen yet.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    result.expect("installed from git daemon");
    let entry = &q.lockfile()["packages"]["node_modules/g"];
    assert_eq!(entry["version"], "1.0.0");
    assert_eq!(
        entry["resolved"],
        format!("git://127.0.0.1:{port}/g.git#{v100}")
    );
}

#[tokio::test]
async fn a_git_dependency_that_needs_prepare_is_a_clear_error() {
    let p = TestContext::new(&[Pkg::new("b", "1.0.0")], json!({})).await;
    let (bare, _, _) = git_repo(&p.sibling("git"), &json!({"scripts": {"prepare": "tsc"}}));
    p.write_package_json(json!({"dependencies": {"g": format!("git+file://{}", bare.display())}}));
    let mut options = p.options();
    options.set("allow-git", "all");
    let error = utoo_install::install(options).await.unwrap_err();
    assert_eq!(error.code().as_str(), "EGIT");
    assert!(
        utoo_events::one_line(&error).contains("`prepare` script"),
        "{}",
        utoo_events::one_line(&error)
    );
}

/// `git daemon` on a loopback port, stopped when dropped (a panicking test too). `git`
/// execs `git-daemon`, so the daemon is stopped by the pid it writes, and it holds none of
/// the test's output pipes.
struct GitDaemon {
    pid_file: std::path::PathBuf,
    child: std::process::Child,
}

impl GitDaemon {
    fn start(base: &std::path::Path, port: u16) -> GitDaemon {
        let pid_file = base.join("daemon.pid");
        let child = std::process::Command::new("git")
            .args([
                "daemon",
                "--reuseaddr",
                "--export-all",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--pid-file={}", pid_file.display()))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("git daemon starts");
        GitDaemon { pid_file, child }
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pid_file) {
            let _ = std::process::Command::new("kill").arg(pid.trim()).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
