use std::collections::BTreeMap;

/// Parses an `.npmrc` (npm's `ini` dialect): `key = value` lines, `;`/`#` comments,
/// optional quotes, `${VAR}` expanded from `env`. Keys keep their case except for the
/// well-known options, which npm treats case-insensitively.
pub fn parse_npmrc(text: &str, env: &dyn Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
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
            out.insert(expand(line, env), "true".into());
            continue;
        };
        let key = expand(key.trim(), env);
        let mut value = value.trim();
        if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value = &value[1..value.len() - 1];
        }
        // ini also allows `key[] = value` arrays; npm only uses them for `ca`.
        let key = key.strip_suffix("[]").unwrap_or(&key).to_owned();
        out.insert(key, expand(value, env));
    }
    out
}

fn expand(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        // `\${X}` stays literal, as in npm.
        if rest[..start].ends_with('\\') {
            out.push_str(&rest[..start - 1]);
            out.push_str("${");
            rest = &rest[start + 2..];
            continue;
        }
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let name = &rest[start + 2..start + end];
        out.push_str(&env(name).unwrap_or_default());
        rest = &rest[start + end + 1..];
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
            "; comment\n# other\nregistry = \"http://127.0.0.1:1/\"\n//host/:_authToken=${TOKEN}\nstrict-ssl=false\nflag\nkeep=\\${X}\n",
            &env,
        );
        assert_eq!(rc["registry"], "http://127.0.0.1:1/");
        assert_eq!(rc["//host/:_authToken"], "s3cret");
        assert_eq!(rc["strict-ssl"], "false");
        assert_eq!(rc["flag"], "true");
        assert_eq!(rc["keep"], "${X}");
    }
}
