use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A fast npm-compatible package installer.
#[derive(Debug, Parser)]
#[command(name = "utoo", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
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
    #[arg(long, global = true)]
    pub ignore_scripts: bool,
    /// Neither install nor check peer dependencies (npm's --legacy-peer-deps).
    #[arg(long, global = true)]
    pub legacy_peer_deps: bool,
    /// Use cached metadata without revalidating it.
    #[arg(long, global = true)]
    pub prefer_offline: bool,
    /// Never use the network: the cache must have everything.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Turn peer conflicts and platform mismatches into warnings.
    #[arg(long, global = true)]
    pub force: bool,
    /// How to show progress.
    #[arg(long, global = true, value_enum, default_value_t = ReporterKind::Auto)]
    pub reporter: ReporterKind,
    /// Machine-readable output: `--reporter ndjson` (events, then the summary or the error,
    /// one JSON object per line on stdout).
    #[arg(long, global = true, conflicts_with = "reporter")]
    pub json: bool,
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
        #[arg(long)]
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
