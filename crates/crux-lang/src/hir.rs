//! The resolved model: names bound to params, derived values and the axis;
//! calls bound to builtin functions and distributions; evaluation order fixed.
//!
//! This is what the engine compiles. It still carries every span, so that
//! later errors (an invalid distribution parameter, a NaN) point at the source.

use crate::ast::{BinaryOp, UnaryOp};
use crate::model::ModelFile;
use crate::span::Span;

/// The correlated params of one crux: their Pearson correlation matrix for the
/// Gaussian copula and its Cholesky factor.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationGroup {
    /// The crux all these params belong to.
    pub crux: String,
    /// Param indices (into the model's params), in file order.
    pub params: Vec<usize>,
    /// The Pearson correlations of the normal scores, row-major `k x k`.
    pub pearson: Vec<f64>,
    /// The lower-triangular Cholesky factor `L` of `pearson` (`L L^T =
    /// pearson`), row-major `k x k`; a zero pivot where the matrix is only
    /// semi-definite.
    pub cholesky: Vec<f64>,
}

/// A model whose names are resolved and whose params and derived values are
/// in an order where everything is defined before it is used.
#[derive(Debug, Clone)]
pub struct Model {
    pub file: ModelFile,
    /// Resolved expression of each param, indexed like `file.params`.
    pub params: Vec<Expr>,
    /// Resolved expression of each derived value, indexed like `file.derived`.
    pub derived: Vec<Expr>,
    /// Resolved effect of each mechanism, indexed like `file.mechanisms`.
    pub mechanisms: Vec<Expr>,
    /// Param indices in evaluation order (dependencies first).
    pub param_order: Vec<usize>,
    /// Derived-value indices in evaluation order (dependencies first).
    pub derived_order: Vec<usize>,
    /// The correlated params of each crux, checked (see [`crate::correlation`]).
    pub correlations: Vec<CorrelationGroup>,
}

impl Model {
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.file.params.iter().position(|param| param.name.name == name)
    }

    pub fn derived_index(&self, name: &str) -> Option<usize> {
        self.file.derived.iter().position(|derived| derived.name.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Number(f64),
    /// The param with this index in `Model::file.params`.
    Param(usize),
    /// The derived value with this index in `Model::file.derived`.
    Derived(usize),
    /// The axis variable.
    Axis,
    Unary(UnaryOp, Box<Expr>),
    /// Any binary operator but `to`, which resolves to a distribution.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    /// A distribution: one independent draw per Monte Carlo sample.
    Dist(Box<Dist>),
}

#[derive(Debug, Clone)]
pub struct Dist {
    pub kind: DistKind,
    pub span: Span,
}

/// A distribution and its parameters (each an expression drawn per sample).
#[derive(Debug, Clone)]
pub enum DistKind {
    Normal {
        mean: Expr,
        sd: Expr,
    },
    /// A normal with quantile `p` at `low` and `1 - p` at `high`.
    NormalInterval {
        low: Expr,
        high: Expr,
        p: f64,
    },
    LogNormal {
        mu: Expr,
        sigma: Expr,
    },
    /// A lognormal with quantile `p` at `low` and `1 - p` at `high`.
    /// `written_as_to` marks `a to b`, whose errors suggest `normal({p5, p95})`.
    LogNormalInterval {
        low: Expr,
        high: Expr,
        p: f64,
        written_as_to: bool,
    },
    Uniform {
        low: Expr,
        high: Expr,
    },
    Beta {
        alpha: Expr,
        beta: Expr,
    },
    BetaMean {
        mean: Expr,
        k: Expr,
    },
    Triangular {
        min: Expr,
        mode: Expr,
        max: Expr,
    },
    Pert {
        min: Expr,
        mode: Expr,
        max: Expr,
    },
    Bernoulli {
        p: Expr,
    },
    PointMass {
        value: Expr,
    },
    /// Each sample takes component `i` with probability `weights[i] / sum`.
    Mixture {
        components: Vec<Expr>,
        weights: Vec<Expr>,
    },
    /// `inner` restricted to `[low, high]`.
    Truncate {
        inner: Box<Dist>,
        low: Expr,
        high: Expr,
    },
}

impl DistKind {
    pub fn name(&self) -> &'static str {
        match self {
            DistKind::Normal { .. } | DistKind::NormalInterval { .. } => "normal",
            DistKind::LogNormal { .. } => "lognormal",
            DistKind::LogNormalInterval { written_as_to: true, .. } => "to",
            DistKind::LogNormalInterval { .. } => "lognormal",
            DistKind::Uniform { .. } => "uniform",
            DistKind::Beta { .. } | DistKind::BetaMean { .. } => "beta",
            DistKind::Triangular { .. } => "triangular",
            DistKind::Pert { .. } => "pert",
            DistKind::Bernoulli { .. } => "bernoulli",
            DistKind::PointMass { .. } => "pointmass",
            DistKind::Mixture { .. } => "mixture",
            DistKind::Truncate { .. } => "truncate",
        }
    }
}

pub use crate::ast::{DISTRIBUTIONS, Func};

impl Expr {
    /// Visits this expression and all its subexpressions, parents first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Number(_) | ExprKind::Param(_) | ExprKind::Derived(_) | ExprKind::Axis => {}
            ExprKind::Unary(_, operand) => operand.walk(visit),
            ExprKind::Binary(_, lhs, rhs) => {
                lhs.walk(visit);
                rhs.walk(visit);
            }
            ExprKind::If(condition, then_branch, else_branch) => {
                condition.walk(visit);
                then_branch.walk(visit);
                else_branch.walk(visit);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|arg| arg.walk(visit)),
            ExprKind::Dist(dist) => dist.walk(visit),
        }
    }
}

impl Dist {
    /// Visits every parameter expression of this distribution.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        for arg in self.args() {
            arg.walk(visit);
        }
        if let DistKind::Truncate { inner, .. } = &self.kind {
            inner.walk(visit);
        }
    }

    /// The parameter expressions, not counting a truncated inner distribution.
    pub fn args(&self) -> Vec<&Expr> {
        match &self.kind {
            DistKind::Normal { mean, sd } => vec![mean, sd],
            DistKind::NormalInterval { low, high, .. } | DistKind::LogNormalInterval { low, high, .. } => {
                vec![low, high]
            }
            DistKind::LogNormal { mu, sigma } => vec![mu, sigma],
            DistKind::Uniform { low, high } => vec![low, high],
            DistKind::Beta { alpha, beta } => vec![alpha, beta],
            DistKind::BetaMean { mean, k } => vec![mean, k],
            DistKind::Triangular { min, mode, max } | DistKind::Pert { min, mode, max } => vec![min, mode, max],
            DistKind::Bernoulli { p } => vec![p],
            DistKind::PointMass { value } => vec![value],
            DistKind::Mixture { components, weights } => components.iter().chain(weights).collect(),
            DistKind::Truncate { low, high, .. } => vec![low, high],
        }
    }
}
