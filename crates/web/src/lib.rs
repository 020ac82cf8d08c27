#![recursion_limit = "256"]
//! The web layer: HTML pages (`pages`) and the JSON API (`api`) as siblings
//! over the one service layer. Neither checks region scope itself: they pass
//! the authenticated actor to services, which pass its scope to storage.
//!
//! Request path: security headers → auth context (session cookie or bearer
//! token, resolved once) → CSRF check for cookie-authenticated writes → handler.

pub mod api;
mod assets;
mod charts;
mod error;
mod export;
mod extract;
mod middleware;
mod pages;
mod view;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use meizhen_service::Services;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use middleware::auth::SESSION_COOKIE;

/// Web settings from flags, environment or file.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub config: Arc<WebConfig>,
}

/// Largest request body accepted (JSON and forms). Uploads get their own limit later.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Largest upload (a province's ledger workbook, a phone photo).
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

pub fn router(services: Services, config: WebConfig) -> Router {
    let state = AppState {
        services,
        config: Arc::new(config),
    };
    Router::new()
        .merge(pages::router())
        .nest("/api/v1", api::router())
        .merge(assets::router())
        .route("/healthz", axum::routing::get(health))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::auth::resolve,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(middleware::security_headers::add))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
    match state.services.health().await {
        Ok(()) => (
            axum::http::StatusCode::OK,
            axum::Json(
                serde_json::json!({"status": "ok", "database": format!("{:?}", state.services.db().engine()).to_lowercase()}),
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "error"})),
            )
        }
    }
}
