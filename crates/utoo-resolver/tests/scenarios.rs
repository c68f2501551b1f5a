//! Resolution rules as data: every `tests/scenarios/*.toml` is one test, named after its
//! file (`cargo test -p utoo-resolver --test scenarios -- peer`). The format is described in
//! `tests/scenarios/README.md`; this runner is written once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{json, Map, Value};
use utoo_events::{ErrorCode, Events, SilentReporter};
use utoo_lockfile::Lockfile;
use utoo_manifest::{Manifest, Packument, Spec, VersionReq};
use utoo_resolver::{PackumentSource, ResolveError, ResolveOptions, SourceError};

fn main() -> std::process::ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario in {}", dir.display());
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            Trial::test(name, move || {
                run_file(&path).map_err(|e| Failed::from(format!("{}: {e}", path.display())))
            })
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

/// The main case of a file, then each `[[variant]]`; the first failure names its case.
fn run_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    let doc = serde_json::to_value(table).map_err(|e| e.to_string())?;
    known_keys(
        &doc,
        "the file",
        &[
            "description",
            "root",
            "options",
            "locked",
            "packages",
            "expected",
            "variant",
        ],
    )?;
    let source = Fixtures::from_scenario(doc.get("packages").unwrap_or(&Value::Null))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let main = Case::read(&doc, None, "the main case")?;
    runtime
        .block_on(main.check(&source))
        .map_err(|e| format!("the main case: {e}"))?;
    for variant in doc
        .get("variant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        known_keys(
            variant,
            "a [[variant]]",
            &["name", "root", "options", "locked", "expected"],
        )?;
        let name = variant
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a [[variant]] without a `name`")?;
        let case = Case::read(variant, Some(&main), name)?;
        runtime
            .block_on(case.check(&source))
            .map_err(|e| format!("variant `{name}`: {e}"))?;
    }
    Ok(())
}

fn known_keys(value: &Value, what: &str, allowed: &[&str]) -> Result<(), String> {
    match value.as_object() {
        Some(map) => match map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(key) => Err(format!(
                "unknown key `{key}` in {what} (known: {})",
                allowed.join(", ")
            )),
            None => Ok(()),
        },
        None if value.is_null() => Ok(()),
        None => Err(format!("{what} is not a table")),
    }
}

/// What one resolution is given and what it must give.
#[derive(Clone)]
struct Case {
    root: Value,
    options: Value,
    locked: Option<Value>,
    expected: Value,
}

impl Case {
    /// A variant takes the main case's root, options and lockfile unless it sets its own.
    fn read(table: &Value, main: Option<&Case>, name: &str) -> Result<Case, String> {
        let inherit = |key: &str, of_main: Option<&Value>| {
            table
                .get(key)
                .or(of_main)
                .cloned()
                .unwrap_or_else(|| json!({}))
        };
        let case = Case {
            root: inherit("root", main.map(|m| &m.root)),
            options: inherit("options", main.map(|m| &m.options)),
            locked: table
                .get("locked")
                .cloned()
                .or_else(|| main.and_then(|m| m.locked.clone())),
            expected: table
                .get("expected")
                .cloned()
                .ok_or_else(|| format!("{name} has no [expected]"))?,
        };
        known_keys(
            &case.options,
            "[options]",
            &[
                "legacy_peer_deps",
                "strict_peer_deps",
                "force",
                "node_version",
            ],
        )?;
        known_keys(
            &case.expected,
            "[expected]",
            &["tree", "includes", "entries", "error", "warnings"],
        )?;
        if case.expected.as_object().is_none_or(Map::is_empty) {
            return Err(format!("{name}: [expected] asserts nothing"));
        }
        Ok(case)
    }

