//! Per-sample quantities at a capability that differs per sample.
//!
//! A run evaluates net on the axis grid. Some questions need more: net and
//! each mechanism *at the open frontier now*, which is itself uncertain (one
//! value per sample), or the per-sample value of an expression over the
//! params (a context value, a condition). A [`Probe`] asks for one such
//! quantity; [`run_probes`] answers a list of them in one engine run, with
//! the same random streams as [`Engine::run`] at the same seed, so that
//! sample `i` of a probe is sample `i` of the grid run (net at a grid value
//! equals the grid run's up to rounding: the engine may group the sums of
//! the rewritten model differently).
//!
//! How: the model is rewritten (on the public `hir` types) so that its axis
//! counts probes, `0..K`. A derived value takes the capability of probe `k`
//! where the model used its axis, and the model's only mechanism takes the
//! quantity of probe `k`. Mechanism effects move into derived values named
//! like the mechanisms, and the draws of every param, derived value and
//! mechanism keep their owner name and order, so their random streams (keyed
//! by owner and ordinal) are unchanged.

use crate::stats::Summary;
use crux_engine::samples::{Sampler, StreamError};
use crux_engine::{Engine, PointSummary, RunOptions};
use crux_lang::ast::{self, BinaryOp, UnaryOp};
use crux_lang::hir::{self, ExprKind};
use crux_lang::model::{Axis, Declaration, Mechanism, Side};
use crux_lang::print::print_expr;
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostic, Diagnostics, Span};

/// Where on the axis a probe is evaluated.
#[derive(Debug, Clone)]
pub enum Capability {
    /// A fixed axis value.
    Value(f64),
    /// An expression over the params: one capability per sample.
    Expr(ast::Expr),
}

/// What a probe measures.
#[derive(Debug, Clone)]
pub enum Quantity {
    /// Net (benefits minus risks).
    Net,
    /// The effect of the mechanism with this index, with its own sign
    /// (positive numbers: the size of the benefit or of the risk).
    Mechanism(usize),
    /// An expression over the params, derived values and the axis.
    Expr(ast::Expr),
}

#[derive(Debug, Clone)]
pub struct Probe {
    pub at: Capability,
    pub quantity: Quantity,
}

impl Probe {
    pub fn new(at: Capability, quantity: Quantity) -> Self {
        Probe { at, quantity }
    }

    /// The value of an expression over the params (the capability does not matter).
    pub fn value(expr: &ast::Expr) -> Self {
        Probe { at: Capability::Value(0.0), quantity: Quantity::Expr(expr.clone()) }
    }
}

/// The probes' values and their summaries.
#[derive(Debug, Clone)]
pub struct ProbeResults {
    /// `[probe][sample]`.
    pub values: Vec<Vec<f64>>,
    /// The engine's summary of each probe (mean, quantiles, share positive).
    pub summaries: Vec<PointSummary>,
}

impl ProbeResults {
    /// The mean and 90% interval of probe `probe`.
    pub fn summary(&self, probe: usize) -> Summary {
        Summary::from_point(&self.summaries[probe], self.values[probe].len())
    }
}

/// Evaluates every probe in every sample, with the samples, seed, progress
/// and threading of `options` (every value is kept; `points` is ignored).
pub fn run_probes(model: &hir::Model, probes: &[Probe], options: &RunOptions) -> Result<ProbeResults, Diagnostics> {
    if probes.is_empty() {
        return Ok(ProbeResults { values: Vec::new(), summaries: Vec::new() });
    }
    let probed = probe_model(model, probes)?;
    let engine = Engine::new(&probed)?;
    let options = RunOptions { keep_net: true, points: None, ..*options };
    let output = engine.run(&options).map_err(|diagnostic| vec![diagnostic])?;
    let net = output.net_samples.ok_or_else(|| vec![Diagnostic::error("the probe run kept no samples")])?;
    Ok(ProbeResults { values: net.into_columns(), summaries: output.net })
}

