//! 工作总结: aggregate reads over projects, inspections and the ledgers for a
//! region and a period, and the saved summaries with their revisions.
//!
//! Every read filters on the table's own region column twice: `LIKE
//! '<region>%'` (the region summarised) and [`scope_filter`] (the reader's
//! scope), so a summary never counts a record its reader could not list.
//! Dates are compared as 'YYYY-MM-DD' text, which orders like the dates.

use super::{execute, fetch_all, fetch_optional, paginate, scalar_i64, scope_filter};
use crate::{Arg, Engine, Result, Sql, Tx};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::RegionScope;
use serde::Serialize;

/// A count (and optionally two sums) under one or two keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Tally {
    pub key: String,
    pub key2: String,
    pub n: i64,
    pub a: i64,
    pub b: i64,
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_owned())
}

fn under(q: &mut Sql, column: &str, region: &str, scope: &RegionScope) {
    q.push(" AND ")
        .push(column)
        .push(" LIKE ")
        .bind(Arg::Text(format!("{region}%")));
    scope_filter(q, column, scope);
}

fn between(q: &mut Sql, column: &str, from: &str, to: &str) {
    q.push(" AND ")
        .push(column)
        .push(" >= ")
        .bind(text(from))
        .push(" AND ")
        .push(column)
        .push(" <= ")
        .bind(text(to));
}

// ---------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------

/// The year's library under a region by 五美 category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PillarFigures {
    pub key: String,
    /// Projects with a plan for the year, and their total and planned investment.
    pub projects: i64,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
    /// Projects with a report in the year up to the month.
    pub reported: i64,
    /// Their year-to-date figure from their latest such report (the same
    /// rule as the per-town figures).
    pub completed_investment_fen: i64,
}

/// Counts, investment and completed investment by 五美 category as of a
/// month, in one pass over the region's projects: one index probe per
/// project for its latest report (`(project_id, year, month)` is unique),
/// instead of a scan of the year's reports with a probe per report. A
/// report carries its project's town, so filtering on the project's town
/// selects the same reports.
pub async fn pillar_figures(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    month: i32,
) -> Result<Vec<PillarFigures>> {
    // MATERIALIZED: the probe is evaluated once per project, not once per
    // aggregate that reads it.
    let mut q = Sql::new(
        "WITH x AS MATERIALIZED (SELECT p.pillar, pl.project_id AS planned, p.total_investment_fen AS total, \
         pl.planned_investment_fen AS plan, (SELECT mr.year_cumulative_fen FROM monthly_reports mr \
         WHERE mr.project_id = p.id AND mr.year = ",
    );
    q.bind(Arg::I32(year))
        .push(" AND mr.month <= ")
        .bind(Arg::I32(month))
        .push(
            " ORDER BY mr.month DESC LIMIT 1) AS done FROM projects p \
             LEFT JOIN project_plans pl ON pl.project_id = p.id AND pl.year = ",
        )
        .bind(Arg::I32(year))
        .push(" WHERE 1 = 1");
    under(&mut q, "p.town_code", region, scope);
    q.push(
        ") SELECT pillar AS key, COUNT(planned) AS projects, \
         CAST(COALESCE(SUM(CASE WHEN planned IS NULL THEN 0 ELSE total END), 0) AS BIGINT) AS total_investment_fen, \
         CAST(COALESCE(SUM(plan), 0) AS BIGINT) AS planned_investment_fen, COUNT(done) AS reported, \
         CAST(COALESCE(SUM(done), 0) AS BIGINT) AS completed_investment_fen \
         FROM x GROUP BY pillar ORDER BY pillar",
    );
    fetch_all(tx, &q).await
}

/// Enrolled towns of a year by kind (样板创建 / 达标创建).
pub async fn enrollment_counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
) -> Result<Vec<Tally>> {
    let mut q = Sql::new(
        "SELECT kind AS key, '' AS key2, COUNT(*) AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b \
         FROM enrollments WHERE year = ",
    );
    q.bind(Arg::I32(year));
    under(&mut q, "town_code", region, scope);
    q.push(" GROUP BY kind ORDER BY kind");
    fetch_all(tx, &q).await
}

// ---------------------------------------------------------------------------
// Inspections (published rounds only: what towns and the public have seen)
// ---------------------------------------------------------------------------

