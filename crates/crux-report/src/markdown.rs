//! The page as Markdown, in the page's order and with its headings, the
//! numbers filled in: computed verdicts, effects at the open frontier now,
//! each crux's parameters, the capability threshold, the answer to each
//! policy implication and which crux matters most. Sections beyond the page (parameter groups the page
//! does not show, net along the axis) follow under "Model details".

use crate::format::{
    capability, effect, flop, interval, is_whole, on_half_step, param_value, probability, share, signed, value, year,
};
use crate::results::{AnswerResult, CruxSensitivity, PageResults, ReleaseAnswer, Sensitivity, ShiftAnswer};
use crux_analysis::threshold::Threshold;
use crux_lang::hir;
use crux_lang::model::Side;
use crux_lang::page::{Assessment, At, Crux, Item, Section, Show};
use crux_lang::print::print_expr;
use crux_page::render::table;
use std::fmt::Write;

/// Renders the page with its results.
pub fn render(model: &hir::Model, results: &PageResults) -> String {
    let mut out = String::new();
    let file = &model.file;
    crux_page::render::frontmatter(&mut out, file);
    let _ = writeln!(out, "> {}\n", about(model, results));
    let sections = if file.page.sections.is_empty() {
        crux_page::render::default_sections(file)
    } else {
        file.page.sections.clone()
    };
    let shown: Vec<usize> = sections
        .iter()
        .filter_map(|section| match section.show {
            Some(Show::Crux(index)) => Some(index),
            _ => None,
        })
        .collect();
    for section in &sections {
        render_section(&mut out, model, results, section);
    }
    render_details(&mut out, model, results, &shown);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// One line on what was computed and how to read it.
fn about(model: &hir::Model, results: &PageResults) -> String {
    let file = &model.file;
    let mut text = format!(
        "Answered by Crux with the model `{}` ({} samples, seed {}).",
        file.header.id, results.samples, results.seed
    );
    if file.header.unit.is_empty() {
        text.push_str(" Net = benefits − risks: positive when the benefits outweigh.");
    } else {
        let _ = write!(
            text,
            " Effects are in {}; net = benefits − risks: positive when the benefits outweigh.",
            unit_name(&file.header.unit)
        );
    }
    let context = |name: &str| results.context.iter().find(|(field, _)| *field == name).map(|(_, summary)| summary);
    if let Some(open_now) = context("open_now") {
        let _ = write!(
            text,
            " \"Now\" is the open frontier now, 10^{} FLOP (90% interval 10^{} to 10^{})",
            capability(open_now.p50),
            capability(open_now.p05),
            capability(open_now.p95)
        );
        if let Some(year_now) = context("year_now") {
            let _ = write!(text, ", in {}", year(year_now.p50));
        }
        text.push('.');
    }
    text
}

fn unit_name(unit: &str) -> String {
    if unit == "bp" { "bp (basis points of the probability of catastrophe)".to_string() } else { unit.to_string() }
}

fn render_section(out: &mut String, model: &hir::Model, results: &PageResults, section: &Section) {
    if let Some(heading) = &section.heading {
        let _ = writeln!(out, "{} {heading}\n", "#".repeat(section.level as usize));
    }
    if let Some(body) = &section.body {
        out.push_str(body.trim_end_matches('\n'));
        out.push_str(if matches!(section.show, Some(Show::Policies)) { "\n" } else { "\n\n" });
    }
    match &section.show {
        None => {}
        Some(Show::Question) => {
            if let Some(question) = &model.file.page.question {
                let _ = writeln!(out, "**{}**: {}\n", question.label, question.text);
            }
        }
        Some(Show::Evaluation { columns }) => render_evaluation(out, model, results, columns),
        Some(Show::Mechanisms { side, columns, mechanisms }) => {
            render_mechanisms(out, model, results, *side, columns, mechanisms);
        }
        Some(Show::Crux(index)) => render_crux(out, model, results, *index),
        Some(Show::Policies) => render_policies(out, model, results),
    }
}

fn render_evaluation(out: &mut String, model: &hir::Model, results: &PageResults, columns: &[String]) {
    let mut rows = Vec::new();
    for (row, computed) in model.file.page.evaluation.iter().zip(&results.evaluation) {
        let (assessment, notes) = match (&row.assessment, computed) {
            (Assessment::Verdict(rule), Some(verdict)) => {
                let event = format!("P(net {} {})", rule.op.symbol(), value(rule.value));
                let place = match rule.at {
                    At::Now => "at the open frontier now".to_string(),
                    At::Value(x) => format!("at {} = {}", axis_name(model), capability(x)),
                };
                let given =
                    rule.given.as_ref().map(|given| format!(", given {}", print_expr(given))).unwrap_or_default();
                let computed = format!("{event} = {} {place}{given}", probability(verdict.probability));
                let notes = if row.notes.is_empty() { computed } else { format!("{}; {computed}", row.notes) };
                (verdict.label.as_str().to_string(), notes)
            }
            (Assessment::Fixed(text), _) | (Assessment::Verdict(crux_lang::page::Verdict { text, .. }), None) => {
                (text.clone(), row.notes.clone())
            }
        };
        rows.push(vec![row.dimension.clone(), assessment, notes]);
    }
    table(out, columns, &rows);
}

fn render_mechanisms(
    out: &mut String,
    model: &hir::Model,
    results: &PageResults,
    side: Side,
    columns: &[String],
    mechanisms: &[usize],
) {
    let mut headings = columns.to_vec();
    if results.now.is_some() {
        headings.push("Effect now (bp), mean".to_string());
        headings.push("90% interval".to_string());
    }
    let rows: Vec<Vec<String>> = mechanisms
        .iter()
        .map(|index| {
            let mechanism = &model.file.mechanisms[*index];
            let mut row = vec![mechanism.display_name().to_string(), mechanism.mechanism.clone().unwrap_or_default()];
            if let Some(now) = &results.now {
                let summary = &now.mechanisms[*index];
                row.push(effect(summary.mean));
                row.push(interval(summary));
            }
            row
        })
        .collect();
    table(out, &headings, &rows);
    if results.now.is_some() {
        let what = if side == Side::Benefit { "how much each benefit lowers" } else { "how much each risk raises" };
        let _ = writeln!(
            out,
            "_Effect of a release at the open frontier now: {what} the probability of catastrophe, in {}; mean and 90% interval over the samples._\n",
            if model.file.header.unit.is_empty() { "the model's unit" } else { &model.file.header.unit }
        );
    }
}

fn render_crux(out: &mut String, model: &hir::Model, results: &PageResults, index: usize) {
    let crux = &model.file.page.cruxes[index];
    if let Some(description) = &crux.description {
        let _ = writeln!(out, "{description}\n");
    }
    if !crux.sides.is_empty() {
        table(out, &crux.sides, &crux.rows);
    }
    for (note, answer) in crux.notes.iter().zip(&results.crux_notes[index]) {
        render_note(out, model, results, note, answer.as_ref());
    }
    render_params(out, model, results, crux, "What the model says");
}

fn render_note(
    out: &mut String,
    model: &hir::Model,
    results: &PageResults,
    note: &Item,
    answer: Option<&AnswerResult>,
) {
    match &note.label {
        Some(label) => {
            let _ = writeln!(out, "**{label}**: {}\n", note.text);
        }
        None => {
            let _ = writeln!(out, "{}\n", note.text);
        }
    }
    if let Some(answer) = answer {
        for line in answer_lines(model, results, answer) {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
}

/// The table of a crux's params.
fn render_params(out: &mut String, model: &hir::Model, results: &PageResults, crux: &Crux, lead: &str) {
    let params: Vec<usize> = (0..model.file.params.len())
        .filter(|index| model.file.params[*index].crux.as_ref().is_some_and(|id| id.name == crux.id.name))
        .collect();
    if params.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{lead}**: the parameters of this crux, over {} samples.\n", results.samples);
    let headings: Vec<String> =
        ["Param", "What it is", "Median", "90% interval", "Source"].iter().map(|h| h.to_string()).collect();
    let rows: Vec<Vec<String>> = params
        .iter()
        .map(|index| {
            let param = &model.file.params[*index];
            let range = &results.params[*index];
            let (median, spread) = match range.share_true {
                Some(share_true) => (format!("{} true", share(share_true)), "0 or 1".to_string()),
                None if range.summary.p05 == range.summary.p95 => {
                    (param_value(range.summary.p50, 0.0), "fixed".to_string())
                }
                None => {
                    let width = range.summary.p95 - range.summary.p05;
                    let shown = |x: f64| param_value(x, width);
                    (shown(range.summary.p50), format!("{} to {}", shown(range.summary.p05), shown(range.summary.p95)))
                }
            };
            vec![
                format!("`{}`", param.name.name),
                param.label.clone().unwrap_or_default(),
                median,
                spread,
                param.source.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(out, &headings, &rows);
}

fn render_policies(out: &mut String, model: &hir::Model, results: &PageResults) {
    for (item, answer) in model.file.page.policies.iter().zip(&results.policies) {
        match &item.label {
            Some(label) => {
                let _ = writeln!(out, "- **{label}**: {}", item.text);
            }
            None => {
                let _ = writeln!(out, "- {}", item.text);
            }
        }
        if let Some(answer) = answer {
            for line in answer_lines(model, results, answer) {
                let _ = writeln!(out, "  - {line}");
            }
        }
    }
    out.push('\n');
    if let Some(sensitivity) = &results.sensitivity {
        let _ = writeln!(out, "{}\n", sensitivity_summary(sensitivity));
        let (headings, rows) = sensitivity_table(sensitivity);
        let headings: Vec<String> = headings.iter().map(|heading| heading.to_string()).collect();
        table(out, &headings, &rows);
        let _ = writeln!(out, "{}\n", sensitivity_method(sensitivity));
    }
}

/// How a crux is named in sentences: its heading, or its id in code marks.
fn crux_name(item: &CruxSensitivity) -> String {
    if item.name.is_empty() { format!("`{}`", item.crux) } else { item.name.clone() }
}

/// A share of the uncertainty, as a percentage; estimates below 0 (noise
/// around a share of 0) are shown as 0.
fn uncertainty_share(value: f64) -> String {
    share(value.clamp(0.0, 1.0))
}

/// What resolving a crux is worth, in bp: `6.3 bp`, or that it would not
/// change the decision.
fn worth(value: f64) -> String {
    if value.abs() < 0.005 {
        "0 bp (learning it would not change the decision)".to_string()
    } else {
        format!("{} bp", effect(value))
    }
}

/// The sentence that names the crux that matters most and what resolving it is worth.
pub fn sensitivity_summary(sensitivity: &Sensitivity) -> String {
    let Some(largest) = sensitivity.largest_share() else {
        return format!("**Which crux matters most** for {}: the model has no cruxes.", sensitivity.target);
    };
    let mut text = format!(
        "**Which crux matters most** for {}: {} carries the largest share of the uncertainty, {}",
        sensitivity.target,
        crux_name(largest),
        uncertainty_share(largest.total)
    );
    if let Some(value) = largest.value_of_information {
        let _ =
            write!(text, ", and resolving it before deciding whether to release is worth {} per release", worth(value));
    }
    if let Some(most) = sensitivity.largest_value().filter(|most| most.crux != largest.crux) {
        let _ = write!(
            text,
            "; resolving {} is worth more, {}",
            crux_name(most),
            worth(most.value_of_information.unwrap_or(0.0))
        );
    }
    if let Some(evpi) = sensitivity.evpi {
        let _ = write!(text, " (resolving every input: {})", worth(evpi));
    }
    text.push('.');
    text
}

/// The table of each crux's share of the uncertainty and value of
/// information, by decreasing share.
pub fn sensitivity_table(sensitivity: &Sensitivity) -> ([&'static str; 4], Vec<Vec<String>>) {
    let headings =
        ["Crux", "Share of the uncertainty (total index)", "Alone (first-order index)", "Worth resolving (EVPPI)"];
    let rows = sensitivity
        .ranked()
        .into_iter()
        .map(|item| {
            let total = if item.total_conf > 0.0 {
                format!("{} (±{})", uncertainty_share(item.total), significant_points(item.total_conf))
            } else {
                uncertainty_share(item.total)
            };
            let value = match item.value_of_information {
                Some(value) if value.abs() < 0.005 => format!("0 bp (±{})", effect(item.value_error)),
                Some(value) => format!("{} bp (±{})", effect(value), effect(item.value_error)),
                None => "not computed".to_string(),
            };
            vec![crux_name(item), total, uncertainty_share(item.first_order), value]
        })
        .collect();
    (headings, rows)
}

/// An interval half-width in percentage points.
fn significant_points(value: f64) -> String {
    format!("{} points", effect(value * 100.0))
}

/// How the shares and values were estimated, with the sample sizes.
pub fn sensitivity_method(sensitivity: &Sensitivity) -> String {
    format!(
        "A crux's share of the uncertainty is its total Sobol index: the share of the variance of net that its params account for, alone or through interactions with other inputs (the variance that would be left if everything else were known; shares that overlap add up to more than 100%). \"Alone\" is the first-order index: the variance that goes away, on average, once its params are known. Estimated from a Saltelli design of N = {} rows ({} model runs; ± is a 95% bootstrap interval). What resolving a crux is worth is its expected value of partial perfect information (EVPPI): how much higher E[net] of the release decision (release iff E[net] > 0) would be if its params were learnt first, from {} model runs ({} inner runs per outer point; ± is one standard error). These sample sizes keep `crux run` to about a second; `crux sensitivity` and `crux voi` give every param, more samples and other capabilities.",
        sensitivity.sobol_rows, sensitivity.sobol_runs, sensitivity.value_runs, sensitivity.value_inner
    )
}

/// The answer of an analysis, as list items (Markdown).
pub fn answer_lines(model: &hir::Model, results: &PageResults, answer: &AnswerResult) -> Vec<String> {
    match answer {
        AnswerResult::Threshold => results.threshold.as_ref().map(|t| threshold_lines(model, t)).unwrap_or_default(),
        AnswerResult::SupportRelease { net, p_positive } => {
            let stance = if *p_positive >= 0.5 && net.mean > 0.0 {
                "on balance, supporting it is safer"
            } else if *p_positive < 0.5 && net.mean < 0.0 {
                "on balance, supporting it is less safe"
            } else {
                "the expectation and the odds disagree"
            };
            vec![format!(
                "**Model**: a release at the open frontier now has E[net] = {} bp (90% interval {}) and P(net > 0) = {}: {stance}.",
                signed(net.mean),
                interval(net),
                probability(*p_positive)
            )]
        }
        AnswerResult::ReleaseThreshold(release) => release_lines(model, release),
        AnswerResult::ComputeGovernance(shift) => shift_lines(model, results, shift),
        AnswerResult::CareerChoices { now, at_crossing } => {
            let name = |index: &usize| model.file.mechanisms[*index].display_name().to_string();
            let list = |items: &[(usize, f64)]| {
                items
                    .iter()
                    .take(3)
                    .map(|(index, mean)| format!("{} ({})", name(index), signed(*mean)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut lines = Vec::new();
            if !now.is_empty() {
                lines.push(format!(
                    "**Model**: at the open frontier now the largest effects on net are {} bp",
                    list(now)
                ));
            }
            if let Some((x, items)) = at_crossing {
                lines.push(format!(
                    "where E[net] turns negative ({} = {}): {} bp",
                    axis_name(model),
                    capability(*x),
                    list(items)
                ));
            }
            if !lines.is_empty() {
                let joined = lines.join("; ") + ".";
                lines = vec![joined];
            }
            lines.push(career_share(results));
            lines
        }
    }
}

/// The capability threshold, as list items.
pub fn threshold_lines(model: &hir::Model, threshold: &Threshold) -> Vec<String> {
    let axis = axis_name(model);
    let flop_axis = is_flop_axis(model);
    let in_flop = |x: f64| if flop_axis { format!(" ({})", flop(x)) } else { String::new() };
    let end = threshold.grid.last().copied().unwrap_or(f64::NAN);
    let reached = |summary: Option<&crux_analysis::stats::Summary>| match summary {
        Some(summary) => format!(
            ", which the open frontier reaches in {} (90% interval {} to {})",
            year(summary.p50),
            year(summary.p05),
            year(summary.p95)
        ),
        None => String::new(),
    };
    let crossing = |index: Option<usize>| match index {
        Some(0) => format!("from the start of the grid ({axis} = {} or below)", capability(threshold.grid[0])),
        Some(index) => format!("from {axis} = {}{}", capability(threshold.grid[index]), in_flop(threshold.grid[index])),
        None => format!("nowhere up to {axis} = {}", capability(end)),
    };
    let mut lines = vec![
        format!(
            "**Answer**: E[net] is negative {}{}.",
            crossing(threshold.mean_crossing),
            reached(threshold.mean_crossing_year.as_ref())
        ),
        format!("P(net > 0) is below 0.5 {}.", crossing(threshold.median_crossing)),
    ];
    let sample = &threshold.sample;
    match &sample.capability {
        Some(capability_summary) => {
            let crossing_share = 1.0 - sample.never_share;
            let mut line = format!(
                "Per sample, net stays negative from {axis} = {} (median; 90% interval {} to {})",
                capability(capability_summary.p50),
                capability(capability_summary.p05),
                capability(capability_summary.p95),
            );
            if flop_axis {
                let _ = write!(
                    line,
                    ", that is {} ({} to {})",
                    flop(capability_summary.p50),
                    flop(capability_summary.p05).trim_end_matches(" FLOP"),
                    flop(capability_summary.p95)
                );
            }
            line.push_str(&reached(sample.year.as_ref()));
            let _ = write!(line, "; this is over the {} of samples that cross", share(crossing_share));
            line.push('.');
            lines.push(line);
        }
        None => lines.push("No sample's net stays negative within the grid.".to_string()),
    }
    let mut apart = format!(
        "In {} of samples net is still positive at {axis} = {} (\"never\" within the grid)",
        share(sample.never_share),
        capability(end)
    );
    if sample.from_start_share > 0.0 {
        let _ = write!(apart, "; in {} it is negative over the whole grid", share(sample.from_start_share));
    }
    apart.push('.');
    lines.push(apart);
    lines
}

fn release_lines(model: &hir::Model, release: &ReleaseAnswer) -> Vec<String> {
    let axis = axis_name(model);
    let horizon = &release.horizon;
    let years = format!("{} to {}", year(horizon.p05), year(horizon.p95));
    let mut lines = vec![match release.best.threshold {
        Some(_) if release.best.value == 0.0 => format!(
            "**Model**: over the frontier releases of the next {years} years, the best rule keeps every one of them closed (any threshold below the open frontier now)."
        ),
        Some(threshold) => format!(
            "**Model**: over the frontier releases of the next {years} years, the best rule is \"open below {axis} = {}\"{}, with an expected net of {} bp per release.",
            capability(threshold),
            if is_flop_axis(model) { format!(" ({})", flop(threshold)) } else { String::new() },
            signed(release.best.value)
        ),
        None => format!(
            "**Model**: over the frontier releases of the next {years} years, the best rule is no threshold (open every release), with an expected net of {} bp per release.",
            signed(release.best.value)
        ),
    }];
    let mut regrets: Vec<String> = release
        .comparisons
        .iter()
        .map(|item| format!("{} ({axis} = {}): {}", item.label, capability(item.threshold), effect(item.regret)))
        .collect();
    regrets.push(format!("no threshold: {}", effect(release.no_threshold.1)));
    lines.push(format!("Regret against the best rule, in bp per release: {}.", regrets.join("; ")));
    let curve = release.policy.curve();
    let picks: Vec<String> = release
        .policy
        .grid
        .iter()
        .zip(&curve)
        .filter(|(x, _)| on_half_step(**x) && is_whole(**x))
        .map(|(x, value)| format!("{}: {}", capability(*x), signed(*value)))
        .collect();
    lines.push(format!(
        "Expected net per release of \"open below T\", by T: {}; none: {}.",
        picks.join(", "),
        signed(release.no_threshold.0)
    ));
    if release.policy.beyond_grid_share > 0.0 {
        lines.push(format!(
            "{} of these releases lie beyond {axis} = {} and count as releases at the grid's end.",
            share(release.policy.beyond_grid_share),
            capability(*release.policy.grid.last().unwrap_or(&f64::NAN))
        ));
    }
    lines
}

fn shift_lines(model: &hir::Model, results: &PageResults, shift: &ShiftAnswer) -> Vec<String> {
    let axis = axis_name(model);
    let label = model
        .file
        .param(&shift.param)
        .and_then(|param| param.label.clone())
        .map(|label| format!(", {label},"))
        .unwrap_or_default();
    let position = |threshold: &Threshold, which: &str| -> String {
        let index = match which {
            "mean" => threshold.mean_crossing,
            _ => threshold.median_crossing,
        };
        index.map_or_else(|| "never".to_string(), |index| capability(threshold.grid[index]))
    };
    let median = |threshold: &Threshold| {
        threshold.sample.capability.map_or_else(|| "never".to_string(), |summary| capability(summary.p50))
    };
    let (before, after) = (&shift.before.threshold, &shift.after.threshold);
    let mut line = format!(
        "**Model**: if `{}`{label} rises by {}, the point where E[net] turns negative moves from {axis} = {} to {}, the median per-sample threshold from {} to {}, and the share of samples that never cross from {} to {}",
        shift.param,
        value(shift.shift),
        position(before, "mean"),
        position(after, "mean"),
        median(before),
        median(after),
        share(before.sample.never_share),
        share(after.sample.never_share),
    );
    if let (Some(p_before), Some(p_after), Some(mean_before), Some(mean_after)) =
        (shift.before.p_positive_now, shift.after.p_positive_now, shift.before.mean_now, shift.after.mean_now)
    {
        let _ = write!(
            line,
            "; at the open frontier now, E[net] goes from {} to {} bp (a change of {}) and P(net > 0) from {} to {}",
            signed(mean_before),
            signed(mean_after),
            signed(mean_after - mean_before),
            probability(p_before),
            probability(p_after)
        );
    }
    line.push('.');
    let mut lines = vec![line];
    lines.extend(compute_governance_share(results, shift.crux.as_deref()));
    lines
}

/// The compute-governance answer from the sensitivity analysis: the share of
/// the uncertainty the shifted param's crux carries, what resolving it is
/// worth, and how it ranks; a marked gap when the analysis has not run.
fn compute_governance_share(results: &PageResults, crux: Option<&str>) -> Option<String> {
    let Some(sensitivity) = &results.sensitivity else {
        let which = crux.map_or_else(|| "each crux".to_string(), |id| format!("crux `{id}`"));
        return Some(format!(
            "_Not computed in this report: the share of the decision's uncertainty that {which} carries comes from the sensitivity and value-of-information analyses._"
        ));
    };
    let ranked = sensitivity.ranked();
    let position = ranked.iter().position(|item| Some(item.crux.as_str()) == crux)?;
    let item = ranked[position];
    let mut line = format!(
        "**Sensitivity**: {} carries {} of the uncertainty in {}, {} alone, and ranks {} of {} cruxes; resolving it is worth {}",
        crux_name(item),
        uncertainty_share(item.total),
        sensitivity.target,
        uncertainty_share(item.first_order),
        ordinal(position + 1),
        ranked.len(),
        worth(item.value_of_information.unwrap_or(0.0))
    );
    if position == 0 {
        line.push_str(": of all the cruxes, settling this one matters most for the decision now.");
    } else {
        let top = ranked[0];
        let _ = write!(
            line,
            ". For the decision now, this crux matters less than {}, which carries {} of the uncertainty and is worth {} to resolve.",
            crux_name(top),
            uncertainty_share(top.total),
            worth(top.value_of_information.unwrap_or(0.0))
        );
    }
    Some(line)
}

/// The career-choices answer from the sensitivity analysis: where resolving
/// uncertainty is worth most; a marked gap when the analysis has not run.
fn career_share(results: &PageResults) -> String {
    let Some(sensitivity) = &results.sensitivity else {
        return "_Not computed in this report: the share of the decision's uncertainty that each crux carries comes from the sensitivity and value-of-information analyses._".to_string();
    };
    let ranked = sensitivity.ranked();
    let Some(top) = ranked.first() else { return "**Sensitivity**: the model has no cruxes.".to_string() };
    let mut line = format!(
        "**Sensitivity**: {} carries {} of the uncertainty in {}; resolving it is worth {} per release",
        crux_name(top),
        uncertainty_share(top.total),
        sensitivity.target,
        worth(top.value_of_information.unwrap_or(0.0))
    );
    let rest: Vec<String> = ranked[1..]
        .iter()
        .map(|item| {
            format!(
                "{} {} ({})",
                crux_name(item),
                uncertainty_share(item.total),
                effect(item.value_of_information.unwrap_or(0.0)) + " bp"
            )
        })
        .collect();
    if !rest.is_empty() {
        let _ = write!(line, "; then {}", rest.join(", "));
    }
    match sensitivity.largest_value() {
        Some(most) if most.crux != top.crux => {
            let _ = write!(
                line,
                ". Work that resolves {} (worth {}) or {} pays most for this decision.",
                crux_name(most),
                worth(most.value_of_information.unwrap_or(0.0)),
                crux_name(top)
            );
        }
        _ => {
            let _ = write!(line, ". Work that resolves {} pays most for this decision.", crux_name(top));
        }
    }
    line
}

/// 1st, 2nd, 3rd, 4th...
fn ordinal(rank: usize) -> String {
    let suffix = match (rank % 10, rank % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{rank}{suffix}")
}

/// Parameter groups the page does not show, and net along the axis.
fn render_details(out: &mut String, model: &hir::Model, results: &PageResults, shown: &[usize]) {
    out.push_str("## Model details\n\n");
    let _ = writeln!(
        out,
        "Everything above comes from `crux run` with {} samples and seed {}; change any parameter with `--set NAME=EXPR` and run it again.\n",
        results.samples, results.seed
    );
    for (index, crux) in model.file.page.cruxes.iter().enumerate() {
        if shown.contains(&index) {
            continue;
        }
        let _ = writeln!(out, "### {}\n", crux.heading());
        if let Some(description) = &crux.description {
            let _ = writeln!(out, "{description}\n");
        }
        render_params(out, model, results, crux, "Parameters");
    }
    let ungrouped: Vec<usize> =
        (0..model.file.params.len()).filter(|index| model.file.params[*index].crux.is_none()).collect();
    if !ungrouped.is_empty() && !model.file.page.cruxes.is_empty() {
        let _ = writeln!(
            out,
            "Parameters without a crux: {}.\n",
            ungrouped
                .iter()
                .map(|index| format!("`{}`", model.file.params[*index].name.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if results.run.points.len() > 1 {
        let axis = axis_name(model);
        let flop_axis = is_flop_axis(model);
        let _ = writeln!(out, "### Net by {}\n", if flop_axis { "capability" } else { "axis value" });
        let mut headings = vec![axis.clone()];
        if flop_axis {
            headings.push("FLOP".to_string());
        }
        headings.extend(["E[net]", "90% interval", "P(net > 0)"].iter().map(|h| h.to_string()));
        let rows: Vec<Vec<String>> = results
            .run
            .points
            .iter()
            .zip(&results.run.net)
            .filter(|(x, _)| on_half_step(**x))
            .map(|(x, summary)| {
                let mut row = vec![capability(*x)];
                if flop_axis {
                    row.push(flop(*x).trim_end_matches(" FLOP").to_string());
                }
                row.extend([
                    signed(summary.mean),
                    format!("{} to {}", effect(summary.p05), effect(summary.p95)),
                    probability(summary.p_positive),
                ]);
                row
            })
            .collect();
        table(out, &headings, &rows);
    }
}

/// Whether the axis is in log10 FLOP (its label says so), so that axis
/// values can also be given in FLOP.
fn is_flop_axis(model: &hir::Model) -> bool {
    model.file.axis.as_ref().is_some_and(|axis| axis.label.contains("FLOP"))
}

pub(crate) fn axis_name(model: &hir::Model) -> String {
    model.file.axis.as_ref().map_or_else(|| "x".to_string(), |axis| axis.name.name.clone())
}