/// The engine's summary of each probe (mean, exact quantiles, share
/// positive), from a run that keeps no per-sample values: what
/// [`run_probes`] gives as `summaries`, in a few megabytes.
pub fn summarise_probes(
    model: &hir::Model,
    probes: &[Probe],
    options: &RunOptions,
) -> Result<Vec<PointSummary>, Diagnostics> {
    if probes.is_empty() {
        return Ok(Vec::new());
    }
    let engine = Engine::new(&probe_model(model, probes)?)?;
    let options = RunOptions { keep_net: false, crossings: false, points: None, ..*options };
    Ok(engine.run(&options).map_err(|diagnostic| vec![diagnostic])?.net)
}

/// Gives every probe's per-sample values to `sink` a block of samples at a
/// time, in sample order, without keeping them: `sink` gets one slice per
/// probe. The values are [`run_probes`]'s, sample for sample (the same
/// program and random streams), with the samples, seed, threading and
/// progress of `options`; memory holds a few blocks whatever the samples.
pub fn stream_probes(
    model: &hir::Model,
    probes: &[Probe],
    options: &RunOptions,
    mut sink: impl FnMut(&[&[f64]]) + Send,
) -> Result<(), Diagnostics> {
    if probes.is_empty() {
        return Ok(());
    }
    let sampler = Sampler::new(&probe_model(model, probes)?)?.parallel(options.parallel);
    let net = sampler.columns().len() - 1;
    let points: Vec<usize> = (0..probes.len()).collect();
    let progress = options.progress;
    let streamed = sampler.stream(options.samples, options.seed, &points, |block| {
        let values: Vec<&[f64]> = points.iter().map(|point| block.column(*point, net)).collect();
        sink(&values);
        if let Some(progress) = progress {
            progress((block.lanes * points.len()) as u64);
        }
        Ok::<(), std::convert::Infallible>(())
    });
    match streamed {
        Ok(()) => Ok(()),
        Err(StreamError::Model(diagnostic)) => Err(vec![diagnostic]),
        Err(StreamError::Sink(never)) => match never {},
    }
}

