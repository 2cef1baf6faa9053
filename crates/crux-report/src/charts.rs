//! The charts of a model's results, described once ([`crux_plot::Chart`]:
//! numbers and labels) and drawn by `crux plot` as SVG and PNG files and by
//! the web page as inline SVG (`crux_plot::inline`): net across the axis
//! with its bands, the threshold histogram (crux-analysis's `Threshold`, the
//! report's and the JSON's), the mechanisms' contributions, the share of
//! the uncertainty each crux and param carries (Sobol indices), the
//! regulation policy curve, and the robustness tornado
//! ([`crate::build::robustness_chart`]).

use crate::format::json_precise;
use crate::results::ReleaseAnswer;
use crate::words::Words;
use crux_analysis::crossing::{Crossing, zero_crossing};
use crux_analysis::inputs::{Inputs, OTHER_GROUP, OTHER_GROUP_NAME};
use crux_analysis::sobol::{Indices, Sensitivity};
use crux_analysis::threshold::Threshold;
use crux_engine::RunOutput;
use crux_engine::format::{short, significant};
use crux_lang::hir;
use crux_lang::outline::Crux;
use crux_plot::{
    Bands, Chart, Contribution, ContributionKind, Contributions, Histogram, Lines, Mark, Series, Tornado, TornadoRow,
    TornadoSection,
};

/// The regulation policy curve: the expected net per frontier release of
/// "open below T" for each threshold T, with the best T, the page's named
/// thresholds and "no threshold" marked.
pub fn policy_chart(release: &ReleaseAnswer, axis_label: &str, unit: &str) -> Chart {
    let policy = &release.policy;
    let curve: Vec<(f64, f64)> = policy.grid.iter().copied().zip(policy.curve()).collect();
    let (first, last) = (policy.grid.first().copied().unwrap_or(0.0), policy.grid.last().copied().unwrap_or(0.0));
    let (no_threshold, _) = release.no_threshold;
    let mut marks = Vec::new();
    if let Some(best) = release.best.threshold {
        marks.push(Mark {
            x: best,
            label: format!("best T = {}: {} {unit}", short(best), signed_short(release.best.value)),
        });
    }
    for comparison in &release.comparisons {
        marks.push(Mark {
            x: comparison.threshold,
            label: format!("{}: {} {unit}", comparison.label, signed_short(comparison.value)),
        });
    }
    Chart::Lines(Lines {
        title: "Regulation: open below T, closed above; which T is best".to_string(),
        x_label: format!("T: {axis_label}"),
        y_label: format!("expected net per frontier release ({unit})"),
        series: vec![
            Series { name: "\"open below T\"".to_string(), points: curve },
            Series {
                name: format!("no threshold: {} {unit}", signed_short(no_threshold)),
                points: vec![(first, no_threshold), (last, no_threshold)],
            },
        ],
        marks,
        zero_line: true,
    })
}

/// A value with its sign and two significant figures: `+4.5`, `-14`, `0`.
fn signed_short(value: f64) -> String {
    let text = significant(value, 2);
    if value > 0.0 && text != "0" { format!("+{text}") } else { text }
}

/// The model's unit, or "model units".
pub fn unit(model: &hir::Model) -> String {
    Words::new(model).unit().to_string()
}

/// The axis as charts label it: `c (log10 training FLOP)`.
pub fn axis_label(axis: &crux_lang::model::Axis) -> String {
    if axis.label.is_empty() { axis.name.name.clone() } else { format!("{} ({})", axis.name.name, axis.label) }
}

fn title(model: &hir::Model) -> &str {
    let title = model.file.header.title.trim();
    if title.is_empty() { &model.file.header.id } else { title }
}

/// Net across the axis: its mean, median and 50% and 90% bands, with the
/// place where E[net] turns negative marked.
pub fn net_chart(model: &hir::Model, run: &RunOutput) -> Chart {
    let axis_label = model.file.axis.as_ref().map_or_else(|| "x".to_string(), axis_label);
    let unit = unit(model);
    let mean: Vec<f64> = run.net.iter().map(|summary| summary.mean).collect();
    let marks = match zero_crossing(&run.points, &mean) {
        Crossing::At(x) => vec![Mark { x, label: format!("E[net] = 0 at {}", short(x)) }],
        _ => Vec::new(),
    };
    let note = match zero_crossing(&run.points, &mean) {
        Crossing::Never => " (E[net] is not negative at the end)",
        Crossing::Everywhere => " (E[net] is negative everywhere)",
        Crossing::At(_) => "",
    };
    Chart::Bands(Bands {
        title: format!("{}: net effect across the axis{note}", title(model)),
        x_label: axis_label.to_string(),
        y_label: format!("net = benefits - risks ({unit})"),
        x: run.points.clone(),
        mean,
        median: run.net.iter().map(|summary| summary.p50).collect(),
        p05: run.net.iter().map(|summary| summary.p05).collect(),
        p25: run.net.iter().map(|summary| summary.p25).collect(),
        p75: run.net.iter().map(|summary| summary.p75).collect(),
        p95: run.net.iter().map(|summary| summary.p95).collect(),
        marks,
    })
}

