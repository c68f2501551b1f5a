use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Keys json-stringify-nice puts first, in this order (npm's `swKeyOrder`).
const FIRST_KEYS: [&str; 8] = [
    "name",
    "version",
    "lockfileVersion",
    "resolved",
    "integrity",
    "requires",
    "packages",
    "dependencies",
];

/// ICU's root collation order for ASCII punctuation and digits, before letters.
const PRIMARY: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789";

/// Serialises `value` the way npm writes a lockfile: at every depth scalars and arrays before
/// objects, npm's first keys in their order, the rest by `localeCompare('en')`; `indent`
/// per level and a trailing newline.
pub fn to_npm_json(value: &Value, indent: &str) -> String {
    let sorted = sort_value(value);
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(&sorted, &mut ser).expect("serialising JSON values cannot fail");
    let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

fn sort_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| key_cmp(a, &map[*a], b, &map[*b]));
            let mut out = Map::with_capacity(map.len());
            for key in keys {
                out.insert(key.clone(), sort_value(&map[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_value).collect()),
        other => other.clone(),
    }
}

fn key_cmp(a: &str, va: &Value, b: &str, vb: &Value) -> Ordering {
    let group = |v: &Value| u8::from(v.is_object());
    group(va).cmp(&group(vb)).then_with(|| {
        let rank = |k: &str| FIRST_KEYS.iter().position(|f| *f == k);
        match (rank(a), rank(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => locale_cmp(a, b),
        }
    })
}

/// `a.localeCompare(b, 'en')` for the strings npm sorts (package names and paths): ICU
/// primary order (punctuation < digits < letters, case-folded, digit by digit), then the
/// first case difference decides with lowercase first.
pub fn locale_cmp(a: &str, b: &str) -> Ordering {
    let rank = |c: char| -> (u8, usize) {
        let lower = c.to_ascii_lowercase();
        if let Some(i) = PRIMARY.find(lower) {
            (0, i)
        } else if lower.is_ascii_lowercase() {
            (1, lower as usize)
        } else {
            (2, lower as usize)
        }
    };
    let primary = a.chars().map(rank).cmp(b.chars().map(rank));
    if primary != Ordering::Equal {
        return primary;
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return if x.is_ascii_lowercase() {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locale_order_matches_node() {
        // Each pair verified with String.prototype.localeCompare(..., 'en') in node.
        let ordered = [
            "@a/b", "a", "A", "a_b", "a-b", "a.b", "a/b", "a1", "a10", "a2", "aa", "aA", "Aa", "ab",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(locale_cmp(pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
        assert_eq!(
            locale_cmp("node_modules/a-b", "node_modules/a/node_modules/b"),
            Ordering::Less
        );
        assert_eq!(
            locale_cmp("node_modules/a/node_modules/b", "node_modules/ab"),
            Ordering::Less
        );
        assert_eq!(locale_cmp("", "node_modules/a"), Ordering::Less);
    }

    #[test]
    fn entry_keys_in_npm_order() {
        let entry = json!({
            "dependencies": {"b": "1", "a": "2"},
            "license": "MIT",
            "bin": {"x": "x.js"},
            "dev": true,
            "integrity": "sha512-x",
            "engines": {"node": ">=1"},
            "version": "1.0.0",
            "resolved": "http://r/x.tgz",
            "cpu": ["x64"],
        });
        let text = to_npm_json(&entry, "  ");
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("    "))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "version",
                "resolved",
                "integrity",
                "cpu",
                "dev",
                "license",
                "dependencies",
                "bin",
                "engines"
            ]
        );
        assert!(text.find("\"a\": \"2\"").unwrap() < text.find("\"b\": \"1\"").unwrap());
        assert!(text.ends_with("}\n"));
    }
}
