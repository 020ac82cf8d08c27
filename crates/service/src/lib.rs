//! The use cases of meizhen, shared by the web pages, the JSON API and the CLI.
//!
//! Every call that reads or writes region-scoped data takes an [`Actor`]: the
//! authenticated user with their [`RegionScope`](meizhen_domain::RegionScope).
//! Services pass that scope to storage, which turns it into SQL. Handlers never
//! check scope themselves; they cannot bypass it either, since storage reads of
//! scoped tables require a scope and only this crate builds one from a user.
//! Every write records an audit entry in the same transaction.

mod actor;
pub mod audit;
pub mod auth;
mod crypto;
pub mod demo;
pub mod demo_inspections;
pub mod demo_ledgers;
pub mod demo_projects;
mod error;
pub mod generate;
pub mod generate_inspections;
pub mod generate_projects;
pub mod import;
pub mod inspections;
pub mod ledger_export;
pub mod ledgers;
pub mod photos;
pub mod projects;
pub mod regions;
pub mod reports;
pub mod stats;
pub mod summary;
pub mod users;

pub use actor::{Actor, RequestMeta};
pub use error::ServiceError;
pub use meizhen_storage::{Db, Engine};

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Settings the services need; the binary fills them from flags, environment and file.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// A session ends after this much inactivity.
    pub session_idle_secs: i64,
    /// … and at the latest this long after login.
    pub session_absolute_secs: i64,
    /// Argon2 cost. The default follows OWASP's recommendation; tests lower it.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Monthly reports are due on this day of the following month (填报截止日).
    pub report_due_day: u32,
    /// Where uploaded files live (progress photos under `photos/`). The binary
    /// puts it in the data directory; tests use a scratch directory.
    pub files_dir: std::path::PathBuf,
    /// Days a town has to rectify a published finding, by severity.
    pub rectify_days: meizhen_domain::inspection::RectifyDays,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            session_idle_secs: 8 * 3600,
            session_absolute_secs: 24 * 3600,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            report_due_day: 5,
            files_dir: std::path::PathBuf::from("meizhen-data/files"),
            rectify_days: Default::default(),
        }
    }
}

/// The service layer: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Services {
    db: Db,
    config: std::sync::Arc<ServiceConfig>,
}

impl Services {
    pub fn new(db: Db, config: ServiceConfig) -> Self {
        Self {
            db,
            config: std::sync::Arc::new(config),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Liveness of the database, for `/healthz`.
    pub async fn health(&self) -> Result<()> {
        Ok(self.db.ping().await?)
    }
}
