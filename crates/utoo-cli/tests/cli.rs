//! The real binary against the loopback registry.

use std::process::Command;

use serde_json::json;
use utoo_test::{Pkg, Registry};

fn utoo(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_utoo"))
        .args(args)
        .current_dir(dir)
        .env("UTOO_CACHE_DIR", dir.join(".cache"))
        .env_remove("CI")
        .output()
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_help_and_install() {
    let registry = Registry::start(
        &[Pkg::new("dep", "1.2.3").with("bin", json!("cli.js")).file(
            "cli.js",
            "#!/bin/sh\necho dep-cli-ran\n",
            false,
        )],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let help = utoo(d, &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
    let version = utoo(d, &["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
    assert_eq!(utoo(d, &["--no-such-flag"]).status.code(), Some(2));

    let no_project = utoo(d, &["install", "--registry", &registry.url()]);
    assert_eq!(no_project.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_project.stderr).contains("error[ENOPACKAGEJSON]"));

    std::fs::write(d.join("package.json"), r#"{"name":"p","version":"1.0.0"}"#).unwrap();
    let add = utoo(
        d,
        &[
            "add",
            "dep",
            "--registry",
            &registry.url(),
            "--reporter",
            "plain",
        ],
    );
    assert_eq!(
        add.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let stderr = String::from_utf8_lossy(&add.stderr);
    assert!(stderr.contains("added 1"), "{stderr}");
    let bin = Command::new(d.join("node_modules/.bin/dep"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&bin.stdout).trim(), "dep-cli-ran");

    let ndjson = utoo(
        d,
        &[
            "install",
            "--registry",
            &registry.url(),
            "--reporter",
            "ndjson",
        ],
    );
    let last = String::from_utf8_lossy(&ndjson.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let summary: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(summary["summary"]["upToDate"], true);

    let lockfile_only = utoo(
        d,
        &["install", "--lockfile-only", "--registry", &registry.url()],
    );
    assert_eq!(lockfile_only.status.code(), Some(0));
    let remove = utoo(d, &["remove", "dep", "--registry", &registry.url()]);
    assert_eq!(remove.status.code(), Some(0));
    assert!(!d.join("node_modules/dep").exists());
}
