//! Crux models as Squiggle code (for Squiggle 0.10).
//!
//! The quantitative model maps onto Squiggle: params are distributions
//! (Squiggle sample sets, so that each sample keeps its correlations, as in
//! Crux), derived values and mechanisms are functions of the axis variable,
//! `net` is a function too, and a table summarises net over the axis grid.
//! Where Squiggle lacks a Crux feature, the code says how it was rewritten
//! (`pert`, `logistic`, `clamp`...) in its header; where the meaning differs,
//! the export carries a warning; correlations, which Squiggle cannot
//! express, are named in the header as dropped, and a decision's options and
//! studies (Crux analyses) are named in warnings as not exported. [`names`] chooses Squiggle names, [`expr`]
//! writes expressions.

#![forbid(unsafe_code)]

mod expr;
pub mod names;

use crux_lang::print::format_number;
use crux_lang::{Diagnostic, Diagnostics, hir};
use names::Names;
use std::fmt::Write;

/// A model as Squiggle code.
#[derive(Debug, Clone)]
pub struct Export {
    pub code: String,
    /// What the code cannot say as Crux does.
    pub warnings: Diagnostics,
}

/// Writes `model` as Squiggle code.
pub fn export(model: &hir::Model) -> Export {
    let mut exporter = Exporter::new(model);
    let body = exporter.body();
    let mut code = exporter.header();
    code.push_str(&body);
    let mut warnings = Vec::new();
    for owner in &exporter.axis_draws {
        warnings.push(Diagnostic::warning(format!(
            "`{owner}` draws a distribution whose parameters depend on the axis: Crux draws it once per sample and grid point, Squiggle anew at every use"
        )));
    }
    let page = &model.file.outline;
    if !page.evaluation.is_empty() || !page.policies.is_empty() || page.cruxes.iter().any(|crux| !crux.notes.is_empty())
    {
        warnings.push(Diagnostic::warning(
            "the model's page (its evaluation verdicts and the answers to its policies and notes) is not exported: those are Crux analyses, which Squiggle has no counterpart for",
        ));
    }
    if let Some(decision) = &model.file.decision {
        let ids: Vec<String> = decision.options.iter().map(|option| format!("`{}`", option.id.name)).collect();
        warnings.push(Diagnostic::warning(format!(
            "the model's decision ({} options: {}) is not exported: choosing among options by the value of information is a Crux analysis, which Squiggle has no counterpart for",
            ids.len(),
            ids.join(", ")
        )));
    }
    if !model.file.studies.is_empty() {
        let ids: Vec<String> = model.file.studies.iter().map(|study| format!("`{}`", study.id.name)).collect();
        warnings.push(Diagnostic::warning(format!(
            "the model's studies ({}) are not exported: their expected value of sample information is a Crux analysis, which Squiggle has no counterpart for",
            ids.join(", ")
        )));
    }
    let correlations = dropped_correlations(model);
    if !correlations.is_empty() {
        let names: Vec<String> = correlations.iter().map(|entry| entry.describe()).collect();
        warnings.push(Diagnostic::warning(format!(
            "Squiggle cannot express correlated params, so the export draws them independently: {} dropped",
            names.join(", ")
        )));
    }
    Export { code, warnings }
}

/// The model's correlations that change its draws (rank not 0), which
/// Squiggle cannot express.
fn dropped_correlations(model: &hir::Model) -> Vec<&crux_lang::correlation::Correlation> {
    model.file.correlations.iter().filter(|entry| entry.rank != 0.0).collect()
}

/// The state of one export.
pub(crate) struct Exporter<'a> {
    model: &'a hir::Model,
    pub(crate) names: Names,
    pub(crate) random_params: Vec<bool>,
    pub(crate) random_derived: Vec<bool>,
    pub(crate) axis_derived: Vec<bool>,
    /// While a function of the axis is written: the draws to define before it.
    pub(crate) hoist: Option<Vec<(String, String)>>,
    /// The name of the value being written.
    pub(crate) owner: String,
    /// Values with a draw that depends on the axis.
    pub(crate) axis_draws: Vec<String>,
    /// Rewrites of Crux features that Squiggle lacks, in order of first use.
    rewrites: Vec<&'static str>,
}

impl<'a> Exporter<'a> {
    fn new(model: &'a hir::Model) -> Self {
        let file = &model.file;
        let mut exporter = Exporter {
            model,
            names: Names::new(model),
            random_params: vec![false; file.params.len()],
            random_derived: vec![false; file.derived.len()],
            axis_derived: vec![false; file.derived.len()],
            hoist: None,
            owner: String::new(),
            axis_draws: Vec::new(),
            rewrites: Vec::new(),
        };
        for &index in &model.param_order {
            exporter.random_params[index] = exporter.is_random(&model.params[index]);
        }
        for &index in &model.derived_order {
            exporter.random_derived[index] = exporter.is_random(&model.derived[index]);
            exporter.axis_derived[index] = exporter.uses_axis(&model.derived[index]);
        }
        exporter
    }

