//! The qualitative parts of a model file: the knowledge-base page it answers.
//!
//! A model file can hold a whole page, in order: extra frontmatter (`[page]`),
//! the question (`[question]`), the evaluation summary (`[[evaluation]]`,
//! whose assessments are fixed text or computed verdicts), the cruxes
//! (`[cruxes.<id>]`, which are also the groups that params belong to), the
//! policy implications (`[[policies]]`, each naming the analysis that answers
//! it), the values of "now" (`[context]`) and the page's order of sections
//! (`[[sections]]`). Everything here is optional, so a model without a page
//! reads as before. This module reads and checks these parts; computing the
//! answers belongs to the analysis and report crates.
//! See `docs/model-format.md` for the format.

use crate::ast::DISTRIBUTIONS;
use crate::ast::{BinaryOp, Expr, ExprKind, Ident};
use crate::declaration::{Declaration, Mechanism, Side};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::lexer::{Token, TokenKind, tokenize};
use crate::parser::parse_expr;
use crate::reader::{Reader, string_base};
use crate::span::{FileId, Span};
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// The page parts of a model file. Empty when the file has none.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    /// Frontmatter lines beyond `title` and `description` (which live in
    /// `[model]`), as raw YAML, kept verbatim.
    pub frontmatter: Option<String>,
    pub question: Option<Question>,
    pub evaluation: Vec<EvaluationRow>,
    /// The crux groups, in file order. Every param names one when any exist.
    pub cruxes: Vec<Crux>,
    pub policies: Vec<Item>,
    pub context: Context,
    /// The page's sections in order; empty means "the default order".
    pub sections: Vec<Section>,
}

impl Outline {
    /// Whether the model carries a page to report (beyond parameter groups).
    pub fn is_empty(&self) -> bool {
        self.frontmatter.is_none()
            && self.question.is_none()
            && self.evaluation.is_empty()
            && self.policies.is_empty()
            && self.sections.is_empty()
            && self.cruxes.iter().all(|crux| crux.sides.is_empty())
    }

    pub fn crux(&self, id: &str) -> Option<&Crux> {
        self.cruxes.iter().find(|crux| crux.id.name == id)
    }

    pub fn crux_index(&self, id: &str) -> Option<usize> {
        self.cruxes.iter().position(|crux| crux.id.name == id)
    }
}

/// `**The question**: text`.
#[derive(Debug, Clone)]
pub struct Question {
    /// The bold label, "The question" unless the file says otherwise.
    pub label: String,
    pub text: String,
    pub span: Span,
}

/// One row of the evaluation summary.
#[derive(Debug, Clone)]
pub struct EvaluationRow {
    pub dimension: String,
    pub assessment: Assessment,
    /// The page's own assessment, as the page states it, shown beside a
    /// computed one (for a fixed assessment it is that text).
    pub page_assessment: Option<String>,
    pub notes: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Assessment {
    /// Text shown as written, such as "High".
    Fixed(String),
    /// A label computed from a probability, such as
    /// `verdict(P(net > 0) at now given alignment_hard)`.
    Verdict(Verdict),
}

/// `verdict(P(net OP VALUE) at POINT [given CONDITION])`: the probability of
/// the event, labelled Positive, Unclear or Negative.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The assessment as written.
    pub text: String,
    /// The event's comparison: one of `>`, `>=`, `<`, `<=`.
    pub op: BinaryOp,
    /// The value net is compared with.
    pub value: f64,
    pub at: At,
    /// A condition on the params, true in the samples that count.
    pub given: Option<Expr>,
    pub span: Span,
}

impl Verdict {
    /// Whether a net value satisfies the event.
    pub fn holds(&self, net: f64) -> bool {
        match self.op {
            BinaryOp::Gt => net > self.value,
            BinaryOp::Ge => net >= self.value,
            BinaryOp::Lt => net < self.value,
            _ => net <= self.value,
        }
    }
}

/// Where on the axis a verdict is evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    /// At "now": the next open frontier release (`[context] next_release`),
    /// or the open frontier (`open_now`) without it, per sample.
    Now,
    /// At a fixed axis value.
    Value(f64),
}

/// A crux of the page, and the group of params that carry it.
#[derive(Debug, Clone)]
pub struct Crux {
    pub id: Ident,
    /// The page's number, for the heading "Crux N: title".
    pub number: Option<u32>,
    pub title: String,
    pub description: Option<String>,
    /// The headings of the page's table (usually two opposing sides); empty
    /// for a group that has no table on the page.
    pub sides: Vec<String>,
    /// The table's rows, each with one cell per side.
    pub rows: Vec<Vec<String>>,
    /// Bold-labelled paragraphs after the table, such as the key question.
    pub notes: Vec<Item>,
    pub span: Span,
}

impl Crux {
    /// The section heading: "Crux N: title", or the title alone.
    pub fn heading(&self) -> String {
        match self.number {
            Some(number) => format!("Crux {number}: {}", self.title),
            None => self.title.clone(),
        }
    }
}

/// A line of text that an analysis may answer: a policy bullet or a crux note.
#[derive(Debug, Clone)]
pub struct Item {
    /// A bold label before the text (`**Key question**: ...`).
    pub label: Option<String>,
    pub text: String,
    pub answer: Option<Analysis>,
    pub span: Span,
}

/// The analysis that answers an item.
#[derive(Debug, Clone, PartialEq)]
pub enum Analysis {
    /// The capability where net turns negative.
    Threshold,
    /// E[net] and P(net > 0) of a release at the open frontier now.
    SupportRelease,
    /// The policy "open below T" for T on the grid, its best T and the regret
    /// of the listed thresholds and of none.
    ReleaseThreshold { compare: Vec<Comparison> },
    /// How far the threshold moves when `param` rises by `shift`, and the
    /// share of uncertainty its crux carries.
    ComputeGovernance { param: Ident, shift: f64 },
    /// Which mechanisms and cruxes carry the decision.
    CareerChoices,
}

