//! The project library (项目库), yearly plans, monthly reports, reporting
//! periods and photos. Every read of a project goes through a scope on its
//! town code.

use super::{execute, fetch_all, fetch_optional, paginate, scalar_i64, scope_filter};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::RegionScope;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: i64,
    pub town_code: String,
    pub code: String,
    pub name: String,
    pub pillar: String,
    pub basic_facility: Option<String>,
    pub is_key: bool,
    pub content: String,
    pub owner_unit: String,
    pub responsible_person: String,
    pub funding_sources: String,
    pub total_investment_fen: i64,
    pub planned_start: Option<String>,
    pub planned_finish: Option<String>,
    pub actual_start: Option<String>,
    pub actual_finish: Option<String>,
    pub status: String,
    pub progress_text: String,
    pub progress_pct: Option<i32>,
    pub land_acquired_centimu: i64,
    pub land_transferred_centimu: i64,
    pub graves_moved: i64,
    pub households_relocated: i64,
    pub problems: String,
    pub review_state: String,
    pub review_note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, town_code, code, name, pillar, basic_facility, is_key, content, owner_unit, \
    responsible_person, funding_sources, total_investment_fen, planned_start, planned_finish, actual_start, \
    actual_finish, status, progress_text, progress_pct, land_acquired_centimu, land_transferred_centimu, \
    graves_moved, households_relocated, problems, review_state, review_note, created_at, updated_at";

/// The editable fields of a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProjectFields {
    pub code: String,
    pub name: String,
    pub pillar: String,
    pub basic_facility: Option<String>,
    pub is_key: bool,
    pub content: String,
    pub owner_unit: String,
    pub responsible_person: String,
    pub funding_sources: String,
    pub total_investment_fen: i64,
    pub planned_start: Option<String>,
    pub planned_finish: Option<String>,
    pub actual_start: Option<String>,
    pub actual_finish: Option<String>,
    pub status: String,
    pub progress_text: String,
    pub progress_pct: Option<i32>,
    pub land_acquired_centimu: i64,
    pub land_transferred_centimu: i64,
    pub graves_moved: i64,
    pub households_relocated: i64,
    pub problems: String,
}

/// Binds the fields as a VALUES list, or (for UPDATE) as `col = $n` pairs.
fn bind_fields(q: &mut Sql, f: &ProjectFields, as_assignments: bool) {
    let text = |s: &String| Arg::Text(s.clone());
    let opt = |s: &Option<String>| Arg::OptText(s.clone());
    let args: Vec<(&str, Arg)> = vec![
        ("code", text(&f.code)),
        ("name", text(&f.name)),
        ("pillar", text(&f.pillar)),
        ("basic_facility", opt(&f.basic_facility)),
        ("is_key", Arg::Bool(f.is_key)),
        ("content", text(&f.content)),
        ("owner_unit", text(&f.owner_unit)),
        ("responsible_person", text(&f.responsible_person)),
        ("funding_sources", text(&f.funding_sources)),
        ("total_investment_fen", Arg::I64(f.total_investment_fen)),
        ("planned_start", opt(&f.planned_start)),
        ("planned_finish", opt(&f.planned_finish)),
        ("actual_start", opt(&f.actual_start)),
        ("actual_finish", opt(&f.actual_finish)),
        ("status", text(&f.status)),
        ("progress_text", text(&f.progress_text)),
        ("progress_pct", Arg::OptI32(f.progress_pct)),
        ("land_acquired_centimu", Arg::I64(f.land_acquired_centimu)),
        (
            "land_transferred_centimu",
            Arg::I64(f.land_transferred_centimu),
        ),
        ("graves_moved", Arg::I64(f.graves_moved)),
        ("households_relocated", Arg::I64(f.households_relocated)),
        ("problems", text(&f.problems)),
    ];
    for (i, (col, arg)) in args.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        if as_assignments {
            q.push(col).push(" = ");
        }
        q.bind(arg);
    }
}

const FIELD_COLUMNS: &str = "code, name, pillar, basic_facility, is_key, content, owner_unit, responsible_person, \
    funding_sources, total_investment_fen, planned_start, planned_finish, actual_start, actual_finish, status, \
    progress_text, progress_pct, land_acquired_centimu, land_transferred_centimu, graves_moved, \
    households_relocated, problems";

