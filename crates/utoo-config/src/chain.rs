use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use utoo_events::ErrorCode;

use crate::npmrc::{expand_env, parse_npmrc};
use crate::settings::Settings;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An npmrc exists but cannot be read (a missing one is simply skipped).
    #[error("could not read npm config file `{path}`")]
    Read {
        /// The npmrc.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An npmrc that is not UTF-8 text: the message names the file, line and column of the
    /// first bad byte.
    #[error("`{}:{line}:{column}` is not UTF-8 text", .path.display())]
    NotText {
        /// The npmrc.
        path: PathBuf,
        /// The line of the first bad byte (from 1).
        line: usize,
        /// Its column, in bytes (from 1).
        column: usize,
    },
    /// Nothing names a registry and npm could not be asked.
    #[error("no registry is configured and `npm config get registry` gave no answer")]
    NoRegistry,
}

impl ConfigError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::Config
    }
}

/// Where configuration comes from. `from_env` fills it from the running process; tests fill
/// it by hand so they never read the developer's own ~/.npmrc.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// The project folder (its `.npmrc` is the project config).
    pub project_dir: PathBuf,
    /// Environment variables (npm_config_*, NODE_EXTRA_CA_CERTS, `${VAR}` expansion).
    pub env: BTreeMap<String, String>,
    /// The home folder (for `~/.npmrc`).
    pub home: Option<PathBuf>,
    /// The global npmrc (`$PREFIX/etc/npmrc`), when known.
    pub global_config: Option<PathBuf>,
    /// Command-line flags and API options: the highest priority.
    pub overrides: BTreeMap<String, String>,
    /// Where to remember npm's built-in default registry once asked (`npm config get registry`).
    /// `None`: never run npm.
    pub default_registry_cache: Option<PathBuf>,
}

impl ConfigSources {
    /// The sources of a real run in `project_dir`: this process's environment, home folder
    /// and npm's global prefix.
    pub fn from_env(project_dir: &Path) -> ConfigSources {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let global_config = env
            .get("npm_config_globalconfig")
            .or_else(|| env.get("NPM_CONFIG_GLOBALCONFIG"))
            .map(PathBuf::from)
            .or_else(|| npm_prefix(&env).map(|prefix| prefix.join("etc").join("npmrc")));
        ConfigSources {
            project_dir: project_dir.to_path_buf(),
            home: dirs::home_dir(),
            global_config,
            env,
            overrides: BTreeMap::new(),
            default_registry_cache: None,
        }
    }
}

// npm's global prefix: $npm_config_prefix, else the folder above the node binary's folder.
fn npm_prefix(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    if let Some(prefix) = env.get("npm_config_prefix").or_else(|| env.get("PREFIX")) {
        return Some(PathBuf::from(prefix));
    }
    let path = env.get("PATH")?;
    std::env::split_paths(path)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .and_then(|node| std::fs::canonicalize(node).ok())
        .and_then(|node| node.parent()?.parent().map(Path::to_path_buf))
}

/// The merged configuration: builtin < global < user < project < env < overrides.
#[derive(Debug, Clone)]
pub struct Config {
    values: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    registry: String,
    settings: Settings,
    ignored: Vec<String>,
}

