//! The pages' HTML: the model's report with a belief editor next to each
//! crux, the comparison of stored profiles, and the group view. Rendering
//! only: the handlers are in [`crate::pages`].
//! Every page is complete without JavaScript (the belief editor is a plain
//! form); `assets/app.js` makes it recompute in place. Every page is made
//! with maud's templates, which escape every text they are given: the
//! report's own sections are crux-report's document written by its HTML
//! writer, the rest is written here. Only the inline SVG charts (crux-plot's
//! `inline`, which escapes its own text, drawing crux-report's chart
//! descriptions, the ones `crux plot` draws) are put in as they are.

use crate::compute::ReportRun;
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;
use crate::summary::{Place, axis_values, mean_zero};
use crate::wire::{CompareResponse, CrossingInfo, CruxDisagreement, LeftOut, PoolResponse, ProfileInfo, StretchInfo};
use crux_analysis::threshold::{Threshold, Year};
use crux_analysis::verdict::{label, shown_stretches};
use crux_engine::format::significant;
use crux_lang::ast::{BinaryOp, ExprKind, UnaryOp};
use crux_lang::model::{Declaration, Side};
use crux_lang::parser::parse_expr;
use crux_plot::inline;
use crux_report::document::{Document, Section, SectionKind};
use crux_report::format::{json_number, json_precise};
use crux_report::json::RunDocument;
use crux_worldview::compare::Position;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// The verdict label of a probability that net is positive (crux-analysis's rule).
fn verdict_label(p_positive: f64) -> &'static str {
    label(p_positive).as_str()
}

fn number(value: f64) -> String {
    significant(value, 3)
}

fn probability(value: f64) -> String {
    format!("{value:.2}")
}

/// The page skeleton around `body` (HTML the other templates made).
fn document(state: &AppState, title: &str, body: &str) -> String {
    let model_title = if state.base.header.title.is_empty() { &state.base.header.id } else { &state.base.header.title };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                nav.top {
                    a.brand href="/" { "Crux" } " "
                    span.model { (model_title) } " "
                    a href="/" { "Report" } " "
                    a href="/compare" { "Compare profiles" } " "
                    a href="/group" { "Group view" } " "
                    a href="/api/openapi.json" { "API" }
                }
                main { "\n" (PreEscaped(body)) "\n" }
                script src="/assets/app.js" defer {}
            }
        }
    };
    page.into_string() + "\n"
}

/// The page shown for an error.
pub fn error_page(state: &AppState, error: &ApiError) -> String {
    let body = html! { h1 { "Not available" } p.error { (error.message()) } };
    document(state, "Crux", &body.into_string())
}

/// The whole report page.
pub fn report(
    state: &AppState,
    run: &ReportRun,
    beliefs: &BTreeMap<String, String>,
    errors: Option<&ApiError>,
    profiles: &[ProfileInfo],
    more_profiles: bool,
) -> String {
    let header = &state.base.header;
    let title = if header.title.is_empty() { header.id.clone() } else { header.title.clone() };
    let main = match &run.report {
        Some(report) => report_form(state, run, report, beliefs, errors),
        None => {
            let [summary, arguments, key_question, importance] = plain_results(state, run, None);
            html! {
                (summary)
                (arguments)
                section #cruxes {
                    h2 { "Cruxes and your beliefs" }
                    p {
                        "Each param is a belief, written in the model's expression syntax ("
                        code { "5 to 50" }
                        " is a lognormal with 5% and 95% points 5 and 50). Change one and the report above recomputes."
                    }
                    form #beliefs method="get" action="/" {
                        (form_error(errors))
                        @for (crux, _) in groups(&state.base.params) {
                            (crux_editor(state, crux.as_deref(), beliefs, errors))
                        }
                        (form_actions())
                    }
                }
                "\n"
                (key_question)
                (importance)
            }
        }
    };
    let body = html! {
        header {
            h1 { (title) }
            @if !header.description.is_empty() { p.description { (header.description) } }
        }
        "\n"
        (main)
        (profiles_section(profiles, more_profiles))
    };
    document(state, &title, &body.into_string())
}

/// The belief form around the page's own report, section by section, with
/// each crux's beliefs after its section (found by its kind, `Crux(id)`),
/// the charts after the evaluation, and the params of no section last.
fn report_form(
    state: &AppState,
    run: &ReportRun,
    report: &Document,
    beliefs: &BTreeMap<String, String>,
    errors: Option<&ApiError>,
) -> Markup {
    let (sections, charts) = page_sections(state, run, report, None);
    let charts_after = sections.iter().position(|(section, _)| section.kind == SectionKind::Evaluation).unwrap_or(0);
    let mut charts = Some(charts);
    let mut placed: Vec<Option<String>> = Vec::new();
    let mut parts: Vec<Markup> = Vec::new();
    for (index, (section, html)) in sections.into_iter().enumerate() {
        parts.push(html);
        if index >= charts_after
            && let Some(charts) = charts.take()
        {
            parts.push(charts);
        }
        if let SectionKind::Crux(crux) = &section.kind
            && !placed.contains(&Some(crux.clone()))
        {
            parts.push(crux_editor(state, Some(crux), beliefs, errors));
            placed.push(Some(crux.clone()));
        }
    }
    for (crux, _) in groups(&state.base.params) {
        if !placed.contains(&crux) {
            parts.push(crux_editor(state, crux.as_deref(), beliefs, errors));
        }
    }
    html! {
        form #beliefs method="get" action="/" {
            (form_error(errors))
            @for part in &parts { (part) }
            (form_actions())
        }
        "\n"
    }
}

