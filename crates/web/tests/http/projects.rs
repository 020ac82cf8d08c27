//! 项目化推进 over HTTP: the town creates and reports, the county reviews,
//! rates roll up town → county → city, and scope holds for projects.

use super::support::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn project(code: &str, total: &str, plan: &str, start: &str, finish: &str) -> Value {
    json!({
        "code": code, "name": format!("{code} 项目"), "pillar": "环境美", "total_investment": total,
        "plans": [{"year": 2020, "amount": plan}], "planned_start": start, "planned_finish": finish,
        "owner_unit": "白塔镇人民政府", "content": "老街立面改造"
    })
}

async fn stats(c: &mut Client, region: &str, month: u32) -> Value {
    let r = c
        .get(&format!(
            "/api/v1/regions/{region}/project-stats?year=2020&month={month}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn town_reports_and_rates_roll_up() {
    on_each_engine(|app| async move {
        let mut town = Client::login(&app, "xj.baita").await;
        // Two projects in 白塔镇, one in 横溪镇, one in 玉环 (other county).
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/projects",
                Some(project("BT-01", "1,000", "600", "2020.3", "2020年10月")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let p1 = r.json()["id"].as_i64().unwrap_or(0);
        assert_eq!(r.json()["total_investment_fen"], 1_000 * 1_000_000i64);
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/projects",
                Some(project(
                    "BT-02",
                    "0.05亿元",
                    "400",
                    "2020-06-01",
                    "2021-06-30",
                )),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let p2 = r.json()["id"].as_i64().unwrap_or(0);
        // BT-02 stays unreported: it counts as not started.
        assert_eq!(
            town.get(&format!("/api/v1/projects/{p2}")).await.json()["project"]["status"],
            "not_started"
        );
        let mut hengxi = Client::login(&app, "xj.hengxi").await;
        let r = hengxi
            .send(
                Method::POST,
                "/api/v1/regions/331024101/projects",
                Some(project("HX-01", "200", "200", "2020-01", "2020-05")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let p3 = r.json()["id"].as_i64().unwrap_or(0);
        let mut chumen = Client::login(&app, "yh.chumen").await;
        let r = chumen
            .send(
                Method::POST,
                "/api/v1/regions/331083102/projects",
                Some(project("CM-01", "300", "300", "2020-02", "2020-12")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let p4 = r.json()["id"].as_i64().unwrap_or(0);

        // Reports: 白塔 p1 started in March, 150 万 by March, 450 by June; p2 not started.
        let put = |id: i64, m: &str, cum: &str, status: &str| {
            (
                id,
                m.to_owned(),
                json!({"cumulative_investment": cum, "status": status, "progress_text": "施工中"}),
            )
        };
        for (id, m, body) in [
            put(p1, "2020-03", "150", "在建"),
            put(p1, "2020-06", "450", "在建"),
        ] {
            let r = town
                .send(
                    Method::PUT,
                    &format!("/api/v1/projects/{id}/reports/{m}"),
                    Some(body),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
        let r = hengxi
            .send(
                Method::PUT,
                &format!("/api/v1/projects/{p3}/reports/2020-05"),
                Some(json!({"cumulative_investment": "200", "status": "已完工"})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "completion without actual dates: {}",
            r.text()
        );
        let r = hengxi
            .send(
                Method::PUT,
                &format!("/api/v1/projects/{p3}/reports/2020-04"),
                Some(json!({"cumulative_investment": "120", "status": "在建"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = hengxi
            .send(
                Method::PUT,
                &format!("/api/v1/projects/{p3}/reports/2020-05"),
                Some(json!({"cumulative_investment": "200", "status": "已完工"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["month_fen"], 80 * 1_000_000i64);
        let r = chumen
            .send(
                Method::PUT,
                &format!("/api/v1/projects/{p4}/reports/2020-06"),
                Some(json!({"cumulative_investment": "100", "status": "在建"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);

        // Town 白塔 as of June: 2 projects, 1 started, planned to start: p1 (Mar) + p2 (Jun) = 2.
        let s = stats(&mut town, "331024103", 6).await;
        assert_eq!(
            (
                s["projects"].as_i64(),
                s["started"].as_i64(),
                s["completed"].as_i64()
            ),
            (Some(2), Some(1), Some(0))
        );
        assert_eq!(s["start_rate"].as_f64(), Some(0.5));
        assert_eq!(s["planned_investment_wan"].as_f64(), Some(1000.0));
        assert_eq!(s["completed_investment_wan"].as_f64(), Some(450.0));
        assert_eq!(s["investment_completion_rate"].as_f64(), Some(0.45));
        // As of March only p1 was due and it had started.
        let s = stats(&mut town, "331024103", 3).await;
        assert_eq!(s["start_rate"].as_f64(), Some(1.0));
        assert_eq!(s["completed_investment_wan"].as_f64(), Some(150.0));
        // County 仙居 as of June: 3 projects, 2 started, 1 completed; 450 + 200 of 1200 planned.
        let mut county = Client::login(&app, "xj.office").await;
        let s = stats(&mut county, "331024", 6).await;
        assert_eq!(
            (
                s["projects"].as_i64(),
                s["started"].as_i64(),
                s["completed"].as_i64()
            ),
            (Some(3), Some(2), Some(1))
        );
        assert_eq!(s["completed_investment_fen"], 650 * 1_000_000i64);
        assert_eq!(s["planned_investment_fen"], 1_200 * 1_000_000i64);
        // City 台州: adds 玉环's 100 of 300.
        let mut city = Client::login(&app, "tz.office").await;
        let s = stats(&mut city, "3310", 6).await;
        assert_eq!(s["projects"], 4);
        assert_eq!(s["completed_investment_fen"], 750 * 1_000_000i64);
        // The county can't see the city's figures; 玉环 can't see 仙居's.
        assert_eq!(
            county
                .get("/api/v1/regions/3310/project-stats?year=2020&month=6")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            chumen
                .get("/api/v1/regions/331024/project-stats?year=2020&month=6")
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Ranking of the city's counties by investment rate: 仙居 650/1200 < 玉环 100/300? no: 0.54 > 0.33.
        let r = city
            .get("/api/v1/regions/3310/project-ranking?year=2020&month=6")
            .await
            .json();
        let lines = r.as_array().cloned().unwrap_or_default();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["code"], "331024");
        assert_eq!(lines[0]["rank"], 1);
        assert_eq!(lines[1]["code"], "331083");
        // The breakdown by category and by status.
        let b = county.get("/api/v1/regions/331024/project-breakdown?year=2020").await.json();
        assert_eq!(b["by_pillar"], json!([{"key": "environment", "projects": 3, "total_investment_fen": 1_700_000_000i64, "planned_investment_fen": 1_200_000_000i64}]));
        let statuses: Vec<(String, i64)> = b["by_status"].as_array().map(|a| a.iter().map(|g| (g["key"].as_str().unwrap_or("").to_owned(), g["projects"].as_i64().unwrap_or(0))).collect()).unwrap_or_default();
        assert_eq!(statuses, vec![("completed".to_owned(), 1), ("in_progress".to_owned(), 1), ("not_started".to_owned(), 1)]);
        // Pages show the same figures.
        let html = county.get("/progress/331024?month=2020-06").await.text();
        assert!(
            html.contains("650.00") && html.contains("1200.00"),
            "progress page figures"
        );
        let html = city.get("/progress/3310?month=2020-06").await.text();
        assert!(
            html.contains("仙居县") && html.contains("<svg"),
            "ranking with chart"
        );
    })
    .await;
}

#[tokio::test]
async fn cumulative_rules_locking_and_review() {
    on_each_engine(|app| async move {
        let mut town = Client::login(&app, "xj.baita").await;
        let r = town.send(Method::POST, "/api/v1/regions/331024103/projects", Some(project("BT-09", "500", "500", "2020-01", "2020-12"))).await;
        let id = r.json()["id"].as_i64().unwrap_or(0);
        let ok = town.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-03"), Some(json!({"cumulative_investment": "200", "status": "在建"}))).await;
        assert_eq!(ok.status, StatusCode::OK);
        // Going down, or past the total, needs a reason; bad numbers are refused.
        for (cum, word) in [("150", "少于"), ("600", "超过总投资"), ("abc", "金额"), ("-5", "负数")] {
            let r = town.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-04"), Some(json!({"cumulative_investment": cum, "status": "在建"}))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{cum}");
            assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains(word), "{cum}: {}", r.text());
        }
        let r = town.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-04"), Some(json!({"cumulative_investment": "150", "status": "在建", "correction_reason": "3月多报了50万"}))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["month_fen"], -50 * 1_000_000i64);

        // A month the town has not submitted cannot be locked by the county.
        let mut county0 = Client::login(&app, "xj.office").await;
        let r = county0.send(Method::POST, "/api/v1/regions/331024103/reporting/2020-05/review", Some(json!({"accept": true}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        // The town submits March; the county sees it and accepts; March is locked.
        let r = town.send(Method::POST, "/api/v1/regions/331024103/reporting/2020-03/submit", None).await;
        assert_eq!(r.status, StatusCode::OK, "submit: {}", r.text());
        let mut county = Client::login(&app, "xj.office").await;
        let overview = county.get("/api/v1/regions/331024/reporting?month=2020-03").await.json();
        let baita = overview.as_array().and_then(|a| a.iter().find(|t| t["town_code"] == "331024103")).cloned().unwrap_or_default();
        assert_eq!(baita["period_state"], "submitted");
        assert_eq!(baita["reports_submitted"], 1);
        // The town cannot accept its own month; the county can.
        let r = town.send(Method::POST, "/api/v1/regions/331024103/reporting/2020-03/review", Some(json!({"accept": true}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = county.send(Method::POST, "/api/v1/regions/331024103/reporting/2020-03/review", Some(json!({"accept": false}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "returning needs a note");
        let r = county.send(Method::POST, "/api/v1/regions/331024103/reporting/2020-03/review", Some(json!({"accept": true}))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["state"], "accepted");
        let r = town.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-03"), Some(json!({"cumulative_investment": "120", "status": "在建"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("锁定"));
        let r = town.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-03"), Some(json!({"cumulative_investment": "120", "status": "在建", "correction_reason": "审计核减"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // April's month figure follows March's correction: 150 - 120 = 30.
        let v = town.get(&format!("/api/v1/projects/{id}")).await.json();
        let april = v["reports"].as_array().and_then(|a| a.iter().find(|r| r["month"] == 4)).cloned().unwrap_or_default();
        assert_eq!(april["month_fen"], 30 * 1_000_000i64);
        // The correction is in the audit log with its reason.
        let log = county.get("/api/v1/audit?entity=monthly_report&per_page=50").await.json();
        assert!(log["items"].as_array().is_some_and(|a| a.iter().any(|e| e["summary"].as_str().is_some_and(|s| s.contains("更正") && s.contains("审计核减")))));
        // Returning a project for correction.
        let r = county.send(Method::POST, &format!("/api/v1/projects/{id}/return"), Some(json!({"note": "请补充建设内容"}))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["review_state"], "returned");
        assert!(town.get(&format!("/projects/{id}")).await.text().contains("请补充建设内容"));
        // Published figures stay as they stood.
        let r = county.send(Method::POST, "/api/v1/regions/331024/publish/2020-04", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let before = county.get("/api/v1/regions/331024/project-stats?year=2020&month=4&published=true").await.json();
        let r = town.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-04"), Some(json!({"cumulative_investment": "300", "status": "在建"}))).await;
        assert_eq!(r.status, StatusCode::OK);
        let after = county.get("/api/v1/regions/331024/project-stats?year=2020&month=4&published=true").await.json();
        assert_eq!(before["completed_investment_fen"], after["completed_investment_fen"]);
        let live = county.get("/api/v1/regions/331024/project-stats?year=2020&month=4").await.json();
        assert_eq!(live["completed_investment_fen"], 300 * 1_000_000i64);
    })
    .await;
}

#[tokio::test]
async fn projects_stay_in_scope() {
    on_each_engine(|app| async move {
        let mut baita = Client::login(&app, "xj.baita").await;
        let r = baita.send(Method::POST, "/api/v1/regions/331024103/projects", Some(project("BT-SECRET", "100", "100", "2020-01", "2020-12"))).await;
        let id = r.json()["id"].as_i64().unwrap_or(0);
        // Another town, another county: nothing by list, id, page, export, write.
        for user in ["xj.hengxi", "yh.office", "yh.chumen"] {
            let mut c = Client::login(&app, user).await;
            let list = c.get("/api/v1/projects?per_page=200").await.json();
            assert!(list["items"].as_array().is_some_and(|a| a.iter().all(|p| p["code"] != "BT-SECRET")), "{user} list: {list}");
            assert_eq!(c.get(&format!("/api/v1/projects/{id}")).await.status, StatusCode::NOT_FOUND, "{user} id");
            assert_eq!(c.get(&format!("/projects/{id}")).await.status, StatusCode::NOT_FOUND, "{user} page");
            let r = c.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-03"), Some(json!({"cumulative_investment": "1"}))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} report");
            let r = c.send(Method::PUT, &format!("/api/v1/projects/{id}"), Some(project("X", "1", "1", "", ""))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} update");
            // (The search box echoes the query; the table must be empty.)
            let html = c.get("/projects?q=BT-SECRET").await.text();
            assert!(html.contains("没有符合条件的项目") && !html.contains("BT-SECRET 项目"), "{user} search");
            let x = c.get("/projects/export.xlsx").await;
            assert_eq!(x.status, StatusCode::OK);
            assert!(!String::from_utf8_lossy(&x.body).contains("BT-SECRET"));
        }
        // A town cannot create projects in another town, even one in its county.
        let r = baita.send(Method::POST, "/api/v1/regions/331024101/projects", Some(project("BT-X", "1", "1", "", ""))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = baita.send(Method::POST, "/api/v1/regions/331083102/projects", Some(project("BT-Y", "1", "1", "", ""))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Leaders and experts read, but do not write.
        let mut leader = Client::login(&app, "tz.leader").await;
        assert_eq!(leader.get(&format!("/api/v1/projects/{id}")).await.status, StatusCode::OK);
        let r = leader.send(Method::PUT, &format!("/api/v1/projects/{id}/reports/2020-03"), Some(json!({"cumulative_investment": "1"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Bad input names the field; nothing is written.
        let bad = [
            (json!({"code": "", "name": "x", "pillar": "环境美", "total_investment": "1"}), "code"),
            (json!({"code": "B1", "name": "x", "pillar": "美观", "total_investment": "1"}), "pillar"),
            (json!({"code": "B1", "name": "x", "pillar": "环境美", "total_investment": "一百"}), "total_investment"),
            (json!({"code": "B1", "name": "x", "pillar": "环境美", "total_investment": "100", "plans": [{"year": 2020, "amount": "200"}]}), "plans"),
            (json!({"code": "B1", "name": "x", "pillar": "环境美", "total_investment": "100", "planned_start": "2020-13-01"}), "planned_start"),
        ];
        for (body, field) in bad {
            let r = baita.send(Method::POST, "/api/v1/regions/331024103/projects", Some(body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text());
            assert_eq!(r.json()["error"]["field"], field, "{}", r.text());
        }
        let r = baita.send(Method::POST, "/api/v1/regions/331024103/projects", Some(project("BT-SECRET", "1", "1", "", ""))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(baita.get("/api/v1/projects").await.json()["total"], 1);
        // The page flow: create through the form, then report through the form.
        let r = baita.form("/projects/new", &[("town", "331024103"), ("code", "BT-F1"), ("name", "表单项目"), ("pillar", "life"), ("total_investment", "80"), ("plan_year", "2020"), ("plan_amount", "80"), ("status", "not_started")], true).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let loc = r.location();
        let r = baita.form(&format!("{}/report", loc.split('?').next().unwrap_or("")), &[("month", "2020-07"), ("cumulative_investment", "20"), ("status", "in_progress")], true).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // A refused report keeps what was typed (month included) so the retry
        // cannot land in another month.
        let r = baita.form(&format!("{}/report", loc.split('?').next().unwrap_or("")), &[("month", "2020-08"), ("cumulative_investment", "5"), ("status", "in_progress"), ("progress_text", "路面施工")], true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text();
        assert!(page.contains("value=\"2020-08\"") && page.contains("value=\"5\"") && page.contains("路面施工") && page.contains("未保存"), "draft kept");
        let html = baita.get(loc.split('?').next().unwrap_or("")).await.text();
        assert!(html.contains("2020-07") && html.contains("20.00"));
    })
    .await;
}

/// The same figures on the page, in the API, in the Excel ranking and in the
/// Word report.
#[tokio::test]
async fn page_api_excel_and_word_agree() {
    use calamine::Reader;
    use std::io::Read;
    on_each_engine(|app| async move {
        let mut town = Client::login(&app, "xj.baita").await;
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/projects",
                Some(project("AG-01", "1000", "800", "2020-02", "2020-11")),
            )
            .await;
        let id = r.json()["id"].as_i64().unwrap_or(0);
        let r = town
            .send(
                Method::PUT,
                &format!("/api/v1/projects/{id}/reports/2020-05"),
                Some(json!({"cumulative_investment": "333.33", "status": "在建"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut yh = Client::login(&app, "yh.chumen").await;
        let r = yh
            .send(
                Method::POST,
                "/api/v1/regions/331083102/projects",
                Some(project("AG-02", "500", "400", "2020-03", "2020-12")),
            )
            .await;
        let id2 = r.json()["id"].as_i64().unwrap_or(0);
        yh.send(
            Method::PUT,
            &format!("/api/v1/projects/{id2}/reports/2020-05"),
            Some(json!({"cumulative_investment": "100", "status": "在建"})),
        )
        .await;

        let mut city = Client::login(&app, "tz.office").await;
        let api = city
            .get("/api/v1/regions/3310/project-stats?year=2020&month=5")
            .await
            .json();
        let completed = api["completed_investment_fen"].as_i64().unwrap_or(0);
        assert_eq!(completed, 433_330_000);
        let rate = api["investment_completion_rate"].as_f64().unwrap_or(0.0);
        let rate_text = format!("{:.2}%", rate * 100.0);
        // Page.
        let html = city.get("/progress/3310?month=2020-05").await.text();
        assert!(
            html.contains("433.33") && html.contains(&rate_text),
            "page shows {rate_text}"
        );
        // Excel ranking: the 合计 row carries the same amounts and rate.
        let x = city.get("/progress/3310/export.xlsx?month=2020-05").await;
        assert_eq!(x.status, StatusCode::OK);
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(x.body.clone()))
            .expect("xlsx");
        let sheet = wb.sheet_names().first().cloned().expect("sheet");
        let range = wb.worksheet_range(&sheet).expect("range");
        let total = range
            .rows()
            .find(|r| matches!(r.get(1), Some(calamine::Data::String(s)) if s == "合计"))
            .map(|r| r.to_vec())
            .expect("合计 row");
        let wan = |c: &calamine::Data| c.to_string().parse::<f64>().unwrap_or(-1.0);
        assert!((wan(&total[8]) - 433.33).abs() < 1e-9, "{:?}", total);
        assert!((total[9].to_string().parse::<f64>().unwrap_or(-1.0) - rate).abs() < 1e-12);
        // Word: the headline paragraph names the same figures.
        let d = city
            .get("/api/v1/regions/3310/progress-report?month=2020-05")
            .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.text());
        let mut zip =
            zip::ZipArchive::new(std::io::Cursor::new(d.body.clone())).expect("docx is a zip");
        let mut doc = String::new();
        zip.by_name("word/document.xml")
            .expect("document part")
            .read_to_string(&mut doc)
            .expect("utf-8");
        assert!(
            doc.contains("0.04"),
            "433.33 万元 = 0.04 亿元 in the headline"
        );
        assert!(doc.contains(&rate_text), "Word shows {rate_text}");
        assert!(doc.contains("仙居县") && doc.contains("玉环市"));
        // Another county cannot have the city's report.
        let mut county = Client::login(&app, "yh.office").await;
        assert_eq!(
            county
                .get("/api/v1/regions/3310/progress-report?month=2020-05")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

/// 意见与回复: the county comments on a town's project, the town replies, both
/// read the one thread on the page and in the API; other counties and towns
/// see nothing, read-only roles cannot write, bad text is refused in Chinese,
/// and every comment is in the audit log.
#[tokio::test]
async fn comments_thread_in_scope_and_audited() {
    on_each_engine(|app| async move {
        let mut town = Client::login(&app, "xj.baita").await;
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/projects",
                Some(project("CMT-01", "300", "300", "2020-03", "2020-12")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap_or(0);
        let api = format!("/api/v1/projects/{id}/comments");
        assert_eq!(town.get(&api).await.json(), json!([]));

        // The county office comments through the API (text trimmed, markup kept as text).
        let mut county = Client::login(&app, "xj.office").await;
        let r = county
            .send(
                Method::POST,
                &api,
                Some(json!({"body": "  请补充施工照片\n并说明<进度>  "})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let first = r.json();
        assert_eq!(first["body"], "请补充施工照片\n并说明<进度>");
        assert_eq!(first["author_role"], "county_office");
        assert_eq!(first["town_code"], "331024103");
        assert_eq!(first["project_id"], id);

        // The town replies through the page form and lands back on the thread.
        let r = town
            .form(
                &format!("/projects/{id}/comments"),
                &[("body", "已补充照片\r\n下周完成路面")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(
            r.location()
                .starts_with(&format!("/projects/{id}?done=saved#comment-")),
            "{}",
            r.location()
        );

        // Both read the thread in order, in the API and on the page.
        for c in [&mut county, &mut town] {
            let list = c.get(&api).await.json();
            let bodies: Vec<&str> = list
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["body"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(
                bodies,
                ["请补充施工照片\n并说明<进度>", "已补充照片\n下周完成路面"]
            );
            assert_eq!(list[1]["author_role"], "town_staff");
            let view = c.get(&format!("/api/v1/projects/{id}")).await.json();
            assert_eq!(view["comments"], list);
            let html = c.get(&format!("/projects/{id}")).await.text();
            let a = html.find("请补充施工照片<br>并说明&#60;进度&#62;");
            let b = html.find("已补充照片<br>下周完成路面");
            assert!(
                html.contains("意见与回复") && a.is_some() && b.is_some() && a < b,
                "thread on the page: {}",
                html.split("id=\"comments\"").nth(1).unwrap_or("")
            );
            assert!(
                html.contains("县美镇办") && html.contains("乡镇工作人员"),
                "role labels"
            );
            assert!(
                html.contains("action=\"/projects/") && html.contains("name=\"body\""),
                "form shown"
            );
        }

        // Other counties and other towns: the project is not there.
        for user in ["yh.office", "yh.chumen", "xj.hengxi"] {
            let mut c = Client::login(&app, user).await;
            assert_eq!(
                c.get(&api).await.status,
                StatusCode::NOT_FOUND,
                "{user} GET"
            );
            let r = c
                .send(Method::POST, &api, Some(json!({"body": "越权意见"})))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} POST: {}", r.text());
            let r = c
                .form(
                    &format!("/projects/{id}/comments"),
                    &[("body", "越权意见")],
                    true,
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} form");
        }
        // A leader reads the thread but cannot write to it; no form is shown.
        let mut leader = Client::login(&app, "tz.leader").await;
        assert_eq!(
            leader.get(&api).await.json().as_array().map(Vec::len),
            Some(2)
        );
        let r = leader
            .send(Method::POST, &api, Some(json!({"body": "领导批示"})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert_eq!(r.error_code(), "forbidden");
        let html = leader.get(&format!("/projects/{id}")).await.text();
        assert!(
            html.contains("请补充施工照片") && !html.contains("name=\"body\""),
            "leader reads only"
        );

        // Empty or overlong text is refused with a Chinese message; the form keeps the draft.
        for (body, word) in [("   ", "请填写意见内容"), (&*"字".repeat(1001), "1000")] {
            let r = county
                .send(Method::POST, &api, Some(json!({"body": body})))
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
            assert_eq!(r.error_code(), "invalid_input");
            assert_eq!(r.json()["error"]["field"], "body");
            assert!(
                r.json()["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(word),
                "{}",
                r.text()
            );
        }
        let r = county.send(Method::POST, &api, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let long = format!("{}<b>", "意".repeat(1000));
        let r = county
            .form(
                &format!("/projects/{id}/comments"),
                &[("body", &long)],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text();
        assert!(
            page.contains("未发表")
                && page.contains("不能超过 1000 个字")
                && page.contains("&#60;b&#62;</textarea>"),
            "draft kept"
        );
        assert_eq!(
            county.get(&api).await.json().as_array().map(Vec::len),
            Some(2),
            "nothing written"
        );

        // The audit log has both, under the town.
        let log = county
            .get("/api/v1/audit?entity=project_comment&per_page=50")
            .await
            .json();
        let items = log["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 2, "{log}");
        assert!(items
            .iter()
            .all(|e| e["action"] == "create" && e["region_code"] == "331024103"));
        assert!(items.iter().any(|e| e["actor_name"] == "xj.baita"
            && e["summary"].as_str().is_some_and(|s| s.contains("回复"))));
        assert!(items.iter().any(|e| e["actor_name"] == "xj.office"
            && e["summary"]
                .as_str()
                .is_some_and(|s| s.contains("CMT-01 项目"))));
    })
    .await;
}
