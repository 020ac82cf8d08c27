//! Pages render for every role, carry the security headers, and show live counts.

use super::support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn pages_render_with_live_counts_and_headers() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "xj.office").await;
        for page in [
            "/",
            "/regions",
            "/regions?q=白塔&level=town",
            "/regions/331024",
            "/regions/331024103",
            "/regions/331024103001",
            "/admin/users",
            "/admin/users?role=town_staff&page=1",
            "/admin/users/new",
            "/audit",
            "/audit?entity=grid&from=2020-01-01&to=2030-01-01",
            "/tokens",
            "/password",
            "/api-docs",
        ] {
            let r = c.get(page).await;
            assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.text());
            let csp = r
                .headers
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(
                csp.contains("script-src 'self'")
                    && !csp.contains("unsafe-inline")
                    && csp.contains("frame-ancestors 'none'"),
                "{page}"
            );
            assert_eq!(
                r.headers
                    .get("x-frame-options")
                    .and_then(|v| v.to_str().ok()),
                Some("DENY")
            );
            let html = r.text();
            assert!(html.contains("lang=\"zh-CN\""), "{page}");
            assert!(!html.contains("<script>"), "no inline script on {page}");
            assert!(
                html.contains("aria-label=\"当前位置\""),
                "breadcrumb on {page}"
            );
        }
        // Live counts on 仙居县's page come from the database: 20 towns, and the
        // number of villages under 331024 in the shipped data.
        let csv = include_str!("../../../storage/data/regions/villages.csv");
        let villages = csv.lines().filter(|l| l.starts_with("331024")).count();
        let html = c.get("/regions/331024").await.text();
        assert!(
            html.contains(&format!(
                "<div class=\"num\">{villages}</div><div class=\"lbl\">村(社区)</div>"
            )),
            "villages {villages}"
        );
        assert!(html.contains("<div class=\"num\">20</div><div class=\"lbl\">乡镇(街道)</div>"));
        // 白塔镇 got one grid per village in the demo.
        let baita_villages = csv.lines().filter(|l| l.starts_with("331024103")).count();
        let html = c.get("/regions/331024103").await.text();
        assert!(
            html.contains(&format!("白塔镇网格（{baita_villages} 个）")),
            "grids"
        );
        assert!(html.contains("修改创建类型"), "county may edit its towns");
        // Each village of 白塔镇 has its one demo grid, counted by village.
        let v = c.get("/api/v1/regions/331024103").await.json();
        let kids = v["children"].as_array().cloned().unwrap_or_default();
        assert_eq!(kids.len(), baita_villages);
        assert!(
            kids.iter().all(|k| k["grids"] == 1 && k["villages"] == 0),
            "{kids:?}"
        );
        // The drill-down links lead down the hierarchy only.
        assert!(html.contains("href=\"/regions/331024103001\""));
        // The county's export carries the same figures and a 合计 that adds up.
        let x = c.get("/regions/331024/export.xlsx").await;
        assert_eq!(x.status, StatusCode::OK);
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(x.body.clone()))
            .expect("xlsx");
        let sheet = calamine::Reader::sheet_names(&wb)
            .first()
            .cloned()
            .expect("sheet");
        let range = calamine::Reader::worksheet_range(&mut wb, &sheet).expect("range");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        let total = rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == "合计"))
            .expect("合计 row");
        assert_eq!(total[4], villages.to_string(), "village total");
        let baita = rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == "白塔镇"))
            .expect("白塔镇 row");
        assert_eq!(baita[4], baita_villages.to_string());
        // Static assets are served from the binary with long caching.
        let css = c.get("/assets/app.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .contains("immutable"));
        // The login page works without a session.
        let mut anon = Client::new(&app);
        let r = anon.get("/login").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("<label for=\"username\">用户名</label>"));
        let r = anon.get("/healthz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["status"], "ok");
    })
    .await;
}

#[tokio::test]
async fn pagination_and_filters_on_lists() {
    on_each_engine(|app| async move {
        let mut c = Client::login(&app, "sheng.office").await;
        let r = c
            .get("/api/v1/regions?level=county&per_page=20")
            .await
            .json();
        assert_eq!(r["total"], 90);
        assert_eq!(r["items"].as_array().map(Vec::len), Some(20));
        let last = c
            .get("/api/v1/regions?level=county&per_page=20&page=5")
            .await
            .json();
        assert_eq!(last["items"].as_array().map(Vec::len), Some(10));
        let html = c.get("/regions?level=county").await.text();
        assert!(html.contains("共 90 条，第 1 / 5 页"), "pager");
        assert!(
            html.contains("href=\"/regions?level=county&amp;page=2\"")
                || html.contains("href=\"/regions?level=county&#38;page=2\""),
            "next link keeps the filter"
        );
        let r = c.get("/api/v1/regions?level=town").await.json();
        assert_eq!(r["total"], 1387);
        let r = c
            .get("/api/v1/regions?level=village&per_page=1")
            .await
            .json();
        assert_eq!(r["total"], 25547);
        let r = c.get("/api/v1/users?role=town_staff").await.json();
        assert_eq!(r["total"], 4);
    })
    .await;
}
