//! Logging in and out through the API, the current session, own password.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser, Meta};
use crate::middleware::auth::{clear_cookie, cookie, session_cookie, Auth, SESSION_COOKIE};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

pub fn routes(api: Api) -> Api {
    api.post("/session", login, Op::new("会话", "登录").desc("校验用户名和密码，成功后设置会话 Cookie（HttpOnly）并返回 CSRF 令牌。失败次数过多时返回 429。").body("Login").returns("Session").public())
        .get("/session", current, Op::new("会话", "当前用户").returns("Session"))
        .delete("/session", logout, Op::new("会话", "退出登录").status(204))
        .post("/me/password", change_password, Op::new("会话", "修改本人密码").body("PasswordChange").status(204))
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let (actor, session) = state
        .services
        .login(&body.username, &body.password, &meta)
        .await?;
    let user = state.services.me(&actor).await?;
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie(&state, &session.raw_id, session.max_age_secs),
        )],
        Json(json!({"user": user, "csrf_token": session.csrf_token})),
    )
        .into_response())
}

async fn current(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    auth: Option<Extension<Auth>>,
) -> Result<Response, ApiError> {
    let csrf = match auth.as_deref() {
        Some(Auth::Session { csrf_token, .. }) => Some(csrf_token.clone()),
        _ => None,
    };
    let user = state.services.me(&actor).await?;
    Ok(Json(json!({"user": user, "csrf_token": csrf})).into_response())
}

async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiUser(_): ApiUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(raw) = cookie(&headers, SESSION_COOKIE) {
        state.services.logout(raw, &meta).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(&state))],
    )
        .into_response())
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiUser(actor): ApiUser,
    auth: Option<Extension<Auth>>,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let keep = match auth.as_deref() {
        Some(Auth::Session { raw_id, .. }) => Some(raw_id.clone()),
        _ => None,
    };
    state
        .services
        .change_password(
            &actor,
            &body.current_password,
            &body.new_password,
            keep.as_deref(),
            &meta,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
