//! Project figures per town and month, kept up to date as projects and
//! reports change (`town_month_stats`), and frozen copies for published
//! months (`town_month_snapshots`). Region figures are sums over towns.

use super::{execute, fetch_all, fetch_optional, scope_filter};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::RegionScope;
use serde::Serialize;

/// The counts and sums of one town (or, summed, of a region) for a month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Figures {
    pub projects: i64,
    pub not_started: i64,
    pub started: i64,
    pub completed: i64,
    pub planned_to_start: i64,
    pub planned_to_complete: i64,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
    pub completed_investment_fen: i64,
    pub reports_expected: i64,
    pub reports_submitted: i64,
}

const FIGURE_COLUMNS: [&str; 11] = [
    "projects",
    "not_started",
    "started",
    "completed",
    "planned_to_start",
    "planned_to_complete",
    "total_investment_fen",
    "planned_investment_fen",
    "completed_investment_fen",
    "reports_expected",
    "reports_submitted",
];

fn values(f: &Figures) -> [i64; 11] {
    [
        f.projects,
        f.not_started,
        f.started,
        f.completed,
        f.planned_to_start,
        f.planned_to_complete,
        f.total_investment_fen,
        f.planned_investment_fen,
        f.completed_investment_fen,
        f.reports_expected,
        f.reports_submitted,
    ]
}

/// Which table: live figures or the published snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Live,
    Published,
}

impl Source {
    fn table(self) -> &'static str {
        match self {
            Source::Live => "town_month_stats",
            Source::Published => "town_month_snapshots",
        }
    }
    fn stamp(self) -> &'static str {
        match self {
            Source::Live => "computed_at",
            Source::Published => "published_at",
        }
    }
}

pub async fn put(
    tx: &mut Tx,
    source: Source,
    town: &str,
    year: i32,
    month: i32,
    f: &Figures,
    now: i64,
) -> Result<()> {
    let cols = FIGURE_COLUMNS.join(", ");
    let mut q = Sql::new(&format!(
        "INSERT INTO {} (town_code, year, month, {cols}, {}) VALUES (",
        source.table(),
        source.stamp()
    ));
    q.bind(Arg::Text(town.into()))
        .push(", ")
        .bind(Arg::I32(year))
        .push(", ")
        .bind(Arg::I32(month));
    for v in values(f) {
        q.push(", ").bind(Arg::I64(v));
    }
    q.push(", ")
        .bind(Arg::I64(now))
        .push(") ON CONFLICT (town_code, year, month) DO UPDATE SET ");
    let sets: Vec<String> = FIGURE_COLUMNS
        .iter()
        .chain([source.stamp()].iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    q.push(&sets.join(", "));
    execute(tx, &q).await.map(|_| ())
}

fn sums() -> String {
    FIGURE_COLUMNS
        .iter()
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both engines give i64.
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Figures of every region `prefix_len` digits long under `region` (e.g. the
/// counties of a city), for one month. Regions with no towns reporting are absent.
pub async fn by_child(
    tx: &mut Tx,
    source: Source,
    scope: &RegionScope,
    region: &str,
    prefix_len: usize,
    year: i32,
    month: i32,
) -> Result<Vec<(String, Figures)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        prefix: String,
        #[sqlx(flatten)]
        f: Figures,
    }
    let len = i32::try_from(prefix_len).unwrap_or(9);
    let mut q = Sql::new("SELECT substr(town_code, 1, ");
    q.bind(Arg::I32(len))
        .push(&format!(
            ") AS prefix, {} FROM {} WHERE town_code LIKE ",
            sums(),
            source.table()
        ))
        .bind(Arg::Text(format!("{region}%")))
        .push(" AND year = ")
        .bind(Arg::I32(year))
        .push(" AND month = ")
        .bind(Arg::I32(month));
    scope_filter(&mut q, "town_code", scope);
    q.push(" GROUP BY substr(town_code, 1, $1) ORDER BY prefix");
    let rows: Vec<Row> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|r| (r.prefix, r.f)).collect())
}

