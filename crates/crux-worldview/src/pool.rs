//! Pooling the views of a group.
//!
//! *Linear* pooling is a mixture of the members' whole belief sets: each
//! Monte Carlo sample draws one member (with probability proportional to its
//! weight) and takes all of that member's beliefs, so that what a member
//! believes jointly stays together. It is built as a model: a member-index
//! param and, for each param on which members differ, an expression that
//! picks the drawn member's expression. Identical belief sets are merged
//! (adding their weights) and members are put in a canonical order, so that
//! pooling is independent of the order of the members and pooling a view with
//! itself gives exactly that view.
//!
//! A correlated param cannot be drawn as one expression that picks a
//! member's distribution: the copula correlates single draws. So each param
//! that any member correlates (the model's correlations with the member's
//! own set over them) gets one param per member, in the param's crux, drawn
//! by that member's distribution and correlated as that member correlates
//! it; the param itself picks the drawn member's copy. Members' copies are
//! independent of each other, so each sample takes one member's joint
//! beliefs whole.
//!
//! *Geometric* pooling combines probabilities of an event (such as
//! "net > 0"): the weighted geometric mean of the odds.

use crate::beliefs::{Beliefs, add_param};
use crux_lang::correlation::Correlation;
use crux_lang::model::ModelFile;
use crux_lang::parser::parse_expr;
use crux_lang::{Diagnostic, Diagnostics, Sources};
use std::collections::HashMap;

/// One member of a pool: a view and its weight.
#[derive(Debug, Clone)]
pub struct Member {
    pub beliefs: Beliefs,
    pub weight: f64,
}

/// Members with identical beliefs merged, zero weights dropped, weights
/// normalised to sum to one, in a canonical order.
pub fn canonical_members(members: &[Member]) -> Result<Vec<Member>, Diagnostic> {
    if let Some(bad) = members.iter().find(|member| !member.weight.is_finite() || member.weight < 0.0) {
        return Err(Diagnostic::error(format!(
            "pool weights must be finite and not negative, but one is {}",
            bad.weight
        )));
    }
    let mut merged: Vec<Member> = Vec::new();
    let mut sorted: Vec<&Member> = members.iter().filter(|member| member.weight > 0.0).collect();
    sorted.sort_by(|a, b| a.beliefs.cmp(&b.beliefs));
    for member in sorted {
        match merged.last_mut() {
            Some(last) if last.beliefs == member.beliefs => last.weight += member.weight,
            _ => merged.push(member.clone()),
        }
    }
    let total: f64 = merged.iter().map(|member| member.weight).sum();
    if merged.is_empty() || total <= 0.0 {
        return Err(Diagnostic::error("a pool needs at least one member with a positive weight"));
    }
    for member in &mut merged {
        member.weight /= total;
    }
    Ok(merged)
}

/// `wanted`, or a variant of it (underscores added) that the model does not use.
fn free_name(model: &ModelFile, wanted: &str) -> String {
    let taken = |name: &str| model.params.iter().chain(&model.derived).any(|declaration| declaration.name.name == name);
    let mut name = wanted.to_string();
    while taken(&name) {
        name.push('_');
    }
    name
}

/// `correlation` with its params renamed by `rename` (spans kept, for messages).
fn renamed(correlation: &Correlation, rename: impl Fn(&str) -> String) -> Correlation {
    let mut out = correlation.clone();
    for ident in &mut out.params {
        ident.name = rename(&ident.name);
    }
    out
}

