//! Git dependencies as tarballs: the system `git` finds the commit a spec asks for
//! (`ls-remote`) and fetches it (shallow when the server allows it), the files are chosen as
//! `npm pack` chooses them and packed as `package/...`, so the cache then treats the result
//! as any other tarball: one store, one extraction path.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use globset::{Glob, GlobSet, GlobSetBuilder};
use nodejs_semver::Version;
use utoo_manifest::GitRef;

/// Why a git dependency could not be had.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` is not installed or could not start.
    #[error("could not run `git` (is it installed?)")]
    NoGit(#[source] std::io::Error),
    /// A `git` command failed.
    #[error("`git {command}` failed: {stderr}")]
    Failed {
        /// The subcommand and its arguments, credentials-free.
        command: String,
        /// What git printed, trimmed.
        stderr: String,
    },
    /// No ref or tag of the repository matches what the spec asks for.
    #[error("`{repo}` has no {wanted}")]
    NoSuchRef {
        /// The repository.
        repo: String,
        /// What was asked (`branch, tag or commit main`, `tag in ^1`).
        wanted: String,
    },
    /// The package needs its `prepare` script run before it is packed.
    #[error(
        "it has a `prepare` script, which utoo does not run for git dependencies yet (npm installs its devDependencies and runs it)"
    )]
    Prepare,
    /// The checkout has no usable package.json.
    #[error("the repository has no valid package.json at its root")]
    NoManifest,
    /// Reading the checkout or writing the tarball failed.
    #[error("could not pack the checkout")]
    Io(#[source] std::io::Error),
}

/// The hosts whose `git+ssh://git@<host>/` URLs npm fetches over https first.
const HOSTED: [&str; 3] = ["github.com", "gitlab.com", "bitbucket.org"];

/// npm's pack date for every entry (1985-10-26T08:15:00Z): the same files give the same
/// tarball.
const PACK_MTIME: u64 = 499_162_500;

/// `git+<url>#<sha>` (or `git://…#<sha>`), as a lockfile records it → (URL, commit).
pub fn split_resolved(resolved: &str) -> Option<(&str, &str)> {
    let url = resolved.strip_prefix("git+").unwrap_or(resolved);
    if !url.contains("://") || !(resolved.starts_with("git+") || resolved.starts_with("git://")) {
        return None;
    }
    let (repo, sha) = url.rsplit_once('#')?;
    Some((repo, sha))
}

/// Whether a `resolved` (or tarball) URL names a git commit.
pub fn is_git(url: &str) -> bool {
    split_resolved(url).is_some()
}

/// The URLs to try for a repository: a hosted `ssh://git@<host>/u/r.git` over https first,
/// as npm does (no key needed for a public repository).
fn candidates(repo: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(rest) = repo.strip_prefix("ssh://git@") {
        if let Some((host, path)) = rest.split_once('/') {
            if HOSTED.contains(&host) {
                out.push(format!("https://{host}/{path}"));
            }
        }
    }
    out.push(repo.to_owned());
    out
}

