//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! One type serves every layer (parsing, resolution, compilation, evaluation),
//! so that the front ends render all of them the same way: `file:line:col`,
//! the source line and a caret under the span. Functions that can report
//! several problems at once return [`Diagnostics`].

use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a model, a profile or a command-line override.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Where the problem is, when it has a place in a source text.
    pub span: Option<Span>,
    /// A short label shown next to the caret.
    pub label: Option<String>,
    /// Suggestions, each rendered as `help: ...`.
    pub help: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), span: None, label: None, help: Vec::new() }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Several diagnostics, in the order they were found.
pub type Diagnostics = Vec<Diagnostic>;

/// Shorthand for building an error diagnostic at a span.
#[macro_export]
macro_rules! bail {
    ($span:expr, $($arg:tt)*) => {
        return Err($crate::Diagnostic::error(format!($($arg)*)).at($span).into())
    };
}

/// The closest candidate to `name`, if any is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A `help:` line suggesting the closest candidate, or listing a few.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> Option<String> {
    suggest(name, candidates).map(|best| format!("did you mean `{best}`?"))
}