/// The parts of the page that depend on the beliefs: the evaluation summary
/// (with the net chart), the arguments with their effects, and the key
/// question (with the threshold histogram). `POST /api/run` with
/// `Accept: text/html` returns exactly this, and the page swaps each section in.
pub fn results(state: &AppState, run: &ReportRun, elapsed: Option<Duration>) -> String {
    let parts = match &run.report {
        Some(report) => {
            let (sections, charts) = page_sections(state, run, report, elapsed);
            sections.into_iter().map(|(_, html)| html).chain([charts]).collect::<Vec<Markup>>()
        }
        None => plain_results(state, run, elapsed).into(),
    };
    html! { @for part in &parts { (part) } }.into_string()
}

/// The results of a model without a page: the summary, the arguments, the
/// key question and the crux importance, as sections.
fn plain_results(state: &AppState, run: &ReportRun, elapsed: Option<Duration>) -> [Markup; 4] {
    let document = &run.document;
    let unit = state.base.header.unit.as_str();
    let axis = axis_values(document);
    let axis_name = document.axis.as_ref().map_or("point", |axis| axis.name.as_str());
    let picks = spread(axis.len(), 7);
    let net = &document.net;
    let summary = html! {
        section #summary {
            h2 { "Evaluation summary" }
            p #verdict .verdict { (verdict_sentence(document)) }
            table.numbers {
                thead {
                    tr {
                        th { (axis_name) }
                        @for index in &picks { th { (number(axis[*index])) } }
                    }
                }
                tbody {
                    tr {
                        th { "P(net > 0)" }
                        @for index in &picks {
                            @let p = net.p_positive[*index];
                            td class=(verdict_label(p).to_lowercase()) { (probability(p)) }
                        }
                    }
                    tr {
                        th { "verdict" }
                        @for index in &picks {
                            @let p = net.p_positive[*index];
                            td class=(verdict_label(p).to_lowercase()) { (verdict_label(p)) }
                        }
                    }
                    tr {
                        th { "E[net]" (unit_suffix(unit)) }
                        @for index in &picks { td { (number(net.mean[*index])) } }
                    }
                    tr {
                        th { "90% interval" }
                        @for index in &picks { td { (number(net.p05[*index])) " to " (number(net.p95[*index])) } }
                    }
                }
            }
            p.rule { "Verdict on P(net > 0): Positive at 0.7 or more, Negative at 0.3 or less, Unclear between." }
            (net_figure(run, unit))
            (mechanisms_figure(run))
            (run_info(document, elapsed))
        }
        "\n"
    };
    let importance = html! {
        section #importance { h2 { "Which beliefs matter most" } (importance(run)) }
        "\n"
    };
    [summary, arguments(state, document, &picks), key_question(run), importance]
}

/// The net chart with its caption, or nothing without one. The chart
/// carries where E[net] turns negative in `data-crossing` (`below` from the
/// start, `never`).
fn net_figure(run: &ReportRun, unit: &str) -> Markup {
    let document = &run.document;
    let crossing = match mean_zero(&axis_values(document), &document.net.mean) {
        Place::At(value) => significant(value, 4),
        Place::FromStart => "below".to_string(),
        Place::Never => "never".to_string(),
    };
    let chart = run
        .charts
        .net
        .as_ref()
        .and_then(|chart| inline::svg_with_data(chart, "net-chart", &[("crossing".to_string(), crossing)]));
    html! {
        @if let Some(chart) = chart {
            figure {
                (PreEscaped(chart))
                figcaption {
                    "Net effect" (unit_suffix(unit))
                    " across the axis: median (solid), mean (dashed), 50% and 90% bands; the red line marks where E[net] turns negative."
                }
            }
        }
    }
}

/// The mechanisms' mean effects at "now" with their caption, or nothing without mechanisms.
fn mechanisms_figure(run: &ReportRun) -> Markup {
    let chart = run.charts.mechanisms.as_ref().and_then(|chart| inline::svg(chart, "mechanisms-chart"));
    html! {
        @if let Some(chart) = chart {
            figure #mechanisms-figure {
                (PreEscaped(chart))
                figcaption {
                    "Each mechanism's mean effect on net at the open frontier now (benefits add, risks subtract), and net: the chart "
                    code { "crux plot" } " draws as " code { "mechanisms.svg" } "."
                }
            }
        }
    }
}

/// The regulation policy curve with its caption, or nothing for a page without one.
fn policy_figure(run: &ReportRun) -> Markup {
    let chart = run.charts.policy.as_ref().and_then(|chart| inline::svg(chart, "policy-chart"));
    html! {
        @if let Some(chart) = chart {
            figure #policy-figure {
                (PreEscaped(chart))
                figcaption {
                    "The expected net per frontier release of the rule \"open below T, closed above\" for each threshold T, against no threshold at all; the lines mark the best T and the thresholds the page names."
                }
            }
        }
    }
}

