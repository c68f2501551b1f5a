//! The README's table of error codes is `ErrorCode::ALL`, row for row: a code added, removed
//! or re-explained in one place and not the other fails here, printing the table to paste.

use utoo_events::ErrorCode;

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
const HEADING: &str = "## Error codes";

/// The `| `CODE` | meaning |` rows under the README's heading, up to the next heading.
fn readme_rows() -> Vec<(String, String)> {
    let Some((_, section)) = README.split_once(HEADING) else {
        panic!("README.md has no `{HEADING}` section");
    };
    section
        .lines()
        .take_while(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .collect();
            let [code, meaning] = cells[..] else {
                return None;
            };
            let code = code.trim().strip_prefix('`')?.strip_suffix('`')?;
            Some((code.to_owned(), meaning.trim().to_owned()))
        })
        .collect()
}

fn table() -> String {
    let mut text = String::from("| code | meaning |\n| --- | --- |\n");
    for code in ErrorCode::ALL {
        text.push_str(&format!("| `{code}` | {} |\n", code.meaning()));
    }
    text
}

#[test]
fn readme_lists_every_error_code_and_no_other() {
    let rows = readme_rows();
    let wanted: Vec<(String, String)> = ErrorCode::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.meaning().to_owned()))
        .collect();
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|w| !rows.contains(w))
        .map(|(code, _)| code)
        .collect();
    let unknown: Vec<&String> = rows
        .iter()
        .filter(|r| !wanted.contains(r))
        .map(|(code, _)| code)
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty() && rows.len() == wanted.len(),
        "README.md's error codes differ from ErrorCode::ALL (missing or changed: {missing:?}; \
         not a code or changed: {unknown:?}). The table should read:\n\n{}",
        table()
    );
}
