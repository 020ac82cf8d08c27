//! 暗访督查: checklist versions, rounds, inspections, findings (with their
//! rectification), finding photos and published quarterly assessments.
//!
//! Secrecy lives here, in [`Viewer`] and the two filters below, and nowhere
//! else: every read of a round, an inspection, a finding or its photos takes a
//! `Viewer`. A round is visible to
//! - the office that owns it and the offices above (`owner_code` in scope),
//! - the inspectors assigned to it, who see only their own inspections,
//! - once published, the regions of the towns it inspected (their towns only).
//!
//! An unpublished round is therefore not found, not counted and not listed for
//! anyone else, whatever the page, the API or the export.

use super::{execute, fetch_all, fetch_optional, scalar_i64};
use crate::{Arg, Engine, Result, Sql, Tx};
use meizhen_domain::RegionScope;
use serde::Serialize;

/// Who is reading: the scope of their account and their user id (for the
/// inspector's own assignments).
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub scope: &'a RegionScope,
    pub user_id: i64,
    /// Inspectors see their own assignments only, even in rounds owned by
    /// their own office (and published results, like everyone in scope).
    pub inspector: bool,
}

/// The owner branch: the owning office and those above, but not inspectors.
fn owner_clause(q: &mut Sql, v: &Viewer<'_>) {
    if v.inspector {
        q.push("1 = 0");
    } else {
        q.push("r.owner_code LIKE ")
            .bind(Arg::Text(v.scope.like_pattern()));
    }
}

/// `AND (<round r is visible>)`.
fn round_visible(q: &mut Sql, v: &Viewer<'_>) {
    let p = v.scope.like_pattern();
    q.push(" AND (");
    owner_clause(q, v);
    q.push(" OR EXISTS (SELECT 1 FROM inspections vi WHERE vi.round_id = r.id AND ((r.state = 'published' AND vi.town_code LIKE ")
        .bind(Arg::Text(p))
        .push(") OR vi.inspector_id = ")
        .bind(Arg::I64(v.user_id))
        .push(")))");
}

/// `AND (<inspection i of round r is visible>)`.
fn inspection_visible(q: &mut Sql, v: &Viewer<'_>) {
    let p = v.scope.like_pattern();
    q.push(" AND (");
    owner_clause(q, v);
    q.push(" OR (r.state = 'published' AND i.town_code LIKE ")
        .bind(Arg::Text(p))
        .push(") OR i.inspector_id = ")
        .bind(Arg::I64(v.user_id))
        .push(")");
}

// ---------------------------------------------------------------------------
// Checklist versions (public rules: no secrecy)

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct ChecklistRow {
    pub id: i64,
    pub region_code: String,
    pub version: i32,
    pub body: String,
    pub note: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
}

const CHECKLIST_COLUMNS: &str = "id, region_code, version, body, note, created_at, created_by";

/// The versions of one office's checklist, newest first.
pub async fn checklist_versions(tx: &mut Tx, region: &str) -> Result<Vec<ChecklistRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {CHECKLIST_COLUMNS} FROM checklist_versions WHERE region_code = "
    ));
    q.bind(Arg::Text(region.into()))
        .push(" ORDER BY version DESC");
    fetch_all(tx, &q).await
}

pub async fn checklist(tx: &mut Tx, id: i64) -> Result<Option<ChecklistRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {CHECKLIST_COLUMNS} FROM checklist_versions WHERE id = "
    ));
    q.bind(Arg::I64(id));
    fetch_optional(tx, &q).await
}

/// Writes the next version of `region`'s checklist; returns (id, version).
pub async fn insert_checklist(
    tx: &mut Tx,
    region: &str,
    body: &str,
    note: &str,
    by: Option<i64>,
    now: i64,
) -> Result<(i64, i32)> {
    let mut q = Sql::new(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM checklist_versions WHERE region_code = ",
    );
    q.bind(Arg::Text(region.into()));
    let version = i32::try_from(scalar_i64(tx, &q).await? + 1).unwrap_or(i32::MAX);
    let mut q = Sql::new(
        "INSERT INTO checklist_versions (region_code, version, body, note, created_at, created_by) VALUES (",
    );
    q.bind(Arg::Text(region.into()))
        .push(", ")
        .bind(Arg::I32(version))
        .push(", ")
        .bind(Arg::Text(body.into()))
        .push(", ")
        .bind(Arg::Text(note.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(") RETURNING id");
    Ok((scalar_i64(tx, &q).await?, version))
}

// ---------------------------------------------------------------------------
// Rounds

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct RoundRow {
    pub id: i64,
    pub owner_code: String,
    pub name: String,
    pub year: i32,
    pub quarter: i32,
    pub checklist_id: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub sample_rule: Option<String>,
    pub sample_seed: Option<i64>,
    pub state: String,
    pub published_on: Option<String>,
    pub published_at: Option<i64>,
    pub published_by: Option<i64>,
    pub notice_title: String,
    pub notice_number: String,
    pub notice_opening: String,
    pub notice_closing: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
    pub updated_at: i64,
}

const ROUND_COLUMNS: &str = "r.id, r.owner_code, r.name, r.year, r.quarter, r.checklist_id, r.starts_on, \
    r.ends_on, r.sample_rule, r.sample_seed, r.state, r.published_on, r.published_at, r.published_by, \
    r.notice_title, r.notice_number, r.notice_opening, r.notice_closing, r.created_at, r.created_by, r.updated_at";

/// A round in a list, with what the viewer may count of it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct RoundListRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub round: RoundRow,
    pub towns: i64,
    pub findings: i64,
}

pub struct NewRound<'a> {
    pub owner_code: &'a str,
    pub name: &'a str,
    pub year: i32,
    pub quarter: i32,
    pub checklist_id: i64,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub sample_rule: Option<String>,
    pub sample_seed: Option<i64>,
}