/// One town's result in a published round of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InspectionFact {
    pub round_id: i64,
    pub quarter: i32,
    pub town_code: String,
    /// Hundredths of a point.
    pub score: i64,
    pub findings: i64,
}

pub async fn inspections_in(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    quarters: (i32, i32),
) -> Result<Vec<InspectionFact>> {
    let mut q = Sql::new(
        "SELECT r.id AS round_id, r.quarter AS quarter, i.town_code, i.score, CAST(i.findings AS BIGINT) AS findings \
         FROM inspections i JOIN rounds r ON r.id = i.round_id \
         WHERE r.state = 'published' AND i.state = 'submitted' AND r.year = ",
    );
    q.bind(Arg::I32(year))
        .push(" AND r.quarter >= ")
        .bind(Arg::I32(quarters.0))
        .push(" AND r.quarter <= ")
        .bind(Arg::I32(quarters.1));
    under(&mut q, "i.town_code", region, scope);
    q.push(" ORDER BY r.id, i.town_code");
    fetch_all(tx, &q).await
}

/// Rectification tasks of the published rounds of the period, counted by
/// town, state and deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RectTally {
    pub town_code: String,
    pub rect_state: String,
    pub deadline: String,
    pub n: i64,
    /// Tasks whose last answer was sent by the deadline day (Shanghai time).
    pub answered_in_time: i64,
}

/// The tasks counted in the database rather than sent row by row (150,000
/// at province scale, most of the time it took). "Sent by the deadline
/// day" is `answered_at` before the next day's 00:00 in Shanghai (UTC+8,
/// no daylight saving), the same day the program shows.
pub async fn rect_tally_in(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    quarters: (i32, i32),
) -> Result<Vec<RectTally>> {
    let day_after_deadline = match tx.engine() {
        Engine::Postgres => "(CAST(f.deadline AS DATE) - DATE '1970-01-01' + 1)",
        // julianday('YYYY-MM-DD') is a whole day plus 0.5, exactly.
        Engine::Sqlite => "(CAST(julianday(f.deadline) - 2440587.5 AS INTEGER) + 1)",
    };
    let mut q = Sql::new(&format!(
        "SELECT f.town_code, f.rect_state, f.deadline, COUNT(*) AS n, \
         CAST(COALESCE(SUM(CASE WHEN f.answered_at < {day_after_deadline} * CAST(86400000 AS BIGINT) - 28800000 \
         THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered_in_time FROM findings f \
         JOIN rounds r ON r.id = f.round_id \
         WHERE r.state = 'published' AND f.rect_state IS NOT NULL AND f.deadline IS NOT NULL AND r.year = "
    ));
    q.bind(Arg::I32(year))
        .push(" AND r.quarter >= ")
        .bind(Arg::I32(quarters.0))
        .push(" AND r.quarter <= ")
        .bind(Arg::I32(quarters.1));
    under(&mut q, "f.town_code", region, scope);
    q.push(" GROUP BY f.town_code, f.rect_state, f.deadline");
    fetch_all(tx, &q).await
}

// ---------------------------------------------------------------------------
// Ledgers
// ---------------------------------------------------------------------------

/// Media reports of the period by level (key) and medium (key2).
pub async fn media_counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Tally>> {
    let mut q = Sql::new(
        "SELECT level AS key, medium AS key2, COUNT(*) AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b \
         FROM media_reports WHERE 1 = 1",
    );
    under(&mut q, "region_code", region, scope);
    between(&mut q, "published_on", from, to);
    q.push(" GROUP BY level, medium ORDER BY level, medium");
    fetch_all(tx, &q).await
}

/// Expert services of the period by type: count, opinions given (a) and adopted (b).
pub async fn service_counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Tally>> {
    let mut q = Sql::new(
        "SELECT service_type AS key, '' AS key2, COUNT(*) AS n, \
         CAST(COALESCE(SUM(opinions_given), 0) AS BIGINT) AS a, \
         CAST(COALESCE(SUM(opinions_adopted), 0) AS BIGINT) AS b \
         FROM expert_services WHERE 1 = 1",
    );
    under(&mut q, "town_code", region, scope);
    between(&mut q, "served_on", from, to);
    q.push(" GROUP BY service_type ORDER BY service_type");
    fetch_all(tx, &q).await
}

