//! The configuration chain as a table: for every key utoo understands, the value it takes
//! when set at each level (global npmrc, user npmrc, project npmrc, `npm_config_*`, command
//! line / API), and that a higher level beats every lower one. Sources are filled by hand:
//! nothing here reads the developer's own npm config.

use std::collections::BTreeMap;
use std::path::Path;

use utoo_config::{Config, ConfigSources};

const LEVELS: [&str; 5] = ["global", "user", "project", "env", "override"];

/// A key, the value written at each level, and what the typed setting reads for each.
struct Row {
    key: &'static str,
    raw: [&'static str; 5],
    expected: [&'static str; 5],
    read: fn(&Config) -> String,
}

fn s(c: &Config) -> &utoo_config::Settings {
    c.settings()
}

#[expect(
    clippy::too_many_lines,
    reason = "one table row per key reads best as one list"
)]
fn rows() -> Vec<Row> {
    let bools = ["true", "false", "true", "false", "true"];
    let nums = ["1", "2", "3", "4", "5"];
    macro_rules! row {
        ($key:expr, $raw:expr, $expected:expr, $read:expr) => {
            Row {
                key: $key,
                raw: $raw,
                expected: $expected,
                read: $read,
            }
        };
    }
    let b = ["true", "false", "true", "false", "true"];
    vec![
        row!(
            "registry",
            [
                "http://g/",
                "http://u",
                "http://p/",
                "http://e/",
                "http://o/"
            ],
            [
                "http://g/",
                "http://u/",
                "http://p/",
                "http://e/",
                "http://o/"
            ],
            |c| c.registry().to_owned()
        ),
        row!(
            "@s:registry",
            [
                "http://g/",
                "http://u/",
                "http://p/",
                "http://e/",
                "http://o/"
            ],
            [
                "http://g/",
                "http://u/",
                "http://p/",
                "http://e/",
                "http://o/"
            ],
            |c| c.registry_for("@s/pkg")
        ),
        row!(
            "//reg.test/:_authToken",
            ["g", "u", "p", "e", "o"],
            [
                "Some(\"Bearer g\")",
                "Some(\"Bearer u\")",
                "Some(\"Bearer p\")",
                "Some(\"Bearer e\")",
                "Some(\"Bearer o\")"
            ],
            |c| format!("{:?}", c.authorization_for("https://reg.test/pkg"))
        ),
        row!(
            "//reg.test/:_auth",
            ["Zw==", "dQ==", "cA==", "ZQ==", "bw=="],
            [
                "Some(\"Basic Zw==\")",
                "Some(\"Basic dQ==\")",
                "Some(\"Basic cA==\")",
                "Some(\"Basic ZQ==\")",
                "Some(\"Basic bw==\")"
            ],
            |c| format!("{:?}", c.authorization_for("https://reg.test/pkg"))
        ),
        row!(
            "_auth",
            ["Zw==", "dQ==", "cA==", "ZQ==", "bw=="],
            [
                "Some(\"Basic Zw==\")",
                "Some(\"Basic dQ==\")",
                "Some(\"Basic cA==\")",
                "Some(\"Basic ZQ==\")",
                "Some(\"Basic bw==\")"
            ],
            |c| format!("{:?}", c.authorization_for("http://127.0.0.1:9/pkg"))
        ),
        row!("always-auth", bools, b, |c| s(c).always_auth.to_string()),
        row!(
            "cafile",
            ["/g.pem", "/u.pem", "/p.pem", "/e.pem", "/o.pem"],
            [
                "[\"/g.pem\"]",
                "[\"/u.pem\"]",
                "[\"/p.pem\"]",
                "[\"/e.pem\"]",
                "[\"/o.pem\"]"
            ],
            |c| format!("{:?}", c.ca_files())
        ),
        row!(
            "ca",
            [
                "BEGIN CERTIFICATE g",
                "BEGIN CERTIFICATE u",
                "BEGIN CERTIFICATE p",
                "BEGIN CERTIFICATE e",
                "BEGIN CERTIFICATE o"
            ],
            [
                "BEGIN CERTIFICATE g",
                "BEGIN CERTIFICATE u",
                "BEGIN CERTIFICATE p",
                "BEGIN CERTIFICATE e",
                "BEGIN CERTIFICATE o"
            ],
            |c| c.ca_inline().unwrap_or_default().to_owned()
        ),
        row!(
            "strict-ssl",
            ["false", "true", "false", "true", "false"],
            ["false", "true", "false", "true", "false"],
            |c| s(c).strict_ssl.to_string()
        ),
        row!(
            "proxy",
            [
                "http://g:1",
                "http://u:1",
                "http://p:1",
                "http://e:1",
                "http://o:1"
            ],
            [
                "Some(\"http://g:1\")",
                "Some(\"http://u:1\")",
                "Some(\"http://p:1\")",
                "Some(\"http://e:1\")",
                "Some(\"http://o:1\")"
            ],
            |c| format!("{:?}", s(c).http_proxy)
        ),
        row!(
            "https-proxy",
            [
                "http://g:1",
                "http://u:1",
                "http://p:1",
                "http://e:1",
                "http://o:1"
            ],
            [
                "Some(\"http://g:1\")",
                "Some(\"http://u:1\")",
                "Some(\"http://p:1\")",
                "Some(\"http://e:1\")",
                "Some(\"http://o:1\")"
            ],
            |c| format!("{:?}", s(c).https_proxy)
        ),
        row!(
            "noproxy",
            ["g", "u,v", "p", "e", "o"],
            ["[\"g\"]", "[\"u\", \"v\"]", "[\"p\"]", "[\"e\"]", "[\"o\"]"],
            |c| format!("{:?}", s(c).noproxy)
        ),
        row!("fetch-retries", nums, nums, |c| s(c)
            .fetch_retries
            .to_string()),
        row!("fetch-retry-mintimeout", nums, nums, |c| s(c)
            .fetch_retry_mintimeout
            .as_millis()
            .to_string()),
        row!("fetch-retry-maxtimeout", nums, nums, |c| s(c)
            .fetch_retry_maxtimeout
            .as_millis()
            .to_string()),
        row!("fetch-retry-factor", nums, nums, |c| s(c)
            .fetch_retry_factor
            .to_string()),
        row!("fetch-timeout", nums, nums, |c| s(c)
            .fetch_timeout
            .as_millis()
            .to_string()),
        row!(
            "maxsockets",
            nums,
            ["Some(1)", "Some(2)", "Some(3)", "Some(4)", "Some(5)"],
            |c| format!("{:?}", s(c).maxsockets)
        ),
        row!(
            "omit",
            ["dev", "optional", "peer", "dev", "optional"],
            ["dev", "optional", "peer", "dev", "optional"],
            omitted
        ),
        // NODE_ENV=production (in every run's env) makes dev the default omit.
        row!(
            "include",
            ["dev", "optional", "dev", "optional", "dev"],
            ["", "dev", "", "dev", ""],
            omitted
        ),
        row!(
            "production",
            ["false", "true", "false", "true", "false"],
            ["", "dev", "", "dev", ""],
            omitted
        ),
        row!("legacy-peer-deps", bools, b, |c| s(c)
            .legacy_peer_deps
            .to_string()),
        row!("strict-peer-deps", bools, b, |c| s(c)
            .strict_peer_deps
            .to_string()),
        row!("force", bools, b, |c| s(c).force.to_string()),
        row!("engine-strict", bools, b, |c| s(c)
            .engine_strict
            .to_string()),
        row!("ignore-scripts", bools, b, |c| s(c)
            .ignore_scripts
            .to_string()),
        row!("omit-lockfile-registry-resolved", bools, b, |c| s(c)
            .omit_lockfile_registry_resolved
            .to_string()),
        row!(
            "replace-registry-host",
            ["never", "always", "h.test", "never", "npmjs"],
            ["Never", "Always", "Host(\"h.test\")", "Never", "Npmjs"],
            |c| format!("{:?}", s(c).replace_registry_host)
        ),
        row!("save-exact", bools, ["", "^", "", "^", ""], |c| s(c)
            .save_prefix
            .clone()),
        row!(
            "save-prefix",
            ["~", "^", "~", "^", "~"],
            ["~", "^", "~", "^", "~"],
            |c| s(c).save_prefix.clone()
        ),
        row!(
            "package-lock",
            ["false", "true", "false", "true", "false"],
            ["false", "true", "false", "true", "false"],
            |c| s(c).package_lock.to_string()
        ),
        row!("package-lock-only", bools, b, |c| s(c)
            .package_lock_only
            .to_string()),
        row!("prefer-offline", bools, b, |c| s(c)
            .prefer_offline
            .to_string()),
        row!("offline", bools, b, |c| s(c).offline.to_string()),
        row!(
            "before",
            [
                "1970-01-02",
                "1970-01-03",
                "1970-01-04",
                "1970-01-05",
                "1970-01-06"
            ],
            [
                "Some(86400000)",
                "Some(172800000)",
                "Some(259200000)",
                "Some(345600000)",
                "Some(432000000)"
            ],
            |c| format!("{:?}", s(c).before)
        ),
    ]
}

