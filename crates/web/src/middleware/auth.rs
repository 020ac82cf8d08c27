//! Resolves who is calling, once per request: a session cookie (pages and
//! browser API calls) or `Authorization: Bearer` (scripts and phones). The
//! result goes into request extensions for the extractors; unsafe methods on
//! a cookie session must then pass the CSRF check.

use super::csrf;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use meizhen_service::{Actor, RequestMeta, ServiceError};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "mz_session";

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub enum Auth {
    Session {
        actor: Actor,
        raw_id: String,
        csrf_token: String,
    },
    Token {
        actor: Actor,
    },
}

impl Auth {
    pub fn actor(&self) -> &Actor {
        match self {
            Auth::Session { actor, .. } | Auth::Token { actor } => actor,
        }
    }
}

pub fn session_cookie(state: &AppState, raw: &str, max_age: i64) -> String {
    format!(
        "{SESSION_COOKIE}={raw}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

pub fn clear_cookie(state: &AppState) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn client_address(req: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded {
        if let Some(f) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return f.trim().to_owned();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_api(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let meta = RequestMeta {
        address: client_address(&req, state.config.trust_forwarded_for),
    };
    req.extensions_mut().insert(meta);

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let auth = if let Some(token) = bearer {
        match state.services.token_actor(&token).await {
            Ok(Some(actor)) => Some(Auth::Token { actor }),
            Ok(None) => {
                return ApiError(ServiceError::Unauthenticated).into_response();
            }
            Err(e) => return ApiError(e).into_response(),
        }
    } else if let Some(raw) = cookie(req.headers(), SESSION_COOKIE).map(str::to_owned) {
        match state.services.session(&raw).await {
            Ok(Some(info)) => Some(Auth::Session {
                actor: info.actor,
                raw_id: raw,
                csrf_token: info.csrf_token,
            }),
            Ok(None) => None,
            Err(e) => return crate::error::respond(e, is_api(&req)),
        }
    } else {
        None
    };

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        if let Err(resp) = csrf::origin_check(&req) {
            return resp;
        }
        // Logging in opens a new session and needs no token (the origin check
        // above still guards it).
        let path = req.uri().path();
        let is_login =
            req.method() == Method::POST && (path == "/login" || path == "/api/v1/session");
        if let (false, Some(Auth::Session { csrf_token, .. })) = (is_login, &auth) {
            let expected = csrf_token.clone();
            req = match csrf::token_check(req, &expected).await {
                Ok(r) => r,
                Err(resp) => return resp,
            };
        }
    }
    if let Some(a) = auth {
        req.extensions_mut().insert(a);
    }
    next.run(req).await
}
