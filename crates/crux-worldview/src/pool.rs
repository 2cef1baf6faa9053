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
//! *Geometric* pooling combines probabilities of an event (such as
//! "net > 0"): the weighted geometric mean of the odds.

use crate::beliefs::{Beliefs, add_param};
use crux_lang::model::ModelFile;
use crux_lang::parser::parse_expr;
use crux_lang::{Diagnostic, Diagnostics, Sources};

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

/// The name of the member-index param: `pool_member`, or a variant that the model does not use.
fn index_name(model: &ModelFile) -> String {
    let taken = |name: &str| model.params.iter().chain(&model.derived).any(|declaration| declaration.name.name == name);
    let mut name = "pool_member".to_string();
    while taken(&name) {
        name.push('_');
    }
    name
}

/// The linear pool of `members` as a model: `model` with each param replaced
/// by the mixture of the members' expressions, sharing one member draw per sample.
pub fn linear_pool(sources: &mut Sources, model: &ModelFile, members: &[Member]) -> Result<ModelFile, Diagnostics> {
    let members = canonical_members(members).map_err(|error| vec![error])?;
    let mut pooled = model.clone();
    if let [only] = members.as_slice() {
        only.beliefs.apply(sources, &mut pooled, "pool")?;
        return Ok(pooled);
    }
    let index = index_name(model);
    let choices: Vec<String> = (0..members.len()).map(|i| i.to_string()).collect();
    let weights: Vec<String> = members.iter().map(|member| format!("{:e}", member.weight)).collect();
    let index_text = format!("mixture({}, [{}])", choices.join(", "), weights.join(", "));
    add_param(sources, &mut pooled, &index, &index_text).map_err(|error| vec![error])?;
    let mut diagnostics = Vec::new();
    for param in &model.params {
        let texts: Vec<&str> = members.iter().map(|member| member.beliefs.text(param)).collect();
        let text = if texts.iter().all(|text| *text == texts[0]) {
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
