//! 台账读取（通用）: reading the record tables offices keep in Excel (expert
//! lists, service logs, media reports, meetings, work teams, indicator
//! values) whatever their columns, as a pure function of the file bytes.
//!
//! The caller declares its columns ([`ColumnSpec`]: a key, synonyms, whether
//! required); [`read_table`] finds the header among the first rows, reads the
//! rows below it and reports the rows it skipped. It shares the workbook
//! loading and the row rules of the project ledger reader
//! ([`crate::ledger`]):
//!
//! * title rows, `附件`/`单位：` lines above the header;
//! * one- or two-row headers, merged (`服务情况` over `服务类型 | 提出意见 …`,
//!   `序号` merged down) — the header texts are matched by synonyms after
//!   dropping spaces, line breaks, `*` marks and full-width forms, on the
//!   lowest text first, then the texts combined, then the upper ones;
//! * blank rows, a `1 | 2 | 3` column-number row, 小计/合计/总计 rows,
//!   section rows (`一、省级媒体`, one merged label), a repeated header, and
//!   `注：`/`填表说明`/`填报人：` rows with the lines continuing them;
//! * cells merged down several records are filled into each;
//! * values as stored ([`RawValue`]): Excel dates as dates, numbers as
//!   numbers, text unchanged (full-width digits are the importer's to read).

use std::collections::{BTreeMap, BTreeSet};

use crate::ledger::grid::{Book, ColumnMerges, Grid};
use crate::ledger::normalize::{clean_text, compact};
use crate::ledger::{
    is_column_numbers, is_note_start, is_section_label, is_title_or_note, subtotal_label,
    LedgerError, RawValue, SkipReason,
};

/// How many non-blank rows from the top are searched for the header.
const HEADER_SCAN_ROWS: usize = 15;
/// Most rows a header may span.
const MAX_HEADER_DEPTH: u32 = 3;

/// One column the caller understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The caller's name for the column, e.g. `"served_on"`.
    pub key: &'static str,
    /// The header texts that name it (the first is its label in messages),
    /// e.g. `["服务日期", "日期", "时间"]`. Matched exactly first, then as
    /// part of a longer header (`"服务日期（年月日）"`); the longest match wins.
    pub synonyms: &'static [&'static str],
    /// The header must have this column.
    pub required: bool,
}

impl ColumnSpec {
    pub fn label(&self) -> &'static str {
        self.synonyms.first().copied().unwrap_or(self.key)
    }
}

/// One record row.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// Row number as Excel shows it (1-based).
    pub row: u32,
    /// The value of every recognised column ([`RawValue::Empty`] when blank).
    pub cells: BTreeMap<&'static str, RawValue>,
}

static EMPTY: RawValue = RawValue::Empty;

impl TableRow {
    /// The column's value; [`RawValue::Empty`] also when the sheet has no
    /// such column.
    pub fn get(&self, key: &str) -> &RawValue {
        self.cells.get(key).unwrap_or(&EMPTY)
    }

    /// The column's value as one line of text (numbers in their shortest
    /// form, dates as `2020-03-15`), `""` when empty.
    pub fn text(&self, key: &str) -> String {
        clean_text(&self.get(key).to_string())
    }
}

/// The record table found in a worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordTable {
    /// Worksheet name.
    pub sheet: String,
    /// The title above the table, if any.
    pub title: Option<String>,
    /// First and last header row (1-based).
    pub header_rows: (u32, u32),
    /// Recognised columns, left to right: key and the header text as found
    /// (parts of a multi-row header joined by `/`).
    pub columns: Vec<(&'static str, String)>,
    /// Headers of columns not recognised (or repeating a recognised one).
    pub ignored: Vec<String>,
    /// Record rows, top to bottom.
    pub rows: Vec<TableRow>,
    /// Rows below the header that are not records, with the reason.
    pub skipped: Vec<(u32, SkipReason)>,
}

