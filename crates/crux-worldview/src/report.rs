//! Comparisons and pools as Markdown and plain text.

use crate::compare::{DoubleCrux, Position};
use crate::group::GroupView;
use std::fmt::Write;

fn probability(value: f64) -> String {
    format!("{value:.2}")
}

fn capability(value: Option<f64>) -> String {
    value.map_or_else(|| "none on the grid".to_string(), |value| format!("{value:.1}"))
}

/// The rows of the side-by-side table: a heading and one cell per position.
fn rows(positions: &[Position]) -> Vec<(String, Vec<String>)> {
    let mut rows = Vec::new();
    if let Some(first) = positions.first() {
        for (index, row) in first.evaluation.iter().enumerate() {
            rows.push((
                row.dimension.clone(),
                positions
                    .iter()
                    .map(|p| {
                        p.evaluation.get(index).map_or_else(String::new, |answer| {
                            format!("{} (P = {})", answer.verdict, probability(answer.p_positive))
                        })
                    })
                    .collect(),
            ));
        }
    }
    let cell = |f: &dyn Fn(&Position) -> String| positions.iter().map(f).collect::<Vec<_>>();
    rows.push(("Verdict now".to_string(), cell(&|p| p.now.map_or_else(String::new, |now| now.verdict.to_string()))));
    rows.push((
        "P(net > 0) now".to_string(),
        cell(&|p| p.now.map_or_else(String::new, |now| probability(now.p_positive))),
    ));
    rows.push((
        "E[net] now (bp)".to_string(),
        cell(&|p| p.now.map_or_else(String::new, |now| crux_engine::format::significant(now.mean, 3))),
    ));
    rows.push((
        "E[net] turns negative at (log10 FLOP)".to_string(),
        cell(&|p| p.threshold.map_or_else(String::new, |t| capability(t.mean_crossing))),
    ));
    rows.push((
        "Per-sample threshold, median (90% interval)".to_string(),
        cell(&|p| {
            // Quantiles over all samples: one beyond the grid's end is `None`.
            let shown = |value: Option<f64>| value.map_or_else(|| "beyond the grid".to_string(), |x| format!("{x:.1}"));
            p.threshold.map_or_else(String::new, |t| format!("{} ({} to {})", shown(t.p50), shown(t.p05), shown(t.p95)))
        }),
    ));
    rows.push((
        "Year the open frontier gets there (median)".to_string(),
        cell(&|p| p.threshold.and_then(|t| t.year_p50).map_or_else(String::new, |year| format!("{year:.1}"))),
    ));
    rows.push((
        "Best regulatory threshold T".to_string(),
        cell(&|p| match p.best_release_threshold {
            Some(Some(threshold)) => format!("open below 1e{threshold:.1} FLOP"),
            Some(None) => "no threshold".to_string(),
            None => String::new(),
        }),
    ));
    rows
}

/// A Markdown table of positions side by side.
pub fn positions_markdown(positions: &[Position]) -> String {
    let mut out = String::from("| |");
    for position in positions {
        let _ = write!(out, " {} |", position.label);
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(positions.len()));
    out.push('\n');
    for (heading, cells) in rows(positions) {
        let _ = writeln!(out, "| {heading} | {} |", cells.join(" | "));
    }
    out
}

/// A plain-text table of positions side by side.
pub fn positions_text(positions: &[Position]) -> String {
    let mut columns = vec![String::new()];
    columns.extend(positions.iter().map(|p| p.label.clone()));
    let table_rows: Vec<Vec<String>> =
        rows(positions).into_iter().map(|(heading, cells)| std::iter::once(heading).chain(cells).collect()).collect();
    let column_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    crux_report::text::table(&column_refs, &table_rows)
}

/// The double cruxes in Markdown: the finding, then every swap.
pub fn double_cruxes_markdown(pairs: &[DoubleCrux]) -> String {
    let mut out = String::new();
    for pair in pairs {
        let _ = writeln!(out, "### {} and {}\n\n{}\n", pair.a, pair.b, pair.summary);
        if pair.swaps.is_empty() {
            continue;
        }
        out.push_str(
            "| Crux | Who takes the other's view | Verdict now | Threshold (log10 FLOP) |\n|---|---|---|---|\n",
        );
        for swap in &pair.swaps {
            let verdict = match (swap.verdict_before, swap.verdict_after) {
                (Some(before), Some(after)) => format!("{before} → {after}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | {} takes {}'s | {verdict} | {} → {} |",
                swap.crux_title,
                swap.view,
                swap.from_view,
                capability(swap.threshold_before),
                capability(swap.threshold_after)
            );
        }
        out.push('\n');
    }
    out
}

/// A pool in Markdown: the group's answers and where its members disagree.
pub fn group_markdown(group: &GroupView) -> String {
    let mut out = format!("## The group view ({} pooling of {} members)\n\n", group.method, group.members.len());
    let mut positions = vec![group.pooled.clone()];
    positions.extend(group.members.iter().cloned());
    out.push_str(&positions_markdown(&positions));
    out.push_str("\n## Where the group disagrees\n\n");
    for line in &group.disagreement {
        let _ = writeln!(out, "- {line}");
    }
    out
}
