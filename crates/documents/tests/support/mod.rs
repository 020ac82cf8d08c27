//! Fixture generator for the ledger reader: builds workbooks laid out the
//! way county and town offices lay out their 项目台账 — titles and notes
//! above the table, merged multi-row headers, merged 县/乡镇 cells, 小计 and
//! 合计 rows, notes and signatures at the bottom.

#![allow(dead_code)] // each test binary uses a different part

use std::error::Error;
use std::io::{Cursor, Read, Write};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

pub type TestResult = Result<(), Box<dyn Error>>;

/// One cell to write.
#[derive(Debug, Clone)]
pub enum V {
    /// Text.
    S(&'static str),
    /// A number.
    N(f64),
    /// A real date, formatted `yyyy-mm-dd`.
    D(u16, u8, u8),
    /// A plain number in a date-formatted cell (`2020` typed into a date
    /// column).
    NumInDateCell(f64),
    /// A ratio formatted `0%`.
    Pct(f64),
    /// A boolean.
    B(bool),
    /// Nothing written.
    E,
}

pub use V::{B, D, E, N, S};

/// A workbook under construction.
pub struct Book {
    wb: Workbook,
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}

impl Book {
    pub fn new() -> Self {
        Book {
            wb: Workbook::new(),
        }
    }

    /// Adds a worksheet.
    pub fn sheet(&mut self, name: &str) -> Result<Sheet<'_>, XlsxError> {
        let ws = self.wb.add_worksheet();
        ws.set_name(name)?;
        Ok(Sheet {
            ws,
            date: Format::new().set_num_format("yyyy-mm-dd"),
            pct: Format::new().set_num_format("0%"),
            plain: Format::new(),
        })
    }

    pub fn bytes(mut self) -> Result<Vec<u8>, XlsxError> {
        self.wb.save_to_buffer()
    }
}

/// A worksheet under construction. Rows are Excel row numbers (1-based),
/// ranges are A1 references, as one reads them in Excel.
pub struct Sheet<'a> {
    ws: &'a mut Worksheet,
    date: Format,
    pct: Format,
    plain: Format,
}

/// `"F3"` → (row 2, col 5).
pub fn cell_ref(a1: &str) -> (u32, u16) {
    let letters: String = a1.chars().take_while(char::is_ascii_alphabetic).collect();
    let col = letters.bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    }) - 1;
    let row: u32 = a1[letters.len()..]
        .parse()
        .expect("row number in A1 reference");
    (row - 1, u16::try_from(col).expect("column fits"))
}

impl Sheet<'_> {
    /// Writes `cells` into Excel row `row`, from column A.
    pub fn row(&mut self, row: u32, cells: &[V]) -> Result<&mut Self, XlsxError> {
        for (c, v) in cells.iter().enumerate() {
            let col = u16::try_from(c).expect("column fits");
            self.write(row - 1, col, v)?;
        }
        Ok(self)
    }

    /// Writes one cell at an A1 reference.
    pub fn cell(&mut self, at: &str, v: V) -> Result<&mut Self, XlsxError> {
        let (r, c) = cell_ref(at);
        self.write(r, c, &v)?;
        Ok(self)
    }

    /// Merges a range such as `"F3:H3"` and writes `text` in it.
    pub fn merge(&mut self, range: &str, text: &str) -> Result<&mut Self, XlsxError> {
        let (a, b) = range.split_once(':').expect("range like A1:B2");
        let ((r1, c1), (r2, c2)) = (cell_ref(a), cell_ref(b));
        self.ws.merge_range(r1, c1, r2, c2, text, &self.plain)?;
        Ok(self)
    }

    /// Merges a range and puts a number in it.
    pub fn merge_number(&mut self, range: &str, n: f64) -> Result<&mut Self, XlsxError> {
        let (a, b) = range.split_once(':').expect("range like A1:B2");
        let ((r1, c1), (r2, c2)) = (cell_ref(a), cell_ref(b));
        self.ws.merge_range(r1, c1, r2, c2, "", &self.plain)?;
        self.ws.write_number(r1, c1, n)?;
        Ok(self)
    }

    pub fn hide(&mut self) -> &mut Self {
        self.ws.set_hidden(true);
        self
    }

    fn write(&mut self, r: u32, c: u16, v: &V) -> Result<(), XlsxError> {
        match v {
            V::S(t) => {
                self.ws.write_string(r, c, *t)?;
            }
            V::N(n) => {
                self.ws.write_number(r, c, *n)?;
            }
            V::D(y, m, d) => {
                let date = ExcelDateTime::from_ymd(*y, *m, *d)?;
                self.ws
                    .write_datetime_with_format(r, c, &date, &self.date)?;
            }
            V::NumInDateCell(n) => {
                self.ws.write_number_with_format(r, c, *n, &self.date)?;
            }
            V::Pct(n) => {
                self.ws.write_number_with_format(r, c, *n, &self.pct)?;
            }
            V::B(b) => {
                self.ws.write_boolean(r, c, *b)?;
            }
            V::E => {}
        }
        Ok(())
    }
}

