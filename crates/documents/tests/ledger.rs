//! The ledger reader against workbooks laid out like real 项目台账: see
//! `support/mod.rs` for the fixture generator.

mod support;

use std::collections::BTreeMap;

use meizhen_documents::ledger::{clean_text, parse_bool_zh, to_half_width};
use meizhen_documents::{
    read_project_ledger, read_project_ledgers, Field, LedgerError, LedgerSheet, MoneyUnit,
    RawValue, SkipReason,
};
use support::{taizhou_ledger, Book, TestResult, B, D, E, N, S, V};

fn text(s: &str) -> RawValue {
    RawValue::Text(s.into())
}

fn row(sheet: &LedgerSheet, excel_row: u32) -> &BTreeMap<Field, RawValue> {
    match sheet.rows.iter().find(|r| r.row == excel_row) {
        Some(r) => &r.cells,
        None => panic!("no project row {excel_row}; rows: {:?}", sheet.rows),
    }
}

fn fields(sheet: &LedgerSheet) -> Vec<Field> {
    sheet.columns.iter().map(|(f, _)| *f).collect()
}

// ---------------------------------------------------------------------------
// The 台州 summary: title, note, two-row merged header, merged 县/乡镇,
// subtotals, sections, blank row, notes and signatures.

fn check_taizhou(sheet: &LedgerSheet) {
    assert_eq!(
        sheet.title.as_deref(),
        Some("台州市2020年美丽城镇建设项目汇总表")
    );
    assert_eq!(sheet.header_rows, (3, 4));
    assert_eq!(sheet.sheet_unit, Some(MoneyUnit::WanYuan));
    assert_eq!(
        fields(sheet),
        vec![
            Field::Seq,
            Field::County,
            Field::Town,
            Field::Name,
            Field::Content,
            Field::TotalInvestment,
            Field::YearPlan,
            Field::Completed,
            Field::LandAcquired,
            Field::LandTransferred,
            Field::GravesMoved,
            Field::HouseholdsRelocated,
            Field::PlannedStart,
            Field::Status,
            Field::ProgressPct,
            Field::Owner,
            Field::Person,
            Field::Remarks,
        ]
    );
    assert_eq!(sheet.header(Field::Name), Some("项目名称"));
    assert_eq!(
        sheet.header(Field::TotalInvestment),
        Some("投资情况（万元）/总投资")
    );
    assert_eq!(
        sheet.header(Field::Completed),
        Some("投资情况（万元）/1-9月 完成投资")
    );
    assert_eq!(
        sheet.header(Field::LandAcquired),
        Some("政策处理/征地（亩）")
    );
    assert_eq!(sheet.ignored, vec!["联系电话".to_owned()]);
    for f in [Field::TotalInvestment, Field::YearPlan, Field::Completed] {
        assert_eq!(sheet.unit(f), Some(MoneyUnit::WanYuan), "{f}");
    }
    assert_eq!(sheet.units.len(), 3);

    let project_rows: Vec<u32> = sheet.rows.iter().map(|r| r.row).collect();
    assert_eq!(project_rows, vec![7, 8, 10, 13]);
    assert_eq!(
        sheet.skipped,
        vec![
            (5, SkipReason::Subtotal("合计".into())),
            (6, SkipReason::Section("一、环境美".into())),
            (9, SkipReason::Subtotal("章安街道小计".into())),
            (11, SkipReason::Blank),
            (12, SkipReason::Section("二".into())),
            (14, SkipReason::Subtotal("总计".into())),
            (
                15,
                SkipReason::Note(
                    "注：1.形象进度按百分比填写；2.项目状态填写前期、在建、完工。".into()
                )
            ),
            (16, SkipReason::Note("3.投资单位为万元。".into())),
            (17, SkipReason::Note("填报人：张三".into())),
        ]
    );

    // Row 7: everything as the cells hold it.
    let r7 = row(sheet, 7);
    assert_eq!(r7.len(), sheet.columns.len());
    assert_eq!(r7[&Field::Seq], RawValue::Number(1.0));
    assert_eq!(r7[&Field::County], text("椒江区"));
    assert_eq!(r7[&Field::Town], text("章安街道"));
    assert_eq!(r7[&Field::Name], text("章安污水零直排提升工程"));
    assert_eq!(r7[&Field::TotalInvestment], RawValue::Number(1200.0));
    assert_eq!(r7[&Field::LandAcquired], RawValue::Number(12.5));
    assert_eq!(r7[&Field::LandTransferred], RawValue::Number(0.0));
    assert_eq!(r7[&Field::PlannedStart], RawValue::Date(2020, 3, 15));
    assert_eq!(r7[&Field::ProgressPct], RawValue::Number(0.35));
    assert_eq!(r7[&Field::Owner], text("章安街道办事处"));
    assert_eq!(r7[&Field::Remarks], RawValue::Empty);

    // Row 8: 县 and 乡镇 come from the merged cells above; 业主单位, merged
    // too, is not filled. Text stays text.
    let r8 = row(sheet, 8);
    assert_eq!(r8[&Field::County], text("椒江区"));
    assert_eq!(r8[&Field::Town], text("章安街道"));
    assert_eq!(r8[&Field::Owner], RawValue::Empty);
    assert_eq!(r8[&Field::TotalInvestment], text("1,200.5"));
    assert_eq!(r8[&Field::PlannedStart], text("2020年10月"));
    assert_eq!(r8[&Field::LandAcquired], RawValue::Empty);
    assert_eq!(r8[&Field::Remarks], text("待定"));

    // Row 10: county still merged, own town; "2020" typed into a date cell.
    let r10 = row(sheet, 10);
    assert_eq!(r10[&Field::County], text("椒江区"));
    assert_eq!(r10[&Field::Town], text("前所街道"));
    assert_eq!(r10[&Field::PlannedStart], RawValue::Number(2020.0));

    let r13 = row(sheet, 13);
    assert_eq!(r13[&Field::County], text("路桥区"));
    assert_eq!(r13[&Field::Town], text("金清镇"));
    assert_eq!(r13[&Field::PlannedStart], RawValue::Date(2021, 1, 8));
}

