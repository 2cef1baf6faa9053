//! A model's correlations checked against its resolved params: each entry
//! names single continuous draws of one crux, and each crux's ranks make a
//! matrix some joint distribution has. The result is one
//! [`CorrelationGroup`] per crux, with the Cholesky factor the engine
//! multiplies its normal scores by. This module draws nothing.

use crate::ast::Ident;
use crate::correlation::{CORRELATABLE, Correlation, cholesky, smallest_impossible, spearman_to_pearson};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::hir::{self, CorrelationGroup, DistKind, ExprKind};
use crate::model::ModelFile;

/// Checks the model's correlations against its resolved params (`params`,
/// indexed like `file.params`) and builds one group per crux, in the order
/// the entries first name each crux. Entries with rank 0 are checked but
/// leave their params independent.
pub fn groups(file: &ModelFile, params: &[hir::Expr]) -> Result<Vec<CorrelationGroup>, Diagnostics> {
    let mut diagnostics = Vec::new();
    // (entry, [param index; 2], crux)
    let mut checked: Vec<(&Correlation, [usize; 2], &str)> = Vec::new();
    for entry in &file.correlations {
        let mut indices = [0; 2];
        let mut ok = true;
        for (slot, ident) in entry.params.iter().enumerate() {
            match param_index(file, params, ident) {
                Ok(index) => indices[slot] = index,
                Err(error) => {
                    diagnostics.push(error);
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let crux = |index: usize| file.params[index].crux.as_ref().map(|crux| crux.name.as_str());
        match (crux(indices[0]), crux(indices[1])) {
            (Some(a), Some(b)) if a == b => checked.push((entry, indices, a)),
            (a, b) => {
                let name = |slot: usize, crux: Option<&str>| match crux {
                    Some(crux) => format!("`{}` is in the crux `{crux}`", entry.params[slot].name),
                    None => format!("`{}` is in no crux", entry.params[slot].name),
                };
                diagnostics.push(
                    Diagnostic::error(format!(
                        "only params of one crux can be correlated: {} and {}",
                        name(0, a),
                        name(1, b)
                    ))
                    .at(entry.span)
                    .with_help(
                        "per-crux sensitivity and value of information treat each crux as a group of beliefs \
                         independent of the others; if the two beliefs move together, put both params in one \
                         crux (`crux = \"...\"` on each)",
                    ),
                );
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let mut cruxes: Vec<&str> = Vec::new();
    for (entry, _, crux) in &checked {
        if entry.rank != 0.0 && !cruxes.contains(crux) {
            cruxes.push(crux);
        }
    }
    let mut out = Vec::new();
    for crux in cruxes {
        let entries: Vec<&(&Correlation, [usize; 2], &str)> =
            checked.iter().filter(|(entry, _, c)| *c == crux && entry.rank != 0.0).collect();
        let mut members: Vec<usize> = entries.iter().flat_map(|(_, pair, _)| pair.iter().copied()).collect();
        members.sort_unstable();
        members.dedup();
        let k = members.len();
        let position = |param: usize| members.iter().position(|member| *member == param).expect("a member");
        let mut pearson = vec![0.0; k * k];
        for i in 0..k {
            pearson[i * k + i] = 1.0;
        }
        for (entry, [a, b], _) in &entries {
            let rho = spearman_to_pearson(entry.rank);
            let (i, j) = (position(*a), position(*b));
            pearson[i * k + j] = rho;
            pearson[j * k + i] = rho;
        }
        match cholesky(&pearson, k) {
            Some(cholesky) => out.push(CorrelationGroup { crux: crux.to_string(), params: members, pearson, cholesky }),
            None => {
                let subset = smallest_impossible(&pearson, k);
                let involved: Vec<&Correlation> = entries
                    .iter()
                    .filter(|(_, [a, b], _)| subset.contains(&position(*a)) && subset.contains(&position(*b)))
                    .map(|(entry, _, _)| *entry)
                    .collect();
                let names: Vec<String> =
                    subset.iter().map(|i| format!("`{}`", file.params[members[*i]].name.name)).collect();
                let last = involved.last().expect("an impossible matrix has an off-diagonal entry");
                let mut diagnostic = Diagnostic::error(format!(
                    "the correlations among {} (crux `{crux}`) are impossible together: no joint distribution has them",
                    names.join(", ")
                ))
                .at(last.span)
                .with_label("this entry completes an impossible set");
                for entry in &involved {
                    diagnostic = diagnostic.with_help(format!(
                        "{}: Pearson {:.3} for the copula",
                        entry.describe(),
                        spearman_to_pearson(entry.rank)
                    ));
                }
                diagnostic = diagnostic.with_help(
                    "after each Spearman rank r becomes the Gaussian copula's Pearson correlation 2 sin(pi r / 6), \
                     their matrix is not positive semi-definite; weaken one of these correlations",
                );
                diagnostics.push(diagnostic);
            }
        }
    }
    if diagnostics.is_empty() { Ok(out) } else { Err(diagnostics) }
}

/// The index of the param `ident` names, if it is one continuous draw.
fn param_index(file: &ModelFile, params: &[hir::Expr], ident: &Ident) -> Result<usize, Diagnostic> {
    let name = &ident.name;
    let Some(index) = file.params.iter().position(|param| param.name.name == *name) else {
        let mut diagnostic = Diagnostic::error(format!("the model has no param `{name}`")).at(ident.span);
        if let Some(help) = did_you_mean(name, file.params.iter().map(|param| param.name.name.as_str())) {
            diagnostic = diagnostic.with_help(help);
        } else if file.derived.iter().any(|derived| derived.name.name == *name) {
            diagnostic = diagnostic
                .with_help(format!("`{name}` is a derived value; correlate the params it is computed from instead"));
        }
        return Err(diagnostic);
    };
    let what = match &params[index].kind {
        ExprKind::Dist(dist) => match correlatable(&dist.kind) {
            Ok(()) => match depends_on(dist, file) {
                None => return Ok(index),
                Some(other) => format!(
                    "drawn with parameters that depend on `{other}`, and a copula sets the rank correlation of \
                     draws whose distribution is the same in every sample"
                ),
            },
            Err(what) => what,
        },
        ExprKind::Number(_) => "a fixed number".to_string(),
        _ => "a formula, not a single distribution".to_string(),
    };
    Err(Diagnostic::error(format!("`{name}` cannot be correlated: it is {what}")).at(ident.span).with_help(format!(
        "a correlated param must be one continuous random draw, drawn by its quantile function: {CORRELATABLE}"
    )))
}

/// The first param or derived value a distribution's parameters use, if any.
fn depends_on<'a>(dist: &hir::Dist, file: &'a ModelFile) -> Option<&'a str> {
    let mut found = None;
    dist.walk(&mut |node| {
        if found.is_none() {
            found = match node.kind {
                ExprKind::Param(index) => Some(file.params[index].name.name.as_str()),
                ExprKind::Derived(index) => Some(file.derived[index].name.name.as_str()),
                _ => None,
            };
        }
    });
    found
}

/// Whether a draw of this kind can be correlated, or what it is instead.
fn correlatable(kind: &DistKind) -> Result<(), String> {
    match kind {
        DistKind::Normal { .. }
        | DistKind::NormalInterval { .. }
        | DistKind::LogNormal { .. }
        | DistKind::LogNormalInterval { .. }
        | DistKind::Uniform { .. }
        | DistKind::Beta { .. }
        | DistKind::BetaMean { .. }
        | DistKind::Triangular { .. }
        | DistKind::Pert { .. } => Ok(()),
        DistKind::Truncate { inner, .. } => correlatable(&inner.kind),
        DistKind::Bernoulli { .. } => {
            Err("a bernoulli draw, and a copula does not set the rank correlation of a yes-or-no draw".to_string())
        }
        DistKind::PointMass { .. } => Err("a pointmass, a fixed value".to_string()),
        DistKind::Mixture { .. } => Err("a mixture, made of several draws".to_string()),
    }
}
