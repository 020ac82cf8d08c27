//! Writing and reading the audit log (操作日志).

use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::audit::{diff, redact};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_storage::repo::audit::{self as repo, NewEntry};
pub use meizhen_storage::repo::audit::{AuditFilter, EntryRow};
use meizhen_storage::{now_ms, Tx};
use serde_json::Value;

/// One change to record: what, where, and the record before/after.
pub struct Change<'a> {
    action: &'a str,
    entity: &'a str,
    entity_id: String,
    region: String,
    summary: String,
    before: Option<Value>,
    after: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: &str, region: &str) -> Self {
        Change {
            action,
            entity,
            entity_id: entity_id.to_owned(),
            region: region.to_owned(),
            summary: String::new(),
            before: None,
            after: None,
        }
    }
    pub fn summary(mut self, s: impl Into<String>) -> Self {
        self.summary = s.into();
        self
    }
    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(redact(v));
        self
    }
    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(redact(v));
        self
    }
}

/// Records a change inside the caller's transaction, so the entry exists
/// exactly when the change does.
pub async fn record(
    tx: &mut Tx,
    actor: Option<&Actor>,
    meta: &RequestMeta,
    c: Change<'_>,
) -> Result<()> {
    let changes = diff(c.before.as_ref(), c.after.as_ref()).to_string();
    let actor_name = actor
        .map(|a| a.username.clone())
        .unwrap_or_else(|| "（系统）".into());
    repo::insert(
        tx,
        &NewEntry {
            at: now_ms(),
            actor_id: actor.filter(|a| !a.is_system).map(|a| a.id),
            actor_name: &actor_name,
            action: c.action,
            entity: c.entity,
            entity_id: &c.entity_id,
            region_code: &c.region,
            summary: &c.summary,
            changes: &changes,
            address: Some(meta.address.as_str()).filter(|a| !a.is_empty()),
        },
    )
    .await?;
    Ok(())
}

impl Services {
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<EntryRow>> {
        require_audit_reader(actor)?;
        let mut tx = self.db().begin_read().await?;
        Ok(repo::list(&mut tx, actor.scope(), filter, page).await?)
    }

    pub async fn audit_entry(&self, actor: &Actor, id: i64) -> Result<EntryRow> {
        require_audit_reader(actor)?;
        let mut tx = self.db().begin_read().await?;
        repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("日志"))
    }
}

fn require_audit_reader(actor: &Actor) -> Result<()> {
    crate::auth::require_password_changed(actor)?;
    if actor.role.reads_audit() {
        Ok(())
    } else {
        Err(ServiceError::forbidden("您的角色无权查看操作日志"))
    }
}
