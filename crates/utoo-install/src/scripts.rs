//! The scripts stage: dependencies' install scripts (dependencies first), then the
//! project's own, as npm runs them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use utoo_events::{Phase, WarningCode};
use utoo_lockfile::{resolve_from, LockEntry};
use utoo_scripts::{lifecycle_scripts, run_jobs, ScriptEnv, ScriptJob};

use crate::context::Context;
use crate::project::Project;
use crate::script_policy::{ScriptPolicy, ScriptsNotRun, Verdict};
use crate::InstallError;

/// The install scripts of the packages placed this run.
pub(crate) struct DependencyScripts<'a> {
    pub packages: &'a BTreeMap<String, LockEntry>,
    /// Install paths placed this run (a package left alone does not run its scripts again).
    pub placed: Vec<&'a str>,
    /// The project's `allowScripts` (npm 12's policy; see `script_policy.rs`).
    pub allow_scripts: &'a BTreeMap<String, bool>,
}

/// What the scripts stage did.
#[derive(Debug, Default)]
pub(crate) struct ScriptsOutcome {
    /// Scripts that ran.
    pub ran: u64,
    /// Packages whose scripts the policy kept from running.
    pub not_run: Vec<ScriptsNotRun>,
}

impl DependencyScripts<'_> {
    /// Runs the allowed ones and reports the rest.
    pub(crate) async fn run(self, ctx: &Context) -> Result<ScriptsOutcome, InstallError> {
        if !ctx.runs_scripts() {
            return Ok(ScriptsOutcome::default());
        }
        let (mut jobs, not_run) = self.jobs(ctx);
        let mut outcome = ScriptsOutcome { ran: 0, not_run };
        if jobs.is_empty() {
            return Ok(outcome);
        }
        self.order(&mut jobs);
        let _phase = ctx.events.phase(Phase::Scripts);
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let jobs = jobs.into_iter().map(|(_, job)| job).collect();
        outcome.ran = run_jobs(Arc::new(script_env(ctx)), jobs, cores, &ctx.events)
            .await?
            .ran;
        Ok(outcome)
    }

    /// A job per placed package that has install scripts the policy allows, with its
    /// install path; the packages it keeps from running, each warned about once (npm
    /// skips denied ones silently).
    fn jobs(&self, ctx: &Context) -> (Vec<(&str, ScriptJob)>, Vec<ScriptsNotRun>) {
        let policy = ScriptPolicy::new(self.allow_scripts, ctx.settings());
        for why in &policy.ignored {
            ctx.events.warn(
                WarningCode::AllowScriptsEntryIgnored,
                format!("allowScripts: {why}"),
            );
        }
        let mut jobs = Vec::new();
        let mut not_run = Vec::new();
        for &path in &self.placed {
            let Some((entry, job)) = self.job_for(ctx, path) else {
                continue;
            };
            let verdict = policy.verdict(path, entry);
            if verdict == Verdict::Allowed {
                jobs.push((path, job));
                continue;
            }
            let scripts: Vec<String> = job.scripts.into_iter().map(|(event, _)| event).collect();
            if verdict == Verdict::Unreviewed {
                let message = format!("scripts not run: {} ({})", job.id, scripts.join(", "));
                ctx.events.warn(WarningCode::ScriptsNotRun, message);
            }
            not_run.push(ScriptsNotRun {
                package: job.id,
                scripts,
                denied: verdict == Verdict::Denied,
            });
        }
        (jobs, not_run)
    }

    /// The job of the package at `path`, when it has install scripts.
    fn job_for(&self, ctx: &Context, path: &str) -> Option<(&LockEntry, ScriptJob)> {
        let entry = self.packages.get(path)?;
        if !entry.has_install_script {
            return None;
        }
        let dir = ctx.root.join(path);
        let scripts = lifecycle_scripts(&dir);
        if scripts.is_empty() {
            return None;
        }
        let name = entry.package_name(path).to_owned();
        let version = entry.version.clone().unwrap_or_default();
        let job = ScriptJob {
            id: format!("{name}@{version}"),
            name,
            version,
            dir,
            scripts,
            optional: entry.optional,
            after: Vec::new(),
        };
        Some((entry, job))
    }

    /// A package's scripts wait for the scripts of everything it depends on (transitively).
    fn order(&self, jobs: &mut [(&str, ScriptJob)]) {
        let index_of: BTreeMap<&str, usize> =
            jobs.iter().enumerate().map(|(i, (p, _))| (*p, i)).collect();
        for (me, (path, job)) in jobs.iter_mut().enumerate() {
            job.after = self
                .dependencies_of(path)
                .iter()
                .filter_map(|p| index_of.get(p.as_str()).copied())
                .filter(|i| *i != me)
                .collect();
        }
    }

    /// Every install path `path` reaches through its dependency edges.
    fn dependencies_of(&self, path: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![path.to_owned()];
        while let Some(p) = stack.pop() {
            let Some(entry) = self.packages.get(&p) else {
                continue;
            };
            for (name, _, _) in entry.edges(false) {
                if let Some(target) = resolve_from(self.packages, &p, &name) {
                    if seen.insert(target.to_owned()) {
                        stack.push(target.to_owned());
                    }
                }
            }
        }
        seen
    }
}

