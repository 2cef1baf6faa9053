//! The PostgreSQL backend: one database that several server replicas share.
//! Writes are transactions; the quota check and the insert of one write are
//! serialised across replicas by a transaction-scoped advisory lock, and the
//! schema is versioned in a table of its own (`crux_schema`), migrated under
//! the same kind of lock so that replicas starting together migrate once.

use crate::{ErrorKind, Inserted, NewProfile, Quotas, StoreError, StoredProfile, ValidatedProfile};
use postgres::error::SqlState;
use postgres::{Client, NoTls, Row};

/// Schema migrations of the PostgreSQL backend, applied in order; the
/// `crux_schema` table holds the number applied so far.
pub const POSTGRES_MIGRATIONS: &[&str] = &["CREATE TABLE profiles (
        id BIGSERIAL PRIMARY KEY,
        respondent TEXT NOT NULL,
        author TEXT,
        created_at TEXT NOT NULL DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
        updated_at TEXT,
        model_id TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        profile_toml TEXT NOT NULL,
        idempotency_key TEXT,
        request_hash TEXT
    );
    CREATE INDEX profiles_by_model ON profiles (model_id, model_hash);
    CREATE UNIQUE INDEX profiles_by_idempotency_key ON profiles (idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX profiles_by_author ON profiles (author, respondent);"];

/// The advisory lock that serialises migrations (an arbitrary constant: "crux" in ASCII, then 1).
const MIGRATION_LOCK: i64 = 0x6372_7578_0000_0001;
/// The advisory lock that serialises inserts (quota checks) across replicas.
const WRITE_LOCK: i64 = 0x6372_7578_0000_0002;

const COLUMNS: &str = "id, respondent, author, created_at, updated_at, model_id, model_hash, name, profile_toml";
const NOW: &str = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

pub(crate) struct Postgres {
    /// Always `Some` but while it is dropped (see the `Drop` impl).
    client: Option<Client>,
    /// The connection string, to reconnect after a lost connection.
    url: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").field("url", &redacted(&self.url)).finish_non_exhaustive()
    }
}

/// `url` without its password.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}{}@{host}", if credentials.contains(':') { ":***" } else { "" })
        }
        None => url.to_string(),
    }
}

impl Drop for Postgres {
    /// Closing the client blocks on its own runtime, which may not happen on
    /// an async runtime's thread (where a server's state may be dropped): it
    /// is closed on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

fn row(row: &Row) -> StoredProfile {
    StoredProfile {
        id: row.get(0),
        respondent: row.get(1),
        author: row.get(2),
        created_at: row.get(3),
        updated_at: row.get(4),
        model_id: row.get(5),
        model_hash: row.get(6),
        name: row.get(7),
        profile_toml: row.get(8),
    }
}

impl Postgres {
    pub(crate) fn connect(url: &str) -> Result<Postgres, StoreError> {
        let client = Client::connect(url, NoTls).map_err(|e| error(url, "connect to", &e))?;
        let mut store = Postgres { client: Some(client), url: url.to_string() };
        store.migrate()?;
        Ok(store)
    }

