//! Resolution rules on in-memory packuments.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use utoo_events::{Events, SilentReporter};
use utoo_lockfile::Lockfile;
use utoo_manifest::{Manifest, Packument};

use crate::{resolve, PackumentSource, ResolveOptions, SourceError};

#[derive(Default)]
struct Fixtures(BTreeMap<String, Arc<Packument>>);

impl Fixtures {
    /// `versions`: (version, extra manifest fields).
    fn add(mut self, name: &str, versions: &[(&str, serde_json::Value)]) -> Self {
        let mut map = serde_json::Map::new();
        let mut latest = String::new();
        for (v, extra) in versions {
            let mut m = json!({"name": name, "version": v,
                "dist": {"tarball": format!("http://r/{name}/-/{name}-{v}.tgz"), "integrity": format!("sha512-{name}{v}")}});
            if let serde_json::Value::Object(e) = extra {
                for (k, val) in e {
                    m[k] = val.clone();
                }
            }
            map.insert(v.to_string(), m);
            latest = v.to_string();
        }
        let p = json!({"name": name, "dist-tags": {"latest": latest}, "versions": map});
        self.0
            .insert(name.into(), Arc::new(serde_json::from_value(p).unwrap()));
        self
    }
}

impl PackumentSource for Fixtures {
    async fn get(&self, name: &str) -> Result<Arc<Packument>, SourceError> {
        self.0.get(name).cloned().ok_or(SourceError {
            code: "E404",
            message: format!("{name} not found"),
        })
    }
    fn prefetch(&self, _name: &str, _req: &utoo_manifest::VersionReq) {}
}

fn root(deps: serde_json::Value) -> Manifest {
    let mut m = json!({"name": "app", "version": "1.0.0"});
    for (k, v) in deps.as_object().unwrap() {
        m[k] = v.clone();
    }
    serde_json::from_value(m).unwrap()
}

async fn run(
    fx: &Fixtures,
    root: &Manifest,
    options: ResolveOptions,
) -> Result<BTreeMap<String, String>, crate::ResolveError> {
    let resolved = resolve(root, None, fx, &options, &silent()).await?;
    Ok(resolved
        .packages
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k, v.version.unwrap()))
        .collect())
}

