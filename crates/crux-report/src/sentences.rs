//! Every sentence the report says, in one place. Sentences take the model's
//! own words: its unit (and what the unit measures), its axis name and label,
//! its params' and mechanisms' labels and its cruxes' names. What an answer
//! says comes from the answer's kind (`support_release`, `release_threshold`,
//! ...) and its data; nothing here names one model's params.
//!
//! Each function returns typed [`Text`], which the writers turn into
//! Markdown, terminal text or HTML.

use crate::document::{Inline, Text};
use crate::format::{capability, effect, flop, interval, is_whole, on_half_step, probability, share, signed, year};
use crate::results::{AnswerResult, CruxSensitivity, PageResults, ReleaseAnswer, Sensitivity, ShiftAnswer};
use crux_analysis::stats::Summary;
use crux_analysis::threshold::Threshold;
use crux_analysis::verdict::{Label, NEGATIVE_AT, POSITIVE_AT, label};
use crux_engine::RunOutput;
use crux_lang::hir;
use crux_lang::model::Side;
use crux_lang::page::{At, Verdict};
use crux_lang::print::print_expr;

/// The model's words: its unit, its axis, its labels.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    pub model: &'a hir::Model,
}

impl<'a> Words<'a> {
    pub fn new(model: &'a hir::Model) -> Words<'a> {
        Words { model }
    }

    /// The unit of effects (`bp`), or "model units" when the model gives none.
    pub fn unit(&self) -> &'a str {
        let unit = self.model.file.header.unit.trim();
        if unit.is_empty() { "model units" } else { unit }
    }

    /// A number in the unit: `6.3 bp`.
    pub fn in_unit(&self, value: &str) -> String {
        format!("{value} {}", self.unit())
    }

    /// The axis variable's name (`c`), or `x` for a model without an axis.
    pub fn axis(&self) -> String {
        self.model.file.axis.as_ref().map_or_else(|| "x".to_string(), |axis| axis.name.name.clone())
    }

    /// Whether the axis is in log10 FLOP (its label says so), so that axis
    /// values can also be given in FLOP.
    pub fn flop_axis(&self) -> bool {
        self.model.file.axis.as_ref().is_some_and(|axis| axis.label.contains("FLOP"))
    }

    /// ` (3.2e27 FLOP)` on a FLOP axis, else nothing.
    fn in_flop(&self, x: f64) -> String {
        if self.flop_axis() { format!(" ({})", flop(x)) } else { String::new() }
    }

    /// The end of the grid in the axis's words: `10^29 FLOP`, or `c = 29`.
    pub fn grid_end(&self, end: f64) -> String {
        if self.flop_axis() {
            format!("10^{} FLOP", capability(end))
        } else {
            format!("{} = {}", self.axis(), capability(end))
        }
    }

    /// A value of the per-sample threshold: the axis value, or "beyond" the
    /// end of the grid for `None`.
    pub fn threshold_value(&self, value: Option<f64>, end: f64) -> String {
        match value {
            Some(value) => capability(value),
            None => format!("beyond {}", self.grid_end(end)),
        }
    }

    fn mechanism(&self, index: usize) -> &'a str {
        self.model.file.mechanisms[index].display_name()
    }
}

/// The report's first lines: what was computed and how to read it.
pub fn about(words: Words, results: &PageResults) -> Text {
    let file = &words.model.file;
    let mut text = Text::plain("Answered by Crux with the model ")
        .and_code(&file.header.id)
        .and(format!(" ({} samples, seed {}).", results.samples, results.seed));
    let header = &file.header;
    if header.unit.trim().is_empty() {
        text = text.and(" Net = benefits − risks: positive when the benefits outweigh.");
    } else {
        let unit = if header.unit_label.trim().is_empty() {
            header.unit.trim().to_string()
        } else {
            format!("{} ({})", header.unit.trim(), header.unit_label.trim())
        };
        text =
            text.and(format!(" Effects are in {unit}; net = benefits − risks: positive when the benefits outweigh."));
    }
    let context = |name: &str| results.context.iter().find(|(field, _)| *field == name).map(|(_, summary)| summary);
    if let Some(open_now) = context("open_now") {
        let (at, low, high) = (capability(open_now.p50), capability(open_now.p05), capability(open_now.p95));
        text = text.and(if words.flop_axis() {
            format!(" \"Now\" is the open frontier now, 10^{at} FLOP (90% interval 10^{low} to 10^{high})")
        } else {
            format!(" \"Now\" is the open frontier now, {} = {at} (90% interval {low} to {high})", words.axis())
        });
        if let Some(year_now) = context("year_now") {
            text = text.and(format!(", in {}", year(year_now.p50)));
        }
        text = text.and(".");
    }
    text
}