/// The header cells of the 台州 ledger, columns A–S.
pub const TAIZHOU_COLUMNS: usize = 19;

/// A 台州-style county summary:
///
/// ```text
///  1  台州市2020年美丽城镇建设项目汇总表                       (merged A1:S1)
///  2  填报单位：椒江区美丽城镇建设办公室            单位：万元 (P2)
///  3  序号|县（市、区）|乡镇（街道）|项目名称|建设内容及规模|投资情况（万元）   |政策处理                     |计划开工时间|项目状态|形象进度（%）|业主单位|责任人|联系电话|备注
///  4      |           |            |        |              |总投资|2020年计划投资|1-9月完成投资|征地（亩）|流转（亩）|迁坟（穴）|搬迁（户）| ...   (A–E, M–S merged down from row 3)
///  5  合计 (A5:E5) 3500 1800 950
///  6  一、环境美 (A6:S6)
///  7  1 椒江区(B7:B10) 章安街道(C7:C8) 章安污水零直排提升工程 …  业主 merged P7:P8
///  8  2 | | 章安老街立面整治 "1,200.5" …  "2020年10月"
///  9  章安街道小计 (D9)
/// 10  3 | 前所街道 | 前所文化礼堂 … 2020 typed into the date cell
/// 11  (blank)
/// 12  二 | 产业美
/// 13  4 路桥区 金清镇 金清工业园区有机更新 …
/// 14  总计 (A14:E14)
/// 15  注：1.形象进度按百分比填写；2.项目状态填写前期、在建、完工。 (A15:S15)
/// 16  3.投资单位为万元。 (A16:S16)
/// 17  填报人：张三 | 审核人：李四 (H17) | 联系电话：0576-88888888 (M17)
/// ```
pub fn taizhou_ledger() -> Result<Vec<u8>, XlsxError> {
    let mut book = Book::new();
    {
        let mut sh = book.sheet("汇总表")?;
        sh.merge("A1:S1", "台州市2020年美丽城镇建设项目汇总表")?
            .cell("A2", S("填报单位：椒江区美丽城镇建设办公室"))?
            .cell("P2", S("单位：万元"))?;
        for (range, text) in [
            ("A3:A4", "序号"),
            ("B3:B4", "县（市、区）"),
            ("C3:C4", "乡镇（街道）"),
            ("D3:D4", "项目名称"),
            ("E3:E4", "建设内容及规模"),
            ("F3:H3", "投资情况（万元）"),
            ("I3:L3", "政策处理"),
            ("M3:M4", "计划开工时间"),
            ("N3:N4", "项目状态"),
            ("O3:O4", "形象进度（%）"),
            ("P3:P4", "业主单位"),
            ("Q3:Q4", "责任人"),
            ("R3:R4", "联系电话"),
            ("S3:S4", "备注"),
        ] {
            sh.merge(range, text)?;
        }
        sh.cell("F4", S("总投资"))?
            .cell("G4", S("2020年计划投资"))?
            .cell("H4", S("1-9月\n完成投资"))?
            .cell("I4", S("征地（亩）"))?
            .cell("J4", S("流转（亩）"))?
            .cell("K4", S("迁坟（穴）"))?
            .cell("L4", S("搬迁（户）"))?;

        sh.merge("A5:E5", "合计")?
            .cell("F5", N(3500.5))?
            .cell("G5", N(1800.0))?
            .cell("H5", N(950.0))?;
        sh.merge("A6:S6", "一、环境美")?;

        sh.merge("B7:B10", "椒江区")?
            .merge("C7:C8", "章安街道")?
            .merge("P7:P8", "章安街道办事处")?;
        sh.row(
            7,
            &[
                N(1.0),
                E,
                E,
                S("章安污水零直排提升工程"),
                S("改造管网12公里"),
                N(1200.0),
                N(600.0),
                N(450.0),
                N(12.5),
                N(0.0),
                N(3.0),
                N(2.0),
                D(2020, 3, 15),
                S("在建"),
                V::Pct(0.35),
                E,
                S("王五"),
                S("13800000000"),
                E,
            ],
        )?;
        sh.row(
            8,
            &[
                N(2.0),
                E,
                E,
                S("章安老街立面整治"),
                S("立面改造3.2万平方米"),
                S("1,200.5"),
                N(300.0),
                N(200.0),
                E,
                E,
                E,
                E,
                S("2020年10月"),
                S("前期"),
                V::Pct(0.0),
                E,
                S("赵六"),
                E,
                S("待定"),
            ],
        )?;
        sh.cell("D9", S("章安街道小计"))?
            .cell("F9", N(2400.5))?
            .cell("G9", N(900.0))?;
        sh.row(
            10,
            &[
                N(3.0),
                E,
                S("前所街道"),
                S("前所文化礼堂"),
                S("新建礼堂800平方米"),
                N(800.0),
                N(400.0),
                N(300.0),
                N(1.2),
                E,
                E,
                E,
                V::NumInDateCell(2020.0),
                S("完工"),
                V::Pct(1.0),
                S("前所街道办事处"),
                S("孙七"),
            ],
        )?;
        sh.row(12, &[S("二"), S("产业美")])?;
        sh.row(
            13,
            &[
                N(4.0),
                S("路桥区"),
                S("金清镇"),
                S("金清工业园区有机更新"),
                S("改造厂房5万平方米"),
                N(1500.0),
                N(500.0),
                N(200.0),
                E,
                N(30.0),
                E,
                N(6.0),
                D(2021, 1, 8),
                S("在建"),
                V::Pct(0.1),
                S("金清镇人民政府"),
                S("周八"),
            ],
        )?;
        sh.merge("A14:E14", "总计")?.cell("F14", N(3500.5))?;
        sh.merge(
            "A15:S15",
            "注：1.形象进度按百分比填写；2.项目状态填写前期、在建、完工。",
        )?
        .merge("A16:S16", "3.投资单位为万元。")?;
        sh.cell("A17", S("填报人：张三"))?
            .cell("H17", S("审核人：李四"))?
            .cell("M17", S("联系电话：0576-88888888"))?;
    }
    book.bytes()
}

/// Rewrites one member of a zip package (an .xlsx) with `edit`.
pub fn edit_package(
    xlsx: &[u8],
    member: &str,
    edit: impl Fn(&str) -> String,
) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name().to_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;
        if name == member {
            content = edit(std::str::from_utf8(&content)?).into_bytes();
        }
        out.start_file(name, options)?;
        out.write_all(&content)?;
    }
    Ok(out.finish()?.into_inner())
}

/// A zip with one text file: a valid archive that is no workbook.
pub fn plain_zip() -> Result<Vec<u8>, Box<dyn Error>> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    out.start_file("readme.txt", zip::write::SimpleFileOptions::default())?;
    out.write_all("不是工作簿".as_bytes())?;
    Ok(out.finish()?.into_inner())
}
