//! Each option's value, per sample, for a model that declares a
//! `[decision]` (read by `crux_lang::decision`).
//!
//! The engine evaluates one quantity per sample and grid point: net. So each
//! option gets a model of its own whose net is the option's value, and
//! [`OptionEngines::values`] runs every one of them on the same rows of
//! uniforms ([`Engine::net_from_uniforms`]): row `r` of option `k` is the
//! same sample as row `r` of net, which is what EVPI and EVPPI over the
//! options need (their per-row maximum). That is the route of
//! [`crate::probe`], which rewrites a model to evaluate other quantities,
//! and it is chosen over a new engine entry point because it needs nothing
//! of the engine but its public API and keeps the compiled net of a model
//! without a decision untouched.
//!
//! The rewrite, on the public `hir` types: the params and derived values are
//! kept as resolved (so a model changed on the `hir` level, as by a profile
//! or `--set`, keeps its changes); each mechanism's effect becomes a derived
//! value named like the mechanism, evaluated after the model's derived
//! values and in mechanism order, exactly where the engine drew the
//! mechanisms' own random draws; a derived value `net` sums them as the
//! engine does; each option's value is one more derived value (a formula:
//! `crux_lang` refuses distributions in it, so it adds no draws); and the
//! model's only mechanism is the option's value, a benefit. The draws of the
//! rewritten model are therefore the model's, in the same order (checked:
//! anything else is an error, never a silent misalignment).

use crate::probe::{declaration, placeholder_mechanism};
use crux_engine::Engine;
use crux_lang::ast::{self, BinaryOp, UnaryOp};
use crux_lang::decision::{Decision, NET};
use crux_lang::hir::{self, ExprKind};
use crux_lang::model::{Mechanism, Side};
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostic, Diagnostics, Span};

/// One compiled engine per option of a decision, each computing the option's
/// value where the model's engine computes net.
#[derive(Debug)]
pub struct OptionEngines {
    /// The option ids, in file order.
    pub names: Vec<String>,
    engines: Vec<Engine>,
}

impl OptionEngines {
    /// The engines of `decision`'s options for `model` (whose engine is
    /// `engine`, for the check that the draws line up).
    pub fn new(model: &hir::Model, engine: &Engine, decision: &Decision) -> Result<OptionEngines, Diagnostics> {
        let base = rewrite(model, decision)?;
        let first_option = base.derived.len() - decision.options.len();
        let mut engines = Vec::with_capacity(decision.options.len());
        for (k, option) in decision.options.iter().enumerate() {
            let mut model = base.clone();
            let span = option.value.span;
            model.mechanisms = vec![hir::Expr { kind: ExprKind::Derived(first_option + k), span }];
            model.file.mechanisms = vec![placeholder_mechanism(&option.id.name, span)];
            let option_engine = Engine::new(&model)?;
            if option_engine.draw_owners() != engine.draw_owners() {
                return Err(vec![
                    Diagnostic::error(format!(
                        "the value of option `{}` does not draw what the model draws",
                        option.id.name
                    ))
                    .at(span),
                ]);
            }
            engines.push(option_engine);
        }
        Ok(OptionEngines { names: decision.options.iter().map(|option| option.id.name.clone()).collect(), engines })
    }

    /// Each option's value at grid points `points` for rows of uniforms (as
    /// [`Engine::net_from_uniforms`] takes them): `[point][option][row]`.
    pub fn values(&self, uniforms: &[Vec<f64>], points: &[usize]) -> Result<Vec<Vec<Vec<f64>>>, Diagnostic> {
        let mut by_point: Vec<Vec<Vec<f64>>> = vec![Vec::with_capacity(self.engines.len()); points.len()];
        for engine in &self.engines {
            for (point, column) in by_point.iter_mut().zip(engine.net_from_uniforms(uniforms, points)?) {
                point.push(column);
            }
        }
        Ok(by_point)
    }
}

/// The model with mechanisms, net and every option as derived values (in
/// that order, after the model's own), and its mechanisms unchanged.
fn rewrite(model: &hir::Model, decision: &Decision) -> Result<hir::Model, Diagnostics> {
    let mut file = model.file.clone();
    file.decision = None;
    let own = model.derived.len();
    for mechanism in &model.file.mechanisms {
        file.derived.push(declaration(&mechanism.id.name, mechanism.effect.clone(), mechanism.span));
    }
    let net_index = file.derived.len();
    file.derived.push(declaration(
        NET,
        ast::Expr { kind: ast::ExprKind::Number(0.0), span: decision.span },
        decision.span,
    ));
    for option in &decision.options {
        file.derived.push(declaration(&format!("__option_{}", option.id.name), option.value.clone(), option.span));
    }
    let mut rewritten = resolve(file)?;
    rewritten.params.clone_from(&model.params);
    rewritten.param_order.clone_from(&model.param_order);
    rewritten.derived[..own].clone_from_slice(&model.derived);
    let mechanisms = model.mechanisms.len();
    rewritten.derived[own..own + mechanisms].clone_from_slice(&model.mechanisms);
    rewritten.derived[net_index] = net_expr(&model.file.mechanisms, own, decision.span);
    rewritten.derived_order = model.derived_order.iter().copied().chain(own..rewritten.derived.len()).collect();
    Ok(rewritten)
}

/// Net as the engine computes it from the mechanisms' derived values
/// (`first` onwards): benefits added and risks subtracted in order.
fn net_expr(mechanisms: &[Mechanism], first: usize, span: Span) -> hir::Expr {
    let node = |kind| hir::Expr { kind, span };
    let mut net: Option<hir::Expr> = None;
    for (index, mechanism) in mechanisms.iter().enumerate() {
        let value = node(ExprKind::Derived(first + index));
        let benefit = mechanism.side == Side::Benefit;
        net = Some(match net {
            None if benefit => value,
            None => node(ExprKind::Unary(UnaryOp::Neg, Box::new(value))),
            Some(sum) => {
                let op = if benefit { BinaryOp::Add } else { BinaryOp::Sub };
                node(ExprKind::Binary(op, Box::new(sum), Box::new(value)))
            }
        });
    }
    net.unwrap_or_else(|| node(ExprKind::Number(0.0)))
}
