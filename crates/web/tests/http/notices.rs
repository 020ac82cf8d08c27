//! 暗访通报 over HTTP: a round planned, inspected (with photos), published and
//! partly rectified through the services, then its notice as JSON, HTML, Word
//! and Excel; the texts edited through the API and the page (audited); and
//! who may not see it (the inspected county: 403; an unpublished round: 409
//! for the owner, 404 for the county).

use super::support::*;
use axum::http::{header, StatusCode};
use meizhen_service::inspections::{FindingInput, PhotoUpload, RoundInput};
use meizhen_service::{Actor, RequestMeta, Services};
use serde_json::json;
use std::io::{Cursor, Read};

/// The four demo towns of the round: (code, name).
const TOWNS: [(&str, &str); 4] = [
    ("331024103", "白塔镇"),
    ("331024101", "横溪镇"),
    ("331083102", "楚门镇"),
    ("331083103", "干江镇"),
];

fn meta() -> RequestMeta {
    RequestMeta {
        address: "10.9.9.9".into(),
    }
}

async fn actor(services: &Services, username: &str) -> Actor {
    services
        .login(username, DEMO_PASSWORD, &meta())
        .await
        .unwrap_or_else(|e| panic!("login {username}: {e}"))
        .0
}

fn jpeg(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, shade])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

fn round_input(name: &str) -> RoundInput {
    RoundInput {
        name: name.into(),
        quarter: "2020Q3".into(),
        starts_on: "2020-09-01".into(),
        ends_on: "2020-09-10".into(),
        towns: TOWNS.iter().map(|(c, _)| (*c).to_owned()).collect(),
        sample: None,
    }
}

/// A round of 台州 over two counties and four towns, inspected by
/// tz.inspector: 白塔镇 two problems (one serious, with a photo, later
/// answered with an after photo), 楚门镇 one. Published when `publish`.
/// Returns the round id.
async fn inspected_round(services: &Services, name: &str, publish: bool) -> i64 {
    let office = actor(services, "tz.office").await;
    let inspector = actor(services, "tz.inspector").await;
    let round = services
        .create_round(&office, &round_input(name), &meta())
        .await
        .expect("create round");
    let view = services.round_view(&office, round.id).await.expect("round");
    let mut by_town = std::collections::BTreeMap::new();
    for ins in &view.inspections {
        services
            .assign_inspector(&office, ins.row.id, Some(inspector.id), "", &meta())
            .await
            .expect("assign");
        by_town.insert(ins.row.town_code.clone(), ins.row.id);
    }
    let findings = [
        ("331024103", "HJ02", "白塔镇人民路菜场门口", 1),
        ("331024103", "HJ05", "白塔镇永安溪支流", 1),
        ("331083102", "ZX01", "楚门镇中山路", 0),
    ];
    let mut first = None;
    for (n, (town, item, place, photos)) in findings.into_iter().enumerate() {
        let input = FindingInput {
            client_id: format!("notice-{}-{n:04}", round.id),
            item_code: item.into(),
            place: place.into(),
            note: "现场发现".into(),
            ..Default::default()
        };
        let uploads = (0..photos)
            .map(|k| PhotoUpload {
                bytes: jpeg(64 + k, 48, n as u8 * 40),
                caption: format!("{place}现场"),
            })
            .collect();
        let (f, created) = services
            .record_finding(&inspector, by_town[town], &input, uploads, &meta())
            .await
            .expect("record finding");
        assert!(created);
        first.get_or_insert(f.row.id);
    }
    if publish {
        services
            .publish_round(&office, round.id, &meta())
            .await
            .expect("publish");
        let town = actor(services, "xj.baita").await;
        services
            .answer_rectification(
                &town,
                first.expect("a finding"),
                "已清理垃圾",
                vec![PhotoUpload {
                    bytes: jpeg(60, 80, 200),
                    caption: "清理后".into(),
                }],
                &meta(),
            )
            .await
            .expect("answer rectification");
    }
    round.id
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip file");
    let mut parts = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("zip entry");
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("read entry");
        parts.insert(file.name().to_owned(), data);
    }
    parts
}

