use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use utoo_config::LIST_SEPARATOR;

/// A fast npm-compatible package installer.
#[derive(Debug, Parser)]
#[command(name = "utoo", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    /// The subcommand; none is `install`.
    pub command: Option<Command>,
    #[command(flatten)]
    /// Flags every subcommand takes.
    pub global: GlobalArgs,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Run in this project folder instead of the current one.
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Registry URL (default: from npm's configuration).
    #[arg(long, global = true)]
    pub registry: Option<String>,
    /// Cache folder (default: $UTOO_CACHE_DIR or the user cache folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not run lifecycle scripts.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub ignore_scripts: Option<bool>,
    /// Neither install nor check peer dependencies (npm's --legacy-peer-deps).
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub legacy_peer_deps: Option<bool>,
    /// Fail on any peer conflict, not only the project's own.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub strict_peer_deps: Option<bool>,
    /// Use cached metadata without revalidating it.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub prefer_offline: Option<bool>,
    /// Never use the network: the cache must have everything.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub offline: Option<bool>,
    /// Turn peer conflicts and platform mismatches into warnings.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub force: Option<bool>,
    /// Fail on packages whose `engines.node` rules out this Node.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub engine_strict: Option<bool>,
    /// Leave these dependency kinds off the disk (they stay in the lockfile).
    #[arg(long, global = true, value_name = "dev|optional|peer")]
    pub omit: Vec<String>,
    /// Install these dependency kinds even if omitted.
    #[arg(long, global = true, value_name = "dev|optional|peer")]
    pub include: Vec<String>,
    /// `--omit=dev`.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub production: Option<bool>,
    /// Only versions published on or before this date (ISO 8601).
    #[arg(long, global = true, value_name = "DATE")]
    pub before: Option<String>,
    /// `false`: neither read nor write package-lock.json.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub package_lock: Option<bool>,
    /// Work on this workspace member (its name or folder, or a folder of members);
    /// repeatable. The lockfile stays whole; `add`/`remove` edit the member's package.json.
    #[arg(short = 'w', long, global = true, value_name = "NAME|DIR")]
    pub workspace: Vec<String>,
    /// Work on every workspace member (`--workspaces=false`: on the root's own dependencies only).
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub workspaces: Option<bool>,
    /// With `-w`/`--workspaces`, the root's own dependencies too.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub include_workspace_root: Option<bool>,
    /// Which git dependencies may be fetched (npm 12's default: none).
    #[arg(long, global = true, value_name = "all|none|root", value_parser = ["all", "none", "root"])]
    pub allow_git: Option<String>,
    /// Which tarball-URL dependencies may be fetched (npm 12's default: none).
    #[arg(long, global = true, value_name = "all|none|root", value_parser = ["all", "none", "root"])]
    pub allow_remote: Option<String>,
    /// How to show progress.
    #[arg(long, global = true, value_enum, default_value_t = ReporterKind::Auto)]
    pub reporter: ReporterKind,
    /// Machine-readable output, as npm's `--json`: one JSON object on stdout (the summary,
    /// or `{ "error": ... }`), nothing else there. `--reporter ndjson` streams the events too.
    #[arg(long, global = true, conflicts_with = "reporter")]
    pub json: bool,
    /// Print nothing but errors (npm's `--silent`, `--loglevel silent`).
    #[arg(short = 's', long, global = true, conflicts_with_all = ["reporter", "verbose"])]
    pub silent: bool,
    /// One line per step, and the engine's own log (npm's `--verbose`).
    #[arg(long, global = true, conflicts_with = "reporter")]
    pub verbose: bool,
    /// npm's log levels: `silent` is --silent; `verbose`, `silly`: --verbose; the others
    /// change nothing.
    #[arg(long, global = true, value_name = "LEVEL", value_parser = ["silent", "error", "warn", "notice", "http", "timing", "info", "verbose", "silly"])]
    pub loglevel: Option<String>,
}