/// The crux-importance chart of a run, with its caption, or why it is missing.
fn importance(run: &ReportRun) -> Markup {
    match &run.importance {
        Some(Ok(sensitivity)) => match inline::svg(&sensitivity.chart, "importance-chart") {
            Some(chart) => html! {
                figure {
                    (PreEscaped(chart))
                    figcaption {
                        "How much of the uncertainty in net"
                        @if let (Some(name), Some(value)) = (&sensitivity.axis_name, sensitivity.document.at) {
                            " at " (name) " = " (number(value))
                        }
                        " each crux (its params varied together) and each param carries: the total Sobol index (light bar, with its 95% interval), and the share it carries alone (dark inner bar); from "
                        (sensitivity.document.samples) " rows of a Saltelli design (" (sensitivity.document.evaluations)
                        " model runs). "
                        code { "POST /api/sensitivity" }
                        " gives the numbers at more samples and any point."
                    }
                }
            },
            None => html! {},
        },
        Some(Err(message)) => html! {
            p.rule { "The share of the uncertainty each crux carries is not shown: " (message) "." }
        },
        None => html! {},
    }
}

/// ` (unit)`, or nothing without a unit (text, escaped where it is written).
fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() { String::new() } else { format!(" ({unit})") }
}

fn run_info(document: &RunDocument, elapsed: Option<Duration>) -> Markup {
    html! {
        p.run-info #run-info data-samples=(document.samples) {
            (document.samples) " samples, seed " (document.seed)
            @if let Some(elapsed) = elapsed { ", computed in " (elapsed.as_millis()) " ms" }
            "."
        }
    }
}

/// One sentence: the verdict along the axis.
fn verdict_sentence(document: &RunDocument) -> Markup {
    let Some(axis) = &document.axis else {
        let p = document.net.p_positive.first().copied().unwrap_or(f64::NAN);
        return html! { strong { (verdict_label(p)) } ": P(net > 0) = " (probability(p)) };
    };
    let net = &document.net;
    let stretches = shown_stretches(&axis.values, &net.p_positive, &net.p05, &net.p95);
    let name = &axis.name;
    let range = |index: usize, from: f64, to: f64| {
        if stretches.len() == 1 {
            format!("across {name} = {} to {}", number(from), number(to))
        } else if index == 0 {
            format!("up to {name} = {}", number(to))
        } else if index == stretches.len() - 1 {
            format!("from {name} = {}", number(from))
        } else {
            format!("{name} = {} to {}", number(from), number(to))
        }
    };
    html! {
        @for (index, (from, to, verdict)) in stretches.iter().enumerate() {
            @if index > 0 { " · " }
            span class=(verdict.to_lowercase().replace(' ', "-")) {
                strong { (verdict) } " " (range(index, *from, *to))
            }
        }
    }
}

/// Up to `count` indices spread evenly over `0..len`, ends included.
fn spread(len: usize, count: usize) -> Vec<usize> {
    if len <= count {
        return (0..len).collect();
    }
    let mut picks: Vec<usize> = (0..count).map(|i| (i * (len - 1) + (count - 1) / 2) / (count - 1)).collect();
    picks.dedup();
    picks
}

