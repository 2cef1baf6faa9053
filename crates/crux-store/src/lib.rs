//! The elicitation store: belief profiles that people submit, kept in SQLite.
//!
//! A profile is validated against its model before it is stored ([`validate`]:
//! parsed, applied, resolved and compiled), so the store holds only profiles
//! that run. Each write is one transaction: a crash in the middle of it leaves
//! the database as it was. The schema is versioned in code ([`MIGRATIONS`])
//! and upgraded when a database is opened.

use crux_engine::Engine;
use crux_lang::model::parse_model;
use crux_lang::profile::{Profile, parse_profile};
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostics, Sources};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

/// Schema migrations, applied in order; the database's `user_version` is the
/// number applied so far.
pub const MIGRATIONS: &[&str] = &["CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        respondent TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        model_id TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        profile_toml TEXT NOT NULL
    );
    CREATE INDEX profiles_by_model ON profiles (model_id, model_hash);"];

/// A failure of the store itself (not of a profile's content).
#[derive(Debug)]
pub struct StoreError {
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

fn store_error(path: &Path, action: &str, error: impl fmt::Display) -> StoreError {
    StoreError { message: format!("cannot {action} the store `{}`: {error}", path.display()) }
}

/// A model as submitted profiles refer to it: its text and where it came from.
#[derive(Debug, Clone)]
pub struct ModelSource {
    pub name: String,
    pub text: String,
}

impl ModelSource {
    /// The SHA-256 of the model text, in hex: which exact model a profile was checked against.
    pub fn hash(&self) -> String {
        Sha256::digest(self.text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// A profile that was checked against a model and runs. Only [`validate`] makes one.
#[derive(Debug, Clone)]
pub struct ValidatedProfile {
    pub profile: Profile,
    pub text: String,
    pub model_id: String,
    pub model_hash: String,
}

/// Checks that `profile_text` applies to `model` and that the result compiles.
/// The texts are added to `sources`, against which the diagnostics of a refusal are rendered.
pub fn validate(
    sources: &mut Sources,
    model: &ModelSource,
    profile_name: &str,
    profile_text: &str,
) -> Result<ValidatedProfile, Diagnostics> {
    let model_file = sources.add(model.name.clone(), model.text.as_str());
    let profile_file = sources.add(profile_name, profile_text);
    let mut parsed = parse_model(sources, model_file)?;
    let profile = parse_profile(sources, profile_file)?;
    profile.apply(&mut parsed)?;
    let model_id = parsed.header.id.clone();
    let resolved = resolve(parsed)?;
    Engine::new(&resolved)?;
    Ok(ValidatedProfile { profile, text: profile_text.to_string(), model_id, model_hash: model.hash() })
}

/// One stored profile.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProfile {
    pub id: i64,
    pub respondent: String,
    pub created_at: String,
    pub model_id: String,
    pub model_hash: String,
    pub name: String,
    pub profile_toml: String,
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    connection: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let connection = Connection::open(path).map_err(|error| store_error(path, "open", error))?;
        Store::prepare(connection, path)
    }

    /// Opens the store at `path` and runs `configure` on its connection first
    /// (for example to limit it to reading).
    pub fn open_with(
        path: &Path,
        configure: impl FnOnce(&Connection) -> rusqlite::Result<()>,
    ) -> Result<Store, StoreError> {
        let connection = Connection::open(path).map_err(|error| store_error(path, "open", error))?;
        configure(&connection).map_err(|error| store_error(path, "configure", error))?;
        Store::prepare(connection, path)
    }

    /// The number of database pages in use.
    pub fn page_count(&self) -> Result<i64, StoreError> {
        self.connection
            .pragma_query_value(None, "page_count", |row| row.get(0))
            .map_err(|error| store_error(&self.path, "read", error))
    }

    /// A store that lives in memory only (for tests and previews).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = Path::new(":memory:");
        let connection = Connection::open_in_memory().map_err(|error| store_error(path, "open", error))?;
        Store::prepare(connection, path)
    }