pub async fn insert_round(tx: &mut Tx, r: &NewRound<'_>, by: Option<i64>, now: i64) -> Result<i64> {
    let mut q = Sql::new(
        "INSERT INTO rounds (owner_code, name, year, quarter, checklist_id, starts_on, ends_on, sample_rule, \
         sample_seed, state, created_at, created_by, updated_at) VALUES (",
    );
    q.bind(Arg::Text(r.owner_code.into()))
        .push(", ")
        .bind(Arg::Text(r.name.into()))
        .push(", ")
        .bind(Arg::I32(r.year))
        .push(", ")
        .bind(Arg::I32(r.quarter))
        .push(", ")
        .bind(Arg::I64(r.checklist_id))
        .push(", ")
        .bind(Arg::Text(r.starts_on.into()))
        .push(", ")
        .bind(Arg::Text(r.ends_on.into()))
        .push(", ")
        .bind(Arg::OptText(r.sample_rule.clone()))
        .push(", ")
        .bind(Arg::OptI64(r.sample_seed))
        .push(", 'planned', ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(", ")
        .bind(Arg::I64(now))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn round(tx: &mut Tx, v: &Viewer<'_>, id: i64) -> Result<Option<RoundRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {ROUND_COLUMNS} FROM rounds r WHERE r.id = "
    ));
    q.bind(Arg::I64(id));
    round_visible(&mut q, v);
    fetch_optional(tx, &q).await
}

/// Which rounds to list.
#[derive(Debug, Clone, Default)]
pub struct RoundFilter {
    pub year: Option<i32>,
    pub quarter: Option<i32>,
    /// Only rounds touching this region: owned at or below it, or inspecting
    /// towns in it.
    pub region: Option<String>,
    pub published_only: bool,
}

/// Rounds the viewer may see, newest first, with the towns and findings the
/// viewer may see of each.
pub async fn rounds(tx: &mut Tx, v: &Viewer<'_>, f: &RoundFilter) -> Result<Vec<RoundListRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {ROUND_COLUMNS}, (SELECT COUNT(*) FROM inspections i WHERE i.round_id = r.id"
    ));
    inspection_visible(&mut q, v);
    q.push(") AS towns, (SELECT COALESCE(SUM(i.findings), 0) FROM inspections i WHERE i.round_id = r.id");
    inspection_visible(&mut q, v);
    q.push(") AS findings FROM rounds r WHERE 1 = 1");
    round_visible(&mut q, v);
    if let Some(y) = f.year {
        q.push(" AND r.year = ").bind(Arg::I32(y));
    }
    if let Some(qt) = f.quarter {
        q.push(" AND r.quarter = ").bind(Arg::I32(qt));
    }
    if f.published_only {
        q.push(" AND r.state = 'published'");
    }
    if let Some(region) = &f.region {
        let p = format!("{region}%");
        q.push(" AND (r.owner_code LIKE ")
            .bind(Arg::Text(p.clone()))
            .push(" OR EXISTS (SELECT 1 FROM inspections ri WHERE ri.round_id = r.id AND ri.town_code LIKE ")
            .bind(Arg::Text(p))
            .push("))");
    }
    q.push(" ORDER BY r.year DESC, r.quarter DESC, r.starts_on DESC, r.id DESC");
    fetch_all(tx, &q).await
}

/// The published round of the same owner that came last before `round`
/// (for the change in rank). Only the caller's own visible rounds count.
pub async fn previous_published(
    tx: &mut Tx,
    v: &Viewer<'_>,
    round: &RoundRow,
) -> Result<Option<RoundRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {ROUND_COLUMNS} FROM rounds r WHERE r.state = 'published' AND r.owner_code = "
    ));
    q.bind(Arg::Text(round.owner_code.clone()))
        .push(" AND r.id <> ")
        .bind(Arg::I64(round.id))
        .push(" AND (r.starts_on < ")
        .bind(Arg::Text(round.starts_on.clone()))
        .push(" OR (r.starts_on = ")
        .bind(Arg::Text(round.starts_on.clone()))
        .push(" AND r.id < ")
        .bind(Arg::I64(round.id))
        .push("))");
    round_visible(&mut q, v);
    q.push(" ORDER BY r.starts_on DESC, r.id DESC LIMIT 1");
    fetch_optional(tx, &q).await
}

pub struct RoundPlan<'a> {
    pub name: &'a str,
    pub year: i32,
    pub quarter: i32,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
}

