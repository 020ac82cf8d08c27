//! 台账 through the API and the pages, on both engines: every record type's
//! round trip, refused input as structured 422s, who may write, county
//! scope (lists, ids, exports), Excel export and import.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use calamine::Reader;
use serde_json::{json, Value};

const API: &str = "/api/v1/ledgers";

async fn post(c: &mut Client, kind: &str, body: Value) -> Resp {
    c.send(Method::POST, &format!("{API}/{kind}"), Some(body))
        .await
}

/// Creates a record and returns it (201 expected).
async fn created(c: &mut Client, kind: &str, body: Value) -> Value {
    let r = post(c, kind, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{kind}: {}", r.text());
    let v = r.json();
    assert!(v["id"].as_i64().is_some_and(|i| i > 0), "{v}");
    v
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().expect("an id")
}

async fn list(c: &mut Client, kind: &str, query: &str) -> Value {
    let r = c.get(&format!("{API}/{kind}?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{kind}?{query}: {}", r.text());
    r.json()
}

/// Asserts a structured 422 naming the field.
fn assert_invalid(r: &Resp, field: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = &r.json()["error"];
    assert_eq!(e["code"], "invalid_input", "{e}");
    assert_eq!(e["field"], field, "{e}");
    let msg = e["message"].as_str().unwrap_or("");
    assert!(
        msg.chars()
            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
        "Chinese message: {msg}"
    );
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("a valid xlsx");
    let name = wb.sheet_names().first().cloned().expect("a sheet");
    let range = wb.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn is_xlsx(r: &Resp) -> bool {
    r.status == StatusCode::OK
        && r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("spreadsheetml"))
}

/// Creates a record from `input` and returns (record, input).
async fn made(c: &mut Client, kind: &str, input: Value) -> (Value, Value) {
    (created(c, kind, input.clone()).await, input)
}

/// Reads a record back, changes it with PUT (its input with `changes`),
/// reads the change, deletes it and finds it gone.
async fn update_and_delete(c: &mut Client, kind: &str, rec: &(Value, Value), changes: Value) {
    let (v, input) = rec;
    let id = id_of(v);
    let item = format!("{API}/{kind}/{id}");
    let r = c.get(&item).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["id"], id);
    let mut body = input.clone();
    for (k, x) in changes.as_object().cloned().unwrap_or_default() {
        body[&k] = x;
    }
    let r = c.send(Method::PUT, &item, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{kind} update: {}", r.text());
    let after = c.get(&item).await.json();
    for (k, x) in changes.as_object().cloned().unwrap_or_default() {
        // Counts come back as numbers, text as sent.
        match &after[&k] {
            Value::Number(n) => assert_eq!(
                Some(n.to_string()),
                x.as_str().map(str::to_owned),
                "{kind}.{k}"
            ),
            Value::String(_) => assert_eq!(after[&k], x, "{kind}.{k}"),
            _ => {}
        }
    }
    let r = c.send(Method::DELETE, &item, None).await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "{kind} delete: {}",
        r.text()
    );
    let r = c.get(&item).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
}

#[tokio::test]
async fn every_ledger_round_trips_through_the_api() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        let mut baita = Client::login(&app, "xj.baita").await;

        // 专家名录.
        let expert = made(
            &mut county,
            "experts",
            json!({"region_code": "331024", "name": "吴测试", "role": "首席设计师", "organisation": "测试规划设计院", "phone": "１３９００００００００"}),
        )
        .await;
        assert_eq!(expert.0["role"], "chief_designer");
        assert_eq!(expert.0["region_name"], "仙居县");
        assert_eq!(expert.0["phone"], "13900000000", "full-width digits read");
        let eid = id_of(&expert.0);
        let l = list(&mut county, "experts", "q=测试规划&role=chief_designer").await;
        assert_eq!(l["total"], 1, "{l}");
        assert_eq!(l["items"][0]["id"], eid);
        let l = list(&mut county, "experts", "q=测试规划&role=team_member").await;
        assert_eq!(l["total"], 0);

        // 结对 and 服务 name the expert; the town's staff log a service.
        let pairing = made(
            &mut county,
            "expert-pairings",
            json!({"expert_id": eid, "town_code": "331024103", "kind": "双师", "starts_on": "2020.3"}),
        )
        .await;
        assert_eq!(pairing.0["kind"], "dual_designer");
        assert_eq!(pairing.0["starts_on"], "2020-03-01");
        assert_eq!(pairing.0["expert_name"], "吴测试");
        let l = list(&mut county, "expert-pairings", &format!("expert={eid}")).await;
        assert_eq!(l["total"], 1);
        let service = made(
            &mut baita,
            "expert-services",
            json!({"town_code": "331024103", "expert_id": eid, "served_on": "2020年6月18日", "service_type": "现场指导", "content": "老街立面方案", "opinions_given": "5", "opinions_adopted": "3"}),
        )
        .await;
        assert_eq!(service.0["served_on"], "2020-06-18");
        assert_eq!(service.0["opinions_adopted"], 3);
        let l = list(
            &mut county,
            "expert-services",
            &format!("expert={eid}&year=2020&service_type=onsite_guidance"),
        )
        .await;
        assert_eq!(l["total"], 1, "{l}");
        let l = list(&mut county, "expert-services", &format!("expert={eid}&year=2019")).await;
        assert_eq!(l["total"], 0);
        update_and_delete(
            &mut baita,
            "expert-services",
            &service,
            json!({"content": "老街立面方案（复审）", "opinions_given": "6", "opinions_adopted": "6"}),
        )
        .await;
        update_and_delete(
            &mut county,
            "expert-pairings",
            &pairing,
            json!({"kind": "pairing", "ends_on": "2020-12-31"}),
        )
        .await;
        update_and_delete(
            &mut county,
            "experts",
            &expert,
            json!({"title": "高级工程师", "team": "仙居县专家组"}),
        )
        .await;

        // 宣传报道, 会议, 工作专班.
        let report = made(
            &mut county,
            "media-reports",
            json!({"region_code": "331024", "published_on": "2020-07-02", "title": "仙居美丽城镇测试报道", "outlet": "浙江日报", "level": "省级", "medium": "报刊"}),
        )
        .await;
        assert_eq!(report.0["level"], "provincial");
        let l = list(&mut county, "media-reports", "q=测试报道&year=2020&level=provincial&medium=print").await;
        assert_eq!(l["total"], 1);
        let l = list(&mut county, "media-reports", "q=测试报道&level=central").await;
        assert_eq!(l["total"], 0);
        update_and_delete(
            &mut county,
            "media-reports",
            &report,
            json!({"link": "https://zjrb.example.cn/a/1", "level": "city"}),
        )
        .await;
        let meeting = made(
            &mut baita,
            "meetings",
            json!({"region_code": "331024103", "held_on": "2020-05-20", "kind": "推进会", "title": "白塔镇测试推进会", "decisions": "月底前完成立面改造"}),
        )
        .await;
        assert_eq!(meeting.0["level"], "town", "level defaults to the region's");
        let l = list(&mut county, "meetings", "q=测试推进会&kind=progress&level=town&year=2020").await;
        assert_eq!(l["total"], 1);
        update_and_delete(
            &mut baita,
            "meetings",
            &meeting,
            json!({"place": "白塔镇政府三楼", "host": "镇长"}),
        )
        .await;
        let member = made(
            &mut county,
            "work-teams",
            json!({"region_code": "331024", "name": "测专班", "home_unit": "县住建局", "post": "综合组", "starts_on": "2020-03-01", "ends_on": "2020-12-31"}),
        )
        .await;
        let l = list(&mut county, "work-teams", "q=测专班&year=2020").await;
        assert_eq!(l["total"], 1);
        let l = list(&mut county, "work-teams", "q=测专班&year=2021").await;
        assert_eq!(l["total"], 0, "not seconded in 2021");
        update_and_delete(&mut county, "work-teams", &member, json!({"post": "项目组"})).await;

        // 镇级指标: the county defines, the town enters its value.
        let ind = made(
            &mut county,
            "indicators",
            json!({"region_code": "331024", "code": "test_courtyard", "name": "测试美丽庭院", "unit": "户", "period": "年度", "aggregation": "求和", "target": "1,200"}),
        )
        .await;
        assert_eq!(ind.0["target_milli"], 1_200_000);
        let iid = id_of(&ind.0);
        let seen = list(&mut baita, "indicators", "q=测试美丽庭院").await;
        assert_eq!(seen["total"], 1, "towns see their county's indicators");
        let value = made(
            &mut baita,
            "indicator-values",
            json!({"indicator_id": iid, "town_code": "331024103", "period": "2020年", "value": "120.5户"}),
        )
        .await;
        assert_eq!(value.0["period"], "2020");
        assert_eq!(value.0["value_milli"], 120_500);
        let l = list(&mut county, "indicator-values", &format!("indicator={iid}&year=2020")).await;
        assert_eq!(l["total"], 1);
        update_and_delete(&mut baita, "indicator-values", &value, json!({"value": "130"})).await;
        update_and_delete(&mut county, "indicators", &ind, json!({"name": "测试美丽庭院户数"})).await;

        // Every write left an audit entry with the entity's own name.
        let audit = county
            .get("/api/v1/audit?entity=media_report&per_page=50")
            .await
            .json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
            .unwrap_or_default();
        for a in ["create", "update", "delete"] {
            assert!(actions.contains(&a), "{a} audited: {audit}");
        }
        let page = county.get("/audit?entity=indicator_value").await.text();
        assert!(page.contains("指标数值"), "audit label");
    })
    .await;
}

