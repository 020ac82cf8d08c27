//! The audit log.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{empty_as_none, ApiQuery, ApiUser};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use meizhen_domain::page::{Page, PageRequest};
use meizhen_service::audit::{AuditFilter, EntryRow};
use serde::Deserialize;

pub fn routes(api: Api) -> Api {
    api.get(
        "/audit",
        list,
        Op::new("日志", "操作日志")
            .desc("管辖范围内的操作记录，时间为 UTC 毫秒。")
            .query(&[
                (
                    "entity",
                    "string",
                    "对象类型：user/region/enrollment/grid/api_token",
                ),
                ("entity_id", "string", "对象编号"),
                ("action", "string", "操作"),
                ("actor", "string", "操作人用户名"),
                ("from_ms", "integer", "起始时间（含）"),
                ("to_ms", "integer", "截止时间（不含）"),
                ("page", "integer", "页码"),
                ("per_page", "integer", "每页条数"),
            ])
            .returns("AuditPage"),
    )
    .get(
        "/audit/{id}",
        show,
        Op::new("日志", "日志详情").returns("AuditEntry"),
    )
}

#[derive(Deserialize)]
struct ListQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    from_ms: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    to_ms: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    per_page: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<EntryRow>>, ApiError> {
    let f = AuditFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        action: q.action,
        actor: q.actor,
        from_ms: q.from_ms,
        to_ms: q.to_ms,
    };
    Ok(Json(
        state
            .services
            .audit_entries(&actor, &f, &PageRequest::new(q.page, q.per_page))
            .await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<EntryRow>, ApiError> {
    Ok(Json(state.services.audit_entry(&actor, id).await?))
}
