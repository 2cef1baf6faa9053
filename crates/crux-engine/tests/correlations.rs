//! Correlated params: the Gaussian copula sets the rank correlation, leaves
//! every marginal as it was, and gives the same samples on any thread count
//! and in every view of them (runs, param samples, the Sampler, given uniforms).

use crux_engine::{Engine, RunOptions, Sampler};
use crux_lang::Sources;
use crux_test_support::engine;

const SAMPLES: usize = 200_000;

/// Two normal(0, 1) params of one crux, `a` and `b`, with net = a + b.
fn pair(rank: Option<f64>) -> String {
    let correlation =
        rank.map(|rank| format!("[[correlations]]\nparams = [\"a\", \"b\"]\nrank = {rank}\n\n")).unwrap_or_default();
    format!(
        "[model]\nid = \"pair\"\n\n[params]\na = {{ value = \"normal(0, 1)\", crux = \"g\" }}\n\
         b = {{ value = \"normal(0, 1)\", crux = \"g\" }}\n\n{correlation}\
         [mechanisms.sum]\nside = \"benefit\"\neffect = \"a + b\"\n"
    )
}

/// Params of every kind a correlation accepts, all in one crux and pairwise
/// correlated, with net = their sum; without `correlated`, the same params
/// independent.
fn kinds(correlated: bool) -> String {
    let mut text = String::from(
        "[model]\nid = \"kinds\"\n\n[params]\n\
         n = { value = \"normal({p5: 1, p95: 3})\", crux = \"g\" }\n\
         l = { value = \"2 to 20\", crux = \"g\" }\n\
         u = { value = \"uniform(-1, 1)\", crux = \"g\" }\n\
         be = { value = \"beta({mean: 0.3, k: 8})\", crux = \"g\" }\n\
         tr = { value = \"triangular(0, 1, 4)\", crux = \"g\" }\n\
         pe = { value = \"pert(0, 3, 4)\", crux = \"g\" }\n\
         tn = { value = \"truncate(normal(0, 2), -1, 5)\", crux = \"g\" }\n\n",
    );
    if correlated {
        let names = ["n", "l", "u", "be", "tr", "pe", "tn"];
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                text.push_str(&format!("[[correlations]]\nparams = [\"{a}\", \"{b}\"]\nrank = 0.3\n\n"));
            }
        }
    }
    text.push_str("[mechanisms.sum]\nside = \"benefit\"\neffect = \"n + l + u + be + tr + pe + tn\"\n");
    text
}

fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|i, j| values[*i].total_cmp(&values[*j]));
    let mut ranks = vec![0.0; values.len()];
    for (rank, index) in order.into_iter().enumerate() {
        ranks[index] = rank as f64;
    }
    ranks
}

/// Spearman's rank correlation (continuous values: no ties).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let mean = (a.len() as f64 - 1.0) / 2.0;
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - mean) * (y - mean)).sum();
    let var: f64 = ra.iter().map(|x| (x - mean) * (x - mean)).sum();
    cov / var
}

/// The two-sample Kolmogorov-Smirnov distance.
fn ks_distance(a: &[f64], b: &[f64]) -> f64 {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut distance) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        distance = distance.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    distance
}

fn net_samples(engine: &Engine, samples: usize, seed: u64) -> Vec<f64> {
    let options = RunOptions { keep_net: true, ..RunOptions::new(samples, seed) };
    let output = engine.run(&options).expect("the model runs");
    output.net_samples.expect("kept").column(0).to_vec()
}

#[test]
fn a_rank_correlation_of_0_8_gives_the_sd_of_the_sum_the_copula_implies() {
    // Pearson 2 sin(0.8 pi / 6) = 0.8135 for the normal scores, and the
    // params are the scores: sd(a + b) = sqrt(2 + 2 * 0.8135) = 1.9045.
    let correlated = net_samples(&engine(&pair(Some(0.8))), SAMPLES, 3);
    let independent = net_samples(&engine(&pair(None)), SAMPLES, 3);
    let (sd_correlated, sd_independent) = (sd(&correlated), sd(&independent));
    assert!((sd_correlated / 1.9045 - 1.0).abs() < 0.01, "sd(a + b) = {sd_correlated}");
    assert!((sd_independent / 2f64.sqrt() - 1.0).abs() < 0.01, "independent sd(a + b) = {sd_independent}");
    let summary = engine(&pair(Some(0.8))).run(&RunOptions::new(SAMPLES, 3)).expect("runs").net[0];
    assert!((summary.sd / 1.9045 - 1.0).abs() < 0.01, "the run's sd {}", summary.sd);
}

#[test]
fn the_drawn_params_have_the_rank_correlation_asked_for() {
    for rank in [0.8, -0.4, 1.0] {
        let params = engine(&pair(Some(rank))).param_samples(SAMPLES, 11).expect("param samples");
        let measured = spearman(&params[0], &params[1]);
        assert!((measured - rank).abs() < 0.01, "rank {rank}: measured {measured}");
    }
}

