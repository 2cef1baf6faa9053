//! Terminal views: aligned plain-text tables of a run, and a compact view of
//! a model's page with its answers.

use crate::format::{capability, effect, interval, probability, signed};
use crate::markdown::{answer_lines, sensitivity_method, sensitivity_summary, sensitivity_table, threshold_lines};
use crate::results::PageResults;
use crux_engine::RunOutput;
use crux_engine::format::significant;
use crux_lang::hir;
use crux_lang::model::Side;
use crux_lang::page::Assessment;
use std::fmt::Write;

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
        let picks = spread_indices(output.points.len(), 7);
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

/// The page's answers for the terminal.
pub fn page(model: &hir::Model, results: &PageResults) -> String {
    let file = &model.file;
    let page = &file.page;
    let unit = if file.header.unit.is_empty() { String::new() } else { format!(" ({})", file.header.unit) };
    let mut out = String::new();
    let title = if file.header.title.is_empty() { &file.header.id } else { &file.header.title };
    let _ = writeln!(out, "{title}\n{} samples, seed {}\n", results.samples, results.seed);
    if let Some(question) = &page.question {
        let _ = writeln!(out, "{}: {}\n", question.label, question.text);
    }
    if !page.evaluation.is_empty() {
        out.push_str("Evaluation\n");
        let rows: Vec<Vec<String>> = page
            .evaluation
            .iter()
            .zip(&results.evaluation)
            .map(|(row, computed)| match (&row.assessment, computed) {
                (Assessment::Verdict(_), Some(verdict)) => vec![
                    row.dimension.clone(),
                    verdict.label.as_str().to_string(),
                    format!("P(net > 0) = {}", probability(verdict.probability)),
                ],
                (Assessment::Fixed(text), _) => vec![row.dimension.clone(), text.clone(), row.notes.clone()],
                (Assessment::Verdict(rule), None) => vec![row.dimension.clone(), rule.text.clone(), String::new()],
            })
            .collect();
        out.push_str(&indent(&table(&["dimension", "assessment", "notes"], &rows)));
        out.push('\n');
    }
    if let Some(now) = &results.now {
        let _ = writeln!(
            out,
            "At the open frontier now{unit}: E[net] = {} (90% {}), P(net > 0) = {}",
            signed(now.net.mean),
            interval(&now.net),
            probability(now.p_positive)
        );
        let rows: Vec<Vec<String>> = file
            .mechanisms
            .iter()
            .zip(&now.mechanisms)
            .map(|(mechanism, summary)| {
                vec![
                    mechanism.display_name().to_string(),
                    if mechanism.side == Side::Benefit { "benefit" } else { "risk" }.to_string(),
                    effect(summary.mean),
                    interval(summary),
                ]
            })
            .collect();
        out.push_str(&indent(&table(&["mechanism", "side", "mean", "90% interval"], &rows)));
        out.push('\n');
    }
    if let Some(threshold) = &results.threshold {
        out.push_str("Capability threshold\n");
        for line in threshold_lines(model, threshold) {
            let _ = writeln!(out, "  - {}", plain(&line));
        }
        out.push('\n');
    }
    if !page.policies.is_empty() {
        out.push_str("Policy implications\n");
        for (item, answer) in page.policies.iter().zip(&results.policies) {
            let _ = writeln!(out, "  {}", item.text);
            if let Some(answer) = answer {
                for line in answer_lines(model, results, answer) {
                    let _ = writeln!(out, "    - {}", plain(&line));
                }
            }
        }
        out.push('\n');
    }
    if let Some(sensitivity) = &results.sensitivity {
        let _ = writeln!(out, "{}", plain(&sensitivity_summary(sensitivity)));
        let (headings, rows) = sensitivity_table(sensitivity);
        let rows: Vec<Vec<String>> = rows.iter().map(|row| row.iter().map(|cell| plain(cell)).collect()).collect();
        out.push_str(&indent(&table(&headings, &rows)));
        let _ = writeln!(out, "{}\n", plain(&sensitivity_method(sensitivity)));
    }
    if results.run.points.len() > 1 {
        let axis = crate::markdown::axis_name(model);
        let _ = writeln!(out, "Net by capability{unit}");
        let rows: Vec<Vec<String>> = results
            .run
            .points
            .iter()
            .zip(&results.run.net)
            .filter(|(x, _)| crate::format::on_half_step(**x))
            .map(|(x, summary)| {
                vec![
                    capability(*x),
                    signed(summary.mean),
                    format!("{} to {}", effect(summary.p05), effect(summary.p95)),
                    probability(summary.p_positive),
                ]
            })
            .collect();
        out.push_str(&indent(&table(&[axis.as_str(), "E[net]", "90% interval", "P(net>0)"], &rows)));
    }
    out
}

/// Markdown emphasis and code marks removed.
fn plain(text: &str) -> String {
    let text = text.replace("**", "").replace('`', "");
    let text = text.trim();
    match text.strip_prefix('_').and_then(|inner| inner.strip_suffix('_')) {
        Some(inner) => inner.to_string(),
        None => text.to_string(),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}\n")).collect()
}

/// Up to `count` indices spread evenly over `0..len`, ends included.
fn spread_indices(len: usize, count: usize) -> Vec<usize> {
    if len <= count {
        return (0..len).collect();
    }
    let mut picks: Vec<usize> = (0..count).map(|i| (i * (len - 1) + (count - 1) / 2) / (count - 1)).collect();
    picks.dedup();
    picks
}

/// A right-aligned text table (first column left-aligned).
pub fn table(columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index == 0 {
                text.push_str(&format!("{cell:<width$}"));
            } else {
                text.push_str(&format!("  {cell:>width$}"));
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
