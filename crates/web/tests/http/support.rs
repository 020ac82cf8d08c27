//! A test client over the real router: keeps cookies, sends the CSRF token
//! like the pages do, and can pose as any client address.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use meizhen_service::{ServiceConfig, Services};
use meizhen_storage::testkit::TestDb;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use tower::ServiceExt;

pub const DEMO_PASSWORD: &str = "Demo-2020-tz";

/// A running app on one engine, with the real regions and the 台州 demo loaded.
pub struct App {
    pub router: Router,
    pub services: Services,
    pub admin_password: String,
    pub engine: &'static str,
}

fn light_config() -> ServiceConfig {
    // Cheap hashing keeps the suite fast; production cost is the default.
    ServiceConfig {
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        files_dir: scratch_files_dir(),
        ..ServiceConfig::default()
    }
}

/// A fresh directory for uploaded files, removed by `on_each_engine`.
fn scratch_files_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "meizhen-test-files-{}-{n}-{nanos}",
        std::process::id()
    ))
}

pub async fn app_on(t: &TestDb) -> App {
    let services = Services::new(t.db.clone(), light_config());
    let boot = services.bootstrap(&|_, _| {}).await.expect("bootstrap");
    services.demo(Some(DEMO_PASSWORD)).await.expect("demo");
    App {
        router: meizhen_web::router(services.clone(), meizhen_web::WebConfig::default()),
        services,
        admin_password: boot.admin_password.expect("admin password on first start"),
        engine: t.label,
    }
}

/// Runs `story` on every available engine; databases are removed even when it fails.
pub async fn on_each_engine<F, Fut>(story: F)
where
    F: Fn(App) -> Fut,
    Fut: Future<Output = ()>,
{
    for t in TestDb::all().await {
        let app = app_on(&t).await;
        let engine = app.engine;
        let files_dir = app.services.config().files_dir.clone();
        let result =
            futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(story(app))).await;
        t.finish().await;
        let _ = std::fs::remove_dir_all(&files_dir);
        if let Err(panic) = result {
            eprintln!("story failed on {engine}");
            std::panic::resume_unwind(panic);
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }
}

#[derive(Clone)]
pub struct Client {
    router: Router,
    cookies: HashMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub address: SocketAddr,
}

impl Client {
    pub fn new(app: &App) -> Client {
        Client::from_address(app, [10, 0, 0, 1])
    }

    pub fn from_address(app: &App, ip: [u8; 4]) -> Client {
        Client {
            router: app.router.clone(),
            cookies: HashMap::new(),
            csrf: None,
            bearer: None,
            address: SocketAddr::from((ip, 40000)),
        }
    }

    /// Logs in through the API and keeps the session cookie and CSRF token.
    pub async fn login(app: &App, username: &str) -> Client {
        let mut c = Client::new(app);
        let r = c.login_as(username, DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text());
        c
    }

    pub async fn login_as(&mut self, username: &str, password: &str) -> Resp {
        let body = serde_json::json!({"username": username, "password": password});
        let r = self.send(Method::POST, "/api/v1/session", Some(body)).await;
        if r.status == StatusCode::OK {
            self.csrf = r.json()["csrf_token"].as_str().map(str::to_owned);
        }
        r
    }

    pub async fn request(&mut self, req: Request<Body>) -> Resp {
        let mut req = req;
        req.extensions_mut().insert(ConnectInfo(self.address));
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut()
                .insert(header::COOKIE, cookie.parse().expect("cookie header"));
        }
        if let Some(b) = &self.bearer {
            req.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {b}").parse().expect("auth header"),
            );
        }
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router is infallible");
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap_or("");
            if let Some((kv, _)) = v.split_once(';') {
                if let Some((k, val)) = kv.split_once('=') {
                    if val.is_empty() {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_owned(), val.to_owned());
                    }
                }
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// JSON request; unsafe methods carry the CSRF header when we have one.
    pub async fn send(&mut self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut b = Request::builder().method(method.clone()).uri(path);
        if method != Method::GET {
            if let Some(t) = &self.csrf {
                b = b.header("x-csrf-token", t);
            }
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request");
        self.request(req).await
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }

    /// An HTML form post; `with_csrf` adds the `_csrf` field like our pages do.
    pub async fn form(&mut self, path: &str, fields: &[(&str, &str)], with_csrf: bool) -> Resp {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if with_csrf {
            if let Some(t) = &self.csrf {
                s.append_pair("_csrf", t);
            }
        }
        for (k, v) in fields {
            s.append_pair(k, v);
        }
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(s.finish()))
            .expect("request");
        self.request(req).await
    }
}

/// The id of a user by name, looked up as the province administrator would.
pub async fn user_id(app: &App, username: &str) -> i64 {
    let mut c = Client::login(app, "sheng.office").await;
    let r = c
        .get(&format!("/api/v1/users?q={username}&per_page=200"))
        .await;
    r.json()["items"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["username"] == username))
        .and_then(|u| u["id"].as_i64())
        .unwrap_or_else(|| panic!("user {username} not found"))
}