pub async fn insert(
    tx: &mut Tx,
    town: &str,
    f: &ProjectFields,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut q = Sql::new(&format!(
        "INSERT INTO projects (town_code, {FIELD_COLUMNS}, created_at, updated_at, created_by) VALUES ("
    ));
    q.bind(Arg::Text(town.into())).push(", ");
    bind_fields(&mut q, f, false);
    q.push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn update(tx: &mut Tx, id: i64, f: &ProjectFields, now: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE projects SET ");
    bind_fields(&mut q, f, true);
    q.push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

pub async fn set_review(tx: &mut Tx, id: i64, state: &str, note: &str, now: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE projects SET review_state = ");
    q.bind(Arg::Text(state.into()))
        .push(", review_note = ")
        .bind(Arg::Text(note.into()))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

pub async fn get(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<ProjectRow>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM projects WHERE id = "));
    q.bind(Arg::I64(id));
    scope_filter(&mut q, "town_code", scope);
    fetch_optional(tx, &q).await
}

pub async fn by_code(
    tx: &mut Tx,
    scope: &RegionScope,
    town: &str,
    code: &str,
) -> Result<Option<ProjectRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM projects WHERE town_code = "
    ));
    q.bind(Arg::Text(town.into()))
        .push(" AND code = ")
        .bind(Arg::Text(code.into()));
    scope_filter(&mut q, "town_code", scope);
    fetch_optional(tx, &q).await
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// A region code prefix inside the scope (county, town …).
    pub region: Option<String>,
    pub year: Option<i32>,
    pub pillar: Option<String>,
    pub status: Option<String>,
    pub key_only: bool,
    pub q: Option<String>,
}

/// A project as listed, with its town's name and the year's plan.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ProjectListRow {
    pub id: i64,
    pub town_code: String,
    pub town_name: String,
    pub code: String,
    pub name: String,
    pub pillar: String,
    pub is_key: bool,
    pub status: String,
    pub total_investment_fen: i64,
    pub planned_investment_fen: Option<i64>,
    pub progress_pct: Option<i32>,
    pub review_state: String,
}

fn list_filter(scope: &RegionScope, f: &ProjectFilter) -> Sql {
    let mut w = Sql::new(" FROM projects p JOIN regions r ON r.code = p.town_code");
    match f.year {
        Some(y) => {
            w.push(" JOIN project_plans pl ON pl.project_id = p.id AND pl.year = ")
                .bind(Arg::I32(y));
        }
        None => {
            w.push(" LEFT JOIN project_plans pl ON pl.project_id = p.id AND pl.year = -1");
        }
    }
    w.push(" WHERE 1=1");
    scope_filter(&mut w, "p.town_code", scope);
    if let Some(r) = f.region.as_deref().filter(|r| !r.is_empty()) {
        w.push(" AND p.town_code LIKE ")
            .bind(Arg::Text(format!("{r}%")));
    }
    if let Some(v) = f.pillar.as_deref().filter(|v| !v.is_empty()) {
        w.push(" AND p.pillar = ").bind(Arg::Text(v.into()));
    }
    if let Some(v) = f.status.as_deref().filter(|v| !v.is_empty()) {
        w.push(" AND p.status = ").bind(Arg::Text(v.into()));
    }
    if f.key_only {
        w.push(" AND p.is_key = ").bind(Arg::Bool(true));
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        let pat = format!("%{}%", q.replace(['%', '_'], ""));
        w.push(" AND (p.name LIKE ")
            .bind(Arg::Text(pat.clone()))
            .push(" OR p.code LIKE ")
            .bind(Arg::Text(pat))
            .push(")");
    }
    w
}

