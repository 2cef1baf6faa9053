//! `crux plot`: charts of a model as SVG and PNG files (also written by
//! `crux run --plots`). The engine, the analyses and the report compute; this
//! module only chooses the charts and their labels.

use crate::Outcome;
use crate::commands::target;
use crate::input::{Failure, Override};
use crux_analysis::crossing::{Crossing, zero_crossing};
use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{SobolOptions, sobol_indices};
use crux_analysis::threshold::Threshold;
use crux_analysis::voi::{VoiOptions, value_of_information};
use crux_engine::format::{short, significant};
use crux_engine::{Engine, RunOptions, RunOutput};
use crux_lang::outline::Analysis;
use crux_lang::{Diagnostic, Sources, hir};
use crux_plot::{
    Bands, Chart, Contribution, ContributionKind, Contributions, Histogram, Lines, Mark, Series, Tornado, TornadoRow,
    TornadoSection,
};
use crux_report::format::json_precise;
use crux_report::results::{Answer, ReleaseAnswer, has_robustness};
use crux_report::{Options, Results, compute};
use std::path::{Path, PathBuf};

/// Most rows of the Saltelli design for the sensitivity chart.
const SENSITIVITY_SAMPLES: usize = 1 << 14;
/// Most model runs per crux for the value-of-information chart.
const VOI_SAMPLES: usize = 1 << 16;
/// Params shown in the sensitivity chart, largest total index first.
const TORNADO_PARAMS: usize = 15;
/// Cruxes (or params) drawn in the value-of-information chart.
const VOI_LINES: usize = 7;

#[derive(clap::Args)]
pub struct PlotArgs {
    /// The model file (.toml).
    pub model: Option<PathBuf>,
    /// The directory to write the charts to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The point of the axis for the sensitivity and mechanism charts
    /// (the nearest grid point; default: the open frontier now, else the middle of the axis).
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub at: Option<f64>,
    /// Monte Carlo samples for the bands, thresholds and mechanisms; the
    /// sensitivity chart uses up to 2^14 rows and the value-of-information
    /// chart up to 2^16 runs per crux, fewer when this is smaller.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    pub samples: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace a param's value: NAME=EXPR (repeatable).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub overrides: Vec<Override>,
}

pub fn plot(sources: &mut Sources, args: &PlotArgs) -> Outcome {
    let (model, engine) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let point = target::point(&model, args.at)?;
    // The policy curve comes from the page's regulation answer, when the page asks it.
    let results = if has_release_policy(&model) || has_robustness(&model) {
        let options = Options { robustness: true, ..Options::new(args.samples, args.seed) };
        Some(compute(&model, &options).map_err(Failure::input)?)
    } else {
        None
    };
    let written = write_charts(&model, &engine, point, args.samples, args.seed, results.as_ref(), &args.out)?;
    let files: usize = written.iter().map(|chart| chart.paths.len()).sum();
    let mut text = format!("wrote {} charts ({files} files) to {}:\n", written.len(), args.out.display());
    for path in written.iter().flat_map(|chart| &chart.paths) {
        text.push_str(&format!("  {}\n", path.display()));
    }
    Ok(text)
}

/// A chart written to files.
pub struct Written {
    pub title: String,
    /// The SVG file, then the PNG file.
    pub paths: Vec<PathBuf>,
}

/// Whether the model's page asks which release threshold a regulator should set.
pub fn has_release_policy(model: &hir::Model) -> bool {
    model.file.outline.policies.iter().any(|item| matches!(item.answer, Some(Analysis::ReleaseThreshold { .. })))
}

/// Writes every chart the model supports to `out` (created if missing):
/// net with bands, the threshold histogram, mechanisms at grid point
/// `point`, the sensitivity tornado, the value of information across the
/// axis and, given the page's results, the policy curve (with a regulation
/// answer) and the robustness tornado (with judgement params).
pub fn write_charts(
    model: &hir::Model,
    engine: &Engine,
    point: usize,
    samples: usize,
    seed: u64,
    results: Option<&Results>,
    out: &Path,
) -> Result<Vec<Written>, Failure> {
    std::fs::create_dir_all(out)
        .map_err(|error| Failure::from(Diagnostic::error(format!("cannot create `{}`: {error}", out.display()))))?;
    let mut written = Vec::new();
    for (stem, chart) in charts(model, engine, point, samples, seed, results)? {
        let paths = chart.write(out, &stem).map_err(|error| Failure::from(Diagnostic::error(error.to_string())))?;
        written.push(Written { title: chart.title().to_string(), paths });
    }
    Ok(written)
}