/// The rewritten model whose axis counts the probes.
pub fn probe_model(model: &hir::Model, probes: &[Probe]) -> Result<hir::Model, Diagnostics> {
    let mut file = model.file.clone();
    // User expressions become derived values, resolved like the model's own.
    let mut at_index = Vec::with_capacity(probes.len());
    let mut value_index = Vec::with_capacity(probes.len());
    for (k, probe) in probes.iter().enumerate() {
        at_index.push(match &probe.at {
            Capability::Expr(expr) => {
                file.derived.push(declaration(&format!("__probe_at_{k}"), expr.clone(), expr.span));
                Some(file.derived.len() - 1)
            }
            Capability::Value(_) => None,
        });
        value_index.push(match &probe.quantity {
            Quantity::Expr(expr) => {
                file.derived.push(declaration(&format!("__probe_value_{k}"), expr.clone(), expr.span));
                Some(file.derived.len() - 1)
            }
            _ => None,
        });
    }
    // Mechanism effects become derived values with the mechanisms' names.
    let first_mechanism = file.derived.len();
    for mechanism in &model.file.mechanisms {
        file.derived.push(declaration(&mechanism.id.name, mechanism.effect.clone(), mechanism.span));
    }
    let mut probed = resolve(file)?;
    // The model's own expressions are taken as resolved, not re-resolved from
    // the file, so that a model changed on the hir level (such as a shifted
    // param) keeps its changes.
    probed.params.clone_from(&model.params);
    probed.param_order.clone_from(&model.param_order);
    probed.derived[..model.derived.len()].clone_from_slice(&model.derived);
    probed.derived[first_mechanism..first_mechanism + model.mechanisms.len()].clone_from_slice(&model.mechanisms);
    let capability = probed.derived.len();
    let axis_span = model.file.axis.as_ref().map_or_else(Span::default, |axis| axis.span);
    probed.file.derived.push(declaration("__probe_capability", number_ast(0.0, axis_span), axis_span));
    let select = |values: Vec<hir::Expr>| chain(values, axis_span);
    let capabilities = probes
        .iter()
        .zip(&at_index)
        .map(|(probe, index)| match (&probe.at, index) {
            (Capability::Expr(_), Some(index)) => hir_expr(ExprKind::Derived(*index), axis_span),
            (Capability::Value(value), _) => hir_expr(ExprKind::Number(*value), axis_span),
            (Capability::Expr(_), None) => unreachable!("every expression capability has a derived value"),
        })
        .collect();
    probed.derived.push(select(capabilities));
    // Where the model used its axis, it now uses the probe's capability.
    let at_derived: Vec<usize> = at_index.iter().flatten().copied().collect();
    for (index, expr) in probed.derived.iter_mut().enumerate() {
        if index != capability && !at_derived.contains(&index) {
            substitute_axis(expr, capability);
        }
    }
    for &index in &at_derived {
        let mut uses_axis = false;
        probed.derived[index].walk(&mut |node| uses_axis |= matches!(node.kind, ExprKind::Axis));
        if uses_axis {
            return Err(vec![
                Diagnostic::error("a probe's capability cannot depend on the axis").at(probed.derived[index].span),
            ]);
        }
    }
    let outputs = probes
        .iter()
        .zip(&value_index)
        .map(|(probe, value)| match (&probe.quantity, value) {
            (Quantity::Net, _) => net_expr(&model.file.mechanisms, first_mechanism, axis_span),
            (Quantity::Mechanism(index), _) => hir_expr(ExprKind::Derived(first_mechanism + index), axis_span),
            (Quantity::Expr(_), Some(index)) => hir_expr(ExprKind::Derived(*index), axis_span),
            (Quantity::Expr(_), None) => unreachable!("every expression quantity has a derived value"),
        })
        .collect();
    probed.mechanisms = vec![select(outputs)];
    probed.file.mechanisms = vec![placeholder_mechanism("__probe", axis_span)];
    let axis_name = model
        .file
        .axis
        .as_ref()
        .map_or_else(|| ast::Ident { name: "__probe".to_string(), span: axis_span }, |axis| axis.name.clone());
    probed.file.axis = Some(Axis {
        name: axis_name,
        label: String::new(),
        from: 0.0,
        to: (probes.len() - 1) as f64,
        step: 1.0,
        span: axis_span,
    });
    probed.derived_order = derived_order(&probed.derived)?;
    Ok(probed)
}

/// The one mechanism of a rewritten model, a benefit of 0 in the file: the
/// rewrite puts its real effect in the resolved model.
pub(crate) fn placeholder_mechanism(name: &str, span: Span) -> Mechanism {
    Mechanism {
        id: ast::Ident { name: name.to_string(), span },
        side: Side::Benefit,
        effect: number_ast(0.0, span),
        text: String::new(),
        name: None,
        mechanism: None,
        note: None,
        source: None,
        placeholder: false,
        citations: Vec::new(),
        span,
    }
}

/// A derived value `name = expr` made by a rewrite, with no label, crux or source.
pub(crate) fn declaration(name: &str, expr: ast::Expr, span: Span) -> Declaration {
    Declaration {
        name: ast::Ident { name: name.to_string(), span },
        text: print_expr(&expr),
        expr,
        label: None,
        crux: None,
        source: None,
        note: None,
        placeholder: false,
        citations: Vec::new(),
        span,
    }
}

fn number_ast(value: f64, span: Span) -> ast::Expr {
    ast::Expr { kind: ast::ExprKind::Number(value), span }
}

fn hir_expr(kind: ExprKind, span: Span) -> hir::Expr {
    hir::Expr { kind, span }
}

