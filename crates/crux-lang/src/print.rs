//! Prints expressions back as text that parses to the same tree.

use crate::ast::{BinaryOp, Expr, ExprKind, NEG_PRECEDENCE, NOT_PRECEDENCE, UnaryOp};
use std::fmt::Write;

/// The expression as source text, with only the parentheses it needs.
pub fn print_expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, 0);
    out
}

/// A number as the shortest literal that parses back to the same value.
pub fn format_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) { format!("{value:e}") } else { format!("{value}") }
}

/// Binding strength of an expression as printed (higher binds tighter).
fn strength(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::If { .. } => 0,
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::Unary { op: UnaryOp::Neg, .. } => NEG_PRECEDENCE,
        ExprKind::Unary { op: UnaryOp::Not, .. } => NOT_PRECEDENCE,
        ExprKind::Number(value) if value.is_sign_negative() => NEG_PRECEDENCE,
        _ => u8::MAX,
    }
}

fn write_expr(out: &mut String, expr: &Expr, min: u8) {
    let needs_parens = strength(expr) < min;
    if needs_parens {
        out.push('(');
    }
    match &expr.kind {
        ExprKind::Number(value) => out.push_str(&format_number(*value)),
        ExprKind::Name(name) => out.push_str(name),
        ExprKind::Unary { op, operand } => {
            let (text, precedence) = match op {
                UnaryOp::Neg => ("-", NEG_PRECEDENCE),
                UnaryOp::Not => ("not ", NOT_PRECEDENCE),
            };
            out.push_str(text);
            // `- -x` would lex fine, but a space keeps it readable.
            if matches!(operand.kind, ExprKind::Unary { op: UnaryOp::Neg, .. }) {
                out.push(' ');
            }
            write_expr(out, operand, precedence);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let precedence = op.precedence();
            let non_associative = matches!(precedence, 4 | 5);
            let (left_min, right_min) = if *op == BinaryOp::Pow {
                (precedence + 1, precedence)
            } else if non_associative {
                (precedence + 1, precedence + 1)
            } else {
                (precedence, precedence + 1)
            };
            write_expr(out, lhs, left_min);
            let _ = write!(out, " {} ", op.symbol());
            write_expr(out, rhs, right_min);
        }
        ExprKind::If { condition, then_branch, else_branch } => {
            out.push_str("if ");
            write_expr(out, condition, 0);
            out.push_str(" then ");
            write_expr(out, then_branch, 0);
            out.push_str(" else ");
            write_expr(out, else_branch, 0);
        }
        ExprKind::Call { callee, args } => {
            out.push_str(&callee.name);
            out.push('(');
            write_list(out, args);
            out.push(')');
        }
        ExprKind::Record(fields) => {
            out.push('{');
            for (index, (key, value)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", key.name);
                write_expr(out, value, 0);
            }
            out.push('}');
        }
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items);
            out.push(']');
        }
    }
    if needs_parens {
        out.push(')');
    }
}

fn write_list(out: &mut String, items: &[Expr]) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_expr(out, item, 0);
    }
}