/// The benefit and risk tables with each mechanism's mean effect.
fn arguments(state: &AppState, document: &RunDocument, picks: &[usize]) -> Markup {
    let axis = axis_values(document);
    let axis_name = document.axis.as_ref().map_or("point", |axis| axis.name.as_str());
    let unit = state.base.header.unit.as_str();
    let sides = [(Side::Benefit, "Arguments for", "Benefit"), (Side::Risk, "Arguments against", "Risk")];
    html! {
        section #arguments {
            @for (side, heading, kind) in sides {
                @let mechanisms: Vec<_> = state.base.mechanisms.iter().filter(|mechanism| mechanism.side == side).collect();
                @if !mechanisms.is_empty() {
                    h2 { (heading) }
                    table.numbers {
                        thead {
                            tr {
                                th { (kind) }
                                th { "Mechanism" }
                                @for index in picks { th { (axis_name) " = " (number(axis[*index])) } }
                            }
                        }
                        tbody {
                            @for mechanism in &mechanisms {
                                tr {
                                    td.text { (mechanism.display_name()) }
                                    td.text { (mechanism.mechanism.as_deref().unwrap_or("")) }
                                    @if let Some(column) = document.mechanisms.get(&mechanism.id.name) {
                                        @for index in picks {
                                            td { (number(column["mean"][*index].as_f64().unwrap_or(f64::NAN))) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p.rule {
                        "Mean effect" (unit_suffix(unit)) " at each " (axis_name) " shown; "
                        (if side == Side::Benefit { "benefits make net larger" } else { "risks make net smaller" })
                        "."
                    }
                }
            }
        }
        "\n"
    }
}

fn crossing_text(place: Place, name: &str) -> Markup {
    match place {
        Place::At(value) => html! { "from " (name) " = " strong { (number(value)) } },
        Place::FromStart => html! { "already at the start of the axis" },
        Place::Never => html! { "nowhere on the axis (for good)" },
    }
}

/// Where net turns negative: for the mean, for the median, per sample
/// (crux-analysis's `Threshold`, as in the report and `crux plot`).
fn key_question(run: &ReportRun) -> Markup {
    let document = &run.document;
    let content = match (&document.axis, &run.threshold) {
        (None, _) => html! { p { "This model has no axis, so it has one answer rather than a threshold." } },
        (Some(_), None) => html! { p { "The axis has one point, so there is no threshold along it." } },
        (Some(axis_info), Some(threshold)) => {
            let name = axis_info.name.as_str();
            let place = |index: Option<usize>| match index {
                None => Place::Never,
                Some(0) => Place::FromStart,
                Some(index) => Place::At(threshold.grid[index]),
            };
            let end = threshold.grid_end();
            let value = |value: Option<f64>| value.map_or_else(|| format!("beyond {}", number(end)), number);
            let sample = &threshold.sample;
            html! {
                ul #thresholds {
                    li { "E[net] stays negative " (crossing_text(place(threshold.mean_crossing), name)) "." }
                    li { "The median of net stays negative " (crossing_text(place(threshold.median_crossing), name)) "." }
                    li {
                        "Per sample (the first grid point from which the sample's net stays negative, over all samples, one that never turns negative counted as beyond the axis): median "
                        (value(sample.capability.p50)) ", 90% interval " (value(sample.capability.p05)) " to " (value(sample.capability.p95))
                        "; " (significant(sample.from_start_share * 100.0, 2)) "% of samples are negative from the start of the axis and "
                        (significant(sample.never_share * 100.0, 2)) "% are not negative at its end."
                    }
                }
                (threshold_figure(run, threshold))
            }
        }
    };
    html! {
        section #key-question { h2 { "Key question: where does net turn negative?" } (content) }
        "\n"
    }
}

/// The threshold histogram in a figure whose data attributes carry the
/// threshold's numbers as `crux run --format json` writes them: `data-p05`,
/// `data-p50`, `data-p95` (the per-sample quantiles over all samples, or
/// `beyond` the grid), `data-never-share`, `data-from-start-share`,
/// `data-mean-crossing` and `data-median-crossing` (or `never`) and, with a
/// timeline, `data-year-p05`, `data-year-p50`, `data-year-p95` (a year,
/// `passed` or `beyond`).
fn threshold_figure(run: &ReportRun, threshold: &Threshold) -> Markup {
    let Some(chart) = run.charts.threshold.as_ref().and_then(|chart| inline::svg(chart, "threshold-chart")) else {
        return html! {};
    };
    let sample = &threshold.sample;
    let value =
        |value: Option<f64>| value.map_or_else(|| "beyond".to_string(), |value| json_precise(value).to_string());
    let crossing = |index: Option<usize>| {
        index.map_or_else(|| "never".to_string(), |index| json_precise(threshold.grid[index]).to_string())
    };
    let year = |year: Year| match year {
        Year::In(year) => json_precise(year).to_string(),
        Year::Passed => "passed".to_string(),
        Year::Beyond => "beyond".to_string(),
    };
    let years = sample.year.map(|years| (year(years.p05), year(years.p50), year(years.p95)));
    html! {
        figure #threshold-figure
            data-p05=(value(sample.capability.p05))
            data-p50=(value(sample.capability.p50))
            data-p95=(value(sample.capability.p95))
            data-never-share=(json_number(sample.never_share))
            data-from-start-share=(json_number(sample.from_start_share))
            data-mean-crossing=(crossing(threshold.mean_crossing))
            data-median-crossing=(crossing(threshold.median_crossing))
            data-year-p05=[years.as_ref().map(|years| &years.0)]
            data-year-p50=[years.as_ref().map(|years| &years.1)]
            data-year-p95=[years.as_ref().map(|years| &years.2)] {
            (PreEscaped(chart))
            figcaption {
                "Where each sample's net turns negative for good, as a share of all samples; the "
                (significant(sample.never_share * 100.0, 2)) "%"
                " that never do are beyond the axis and not drawn. The line marks the median over all samples."
            }
        }
    }
}

/// `a to b` with numeric ends: the two ends.
fn interval(text: &str) -> Option<(f64, f64)> {
    let expr = parse_expr(text, crux_lang::FileId(0), 0).ok()?;
    let literal = |expr: &crux_lang::ast::Expr| match &expr.kind {
        ExprKind::Number(value) => Some(*value),
        ExprKind::Unary { op: UnaryOp::Neg, operand } => match operand.kind {
            ExprKind::Number(value) => Some(-value),
            _ => None,
        },
        _ => None,
    };
    match &expr.kind {
        ExprKind::Binary { op: BinaryOp::To, lhs, rhs } => Some((literal(lhs)?, literal(rhs)?)),
        _ => None,
    }
}

/// The crux groups in file order, each with its params (params outside every group last).
fn groups(params: &[Declaration]) -> Vec<(Option<String>, Vec<&Declaration>)> {
    let mut groups: Vec<(Option<String>, Vec<&Declaration>)> = Vec::new();
    for param in params {
        let crux = param.crux.as_ref().map(|crux| crux.name.clone());
        match groups.iter_mut().find(|(name, _)| *name == crux) {
            Some((_, members)) => members.push(param),
            None => groups.push((crux, vec![param])),
        }
    }
    groups.sort_by_key(|(crux, _)| crux.is_none());
    groups
}

/// The problems of the belief form (which works without script) that belong to no single param.
fn form_error(errors: Option<&ApiError>) -> Markup {
    let general: Vec<&str> = errors
        .map(|error| {
            error.details.iter().filter(|detail| detail.param.is_none()).map(|detail| detail.message.as_str()).collect()
        })
        .unwrap_or_default();
    html! {
        p #form-error .error hidden[general.is_empty()] {
            @for (index, message) in general.iter().enumerate() {
                @if index > 0 { br; }
                (message)
            }
        }
    }
}

/// The belief form's buttons.
fn form_actions() -> Markup {
    html! {
        p.actions {
            button type="submit" #recompute { "Recompute" }
            " "
            a href="/" #reset-all { "Reset all to the model's beliefs" }
            " "
            span #status role="status" {}
        }
    }
}

/// The beliefs of one crux group (`None`: the params outside every group).
fn crux_editor(
    state: &AppState,
    crux: Option<&str>,
    beliefs: &BTreeMap<String, String>,
    errors: Option<&ApiError>,
) -> Markup {
    let params: Vec<&Declaration> =
        state.base.params.iter().filter(|param| param.crux.as_ref().map(|id| id.name.as_str()) == crux).collect();
    if params.is_empty() {
        return html! {};
    }
    let heading = match crux {
        None => crux_analysis::inputs::OTHER_GROUP_NAME.to_string(),
        Some(id) => match state.base.outline.crux(id) {
            Some(page_crux) => format!("Your beliefs on {}", page_crux.heading()),
            None => format!("Crux: {id}"),
        },
    };
    let editor = html! {
        fieldset.crux data-crux=(crux.unwrap_or("")) {
            legend { (heading) }
            @for param in params { (param_editor(state, param, beliefs, errors)) }
        }
    };
    editor
}

/// The page's report as HTML sections (each with its section of the
/// document), written by crux-report's HTML writer with the robustness
/// tornado drawn at its chart, and the charts section.
fn page_sections<'a>(
    state: &AppState,
    run: &ReportRun,
    report: &'a Document,
    elapsed: Option<Duration>,
) -> (Vec<(&'a Section, Markup)>, Markup) {
    let draw = |chart: &crux_report::document::Chart| match chart.id.as_str() {
        "robustness-chart" => robustness_figure(chart),
        _ => None,
    };
    let sections = crux_report::html::sections(report, &draw)
        .into_iter()
        .map(|(section, html)| (section, html! { (html) "\n" }))
        .collect();
    let document = &run.document;
    let charts = html! {
        section #charts {
            p #verdict .verdict { (verdict_sentence(document)) }
            (net_figure(run, state.base.header.unit.as_str()))
            @if let Some(threshold) = &run.threshold { (threshold_figure(run, threshold)) }
            (mechanisms_figure(run))
            (policy_figure(run))
            (importance(run))
            (run_info(document, elapsed))
        }
        "\n"
    };
    (sections, charts)
}

/// The robustness tornado (the document's chart, crux-report's
/// description) with its caption; its key figures (`crossing-min`,
/// `crossing-max`, `crossing-base`) as data attributes of the chart.
fn robustness_figure(chart: &crux_report::document::Chart) -> Option<Markup> {
    let svg = inline::svg_with_data(&chart.chart, &chart.id, &chart.figures)?;
    Some(html! {
        figure #robustness-figure {
            (PreEscaped(svg))
            figcaption { (crux_report::html::inline(&chart.caption)) }
        }
    })
}

fn param_editor(
    state: &AppState,
    param: &Declaration,
    beliefs: &BTreeMap<String, String>,
    errors: Option<&ApiError>,
) -> Markup {
    let name = &param.name.name;
    let current = beliefs.get(name).map_or(param.text.as_str(), String::as_str);
    let changed = beliefs.contains_key(name);
    let id = format!("p-{name}");
    let messages: Vec<&crate::error::ErrorDetail> = errors
        .map(|error| error.details.iter().filter(|detail| detail.param.as_deref() == Some(name.as_str())).collect())
        .unwrap_or_default();
    let about: Vec<String> =
        param.source.iter().map(|source| format!("Source: {source}")).chain(param.note.iter().cloned()).collect();
    html! {
        div.param.changed[changed] data-param=(name) data-default=(param.text) {
            label for=(id) {
                code { (name) }
                @if let Some(label) = &param.label { " " (label) }
            }
            input type="text" class="expr" id=(id) name={ "set." (name) } value=(current)
                maxlength=(state.limits.max_expression_bytes) spellcheck="false" autocomplete="off";
            @if let Some((low, high)) = interval(current).or_else(|| interval(&param.text)) {
                span.interval.js-only {
                    input type="number" step="any" class="p5" aria-label={ (name) " 5% point" } value=(low);
                    " to "
                    input type="number" step="any" class="p95" aria-label={ (name) " 95% point" } value=(high);
                    " "
                    small { "5% and 95% points" }
                }
            }
            button type="button" class="reset js-only" { "reset" }
            p.field-error hidden[messages.is_empty()] {
                @for (index, detail) in messages.iter().enumerate() {
                    @if index > 0 { br; }
                    (error_text(detail))
                }
            }
            @if !about.is_empty() { p.about { (about.join(" — ")) } }
        }
    }
}

/// An error as shown next to a field: the message, where, and the help.
fn error_text(detail: &crate::error::ErrorDetail) -> String {
    let mut text = detail.message.clone();
    if let (Some(line), Some(col)) = (detail.line, detail.col) {
        let _ = write!(text, " (line {line}, col {col})");
    }
    for help in &detail.help {
        let _ = write!(text, " — help: {help}");
    }
    text
}

/// Saving the current beliefs, and the stored profiles to compare.
fn profiles_section(profiles: &[ProfileInfo], more: bool) -> Markup {
    let section = html! {
        section #profiles {
            h2 { "Profiles" }
            form #save-profile .js-only {
                p { "Save your current beliefs as a named profile, to compare with others' or to pool with a group's." }
                label { "Name " input type="text" name="name" required maxlength="200"; }
                " "
                label { "Your name " input type="text" name="respondent" maxlength="200"; }
                label.wide { "Why you hold these beliefs " textarea name="notes" rows="2" maxlength="4000" {} }
                button type="submit" { "Save profile" }
                " "
                span #save-status role="status" {}
            }
            noscript { p { "Saving a profile needs JavaScript, or a script: " code { "POST /api/profiles" } "." } }
            (profile_list(profiles))
            @if more && let Some(last) = profiles.last() {
                // The next page of stored profiles.
                p #more-profiles {
                    a href={ "/?profiles_after=" (last.id) "#profiles" } { "Next " (profiles.len()) " profiles" }
                }
            }
        }
    };
    html! { (section) "\n" }
}

