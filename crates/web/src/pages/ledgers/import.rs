//! Uploading a ledger sheet from the browser, one page per kind: preview
//! (dry run) or import, with the rejected rows listed by row number.

use super::render;
use crate::error::PageError;
use crate::extract::{Meta, PageUser};
use crate::view::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use meizhen_domain::ledger::LedgerKind;
use meizhen_service::ledgers::LedgerImportReport;
use meizhen_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/ledgers/import/{kind}",
        get(page)
            .post(upload)
            .layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
    )
}

#[derive(Template)]
#[template(path = "ledger_import.html")]
struct ImportPage {
    l: Layout,
    kind_label: &'static str,
    action: String,
    back: String,
    hint: &'static str,
    report: Option<LedgerImportReport>,
    dry_run: bool,
    error: Option<String>,
}

/// The list page a kind's import belongs to, and its sidebar key.
pub fn list_of(kind: LedgerKind) -> (&'static str, &'static str) {
    match kind {
        LedgerKind::Experts => ("/ledgers/experts", "ledger_experts"),
        LedgerKind::ExpertServices => ("/ledgers/expert-services", "ledger_services"),
        LedgerKind::MediaReports => ("/ledgers/media-reports", "ledger_media"),
        LedgerKind::Meetings => ("/ledgers/meetings", "ledger_meetings"),
        LedgerKind::WorkTeamMembers => ("/ledgers/work-teams", "ledger_teams"),
        LedgerKind::IndicatorValues => ("/ledgers/indicators", "ledger_indicators"),
    }
}

/// What the sheet should hold, by kind.
fn hint(kind: LedgerKind) -> &'static str {
    match kind {
        LedgerKind::Experts => "列：姓名、类别（首席设计师/驻镇规划师/专家团队成员）、工作单位、职称、所属团队、联系电话、所属区划。",
        LedgerKind::ExpertServices => "列：服务日期、乡镇、专家姓名、服务类型（方案审查/现场指导/图纸审查/培训授课）、服务内容、提出意见数、采纳意见数。",
        LedgerKind::MediaReports => "列：发布日期、标题、媒体名称、级别（中央/省级/市级/县级/新媒体）、媒体类型（报刊/广播/电视/网络/户外）、链接、所属区划。",
        LedgerKind::Meetings => "列：会议日期、会议名称、类型（现场会/例会/推进会/培训会）、级别、地点、主持人、参会人员、议题、议定事项、所属区划。",
        LedgerKind::WorkTeamMembers => "列：姓名、原单位、专班岗位、联系电话、抽调开始日期、结束日期、所属区划。",
        LedgerKind::IndicatorValues => "列：乡镇、指标（名称或代码）、统计期（如 2020、2020年上半年、2020年第三季度、2020年6月）、数值。",
    }
}

fn page_for(
    u: &PageUser,
    kind: LedgerKind,
    report: Option<LedgerImportReport>,
    dry_run: bool,
    error: Option<String>,
) -> ImportPage {
    let (list, nav) = list_of(kind);
    let title = format!("导入{}", kind.label());
    ImportPage {
        l: Layout::new(&u.actor, &u.csrf, nav, title)
            .crumb("台账", None)
            .crumb(kind.label(), Some(list.into()))
            .crumb("导入", None),
        kind_label: kind.label(),
        action: format!("/ledgers/import/{}", kind.id()),
        back: list.to_owned(),
        hint: hint(kind),
        report,
        dry_run,
        error,
    }
}

fn kind_of(s: &str) -> Result<LedgerKind, PageError> {
    LedgerKind::from_id(s).ok_or_else(|| PageError(ServiceError::NotFound("没有这种台账".into())))
}

async fn page(u: PageUser, Path(kind): Path<String>) -> Response {
    match kind_of(&kind) {
        Ok(k) => render(&page_for(&u, k, None, true, None)),
        Err(e) => e.into_response(),
    }
}

async fn upload(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(kind): Path<String>,
    mut form: Multipart,
) -> Response {
    let kind = match kind_of(&kind) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let mut file: Option<Vec<u8>> = None;
    let mut dry_run = false;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or("") {
                "file" => match field.bytes().await {
                    Ok(b) => file = Some(b.to_vec()),
                    Err(_) => {
                        return PageError(ServiceError::invalid(
                            "file",
                            "文件上传不完整或超过 20 MB",
                        ))
                        .into_response()
                    }
                },
                "dry_run" => dry_run = true,
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return PageError(ServiceError::invalid("file", "文件上传不完整或超过 20 MB"))
                    .into_response()
            }
        }
    }
    let result = match file.filter(|f| !f.is_empty()) {
        Some(bytes) => {
            state
                .services
                .import_ledger(&u.actor, &meta, kind, &bytes, dry_run)
                .await
        }
        None => Err(ServiceError::invalid("file", "请选择要导入的 Excel 文件")),
    };
    match result {
        Ok(r) => render(&page_for(&u, kind, Some(r), dry_run, None)),
        Err(e @ ServiceError::Internal(_)) => PageError(e).into_response(),
        Err(e) => {
            let mut r = render(&page_for(&u, kind, None, dry_run, Some(e.to_string())));
            *r.status_mut() = crate::error::status_of(&e);
            if r.status() == StatusCode::OK {
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            r
        }
    }
}
