//! The view of a group: its members' positions, the pooled position, and a
//! summary of where the members disagree.

use crate::beliefs::Beliefs;
use crate::compare::{Position, View, compute_view, position};
use crate::pool::{Member, geometric_pool, linear_pool};
use crux_analysis::verdict::label;
use crux_lang::model::ModelFile;
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostics, Sources};
use crux_report::{Options, compute};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// A mixture of the members' whole belief sets.
    Linear,
    /// Weighted geometric mean of the odds of each verdict's event.
    Geometric,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Linear => "linear",
            Method::Geometric => "geometric",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub method: Method,
    pub weights: Vec<f64>,
    pub members: Vec<Position>,
    pub pooled: Position,
    /// Sentences on the spread of verdicts and thresholds, and the crux the
    /// group disagrees on most.
    pub disagreement: Vec<String>,
    /// For each crux: in how many (member, other member) pairs the member's
    /// verdict at the open frontier flips when it takes the other's view of that crux.
    pub crux_flips: Vec<(String, usize)>,
}

/// Pools `views` with `weights`.
pub fn group_view(
    sources: &mut Sources,
    model: &ModelFile,
    views: &[View],
    weights: &[f64],
    method: Method,
    options: &Options,
) -> Result<GroupView, Diagnostics> {
    let mut members = Vec::with_capacity(views.len());
    let mut member_results = Vec::with_capacity(views.len());
    for view in views {
        let (position, results) = compute_view(sources, model, view, options)?;
        members.push(position);
        member_results.push(results);
    }
    let pooled = match method {
        Method::Linear => {
            let pool_members: Vec<Member> = views
                .iter()
                .zip(weights)
                .map(|(view, weight)| Member { beliefs: view.beliefs.clone(), weight: *weight })
                .collect();
            let pooled_model = resolve(linear_pool(sources, model, &pool_members)?)?;
            let results = compute(&pooled_model, options)?;
            position("Group (linear pool)", &pooled_model.file, &results)
        }
        Method::Geometric => {
            let mut pooled = members[0].clone();
            pooled.label = "Group (geometric pool)".to_string();
            for (index, row) in pooled.evaluation.iter_mut().enumerate() {
                let probabilities: Vec<f64> =
                    members.iter().map(|m| m.evaluation.get(index).map_or(0.5, |e| e.p_positive)).collect();
                row.p_positive = geometric_pool(&probabilities, weights);
                row.verdict = label(row.p_positive).as_str();
            }
            if let Some(now) = pooled.now.as_mut() {
                let probabilities: Vec<f64> = members.iter().map(|m| m.now.map_or(0.5, |now| now.p_positive)).collect();
                now.p_positive = geometric_pool(&probabilities, weights);
                now.verdict = label(now.p_positive).as_str();
                let total: f64 = weights.iter().sum();
                now.mean =
                    members.iter().zip(weights).map(|(m, w)| m.now.map_or(0.0, |now| now.mean) * w / total).sum();
            }
            // The threshold of the pooled probabilities: the first grid point from
            // which the pooled P(net > 0) stays below one half.
            if let (Some(threshold), Some(first)) = (pooled.threshold.as_mut(), member_results.first()) {
                let points = first.run.points.len();
                let pooled_p: Vec<f64> = (0..points)
                    .map(|point| {
                        let p: Vec<f64> = member_results.iter().map(|r| r.run.net[point].p_positive).collect();
                        geometric_pool(&p, weights)
                    })
                    .collect();
                let crossing = crux_analysis::threshold::stays_below(&pooled_p, 0.5);
                threshold.mean_crossing = crossing.map(|index| first.run.points[index]);
                threshold.p50 = threshold.mean_crossing;
                threshold.p05 = None;
                threshold.p95 = None;
                threshold.year_p50 = None;
            }
            pooled.best_release_threshold = None;
            pooled
        }
    };
    let crux_flips = flips_by_crux(sources, model, views, &members, options)?;
    let disagreement = describe(&members, &crux_flips, model);
    Ok(GroupView { method, weights: weights.to_vec(), members, pooled, disagreement, crux_flips })
}

fn flips_by_crux(
    sources: &mut Sources,
    model: &ModelFile,
    views: &[View],
    members: &[Position],
    options: &Options,
) -> Result<Vec<(String, usize)>, Diagnostics> {
    let mut out = Vec::new();
    for crux in &model.outline.cruxes {
        let group = crux.id.name.as_str();
        let mut flips = 0;
        for (index, view) in views.iter().enumerate() {
            for (other_index, other) in views.iter().enumerate() {
                if index == other_index {
                    continue;
                }
                let beliefs: Beliefs = view.beliefs.with_group_from(&other.beliefs, model, group);
                if beliefs == view.beliefs {
                    continue;
                }
                let swapped = View { label: view.label.clone(), beliefs };
                let (after, _) = compute_view(sources, model, &swapped, options)?;
                let before = members[index].now.map(|now| now.verdict);
                if before != after.now.map(|now| now.verdict) {
                    flips += 1;
                }
            }
        }
        out.push((group.to_string(), flips));
    }
    Ok(out)
}

fn describe(members: &[Position], crux_flips: &[(String, usize)], model: &ModelFile) -> Vec<String> {
    let mut lines = Vec::new();
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for member in members {
        if let Some(now) = member.now {
            match counts.iter_mut().find(|(verdict, _)| *verdict == now.verdict) {
                Some((_, count)) => *count += 1,
                None => counts.push((now.verdict, 1)),
            }
        }
    }
    if !counts.is_empty() {
        let parts: Vec<String> = counts.iter().map(|(verdict, count)| format!("{count} {verdict}")).collect();
        lines.push(format!("Verdicts now: {}.", parts.join(", ")));
    }
    let mut thresholds: Vec<f64> = members.iter().filter_map(|m| m.threshold.and_then(|t| t.headline())).collect();
    thresholds.sort_by(f64::total_cmp);
    if let (Some(low), Some(high)) = (thresholds.first(), thresholds.last()) {
        lines.push(format!(
            "Median thresholds range from 10^{low:.1} to 10^{high:.1} FLOP ({} of {} members have one on the grid).",
            thresholds.len(),
            members.len()
        ));
    }
    let pairs = members.len() * members.len().saturating_sub(1);
    if let Some((crux, flips)) = crux_flips.iter().max_by_key(|(_, flips)| *flips).filter(|(_, flips)| *flips > 0) {
        let title = model.outline.crux(crux).map_or_else(|| crux.clone(), crate::compare::crux_title);
        lines.push(format!(
            "The group disagrees most on {title}: taking another member's view of it flips a member's verdict in {flips} of {pairs} cases."
        ));
    } else {
        lines.push("No single crux, taken from another member, flips any member's verdict.".to_string());
    }
    lines
}