pub async fn update_round_plan(tx: &mut Tx, id: i64, p: &RoundPlan<'_>, now: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE rounds SET name = ");
    q.bind(Arg::Text(p.name.into()))
        .push(", year = ")
        .bind(Arg::I32(p.year))
        .push(", quarter = ")
        .bind(Arg::I32(p.quarter))
        .push(", starts_on = ")
        .bind(Arg::Text(p.starts_on.into()))
        .push(", ends_on = ")
        .bind(Arg::Text(p.ends_on.into()))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE state = 'planned' AND id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

/// Marks a planned round published; 0 rows when it already was.
pub async fn publish_round(
    tx: &mut Tx,
    id: i64,
    on: &str,
    by: Option<i64>,
    now: i64,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE rounds SET state = 'published', published_on = ");
    q.bind(Arg::Text(on.into()))
        .push(", published_at = ")
        .bind(Arg::I64(now))
        .push(", published_by = ")
        .bind(Arg::OptI64(by))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE state = 'planned' AND id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

/// The notice's editable text (title, number, opening, closing).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct NoticeText {
    pub title: String,
    pub number: String,
    pub opening: String,
    pub closing: String,
}

pub async fn update_round_notice(tx: &mut Tx, id: i64, n: &NoticeText, now: i64) -> Result<u64> {
    update_notice(tx, "rounds", id, n, Some(now)).await
}

async fn update_notice(
    tx: &mut Tx,
    table: &str,
    id: i64,
    n: &NoticeText,
    now: Option<i64>,
) -> Result<u64> {
    let mut q = Sql::new(&format!("UPDATE {table} SET notice_title = "));
    q.bind(Arg::Text(n.title.clone()))
        .push(", notice_number = ")
        .bind(Arg::Text(n.number.clone()))
        .push(", notice_opening = ")
        .bind(Arg::Text(n.opening.clone()))
        .push(", notice_closing = ")
        .bind(Arg::Text(n.closing.clone()));
    if let Some(now) = now {
        q.push(", updated_at = ").bind(Arg::I64(now));
    }
    q.push(" WHERE id = ").bind(Arg::I64(id));
    execute(tx, &q).await
}

// ---------------------------------------------------------------------------
// Inspections

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct InspectionRow {
    pub id: i64,
    pub round_id: i64,
    pub town_code: String,
    pub inspector_id: Option<i64>,
    pub planned_on: Option<String>,
    pub state: String,
    pub submitted_at: Option<i64>,
    pub score: i64,
    pub deducted: i64,
    pub findings: i32,
}

const INSPECTION_COLUMNS: &str =
    "i.id, i.round_id, i.town_code, i.inspector_id, i.planned_on, i.state, \
    i.submitted_at, i.score, i.deducted, i.findings";

pub async fn insert_inspection(
    tx: &mut Tx,
    round_id: i64,
    town: &str,
    inspector: Option<i64>,
    planned_on: Option<&str>,
    base: i64,
) -> Result<i64> {
    let mut q = Sql::new(
        "INSERT INTO inspections (round_id, town_code, inspector_id, planned_on, state, score) VALUES (",
    );
    q.bind(Arg::I64(round_id))
        .push(", ")
        .bind(Arg::Text(town.into()))
        .push(", ")
        .bind(Arg::OptI64(inspector))
        .push(", ")
        .bind(Arg::OptText(planned_on.map(str::to_owned)))
        .push(", 'planned', ")
        .bind(Arg::I64(base))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn assign_inspection(
    tx: &mut Tx,
    id: i64,
    inspector: Option<i64>,
    planned_on: Option<&str>,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE inspections SET inspector_id = ");
    q.bind(Arg::OptI64(inspector))
        .push(", planned_on = ")
        .bind(Arg::OptText(planned_on.map(str::to_owned)))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

/// Removes a town from a planned round (only when nothing was found there).
pub async fn delete_inspection(tx: &mut Tx, id: i64) -> Result<u64> {
    let mut q = Sql::new("DELETE FROM inspections WHERE findings = 0 AND id = ");
    q.bind(Arg::I64(id));
    execute(tx, &q).await
}

pub async fn inspection(tx: &mut Tx, v: &Viewer<'_>, id: i64) -> Result<Option<InspectionRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {INSPECTION_COLUMNS} FROM inspections i JOIN rounds r ON r.id = i.round_id WHERE i.id = "
    ));
    q.bind(Arg::I64(id));
    inspection_visible(&mut q, v);
    fetch_optional(tx, &q).await
}

/// The inspections of a round the viewer may see, by town code.
pub async fn inspections(tx: &mut Tx, v: &Viewer<'_>, round_id: i64) -> Result<Vec<InspectionRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {INSPECTION_COLUMNS} FROM inspections i JOIN rounds r ON r.id = i.round_id WHERE i.round_id = "
    ));
    q.bind(Arg::I64(round_id));
    inspection_visible(&mut q, v);
    q.push(" ORDER BY i.town_code");
    fetch_all(tx, &q).await
}

/// An inspection in a ranking: its row, the town's name and the town's rank
/// in another (the previous) round.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct RankingRow {
    #[sqlx(flatten)]
    pub inspection: InspectionRow,
    pub town_name: String,
    /// Competition rank (1, 2, 2, 4) by score in `previous`, if inspected there.
    pub previous_rank: Option<i64>,
}

/// The inspections of a round the viewer may see, by town code, with the
/// town's name and its rank in round `previous`. Ranking the previous round
/// in SQL sends one row per town instead of two (most of a province
/// ranking's time is moving rows).
pub async fn ranking_rows(
    tx: &mut Tx,
    v: &Viewer<'_>,
    round_id: i64,
    previous: Option<i64>,
) -> Result<Vec<RankingRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {INSPECTION_COLUMNS}, COALESCE(t.name, '') AS town_name, p.previous_rank \
         FROM inspections i JOIN rounds r ON r.id = i.round_id \
         LEFT JOIN regions t ON t.code = i.town_code \
         LEFT JOIN (SELECT town_code, CAST(RANK() OVER (ORDER BY score DESC) AS BIGINT) AS previous_rank \
         FROM inspections WHERE round_id = "
    ));
    q.bind(Arg::OptI64(previous))
        .push(") p ON p.town_code = i.town_code WHERE i.round_id = ")
        .bind(Arg::I64(round_id));
    inspection_visible(&mut q, v);
    q.push(" ORDER BY i.town_code");
    fetch_all(tx, &q).await
}

/// Per county (first 6 digits) of a round: (county, sum of scores, towns).
/// No secrecy filter: for rounds the caller was found to see.
pub async fn county_score_sums(tx: &mut Tx, round_id: i64) -> Result<Vec<(String, i64, i64)>> {
    #[derive(sqlx::FromRow)]
    struct C {
        county: String,
        total: i64,
        towns: i64,
    }
    let mut q = Sql::new(
        "SELECT SUBSTR(town_code, 1, 6) AS county, CAST(SUM(score) AS BIGINT) AS total, \
         COUNT(*) AS towns FROM inspections WHERE round_id = ",
    );
    q.bind(Arg::I64(round_id))
        .push(" GROUP BY SUBSTR(town_code, 1, 6)");
    let rows: Vec<C> = fetch_all(tx, &q).await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.county, c.total, c.towns))
        .collect())
}

/// An inspector's own assignments (any round state), newest round first.
pub async fn assignments(tx: &mut Tx, inspector: i64) -> Result<Vec<InspectionRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {INSPECTION_COLUMNS} FROM inspections i JOIN rounds r ON r.id = i.round_id WHERE i.inspector_id = "
    ));
    q.bind(Arg::I64(inspector))
        .push(" ORDER BY r.starts_on DESC, i.planned_on, i.town_code");
    fetch_all(tx, &q).await
}

