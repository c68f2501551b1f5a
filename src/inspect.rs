use indexmap::IndexMap;
use napi_derive::napi;
use utoo_install::{ListNode, ListReport, ListState};

/// One installed copy of a package and why it is there (`npm explain --json`'s shape).
#[napi(object)]
pub struct Explanation {
    /// The package's real name.
    pub name: String,
    pub version: String,
    /// Its install path; the project's folder for the project itself.
    pub location: String,
    pub is_workspace: bool,
    /// Nothing depends on it.
    pub extraneous: bool,
    /// Only dev dependencies reach it.
    pub dev: bool,
    /// Only optional dependencies reach it.
    pub optional: bool,
    /// Only peer dependencies reach it.
    pub peer: bool,
    /// This is the project itself, where every chain ends.
    pub is_root: bool,
    /// The edges that reach it.
    pub dependents: Vec<Dependent>,
}

/// One edge into a package: who depends on it, under what name and range.
#[napi(object)]
pub struct Dependent {
    /// npm's edge type.
    #[napi(
        js_name = "type",
        ts_type = "'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional'"
    )]
    pub kind: String,
    /// The name depended on.
    pub name: String,
    /// The range asked for.
    pub spec: String,
    /// The dependent, with its own dependents.
    pub from: Explanation,
}

impl From<utoo_install::Explanation> for Explanation {
    fn from(e: utoo_install::Explanation) -> Self {
        Explanation {
            name: e.name,
            version: e.version,
            location: e.location,
            is_workspace: e.is_workspace,
            extraneous: e.extraneous,
            dev: e.dev,
            optional: e.optional,
            peer: e.peer,
            is_root: e.is_root,
            dependents: e
                .dependents
                .into_iter()
                .map(|d| Dependent {
                    kind: d.kind.to_owned(),
                    name: d.name,
                    spec: d.spec,
                    from: Explanation::from(*d.from),
                })
                .collect(),
        }
    }
}

/// The project's installed tree, in `npm ls --json`'s shape.
#[napi(object)]
pub struct ListResult {
    /// package.json's `name`, when it has one.
    pub name: Option<String>,
    pub version: Option<String>,
    /// npm's problem lines (`missing: a@^1, required by app@1.0.0`); `npm ls` fails on any.
    pub problems: Option<Vec<String>>,
    /// With problems: `{ code: 'ELSPROBLEMS', summary, detail }`, as npm.
    pub error: Option<ListError>,
    /// The direct dependencies, by the name they are depended on as.
    pub dependencies: Option<IndexMap<String, ListedPackage>>,
}

/// `npm ls --json`'s `error` entry.
#[napi(object)]
pub struct ListError {
    pub code: String,
    pub summary: String,
    pub detail: String,
}

/// One node of the listing.
#[napi(object)]
pub struct ListedPackage {
    /// The real name, for an alias (`alias@npm:name@range`).
    pub name: Option<String>,
    /// The installed version (absent when `missing`).
    pub version: Option<String>,
    /// Where its tarball came from, when a lockfile says.
    pub resolved: Option<String>,
    /// Always false (utoo applies overrides while resolving; npm's flag is about `ls`).
    pub overridden: Option<bool>,
    /// Depended on and not installed; `required` is the range.
    pub missing: Option<bool>,
    pub required: Option<String>,
    /// `"<range>" from <dependent>`: installed at a version its dependent does not accept.
    pub invalid: Option<String>,
    /// Installed and depended on by nothing.
    pub extraneous: Option<bool>,
    pub problems: Option<Vec<String>>,
    /// Its dependencies, within the depth asked for (a package listed before is shown once).
    pub dependencies: Option<IndexMap<String, ListedPackage>>,
}

impl From<ListReport> for ListResult {
    fn from(r: ListReport) -> Self {
        let has_problems = !r.problems.is_empty();
        ListResult {
            name: Some(r.name).filter(|n| !n.is_empty()),
            version: Some(r.version).filter(|v| !v.is_empty()),
            error: has_problems.then(|| ListError {
                code: utoo_events::ErrorCode::LsProblems.as_str().to_owned(),
                summary: r.problems.join("\n"),
                detail: String::new(),
            }),
            problems: has_problems.then_some(r.problems),
            dependencies: dependencies(r.nodes),
        }
    }
}

fn dependencies(nodes: Vec<ListNode>) -> Option<IndexMap<String, ListedPackage>> {
    if nodes.is_empty() {
        return None;
    }
    Some(
        nodes
            .into_iter()
            .map(|n| (n.name.clone(), ListedPackage::from(n)))
            .collect(),
    )
}

impl From<ListNode> for ListedPackage {
    fn from(node: ListNode) -> Self {
        let problems = Some(node.problems).filter(|p| !p.is_empty());
        if let ListState::Missing { spec } = node.state {
            return ListedPackage {
                name: None,
                version: None,
                resolved: None,
                overridden: None,
                missing: Some(true),
                required: Some(spec),
                invalid: None,
                extraneous: None,
                problems: Some(problems.unwrap_or_default()),
                dependencies: None,
            };
        }
        let (invalid, extraneous) = match node.state {
            ListState::Invalid { spec, from } => (Some(format!("\"{spec}\" from {from}")), None),
            ListState::Extraneous => (None, Some(true)),
            ListState::Ok | ListState::Missing { .. } => (None, None),
        };
        ListedPackage {
            name: node.real_name,
            version: node.version,
            resolved: node.resolved,
            overridden: Some(false),
            missing: None,
            required: None,
            invalid,
            extraneous,
            problems,
            dependencies: dependencies(node.children),
        }
    }
}
