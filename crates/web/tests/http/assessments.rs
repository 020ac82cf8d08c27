//! 暗访排名 and 动态考核 over HTTP: the ranking API's scores equal the base
//! minus the checklist's deductions worked out here, ranks and county
//! averages follow; before publication only the owner office sees it (the
//! county and its towns get 404); pages and Excel. The quarterly assessment:
//! a preview for the city office, 404 for the county before publication,
//! weights checked, publication once (409 after), then the county sees its
//! own towns only; the notice texts; pages and Excel. The quarterly notice
//! (通报): 409 for the owner and 404 for the county before publication, then
//! Word (every town, 综合得分, the edited opening), Excel and the page's
//! preview for the owner office; 403 for the county.

use super::rectification::{inspected_round, BAITA, CHUMEN, FINDINGS, GANJIANG, HENGXI};
use super::support::*;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Each item's deduction (hundredths) and the base, from the checklist API.
async fn checklist(c: &mut Client) -> (i64, BTreeMap<String, i64>) {
    let r = c.get("/api/v1/checklist").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let base = v["catalogue"]["base"].as_i64().expect("base");
    let mut items = BTreeMap::new();
    for a in v["catalogue"]["areas"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        for i in a["items"].as_array().cloned().unwrap_or_default() {
            items.insert(
                i["code"].as_str().unwrap_or("").to_owned(),
                i["deduction"].as_i64().expect("deduction"),
            );
        }
    }
    (base, items)
}

/// Half-up mean of hundredths.
fn mean(v: &[i64]) -> i64 {
    let n = v.len() as i64;
    (2 * v.iter().sum::<i64>() + n) / (2 * n)
}

/// Competition ranks (1, 2, 2, 4) of scores, highest first.
fn ranks(scores: &BTreeMap<&str, i64>) -> BTreeMap<String, u64> {
    scores
        .iter()
        .map(|(code, s)| {
            let better = scores.values().filter(|o| *o > s).count() as u64;
            ((*code).to_owned(), better + 1)
        })
        .collect()
}

