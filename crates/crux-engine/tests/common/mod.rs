//! Helpers shared by the engine's integration tests.

use crux_engine::Engine;
use crux_lang::Sources;

#[allow(dead_code)]
/// Compiles a model given as TOML text, panicking with the diagnostics if it is invalid.
pub fn engine(text: &str) -> Engine {
    let mut sources = Sources::new();
    let file = sources.add("test.toml", text);
    let model = crux_lang::load(&mut sources, file).unwrap_or_else(|errors| panic!("invalid test model: {errors:?}"));
    Engine::new(&model).unwrap_or_else(|errors| panic!("test model does not compile: {errors:?}"))
}

#[allow(dead_code)]
/// A model with one param `x` and net = x, so that net's summary is x's.
pub fn single(expression: &str) -> String {
    format!(
        "[model]\nid = \"single\"\n\n[params]\nx = \"{expression}\"\n\n[mechanisms.value]\nside = \"benefit\"\neffect = \"x\"\n"
    )
}

/// The path of a file in the repository.
#[allow(dead_code)]
pub fn repo_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}
