//! Excel exports of list pages, through the documents layer.

use crate::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use meizhen_documents::{table_to_xlsx, Cell, Column, ColumnKind, Table};
use meizhen_domain::page::PageRequest;
use meizhen_service::audit::AuditFilter;
use meizhen_service::users::UserFilter;
use meizhen_service::{Actor, ServiceError};

/// Rows per export; larger sets are narrowed with the filters first.
const EXPORT_LIMIT: u32 = 10_000;

fn xlsx(bytes: Vec<u8>, filename: &str) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes()).collect();
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn col(header: &str, width: f64, kind: ColumnKind) -> Column {
    Column {
        header: header.into(),
        width,
        kind,
    }
}

fn subtitle(actor: &Actor) -> String {
    format!(
        "导出人：{}　导出时间：{}",
        actor.username,
        meizhen_domain::time::format_ms(meizhen_storage_now())
    )
}

fn meizhen_storage_now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn doc_error(e: meizhen_documents::DocumentError) -> ServiceError {
    tracing::error!(error = %e, "export failed");
    ServiceError::Forbidden(format!("导出失败：{e}"))
}

pub async fn users_xlsx(
    state: &AppState,
    actor: &Actor,
    f: &UserFilter,
) -> Result<Response, ServiceError> {
    let page = state
        .services
        .users(
            actor,
            f,
            &PageRequest {
                page: 1,
                per_page: EXPORT_LIMIT,
            },
        )
        .await?;
    let rows = page
        .items
        .iter()
        .map(|u| {
            vec![
                Cell::Text(u.username.clone()),
                Cell::Text(u.display_name.clone()),
                Cell::Text(crate::view::role_label(&u.role).into()),
                Cell::Text(u.region_name.clone()),
                Cell::Text(u.region_code.clone()),
                Cell::Text(u.department.clone().unwrap_or_default()),
                Cell::Text(if u.disabled { "已停用" } else { "正常" }.into()),
                Cell::Text(crate::view::time(u.created_at)),
            ]
        })
        .collect();
    let table = Table {
        title: "用户名单".into(),
        subtitle: Some(subtitle(actor)),
        columns: vec![
            col("用户名", 18.0, ColumnKind::Text),
            col("姓名", 22.0, ColumnKind::Text),
            col("角色", 14.0, ColumnKind::Text),
            col("所属区划", 16.0, ColumnKind::Text),
            col("区划代码", 14.0, ColumnKind::Text),
            col("部门", 10.0, ColumnKind::Text),
            col("状态", 8.0, ColumnKind::Text),
            col("创建时间", 18.0, ColumnKind::Text),
        ],
        rows,
        total_row: Some(vec![
            Cell::Text("合计".into()),
            Cell::Text(format!("{} 人", page.total)),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]),
    };
    let bytes = table_to_xlsx("用户名单", &table).map_err(doc_error)?;
    Ok(xlsx(bytes, "用户名单.xlsx"))
}

pub async fn audit_xlsx(
    state: &AppState,
    actor: &Actor,
    f: &AuditFilter,
) -> Result<Response, ServiceError> {
    let page = state
        .services
        .audit_entries(
            actor,
            f,
            &PageRequest {
                page: 1,
                per_page: EXPORT_LIMIT,
            },
        )
        .await?;
    let rows = page
        .items
        .iter()
        .map(|e| {
            vec![
                Cell::Text(crate::view::time(e.at)),
                Cell::Text(e.actor_name.clone()),
                Cell::Text(meizhen_domain::audit::action_label(&e.action).into()),
                Cell::Text(crate::pages::entity_label(&e.entity).into()),
                Cell::Text(e.entity_id.clone()),
                Cell::Text(e.summary.clone()),
                Cell::Text(e.region_code.clone()),
                // A cell holds at most 32,767 characters; long diffs are cut.
                Cell::Text(e.changes.chars().take(2000).collect()),
            ]
        })
        .collect();
    let table = Table {
        title: "操作日志".into(),
        subtitle: Some(subtitle(actor)),
        columns: vec![
            col("时间", 18.0, ColumnKind::Text),
            col("操作人", 16.0, ColumnKind::Text),
            col("操作", 10.0, ColumnKind::Text),
            col("对象", 10.0, ColumnKind::Text),
            col("对象编号", 12.0, ColumnKind::Text),
            col("内容", 40.0, ColumnKind::Text),
            col("区划", 12.0, ColumnKind::Text),
            col("变更", 50.0, ColumnKind::Text),
        ],
        rows,
        total_row: None,
    };
    let bytes = table_to_xlsx("操作日志", &table).map_err(doc_error)?;
    Ok(xlsx(bytes, "操作日志.xlsx"))
}

/// The children of a region with their counts, as the drill-down page shows them.
pub async fn region_xlsx(
    state: &AppState,
    actor: &Actor,
    code: &str,
) -> Result<Response, ServiceError> {
    let v = state.services.region(actor, code).await?;
    let child_level = v
        .children
        .first()
        .map(|c| crate::view::level_label(&c.level))
        .unwrap_or("下级区划");
    let sum = |f: fn(&meizhen_service::regions::ChildSummary) -> i64| {
        v.children.iter().map(f).sum::<i64>()
    };
    let rows = v
        .children
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.name.clone()),
                Cell::Text(c.code.clone()),
                Cell::Text(c.town_type.clone().unwrap_or_default()),
                Cell::Int(c.towns),
                Cell::Int(c.villages),
                Cell::Int(c.grids),
                Cell::Int(c.users),
            ]
        })
        .collect();
    let table = Table {
        title: format!("{}下辖{}统计表", v.region.name, child_level),
        subtitle: Some(subtitle(actor)),
        columns: vec![
            col("名称", 20.0, ColumnKind::Text),
            col("区划代码", 14.0, ColumnKind::Text),
            col("创建类型", 14.0, ColumnKind::Text),
            col("乡镇(街道)数", 12.0, ColumnKind::Integer),
            col("村(社区)数", 12.0, ColumnKind::Integer),
            col("网格数", 10.0, ColumnKind::Integer),
            col("用户数", 10.0, ColumnKind::Integer),
        ],
        rows,
        total_row: Some(vec![
            Cell::Text("合计".into()),
            Cell::Text(format!("{} 个", v.children.len())),
            Cell::Empty,
            Cell::Int(sum(|c| c.towns)),
            Cell::Int(sum(|c| c.villages)),
            Cell::Int(sum(|c| c.grids)),
            Cell::Int(sum(|c| c.users)),
        ]),
    };
    let bytes = table_to_xlsx(&v.region.name, &table).map_err(doc_error)?;
    Ok(xlsx(
        bytes,
        &format!("{}下辖{}.xlsx", v.region.name, child_level),
    ))
}