impl GlobalArgs {
    /// The flags given, as npm config keys for the top of the chain. A flag not given is
    /// not here, so it never hides a lower level's value.
    pub fn config_overrides(&self) -> BTreeMap<String, String> {
        let flags = [
            ("ignore-scripts", self.ignore_scripts),
            ("legacy-peer-deps", self.legacy_peer_deps),
            ("strict-peer-deps", self.strict_peer_deps),
            ("prefer-offline", self.prefer_offline),
            ("offline", self.offline),
            ("force", self.force),
            ("engine-strict", self.engine_strict),
            ("production", self.production),
            ("package-lock", self.package_lock),
            ("workspaces", self.workspaces),
            ("include-workspace-root", self.include_workspace_root),
        ];
        let mut config: BTreeMap<String, String> = flags
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_owned(), value?.to_string())))
            .collect();
        for (key, values) in [
            ("omit", &self.omit),
            ("include", &self.include),
            ("workspace", &self.workspace),
        ] {
            if !values.is_empty() {
                config.insert(key.to_owned(), values.join(LIST_SEPARATOR));
            }
        }
        for (key, value) in [
            ("before", &self.before),
            ("allow-git", &self.allow_git),
            ("allow-remote", &self.allow_remote),
        ] {
            if let Some(value) = value {
                config.insert(key.to_owned(), value.clone());
            }
        }
        config
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReporterKind {
    /// A progress bar on a terminal, plain lines otherwise (CI, pipes).
    Auto,
    Bar,
    Plain,
    /// One JSON event per line on stdout.
    Ndjson,
    Silent,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install dependencies (and add packages, when named).
    #[command(visible_alias = "i")]
    Install {
        /// Only write package-lock.json; do not touch node_modules.
        #[arg(long, visible_alias = "package-lock-only")]
        lockfile_only: bool,
        /// Packages to add, as in `utoo add`.
        packages: Vec<String>,
        #[command(flatten)]
        save: SaveArgs,
    },
    /// Install exactly what package-lock.json says into a fresh node_modules.
    #[command(visible_alias = "clean-install")]
    Ci,
    /// Add packages to package.json and install.
    Add {
        #[arg(required = true)]
        packages: Vec<String>,
        #[command(flatten)]
        save: SaveArgs,
    },
    /// Remove packages from package.json and node_modules.
    #[command(visible_aliases = ["rm", "uninstall", "un"])]
    Remove {
        #[arg(required = true)]
        packages: Vec<String>,
    },
    /// Update the named packages (all when none) to the newest versions their package.json
    /// ranges allow, as npm's `update`: the rest stays locked, package.json is unchanged.
    #[command(visible_aliases = ["up", "upgrade"])]
    Update {
        /// Package names (direct or transitive dependencies).
        names: Vec<String>,
    },
    /// Collapse copies one version could serve, as npm's `dedupe`: every package installed at
    /// several paths is resolved again; package.json is unchanged.
    #[command(visible_alias = "ddp")]
    Dedupe,
    /// Run installed dependencies' install scripts again (all, or the named ones); npm 12's
    /// `allowScripts` still decides which run.
    #[command(visible_alias = "rb")]
    Rebuild {
        /// `name` or `name@range`.
        names: Vec<String>,
    },
    /// Allow dependencies' install scripts in package.json's `allowScripts`, as npm 12's
    /// `approve-scripts` writes it (pinned to the installed versions unless
    /// --no-allow-scripts-pin).
    ApproveScripts {
        /// `name` or `name@range`: every installed copy that matches.
        names: Vec<String>,
        #[command(flatten)]
        review: ReviewArgs,
        /// Only list the packages whose install scripts nothing allows or denies.
        #[arg(long, conflicts_with_all = ["names", "all"])]
        allow_scripts_pending: bool,
    },
    /// Deny dependencies' install scripts (`"name": false` in `allowScripts`), as npm 12's
    /// `deny-scripts`.
    DenyScripts {
        /// `name` or `name@range`.
        names: Vec<String>,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// npm 12's `install-scripts approve|deny|ls`.
    InstallScripts {
        /// `approve`, `deny`, or `ls` (`list`).
        #[arg(value_parser = ["approve", "deny", "ls", "list"])]
        action: String,
        /// `name` or `name@range`.
        names: Vec<String>,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Installed dependencies with newer versions, as npm's `outdated` (exit 1 when any).
    Outdated {
        /// Only these packages (wherever they are depended on).
        names: Vec<String>,
        /// Every package's dependencies, not only the project's own.
        #[arg(short = 'a', long)]
        all: bool,
    },
    /// List installed packages, as npm's `ls` (read-only; exit 1 on problems).
    #[command(visible_alias = "list")]
    Ls {
        /// Only show the paths to these packages.
        names: Vec<String>,
        /// Every level, not only direct dependencies.
        #[arg(short = 'a', long)]
        all: bool,
        /// npm's JSON shape on stdout.
        #[arg(long)]
        json: bool,
        /// How many levels below the direct dependencies to show.
        #[arg(long, value_name = "N")]
        depth: Option<usize>,
    },
    /// Explain why a package is installed, as npm's `explain`.
    #[command(visible_alias = "explain")]
    Why {
        /// `name` or `name@range`.
        #[arg(required = true)]
        names: Vec<String>,
        /// npm's JSON shape on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// What the allowScripts commands share.
#[derive(Debug, Args, Clone, Default)]
pub struct ReviewArgs {
    /// Every package whose install scripts are not yet reviewed.
    #[arg(long)]
    pub all: bool,
    /// Write name-only entries (any version) instead of `name@version` pins.
    #[arg(long)]
    pub no_allow_scripts_pin: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct SaveArgs {
    /// Save to devDependencies.
    #[arg(short = 'D', long)]
    pub save_dev: bool,
    /// Save to optionalDependencies.
    #[arg(short = 'O', long)]
    pub save_optional: bool,
    /// Save to peerDependencies.
    #[arg(long)]
    pub save_peer: bool,
    /// Save the exact version instead of a ^range.
    #[arg(short = 'E', long)]
    pub save_exact: bool,
}