/// The verdict on net of a model without a page: at its one point, or
/// along its axis in stretches of equal verdict.
pub fn verdict_on_net(words: Words, run: &RunOutput) -> Text {
    let lead = Text::new().and_strong("Verdict").and(": ");
    if run.points.len() == 1 {
        let net = &run.net[0];
        return lead.and_strong(label(net.p_positive).as_str()).and(format!(
            ": P(net > 0) = {}; E[net] = {} (90% interval {} to {}).",
            probability(net.p_positive),
            words.in_unit(&signed(net.mean)),
            effect(net.p05),
            effect(net.p95)
        ));
    }
    let axis = words.axis();
    let stretches = stretches(&run.points, &run.net.iter().map(|net| net.p_positive).collect::<Vec<_>>());
    let mut text = lead;
    for (index, (from, to, verdict)) in stretches.iter().enumerate() {
        let range = if stretches.len() == 1 {
            format!(" across {axis} = {} to {}", capability(*from), capability(*to))
        } else if index == 0 {
            format!(" up to {axis} = {}", capability(*to))
        } else if index == stretches.len() - 1 {
            format!(" from {axis} = {}", capability(*from))
        } else {
            format!(" for {axis} = {} to {}", capability(*from), capability(*to))
        };
        if index > 0 {
            text = text.and("; ");
        }
        text = text.and_strong(verdict.as_str()).and(range);
    }
    text.and(" (P(net > 0) along the axis is in the table of net below).")
}

/// The axis cut into stretches of equal verdict on P(net > 0): (from, to, verdict).
pub fn stretches(points: &[f64], p_positive: &[f64]) -> Vec<(f64, f64, Label)> {
    let mut stretches: Vec<(f64, f64, Label)> = Vec::new();
    for (x, p) in points.iter().zip(p_positive) {
        let verdict = label(*p);
        match stretches.last_mut() {
            Some(last) if last.2 == verdict => last.1 = *x,
            _ => stretches.push((*x, *x, verdict)),
        }
    }
    stretches
}

/// The rule of the verdicts.
pub fn verdict_rule() -> Text {
    Text::plain(format!(
        "Verdict on P(net > 0): Positive at {} or more, Negative at {} or less, Unclear between.",
        POSITIVE_AT, NEGATIVE_AT
    ))
}

/// The heading of a column of mean effects at one axis value (or at the model's one point).
pub fn mean_effect_heading(words: Words, x: f64) -> String {
    if words.model.file.axis.is_some() {
        format!("{} = {}", words.axis(), capability(x))
    } else {
        format!("Mean effect ({})", words.unit())
    }
}

/// How to read a benefit or risk table of mean effects.
pub fn mean_effects_caption(words: Words, side: Side) -> Text {
    let what = match side {
        Side::Benefit => "how much each benefit adds to net",
        Side::Risk => "how much each risk takes from net",
    };
    Text::plain(format!("Mean effect over the samples, in {}: {what}.", words.unit()))
}

/// The notes of a computed evaluation row: the event, its probability, where and given what.
pub fn verdict_notes(words: Words, rule: &Verdict, probability_value: f64) -> String {
    let event = format!("P(net {} {})", rule.op.symbol(), crate::format::value(rule.value));
    let place = match rule.at {
        At::Now => "at the open frontier now".to_string(),
        At::Value(x) => format!("at {} = {}", words.axis(), capability(x)),
    };
    let given = rule.given.as_ref().map(|given| format!(", given {}", print_expr(given))).unwrap_or_default();
    format!("{event} = {} {place}{given}", probability(probability_value))
}

/// The heading of a mechanism table's effect column.
pub fn effect_heading(words: Words) -> String {
    format!("Effect now ({}), mean", words.unit())
}

/// How to read a benefit or risk table's effects.
pub fn effects_caption(words: Words, side: Side) -> Text {
    let what = match side {
        Side::Benefit => "how much each benefit adds to net",
        Side::Risk => "how much each risk takes from net",
    };
    Text::plain(format!(
        "Effect of a release at the open frontier now: {what}, in {}; mean and 90% interval over the samples.",
        words.unit()
    ))
}

