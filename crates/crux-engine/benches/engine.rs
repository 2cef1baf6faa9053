//! Engine benchmarks. `ref-v1` measures whole runs of the reference model in
//! sample-points per second (one Monte Carlo sample of the model at one grid
//! point), the figure issue targets are stated in, at 10^4 samples (what the
//! web server computes per request), 10^5 and 10^6; the others time the
//! kernels that dominate a run: the exponential, random draws and exact
//! quantile selection, against the standard library's; `correlations` times
//! ref-v1 with some of its params correlated against ref-v1 as it is.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crux_engine::distributions::{Shape, sample_into};
use crux_engine::{Engine, RunOptions};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

fn ref_v1_text() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml");
    std::fs::read_to_string(&path).expect("bench/ref-v1.toml is in the repository")
}

fn load(text: String) -> Engine {
    let mut sources = crux_lang::Sources::new();
    let file = sources.add("ref-v1.toml", text);
    let model = crux_lang::load(&mut sources, file).expect("the model loads");
    Engine::new(&model).expect("the model compiles")
}

fn ref_v1() -> Engine {
    load(ref_v1_text())
}

/// ref-v1 with its first `params` single-draw params put in one crux and
/// every pair of them rank-correlated 0.3.
fn ref_v1_correlated(params: usize) -> Engine {
    let names =
        ["misuse_threshold", "misuse_width", "misuse_severity", "safeguard_removal", "closed_block", "actor_compute"];
    let names = &names[..params];
    let mut lines: Vec<String> = ref_v1_text().lines().map(str::to_string).collect();
    for line in &mut lines {
        if let Some((name, value)) = line.split_once(" = ")
            && names.contains(&name)
        {
            *line = format!("{name} = {{ value = {value}, crux = \"g\" }}");
        }
    }
    let mut text = lines.join("\n");
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            text.push_str(&format!("\n\n[[correlations]]\nparams = [\"{a}\", \"{b}\"]\nrank = 0.3\n"));
        }
    }
    load(text)
}

/// The cost of correlated draws: ref-v1 as it is, with two params correlated,
/// and with six (including a tabulated beta), at 10^5 samples.
fn correlations(c: &mut Criterion) {
    let engines = [("none", ref_v1()), ("2 params", ref_v1_correlated(2)), ("6 params", ref_v1_correlated(6))];
    let samples = 100_000usize;
    let mut group = c.benchmark_group("correlations");
    group.sample_size(20);
    for (name, engine) in &engines {
        group.throughput(Throughput::Elements(samples as u64 * engine.grid().len() as u64));
        group.bench_function(BenchmarkId::new("run", name), |b| {
            b.iter(|| engine.run(&RunOptions::new(samples, 1)).expect("runs"))
        });
    }
    group.finish();
}

fn whole_runs(c: &mut Criterion) {
    let engine = ref_v1();
    let points = engine.grid().len() as u64;
    let mut group = c.benchmark_group("ref-v1");
    group.sample_size(10);
    for samples in [10_000usize, 100_000, 1_000_000] {
        group.throughput(Throughput::Elements(samples as u64 * points));
        group.bench_with_input(BenchmarkId::new("run", samples), &samples, |b, &samples| {
            b.iter(|| engine.run(&RunOptions::new(samples, 1)).expect("ref-v1 runs"))
        });
    }
    group.finish();
}

fn kernels(c: &mut Criterion) {
    const LANES: usize = 1024;
    let inputs: Vec<f64> = (0..LANES).map(|i| -20.0 + 40.0 * i as f64 / LANES as f64).collect();
    let mut out = vec![0.0; LANES];
    let mut group = c.benchmark_group("kernels");
    group.throughput(Throughput::Elements(LANES as u64));
    group.bench_function("exp", |b| {
        b.iter(|| {
            for (value, x) in out.iter_mut().zip(black_box(&inputs)) {
                *value = crux_engine::math::exp(*x);
            }
        })
    });
    group.bench_function("std exp", |b| {
        b.iter(|| {
            for (value, x) in out.iter_mut().zip(black_box(&inputs)) {
                *value = x.exp();
            }
        })
    });
    let shapes = [
        ("lognormal", Shape::LogNormal { mu: 0.0, sigma: 1.0 }),
        ("normal", Shape::Normal { mean: 0.0, sd: 1.0 }),
        ("beta(8, 2)", Shape::Beta { alpha: 8.0, beta: 2.0, low: 0.0, scale: 1.0 }),
        ("beta(9, 1)", Shape::Beta { alpha: 9.0, beta: 1.0, low: 0.0, scale: 1.0 }),
    ];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for (name, shape) in &shapes {
        group.bench_function(format!("draw {name}"), |b| b.iter(|| sample_into(shape, &mut out, &mut rng)));
    }
    group.finish();
}

fn selection(c: &mut Criterion) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mut values = vec![0.0; 1_000_000];
    sample_into(&Shape::LogNormal { mu: 0.0, sigma: 2.0 }, &mut values, &mut rng);
    let probabilities = crux_engine::run::QUANTILE_PROBABILITIES;
    let mut group = c.benchmark_group("quantiles of 10^6 values");
    group.sample_size(10);
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("radix selection", |b| {
        b.iter(|| crux_engine::quantile::quantiles(&[black_box(&values)], &probabilities))
    });
    group.bench_function("sort", |b| {
        b.iter(|| {
            let mut sorted = values.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            sorted[sorted.len() / 2]
        })
    });
    group.finish();

    // A run of 10^4 samples: the five quantiles at each grid point, as ten order statistics.
    let small = &values[..10_000];
    let mut group = c.benchmark_group("quantiles of 10^4 values");
    group.throughput(Throughput::Elements(small.len() as u64));
    group.bench_function("multi-rank selection", |b| {
        b.iter(|| crux_engine::quantile::quantiles(&[black_box(small)], &probabilities))
    });
    let ranks: Vec<usize> = probabilities
        .iter()
        .flat_map(|p| {
            let low = (p * (small.len() - 1) as f64).floor() as usize;
            [low, low + 1]
        })
        .collect();
    group.bench_function("std select_nth_unstable per rank", |b| {
        b.iter(|| {
            let mut copy = black_box(small).to_vec();
            crux_engine::quantile::select_ranks(&mut copy, &ranks, f64::total_cmp)
        })
    });
    group.finish();
}

criterion_group!(benches, whole_runs, kernels, selection, correlations);
criterion_main!(benches);
