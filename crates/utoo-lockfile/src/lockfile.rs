use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use utoo_events::ErrorCode;

use crate::format::{locale_cmp, to_npm_json};
use crate::LockEntry;

/// npm's cache of the tree on disk, inside node_modules.
pub const HIDDEN_LOCKFILE: &str = ".package-lock.json";

/// Why a lockfile could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file exists but cannot be read.
    #[error("could not read `{path}`")]
    Read {
        /// The lockfile.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON of a lockfile's shape: the message names the file, line and
    /// column.
    #[error("`{}:{}:{}` is not valid JSON", .path.display(), .source.line(), .source.column())]
    Parse {
        /// The lockfile.
        path: PathBuf,
        /// Where parsing stopped.
        #[source]
        source: serde_json::Error,
    },
    /// A `packages` key that would place a package outside the project.
    #[error("`{path}` has a package path `{key}` that leaves the project")]
    BadPath {
        /// The lockfile.
        path: PathBuf,
        /// The offending key.
        key: String,
    },
    /// Writing the temp file or renaming it into place failed.
    #[error("could not write `{path}`")]
    Write {
        /// The lockfile.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl LockError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        match self {
            LockError::Parse { .. } => ErrorCode::JsonParse,
            LockError::Read { .. } | LockError::BadPath { .. } | LockError::Write { .. } => {
                ErrorCode::Io
            }
        }
    }
}

/// A `package-lock.json` (or the hidden lockfile) in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lockfile {
    /// The root project's name, as npm writes it at the top.
    pub name: Option<String>,
    /// The root project's version.
    pub version: Option<String>,
    /// The version the file was read with (written files are always 3).
    pub lockfile_version: u64,
    /// Install path → entry; `""` is the root project.
    pub packages: BTreeMap<String, LockEntry>,
}

impl Lockfile {
    /// Reads a lockfile; `Ok(None)` when there is none.
    pub fn read(path: &Path) -> Result<Option<Lockfile>, LockError> {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(LockError::Read {
                    path: path.into(),
                    source,
                })
            }
        };
        let parse = |source| LockError::Parse {
            path: path.into(),
            source,
        };
        let lock = Lockfile::from_slice(&text).map_err(parse)?;
        if let Some(key) = lock.packages.keys().find(|k| !is_safe_package_path(k)) {
            return Err(LockError::BadPath {
                path: path.into(),
                key: key.clone(),
            });
        }
        Ok(Some(lock))
    }

    /// Parses lockfile text. v2/v3 entries deserialise straight from the text (no JSON tree
    /// of the whole file in memory); a v1 file, which has no `packages`, goes through one.
    pub fn from_slice(text: &[u8]) -> Result<Lockfile, serde_json::Error> {
        #[derive(serde::Deserialize)]
        struct Top {
            #[serde(default)]
            name: Option<Value>,
            #[serde(default)]
            version: Option<Value>,
            #[serde(default, rename = "lockfileVersion")]
            lockfile_version: Option<Value>,
            #[serde(default)]
            packages: Option<BTreeMap<String, LockEntry>>,
        }
        let top: Top = serde_json::from_slice(text)?;
        let Some(packages) = top.packages else {
            return Lockfile::from_value(serde_json::from_slice(text)?);
        };
        let string = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        Ok(Lockfile {
            name: string(top.name),
            version: string(top.version),
            lockfile_version: top.lockfile_version.and_then(|v| v.as_u64()).unwrap_or(1),
            packages,
        })
    }

    /// A lockfile from parsed JSON, any version; entries are moved out of `value`, not copied.
    pub fn from_value(value: Value) -> Result<Lockfile, serde_json::Error> {
        let mut top = match value {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let str_field = |k: &str| top.get(k).and_then(Value::as_str).map(str::to_owned);
        let (name, version) = (str_field("name"), str_field("version"));
        let lockfile_version = top
            .get("lockfileVersion")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        let packages = match top.remove("packages") {
            Some(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| Ok((k, serde_json::from_value(v)?)))
                .collect::<Result<BTreeMap<_, _>, serde_json::Error>>()?,
            _ => from_v1(&top),
        };
        Ok(Lockfile {
            name,
            version,
            lockfile_version,
            packages,
        })
    }

    /// The JSON text npm would write (v3). `hidden` drops the root entry, as npm does for
    /// `node_modules/.package-lock.json`. `omit_resolved` drops registry `resolved` URLs
    /// (`omit-lockfile-registry-resolved`).
    pub fn to_json(&self, indent: &str, hidden: bool, omit_resolved: bool) -> String {
        lockfile_json(
            self.name.as_deref(),
            self.version.as_deref(),
            self.packages
                .iter()
                .filter(|(p, _)| !(hidden && p.is_empty())),
            indent,
            omit_resolved,
        )
    }

    /// Writes atomically (temp file + rename) so an interrupted install never leaves half a
    /// lockfile. Returns whether the content changed.
    pub fn write(path: &Path, text: &str) -> Result<bool, LockError> {
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(false);
        }
        let err = |source| LockError::Write {
            path: path.into(),
            source,
        };
        let tmp = path.with_extension(format!("json.utoo-{}", std::process::id()));
        // Named for the file: `write-package-lock.json`, `write-.package-lock.json`, ...
        let point = format!(
            "write-{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let written = utoo_events::failpoint::io(&point)
            .and_then(|()| std::fs::write(&tmp, text))
            .and_then(|()| utoo_events::failpoint::io(&format!("rename-{}", &point[6..])))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(err(e));
        }
        Ok(true)
    }
}

