//! Reading a TOML model file's values with their places: the reader that
//! parses expressions and citations held in TOML strings with spans mapped
//! into the file, the check of names, and TOML errors as diagnostics. The
//! model's declarations ([`crate::model`]) and its page's parts
//! ([`crate::outline`]) are both read through it.

use crate::ast::{Expr, Ident};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::parser::parse_expr;
use crate::references::{self, Citation};
use crate::span::{FileId, Sources, Span};
use toml::Spanned;

/// A TOML or schema error from the `toml` crate, placed in the file.
pub fn toml_error(error: toml::de::Error, file: FileId) -> Diagnostic {
    let message = error.message().trim().to_string();
    let mut diagnostic = Diagnostic::error(message.clone());
    if let Some(range) = error.span() {
        diagnostic = diagnostic.at(Span::new(file, range.start, range.end.max(range.start + 1)));
    }
    if let Some((unknown, expected)) =
        message.strip_prefix("unknown field `").and_then(|rest| rest.split_once("`, expected "))
    {
        let candidates: Vec<&str> = expected
            .split(", ")
            .flat_map(|part| part.split(" or "))
            .map(|c| c.trim_matches(|ch| ch == '`' || ch == ' ').trim_start_matches("one of `"))
            .collect();
        if let Some(help) = did_you_mean(unknown, candidates.iter().copied()) {
            diagnostic = diagnostic.with_help(help);
        }
    }
    diagnostic
}

/// Where the text of a TOML string value starts in the file, when the string
/// has no escapes (so byte offsets in the value are offsets in the file).
pub fn string_base(file_text: &str, span: std::ops::Range<usize>, value: &str) -> Option<usize> {
    let raw = file_text.get(span.clone())?;
    for delimiter in ["\"\"\"", "'''", "\"", "'"] {
        if raw.len() >= 2 * delimiter.len() && raw.starts_with(delimiter) && raw.ends_with(delimiter) {
            let mut inner_start = delimiter.len();
            let inner_end = raw.len() - delimiter.len();
            if delimiter.len() == 3 {
                if raw[inner_start..].starts_with("\r\n") {
                    inner_start += 2;
                } else if raw[inner_start..].starts_with('\n') {
                    inner_start += 1;
                }
            }
            return (raw.get(inner_start..inner_end)? == value).then_some(span.start + inner_start);
        }
    }
    None
}

/// Reads a model file's values, collecting diagnostics.
pub(crate) struct Reader<'a> {
    pub(crate) sources: &'a mut Sources,
    pub(crate) file: FileId,
    pub(crate) text: &'a str,
    pub(crate) diagnostics: Diagnostics,
}

impl Reader<'_> {
    pub(crate) fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range.start, range.end)
    }

    /// Parses an expression held in a TOML string, mapping spans into the file.
    pub(crate) fn expr(&mut self, value: &Spanned<String>) -> Option<Expr> {
        let range = value.span();
        let result = match string_base(self.text, range.clone(), value.get_ref()) {
            Some(base) => parse_expr(value.get_ref(), self.file, base),
            None => {
                // The string has escapes: parse it as a source of its own, named by its place.
                let location = self.sources.location(self.span(range));
                let file = self.sources.add(format!("{location} (string value)"), value.get_ref().as_str());
                parse_expr(value.get_ref(), file, 0)
            }
        };
        match result {
            Ok(expr) => Some(expr),
            Err(diagnostic) => {
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// The citations in a TOML string value, placed in the file (or, for a
    /// string with escapes, in a source of its own named by its place).
    pub(crate) fn citations(&mut self, value: &Spanned<String>) -> Vec<Citation> {
        let range = value.span();
        match string_base(self.text, range.clone(), value.get_ref()) {
            Some(base) => references::citations(value.get_ref(), self.file, base),
            None if value.get_ref().contains("[@") => {
                let location = self.sources.location(self.span(range));
                let file = self.sources.add(format!("{location} (string value)"), value.get_ref().as_str());
                references::citations(value.get_ref(), file, 0)
            }
            None => Vec::new(),
        }
    }

    pub(crate) fn ident(&mut self, key: &Spanned<String>, what: &str) -> Ident {
        let name = key.get_ref().clone();
        let span = self.span(key.span());
        if !is_identifier(&name) {
            self.diagnostics.push(
                Diagnostic::error(format!("`{name}` is not a valid {what} name"))
                    .at(span)
                    .with_help("names start with a letter or `_` and contain only letters, digits and `_`"),
            );
        } else if RESERVED.contains(&name.as_str()) {
            self.diagnostics
                .push(Diagnostic::error(format!("`{name}` is a keyword and cannot name a {what}")).at(span));
        }
        Ident { name, span }
    }
}

/// Names the expression language keeps for itself.
pub const RESERVED: &[&str] = &["if", "then", "else", "and", "or", "not", "to", "pi", "true", "false", "net"];

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}
