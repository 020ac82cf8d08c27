//! The schema: both engines migrate to the same tables and columns, and a
//! database migrated by a newer build is refused.

use crate::support::each_engine;
use meizhen_storage::testkit::{TestDb, POSTGRES_ENV};
use meizhen_storage::{Db, StorageError, KNOWN_SCHEMA_VERSION};
use std::collections::BTreeSet;

const TABLES: [&str; 34] = [
    "api_tokens",
    "assessment_scores",
    "assessments",
    "audit_log",
    "checklist_versions",
    "enrollments",
    "expert_pairings",
    "expert_services",
    "experts",
    "finding_photos",
    "findings",
    "grids",
    "indicator_values",
    "indicators",
    "inspections",
    "login_failures",
    "media_reports",
    "meetings",
    "monthly_reports",
    "photos",
    "project_comments",
    "project_plans",
    "projects",
    "regions",
    "reporting_periods",
    "rounds",
    "sessions",
    "settings",
    "summaries",
    "summary_revisions",
    "town_month_snapshots",
    "town_month_stats",
    "users",
    "work_team_members",
];

fn without_migrations_table(cols: Vec<(String, String)>) -> Vec<(String, String)> {
    cols.into_iter()
        .filter(|(t, _)| t != "_sqlx_migrations")
        .collect()
}

#[tokio::test]
async fn schema_parity_between_engines() {
    let dbs = TestDb::all().await;
    let mut found = Vec::new();
    for t in &dbs {
        let cols = t.db.columns().await;
        found.push((t.label, cols));
    }
    let engines = dbs.len();
    for t in dbs {
        t.finish().await;
    }
    let found: Vec<(&str, Vec<(String, String)>)> = found
        .into_iter()
        .map(|(label, cols)| {
            let cols = cols.unwrap_or_else(|e| panic!("{label}: columns(): {e}"));
            (label, without_migrations_table(cols))
        })
        .collect();

    // Whatever the engines, the listing must describe the real schema.
    for (label, cols) in &found {
        let tables: BTreeSet<&str> = cols.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tables, BTreeSet::from(TABLES), "{label}: tables");
        assert!(
            cols.contains(&("users".into(), "must_change_password".into())),
            "{label}: users.must_change_password missing"
        );
        assert!(cols.windows(2).all(|w| w[0] < w[1]), "{label}: not sorted");
    }

    if engines < 2 {
        eprintln!("SKIPPED schema parity on PostgreSQL: set {POSTGRES_ENV} to compare SQLite with PostgreSQL");
        return;
    }
    let (sqlite, postgres) = (&found[0].1, &found[1].1);
    let only_sqlite: Vec<_> = sqlite.iter().filter(|c| !postgres.contains(c)).collect();
    let only_postgres: Vec<_> = postgres.iter().filter(|c| !sqlite.contains(c)).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ: only on SQLite {only_sqlite:?}, only on PostgreSQL {only_postgres:?}"
    );
    assert_eq!(sqlite, postgres);
}

/// Columns of `_sqlx_migrations` this test fills when faking a newer migration.
const FILLED: [&str; 5] = [
    "version",
    "description",
    "success",
    "checksum",
    "execution_time",
];

#[tokio::test]
async fn refuses_a_newer_schema() {
    each_engine(|db, label| async move {
        assert_eq!(
            db.schema_version().await.expect("schema version"),
            KNOWN_SCHEMA_VERSION,
            "{label}: fresh database"
        );
        // Migrating an up-to-date database again is a no-op, not an error.
        db.migrate().await.expect("re-migrate a current database");

        // Every column that must be given a value when inserting.
        let required: Vec<String> = match &db {
            Db::Sqlite(p) => sqlx::query_scalar(
                "SELECT name FROM pragma_table_info('_sqlx_migrations')
                 WHERE (\"notnull\" = 1 AND dflt_value IS NULL) OR pk > 0",
            )
            .fetch_all(p)
            .await
            .expect("sqlite migration columns"),
            Db::Postgres(p) => sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'
                   AND is_nullable = 'NO' AND column_default IS NULL",
            )
            .fetch_all(p)
            .await
            .expect("postgres migration columns"),
        };
        assert!(
            required.iter().any(|c| c == "version"),
            "{label}: no version column in {required:?}"
        );
        for c in &required {
            assert!(
                FILLED.contains(&c.as_str()),
                "{label}: _sqlx_migrations.{c} is required and this test does not fill it"
            );
        }

        let insert =
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                      VALUES ($1, $2, $3, $4, $5)";
        let checksum = vec![0u8; 48];
        let description = "written by a newer meizhen";
        match &db {
            Db::Sqlite(p) => sqlx::query(insert)
                .bind(999_i64)
                .bind(description)
                .bind(true)
                .bind(checksum)
                .bind(0_i64)
                .execute(p)
                .await
                .map(|_| ()),
            Db::Postgres(p) => sqlx::query(insert)
                .bind(999_i64)
                .bind(description)
                .bind(true)
                .bind(checksum)
                .bind(0_i64)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .expect("insert fake migration");

        assert_eq!(db.schema_version().await.expect("schema version"), 999);
        match db.migrate().await {
            Err(StorageError::SchemaTooNew { found: 999, known }) => {
                assert_eq!(known, KNOWN_SCHEMA_VERSION, "{label}");
            }
            other => panic!("{label}: expected SchemaTooNew {{ found: 999 }}, got {other:?}"),
        }
    })
    .await;
}
