//! A private PostgreSQL server for tests: a cluster made with `initdb` in a
//! temporary folder, started with `pg_ctl` on a free loopback port, and
//! stopped (and its folder removed) when the [`Cluster`] is dropped.
//!
//! PostgreSQL refuses to run as root: as root, the cluster belongs to the
//! `postgres` user (made by Debian's package) and its programs run through
//! `runuser`. `CRUX_TEST_POSTGRES_URL` names a server to use instead (a
//! database is created in it per test). When no server can be started the
//! tests that need one skip, saying why, unless `CRUX_REQUIRE_POSTGRES` is
//! set (as `.ci/run` does), when they fail.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running PostgreSQL server that tests may create databases in.
#[derive(Debug)]
pub struct Cluster {
    /// The connection string of its `postgres` database, without a database name's path.
    base: String,
    /// The cluster's folder and how to run its programs, when this process started it.
    owned: Option<Owned>,
}

#[derive(Debug)]
struct Owned {
    directory: PathBuf,
    bin: PathBuf,
    run_as: Option<String>,
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

impl Cluster {
    /// A server to test against: the one `CRUX_TEST_POSTGRES_URL` names, or a
    /// private one started now. `Err` says why there is none.
    pub fn start() -> Result<Cluster, String> {
        if let Ok(url) = std::env::var("CRUX_TEST_POSTGRES_URL") {
            let base = url.rsplit_once('/').map_or(url.clone(), |(base, _)| base.to_string());
            return Ok(Cluster { base, owned: None });
        }
        let bin = find_bin().ok_or("no PostgreSQL server programs (initdb, pg_ctl) were found")?;
        let root = is_root();
        let run_as = if root {
            let known = Command::new("id").arg("-u").arg("postgres").output().is_ok_and(|out| out.status.success());
            if !known {
                return Err("running as root, and there is no `postgres` user to run PostgreSQL as".to_string());
            }
            Some("postgres".to_string())
        } else {
            None
        };
        let directory = std::env::temp_dir().join(format!(
            "crux-pg-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&directory).map_err(|e| format!("cannot make {}: {e}", directory.display()))?;
        let owned = Owned { directory: directory.clone(), bin, run_as };
        if let Some(user) = &owned.run_as {
            let status = Command::new("chown").arg("-R").arg(format!("{user}:")).arg(&directory).status();
            if !status.is_ok_and(|status| status.success()) {
                return Err(format!("cannot give {} to {user}", directory.display()));
            }
        }
        let port = free_port()?;
        let cluster = Cluster { base: format!("postgres://postgres@127.0.0.1:{port}"), owned: Some(owned) };
        let owned = cluster.owned.as_ref().expect("owned");
        let data = directory.join("data");
        owned.run(
            "initdb",
            &["-D", path(&data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"],
        )?;
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", path(&directory));
        let log = directory.join("server.log");
        owned.run("pg_ctl", &["-D", path(&data), "-o", &options, "-l", path(&log), "-w", "-t", "60", "start"])?;
        Ok(cluster)
    }

    /// A fresh, empty database; its connection string.
    pub fn database(&self) -> String {
        let name = format!("crux_test_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&format!("{}/postgres", self.base), postgres::NoTls)
            .expect("the test server accepts connections");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("a test database is created");
        format!("{}/{name}", self.base)
    }

    /// Runs `statements` in the database at `url` (for setting up a case).
    pub fn execute(&self, url: &str, statements: &str) {
        let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connects");
        client.batch_execute(statements).expect("the statements run");
    }
}

impl Owned {
    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.arg("-u").arg(user).arg("--").arg(&program);
                command
            }
            None => Command::new(&program),
        };
        let output = command
            .args(args)
            .current_dir(&self.directory)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed: {}{}",
                program.display(),
                String::from_utf8_lossy(&output.stderr).trim(),
                std::fs::read_to_string(self.directory.join("server.log")).unwrap_or_default()
            ))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(owned) = &self.owned {
            let data = owned.directory.join("data");
            let _ = owned.run("pg_ctl", &["-D", path(&data), "-m", "immediate", "-w", "stop"]);
            let _ = std::fs::remove_dir_all(&owned.directory);
        }
    }
}

/// A server, or `None` after printing why the test skips (a panic when
/// `CRUX_REQUIRE_POSTGRES` is set).
#[allow(clippy::print_stderr)]
pub fn cluster_or_skip(test: &str) -> Option<Cluster> {
    match Cluster::start() {
        Ok(cluster) => Some(cluster),
        Err(reason) if std::env::var_os("CRUX_REQUIRE_POSTGRES").is_some() => {
            panic!("{test}: CRUX_REQUIRE_POSTGRES is set, but no PostgreSQL server could be started: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped {test}: no PostgreSQL server could be started: {reason}");
            None
        }
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Whether this process runs as root (PostgreSQL will not).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The folder of `initdb` and `pg_ctl`: on the `PATH`, or Debian's newest `/usr/lib/postgresql/N/bin`.
fn find_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    if on_path.is_some() {
        return on_path;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|e| e.to_string())
}
