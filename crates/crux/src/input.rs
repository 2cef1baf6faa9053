//! Reading what the user gives: model files and `--set` overrides, into a
//! resolved model, with every source text kept for error rendering.

use crux_lang::model::{ModelFile, parse_model};
use crux_lang::profile::parse_profile;
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostic, Sources, Span, hir};
use crux_report::builtin::{OPEN_SOURCE_SAFETY, OPEN_SOURCE_SAFETY_NAME};
use crux_worldview::presets::{PRESETS, preset};
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

/// A model or profile text as given, with the name to show in messages.
#[derive(Debug, Clone)]
pub struct Text {
    pub name: String,
    pub text: String,
}

/// The model at `path`, or the built-in open-weights safety model.
pub fn model_text(path: Option<&Path>) -> Result<Text, Failure> {
    Ok(match path {
        Some(path) => Text { name: path.display().to_string(), text: read_text(path)? },
        None => Text { name: OPEN_SOURCE_SAFETY_NAME.to_string(), text: OPEN_SOURCE_SAFETY.to_string() },
    })
}

/// A profile: a file, or the name of a preset (see `crux profiles`).
pub fn profile_text(spec: &Path) -> Result<Text, Failure> {
    if !spec.exists()
        && let Some(text) = spec.to_str().and_then(preset)
    {
        return Ok(Text { name: format!("preset {}", spec.display()), text: text.to_string() });
    }
    if !spec.exists() {
        let names: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
        return Err(Failure::input(vec![
            Diagnostic::error(format!("cannot read `{}`: no such file, and no preset has that name", spec.display()))
                .with_help(format!("the presets are {}", names.join(", "))),
        ]));
    }
    Ok(Text { name: spec.display().to_string(), text: read_text(spec)? })
}

/// Reads a model, applies a profile and `--set` overrides (in that order),
/// without resolving names.
pub fn parse_model_with(
    sources: &mut Sources,
    model: &Text,
    profile: Option<&Text>,
    overrides: &[Override],
) -> Result<ModelFile, Failure> {
    let file = sources.add(model.name.clone(), model.text.as_str());
    let mut parsed = parse_model(sources, file)?;
    if let Some(profile) = profile {
        let profile_file = sources.add(profile.name.clone(), profile.text.as_str());
        parse_profile(sources, profile_file)?.apply(&mut parsed)?;
    }
    let mut diagnostics = Vec::new();
    for item in overrides {
        let source = sources.add(format!("--set {}", item.name), format!("{}={}", item.name, item.expr));
        let name_span = Span::new(source, 0, item.name.len());
        if let Err(error) = parsed.set_param(&item.name, name_span, &item.expr, source, item.name.len() + 1) {
            diagnostics.push(error);
        }
    }
    if !diagnostics.is_empty() {
        return Err(Failure::input(diagnostics));
    }
    Ok(parsed)
}

/// Loads a model from `text` (named `name`), applies overrides and resolves it.
pub fn load_model(
    sources: &mut Sources,
    name: &str,
    text: &str,
    overrides: &[Override],
) -> Result<hir::Model, Failure> {
    let model = Text { name: name.to_string(), text: text.to_string() };
    Ok(resolve(parse_model_with(sources, &model, None, overrides)?)?)
}
