//! HTTP-level tests of every page and API endpoint, run against the real
//! router on SQLite and (with MEIZHEN_TEST_POSTGRES_URL) PostgreSQL.

mod http {
    mod api_contract;
    mod auth;
    mod bad_input;
    mod import;
    mod pages;
    mod photos;
    mod projects;
    mod scope;
    pub mod support;
    mod writes;
}