    /// The client, connected again if the connection was lost.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let client = Client::connect(&self.url, NoTls).map_err(|e| error(&self.url, "reconnect to", &e))?;
            self.client = Some(client);
        }
        Ok(self.client.as_mut().expect("connected above"))
    }

    /// Whether writes will be refused: a read-only server or transaction
    /// default (a standby), or a role that may not insert.
    pub(crate) fn read_only(&mut self) -> Result<bool, StoreError> {
        let url = self.url.clone();
        let row = self
            .client()?
            .query_one(
                "SELECT current_setting('transaction_read_only') = 'on' OR NOT has_table_privilege('profiles', 'INSERT')",
                &[],
            )
            .map_err(|e| error(&url, "read", &e))?;
        Ok(row.get(0))
    }

    pub(crate) fn schema_version(&mut self) -> Result<usize, StoreError> {
        let url = self.url.clone();
        let row =
            self.client()?.query_one("SELECT version FROM crux_schema", &[]).map_err(|e| error(&url, "read", &e))?;
        Ok(row.get::<_, i32>(0) as usize)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let url = self.url.clone();
        let fail = |e| error(&url, "migrate", &e);
        // A database already at this version is not written to (it may be read-only).
        let exists: bool =
            self.client()?.query_one("SELECT to_regclass('crux_schema') IS NOT NULL", &[]).map_err(fail)?.get(0);
        if exists && self.schema_version()? == POSTGRES_MIGRATIONS.len() {
            return Ok(());
        }
        let mut transaction = self.client()?.transaction().map_err(fail)?;
        transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(fail)?;
        transaction.batch_execute("CREATE TABLE IF NOT EXISTS crux_schema (version INTEGER NOT NULL)").map_err(fail)?;
        let version = match transaction.query_opt("SELECT version FROM crux_schema", &[]).map_err(fail)? {
            Some(row) => row.get::<_, i32>(0) as usize,
            None => {
                transaction.execute("INSERT INTO crux_schema (version) VALUES (0)", &[]).map_err(fail)?;
                0
            }
        };
        if version > POSTGRES_MIGRATIONS.len() {
            return Err(StoreError {
                kind: ErrorKind::Unavailable,
                message: format!(
                    "the store at {} has schema version {version}, newer than this Crux understands ({})",
                    redacted(&url),
                    POSTGRES_MIGRATIONS.len()
                ),
            });
        }
        for (index, migration) in POSTGRES_MIGRATIONS.iter().enumerate().skip(version) {
            transaction.batch_execute(migration).map_err(fail)?;
            transaction.execute("UPDATE crux_schema SET version = $1", &[&((index + 1) as i32)]).map_err(fail)?;
        }
        transaction.commit().map_err(fail)
    }

    pub(crate) fn insert(&mut self, new: &NewProfile<'_>, quotas: &Quotas) -> Result<Inserted, StoreError> {
        let url = self.url.clone();
        let fail = |e| error(&url, "write to", &e);
        let mut transaction = self.client()?.transaction().map_err(fail)?;
        transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(fail)?;
        if let Some((key, hash)) = new.idempotency {
            let found = transaction
                .query_opt("SELECT id, request_hash FROM profiles WHERE idempotency_key = $1", &[&key])
                .map_err(fail)?;
            if let Some(found) = found {
                let stored: Option<String> = found.get(1);
                return crate::replay(key, found.get(0), stored.as_deref(), hash);
            }
        }
        let owner = new.author.unwrap_or(new.respondent);
        let counts = transaction
            .query_one(
                "SELECT count(*) FILTER (WHERE coalesce(author, respondent) = $1), count(*) FROM profiles",
                &[&owner],
            )
            .map_err(fail)?;
        crate::check_quotas(quotas, owner, counts.get(0), counts.get(1))?;
        let profile = new.profile;
        let inserted = transaction
            .query_one(
                "INSERT INTO profiles (respondent, author, model_id, model_hash, name, profile_toml, idempotency_key, request_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &new.respondent,
                    &new.author,
                    &profile.model_id,
                    &profile.model_hash,
                    &profile.profile.name,
                    &profile.text,
                    &new.idempotency.map(|(key, _)| key),
                    &new.idempotency.map(|(_, hash)| hash),
                ],
            )
            .map_err(fail)?;
        let id: i64 = inserted.get(0);
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
        let url = self.url.clone();
        let changed = self
            .client()?
            .execute(
                &format!(
                    "UPDATE profiles SET respondent = $3, model_id = $4, model_hash = $5, name = $6, profile_toml = $7,
                         updated_at = {NOW}
                     WHERE id = $1 AND (author IS NULL OR author = $2)"
                ),
                &[
                    &id,
                    &editor,
                    &respondent,
                    &profile.model_id,
                    &profile.model_hash,
                    &profile.profile.name,
                    &profile.text,
                ],
            )
            .map_err(|e| error(&url, "write to", &e))?;
        Ok(changed == 1)
    }

    pub(crate) fn delete(&mut self, id: i64, editor: Option<&str>) -> Result<bool, StoreError> {
        let url = self.url.clone();
        let deleted = self
            .client()?
            .execute("DELETE FROM profiles WHERE id = $1 AND (author IS NULL OR author = $2)", &[&id, &editor])
            .map_err(|e| error(&url, "write to", &e))?;
        Ok(deleted == 1)
    }

    pub(crate) fn page(
        &mut self,
        model_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredProfile>, StoreError> {
        let url = self.url.clone();
        let rows = self
            .client()?
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM profiles WHERE ($1::TEXT IS NULL OR model_id = $1) AND id > $2 ORDER BY id LIMIT $3"
                ),
                &[&model_id, &after, &limit],
            )
            .map_err(|e| error(&url, "read", &e))?;
        Ok(rows.iter().map(row).collect())
    }

    pub(crate) fn newest(&mut self, model_id: Option<&str>, limit: i64) -> Result<Vec<StoredProfile>, StoreError> {
        let url = self.url.clone();
        let rows = self
            .client()?
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM profiles WHERE $1::TEXT IS NULL OR model_id = $1 ORDER BY id DESC LIMIT $2) AS newest ORDER BY id"
                ),
                &[&model_id, &limit],
            )
            .map_err(|e| error(&url, "read", &e))?;
        Ok(rows.iter().map(row).collect())
    }

    pub(crate) fn get(&mut self, id: i64) -> Result<Option<StoredProfile>, StoreError> {
        let url = self.url.clone();
        let found = self
            .client()?
            .query_opt(&format!("SELECT {COLUMNS} FROM profiles WHERE id = $1"), &[&id])
            .map_err(|e| error(&url, "read", &e))?;
        Ok(found.as_ref().map(row))
    }

    pub(crate) fn count(&mut self, model_id: Option<&str>) -> Result<usize, StoreError> {
        let url = self.url.clone();
        let found = self
            .client()?
            .query_one("SELECT count(*) FROM profiles WHERE $1::TEXT IS NULL OR model_id = $1", &[&model_id])
            .map_err(|e| error(&url, "read", &e))?;
        Ok(found.get::<_, i64>(0) as usize)
    }

    /// "ok" when the schema is at this Crux's version and the profiles table has every column.
    pub(crate) fn integrity_check(&mut self) -> Result<String, StoreError> {
        let version = self.schema_version()?;
        let url = self.url.clone();
        let columns: i64 = self
            .client()?
            .query_one(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'profiles'",
                &[],
            )
            .map_err(|e| error(&url, "check", &e))?
            .get(0);
        Ok(if version == POSTGRES_MIGRATIONS.len() && columns == 11 {
            "ok".to_string()
        } else {
            format!("schema version {version} with {columns} columns in `profiles`")
        })
    }
}

fn error(url: &str, action: &str, error: &postgres::Error) -> StoreError {
    let kind = match error.code() {
        Some(code) if *code == SqlState::READ_ONLY_SQL_TRANSACTION || *code == SqlState::INSUFFICIENT_PRIVILEGE => {
            ErrorKind::ReadOnly
        }
        _ => ErrorKind::Unavailable,
    };
    // The driver's text for a server error is its code and message; add the detail when there is one.
    let detail = error.as_db_error().map_or_else(|| error.to_string(), |db| db.message().to_string());
    StoreError { kind, message: format!("cannot {action} the store at {}: {detail}", redacted(url)) }
}
