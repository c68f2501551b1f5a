//! Fault injection for tests of what a bug or an abort does, read from the environment on
//! every call (not cached) so one test process can turn a point on and off between installs:
//!
//! - `UTOO_FAILPOINT=<name>` makes the point panic: a panic inside the engine must fail the
//!   install with EINTERNAL and never take down the host process.
//! - `UTOO_FAILPOINT=pause:<name>` makes the point write `<name>.reached` into
//!   `$UTOO_FAILPOINT_DIR` (default: the temp folder) and wait until `<name>.release` is
//!   there (at most 30 s): a test aborts while the engine is known to stand at that point.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The longest a paused point waits, so a test that forgets to release hangs no thread.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// Panics or pauses when `UTOO_FAILPOINT` names this point.
pub fn hit(name: &str) {
    let Some(value) = std::env::var_os("UTOO_FAILPOINT") else {
        return;
    };
    if value == name {
        panic!("failpoint `{name}` hit (UTOO_FAILPOINT)");
    }
    if value.to_str().and_then(|v| v.strip_prefix("pause:")) == Some(name) {
        pause(name);
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
