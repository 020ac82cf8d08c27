//! Our own stylesheet and script, compiled into the binary: no CDN, no
//! network at run time. URLs carry a content hash so browsers cache them forever.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::OnceLock;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn css_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| format!("/assets/app.css?v={:x}", fnv(CSS)))
}

pub fn js_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| format!("/assets/app.js?v={:x}", fnv(JS)))
}

fn serve(body: &'static str, mime: &'static str) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    (StatusCode::OK, h, body).into_response()
}

pub fn router() -> Router<crate::AppState> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|| async { serve(CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/assets/app.js",
            get(|| async { serve(JS, "text/javascript; charset=utf-8") }),
        )
}