/// The lead of a crux's param table.
pub fn params_lead(lead: &str, samples: usize) -> Text {
    Text::new().and_strong(lead).and(format!(": the parameters of this crux, over {samples} samples."))
}

/// The first paragraph of the model details.
pub fn details_intro(results: &PageResults) -> Text {
    Text::plain("Everything above comes from ")
        .and_code("crux run")
        .and(format!(" with {} samples and seed {}; change any parameter with ", results.samples, results.seed))
        .and_code("--set NAME=EXPR")
        .and(" and run it again.")
}

/// The params that belong to no crux, named.
pub fn ungrouped_params(names: &[&str]) -> Text {
    let mut text = Text::plain("Parameters without a crux: ");
    for (index, name) in names.iter().enumerate() {
        if index > 0 {
            text = text.and(", ");
        }
        text = text.and_code(*name);
    }
    text.and(".")
}

/// The heading of the table of net along the axis.
pub fn net_by_axis_heading(words: Words) -> String {
    format!("Net by {}", if words.flop_axis() { "capability" } else { "axis value" })
}

/// How a crux is named in sentences: its heading, or its id in code marks.
fn crux_name(item: &CruxSensitivity) -> Text {
    if item.name.is_empty() { Text::new().and_code(&item.crux) } else { Text::plain(&item.name) }
}

/// A share of the uncertainty, as a percentage; estimates below 0 (noise
/// around a share of 0) are shown as 0.
fn uncertainty_share(value: f64) -> String {
    share(value.clamp(0.0, 1.0))
}

/// What resolving a crux is worth: `6.3 bp`, or that it would not change the decision.
fn worth(words: Words, value: f64) -> String {
    if value.abs() < 0.005 {
        format!("{} (learning it would not change the decision)", words.in_unit("0"))
    } else {
        words.in_unit(&effect(value))
    }
}

/// The sentence that names the crux that matters most and what resolving it is worth.
pub fn sensitivity_summary(words: Words, sensitivity: &Sensitivity) -> Text {
    let lead = Text::new().and_strong("Which crux matters most");
    let Some(largest) = sensitivity.largest_share() else {
        return lead.and(format!(" for {}: the model has no cruxes.", sensitivity.target));
    };
    let mut text = lead
        .and(format!(" for {}: ", sensitivity.target))
        .and_text(crux_name(largest))
        .and(format!(" carries the largest share of the uncertainty, {}", uncertainty_share(largest.total)));
    if let Some(value) = largest.value_of_information {
        text = text.and(format!(
            ", and resolving it before deciding whether to release is worth {} per release",
            worth(words, value)
        ));
    }
    if let Some(most) = sensitivity.largest_value().filter(|most| most.crux != largest.crux) {
        text = text
            .and("; resolving ")
            .and_text(crux_name(most))
            .and(format!(" is worth more, {}", worth(words, most.value_of_information.unwrap_or(0.0))));
    }
    if let Some(evpi) = sensitivity.evpi {
        text = text.and(format!(" (resolving every input: {})", worth(words, evpi)));
    }
    text.and(".")
}

/// The headings of the table of each crux's share and worth.
pub fn sensitivity_headings() -> [&'static str; 4] {
    ["Crux", "Share of the uncertainty (total index)", "Alone (first-order index)", "Worth resolving (EVPPI)"]
}

/// The table of each crux's share of the uncertainty and value of
/// information, by decreasing share.
pub fn sensitivity_rows(words: Words, sensitivity: &Sensitivity) -> Vec<Vec<Text>> {
    sensitivity
        .ranked()
        .into_iter()
        .map(|item| {
            let total = if item.total_conf > 0.0 {
                format!("{} (±{} points)", uncertainty_share(item.total), effect(item.total_conf * 100.0))
            } else {
                uncertainty_share(item.total)
            };
            let value = match item.value_of_information {
                Some(value) if value.abs() < 0.005 => format!("{} (±{})", words.in_unit("0"), effect(item.value_error)),
                Some(value) => format!("{} (±{})", words.in_unit(&effect(value)), effect(item.value_error)),
                None => "not computed".to_string(),
            };
            vec![
                crux_name(item),
                Text::plain(total),
                Text::plain(uncertainty_share(item.first_order)),
                Text::plain(value),
            ]
        })
        .collect()
}