/// Published inspections of towns in `prefix` within a date range of rounds
/// (by the round's year and quarter), for the quarterly assessment.
pub async fn published_in_quarter(
    tx: &mut Tx,
    owner_prefix: &str,
    year: i32,
    quarter: i32,
) -> Result<Vec<InspectionRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {INSPECTION_COLUMNS} FROM inspections i JOIN rounds r ON r.id = i.round_id \
         WHERE r.state = 'published' AND r.year = "
    ));
    q.bind(Arg::I32(year))
        .push(" AND r.quarter = ")
        .bind(Arg::I32(quarter))
        .push(" AND i.town_code LIKE ")
        .bind(Arg::Text(format!("{owner_prefix}%")))
        .push(" ORDER BY i.town_code, r.id");
    fetch_all(tx, &q).await
}

pub async fn set_inspection_figures(
    tx: &mut Tx,
    id: i64,
    score: i64,
    deducted: i64,
    findings: i32,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE inspections SET score = ");
    q.bind(Arg::I64(score))
        .push(", deducted = ")
        .bind(Arg::I64(deducted))
        .push(", findings = ")
        .bind(Arg::I32(findings))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

/// What may change under a field write: the round's state and the
/// inspection's inspector, by inspection id (no secrecy filter: the caller
/// was checked through one before). On PostgreSQL it also locks: the
/// inspection's writers take turns (each re-sums its score, see
/// [`lock_inspection`]) and publication waits for those under way. On SQLite
/// the writing transaction already holds the whole database.
pub async fn field_state(tx: &mut Tx, inspection_id: i64) -> Result<Option<(String, Option<i64>)>> {
    #[derive(sqlx::FromRow)]
    struct S {
        state: String,
        inspector_id: Option<i64>,
    }
    let mut q = Sql::new(
        "SELECT r.state, i.inspector_id FROM inspections i JOIN rounds r ON r.id = i.round_id WHERE i.id = ",
    );
    q.bind(Arg::I64(inspection_id));
    if tx.engine() == Engine::Postgres {
        q.push(" FOR UPDATE OF i FOR SHARE OF r");
    }
    let row: Option<S> = fetch_optional(tx, &q).await?;
    Ok(row.map(|s| (s.state, s.inspector_id)))
}

/// Everything a finding's write needs to know beforehand, read in one query.
#[derive(Debug, Clone)]
pub struct FieldContext {
    pub round: RoundRow,
    pub inspection: InspectionRow,
    /// The round's checklist version (its JSON body).
    pub checklist: Option<ChecklistRow>,
    /// A finding this phone already sent with the same `client_id`.
    pub existing: Option<i64>,
    pub town_name: Option<String>,
    /// The town's recent positions not flagged (when asked for).
    pub fixes: Vec<(i64, i64)>,
}

/// The inspection `inspection_id` if `v` may see it, with its round, the
/// round's checklist, the id of a finding already sent as `client_id`, the
/// town's name and (when `with_fixes`) its recent positions — one round trip
/// for the read phase of a finding. An inspection the viewer may see implies
/// its round is visible too (it is the witness `round_visible` looks for).
/// With `lock`, on PostgreSQL, it also locks like [`field_state`] (inside a
/// writing transaction).
pub async fn field_context(
    tx: &mut Tx,
    v: &Viewer<'_>,
    inspection_id: i64,
    client_id: &str,
    with_fixes: bool,
    lock: bool,
) -> Result<Option<FieldContext>> {
    #[derive(sqlx::FromRow)]
    struct C {
        #[sqlx(flatten)]
        round: RoundRow,
        i_id: i64,
        i_town_code: String,
        i_inspector_id: Option<i64>,
        i_planned_on: Option<String>,
        i_state: String,
        i_submitted_at: Option<i64>,
        i_score: i64,
        i_deducted: i64,
        i_findings: i32,
        c_region_code: Option<String>,
        c_version: Option<i32>,
        c_body: Option<String>,
        c_note: Option<String>,
        c_created_at: Option<i64>,
        c_created_by: Option<i64>,
        existing: Option<i64>,
        town_name: Option<String>,
        fixes: Option<String>,
    }
    let mut q = Sql::new(&format!(
        "SELECT {ROUND_COLUMNS}, i.id AS i_id, i.town_code AS i_town_code, i.inspector_id AS i_inspector_id, \
         i.planned_on AS i_planned_on, i.state AS i_state, i.submitted_at AS i_submitted_at, i.score AS i_score, \
         i.deducted AS i_deducted, i.findings AS i_findings, c.region_code AS c_region_code, \
         c.version AS c_version, c.body AS c_body, c.note AS c_note, c.created_at AS c_created_at, \
         c.created_by AS c_created_by, \
         (SELECT f.id FROM findings f WHERE f.inspection_id = i.id AND f.client_id = "
    ));
    q.bind(Arg::Text(client_id.into())).push(
        ") AS existing, (SELECT g.name FROM regions g WHERE g.code = i.town_code) AS town_name, ",
    );
    if with_fixes {
        // The same read as `town_fixes`, folded into a JSON array of
        // [lat, lon]; `= … COLLATE NOCASE` lets SQLite use its NOCASE prefix
        // index (the codes are digits, so it is the exact code).
        let (agg, collate) = match tx.engine() {
            Engine::Postgres => (
                "CAST(json_agg(json_build_array(p.lat_e6, p.lon_e6)) AS TEXT)",
                "",
            ),
            Engine::Sqlite => (
                "json_group_array(json_array(p.lat_e6, p.lon_e6))",
                " COLLATE NOCASE",
            ),
        };
        q.push(&format!(
            "(SELECT {agg} FROM (SELECT lat_e6, lon_e6 FROM findings WHERE lat_e6 IS NOT NULL \
             AND lon_e6 IS NOT NULL AND gps_flag = '' AND town_code{collate} = \
             (SELECT town_code FROM inspections WHERE id = "
        ))
        .bind(Arg::I64(inspection_id))
        .push(") ORDER BY id DESC LIMIT 200) p)");
    } else {
        q.push("NULL");
    }
    q.push(
        " AS fixes FROM inspections i JOIN rounds r ON r.id = i.round_id \
         LEFT JOIN checklist_versions c ON c.id = r.checklist_id WHERE i.id = ",
    )
    .bind(Arg::I64(inspection_id));
    inspection_visible(&mut q, v);
    if lock && tx.engine() == Engine::Postgres {
        // As in `field_state`: the inspection's writers take turns and
        // publication waits; the row read is the current one.
        q.push(" FOR UPDATE OF i FOR SHARE OF r");
    }
    let Some(c): Option<C> = fetch_optional(tx, &q).await? else {
        return Ok(None);
    };
    let fixes: Vec<(i64, i64)> = match c.fixes.as_deref() {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| sqlx::Error::Decode(format!("town positions: {e}").into()))?,
        None => Vec::new(),
    };
    let checklist = match (
        c.c_region_code,
        c.c_version,
        c.c_body,
        c.c_note,
        c.c_created_at,
    ) {
        (Some(region_code), Some(version), Some(body), Some(note), Some(created_at)) => {
            Some(ChecklistRow {
                id: c.round.checklist_id,
                region_code,
                version,
                body,
                note,
                created_at,
                created_by: c.c_created_by,
            })
        }
        _ => None,
    };
    Ok(Some(FieldContext {
        inspection: InspectionRow {
            id: c.i_id,
            round_id: c.round.id,
            town_code: c.i_town_code,
            inspector_id: c.i_inspector_id,
            planned_on: c.i_planned_on,
            state: c.i_state,
            submitted_at: c.i_submitted_at,
            score: c.i_score,
            deducted: c.i_deducted,
            findings: c.i_findings,
        },
        round: c.round,
        checklist,
        existing: c.existing,
        town_name: c.town_name,
        fixes,
    }))
}

