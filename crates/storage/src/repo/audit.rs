//! The audit log. Entries are written by services inside the transaction of
//! the change they describe, and read only through a scope.
use super::{fetch_all, fetch_optional, paginate, scalar_i64, scope_filter};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::RegionScope;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub region_code: &'a str,
    pub summary: &'a str,
    /// JSON: `{field: [before, after]}`.
    pub changes: &'a str,
    pub address: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EntryRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub region_code: String,
    pub summary: String,
    pub changes: String,
    pub address: Option<String>,
}

const COLUMNS: &str =
    "id, at, actor_id, actor_name, action, entity, entity_id, region_code, summary, changes, address";

pub async fn insert(tx: &mut Tx, e: &NewEntry<'_>) -> Result<i64> {
    let mut q = Sql::new("INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, region_code, summary, changes, address) VALUES (");
    q.bind(Arg::I64(e.at))
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
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

pub async fn list(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<EntryRow>> {
    let mut w = Sql::new(" FROM audit_log WHERE 1=1");
    scope_filter(&mut w, "region_code", scope);
    let text = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(v) = text(&f.entity) {
        w.push(" AND entity = ").bind(Arg::Text(v));
    }
    if let Some(v) = text(&f.entity_id) {
        w.push(" AND entity_id = ").bind(Arg::Text(v));
    }
    if let Some(v) = text(&f.action) {
        w.push(" AND action = ").bind(Arg::Text(v));
    }
    if let Some(v) = text(&f.actor) {
        w.push(" AND actor_name = ").bind(Arg::Text(v));
    }
    if let Some(v) = f.from_ms {
        w.push(" AND at >= ").bind(Arg::I64(v));
    }
    if let Some(v) = f.to_ms {
        w.push(" AND at < ").bind(Arg::I64(v));
    }
    let total = scalar_i64(tx, &Sql::prefixed("SELECT COUNT(*)", &w)).await?;
    let mut s = Sql::prefixed(&format!("SELECT {COLUMNS}"), &w);
    s.push(" ORDER BY at DESC, id DESC");
    paginate(&mut s, page);
    Ok(Page {
        items: fetch_all(tx, &s).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub async fn get(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<EntryRow>> {
    let mut s = Sql::new(&format!("SELECT {COLUMNS} FROM audit_log WHERE id = "));
    s.bind(Arg::I64(id));
    scope_filter(&mut s, "region_code", scope);
    fetch_optional(tx, &s).await
}
