//! `crux`: the command line. Glue only: it parses arguments, reads files,
//! calls the language, engine and analysis crates, and prints their results.

mod commands;
mod diagnostics;
mod input;
mod output;

use clap::{Parser, Subcommand, ValueEnum};
use crux_lang::Sources;
use input::{Failure, Override};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "crux",
    version,
    about = "Probabilistic models of strategic questions: run, question and compare them."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a model and summarise net effect across its axis.
    Run(RunArgs),
    /// Check a model for errors without running it.
    Check {
        /// The model file (.toml).
        model: PathBuf,
    },
    /// Serve the model as an interactive web page, with a JSON API and a profile store.
    Serve(commands::serve::ServeArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The model file (.toml).
    model: PathBuf,
    /// Number of Monte Carlo samples.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    samples: usize,
    /// Random seed: the same seed gives the same output on any machine and thread count.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace a param's value: NAME=EXPR (repeatable).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    overrides: Vec<Override>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut sources = Sources::new();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(&mut sources, &args),
        Command::Check { model } => commands::check::check(&mut sources, &model),
        Command::Serve(args) => commands::serve::serve(&mut sources, &args),
    };
    match result {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            let color = std::io::stderr().is_terminal();
            let mut stderr = std::io::stderr().lock();
            for (index, diagnostic) in failure.diagnostics.iter().enumerate() {
                if index > 0 {
                    let _ = stderr.write_all(b"\n");
                }
                let _ = stderr.write_all(diagnostics::render(&sources, diagnostic, color).as_bytes());
            }
            ExitCode::from(failure.exit_code)
        }
    }
}

/// What the commands return: the text for stdout, or a failure to report.
type Outcome = Result<String, Failure>;