impl Config {
    /// Reads and merges every source; falls back to asking npm for its default registry.
    pub fn load(sources: &ConfigSources) -> Result<Config, ConfigError> {
        let env = &sources.env;
        let lookup = |name: &str| env.get(name).cloned();
        let user_config = env
            .get("npm_config_userconfig")
            .or_else(|| env.get("NPM_CONFIG_USERCONFIG"))
            .map(PathBuf::from)
            .or_else(|| sources.home.as_ref().map(|h| h.join(".npmrc")));
        let project_npmrc = sources.project_dir.join(".npmrc");
        let mut layers = Layers::default();
        for path in [sources.global_config.clone(), user_config]
            .into_iter()
            .flatten()
        {
            layers.read_file(&path, true, &lookup)?;
        }
        layers.read_file(&project_npmrc, false, &lookup)?;
        for (k, v) in env {
            // npm skips empty variables: `npm_config_registry=` unsets nothing.
            if k.len() > 11 && k[..11].eq_ignore_ascii_case("npm_config_") && !v.is_empty() {
                let key = &k[11..];
                let key = if key.starts_with("//") {
                    key.to_owned()
                } else {
                    // npm: `npm_config_strict_ssl` is `strict-ssl`, `npm_config__auth` is
                    // `_auth` (a leading underscore stays).
                    let lower = key.to_ascii_lowercase();
                    let (head, tail) = lower.split_at(1);
                    format!("{head}{}", tail.replace('_', "-"))
                };
                layers.set_trusted(key, expand_env(v, &lookup));
            }
        }
        for (k, v) in &sources.overrides {
            layers.set_trusted(normalize_key(k), expand_env(v, &lookup));
        }
        let registry = match layers.values.get("registry").filter(|r| !r.is_empty()) {
            Some(r) => r.clone(),
            None => npm_default_registry(sources).ok_or(ConfigError::NoRegistry)?,
        };
        layers.settle_credentials(&registry);
        let Layers {
            values, ignored, ..
        } = layers;
        let settings = Settings::from_values(&values, env);
        Ok(Config {
            values,
            env: env.clone(),
            registry: with_trailing_slash(&registry),
            settings,
            ignored,
        })
    }

    /// Project `.npmrc` lines that were ignored, and why (one message each).
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// A merged option by npm's key (`strict-ssl`, `//host/:_authToken`, `@scope:registry`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// npm's truthiness for boolean options (nopt's parsing); unset is false.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(crate::settings::parse_bool)
    }

    /// The typed settings of this chain.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The default registry, always ending in `/`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The registry for a package: `@scope:registry` wins for scoped names.
    pub fn registry_for(&self, package: &str) -> String {
        if let Some((scope, _)) = package.split_once('/') {
            if scope.starts_with('@') {
                if let Some(r) = self.get(&format!("{scope}:registry")) {
                    return with_trailing_slash(r);
                }
            }
        }
        self.registry.clone()
    }

    /// The `Authorization` header value for a request to `url`, from the nerf-darted
    /// credentials (`//host/path/:_authToken`, `:_auth`, `:username` + `:_password`), or
    /// the unscoped ones for URLs under the default registry. A nerf dart names host and
    /// port, so credentials never go to another origin; over plain http they go only to a
    /// registry configured with that very http origin (never to an https registry's host
    /// reached over http).
    pub fn authorization_for(&self, url: &str) -> Option<String> {
        let (scheme, without_scheme) = url.split_once("://")?;
        if scheme.eq_ignore_ascii_case("http") && !self.is_registry_origin(url) {
            return None;
        }
        let without_query = without_scheme.split(['?', '#']).next().unwrap_or_default();
        let mut candidate = format!("//{without_query}");
        // Walk up the URL path: `//host/a/b/` then `//host/a/` then `//host/`.
        loop {
            let dir = match candidate.rfind('/') {
                Some(i) if i > 1 => candidate[..=i].to_owned(),
                _ => break,
            };
            if let Some(auth) = self.credentials(&format!("{dir}:")) {
                return Some(auth);
            }
            candidate = dir[..dir.len() - 1].to_owned();
        }
        url.starts_with(&self.registry)
            .then(|| self.credentials(""))
            .flatten()
    }

    fn credentials(&self, prefix: &str) -> Option<String> {
        let get = |key: &str| {
            self.get(&format!("{prefix}{key}"))
                .filter(|v| !v.is_empty())
        };
        if let Some(token) = get("_authToken") {
            return Some(format!("Bearer {token}"));
        }
        if let Some(auth) = get("_auth") {
            return Some(format!("Basic {auth}"));
        }
        let (user, pass) = (get("username")?, get("_password")?);
        Some(format!("Basic {}", basic_auth(user, pass)))
    }

    // Whether `url` has the scheme, host and port of a configured registry.
    fn is_registry_origin(&self, url: &str) -> bool {
        let wanted = origin(url);
        std::iter::once(self.registry.as_str())
            .chain(
                self.values
                    .iter()
                    .filter(|(k, _)| k.starts_with('@') && k.ends_with(":registry"))
                    .map(|(_, v)| v.as_str()),
            )
            .any(|registry| origin(registry).eq_ignore_ascii_case(wanted))
    }

    /// Extra CA files to trust besides the system store: npm's `cafile` and Node's
    /// `NODE_EXTRA_CA_CERTS`.
    pub fn ca_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        if let Some(cafile) = self.get("cafile").filter(|s| !s.is_empty() && *s != "null") {
            files.push(PathBuf::from(cafile));
        }
        if let Some(extra) = self
            .env
            .get("NODE_EXTRA_CA_CERTS")
            .filter(|s| !s.is_empty())
        {
            let extra = PathBuf::from(extra);
            if !files.contains(&extra) {
                files.push(extra);
            }
        }
        files
    }

    /// PEM text given inline with `ca=`.
    pub fn ca_inline(&self) -> Option<&str> {
        self.get("ca").filter(|s| s.contains("BEGIN CERTIFICATE"))
    }

    /// Whether TLS certificates are verified (npm's `strict-ssl`, on unless false).
    pub fn strict_ssl(&self) -> bool {
        self.settings.strict_ssl
    }

    /// npm's `omit-lockfile-registry-resolved`: lockfiles carry no `resolved` for registry
    /// packages.
    pub fn omit_lockfile_registry_resolved(&self) -> bool {
        self.settings.omit_lockfile_registry_resolved
    }
}

