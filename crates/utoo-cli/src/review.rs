//! `approve-scripts`, `deny-scripts` and `install-scripts`: the engine edits `allowScripts`;
//! this prints what it did in npm 12's words (`--json`: npm's `{ "allowScripts": ... }`).

use utoo_install::{InstallOptions, ReviewReport, ReviewVerb, ScriptsReview};

use crate::args::{Command, ReviewArgs};
use crate::output::describe_error;

/// The review `command` asks for; `None` for the other commands.
pub(crate) fn request(command: Option<&Command>) -> Option<ScriptsReview> {
    let review = |verb, names: &[String], args: &ReviewArgs| ScriptsReview {
        verb,
        names: names.to_vec(),
        all: args.all,
        pin: !args.no_allow_scripts_pin,
    };
    Some(match command? {
        Command::ApproveScripts {
            names,
            review: args,
            allow_scripts_pending,
        } => {
            let verb = if *allow_scripts_pending {
                ReviewVerb::List
            } else {
                ReviewVerb::Approve
            };
            review(verb, names, args)
        }
        Command::DenyScripts {
            names,
            review: args,
        } => review(ReviewVerb::Deny, names, args),
        Command::InstallScripts {
            action,
            names,
            review: args,
        } => {
            let verb = match action.as_str() {
                "approve" => ReviewVerb::Approve,
                "deny" => ReviewVerb::Deny,
                _ => ReviewVerb::List,
            };
            review(verb, names, args)
        }
        _ => return None,
    })
}

/// Runs `review` and prints the outcome; returns the exit code.
pub(crate) async fn run(options: InstallOptions, review: ScriptsReview, json: bool) -> i32 {
    if review.verb != ReviewVerb::List && !review.all && review.names.is_empty() {
        eprintln!("error: name the packages to review, or pass --all");
        return 2;
    }
    let (verb, all) = (review.verb, review.all);
    match utoo_install::review_scripts(options, review).await {
        Ok(report) => {
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            if json {
                let value = serde_json::json!({ "allowScripts": report.changes });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else if all && report.changes.is_empty() {
                println!("No packages with unreviewed install scripts.");
            } else {
                print!("{}", text(verb, &report));
            }
            0
        }
        Err(error) => {
            eprintln!("{}", describe_error(&error));
            1
        }
    }
}

fn text(verb: ReviewVerb, report: &ReviewReport) -> String {
    let mut out = String::new();
    if verb == ReviewVerb::List {
        let count = report.pending.len();
        if count == 0 {
            return "No packages with unreviewed install scripts.\n".to_owned();
        }
        let (pkg, has) = if count == 1 {
            ("package", "has")
        } else {
            ("packages", "have")
        };
        out.push_str(&format!(
            "{count} {pkg} {has} install scripts blocked because they are not covered by allowScripts:\n"
        ));
        for p in &report.pending {
            let version = p
                .version
                .as_deref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            let events: Vec<String> = p.scripts.iter().map(|(e, c)| format!("{e}: {c}")).collect();
            out.push_str(&format!("  {}{version} ({})\n", p.name, events.join("; ")));
        }
        out.push_str(
            "\nRun `utoo approve-scripts <pkg>` to allow, or `utoo deny-scripts <pkg>` to deny.\n",
        );
        return out;
    }
    let (done, word) = if verb == ReviewVerb::Approve {
        ("Approved", "approve")
    } else {
        ("Denied", "deny")
    };
    let mut touched = 0;
    for package in report.changes.iter().filter(|p| !p.changes.is_empty()) {
        touched += 1;
        out.push_str(&format!("{done} {}:\n", package.name));
        for change in &package.changes {
            out.push_str(&format!("  {} {}\n", change.change, change.key));
        }
    }
    if touched == 0 {
        out.push_str(&format!("Nothing to {word}; allowScripts unchanged.\n"));
    }
    out
}
