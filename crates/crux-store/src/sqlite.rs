//! The SQLite backend (bundled): one file, write-ahead logging with full
//! syncs, one transaction per write, the schema versioned by `user_version`.

use crate::{ErrorKind, Inserted, NewProfile, Quotas, StoreError, StoredProfile, ValidatedProfile};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Schema migrations, applied in order; the database's `user_version` is the
/// number applied so far.
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        respondent TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        model_id TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        profile_toml TEXT NOT NULL
    );
    CREATE INDEX profiles_by_model ON profiles (model_id, model_hash);",
    // Authors, edits and idempotency keys.
    "ALTER TABLE profiles ADD COLUMN author TEXT;
    ALTER TABLE profiles ADD COLUMN updated_at TEXT;
    ALTER TABLE profiles ADD COLUMN idempotency_key TEXT;
    ALTER TABLE profiles ADD COLUMN request_hash TEXT;
    CREATE UNIQUE INDEX profiles_by_idempotency_key ON profiles (idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX profiles_by_author ON profiles (author, respondent);",
];

const COLUMNS: &str = "id, respondent, author, created_at, updated_at, model_id, model_hash, name, profile_toml";

#[derive(Debug)]
pub(crate) struct Sqlite {
    connection: Connection,
    path: PathBuf,
}

fn error(path: &Path, action: &str, error: rusqlite::Error) -> StoreError {
    let kind = match error.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => ErrorKind::ReadOnly,
        _ => ErrorKind::Unavailable,
    };
    StoreError { kind, message: format!("cannot {action} the store `{}`: {error}", path.display()) }
}

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredProfile> {
    Ok(StoredProfile {
        id: row.get(0)?,
        respondent: row.get(1)?,
        author: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        model_id: row.get(5)?,
        model_hash: row.get(6)?,
        name: row.get(7)?,
        profile_toml: row.get(8)?,
    })
}

impl Sqlite {
    /// Opens the file at `path` (a `file:` URI too, such as `file:crux.db?mode=ro`).
    pub(crate) fn open(
        path: &Path,
        configure: impl FnOnce(&Connection) -> rusqlite::Result<()>,
    ) -> Result<Sqlite, StoreError> {
        let connection = Connection::open(path).map_err(|e| error(path, "open", e))?;
        configure(&connection).map_err(|e| error(path, "configure", e))?;
        Sqlite::prepare(connection, path)
    }

    pub(crate) fn open_in_memory() -> Result<Sqlite, StoreError> {
        let path = Path::new(":memory:");
        let connection = Connection::open_in_memory().map_err(|e| error(path, "open", e))?;
        Sqlite::prepare(connection, path)
    }

