//! The typed settings utoo acts on, read once from the merged chain with npm's parsing
//! (nopt's booleans and numbers, list values, npm's defaults and its environment
//! fallbacks), so every consumer sees the same value whichever level set it.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::npmrc::LIST_SEPARATOR;

/// Dependency kinds left off the disk (npm's `omit` less `include`). They stay in the
/// lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Omit {
    /// `dev`: packages only devDependencies reach.
    pub dev: bool,
    /// `optional`: packages only optionalDependencies reach.
    pub optional: bool,
    /// `peer`: packages only peerDependencies reach.
    pub peer: bool,
}

/// npm's `replace-registry-host`: which hosts of lockfile `resolved` URLs are swapped for
/// the configured registry before fetching.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReplaceRegistryHost {
    /// npm's default: the public registry's host. utoo does not name that host, so this
    /// replaces nothing (see README).
    Npmjs,
    /// Never replace.
    Never,
    /// Replace every registry host.
    Always,
    /// Replace this host (`host` or `host:port`).
    Host(String),
}

/// The settings of one run, with npm's defaults for whatever no level sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `strict-ssl`: verify TLS certificates (default true).
    pub strict_ssl: bool,
    /// The proxy for https URLs: `https-proxy`, else `proxy`, else `HTTPS_PROXY`.
    pub https_proxy: Option<String>,
    /// The proxy for http URLs: `https-proxy`, else `proxy`, else the environment's
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `PROXY`, in that order (npm's agent).
    pub http_proxy: Option<String>,
    /// `noproxy` (else `NO_PROXY`): hosts reached directly.
    pub noproxy: Vec<String>,
    /// `fetch-retries`: retries of a transient failure (default 2).
    pub fetch_retries: u32,
    /// `fetch-retry-mintimeout`: the first backoff. utoo's default is 150 ms, not npm's
    /// 10 s: a registry on a LAN or a CDN answers again long before that.
    pub fetch_retry_mintimeout: Duration,
    /// `fetch-retry-maxtimeout`: the longest backoff (default 60 s).
    pub fetch_retry_maxtimeout: Duration,
    /// `fetch-retry-factor`: each backoff is the previous one times this (utoo default 4).
    pub fetch_retry_factor: u32,
    /// `fetch-timeout`: the longest a request may take, body included (default 5 min).
    pub fetch_timeout: Duration,
    /// `maxsockets`: requests in flight per origin; `None`: utoo's own limits.
    pub maxsockets: Option<usize>,
    /// `omit` / `include` / `production` (and `NODE_ENV=production`).
    pub omit: Omit,
    /// `legacy-peer-deps`.
    pub legacy_peer_deps: bool,
    /// `strict-peer-deps`: every peer conflict fails, not only the root's own.
    pub strict_peer_deps: bool,
    /// `force`.
    pub force: bool,
    /// `engine-strict`: a package whose `engines.node` rules out this Node fails.
    pub engine_strict: bool,
    /// `ignore-scripts`.
    pub ignore_scripts: bool,
    /// `allow-scripts`: packages (`name` or `name@range`) whose install scripts may run, on
    /// top of package.json's `allowScripts` (a `false` there still wins).
    pub allow_scripts: Vec<String>,
    /// `dangerously-allow-all-scripts`: npm 11's behaviour, every dependency's install
    /// scripts run whatever `allowScripts` says (`ignore-scripts` still wins).
    pub dangerously_allow_all_scripts: bool,
    /// `omit-lockfile-registry-resolved`.
    pub omit_lockfile_registry_resolved: bool,
    /// `replace-registry-host`.
    pub replace_registry_host: ReplaceRegistryHost,
    /// `save-prefix` after `save-exact` (which makes it empty).
    pub save_prefix: String,
    /// `package-lock`: false means package-lock.json is neither read nor written.
    pub package_lock: bool,
    /// `package-lock-only`: write package-lock.json, leave node_modules alone.
    pub package_lock_only: bool,
    /// `offline`.
    pub offline: bool,
    /// `prefer-offline`.
    pub prefer_offline: bool,
    /// `before`, as milliseconds since the Unix epoch.
    pub before: Option<i64>,
    /// `always-auth`: read for completeness; credentials already go with every request to
    /// the registry they are configured for, and never elsewhere.
    pub always_auth: bool,
    /// `workspace` (`-w`): the members, by name or folder, an install works on.
    pub workspace: Vec<String>,
    /// `workspaces` (`--workspaces`: every member; `--no-workspaces`: none, only the root's
    /// own dependencies); unset: no filter.
    pub workspaces: Option<bool>,
    /// `include-workspace-root`: with a member filter, the root's dependencies too.
    pub include_workspace_root: bool,
}

