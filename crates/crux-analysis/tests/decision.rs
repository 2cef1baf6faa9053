//! A decision with several options: its EVPI against a brute-force
//! computation on the same rows, its EVPPI against the exact conditional
//! means, and the two-option case against release-or-not.

// The tests print each estimate beside its check (shown with --nocapture).
#![allow(clippy::print_stdout)]

use crux_analysis::inputs::Inputs;
use crux_analysis::voi::{Method, VoiOptions, joint_uniforms, value_of_information};
use crux_engine::Engine;

/// net = a - (0.2 c + 0.1 b^2); a is crux `x`, b crux `y`.
const MODEL: &str = r#"
[model]
id = "options"
title = "Options"
unit = "bp"
[axis]
name = "c"
from = 0
to = 2
step = 1
[params]
a = { value = "normal(0.5, 1)", crux = "x" }
b = { value = "normal(0, 1)", crux = "y" }
[cruxes.x]
title = "X"
[cruxes.y]
title = "Y"
[mechanisms.gain]
side = "benefit"
effect = "a"
[mechanisms.loss]
side = "risk"
effect = "0.2 * c + 0.1 * b ^ 2"
"#;

const OPTIONS: &str = r#"
[decision]
title = "How to release"
[decision.options.open]
value = "net"
[decision.options.api]
value = "0.5 * gain - 0.3 * loss + 0.1"
[decision.options.wait]
value = "0.2 * b"
[decision.options.nothing]
value = "0"
"#;

fn engine(text: &str) -> Engine {
    let mut sources = crux_lang::Sources::new();
    let file = sources.add("options.toml", text);
    let model = crux_lang::load(&mut sources, file).unwrap_or_else(|errors| panic!("{errors:?}"));
    Engine::new(&model).unwrap()
}

/// Each option's value from a and b, by hand.
fn option_values(a: f64, b: f64, c: f64) -> [f64; 4] {
    let (gain, loss) = (a, 0.2 * c + 0.1 * b * b);
    [gain - loss, 0.5 * gain - 0.3 * loss + 0.1, 0.2 * b, 0.0]
}

/// E[max_k v_k] - max_k E[v_k], and each E[v_k], over rows of values.
fn brute_force(rows: &[[f64; 4]]) -> (f64, Vec<f64>) {
    let count = rows.len() as f64;
    let means: Vec<f64> = (0..4).map(|k| rows.iter().map(|row| row[k]).sum::<f64>() / count).collect();
    let best_each = rows.iter().map(|row| row.iter().copied().fold(f64::NEG_INFINITY, f64::max)).sum::<f64>() / count;
    (best_each - means.iter().copied().fold(f64::NEG_INFINITY, f64::max), means)
}

#[test]
fn a_k_option_evpi_is_the_brute_force_one_on_the_same_rows() {
    let engine = engine(&format!("{MODEL}{OPTIONS}"));
    let inputs = Inputs::of(&engine);
    let n = 50_000;
    let seed = 4;
    let points: Vec<usize> = (0..engine.grid().len()).collect();
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(n, seed, points)).unwrap();
    // The same rows, with the params read from them and each option valued by hand.
    let uniforms = joint_uniforms(n, inputs.dimension, seed).unwrap();
    let params = engine.params_from_uniforms(&uniforms, &[0, 1]).unwrap();
    let mut bests = Vec::new();
    for value in &values {
        let c = engine.grid()[value.point];
        let rows: Vec<[f64; 4]> = (0..n).map(|row| option_values(params[0][row], params[1][row], c)).collect();
        let (evpi, means) = brute_force(&rows);
        println!(
            "c = {c}: EVPI {:?} (brute force {evpi:.6}), E[value] {:?} ({means:?})",
            value.evpi, value.expected_values
        );
        assert!((value.evpi.value - evpi).abs() < 1e-9, "EVPI {} vs {evpi} at c = {c}", value.evpi.value);
        assert!(value.evpi.value > 0.1, "the options differ enough to be worth learning about");
        for (got, want) in value.expected_values.iter().zip(&means) {
            assert!((got - want).abs() < 1e-9, "E[value] {got} vs {want} at c = {c}");
        }
        let best = (0..4).fold(0, |best, k| if means[k] > means[best] { k } else { best });
        assert_eq!(value.best, Some(best), "best option at c = {c}");
        bests.push(best);
    }
    // Opening is best at c = 0 and loses to the API option as c grows.
    assert_eq!(bests, [0, 1, 1]);
}

