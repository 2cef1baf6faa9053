//! The benchmark model ref-v1 against the reference results computed with
//! numpy at 10^7 samples, and determinism across thread counts.

use crux_engine::{RunOptions, RunOutput};
use crux_test_support::{engine, repo_path};

/// (c, mean net, P(net > 0)) from shared/bench/README.md.
const REFERENCE: [(f64, f64, f64); 5] =
    [(23.0, 0.901, 0.943), (25.0, 2.86, 0.828), (26.0, 1.13, 0.716), (27.0, -5.57, 0.587), (29.0, -18.5, 0.447)];

fn ref_v1() -> String {
    std::fs::read_to_string(repo_path("bench/ref-v1.toml")).expect("bench/ref-v1.toml is in the repository")
}

#[test]
fn the_repository_copy_of_ref_v1_is_the_shared_one() {
    let shared = repo_path("../shared/bench/ref-v1.toml");
    match std::fs::read_to_string(&shared) {
        Ok(text) => assert_eq!(text, ref_v1(), "bench/ref-v1.toml differs from {}", shared.display()),
        Err(_) => eprintln!("skipped: {} is not present beside the repository", shared.display()),
    }
}

#[test]
fn ref_v1_matches_the_numpy_reference_at_a_million_samples() {
    let engine = engine(&ref_v1());
    let output = engine.run(&RunOptions::new(1_000_000, 1)).expect("ref-v1 runs");
    for (c, mean, p_positive) in REFERENCE {
        let index = output.points.iter().position(|x| (x - c).abs() < 1e-9).expect("grid point");
        let summary = output.net[index];
        assert!(
            (summary.mean - mean).abs() <= 0.03 * mean.abs() + 0.3,
            "c = {c}: mean {} vs reference {mean}",
            summary.mean
        );
        assert!(
            (summary.p_positive - p_positive).abs() <= 0.005,
            "c = {c}: P(net > 0) {} vs reference {p_positive}",
            summary.p_positive
        );
    }
}

fn run_with_threads(threads: usize, samples: usize) -> RunOutput {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let engine = engine(&ref_v1());
    pool.install(|| engine.run(&RunOptions::new(samples, 42)).expect("ref-v1 runs"))
}

#[test]
fn a_seed_gives_identical_results_on_any_thread_count() {
    for samples in [1, 1000, 70_001] {
        let one = run_with_threads(1, samples);
        let four = run_with_threads(4, samples);
        assert_eq!(one.net, four.net, "{samples} samples");
        assert_eq!(one.mechanisms, four.mechanisms, "{samples} samples");
    }
}

#[test]
fn the_first_samples_do_not_depend_on_how_many_are_drawn() {
    let engine = engine(&ref_v1());
    let few = engine.param_samples(100, 5).unwrap();
    let many = engine.param_samples(5000, 5).unwrap();
    for (short, long) in few.iter().zip(&many) {
        assert_eq!(short[..], long[..100]);
    }
}
