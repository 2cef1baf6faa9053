//! Engine benchmarks. `ref-v1` measures whole runs of the reference model in
//! sample-points per second (one Monte Carlo sample of the model at one grid
//! point), the figure issue targets are stated in, at 10^4 samples (what the
//! web server computes per request), 10^5 and 10^6; the others time the
//! kernels that dominate a run: the exponential, random draws and exact
//! quantile selection, against the standard library's.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crux_engine::distributions::{Shape, sample_into};
use crux_engine::{Engine, RunOptions};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

fn ref_v1() -> Engine {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ref-v1.toml");
    let text = std::fs::read_to_string(&path).expect("bench/ref-v1.toml is in the repository");
    let mut sources = crux_lang::Sources::new();
    let file = sources.add(path.display().to_string(), text);
    let model = crux_lang::load(&mut sources, file).expect("ref-v1 loads");
    Engine::new(&model).expect("ref-v1 compiles")
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

criterion_group!(benches, whole_runs, kernels, selection);
criterion_main!(benches);