fn profile_list(profiles: &[ProfileInfo]) -> Markup {
    if profiles.is_empty() {
        return html! { p #profile-list { "No profiles are stored yet." } };
    }
    html! {
        form #profile-list method="get" action="/compare" {
            table {
                thead {
                    tr {
                        th {} th { "Profile" } th { "By" } th { "Saved" } th { "Beliefs changed" } th.js-only {}
                    }
                }
                tbody {
                    @for profile in profiles {
                        tr data-profile=(profile.id) {
                            @match &profile.invalid {
                                // Never compared or pooled: its beliefs cannot be read.
                                Some(_) => td {
                                    input type="checkbox" disabled aria-label={ (profile.name) " cannot be compared" };
                                },
                                None => td {
                                    input type="checkbox" name="id" value=(profile.id) checked aria-label={ "compare " (profile.name) };
                                },
                            }
                            td { (profile.name) }
                            td {
                                (profile.respondent)
                                @if let Some(author) = profile.author.as_ref().filter(|author| **author != profile.respondent) {
                                    " " small { "(stored by " (author) ")" }
                                }
                            }
                            td { (profile.created_at) }
                            td {
                                @match &profile.invalid {
                                    Some(reason) => span.error.invalid { "Invalid: " (reason) },
                                    None if profile.overrides.is_empty() => "none",
                                    None => {
                                        @for (index, name) in profile.overrides.keys().enumerate() {
                                            @if index > 0 { ", " }
                                            code { (name) }
                                        }
                                    }
                                }
                            }
                            td.js-only {
                                button type="button" class="delete-profile" data-id=(profile.id) { "delete" }
                            }
                        }
                    }
                }
            }
            button type="submit" { "Compare selected" }
            " "
            a href="/group" { "Group view of all" }
        }
    }
}

