use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use utoo_manifest::{Spec, SpecError, VersionReq};
use utoo_resolver::SourceError;

use crate::context::Context;
use crate::project::Project;
use crate::InstallError;

/// Which package.json map `add` writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DepField {
    #[default]
    /// `dependencies`.
    Prod,
    /// `devDependencies` (`--save-dev`).
    Dev,
    /// `optionalDependencies` (`--save-optional`).
    Optional,
    /// `peerDependencies` (`--save-peer`).
    Peer,
}

impl DepField {
    fn key(self) -> &'static str {
        match self {
            DepField::Prod => "dependencies",
            DepField::Dev => "devDependencies",
            DepField::Optional => "optionalDependencies",
            DepField::Peer => "peerDependencies",
        }
    }
}

/// `utoo add` / `utoo remove`: changes to package.json made before installing.
#[derive(Debug, Clone, Default)]
pub struct EditRequest {
    /// `name`, `name@range`, `name@tag`, `alias@npm:name@range`.
    pub add: Vec<String>,
    /// Names to remove from every dependency map.
    pub remove: Vec<String>,
    /// Where `add` writes.
    pub field: DepField,
}

const ALL_FIELDS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Applies the edit to the package.json of each of `folders` (`""` is the root; the
/// members `-w` selects otherwise), keeping key order and indentation, and returns the
/// project as it reads afterwards, with the registry versions picked for the requests
/// (package name → version), which the install then uses.
pub(crate) async fn apply(
    ctx: &Context,
    project: Project,
    edit: &EditRequest,
    folders: &[String],
) -> Result<(Project, Vec<(String, String)>, Originals), InstallError> {
    let mut originals = Originals::default();
    let mut added = Vec::with_capacity(edit.add.len());
    let mut folder_specs = Vec::new();
    let mut picked = Vec::new();
    for raw in &edit.add {
        if let Some(local) = local_folder(&ctx.options.cwd, raw) {
            folder_specs.push(folder_request(raw, local)?);
            continue;
        }
        let (name, spec) = split_spec(raw)?;
        let saved = saved_spec(ctx, &name, &spec).await?;
        picked.extend(saved.picked);
        added.push((name, saved.text));
    }
    for folder in folders {
        let Some(manifest) = project.manifests.get(folder) else {
            continue;
        };
        let dir = project.root.join(folder);
        let mut added = added.clone();
        // npm saves a folder as `file:` relative to the package.json that lists it.
        for (name, target) in &folder_specs {
            added.push((
                name.clone(),
                format!("file:{}", relative_path(&dir, target)),
            ));
        }
        let path = dir.join("package.json");
        let edited = edited_text(&manifest.text, edit, &added).map_err(|source| {
            InstallError::BadPackageJson {
                path: path.clone(),
                source,
            }
        })?;
        if let Err(e) = write_atomically(&path, &edited) {
            originals.restore();
            return Err(InstallError::io(&path, e));
        }
        originals.0.push((path, manifest.text.clone()));
    }
    Ok((Project::load(&project.root)?, picked, originals))
}

/// The package.json texts an edit replaced, to put back when the install fails.
#[derive(Debug, Default)]
pub(crate) struct Originals(Vec<(PathBuf, String)>);

impl Originals {
    /// Writes every replaced package.json back, byte for byte.
    pub(crate) fn restore(&self) {
        for (path, text) in &self.0 {
            if let Err(error) = write_atomically(path, text.as_bytes()) {
                tracing::warn!(path = %path.display(), %error, "could not restore package.json");
            }
        }
    }
}

// Temp file + rename: a kill or a full disk mid-write leaves the old package.json whole.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("json.utoo-{}", std::process::id()));
    let written = std::fs::write(&tmp, bytes)
        .and_then(|()| utoo_events::failpoint::io("rename-package.json"))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// What `add` writes for one request, and the registry package and version it picked.
struct Saved {
    text: String,
    picked: Option<(String, String)>,
}

/// package.json `text` with `remove` taken out of every map and `added` saved to the
/// request's map.
fn edited_text(
    text: &str,
    edit: &EditRequest,
    added: &[(String, String)],
) -> Result<Vec<u8>, serde_json::Error> {
    let mut doc: Map<String, Value> = serde_json::from_str(text)?;
    for name in &edit.remove {
        for field in ALL_FIELDS {
            if let Some(Value::Object(map)) = doc.get_mut(field) {
                map.remove(name);
            }
        }
    }
    for (name, saved) in added {
        // A package lives in one dependency map at a time (npm moves it).
        for field in ALL_FIELDS {
            if field != edit.field.key() {
                if let Some(Value::Object(map)) = doc.get_mut(field) {
                    map.remove(name);
                }
            }
        }
        let target = doc
            .entry(edit.field.key())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = target {
            map.insert(name.clone(), Value::String(saved.clone()));
            sort_map(map);
        }
    }
    pretty_like(text, &doc)
}

/// `doc` written with the indentation of `text`, the package.json it was read from.
pub(crate) fn pretty_like(
    text: &str,
    doc: &Map<String, Value>,
) -> Result<Vec<u8>, serde_json::Error> {
    let indent = utoo_lockfile::detect_indent(text);
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(doc, &mut ser)?;
    buf.push(b'\n');
    Ok(buf)
}

/// `raw` names a folder on disk (`./lib`, `../x`, `/abs`, `file:lib`), resolved from `cwd`.
fn local_folder(cwd: &Path, raw: &str) -> Option<PathBuf> {
    let path = raw.strip_prefix("file:").unwrap_or(raw);
    let local = raw.starts_with("file:")
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path == "."
        || path == "..";
    if !local {
        return None;
    }
    let abs = cwd.join(path);
    abs.is_dir().then(|| crate::paths::normalise(&abs))
}

/// The name a folder request is saved under: its package.json's `name`.
fn folder_request(raw: &str, folder: PathBuf) -> Result<(String, PathBuf), InstallError> {
    let manifest_path = folder.join("package.json");
    let text = std::fs::read_to_string(&manifest_path).map_err(|_| InstallError::BadSpec {
        spec: raw.into(),
        reason: "a folder to add needs a package.json",
    })?;
    let manifest: utoo_manifest::Manifest =
        serde_json::from_str(&text).map_err(|source| InstallError::BadPackageJson {
            path: manifest_path,
            source,
        })?;
    if manifest.name.is_empty() {
        return Err(InstallError::BadSpec {
            spec: raw.into(),
            reason: "the folder's package.json has no `name` to save it under",
        });
    }
    Ok((manifest.name, folder))
}

/// `to` relative to the folder `from`, with `/` separators (`lib`, `../shared`).
fn relative_path(from: &Path, to: &Path) -> String {
    let rel = crate::paths::relative_to(&crate::paths::absolute(from), &crate::paths::absolute(to));
    let text = rel.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

fn sort_map(map: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|a, b| utoo_lockfile::locale_cmp(&a.0, &b.0));
    map.extend(entries);
}

/// `name@spec` → (name, spec); a leading `@` is a scope, not a separator.
pub(crate) fn split_spec(raw: &str) -> Result<(String, String), InstallError> {
    let from = usize::from(raw.starts_with('@'));
    let (name, spec) = match raw[from..].find('@') {
        Some(i) => (&raw[..from + i], &raw[from + i + 1..]),
        None => (raw, ""),
    };
    let valid = !name.is_empty()
        && !name.contains(['\\', ' '])
        && (!name.starts_with('@') || name.matches('/').count() == 1)
        && (name.starts_with('@') || !name.contains('/'));
    if !valid {
        return Err(InstallError::BadSpec {
            spec: raw.into(),
            reason: "expected `name`, `name@range` or `@scope/name@range`",
        });
    }
    Ok((name.to_owned(), spec.to_owned()))
}

/// What npm saves (reify's save rule): `save-prefix` (`^`, empty with `save-exact`) + the
/// version it picks, unless the spec is a range that does not contain that prefixed range
/// (`>=1.2 <1.5` stays; `^1` becomes `^1.4.0`; a bare name, a tag or `1.2.3` becomes
/// `^<version>`).
async fn saved_spec(ctx: &Context, name: &str, spec: &str) -> Result<Saved, InstallError> {
    let prefix = &ctx.settings().save_prefix;
    let parsed = Spec::parse(name, if spec.is_empty() { "latest" } else { spec }).map_err(
        |SpecError::Invalid { reason, .. }| InstallError::BadSpec {
            spec: spec.into(),
            reason,
        },
    )?;
    // A file, remote or git spec is saved as written, as npm saves it.
    let Spec::Registry { name: real, req } = parsed else {
        return Ok(Saved {
            text: spec.to_owned(),
            picked: None,
        });
    };
    let packument = ctx.packuments().get(&real).await.map_err(|e| {
        InstallError::Resolve(utoo_resolver::ResolveError::Fetch {
            name: real.clone(),
            required_by: utoo_resolver::RequiredBy::new("`utoo add`", Vec::new()),
            source: SourceError::new(e.code(), e),
        })
    })?;
    let Some(picked) = packument.pick(&req, ctx.node_version().await) else {
        return Err(InstallError::Resolve(
            utoo_resolver::ResolveError::NoMatch {
                name: real,
                spec: spec.into(),
                required_by: utoo_resolver::RequiredBy::new("`utoo add`", Vec::new()),
            },
        ));
    };
    let prefixed = format!("{prefix}{picked}");
    let range_text = spec.rsplit_once('@').map_or(spec, |(_, r)| r).trim();
    let keeps_range = match &req {
        VersionReq::Range(range) => {
            let plain_version = nodejs_semver::Version::parse(range_text).is_ok();
            let contains_prefixed =
                nodejs_semver::Range::parse(&prefixed).is_ok_and(|p| range.allows_all(&p));
            !plain_version && !range_text.is_empty() && range_text != "*" && !contains_prefixed
        }
        VersionReq::Tag(_) => false,
    };
    let saved = if keeps_range {
        range_text.to_owned()
    } else {
        prefixed
    };
    Ok(Saved {
        text: if real == name {
            saved
        } else {
            format!("npm:{real}@{saved}")
        },
        picked: Some((real, picked.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_specs() {
        assert_eq!(split_spec("a").unwrap(), ("a".into(), String::new()));
        assert_eq!(split_spec("a@^1").unwrap(), ("a".into(), "^1".into()));
        assert_eq!(
            split_spec("@s/a@next").unwrap(),
            ("@s/a".into(), "next".into())
        );
        assert_eq!(
            split_spec("x@npm:y@1").unwrap(),
            ("x".into(), "npm:y@1".into())
        );
        assert!(split_spec("@bad").is_err());
        assert!(split_spec("a/b/c").is_err());
    }
}
