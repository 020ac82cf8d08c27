//! API tokens for scripts and phones: create (shown once), list, revoke.

use super::{done_message, render};
use crate::error::PageError;
use crate::extract::{Meta, PageForm, PageQuery, PageUser};
use crate::view::{time, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}/revoke", post(revoke))
}

struct Row {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    revoked: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    l: Layout,
    rows: Vec<Row>,
    new_token: Option<String>,
}

async fn page(
    state: &AppState,
    u: &PageUser,
    new_token: Option<String>,
    flash: Option<String>,
) -> Response {
    let tokens = match state.services.tokens(&u.actor).await {
        Ok(t) => t,
        Err(e) => return PageError(e).into_response(),
    };
    render(&TokensPage {
        l: Layout::new(&u.actor, &u.csrf, "tokens", "API 令牌")
            .crumb("API 令牌", None)
            .flash(flash),
        rows: tokens
            .iter()
            .map(|t| Row {
                id: t.id,
                name: t.name.clone(),
                created: time(t.created_at),
                last_used: t
                    .last_used_at
                    .map(time)
                    .unwrap_or_else(|| "从未使用".into()),
                revoked: t.revoked_at.map(time).unwrap_or_default(),
                live: t.revoked_at.is_none(),
            })
            .collect(),
        new_token,
    })
}

async fn list(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<super::auth::DoneQuery>,
) -> Response {
    page(&state, &u, None, done_message(q.done.as_deref())).await
}

#[derive(Deserialize)]
struct NewToken {
    #[serde(default)]
    name: String,
}

async fn create(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<NewToken>,
) -> Response {
    match state.services.create_token(&u.actor, &f.name, &meta).await {
        Ok((_, raw)) => {
            let mut res = page(&state, &u, Some(raw), Some("已创建令牌".into())).await;
            *res.status_mut() = StatusCode::CREATED;
            res
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn revoke(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Response {
    match state.services.revoke_token(&u.actor, id, &meta).await {
        Ok(()) => Redirect::to("/tokens?done=revoked").into_response(),
        Err(e) => PageError(e).into_response(),
    }
}