/// `if axis == 0 then v0 else if axis == 1 then v1 ... else v(K-1)`.
fn chain(values: Vec<hir::Expr>, span: Span) -> hir::Expr {
    let mut values = values.into_iter().enumerate().rev();
    let (_, mut expr) = values.next().expect("at least one probe");
    for (k, value) in values {
        let condition = hir_expr(
            ExprKind::Binary(
                BinaryOp::Eq,
                Box::new(hir_expr(ExprKind::Axis, span)),
                Box::new(hir_expr(ExprKind::Number(k as f64), span)),
            ),
            span,
        );
        expr = hir_expr(ExprKind::If(Box::new(condition), Box::new(value), Box::new(expr)), span);
    }
    expr
}

/// Net as the engine computes it: mechanisms in order, benefits added and
/// risks subtracted, the first negated if it is a risk.
fn net_expr(mechanisms: &[Mechanism], first: usize, span: Span) -> hir::Expr {
    let mut net: Option<hir::Expr> = None;
    for (index, mechanism) in mechanisms.iter().enumerate() {
        let value = hir_expr(ExprKind::Derived(first + index), span);
        let benefit = mechanism.side == Side::Benefit;
        net = Some(match net {
            None if benefit => value,
            None => hir_expr(ExprKind::Unary(UnaryOp::Neg, Box::new(value)), span),
            Some(sum) => {
                let op = if benefit { BinaryOp::Add } else { BinaryOp::Sub };
                hir_expr(ExprKind::Binary(op, Box::new(sum), Box::new(value)), span)
            }
        });
    }
    net.unwrap_or_else(|| hir_expr(ExprKind::Number(0.0), span))
}

fn substitute_axis(expr: &mut hir::Expr, derived: usize) {
    match &mut expr.kind {
        ExprKind::Axis => expr.kind = ExprKind::Derived(derived),
        ExprKind::Number(_) | ExprKind::Param(_) | ExprKind::Derived(_) => {}
        ExprKind::Unary(_, operand) => substitute_axis(operand, derived),
        ExprKind::Binary(_, lhs, rhs) => {
            substitute_axis(lhs, derived);
            substitute_axis(rhs, derived);
        }
        ExprKind::If(condition, then_branch, else_branch) => {
            substitute_axis(condition, derived);
            substitute_axis(then_branch, derived);
            substitute_axis(else_branch, derived);
        }
        ExprKind::Call(_, args) => args.iter_mut().for_each(|arg| substitute_axis(arg, derived)),
        ExprKind::Dist(dist) => substitute_axis_in_dist(dist, derived),
    }
}

fn substitute_axis_in_dist(dist: &mut hir::Dist, derived: usize) {
    use hir::DistKind::*;
    let exprs: Vec<&mut hir::Expr> = match &mut dist.kind {
        Normal { mean, sd } => vec![mean, sd],
        NormalInterval { low, high, .. } | LogNormalInterval { low, high, .. } | Uniform { low, high } => {
            vec![low, high]
        }
        LogNormal { mu, sigma } => vec![mu, sigma],
        Beta { alpha, beta } => vec![alpha, beta],
        BetaMean { mean, k } => vec![mean, k],
        Triangular { min, mode, max } | Pert { min, mode, max } => vec![min, mode, max],
        Bernoulli { p } => vec![p],
        PointMass { value } => vec![value],
        Mixture { components, weights } => components.iter_mut().chain(weights.iter_mut()).collect(),
        Truncate { inner, low, high } => {
            substitute_axis_in_dist(inner, derived);
            vec![low, high]
        }
    };
    for expr in exprs {
        substitute_axis(expr, derived);
    }
}