pub async fn list(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &ProjectFilter,
    page: &PageRequest,
) -> Result<Page<ProjectListRow>> {
    let w = list_filter(scope, f);
    let total = scalar_i64(tx, &Sql::prefixed("SELECT COUNT(*)", &w)).await?;
    let mut s = Sql::prefixed(
        "SELECT p.id, p.town_code, r.name AS town_name, p.code, p.name, p.pillar, p.is_key, p.status, \
         p.total_investment_fen, pl.planned_investment_fen, p.progress_pct, p.review_state",
        &w,
    );
    s.push(" ORDER BY p.town_code, p.code");
    paginate(&mut s, page);
    Ok(Page {
        items: fetch_all(tx, &s).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Every project matching the filter, in ledger order (for exports), in batches.
pub async fn list_batch(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &ProjectFilter,
    after_id: i64,
    limit: i64,
) -> Result<Vec<ProjectRow>> {
    let w = list_filter(scope, f);
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("p.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut s = Sql::prefixed(&format!("SELECT {cols}"), &w);
    s.push(" AND p.id > ")
        .bind(Arg::I64(after_id))
        .push(" ORDER BY p.id LIMIT ")
        .bind(Arg::I64(limit));
    fetch_all(tx, &s).await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct PlanRow {
    pub project_id: i64,
    pub year: i32,
    pub planned_investment_fen: i64,
}

pub async fn set_plan(tx: &mut Tx, project: i64, town: &str, year: i32, fen: i64) -> Result<()> {
    let mut q = Sql::new(
        "INSERT INTO project_plans (project_id, town_code, year, planned_investment_fen) VALUES (",
    );
    q.bind(Arg::I64(project))
        .push(", ")
        .bind(Arg::Text(town.into()))
        .push(", ")
        .bind(Arg::I32(year))
        .push(", ")
        .bind(Arg::I64(fen))
        .push(") ON CONFLICT (project_id, year) DO UPDATE SET planned_investment_fen = excluded.planned_investment_fen, town_code = excluded.town_code");
    execute(tx, &q).await.map(|_| ())
}

pub async fn plans(tx: &mut Tx, project: i64) -> Result<Vec<PlanRow>> {
    let mut q = Sql::new(
        "SELECT project_id, year, planned_investment_fen FROM project_plans WHERE project_id = ",
    );
    q.bind(Arg::I64(project)).push(" ORDER BY year");
    fetch_all(tx, &q).await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct ReportRow {
    pub id: i64,
    pub project_id: i64,
    pub town_code: String,
    pub year: i32,
    pub month: i32,
    pub month_fen: i64,
    pub cumulative_fen: i64,
    pub year_cumulative_fen: i64,
    pub status: String,
    pub progress_text: String,
    pub progress_pct: Option<i32>,
    pub problems: String,
    pub correction_reason: String,
    pub submitted_at: i64,
    pub submitted_by: Option<i64>,
    pub updated_at: i64,
}

const REPORT_COLUMNS: &str = "id, project_id, town_code, year, month, month_fen, cumulative_fen, \
    year_cumulative_fen, status, progress_text, progress_pct, problems, correction_reason, submitted_at, \
    submitted_by, updated_at";

#[derive(Debug, Clone)]
pub struct ReportFields {
    pub month_fen: i64,
    pub cumulative_fen: i64,
    pub year_cumulative_fen: i64,
    pub status: String,
    pub progress_text: String,
    pub progress_pct: Option<i32>,
    pub problems: String,
    pub correction_reason: String,
}

/// Creates or replaces the report of a project for a month.
/// (Project, town, year, month, fields, author, time: one row, one place.)
#[allow(clippy::too_many_arguments)]
pub async fn upsert_report(
    tx: &mut Tx,
    project: i64,
    town: &str,
    year: i32,
    month: i32,
    r: &ReportFields,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut q = Sql::new(&format!(
        "INSERT INTO monthly_reports ({}) VALUES (",
        REPORT_COLUMNS.trim_start_matches("id, ")
    ));
    q.bind(Arg::I64(project))
        .push(", ")
        .bind(Arg::Text(town.into()))
        .push(", ")
        .bind(Arg::I32(year))
        .push(", ")
        .bind(Arg::I32(month))
        .push(", ")
        .bind(Arg::I64(r.month_fen))
        .push(", ")
        .bind(Arg::I64(r.cumulative_fen))
        .push(", ")
        .bind(Arg::I64(r.year_cumulative_fen))
        .push(", ")
        .bind(Arg::Text(r.status.clone()))
        .push(", ")
        .bind(Arg::Text(r.progress_text.clone()))
        .push(", ")
        .bind(Arg::OptI32(r.progress_pct))
        .push(", ")
        .bind(Arg::Text(r.problems.clone()))
        .push(", ")
        .bind(Arg::Text(r.correction_reason.clone()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(", ")
        .bind(Arg::I64(now))
        .push(
            ") ON CONFLICT (project_id, year, month) DO UPDATE SET month_fen = excluded.month_fen, \
             cumulative_fen = excluded.cumulative_fen, year_cumulative_fen = excluded.year_cumulative_fen, \
             status = excluded.status, progress_text = excluded.progress_text, progress_pct = excluded.progress_pct, \
             problems = excluded.problems, correction_reason = excluded.correction_reason, \
             updated_at = excluded.updated_at RETURNING id",
        );
    scalar_i64(tx, &q).await
}

/// Reports of one project, oldest first.
pub async fn reports_for_project(tx: &mut Tx, project: i64) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {REPORT_COLUMNS} FROM monthly_reports WHERE project_id = "
    ));
    q.bind(Arg::I64(project)).push(" ORDER BY year, month");
    fetch_all(tx, &q).await
}

/// Reports of a town up to and including a month (all years), for stats.
pub async fn reports_for_town_until(
    tx: &mut Tx,
    town: &str,
    year: i32,
    month: i32,
) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {REPORT_COLUMNS} FROM monthly_reports WHERE town_code = "
    ));
    q.bind(Arg::Text(town.into()))
        .push(" AND year * 100 + month <= ")
        .bind(Arg::I32(year * 100 + month))
        .push(" ORDER BY project_id, year, month");
    fetch_all(tx, &q).await
}

/// Reports of the towns in scope for a month.
pub async fn reports_for_month(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    month: i32,
) -> Result<Vec<ReportRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {REPORT_COLUMNS} FROM monthly_reports WHERE year = "
    ));
    q.bind(Arg::I32(year))
        .push(" AND month = ")
        .bind(Arg::I32(month))
        .push(" AND town_code LIKE ")
        .bind(Arg::Text(format!("{region}%")));
    scope_filter(&mut q, "town_code", scope);
    q.push(" ORDER BY town_code, project_id");
    fetch_all(tx, &q).await
}

/// Projects of a town with their plan for a year (None when not in that year's library).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProjectYearRow {
    pub id: i64,
    pub status: String,
    pub total_investment_fen: i64,
    pub planned_start: Option<String>,
    pub planned_finish: Option<String>,
    pub planned_investment_fen: i64,
}