/// Figures of a whole region for one month.
pub async fn total(
    tx: &mut Tx,
    source: Source,
    scope: &RegionScope,
    region: &str,
    year: i32,
    month: i32,
) -> Result<Figures> {
    let mut q = Sql::new(&format!(
        "SELECT {} FROM {} WHERE town_code LIKE ",
        sums(),
        source.table()
    ));
    q.bind(Arg::Text(format!("{region}%")))
        .push(" AND year = ")
        .bind(Arg::I32(year))
        .push(" AND month = ")
        .bind(Arg::I32(month));
    scope_filter(&mut q, "town_code", scope);
    let mut rows: Vec<Figures> = fetch_all(tx, &q).await?;
    Ok(rows.pop().unwrap_or_default())
}

/// Monthly figures of a region through a year (for trend charts).
pub async fn by_month(
    tx: &mut Tx,
    source: Source,
    scope: &RegionScope,
    region: &str,
    year: i32,
) -> Result<Vec<(i32, Figures)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        month: i32,
        #[sqlx(flatten)]
        f: Figures,
    }
    let mut q = Sql::new(&format!(
        "SELECT month, {} FROM {} WHERE town_code LIKE ",
        sums(),
        source.table()
    ));
    q.bind(Arg::Text(format!("{region}%")))
        .push(" AND year = ")
        .bind(Arg::I32(year));
    scope_filter(&mut q, "town_code", scope);
    q.push(" GROUP BY month ORDER BY month");
    let rows: Vec<Row> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|r| (r.month, r.f)).collect())
}

/// Copies the live figures of a month into the snapshot table (publishing).
pub async fn publish(tx: &mut Tx, region: &str, year: i32, month: i32, now: i64) -> Result<u64> {
    let cols = FIGURE_COLUMNS.join(", ");
    let mut q = Sql::new(&format!(
        "INSERT INTO town_month_snapshots (town_code, year, month, {cols}, published_at) \
         SELECT town_code, year, month, {cols}, "
    ));
    q.bind(Arg::I64(now))
        .push(" FROM town_month_stats WHERE town_code LIKE ")
        .bind(Arg::Text(format!("{region}%")))
        .push(" AND year = ")
        .bind(Arg::I32(year))
        .push(" AND month = ")
        .bind(Arg::I32(month));
    let sets: Vec<String> = FIGURE_COLUMNS
        .iter()
        .chain(["published_at"].iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    q.push(" ON CONFLICT (town_code, year, month) DO UPDATE SET ")
        .push(&sets.join(", "));
    execute(tx, &q).await
}

/// [`put`] for many `(town, year, month, figures)` at once (bulk loading),
/// in statements of many rows: the same rows, the same upsert.
pub async fn put_many(
    tx: &mut Tx,
    source: Source,
    rows: &[(String, i32, i32, Figures)],
    now: i64,
) -> Result<u64> {
    let cols = FIGURE_COLUMNS.join(", ");
    let sets: Vec<String> = FIGURE_COLUMNS
        .iter()
        .chain([source.stamp()].iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let mut n = 0;
    // 15 parameters a row (see `projects::bulk_text`).
    for chunk in rows.chunks(500) {
        let mut q = Sql::new(&format!(
            "INSERT INTO {} (town_code, year, month, {cols}, {}) VALUES ",
            source.table(),
            source.stamp()
        ));
        for (i, (town, year, month, f)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::Text(town.clone()))
                .push(", ")
                .bind(Arg::I32(*year))
                .push(", ")
                .bind(Arg::I32(*month));
            for v in values(f) {
                q.push(", ").bind(Arg::I64(v));
            }
            q.push(", ").bind(Arg::I64(now)).push(")");
        }
        q.push(" ON CONFLICT (town_code, year, month) DO UPDATE SET ")
            .push(&sets.join(", "));
        n += super::projects::bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

/// The latest year with any project figures under `region` (in scope): where a
/// dashboard opens when no year is asked for. One index range on
/// (town_code, year, month).
pub async fn latest_year(tx: &mut Tx, scope: &RegionScope, region: &str) -> Result<Option<i32>> {
    let mut q = Sql::new("SELECT MAX(year) AS year FROM town_month_stats WHERE town_code LIKE ");
    q.bind(Arg::Text(format!("{region}%")));
    scope_filter(&mut q, "town_code", scope);
    #[derive(sqlx::FromRow)]
    struct Latest {
        year: Option<i32>,
    }
    let row: Option<Latest> = fetch_optional(tx, &q).await?;
    Ok(row.and_then(|r| r.year))
}
