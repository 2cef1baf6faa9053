//! Name resolution and checking: binds every name and call, orders params
//! and derived values so that each comes after what it uses, and reports
//! unknown names (with the closest suggestion), wrong argument counts and
//! cycles (naming the cycle).

use crate::ast::{self, BinaryOp, ExprKind as Ast, Ident};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, suggest};
use crate::hir::{self, DISTRIBUTIONS, Dist, DistKind, ExprKind, Func};
use crate::model::ModelFile;
use crate::span::Span;

/// Where an expression stands, which decides what it may refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Param,
    Derived,
    Mechanism,
}

/// Resolves a parsed model file.
pub fn resolve(file: ModelFile) -> Result<hir::Model, Diagnostics> {
    let mut resolver = Resolver { file: &file, diagnostics: Vec::new() };
    let params: Vec<Option<hir::Expr>> =
        file.params.iter().map(|param| resolver.expr(&param.expr, Scope::Param)).collect();
    let derived: Vec<Option<hir::Expr>> =
        file.derived.iter().map(|derived| resolver.expr(&derived.expr, Scope::Derived)).collect();
    let mechanisms: Vec<Option<hir::Expr>> =
        file.mechanisms.iter().map(|mechanism| resolver.expr(&mechanism.effect, Scope::Mechanism)).collect();
    let mut diagnostics = resolver.diagnostics;
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let params: Vec<hir::Expr> = params.into_iter().flatten().collect();
    let derived: Vec<hir::Expr> = derived.into_iter().flatten().collect();
    let mechanisms: Vec<hir::Expr> = mechanisms.into_iter().flatten().collect();
    let param_names: Vec<&Ident> = file.params.iter().map(|param| &param.name).collect();
    let derived_names: Vec<&Ident> = file.derived.iter().map(|derived| &derived.name).collect();
    let param_order = topological_order(&params, &param_names, "param", |kind| match kind {
        ExprKind::Param(index) => Some(*index),
        _ => None,
    })
    .map_err(|error| diagnostics.push(error));
    let derived_order = topological_order(&derived, &derived_names, "derived value", |kind| match kind {
        ExprKind::Derived(index) => Some(*index),
        _ => None,
    })
    .map_err(|error| diagnostics.push(error));
    let correlations = crate::correlation_groups::groups(&file, &params).map_err(|errors| diagnostics.extend(errors));
    match (param_order, derived_order, correlations) {
        (Ok(param_order), Ok(derived_order), Ok(correlations)) => {
            Ok(hir::Model { file, params, derived, mechanisms, param_order, derived_order, correlations })
        }
        _ => Err(diagnostics),
    }
}

