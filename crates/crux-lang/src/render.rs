//! A diagnostic as text: the message, `file:line:col`, the source line with
//! one line of context on each side, a line under the span with its label,
//! and the help. A pure function of the diagnostic and its sources, so that
//! the language's tests pin exactly what the command line prints.
//!
//! ```text
//!   × unknown name `misuse_treshold`
//!     ╭─[unknown-name.toml:14:6]
//!  13 │ misuse_threshold = "normal(27, 0.9)"
//!  14 │ x = "misuse_treshold * 2"
//!     ·      ───────┬───────
//!     ·             ╰── not defined in this model
//!  15 │
//!     ╰────
//!   help: did you mean `misuse_threshold`?
//! ```
//!
//! A span that runs over several lines is underlined to the end of its first.

use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Sources;
use std::fmt::Write;

/// Renders one diagnostic as text (no colour), ending with a newline.
pub fn render(sources: &Sources, diagnostic: &Diagnostic) -> String {
    let mark = match diagnostic.severity {
        Severity::Error => '×',
        Severity::Warning => '⚠',
    };
    let mut out = wrap(&diagnostic.message, &format!("  {mark} "), "    ", WIDTH);
    if let Some(span) = diagnostic.span {
        let file = sources.get(span.file);
        let text: &str = &file.text;
        let start = floor_boundary(text, (span.start as usize).min(text.len()));
        let (line, col) = file.line_col(start);
        let lines: Vec<&str> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
        let first = line.saturating_sub(1).max(1);
        let last = (line + 1).min(lines.len());
        let width = last.to_string().len();
        let gutter = " ".repeat(width + 2);
        let _ = writeln!(out, "{gutter}╭─[{}:{line}:{col}]", file.name);
        let source_line = lines[line - 1];
        let before = source_line.chars().take(col - 1).count();
        let rest = source_line.chars().count().saturating_sub(before);
        let length = text[start..floor_boundary(text, (span.end as usize).min(text.len()).max(start))].chars().count();
        let length = length.min(rest).max(1);
        for number in first..=last {
            let _ = writeln!(out, " {number:>width$} │ {}", lines[number - 1]);
            if number == line {
                underline(&mut out, width, before, length, diagnostic.label.as_deref());
            }
        }
        let _ = writeln!(out, "{gutter}╰────");
    }
    for help in &diagnostic.help {
        out.push_str(&wrap(help, "  help: ", "        ", WIDTH));
    }
    out
}

/// The line under a span (`───┬───`) and, with a label, the line that names it.
fn underline(out: &mut String, width: usize, before: usize, length: usize, label: Option<&str>) {
    let margin = " ".repeat(width + 1);
    let indent = " ".repeat(before);
    match label {
        Some(label) => {
            let middle = length / 2;
            let marks: String = (0..length).map(|index| if index == middle { '┬' } else { '─' }).collect();
            let _ = writeln!(out, "{margin} · {indent}{marks}");
            let _ = writeln!(out, "{margin} · {indent}{}╰── {label}", " ".repeat(middle));
        }
        None => {
            let _ = writeln!(out, "{margin} · {indent}{}", "─".repeat(length));
        }
    }
}

/// The longest line of the message and the help, as the terminal shows them.
const WIDTH: usize = 99;

/// `text` in lines of at most `width` characters (a longer word stands
/// alone), the first after `first`, the others after `rest`; each line of
/// `text` starts a new line. Shared by every writer of terminal text.
pub fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    for (index, paragraph) in text.split('\n').enumerate() {
        let mut line = if index == 0 { first.to_string() } else { rest.to_string() };
        let mut empty = true;
        for word in paragraph.split_whitespace() {
            if !empty && line.chars().count() + 1 + word.chars().count() > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = rest.to_string();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
