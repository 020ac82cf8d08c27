//! 办公文档层：把普通数据写成 Office 文件（XLSX 台账、DOCX 月报）。
//!
//! This crate knows nothing about the database or HTTP. It takes plain data
//! ([`Table`], [`Column`], [`Cell`]) and produces file bytes ([`table_to_xlsx`])
//! or, for very large exports, writes a file row by row in constant memory
//! ([`write_large_table`], [`XlsxStreamWriter`]).
//!
//! The monthly illustrated progress report (每月图文并茂的进度月报) is a Word
//! document with a ranking table, native charts and photos:
//! [`progress_report_docx`] turns a [`ProgressReport`] into DOCX bytes; see the
//! [`docx`] module for its layout.
//!
//! The other way round, [`read_project_ledger`] reads the project ledgers
//! that offices keep in Excel (titles, merged multi-row headers, 小计 rows,
//! notes and all) into plain rows; see the [`ledger`] module.
//!
//! # Money
//!
//! Money is carried as `i64` 分 (fen) everywhere in the platform and shown in
//! ledgers as 万元 with two decimals (`1 万元 = 1,000,000 分`, so the last shown
//! digit, 0.01 万元, is 100 元 = 10,000 分). The conversion is done with integer
//! arithmetic only ([`fen_to_wan_yuan_hundredths`]): the fen amount is rounded
//! **half away from zero** to a whole number of 0.01 万元, and only that integer
//! is turned into an `f64` by dividing by 100. Because the integer is far below
//! 2^53 and IEEE division is correctly rounded, the stored cell value is the
//! `f64` nearest to the shown decimal (e.g. exactly what Excel itself stores
//! when someone types `123.46`). Consequences:
//!
//! * what the cell shows is what the cell holds, so an Excel `SUM` over a money
//!   column adds exactly the shown figures;
//! * a 合计 that the caller computed from exact fen and then rounded may differ
//!   from the sum of the rounded rows by a few 0.01 万元 — the usual
//!   "四舍五入造成的尾差"; callers that need the two to agree should total the
//!   rounded rows (`fen_to_wan_yuan_hundredths`) instead.
//!
//! Column headers should carry the unit themselves, e.g. `"计划总投资（万元）"`;
//! the writer does not rename headers.

#![forbid(unsafe_code)]

use std::fmt;
use std::path::PathBuf;

pub mod docx;
pub mod ledger;
pub mod notice;
pub mod summary;
pub mod table;
mod xlsx;

pub use docx::{
    progress_report_docx, BarChart, LineChart, Photo, ProgressReport, RankingHeaders, RankingRow,
    ReportHeadings,
};

pub use ledger::{
    read_project_ledger, read_project_ledgers, Field, LedgerError, LedgerRow, LedgerSheet,
    MoneyUnit, RawValue, SkipReason,
};
pub use xlsx::{
    sanitize_sheet_name, table_to_xlsx, write_large_table, SummaryChart, XlsxStreamWriter,
    EXCEL_MAX_ROWS, FONT_NAME,
};

/// A ledger table: title, optional subtitle, header row, data rows and an
/// optional 合计 row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Big centred title above the table, e.g. `"美丽城镇建设项目台账"`.
    /// An empty (or blank) title leaves the title row out.
    pub title: String,
    /// Line under the title, e.g. `"导出时间：2026-11-29 09:00　范围：台州市"`.
    pub subtitle: Option<String>,
    /// Column definitions, left to right. At least one is required.
    pub columns: Vec<Column>,
    /// Data rows. Every row must have exactly `columns.len()` cells.
    pub rows: Vec<Vec<Cell>>,
    /// 合计 row written in bold below the data, usually starting with
    /// `Cell::Text("合计".into())`. Same length rule as `rows`.
    pub total_row: Option<Vec<Cell>>,
}

/// Everything of a [`Table`] except its rows: what the streaming writer needs
/// up front.
#[derive(Debug, Clone, PartialEq)]
pub struct TableHeader {
    /// See [`Table::title`].
    pub title: String,
    /// See [`Table::subtitle`].
    pub subtitle: Option<String>,
    /// See [`Table::columns`].
    pub columns: Vec<Column>,
}

impl Table {
    /// The title, subtitle and columns of this table as a [`TableHeader`].
    pub fn header(&self) -> TableHeader {
        TableHeader {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            columns: self.columns.clone(),
        }
    }
}

/// One column of a ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text, e.g. `"项目名称"` or `"计划总投资（万元）"`.
    pub header: String,
    /// Column width in Excel "characters" (width of the digit `0`); a Chinese
    /// character needs about 2. Must be finite and in `0..=255`.
    pub width: f64,
    /// How the column's values are formatted.
    pub kind: ColumnKind,
}

