//! Model files: the TOML format, read into declarations with spans.
//!
//! A model file has `[model]`, an optional `[axis]`, `[params]`, `[derived]`
//! and `[mechanisms.<id>]`, and optionally the page it answers (read by
//! [`crate::outline`]), the studies whose value it asks (read by
//! [`crate::studies`]) and the decision it informs ([`crate::decision`]). Every expression string is parsed here, with spans that
//! point into the file, so that later stages can report errors at the exact
//! place. See `docs/model-format.md` for the format.

use crate::correlation::{self, Correlation, RawCorrelation};
use crate::decision::{self, Decision, RawDecision};
pub use crate::declaration::{Axis, Declaration, Mechanism, Side};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::outline::{EVALUATION_COLUMNS, Outline, Section, Show, yaml_scalar};
use crate::outline::{RawContext, RawCrux, RawEvaluation, RawItem, RawPage, RawPageParts, RawQuestion, RawSection};
use crate::parser::parse_expr;
use crate::reader::Reader;
pub use crate::reader::{RESERVED, is_identifier, string_base, toml_error};
use crate::references::{self, Citation, RawReference, Reference};
use crate::span::{FileId, Sources, Span};
use crate::studies::{self, RawStudy, Study};
use indexmap::IndexMap;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use toml::Spanned;

/// The largest number of axis points a model may declare.
pub const MAX_AXIS_POINTS: usize = 10_001;

/// A parsed model file: declarations in file order, expressions parsed.
#[derive(Debug, Clone)]
pub struct ModelFile {
    pub file: FileId,
    pub header: ModelHeader,
    pub axis: Option<Axis>,
    pub params: Vec<Declaration>,
    pub derived: Vec<Declaration>,
    pub mechanisms: Vec<Mechanism>,
    /// The page the model answers: question, evaluation, cruxes, policies,
    /// context and section order (empty for a model without a page).
    pub outline: Outline,
    /// The bibliography (`[references.<id>]`), in file order.
    pub references: Vec<Reference>,
    /// Correlated beliefs (`[[correlations]]`), in file order; checked against
    /// the params by [`crate::correlation_groups::groups`].
    pub correlations: Vec<Correlation>,
    /// The studies whose value `crux voi` estimates (`[studies.<id>]`), in file order.
    pub studies: Vec<Study>,
    /// The decision the model informs, when it declares one (`[decision]`);
    /// without one it is release (worth net) or not (worth 0).
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Default)]
pub struct ModelHeader {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The unit of every effect, such as `bp`.
    pub unit: String,
    /// What the unit measures, in words (`basis points of the probability of
    /// catastrophe`); reports say it once, beside the unit.
    pub unit_label: String,
}

impl ModelHeader {
    /// How reports name the model: its title, or its id without one.
    pub fn name(&self) -> &str {
        if self.title.is_empty() { &self.id } else { &self.title }
    }
}

impl ModelFile {
    /// The page's YAML frontmatter, between its `---` lines: the title, the
    /// description and the fields kept from the page as read.
    pub fn frontmatter(&self) -> String {
        let header = &self.header;
        let mut out = String::from("---\n");
        if !header.title.is_empty() {
            out.push_str(&format!("title: {}\n", yaml_scalar(&header.title)));
        }
        if !header.description.is_empty() {
            out.push_str(&format!("description: {}\n", yaml_scalar(&header.description)));
        }
        if let Some(extra) = &self.outline.frontmatter {
            out.push_str(extra.trim_end());
            out.push('\n');
        }
        out.push_str("---\n");
        out
    }

    /// The page's sections in its order or, for a model that gives none,
    /// what it has in the usual order of a page.
    pub fn sections(&self) -> Vec<Section> {
        if !self.outline.sections.is_empty() {
            return self.outline.sections.clone();
        }
        let page = &self.outline;
        let section = |heading: Option<&str>, show: Show| Section {
            heading: heading.map(str::to_string),
            level: 2,
            body: None,
            show: Some(show),
            span: Span::new(self.file, 0, 0),
        };
        let mut sections = Vec::new();
        if page.question.is_some() {
            sections.push(section(None, Show::Question));
        }
        if !page.evaluation.is_empty() {
            let columns = EVALUATION_COLUMNS.iter().map(|column| column.to_string()).collect();
            sections.push(section(Some("Evaluation Summary"), Show::Evaluation { columns }));
        }
        for (side, heading, column) in [(Side::Benefit, "Benefits", "Benefit"), (Side::Risk, "Risks", "Risk")] {
            let mechanisms: Vec<usize> = self
                .mechanisms
                .iter()
                .enumerate()
                .filter(|(_, mechanism)| mechanism.side == side)
                .map(|(index, _)| index)
                .collect();
            if !mechanisms.is_empty() {
                let columns = vec![column.to_string(), "Mechanism".to_string()];
                sections.push(section(Some(heading), Show::Mechanisms { side, columns, mechanisms }));
            }
        }
        for (index, crux) in page.cruxes.iter().enumerate() {
            if !crux.sides.is_empty() || !crux.notes.is_empty() {
                sections.push(section(Some(&crux.heading()), Show::Crux(index)));
            }
        }
        if !page.policies.is_empty() {
            sections.push(section(Some("Policy Implications"), Show::Policies));
        }
        sections
    }

