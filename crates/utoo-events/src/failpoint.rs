//! Fault injection for tests of what a crash or a bug does. `UTOO_FAILPOINT` names one point
//! and what happens there:
//!
//! - `<name>`: the point panics (a bug: the install must fail with EINTERNAL, the host
//!   process must live on);
//! - `kill:<name>`: the process is killed with SIGKILL there, as `kill -9` would (the next
//!   install must repair everything);
//! - `enospc:<name>` / `eacces:<name>`: [`io`] returns "no space left on device" / "permission
//!   denied" there, as a full disk or a read-only folder would;
//! - `pause:<name>`: the point writes `<name>.reached` into `$UTOO_FAILPOINT_DIR` (default:
//!   the temp folder) and waits until `<name>.release` is there (at most 30 s), so a test can
//!   abort while the engine is known to stand at that point.
//!
//! A point may carry `@<n>` (`kill:extract-entry@3`): it fires on its n-th hit in this
//! process only, so a kill can land in the middle of a loop. The variable is read on every
//! hit, never cached, so one test process can turn points on and off between installs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The longest a paused point waits, so a test that forgets to release hangs no thread.
const MAX_PAUSE: Duration = Duration::from_secs(30);

static HITS: AtomicU64 = AtomicU64::new(0);

// The configured action and whether this hit is the one it waits for.
fn armed(name: &str) -> Option<String> {
    let value = std::env::var("UTOO_FAILPOINT").ok()?;
    let (action, rest) = match value.split_once(':') {
        Some((action, rest)) => (action.to_owned(), rest),
        None => (String::new(), value.as_str()),
    };
    let (point, nth) = match rest.split_once('@') {
        Some((point, n)) => (point, n.parse::<u64>().ok()),
        None => (rest, None),
    };
    if point != name {
        return None;
    }
    if let Some(n) = nth {
        // Counts hits of the armed point only: one name per run.
        if HITS.fetch_add(1, Ordering::SeqCst) + 1 != n {
            return None;
        }
    }
    Some(action)
}

/// Panics, or kills the process, when `UTOO_FAILPOINT` arms this point.
pub fn hit(name: &str) {
    match armed(name).as_deref() {
        None | Some("enospc" | "eacces") => {}
        Some("pause") => pause(name),
        Some("kill") => kill_self(),
        Some(_) => panic!("failpoint `{name}` hit (UTOO_FAILPOINT)"),
    }
}

/// Like [`hit`], and returns the I/O error an `enospc:` or `eacces:` setting asks for: call it
/// where a write would fail on a full disk or a read-only folder.
pub fn io(name: &str) -> std::io::Result<()> {
    match armed(name).as_deref() {
        None => Ok(()),
        Some("enospc") => Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "No space left on device (os error 28, UTOO_FAILPOINT)",
        )),
        Some("eacces") => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "Permission denied (os error 13, UTOO_FAILPOINT)",
        )),
        Some("pause") => {
            pause(name);
            Ok(())
        }
        Some("kill") => kill_self(),
        Some(_) => panic!("failpoint `{name}` hit (UTOO_FAILPOINT)"),
    }
}

fn pause(name: &str) {
    let dir = std::env::var_os("UTOO_FAILPOINT_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let release = dir.join(format!("{name}.release"));
    // Best effort: a test that cannot see the marker fails on its own wait.
    let _ = std::fs::write(dir.join(format!("{name}.reached")), b"");
    let start = Instant::now();
    while !release.exists() && start.elapsed() < MAX_PAUSE {
        std::thread::sleep(Duration::from_millis(10));
    }
}

// SIGKILL, not abort: no handler, no unwinding, no flush, exactly what `kill -9` does.
fn kill_self() -> ! {
    #[cfg(unix)]
    {
        let _ = std::process::Command::new("kill")
            .args(["-9", &std::process::id().to_string()])
            .status();
    }
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_point_marks_its_arrival_and_waits_for_its_release() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("UTOO_FAILPOINT_DIR", dir.path());
        std::env::set_var("UTOO_FAILPOINT", "pause:unit");
        let release = dir.path().join("unit.release");
        let waiter = std::thread::spawn(|| hit("unit"));
        let reached = dir.path().join("unit.reached");
        let start = Instant::now();
        while !reached.exists() {
            assert!(start.elapsed() < Duration::from_secs(5), "never reached");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "it waits for the release");
        std::fs::write(&release, b"").unwrap();
        waiter.join().unwrap();
        hit("another point");
        std::env::remove_var("UTOO_FAILPOINT");
    }
}