fn omitted(c: &Config) -> String {
    let o = c.settings().omit;
    [("dev", o.dev), ("optional", o.optional), ("peer", o.peer)]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(",")
}

/// Sources in `dir` with `key` set to `values[i]` at each level `i` that has a value.
fn load(dir: &Path, key: &str, values: [Option<&str>; 5]) -> Config {
    Config::load(&sources(dir, key, values)).unwrap()
}

/// The files and variables behind [`load`], written.
fn sources(dir: &Path, key: &str, values: [Option<&str>; 5]) -> ConfigSources {
    let files = [
        dir.join("global/npmrc"),
        dir.join("home/.npmrc"),
        dir.join("project/.npmrc"),
    ];
    for (path, value) in files.iter().zip(values) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = value.map(|v| format!("{key}={v}\n")).unwrap_or_default();
        std::fs::write(path, text).unwrap();
    }
    let cache = dir.join("default-registry");
    std::fs::write(&cache, "http://127.0.0.1:9/").unwrap();
    let mut env = BTreeMap::from([("NODE_ENV".to_owned(), "production".to_owned())]);
    if let Some(v) = values[3] {
        let name = if key.starts_with("//") {
            key.to_owned()
        } else {
            key.replace('-', "_")
        };
        env.insert(format!("npm_config_{name}"), v.to_owned());
    }
    ConfigSources {
        project_dir: dir.join("project"),
        env,
        home: Some(dir.join("home")),
        global_config: Some(dir.join("global/npmrc")),
        overrides: values[4]
            .map(|v| BTreeMap::from([(key.to_owned(), v.to_owned())]))
            .unwrap_or_default(),
        default_registry_cache: Some(cache),
    }
}