#[test]
fn taizhou_two_row_merged_header() -> TestResult {
    let sheet = read_project_ledger(&taizhou_ledger()?)?;
    assert_eq!(sheet.sheet, "汇总表");
    check_taizhou(&sheet);
    Ok(())
}

/// The same workbook saved by LibreOffice as a legacy .xls (BIFF8), as
/// many offices still send them. Regenerate with the ignored test
/// `write_fixture_files` and `soffice --headless --convert-to xls`.
#[test]
fn taizhou_as_legacy_xls() -> TestResult {
    let bytes = include_bytes!("fixtures/taizhou.xls");
    let sheet = read_project_ledger(bytes)?;
    check_taizhou(&sheet);
    Ok(())
}

// ---------------------------------------------------------------------------
// A single-row header with messy spellings, a column-number row, a repeated
// header and a sheet-level unit.

fn messy_single_row() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        sh.cell("A1", S("附件2"))?
            .merge("A2:K2", "xx县美丽城镇建设项目进展情况表")?
            .cell("A3", S("填报日期：2020年10月10日"))?
            .cell("K3", S("（金额单位：亿元）"))?;
        let header = [
            S("*序　号"),
            S("县【市、区】"),
            S("乡镇\n（街道）"),
            S("项 目 名 称"),
            S("项目编号"),
            S("五美类别"),
            S("十个一"),
            S("是否重点"),
            S("计划总投资\n(万元)"),
            S("年度计划投资"),
            S("本月完成投资"),
            S("累计完成\n投资"),
            S("资金来源"),
            S("计划开工时间"),
            S("计划竣工时间"),
            S("实际开工时间"),
            S("进展情况"),
            S("存在问题"),
            S("联系人"),
            S("联系人"),
            S("城镇类型"),
        ];
        sh.row(4, &header)?;
        let numbers: Vec<V> = (1..=21).map(|n| N(f64::from(n))).collect();
        sh.row(5, &numbers)?;
        sh.row(
            6,
            &[
                N(1.0),
                S("仙居县"),
                S("白塔镇"),
                S("白塔镇游客集散中心"),
                S("2020-331024-01"),
                S("产业美"),
                S("一个商贸特色街"),
                S("√"),
                N(3000.0),
                N(0.05),
                N(0.01),
                N(0.12),
                S("财政资金"),
                D(2020, 2, 1),
                D(2021, 6, 30),
                D(2020, 3, 2),
                S("主体完工"),
                S("无"),
                S("陈一"),
                S("陈二"),
                S("特色型"),
            ],
        )?;
        sh.row(
            7,
            &[
                N(2.0),
                S("仙居县"),
                S("\u{3000}皤滩乡 "),
                S("皤滩古镇\n保护利用"),
                E,
                S("人文美"),
                E,
                B(false),
                S("１２００"),
            ],
        )?;
        sh.row(8, &header)?;
        sh.row(
            9,
            &[
                N(3.0),
                S("仙居县"),
                S("横溪镇"),
                S("横溪镇老街改造"),
                E,
                E,
                E,
                S("否"),
            ],
        )?;
        sh.row(11, &[S("合　计"), E, E, E, E, E, E, E, N(4200.0)])?;
    }
    book.bytes()
}