/// The v3 lockfile text of `packages` (borrowed: the hidden lockfile is a subset of the tree
/// and needs no copy of it), in npm's order and formatting.
pub fn lockfile_json<'a>(
    name: Option<&str>,
    version: Option<&str>,
    packages: impl Iterator<Item = (&'a String, &'a LockEntry)>,
    indent: &str,
    omit_resolved: bool,
) -> String {
    // Entry by entry: the whole file as one JSON tree would cost several times its size.
    let mut out = String::from("{\n");
    let field = |out: &mut String, key: &str, value: &str| {
        out.push_str(&format!("{indent}\"{key}\": {value},\n"));
    };
    let quote = |s: &str| serde_json::to_string(s).expect("strings serialise");
    if let Some(name) = name {
        field(&mut out, "name", &quote(name));
    }
    if let Some(version) = version {
        field(&mut out, "version", &quote(version));
    }
    field(&mut out, "lockfileVersion", "3");
    field(&mut out, "requires", "true");
    let mut entries: Vec<(&String, &LockEntry)> = packages.collect();
    entries.sort_by(|a, b| locale_cmp(a.0, b.0));
    if entries.is_empty() {
        out.push_str(&format!("{indent}\"packages\": {{}}\n}}\n"));
        return out;
    }
    out.push_str(&format!("{indent}\"packages\": {{\n"));
    let nested = indent.repeat(2);
    for (i, &(path, entry)) in entries.iter().enumerate() {
        let mut value = serde_json::to_value(entry).expect("lock entries serialise");
        if omit_resolved && !entry.link && !path.is_empty() {
            if let Some(obj) = value.as_object_mut() {
                obj.remove("resolved");
            }
        }
        let text = to_npm_json(&value, indent);
        out.push_str(&format!("{nested}{}: ", quote(path)));
        // JSON text has no raw newlines inside strings: re-indenting by line is safe.
        for (n, line) in text.trim_end().lines().enumerate() {
            if n > 0 {
                out.push('\n');
                out.push_str(&nested);
            }
            out.push_str(line);
        }
        out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
    }
    out.push_str(&format!("{indent}}}\n}}\n"));
    out
}

/// A `packages` key must stay inside the project: relative, no `..`, no empty segments, and
/// no `:` or NUL (`C:x` is a drive path on Windows, `a:b` a stream; no package name has one).
pub fn is_safe_package_path(key: &str) -> bool {
    key.is_empty()
        || (!key.starts_with('/')
            && !key.contains(['\\', ':', '\0'])
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != ".."))
}

/// npm infers the lockfile's indent from package.json's first indented line.
pub fn detect_indent(package_json: &str) -> String {
    let after_brace = package_json.trim_start().strip_prefix('{').unwrap_or("");
    let rest = after_brace.trim_start_matches(['\r', '\n']);
    let indent: String = rest
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if indent.is_empty() {
        "  ".into()
    } else {
        indent
    }
}

// lockfileVersion 1 nests `dependencies`; flatten it into install paths.
fn from_v1(top: &Map<String, Value>) -> BTreeMap<String, LockEntry> {
    let mut out = BTreeMap::new();
    out.insert(String::new(), LockEntry::default());
    if let Some(Value::Object(deps)) = top.get("dependencies") {
        walk_v1(deps, "", &mut out);
    }
    out
}

