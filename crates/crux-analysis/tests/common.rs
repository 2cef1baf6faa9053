//! Loading test models into engines.

use crux_engine::Engine;
use crux_lang::Sources;

/// The engine of a model file in `tests/fixtures`, or of a path from the workspace root.
pub fn engine(name: &str) -> Engine {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = root.join("tests/fixtures").join(name);
    let path = if fixture.exists() { fixture } else { root.join("../..").join(name) };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut sources = Sources::new();
    let file = sources.add(name, text);
    let model = crux_lang::load(&mut sources, file).unwrap_or_else(|errors| panic!("{name}: {errors:?}"));
    Engine::new(&model).unwrap_or_else(|errors| panic!("{name}: {errors:?}"))
}