/// Derived values in an order where each comes after the derived values it uses.
fn derived_order(derived: &[hir::Expr]) -> Result<Vec<usize>, Diagnostics> {
    let dependencies: Vec<Vec<usize>> = derived
        .iter()
        .map(|expr| {
            let mut out = Vec::new();
            expr.walk(&mut |node| {
                if let ExprKind::Derived(index) = node.kind
                    && !out.contains(&index)
                {
                    out.push(index);
                }
            });
            out
        })
        .collect();
    // 0: not visited, 1: on the stack, 2: done.
    let mut marks = vec![0u8; derived.len()];
    let mut order = Vec::with_capacity(derived.len());
    for root in 0..derived.len() {
        if marks[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        marks[root] = 1;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&dependency) = dependencies[node].get(*next) {
                *next += 1;
                match marks[dependency] {
                    0 => {
                        marks[dependency] = 1;
                        stack.push((dependency, 0));
                    }
                    1 => {
                        return Err(vec![
                            Diagnostic::error("a probe's capability depends on the axis through a derived value")
                                .at(derived[dependency].span),
                        ]);
                    }
                    _ => {}
                }
            } else {
                marks[node] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crux_lang::Sources;
    use crux_lang::parser::parse_expr;

    const MODEL: &str = r#"
[model]
id = "probe-test"
[axis]
name = "c"
from = 0
to = 4
step = 0.5
[params]
a = "normal(1, 0.5)"
b = "1 to 3"
flag = "bernoulli(0.4)"
at = "uniform(0, 4)"
[derived]
slope = "b * c"
[mechanisms.gain]
side = "benefit"
effect = "a + slope"
[mechanisms.loss]
side = "risk"
effect = "c ^ 2 + normal(0, 0.1)"
"#;

    fn load() -> (Sources, hir::Model) {
        let mut sources = Sources::new();
        let file = sources.add("probe.toml", MODEL);
        let model = crux_lang::load(&mut sources, file).expect("the test model loads");
        (sources, model)
    }

    /// Equal up to floating-point rounding.
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    fn expr(sources: &mut Sources, text: &str) -> ast::Expr {
        let file = sources.add("expr", text);
        parse_expr(text, file, 0).expect("parses")
    }

    #[test]
    fn net_at_a_grid_value_is_the_grid_runs_net() {
        let (_, model) = load();
        let engine = Engine::new(&model).expect("compiles");
        let options = RunOptions { keep_net: true, ..RunOptions::new(3000, 7) };
        let grid = engine.run(&options).expect("runs").net_samples.expect("kept");
        let x = engine.grid()[3];
        let probes = [Probe::new(Capability::Value(x), Quantity::Net)];
        let results = run_probes(&model, &probes, &RunOptions::new(3000, 7)).expect("probes");
        let expected = grid.column(3).to_vec();
        // The same draws and the same formulas; the engine may group sums
        // differently in the rewritten model, so allow for rounding.
        for (probe, grid) in results.values[0].iter().zip(&expected) {
            assert!(close(*probe, *grid), "{probe} != {grid}");
        }
        let summary = results.summary(0);
        let direct = Summary::of(&expected).expect("values");
        for (a, b) in [(summary.p05, direct.p05), (summary.p50, direct.p50), (summary.p95, direct.p95)] {
            assert!(close(a, b), "{a} != {b}");
        }
        assert!((summary.mean - direct.mean).abs() < 1e-9 * direct.mean.abs().max(1.0));
    }

    #[test]
    fn per_sample_capability_and_mechanisms() {
        let (mut sources, model) = load();
        let at = expr(&mut sources, "at");
        let probes = [
            Probe::new(Capability::Expr(at.clone()), Quantity::Net),
            Probe::new(Capability::Expr(at.clone()), Quantity::Mechanism(0)),
            Probe::new(Capability::Expr(at.clone()), Quantity::Mechanism(1)),
            Probe::value(&expr(&mut sources, "a")),
            Probe::value(&expr(&mut sources, "b")),
            Probe::value(&at),
            Probe::new(Capability::Expr(at), Quantity::Expr(expr(&mut sources, "slope"))),
            Probe::value(&expr(&mut sources, "not flag")),
        ];
        let values = run_probes(&model, &probes, &RunOptions::new(2500, 11)).expect("probes").values;
        let engine = Engine::new(&model).expect("compiles");
        let params = engine.param_samples(2500, 11).expect("params");
        // The params are the run's params: same streams, same order.
        assert_eq!(values[3], params[0]);
        assert_eq!(values[4], params[1]);
        assert_eq!(values[5], params[3]);
        for sample in 0..2500 {
            let (a, b, flag, at) = (params[0][sample], params[1][sample], params[2][sample], params[3][sample]);
            let gain = values[1][sample];
            let loss = values[2][sample];
            assert!((gain - (a + b * at)).abs() < 1e-12, "gain at sample {sample}");
            // The loss has its own noise, sd 0.1: it is at^2 within 6 sd.
            assert!((loss - at * at).abs() < 0.6, "loss at sample {sample}");
            assert!(close(values[0][sample], gain - loss), "net at sample {sample}");
            assert!(close(values[6][sample], b * at), "slope at sample {sample}");
            assert_eq!(values[7][sample], if flag != 0.0 { 0.0 } else { 1.0 });
        }
    }

    #[test]
    fn streamed_and_summarised_probes_are_the_kept_probes() {
        let (mut sources, model) = load();
        let at = expr(&mut sources, "at");
        let probes = [
            Probe::new(Capability::Expr(at.clone()), Quantity::Net),
            Probe::new(Capability::Expr(at), Quantity::Mechanism(1)),
            Probe::value(&expr(&mut sources, "a")),
        ];
        // More than a wave of blocks, and a last block that is not full.
        let options = RunOptions::new(150_000 + 17, 5);
        let kept = run_probes(&model, &probes, &options).expect("probes");
        for parallel in [true, false] {
            let mut streamed = vec![Vec::new(); probes.len()];
            stream_probes(&model, &probes, &RunOptions { parallel, ..options }, |block| {
                for (all, part) in streamed.iter_mut().zip(block) {
                    all.extend_from_slice(part);
                }
            })
            .expect("streams");
            for (streamed, kept) in streamed.iter().zip(&kept.values) {
                assert!(
                    streamed.len() == kept.len() && streamed.iter().zip(kept).all(|(a, b)| a.to_bits() == b.to_bits())
                );
            }
        }
        assert_eq!(summarise_probes(&model, &probes, &options).expect("summaries"), kept.summaries);
    }

    #[test]
    fn a_model_changed_after_resolution_keeps_its_changes() {
        let (_, model) = load();
        let mut shifted = model.clone();
        let span = shifted.params[0].span;
        let original = shifted.params[0].clone();
        shifted.params[0] = hir::Expr {
            kind: ExprKind::Binary(
                BinaryOp::Add,
                Box::new(original),
                Box::new(hir::Expr { kind: ExprKind::Number(10.0), span }),
            ),
            span,
        };
        let probes = [Probe::new(Capability::Value(1.0), Quantity::Mechanism(0))];
        let before = run_probes(&model, &probes, &RunOptions::new(500, 2)).expect("probes").values;
        let after = run_probes(&shifted, &probes, &RunOptions::new(500, 2)).expect("probes").values;
        for (b, a) in before[0].iter().zip(&after[0]) {
            assert!((a - b - 10.0).abs() < 1e-9);
        }
    }

    #[test]
    fn a_capability_that_uses_the_axis_is_refused() {
        let (mut sources, model) = load();
        let probes = [Probe::new(Capability::Expr(expr(&mut sources, "slope + 1")), Quantity::Net)];
        let errors = run_probes(&model, &probes, &RunOptions::new(100, 1)).expect_err("refused");
        assert!(errors[0].message.contains("depends on the axis"), "{}", errors[0].message);
    }
}