/// Takes the inspection's row lock on PostgreSQL before its score is
/// re-summed: two writers summing at once under READ COMMITTED would each
/// miss the other's finding, and the last to write would win. (SQLite: the
/// writing transaction already holds the whole database.)
pub async fn lock_inspection(tx: &mut Tx, inspection_id: i64) -> Result<()> {
    if tx.engine() == Engine::Postgres {
        let mut q = Sql::new("SELECT id FROM inspections WHERE id = ");
        q.bind(Arg::I64(inspection_id)).push(" FOR UPDATE");
        let _: Option<(i64,)> = fetch_optional(tx, &q).await?;
    }
    Ok(())
}

/// The inspector marks the visit done (findings can still be corrected, with a reason).
pub async fn submit_inspection(tx: &mut Tx, id: i64, now: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE inspections SET state = 'submitted', submitted_at = ");
    q.bind(Arg::I64(now))
        .push(" WHERE state = 'planned' AND id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

// ---------------------------------------------------------------------------
// Findings and rectification

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct FindingRow {
    pub id: i64,
    pub inspection_id: i64,
    pub round_id: i64,
    pub town_code: String,
    pub client_id: String,
    pub area_code: String,
    pub area_name: String,
    pub item_code: String,
    pub item_name: String,
    pub severity: String,
    pub deduction: i64,
    pub place: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub gps_flag: String,
    pub found_at: i64,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub rect_state: Option<String>,
    pub deadline: Option<String>,
    pub rect_note: String,
    pub answered_at: Option<i64>,
    pub answered_by: Option<i64>,
    pub verified_at: Option<i64>,
    pub verified_by: Option<i64>,
    pub verify_note: String,
}

const FINDING_COLUMNS: &str = "f.id, f.inspection_id, f.round_id, f.town_code, f.client_id, f.area_code, \
    f.area_name, f.item_code, f.item_name, f.severity, f.deduction, f.place, f.lat_e6, f.lon_e6, f.gps_flag, \
    f.found_at, f.note, f.created_by, f.created_at, f.updated_at, f.rect_state, f.deadline, f.rect_note, \
    f.answered_at, f.answered_by, f.verified_at, f.verified_by, f.verify_note";

const FINDING_FROM: &str =
    " FROM findings f JOIN inspections i ON i.id = f.inspection_id JOIN rounds r ON r.id = f.round_id";

pub struct NewFinding<'a> {
    pub inspection_id: i64,
    pub round_id: i64,
    pub town_code: &'a str,
    pub client_id: &'a str,
    pub area_code: &'a str,
    pub area_name: &'a str,
    pub item_code: &'a str,
    pub item_name: &'a str,
    pub severity: &'a str,
    pub deduction: i64,
    pub place: &'a str,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub gps_flag: &'a str,
    pub found_at: i64,
    pub note: &'a str,
}

/// Inserts a finding and returns it as stored, or `None` when this phone
/// already sent it (same inspection and `client_id`): a re-send racing the
/// first one then reads that row instead of failing on the unique key.
pub async fn insert_finding(
    tx: &mut Tx,
    f: &NewFinding<'_>,
    by: Option<i64>,
    now: i64,
) -> Result<Option<FindingRow>> {
    let mut q = Sql::new(
        "INSERT INTO findings (inspection_id, round_id, town_code, client_id, area_code, area_name, item_code, \
         item_name, severity, deduction, place, lat_e6, lon_e6, gps_flag, found_at, note, created_by, created_at, \
         updated_at) VALUES (",
    );
    let args = [
        Arg::I64(f.inspection_id),
        Arg::I64(f.round_id),
        Arg::Text(f.town_code.into()),
        Arg::Text(f.client_id.into()),
        Arg::Text(f.area_code.into()),
        Arg::Text(f.area_name.into()),
        Arg::Text(f.item_code.into()),
        Arg::Text(f.item_name.into()),
        Arg::Text(f.severity.into()),
        Arg::I64(f.deduction),
        Arg::Text(f.place.into()),
        Arg::OptI64(f.lat_e6),
        Arg::OptI64(f.lon_e6),
        Arg::Text(f.gps_flag.into()),
        Arg::I64(f.found_at),
        Arg::Text(f.note.into()),
        Arg::OptI64(by),
        Arg::I64(now),
        Arg::I64(now),
    ];
    for (n, a) in args.into_iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(a);
    }
    // The stored row comes back with the insert: no second read.
    q.push(") ON CONFLICT (inspection_id, client_id) DO NOTHING RETURNING ")
        .push(&FINDING_COLUMNS.replace("f.", ""));
    fetch_optional(tx, &q).await
}

