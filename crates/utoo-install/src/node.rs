//! The Node that will run the installed packages: npm prefers versions whose `engines.node`
//! accepts it. The addon is told (`process.versions.node`); the native CLI asks `node`.

use nodejs_semver::Version;

/// `node --version` of the `node` on PATH, or `None` when there is none.
pub(crate) async fn node_on_path() -> Option<Version> {
    let output = tokio::process::Command::new("node")
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse(&String::from_utf8_lossy(&output.stdout))
}

/// `v20.1.0` or `20.1.0`.
pub(crate) fn parse(raw: &str) -> Option<Version> {
    Version::parse(raw.trim().trim_start_matches('v')).ok()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_with_and_without_the_v() {
        assert_eq!(parse("v20.11.1\n").unwrap().to_string(), "20.11.1");
        assert_eq!(parse("18.0.0").unwrap().to_string(), "18.0.0");
        assert!(parse("not a version").is_none());
    }
}
