//! The engine of a model file in this crate's `tests/fixtures`, or of a
//! path from the workspace root, loaded by crux-test-support.

use crux_engine::Engine;

pub fn engine(name: &str) -> Engine {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    crux_test_support::engine_file(&if fixture.exists() { fixture } else { crux_test_support::repo_path(name) })
}
