//! 工作总结 and 驾驶舱 over HTTP, on the 台州 demo: a county office generates
//! 仙居县's 2020 summary, edits and saves it (API and page), a stale save is
//! refused (409), the history keeps every version and the Word file carries
//! the edit; the page's paragraph buttons work without script; bad input
//! and scope (another county: 404, its list empty; a leader reads but may
//! not save: 403); the dashboard shows the figures the summary cites.

use super::support::*;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::io::{Cursor, Read};

const COUNTY: &str = "331024"; // 仙居县
const EDITED: &str = "仙居县以美丽城镇建设为抓手，全面推进城乡融合发展（编辑稿）。";

fn document_xml(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip file");
    let mut file = archive
        .by_name("word/document.xml")
        .expect("word/document.xml");
    let mut xml = String::new();
    file.read_to_string(&mut xml).expect("utf-8 xml");
    xml
}

fn header_of(r: &Resp, name: header::HeaderName) -> String {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The draft's sections as the editor posts them, with the first paragraph
/// of the first section replaced by `first`.
fn edited_sections(view: &Value, first: &str) -> Value {
    let mut sections: Vec<Value> = view["draft"]["sections"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|s| json!({"key": s["key"], "heading": s["heading"], "paragraphs": s["paragraphs"]}))
        .collect();
    assert!(!sections.is_empty(), "a draft has sections");
    sections[0]["paragraphs"][0] = json!(first);
    Value::Array(sections)
}

/// The 台州 2020 project library and ledgers of `meizhen demo` (the test
/// app starts from accounts and regions alone).
async fn with_data(app: &App) {
    app.services.demo_projects().await.expect("demo projects");
    app.services.demo_ledgers().await.expect("demo ledgers");
}

async fn create(c: &mut Client, region: &str, period: &str) -> Resp {
    c.send(
        Method::POST,
        "/api/v1/summaries",
        Some(json!({"region": region, "period": period, "layout": "mechanism"})),
    )
    .await
}

#[tokio::test]
async fn generate_edit_save_history_and_export() {
    on_each_engine(|app| async move {
        with_data(&app).await;
        let mut office = Client::login(&app, "xj.office").await;

        // Generate: revision 1, every cited figure either a value or listed as missing.
        let r = create(&mut office, COUNTY, "2020").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let v = r.json();
        let id = v["summary"]["id"].as_i64().expect("summary id");
        assert_eq!(v["revision"], 1);
        assert_eq!(v["latest_revision"], 1);
        assert_eq!(v["summary"]["region_code"], COUNTY);
        assert_eq!(v["summary"]["period"], "2020");
        assert_eq!(v["draft"]["layout"], "mechanism");
        let title = v["draft"]["title"].as_str().unwrap_or_default().to_owned();
        assert!(title.contains("仙居县"), "{title}");
        let projects = &v["draft"]["figures"]["projects"];
        assert!(projects["raw"].as_i64().unwrap_or(0) > 0, "{projects}");
        assert!(projects["source"]
            .as_str()
            .unwrap_or_default()
            .starts_with("/projects?"));
        for m in v["missing"].as_array().cloned().unwrap_or_default() {
            assert!(m["value"].is_null(), "missing figures have no value: {m}");
        }
        // Every figure's link opens its list for this user (a filter the list
        // does not understand would answer 422, a wrong path 404).
        let sources: std::collections::BTreeSet<String> = v["draft"]["figures"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .values()
            .filter_map(|f| f["source"].as_str().map(str::to_owned))
            .collect();
        assert!(sources.len() > 5, "{sources:?}");
        for src in &sources {
            let r = office.get(src).await;
            assert_eq!(r.status, StatusCode::OK, "{src}: {}", r.text());
        }
        // The media counts' links list exactly the reports counted.
        for key in ["media_high", "media_local", "media_total"] {
            let f = &v["draft"]["figures"][key];
            let src = f["source"].as_str().unwrap_or_default();
            assert!(src.starts_with("/ledgers/media-reports?"), "{key}: {f}");
            assert!(f["raw"].as_i64().unwrap_or(0) > 0, "{key}: {f}");
            let r = office.get(&format!("/api/v1{src}")).await;
            assert_eq!(r.json()["total"], f["raw"], "{key}: {src}");
        }

        // Listed, and readable by id.
        let r = office.get("/api/v1/summaries").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["total"], 1);
        assert_eq!(r.json()["items"][0]["id"], id);
        let r = office
            .get(&format!("/api/v1/summaries?region={COUNTY}&year=2020"))
            .await;
        assert_eq!(r.json()["total"], 1);
        let r = office.get("/api/v1/summaries?year=2019").await;
        assert_eq!(r.json()["total"], 0);
        let r = office.get(&format!("/api/v1/summaries/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let original_first = r.json()["draft"]["sections"][0]["paragraphs"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        // Save an edit on revision 1: revision 2.
        let body = json!({
            "base_revision": 1,
            "title": title,
            "sections": edited_sections(&v, EDITED),
            "note": "改写开头"
        });
        let r = office
            .send(
                Method::PUT,
                &format!("/api/v1/summaries/{id}"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let saved = r.json();
        assert_eq!(saved["revision"], 2);
        assert_eq!(saved["draft"]["sections"][0]["paragraphs"][0], EDITED);
        assert_eq!(
            saved["draft"]["figures"], v["draft"]["figures"],
            "the figures stay with the summary"
        );

        // The same edit again on revision 1: someone saved meanwhile.
        let r = office
            .send(Method::PUT, &format!("/api/v1/summaries/{id}"), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert_eq!(r.error_code(), "conflict");

        // Bad edits: 422.
        let r = office
            .send(
                Method::PUT,
                &format!("/api/v1/summaries/{id}"),
                Some(
                    json!({"base_revision": 2, "title": " ", "sections": edited_sections(&v, "x")}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

        // History: two revisions, newest first, with author and note.
        let r = office
            .get(&format!("/api/v1/summaries/{id}/revisions"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let revs = r.json();
        assert_eq!(revs.as_array().map(Vec::len), Some(2), "{revs}");
        assert_eq!(revs[0]["revision"], 2);
        assert_eq!(revs[0]["note"], "改写开头");
        assert_eq!(revs[1]["revision"], 1);
        assert!(!revs[0]["author_name"]
            .as_str()
            .unwrap_or_default()
            .is_empty());

        // Any revision, as it was.
        let r = office
            .get(&format!("/api/v1/summaries/{id}/revisions/1"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["revision"], 1);
        assert_eq!(r.json()["latest_revision"], 2);
        assert_eq!(
            r.json()["draft"]["sections"][0]["paragraphs"][0],
            original_first.as_str()
        );
        let r = office
            .get(&format!("/api/v1/summaries/{id}/revisions/9"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = office
            .get(&format!("/api/v1/summaries/{id}/revisions/abc"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Word: the latest carries the edit, revision 1 does not.
        let r = office.get(&format!("/api/v1/summaries/{id}/docx")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            header_of(&r, header::CONTENT_TYPE),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert!(header_of(&r, header::CONTENT_DISPOSITION).contains("filename*=UTF-8''"));
        let xml = document_xml(&r.body);
        assert!(xml.contains(EDITED), "the edit is in the Word file");
        let r = office
            .get(&format!("/api/v1/summaries/{id}/docx?revision=1"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!document_xml(&r.body).contains(EDITED));

        // Audited: the creation and the save.
        let id_text = id.to_string();
        let r = office.get("/api/v1/audit?entity=summary").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let actions: Vec<String> = r.json()["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|e| e["entity_id"] == id_text.as_str())
            .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(actions.len(), 2, "{actions:?}");
        assert!(actions.contains(&"create".to_owned()) && actions.contains(&"update".to_owned()));

        // Pages: the list, the editor with labelled textareas and figure links.
        let r = office.get("/summaries").await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(html.contains(&format!("href=\"/summaries/{id}\"")));
        assert!(html.contains("生成工作总结"));
        assert!(html.contains("第 2 版"));
        let r = office.get(&format!("/summaries/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(
            html.contains("name=\"base_revision\" value=\"2\""),
            "hidden base revision"
        );
        assert!(html.contains("<label for=\"t-0-0\">第 1 段"));
        assert!(html.contains(EDITED));
        assert!(
            html.contains("class=\"fig\" href=\"/projects?"),
            "figures link to their lists"
        );
        assert!(html.contains(&format!("href=\"/summaries/{id}/export.docx\"")));

        // A paragraph button re-renders the form unsaved (no new revision).
        let sections = saved["draft"]["sections"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut fields: Vec<(String, String)> = vec![
            ("base_revision".into(), "2".into()),
            ("title".into(), title.clone()),
        ];
        for (i, s) in sections.iter().enumerate() {
            fields.push((
                format!("s{i}.key"),
                s["key"].as_str().unwrap_or_default().into(),
            ));
            fields.push((
                format!("s{i}.heading"),
                s["heading"].as_str().unwrap_or_default().into(),
            ));
            for p in s["paragraphs"].as_array().cloned().unwrap_or_default() {
                fields.push((format!("s{i}.p"), p.as_str().unwrap_or_default().into()));
            }
        }
        let mut with_op = fields.clone();
        with_op.push(("op".into(), "add.0.0".into()));
        let refs: Vec<(&str, &str)> = with_op
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let r = office.form(&format!("/summaries/{id}"), &refs, true).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(html.contains("尚未保存"));
        assert!(
            html.contains(
                "<textarea id=\"t-0-0\" name=\"s0.p\" rows=\"5\" maxlength=\"5000\"></textarea>"
            ),
            "an empty paragraph at the top"
        );
        let r = office.get(&format!("/api/v1/summaries/{id}")).await;
        assert_eq!(
            r.json()["revision"],
            2,
            "nothing saved by a paragraph button"
        );

        // Save through the page: revision 3, then a stale page save is a 409 with a link.
        let mut save = fields.clone();
        save.push(("note".into(), "网页修改".into()));
        save.push(("op".into(), "save".into()));
        let refs: Vec<(&str, &str)> = save.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = office.form(&format!("/summaries/{id}"), &refs, true).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/summaries/{id}?done=saved"));
        let r = office.form(&format!("/summaries/{id}"), &refs, true).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let html = r.text();
        assert!(
            html.contains("最新版本（第 3 版）"),
            "conflict names the latest"
        );
        assert!(html.contains(EDITED), "the typed text is kept");

        // History and revision pages, Word through the page routes.
        let r = office.get(&format!("/summaries/{id}/history")).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(html.contains("共 3 个版本"));
        assert!(html.contains("网页修改"));
        assert!(html.contains(&format!("/summaries/{id}/export.docx?revision=1")));
        let r = office.get(&format!("/summaries/{id}/revisions/1")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("第 1 版（只读）"));
        assert!(!r.text().contains("<textarea"));
        let r = office
            .get(&format!("/summaries/{id}/export.docx?revision=3"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(document_xml(&r.body).contains(EDITED));

        // Generating through the page redirects to the new editor.
        let r = office
            .form(
                "/summaries",
                &[
                    ("region", COUNTY),
                    ("year", "2020"),
                    ("half", "1"),
                    ("layout", "wumei"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(r.location().ends_with("?done=created"), "{}", r.location());
        let r = office.get("/api/v1/summaries").await;
        assert_eq!(r.json()["total"], 2);

        // Bad input: a period that does not exist, a layout, no data at all.
        let r = create(&mut office, COUNTY, "2020H3").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = office
            .send(
                Method::POST,
                "/api/v1/summaries",
                Some(json!({"region": COUNTY, "period": "2020", "layout": "月报"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = create(&mut office, COUNTY, "2005").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("没有任何数据"));
        let r = office
            .form(
                "/summaries",
                &[
                    ("region", COUNTY),
                    ("year", "2005"),
                    ("half", ""),
                    ("layout", "mechanism"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("没有任何数据"));
    })
    .await;
}

#[tokio::test]
async fn scope_roles_and_dashboard() {
    on_each_engine(|app| async move {
        with_data(&app).await;
        let mut office = Client::login(&app, "xj.office").await;
        let r = create(&mut office, COUNTY, "2020").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let v = r.json();
        let id = v["summary"]["id"].as_i64().expect("summary id");

        // Another county: nothing listed, 404 by id, no dashboard, no generating ours.
        let mut other = Client::login(&app, "yh.office").await;
        let r = other.get("/api/v1/summaries").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["total"], 0);
        for path in [
            format!("/api/v1/summaries/{id}"),
            format!("/api/v1/summaries/{id}/revisions"),
            format!("/api/v1/summaries/{id}/revisions/1"),
            format!("/api/v1/summaries/{id}/docx"),
            format!("/api/v1/regions/{COUNTY}/dashboard?year=2020"),
        ] {
            let r = other.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
        }
        for path in [
            format!("/summaries/{id}"),
            format!("/summaries/{id}/history"),
            format!("/dashboard/{COUNTY}?year=2020"),
        ] {
            let r = other.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = other.get("/summaries").await;
        assert!(r.text().contains("没有符合条件的工作总结"));
        // Another county's region is not found, as for every read.
        let r = create(&mut other, COUNTY, "2020").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        assert_eq!(other.get("/api/v1/summaries").await.json()["total"], 0);
        let r = other
            .send(
                Method::PUT,
                &format!("/api/v1/summaries/{id}"),
                Some(
                    json!({"base_revision": 1, "title": "t", "sections": edited_sections(&v, "x")}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // A leader of the city reads and exports but may not save or generate.
        let mut leader = Client::login(&app, "tz.leader").await;
        let r = leader.get(&format!("/api/v1/summaries/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = leader.get(&format!("/api/v1/summaries/{id}/docx")).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = leader
            .send(
                Method::PUT,
                &format!("/api/v1/summaries/{id}"),
                Some(
                    json!({"base_revision": 1, "title": "t", "sections": edited_sections(&v, "x")}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let r = create(&mut leader, COUNTY, "2020").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = leader.get(&format!("/summaries/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(!html.contains("<textarea"), "no editor for a reader");
        assert!(html.contains("summary-doc"), "the document instead");
        let r = leader.get("/summaries").await;
        assert!(!r.text().contains("name=\"layout\""), "no generate form");

        // A town of the county does not see the county's summary.
        let mut town = Client::login(&app, "xj.baita").await;
        let r = town.get(&format!("/api/v1/summaries/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The dashboard: the summary's figures, the counties ranked with drill-down.
        let mut city = Client::login(&app, "tz.office").await;
        let r = city
            .get(&format!("/api/v1/regions/{COUNTY}/dashboard?year=2020"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let d = r.json();
        let figures = &v["draft"]["figures"];
        assert_eq!(
            d["facts"]["projects"]["current"]["projects"], figures["projects"]["raw"],
            "the dashboard and the summary count the same projects"
        );
        assert_eq!(
            d["facts"]["projects"]["current"]["completed_investment_fen"],
            figures["completed_investment"]["raw"]
        );
        let stats = city
            .get(&format!(
                "/api/v1/regions/{COUNTY}/project-stats?year=2020&month=12"
            ))
            .await
            .json();
        assert_eq!(
            d["facts"]["projects"]["current"]["projects"],
            stats["projects"]
        );
        assert_eq!(d["trend"].as_array().map(|t| t.is_empty()), Some(false));

        let r = city.get("/api/v1/regions/3310/dashboard?year=2020").await;
        assert_eq!(r.status, StatusCode::OK);
        let d = r.json();
        let children = d["children"].as_array().cloned().unwrap_or_default();
        assert!(children.iter().any(|c| c["code"] == COUNTY));
        let r = city.get("/dashboard/3310?year=2020").await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(html.contains("驾驶舱"));
        assert!(
            html.contains(&format!("href=\"/dashboard/{COUNTY}?year=2020\"")),
            "drill-down"
        );
        assert!(html.contains("<svg"), "charts");
        for module in [
            "项目推进",
            "暗访督查",
            "问题整改",
            "宣传报道",
            "专家服务",
            "会议",
            "工作专班",
            "镇级指标",
        ] {
            assert!(html.contains(module), "{module}");
        }
        let r = city.get("/dashboard").await;
        assert_eq!(r.location(), "/dashboard/3310");
        let r = city.get("/api/v1/regions/3310/dashboard?year=abc").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);

        // The OpenAPI document describes the new routes.
        let doc = city.get("/api/v1/openapi.json").await.json();
        for p in [
            "/api/v1/summaries",
            "/api/v1/summaries/{id}",
            "/api/v1/summaries/{id}/revisions",
            "/api/v1/summaries/{id}/revisions/{revision}",
            "/api/v1/summaries/{id}/docx",
            "/api/v1/regions/{code}/dashboard",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} documented");
        }
        assert!(doc["paths"]["/api/v1/summaries/{id}"]["put"].is_object());
    })
    .await;
}
