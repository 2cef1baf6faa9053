//! Crux reports: a model's results, and its page answered with them.
//!
//! The flow: [`results::compute`] runs the model and every analysis its page
//! asks for (the evaluation verdicts, the effects at the open frontier now,
//! the capability threshold, the answer to each policy implication);
//! [`build::document`] turns the results into one typed [`document`], whose
//! sentences all come from [`sentences`]; three writers walk that document:
//! [`markdown`], [`text`] (the terminal) and [`html`] (the web page, through
//! maud's escaping templates). The
//! JSON ([`json`]) is a serialisation of the results, with stable field
//! names, not of the document. [`builtin`] holds the built-in open-weights
//! safety model. [`analyses`] is what `crux run`, `crux sensitivity` and
//! `crux voi` compute and print, for every front end. This crate prints
//! nothing itself.

#![forbid(unsafe_code)]

pub mod analyses;
pub mod build;
pub mod builtin;
pub mod charts;
pub mod document;
pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod results;
pub mod sentences;
pub mod text;
pub mod words;

pub use results::{Options, Results, compute};
