//! Inline SVG charts of a run, drawn on the server so that the page needs no
//! script to show them: net across the axis with its 50% and 90% bands and
//! the threshold, the histogram of per-sample thresholds, the share of
//! the uncertainty each crux carries (crux importance), and how far the
//! threshold moves with each judgement (the robustness tornado).

use crate::compute::{ReportRun, SensitivityRun};
use crate::summary::{Place, axis_values, mean_zero};
use crux_analysis::robustness::Robustness;
use crux_analysis::sobol::Indices;
use crux_analysis::threshold::Threshold;
use crux_engine::format::significant;
use crux_plot::inline::{self, BOTTOM, RIGHT, Scale, TOP, WIDTH, escape, ticks};
use crux_report::charts::threshold_chart;
use std::fmt::Write;

/// Net across the axis (crux-report's description, drawn by crux-plot as
/// inline SVG), with the place where E[net] turns negative in `data-crossing`
/// (`below` from the start, `never`). `None` for a model without an axis.
pub fn net_chart(run: &ReportRun) -> Option<String> {
    let chart = inline::svg(run.net_chart.as_ref()?, "net-chart")?;
    let document = &run.document;
    let crossing = match mean_zero(&axis_values(document), &document.net.mean) {
        Place::At(value) => significant(value, 4),
        Place::FromStart => "below".to_string(),
        Place::Never => "never".to_string(),
    };
    Some(chart.replacen("<svg ", &format!(r#"<svg data-crossing="{crossing}" "#), 1))
}

/// The histogram of per-sample thresholds (crux-analysis's `Threshold`, the
/// report's, described by crux-report as `crux plot` draws it): one bar per
/// grid point as a share of all samples, the median over all samples marked.
pub fn threshold_histogram(threshold: &Threshold, axis_label: &str) -> Option<String> {
    if threshold.grid.len() < 2 || threshold.sample.samples == 0 {
        return None;
    }
    inline::svg(&threshold_chart(threshold, axis_label), "threshold-chart")
}

/// About six vertical grid lines down to `bottom`, each with its value
/// (`digits` significant figures) under it: the grid of the bar charts.
fn vertical_grid(out: &mut String, x: &Scale, bottom: f64, digits: usize) {
    for tick in ticks(x.from.0, x.from.1, 6) {
        let px = x.at(tick);
        let _ = write!(
            out,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{bottom:.1}" class="grid"/><text x="{px:.1}" y="{t:.1}" class="tick" text-anchor="middle">{label}</text>"##,
            t = bottom + 16.0,
            label = significant(tick, digits)
        );
    }
}

/// Rows of the crux-importance chart at most (the largest shares).
const IMPORTANCE_ROWS: usize = 12;

/// Each crux's share of the variance of net (total Sobol index, with its 95%
/// interval as a whisker, and the first-order index as an inner bar), largest
/// first. For a model without cruxes, each param's.
pub fn importance_chart(run: &SensitivityRun) -> Option<String> {
    let mut rows: Vec<&(String, Indices)> = run.groups.iter().collect();
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    rows.truncate(IMPORTANCE_ROWS);
    const ROW: f64 = 28.0;
    const LABELS: f64 = 220.0;
    let height = TOP + ROW * rows.len() as f64 + BOTTOM;
    let top = rows.iter().map(|(_, indices)| indices.total + indices.total_conf).fold(0.0f64, f64::max);
    let x = Scale { from: (0.0, top.clamp(0.05, 1.5) * 1.05), to: (LABELS, WIDTH - RIGHT) };
    let what = if run.by_crux { "crux" } else { "param" };
    let at = match (&run.axis_name, run.document.at) {
        (Some(name), Some(value)) => format!(" at {name} = {}", significant(value, 4)),
        _ => String::new(),
    };
    let title = format!("Share of the uncertainty in net{at} carried by each {what}");
    let mut out = format!(
        r#"<svg id="importance-chart" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}"><title>{title}</title>"#,
        title = escape(&title)
    );
    let bottom = height - BOTTOM;
    vertical_grid(&mut out, &x, bottom, 3);
    for (index, (name, indices)) in rows.iter().enumerate() {
        let y0 = TOP + ROW * index as f64;
        let (total, first) = (indices.total.max(0.0), indices.first.clamp(0.0, indices.total.max(0.0)));
        let _ = write!(
            out,
            r#"<g class="importance" data-name="{name}" data-total="{total:.4}"><text x="{lx:.1}" y="{ty:.1}" class="tick label" text-anchor="end">{name}</text><rect class="bar total" x="{LABELS}" y="{by:.1}" width="{tw:.1}" height="{bh:.1}"/><rect class="bar first" x="{LABELS}" y="{fy:.1}" width="{fw:.1}" height="{fh:.1}"/>"#,
            name = escape(name),
            lx = LABELS - 8.0,
            ty = y0 + ROW / 2.0 + 4.0,
            by = y0 + 4.0,
            tw = (x.at(total) - LABELS).max(0.5),
            bh = ROW - 8.0,
            fy = y0 + ROW / 2.0 - 3.0,
            fw = (x.at(first) - LABELS).max(0.0),
            fh = 6.0,
        );
        if indices.total_conf > 0.0 {
            let (_, end) = x.from;
            let (low, high) = (
                x.at((indices.total - indices.total_conf).clamp(0.0, end)),
                x.at((indices.total + indices.total_conf).clamp(0.0, end)),
            );
            let cy = y0 + ROW / 2.0;
            let _ = write!(
                out,
                r#"<line class="whisker" x1="{low:.1}" x2="{high:.1}" y1="{cy:.1}" y2="{cy:.1}"/><line class="whisker" x1="{high:.1}" x2="{high:.1}" y1="{a:.1}" y2="{b:.1}"/>"#,
                a = cy - 4.0,
                b = cy + 4.0
            );
        }
        out.push_str("</g>");
    }
    let _ = write!(
        out,
        r##"<text x="{cx:.1}" y="{by:.1}" class="axis-label" text-anchor="middle">share of the variance of net (Sobol index)</text></svg>"##,
        cx = (LABELS + WIDTH - RIGHT) / 2.0,
        by = height - 8.0,
    );
    Some(out)
}

/// The robustness tornado: for each judgement param (largest swing first),
/// where E[net] turns negative with it held at its 10th percentile (upper,
/// orange bar) and at its 90th (lower, blue bar), each bar drawn from the
/// crossing with every param as drawn (the dark line). A crossing beyond the
/// grid is drawn one step past its end and labelled "never". The chart has a
/// title and a description listing every row, for screen readers. `None`
/// without rows.
pub fn robustness_chart(robustness: &Robustness, axis_name: &str) -> Option<String> {
    if robustness.rows.is_empty() {
        return None;
    }
    const ROW: f64 = 30.0;
    const LABELS: f64 = 190.0;
    const LEGEND: f64 = 24.0;
    let beyond = robustness.beyond_grid();
    let value = |crossing: Option<f64>| crossing.unwrap_or(beyond);
    let text = |crossing: Option<f64>| crossing.map_or_else(|| "never".to_string(), |value| significant(value, 4));
    let base = value(robustness.base.crossing);
    let values: Vec<f64> = robustness
        .rows
        .iter()
        .flat_map(|row| [value(row.at_low.crossing), value(row.at_high.crossing)])
        .chain(std::iter::once(base))
        .collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((high - low) * 0.08).max(0.25);
    let x = Scale { from: (low - pad, high + pad), to: (LABELS, WIDTH - RIGHT - 24.0) };
    let height = TOP + ROW * robustness.rows.len() as f64 + BOTTOM + LEGEND;
    let bottom = TOP + ROW * robustness.rows.len() as f64;
    let title = "How robust the answer is: where E[net] turns negative, one judgement at a time";
    let (min, max) = robustness.crossing_range();
    let mut description = format!(
        "With every judgement as drawn, E[net] stays negative from {axis_name} = {}. ",
        text(robustness.base.crossing)
    );
    for row in &robustness.rows {
        let _ = write!(
            description,
            "{}: {} at its 10th percentile, {} at its 90th. ",
            row.name,
            text(row.at_low.crossing),
            text(row.at_high.crossing)
        );
    }
    let mut out = format!(
        r#"<svg id="robustness-chart" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="robustness-title robustness-desc" data-crossing-min="{min}" data-crossing-max="{max}" data-crossing-base="{base_text}"><title id="robustness-title">{title}</title><desc id="robustness-desc">{description}</desc>"#,
        min = text(min),
        max = text(max),
        base_text = text(robustness.base.crossing),
        title = escape(title),
        description = escape(description.trim_end()),
    );
    vertical_grid(&mut out, &x, bottom, 4);
    let grid_end = robustness.grid.last().copied().unwrap_or(beyond);
    if values.iter().any(|value| *value > grid_end) {
        let px = x.at(grid_end);
        let _ = write!(
            out,
            r#"<line class="threshold" x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{bottom:.1}"/><text class="threshold-label" x="{tx:.1}" y="{ty:.1}" text-anchor="end">end of the grid</text>"#,
            tx = px - 3.0,
            ty = TOP + 10.0,
        );
    }
    let bx = x.at(base);
    for (index, row) in robustness.rows.iter().enumerate() {
        let y0 = TOP + ROW * index as f64;
        let _ = write!(
            out,
            r#"<g class="swing" data-param="{name}" data-crossing-low="{low_text}" data-crossing-high="{high_text}"><text x="{lx:.1}" y="{ty:.1}" class="tick label" text-anchor="end">{name}</text>"#,
            name = escape(&row.name),
            low_text = text(row.at_low.crossing),
            high_text = text(row.at_high.crossing),
            lx = LABELS - 8.0,
            ty = y0 + ROW / 2.0 + 4.0,
        );
        for (crossing, upper, fill) in
            [(row.at_low.crossing, true, "#e67e22"), (row.at_high.crossing, false, "#1f5fa8")]
        {
            let px = x.at(value(crossing));
            let top = if upper { y0 + 3.0 } else { y0 + ROW / 2.0 };
            let bar = ROW / 2.0 - 3.0;
            let (left, width) = if px >= bx { (bx, px - bx) } else { (px, bx - px) };
            let (tx, anchor) = if px >= bx { (px + 3.0, "start") } else { (px - 3.0, "end") };
            let _ = write!(
                out,
                r#"<rect class="swing-{side}" fill="{fill}" x="{left:.1}" y="{top:.1}" width="{width:.1}" height="{bar:.1}"/><text x="{tx:.1}" y="{ty:.1}" class="tick" text-anchor="{anchor}">{label}</text>"#,
                side = if upper { "low" } else { "high" },
                width = width.max(1.0),
                ty = top + bar - 3.0,
                label = text(crossing),
            );
        }
        out.push_str("</g>");
    }
    let _ =
        write!(out, r#"<line class="zero" stroke-width="2" x1="{bx:.1}" x2="{bx:.1}" y1="{TOP}" y2="{bottom:.1}"/>"#);
    let legend = height - 10.0;
    let _ = write!(
        out,
        r##"<text x="{cx:.1}" y="{ay:.1}" class="axis-label" text-anchor="middle">{axis} from which E[net] stays negative</text><rect fill="#e67e22" x="{LABELS}" y="{ly:.1}" width="12" height="10"/><text x="{t1:.1}" y="{legend:.1}" class="tick">held at its 10th percentile</text><rect fill="#1f5fa8" x="{x2:.1}" y="{ly:.1}" width="12" height="10"/><text x="{t2:.1}" y="{legend:.1}" class="tick">at its 90th</text><text x="{t3:.1}" y="{legend:.1}" class="tick">line: every judgement as drawn</text></svg>"##,
        cx = (LABELS + WIDTH - RIGHT) / 2.0,
        ay = bottom + 34.0,
        axis = escape(axis_name),
        ly = legend - 9.0,
        t1 = LABELS + 16.0,
        x2 = LABELS + 180.0,
        t2 = LABELS + 196.0,
        t3 = LABELS + 280.0,
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{escape, ticks};

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(23.0, 29.0, 8), vec![23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0]);
        let values = ticks(-12.0, 40.0, 6);
        assert_eq!(values, vec![-10.0, 0.0, 10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn the_robustness_tornado_names_every_row_for_screen_readers() {
        use crux_analysis::robustness::{Outcome, Robustness, Row};
        let outcome = |crossing| Outcome { crossing, now_mean: Some(1.0), now_p_positive: Some(0.5) };
        let row = |name: &str, low, high| Row {
            param: 0,
            name: name.to_string(),
            label: None,
            low: 0.0,
            high: 1.0,
            at_low: outcome(low),
            at_high: outcome(high),
        };
        let robustness = Robustness {
            grid: vec![23.0, 24.0, 25.0],
            samples: 1000,
            seed: 1,
            base: outcome(Some(24.0)),
            rows: vec![row("a<b", Some(23.0), None), row("flat", Some(24.0), Some(24.0))],
        };
        let svg = super::robustness_chart(&robustness, "c").expect("a chart");
        assert!(svg.starts_with("<svg id=\"robustness-chart\""), "{svg}");
        assert!(svg.contains("role=\"img\"") && svg.contains("<title id=\"robustness-title\">"), "{svg}");
        assert!(svg.contains("a&lt;b: 23 at its 10th percentile, never at its 90th."), "{svg}");
        assert!(svg.contains("data-crossing-min=\"23\" data-crossing-max=\"never\""), "{svg}");
        assert!(svg.contains("end of the grid"), "{svg}");
        assert_eq!(svg.matches("<g class=\"swing\"").count(), 2);
        assert!(svg.ends_with("</svg>"));
        let empty = Robustness { rows: Vec::new(), ..robustness };
        assert!(super::robustness_chart(&empty, "c").is_none());
    }
}
