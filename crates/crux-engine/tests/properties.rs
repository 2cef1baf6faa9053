//! Properties that must hold for any input: `a to b` puts its 5% and 95%
//! quantiles at a and b, `truncate` never leaves its range, and results do
//! not depend on the thread count.

mod common;

use common::{engine, single};
use crux_engine::RunOptions;
use crux_engine::distributions::{quantile, shape};
use crux_engine::program::{DrawDist, Operand};
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
