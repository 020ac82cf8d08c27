//! 项目台账读取：reading the project ledgers that Zhejiang offices keep in
//! Excel, as a pure function of the file bytes.
//!
//! [`read_project_ledger`] takes an `.xlsx` (or legacy `.xls`) workbook and
//! returns the ledger table it finds: which columns are which [`Field`], the
//! data rows with every cell as the sheet had it ([`RawValue`]), the money
//! unit of each money column ([`MoneyUnit`]) and the rows it skipped, with
//! their Excel row numbers and why ([`SkipReason`]). It interprets layout,
//! not values: converting figures to 分, text to dates or towns to ids is
//! the importer's job (see [`MoneyUnit::fen_from_number`], [`clean_text`],
//! [`to_half_width`], [`parse_bool_zh`]).
//!
//! # What a real ledger looks like, and what is handled
//!
//! * **Rows above the table** — `附件1`, a title such as
//!   `台州市2020年美丽城镇建设项目汇总表`, a line like
//!   `填报单位：xx县美镇办  单位：万元`. The header is found by scoring the
//!   first 15 non-blank rows for known column names; a header must name at
//!   least 项目名称 and 乡镇. The title is kept in [`LedgerSheet::title`], a
//!   `单位：…` note sets [`LedgerSheet::sheet_unit`].
//! * **Two- and three-row headers**, merged or not — a merged
//!   `投资情况（万元）` over `总投资 | 2020年计划投资 | 1-X月完成投资`,
//!   `政策处理` over `征地（亩）| 流转（亩）| …`, `序号`/`项目名称` merged
//!   down over both rows; a unit row (`万元 | 万元 | 亩`) under the header.
//!   The upper texts are carried across their merged span (or, unmerged,
//!   across the blank cells to their right) and combined with the lower
//!   text, so `实际 / 开工时间` is [`Field::ActualStart`].
//! * **Spelling** — full-width forms, spaces inside names (`项 目 名 称`),
//!   line breaks, bracket styles and `*` marks are ignored; synonyms are
//!   listed on [`Field`]. Unknown columns are listed in
//!   [`LedgerSheet::ignored`]; a second column for the same field too.
//! * **Money units** per column, from the column's header chain, else the
//!   sheet's `单位：…` note, else 万元.
//! * **Rows that are not projects** are skipped and reported: blank rows,
//!   小计/合计/总计/其中 rows, section rows (`一、环境美`, a row that is one
//!   merged label), a `1 | 2 | 3 …` column-number row under the header, a
//!   repeated header, and note rows at the bottom (`注：…`, `填表说明`,
//!   `填报人：…`) with the lines that continue them.
//! * **Merged 县/乡镇 cells** down several projects are filled into each
//!   project row; other merged data cells are left as they are (the value in
//!   the first row only).
//! * **Cell values** as stored: real Excel dates become [`RawValue::Date`]
//!   (1900 and 1904 date systems), numbers [`RawValue::Number`], text is kept
//!   unchanged, whitespace-only cells are [`RawValue::Empty`]. A
//!   date-formatted number before 1950 (a year such as `2020` typed into a
//!   date cell) stays a number.
//!
//! Memory is proportional to the cells present in the sheet (XLSX cells are
//! streamed into a sparse grid), so a stray value in `XFD1048576` costs
//! nothing; the caller should still limit the upload size.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod field;
// Shared with the generic record-table reader (`crate::table`).
pub(crate) mod grid;
mod money;
pub(crate) mod normalize;

pub use field::Field;
pub use money::MoneyUnit;
pub use normalize::{clean_text, parse_bool_zh, to_half_width};

use grid::{Book, ColumnMerges, Grid};
use normalize::compact;

/// How many non-blank rows from the top are searched for the header.
const HEADER_SCAN_ROWS: usize = 15;
/// Most rows a header may span.
const MAX_HEADER_DEPTH: u32 = 3;

/// A cell as the sheet had it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Nothing, or only whitespace.
    Empty,
    /// Text exactly as stored (not trimmed; see [`clean_text`]).
    Text(String),
    /// A number as calamine reads it (integers too).
    Number(f64),
    /// A real Excel date: year, month (1–12), day (1–31). A time of day is
    /// dropped.
    Date(i32, u32, u32),
}

impl RawValue {
    /// Whether the cell is empty.
    pub fn is_empty(&self) -> bool {
        matches!(self, RawValue::Empty)
    }