/// The linear pool of `members` as a model: `model` with each param replaced
/// by the mixture of the members' expressions, sharing one member draw per
/// sample; a param some member correlates picks the drawn member's copy.
pub fn linear_pool(sources: &mut Sources, model: &ModelFile, members: &[Member]) -> Result<ModelFile, Diagnostics> {
    let members = canonical_members(members).map_err(|error| vec![error])?;
    let mut pooled = model.clone();
    if let [only] = members.as_slice() {
        only.beliefs.apply(sources, &mut pooled, "pool")?;
        return Ok(pooled);
    }
    let index = free_name(model, "pool_member");
    let choices: Vec<String> = (0..members.len()).map(|i| i.to_string()).collect();
    let weights: Vec<String> = members.iter().map(|member| format!("{:e}", member.weight)).collect();
    let index_text = format!("mixture({}, [{}])", choices.join(", "), weights.join(", "));
    add_param(sources, &mut pooled, &index, &index_text, None, ("pool member", "the pool's weights"))
        .map_err(|error| vec![error])?;
    // Each member's correlations, and the params any of them correlates.
    let correlations: Vec<Vec<Correlation>> = members
        .iter()
        .map(|member| member.beliefs.correlations_over(model).into_iter().filter(|entry| entry.rank != 0.0).collect())
        .collect();
    let correlated =
        |name: &str| correlations.iter().flatten().any(|entry| entry.params.iter().any(|p| p.name == name));
    // (member position, param) -> the member's copy of a correlated param.
    let mut copies: HashMap<(usize, String), String> = HashMap::new();
    let mut diagnostics = Vec::new();
    pooled.correlations.clear();
    for param in &model.params {
        let texts: Vec<&str> = members.iter().map(|member| member.beliefs.text(param)).collect();
        let text = if correlated(&param.name.name) {
            let mut names = Vec::with_capacity(texts.len());
            for (position, member_text) in texts.iter().enumerate() {
                let name = free_name(&pooled, &format!("{index}_{position}_{}", param.name.name));
                let label = format!("{} (pool member {position})", param.label.as_deref().unwrap_or(&param.name.name));
                let source = param.source.as_deref().unwrap_or("the pool member's view");
                if let Err(error) =
                    add_param(sources, &mut pooled, &name, member_text, param.crux.clone(), (&label, source))
                {
                    diagnostics.push(error);
                }
                copies.insert((position, param.name.name.clone()), name.clone());
                names.push(name);
            }
            let mut text = names[names.len() - 1].clone();
            for (position, name) in names.iter().enumerate().rev().skip(1) {
                text = format!("if {index} == {position} then {name} else {text}");
            }
            text
        } else if texts.iter().all(|text| *text == texts[0]) {
            texts[0].to_string()
        } else {
            let mut text = format!("({})", texts[texts.len() - 1]);
            for (position, member_text) in texts.iter().enumerate().rev().skip(1) {
                text = format!("if {index} == {position} then ({member_text}) else {text}");
            }
            text
        };
        let file = sources.add(format!("pool: {}", param.name.name), text.as_str());
        if let Err(error) =
            parse_expr(&text, file, 0).and_then(|_| pooled.set_param(&param.name.name, param.name.span, &text, file, 0))
        {
            diagnostics.push(error);
        }
    }
    for (position, entries) in correlations.iter().enumerate() {
        for entry in entries {
            // A name the model lacks stays as written, for resolve to report.
            let copy = |name: &str| copies.get(&(position, name.to_string())).cloned().unwrap_or(name.to_string());
            pooled.correlations.push(renamed(entry, copy));
        }
    }
    if diagnostics.is_empty() { Ok(pooled) } else { Err(diagnostics) }
}

/// The geometric pool of probabilities of one event: weighted geometric means
/// of p and of 1 - p, normalised. Weights need not sum to one.
pub fn geometric_pool(probabilities: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    let (mut log_yes, mut log_no) = (0.0, 0.0);
    for (p, w) in probabilities.iter().zip(weights) {
        let p = p.clamp(1e-12, 1.0 - 1e-12);
        log_yes += w / total * p.ln();
        log_no += w / total * (1.0 - p).ln();
    }
    let (yes, no) = (log_yes.exp(), log_no.exp());
    yes / (yes + no)
}

#[cfg(test)]
mod tests {
    use super::geometric_pool;

    #[test]
    fn geometric_pool_of_equal_views_is_that_view() {
        assert!((geometric_pool(&[0.8, 0.8], &[1.0, 3.0]) - 0.8).abs() < 1e-12);
    }

    #[test]
    fn geometric_pool_averages_log_odds() {
        // Odds 4 and 1/4 average to odds 1.
        assert!((geometric_pool(&[0.8, 0.2], &[1.0, 1.0]) - 0.5).abs() < 1e-12);
        // More weight on the first view pulls towards it.
        assert!(geometric_pool(&[0.8, 0.2], &[3.0, 1.0]) > 0.6);
    }
}