    async fn check(&self, source: &Fixtures) -> Result<(), String> {
        let result = resolve(source, self).await;
        let expected = &self.expected;
        if let Some(error) = expected.get("error") {
            known_keys(
                error,
                "[expected.error]",
                &["code", "message", "dependents"],
            )?;
            let err = match result {
                Ok(outcome) => return Err(format!("resolved, wanted an error: {outcome:?}")),
                Err(err) => err,
            };
            if let Some(code) = error.get("code").and_then(Value::as_str) {
                if err.code().as_str() != code {
                    return Err(format!("error code {}, wanted {code}: {err}", err.code()));
                }
            }
            if let Some(fragment) = error.get("message").and_then(Value::as_str) {
                if !err.to_string().contains(fragment) {
                    return Err(format!("error `{err}` does not mention `{fragment}`"));
                }
            }
            if let Some(wanted) = error.get("dependents") {
                let got = err.required_by().map(utoo_resolver::RequiredBy::dependents);
                if got.map(|d| json!(d)).as_ref() != Some(wanted) {
                    return Err(format!("dependents {got:?}, wanted {wanted}"));
                }
            }
            return Ok(());
        }
        let outcome = result.map_err(|e| format!("failed with {}: {e}", e.code()))?;
        let tree = outcome.tree();
        if let Some(wanted) = expected.get("tree") {
            let wanted = versions(wanted, "[expected.tree]")?;
            if tree != wanted {
                return Err(format!("tree differs\n got: {tree:#?}\nwant: {wanted:#?}"));
            }
        }
        if let Some(wanted) = expected.get("includes") {
            for (path, version) in versions(wanted, "[expected.includes]")? {
                if tree.get(&path) != Some(&version) {
                    return Err(format!(
                        "`{path}` is {:?}, wanted {version}; tree: {tree:#?}",
                        tree.get(&path)
                    ));
                }
            }
        }
        if let Some(entries) = expected.get("entries").and_then(Value::as_object) {
            for (path, fields) in entries {
                let got = outcome
                    .packages
                    .get(path)
                    .ok_or_else(|| format!("no entry `{path}`"))?;
                subset(fields, got).map_err(|e| format!("entry `{path}`: {e}; entry: {got}"))?;
            }
        }
        if let Some(wanted) = expected.get("warnings") {
            let wanted: Vec<&str> = wanted
                .as_array()
                .ok_or("[expected] warnings is a list of codes")?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if outcome.warnings != wanted {
                return Err(format!(
                    "warnings {:?}, wanted {wanted:?}",
                    outcome.warnings
                ));
            }
        }
        Ok(())
    }
}

/// What a resolution gave, in the lockfile's own JSON.
#[derive(Debug)]
struct Outcome {
    /// Install path → its package-lock.json entry.
    packages: Map<String, Value>,
    /// The codes of the warnings, in order.
    warnings: Vec<String>,
}

impl Outcome {
    /// Path → version, the root left out.
    fn tree(&self) -> BTreeMap<String, String> {
        self.packages
            .iter()
            .filter(|(path, _)| !path.is_empty())
            .map(|(path, entry)| {
                let version = entry["version"].as_str().unwrap_or("(none)");
                (path.clone(), version.to_owned())
            })
            .collect()
    }
}

/// The one call of `utoo_resolver::resolve` (its signature is the runner's only tie to the
/// resolver's API).
async fn resolve(source: &Fixtures, case: &Case) -> Result<Outcome, ResolveError> {
    let mut root = json!({"name": "app", "version": "1.0.0"});
    for (key, value) in case.root.as_object().into_iter().flatten() {
        root[key] = value.clone();
    }
    let root: Manifest = serde_json::from_value(root).expect("[root] is a package.json");
    let locked = case
        .locked
        .clone()
        .map(|value| Lockfile::from_value(value).expect("[locked] is a package-lock.json"));
    let flag = |key: &str| case.options.get(key).and_then(Value::as_bool) == Some(true);
    let options = ResolveOptions {
        legacy_peer_deps: flag("legacy_peer_deps"),
        strict_peer_deps: flag("strict_peer_deps"),
        force: flag("force"),
        node_version: case
            .options
            .get("node_version")
            .and_then(Value::as_str)
            .map(|v| v.parse().expect("[options] node_version is a version")),
        prefer: Vec::new(),
    };
    let events = Events::new(Arc::new(SilentReporter));
    let resolved =
        utoo_resolver::resolve(&root, locked.as_ref(), source, &options, &events).await?;
    let warnings = events
        .warnings()
        .iter()
        .map(|w| w.code.as_str().to_owned())
        .collect();
    let lockfile = Lockfile {
        name: Some("app".into()),
        version: Some("1.0.0".into()),
        lockfile_version: 3,
        packages: resolved.packages,
    };
    let json: Value =
        serde_json::from_str(&lockfile.to_json("  ", false, false)).expect("lockfiles are JSON");
    let packages = json["packages"].as_object().cloned().unwrap_or_default();
    Ok(Outcome { packages, warnings })
}

