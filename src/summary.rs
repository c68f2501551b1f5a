use napi_derive::napi;

/// What an install did.
#[napi(object)]
pub struct InstallSummary {
    /// Packages in the resolved tree.
    pub packages: u32,
    pub added: u32,
    pub changed: u32,
    pub removed: u32,
    pub downloaded: u32,
    pub cache_hits: u32,
    pub bytes_downloaded: f64,
    pub skipped_optional: u32,
    pub scripts_run: u32,
    /// The registry was asked for packuments (false: the lockfile was enough).
    pub resolved: bool,
    pub lockfile_changed: bool,
    /// node_modules already matched the lockfile.
    pub up_to_date: bool,
    pub timings: Timings,
    pub warnings: Vec<Warning>,
    /// Dependencies whose install scripts npm 12's `allowScripts` policy kept from running.
    pub scripts_not_run: Vec<ScriptsNotRun>,
}

/// A dependency whose install scripts were skipped by the policy.
#[napi(object)]
pub struct ScriptsNotRun {
    /// `name@version`.
    pub package: String,
    /// The skipped lifecycle events (`install`, `postinstall`, ...).
    pub scripts: Vec<String>,
    /// Denied by a `false` entry, rather than not listed.
    pub denied: bool,
}

/// Milliseconds per stage; fetch and link overlap.
#[napi(object)]
pub struct Timings {
    pub resolve_ms: f64,
    pub fetch_link_ms: f64,
    pub link_ms: f64,
    pub bins_ms: f64,
    pub scripts_ms: f64,
    pub total_ms: f64,
}

#[napi(object)]
pub struct Warning {
    pub code: String,
    pub message: String,
}

fn n(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl From<utoo_install::InstallSummary> for InstallSummary {
    fn from(s: utoo_install::InstallSummary) -> Self {
        let t = s.timings;
        InstallSummary {
            packages: n(s.packages),
            added: n(s.added),
            changed: n(s.changed),
            removed: n(s.removed),
            downloaded: n(s.downloaded),
            cache_hits: n(s.cache_hits),
            bytes_downloaded: s.bytes_downloaded as f64,
            skipped_optional: n(s.skipped_optional),
            scripts_run: n(s.scripts_run),
            resolved: s.resolved,
            lockfile_changed: s.lockfile_changed,
            up_to_date: s.up_to_date,
            timings: Timings {
                resolve_ms: t.resolve_ms as f64,
                fetch_link_ms: t.fetch_link_ms as f64,
                link_ms: t.link_ms as f64,
                bins_ms: t.bins_ms as f64,
                scripts_ms: t.scripts_ms as f64,
                total_ms: t.total_ms as f64,
            },
            warnings: s
                .warnings
                .into_iter()
                .map(|w| Warning {
                    code: w.code.as_str().to_owned(),
                    message: w.message,
                })
                .collect(),
            scripts_not_run: s
                .scripts_not_run
                .into_iter()
                .map(|n| ScriptsNotRun {
                    package: n.package,
                    scripts: n.scripts,
                    denied: n.denied,
                })
                .collect(),
        }
    }
}
