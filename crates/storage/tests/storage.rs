//! Integration tests of meizhen-storage, in one test binary.
//!
//! Every story runs on SQLite and, when `MEIZHEN_TEST_POSTGRES_URL` names a
//! server, on PostgreSQL too (see `meizhen_storage::testkit`). Without it the
//! PostgreSQL half is skipped with a visible message (`--nocapture` shows it).

#[path = "storage/regions.rs"]
mod regions;
#[path = "storage/repos.rs"]
mod repos;
#[path = "storage/schema.rs"]
mod schema;
#[path = "storage/scope.rs"]
mod scope;
#[path = "storage/support.rs"]
mod support;
