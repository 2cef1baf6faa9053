//! Reading what the user gives: model files and `--set` overrides, into a
//! resolved model, with every source text kept for error rendering.

use crux_lang::{Diagnostic, Sources, Span, hir, model::parse_model, resolve::resolve};
use std::path::Path;

/// A failure to report: diagnostics (rendered against the sources) and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub diagnostics: Vec<Diagnostic>,
    pub exit_code: u8,
}

impl Failure {
    /// Bad input from the user: exit code 2.
    pub fn input(diagnostics: Vec<Diagnostic>) -> Self {
        Failure { diagnostics, exit_code: 2 }
    }
}

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Self {
        Failure::input(vec![diagnostic])
    }
}

impl From<Vec<Diagnostic>> for Failure {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Failure::input(diagnostics)
    }
}

/// Reads a text file, refusing what is not UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes)
        .map_err(|_| Failure::input(vec![Diagnostic::error(format!("`{}` is not UTF-8 text", path.display()))]))
}

/// Reads a file's bytes, with a clear message when it cannot be read.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|error| {
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => error.to_string(),
        };
        Failure::input(vec![Diagnostic::error(format!("cannot read `{}`: {reason}", path.display()))])
    })
}

/// A `--set name=EXPR` override.
#[derive(Debug, Clone)]
pub struct Override {
    pub name: String,
    pub expr: String,
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, expr) = text.split_once('=').ok_or_else(|| format!("expected NAME=EXPR, got `{text}`"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("expected NAME=EXPR, got `{text}`"));
        }
        Ok(Override { name: name.to_string(), expr: expr.to_string() })
    }
}

/// Loads a model from `text` (named `name`), applies overrides and resolves it.
pub fn load_model(
    sources: &mut Sources,
    name: &str,
    text: &str,
    overrides: &[Override],
) -> Result<hir::Model, Failure> {
    let file = sources.add(name, text);
    let mut model = parse_model(sources, file)?;
    let mut diagnostics = Vec::new();
    for item in overrides {
        let source = sources.add(format!("--set {}", item.name), format!("{}={}", item.name, item.expr));
        let name_span = Span::new(source, 0, item.name.len());
        if let Err(error) = model.set_param(&item.name, name_span, &item.expr, source, item.name.len() + 1) {
            diagnostics.push(error);
        }
    }
    if !diagnostics.is_empty() {
        return Err(Failure::input(diagnostics));
    }
    Ok(resolve(model)?)
}
