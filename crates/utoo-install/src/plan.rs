use std::collections::BTreeMap;

use utoo_events::Phase;
use utoo_lockfile::{calc_dep_flags, is_top, resolve_from, LockEntry, Lockfile};
use utoo_manifest::{DepKind, Overrides, Spec};
use utoo_resolver::{
    resolve_workspace, root_entry, satisfies, top_entry, Member, PackumentSource, ResolveError,
    ResolveOptions,
};

use crate::context::Context;
use crate::lock_overrides::{overridden_specs, OverriddenSpecs};
use crate::project::Project;
use crate::source::RegistrySource;
use crate::source_policy::SourcePolicy;
use crate::{InstallError, Mode};

/// The resolve stage: from the project (and its lockfile, when there is one) to the tree to
/// install.
pub(crate) struct Plan<'a> {
    pub project: &'a Project,
    /// Versions `add` picked for its requests (see `ResolveOptions::prefer`).
    pub prefer: &'a [(String, String)],
}

/// The tree to install, as lockfile entries keyed by install path (`""` is the root).
pub(crate) struct Planned {
    pub packages: BTreeMap<String, LockEntry>,
    /// Whether the registry was asked (false: the lockfile was enough).
    pub resolved: bool,
    pub elapsed_ms: u64,
}

impl Planned {
    /// Packages in the tree, the root excluded.
    pub(crate) fn len(&self) -> u64 {
        self.packages.len().saturating_sub(1) as u64
    }
}

impl Plan<'_> {
    /// Uses the lockfile when it satisfies package.json (no packument is fetched then), and
    /// resolves otherwise, keeping locked versions that still fit.
    pub(crate) async fn run(self, ctx: &Context) -> Result<Planned, InstallError> {
        utoo_events::failpoint::hit("plan");
        // npm's `package-lock=false`: the lockfile is ignored (`ci` reads it regardless).
        let locked = if ctx.settings().package_lock || ctx.options.mode == Mode::Ci {
            Lockfile::read(&self.project.lockfile_path())?
        } else {
            None
        };
        let phase = ctx.events.phase(Phase::Resolve);
        let (packages, resolved) = self.tree(ctx, locked).await?;
        Ok(Planned {
            packages,
            resolved,
            elapsed_ms: phase.elapsed_ms(),
        })
    }

    async fn tree(
        &self,
        ctx: &Context,
        locked: Option<Lockfile>,
    ) -> Result<(BTreeMap<String, LockEntry>, bool), InstallError> {
        let mode = ctx.options.mode;
        let settings = ctx.settings();
        let manifest = &self.project.root_manifest().manifest;
        let members = self.project.members();
        let policy = SourcePolicy::new(settings, self.project);
        // `update` resolves again, from a lockfile without the pins it lifts.
        let locked = match &ctx.options.update {
            Some(names) => locked.map(|lock| unpinned(lock, names)),
            None => locked,
        };
        if let Some(lock) = locked.as_ref().filter(|_| ctx.options.update.is_none()) {
            let mut packages = lock.packages.clone();
            packages.insert(String::new(), root_entry(manifest));
            // Members' entries come from their package.json as it is now, like the root's.
            for member in &members {
                packages.insert(
                    member.path.clone(),
                    top_entry(&member.path, &member.manifest),
                );
            }
            // npm checks the root's overrides before it looks at the tree, lockfile or not.
            let overrides = Overrides::parse(manifest.overrides.as_ref())
                .and_then(|o| o.check_direct(manifest))
                .and_then(|()| overridden_specs(&packages, manifest))
                .map_err(ResolveError::from)?;
            let complete = check_members(&self.project.root, &packages, &members)
                .and_then(|()| check_complete(&packages, settings.legacy_peer_deps, &overrides));
            match complete {
                Ok(()) => {
                    // npm 12 refuses a locked git or tarball-URL dependency as it refuses a
                    // new one, before anything is fetched.
                    policy.check_tree(&packages)?;
                    calc_dep_flags(&mut packages);
                    // npm prunes what nothing reaches any more (a dependency removed from
                    // package.json).
                    packages.retain(|_, e| !e.extraneous);
                    return Ok((packages, false));
                }
                Err(detail) if mode == Mode::Ci => {
                    return Err(InstallError::LockOutOfSync { detail })
                }
                Err(detail) => {
                    tracing::debug!(%detail, "lockfile does not satisfy package.json; resolving");
                }
            }
        } else if mode == Mode::Ci {
            return Err(InstallError::CiWithoutLockfile);
        }
        // A tarball URL is fetched into the same cache the pipeline reads.
        let source = RegistrySource::new(
            ctx.packuments().clone(),
            ctx.client().clone(),
            ctx.cache_dir.clone(),
            ctx.options.tarball_limits,
            self.project.root.clone(),
            policy,
        );
        // The root's dependencies download while the native CLI asks `node --version`.
        source.prefetch_edges(&manifest.edges(true), settings.legacy_peer_deps);
        let options = ResolveOptions {
            legacy_peer_deps: settings.legacy_peer_deps,
            strict_peer_deps: settings.strict_peer_deps,
            force: settings.force,
            node_version: ctx.node_version().await.cloned(),
            prefer: self.prefer.to_vec(),
        };
        let resolved = resolve_workspace(
            manifest,
            &members,
            locked.as_ref(),
            &source,
            &options,
            &ctx.events,
        )
        .await;
        source.packuments.stop_speculating();
        Ok((resolved?.packages, true))
    }
}

