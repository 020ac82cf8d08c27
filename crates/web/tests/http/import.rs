//! Importing a messy ledger as offices keep them, through the API and the page.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// A ledger with the usual mess: title and note rows, a two-row merged header,
/// the county merged down, towns written three ways, full-width digits,
/// thousands separators, an amount in 亿元, dates three ways, a 小计 row, a
/// repeated row and bad rows.
fn messy_ledger() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let w = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, s: &str| {
        ws.write_string(r, c, s).expect("write");
    };
    ws.merge_range(0, 0, 0, 8, "仙居县2020年美丽城镇建设项目汇总表", &bold)
        .expect("title");
    w(ws, 1, 0, "填报单位：仙居县美镇办        单位：万元");
    // Header rows 3–4 (0-based 2–3).
    for (c, h) in [
        (0, "序号"),
        (1, "县（市、区）"),
        (2, "乡镇"),
        (3, "项目名称"),
        (4, "五美类别"),
    ] {
        ws.merge_range(2, c, 3, c, h, &bold).expect("header");
    }
    ws.merge_range(2, 5, 2, 6, "投资情况（万元）", &bold)
        .expect("group");
    w(ws, 3, 5, "总投资");
    w(ws, 3, 6, "2020年计划投资");
    ws.merge_range(2, 7, 3, 7, "计划开工时间", &bold)
        .expect("h");
    ws.merge_range(2, 8, 3, 8, "项目状态", &bold).expect("h");
    let rows: Vec<[&str; 9]> = vec![
        [
            "1",
            "",
            "白塔",
            "白塔老街立面改造",
            "环境美",
            "1,200.5",
            "800",
            "2020.3",
            "在建",
        ],
        [
            "2",
            "",
            "仙居县横溪镇",
            "横溪污水管网",
            "功能便民环境美",
            "１０００",
            "600",
            "",
            "前期",
        ],
        [
            "3",
            "",
            "白塔镇",
            "白塔文化礼堂",
            "人文美",
            "0.05亿元",
            "300",
            "2020年6月",
            "完工",
        ],
        ["", "", "", "小计", "", "2700.5", "1700", "", ""],
        [
            "4",
            "",
            "白塔镇",
            "白塔老街立面改造",
            "环境美",
            "1200.5",
            "800",
            "",
            "在建",
        ],
        [
            "5",
            "",
            "火星镇",
            "不存在的项目",
            "环境美",
            "10",
            "10",
            "",
            "在建",
        ],
        [
            "6",
            "",
            "横溪镇",
            "待定项目",
            "产业美",
            "待定",
            "10",
            "",
            "在建",
        ],
        [
            "7",
            "",
            "楚门镇",
            "别县项目",
            "环境美",
            "10",
            "10",
            "",
            "在建",
        ],
        ["8", "", "横溪镇", "无类别项目", "", "10", "10", "", "在建"],
    ];
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        for (c, v) in r.iter().enumerate() {
            if !v.is_empty() {
                w(ws, row, c as u16, v);
            }
        }
    }
    // The county merged down the data rows; one real Excel date.
    ws.merge_range(4, 1, 12, 1, "仙居县", &Format::new())
        .expect("county");
    ws.write_datetime_with_format(
        5,
        7,
        ExcelDateTime::from_ymd(2020, 4, 15).expect("date"),
        &date,
    )
    .expect("date");
    w(ws, 14, 0, "注：本表由各乡镇填报，县美镇办汇总。");
    wb.save_to_buffer().expect("xlsx")
}