fn tree(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn hoists_first_and_nests_conflicts() {
    let fx = Fixtures::default()
        .add("a", &[("1.0.0", json!({"dependencies": {"c": "^1"}}))])
        .add("b", &[("1.0.0", json!({"dependencies": {"c": "^2"}}))])
        .add("c", &[("1.0.0", json!({})), ("2.0.0", json!({}))]);
    let got = run(
        &fx,
        &root(json!({"dependencies": {"a": "^1", "b": "^1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        got,
        tree(&[
            ("node_modules/a", "1.0.0"),
            ("node_modules/b", "1.0.0"),
            ("node_modules/b/node_modules/c", "2.0.0"),
            ("node_modules/c", "1.0.0"),
        ])
    );
}

#[tokio::test]
async fn does_not_hoist_over_a_copy_used_below() {
    // root -> a -> b -> x@^1 ; root -> x@^1 ; a -> y -> x@^2.
    // x@2 for y cannot go to a's level? It can: nothing under a uses root's x... except b.
    let fx = Fixtures::default()
        .add(
            "a",
            &[("1.0.0", json!({"dependencies": {"b": "1", "y": "1"}}))],
        )
        .add("b", &[("1.0.0", json!({"dependencies": {"x": "^1"}}))])
        .add("y", &[("1.0.0", json!({"dependencies": {"x": "^2"}}))])
        .add("x", &[("1.0.0", json!({})), ("2.0.0", json!({}))]);
    let got = run(
        &fx,
        &root(json!({"dependencies": {"a": "1", "x": "^1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(got["node_modules/x"], "1.0.0");
    assert_eq!(got["node_modules/y/node_modules/x"], "2.0.0");
}

#[tokio::test]
async fn shadow_check_keeps_new_copy_below_existing_users() {
    // a nests b@1 and x@1 (root has b@2, x@2). b@1 uses root's c@1. x@1 needs c@2: putting
    // it into a/node_modules would hide c@1 from a/node_modules/b, so it nests under x.
    let fx = Fixtures::default()
        .add(
            "a",
            &[("1.0.0", json!({"dependencies": {"b": "^1", "x": "^1"}}))],
        )
        .add(
            "b",
            &[
                ("1.0.0", json!({"dependencies": {"c": "^1"}})),
                ("2.0.0", json!({})),
            ],
        )
        .add(
            "x",
            &[
                ("1.0.0", json!({"dependencies": {"c": "^2"}})),
                ("2.0.0", json!({})),
            ],
        )
        .add("c", &[("1.0.0", json!({})), ("2.0.0", json!({}))]);
    let manifest = root(json!({"dependencies": {"a": "1", "b": "^2", "c": "^1", "x": "^2"}}));
    let got = run(&fx, &manifest, Default::default()).await.unwrap();
    assert_eq!(
        got,
        tree(&[
            ("node_modules/a", "1.0.0"),
            ("node_modules/a/node_modules/b", "1.0.0"),
            ("node_modules/a/node_modules/x", "1.0.0"),
            ("node_modules/a/node_modules/x/node_modules/c", "2.0.0"),
            ("node_modules/b", "2.0.0"),
            ("node_modules/c", "1.0.0"),
            ("node_modules/x", "2.0.0"),
        ])
    );
}

#[tokio::test]
async fn peers_are_installed_beside_their_dependent() {
    let fx = Fixtures::default()
        .add("plugin", &[("1.0.0", json!({"peerDependencies": {"host": "^2"}, "peerDependenciesMeta": {"opt": {"optional": true}}}))])
        .add("host", &[("2.1.0", json!({}))])
        .add("opt", &[("1.0.0", json!({}))]);
    let got = run(
        &fx,
        &root(json!({"dependencies": {"plugin": "1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        got,
        tree(&[
            ("node_modules/host", "2.1.0"),
            ("node_modules/plugin", "1.0.0")
        ])
    );
    let legacy = ResolveOptions {
        legacy_peer_deps: true,
        ..Default::default()
    };
    let got = run(&fx, &root(json!({"dependencies": {"plugin": "1"}})), legacy)
        .await
        .unwrap();
    assert_eq!(got, tree(&[("node_modules/plugin", "1.0.0")]));
}

#[tokio::test]
async fn direct_peer_conflict_is_eresolve_unless_forced() {
    let fx = Fixtures::default()
        .add(
            "plugin",
            &[("1.0.0", json!({"peerDependencies": {"host": "^2"}}))],
        )
        .add("host", &[("1.0.0", json!({})), ("2.0.0", json!({}))]);
    let manifest = root(json!({"dependencies": {"plugin": "1", "host": "^1"}}));
    let err = run(&fx, &manifest, Default::default()).await.unwrap_err();
    assert_eq!(err.code(), "ERESOLVE");
    assert!(err.to_string().contains("host@^2"), "{err}");
    let forced = ResolveOptions {
        force: true,
        ..Default::default()
    };
    assert!(run(&fx, &manifest, forced).await.is_ok());
}

#[tokio::test]
async fn optional_failures_are_skipped_required_ones_fail() {
    let fx = Fixtures::default().add(
        "a",
        &[(
            "1.0.0",
            json!({"optionalDependencies": {"missing": "1", "gone": "^9"}}),
        )],
    );
    let got = run(
        &fx,
        &root(json!({"dependencies": {"a": "1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(got, tree(&[("node_modules/a", "1.0.0")]));
    let err = run(
        &fx,
        &root(json!({"dependencies": {"a": "^2"}})),
        Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "ETARGET");
    assert!(err.to_string().contains("the root project"));
    let err = run(
        &fx,
        &root(json!({"dependencies": {"nope": "1"}})),
        Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "E404");
}

#[tokio::test]
async fn aliases_and_flags() {
    let fx = Fixtures::default()
        .add("real", &[("2.0.0", json!({}))])
        .add(
            "devtool",
            &[("1.0.0", json!({"dependencies": {"real": "2"}}))],
        );
    let manifest = root(
        json!({"dependencies": {"alias": "npm:real@^2"}, "devDependencies": {"devtool": "1"}}),
    );
    let resolved = resolve(&manifest, None, &fx, &Default::default(), &silent())
        .await
        .unwrap();
    let alias = &resolved.packages["node_modules/alias"];
    assert_eq!(alias.name.as_deref(), Some("real"));
    assert!(!alias.dev);
    let dev = &resolved.packages["node_modules/devtool"];
    assert!(dev.dev);
    // devtool's `real` resolves to node_modules/real (not the alias folder).
    assert_eq!(
        resolved.packages["node_modules/real"].version.as_deref(),
        Some("2.0.0")
    );
    assert!(resolved.packages["node_modules/real"].dev);
    assert_eq!(resolved.packages[""].dev_dependencies["devtool"], "1");
}

#[tokio::test]
async fn keeps_locked_versions_that_still_satisfy() {
    let fx = Fixtures::default().add("a", &[("1.0.0", json!({})), ("1.1.0", json!({}))]);
    let lock = Lockfile::from_value(
        json!({"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {"version": "1.0.0"}}}),
    )
    .unwrap();
    let manifest = root(json!({"dependencies": {"a": "^1"}}));
    let resolved = resolve(&manifest, Some(&lock), &fx, &Default::default(), &silent())
        .await
        .unwrap();
    assert_eq!(
        resolved.packages["node_modules/a"].version.as_deref(),
        Some("1.0.0")
    );
    let resolved = resolve(&manifest, None, &fx, &Default::default(), &silent())
        .await
        .unwrap();
    assert_eq!(
        resolved.packages["node_modules/a"].version.as_deref(),
        Some("1.1.0")
    );
}

#[tokio::test]
async fn a_package_whose_peer_conflicts_above_nests_with_its_peer() {
    // root -> amicro -> pico@2 (hoisted first); root -> glob -> fdir, fdir peers pico ^4 (optional).
    // fdir cannot live at the root (pico@2 there); it nests under glob with pico@4 beside it.
    let fx = Fixtures::default()
        .add("amicro", &[("1.0.0", json!({"dependencies": {"pico": "^2"}}))])
        .add("glob", &[("1.0.0", json!({"dependencies": {"fdir": "^6", "pico": "^4"}}))])
        .add("fdir", &[("6.0.0", json!({"peerDependencies": {"pico": "^4"}, "peerDependenciesMeta": {"pico": {"optional": true}}}))])
        .add("pico", &[("2.0.0", json!({})), ("4.0.0", json!({}))]);
    let manifest = root(json!({"dependencies": {"amicro": "1", "glob": "1"}}));
    let got = run(&fx, &manifest, Default::default()).await.unwrap();
    assert_eq!(
        got,
        tree(&[
            ("node_modules/glob", "1.0.0"),
            ("node_modules/glob/node_modules/fdir", "6.0.0"),
            ("node_modules/glob/node_modules/pico", "4.0.0"),
            ("node_modules/amicro", "1.0.0"),
            ("node_modules/pico", "2.0.0"),
        ])
    );
}

#[tokio::test]
async fn peers_are_placed_with_their_dependent_before_others_take_the_spot() {
    // plugin (a) peers host@^2; b (processed later) depends on host@^1. The peer set claims
    // the root spot first; b nests its own host.
    let fx = Fixtures::default()
        .add(
            "a",
            &[("1.0.0", json!({"peerDependencies": {"host": "^2"}}))],
        )
        .add("b", &[("1.0.0", json!({"dependencies": {"host": "^1"}}))])
        .add("host", &[("1.0.0", json!({})), ("2.0.0", json!({}))]);
    let got = run(
        &fx,
        &root(json!({"dependencies": {"a": "1", "b": "1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(got["node_modules/host"], "2.0.0");
    assert_eq!(got["node_modules/b/node_modules/host"], "1.0.0");
}

#[tokio::test]
async fn a_peer_placed_early_takes_the_projects_own_range() {
    // `@plugin` sorts before `host`: its peer set is placed first, and must use the root's
    // own `host@^1` (which also satisfies the peer's `>=1`), not the newest host.
    let fx = Fixtures::default()
        .add(
            "@plugin/x",
            &[("1.0.0", json!({"peerDependencies": {"host": ">=1"}}))],
        )
        .add("host", &[("1.5.0", json!({})), ("2.0.0", json!({}))]);
    let got = run(
        &fx,
        &root(json!({"dependencies": {"@plugin/x": "1", "host": "^1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        got,
        tree(&[
            ("node_modules/@plugin/x", "1.0.0"),
            ("node_modules/host", "1.5.0")
        ])
    );
}

#[tokio::test]
async fn a_peer_takes_the_version_its_dependents_requester_pins() {
    // tool -> (helper, engine@^1); helper peers engine >=1. helper hoists to the root with its
    // peer set; the peer takes tool's engine@^1, not the newest engine (npm's peer-set rule).
    let fx = Fixtures::default()
        .add(
            "tool",
            &[(
                "1.0.0",
                json!({"dependencies": {"helper": "1", "engine": "^1"}}),
            )],
        )
        .add(
            "helper",
            &[("1.0.0", json!({"peerDependencies": {"engine": ">=1"}}))],
        )
        .add("engine", &[("1.2.0", json!({})), ("2.0.0", json!({}))]);
    let got = run(
        &fx,
        &root(json!({"dependencies": {"tool": "1"}})),
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        got,
        tree(&[
            ("node_modules/engine", "1.2.0"),
            ("node_modules/helper", "1.0.0"),
            ("node_modules/tool", "1.0.0")
        ])
    );
}

#[tokio::test]
async fn a_stricter_peer_replaces_the_version_a_loose_one_placed() {
    // gulp-ts (first) peers typescript >=2 and gets the project's ^5.4 → newest 5.9; typedoc
    // then peers 5.4.x: 5.4.5 satisfies everyone, so it replaces 5.9 (npm's REPLACE).
    let fx = Fixtures::default()
        .add(
            "gulp-ts",
            &[("1.0.0", json!({"peerDependencies": {"typescript": ">=2"}}))],
        )
        .add(
            "typedoc",
            &[(
                "1.0.0",
                json!({"peerDependencies": {"typescript": "5.4.x"}}),
            )],
        )
        .add("typescript", &[("5.4.5", json!({})), ("5.9.3", json!({}))]);
    let manifest =
        root(json!({"dependencies": {"gulp-ts": "1", "typedoc": "1", "typescript": "^5.4.0"}}));
    let got = run(&fx, &manifest, Default::default()).await.unwrap();
    assert_eq!(got["node_modules/typescript"], "5.4.5");
}

fn silent() -> Events {
    Events::new(Arc::new(SilentReporter))
}
