//! Uploading a project ledger from the browser: preview (dry run) or import.

use super::render;
use crate::error::PageError;
use crate::extract::{Meta, PageUser};
use crate::view::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use meizhen_domain::project::YearMonth;
use meizhen_service::import::ImportReport;
use meizhen_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/projects/import",
        get(page)
            .post(upload)
            .layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
    )
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    year: String,
    month: String,
    report: Option<ImportReport>,
    error: Option<String>,
    total_wan: String,
    planned_wan: String,
}

fn page_for(
    u: &PageUser,
    year: String,
    month: String,
    report: Option<ImportReport>,
    error: Option<String>,
) -> ImportPage {
    let wan = |f: i64| meizhen_domain::money::Fen::new(f).to_wan_string(2);
    ImportPage {
        l: Layout::new(&u.actor, &u.csrf, "projects", "导入项目台账")
            .crumb("项目库", Some("/projects".into()))
            .crumb("导入台账", None),
        total_wan: report
            .as_ref()
            .map(|r| wan(r.total_investment_fen))
            .unwrap_or_default(),
        planned_wan: report
            .as_ref()
            .map(|r| wan(r.planned_investment_fen))
            .unwrap_or_default(),
        year,
        month,
        report,
        error,
    }
}

async fn page(u: PageUser) -> Response {
    let year = crate::view::today().format("%Y").to_string();
    render(&page_for(&u, year, String::new(), None, None))
}

async fn upload(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    mut form: Multipart,
) -> Response {
    let mut file: Option<Vec<u8>> = None;
    let (mut year, mut month, mut dry_run) = (String::new(), String::new(), false);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                match name.as_str() {
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
                    "year" => year = field.text().await.unwrap_or_default(),
                    "month" => month = field.text().await.unwrap_or_default(),
                    "dry_run" => dry_run = true,
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                return PageError(ServiceError::invalid("file", "文件上传不完整或超过 20 MB"))
                    .into_response()
            }
        }
    }
    let result = async {
        let file = file
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ServiceError::invalid("file", "请选择要导入的 Excel 文件"))?;
        let y: i32 = year
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid("year", "请填写四位数年度"))?;
        let m = match month.trim() {
            "" => None,
            t => Some(YearMonth::parse(t)?),
        };
        state
            .services
            .import_projects(&u.actor, &file, y, m, dry_run, &meta)
            .await
    }
    .await;
    match result {
        Ok(r) => render(&page_for(&u, year, month, Some(r), None)),
        Err(e @ ServiceError::Internal(_)) => PageError(e).into_response(),
        Err(e) => {
            let mut r = render(&page_for(&u, year, month, None, Some(e.to_string())));
            *r.status_mut() = crate::error::status_of(&e);
            if r.status() == StatusCode::OK {
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            r
        }
    }
}
