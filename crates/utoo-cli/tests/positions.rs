//! A malformed package.json, package-lock.json or `.npmrc` stops the CLI with the code and
//! the file, line and column on the error line itself (JS gets the same message).

use serde_json::json;
use utoo_test::{Pkg, TestContext};

async fn project() -> TestContext {
    let packages = vec![Pkg::new("dep", "1.0.0")];
    TestContext::new(&packages, json!({"dependencies": {"dep": "1"}})).await
}

// Runs `utoo install` and returns its `error[...]` line, redacted. Columns are 1-based and
// point at the first offending character (counted by hand in each test).
fn error_line(ctx: &TestContext) -> String {
    let out = ctx
        .command(env!("CARGO_BIN_EXE_utoo"))
        .arg("install")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1), "{}", ctx.render_output(&out));
    let stderr = ctx.redact(&String::from_utf8_lossy(&out.stderr));
    stderr
        .lines()
        .find(|l| l.starts_with("error["))
        .unwrap_or_else(|| panic!("no error line in {stderr}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_package_json_is_ejsonparse_at_its_line_and_column() {
    let ctx = project().await;
    std::fs::write(
        ctx.root().join("package.json"),
        "{\n  \"name\": \"x\",\n  \"dependencies\": {\"dep\": 1.0.}\n}\n",
    )
    .unwrap();
    assert_eq!(
        error_line(&ctx),
        "error[EJSONPARSE]: `[PROJECT]/package.json:3:30` is not valid JSON"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_lockfile_is_ejsonparse_at_its_line_and_column() {
    let ctx = project().await;
    std::fs::write(
        ctx.root().join("package-lock.json"),
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {,}\n}\n",
    )
    .unwrap();
    assert_eq!(
        error_line(&ctx),
        "error[EJSONPARSE]: `[PROJECT]/package-lock.json:3:16` is not valid JSON"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_npmrc_that_is_not_text_is_econfig_at_its_line_and_column() {
    let ctx = project().await;
    std::fs::write(ctx.root().join(".npmrc"), b"save-exact=true\nfoo=ab\xff\n").unwrap();
    assert_eq!(
        error_line(&ctx),
        "error[ECONFIG]: `[PROJECT]/.npmrc:2:7` is not UTF-8 text"
    );
}
