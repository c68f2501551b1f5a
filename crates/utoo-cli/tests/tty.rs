//! The binary on a pseudo-terminal (util-linux `script`): the live bars, color, and
//! `NO_COLOR` turning color off.

use std::process::Command;

use serde_json::json;
use utoo_test::{Pkg, TestContext};

/// What the binary wrote to the terminal running `utoo install`; `None` without `script`.
fn install_on_a_terminal(ctx: &TestContext, no_color: Option<&str>) -> Option<String> {
    // A fresh resolve each time: deprecations are warned about while resolving.
    let _ = std::fs::remove_dir_all(ctx.root().join("node_modules"));
    let _ = std::fs::remove_file(ctx.root().join("package-lock.json"));
    Command::new("script").arg("--version").output().ok()?;
    let line = format!("'{}' install", env!("CARGO_BIN_EXE_utoo"));
    let mut cmd = ctx.command("script");
    cmd.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
    match no_color {
        Some(value) => cmd.env("NO_COLOR", value),
        None => cmd.env_remove("NO_COLOR"),
    };
    let output = cmd.output().expect("script runs");
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The SGR (color and style) sequences in `text`: `ESC [ params m`.
fn sgr_sequences(text: &str) -> Vec<String> {
    text.split('\x1b')
        .skip(1)
        .filter_map(|rest| {
            let params = rest.strip_prefix('[')?;
            let end = params.find(|c: char| ('\x40'..='\x7e').contains(&c))?;
            (params.as_bytes()[end] == b'm').then(|| params[..=end].to_owned())
        })
        .collect()
}

async fn project() -> TestContext {
    TestContext::new(
        &[
            Pkg::new("old", "1.0.0").with("deprecated", json!("use new")),
            Pkg::new("new", "1.0.0"),
        ],
        json!({"dependencies": {"old": "1", "new": "1"}}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn bars_and_color_on_a_terminal_and_no_color_turns_color_off() {
    let ctx = project().await;
    let Some(colored) = install_on_a_terminal(&ctx, None) else {
        eprintln!("no `script` here: skipped");
        return;
    };
    assert!(
        colored.contains("\x1b[33mwarn\x1b[0m EDEPRECATED old@1.0.0: use new"),
        "{colored:?}"
    );
    assert!(!sgr_sequences(&colored).is_empty(), "{colored:?}");
    for seen in ["fetch", "link", "done in", "added 2 packages in "] {
        assert!(colored.contains(seen), "{seen}: {colored:?}");
    }
    for no_color in ["1", "false"] {
        let plain = install_on_a_terminal(&ctx, Some(no_color)).unwrap();
        assert_eq!(sgr_sequences(&plain), Vec::<String>::new(), "{plain:?}");
        assert!(
            plain.contains("warn EDEPRECATED old@1.0.0: use new"),
            "{plain:?}"
        );
        assert!(plain.contains("done in"), "the bars stay: {plain:?}");
    }
}

/// Off a terminal nothing is escaped at all, `NO_COLOR` or not.
#[tokio::test(flavor = "multi_thread")]
async fn no_escape_off_a_terminal() {
    let ctx = project().await;
    let output = ctx
        .command(env!("CARGO_BIN_EXE_utoo"))
        .arg("install")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("added 2 packages in "), "{text}");
    assert!(!text.contains('\x1b'), "{text:?}");
}
