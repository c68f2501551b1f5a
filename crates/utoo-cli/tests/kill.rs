//! `kill -9` at named points of an install (`UTOO_FAILPOINT=kill:<point>`), through resolve,
//! downloads, extraction, the cache write, linking, bins, scripts and every lockfile write.
//! Each killed run is followed by a plain one on what it left behind: that run must succeed,
//! the tree must match the lockfile (and pass `npm ls --all` when npm is at hand), and every
//! cache entry must be whole.

mod support;

use std::os::unix::process::ExitStatusExt;

use serde_json::json;
use support::{assert_cache_whole, assert_tree_matches_lockfile, fixture, utoo};
use utoo_test::TestContext;

/// Where the binary is killed. `@n` picks the n-th hit, so the kill lands mid-loop (the
/// third file of a package, the second package linked). Every point must be reached: a run
/// that ends on its own fails the test.
const KILL_POINTS: &[&str] = &[
    "project-locked",
    "plan",
    "packument-fetched@2",
    "packument-cache-rename",
    "download-start@2",
    "download-chunk",
    "download-verified@3",
    "extract-entry@3",
    "extract-write@4",
    "cache-list-rename@2",
    "cache-publish",
    "cache-published@2",
    "prune",
    "link@2",
    "link-file@5",
    "bins",
    "link-bin",
    "script-spawned",
    "write-package-lock.json",
    "rename-package-lock.json",
    "write-.package-lock.json",
    "rename-.package-lock.json",
    "write-.utoo-noop",
    "rename-.utoo-noop",
    "root-scripts",
];

fn package_json() -> serde_json::Value {
    json!({
        "dependencies": {"top": "^1", "tool": "^1", "built": "^1"},
        "allowScripts": {"built": true},
        "scripts": {"postinstall": "echo root > root-postinstall.txt"},
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_every_named_point_then_the_next_install_repairs_everything() {
    let ctx = TestContext::new(&fixture(), package_json()).await;
    for (round, point) in KILL_POINTS.iter().enumerate() {
        // Every other round starts cold (no cache, tree or lockfile); the others keep the
        // cache and the lockfile from the repair before, so kills also land in a warm run.
        let needs_cold = [
            "packument",
            "download",
            "extract",
            "cache",
            "write-package-lock",
            "rename-package-lock",
        ]
        .iter()
        .any(|p| point.starts_with(p));
        let cold = round % 2 == 0 || needs_cold;
        let _ = std::fs::remove_dir_all(ctx.root().join("node_modules"));
        if cold {
            let _ = std::fs::remove_dir_all(&ctx.cache);
            let _ = std::fs::remove_file(ctx.root().join("package-lock.json"));
        }
        let package_json_before = std::fs::read(ctx.root().join("package.json")).unwrap();
        let killed = utoo(&ctx, &["install"], Some(&format!("kill:{point}")));
        assert_eq!(
            killed.status.signal(),
            Some(9),
            "{point} (cold: {cold}) was never reached: {}",
            ctx.render_output(&killed)
        );
        assert_eq!(
            std::fs::read(ctx.root().join("package.json")).unwrap(),
            package_json_before,
            "{point}: package.json changed"
        );
        assert_cache_whole(&ctx.cache, point);
        let repair = utoo(&ctx, &["install"], None);
        assert_eq!(
            repair.status.code(),
            Some(0),
            "after a kill at {point}: {}",
            ctx.render_output(&repair)
        );
        assert_tree_matches_lockfile(ctx.root(), point);
        assert_cache_whole(&ctx.cache, point);
    }
    println!(
        "killed at {} points, repaired after each",
        KILL_POINTS.len()
    );
}

/// `utoo add` killed while it rewrites package.json: the old file stays whole.
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_while_add_writes_package_json_leaves_it_whole() {
    let ctx = TestContext::new(&fixture(), package_json()).await;
    let before = std::fs::read(ctx.root().join("package.json")).unwrap();
    let killed = utoo(&ctx, &["add", "leaf"], Some("kill:rename-package.json"));
    assert_eq!(
        killed.status.signal(),
        Some(9),
        "{}",
        ctx.render_output(&killed)
    );
    assert_eq!(
        std::fs::read(ctx.root().join("package.json")).unwrap(),
        before
    );
    let add = utoo(&ctx, &["add", "leaf"], None);
    assert_eq!(add.status.code(), Some(0), "{}", ctx.render_output(&add));
    assert_tree_matches_lockfile(ctx.root(), "add");
}
