//! The read-only commands, `ls` and `why`: the engine answers from node_modules and the
//! lockfiles; this file prints the answer in npm's shapes.

use std::path::Path;

use utoo_install::{InstallError, ListNode, ListOptions, ListReport, ListState};

use crate::args::Command;
use crate::output::describe_error;

/// Runs `command` when it is read-only and returns its exit code; `None` for the others.
pub(crate) fn run(command: Option<&Command>, cwd: &Path) -> Option<i32> {
    Some(match command? {
        Command::Ls {
            names,
            all,
            json,
            depth,
        } => ls(
            &ListOptions {
                cwd: cwd.to_owned(),
                names: names.clone(),
                all: *all,
                depth: *depth,
            },
            *json,
        ),
        Command::Why { names, json } => why(cwd, names, *json),
        _ => return None,
    })
}

fn failed(error: &InstallError) -> i32 {
    eprintln!("{}", describe_error(error));
    1
}

/// npm's `ls`: the tree on stdout, problems on stderr, exit 1 when there are any (or when
/// named packages are not installed).
fn ls(options: &ListOptions, json: bool) -> i32 {
    let report = match utoo_install::list(options) {
        Ok(report) => report,
        Err(error) => return failed(&error),
    };
    if json {
        let text = serde_json::to_string_pretty(&report.to_npm_json()).unwrap_or_default();
        println!("{text}");
    } else {
        print!("{}", render_tree(&report));
        for problem in &report.problems {
            eprintln!("error[{}]: {problem}", utoo_events::ErrorCode::LsProblems);
        }
    }
    let none_found = !options.names.is_empty() && report.nodes.is_empty();
    i32::from(!report.problems.is_empty() || none_found)
}

/// npm's `explain`: each installed copy with its chains of dependents.
fn why(cwd: &Path, names: &[String], json: bool) -> i32 {
    let mut found = Vec::new();
    for name in names {
        let explained = match utoo_install::explain(cwd, name) {
            Ok(explained) => explained,
            Err(error) => return failed(&error),
        };
        if explained.is_empty() {
            eprintln!("error[ENOMATCH]: no dependencies found matching {name}");
            return 1;
        }
        found.extend(explained);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&found).unwrap_or_default()
        );
    } else {
        let texts: Vec<String> = found
            .iter()
            .map(utoo_install::Explanation::to_text)
            .collect();
        print!("{}", texts.join("\n"));
    }
    0
}

/// The tree as npm's `ls` draws it (archy's box characters).
pub(crate) fn render_tree(report: &ListReport) -> String {
    let mut out = format!("{} {}\n", report.label, report.path.display());
    if report.nodes.is_empty() {
        out.push_str("└── (empty)\n");
    }
    draw(&report.nodes, "", &mut out);
    out
}

fn draw(nodes: &[ListNode], prefix: &str, out: &mut String) {
    for (i, node) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        let branch = if last { "└─" } else { "├─" };
        let joint = if node.children.is_empty() {
            "─"
        } else {
            "┬"
        };
        out.push_str(&format!("{prefix}{branch}{joint} {}\n", line(node)));
        let inner = format!("{prefix}{}", if last { "  " } else { "│ " });
        draw(&node.children, &inner, out);
    }
}

fn line(node: &ListNode) -> String {
    let version = node.version.as_deref().unwrap_or_default();
    let mut text = match &node.real_name {
        Some(real) => format!("{}@npm:{real}@{version}", node.name),
        None => format!("{}@{version}", node.name),
    };
    match &node.state {
        ListState::Missing { spec } => return format!("UNMET DEPENDENCY {}@{spec}", node.name),
        ListState::Invalid { spec, from } => {
            text.push_str(&format!(" invalid: \"{spec}\" from {from}"));
        }
        ListState::Extraneous => text.push_str(" extraneous"),
        ListState::Ok => {}
    }
    if node.deduped {
        text.push_str(" deduped");
    }
    text
}
