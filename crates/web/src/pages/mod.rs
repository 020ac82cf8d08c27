//! HTML pages. Each handler: extract the user and input, call one service,
//! render a template. No scope checks here: services own them.

mod assessments;
mod audit;
mod auth;
pub(crate) mod dashboard;
mod docs;
mod home;
mod import;
mod inspections;
pub(crate) mod ledgers;
mod notices;
mod photos;
mod progress;
pub mod projects;
mod rectification;
mod regions;
pub(crate) mod summaries;
mod tokens;
mod users;

pub use audit::entity_label;

use crate::error::html_error;
use crate::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(regions::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(tokens::router())
        .merge(docs::router())
        .merge(import::router())
        .merge(projects::router())
        .merge(photos::router())
        .merge(progress::router())
        .merge(inspections::router())
        .merge(notices::router())
        .merge(rectification::router())
        .merge(assessments::router())
        .merge(summaries::router())
        .merge(dashboard::router())
        .merge(ledgers::router())
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::respond_status(StatusCode::NOT_FOUND, "not_found", "接口不存在", true)
    } else {
        html_error(StatusCode::NOT_FOUND, "您访问的页面不存在")
    }
}

/// Renders a template, or a 500 page if rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template render failed");
            html_error(StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败")
        }
    }
}

/// Fixed confirmation messages shown after a redirect (`?done=key`); the
/// query never carries text of its own, so nothing can be injected.
pub fn done_message(key: Option<&str>) -> Option<String> {
    let m = match key? {
        "saved" => "已保存",
        "created" => "已创建",
        "deleted" => "已删除",
        "revoked" => "已吊销",
        "password" => "密码已修改",
        _ => return None,
    };
    Some(m.to_owned())
}
