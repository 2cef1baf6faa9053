//! One module per subcommand.

pub mod check;
pub mod compare;
pub mod export;
pub mod import;
pub mod plot;
pub mod profiles;
pub mod render;
pub mod run;
pub mod samples;
pub mod sensitivity;
pub mod serve;
mod target;
pub mod voi;

use crate::Outcome;
use crate::input::Failure;
use crux_lang::Diagnostic;
use std::path::Path;

/// The text for stdout, or (with `-o PATH`) the text written to `PATH` and
/// `summary` for stdout. The file is written under a temporary name and
/// renamed, so it is never left half-written.
pub fn write_output(path: Option<&Path>, text: String, summary: &str) -> Outcome {
    let Some(path) = path else { return Ok(text) };
    let file_name = path.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.partial"));
    std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path)).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        Failure::input(vec![Diagnostic::error(format!("cannot write `{}`: {error}", path.display()))])
    })?;
    Ok(format!("{summary}; wrote {}\n", path.display()))
}