/// The histogram of per-sample thresholds: crux-analysis's `Threshold`, the
/// one the report, its JSON and the web page read. One bar per grid point as
/// a share of all samples; the median over all samples ("never" counted as
/// beyond the axis) marked, and written in the note with its 90% interval
/// as `crux run --format json` writes them.
pub fn threshold_chart(threshold: &Threshold, axis_label: &str) -> Chart {
    let grid = &threshold.grid;
    let sample = &threshold.sample;
    let total = sample.samples.max(1) as f64;
    let step = if grid.len() > 1 { grid[1] - grid[0] } else { 1.0 };
    let bins = grid
        .iter()
        .zip(&sample.counts)
        .map(|(x, count)| (x - step / 2.0, x + step / 2.0, 100.0 * *count as f64 / total))
        .collect();
    let end = threshold.grid_end();
    let value = |value: Option<f64>| {
        value.map_or_else(|| format!("beyond {}", short(end)), |value| json_precise(value).to_string())
    };
    let marks = match sample.capability.p50 {
        Some(median) => vec![Mark { x: median, label: format!("median {}", json_precise(median)) }],
        None => Vec::new(),
    };
    Chart::Histogram(Histogram {
        title: "Where each sample's net turns negative for good (never: beyond the axis)".to_string(),
        x_label: format!("threshold: {axis_label}"),
        y_label: "share of all samples (%)".to_string(),
        bins,
        note: Some(format!(
            "median {}, 90% interval {} to {}; never negative on the axis: {:.1}%; negative from the first point: {:.1}%",
            value(sample.capability.p50),
            value(sample.capability.p05),
            value(sample.capability.p95),
            100.0 * sample.never_share,
            100.0 * sample.from_start_share
        )),
        marks,
    })
}

/// The mechanisms' mean effects on net at one point, with net.
pub fn mechanism_chart(model: &hir::Model, run: &RunOutput, point: usize, at: &str, unit: &str) -> Chart {
    let index = run.points.len().min(point + 1) - 1;
    let index = if run.points.len() == 1 { 0 } else { index };
    let mut rows: Vec<Contribution> = run
        .mechanisms
        .iter()
        .zip(&model.file.mechanisms)
        .map(|(summary, mechanism)| {
            let mean = summary.mean[index];
            Contribution {
                label: mechanism.display_name().to_string(),
                value: if summary.benefit { mean } else { -mean },
                kind: if summary.benefit { ContributionKind::Benefit } else { ContributionKind::Risk },
            }
        })
        .collect();
    rows.push(Contribution { label: "net".to_string(), value: run.net[index].mean, kind: ContributionKind::Total });
    Chart::Contributions(Contributions {
        title: format!("Mechanisms at {at}: mean effect on net"),
        x_label: format!("mean contribution to net ({unit}); benefits add, risks subtract"),
        rows,
    })
}

/// Params shown in the importance chart, largest total index first.
pub const IMPORTANCE_PARAMS: usize = 15;

/// A crux as charts and tables name it: "Crux 2 (Misuse)", or its title
/// without a number.
pub fn crux_title(crux: &Crux) -> String {
    match crux.number {
        Some(number) => format!("Crux {number} ({})", crux.title),
        None => crux.title.clone(),
    }
}

/// A group of [`Inputs`] as charts name it: its crux's title, or
/// [`OTHER_GROUP_NAME`] for the params of no crux.
pub fn group_title(model: &hir::Model, group: &str) -> String {
    match model.file.outline.crux(group) {
        Some(crux) => crux_title(crux),
        None if group == OTHER_GROUP => OTHER_GROUP_NAME.to_string(),
        None => group.to_string(),
    }
}

/// Which inputs carry the uncertainty of net at one grid point (`at`, such
/// as "c = 26"): for a model with cruxes, each crux's total and
/// first-order Sobol index (its params varied together), then each
/// param's, the [`IMPORTANCE_PARAMS`] largest; largest total first in each
/// section. A model without cruxes has the params' section only, and a
/// `sensitivity` computed without factors' indices the cruxes' only.
pub fn importance_chart(model: &hir::Model, inputs: &Inputs, sensitivity: &Sensitivity, at: &str) -> Chart {
    let row = |label: String, indices: &Indices| TornadoRow {
        label,
        first: indices.first,
        total: indices.total,
        total_conf: indices.total_conf,
    };
    let by_total = |rows: &mut Vec<TornadoRow>| rows.sort_by(|a, b| b.total.total_cmp(&a.total));
    let has_cruxes = inputs.factors.iter().any(|factor| factor.crux.is_some());
    let mut sections = Vec::new();
    if has_cruxes {
        let mut rows: Vec<TornadoRow> = inputs
            .groups
            .iter()
            .zip(&sensitivity.groups)
            .map(|(group, indices)| row(group_title(model, &group.name), indices))
            .collect();
        by_total(&mut rows);
        sections.push(TornadoSection { heading: "Cruxes (their params varied together)".to_string(), rows });
    }
    // Without cruxes, each group is one param.
    let mut rows: Vec<TornadoRow> = if sensitivity.factors.len() == inputs.factors.len() {
        sensitivity.named_factors(inputs).iter().map(|(label, indices)| row(label.clone(), indices)).collect()
    } else if !has_cruxes {
        sensitivity.named_groups(inputs).iter().map(|(label, indices)| row(label.clone(), indices)).collect()
    } else {
        Vec::new()
    };
    if !rows.is_empty() {
        by_total(&mut rows);
        let shown = rows.len().min(IMPORTANCE_PARAMS);
        let heading = if shown < rows.len() {
            format!("Params (the {shown} largest of {})", rows.len())
        } else {
            "Params".to_string()
        };
        rows.truncate(shown);
        sections.push(TornadoSection { heading, rows });
    }
    Chart::Tornado(Tornado {
        title: format!("Which inputs carry the uncertainty of net at {at}"),
        x_label: "Sobol index: share of the variance of net".to_string(),
        sections,
    })
}