/// Every chart the model supports, with its file stem.
fn charts(
    model: &hir::Model,
    engine: &Engine,
    point: usize,
    samples: usize,
    seed: u64,
    results: Option<&Results>,
) -> Result<Vec<(String, Chart)>, Failure> {
    let unit = unit(model);
    let at = target::describe(model, engine, point);
    let mut charts = Vec::new();
    let keep = RunOptions { keep_net: model.file.axis.is_some(), ..RunOptions::new(samples, seed) };
    let run = engine.run(&keep)?;
    if let Some(axis) = &model.file.axis {
        let axis_label = axis_label(axis);
        charts.push(("net".to_string(), net_chart(model, &run, &axis_label, &unit)));
        if let Some(net) = run.net_samples.as_ref().filter(|_| engine.grid().len() > 1) {
            let threshold = Threshold::new(engine.grid(), &run.net, net, None);
            charts.push(("thresholds".to_string(), threshold_chart(&threshold, &axis_label)));
        }
    }
    charts.push(("mechanisms".to_string(), mechanism_chart(model, &run, point, &at, &unit)));
    let inputs = Inputs::of(engine);
    if inputs.dimension > 0 {
        let rows = (samples / 4).clamp(256, SENSITIVITY_SAMPLES).next_power_of_two().min(SENSITIVITY_SAMPLES);
        charts.push(("sensitivity".to_string(), sensitivity_chart(engine, &inputs, point, &at, rows, seed)?));
        if let Some(axis) = &model.file.axis {
            let runs = samples.min(VOI_SAMPLES);
            charts.push(("voi".to_string(), voi_chart(engine, &inputs, &axis_label(axis), &unit, runs, seed)?));
        }
    }
    let release = results.and_then(|results| {
        results.policies.iter().flatten().find_map(|answer| match answer {
            Answer::ReleaseThreshold(release) => Some(release),
            _ => None,
        })
    });
    if let (Some(release), Some(axis)) = (release, &model.file.axis) {
        charts.push(("policy".to_string(), policy_chart(release, &axis_label(axis), &unit)));
    }
    if let Some(robustness) = results.and_then(|results| results.robustness.as_ref()) {
        let chart = crux_report::build::robustness_chart(crux_report::words::Words::new(model), robustness);
        charts.push(("robustness".to_string(), chart));
    }
    Ok(charts)
}

/// The regulation policy curve: the expected net per frontier release of
/// "open below T" for each threshold T, with the best T, the page's named
/// thresholds and "no threshold" marked.
fn policy_chart(release: &ReleaseAnswer, axis_label: &str, unit: &str) -> Chart {
    let policy = &release.policy;
    let curve: Vec<(f64, f64)> = policy.grid.iter().copied().zip(policy.curve()).collect();
    let (first, last) = (policy.grid.first().copied().unwrap_or(0.0), policy.grid.last().copied().unwrap_or(0.0));
    let (no_threshold, _) = release.no_threshold;
    let mut marks = Vec::new();
    if let Some(best) = release.best.threshold {
        marks.push(Mark { x: best, label: format!("best T = {}: {} {unit}", short(best), signed(release.best.value)) });
    }
    for comparison in &release.comparisons {
        marks.push(Mark {
            x: comparison.threshold,
            label: format!("{}: {} {unit}", comparison.label, signed(comparison.value)),
        });
    }
    Chart::Lines(Lines {
        title: "Regulation: open below T, closed above; which T is best".to_string(),
        x_label: format!("T: {axis_label}"),
        y_label: format!("expected net per frontier release ({unit})"),
        series: vec![
            Series { name: "\"open below T\"".to_string(), points: curve },
            Series {
                name: format!("no threshold: {} {unit}", signed(no_threshold)),
                points: vec![(first, no_threshold), (last, no_threshold)],
            },
        ],
        marks,
        zero_line: true,
    })
}

