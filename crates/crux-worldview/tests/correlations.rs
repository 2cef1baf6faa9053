//! Correlations in worldviews: a profile's correlations travel with its crux
//! when the double crux swaps that crux, and a linear pool keeps each
//! member's correlations.
//!
//! The model: net = x1 * x2 + y, x1 and x2 in crux alpha, y in crux beta.
//! For normal(0, s1) and normal(0, s2) joined by a Gaussian copula with
//! Pearson correlation rho, E[x1 * x2] = rho * s1 * s2, and a Spearman rank r
//! is rho = 2 sin(pi r / 6) (0.8135 for r = 0.8).

use crux_engine::{Engine, RunOptions};
use crux_lang::Sources;
use crux_lang::model::{ModelFile, parse_model};
use crux_lang::resolve::resolve;
use crux_report::Options;
use crux_worldview::compare::{View, compare, compute_view, views_of_profiles};
use crux_worldview::{Beliefs, Member, linear_pool};

const MODEL: &str = r#"[model]
id = "corr-test"

[params]
x1 = { value = "normal(0, 1)", crux = "alpha" }
x2 = { value = "normal(0, 1)", crux = "alpha" }
y = { value = "normal(0, 1)", crux = "beta" }

[mechanisms.gain]
side = "benefit"
effect = "x1 * x2 + y"

[cruxes.alpha]
title = "crux alpha"

[cruxes.beta]
title = "crux beta"
"#;

/// A correlates the params of crux alpha; B holds another belief on crux beta only.
const PROFILE_A: &str = "[profile]\nname = \"A\"\n\n[[correlations]]\nparams = [\"x1\", \"x2\"]\nrank = 0.8\n";
const PROFILE_B: &str = "[profile]\nname = \"B\"\n\n[params]\ny = \"normal(1, 1)\"\n";

const SAMPLES: usize = 40_000;
/// 2 sin(0.8 pi / 6).
const RHO: f64 = 0.813_473_286_151_6;

fn model(sources: &mut Sources, text: &str) -> ModelFile {
    let file = sources.add("corr-test.toml", text);
    parse_model(sources, file).expect("valid model")
}

fn views(sources: &mut Sources, model: &ModelFile) -> (View, View) {
    let profiles = [("a.toml".to_string(), PROFILE_A.to_string()), ("b.toml".to_string(), PROFILE_B.to_string())];
    let mut views = views_of_profiles(sources, model, &profiles).expect("profiles apply").into_iter();
    (views.next().unwrap(), views.next().unwrap())
}

/// E[net] of `beliefs` applied to the model.
fn mean(sources: &mut Sources, model: &ModelFile, beliefs: Beliefs) -> f64 {
    let view = View { label: "view".to_string(), beliefs };
    let (position, _) = compute_view(sources, model, &view, &Options::new(SAMPLES, 5)).expect("computes");
    position.now.expect("net at one point").mean
}

/// Five standard errors of the mean of x1 * x2 + y (variance at most
/// s1^2 s2^2 (1 + rho^2) + 1).
fn tolerance(variance: f64, samples: usize) -> f64 {
    5.0 * (variance / samples as f64).sqrt()
}

#[test]
fn a_swapped_crux_takes_its_correlations_with_it() {
    let mut sources = Sources::new();
    let model = model(&mut sources, MODEL);
    let (a, b) = views(&mut sources, &model);
    assert_eq!(a.beliefs.rank(&model, "x2", "x1"), 0.8, "the profile's correlation is part of its view");

    // B with A's view of alpha is A's correlation with B's y; A with B's
    // alpha loses it; swapping beta leaves the correlation where it was.
    let b_with_a_alpha = b.beliefs.with_group_from(&a.beliefs, &model, "alpha");
    let a_with_b_alpha = a.beliefs.with_group_from(&b.beliefs, &model, "alpha");
    assert_eq!(b_with_a_alpha.rank(&model, "x1", "x2"), 0.8);
    assert_eq!(a_with_b_alpha.rank(&model, "x1", "x2"), 0.0);
    assert_eq!(a.beliefs.with_group_from(&b.beliefs, &model, "beta").rank(&model, "x1", "x2"), 0.8);
    assert_eq!(b.beliefs.with_group_from(&a.beliefs, &model, "beta").rank(&model, "x1", "x2"), 0.0);

    // And the runs see it: E[net] = rho + E[y].
    let variance = 1.0 + RHO * RHO + 1.0;
    let swapped = mean(&mut sources, &model, b_with_a_alpha);
    assert!((swapped - (RHO + 1.0)).abs() < tolerance(variance, SAMPLES), "B with A's alpha: {swapped}");
    let lost = mean(&mut sources, &model, a_with_b_alpha);
    assert!(lost.abs() < tolerance(2.0, SAMPLES), "A with B's alpha: {lost}");
}