/// `scheme://host:port` of a URL (everything before the path).
fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    &url[..end]
}

enum ReadError {
    Io(std::io::Error),
    NotText { line: usize, column: usize },
}

// An npmrc's text; a byte that is not UTF-8 is reported where it is.
fn read_npmrc(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        ReadError::NotText {
            line: 1 + good.iter().filter(|b| **b == b'\n').count(),
            column: 1 + good.len() - line_start,
        }
    })
}

/// The levels merged so far, and what the project's `.npmrc` may not decide alone.
#[derive(Default)]
struct Layers {
    values: BTreeMap<String, String>,
    ignored: Vec<String>,
    /// Project lines that fill a credential from the environment: kept only once the
    /// registries the user chose are known (see [`EnvCredential`]).
    deferred: Vec<EnvCredential>,
    /// Registries named outside the project's `.npmrc`.
    trusted_registries: Vec<String>,
    project_sets_registry: bool,
}

impl Layers {
    fn set_trusted(&mut self, key: String, value: String) {
        if is_registry_key(&key) {
            self.trusted_registries.push(value.clone());
        }
        self.values.insert(key, value);
    }

    /// Merges one npmrc (missing: nothing); `trusted` is false for the project's own.
    fn read_file(
        &mut self,
        path: &Path,
        trusted: bool,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let text = match read_npmrc(path) {
            Ok(text) => text,
            Err(ReadError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                ) =>
            {
                return Ok(())
            }
            Err(ReadError::Io(source)) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })
            }
            Err(ReadError::NotText { line, column }) => {
                return Err(ConfigError::NotText {
                    path: path.to_owned(),
                    line,
                    column,
                })
            }
        };
        tracing::debug!(path = %path.display(), "read npmrc");
        for (k, v) in parse_npmrc(&text, lookup) {
            if trusted {
                self.set_trusted(normalize_key(&k), v);
                continue;
            }
            self.project_sets_registry |= k == "registry";
            let placeholder = names_a_destination(&k)
                .then(|| placeholder_line(&text, &k, &v, lookup))
                .flatten();
            match placeholder {
                None => {
                    self.values.insert(normalize_key(&k), v);
                }
                Some(raw) => match credential_host(&k, &raw) {
                    Some(host) => self.deferred.push(EnvCredential {
                        key: k,
                        value: v,
                        host,
                        raw,
                        path: path.to_owned(),
                    }),
                    None => self.ignored.push(format!(
                        "{}: ignored `{raw}`: a project .npmrc may not fill a registry, proxy \
                         or `//host/` key from the environment; set it in ~/.npmrc or an \
                         npm_config_* variable",
                        path.display()
                    )),
                },
            }
        }
        Ok(())
    }

    /// Keeps the deferred credentials whose host is a registry the user chose: one named
    /// outside the project, or `registry` (the one in effect) unless the project named it.
    fn settle_credentials(&mut self, registry: &str) {
        let from_user = self
            .trusted_registries
            .iter()
            .any(|r| self.values.get("registry") == Some(r));
        if !self.project_sets_registry || from_user {
            self.trusted_registries.push(registry.to_owned());
        }
        for credential in std::mem::take(&mut self.deferred) {
            if credential.goes_to_one_of(&self.trusted_registries) {
                self.values
                    .insert(normalize_key(&credential.key), credential.value);
            } else {
                self.ignored.push(format!(
                    "{}: ignored `{}`: a project .npmrc may fill a credential from the \
                     environment only for a registry you configured (~/.npmrc, npm's default, \
                     npm_config_*), not for one the project chose",
                    credential.path.display(),
                    credential.raw
                ));
            }
        }
    }
}