fn walk_v1(deps: &Map<String, Value>, prefix: &str, out: &mut BTreeMap<String, LockEntry>) {
    for (name, dep) in deps {
        let path = if prefix.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{prefix}/node_modules/{name}")
        };
        let get = |k: &str| dep.get(k).and_then(Value::as_str).map(str::to_owned);
        let flag = |k: &str| dep.get(k).and_then(Value::as_bool).unwrap_or(false);
        let mut entry = LockEntry {
            version: get("version"),
            resolved: get("resolved"),
            integrity: get("integrity"),
            dev: flag("dev"),
            optional: flag("optional"),
            in_bundle: flag("bundled"),
            ..LockEntry::default()
        };
        // v1 aliases: `"version": "npm:real@1.2.3"`.
        if let Some(alias) = entry
            .version
            .as_deref()
            .and_then(|v| v.strip_prefix("npm:"))
        {
            if let Some(at) = alias.rfind('@').filter(|i| *i > 0) {
                entry.name = Some(alias[..at].to_owned());
                entry.version = Some(alias[at + 1..].to_owned());
            }
        }
        if let Some(Value::Object(requires)) = dep.get("requires") {
            for (n, s) in requires {
                if let Some(s) = s.as_str() {
                    entry.dependencies.insert(n.clone(), s.to_owned());
                }
            }
        }
        out.insert(path.clone(), entry);
        if let Some(Value::Object(children)) = dep.get("dependencies") {
            walk_v1(children, &path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_v1_and_writes_v3() {
        let v1 = json!({
            "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
            "dependencies": {
                "a": {"version": "1.0.0", "integrity": "sha512-a", "requires": {"b": "^2"},
                      "dependencies": {"b": {"version": "2.0.0", "dev": true}}},
                "alias": {"version": "npm:real@3.0.0"}
            }
        });
        let lock = Lockfile::from_value(v1).unwrap();
        assert_eq!(lock.lockfile_version, 1);
        assert_eq!(lock.packages["node_modules/a"].dependencies["b"], "^2");
        assert!(lock.packages["node_modules/a/node_modules/b"].dev);
        assert_eq!(
            lock.packages["node_modules/alias"].name.as_deref(),
            Some("real")
        );
        let text = lock.to_json("  ", false, false);
        assert!(text.starts_with("{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {"));
        let hidden = lock.to_json("  ", true, false);
        assert!(!hidden.contains("\"\": {"));
        let reread = Lockfile::from_value(serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(reread.packages, lock.packages);
    }

    #[test]
    fn omits_registry_resolved_on_request_and_keeps_unknown_keys() {
        let lock = Lockfile::from_value(json!({
            "lockfileVersion": 3,
            "packages": {
                "": {"name": "app"},
                "node_modules/a": {"version": "1.0.0", "resolved": "http://r/a.tgz", "futureKey": 1}
            }
        }))
        .unwrap();
        let text = lock.to_json("  ", false, true);
        assert!(!text.contains("http://r/a.tgz"));
        assert!(text.contains("\"futureKey\": 1"));
        assert!(lock.to_json("  ", false, false).contains("http://r/a.tgz"));
    }

    #[test]
    fn rejects_paths_leaving_the_project() {
        assert!(is_safe_package_path("node_modules/@s/a/node_modules/b"));
        assert!(is_safe_package_path("packages/app"));
        for bad in [
            "node_modules/../../etc",
            "/abs",
            "node_modules//x",
            "node_modules/a\\..\\b",
        ] {
            assert!(!is_safe_package_path(bad), "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("package-lock.json");
        std::fs::write(
            &path,
            r#"{"lockfileVersion":3,"packages":{"node_modules/../../x":{"version":"1.0.0"}}}"#,
        )
        .unwrap();
        assert!(matches!(
            Lockfile::read(&path),
            Err(LockError::BadPath { .. })
        ));
    }

    #[test]
    fn indent_follows_package_json() {
        assert_eq!(detect_indent("{\n    \"name\": 1}"), "    ");
        assert_eq!(detect_indent("{\n\t\"name\": 1}"), "\t");
        assert_eq!(detect_indent("{\"name\":1}"), "  ");
    }

    #[test]
    fn write_is_atomic_and_reports_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("package-lock.json");
        let lock = Lockfile::default();
        let text = lock.to_json("  ", false, false);
        assert!(Lockfile::write(&path, &text).unwrap());
        assert!(!Lockfile::write(&path, &text).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