#[tokio::test]
async fn bad_input_and_who_may_write() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        let mut baita = Client::login(&app, "xj.baita").await;
        let mut hengxi = Client::login(&app, "xj.hengxi").await;
        let mut leader = Client::login(&app, "tz.leader").await;

        // Structured 422s naming the field, in Chinese.
        let r = post(&mut county, "experts", json!({"region_code": "331024", "name": " "})).await;
        assert_invalid(&r, "name");
        let r = post(
            &mut county,
            "media-reports",
            json!({"region_code": "331024", "published_on": "2020-07-02", "title": "t", "outlet": "o", "level": "国际", "medium": "报刊"}),
        )
        .await;
        assert_invalid(&r, "level");
        let r = post(
            &mut county,
            "media-reports",
            json!({"region_code": "331024", "published_on": "2020-13-40", "title": "t", "outlet": "o", "level": "省级", "medium": "报刊"}),
        )
        .await;
        assert_invalid(&r, "published_on");
        let r = post(
            &mut county,
            "media-reports",
            json!({"region_code": "331024", "published_on": "2020-07-02", "title": "t", "outlet": "o", "level": "省级", "medium": "报刊", "link": "javascript:alert(1)"}),
        )
        .await;
        assert_invalid(&r, "link");
        let expert = created(
            &mut county,
            "experts",
            json!({"region_code": "331024", "name": "校验专家", "role": "驻镇规划师"}),
        )
        .await;
        let eid = id_of(&expert);
        let r = post(
            &mut baita,
            "expert-services",
            json!({"town_code": "331024103", "expert_id": eid, "served_on": "2020-06-18", "service_type": "方案审查", "opinions_given": "2", "opinions_adopted": "3"}),
        )
        .await;
        assert_invalid(&r, "opinions_adopted");
        let r = post(
            &mut county,
            "work-teams",
            json!({"region_code": "331024", "name": "甲", "starts_on": "2020-06-01", "ends_on": "2020-01-01"}),
        )
        .await;
        assert_invalid(&r, "ends_on");
        let ind = created(
            &mut county,
            "indicators",
            json!({"region_code": "331024", "code": "test_q", "name": "季度测试指标", "unit": "个", "period": "quarter"}),
        )
        .await;
        let r = post(
            &mut baita,
            "indicator-values",
            json!({"indicator_id": id_of(&ind), "town_code": "331024103", "period": "2020-06", "value": "3"}),
        )
        .await;
        assert_invalid(&r, "period");
        // Values are entered for towns only.
        let r = post(
            &mut county,
            "indicator-values",
            json!({"indicator_id": id_of(&ind), "town_code": "331024", "period": "2020Q2", "value": "3"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        // Malformed JSON and wrong types are structured errors too.
        let r = county
            .send(Method::POST, &format!("{API}/experts"), Some(json!({"name": 5})))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_code(), "invalid_input");
        let r = county.get(&format!("{API}/media-reports?year=二〇二〇")).await;
        assert_invalid(&r, "year");

        // Leaders read but never write.
        let r = post(
            &mut leader,
            "media-reports",
            json!({"region_code": "3310", "published_on": "2020-07-02", "title": "领导稿", "outlet": "台州日报", "level": "市级", "medium": "报刊"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert_eq!(r.error_code(), "forbidden");
        let r = post(&mut leader, "experts", json!({"region_code": "3310", "name": "领导专家"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = leader
            .send(Method::DELETE, &format!("{API}/experts/{eid}"), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let seen = leader.get(&format!("{API}/experts/{eid}")).await;
        assert_eq!(seen.status, StatusCode::OK, "leaders read");
        // Town staff keep no experts and write only their own town.
        let r = post(&mut baita, "experts", json!({"region_code": "331024103", "name": "镇专家"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let theirs = created(
            &mut hengxi,
            "meetings",
            json!({"region_code": "331024101", "held_on": "2020-05-20", "kind": "例会", "title": "横溪镇例会"}),
        )
        .await;
        let hid = id_of(&theirs);
        let r = post(
            &mut baita,
            "meetings",
            json!({"region_code": "331024101", "held_on": "2020-05-21", "kind": "例会", "title": "代写横溪例会"}),
        )
        .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.text()
        );
        let r = baita
            .send(
                Method::PUT,
                &format!("{API}/meetings/{hid}"),
                Some(json!({"region_code": "331024103", "held_on": "2020-05-20", "kind": "例会", "title": "改成白塔的"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        let r = baita
            .send(Method::DELETE, &format!("{API}/meetings/{hid}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let still = hengxi.get(&format!("{API}/meetings/{hid}")).await.json();
        assert_eq!(still["title"], "横溪镇例会");
        // A town cannot move its record to the county either.
        let mine = created(
            &mut baita,
            "media-reports",
            json!({"region_code": "331024103", "published_on": "2020-08-01", "title": "白塔稿件", "outlet": "仙居新闻网", "level": "县级", "medium": "网络"}),
        )
        .await;
        let mut moved = mine.clone();
        moved["region_code"] = json!("331024");
        let r = baita
            .send(Method::PUT, &format!("{API}/media-reports/{}", id_of(&mine)), Some(moved))
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.text()
        );
        // Grid workers and inspectors get no 台账 in their sidebar.
        let mut grid = Client::login(&app, "xj.baita.grid").await;
        assert!(!grid.get("/").await.text().contains("专家名录"));
        let mut insp = Client::login(&app, "tz.inspector").await;
        assert!(!insp.get("/").await.text().contains("专家名录"));
        assert!(leader.get("/").await.text().contains("专家名录"));
    })
    .await;
}

#[tokio::test]
async fn another_county_sees_nothing() {
    on_each_engine(|app| async move {
        let mut yh = Client::login(&app, "yh.office").await;
        let mut chumen = Client::login(&app, "yh.chumen").await;
        let mut xj = Client::login(&app, "xj.office").await;
        let expert = made(
            &mut yh,
            "experts",
            json!({"region_code": "331083", "name": "玉环秘专家", "role": "首席设计师"}),
        )
        .await;
        let report = made(
            &mut yh,
            "media-reports",
            json!({"region_code": "331083", "published_on": "2020-07-02", "title": "玉环秘密报道", "outlet": "玉环新闻", "level": "县级", "medium": "网络"}),
        )
        .await;
        let meeting = made(
            &mut chumen,
            "meetings",
            json!({"region_code": "331083102", "held_on": "2020-05-20", "kind": "现场会", "title": "楚门秘密现场会"}),
        )
        .await;
        let member = made(
            &mut yh,
            "work-teams",
            json!({"region_code": "331083", "name": "玉环秘专班", "starts_on": "2020-01-01"}),
        )
        .await;
        let service = made(
            &mut chumen,
            "expert-services",
            json!({"town_code": "331083102", "expert_id": id_of(&expert.0), "served_on": "2020-06-01", "service_type": "培训授课", "content": "楚门秘密培训"}),
        )
        .await;
        let ind = made(
            &mut yh,
            "indicators",
            json!({"region_code": "331083", "code": "yh_secret", "name": "玉环秘指标", "unit": "个", "period": "year"}),
        )
        .await;
        let value = made(
            &mut chumen,
            "indicator-values",
            json!({"indicator_id": id_of(&ind.0), "town_code": "331083102", "period": "2020", "value": "7"}),
        )
        .await;
        let all = [
            ("experts", &expert, "玉环秘专家"),
            ("media-reports", &report, "玉环秘密报道"),
            ("meetings", &meeting, "楚门秘密现场会"),
            ("work-teams", &member, "玉环秘专班"),
            ("expert-services", &service, "楚门秘密培训"),
            ("indicators", &ind, "玉环秘指标"),
            ("indicator-values", &value, "楚门"),
        ];
        for (kind, (rec, input), secret) in all {
            let id = id_of(rec);
            // Lists: nothing, whatever the filter.
            let l = list(&mut xj, kind, "per_page=200").await;
            assert!(!l.to_string().contains(secret), "{kind} list: {l}");
            let l = list(&mut xj, kind, "region=331083").await;
            assert_eq!(l["total"], 0, "{kind} narrowed to another county");
            // By id: 404 for read, update and delete.
            let item = format!("{API}/{kind}/{id}");
            let r = xj.get(&item).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{kind}: {}", r.text());
            assert!(!r.text().contains(secret));
            let r = xj.send(Method::PUT, &item, Some(input.clone())).await;
            assert!(
                r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
                "{kind} update: {}",
                r.text()
            );
            let r = xj.send(Method::DELETE, &item, None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{kind} delete");
            // Pages.
            let path = match kind {
                "expert-services" => "/ledgers/expert-services".to_owned(),
                "indicator-values" => "/ledgers/indicator-values".to_owned(),
                k => format!("/ledgers/{k}"),
            };
            let html = xj.get(&format!("{path}?q={}", &secret[..3])).await;
            assert_eq!(html.status, StatusCode::OK);
            assert!(!html.text().contains(secret), "{kind} page");
            let edit = xj.get(&format!("{path}/{id}/edit")).await;
            assert_eq!(edit.status, StatusCode::NOT_FOUND, "{kind} edit page");
        }
        assert_eq!(
            xj.get(&format!("/ledgers/experts/{}", id_of(&expert.0))).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            xj.get(&format!("/ledgers/indicators/{}", id_of(&ind.0))).await.status,
            StatusCode::NOT_FOUND
        );
        // The creator still has everything.
        for (kind, (rec, _), _) in all {
            let r = yh.get(&format!("{API}/{kind}/{}", id_of(rec))).await;
            assert_eq!(r.status, StatusCode::OK, "{kind} for its own county");
        }
        // Posting a page form for another county's record changes nothing.
        let r = xj
            .form(&format!("/ledgers/media-reports/{}/delete", id_of(&report.0)), &[], true)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            yh.get(&format!("{API}/media-reports/{}", id_of(&report.0))).await.status,
            StatusCode::OK
        );
    })
    .await;
}

#[tokio::test]
async fn pages_list_create_edit_delete_with_csrf() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        // The sidebar group and every list page.
        for (path, title) in [
            ("/ledgers/experts", "专家名录"),
            ("/ledgers/expert-services", "专家服务"),
            ("/ledgers/media-reports", "宣传报道"),
            ("/ledgers/meetings", "会议"),
            ("/ledgers/work-teams", "工作专班"),
            ("/ledgers/indicators", "镇级指标"),
            ("/ledgers/indicator-values", "镇级指标数值"),
            ("/ledgers/expert-pairings", "专家结对"),
        ] {
            let r = county.get(path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
            let html = r.text();
            assert!(html.contains(&format!("<h1>{title}</h1>")), "{path}");
            assert!(html.contains("<h2>台账</h2>"), "sidebar group on {path}");
            assert!(html.contains("共 "), "total on {path}");
            assert!(
                html.contains(&format!("href=\"{path}/new\"")),
                "新增 on {path}"
            );
            assert!(html.contains("aria-label=\"当前位置\""));
            let new = county.get(&format!("{path}/new")).await;
            assert_eq!(new.status, StatusCode::OK, "{path}/new: {}", new.text());
            assert!(new.text().contains("name=\"_csrf\""));
        }
        let html = county.get("/ledgers/media-reports").await.text();
        assert!(
            html.contains("导出Excel") && html.contains("href=\"/ledgers/import/media-reports\"")
        );

        // Create by form: redirected to the new expert's page.
        let r = county
            .form(
                "/ledgers/experts/new",
                &[
                    ("region_code", "331024"),
                    ("name", "表单专家"),
                    ("role", "resident_planner"),
                    ("organisation", "表单设计院"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let loc = r.location();
        assert!(
            loc.starts_with("/ledgers/experts/") && loc.ends_with("?done=created"),
            "{loc}"
        );
        let page = loc.split('?').next().unwrap_or("").to_owned();
        let eid: i64 = page
            .rsplit('/')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let html = county.get(&loc).await.text();
        assert!(
            html.contains("表单专家") && html.contains("驻镇规划师") && html.contains("已创建")
        );
        // Without the token: refused, nothing created.
        let r = county
            .form(
                "/ledgers/experts/new",
                &[("region_code", "331024"), ("name", "无令牌专家")],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let l = list(&mut county, "experts", "q=无令牌专家").await;
        assert_eq!(l["total"], 0);
        // Refused input: the form again, 422, the reason, what was typed kept.
        let r = county
            .form(
                "/ledgers/media-reports/new",
                &[
                    ("region_code", "331024"),
                    ("published_on", "2020-02-30"),
                    ("title", "表单<报道>"),
                    ("outlet", "仙居报"),
                    ("level", "county"),
                    ("medium", "print"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(html.contains("role=\"alert\""), "{html}");
        assert!(
            html.contains("表单&lt;报道&gt;") || html.contains("表单&#60;报道&#62;"),
            "typed title kept, escaped"
        );
        assert!(
            html.contains("aria-invalid=\"true\""),
            "the field is marked"
        );
        let r = county
            .form(
                "/ledgers/expert-services/new",
                &[
                    ("town_code", "331024103"),
                    ("expert_id", &eid.to_string()),
                    ("served_on", "2020-06-18"),
                    ("service_type", "plan_review"),
                    ("opinions_given", "三"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("应为非负整数"), "{}", r.text());
        let r = county
            .form(
                "/ledgers/expert-services/new",
                &[
                    ("town_code", "331024103"),
                    ("expert_id", &eid.to_string()),
                    ("served_on", "2020-06-18"),
                    ("service_type", "plan_review"),
                    ("project_id", "第三个"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().contains("应为整数") && r.text().contains("value=\"第三个\""),
            "{}",
            r.text()
        );
        // A pairing from the expert's page, back to it.
        let new = county
            .get(&format!("/ledgers/expert-pairings/new?expert_id={eid}"))
            .await
            .text();
        assert!(
            new.contains(&format!("<option value=\"{eid}\" selected>")),
            "expert preselected"
        );
        let r = county
            .form(
                "/ledgers/expert-pairings/new",
                &[
                    ("expert_id", &eid.to_string()),
                    ("town_code", "331024103"),
                    ("kind", "pairing"),
                    ("starts_on", "2020-04-01"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/ledgers/experts/{eid}?done=created"));
        let r = county
            .form(
                "/ledgers/expert-services/new",
                &[
                    ("town_code", "331024103"),
                    ("expert_id", &eid.to_string()),
                    ("served_on", "2020-06-18"),
                    ("service_type", "plan_review"),
                    ("opinions_given", "4"),
                    ("opinions_adopted", "4"),
                    ("content", "表单审查"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = county.get(&page).await.text();
        assert!(
            html.contains("结对帮扶") && html.contains("白塔镇"),
            "pairing listed"
        );
        assert!(html.contains("表单审查"), "service listed");
        // Edit by form.
        let r = county
            .form(
                &format!("/ledgers/experts/{eid}/edit"),
                &[
                    ("region_code", "331024"),
                    ("name", "表单专家"),
                    ("role", "resident_planner"),
                    ("organisation", "表单设计院"),
                    ("title", "正高级工程师"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let v = county.get(&format!("{API}/experts/{eid}")).await.json();
        assert_eq!(v["title"], "正高级工程师");
        let edit = county
            .get(&format!("/ledgers/experts/{eid}/edit"))
            .await
            .text();
        assert!(edit.contains("value=\"正高级工程师\""), "edit form filled");

        // Media reports: totals and counts by level over the filter.
        for (title, level) in [
            ("表单甲", "provincial"),
            ("表单乙", "provincial"),
            ("表单丙", "county"),
        ] {
            let r = county
                .form(
                    "/ledgers/media-reports/new",
                    &[
                        ("region_code", "331024"),
                        ("published_on", "2020-09-01"),
                        ("title", title),
                        ("outlet", "仙居报"),
                        ("level", level),
                        ("medium", "print"),
                    ],
                    true,
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            assert_eq!(r.location(), "/ledgers/media-reports?done=created");
        }
        let html = county
            .get("/ledgers/media-reports?q=表单&year=2020")
            .await
            .text();
        assert!(html.contains("共 3 条"), "total");
        assert!(
            html.contains("<div class=\"num\">2</div><div class=\"lbl\">省级</div>"),
            "by level"
        );
        assert!(html.contains("<div class=\"num\">1</div><div class=\"lbl\">县级</div>"));
        assert!(
            html.contains("href=\"/ledgers/media-reports/export.xlsx?year=2020&amp;q=")
                || html.contains("href=\"/ledgers/media-reports/export.xlsx?year=2020&#38;q="),
            "export keeps the filter"
        );
        // Delete by form.
        let l = list(&mut county, "media-reports", "q=表单丙").await;
        let rid = l["items"][0]["id"].as_i64().expect("id");
        let r = county
            .form(&format!("/ledgers/media-reports/{rid}/delete"), &[], true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/ledgers/media-reports?done=deleted");
        assert_eq!(
            list(&mut county, "media-reports", "q=表单丙").await["total"],
            0
        );

        // Indicators: definition by form, value by the inline form on its page.
        let r = county
            .form(
                "/ledgers/indicators/new",
                &[
                    ("region_code", "331024"),
                    ("code", "form_garbage"),
                    ("name", "垃圾分类示范村"),
                    ("unit", "个"),
                    ("period", "half"),
                    ("aggregation", "sum"),
                    ("higher_is_better", "true"),
                    ("target", "20"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let ipage = r.location().split('?').next().unwrap_or("").to_owned();
        let iid = ipage.rsplit('/').next().unwrap_or("").to_owned();
        let mut baita = Client::login(&app, "xj.baita").await;
        let html = baita.get(&ipage).await.text();
        assert!(
            html.contains("填报数值") && html.contains("2020H1"),
            "entry form for the town"
        );
        assert!(
            !html.contains("编辑指标定义"),
            "towns do not edit definitions"
        );
        let r = baita
            .form(
                "/ledgers/indicator-values/new",
                &[
                    ("indicator_id", &iid),
                    ("town_code", "331024103"),
                    ("period", "2020年上半年"),
                    ("value", "３"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("{ipage}?done=created"));
        let html = county.get(&format!("{ipage}?year=2020")).await.text();
        assert!(
            html.contains("2020H1") && html.contains("白塔镇") && html.contains("共 1 条"),
            "value listed"
        );

        // Leaders see the lists without the write buttons.
        let mut leader = Client::login(&app, "tz.leader").await;
        let html = leader.get("/ledgers/media-reports").await.text();
        assert!(html.contains("导出Excel"));
        assert!(!html.contains("/ledgers/media-reports/new") && !html.contains("/ledgers/import/"));
        let r = leader
            .form(
                "/ledgers/media-reports/new",
                &[
                    ("region_code", "3310"),
                    ("published_on", "2020-09-01"),
                    ("title", "领导表单"),
                    ("outlet", "台州日报"),
                    ("level", "city"),
                    ("medium", "print"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    })
    .await;
}

/// A publicity ledger as offices keep it: title, header, rows (a date as
/// text, one as an Excel date), a bad level, a repeated row and a 合计 row.
fn media_sheet() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "仙居县2020年美丽城镇宣传报道统计表")
        .expect("title");
    for (c, h) in [
        "序号",
        "发布日期",
        "报道标题",
        "媒体名称",
        "媒体级别",
        "媒体类型",
        "链接",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, u16::try_from(c).expect("col"), *h)
            .expect("header");
    }
    let rows: [[&str; 7]; 4] = [
        [
            "1",
            "2020.6.1",
            "导入稿件一",
            "浙江日报",
            "省级",
            "报纸",
            "",
        ],
        [
            "2",
            "",
            "导入稿件二",
            "仙居新闻",
            "县级",
            "网站",
            "https://xj.example.cn/2",
        ],
        [
            "3",
            "2020年6月3日",
            "导入稿件三",
            "某某报",
            "国际级",
            "报纸",
            "",
        ],
        [
            "4",
            "2020.6.1",
            "导入稿件一",
            "浙江日报",
            "省级",
            "报纸",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r).expect("row") + 2;
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r, u16::try_from(c).expect("col"), *v)
                .expect("cell");
        }
    }
    // Row 4 (Excel's numbering) carries a real date.
    ws.write_datetime_with_format(
        3,
        1,
        rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 6, 2).expect("date"),
        &date,
    )
    .expect("date");
    ws.write_string(6, 0, "合计").expect("total");
    ws.write_string(6, 2, "4 篇").expect("total");
    wb.save_to_buffer().expect("xlsx")
}

async fn upload(c: &mut Client, path: &str, bytes: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
        .body(Body::from(bytes))
        .expect("request");
    c.request(req).await
}

/// A multipart form with one file field and optional text fields.
fn multipart(file: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----meizhen-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"台账.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_multipart(
    c: &mut Client,
    path: &str,
    file: &[u8],
    fields: &[(&str, &str)],
) -> Resp {
    let (ct, body) = multipart(file, fields);
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, ct);
    if path.starts_with("/api/") {
        b = b.header("x-csrf-token", c.csrf.clone().unwrap_or_default());
    }
    c.request(b.body(Body::from(body)).expect("request")).await
}

#[tokio::test]
async fn excel_export_and_import() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        for (title, level, date) in [
            ("导出稿件甲", "provincial", "2020-03-01"),
            ("导出稿件乙", "county", "2020-04-01"),
            ("导出稿件丙", "county", "2019-04-01"),
        ] {
            created(
                &mut county,
                "media-reports",
                json!({"region_code": "331024", "published_on": date, "title": title, "outlet": "仙居报", "level": level, "medium": "print"}),
            )
            .await;
        }
        // The API export: the filter's rows, no others.
        let r = county
            .get(&format!("{API}/media-reports/export?year=2020&q=导出稿件"))
            .await;
        assert!(is_xlsx(&r), "{}", r.text());
        assert!(r
            .headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment")));
        let text = xlsx_rows(&r.body)
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\t");
        assert!(text.contains("导出稿件甲") && text.contains("导出稿件乙"), "{text}");
        assert!(!text.contains("导出稿件丙"), "2019 filtered out");
        // The page's export button: the same file.
        let r = county
            .get("/ledgers/media-reports/export.xlsx?year=2020&q=导出稿件&level=provincial")
            .await;
        assert!(is_xlsx(&r));
        let text = xlsx_rows(&r.body).into_iter().flatten().collect::<Vec<_>>().join("\t");
        assert!(text.contains("导出稿件甲") && !text.contains("导出稿件乙"), "{text}");
        // Another county's export has none of it.
        let mut yh = Client::login(&app, "yh.office").await;
        for kind in ["media-reports", "experts", "meetings", "work-teams", "expert-services", "indicator-values"] {
            let r = yh.get(&format!("{API}/{kind}/export")).await;
            assert!(is_xlsx(&r), "{kind}: {}", r.text());
            let text = xlsx_rows(&r.body).into_iter().flatten().collect::<Vec<_>>().join("\t");
            assert!(!text.contains("导出稿件") && !text.contains("仙居"), "{kind}: {text}");
        }
        // Nor may it ask for this county's.
        let r = yh.get(&format!("{API}/media-reports/export?region=331024")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        let r = yh.get("/ledgers/media-reports/export.xlsx?region=331024").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Import, dry run first: a full report, nothing saved.
        let path = format!("{API}/media-reports/import");
        let r = upload(&mut county, &format!("{path}?dry_run=true"), media_sheet()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["imported"], 2, "{v}");
        assert_eq!(v["dry_run"], true);
        let rejected = v["rejected"].as_array().cloned().unwrap_or_default();
        assert_eq!(rejected.len(), 1, "{v}");
        assert_eq!(rejected[0]["row"], 5, "Excel's row number: {v}");
        assert!(rejected[0]["reason"].as_str().is_some_and(|s| s.contains("国际级")), "{v}");
        assert_eq!(v["duplicates"], json!([{"row": 6, "first_row": 3}]));
        assert_eq!(list(&mut county, "media-reports", "q=导入稿件").await["total"], 0);
        // For real, then again: updated, not duplicated.
        let r = upload(&mut county, &path, media_sheet()).await;
        assert_eq!(r.json()["imported"], 2, "{}", r.text());
        let l = list(&mut county, "media-reports", "q=导入稿件&per_page=50").await;
        assert_eq!(l["total"], 2);
        let two = l["items"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["title"] == "导入稿件二"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(two["published_on"], "2020-06-02", "a real Excel date");
        assert_eq!(two["medium"], "online");
        assert_eq!(two["region_code"], "331024", "blank region: the importer's");
        let r = upload(&mut county, &path, media_sheet()).await;
        let v = r.json();
        assert_eq!((v["imported"].as_i64(), v["updated"].as_i64()), (Some(0), Some(2)), "{v}");
        assert_eq!(list(&mut county, "media-reports", "q=导入稿件").await["total"], 2);
        // Not a workbook: a clear 422.
        let r = upload(&mut county, &path, b"not excel at all".to_vec()).await;
        assert_invalid(&r, "file");
        // Multipart works too (an experts sheet).
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["姓名", "类别", "工作单位", "联系电话"].iter().enumerate() {
            ws.write_string(0, u16::try_from(c).expect("col"), *h).expect("h");
        }
        for (c, v) in ["导入专家", "驻镇规划师", "仙居县规划院", "0576-1234567"].iter().enumerate() {
            ws.write_string(1, u16::try_from(c).expect("col"), *v).expect("v");
        }
        let experts = wb.save_to_buffer().expect("xlsx");
        let r = upload_multipart(&mut county, &format!("{API}/experts/import"), &experts, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["imported"], 1, "{}", r.text());
        let l = list(&mut county, "experts", "q=导入专家").await;
        assert_eq!(l["items"][0]["role"], "resident_planner", "{l}");
        // The import page: the token in the action, a dry run, the report.
        let html = county.get("/ledgers/import/media-reports").await.text();
        assert!(html.contains("导入宣传报道") && html.contains("enctype=\"multipart/form-data\""));
        let csrf = county.csrf.clone().unwrap_or_default();
        let r = upload_multipart(
            &mut county,
            &format!("/ledgers/import/media-reports?_csrf={csrf}"),
            &media_sheet(),
            &[("dry_run", "on")],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(html.contains("试导入结果（未保存）") && html.contains("国际级"), "{html}");
        let r = upload_multipart(&mut county, "/ledgers/import/media-reports", &media_sheet(), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
        // Leaders may not import.
        let mut leader = Client::login(&app, "tz.leader").await;
        let r = upload(&mut leader, &path, media_sheet()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        // The audit log names the import.
        let log = county.get("/api/v1/audit?entity=ledger_import").await.json();
        assert_eq!(log["total"], 3, "three real imports: {log}");
    })
    .await;
}
