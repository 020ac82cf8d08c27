//! Logging in and out, sessions, CSRF, throttling, tokens, first-login password change.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use meizhen_storage::repo::execute;
use meizhen_storage::Sql;

#[tokio::test]
async fn login_session_and_logout() {
    on_each_engine(|app| async move {
        let mut c = Client::new(&app);
        let r = c.login_as("xj.office", "wrong-password-1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.error_code(), "bad_credentials");
        assert_eq!(r.json()["error"]["message"], "用户名或密码错误");
        let r = c.login_as("nobody.here", "wrong-password-1").await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "unknown users look the same"
        );

        let r = c.login_as("xj.office", DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK);
        let cookie = r
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert_eq!(r.json()["user"]["region_code"], "331024");
        assert!(
            r.json()["user"].get("password_hash").is_none(),
            "hash never leaves the server"
        );

        // A second login gets a different session id (no fixation).
        let mut c2 = Client::new(&app);
        c2.login_as("xj.office", DEMO_PASSWORD).await;
        let me = c.get("/api/v1/session").await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["user"]["username"], "xj.office");

        // Logging out without the CSRF header is refused; with it, the session ends.
        let token = c.csrf.take();
        let r = c.send(Method::DELETE, "/api/v1/session", None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.error_code(), "csrf_failed");
        c.csrf = token;
        let r = c.send(Method::DELETE, "/api/v1/session", None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(
            c.get("/api/v1/session").await.status,
            StatusCode::UNAUTHORIZED
        );
        // The other session is unaffected.
        assert_eq!(c2.get("/api/v1/session").await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn expired_session_is_refused() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "xj.office").await;
        assert_eq!(c.get("/api/v1/regions/331024").await.status, StatusCode::OK);
        let mut tx = app.services.db().begin().await.expect("tx");
        execute(&mut tx, &Sql::new("UPDATE sessions SET expires_at = 0"))
            .await
            .expect("expire");
        tx.commit().await.expect("commit");
        let r = c.get("/api/v1/regions/331024").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"]["message"], "请先登录");
        let r = c.get("/regions/331024").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login"), "{}", r.location());
    })
    .await;
}

