//! The Crux model language.
//!
//! This crate owns everything about *reading* a model: source files and
//! spans ([`span`]), diagnostics ([`diagnostic`]), the expression syntax
//! ([`lexer`], [`parser`], [`ast`], [`print`]), the TOML model format
//! ([`model`], with the page it answers in [`outline`], its studies in
//! [`studies`] and its decision in [`decision`]) and name resolution
//! into a checked, ordered model ([`resolve`], [`hir`]); diagnostics rendered
//! as text ([`render`]). It knows nothing of
//! sampling or evaluation: that is the engine's.

#![forbid(unsafe_code)]

pub mod ast;
pub mod correlation;
pub mod correlation_groups;
pub mod decision;
pub mod declaration;
pub mod diagnostic;
pub mod hir;
pub mod lexer;
pub mod model;
pub mod outline;
pub mod parser;
pub mod print;
pub mod profile;
pub mod quantify;
pub mod reader;
pub mod references;
pub mod render;
pub mod resolve;
pub mod span;
pub mod studies;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use span::{FileId, SourceFile, Sources, Span};

/// Reads and resolves the model file `file` of `sources`.
pub fn load(sources: &mut Sources, file: FileId) -> Result<hir::Model, Diagnostics> {
    let parsed = model::parse_model(sources, file)?;
    resolve::resolve(parsed)
}