/// A value with its sign and two significant figures: `+4.5`, `-14`, `0`.
fn signed(value: f64) -> String {
    let text = significant(value, 2);
    if value > 0.0 && text != "0" { format!("+{text}") } else { text }
}

fn unit(model: &hir::Model) -> String {
    let unit = model.file.header.unit.trim();
    if unit.is_empty() { "model units".to_string() } else { unit.to_string() }
}

fn axis_label(axis: &crux_lang::model::Axis) -> String {
    if axis.label.is_empty() { axis.name.name.clone() } else { format!("{} ({})", axis.name.name, axis.label) }
}

fn title(model: &hir::Model) -> &str {
    let title = model.file.header.title.trim();
    if title.is_empty() { &model.file.header.id } else { title }
}

fn net_chart(model: &hir::Model, run: &RunOutput, axis_label: &str, unit: &str) -> Chart {
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
fn threshold_chart(threshold: &Threshold, axis_label: &str) -> Chart {
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

fn mechanism_chart(model: &hir::Model, run: &RunOutput, point: usize, at: &str, unit: &str) -> Chart {
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

fn sensitivity_chart(
    engine: &Engine,
    inputs: &Inputs,
    point: usize,
    at: &str,
    rows: usize,
    seed: u64,
) -> Result<Chart, Failure> {
    let result = sobol_indices(engine, inputs, &SobolOptions::new(rows, seed, point))?;
    let row = |label: String, indices: &crux_analysis::sobol::Indices| TornadoRow {
        label,
        first: indices.first,
        total: indices.total,
        total_conf: indices.total_conf,
    };
    let mut sections = Vec::new();
    if inputs.factors.iter().any(|factor| factor.crux.is_some()) {
        let mut rows: Vec<TornadoRow> =
            inputs.groups.iter().zip(&result.groups).map(|(group, indices)| row(group.name.clone(), indices)).collect();
        rows.sort_by(|a, b| b.total.total_cmp(&a.total));
        sections.push(TornadoSection { heading: "Cruxes (their params varied together)".to_string(), rows });
    }
    let mut rows: Vec<TornadoRow> =
        (0..inputs.factors.len()).map(|index| row(inputs.label(index), &result.factors[index])).collect();
    rows.sort_by(|a, b| b.total.total_cmp(&a.total));
    let shown = rows.len().min(TORNADO_PARAMS);
    let heading = if shown < rows.len() {
        format!("Params (the {shown} largest of {})", rows.len())
    } else {
        "Params".to_string()
    };
    rows.truncate(shown);
    sections.push(TornadoSection { heading, rows });
    Ok(Chart::Tornado(Tornado {
        title: format!("Which inputs carry the uncertainty of net at {at}"),
        x_label: "Sobol index: share of the variance of net".to_string(),
        sections,
    }))
}

fn voi_chart(
    engine: &Engine,
    inputs: &Inputs,
    axis_label: &str,
    unit: &str,
    runs: usize,
    seed: u64,
) -> Result<Chart, Failure> {
    let by_crux = inputs.factors.iter().any(|factor| factor.crux.is_some());
    let points: Vec<usize> = (0..engine.grid().len()).collect();
    let values = value_of_information(engine, inputs, &VoiOptions::new(runs, seed, points))?;
    let grid = engine.grid();
    let mut series = vec![Series {
        name: "EVPI: learn everything".to_string(),
        points: values.iter().map(|v| (grid[v.point], v.evpi.value)).collect(),
    }];
    let mut groups: Vec<Series> = inputs
        .groups
        .iter()
        .enumerate()
        .map(|(index, group)| Series {
            name: format!("EVPPI: learn {}", group.name),
            points: values.iter().map(|v| (grid[v.point], v.evppi[index].value)).collect(),
        })
        .collect();
    let peak = |series: &Series| series.points.iter().map(|point| point.1).fold(0.0, f64::max);
    groups.sort_by(|a, b| peak(b).total_cmp(&peak(a)));
    groups.truncate(VOI_LINES);
    series.extend(groups);
    Ok(Chart::Lines(Lines {
        title: format!("What resolving each {} is worth", if by_crux { "crux" } else { "param" }),
        x_label: axis_label.to_string(),
        y_label: format!("expected value of information ({unit})"),
        series,
        marks: Vec::new(),
        zero_line: true,
    }))
}