#[test]
fn a_k_option_evppi_matches_the_exact_conditional_means() {
    // Learning a: E[v_k | a] is known in closed form (E[b] = 0, E[b^2] = 1).
    let engine = engine(&format!("{MODEL}{OPTIONS}"));
    let inputs = Inputs::of(&engine);
    let names: Vec<&str> = inputs.groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!(names, ["x", "y"]);
    let n = 200_000;
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(n, 2, vec![1])).unwrap();
    let value = &values[0];
    let c = engine.grid()[1];
    let uniforms = joint_uniforms(n, inputs.dimension, 2).unwrap();
    let a = &engine.params_from_uniforms(&uniforms, &[0]).unwrap()[0];
    let conditional = |a: f64| {
        let (gain, loss) = (a, 0.2 * c + 0.1);
        [gain - loss, 0.5 * gain - 0.3 * loss + 0.1, 0.0, 0.0]
    };
    let count = n as f64;
    let chosen_now = value.best.unwrap();
    let evppi_x = a.iter().map(|a| {
        let means = conditional(*a);
        means.iter().copied().fold(f64::NEG_INFINITY, f64::max) - means[chosen_now]
    });
    let evppi_x = evppi_x.sum::<f64>() / count;
    println!(
        "EVPPI x {:?} (exact conditional means {evppi_x:.5}), y {:?}, EVPI {:?}",
        value.evppi[0], value.evppi[1], value.evpi
    );
    assert!((value.evppi[0].value - evppi_x).abs() < 0.02 * evppi_x + 3.0 * value.evppi[0].standard_error);
    // Each EVPPI is at most the EVPI.
    for estimate in &value.evppi {
        assert!(estimate.value <= value.evpi.value + 3.0 * estimate.standard_error);
    }
}

#[test]
fn the_two_option_decision_is_release_or_not() {
    let plain = engine(MODEL);
    let decided = engine(&format!(
        "{MODEL}[decision]\n[decision.options.release]\nvalue = \"net\"\n[decision.options.hold]\nvalue = \"0\"\n"
    ));
    let points: Vec<usize> = (0..plain.grid().len()).collect();
    let options = VoiOptions::new(20_000, 9, points);
    let before = value_of_information(&plain, &Inputs::of(&plain), &options).unwrap();
    let after = value_of_information(&decided, &Inputs::of(&decided), &options).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
    for (before, after) in before.iter().zip(&after) {
        assert!(before.expected_values.is_empty() && before.best.is_none());
        assert!(close(before.expected_net, after.expected_values[0]));
        assert_eq!(after.expected_values[1], 0.0);
        assert_eq!(after.best, Some(if before.expected_net > 0.0 { 0 } else { 1 }));
        assert!(close(before.evpi.value, after.evpi.value), "{:?} vs {:?}", before.evpi, after.evpi);
        for (b, a) in before.evppi.iter().zip(&after.evppi) {
            assert!(close(b.value, a.value), "EVPPI {b:?} vs {a:?}");
        }
    }
}

#[test]
fn the_nested_design_refuses_a_decision() {
    let engine = engine(&format!("{MODEL}{OPTIONS}"));
    let options = VoiOptions { method: Method::Nested, ..VoiOptions::new(10_000, 1, vec![0]) };
    let error = value_of_information(&engine, &Inputs::of(&engine), &options).unwrap_err();
    assert!(error.message.contains("nested design"), "{}", error.message);
    assert!(error.span.is_some());
}
