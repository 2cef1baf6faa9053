//! What the workspace's tests share. A dev-dependency only, of integration
//! tests (`tests/*.rs`): nothing here is part of Crux itself.
//!
//! - Paths: the workspace's root, and the test models several crates use,
//!   kept once in this crate's `fixtures/` ([`fixture`]).
//! - Loading models: from text or a file, into a checked model or an
//!   engine, failing the test with the rendered diagnostics
//!   ([`load`], [`engine`], [`engine_file`]); the built-in model with
//!   `--set`-style overrides ([`builtin`]); a one-param model ([`single`]).
//! - [`modules`]: the module graph of a crate, read from its source text, and
//!   its cycles (modules that import each other), so that a test can keep
//!   every crate's modules in one-way layers.

#![forbid(unsafe_code)]

pub mod modules;

use crux_engine::Engine;
use crux_lang::{Diagnostic, Sources, Span, hir};
use std::path::{Path, PathBuf};

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root exists")
}

/// A file of the workspace, by its path from the root (`bench/ref-v1.toml`).
pub fn repo_path(relative: &str) -> PathBuf {
    workspace_root().join(relative)
}

/// A test model shared by several crates' tests (`two-cruxes.toml`, ...).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// The built-in open-weights safety model's file (the text `crux` embeds).
pub fn builtin_path() -> PathBuf {
    repo_path("models/open-source-safety.toml")
}

fn fail(what: &str, sources: &Sources, diagnostics: &[Diagnostic]) -> ! {
    let rendered: Vec<String> =
        diagnostics.iter().map(|diagnostic| crux_lang::render::render(sources, diagnostic)).collect();
    panic!("{what}:\n{}", rendered.join("\n"))
}

/// The checked model of `text` (named `name` in diagnostics); a test fails
/// with the rendered diagnostics when it is invalid.
pub fn load(name: &str, text: &str) -> hir::Model {
    let mut sources = Sources::new();
    let file = sources.add(name, text);
    crux_lang::load(&mut sources, file)
        .unwrap_or_else(|errors| fail(&format!("invalid test model {name}"), &sources, &errors))
}

/// The checked model of `text` (named `name` in diagnostics), or each of its
/// diagnostics as `file:line:col: message (help; help)`, for tests of what a
/// mistake reports and where.
pub fn load_or_errors(name: &str, text: &str) -> Result<hir::Model, Vec<String>> {
    let mut sources = Sources::new();
    let file = sources.add(name, text);
    crux_lang::load(&mut sources, file).map_err(|errors| {
        errors
            .iter()
            .map(|error| {
                let place = error.span.map(|span| sources.location(span)).unwrap_or_default();
                format!("{place}: {} ({})", error.message, error.help.join("; "))
            })
            .collect()
    })
}

/// The checked model of a model file.
pub fn load_file(path: &Path) -> hir::Model {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    load(
        &path.file_name().map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned()),
        &text,
    )
}

/// The engine of a model given as TOML text.
pub fn engine(text: &str) -> Engine {
    let model = load("test.toml", text);
    Engine::new(&model).unwrap_or_else(|errors| panic!("test model does not compile: {errors:?}"))
}

/// The engine of a model file.
pub fn engine_file(path: &Path) -> Engine {
    let model = load_file(path);
    Engine::new(&model).unwrap_or_else(|errors| panic!("{}: does not compile: {errors:?}", path.display()))
}

/// A model with one param `x` and net = x, so that net's summary is x's.
pub fn single(expression: &str) -> String {
    format!(
        "[model]\nid = \"single\"\n\n[params]\nx = \"{expression}\"\n\n[mechanisms.value]\nside = \"benefit\"\neffect = \"x\"\n"
    )
}

/// The built-in model with `overrides` (`name`, expression) applied, as `--set` does.
pub fn builtin(overrides: &[(&str, &str)]) -> hir::Model {
    let text = std::fs::read_to_string(builtin_path()).expect("the built-in model's file");
    let mut sources = Sources::new();
    let file = sources.add("open-source-safety.toml (built in)", text);
    let mut model = crux_lang::model::parse_model(&mut sources, file)
        .unwrap_or_else(|errors| fail("the built-in model", &sources, &errors));
    for (name, expr) in overrides {
        let source = sources.add(format!("--set {name}"), format!("{name}={expr}"));
        if let Err(error) = model.set_param(name, Span::new(source, 0, name.len()), expr, source, name.len() + 1) {
            fail(&format!("--set {name}"), &sources, &[error])
        }
    }
    crux_lang::resolve::resolve(model).unwrap_or_else(|errors| fail("the built-in model", &sources, &errors))
}
