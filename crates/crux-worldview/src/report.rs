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
    // "now", or where net was read for a model without it.
    let now = match positions.first().and_then(|p| p.now).and_then(|now| now.at) {
        Some(at) => format!("at {}", crux_engine::format::significant(at, 4)),
        None => "now".to_string(),
    };
    let unit = positions.first().map_or("model units", |p| p.unit.as_str());
    rows.push(("Verdict now".to_string(), cell(&|p| p.now.map_or_else(String::new, |now| now.verdict.to_string()))));
    rows.push((
        "P(net > 0) now".to_string(),
        cell(&|p| p.now.map_or_else(String::new, |now| probability(now.p_positive))),
    ));
    rows.push((
        format!("E[net] now ({unit})"),
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
    // A row no position answers (a model without an axis or a policy) is left out.
    rows.retain(|(_, cells)| cells.iter().any(|cell| !cell.is_empty()));
    for (heading, _) in &mut rows {
        *heading = heading.replace(" now", &format!(" {now}"));
    }
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
        // The threshold column only where some view has a threshold.
        let thresholds =
            pair.swaps.iter().any(|swap| swap.threshold_before.is_some() || swap.threshold_after.is_some());
        out.push_str("| Crux | Who takes the other's view | Verdict now | E[net] now | P(net > 0) now |");
        out.push_str(if thresholds {
            " Threshold (log10 FLOP) |\n|---|---|---|---|---|---|\n"
        } else {
            "\n|---|---|---|---|---|\n"
        });
        let change = |before: Option<String>, after: Option<String>| match (before, after) {
            (Some(before), Some(after)) => format!("{before} → {after}"),
            _ => String::new(),
        };
        for swap in &pair.swaps {
            let verdict = change(swap.verdict_before.map(str::to_string), swap.verdict_after.map(str::to_string));
            let mean = change(
                swap.mean_before.map(|mean| crux_engine::format::significant(mean, 3)),
                swap.mean_after.map(|mean| crux_engine::format::significant(mean, 3)),
            );
            let p_positive = change(swap.p_positive_before.map(probability), swap.p_positive_after.map(probability));
            let _ = write!(
                out,
                "| {} | {} takes {}'s | {verdict} | {mean} | {p_positive} |",
                swap.crux_title, swap.view, swap.from_view
            );
            if thresholds {
                let _ = write!(out, " {} → {} |", capability(swap.threshold_before), capability(swap.threshold_after));
            }
            out.push('\n');
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
