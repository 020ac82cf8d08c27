//! Reads the written workbooks back with calamine (values, merged cells) and
//! looks inside the XLSX package with zip (styles, panes, autofilter).

use std::error::Error;
use std::io::{Cursor, Read};
use std::path::Path;
use std::time::Instant;

use calamine::{Data, Range, Reader, Xlsx};
use meizhen_documents::{
    table_to_xlsx, write_large_table, Cell, Column, ColumnKind, DocumentError, RowRef, Table,
    TableHeader, XlsxStreamWriter,
};

type TestResult = Result<(), Box<dyn Error>>;

fn columns() -> Vec<Column> {
    vec![
        Column::new("序号", 6.0, ColumnKind::Integer),
        Column::new("项目名称", 30.0, ColumnKind::Text),
        Column::new("计划总投资（万元）", 14.0, ColumnKind::Money),
        Column::new("完成率", 10.0, ColumnKind::Percent),
        Column::new("开工日期", 12.0, ColumnKind::Date),
    ]
}

fn ledger() -> Table {
    Table {
        title: "美丽城镇建设项目台账".into(),
        subtitle: Some("导出时间：2026-11-29 09:00　范围：台州市".into()),
        columns: columns(),
        rows: vec![
            vec![
                Cell::Int(1),
                Cell::text("椒江区章安街道污水管网改造"),
                Cell::Fen(123_456_789),
                Cell::Ratio(0.1234),
                Cell::text("2026-03-15"),
            ],
            vec![
                Cell::Int(2),
                Cell::text("黄岩区宁溪镇老街立面整治"),
                Cell::Fen(-123_456_789),
                Cell::Ratio(1.0),
                Cell::text("待定"),
            ],
            vec![
                Cell::Int(3),
                Cell::text("=SUM(A1:A2)"),
                Cell::Fen(0),
                Cell::Empty,
                Cell::Empty,
            ],
            vec![
                Cell::Int(4),
                Cell::text(""),
                Cell::Fen(5_000),
                Cell::Ratio(0.0),
                Cell::text("2026-11-29 12:00"),
            ],
            vec![
                Cell::Int(5),
                Cell::text("临海市桃渚镇"),
                Cell::Fen(-4_999),
                Cell::Ratio(0.5),
                Cell::text("—"),
            ],
        ],
        total_row: Some(vec![
            Cell::text("合计"),
            Cell::Empty,
            Cell::Fen(5_001),
            Cell::Ratio(0.5),
            Cell::Empty,
        ]),
    }
}

fn open(bytes: Vec<u8>) -> Result<Xlsx<Cursor<Vec<u8>>>, Box<dyn Error>> {
    Ok(Xlsx::new(Cursor::new(bytes))?)
}

fn value(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match value(range, row, col) {
        Data::String(s) => s,
        other => format!("<not text: {other:?}>"),
    }
}

fn number(range: &Range<Data>, row: u32, col: u32) -> Option<f64> {
    match value(range, row, col) {
        Data::Float(f) => Some(f),
        #[allow(clippy::cast_precision_loss)]
        Data::Int(i) => Some(i as f64),
        Data::DateTime(d) => Some(d.as_f64()),
        _ => None,
    }
}

/// One part of the XLSX package as text.
fn part(bytes: &[u8], name: &str) -> Result<String, Box<dyn Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut out = String::new();
    archive.by_name(name)?.read_to_string(&mut out)?;
    Ok(out)
}

/// The `s="…"` style index of cell `reference` in a sheet XML.
fn style_of(sheet_xml: &str, reference: &str) -> Option<usize> {
    let start = sheet_xml.find(&format!("<c r=\"{reference}\""))?;
    let cell = &sheet_xml[start..];
    let cell = &cell[..cell.find('>')?];
    let s = cell.split(" s=\"").nth(1)?;
    s[..s.find('"')?].parse().ok()
}

/// The `<font>` element used by cell style `xf` in styles.xml.
fn font_of_style(styles_xml: &str, xf: usize) -> Option<String> {
    let xfs = styles_xml.split("<cellXfs").nth(1)?;
    let xf_tag = xfs.split("<xf ").nth(xf + 1)?;
    let font_id: usize = xf_tag
        .split("fontId=\"")
        .nth(1)?
        .split('"')
        .next()?
        .parse()
        .ok()?;
    let fonts = styles_xml
        .split("<fonts")
        .nth(1)?
        .split("</fonts>")
        .next()?;
    let font = fonts.split("<font>").nth(font_id + 1)?;
    Some(font.split("</font>").next()?.to_owned())
}

