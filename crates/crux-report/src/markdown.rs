//! The Markdown writer: a [`Document`] as the page in Markdown, with its
//! frontmatter, headings, tables and lists. Charts are data the Markdown
//! leaves out (`crux run --plots DIR` writes them as files).

use crate::build;
use crate::document::{Block, Document, Inline, ListItem, Table, Text};
use crate::results::Results;
use crux_lang::hir;

/// The report of `model`'s results, in Markdown.
pub fn render(model: &hir::Model, results: &Results) -> String {
    write(&build::document(model, results))
}

/// Writes `document` as Markdown (without a final newline).
pub fn write(document: &Document) -> String {
    let mut out = String::new();
    if let Some(frontmatter) = &document.frontmatter {
        out.push_str(frontmatter);
        out.push('\n');
    }
    for section in &document.sections {
        if let Some(heading) = &section.heading {
            out.push_str(&"#".repeat(usize::from(heading.level.clamp(1, 6))));
            out.push(' ');
            out.push_str(&inline(&heading.text));
            out.push_str("\n\n");
        }
        for block in &section.blocks {
            let text = self::block(block);
            if !text.is_empty() {
                out.push_str(&text);
                out.push_str("\n\n");
            }
        }
    }
    let trimmed = out.trim_end_matches('\n').len();
    out.truncate(trimmed);
    out
}

/// One block, without the blank line after it.
fn block(block: &Block) -> String {
    match block {
        Block::Paragraph(text) => inline(text),
        Block::Note(text) => format!("> {}", inline(text)),
        Block::Caption(text) => format!("_{}_", inline(text)),
        Block::List(items) => {
            let mut out = String::new();
            list(&mut out, items, 0);
            out.pop();
            out
        }
        Block::Table(table) => self::table(table),
        Block::Chart(_) => String::new(),
        Block::Markdown(text) => text.clone(),
    }
}

fn list(out: &mut String, items: &[ListItem], depth: usize) {
    for item in items {
        out.push_str(&"  ".repeat(depth));
        out.push_str("- ");
        out.push_str(&inline(&item.text));
        out.push('\n');
        list(out, &item.children, depth + 1);
    }
}

/// A Markdown table: cells on one line, pipes escaped, each row as wide as the headings.
fn table(table: &Table) -> String {
    let cell = |text: &Text| inline(text).replace('\n', " ").replace('|', "\\|");
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut out = line(table.headings.iter().map(cell).collect());
    out.push_str(&format!("\n|{}", "---|".repeat(table.headings.len().max(1))));
    for row in &table.rows {
        let mut cells: Vec<String> = row.iter().map(cell).collect();
        cells.resize(table.headings.len(), String::new());
        out.push('\n');
        out.push_str(&line(cells));
    }
    out
}

/// Inline text with its Markdown marks.
pub fn inline(text: &Text) -> String {
    let mut out = String::new();
    for piece in &text.0 {
        match piece {
            Inline::Plain(text) | Inline::Source(text) => out.push_str(text),
            Inline::Strong(text) => out.push_str(&format!("**{}**", inline(text))),
            Inline::Emphasis(text) => out.push_str(&format!("_{}_", inline(text))),
            Inline::Code(text) => out.push_str(&format!("`{text}`")),
            Inline::Link { text, url } => out.push_str(&format!("[{}]({url})", inline(text))),
        }
    }
    out
}