/// Pairings in force during the period by kind: count (n) and towns (a).
pub async fn pairing_counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Tally>> {
    let mut q = Sql::new(
        "SELECT kind AS key, '' AS key2, COUNT(*) AS n, COUNT(DISTINCT town_code) AS a, \
         COUNT(DISTINCT expert_id) AS b FROM expert_pairings WHERE starts_on <= ",
    );
    q.bind(text(to))
        .push(" AND (ends_on IS NULL OR ends_on >= ")
        .bind(text(from))
        .push(")");
    under(&mut q, "town_code", region, scope);
    q.push(" GROUP BY kind ORDER BY kind");
    fetch_all(tx, &q).await
}

/// Experts active for the region in the period, by role: paired with one of
/// its towns or serving one.
pub async fn active_experts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Tally>> {
    let mut q = Sql::new(
        "SELECT e.role AS key, '' AS key2, COUNT(*) AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b \
         FROM experts e WHERE e.id IN (SELECT ep.expert_id FROM expert_pairings ep WHERE ep.starts_on <= ",
    );
    q.bind(text(to))
        .push(" AND (ep.ends_on IS NULL OR ep.ends_on >= ")
        .bind(text(from))
        .push(")");
    under(&mut q, "ep.town_code", region, scope);
    q.push(" UNION SELECT es.expert_id FROM expert_services es WHERE 1 = 1");
    under(&mut q, "es.town_code", region, scope);
    between(&mut q, "es.served_on", from, to);
    q.push(") GROUP BY e.role ORDER BY e.role");
    fetch_all(tx, &q).await
}

/// Meetings of the period by kind (key) and level (key2).
pub async fn meeting_counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Tally>> {
    let mut q = Sql::new(
        "SELECT kind AS key, level AS key2, COUNT(*) AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b \
         FROM meetings WHERE 1 = 1",
    );
    under(&mut q, "region_code", region, scope);
    between(&mut q, "held_on", from, to);
    q.push(" GROUP BY kind, level ORDER BY kind, level");
    fetch_all(tx, &q).await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MeetingLine {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub held_on: String,
    pub ends_on: Option<String>,
    pub kind: String,
    pub level: String,
    pub title: String,
    pub place: String,
    pub host: String,
}

/// The meetings a summary names: on-site meetings (现场会) at any level, and
/// meetings held at the region's own level or above, in date order.
pub async fn notable_meetings(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    levels: &[&str],
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<MeetingLine>> {
    let mut q = Sql::new(
        "SELECT m.id, m.region_code, g.name AS region_name, m.held_on, m.ends_on, m.kind, m.level, \
         m.title, m.place, m.host FROM meetings m JOIN regions g ON g.code = m.region_code \
         WHERE (m.kind = 'on_site'",
    );
    for l in levels {
        q.push(" OR m.level = ").bind(text(l));
    }
    q.push(")");
    under(&mut q, "m.region_code", region, scope);
    between(&mut q, "m.held_on", from, to);
    q.push(" ORDER BY m.held_on, m.id LIMIT ")
        .bind(Arg::I64(limit));
    fetch_all(tx, &q).await
}

/// Staff seconded during the period (n) and the offices they serve (a).
pub async fn staff_counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    from: &str,
    to: &str,
) -> Result<Tally> {
    let mut q = Sql::new(
        "SELECT '' AS key, '' AS key2, COUNT(*) AS n, COUNT(DISTINCT region_code) AS a, CAST(0 AS BIGINT) AS b \
         FROM work_team_members WHERE starts_on <= ",
    );
    q.bind(text(to))
        .push(" AND (ends_on IS NULL OR ends_on >= ")
        .bind(text(from))
        .push(")");
    under(&mut q, "region_code", region, scope);
    super::fetch_one(tx, &q).await
}

/// An indicator defined by the region or an office above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IndicatorDef {
    pub id: i64,
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub period: String,
    pub aggregation: String,
    pub higher_is_better: bool,
    pub target_milli: Option<i64>,
}

