//! The contract scripts rely on: shapes of the minimum API and the OpenAPI document.

use super::support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn region_contract_and_openapi() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "tz.office").await;
        let r = c.get("/api/v1/regions/331024").await;
        assert_eq!(r.status, StatusCode::OK);
        let v = r.json();
        assert_eq!(v["code"], "331024");
        assert_eq!(v["name"], "仙居县");
        assert_eq!(v["level"], "county");
        assert_eq!(v["parent"], "3310");
        let children = v["children"].as_array().cloned().unwrap_or_default();
        assert_eq!(children.len(), 20);
        assert!(children.iter().any(|ch| ch["code"] == "331024103"
            && ch["name"] == "白塔镇"
            && ch["level"] == "town"));
        let baita = children
            .iter()
            .find(|ch| ch["code"] == "331024103")
            .cloned()
            .unwrap_or_default();
        assert_eq!(baita["users"], 2, "xj.baita and its grid worker");
        let province = c.get("/api/v1/regions/33").await;
        assert_eq!(
            province.status,
            StatusCode::NOT_FOUND,
            "a city office does not see the province"
        );

        let doc = c.get("/api/v1/openapi.json").await.json();
        assert_eq!(doc["openapi"], "3.1.0");
        for p in [
            "/api/v1/session",
            "/api/v1/tokens",
            "/api/v1/regions/{code}",
            "/api/v1/users",
            "/api/v1/audit",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} documented");
        }
        // Every documented schema reference resolves.
        let text = doc.to_string();
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|ch| ch.is_alphanumeric())
                .collect();
            assert!(
                doc["components"]["schemas"][&name].is_object(),
                "schema {name}"
            );
        }
        // Every documented GET route answers (not the router's 404) for an administrator.
        let mut prov = Client::login(&app, "sheng.office").await;
        for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
            if item.get("get").is_none() {
                continue;
            }
            let concrete = path
                .replace("{code}", "331024103")
                .replace("{id}", "1")
                .replace("{year}", "2020");
            let concrete = if concrete.ends_with("/enrollments") {
                format!("{concrete}?year=2020")
            } else {
                concrete
            };
            let r = prov.get(&concrete).await;
            // Downloads (Excel/Word exports) answer with the file itself.
            let content_type = r
                .headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            if content_type.starts_with("application/vnd.openxmlformats") {
                assert_eq!(r.status, StatusCode::OK, "{concrete}");
                assert!(r.body.starts_with(b"PK"), "{concrete}: not a zip package");
                continue;
            }
            assert_ne!(r.error_code(), "not_found_route", "{concrete}");
            assert!(
                r.status != StatusCode::METHOD_NOT_ALLOWED
                    && !(r.status == StatusCode::NOT_FOUND
                        && r.json()["error"]["message"] == "接口不存在"),
                "{concrete}: {}",
                r.text()
            );
        }
    })
    .await;
}
