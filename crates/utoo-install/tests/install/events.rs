//! The recording reporter's view of each kind of run: phases start once and end once,
//! progress stays inside its phase and never runs backwards or past its total.

use serde_json::json;
use utoo_events::{Event, Phase};
use utoo_install::Mode;
use utoo_test::{assert_phase_order, phases_started, Pkg, TestContext};

use crate::basic_packages;
use crate::scripts::{allow_scripted, scripted_packages};

async fn project() -> TestContext {
    TestContext::new(
        &basic_packages(),
        json!({"dependencies": {"left": "^1", "right": "^1"}}),
    )
    .await
}

/// Runs `mode`, checks the order of its events and returns them.
async fn recorded(ctx: &TestContext, mode: Mode) -> Vec<Event> {
    let (result, events) = ctx.run_recorded(mode).await;
    result.unwrap();
    assert_phase_order(&events);
    events
}

const FULL: [Phase; 3] = [Phase::Resolve, Phase::Fetch, Phase::Link];

#[tokio::test]
async fn cold_install() {
    let ctx = project().await;
    let events = recorded(&ctx, Mode::Install).await;
    assert_eq!(phases_started(&events), FULL);
}

#[tokio::test]
async fn warm_reinstall() {
    let ctx = project().await;
    ctx.install().await.unwrap();
    std::fs::remove_dir_all(ctx.root().join("node_modules")).unwrap();
    let events = recorded(&ctx, Mode::Install).await;
    assert_eq!(phases_started(&events), FULL);
}

#[tokio::test]
async fn noop() {
    let ctx = project().await;
    ctx.install().await.unwrap();
    let events = recorded(&ctx, Mode::Install).await;
    assert_eq!(phases_started(&events), []);
}

#[tokio::test]
async fn ci() {
    let ctx = project().await;
    ctx.install().await.unwrap();
    let events = recorded(&ctx, Mode::Ci).await;
    assert_eq!(phases_started(&events), FULL);
}

#[tokio::test]
async fn lockfile_only() {
    let ctx = project().await;
    let events = recorded(&ctx, Mode::LockfileOnly).await;
    assert_eq!(phases_started(&events), [Phase::Resolve]);
}

#[tokio::test]
async fn install_with_a_dependency_install_script() {
    let ctx = TestContext::new(
        &scripted_packages(),
        json!({"dependencies": {"app-dep": "1"}, "allowScripts": allow_scripted()}),
    )
    .await;
    let events = recorded(&ctx, Mode::Install).await;
    assert_eq!(
        phases_started(&events),
        [Phase::Resolve, Phase::Fetch, Phase::Link, Phase::Scripts]
    );
}

/// `(bytes_done, bytes_total)` of every `Download` event, in order.
fn download_bytes(events: &[Event]) -> Vec<(u64, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Download {
                bytes_done,
                bytes_total,
            } => Some((*bytes_done, *bytes_total)),
            _ => None,
        })
        .collect()
}

/// A cold install reports tarball bytes as bodies arrive: never going down, and ending at
/// the sizes of the tarballs it downloaded; a warm one downloads, and reports, none.
#[tokio::test]
async fn download_bytes_grow_to_the_tarball_sizes() {
    // Text that gzip cannot shrink much, so this body spans several 64 KiB reports.
    let mut seed = 7u64;
    let noise: String = (0..300_000)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            char::from(b'!' + u8::try_from((seed >> 33) % 90).unwrap())
        })
        .collect();
    let packages = [
        Pkg::new("big", "1.0.0").file("noise.txt", &noise, false),
        Pkg::new("small", "1.0.0"),
        Pkg::new("tiny", "2.0.0"),
    ];
    let expected: u64 = packages.iter().map(|p| p.tarball().len() as u64).sum();
    let ctx = TestContext::new(
        &packages,
        json!({"dependencies": {"big": "1", "small": "1", "tiny": "2"}}),
    )
    .await;
    let (result, events) = ctx.run_recorded(Mode::Install).await;
    let summary = result.unwrap();
    assert_phase_order(&events);
    let bytes = download_bytes(&events);
    assert!(
        bytes.windows(2).all(|w| w[0].0 <= w[1].0),
        "bytes went down: {bytes:?}"
    );
    assert!(bytes.iter().all(|(done, total)| done <= total), "{bytes:?}");
    assert_eq!(bytes.last(), Some(&(expected, expected)), "{bytes:?}");
    assert_eq!(summary.bytes_downloaded, expected);
    // Reported while the big body streamed, not only once per tarball.
    assert!(bytes.len() > packages.len(), "{bytes:?}");

    std::fs::remove_dir_all(ctx.root().join("node_modules")).unwrap();
    let (result, events) = ctx.run_recorded(Mode::Install).await;
    result.unwrap();
    assert_eq!(download_bytes(&events), [], "from the cache");
}
