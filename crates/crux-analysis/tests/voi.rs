//! The value of information against closed forms.

// The tests print each estimate beside its analytic value (shown with --nocapture).
#![allow(clippy::print_stdout)]

mod common;

use crux_analysis::inputs::Inputs;
use crux_analysis::voi::{EvppiMethod, Method, VoiOptions, value_of_information};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// E[max(X, 0)] - max(mu, 0) for X ~ normal(mu, sigma).
fn closed_form(mu: f64, sigma: f64) -> f64 {
    let standard = Normal::new(0.0, 1.0).unwrap();
    sigma * standard.pdf(mu / sigma) + mu * standard.cdf(mu / sigma) - mu.max(0.0)
}

#[test]
fn evpi_and_evppi_match_the_closed_forms_for_a_normal_net() {
    // net = mu + x + y, x ~ normal(0, 3) (crux "signal"), y ~ normal(0, 4)
    // ("noise"), z irrelevant ("idle"); the axis is mu = -10..10.
    let engine = common::engine("normal-net.toml");
    let inputs = Inputs::of(&engine);
    let groups: Vec<&str> = inputs.groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!(groups, ["signal", "noise", "idle"]);
    let points: Vec<usize> = (0..engine.grid().len()).collect();
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(1 << 17, 5, points)).unwrap();
    for value in &values {
        let mu = engine.grid()[value.point];
        let evpi = closed_form(mu, 5.0);
        let signal = closed_form(mu, 3.0);
        let noise = closed_form(mu, 4.0);
        println!(
            "mu = {mu:>5}: EVPI {:.4} ({evpi:.4}), EVPPI signal {:.4} ± {:.4} ({signal:.4}), noise {:.4} ± {:.4} ({noise:.4}), idle {:.4} ± {:.4}",
            value.evpi.value,
            value.evppi[0].value,
            value.evppi[0].standard_error,
            value.evppi[1].value,
            value.evppi[1].standard_error,
            value.evppi[2].value,
            value.evppi[2].standard_error
        );
        assert!((value.expected_net - mu).abs() < 0.01, "E[net] {} at mu = {mu}", value.expected_net);
        assert!(
            (value.evpi.value - evpi).abs() < 0.005 + 0.01 * evpi,
            "EVPI {} vs {evpi} at mu = {mu}",
            value.evpi.value
        );
        for (estimate, exact) in value.evppi.iter().zip([signal, noise, 0.0]) {
            let tolerance = 4.0 * estimate.standard_error + 0.01;
            assert!((estimate.value - exact).abs() < tolerance, "EVPPI {estimate:?} vs {exact} at mu = {mu}");
        }
        // Nothing is learned from the idle param.
        assert!(value.evppi[2].value < 0.02, "idle EVPPI {:?}", value.evppi[2]);
    }
}

#[test]
fn a_group_that_determines_net_is_worth_the_evpi() {
    // Only x varies when the noise and idle params are fixed: a model where
    // one crux holds every draw has EVPPI = EVPI.
    let mut sources = crux_lang::Sources::new();
    let file = sources.add(
        "one-crux.toml",
        "[model]\nid = \"one\"\ntitle = \"one\"\nunit = \"bp\"\n[params]\n\
         x = { value = \"normal(1, 3)\", crux = \"all\" }\nw = { value = \"bernoulli(0.3)\", crux = \"all\" }\n[cruxes.all]\ntitle = \"All\"\n\
         [mechanisms.m]\nside = \"benefit\"\neffect = \"x - 4 * w\"\n",
    );
    let model = crux_lang::load(&mut sources, file).unwrap();
    let engine = crux_engine::Engine::new(&model).unwrap();
    let inputs = Inputs::of(&engine);
    assert_eq!(inputs.groups.len(), 1);
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(100_000, 1, vec![0])).unwrap();
    let value = &values[0];
    println!("EVPI {:?}, EVPPI {:?}", value.evpi, value.evppi[0]);
    assert!(value.evpi.value > 0.5);
    assert!((value.evppi[0].value - value.evpi.value).abs() < 0.01 * value.evpi.value);
}