pub async fn town_year_projects(tx: &mut Tx, town: &str, year: i32) -> Result<Vec<ProjectYearRow>> {
    let mut q = Sql::new(
        "SELECT p.id, p.status, p.total_investment_fen, p.planned_start, p.planned_finish, \
         pl.planned_investment_fen FROM projects p JOIN project_plans pl ON pl.project_id = p.id WHERE p.town_code = ",
    );
    q.bind(Arg::Text(town.into()))
        .push(" AND pl.year = ")
        .bind(Arg::I32(year))
        .push(" ORDER BY p.id");
    fetch_all(tx, &q).await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct PeriodRow {
    pub town_code: String,
    pub year: i32,
    pub month: i32,
    pub state: String,
    pub submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<i64>,
    pub review_note: String,
}

const PERIOD_COLUMNS: &str =
    "town_code, year, month, state, submitted_at, reviewed_at, reviewed_by, review_note";

pub async fn period(tx: &mut Tx, town: &str, year: i32, month: i32) -> Result<Option<PeriodRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {PERIOD_COLUMNS} FROM reporting_periods WHERE town_code = "
    ));
    q.bind(Arg::Text(town.into()))
        .push(" AND year = ")
        .bind(Arg::I32(year))
        .push(" AND month = ")
        .bind(Arg::I32(month));
    fetch_optional(tx, &q).await
}

pub async fn periods_for_month(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    month: i32,
) -> Result<Vec<PeriodRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {PERIOD_COLUMNS} FROM reporting_periods WHERE year = "
    ));
    q.bind(Arg::I32(year))
        .push(" AND month = ")
        .bind(Arg::I32(month))
        .push(" AND town_code LIKE ")
        .bind(Arg::Text(format!("{region}%")));
    scope_filter(&mut q, "town_code", scope);
    fetch_all(tx, &q).await
}

#[allow(clippy::too_many_arguments)]
pub async fn set_period(
    tx: &mut Tx,
    town: &str,
    year: i32,
    month: i32,
    state: &str,
    submitted_at: Option<i64>,
    reviewed_at: Option<i64>,
    reviewed_by: Option<i64>,
    note: &str,
) -> Result<()> {
    let mut q = Sql::new(&format!(
        "INSERT INTO reporting_periods ({PERIOD_COLUMNS}) VALUES ("
    ));
    q.bind(Arg::Text(town.into()))
        .push(", ")
        .bind(Arg::I32(year))
        .push(", ")
        .bind(Arg::I32(month))
        .push(", ")
        .bind(Arg::Text(state.into()))
        .push(", ")
        .bind(Arg::OptI64(submitted_at))
        .push(", ")
        .bind(Arg::OptI64(reviewed_at))
        .push(", ")
        .bind(Arg::OptI64(reviewed_by))
        .push(", ")
        .bind(Arg::Text(note.into()))
        .push(
            ") ON CONFLICT (town_code, year, month) DO UPDATE SET state = excluded.state, \
             submitted_at = COALESCE(excluded.submitted_at, reporting_periods.submitted_at), \
             reviewed_at = excluded.reviewed_at, reviewed_by = excluded.reviewed_by, review_note = excluded.review_note",
        );
    execute(tx, &q).await.map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PhotoRow {
    pub id: i64,
    pub project_id: i64,
    pub report_id: Option<i64>,
    pub town_code: String,
    pub sha256: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub taken_at: Option<String>,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub caption: String,
    pub uploaded_at: i64,
}

const PHOTO_COLUMNS: &str =
    "id, project_id, report_id, town_code, sha256, content_type, bytes, width, height, \
    taken_at, lat_e6, lon_e6, caption, uploaded_at";

pub struct NewPhoto<'a> {
    pub project_id: i64,
    pub report_id: Option<i64>,
    pub town_code: &'a str,
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub taken_at: Option<String>,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub caption: &'a str,
}

pub async fn insert_photo(tx: &mut Tx, p: &NewPhoto<'_>, by: Option<i64>, now: i64) -> Result<i64> {
    let mut q = Sql::new(&format!(
        "INSERT INTO photos ({}, uploaded_by) VALUES (",
        PHOTO_COLUMNS.trim_start_matches("id, ")
    ));
    q.bind(Arg::I64(p.project_id))
        .push(", ")
        .bind(Arg::OptI64(p.report_id))
        .push(", ")
        .bind(Arg::Text(p.town_code.into()))
        .push(", ")
        .bind(Arg::Text(p.sha256.into()))
        .push(", ")
        .bind(Arg::Text(p.content_type.into()))
        .push(", ")
        .bind(Arg::I64(p.bytes))
        .push(", ")
        .bind(Arg::OptI32(p.width))
        .push(", ")
        .bind(Arg::OptI32(p.height))
        .push(", ")
        .bind(Arg::OptText(p.taken_at.clone()))
        .push(", ")
        .bind(Arg::OptI64(p.lat_e6))
        .push(", ")
        .bind(Arg::OptI64(p.lon_e6))
        .push(", ")
        .bind(Arg::Text(p.caption.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn photos_for_project(
    tx: &mut Tx,
    scope: &RegionScope,
    project: i64,
) -> Result<Vec<PhotoRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {PHOTO_COLUMNS} FROM photos WHERE project_id = "
    ));
    q.bind(Arg::I64(project));
    scope_filter(&mut q, "town_code", scope);
    q.push(" ORDER BY uploaded_at DESC, id DESC");
    fetch_all(tx, &q).await
}

