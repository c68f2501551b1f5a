//! Install on demand (`Ensurer`): present specs cost nothing, concurrent calls share one
//! install, and failures are answered from the memo for its window only.

use std::time::Duration;

use serde_json::json;
use utoo_install::{Ensurer, DEFAULT_FAILURE_WINDOW};
use utoo_test::{Pkg, TestContext};

fn specs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Two calls at once for the same missing package: one install (one packument and one
/// tarball request); the other call finds it present.
#[tokio::test]
async fn concurrent_calls_for_one_missing_package_run_one_install() {
    let p = TestContext::new(&[Pkg::new("a", "1.0.0")], json!({})).await;
    let ensurer = Ensurer::default();
    let (bare, ranged) = (specs(&["a"]), specs(&["a@^1"]));
    let (first, second) = tokio::join!(
        ensurer.ensure(&bare, p.options()),
        ensurer.ensure(&ranged, p.options()),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let installs = [&first, &second]
        .iter()
        .filter(|r| r.summary.is_some())
        .count();
    assert_eq!(installs, 1, "{first:?} {second:?}");
    let mut labels = first.installed.clone();
    labels.extend(second.already_present.clone());
    labels.extend(first.already_present.clone());
    labels.extend(second.installed.clone());
    assert_eq!(labels, ["a@1.0.0", "a@1.0.0"]);
    assert_eq!(
        p.registry.tarball_requests(),
        1,
        "{:?}",
        p.registry.requests()
    );
    assert_eq!(p.package_json()["dependencies"]["a"], "^1.0.0");
}

/// A failure is remembered for the window (no request, same code), then retried.
#[tokio::test]
async fn a_failure_is_answered_from_the_memo_until_the_window_ends() {
    let p = TestContext::new(&[Pkg::new("a", "1.0.0")], json!({})).await;
    let ensurer = Ensurer::new(Duration::from_millis(300));
    assert!(DEFAULT_FAILURE_WINDOW > Duration::from_millis(300));
    let first = ensurer.ensure(&specs(&["nope"]), p.options()).await;
    assert_eq!(first.unwrap_err().code().as_str(), "E404");
    let asked = p.registry.requests().len();
    assert!(asked > 0);

    let repeat = ensurer.ensure(&specs(&["nope"]), p.options()).await;
    let repeat = repeat.unwrap_err();
    assert_eq!(repeat.code().as_str(), "E404");
    assert!(matches!(
        repeat,
        utoo_install::InstallError::RecentlyFailed { .. }
    ));
    assert_eq!(p.registry.requests().len(), asked, "the memo answered");

    // Another spec is not blocked by the memo.
    let other = ensurer.ensure(&specs(&["a"]), p.options()).await.unwrap();
    assert_eq!(other.installed, ["a@1.0.0"]);

    tokio::time::sleep(Duration::from_millis(350)).await;
    let after = p.registry.requests().len();
    let retried = ensurer.ensure(&specs(&["nope"]), p.options()).await;
    assert_eq!(retried.unwrap_err().code().as_str(), "E404");
    assert!(
        p.registry.requests().len() > after,
        "retried after the window"
    );
}
