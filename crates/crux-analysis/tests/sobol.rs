//! Sobol indices against analytic values.

// The tests print each estimate beside its analytic value (shown with --nocapture).
#![allow(clippy::print_stdout)]

mod common;

use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{Indices, SobolOptions, sobol_indices};

fn check(name: &str, got: &Indices, first: f64, total: f64, tolerance: f64) {
    println!(
        "{name}: S1 = {:.4} ± {:.4} (analytic {first:.4}), ST = {:.4} ± {:.4} (analytic {total:.4})",
        got.first, got.first_conf, got.total, got.total_conf
    );
    assert!((got.first - first).abs() < tolerance, "{name}: S1 = {} but analytic {first}", got.first);
    assert!((got.total - total).abs() < tolerance, "{name}: ST = {} but analytic {total}", got.total);
}

#[test]
fn ishigami_indices_match_the_analytic_values() {
    let engine = common::engine("ishigami.toml");
    let inputs = Inputs::of(&engine);
    let result = sobol_indices(&engine, &inputs, &SobolOptions::new(1 << 14, 1, 0)).unwrap();
    // Analytic values for a = 7, b = 0.1 (Ishigami and Homma 1990).
    let (a, b) = (7.0f64, 0.1f64);
    let pi = std::f64::consts::PI;
    let v1 = 0.5 * (1.0 + b * pi.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * pi.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let variance = v1 + v2 + v13;
    let names: Vec<&str> = inputs.factors.iter().map(|factor| factor.name.as_str()).collect();
    assert_eq!(names, ["x1", "x2", "x3"]);
    let expected = [(v1 / variance, (v1 + v13) / variance), (v2 / variance, v2 / variance), (0.0, v13 / variance)];
    for ((factor, got), (first, total)) in inputs.factors.iter().zip(&result.factors).zip(expected) {
        check(&factor.name, got, first, total, 0.02);
        // The bootstrap intervals are honest: they cover the analytic value (with some slack).
        assert!((got.first - first).abs() < 3.0 * got.first_conf.max(1e-3));
        assert!((got.total - total).abs() < 3.0 * got.total_conf.max(1e-3));
    }
    assert!((result.variance - variance).abs() / variance < 0.01, "variance {}", result.variance);
}

#[test]
fn sobol_g_indices_match_the_analytic_values() {
    let engine = common::engine("sobol-g.toml");
    let inputs = Inputs::of(&engine);
    let result = sobol_indices(&engine, &inputs, &SobolOptions::new(1 << 14, 2, 0)).unwrap();
    let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];
    let partial: Vec<f64> = a.iter().map(|a: &f64| 1.0 / (3.0 * (1.0 + a).powi(2))).collect();
    let product: f64 = partial.iter().map(|v| 1.0 + v).product();
    let variance = product - 1.0;
    for (index, (factor, got)) in inputs.factors.iter().zip(&result.factors).enumerate() {
        let first = partial[index] / variance;
        let total = partial[index] * product / (1.0 + partial[index]) / variance;
        check(&factor.name, got, first, total, 0.02);
    }
}

#[test]
fn group_indices_match_the_analytic_values_with_a_discrete_param() {
    let engine = common::engine("two-cruxes.toml");
    let inputs = Inputs::of(&engine);
    let groups: Vec<&str> = inputs.groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!(groups, ["levels", "sign"]);
    let result = sobol_indices(&engine, &inputs, &SobolOptions::new(1 << 14, 3, 0)).unwrap();
    let third = 1.0 / 3.0;
    for ((factor, got), (first, total)) in
        inputs.factors.iter().zip(&result.factors).zip([(third, 2.0 * third), (third, third), (0.0, third)])
    {
        check(&factor.name, got, first, total, 0.02);
    }
    for ((group, got), (first, total)) in
        inputs.groups.iter().zip(&result.groups).zip([(2.0 * third, 1.0), (0.0, third)])
    {
        check(&group.name, got, first, total, 0.02);
    }
}

#[test]
fn a_seed_gives_the_same_indices_and_intervals_on_any_thread_count() {
    let engine = common::engine("ishigami.toml");
    let inputs = Inputs::of(&engine);
    let options = SobolOptions::new(1 << 10, 9, 0);
    let many = sobol_indices(&engine, &inputs, &options).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| sobol_indices(&engine, &inputs, &options).unwrap());
    assert_eq!(many, one);
    let other = sobol_indices(&engine, &inputs, &SobolOptions::new(1 << 10, 10, 0)).unwrap();
    assert_ne!(many, other);
}

#[test]
fn a_model_without_cruxes_is_analysed_per_param() {
    let engine = common::engine("bench/ref-v1.toml");
    let inputs = Inputs::of(&engine);
    assert_eq!(inputs.factors.len(), 18, "every param of ref-v1 has its own draws");
    assert_eq!(inputs.dimension, 20, "hazard and research_value have a draw per branch");
    let hazard = inputs.factors.iter().find(|factor| factor.name == "hazard").unwrap();
    assert_eq!(hazard.draws.len(), 2);
    assert_eq!(inputs.groups.len(), 18);
    let grid_26 = 30;
    let result = sobol_indices(&engine, &inputs, &SobolOptions::new(1 << 12, 1, grid_26)).unwrap();
    for (factor, group) in result.factors.iter().zip(&result.groups) {
        assert_eq!(factor, group);
    }
    let first: f64 = result.factors.iter().map(|indices| indices.first).sum();
    let total: f64 = result.factors.iter().map(|indices| indices.total).sum();
    assert!(first <= 1.05 && total >= 0.95, "sum S1 = {first}, sum ST = {total}");
}

#[test]
fn a_constant_net_is_an_error_not_a_nan() {
    let engine = common::engine("normal-net.toml");
    // A model whose net does not vary: only the idle param, times zero.
    let mut sources = crux_lang::Sources::new();
    let file = sources.add(
        "constant.toml",
        "[model]\nid = \"c\"\ntitle = \"c\"\nunit = \"bp\"\n[params]\nz = \"uniform(0, 1)\"\n[mechanisms.m]\nside = \"benefit\"\neffect = \"1 + 0 * z\"\n",
    );
    let model = crux_lang::load(&mut sources, file).unwrap();
    let constant = crux_engine::Engine::new(&model).unwrap();
    let error = sobol_indices(&constant, &Inputs::of(&constant), &SobolOptions::new(64, 1, 0)).unwrap_err();
    assert!(error.message.contains("does not vary"), "{}", error.message);
    assert!(sobol_indices(&engine, &Inputs::of(&engine), &SobolOptions::new(1, 1, 0)).is_err());
}