pub async fn photo(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<PhotoRow>> {
    let mut q = Sql::new(&format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE id = "));
    q.bind(Arg::I64(id));
    scope_filter(&mut q, "town_code", scope);
    fetch_optional(tx, &q).await
}

/// One comment in a project's thread (意见与回复). `town_code` is the
/// project's, copied so reads are scoped on this table's own column; the
/// author's name and role are kept as they were when the comment was written.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct CommentRow {
    pub id: i64,
    pub project_id: i64,
    pub town_code: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub author_role: String,
    pub body: String,
    pub created_at: i64,
}

const COMMENT_COLUMNS: &str =
    "id, project_id, town_code, author_id, author_name, author_role, body, created_at";

pub struct NewComment<'a> {
    pub project_id: i64,
    pub town_code: &'a str,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub author_role: &'a str,
    pub body: &'a str,
}

/// Adds a comment and returns it as stored.
pub async fn insert_comment(tx: &mut Tx, c: &NewComment<'_>, now: i64) -> Result<CommentRow> {
    let mut q = Sql::new(&format!(
        "INSERT INTO project_comments ({}) VALUES (",
        COMMENT_COLUMNS.trim_start_matches("id, ")
    ));
    q.bind(Arg::I64(c.project_id))
        .push(", ")
        .bind(Arg::Text(c.town_code.into()))
        .push(", ")
        .bind(Arg::OptI64(c.author_id))
        .push(", ")
        .bind(Arg::Text(c.author_name.into()))
        .push(", ")
        .bind(Arg::Text(c.author_role.into()))
        .push(", ")
        .bind(Arg::Text(c.body.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(&format!(") RETURNING {COMMENT_COLUMNS}"));
    super::fetch_one(tx, &q).await
}

/// The thread of a project, oldest first; comments outside the scope are
/// not there.
pub async fn comments_for_project(
    tx: &mut Tx,
    scope: &RegionScope,
    project: i64,
) -> Result<Vec<CommentRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COMMENT_COLUMNS} FROM project_comments WHERE project_id = "
    ));
    q.bind(Arg::I64(project));
    scope_filter(&mut q, "town_code", scope);
    q.push(" ORDER BY created_at, id");
    fetch_all(tx, &q).await
}

/// Projects of a year's library under a region, grouped by a column
/// (`pillar` or `status`): (value, projects, total investment, year's plan).
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct GroupCount {
    pub key: String,
    pub projects: i64,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
}

pub async fn counts_by(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    by_pillar: bool,
) -> Result<Vec<GroupCount>> {
    // The column name comes from this fixed choice, never from input.
    let col = if by_pillar { "p.pillar" } else { "p.status" };
    let mut q = Sql::new(&format!(
        "SELECT {col} AS key, COUNT(*) AS projects, CAST(COALESCE(SUM(p.total_investment_fen), 0) AS BIGINT) AS total_investment_fen, \
         CAST(COALESCE(SUM(pl.planned_investment_fen), 0) AS BIGINT) AS planned_investment_fen \
         FROM projects p JOIN project_plans pl ON pl.project_id = p.id AND pl.year = "
    ));
    q.bind(Arg::I32(year))
        .push(" WHERE p.town_code LIKE ")
        .bind(Arg::Text(format!("{region}%")));
    scope_filter(&mut q, "p.town_code", scope);
    q.push(&format!(" GROUP BY {col} ORDER BY {col}"));
    fetch_all(tx, &q).await
}

/// The photos of projects under a region uploaded in a time window, newest
/// first, with the project's and town's names (for the monthly report).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PhotoWithProject {
    pub id: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub caption: String,
    pub project_name: String,
    pub town_name: String,
}

/// Photos of a month: filed with that month's reports, or uploaded during
/// `[from_ms, to_ms)`.
#[allow(clippy::too_many_arguments)]
pub async fn photos_in_region(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
    month: i32,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> Result<Vec<PhotoWithProject>> {
    let mut q = Sql::new(
        "SELECT ph.id, ph.width, ph.height, ph.caption, p.name AS project_name, r.name AS town_name \
         FROM photos ph JOIN projects p ON p.id = ph.project_id JOIN regions r ON r.code = ph.town_code \
         LEFT JOIN monthly_reports mr ON mr.id = ph.report_id \
         WHERE ph.town_code LIKE ",
    );
    q.bind(Arg::Text(format!("{region}%")))
        .push(" AND ((mr.year = ")
        .bind(Arg::I32(year))
        .push(" AND mr.month = ")
        .bind(Arg::I32(month))
        .push(") OR (ph.uploaded_at >= ")
        .bind(Arg::I64(from_ms))
        .push(" AND ph.uploaded_at < ")
        .bind(Arg::I64(to_ms))
        .push("))");
    scope_filter(&mut q, "ph.town_code", scope);
    q.push(" ORDER BY ph.uploaded_at DESC, ph.id DESC LIMIT ")
        .bind(Arg::I64(limit));
    fetch_all(tx, &q).await
}

/// Every project of a year's library under a region prefix (one county at a
/// time for exports), in ledger order, with the town's name and the plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerLine {
    pub town_code: String,
    pub town_name: String,
    pub code: String,
    pub name: String,
    pub pillar: String,
    pub is_key: bool,
    pub owner_unit: String,
    pub status: String,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
    pub planned_start: Option<String>,
    pub planned_finish: Option<String>,
    pub progress_text: String,
}

