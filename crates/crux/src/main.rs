//! `crux`: the command line. Glue only: it parses arguments, reads files,
//! calls the language, engine and analysis crates, and prints their results.

#![forbid(unsafe_code)]

mod commands;
mod diagnostics;
mod input;

use clap::{Parser, Subcommand, ValueEnum};
use crux_lang::Sources;
use input::{Failure, Override};
use std::io::Write;
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
    /// Run a model and answer its page (or summarise net across its axis).
    Run(RunArgs),
    /// The per-sample values `crux run` summarises, as CSV or Parquet.
    Samples(commands::samples::SamplesArgs),
    /// Check a model for errors without running it.
    Check {
        /// The model file (.toml); the built-in open-weights safety model if omitted.
        model: Option<PathBuf>,
    },
    /// Sobol indices of net per param and per crux: which inputs carry its uncertainty.
    Sensitivity(commands::sensitivity::SensitivityArgs),
    /// The value of information: what learning everything, or one crux, is worth before deciding.
    Voi(commands::voi::VoiArgs),
    /// Charts of the model as SVG and PNG files.
    Plot(commands::plot::PlotArgs),
    /// Turn a knowledge-base page into a model file that keeps everything it says.
    Import(commands::import::ImportArgs),
    /// Render a model's page as Markdown, with its numbers.
    Render(commands::render::RenderArgs),
    /// Export a model to another language (Squiggle).
    Export(commands::export::ExportArgs),
    /// Serve the model as an interactive web page, with a JSON API and a profile store.
    Serve(commands::serve::ServeArgs),
    /// Belief profiles: the presets (without an action), or the elicitation store.
    Profiles {
        #[command(subcommand)]
        action: Option<ProfilesAction>,
    },
    /// Compare views side by side and find the double crux of each pair.
    Compare {
        /// Profile files or preset names (see `crux profiles`), two or more.
        #[arg(required = true)]
        profiles: Vec<PathBuf>,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Pool a group's views into one, with where the group disagrees.
    Pool {
        /// Profile files or preset names.
        profiles: Vec<PathBuf>,
        /// Also pool every profile stored for the model in this store.
        #[arg(long)]
        db: Option<PathBuf>,
        /// One weight per profile (files first, then stored ones), comma-separated.
        #[arg(long, value_delimiter = ',')]
        weights: Option<Vec<f64>>,
        /// Linear: a mixture of the members' beliefs; geometric: pooled odds of each verdict.
        #[arg(long, value_enum, default_value_t = PoolMethod::Linear)]
        method: PoolMethod,
        #[command(flatten)]
        view: ViewArgs,
    },
}

#[derive(Subcommand)]
enum ProfilesAction {
    /// Validate profiles against the model and store them (all or none).
    Add {
        /// Profile files (.toml).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The model the profiles are for.
        #[arg(long)]
        model: PathBuf,
        /// The store: a SQLite file (created if missing) or a `postgres://` address.
        #[arg(long, default_value = "crux.db")]
        db: PathBuf,
        /// Who holds these views (default: each profile's author).
        #[arg(long)]
        respondent: Option<String>,
    },
    /// List the stored profiles.
    List {
        /// The store: a SQLite file or a `postgres://` address.
        #[arg(long, default_value = "crux.db")]
        db: PathBuf,
    },
    /// Write every stored profile to a folder as a .toml file.
    Export {
        /// The folder to write to (created if missing).
        directory: PathBuf,
        /// The store: a SQLite file or a `postgres://` address.
        #[arg(long, default_value = "crux.db")]
        db: PathBuf,
    },
}