impl Column {
    /// Shorthand constructor.
    pub fn new(header: impl Into<String>, width: f64, kind: ColumnKind) -> Self {
        Column {
            header: header.into(),
            width,
            kind,
        }
    }
}

/// How a column is formatted, and which [`Cell`] values it accepts.
///
/// | kind       | accepts                         | written as                                   |
/// |------------|---------------------------------|----------------------------------------------|
/// | `Text`     | `Text`, `Int`, `Empty`          | text left-aligned; `Int` as a number `0`     |
/// | `Integer`  | `Int`, `Text`, `Empty`          | number `0`, right-aligned                    |
/// | `Money`    | `Fen`, `Text`, `Empty`          | 万元 number `#,##0.00`, right-aligned        |
/// | `Percent`  | `Ratio`, `Text`, `Empty`        | number `0.00%` (0.1234 → 12.34%), right      |
/// | `Date`     | `Text`, `Empty`                 | real Excel date `yyyy-mm-dd`, centred        |
///
/// `Text` is accepted everywhere (e.g. `"—"` or `"待定"` in a money column) and
/// is then written as text, centred in non-text columns. In a `Date` column a
/// text of the form `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`
/// (a `T` may replace the space) becomes a real Excel date (time) so that
/// sorting and the autofilter's year/month grouping work; any other text is
/// kept as text. Any other combination is a [`DocumentError::InvalidCell`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// Free text.
    Text,
    /// Whole numbers (counts, 户数, 个数). Shown without thousands separators,
    /// so years written as `Int` still read `2026`.
    Integer,
    /// Money held as `i64` 分, shown in 万元 with two decimals.
    Money,
    /// A ratio in `0..1` shown as a percentage with two decimals.
    Percent,
    /// A calendar date (given as `Cell::Text("2026-11-29")`).
    Date,
}

/// One cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text. An empty string is written like [`Cell::Empty`].
    Text(String),
    /// A whole number; must be within ±2^53 so Excel holds it exactly.
    Int(i64),
    /// Money in 分 (fen); written as 万元, see the crate docs on rounding.
    Fen(i64),
    /// A ratio (0.25 = 25%); must be finite.
    Ratio(f64),
    /// Nothing (a bordered blank cell).
    Empty,
}

impl Cell {
    /// Shorthand for `Cell::Text(s.into())`.
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// Which row a cell error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRef {
    /// The n-th data row, counted from 1.
    Data(u64),
    /// The 合计 row.
    Total,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowRef::Data(n) => write!(f, "第 {n} 行数据"),
            RowRef::Total => f.write_str("合计行"),
        }
    }
}

/// Why a document could not be produced. `Display` is Chinese, short and fit
/// to show to an office user after "导出失败：".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The table has no columns.
    #[error("表格没有任何列")]
    NoColumns,

    /// More columns than Excel allows (16,384).
    #[error("表格共有 {count} 列，超过 Excel 上限 16384 列")]
    TooManyColumns {
        /// Number of columns given.
        count: usize,
    },

    /// A column width is not finite or outside `0..=255`.
    #[error("第 {column} 列“{header}”的列宽 {width} 无效，应在 0 到 255 之间")]
    InvalidColumnWidth {
        /// Column number, from 1.
        column: usize,
        /// Header text of that column.
        header: String,
        /// The width given.
        width: f64,
    },

    /// A row has more or fewer cells than there are columns.
    #[error("{row}有 {actual} 个单元格，而表格共有 {expected} 列")]
    RowLength {
        /// Which row.
        row: RowRef,
        /// Number of columns.
        expected: usize,
        /// Number of cells in the row.
        actual: usize,
    },

    /// A cell value does not fit its column (see [`ColumnKind`]) or cannot be
    /// stored in Excel.
    #[error("{row}第 {column} 列“{header}”：{reason}")]
    InvalidCell {
        /// Which row.
        row: RowRef,
        /// Column number, from 1.
        column: usize,
        /// Header text of that column.
        header: String,
        /// What is wrong, in Chinese.
        reason: String,
    },

    /// The sheet would exceed Excel's 1,048,576 rows.
    #[error("数据超过 Excel 单个工作表上限（{limit} 行），请缩小导出范围后重试")]
    TooManyRows {
        /// Excel's limit, [`EXCEL_MAX_ROWS`].
        limit: u32,
    },

    /// Reading or writing a file (the output file or the temporary files of
    /// the streaming writer) failed.
    #[error("写入文件“{}”失败：{source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Any other error from the XLSX library.
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),

    /// A chart of a Word report has a series whose length differs from the
    /// number of categories, or a value that is not finite.
    #[error("图表“{chart}”：{reason}")]
    InvalidChart {
        /// The chart's title.
        chart: String,
        /// What is wrong, in Chinese.
        reason: String,
    },

    /// A photo of a Word report is empty, not JPEG or PNG, or of unknown size.
    #[error("第 {index} 张图片“{caption}”：{reason}")]
    InvalidPhoto {
        /// Photo number, from 1.
        index: usize,
        /// Its caption.
        caption: String,
        /// What is wrong, in Chinese.
        reason: String,
    },

    /// Writing the Word file's zip container failed.
    #[error("生成 Word 文件失败：{0}")]
    Docx(String),
}