#[test]
fn ledger_values_round_trip() -> TestResult {
    let bytes = table_to_xlsx("项目台账", &ledger())?;
    let mut book = open(bytes)?;
    assert_eq!(book.sheet_names(), vec!["项目台账".to_owned()]);
    let range = book.worksheet_range("项目台账")?;

    assert_eq!(text(&range, 0, 0), "美丽城镇建设项目台账");
    assert_eq!(
        text(&range, 1, 0),
        "导出时间：2026-11-29 09:00　范围：台州市"
    );
    let headers: Vec<String> = (0..5).map(|c| text(&range, 2, c)).collect();
    assert_eq!(
        headers,
        [
            "序号",
            "项目名称",
            "计划总投资（万元）",
            "完成率",
            "开工日期"
        ]
    );

    // Row 1.
    assert_eq!(number(&range, 3, 0), Some(1.0));
    assert_eq!(text(&range, 3, 1), "椒江区章安街道污水管网改造");
    // 123,456,789 分 = 1,234,567.89 元 = 123.456789 万元 → 123.46.
    assert_eq!(number(&range, 3, 2), Some(123.46));
    assert_eq!(number(&range, 3, 3), Some(0.1234));
    assert!(matches!(value(&range, 3, 4), Data::DateTime(_)));
    assert_eq!(number(&range, 3, 4), Some(46_096.0)); // 2026-03-15

    // Row 2: negative money, 100%, text in a date column.
    assert_eq!(number(&range, 4, 2), Some(-123.46));
    assert_eq!(number(&range, 4, 3), Some(1.0));
    assert_eq!(text(&range, 4, 4), "待定");

    // Row 3: zero, blanks, a formula-looking text stays text.
    assert_eq!(text(&range, 5, 1), "=SUM(A1:A2)");
    assert_eq!(number(&range, 5, 2), Some(0.0));
    assert_eq!(value(&range, 5, 3), Data::Empty);
    assert_eq!(value(&range, 5, 4), Data::Empty);

    // Row 4: half a hundredth rounds away from zero; empty text is blank;
    // a date with a time.
    assert_eq!(value(&range, 6, 1), Data::Empty);
    assert_eq!(number(&range, 6, 2), Some(0.01));
    assert_eq!(number(&range, 6, 3), Some(0.0));
    assert_eq!(number(&range, 6, 4), Some(46_355.5)); // 2026-11-29 12:00

    // Row 5: -4,999 分 rounds to 0 (and not to -0).
    let zero = number(&range, 7, 2).ok_or("money cell missing")?;
    assert_eq!(zero, 0.0);
    assert!(zero.is_sign_positive());
    assert_eq!(text(&range, 7, 4), "—");

    // 合计 row right after the data.
    assert_eq!(text(&range, 8, 0), "合计");
    assert_eq!(number(&range, 8, 2), Some(0.01));
    assert_eq!(number(&range, 8, 3), Some(0.5));
    assert_eq!(range.end(), Some((8, 4)));
    Ok(())
}

#[test]
fn title_and_subtitle_are_merged_across_all_columns() -> TestResult {
    let mut book = open(table_to_xlsx("台账", &ledger())?)?;
    book.load_merged_regions()?;
    let mut merged: Vec<_> = book
        .merged_regions_by_sheet("台账")
        .into_iter()
        .map(|(_, _, dims)| (dims.start, dims.end))
        .collect();
    merged.sort_unstable();
    assert_eq!(merged, vec![((0, 0), (0, 4)), ((1, 0), (1, 4))]);
    Ok(())
}

