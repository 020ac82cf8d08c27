//! Test harness: the same test story runs on every engine available.
//!
//! SQLite (a fresh file in a temp folder) always; PostgreSQL when
//! `MEIZHEN_TEST_POSTGRES_URL` names a server (a fresh database per test,
//! dropped by [`TestDb::finish`]). Without it, a visible message says the
//! PostgreSQL half was skipped.

use crate::{Db, Engine};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub const POSTGRES_ENV: &str = "MEIZHEN_TEST_POSTGRES_URL";

pub struct TestDb {
    pub db: Db,
    pub label: &'static str,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

impl TestDb {
    /// A migrated SQLite database in a fresh temp folder.
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("meizhen_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = Db::connect(&Db::sqlite_url_for(&dir))
            .await
            .expect("sqlite connect");
        db.migrate().await.expect("sqlite migrate");
        TestDb {
            db,
            label: "sqlite",
            dir: Some(dir),
            pg: None,
        }
    }

    /// A migrated fresh PostgreSQL database, or None (with a message) when no
    /// server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(base) = std::env::var(POSTGRES_ENV) else {
            eprintln!("SKIPPED on PostgreSQL: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it");
            return None;
        };
        let name = unique("mz_test");
        let admin = Db::connect(&base).await.expect("postgres connect");
        if let Db::Postgres(p) = &admin {
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(p)
                .await
                .expect("create test database");
        }
        admin.close().await;
        let url = with_database(&base, &name);
        let db = Db::connect(&url).await.expect("postgres test db connect");
        db.migrate().await.expect("postgres migrate");
        Some(TestDb {
            db,
            label: "postgres",
            dir: None,
            pg: Some((base, name)),
        })
    }

    /// Every engine available: SQLite, then PostgreSQL if configured.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        v.extend(TestDb::postgres().await);
        v
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    /// The URL of this database (for tests that start the binary).
    pub fn url(&self) -> String {
        match (&self.dir, &self.pg) {
            (Some(d), _) => Db::sqlite_url_for(d),
            (_, Some((base, name))) => with_database(base, name),
            _ => String::new(),
        }
    }

    /// Closes the pool and removes the database.
    pub async fn finish(self) {
        self.db.close().await;
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((base, name)) = &self.pg {
            if let Ok(Db::Postgres(p)) = Db::connect(base).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&p)
                    .await;
                p.close().await;
            }
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let scheme_end = main.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match main[scheme_end..].find('/') {
        Some(i) => &main[..scheme_end + i],
        None => main,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_name() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://h/test?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}