async fn upload(c: &mut Client, query: &str, bytes: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/projects/import?{query}"))
        .header(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
        .body(Body::from(bytes))
        .expect("request");
    c.request(req).await
}

#[tokio::test]
async fn messy_ledger_imports_with_exact_totals() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        // Dry run: a full report, nothing saved.
        let r = upload(&mut county, "year=2020&dry_run=true", messy_ledger()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["imported"], 3, "{v}");
        assert_eq!(
            county.get("/api/v1/projects").await.json()["total"],
            0,
            "dry run saves nothing"
        );
        // Rejected rows carry their sheet row numbers (Excel's, 1-based) and a Chinese reason.
        let rejected: Vec<(i64, String)> = v["rejected"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["row"].as_i64().unwrap_or(0),
                            x["reason"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rows: Vec<i64> = rejected.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, vec![10, 11, 12, 13], "{rejected:?}");
        assert!(rejected[0].1.contains("火星镇"), "{rejected:?}");
        assert!(rejected[1].1.contains("总投资"), "{rejected:?}");
        assert!(
            rejected[2].1.contains("楚门镇"),
            "other county's town: {rejected:?}"
        );
        assert!(rejected[3].1.contains("类别"), "{rejected:?}");
        assert_eq!(
            v["duplicates"],
            serde_json::json!([{"row": 9, "first_row": 5}])
        );
        // 1200.5 + 1000 + 500 (0.05亿元) = 2700.5 万元; plans 800 + 600 + 300.
        assert_eq!(v["total_investment_fen"], 2_700_500_000i64);
        assert_eq!(v["planned_investment_fen"], 1_700_000_000i64);

        // For real.
        let r = upload(&mut county, "year=2020", messy_ledger()).await;
        assert_eq!(r.json()["imported"], 3);
        let list = county
            .get("/api/v1/projects?year=2020&per_page=50")
            .await
            .json();
        assert_eq!(list["total"], 3);
        let s = county
            .get("/api/v1/regions/331024/project-stats?year=2020&month=12")
            .await
            .json();
        assert_eq!(s["total_investment_fen"], 2_700_500_000i64);
        assert_eq!(s["planned_investment_fen"], 1_700_000_000i64);
        assert_eq!(
            (s["started"].as_i64(), s["completed"].as_i64()),
            (Some(2), Some(1))
        );
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let baita = items
            .iter()
            .find(|p| p["name"] == "白塔老街立面改造")
            .cloned()
            .unwrap_or_default();
        assert_eq!(baita["town_code"], "331024103");
        let detail = county
            .get(&format!("/api/v1/projects/{}", baita["id"]))
            .await
            .json();
        assert_eq!(detail["project"]["planned_start"], "2020-03-01");
        let hx = items
            .iter()
            .find(|p| p["name"] == "横溪污水管网")
            .cloned()
            .unwrap_or_default();
        let detail = county
            .get(&format!("/api/v1/projects/{}", hx["id"]))
            .await
            .json();
        assert_eq!(
            detail["project"]["planned_start"], "2020-04-15",
            "a real Excel date"
        );
        assert_eq!(
            detail["project"]["total_investment_fen"], 1_000_000_000i64,
            "full-width digits"
        );

        // Importing the same sheet again updates instead of duplicating.
        let r = upload(&mut county, "year=2020", messy_ledger()).await;
        assert_eq!(
            (r.json()["imported"].as_i64(), r.json()["updated"].as_i64()),
            (Some(0), Some(3))
        );
        assert_eq!(county.get("/api/v1/projects").await.json()["total"], 3);

        // Not a workbook, or no header: a clear error, nothing written.
        let r = upload(&mut county, "year=2020", b"hello, not excel".to_vec()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("不是 Excel"),
            "{}",
            r.text()
        );
        let mut wb = Workbook::new();
        wb.add_worksheet()
            .write_string(0, 0, "随便写点什么")
            .expect("w");
        let r = upload(&mut county, "year=2020", wb.save_to_buffer().expect("xlsx")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("表头"));
        // A town user can only import into its own town.
        let mut town = Client::login(&app, "xj.hengxi").await;
        let r = upload(&mut town, "year=2020&dry_run=true", messy_ledger()).await;
        let v = r.json();
        assert_eq!(v["updated"], 1, "only 横溪's own row: {v}");
        assert!(v["rejected"].as_array().is_some_and(|a| a
            .iter()
            .any(|x| x["reason"].as_str().is_some_and(|s| s.contains("白塔")))));
        // The audit log has the two real imports (dry runs leave nothing) and each project.
        let log = county
            .get("/api/v1/audit?entity=project_import")
            .await
            .json();
        assert_eq!(log["total"], 2, "{log}");
        assert!(
            log["items"]
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e["summary"]
                    .as_str()
                    .is_some_and(|s| s.contains("新增 3 个")))),
            "{log}"
        );
        let log = county
            .get("/api/v1/audit?entity=project&action=create")
            .await
            .json();
        assert_eq!(log["total"], 3);
    })
    .await;
}
