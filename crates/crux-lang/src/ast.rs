//! The expression syntax tree, exactly as written (before name resolution).

use crate::span::Span;

/// An expression with the span of the text it was parsed from.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A numeric literal such as `1e25` or `0.5`. Never negative: `-1` is a
    /// negation of `1`.
    Number(f64),
    /// A reference to a param, a derived value, the axis variable or a constant.
    Name(String),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    If {
        condition: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    /// A function or distribution call, `name(args)`.
    Call {
        callee: Ident,
        args: Vec<Expr>,
    },
    /// A record argument such as `{p5: 1, p95: 10}`; only valid as a call argument.
    Record(Vec<(Ident, Expr)>),
    /// A list argument such as `[0.3, 0.7]`; only valid as a call argument.
    List(Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    /// `a to b`: a lognormal with 5% and 95% quantiles `a` and `b`.
    To,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::To => "to",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne => 4,
            BinaryOp::To => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div => 7,
            BinaryOp::Pow => 9,
        }
    }
}

/// Precedence of the prefix `not`.
pub const NOT_PRECEDENCE: u8 = 3;
/// Precedence of the prefix `-`.
pub const NEG_PRECEDENCE: u8 = 8;

impl Expr {
    /// Structural equality that ignores spans.
    pub fn same_as(&self, other: &Expr) -> bool {
        use ExprKind::*;
        match (&self.kind, &other.kind) {
            (Number(a), Number(b)) => a.to_bits() == b.to_bits(),
            (Name(a), Name(b)) => a == b,
            (Unary { op: o1, operand: a }, Unary { op: o2, operand: b }) => o1 == o2 && a.same_as(b),
            (Binary { op: o1, lhs: l1, rhs: r1 }, Binary { op: o2, lhs: l2, rhs: r2 }) => {
                o1 == o2 && l1.same_as(l2) && r1.same_as(r2)
            }
            (
                If { condition: c1, then_branch: t1, else_branch: e1 },
                If { condition: c2, then_branch: t2, else_branch: e2 },
            ) => c1.same_as(c2) && t1.same_as(t2) && e1.same_as(e2),
            (Call { callee: f1, args: a1 }, Call { callee: f2, args: a2 }) => {
                f1.name == f2.name && a1.len() == a2.len() && a1.iter().zip(a2).all(|(x, y)| x.same_as(y))
            }
            (Record(a), Record(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((k1, v1), (k2, v2))| k1.name == k2.name && v1.same_as(v2))
            }
            (List(a), List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y)),
            _ => false,
        }
    }

    /// Every name this expression refers to (not callee names), with spans.
    pub fn names(&self) -> Vec<(&str, Span)> {
        let mut out = Vec::new();
        self.walk(&mut |expr| {
            if let ExprKind::Name(name) = &expr.kind {
                out.push((name.as_str(), expr.span));
            }
        });
        out
    }

    /// Visits this expression and all its subexpressions, parents first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Number(_) | ExprKind::Name(_) => {}
            ExprKind::Unary { operand, .. } => operand.walk(visit),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.walk(visit);
                rhs.walk(visit);
            }
            ExprKind::If { condition, then_branch, else_branch } => {
                condition.walk(visit);
                then_branch.walk(visit);
                else_branch.walk(visit);
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|arg| arg.walk(visit)),
            ExprKind::Record(fields) => fields.iter().for_each(|(_, value)| value.walk(visit)),
            ExprKind::List(items) => items.iter().for_each(|item| item.walk(visit)),
        }
    }
}

/// Names of the distribution constructors, for suggestions.
pub const DISTRIBUTIONS: &[&str] = &[
    "normal",
    "lognormal",
    "uniform",
    "beta",
    "triangular",
    "pert",
    "bernoulli",
    "pointmass",
    "mixture",
    "mx",
    "truncate",
];

/// Builtin deterministic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    Exp,
    Ln,
    Log10,
    Log2,
    Sqrt,
    Abs,
    Min,
    Max,
    Clamp,
    Logistic,
    Softplus,
    Floor,
    Ceil,
    Sin,
    Cos,
    Tan,
}

impl Func {
    pub const ALL: [(&'static str, Func); 17] = [
        ("exp", Func::Exp),
        ("ln", Func::Ln),
        ("log", Func::Ln),
        ("log10", Func::Log10),
        ("log2", Func::Log2),
        ("sqrt", Func::Sqrt),
        ("abs", Func::Abs),
        ("min", Func::Min),
        ("max", Func::Max),
        ("clamp", Func::Clamp),
        ("logistic", Func::Logistic),
        ("softplus", Func::Softplus),
        ("floor", Func::Floor),
        ("ceil", Func::Ceil),
        ("sin", Func::Sin),
        ("cos", Func::Cos),
        ("tan", Func::Tan),
    ];

    pub fn name(self) -> &'static str {
        Func::ALL.iter().find(|(_, func)| *func == self).map_or("?", |(name, _)| name)
    }

    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.iter().find(|(candidate, _)| *candidate == name).map(|(_, func)| *func)
    }
}