impl Analysis {
    pub const NAMES: [&'static str; 5] =
        ["threshold", "support_release", "release_threshold", "compute_governance", "career_choices"];

    pub fn name(&self) -> &'static str {
        match self {
            Analysis::Threshold => "threshold",
            Analysis::SupportRelease => "support_release",
            Analysis::ReleaseThreshold { .. } => "release_threshold",
            Analysis::ComputeGovernance { .. } => "compute_governance",
            Analysis::CareerChoices => "career_choices",
        }
    }
}

/// A named release threshold to compare with the best one.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub label: String,
    /// log10 FLOP on the axis.
    pub threshold: f64,
}

/// The values of "now", each an expression over the params (one value per sample).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The capability of the largest open model now.
    pub open_now: Option<ContextValue>,
    /// The capability of the largest closed model now.
    pub closed_now: Option<ContextValue>,
    /// The calendar year of "now".
    pub year_now: Option<ContextValue>,
    /// Growth of the open frontier, in axis units (orders of magnitude) per year.
    pub growth: Option<ContextValue>,
    /// Years ahead over which release policies are compared.
    pub horizon: Option<ContextValue>,
    /// The capability of the next open frontier release: where the answers
    /// about "now" are evaluated. Without it, "now" is `open_now`.
    pub next_release: Option<ContextValue>,
    /// A param that sets the year of the model's world, in years after now
    /// (0 in the model): the release-rule analysis sets it to each release's
    /// year, so that the frontiers and actors of that year value it.
    pub years_ahead: Option<Ident>,
    /// Axis units per year by which a release rule written in raw training
    /// FLOP moves up an axis of effective compute (algorithmic progress).
    pub rule_drift: Option<ContextValue>,
}

