use serde::Serialize;
use utoo_events::Warning;

use crate::script_policy::ScriptsNotRun;

/// What an install did: the typed result both front ends show.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallSummary {
    /// Packages in the resolved tree (the lockfile's entries, root excluded).
    pub packages: u64,
    /// Packages placed into node_modules this run that were not there before.
    pub added: u64,
    /// Packages replaced by another version or re-placed.
    pub changed: u64,
    /// Packages removed from node_modules.
    pub removed: u64,
    /// Tarballs downloaded.
    pub downloaded: u64,
    /// Tarballs that were already in the cache.
    pub cache_hits: u64,
    /// Bytes downloaded (compressed).
    pub bytes_downloaded: u64,
    /// Optional packages not installed on this platform.
    pub skipped_optional: u64,
    /// Lifecycle scripts run (dependencies' and the project's).
    pub scripts_run: u64,
    /// Whether the registry was asked for packuments (false: the lockfile was enough).
    pub resolved: bool,
    /// Whether package-lock.json's content changed.
    pub lockfile_changed: bool,
    /// Nothing in node_modules needed to change.
    pub up_to_date: bool,
    /// The most link jobs that ran at once (a structural check that linking is parallel).
    pub max_parallel_links: u64,
    /// How long each stage took.
    pub timings: Timings,
    /// Every warning the run raised, as its events carried them.
    pub warnings: Vec<Warning>,
    /// Dependencies whose install scripts the policy kept from running (npm 12's
    /// `allowScripts`); `utoo rebuild <name>` runs them later.
    pub scripts_not_run: Vec<ScriptsNotRun>,
}

/// Wall time of each stage in milliseconds. Fetch and link overlap: `fetch_link_ms` is
/// their common wall time, `link_ms` the time spent inside link jobs summed over workers.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    /// Building the tree (lockfile or resolution).
    pub resolve_ms: u64,
    /// Fetching and linking, wall time.
    pub fetch_link_ms: u64,
    /// Inside link jobs, summed over workers.
    pub link_ms: u64,
    /// Linking `.bin` entries.
    pub bins_ms: u64,
    /// Lifecycle scripts.
    pub scripts_ms: u64,
    /// The whole run.
    pub total_ms: u64,
}