/// Orders nodes so that dependencies come first, keeping declaration order
/// where the dependencies allow. A cycle is an error that names it.
fn topological_order(
    exprs: &[hir::Expr],
    names: &[&Ident],
    what: &str,
    dependency: impl Fn(&ExprKind) -> Option<usize>,
) -> Result<Vec<usize>, Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let dependencies: Vec<Vec<usize>> = exprs
        .iter()
        .map(|expr| {
            let mut out = Vec::new();
            expr.walk(&mut |node| {
                if let Some(index) = dependency(&node.kind)
                    && !out.contains(&index)
                {
                    out.push(index);
                }
            });
            out
        })
        .collect();
    let mut marks = vec![Mark::New; exprs.len()];
    let mut order = Vec::with_capacity(exprs.len());
    for root in 0..exprs.len() {
        if marks[root] != Mark::New {
            continue;
        }
        // Iterative depth-first search; `stack` holds (node, next dependency).
        let mut stack = vec![(root, 0usize)];
        marks[root] = Mark::Active;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&dependency) = dependencies[node].get(*next) {
                *next += 1;
                match marks[dependency] {
                    Mark::New => {
                        marks[dependency] = Mark::Active;
                        stack.push((dependency, 0));
                    }
                    Mark::Active => {
                        let start = stack.iter().position(|(n, _)| *n == dependency).unwrap_or(0);
                        let mut cycle: Vec<&str> =
                            stack[start..].iter().map(|(n, _)| names[*n].name.as_str()).collect();
                        cycle.push(&names[dependency].name);
                        return Err(Diagnostic::error(format!("{what}s form a cycle: {}", cycle.join(" -> ")))
                            .at(names[dependency].span)
                            .with_label("this depends on itself through the cycle")
                            .with_help("break the cycle: one of these must not use the next"));
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

struct Resolver<'a> {
    file: &'a ModelFile,
    diagnostics: Diagnostics,
}

impl Resolver<'_> {
    fn error<T>(&mut self, diagnostic: Diagnostic) -> Option<T> {
        self.diagnostics.push(diagnostic);
        None
    }

    fn expr(&mut self, expr: &ast::Expr, scope: Scope) -> Option<hir::Expr> {
        let span = expr.span;
        let kind = match &expr.kind {
            Ast::Number(value) => ExprKind::Number(*value),
            Ast::Name(name) => return self.name(name, span, scope),
            Ast::Unary { op, operand } => ExprKind::Unary(*op, Box::new(self.expr(operand, scope)?)),
            Ast::Binary { op: BinaryOp::To, lhs, rhs } => {
                let low = self.expr(lhs, scope);
                let high = self.expr(rhs, scope);
                ExprKind::Dist(Box::new(Dist {
                    kind: DistKind::LogNormalInterval { low: low?, high: high?, p: 0.05, written_as_to: true },
                    span,
                }))
            }
            Ast::Binary { op, lhs, rhs } => {
                let lhs = self.expr(lhs, scope);
                let rhs = self.expr(rhs, scope);
                ExprKind::Binary(*op, Box::new(lhs?), Box::new(rhs?))
            }
            Ast::If { condition, then_branch, else_branch } => {
                let condition = self.expr(condition, scope);
                let then_branch = self.expr(then_branch, scope);
                let else_branch = self.expr(else_branch, scope);
                ExprKind::If(Box::new(condition?), Box::new(then_branch?), Box::new(else_branch?))
            }
            Ast::Call { callee, args } => return self.call(callee, args, span, scope),
            Ast::Record(_) => {
                return self.error(
                    Diagnostic::error("a record `{...}` can only be an argument of a distribution")
                        .at(span)
                        .with_help("for example `normal({p5: 1, p95: 10})`"),
                );
            }
            Ast::List(_) => {
                return self.error(
                    Diagnostic::error("a list `[...]` can only hold the weights of `mixture`")
                        .at(span)
                        .with_help("for example `mixture(1 to 5, 10 to 50, [0.7, 0.3])`"),
                );
            }
        };
        Some(hir::Expr { kind, span })
    }

    fn name(&mut self, name: &str, span: Span, scope: Scope) -> Option<hir::Expr> {
        let file = self.file;
        let kind = if let Some(index) = file.params.iter().position(|param| param.name.name == name) {
            ExprKind::Param(index)
        } else if let Some(index) = file.derived.iter().position(|derived| derived.name.name == name) {
            if scope == Scope::Param {
                return self.error(
                    Diagnostic::error(format!("param cannot use the derived value `{name}`")).at(span).with_help(
                        "params are drawn once per sample before derived values; move this param to [derived]",
                    ),
                );
            }
            ExprKind::Derived(index)
        } else if file.axis.as_ref().is_some_and(|axis| axis.name.name == name) {
            if scope == Scope::Param {
                return self.error(
                    Diagnostic::error(format!("param cannot depend on the axis `{name}`")).at(span).with_help(
                        "params are drawn once per sample; a value that varies along the axis belongs in [derived]",
                    ),
                );
            }
            ExprKind::Axis
        } else {
            match name {
                "pi" => ExprKind::Number(std::f64::consts::PI),
                "true" => ExprKind::Number(1.0),
                "false" => ExprKind::Number(0.0),
                _ => {
                    let candidates: Vec<&str> = file
                        .params
                        .iter()
                        .chain(&file.derived)
                        .map(|declaration| declaration.name.name.as_str())
                        .chain(file.axis.as_ref().map(|axis| axis.name.name.as_str()))
                        .chain(["pi"])
                        .collect();
                    let mut diagnostic = Diagnostic::error(format!("unknown name `{name}`"))
                        .at(span)
                        .with_label("not defined in this model");
                    if let Some(help) = did_you_mean(name, candidates.iter().copied()) {
                        diagnostic = diagnostic.with_help(help);
                    } else if Func::from_name(name).is_some() || DISTRIBUTIONS.contains(&name) {
                        diagnostic = diagnostic.with_help(format!("`{name}` is a function: call it as `{name}(...)`"));
                    }
                    return self.error(diagnostic);
                }
            }
        };
        Some(hir::Expr { kind, span })
    }

    fn call(&mut self, callee: &Ident, args: &[ast::Expr], span: Span, scope: Scope) -> Option<hir::Expr> {
        if let Some(func) = Func::from_name(&callee.name) {
            let arity_ok = match func {
                Func::Min | Func::Max => args.len() >= 2,
                Func::Clamp => args.len() == 3,
                _ => args.len() == 1,
            };
            if !arity_ok {
                let expected = match func {
                    Func::Min | Func::Max => "2 or more arguments".to_string(),
                    Func::Clamp => "3 arguments (x, low, high)".to_string(),
                    _ => "1 argument".to_string(),
                };
                return self.error(
                    Diagnostic::error(format!("`{}` takes {expected}, but {} were given", callee.name, args.len()))
                        .at(span),
                );
            }
            let resolved: Vec<Option<hir::Expr>> = args.iter().map(|arg| self.plain_arg(arg, scope)).collect();
            let resolved: Option<Vec<hir::Expr>> = resolved.into_iter().collect();
            return Some(hir::Expr { kind: ExprKind::Call(func, resolved?), span });
        }
        let dist = self.dist(callee, args, span, scope)?;
        Some(hir::Expr { kind: ExprKind::Dist(Box::new(dist)), span })
    }

    /// An argument that must be a plain expression (not a record or list).
    fn plain_arg(&mut self, arg: &ast::Expr, scope: Scope) -> Option<hir::Expr> {
        self.expr(arg, scope)
    }

    fn dist(&mut self, callee: &Ident, args: &[ast::Expr], span: Span, scope: Scope) -> Option<Dist> {
        let name = callee.name.as_str();
        let arity_error = |expected: &str| {
            Diagnostic::error(format!(
                "`{name}` takes {expected}, but {} argument{} given",
                args.len(),
                if args.len() == 1 { " was" } else { "s were" }
            ))
            .at(span)
        };
        let record = match args {
            [ast::Expr { kind: Ast::Record(fields), span: record_span }] => Some((fields, *record_span)),
            _ => None,
        };
        let kind = match name {
            "normal" | "lognormal" => {
                let log = name == "lognormal";
                if let Some((fields, record_span)) = record {
                    let keys: Vec<&str> = fields.iter().map(|(key, _)| key.name.as_str()).collect();
                    let interval = [("p5", "p95", 0.05), ("p10", "p90", 0.10), ("p25", "p75", 0.25)]
                        .into_iter()
                        .find(|(low, high, _)| keys.len() == 2 && keys.contains(low) && keys.contains(high));
                    if let Some((low_key, high_key, p)) = interval {
                        let low = self.field(fields, low_key, scope);
                        let high = self.field(fields, high_key, scope);
                        if log {
                            DistKind::LogNormalInterval { low: low?, high: high?, p, written_as_to: false }
                        } else {
                            DistKind::NormalInterval { low: low?, high: high?, p }
                        }
                    } else if !log
                        && keys.len() == 2
                        && keys.contains(&"mean")
                        && (keys.contains(&"sd") || keys.contains(&"stdev"))
                    {
                        let mean = self.field(fields, "mean", scope);
                        let sd = self.field(fields, if keys.contains(&"sd") { "sd" } else { "stdev" }, scope);
                        DistKind::Normal { mean: mean?, sd: sd? }
                    } else {
                        let forms = if log {
                            "{p5, p95}, {p10, p90} or {p25, p75}"
                        } else {
                            "{p5, p95}, {p10, p90}, {p25, p75} or {mean, sd}"
                        };
                        return self.error(
                            Diagnostic::error(format!("`{name}` with a record takes {forms}"))
                                .at(record_span)
                                .with_help(format!("for example `{name}({{p5: 1, p95: 10}})`")),
                        );
                    }
                } else if args.len() == 2 {
                    let (a, b) = self.two(args, scope);
                    if log { DistKind::LogNormal { mu: a?, sigma: b? } } else { DistKind::Normal { mean: a?, sd: b? } }
                } else {
                    let expected = if log {
                        "2 arguments (mu, sigma) or a record {p5, p95}"
                    } else {
                        "2 arguments (mean, sd) or a record {p5, p95}"
                    };
                    return self.error(arity_error(expected));
                }
            }
            "uniform" => self.fixed(name, args, 2, "2 arguments (low, high)", scope, span, |mut a| {
                DistKind::Uniform { low: a.remove(0), high: a.remove(0) }
            })?,
            "beta" => {
                if let Some((fields, record_span)) = record {
                    let keys: Vec<&str> = fields.iter().map(|(key, _)| key.name.as_str()).collect();
                    if keys.len() == 2 && keys.contains(&"mean") && keys.contains(&"k") {
                        let mean = self.field(fields, "mean", scope);
                        let k = self.field(fields, "k", scope);
                        DistKind::BetaMean { mean: mean?, k: k? }
                    } else {
                        return self.error(
                            Diagnostic::error(
                                "`beta` with a record takes {mean, k}, where k = alpha + beta is the concentration",
                            )
                            .at(record_span)
                            .with_help("for example `beta({mean: 0.7, k: 10})`"),
                        );
                    }
                } else {
                    self.fixed(
                        name,
                        args,
                        2,
                        "2 arguments (alpha, beta) or a record {mean, k}",
                        scope,
                        span,
                        |mut a| DistKind::Beta { alpha: a.remove(0), beta: a.remove(0) },
                    )?
                }
            }
            "triangular" => self.fixed(name, args, 3, "3 arguments (min, mode, max)", scope, span, |mut a| {
                DistKind::Triangular { min: a.remove(0), mode: a.remove(0), max: a.remove(0) }
            })?,
            "pert" => self.fixed(name, args, 3, "3 arguments (min, mode, max)", scope, span, |mut a| {
                DistKind::Pert { min: a.remove(0), mode: a.remove(0), max: a.remove(0) }
            })?,
            "bernoulli" => self
                .fixed(name, args, 1, "1 argument (p)", scope, span, |mut a| DistKind::Bernoulli { p: a.remove(0) })?,
            "pointmass" => self
                .fixed(name, args, 1, "1 argument", scope, span, |mut a| DistKind::PointMass { value: a.remove(0) })?,
            "mixture" | "mx" => {
                let (items, weights) = match args.split_last() {
                    Some((ast::Expr { kind: Ast::List(weights), .. }, items)) => (items, Some(weights)),
                    _ => (args, None),
                };
                if items.is_empty() {
                    return self.error(arity_error("1 or more distributions, then optionally a list of weights"));
                }
                if let Some(weights) = weights
                    && weights.len() != items.len()
                {
                    return self.error(
                        Diagnostic::error(format!(
                            "`{name}` has {} component{} but {} weight{}",
                            items.len(),
                            if items.len() == 1 { "" } else { "s" },
                            weights.len(),
                            if weights.len() == 1 { "" } else { "s" }
                        ))
                        .at(span),
                    );
                }
                let components: Vec<Option<hir::Expr>> = items.iter().map(|item| self.plain_arg(item, scope)).collect();
                let weights: Vec<Option<hir::Expr>> = match weights {
                    Some(weights) => weights.iter().map(|weight| self.plain_arg(weight, scope)).collect(),
                    None => items
                        .iter()
                        .map(|item| Some(hir::Expr { kind: ExprKind::Number(1.0), span: item.span }))
                        .collect(),
                };
                DistKind::Mixture {
                    components: components.into_iter().collect::<Option<_>>()?,
                    weights: weights.into_iter().collect::<Option<_>>()?,
                }
            }
            "truncate" => {
                if args.len() != 3 {
                    return self.error(arity_error("3 arguments (distribution, low, high)"));
                }
                let inner = self.plain_arg(&args[0], scope)?;
                let ExprKind::Dist(inner) = inner.kind else {
                    return self.error(
                        Diagnostic::error("the first argument of `truncate` must be a distribution")
                            .at(args[0].span)
                            .with_help("for example `truncate(normal(0, 1), -2, 2)`"),
                    );
                };
                if matches!(inner.kind, DistKind::Mixture { .. } | DistKind::Truncate { .. }) {
                    return self.error(
                        Diagnostic::error(format!("`truncate` of a {} is not supported", inner.kind.name()))
                            .at(args[0].span)
                            .with_help("truncate each component instead"),
                    );
                }
                let (low, high) = (self.plain_arg(&args[1], scope), self.plain_arg(&args[2], scope));
                DistKind::Truncate { inner, low: low?, high: high? }
            }
            _ => {
                let candidates = Func::ALL.iter().map(|(name, _)| *name).chain(DISTRIBUTIONS.iter().copied());
                let mut diagnostic = Diagnostic::error(format!("unknown function `{name}`")).at(callee.span);
                if let Some(best) = suggest(name, candidates) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
                }
                return self.error(diagnostic);
            }
        };
        Some(Dist { kind, span })
    }

    fn two(&mut self, args: &[ast::Expr], scope: Scope) -> (Option<hir::Expr>, Option<hir::Expr>) {
        (self.plain_arg(&args[0], scope), self.plain_arg(&args[1], scope))
    }

    #[allow(clippy::too_many_arguments)]
    fn fixed(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        count: usize,
        expected: &str,
        scope: Scope,
        span: Span,
        build: impl FnOnce(Vec<hir::Expr>) -> DistKind,
    ) -> Option<DistKind> {
        if args.len() != count {
            let given = args.len();
            self.diagnostics.push(
                Diagnostic::error(format!(
                    "`{name}` takes {expected}, but {given} {} given",
                    if given == 1 { "was" } else { "were" }
                ))
                .at(span),
            );
            return None;
        }
        let resolved: Vec<Option<hir::Expr>> = args.iter().map(|arg| self.plain_arg(arg, scope)).collect();
        Some(build(resolved.into_iter().collect::<Option<_>>()?))
    }

    fn field(&mut self, fields: &[(Ident, ast::Expr)], key: &str, scope: Scope) -> Option<hir::Expr> {
        let (_, value) = fields.iter().find(|(name, _)| name.name == key)?;
        self.expr(value, scope)
    }
}
