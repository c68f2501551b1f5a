use std::path::PathBuf;

/// What varies between two runs of the same test, and what stands for it in a snapshot.
pub(crate) struct Redactions {
    /// Most specific first: the project and cache sit inside the temp dir.
    pub paths: Vec<(PathBuf, &'static str)>,
    pub registry: String,
}

/// JSON number fields that vary from run to run (besides every `…Ms` timing).
const VARYING_NUMBERS: &[&str] = &["\"bytesDownloaded\":", "\"maxParallelLinks\":"];

impl Redactions {
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (path, placeholder) in &self.paths {
            let mut forms = vec![path.clone()];
            if let Ok(real) = path.canonicalize() {
                forms.push(real);
            }
            for form in forms {
                text = text.replace(&*form.to_string_lossy(), placeholder);
            }
        }
        text = text.replace(self.registry.trim_end_matches('/'), "[REGISTRY]");
        redact_hashes(&redact_numbers(&text))
    }
}

/// `12ms` (and ` in 3s`) → `[N]ms`, `"elapsedMs":12` → `"elapsedMs":[N]`, and the fields of
/// [`VARYING_NUMBERS`].
fn redact_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let starts_number =
            bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !starts_number {
            let c = text[i..].chars().next().expect("inside the text");
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let rest = &bytes[i..];
        let unit_ms =
            rest.starts_with(b"ms") && !rest.get(2).is_some_and(u8::is_ascii_alphanumeric);
        let varying_field =
            out.ends_with("Ms\":") || VARYING_NUMBERS.iter().any(|key| out.ends_with(key));
        // npm's summary time (`in 3s`, `in 2m`): a slow run must not change a snapshot.
        let coarse_unit = out.ends_with(" in ")
            && rest.first().is_some_and(|u| b"smhd".contains(u))
            && !rest.get(1).is_some_and(u8::is_ascii_alphanumeric);
        if coarse_unit {
            out.push_str("[N]ms");
            i += 1;
        } else if unit_ms || varying_field {
            out.push_str("[N]");
        } else {
            out.push_str(&text[start..i]);
        }
    }
    out
}

/// `sha512-<base64>` → `sha512-[HASH]`: tarball bytes depend on the gzip library's version.
fn redact_hashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["sha512-", "sha1-"]
            .iter()
            .filter_map(|prefix| rest.find(prefix).map(|at| (at, prefix.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + len]);
        rest = &rest[at + len..];
        let hash_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
            .unwrap_or(rest.len());
        if hash_len > 0 {
            out.push_str("[HASH]");
        }
        rest = &rest[hash_len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_paths_ports_timings_and_hashes() {
        let r = Redactions {
            paths: vec![
                (PathBuf::from("/tmp/x/project"), "[PROJECT]"),
                (PathBuf::from("/tmp/x"), "[TEMP]"),
            ],
            registry: "http://127.0.0.1:4873/".into(),
        };
        let text = "in /tmp/x/project and /tmp/x/cache from http://127.0.0.1:4873/a/-/a-1.tgz \
                    done in 12ms [resolve 3ms] added 1 package in 3s (in 2m) in 4sx v1.0.0 x2ms {\"elapsedMs\":7,\"bytesDownloaded\":99,\"n\":5} \
                    \"sha512-AbC+/9==\" sha1-ff";
        assert_eq!(
            r.apply(text),
            "in [PROJECT] and [TEMP]/cache from [REGISTRY]/a/-/a-1.tgz \
             done in [N]ms [resolve [N]ms] added 1 package in [N]ms (in 2m) in 4sx v1.0.0 x2ms {\"elapsedMs\":[N],\"bytesDownloaded\":[N],\"n\":5} \
             \"sha512-[HASH]\" sha1-[HASH]"
        );
    }
}
