use crate::{Result, StorageError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex as StdMutex};
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The newest schema version this build knows (the highest migration number).
pub const KNOWN_SCHEMA_VERSION: i64 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on one of the two engines. Every repository function takes one:
/// reads are cheap transactions too, and writes plus their audit entry commit together.
/// A writing SQLite transaction also holds its turn in the file's writer queue.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Option<WriterTurn>),
    Postgres(Transaction<'static, Postgres>),
}

/// A writer's turn on one SQLite file (see [`Db::begin`]); released on commit
/// or drop.
pub struct WriterTurn(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

/// How long a writer waits for its turn, as `busy_timeout` would.
const WRITER_WAIT: Duration = Duration::from_secs(10);

/// One first-come-first-served queue of writers per SQLite file in this
/// process. SQLite lets one writer in at a time; those refused sleep in its
/// busy handler with growing pauses (up to 100 ms) and retry, so under a burst
/// of writes (fifty phones sending findings) some waited a second or more
/// while others got in. Queued here, each starts as soon as the previous
/// commits. Other processes on the same file still meet the busy handler.
fn writer_queue(pool: &SqlitePool) -> Arc<tokio::sync::Mutex<()>> {
    static QUEUES: LazyLock<StdMutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_path_buf();
    let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
    queues.entry(file).or_default().clone()
}

/// Expands `$body` once per engine with `$c` bound to `&mut <Engine>Connection`.
#[macro_export]
#[doc(hidden)]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, _) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens the database a URL names: `sqlite:PATH` (created if missing, WAL mode)
    /// or `postgres://…`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Plan every execution with its parameters. A scope filter is
            // `code LIKE $n` whose selectivity ranges from one town to the whole
            // province; after a few province-wide runs PostgreSQL would switch
            // a connection's prepared statement to one generic plan (no prefix
            // index), and county and town pages would then scan whole tables
            // (docs/benchmarks.md: 2.7 ms → 20 ms). Planning costs ~0.1 ms.
            let opts = PgConnectOptions::from_str(url)?
                .options([("plan_cache_mode", "force_custom_plan")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Rows pass from SQLite's worker thread to the caller through a
                // channel; at the default 50 a province ranking (1,149 rows)
                // bounced between the two threads twenty-odd times, each a
                // wake-up that waits for a core on a busy machine.
                .row_buffer_size(2048);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(StorageError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// The URL of the default embedded database inside a data folder.
    pub fn sqlite_url_for(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("meizhen.sqlite3").display())
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// A transaction that may write. On SQLite it takes the write lock at the
    /// start (`BEGIN IMMEDIATE`): a deferred transaction that reads and then
    /// writes fails with SQLITE_BUSY_SNAPSHOT when another writer got in
    /// between, which busy_timeout cannot wait out.
    ///
    /// Writers of this process queue for their turn first (see
    /// [`writer_queue`]), with their connection already in hand: the writer
    /// whose turn it is never waits for a connection held by those behind it.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => {
                let conn = p.acquire().await?;
                let turn = tokio::time::timeout(WRITER_WAIT, writer_queue(p).lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                let tx = Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await?;
                Tx::Sqlite(tx, Some(WriterTurn(turn)))
            }
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A read-only unit of work: on SQLite a deferred transaction, so readers
    /// never wait for the writer (WAL). Must not write.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?, None),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Highest applied migration, or 0 on an empty database.
    pub async fn schema_version(&self) -> Result<i64> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let exists = self.has_table("_sqlx_migrations").await?;
        if !exists {
            return Ok(0);
        }
        Ok(match self {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    async fn has_table(&self, name: &str) -> Result<bool> {
        Ok(match self {
            Db::Sqlite(p) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(name)
                .fetch_one(p)
                .await?
                    > 0
            }
            Db::Postgres(p) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(name)
                .fetch_one(p)
                .await?
                    > 0
            }
        })
    }

    /// Applies pending migrations; refuses a schema newer than this build knows.
    pub async fn migrate(&self) -> Result<()> {
        let found = self.schema_version().await?;
        if found > KNOWN_SCHEMA_VERSION {
            return Err(StorageError::SchemaTooNew {
                found,
                known: KNOWN_SCHEMA_VERSION,
            });
        }
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Table name → sorted column names, for the schema parity test and `doctor`.
    pub async fn columns(&self) -> Result<Vec<(String, String)>> {
        let mut rows: Vec<(String, String)> = match self {
            Db::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema()",
                )
                .fetch_all(p)
                .await?
            }
        };
        rows.sort();
        Ok(rows)
    }

    /// A consistent copy of the embedded database while it is in use
    /// (`VACUUM INTO`). PostgreSQL deployments use `pg_dump` instead.
    pub async fn backup_sqlite(&self, target: &Path) -> Result<()> {
        match self {
            Db::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(target.display().to_string())
                    .execute(p)
                    .await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StorageError::UnsupportedUrl(
                "PostgreSQL 请使用 pg_dump 备份".into(),
            )),
        }
    }

    pub async fn ping(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
            Db::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }

    /// Brings the query planner up to date after a bulk load such as
    /// `meizhen generate`, as autovacuum would some time later: `ANALYZE` on
    /// SQLite, `VACUUM ANALYZE` on PostgreSQL (the vacuum marks pages
    /// all-visible, without which PostgreSQL prices index-only scans as heap
    /// reads and falls back to sequential scans for scoped counts).
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ())?,
            Db::Postgres(p) => sqlx::query("VACUUM ANALYZE").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            // The turn (if any) ends once the commit is done.
            Tx::Sqlite(t, _turn) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(..) => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constant must follow the migration folders, which must agree.
    #[test]
    fn known_version_is_the_newest_migration() {
        let newest = |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).max().unwrap_or(0);
        assert_eq!(newest(&SQLITE_MIGRATIONS), KNOWN_SCHEMA_VERSION);
        assert_eq!(newest(&POSTGRES_MIGRATIONS), KNOWN_SCHEMA_VERSION);
        let versions =
            |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
    }

    /// Scope filters need per-parameter plans on PostgreSQL (see `connect`).
    #[tokio::test]
    async fn postgres_plans_every_execution_with_its_parameters() {
        let Ok(url) = std::env::var("MEIZHEN_TEST_POSTGRES_URL") else {
            eprintln!("SKIPPED on PostgreSQL: set MEIZHEN_TEST_POSTGRES_URL to run it");
            return;
        };
        let db = Db::connect(&url).await.expect("postgres connect");
        if let Db::Postgres(p) = &db {
            let mode: String = sqlx::query_scalar("SHOW plan_cache_mode")
                .fetch_one(p)
                .await
                .expect("show plan_cache_mode");
            assert_eq!(mode, "force_custom_plan");
        }
        db.close().await;
    }
}
