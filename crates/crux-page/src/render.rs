//! Rendering a model's page as Markdown, as written, without numbers: the
//! frontmatter, then each section in the model's order (its heading, its body
//! kept as written, then what it shows: the question, the evaluation table, a
//! benefit or risk table, a crux with its table and notes, or the policy
//! list). The page with its numbers is the report's (`crux-report`).

use crate::markdown::escape_pipes;
use crux_lang::model::ModelFile;
use crux_lang::outline::{Assessment, Crux, Item, Section, Show};
use std::fmt::Write;

/// Renders the page of `model` as written. A computed assessment shows its rule.
pub fn render(model: &ModelFile) -> String {
    let mut out = model.frontmatter();
    out.push('\n');
    for section in &model.sections() {
        render_section(&mut out, model, section);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

fn render_section(out: &mut String, model: &ModelFile, section: &Section) {
    let page = &model.outline;
    if let Some(heading) = &section.heading {
        let _ = writeln!(out, "{} {heading}\n", "#".repeat(usize::from(section.level.clamp(1, 6))));
    }
    if let Some(body) = &section.body {
        let body = body.trim();
        if !body.is_empty() {
            let _ = writeln!(out, "{body}\n");
        }
    }
    match &section.show {
        None => {}
        Some(Show::Question) => {
            if let Some(question) = &page.question {
                let _ = writeln!(out, "**{}**: {}\n", question.label, question.text.trim());
            }
        }
        Some(Show::Evaluation { columns }) => {
            let rows: Vec<Vec<String>> = page
                .evaluation
                .iter()
                .map(|row| {
                    let assessment = match &row.assessment {
                        Assessment::Fixed(text) => text.clone(),
                        Assessment::Verdict(verdict) => format!("`{}`", verdict.text),
                    };
                    vec![row.dimension.clone(), assessment, row.notes.clone()]
                })
                .collect();
            table(out, columns, &rows);
        }
        Some(Show::Mechanisms { columns, mechanisms, .. }) => {
            let rows: Vec<Vec<String>> = mechanisms
                .iter()
                .filter_map(|&index| model.mechanisms.get(index))
                .map(|mechanism| {
                    vec![mechanism.display_name().to_string(), mechanism.mechanism.clone().unwrap_or_default()]
                })
                .collect();
            table(out, columns, &rows);
        }
        Some(Show::Crux(index)) => {
            if let Some(crux) = page.cruxes.get(*index) {
                render_crux(out, crux);
            }
        }
        Some(Show::Policies) => {
            for item in &page.policies {
                let _ = writeln!(out, "- {}", indent_continuation(&item_text(item)));
            }
            out.push('\n');
        }
    }
}

fn render_crux(out: &mut String, crux: &Crux) {
    if !crux.sides.is_empty() {
        table(out, &crux.sides, &crux.rows);
    }
    for note in &crux.notes {
        let _ = writeln!(out, "{}\n", item_text(note));
    }
}

/// `**label**: text`, or the text alone.
fn item_text(item: &Item) -> String {
    match &item.label {
        Some(label) => format!("**{label}**: {}", item.text.trim()),
        None => item.text.trim().to_string(),
    }
}

/// Later lines of a list item, indented under it.
fn indent_continuation(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// A Markdown table (a cell's pipes escaped, its line breaks made spaces).
pub fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let cell = |text: &str| escape_pipes(&text.replace('\n', " "));
    let line =
        |cells: &[String]| format!("| {} |", cells.iter().map(|text| cell(text)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "{}", line(header));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len().max(1)));
    for row in rows {
        let mut cells = row.clone();
        cells.resize(header.len(), String::new());
        let _ = writeln!(out, "{}", line(&cells));
    }
    out.push('\n');
}
