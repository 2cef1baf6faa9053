//! The decision a model informs, when it is more than "release or not": a
//! `[decision]` table with two or more named options, each valued by a
//! formula.
//!
//! ```toml
//! [decision]
//! title = "How to release the weights"      # optional
//!
//! [decision.options.release_openly]
//! value = "net"
//!
//! [decision.options.api_only]
//! title = "API access only"                 # optional, for reports
//! value = "0.4 * net"
//!
//! [decision.options.do_not_train]
//! value = "0"
//! ```
//!
//! An option's `value` is an expression, in the model's unit, over the
//! model's params, derived values, the axis, each mechanism's effect (by its
//! id, as a positive size: a risk mechanism's name is the size of the risk)
//! and `net` (benefits less risks, as the model computes it). A name is
//! looked up in that order, so a param called `net` hides net. It is a
//! formula, not a belief: it may use every function but no distribution (an
//! option whose value is uncertain takes its uncertainty from a param). The
//! option with the greatest expected value is chosen; there is no implicit
//! "do nothing" option, so write `value = "0"` for one. Without a
//! `[decision]`, a model's decision is release (worth net) or not (worth 0).
//!
//! Option names are table keys: TOML itself refuses a repeated one, with its
//! place in the file. Unknown names (with the closest suggested), a
//! distribution in a value, a missing `value` and fewer than two options are
//! diagnostics at their place in the file.

use crate::ast::{DISTRIBUTIONS, Func};
use crate::ast::{Expr, ExprKind, Ident};
use crate::declaration::{Axis, Declaration, Mechanism};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::reader::Reader;
use crate::span::Span;
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// The name of net in an option's value.
pub const NET: &str = "net";

/// The `[decision]` table.
#[derive(Debug, Clone)]
pub struct Decision {
    /// A name for reports, such as "How to release the weights".
    pub title: Option<String>,
    pub note: Option<String>,
    /// The options, in file order (at least two).
    pub options: Vec<DecisionOption>,
    /// The span of the `[decision]` header.
    pub span: Span,
}

/// One `[decision.options.<id>]` table.
#[derive(Debug, Clone)]
pub struct DecisionOption {
    pub id: Ident,
    /// The option's value, parsed, with spans in the file.
    pub value: Expr,
    /// The value as written.
    pub text: String,
    /// A name for reports, such as "API access only".
    pub title: Option<String>,
    pub note: Option<String>,
    /// The span of the option's table.
    pub span: Span,
}

impl DecisionOption {
    /// How reports name the option: its title, or its id.
    pub fn name(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id.name)
    }
}

/// The `[decision]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDecision {
    title: Option<String>,
    note: Option<String>,
    #[serde(default)]
    options: IndexMap<Spanned<String>, Spanned<RawOption>>,
}

/// An option's table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOption {
    value: Option<Spanned<String>>,
    title: Option<String>,
    note: Option<String>,
}

/// What an option's value may name, besides functions and constants.
pub(crate) struct Names<'a> {
    pub params: &'a [Declaration],
    pub derived: &'a [Declaration],
    pub mechanisms: &'a [Mechanism],
    pub axis: Option<&'a Axis>,
}

impl Names<'_> {
    fn knows(&self, name: &str) -> bool {
        self.params.iter().chain(self.derived).any(|declaration| declaration.name.name == name)
            || self.mechanisms.iter().any(|mechanism| mechanism.id.name == name)
            || self.axis.is_some_and(|axis| axis.name.name == name)
            || [NET, "pi", "true", "false"].contains(&name)
    }

    fn candidates(&self) -> Vec<&str> {
        self.params
            .iter()
            .chain(self.derived)
            .map(|declaration| declaration.name.name.as_str())
            .chain(self.mechanisms.iter().map(|mechanism| mechanism.id.name.as_str()))
            .chain(self.axis.map(|axis| axis.name.name.as_str()))
            .chain([NET, "pi"])
            .collect()
    }
}

