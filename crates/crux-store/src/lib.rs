//! The elicitation store: belief profiles that people submit, kept in SQLite
//! (embedded, the default) or in PostgreSQL (one database shared by several
//! server replicas).
//!
//! A profile is validated against its model before it is stored ([`validate`]:
//! parsed, applied, resolved and compiled), so the store holds only profiles
//! that ran when they were stored. Each write is one transaction: a crash in
//! the middle of it leaves the database as it was. Each backend's schema is
//! versioned in code ([`MIGRATIONS`] for SQLite, [`POSTGRES_MIGRATIONS`]) and
//! upgraded when a database is opened.
//!
//! Beyond adding and listing, a store can be managed: a profile is edited or
//! deleted by its author (or by anyone, for a profile stored without one),
//! read page by page, bounded by quotas per author and in total, and written
//! at most once per idempotency key. A store that cannot be written (a file
//! or a database that is read-only) is detected when it is opened
//! ([`Store::read_only`]) and refuses writes with [`ErrorKind::ReadOnly`].

#![forbid(unsafe_code)]

mod postgres;
mod sqlite;

pub use postgres::POSTGRES_MIGRATIONS;
pub use sqlite::MIGRATIONS;

use crux_engine::Engine;
use crux_lang::model::parse_model;
use crux_lang::profile::{Profile, parse_profile};
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostics, Sources};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What kind of failure a [`StoreError`] is, so that a front end can answer
/// each one as it should (and never show a client the store's location).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The store cannot be reached, read or written for a reason of its own
    /// (a missing file, a full disk, a lost connection, a newer schema).
    Unavailable,
    /// The store is read-only: it answers reads, and refuses every write.
    ReadOnly,
    /// A quota is reached: the author's or the store's.
    Quota,
    /// No profile has that id.
    NotFound,
    /// The profile has an author, and it is someone else.
    NotAuthor,
    /// The idempotency key was used before for a different request.
    IdempotencyConflict,
}

/// A failure of the store itself (not of a profile's content).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub kind: ErrorKind,
    /// What failed, for the person running the store: it may name the
    /// database's path or address, so a server logs it and shows clients
    /// [`StoreError::public_message`] instead.
    pub message: String,
}

impl StoreError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> StoreError {
        StoreError { kind, message: message.into() }
    }

    /// What a client of a server may be told: the message for the kinds a
    /// client can act on, a plain sentence without paths for the others.
    pub fn public_message(&self) -> String {
        match self.kind {
            ErrorKind::Unavailable => "the profile store is unavailable; the server's log says why".to_string(),
            ErrorKind::ReadOnly => {
                "the profile store is read-only: profiles can be read but not saved, edited or deleted".to_string()
            }
            _ => self.message.clone(),
        }
    }
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
        sha256_hex(self.text.as_bytes())
    }
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
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
    /// Who holds the beliefs, as the writer named them.
    pub respondent: String,
    /// Who stored it, when the server knows (per-person tokens): only they may edit or delete it.
    pub author: Option<String>,
    pub created_at: String,
    /// When it was last edited, if ever.
    pub updated_at: Option<String>,
    pub model_id: String,
    pub model_hash: String,
    pub name: String,
    pub profile_toml: String,
}

/// A profile to store, and who stores it.
#[derive(Debug, Clone, Copy)]
pub struct NewProfile<'a> {
    pub respondent: &'a str,
    /// The authenticated writer, when the server knows who it is.
    pub author: Option<&'a str>,
    pub profile: &'a ValidatedProfile,
    /// A key the client chose for this write, and a hash of what it asked
    /// for: a second write with the same key stores nothing and answers with
    /// the first one's profile (or fails when it asked for something else).
    pub idempotency: Option<(&'a str, &'a str)>,
}

/// How many profiles may be stored (`None`: no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quotas {
    /// Profiles of one author (or, without authors, of one respondent name).
    pub per_author: Option<usize>,
    /// Profiles in the whole store.
    pub total: Option<usize>,
}

/// What [`Store::insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// A new profile, with its id.
    Created(i64),
    /// The idempotency key was used before for the same request: nothing new
    /// was stored, and this is the id the first write got.
    Replayed(i64),
}

impl Inserted {
    pub fn id(self) -> i64 {
        match self {
            Inserted::Created(id) | Inserted::Replayed(id) => id,
        }
    }
}

/// Where a store lives: a SQLite file or a PostgreSQL connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://...` or `postgresql://...` is a PostgreSQL database; anything else a SQLite file.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::Sqlite(PathBuf::from(text))
        }
    }

    /// The location for messages: a path, or a PostgreSQL address without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => postgres::redacted(url),
        }
    }
}

#[derive(Debug)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
    read_only: bool,
}

