//! Renders diagnostics for the terminal: `file:line:col`, the source line and
//! a caret under the span (miette's graphical report, without colour when
//! the output is not a terminal).

use crux_lang::{Diagnostic, Severity, Sources};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};

/// Renders one diagnostic as text.
pub fn render(sources: &Sources, diagnostic: &Diagnostic, color: bool) -> String {
    let mut report = MietteDiagnostic::new(diagnostic.message.clone()).with_severity(match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    });
    if !diagnostic.help.is_empty() {
        report = report.with_help(diagnostic.help.join("\n"));
    }
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_context_lines(1);
    let mut out = String::new();
    let rendered = match diagnostic.span {
        Some(span) => {
            let file = sources.get(span.file);
            let start = span.start as usize;
            let length = span.len().max(1).min(file.text.len().saturating_sub(start).max(1));
            let label = LabeledSpan::new(diagnostic.label.clone(), start.min(file.text.len()), length);
            let report = Report::new(report.with_label(label))
                .with_source_code(NamedSource::new(file.name.clone(), file.text.to_string()).with_language("toml"));
            handler.render_report(&mut out, report.as_ref())
        }
        None => handler.render_report(&mut out, &report),
    };
    if rendered.is_err() {
        out = format!("{}: {}\n", if diagnostic.is_error() { "error" } else { "warning" }, diagnostic.message);
    }
    out
}

/// Writes warnings to stderr (for commands that succeed with warnings).
pub fn write_warnings(sources: &Sources, warnings: &[Diagnostic]) {
    use std::io::{IsTerminal, Write};
    let color = std::io::stderr().is_terminal();
    let mut stderr = std::io::stderr().lock();
    for warning in warnings {
        let _ = stderr.write_all(render(sources, warning, color).as_bytes());
    }
}