/// How the shares and values were estimated, with the sample sizes.
pub fn sensitivity_method(sensitivity: &Sensitivity) -> Text {
    Text::plain(format!(
        "A crux's share of the uncertainty is its total Sobol index: the share of the variance of net that its params account for, alone or through interactions with other inputs (the variance that would be left if everything else were known; shares that overlap add up to more than 100%). \"Alone\" is the first-order index: the variance that goes away, on average, once its params are known. Estimated from a Saltelli design of N = {} rows ({} model runs; ± is a 95% bootstrap interval). What resolving a crux is worth is its expected value of partial perfect information (EVPPI): how much higher E[net] of the release decision (release iff E[net] > 0) would be if its params were learnt first, from {} model runs ({} inner runs per outer point; ± is one standard error). These sample sizes keep ",
        sensitivity.sobol_rows, sensitivity.sobol_runs, sensitivity.value_runs, sensitivity.value_inner
    ))
    .and_code("crux run")
    .and(" to about a second; ")
    .and_code("crux sensitivity")
    .and(" and ")
    .and_code("crux voi")
    .and(" give every param, more samples and other capabilities.")
}

/// The answer of an analysis, as list items.
pub fn answer(words: Words, results: &PageResults, answer: &AnswerResult) -> Vec<Text> {
    match answer {
        AnswerResult::Threshold => results.threshold.as_ref().map(|t| threshold(words, t)).unwrap_or_default(),
        AnswerResult::SupportRelease { net, p_positive } => vec![support_release(words, net, *p_positive)],
        AnswerResult::ReleaseThreshold(release) => release_threshold(words, release),
        AnswerResult::ComputeGovernance(shift) => compute_governance(words, results, shift),
        AnswerResult::CareerChoices { now, at_crossing } => career_choices(words, results, now, at_crossing.as_ref()),
    }
}

/// "Whether to support a release": E[net] and P(net > 0) at the open frontier now.
fn support_release(words: Words, net: &Summary, p_positive: f64) -> Text {
    let stance = if p_positive >= 0.5 && net.mean > 0.0 {
        "on balance, supporting it is safer"
    } else if p_positive < 0.5 && net.mean < 0.0 {
        "on balance, supporting it is less safe"
    } else {
        "the expectation and the odds disagree"
    };
    Text::new().and_strong("Model").and(format!(
        ": a release at the open frontier now has E[net] = {} (90% interval {}) and P(net > 0) = {}: {stance}.",
        words.in_unit(&signed(net.mean)),
        interval(net),
        probability(p_positive)
    ))
}

/// The capability threshold, as list items.
pub fn threshold(words: Words, threshold: &Threshold) -> Vec<Text> {
    let axis = words.axis();
    let end = threshold.grid.last().copied().unwrap_or(f64::NAN);
    let reached = |summary: Option<&Summary>| match summary {
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
        Some(index) => {
            format!("from {axis} = {}{}", capability(threshold.grid[index]), words.in_flop(threshold.grid[index]))
        }
        None => format!("nowhere up to {axis} = {}", capability(end)),
    };
    let mut lines = vec![
        Text::new().and_strong("Answer").and(format!(
            ": E[net] is negative {}{}.",
            crossing(threshold.mean_crossing),
            reached(threshold.mean_crossing_year.as_ref())
        )),
        Text::plain(format!("P(net > 0) is below 0.5 {}.", crossing(threshold.median_crossing))),
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
            if words.flop_axis() {
                line.push_str(&format!(
                    ", that is {} ({} to {})",
                    flop(capability_summary.p50),
                    flop(capability_summary.p05).trim_end_matches(" FLOP"),
                    flop(capability_summary.p95)
                ));
            }
            line.push_str(&reached(sample.year.as_ref()));
            line.push_str(&format!("; this is over the {} of samples that cross.", share(crossing_share)));
            lines.push(Text::plain(line));
        }
        None => lines.push(Text::plain("No sample's net stays negative within the grid.")),
    }
    let mut apart = format!(
        "In {} of samples net is still positive at {axis} = {} (\"never\" within the grid)",
        share(sample.never_share),
        capability(end)
    );
    if sample.from_start_share > 0.0 {
        apart.push_str(&format!("; in {} it is negative over the whole grid", share(sample.from_start_share)));
    }
    apart.push('.');
    lines.push(Text::plain(apart));
    lines
}

