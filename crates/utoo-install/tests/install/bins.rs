//! Hostile `bin` fields at install level (npm's CVE-2019-16775, -16776, -16777): a command
//! name that climbs out of `.bin`, a target that climbs out of its package, two packages
//! wanting one command. Nothing is written or linked outside, and the install succeeds with
//! the safe commands, as npm's bin-links does (a name keeps its last segment, as npm's
//! normalize-package-bin does; a target leaving the package is dropped).

use std::path::Path;

use serde_json::json;
use utoo_test::{Pkg, TestContext};

fn packages() -> Vec<Pkg> {
    let js = "#!/usr/bin/env node\n";
    vec![
        Pkg::new("evil-name", "1.0.0")
            .with(
                "bin",
                json!({"../../evil": "x.js", "..": "x.js", "@s/../../y": "x.js"}),
            )
            .file("x.js", js, false),
        Pkg::new("evil-target", "1.0.0")
            .with(
                "bin",
                json!({
                    "up": "../../../outside.txt",
                    "passwd": "../../../../../../../../etc/passwd",
                    "steal": "../clash-a/a.js",
                    "ok": "./lib/../ok.js",
                }),
            )
            .file("ok.js", js, false),
        Pkg::new("clash-a", "1.0.0")
            .with("bin", json!({"same": "a.js"}))
            .file("a.js", "// a\n", false),
        Pkg::new("clash-b", "1.0.0")
            .with("bin", json!({"same": "b.js", "a.js": "b.js"}))
            .file("b.js", "// b\n", false),
    ]
}

#[tokio::test]
async fn bins_that_try_to_leave_node_modules_bin_or_their_package_link_nothing_outside() {
    let deps = json!({"evil-name": "1", "evil-target": "1", "clash-a": "1", "clash-b": "1"});
    let p = TestContext::new(&packages(), json!({"dependencies": deps})).await;
    let outside = p.root().parent().unwrap();
    std::fs::write(outside.join("outside.txt"), "precious\n").unwrap();
    p.install().await.unwrap();

    let bin = p.root().join("node_modules/.bin");
    let mut names: Vec<String> = std::fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // `../../evil` and `@s/../../y` keep their last segment; `..`, `up`, `passwd` and
    // `steal` are dropped; `same` is clash-a's (first in path order).
    assert_eq!(names, ["a.js", "evil", "ok", "same", "y"]);
    let packages_dir = p.root().join("node_modules").canonicalize().unwrap();
    for name in &names {
        let target = bin.join(name).canonicalize().unwrap();
        assert!(
            target.starts_with(&packages_dir)
                && target.components().count() > packages_dir.components().count() + 1,
            "{name} → {}",
            target.display()
        );
    }
    let points_at = |name: &str| std::fs::read_link(bin.join(name)).unwrap();
    assert_eq!(points_at("evil"), Path::new("../evil-name/x.js"));
    assert_eq!(points_at("ok"), Path::new("../evil-target/ok.js"));
    assert_eq!(points_at("same"), Path::new("../clash-a/a.js"));
    // Neither package's file was touched by the other's bin.
    let read = |path: &str| std::fs::read_to_string(p.root().join(path)).unwrap();
    assert_eq!(read("node_modules/clash-a/a.js"), "// a\n");
    assert_eq!(read("node_modules/clash-b/b.js"), "// b\n");
    // Nothing written next to the project, in it or in node_modules.
    assert_eq!(
        std::fs::read_to_string(outside.join("outside.txt")).unwrap(),
        "precious\n"
    );
    for stray in ["evil", "y", "node_modules/evil", "node_modules/y"] {
        assert!(!p.root().join(stray).exists(), "{stray}");
    }
    assert!(!outside.join("evil").exists());
    assert!(!outside.join("y").exists());
}
