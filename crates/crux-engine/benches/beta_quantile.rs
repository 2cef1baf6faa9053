//! The beta quantile function, as draws from given uniforms use it (the
//! sensitivity analysis): the per-shape table, the exact solver it falls
//! back to, statrs' `inverse_cdf` (which the engine used before), and the
//! one-off cost of building a table.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crux_engine::distributions::{Shape, quantile, tabulate};
use crux_engine::math::{BetaQuantileTable, beta_quantile};
use statrs::distribution::{Beta, ContinuousCDF};
use std::hint::black_box;

fn quantiles(c: &mut Criterion) {
    const LANES: usize = 1024;
    // Uniforms spread over (0, 1), as a low-discrepancy design gives them.
    let uniforms: Vec<f64> =
        (0..LANES).map(|i| ((i * 701) % LANES) as f64 / LANES as f64 + 0.5 / LANES as f64).collect();
    let mut out = vec![0.0; LANES];
    let mut group = c.benchmark_group("beta quantile");
    group.throughput(Throughput::Elements(LANES as u64));
    for (alpha, beta) in [(7.0, 3.0), (0.5, 0.5), (50.0, 50.0)] {
        let tabulated = tabulate(Shape::Beta { alpha, beta, low: 0.0, scale: 1.0 });
        quantile(&tabulated, 0.5);
        group.bench_function(format!("table beta({alpha}, {beta})"), |b| {
            b.iter(|| {
                for (value, u) in out.iter_mut().zip(black_box(&uniforms)) {
                    *value = quantile(&tabulated, *u);
                }
            })
        });
        group.bench_function(format!("exact beta({alpha}, {beta})"), |b| {
            b.iter(|| {
                for (value, u) in out.iter_mut().zip(black_box(&uniforms)) {
                    *value = beta_quantile(alpha, beta, *u);
                }
            })
        });
        let reference = Beta::new(alpha, beta).expect("valid shape");
        group.bench_function(format!("statrs beta({alpha}, {beta})"), |b| {
            b.iter(|| {
                for (value, u) in out.iter_mut().zip(black_box(&uniforms)) {
                    *value = reference.inverse_cdf(*u);
                }
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("beta quantile table");
    group.sample_size(20);
    group.bench_function("build beta(7, 3)", |b| b.iter(|| BetaQuantileTable::new(black_box(7.0), 3.0)));
    group.finish();
}

criterion_group!(benches, quantiles);
criterion_main!(benches);