impl RecordTable {
    pub fn has(&self, key: &str) -> bool {
        self.columns.iter().any(|(k, _)| *k == key)
    }
}

/// Why a table could not be read. `Display` is Chinese.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// Not a workbook, encrypted, no sheet, unreadable sheet.
    #[error("{0}")]
    Workbook(LedgerError),
    /// No worksheet has a header with the required columns.
    #[error("找不到表头：需要至少包含{0}列")]
    NoHeader(String),
}

/// Reads the first worksheet (visible ones first) whose header has every
/// required column of `spec`.
pub fn read_table(bytes: &[u8], spec: &[ColumnSpec]) -> Result<RecordTable, TableError> {
    let mut book = Book::open(bytes).map_err(TableError::Workbook)?;
    let names = book.worksheet_names();
    if names.is_empty() {
        return Err(TableError::Workbook(LedgerError::NoSheet));
    }
    let mut first_error = None;
    for name in names {
        match book.grid(&name) {
            Ok(grid) => {
                if let Some(t) = parse_sheet(&name, &grid, spec) {
                    return Ok(t);
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(TableError::Workbook(e)),
        None => Err(TableError::NoHeader(
            spec.iter()
                .filter(|c| c.required)
                .map(|c| format!("“{}”", c.label()))
                .collect::<Vec<_>>()
                .join("、"),
        )),
    }
}

/// Header text reduced for matching: half-width, upper case, no spaces or
/// `*`, brackets unified.
fn norm(s: &str) -> String {
    compact(s).chars().filter(|c| *c != '*').collect()
}

/// The same without bracketed parts: `服务日期(年月日)` → `服务日期`.
fn without_brackets(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '(' | '[' | '【' => depth += 1,
            ')' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The spec column a header text names, if any.
fn match_key(spec: &[ColumnSpec], text: &str) -> Option<usize> {
    let full = norm(text);
    if full.is_empty() || full.chars().count() > 30 {
        return None;
    }
    let bare = without_brackets(&full);
    let mut best: Option<(usize, usize)> = None;
    for (i, col) in spec.iter().enumerate() {
        for syn in col.synonyms {
            let s = norm(syn);
            let score = if full == s || bare == s {
                1000 + s.len()
            } else if !s.is_empty() && bare.contains(&s) {
                s.len()
            } else {
                0
            };
            if score > 0 && best.is_none_or(|(_, b)| score > b) {
                best = Some((i, score));
            }
        }
    }
    best.map(|(i, _)| i)
}

fn row_keys(grid: &Grid, spec: &[ColumnSpec], row: u32) -> BTreeSet<usize> {
    grid.row(row)
        .filter_map(|(_, v)| v.as_text().and_then(|t| match_key(spec, t)))
        .collect()
}

fn eligible(spec: &[ColumnSpec], keys: &BTreeSet<usize>) -> bool {
    keys.len() >= 2.min(spec.len())
        && spec
            .iter()
            .enumerate()
            .all(|(i, c)| !c.required || keys.contains(&i))
}

/// The anchor row(s) of the header: the best single row among the first
/// non-blank rows, else the best pair of adjacent rows.
fn find_anchor(grid: &Grid, spec: &[ColumnSpec]) -> Option<(u32, u32)> {
    let last = grid.last_row()?;
    let candidates: Vec<u32> = (0..=last)
        .filter(|r| !grid.is_blank_row(*r))
        .take(HEADER_SCAN_ROWS)
        .collect();
    let best = |spans: Vec<((u32, u32), BTreeSet<usize>)>| {
        spans
            .into_iter()
            .filter(|(_, k)| eligible(spec, k))
            .fold(None::<((u32, u32), usize)>, |best, (span, k)| match best {
                Some((_, score)) if score >= k.len() => best,
                _ => Some((span, k.len())),
            })
            .map(|(span, _)| span)
    };
    let singles = candidates
        .iter()
        .map(|r| ((*r, *r), row_keys(grid, spec, *r)))
        .collect();
    best(singles).or_else(|| {
        let pairs = candidates
            .iter()
            .map(|r| {
                let mut k = row_keys(grid, spec, *r);
                k.extend(row_keys(grid, spec, r + 1));
                ((*r, r + 1), k)
            })
            .collect();
        best(pairs)
    })
}

/// Grows the anchor over rows tied to it by merged cells: a group row above
/// whose cells are merged down into it or across sub-headers, rows below
/// that its merged cells reach or that hold the sub-headers of a group.
fn header_band(grid: &Grid, anchor: (u32, u32)) -> (u32, u32) {
    let (mut first, mut last) = anchor;
    let spans_title = |m: &calamine::Dimensions| {
        grid.get(m.start.0, m.start.1)
            .and_then(RawValue::as_text)
            .is_some_and(is_title_or_note)
    };
    while last - first + 1 < MAX_HEADER_DEPTH && first > 0 {
        let prev = first - 1;
        if grid.is_blank_row(prev) {
            break;
        }
        let tied = grid
            .merges
            .iter()
            .any(|m| m.start.0 == prev && m.end.0 >= first && !spans_title(m));
        let texts_only = grid.row(prev).all(|(_, v)| {
            v.as_text()
                .is_some_and(|t| !is_title_or_note(t) && !subtotal_label(t))
        });
        if tied && texts_only {
            first = prev;
        } else {
            break;
        }
    }
    let end = grid.last_row().unwrap_or(last);
    while last - first + 1 < MAX_HEADER_DEPTH && last < end {
        let next = last + 1;
        if grid.is_blank_row(next) {
            break;
        }
        let merged_down = grid
            .merges
            .iter()
            .any(|m| m.start.0 >= first && m.start.0 <= last && m.end.0 >= next);
        let under_group = grid.merges.iter().any(|m| {
            m.start.0 == last
                && m.end.0 == last
                && m.end.1 > m.start.1
                && !spans_title(m)
                && (m.start.1..=m.end.1).any(|c| grid.get(next, c).is_some())
        });
        let texts_only = grid.row(next).all(|(_, v)| v.as_text().is_some());
        if (merged_down || under_group) && texts_only {
            last = next;
        } else {
            break;
        }
    }
    (first, last)
}

struct HeaderColumn {
    col: u32,
    parts: Vec<String>,
}

fn header_columns(grid: &Grid, band: (u32, u32)) -> Vec<HeaderColumn> {
    let rows: Vec<u32> = (band.0..=band.1).collect();
    let cols: BTreeSet<u32> = rows
        .iter()
        .flat_map(|r| grid.row(*r).map(|(c, _)| c))
        .chain(
            grid.merges
                .iter()
                .filter(|m| rows.contains(&m.start.0))
                .flat_map(|m| m.start.1..=m.end.1),
        )
        .collect();
    cols.into_iter()
        .filter_map(|col| {
            let mut parts: Vec<String> = Vec::new();
            for r in &rows {
                if let Some(t) = grid
                    .get_merged(*r, col)
                    .map(|v| clean_text(&v.to_string()))
                    .filter(|t| !t.is_empty())
                {
                    if parts.last() != Some(&t) {
                        parts.push(t);
                    }
                }
            }
            (!parts.is_empty()).then_some(HeaderColumn { col, parts })
        })
        .collect()
}

fn column_key(spec: &[ColumnSpec], hc: &HeaderColumn) -> Option<usize> {
    let lowest = hc.parts.last().and_then(|p| match_key(spec, p));
    lowest
        .or_else(|| match_key(spec, &hc.parts.concat()))
        .or_else(|| hc.parts.iter().rev().find_map(|p| match_key(spec, p)))
}

fn parse_sheet(name: &str, grid: &Grid, spec: &[ColumnSpec]) -> Option<RecordTable> {
    let anchor = find_anchor(grid, spec)?;
    let band = header_band(grid, anchor);
    let header = header_columns(grid, band);

    let mut columns: Vec<(u32, usize, String)> = Vec::new();
    let mut ignored = Vec::new();
    for hc in &header {
        match column_key(spec, hc) {
            Some(i) if !columns.iter().any(|(_, j, _)| *j == i) => {
                columns.push((hc.col, i, hc.parts.join("/")));
            }
            _ => ignored.push(hc.parts.join("/")),
        }
    }
    let keys: BTreeSet<usize> = columns.iter().map(|(_, i, _)| *i).collect();
    if !eligible(spec, &keys) {
        return None;
    }
    let title = (0..band.0)
        .flat_map(|r| grid.row(r).map(|(_, v)| clean_text(&v.to_string())))
        .find(|t| {
            let c = compact(t);
            !c.is_empty() && !c.contains(':') && !c.starts_with("附件") && !c.starts_with("附表")
        });

    let lo = header.first().map_or(0, |h| h.col);
    let hi = header.last().map_or(0, |h| h.col);
    let cells = |r: u32| -> Vec<(u32, &RawValue)> {
        grid.row(r).filter(|(c, _)| (lo..=hi).contains(c)).collect()
    };
    let texts = |r: u32| -> Vec<(u32, String)> {
        cells(r)
            .into_iter()
            .map(|(c, v)| (c, clean_text(&v.to_string())))
            .filter(|(_, t)| !t.is_empty())
            .collect()
    };
    let header_texts: Vec<Vec<(u32, String)>> = (band.0..=band.1).map(texts).collect();
    let fill: BTreeMap<u32, ColumnMerges> = columns
        .iter()
        .map(|(c, _, _)| (*c, ColumnMerges::new(grid, *c)))
        .collect();

    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut first_after_header = true;
    let mut in_notes = false;
    for r in band.1 + 1..=grid.last_row().unwrap_or(band.1) {
        let excel_row = r + 1;
        let row_cells = cells(r);
        if row_cells.is_empty() {
            skipped.push((excel_row, SkipReason::Blank));
            continue;
        }
        if std::mem::replace(&mut first_after_header, false) && is_column_numbers(&row_cells) {
            skipped.push((excel_row, SkipReason::ColumnNumbers));
            continue;
        }
        let row_texts = texts(r);
        if in_notes {
            let continues = row_cells.len() <= 2
                && row_cells
                    .iter()
                    .all(|(_, v)| matches!(v, RawValue::Text(_)));
            if continues {
                let t = row_texts
                    .first()
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                skipped.push((excel_row, SkipReason::Note(t)));
                continue;
            }
            in_notes = false;
        }
        let repeated = header_texts.contains(&row_texts) || {
            let k: BTreeSet<usize> = row_texts
                .iter()
                .filter_map(|(_, t)| match_key(spec, t))
                .collect();
            eligible(spec, &k) && k.len() >= 3
        };
        let reason = if repeated {
            Some(SkipReason::RepeatedHeader)
        } else if let Some((_, t)) = row_texts
            .iter()
            // 合计 sits in the first columns (序号, 地区, or the name column).
            .filter(|(c, _)| *c < lo + 4)
            .find(|(_, t)| subtotal_label(t))
        {
            Some(SkipReason::Subtotal(t.clone()))
        } else if let Some(t) = row_cells
            .first()
            .and_then(|(_, v)| v.as_text())
            .filter(|t| is_note_start(t))
        {
            in_notes = true;
            Some(SkipReason::Note(clean_text(t)))
        } else if let Some((_, t)) = row_texts
            .iter()
            .filter(|(c, _)| *c < lo + 3)
            .find(|(_, t)| is_section_label(t))
        {
            Some(SkipReason::Section(t.clone()))
        } else {
            // All content in one merged region two or more columns wide.
            row_cells.first().and_then(|(c, v)| {
                let m = grid.merge_from(r, *c)?;
                (m.end.1 > m.start.1
                    && row_cells
                        .iter()
                        .all(|(c, _)| (m.start.1..=m.end.1).contains(c)))
                .then(|| SkipReason::Section(clean_text(&v.to_string())))
            })
        };
        if let Some(reason) = reason {
            skipped.push((excel_row, reason));
            continue;
        }
        let values = columns
            .iter()
            .map(|(c, i, _)| {
                let own = grid.get(r, *c);
                let value = own.or_else(|| {
                    // A cell merged down from a record above.
                    let origin = fill.get(c)?.origin(r)?;
                    (origin.1 == *c && origin.0 < r)
                        .then(|| grid.get(origin.0, origin.1))
                        .flatten()
                });
                (spec[*i].key, value.cloned().unwrap_or(RawValue::Empty))
            })
            .collect();
        rows.push(TableRow {
            row: excel_row,
            cells: values,
        });
    }
    while matches!(skipped.last(), Some((_, SkipReason::Blank))) {
        skipped.pop();
    }
    Some(RecordTable {
        sheet: name.to_owned(),
        title,
        header_rows: (band.0 + 1, band.1 + 1),
        columns: columns
            .into_iter()
            .map(|(_, i, h)| (spec[i].key, h))
            .collect(),
        ignored,
        rows,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[ColumnSpec] = &[
        ColumnSpec {
            key: "date",
            synonyms: &["服务日期", "日期"],
            required: true,
        },
        ColumnSpec {
            key: "town",
            synonyms: &["乡镇", "镇街"],
            required: true,
        },
        ColumnSpec {
            key: "expert",
            synonyms: &["专家姓名", "专家"],
            required: false,
        },
        ColumnSpec {
            key: "given",
            synonyms: &["提出意见数", "提出意见"],
            required: false,
        },
        ColumnSpec {
            key: "adopted",
            synonyms: &["采纳意见数", "采纳意见"],
            required: false,
        },
    ];

    #[test]
    fn headers_match_by_synonym_longest_first() {
        assert_eq!(match_key(SPEC, "服务日期（年月日）"), Some(0));
        assert_eq!(match_key(SPEC, " 日 期 "), Some(0));
        assert_eq!(match_key(SPEC, "*所属乡镇"), Some(1));
        assert_eq!(match_key(SPEC, "专家姓名"), Some(2));
        assert_eq!(match_key(SPEC, "其中：采纳意见（条）"), Some(4));
        assert_eq!(match_key(SPEC, "备注"), None);
        assert_eq!(
            match_key(
                SPEC,
                "台州市2020年专家服务乡镇情况汇总表（专家姓名按服务日期排列）"
            ),
            None,
            "long texts are titles"
        );
    }

    #[test]
    fn without_brackets_drops_notes() {
        assert_eq!(without_brackets("数值(户)"), "数值");
        assert_eq!(without_brackets("A【注】B"), "AB");
    }

    /// A service log as a county keeps it: 附件 and title rows, a two-row
    /// merged header, a column-number row, a section row, a town merged down
    /// two records, a 小计 row, the header repeated, full-width text, notes.
    fn messy() -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let f = Format::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let text = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, s: &str| {
            ws.write_string(r, c, s).expect("write");
        };
        text(ws, 0, 0, "附件2");
        ws.merge_range(1, 0, 1, 4, "专家服务情况表", &f)
            .expect("title");
        for (c, h) in [(0, "序号"), (1, "乡镇"), (2, "服务日期")] {
            ws.merge_range(2, c, 3, c, h, &f).expect("header");
        }
        ws.merge_range(2, 3, 2, 4, "意见情况", &f).expect("group");
        text(ws, 3, 3, "提出意见");
        text(ws, 3, 4, "采纳意见");
        for c in 0..5u16 {
            ws.write_number(4, c, f64::from(c + 1)).expect("n");
        }
        text(ws, 5, 0, "一、方案审查");
        ws.write_number(6, 0, 1.0).expect("n");
        ws.merge_range(6, 1, 7, 1, "白塔镇", &f).expect("town");
        ws.write_datetime_with_format(
            6,
            2,
            ExcelDateTime::from_ymd(2020, 3, 5).expect("date"),
            &date,
        )
        .expect("date");
        ws.write_number(6, 3, 5.0).expect("n");
        ws.write_number(6, 4, 3.0).expect("n");
        ws.write_number(7, 0, 2.0).expect("n");
        text(ws, 7, 2, "2020.3.6");
        ws.write_number(7, 3, 2.0).expect("n");
        ws.write_number(7, 4, 2.0).expect("n");
        text(ws, 8, 0, "小计");
        ws.write_number(8, 3, 7.0).expect("n");
        for (c, h) in [(0, "序号"), (1, "乡镇"), (2, "服务日期"), (3, "意见情况")] {
            text(ws, 9, c, h);
        }
        ws.write_number(10, 0, 3.0).expect("n");
        text(ws, 10, 1, "横溪镇");
        text(ws, 10, 2, "２０２０年３月７日");
        text(ws, 10, 3, "４");
        text(ws, 10, 4, "１");
        text(ws, 11, 0, "注：数据截至2020年底");
        text(ws, 12, 0, "填报人：张三");
        wb.save_to_buffer().expect("xlsx")
    }

    #[test]
    fn reads_a_messy_sheet() {
        let t = read_table(&messy(), SPEC).expect("table");
        assert_eq!(t.title.as_deref(), Some("专家服务情况表"));
        assert_eq!(t.header_rows, (3, 4));
        let keys: Vec<&str> = t.columns.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["town", "date", "given", "adopted"]);
        assert_eq!(t.columns[2].1, "意见情况/提出意见");
        assert_eq!(t.ignored, ["序号"]);
        let rows: Vec<u32> = t.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [7, 8, 11]);
        assert_eq!(t.rows[0].get("date"), &RawValue::Date(2020, 3, 5));
        assert_eq!(t.rows[1].text("town"), "白塔镇", "merged town filled down");
        assert_eq!(t.rows[1].text("date"), "2020.3.6");
        assert_eq!(t.rows[0].get("given"), &RawValue::Number(5.0));
        assert_eq!(t.rows[2].text("given"), "４");
        assert_eq!(t.rows[2].get("expert"), &RawValue::Empty);
        let skipped: Vec<(u32, String)> = t
            .skipped
            .iter()
            .map(|(r, why)| (*r, why.to_string()))
            .collect();
        assert_eq!(
            skipped,
            [
                (5, "栏次行".to_owned()),
                (6, "分组标题行“一、方案审查”".to_owned()),
                (9, "合计行“小计”".to_owned()),
                (10, "重复的表头".to_owned()),
                (12, "说明行“注：数据截至2020年底”".to_owned()),
                (13, "说明行“填报人：张三”".to_owned()),
            ]
        );
    }

    #[test]
    fn no_header_names_the_required_columns() {
        use rust_xlsxwriter::Workbook;
        let mut wb = Workbook::new();
        wb.add_worksheet()
            .write_string(0, 0, "姓名")
            .expect("write");
        let bytes = wb.save_to_buffer().expect("xlsx");
        let e = read_table(&bytes, SPEC).expect_err("no header");
        assert_eq!(
            e.to_string(),
            "找不到表头：需要至少包含“服务日期”、“乡镇”列"
        );
        assert!(matches!(
            read_table(b"plain text", SPEC),
            Err(TableError::Workbook(LedgerError::NotWorkbook { .. }))
        ));
    }

    #[test]
    fn label_is_the_first_synonym() {
        assert_eq!(SPEC[3].label(), "提出意见数");
    }
}
