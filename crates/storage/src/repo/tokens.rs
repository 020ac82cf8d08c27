use super::{execute, fetch_all, fetch_optional, scalar_i64};
use crate::{Arg, Result, Sql, Tx};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, name, token_hash, created_at, last_used_at, revoked_at";

pub async fn insert(tx: &mut Tx, user_id: i64, name: &str, hash: &str, now: i64) -> Result<i64> {
    let mut q = Sql::new("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (");
    q.bind(Arg::I64(user_id))
        .push(", ")
        .bind(Arg::Text(name.into()))
        .push(", ")
        .bind(Arg::Text(hash.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(") RETURNING id");
    scalar_i64(tx, &q).await
}

pub async fn by_hash(tx: &mut Tx, hash: &str) -> Result<Option<TokenRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE revoked_at IS NULL AND token_hash = "
    ));
    q.bind(Arg::Text(hash.into()));
    fetch_optional(tx, &q).await
}

pub async fn for_user(tx: &mut Tx, user_id: i64) -> Result<Vec<TokenRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE user_id = "
    ));
    q.bind(Arg::I64(user_id)).push(" ORDER BY id DESC");
    fetch_all(tx, &q).await
}

/// Revokes a token of `user_id`; returns false when there is no such live token.
pub async fn revoke(tx: &mut Tx, user_id: i64, id: i64, now: i64) -> Result<bool> {
    let mut q = Sql::new("UPDATE api_tokens SET revoked_at = ");
    q.bind(Arg::I64(now))
        .push(" WHERE revoked_at IS NULL AND user_id = ")
        .bind(Arg::I64(user_id))
        .push(" AND id = ")
        .bind(Arg::I64(id));
    Ok(execute(tx, &q).await? > 0)
}

pub async fn mark_used(tx: &mut Tx, id: i64, now: i64) -> Result<()> {
    let mut q = Sql::new("UPDATE api_tokens SET last_used_at = ");
    q.bind(Arg::I64(now))
        .push(" WHERE id = ")
        .bind(Arg::I64(id));
    execute(tx, &q).await.map(|_| ())
}
