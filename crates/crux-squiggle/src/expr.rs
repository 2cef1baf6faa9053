//! Expressions in Squiggle. A value that does not vary from sample to sample
//! is plain number code. A random value is a Squiggle sample set: arithmetic,
//! `exp`, `log`, `log10`, `min` and `max` apply to sample sets sample by
//! sample, so such expressions are written as they are; everything else
//! (comparisons, `if`, `and`/`or`/`not`, `abs`, `floor`...) is computed per
//! sample with `SampleSet.map`/`map2`/`map3`/`mapN` over the random values it
//! uses, which keeps every sample's correlations exactly as in Crux.

use crate::Exporter;
use crux_lang::ast::{BinaryOp, UnaryOp};
use crux_lang::hir::{Dist, DistKind, Expr, ExprKind, Func};
use crux_lang::print::format_number;
use std::collections::HashMap;

/// Binding strength of code as written (higher binds tighter).
const IF: u8 = 0;
const OR: u8 = 1;
const AND: u8 = 2;
const COMPARE: u8 = 4;
const ADD: u8 = 6;
const MUL: u8 = 7;
const PREFIX: u8 = 8;
const POW: u8 = 9;
const ATOM: u8 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Number,
    Bool,
    /// A distribution (a sample set unless `sample_set` is false).
    Dist {
        sample_set: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Code {
    pub text: String,
    pub ty: Ty,
    strength: u8,
}

impl Code {
    fn new(text: impl Into<String>, ty: Ty, strength: u8) -> Code {
        Code { text: text.into(), ty, strength }
    }

    fn atom(text: impl Into<String>, ty: Ty) -> Code {
        Code::new(text, ty, ATOM)
    }

    /// The text, in parentheses unless it binds at least as tightly as `min`.
    fn at(&self, min: u8) -> String {
        if self.strength >= min { self.text.clone() } else { format!("({})", self.text) }
    }

    fn is_random(&self) -> bool {
        matches!(self.ty, Ty::Dist { .. })
    }
}

/// A random value a lifted computation takes sample by sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Leaf {
    Param(usize),
    Derived(usize),
    /// A distribution node, by address (stable while the model is borrowed).
    Dist(usize),
}

/// Lambda arguments standing for leaves, in number code.
type Bound = HashMap<Leaf, String>;

fn leaf_of_dist(dist: &Dist) -> Leaf {
    Leaf::Dist(std::ptr::from_ref(dist) as usize)
}

