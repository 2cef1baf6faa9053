//! Elementwise operations: one scalar definition per [`Op`], used both by the
//! vector kernels (over columns of a block) and by constant folding, so that
//! both compute identical values.

use crate::math::{self, from_bool, truth};
use crate::program::Op;

#[inline(always)]
fn unary_fn(op: Op) -> fn(f64) -> f64 {
    match op {
        Op::Neg => |a| -a,
        Op::Not => |a| from_bool(!truth(a)),
        Op::Exp => math::exp,
        Op::Ln => f64::ln,
        Op::Log10 => f64::log10,
        Op::Log2 => f64::log2,
        Op::Sqrt => f64::sqrt,
        Op::Abs => f64::abs,
        Op::Logistic => math::logistic,
        Op::Softplus => math::softplus,
        Op::Floor => f64::floor,
        Op::Ceil => f64::ceil,
        Op::Sin => f64::sin,
        Op::Cos => f64::cos,
        Op::Tan => f64::tan,
        _ => |_| f64::NAN,
    }
}

/// Applies `op` to scalar arguments.
pub fn apply_scalar(op: Op, args: &[f64]) -> f64 {
    match op {
        Op::Add => args[0] + args[1],
        Op::Sub => args[0] - args[1],
        Op::Mul => args[0] * args[1],
        Op::Div => args[0] / args[1],
        Op::Pow => args[0].powf(args[1]),
        Op::Lt => from_bool(args[0] < args[1]),
        Op::Le => from_bool(args[0] <= args[1]),
        Op::Gt => from_bool(args[0] > args[1]),
        Op::Ge => from_bool(args[0] >= args[1]),
        Op::Eq => from_bool(args[0] == args[1]),
        Op::Ne => from_bool(args[0] != args[1]),
        Op::And => from_bool(truth(args[0]) && truth(args[1])),
        Op::Or => from_bool(truth(args[0]) || truth(args[1])),
        Op::Min => args[0].min(args[1]),
        Op::Max => args[0].max(args[1]),
        Op::Select => select(args[0], args[1], args[2]),
        Op::Clamp => clamp(args[0], args[1], args[2]),
        Op::Pick => args[1 + pick_index(args[0], args.len() - 1)],
        _ => unary_fn(op)(args[0]),
    }
}

#[inline(always)]
fn select(condition: f64, a: f64, b: f64) -> f64 {
    if truth(condition) { a } else { b }
}

/// `clamp` that never panics: with `low > high` the result is `high`.
#[inline(always)]
fn clamp(x: f64, low: f64, high: f64) -> f64 {
    x.max(low).min(high)
}

#[inline(always)]
fn pick_index(index: f64, count: usize) -> usize {
    (index as usize).min(count - 1)
}

/// An argument of a vector kernel: a column or a broadcast scalar.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Column(&'a [f64]),
    Scalar(f64),
}

impl Arg<'_> {
    #[inline(always)]
    fn at(&self, lane: usize) -> f64 {
        match self {
            Arg::Column(values) => values[lane],
            Arg::Scalar(value) => *value,
        }
    }
}

#[inline(always)]
fn unary(dst: &mut [f64], a: Arg, f: impl Fn(f64) -> f64) {
    match a {
        Arg::Column(a) => {
            for (out, &x) in dst.iter_mut().zip(a) {
                *out = f(x);
            }
        }
        Arg::Scalar(x) => dst.fill(f(x)),
    }
}

#[inline(always)]
fn binary(dst: &mut [f64], a: Arg, b: Arg, f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (Arg::Column(a), Arg::Column(b)) => {
            for ((out, &x), &y) in dst.iter_mut().zip(a).zip(b) {
                *out = f(x, y);
            }
        }
        (Arg::Column(a), Arg::Scalar(y)) => {
            for (out, &x) in dst.iter_mut().zip(a) {
                *out = f(x, y);
            }
        }
        (Arg::Scalar(x), Arg::Column(b)) => {
            for (out, &y) in dst.iter_mut().zip(b) {
                *out = f(x, y);
            }
        }
        (Arg::Scalar(x), Arg::Scalar(y)) => dst.fill(f(x, y)),
    }
}