impl Store {
    /// Opens (creating if needed) the SQLite store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::from_sqlite(sqlite::Sqlite::open(path, |_| Ok(()))?)
    }

    /// Opens the store at `location`: a SQLite file, or a PostgreSQL database.
    pub fn open_location(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open(path),
            Location::Postgres(url) => Store::connect(url),
        }
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/database`)
    /// and brings its schema up to date.
    ///
    /// The PostgreSQL client blocks on a runtime of its own, so this (like
    /// every other call on the store) must not run on an async runtime's
    /// worker thread; it connects on a thread of its own, so that a server
    /// may open its store while it starts.
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut backend = postgres::Postgres::connect(url)?;
                    let read_only = backend.read_only()?;
                    Ok(Store { backend: Backend::Postgres(backend), read_only })
                })
                .join()
                .unwrap_or_else(|_| {
                    Err(StoreError::new(ErrorKind::Unavailable, "the connection to the store failed unexpectedly"))
                })
        })
    }

    /// Opens the SQLite store at `path` and runs `configure` on its connection
    /// first (for example to limit it to reading).
    pub fn open_with(
        path: &Path,
        configure: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<()>,
    ) -> Result<Store, StoreError> {
        Store::from_sqlite(sqlite::Sqlite::open(path, configure)?)
    }

    /// A SQLite store that lives in memory only (for tests and previews).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::from_sqlite(sqlite::Sqlite::open_in_memory()?)
    }

    fn from_sqlite(backend: sqlite::Sqlite) -> Result<Store, StoreError> {
        let read_only = backend.read_only();
        Ok(Store { backend: Backend::Sqlite(backend), read_only })
    }

    /// Whether the store was found read-only when it was opened: every write will be refused.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Which backend this is: `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The number of database pages in use (SQLite only; 0 for PostgreSQL).
    pub fn page_count(&self) -> Result<i64, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => store.page_count(),
            Backend::Postgres(_) => Ok(0),
        }
    }

    /// The schema version of this database (the number of migrations applied).
    pub fn schema_version(&mut self) -> Result<usize, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.schema_version(),
            Backend::Postgres(store) => store.schema_version(),
        }
    }

    /// The number of migrations this backend's newest schema has.
    pub fn latest_schema_version(&self) -> usize {
        match self.backend {
            Backend::Sqlite(_) => MIGRATIONS.len(),
            Backend::Postgres(_) => POSTGRES_MIGRATIONS.len(),
        }
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::new(ErrorKind::ReadOnly, "the store is read-only"));
        }
        Ok(())
    }

    /// Stores a validated profile for `respondent` (no author, no quota), in one transaction. Returns its id.
    pub fn add(&mut self, respondent: &str, profile: &ValidatedProfile) -> Result<i64, StoreError> {
        let new = NewProfile { respondent, author: None, profile, idempotency: None };
        self.insert(&new, &Quotas::default()).map(Inserted::id)
    }

    /// Stores a profile within `quotas`, at most once per idempotency key, in one transaction.
    pub fn insert(&mut self, new: &NewProfile<'_>, quotas: &Quotas) -> Result<Inserted, StoreError> {
        self.writable()?;
        match &mut self.backend {
            Backend::Sqlite(store) => store.insert(new, quotas),
            Backend::Postgres(store) => store.insert(new, quotas),
        }
    }

    /// Replaces profile `id`'s beliefs, name and respondent. `editor` is the
    /// authenticated writer (when the server knows it): a profile with an
    /// author may be edited only by that author.
    pub fn update(
        &mut self,
        id: i64,
        editor: Option<&str>,
        respondent: &str,
        profile: &ValidatedProfile,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let changed = match &mut self.backend {
            Backend::Sqlite(store) => store.update(id, editor, respondent, profile)?,
            Backend::Postgres(store) => store.update(id, editor, respondent, profile)?,
        };
        if changed { Ok(()) } else { Err(self.why_unchanged(id, editor)?) }
    }

    /// Deletes profile `id`; as for [`Store::update`], only its author may when it has one.
    pub fn delete(&mut self, id: i64, editor: Option<&str>) -> Result<(), StoreError> {
        self.writable()?;
        let deleted = match &mut self.backend {
            Backend::Sqlite(store) => store.delete(id, editor)?,
            Backend::Postgres(store) => store.delete(id, editor)?,
        };
        if deleted { Ok(()) } else { Err(self.why_unchanged(id, editor)?) }
    }

    /// Why an edit of `id` by `editor` changed no row: no such profile, or another author's.
    fn why_unchanged(&mut self, id: i64, editor: Option<&str>) -> Result<StoreError, StoreError> {
        Ok(match self.get(id)? {
            None => StoreError::new(ErrorKind::NotFound, format!("no stored profile {id}")),
            Some(profile) => StoreError::new(
                ErrorKind::NotAuthor,
                format!(
                    "profile {id} was stored by {}; only its author may change it{}",
                    profile.author.as_deref().unwrap_or("someone else"),
                    editor.map_or(String::new(), |editor| format!(" (you are {editor})"))
                ),
            ),
        })
    }

    /// Every stored profile, oldest first; only those for `model_id` if given.
    pub fn list(&mut self, model_id: Option<&str>) -> Result<Vec<StoredProfile>, StoreError> {
        self.page(model_id, None, None)
    }

    /// Stored profiles oldest first, from the first with an id above `after`, at most `limit` of them.
    pub fn page(
        &mut self,
        model_id: Option<&str>,
        after: Option<i64>,
        limit: Option<usize>,
    ) -> Result<Vec<StoredProfile>, StoreError> {
        let limit = limit.map_or(i64::MAX, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let after = after.unwrap_or(i64::MIN);
        match &mut self.backend {
            Backend::Sqlite(store) => store.page(model_id, after, limit),
            Backend::Postgres(store) => store.page(model_id, after, limit),
        }
    }

    /// The `limit` newest stored profiles (of `model_id`, if given), oldest first.
    pub fn newest(&mut self, model_id: Option<&str>, limit: usize) -> Result<Vec<StoredProfile>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match &mut self.backend {
            Backend::Sqlite(store) => store.newest(model_id, limit),
            Backend::Postgres(store) => store.newest(model_id, limit),
        }
    }

    /// One stored profile by id.
    pub fn get(&mut self, id: i64) -> Result<Option<StoredProfile>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.get(id),
            Backend::Postgres(store) => store.get(id),
        }
    }

    /// The number of stored profiles (of `model_id`, if given).
    pub fn count_of(&mut self, model_id: Option<&str>) -> Result<usize, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.count(model_id),
            Backend::Postgres(store) => store.count(model_id),
        }
    }

    /// The number of stored profiles.
    pub fn count(&mut self) -> Result<usize, StoreError> {
        self.count_of(None)
    }

    /// The database's own consistency check: "ok" for a sound database
    /// (SQLite's `integrity_check`; for PostgreSQL, that the schema is complete).
    pub fn integrity_check(&mut self) -> Result<String, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.integrity_check(),
            Backend::Postgres(store) => store.integrity_check(),
        }
    }

    /// Writes every stored profile to `directory` as `<id>-<name>.toml`. Each
    /// file is written to a temporary name and renamed, so none is ever half-written.
    pub fn export(&mut self, directory: &Path) -> Result<Vec<PathBuf>, StoreError> {
        let fail = |path: &Path, action: &str, error: std::io::Error| {
            StoreError::new(ErrorKind::Unavailable, format!("cannot {action} `{}`: {error}", path.display()))
        };
        std::fs::create_dir_all(directory).map_err(|error| fail(directory, "create the export folder", error))?;
        let mut written = Vec::new();
        for profile in self.list(None)? {
            let path = directory.join(format!("{}-{}.toml", profile.id, slug(&profile.name)));
            let temporary = directory.join(format!(".{}.toml.partial", profile.id));
            let header = format!(
                "# Exported from the Crux store: profile {} by {}{}, {}; model {} ({})\n",
                profile.id,
                profile.respondent,
                profile.author.as_ref().map_or(String::new(), |author| format!(" (stored by {author})")),
                profile.created_at,
                profile.model_id,
                profile.model_hash
            );
            std::fs::write(&temporary, header + &profile.profile_toml)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(|error| fail(&path, "export to", error))?;
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

/// The message of a quota that a write would pass.
fn quota_error(what: &str, limit: usize) -> StoreError {
    StoreError::new(
        ErrorKind::Quota,
        format!("{what} already holds its limit of {limit} profiles; delete one before storing another"),
    )
}

/// Checks `quotas` against the counts a write would add to.
fn check_quotas(quotas: &Quotas, author: &str, by_author: i64, total: i64) -> Result<(), StoreError> {
    if let Some(limit) = quotas.total
        && total >= limit as i64
    {
        return Err(quota_error("the store", limit));
    }
    if let Some(limit) = quotas.per_author
        && by_author >= limit as i64
    {
        return Err(quota_error(&format!("`{author}`"), limit));
    }
    Ok(())
}

/// The idempotency answer for a key found with `stored_hash`: a replay of the same request, or a conflict.
fn replay(key: &str, id: i64, stored_hash: Option<&str>, request_hash: &str) -> Result<Inserted, StoreError> {
    if stored_hash == Some(request_hash) {
        Ok(Inserted::Replayed(id))
    } else {
        Err(StoreError::new(
            ErrorKind::IdempotencyConflict,
            format!("the idempotency key `{key}` was used before for a different profile (stored as profile {id})"),
        ))
    }
}