impl Settings {
    /// The settings `values` (the merged chain) and `env` (for npm's environment defaults)
    /// describe.
    pub(crate) fn from_values(
        values: &BTreeMap<String, String>,
        env: &BTreeMap<String, String>,
    ) -> Settings {
        let get = |key: &str| values.get(key).map(String::as_str);
        let flag = |key: &str, default: bool| get(key).map_or(default, parse_bool);
        let millis =
            |key: &str, default: u64| Duration::from_millis(number(key, get(key), default));
        let package_lock_only = flag("package-lock-only", false);
        Settings {
            strict_ssl: flag("strict-ssl", true),
            https_proxy: proxy(get, env, true),
            http_proxy: proxy(get, env, false),
            noproxy: noproxy(get("noproxy"), env),
            fetch_retries: u32::try_from(number("fetch-retries", get("fetch-retries"), 2))
                .unwrap_or(u32::MAX),
            fetch_retry_mintimeout: millis("fetch-retry-mintimeout", 150),
            fetch_retry_maxtimeout: millis("fetch-retry-maxtimeout", 60_000),
            fetch_retry_factor: u32::try_from(number(
                "fetch-retry-factor",
                get("fetch-retry-factor"),
                4,
            ))
            .unwrap_or(u32::MAX),
            fetch_timeout: millis("fetch-timeout", 300_000),
            maxsockets: get("maxsockets")
                .map(|v| number("maxsockets", Some(v), 0))
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0),
            omit: omit(get, env),
            legacy_peer_deps: flag("legacy-peer-deps", false),
            strict_peer_deps: flag("strict-peer-deps", false),
            force: flag("force", false),
            engine_strict: flag("engine-strict", false),
            ignore_scripts: flag("ignore-scripts", false),
            allow_scripts: get("allow-scripts")
                .map(|v| list(v).map(str::to_owned).collect())
                .unwrap_or_default(),
            dangerously_allow_all_scripts: flag("dangerously-allow-all-scripts", false),
            omit_lockfile_registry_resolved: flag("omit-lockfile-registry-resolved", false),
            replace_registry_host: match get("replace-registry-host").map(str::trim) {
                None | Some("" | "npmjs") => ReplaceRegistryHost::Npmjs,
                Some("never") => ReplaceRegistryHost::Never,
                Some("always") => ReplaceRegistryHost::Always,
                Some(host) => ReplaceRegistryHost::Host(host.to_owned()),
            },
            save_prefix: if flag("save-exact", false) {
                String::new()
            } else {
                get("save-prefix").unwrap_or("^").to_owned()
            },
            // npm: package-lock-only implies package-lock.
            package_lock: package_lock_only || flag("package-lock", true),
            package_lock_only,
            offline: flag("offline", false),
            prefer_offline: flag("prefer-offline", false),
            before: get("before").and_then(|v| {
                let parsed = parse_date(v);
                if parsed.is_none() {
                    tracing::warn!(value = v, "ignoring `before`: not a date");
                }
                parsed
            }),
            always_auth: flag("always-auth", false),
            workspace: get("workspace")
                .map(|v| list(v).map(str::to_owned).collect())
                .unwrap_or_default(),
            workspaces: get("workspaces").map(parse_bool),
            include_workspace_root: flag("include-workspace-root", false),
        }
    }

    /// The backoff before retry number `attempt` (0-based): npm's `retry` module's
    /// `min * factor^attempt`, capped at the maximum.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        let factor = self.fetch_retry_factor.max(1).saturating_pow(attempt);
        self.fetch_retry_mintimeout
            .saturating_mul(factor)
            .min(self.fetch_retry_maxtimeout)
    }
}

/// nopt's boolean: numbers are true unless zero, `false`/`null`/empty are false, any
/// other text is true.
pub(crate) fn parse_bool(value: &str) -> bool {
    let value = value.trim();
    if let Ok(n) = value.parse::<f64>() {
        return n != 0.0;
    }
    !matches!(value, "" | "false" | "null")
}

fn number(key: &str, value: Option<&str>, default: u64) -> u64 {
    let Some(value) = value else {
        return default;
    };
    match value.trim().parse::<f64>() {
        // Saturating float-to-int: a negative count is 0, a huge one the maximum.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "saturating conversion is the intent"
        )]
        Ok(n) if n.is_finite() => n.max(0.0) as u64,
        _ => {
            tracing::warn!(key, value, "ignoring a setting that is not a number");
            default
        }
    }
}

/// A list value: ini arrays and npm's blank-line separator; `noproxy` also takes commas.
fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(LIST_SEPARATOR)
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn env_any<'a>(env: &'a BTreeMap<String, String>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| env.get(*n).map(String::as_str).filter(|v| !v.is_empty()))
}