    pub(crate) fn rewrite(&mut self, note: &'static str) {
        if !self.rewrites.contains(&note) {
            self.rewrites.push(note);
        }
    }

    fn header(&self) -> String {
        let file = &self.model.file;
        let mut out = String::new();
        let name = match (file.header.id.as_str(), file.header.title.as_str()) {
            ("", "") => String::new(),
            ("", title) => format!(": {title}"),
            (id, "") => format!(" `{id}`"),
            (id, title) => format!(" `{id}`: {title}"),
        };
        let _ = writeln!(out, "// Crux model{name}");
        out.push_str("// Written by `crux export --squiggle` for Squiggle 0.10.\n");
        if !file.header.unit.is_empty() {
            let _ = writeln!(out, "// Effects are in {}; net = benefits - risks.", file.header.unit);
        }
        if let (Some(axis), Some(name)) = (&file.axis, &self.names.axis) {
            let label = if axis.label.is_empty() { String::new() } else { format!(" ({})", axis.label) };
            let _ = writeln!(
                out,
                "// The axis `{name}`{label} runs from {} to {} in steps of {}: derived values\n// and mechanisms that depend on it are functions of `{name}`.",
                format_number(axis.from),
                format_number(axis.to),
                format_number(axis.step)
            );
        }
        out.push_str(
            "// Params are sample sets, so every sample keeps its correlations as in Crux.\n\
             // Squiggle draws its own random numbers with its own sample count (1000 by\n\
             // default), so results agree with `crux run` within Monte Carlo error.\n",
        );
        if !self.names.renamed.is_empty() {
            out.push_str("//\n// Renamed (a Squiggle name starts with a lowercase letter and may not\n// shadow a function the code calls):\n");
            for (from, to) in &self.names.renamed {
                let _ = writeln!(out, "//   {from} -> {to}");
            }
        }
        let correlations = dropped_correlations(self.model);
        if !correlations.is_empty() {
            out.push_str(
                "//\n// Not exported: Squiggle 0.10 cannot correlate distributions it draws\n\
                 // independently, so these rank correlations of the Crux model are dropped\n\
                 // (the params are independent here, and results differ from `crux run`):\n",
            );
            for entry in correlations {
                let _ = writeln!(out, "//   {}", entry.describe().replace('`', ""));
            }
        }
        if !self.rewrites.is_empty() {
            out.push_str("//\n// Rewritten for Squiggle:\n");
            for note in &self.rewrites {
                let _ = writeln!(out, "//   {note}");
            }
        }
        out.push('\n');
        out
    }

    fn body(&mut self) -> String {
        let model = self.model;
        let file = &model.file;
        let axis = self.names.axis.clone();
        let mut out = String::new();
        if !file.params.is_empty() {
            out.push_str("// ---- Params ----\n\n");
        }
        for &index in &model.param_order {
            let param = &file.params[index];
            let code = self.value(&model.params[index]);
            comments(&mut out, param.label.as_deref(), param.source.as_deref(), param.note.as_deref());
            if code.text != param.text {
                let _ = writeln!(out, "// crux: {}", param.text.replace('\n', " "));
            }
            let _ = writeln!(out, "{} = {}\n", self.names.params[index], code.text);
        }
        if !file.derived.is_empty() {
            out.push_str("// ---- Derived values ----\n\n");
        }
        for &index in &model.derived_order {
            let derived = &file.derived[index];
            comments(&mut out, derived.label.as_deref(), derived.source.as_deref(), derived.note.as_deref());
            let name = self.names.derived[index].clone();
            let function = self.axis_derived[index].then(|| axis.clone()).flatten();
            self.define(&mut out, &name, function.as_deref(), &model.derived[index], &derived.text);
        }
        if !file.mechanisms.is_empty() {
            out.push_str("// ---- Mechanisms ----\n\n");
        }
        for (index, mechanism) in file.mechanisms.iter().enumerate() {
            let what = format!("{} {}", mechanism.side.as_str(), mechanism.display_name());
            let detail = mechanism.mechanism.as_deref().map(|text| format!("{what}: {text}")).unwrap_or(what);
            let placeholder = mechanism.placeholder.then_some("placeholder: not yet quantified");
            comments(&mut out, Some(&detail), mechanism.source.as_deref(), mechanism.note.as_deref().or(placeholder));
            let name = self.names.mechanisms[index].clone();
            self.define(&mut out, &name, axis.as_deref(), &model.mechanisms[index], &mechanism.text);
        }
        self.net_and_table(&mut out);
        out
    }

