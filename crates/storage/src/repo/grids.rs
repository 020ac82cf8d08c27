//! Grids (网格) drawn by a town.
use super::{execute, fetch_all, fetch_optional, scalar_i64, scope_filter};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::RegionScope;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct GridRow {
    pub id: i64,
    pub town_code: String,
    pub village_code: Option<String>,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, town_code, village_code, name, description, created_at";

pub async fn insert(
    tx: &mut Tx,
    town: &str,
    village: Option<&str>,
    name: &str,
    description: &str,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut q = Sql::new("INSERT INTO grids (town_code, village_code, name, description, created_at, created_by) VALUES (");
    q.bind(Arg::Text(town.into()))
        .push(", ")
        .bind(Arg::OptText(village.map(str::to_owned)))
        .push(", ")
        .bind(Arg::Text(name.into()))
        .push(", ")
        .bind(Arg::Text(description.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::OptI64(by))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn for_town(tx: &mut Tx, scope: &RegionScope, town: &str) -> Result<Vec<GridRow>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM grids WHERE town_code = "));
    q.bind(Arg::Text(town.into()));
    scope_filter(&mut q, "town_code", scope);
    q.push(" ORDER BY name");
    fetch_all(tx, &q).await
}

pub async fn get(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<GridRow>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM grids WHERE id = "));
    q.bind(Arg::I64(id));
    scope_filter(&mut q, "town_code", scope);
    fetch_optional(tx, &q).await
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    village: Option<&str>,
    name: &str,
    description: &str,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE grids SET village_code = ");
    q.bind(Arg::OptText(village.map(str::to_owned)))
        .push(", name = ")
        .bind(Arg::Text(name.into()))
        .push(", description = ")
        .bind(Arg::Text(description.into()))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await
}

pub async fn delete(tx: &mut Tx, id: i64) -> Result<u64> {
    let mut q = Sql::new("DELETE FROM grids WHERE id = ");
    q.bind(Arg::I64(id));
    execute(tx, &q).await
}