    pub fn param(&self, name: &str) -> Option<&Declaration> {
        self.params.iter().find(|param| param.name.name == name)
    }

    /// The references the model cites (in its params, derived values and
    /// mechanisms), in the bibliography's order.
    pub fn cited_references(&self) -> Vec<&Reference> {
        let cited = |id: &str| {
            self.params
                .iter()
                .chain(&self.derived)
                .flat_map(|declaration| &declaration.citations)
                .chain(self.mechanisms.iter().flat_map(|mechanism| &mechanism.citations))
                .any(|citation| citation.id == id)
        };
        self.references.iter().filter(|reference| cited(&reference.id)).collect()
    }

    /// The reference with this id.
    pub fn reference(&self, id: &str) -> Option<&Reference> {
        self.references.iter().find(|reference| reference.id == id)
    }

    /// Replaces the expression of param `name` by `text`, parsed as source `file`.
    ///
    /// Unknown names are an error that suggests the closest param.
    pub fn set_param(
        &mut self,
        name: &str,
        name_span: Span,
        text: &str,
        file: FileId,
        base: usize,
    ) -> Result<(), Diagnostic> {
        let Some(index) = self.params.iter().position(|param| param.name.name == name) else {
            let mut diagnostic = Diagnostic::error(format!("the model has no param `{name}`")).at(name_span);
            if let Some(help) = did_you_mean(name, self.params.iter().map(|param| param.name.name.as_str())) {
                diagnostic = diagnostic.with_help(help);
            } else if self.derived.iter().any(|derived| derived.name.name == name) {
                diagnostic = diagnostic.with_help(format!("`{name}` is a derived value; only params can be set"));
            }
            return Err(diagnostic);
        };
        let expr = parse_expr(text, file, base)?;
        let param = &mut self.params[index];
        param.expr = expr;
        param.text = text.to_string();
        Ok(())
    }
}

/// Parses a model file that was added to `sources` as `file`.
pub fn parse_model(sources: &mut Sources, file: FileId) -> Result<ModelFile, Diagnostics> {
    let text = sources.get(file).text.clone();
    let raw: RawModelFile = toml::from_str(&text).map_err(|error| vec![toml_error(error, file)])?;
    let mut reader = Reader { sources, file, text: &text, diagnostics: Vec::new() };
    let model = reader.model(raw);
    if reader.diagnostics.iter().any(Diagnostic::is_error) { Err(reader.diagnostics) } else { Ok(model) }
}