    /// The text, for a text cell.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            RawValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The number, for a number cell.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            RawValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// `(year, month, day)`, for a date cell.
    pub fn as_date(&self) -> Option<(i32, u32, u32)> {
        match self {
            RawValue::Date(y, m, d) => Some((*y, *m, *d)),
            _ => None,
        }
    }

    /// The value as one line of cleaned text ([`clean_text`]), `None` when
    /// empty.
    fn line(&self) -> Option<String> {
        let s = clean_text(&self.to_string());
        (!s.is_empty()).then_some(s)
    }
}

/// Text as stored, numbers in their shortest form (`2020`, `12.5`), dates
/// as `2020-03-15`, empty as `""`.
impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Empty => Ok(()),
            RawValue::Text(s) => f.write_str(s),
            RawValue::Number(n) => write!(f, "{n}"),
            RawValue::Date(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}"),
        }
    }
}

static EMPTY: RawValue = RawValue::Empty;

/// One project row.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    /// Row number as Excel shows it (1-based).
    pub row: u32,
    /// A value for every field in [`LedgerSheet::columns`], [`RawValue::Empty`]
    /// where the cell is blank.
    pub cells: BTreeMap<Field, RawValue>,
}

impl LedgerRow {
    /// The field's value; [`RawValue::Empty`] also when the sheet has no
    /// such column.
    pub fn get(&self, field: Field) -> &RawValue {
        self.cells.get(&field).unwrap_or(&EMPTY)
    }
}

/// Why a row below the header is not a project row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Nothing in it.
    Blank,
    /// A 小计 / 合计 / 总计 / 其中 row; the label as written, e.g. `"椒江区小计"`.
    Subtotal(String),
    /// A note, signature or continuation line (`注：…`, `填表说明`,
    /// `填报人：…`); its first text.
    Note(String),
    /// A section label such as `一、环境美`, or a row that is a single
    /// merged label; the label.
    Section(String),
    /// The `1 | 2 | 3 …` (or `甲 | 乙 …`) column-number row under the header.
    ColumnNumbers,
    /// The header repeated (tables pasted together, print titles typed in).
    RepeatedHeader,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Blank => f.write_str("空行"),
            SkipReason::Subtotal(label) => write!(f, "合计行“{label}”"),
            SkipReason::Note(text) => write!(f, "说明行“{text}”"),
            SkipReason::Section(label) => write!(f, "分组标题行“{label}”"),
            SkipReason::ColumnNumbers => f.write_str("栏次行"),
            SkipReason::RepeatedHeader => f.write_str("重复的表头"),
        }
    }
}

/// The ledger table found in one worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerSheet {
    /// Worksheet name.
    pub sheet: String,
    /// The title above the table, if any (`附件…` lines and `xx：…` notes
    /// are passed over).
    pub title: Option<String>,
    /// First and last header row, as Excel numbers them (1-based).
    pub header_rows: (u32, u32),
    /// Recognised columns, left to right: the field and the header text as
    /// found (cleaned; the parts of a multi-row header joined by `/`, e.g.
    /// `"投资情况（万元）/总投资"`). Always contains [`Field::Name`] and
    /// [`Field::Town`]; a field appears at most once.
    pub columns: Vec<(Field, String)>,
    /// Headers of the columns that were not recognised, or that repeat a
    /// field already taken by a column to their left.
    pub ignored: Vec<String>,
    /// The unit of every money column in [`Self::columns`] (see
    /// [`Field::is_money`]).
    pub units: BTreeMap<Field, MoneyUnit>,
    /// The unit stated for the whole sheet (`单位：万元` above the table or
    /// in a note below it), if any.
    pub sheet_unit: Option<MoneyUnit>,
    /// Project rows, top to bottom.
    pub rows: Vec<LedgerRow>,
    /// Rows below the header that are not projects: Excel row number and
    /// reason, top to bottom.
    pub skipped: Vec<(u32, SkipReason)>,
}

impl LedgerSheet {
    /// Whether the sheet has a column for the field.
    pub fn has(&self, field: Field) -> bool {
        self.columns.iter().any(|(f, _)| *f == field)
    }

    /// The header text of the field's column.
    pub fn header(&self, field: Field) -> Option<&str> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, h)| h.as_str())
    }

    /// The unit of a money column.
    pub fn unit(&self, field: Field) -> Option<MoneyUnit> {
        self.units.get(&field).copied()
    }
}