impl Exporter<'_> {
    /// Whether `expr` varies from sample to sample.
    pub(crate) fn is_random(&self, expr: &Expr) -> bool {
        let mut random = false;
        expr.walk(&mut |node| match node.kind {
            ExprKind::Param(index) => random |= self.random_params[index],
            ExprKind::Derived(index) => random |= self.random_derived[index],
            ExprKind::Dist(_) => random = true,
            _ => {}
        });
        random
    }

    /// Whether `expr` varies along the axis.
    pub(crate) fn uses_axis(&self, expr: &Expr) -> bool {
        let mut axis = false;
        expr.walk(&mut |node| match node.kind {
            ExprKind::Axis => axis = true,
            ExprKind::Derived(index) => axis |= self.axis_derived[index],
            _ => {}
        });
        axis
    }

    /// The code for a derived value's current value: `name(c)` when it is a
    /// function of the axis.
    fn derived_ref(&self, index: usize) -> String {
        match (&self.names.axis, self.axis_derived[index]) {
            (Some(axis), true) => format!("{}({axis})", self.names.derived[index]),
            _ => self.names.derived[index].clone(),
        }
    }

    /// `expr` as a number (`Number` or `Bool` code) or, when random, a sample set.
    pub(crate) fn value(&mut self, expr: &Expr) -> Code {
        if !self.is_random(expr) {
            return self.number(expr, &Bound::new());
        }
        match &expr.kind {
            ExprKind::Param(index) => Code::atom(self.names.params[*index].clone(), Ty::Dist { sample_set: true }),
            ExprKind::Derived(index) => Code::atom(self.derived_ref(*index), Ty::Dist { sample_set: true }),
            ExprKind::Dist(dist) => self.dist_value(dist),
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                let operand = self.value_number(operand);
                negate(&operand)
            }
            ExprKind::Binary(op, lhs, rhs) if arithmetic(*op) => {
                let (lhs, rhs) = (self.value_number(lhs), self.value_number(rhs));
                binary(*op, &lhs, &rhs)
            }
            ExprKind::Call(func, args) if direct(*func) => {
                let args: Vec<Code> = args.iter().map(|arg| self.value_number(arg)).collect();
                self.note_call(*func, true);
                call(*func, &args, Ty::Dist { sample_set: true })
            }
            _ => self.lift(&[expr], |this, bound| as_number(this.number(expr, bound)).text),
        }
    }

    /// Like [`Exporter::value`], with a truth value made a number.
    fn value_number(&mut self, expr: &Expr) -> Code {
        as_number(self.value(expr))
    }

    /// `expr` as number code, with `bound` giving the lambda argument of each
    /// random value it uses.
    fn number(&mut self, expr: &Expr, bound: &Bound) -> Code {
        match &expr.kind {
            ExprKind::Number(value) => number_literal(*value),
            ExprKind::Param(index) => match bound.get(&Leaf::Param(*index)) {
                Some(name) => Code::atom(name.clone(), Ty::Number),
                None => Code::atom(self.names.params[*index].clone(), Ty::Number),
            },
            ExprKind::Derived(index) => match bound.get(&Leaf::Derived(*index)) {
                Some(name) => Code::atom(name.clone(), Ty::Number),
                None => Code::atom(self.derived_ref(*index), Ty::Number),
            },
            ExprKind::Axis => Code::atom(self.names.axis.clone().unwrap_or_default(), Ty::Number),
            ExprKind::Unary(UnaryOp::Neg, operand) => negate(&as_number(self.number(operand, bound))),
            ExprKind::Unary(UnaryOp::Not, operand) => {
                let operand = as_bool(self.number(operand, bound));
                Code::new(format!("!{}", operand.at(ATOM)), Ty::Bool, PREFIX)
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let (lhs, rhs) = (self.number(lhs, bound), self.number(rhs, bound));
                match op {
                    BinaryOp::And | BinaryOp::Or => binary(*op, &as_bool(lhs), &as_bool(rhs)),
                    _ => binary(*op, &as_number(lhs), &as_number(rhs)),
                }
            }
            ExprKind::If(condition, then_branch, else_branch) => {
                let condition = as_bool(self.number(condition, bound));
                let then_branch = as_number(self.number(then_branch, bound));
                let else_branch = as_number(self.number(else_branch, bound));
                Code::new(
                    format!("if {} then {} else {}", condition.text, then_branch.text, else_branch.text),
                    Ty::Number,
                    IF,
                )
            }
            ExprKind::Call(func, args) => {
                let args: Vec<Code> = args.iter().map(|arg| as_number(self.number(arg, bound))).collect();
                self.note_call(*func, false);
                call(*func, &args, Ty::Number)
            }
            ExprKind::Dist(dist) => match bound.get(&leaf_of_dist(dist)) {
                Some(name) => Code::atom(name.clone(), Ty::Number),
                // A distribution inside per-sample code: one draw per sample.
                None => Code::atom(format!("sample({})", self.dist_text(dist, bound).text), Ty::Number),
            },
        }
    }

    /// Notes the rewrite of a function Squiggle lacks.
    fn note_call(&mut self, func: Func, random: bool) {
        match func {
            Func::Logistic => self.rewrite("logistic(x) (which Squiggle 0.10 lacks) is written 1 / (1 + exp(-x))"),
            Func::Softplus => self.rewrite(
                "softplus(x) (which Squiggle 0.10 lacks) is written log(1 + exp(x)), which overflows for x above about 700",
            ),
            Func::Clamp => {
                self.rewrite("clamp(x, low, high) (which Squiggle 0.10 lacks) is written min(max(x, low), high)")
            }
            Func::Sqrt if random => {
                self.rewrite("sqrt of a sample set is written x ^ 0.5 (Math.sqrt takes numbers only)")
            }
            _ => {}
        }
    }

    /// Computes `body` sample by sample over the random values that `roots`
    /// use, each bound to a lambda argument.
    fn lift(&mut self, roots: &[&Expr], body: impl FnOnce(&mut Self, &Bound) -> String) -> Code {
        let mut leaves: Vec<(Leaf, &Expr)> = Vec::new();
        for root in roots {
            self.collect_leaves(root, &mut leaves);
        }
        let mut bound = Bound::new();
        let mut arguments = Vec::new();
        let mut parameters = Vec::new();
        for (leaf, node) in &leaves {
            let (argument, parameter) = match (leaf, &node.kind) {
                (Leaf::Param(index), _) => (self.names.params[*index].clone(), self.names.params[*index].clone()),
                (Leaf::Derived(index), _) => (self.derived_ref(*index), self.names.derived[*index].clone()),
                (Leaf::Dist(_), ExprKind::Dist(dist)) => {
                    let value = self.dist_value(dist);
                    let text = match value.ty {
                        Ty::Dist { sample_set: false } => format!("SampleSet.fromDist({})", value.text),
                        _ => value.text,
                    };
                    (text, self.names.fresh("draw"))
                }
                (Leaf::Dist(_), _) => unreachable!("a distribution leaf is a distribution node"),
            };
            bound.insert(*leaf, parameter.clone());
            arguments.push(argument);
            parameters.push(parameter);
        }
        let body = body(self, &bound);
        let text = match arguments.len() {
            0 => return Code::atom(body, Ty::Number),
            1..=3 => {
                let function = ["map", "map2", "map3"][arguments.len() - 1];
                format!("SampleSet.{function}({}, {{|{}| {body}}})", arguments.join(", "), parameters.join(", "))
            }
            _ => {
                let list = self.names.fresh("values");
                let unpack: Vec<String> =
                    parameters.iter().enumerate().map(|(index, name)| format!("{name} = {list}[{index}]; ")).collect();
                format!("SampleSet.mapN([{}], {{|{list}| {}{body}}})", arguments.join(", "), unpack.concat())
            }
        };
        Code::atom(text, Ty::Dist { sample_set: true })
    }

    /// The random values `expr` uses, in order, without looking inside distributions.
    fn collect_leaves<'e>(&self, expr: &'e Expr, leaves: &mut Vec<(Leaf, &'e Expr)>) {
        let leaf = match &expr.kind {
            ExprKind::Param(index) if self.random_params[*index] => Some(Leaf::Param(*index)),
            ExprKind::Derived(index) if self.random_derived[*index] => Some(Leaf::Derived(*index)),
            ExprKind::Dist(dist) => Some(leaf_of_dist(dist)),
            _ => None,
        };
        if let Some(leaf) = leaf {
            if !leaves.iter().any(|(seen, _)| *seen == leaf) {
                leaves.push((leaf, expr));
            }
            return;
        }
        match &expr.kind {
            ExprKind::Unary(_, operand) => self.collect_leaves(operand, leaves),
            ExprKind::Binary(_, lhs, rhs) => {
                self.collect_leaves(lhs, leaves);
                self.collect_leaves(rhs, leaves);
            }
            ExprKind::If(condition, then_branch, else_branch) => {
                for part in [condition, then_branch, else_branch] {
                    self.collect_leaves(part, leaves);
                }
            }
            ExprKind::Call(_, args) => args.iter().for_each(|arg| self.collect_leaves(arg, leaves)),
            _ => {}
        }
    }

    /// A distribution as a Squiggle value: written directly when its
    /// parameters are fixed for the sample, else drawn sample by sample.
    /// Inside a function of the axis, a draw that does not depend on the axis
    /// is defined once before the function (as Crux draws it once per sample).
    fn dist_value(&mut self, dist: &Dist) -> Code {
        // A mixture's components may be random (they are sample sets); its weights may not.
        let fixed: Vec<&Expr> = match &dist.kind {
            DistKind::Mixture { weights, .. } => weights.iter().collect(),
            _ => dist_args(dist),
        };
        let code = if fixed.iter().any(|arg| self.is_random(arg)) {
            let args = dist_args(dist);
            self.lift(&args, |this, bound| format!("sample({})", this.dist_text(dist, bound).text))
        } else {
            self.dist_text(dist, &Bound::new())
        };
        if self.hoist.is_none() {
            return code;
        }
        if dist_args(dist).iter().any(|arg| self.uses_axis(arg)) {
            self.axis_draws.push(self.owner.clone());
            return code;
        }
        let name = self.names.fresh(&format!("{}_draw", self.owner));
        if let Some(hoisted) = self.hoist.as_mut() {
            hoisted.push((name.clone(), code.text));
        }
        Code::atom(name, code.ty)
    }

    /// A distribution constructor with its parameters as number code.
    fn dist_text(&mut self, dist: &Dist, bound: &Bound) -> Code {
        let sample_set = Ty::Dist { sample_set: true };
        let arg = |this: &mut Self, expr: &Expr| as_number(this.number(expr, bound)).text;
        let text = match &dist.kind {
            DistKind::Normal { mean, sd } => format!("normal({}, {})", arg(self, mean), arg(self, sd)),
            DistKind::NormalInterval { low, high, p } => {
                let (low_key, high_key) = interval_keys(*p);
                format!("normal({{{low_key}: {}, {high_key}: {}}})", arg(self, low), arg(self, high))
            }
            DistKind::LogNormal { mu, sigma } => format!("lognormal({}, {})", arg(self, mu), arg(self, sigma)),
            DistKind::LogNormalInterval { low, high, p, written_as_to } => {
                let positive_literals =
                    [low, high].iter().all(|expr| matches!(expr.kind, ExprKind::Number(v) if v > 0.0));
                if *written_as_to && positive_literals {
                    return Code::new(format!("{} to {}", arg(self, low), arg(self, high)), sample_set, COMPARE);
                }
                let (low_key, high_key) = interval_keys(*p);
                format!("lognormal({{{low_key}: {}, {high_key}: {}}})", arg(self, low), arg(self, high))
            }
            DistKind::Uniform { low, high } => format!("uniform({}, {})", arg(self, low), arg(self, high)),
            DistKind::Beta { alpha, beta } => format!("beta({}, {})", arg(self, alpha), arg(self, beta)),
            DistKind::BetaMean { mean, k } => {
                self.rewrite("beta({mean: m, k: k}) is written beta(m * k, (1 - m) * k)");
                match (&mean.kind, &k.kind) {
                    (ExprKind::Number(mean), ExprKind::Number(k)) => {
                        format!("beta({}, {})", format_number(mean * k), format_number((1.0 - mean) * k))
                    }
                    _ => {
                        let (mean, k) = (arg(self, mean), arg(self, k));
                        format!("beta(({mean}) * ({k}), (1 - ({mean})) * ({k}))")
                    }
                }
            }
            DistKind::Triangular { min, mode, max } => {
                format!("triangular({}, {}, {})", arg(self, min), arg(self, mode), arg(self, max))
            }
            DistKind::Pert { min, mode, max } => {
                self.rewrite(
                    "pert(a, m, b) (which Squiggle 0.10 lacks) is written a + (b - a) * beta(1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a))",
                );
                match (&min.kind, &mode.kind, &max.kind) {
                    (ExprKind::Number(min), ExprKind::Number(mode), ExprKind::Number(max)) => {
                        let range = max - min;
                        let alpha = 1.0 + 4.0 * (mode - min) / range;
                        let beta = 1.0 + 4.0 * (max - mode) / range;
                        return Code::new(
                            format!(
                                "{} + {} * beta({}, {})",
                                format_number(*min),
                                format_number(range),
                                format_number(alpha),
                                format_number(beta)
                            ),
                            sample_set,
                            ADD,
                        );
                    }
                    _ => {
                        let (min, mode, max) = (arg(self, min), arg(self, mode), arg(self, max));
                        let range = format!("(({max}) - ({min}))");
                        return Code::new(
                            format!(
                                "({min}) + {range} * beta(1 + 4 * (({mode}) - ({min})) / {range}, 1 + 4 * (({max}) - ({mode})) / {range})"
                            ),
                            sample_set,
                            ADD,
                        );
                    }
                }
            }
            DistKind::Bernoulli { p } => format!("bernoulli({})", arg(self, p)),
            DistKind::PointMass { value } => {
                return Code::atom(format!("pointMass({})", arg(self, value)), Ty::Dist { sample_set: false });
            }
            DistKind::Mixture { components, weights } => {
                let mut all_sample_sets = true;
                let mut parts = Vec::new();
                for component in components {
                    let code = if bound.is_empty() {
                        let code = self.value(component);
                        all_sample_sets &= matches!(code.ty, Ty::Dist { sample_set: true });
                        code.text
                    } else {
                        all_sample_sets = false;
                        as_number(self.number(component, bound)).text
                    };
                    parts.push(code);
                }
                let weights: Vec<String> = weights.iter().map(|weight| arg(self, weight)).collect();
                return Code::atom(
                    format!("mx({}, [{}])", parts.join(", "), weights.join(", ")),
                    Ty::Dist { sample_set: all_sample_sets },
                );
            }
            DistKind::Truncate { inner, low, high } => {
                self.rewrite("truncate(d, low, high) of a sample set keeps the samples in [low, high] and resamples them to the sample count");
                let inner = self.dist_text(inner, bound);
                format!("truncate({}, {}, {})", inner.text, arg(self, low), arg(self, high))
            }
        };
        Code::atom(text, sample_set)
    }
}