#[test]
fn messy_single_row_header() -> TestResult {
    let sheet = read_project_ledger(&messy_single_row()?)?;
    assert_eq!(
        sheet.title.as_deref(),
        Some("xx县美丽城镇建设项目进展情况表")
    );
    assert_eq!(sheet.header_rows, (4, 4));
    assert_eq!(
        fields(&sheet),
        vec![
            Field::Seq,
            Field::County,
            Field::Town,
            Field::Name,
            Field::Code,
            Field::Pillar,
            Field::BasicFacility,
            Field::Key,
            Field::TotalInvestment,
            Field::YearPlan,
            Field::MonthCompleted,
            Field::Completed,
            Field::Funding,
            Field::PlannedStart,
            Field::PlannedFinish,
            Field::ActualStart,
            Field::Progress,
            Field::Problems,
            Field::Person,
        ]
    );
    assert_eq!(sheet.header(Field::Seq), Some("*序 号"));
    assert_eq!(sheet.header(Field::Town), Some("乡镇 （街道）"));
    // The second 联系人 and the unknown 城镇类型 are left out.
    assert_eq!(
        sheet.ignored,
        vec!["联系人".to_owned(), "城镇类型".to_owned()]
    );

    // 计划总投资 says 万元 itself; the others follow the sheet's 亿元.
    assert_eq!(sheet.sheet_unit, Some(MoneyUnit::YiYuan));
    assert_eq!(sheet.unit(Field::TotalInvestment), Some(MoneyUnit::WanYuan));
    assert_eq!(sheet.unit(Field::YearPlan), Some(MoneyUnit::YiYuan));
    assert_eq!(sheet.unit(Field::MonthCompleted), Some(MoneyUnit::YiYuan));
    assert_eq!(sheet.unit(Field::Completed), Some(MoneyUnit::YiYuan));

    assert_eq!(
        sheet.skipped,
        vec![
            (5, SkipReason::ColumnNumbers),
            (8, SkipReason::RepeatedHeader),
            (10, SkipReason::Blank),
            (11, SkipReason::Subtotal("合 计".into())),
        ]
    );
    assert_eq!(
        sheet.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![6, 7, 9]
    );

    let r6 = row(&sheet, 6);
    assert_eq!(r6[&Field::Key], text("√"));
    assert_eq!(r6[&Field::ActualStart], RawValue::Date(2020, 3, 2));
    assert_eq!(r6[&Field::PlannedFinish], RawValue::Date(2021, 6, 30));
    let yi = sheet.unit(Field::YearPlan).ok_or("unit")?;
    let plan = r6[&Field::YearPlan].as_number().ok_or("number")?;
    assert_eq!(yi.fen_from_number(plan), Some(500_000_000));

    // Raw text is kept as written; the normalisers clean it.
    let r7 = row(&sheet, 7);
    assert_eq!(r7[&Field::Town], text("\u{3000}皤滩乡 "));
    assert_eq!(
        clean_text(r7[&Field::Town].as_text().ok_or("text")?),
        "皤滩乡"
    );
    assert_eq!(r7[&Field::Name], text("皤滩古镇\n保护利用"));
    assert_eq!(r7[&Field::Key], text("FALSE"));
    assert_eq!(
        parse_bool_zh(r7[&Field::Key].as_text().ok_or("text")?),
        Some(false)
    );
    assert_eq!(
        parse_bool_zh(r6[&Field::Key].as_text().ok_or("text")?),
        Some(true)
    );
    let total = r7[&Field::TotalInvestment].as_text().ok_or("text")?;
    assert_eq!(to_half_width(total), "1200");
    assert_eq!(MoneyUnit::WanYuan.fen_from_text(total), Some(1_200_000_000));
    assert_eq!(r7[&Field::Code], RawValue::Empty);
    Ok(())
}

