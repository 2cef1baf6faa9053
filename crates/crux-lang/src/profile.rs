//! Profiles: one person's beliefs about a model's params, in a small TOML
//! file of its own, applied on top of the model.
//!
//! ```toml
//! [profile]
//! name = "Security first"
//! author = "A. Analyst"
//! date = "2026-11-28"
//! model = "open-source-safety"   # optional: the model id it was written for
//! notes = """Why these beliefs."""
//!
//! [params]
//! c_misuse = "normal({p5: 25.5, p95: 27})"
//!
//! [[correlations]]                # optional: same syntax as in a model
//! params = ["misuse_harm", "c_misuse"]
//! rank = -0.3
//! ```
//!
//! The notes may cite the model's references (`[@id]`), checked as the
//! model's own citations are.
//!
//! A profile's correlation of a pair the model already correlates replaces
//! the model's (`rank = 0` removes it); the others are added. The merged set
//! is checked against the model as the model's own are.

use crate::ast::Ident;
use crate::correlation::{self, Correlation, RawCorrelation};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{ModelFile, string_base, toml_error};
use crate::parser::parse_expr;
use crate::references;
use crate::span::{FileId, Sources, Span};
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// A parsed profile: who holds these beliefs, and which params they change.
#[derive(Debug, Clone)]
pub struct Profile {
    pub file: FileId,
    pub name: String,
    pub author: String,
    pub date: String,
    pub notes: String,
    /// Where the notes' text starts: its file and byte offset (so that a
    /// citation in them is located).
    pub notes_at: (FileId, usize),
    /// The id of the model the profile was written for, if it says.
    pub model: Option<Spanned<String>>,
    pub overrides: Vec<ParamOverride>,
    /// The correlations this profile sets (see [`Profile::apply`]).
    pub correlations: Vec<Correlation>,
}

/// One param set by a profile.
#[derive(Debug, Clone)]
pub struct ParamOverride {
    pub name: Ident,
    /// The expression as written.
    pub text: String,
    /// Where the expression text starts: its file and byte offset.
    pub file: FileId,
    pub base: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    profile: RawHeader,
    #[serde(default)]
    params: IndexMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    correlations: Vec<RawCorrelation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    date: String,
    notes: Option<Spanned<String>>,
    model: Option<Spanned<String>>,
}

/// Parses the profile file `file` of `sources`. Each expression is parsed
/// (so syntax errors are reported here); names are checked by [`Profile::apply`].
pub fn parse_profile(sources: &mut Sources, file: FileId) -> Result<Profile, Diagnostics> {
    let text = sources.get(file).text.clone();
    let raw: RawProfile = toml::from_str(&text).map_err(|error| vec![toml_error(error, file)])?;
    let mut diagnostics = Vec::new();
    let mut overrides = Vec::new();
    for (key, value) in raw.params {
        let name = Ident { name: key.get_ref().clone(), span: Span::new(file, key.span().start, key.span().end) };
        let (expr_file, base) = match string_base(&text, value.span(), value.get_ref()) {
            Some(base) => (file, base),
            None => {
                let location = sources.location(Span::new(file, value.span().start, value.span().end));
                (sources.add(format!("{location} (string value)"), value.get_ref().as_str()), 0)
            }
        };
        if let Err(error) = parse_expr(value.get_ref(), expr_file, base) {
            diagnostics.push(error);
            continue;
        }
        overrides.push(ParamOverride { name, text: value.into_inner(), file: expr_file, base });
    }
    let correlations = correlation::read(raw.correlations, file, sources, &mut diagnostics);
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let header = raw.profile;
    let (notes, notes_at) = match header.notes {
        Some(notes) => {
            let at = match string_base(&text, notes.span(), notes.get_ref()) {
                Some(base) => (file, base),
                None => {
                    let location = sources.location(Span::new(file, notes.span().start, notes.span().end));
                    (sources.add(format!("{location} (string value)"), notes.get_ref().as_str()), 0)
                }
            };
            (notes.into_inner(), at)
        }
        None => (String::new(), (file, 0)),
    };
    Ok(Profile {
        file,
        name: header.name,
        author: header.author,
        date: header.date,
        notes,
        notes_at,
        model: header.model,
        overrides,
        correlations,
    })
}

impl Profile {
    /// Replaces the model's params by this profile's. Unknown params are
    /// errors (with the closest name suggested), as is a profile written for
    /// another model.
    pub fn apply(&self, model: &mut ModelFile) -> Result<(), Diagnostics> {
        let mut diagnostics = Vec::new();
        if let Some(id) = &self.model
            && !model.header.id.is_empty()
            && id.get_ref() != &model.header.id
        {
            diagnostics.push(
                Diagnostic::error(format!(
                    "this profile is for the model `{}`, not `{}`",
                    id.get_ref(),
                    model.header.id
                ))
                .at(Span::new(self.file, id.span().start, id.span().end)),
            );
        }
        // The notes cite the model's references, as its own sources do.
        let (notes_file, notes_base) = self.notes_at;
        diagnostics.extend(references::check_citations(
            &references::citations(&self.notes, notes_file, notes_base),
            &model.references,
        ));
        for item in &self.overrides {
            if let Err(error) = model.set_param(&item.name.name, item.name.span, &item.text, item.file, item.base) {
                diagnostics.push(error);
            }
        }
        for item in &self.correlations {
            match model.correlations.iter_mut().find(|existing| existing.same_pair(item)) {
                Some(existing) => *existing = item.clone(),
                None => model.correlations.push(item.clone()),
            }
        }
        if diagnostics.is_empty() { Ok(()) } else { Err(diagnostics) }
    }

    /// The names of the params this profile sets.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.overrides.iter().map(|item| item.name.name.as_str())
    }
}