    /// `name = code`, or `name(axis) = code` with its draws defined first;
    /// with the Crux expression `text` as a comment when the code differs.
    fn define(&mut self, out: &mut String, name: &str, axis: Option<&str>, expr: &hir::Expr, text: &str) {
        self.hoist = axis.map(|_| Vec::new());
        self.owner = name.to_string();
        let code = self.value(expr);
        if code.text != text {
            let _ = writeln!(out, "// crux: {}", text.replace('\n', " "));
        }
        for (draw, text) in self.hoist.take().unwrap_or_default() {
            let _ = writeln!(out, "{draw} = {text}");
        }
        match axis {
            Some(axis) => {
                let _ = writeln!(out, "{name}({axis}) = {}\n", code.text);
            }
            None => {
                let _ = writeln!(out, "{name} = {}\n", code.text);
            }
        }
    }

    fn net_and_table(&mut self, out: &mut String) {
        let model = self.model;
        let file = &model.file;
        let axis = self.names.axis.clone();
        let call = |name: &str| match &axis {
            Some(axis) => format!("{name}({axis})"),
            None => name.to_string(),
        };
        let sum = |side: crux_lang::model::Side| -> Vec<String> {
            file.mechanisms
                .iter()
                .enumerate()
                .filter(|(_, mechanism)| mechanism.side == side)
                .map(|(index, _)| call(&self.names.mechanisms[index]))
                .collect()
        };
        let benefits = sum(crux_lang::model::Side::Benefit);
        let risks = sum(crux_lang::model::Side::Risk);
        let net = match (benefits.is_empty(), risks.is_empty()) {
            (true, true) => "0".to_string(),
            (false, true) => benefits.join(" + "),
            (true, false) => format!("-({})", risks.join(" + ")),
            (false, false) => format!("{} - ({})", benefits.join(" + "), risks.join(" + ")),
        };
        let random = file.mechanisms.iter().enumerate().any(|(index, _)| self.is_random(&model.mechanisms[index]));
        out.push_str("// ---- Net and the table over the axis ----\n\n");
        let _ = writeln!(out, "{} = {net}\n", call("net"));
        let summary_fields = if random {
            "{c: c, mean: mean(value), p5: quantile(value, 0.05), p95: quantile(value, 0.95), p_positive: mean(SampleSet.map(value, {|v| if v > 0 then 1 else 0}))}"
        } else {
            "{c: c, mean: value, p5: value, p95: value, p_positive: if value > 0 then 1 else 0}"
        };
        let (grid, argument) = match (&file.axis, &axis) {
            (Some(grid), Some(name)) => {
                let last = grid.len() - 1;
                let grid = format!(
                    "List.map(List.upTo(0, {last}), {{|i| {} + i * {}}})",
                    format_number(grid.from),
                    format_number(grid.step)
                );
                (grid, name.clone())
            }
            _ => ("[0]".to_string(), "c".to_string()),
        };
        let value = match &axis {
            Some(_) => format!("net({argument})"),
            None => "net".to_string(),
        };
        let summary_fields = summary_fields.replace("{c: c,", &format!("{{{argument}: {argument},"));
        let _ = writeln!(out, "grid = {grid}\n");
        let _ = writeln!(out, "summary({argument}) = {{\n  value = {value}\n  {summary_fields}\n}}\n");
        let _ = writeln!(out, "rows = List.map(grid, summary)\n");
        let _ = writeln!(
            out,
            "table = Table.make(\n  rows,\n  {{\n    columns: [\n      {{ name: \"{argument}\", fn: {{|row| row.{argument}}} }},\n      {{ name: \"mean net\", fn: {{|row| row.mean}} }},\n      {{ name: \"p5\", fn: {{|row| row.p5}} }},\n      {{ name: \"p95\", fn: {{|row| row.p95}} }},\n      {{ name: \"P(net > 0)\", fn: {{|row| row.p_positive}} }},\n    ],\n  }}\n)\n\ntable"
        );
    }
}

/// Comment lines for a value: its label, note and source.
fn comments(out: &mut String, label: Option<&str>, source: Option<&str>, note: Option<&str>) {
    for line in [label, note].into_iter().flatten() {
        let _ = writeln!(out, "// {}", line.replace('\n', " "));
    }
    if let Some(source) = source {
        let _ = writeln!(out, "// source: {}", source.replace('\n', " "));
    }
}
