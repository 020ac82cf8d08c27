//! Errors as users see them: structured JSON for the API, a Chinese page for HTML.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use meizhen_service::ServiceError;
use serde_json::json;

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Unauthenticated | ServiceError::BadCredentials => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) | ServiceError::PasswordChangeRequired => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log_internal(e: &ServiceError) {
    if let ServiceError::Internal(inner) = e {
        tracing::error!(error = %inner, "internal error");
    }
}

/// An error answered as `{"error": {"code", "message", "field"?}}`.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        let mut body = json!({"code": self.0.code(), "message": self.0.to_string()});
        if let Some(f) = self.0.field() {
            body["field"] = json!(f);
        }
        let mut res = (status_of(&self.0), Json(json!({ "error": body }))).into_response();
        if let ServiceError::Throttled { retry_after_secs } = self.0 {
            if let Ok(v) = retry_after_secs.to_string().parse() {
                res.headers_mut().insert("retry-after", v);
            }
        }
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

/// An error answered as a Chinese HTML page.
#[derive(Debug)]
pub struct PageError(pub ServiceError);

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        html_error(status_of(&self.0), &self.0.to_string())
    }
}

pub fn html_error(status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::UNAUTHORIZED => "请先登录",
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "页面不存在",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "输入有误",
        StatusCode::CONFLICT => "数据冲突",
        StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
        StatusCode::PAYLOAD_TOO_LARGE => "内容过大",
        _ => "出错了",
    };
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

/// An error from middleware, before a handler chose a format.
pub fn respond(e: ServiceError, api: bool) -> Response {
    if api {
        ApiError(e).into_response()
    } else {
        PageError(e).into_response()
    }
}

pub fn respond_status(status: StatusCode, code: &str, message: &str, api: bool) -> Response {
    if api {
        (
            status,
            Json(json!({"error": {"code": code, "message": message}})),
        )
            .into_response()
    } else {
        html_error(status, message)
    }
}
