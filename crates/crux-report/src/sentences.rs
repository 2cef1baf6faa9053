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
use crate::results::{
    Answer, ConditionalEffects, CruxSensitivity, DecisionResults, ReleaseAnswer, Results, Sensitivity, ShiftAnswer,
    Studies,
};
use crux_analysis::inputs::OTHER_GROUP_NAME;
use crux_analysis::robustness::{Robustness, Row as RobustnessRow};
use crux_analysis::stats::Summary;
use crux_analysis::threshold::{Quantiles, Threshold, Year};
use crux_analysis::verdict::{Label, NEGATIVE_AT, POSITIVE_AT, label, shown_stretches};
use crux_engine::RunOutput;
use crux_engine::format::short;
use crux_lang::model::Side;
use crux_lang::outline::{At, Verdict};
use crux_lang::print::print_expr;

use crate::words::Words;

/// The report's first lines: what was computed and how to read it.
pub fn about(words: Words, results: &Results) -> Text {
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
    let place = |summary: &Summary| {
        let (at, low, high) = (capability(summary.p50), capability(summary.p05), capability(summary.p95));
        if words.flop_axis() {
            format!("10^{at} FLOP (90% interval 10^{low} to 10^{high})")
        } else {
            format!("{} = {at} (90% interval {low} to {high})", words.axis())
        }
    };
    if let (Some(next), Some(open_now)) = (context("next_release"), context("open_now")) {
        let when = context("year_now").map(|year_now| format!(" in {}", year(year_now.p50))).unwrap_or_default();
        text = text.and(format!(
            " \"Now\" is the next open frontier release{when}, at {}: one release step above today's open frontier, {}. A release at or below the open frontier changes nothing.",
            place(next),
            place(open_now)
        ));
    } else if let Some(open_now) = context("open_now") {
        text = text.and(format!(" \"Now\" is the open frontier now, {}", place(open_now)));
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
    let column = |value: fn(&crux_engine::PointSummary) -> f64| run.net.iter().map(value).collect::<Vec<f64>>();
    let stretches =
        shown_stretches(&run.points, &column(|net| net.p_positive), &column(|net| net.p05), &column(|net| net.p95));
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
        text = text.and_strong(*verdict).and(range);
    }
    text.and(" (P(net > 0) along the axis is in the table of net below).")
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
        At::Now => format!("for {}", words.now()),
        At::Value(x) => format!("at {} = {}", words.axis(), capability(x)),
    };
    let given = rule.given.as_ref().map(|given| format!(", given {}", print_expr(given))).unwrap_or_default();
    format!("{event} = {} {place}{given}", probability(probability_value))
}

/// Why the model's verdict on an evaluation row is not the page's, in one
/// sentence: the mean effects behind it, over the samples the row counts.
pub fn evaluation_differs(
    words: Words,
    page: &str,
    computed: &str,
    rule: &Verdict,
    effects: &ConditionalEffects,
) -> String {
    let given = rule.given.as_ref().map(|given| format!(" given {},", print_expr(given))).unwrap_or_default();
    let largest = |item: Option<(usize, f64)>| {
        item.map(|(index, mean)| format!(" (most of it {}, {})", words.mechanism(index), effect(mean)))
            .unwrap_or_default()
    };
    format!(
        "The page says {page}; the model says {computed} because,{given} for {} the benefits average {}{} against risks of {}{}.",
        words.now(),
        words.in_unit(&effect(effects.benefits)),
        largest(effects.largest_benefit),
        words.in_unit(&effect(effects.risks)),
        largest(effects.largest_risk),
    )
}

/// The heading of the worldviews table's column of E[net] at "now".
pub fn worldview_now_heading(words: Words) -> String {
    format!("E[net] for {} ({})", words.now(), words.unit())
}

