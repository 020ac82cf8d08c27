//! Extractors that hand handlers an authenticated actor and parsed input,
//! turning every rejection into our error formats.

use crate::error::{respond_status, ApiError};
use crate::middleware::auth::Auth;
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use meizhen_service::{Actor, RequestMeta, ServiceError};
use serde::de::DeserializeOwned;

/// The caller of an API endpoint; 401 JSON without a session or token.
pub struct ApiUser(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .map(|a| ApiUser(a.actor().clone()))
            .ok_or(ApiError(ServiceError::Unauthenticated))
    }
}

/// The logged-in user of a page; without a session, a redirect to the login page.
/// Accounts that must change their password are sent to the password page.
pub struct PageUser {
    pub actor: Actor,
    pub csrf: String,
    pub session_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Session {
                actor,
                raw_id,
                csrf_token,
            }) => {
                let path = parts.uri.path();
                if actor.must_change_password && path != "/password" && path != "/logout" {
                    return Err(Redirect::to("/password").into_response());
                }
                Ok(PageUser {
                    actor: actor.clone(),
                    csrf: csrf_token.clone(),
                    session_id: raw_id.clone(),
                })
            }
            _ => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = if next == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", urlencode(next))
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The request's origin (client address), for audit and throttling.
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Meta(
            parts
                .extensions
                .get::<RequestMeta>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

fn bad_json(r: &JsonRejection) -> Response {
    let (status, code, msg) = match r {
        JsonRejection::MissingJsonContentType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 JSON（Content-Type: application/json）".to_owned(),
        ),
        JsonRejection::JsonSyntaxError(_) => (
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "JSON 格式错误".to_owned(),
        ),
        JsonRejection::JsonDataError(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("JSON 字段不符合要求：{}", e.body_text()),
        ),
        JsonRejection::BytesRejection(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求内容过大".to_owned(),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "bad_request",
            "请求无法解析".to_owned(),
        ),
    };
    respond_status(status, code, &msg, true)
}

/// JSON body whose rejections are our structured errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(bad_json(&r)),
        }
    }
}

/// Query string for API endpoints.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(bad_query(&r, true)),
        }
    }
}

/// Query string for pages.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(r) => Err(bad_query(&r, false)),
        }
    }
}

fn bad_query(r: &QueryRejection, api: bool) -> Response {
    respond_status(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        &format!("查询参数有误：{}", r.body_text()),
        api,
    )
}

/// URL-encoded form for pages.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(r) => {
                let (status, msg) = match &r {
                    FormRejection::BytesRejection(_) => {
                        (StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过大".to_owned())
                    }
                    other => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("表单内容有误：{}", other.body_text()),
                    ),
                };
                Err(respond_status(status, "invalid_form", &msg, false))
            }
        }
    }
}

/// Empty strings in query strings and forms mean "not given".
pub fn empty_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("“{v}”不是有效的值"))),
    }
}