#[test]
fn the_shortfall_is_conservative_and_as_documented() {
    // At mu = 0 the signal's EVPPI with K inner rows is the value of deciding
    // on x + noise of variance 4^2 / (K - 1) (the other rows' mean), which for
    // x ~ normal(0, 3^2) is 3^2 phi(0) / sqrt(3^2 + 4^2 / (K - 1)): below the
    // closed form 3 phi(0) by p(0) 4^2 / (2 (K - 1)) to first order, as the
    // module documents.
    let engine = common::engine("normal-net.toml");
    let inputs = Inputs::of(&engine);
    let mu_zero = 10;
    let exact = closed_form(0.0, 3.0);
    let phi_zero = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    let mut previous = 0.0;
    for inner in [4, 8, 64] {
        let mut options = VoiOptions::new(1 << 18, 2, vec![mu_zero]);
        options.inner = inner;
        options.method = Method::Nested;
        let got = value_of_information(&engine, &inputs, &options).unwrap()[0].evppi[0];
        let predicted = 9.0 * phi_zero / (9.0 + 16.0 / (inner - 1) as f64).sqrt();
        let first_order = exact - phi_zero / 3.0 * 16.0 / (2.0 * (inner - 1) as f64);
        if inner == 64 {
            assert!((predicted - first_order).abs() < 0.05 * (exact - predicted), "first order holds for large K");
        }
        println!("K = {inner}: EVPPI {got:?}, predicted {predicted:.4}, closed form {exact:.4}");
        assert!((got.value - predicted).abs() < 4.0 * got.standard_error + 0.01, "{got:?} vs {predicted}");
        assert!(got.value < exact + 3.0 * got.standard_error);
        assert!(got.value > previous, "more inner rows, less shortfall");
        previous = got.value;
    }
}

#[test]
fn a_seed_gives_the_same_values_on_any_thread_count() {
    let engine = common::engine("bench/ref-v1.toml");
    let inputs = Inputs::of(&engine);
    let options = VoiOptions::new(1 << 13, 4, vec![20, 40]);
    let many = value_of_information(&engine, &inputs, &options).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| value_of_information(&engine, &inputs, &options).unwrap());
    assert_eq!(many, one);
}

#[test]
fn too_few_samples_is_an_error() {
    let engine = common::engine("normal-net.toml");
    let inputs = Inputs::of(&engine);
    let error = value_of_information(&engine, &inputs, &VoiOptions::new(100, 1, vec![0])).unwrap_err();
    assert!(error.message.contains("too few"), "{}", error.message);
}

/// The engine of a model text.
fn engine_of(text: &str) -> crux_engine::Engine {
    let mut sources = crux_lang::Sources::new();
    let file = sources.add("test.toml", text);
    let model = crux_lang::load(&mut sources, file).unwrap_or_else(|errors| panic!("{errors:?}"));
    crux_engine::Engine::new(&model).unwrap()
}

/// EVPPI of a crux X ~ normal(mx, sx) when net = X + Y and Y is another crux
/// with mean my: E[max(X + my, 0)] - max(mx + my, 0), the expected positive
/// part of a normal less the positive part of its mean.
fn additive_evppi(mx: f64, sx: f64, my: f64) -> f64 {
    closed_form(mx + my, sx)
}

#[test]
fn regression_evppi_of_a_one_param_crux_is_within_two_percent() {
    // net = x + y, x ~ normal(0.3, 1) (crux "x"), y ~ normal(-0.2, 2) (crux "y").
    let engine = engine_of(
        "[model]\nid = \"one\"\ntitle = \"one\"\nunit = \"bp\"\n[params]\n\
         x = { value = \"normal(0.3, 1)\", crux = \"x\" }\ny = { value = \"normal(-0.2, 2)\", crux = \"y\" }\n\
         [cruxes.x]\ntitle = \"X\"\n[cruxes.y]\ntitle = \"Y\"\n\
         [mechanisms.m]\nside = \"benefit\"\neffect = \"x + y\"\n",
    );
    let inputs = Inputs::of(&engine);
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(200_000, 3, vec![0])).unwrap();
    let value = &values[0];
    for (index, exact) in [additive_evppi(0.3, 1.0, -0.2), additive_evppi(-0.2, 2.0, 0.3)].into_iter().enumerate() {
        let estimate = value.evppi[index];
        println!("{}: {estimate:?} ({exact:.4}), {:?}", inputs.groups[index].name, value.methods[index]);
        assert_eq!(value.methods[index].name(), "gam");
        assert!((estimate.value - exact).abs() < 0.02 * exact, "{estimate:?} vs {exact}");
        assert!(estimate.standard_error < 0.015 * exact, "{estimate:?}");
    }
}

