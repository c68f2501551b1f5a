//! `outdated`: npm's table (Package, Current, Wanted, Latest, Location, Depended by) or its
//! `--json` object, and its exit code (1 when anything is outdated).

use serde_json::{json, Map, Value};
use utoo_install::{InstallOptions, OutdatedPackage};

use crate::output::describe_error;

/// Runs `outdated` and prints the answer; returns the exit code.
pub(crate) async fn run(options: InstallOptions, names: &[String], all: bool, json: bool) -> i32 {
    let list = match utoo_install::outdated(options, names, all).await {
        Ok(list) => list,
        Err(error) => {
            eprintln!("{}", describe_error(&error));
            return 1;
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&as_json(&list)).unwrap_or_default()
        );
    } else if !list.is_empty() {
        println!("{}", table(&list));
    }
    i32::from(!list.is_empty())
}

/// npm's shape: keyed by name; a name outdated in several places becomes an array.
fn as_json(list: &[OutdatedPackage]) -> Value {
    let mut out = Map::new();
    for d in list {
        let mut dep = json!({ "current": d.current, "wanted": d.wanted, "latest": d.latest, "dependent": d.dependent, "location": d.path });
        if let Value::Object(map) = &mut dep {
            map.retain(|_, v| !v.is_null());
        }
        match out.get_mut(&d.name) {
            Some(Value::Array(items)) => items.push(dep),
            Some(first) => *first = Value::Array(vec![first.take(), dep]),
            None => {
                out.insert(d.name.clone(), dep);
            }
        }
    }
    Value::Object(out)
}

/// text-table's layout as npm uses it: two spaces between columns, the version columns
/// right-aligned, trailing spaces trimmed.
fn table(list: &[OutdatedPackage]) -> String {
    let header = [
        "Package",
        "Current",
        "Wanted",
        "Latest",
        "Location",
        "Depended by",
    ]
    .map(str::to_owned);
    let rows: Vec<[String; 6]> = std::iter::once(header)
        .chain(list.iter().map(|d| {
            [
                d.name.clone(),
                d.current.clone().unwrap_or_else(|| "MISSING".into()),
                d.wanted.clone(),
                d.latest.clone(),
                d.location.clone().unwrap_or_else(|| "-".into()),
                d.workspace_dependent
                    .clone()
                    .unwrap_or_else(|| d.dependent.clone()),
            ]
        }))
        .collect();
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    if (1..=3).contains(&i) {
                        format!("{cell:>w$}", w = widths[i])
                    } else {
                        format!("{cell:<w$}", w = widths[i])
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
