//! Repositories: one module per table group. Statements are built with [`Sql`]
//! and run through the helpers below, which expand once per engine.

pub mod audit;
pub mod enrollments;
pub mod grids;
pub mod inspections;
pub mod ledgers;
pub mod projects;
pub mod sessions;
pub mod stats;
pub mod summary;
pub mod throttle;
pub mod tokens;
pub mod users;

use crate::{bind_args, on_tx, Result, Sql, Tx};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::FromRow;

/// Rows decodable on both engines.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

pub async fn fetch_all<T: Row>(tx: &mut Tx, sql: &Sql) -> Result<Vec<T>> {
    on_tx!(tx, c => {
        let q = bind_args!(sqlx::query_as::<_, T>(sql.text()), sql.args());
        Ok(q.fetch_all(c).await?)
    })
}

pub async fn fetch_optional<T: Row>(tx: &mut Tx, sql: &Sql) -> Result<Option<T>> {
    on_tx!(tx, c => {
        let q = bind_args!(sqlx::query_as::<_, T>(sql.text()), sql.args());
        Ok(q.fetch_optional(c).await?)
    })
}

pub async fn fetch_one<T: Row>(tx: &mut Tx, sql: &Sql) -> Result<T> {
    on_tx!(tx, c => {
        let q = bind_args!(sqlx::query_as::<_, T>(sql.text()), sql.args());
        Ok(q.fetch_one(c).await?)
    })
}

/// A single integer (COUNT, id from RETURNING …).
pub async fn scalar_i64(tx: &mut Tx, sql: &Sql) -> Result<i64> {
    on_tx!(tx, c => {
        let q = bind_args!(sqlx::query_scalar::<_, i64>(sql.text()), sql.args());
        Ok(q.fetch_one(c).await?)
    })
}

/// Rows affected.
pub async fn execute(tx: &mut Tx, sql: &Sql) -> Result<u64> {
    on_tx!(tx, c => {
        let q = bind_args!(sqlx::query(sql.text()), sql.args());
        Ok(q.execute(c).await?.rows_affected())
    })
}

/// Appends `LIMIT/OFFSET` for a page.
pub fn paginate(sql: &mut Sql, page: &meizhen_domain::page::PageRequest) {
    sql.push(" LIMIT ")
        .bind(crate::Arg::I64(page.limit()))
        .push(" OFFSET ")
        .bind(crate::Arg::I64(page.offset()));
}

/// Appends `AND <column> LIKE '<scope>%'`: the one place scope becomes SQL.
pub fn scope_filter(sql: &mut Sql, column: &str, scope: &meizhen_domain::RegionScope) {
    sql.push(" AND ")
        .push(column)
        .push(" LIKE ")
        .bind(crate::Arg::Text(scope.like_pattern()));
}
