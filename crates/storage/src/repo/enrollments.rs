//! Yearly creation lists (创建名单).
use super::{execute, fetch_all, scope_filter};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::RegionScope;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EnrollmentRow {
    pub town_code: String,
    pub year: i32,
    pub kind: String,
}

/// Sets (or, with `None`, clears) a town's enrollment for a year.
pub async fn set(
    tx: &mut Tx,
    town: &str,
    year: i32,
    kind: Option<&str>,
    by: Option<i64>,
    now: i64,
) -> Result<()> {
    let q = match kind {
        Some(k) => {
            let mut q = Sql::new(
                "INSERT INTO enrollments (town_code, year, kind, updated_at, updated_by) VALUES (",
            );
            q.bind(Arg::Text(town.into()))
                .push(", ")
                .bind(Arg::I32(year))
                .push(", ")
                .bind(Arg::Text(k.into()))
                .push(", ")
                .bind(Arg::I64(now))
                .push(", ")
                .bind(Arg::OptI64(by))
                .push(") ON CONFLICT (town_code, year) DO UPDATE SET kind = excluded.kind, updated_at = excluded.updated_at, updated_by = excluded.updated_by");
            q
        }
        None => {
            let mut q = Sql::new("DELETE FROM enrollments WHERE town_code = ");
            q.bind(Arg::Text(town.into()))
                .push(" AND year = ")
                .bind(Arg::I32(year));
            q
        }
    };
    execute(tx, &q).await.map(|_| ())
}

/// Enrollments of the towns in scope (optionally only one town).
pub async fn list(
    tx: &mut Tx,
    scope: &RegionScope,
    town: Option<&str>,
    year: Option<i32>,
) -> Result<Vec<EnrollmentRow>> {
    let mut q = Sql::new("SELECT town_code, year, kind FROM enrollments WHERE 1=1");
    scope_filter(&mut q, "town_code", scope);
    if let Some(t) = town {
        q.push(" AND town_code = ").bind(Arg::Text(t.into()));
    }
    if let Some(y) = year {
        q.push(" AND year = ").bind(Arg::I32(y));
    }
    q.push(" ORDER BY year DESC, town_code");
    fetch_all(tx, &q).await
}
