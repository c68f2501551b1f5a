//! Git dependency specs as npm-package-arg and hosted-git-info read them.

use nodejs_semver::Range;

/// A git dependency: where `git` fetches it from, what the lockfile's `resolved` starts
/// with, and which commit is wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct GitSpec {
    /// The URL handed to `git` (`https://host/user/repo.git`, `file:///srv/repo`,
    /// `git://host/repo`, `ssh://git@host/repo`): the spec's URL without `git+` and `#`.
    pub repo: String,
    /// The lockfile's `resolved` before `#<sha>`: the spec's URL as written (with `git+`),
    /// or, for a hosted repository (GitHub, GitLab, Bitbucket), its `git+ssh://` URL, which
    /// is what npm records whatever form the spec took.
    pub resolved_base: String,
    /// The commit asked for.
    pub committish: GitRef,
}

/// What follows the `#` of a git spec.
#[derive(Debug, Clone, PartialEq)]
pub enum GitRef {
    /// No `#`: the remote's default branch.
    Default,
    /// `#<branch>`, `#<tag>` or `#<sha>`.
    Named(String),
    /// `#semver:<range>`: the highest tag (`v1.2.3` or `1.2.3`) in the range.
    Semver(Range),
}

/// The hosts hosted-git-info knows, by shortcut: (shortcut, domain).
const HOSTS: [(&str, &str); 3] = [
    ("github", "github.com"),
    ("gitlab", "gitlab.com"),
    ("bitbucket", "bitbucket.org"),
];

/// URL schemes npm-package-arg treats as git.
const GIT_SCHEMES: [&str; 6] = [
    "git+https://",
    "git+http://",
    "git+ssh://",
    "git+file://",
    "git://",
    "git+rsync://",
];

/// Parses `raw` when it is a git spec: `Ok(None)` when it is not one, `Err` with the reason
/// when it is one but malformed.
pub(crate) fn parse_git(raw: &str) -> Result<Option<GitSpec>, &'static str> {
    let (base, hash) = match raw.split_once('#') {
        Some((b, h)) => (b, Some(h)),
        None => (raw, None),
    };
    let Some((repo, resolved_base)) = hosted(base).or_else(|| plain(base)) else {
        return Ok(None);
    };
    let committish = match hash {
        None | Some("") => GitRef::Default,
        Some(h) => match h.strip_prefix("semver:") {
            Some(range) => GitRef::Semver(
                Range::parse(range).map_err(|_| "the range after `#semver:` does not parse")?,
            ),
            None => GitRef::Named(h.to_owned()),
        },
    };
    Ok(Some(GitSpec {
        repo,
        resolved_base,
        committish,
    }))
}

/// A hosted repository (`github:u/r`, `u/r`, `gitlab:u/r`, `bitbucket:u/r`, or a
/// `git+https`/`git+ssh`/`git://` URL on one of those hosts): fetched over https, recorded
/// as `git+ssh://git@<host>/u/r.git`.
fn hosted(base: &str) -> Option<(String, String)> {
    let (domain, path) = if let Some((shortcut, rest)) = base.split_once(':') {
        let by_shortcut = HOSTS.iter().find(|(s, _)| s.eq_ignore_ascii_case(shortcut));
        match by_shortcut {
            Some((_, domain)) => (*domain, rest),
            None => {
                // hosted-git-info also takes a plain web URL of a repository
                // (`https://github.com/u/r`): two path segments, nothing after them.
                let after_scheme = GIT_SCHEMES
                    .iter()
                    .chain(&["https://", "http://"])
                    .find_map(|s| strip_prefix_ci(base, s))?;
                let after_user = after_scheme
                    .split_once('@')
                    .map_or(after_scheme, |(_, r)| r);
                let (host, path) = after_user.split_once('/')?;
                let (_, domain) = HOSTS.iter().find(|(_, d)| d.eq_ignore_ascii_case(host))?;
                (*domain, path)
            }
        }
    } else if is_shorthand(base) {
        ("github.com", base)
    } else {
        return None;
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let (Some(user), Some(project), None) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    if user.is_empty() || project.is_empty() {
        return None;
    }
    Some((
        format!("https://{domain}/{user}/{project}.git"),
        format!("git+ssh://git@{domain}/{user}/{project}.git"),
    ))
}

/// Any other git URL: `git+<scheme>://` (fetched without the `git+`) or `git://`.
fn plain(base: &str) -> Option<(String, String)> {
    let scheme = GIT_SCHEMES
        .iter()
        .find(|s| strip_prefix_ci(base, s).is_some())?;
    let repo = if scheme.starts_with("git+") {
        base[4..].to_owned()
    } else {
        base.to_owned()
    };
    Some((repo, base.to_owned()))
}

/// `user/repo`: npm treats it as GitHub.
fn is_shorthand(base: &str) -> bool {
    let mut parts = base.split('/');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
        if !a.is_empty() && !b.is_empty() && !a.starts_with('@') && !a.starts_with('.')
            && !a.contains(' ') && !a.contains(':'))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(raw: &str) -> GitSpec {
        parse_git(raw)
            .unwrap()
            .unwrap_or_else(|| panic!("not git: {raw}"))
    }

    #[test]
    fn hosted_shapes_record_the_ssh_url() {
        for raw in [
            "github:user/repo",
            "user/repo",
            "git+https://github.com/user/repo.git",
            "git+ssh://git@github.com/user/repo.git",
            "git://github.com/user/repo",
            "https://github.com/user/repo",
            "https://github.com/user/repo.git",
        ] {
            let g = git(raw);
            assert_eq!(g.repo, "https://github.com/user/repo.git", "{raw}");
            assert_eq!(
                g.resolved_base, "git+ssh://git@github.com/user/repo.git",
                "{raw}"
            );
            assert_eq!(g.committish, GitRef::Default);
        }
        assert_eq!(
            git("gitlab:a/b#main").resolved_base,
            "git+ssh://git@gitlab.com/a/b.git"
        );
        assert_eq!(git("bitbucket:a/b").repo, "https://bitbucket.org/a/b.git");
    }

    #[test]
    fn plain_urls_keep_their_form() {
        let g = git("git+file:///srv/repo.git#semver:^3");
        assert_eq!(g.repo, "file:///srv/repo.git");
        assert_eq!(g.resolved_base, "git+file:///srv/repo.git");
        assert!(matches!(g.committish, GitRef::Semver(_)));
        let g = git("git://127.0.0.1:9418/repo#dev");
        assert_eq!(g.repo, "git://127.0.0.1:9418/repo");
        assert_eq!(g.resolved_base, "git://127.0.0.1:9418/repo");
        assert_eq!(g.committish, GitRef::Named("dev".into()));
        assert_eq!(
            git("git+ssh://git@example.test/r.git").repo,
            "ssh://git@example.test/r.git"
        );
    }

    #[test]
    fn not_git_and_malformed() {
        for raw in [
            "^1.0.0",
            "latest",
            "./x",
            "@scope/x",
            "http://h/x.tgz",
            "https://github.com/user/repo/archive/main.tar.gz",
            "https://example.test/user/repo",
            "file:a/b",
        ] {
            assert_eq!(parse_git(raw), Ok(None), "{raw}");
        }
        assert!(parse_git("github:a/b#semver:not a range!").is_err());
    }
}