#[test]
fn sheet_setup_and_styles() -> TestResult {
    let bytes = table_to_xlsx("台账", &ledger())?;
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml")?;
    let styles = part(&bytes, "xl/styles.xml")?;
    let workbook = part(&bytes, "xl/workbook.xml")?;

    // Frozen below the header (title, subtitle, header = rows 1..3).
    assert!(sheet.contains(r#"ySplit="3""#), "{sheet}");
    assert!(sheet.contains(r#"topLeftCell="A4""#));
    assert!(sheet.contains(r#"state="frozen""#));
    // Autofilter over header + 5 data rows, not the 合计 row (row 9).
    assert!(sheet.contains(r#"<autoFilter ref="A3:E8"/>"#), "{sheet}");
    assert!(workbook.contains("_xlnm._FilterDatabase"));
    assert!(workbook.contains("_xlnm.Print_Titles"));
    assert!(sheet.contains(r#"<mergeCell ref="A1:E1"/>"#));
    // Column widths were set (30 characters → Excel's 30.7109375).
    assert!(
        sheet.contains(r#"<col min="2" max="2" width="30.7109375""#),
        "{sheet}"
    );
    // Print setup: A4 portrait, one page wide, header row repeated, page footer.
    assert!(sheet.contains(r#"<pageSetUpPr fitToPage="1"/>"#));
    assert!(sheet.contains(r#"paperSize="9" fitToHeight="0" orientation="portrait""#));
    assert!(sheet.contains(r#"<printOptions horizontalCentered="1"/>"#));
    assert!(sheet.contains("<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>"));
    assert!(workbook.contains(r#"localSheetId="0">台账!$3:$3</definedName>"#));
    // Title, subtitle and the wrapped two-line header get taller rows.
    assert!(sheet.contains(r#"<row r="1" spans="1:5" ht="30" customHeight="1">"#));
    assert!(sheet.contains(r#"<row r="3" spans="1:5" ht="37" customHeight="1">"#));
    assert!(sheet.contains(r#"<row r="4" spans="1:5" ht="18" customHeight="1">"#));

    // Fonts: 宋体 with the GB2312 charset fallback hint.
    assert!(styles.contains(r#"<name val="宋体"/><family val="3"/><charset val="134"/>"#));
    assert!(styles.contains(r#"<sz val="16"/>"#));
    assert!(styles.contains(r##"formatCode="#,##0.00""##));
    assert!(styles.contains(r#"formatCode="0.00%""#));
    assert!(styles.contains(r#"formatCode="yyyy-mm-dd""#));
    assert!(styles.contains(r#"rgb="FFD9E1F2""#));

    // Title, header and 合计 are bold; data rows are not.
    let bold = |reference: &str| -> Result<bool, Box<dyn Error>> {
        let xf = style_of(&sheet, reference).ok_or(format!("no style on {reference}"))?;
        let font = font_of_style(&styles, xf).ok_or(format!("no font for xf {xf}"))?;
        assert!(font.contains("宋体"), "{reference}: {font}");
        Ok(font.contains("<b/>"))
    };
    assert!(bold("A1")?);
    assert!(bold("C3")?);
    assert!(!bold("C4")?);
    assert!(!bold("C8")?);
    assert!(bold("A9")?);
    assert!(bold("C9")?);
    // Data cells have thin borders, blank ones included.
    assert!(style_of(&sheet, "D6").is_some());
    assert!(styles.contains(r#"<left style="thin">"#));
    Ok(())
}

#[test]
fn sheet_name_is_sanitised() -> TestResult {
    let long = format!("台州市/椒江区[2026]:*?\\{}", "很长".repeat(20));
    let book = open(table_to_xlsx(&long, &ledger())?)?;
    let names = book.sheet_names();
    assert_eq!(names.len(), 1);
    assert!(
        names[0].starts_with("台州市_椒江区_2026_____很长"),
        "{names:?}"
    );
    assert_eq!(names[0].chars().count(), 31);

    let book = open(table_to_xlsx("  ", &ledger())?)?;
    assert_eq!(book.sheet_names(), vec!["Sheet1".to_owned()]);
    Ok(())
}

#[test]
fn no_title_single_column_no_rows() -> TestResult {
    let table = Table {
        title: String::new(),
        subtitle: None,
        columns: vec![Column::new("项目名称", 20.0, ColumnKind::Text)],
        rows: vec![],
        total_row: None,
    };
    let bytes = table_to_xlsx("空表", &table)?;
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml")?;
    assert!(sheet.contains(r#"<autoFilter ref="A1"/>"#), "{sheet}");
    assert!(sheet.contains(r#"topLeftCell="A2""#));
    assert!(!sheet.contains("mergeCell"));

    let mut book = open(bytes)?;
    let range = book.worksheet_range("空表")?;
    assert_eq!(text(&range, 0, 0), "项目名称");
    assert_eq!(range.end(), Some((0, 0)));

    // A single column with a title: written, not merged.
    let titled = Table {
        title: "标题".into(),
        ..table
    };
    let bytes = table_to_xlsx("空表", &titled)?;
    assert!(!part(&bytes, "xl/worksheets/sheet1.xml")?.contains("mergeCell"));
    let range = open(bytes)?.worksheet_range("空表")?;
    assert_eq!(text(&range, 0, 0), "标题");
    assert_eq!(text(&range, 1, 0), "项目名称");
    Ok(())
}

#[test]
fn wide_tables_print_landscape() -> TestResult {
    let mut table = ledger();
    table.columns[1].width = 80.0;
    let bytes = table_to_xlsx("台账", &table)?;
    assert!(part(&bytes, "xl/worksheets/sheet1.xml")?.contains(r#"orientation="landscape""#));
    Ok(())
}

#[test]
fn invalid_input_is_an_error_not_a_panic() {
    let mut table = ledger();
    table.rows[1].pop();
    let err = table_to_xlsx("台账", &table).err();
    assert!(matches!(
        err,
        Some(DocumentError::RowLength {
            row: RowRef::Data(2),
            expected: 5,
            actual: 4
        })
    ));
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("第 2 行数据有 4 个单元格，而表格共有 5 列")
    );

    let mut table = ledger();
    table.rows[0][2] = Cell::Int(100);
    let err = table_to_xlsx("台账", &table).err();
    assert!(matches!(
        err,
        Some(DocumentError::InvalidCell {
            row: RowRef::Data(1),
            column: 3,
            ..
        })
    ));
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("第 1 行数据第 3 列“计划总投资（万元）”：金额列不能填写整数 100")
    );

    let mut table = ledger();
    table.rows[0][3] = Cell::Ratio(f64::NAN);
    assert!(matches!(
        table_to_xlsx("台账", &table),
        Err(DocumentError::InvalidCell { column: 4, .. })
    ));

    let mut table = ledger();
    table.rows[0][0] = Cell::Int(i64::MAX);
    assert!(matches!(
        table_to_xlsx("台账", &table),
        Err(DocumentError::InvalidCell { column: 1, .. })
    ));

    let mut table = ledger();
    table.rows[0][1] = Cell::Text("长".repeat(32_768));
    assert!(matches!(
        table_to_xlsx("台账", &table),
        Err(DocumentError::InvalidCell { column: 2, .. })
    ));

    let mut table = ledger();
    if let Some(total) = table.total_row.as_mut() {
        total[4] = Cell::Fen(1);
    }
    let err = table_to_xlsx("台账", &table).err();
    assert!(matches!(
        err,
        Some(DocumentError::InvalidCell {
            row: RowRef::Total,
            column: 5,
            ..
        })
    ));
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("合计行第 5 列“开工日期”：日期列不能填写金额 1 分")
    );

    let mut table = ledger();
    table.columns.clear();
    assert!(matches!(
        table_to_xlsx("台账", &table),
        Err(DocumentError::NoColumns)
    ));

    for width in [f64::NAN, -1.0, 256.0, f64::INFINITY] {
        let mut table = ledger();
        table.columns[2].width = width;
        assert!(matches!(
            table_to_xlsx("台账", &table),
            Err(DocumentError::InvalidColumnWidth { column: 3, .. })
        ));
    }
}

fn large_header() -> TableHeader {
    TableHeader {
        title: "美丽城镇建设项目资金明细".into(),
        subtitle: Some("导出时间：2026-11-29 09:00　范围：浙江省".into()),
        columns: vec![
            Column::new("序号", 8.0, ColumnKind::Integer),
            Column::new("项目名称", 24.0, ColumnKind::Text),
            Column::new("拨付金额（万元）", 14.0, ColumnKind::Money),
            Column::new("完成率", 10.0, ColumnKind::Percent),
        ],
    }
}

fn large_row(i: i64) -> Vec<Cell> {
    vec![
        Cell::Int(i),
        Cell::Text(format!("项目{i}")),
        Cell::Fen(i * 10_000),
        Cell::Ratio((i % 100) as f64 / 100.0),
    ]
}

#[test]
fn streaming_writer_handles_120k_rows() -> TestResult {
    const ROWS: i64 = 120_000;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("资金明细.xlsx");
    let total: i64 = (1..=ROWS).map(|i| i * 10_000).sum();
    let total_row = [
        Cell::text("合计"),
        Cell::Empty,
        Cell::Fen(total),
        Cell::Empty,
    ];

    let started = Instant::now();
    let written = write_large_table(
        &path,
        "资金明细",
        &large_header(),
        (1..=ROWS).map(large_row),
        Some(&total_row),
    )?;
    eprintln!("wrote {ROWS} rows in {:?}", started.elapsed());
    assert_eq!(written, 120_000);

    // Only the finished file is left in the directory.
    let entries: Vec<_> = std::fs::read_dir(dir.path())?.collect::<Result<_, _>>()?;
    assert_eq!(entries.len(), 1);

    let started = Instant::now();
    let mut book: Xlsx<_> = calamine::open_workbook(&path)?;
    let range = book.worksheet_range("资金明细")?;
    eprintln!("read back in {:?}", started.elapsed());

    // title + subtitle + header + rows + 合计.
    assert_eq!(range.height(), 3 + 120_000 + 1);
    assert_eq!(text(&range, 0, 0), "美丽城镇建设项目资金明细");
    assert_eq!(text(&range, 2, 2), "拨付金额（万元）");
    assert_eq!(number(&range, 3, 0), Some(1.0));
    assert_eq!(text(&range, 3, 1), "项目1");
    assert_eq!(number(&range, 3, 2), Some(0.01));
    let last = 3 + 120_000 - 1;
    assert_eq!(number(&range, last, 0), Some(120_000.0));
    assert_eq!(text(&range, last, 1), "项目120000");
    assert_eq!(number(&range, last, 2), Some(1200.0));
    assert_eq!(number(&range, last, 3), Some(0.0));
    assert_eq!(text(&range, last + 1, 0), "合计");
    // Σ i·0.01 万元 for i = 1..=120000 = 72,000,600 万元.
    assert_eq!(number(&range, last + 1, 2), Some(72_000_600.0));

    book.load_merged_regions()?;
    assert_eq!(book.merged_regions_by_sheet("资金明细").len(), 2);

    let bytes = std::fs::read(&path)?;
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml")?;
    // Constant-memory mode writes inline strings, no shared string table.
    assert!(sheet.contains(r#"t="inlineStr""#));
    assert!(sheet.contains(r#"<autoFilter ref="A3:D120003"/>"#));
    assert!(sheet.contains(r#"topLeftCell="A4""#));
    Ok(())
}

#[test]
fn streaming_writer_skips_bad_rows_and_totals_at_the_end() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("out.xlsx");
    let mut writer = XlsxStreamWriter::new(&path, "明细/2026", &large_header())?;
    writer.write_row(&large_row(1))?;
    let bad = writer.write_row(&[Cell::Int(2), Cell::text("x"), Cell::Ratio(0.1), Cell::Empty]);
    assert!(matches!(
        bad,
        Err(DocumentError::InvalidCell {
            row: RowRef::Data(2),
            column: 3,
            ..
        })
    ));
    assert!(matches!(
        writer.write_row(&[Cell::Int(2)]),
        Err(DocumentError::RowLength { .. })
    ));
    writer.write_row(&large_row(2))?;
    assert_eq!(writer.rows_written(), 2);
    // Nothing at the destination before finish().
    assert!(!path.exists());
    let total = [
        Cell::text("合计"),
        Cell::Empty,
        Cell::Fen(30_000),
        Cell::Empty,
    ];
    assert_eq!(writer.finish(Some(&total))?, 2);

    let mut book: Xlsx<_> = calamine::open_workbook(&path)?;
    assert_eq!(book.sheet_names(), vec!["明细_2026".to_owned()]);
    let range = book.worksheet_range("明细_2026")?;
    assert_eq!(text(&range, 3, 1), "项目1");
    assert_eq!(text(&range, 4, 1), "项目2");
    assert_eq!(text(&range, 5, 0), "合计");
    assert_eq!(number(&range, 5, 2), Some(0.03));
    assert_eq!(range.end(), Some((5, 3)));
    Ok(())
}

#[test]
fn streaming_writer_dropped_or_failing_leaves_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dropped.xlsx");
    {
        let mut writer = XlsxStreamWriter::new(&path, "x", &large_header())?;
        writer.write_row(&large_row(1))?;
    }
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);

    let missing = dir.path().join("no-such-dir").join("out.xlsx");
    let err = write_large_table(&missing, "x", &large_header(), Vec::new(), None).err();
    assert!(
        matches!(err, Some(DocumentError::Io { ref path, .. }) if path == &dir.path().join("no-such-dir")),
        "{err:?}"
    );
    assert!(err
        .map(|e| e.to_string())
        .is_some_and(|s| s.starts_with("写入文件")));

    let err = XlsxStreamWriter::new(Path::new("/"), "x", &large_header()).err();
    assert!(matches!(err, Some(DocumentError::Io { .. })), "{err:?}");
    Ok(())
}

#[test]
fn stream_writer_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<XlsxStreamWriter>();
}
