//! CSRF protection for cookie-authenticated writes, in two layers:
//! 1. a synchronizer token kept with the session, sent as the `X-CSRF-Token`
//!    header (API, scripts in pages) or the `_csrf` form field (HTML forms);
//! 2. a Fetch-Metadata/Origin check that refuses cross-site writes outright.
//!
//! Bearer-token requests carry no ambient credentials and skip layer 1.

// The error side is the ready-made refusal; it is built only when refusing.
#![allow(clippy::result_large_err)]

use crate::error::respond_status;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::Response;

pub const HEADER: &str = "x-csrf-token";
pub const FORM_FIELD: &str = "_csrf";

fn refuse(req: &Request) -> Response {
    respond_status(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "请求来源校验失败（CSRF），请刷新页面后重试",
        req.uri().path().starts_with("/api/"),
    )
}

/// Refuses writes a browser marks as cross-site, or whose Origin differs from Host.
pub fn origin_check(req: &Request) -> Result<(), Response> {
    let h = req.headers();
    if h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(refuse(req));
    }
    if let (Some(origin), Some(host)) = (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(refuse(req));
        }
        if origin == "null" {
            return Err(refuse(req));
        }
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks the token from the header or, for URL-encoded forms, the `_csrf`
/// field (the body is buffered and handed on unchanged).
pub async fn token_check(req: Request, expected: &str) -> Result<Request, Response> {
    if let Some(v) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(v.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(refuse(&req))
        };
    }
    // Multipart uploads cannot be read here without buffering the file: the
    // page puts the token in the form's action URL instead.
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let ok = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded_value(q.as_bytes(), FORM_FIELD))
            .is_some_and(|v| constant_time_eq(v.as_bytes(), expected.as_bytes()));
        return if ok { Ok(req) } else { Err(refuse(&req)) };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse(&req));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, crate::BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Err(respond_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "提交的内容过大",
                false,
            ))
        }
    };
    let ok = form_urlencoded_value(&bytes, FORM_FIELD)
        .is_some_and(|v| constant_time_eq(v.as_bytes(), expected.as_bytes()));
    let req = Request::from_parts(parts, Body::from(bytes));
    if ok {
        Ok(req)
    } else {
        Err(refuse(&req))
    }
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_form_field() {
        assert_eq!(
            form_urlencoded_value(b"a=1&_csrf=ab%2Bc&b=x+y", "_csrf").as_deref(),
            Some("ab+c")
        );
        assert_eq!(form_urlencoded_value(b"a=1", "_csrf"), None);
        assert_eq!(
            form_urlencoded_value("x=%E4%B8%AD&_csrf=%".as_bytes(), "x").as_deref(),
            Some("中")
        );
    }

    #[test]
    fn compares_in_constant_time_shape() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
