//! The terminal writer: a [`Document`] as plain text, with headings
//! underlined, paragraphs wrapped and tables aligned; and the aligned table
//! of a plain run.

use crate::build::{self, spread};
use crate::document::{Block, Document, ListItem, Text};
use crate::results::Results;
use crux_engine::RunOutput;
use crux_engine::format::significant;
use crux_lang::hir;

/// A plain-text table of a run: net's summary at each point and each
/// mechanism's mean at a few points.
pub fn run_table(model: &hir::Model, output: &RunOutput, samples: usize, seed: u64) -> String {
    let header = &model.file.header;
    let unit = if header.unit.is_empty() { String::new() } else { format!(" ({})", header.unit) };
    let mut out = format!(
        "{}\n{samples} samples, seed {seed}\n\n",
        if header.title.is_empty() { &header.id } else { &header.title }
    );
    let axis_name = model.file.axis.as_ref().map_or("point".to_string(), |axis| axis.name.name.clone());
    let columns = [axis_name.as_str(), "mean", "sd", "p05", "p25", "p50", "p75", "p95", "P(net>0)"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (x, summary) in output.points.iter().zip(&output.net) {
        rows.push(vec![
            significant(*x, 6),
            significant(summary.mean, 3),
            significant(summary.sd, 3),
            significant(summary.p05, 3),
            significant(summary.p25, 3),
            significant(summary.p50, 3),
            significant(summary.p75, 3),
            significant(summary.p95, 3),
            format!("{:.3}", summary.p_positive),
        ]);
    }
    out.push_str(&format!("net{unit}\n"));
    out.push_str(&table(&columns, &rows));
    if !output.mechanisms.is_empty() {
        out.push_str(&format!("\nmean effect by mechanism{unit}\n"));
        let picks = spread(output.points.len(), 7);
        let mut columns: Vec<String> = vec!["mechanism".to_string(), "side".to_string()];
        columns.extend(picks.iter().map(|index| format!("{axis_name}={}", significant(output.points[*index], 6))));
        let rows: Vec<Vec<String>> = output
            .mechanisms
            .iter()
            .map(|mechanism| {
                let mut row =
                    vec![mechanism.id.clone(), if mechanism.benefit { "benefit" } else { "risk" }.to_string()];
                row.extend(picks.iter().map(|index| significant(mechanism.mean[*index], 3)));
                row
            })
            .collect();
        let column_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
        out.push_str(&table(&column_refs, &rows));
    }
    out
}

/// The report of `model`'s results, for the terminal.
pub fn render(model: &hir::Model, results: &Results) -> String {
    write(&build::document(model, results))
}

/// The widest a paragraph or list item runs before it wraps.
const WIDTH: usize = 100;

/// Writes `document` for the terminal: the title, headings underlined,
/// paragraphs and list items wrapped, tables aligned, marks removed.
pub fn write(document: &Document) -> String {
    let mut out = format!("{}\n{}\n\n", document.title, "=".repeat(document.title.chars().count()));
    for section in &document.sections {
        if let Some(heading) = &section.heading {
            let text = heading.text.to_plain();
            let rule = if heading.level <= 2 { '=' } else { '-' };
            out.push_str(&format!("{text}\n{}\n\n", rule.to_string().repeat(text.chars().count())));
        }
        for block in &section.blocks {
            let text = self::block(block);
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    out
}

/// One block's lines.
fn block(block: &Block) -> String {
    match block {
        Block::Paragraph(text) | Block::Note(text) | Block::Caption(text) => wrap(&text.to_plain(), "", ""),
        Block::List(items) => {
            let mut out = String::new();
            list(&mut out, items, 0);
            out
        }
        Block::Table(table) => {
            let headings: Vec<String> = table.headings.iter().map(Text::to_plain).collect();
            let rows: Vec<Vec<String>> = table
                .rows
                .iter()
                .map(|row| row.iter().map(|cell| cell.to_plain().replace('\n', " ")).collect())
                .collect();
            let columns: Vec<&str> = headings.iter().map(String::as_str).collect();
            self::table(&columns, &rows)
        }
        Block::Chart(_) => String::new(),
        Block::Markdown(text) => text.trim_end().to_string() + "\n",
    }
}

fn list(out: &mut String, items: &[ListItem], depth: usize) {
    let indent = "  ".repeat(depth);
    for item in items {
        out.push_str(&wrap(&item.text.to_plain(), &format!("{indent}- "), &format!("{indent}  ")));
        list(out, &item.children, depth + 1);
    }
}

/// `text` in lines of at most [`WIDTH`] characters (crux-lang's wrap).
fn wrap(text: &str, first: &str, rest: &str) -> String {
    crux_lang::render::wrap(text, first, rest, WIDTH)
}

/// An aligned text table: the first column and columns of text to the
/// left, columns of numbers to the right.
pub fn table(columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..columns.len())
        .map(|column| {
            column > 0
                && rows.iter().all(|row| {
                    let cell = row.get(column).map_or("", |cell| cell.trim());
                    cell.is_empty()
                        || cell.trim_start_matches(['+', '-', '−']).starts_with(|ch: char| ch.is_ascii_digit())
                })
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index > 0 {
                text.push_str("  ");
            }
            if numeric[index] {
                text.push_str(&format!("{cell:>width$}"));
            } else {
                text.push_str(&format!("{cell:<width$}"));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(columns.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
