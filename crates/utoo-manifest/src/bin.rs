use serde_json::Value;

/// The `(command, relative file)` pairs a package's `bin` field declares (string or map form).
/// `directories.bin` packages are expanded by the linker, which can list the folder.
/// Names and targets that would escape the package or `.bin` are dropped, as npm's
/// bin-links does.
pub fn bin_entries(package_name: &str, bin: Option<&Value>) -> Vec<(String, String)> {
    let raw: Vec<(String, String)> = match bin {
        Some(Value::String(target)) => {
            let command = package_name.rsplit('/').next().unwrap_or(package_name);
            vec![(command.to_owned(), target.clone())]
        }
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|t| (k.clone(), t.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    raw.into_iter()
        .filter_map(|(command, target)| {
            // A scoped command name (`@scope/cmd`) links as `cmd`.
            let command = command.rsplit('/').next().unwrap_or("").to_owned();
            let target = normalize_relative(&target)?;
            let safe_name =
                !command.is_empty() && command != "." && command != ".." && !command.contains('\\');
            safe_name.then_some((command, target))
        })
        .collect()
}

/// `./bin/x.js` → `bin/x.js`; `None` for paths leaving the package.
fn normalize_relative(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_and_map_forms() {
        assert_eq!(
            bin_entries("@scope/tool", Some(&json!("./cli.js"))),
            vec![("tool".to_string(), "cli.js".to_string())]
        );
        let mut entries = bin_entries("x", Some(&json!({"a": "bin/a", "@s/b": "./b.js"})));
        entries.sort();
        assert_eq!(
            entries,
            vec![
                ("a".to_string(), "bin/a".to_string()),
                ("b".to_string(), "b.js".to_string())
            ]
        );
    }

    #[test]
    fn drops_escaping_entries() {
        assert!(bin_entries("x", Some(&json!({"a": "../../etc/passwd"}))).is_empty());
        assert!(bin_entries("x", Some(&json!({"..": "a.js"}))).is_empty());
        assert_eq!(
            bin_entries("x", Some(&json!({"a": "lib/../a.js"}))).len(),
            1
        );
    }
}
