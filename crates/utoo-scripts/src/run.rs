use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::Semaphore;
use utoo_events::{one_line, ErrorCode, Event, Events, Phase, WarningCode};

use crate::{ScriptEnv, ScriptJob};

/// Lines of output kept for the error message of a failing script.
const TAIL_LINES: usize = 40;

/// Why a lifecycle script failed.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// The script ran and exited unsuccessfully.
    #[error("`{package}` {event} script failed ({status}): `{command}`\n{output}")]
    Failed {
        /// `name@version`.
        package: String,
        /// `preinstall`, `install` or `postinstall`.
        event: String,
        /// The command line given to `sh -c`.
        command: String,
        /// The exit status as the OS describes it.
        status: String,
        /// The last lines of its stdout and stderr.
        output: String,
    },
    /// `sh` could not be started or waited for.
    #[error("could not start the {event} script of `{package}`")]
    Spawn {
        /// `name@version`.
        package: String,
        /// The lifecycle event.
        event: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl ScriptError {
    /// The stable code (`err.code` in JS).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::Lifecycle
    }
}

/// What running the scripts of an install did.
#[derive(Debug, Default, Clone)]
pub struct ScriptOutcome {
    /// Scripts run (not packages).
    pub ran: u64,
    /// Optional packages whose scripts failed: `(id, message)`.
    pub optional_failures: Vec<(String, String)>,
}

/// Runs one script of the package in `dir`, passing its output on to `events`.
pub async fn run_script(
    env: &ScriptEnv,
    job: &ScriptJob,
    event: &str,
    command: &str,
    events: &Events,
) -> Result<(), ScriptError> {
    let spawn_error = |source| ScriptError::Spawn {
        package: job.id.clone(),
        event: event.to_owned(),
        source,
    };
    let mut child = script_command(env, job, event, command)
        .spawn()
        .map_err(spawn_error)?;
    let mut group = GroupGuard {
        pgid: child.id(),
        finished: false,
    };
    utoo_events::failpoint::hit("script-spawned");
    let tail = Mutex::new(VecDeque::new());
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    // Each line goes out as the script prints it: a dev server shows a long build's output
    // live, not after the script exits.
    let emit = |line: String| {
        events.emit(&Event::ScriptOutput {
            package: job.id.clone(),
            script: event.to_owned(),
            line,
        });
    };
    let ((), (), status) = tokio::join!(
        read_lines(stdout, &tail, &emit),
        read_lines(stderr, &tail, &emit),
        child.wait()
    );
    group.finished = true;
    let status = status.map_err(spawn_error)?;
    if status.success() {
        return Ok(());
    }
    let output = tail
        .into_inner()
        .expect("tail lock")
        .into_iter()
        .collect::<Vec<_>>()
        .join("\n");
    Err(ScriptError::Failed {
        package: job.id.clone(),
        event: event.to_owned(),
        command: command.to_owned(),
        status: status.to_string(),
        output,
    })
}

/// Kills the script's whole process group when its future is dropped before the script
/// ended (the install was cancelled): `kill_on_drop` reaches `sh` only, not what it started.
struct GroupGuard {
    pgid: Option<u32>,
    finished: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let (false, Some(pgid)) = (self.finished, self.pgid) {
            kill_group(pgid);
        }
    }
}

#[cfg(unix)]
fn kill_group(pgid: u32) {
    // `kill` rather than libc: no unsafe for a call made once per cancelled script.
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(not(unix))]
fn kill_group(_pgid: u32) {}

/// The shell @npmcli/run-script uses: `sh -c command`, in a process group of its own so
/// that cancelling the install can stop everything the script started.
#[cfg(not(windows))]
fn shell(command: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command).process_group(0);
    cmd
}

/// The shell @npmcli/run-script uses on Windows: `%ComSpec% /d /s /c "command"`, verbatim.
#[cfg(windows)]
fn shell(command: &str) -> Command {
    let comspec = std::env::var_os("ComSpec").unwrap_or_else(|| "cmd.exe".into());
    let mut cmd = Command::new(comspec);
    cmd.args(["/d", "/s", "/c"])
        .raw_arg(format!("\"{command}\""));
    cmd
}