impl Reader<'_> {
    fn model(&mut self, raw: RawModelFile) -> ModelFile {
        let header = ModelHeader {
            id: raw.model.id.unwrap_or_default(),
            title: raw.model.title.unwrap_or_default(),
            description: raw.model.description.unwrap_or_default(),
            unit: raw.model.unit.unwrap_or_default(),
            unit_label: raw.model.unit_label.unwrap_or_default(),
        };
        let axis = raw.axis.map(|axis| self.axis(axis));
        let params = self.declarations(raw.params, "param");
        let derived = self.declarations(raw.derived, "derived value");
        let mechanisms: Vec<Mechanism> =
            raw.mechanisms.into_iter().filter_map(|(key, value)| self.mechanism(key, value)).collect();
        self.check_unique(&params, &derived, axis.as_ref());
        let parts = RawPageParts {
            page: raw.page,
            question: raw.question,
            evaluation: raw.evaluation,
            cruxes: raw.cruxes,
            policies: raw.policies,
            context: raw.context,
            sections: raw.sections,
        };
        let outline = self.outline(parts, &params, &mechanisms);
        let references: Vec<Reference> = raw
            .references
            .into_iter()
            .map(|(id, value)| references::reference(&id, value, self.file, &mut self.diagnostics))
            .collect();
        let citations = params
            .iter()
            .chain(&derived)
            .flat_map(|declaration| &declaration.citations)
            .chain(mechanisms.iter().flat_map(|mechanism| &mechanism.citations));
        let citations: Vec<Citation> = citations.cloned().collect();
        self.diagnostics.extend(references::check_citations(&citations, &references));
        // Correlated beliefs.
        let correlations = correlation::read(raw.correlations, self.file, self.sources, &mut self.diagnostics);
        let mut studies = Vec::new();
        for (key, value) in raw.studies {
            let id = self.ident(&key, "study");
            if let Some(study) = studies::study(id, value, &params, self.file, &mut self.diagnostics) {
                studies.push(study);
            }
        }
        let decision = raw.decision.and_then(|raw| {
            let names =
                decision::Names { params: &params, derived: &derived, mechanisms: &mechanisms, axis: axis.as_ref() };
            decision::decision(self, raw, &names)
        });
        ModelFile {
            file: self.file,
            header,
            axis,
            params,
            derived,
            mechanisms,
            outline,
            references,
            correlations,
            studies,
            decision,
        }
    }

    fn axis(&mut self, raw: Spanned<RawAxis>) -> Axis {
        let span = self.span(raw.span());
        let raw = raw.into_inner();
        let name = self.ident(&raw.name, "axis");
        let axis = Axis {
            name,
            label: raw.label.unwrap_or_default(),
            from: *raw.from.get_ref(),
            to: *raw.to.get_ref(),
            step: *raw.step.get_ref(),
            span,
        };
        let finite = axis.from.is_finite() && axis.to.is_finite() && axis.step.is_finite();
        if !finite || axis.step <= 0.0 {
            self.diagnostics.push(
                Diagnostic::error(format!("axis step must be a positive number, not {}", axis.step))
                    .at(self.span(raw.step.span())),
            );
        } else if axis.to < axis.from {
            self.diagnostics.push(
                Diagnostic::error(format!("axis `to` ({}) is below `from` ({})", axis.to, axis.from))
                    .at(self.span(raw.to.span())),
            );
        } else if (axis.to - axis.from) / axis.step + 1.0 > MAX_AXIS_POINTS as f64 {
            self.diagnostics.push(
                Diagnostic::error(format!("the axis has more than {MAX_AXIS_POINTS} points"))
                    .at(self.span(raw.step.span()))
                    .with_help("use a larger step"),
            );
        } else {
            let steps = (axis.to - axis.from) / axis.step;
            if (steps - steps.round()).abs() > 1e-6 {
                self.diagnostics.push(
                    Diagnostic::error(format!(
                        "axis `to` ({}) is not `from` ({}) plus a whole number of steps ({})",
                        axis.to, axis.from, axis.step
                    ))
                    .at(self.span(raw.to.span())),
                );
            }
        }
        axis
    }

    fn declarations(&mut self, raw: IndexMap<Spanned<String>, Spanned<RawEntry>>, what: &str) -> Vec<Declaration> {
        let mut out = Vec::new();
        for (key, value) in raw {
            let name = self.ident(&key, what);
            let entry_span = self.span(key.span().start..value.span().end);
            let value_span = value.span();
            let entry = value.into_inner();
            let (expr_text, label, crux, source, note, placeholder) = match entry {
                RawEntry::Short(text) => (Spanned::new(value_span, text), None, None, None, None, false),
                RawEntry::Table { value, label, crux, source, note, placeholder } => {
                    let Some(value) = value else {
                        self.diagnostics.push(
                            Diagnostic::error(format!("{what} `{}` has no `value`", name.name))
                                .at(entry_span)
                                .with_help("write `{ value = \"5 to 50\", ... }`"),
                        );
                        continue;
                    };
                    let crux = crux.map(|crux| self.ident(&crux, "crux"));
                    (value, label, crux, source, note, placeholder.unwrap_or(false))
                }
            };
            let Some(expr) = self.expr(&expr_text) else { continue };
            let citations = source.iter().chain(&note).flat_map(|text| self.citations(text)).collect();
            out.push(Declaration {
                name,
                expr,
                text: expr_text.into_inner(),
                label,
                crux,
                source: source.map(Spanned::into_inner),
                note: note.map(Spanned::into_inner),
                placeholder,
                citations,
                span: entry_span,
            });
        }
        out
    }

    fn mechanism(&mut self, key: Spanned<String>, value: Spanned<RawMechanism>) -> Option<Mechanism> {
        let id = self.ident(&key, "mechanism");
        let span = self.span(key.span().start..value.span().end);
        let raw = value.into_inner();
        let side = match raw.side.get_ref().as_str() {
            "benefit" => Side::Benefit,
            "risk" => Side::Risk,
            other => {
                self.diagnostics.push(
                    Diagnostic::error(format!("mechanism side must be \"benefit\" or \"risk\", not \"{other}\""))
                        .at(self.span(raw.side.span())),
                );
                return None;
            }
        };
        let effect = self.expr(&raw.effect)?;
        let citations = raw.source.iter().chain(&raw.note).flat_map(|text| self.citations(text)).collect();
        Some(Mechanism {
            id,
            side,
            effect,
            text: raw.effect.into_inner(),
            name: raw.name,
            mechanism: raw.mechanism,
            note: raw.note.map(Spanned::into_inner),
            source: raw.source.map(Spanned::into_inner),
            placeholder: raw.placeholder.unwrap_or(false),
            citations,
            span,
        })
    }

    fn check_unique(&mut self, params: &[Declaration], derived: &[Declaration], axis: Option<&Axis>) {
        let mut seen: IndexMap<&str, Span> = IndexMap::new();
        let axis_names = axis.map(|axis| &axis.name).into_iter();
        let names = axis_names.chain(params.iter().chain(derived).map(|declaration| &declaration.name));
        for ident in names {
            if let Some(first) = seen.get(ident.name.as_str()) {
                let _ = first;
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is defined more than once", ident.name))
                        .at(ident.span)
                        .with_help("params, derived values and the axis share one namespace"),
                );
            } else {
                seen.insert(&ident.name, ident.span);
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModelFile {
    model: RawHeader,
    axis: Option<Spanned<RawAxis>>,
    #[serde(default)]
    params: IndexMap<Spanned<String>, Spanned<RawEntry>>,
    #[serde(default)]
    derived: IndexMap<Spanned<String>, Spanned<RawEntry>>,
    #[serde(default)]
    mechanisms: IndexMap<Spanned<String>, Spanned<RawMechanism>>,
    page: Option<RawPage>,
    question: Option<Spanned<RawQuestion>>,
    #[serde(default)]
    evaluation: Vec<Spanned<RawEvaluation>>,
    #[serde(default)]
    cruxes: IndexMap<Spanned<String>, Spanned<RawCrux>>,
    #[serde(default)]
    policies: Vec<Spanned<RawItem>>,
    context: Option<RawContext>,
    #[serde(default)]
    sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    references: IndexMap<Spanned<String>, Spanned<RawReference>>,
    // Correlated beliefs.
    #[serde(default)]
    correlations: Vec<RawCorrelation>,
    #[serde(default)]
    studies: IndexMap<Spanned<String>, Spanned<RawStudy>>,
    decision: Option<Spanned<RawDecision>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    unit: Option<String>,
    unit_label: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    name: Spanned<String>,
    label: Option<String>,
    from: Spanned<f64>,
    to: Spanned<f64>,
    step: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMechanism {
    side: Spanned<String>,
    effect: Spanned<String>,
    name: Option<String>,
    mechanism: Option<String>,
    note: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    placeholder: Option<bool>,
}

/// A param entry: `name = "expr"` or `name = { value = "expr", ... }`.
enum RawEntry {
    Short(String),
    Table {
        value: Option<Spanned<String>>,
        label: Option<String>,
        crux: Option<Spanned<String>>,
        source: Option<Spanned<String>>,
        note: Option<Spanned<String>>,
        placeholder: Option<bool>,
    },
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = RawEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an expression string or a table with `value`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawEntry, E> {
                Ok(RawEntry::Short(text.to_string()))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<RawEntry, E> {
                Err(E::custom(format!("write the value as a string: \"{value}\"")))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<RawEntry, E> {
                Err(E::custom(format!("write the value as a string: \"{value}\"")))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
                let (mut value, mut label, mut crux, mut source, mut note) = (None, None, None, None, None);
                let mut placeholder = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "value" => value = Some(map.next_value()?),
                        "label" => label = Some(map.next_value()?),
                        "crux" => crux = Some(map.next_value()?),
                        "source" => source = Some(map.next_value()?),
                        "note" => note = Some(map.next_value()?),
                        "placeholder" => placeholder = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["value", "label", "crux", "source", "note", "placeholder"],
                            ));
                        }
                    }
                }
                Ok(RawEntry::Table { value, label, crux, source, note, placeholder })
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}