fn git(args: &[&str], dir: Option<&Path>) -> Result<String, GitError> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    // Never wait on a prompt for credentials or a host key: fail instead.
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_SSH_COMMAND", "ssh -oBatchMode=yes")
        .args(args);
    let out = cmd.output().map_err(GitError::NoGit)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(GitError::Failed {
            command: args.first().copied().unwrap_or_default().to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// The full commit `wanted` names in the repository at `repo` (a lockfile's base URL, without
/// `git+`): its default branch, a branch, a tag, a full commit, or the highest tag in a
/// `semver:` range.
pub fn resolve_ref(repo: &str, wanted: &GitRef) -> Result<String, GitError> {
    if let GitRef::Named(name) = wanted {
        if name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(name.to_ascii_lowercase());
        }
    }
    let listing = from_any(repo, |url| git(&["ls-remote", url], None))?;
    pick_ref(repo, &listing, wanted)
}

/// `attempt` on each URL of [`candidates`] until one works; else the last error.
fn from_any<T>(
    repo: &str,
    mut attempt: impl FnMut(&str) -> Result<T, GitError>,
) -> Result<T, GitError> {
    let mut last = None;
    for url in candidates(repo) {
        match attempt(&url) {
            Ok(found) => return Ok(found),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("there is at least one candidate"))
}

/// `ls-remote` output → the commit; a tag's peeled commit (`^{}`) wins over the tag object.
fn pick_ref(repo: &str, listing: &str, wanted: &GitRef) -> Result<String, GitError> {
    let refs: Vec<(&str, &str)> = listing.lines().filter_map(|l| l.split_once('\t')).collect();
    let find = |name: &str| {
        refs.iter()
            .find(|(_, r)| *r == format!("{name}^{{}}"))
            .or_else(|| refs.iter().find(|(_, r)| *r == name))
            .map(|(sha, _)| (*sha).to_owned())
    };
    let found = match wanted {
        GitRef::Default => find("HEAD"),
        GitRef::Named(name) => find(&format!("refs/tags/{name}"))
            .or_else(|| find(&format!("refs/heads/{name}")))
            .or_else(|| find(name)),
        GitRef::Semver(range) => refs
            .iter()
            .filter_map(|(_, r)| r.strip_prefix("refs/tags/"))
            .filter(|t| !t.ends_with("^{}"))
            .filter_map(|t| {
                let v = Version::parse(t.strip_prefix('v').unwrap_or(t)).ok()?;
                range.satisfies(&v).then_some((v, t))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .and_then(|(_, t)| find(&format!("refs/tags/{t}"))),
    };
    found.ok_or_else(|| GitError::NoSuchRef {
        repo: repo.to_owned(),
        wanted: match wanted {
            GitRef::Default => "default branch".to_owned(),
            GitRef::Named(n) => format!("branch, tag or commit `{n}`"),
            GitRef::Semver(r) => format!("tag in `{r}`"),
        },
    })
}

/// The commit `sha` of `repo`, packed as `npm pack` would pack it (gzipped tar bytes).
pub(crate) fn pack(repo: &str, sha: &str, tmp: &Path) -> Result<Vec<u8>, GitError> {
    let work = tempfile::Builder::new()
        .prefix("git-")
        .tempdir_in(tmp)
        .map_err(GitError::Io)?;
    let dir = work.path().join("checkout");
    from_any(repo, |url| checkout(url, sha, &dir))?;
    let manifest: serde_json::Value = std::fs::read(dir.join("package.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(GitError::NoManifest)?;
    if manifest["scripts"]["prepare"].is_string() {
        return Err(GitError::Prepare);
    }
    let files = packlist(&dir, &manifest);
    tarball(&dir, &files).map_err(GitError::Io)
}

/// Fetches just the commit when the server allows it, else clones and checks it out.
fn checkout(url: &str, sha: &str, dir: &Path) -> Result<(), GitError> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(GitError::Io)?;
    let shallow = git(&["init", "-q"], Some(dir))
        .and_then(|_| git(&["fetch", "-q", "--depth", "1", url, sha], Some(dir)))
        .and_then(|_| git(&["checkout", "-q", "FETCH_HEAD"], Some(dir)));
    if shallow.is_ok() {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(dir);
    let target = dir.to_string_lossy();
    git(&["clone", "-q", "--no-checkout", url, &target], None)?;
    git(&["checkout", "-q", sha], Some(dir)).map(|_| ())
}

/// Names `npm pack` never includes, wherever they are.
const NEVER: [&str; 12] = [
    ".git",
    ".svn",
    ".hg",
    "CVS",
    "node_modules",
    ".npmrc",
    ".DS_Store",
    "npm-debug.log",
    ".lock-wscript",
    "package-lock.json",
    "config.gypi",
    ".gitignore",
];

/// The files `npm pack` puts in the tarball (npm-packlist, for what a git dependency needs):
/// with `files`, those paths plus package.json, the readme and license files, `main` and the
/// bins; without, everything but what `.npmignore` (else `.gitignore`) excludes.
fn packlist(dir: &Path, manifest: &serde_json::Value) -> Vec<PathBuf> {
    let mut all = Vec::new();
    walk(dir, Path::new(""), &mut all);
    let always = |rel: &Path| {
        let s = rel.to_string_lossy().to_ascii_lowercase();
        !s.contains('/')
            && (s == "package.json"
                || s.starts_with("readme")
                || s.starts_with("license")
                || s.starts_with("licence")
                || s.starts_with("copying"))
    };
    let mut listed: BTreeSet<PathBuf> = BTreeSet::new();
    for key in ["main", "browser"] {
        if let Some(main) = manifest[key].as_str() {
            listed.insert(PathBuf::from(main.trim_start_matches("./")));
        }
    }
    match &manifest["bin"] {
        serde_json::Value::String(b) => {
            listed.insert(PathBuf::from(b.trim_start_matches("./")));
        }
        serde_json::Value::Object(map) => {
            for b in map.values().filter_map(|v| v.as_str()) {
                listed.insert(PathBuf::from(b.trim_start_matches("./")));
            }
        }
        _ => {}
    }
    if let Some(files) = manifest["files"].as_array() {
        let patterns: Vec<&str> = files.iter().filter_map(|f| f.as_str()).collect();
        let set = globs(patterns.iter().map(|p| p.trim_start_matches("./")), true);
        return all
            .into_iter()
            .filter(|rel| always(rel) || listed.contains(rel) || set.is_match(rel))
            .collect();
    }
    let ignore = [".npmignore", ".gitignore"]
        .iter()
        .find_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .unwrap_or_default();
    let rules: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .collect();
    let set = globs(rules.into_iter(), false);
    all.into_iter()
        .filter(|rel| always(rel) || !set.is_match(rel))
        .filter(|rel| rel.as_os_str() != ".npmignore")
        .collect()
}

/// gitignore-style patterns as globs: a name without `/` matches at any depth, a leading `/`
/// anchors it, and a folder takes in what is inside it. `anchored`: every pattern is from
/// the root (`files`).
fn globs<'a>(patterns: impl Iterator<Item = &'a str>, anchored: bool) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_end_matches('/');
        let rooted = anchored || p.starts_with('/') || p.contains('/');
        let p = p.trim_start_matches('/');
        if p.is_empty() {
            continue;
        }
        let base = if rooted {
            p.to_owned()
        } else {
            format!("**/{p}")
        };
        for glob in [base.clone(), format!("{base}/**")] {
            if let Ok(g) = Glob::new(&glob) {
                builder.add(g);
            }
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        if NEVER.iter().any(|n| name == *n) {
            continue;
        }
        let path = rel.join(&name);
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(root, &path, out),
            Ok(t) if t.is_file() => out.push(path),
            // npm pack leaves symlinks out.
            _ => {}
        }
    }
}

fn tarball(dir: &Path, files: &[PathBuf]) -> std::io::Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for rel in files {
        let path = dir.join(rel);
        let bytes = std::fs::read(&path)?;
        let executable = is_executable(&path);
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(if executable { 0o755 } else { 0o644 });
        header.set_mtime(PACK_MTIME);
        header.set_entry_type(tar::EntryType::Regular);
        let name = format!("package/{}", rel.to_string_lossy().replace('\\', "/"));
        tar.append_data(&mut header, name, bytes.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolved_urls_split_into_repository_and_commit() {
        assert_eq!(
            split_resolved("git+ssh://git@github.com/u/r.git#abc"),
            Some(("ssh://git@github.com/u/r.git", "abc"))
        );
        assert_eq!(
            split_resolved("git://127.0.0.1:9418/r.git#abc"),
            Some(("git://127.0.0.1:9418/r.git", "abc"))
        );
        assert_eq!(split_resolved("https://host/x.tgz"), None);
        assert_eq!(
            candidates("ssh://git@github.com/u/r.git"),
            ["https://github.com/u/r.git", "ssh://git@github.com/u/r.git"]
        );
    }

    #[test]
    fn refs_pick_like_npm() {
        let listing = "aaa\tHEAD\nbbb\trefs/heads/main\nccc\trefs/tags/v1.0.0\nddd\trefs/tags/v1.0.0^{}\neee\trefs/tags/v1.2.0\nfff\trefs/tags/v2.0.0\n";
        assert_eq!(pick_ref("r", listing, &GitRef::Default).unwrap(), "aaa");
        let named = |n: &str| GitRef::Named(n.to_owned());
        assert_eq!(pick_ref("r", listing, &named("main")).unwrap(), "bbb");
        assert_eq!(pick_ref("r", listing, &named("v1.0.0")).unwrap(), "ddd");
        let range = GitRef::Semver(nodejs_semver::Range::parse("^1").unwrap());
        assert_eq!(pick_ref("r", listing, &range).unwrap(), "eee");
        assert!(pick_ref("r", listing, &named("nope")).is_err());
    }

    #[test]
    fn the_pack_list_follows_files_or_npmignore() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (f, body) in [
            ("package.json", "{}"),
            ("README.md", "r"),
            ("lib/index.js", "x"),
            ("test/t.js", "t"),
            ("notes.txt", "n"),
            (".npmignore", "test/\n*.txt\n"),
            (".git/HEAD", "h"),
            ("node_modules/x/index.js", "x"),
        ] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), body).unwrap();
        }
        let names = |m: serde_json::Value| -> Vec<String> {
            packlist(d, &m)
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(serde_json::json!({})),
            ["README.md", "lib/index.js", "package.json"]
        );
        assert_eq!(
            names(serde_json::json!({"files": ["lib"], "main": "notes.txt"})),
            ["README.md", "lib/index.js", "notes.txt", "package.json"]
        );
    }
}
