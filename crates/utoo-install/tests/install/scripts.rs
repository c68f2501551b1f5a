//! Lifecycle scripts: order, private copies, failures.

use serde_json::json;
use utoo_test::{Pkg, TestContext};

use crate::walk_find;

/// A dependency whose install script runs (`base-dep`) under one that has a postinstall
/// (`app-dep`); both log their name to `order.log` in the project.
pub(crate) fn scripted_packages() -> Vec<Pkg> {
    vec![
        Pkg::new("app-dep", "1.0.0")
            .dep("base-dep", "1")
            .with("scripts", json!({"postinstall": "node -e \"require('fs').appendFileSync(process.env.INIT_CWD + '/order.log', process.env.npm_package_name + '\\n')\""})),
        Pkg::new("base-dep", "1.0.0")
            .with("scripts", json!({"install": "sleep 0.3; node -e \"require('fs').appendFileSync(process.env.INIT_CWD + '/order.log', process.env.npm_package_name + '\\n')\"; echo built > built.txt"})),
    ]
}

#[tokio::test]
async fn scripts_run_in_dependency_order_on_private_copies() {
    let p = TestContext::new(&scripted_packages(), json!({"dependencies": {"app-dep": "1"}, "scripts": {"postinstall": "echo root >> order.log"}})).await;
    let summary = p.install().await.unwrap();
    assert_eq!(summary.scripts_run, 3);
    assert_eq!(
        std::fs::read_to_string(p.root().join("order.log")).unwrap(),
        "base-dep\napp-dep\nroot\n"
    );
    assert!(p.root().join("node_modules/base-dep/built.txt").is_file());
    // The package with scripts got a private copy: the cache never saw built.txt.
    assert_eq!(walk_find(&p.cache, "built.txt"), 0);
    assert_eq!(
        p.lockfile()["packages"]["node_modules/base-dep"]["hasInstallScript"],
        true
    );
}

#[tokio::test]
async fn failing_script_fails_the_install_and_ignore_scripts_skips_it() {
    let packages = vec![Pkg::new("broken", "1.0.0")
        .with("scripts", json!({"postinstall": "echo kaput >&2; exit 7"}))];
    let p = TestContext::new(&packages, json!({"dependencies": {"broken": "1"}})).await;
    let err = p.install().await.unwrap_err();
    assert_eq!(err.code(), "ELIFECYCLE");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        source.contains("broken@1.0.0") && source.contains("kaput"),
        "{source}"
    );
    // Not marked complete: the next run tries again.
    assert!(!p.root().join("node_modules/.package-lock.json").exists());
    let mut options = p.options();
    options.set("ignore-scripts", true);
    let summary = utoo_install::install(options).await.unwrap();
    assert_eq!(summary.scripts_run, 0);
}