pub async fn ledger_lines(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &str,
    year: i32,
) -> Result<Vec<LedgerLine>> {
    let mut q = Sql::new(
        "SELECT p.town_code, r.name AS town_name, p.code, p.name, p.pillar, p.is_key, p.owner_unit, p.status, \
         p.total_investment_fen, pl.planned_investment_fen, p.planned_start, p.planned_finish, p.progress_text \
         FROM projects p JOIN regions r ON r.code = p.town_code \
         JOIN project_plans pl ON pl.project_id = p.id AND pl.year = ",
    );
    q.bind(Arg::I32(year))
        .push(" WHERE p.town_code LIKE ")
        .bind(Arg::Text(format!("{region}%")));
    scope_filter(&mut q, "p.town_code", scope);
    q.push(" ORDER BY p.town_code, p.code");
    fetch_all(tx, &q).await
}

// ---------------------------------------------------------------------------
// Bulk loading (`meizhen generate projects`): multi-row INSERTs, so that a
// province's library (60,000 projects, a million reports) loads in minutes.
// The rows are exactly those the one-row functions above would write.
// ---------------------------------------------------------------------------

/// Bound parameters per multi-row statement: well below the engines' limits
/// (SQLite 32,766, PostgreSQL 65,535).
const MAX_PARAMS: usize = 8_000;

/// The statement text for the engine. On SQLite the `$n` (numbered in order
/// by [`Sql`]) become anonymous `?`: sqlx asks `sqlite3_bind_parameter_name`
/// for every parameter it binds, and for a named one SQLite walks the
/// statement's list of names, so binding `$n` costs the square of their
/// number (one 28,000-parameter INSERT took 2.5 s; with 480 parameters a
/// statement it was still half the time of generating the province). An
/// anonymous parameter has no name to look up.
fn bulk_text(engine: crate::Engine, text: &str) -> String {
    if engine == crate::Engine::Postgres {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// [`execute`] for the bulk statements (placeholders numbered in order, no
/// `$` in the text otherwise).
pub(super) async fn bulk_execute(tx: &mut Tx, sql: &Sql) -> Result<u64> {
    let text = bulk_text(tx.engine(), sql.text());
    crate::on_tx!(tx, c => {
        let q = crate::bind_args!(sqlx::query(&text), sql.args());
        Ok(q.execute(c).await?.rows_affected())
    })
}

async fn bulk_fetch_all<T: super::Row>(tx: &mut Tx, sql: &Sql) -> Result<Vec<T>> {
    let text = bulk_text(tx.engine(), sql.text());
    crate::on_tx!(tx, c => {
        let q = crate::bind_args!(sqlx::query_as::<_, T>(&text), sql.args());
        Ok(q.fetch_all(c).await?)
    })
}

/// A project to insert in bulk.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub town_code: String,
    pub fields: ProjectFields,
    pub created_by: Option<i64>,
    /// Also the `updated_at`.
    pub created_at: i64,
}

/// Inserts projects (as [`insert`] does, in statements of many rows) and
/// returns `(id, town_code, code)` for each, in no particular order.
pub async fn insert_many(tx: &mut Tx, rows: &[NewProject]) -> Result<Vec<(i64, String, String)>> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(MAX_PARAMS / 26) {
        let mut q = Sql::new(&format!(
            "INSERT INTO projects (town_code, {FIELD_COLUMNS}, created_at, updated_at, created_by) VALUES "
        ));
        for (i, r) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(Arg::Text(r.town_code.clone())).push(", ");
            bind_fields(&mut q, &r.fields, false);
            q.push(", ")
                .bind(Arg::I64(r.created_at))
                .push(", ")
                .bind(Arg::I64(r.created_at))
                .push(", ")
                .bind(Arg::OptI64(r.created_by))
                .push(")");
        }
        q.push(" RETURNING id, town_code, code");
        out.extend(bulk_fetch_all::<(i64, String, String)>(tx, &q).await?);
    }
    Ok(out)
}

