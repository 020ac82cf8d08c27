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

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A file download: every Excel and Word response of the pages and the API
/// goes through here. The (Chinese) name travels as RFC 5987 `filename*`;
/// `filename` carries an ASCII fallback for old clients.
pub fn attachment(content_type: &'static str, filename: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes()).collect();
    // byte_serialize writes spaces as '+', which filename* does not decode.
    let encoded = encoded.replace('+', "%20");
    let ascii = if content_type == DOCX {
        "report.docx"
    } else {
        "export.xlsx"
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub fn xlsx(bytes: Vec<u8>, filename: &str) -> Response {
    attachment(XLSX, filename, bytes)
}

pub fn docx(bytes: Vec<u8>, filename: &str) -> Response {
    attachment(DOCX, filename, bytes)
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

fn rate_cell(r: Option<f64>) -> Cell {
    r.map(Cell::Ratio).unwrap_or(Cell::Empty)
}

/// Projects matching the list filter, in the usual ledger layout with 小计
/// per town is left to the import/export issue; here a flat ledger with 合计.
pub async fn projects_xlsx(
    state: &AppState,
    actor: &Actor,
    f: &meizhen_service::projects::ProjectFilter,
    year: Option<i32>,
) -> Result<Response, ServiceError> {
    let page = state
        .services
        .projects(
            actor,
            f,
            &PageRequest {
                page: 1,
                per_page: EXPORT_LIMIT,
            },
        )
        .await?;
    let mut total = 0i64;
    let mut planned = 0i64;
    let rows = page
        .items
        .iter()
        .map(|p| {
            total += p.total_investment_fen;
            planned += p.planned_investment_fen.unwrap_or(0);
            vec![
                Cell::Text(p.town_name.clone()),
                Cell::Text(p.code.clone()),
                Cell::Text(p.name.clone()),
                Cell::Text(crate::pages::projects::pillar_label(&p.pillar).into()),
                Cell::Text(if p.is_key { "是" } else { "" }.into()),
                Cell::Text(crate::pages::projects::status_label(&p.status).into()),
                Cell::Fen(p.total_investment_fen),
                p.planned_investment_fen
                    .map(Cell::Fen)
                    .unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    let year_label = year.map(|y| format!("{y}年")).unwrap_or_default();
    let table = Table {
        title: format!("{year_label}美丽城镇建设项目表"),
        subtitle: Some(subtitle(actor)),
        columns: vec![
            col("乡镇", 14.0, ColumnKind::Text),
            col("项目编号", 14.0, ColumnKind::Text),
            col("项目名称", 36.0, ColumnKind::Text),
            col("五美类别", 10.0, ColumnKind::Text),
            col("重点", 6.0, ColumnKind::Text),
            col("状态", 8.0, ColumnKind::Text),
            col("总投资（万元）", 14.0, ColumnKind::Money),
            col(
                &format!("{year_label}计划投资（万元）"),
                16.0,
                ColumnKind::Money,
            ),
        ],
        rows,
        total_row: Some(vec![
            Cell::Text("合计".into()),
            Cell::Text(format!("{} 个", page.total)),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Fen(total),
            Cell::Fen(planned),
        ]),
    };
    let bytes = table_to_xlsx("项目库", &table).map_err(doc_error)?;
    Ok(xlsx(bytes, "项目库.xlsx"))
}

/// The ranking of a region's children for a month (same figures as the page).
pub async fn ranking_xlsx(
    state: &AppState,
    actor: &Actor,
    code: &str,
    month: meizhen_domain::project::YearMonth,
    by: meizhen_service::stats::RankBy,
) -> Result<Response, ServiceError> {
    let lines = state
        .services
        .project_ranking(actor, code, month, by, meizhen_service::stats::Source::Live)
        .await?;
    let total = state
        .services
        .project_stats(actor, code, month, meizhen_service::stats::Source::Live)
        .await?;
    let view = state.services.region(actor, code).await?;
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                Cell::Int(i64::from(l.rank.unwrap_or(0))),
                Cell::Text(l.name.clone()),
                Cell::Int(l.stats.projects),
                Cell::Int(l.stats.started),
                Cell::Int(l.stats.completed),
                rate_cell(l.stats.start_rate),
                rate_cell(l.stats.completion_rate),
                Cell::Fen(l.stats.planned_investment_fen),
                Cell::Fen(l.stats.completed_investment_fen),
                rate_cell(l.stats.investment_completion_rate),
                Cell::Text(l.change_label.clone()),
            ]
        })
        .collect();
    let table = Table {
        title: format!(
            "{}美丽城镇建设项目进度排名（截至{}底）",
            view.region.name,
            month.label_zh()
        ),
        subtitle: Some(subtitle(actor)),
        columns: vec![
            col("名次", 6.0, ColumnKind::Integer),
            col("区划", 14.0, ColumnKind::Text),
            col("项目数", 8.0, ColumnKind::Integer),
            col("已开工", 8.0, ColumnKind::Integer),
            col("已完工", 8.0, ColumnKind::Integer),
            col("开工率", 9.0, ColumnKind::Percent),
            col("完工率", 9.0, ColumnKind::Percent),
            col("年度计划投资（万元）", 16.0, ColumnKind::Money),
            col("完成投资（万元）", 14.0, ColumnKind::Money),
            col("投资完成率", 10.0, ColumnKind::Percent),
            col("比上月", 8.0, ColumnKind::Text),
        ],
        rows,
        total_row: Some(vec![
            Cell::Empty,
            Cell::Text("合计".into()),
            Cell::Int(total.projects),
            Cell::Int(total.started),
            Cell::Int(total.completed),
            rate_cell(total.start_rate),
            rate_cell(total.completion_rate),
            Cell::Fen(total.planned_investment_fen),
            Cell::Fen(total.completed_investment_fen),
            rate_cell(total.investment_completion_rate),
            Cell::Empty,
        ]),
    };
    let bytes = table_to_xlsx("进度排名", &table).map_err(doc_error)?;
    Ok(xlsx(
        bytes,
        &format!("{}项目进度排名{}.xlsx", view.region.name, month),
    ))
}