/// Why a ledger could not be read. `Display` is Chinese and fit to show to
/// an office user after "导入失败：".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Not an `.xlsx`/`.xls` workbook (or a damaged one).
    #[error("文件不是 Excel 工作簿")]
    NotWorkbook {
        /// What the reader said, for the logs.
        detail: String,
    },

    /// The workbook is password-protected.
    #[error("文件已加密，请在 Excel 中取消密码保护后重新上传")]
    Encrypted,

    /// The workbook has no worksheet.
    #[error("工作簿中没有工作表")]
    NoSheet,

    /// No worksheet has a header naming at least 项目名称 and 乡镇.
    #[error("找不到表头：需要至少包含“项目名称”和“乡镇”两列")]
    NoHeader,

    /// A worksheet could not be read although the workbook opened.
    #[error("工作表“{sheet}”无法读取，文件可能已损坏")]
    UnreadableSheet {
        /// Worksheet name.
        sheet: String,
        /// What the reader said, for the logs.
        detail: String,
    },
}

/// Reads the project ledger of a workbook: the first worksheet (visible
/// ones first, in workbook order) that has a recognisable header.
///
/// Errors: [`LedgerError::NotWorkbook`], [`LedgerError::Encrypted`],
/// [`LedgerError::NoSheet`], and [`LedgerError::NoHeader`] when no sheet has
/// a header — or the first [`LedgerError::UnreadableSheet`] when some sheet
/// could not be read and none had a header.
pub fn read_project_ledger(bytes: &[u8]) -> Result<LedgerSheet, LedgerError> {
    read(bytes, true).map(|mut sheets| sheets.remove(0))
}

/// Like [`read_project_ledger`], but returns the ledger of *every* worksheet
/// that has a recognisable header (visible sheets first), for workbooks that
/// keep one sheet per county or per year. Never empty.
pub fn read_project_ledgers(bytes: &[u8]) -> Result<Vec<LedgerSheet>, LedgerError> {
    read(bytes, false)
}

