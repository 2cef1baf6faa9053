//! The engine alone, for comparison with the server's load check
//! (`bench/load.sh`): how many runs per second the engine makes of a model at
//! a sample count, with as many runs at a time as the server computes at once
//! (one per core), without HTTP, JSON or the per-request parsing and compiling.
//!
//!   cargo run --release -p crux-server --example engine_throughput -- MODEL SAMPLES SECONDS
//!
//! Prints `RESULT runs=N seconds=S concurrent=C`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use crux_engine::{Engine, RunOptions};
use crux_lang::Sources;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, samples, seconds] = &args[..] else {
        eprintln!("usage: engine_throughput MODEL SAMPLES SECONDS");
        std::process::exit(2);
    };
    let (Ok(samples), Ok(seconds)) = (samples.parse::<usize>(), seconds.parse::<f64>()) else {
        eprintln!("SAMPLES and SECONDS are numbers");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(model).unwrap_or_else(|error| {
        eprintln!("cannot read {model}: {error}");
        std::process::exit(2);
    });
    let mut sources = Sources::new();
    let file = sources.add(model.clone(), text.as_str());
    let Ok(resolved) = crux_lang::load(&mut sources, file) else {
        eprintln!("{model} does not load; check it with `crux check`");
        std::process::exit(2);
    };
    let Ok(engine) = Engine::new(&resolved) else {
        eprintln!("{model} does not compile; check it with `crux check`");
        std::process::exit(2);
    };
    let concurrent = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let runs = AtomicUsize::new(0);
    let duration = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..concurrent {
            scope.spawn(|| {
                while started.elapsed() < duration {
                    let output = engine.run(&RunOptions::new(samples, 1)).expect("the model runs");
                    std::hint::black_box(output);
                    runs.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    println!(
        "RESULT runs={} seconds={:.3} concurrent={concurrent}",
        runs.into_inner(),
        started.elapsed().as_secs_f64()
    );
}
