//! The engine end to end against the loopback fixture registry, one module per concern.
//! Unix only: the layout checks read inodes and modes.
#![cfg(unix)]

mod bins;
mod cache;
mod config;
mod credentials;
mod ensure;
mod events;
mod faults;
mod incremental;
mod layout;
mod lockfile;
mod network;
mod scripts;
mod specs;
mod workspaces;

use std::path::Path;

use serde_json::json;
use utoo_test::Pkg;

/// Two dependents that disagree on `shared` (one copy hoists, one nests) and a scoped
/// package with a bin.
/// Options for `p` whose user `~/.npmrc` gives the test registry the token `token` (through
/// `${UTOO_TEST_TOKEN}`, as a real npmrc would): what must reach that host and no other. Not
/// the project `.npmrc`: that one may not fill credentials from the environment.
fn options_with_registry_token(
    p: &utoo_test::TestContext,
    token: &str,
) -> utoo_install::InstallOptions {
    let host = p.registry.url().trim_start_matches("http:").to_owned();
    let mut options = p.options();
    let sources = options
        .sources
        .as_mut()
        .expect("TestContext fills the sources");
    let home = sources.home.clone().expect("TestContext has a home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".npmrc"),
        format!("{host}:_authToken=${{UTOO_TEST_TOKEN}}\n"),
    )
    .unwrap();
    sources.env.insert("UTOO_TEST_TOKEN".into(), token.into());
    options
}

fn basic_packages() -> Vec<Pkg> {
    vec![
        Pkg::new("left", "1.0.0").dep("shared", "^1.0.0"),
        Pkg::new("right", "1.0.0").dep("shared", "^2.0.0"),
        Pkg::new("shared", "1.0.0"),
        Pkg::new("shared", "1.5.0"),
        Pkg::new("shared", "2.0.0"),
        Pkg::new("@scope/tool", "3.1.0")
            .with("bin", json!({"tool": "bin/tool.js"}))
            .file(
                "bin/tool.js",
                "#!/usr/bin/env node\nconsole.log('tool ran')\n",
                false,
            ),
    ]
}

/// Files and folders under `dir`, recursively (0 when it does not exist).
fn walk_count(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.path().is_dir() {
                1 + walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// Files named `name` under `dir`, recursively.
fn walk_find(dir: &Path, name: &str) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk_find(&e.path(), name)
            } else {
                usize::from(e.file_name() == name)
            }
        })
        .sum()
}