fn read(bytes: &[u8], first_only: bool) -> Result<Vec<LedgerSheet>, LedgerError> {
    let mut book = Book::open(bytes)?;
    let names = book.worksheet_names();
    if names.is_empty() {
        return Err(LedgerError::NoSheet);
    }
    let mut found = Vec::new();
    let mut first_error = None;
    for name in names {
        match book.grid(&name) {
            Ok(grid) => {
                if let Some(sheet) = parse_sheet(&name, &grid) {
                    found.push(sheet);
                    if first_only {
                        break;
                    }
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if found.is_empty() {
        Err(first_error.unwrap_or(LedgerError::NoHeader))
    } else {
        Ok(found)
    }
}

// ---------------------------------------------------------------------------
// Header detection

/// A worksheet column's header: its cleaned parts from top to bottom.
struct HeaderColumn {
    col: u32,
    parts: Vec<String>,
}

impl HeaderColumn {
    fn text(&self) -> String {
        self.parts.join("/")
    }

    fn field(&self) -> Option<Field> {
        Field::from_header(&self.parts.concat()).or_else(|| {
            // A group text that confuses the rules: fall back to the parts,
            // the lowest (most specific) first.
            self.parts.iter().rev().find_map(|p| Field::from_header(p))
        })
    }
}

fn text_of(v: &RawValue) -> Option<String> {
    v.line()
}

/// Fields named by the cells of one row (merged continuation cells are not
/// looked at).
fn row_fields(grid: &Grid, row: u32) -> BTreeSet<Field> {
    grid.row(row)
        .filter_map(|(_, v)| v.as_text().and_then(Field::from_header))
        .collect()
}

fn eligible(fields: &BTreeSet<Field>) -> bool {
    fields.contains(&Field::Name) && fields.contains(&Field::Town)
}

/// The first row(s) of the header: the best-scoring eligible row among the
/// first [`HEADER_SCAN_ROWS`] non-blank rows, else the best eligible pair of
/// adjacent rows (an unmerged two-row header with 项目名称 and 乡镇 on
/// different rows). Ties go to the upper candidate.
fn find_anchor(grid: &Grid) -> Option<(u32, u32)> {
    let last = grid.last_row()?;
    let candidates: Vec<u32> = (0..=last)
        .filter(|r| !grid.is_blank_row(*r))
        .take(HEADER_SCAN_ROWS)
        .collect();
    let best = |spans: Vec<((u32, u32), BTreeSet<Field>)>| {
        spans
            .into_iter()
            .filter(|(_, fields)| eligible(fields))
            .fold(
                None::<((u32, u32), usize)>,
                |best, (span, fields)| match best {
                    Some((_, score)) if score >= fields.len() => best,
                    _ => Some((span, fields.len())),
                },
            )
            .map(|(span, _)| span)
    };
    let singles = candidates
        .iter()
        .map(|r| ((*r, *r), row_fields(grid, *r)))
        .collect();
    best(singles).or_else(|| {
        let pairs = candidates
            .iter()
            .map(|r| {
                let mut fields = row_fields(grid, *r);
                fields.extend(row_fields(grid, r + 1));
                ((*r, r + 1), fields)
            })
            .collect();
        best(pairs)
    })
}

/// Words that mark a text as a title or a note rather than a column group.
pub(crate) fn is_title_or_note(text: &str) -> bool {
    let c = compact(text);
    c.contains(':')
        || c.ends_with('表')
        || ["汇总", "台账", "一览", "清单", "统计", "附件", "附表"]
            .iter()
            .any(|w| c.contains(w))
        || c.chars().count() > 20
}

/// A text that only states a unit: `万元`, `（亩）`, `%`.
fn is_unit_only(text: &str) -> bool {
    let c: String = compact(text)
        .chars()
        .filter(|c| *c != '(' && *c != ')')
        .collect();
    MoneyUnit::in_note(&c).is_some()
        || matches!(
            c.as_str(),
            "亩" | "穴"
                | "户"
                | "个"
                | "人"
                | "%"
                | "平方米"
                | "㎡"
                | "m²"
                | "m2"
                | "M2"
                | "M²"
                | "米"
                | "公里"
                | "千米"
                | "年"
                | "月"
                | "日"
                | "年月"
                | "年月日"
        )
}

struct Band {
    first: u32,
    last: u32,
    /// Leftmost and rightmost column of the anchor row(s).
    extent: (u32, u32),
}

impl Band {
    fn depth(&self) -> u32 {
        self.last - self.first + 1
    }
}

fn anchor_extent(grid: &Grid, first: u32, last: u32) -> Option<(u32, u32)> {
    let mut cols = (first..=last).flat_map(|r| grid.row(r).map(|(c, _)| c));
    let c0 = cols.next()?;
    let (lo, hi) = cols.fold((c0, c0), |(lo, hi), c| (lo.min(c), hi.max(c)));
    let hi = grid
        .merges
        .iter()
        .filter(|m| (first..=last).contains(&m.start.0) && m.start.1 <= hi)
        .fold(hi, |hi, m| hi.max(m.end.1));
    Some((lo, hi))
}

/// Grows the anchor into the full header band: up over a row whose cells
/// are merged down into it or that holds column groups; down over rows that
/// merged cells reach, sub-headers under a merged group, and rows of
/// header-like text (unmerged sub-headers, a unit row).
fn header_band(grid: &Grid, anchor: (u32, u32)) -> Option<Band> {
    let extent = anchor_extent(grid, anchor.0, anchor.1)?;
    let mut band = Band {
        first: anchor.0,
        last: anchor.1,
        extent,
    };
    // A region spanning the whole table width is a title, never a group.
    let is_title = |m: &calamine::Dimensions| m.start.1 <= extent.0 && m.end.1 >= extent.1;
    let in_extent = |c: u32| (extent.0..=extent.1).contains(&c);
    let row_texts = |r: u32| -> Vec<(u32, Option<String>)> {
        grid.row(r)
            .filter(|(c, _)| in_extent(*c))
            .map(|(c, v)| (c, v.as_text().map(clean_text).filter(|t| !t.is_empty())))
            .collect()
    };
    let all_text = |r: u32| {
        let cells = row_texts(r);
        !cells.is_empty() && cells.iter().all(|(_, t)| t.is_some())
    };

    while band.depth() < MAX_HEADER_DEPTH && band.first > 0 {
        let prev = band.first - 1;
        if grid.is_blank_row(prev) {
            break;
        }
        let merged_down = grid.merges.iter().any(|m| {
            m.start.0 <= prev && m.end.0 >= band.first && m.end.0 <= band.last && !is_title(m)
        });
        let groups = grid.merges.iter().any(|m| {
            m.start.0 == prev
                && m.end.0 == prev
                && m.end.1 > m.start.1
                && !is_title(m)
                && (m.start.1..=m.end.1).any(|c| grid.get(band.first, c).is_some())
        }) && all_text(prev)
            && row_texts(prev)
                .iter()
                .all(|(_, t)| t.as_deref().is_some_and(|t| !is_title_or_note(t)));
        if merged_down || groups {
            band.first = prev;
        } else {
            break;
        }
    }

    let last_row = grid.last_row().unwrap_or(band.last);
    while band.depth() < MAX_HEADER_DEPTH && band.last < last_row {
        let next = band.last + 1;
        if grid.is_blank_row(next) || !all_text(next) {
            break;
        }
        let merged_down = grid.merges.iter().any(|m| {
            m.start.0 >= band.first && m.start.0 <= band.last && m.end.0 >= next && !is_title(m)
        });
        let under_group = grid.merges.iter().any(|m| {
            m.start.0 == band.last
                && m.end.0 == band.last
                && m.end.1 > m.start.1
                && !is_title(m)
                && (m.start.1..=m.end.1).any(|c| grid.get(next, c).is_some())
        });
        // Unmerged sub-headers: unit texts, or names of a field other than
        // the one the header above already names. Data such as "章安街道"
        // under "乡镇" names the same field as its header and does not count.
        let texts = row_texts(next);
        let header_like = texts
            .iter()
            .filter(|(c, t)| {
                t.as_deref().is_some_and(|t| {
                    is_unit_only(t)
                        || Field::from_header(t).is_some_and(|f| {
                            let above = grid.get_merged(band.last, *c).and_then(text_of);
                            above.and_then(|a| Field::from_header(&a)) != Some(f)
                        })
                })
            })
            .count();
        if merged_down || under_group || header_like * 2 >= texts.len() {
            band.last = next;
        } else {
            break;
        }
    }
    Some(band)
}

/// The header text of every column of the band, upper texts carried across
/// merged regions and, where the sheet does not merge, across the blank
/// cells to their right that have a sub-header below.
fn header_columns(grid: &Grid, band: &Band) -> Vec<HeaderColumn> {
    let rows: Vec<u32> = (band.first..=band.last).collect();
    let hi = rows
        .iter()
        .filter_map(|r| grid.row(*r).map(|(c, _)| c).last())
        .chain(
            grid.merges
                .iter()
                .filter(|m| rows.contains(&m.start.0))
                .map(|m| m.end.1),
        )
        .max()
        .unwrap_or(band.extent.1)
        .max(band.extent.1);
    let lo = rows
        .iter()
        .filter_map(|r| grid.row(*r).map(|(c, _)| c).next())
        .min()
        .unwrap_or(band.extent.0)
        .min(band.extent.0);

    // levels[l][i]: text at header row l, column lo + i.
    let mut levels: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| {
            (lo..=hi)
                .map(|c| grid.get_merged(*r, c).and_then(text_of))
                .collect()
        })
        .collect();

    // Unmerged groups: a text with nothing merged, blank cells to its right
    // and sub-headers below them.
    for l in 0..levels.len().saturating_sub(1) {
        let mut group: Option<String> = None;
        for i in 0..levels[l].len() {
            let col = lo + i as u32;
            let below = levels[l + 1..].iter().any(|lv| lv[i].is_some());
            match &levels[l][i] {
                Some(text) => {
                    let plain_cell = grid.merge_at(rows[l], col).is_none();
                    group = (below && plain_cell).then(|| text.clone());
                }
                None if below => levels[l][i].clone_from(&group),
                None => group = None,
            }
        }
    }

    (lo..=hi)
        .enumerate()
        .filter_map(|(i, col)| {
            let mut parts: Vec<String> = Vec::new();
            for level in &levels {
                if let Some(t) = &level[i] {
                    if parts.last() != Some(t) {
                        parts.push(t.clone());
                    }
                }
            }
            (!parts.is_empty()).then_some(HeaderColumn { col, parts })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Rows

fn cn_numeral(c: char) -> bool {
    "一二三四五六七八九十百零〇".contains(c)
}

/// `一`, `二、`, `三.`, `（一）`, `(二)环境美`, `一、环境美`.
pub(crate) fn is_section_label(text: &str) -> bool {
    let c = compact(text);
    let (bracketed, rest) = match c.strip_prefix('(') {
        Some(rest) => (true, rest),
        None => (false, c.as_str()),
    };
    let after = rest.trim_start_matches(cn_numeral);
    if after.len() == rest.len() {
        return false;
    }
    if bracketed {
        after.starts_with(')')
    } else {
        after.is_empty() || after.starts_with(['、', '.', ','])
    }
}

pub(crate) fn subtotal_label(text: &str) -> bool {
    let c = compact(text);
    let c = c.trim_end_matches(':');
    const WORDS: [&str; 4] = ["小计", "合计", "总计", "共计"];
    WORDS.iter().any(|w| c.starts_with(w) || c.ends_with(w)) || c.starts_with("其中")
}

pub(crate) fn is_note_start(text: &str) -> bool {
    let c = compact(text);
    if let Some(rest) = c.strip_prefix('注') {
        return rest.is_empty()
            || rest.starts_with(|ch: char| ch.is_ascii_digit() || ":、.(意释".contains(ch));
    }
    [
        "说明",
        "填表说明",
        "填报说明",
        "备注:",
        "填报人",
        "填表人",
        "制表人",
        "审核人",
        "审核:",
        "负责人:",
        "单位负责人",
        "分管领导",
        "联系电话",
        "联系人:",
        "填报日期",
        "制表日期",
        "填报时间",
        "数据截至",
        "截至",
        "资料来源",
        "数据来源",
        "报送",
    ]
    .iter()
    .any(|p| c.starts_with(p))
}

/// `1 | 2 | 3 …` (numbers or digit text, increasing) or `甲 | 乙 | 丙 …`.
pub(crate) fn is_column_numbers(cells: &[(u32, &RawValue)]) -> bool {
    if cells.len() < 3 {
        return false;
    }
    let mut last: Option<i64> = None;
    cells.iter().all(|(_, v)| {
        let n = match v {
            RawValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e6 => Some(*n as i64),
            RawValue::Text(t) => {
                let c: String = compact(t)
                    .chars()
                    .filter(|c| *c != '(' && *c != ')')
                    .collect();
                if c.chars().count() == 1 && "甲乙丙丁戊己庚辛壬癸".contains(c.as_str()) {
                    return true;
                }
                c.parse::<i64>().ok()
            }
            _ => None,
        };
        match n {
            Some(n) if last.is_none_or(|l| n > l) => {
                last = Some(n);
                true
            }
            _ => false,
        }
    })
}

struct RowContext<'g> {
    grid: &'g Grid,
    /// Table columns, inclusive.
    lo: u32,
    hi: u32,
    name_col: Option<u32>,
    /// Texts of the header rows, for spotting a repeated header.
    header_rows: Vec<Vec<(u32, String)>>,
}

impl RowContext<'_> {
    fn cells(&self, row: u32) -> Vec<(u32, &RawValue)> {
        self.grid
            .row(row)
            .filter(|(c, _)| (self.lo..=self.hi).contains(c))
            .collect()
    }

    fn texts(&self, row: u32) -> Vec<(u32, String)> {
        self.cells(row)
            .into_iter()
            .filter_map(|(c, v)| v.line().map(|t| (c, t)))
            .collect()
    }

    fn is_repeated_header(&self, row: u32) -> bool {
        let texts = self.texts(row);
        if self.header_rows.contains(&texts) {
            return true;
        }
        let fields: BTreeSet<Field> = texts
            .iter()
            .filter_map(|(_, t)| Field::from_header(t))
            .collect();
        eligible(&fields) && fields.len() >= 3
    }

    fn subtotal(&self, row: u32) -> Option<String> {
        self.texts(row)
            .into_iter()
            .filter(|(c, _)| *c < self.lo + 3 || Some(*c) == self.name_col)
            .find(|(_, t)| subtotal_label(t))
            .map(|(_, t)| t)
    }

    fn note(&self, row: u32) -> Option<String> {
        let (_, first) = self.cells(row).into_iter().next()?;
        let text = first.as_text()?;
        is_note_start(text).then(|| clean_text(text))
    }

    /// A line that continues the notes above it: at most two pieces of text,
    /// no numbers.
    fn note_continuation(&self, row: u32) -> Option<String> {
        let cells = self.cells(row);
        if cells.len() > 2 || cells.iter().any(|(_, v)| !matches!(v, RawValue::Text(_))) {
            return None;
        }
        cells.first().and_then(|(_, v)| v.line())
    }

    fn section(&self, row: u32) -> Option<String> {
        let texts = self.texts(row);
        if let Some((_, t)) = texts
            .iter()
            .find(|(c, t)| *c < self.lo + 3 && is_section_label(t))
        {
            return Some(t.clone());
        }
        let cells = self.cells(row);
        let (first_col, first) = cells.first()?;
        // All content in one merged region at least two columns wide (the
        // value of a merged region sits in its top-left cell).
        if let Some(m) = self.grid.merge_from(row, *first_col) {
            let inside = |c: u32| (m.start.1..=m.end.1).contains(&c);
            if m.end.1 > m.start.1 && cells.iter().all(|(c, _)| inside(*c)) {
                return first.line();
            }
        }
        // A lone label in the first columns, not a project name.
        match cells.as_slice() {
            [(c, RawValue::Text(_))] if *c < self.lo + 3 && Some(*c) != self.name_col => {
                first.line()
            }
            _ => None,
        }
    }
}

fn parse_sheet(name: &str, grid: &Grid) -> Option<LedgerSheet> {
    let anchor = find_anchor(grid)?;
    let band = header_band(grid, anchor)?;
    let header = header_columns(grid, &band);

    let mut columns: Vec<(u32, Field, &HeaderColumn)> = Vec::new();
    let mut ignored = Vec::new();
    for hc in &header {
        match hc.field() {
            Some(f) if !columns.iter().any(|(_, g, _)| *g == f) => columns.push((hc.col, f, hc)),
            _ => ignored.push(hc.text()),
        }
    }
    let mapped: BTreeSet<Field> = columns.iter().map(|(_, f, _)| *f).collect();
    if !eligible(&mapped) {
        return None;
    }

    // Above the header: title and a sheet-wide unit.
    let above: Vec<String> = (0..band.first)
        .flat_map(|r| {
            grid.row(r)
                .filter_map(|(_, v)| v.line())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut sheet_unit = above.iter().find_map(|t| MoneyUnit::in_note(t));
    let title = above
        .iter()
        .find(|t| {
            let c = compact(t);
            !c.contains(':')
                && !c.starts_with("附件")
                && !c.starts_with("附表")
                && MoneyUnit::in_note(t).is_none()
        })
        .cloned();

    let lo = header.first().map_or(band.extent.0, |h| h.col);
    let hi = header.last().map_or(band.extent.1, |h| h.col);
    let ctx = RowContext {
        grid,
        lo,
        hi,
        name_col: columns
            .iter()
            .find(|(_, f, _)| *f == Field::Name)
            .map(|(c, _, _)| *c),
        header_rows: (band.first..=band.last)
            .map(|r| {
                grid.row(r)
                    .filter(|(c, _)| (lo..=hi).contains(c))
                    .filter_map(|(c, v)| v.line().map(|t| (c, t)))
                    .collect()
            })
            .collect(),
    };
    let fill: BTreeMap<u32, ColumnMerges> = columns
        .iter()
        .filter(|(_, f, _)| matches!(f, Field::Town | Field::County))
        .map(|(c, _, _)| (*c, ColumnMerges::new(grid, *c)))
        .collect();

    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    let mut first_after_header = true;
    let mut in_notes = false;
    let last = grid.last_row().unwrap_or(band.last);
    for r in band.last + 1..=last {
        let excel_row = r + 1;
        let cells = ctx.cells(r);
        if cells.is_empty() {
            skipped.push((excel_row, SkipReason::Blank));
            continue;
        }
        let first = std::mem::replace(&mut first_after_header, false);
        if first && is_column_numbers(&cells) {
            skipped.push((excel_row, SkipReason::ColumnNumbers));
            continue;
        }
        if in_notes {
            if let Some(text) = ctx.note_continuation(r) {
                notes.push(text.clone());
                skipped.push((excel_row, SkipReason::Note(text)));
                continue;
            }
            in_notes = false;
        }
        let reason = if ctx.is_repeated_header(r) {
            Some(SkipReason::RepeatedHeader)
        } else if let Some(label) = ctx.subtotal(r) {
            Some(SkipReason::Subtotal(label))
        } else if let Some(text) = ctx.note(r) {
            in_notes = true;
            notes.push(text.clone());
            Some(SkipReason::Note(text))
        } else {
            ctx.section(r).map(SkipReason::Section)
        };
        if let Some(reason) = reason {
            skipped.push((excel_row, reason));
            continue;
        }
        let cells = columns
            .iter()
            .map(|(c, f, _)| {
                let own = grid.get(r, *c);
                let value = own.or_else(|| {
                    let origin = fill.get(c)?.origin(r)?;
                    grid.get(origin.0, origin.1)
                });
                (*f, value.cloned().unwrap_or(RawValue::Empty))
            })
            .collect();
        rows.push(LedgerRow {
            row: excel_row,
            cells,
        });
    }

    // Blank rows after the last content are not rows of the table.
    while matches!(skipped.last(), Some((_, SkipReason::Blank))) {
        skipped.pop();
    }
    if sheet_unit.is_none() {
        sheet_unit = notes.iter().find_map(|t| MoneyUnit::in_note(t));
    }
    let units = columns
        .iter()
        .filter(|(_, f, _)| f.is_money())
        .map(|(_, f, hc)| {
            let unit = hc
                .parts
                .iter()
                .rev()
                .find_map(|p| MoneyUnit::in_header(p))
                .or(sheet_unit)
                .unwrap_or(MoneyUnit::WanYuan);
            (*f, unit)
        })
        .collect();

    Some(LedgerSheet {
        sheet: name.to_owned(),
        title,
        header_rows: (band.first + 1, band.last + 1),
        columns: columns.iter().map(|(_, f, hc)| (*f, hc.text())).collect(),
        ignored,
        units,
        sheet_unit,
        rows,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_labels() {
        for yes in [
            "一",
            "二、",
            "三.",
            "（一）",
            "(二)环境美",
            "一、环境美",
            "十一、治理美",
        ] {
            assert!(is_section_label(yes), "{yes}");
        }
        for no in [
            "十个一",
            "一期工程",
            "三改一拆",
            "1",
            "环境美",
            "（1）",
            "(一",
        ] {
            assert!(!is_section_label(no), "{no}");
        }
    }

    #[test]
    fn subtotals() {
        for yes in [
            "合计",
            "合 计",
            "合　计：",
            "椒江区小计",
            "总计（25个）",
            "其中：省重点",
            "共计",
        ] {
            assert!(subtotal_label(yes), "{yes}");
        }
        for no in ["综合计量站改造", "小城镇综合计划", "合并项目", "1"] {
            assert!(!subtotal_label(no), "{no}");
        }
    }

    #[test]
    fn notes() {
        for yes in [
            "注：金额单位为万元",
            "注1.",
            "注",
            "注意：",
            "填表说明",
            "说明：",
            "填报人：张三",
            "审核人：",
            "联系电话：123",
        ] {
            assert!(is_note_start(yes), "{yes}");
        }
        for no in ["注册登记中心", "章安街道", "1", "合计"] {
            assert!(!is_note_start(no), "{no}");
        }
    }

    #[test]
    fn column_numbers() {
        let n = |v: f64| RawValue::Number(v);
        let t = |s: &str| RawValue::Text(s.into());
        let (a, b, c, d) = (n(1.0), n(2.0), n(3.0), t("4"));
        assert!(is_column_numbers(&[(0, &a), (1, &b), (2, &c), (3, &d)]));
        let (j, y) = (t("甲"), t("乙"));
        assert!(is_column_numbers(&[(0, &j), (1, &y), (2, &a), (3, &b)]));
        assert!(!is_column_numbers(&[(0, &a), (1, &b)]));
        assert!(!is_column_numbers(&[(0, &b), (1, &a), (2, &c)]));
        let name = t("污水管网");
        assert!(!is_column_numbers(&[(0, &a), (1, &name), (2, &c)]));
    }

    #[test]
    fn display() {
        assert_eq!(RawValue::Number(2020.0).to_string(), "2020");
        assert_eq!(RawValue::Number(12.5).to_string(), "12.5");
        assert_eq!(RawValue::Date(2020, 3, 5).to_string(), "2020-03-05");
        assert_eq!(RawValue::Empty.to_string(), "");
        assert_eq!(
            SkipReason::Subtotal("合计".into()).to_string(),
            "合计行“合计”"
        );
    }
}
