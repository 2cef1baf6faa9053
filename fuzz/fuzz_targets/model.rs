//! Arbitrary text as a model file: reading, resolving and compiling must
//! never panic or hang; a model that compiles runs a few samples without
//! panicking, and its results are finite or a diagnostic.
#![no_main]

use crux_engine::{Engine, RunOptions};
use crux_lang::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = Sources::new();
    let file = sources.add("fuzz.toml", text);
    let Ok(model) = crux_lang::load(&mut sources, file) else { return };
    let Ok(engine) = Engine::new(&model) else { return };
    let points: Vec<usize> = (0..engine.grid().len()).step_by(engine.grid().len().div_ceil(4).max(1)).collect();
    let options = RunOptions { points: Some(&points), ..RunOptions::new(64, 1) };
    if let Ok(output) = engine.run(&options) {
        for summary in &output.net {
            assert!(summary.mean.is_finite() && summary.p05.is_finite() && summary.p95.is_finite());
        }
    }
});
