//! 整改闭环 over HTTP: a round of 台州 inspected and published through the
//! services, then the towns' answers with after-photos (API and the page's
//! multipart form), another town's staff finding nothing, the county sending
//! back (a reason required) and closing (API and page), the figures checked
//! against counts made here from the task list, filters, pages for town,
//! county and city, and the Excel export.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use meizhen_service::inspections::{FindingInput, PhotoUpload, RoundInput};
use meizhen_service::{Actor, RequestMeta, Services};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) const BAITA: &str = "331024103"; // 仙居县白塔镇
pub(super) const HENGXI: &str = "331024101"; // 仙居县横溪镇
pub(super) const CHUMEN: &str = "331083102"; // 玉环市楚门镇
pub(super) const GANJIANG: &str = "331083103"; // 玉环市干江镇

/// The findings of the round: (town, item, place). The default checklist
/// takes off HJ02 1 分, HJ05 2 分 (serious), ZX01 0.5, XR01 0.5, ZX02 0.5.
pub(super) const FINDINGS: [(&str, &str, &str); 5] = [
    (BAITA, "HJ02", "白塔镇人民路菜场门口"),
    (BAITA, "HJ05", "白塔镇永安溪支流"),
    (BAITA, "ZX01", "白塔镇中心街"),
    (HENGXI, "XR01", "横溪镇老街 8 号"),
    (CHUMEN, "ZX02", "楚门镇中山路"),
];

fn meta() -> RequestMeta {
    RequestMeta {
        address: "10.9.8.7".into(),
    }
}

pub(super) async fn actor(services: &Services, username: &str) -> Actor {
    services
        .login(username, DEMO_PASSWORD, &meta())
        .await
        .unwrap_or_else(|e| panic!("login {username}: {e}"))
        .0
}

pub(super) fn jpeg(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, shade])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

/// A round of 台州 (2020Q3) over four towns in two counties with
/// [`FINDINGS`] (each with a photo), recorded by tz.inspector; not published.
/// Returns the round id.
pub(super) async fn inspected_round(services: &Services, name: &str) -> i64 {
    let office = actor(services, "tz.office").await;
    let inspector = actor(services, "tz.inspector").await;
    let round = services
        .create_round(
            &office,
            &RoundInput {
                name: name.into(),
                quarter: "2020Q3".into(),
                starts_on: "2020-09-01".into(),
                ends_on: "2020-09-10".into(),
                towns: [BAITA, HENGXI, CHUMEN, GANJIANG]
                    .map(str::to_owned)
                    .to_vec(),
                sample: None,
            },
            &meta(),
        )
        .await
        .expect("create round");
    let view = services.round_view(&office, round.id).await.expect("round");
    let mut by_town = BTreeMap::new();
    for ins in &view.inspections {
        services
            .assign_inspector(&office, ins.row.id, Some(inspector.id), "", &meta())
            .await
            .expect("assign");
        by_town.insert(ins.row.town_code.clone(), ins.row.id);
    }
    for (n, (town, item, place)) in FINDINGS.into_iter().enumerate() {
        let input = FindingInput {
            client_id: format!("rect-{}-{n:04}", round.id),
            item_code: item.into(),
            place: place.into(),
            note: "现场发现".into(),
            ..Default::default()
        };
        let photo = PhotoUpload {
            bytes: jpeg(64, 48, n as u8 * 40),
            caption: format!("{place}现场"),
        };
        services
            .record_finding(&inspector, by_town[town], &input, vec![photo], &meta())
            .await
            .expect("record finding");
    }
    round.id
}

