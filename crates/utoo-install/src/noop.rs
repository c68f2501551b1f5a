//! The no-op shortcut. A complete install leaves a stamp in node_modules naming its inputs:
//! package.json and package-lock.json byte for byte, the options that shape the result, the
//! platform, and the hidden lockfile it wrote (size and mtime). A later `install` that finds
//! the same inputs, and every package folder still trusted by npm's rule (not newer than the
//! hidden lockfile), has nothing to do: it stops before parsing any lockfile. Anything else,
//! including a stamp from another utoo version, takes the full path, which re-checks all.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::SystemTime;

use utoo_lockfile::{Lockfile, HIDDEN_LOCKFILE};
use utoo_manifest::Platform;

use crate::context::Context;
use crate::project::Project;
use crate::trust::folder_intact;

/// In node_modules, beside npm's hidden lockfile.
const STAMP: &str = ".utoo-noop";
const HEADER: &str = "utoo-noop-v1";

/// What a complete install left.
#[derive(Debug, PartialEq)]
pub(crate) struct Stamp {
    pub key: u64,
    pub packages: u64,
    pub skipped_optional: u64,
    /// Installed package paths (`node_modules/a`, `node_modules/a/node_modules/b`).
    pub paths: Vec<String>,
}

impl Stamp {
    fn render(&self) -> String {
        let mut out = format!(
            "{HEADER} {:016x} {} {}\n",
            self.key, self.packages, self.skipped_optional
        );
        for path in &self.paths {
            out.push_str(path);
            out.push('\n');
        }
        out
    }

    fn parse(text: &str) -> Option<Stamp> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split(' ');
        if head.next()? != HEADER {
            return None;
        }
        let key = u64::from_str_radix(head.next()?, 16).ok()?;
        let packages = head.next()?.parse().ok()?;
        let skipped_optional = head.next()?.parse().ok()?;
        Some(Stamp {
            key,
            packages,
            skipped_optional,
            paths: lines.map(str::to_owned).collect(),
        })
    }
}

pub(crate) fn stamp_path(project: &Project) -> PathBuf {
    project.node_modules().join(STAMP)
}

/// The hash of everything an install's outcome depends on, and when the hidden lockfile was
/// written; `None` when something is missing (no lockfile, no hidden lockfile).
fn inputs_key(ctx: &Context, project: &Project) -> Option<(u64, SystemTime)> {
    let lock = std::fs::read(project.lockfile_path()).ok()?;
    let hidden = std::fs::metadata(project.node_modules().join(HIDDEN_LOCKFILE)).ok()?;
    let written = hidden.modified().ok()?;
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    for (folder, manifest) in &project.manifests {
        (folder, &manifest.text).hash(&mut h);
    }
    lock.hash(&mut h);
    (hidden.len(), written).hash(&mut h);
    format!("{:?}", Platform::current()).hash(&mut h);
    // Every setting that changes the tree, what goes on disk or what the lockfiles say.
    let s = ctx.settings();
    (
        s.force,
        s.legacy_peer_deps,
        s.strict_peer_deps,
        s.engine_strict,
        s.omit,
        s.omit_lockfile_registry_resolved,
        s.package_lock,
        s.before,
        &s.replace_registry_host,
        s.ignore_scripts,
    )
        .hash(&mut h);
    Some((h.finish(), written))
}

/// The stamp, when it still describes this project exactly and every folder it lists is
/// trusted (npm's rule: not modified after the hidden lockfile was written).
pub(crate) fn still_installed(ctx: &Context, project: &Project) -> Option<Stamp> {
    let stamp = Stamp::parse(&std::fs::read_to_string(stamp_path(project)).ok()?)?;
    let (key, written) = inputs_key(ctx, project)?;
    (stamp.key == key
        && stamp
            .paths
            .iter()
            .all(|p| folder_intact(&project.root.join(p), Some(written))))
    .then_some(stamp)
}

/// Records a complete install (call after the hidden lockfile and package-lock.json are
/// final). Best effort: without a stamp the next run just takes the full path.
pub(crate) fn record(
    ctx: &Context,
    project: &Project,
    packages: u64,
    skipped_optional: u64,
    paths: impl Iterator<Item = String>,
) {
    let Some((key, _)) = inputs_key(ctx, project) else {
        return;
    };
    let stamp = Stamp {
        key,
        packages,
        skipped_optional,
        paths: paths.collect(),
    };
    if let Err(error) = Lockfile::write(&stamp_path(project), &stamp.render()) {
        tracing::debug!(%error, "no no-op stamp this time");
    }
}

#[cfg(test)]
mod tests {
    use super::Stamp;

    #[test]
    fn a_stamp_reads_back_and_garbage_is_no_stamp() {
        let stamp = Stamp {
            key: 0xdead_beef,
            packages: 3,
            skipped_optional: 1,
            paths: vec!["node_modules/a".into(), "node_modules/@s/b".into()],
        };
        assert_eq!(Stamp::parse(&stamp.render()), Some(stamp));
        assert_eq!(Stamp::parse("utoo-noop-v0 1 2 3\n"), None);
        assert_eq!(Stamp::parse("utoo-noop-v1 zz 2 3\n"), None);
        assert_eq!(Stamp::parse(""), None);
    }
}
