//! HTTP-level tests of every page and API endpoint, run against the real
//! router on SQLite and (with MEIZHEN_TEST_POSTGRES_URL) PostgreSQL.

mod http {
    mod api_contract;
    mod assessments;
    mod auth;
    mod bad_input;
    mod import;
    mod inspections;
    mod ledgers;
    mod notices;
    mod pages;
    mod photos;
    mod projects;
    mod rectification;
    mod scope;
    mod summaries;
    pub mod support;
    mod writes;
}