#[test]
fn each_key_at_each_level_and_the_higher_level_wins() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for row in rows() {
        for level in 0..5 {
            // Alone at this level.
            let mut alone = [None; 5];
            alone[level] = Some(row.raw[level]);
            let got = (row.read)(&load(dir.path(), row.key, alone));
            if got != row.expected[level] {
                failures.push(format!(
                    "{} set only at {}: got {got:?}, want {:?}",
                    row.key, LEVELS[level], row.expected[level]
                ));
            }
            // Set at this level and every level below: this one wins.
            let mut stacked = [None; 5];
            for (i, slot) in stacked.iter_mut().enumerate().take(level + 1) {
                *slot = Some(row.raw[i]);
            }
            let got = (row.read)(&load(dir.path(), row.key, stacked));
            if got != row.expected[level] {
                failures.push(format!(
                    "{} set at {} and below: got {got:?}, want {:?}",
                    row.key, LEVELS[level], row.expected[level]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn defaults_when_nothing_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(dir.path(), "unknown-key-is-ignored", [Some("x"); 5]);
    let s = config.settings();
    assert!(s.strict_ssl && s.package_lock && !s.package_lock_only);
    assert!(!s.legacy_peer_deps && !s.force && !s.ignore_scripts && !s.offline);
    assert_eq!(s.save_prefix, "^");
    assert_eq!(s.fetch_retries, 2);
    assert_eq!(s.fetch_timeout.as_secs(), 300);
    assert_eq!(s.maxsockets, None);
    assert_eq!(s.before, None);
    // NODE_ENV=production (set by `load`) makes dev the default omit, as in npm.
    assert!(s.omit.dev && !s.omit.optional);
}

#[test]
fn proxies_fall_back_to_the_environment_and_false_turns_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("cache"), "http://127.0.0.1:9/").unwrap();
    let mut sources = ConfigSources {
        project_dir: d.to_path_buf(),
        env: BTreeMap::from([
            ("HTTPS_PROXY".to_owned(), "http://secure:1".to_owned()),
            ("http_proxy".to_owned(), "http://plain:1".to_owned()),
            ("NO_PROXY".to_owned(), "a.test, b.test".to_owned()),
        ]),
        default_registry_cache: Some(d.join("cache")),
        ..Default::default()
    };
    let c = Config::load(&sources).unwrap();
    assert_eq!(c.settings().https_proxy.as_deref(), Some("http://secure:1"));
    // npm's agent: http URLs also take https_proxy first.
    assert_eq!(c.settings().http_proxy.as_deref(), Some("http://secure:1"));
    assert_eq!(c.settings().noproxy, ["a.test", "b.test"]);
    sources.overrides.insert("proxy".into(), "false".into());
    let c = Config::load(&sources).unwrap();
    assert_eq!(c.settings().https_proxy, None);
    assert_eq!(c.settings().http_proxy, None);
}

#[test]
fn npmrc_values_and_keys_expand_variables() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("home")).unwrap();
    std::fs::write(
        d.join("home/.npmrc"),
        "registry=http://${HOST}/\n//${HOST}/:_authToken=${TOKEN}\nsave-prefix=${UNSET?}\n",
    )
    .unwrap();
    let sources = ConfigSources {
        project_dir: d.join("project"),
        home: Some(d.join("home")),
        env: BTreeMap::from([
            ("HOST".to_owned(), "127.0.0.1:7".to_owned()),
            ("TOKEN".to_owned(), "t0k".to_owned()),
        ]),
        ..Default::default()
    };
    let c = Config::load(&sources).unwrap();
    assert_eq!(c.registry(), "http://127.0.0.1:7/");
    assert_eq!(
        c.authorization_for("http://127.0.0.1:7/pkg").as_deref(),
        Some("Bearer t0k")
    );
    assert_eq!(c.settings().save_prefix, "");
    assert!(c.ignored().is_empty());
}