fn header_of(r: &Resp, name: header::HeaderName) -> String {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn notice_json_word_excel_and_edits() {
    on_each_engine(|app| async move {
        let id = inspected_round(&app.services, "2020年第三季度暗访", true).await;
        let mut office = Client::login(&app, "tz.office").await;

        // JSON: every figure computed.
        let r = office.get(&format!("/api/v1/rounds/{id}/notice")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["title"], "关于2020年第三季度暗访情况的通报");
        let opening = v["opening"].as_str().unwrap_or_default().to_owned();
        assert!(
            opening.contains("2020年9月1日至2020年9月10日，台州市美丽城镇建设工作领导小组办公室采取“三不两直”"),
            "{opening}"
        );
        assert!(
            opening.contains("对2个县（市、区）的4个乡镇（街道）开展暗访督查，共发现问题3个（严重问题1个、一般问题2个），涉及2个乡镇（街道），平均得分99.13分。"),
            "{opening}"
        );
        assert_eq!(v["figures"]["findings"], 3);
        assert_eq!(v["figures"]["submitted"], 1);
        assert_eq!(v["issuer"], "台州市美丽城镇建设工作领导小组办公室");
        assert!(v["date_zh"].as_str().unwrap_or_default().contains('年'));
        assert_eq!(v["counties"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["towns"].as_array().map(Vec::len), Some(4));
        assert_eq!(v["towns"][0]["score"], "100.00");
        assert_eq!(v["last"], json!(["玉环市楚门镇", "仙居县白塔镇"]));
        assert_eq!(v["best"].as_array().map(Vec::len), Some(2));
        let problems = v["problems"].as_array().cloned().unwrap_or_default();
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0]["town"], "白塔镇");
        assert_eq!(problems[0]["county"], "仙居县");
        let baita = &problems[0]["items"];
        assert_eq!(baita[0]["state"], "待核查");
        assert_eq!(baita[0]["before"].as_array().map(Vec::len), Some(1));
        assert_eq!(baita[0]["after"][0]["caption"], "清理后");
        assert!(baita[1]["deadline"]
            .as_str()
            .unwrap_or_default()
            .contains('日'));
        let requirements = v["requirements"].to_string();
        assert!(requirements.contains("严重问题1个须于"), "{requirements}");
        assert!(requirements.contains("一般问题2个须于"), "{requirements}");
        assert!(v["can_edit"].as_bool().unwrap_or(false));

        // Texts edited through the API, then in the Word file.
        let r = office
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/rounds/{id}/notice"),
                Some(json!({
                    "title": "关于2020年第三季度美丽城镇暗访督查情况的通报",
                    "number": "台美镇办〔2020〕12号",
                    "opening": "为推进美丽城镇建设，市美镇办开展了暗访。\n第二段。",
                    "closing": ""
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["number"], "台美镇办〔2020〕12号");
        assert_eq!(v["saved"]["closing"], "", "empty stays generated");
        assert!(v["closing"].as_str().unwrap_or_default().contains("特此通报。"));

        let r = office.get(&format!("/api/v1/rounds/{id}/notice.docx")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            header_of(&r, header::CONTENT_TYPE),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        let disposition = header_of(&r, header::CONTENT_DISPOSITION);
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
        assert!(
            disposition.contains("%E5%85%B3%E4%BA%8E"),
            "the title (关于…) in UTF-8: {disposition}"
        );
        let parts = unzip(&r.body);
        let xml = String::from_utf8(parts["word/document.xml"].clone()).expect("utf-8");
        for (_, town) in TOWNS {
            assert!(xml.contains(town), "{town} in the document");
        }
        assert!(xml.contains("台美镇办〔2020〕12号"));
        assert!(xml.contains("关于2020年第三季度美丽城镇暗访督查情况的通报"));
        assert!(xml.contains("第二段。"));
        assert!(xml.contains("特此通报。"));
        assert!(xml.contains("整改后：清理后"));
        let media = parts.keys().filter(|k| k.starts_with("word/media/")).count();
        assert_eq!(media, 3, "two before photos and one after photo");

        // The same file through the page route.
        let r = office.get(&format!("/rounds/{id}/notice.docx")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(unzip(&r.body).contains_key("word/document.xml"));

        // Excel: three sheets with the figures.
        for path in [
            format!("/api/v1/rounds/{id}/notice.xlsx"),
            format!("/rounds/{id}/notice.xlsx"),
        ] {
            let r = office.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert_eq!(
                header_of(&r, header::CONTENT_TYPE),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            );
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(Cursor::new(r.body.clone())).expect("xlsx");
            assert_eq!(book.sheet_names(), ["县区排名", "乡镇得分", "问题清单"]);
            let problems = book.worksheet_range("问题清单").expect("sheet");
            assert_eq!(problems.get_size().0, 1 + 3, "header and three problems");
            let text: String = problems.rows().flatten().map(|c| c.to_string()).collect();
            assert!(text.contains("白塔镇") && text.contains("楚门镇"));
        }

        // The edit is audited, under the owner's region.
        let r = office
            .get(&format!("/api/v1/audit?entity=notice&entity_id={id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let entries = r.json()["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0]["action"], "update");
        assert_eq!(entries[0]["region_code"], "3310");
        assert!(entries[0]["changes"]
            .as_str()
            .unwrap_or_default()
            .contains("台美镇办〔2020〕12号"));

        // Too long a title is refused with the field named.
        let r = office
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/rounds/{id}/notice"),
                Some(json!({"title": "长".repeat(101)})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["field"], "title");

        // The HTML preview, with the edit form for the owner office.
        let r = office.get(&format!("/rounds/{id}/notice")).await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(html.contains("关于2020年第三季度美丽城镇暗访督查情况的通报"));
        assert!(html.contains("台美镇办〔2020〕12号"));
        assert!(html.contains("二、得分排名") && html.contains("干江镇"));
        assert!(html.contains("/inspections/photos/"));
        assert!(html.contains("name=\"_csrf\""));
        assert!(html.contains("<label for=\"notice-opening-input\">"));
        assert!(html.contains(&format!("href=\"/rounds/{id}/notice.docx\"")));
        assert!(html.contains(&format!("href=\"/rounds/{id}/notice.xlsx\"")));

        // Saving through the page: clearing the title brings back the generated one.
        let r = office
            .form(
                &format!("/rounds/{id}/notice"),
                &[
                    ("title", ""),
                    ("number", "台美镇办〔2020〕13号"),
                    ("opening", "页面编辑的开头。"),
                    ("closing", "特此通报。"),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/rounds/{id}/notice?done=saved"));
        let v = office
            .get(&format!("/api/v1/rounds/{id}/notice"))
            .await
            .json();
        assert_eq!(v["title"], "关于2020年第三季度暗访情况的通报");
        assert_eq!(v["number"], "台美镇办〔2020〕13号");
        assert_eq!(v["opening"], "页面编辑的开头。");
        // A page form without the CSRF token is refused.
        let r = office
            .form(&format!("/rounds/{id}/notice"), &[("title", "x")], false)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn notice_is_the_owner_offices() {
    on_each_engine(|app| async move {
        let published = inspected_round(&app.services, "2020年第三季度暗访", true).await;
        let planned = inspected_round(&app.services, "2020年第三季度复查", false).await;

        // The inspected county sees the published round, but not its notice.
        let mut county = Client::login(&app, "xj.office").await;
        let r = county.get(&format!("/api/v1/rounds/{published}")).await;
        assert_eq!(r.status, StatusCode::OK, "the county sees the round");
        for path in [
            format!("/api/v1/rounds/{published}/notice"),
            format!("/api/v1/rounds/{published}/notice.docx"),
            format!("/api/v1/rounds/{published}/notice.xlsx"),
            format!("/rounds/{published}/notice"),
            format!("/rounds/{published}/notice.docx"),
            format!("/rounds/{published}/notice.xlsx"),
        ] {
            let r = county.get(&path).await;
            assert!(
                r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                "{path}: {}",
                r.status
            );
        }
        let r = county
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/rounds/{published}/notice"),
                Some(json!({"number": "仙美镇办〔2020〕1号"})),
            )
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.status
        );
        let r = county
            .form(
                &format!("/rounds/{published}/notice"),
                &[("number", "仙美镇办〔2020〕1号")],
                true,
            )
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.status
        );
        // A town of the round neither.
        let mut town = Client::login(&app, "xj.baita").await;
        let r = town
            .get(&format!("/api/v1/rounds/{published}/notice"))
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.status
        );

        // An unpublished round: 409 for the owner, not found for the county.
        let mut office = Client::login(&app, "tz.office").await;
        let r = office
            .get(&format!("/api/v1/rounds/{planned}/notice"))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert_eq!(r.json()["error"]["message"], "暗访结果发布后才能生成通报");
        let r = office
            .get(&format!("/api/v1/rounds/{planned}/notice.docx"))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = office.get(&format!("/rounds/{planned}/notice")).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = office
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/rounds/{planned}/notice"),
                Some(json!({"number": "台美镇办〔2020〕14号"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        for path in [
            format!("/api/v1/rounds/{planned}/notice"),
            format!("/api/v1/rounds/{planned}/notice.docx"),
            format!("/rounds/{planned}/notice"),
        ] {
            let r = county.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }

        // The province office above the owner may build it, not edit it.
        let mut province = Client::login(&app, "sheng.office").await;
        let r = province
            .get(&format!("/api/v1/rounds/{published}/notice"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["can_edit"], false);
        let r = province
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/rounds/{published}/notice"),
                Some(json!({"number": "浙美镇办〔2020〕1号"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let html = province
            .get(&format!("/rounds/{published}/notice"))
            .await
            .text();
        assert!(!html.contains("name=\"opening\""), "no edit form");

        // The county's audit log shows nothing of the owner's notice.
        let r = county.get("/api/v1/audit?entity=notice").await;
        assert_eq!(r.json()["total"], 0);

        // The routes are documented.
        let doc = office.get("/api/v1/openapi.json").await.json();
        for p in [
            "/api/v1/rounds/{id}/notice",
            "/api/v1/rounds/{id}/notice.docx",
            "/api/v1/rounds/{id}/notice.xlsx",
        ] {
            assert!(doc["paths"][p]["get"].is_object(), "{p} documented");
        }
        assert!(doc["paths"]["/api/v1/rounds/{id}/notice"]["put"].is_object());
        assert!(doc["components"]["schemas"]["NoticeView"].is_object());
    })
    .await;
}