/// Number of fen in 0.01 万元 (= 100 元).
const FEN_PER_WAN_YUAN_HUNDREDTH: i64 = 10_000;

/// Money in 分 rounded, half away from zero, to whole hundredths of 万元
/// (units of 100 元 = 10,000 分), using integer arithmetic only.
///
/// `123_456_789` 分 = 1,234,567.89 元 = 123.456789 万元 → `12_346` (123.46 万元);
/// `5_000` 分 → `1`; `4_999` 分 → `0`; `-5_000` 分 → `-1`. Never overflows.
pub fn fen_to_wan_yuan_hundredths(fen: i64) -> i64 {
    let quotient = fen / FEN_PER_WAN_YUAN_HUNDREDTH;
    // Rust's `%` takes the sign of the dividend, so `remainder` is in
    // (-10_000, 10_000) and `quotient` is already truncated towards zero.
    let remainder = fen % FEN_PER_WAN_YUAN_HUNDREDTH;
    if remainder.abs() * 2 >= FEN_PER_WAN_YUAN_HUNDREDTH {
        quotient + fen.signum()
    } else {
        quotient
    }
}

/// Money in 分 as the 万元 value written into a cell: the `f64` nearest to
/// the two-decimal figure of [`fen_to_wan_yuan_hundredths`]. Never `-0.0`.
pub fn fen_to_wan_yuan(fen: i64) -> f64 {
    // |hundredths| <= i64::MAX / 10_000 < 2^53, so the cast is exact and the
    // (correctly rounded) division yields the nearest f64 to the decimal.
    #[allow(clippy::cast_precision_loss)]
    let hundredths = fen_to_wan_yuan_hundredths(fen) as f64;
    hundredths / 100.0
}

/// Money in 分 as a 万元 text with exactly two decimals and no thousands
/// separators, rounded like [`fen_to_wan_yuan_hundredths`]:
/// `123_456_789` → `"123.46"`, `-5_000` → `"-0.01"`, `0` → `"0.00"`.
pub fn format_wan_yuan(fen: i64) -> String {
    let hundredths = fen_to_wan_yuan_hundredths(fen);
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(fen_to_wan_yuan_hundredths(123_456_789), 12_346);
        assert_eq!(fen_to_wan_yuan_hundredths(0), 0);
        assert_eq!(fen_to_wan_yuan_hundredths(4_999), 0);
        assert_eq!(fen_to_wan_yuan_hundredths(5_000), 1);
        assert_eq!(fen_to_wan_yuan_hundredths(-4_999), 0);
        assert_eq!(fen_to_wan_yuan_hundredths(-5_000), -1);
        assert_eq!(fen_to_wan_yuan_hundredths(15_000), 2);
        assert_eq!(fen_to_wan_yuan_hundredths(-15_000), -2);
        assert_eq!(fen_to_wan_yuan_hundredths(1_000_000), 100);
        assert_eq!(fen_to_wan_yuan_hundredths(i64::MAX), 922_337_203_685_478);
        assert_eq!(fen_to_wan_yuan_hundredths(i64::MIN), -922_337_203_685_478);
    }

    #[test]
    fn float_value_is_nearest_to_decimal() {
        assert_eq!(fen_to_wan_yuan(123_456_789), 123.46);
        assert_eq!(fen_to_wan_yuan(-123_456_789), -123.46);
        assert_eq!(fen_to_wan_yuan(10_000), 0.01);
        assert_eq!(fen_to_wan_yuan(1_000_000), 1.0);
        let zero = fen_to_wan_yuan(-4_999);
        assert_eq!(zero, 0.0);
        assert!(zero.is_sign_positive());
    }

    #[test]
    fn text_form() {
        assert_eq!(format_wan_yuan(123_456_789), "123.46");
        assert_eq!(format_wan_yuan(-5_000), "-0.01");
        assert_eq!(format_wan_yuan(-4_999), "0.00");
        assert_eq!(format_wan_yuan(0), "0.00");
        assert_eq!(format_wan_yuan(100_000_000_000), "100000.00");
        assert_eq!(format_wan_yuan(i64::MIN), "-9223372036854.78");
    }
}