/// `sh -c command` in the package folder with the variables @npmcli/run-script sets.
fn script_command(env: &ScriptEnv, job: &ScriptJob, event: &str, command: &str) -> Command {
    let mut cmd = shell(command);
    cmd.current_dir(&job.dir)
        .env("PATH", env.path_for(&job.dir))
        .env("INIT_CWD", &env.project_root)
        .env("npm_lifecycle_event", event)
        .env("npm_lifecycle_script", command)
        .env("npm_package_name", &job.name)
        .env("npm_package_version", &job.version)
        .env("npm_package_json", job.dir.join("package.json"))
        .env("npm_command", "install")
        .env(
            "npm_config_user_agent",
            concat!("utoo/", env!("CARGO_PKG_VERSION")),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.envs(env.vars.iter().map(|(k, v)| (k, v)));
    cmd
}

/// Passes every line of `stream` to `emit` as it arrives; the last [`TAIL_LINES`] of both
/// streams also go to `tail`, for the error message.
async fn read_lines(
    stream: Option<impl AsyncRead + Unpin>,
    tail: &Mutex<VecDeque<String>>,
    emit: &impl Fn(String),
) {
    let Some(stream) = stream else {
        return;
    };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        {
            let mut t = tail.lock().expect("tail lock");
            if t.len() == TAIL_LINES {
                t.pop_front();
            }
            t.push_back(line.clone());
        }
        emit(line);
    }
}

