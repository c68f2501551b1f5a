use napi_derive::napi;

fn n(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// What an install with the same options would do; `plan()` writes nothing to find out.
#[napi(object)]
pub struct InstallPlan {
    /// Packages in the tree it would install.
    pub packages: u32,
    /// Whether the registry had to be asked (false: the lockfile was enough).
    pub resolved: bool,
    /// Whether package-lock.json would get other content.
    pub lockfile_changed: bool,
    /// Packages placed where nothing is now (`from` is absent).
    pub added: Vec<PlannedChange>,
    /// Packages replacing what is there (`from` → `to`).
    pub changed: Vec<PlannedChange>,
    /// Packages removed (`to` is absent).
    pub removed: Vec<PlannedChange>,
    /// Placed dependencies with install scripts, and whether npm 12's `allowScripts` policy
    /// lets them run (none with `ignoreScripts`).
    pub scripts: Vec<PlannedScripts>,
    /// Tarballs not in the cache.
    pub download: PlannedDownload,
}

/// One package added, changed or removed.
#[napi(object)]
pub struct PlannedChange {
    pub name: String,
    /// Install path (`node_modules/a/node_modules/b`).
    pub path: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A dependency whose install scripts would be due.
#[napi(object)]
pub struct PlannedScripts {
    /// `name@version`.
    pub package: String,
    pub path: String,
    /// The policy lets them run; false: skipped (and reported in `scriptsNotRun`).
    pub allowed: bool,
    /// Skipped because a `false` entry denies them.
    pub denied: bool,
}

/// What the install would download.
#[napi(object)]
pub struct PlannedDownload {
    /// Tarballs not in the cache.
    pub tarballs: u32,
    /// Their compressed size, summed over those whose size the registry gave.
    pub bytes: f64,
    /// Of `tarballs`, those whose size is unknown (not counted in `bytes`).
    pub unknown_size: u32,
}

fn changes(list: Vec<utoo_install::PlannedChange>) -> Vec<PlannedChange> {
    list.into_iter()
        .map(|c| PlannedChange {
            name: c.name,
            path: c.path,
            from: c.from,
            to: c.to,
        })
        .collect()
}

impl From<utoo_install::InstallPlan> for InstallPlan {
    fn from(p: utoo_install::InstallPlan) -> Self {
        InstallPlan {
            packages: n(p.packages),
            resolved: p.resolved,
            lockfile_changed: p.lockfile_changed,
            added: changes(p.added),
            changed: changes(p.changed),
            removed: changes(p.removed),
            scripts: p
                .scripts
                .into_iter()
                .map(|s| PlannedScripts {
                    package: s.package,
                    path: s.path,
                    allowed: s.allowed,
                    denied: s.denied,
                })
                .collect(),
            download: PlannedDownload {
                tarballs: n(p.download.tarballs),
                bytes: p.download.bytes as f64,
                unknown_size: n(p.download.unknown_size),
            },
        }
    }
}
