//! Parses expression text into an [`Expr`] tree.
//!
//! Precedence, loosest first: `if … then … else`, `or`, `and`, `not`,
//! comparisons (non-associative), `to` (non-associative), `+ -`, `* /`,
//! prefix `-`, `^` (right-associative), then calls, names, numbers,
//! parentheses, records and lists.

use crate::ast::{BinaryOp, Expr, ExprKind, Ident, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::lexer::{Token, TokenKind, tokenize};
use crate::span::{FileId, Span};

/// How deeply an expression's tree may nest (operators, calls, branches).
pub const MAX_DEPTH: usize = 64;
/// How deeply the text may nest (parentheses count too), which bounds the
/// parser's recursion. It leaves room for the parentheses the printer adds,
/// so that every accepted expression prints to text that parses again.
pub const MAX_SYNTAX_DEPTH: usize = 4 * MAX_DEPTH + 8;
/// The longest expression text accepted, in bytes.
pub const MAX_LENGTH: usize = 64 * 1024;

/// Parses `text`, which starts at byte `base` of file `file`.
pub fn parse_expr(text: &str, file: FileId, base: usize) -> Result<Expr, Diagnostic> {
    if text.len() > MAX_LENGTH {
        return Err(Diagnostic::error(format!(
            "expression is too long ({} bytes; the limit is {MAX_LENGTH})",
            text.len()
        ))
        .at(Span::new(file, base, base + 1)));
    }
    let tokens = tokenize(text, file, base)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    if parser.peek() == &TokenKind::Eof {
        return Err(Diagnostic::error("empty expression")
            .at(parser.current().span)
            .with_help("write a number, a distribution such as `5 to 50`, or a formula"));
    }
    let expr = parser.expr()?;
    if let Some(span) = deeper_than(&expr, MAX_DEPTH) {
        return Err(Diagnostic::error(format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"))
            .at(span)
            .with_help("split it into derived values"));
    }
    let token = parser.current();
    if token.kind != TokenKind::Eof {
        return Err(Diagnostic::error(format!("unexpected {} after the expression", token.kind.describe()))
            .at(token.span)
            .with_label("expected an operator or the end"));
    }
    Ok(expr)
}

/// The span of a node below `limit` levels of `expr`'s tree, if any.
fn deeper_than(expr: &Expr, limit: usize) -> Option<Span> {
    if limit == 0 {
        return Some(expr.span);
    }
    let below = limit - 1;
    match &expr.kind {
        ExprKind::Number(_) | ExprKind::Name(_) => None,
        ExprKind::Unary { operand, .. } => deeper_than(operand, below),
        ExprKind::Binary { lhs, rhs, .. } => deeper_than(lhs, below).or_else(|| deeper_than(rhs, below)),
        ExprKind::If { condition, then_branch, else_branch } => deeper_than(condition, below)
            .or_else(|| deeper_than(then_branch, below))
            .or_else(|| deeper_than(else_branch, below)),
        ExprKind::Call { args, .. } | ExprKind::List(args) => args.iter().find_map(|arg| deeper_than(arg, below)),
        ExprKind::Record(fields) => fields.iter().find_map(|(_, value)| deeper_than(value, below)),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

type ParseResult = Result<Expr, Diagnostic>;

impl Parser {
    fn current(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn peek(&self) -> &TokenKind {
        &self.tokens[self.pos].kind
    }

    fn advance(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> Result<Token, Diagnostic> {
        if *self.peek() == kind {
            Ok(self.advance())
        } else {
            let token = self.current();
            Err(Diagnostic::error(format!("expected {} {context}, found {}", kind.describe(), token.kind.describe()))
                .at(token.span))
        }
    }

    fn enter(&mut self) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_SYNTAX_DEPTH {
            return Err(Diagnostic::error(format!(
                "expression is nested too deeply (more than {MAX_SYNTAX_DEPTH} levels of parentheses and operators)"
            ))
            .at(self.current().span)
            .with_help("split it into derived values"));
        }
        Ok(())
    }

    fn expr(&mut self) -> ParseResult {
        self.enter()?;
        let result = if *self.peek() == TokenKind::If { self.if_expr() } else { self.binary(1) };
        self.depth -= 1;
        result
    }

    fn if_expr(&mut self) -> ParseResult {
        let start = self.advance().span;
        let condition = self.expr()?;
        self.expect(TokenKind::Then, "after the condition of `if`")?;
        let then_branch = self.expr()?;
        self.expect(TokenKind::Else, "in `if … then … else …` (an `if` needs an `else`)")?;
        let else_branch = self.expr()?;
        let span = start.to(else_branch.span);
        Ok(Expr {
            kind: ExprKind::If {
                condition: Box::new(condition),
                then_branch: Box::new(then_branch),
                else_branch: Box::new(else_branch),
            },
            span,
        })
    }

    fn binary_op(&self) -> Option<BinaryOp> {
        Some(match self.peek() {
            TokenKind::Or => BinaryOp::Or,
            TokenKind::And => BinaryOp::And,
            TokenKind::Lt => BinaryOp::Lt,
            TokenKind::Le => BinaryOp::Le,
            TokenKind::Gt => BinaryOp::Gt,
            TokenKind::Ge => BinaryOp::Ge,
            TokenKind::EqEq => BinaryOp::Eq,
            TokenKind::NotEq => BinaryOp::Ne,
            TokenKind::To => BinaryOp::To,
            TokenKind::Plus => BinaryOp::Add,
            TokenKind::Minus => BinaryOp::Sub,
            TokenKind::Star => BinaryOp::Mul,
            TokenKind::Slash => BinaryOp::Div,
            TokenKind::Caret => BinaryOp::Pow,
            _ => return None,
        })
    }

    /// Precedence climbing for binary operators binding at least `min`.
    fn binary(&mut self, min: u8) -> ParseResult {
        self.enter()?;
        let mut lhs = self.prefix()?;
        while let Some(op) = self.binary_op() {
            let precedence = op.precedence();
            if precedence < min {
                break;
            }
            let op_token = self.advance();
            let next_min = if op == BinaryOp::Pow { precedence } else { precedence + 1 };
            let rhs = if op == BinaryOp::Pow { self.power_rhs()? } else { self.binary(next_min)? };
            if matches!(precedence, 4 | 5) && self.binary_op().is_some_and(|next| next.precedence() == precedence) {
                let next = self.current();
                return Err(Diagnostic::error(format!(
                    "`{}` cannot be chained with `{}`",
                    op.symbol(),
                    self.binary_op().map_or("", BinaryOp::symbol)
                ))
                .at(op_token.span.to(next.span))
                .with_help("add parentheses to say which comes first"));
            }
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span };
        }
        self.depth -= 1;
        Ok(lhs)
    }

    /// The right operand of `^`: may itself start with a prefix `-`.
    fn power_rhs(&mut self) -> ParseResult {
        if *self.peek() == TokenKind::Minus {
            let start = self.advance().span;
            let operand = self.power_rhs()?;
            let span = start.to(operand.span);
            return Ok(Expr { kind: ExprKind::Unary { op: UnaryOp::Neg, operand: Box::new(operand) }, span });
        }
        self.binary(BinaryOp::Pow.precedence())
    }

    fn prefix(&mut self) -> ParseResult {
        match self.peek() {
            TokenKind::Minus => {
                let start = self.advance().span;
                let operand = self.binary(crate::ast::NEG_PRECEDENCE)?;
                let span = start.to(operand.span);
                Ok(Expr { kind: ExprKind::Unary { op: UnaryOp::Neg, operand: Box::new(operand) }, span })
            }
            TokenKind::Not => {
                let start = self.advance().span;
                let operand = self.binary(crate::ast::NOT_PRECEDENCE)?;
                let span = start.to(operand.span);
                Ok(Expr { kind: ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) }, span })
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> ParseResult {
        let token = self.advance();
        match token.kind {
            TokenKind::Number(value) => Ok(Expr { kind: ExprKind::Number(value), span: token.span }),
            TokenKind::Ident(name) => {
                if *self.peek() == TokenKind::LParen {
                    self.call(Ident { name, span: token.span })
                } else {
                    Ok(Expr { kind: ExprKind::Name(name), span: token.span })
                }
            }
            TokenKind::If => {
                self.pos -= 1;
                self.expr()
            }
            TokenKind::LParen => {
                let inner = self.expr()?;
                let close = self.expect(TokenKind::RParen, "to close `(`")?;
                Ok(Expr { kind: inner.kind, span: token.span.to(close.span) })
            }
            TokenKind::LBracket => {
                let (items, close) = self.sequence(TokenKind::RBracket, "list")?;
                Ok(Expr { kind: ExprKind::List(items), span: token.span.to(close) })
            }
            TokenKind::LBrace => self.record(token.span),
            other => Err(Diagnostic::error(format!("expected a value, found {}", other.describe()))
                .at(token.span)
                .with_label("a number, a name, a call or `(` was expected here")),
        }
    }

    fn call(&mut self, callee: Ident) -> ParseResult {
        self.advance();
        let (args, close) = self.sequence(TokenKind::RParen, "call")?;
        let span = callee.span.to(close);
        Ok(Expr { kind: ExprKind::Call { callee, args }, span })
    }

    /// Comma-separated expressions up to `close`; returns them and the closing span.
    fn sequence(&mut self, close: TokenKind, what: &str) -> Result<(Vec<Expr>, Span), Diagnostic> {
        let mut items = Vec::new();
        loop {
            if *self.peek() == close {
                return Ok((items, self.advance().span));
            }
            items.push(self.expr()?);
            if *self.peek() == TokenKind::Comma {
                self.advance();
                continue;
            }
            if *self.peek() != close {
                let token = self.current();
                return Err(Diagnostic::error(format!(
                    "expected `,` or {} in {what}, found {}",
                    close.describe(),
                    token.kind.describe()
                ))
                .at(token.span));
            }
        }
    }

    fn record(&mut self, open: Span) -> ParseResult {
        let mut fields = Vec::new();
        loop {
            if *self.peek() == TokenKind::RBrace {
                let close = self.advance().span;
                return Ok(Expr { kind: ExprKind::Record(fields), span: open.to(close) });
            }
            let key = self.advance();
            let TokenKind::Ident(name) = key.kind else {
                return Err(Diagnostic::error(format!("expected a field name, found {}", key.kind.describe()))
                    .at(key.span)
                    .with_help("records look like `{p5: 1, p95: 10}`"));
            };
            self.expect(TokenKind::Colon, "after a field name")?;
            let value = self.expr()?;
            fields.push((Ident { name, span: key.span }, value));
            match self.peek() {
                TokenKind::Comma => {
                    self.advance();
                }
                TokenKind::RBrace => {}
                _ => {
                    let token = self.current();
                    return Err(Diagnostic::error(format!(
                        "expected `,` or `}}` in record, found {}",
                        token.kind.describe()
                    ))
                    .at(token.span));
                }
            }
        }
    }
}