/// Runs every job's scripts: a job starts once the jobs in its `after` list finished; jobs
/// ready together run in parallel, at most `parallel` at once. The first failure of a
/// required package stops the run once the running jobs finished.
pub async fn run_jobs(
    env: Arc<ScriptEnv>,
    jobs: Vec<ScriptJob>,
    parallel: usize,
    events: &Events,
) -> Result<ScriptOutcome, ScriptError> {
    let waves = waves(&jobs);
    let jobs = Arc::new(jobs);
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let mut outcome = ScriptOutcome::default();
    let mut finished = 0;
    for wave in waves {
        let mut set = tokio::task::JoinSet::new();
        for index in wave {
            let (env, jobs, permits, events) =
                (env.clone(), jobs.clone(), permits.clone(), events.clone());
            set.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("semaphore is never closed");
                let job = &jobs[index];
                for (event, command) in &job.scripts {
                    run_script(&env, job, event, command, &events).await?;
                }
                Ok::<(usize, usize), ScriptError>((index, job.scripts.len()))
            });
        }
        let mut first_error = None;
        while let Some(result) = set.join_next().await {
            finished += 1;
            match result.expect("script tasks do not panic") {
                Ok((index, ran)) => {
                    outcome.ran += ran as u64;
                    progress(events, finished, jobs.len(), &jobs[index].id);
                }
                Err(e) => {
                    let package = match &e {
                        ScriptError::Failed { package, .. }
                        | ScriptError::Spawn { package, .. } => package.clone(),
                    };
                    progress(events, finished, jobs.len(), &package);
                    let optional = jobs.iter().any(|j| j.id == package && j.optional);
                    if optional {
                        events.warn(
                            WarningCode::OptionalScriptFailed,
                            format!("optional dependency failed, continuing: {}", one_line(&e)),
                        );
                        outcome.optional_failures.push((package, one_line(&e)));
                    } else if first_error.is_none() {
                        first_error = Some(e);
                    }
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
    }
    Ok(outcome)
}

/// `done` of `total` packages' scripts have finished, the last of them `package`'s.
fn progress(events: &Events, done: usize, total: usize, package: &str) {
    events.emit(&Event::Progress {
        phase: Phase::Scripts,
        done: done as u64,
        total: total as u64,
        package: Some(package.to_owned()),
    });
}

/// Groups jobs so each group's dependencies are all in earlier groups. Cycles (packages
/// that depend on each other) are broken by running what is left in one last group.
fn waves(jobs: &[ScriptJob]) -> Vec<Vec<usize>> {
    let mut level: Vec<Option<usize>> = vec![None; jobs.len()];
    let mut remaining: Vec<usize> = (0..jobs.len()).collect();
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current = 0;
    while !remaining.is_empty() {
        let (ready, blocked): (Vec<usize>, Vec<usize>) = remaining.iter().partition(|&&i| {
            jobs[i]
                .after
                .iter()
                .all(|&d| d == i || level[d].is_some_and(|l| l < current))
        });
        if ready.is_empty() {
            out.push(blocked);
            break;
        }
        for &i in &ready {
            level[i] = Some(current);
        }
        out.push(ready);
        remaining = blocked;
        current += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use utoo_events::RecordingReporter;

    fn job(dir: &Path, id: &str, script: &str, after: Vec<usize>, optional: bool) -> ScriptJob {
        let d = dir.join(id);
        std::fs::create_dir_all(&d).unwrap();
        ScriptJob {
            id: id.into(),
            name: id.into(),
            version: "1.0.0".into(),
            dir: d,
            scripts: vec![("postinstall".into(), script.into())],
            optional,
            after,
        }
    }

    #[test]
    fn waves_respect_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let jobs = vec![
            job(d, "a", "true", vec![1], false),
            job(d, "b", "true", vec![2], false),
            job(d, "c", "true", vec![], false),
            job(d, "x", "true", vec![4], false),
            job(d, "y", "true", vec![3], false),
        ];
        assert_eq!(waves(&jobs), vec![vec![2], vec![1], vec![0], vec![3, 4]]);
    }

    #[tokio::test]
    async fn runs_in_order_with_npm_env_and_reports_failures() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let log = d.join("log");
        let append = |tag: &str| {
            format!(
                "echo {tag}:$npm_package_name:$npm_lifecycle_event >> {}",
                log.display()
            )
        };
        let jobs = vec![
            job(d, "dependent", &append("second"), vec![1], false),
            job(
                d,
                "dep",
                &format!("sleep 0.2; {}", append("first")),
                vec![],
                false,
            ),
            job(d, "flaky", "echo broken >&2; exit 3", vec![], true),
        ];
        let env = Arc::new(ScriptEnv::new(d));
        let reporter = Arc::new(RecordingReporter::default());
        let events = utoo_events::Events::new(reporter.clone());
        let outcome = run_jobs(env.clone(), jobs, 2, &events).await.unwrap();
        assert_eq!(outcome.ran, 2);
        assert_eq!(outcome.optional_failures.len(), 1);
        // A progress event per finished package, failed optional ones included.
        let progress: Vec<(u64, u64)> = reporter
            .events()
            .iter()
            .filter_map(|e| match e {
                Event::Progress {
                    phase: Phase::Scripts,
                    done,
                    total,
                    ..
                } => Some((*done, *total)),
                _ => None,
            })
            .collect();
        assert_eq!(progress, [(1, 3), (2, 3), (3, 3)]);
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "first:dep:postinstall\nsecond:dependent:postinstall\n"
        );
        let failing = vec![job(d, "bad", "echo oops; exit 2", vec![], false)];
        let err = run_jobs(env, failing, 2, &events).await.unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("`bad` postinstall script failed"),
            "{message}"
        );
        assert!(message.contains("oops"), "{message}");
        assert!(reporter
            .events()
            .iter()
            .any(|e| matches!(e, Event::ScriptOutput { line, .. } if line == "broken")));
    }

    /// Records when each script line arrived.
    #[derive(Default)]
    struct Timed(Mutex<Vec<(String, std::time::Instant)>>);

    impl utoo_events::Reporter for Timed {
        fn on_event(&self, event: &Event) {
            if let Event::ScriptOutput { line, .. } = event {
                let at = std::time::Instant::now();
                self.0.lock().unwrap().push((line.clone(), at));
            }
        }
    }

    #[tokio::test]
    async fn output_lines_arrive_while_the_script_runs() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = vec![job(
            dir.path(),
            "slow",
            "echo first; sleep 1; echo second",
            vec![],
            false,
        )];
        let timed = Arc::new(Timed::default());
        let events = utoo_events::Events::new(timed.clone());
        run_jobs(Arc::new(ScriptEnv::new(dir.path())), jobs, 1, &events)
            .await
            .unwrap();
        let lines = timed.0.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].0, "first");
        // Collected at exit, both lines would arrive together.
        let gap = lines[1].1.duration_since(lines[0].1);
        assert!(gap >= std::time::Duration::from_millis(700), "{gap:?}");
    }
}