// ---------------------------------------------------------------------------
// Other header shapes.

/// Unmerged two-row header: group texts written once, blank cells to their
/// right; 乡镇 on the upper row and 项目名称 on the lower one.
#[test]
fn unmerged_two_row_header() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("台账")?;
        sh.row(
            1,
            &[
                S("序号"),
                S("乡镇"),
                S("项目基本情况"),
                E,
                S("投资（亿元）"),
                E,
                E,
                S("进度"),
                E,
            ],
        )?;
        sh.row(
            2,
            &[
                E,
                E,
                S("项目名称"),
                S("建设内容"),
                S("总投资"),
                S("年度计划"),
                S("累计完成"),
                S("形象进度"),
                S("完成比例(%)"),
            ],
        )?;
        sh.row(
            3,
            &[
                N(1.0),
                S("大陈镇"),
                S("大陈岛码头提升"),
                S("码头改造"),
                N(0.8),
                N(0.3),
                N(0.1),
                S("完成招标"),
                N(15.0),
            ],
        )?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(sheet.header_rows, (1, 2));
    assert_eq!(sheet.title, None);
    assert_eq!(
        sheet.columns,
        vec![
            (Field::Seq, "序号".to_owned()),
            (Field::Town, "乡镇".to_owned()),
            (Field::Name, "项目基本情况/项目名称".to_owned()),
            (Field::Content, "项目基本情况/建设内容".to_owned()),
            (Field::TotalInvestment, "投资（亿元）/总投资".to_owned()),
            (Field::YearPlan, "投资（亿元）/年度计划".to_owned()),
            (Field::Completed, "投资（亿元）/累计完成".to_owned()),
            (Field::Progress, "进度/形象进度".to_owned()),
            (Field::ProgressPct, "进度/完成比例(%)".to_owned()),
        ]
    );
    assert_eq!(sheet.unit(Field::Completed), Some(MoneyUnit::YiYuan));
    assert_eq!(sheet.sheet_unit, None);
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(row(&sheet, 3)[&Field::ProgressPct], RawValue::Number(15.0));
    assert!(sheet.skipped.is_empty());
    Ok(())
}