// npm sends every request through `https-proxy || proxy`; with neither set, its agent
// reads the environment by the URL's scheme. `proxy=false` turns proxies off.
fn proxy<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    env: &BTreeMap<String, String>,
    https: bool,
) -> Option<String> {
    let set = |key: &str| {
        get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "null")
    };
    if set("proxy") == Some("false") && set("https-proxy").is_none() {
        return None;
    }
    if let Some(configured) = set("https-proxy").or_else(|| set("proxy")) {
        return Some(configured.to_owned());
    }
    let from_env = if https {
        env_any(env, &["HTTPS_PROXY", "https_proxy"])
    } else {
        env_any(
            env,
            &[
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
                "PROXY",
                "proxy",
            ],
        )
    };
    from_env.map(str::to_owned)
}

fn noproxy(configured: Option<&str>, env: &BTreeMap<String, String>) -> Vec<String> {
    let value = configured
        .filter(|v| !v.trim().is_empty())
        .or_else(|| env_any(env, &["NO_PROXY", "no_proxy"]))
        .unwrap_or_default();
    list(value).map(str::to_owned).collect()
}

// npm's buildOmitList: `production` adds dev to omit (false: to include), the default omit
// is dev when NODE_ENV=production, and include wins over omit.
fn omit<'a>(get: impl Fn(&str) -> Option<&'a str>, env: &BTreeMap<String, String>) -> Omit {
    let mut omit: Vec<&str> = match get("omit") {
        Some(value) => list(value).collect(),
        None if env.get("NODE_ENV").is_some_and(|v| v == "production") => vec!["dev"],
        None => Vec::new(),
    };
    let mut include: Vec<&str> = get("include")
        .map(|v| list(v).collect())
        .unwrap_or_default();
    match get("production").map(parse_bool) {
        Some(true) => omit.push("dev"),
        Some(false) => include.push("dev"),
        None => {}
    }
    let has = |kind: &str| omit.contains(&kind) && !include.contains(&kind);
    Omit {
        dev: has("dev"),
        optional: has("optional"),
        peer: has("peer"),
    }
}

/// An ISO 8601 date or date-time (`2024-05-01`, `2024-05-01T12:30:00.000Z`,
/// `2024-05-01 12:30+02:00`) as milliseconds since the epoch; no offset means UTC.
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u32 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let (clock_ms, offset_ms) = match time {
        Some(t) => parse_time(t)?,
        None => (0, 0),
    };
    Some(days * 86_400_000 + clock_ms - offset_ms)
}

// `HH:MM[:SS[.fff]]` then `Z` or `±HH:MM`: (milliseconds into the day, offset).
fn parse_time(text: &str) -> Option<(i64, i64)> {
    let (clock, offset) = if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else if let Some(i) = text.rfind(['+', '-']) {
        let sign = if text[i..].starts_with('-') { -1 } else { 1 };
        let (h, m) = text[i + 1..]
            .split_once(':')
            .unwrap_or((&text[i + 1..], "0"));
        let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
        (&text[..i], sign * minutes * 60_000)
    } else {
        (text, 0)
    };
    let mut fields = clock.splitn(3, ':');
    let hours: i64 = fields.next()?.parse().ok()?;
    let minutes: i64 = fields.next()?.parse().ok()?;
    let seconds: f64 = fields.next().map_or(Some(0.0), |s| s.parse().ok())?;
    if hours > 24 || minutes > 59 || !(0.0..61.0).contains(&seconds) {
        return None;
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "seconds are below 61, so the milliseconds fit"
    )]
    let millis = (seconds * 1000.0).round() as i64;
    Some(((hours * 60 + minutes) * 60_000 + millis, offset))
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_parse_like_nopt() {
        for t in ["true", "1", "yes", "2"] {
            assert!(parse_bool(t), "{t}");
        }
        for f in ["false", "0", "", "null"] {
            assert!(!parse_bool(f), "{f}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2020-03-01T00:00:00.000Z"),
            Some(1_583_020_800_000)
        );
        assert_eq!(
            parse_date("2020-03-01T02:00+02:00"),
            Some(1_583_020_800_000)
        );
        assert_eq!(
            parse_date("2020-02-29 12:00:00.5Z"),
            Some(1_582_977_600_500)
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2020-13-01"), None);
    }

    #[test]
    fn retry_backoff_grows_and_is_capped() {
        let mut s = Settings::from_values(&BTreeMap::new(), &BTreeMap::new());
        assert_eq!(s.retry_delay(0), Duration::from_millis(150));
        assert_eq!(s.retry_delay(1), Duration::from_millis(600));
        s.fetch_retry_maxtimeout = Duration::from_millis(1000);
        assert_eq!(s.retry_delay(5), Duration::from_millis(1000));
    }
}