    fn prepare(connection: Connection, path: &Path) -> Result<Store, StoreError> {
        let configure = |connection: &Connection| -> rusqlite::Result<()> {
            connection.busy_timeout(std::time::Duration::from_secs(10))?;
            // Write-ahead logging with full syncs: a committed profile survives a crash.
            connection.pragma_update(None, "journal_mode", "WAL").or_else(|_| Ok::<(), rusqlite::Error>(()))?;
            connection.pragma_update(None, "synchronous", "FULL")?;
            Ok(())
        };
        configure(&connection).map_err(|error| store_error(path, "configure", error))?;
        let mut store = Store { connection, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    /// The schema version of this database (the number of migrations applied).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        self.connection
            .pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))
            .map(|version| version as usize)
            .map_err(|error| store_error(&self.path, "read", error))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version = self.schema_version()?;
        if version > MIGRATIONS.len() {
            return Err(StoreError {
                message: format!(
                    "the store `{}` has schema version {version}, newer than this Crux understands ({})",
                    self.path.display(),
                    MIGRATIONS.len()
                ),
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            let path = self.path.clone();
            let transaction = self.connection.transaction().map_err(|error| store_error(&path, "migrate", error))?;
            transaction.execute_batch(migration).map_err(|error| store_error(&path, "migrate", error))?;
            transaction
                .pragma_update(None, "user_version", (index + 1) as i64)
                .map_err(|error| store_error(&path, "migrate", error))?;
            transaction.commit().map_err(|error| store_error(&path, "migrate", error))?;
        }
        Ok(())
    }

    /// Stores a validated profile for `respondent`, in one transaction. Returns its id.
    pub fn add(&mut self, respondent: &str, profile: &ValidatedProfile) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let fail = |error: rusqlite::Error| store_error(&path, "write to", error);
        let transaction = self.connection.transaction().map_err(fail)?;
        transaction
            .execute(
                "INSERT INTO profiles (respondent, model_id, model_hash, name, profile_toml) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![respondent, profile.model_id, profile.model_hash, profile.profile.name, profile.text],
            )
            .map_err(fail)?;
        let id = transaction.last_insert_rowid();
        transaction.commit().map_err(fail)?;
        Ok(id)
    }

    /// Every stored profile, oldest first; only those for `model_id` if given.
    pub fn list(&self, model_id: Option<&str>) -> Result<Vec<StoredProfile>, StoreError> {
        let fail = |error: rusqlite::Error| store_error(&self.path, "read", error);
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, respondent, created_at, model_id, model_hash, name, profile_toml FROM profiles
                 WHERE ?1 IS NULL OR model_id = ?1 ORDER BY id",
            )
            .map_err(fail)?;
        let rows = statement
            .query_map(params![model_id], |row| {
                Ok(StoredProfile {
                    id: row.get(0)?,
                    respondent: row.get(1)?,
                    created_at: row.get(2)?,
                    model_id: row.get(3)?,
                    model_hash: row.get(4)?,
                    name: row.get(5)?,
                    profile_toml: row.get(6)?,
                })
            })
            .map_err(fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(fail)
    }

    /// One stored profile by id.
    pub fn get(&self, id: i64) -> Result<Option<StoredProfile>, StoreError> {
        Ok(self.list(None)?.into_iter().find(|profile| profile.id == id))
    }

    /// The number of stored profiles.
    pub fn count(&self) -> Result<usize, StoreError> {
        self.connection
            .query_row("SELECT count(*) FROM profiles", [], |row| row.get::<_, i64>(0))
            .optional()
            .map(|count| count.unwrap_or(0) as usize)
            .map_err(|error| store_error(&self.path, "read", error))
    }

    /// SQLite's own consistency check: "ok" for a sound database.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.connection
            .query_row("PRAGMA integrity_check", [], |row| row.get::<_, String>(0))
            .map_err(|error| store_error(&self.path, "check", error))
    }

    /// Writes every stored profile to `directory` as `<id>-<name>.toml`. Each
    /// file is written to a temporary name and renamed, so none is ever half-written.
    pub fn export(&self, directory: &Path) -> Result<Vec<PathBuf>, StoreError> {
        std::fs::create_dir_all(directory)
            .map_err(|error| store_error(directory, "create the export folder for", error))?;
        let mut written = Vec::new();
        for profile in self.list(None)? {
            let path = directory.join(format!("{}-{}.toml", profile.id, slug(&profile.name)));
            let temporary = directory.join(format!(".{}.toml.partial", profile.id));
            let header = format!(
                "# Exported from the Crux store: profile {} by {}, {}; model {} ({})\n",
                profile.id, profile.respondent, profile.created_at, profile.model_id, profile.model_hash
            );
            std::fs::write(&temporary, header + &profile.profile_toml)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(|error| store_error(&path, "export", error))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// A file-name-safe form of a profile name.
fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() { "profile".to_string() } else { slug.chars().take(60).collect() }
}
