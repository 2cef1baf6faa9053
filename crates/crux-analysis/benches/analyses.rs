//! Benchmarks of the analyses at the sizes the project promises: Sobol
//! indices at N = 2^14 (every param, every crux, bootstrap intervals) and
//! EVPPI of every crux at 10^5 runs (by regression on one sample, and by the
//! nested design with 10^5 runs per crux, in the same run), on the built-in model at the open
//! frontier now, on a 40-param model with 13 beta draws, and on the benchmark
//! model ref-v1 (compared with SALib in `bench/analyses_salib.py`); and the
//! model evaluations alone, which bound both.

use criterion::{Criterion, criterion_group, criterion_main};
use crux_analysis::inputs::Inputs;
use crux_analysis::sequence::scrambled_sobol;
use crux_analysis::sobol::{SobolOptions, sobol_indices};
use crux_analysis::voi::{Method, VoiOptions, value_of_information};
use crux_engine::Engine;
use crux_lang::Sources;
use std::hint::black_box;

fn engine(path: &str) -> Engine {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join(path)).expect("model file");
    let mut sources = Sources::new();
    let file = sources.add(path, text);
    let model = crux_lang::load(&mut sources, file).expect("model loads");
    Engine::new(&model).expect("model compiles")
}

/// Grid index of c = 26 on the axis 23..29 step 0.1.
const C_26: usize = 30;
/// Grid index of c = 26.3, the built-in model's open frontier now (where its report looks).
const C_26_3: usize = 33;

fn analyses(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyses");
    group.sample_size(10);
    for (path, point) in
        [("models/open-source-safety.toml", C_26_3), ("bench/analysis-40.toml", C_26), ("bench/ref-v1.toml", C_26)]
    {
        let engine = engine(path);
        let inputs = Inputs::of(&engine);
        let name = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".toml");
        group.bench_function(format!("{name}: sobol N=2^14, params + cruxes + bootstrap"), |b| {
            b.iter(|| black_box(sobol_indices(&engine, &inputs, &SobolOptions::new(1 << 14, 1, point)).unwrap()))
        });
        group.bench_function(format!("{name}: EVPI + EVPPI of every group by regression, 1e5 runs"), |b| {
            b.iter(|| {
                black_box(value_of_information(&engine, &inputs, &VoiOptions::new(100_000, 1, vec![point])).unwrap())
            })
        });
        let nested = VoiOptions { method: Method::Nested, ..VoiOptions::new(100_000, 1, vec![point]) };
        group.bench_function(format!("{name}: EVPI + EVPPI of every group, nested, 1e5 runs each"), |b| {
            b.iter(|| black_box(value_of_information(&engine, &inputs, &nested).unwrap()))
        });
        let uniforms = scrambled_sobol(1 << 17, 0, inputs.dimension, 1).unwrap();
        group.bench_function(format!("{name}: net_from_uniforms, 2^17 rows, 1 point"), |b| {
            b.iter(|| black_box(engine.net_from_uniforms(&uniforms, &[point]).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, analyses);
criterion_main!(benches);
