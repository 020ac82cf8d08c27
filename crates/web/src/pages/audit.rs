//! The audit log (操作日志): filter, page, export, and one entry in full.

use super::render;
use crate::error::PageError;
use crate::extract::{empty_as_none, PageQuery, PageUser};
use crate::view::{query_string, time, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use meizhen_domain::audit::action_label;
use meizhen_domain::page::PageRequest;
use meizhen_service::audit::AuditFilter;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/export.xlsx", get(export))
        .route("/audit/{id}", get(show))
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub actor: String,
    /// YYYY-MM-DD, inclusive, Asia/Shanghai.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub page: Option<u32>,
}

/// Midnight in Shanghai of a `YYYY-MM-DD` date, as UTC milliseconds.
fn day_start_ms(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = d.and_hms_opt(0, 0, 0)?;
    Some(t.and_utc().timestamp_millis() - 8 * 3600 * 1000)
}

impl AuditQuery {
    pub fn filter(&self) -> Result<AuditFilter, meizhen_service::ServiceError> {
        let date =
            |s: &str, field: &'static str| -> Result<Option<i64>, meizhen_service::ServiceError> {
                if s.trim().is_empty() {
                    return Ok(None);
                }
                day_start_ms(s).map(Some).ok_or_else(|| {
                    meizhen_service::ServiceError::invalid(
                        field,
                        format!("日期“{s}”无效，应为 2020-12-21 的格式"),
                    )
                })
            };
        Ok(AuditFilter {
            entity: Some(self.entity.clone()),
            entity_id: None,
            action: Some(self.action.clone()),
            actor: Some(self.actor.clone()),
            from_ms: date(&self.from, "from")?,
            to_ms: date(&self.to, "to")?.map(|t| t + 24 * 3600 * 1000),
        })
    }
    fn base(&self) -> String {
        query_string(&[
            ("entity", &self.entity),
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

struct Row {
    id: i64,
    at: String,
    actor: String,
    action: &'static str,
    entity: String,
    summary: String,
    region: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct ListPage {
    l: Layout,
    q: AuditQuery,
    rows: Vec<Row>,
    pager: Pager,
    export_href: String,
    actions: Vec<(&'static str, &'static str)>,
    entities: Vec<(&'static str, &'static str)>,
}

pub const ACTIONS: [&str; 11] = [
    "create",
    "update",
    "delete",
    "login",
    "login_failed",
    "logout",
    "password_change",
    "password_reset",
    "token_create",
    "token_revoke",
    "regions_load",
];

pub fn entity_label(e: &str) -> &'static str {
    match e {
        "user" => "用户",
        "region" => "区划",
        "enrollment" => "创建名单",
        "grid" => "网格",
        "api_token" => "API 令牌",
        "project" => "项目",
        "project_import" => "台账导入",
        "monthly_report" => "月报",
        "reporting_period" => "填报期",
        "stats_snapshot" => "月度发布",
        "photo" => "照片",
        "project_comment" => "项目意见",
        "checklist" => "检查标准",
        "round" => "暗访轮次",
        "inspection" => "暗访检查",
        "finding" => "督查问题",
        "notice" => "通报",
        "assessment" => "季度考核",
        "expert" => "专家",
        "expert_pairing" => "专家结对",
        "expert_service" => "专家服务",
        "media_report" => "宣传报道",
        "meeting" => "会议",
        "work_team_member" => "工作专班人员",
        "indicator" => "镇级指标",
        "indicator_value" => "指标数值",
        "ledger_import" => "台账导入（专家、宣传等）",
        "summary" => "工作总结",
        _ => "其他",
    }
}

async fn list(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Response {
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => return PageError(e).into_response(),
    };
    let page = PageRequest::new(q.page, None);
    let result = match state.services.audit_entries(&u.actor, &filter, &page).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let base = q.base();
    render(&ListPage {
        l: Layout::new(&u.actor, &u.csrf, "audit", "操作日志").crumb("操作日志", None),
        pager: Pager::new(&result, "/audit", &base),
        rows: result
            .items
            .iter()
            .map(|e| Row {
                id: e.id,
                at: time(e.at),
                actor: e.actor_name.clone(),
                action: action_label(&e.action),
                entity: entity_label(&e.entity).to_owned(),
                summary: e.summary.clone(),
                region: e.region_code.clone(),
            })
            .collect(),
        export_href: if base.is_empty() {
            "/audit/export.xlsx".into()
        } else {
            format!("/audit/export.xlsx?{base}")
        },
        actions: ACTIONS.iter().map(|a| (*a, action_label(a))).collect(),
        entities: [
            "user",
            "region",
            "enrollment",
            "grid",
            "api_token",
            "project",
            "project_import",
            "monthly_report",
            "reporting_period",
            "stats_snapshot",
            "photo",
            "project_comment",
            "checklist",
            "round",
            "inspection",
            "finding",
            "notice",
            "assessment",
            "expert",
            "expert_pairing",
            "expert_service",
            "media_report",
            "meeting",
            "work_team_member",
            "indicator",
            "indicator_value",
            "ledger_import",
            "summary",
        ]
        .iter()
        .map(|e| (*e, entity_label(e)))
        .collect(),
        q,
    })
}

async fn export(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Response {
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => return PageError(e).into_response(),
    };
    match crate::export::audit_xlsx(&state, &u.actor, &filter).await {
        Ok(r) => r,
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "audit_entry.html")]
struct EntryPage {
    l: Layout,
    id: i64,
    at: String,
    actor: String,
    action: &'static str,
    entity: &'static str,
    entity_id: String,
    region: String,
    summary: String,
    address: String,
    changes: Vec<(String, String, String)>,
}

fn show_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "（空）".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => if *b { "是" } else { "否" }.into(),
        other => other.to_string(),
    }
}

async fn show(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    let e = match state.services.audit_entry(&u.actor, id).await {
        Ok(e) => e,
        Err(e) => return PageError(e).into_response(),
    };
    let changes = serde_json::from_str::<serde_json::Value>(&e.changes)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| {
                    let before = v.get(0).map(show_value).unwrap_or_default();
                    let after = v.get(1).map(show_value).unwrap_or_default();
                    (k, before, after)
                })
                .collect()
        })
        .unwrap_or_default();
    render(&EntryPage {
        l: Layout::new(&u.actor, &u.csrf, "audit", "日志详情")
            .crumb("操作日志", Some("/audit".into()))
            .crumb(format!("#{id}"), None),
        id,
        at: time(e.at),
        actor: e.actor_name,
        action: action_label(&e.action),
        entity: entity_label(&e.entity),
        entity_id: e.entity_id,
        region: e.region_code,
        summary: e.summary,
        address: e.address.unwrap_or_default(),
        changes,
    })
}
