//! `crux serve`: the web app on a model (see the `crux-server` crate).

use crate::Outcome;
use crate::input::{Failure, load_model, model_text};
use crux_engine::Engine;
use crux_lang::{Diagnostic, Sources};
use crux_server::{Config, Limits};
use crux_store::ModelSource;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The model file (.toml); the built-in open-weights safety model if omitted.
    model: Option<PathBuf>,
    /// Address to listen on. The default serves this machine only; give
    /// 0.0.0.0:8080 to serve a network.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The profile store (SQLite), created if missing.
    #[arg(long, default_value = "crux.db")]
    db: PathBuf,
    /// The most Monte Carlo samples one request may ask for.
    #[arg(long, default_value_t = 1_000_000)]
    max_samples: usize,
    /// Seconds one computation may run before it is stopped.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// Computations running at once (default: one per core); more requests wait briefly, then get 503.
    #[arg(long)]
    concurrent: Option<usize>,
}

pub fn serve(sources: &mut Sources, args: &ServeArgs) -> Outcome {
    let model = model_text(args.model.as_deref())?;
    let (name, text) = (model.name, model.text);
    // Problems in the model are reported exactly as `crux run` reports them.
    let model = load_model(sources, &name, &text, &[])?;
    Engine::new(&model)?;
    if args.max_samples < 2 || args.timeout == 0 || args.concurrent == Some(0) {
        return Err(Failure::input(vec![Diagnostic::error(
            "--max-samples must be at least 2, and --timeout and --concurrent at least 1",
        )]));
    }
    let mut limits =
        Limits { max_samples: args.max_samples, timeout: Duration::from_secs(args.timeout), ..Limits::default() };
    limits.default_samples = limits.default_samples.min(args.max_samples);
    if let Some(concurrent) = args.concurrent {
        limits.concurrent = concurrent;
    }
    let config = Config { model: ModelSource { name: name.clone(), text }, db: Some(args.db.clone()), limits };
    let failure = |message: String| Failure { diagnostics: vec![Diagnostic::error(message)], exit_code: 1 };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|error| failure(format!("cannot start the server: {error}")))?;
    let db = args.db.display().to_string();
    let ready = move |addr: SocketAddr| {
        let _ =
            writeln!(std::io::stderr(), "Crux serves {name} at http://{addr}/ (profiles in {db}); Ctrl-C stops it.");
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    runtime.block_on(crux_server::serve(config, args.addr, ready, shutdown)).map_err(|error| failure(error.message))?;
    Ok(String::new())
}