/// A project `.npmrc` line `//host/...:<credential>=${VAR}`: the secret is the user's, so it
/// may only go to a registry the user chose (npm's CI recipe puts
/// `//<default registry>/:_authToken=${NPM_TOKEN}` in the project), never to a host the
/// project names itself.
struct EnvCredential {
    key: String,
    value: String,
    /// `host[:port]` of the nerf dart.
    host: String,
    raw: String,
    path: PathBuf,
}

impl EnvCredential {
    fn goes_to_one_of(&self, registries: &[String]) -> bool {
        registries.iter().any(|r| {
            let o = origin(r);
            let authority = o.split_once("://").map_or(o, |(_, a)| a);
            authority.eq_ignore_ascii_case(&self.host)
        })
    }
}

fn is_registry_key(key: &str) -> bool {
    key == "registry" || (key.starts_with('@') && key.ends_with(":registry"))
}

/// The host of a nerf-darted credential key whose placeholder sits in the value only (the
/// key written literally): `//host:port/path/:_authToken`.
fn credential_host(key: &str, raw_line: &str) -> Option<String> {
    let (raw_key, _) = raw_line.split_once('=')?;
    if raw_key.contains("${") {
        return None;
    }
    let rest = key.strip_prefix("//")?;
    let (dart, field) = rest.rsplit_once(':')?;
    let credential = matches!(
        field,
        "_authToken" | "_auth" | "_password" | "username" | "certfile" | "keyfile"
    );
    credential.then(|| dart.split('/').next().unwrap_or(dart).to_owned())
}

/// Keys that choose where requests go or what they carry (pnpm's list for
/// GHSA-3qhv-2rgh-x77r): the registries, the proxies, every `//host/` key and the
/// credentials and client certificates.
fn names_a_destination(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("//")
        || is_registry_key(&key)
        || matches!(
            key.as_str(),
            "proxy"
                | "https-proxy"
                | "http-proxy"
                | "noproxy"
                | "_authtoken"
                | "_auth"
                | "_password"
                | "username"
                | "cert"
                | "key"
                | "certfile"
                | "keyfile"
        )
}

// The line of `text` that produced `key = value` through a `${VAR}` placeholder (in its key
// or its value), as written; `None` when no placeholder went into it.
fn placeholder_line(
    text: &str,
    key: &str,
    value: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    // A placeholder is whatever expansion would fill: marked, it shows.
    let marks = |s: &str| expand_env(s, &|_| Some("\u{0}".into())).contains('\0');
    text.lines().map(str::trim).find_map(|line| {
        let (k, v) = line.split_once('=')?;
        let parsed = parse_npmrc(line, env);
        let hit = parsed.get(key).is_some_and(|parsed| parsed == value);
        (hit && (marks(k.trim()) || marks(v.trim()))).then(|| line.to_owned())
    })
}

fn normalize_key(key: &str) -> String {
    if key.starts_with("//") || key.starts_with('@') {
        key.to_owned()
    } else {
        key.to_ascii_lowercase()
    }
}

fn with_trailing_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

fn basic_auth(user: &str, password_b64: &str) -> String {
    // npm stores `_password` base64-encoded already; the header wants base64("user:pass").
    let password = STANDARD
        .decode(password_b64)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| password_b64.to_owned());
    STANDARD.encode(format!("{user}:{password}"))
}