/// Upper row made only of merged groups (no cell merged down): the header
/// is found on the lower row and grows upwards; `实际` over `开工时间 |
/// 竣工时间` makes them the actual dates. The title merged across the whole
/// width is not taken as a group.
#[test]
fn merged_groups_above_the_named_row() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("项目")?;
        sh.merge("A1:I1", "美丽城镇项目清单")?
            .merge("A2:D2", "基本情况")?
            .merge("E2:G2", "投资情况（亿元）")?
            .merge("H2:I2", "实际")?;
        sh.row(
            3,
            &[
                S("序号"),
                S("乡镇"),
                S("项目名称"),
                S("建设内容"),
                S("总投资（万元）"),
                S("年度计划投资"),
                S("累计完成投资"),
                S("开工时间"),
                S("竣工时间"),
            ],
        )?;
        sh.row(
            4,
            &[
                N(1.0),
                S("新河镇"),
                S("新河古镇修缮"),
                E,
                N(900.0),
                N(0.03),
                N(0.01),
                D(2019, 11, 20),
                E,
            ],
        )?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(sheet.title.as_deref(), Some("美丽城镇项目清单"));
    assert_eq!(sheet.header_rows, (2, 3));
    assert_eq!(sheet.header(Field::Name), Some("基本情况/项目名称"));
    assert_eq!(sheet.header(Field::ActualStart), Some("实际/开工时间"));
    assert_eq!(sheet.header(Field::ActualFinish), Some("实际/竣工时间"));
    assert!(!sheet.has(Field::PlannedStart));
    // The lower header's own unit wins over the group's.
    assert_eq!(sheet.unit(Field::TotalInvestment), Some(MoneyUnit::WanYuan));
    assert_eq!(sheet.unit(Field::YearPlan), Some(MoneyUnit::YiYuan));
    assert_eq!(
        row(&sheet, 4)[&Field::ActualStart],
        RawValue::Date(2019, 11, 20)
    );
    Ok(())
}

/// Unmerged group on the row that names 项目名称 and 乡镇: the sub-header
/// row below is recognised because its texts name other fields than the
/// cells above them. The sheet note is the one from the brief, in a merged
/// cell.
#[test]
fn unmerged_group_on_the_named_row() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        sh.merge("A1:F1", "填报单位：xx县美镇办  单位：万元")?;
        sh.row(
            2,
            &[S("序号"), S("乡镇"), S("项目名称"), S("投资情况"), E, E],
        )?;
        sh.row(3, &[E, E, E, S("总投资"), S("年度计划"), S("累计完成")])?;
        sh.row(
            4,
            &[
                N(1.0),
                S("桃渚镇"),
                S("桃渚古城游客中心"),
                N(500.0),
                N(200.0),
                N(50.0),
            ],
        )?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(sheet.header_rows, (2, 3));
    assert_eq!(sheet.title, None);
    assert_eq!(sheet.sheet_unit, Some(MoneyUnit::WanYuan));
    assert_eq!(
        sheet.header(Field::TotalInvestment),
        Some("投资情况/总投资")
    );
    assert_eq!(sheet.header(Field::YearPlan), Some("投资情况/年度计划"));
    assert_eq!(sheet.header(Field::Completed), Some("投资情况/累计完成"));
    assert_eq!(sheet.unit(Field::YearPlan), Some(MoneyUnit::WanYuan));
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(row(&sheet, 4)[&Field::Completed], RawValue::Number(50.0));
    Ok(())
}

/// Section rows in their usual forms; a row with only a project name is
/// still a project.
#[test]
fn section_rows() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        sh.row(
            1,
            &[
                S("序号"),
                S("县市区"),
                S("乡镇"),
                S("项目名称"),
                S("总投资"),
            ],
        )?;
        sh.merge("A2:E2", "椒江区")?;
        sh.row(
            3,
            &[N(1.0), S("椒江区"), S("章安街道"), S("项目甲"), N(1.0)],
        )?;
        sh.row(4, &[S("黄岩区")])?;
        sh.row(5, &[S("（一）"), S("环境美")])?;
        sh.row(6, &[E, E, E, S("只填了名称的项目")])?;
        sh.row(7, &[S("三、"), E, E, E, N(99.0)])?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(
        sheet.skipped,
        vec![
            (2, SkipReason::Section("椒江区".into())),
            (4, SkipReason::Section("黄岩区".into())),
            (5, SkipReason::Section("（一）".into())),
            (7, SkipReason::Section("三、".into())),
        ]
    );
    assert_eq!(
        sheet.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![3, 6]
    );
    assert_eq!(row(&sheet, 6)[&Field::Town], RawValue::Empty);
    Ok(())
}

