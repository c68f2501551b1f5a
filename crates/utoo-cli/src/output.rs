use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use utoo_events::{causes, NdjsonReporter, SilentReporter};
use utoo_install::{DepField, EditRequest, InstallError, InstallOptions, InstallSummary, Mode};

use crate::args::{Cli, Command, ReporterKind, SaveArgs};
use crate::reporters::{BarReporter, PlainReporter};

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
    let bar = (kind == ReporterKind::Bar).then(|| Arc::new(BarReporter::new()));
    options.reporter = match (kind, &bar) {
        (ReporterKind::Bar, Some(bar)) => bar.clone(),
        (ReporterKind::Plain, _) => Arc::new(PlainReporter::new(std::io::stderr())),
        (ReporterKind::Ndjson, _) => Arc::new(NdjsonReporter::new(std::io::stdout())),
        _ => Arc::new(SilentReporter),
    };
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
    report(result, kind, json, rebuilding)
}

/// Prints the outcome in the shape the flags asked for; returns the exit code.
fn report(
    result: Result<InstallSummary, InstallError>,
    kind: ReporterKind,
    json: bool,
    rebuilding: bool,
) -> i32 {
    match result {
        Ok(summary) if json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
            0
        }
        Err(error) if json => {
            let value = error_json(&error);
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "error": value["error"] }))
                    .unwrap_or_default()
            );
            eprintln!("{}", describe_error(&error));
            1
        }
        Ok(summary) => {
            match kind {
                ReporterKind::Ndjson => println!(
                    "{}",
                    serde_json::json!({"type": "summary", "summary": summary})
                ),
                ReporterKind::Silent => {}
                // npm's own closing line for rebuild.
                _ if rebuilding => eprintln!("rebuilt dependencies successfully"),
                _ => eprintln!("{}", describe(&summary)),
            }
            0
        }
        Err(error) => {
            if kind == ReporterKind::Ndjson {
                println!("{}", error_json(&error));
            }
            eprintln!("{}", describe_error(&error));
            1
        }
    }
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

/// The closing line: what changed and where the time went.
pub(crate) fn describe(s: &InstallSummary) -> String {
    let t = &s.timings;
    if s.up_to_date {
        return format!(
            "up to date, {} packages checked in {}ms",
            s.packages, t.total_ms
        );
    }
    format!(
        "added {}, changed {}, removed {} ({} packages; {} downloaded, {} from cache) in {}ms \
         [resolve {}ms, fetch+link {}ms, bins {}ms, scripts {}ms]",
        s.added,
        s.changed,
        s.removed,
        s.packages,
        s.downloaded,
        s.cache_hits,
        t.total_ms,
        t.resolve_ms,
        t.fetch_link_ms,
        t.bins_ms,
        t.scripts_ms
    )
}

/// `error[CODE]: what failed`, then one `caused by:` line per source down the chain, then
/// what to do on a `hint:` line of its own.
pub(crate) fn describe_error(error: &InstallError) -> String {
    let mut text = format!("error[{}]: {error}", error.code());
    for cause in causes(error) {
        text.push_str("\n  caused by: ");
        text.push_str(&cause);
    }
    if let Some(hint) = error.hint() {
        text.push_str("\nhint: ");
        text.push_str(hint);
    }
    text
}

/// The NDJSON stream's last line when the install failed (the summary's twin).
pub(crate) fn error_json(error: &InstallError) -> serde_json::Value {
    serde_json::json!({
        "type": "error",
        "error": {
            "code": error.code(),
            "message": error.to_string(),
            "causes": causes(error),
            "hint": error.hint(),
        },
    })
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
