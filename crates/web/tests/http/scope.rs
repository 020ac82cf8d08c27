//! A county user never sees another county's data: by list, by id, by
//! search, by export, through pages or the API.

use super::support::*;
use axum::http::{Method, StatusCode};
use calamine::Reader;

fn xlsx_text(bytes: &[u8]) -> String {
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("xlsx opens");
    let name = wb.sheet_names().first().cloned().expect("a sheet");
    let range = wb.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("\t")
}

#[tokio::test]
async fn county_user_sees_nothing_of_another_county() {
    on_each_engine(|app| async move {
        // Something to find in 玉环市: a grid, an audit entry, a user.
        let yh_user = user_id(&app, "yh.chumen").await;
        let mut yh = Client::login(&app, "yh.office").await;
        let g = yh
            .send(
                Method::POST,
                "/api/v1/regions/331083102/grids",
                Some(serde_json::json!({"name": "玉环秘密网格"})),
            )
            .await;
        assert_eq!(g.status, StatusCode::CREATED, "{}", g.text());
        let grid_id = g.json()["id"].as_i64().unwrap_or(0);
        let yh_audit = yh.get("/api/v1/audit?entity=grid").await.json()["items"][0]["id"]
            .as_i64()
            .unwrap_or(0);
        assert!(yh_audit > 0);

        let mut xj = Client::login(&app, "xj.office").await;
        // Regions by id: the county itself, its towns and villages.
        for code in ["331083", "331083102", "331083102001", "3310", "33", "3301"] {
            let r = xj.get(&format!("/api/v1/regions/{code}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{code}: {}", r.text());
            assert!(!r.text().contains("玉环"), "{code}");
            let p = xj.get(&format!("/regions/{code}")).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "page {code}");
            assert!(
                !p.text().contains("玉环") && !p.text().contains("楚门"),
                "page {code}"
            );
        }
        // Search.
        let r = xj.get("/api/v1/regions?q=楚门").await.json();
        assert_eq!(r["total"], 0);
        let r = xj.get("/api/v1/regions?q=331083").await.json();
        assert_eq!(r["total"], 0);
        let page = xj.get("/regions?q=玉环").await;
        assert!(!page.text().contains("331083"));
        let all = xj
            .get("/api/v1/regions?per_page=200&level=town")
            .await
            .json();
        assert!(all["items"].as_array().is_some_and(|a| !a.is_empty()
            && a.iter()
                .all(|r| r["code"].as_str().is_some_and(|c| c.starts_with("331024")))));
        // Users: list, id, page, export.
        let list = xj.get("/api/v1/users?per_page=200").await.json();
        let items = list["items"].as_array().cloned().unwrap_or_default();
        assert!(!items.is_empty());
        assert!(
            items.iter().all(|u| u["region_code"]
                .as_str()
                .is_some_and(|c| c.starts_with("331024"))),
            "{list}"
        );
        assert_eq!(
            xj.get(&format!("/api/v1/users/{yh_user}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            xj.get(&format!("/admin/users/{yh_user}")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = xj
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{yh_user}"),
                Some(serde_json::json!({"disabled": true})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = xj
            .send(
                Method::POST,
                &format!("/api/v1/users/{yh_user}/password-reset"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let html = xj.get("/admin/users?q=yh").await.text();
        assert!(!html.contains("yh.chumen"));
        let export = xj.get("/admin/users/export.xlsx").await;
        assert_eq!(export.status, StatusCode::OK);
        let text = xlsx_text(&export.body);
        assert!(text.contains("xj.baita") && !text.contains("yh."), "{text}");
        // Region exports: another county's is refused, a wider one is too.
        assert_eq!(
            xj.get("/regions/331083/export.xlsx").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            xj.get("/regions/3310/export.xlsx").await.status,
            StatusCode::NOT_FOUND
        );
        let text = xlsx_text(&xj.get("/regions/331024/export.xlsx").await.body);
        assert!(text.contains("白塔镇") && !text.contains("玉环") && !text.contains("楚门"));
        // Grids.
        assert_eq!(
            xj.get("/api/v1/regions/331083102/grids").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            xj.get(&format!("/api/v1/grids/{grid_id}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            xj.get(&format!("/grids/{grid_id}/edit")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = xj
            .send(Method::DELETE, &format!("/api/v1/grids/{grid_id}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            yh.get(&format!("/api/v1/grids/{grid_id}")).await.status,
            StatusCode::OK,
            "still there"
        );
        // Enrollments.
        let e = xj.get("/api/v1/enrollments?year=2020").await.json();
        let e = e.as_array().cloned().unwrap_or_default();
        assert!(
            !e.is_empty()
                && e.iter().all(|x| x["town_code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("331024")))
        );
        let r = xj
            .send(
                Method::PUT,
                "/api/v1/regions/331083102/enrollments/2020",
                Some(serde_json::json!({"kind": "model"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Audit: list, id, page, export.
        let log = xj.get("/api/v1/audit?per_page=200").await.json();
        assert!(
            log["items"]
                .as_array()
                .is_some_and(|a| a.iter().all(|e| e["region_code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("331024")))),
            "{log}"
        );
        assert_eq!(
            xj.get(&format!("/api/v1/audit/{yh_audit}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            xj.get(&format!("/audit/{yh_audit}")).await.status,
            StatusCode::NOT_FOUND
        );
        let text = xlsx_text(&xj.get("/audit/export.xlsx").await.body);
        assert!(!text.contains("玉环秘密网格"));
        // The home page shows only 仙居县.
        let home = xj.get("/").await.text();
        assert!(
            home.contains("仙居县")
                && home.contains("白塔镇")
                && !home.contains("玉环")
                && !home.contains("椒江")
        );
    })
    .await;
}

#[tokio::test]
async fn every_role_sees_its_region_and_below_only() {
    on_each_engine(|app| async move {
        let cases = [
            ("sheng.office", "33", "3301"),
            ("tz.office", "3310", "331024"),
            ("tz.leader", "3310", "331083"),
            ("tz.inspector", "3310", "331024103"),
            ("tz.expert", "3310", "331083102"),
            ("xj.expert", "331024", "331024103"),
            ("xj.baita", "331024103", "331024103001"),
            ("xj.baita.grid", "331024103", "331024103001"),
            ("yh.chumen", "331083102", "331083102010"),
        ];
        for (user, own, below) in cases {
            let mut c = Client::login(&app, user).await;
            assert_eq!(
                c.get(&format!("/api/v1/regions/{own}")).await.status,
                StatusCode::OK,
                "{user} own"
            );
            assert_eq!(
                c.get(&format!("/api/v1/regions/{below}")).await.status,
                StatusCode::OK,
                "{user} below"
            );
            if own != "33" {
                let parent = &own[..own.len() - if own.len() == 9 { 3 } else { 2 }];
                assert_eq!(
                    c.get(&format!("/api/v1/regions/{parent}")).await.status,
                    StatusCode::NOT_FOUND,
                    "{user} parent {parent}"
                );
                let sibling = if own.starts_with("3310") {
                    "3301"
                } else {
                    "3310"
                };
                assert_eq!(
                    c.get(&format!("/api/v1/regions/{sibling}")).await.status,
                    StatusCode::NOT_FOUND,
                    "{user} {sibling}"
                );
            }
            // Home page: own region shown.
            let r = c.get("/").await;
            assert_eq!(r.status, StatusCode::OK, "{user} home");
        }
        // Town staff of 白塔镇 do not see 横溪镇 next door.
        let mut baita = Client::login(&app, "xj.baita").await;
        assert_eq!(
            baita.get("/api/v1/regions/331024101").await.status,
            StatusCode::NOT_FOUND
        );
        // Non-managers get no user list at all.
        for user in [
            "xj.baita",
            "tz.leader",
            "xj.expert",
            "xj.baita.grid",
            "tz.inspector",
        ] {
            let mut c = Client::login(&app, user).await;
            assert_eq!(
                c.get("/api/v1/users").await.status,
                StatusCode::FORBIDDEN,
                "{user}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn department_narrows_the_user_list() {
    on_each_engine(|app| async move {
        let mut city = Client::login(&app, "tz.office").await;
        let r = city.send(Method::POST, "/api/v1/users", Some(serde_json::json!({
            "username": "tz.jiaotong", "role": "county_office", "region": "331024", "department": "交通"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = city.send(Method::POST, "/api/v1/users", Some(serde_json::json!({
            "username": "tz.zj.staff", "role": "county_office", "region": "331083", "department": "住建"}))).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let jt = r.json()["user"]["id"].as_i64().unwrap_or(0);
        let mut zhujian = Client::login(&app, "tz.zhujian").await;
        let list = zhujian.get("/api/v1/users?per_page=200").await.json();
        let names: Vec<&str> = list["items"].as_array().map(|a| a.iter().filter_map(|u| u["username"].as_str()).collect()).unwrap_or_default();
        assert!(names.contains(&"tz.zj.staff") && names.contains(&"xj.office"), "{names:?}");
        assert!(!names.contains(&"tz.jiaotong"), "{names:?}");
        let other = city.get("/api/v1/users?q=tz.jiaotong").await.json()["items"][0]["id"].as_i64().unwrap_or(0);
        assert_eq!(zhujian.get(&format!("/api/v1/users/{other}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(zhujian.get(&format!("/api/v1/users/{jt}")).await.status, StatusCode::OK);
        // And cannot create accounts for another department.
        let r = zhujian.send(Method::POST, "/api/v1/users", Some(serde_json::json!({
            "username": "tz.jt2", "role": "county_office", "region": "331024", "department": "交通"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn unauthenticated_requests_get_nothing() {
    on_each_engine(|app| async move {
        let mut anon = Client::new(&app);
        let doc = anon.get("/api/v1/openapi.json").await.json();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        assert!(paths.len() >= 15);
        for (path, item) in &paths {
            for method in item
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                if path == "/api/v1/session" && method == "post" {
                    continue;
                }
                let concrete = path
                    .replace("{code}", "331024")
                    .replace("{id}", "1")
                    .replace("{year}", "2020");
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let body = (m != Method::GET && m != Method::DELETE).then(|| serde_json::json!({}));
                let r = anon.send(m.clone(), &concrete, body).await;
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {concrete}: {}",
                    r.text()
                );
                assert_eq!(r.error_code(), "unauthenticated");
            }
        }
        for page in [
            "/",
            "/regions/331024",
            "/regions",
            "/admin/users",
            "/audit",
            "/tokens",
            "/api-docs",
            "/password",
            "/admin/users/export.xlsx",
        ] {
            let r = anon.get(page).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
            assert!(r.location().starts_with("/login"), "{page}");
        }
        // A form post without a session creates nothing.
        let r = anon
            .form(
                "/admin/users/new",
                &[
                    ("username", "intruder"),
                    ("role", "admin"),
                    ("region", "33"),
                ],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut prov = Client::login(&app, "sheng.office").await;
        assert_eq!(
            prov.get("/api/v1/users?q=intruder").await.json()["total"],
            0
        );
    })
    .await;
}