pub(super) fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A multipart post: text fields, then files named `photos`. The CSRF token
/// travels as the header (`query` false: the script) or in the URL (the page).
pub(super) async fn multipart(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    photos: &[Vec<u8>],
    query: bool,
) -> Resp {
    let boundary = "----meizhenRectBoundary7x2";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (n, bytes) in photos.iter().enumerate() {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"after{n}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let token = c.csrf.clone().unwrap_or_default();
    let uri = if query {
        format!("{path}?_csrf={}", enc(&token))
    } else {
        path.to_owned()
    };
    let mut b = Request::builder().method(Method::POST).uri(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if !query {
        b = b.header("x-csrf-token", token);
    }
    c.request(b.body(Body::from(body)).expect("request")).await
}

/// The tasks a client sees, by the query given.
async fn tasks(c: &mut Client, query: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/rectifications{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
    r.json().as_array().cloned().unwrap_or_default()
}

/// The finding id of an item in a task list.
fn id_of(list: &[Value], item: &str) -> i64 {
    list.iter()
        .find(|t| t["item_code"] == item)
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("task {item} in {list:?}"))
}

async fn answer_api(c: &mut Client, id: i64, note: &str, photos: &[Vec<u8>]) -> Resp {
    multipart(
        c,
        &format!("/api/v1/findings/{id}/rectification"),
        &[("note", note)],
        photos,
        false,
    )
    .await
}

async fn verify_api(c: &mut Client, id: i64, accept: bool, note: &str) -> Resp {
    c.send(
        Method::POST,
        &format!("/api/v1/findings/{id}/verification"),
        Some(json!({"accept": accept, "note": note})),
    )
    .await
}

fn message(r: &Resp) -> String {
    r.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn answer_return_close_figures_and_pages() {
    on_each_engine(|app| async move {
        let round = inspected_round(&app.services, "台州市2020年第三季度暗访（整改）").await;
        let mut city = Client::login(&app, "tz.office").await;
        let mut county = Client::login(&app, "xj.office").await;
        let mut town = Client::login(&app, "xj.baita").await;
        let mut other_town = Client::login(&app, "yh.chumen").await;
        let mut other_county = Client::login(&app, "yh.office").await;

        // Before publication there are no tasks for the town.
        assert!(tasks(&mut town, "").await.is_empty());
        let r = city
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round}/publish"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // The town sees its three tasks, all 待整改 with a deadline.
        let mine = tasks(&mut town, &format!("?round={round}")).await;
        assert_eq!(mine.len(), 3, "{mine:?}");
        assert!(mine
            .iter()
            .all(|t| t["town_code"] == BAITA && t["rect_state"] == "open"));
        assert!(mine.iter().all(|t| t["deadline"].is_string()));
        let a = id_of(&mine, "HJ02");
        let b = id_of(&mine, "HJ05");
        let c = id_of(&mine, "ZX01");

        // Another town's staff: not found, whatever it tries.
        let r = answer_api(&mut other_town, a, "不是我们的", &[jpeg(40, 30, 1)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        assert_eq!(
            other_town.get(&format!("/rectifications/{a}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(tasks(&mut other_town, &format!("?region={BAITA}"))
            .await
            .is_empty());

        // An answer needs a note and a photo.
        let r = answer_api(&mut town, a, "已清理", &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(message(&r).contains("照片"), "{}", r.text());
        let r = answer_api(&mut town, a, "  ", &[jpeg(40, 30, 2)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(message(&r).contains("整改说明"), "{}", r.text());

        // The town answers with a JPEG.
        let r = answer_api(&mut town, a, "已清运垃圾，安排专人保洁", &[jpeg(80, 60, 3)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["rect_state"], "submitted");
        assert_eq!(v["rect_note"], "已清运垃圾，安排专人保洁");
        let photos = v["photos"].as_array().cloned().unwrap_or_default();
        assert_eq!(photos.iter().filter(|p| p["kind"] == "after").count(), 1);
        assert_eq!(photos.iter().filter(|p| p["kind"] == "before").count(), 1);
        // Not twice while the county checks.
        let r = answer_api(&mut town, a, "再交一次", &[jpeg(80, 60, 4)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

        // Only the county (and above) verifies; the other county sees nothing.
        let r = verify_api(&mut town, a, true, "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let r = verify_api(&mut other_county, a, true, "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        // Sending back needs a reason.
        let r = verify_api(&mut county, a, false, " ").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(message(&r).contains("退回原因"), "{}", r.text());
        let r = verify_api(&mut county, a, false, "菜场后门仍有垃圾堆放").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["rect_state"], "returned");
        assert_eq!(r.json()["verify_note"], "菜场后门仍有垃圾堆放");

        // The town's page shows the reason and the answer form again.
        let html = town.get(&format!("/rectifications/{a}")).await;
        assert_eq!(html.status, StatusCode::OK, "{}", html.text());
        let html = html.text();
        assert!(html.contains("退回整改"), "{html}");
        assert!(html.contains("菜场后门仍有垃圾堆放"));
        assert!(html.contains("提交整改情况"));
        assert!(html.contains("accept=\"image/*\" capture=\"environment\" multiple"));
        assert!(html.contains(&format!("action=\"/rectifications/{a}/answer?_csrf=")));
        assert!(
            !html.contains("核查通过（销号）"),
            "the town does not verify"
        );

        // The page's form: without a photo the error is shown on the form.
        let r = multipart(
            &mut town,
            &format!("/rectifications/{a}/answer"),
            &[("note", "已全部清理")],
            &[],
            true,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(html.contains("未提交：请上传至少一张整改后照片"), "{html}");
        assert!(html.contains(">已全部清理</textarea>"), "the note is kept");
        // Then with two photos.
        let r = multipart(
            &mut town,
            &format!("/rectifications/{a}/answer"),
            &[("note", "已全部清理")],
            &[jpeg(90, 60, 5), jpeg(60, 90, 6)],
            true,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/rectifications/{a}?done=answered"));
        // Without a token the upload is refused.
        let mut bare = town.clone();
        bare.csrf = None;
        let r = multipart(
            &mut bare,
            &format!("/rectifications/{b}/answer"),
            &[("note", "x")],
            &[jpeg(40, 30, 7)],
            true,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

        // The county's page has both buttons; sending back without a reason
        // shows the error on the form.
        let html = county.get(&format!("/rectifications/{a}")).await.text();
        assert!(html.contains("核查通过（销号）") && html.contains("退回整改"));
        assert!(
            !html.contains("id=\"answer-form\""),
            "the county does not answer"
        );
        assert_eq!(
            html.matches("/inspections/photos/").count(),
            2 * 4,
            "1 before + 3 after, thumb and display"
        );
        let r = county
            .form(
                &format!("/rectifications/{a}/verify"),
                &[("decision", "return"), ("note", "")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("未保存：请说明退回原因"), "{}", r.text());
        // Closed from the page.
        let r = county
            .form(
                &format!("/rectifications/{a}/verify"),
                &[("decision", "accept"), ("note", "复查已整改到位")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/rectifications/{a}?done=closed"));
        let r = answer_api(&mut town, a, "再交", &[jpeg(40, 30, 8)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(message(&r).contains("已销号"), "{}", r.text());
        let html = town.get(&format!("/rectifications/{a}")).await.text();
        assert!(html.contains("已销号") && html.contains("核查通过，销号"));
        assert!(!html.contains("id=\"answer-form\""));

        // More states: b answered (待核查), c left open, 楚门 answered and sent back.
        let r = answer_api(&mut town, b, "已清理河道漂浮物", &[jpeg(50, 40, 9)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let chumen = tasks(&mut other_town, "").await;
        assert_eq!(chumen.len(), 1, "{chumen:?}");
        let d = chumen[0]["id"].as_i64().expect("楚门 task");
        let r = answer_api(&mut other_town, d, "已规范停车", &[jpeg(50, 40, 10)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = verify_api(&mut other_county, d, false, "仍有车辆占道").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // Filters.
        let q = |s: &str| format!("?round={round}&state={s}");
        assert_eq!(tasks(&mut city, &q("closed")).await.len(), 1);
        assert_eq!(tasks(&mut city, &q("submitted")).await.len(), 1);
        assert_eq!(tasks(&mut city, &q("returned")).await.len(), 1);
        assert_eq!(tasks(&mut city, &q("open")).await.len(), 2);
        assert!(tasks(&mut city, &q("overdue")).await.is_empty());
        assert_eq!(
            tasks(&mut county, &format!("?round={round}")).await.len(),
            4
        );
        assert_eq!(
            tasks(&mut city, &format!("?round={round}&region={HENGXI}"))
                .await
                .len(),
            1
        );
        let r = city.get("/api/v1/rectifications?state=late").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

        // The figures equal counts made from the city's task list.
        let all = tasks(&mut city, &format!("?round={round}")).await;
        assert_eq!(all.len(), FINDINGS.len());
        let count = |prefix: &str, state: &str| {
            all.iter()
                .filter(|t| {
                    t["town_code"].as_str().unwrap_or("").starts_with(prefix)
                        && (state.is_empty() || t["rect_state"] == state)
                })
                .count() as u64
        };
        let r = city
            .get(&format!(
                "/api/v1/rectifications/summary?region=3310&round={round}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let s = r.json();
        let check = |line: &Value, prefix: &str| {
            assert_eq!(line["total"], count(prefix, ""), "{line}");
            assert_eq!(line["closed"], count(prefix, "closed"), "{line}");
            assert_eq!(line["submitted"], count(prefix, "submitted"), "{line}");
            assert_eq!(line["returned"], count(prefix, "returned"), "{line}");
            // Answered today, before every deadline: closed on time; none overdue.
            assert_eq!(line["closed_on_time"], count(prefix, "closed"), "{line}");
            assert_eq!(line["overdue"], 0, "{line}");
            let total = count(prefix, "") as f64;
            let rate = line["rate"].as_f64().expect("rate");
            assert!((rate - count(prefix, "closed") as f64 / total).abs() < 1e-9);
        };
        check(&s["total"], "3310");
        let counties = s["counties"].as_array().cloned().unwrap_or_default();
        assert_eq!(counties.len(), 2, "{s}");
        for c in &counties {
            check(c, c["code"].as_str().unwrap_or("-"));
        }
        let towns = s["towns"].as_array().cloned().unwrap_or_default();
        assert_eq!(towns.len(), 3, "towns with tasks: {s}");
        for t in &towns {
            check(t, t["code"].as_str().unwrap_or("-"));
        }
        assert_eq!(counties[0]["code"], "331024");
        assert_eq!(counties[0]["name"], "仙居县");
        assert_eq!(counties[0]["total"], 4);
        assert_eq!(counties[0]["closed"], 1);
        assert_eq!(s["total"]["returned"], 1);
        // The county's summary covers its own towns only.
        let r = county.get("/api/v1/rectifications/summary").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["region"], "331024");
        assert_eq!(r.json()["total"]["total"], 4);
        let r = county
            .get("/api/v1/rectifications/summary?region=331083")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

        // Pages for the town, the county and the city.
        for (client, who) in [
            (&mut town, "town"),
            (&mut county, "county"),
            (&mut city, "city"),
        ] {
            for page in [
                "/rectifications".to_owned(),
                format!("/rectifications?round={round}&state=open"),
                "/rectifications?state=overdue".to_owned(),
                "/rectifications/summary".to_owned(),
                format!("/rectifications/summary?round={round}"),
                format!("/rectifications/{c}"),
            ] {
                let r = client.get(&page).await;
                assert_eq!(r.status, StatusCode::OK, "{who} {page}: {}", r.text());
                assert!(r.text().contains("aria-label=\"当前位置\""));
            }
        }
        let html = city
            .get(&format!("/rectifications?round={round}"))
            .await
            .text();
        assert!(
            html.contains("垃圾暴露、乱堆乱放") && html.contains("车辆乱停乱放"),
            "{html}"
        );
        assert!(html.contains("楚门镇") && html.contains("白塔镇"));
        assert!(html.contains(&format!("href=\"/rectifications.xlsx?round={round}\"")));
        let html = city.get("/rectifications/summary?region=3310").await.text();
        assert!(html.contains("<svg") && html.contains("各县（市、区）整改率"));
        assert!(html.contains("25.00%"), "仙居县 1 of 4 closed: {html}");
        let r = town.get("/rectifications?state=bogus").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Excel.
        let r = city
            .get(&format!("/rectifications.xlsx?round={round}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert!(r.body.starts_with(b"PK"));
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.body.clone())).expect("xlsx");
        let sheet = book.worksheet_range("整改情况").expect("sheet");
        let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
        assert!(text.iter().any(|t| t == "退回整改"));
        assert!(text.iter().any(|t| t == "已销号"));
        assert!(text.iter().any(|t| t == "合计"));

        // The documented routes.
        let doc = city.get("/api/v1/openapi.json").await.json();
        for p in [
            "/api/v1/rectifications",
            "/api/v1/rectifications/summary",
            "/api/v1/findings/{id}/rectification",
            "/api/v1/findings/{id}/verification",
        ] {
            assert!(doc["paths"][p].is_object(), "{p}");
        }
        assert!(
            doc["paths"]["/api/v1/findings/{id}/rectification"]["post"]["requestBody"]["content"]
                ["multipart/form-data"]
                .is_object()
        );
    })
    .await;
}
