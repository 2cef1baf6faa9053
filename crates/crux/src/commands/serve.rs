//! `crux serve`: the web app on a model (see the `crux-server` crate): its
//! flags, the token (from `CRUX_TOKEN` or `--token-file`, or generated and
//! printed when the server is reachable from other machines), and the logs.

use crate::Outcome;
use crate::input::{Failure, load_model, model_text, read_text};
use crux_engine::Engine;
use crux_lang::{Diagnostic, Sources};
use crux_server::auth::{check_token, generate_token, parse_users};
use crux_server::{Access, Config, ConnectionLimits, Limits, Location, Quotas};
use crux_store::ModelSource;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct ServeArgs {
    /// The model file (.toml); the built-in open-weights safety model if omitted.
    model: Option<PathBuf>,
    /// Address to listen on. The default serves this machine only. Any other
    /// address (such as 0.0.0.0:8080) lets every machine that can reach it use
    /// the server: a token is then required, and one is generated and printed
    /// if none is given (see below).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The profile store: a SQLite file (created if missing) or a PostgreSQL
    /// database (`postgres://user@host/database`, shared by several replicas).
    #[arg(long, default_value = "crux.db")]
    db: String,
    /// A file holding the team token (its first line). The environment
    /// variable CRUX_TOKEN does the same; a token is never given on the command line.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// A TOML file of per-person tokens (`[users.NAME]` with `token_sha256 =
    /// "..."`, the SHA-256 of their token in hex): each profile then records
    /// who stored it, and only they may edit or delete it.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// A host name the server answers to, besides localhost, this machine's
    /// name and IP addresses (repeat for more; needed behind a reverse proxy).
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// The most Monte Carlo samples one request may ask for.
    #[arg(long, default_value_t = 1_000_000)]
    max_samples: usize,
    /// Seconds one computation may run before it is stopped.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// Computations running at once (default: one per core); more requests wait briefly, then get 503.
    #[arg(long)]
    concurrent: Option<usize>,
    /// Memory the computations running at once may use, in MiB (default: a
    /// quarter of this machine's memory, at least 512); a computation that would
    /// pass it waits, then gets 503, and one larger than it is refused.
    #[arg(long, value_name = "MIB")]
    memory_budget: Option<usize>,
    /// The most client connections open at once (default and limit: the
    /// process's file limit less 64); at the cap the oldest idle one is closed.
    #[arg(long)]
    max_connections: Option<usize>,
    /// Seconds a client may take to send a request's header, and a kept-alive connection may stay idle.
    #[arg(long, default_value_t = 5)]
    header_timeout: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, default_value_t = 10)]
    body_timeout: u64,
    /// The most profiles one author (or respondent name) may store.
    #[arg(long, default_value_t = 200)]
    quota_per_author: usize,
    /// The most profiles the store may hold.
    #[arg(long, default_value_t = 10_000)]
    quota_total: usize,
    /// Logs as JSON lines instead of text (on standard error; CRUX_LOG sets the level, such as `debug`).
    #[arg(long)]
    log_json: bool,
}

const AFTER_HELP: &str = "\
Binding to an address other than 127.0.0.1 or ::1 (such as 0.0.0.0:8080) makes
the server reachable by every machine that can reach this one, so it then
requires a token: set CRUX_TOKEN or --token-file (or --users); without one a
random token is generated and the login address printed. Programs send it as
`Authorization: Bearer TOKEN`; a browser opens the login address once and keeps
an HttpOnly cookie. Serve a team through a reverse proxy with TLS (the token
travels in every request), and name the proxy's host with --allowed-host.";

