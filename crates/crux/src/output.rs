//! Output of `crux run` for the terminal (the JSON document is `crux_output::RunDocument`).

use crux_engine::RunOutput;
use crux_engine::format::significant;
use crux_lang::hir;

/// A plain-text table of a run for the terminal.
pub fn run_table(model: &hir::Model, output: &RunOutput, samples: usize, seed: u64) -> String {
    let header = &model.file.header;
    let unit = if header.unit.is_empty() { String::new() } else { format!(" ({})", header.unit) };
    let mut out = format!(
        "{}{}\n{samples} samples, seed {seed}\n\n",
        if header.title.is_empty() { &header.id } else { &header.title },
        ""
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
