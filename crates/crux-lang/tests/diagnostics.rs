//! The language's diagnostics, pinned where the language lives: each file
//! in `tests/fixtures/diagnostics/` is a malformed model (`.toml`, read and
//! resolved as `crux check` does up to the engine) or expression (`.expr`,
//! parsed alone), and its sibling `.expected` holds every diagnostic it
//! gets, rendered as the command line prints it (`file:line:col`, the line,
//! the line under the span, the help).
//!
//! After a deliberate change of wording, `CRUX_BLESS=1 cargo test -p
//! crux-lang --test diagnostics` rewrites the `.expected` files: review their diff.

use crux_lang::parser::parse_expr;
use crux_lang::render::render;
use crux_lang::{Diagnostic, Sources};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagnostics")
}

/// Every diagnostic of one fixture, rendered, or `None` when it has none.
fn rendered(path: &Path) -> Option<String> {
    let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).expect("a readable fixture");
    let mut sources = Sources::new();
    let diagnostics: Vec<Diagnostic> = if name.ends_with(".expr") {
        let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
        let file = sources.add(name, text.clone());
        parse_expr(&text, file, 0).err().into_iter().collect()
    } else {
        let file = sources.add(name, text);
        crux_lang::load(&mut sources, file).err()?
    };
    if diagnostics.is_empty() {
        return None;
    }
    Some(diagnostics.iter().map(|diagnostic| render(&sources, diagnostic)).collect::<Vec<_>>().join("\n"))
}

#[test]
fn every_fixture_gets_its_expected_diagnostics() {
    let bless = std::env::var_os("CRUX_BLESS").is_some();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("the fixtures folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml" || ext == "expr"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "only {} fixtures", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected_path = path.with_extension("expected");
        let Some(actual) = rendered(path) else {
            failures.push(format!("{name}: no diagnostic at all"));
            continue;
        };
        if !actual.contains(&format!("[{name}:")) && !actual.contains("help:") && !actual.contains('×') {
            failures.push(format!("{name}: neither a place nor a message:\n{actual}"));
        }
        if bless {
            std::fs::write(&expected_path, &actual).expect("a writable fixture folder");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!("{name}: expected\n{expected}\ngot\n{actual}")),
            Err(_) => failures.push(format!("{name}: no {} (CRUX_BLESS=1 writes it)", expected_path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_expected_file_has_its_fixture() {
    for entry in std::fs::read_dir(fixtures()).expect("the fixtures folder") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|ext| ext == "expected") {
            let has_source = path.with_extension("toml").exists() || path.with_extension("expr").exists();
            assert!(has_source, "{} has no fixture", path.display());
        }
    }
}

#[test]
fn a_warning_is_rendered_with_its_mark_and_a_diagnostic_without_span_without_place() {
    let sources = Sources::new();
    let warning = Diagnostic::warning("a warning").with_help("some help");
    assert_eq!(render(&sources, &warning), "  ⚠ a warning\n  help: some help\n");
}

#[test]
fn long_messages_wrap_at_the_terminal_width() {
    let sources = Sources::new();
    let words = "word ".repeat(30);
    let rendered = render(&sources, &Diagnostic::error(words.trim()));
    assert!(rendered.lines().count() > 1, "{rendered}");
    assert!(rendered.lines().all(|line| line.chars().count() <= 99), "{rendered}");
    assert!(rendered.lines().skip(1).all(|line| line.starts_with("    word")), "{rendered}");
}