/// Three header rows: `投资情况（万元）` over `2020年` over `计划 | 完成`,
/// with 序号/乡镇/项目名称 merged down over all three.
#[test]
fn three_row_header() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        sh.merge("A1:A3", "序号")?
            .merge("B1:B3", "乡镇")?
            .merge("C1:C3", "项目名称")?
            .merge("D1:F1", "投资情况（万元）")?
            .merge("D2:D3", "总投资")?
            .merge("E2:F2", "2020年")?
            .cell("E3", S("计划"))?
            .cell("F3", S("完成"))?;
        sh.row(
            4,
            &[
                N(1.0),
                S("坎门街道"),
                S("坎门渔港改造"),
                N(90.0),
                N(30.0),
                N(12.0),
            ],
        )?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(sheet.header_rows, (1, 3));
    assert_eq!(
        sheet.columns,
        vec![
            (Field::Seq, "序号".to_owned()),
            (Field::Town, "乡镇".to_owned()),
            (Field::Name, "项目名称".to_owned()),
            (Field::TotalInvestment, "投资情况（万元）/总投资".to_owned()),
            (Field::YearPlan, "投资情况（万元）/2020年/计划".to_owned()),
            (Field::Completed, "投资情况（万元）/2020年/完成".to_owned()),
        ]
    );
    assert_eq!(row(&sheet, 4)[&Field::YearPlan], RawValue::Number(30.0));
    Ok(())
}

/// A unit row under the header, then a 甲乙/1 2 3 column-number row.
#[test]
fn unit_row_and_column_numbers() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        sh.row(
            1,
            &[
                S("序号"),
                S("镇街"),
                S("项目名称"),
                S("总投资"),
                S("本月完成"),
                S("征地"),
            ],
        )?;
        sh.row(2, &[E, E, E, S("（元）"), S("（万元）"), S("（亩）")])?;
        sh.row(3, &[S("甲"), S("乙"), N(1.0), N(2.0), N(3.0), N(4.0)])?;
        sh.row(
            4,
            &[
                N(1.0),
                S("沙埠镇"),
                S("沙埠青瓷小镇"),
                N(12_345.67),
                N(0.5),
                N(3.0),
            ],
        )?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(sheet.header_rows, (1, 2));
    assert_eq!(sheet.header(Field::TotalInvestment), Some("总投资/（元）"));
    assert_eq!(
        sheet.header(Field::MonthCompleted),
        Some("本月完成/（万元）")
    );
    assert_eq!(sheet.unit(Field::TotalInvestment), Some(MoneyUnit::Yuan));
    assert_eq!(sheet.unit(Field::MonthCompleted), Some(MoneyUnit::WanYuan));
    assert_eq!(sheet.skipped, vec![(3, SkipReason::ColumnNumbers)]);
    let r4 = row(&sheet, 4);
    let yuan = r4[&Field::TotalInvestment].as_number().ok_or("number")?;
    assert_eq!(MoneyUnit::Yuan.fen_from_number(yuan), Some(1_234_567));
    Ok(())
}

