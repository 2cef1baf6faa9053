//! `crux samples`: the per-sample values that `crux run` summarises, as CSV
//! or Parquet, to stdout or to a file (written under a temporary name and
//! renamed, so it is never left half-written).

use crate::Outcome;
use crate::input::{Failure, Override, model_text, parse_model_with, profile_text};
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostic, Sources};
use crux_samples::{At, Plan, SamplesError, write_csv, write_parquet};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(clap::Args)]
pub struct SamplesArgs {
    /// The model file (.toml); the built-in open-weights safety model if omitted.
    pub model: Option<PathBuf>,
    /// Number of Monte Carlo samples (the same samples as `crux run` with this seed).
    #[arg(long, short = 'n', default_value_t = 100_000)]
    pub samples: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The grid point nearest C (repeatable) [default: each sample's open frontier now for a model with
    /// `[context] open_now`, else every grid point].
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub at: Vec<f64>,
    /// Replace a param's value: NAME=EXPR (repeatable; applied after --profile).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub overrides: Vec<Override>,
    /// Apply a profile: a file, or a preset name (see `crux profiles`).
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SamplesFormat::Csv)]
    pub format: SamplesFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplesFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet (Snappy-compressed).
    Parquet,
}

pub fn samples(sources: &mut Sources, args: &SamplesArgs) -> Outcome {
    let text = model_text(args.model.as_deref())?;
    let profile = args.profile.as_deref().map(profile_text).transpose()?;
    let model = resolve(parse_model_with(sources, &text, profile.as_ref(), &args.overrides)?)?;
    let at = if args.at.is_empty() { At::Default } else { At::Values(args.at.clone()) };
    let plan = Plan::new(&model, &at)?;
    let rows = plan.rows(args.samples);
    let columns = plan.schema().fields().len();
    match &args.out {
        None => {
            if args.format == SamplesFormat::Parquet && std::io::stdout().is_terminal() {
                return Err(Diagnostic::error("Parquet is binary: it is not written to a terminal")
                    .with_help("write it to a file with `-o FILE`, or pipe it")
                    .into());
            }
            // A reader that stops early (`crux samples | head`) closes the
            // pipe: that ends the output quietly, as for any Unix filter.
            let closed = Arc::new(AtomicBool::new(false));
            let stdout = PipeWatch { inner: std::io::stdout(), closed: closed.clone() };
            match write(&plan, args, BufWriter::new(stdout)) {
                Err(_) if closed.load(Ordering::Relaxed) => Ok(String::new()),
                Err(error) => Err(failure(error, Path::new("stdout"))),
                Ok(()) => Ok(String::new()),
            }
        }
        Some(path) => {
            let file_name = path.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
            let temporary = path.with_file_name(format!(".{file_name}.partial"));
            let written = std::fs::File::create(&temporary)
                .map_err(|error| SamplesError::Output(error.to_string()))
                .and_then(|file| write(&plan, args, BufWriter::new(file)))
                .and_then(|()| {
                    std::fs::rename(&temporary, path).map_err(|error| SamplesError::Output(error.to_string()))
                });
            if let Err(error) = written {
                let _ = std::fs::remove_file(&temporary);
                return Err(failure(error, path));
            }
            Ok(format!(
                "{rows} rows of {columns} columns ({} samples, seed {}); wrote {}\n",
                args.samples,
                args.seed,
                path.display()
            ))
        }
    }
}

/// A writer that notes when its reader has gone (a broken pipe).
struct PipeWatch<W> {
    inner: W,
    closed: Arc<AtomicBool>,
}

impl<W: Write> PipeWatch<W> {
    fn watch<T>(&self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(error) = &result
            && error.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.closed.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.watch(result)
    }
}

/// Writes the samples to `out` in the chosen format, and flushes it.
fn write<W: Write + Send>(plan: &Plan, args: &SamplesArgs, out: W) -> Result<(), SamplesError> {
    let mut out = match args.format {
        SamplesFormat::Csv => write_csv(plan, args.samples, args.seed, out)?,
        SamplesFormat::Parquet => write_parquet(plan, args.samples, args.seed, out)?,
    };
    out.flush().map_err(|error| SamplesError::Output(error.to_string()))
}

fn failure(error: SamplesError, path: &Path) -> Failure {
    match error {
        SamplesError::Model(diagnostics) => Failure::input(diagnostics),
        SamplesError::Output(message) => Failure {
            diagnostics: vec![Diagnostic::error(format!("cannot write `{}`: {message}", path.display()))],
            exit_code: 1,
        },
    }
}
