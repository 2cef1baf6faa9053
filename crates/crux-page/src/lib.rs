//! Knowledge-base pages and Crux models.
//!
//! A page is Markdown with YAML frontmatter: a lead statement
//! (`**The question**: ...`), an Evaluation Summary table, Benefit/Risk +
//! Mechanism tables, `## Crux N: title` sections with two-sided tables and
//! bold notes, and closing sections. [`import`] turns a page into a model file
//! that keeps everything the page says (what it does not interpret stays as
//! raw Markdown, in order), with placeholder mechanisms and empty crux groups
//! left to quantify; [`render::render`] writes a model's page back.
//!
//! The phases: [`text`] (bytes to clean text, repairs reported),
//! [`frontmatter`], [`markdown`] (top-level blocks, with pulldown-cmark),
//! [`import`] (blocks to a draft model), [`write`] (the draft as TOML),
//! [`render`] (a model to Markdown) and [`outline`] (what a page says, to
//! check a round trip).

#![forbid(unsafe_code)]

pub mod elements;
pub mod frontmatter;
pub mod import;
pub mod markdown;
pub mod render;
pub mod text;
pub mod write;

use crux_lang::{Diagnostic, Diagnostics, FileId, Sources, Span};

/// A page imported as a model file.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The model file's text (TOML).
    pub model: String,
    pub draft: import::Draft,
    /// The page as read (repaired), added to the sources; warnings point into it.
    pub file: FileId,
    pub warnings: Diagnostics,
}

/// Imports the page `bytes`, named `name` (its path, for messages).
///
/// Errors (a binary, empty or huge file, a broken frontmatter) come back as
/// diagnostics; problems that were repaired or kept as written are warnings.
pub fn import(sources: &mut Sources, name: &str, bytes: &[u8]) -> Result<Imported, Diagnostics> {
    let clean = text::clean(bytes)
        .map_err(|problem| vec![Diagnostic::error(format!("`{name}`: {}", problem.message)).with_help(problem.help)])?;
    let file = sources.add(name, clean.text.as_str());
    let span = |offset: usize, length: usize| {
        let end = (offset + length).min(clean.text.len());
        Span::new(file, offset.min(end), end)
    };
    let mut warnings = Vec::new();
    for repair in &clean.repairs {
        let mut warning = Diagnostic::warning(repair.message.clone());
        if let Some(offset) = repair.offset {
            let length = clean.text[offset..].chars().next().map_or(1, char::len_utf8);
            warning = warning.at(span(offset, length));
        }
        if let Some(help) = &repair.help {
            warning = warning.with_help(help.clone());
        }
        warnings.push(warning);
    }
    let frontmatter_error = |error: frontmatter::FrontmatterError| {
        vec![Diagnostic::error(error.message).at(span(error.offset, error.length)).with_help(error.help)]
    };
    let split = frontmatter::split(&clean.text).map_err(frontmatter_error)?;
    let stem =
        std::path::Path::new(name).file_stem().map_or("page".to_string(), |stem| stem.to_string_lossy().to_string());
    let frontmatter = match &split.yaml {
        Some((yaml, base)) => frontmatter::read(yaml, *base).map_err(frontmatter_error)?,
        None => {
            warnings.push(
                Diagnostic::warning(format!(
                    "the page has no frontmatter; its title is taken from the file name (`{stem}`)"
                ))
                .at(span(0, 1))
                .with_help("start the page with `---`, `title: ...`, `description: ...`, `---`"),
            );
            frontmatter::Frontmatter::default()
        }
    };
    if let Some(offset) = split.glued {
        warnings.push(
            Diagnostic::warning(
                "the frontmatter's closing `---` is glued to the first line of text; they were separated",
            )
            .at(span(offset, 3))
            .with_help("put the closing `---` on a line of its own"),
        );
    }
    for field in &frontmatter.kept_as_yaml {
        warnings.push(Diagnostic::warning(format!(
            "the frontmatter's `{field}` is not plain text (or is given twice); it is kept as YAML"
        )));
    }
    let body = &clean.text[split.body_offset..];
    let (draft, notices) = import::draft(frontmatter, &stem, body, split.body_offset);
    for notice in notices {
        let mut warning = Diagnostic::warning(notice.message).at(span(notice.offset, notice.length));
        if let Some(help) = notice.help {
            warning = warning.with_help(help);
        }
        warnings.push(warning);
    }
    let model = write::model_file(&draft, name);
    Ok(Imported { model, draft, file, warnings })
}

/// The Markdown body of a page (what follows its frontmatter), for outlines.
pub fn body(page: &str) -> &str {
    match frontmatter::split(page) {
        Ok(split) => &page[split.body_offset..],
        Err(_) => page,
    }
}