/// No unit anywhere: 万元. A unit only stated in the bottom note counts.
#[test]
fn default_and_bottom_note_units() -> TestResult {
    let ledger = |note: Option<&'static str>| -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Book::new();
        {
            let mut sh = book.sheet("Sheet1")?;
            sh.row(1, &[S("乡镇"), S("项目名称"), S("总投资")])?;
            sh.row(2, &[S("城关镇"), S("城关公园"), N(10.0)])?;
            if let Some(note) = note {
                sh.row(3, &[S(note)])?;
            }
        }
        book.bytes()
    };
    let plain = read_project_ledger(&ledger(None)?)?;
    assert_eq!(plain.sheet_unit, None);
    assert_eq!(plain.unit(Field::TotalInvestment), Some(MoneyUnit::WanYuan));

    let noted = read_project_ledger(&ledger(Some("注：金额单位为元"))?)?;
    assert_eq!(noted.sheet_unit, Some(MoneyUnit::Yuan));
    assert_eq!(noted.unit(Field::TotalInvestment), Some(MoneyUnit::Yuan));
    assert_eq!(
        noted.skipped,
        vec![(3, SkipReason::Note("注：金额单位为元".into()))]
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Workbooks and sheets.

fn small_ledger(sh: &mut support::Sheet<'_>, town: &'static str) -> TestResult {
    sh.row(1, &[S("乡镇"), S("项目名称")])?;
    sh.row(2, &[S(town), S("项目")])?;
    Ok(())
}

#[test]
fn sheet_choice() -> TestResult {
    let mut book = Book::new();
    book.sheet("填表说明")?
        .row(1, &[S("1. 项目名称、乡镇必填；")])?
        .row(2, &[S("2. 金额单位为万元。")])?;
    small_ledger(book.sheet("黄岩区")?.hide(), "宁溪镇")?;
    small_ledger(&mut book.sheet("椒江区")?, "章安街道")?;
    let bytes = book.bytes()?;

    // Visible sheets first.
    let first = read_project_ledger(&bytes)?;
    assert_eq!(first.sheet, "椒江区");
    let all = read_project_ledgers(&bytes)?;
    let names: Vec<&str> = all.iter().map(|s| s.sheet.as_str()).collect();
    assert_eq!(names, vec!["椒江区", "黄岩区"]);
    assert_eq!(all[1].rows[0].get(Field::Town), &text("宁溪镇"));
    assert_eq!(all[1].rows[0].get(Field::Remarks), &RawValue::Empty);
    Ok(())
}

#[test]
fn header_must_be_within_the_first_fifteen_rows() -> TestResult {
    let build = |junk_rows: u32| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut book = Book::new();
        {
            let mut sh = book.sheet("Sheet1")?;
            for r in 1..=junk_rows {
                sh.row(r, &[S("说明文字")])?;
            }
            // Blank rows do not count.
            small_ledger_at(&mut sh, junk_rows + 3)?;
        }
        Ok(book.bytes()?)
    };
    fn small_ledger_at(sh: &mut support::Sheet<'_>, r: u32) -> TestResult {
        sh.row(r, &[S("乡镇"), S("项目名称")])?;
        sh.row(r + 1, &[S("章安街道"), S("项目")])?;
        Ok(())
    }
    let sheet = read_project_ledger(&build(14)?)?;
    assert_eq!(sheet.header_rows, (17, 17));
    assert!(matches!(
        read_project_ledger(&build(15)?),
        Err(LedgerError::NoHeader)
    ));
    Ok(())
}

