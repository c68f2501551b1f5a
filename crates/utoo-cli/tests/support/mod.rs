//! Shared by the tests that run the real binary in several processes: the fixture, the
//! command, and the checks that a tree and a cache are whole.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{json, Value};
use utoo_test::{Pkg, TestContext};

/// A chain (top > mid > leaf), a bin, an install script, and files enough that a kill can
/// land in the middle of a package.
pub(crate) fn fixture() -> Vec<Pkg> {
    let with_files = |mut p: Pkg| {
        for i in 0..6 {
            p = p.file(
                &format!("lib/f{i}.js"),
                &format!("module.exports = {i}\n"),
                false,
            );
        }
        p
    };
    vec![
        with_files(Pkg::new("top", "1.0.0").dep("mid", "^1")),
        with_files(Pkg::new("mid", "1.0.0").dep("leaf", "^1")),
        with_files(Pkg::new("leaf", "1.0.0")),
        with_files(Pkg::new("leaf", "1.1.0")),
        Pkg::new("tool", "1.0.0")
            .with("bin", json!({"tool": "cli.js"}))
            .file("cli.js", "#!/bin/sh\necho tool-ran\n", true),
        Pkg::new("built", "1.0.0").with("scripts", json!({"install": "echo built > built.txt"})),
    ]
}

/// Runs the binary in `ctx`'s project with `UTOO_FAILPOINT` set to `failpoint` (or unset).
pub(crate) fn utoo(ctx: &TestContext, args: &[&str], failpoint: Option<&str>) -> Output {
    utoo_in(ctx, ctx.root(), args, failpoint)
}

/// [`utoo`] in another project folder, with `ctx`'s cache and registry.
pub(crate) fn utoo_in(
    ctx: &TestContext,
    dir: &Path,
    args: &[&str],
    failpoint: Option<&str>,
) -> Output {
    let mut cmd = ctx.command(env!("CARGO_BIN_EXE_utoo"));
    cmd.current_dir(dir)
        .args(args)
        .args(["--reporter", "plain"]);
    match failpoint {
        Some(point) => cmd.env("UTOO_FAILPOINT", point),
        None => cmd.env_remove("UTOO_FAILPOINT"),
    };
    cmd.output().expect("the binary runs")
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Every package the lockfile names is on disk at its version with every file non-empty; the
/// bin runs, the install script and the root postinstall ran; `npm ls --all` (the repo's
/// devDependency, when installed) finds nothing missing, invalid or extraneous.
pub(crate) fn assert_tree_matches_lockfile(root: &Path, when: &str) {
    let lock = read_json(&root.join("package-lock.json"));
    let packages = lock["packages"].as_object().expect("a v3 lockfile");
    assert!(packages.len() >= 6, "{when}: {packages:?}");
    for (key, entry) in packages {
        if key.is_empty() {
            continue;
        }
        let dir = root.join(key);
        let manifest = read_json(&dir.join("package.json"));
        assert_eq!(manifest["version"], entry["version"], "{when}: {key}");
        for file in walk(&dir) {
            let size = std::fs::metadata(&file).unwrap().len();
            assert!(size > 0, "{when}: {} is empty", file.display());
        }
    }
    let tool = std::process::Command::new(root.join("node_modules/.bin/tool"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&tool.stdout).trim(),
        "tool-ran",
        "{when}"
    );
    assert!(
        root.join("node_modules/built/built.txt").is_file(),
        "{when}"
    );
    assert!(root.join("root-postinstall.txt").is_file(), "{when}");
    let npm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/npm");
    if npm.exists() {
        let ls = std::process::Command::new(npm)
            .args(["ls", "--all"])
            .current_dir(root)
            .env("npm_config_update_notifier", "false")
            .output()
            .unwrap();
        let out =
            String::from_utf8_lossy(&ls.stdout).into_owned() + &String::from_utf8_lossy(&ls.stderr);
        assert!(ls.status.success(), "{when}: npm ls --all\n{out}");
        assert!(
            !["invalid", "missing", "extraneous", "ERR"]
                .iter()
                .any(|w| out.contains(w)),
            "{when}: npm ls --all\n{out}"
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() && entry.file_name() != "node_modules" {
            out.extend(walk(&path));
        } else if kind.is_file() {
            out.push(path);
        }
    }
    out
}

/// Every entry in the store has its file list, and holds exactly the listed files at the
/// listed sizes, none of them empty (no fixture file is). Returns the number of entries.
pub(crate) fn assert_cache_whole(cache: &Path, when: &str) -> usize {
    let store = cache.join("store-v1");
    let mut entries = 0;
    for algo in std::fs::read_dir(&store).into_iter().flatten().flatten() {
        for xx in std::fs::read_dir(algo.path()).unwrap().flatten() {
            for item in std::fs::read_dir(xx.path()).unwrap().flatten() {
                let path = item.path();
                if path.extension().is_some_and(|e| e == "files") {
                    continue;
                }
                let list_path = PathBuf::from(format!("{}.files", path.display()));
                let list = std::fs::read_to_string(&list_path)
                    .unwrap_or_else(|e| panic!("{when}: {} has no list: {e}", path.display()));
                let mut listed = 0;
                for line in list.lines().skip(1) {
                    let (size, file) = line.split_once(' ').unwrap();
                    let actual = std::fs::metadata(path.join(file)).map(|m| m.len()).ok();
                    assert_eq!(
                        actual,
                        size.parse().ok(),
                        "{when}: {}/{file}",
                        path.display()
                    );
                    assert_ne!(
                        actual,
                        Some(0),
                        "{when}: {}/{file} is empty",
                        path.display()
                    );
                    listed += 1;
                }
                assert_eq!(walk(&path).len(), listed, "{when}: {}", path.display());
                entries += 1;
            }
        }
    }
    entries
}