/// Options shared by the commands that compute several views.
#[derive(clap::Args)]
struct ViewArgs {
    /// The model file; the built-in open-weights safety model if omitted.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Monte Carlo samples per view (the same seed for every view).
    #[arg(long, short = 'n', default_value_t = 20_000)]
    samples: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = ViewFormat::Md)]
    format: ViewFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ViewFormat {
    Md,
    Json,
    Text,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PoolMethod {
    Linear,
    Geometric,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The model file (.toml); the built-in open-weights safety model if omitted.
    model: Option<PathBuf>,
    /// Number of Monte Carlo samples.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    samples: usize,
    /// Random seed: the same seed gives the same output on any machine and thread count.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace a param's value: NAME=EXPR (repeatable; applied after --profile).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    overrides: Vec<Override>,
    /// Apply a profile: a file, or a preset name (see `crux profiles`).
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Output format [default: md for a model with a page, else text].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Leave out each crux's share of the uncertainty now and the value of resolving it.
    #[arg(long)]
    no_sensitivity: bool,
    /// Leave out how robust the answer is to each judgement-only param (about
    /// two grid runs per such param).
    #[arg(long)]
    no_robustness: bool,
    /// Also write the charts of `crux plot` to DIR and link them from the Markdown report.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The model's page as Markdown, with the numbers filled in.
    Md,
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut sources = Sources::new();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(&mut sources, &args),
        Command::Samples(args) => commands::samples::samples(&mut sources, &args),
        Command::Serve(args) => commands::serve::serve(&mut sources, &args),
        Command::Check { model } => commands::check::check(&mut sources, model.as_deref()),
        Command::Compare { profiles, view } => commands::compare::compare(
            &mut sources,
            &commands::compare::CompareArgs {
                profiles: &profiles,
                model: view.model.as_deref(),
                samples: view.samples,
                seed: view.seed,
                format: view.format,
            },
        ),
        Command::Pool { profiles, db, weights, method, view } => commands::compare::pool(
            &mut sources,
            &commands::compare::PoolArgs {
                profiles: &profiles,
                db: db.as_deref(),
                weights: weights.as_deref(),
                method: match method {
                    PoolMethod::Linear => crux_worldview::group::Method::Linear,
                    PoolMethod::Geometric => crux_worldview::group::Method::Geometric,
                },
                model: view.model.as_deref(),
                samples: view.samples,
                seed: view.seed,
                format: view.format,
            },
        ),
        Command::Import(args) => commands::import::import(&mut sources, &args),
        Command::Render(args) => commands::render::render(&mut sources, &args),
        Command::Export(args) => commands::export::export(&mut sources, &args),
        Command::Profiles { action: None } => commands::profiles::presets(),
        Command::Profiles { action: Some(action) } => match action {
            ProfilesAction::Add { files, model, db, respondent } => commands::profiles::model_source(&model)
                .and_then(|model| commands::profiles::add(&mut sources, &model, &files, &db, respondent.as_deref())),
            ProfilesAction::List { db } => commands::profiles::list(&db),
            ProfilesAction::Export { directory, db } => commands::profiles::export(&db, &directory),
        },
        Command::Sensitivity(args) => commands::sensitivity::sensitivity(&mut sources, &args),
        Command::Voi(args) => commands::voi::voi(&mut sources, &args),
        Command::Plot(args) => commands::plot::plot(&mut sources, &args),
    };
    match result {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                // A reader that stopped early (`crux run | head`) ends the output quietly.
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
                _ => ExitCode::SUCCESS,
            }
        }
        Err(failure) => {
            let mut stderr = std::io::stderr().lock();
            for (index, diagnostic) in failure.diagnostics.iter().enumerate() {
                if index > 0 {
                    let _ = stderr.write_all(b"\n");
                }
                let _ = stderr.write_all(diagnostics::render(&sources, diagnostic).as_bytes());
            }
            ExitCode::from(failure.exit_code)
        }
    }
}

/// Writes a line to stdout at once (for output that must appear as work
/// progresses); a closed stdout is ignored, as for the final output.
fn emit(stdout: &mut impl Write, text: &str) {
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// What the commands return: the text for stdout, or a failure to report.
type Outcome = Result<String, Failure>;
