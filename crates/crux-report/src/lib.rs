//! Crux reports: a model's page answered with its numbers.
//!
//! [`results::compute`] runs the model and every analysis its page asks for
//! (the evaluation verdicts, the effects at the open frontier now, the
//! capability threshold, the answer to each policy implication). The results
//! render as the page in Markdown ([`markdown`]), as JSON with stable field
//! names ([`json`]), or for the terminal ([`text`]). [`builtin`] holds the
//! built-in open-weights safety model. [`analyses`] is what `crux run`,
//! `crux sensitivity` and `crux voi` compute and print, for every front end.
//! This crate prints nothing itself.

pub mod analyses;
pub mod builtin;
pub mod format;
pub mod json;
pub mod markdown;
pub mod results;
pub mod text;

pub use results::{Options, PageResults, compute};