/// Inserts yearly plans `(project, town, year, fen)` of new projects.
pub async fn insert_plans(tx: &mut Tx, rows: &[(i64, String, i32, i64)]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(MAX_PARAMS / 4) {
        let mut q = Sql::new(
            "INSERT INTO project_plans (project_id, town_code, year, planned_investment_fen) VALUES ",
        );
        for (i, (project, town, year, fen)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::I64(*project))
                .push(", ")
                .bind(Arg::Text(town.clone()))
                .push(", ")
                .bind(Arg::I32(*year))
                .push(", ")
                .bind(Arg::I64(*fen))
                .push(")");
        }
        n += bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

/// Inserts monthly reports of new projects (the `id` of each row is ignored).
pub async fn insert_reports(tx: &mut Tx, rows: &[ReportRow]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(MAX_PARAMS / 15) {
        let mut q = Sql::new(&format!(
            "INSERT INTO monthly_reports ({}) VALUES ",
            REPORT_COLUMNS.trim_start_matches("id, ")
        ));
        for (i, r) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::I64(r.project_id))
                .push(", ")
                .bind(Arg::Text(r.town_code.clone()))
                .push(", ")
                .bind(Arg::I32(r.year))
                .push(", ")
                .bind(Arg::I32(r.month))
                .push(", ")
                .bind(Arg::I64(r.month_fen))
                .push(", ")
                .bind(Arg::I64(r.cumulative_fen))
                .push(", ")
                .bind(Arg::I64(r.year_cumulative_fen))
                .push(", ")
                .bind(Arg::Text(r.status.clone()))
                .push(", ")
                .bind(Arg::Text(r.progress_text.clone()))
                .push(", ")
                .bind(Arg::OptI32(r.progress_pct))
                .push(", ")
                .bind(Arg::Text(r.problems.clone()))
                .push(", ")
                .bind(Arg::Text(r.correction_reason.clone()))
                .push(", ")
                .bind(Arg::I64(r.submitted_at))
                .push(", ")
                .bind(Arg::OptI64(r.submitted_by))
                .push(", ")
                .bind(Arg::I64(r.updated_at))
                .push(")");
        }
        n += bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

/// Inserts reporting periods (towns' months that have none yet).
pub async fn insert_periods(tx: &mut Tx, rows: &[PeriodRow]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(MAX_PARAMS / 8) {
        let mut q = Sql::new(&format!(
            "INSERT INTO reporting_periods ({PERIOD_COLUMNS}) VALUES "
        ));
        for (i, p) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::Text(p.town_code.clone()))
                .push(", ")
                .bind(Arg::I32(p.year))
                .push(", ")
                .bind(Arg::I32(p.month))
                .push(", ")
                .bind(Arg::Text(p.state.clone()))
                .push(", ")
                .bind(Arg::OptI64(p.submitted_at))
                .push(", ")
                .bind(Arg::OptI64(p.reviewed_at))
                .push(", ")
                .bind(Arg::OptI64(p.reviewed_by))
                .push(", ")
                .bind(Arg::Text(p.review_note.clone()))
                .push(")");
        }
        n += bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

// ---------------------------------------------------------------------------
// Ledger import (`import_projects`): the same rows as the one-row functions
// above, read and written a few hundred at a time instead of one round trip
// per row.
// ---------------------------------------------------------------------------

/// Projects in scope with these `(town_code, code)` keys (those that exist).
pub async fn by_codes(
    tx: &mut Tx,
    scope: &RegionScope,
    keys: &[(String, String)],
) -> Result<Vec<ProjectRow>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("p.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = Vec::new();
    for chunk in keys.chunks(MAX_PARAMS / 2 - 1) {
        let mut q = Sql::new("WITH k (town_code, code) AS (VALUES ");
        for (i, (town, code)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::Text(town.clone()))
                .push(", ")
                .bind(Arg::Text(code.clone()))
                .push(")");
        }
        q.push(&format!(
            ") SELECT {cols} FROM projects p JOIN k ON p.town_code = k.town_code AND p.code = k.code WHERE 1=1"
        ));
        scope_filter(&mut q, "p.town_code", scope);
        out.extend(bulk_fetch_all::<ProjectRow>(tx, &q).await?);
    }
    Ok(out)
}

/// Binds `ids` as a parenthesised list.
fn push_ids(q: &mut Sql, ids: &[i64]) {
    q.push("(");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(Arg::I64(*id));
    }
    q.push(")");
}

/// The yearly plans of these projects.
pub async fn plans_of(tx: &mut Tx, ids: &[i64]) -> Result<Vec<PlanRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS) {
        let mut q = Sql::new(
            "SELECT project_id, year, planned_investment_fen FROM project_plans WHERE project_id IN ",
        );
        push_ids(&mut q, chunk);
        out.extend(bulk_fetch_all::<PlanRow>(tx, &q).await?);
    }
    Ok(out)
}