#[test]
fn regression_evppi_of_a_five_param_crux_is_within_two_percent() {
    // net = a1 + ... + a5 + y, a_i ~ normal(0.1, 1) in crux "a", y ~ normal(0, 1) in crux "y":
    // the crux is X = sum a_i ~ normal(0.5, sqrt 5).
    let params: String = (1..=5).map(|i| format!("a{i} = {{ value = \"normal(0.1, 1)\", crux = \"a\" }}\n")).collect();
    let engine = engine_of(&format!(
        "[model]\nid = \"five\"\ntitle = \"five\"\nunit = \"bp\"\n[params]\n{params}\
         y = {{ value = \"normal(0, 1)\", crux = \"y\" }}\n[cruxes.a]\ntitle = \"A\"\n[cruxes.y]\ntitle = \"Y\"\n\
         [mechanisms.m]\nside = \"benefit\"\neffect = \"a1 + a2 + a3 + a4 + a5 + y\"\n"
    ));
    let inputs = Inputs::of(&engine);
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(200_000, 7, vec![0])).unwrap();
    let value = &values[0];
    let exact = [additive_evppi(0.5, 5f64.sqrt(), 0.0), additive_evppi(0.0, 1.0, 0.5)];
    for (index, exact) in exact.into_iter().enumerate() {
        let estimate = value.evppi[index];
        println!("{}: {estimate:?} ({exact:.4}), {:?}", inputs.groups[index].name, value.methods[index]);
        assert!((estimate.value - exact).abs() < 0.02 * exact, "{estimate:?} vs {exact}");
    }
    assert_eq!(value.methods[0].name(), "additive");
    assert_eq!(value.methods[1].name(), "gam");
}

#[test]
fn regression_and_nested_designs_agree_and_the_regression_has_no_shortfall() {
    // At mu = 0 of normal-net.toml the nested design falls short by
    // p(0) E[var] / (2 (K - 1)); the regression does not.
    let engine = common::engine("normal-net.toml");
    let inputs = Inputs::of(&engine);
    let mu_zero = 10;
    let regression = value_of_information(&engine, &inputs, &VoiOptions::new(1 << 17, 2, vec![mu_zero])).unwrap();
    let mut options = VoiOptions::new(1 << 17, 2, vec![mu_zero]);
    options.method = Method::Nested;
    let nested = value_of_information(&engine, &inputs, &options).unwrap();
    let exact = closed_form(0.0, 3.0);
    let (r, n) = (regression[0].evppi[0], nested[0].evppi[0]);
    println!("signal at mu = 0: regression {r:?}, nested {n:?}, closed form {exact:.4}");
    assert!((r.value - exact).abs() < 0.01 * exact, "{r:?}");
    assert!(n.value < r.value);
    assert!((n.value - r.value).abs() < 4.0 * (n.standard_error + r.standard_error) + 0.02);
    assert_eq!(nested[0].methods[0], EvppiMethod::Nested { inner: options.inner });
    assert_eq!(regression[0].evpi, nested[0].evpi);
}