/// The finding a phone already sent with this id (re-sent batches).
pub async fn finding_by_client(
    tx: &mut Tx,
    inspection_id: i64,
    client_id: &str,
) -> Result<Option<FindingRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {FINDING_COLUMNS}{FINDING_FROM} WHERE f.inspection_id = "
    ));
    q.bind(Arg::I64(inspection_id))
        .push(" AND f.client_id = ")
        .bind(Arg::Text(client_id.into()));
    fetch_optional(tx, &q).await
}

pub async fn finding(tx: &mut Tx, v: &Viewer<'_>, id: i64) -> Result<Option<FindingRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {FINDING_COLUMNS}{FINDING_FROM} WHERE f.id = "
    ));
    q.bind(Arg::I64(id));
    inspection_visible(&mut q, v);
    fetch_optional(tx, &q).await
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub round_id: Option<i64>,
    pub inspection_id: Option<i64>,
    /// Towns under this region.
    pub region: Option<String>,
    pub rect_state: Option<String>,
    /// Only published findings that are not closed and past this date ('YYYY-MM-DD').
    pub overdue_on: Option<String>,
    pub limit: Option<i64>,
}

pub async fn findings(tx: &mut Tx, v: &Viewer<'_>, f: &FindingFilter) -> Result<Vec<FindingRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {FINDING_COLUMNS}{FINDING_FROM} WHERE 1 = 1"
    ));
    inspection_visible(&mut q, v);
    if let Some(r) = f.round_id {
        q.push(" AND f.round_id = ").bind(Arg::I64(r));
    }
    if let Some(i) = f.inspection_id {
        q.push(" AND f.inspection_id = ").bind(Arg::I64(i));
    }
    if let Some(region) = &f.region {
        q.push(" AND f.town_code LIKE ")
            .bind(Arg::Text(format!("{region}%")));
    }
    if let Some(s) = &f.rect_state {
        q.push(" AND f.rect_state = ").bind(Arg::Text(s.clone()));
    }
    if let Some(d) = &f.overdue_on {
        q.push(" AND f.rect_state IS NOT NULL AND f.rect_state <> 'closed' AND f.deadline < ")
            .bind(Arg::Text(d.clone()));
    }
    q.push(" ORDER BY f.town_code, f.found_at, f.id");
    if let Some(l) = f.limit {
        q.push(" LIMIT ").bind(Arg::I64(l));
    }
    fetch_all(tx, &q).await
}

/// Per area of an inspection's findings: (area code, sum of deductions,
/// count) — the score's input, summed by the database.
pub async fn area_deductions(tx: &mut Tx, inspection_id: i64) -> Result<Vec<(String, i64, i64)>> {
    #[derive(sqlx::FromRow)]
    struct D {
        area_code: String,
        deducted: i64,
        findings: i64,
    }
    let mut q = Sql::new(
        "SELECT area_code, CAST(SUM(deduction) AS BIGINT) AS deducted, COUNT(*) AS findings \
         FROM findings WHERE inspection_id = ",
    );
    q.bind(Arg::I64(inspection_id)).push(" GROUP BY area_code");
    let rows: Vec<D> = fetch_all(tx, &q).await?;
    Ok(rows
        .into_iter()
        .map(|d| (d.area_code, d.deducted, d.findings))
        .collect())
}

/// Recomputes an inspection's score, deductions and findings count from its
/// findings in one statement: per area the sum capped at the area's cap
/// (`caps`: area code and cap, in hundredths; an area not listed counts
/// uncapped), the score `base` minus the total, never below zero — the rule
/// of `meizhen_domain::inspection::score`, summed by the database. The
/// caller holds the inspection's lock ([`lock_inspection`], [`field_state`]).
pub async fn rescore_inspection(
    tx: &mut Tx,
    inspection_id: i64,
    base: i64,
    caps: &[(&str, i64)],
) -> Result<u64> {
    const SUM: &str = "CAST(SUM(deduction) AS BIGINT)";
    let mut q = Sql::new("UPDATE inspections SET score = x.score, deducted = ");
    q.bind(Arg::I64(base))
        .push(" - x.score, findings = x.n FROM (SELECT CASE WHEN t.total >= ");
    q.bind(Arg::I64(base))
        .push(" THEN 0 ELSE ")
        .bind(Arg::I64(base))
        .push(
            " - t.total END AS score, t.n FROM (SELECT CAST(COALESCE(SUM(a.counted), 0) AS BIGINT) AS total, \
             CAST(COALESCE(SUM(a.n), 0) AS INTEGER) AS n FROM (SELECT ",
        );
    if caps.is_empty() {
        q.push(SUM);
    } else {
        q.push("CASE area_code");
        for (code, cap) in caps {
            q.push(" WHEN ")
                .bind(Arg::Text((*code).into()))
                .push(&format!(" THEN CASE WHEN {SUM} > "))
                .bind(Arg::I64(*cap))
                .push(" THEN ")
                .bind(Arg::I64(*cap))
                .push(&format!(" ELSE {SUM} END"));
        }
        q.push(&format!(" ELSE {SUM} END"));
    }
    q.push(" AS counted, COUNT(*) AS n FROM findings WHERE inspection_id = ")
        .bind(Arg::I64(inspection_id))
        .push(" GROUP BY area_code) a) t) x WHERE inspections.id = ")
        .bind(Arg::I64(inspection_id));
    execute(tx, &q).await
}