/// GHSA-3qhv-2rgh-x77r (pnpm's, the same hole in any npmrc reader): a project `.npmrc` is
/// whatever the checkout says, so it may not build a registry, proxy or credential from the
/// environment. Such lines are ignored, with a message each; literal ones and other keys
/// still apply, and the user's own npmrc still expands.
#[test]
fn a_project_npmrc_may_not_fill_destinations_or_credentials_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("project")).unwrap();
    std::fs::create_dir_all(d.join("home")).unwrap();
    std::fs::write(
        d.join("home/.npmrc"),
        "registry=http://127.0.0.1:1/\n//127.0.0.1:1/:_authToken=${TOKEN}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("project/.npmrc"),
        "registry=http://127.0.0.1:2/${TOKEN}/\n\
         @evil:registry=http://127.0.0.1:3/\n\
         //127.0.0.1:3/:_authToken=${TOKEN}\n\
         //${HOST}/:_authToken=literal\n\
         https-proxy=http://${TOKEN}@127.0.0.1:4/\n\
         //127.0.0.1:5/:_authToken=literal\n\
         save-prefix=${PREFIX}\n",
    )
    .unwrap();
    let sources = ConfigSources {
        project_dir: d.join("project"),
        home: Some(d.join("home")),
        env: BTreeMap::from([
            ("TOKEN".to_owned(), "s3cret".to_owned()),
            ("HOST".to_owned(), "127.0.0.1:1".to_owned()),
            ("PREFIX".to_owned(), "~".to_owned()),
        ]),
        ..Default::default()
    };
    let c = Config::load(&sources).unwrap();
    assert_eq!(c.registry(), "http://127.0.0.1:1/", "the user's registry");
    assert_eq!(
        c.registry_for("@evil/x"),
        "http://127.0.0.1:3/",
        "literal: kept"
    );
    assert_eq!(c.authorization_for("http://127.0.0.1:3/@evil/x"), None);
    assert_eq!(
        c.authorization_for("http://127.0.0.1:1/x").as_deref(),
        Some("Bearer s3cret"),
        "the user's own line expands"
    );
    assert_eq!(c.settings().https_proxy, None);
    assert_eq!(c.get("//127.0.0.1:5/:_authToken"), Some("literal"));
    assert_eq!(c.settings().save_prefix, "~", "not a destination: expanded");
    let ignored = c.ignored().join("\n");
    assert_eq!(c.ignored().len(), 4, "{ignored}");
    assert!(!ignored.contains("s3cret"), "{ignored}");
    assert!(
        ignored.contains("registry=http://127.0.0.1:2/${TOKEN}/"),
        "{ignored}"
    );
    assert!(
        ignored.contains("//${HOST}/:_authToken=literal"),
        "{ignored}"
    );
}