/// "Whether to regulate release": the best "open below T" rule and the regret of others.
fn release_threshold(words: Words, release: &ReleaseAnswer) -> Vec<Text> {
    let axis = words.axis();
    let horizon = &release.horizon;
    let years = format!("{} to {}", year(horizon.p05), year(horizon.p95));
    let per_release = |value: f64| format!("{} per release", words.in_unit(&signed(value)));
    let lead = Text::new().and_strong("Model");
    let mut lines = vec![match release.best.threshold {
        Some(_) if release.best.value == 0.0 => lead.and(format!(
            ": over the frontier releases of the next {years} years, the best rule keeps every one of them closed (any threshold below the open frontier now)."
        )),
        Some(threshold) => lead.and(format!(
            ": over the frontier releases of the next {years} years, the best rule is \"open below {axis} = {}\"{}, with an expected net of {}.",
            capability(threshold),
            words.in_flop(threshold),
            per_release(release.best.value)
        )),
        None => lead.and(format!(
            ": over the frontier releases of the next {years} years, the best rule is no threshold (open every release), with an expected net of {}.",
            per_release(release.best.value)
        )),
    }];
    let mut regrets: Vec<String> = release
        .comparisons
        .iter()
        .map(|item| format!("{} ({axis} = {}): {}", item.label, capability(item.threshold), effect(item.regret)))
        .collect();
    regrets.push(format!("no threshold: {}", effect(release.no_threshold.1)));
    lines.push(Text::plain(format!(
        "Regret against the best rule, in {} per release: {}.",
        words.unit(),
        regrets.join("; ")
    )));
    let curve = release.policy.curve();
    let picks: Vec<String> = release
        .policy
        .grid
        .iter()
        .zip(&curve)
        .filter(|(x, _)| on_half_step(**x) && is_whole(**x))
        .map(|(x, value)| format!("{}: {}", capability(*x), signed(*value)))
        .collect();
    lines.push(Text::plain(format!(
        "Expected net per release of \"open below T\", by T: {}; none: {}.",
        picks.join(", "),
        signed(release.no_threshold.0)
    )));
    if release.policy.beyond_grid_share > 0.0 {
        lines.push(Text::plain(format!(
            "{} of these releases lie beyond {axis} = {} and count as releases at the grid's end.",
            share(release.policy.beyond_grid_share),
            capability(*release.policy.grid.last().unwrap_or(&f64::NAN))
        )));
    }
    lines
}

/// "How to structure compute governance": how far the threshold moves when a param shifts.
fn compute_governance(words: Words, results: &PageResults, shift: &ShiftAnswer) -> Vec<Text> {
    let axis = words.axis();
    let label = words
        .model
        .file
        .param(&shift.param)
        .and_then(|param| param.label.clone())
        .map(|label| format!(", {label},"))
        .unwrap_or_default();
    let position = |index: Option<usize>, threshold: &Threshold| {
        index.map_or_else(|| "never".to_string(), |index| capability(threshold.grid[index]))
    };
    let median = |threshold: &Threshold| {
        threshold.sample.capability.map_or_else(|| "never".to_string(), |summary| capability(summary.p50))
    };
    let (before, after) = (&shift.before.threshold, &shift.after.threshold);
    let mut line = Text::new().and_strong("Model").and(": if ").and_code(&shift.param).and(format!(
        "{label} rises by {}, the point where E[net] turns negative moves from {axis} = {} to {}, the median per-sample threshold from {} to {}, and the share of samples that never cross from {} to {}",
        crate::format::value(shift.shift),
        position(before.mean_crossing, before),
        position(after.mean_crossing, after),
        median(before),
        median(after),
        share(before.sample.never_share),
        share(after.sample.never_share),
    ));
    if let (Some(p_before), Some(p_after), Some(mean_before), Some(mean_after)) =
        (shift.before.p_positive_now, shift.after.p_positive_now, shift.before.mean_now, shift.after.mean_now)
    {
        line = line.and(format!(
            "; at the open frontier now, E[net] goes from {} to {} (a change of {}) and P(net > 0) from {} to {}",
            signed(mean_before),
            words.in_unit(&signed(mean_after)),
            signed(mean_after - mean_before),
            probability(p_before),
            probability(p_after)
        ));
    }
    let mut lines = vec![line.and(".")];
    lines.extend(crux_share(words, results, shift.crux.as_deref()));
    lines
}

