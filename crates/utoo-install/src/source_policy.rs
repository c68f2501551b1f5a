//! npm's `allow-git` and `allow-remote` (npm 12 defaults both to `none`): whether a git or
//! tarball-URL dependency may be fetched at all, checked before anything is fetched, both
//! where the resolver asks for such a spec and where a lockfile already names one.

use std::collections::BTreeMap;

use utoo_config::{Allow, Settings};
use utoo_events::ErrorCode;
use utoo_lockfile::{is_top, LockEntry};
use utoo_manifest::Spec;

use crate::project::Project;

/// A dependency the policy refuses.
#[derive(Debug)]
pub struct NotAllowed {
    /// The dependency's name.
    pub name: String,
    /// Its spec as written.
    pub spec: String,
    /// `git` or `remote`.
    pub kind: &'static str,
    /// The setting in force.
    pub setting: &'static str,
    /// Declared by a dependency, not by the project.
    pub transitive: bool,
}

impl std::fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let of = if self.transitive {
            " of a dependency"
        } else {
            ""
        };
        write!(
            f,
            "`{}@{}` is a {} dependency{of}, and `allow-{}` is `{}`",
            self.name, self.spec, self.kind, self.kind, self.setting
        )
    }
}

impl std::error::Error for NotAllowed {}

impl NotAllowed {
    /// `EALLOWGIT` or `EALLOWREMOTE`.
    pub fn code(&self) -> ErrorCode {
        if self.kind == "git" {
            ErrorCode::AllowGit
        } else {
            ErrorCode::AllowRemote
        }
    }
}

/// The settings and the specs the project's package.json files declare (what `root` allows).
#[derive(Debug, Clone)]
pub(crate) struct SourcePolicy {
    git: Allow,
    remote: Allow,
    declared: Vec<(String, Spec)>,
}

impl SourcePolicy {
    pub(crate) fn new(settings: &Settings, project: &Project) -> SourcePolicy {
        let declared = project
            .manifests
            .values()
            .flat_map(|m| m.manifest.edges(true))
            .filter_map(|(name, spec, _)| Spec::parse(&name, &spec).ok().map(|s| (name, s)))
            .filter(|(_, s)| matches!(s, Spec::Git(_) | Spec::Remote { .. }))
            .collect();
        SourcePolicy {
            git: settings.allow_git,
            remote: settings.allow_remote,
            declared,
        }
    }

    /// Whether `name@spec` may be fetched; `spec` as written, for the message.
    pub(crate) fn check(&self, name: &str, spec: &Spec, written: &str) -> Result<(), NotAllowed> {
        let (kind, allow) = match spec {
            Spec::Git(_) => ("git", self.git),
            Spec::Remote { .. } => ("remote", self.remote),
            _ => return Ok(()),
        };
        let declared = self.declared.iter().any(|(n, s)| n == name && s == spec);
        match allow {
            Allow::All => Ok(()),
            Allow::Root if declared => Ok(()),
            Allow::None | Allow::Root => Err(NotAllowed {
                name: name.to_owned(),
                spec: written.to_owned(),
                kind,
                setting: allow.as_str(),
                transitive: !declared,
            }),
        }
    }

    /// The check over a locked tree: every git or tarball-URL edge in it.
    pub(crate) fn check_tree(
        &self,
        packages: &BTreeMap<String, LockEntry>,
    ) -> Result<(), NotAllowed> {
        for (path, entry) in packages {
            for (name, spec, _) in entry.edges(is_top(path)) {
                if let Ok(parsed) = Spec::parse(&name, &spec) {
                    self.check(&name, &parsed, &spec)?;
                }
            }
        }
        Ok(())
    }
}
