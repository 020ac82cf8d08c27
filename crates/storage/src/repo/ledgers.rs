//! 台账: experts, their pairings and services, media reports, meetings, work
//! teams, indicators and their values.
//!
//! Every table carries its own region column (`region_code`, or `town_code`
//! for the town-level records) and every read filters the actor's scope on
//! it. Indicators are the one exception by design: a definition made by an
//! office is also visible below it (towns enter values for their county's
//! indicators), so their reads take the scope *or* its ancestors. Rows come
//! with the joined display names (region, town, expert, indicator).

use super::{execute, fetch_all, fetch_optional, paginate, scalar_i64, scope_filter, Row};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::ledger::{
    Expert, ExpertPairing, ExpertService, Indicator, IndicatorValue, MediaReport, Meeting,
    WorkTeamMember,
};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::{RegionCode, RegionScope};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct ExpertRow {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub title: String,
    pub team: String,
    pub phone: String,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct ExpertPairingRow {
    pub id: i64,
    pub expert_id: i64,
    pub expert_name: String,
    pub town_code: String,
    pub town_name: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub note: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct ExpertServiceRow {
    pub id: i64,
    pub town_code: String,
    pub town_name: String,
    pub expert_id: i64,
    pub expert_name: String,
    pub served_on: String,
    pub service_type: String,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub content: String,
    pub opinions_given: i32,
    pub opinions_adopted: i32,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct MediaReportRow {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub published_on: String,
    pub title: String,
    pub outlet: String,
    pub level: String,
    pub medium: String,
    pub link: String,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct MeetingRow {
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
    pub attendees: String,
    pub topics: String,
    pub decisions: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct WorkTeamMemberRow {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub name: String,
    pub home_unit: String,
    pub post: String,
    pub phone: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct IndicatorRow {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub period: String,
    pub aggregation: String,
    pub higher_is_better: bool,
    pub target_milli: Option<i64>,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct IndicatorValueRow {
    pub id: i64,
    pub indicator_id: i64,
    pub indicator_code: String,
    pub indicator_name: String,
    pub unit: String,
    pub town_code: String,
    pub town_name: String,
    pub period: String,
    pub value_milli: i64,
    pub note: String,
    pub updated_by: Option<i64>,
    pub updated_at: i64,
}

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

/// One filter for every ledger; each table uses the fields it has (the
/// others are ignored):
/// - all: `region` (narrows within the scope), `q` (text search);
/// - `year`: services, media reports, meetings (their date), pairings and
///   work teams (periods overlapping the year), indicator values (period);
/// - `role`: experts; `kind`: pairings, meetings; `service_type`: services;
///   `level`: media reports, meetings; `medium`: media reports;
///   `period`: indicators (the kind, e.g. "year"), values (the period text);
/// - `expert_id`: pairings, services; `indicator_id`: values.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LedgerFilter {
    pub region: Option<RegionCode>,
    pub year: Option<i32>,
    pub q: Option<String>,
    pub role: Option<String>,
    pub kind: Option<String>,
    pub service_type: Option<String>,
    pub level: Option<String>,
    pub medium: Option<String>,
    pub period: Option<String>,
    pub expert_id: Option<i64>,
    pub indicator_id: Option<i64>,
}

pub type ExpertFilter = LedgerFilter;
pub type ExpertPairingFilter = LedgerFilter;
pub type ExpertServiceFilter = LedgerFilter;
pub type MediaReportFilter = LedgerFilter;
pub type MeetingFilter = LedgerFilter;
pub type WorkTeamMemberFilter = LedgerFilter;
pub type IndicatorFilter = LedgerFilter;
pub type IndicatorValueFilter = LedgerFilter;

#[derive(Clone, Copy)]
enum Key {
    Role,
    Kind,
    ServiceType,
    Level,
    Medium,
    Period,
    ExpertId,
    IndicatorId,
}

#[derive(Clone, Copy)]
enum Years {
    None,
    /// A 'YYYY-MM-DD' column.
    Date(&'static str),
    /// A period (start, end or NULL for open) overlapping the year.
    Span(&'static str, &'static str),
    /// A period text starting with the year ('2020', '2020Q3' …).
    Period(&'static str),
}

/// How one table is read.
struct Table {
    name: &'static str,
    from: &'static str,
    select: &'static str,
    /// The table's own region column.
    region: &'static str,
    /// Visible also to the scopes below the record's region (indicators).
    ancestors_see: bool,
    years: Years,
    search: &'static [&'static str],
    filters: &'static [(Key, &'static str)],
    order: &'static str,
}

const EXPERTS: Table = Table {
    name: "experts",
    from: " FROM experts t JOIN regions r ON r.code = t.region_code",
    select: "SELECT t.id, t.region_code, r.name AS region_name, t.name, t.role, t.organisation, t.title, \
             t.team, t.phone, t.note, t.created_at, t.updated_at",
    region: "t.region_code",
    ancestors_see: false,
    years: Years::None,
    search: &["t.name", "t.organisation", "t.team"],
    filters: &[(Key::Role, "t.role")],
    order: " ORDER BY t.region_code, t.role, t.name, t.id",
};

const PAIRINGS: Table = Table {
    name: "expert_pairings",
    from: " FROM expert_pairings t JOIN regions r ON r.code = t.town_code \
           JOIN experts e ON e.id = t.expert_id",
    select: "SELECT t.id, t.expert_id, e.name AS expert_name, t.town_code, r.name AS town_name, t.kind, \
             t.starts_on, t.ends_on, t.note, t.created_at",
    region: "t.town_code",
    ancestors_see: false,
    years: Years::Span("t.starts_on", "t.ends_on"),
    search: &["e.name", "r.name", "t.note"],
    filters: &[(Key::Kind, "t.kind"), (Key::ExpertId, "t.expert_id")],
    order: " ORDER BY t.town_code, t.starts_on, t.id",
};

const SERVICES: Table = Table {
    name: "expert_services",
    from: " FROM expert_services t JOIN regions r ON r.code = t.town_code \
           JOIN experts e ON e.id = t.expert_id LEFT JOIN projects p ON p.id = t.project_id",
    select: "SELECT t.id, t.town_code, r.name AS town_name, t.expert_id, e.name AS expert_name, \
             t.served_on, t.service_type, t.project_id, p.name AS project_name, t.content, \
             t.opinions_given, t.opinions_adopted, t.created_by, t.created_at, t.updated_at",
    region: "t.town_code",
    ancestors_see: false,
    years: Years::Date("t.served_on"),
    search: &["e.name", "r.name", "t.content"],
    filters: &[
        (Key::ServiceType, "t.service_type"),
        (Key::ExpertId, "t.expert_id"),
    ],
    order: " ORDER BY t.served_on DESC, t.id DESC",
};

const MEDIA: Table = Table {
    name: "media_reports",
    from: " FROM media_reports t JOIN regions r ON r.code = t.region_code",
    select:
        "SELECT t.id, t.region_code, r.name AS region_name, t.published_on, t.title, t.outlet, \
             t.level, t.medium, t.link, t.note, t.created_by, t.created_at, t.updated_at",
    region: "t.region_code",
    ancestors_see: false,
    years: Years::Date("t.published_on"),
    search: &["t.title", "t.outlet"],
    filters: &[(Key::Level, "t.level"), (Key::Medium, "t.medium")],
    order: " ORDER BY t.published_on DESC, t.id DESC",
};

const MEETINGS: Table = Table {
    name: "meetings",
    from: " FROM meetings t JOIN regions r ON r.code = t.region_code",
    select: "SELECT t.id, t.region_code, r.name AS region_name, t.held_on, t.ends_on, t.kind, t.level, \
             t.title, t.place, t.host, t.attendees, t.topics, t.decisions, t.created_by, t.created_at, \
             t.updated_at",
    region: "t.region_code",
    ancestors_see: false,
    years: Years::Date("t.held_on"),
    search: &["t.title", "t.place", "t.topics"],
    filters: &[(Key::Kind, "t.kind"), (Key::Level, "t.level")],
    order: " ORDER BY t.held_on DESC, t.id DESC",
};

const WORK_TEAMS: Table = Table {
    name: "work_team_members",
    from: " FROM work_team_members t JOIN regions r ON r.code = t.region_code",
    select:
        "SELECT t.id, t.region_code, r.name AS region_name, t.name, t.home_unit, t.post, t.phone, \
             t.starts_on, t.ends_on, t.note, t.created_at, t.updated_at",
    region: "t.region_code",
    ancestors_see: false,
    years: Years::Span("t.starts_on", "t.ends_on"),
    search: &["t.name", "t.home_unit", "t.post"],
    filters: &[],
    order: " ORDER BY t.region_code, t.starts_on, t.name, t.id",
};

const INDICATORS: Table = Table {
    name: "indicators",
    from: " FROM indicators t JOIN regions r ON r.code = t.region_code",
    select: "SELECT t.id, t.region_code, r.name AS region_name, t.code, t.name, t.unit, t.period, \
             t.aggregation, t.higher_is_better, t.target_milli, t.note, t.created_at, t.updated_at",
    region: "t.region_code",
    ancestors_see: true,
    years: Years::None,
    search: &["t.name", "t.code"],
    filters: &[(Key::Period, "t.period")],
    order: " ORDER BY t.region_code, t.code, t.id",
};

const VALUES: Table = Table {
    name: "indicator_values",
    from: " FROM indicator_values t JOIN regions r ON r.code = t.town_code \
           JOIN indicators i ON i.id = t.indicator_id",
    select: "SELECT t.id, t.indicator_id, i.code AS indicator_code, i.name AS indicator_name, i.unit, \
             t.town_code, r.name AS town_name, t.period, t.value_milli, t.note, t.updated_by, t.updated_at",
    region: "t.town_code",
    ancestors_see: false,
    years: Years::Period("t.period"),
    search: &["i.name", "r.name", "t.note"],
    filters: &[
        (Key::IndicatorId, "t.indicator_id"),
        (Key::Period, "t.period"),
    ],
    order: " ORDER BY t.town_code, i.code, t.period, t.id",
};

/// `AND <col> LIKE scope%`, or for tables seen from below also
/// `OR <col> IN (the scope's ancestors)`.
fn scope_clause(w: &mut Sql, t: &Table, scope: &RegionScope) {
    if !t.ancestors_see {
        scope_filter(w, t.region, scope);
        return;
    }
    w.push(" AND (")
        .push(t.region)
        .push(" LIKE ")
        .bind(Arg::Text(scope.like_pattern()));
    for a in scope.root().lineage() {
        if a != *scope.root() {
            w.push(" OR ")
                .push(t.region)
                .push(" = ")
                .bind(Arg::Text(a.to_string()));
        }
    }
    w.push(")");
}

fn year_bounds(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1))
}

fn where_clause(t: &Table, scope: &RegionScope, f: &LedgerFilter) -> Sql {
    let mut w = Sql::new(t.from);
    w.push(" WHERE 1=1");
    scope_clause(&mut w, t, scope);
    if let Some(r) = &f.region {
        w.push(" AND ")
            .push(t.region)
            .push(" LIKE ")
            .bind(Arg::Text(format!("{}%", r.as_str())));
    }
    if let Some(y) = f.year {
        let (from, to) = year_bounds(y);
        match t.years {
            Years::None => {}
            Years::Date(col) => {
                w.push(" AND ")
                    .push(col)
                    .push(" >= ")
                    .bind(Arg::Text(from))
                    .push(" AND ")
                    .push(col)
                    .push(" < ")
                    .bind(Arg::Text(to));
            }
            Years::Span(start, end) => {
                w.push(" AND ")
                    .push(start)
                    .push(" < ")
                    .bind(Arg::Text(to))
                    .push(" AND (")
                    .push(end)
                    .push(" IS NULL OR ")
                    .push(end)
                    .push(" >= ")
                    .bind(Arg::Text(from))
                    .push(")");
            }
            Years::Period(col) => {
                w.push(" AND ")
                    .push(col)
                    .push(" LIKE ")
                    .bind(Arg::Text(format!("{y:04}%")));
            }
        }
    }
    for (key, col) in t.filters {
        let arg = match key {
            Key::Role => f.role.clone().map(Arg::Text),
            Key::Kind => f.kind.clone().map(Arg::Text),
            Key::ServiceType => f.service_type.clone().map(Arg::Text),
            Key::Level => f.level.clone().map(Arg::Text),
            Key::Medium => f.medium.clone().map(Arg::Text),
            Key::Period => f.period.clone().map(Arg::Text),
            Key::ExpertId => f.expert_id.map(Arg::I64),
            Key::IndicatorId => f.indicator_id.map(Arg::I64),
        };
        match arg {
            Some(Arg::Text(s)) if s.trim().is_empty() => {}
            // A level may name several, comma-separated ("central,provincial":
            // 省级及以上, as summaries count media reports).
            Some(Arg::Text(s)) if matches!(key, Key::Level) && s.contains(',') => {
                w.push(" AND ").push(col).push(" IN (");
                for (i, one) in s.split(',').map(str::trim).enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.bind(Arg::Text(one.to_owned()));
                }
                w.push(")");
            }
            Some(a) => {
                w.push(" AND ").push(col).push(" = ").bind(a);
            }
            None => {}
        }
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = format!("%{}%", q.replace(['%', '_'], ""));
        w.push(" AND (");
        for (i, col) in t.search.iter().enumerate() {
            if i > 0 {
                w.push(" OR ");
            }
            w.push(col).push(" LIKE ").bind(Arg::Text(pat.clone()));
        }
        w.push(")");
    }
    w
}

async fn list_page<T: Row>(
    tx: &mut Tx,
    t: &Table,
    scope: &RegionScope,
    f: &LedgerFilter,
    page: &PageRequest,
) -> Result<Page<T>> {
    let w = where_clause(t, scope, f);
    let total = scalar_i64(tx, &Sql::prefixed("SELECT COUNT(*)", &w)).await?;
    let mut s = Sql::prefixed(t.select, &w);
    s.push(t.order);
    paginate(&mut s, page);
    Ok(Page {
        items: fetch_all(tx, &s).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Every matching row in display order (exports): at most `limit`.
async fn list_all<T: Row>(
    tx: &mut Tx,
    t: &Table,
    scope: &RegionScope,
    f: &LedgerFilter,
    limit: i64,
) -> Result<Vec<T>> {
    let mut s = Sql::prefixed(t.select, &where_clause(t, scope, f));
    s.push(t.order).push(" LIMIT ").bind(Arg::I64(limit));
    fetch_all(tx, &s).await
}

async fn count(tx: &mut Tx, t: &Table, scope: &RegionScope, f: &LedgerFilter) -> Result<i64> {
    scalar_i64(
        tx,
        &Sql::prefixed("SELECT COUNT(*)", &where_clause(t, scope, f)),
    )
    .await
}

async fn get_one<T: Row>(
    tx: &mut Tx,
    t: &Table,
    scope: &RegionScope,
    id: i64,
) -> Result<Option<T>> {
    let mut s = Sql::new(t.select);
    s.push(t.from).push(" WHERE t.id = ").bind(Arg::I64(id));
    scope_clause(&mut s, t, scope);
    fetch_optional(tx, &s).await
}

// ---------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------

type Fields = Vec<(&'static str, Arg)>;

fn text(s: &str) -> Arg {
    Arg::Text(s.to_owned())
}

async fn insert_row(tx: &mut Tx, table: &str, fields: Fields) -> Result<i64> {
    let cols: Vec<&str> = fields.iter().map(|(c, _)| *c).collect();
    let mut q = Sql::new(&format!(
        "INSERT INTO {table} ({}) VALUES (",
        cols.join(", ")
    ));
    for (i, (_, a)) in fields.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(a);
    }
    q.push(") RETURNING id");
    scalar_i64(tx, &q).await
}

async fn update_row(tx: &mut Tx, table: &str, id: i64, fields: Fields) -> Result<u64> {
    let mut q = Sql::new(&format!("UPDATE {table} SET "));
    for (i, (c, a)) in fields.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push(c).push(" = ").bind(a);
    }
    q.push(" WHERE id = ").bind(Arg::I64(id));
    execute(tx, &q).await
}

async fn delete_row(tx: &mut Tx, table: &str, id: i64) -> Result<u64> {
    let mut q = Sql::new(&format!("DELETE FROM {table} WHERE id = "));
    q.bind(Arg::I64(id));
    execute(tx, &q).await
}

fn expert_fields(e: &Expert) -> Fields {
    vec![
        ("region_code", Arg::Text(e.region_code.to_string())),
        ("name", text(&e.name)),
        ("role", text(e.role.id())),
        ("organisation", text(&e.organisation)),
        ("title", text(&e.title)),
        ("team", text(&e.team)),
        ("phone", text(&e.phone)),
        ("note", text(&e.note)),
    ]
}

fn pairing_fields(p: &ExpertPairing) -> Fields {
    vec![
        ("expert_id", Arg::I64(p.expert_id)),
        ("town_code", Arg::Text(p.town_code.to_string())),
        ("kind", text(p.kind.id())),
        ("starts_on", text(&p.starts_on)),
        ("ends_on", Arg::OptText(p.ends_on.clone())),
        ("note", text(&p.note)),
    ]
}

fn service_fields(s: &ExpertService) -> Fields {
    vec![
        ("town_code", Arg::Text(s.town_code.to_string())),
        ("expert_id", Arg::I64(s.expert_id)),
        ("served_on", text(&s.served_on)),
        ("service_type", text(s.service_type.id())),
        ("project_id", Arg::OptI64(s.project_id)),
        ("content", text(&s.content)),
        ("opinions_given", Arg::I32(s.opinions_given)),
        ("opinions_adopted", Arg::I32(s.opinions_adopted)),
    ]
}

fn media_fields(m: &MediaReport) -> Fields {
    vec![
        ("region_code", Arg::Text(m.region_code.to_string())),
        ("published_on", text(&m.published_on)),
        ("title", text(&m.title)),
        ("outlet", text(&m.outlet)),
        ("level", text(m.level.id())),
        ("medium", text(m.medium.id())),
        ("link", text(&m.link)),
        ("note", text(&m.note)),
    ]
}

fn meeting_fields(m: &Meeting) -> Fields {
    vec![
        ("region_code", Arg::Text(m.region_code.to_string())),
        ("held_on", text(&m.held_on)),
        ("ends_on", Arg::OptText(m.ends_on.clone())),
        ("kind", text(m.kind.id())),
        ("level", text(m.level.id())),
        ("title", text(&m.title)),
        ("place", text(&m.place)),
        ("host", text(&m.host)),
        ("attendees", text(&m.attendees)),
        ("topics", text(&m.topics)),
        ("decisions", text(&m.decisions)),
    ]
}

fn work_team_fields(w: &WorkTeamMember) -> Fields {
    vec![
        ("region_code", Arg::Text(w.region_code.to_string())),
        ("name", text(&w.name)),
        ("home_unit", text(&w.home_unit)),
        ("post", text(&w.post)),
        ("phone", text(&w.phone)),
        ("starts_on", text(&w.starts_on)),
        ("ends_on", Arg::OptText(w.ends_on.clone())),
        ("note", text(&w.note)),
    ]
}

fn indicator_fields(i: &Indicator) -> Fields {
    vec![
        ("region_code", Arg::Text(i.region_code.to_string())),
        ("code", text(&i.code)),
        ("name", text(&i.name)),
        ("unit", text(&i.unit)),
        ("period", text(i.period.id())),
        ("aggregation", text(i.aggregation.id())),
        ("higher_is_better", Arg::Bool(i.higher_is_better)),
        ("target_milli", Arg::OptI64(i.target.map(|q| q.milli()))),
        ("note", text(&i.note)),
    ]
}

fn value_fields(v: &IndicatorValue) -> Fields {
    vec![
        ("indicator_id", Arg::I64(v.indicator_id)),
        ("town_code", Arg::Text(v.town_code.to_string())),
        ("period", text(&v.period)),
        ("value_milli", Arg::I64(v.value.milli())),
        ("note", text(&v.note)),
    ]
}

fn stamped(mut f: Fields, now: i64, created: bool, by: Option<Option<i64>>) -> Fields {
    if created {
        f.push(("created_at", Arg::I64(now)));
        if let Some(by) = by {
            f.push(("created_by", Arg::OptI64(by)));
        }
    }
    f.push(("updated_at", Arg::I64(now)));
    f
}

/// The UNIQUE key of a record as one string, the way [`existing_keys`]
/// returns it: the parts joined by U+241F (never typed in a cell).
pub fn key_of(parts: &[&str]) -> String {
    parts.join(KEY_SEP)
}

const KEY_SEP: &str = "\u{241F}";

/// `id` by UNIQUE key of every record of `table` in scope, in one query, for
/// imports ("update if present"). `key_cols` are the table's UNIQUE columns.
async fn existing_keys(
    tx: &mut Tx,
    t: &Table,
    key_cols: &[&str],
    scope: &RegionScope,
) -> Result<HashMap<String, i64>> {
    let key = key_cols
        .iter()
        .map(|c| format!("CAST(t.{c} AS TEXT)"))
        .collect::<Vec<_>>()
        .join(&format!(" || '{KEY_SEP}' || "));
    let mut q = Sql::new(&format!(
        "SELECT t.id, {key} AS k FROM {} t WHERE 1=1",
        t.name
    ));
    scope_clause(&mut q, t, scope);
    #[derive(sqlx::FromRow)]
    struct K {
        id: i64,
        k: String,
    }
    let rows: Vec<K> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|r| (r.k, r.id)).collect())
}

/// Generates the read/write functions of one table.
macro_rules! ledger_table {
    (
        $table:ident, $row:ty, $rec:ty, $fields:ident, by = $by:expr, created = $created:expr,
        keys = [$($key:literal),+],
        $list:ident, $all:ident, $count:ident, $get:ident, $insert:ident, $update:ident,
        $delete:ident, $keys:ident
    ) => {
        pub async fn $list(
            tx: &mut Tx,
            scope: &RegionScope,
            f: &LedgerFilter,
            page: &PageRequest,
        ) -> Result<Page<$row>> {
            list_page(tx, &$table, scope, f, page).await
        }

        /// Every matching row in display order, at most `limit` (exports).
        pub async fn $all(
            tx: &mut Tx,
            scope: &RegionScope,
            f: &LedgerFilter,
            limit: i64,
        ) -> Result<Vec<$row>> {
            list_all(tx, &$table, scope, f, limit).await
        }

        pub async fn $count(tx: &mut Tx, scope: &RegionScope, f: &LedgerFilter) -> Result<i64> {
            count(tx, &$table, scope, f).await
        }

        pub async fn $get(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<$row>> {
            get_one(tx, &$table, scope, id).await
        }

        /// Inserts and returns the id (`by`: the author, where the table
        /// records one).
        pub async fn $insert(tx: &mut Tx, rec: &$rec, by: Option<i64>, now: i64) -> Result<i64> {
            insert_row(tx, $table.name, stamped($fields(rec), now, $created, $by(by))).await
        }

        /// Replaces the record's fields (`by` is recorded where the table
        /// keeps an author of the last change; none of these do).
        pub async fn $update(
            tx: &mut Tx,
            id: i64,
            rec: &$rec,
            _by: Option<i64>,
            now: i64,
        ) -> Result<u64> {
            update_row(tx, $table.name, id, stamped($fields(rec), now, false, None)).await
        }

        pub async fn $delete(tx: &mut Tx, id: i64) -> Result<u64> {
            delete_row(tx, $table.name, id).await
        }

        /// `id` by [`key_of`] of the table's UNIQUE columns, for every record
        /// in scope (one query).
        pub async fn $keys(tx: &mut Tx, scope: &RegionScope) -> Result<HashMap<String, i64>> {
            existing_keys(tx, &$table, &[$($key),+], scope).await
        }
    };
}

fn no_author(_: Option<i64>) -> Option<Option<i64>> {
    None
}

fn author(by: Option<i64>) -> Option<Option<i64>> {
    Some(by)
}

ledger_table!(
    EXPERTS,
    ExpertRow,
    Expert,
    expert_fields,
    by = no_author,
    created = true,
    keys = ["region_code", "name", "organisation"],
    experts,
    all_experts,
    count_experts,
    expert,
    insert_expert,
    update_expert,
    delete_expert,
    expert_keys
);

ledger_table!(
    SERVICES,
    ExpertServiceRow,
    ExpertService,
    service_fields,
    by = author,
    created = true,
    keys = ["town_code", "expert_id", "served_on", "service_type"],
    expert_services,
    all_expert_services,
    count_expert_services,
    expert_service,
    insert_expert_service,
    update_expert_service,
    delete_expert_service,
    expert_service_keys
);

ledger_table!(
    MEDIA,
    MediaReportRow,
    MediaReport,
    media_fields,
    by = author,
    created = true,
    keys = ["region_code", "published_on", "outlet", "title"],
    media_reports,
    all_media_reports,
    count_media_reports,
    media_report,
    insert_media_report,
    update_media_report,
    delete_media_report,
    media_report_keys
);

ledger_table!(
    MEETINGS,
    MeetingRow,
    Meeting,
    meeting_fields,
    by = author,
    created = true,
    keys = ["region_code", "held_on", "title"],
    meetings,
    all_meetings,
    count_meetings,
    meeting,
    insert_meeting,
    update_meeting,
    delete_meeting,
    meeting_keys
);

ledger_table!(
    WORK_TEAMS,
    WorkTeamMemberRow,
    WorkTeamMember,
    work_team_fields,
    by = no_author,
    created = true,
    keys = ["region_code", "name", "starts_on"],
    work_team_members,
    all_work_team_members,
    count_work_team_members,
    work_team_member,
    insert_work_team_member,
    update_work_team_member,
    delete_work_team_member,
    work_team_member_keys
);

ledger_table!(
    INDICATORS,
    IndicatorRow,
    Indicator,
    indicator_fields,
    by = no_author,
    created = true,
    keys = ["region_code", "code"],
    indicators,
    all_indicators,
    count_indicators,
    indicator,
    insert_indicator,
    update_indicator,
    delete_indicator,
    indicator_keys
);

// Pairings have no `updated_at`, values no `created_at`: their writes differ.

pub async fn expert_pairings(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &LedgerFilter,
    page: &PageRequest,
) -> Result<Page<ExpertPairingRow>> {
    list_page(tx, &PAIRINGS, scope, f, page).await
}

pub async fn all_expert_pairings(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &LedgerFilter,
    limit: i64,
) -> Result<Vec<ExpertPairingRow>> {
    list_all(tx, &PAIRINGS, scope, f, limit).await
}

pub async fn count_expert_pairings(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &LedgerFilter,
) -> Result<i64> {
    count(tx, &PAIRINGS, scope, f).await
}

pub async fn expert_pairing(
    tx: &mut Tx,
    scope: &RegionScope,
    id: i64,
) -> Result<Option<ExpertPairingRow>> {
    get_one(tx, &PAIRINGS, scope, id).await
}

/// Inserts a pairing (which records no author).
pub async fn insert_expert_pairing(
    tx: &mut Tx,
    p: &ExpertPairing,
    _by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut f = pairing_fields(p);
    f.push(("created_at", Arg::I64(now)));
    insert_row(tx, PAIRINGS.name, f).await
}

/// Replaces a pairing's fields (pairings keep neither author nor `updated_at`).
pub async fn update_expert_pairing(
    tx: &mut Tx,
    id: i64,
    p: &ExpertPairing,
    _by: Option<i64>,
    _now: i64,
) -> Result<u64> {
    update_row(tx, PAIRINGS.name, id, pairing_fields(p)).await
}

pub async fn delete_expert_pairing(tx: &mut Tx, id: i64) -> Result<u64> {
    delete_row(tx, PAIRINGS.name, id).await
}

pub async fn indicator_values(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &LedgerFilter,
    page: &PageRequest,
) -> Result<Page<IndicatorValueRow>> {
    list_page(tx, &VALUES, scope, f, page).await
}

pub async fn all_indicator_values(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &LedgerFilter,
    limit: i64,
) -> Result<Vec<IndicatorValueRow>> {
    list_all(tx, &VALUES, scope, f, limit).await
}

pub async fn count_indicator_values(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &LedgerFilter,
) -> Result<i64> {
    count(tx, &VALUES, scope, f).await
}

pub async fn indicator_value(
    tx: &mut Tx,
    scope: &RegionScope,
    id: i64,
) -> Result<Option<IndicatorValueRow>> {
    get_one(tx, &VALUES, scope, id).await
}

pub async fn insert_indicator_value(
    tx: &mut Tx,
    v: &IndicatorValue,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut f = value_fields(v);
    f.push(("updated_by", Arg::OptI64(by)));
    f.push(("updated_at", Arg::I64(now)));
    insert_row(tx, VALUES.name, f).await
}

pub async fn update_indicator_value(
    tx: &mut Tx,
    id: i64,
    v: &IndicatorValue,
    by: Option<i64>,
    now: i64,
) -> Result<u64> {
    let mut f = value_fields(v);
    f.push(("updated_by", Arg::OptI64(by)));
    f.push(("updated_at", Arg::I64(now)));
    update_row(tx, VALUES.name, id, f).await
}

pub async fn delete_indicator_value(tx: &mut Tx, id: i64) -> Result<u64> {
    delete_row(tx, VALUES.name, id).await
}

pub async fn indicator_value_keys(
    tx: &mut Tx,
    scope: &RegionScope,
) -> Result<HashMap<String, i64>> {
    existing_keys(tx, &VALUES, &["indicator_id", "town_code", "period"], scope).await
}

pub async fn expert_pairing_keys(tx: &mut Tx, scope: &RegionScope) -> Result<HashMap<String, i64>> {
    existing_keys(
        tx,
        &PAIRINGS,
        &["expert_id", "town_code", "kind", "starts_on"],
        scope,
    )
    .await
}

/// Experts a record of `scope` may refer to (a service, a pairing): those in
/// the scope and those of the offices above it (a city's 驻镇规划师 serves
/// the county's towns). For pickers and for checking an `expert_id`.
pub async fn expert_choices(
    tx: &mut Tx,
    scope: &RegionScope,
    q: Option<&str>,
    limit: i64,
) -> Result<Vec<ExpertRow>> {
    let t = Table {
        ancestors_see: true,
        ..EXPERTS
    };
    let f = LedgerFilter {
        q: q.map(str::to_owned),
        ..LedgerFilter::default()
    };
    list_all(tx, &t, scope, &f, limit).await
}

/// One expert a record of `scope` may refer to (see [`expert_choices`]).
pub async fn expert_choice(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<ExpertRow>> {
    let t = Table {
        ancestors_see: true,
        ..EXPERTS
    };
    get_one(tx, &t, scope, id).await
}

/// A project's town and name, if it is in scope (services name one).
pub async fn project_town(
    tx: &mut Tx,
    scope: &RegionScope,
    id: i64,
) -> Result<Option<(String, String)>> {
    let mut q = Sql::new("SELECT town_code, name FROM projects WHERE id = ");
    q.bind(Arg::I64(id));
    scope_filter(&mut q, "town_code", scope);
    fetch_optional(tx, &q).await
}

/// Projects of a town by name (imports name the project a service concerned).
pub async fn project_ids_by_name(
    tx: &mut Tx,
    scope: &RegionScope,
    town: &str,
) -> Result<Vec<(i64, String)>> {
    let mut q = Sql::new("SELECT id, name FROM projects WHERE town_code = ");
    q.bind(Arg::Text(town.to_owned()));
    scope_filter(&mut q, "town_code", scope);
    q.push(" ORDER BY id");
    fetch_all(tx, &q).await
}

// ---------------------------------------------------------------------------
// Headline counts
// ---------------------------------------------------------------------------

/// Headline figures of a region's ledgers for a year (counts of records whose
/// region lies under it; experts and indicators regardless of year).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LedgerCounts {
    pub experts: i64,
    pub expert_pairings: i64,
    pub expert_services: i64,
    pub opinions_given: i64,
    pub opinions_adopted: i64,
    pub media_reports: i64,
    /// (level id, reports), in [`MediaLevel`](meizhen_domain::ledger::MediaLevel) order.
    pub media_by_level: Vec<(String, i64)>,
    pub meetings: i64,
    pub work_team_members: i64,
    pub indicators: i64,
    pub indicator_values: i64,
}

pub async fn counts(
    tx: &mut Tx,
    scope: &RegionScope,
    region: &RegionCode,
    year: i32,
) -> Result<LedgerCounts> {
    let f = LedgerFilter {
        region: Some(region.clone()),
        year: Some(year),
        ..LedgerFilter::default()
    };
    let no_year = LedgerFilter {
        year: None,
        ..f.clone()
    };
    let opinions = |col: &str| {
        Sql::prefixed(
            &format!("SELECT CAST(COALESCE(SUM(t.{col}), 0) AS BIGINT)"),
            &where_clause(&SERVICES, scope, &f),
        )
    };
    let mut media_by_level = Vec::new();
    for level in meizhen_domain::ledger::MediaLevel::ALL {
        let lf = LedgerFilter {
            level: Some(level.id().to_owned()),
            ..f.clone()
        };
        media_by_level.push((level.id().to_owned(), count(tx, &MEDIA, scope, &lf).await?));
    }
    Ok(LedgerCounts {
        experts: count(tx, &EXPERTS, scope, &no_year).await?,
        expert_pairings: count(tx, &PAIRINGS, scope, &f).await?,
        expert_services: count(tx, &SERVICES, scope, &f).await?,
        opinions_given: scalar_i64(tx, &opinions("opinions_given")).await?,
        opinions_adopted: scalar_i64(tx, &opinions("opinions_adopted")).await?,
        media_reports: media_by_level.iter().map(|(_, n)| n).sum(),
        media_by_level,
        meetings: count(tx, &MEETINGS, scope, &f).await?,
        work_team_members: count(tx, &WORK_TEAMS, scope, &f).await?,
        indicators: count(tx, &INDICATORS, scope, &no_year).await?,
        indicator_values: count(tx, &VALUES, scope, &f).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(code: &str) -> RegionScope {
        RegionScope::new(RegionCode::parse(code).expect("code"), None)
    }

    #[test]
    fn filters_become_sql_on_the_tables_own_column() {
        let f = LedgerFilter {
            year: Some(2020),
            q: Some("日报%".into()),
            level: Some("provincial".into()),
            medium: Some(" ".into()),
            ..LedgerFilter::default()
        };
        let w = where_clause(&MEDIA, &scope("331024"), &f);
        assert!(w.text().contains("t.region_code LIKE $1"));
        assert!(w
            .text()
            .contains("t.published_on >= $2 AND t.published_on < $3"));
        assert!(w.text().contains("t.level = $4"));
        assert!(!w.text().contains("t.medium"), "blank filters are ignored");
        assert!(w.text().contains("t.title LIKE $5 OR t.outlet LIKE $6"));
        assert_eq!(w.args().len(), 6);
    }

    #[test]
    fn indicators_are_seen_from_below() {
        let w = where_clause(&INDICATORS, &scope("331024103"), &LedgerFilter::default());
        assert!(w.text().contains(
            "(t.region_code LIKE $1 OR t.region_code = $2 OR t.region_code = $3 OR t.region_code = $4)"
        ));
        let w = where_clause(&EXPERTS, &scope("331024103"), &LedgerFilter::default());
        assert!(!w.text().contains(" OR "));
    }

    #[test]
    fn spans_overlap_the_year() {
        let f = LedgerFilter {
            year: Some(2020),
            ..LedgerFilter::default()
        };
        let w = where_clause(&WORK_TEAMS, &scope("33"), &f);
        assert!(w
            .text()
            .contains("t.starts_on < $2 AND (t.ends_on IS NULL OR t.ends_on >= $3)"));
        assert_eq!(
            year_bounds(2020),
            ("2020-01-01".into(), "2021-01-01".into())
        );
    }
}