/// The share of the uncertainty the shifted param's crux carries, what
/// resolving it is worth, and how it ranks; a marked gap when the analysis
/// has not run.
fn crux_share(words: Words, results: &PageResults, crux: Option<&str>) -> Option<Text> {
    let Some(sensitivity) = &results.sensitivity else {
        let which = crux.map_or_else(|| Text::plain("each crux"), |id| Text::plain("crux ").and_code(id));
        return Some(not_computed(which));
    };
    let ranked = sensitivity.ranked();
    let position = ranked.iter().position(|item| Some(item.crux.as_str()) == crux)?;
    let item = ranked[position];
    let mut line = Text::new().and_strong("Sensitivity").and(": ").and_text(crux_name(item)).and(format!(
        " carries {} of the uncertainty in {}, {} alone, and ranks {} of {} cruxes; resolving it is worth {}",
        uncertainty_share(item.total),
        sensitivity.target,
        uncertainty_share(item.first_order),
        ordinal(position + 1),
        ranked.len(),
        worth(words, item.value_of_information.unwrap_or(0.0))
    ));
    if position == 0 {
        line = line.and(": of all the cruxes, settling this one matters most for the decision now.");
    } else {
        let top = ranked[0];
        line = line.and(". For the decision now, this crux matters less than ").and_text(crux_name(top)).and(format!(
            ", which carries {} of the uncertainty and is worth {} to resolve.",
            uncertainty_share(top.total),
            worth(words, top.value_of_information.unwrap_or(0.0))
        ));
    }
    Some(line)
}

/// A marked gap: the share of the decision's uncertainty that `which` carries was not computed.
fn not_computed(which: Text) -> Text {
    Text(vec![Inline::Emphasis(
        Text::plain("Not computed in this report: the share of the decision's uncertainty that ")
            .and_text(which)
            .and(" carries comes from the sensitivity and value-of-information analyses."),
    )])
}

/// "Career choices": the largest effects now and where E[net] turns negative,
/// and where resolving uncertainty is worth most.
fn career_choices(
    words: Words,
    results: &PageResults,
    now: &[(usize, f64)],
    at_crossing: Option<&(f64, Vec<(usize, f64)>)>,
) -> Vec<Text> {
    let list = |items: &[(usize, f64)]| {
        items
            .iter()
            .take(3)
            .map(|(index, mean)| format!("{} ({})", words.mechanism(*index), signed(*mean)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !now.is_empty() {
        parts.push(format!("at the open frontier now the largest effects on net are {}", words.in_unit(&list(now))));
    }
    if let Some((x, items)) = at_crossing {
        parts.push(format!(
            "where E[net] turns negative ({} = {}): {}",
            words.axis(),
            capability(*x),
            words.in_unit(&list(items))
        ));
    }
    let mut lines = Vec::new();
    if !parts.is_empty() {
        lines.push(Text::new().and_strong("Model").and(format!(": {}.", parts.join("; "))));
    }
    lines.push(uncertainty_ranking(words, results));
    lines
}

/// Where resolving uncertainty is worth most; a marked gap when the analysis has not run.
fn uncertainty_ranking(words: Words, results: &PageResults) -> Text {
    let Some(sensitivity) = &results.sensitivity else { return not_computed(Text::plain("each crux")) };
    let ranked = sensitivity.ranked();
    let Some(top) = ranked.first() else {
        return Text::new().and_strong("Sensitivity").and(": the model has no cruxes.");
    };
    let mut line = Text::new().and_strong("Sensitivity").and(": ").and_text(crux_name(top)).and(format!(
        " carries {} of the uncertainty in {}; resolving it is worth {} per release",
        uncertainty_share(top.total),
        sensitivity.target,
        worth(words, top.value_of_information.unwrap_or(0.0))
    ));
    for (index, item) in ranked[1..].iter().enumerate() {
        line = line.and(if index == 0 { "; then " } else { ", " }).and_text(crux_name(item)).and(format!(
            " {} ({})",
            uncertainty_share(item.total),
            words.in_unit(&effect(item.value_of_information.unwrap_or(0.0)))
        ));
    }
    match sensitivity.largest_value() {
        Some(most) if most.crux != top.crux => line
            .and(". Work that resolves ")
            .and_text(crux_name(most))
            .and(format!(" (worth {}) or ", worth(words, most.value_of_information.unwrap_or(0.0))))
            .and_text(crux_name(top))
            .and(" pays most for this decision."),
        _ => line.and(". Work that resolves ").and_text(crux_name(top)).and(" pays most for this decision."),
    }
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