    fn prepare(connection: Connection, path: &Path) -> Result<Sqlite, StoreError> {
        let configure = |connection: &Connection| -> rusqlite::Result<()> {
            connection.busy_timeout(std::time::Duration::from_secs(10))?;
            // Write-ahead logging with full syncs: a committed profile survives a crash.
            // (A read-only database keeps the journal mode it has.)
            let _ = connection.pragma_update(None, "journal_mode", "WAL");
            connection.pragma_update(None, "synchronous", "FULL")?;
            Ok(())
        };
        configure(&connection).map_err(|e| error(path, "configure", e))?;
        let mut store = Sqlite { connection, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    /// Whether a write would be refused: the file (or the connection) is
    /// read-only, or a write in a transaction that is rolled back fails.
    pub(crate) fn read_only(&self) -> bool {
        if self.connection.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            return true;
        }
        let query_only: bool =
            self.connection.pragma_query_value(None, "query_only", |row| row.get(0)).unwrap_or(false);
        if query_only {
            return true;
        }
        // Rewriting the schema version with its own value writes the file's header.
        let Ok(version) = self.schema_version() else { return true };
        let probe =
            self.connection.execute_batch(&format!("BEGIN IMMEDIATE; PRAGMA user_version = {version}; ROLLBACK;"));
        if probe.is_err() {
            let _ = self.connection.execute_batch("ROLLBACK");
            return true;
        }
        false
    }

    pub(crate) fn page_count(&self) -> Result<i64, StoreError> {
        self.connection
            .pragma_query_value(None, "page_count", |row| row.get(0))
            .map_err(|e| error(&self.path, "read", e))
    }

    pub(crate) fn schema_version(&self) -> Result<usize, StoreError> {
        self.connection
            .pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))
            .map(|version| version as usize)
            .map_err(|e| error(&self.path, "read", e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version = self.schema_version()?;
        if version > MIGRATIONS.len() {
            return Err(StoreError {
                kind: ErrorKind::Unavailable,
                message: format!(
                    "the store `{}` has schema version {version}, newer than this Crux understands ({})",
                    self.path.display(),
                    MIGRATIONS.len()
                ),
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            let path = self.path.clone();
            let fail = |e| error(&path, "migrate", e);
            let transaction = self.connection.transaction().map_err(fail)?;
            transaction.execute_batch(migration).map_err(fail)?;
            transaction.pragma_update(None, "user_version", (index + 1) as i64).map_err(fail)?;
            transaction.commit().map_err(fail)?;
        }
        Ok(())
    }

    pub(crate) fn insert(&mut self, new: &NewProfile<'_>, quotas: &Quotas) -> Result<Inserted, StoreError> {
        let path = self.path.clone();
        let fail = |e| error(&path, "write to", e);
        // IMMEDIATE: the counts the quotas are checked against cannot change before the insert.
        let transaction =
            self.connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(fail)?;
        if let Some((key, hash)) = new.idempotency {
            let found: Option<(i64, Option<String>)> = transaction
                .query_row("SELECT id, request_hash FROM profiles WHERE idempotency_key = ?1", [key], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .map_err(fail)?;
            if let Some((id, stored)) = found {
                return crate::replay(key, id, stored.as_deref(), hash);
            }
        }
        let owner = new.author.unwrap_or(new.respondent);
        let (by_author, total): (i64, i64) = transaction
            .query_row(
                "SELECT count(*) FILTER (WHERE coalesce(author, respondent) = ?1), count(*) FROM profiles",
                [owner],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(fail)?;
        crate::check_quotas(quotas, owner, by_author, total)?;
        let profile = new.profile;
        transaction
            .execute(
                "INSERT INTO profiles (respondent, author, model_id, model_hash, name, profile_toml, idempotency_key, request_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    new.respondent,
                    new.author,
                    profile.model_id,
                    profile.model_hash,
                    profile.profile.name,
                    profile.text,
                    new.idempotency.map(|(key, _)| key),
                    new.idempotency.map(|(_, hash)| hash)
                ],
            )
            .map_err(fail)?;
        let id = transaction.last_insert_rowid();
        transaction.commit().map_err(fail)?;
        Ok(Inserted::Created(id))
    }

    pub(crate) fn update(
        &mut self,
        id: i64,
        editor: Option<&str>,
        respondent: &str,
        profile: &ValidatedProfile,
    ) -> Result<bool, StoreError> {
        let changed = self
            .connection
            .execute(
                "UPDATE profiles SET respondent = ?3, model_id = ?4, model_hash = ?5, name = ?6, profile_toml = ?7,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE id = ?1 AND (author IS NULL OR author = ?2)",
                params![
                    id,
                    editor,
                    respondent,
                    profile.model_id,
                    profile.model_hash,
                    profile.profile.name,
                    profile.text
                ],
            )
            .map_err(|e| error(&self.path, "write to", e))?;
        Ok(changed == 1)
    }

    pub(crate) fn delete(&mut self, id: i64, editor: Option<&str>) -> Result<bool, StoreError> {
        let deleted = self
            .connection
            .execute("DELETE FROM profiles WHERE id = ?1 AND (author IS NULL OR author = ?2)", params![id, editor])
            .map_err(|e| error(&self.path, "write to", e))?;
        Ok(deleted == 1)
    }

    pub(crate) fn page(
        &mut self,
        model_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredProfile>, StoreError> {
        let fail = |e| error(&self.path, "read", e);
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM profiles WHERE (?1 IS NULL OR model_id = ?1) AND id > ?2 ORDER BY id LIMIT ?3"
            ))
            .map_err(fail)?;
        let rows = statement.query_map(params![model_id, after, limit], row).map_err(fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(fail)
    }

    pub(crate) fn newest(&mut self, model_id: Option<&str>, limit: i64) -> Result<Vec<StoredProfile>, StoreError> {
        let fail = |e| error(&self.path, "read", e);
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM profiles WHERE ?1 IS NULL OR model_id = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id"
            ))
            .map_err(fail)?;
        let rows = statement.query_map(params![model_id, limit], row).map_err(fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(fail)
    }

    pub(crate) fn get(&mut self, id: i64) -> Result<Option<StoredProfile>, StoreError> {
        self.connection
            .query_row(&format!("SELECT {COLUMNS} FROM profiles WHERE id = ?1"), [id], row)
            .optional()
            .map_err(|e| error(&self.path, "read", e))
    }

    pub(crate) fn count(&mut self, model_id: Option<&str>) -> Result<usize, StoreError> {
        self.connection
            .query_row("SELECT count(*) FROM profiles WHERE ?1 IS NULL OR model_id = ?1", [model_id], |row| {
                row.get::<_, i64>(0)
            })
            .map(|count| count as usize)
            .map_err(|e| error(&self.path, "read", e))
    }

    pub(crate) fn integrity_check(&mut self) -> Result<String, StoreError> {
        self.connection
            .query_row("PRAGMA integrity_check", [], |row| row.get::<_, String>(0))
            .map_err(|e| error(&self.path, "check", e))
    }
}
