//! Properties that must hold for any input: `a to b` puts its 5% and 95%
//! quantiles at a and b, `truncate` never leaves its range, results do not
//! depend on the thread count, and sample quantiles are those of the sorted
//! values.

use crux_engine::RunOptions;
use crux_engine::distributions::{quantile, shape};
use crux_engine::program::{DrawDist, Operand};
use crux_test_support::{engine, single};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn a_to_b_puts_five_percent_below_a_and_above_b(low in 1e-6f64..1e6, ratio in 1.000_001f64..1e6) {
        let high = low * ratio;
        let dist = DrawDist::LogNormalInterval {
            low: Operand::Const(low),
            high: Operand::Const(high),
            z: 1.644_853_626_951_472_2,
            written_as_to: true,
        };
        let resolved = shape(&dist, &[low, high]).expect("valid");
        prop_assert!((quantile(&resolved, 0.05) - low).abs() <= 1e-9 * low);
        prop_assert!((quantile(&resolved, 0.95) - high).abs() <= 1e-9 * high);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn truncate_never_leaves_its_range(mean in -50f64..50.0, sd in 0.01f64..20.0, low in -60f64..60.0, width in 0.001f64..30.0) {
        let high = low + width;
        let text = single(&format!("truncate(normal({mean}, {sd}), {low}, {high})"));
        let mut sources = crux_lang::Sources::new();
        let file = sources.add("truncate.toml", text.as_str());
        let model = crux_lang::load(&mut sources, file).expect("parses");
        // Far in a tail there may be no probability left to truncate to: that is a clear error, not a draw.
        if let Ok(engine) = crux_engine::Engine::new(&model) {
            let values = &engine.param_samples(2000, 1).expect("draws")[0];
            prop_assert!(values.iter().all(|x| (low..=high).contains(x)), "a value outside [{low}, {high}]");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count(threads in 2usize..=4, samples in 1usize..6000, seed in 0u64..1000) {
        let text = single("mixture(normal(0, 1), 2 to 20, beta(2, 3), [1, 2, 3]) * uniform(-1, 1)");
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let engine = engine(&text);
            pool.install(|| engine.run(&RunOptions::new(samples, seed)).expect("runs"))
        };
        let one = run(1);
        let many = run(threads);
        prop_assert_eq!(one.net, many.net);
        prop_assert_eq!(one.mechanisms, many.mechanisms);
    }
}

/// numpy's default quantile (type 7) of `values`, by sorting.
fn sorted_quantile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = p * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    let fraction = position - low as f64;
    if fraction == 0.0 { sorted[low] } else { sorted[low] + fraction * (sorted[high] - sorted[low]) }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Columns of any length up to the radix histogram's (ties, both signs,
    /// runs of equal or sorted values, split into parts like a run's blocks)
    /// get exactly the quantiles of their sorted values.
    #[test]
    fn quantiles_are_those_of_the_sorted_values(
        pool in prop::collection::vec(-1e6f64..1e6, 1..40),
        picks in prop::collection::vec(any::<u16>(), 1..40_000),
        sorted_run in any::<bool>(),
        split in any::<u16>(),
    ) {
        let mut values: Vec<f64> = picks.iter().map(|pick| pool[*pick as usize % pool.len()] * if pick % 7 == 0 { 1e-9 } else { 1.0 }).collect();
        if sorted_run {
            let third = values.len() / 3;
            values[..third].sort_by(f64::total_cmp);
        }
        let split = split as usize % values.len();
        let (first, second) = values.split_at(split);
        let probabilities = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0];
        let got = crux_engine::quantile::quantiles(&[first, second], &probabilities);
        for (p, value) in probabilities.iter().zip(got) {
            prop_assert_eq!(value.to_bits(), sorted_quantile(&values, *p).to_bits(), "p = {}", p);
        }
    }
}