/// What a year's figures need of these projects' reports (see
/// `town_figures`): those of the year, and each project's latest one before
/// it (its status until it reports again); older ones change nothing. The
/// free-text columns (progress, problems, correction reason) come back empty:
/// a re-import may read hundreds of thousands of these.
pub async fn reports_for_figures(tx: &mut Tx, ids: &[i64], year: i32) -> Result<Vec<ReportRow>> {
    let cols = REPORT_COLUMNS
        .split(", ")
        .map(|c| match c.trim() {
            c @ ("progress_text" | "problems" | "correction_reason") => format!("'' AS {c}"),
            c => format!("r.{c}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS / 2 - 2) {
        let mut q = Sql::new(&format!(
            "SELECT {cols} FROM monthly_reports r WHERE r.project_id IN "
        ));
        push_ids(&mut q, chunk);
        q.push(" AND r.year = ").bind(Arg::I32(year));
        q.push(&format!(
            " UNION ALL SELECT {cols} FROM monthly_reports r JOIN (SELECT project_id, \
             MAX(year * 100 + month) AS k FROM monthly_reports WHERE project_id IN "
        ));
        push_ids(&mut q, chunk);
        q.push(" AND year < ").bind(Arg::I32(year)).push(
            " GROUP BY project_id) l ON r.project_id = l.project_id AND r.year = l.k / 100 \
             AND r.month = l.k % 100",
        );
        out.extend(bulk_fetch_all::<ReportRow>(tx, &q).await?);
    }
    Ok(out)
}

/// How many projects of each of these towns have a plan for `year`.
pub async fn plan_counts(tx: &mut Tx, towns: &[String], year: i32) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in towns.chunks(MAX_PARAMS - 1) {
        let mut q = Sql::new("SELECT town_code, COUNT(*) FROM project_plans WHERE year = ");
        q.bind(Arg::I32(year)).push(" AND town_code IN (");
        for (i, t) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(Arg::Text(t.clone()));
        }
        q.push(") GROUP BY town_code");
        out.extend(bulk_fetch_all::<(String, i64)>(tx, &q).await?);
    }
    Ok(out)
}

/// Updates projects as [`update`] does, many in one statement.
pub async fn update_many(tx: &mut Tx, rows: &[(i64, ProjectFields)], now: i64) -> Result<u64> {
    let sets = FIELD_COLUMNS
        .split(", ")
        .map(|c| format!("{c} = v.{c}", c = c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut n = 0;
    for chunk in rows.chunks(MAX_PARAMS / 23 - 1) {
        let mut q = Sql::new(&format!("WITH v (id, {FIELD_COLUMNS}) AS (VALUES "));
        for (i, (id, f)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::I64(*id))
                .push(", ");
            bind_fields(&mut q, f, false);
            q.push(")");
        }
        q.push(&format!(") UPDATE projects SET {sets}, updated_at = "))
            .bind(Arg::I64(now))
            .push(" FROM v WHERE projects.id = v.id");
        n += bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

/// Sets yearly plans `(project, town, year, fen)` as [`set_plan`] does
/// (each (project, year) at most once in `rows`).
pub async fn set_plans_many(tx: &mut Tx, rows: &[(i64, String, i32, i64)]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(MAX_PARAMS / 4) {
        let mut q = Sql::new(
            "INSERT INTO project_plans (project_id, town_code, year, planned_investment_fen) VALUES ",
        );
        for (i, (project, town, year, fen)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::I64(*project))
                .push(", ")
                .bind(Arg::Text(town.clone()))
                .push(", ")
                .bind(Arg::I32(*year))
                .push(", ")
                .bind(Arg::I64(*fen))
                .push(")");
        }
        q.push(
            " ON CONFLICT (project_id, year) DO UPDATE SET planned_investment_fen = excluded.planned_investment_fen, \
             town_code = excluded.town_code",
        );
        n += bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

/// Writes audit entries as `audit::insert` does, many in one statement (an
/// import records one per project it creates or updates).
pub async fn insert_audit_entries(
    tx: &mut Tx,
    entries: &[super::audit::NewEntry<'_>],
) -> Result<u64> {
    let mut n = 0;
    for chunk in entries.chunks(MAX_PARAMS / 10) {
        let mut q = Sql::new(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, region_code, summary, changes, address) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::I64(e.at))
                .push(", ")
                .bind(Arg::OptI64(e.actor_id))
                .push(", ")
                .bind(Arg::Text(e.actor_name.into()))
                .push(", ")
                .bind(Arg::Text(e.action.into()))
                .push(", ")
                .bind(Arg::Text(e.entity.into()))
                .push(", ")
                .bind(Arg::Text(e.entity_id.into()))
                .push(", ")
                .bind(Arg::Text(e.region_code.into()))
                .push(", ")
                .bind(Arg::Text(e.summary.into()))
                .push(", ")
                .bind(Arg::Text(e.changes.into()))
                .push(", ")
                .bind(Arg::OptText(e.address.map(str::to_owned)))
                .push(")");
        }
        n += bulk_execute(tx, &q).await?;
    }
    Ok(n)
}

#[cfg(test)]
mod bulk_tests {
    use super::*;

    #[test]
    fn sqlite_bulk_statements_use_anonymous_parameters() {
        let mut q = Sql::new("INSERT INTO t (a, b) VALUES (");
        q.bind(Arg::I64(1))
            .push(", ")
            .bind(Arg::Text("x".into()))
            .push("), (");
        for _ in 0..10 {
            q.bind(Arg::I64(2)).push(", ");
        }
        let sqlite = bulk_text(crate::Engine::Sqlite, q.text());
        assert!(sqlite.starts_with("INSERT INTO t (a, b) VALUES (?, ?), (?, ?, "));
        assert_eq!(sqlite.matches('?').count(), 12);
        assert!(!sqlite.contains('$'));
        assert_eq!(bulk_text(crate::Engine::Postgres, q.text()), q.text());
    }
}
