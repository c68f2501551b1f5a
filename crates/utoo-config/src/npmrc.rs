use std::collections::BTreeMap;

/// What joins the values of a list option (`omit[]=dev` twice, `ca[]=...`): npm's own
/// separator for list values given as one string (env and command line).
pub const LIST_SEPARATOR: &str = "\n\n";

/// Parses an `.npmrc` (npm's `ini` dialect): `key = value` lines, `;`/`#` comments,
/// optional quotes, `${VAR}` expanded from `env` in keys and values (see [`expand_env`]).
/// `key[] = value` lines accumulate, joined with [`LIST_SEPARATOR`].
pub fn parse_npmrc(text: &str, env: &dyn Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with(';')
            || line.starts_with('#')
            || line.starts_with('[')
        {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            // A bare key is `true` in ini.
            out.insert(expand_env(line, env), "true".into());
            continue;
        };
        let key = expand_env(key.trim(), env);
        let mut value = value.trim();
        if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value = &value[1..value.len() - 1];
        }
        let value = expand_env(value, env);
        match key.strip_suffix("[]") {
            Some(list_key) => {
                let slot = out.entry(list_key.to_owned()).or_default();
                if !slot.is_empty() {
                    slot.push_str(LIST_SEPARATOR);
                }
                slot.push_str(&value);
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    out
}

/// npm's `${VAR}` replacement: a set variable is substituted; an unset `${VAR}` stays as
/// written, an unset `${VAR?}` becomes empty. Backslashes escape: an odd run before `$`
/// keeps the expression literal, and each pair of backslashes becomes one.
pub fn expand_env(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        let (name, optional) = match inner.strip_suffix('?') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        let before = &rest[..start];
        let escapes = before.len() - before.trim_end_matches('\\').len();
        let expression = &rest[start..=start + len];
        out.push_str(&before[..before.len() - escapes]);
        if name.is_empty() || name.contains(['$', '{', '?']) {
            // Not a variable reference: copy through untouched.
            out.push_str(&before[before.len() - escapes..]);
            out.push_str(expression);
        } else if escapes % 2 == 1 {
            out.push_str(&"\\".repeat(escapes / 2));
            out.push_str(expression);
        } else {
            out.push_str(&"\\".repeat(escapes / 2));
            match env(name) {
                Some(value) => out.push_str(&value),
                None if optional => {}
                None => out.push_str(expression),
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_quotes_and_env() {
        let env = |k: &str| (k == "TOKEN").then(|| "s3cret".to_string());
        let rc = parse_npmrc(
            "; comment\n# other\nregistry = \"http://127.0.0.1:1/\"\n//host/:_authToken=${TOKEN}\nstrict-ssl=false\nflag\nkeep=\\${TOKEN}\n",
            &env,
        );
        assert_eq!(rc["registry"], "http://127.0.0.1:1/");
        assert_eq!(rc["//host/:_authToken"], "s3cret");
        assert_eq!(rc["strict-ssl"], "false");
        assert_eq!(rc["flag"], "true");
        assert_eq!(rc["keep"], "${TOKEN}");
    }

    #[test]
    fn expansion_follows_npm() {
        let env = |k: &str| match k {
            "SET" => Some("v".to_string()),
            "HOST" => Some("127.0.0.1:9".to_string()),
            _ => None,
        };
        let x = |s: &str| expand_env(s, &env);
        assert_eq!(x("a${SET}b"), "avb");
        assert_eq!(x("${UNSET}"), "${UNSET}");
        assert_eq!(x("[${UNSET?}]"), "[]");
        assert_eq!(x("${SET?}"), "v");
        assert_eq!(x("\\${SET}"), "${SET}");
        assert_eq!(x("\\\\${SET}"), "\\v");
        assert_eq!(x("${}"), "${}");
        assert_eq!(x("no close ${SET"), "no close ${SET");
        let rc = parse_npmrc("//${HOST}/:_authToken=t\n", &env);
        assert_eq!(rc["//127.0.0.1:9/:_authToken"], "t");
    }

    #[test]
    fn list_keys_accumulate() {
        let rc = parse_npmrc("omit[]=dev\nomit[]=optional\n", &|_| None);
        assert_eq!(rc["omit"], "dev\n\noptional");
    }
}
