//! Several processes at once, and writes the disk refuses: installs in one project take turns
//! on its lock, installs in several projects share one cache, and a full disk or a denied
//! write fails with a clear error that leaves package.json, the lockfile and the cache whole.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::{assert_cache_whole, assert_tree_matches_lockfile, fixture, utoo};
use utoo_test::{Fault, Pkg, TestContext};

fn package_json() -> serde_json::Value {
    json!({
        "dependencies": {"top": "^1", "tool": "^1", "built": "^1"},
        "allowScripts": {"built": true},
        "scripts": {"postinstall": "echo root > root-postinstall.txt"},
    })
}

fn spawn(ctx: &TestContext, dir: &std::path::Path) -> Child {
    let mut cmd: Command = ctx.command(env!("CARGO_BIN_EXE_utoo"));
    cmd.current_dir(dir)
        .args(["install", "--reporter", "plain"])
        .env_remove("UTOO_FAILPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn several_projects_share_one_cache_from_several_processes() {
    const PROJECTS: usize = 4;
    let ctx = TestContext::new(&fixture(), package_json()).await;
    // Slow tarballs keep every process downloading (and publishing) the same entries at once.
    ctx.registry
        .fault(".tgz", Fault::Delay(Duration::from_millis(50)));
    let text = std::fs::read(ctx.root().join("package.json")).unwrap();
    let mut dirs = vec![ctx.root().to_path_buf()];
    for i in 1..PROJECTS {
        let dir = ctx.sibling(&format!("p{i}"));
        std::fs::write(dir.join("package.json"), &text).unwrap();
        dirs.push(dir);
    }
    let children: Vec<Child> = dirs.iter().map(|d| spawn(&ctx, d)).collect();
    for (dir, child) in dirs.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", ctx.render_output(&out));
        assert_tree_matches_lockfile(dir, &dir.display().to_string());
    }
    // Each tarball was published once or more, raced, and every entry is whole.
    assert_eq!(assert_cache_whole(&ctx.cache, "shared"), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_in_one_project_take_turns_on_its_lock() {
    let ctx = TestContext::new(&fixture(), package_json()).await;
    ctx.registry
        .fault(".tgz", Fault::Delay(Duration::from_millis(300)));
    let first = spawn(&ctx, ctx.root());
    // The first holds the lock once it is downloading.
    while ctx.registry.tarball_requests() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = spawn(&ctx, ctx.root());
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    assert!(first.status.success(), "{}", ctx.render_output(&first));
    assert!(second.status.success(), "{}", ctx.render_output(&second));
    let told = String::from_utf8_lossy(&second.stderr);
    assert!(
        told.contains("another install is running"),
        "the second says why it waits: {told}"
    );
    assert_tree_matches_lockfile(ctx.root(), "after both");
}

/// Where the disk says no, and what it says. Each run adds a package none of the earlier runs
/// fetched, so it has to download, extract, publish and write both files.
const REFUSALS: &[(&str, &str)] = &[
    ("enospc:extract-write@3", "No space left on device"),
    ("eacces:extract-write", "Permission denied"),
    ("enospc:cache-list-rename", "No space left on device"),
    ("enospc:write-package-lock.json", "No space left on device"),
    ("enospc:rename-package-lock.json", "No space left on device"),
    ("eacces:write-.package-lock.json", "Permission denied"),
];

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_or_a_denied_write_fails_clearly_and_loses_nothing() {
    let mut packages = fixture();
    for (i, _) in REFUSALS.iter().enumerate() {
        packages.push(Pkg::new(&format!("extra{i}"), "1.0.0").file(
            "lib/a.js",
            "module.exports = 1\n",
            false,
        ));
    }
    let ctx = TestContext::new(&packages, package_json()).await;
    let install = utoo(&ctx, &["install"], None);
    assert!(install.status.success(), "{}", ctx.render_output(&install));
    for (i, (point, says)) in REFUSALS.iter().enumerate() {
        let package_json = std::fs::read_to_string(ctx.root().join("package.json")).unwrap();
        let lockfile = std::fs::read_to_string(ctx.root().join("package-lock.json")).unwrap();
        let entries = assert_cache_whole(&ctx.cache, point);
        let name = format!("extra{i}");
        let failed = utoo(&ctx, &["add", &name], Some(point));
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert_eq!(
            failed.status.code(),
            Some(1),
            "{point}: {}",
            ctx.render_output(&failed)
        );
        assert!(stderr.contains("error[EIO]"), "{point}: {stderr}");
        assert!(stderr.contains(says), "{point}: {stderr}");
        // Byte for byte (compared as text so a failure prints readably).
        let now = |f: &str| std::fs::read_to_string(ctx.root().join(f)).unwrap();
        assert!(
            now("package.json") == package_json,
            "{point}: package.json changed"
        );
        assert!(
            now("package-lock.json") == lockfile,
            "{point}: package-lock.json changed"
        );
        // No partial entry: whatever was published is whole (the new package's entry may
        // be there, whole, when the refusal came after the publish).
        assert!(
            assert_cache_whole(&ctx.cache, point) <= entries + 1,
            "{point}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(ctx.root())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".utoo-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{point}: temp files left {leftovers:?}"
        );
        // The disk has room again: the same command succeeds.
        let retry = utoo(&ctx, &["add", &name], None);
        assert!(
            retry.status.success(),
            "{point}: {}",
            ctx.render_output(&retry)
        );
        assert_tree_matches_lockfile(ctx.root(), point);
    }
}

/// Unmounts the small filesystem when the test ends, however it ends.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// A real full disk, not a failpoint: the cache on a 4 MiB tmpfs (mounted when the test may
/// mount, i.e. runs as root; skipped otherwise) and a package that inflates to 6 MB. The add
/// fails with EIO naming the OS error, package.json and package-lock.json stay byte for byte,
/// and the cache holds no partial entry.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_full_disk_fails_clearly_and_loses_nothing() {
    let small = std::env::temp_dir().join(format!("utoo-small-fs-{}", std::process::id()));
    std::fs::create_dir_all(&small).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&small)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (not root)");
        let _ = std::fs::remove_dir(&small);
        return;
    }
    let _unmount = Mounted(small.clone());
    // Incompressible enough that the tarball stays small in memory but not on disk.
    let mut seed = 0x2545_f491_u64;
    let blob: String = (0..6_000_000)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            char::from(b"0123456789abcdef"[(seed >> 60) as usize])
        })
        .collect();
    let mut packages = fixture();
    packages.push(Pkg::new("big", "1.0.0").file("blob.txt", &blob, false));
    let ctx = TestContext::new(&packages, package_json()).await;
    let install = utoo(&ctx, &["install"], None);
    assert!(install.status.success(), "{}", ctx.render_output(&install));
    let before = |f: &str| std::fs::read(ctx.root().join(f)).unwrap();
    let (package_json, lockfile) = (before("package.json"), before("package-lock.json"));
    let cache = small.join("cache");
    let cache_arg = cache.to_string_lossy().into_owned();
    let failed = utoo(&ctx, &["add", "big", "--cache-dir", &cache_arg], None);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(
        failed.status.code(),
        Some(1),
        "{}",
        ctx.render_output(&failed)
    );
    assert!(
        stderr.contains("error[EIO]") && stderr.contains("os error 28"),
        "{stderr}"
    );
    assert!(
        before("package.json") == package_json,
        "package.json changed"
    );
    assert!(
        before("package-lock.json") == lockfile,
        "package-lock.json changed"
    );
    assert_cache_whole(&cache, "full disk");
}