fn dist_args(dist: &Dist) -> Vec<&Expr> {
    let mut args = dist.args();
    if let DistKind::Truncate { inner, .. } = &dist.kind {
        args.extend(dist_args(inner));
    }
    args
}

fn interval_keys(p: f64) -> (String, String) {
    let low = (p * 100.0).round();
    (format!("p{low}"), format!("p{}", 100.0 - low))
}

fn number_literal(value: f64) -> Code {
    if value.is_sign_negative() && value != 0.0 {
        Code::new(format!("-{}", format_number(-value)), Ty::Number, PREFIX)
    } else {
        Code::atom(format_number(value), Ty::Number)
    }
}

fn arithmetic(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Pow)
}

/// Functions that Squiggle applies to sample sets sample by sample.
fn direct(func: Func) -> bool {
    matches!(
        func,
        Func::Exp
            | Func::Ln
            | Func::Log10
            | Func::Sqrt
            | Func::Min
            | Func::Max
            | Func::Clamp
            | Func::Logistic
            | Func::Softplus
    )
}

fn as_number(code: Code) -> Code {
    match code.ty {
        Ty::Bool => Code::atom(format!("(if {} then 1 else 0)", code.text), Ty::Number),
        _ => code,
    }
}

fn as_bool(code: Code) -> Code {
    match code.ty {
        Ty::Bool => code,
        _ => Code::new(format!("{} != 0", code.at(COMPARE + 1)), Ty::Bool, COMPARE),
    }
}