impl Context {
    /// Every value that is set, with its field name.
    pub fn values(&self) -> Vec<(&'static str, &ContextValue)> {
        [
            ("open_now", &self.open_now),
            ("closed_now", &self.closed_now),
            ("year_now", &self.year_now),
            ("growth", &self.growth),
            ("horizon", &self.horizon),
            ("next_release", &self.next_release),
            ("rule_drift", &self.rule_drift),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|value| (name, value)))
        .collect()
    }

    /// Where "now" is evaluated: the next open frontier release, else the
    /// open frontier itself.
    pub fn now(&self) -> Option<&ContextValue> {
        self.next_release.as_ref().or(self.open_now.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct ContextValue {
    pub expr: Expr,
    /// The expression as written.
    pub text: String,
    pub span: Span,
}

/// One section of the page, in order.
#[derive(Debug, Clone)]
pub struct Section {
    /// The heading text; a crux section defaults to the crux's heading.
    pub heading: Option<String>,
    /// The heading level, 1 to 6 (`##` is 2).
    pub level: u8,
    /// Markdown shown after the heading, kept as written.
    pub body: Option<String>,
    /// What the section shows after its body.
    pub show: Option<Show>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Show {
    /// `**The question**: ...`.
    Question,
    /// The evaluation table, with its column headings.
    Evaluation { columns: Vec<String> },
    /// The benefit or risk table: mechanisms (indices into the model's
    /// mechanisms) with their page name and mechanism columns.
    Mechanisms { side: Side, columns: Vec<String>, mechanisms: Vec<usize> },
    /// A crux (index into `Outline::cruxes`): its table and notes.
    Crux(usize),
    /// The policy list.
    Policies,
}

impl Show {
    pub const NAMES: [&'static str; 6] = ["question", "evaluation", "benefits", "risks", "crux", "policies"];
}

/// A YAML scalar as it is written in the page's frontmatter: plain when
/// that reads back as the same string, else double-quoted with escapes.
pub fn yaml_scalar(value: &str) -> String {
    let plain = !value.is_empty()
        && value.trim() == value
        && !value.contains(['\n', '\t', '"', '\\'])
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.starts_with(|ch: char| "-?:,[]{}#&*!|>'%@`\"".contains(ch))
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "null" | "~" | "on" | "off"
        )
        && value.parse::<f64>().is_err();
    if plain {
        return value.to_string();
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for ch in value.chars() {
        match ch {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            ch if ch.is_control() => quoted.push_str(&format!("\\u{:04x}", u32::from(ch))),
            ch => quoted.push(ch),
        }
    }
    quoted.push('"');
    quoted
}

/// Default column headings of the evaluation table.
pub const EVALUATION_COLUMNS: [&str; 3] = ["Dimension", "Assessment", "Notes"];

// ---- Raw TOML shapes -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPage {
    frontmatter: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    label: Option<String>,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvaluation {
    dimension: String,
    assessment: Spanned<String>,
    page_assessment: Option<String>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCrux {
    title: String,
    number: Option<u32>,
    description: Option<String>,
    sides: Option<Spanned<Vec<String>>>,
    rows: Option<Vec<Spanned<Vec<String>>>>,
    #[serde(default)]
    notes: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawItem {
    label: Option<String>,
    text: String,
    answer: Option<Spanned<String>>,
    compare: Option<Spanned<Vec<RawComparison>>>,
    param: Option<Spanned<String>>,
    shift: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawComparison {
    label: String,
    threshold: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContext {
    open_now: Option<Spanned<String>>,
    closed_now: Option<Spanned<String>>,
    year_now: Option<Spanned<String>>,
    growth: Option<Spanned<String>>,
    horizon: Option<Spanned<String>>,
    next_release: Option<Spanned<String>>,
    years_ahead: Option<Spanned<String>>,
    rule_drift: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSection {
    heading: Option<String>,
    level: Option<Spanned<u8>>,
    body: Option<String>,
    show: Option<Spanned<String>>,
    columns: Option<Spanned<Vec<String>>>,
    crux: Option<Spanned<String>>,
    mechanisms: Option<Vec<Spanned<String>>>,
}

/// The page parts of a model file as read from TOML.
pub(crate) struct RawPageParts {
    pub page: Option<RawPage>,
    pub question: Option<Spanned<RawQuestion>>,
    pub evaluation: Vec<Spanned<RawEvaluation>>,
    pub cruxes: IndexMap<Spanned<String>, Spanned<RawCrux>>,
    pub policies: Vec<Spanned<RawItem>>,
    pub context: Option<RawContext>,
    pub sections: Vec<Spanned<RawSection>>,
}

const VERDICT_FORM: &str = "write `verdict(P(net > 0) at now)`, `verdict(P(net > 0) at 26.5)` \
                            or `verdict(P(net > 0) at now given alignment_hard)`";

impl Reader<'_> {
    /// Reads and checks the page parts against the params and mechanisms.
    pub(crate) fn outline(&mut self, raw: RawPageParts, params: &[Declaration], mechanisms: &[Mechanism]) -> Outline {
        let question = raw.question.map(|question| {
            let span = self.span(question.span());
            let question = question.into_inner();
            Question { label: question.label.unwrap_or_else(|| "The question".to_string()), text: question.text, span }
        });
        let context = raw.context.map(|context| self.context(context, params)).unwrap_or_default();
        let evaluation =
            raw.evaluation.into_iter().filter_map(|row| self.evaluation_row(row, params, &context)).collect();
        let cruxes: Vec<Crux> =
            raw.cruxes.into_iter().filter_map(|(key, value)| self.crux(key, value, params)).collect();
        self.check_param_cruxes(params, &cruxes);
        let policies = raw.policies.into_iter().filter_map(|item| self.item(item, params)).collect();
        let mut page = Outline {
            frontmatter: raw.page.and_then(|page| page.frontmatter),
            question,
            evaluation,
            cruxes,
            policies,
            context,
            sections: Vec::new(),
        };
        page.sections =
            raw.sections.into_iter().filter_map(|section| self.section(section, &page, mechanisms)).collect();
        self.check_answers(&page);
        page
    }

    /// Where the content of a TOML string starts: in the model file when the
    /// string has no escapes, else in a source of its own.
    fn string_origin(&mut self, value: &Spanned<String>) -> (FileId, usize) {
        match string_base(self.text, value.span(), value.get_ref()) {
            Some(base) => (self.file, base),
            None => {
                let location = self.sources.location(self.span(value.span()));
                (self.sources.add(format!("{location} (string value)"), value.get_ref().as_str()), 0)
            }
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn context(&mut self, raw: RawContext, params: &[Declaration]) -> Context {
        let value = |this: &mut Self, field: Option<Spanned<String>>| {
            let field = field?;
            let expr = this.expr(&field)?;
            this.check_param_expr(&expr, params, "a [context] value")?;
            Some(ContextValue { expr, text: field.get_ref().clone(), span: this.span(field.span()) })
        };
        let years_ahead = raw.years_ahead.and_then(|name| {
            let ident = Ident { name: name.get_ref().trim().to_string(), span: self.span(name.span()) };
            if params.iter().any(|param| param.name.name == ident.name) {
                return Some(ident);
            }
            let mut diagnostic = Diagnostic::error(format!("`years_ahead` must name a param, not `{}`", ident.name))
                .at(ident.span)
                .with_help(
                    "declare a param such as `years_ahead = \"0\"` and use it where the model's world moves with time",
                );
            if let Some(help) = did_you_mean(&ident.name, params.iter().map(|param| param.name.name.as_str())) {
                diagnostic = diagnostic.with_help(help);
            }
            self.error(diagnostic);
            None
        });
        Context {
            open_now: value(self, raw.open_now),
            closed_now: value(self, raw.closed_now),
            year_now: value(self, raw.year_now),
            growth: value(self, raw.growth),
            horizon: value(self, raw.horizon),
            next_release: value(self, raw.next_release),
            years_ahead,
            rule_drift: value(self, raw.rule_drift),
        }
    }

    /// Checks that an expression uses only params, numbers and functions (it
    /// is computed once per sample, before the axis exists).
    fn check_param_expr(&mut self, expr: &Expr, params: &[Declaration], what: &str) -> Option<()> {
        let mut ok = true;
        let mut problems = Vec::new();
        expr.walk(&mut |node| match &node.kind {
            ExprKind::Name(name) => {
                let known = params.iter().any(|param| &param.name.name == name)
                    || matches!(name.as_str(), "pi" | "true" | "false");
                if !known {
                    let mut diagnostic = Diagnostic::error(format!("unknown param `{name}` in {what}"))
                        .at(node.span)
                        .with_label("not a param of this model");
                    if let Some(help) = did_you_mean(name, params.iter().map(|param| param.name.name.as_str())) {
                        diagnostic = diagnostic.with_help(help);
                    } else {
                        diagnostic = diagnostic.with_help(format!(
                            "{what} is computed per sample from params only, not from the axis or derived values"
                        ));
                    }
                    problems.push(diagnostic);
                }
            }
            ExprKind::Call { callee, .. } if DISTRIBUTIONS.contains(&callee.name.as_str()) => {
                problems.push(
                    Diagnostic::error(format!("{what} cannot draw from a distribution"))
                        .at(node.span)
                        .with_help("declare the uncertain value as a param and use its name here"),
                );
            }
            ExprKind::Binary { op: BinaryOp::To, .. } => problems.push(
                Diagnostic::error(format!("{what} cannot draw from a distribution"))
                    .at(node.span)
                    .with_help("declare the uncertain value as a param and use its name here"),
            ),
            _ => {}
        });
        for problem in problems {
            ok = false;
            self.error(problem);
        }
        ok.then_some(())
    }

    fn evaluation_row(
        &mut self,
        raw: Spanned<RawEvaluation>,
        params: &[Declaration],
        context: &Context,
    ) -> Option<EvaluationRow> {
        let span = self.span(raw.span());
        let raw = raw.into_inner();
        let computed = raw
            .assessment
            .get_ref()
            .trim_start()
            .strip_prefix("verdict")
            .is_some_and(|rest| rest.trim_start().starts_with('('));
        let (assessment, page_assessment) = if computed {
            (Assessment::Verdict(self.verdict(&raw.assessment, params, context)?), raw.page_assessment)
        } else {
            let text = raw.assessment.into_inner();
            (Assessment::Fixed(text.clone()), raw.page_assessment.or(Some(text)))
        };
        Some(EvaluationRow {
            dimension: raw.dimension,
            assessment,
            page_assessment,
            notes: raw.notes.unwrap_or_default(),
            span,
        })
    }

    /// Parses `verdict(P(net > 0) at POINT [given CONDITION])`.
    fn verdict(&mut self, raw: &Spanned<String>, params: &[Declaration], context: &Context) -> Option<Verdict> {
        let (file, base) = self.string_origin(raw);
        let text = raw.get_ref();
        let whole = Span::new(file, base, base + text.len());
        let tokens = match tokenize(text, file, base) {
            Ok(tokens) => tokens,
            Err(diagnostic) => {
                self.error(diagnostic.with_help(VERDICT_FORM));
                return None;
            }
        };
        let mut cursor = Cursor { tokens: &tokens, position: 0 };
        let result = (|| -> Result<Verdict, Diagnostic> {
            cursor.word("verdict", "an assessment that starts with `verdict(` is computed")?;
            cursor.expect(TokenKind::LParen, "after `verdict`")?;
            cursor.word("P", "the verdict is on a probability `P(net > 0)`")?;
            cursor.expect(TokenKind::LParen, "after `P`")?;
            cursor.word("net", "the probability is of an event on `net`, such as `net > 0`")?;
            let op_token = cursor.next();
            let op = match op_token.kind {
                TokenKind::Gt => BinaryOp::Gt,
                TokenKind::Ge => BinaryOp::Ge,
                TokenKind::Lt => BinaryOp::Lt,
                TokenKind::Le => BinaryOp::Le,
                _ => {
                    return Err(Diagnostic::error(format!(
                        "expected a comparison (`>`, `>=`, `<`, `<=`) after `net`, found {}",
                        op_token.kind.describe()
                    ))
                    .at(op_token.span));
                }
            };
            let value = cursor.number("after the comparison")?;
            cursor.expect(TokenKind::RParen, "to close `P(...)`")?;
            cursor.word("at", "say where on the axis: `at now` or `at 26.5`")?;
            let at = match &cursor.peek().kind {
                TokenKind::Ident(name) if name == "now" => {
                    let token = cursor.next();
                    if context.open_now.is_none() {
                        return Err(Diagnostic::error("`at now` needs the open frontier now")
                            .at(token.span)
                            .with_help("set `open_now` in [context], such as `open_now = \"c_open_now\"`"));
                    }
                    At::Now
                }
                _ => At::Value(cursor.number("after `at` (or `now`)")?),
            };
            let given = match &cursor.peek().kind {
                TokenKind::Ident(name) if name == "given" => {
                    let given = cursor.next();
                    let close = tokens.len() - 2;
                    if tokens[close].kind != TokenKind::RParen || close <= cursor.position {
                        return Err(
                            Diagnostic::error("expected a condition and `)` after `given`").at(tokens[close].span)
                        );
                    }
                    let start = given.span.end as usize - base;
                    let end = tokens[close].span.start as usize - base;
                    let condition = parse_expr(&text[start..end], file, base + start)?;
                    cursor.position = close;
                    Some(condition)
                }
                _ => None,
            };
            cursor.expect(TokenKind::RParen, "to close `verdict(...)`")?;
            let end = cursor.next();
            if end.kind != TokenKind::Eof {
                return Err(
                    Diagnostic::error(format!("unexpected {} after the verdict", end.kind.describe())).at(end.span)
                );
            }
            Ok(Verdict { text: text.clone(), op, value, at, given, span: whole })
        })();
        match result {
            Ok(verdict) => {
                if let Some(given) = &verdict.given {
                    self.check_param_expr(given, params, "a verdict's condition")?;
                }
                Some(verdict)
            }
            Err(diagnostic) => {
                self.error(diagnostic.with_help(VERDICT_FORM));
                None
            }
        }
    }

    fn crux(&mut self, key: Spanned<String>, value: Spanned<RawCrux>, params: &[Declaration]) -> Option<Crux> {
        let id = self.ident(&key, "crux");
        let span = self.span(key.span().start..value.span().end);
        let raw = value.into_inner();
        let sides = match raw.sides {
            Some(sides) => {
                if sides.get_ref().is_empty() {
                    self.error(Diagnostic::error("`sides` is empty").at(self.span(sides.span())).with_help(
                        "list the table's column headings, such as `sides = [\"Net positive\", \"Net negative\"]`",
                    ));
                }
                sides.into_inner()
            }
            None => Vec::new(),
        };
        let mut rows = Vec::new();
        for row in raw.rows.unwrap_or_default() {
            let row_span = self.span(row.span());
            if sides.is_empty() {
                self.error(
                    Diagnostic::error(format!("crux `{}` has rows but no `sides`", id.name))
                        .at(row_span)
                        .with_help("add `sides = [\"left heading\", \"right heading\"]`"),
                );
                break;
            }
            if row.get_ref().len() != sides.len() {
                self.error(
                    Diagnostic::error(format!(
                        "this row has {} cell{}, but the crux has {} sides",
                        row.get_ref().len(),
                        if row.get_ref().len() == 1 { "" } else { "s" },
                        sides.len()
                    ))
                    .at(row_span)
                    .with_help("give one cell per side; write \"\" for an empty cell"),
                );
                continue;
            }
            rows.push(row.into_inner());
        }
        let notes = raw.notes.into_iter().filter_map(|note| self.item(note, params)).collect();
        Some(Crux { id, number: raw.number, title: raw.title, description: raw.description, sides, rows, notes, span })
    }

    /// Once a model declares its cruxes, every param names one of them. A
    /// model without `[cruxes]` may use crux names as free group labels.
    fn check_param_cruxes(&mut self, params: &[Declaration], cruxes: &[Crux]) {
        if cruxes.is_empty() {
            return;
        }
        let ids: Vec<&str> = cruxes.iter().map(|crux| crux.id.name.as_str()).collect();
        for param in params {
            match &param.crux {
                Some(crux) if !ids.contains(&crux.name.as_str()) => {
                    let mut diagnostic = Diagnostic::error(format!("unknown crux `{}`", crux.name))
                        .at(crux.span)
                        .with_label("no [cruxes] entry has this id");
                    diagnostic = match did_you_mean(&crux.name, ids.iter().copied()) {
                        Some(help) => diagnostic.with_help(help),
                        None => diagnostic.with_help(format!("declare it as `[cruxes.{}]` with a `title`", crux.name)),
                    };
                    self.error(diagnostic);
                }
                None => {
                    self.error(
                        Diagnostic::error(format!("param `{}` belongs to no crux", param.name.name))
                            .at(param.name.span)
                            .with_help(format!(
                                "the model declares cruxes, so every param names one: add `crux = \"…\"` with one of {}",
                                ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
                            )),
                    );
                }
                _ => {}
            }
        }
    }

    /// A policy bullet or a crux note, with the analysis that answers it.
    fn item(&mut self, raw: Spanned<RawItem>, params: &[Declaration]) -> Option<Item> {
        let span = self.span(raw.span());
        let raw = raw.into_inner();
        let answer = match &raw.answer {
            None => None,
            Some(answer) => {
                let answer_span = self.span(answer.span());
                match answer.get_ref().as_str() {
                    "threshold" => Some(Analysis::Threshold),
                    "support_release" => Some(Analysis::SupportRelease),
                    "release_threshold" => Some(Analysis::ReleaseThreshold {
                        compare: raw
                            .compare
                            .as_ref()
                            .map(|compare| {
                                compare
                                    .get_ref()
                                    .iter()
                                    .map(|item| Comparison { label: item.label.clone(), threshold: item.threshold })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }),
                    "compute_governance" => {
                        let Some(param) = &raw.param else {
                            self.error(
                                Diagnostic::error("`compute_governance` needs the param whose shift it measures")
                                    .at(answer_span)
                                    .with_help("add `param = \"actor_gap\"` (and optionally `shift = 1`)"),
                            );
                            return None;
                        };
                        let param_span = self.span(param.span());
                        if !params.iter().any(|declared| &declared.name.name == param.get_ref()) {
                            let mut diagnostic = Diagnostic::error(format!("unknown param `{}`", param.get_ref()))
                                .at(param_span)
                                .with_label("not a param of this model");
                            if let Some(help) =
                                did_you_mean(param.get_ref(), params.iter().map(|declared| declared.name.name.as_str()))
                            {
                                diagnostic = diagnostic.with_help(help);
                            }
                            self.error(diagnostic);
                            return None;
                        }
                        let shift = raw.shift.as_ref().map_or(1.0, |shift| *shift.get_ref());
                        if !shift.is_finite() || shift == 0.0 {
                            let shift_span = raw.shift.as_ref().map_or(answer_span, |shift| self.span(shift.span()));
                            self.error(Diagnostic::error("`shift` must be a finite, non-zero number").at(shift_span));
                            return None;
                        }
                        Some(Analysis::ComputeGovernance {
                            param: Ident { name: param.get_ref().clone(), span: param_span },
                            shift,
                        })
                    }
                    "career_choices" => Some(Analysis::CareerChoices),
                    other => {
                        let mut diagnostic = Diagnostic::error(format!("unknown answer `{other}`"))
                            .at(answer_span)
                            .with_label("no analysis has this name");
                        diagnostic = match did_you_mean(other, Analysis::NAMES) {
                            Some(help) => diagnostic.with_help(help),
                            None => diagnostic.with_help(format!("the analyses are {}", quoted(&Analysis::NAMES))),
                        };
                        self.error(diagnostic);
                        return None;
                    }
                }
            }
        };
        let name = answer.as_ref().map(Analysis::name);
        if let Some(compare) = &raw.compare
            && name != Some("release_threshold")
        {
            self.error(
                Diagnostic::error("`compare` only goes with `answer = \"release_threshold\"`")
                    .at(self.span(compare.span())),
            );
        }
        for (field, value) in
            [("param", raw.param.as_ref().map(Spanned::span)), ("shift", raw.shift.as_ref().map(Spanned::span))]
        {
            if let Some(range) = value
                && name != Some("compute_governance")
            {
                self.error(
                    Diagnostic::error(format!("`{field}` only goes with `answer = \"compute_governance\"`"))
                        .at(self.span(range)),
                );
            }
        }
        Some(Item { label: raw.label, text: raw.text, answer, span })
    }

    /// Answers need context values: check that the model has them.
    fn check_answers(&mut self, page: &Outline) {
        let items = page.policies.iter().chain(page.cruxes.iter().flat_map(|crux| &crux.notes));
        let mut problems = Vec::new();
        for item in items {
            let Some(answer) = &item.answer else { continue };
            let needs: &[(&str, bool)] = match answer {
                Analysis::SupportRelease => &[("open_now", page.context.open_now.is_some())],
                Analysis::ReleaseThreshold { .. } => &[
                    ("open_now", page.context.open_now.is_some()),
                    ("growth", page.context.growth.is_some()),
                    ("horizon", page.context.horizon.is_some()),
                ],
                _ => &[],
            };
            for (field, present) in needs {
                if !present {
                    problems.push(
                        Diagnostic::error(format!("the answer `{}` needs `{field}` in [context]", answer.name()))
                            .at(item.span)
                            .with_help(format!("add `[context] {field} = \"…\"`, an expression over the params")),
                    );
                }
            }
        }
        for problem in problems {
            self.error(problem);
        }
    }

    fn section(&mut self, raw: Spanned<RawSection>, page: &Outline, mechanisms: &[Mechanism]) -> Option<Section> {
        let span = self.span(raw.span());
        let raw = raw.into_inner();
        let level = match &raw.level {
            Some(level) if !(1..=6).contains(level.get_ref()) => {
                self.error(Diagnostic::error("a heading level is 1 to 6").at(self.span(level.span())));
                return None;
            }
            Some(level) => *level.get_ref(),
            None => 2,
        };
        let show_name = raw.show.as_ref().map(|show| show.get_ref().as_str());
        let show = match &raw.show {
            None => None,
            Some(show) => Some(self.show(show, &raw, page, mechanisms)?),
        };
        if let Some(crux) = &raw.crux
            && show_name != Some("crux")
        {
            self.error(Diagnostic::error("`crux` only goes with `show = \"crux\"`").at(self.span(crux.span())));
        }
        if let Some(first) = raw.mechanisms.as_ref().and_then(|list| list.first())
            && !matches!(show_name, Some("benefits" | "risks"))
        {
            self.error(
                Diagnostic::error("`mechanisms` only goes with `show = \"benefits\"` or `show = \"risks\"`")
                    .at(self.span(first.span())),
            );
        }
        if let Some(columns) = &raw.columns
            && !matches!(show_name, Some("evaluation" | "benefits" | "risks"))
        {
            self.error(
                Diagnostic::error(
                    "`columns` only goes with a table: `show = \"evaluation\"`, \"benefits\" or \"risks\"",
                )
                .at(self.span(columns.span()))
                .with_help("a crux's column headings are its `sides`"),
            );
        }
        let heading = match (&raw.heading, &show) {
            (Some(heading), _) => Some(heading.clone()),
            (None, Some(Show::Crux(index))) => Some(page.cruxes[*index].heading()),
            (None, _) => None,
        };
        Some(Section { heading, level, body: raw.body, show, span })
    }

    fn show(
        &mut self,
        show: &Spanned<String>,
        raw: &RawSection,
        page: &Outline,
        mechanisms: &[Mechanism],
    ) -> Option<Show> {
        let show_span = self.span(show.span());
        let columns = |this: &mut Self, defaults: &[&str]| -> Option<Vec<String>> {
            match &raw.columns {
                None => Some(defaults.iter().map(|column| column.to_string()).collect()),
                Some(columns) if columns.get_ref().len() == defaults.len() => Some(columns.get_ref().clone()),
                Some(columns) => {
                    this.error(
                        Diagnostic::error(format!(
                            "this table has {} columns, but {} headings are given",
                            defaults.len(),
                            columns.get_ref().len()
                        ))
                        .at(this.span(columns.span()))
                        .with_help(format!("for example `columns = [{}]`", quoted_plain(defaults))),
                    );
                    None
                }
            }
        };
        match show.get_ref().as_str() {
            "question" => {
                if page.question.is_none() {
                    self.error(
                        Diagnostic::error("the section shows the question, but the model has no [question]")
                            .at(show_span),
                    );
                    return None;
                }
                Some(Show::Question)
            }
            "evaluation" => {
                if page.evaluation.is_empty() {
                    self.error(
                        Diagnostic::error("the section shows the evaluation, but the model has no [[evaluation]] rows")
                            .at(show_span),
                    );
                    return None;
                }
                Some(Show::Evaluation { columns: columns(self, &EVALUATION_COLUMNS)? })
            }
            "benefits" | "risks" => {
                let side = if show.get_ref() == "benefits" { Side::Benefit } else { Side::Risk };
                let defaults: [&str; 2] = [if side == Side::Benefit { "Benefit" } else { "Risk" }, "Mechanism"];
                let columns = columns(self, &defaults)?;
                let ids = match &raw.mechanisms {
                    None => mechanisms
                        .iter()
                        .enumerate()
                        .filter(|(_, mechanism)| mechanism.side == side)
                        .map(|(index, _)| index)
                        .collect(),
                    Some(list) => {
                        let mut ids = Vec::new();
                        for id in list {
                            let id_span = self.span(id.span());
                            match mechanisms.iter().position(|mechanism| &mechanism.id.name == id.get_ref()) {
                                Some(index) if mechanisms[index].side == side => ids.push(index),
                                Some(_) => self.error(
                                    Diagnostic::error(format!(
                                        "mechanism `{}` is not a {}",
                                        id.get_ref(),
                                        side.as_str()
                                    ))
                                    .at(id_span),
                                ),
                                None => {
                                    let mut diagnostic =
                                        Diagnostic::error(format!("unknown mechanism `{}`", id.get_ref())).at(id_span);
                                    if let Some(help) =
                                        did_you_mean(id.get_ref(), mechanisms.iter().map(|m| m.id.name.as_str()))
                                    {
                                        diagnostic = diagnostic.with_help(help);
                                    }
                                    self.error(diagnostic);
                                }
                            }
                        }
                        ids
                    }
                };
                Some(Show::Mechanisms { side, columns, mechanisms: ids })
            }
            "crux" => {
                let Some(id) = &raw.crux else {
                    self.error(
                        Diagnostic::error("`show = \"crux\"` needs the crux's id")
                            .at(show_span)
                            .with_help("add `crux = \"<id>\"` naming a [cruxes.<id>] table"),
                    );
                    return None;
                };
                match page.crux_index(id.get_ref()) {
                    Some(index) => Some(Show::Crux(index)),
                    None => {
                        let mut diagnostic =
                            Diagnostic::error(format!("unknown crux `{}`", id.get_ref())).at(self.span(id.span()));
                        if let Some(help) =
                            did_you_mean(id.get_ref(), page.cruxes.iter().map(|crux| crux.id.name.as_str()))
                        {
                            diagnostic = diagnostic.with_help(help);
                        }
                        self.error(diagnostic);
                        None
                    }
                }
            }
            "policies" => {
                if page.policies.is_empty() {
                    self.error(
                        Diagnostic::error("the section shows the policies, but the model has no [[policies]]")
                            .at(show_span),
                    );
                    return None;
                }
                Some(Show::Policies)
            }
            other => {
                let mut diagnostic = Diagnostic::error(format!("unknown section content `{other}`")).at(show_span);
                diagnostic = match did_you_mean(other, Show::NAMES) {
                    Some(help) => diagnostic.with_help(help),
                    None => diagnostic.with_help(format!("a section shows one of {}", quoted(&Show::NAMES))),
                };
                self.error(diagnostic);
                None
            }
        }
    }
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

fn quoted_plain(names: &[&str]) -> String {
    names.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
}

/// Walks the tokens of a verdict.
struct Cursor<'a> {
    tokens: &'a [Token],
    position: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.position.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.position += 1;
        }
        token
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> Result<Token, Diagnostic> {
        let token = self.next();
        if token.kind == kind {
            Ok(token)
        } else {
            Err(Diagnostic::error(format!("expected {} {context}, found {}", kind.describe(), token.kind.describe()))
                .at(token.span))
        }
    }

    fn word(&mut self, word: &str, help: &str) -> Result<Token, Diagnostic> {
        let token = self.next();
        match &token.kind {
            TokenKind::Ident(name) if name == word => Ok(token),
            other => Err(Diagnostic::error(format!("expected `{word}`, found {}", other.describe()))
                .at(token.span)
                .with_help(help)),
        }
    }

    /// A number, possibly negative.
    fn number(&mut self, context: &str) -> Result<f64, Diagnostic> {
        let negative = self.peek().kind == TokenKind::Minus;
        if negative {
            self.next();
        }
        let token = self.next();
        match token.kind {
            TokenKind::Number(value) => Ok(if negative { -value } else { value }),
            other => {
                Err(Diagnostic::error(format!("expected a number {context}, found {}", other.describe()))
                    .at(token.span))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sources;
    use crate::model::{ModelFile, parse_model};

    const BASE: &str = r#"
[model]
id = "m"
[axis]
name = "c"
from = 23
to = 29
step = 0.1
[params]
hard = { value = "bernoulli(0.5)", crux = "alignment" }
c_now = { value = "normal(26, 0.3)", crux = "alignment" }
[mechanisms.gain]
side = "benefit"
effect = "1"
[mechanisms.harm]
side = "risk"
effect = "c - 26"
[cruxes.alignment]
title = "Alignment difficulty"
[context]
open_now = "c_now"
"#;

    fn read(extra: &str) -> Result<ModelFile, Vec<(String, String, Vec<String>)>> {
        let mut sources = Sources::new();
        let file = sources.add("m.toml", format!("{BASE}{extra}"));
        parse_model(&mut sources, file).map_err(|diagnostics| {
            diagnostics
                .into_iter()
                .map(|diagnostic| {
                    let place = diagnostic.span.map(|span| sources.location(span)).unwrap_or_default();
                    (diagnostic.message, place, diagnostic.help)
                })
                .collect()
        })
    }

    fn first_error(extra: &str) -> (String, String, Vec<String>) {
        match read(extra) {
            Ok(_) => panic!("expected an error"),
            Err(errors) => errors.into_iter().next().expect("at least one error"),
        }
    }

    #[test]
    fn a_model_without_a_page_has_an_empty_page() {
        let mut sources = Sources::new();
        let text = "[model]\nid = \"x\"\n[params]\na = \"1 to 2\"\n[mechanisms.m]\nside = \"risk\"\neffect = \"a\"\n";
        let file = sources.add("x.toml", text);
        let model = parse_model(&mut sources, file).expect("loads");
        assert!(model.outline.is_empty());
        assert!(model.outline.cruxes.is_empty());
    }

    #[test]
    fn verdicts_are_parsed_with_their_parts() {
        let model = read(
            r#"
[[evaluation]]
dimension = "If hard"
assessment = "verdict(P(net > 0) at now given hard)"
[[evaluation]]
dimension = "If easy"
assessment = "verdict(P(net >= -1.5) at 26.5 given not hard)"
[[evaluation]]
dimension = "Tractability"
assessment = "High"
notes = "Now"
[[evaluation]]
dimension = "Status"
assessment = "verdicts differ"
"#,
        )
        .expect("loads");
        let rows = &model.outline.evaluation;
        let Assessment::Verdict(first) = &rows[0].assessment else { panic!("computed") };
        assert_eq!((first.op, first.value, first.at), (BinaryOp::Gt, 0.0, At::Now));
        assert!(matches!(&first.given, Some(Expr { kind: ExprKind::Name(name), .. }) if name == "hard"));
        let Assessment::Verdict(second) = &rows[1].assessment else { panic!("computed") };
        assert_eq!((second.op, second.value, second.at), (BinaryOp::Ge, -1.5, At::Value(26.5)));
        assert!(second.holds(-1.5) && !second.holds(-1.6));
        assert!(matches!(&rows[2].assessment, Assessment::Fixed(text) if text == "High"));
        assert_eq!(rows[2].notes, "Now");
        assert!(matches!(&rows[3].assessment, Assessment::Fixed(text) if text == "verdicts differ"));
    }

    #[test]
    fn a_broken_verdict_points_at_the_token() {
        let (message, place, help) = first_error(
            r#"
[[evaluation]]
dimension = "If hard"
assessment = "verdict(P(net > 0) on now)"
"#,
        );
        assert_eq!(message, "expected `at`, found name `on`");
        assert_eq!(place, "m.toml:25:34");
        assert!(help.iter().any(|line| line.contains("verdict(P(net > 0) at now)")));
    }

    #[test]
    fn a_verdict_condition_names_params_only() {
        let (message, place, help) = first_error(
            r#"
[[evaluation]]
dimension = "If hard"
assessment = "verdict(P(net > 0) at now given hadr)"
"#,
        );
        assert_eq!(message, "unknown param `hadr` in a verdict's condition");
        assert_eq!(place, "m.toml:25:47");
        assert_eq!(help, vec!["did you mean `hard`?".to_string()]);
    }

    #[test]
    fn at_now_needs_the_open_frontier() {
        let mut sources = Sources::new();
        let text = BASE.replace("[context]\nopen_now = \"c_now\"\n", "")
            + "[[evaluation]]\ndimension = \"d\"\nassessment = \"verdict(P(net > 0) at now)\"\n";
        let file = sources.add("m.toml", text);
        let errors = parse_model(&mut sources, file).expect_err("fails");
        assert_eq!(errors[0].message, "`at now` needs the open frontier now");
    }

    #[test]
    fn params_must_name_a_declared_crux() {
        let text = BASE.replace("crux = \"alignment\" }\nc_now", "crux = \"alignmnet\" }\nc_now");
        let mut sources = Sources::new();
        let file = sources.add("m.toml", text);
        let errors = parse_model(&mut sources, file).expect_err("fails");
        assert_eq!(errors[0].message, "unknown crux `alignmnet`");
        assert_eq!(sources.location(errors[0].span.expect("span")), "m.toml:10:43");
        assert_eq!(errors[0].help, vec!["did you mean `alignment`?".to_string()]);
    }

    #[test]
    fn without_declared_cruxes_crux_names_are_free_labels() {
        let mut sources = Sources::new();
        let text = "[model]\nid = \"x\"\n[params]\na = { value = \"1 to 2\", crux = \"anything\" }\nb = \"1\"\n";
        let file = sources.add("x.toml", text);
        let model = parse_model(&mut sources, file).expect("loads");
        assert_eq!(model.params[0].crux.as_ref().map(|crux| crux.name.as_str()), Some("anything"));
    }

    #[test]
    fn every_param_names_a_crux_once_cruxes_exist() {
        let (message, place, _) = first_error("[params.extra]\nvalue = \"1\"\n");
        assert_eq!(message, "param `extra` belongs to no crux");
        assert_eq!(place, "m.toml:22:9");
    }

    #[test]
    fn crux_rows_have_one_cell_per_side() {
        let (message, place, _) = first_error(
            r#"
[cruxes.threshold]
title = "Capability Threshold"
number = 2
sides = ["Safe", "Dangerous"]
rows = [["a", "b"], ["only one"]]
notes = [{ label = "Key question", text = "Where?", answer = "threshold" }]
"#,
        );
        assert_eq!(message, "this row has 1 cell, but the crux has 2 sides");
        assert_eq!(place, "m.toml:27:21");
    }

    #[test]
    fn cruxes_notes_and_sections_are_read_in_order() {
        let extra = r#"
[cruxes.threshold]
title = "Capability Threshold"
number = 2
sides = ["Safe", "Dangerous"]
rows = [["a", "b"], ["c", ""]]
notes = [{ label = "Key question", text = "Where?", answer = "threshold" }]
[[policies]]
text = "Regulate?"
answer = "release_threshold"
compare = [{ label = "EU AI Act", threshold = 25 }]
[[sections]]
show = "crux"
crux = "threshold"
[[sections]]
heading = "Policy Implications"
body = "Your view affects:"
show = "policies"
"#;
        let text =
            BASE.replace("open_now = \"c_now\"", "open_now = \"c_now\"\ngrowth = \"1\"\nhorizon = \"3\"") + extra;
        let mut sources = Sources::new();
        let file = sources.add("m.toml", text);
        let model = parse_model(&mut sources, file).expect("loads");
        let page = &model.outline;
        let crux = page.crux("threshold").expect("declared");
        assert_eq!(crux.heading(), "Crux 2: Capability Threshold");
        assert_eq!(crux.rows, vec![vec!["a".to_string(), "b".to_string()], vec!["c".to_string(), String::new()]]);
        assert_eq!(crux.notes[0].answer, Some(Analysis::Threshold));
        assert_eq!(
            page.policies[0].answer,
            Some(Analysis::ReleaseThreshold {
                compare: vec![Comparison { label: "EU AI Act".to_string(), threshold: 25.0 }]
            })
        );
        assert_eq!(page.sections[0].heading.as_deref(), Some("Crux 2: Capability Threshold"));
        assert_eq!(page.sections[0].show, Some(Show::Crux(1)));
        assert_eq!(page.sections[1].body.as_deref(), Some("Your view affects:"));
        assert_eq!(page.sections[1].level, 2);
        assert!(!page.is_empty());
    }

    #[test]
    fn answers_are_checked() {
        let (message, _, help) = first_error("[[policies]]\ntext = \"x\"\nanswer = \"suport_release\"\n");
        assert_eq!(message, "unknown answer `suport_release`");
        assert_eq!(help, vec!["did you mean `support_release`?".to_string()]);
        let (message, _, help) =
            first_error("[[policies]]\ntext = \"x\"\nanswer = \"compute_governance\"\nparam = \"c_nw\"\n");
        assert_eq!(message, "unknown param `c_nw`");
        assert_eq!(help, vec!["did you mean `c_now`?".to_string()]);
        let (message, _, _) = first_error("[[policies]]\ntext = \"x\"\nanswer = \"release_threshold\"\n");
        assert_eq!(message, "the answer `release_threshold` needs `growth` in [context]");
        let (message, _, _) = first_error("[[policies]]\ntext = \"x\"\nshift = 2\n");
        assert_eq!(message, "`shift` only goes with `answer = \"compute_governance\"`");
    }

    #[test]
    fn sections_are_checked() {
        let (message, _, help) = first_error("[[sections]]\nheading = \"X\"\nshow = \"crux\"\ncrux = \"alignmen\"\n");
        assert_eq!(message, "unknown crux `alignmen`");
        assert_eq!(help, vec!["did you mean `alignment`?".to_string()]);
        let (message, _, help) = first_error("[[sections]]\nshow = \"benefit\"\n");
        assert_eq!(message, "unknown section content `benefit`");
        assert_eq!(help, vec!["did you mean `benefits`?".to_string()]);
        let (message, _, _) = first_error("[[sections]]\nshow = \"risks\"\nmechanisms = [\"gain\"]\n");
        assert_eq!(message, "mechanism `gain` is not a risk");
        let (message, _, _) = first_error("[[sections]]\nshow = \"risks\"\ncolumns = [\"Risk\"]\n");
        assert_eq!(message, "this table has 2 columns, but 1 headings are given");
        let (message, _, _) = first_error("[[sections]]\nlevel = 7\nbody = \"x\"\n");
        assert_eq!(message, "a heading level is 1 to 6");
        let (message, place, _) = first_error("[[sections]]\nbody = \"x\"\nshow = \"evaluation\"\n");
        assert_eq!(message, "the section shows the evaluation, but the model has no [[evaluation]] rows");
        assert_eq!(place, "m.toml:24:8");
    }

    #[test]
    fn context_values_use_params_only() {
        let text = BASE.replace("open_now = \"c_now\"", "open_now = \"c + 0\"\ngrowth = \"1 to 2\"");
        let mut sources = Sources::new();
        let file = sources.add("m.toml", text);
        let errors = parse_model(&mut sources, file).expect_err("fails");
        assert_eq!(errors[0].message, "unknown param `c` in a [context] value");
        assert_eq!(errors[1].message, "a [context] value cannot draw from a distribution");
    }

    #[test]
    fn unknown_page_fields_are_refused() {
        let (message, _, help) = first_error("[question]\ntext = \"Q?\"\nlable = \"The question\"\n");
        assert!(message.starts_with("unknown field `lable`"), "{message}");
        assert_eq!(help, vec!["did you mean `label`?".to_string()], "{message}");
    }
}