/// Positions already recorded in a town (for the GPS plausibility check).
pub async fn town_fixes(tx: &mut Tx, town: &str) -> Result<Vec<(i64, i64)>> {
    #[derive(sqlx::FromRow)]
    struct P {
        lat_e6: i64,
        lon_e6: i64,
    }
    // LIKE on the exact code (digits, no wildcard) so that SQLite can use the
    // NOCASE prefix index; `=` would scan every finding of the province.
    let mut q = Sql::new(
        "SELECT lat_e6, lon_e6 FROM findings WHERE lat_e6 IS NOT NULL AND lon_e6 IS NOT NULL AND gps_flag = '' AND town_code LIKE ",
    );
    q.bind(Arg::Text(town.into()))
        .push(" ORDER BY id DESC LIMIT 200");
    let rows: Vec<P> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|p| (p.lat_e6, p.lon_e6)).collect())
}

/// A logged correction of a finding's item, place and note.
pub struct FindingCorrection<'a> {
    pub area_code: &'a str,
    pub area_name: &'a str,
    pub item_code: &'a str,
    pub item_name: &'a str,
    pub severity: &'a str,
    pub deduction: i64,
    pub place: &'a str,
    pub note: &'a str,
}

pub async fn correct_finding(
    tx: &mut Tx,
    id: i64,
    c: &FindingCorrection<'_>,
    now: i64,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE findings SET area_code = ");
    q.bind(Arg::Text(c.area_code.into()))
        .push(", area_name = ")
        .bind(Arg::Text(c.area_name.into()))
        .push(", item_code = ")
        .bind(Arg::Text(c.item_code.into()))
        .push(", item_name = ")
        .bind(Arg::Text(c.item_name.into()))
        .push(", severity = ")
        .bind(Arg::Text(c.severity.into()))
        .push(", deduction = ")
        .bind(Arg::I64(c.deduction))
        .push(", place = ")
        .bind(Arg::Text(c.place.into()))
        .push(", note = ")
        .bind(Arg::Text(c.note.into()))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

/// Opens the rectification tasks of a round's findings of one severity.
pub async fn open_rectifications(
    tx: &mut Tx,
    round_id: i64,
    severity: &str,
    deadline: &str,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE findings SET rect_state = 'open', deadline = ");
    q.bind(Arg::Text(deadline.into()))
        .push(" WHERE rect_state IS NULL AND round_id = ")
        .bind(Arg::I64(round_id))
        .push(" AND severity = ")
        .bind(Arg::Text(severity.into()));
    execute(tx, &q).await
}

/// The town's answer: state → submitted, with its note. `expect` guards
/// against a concurrent change (0 rows when the state moved meanwhile).
pub async fn answer_rectification(
    tx: &mut Tx,
    id: i64,
    expect: &str,
    note: &str,
    by: i64,
    now: i64,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE findings SET rect_state = 'submitted', rect_note = ");
    q.bind(Arg::Text(note.into()))
        .push(", answered_at = ")
        .bind(Arg::I64(now))
        .push(", answered_by = ")
        .bind(Arg::I64(by))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id))
        .push(" AND rect_state = ")
        .bind(Arg::Text(expect.into()));
    execute(tx, &q).await
}

/// The county's verification: closed or returned.
pub async fn verify_rectification(
    tx: &mut Tx,
    id: i64,
    to: &str,
    note: &str,
    by: i64,
    now: i64,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE findings SET rect_state = ");
    q.bind(Arg::Text(to.into()))
        .push(", verify_note = ")
        .bind(Arg::Text(note.into()))
        .push(", verified_at = ")
        .bind(Arg::I64(now))
        .push(", verified_by = ")
        .bind(Arg::I64(by))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id))
        .push(" AND rect_state = 'submitted'");
    execute(tx, &q).await
}

/// Rectification facts of the published findings of towns under `region`
/// the viewer may see: (town, state, deadline, answered_at).
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct RectFact {
    pub town_code: String,
    pub round_id: i64,
    pub rect_state: String,
    pub deadline: String,
    pub answered_at: Option<i64>,
}

pub async fn rect_facts(
    tx: &mut Tx,
    v: &Viewer<'_>,
    region: &str,
    round_id: Option<i64>,
) -> Result<Vec<RectFact>> {
    let mut q = Sql::new(&format!(
        "SELECT f.town_code, f.round_id, f.rect_state, f.deadline, f.answered_at{FINDING_FROM} \
         WHERE f.rect_state IS NOT NULL AND f.deadline IS NOT NULL AND f.town_code LIKE "
    ));
    q.bind(Arg::Text(format!("{region}%")));
    inspection_visible(&mut q, v);
    if let Some(r) = round_id {
        q.push(" AND f.round_id = ").bind(Arg::I64(r));
    }
    fetch_all(tx, &q).await
}

// ---------------------------------------------------------------------------
// Finding photos

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct FindingPhotoRow {
    pub id: i64,
    pub finding_id: i64,
    pub round_id: i64,
    pub town_code: String,
    pub kind: String,
    pub sha256: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub taken_at: Option<String>,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub caption: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
}

const PHOTO_COLUMNS: &str = "p.id, p.finding_id, p.round_id, p.town_code, p.kind, p.sha256, p.content_type, \
    p.bytes, p.width, p.height, p.taken_at, p.lat_e6, p.lon_e6, p.caption, p.created_at, p.created_by";

pub struct NewFindingPhoto<'a> {
    pub finding_id: i64,
    pub round_id: i64,
    pub town_code: &'a str,
    pub kind: &'a str,
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

pub async fn insert_photo(
    tx: &mut Tx,
    p: &NewFindingPhoto<'_>,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut q = Sql::new(
        "INSERT INTO finding_photos (finding_id, round_id, town_code, kind, sha256, content_type, bytes, width, \
         height, taken_at, lat_e6, lon_e6, caption, created_at, created_by) VALUES (",
    );
    let args = [
        Arg::I64(p.finding_id),
        Arg::I64(p.round_id),
        Arg::Text(p.town_code.into()),
        Arg::Text(p.kind.into()),
        Arg::Text(p.sha256.into()),
        Arg::Text(p.content_type.into()),
        Arg::I64(p.bytes),
        Arg::OptI32(p.width),
        Arg::OptI32(p.height),
        Arg::OptText(p.taken_at.clone()),
        Arg::OptI64(p.lat_e6),
        Arg::OptI64(p.lon_e6),
        Arg::Text(p.caption.into()),
        Arg::I64(now),
        Arg::OptI64(by),
    ];
    for (n, a) in args.into_iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(a);
    }
    q.push(") RETURNING id");
    scalar_i64(tx, &q).await
}

