use super::{execute, fetch_optional};
use crate::{Arg, Result, Sql, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(tx: &mut Tx, s: &SessionRow) -> Result<()> {
    let mut q = Sql::new("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (");
    q.bind(Arg::Text(s.id_hash.clone()))
        .push(", ")
        .bind(Arg::I64(s.user_id))
        .push(", ")
        .bind(Arg::Text(s.csrf_token.clone()))
        .push(", ")
        .bind(Arg::I64(s.created_at))
        .push(", ")
        .bind(Arg::I64(s.last_seen_at))
        .push(", ")
        .bind(Arg::I64(s.expires_at))
        .push(")");
    execute(tx, &q).await.map(|_| ())
}

pub async fn get(tx: &mut Tx, id_hash: &str) -> Result<Option<SessionRow>> {
    let mut q = Sql::new("SELECT id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ");
    q.bind(Arg::Text(id_hash.into()));
    fetch_optional(tx, &q).await
}

pub async fn touch(tx: &mut Tx, id_hash: &str, now: i64, expires_at: i64) -> Result<()> {
    let mut q = Sql::new("UPDATE sessions SET last_seen_at = ");
    q.bind(Arg::I64(now))
        .push(", expires_at = ")
        .bind(Arg::I64(expires_at))
        .push(" WHERE id_hash = ")
        .bind(Arg::Text(id_hash.into()));
    execute(tx, &q).await.map(|_| ())
}

pub async fn delete(tx: &mut Tx, id_hash: &str) -> Result<()> {
    let mut q = Sql::new("DELETE FROM sessions WHERE id_hash = ");
    q.bind(Arg::Text(id_hash.into()));
    execute(tx, &q).await.map(|_| ())
}

/// Ends every session of a user (password change, account disabled).
pub async fn delete_for_user(tx: &mut Tx, user_id: i64, except: Option<&str>) -> Result<()> {
    let mut q = Sql::new("DELETE FROM sessions WHERE user_id = ");
    q.bind(Arg::I64(user_id));
    if let Some(e) = except {
        q.push(" AND id_hash <> ").bind(Arg::Text(e.into()));
    }
    execute(tx, &q).await.map(|_| ())
}

pub async fn purge_expired(tx: &mut Tx, now: i64) -> Result<u64> {
    let mut q = Sql::new("DELETE FROM sessions WHERE expires_at < ");
    q.bind(Arg::I64(now));
    execute(tx, &q).await
}