#[test]
fn regression_evppi_handles_discrete_draws_and_interactions() {
    // f = a + b + a * s with s = +-1 (two-cruxes.toml): E[f | a, b] = a + b,
    // E[f | s] = 0, so EVPPI(levels) = E[max(a + b, 0)] (E[f] = 0) and EVPPI(sign) = 0;
    // a + b is the sum of two uniforms of variance 1: a triangular density on
    // (-2 sqrt 3, 2 sqrt 3), whose positive part has mean 2 sqrt 3 / 6.
    let engine = common::engine("two-cruxes.toml");
    let inputs = Inputs::of(&engine);
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(1 << 17, 9, vec![0])).unwrap();
    let value = &values[0];
    let levels = 2.0 * 3f64.sqrt() / 6.0;
    println!("levels {:?} ({levels:.4}), sign {:?}, {:?}", value.evppi[0], value.evppi[1], value.methods);
    assert!((value.evppi[0].value - levels).abs() < 0.02 * levels);
    assert!(value.evppi[1].value < 0.01, "{:?}", value.evppi[1]);
    match value.methods[1] {
        EvppiMethod::Regression { columns, .. } => assert_eq!(columns, 2, "an intercept and the sign's indicator"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn evsi_of_a_normal_study_matches_the_normal_normal_closed_form() {
    // Prior x ~ normal(0.5, 2), y ~ normal(0, 1), net = x + y; a study reports
    // x + normal(0, 2). The preposterior mean of x is normal(0.5, sd 2^2 /
    // sqrt(2^2 + 2^2)), and E[y] = 0, so EVSI = E[max(that, 0)] - 0.5 (0.3491).
    let engine = engine_of(
        "[model]\nid = \"evsi\"\ntitle = \"evsi\"\nunit = \"bp\"\n[params]\n\
         x = { value = \"normal(0.5, 2)\", crux = \"x\" }\ny = { value = \"normal(0, 1)\", crux = \"y\" }\n\
         [cruxes.x]\ntitle = \"X\"\n[cruxes.y]\ntitle = \"Y\"\n\
         [mechanisms.m]\nside = \"benefit\"\neffect = \"x + y\"\n\
         [studies.trial]\nmeasures = \"x\"\nnoise_sd = 2\ncost = 0.1\n\
         [studies.of_y]\nmeasures = \"y\"\nnoise_sd = 0.5\n",
    );
    let inputs = Inputs::of(&engine);
    let preposterior_sd = 4.0 / 8f64.sqrt();
    let exact = closed_form(0.5, preposterior_sd);
    assert!((exact - 0.3491).abs() < 1e-4, "{exact}");
    for method in [Method::Regression, Method::Nested] {
        let options = VoiOptions { method, ..VoiOptions::new(200_000, 11, vec![0]) };
        let values = value_of_information(&engine, &inputs, &options).unwrap();
        let study = &values[0].studies[0];
        println!("{method:?}: {study:?} (EVSI {exact:.4}, ceiling {:.4})", closed_form(0.5, 2.0));
        assert_eq!((study.name.as_str(), study.measures.as_str(), study.cost), ("trial", "x", 0.1));
        assert!((study.evsi.value - exact).abs() < 0.02 * exact, "{study:?} vs {exact}");
        // The ceiling is the EVPPI of x (here its crux's, in closed form).
        let ceiling = closed_form(0.5, 2.0);
        assert!((study.ceiling.value - ceiling).abs() < 0.02 * ceiling, "{study:?}");
        assert!(study.evsi.value < study.ceiling.value);
        assert!((study.net_value() - (study.evsi.value - 0.1)).abs() < 1e-12);
        // A study of y: y's EVPPI shrunk by its noise, sd 1 / sqrt(1 + 0.5^2) of y's preposterior mean.
        let of_y = &values[0].studies[1];
        let exact_y = closed_form(0.5, 1.0 / (1.0f64 + 0.25).sqrt());
        assert!((of_y.evsi.value - exact_y).abs() < 0.03 * exact_y + 3.0 * of_y.evsi.standard_error, "{of_y:?}");
    }
}

#[test]
fn evsi_of_a_binomial_study_matches_the_beta_binomial_sum() {
    // theta ~ beta(2, 8), net = theta - 0.25 + y with y ~ normal(0, 0.1); a
    // study counts k successes in 10 trials. E[theta | k] = (2 + k) / 20, so
    // EVSI = sum_k P(k) max((k - 3) / 20, 0) with the beta-binomial P(k).
    let engine = engine_of(
        "[model]\nid = \"binomial\"\ntitle = \"binomial\"\nunit = \"bp\"\n[params]\n\
         theta = { value = \"beta(2, 8)\", crux = \"t\" }\ny = { value = \"normal(0, 0.1)\", crux = \"y\" }\n\
         [cruxes.t]\ntitle = \"T\"\n[cruxes.y]\ntitle = \"Y\"\n\
         [mechanisms.m]\nside = \"benefit\"\neffect = \"theta - 0.25 + y\"\n\
         [studies.trials]\nmeasures = \"theta\"\ntrials = 10\n",
    );
    let inputs = Inputs::of(&engine);
    let ln_beta = crux_engine::math::ln_beta;
    let ln_choose = |n: f64, k: f64| -ln_beta(k + 1.0, n - k + 1.0) - (n + 1.0).ln();
    let exact: f64 = (0..=10)
        .map(|k| {
            let k = k as f64;
            let pmf = (ln_choose(10.0, k) + ln_beta(k + 2.0, 10.0 - k + 8.0) - ln_beta(2.0, 8.0)).exp();
            pmf * ((k - 3.0) / 20.0).max(0.0)
        })
        .sum();
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(200_000, 5, vec![0])).unwrap();
    let study = &values[0].studies[0];
    println!("{study:?} (EVSI {exact:.5})");
    assert!((study.evsi.value - exact).abs() < 0.03 * exact, "{study:?} vs {exact}");
    assert!(study.evsi.value < study.ceiling.value);
}

#[test]
fn a_binomial_study_of_a_param_that_is_not_a_probability_is_an_error() {
    let engine = engine_of(
        "[model]\nid = \"bad\"\ntitle = \"bad\"\nunit = \"bp\"\n[params]\nx = \"normal(0.5, 2)\"\n\
         [mechanisms.m]\nside = \"benefit\"\neffect = \"x\"\n[studies.s]\nmeasures = \"x\"\ntrials = 10\n",
    );
    let inputs = Inputs::of(&engine);
    let error = value_of_information(&engine, &inputs, &VoiOptions::new(10_000, 1, vec![0])).unwrap_err();
    assert!(error.message.contains("not a probability"), "{}", error.message);
    assert!(error.span.is_some());
}
