//! Failed logins, counted per account and per address within a window.
use super::{execute, fetch_one};
use crate::{Arg, Result, Sql, Tx};

pub async fn record_failure(tx: &mut Tx, username: &str, address: &str, now: i64) -> Result<()> {
    let mut q = Sql::new("INSERT INTO login_failures (username, address, at) VALUES (");
    q.bind(Arg::Text(username.into()))
        .push(", ")
        .bind(Arg::Text(address.into()))
        .push(", ")
        .bind(Arg::I64(now))
        .push(")");
    execute(tx, &q).await.map(|_| ())
}

#[derive(sqlx::FromRow)]
struct Counts {
    account: i64,
    address: i64,
    oldest: Option<i64>,
}

/// (failures for the account, failures from the address, oldest counted failure) since `since`.
pub async fn counts(
    tx: &mut Tx,
    username: &str,
    address: &str,
    since: i64,
) -> Result<(i64, i64, Option<i64>)> {
    let mut q = Sql::new("SELECT COALESCE(SUM(CASE WHEN username = ");
    q.bind(Arg::Text(username.into()))
        .push(" THEN 1 ELSE 0 END), 0) AS account, COALESCE(SUM(CASE WHEN address = ")
        .bind(Arg::Text(address.into()))
        .push(" THEN 1 ELSE 0 END), 0) AS address, MIN(at) AS oldest FROM login_failures WHERE at >= ")
        .bind(Arg::I64(since))
        .push(" AND (username = $1 OR address = $2)");
    let c: Counts = fetch_one(tx, &q).await?;
    Ok((c.account, c.address, c.oldest))
}

/// A successful login clears the account's failures.
pub async fn clear_account(tx: &mut Tx, username: &str) -> Result<()> {
    let mut q = Sql::new("DELETE FROM login_failures WHERE username = ");
    q.bind(Arg::Text(username.into()));
    execute(tx, &q).await.map(|_| ())
}

pub async fn purge_before(tx: &mut Tx, before: i64) -> Result<u64> {
    let mut q = Sql::new("DELETE FROM login_failures WHERE at < ");
    q.bind(Arg::I64(before));
    execute(tx, &q).await
}
