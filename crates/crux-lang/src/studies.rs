//! Studies a model declares, whose expected value of sample information
//! (EVSI) `crux voi` estimates: `[studies.<id>]` tables.
//!
//! ```toml
//! [studies.uplift_trial]
//! measures = "c_misuse"   # the param the study observes
//! noise_sd = 0.5          # it reports c_misuse + normal(0, noise_sd)
//! cost = 2                # optional, in the model's unit
//!
//! [studies.red_team]
//! measures = "jailbreak_rate"   # a probability
//! trials = 40                   # it reports successes in 40 trials, binomial(40, jailbreak_rate)
//! ```
//!
//! A study is either normal (`noise_sd`, a positive number in the param's
//! unit) or binomial (`trials`, a whole number from 1 to [`MAX_TRIALS`], for
//! a param whose values are probabilities: checked when the study is
//! valued, since this crate draws nothing). `measures` must name a param of
//! the model (the closest name is suggested); `cost` is a number of at least
//! 0. Every problem is a diagnostic at its place in the file.

use crate::ast::Ident;
use crate::declaration::Declaration;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::span::{FileId, Span};
use serde::Deserialize;
use toml::Spanned;

/// The most trials a binomial study may have.
pub const MAX_TRIALS: u64 = 1_000_000;

/// What a study reports about the param it measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    /// The param plus normal noise of this standard deviation.
    Normal { noise_sd: f64 },
    /// Successes in this many trials, each with the param's probability.
    Binomial { trials: u64 },
}

/// One `[studies.<id>]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub id: Ident,
    /// The param the study measures, with the span of its name in `measures`.
    pub measures: Ident,
    pub observation: Observation,
    /// What the study costs, in the model's unit.
    pub cost: Option<f64>,
    /// A name for reports, such as "An uplift trial".
    pub title: Option<String>,
    pub note: Option<String>,
    /// The span of the whole table.
    pub span: Span,
}

impl Study {
    /// How reports name the study: its title, or its id.
    pub fn name(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id.name)
    }
}

/// A study table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStudy {
    measures: Option<Spanned<String>>,
    noise_sd: Option<Spanned<f64>>,
    trials: Option<Spanned<i64>>,
    cost: Option<Spanned<f64>>,
    title: Option<String>,
    note: Option<String>,
}

/// Checks a study table against the model's params; problems are pushed to
/// `diagnostics`, and a study with one gives `None`.
pub(crate) fn study(
    id: Ident,
    raw: Spanned<RawStudy>,
    params: &[Declaration],
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Study> {
    let at = |range: std::ops::Range<usize>| Span::new(file, range.start, range.end);
    let span = Span::new(file, id.span.start as usize, raw.span().end);
    let raw = raw.into_inner();
    let before = diagnostics.len();
    let measures = match &raw.measures {
        None => {
            diagnostics.push(
                Diagnostic::error(format!("study `{}` has no `measures`", id.name))
                    .at(span)
                    .with_help("write `measures = \"NAME\"` with the name of the param the study observes"),
            );
            None
        }
        Some(name) => {
            let ident = Ident { name: name.get_ref().clone(), span: at(name.span()) };
            if params.iter().any(|param| param.name.name == ident.name) {
                Some(ident)
            } else {
                let mut diagnostic = Diagnostic::error(format!(
                    "study `{}` measures `{}`, which is not a param of the model",
                    id.name, ident.name
                ))
                .at(ident.span);
                if let Some(help) = did_you_mean(&ident.name, params.iter().map(|param| param.name.name.as_str())) {
                    diagnostic = diagnostic.with_help(help);
                }
                diagnostics.push(diagnostic);
                None
            }
        }
    };
    let observation = match (&raw.noise_sd, &raw.trials) {
        (Some(_), Some(trials)) => {
            diagnostics.push(
                Diagnostic::error(format!("study `{}` has both `noise_sd` and `trials`", id.name))
                    .at(at(trials.span()))
                    .with_help("a study is normal (`noise_sd`) or binomial (`trials`), not both"),
            );
            None
        }
        (None, None) => {
            diagnostics.push(
                Diagnostic::error(format!("study `{}` says neither `noise_sd` nor `trials`", id.name))
                    .at(span)
                    .with_help(
                        "write `noise_sd = X` (the study reports the param plus normal(0, X)) or `trials = N` \
                         (successes in N trials, for a probability)",
                    ),
            );
            None
        }
        (Some(noise), None) => {
            let value = *noise.get_ref();
            if value.is_finite() && value > 0.0 {
                Some(Observation::Normal { noise_sd: value })
            } else {
                diagnostics.push(
                    Diagnostic::error(format!("`noise_sd` must be a positive number, not {value}"))
                        .at(at(noise.span())),
                );
                None
            }
        }
        (None, Some(trials)) => {
            let value = *trials.get_ref();
            if (1..=MAX_TRIALS as i64).contains(&value) {
                Some(Observation::Binomial { trials: value as u64 })
            } else {
                diagnostics.push(
                    Diagnostic::error(format!("`trials` must be a whole number from 1 to {MAX_TRIALS}, not {value}"))
                        .at(at(trials.span())),
                );
                None
            }
        }
    };
    if let Some(cost) = &raw.cost {
        let value = *cost.get_ref();
        if !(value.is_finite() && value >= 0.0) {
            diagnostics.push(
                Diagnostic::error(format!("a study's `cost` must be a number of at least 0, not {value}"))
                    .at(at(cost.span())),
            );
        }
    }
    if diagnostics.len() > before {
        return None;
    }
    Some(Study {
        id,
        measures: measures?,
        observation: observation?,
        cost: raw.cost.map(Spanned::into_inner),
        title: raw.title,
        note: raw.note,
        span,
    })
}