/// Definitions made by any of `lineage` (the region and its ancestors):
/// an office's indicators apply to every town below it.
pub async fn indicator_defs(tx: &mut Tx, lineage: &[String]) -> Result<Vec<IndicatorDef>> {
    if lineage.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT id, region_code, code, name, unit, period, aggregation, higher_is_better, target_milli \
         FROM indicators WHERE region_code IN (",
    );
    for (i, c) in lineage.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(text(c));
    }
    q.push(") ORDER BY region_code, code");
    fetch_all(tx, &q).await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IndicatorValue {
    pub indicator_id: i64,
    pub town_code: String,
    pub period: String,
    pub value_milli: i64,
}

/// Town values of the given indicators for the given period ids.
pub async fn indicator_values(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    ids: &[i64],
    periods: &[String],
) -> Result<Vec<IndicatorValue>> {
    if ids.is_empty() || periods.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT indicator_id, town_code, period, value_milli FROM indicator_values WHERE indicator_id IN (",
    );
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(Arg::I64(*id));
    }
    q.push(") AND period IN (");
    for (i, p) in periods.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(text(p));
    }
    q.push(")");
    under(&mut q, "town_code", region, scope);
    q.push(" ORDER BY indicator_id, period, town_code");
    fetch_all(tx, &q).await
}

/// Names of the regions under `region` at several levels (code lengths) in
/// one read, by code.
pub async fn names_at(
    tx: &mut Tx,
    region: &str,
    code_lens: &[usize],
) -> Result<Vec<(String, String)>> {
    #[derive(sqlx::FromRow)]
    struct N {
        code: String,
        name: String,
    }
    if code_lens.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT code, name FROM regions WHERE code LIKE ");
    q.bind(Arg::Text(format!("{region}%")))
        .push(" AND LENGTH(code) IN (");
    for (i, len) in code_lens.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(Arg::I64(i64::try_from(*len).unwrap_or(0)));
    }
    q.push(") ORDER BY code");
    let rows: Vec<N> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|n| (n.code, n.name)).collect())
}

/// Names of the regions under `region` at one level (code length), for tables.
pub async fn names_under(
    tx: &mut Tx,
    region: &str,
    code_len: usize,
) -> Result<Vec<(String, String)>> {
    #[derive(sqlx::FromRow)]
    struct N {
        code: String,
        name: String,
    }
    let len = i64::try_from(code_len).unwrap_or(0);
    let mut q = Sql::new("SELECT code, name FROM regions WHERE code LIKE ");
    q.bind(Arg::Text(format!("{region}%")))
        .push(" AND LENGTH(code) = ")
        .bind(Arg::I64(len))
        .push(" ORDER BY code");
    let rows: Vec<N> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|n| (n.code, n.name)).collect())
}

// ---------------------------------------------------------------------------
// Saved summaries
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SummaryRow {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub period: String,
    pub layout: String,
    pub title: String,
    pub revision: i32,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_by: Option<i64>,
    pub updated_at: i64,
    /// The author of the latest revision.
    pub updated_by_name: String,
}

const SUMMARY_COLUMNS: &str = "SELECT s.id, s.region_code, g.name AS region_name, s.period, s.layout, s.title, \
     s.revision, s.created_by, s.created_at, s.updated_by, s.updated_at, \
     COALESCE((SELECT v.author_name FROM summary_revisions v WHERE v.summary_id = s.id AND v.revision = s.revision), '') AS updated_by_name";

const SUMMARY_FROM: &str = " FROM summaries s JOIN regions g ON g.code = s.region_code WHERE 1 = 1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub summary_id: i64,
    pub revision: i32,
    pub note: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevisionBody {
    pub revision: i32,
    pub body: String,
    pub author_name: String,
    pub created_at: i64,
}

pub struct NewSummary<'a> {
    pub region_code: &'a str,
    pub period: &'a str,
    pub layout: &'a str,
    pub title: &'a str,
    pub by: Option<i64>,
    pub now: i64,
}