#[test]
fn credentials_stay_with_their_origin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".npmrc"),
        "registry=https://reg.test/\n@s:registry=http://127.0.0.1:5/\n\
         //reg.test/:_authToken=secure\n//127.0.0.1:5/:_authToken=local\n\
         //127.0.0.1:6/:_authToken=not-a-registry\n",
    )
    .unwrap();
    let sources = ConfigSources {
        project_dir: d.to_path_buf(),
        ..Default::default()
    };
    let c = Config::load(&sources).unwrap();
    let auth = |url: &str| c.authorization_for(url);
    assert_eq!(
        auth("https://reg.test/a/-/a-1.tgz").as_deref(),
        Some("Bearer secure")
    );
    // The https registry's host over plain http: never.
    assert_eq!(auth("http://reg.test/a/-/a-1.tgz"), None);
    assert_eq!(auth("https://other.test/a/-/a-1.tgz"), None);
    assert_eq!(
        auth("http://127.0.0.1:5/@s/a").as_deref(),
        Some("Bearer local")
    );
    // Another port is another origin; and plain http to a host that is no registry: never.
    assert_eq!(auth("http://127.0.0.1:7/a"), None);
    assert_eq!(auth("http://127.0.0.1:6/a"), None);
}

#[test]
fn username_and_password_each_take_their_highest_level() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let users = ["g", "u", "p", "e", "o"];
    for level in 0..5 {
        // The user name at this level and every one below; the password only globally.
        let mut values = [None; 5];
        for (i, slot) in values.iter_mut().enumerate().take(level + 1) {
            *slot = Some(users[i]);
        }
        let sources = sources(dir.path(), "//reg.test/:username", values);
        let global = dir.path().join("global/npmrc");
        let text = std::fs::read_to_string(&global).unwrap();
        std::fs::write(&global, format!("{text}//reg.test/:_password=cHc=\n")).unwrap();
        let config = Config::load(&sources).unwrap();
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{}:pw", users[level]));
        assert_eq!(
            config.authorization_for("https://reg.test/pkg"),
            Some(format!("Basic {pair}")),
            "user name set at {} and below",
            LEVELS[level]
        );
    }
}

/// npm's CI recipe, a project `.npmrc` with `//<registry>/:_authToken=${NPM_TOKEN}`, still
/// works for the registry the user has (npm's default here); the same line for a registry the
/// project names itself is ignored, so the secret never goes there.
#[test]
fn a_project_npmrc_may_fill_a_token_from_the_environment_only_for_the_users_registry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("project")).unwrap();
    std::fs::write(d.join("cache"), "http://127.0.0.1:9/").unwrap();
    let sources = |npmrc: &str| {
        std::fs::write(d.join("project/.npmrc"), npmrc).unwrap();
        ConfigSources {
            project_dir: d.join("project"),
            env: BTreeMap::from([("NPM_TOKEN".to_owned(), "s3cret".to_owned())]),
            default_registry_cache: Some(d.join("cache")),
            ..Default::default()
        }
    };
    let ci = Config::load(&sources("//127.0.0.1:9/:_authToken=${NPM_TOKEN}\n")).unwrap();
    assert_eq!(
        ci.authorization_for("http://127.0.0.1:9/x").as_deref(),
        Some("Bearer s3cret")
    );
    assert!(ci.ignored().is_empty(), "{:?}", ci.ignored());
    let chosen = Config::load(&sources(
        "registry=http://127.0.0.1:7/\n//127.0.0.1:7/:_authToken=${NPM_TOKEN}\n",
    ))
    .unwrap();
    assert_eq!(chosen.authorization_for("http://127.0.0.1:7/x"), None);
    assert_eq!(chosen.ignored().len(), 1, "{:?}", chosen.ignored());
    assert!(!chosen.ignored()[0].contains("s3cret"));
}
