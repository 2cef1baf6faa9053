//! Benchmarks of the analyses: Sobol indices and the value of information.

use criterion::{Criterion, criterion_group, criterion_main};
use crux_analysis::inputs::Inputs;
use crux_analysis::sequence::scrambled_sobol;
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

fn evaluations(c: &mut Criterion) {
    let engine = engine("bench/ref-v1.toml");
    let inputs = Inputs::of(&engine);
    let rows = 1 << 17;
    let uniforms = scrambled_sobol(rows, 0, inputs.dimension, 1).unwrap();
    let mut group = c.benchmark_group("net_from_uniforms");
    group.sample_size(10);
    group.bench_function("ref-v1, 2^17 rows, 1 point", |b| {
        b.iter(|| black_box(engine.net_from_uniforms(&uniforms, &[30]).unwrap()))
    });
    let all: Vec<usize> = (0..engine.grid().len()).collect();
    group.bench_function("ref-v1, 2^17 rows, 61 points", |b| {
        b.iter(|| black_box(engine.net_from_uniforms(&uniforms, &all).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, evaluations);
criterion_main!(benches);