fn result_ty(operands: &[&Code]) -> Ty {
    if operands.iter().any(|code| code.is_random()) { Ty::Dist { sample_set: true } } else { Ty::Number }
}

fn negate(operand: &Code) -> Code {
    // Squiggle's prefix minus binds tighter than `^`: `-(x ^ 2)` needs its parentheses.
    Code::new(format!("-{}", operand.at(ATOM)), result_ty(&[operand]), PREFIX)
}

fn binary(op: BinaryOp, lhs: &Code, rhs: &Code) -> Code {
    let (symbol, strength) = match op {
        BinaryOp::Add => ("+", ADD),
        BinaryOp::Sub => ("-", ADD),
        BinaryOp::Mul => ("*", MUL),
        BinaryOp::Div => ("/", MUL),
        BinaryOp::Pow => ("^", POW),
        BinaryOp::Lt => ("<", COMPARE),
        BinaryOp::Le => ("<=", COMPARE),
        BinaryOp::Gt => (">", COMPARE),
        BinaryOp::Ge => (">=", COMPARE),
        BinaryOp::Eq => ("==", COMPARE),
        BinaryOp::Ne => ("!=", COMPARE),
        BinaryOp::And => ("&&", AND),
        BinaryOp::Or => ("||", OR),
        BinaryOp::To => ("to", COMPARE),
    };
    let (left_min, right_min) = match strength {
        POW => (ATOM, POW),
        COMPARE => (COMPARE + 1, COMPARE + 1),
        _ => (strength, strength + 1),
    };
    let ty = if strength <= COMPARE { Ty::Bool } else { result_ty(&[lhs, rhs]) };
    Code::new(format!("{} {symbol} {}", lhs.at(left_min), rhs.at(right_min)), ty, strength)
}

