//! Turns expression text into tokens.

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Number(f64),
    Ident(String),
    If,
    Then,
    Else,
    And,
    Or,
    Not,
    To,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    NotEq,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Eof,
}

impl TokenKind {
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Number(n) => format!("number `{n}`"),
            TokenKind::Ident(name) => format!("name `{name}`"),
            TokenKind::Eof => "end of expression".to_string(),
            other => format!("`{}`", other.text()),
        }
    }

    fn text(&self) -> &'static str {
        match self {
            TokenKind::If => "if",
            TokenKind::Then => "then",
            TokenKind::Else => "else",
            TokenKind::And => "and",
            TokenKind::Or => "or",
            TokenKind::Not => "not",
            TokenKind::To => "to",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::Slash => "/",
            TokenKind::Caret => "^",
            TokenKind::Lt => "<",
            TokenKind::Le => "<=",
            TokenKind::Gt => ">",
            TokenKind::Ge => ">=",
            TokenKind::EqEq => "==",
            TokenKind::NotEq => "!=",
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::Comma => ",",
            TokenKind::Colon => ":",
            TokenKind::Number(_) | TokenKind::Ident(_) | TokenKind::Eof => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Splits `text` (which starts at byte `base` of file `file`) into tokens,
/// ending with [`TokenKind::Eof`].
pub fn tokenize(text: &str, file: FileId, base: usize) -> Result<Vec<Token>, Diagnostic> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    let span = |start: usize, end: usize| Span::new(file, base + start, base + end);
    while pos < bytes.len() {
        let byte = bytes[pos];
        if byte.is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        // Comments run to the end of the line, as in Squiggle.
        if byte == b'/' && bytes.get(pos + 1) == Some(&b'/') {
            while pos < bytes.len() && bytes[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        let start = pos;
        if byte.is_ascii_digit() || (byte == b'.' && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit)) {
            pos = scan_number(bytes, pos);
            let literal: String = text[start..pos].chars().filter(|c| *c != '_').collect();
            let value: f64 = literal.parse().map_err(|_| {
                Diagnostic::error(format!("invalid number `{}`", &text[start..pos])).at(span(start, pos))
            })?;
            if !value.is_finite() {
                return Err(Diagnostic::error(format!("number `{}` is too large", &text[start..pos]))
                    .at(span(start, pos))
                    .with_help("the largest number is about 1.8e308"));
            }
            tokens.push(Token { kind: TokenKind::Number(value), span: span(start, pos) });
            continue;
        }
        if byte.is_ascii_alphabetic() || byte == b'_' {
            while pos < bytes.len() && (bytes[pos].is_ascii_alphanumeric() || bytes[pos] == b'_') {
                pos += 1;
            }
            let word = &text[start..pos];
            let kind = match word {
                "if" => TokenKind::If,
                "then" => TokenKind::Then,
                "else" => TokenKind::Else,
                "and" => TokenKind::And,
                "or" => TokenKind::Or,
                "not" => TokenKind::Not,
                "to" => TokenKind::To,
                _ => TokenKind::Ident(word.to_string()),
            };
            tokens.push(Token { kind, span: span(start, pos) });
            continue;
        }
        let two = bytes.get(pos + 1).copied();
        let (kind, len) = match (byte, two) {
            (b'<', Some(b'=')) => (TokenKind::Le, 2),
            (b'>', Some(b'=')) => (TokenKind::Ge, 2),
            (b'=', Some(b'=')) => (TokenKind::EqEq, 2),
            (b'!', Some(b'=')) => (TokenKind::NotEq, 2),
            (b'&', Some(b'&')) => (TokenKind::And, 2),
            (b'|', Some(b'|')) => (TokenKind::Or, 2),
            (b'+', _) => (TokenKind::Plus, 1),
            (b'-', _) => (TokenKind::Minus, 1),
            (b'*', _) => (TokenKind::Star, 1),
            (b'/', _) => (TokenKind::Slash, 1),
            (b'^', _) => (TokenKind::Caret, 1),
            (b'<', _) => (TokenKind::Lt, 1),
            (b'>', _) => (TokenKind::Gt, 1),
            (b'!', _) => (TokenKind::Not, 1),
            (b'(', _) => (TokenKind::LParen, 1),
            (b')', _) => (TokenKind::RParen, 1),
            (b'[', _) => (TokenKind::LBracket, 1),
            (b']', _) => (TokenKind::RBracket, 1),
            (b'{', _) => (TokenKind::LBrace, 1),
            (b'}', _) => (TokenKind::RBrace, 1),
            (b',', _) => (TokenKind::Comma, 1),
            (b':', _) => (TokenKind::Colon, 1),
            _ => {
                let ch = text[pos..].chars().next().unwrap_or('?');
                let mut diagnostic = Diagnostic::error(format!("unexpected character `{ch}`"))
                    .at(span(pos, pos + ch.len_utf8()))
                    .with_label("not part of the expression language");
                if ch == '=' {
                    diagnostic = diagnostic.with_help("use `==` to compare");
                }
                return Err(diagnostic);
            }
        };
        pos += len;
        tokens.push(Token { kind, span: span(start, pos) });
    }
    tokens.push(Token { kind: TokenKind::Eof, span: span(bytes.len(), bytes.len()) });
    Ok(tokens)
}

fn scan_number(bytes: &[u8], mut pos: usize) -> usize {
    let digits = |bytes: &[u8], mut pos: usize| {
        while pos < bytes.len() && (bytes[pos].is_ascii_digit() || bytes[pos] == b'_') {
            pos += 1;
        }
        pos
    };
    pos = digits(bytes, pos);
    if bytes.get(pos) == Some(&b'.') && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) {
        pos = digits(bytes, pos + 1);
    } else if bytes.get(pos) == Some(&b'.') && !bytes.get(pos + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
        pos += 1;
    }
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        let mut next = pos + 1;
        if matches!(bytes.get(next), Some(b'+' | b'-')) {
            next += 1;
        }
        if bytes.get(next).is_some_and(u8::is_ascii_digit) {
            pos = digits(bytes, next);
        }
    }
    pos
}
