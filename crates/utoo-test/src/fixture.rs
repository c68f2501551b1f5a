use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Map, Value};

/// A package version to publish on the fixture registry.
#[derive(Debug, Clone)]
pub struct Pkg {
    /// The package name (`@scope/name` or `name`).
    pub name: String,
    /// Its version.
    pub version: String,
    /// Extra package.json fields (dependencies, bin, scripts, os, ...).
    pub manifest: Map<String, Value>,
    /// Files besides package.json: (relative path, content, executable).
    pub files: Vec<(String, Vec<u8>, bool)>,
    /// Publish without `integrity` (only `shasum`), like very old packages.
    pub no_integrity: bool,
    /// The publish time the packument's `time` map gives (ISO 8601), if any.
    pub published: Option<String>,
}

impl Pkg {
    /// A package with an `index.js` saying its name and version.
    pub fn new(name: &str, version: &str) -> Pkg {
        Pkg {
            name: name.into(),
            version: version.into(),
            manifest: Map::new(),
            files: vec![(
                "index.js".into(),
                format!("module.exports = {{ name: {name:?}, version: {version:?} }};\n")
                    .into_bytes(),
                false,
            )],
            no_integrity: false,
            published: None,
        }
    }

    /// Sets the publish time (`2020-01-01T00:00:00.000Z`).
    pub fn published(mut self, time: &str) -> Pkg {
        self.published = Some(time.into());
        self
    }

    /// Sets a package.json field.
    pub fn with(mut self, key: &str, value: Value) -> Pkg {
        self.manifest.insert(key.into(), value);
        self
    }

    /// Adds a `dependencies` entry.
    pub fn dep(self, name: &str, spec: &str) -> Pkg {
        self.add_to("dependencies", name, spec)
    }

    /// Adds an entry to a dependency field (`devDependencies`, `peerDependencies`, ...).
    pub fn add_to(mut self, field: &str, name: &str, spec: &str) -> Pkg {
        let map = self
            .manifest
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new()));
        map.as_object_mut()
            .expect("dependency fields are objects")
            .insert(name.into(), Value::String(spec.into()));
        self
    }

    /// Adds a file to the tarball.
    pub fn file(mut self, path: &str, content: &str, executable: bool) -> Pkg {
        self.files
            .push((path.into(), content.as_bytes().to_vec(), executable));
        self
    }

    /// The package.json inside the tarball.
    pub fn package_json(&self) -> Value {
        let mut m = self.manifest.clone();
        m.insert("name".into(), json!(self.name));
        m.insert("version".into(), json!(self.version));
        Value::Object(m)
    }

    /// A `.tgz` with everything under `package/`, as `npm pack` makes it.
    pub fn tarball(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut add = |path: &str, data: &[u8], mode: u32| {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(mode);
            header.set_cksum();
            builder
                .append_data(&mut header, format!("package/{path}"), data)
                .expect("in-memory tar writes succeed");
        };
        let pj = serde_json::to_vec_pretty(&self.package_json()).expect("JSON serialises");
        add("package.json", &pj, 0o644);
        for (path, data, exec) in &self.files {
            add(path, data, if *exec { 0o755 } else { 0o644 });
        }
        let tar = builder.into_inner().expect("in-memory tar finishes");
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&tar).expect("in-memory gzip writes succeed");
        gz.finish().expect("in-memory gzip finishes")
    }
}