// Asks npm once for its built-in registry and remembers the answer.
fn npm_default_registry(sources: &ConfigSources) -> Option<String> {
    let cache = sources.default_registry_cache.as_ref()?;
    if let Ok(saved) = std::fs::read_to_string(cache) {
        let saved = saved.trim();
        if !saved.is_empty() {
            return Some(saved.to_owned());
        }
    }
    let output = Command::new("npm")
        .args(["config", "get", "registry"])
        .current_dir(&sources.project_dir)
        .output()
        .ok()?;
    let answer = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    if !output.status.success() || !answer.contains("://") {
        return None;
    }
    if let Some(parent) = cache.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    // Remembering is an optimisation: failing to write only means asking again next time.
    let _ = std::fs::write(cache, &answer);
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &Path) -> ConfigSources {
        ConfigSources {
            project_dir: dir.join("project"),
            home: Some(dir.join("home")),
            global_config: Some(dir.join("global").join("npmrc")),
            ..Default::default()
        }
    }

    fn write(path: PathBuf, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn chain_priority_project_over_user_over_global_env_over_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d.join("global/npmrc"),
            "registry=http://global/\ncafile=/g.pem\na=global\n",
        );
        write(d.join("home/.npmrc"), "registry=http://user\nb=user\n");
        write(
            d.join("project/.npmrc"),
            "@my:registry=http://scoped/\nomit-lockfile-registry-resolved=true\n",
        );
        let mut s = sources(d);
        let config = Config::load(&s).unwrap();
        assert_eq!(config.registry(), "http://user/");
        assert_eq!(config.get("a"), Some("global"));
        assert_eq!(config.registry_for("@my/pkg"), "http://scoped/");
        assert_eq!(config.registry_for("plain"), "http://user/");
        assert!(config.omit_lockfile_registry_resolved());
        assert_eq!(config.ca_files(), vec![PathBuf::from("/g.pem")]);

        s.env
            .insert("npm_config_registry".into(), "http://env".into());
        s.env
            .insert("NODE_EXTRA_CA_CERTS".into(), "/extra.pem".into());
        assert_eq!(Config::load(&s).unwrap().registry(), "http://env/");
        assert_eq!(Config::load(&s).unwrap().ca_files().len(), 2);
        s.overrides.insert("registry".into(), "http://flag/".into());
        assert_eq!(Config::load(&s).unwrap().registry(), "http://flag/");
    }

    #[test]
    fn env_keys_are_translated() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = sources(dir.path());
        s.env
            .insert("npm_config_registry".into(), "http://r/".into());
        s.env.insert("NPM_CONFIG_STRICT_SSL".into(), "false".into());
        let config = Config::load(&s).unwrap();
        assert!(!config.strict_ssl());
    }

    #[test]
    fn no_registry_anywhere_without_npm_fallback_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(&sources(dir.path())).unwrap_err();
        assert!(matches!(err, ConfigError::NoRegistry));
    }

    #[test]
    fn cached_default_registry_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = sources(dir.path());
        let cache = dir.path().join("cache/default-registry");
        write(cache.clone(), "http://remembered:1/\n");
        s.default_registry_cache = Some(cache);
        assert_eq!(Config::load(&s).unwrap().registry(), "http://remembered:1/");
    }

    #[test]
    fn credentials_by_nerf_dart() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d.join("project/.npmrc"),
            "registry=http://r/\n//reg.example/npm/:_authToken=tok\n//other/:username=u\n//other/:_password=cA==\n",
        );
        let config = Config::load(&sources(d)).unwrap();
        assert_eq!(
            config
                .authorization_for("https://reg.example/npm/pkg/-/pkg-1.0.0.tgz")
                .as_deref(),
            Some("Bearer tok")
        );
        assert_eq!(
            config.authorization_for("https://other/x").as_deref(),
            Some(&*format!("Basic {}", STANDARD.encode("u:p")))
        );
        assert_eq!(config.authorization_for("https://nobody/x"), None);
    }
}
