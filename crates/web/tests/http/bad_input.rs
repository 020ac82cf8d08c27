//! Bad input gets a clear error with the right status, and writes nothing.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

#[tokio::test]
async fn api_errors_are_structured_and_chinese() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "xj.office").await;
        let before = c.get("/api/v1/users?per_page=1").await.json()["total"].clone();

        // Malformed JSON.
        let req = Request::builder().method(Method::POST).uri("/api/v1/users")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(Body::from("{\"username\": ")).expect("req");
        let r = c.request(req).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "malformed_json");
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("JSON"));
        // Wrong content type.
        let req = Request::builder().method(Method::POST).uri("/api/v1/users")
            .header(header::CONTENT_TYPE, "text/plain")
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(Body::from("hello")).expect("req");
        assert_eq!(c.request(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // Missing field.
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "x.only"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_code(), "invalid_input");
        // Oversize body.
        let big = format!("{{\"username\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
        let req = Request::builder().method(Method::POST).uri("/api/v1/users")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(Body::from(big)).expect("req");
        let r = c.request(req).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.error_code(), "payload_too_large");
        // Unknown and malformed region codes.
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "x.one", "role": "town_staff", "region": "331024999"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["field"], "region");
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "x.two", "role": "town_staff", "region": "33a"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("区划代码"));
        let r = c.get("/api/v1/regions/abc").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = c.get("/api/v1/regions/331024999").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Bad role, bad username, weak password.
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "x.three", "role": "king", "region": "331024103"}))).await;
        assert_eq!(r.json()["error"]["field"], "role");
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "张 三", "role": "town_staff", "region": "331024103"}))).await;
        assert_eq!(r.json()["error"]["field"], "username");
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "x.four", "role": "town_staff", "region": "331024103", "password": "123"}))).await;
        assert_eq!(r.json()["error"]["field"], "password");
        // Duplicate username.
        let r = c.send(Method::POST, "/api/v1/users", Some(json!({"username": "xj.baita", "role": "town_staff", "region": "331024103"}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("已被使用"));
        // Bad query values.
        let r = c.get("/api/v1/users?page=abc").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "invalid_query");
        let r = c.get("/api/v1/regions?level=planet").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Unknown endpoint.
        let r = c.get("/api/v1/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "not_found");
        // Nothing was half-written.
        assert_eq!(c.get("/api/v1/users?per_page=1").await.json()["total"], before);
    })
    .await;
}

#[tokio::test]
async fn page_errors_are_chinese_pages() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "xj.office").await;
        let r = c.get("/no/such/page").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.text().contains("页面不存在"));
        let r = c.get("/audit?from=2020-13-45").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("日期"));
        let r = c
            .form(
                "/regions/331024103/enrollment",
                &[("year", "二〇二〇"), ("kind", "model")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("四位数年份"));
        // Wrong password on the login form.
        let mut anon = Client::new(&app);
        let r = anon
            .form(
                "/login",
                &[("username", "xj.office"), ("password", "nope-nope-1")],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.text().contains("用户名或密码错误"));
        // Login never redirects off-site.
        let r = anon
            .form(
                "/login",
                &[
                    ("username", "xj.office"),
                    ("password", DEMO_PASSWORD),
                    ("next", "//evil.example/x"),
                ],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/");
    })
    .await;
}