/// What the worldviews table shows.
pub fn worldviews_lead(words: Words, worldviews: &[crate::results::WorldviewAnswer], samples: usize) -> Text {
    let count = worldviews.len();
    let sizes = match worldviews.first().map(|worldview| worldview.samples) {
        Some(first) if first < samples => format!(
            "the defaults with this report's {samples} samples, the presets with the first {first} of them (the same draws), all with this report's seed"
        ),
        _ => "each with this report's samples and seed".to_string(),
    };
    Text::new()
        .and_strong("The presets side by side")
        .and(format!(": the model's defaults and {count} preset worldviews ("))
        .and_code("crux profiles")
        .and(format!(
        "), {sizes}. A verdict is Positive when P(net > 0) is at least {}, Negative when at most {}; E[net] for {}.",
        POSITIVE_AT,
        NEGATIVE_AT,
        words.now()
    ))
}

/// A worldview's cells: E[net] now, P(net > 0) now, and where E[net] turns negative.
pub fn worldview_cells(words: Words, answer: &crate::results::WorldviewAnswer, end: Option<f64>) -> Vec<Text> {
    let (mean, p_positive) = match answer.now {
        Some((mean, p_positive)) => (signed(mean), probability(p_positive)),
        None => ("–".to_string(), "–".to_string()),
    };
    let crossing = match (answer.mean_crossing, end) {
        (Some(x), _) => format!("{} = {}", words.axis(), capability(x)),
        (None, Some(end)) => format!("not within the grid (to {})", words.grid_end(end)),
        (None, None) => "–".to_string(),
    };
    vec![Text::plain(mean), Text::plain(p_positive), Text::plain(crossing)]
}

/// One entry of the References section: "[id] Authors (year). Title. Venue." and a link.
pub fn reference(reference: &crux_lang::references::Reference) -> Text {
    // A full stop after a part, unless it ends with one of its own.
    let stop = |part: &str| if part.ends_with(['.', '!', '?']) { "" } else { "." };
    let authors = reference.authors.trim();
    let mut text = Text::new().and_code(&reference.id).and(" ").and(authors);
    match reference.year {
        Some(year) => text = text.and(format!(" ({year}). ")),
        None => text = text.and(format!("{} ", stop(authors))),
    }
    let title = reference.title.trim();
    text.push(Inline::Emphasis(Text::plain(title)));
    text = text.and(stop(title));
    if let Some(venue) = &reference.venue {
        text = text.and(format!(" {}{}", venue.trim(), stop(venue.trim())));
    }
    if let Some(link) = reference.link() {
        text = text.and(" ");
        text.push(Inline::Link { text: Text::plain(link.clone()), url: link });
    }
    text
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
        "Effect of {}: {what}, in {}; mean and 90% interval over the samples.",
        words.now(),
        words.unit()
    ))
}

/// The lead of a crux's param table.
pub fn params_lead(lead: &str, samples: usize) -> Text {
    Text::new().and_strong(lead).and(format!(": the parameters of this crux, over {samples} samples."))
}

/// The first paragraph of the model details.
pub fn details_intro(results: &Results) -> Text {
    Text::plain("Everything above comes from ")
        .and_code("crux run")
        .and(format!(" with {} samples and seed {}; change any parameter with ", results.samples, results.seed))
        .and_code("--set NAME=EXPR")
        .and(" and run it again.")
}

