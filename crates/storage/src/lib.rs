//! Persistence for meizhen: one code path over SQLite (default, embedded) and
//! PostgreSQL (multi-user deployments).
//!
//! Every SQL statement is written once, in the subset both engines accept
//! (`$n` placeholders, `RETURNING`, `ON CONFLICT`, CTEs). The `on_tx!` macro
//! expands one body for each engine so both get their native driver types.
//! Region-scoped reads take a [`RegionScope`](meizhen_domain::RegionScope):
//! a repository cannot list scoped records without one.

mod db;
mod error;
pub mod regions;
pub mod repo;
mod sql;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use db::{Db, Engine, Tx, KNOWN_SCHEMA_VERSION};
pub use error::StorageError;
pub use sql::{Arg, Sql};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Current time as UTC unix milliseconds, the one time format stored.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
