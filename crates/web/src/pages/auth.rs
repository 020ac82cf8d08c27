//! Login, logout and the password page.

use super::render;
use crate::extract::{Meta, PageForm, PageQuery, PageUser};
use crate::middleware::auth::{clear_cookie, cookie, session_cookie, SESSION_COOKIE};
use crate::view::Layout;
use crate::{assets, AppState};
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/password", get(password_page).post(change_password))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    css: &'static str,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn login_page(PageQuery(q): PageQuery<NextQuery>) -> Response {
    render(&LoginPage {
        css: assets::css_url(),
        error: None,
        username: String::new(),
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match state.services.login(&f.username, &f.password, &meta).await {
        Ok((actor, session)) => {
            let target = if actor.must_change_password {
                "/password".to_owned()
            } else {
                next
            };
            (
                [(
                    header::SET_COOKIE,
                    session_cookie(&state, &session.raw_id, session.max_age_secs),
                )],
                Redirect::to(&target),
            )
                .into_response()
        }
        Err(e) => {
            if let ServiceError::Internal(inner) = &e {
                tracing::error!(error = %inner, "login failed internally");
            }
            let status = crate::error::status_of(&e);
            let mut res = render(&LoginPage {
                css: assets::css_url(),
                error: Some(e.to_string()),
                username: f.username.trim().chars().take(64).collect(),
                next,
            });
            *res.status_mut() = status;
            res
        }
    }
}

async fn logout(State(state): State<AppState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    if let Some(raw) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.services.logout(raw, &meta).await {
            return crate::error::PageError(e).into_response();
        }
    }
    (
        [(header::SET_COOKIE, clear_cookie(&state))],
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    forced: bool,
    error: Option<String>,
}

async fn password_page(u: PageUser, PageQuery(q): PageQuery<DoneQuery>) -> Response {
    render(&PasswordPage {
        l: Layout::new(&u.actor, &u.csrf, "password", "修改密码")
            .crumb("修改密码", None)
            .flash(super::done_message(q.done.as_deref())),
        forced: u.actor.must_change_password,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<PasswordForm>,
) -> Response {
    let result = if f.new_password != f.confirm_password {
        Err(ServiceError::invalid(
            "confirm_password",
            "两次输入的新密码不一致",
        ))
    } else {
        state
            .services
            .change_password(
                &u.actor,
                &f.current_password,
                &f.new_password,
                Some(&u.session_id),
                &meta,
            )
            .await
    };
    match result {
        Ok(()) => Redirect::to("/password?done=password").into_response(),
        Err(e) => {
            let status = crate::error::status_of(&e);
            let mut res = render(&PasswordPage {
                l: Layout::new(&u.actor, &u.csrf, "password", "修改密码").crumb("修改密码", None),
                forced: u.actor.must_change_password,
                error: Some(e.to_string()),
            });
            *res.status_mut() = status;
            res
        }
    }
}