/// Photos of the given findings (already read through a viewer).
pub async fn photos_of(tx: &mut Tx, finding_ids: &[i64]) -> Result<Vec<FindingPhotoRow>> {
    if finding_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!(
        "SELECT {PHOTO_COLUMNS} FROM finding_photos p WHERE p.finding_id IN ("
    ));
    for (n, id) in finding_ids.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(Arg::I64(*id));
    }
    q.push(") ORDER BY p.finding_id, p.kind DESC, p.id");
    fetch_all(tx, &q).await
}

/// Photos of a round's findings (for the notice), through the viewer.
pub async fn photos_of_round(
    tx: &mut Tx,
    v: &Viewer<'_>,
    round_id: i64,
) -> Result<Vec<FindingPhotoRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {PHOTO_COLUMNS} FROM finding_photos p JOIN findings f ON f.id = p.finding_id \
         JOIN inspections i ON i.id = f.inspection_id JOIN rounds r ON r.id = f.round_id WHERE p.round_id = "
    ));
    q.bind(Arg::I64(round_id));
    inspection_visible(&mut q, v);
    q.push(" ORDER BY p.finding_id, p.kind DESC, p.id");
    fetch_all(tx, &q).await
}

pub async fn photo(tx: &mut Tx, v: &Viewer<'_>, id: i64) -> Result<Option<FindingPhotoRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {PHOTO_COLUMNS} FROM finding_photos p JOIN findings f ON f.id = p.finding_id \
         JOIN inspections i ON i.id = f.inspection_id JOIN rounds r ON r.id = f.round_id WHERE p.id = "
    ));
    q.bind(Arg::I64(id));
    inspection_visible(&mut q, v);
    fetch_optional(tx, &q).await
}

// ---------------------------------------------------------------------------
// Published quarterly assessments (public once published: scoped by town)

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct AssessmentRow {
    pub id: i64,
    pub owner_code: String,
    pub year: i32,
    pub quarter: i32,
    pub weights: String,
    pub published_at: i64,
    pub published_by: Option<i64>,
    pub notice_title: String,
    pub notice_number: String,
    pub notice_opening: String,
    pub notice_closing: String,
}

const ASSESSMENT_COLUMNS: &str =
    "id, owner_code, year, quarter, weights, published_at, published_by, \
    notice_title, notice_number, notice_opening, notice_closing";

#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct AssessmentScoreRow {
    pub assessment_id: i64,
    pub town_code: String,
    pub inspection: Option<i64>,
    pub start_rate: Option<i64>,
    pub investment_rate: Option<i64>,
    pub reporting: Option<i64>,
    pub total: Option<i64>,
}

pub async fn assessment(
    tx: &mut Tx,
    owner: &str,
    year: i32,
    quarter: i32,
) -> Result<Option<AssessmentRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE owner_code = "
    ));
    q.bind(Arg::Text(owner.into()))
        .push(" AND year = ")
        .bind(Arg::I32(year))
        .push(" AND quarter = ")
        .bind(Arg::I32(quarter));
    fetch_optional(tx, &q).await
}

pub async fn insert_assessment(
    tx: &mut Tx,
    owner: &str,
    year: i32,
    quarter: i32,
    weights: &str,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut q = Sql::new(
        "INSERT INTO assessments (owner_code, year, quarter, weights, published_at, published_by) VALUES (",
    );
    q.bind(Arg::Text(owner.into()))
        .push(", ")
        .bind(Arg::I32(year))
        .push(", ")
        .bind(Arg::I32(quarter))
        .push(", ")
        .bind(Arg::Text(weights.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn insert_assessment_score(tx: &mut Tx, s: &AssessmentScoreRow) -> Result<()> {
    let mut q = Sql::new(
        "INSERT INTO assessment_scores (assessment_id, town_code, inspection, start_rate, investment_rate, \
         reporting, total) VALUES (",
    );
    q.bind(Arg::I64(s.assessment_id))
        .push(", ")
        .bind(Arg::Text(s.town_code.clone()))
        .push(", ")
        .bind(Arg::OptI64(s.inspection))
        .push(", ")
        .bind(Arg::OptI64(s.start_rate))
        .push(", ")
        .bind(Arg::OptI64(s.investment_rate))
        .push(", ")
        .bind(Arg::OptI64(s.reporting))
        .push(", ")
        .bind(Arg::OptI64(s.total))
        .push(")");
    execute(tx, &q).await.map(|_| ())
}

/// A published assessment's scores of towns in the caller's scope.
pub async fn assessment_scores(
    tx: &mut Tx,
    scope: &RegionScope,
    id: i64,
) -> Result<Vec<AssessmentScoreRow>> {
    let mut q = Sql::new(
        "SELECT assessment_id, town_code, inspection, start_rate, investment_rate, reporting, total \
         FROM assessment_scores WHERE assessment_id = ",
    );
    q.bind(Arg::I64(id));
    super::scope_filter(&mut q, "town_code", scope);
    q.push(" ORDER BY town_code");
    fetch_all(tx, &q).await
}

pub async fn update_assessment_notice(tx: &mut Tx, id: i64, n: &NoticeText) -> Result<u64> {
    update_notice(tx, "assessments", id, n, None).await
}

/// (town, inspection id) of a round, for the generator's bulk writes.
pub async fn inspection_ids(tx: &mut Tx, round_id: i64) -> Result<Vec<(String, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
        town_code: String,
    }
    let mut q = Sql::new("SELECT id, town_code FROM inspections WHERE round_id = ");
    q.bind(Arg::I64(round_id));
    let rows: Vec<Id> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|r| (r.town_code, r.id)).collect())
}