/// Reads the `[decision]` table (spanning `span`); problems are pushed to
/// the reader's diagnostics, and a table with one gives `None`.
pub(crate) fn decision(reader: &mut Reader<'_>, raw: Spanned<RawDecision>, names: &Names<'_>) -> Option<Decision> {
    let span = reader.span(raw.span());
    let raw = raw.into_inner();
    let before = reader.diagnostics.len();
    let mut options = Vec::new();
    for (key, value) in raw.options {
        let id = reader.ident(&key, "decision option");
        let option_span = reader.span(key.span().start..value.span().end);
        let raw = value.into_inner();
        let Some(text) = raw.value else {
            reader.diagnostics.push(
                Diagnostic::error(format!("option `{}` has no `value`", id.name))
                    .at(option_span)
                    .with_help("write `value = \"FORMULA\"`, such as `value = \"net\"` or `value = \"0.4 * net\"`"),
            );
            continue;
        };
        let Some(expr) = reader.expr(&text) else { continue };
        check_names(&expr, names, &id.name, &mut reader.diagnostics);
        options.push(DecisionOption {
            id,
            value: expr,
            text: text.into_inner(),
            title: raw.title,
            note: raw.note,
            span: option_span,
        });
    }
    if reader.diagnostics.len() == before && options.len() < 2 {
        let count = options.len();
        reader.diagnostics.push(
            Diagnostic::error(format!("a decision needs at least two options, and this one has {count}"))
                .at(span)
                .with_help(
                    "add `[decision.options.NAME]` tables with `value = \"FORMULA\"`; doing nothing is `value = \"0\"`",
                ),
        );
    }
    if reader.diagnostics.len() > before {
        return None;
    }
    Some(Decision { title: raw.title, note: raw.note, options, span })
}

/// Checks every name and call in an option's value.
fn check_names(expr: &Expr, names: &Names<'_>, option: &str, diagnostics: &mut Vec<Diagnostic>) {
    match &expr.kind {
        ExprKind::Number(_) => {}
        ExprKind::Name(name) => {
            if !names.knows(name) {
                let mut diagnostic = Diagnostic::error(format!("option `{option}` uses the unknown name `{name}`"))
                    .at(expr.span)
                    .with_label("not a param, derived value, mechanism, the axis or `net`");
                if let Some(help) = did_you_mean(name, names.candidates()) {
                    diagnostic = diagnostic.with_help(help);
                }
                diagnostics.push(diagnostic);
            }
        }
        ExprKind::Unary { operand, .. } => check_names(operand, names, option, diagnostics),
        ExprKind::Binary { op, lhs, rhs } => {
            if *op == crate::ast::BinaryOp::To {
                diagnostics.push(distribution(expr.span, option));
            } else {
                check_names(lhs, names, option, diagnostics);
                check_names(rhs, names, option, diagnostics);
            }
        }
        ExprKind::If { condition, then_branch, else_branch } => {
            for part in [condition, then_branch, else_branch] {
                check_names(part, names, option, diagnostics);
            }
        }
        ExprKind::Call { callee, args } => {
            if Func::from_name(&callee.name).is_some() {
                for arg in args {
                    check_names(arg, names, option, diagnostics);
                }
            } else if DISTRIBUTIONS.contains(&callee.name.as_str()) {
                diagnostics.push(distribution(expr.span, option));
            } else {
                let functions = Func::ALL.iter().map(|(name, _)| *name);
                let mut diagnostic =
                    Diagnostic::error(format!("option `{option}` calls the unknown function `{}`", callee.name))
                        .at(callee.span);
                if let Some(help) = did_you_mean(&callee.name, functions) {
                    diagnostic = diagnostic.with_help(help);
                }
                diagnostics.push(diagnostic);
            }
        }
        ExprKind::Record(_) | ExprKind::List(_) => {
            diagnostics.push(
                Diagnostic::error(format!("option `{option}` has a record or list in its value"))
                    .at(expr.span)
                    .with_help("an option's value is a formula such as `0.4 * net`"),
            );
        }
    }
}

fn distribution(span: Span, option: &str) -> Diagnostic {
    Diagnostic::error(format!("option `{option}`'s value is a formula, not a distribution"))
        .at(span)
        .with_help("put an uncertain quantity in a param and use the param's name here")
}
