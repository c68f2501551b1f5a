//! Bounded fuzzing (proptest) of the lockfile reader: hostile lockfiles never panic, and a
//! lockfile that reads has only `packages` keys inside the project. `UTOO_FUZZ_CASES` sets
//! the cases per property (default 256).

use proptest::prelude::*;
use serde_json::{json, Value};
use utoo_lockfile::Lockfile;

fn cases() -> u32 {
    std::env::var("UTOO_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn key() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("node_modules/".to_owned()),
        Just("..".to_owned()),
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("@scope/".to_owned()),
        Just("C:".to_owned()),
        Just(".".to_owned()),
        "[a-z]{1,5}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        key().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 20, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("version".to_owned()),
                    Just("resolved".to_owned()),
                    Just("integrity".to_owned()),
                    Just("link".to_owned()),
                    Just("dependencies".to_owned()),
                    Just("bin".to_owned()),
                    key()
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn lockfile() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just(json!(1)), Just(json!(2)), Just(json!(3)), value()],
        prop::collection::btree_map(key(), value(), 0..6),
        prop::option::of(value()),
    )
        .prop_map(|(version, packages, dependencies)| {
            let mut doc = json!({"name": "p", "lockfileVersion": version, "packages": packages});
            if let Some(d) = dependencies {
                doc["dependencies"] = d;
            }
            doc
        })
}

// Inside the project: relative, no `..` or empty segment, no drive or backslash tricks.
fn inside_project(key: &str) -> bool {
    key.is_empty()
        || (!key.starts_with('/')
            && !key.contains('\\')
            && !key.contains(':')
            && key
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != ".."))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn lockfiles_never_panic_and_keys_stay_inside_the_project(doc in lockfile(), cut in any::<prop::sample::Index>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("package-lock.json");
        let bytes = serde_json::to_vec(&doc).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(Some(lock)) = Lockfile::read(&path) {
            for key in lock.packages.keys() {
                prop_assert!(inside_project(key), "{key:?} read as a package path");
            }
        }
        let end = cut.index(bytes.len().max(1));
        std::fs::write(&path, &bytes[..end]).unwrap();
        let _ = Lockfile::read(&path);
    }
}

/// The committed corpus (tests/corpus/): inputs that once mattered, replayed on every run.
#[test]
fn the_corpus_never_panics_and_keys_stay_inside_the_project() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        seen += 1;
        if let Ok(Some(lock)) = Lockfile::read(&path) {
            for key in lock.packages.keys() {
                assert!(
                    inside_project(key),
                    "{}: {key:?} read as a package path",
                    path.display()
                );
            }
        }
    }
    assert!(seen >= 5, "the corpus is there");
}
