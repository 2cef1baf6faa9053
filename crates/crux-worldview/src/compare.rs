//! Comparing views: each view's answers side by side, and the double crux
//! of each pair — the crux whose beliefs, taken from the other view, flip
//! the verdict or move the threshold most.
//!
//! Every view is computed with the same seed, and random streams are keyed
//! by param name, so two views that agree on a param draw the same values for
//! it (common random numbers): differences between views are differences of
//! belief, not Monte Carlo noise. A view with a crux swapped in that is
//! identical to the original gives exactly the original's results.

use crate::beliefs::Beliefs;
use crux_analysis::verdict::label;
use crux_lang::model::ModelFile;
use crux_lang::outline::Crux;
use crux_lang::profile::parse_profile;
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostic, Diagnostics, Sources};
use crux_report::results::{Answer, Results};
use crux_report::{Options, compute};
use serde::Serialize;

/// Every view side by side and the double crux of each pair: what `crux
/// compare` computes.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub samples: usize,
    pub seed: u64,
    pub positions: Vec<Position>,
    pub double_cruxes: Vec<DoubleCrux>,
}

impl Comparison {
    /// The JSON document of `crux compare --format json`, with a final newline.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the comparison serialises") + "\n"
    }
}

/// Reads each profile (a name to show in messages, and its text), checks it
/// against the model, and makes it a view; two views with one name get
/// numbered labels.
pub fn views_of_profiles(
    sources: &mut Sources,
    model: &ModelFile,
    profiles: &[(String, String)],
) -> Result<Vec<View>, Diagnostics> {
    let mut views = Vec::with_capacity(profiles.len());
    let mut diagnostics = Vec::new();
    for (name, text) in profiles {
        let file = sources.add(name.clone(), text.as_str());
        match parse_profile(sources, file) {
            Ok(profile) => {
                if let Err(errors) = profile.apply(&mut model.clone()) {
                    diagnostics.extend(errors);
                }
                views.push(View { label: profile.name.clone(), beliefs: Beliefs::from_profile(&profile) });
            }
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    for index in 0..views.len() {
        let duplicates = views[..index].iter().filter(|view| view.label == views[index].label).count();
        if duplicates > 0 {
            views[index].label = format!("{} ({})", views[index].label, duplicates + 1);
        }
    }
    Ok(views)
}

/// Computes every view and the double crux of each pair, all with `options`.
pub fn compare(
    sources: &mut Sources,
    model: &ModelFile,
    views: &[View],
    options: &Options,
) -> Result<Comparison, Diagnostics> {
    if views.len() < 2 {
        return Err(vec![
            Diagnostic::error("compare needs at least two profiles")
                .with_help("for example `crux compare open-release-advocate security-first`"),
        ]);
    }
    let mut positions = Vec::with_capacity(views.len());
    for view in views {
        positions.push(compute_view(sources, model, view, options)?.0);
    }
    let mut double_cruxes = Vec::new();
    for a in 0..views.len() {
        for b in a + 1..views.len() {
            double_cruxes.push(double_crux(
                sources,
                model,
                (&views[a], &positions[a]),
                (&views[b], &positions[b]),
                options,
            )?);
        }
    }
    Ok(Comparison { samples: options.samples, seed: options.seed, positions, double_cruxes })
}

/// A named view of the model.
#[derive(Debug, Clone)]
pub struct View {
    pub label: String,
    pub beliefs: Beliefs,
}

/// One view's answers to the page.
#[derive(Debug, Clone, Serialize)]
pub struct Position {
    pub label: String,
    /// The model's unit of effects ("model units" without one).
    pub unit: String,
    /// Each computed evaluation row: dimension, verdict label, P(net > 0).
    pub evaluation: Vec<EvaluationAnswer>,
    /// At "now" (the next open frontier release, or the open frontier now);
    /// for a model without either, net at its one point, or at the middle of
    /// its axis (`NowAnswer::at`).
    pub now: Option<NowAnswer>,
    /// The per-sample capability threshold (log10 FLOP) and its year.
    pub threshold: Option<ThresholdAnswer>,
    /// The best regulatory threshold T ("open below T"); `None` inside means
    /// no threshold is best.
    pub best_release_threshold: Option<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationAnswer {
    pub dimension: String,
    pub verdict: &'static str,
    pub p_positive: f64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct NowAnswer {
    pub mean: f64,
    pub p_positive: f64,
    pub verdict: &'static str,
    /// The axis value net was read at, for a model without "now" that has
    /// an axis (`None`: "now", or a model without an axis).
    pub at: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct ThresholdAnswer {
    /// Where E[net] becomes negative for good.
    pub mean_crossing: Option<f64>,
    /// Median, 5% and 95% of the per-sample threshold over all samples, a
    /// sample that never crosses counted as beyond the grid (`None`: beyond the grid).
    pub p50: Option<f64>,
    pub p05: Option<f64>,
    pub p95: Option<f64>,
    /// Median year the open frontier reaches the per-sample threshold (`None`
    /// when it is beyond the grid or the frontier has already passed it).
    pub year_p50: Option<f64>,
    /// Share of samples whose net never turns negative on the grid.
    pub never_share: f64,
}

impl ThresholdAnswer {
    /// The single number a comparison moves: the median per-sample threshold,
    /// or else where E[net] crosses.
    pub fn headline(&self) -> Option<f64> {
        self.p50.or(self.mean_crossing)
    }
}

/// Applies a view to the model and computes its page answers.
pub fn compute_view(
    sources: &mut Sources,
    model: &ModelFile,
    view: &View,
    options: &Options,
) -> Result<(Position, Results), Diagnostics> {
    let mut applied = model.clone();
    view.beliefs.apply(sources, &mut applied, &view.label)?;
    let resolved = resolve(applied)?;
    let results = compute(&resolved, options)?;
    Ok((position(&view.label, &resolved.file, &results), results))
}

/// Reads a view's answers out of its page results.
pub fn position(label_text: &str, model: &ModelFile, results: &Results) -> Position {
    let evaluation = model
        .outline
        .evaluation
        .iter()
        .zip(&results.evaluation)
        .filter_map(|(row, verdict)| {
            verdict.as_ref().map(|verdict| EvaluationAnswer {
                dimension: row.dimension.clone(),
                verdict: verdict.label.as_str(),
                p_positive: verdict.probability,
            })
        })
        .collect();
    let now = match &results.now {
        Some(now) => Some(NowAnswer {
            mean: now.net.mean,
            p_positive: now.p_positive,
            verdict: label(now.p_positive).as_str(),
            at: None,
        }),
        // Without "now": net at the model's one point, or the middle of its axis.
        None => {
            let run = &results.run;
            let point = run.points.len() / 2;
            run.net.get(point).map(|net| NowAnswer {
                mean: net.mean,
                p_positive: net.p_positive,
                verdict: label(net.p_positive).as_str(),
                at: (run.points.len() > 1).then(|| run.points[point]),
            })
        }
    };
    let threshold = results.threshold.as_ref().map(|threshold| ThresholdAnswer {
        mean_crossing: threshold.mean_crossing_value(),
        p50: threshold.sample.capability.p50,
        p05: threshold.sample.capability.p05,
        p95: threshold.sample.capability.p95,
        year_p50: threshold.sample.year.and_then(|years| years.p50.value()),
        never_share: threshold.sample.never_share,
    });
    let best_release_threshold = results.policies.iter().flatten().find_map(|answer| match answer {
        Answer::ReleaseThreshold(release) => Some(release.best.threshold),
        _ => None,
    });
    let unit = match model.header.unit.trim() {
        "" => "model units".to_string(),
        unit => unit.to_string(),
    };
    Position { label: label_text.to_string(), unit, evaluation, now, threshold, best_release_threshold }
}

/// What happens to one view when it takes another view's beliefs on one crux.
#[derive(Debug, Clone, Serialize)]
pub struct Swap {
    pub crux: String,
    /// "Crux 2 (Capability Threshold)" or the crux's title.
    pub crux_title: String,
    /// The view that changes, and the view whose beliefs it takes.
    pub view: String,
    pub from_view: String,
    pub verdict_before: Option<&'static str>,
    pub verdict_after: Option<&'static str>,
    /// E[net] and P(net > 0) now (see [`Position::now`]) before and after.
    pub mean_before: Option<f64>,
    pub mean_after: Option<f64>,
    pub p_positive_before: Option<f64>,
    pub p_positive_after: Option<f64>,
    pub threshold_before: Option<f64>,
    pub threshold_after: Option<f64>,
}

impl Swap {
    pub fn flips(&self) -> bool {
        self.verdict_before != self.verdict_after
    }

    /// How far P(net > 0) now moves (0 when it is not known).
    pub fn p_positive_shift(&self) -> f64 {
        match (self.p_positive_before, self.p_positive_after) {
            (Some(before), Some(after)) => (after - before).abs(),
            _ => 0.0,
        }
    }

    /// How far the threshold moves, in log10 FLOP; a threshold that appears
    /// or disappears counts as the width of the grid.
    pub fn threshold_shift(&self, grid_width: f64) -> f64 {
        match (self.threshold_before, self.threshold_after) {
            (Some(before), Some(after)) => (after - before).abs(),
            (None, None) => 0.0,
            _ => grid_width,
        }
    }
}

/// The double crux of two views.
#[derive(Debug, Clone, Serialize)]
pub struct DoubleCrux {
    pub a: String,
    pub b: String,
    /// Every swap, both ways, for every crux on which the views differ.
    pub swaps: Vec<Swap>,
    /// The crux that separates the views most, if they differ at all.
    pub main_crux: Option<String>,
    /// The finding in one or two sentences.
    pub summary: String,
}

/// How a crux is named in comparisons: "Crux 2 (Capability Threshold)", or its title.
pub fn crux_title(crux: &Crux) -> String {
    crux_report::charts::crux_title(crux)
}

/// The crux groups of the model in file order, with display titles.
fn crux_titles(model: &ModelFile) -> Vec<(String, String)> {
    model.outline.cruxes.iter().map(|crux| (crux.id.name.clone(), crux_title(crux))).collect()
}

/// Whether two views hold different beliefs about any param of `group`, or
/// correlate a param of it differently.
fn differ_on(model: &ModelFile, a: &Beliefs, b: &Beliefs, group: &str) -> bool {
    let in_group =
        |name: &str| model.param(name).is_some_and(|param| param.crux.as_ref().is_some_and(|c| c.name == group));
    let texts_differ =
        model.params.iter().filter(|param| in_group(&param.name.name)).any(|param| a.text(param) != b.text(param));
    // A pair neither view sets has the model's rank in both.
    let pairs = a.correlations.keys().chain(b.correlations.keys());
    texts_differ
        || pairs.filter(|(x, y)| in_group(x) || in_group(y)).any(|(x, y)| a.rank(model, x, y) != b.rank(model, x, y))
}

/// Finds the double crux of views `a` and `b`, whose positions are known.
pub fn double_crux(
    sources: &mut Sources,
    model: &ModelFile,
    (a, a_position): (&View, &Position),
    (b, b_position): (&View, &Position),
    options: &Options,
) -> Result<DoubleCrux, Diagnostics> {
    let grid_width = model.axis.as_ref().map_or(0.0, |axis| axis.to - axis.from);
    let mut swaps = Vec::new();
    for (crux, title) in crux_titles(model) {
        if !differ_on(model, &a.beliefs, &b.beliefs, &crux) {
            continue;
        }
        for ((view, before), (other, _)) in [((a, a_position), (b, b_position)), ((b, b_position), (a, a_position))] {
            let swapped = View {
                label: format!("{} with {}'s {}", view.label, other.label, title),
                beliefs: view.beliefs.with_group_from(&other.beliefs, model, &crux),
            };
            let (after, _) = compute_view(sources, model, &swapped, options)?;
            swaps.push(Swap {
                crux: crux.clone(),
                crux_title: title.clone(),
                view: view.label.clone(),
                from_view: other.label.clone(),
                verdict_before: before.now.map(|now| now.verdict),
                verdict_after: after.now.map(|now| now.verdict),
                mean_before: before.now.map(|now| now.mean),
                mean_after: after.now.map(|now| now.mean),
                p_positive_before: before.now.map(|now| now.p_positive),
                p_positive_after: after.now.map(|now| now.p_positive),
                threshold_before: before.threshold.and_then(|t| t.headline()),
                threshold_after: after.threshold.and_then(|t| t.headline()),
            });
        }
    }
    // Rank cruxes: verdict flips first, then how far the threshold moves,
    // then how far P(net > 0) now moves (all a model without an axis has).
    let mut best: Option<(usize, f64, f64, String)> = None;
    for (crux, _) in crux_titles(model) {
        let of_crux: Vec<&Swap> = swaps.iter().filter(|swap| swap.crux == crux).collect();
        if of_crux.is_empty() {
            continue;
        }
        let flips = of_crux.iter().filter(|swap| swap.flips()).count();
        let shift: f64 = of_crux.iter().map(|swap| swap.threshold_shift(grid_width)).sum();
        let moved: f64 = of_crux.iter().map(|swap| swap.p_positive_shift()).sum();
        let better = match &best {
            None => true,
            Some((best_flips, best_shift, best_moved, _)) => {
                (flips, shift, moved).partial_cmp(&(*best_flips, *best_shift, *best_moved))
                    == Some(std::cmp::Ordering::Greater)
            }
        };
        if better {
            best = Some((flips, shift, moved, crux));
        }
    }
    let main_crux =
        best.filter(|(flips, shift, moved, _)| *flips > 0 || *shift > 0.0 || *moved > 0.0).map(|(_, _, _, crux)| crux);
    let summary = summarise(&a.label, &b.label, main_crux.as_deref(), &swaps, grid_width);
    Ok(DoubleCrux { a: a.label.clone(), b: b.label.clone(), swaps, main_crux, summary })
}

fn threshold_text(value: Option<f64>) -> String {
    value.map_or_else(|| "beyond the grid".to_string(), |value| format!("1e{value:.1} FLOP"))
}

fn summarise(a: &str, b: &str, main_crux: Option<&str>, swaps: &[Swap], grid_width: f64) -> String {
    let Some(main_crux) = main_crux else {
        return if swaps.is_empty() {
            format!("{a} and {b} hold the same beliefs on every crux.")
        } else {
            format!("{a} and {b} differ in beliefs, but no single crux changes either's verdict or threshold.")
        };
    };
    let of_crux: Vec<&Swap> = swaps.iter().filter(|swap| swap.crux == main_crux).collect();
    let title = &of_crux[0].crux_title;
    // Describe the direction that changes most: a flip first, else the
    // larger threshold move, else the larger move of P(net > 0).
    let lead = of_crux
        .iter()
        .max_by(|x, y| {
            (x.flips(), x.threshold_shift(grid_width), x.p_positive_shift())
                .partial_cmp(&(y.flips(), y.threshold_shift(grid_width), y.p_positive_shift()))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .expect("a crux with swaps");
    let mut sentence =
        format!("{a} and {b} disagree mainly on {title}: with {}'s view of it, {}'s", lead.from_view, lead.view);
    let verdict = match (lead.verdict_before, lead.verdict_after) {
        (Some(before), Some(after)) if before != after => Some(format!(" verdict now goes from {before} to {after}")),
        (Some(before), Some(_)) => Some(format!(" verdict now stays {before}")),
        _ => None,
    };
    let threshold = (lead.threshold_before != lead.threshold_after).then(|| {
        format!(
            " threshold moves from {} to {}",
            threshold_text(lead.threshold_before),
            threshold_text(lead.threshold_after)
        )
    });
    match (verdict, threshold) {
        (Some(verdict), Some(threshold)) => sentence.push_str(&format!("{verdict} and {}'s{threshold}", lead.view)),
        (Some(verdict), None) => sentence.push_str(&verdict),
        (None, Some(threshold)) => sentence.push_str(&threshold),
        (None, None) => sentence.push_str(" answers barely move"),
    }
    if let (Some(mean_before), Some(mean_after), Some(p_before), Some(p_after)) =
        (lead.mean_before, lead.mean_after, lead.p_positive_before, lead.p_positive_after)
    {
        sentence.push_str(&format!(
            " (E[net] from {} to {}, P(net > 0) from {p_before:.2} to {p_after:.2})",
            crux_engine::format::significant(mean_before, 3),
            crux_engine::format::significant(mean_after, 3),
        ));
    }
    sentence.push('.');
    sentence
}