#[tokio::test]
async fn csrf_protects_cookie_writes() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "xj.office").await;
        // A form post without the token changes nothing.
        let r = c
            .form(
                "/regions/331024103/town-type",
                &[("town_type", "文旅特色型")],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("CSRF"));
        let v = c.get("/api/v1/regions/331024103").await.json();
        assert_ne!(v["town_type"], "文旅特色型");
        // A wrong token is refused too.
        let real = c.csrf.replace("0".repeat(64));
        let r = c
            .form(
                "/regions/331024103/town-type",
                &[("town_type", "文旅特色型")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        c.csrf = real;
        // The right token works.
        let r = c
            .form(
                "/regions/331024103/town-type",
                &[("town_type", "文旅特色型")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(
            c.get("/api/v1/regions/331024103").await.json()["town_type"],
            "文旅特色型"
        );
        // A cross-site request is refused even with the token.
        let mut req = Request::builder()
            .method(Method::PUT)
            .uri("/api/v1/regions/331024103/town-type")
            .header(header::CONTENT_TYPE, "application/json")
            .header("sec-fetch-site", "cross-site")
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(Body::from(r#"{"town_type":"一般型"}"#))
            .expect("req");
        req.headers_mut()
            .insert(header::HOST, "meizhen.example".parse().expect("host"));
        assert_eq!(c.request(req).await.status, StatusCode::FORBIDDEN);
        let req = Request::builder()
            .method(Method::PUT)
            .uri("/api/v1/regions/331024103/town-type")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::HOST, "meizhen.example")
            .header(header::ORIGIN, "https://evil.example")
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(Body::from(r#"{"town_type":"一般型"}"#))
            .expect("req");
        assert_eq!(c.request(req).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            c.get("/api/v1/regions/331024103").await.json()["town_type"],
            "文旅特色型"
        );
    })
    .await;
}

#[tokio::test]
async fn throttling_per_account_and_per_address() {
    on_each_engine(|app| async move {
        let mut c = Client::from_address(&app, [10, 1, 1, 1]);
        for _ in 0..5 {
            assert_eq!(
                c.login_as("yh.office", "Wrong-pass-1").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        // Locked now, even with the right password and from another address.
        let r = c.login_as("yh.office", DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.error_code(), "too_many_attempts");
        assert!(r.headers.contains_key("retry-after"));
        let mut other = Client::from_address(&app, [10, 1, 1, 2]);
        assert_eq!(
            other.login_as("yh.office", DEMO_PASSWORD).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        // Other accounts from a clean address still log in.
        assert_eq!(
            other.login_as("xj.office", DEMO_PASSWORD).await.status,
            StatusCode::OK
        );

        // One address guessing many accounts is stopped at 20 failures.
        let mut sprayer = Client::from_address(&app, [10, 2, 2, 2]);
        for i in 0..20 {
            let r = sprayer.login_as(&format!("guess{i}"), "Wrong-pass-1").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            sprayer.login_as("xj.baita", DEMO_PASSWORD).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        // The form login shows the Chinese message.
        let r = sprayer
            .form(
                "/login",
                &[("username", "xj.baita"), ("password", DEMO_PASSWORD)],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text().contains("登录失败次数过多"), "{}", r.text());
        // Failed logins are audited.
        let mut prov = Client::login(&app, "sheng.office").await;
        let log = prov
            .get("/api/v1/audit?action=login_failed&per_page=200")
            .await
            .json();
        assert!(log["total"].as_i64().unwrap_or(0) >= 25, "{log}");
    })
    .await;
}

#[tokio::test]
async fn api_tokens_work_and_can_be_revoked() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "xj.office").await;
        let r = c
            .send(
                Method::POST,
                "/api/v1/tokens",
                Some(serde_json::json!({"name": "脚本"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let token = r.json()["token"].as_str().unwrap_or("").to_owned();
        let id = r.json()["info"]["id"].as_i64().unwrap_or(0);
        assert!(token.starts_with("mzt_"));
        // A bare POST (no body) also creates one.
        assert_eq!(
            c.send(Method::POST, "/api/v1/tokens", None).await.status,
            StatusCode::CREATED
        );

        let mut script = Client::new(&app);
        script.bearer = Some(token.clone());
        assert_eq!(
            script.get("/api/v1/regions/331024").await.status,
            StatusCode::OK
        );
        assert_eq!(
            script.get("/api/v1/regions/331083").await.status,
            StatusCode::NOT_FOUND
        );
        // Bearer calls need no CSRF token (no ambient credentials).
        let r = script
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/enrollments/2021",
                Some(serde_json::json!({"kind": "model"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        let r = c
            .send(Method::DELETE, &format!("/api/v1/tokens/{id}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let r = script.get("/api/v1/regions/331024").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // Another user cannot revoke my token.
        let mut other = Client::login(&app, "yh.office").await;
        let mine = c.get("/api/v1/tokens").await.json();
        let live = mine
            .as_array()
            .and_then(|a| a.iter().find(|t| t["revoked_at"].is_null()))
            .and_then(|t| t["id"].as_i64())
            .unwrap_or(0);
        assert_eq!(
            other
                .send(Method::DELETE, &format!("/api/v1/tokens/{live}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut bad = Client::new(&app);
        bad.bearer = Some("mzt_0000".into());
        assert_eq!(
            bad.get("/api/v1/session").await.status,
            StatusCode::UNAUTHORIZED
        );
    })
    .await;
}

#[tokio::test]
async fn first_admin_login_must_change_password() {
    on_each_engine(|app| async move {
        let mut c = Client::new(&app);
        let r = c.login_as("admin", &app.admin_password).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["user"]["must_change_password"], true);
        let r = c.get("/api/v1/users").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.error_code(), "password_change_required");
        let r = c.get("/").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/password");
        // Policy and mismatch errors are Chinese and change nothing.
        let r = c
            .form(
                "/password",
                &[
                    ("current_password", &app.admin_password),
                    ("new_password", "short"),
                    ("confirm_password", "short"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("密码至少 10 位"));
        let r = c
            .form(
                "/password",
                &[
                    ("current_password", &app.admin_password),
                    ("new_password", "Zhejiang-2026"),
                    ("confirm_password", "Zhejiang-2027"),
                ],
                true,
            )
            .await;
        assert!(r.text().contains("两次输入的新密码不一致"));
        let r = c
            .form(
                "/password",
                &[
                    ("current_password", &app.admin_password),
                    ("new_password", "Zhejiang-2026"),
                    ("confirm_password", "Zhejiang-2026"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(c.get("/api/v1/users").await.status, StatusCode::OK);
        // The old one-time password no longer works.
        let mut again = Client::new(&app);
        assert_eq!(
            again.login_as("admin", &app.admin_password).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            again.login_as("admin", "Zhejiang-2026").await.status,
            StatusCode::OK
        );
    })
    .await;
}

#[tokio::test]
async fn simultaneous_logins_and_requests_all_succeed() {
    // SQLite allows one writer: reads must not upgrade to writes mid-transaction.
    on_each_engine(|app| async move {
        let logins = (0..12).map(|i| {
            let app = &app;
            async move {
                let mut c = Client::from_address(app, [10, 9, 9, i as u8]);
                let user = ["xj.office", "yh.office", "tz.office", "xj.baita"][i % 4];
                c.login_as(user, DEMO_PASSWORD).await.status
            }
        });
        let statuses = futures_util::future::join_all(logins).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );
        let c = Client::login(&app, "xj.office").await;
        let reads = (0..12).map(|_| {
            let mut c = c.clone();
            async move { c.get("/api/v1/regions/331024").await.status }
        });
        let statuses = futures_util::future::join_all(reads).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );
    })
    .await;
}
