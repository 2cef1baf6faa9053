//! Belief sets: the expression each param takes in one person's view.

use crux_lang::ast::Ident;
use crux_lang::model::{Declaration, ModelFile};
use crux_lang::parser::parse_expr;
use crux_lang::profile::Profile;
use crux_lang::{Diagnostic, Diagnostics, Sources, Span};
use std::collections::BTreeMap;

/// The expression text of every param a view changes from the model's
/// defaults, by param name. Params not listed keep the model's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Beliefs {
    pub overrides: BTreeMap<String, String>,
}

impl Beliefs {
    /// The beliefs a profile states.
    pub fn from_profile(profile: &Profile) -> Beliefs {
        Beliefs {
            overrides: profile.overrides.iter().map(|item| (item.name.name.clone(), item.text.clone())).collect(),
        }
    }

    /// The expression text of `param` in this view.
    pub fn text<'a>(&'a self, param: &'a Declaration) -> &'a str {
        self.overrides.get(&param.name.name).map_or(param.text.as_str(), String::as_str)
    }

    /// These beliefs, except that every param of crux group `group` takes its
    /// value from `other` (the other view's override, or the model default).
    pub fn with_group_from(&self, other: &Beliefs, model: &ModelFile, group: &str) -> Beliefs {
        let mut overrides = self.overrides.clone();
        for param in model.params.iter().filter(|param| param.crux.as_ref().is_some_and(|crux| crux.name == group)) {
            match other.overrides.get(&param.name.name) {
                Some(text) => overrides.insert(param.name.name.clone(), text.clone()),
                None => overrides.remove(&param.name.name),
            };
        }
        Beliefs { overrides }
    }

    /// Applies these beliefs to `model`. Each expression becomes a source text
    /// of its own (named after the view and param) for error messages.
    pub fn apply(&self, sources: &mut Sources, model: &mut ModelFile, view: &str) -> Result<(), Diagnostics> {
        let mut diagnostics = Vec::new();
        for (name, text) in &self.overrides {
            let file = sources.add(format!("{view}: {name}"), text.as_str());
            if let Err(error) = model.set_param(name, Span::new(file, 0, 0), text, file, 0) {
                diagnostics.push(error);
            }
        }
        if diagnostics.is_empty() { Ok(()) } else { Err(diagnostics) }
    }
}

/// Adds a param to a model (used for the pool's member index).
pub(crate) fn add_param(
    sources: &mut Sources,
    model: &mut ModelFile,
    name: &str,
    text: &str,
) -> Result<(), Diagnostic> {
    let file = sources.add(format!("pool: {name}"), text);
    let expr = parse_expr(text, file, 0)?;
    let span = Span::new(file, 0, text.len());
    model.params.push(Declaration {
        name: Ident { name: name.to_string(), span },
        expr,
        text: text.to_string(),
        label: Some("pool member".to_string()),
        crux: None,
        source: Some("the pool's weights".to_string()),
        note: None,
        placeholder: false,
        citations: Vec::new(),
        span,
    });
    Ok(())
}