/// The compare page.
pub fn compare(state: &AppState, comparison: &CompareResponse) -> String {
    document(state, "Compare profiles", &compare_body(state, comparison))
}

fn compare_body(state: &AppState, comparison: &CompareResponse) -> String {
    let axis_name = state.base.axis.as_ref().map_or("point".to_string(), |axis| axis.name.name.clone());
    let profiles = &comparison.profiles;
    let positions: Vec<&Position> = profiles.iter().map(|entry| &entry.position).collect();
    let body = html! {
        h1 { "Compare profiles" }
        (left_out_note(&comparison.left_out))
        @if profiles.is_empty() {
            p { "No profiles are stored yet. Save one from " a href="/" { "the report" } "." }
        } @else {
            p {
                "Each profile run with the same " (comparison.samples) " samples and seed " (comparison.seed)
                " (common random numbers), so differences are the beliefs', not noise."
            }
            table #comparison .numbers {
                thead {
                    tr {
                        th {}
                        @for entry in profiles {
                            th.profile-name { (entry.profile.name) br; small { (entry.profile.respondent) } }
                        }
                    }
                }
                tbody {
                    tr {
                        th { "Verdict along the axis" }
                        @for entry in profiles { td.verdicts { (stretches_cell(&entry.outlook.verdicts)) } }
                    }
                    (position_rows(&positions))
                    tr {
                        th { "E[net] stays negative from " (axis_name) }
                        @for entry in profiles { td { (crossing_cell(&entry.outlook.mean_crossing)) } }
                    }
                    tr {
                        th { "P(net > 0) stays below 0.5 from " (axis_name) }
                        @for entry in profiles { td { (crossing_cell(&entry.outlook.even_odds_crossing)) } }
                    }
                    @for index in spread(comparison.axis.len(), 5) {
                        tr {
                            th { "P(net > 0) at " (axis_name) " = " (number(comparison.axis[index])) }
                            @for entry in profiles {
                                @let p = entry.outlook.p_positive[index];
                                td class=(verdict_label(p).to_lowercase()) { (probability(p)) }
                            }
                        }
                    }
                    tr {
                        th { "Notes" }
                        @for entry in profiles { td.notes { (entry.profile.notes) } }
                    }
                }
            }
            (double_crux_section(comparison))
            h2 { "Beliefs that differ from the model's" }
            @if comparison.differences.is_empty() {
                p { "These profiles hold the model's own beliefs." }
            } @else {
                table #differences {
                    thead {
                        tr {
                            th { "Crux" } th { "Param" } th { "Model" }
                            @for entry in profiles { th { (entry.profile.name) } }
                        }
                    }
                    tbody {
                        @for difference in &comparison.differences {
                            tr {
                                td { (difference.crux.as_deref().map(|crux| state.crux_title(crux)).unwrap_or_default()) }
                                td { code { (difference.param) } }
                                td.default { code { (difference.default) } }
                                @for expression in &difference.expressions {
                                    td class=[(*expression == difference.default).then_some("default")] { code { (expression) } }
                                }
                            }
                        }
                    }
                }
            }
            (crux_table(state, &comparison.cruxes))
        }
    };
    body.into_string()
}