fn call(func: Func, args: &[Code], ty: Ty) -> Code {
    let ty = if args.iter().any(Code::is_random) { ty } else { Ty::Number };
    let random = matches!(ty, Ty::Dist { .. });
    let text =
        |name: &str| format!("{name}({})", args.iter().map(|arg| arg.text.as_str()).collect::<Vec<_>>().join(", "));
    match func {
        Func::Exp => Code::atom(text("exp"), ty),
        Func::Ln => Code::atom(text("log"), ty),
        Func::Log10 => Code::atom(text("log10"), ty),
        Func::Log2 => Code::atom(text("log2"), ty),
        Func::Sqrt if random => Code::new(format!("{} ^ 0.5", args[0].at(ATOM)), ty, POW),
        Func::Sqrt => Code::atom(text("Math.sqrt"), ty),
        Func::Abs => Code::atom(text("abs"), ty),
        Func::Floor => Code::atom(text("floor"), ty),
        Func::Ceil => Code::atom(text("ceil"), ty),
        Func::Sin => Code::atom(text("Math.sin"), ty),
        Func::Cos => Code::atom(text("Math.cos"), ty),
        Func::Tan => Code::atom(text("Math.tan"), ty),
        Func::Min | Func::Max => {
            let name = if func == Func::Min { "min" } else { "max" };
            // Nested pairs: Squiggle's min and max take two values (or one list of numbers).
            let mut folded = args[args.len() - 1].text.clone();
            for arg in args[..args.len() - 1].iter().rev() {
                folded = format!("{name}({}, {folded})", arg.text);
            }
            Code::atom(folded, ty)
        }
        Func::Clamp => Code::atom(format!("min(max({}, {}), {})", args[0].text, args[1].text, args[2].text), ty),
        Func::Logistic => Code::new(format!("1 / (1 + exp(-{}))", args[0].at(ATOM)), ty, MUL),
        Func::Softplus => Code::atom(format!("log(1 + exp({}))", args[0].text), ty),
    }
}
