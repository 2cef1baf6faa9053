//! Squiggle names for a model's params, derived values, mechanisms and axis:
//! kept as written where Squiggle allows, otherwise renamed (a Squiggle
//! variable starts with a lowercase letter or `_` and must not shadow the
//! functions the exported code calls), each rename listed.

use crux_lang::hir;
use std::collections::HashSet;

/// Names the exported code uses for itself or calls: model names may not take them.
const TAKEN: &[&str] = &[
    // Squiggle keywords and literals.
    "if",
    "then",
    "else",
    "to",
    "true",
    "false",
    "import",
    "export",
    "from",
    "as",
    "call",
    // Functions and namespaces the exported code calls.
    "normal",
    "lognormal",
    "uniform",
    "beta",
    "triangular",
    "bernoulli",
    "mx",
    "mixture",
    "truncate",
    "exp",
    "log",
    "log10",
    "log2",
    "abs",
    "floor",
    "ceil",
    "min",
    "max",
    "mean",
    "quantile",
    "sample",
    // Names the exported code defines.
    "net",
    "grid",
    "summary",
    "rows",
    "table",
];

/// The Squiggle name of every named thing in the model.
#[derive(Debug, Clone)]
pub struct Names {
    pub params: Vec<String>,
    pub derived: Vec<String>,
    pub mechanisms: Vec<String>,
    pub axis: Option<String>,
    /// `(crux name, squiggle name)` for each rename.
    pub renamed: Vec<(String, String)>,
    used: HashSet<String>,
}

impl Names {
    pub fn new(model: &hir::Model) -> Names {
        let file = &model.file;
        let mut names = Names {
            params: Vec::new(),
            derived: Vec::new(),
            mechanisms: Vec::new(),
            axis: None,
            renamed: Vec::new(),
            used: TAKEN.iter().map(|name| name.to_string()).collect(),
        };
        names.axis = file.axis.as_ref().map(|axis| names.claim(&axis.name.name, "", true));
        names.params = file.params.iter().map(|param| names.claim(&param.name.name, "", true)).collect();
        names.derived = file.derived.iter().map(|derived| names.claim(&derived.name.name, "", true)).collect();
        // Mechanisms have a namespace of their own in Crux: suffix them.
        names.mechanisms =
            file.mechanisms.iter().map(|mechanism| names.claim(&mechanism.id.name, "_effect", false)).collect();
        names
    }

    /// A fresh name based on `base` (for hoisted draws and lambda arguments).
    pub fn fresh(&mut self, base: &str) -> String {
        self.claim(base, "", false)
    }

    /// `name` + `suffix`, lowercased at the start and made unique; a model
    /// name that changes is recorded when `record` is set.
    fn claim(&mut self, name: &str, suffix: &str, record: bool) -> String {
        let mut base = format!("{name}{suffix}");
        if base.starts_with(|ch: char| ch.is_ascii_uppercase()) {
            let mut chars = base.chars();
            base = chars.next().map(|first| first.to_ascii_lowercase()).into_iter().chain(chars).collect();
        }
        let mut candidate = base.clone();
        let mut counter = 2;
        while self.used.contains(&candidate) {
            candidate = if base.ends_with('_') { format!("{base}{counter}") } else { format!("{base}_{counter}") };
            counter += 1;
        }
        self.used.insert(candidate.clone());
        if record && candidate != name {
            self.renamed.push((name.to_string(), candidate.clone()));
        }
        candidate
    }
}