fn versions(table: &Value, what: &str) -> Result<BTreeMap<String, String>, String> {
    table
        .as_object()
        .ok_or_else(|| format!("{what} is a table of path = version"))?
        .iter()
        .map(|(path, version)| match version.as_str() {
            Some(v) => Ok((path.clone(), v.to_owned())),
            None => Err(format!("{what}: `{path}` is not a version string")),
        })
        .collect()
}

/// Every field of `wanted` is in `got` with that value (tables compared the same way);
/// `false` also matches a field npm leaves out (`dev`, `optional`, `peer` are written only
/// when true).
fn subset(wanted: &Value, got: &Value) -> Result<(), String> {
    match (wanted, got) {
        (Value::Object(wanted), Value::Object(_)) => {
            for (key, value) in wanted {
                match (value, got.get(key)) {
                    (Value::Bool(false), None) => {}
                    (_, None) => return Err(format!("`{key}` missing, wanted {value}")),
                    (_, Some(g)) => subset(value, g).map_err(|e| format!("`{key}`: {e}"))?,
                }
            }
            Ok(())
        }
        _ if wanted == got => Ok(()),
        _ => Err(format!("{got}, wanted {wanted}")),
    }
}

/// In-memory packuments built from a scenario's `[packages]`.
struct Fixtures(BTreeMap<String, Arc<Packument>>);

impl Fixtures {
    fn from_scenario(packages: &Value) -> Result<Fixtures, String> {
        let mut out = BTreeMap::new();
        for (name, package) in packages.as_object().into_iter().flatten() {
            known_keys(
                package,
                &format!("[packages.{name}]"),
                &["versions", "dist-tags"],
            )?;
            let mut versions = Map::new();
            for (version, fields) in package
                .get("versions")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("[packages.{name}] has no versions"))?
            {
                let mut manifest = json!({"name": name, "version": version, "dist": {
                    "tarball": format!("http://r/{name}/-/{name}-{version}.tgz"),
                    "integrity": format!("sha512-{name}{version}"),
                }});
                for (key, value) in fields.as_object().into_iter().flatten() {
                    manifest[key] = value.clone();
                }
                versions.insert(version.clone(), manifest);
            }
            let tags = match package.get("dist-tags") {
                Some(tags) => tags.clone(),
                None => json!({"latest": highest(name, versions.keys())?}),
            };
            let packument = json!({"name": name, "dist-tags": tags, "versions": versions});
            let packument: Packument =
                serde_json::from_value(packument).map_err(|e| format!("[packages.{name}]: {e}"))?;
            out.insert(name.clone(), Arc::new(packument));
        }
        Ok(Fixtures(out))
    }
}

/// `latest` unless a scenario says otherwise: the highest version published.
fn highest<'a>(name: &str, versions: impl Iterator<Item = &'a String>) -> Result<String, String> {
    let mut parsed = Vec::new();
    for v in versions {
        let version: nodejs_semver::Version = v
            .parse()
            .map_err(|e| format!("[packages.{name}] version `{v}`: {e}"))?;
        parsed.push((version, v.clone()));
    }
    parsed
        .into_iter()
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v)
        .ok_or_else(|| format!("[packages.{name}] has no versions"))
}

impl PackumentSource for Fixtures {
    async fn get(&self, name: &str) -> Result<Arc<Packument>, SourceError> {
        self.0.get(name).cloned().ok_or_else(|| {
            let missing =
                std::io::Error::new(std::io::ErrorKind::NotFound, format!("{name} not found"));
            SourceError::new(ErrorCode::NotFound, Arc::new(missing))
        })
    }
    fn prefetch(&self, _name: &str, _req: &VersionReq) {}

    // A file, remote or git spec answers with the fixture of the dependency's name: one
    // version, as a fetched tarball or a checkout would.
    async fn get_spec(
        &self,
        name: &str,
        _spec: &Spec,
    ) -> Option<Result<Arc<Packument>, SourceError>> {
        Some(self.get(name).await)
    }
}
