//! npm's `engine-strict`: a package whose `engines.node` rules out the running Node stops
//! the install (without it, the resolver only warns).

use std::collections::BTreeMap;

use utoo_lockfile::LockEntry;
use utoo_manifest::node_engine_mismatch;

use crate::context::Context;
use crate::InstallError;

/// Fails on the first non-optional package of the tree whose `engines.node` excludes this
/// Node, when `engine-strict` is on and `force` is off (arborist checks the same nodes).
pub(crate) async fn check(
    ctx: &Context,
    packages: &BTreeMap<String, LockEntry>,
) -> Result<(), InstallError> {
    let settings = ctx.settings();
    if !settings.engine_strict || settings.force {
        return Ok(());
    }
    let Some(node) = ctx.node_version().await else {
        return Ok(());
    };
    for (path, entry) in packages {
        if path.is_empty() || entry.optional || entry.link {
            continue;
        }
        if let Some(wanted) = node_engine_mismatch(entry.engines.as_ref(), node) {
            return Err(InstallError::BadEngine {
                package: format!(
                    "{}@{}",
                    entry.package_name(path),
                    entry.version.as_deref().unwrap_or("?")
                ),
                wanted,
                node: node.to_string(),
            });
        }
    }
    Ok(())
}