#[inline(always)]
fn ternary(dst: &mut [f64], a: Arg, b: Arg, c: Arg, f: impl Fn(f64, f64, f64) -> f64) {
    for (lane, out) in dst.iter_mut().enumerate() {
        *out = f(a.at(lane), b.at(lane), c.at(lane));
    }
}

/// Applies `op`, then the unary `then`, lane by lane: `dst[i] =
/// then(op(args[0][i], args[1][i]))`, for the pairs [`Op::fuses_after`] allows.
#[inline(always)]
pub fn apply_columns_then(op: Op, then: Op, dst: &mut [f64], args: &[Arg]) {
    match then {
        Op::Logistic => binary_then(op, dst, args, math::logistic),
        Op::Exp => binary_then(op, dst, args, math::exp),
        _ => unreachable!("{then:?} is not fused"),
    }
}

#[inline(always)]
fn binary_then(op: Op, dst: &mut [f64], args: &[Arg], then: impl Fn(f64) -> f64) {
    match op {
        Op::Add => binary(dst, args[0], args[1], |a, b| then(a + b)),
        Op::Sub => binary(dst, args[0], args[1], |a, b| then(a - b)),
        Op::Mul => binary(dst, args[0], args[1], |a, b| then(a * b)),
        Op::Div => binary(dst, args[0], args[1], |a, b| then(a / b)),
        _ => unreachable!("nothing is fused after {op:?}"),
    }
}

/// Applies `op` lane by lane: `dst[i] = op(args[0][i], ...)`.
#[inline(always)]
pub fn apply_columns(op: Op, dst: &mut [f64], args: &[Arg]) {
    match op {
        Op::Add => binary(dst, args[0], args[1], |a, b| a + b),
        Op::Sub => binary(dst, args[0], args[1], |a, b| a - b),
        Op::Mul => binary(dst, args[0], args[1], |a, b| a * b),
        Op::Div => binary(dst, args[0], args[1], |a, b| a / b),
        Op::Pow => binary(dst, args[0], args[1], f64::powf),
        Op::Lt => binary(dst, args[0], args[1], |a, b| from_bool(a < b)),
        Op::Le => binary(dst, args[0], args[1], |a, b| from_bool(a <= b)),
        Op::Gt => binary(dst, args[0], args[1], |a, b| from_bool(a > b)),
        Op::Ge => binary(dst, args[0], args[1], |a, b| from_bool(a >= b)),
        Op::Eq => binary(dst, args[0], args[1], |a, b| from_bool(a == b)),
        Op::Ne => binary(dst, args[0], args[1], |a, b| from_bool(a != b)),
        Op::And => binary(dst, args[0], args[1], |a, b| from_bool(truth(a) && truth(b))),
        Op::Or => binary(dst, args[0], args[1], |a, b| from_bool(truth(a) || truth(b))),
        Op::Min => binary(dst, args[0], args[1], f64::min),
        Op::Max => binary(dst, args[0], args[1], f64::max),
        Op::Select => ternary(dst, args[0], args[1], args[2], select),
        Op::Clamp => ternary(dst, args[0], args[1], args[2], clamp),
        Op::Pick => {
            let count = args.len() - 1;
            for (lane, out) in dst.iter_mut().enumerate() {
                *out = args[1 + pick_index(args[0].at(lane), count)].at(lane);
            }
        }
        Op::Exp => unary(dst, args[0], math::exp),
        Op::Logistic => unary(dst, args[0], math::logistic),
        Op::Softplus => unary(dst, args[0], math::softplus),
        Op::Neg => unary(dst, args[0], |a| -a),
        Op::Abs => unary(dst, args[0], f64::abs),
        Op::Sqrt => unary(dst, args[0], f64::sqrt),
        Op::Floor => unary(dst, args[0], f64::floor),
        Op::Ceil => unary(dst, args[0], f64::ceil),
        Op::Not => unary(dst, args[0], |a| from_bool(!truth(a))),
        _ => unary(dst, args[0], unary_fn(op)),
    }
}