#[test]
fn every_accepted_kind_keeps_its_marginal_when_correlated() {
    let correlated = engine(&kinds(true)).param_samples(SAMPLES, 5).expect("param samples");
    let independent = engine(&kinds(false)).param_samples(SAMPLES, 5).expect("param samples");
    // The 0.1% critical value of the two-sample KS distance is 1.95 sqrt(2 / n).
    let critical = 1.95 * (2.0 / SAMPLES as f64).sqrt();
    for (index, (a, b)) in correlated.iter().zip(&independent).enumerate() {
        let distance = ks_distance(a, b);
        assert!(distance < critical, "param {index}: KS distance {distance} (critical {critical})");
    }
    // And they are correlated: every pair has rank about 0.3.
    for i in 0..7 {
        for j in i + 1..7 {
            let measured = spearman(&correlated[i][..50_000], &correlated[j][..50_000]);
            assert!((measured - 0.3).abs() < 0.03, "params {i} and {j}: rank {measured}");
        }
    }
}

#[test]
fn a_correlated_param_has_the_quantiles_of_the_uncorrelated_one() {
    let correlated = engine(&pair(Some(0.8))).param_samples(SAMPLES, 9).expect("param samples");
    let independent = engine(&pair(None)).param_samples(SAMPLES, 9).expect("param samples");
    for column in 0..2 {
        let (mut a, mut b) = (correlated[column].clone(), independent[column].clone());
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        // normal(0, 1) quantiles at 5%, 25%, 50%, 75%, 95%.
        for (p, exact) in [(0.05, -1.644854), (0.25, -0.674490), (0.5, 0.0), (0.75, 0.674490), (0.95, 1.644854)] {
            let at = (p * SAMPLES as f64) as usize;
            assert!((a[at] - exact).abs() < 0.015, "correlated q{p}: {}", a[at]);
            assert!((a[at] - b[at]).abs() < 0.02, "q{p}: correlated {} vs independent {}", a[at], b[at]);
        }
    }
}

#[test]
fn a_seed_gives_the_same_correlated_samples_on_any_thread_count() {
    let engine = engine(&kinds(true));
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        pool.install(|| {
            let output = engine.run(&RunOptions::new(70_001, 42)).expect("runs");
            let params = engine.param_samples(70_001, 42).expect("param samples");
            (output.net, params)
        })
    };
    let one = run(1);
    for threads in [2, 4] {
        let other = run(threads);
        assert_eq!(one.0, other.0, "net on {threads} threads");
        assert_eq!(one.1, other.1, "params on {threads} threads");
    }
}

#[test]
fn runs_param_samples_and_the_sampler_agree_sample_by_sample() {
    let text = kinds(true);
    let mut sources = Sources::new();
    let file = sources.add("kinds.toml", text.as_str());
    let model = crux_lang::load(&mut sources, file).expect("valid");
    let engine = Engine::new(&model).expect("compiles");
    let samples = 5000;
    let params = engine.param_samples(samples, 8).expect("param samples");
    let net = net_samples(&engine, samples, 8);
    let sums: Vec<f64> = (0..samples).map(|i| params.iter().map(|column| column[i]).sum()).collect();
    for (sum, net) in sums.iter().zip(&net) {
        assert!((sum - net).abs() <= 1e-9 * sum.abs().max(1.0), "net {net} vs the sum of its params {sum}");
    }
    let sampler = Sampler::new(&model).expect("compiles");
    let mut streamed = vec![Vec::new(); params.len()];
    sampler
        .stream(samples, 8, &[0], |block| {
            for (column, values) in streamed.iter_mut().enumerate() {
                values.extend_from_slice(block.column(0, column));
            }
            Ok::<(), ()>(())
        })
        .expect("streams");
    assert_eq!(streamed, params, "the Sampler's params are param_samples'");
}

#[test]
fn given_uniforms_go_through_the_copula_too() {
    let engine = engine(&pair(Some(0.8)));
    // A deterministic stream of uniforms: a hash of the index.
    let uniform = |i: u64| {
        let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let rows = SAMPLES as u64;
    let uniforms: Vec<Vec<f64>> = (0..2).map(|d| (0..rows).map(|r| uniform(r * 2 + d)).collect()).collect();
    let net = engine.net_from_uniforms(&uniforms, &[0]).expect("evaluates");
    let measured = sd(&net[0]);
    assert!((measured / 1.9045 - 1.0).abs() < 0.01, "sd(a + b) from given uniforms = {measured}");
    // The first draw of a copula keeps its uniform: a = Φ⁻¹(u).
    let first = crux_engine::math::normal_quantile(uniforms[0][0]);
    let one = engine.net_from_uniforms(&[vec![uniforms[0][0]], vec![0.5]], &[0]).expect("evaluates");
    // b = 0.8135 a + 0.5816 * 0: net = 1.8135 a.
    assert!((one[0][0] - 1.813473 * first).abs() < 1e-4, "net {} for a = {first}", one[0][0]);
}