/// The stored profiles a view did not take, and why.
fn left_out_note(left_out: &[LeftOut]) -> Markup {
    html! {
        @if !left_out.is_empty() {
            div #left-out .rule {
                p { "Not included:" }
                ul {
                    @for entry in left_out {
                        li {
                            @match entry.id {
                                Some(id) => { "profile " (id) " (" (entry.name) ")" },
                                None => (entry.name),
                            }
                            ": " (entry.reason)
                        }
                    }
                }
            }
        }
    }
}

fn stretches_cell(stretches: &[StretchInfo]) -> Markup {
    html! {
        @for (index, stretch) in stretches.iter().enumerate() {
            @if index > 0 { br; }
            span class=(stretch.verdict.to_lowercase().replace(' ', "-")) { (stretch.verdict) }
            " " (number(stretch.from)) "–" (number(stretch.to))
        }
    }
}

/// Rows of the views' answers to the page (crux-worldview's positions), one column per view:
/// the verdict now, each evaluation row, the per-sample threshold and the best release threshold.
fn position_rows(positions: &[&Position]) -> Markup {
    let verdict_cell = |verdict: &str, p: f64| {
        html! { td class=(verdict.to_lowercase()) { (verdict) " (" (probability(p)) ")" } }
    };
    let rows = positions.iter().map(|position| position.evaluation.len()).max().unwrap_or(0);
    let threshold_cell = |position: &Position| match position
        .threshold
        .and_then(|threshold| threshold.p50.zip(threshold.p05.zip(threshold.p95)))
    {
        Some((p50, (p05, p95))) => format!("{} ({} to {})", number(p50), number(p05), number(p95)),
        None => "none on the axis".to_string(),
    };
    let release_cell = |position: &Position| match position.best_release_threshold {
        Some(Some(threshold)) => number(threshold),
        Some(None) => "none is best".to_string(),
        None => String::new(),
    };
    html! {
        @if positions.iter().any(|position| position.now.is_some()) {
            tr {
                th { "Verdict now (P(net > 0))" }
                @for position in positions {
                    @match position.now {
                        Some(now) => (verdict_cell(now.verdict, now.p_positive)),
                        None => td {},
                    }
                }
            }
        }
        @for row in 0..rows {
            tr.evaluation {
                th { (positions.iter().find_map(|position| position.evaluation.get(row)).map(|e| e.dimension.as_str()).unwrap_or_default()) }
                @for position in positions {
                    @match position.evaluation.get(row) {
                        Some(answer) => (verdict_cell(answer.verdict, answer.p_positive)),
                        None => td {},
                    }
                }
            }
        }
        @if positions.iter().any(|position| position.threshold.is_some()) {
            tr {
                th { "Per-sample threshold: median (90% interval)" }
                @for position in positions { td { (threshold_cell(position)) } }
            }
        }
        @if positions.iter().any(|position| position.best_release_threshold.is_some()) {
            tr {
                th { "Best release threshold (open below)" }
                @for position in positions { td { (release_cell(position)) } }
            }
        }
    }
}

