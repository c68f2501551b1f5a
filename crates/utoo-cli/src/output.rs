use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use utoo_events::{NdjsonReporter, Reporter, SilentReporter};
use utoo_install::{DepField, EditRequest, InstallOptions, Mode};

use crate::args::{Cli, Command, ReporterKind, SaveArgs};
use crate::bars::BarReporter;
pub(crate) use crate::outcome::describe_error;
use crate::outcome::{report, Shape};
use crate::reporters::PlainReporter;
use crate::warnings::HoldWarnings;

/// npm's `-ws` is `--workspaces`; to clap it would be `-w s`.
fn npm_spellings(argv: Vec<String>) -> impl Iterator<Item = String> {
    argv.into_iter().map(|a| {
        if a == "-ws" {
            "--workspaces".to_owned()
        } else {
            a
        }
    })
}

/// Runs the command line `argv` (program name first) and returns the exit code:
/// 0 success, 1 the install failed, 2 the arguments were wrong.
pub async fn run(argv: Vec<String>, node_version: Option<String>) -> i32 {
    let (cli, cwd) = match parse(argv) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let level = Level::of(&cli);
    init_logging(level == Level::Verbose);
    // Read-only commands touch neither the engine's options nor the network.
    if let Some(code) = crate::inspect::run(cli.command.as_ref(), &cwd) {
        return code;
    }
    let mut options = engine_options(&cli, cwd, node_version);
    if let Some(Command::Outdated { names, all }) = &cli.command {
        return crate::outdated::run(options, names, *all, cli.global.json).await;
    }
    if let Some(review) = crate::review::request(cli.command.as_ref()) {
        return crate::review::run(options, review, cli.global.json).await;
    }
    let json = cli.global.json;
    let kind = match level {
        _ if json => ReporterKind::Silent,
        Level::Silent => ReporterKind::Silent,
        Level::Verbose => ReporterKind::Plain,
        Level::Normal => reporter_kind(cli.global.reporter),
    };
    let (bar, hold, reporter) = reporters(kind);
    options.reporter = reporter;
    let cancel = options.cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
    let rebuild = match &cli.command {
        Some(Command::Rebuild { names }) => Some(names.clone()),
        _ => None,
    };
    let rebuilding = rebuild.is_some();
    let result = match rebuild {
        Some(names) => utoo_install::rebuild(options, names).await,
        None => utoo_install::install(options).await,
    };
    ctrl_c.abort();
    if let Some(bar) = &bar {
        bar.finish();
    }
    let shape = Shape {
        kind,
        json,
        rebuilding,
        verbose: level == Level::Verbose,
        color: crate::color::enabled(),
    };
    report(result, &hold.take(), shape)
}

/// The command line and the folder it runs in; `Err` is the exit code (help, usage errors).
fn parse(argv: Vec<String>) -> Result<(Cli, PathBuf), i32> {
    let cli = Cli::try_parse_from(npm_spellings(argv)).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            2
        } else {
            0
        }
    })?;
    let cwd = cli
        .global
        .cwd
        .clone()
        .map_or_else(std::env::current_dir, Ok)
        .map_err(|e| {
            eprintln!("error: cannot read the current folder: {e}");
            1
        })?;
    Ok((cli, cwd))
}