/// The lockfile without the entries of `names` (of every package when empty), so the
/// resolver prefers nothing for them and picks the newest version their ranges allow, as
/// npm's `update` does. Links and the root stay: they are package.json's, not pins.
fn unpinned(mut lock: Lockfile, names: &[String]) -> Lockfile {
    lock.packages.retain(|path, entry| {
        path.is_empty()
            || entry.link
            || (!names.is_empty() && !names.iter().any(|n| n == entry.package_name(path)))
    });
    lock
}

/// Whether a locked `resolved` is a commit of the repository a git spec names (and the
/// commit itself when the spec pins a full one); a branch or tag is not looked up again.
fn locked_commit_fits(git: &utoo_manifest::GitSpec, resolved: Option<&str>) -> bool {
    let Some(sha) = resolved.and_then(|r| r.strip_prefix(&git.resolved_base)?.strip_prefix('#'))
    else {
        return false;
    };
    match &git.committish {
        utoo_manifest::GitRef::Named(n) if n.len() == 40 => n.eq_ignore_ascii_case(sha),
        _ => true,
    }
}

/// Whether the lockfile's workspace still stands: no folder it lists is gone, and every
/// member has its link at `node_modules/<name>` (a member added since has none).
fn check_members(
    root: &std::path::Path,
    packages: &BTreeMap<String, LockEntry>,
    members: &[Member],
) -> Result<(), String> {
    // A member or `file:` folder the lockfile has that is gone (its package.json removed).
    for path in packages.keys().filter(|p| !p.is_empty() && is_top(p)) {
        let member = members.iter().any(|m| m.path == *path);
        if !member && !root.join(path).join("package.json").is_file() {
            return Err(format!(
                "the lockfile's folder `{path}` has no package.json any more"
            ));
        }
    }
    for member in members {
        let link = format!("node_modules/{}", member.manifest.name);
        let linked = packages
            .get(&link)
            .is_some_and(|e| e.link && e.resolved.as_deref() == Some(member.path.as_str()));
        if !linked {
            return Err(format!(
                "the workspace member `{}` is not linked at `{link}` in the lockfile",
                member.path
            ));
        }
    }
    Ok(())
}