/// The params that belong to no crux, named.
pub fn ungrouped_params(names: &[&str]) -> Text {
    let mut text = Text::plain(format!("{OTHER_GROUP_NAME} (without a crux): "));
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

/// The sentences that name the best option now and along the axis, and
/// what knowing everything first would be worth.
pub fn decision_summary(words: Words, decision: &DecisionResults) -> Text {
    let lead = Text::new().and_strong(decision.title.clone().unwrap_or_else(|| "Which option is best".to_string()));
    let Some(now) = decision.points.get(decision.now) else { return lead.and(".") };
    let at = now.at.map(|at| format!(" at {} = {}", words.axis(), short(at))).unwrap_or_default();
    let mut text = lead.and(format!(
        ": of {} options, {} has the greatest expected value{at}, {}",
        decision.options.len(),
        decision.options[now.best],
        words.in_unit(&effect(now.expected_values[now.best]))
    ));
    // Stretches of the axis with the same best option.
    let mut stretches: Vec<(usize, Option<f64>, Option<f64>)> = Vec::new();
    for point in &decision.points {
        match stretches.last_mut() {
            Some((best, _, to)) if *best == point.best => *to = point.at,
            _ => stretches.push((point.best, point.at, point.at)),
        }
    }
    if stretches.len() > 1 {
        let parts: Vec<String> = stretches
            .iter()
            .map(|(best, from, to)| match (from, to) {
                (Some(from), Some(to)) if from == to => {
                    format!("{} at {} = {}", decision.options[*best], words.axis(), short(*from))
                }
                (Some(from), Some(to)) => {
                    format!("{} from {} = {} to {}", decision.options[*best], words.axis(), short(*from), short(*to))
                }
                _ => decision.options[*best].clone(),
            })
            .collect();
        text = text.and(format!("; along the axis the best option is {}", parts.join(", then ")));
    } else if decision.points.len() > 1 {
        text = text.and("; it is the best option at every point of the axis");
    }
    text.and(format!(
        ". Knowing every param before choosing would be worth {}{at}.",
        words.in_unit(&effect(now.evpi.value))
    ))
}

/// One row per grid point: the axis value, each option's E[value], the best option and the EVPI.
pub fn decision_rows(decision: &DecisionResults) -> Vec<Vec<Text>> {
    decision
        .points
        .iter()
        .map(|point| {
            let mut row = vec![Text::plain(point.at.map_or_else(|| "-".to_string(), short))];
            row.extend(point.expected_values.iter().map(|value| Text::plain(effect(*value))));
            row.push(Text::plain(decision.options[point.best].clone()));
            row.push(Text::plain(effect(point.evpi.value)));
            row
        })
        .collect()
}

/// How the options were valued.
pub fn decision_method(decision: &DecisionResults) -> Text {
    Text::plain(format!(
        "Each option is worth the formula the model gives it, evaluated in each of {} model runs per point of the axis; the option with the greatest mean is the best. EVPI is how much higher the expected value would be if the best option could be chosen in each run. ",
        decision.runs
    ))
    .and_code("crux voi")
    .and(" gives each crux's share of it, with more samples.")
}

/// The sentence that names the study worth most, net of its cost.
pub fn studies_summary(words: Words, studies: &Studies) -> Text {
    let lead = Text::new().and_strong("What a study is worth");
    let best = studies.values.iter().max_by(|a, b| a.1.net_value().total_cmp(&b.1.net_value()));
    let Some((name, best)) = best else { return lead.and(": the model declares no study.") };
    let mut text = lead
        .and(format!("{}: {name}, which measures ", studies.at))
        .and_code(best.measures.clone())
        .and(format!(", would raise the expected value of the release decision by {}", worth(words, best.evsi.value)));
    if best.cost > 0.0 {
        let net = best.net_value();
        text = text.and(format!(
            " against a cost of {}, {}",
            words.in_unit(&effect(best.cost)),
            if net > 0.0 {
                format!("a net gain of {}", words.in_unit(&effect(net)))
            } else {
                "so it is not worth its cost".to_string()
            }
        ));
    }
    text.and("; learning ")
        .and_code(best.measures.clone())
        .and(format!(" exactly would be worth {}.", worth(words, best.ceiling.value)))
}

/// The headings of the table of studies.
pub fn studies_headings() -> [&'static str; 6] {
    ["Study", "Measures", "Worth (EVSI)", "Ceiling (EVPPI of the param)", "Cost", "Net of cost"]
}

/// One row per study, in the model's order.
pub fn studies_rows(words: Words, studies: &Studies) -> Vec<Vec<Text>> {
    let value = |estimate: crux_analysis::voi::Estimate| {
        format!("{} (±{})", words.in_unit(&effect(estimate.value)), effect(estimate.standard_error))
    };
    studies
        .values
        .iter()
        .map(|(name, study)| {
            vec![
                Text::plain(name.clone()),
                Text::new().and_code(study.measures.clone()),
                Text::plain(value(study.evsi)),
                Text::plain(value(study.ceiling)),
                Text::plain(if study.cost > 0.0 {
                    words.in_unit(&effect(study.cost))
                } else {
                    "none given".to_string()
                }),
                Text::plain(words.in_unit(&effect(study.net_value()))),
            ]
        })
        .collect()
}

/// How the studies were valued.
pub fn studies_method(studies: &Studies) -> Text {
    Text::plain(format!(
        "A study's worth is its expected value of sample information (EVSI): how much higher E[net] of the release decision (release iff E[net] > 0) would be if the study's result were known first. It is estimated from {} model runs: each run's study result is simulated from its value of the measured param, net is regressed on the result, and each run is decided by the regression fitted on the other half of the runs (± is one standard error). Its ceiling is what learning the param exactly would be worth. ",
        studies.runs
    ))
    .and_code("crux voi")
    .and(" gives more samples and other capabilities.")
}

/// The answer of an analysis, as list items.
pub fn answer(words: Words, results: &Results, answer: &Answer) -> Vec<Text> {
    match answer {
        Answer::Threshold => {
            let mut lines = results.threshold.as_ref().map(|t| threshold(words, t)).unwrap_or_default();
            let mut next = lines.len().min(1);
            if let Some(line) = results.threshold.as_ref().and_then(|t| negative_from_the_start(words, results, t)) {
                lines.insert(next, line);
                next += 1;
            }
            // How fragile the answer is: where E[net] turns negative when one
            // judgement at a time takes another defensible value.
            if let Some(range) = results.robustness.as_ref().and_then(|robustness| robustness_range(words, robustness))
            {
                lines.insert(
                    next,
                    Text::new()
                        .and_strong("How robust")
                        .and(": holding one judgement at a time at its 10th or 90th percentile, E[net] turns negative ")
                        .and_text(range)
                        .and(" (see \"How robust the answer is\")."),
                );
            }
            lines
        }
        Answer::SupportRelease { net, p_positive } => vec![support_release(words, net, *p_positive)],
        Answer::ReleaseThreshold(release) => release_threshold(words, release),
        Answer::ComputeGovernance(shift) => compute_governance(words, results, shift),
        Answer::CareerChoices { now, at_crossing } => career_choices(words, results, now, at_crossing.as_ref()),
    }
}

/// When E[net] is negative from the grid's start, how much: near zero far
/// below the open frontier (where a release changes almost nothing) is not
/// the same answer as negative everywhere.
fn negative_from_the_start(words: Words, results: &Results, threshold: &Threshold) -> Option<Text> {
    if threshold.mean_crossing != Some(0) {
        return None;
    }
    let run = &results.run;
    let (first, start) = (run.net.first()?.mean, *run.points.first()?);
    let (at, most) =
        run.points.iter().zip(&run.net).map(|(x, summary)| (*x, summary.mean)).min_by(|a, b| a.1.total_cmp(&b.1))?;
    if first.abs() >= 0.01 * most.abs() {
        return None;
    }
    let frontier = if words.model.file.outline.context.open_now.is_some() {
        " Below the open frontier a release changes almost nothing, so the threshold that says most is each sample's own, below."
    } else {
        ""
    };
    Some(Text::plain(format!(
        "Only just, at first: E[net] is {} at {} = {}, against {} at its most negative ({} = {}).{frontier}",
        words.in_unit(&signed(first)),
        words.axis(),
        capability(start),
        signed(most),
        words.axis(),
        capability(at)
    )))
}

/// "Whether to support a release": E[net] and P(net > 0) of the release
/// "now", stated as the probability that supporting it is safer (no more
/// than the numbers show).
fn support_release(words: Words, net: &Summary, p_positive: f64) -> Text {
    let odds = match label(p_positive) {
        Label::Positive => "supporting it is likely safer",
        Label::Negative => "supporting it is likely less safe",
        Label::Unclear => "whether supporting it is safer is unclear",
    };
    let agreement = if (net.mean > 0.0) == (p_positive >= 0.5) {
        String::new()
    } else {
        " (the expectation and the odds point different ways: a few large effects outweigh the usual case)".to_string()
    };
    Text::new().and_strong("Model").and(format!(
        ": for {}, E[net] = {} (90% interval {}) and the probability that it is safer than keeping it closed is {}: {odds}{agreement}.",
        words.now(),
        words.in_unit(&signed(net.mean)),
        interval(net),
        probability(p_positive)
    ))
}

/// A quantile of the year the open frontier reaches a threshold: a year,
/// "already passed", or "beyond the grid".
fn threshold_year(value: Year) -> String {
    match value {
        Year::In(value) => year(value),
        Year::Passed => "already passed".to_string(),
        Year::Beyond => "beyond the grid".to_string(),
    }
}

/// ", which the open frontier reaches in 2028 (90% interval: 2027.5 to
/// 2029)", or that it has already passed it, or does not reach it on the grid.
fn reached(years: Option<&Quantiles<Year>>) -> String {
    let Some(years) = years else { return String::new() };
    let median = match years.p50 {
        Year::In(value) => format!("which the open frontier reaches in {}", year(value)),
        Year::Passed => "which the open frontier has already passed".to_string(),
        Year::Beyond => "which the open frontier does not reach within the grid".to_string(),
    };
    if years.p05 == years.p50 && years.p50 == years.p95 {
        return format!(", {median}");
    }
    format!(", {median} (90% interval: {} to {})", threshold_year(years.p05), threshold_year(years.p95))
}

/// The capability threshold, as list items. The per-sample quantiles are
/// over all samples, "never" counted as beyond the grid's end, and read
/// "beyond 10^30 FLOP" there; a threshold the open frontier has already
/// reached says so rather than giving a past year.
pub fn threshold(words: Words, threshold: &Threshold) -> Vec<Text> {
    let axis = words.axis();
    let end = threshold.grid_end();
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
        Text::plain(format!("The median of net is negative {}.", crossing(threshold.median_crossing))),
    ];
    let sample = &threshold.sample;
    let quantiles = sample.capability;
    if sample.samples > 0 {
        let mut line = match quantiles.p50 {
            Some(median) => format!("Per sample, net stays negative from {axis} = {}", capability(median)),
            None => format!("Per sample, net stays negative only {}", words.threshold_value(None, end)),
        };
        line.push_str(&format!(
            " (median; 90% interval {} to {}",
            words.threshold_value(quantiles.p05, end),
            words.threshold_value(quantiles.p95, end)
        ));
        line.push_str(", over all samples, one whose net never turns negative counted as beyond the grid)");
        if let (true, Some(median)) = (words.flop_axis(), quantiles.p50) {
            line.push_str(&format!(", that is {}", flop(median)));
        }
        line.push_str(&reached(sample.year.as_ref()));
        line.push('.');
        lines.push(Text::plain(line));
    }
    if let (Some(crossing), true) = (&sample.capability_if_crossing, sample.never_share > 0.0) {
        lines.push(Text::plain(format!(
            "Conditional on crossing (only the {} of samples whose net turns negative on the grid): median {axis} = {} (90% interval {} to {}).",
            share(1.0 - sample.never_share),
            capability(crossing.p50),
            capability(crossing.p05),
            capability(crossing.p95)
        )));
    }
    let mut apart = format!(
        "In {} of samples net is not negative at {axis} = {} (\"never\" within the grid)",
        share(sample.never_share),
        capability(end)
    );
    if sample.from_start_share > 0.0 {
        apart.push_str(&format!("; in {} it is negative over the whole grid", share(sample.from_start_share)));
    }
    if let Some(passed) = sample.passed_share.filter(|passed| *passed > 0.0) {
        apart.push_str(&format!("; in {} the open frontier has already passed the sample's threshold", share(passed)));
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
    let grid_start = release.policy.grid.first().copied();
    let mut lines = vec![match release.best.threshold {
        Some(threshold) if release.best.value == 0.0 || Some(threshold) == grid_start => lead.and(format!(
            ": over the frontier releases of the next {years} years, the best \"open below T\" rule keeps every one of them closed (T = {} or any threshold below the open frontier), with an expected net of {}.",
            capability(threshold),
            per_release(release.best.value)
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
            "{} of these releases lie beyond {axis} = {}, the grid's end: each is valued at its own capability, and only \"no threshold\" opens them.",
            share(release.policy.beyond_grid_share),
            capability(*release.policy.grid.last().unwrap_or(&f64::NAN))
        )));
    }
    lines
}

/// "How to structure compute governance": how far the threshold moves when a param shifts.
fn compute_governance(words: Words, results: &Results, shift: &ShiftAnswer) -> Vec<Text> {
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
    // "moves from X to Y", or "does not move (X)" when the words are the same.
    let moves = |what: &str, before: String, after: String| {
        if before == after {
            format!("{what} does not move ({before})")
        } else {
            format!("{what} moves from {before} to {after}")
        }
    };
    let (before, after) = (&shift.before.threshold, &shift.after.threshold);
    let mut line = Text::new().and_strong("Model").and(": if ").and_code(&shift.param).and(format!(
        "{label} rises by {}, {}, and the share of samples that never cross {}",
        crate::format::value(shift.shift),
        moves(
            "the point where E[net] turns negative",
            format!("{axis} = {}", position(before.mean_crossing, before)),
            format!("{axis} = {}", position(after.mean_crossing, after))
        ),
        {
            let (never_before, never_after) = (share(before.sample.never_share), share(after.sample.never_share));
            if never_before == never_after {
                format!("stays at {never_before}")
            } else {
                format!("goes from {never_before} to {never_after}")
            }
        },
    ));
    if let (Some(p_before), Some(p_after), Some(mean_before), Some(mean_after)) =
        (shift.before.p_positive_now, shift.after.p_positive_now, shift.before.mean_now, shift.after.mean_now)
    {
        line = line.and(format!(
            "; for {}, E[net] goes from {} to {} (a change of {}) and P(net > 0) from {} to {}",
            words.now(),
            signed(mean_before),
            words.in_unit(&signed(mean_after)),
            signed(mean_after - mean_before),
            probability(p_before),
            probability(p_after)
        ));
        // Say plainly when the shift hardly matters: under a tenth of E[net].
        if (mean_after - mean_before).abs() < 0.1 * mean_before.abs().max(f64::MIN_POSITIVE) {
            line = line.and(". That is near zero: in this model the answer for releases near the frontier hardly depends on ").and_code(&shift.param).and(
                ", because the model's structure puts such releases far beyond what the affected actors could train themselves either way",
            );
        }
    }
    let mut lines = vec![line.and(".")];
    lines.extend(crux_share(words, results, shift.crux.as_deref()));
    lines
}

/// The share of the uncertainty the shifted param's crux carries, what
/// resolving it is worth, and how it ranks; a marked gap when the analysis
/// has not run.
fn crux_share(words: Words, results: &Results, crux: Option<&str>) -> Option<Text> {
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
    results: &Results,
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
        parts.push(format!("for {} the largest effects on net are {}", words.now(), words.in_unit(&list(now))));
    }
    // Where E[net] turns negative, unless that is the grid's start (then it
    // says nothing the effects now do not).
    let first = results.run.points.first().copied();
    if let Some((x, items)) = at_crossing.filter(|(x, _)| Some(*x) != first) {
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
    lines.push(Text::new().and_strong("What the model cannot tell").and(
        ": it values releases, not jobs. Whether to work at an open or a closed lab also turns on what that lab would do without you and on what you would work on there, which the model does not represent; what it can tell is which effects carry the release question (above) and which cruxes are worth resolving (below).",
    ));
    lines.push(uncertainty_ranking(words, results));
    lines
}

/// Where resolving uncertainty is worth most; a marked gap when the analysis has not run.
fn uncertainty_ranking(words: Words, results: &Results) -> Text {
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

/// Where E[net] turns negative in the robustness analysis: `c = 26.4`,
/// `c = 23 (the start of the grid)`, or "never within the grid" for `None`.
fn robustness_crossing(words: Words, robustness: &Robustness, crossing: Option<f64>) -> String {
    match crossing {
        Some(value) if robustness.grid.first() == Some(&value) => {
            format!("{} = {} (the start of the grid)", words.axis(), capability(value))
        }
        Some(value) => format!("{} = {}", words.axis(), capability(value)),
        None => "never within the grid".to_string(),
    }
}

/// The end of the robustness analysis's grid in words: `10^30 FLOP`.
fn robustness_grid_end(words: Words, robustness: &Robustness) -> String {
    words.grid_end(robustness.grid.last().copied().unwrap_or(f64::NAN))
}

/// The range of the mean crossing over the judgements, for the key
/// question's answer: "between c = 24.1 and
/// c = 26.9"; `None` when no judgement was held.
pub fn robustness_range(words: Words, robustness: &Robustness) -> Option<Text> {
    if robustness.rows.is_empty() {
        return None;
    }
    let end = robustness_grid_end(words, robustness);
    let at = |crossing: f64| robustness_crossing(words, robustness, Some(crossing));
    let range = match robustness.crossing_range() {
        (Some(min), Some(max)) if capability(min) == capability(max) => format!("at {} whichever is held", at(min)),
        (Some(min), Some(max)) => format!("between {} and {}", at(min), at(max)),
        (Some(min), None) => format!("between {} and never within the grid (up to {end})", at(min)),
        (None, _) => format!("never within the grid (up to {end})"),
    };
    Some(Text::plain(range))
}

/// The robustness section's first paragraph: the range of the crossing and
/// the judgement that moves it most.
pub fn robustness_summary(words: Words, robustness: &Robustness) -> Text {
    let end = robustness_grid_end(words, robustness);
    let at = |crossing: f64| robustness_crossing(words, robustness, Some(crossing));
    let range = match robustness.crossing_range() {
        (Some(min), Some(max)) if capability(min) == capability(max) => {
            format!("does not move: it turns negative at {} whichever is held", at(min))
        }
        (Some(min), Some(max)) => format!("turns negative anywhere between {} and {}", at(min), at(max)),
        (Some(min), None) => {
            format!("turns negative anywhere between {} and never within the grid (up to {end})", at(min))
        }
        (None, _) => format!("never turns negative within the grid (up to {end})"),
    };
    let base = match robustness.base.crossing {
        Some(_) => format!("from {}", robustness_crossing(words, robustness, robustness.base.crossing)),
        None => "never within the grid".to_string(),
    };
    let mut text = Text::plain(format!(
        "Holding one judgement at a time at its 10th or 90th percentile, E[net] {range}; with every judgement as drawn, it is negative {base}."
    ));
    if let Some(top) = robustness.rows.first().filter(|row| robustness.crossing_swing(row) > 0.0) {
        text = text.and(" The largest swing comes from ").and_code(&top.name).and(format!(
            ": {} at its 10th percentile ({}), {} at its 90th ({}).",
            robustness_crossing(words, robustness, top.at_low.crossing),
            robustness_value(top, top.low),
            robustness_crossing(words, robustness, top.at_high.crossing),
            robustness_value(top, top.high)
        ));
    }
    text
}

/// A value a judgement param is held at, with figures to tell its low and high apart.
fn robustness_value(row: &RobustnessRow, value: f64) -> String {
    crate::format::param_value(value, (row.high - row.low).abs())
}

/// The headings of the robustness table (without the columns of "now" for
/// a model that does not say where now is).
pub fn robustness_headings(words: Words) -> Vec<&'static str> {
    let mut headings = vec![
        "Param",
        "What it is",
        "Held at (10th / 90th percentile)",
        "E[net] < 0 from, at the 10th",
        "… at the 90th",
        "P(net > 0) now, at the 10th",
        "… at the 90th",
    ];
    if words.model.file.outline.context.now().is_none() {
        headings.truncate(5);
    }
    headings
}

/// One row of the robustness table per judgement param, largest swing first.
pub fn robustness_rows(words: Words, robustness: &Robustness) -> Vec<Vec<Text>> {
    let crossing = |value: Option<f64>| match value {
        Some(value) => capability(value),
        None => "never".to_string(),
    };
    let p_positive = |value: Option<f64>| value.map_or_else(|| "–".to_string(), probability);
    robustness
        .rows
        .iter()
        .map(|row| {
            vec![
                Text::new().and_code(&row.name),
                Text::source(row.label.as_deref().unwrap_or_default()),
                Text::plain(format!("{} / {}", robustness_value(row, row.low), robustness_value(row, row.high))),
                Text::plain(crossing(row.at_low.crossing)),
                Text::plain(crossing(row.at_high.crossing)),
                Text::plain(p_positive(row.at_low.now_p_positive)),
                Text::plain(p_positive(row.at_high.now_p_positive)),
            ]
        })
        .chain(std::iter::once(vec![
            Text::plain("every judgement as drawn"),
            Text::new(),
            Text::new(),
            Text::plain(crossing(robustness.base.crossing)),
            Text::plain(crossing(robustness.base.crossing)),
            Text::plain(p_positive(robustness.base.now_p_positive)),
            Text::plain(p_positive(robustness.base.now_p_positive)),
        ]))
        .map(|mut cells| {
            if words.model.file.outline.context.now().is_none() {
                cells.truncate(5);
            }
            cells
        })
        .collect()
}

/// How the robustness analysis was computed.
pub fn robustness_method(words: Words, robustness: &Robustness, report_samples: usize) -> Text {
    let share = if robustness.samples < report_samples {
        format!(
            " (the first {} of the report's {report_samples}: sample i is the same draw in both)",
            robustness.samples
        )
    } else {
        String::new()
    };
    Text::plain(format!(
        "A judgement param is one whose source starts with \"judgement\" and whose value is drawn. Each row holds one of them at its 10th and then at its 90th percentile over the draws (a value it takes: 0 or 1 for a yes/no param) in every sample, every other draw as it was (common random numbers), and reruns the grid and a release at {}: {} samples per run{share}, seed {}, {} runs in all. \"E[net] < 0 from\" is the first grid point from which E[net] stays negative; \"never\" means not within the grid (up to {}).",
        words.now(),
        robustness.samples,
        robustness.seed,
        2 * (2 * robustness.rows.len() + 1),
        robustness_grid_end(words, robustness),
    ))
}

/// The text alternative of the robustness chart.
pub fn robustness_caption(words: Words, robustness: &Robustness) -> Text {
    Text::plain(format!(
        "Where E[net] turns negative with each judgement param held at its 10th percentile (upper bar of each row) and at its 90th (lower bar), around the crossing with every judgement as drawn ({}); largest swing first; a bar that reaches past the end of the grid ({}) never turns negative within it.",
        robustness_crossing(words, robustness, robustness.base.crossing),
        robustness_grid_end(words, robustness),
    ))
}
