//! The bibliography of a model file and the citations that point into it.
//!
//! A model file lists the works it relies on as `[references.<id>]` tables
//! (authors, title, year, venue, and a URL or DOI a reader can open), and
//! cites them in the free text of a param's, derived value's or mechanism's
//! `source` and `note`, and in a profile's `notes`, with pandoc's citation
//! syntax: `[@williams2025]`, or several at once, `[@lermen2023; @qi2023]`.
//!
//! ```toml
//! [params]
//! misuse_harm = { value = "30 to 300", source = "[@williams2025] (+120 bp per year)" }
//!
//! [references.williams2025]
//! authors = "Williams, B. et al."
//! title = "Forecasting LLM-enabled biorisk"
//! year = 2025
//! venue = "Forecasting Research Institute"
//! url = "https://forecastingresearch.org/..."
//! ```
//!
//! Every citation must name a reference of the file: an unknown id is an
//! error at the id (with the closest id as a suggestion), so that every
//! source a report prints can be looked up.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::span::{FileId, Span};
use serde::Deserialize;
use toml::Spanned;

/// One work in the bibliography.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The id cited as `[@id]`.
    pub id: String,
    /// As on the title page, such as "Lermen, S.; Rogers-Smith, C.; Ladish, J.".
    pub authors: String,
    pub title: String,
    pub year: Option<i32>,
    /// Journal, conference, report series or statute.
    pub venue: Option<String>,
    pub url: Option<String>,
    pub doi: Option<String>,
    /// What the work is, or what the model takes from it, in a line.
    pub note: Option<String>,
    pub span: Span,
}

impl Reference {
    /// Where a reader can open the work: the URL, else the DOI's resolver URL.
    pub fn link(&self) -> Option<String> {
        self.url.clone().or_else(|| self.doi.as_ref().map(|doi| format!("https://doi.org/{doi}")))
    }
}

/// One `@id` inside a `[@...]` citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub id: String,
    /// The span of the id (without the `@`) in its file.
    pub span: Span,
}

/// A reference table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReference {
    authors: Option<String>,
    title: Option<String>,
    year: Option<i32>,
    venue: Option<String>,
    url: Option<Spanned<String>>,
    doi: Option<String>,
    note: Option<String>,
}

/// Checks a reference table and turns it into a [`Reference`]; problems are
/// pushed to `diagnostics`.
pub(crate) fn reference(
    id: &Spanned<String>,
    raw: Spanned<RawReference>,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Reference {
    let span = Span::new(file, id.span().start, raw.span().end);
    let id_span = Span::new(file, id.span().start, id.span().end);
    let raw = raw.into_inner();
    if !is_reference_id(id.get_ref()) {
        diagnostics.push(
            Diagnostic::error(format!("`{}` is not a valid reference id", id.get_ref()))
                .at(id_span)
                .with_help("ids start with a letter and contain only letters, digits, `-` and `_`"),
        );
    }
    let mut missing = Vec::new();
    if raw.title.as_deref().is_none_or(|title| title.trim().is_empty()) {
        missing.push("a `title`");
    }
    if raw.authors.as_deref().is_none_or(|authors| authors.trim().is_empty()) {
        missing.push("`authors`");
    }
    if raw.url.is_none() && raw.doi.is_none() {
        missing.push("a `url` or a `doi`");
    }
    if !missing.is_empty() {
        diagnostics.push(
            Diagnostic::error(format!("reference `{}` lacks {}", id.get_ref(), missing.join(" and ")))
                .at(id_span)
                .with_help("a reader must be able to find the work: give its authors, title and a URL or DOI"),
        );
    }
    if let Some(url) = &raw.url
        && !(url.get_ref().starts_with("https://") || url.get_ref().starts_with("http://"))
    {
        diagnostics.push(
            Diagnostic::error(format!("the url of reference `{}` is not an http(s) address", id.get_ref()))
                .at(Span::new(file, url.span().start, url.span().end)),
        );
    }
    Reference {
        id: id.get_ref().clone(),
        authors: raw.authors.unwrap_or_default(),
        title: raw.title.unwrap_or_default(),
        year: raw.year,
        venue: raw.venue,
        url: raw.url.map(Spanned::into_inner),
        doi: raw.doi,
        note: raw.note,
        span,
    }
}

/// Whether `id` can name a reference.
pub fn is_reference_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
}

