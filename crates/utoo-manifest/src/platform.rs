use crate::Manifest;

/// The machine a package must run on: npm-install-checks' `os`, `cpu` and `libc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Node's `process.platform` (`linux`, `darwin`, `win32`, ...).
    pub os: String,
    /// Node's `process.arch` (`x64`, `arm64`, ...).
    pub cpu: String,
    /// `glibc` or `musl` on Linux, `None` elsewhere.
    pub libc: Option<String>,
}

impl Platform {
    /// The running machine, in Node's names (`process.platform`, `process.arch`).
    pub fn current() -> Platform {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            other => other,
        };
        let cpu = match std::env::consts::ARCH {
            "x86_64" => "x64",
            "x86" => "ia32",
            "aarch64" => "arm64",
            "powerpc64" => "ppc64",
            other => other,
        };
        let libc = (os == "linux").then(|| detect_libc().to_owned());
        Platform {
            os: os.into(),
            cpu: cpu.into(),
            libc,
        }
    }

    /// Whether a package with these `os`/`cpu`/`libc` fields may be installed here.
    pub fn accepts(&self, manifest: &Manifest) -> bool {
        self.accepts_fields(&manifest.os, &manifest.cpu, &manifest.libc)
    }

    /// [`Platform::accepts`] over the raw lists, as a lockfile entry holds them.
    pub fn accepts_fields(&self, os: &[String], cpu: &[String], libc: &[String]) -> bool {
        matches_list(os, &self.os)
            && matches_list(cpu, &self.cpu)
            && (libc.is_empty()
                || self
                    .libc
                    .as_deref()
                    .is_some_and(|current| matches_list(libc, current)))
    }
}

// npm-install-checks: an empty list or "any" allows all; "!x" excludes x; otherwise the
// value must be listed.
fn matches_list(list: &[String], value: &str) -> bool {
    if list.is_empty() || list.iter().any(|v| v == "any") {
        return true;
    }
    let mut allowed = false;
    let mut has_positive = false;
    for entry in list {
        if let Some(negated) = entry.strip_prefix('!') {
            if negated == value {
                return false;
            }
        } else {
            has_positive = true;
            allowed |= entry == value;
        }
    }
    allowed || !has_positive
}

// The same test npm uses: musl systems ship a musl dynamic loader; glibc ones do not.
fn detect_libc() -> &'static str {
    let musl = std::fs::read_dir("/lib").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("ld-musl-"))
    });
    if musl {
        "musl"
    } else {
        "glibc"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> Platform {
        Platform {
            os: "linux".into(),
            cpu: "x64".into(),
            libc: Some("glibc".into()),
        }
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn os_cpu_libc_rules() {
        let p = linux();
        assert!(p.accepts_fields(&[], &[], &[]));
        assert!(p.accepts_fields(&v(&["linux"]), &v(&["x64"]), &v(&["glibc"])));
        assert!(!p.accepts_fields(&v(&["linux"]), &v(&["x64"]), &v(&["musl"])));
        assert!(!p.accepts_fields(&v(&["darwin"]), &[], &[]));
        assert!(p.accepts_fields(&v(&["!win32"]), &[], &[]));
        assert!(!p.accepts_fields(&v(&["!linux"]), &[], &[]));
        assert!(!p.accepts_fields(&[], &v(&["arm64"]), &[]));
        assert!(p.accepts_fields(&v(&["any"]), &v(&["any"]), &[]));
        let mac = Platform {
            os: "darwin".into(),
            cpu: "arm64".into(),
            libc: None,
        };
        assert!(!mac.accepts_fields(&[], &[], &v(&["glibc"])));
    }
}
