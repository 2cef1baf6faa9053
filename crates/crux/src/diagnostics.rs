//! Prints diagnostics to the terminal, as crux-lang renders them
//! (`file:line:col`, the source line and a line under the span).

use crux_lang::{Diagnostic, Sources};

/// Renders one diagnostic as text.
pub fn render(sources: &Sources, diagnostic: &Diagnostic) -> String {
    crux_lang::render::render(sources, diagnostic)
}

/// Writes warnings to stderr (for commands that succeed with warnings).
pub fn write_warnings(sources: &Sources, warnings: &[Diagnostic]) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    for warning in warnings {
        let _ = stderr.write_all(render(sources, warning).as_bytes());
    }
}
