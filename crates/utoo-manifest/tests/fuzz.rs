//! Bounded fuzzing (proptest, so it runs on stable) of the range/spec parser and the packument
//! reader: hostile input never panics, and what parses keeps its invariants. `UTOO_FUZZ_CASES`
//! sets the cases per property (default 256; `npm test` runs more).

use proptest::prelude::*;
use serde_json::{json, Value};
use utoo_manifest::{check_name, Packument, Spec, VersionReq};

fn cases() -> u32 {
    std::env::var("UTOO_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Pieces of npm's range grammar, and of what is not: strung together at random.
fn range_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("^".to_owned()),
        Just("~".to_owned()),
        Just(">=".to_owned()),
        Just("<".to_owned()),
        Just(" || ".to_owned()),
        Just(" - ".to_owned()),
        Just("x".to_owned()),
        Just("*".to_owned()),
        Just(".".to_owned()),
        Just("-beta.".to_owned()),
        Just("+build".to_owned()),
        Just("npm:".to_owned()),
        Just("@".to_owned()),
        Just("/".to_owned()),
        Just("..".to_owned()),
        Just("file:".to_owned()),
        Just("git+".to_owned()),
        Just("\\".to_owned()),
        "[0-9]{1,20}",
        "[a-z]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// Names that are, and are not, package names.
fn name_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("@".to_owned()),
        Just("/".to_owned()),
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just("\\".to_owned()),
        Just("_".to_owned()),
        Just("%2e".to_owned()),
        "[a-z0-9-]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

// A registry spec's name is a single folder under node_modules (or `@scope/name`).
fn assert_safe_folder_name(name: &str) {
    assert!(check_name(name).is_ok(), "{name:?}");
    let parts: Vec<&str> = name.split('/').collect();
    assert!(
        parts.len() <= 2 && (parts.len() == 1 || name.starts_with('@')),
        "{name:?}"
    );
    assert!(
        parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains('\\')),
        "{name:?}"
    );
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        range_text().prop_map(Value::String),
    ]
}

/// JSON of about a packument's shape, with every field liable to be the wrong type.
fn packument_json() -> impl Strategy<Value = Value> {
    let any_json = json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(name_text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let version = (
        range_text(),
        prop::option::of(any_json.clone()),
        prop::option::of(any_json.clone()),
        prop::option::of(any_json.clone()),
    )
        .prop_map(|(v, deps, dist, bin)| {
            let mut m = json!({"name": "p", "version": v});
            for (key, value) in [("dependencies", deps), ("dist", dist), ("bin", bin)] {
                if let Some(value) = value {
                    m[key] = value;
                }
            }
            (v, m)
        });
    (
        prop::collection::vec(version, 0..5),
        prop::option::of(any_json),
        range_text(),
    )
        .prop_map(|(versions, extra, latest)| {
            let mut doc = json!({"name": "p", "dist-tags": {"latest": latest}, "versions": {}});
            for (v, m) in versions {
                doc["versions"][v] = m;
            }
            if let Some(extra) = extra {
                doc["time"] = extra;
            }
            doc
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn ranges_and_specs_never_panic_and_names_stay_one_folder(name in name_text(), raw in range_text()) {
        let _ = VersionReq::parse(&raw);
        if let Ok(Spec::Registry { name: real, .. }) = Spec::parse(&name, &raw) {
            assert_safe_folder_name(&name);
            assert_safe_folder_name(&real);
        }
    }

    #[test]
    fn packuments_never_panic(doc in packument_json(), raw in range_text(), cut in any::<prop::sample::Index>()) {
        let bytes = serde_json::to_vec(&doc).unwrap();
        if let Ok(packument) = Packument::from_json_slice(&bytes) {
            let picked = packument.pick(&VersionReq::parse(&raw), None);
            if let Some(version) = picked {
                prop_assert!(packument.has_version(&version));
                let _ = packument.manifest(&version);
            }
        }
        // The same document cut short anywhere is an error, never a panic.
        let end = cut.index(bytes.len().max(1));
        let _ = Packument::from_json_slice(&bytes[..end]);
    }
}

/// The committed corpus (tests/corpus/): specs and names that once mattered, replayed on every
/// run through the same invariants as the generated ones.
#[test]
fn the_corpus_never_panics_and_names_stay_single_folders() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let read = |file: &str| std::fs::read_to_string(corpus.join(file)).unwrap();
    let names = read("names.txt");
    for spec in read("specs.txt").lines() {
        let _ = VersionReq::parse(spec);
        for name in names.lines().chain(["x"]) {
            if let Ok(Spec::Registry { name: real, .. }) = Spec::parse(name, spec) {
                assert_safe_folder_name(&real);
            }
        }
    }
    for name in names.lines() {
        if check_name(name).is_ok() {
            assert_safe_folder_name(name);
        }
    }
}