#[test]
fn errors() -> TestResult {
    for bytes in [
        Vec::new(),
        b"hello".to_vec(),
        support::plain_zip()?,
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0].to_vec(),
    ] {
        let err = read_project_ledger(&bytes).err().ok_or("should fail")?;
        assert!(matches!(err, LedgerError::NotWorkbook { .. }), "{err:?}");
        assert_eq!(err.to_string(), "文件不是 Excel 工作簿");
    }

    // A table without 项目名称 + 乡镇.
    let mut book = Book::new();
    book.sheet("Sheet1")?
        .row(1, &[S("姓名"), S("电话")])?
        .row(2, &[S("张三"), S("123")])?;
    let err = read_project_ledger(&book.bytes()?)
        .err()
        .ok_or("should fail")?;
    assert!(matches!(err, LedgerError::NoHeader));
    assert_eq!(
        err.to_string(),
        "找不到表头：需要至少包含“项目名称”和“乡镇”两列"
    );

    // 乡镇 alone is not enough either.
    let mut book = Book::new();
    book.sheet("Sheet1")?.row(1, &[S("乡镇"), S("总投资")])?;
    assert!(matches!(
        read_project_ledger(&book.bytes()?),
        Err(LedgerError::NoHeader)
    ));

    // A workbook whose sheet list is empty.
    let mut book = Book::new();
    small_ledger(&mut book.sheet("Sheet1")?, "章安街道")?;
    let no_sheets = support::edit_package(&book.bytes()?, "xl/workbook.xml", |xml| {
        let start = xml.find("<sheets>").unwrap_or(0);
        let end = xml
            .find("</sheets>")
            .map_or(xml.len(), |e| e + "</sheets>".len());
        format!("{}<sheets/>{}", &xml[..start], &xml[end..])
    })?;
    let err = read_project_ledger(&no_sheets).err().ok_or("should fail")?;
    assert!(matches!(err, LedgerError::NoSheet), "{err:?}");
    assert_eq!(err.to_string(), "工作簿中没有工作表");

    // A damaged worksheet part.
    let mut book = Book::new();
    small_ledger(&mut book.sheet("台账")?, "章安街道")?;
    let damaged = support::edit_package(&book.bytes()?, "xl/worksheets/sheet1.xml", |xml| {
        let cut = xml
            .find("<sheetData>")
            .map_or(xml.len(), |i| i + "<sheetData><row".len());
        xml[..cut].to_owned()
    })?;
    let err = read_project_ledger(&damaged).err().ok_or("should fail")?;
    assert!(
        matches!(&err, LedgerError::UnreadableSheet { sheet, .. } if sheet == "台账"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "工作表“台账”无法读取，文件可能已损坏");
    Ok(())
}

/// Workbooks saved in the 1904 date system (old Mac Excel) still give the
/// right calendar dates.
#[test]
fn dates_in_the_1904_system() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        sh.row(1, &[S("乡镇"), S("项目名称"), S("开工时间")])?;
        // 2020-03-15 is serial 43905 in the 1900 system, 42443 in 1904.
        sh.row(2, &[S("章安街道"), S("项目"), V::NumInDateCell(42_443.0)])?;
    }
    let bytes = support::edit_package(&book.bytes()?, "xl/workbook.xml", |xml| {
        xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    })?;
    let sheet = read_project_ledger(&bytes)?;
    assert_eq!(
        sheet.rows[0].get(Field::PlannedStart),
        &RawValue::Date(2020, 3, 15)
    );
    Ok(())
}

/// A stray value far away (XFD1048576) neither costs memory nor produces
/// rows; trailing blank rows are not reported.
#[test]
fn stray_cell_far_away() -> TestResult {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("Sheet1")?;
        small_ledger(&mut sh, "章安街道")?;
        sh.cell("XFD1048576", S(" x"))?;
    }
    let sheet = read_project_ledger(&book.bytes()?)?;
    assert_eq!(sheet.rows.len(), 1);
    assert!(sheet.skipped.is_empty(), "{:?}", sheet.skipped.len());
    Ok(())
}

/// Writes the generated fixtures to `target/ledger-fixtures/` for a look in
/// Excel/WPS/LibreOffice, and to make `fixtures/taizhou.xls`:
///
/// ```text
/// cargo test -p meizhen-documents --test ledger -- --ignored write_fixture_files
/// soffice --headless --convert-to xls --outdir crates/documents/tests/fixtures \
///     target/ledger-fixtures/taizhou.xlsx
/// ```
#[test]
#[ignore = "writes files for manual inspection"]
fn write_fixture_files() -> TestResult {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ledger-fixtures");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("taizhou.xlsx"), taizhou_ledger()?)?;
    std::fs::write(dir.join("messy.xlsx"), messy_single_row()?)?;
    Ok(())
}
