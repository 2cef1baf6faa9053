//! Belief sets: the expression each param takes in one person's view, and
//! the rank correlations the view sets between params.

use crux_lang::ast::Ident;
use crux_lang::correlation::Correlation;
use crux_lang::model::{Declaration, ModelFile};
use crux_lang::parser::parse_expr;
use crux_lang::profile::Profile;
use crux_lang::{Diagnostic, Diagnostics, Sources, Span};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// The expression text of every param a view changes from the model's
/// defaults, by param name, and the correlations it sets. Params and pairs
/// not listed keep the model's.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Beliefs {
    pub overrides: BTreeMap<String, String>,
    /// The rank correlations this view sets, by their pair of params (in
    /// name order; see [`pair`]). Each replaces the model's correlation of
    /// that pair (`rank = 0` removes it) or adds one.
    pub correlations: BTreeMap<(String, String), CorrelationBelief>,
}

/// One correlation a view sets, as its profile wrote it (with spans for
/// messages). Two are equal when their ranks are: the pair is the map's key.
#[derive(Debug, Clone)]
pub struct CorrelationBelief(pub Correlation);

impl CorrelationBelief {
    /// The rank's bits, with -0 and 0 the same.
    fn key(&self) -> u64 {
        (self.0.rank + 0.0).to_bits()
    }
}

impl PartialEq for CorrelationBelief {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for CorrelationBelief {}

impl PartialOrd for CorrelationBelief {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CorrelationBelief {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl Hash for CorrelationBelief {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// The key of a correlation between `a` and `b`: the two names in order.
pub fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) }
}

/// The key of a correlation entry.
fn key_of(correlation: &Correlation) -> (String, String) {
    pair(&correlation.params[0].name, &correlation.params[1].name)
}

/// Whether a param named `name` belongs to crux group `group` in `model`.
fn in_group(model: &ModelFile, name: &str, group: &str) -> bool {
    model.param(name).is_some_and(|param| param.crux.as_ref().is_some_and(|crux| crux.name == group))
}

impl Beliefs {
    /// The beliefs a profile states.
    pub fn from_profile(profile: &Profile) -> Beliefs {
        Beliefs {
            overrides: profile.overrides.iter().map(|item| (item.name.name.clone(), item.text.clone())).collect(),
            correlations: profile
                .correlations
                .iter()
                .map(|item| (key_of(item), CorrelationBelief(item.clone())))
                .collect(),
        }
    }

    /// The expression text of `param` in this view.
    pub fn text<'a>(&'a self, param: &'a Declaration) -> &'a str {
        self.overrides.get(&param.name.name).map_or(param.text.as_str(), String::as_str)
    }

    /// The rank correlation of params `a` and `b` in this view: the view's
    /// own, else the model's, else 0 (independent).
    pub fn rank(&self, model: &ModelFile, a: &str, b: &str) -> f64 {
        let key = pair(a, b);
        match self.correlations.get(&key) {
            Some(belief) => belief.0.rank,
            None => model.correlations.iter().rev().find(|entry| key_of(entry) == key).map_or(0.0, |entry| entry.rank),
        }
    }

    /// These beliefs, except that every param of crux group `group` takes its
    /// value from `other` (the other view's override, or the model default),
    /// and so does every correlation that names a param of the group: a
    /// swapped crux takes its correlations with it.
    pub fn with_group_from(&self, other: &Beliefs, model: &ModelFile, group: &str) -> Beliefs {
        let mut overrides = self.overrides.clone();
        for param in model.params.iter().filter(|param| param.crux.as_ref().is_some_and(|crux| crux.name == group)) {
            match other.overrides.get(&param.name.name) {
                Some(text) => overrides.insert(param.name.name.clone(), text.clone()),
                None => overrides.remove(&param.name.name),
            };
        }
        let touches = |(a, b): &(String, String)| in_group(model, a, group) || in_group(model, b, group);
        let mut correlations: BTreeMap<_, _> =
            self.correlations.iter().filter(|(key, _)| !touches(key)).map(|(k, v)| (k.clone(), v.clone())).collect();
        correlations
            .extend(other.correlations.iter().filter(|(key, _)| touches(key)).map(|(k, v)| (k.clone(), v.clone())));
        Beliefs { overrides, correlations }
    }

    /// The model's correlations with this view's set over them (replaced
    /// where the view sets the same pair, added where it sets a new one).
    pub fn correlations_over(&self, model: &ModelFile) -> Vec<Correlation> {
        let mut out = model.correlations.clone();
        for belief in self.correlations.values() {
            match out.iter_mut().find(|existing| existing.same_pair(&belief.0)) {
                Some(existing) => *existing = belief.0.clone(),
                None => out.push(belief.0.clone()),
            }
        }
        out
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
        model.correlations = self.correlations_over(model);
        if diagnostics.is_empty() { Ok(()) } else { Err(diagnostics) }
    }
}

/// Adds a param to a model (used for the pool's member index and for each
/// member's own draw of a correlated param), in crux group `crux` if given.
pub(crate) fn add_param(
    sources: &mut Sources,
    model: &mut ModelFile,
    name: &str,
    text: &str,
    crux: Option<Ident>,
    (label, source): (&str, &str),
) -> Result<(), Diagnostic> {
    let file = sources.add(format!("pool: {name}"), text);
    let expr = parse_expr(text, file, 0)?;
    let span = Span::new(file, 0, text.len());
    model.params.push(Declaration {
        name: Ident { name: name.to_string(), span },
        expr,
        text: text.to_string(),
        label: Some(label.to_string()),
        crux,
        source: Some(source.to_string()),
        note: None,
        placeholder: false,
        citations: Vec::new(),
        span,
    });
    Ok(())
}