/// The citations in `text`, whose first byte is at offset `base` of `file`.
///
/// A citation is a bracketed list of `@id`s separated by `;`, each optionally
/// followed by a locator (`[@ho2024, table 2; @cset2025]`). Brackets that do
/// not start with `@` are ordinary text.
pub fn citations(text: &str, file: FileId, base: usize) -> Vec<Citation> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut index = 0;
    while let Some(offset) = text[index..].find("[@") {
        let open = index + offset;
        let Some(length) = text[open..].find(']') else { break };
        let close = open + length;
        let mut part_start = open + 1;
        for part in text[open + 1..close].split(';') {
            let leading = part.len() - part.trim_start().len();
            let at = part_start + leading;
            if bytes.get(at) == Some(&b'@') {
                let id_start = at + 1;
                let id_length = text[id_start..close]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
                    .unwrap_or(close - id_start);
                let id = &text[id_start..id_start + id_length];
                // A trailing `-` or `_` belongs to the text, not the id.
                let id = id.trim_end_matches(['-', '_']);
                if !id.is_empty() {
                    out.push(Citation {
                        id: id.to_string(),
                        span: Span::new(file, base + id_start, base + id_start + id.len()),
                    });
                }
            }
            part_start += part.len() + 1;
        }
        index = close + 1;
    }
    out
}

/// An error for each citation whose id is not among `references`.
pub fn check_citations(citations: &[Citation], references: &[Reference]) -> Vec<Diagnostic> {
    citations
        .iter()
        .filter(|citation| !references.iter().any(|reference| reference.id == citation.id))
        .map(|citation| {
            let mut diagnostic =
                Diagnostic::error(format!("`{}` is not in the model's references", citation.id)).at(citation.span);
            diagnostic = match did_you_mean(&citation.id, references.iter().map(|reference| reference.id.as_str())) {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic.with_help(format!(
                    "add `[references.{}]` with its authors, title, year and a URL or DOI",
                    citation.id
                )),
            };
            diagnostic
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<(String, u32, u32)> {
        citations(text, FileId(0), 100)
            .into_iter()
            .map(|citation| (citation.id, citation.span.start, citation.span.end))
            .collect()
    }

    #[test]
    fn citations_are_found_with_their_places() {
        assert_eq!(ids("[@williams2025] (+120 bp)"), vec![("williams2025".into(), 102, 114)]);
        assert_eq!(
            ids("see [@lermen2023; @qi2023, table 1] and [@kb-redteam]."),
            vec![("lermen2023".into(), 106, 116), ("qi2023".into(), 119, 125), ("kb-redteam".into(), 142, 152)]
        );
    }

    #[test]
    fn other_brackets_are_text() {
        assert!(ids("judgement: [sic] a [link](https://x) and an email a@b.c").is_empty());
        assert!(ids("an unclosed [@citation").is_empty());
    }

    #[test]
    fn unknown_ids_suggest_the_closest() {
        let reference = Reference {
            id: "williams2025".into(),
            authors: "W".into(),
            title: "T".into(),
            year: Some(2025),
            venue: None,
            url: Some("https://example.org".into()),
            doi: None,
            note: None,
            span: Span::default(),
        };
        let found = citations("[@williams2024; @williams2025]", FileId(0), 0);
        let errors = check_citations(&found, &[reference]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("williams2024"), "{}", errors[0].message);
        assert!(format!("{:?}", errors[0].help).contains("williams2025"));
        assert_eq!(errors[0].span.map(|span| span.start), Some(2));
    }
}