/// The engine's options for the parsed command line.
fn engine_options(cli: &Cli, cwd: PathBuf, node_version: Option<String>) -> InstallOptions {
    let mut options = InstallOptions::new(cwd);
    options.registry = cli.global.registry.clone();
    options.cache_dir = cli.global.cache_dir.clone();
    // Flags are npm config keys at the command-line level; an absent flag sets nothing, so
    // the project's `.npmrc` (and the rest of the chain) still applies.
    options.config = cli.global.config_overrides();
    options.node_version = node_version;
    match &cli.command {
        // A plain install, or a command whose run takes no edit or mode.
        None
        | Some(
            Command::Ls { .. }
            | Command::Why { .. }
            | Command::Rebuild { .. }
            | Command::Outdated { .. }
            | Command::ApproveScripts { .. }
            | Command::DenyScripts { .. }
            | Command::InstallScripts { .. },
        ) => {}
        Some(Command::Install {
            lockfile_only,
            packages,
            save,
        }) => {
            if *lockfile_only {
                options.mode = Mode::LockfileOnly;
            }
            if !packages.is_empty() {
                options.edit = Some(edit_for(packages.clone(), save));
                save_exact(&mut options, save);
            }
        }
        Some(Command::Ci) => options.mode = Mode::Ci,
        Some(Command::Update { names }) => options.update = Some(names.clone()),
        Some(Command::Dedupe) => options.dedupe = true,
        Some(Command::Add { packages, save }) => {
            options.edit = Some(edit_for(packages.clone(), save));
            save_exact(&mut options, save);
        }
        Some(Command::Remove { packages }) => {
            options.edit = Some(EditRequest {
                remove: packages.clone(),
                ..Default::default()
            });
        }
    }
    options
}

/// The listeners for `kind`: the bar (to finish), the warnings held for the end, and what
/// the engine reports to.
fn reporters(
    kind: ReporterKind,
) -> (
    Option<Arc<BarReporter>>,
    Arc<HoldWarnings>,
    Arc<dyn Reporter>,
) {
    let bar =
        (kind == ReporterKind::Bar).then(|| Arc::new(BarReporter::new(crate::color::enabled())));
    let shown: Arc<dyn Reporter> = match (kind, &bar) {
        (ReporterKind::Bar, Some(bar)) => bar.clone(),
        (ReporterKind::Plain, _) => Arc::new(PlainReporter::new(std::io::stderr())),
        (ReporterKind::Ndjson, _) => Arc::new(NdjsonReporter::new(std::io::stdout())),
        _ => Arc::new(SilentReporter),
    };
    // Warnings are printed at the end, grouped; the event stream keeps them inline.
    let hold = Arc::new(HoldWarnings::new(shown.clone()));
    let reporter: Arc<dyn Reporter> = if kind == ReporterKind::Ndjson {
        shown
    } else {
        hold.clone()
    };
    (bar, hold, reporter)
}

/// `auto` is a bar on a terminal outside CI, plain lines otherwise.
fn reporter_kind(asked: ReporterKind) -> ReporterKind {
    match asked {
        ReporterKind::Auto
            if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() =>
        {
            ReporterKind::Bar
        }
        ReporterKind::Auto => ReporterKind::Plain,
        other => other,
    }
}

fn edit_for(packages: Vec<String>, save: &SaveArgs) -> EditRequest {
    let field = if save.save_dev {
        DepField::Dev
    } else if save.save_optional {
        DepField::Optional
    } else if save.save_peer {
        DepField::Peer
    } else {
        DepField::Prod
    };
    EditRequest {
        add: packages,
        field,
        ..Default::default()
    }
}

// `-E` is npm's `save-exact` key, so `.npmrc`'s `save-exact` / `save-prefix` apply without it.
fn save_exact(options: &mut InstallOptions, save: &SaveArgs) {
    if save.save_exact {
        options.set("save-exact", true);
    }
}

/// How much the run says, from `--silent`, `--verbose` and `--loglevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Silent,
    Normal,
    Verbose,
}

impl Level {
    fn of(cli: &Cli) -> Level {
        match (
            cli.global.silent,
            cli.global.verbose,
            cli.global.loglevel.as_deref(),
        ) {
            (true, _, _) | (_, _, Some("silent")) => Level::Silent,
            (_, true, _) | (_, _, Some("verbose" | "silly")) => Level::Verbose,
            _ => Level::Normal,
        }
    }
}

fn init_logging(verbose: bool) {
    // UTOO_LOG=debug (tracing's env-filter syntax) turns on engine logs on stderr; --verbose
    // is UTOO_LOG=debug unless UTOO_LOG says otherwise.
    let filter = match std::env::var("UTOO_LOG") {
        Ok(filter) => filter,
        Err(_) if verbose => {
            "info,utoo_install=debug,utoo_registry=debug,utoo_cache=debug,utoo_resolver=debug"
                .to_owned()
        }
        Err(_) => return,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}
