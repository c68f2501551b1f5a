//! The recording reporter's view of each kind of run: phases start once and end once,
//! progress stays inside its phase and never runs backwards or past its total.

use serde_json::json;
use utoo_events::{Event, Phase};
use utoo_install::Mode;
use utoo_test::{assert_phase_order, phases_started, TestContext};

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
