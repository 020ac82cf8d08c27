//! 暗访督查 over HTTP: a round planned and assigned through the API, field
//! findings sent as multipart (re-sending is idempotent, bad input writes
//! nothing), the pages of the office and the inspector, the checklist editor,
//! sampling, and secrecy: before publication the inspected county, its towns
//! and its leaders find nothing of the round anywhere; after it they see it.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

const ROUND_NAME: &str = "台州市第三季度暗访（机密-7Q3X）";
const BAITA: &str = "331024103";
const CHUMEN: &str = "331083102";

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A multipart post like the phone's: text fields, then files named `photos`.
/// `csrf`: "header" (the script), "query" (the form's action URL) or "none".
async fn multipart(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    photos: &[(&str, &str, Vec<u8>)],
    csrf: &str,
) -> Resp {
    let boundary = "----meizhenFieldBoundary3k9";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (filename, content_type, bytes) in photos {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let token = c.csrf.clone().unwrap_or_default();
    let uri = if csrf == "query" {
        format!("{path}?_csrf={}", enc(&token))
    } else {
        path.to_owned()
    };
    let mut b = Request::builder().method(Method::POST).uri(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if csrf == "header" {
        b = b.header("x-csrf-token", token);
    }
    c.request(b.body(Body::from(body)).expect("request")).await
}

async fn finding_count(c: &mut Client, round: i64) -> usize {
    let r = c.get(&format!("/api/v1/findings?round={round}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().map_or(0, Vec::len)
}

/// A leader of 仙居县 (the demo has leaders at the city and the province only).
async fn county_leader(app: &App) {
    app.services
        .create_user_as_system(&meizhen_service::users::UserInput {
            username: "xj.leader".into(),
            display_name: "仙居县领导 潘县长".into(),
            role: "leader".into(),
            region: "331024".into(),
            department: None,
            password: Some(DEMO_PASSWORD.into()),
        })
        .await
        .expect("county leader");
}

fn client_id_in(html: &str) -> String {
    html.split("name=\"client_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn round_field_findings_and_secrecy() {
    on_each_engine(|app| async move {
        county_leader(&app).await;
        let mut office = Client::login(&app, "tz.office").await;

        // The city office plans a round of two towns in two counties.
        let r = office
            .send(
                Method::POST,
                "/api/v1/rounds",
                Some(json!({
                    "name": ROUND_NAME, "quarter": "2020Q3",
                    "starts_on": "2020-07-01", "ends_on": "2020-09-30",
                    "towns": [BAITA, CHUMEN]
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let round = r.json()["id"].as_i64().expect("round id");
        assert_eq!(r.json()["state"], "planned");
        let view = office.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.text());
        let view = view.json();
        assert_eq!(view["can_manage"], true);
        let inspections = view["inspections"].as_array().cloned().unwrap_or_default();
        assert_eq!(inspections.len(), 2, "{view}");
        let ins = inspections
            .iter()
            .find(|i| i["town_code"] == BAITA)
            .and_then(|i| i["id"].as_i64())
            .expect("白塔镇 inspection");
        assert!(inspections.iter().any(|i| i["town_name"] == "白塔镇"));

        // Assign the city's inspector; a county office account is refused.
        let inspector_id = user_id(&app, "tz.inspector").await;
        let r = office
            .send(
                Method::PUT,
                &format!("/api/v1/inspections/{ins}/assignment"),
                Some(json!({"inspector_id": inspector_id, "planned_on": "2020-07-15"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["inspector_id"], inspector_id);
        assert_eq!(r.json()["planned_on"], "2020-07-15");
        let wrong = user_id(&app, "xj.office").await;
        let r = office
            .send(
                Method::PUT,
                &format!("/api/v1/inspections/{ins}/assignment"),
                Some(json!({"inspector_id": wrong})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("督查人员"));

        // The inspector sees the task.
        let mut inspector = Client::login(&app, "tz.inspector").await;
        let mine = inspector.get("/api/v1/inspections/mine").await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
        let mine = mine.json();
        assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
        assert_eq!(mine[0]["inspection"]["id"], ins);
        assert_eq!(mine[0]["round"]["name"], ROUND_NAME);

        // A finding with a photo, sent by the phone's script (CSRF header).
        let path = format!("/api/v1/inspections/{ins}/findings");
        let cid = "3f1c9a52-7d0e-4b8a-9c61-0a5e2f4b7d10";
        let fields = [
            ("client_id", cid),
            ("item_code", "HJ02"),
            ("place", "白塔镇老街 12 号门前"),
            ("lat", "28.858472"),
            ("lon", "120.737569"),
            ("note", "建筑垃圾堆放未清运"),
        ];
        let photo = jpeg(200, 150);
        let r = multipart(
            &mut inspector,
            &path,
            &fields,
            &[("IMG_0001.jpg", "image/jpeg", photo.clone())],
            "header",
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let f = r.json();
        let fid = f["id"].as_i64().expect("finding id");
        assert_eq!(f["client_id"], cid);
        assert_eq!(f["item_code"], "HJ02");
        assert_eq!(f["deduction"], 100, "1 分 in hundredths");
        assert_eq!(f["lat_e6"], 28_858_472);
        assert_eq!(f["town_name"], "白塔镇");
        let photos = f["photos"].as_array().cloned().unwrap_or_default();
        assert_eq!(photos.len(), 1, "{f}");
        let pid = photos[0]["id"].as_i64().expect("photo id");
        // Sent again (the phone lost the answer): the same finding, nothing new.
        let r = multipart(
            &mut inspector,
            &path,
            &fields,
            &[("IMG_0001.jpg", "image/jpeg", photo.clone())],
            "header",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["id"], fid);
        assert_eq!(finding_count(&mut inspector, round).await, 1);
        let r = inspector.get(&format!("/api/v1/inspections/{ins}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["inspection"]["findings"], 1);
        assert_eq!(r.json()["inspection"]["score"], 9900);
        assert_eq!(r.json()["findings"][0]["id"], fid);

        // An item not in the checklist: refused in Chinese, nothing written.
        let r = multipart(
            &mut inspector,
            &path,
            &[
                ("client_id", "bad-item-000000001"),
                ("item_code", "ZZ99"),
                ("place", "某处"),
            ],
            &[],
            "header",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.error_code(), "invalid_input", "{}", r.text());
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("检查项“ZZ99”不在本轮检查标准中"),
            "{}",
            r.text()
        );
        // A "photo" that is not an image: refused, no finding written.
        let r = multipart(
            &mut inspector,
            &path,
            &[
                ("client_id", "not-image-00000001"),
                ("item_code", "HJ01"),
                ("place", "某处"),
            ],
            &[("note.txt", "image/jpeg", b"this is not a picture".to_vec())],
            "header",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("不是 JPEG 或 PNG"),
            "{}",
            r.text()
        );
        // Not multipart at all.
        let r = inspector
            .send(Method::POST, &path, Some(json!({"item_code": "HJ01"})))
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text());
        // Bad coordinates.
        let r = multipart(
            &mut inspector,
            &path,
            &[
                ("client_id", "bad-gps-000000001"),
                ("item_code", "HJ01"),
                ("place", "某处"),
                ("lat", "北纬"),
                ("lon", "1"),
            ],
            &[],
            "header",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(finding_count(&mut inspector, round).await, 1);

        // The photo's files, through the API and the page route.
        let r = inspector
            .get(&format!("/api/v1/finding-photos/{pid}/thumb"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("image/jpeg")
        );
        let r = office
            .get(&format!("/inspections/photos/{pid}/original"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, photo, "original unchanged");
        assert_eq!(
            office
                .get(&format!("/inspections/photos/{pid}/huge"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // The inspector's pages: tasks, and the phone capture form.
        let r = inspector.get("/field").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(
            html.contains("我的检查任务") && html.contains("白塔镇"),
            "{html}"
        );
        assert!(html.contains(&format!("href=\"/field/{ins}\"")));
        let r = inspector.get(&format!("/field/{ins}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        for needle in [
            "accept=\"image/*\" capture=\"environment\" multiple",
            "获取定位",
            "完成检查",
            "name=\"lat\"",
            &format!("data-outbox-url=\"/api/v1/inspections/{ins}/findings\""),
            &format!("action=\"/field/{ins}/findings?_csrf="),
            "<optgroup label=\"环境卫生（上限 30 分）\">",
            "HJ02 垃圾暴露、乱堆乱放（扣 1 分）",
            "白塔镇老街 12 号门前",
            &format!("/inspections/photos/{pid}/thumb"),
            "id=\"outbox-status\" class=\"outbox-status\" role=\"status\" aria-live=\"polite\"",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        assert!(!html.contains("<script>"), "no inline script");
        let first = client_id_in(&html);
        let second = client_id_in(&inspector.get(&format!("/field/{ins}")).await.text());
        assert!(first.len() >= 32 && second.len() >= 32, "{first}");
        assert_ne!(first, second, "a fresh client_id for every form");
        // Without script: the form posts multipart with the token in the URL;
        // posting the same form twice records one finding.
        let page_fields = [
            ("client_id", first.as_str()),
            ("item_code", "ZX02"),
            ("place", "白塔镇政府门口"),
            ("lat", ""),
            ("lon", ""),
            ("note", ""),
        ];
        let form_path = format!("/field/{ins}/findings");
        let r = multipart(
            &mut inspector,
            &form_path,
            &page_fields,
            &[("", "application/octet-stream", Vec::new())],
            "none",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token, no write");
        for _ in 0..2 {
            let r = multipart(
                &mut inspector,
                &form_path,
                &page_fields,
                &[("", "application/octet-stream", Vec::new())],
                "query",
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            assert_eq!(r.location(), format!("/field/{ins}?done=recorded#findings"));
        }
        assert_eq!(finding_count(&mut inspector, round).await, 2);
        // A refused page post shows the reason and keeps what was typed.
        let r = multipart(
            &mut inspector,
            &form_path,
            &[
                ("client_id", "page-bad-0000000001"),
                ("item_code", "HJ01"),
                ("place", "  "),
                ("note", "桥下有垃圾"),
            ],
            &[],
            "query",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(
            html.contains("请填写问题地点") && html.contains("桥下有垃圾"),
            "{html}"
        );
        assert!(
            html.contains("value=\"page-bad-0000000001\""),
            "the same client_id again"
        );

        // The office's pages.
        let html = office.get("/rounds").await.text();
        assert!(
            html.contains(ROUND_NAME) && html.contains("新建暗访"),
            "{html}"
        );
        assert!(html.contains("未发布（保密）"));
        assert!(html.contains("台州市"), "the owner's name");
        let r = office.get(&format!("/rounds/{round}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        for needle in [
            ROUND_NAME,
            "发布暗访结果",
            "data-confirm=",
            "台州市督查组 郑组长",
            &format!("/inspections/photos/{pid}/thumb"),
            "HJ02 垃圾暴露、乱堆乱放",
            "楚门镇",
            "增加乡镇",
            "检查发现的问题（2 个）",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        let html = office.get("/rounds/new").await.text();
        assert!(
            html.contains("预览抽样") && html.contains("随机生成") && html.contains("仙居县"),
            "{html}"
        );
        assert!(html.contains(&format!("value=\"{BAITA}\"")));
        let html = office.get("/").await.text();
        assert!(
            html.contains("href=\"/rounds\"") && html.contains(">暗访督查</a>"),
            "sidebar"
        );
        let html = inspector.get("/").await.text();
        assert!(
            html.contains("href=\"/field\"") && html.contains("我的检查任务"),
            "sidebar"
        );

        // ---- secrecy before publication ----
        let mut outsiders = Vec::new();
        for user in [
            "xj.office",
            "xj.baita",
            "xj.leader",
            "yh.office",
            "yh.chumen",
        ] {
            outsiders.push((user, Client::login(&app, user).await));
        }
        for (user, c) in outsiders.iter_mut() {
            for path in [
                "/api/v1/rounds".to_owned(),
                "/api/v1/rounds?region=331024".to_owned(),
                "/api/v1/rounds?region=331024&year=2020&quarter=3".to_owned(),
                format!("/api/v1/findings?round={round}"),
                "/api/v1/findings?region=331024".to_owned(),
                "/api/v1/inspections/mine".to_owned(),
            ] {
                let r = c.get(&path).await;
                assert_eq!(r.status, StatusCode::OK, "{user} {path}: {}", r.text());
                assert_eq!(r.json(), json!([]), "{user} {path}");
            }
            for path in [
                format!("/api/v1/rounds/{round}"),
                format!("/api/v1/inspections/{ins}"),
                format!("/api/v1/findings/{fid}"),
                format!("/api/v1/finding-photos/{pid}/thumb"),
                format!("/api/v1/finding-photos/{pid}/original"),
                format!("/inspections/photos/{pid}/display"),
                format!("/rounds/{round}"),
                format!("/field/{ins}"),
            ] {
                let r = c.get(&path).await;
                assert_eq!(
                    r.status,
                    StatusCode::NOT_FOUND,
                    "{user} {path}: {}",
                    r.text()
                );
                assert!(!r.text().contains(ROUND_NAME), "{user} {path}");
            }
            for path in ["/rounds", "/field", "/audit", "/api/v1/audit?per_page=200"] {
                let r = c.get(path).await;
                assert!(
                    r.status == StatusCode::OK || r.status == StatusCode::FORBIDDEN,
                    "{user} {path}: {}",
                    r.status
                );
                let text = r.text();
                assert!(!text.contains(ROUND_NAME), "{user} {path}");
                assert!(!text.contains("白塔镇老街"), "{user} {path}");
            }
            // Nor can they write into it.
            let r = multipart(
                c,
                &path,
                &[
                    ("client_id", "outsider-00000001"),
                    ("item_code", "HJ01"),
                    ("place", "x"),
                ],
                &[],
                "header",
            )
            .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user}: {}", r.text());
            let r = c
                .send(
                    Method::POST,
                    &format!("/api/v1/rounds/{round}/publish"),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user}");
        }
        // The inspector may not publish.
        let r = inspector
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round}/publish"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

        // ---- publication ----
        let r = inspector
            .send(
                Method::POST,
                &format!("/api/v1/inspections/{ins}/submit"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["state"], "submitted");
        let r = office
            .form(&format!("/rounds/{round}/publish"), &[], true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/rounds/{round}?done=published"));
        let r = office
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round}/publish"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "published once only");
        // No more findings after publication.
        let r = multipart(
            &mut inspector,
            &path,
            &[
                ("client_id", "late-000000000001"),
                ("item_code", "HJ01"),
                ("place", "x"),
            ],
            &[],
            "header",
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

        // Now the inspected county, its town and its leader see it — their towns only.
        for (user, c) in outsiders.iter_mut().filter(|(u, _)| u.starts_with("xj.")) {
            let r = c.get("/api/v1/rounds?region=331024").await;
            assert_eq!(r.status, StatusCode::OK);
            let list = r.json();
            assert_eq!(list.as_array().map(Vec::len), Some(1), "{user}: {list}");
            assert_eq!(list[0]["name"], ROUND_NAME);
            assert_eq!(list[0]["towns"], 1, "{user}: only their own town counts");
            let r = c.get(&format!("/api/v1/rounds/{round}")).await;
            assert_eq!(r.status, StatusCode::OK, "{user}");
            let towns: Vec<Value> = r.json()["inspections"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                towns.iter().all(|t| t["town_code"] == BAITA),
                "{user}: {towns:?}"
            );
            assert_eq!(r.json()["can_manage"], false);
            let r = c.get(&format!("/api/v1/findings/{fid}")).await;
            assert_eq!(r.status, StatusCode::OK, "{user}");
            assert!(
                r.json()["rect_state"].is_string(),
                "a rectification task now"
            );
            assert_eq!(
                c.get(&format!("/api/v1/finding-photos/{pid}/thumb"))
                    .await
                    .status,
                StatusCode::OK
            );
            let html = c.get(&format!("/rounds/{round}")).await;
            assert_eq!(html.status, StatusCode::OK, "{user}");
            let html = html.text();
            assert!(html.contains(ROUND_NAME) && html.contains("已发布"));
            assert!(
                !html.contains("楚门镇"),
                "{user}: another county's town stays out"
            );
            assert!(!html.contains("发布暗访结果"));
            assert!(c.get("/rounds").await.text().contains(ROUND_NAME));
        }
    })
    .await;
}

#[tokio::test]
async fn checklist_editing_and_sampling() {
    on_each_engine(|app| async move {
        let mut office = Client::login(&app, "tz.office").await;
        let r = office.get("/api/v1/checklist").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["can_edit"], true, "{v}");
        assert_eq!(v["inherited"], true, "the shipped default, kept at the province");
        assert!(v["current"]["note"].as_str().unwrap_or("").contains("系统默认检查标准"));
        assert_eq!(v["catalogue"]["base"], 10000);

        // The page shows the catalogue, says it is the editable default, and offers the editor.
        let html = office.get("/inspections/checklist").await.text();
        for needle in [
            "系统默认检查标准",
            "可编辑的默认标准",
            "环境卫生（HJ，扣分上限 30 分）",
            "道路保洁不到位",
            "编辑检查标准",
            "HJ|环境卫生|30|HJ01|道路保洁不到位，路面有垃圾、积水|0.5|一般",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        // A line with a bad deduction: the line is named, nothing saved.
        let r = office
            .form(
                "/inspections/checklist",
                &[("base", "100"), ("lines", "HJ|环境卫生|30|HJ01|道路保洁|0.5|一般\nHJ|环境卫生|30|HJ02|垃圾|半分|一般"), ("note", "")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("第 2 行：每处扣分"), "{}", r.text());
        // Caps over the base: the domain's rule, in Chinese.
        let r = office
            .form("/inspections/checklist", &[("base", "20"), ("lines", "HJ|环境卫生|30|HJ01|道路保洁|0.5|一般"), ("note", "")], true)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("超过基础分"), "{}", r.text());
        // A good edit becomes the city's version 1.
        let r = office
            .form(
                "/inspections/checklist",
                &[("base", "100"), ("lines", "HJ|环境卫生|40|HJ01|道路保洁不到位|1|一般\nXR|乡容镇貌|40|XR05|新增违法建筑|3|严重"), ("note", "按市考核办法调整")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let v = office.get("/api/v1/checklist").await.json();
        assert_eq!(v["inherited"], false);
        assert_eq!(v["current"]["region_code"], "3310");
        assert_eq!(v["current"]["version"], 1);
        assert_eq!(v["catalogue"]["areas"][1]["items"][0]["severity"], "serious");
        // The JSON API: the catalogue and a note.
        let mut body = v["catalogue"].clone();
        body["note"] = json!("接口修订");
        body["areas"][0]["items"][0]["deduction"] = json!(50);
        let r = office.send(Method::PUT, "/api/v1/checklist", Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["version"], 2);
        body["areas"][0]["cap"] = json!(0);
        let r = office.send(Method::PUT, "/api/v1/checklist", Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("扣分上限"));
        // A county office reads it but may not edit.
        let mut county = Client::login(&app, "xj.office").await;
        let v = county.get("/api/v1/checklist").await.json();
        assert_eq!(v["can_edit"], false);
        assert_eq!(v["current"]["version"], 2, "the city's version applies to its counties");
        let r = county.send(Method::PUT, "/api/v1/checklist", Some(body)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(!county.get("/inspections/checklist").await.text().contains("编辑检查标准"));

        // Sampling: the same seed draws the same towns, one per county.
        let sample = json!({"size": {"kind": "per_county", "value": 1}, "seed": 20200701});
        let a = office.send(Method::POST, "/api/v1/rounds/sample", Some(sample.clone())).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let b = office.send(Method::POST, "/api/v1/rounds/sample", Some(sample)).await;
        assert_eq!(a.json(), b.json());
        let towns = a.json().as_array().cloned().unwrap_or_default();
        let counties: std::collections::BTreeSet<String> = towns
            .iter()
            .filter_map(|t| t["code"].as_str().map(|c| c[..6].to_owned()))
            .collect();
        assert_eq!(counties.len(), towns.len(), "one per county");
        assert!(towns.len() >= 9, "台州 has nine counties: {towns:?}");
        // The page's preview shows the draw, and creating uses the same seed.
        let r = office
            .form(
                "/rounds/new",
                &[("name", "抽样轮次"), ("quarter", "2020Q4"), ("starts_on", "2020-10-01"), ("ends_on", "2020-12-31"),
                  ("mode", "sample"), ("size_kind", "per_county"), ("size_value", "1"), ("seed", "20200701"), ("counties", "331024"), ("action", "preview")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(html.contains("抽样结果：共 1 个乡镇"), "{html}");
        let r = office
            .form(
                "/rounds/new",
                &[("name", "抽样轮次"), ("quarter", "2020Q4"), ("starts_on", "2020-10-01"), ("ends_on", "2020-12-31"),
                  ("mode", "sample"), ("size_kind", "percent"), ("size_value", "10"), ("seed", ""), ("counties", "331024"), ("counties", "331083"), ("action", "create")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let id: i64 = r
            .location()
            .trim_start_matches("/rounds/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("round id in the redirect");
        let v = office.get(&format!("/api/v1/rounds/{id}")).await.json();
        let sampled = v["inspections"].as_array().cloned().unwrap_or_default();
        assert!(sampled.len() >= 2, "{v}");
        assert!(v["round"]["sample_seed"].is_number(), "a seed was made and kept");
        assert!(office.get(&format!("/rounds/{id}")).await.text().contains("随机种子"));
        // By hand, with a town outside the city: refused, the form comes back.
        let r = office
            .form(
                "/rounds/new",
                &[("name", "手选轮次"), ("quarter", "2020Q4"), ("starts_on", "2020-10-01"), ("ends_on", "2020-10-31"),
                  ("mode", "towns"), ("towns", BAITA), ("towns", "330102001"), ("action", "create")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("不在本级管辖范围内") && r.text().contains("手选轮次"));
        let r = office
            .form(
                "/rounds/new",
                &[("name", "手选轮次"), ("quarter", "2020年第四季度"), ("starts_on", "2020-10-01"), ("ends_on", "2020-10-31"),
                  ("mode", "towns"), ("towns", BAITA), ("action", "create")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // Towns and leaders may not plan rounds.
        let mut town = Client::login(&app, "xj.baita").await;
        assert_eq!(town.get("/rounds/new").await.status, StatusCode::FORBIDDEN);
        let r = town
            .send(Method::POST, "/api/v1/rounds", Some(json!({"name": "x", "quarter": "2020Q4", "starts_on": "2020-10-01", "ends_on": "2020-10-02", "towns": [BAITA]})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The routes are documented, the multipart body included.
        let doc = office.get("/api/v1/openapi.json").await.json();
        for p in ["/api/v1/rounds", "/api/v1/rounds/{id}", "/api/v1/checklist", "/api/v1/inspections/mine", "/api/v1/findings/{id}/correction", "/api/v1/finding-photos/{id}/thumb"] {
            assert!(doc["paths"][p].is_object(), "{p}");
        }
        let post = &doc["paths"]["/api/v1/inspections/{id}/findings"]["post"];
        assert!(post["requestBody"]["content"]["multipart/form-data"].is_object(), "{post}");
        assert!(post["responses"]["200"].is_object() && post["responses"]["201"].is_object());
        assert!(doc["components"]["schemas"]["FindingForm"]["properties"]["client_id"].is_object());
    })
    .await;
}