/// Inserts a summary at revision 1 and returns its id.
pub async fn insert(tx: &mut Tx, s: &NewSummary<'_>) -> Result<i64> {
    let mut q = Sql::new(
        "INSERT INTO summaries (region_code, period, layout, title, revision, created_by, created_at, updated_by, updated_at) VALUES (",
    );
    q.bind(text(s.region_code))
        .push(", ")
        .bind(text(s.period))
        .push(", ")
        .bind(text(s.layout))
        .push(", ")
        .bind(text(s.title))
        .push(", 1, ")
        .bind(Arg::OptI64(s.by))
        .push(", ")
        .bind(Arg::I64(s.now))
        .push(", ")
        .bind(Arg::OptI64(s.by))
        .push(", ")
        .bind(Arg::I64(s.now))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub struct NewRevision<'a> {
    pub summary_id: i64,
    pub region_code: &'a str,
    pub revision: i32,
    pub body: &'a str,
    pub note: &'a str,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub now: i64,
}

pub async fn insert_revision(tx: &mut Tx, r: &NewRevision<'_>) -> Result<i64> {
    let mut q = Sql::new(
        "INSERT INTO summary_revisions (summary_id, region_code, revision, body, note, author_id, author_name, created_at) VALUES (",
    );
    q.bind(Arg::I64(r.summary_id))
        .push(", ")
        .bind(text(r.region_code))
        .push(", ")
        .bind(Arg::I32(r.revision))
        .push(", ")
        .bind(text(r.body))
        .push(", ")
        .bind(text(r.note))
        .push(", ")
        .bind(Arg::OptI64(r.author_id))
        .push(", ")
        .bind(text(r.author_name))
        .push(", ")
        .bind(Arg::I64(r.now))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

/// Moves a summary from `base` to `base + 1`; 0 rows when someone else saved
/// first (optimistic concurrency: the caller reports a conflict).
pub async fn bump(
    tx: &mut Tx,
    id: i64,
    base: i32,
    title: &str,
    by: Option<i64>,
    now: i64,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE summaries SET revision = revision + 1, title = ");
    q.bind(text(title))
        .push(", updated_by = ")
        .bind(Arg::OptI64(by))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id))
        .push(" AND revision = ")
        .bind(Arg::I32(base));
    execute(tx, &q).await
}

pub async fn get(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<SummaryRow>> {
    let mut q = Sql::new(&format!("{SUMMARY_COLUMNS}{SUMMARY_FROM}"));
    q.push(" AND s.id = ").bind(Arg::I64(id));
    scope_filter(&mut q, "s.region_code", scope);
    fetch_optional(tx, &q).await
}

/// Which summaries to list.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SummaryFilter {
    /// Summaries of this region and below.
    pub region: Option<String>,
    pub year: Option<i32>,
    /// Words in the title.
    pub q: Option<String>,
}

pub async fn list(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &SummaryFilter,
    page: &PageRequest,
) -> Result<Page<SummaryRow>> {
    let mut body = Sql::new(SUMMARY_FROM);
    scope_filter(&mut body, "s.region_code", scope);
    if let Some(r) = f.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        body.push(" AND s.region_code LIKE ")
            .bind(Arg::Text(format!("{r}%")));
    }
    if let Some(y) = f.year {
        body.push(" AND s.period LIKE ")
            .bind(Arg::Text(format!("{y}%")));
    }
    if let Some(t) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        body.push(" AND s.title LIKE ")
            .bind(Arg::Text(format!("%{t}%")));
    }
    let total = scalar_i64(tx, &Sql::prefixed("SELECT COUNT(*)", &body)).await?;
    let mut q = Sql::prefixed(SUMMARY_COLUMNS, &body);
    q.push(" ORDER BY s.updated_at DESC, s.id DESC");
    paginate(&mut q, page);
    Ok(Page {
        items: fetch_all(tx, &q).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub async fn revisions(tx: &mut Tx, summary_id: i64) -> Result<Vec<RevisionRow>> {
    let mut q = Sql::new(
        "SELECT id, summary_id, revision, note, author_id, author_name, created_at \
         FROM summary_revisions WHERE summary_id = ",
    );
    q.bind(Arg::I64(summary_id)).push(" ORDER BY revision DESC");
    fetch_all(tx, &q).await
}

pub async fn revision_body(
    tx: &mut Tx,
    summary_id: i64,
    revision: i32,
) -> Result<Option<RevisionBody>> {
    let mut q = Sql::new(
        "SELECT revision, body, author_name, created_at FROM summary_revisions WHERE summary_id = ",
    );
    q.bind(Arg::I64(summary_id))
        .push(" AND revision = ")
        .bind(Arg::I32(revision));
    fetch_optional(tx, &q).await
}