/// Whether `addr` can be reached only from this machine.
fn loopback_only(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The team token: from `CRUX_TOKEN` or `--token-file` (not both).
fn configured_token(args: &ServeArgs) -> Result<Option<String>, Failure> {
    let from_env = std::env::var("CRUX_TOKEN").ok().filter(|token| !token.trim().is_empty());
    let from_file = match &args.token_file {
        Some(path) => {
            let text = read_text(path)?;
            let token = text.lines().next().unwrap_or("").trim().to_string();
            if token.is_empty() {
                return Err(input_error(format!("{}: the token file is empty", path.display())));
            }
            Some(token)
        }
        None => None,
    };
    let token = match (from_env, from_file) {
        (Some(_), Some(_)) => {
            return Err(input_error("both CRUX_TOKEN and --token-file give a token; give one".to_string()));
        }
        (Some(token), None) => Some(token.trim().to_string()),
        (None, token) => token,
    };
    if let Some(token) = &token {
        check_token(token).map_err(input_error)?;
    }
    Ok(token)
}

fn input_error(message: String) -> Failure {
    Failure::input(vec![Diagnostic::error(message)])
}

pub fn serve(sources: &mut Sources, args: &ServeArgs) -> Outcome {
    let model = model_text(args.model.as_deref())?;
    let (name, text) = (model.name, model.text);
    // Problems in the model are reported exactly as `crux run` reports them.
    let model = load_model(sources, &name, &text, &[])?;
    Engine::new(&model)?;
    if args.max_samples < 2
        || args.timeout == 0
        || args.concurrent == Some(0)
        || args.header_timeout == 0
        || args.body_timeout == 0
        || args.max_connections == Some(0)
        || args.memory_budget == Some(0)
    {
        return Err(input_error(
            "--max-samples must be at least 2, and --timeout, --concurrent, --header-timeout, --body-timeout, --max-connections and --memory-budget at least 1"
                .to_string(),
        ));
    }
    let mut limits = Limits {
        max_samples: args.max_samples,
        timeout: Duration::from_secs(args.timeout),
        quotas: Quotas { per_author: Some(args.quota_per_author), total: Some(args.quota_total) },
        ..Limits::default()
    };
    limits.default_samples = limits.default_samples.min(args.max_samples);
    if let Some(concurrent) = args.concurrent {
        limits.concurrent = concurrent;
    }
    if let Some(budget) = args.memory_budget {
        limits.memory_budget = budget.saturating_mul(1 << 20);
    }
    let mut connections = ConnectionLimits {
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        ..ConnectionLimits::default()
    };
    if let Some(most) = args.max_connections {
        connections.max_connections = most.min(connections.max_connections);
    }
    let users = match &args.users {
        Some(path) => {
            parse_users(&read_text(path)?).map_err(|why| input_error(format!("{}: {why}", path.display())))?
        }
        None => Vec::new(),
    };
    let mut token = configured_token(args)?;
    let mut generated = false;
    if token.is_none() && users.is_empty() && !loopback_only(&args.addr) {
        token = Some(generate_token());
        generated = true;
    }
    let access = Access::new(token.as_deref(), users);
    init_logs(args.log_json);
    let location = Location::parse(&args.db);
    let config = Config {
        model: ModelSource { name: name.clone(), text },
        db: Some(location.clone()),
        limits,
        access: access.clone(),
        allowed_hosts: args.allowed_hosts.clone(),
        connections,
    };
    let failure = |message: String| Failure { diagnostics: vec![Diagnostic::error(message)], exit_code: 1 };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|error| failure(format!("cannot start the server: {error}")))?;
    let db = location.display();
    let ready = move |addr: SocketAddr| {
        let mut err = std::io::stderr().lock();
        let shown = if addr.ip().is_unspecified() { format!("localhost:{}", addr.port()) } else { addr.to_string() };
        let _ = writeln!(err, "Crux serves {name} at http://{shown}/ (profiles in {db}); Ctrl-C stops it.");
        match (&token, generated) {
            (Some(token), true) => {
                let _ = writeln!(
                    err,
                    "It is reachable from other machines, so it needs a token. Open this address once to sign in:\n    http://{shown}/?token={token}\nPrograms send `Authorization: Bearer {token}`. Set CRUX_TOKEN or --token-file to choose the token."
                );
            }
            _ if access.required() => {
                let _ = writeln!(
                    err,
                    "Every request needs a token (the one configured); browsers sign in once with /?token=TOKEN."
                );
            }
            _ => {}
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    runtime.block_on(crux_server::serve(config, args.addr, ready, shutdown)).map_err(|error| failure(error.message))?;
    Ok(String::new())
}

/// Structured logs on standard error: text, or JSON lines; the level from `CRUX_LOG` (default `info`).
fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CRUX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