fn codes(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| l[key].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn round_ranking_api_pages_and_secrecy() {
    on_each_engine(|app| async move {
        let round = inspected_round(&app.services, "台州市2020年第三季度暗访（排名）").await;
        let mut city = Client::login(&app, "tz.office").await;
        let mut county = Client::login(&app, "xj.office").await;
        let mut town = Client::login(&app, "xj.baita").await;
        let path = format!("/api/v1/rounds/{round}/ranking");

        // Before publication: a preview for the owner office, nothing for the
        // inspected county and its town.
        let r = city.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["published"], false);
        for c in [&mut county, &mut town] {
            let r = c.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
            let r = c.get(&format!("/rounds/{round}/ranking")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let r = c.get(&format!("/rounds/{round}/ranking.xlsx")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
        let html = city.get(&format!("/rounds/{round}/ranking")).await;
        assert_eq!(html.status, StatusCode::OK, "{}", html.text());
        assert!(html.text().contains("发布前预览"));

        let r = city
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round}/publish"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // Scores = base − the checklist's deductions of each town's findings.
        let (base, items) = checklist(&mut city).await;
        let mut deducted: BTreeMap<&str, i64> =
            [BAITA, HENGXI, CHUMEN, GANJIANG].map(|t| (t, 0)).into();
        let mut found: BTreeMap<&str, i64> = BTreeMap::new();
        for (t, item, _) in FINDINGS {
            *deducted.entry(t).or_default() += items[item];
            *found.entry(t).or_default() += 1;
        }
        let scores: BTreeMap<&str, i64> = deducted.iter().map(|(t, d)| (*t, base - d)).collect();
        let expected_ranks = ranks(&scores);

        let r = city.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["published"], true);
        assert_eq!(v["base"], base);
        assert_eq!(v["towns_total"], 4);
        assert_eq!(v["counties_total"], 2);
        let towns = v["towns"].as_array().cloned().unwrap_or_default();
        assert_eq!(towns.len(), 4, "{v}");
        for t in &towns {
            let code = t["code"].as_str().unwrap_or("");
            assert_eq!(t["score"], scores[code], "{t}");
            assert_eq!(t["deducted"], deducted[code], "{t}");
            assert_eq!(t["findings"], found.get(code).copied().unwrap_or(0), "{t}");
            assert_eq!(t["rank"], expected_ranks[code], "{t}");
            assert_eq!(t["change_label"], "新进", "no earlier round");
        }
        // Table order: by rank, then code.
        let order: Vec<(u64, String)> = towns
            .iter()
            .map(|t| {
                (
                    t["rank"].as_u64().unwrap_or(0),
                    t["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        // Counties by the average of their towns.
        let xianju = mean(&[scores[BAITA], scores[HENGXI]]);
        let yuhuan = mean(&[scores[CHUMEN], scores[GANJIANG]]);
        let counties = v["counties"].as_array().cloned().unwrap_or_default();
        let score_of = |code: &str| {
            counties
                .iter()
                .find(|c| c["code"] == code)
                .map(|c| c["score"].clone())
                .unwrap_or(Value::Null)
        };
        assert_eq!(score_of("331024"), xianju);
        assert_eq!(score_of("331083"), yuhuan);
        assert_eq!(
            counties[0]["code"],
            if xianju >= yuhuan { "331024" } else { "331083" }
        );
        // 末位: the lowest town.
        let lowest = scores.iter().min_by_key(|(_, s)| **s).map(|(c, _)| *c);
        assert_eq!(codes(&v["last"], "code"), [lowest.unwrap_or("")]);
        assert!(v["best"].as_array().is_some_and(|b| !b.is_empty()));

        // The county sees its own lines, ranked in the whole round.
        let r = county.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let cv = r.json();
        assert_eq!(codes(&cv["towns"], "code"), [HENGXI, BAITA]);
        assert_eq!(codes(&cv["counties"], "code"), ["331024"]);
        for t in cv["towns"].as_array().cloned().unwrap_or_default() {
            let code = t["code"].as_str().unwrap_or("");
            assert_eq!(t["rank"], expected_ranks[code]);
        }
        let r = town.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(codes(&r.json()["towns"], "code"), [BAITA]);
        assert_eq!(r.json()["towns"][0]["rank"], expected_ranks[BAITA]);

        // Pages for the city, the county and the town.
        let html = city.get(&format!("/rounds/{round}/ranking")).await;
        assert_eq!(html.status, StatusCode::OK, "{}", html.text());
        let html = html.text();
        assert!(html.contains("乡镇（街道）排名") && html.contains("县（市、区）排名"));
        let baita = format!("{}.{:02}", scores[BAITA] / 100, scores[BAITA] % 100);
        assert!(html.contains(&baita), "two decimals: {baita}");
        assert!(html.contains("<svg") && html.contains("平均得分"));
        assert!(html.contains("先进乡镇") && html.contains("末位乡镇"));
        assert!(html.contains(&format!("href=\"/rounds/{round}/notice\"")));
        assert!(html.contains("新进"));
        for c in [&mut county, &mut town] {
            let r = c.get(&format!("/rounds/{round}/ranking")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.text().contains("白塔镇"));
            assert!(!r.text().contains("楚门镇"), "only its own lines");
            assert!(!r.text().contains("/notice\""), "the notice is the owner's");
        }

        // Excel: towns, then counties.
        for (q, sheet, rows) in [("", "乡镇排名", 4usize), ("?level=county", "县区排名", 2)]
        {
            let r = city.get(&format!("/rounds/{round}/ranking.xlsx{q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.body.starts_with(b"PK"));
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(r.body.clone()))
                    .expect("xlsx");
            let range = book.worksheet_range(sheet).expect("sheet");
            // Title, subtitle, header, rows.
            assert_eq!(range.get_size().0, 3 + rows, "{sheet}");
        }
        let r = city.get("/api/v1/rounds/999999/ranking").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn quarterly_assessment_preview_publish_and_scope() {
    on_each_engine(|app| async move {
        let round = inspected_round(&app.services, "台州市2020年第三季度暗访（考核）").await;
        let mut city = Client::login(&app, "tz.office").await;
        let mut county = Client::login(&app, "xj.office").await;
        let mut town = Client::login(&app, "xj.baita").await;
        let r = city
            .send(Method::POST, &format!("/api/v1/rounds/{round}/publish"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let (base, items) = checklist(&mut city).await;
        let baita_score = base
            - FINDINGS
                .iter()
                .filter(|(t, ..)| *t == BAITA)
                .map(|(_, i, _)| items[*i])
                .sum::<i64>();
        let path = "/api/v1/assessments?region=3310&quarter=2020Q3";

        // A live preview for the city office.
        let r = city.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["published"], false);
        assert_eq!(v["live"], true);
        assert_eq!(v["can_publish"], true);
        assert_eq!(v["owner_code"], "3310");
        assert_eq!(v["quarter_label"], "2020年第三季度");
        assert_eq!(v["weights"], json!({"inspection": 60, "start_rate": 15, "investment_rate": 15, "reporting": 10}));
        let line = |v: &Value, code: &str| {
            v["towns"]
                .as_array()
                .and_then(|a| a.iter().find(|t| t["town_code"] == code).cloned())
                .unwrap_or(Value::Null)
        };
        // The inspection part is the score on the 0–100 scale.
        assert_eq!(line(&v, BAITA)["parts"]["inspection"], baita_score * 10_000 / base);
        assert_eq!(line(&v, GANJIANG)["parts"]["inspection"], 10_000);
        // Other weights for the preview.
        let r = city
            .get(&format!("{path}&w_inspection=100&w_start=0&w_investment=0&w_reporting=0"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["weights"]["inspection"], 100);
        assert_eq!(line(&r.json(), BAITA)["total"], baita_score * 10_000 / base);
        // Weights must be whole numbers summing to 100, all four given.
        let r = city
            .get(&format!("{path}&w_inspection=50&w_start=15&w_investment=15&w_reporting=10"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("100"));
        let r = city.get(&format!("{path}&w_inspection=60")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

        // Nothing for the county or the town before publication.
        for c in [&mut county, &mut town] {
            assert_eq!(c.get(path).await.status, StatusCode::NOT_FOUND);
            assert_eq!(
                c.get("/assessments?region=3310&quarter=2020Q3").await.status,
                StatusCode::NOT_FOUND
            );
        }
        // The city's page: the weights form, the preview, the publish button.
        let r = city.get("/assessments?region=3310&quarter=2020Q3").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        for label in ["暗访得分", "开工率", "投资完成率", "按时报送", "预览，未发布", "data-confirm"] {
            assert!(html.contains(label), "{label}");
        }
        assert!(html.contains("name=\"w_inspection\" value=\"60\""));
        assert!(html.contains("白塔镇") && html.contains("楚门镇"));
        let r = city
            .get("/assessments?region=3310&quarter=2020Q3&w_inspection=70&w_start=10&w_investment=10&w_reporting=20")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("各项权重之和应为 100，现为 110"), "{}", r.text());

        // Only the owner office publishes.
        let body = json!({"region": "3310", "quarter": "2020Q3",
            "weights": {"inspection": 70, "start_rate": 10, "investment_rate": 10, "reporting": 10}});
        let r = county
            .send(Method::POST, "/api/v1/assessments/publish", Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let r = city
            .send(Method::POST, "/api/v1/assessments/publish", Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let published = r.json();
        assert_eq!(published["published"], true);
        assert_eq!(published["live"], false);
        assert_eq!(published["weights"]["inspection"], 70);
        let r = city
            .send(Method::POST, "/api/v1/assessments/publish", Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        // The page's publish form says so too.
        let r = city
            .form(
                "/assessments/publish",
                &[("region", "3310"), ("quarter", "2020Q3")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text().contains("该季度考核结果已发布"));

        // Now the county sees its own towns, the town its own line.
        let r = county.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let cv = r.json();
        let towns = codes(&cv["towns"], "town_code");
        assert!(!towns.is_empty());
        assert!(towns.iter().all(|t| t.starts_with("331024")), "{towns:?}");
        assert!(towns.iter().any(|t| t == BAITA) && towns.iter().any(|t| t == HENGXI));
        assert_eq!(codes(&cv["counties"], "county_code"), ["331024"]);
        // Ranks are those of the whole city.
        assert_eq!(line(&cv, BAITA)["rank"], line(&published, BAITA)["rank"]);
        assert_eq!(cv["can_publish"], false);
        let r = town.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(codes(&r.json()["towns"], "town_code"), [BAITA]);
        // The county asking with its own defaults gets its city's quarter too.
        let r = county.get("/api/v1/assessments?quarter=2020Q3").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["owner_code"], "3310");

        // The notice texts, by the owner office only.
        let notice = json!({"region": "3310", "quarter": "2020Q3",
            "title": "关于2020年第三季度美丽城镇动态考核情况的通报", "number": "台美镇办〔2020〕15号",
            "opening": "", "closing": ""});
        let r = county
            .send(Method::PUT, "/api/v1/assessments/notice", Some(notice.clone()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        let r = city
            .send(Method::PUT, "/api/v1/assessments/notice", Some(notice))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["notice"]["number"], "台美镇办〔2020〕15号");

        // Pages and Excel for everyone concerned.
        for (c, who) in [(&mut city, "city"), (&mut county, "county"), (&mut town, "town")] {
            let r = c.get("/assessments?region=3310&quarter=2020Q3").await;
            assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
            let html = r.text();
            assert!(html.contains("已发布") && html.contains("白塔镇"), "{who}");
            assert!(!html.contains("action=\"/assessments/publish\""), "{who}");
            for q in ["", "&level=county"] {
                let r = c
                    .get(&format!("/assessments.xlsx?region=3310&quarter=2020Q3{q}"))
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{who} {q}: {}", r.text());
                assert_eq!(
                    r.headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok()),
                    Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                );
            }
        }
        let html = county.get("/assessments?region=3310&quarter=2020Q3").await.text();
        assert!(!html.contains("楚门镇"), "the county sees its own towns only");
        let html = city.get("/assessments?region=3310&quarter=2020Q3").await.text();
        assert!(html.contains("台美镇办〔2020〕15号"), "the notice form");
        assert!(html.contains("70%"), "the published weights");
        // The page's notice form.
        let r = city
            .form(
                "/assessments/notice",
                &[
                    ("region", "3310"),
                    ("quarter", "2020Q3"),
                    ("title", "关于动态考核的通报"),
                    ("number", "台美镇办〔2020〕16号"),
                    ("opening", ""),
                    ("closing", ""),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

        let doc = city.get("/api/v1/openapi.json").await.json();
        for p in [
            "/api/v1/rounds/{id}/ranking",
            "/api/v1/assessments",
            "/api/v1/assessments/publish",
            "/api/v1/assessments/notice",
        ] {
            assert!(doc["paths"][p].is_object(), "{p}");
        }
    })
    .await;
}

/// The text of `word/document.xml` in a DOCX.
fn document_xml(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let mut file = archive
        .by_name("word/document.xml")
        .expect("word/document.xml");
    let mut xml = String::new();
    file.read_to_string(&mut xml).expect("utf-8");
    xml
}

#[tokio::test]
async fn quarterly_notice_word_excel_and_permissions() {
    on_each_engine(|app| async move {
        let round = inspected_round(&app.services, "台州市2020年第三季度暗访（考核通报）").await;
        let mut city = Client::login(&app, "tz.office").await;
        let mut county = Client::login(&app, "xj.office").await;
        let r = city
            .send(Method::POST, &format!("/api/v1/rounds/{round}/publish"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let q = "region=3310&quarter=2020Q3";
        let api = |ext: &str| format!("/api/v1/assessments/notice{ext}?{q}");
        let page = |ext: &str| format!("/assessments/notice{ext}?{q}");

        // Before publication: a conflict for the owner office, nothing for the county.
        for path in [api(""), api(".docx"), api(".xlsx"), page(".docx"), page(".xlsx")] {
            let r = city.get(&path).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{path}: {}", r.text());
            let r = county.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
        }
        let r = city.get(&api("")).await;
        assert!(r.text().contains("季度考核结果发布后才能生成通报"), "{}", r.text());
        let html = city.get(&format!("/assessments?{q}")).await.text();
        assert!(!html.contains("/assessments/notice.docx"), "no notice before publication");

        let r = city
            .send(
                Method::POST,
                "/api/v1/assessments/publish",
                Some(json!({"region": "3310", "quarter": "2020Q3"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let assessed = r.json();
        let town_names: Vec<String> = assessed["towns"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| t["town_name"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(town_names.len() >= 4, "{town_names:?}");
        for name in ["白塔镇", "横溪镇", "楚门镇", "干江镇"] {
            assert!(town_names.iter().any(|t| t == name), "{name}");
        }

        // The notice as JSON: generated texts, every figure filled in.
        let r = city.get(&api("")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let n = r.json();
        assert_eq!(n["title"], "关于2020年第三季度美丽城镇建设动态考核情况的通报");
        assert_eq!(n["issuer"], "台州市美丽城镇建设工作领导小组办公室");
        let opening = n["opening"].as_str().unwrap_or("");
        assert!(opening.contains(&format!("{}个乡镇（街道）", town_names.len())), "{opening}");
        assert!(opening.contains("暗访得分占60%"), "{opening}");
        assert!(n["method"].as_str().unwrap_or("").contains("重新折算"));
        assert_eq!(n["towns"].as_array().map(Vec::len), Some(town_names.len()));
        assert!(!n["date_zh"].as_str().unwrap_or("").is_empty());
        let best: Vec<String> = serde_json::from_value(n["best"].clone()).unwrap_or_default();
        let last: Vec<String> = serde_json::from_value(n["last"].clone()).unwrap_or_default();
        assert!(!best.is_empty() && !last.is_empty(), "{n}");
        assert!(best.iter().all(|b| !last.contains(b)), "先进 and 末位 never overlap");
        let requirements = n["requirements"].as_array().cloned().unwrap_or_default();
        assert!(
            requirements
                .iter()
                .any(|r| r.as_str().unwrap_or("").contains("整改报告")),
            "{requirements:?}"
        );
        for t in n["towns"].as_array().cloned().unwrap_or_default() {
            for k in ["rank", "total", "inspection", "start_rate", "investment_rate", "reporting"] {
                assert!(!t[k].as_str().unwrap_or("").is_empty(), "{k} blank: {t}");
            }
        }

        // Word: every town, the quarterly columns.
        let r = city.get(&api(".docx")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        let disposition = r
            .headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        let xml = document_xml(&r.body);
        for name in &town_names {
            assert!(xml.contains(name.as_str()), "{name} missing from the Word file");
        }
        for label in ["综合得分", "暗访得分", "开工率", "投资完成率", "按时报送", "四、逾期未整改问题"] {
            assert!(xml.contains(label), "{label}");
        }
        assert!(xml.contains("本季度暗访发现的问题均已按期整改或尚在整改期限内"));
        assert!(!xml.contains(">问题数<") && !xml.contains(">扣分<"));

        // The opening edited through the existing route appears in the file.
        let edited = "各县（市、区）美丽城镇建设工作领导小组办公室：\n本季度考核通报开头已由市美镇办改写。";
        let r = city
            .send(
                Method::PUT,
                "/api/v1/assessments/notice",
                Some(json!({"region": "3310", "quarter": "2020Q3", "number": "台美镇办〔2020〕21号", "opening": edited})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = city.get(&page(".docx")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let xml = document_xml(&r.body);
        assert!(xml.contains("本季度考核通报开头已由市美镇办改写。"), "edited opening");
        assert!(xml.contains("台美镇办〔2020〕21号"));
        assert!(!xml.contains("根据美丽城镇建设动态考核工作安排"), "the generated opening is replaced");

        // Excel: every town with its parts.
        for path in [api(".xlsx"), page(".xlsx")] {
            let r = city.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(r.body.clone())).expect("xlsx");
            assert_eq!(book.sheet_names(), ["县区考核", "乡镇考核", "逾期问题"]);
            let towns = book.worksheet_range("乡镇考核").expect("sheet");
            assert_eq!(towns.get_size(), (1 + town_names.len(), 8), "{path}");
            let header: Vec<String> = towns
                .rows()
                .next()
                .map(|r| r.iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            assert_eq!(header[3], "综合得分");
        }

        // The page: the preview and the downloads for the city office.
        let r = city.get(&format!("/assessments?{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        // The query is HTML-escaped in the attribute ("&#38;").
        for ext in ["docx", "xlsx"] {
            let link = format!("href=\"/assessments/notice.{ext}?region=3310&");
            assert!(html.contains(&link), "{link}");
        }
        assert!(html.contains("quarter=2020Q3\" download>导出 Word</a>"));
        assert!(html.contains("关于2020年第三季度美丽城镇建设动态考核情况的通报"));
        assert!(html.contains("本季度考核通报开头已由市美镇办改写。"));
        assert!(html.contains("逾期未整改问题") && html.contains("五、整改要求"));

        // After publication the county sees the assessment but not the notice.
        for path in [api(""), api(".docx"), api(".xlsx"), page(".docx")] {
            let r = county.get(&path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text());
        }
        let r = county.get(&format!("/assessments?{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(!r.text().contains("/assessments/notice.docx"));

        let doc = city.get("/api/v1/openapi.json").await.json();
        for p in [
            "/api/v1/assessments/notice.docx",
            "/api/v1/assessments/notice.xlsx",
        ] {
            assert!(doc["paths"][p]["get"].is_object(), "{p}");
        }
        assert!(doc["paths"]["/api/v1/assessments/notice"]["get"].is_object());
        assert!(doc["paths"]["/api/v1/assessments/notice"]["put"].is_object());
    })
    .await;
}
