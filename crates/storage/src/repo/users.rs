use super::{execute, fetch_all, fetch_optional, paginate, scalar_i64, scope_filter};
use crate::{Arg, Result, Sql, Tx};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::RegionScope;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub department: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user as listed, with the region's name.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UserListRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub region_name: String,
    pub department: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub region_code: &'a str,
    pub department: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

const COLUMNS: &str = "id, username, display_name, role, region_code, department, password_hash, \
                       must_change_password, disabled, created_at, updated_at";

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>, now: i64) -> Result<i64> {
    let mut s = Sql::new("INSERT INTO users (username, display_name, role, region_code, department, password_hash, must_change_password, disabled, created_at, updated_at) VALUES (");
    s.bind(Arg::Text(u.username.into()))
        .push(", ")
        .bind(Arg::Text(u.display_name.into()))
        .push(", ")
        .bind(Arg::Text(u.role.into()))
        .push(", ")
        .bind(Arg::Text(u.region_code.into()))
        .push(", ")
        .bind(Arg::OptText(u.department.map(str::to_owned)))
        .push(", ")
        .bind(Arg::Text(u.password_hash.into()))
        .push(", ")
        .bind(Arg::Bool(u.must_change_password))
        .push(", ")
        .bind(Arg::Bool(false))
        .push(", ")
        .bind(Arg::I64(now))
        .push(", ")
        .bind(Arg::I64(now))
        .push(") RETURNING id");
    scalar_i64(tx, &s).await
}

/// Unscoped: for login and session lookup only (the caller is not yet known).
pub async fn by_username(tx: &mut Tx, username: &str) -> Result<Option<UserRow>> {
    let mut s = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE username = "));
    s.bind(Arg::Text(username.into()));
    fetch_optional(tx, &s).await
}

/// Unscoped: for session and token resolution only.
pub async fn by_id(tx: &mut Tx, id: i64) -> Result<Option<UserRow>> {
    let mut s = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE id = "));
    s.bind(Arg::I64(id));
    fetch_optional(tx, &s).await
}

pub async fn get_scoped(tx: &mut Tx, scope: &RegionScope, id: i64) -> Result<Option<UserRow>> {
    let mut s = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE id = "));
    s.bind(Arg::I64(id));
    scope_filter(&mut s, "region_code", scope);
    department_filter(&mut s, scope);
    fetch_optional(tx, &s).await
}

fn department_filter(s: &mut Sql, scope: &RegionScope) {
    if let Some(d) = scope.department() {
        s.push(" AND (department IS NULL OR department = ")
            .bind(Arg::Text(d.into()))
            .push(")");
    }
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
}

pub async fn list(
    tx: &mut Tx,
    scope: &RegionScope,
    f: &UserFilter,
    page: &PageRequest,
) -> Result<Page<UserListRow>> {
    let mut w = Sql::new(" FROM users u JOIN regions r ON r.code = u.region_code WHERE 1=1");
    scope_filter(&mut w, "u.region_code", scope);
    if let Some(d) = scope.department() {
        w.push(" AND (u.department IS NULL OR u.department = ")
            .bind(Arg::Text(d.into()))
            .push(")");
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        let pat = format!("%{}%", q.replace(['%', '_'], ""));
        w.push(" AND (u.username LIKE ")
            .bind(Arg::Text(pat.clone()))
            .push(" OR u.display_name LIKE ")
            .bind(Arg::Text(pat))
            .push(")");
    }
    if let Some(r) = f.role.as_deref().filter(|r| !r.is_empty()) {
        w.push(" AND u.role = ").bind(Arg::Text(r.into()));
    }
    if let Some(r) = f.region.as_deref().filter(|r| !r.is_empty()) {
        w.push(" AND u.region_code LIKE ")
            .bind(Arg::Text(format!("{r}%")));
    }
    let total = scalar_i64(tx, &Sql::prefixed("SELECT COUNT(*)", &w)).await?;
    let mut s = Sql::prefixed("SELECT u.id, u.username, u.display_name, u.role, u.region_code, r.name AS region_name, u.department, u.must_change_password, u.disabled, u.created_at", &w);
    s.push(" ORDER BY u.region_code, u.username");
    paginate(&mut s, page);
    let items = fetch_all(tx, &s).await?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub struct UserUpdate<'a> {
    pub display_name: &'a str,
    pub role: &'a str,
    pub region_code: &'a str,
    pub department: Option<&'a str>,
    pub disabled: bool,
}

pub async fn update(tx: &mut Tx, id: i64, u: &UserUpdate<'_>, now: i64) -> Result<u64> {
    let mut s = Sql::new("UPDATE users SET display_name = ");
    s.bind(Arg::Text(u.display_name.into()))
        .push(", role = ")
        .bind(Arg::Text(u.role.into()))
        .push(", region_code = ")
        .bind(Arg::Text(u.region_code.into()))
        .push(", department = ")
        .bind(Arg::OptText(u.department.map(str::to_owned)))
        .push(", disabled = ")
        .bind(Arg::Bool(u.disabled))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &s).await
}

pub async fn set_password(
    tx: &mut Tx,
    id: i64,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<u64> {
    let mut s = Sql::new("UPDATE users SET password_hash = ");
    s.bind(Arg::Text(hash.into()))
        .push(", must_change_password = ")
        .bind(Arg::Bool(must_change))
        .push(", updated_at = ")
        .bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &s).await
}

pub async fn count_all(tx: &mut Tx) -> Result<i64> {
    scalar_i64(tx, &Sql::new("SELECT COUNT(*) FROM users")).await
}