/// The project's own install hooks, which npm runs after its dependencies are in place, on
/// every install, even a no-op: each workspace member's (`preinstall`, `prepare`, `install`,
/// `postinstall`, as arborist rebuilds a linked member; a member after the members it
/// depends on; members are the project's own code, so npm 12's `allowScripts` does not
/// gate them), then the root's.
pub(crate) struct RootScripts<'a> {
    pub project: &'a Project,
    /// The members the run works on (all of them without a workspace filter).
    pub members: Vec<String>,
}

const MEMBER_EVENTS: [&str; 4] = ["preinstall", "prepare", "install", "postinstall"];
const ROOT_EVENTS: [&str; 4] = ["preinstall", "install", "postinstall", "prepare"];

impl RootScripts<'_> {
    /// Runs them; returns how many scripts ran.
    pub(crate) async fn run(self, ctx: &Context) -> Result<u64, InstallError> {
        if !ctx.runs_scripts() {
            return Ok(0);
        }
        let mut jobs: Vec<ScriptJob> = Vec::new();
        let mut manifests = Vec::new();
        let mut member_jobs: BTreeMap<&str, usize> = BTreeMap::new();
        for folder in &self.members {
            let Some(member) = self.project.manifests.get(folder) else {
                continue;
            };
            if let Some(job) = self.job(folder, &member.manifest, &MEMBER_EVENTS) {
                member_jobs.insert(member.manifest.name.as_str(), jobs.len());
                manifests.push(&member.manifest);
                jobs.push(job);
            }
        }
        // A member waits for the members it depends on.
        for (me, (job, manifest)) in jobs.iter_mut().zip(&manifests).enumerate() {
            job.after = manifest
                .edges(true)
                .iter()
                .filter_map(|(name, _, _)| member_jobs.get(name.as_str()).copied())
                .filter(|i| *i != me)
                .collect();
        }
        let members_done: Vec<usize> = (0..jobs.len()).collect();
        if let Some(mut root) = self.job("", &self.project.root_manifest().manifest, &ROOT_EVENTS) {
            root.after = members_done;
            jobs.push(root);
        }
        if jobs.is_empty() {
            return Ok(0);
        }
        let ran = jobs.iter().map(|j| j.scripts.len() as u64).sum();
        let _phase = ctx.events.phase(Phase::Scripts);
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        run_jobs(Arc::new(script_env(ctx)), jobs, cores, &ctx.events).await?;
        Ok(ran)
    }

    fn job(
        &self,
        folder: &str,
        manifest: &utoo_manifest::Manifest,
        events: &[&str],
    ) -> Option<ScriptJob> {
        let scripts: Vec<(String, String)> = events
            .iter()
            .filter_map(|event| {
                manifest
                    .scripts
                    .get(*event)
                    .map(|cmd| ((*event).to_owned(), cmd.clone()))
            })
            .collect();
        if scripts.is_empty() {
            return None;
        }
        Some(ScriptJob {
            id: if manifest.name.is_empty() {
                "the project".into()
            } else {
                manifest.name.clone()
            },
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            dir: self.project.root.join(folder),
            scripts,
            optional: false,
            after: Vec::new(),
        })
    }
}

/// npm's script environment; with dev dependencies omitted npm also sets
/// `NODE_ENV=production` for every lifecycle script.
fn script_env(ctx: &Context) -> ScriptEnv {
    let mut env = ScriptEnv::new(&ctx.root);
    if ctx.settings().omit.dev {
        env.vars.push(("NODE_ENV".into(), "production".into()));
    }
    env
}
