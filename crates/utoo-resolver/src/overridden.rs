//! package.json `overrides` applied where edges are read: a node's edges carry the spec its
//! rule set gives them, and remember the rule set each passes on to the package it reaches.

use std::collections::BTreeMap;

use utoo_manifest::{DepKind, Manifest, OverrideError, Overrides, RuleSet};

/// A dependency edge: name, spec (overridden), kind.
pub(crate) type Edge = (String, String, DepKind);

/// Edges rewritten for one node, and the rule set each edge carries where it differs from the
/// node's own (arborist's `edge.overrides`).
pub(crate) struct Rewritten {
    pub edges: Vec<Edge>,
    pub rules: BTreeMap<String, RuleSet>,
}

/// The root project's override set and what `$name` references resolve against.
pub(crate) struct Rewriter<'a> {
    pub overrides: &'a Overrides,
    pub root: &'a Manifest,
}

impl Rewriter<'_> {
    /// The edges of `local` (a node governed by `rules`) with their overridden specs.
    pub(crate) fn edges(
        &self,
        rules: RuleSet,
        local: &Manifest,
        edges: Vec<Edge>,
    ) -> Result<Rewritten, OverrideError> {
        let mut out = Rewritten {
            edges: Vec::with_capacity(edges.len()),
            rules: BTreeMap::new(),
        };
        if self.overrides.is_empty() {
            out.edges = edges;
            return Ok(out);
        }
        for (name, spec, kind) in edges {
            let rule = self.overrides.edge_rule(rules, &name, &spec);
            let spec = self
                .overrides
                .edge_spec(rule, &name, &spec, self.root, local)?;
            if rule != rules {
                out.rules.insert(name.clone(), rule);
            }
            out.edges.push((name, spec, kind));
        }
        Ok(out)
    }
}