/// Each pair's double crux: the finding, and every swap of a crux between the two views.
fn double_crux_section(comparison: &CompareResponse) -> Markup {
    let text = |value: Option<f64>| value.map_or_else(|| "none".to_string(), number);
    html! {
        @if comparison.profiles.len() >= 2 {
            section #double-crux {
                h2 { "Double crux" }
                p {
                    "For each pair of profiles: what happens to one when it takes the other's beliefs on one crux. "
                    "The crux that flips a verdict, or else moves the threshold most, is the pair's double crux."
                }
                @for pair in &comparison.double_cruxes {
                    h3 { (pair.a) " and " (pair.b) }
                    p.double-crux-summary { (pair.summary) }
                    @if !pair.swaps.is_empty() {
                        table.swaps {
                            thead {
                                tr {
                                    th { "Crux" } th { "View" } th { "takes the beliefs of" } th { "Verdict now" } th { "Threshold" }
                                }
                            }
                            tbody {
                                @for swap in &pair.swaps {
                                    tr class=[(pair.main_crux.as_deref() == Some(swap.crux.as_str())).then_some("main-crux")] {
                                        td { (swap.crux_title) }
                                        td { (swap.view) }
                                        td { (swap.from_view) }
                                        td {
                                            @if let (Some(before), Some(after)) = (swap.verdict_before, swap.verdict_after) {
                                                (before) " → " (after)
                                            }
                                        }
                                        td { (text(swap.threshold_before)) " → " (text(swap.threshold_after)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if comparison.pairs_without_double_crux > 0 {
                    p.rule {
                        "The double crux is found for the pairs of the first " (service::DOUBLE_CRUX_PROFILES)
                        " profiles; select fewer profiles to see the " (comparison.pairs_without_double_crux) " other pairs."
                    }
                }
            }
        }
    }
}

fn crossing_cell(crossing: &CrossingInfo) -> String {
    match (crossing.kind.as_str(), crossing.at) {
        ("at", Some(value)) => number(value),
        ("below", _) => "from the start".to_string(),
        _ => "never".to_string(),
    }
}

fn crux_table(state: &AppState, cruxes: &[CruxDisagreement]) -> Markup {
    html! {
        h2 { "Disagreement by crux" }
        table #crux-disagreement {
            thead {
                tr { th { "Crux" } th { "Params" } th { "Different belief sets" } th { "Views off the model's defaults" } }
            }
            tbody {
                @for crux in cruxes {
                    tr {
                        td { (state.crux_title(&crux.crux)) }
                        td {
                            @for (index, name) in crux.params.iter().enumerate() {
                                @if index > 0 { ", " }
                                code { (name) }
                            }
                        }
                        td { (crux.distinct_views) }
                        td { (crux.views_off_default) }
                    }
                }
            }
        }
    }
}

/// The group page when no profile is stored yet.
pub fn group_empty(state: &AppState, error: &ApiError) -> String {
    let body = html! {
        h1 { "Group view" }
        p { (error.message()) " Save profiles from " a href="/" { "the report" } "." }
    };
    document(state, "Group view", &body.into_string())
}

/// The group page: the pooled view of the stored profiles, with the disagreement.
pub fn group(state: &AppState, pool: &PoolResponse, run: &ReportRun) -> String {
    let axis_name = state.base.axis.as_ref().map_or("point".to_string(), |axis| axis.name.name.clone());
    let disagreement = &pool.disagreement;
    let positions: Vec<&Position> =
        pool.members.iter().map(|member| &member.position).chain([&pool.pooled_position]).collect();
    let crossing = |position: &Position| {
        position.threshold.and_then(|threshold| threshold.mean_crossing).map_or("never".to_string(), number)
    };
    let body = html! {
        h1 { "Group view" }
        p {
            "The linear pool of " (pool.members.len()) " stored profiles with equal weights: each sample takes one member's whole set of beliefs. "
            "Every view is computed with " (pool.samples) " samples and seed " (pool.seed) "."
        }
        (left_out_note(&pool.left_out))
        (PreEscaped(results(state, run, None)))
        section #disagreement {
            h2 { "How far the members disagree" }
            ul {
                @for sentence in &disagreement.summary { li { (sentence) } }
                @if let Some([low, high]) = disagreement.mean_crossing_range {
                    li {
                        "Members' E[net] stays negative from between " (axis_name) " = " (number(low))
                        " and " (axis_name) " = " (number(high)) "."
                    }
                }
                li {
                    (disagreement.never_negative) " members' E[net] is not negative at the end of the axis; "
                    (disagreement.negative_from_start) " are negative from its start."
                }
                @match &disagreement.most_disputed {
                    Some(crux) => li {
                        "The members' beliefs differ most (in the most distinct belief sets) on "
                        strong { (state.crux_title(crux)) } "."
                    },
                    None => li { "The members hold the same beliefs on every crux." },
                }
            }
            table #members .numbers {
                thead {
                    tr {
                        th { "View" }
                        @for member in &pool.members {
                            th.profile-name { (member.profile.name) br; small { (member.profile.respondent) } }
                        }
                        th { "The group (pooled)" }
                    }
                }
                tbody {
                    (position_rows(&positions))
                    tr {
                        th { "E[net] stays negative from " (axis_name) }
                        @for position in &positions { td { (crossing(position)) } }
                    }
                }
            }
            table #crux-flips {
                thead { tr { th { "Crux" } th { "Verdicts flipped when a member takes another's view of it" } } }
                tbody {
                    @for flips in &disagreement.crux_flips { tr { td { (flips.title) } td { (flips.flips) } } }
                }
            }
            (crux_table(state, &disagreement.cruxes))
        }
    };
    document(state, "Group view", &body.into_string())
}

#[cfg(test)]
mod tests {
    use super::interval;

    #[test]
    fn intervals_are_recognised_only_with_numeric_ends() {
        assert_eq!(interval("5 to 50"), Some((5.0, 50.0)));
        assert_eq!(interval("-2 to 3"), Some((-2.0, 3.0)));
        assert_eq!(interval("normal(1, 2)"), None);
        assert_eq!(interval("a to 3"), None);
    }
}