/// Whether every edge of every entry finds a package in the tree that satisfies it, as
/// `overrides` leave its spec.
fn check_complete(
    packages: &BTreeMap<String, LockEntry>,
    legacy_peer_deps: bool,
    overrides: &OverriddenSpecs,
) -> Result<(), String> {
    for (path, entry) in packages {
        if entry.link {
            continue;
        }
        for (name, spec, kind) in entry.edges(is_top(path)) {
            let spec = overrides
                .get(&(path.clone(), name.clone()))
                .cloned()
                .unwrap_or(spec);
            if kind == DepKind::PeerOptional || (kind.is_peer() && legacy_peer_deps) {
                continue;
            }
            let who = if path.is_empty() {
                "package.json".to_owned()
            } else {
                path.clone()
            };
            let Some(target) = resolve_from(packages, path, &name) else {
                if kind.is_optional() {
                    continue;
                }
                return Err(format!(
                    "`{name}@{spec}` needed by {who} is not in the lockfile"
                ));
            };
            let t = &packages[target];
            match Spec::parse(&name, &spec) {
                Ok(Spec::Directory { .. }) if t.link => continue,
                Ok(Spec::Directory { .. }) => {
                    return Err(format!(
                        "{who} wants the folder `{name}@{spec}` but the lockfile has a package"
                    ))
                }
                Ok(Spec::Registry { .. }) => {}
                Ok(Spec::Remote { url }) if t.resolved.as_deref() == Some(url.as_str()) => continue,
                Ok(Spec::Git(git)) if locked_commit_fits(&git, t.resolved.as_deref()) => continue,
                Ok(Spec::Remote { .. } | Spec::Git(_)) => {
                    return Err(format!(
                        "{who} wants `{name}@{spec}` but the lockfile has {}",
                        t.resolved.as_deref().unwrap_or("another package")
                    ))
                }
                _ => continue,
            }
            // A link answers with its target's version (a member's dependency on another
            // member by range).
            let (t, target) = match t.resolved.as_deref().filter(|_| t.link) {
                Some(to) => match packages.get_key_value(to) {
                    Some((key, entry)) => (entry, key.as_str()),
                    None => (t, target),
                },
                None => (t, target),
            };
            let real = t.package_name(target);
            let version = t.version.as_deref().unwrap_or_default();
            if !satisfies(&name, &spec, real, version) {
                return Err(format!(
                    "{who} wants `{name}@{spec}` but the lockfile has {real}@{version}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn entry(version: &str, deps: &[(&str, &str)]) -> LockEntry {
        LockEntry {
            version: Some(version.into()),
            dependencies: deps
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn update_lifts_the_pins_of_the_named_packages_only() {
        let mut packages = BTreeMap::new();
        packages.insert(String::new(), entry("1.0.0", &[("a", "^1")]));
        packages.insert("node_modules/a".into(), entry("1.0.0", &[("b", "^1")]));
        packages.insert("node_modules/b".into(), entry("1.0.0", &[]));
        packages.insert("node_modules/a/node_modules/b".into(), entry("1.1.0", &[]));
        let lock = Lockfile {
            name: None,
            version: None,
            lockfile_version: 3,
            packages,
        };
        let named = unpinned(lock.clone(), &["b".to_owned()]);
        assert_eq!(
            named.packages.keys().collect::<Vec<_>>(),
            ["", "node_modules/a"],
            "every copy of `b` goes"
        );
        let all = unpinned(lock, &[]);
        assert_eq!(all.packages.keys().collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn detects_missing_and_unsatisfied_edges() {
        let mut p = BTreeMap::new();
        p.insert(String::new(), entry("1.0.0", &[("a", "^1")]));
        p.insert("node_modules/a".into(), entry("1.2.0", &[("b", "^2")]));
        p.insert("node_modules/b".into(), entry("2.0.0", &[]));
        assert!(check_complete(&p, false, &OverriddenSpecs::new()).is_ok());
        p.insert(String::new(), entry("1.0.0", &[("a", "^2")]));
        let err = check_complete(&p, false, &OverriddenSpecs::new()).unwrap_err();
        assert!(err.contains("a@^2"), "{err}");
        p.insert(String::new(), entry("1.0.0", &[("a", "^1"), ("c", "1")]));
        assert!(check_complete(&p, false, &OverriddenSpecs::new())
            .unwrap_err()
            .contains("`c@1` needed by package.json"));
    }
}