#[test]
fn views_that_differ_only_in_a_correlation_differ_on_that_crux() {
    let mut sources = Sources::new();
    let model = model(&mut sources, MODEL);
    let (a, _) = views(&mut sources, &model);
    let plain = View { label: "plain".to_string(), beliefs: Beliefs::default() };
    let comparison = compare(&mut sources, &model, &[a, plain], &Options::new(4_000, 5)).expect("compares");
    let swapped: Vec<&str> = comparison.double_cruxes[0].swaps.iter().map(|swap| swap.crux.as_str()).collect();
    assert_eq!(swapped, ["alpha", "alpha"], "only crux alpha differs, by its correlation");
}

/// E[net] of the linear pool of `members` (beliefs and weights) of `base`.
fn pooled_mean(sources: &mut Sources, base: &ModelFile, members: Vec<(Beliefs, f64)>) -> f64 {
    let members: Vec<Member> = members.into_iter().map(|(beliefs, weight)| Member { beliefs, weight }).collect();
    let pooled = linear_pool(sources, base, &members).expect("pools");
    let engine = Engine::new(&resolve(pooled).expect("the pooled model resolves")).expect("compiles");
    engine.run(&RunOptions::new(SAMPLES, 9)).expect("runs").net[0].mean
}

#[test]
fn a_pool_keeps_each_members_correlations() {
    let mut sources = Sources::new();
    let base = model(&mut sources, MODEL);
    let (a, b) = views(&mut sources, &base);
    // Half A (E[x1 x2] = rho, E[y] = 0), half B (independent, E[y] = 1).
    let mean = pooled_mean(&mut sources, &base, vec![(a.beliefs, 1.0), (b.beliefs, 1.0)]);
    let expected = 0.5 * RHO + 0.5;
    assert!((mean - expected).abs() < tolerance(4.0, SAMPLES), "pooled E[net] {mean}, expected {expected}");
}

#[test]
fn members_that_differ_on_a_correlated_param_pool_with_the_models_correlation() {
    // The model correlates x1 and x2; one member widens x1 and keeps the
    // correlation (E[x1 x2] = 2 rho), the other removes it (rank 0).
    let correlated = format!("{MODEL}\n[[correlations]]\nparams = [\"x1\", \"x2\"]\nrank = 0.8\n");
    let mut sources = Sources::new();
    let base = model(&mut sources, &correlated);
    let wide = "[profile]\nname = \"wide\"\n\n[params]\nx1 = \"normal(0, 2)\"\n";
    let independent = "[profile]\nname = \"independent\"\n\n[[correlations]]\nparams = [\"x2\", \"x1\"]\nrank = 0\n";
    let profiles = [("w.toml".to_string(), wide.to_string()), ("i.toml".to_string(), independent.to_string())];
    let views = views_of_profiles(&mut sources, &base, &profiles).expect("profiles apply");
    let members: Vec<(Beliefs, f64)> = views.into_iter().map(|view| (view.beliefs, 1.0)).collect();
    let mean = pooled_mean(&mut sources, &base, members);
    let expected = 0.5 * 2.0 * RHO;
    assert!((mean - expected).abs() < tolerance(4.0 * (1.0 + RHO * RHO) + 2.0, SAMPLES), "pooled {mean}, {expected}");
}
