//! XLSX ledger writer (台账表格) on top of `rust_xlsxwriter`.
//!
//! Layout of a sheet, top to bottom:
//!
//! 1. title row (if the title is not blank): merged across all columns, bold
//!    16 pt, centred;
//! 2. subtitle row (if any): merged across all columns, 10 pt, left-aligned;
//! 3. header row: bold, centred, wrapped, thin borders, light blue fill,
//!    autofilter drop-downs; panes are frozen below it and it is repeated on
//!    every printed page;
//! 4. data rows: thin borders, numbers right-aligned with number formats;
//! 5. the 合计 row (if any): like a data row but bold, and outside the
//!    autofilter range so that sorting and filtering never move or hide it.
//!
//! Print setup: A4, landscape when the columns are wider than 100
//! characters in total, scaled to one page wide, centred, footer
//! "第 N 页，共 M 页".
//!
//! # Font
//!
//! Every written cell uses [`FONT_NAME`] (宋体 / SimSun). It is installed on
//! every Chinese Windows since Windows 95 and ships with WPS Office, whereas
//! 等线 (DengXian) only comes with Office 2016 and later. The font records
//! also carry charset 134 (GB2312) and family 3, exactly as Chinese Excel
//! writes them for 宋体: where 宋体 is missing, Excel/WPS/LibreOffice fall back
//! to an installed GB2312-capable font (on macOS 宋体 is mapped to Songti SC,
//! on Linux LibreOffice maps SimSun to Noto/Source Han Serif CJK, fontconfig
//! permitting) rather than to a Latin font without Chinese glyphs.
//!
//! # Temporary files
//!
//! The workspace enables `rust_xlsxwriter`'s `constant_memory` feature. With
//! it, *every* worksheet the library creates opens an (unnamed, auto-deleted)
//! temporary file in [`std::env::temp_dir()`], and the library panics if that
//! fails. Both entry points therefore check that directory first and return
//! [`DocumentError::Io`] instead of panicking. The streaming writer puts its
//! row data in the output file's directory (see [`XlsxStreamWriter::new`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    ColNum, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, RowNum, Workbook,
    Worksheet, XlsxError,
};

use crate::{fen_to_wan_yuan, Cell, Column, ColumnKind, DocumentError, RowRef, Table, TableHeader};

/// Font used for every cell written: 宋体 (SimSun). See the module docs for
/// the fallback.
pub const FONT_NAME: &str = "宋体";
/// `<charset val="134"/>`: GB2312, lets Office substitute a Chinese font.
const FONT_CHARSET_GB2312: u8 = 134;
/// `<family val="3"/>` as Chinese Excel writes it for 宋体.
const FONT_FAMILY: u8 = 3;
const BODY_FONT_SIZE: f64 = 11.0;

/// Rows in one Excel worksheet.
pub const EXCEL_MAX_ROWS: u32 = 1_048_576;
const EXCEL_MAX_COLUMNS: usize = 16_384;
/// Longest text Excel keeps in one cell.
const EXCEL_MAX_STRING_CHARS: usize = 32_767;
/// Integers beyond this are not exactly representable as Excel's f64.
const MAX_EXACT_INT: i64 = 1 << 53;
/// Excel sheet names are at most 31 characters (UTF-16 code units).
const SHEET_NAME_MAX_UNITS: usize = 31;

const HEADER_FILL: u32 = 0xD9E1F2;
const TITLE_ROW_HEIGHT: f64 = 30.0;
const SUBTITLE_ROW_HEIGHT: f64 = 20.0;
/// Data and 合计 rows: a little taller than Excel's 15 pt so 宋体 does not
/// touch the borders.
const DATA_ROW_HEIGHT: f64 = 18.0;
/// Above this total width (in characters) the page is printed landscape.
const LANDSCAPE_FROM_WIDTH: f64 = 100.0;
const A4_PAPER: u8 = 9;

/// Writes a whole [`Table`] as a one-sheet XLSX workbook in memory.
///
/// `sheet_name` goes through [`sanitize_sheet_name`] first, so any text (a
/// project or region name, say) is accepted.
///
/// Meant for tables that comfortably fit in memory (a few tens of thousands
/// of rows). For bigger exports use [`write_large_table`] or
/// [`XlsxStreamWriter`], which keep only one row in memory.
///
/// # Errors
///
/// Any [`DocumentError`]: no columns, bad widths, rows of the wrong length,
/// cells that do not fit their column (see [`ColumnKind`]), more rows than
/// Excel allows, or an unusable temporary directory.
pub fn table_to_xlsx(sheet_name: &str, table: &Table) -> Result<Vec<u8>, DocumentError> {
    tables_to_xlsx(&table.title, &[(sheet_name, table)])
}

/// Writes several [`Table`]s as the sheets of one workbook in memory, in
/// the order given, each `(sheet name, table)` laid out exactly as
/// [`table_to_xlsx`] lays out its one sheet. `title` becomes the workbook's
/// title property (left out when blank). Sheet names go through
/// [`sanitize_sheet_name`] and must stay distinct.
///
/// # Errors
///
/// As [`table_to_xlsx`], for the first table at fault; every table is
/// checked before anything is written.
pub(crate) fn tables_to_xlsx(
    title: &str,
    sheets: &[(&str, &Table)],
) -> Result<Vec<u8>, DocumentError> {
    let mut layouts = Vec::with_capacity(sheets.len());
    for (_, table) in sheets {
        validate_columns(&table.columns)?;
        let layout = Layout::new(&table.title, table.subtitle.as_deref());
        let needed = u64::from(layout.first_data_row())
            + table.rows.len() as u64
            + u64::from(table.total_row.is_some());
        if needed > u64::from(EXCEL_MAX_ROWS) {
            return Err(DocumentError::TooManyRows {
                limit: EXCEL_MAX_ROWS,
            });
        }
        layouts.push(layout);
    }

    let mut workbook = new_workbook(title)?;
    let styles = Styles::new();
    for ((sheet_name, table), layout) in sheets.iter().zip(&layouts) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(sanitize_sheet_name(sheet_name))?;
        write_preamble(
            worksheet,
            layout,
            &table.title,
            table.subtitle.as_deref(),
            &table.columns,
            &styles,
        )?;

        let mut row_num = layout.first_data_row();
        for (index, cells) in table.rows.iter().enumerate() {
            let values = prepare_row(&table.columns, cells, RowRef::Data(index as u64 + 1))?;
            write_values(worksheet, row_num, &values, &styles.body)?;
            row_num += 1;
        }
        set_autofilter(worksheet, layout, row_num, table.columns.len())?;

        if let Some(total) = &table.total_row {
            let values = prepare_row(&table.columns, total, RowRef::Total)?;
            write_values(worksheet, row_num, &values, &styles.total)?;
        }
    }

    Ok(workbook.save_to_buffer()?)
}

/// Streams a ledger straight to an XLSX file at `path`, keeping only the
/// current row in memory (`rust_xlsxwriter` "constant memory" mode), and
/// returns the number of data rows written.
///
/// `rows` is consumed lazily, one row at a time, so an iterator over a
/// database cursor never sits in memory as a whole. The 合计 row, if any, is
/// written last. The file is written under a temporary name next to `path`
/// and renamed into place at the end, so `path` never holds a half-written
/// file; on error nothing is left at `path`.
///
/// Same layout and cell rules as [`table_to_xlsx`]. For callers that produce
/// rows asynchronously, or that only know the 合计 after the last row, use
/// [`XlsxStreamWriter`] directly.
///
/// # Errors
///
/// As [`table_to_xlsx`], plus [`DocumentError::Io`] when the output directory
/// is missing or not writable. [`DocumentError::TooManyRows`] is returned as
/// soon as a row would land beyond Excel's 1,048,576th row.
pub fn write_large_table<I>(
    path: &Path,
    sheet_name: &str,
    header: &TableHeader,
    rows: I,
    total_row: Option<&[Cell]>,
) -> Result<u64, DocumentError>
where
    I: IntoIterator<Item = Vec<Cell>>,
{
    let mut writer = XlsxStreamWriter::new(path, sheet_name, header)?;
    for row in rows {
        writer.write_row(&row)?;
    }
    writer.finish(total_row)
}

/// Row-by-row XLSX ledger writer in constant memory.
///
/// ```no_run
/// # use meizhen_documents::{Cell, Column, ColumnKind, TableHeader, XlsxStreamWriter};
/// # fn main() -> Result<(), meizhen_documents::DocumentError> {
/// let header = TableHeader {
///     title: "项目台账".into(),
///     subtitle: None,
///     columns: vec![
///         Column::new("项目名称", 30.0, ColumnKind::Text),
///         Column::new("总投资（万元）", 14.0, ColumnKind::Money),
///     ],
/// };
/// let mut writer = XlsxStreamWriter::new("/srv/exports/台账.xlsx".as_ref(), "台账", &header)?;
/// let mut total = 0i64;
/// for (name, fen) in [("甲项目", 1_000_000i64), ("乙项目", 2_500_000)] {
///     writer.write_row(&[Cell::text(name), Cell::Fen(fen)])?;
///     total += fen;
/// }
/// writer.finish(Some(&[Cell::text("合计"), Cell::Fen(total)]))?;
/// # Ok(()) }
/// ```
///
/// Nothing is written at the output path before [`finish`](Self::finish);
/// dropping the writer without finishing discards everything (the library's
/// temporary files are unnamed and vanish with the process's handles).
/// A row that fails validation is not written at all, so the writer stays
/// usable after a [`DocumentError::InvalidCell`] or
/// [`DocumentError::RowLength`].
pub struct XlsxStreamWriter {
    path: PathBuf,
    workbook: Workbook,
    worksheet: Worksheet,
    styles: Styles,
    columns: Vec<Column>,
    layout: Layout,
    next_row: RowNum,
    data_rows: u64,
}

impl std::fmt::Debug for XlsxStreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxStreamWriter")
            .field("path", &self.path)
            .field("columns", &self.columns.len())
            .field("data_rows", &self.data_rows)
            .finish_non_exhaustive()
    }
}

impl XlsxStreamWriter {
    /// Starts a streamed ledger that [`finish`](Self::finish) will save at
    /// `path`, writing the title, subtitle and header rows.
    ///
    /// Row data is spooled in unnamed temporary files in `path`'s directory
    /// (not in the system temp dir, which is often a RAM-backed tmpfs, e.g. on
    /// Debian 13, and would defeat the purpose); that directory must exist and
    /// be writable, which is checked here.
    ///
    /// # Errors
    ///
    /// [`DocumentError::Io`] for an unusable output or temp directory, and the
    /// column checks of [`table_to_xlsx`].
    pub fn new(path: &Path, sheet_name: &str, header: &TableHeader) -> Result<Self, DocumentError> {
        validate_columns(&header.columns)?;
        // Fail early on a path that cannot be renamed into.
        part_path(path)?;

        let mut workbook = new_workbook(&header.title)?;
        let spool_dir = output_dir(path);
        workbook
            .set_tempdir(&spool_dir)
            .map_err(|e| io_error(&spool_dir, e))?;

        let styles = Styles::new();
        let mut worksheet = workbook.new_worksheet_with_constant_memory();
        worksheet.set_name(sanitize_sheet_name(sheet_name))?;
        let layout = Layout::new(&header.title, header.subtitle.as_deref());
        write_preamble(
            &mut worksheet,
            &layout,
            &header.title,
            header.subtitle.as_deref(),
            &header.columns,
            &styles,
        )?;

        Ok(XlsxStreamWriter {
            path: path.to_path_buf(),
            workbook,
            worksheet,
            styles,
            columns: header.columns.clone(),
            next_row: layout.first_data_row(),
            layout,
            data_rows: 0,
        })
    }

    /// Appends one data row.
    ///
    /// # Errors
    ///
    /// [`DocumentError::RowLength`] / [`DocumentError::InvalidCell`] (the row
    /// is then skipped entirely), or [`DocumentError::TooManyRows`] when the
    /// sheet is full.
    pub fn write_row(&mut self, cells: &[Cell]) -> Result<(), DocumentError> {
        // Keep one row free for a 合计 row.
        if self.next_row >= EXCEL_MAX_ROWS - 1 {
            return Err(DocumentError::TooManyRows {
                limit: EXCEL_MAX_ROWS,
            });
        }
        let values = prepare_row(&self.columns, cells, RowRef::Data(self.data_rows + 1))?;
        write_values(
            &mut self.worksheet,
            self.next_row,
            &values,
            &self.styles.body,
        )?;
        self.next_row += 1;
        self.data_rows += 1;
        Ok(())
    }

    /// Number of data rows written so far.
    pub fn rows_written(&self) -> u64 {
        self.data_rows
    }

    /// Writes the optional 合计 row, saves the workbook to the path given to
    /// [`new`](Self::new) (atomically, via a temporary sibling file that is
    /// renamed into place) and returns the number of data rows.
    ///
    /// # Errors
    ///
    /// Cell errors in the 合计 row, or [`DocumentError::Io`] when saving.
    /// Like [`finish`](Self::finish), with a first sheet that sums the
    /// ledger up: a small table and a native (editable) Excel column chart.
    pub fn finish_with_summary(
        mut self,
        total_row: Option<&[Cell]>,
        summary: &SummaryChart,
    ) -> Result<u64, DocumentError> {
        let sheet = summary_sheet(summary)?;
        self.workbook.push_worksheet(sheet);
        self.finish(total_row)
    }

    pub fn finish(mut self, total_row: Option<&[Cell]>) -> Result<u64, DocumentError> {
        set_autofilter(
            &mut self.worksheet,
            &self.layout,
            self.next_row,
            self.columns.len(),
        )?;
        if let Some(total) = total_row {
            let values = prepare_row(&self.columns, total, RowRef::Total)?;
            write_values(
                &mut self.worksheet,
                self.next_row,
                &values,
                &self.styles.total,
            )?;
        }
        self.workbook.push_worksheet(self.worksheet);
        save_atomically(&mut self.workbook, &self.path)?;
        Ok(self.data_rows)
    }
}

/// A summary sheet: one row per category (e.g. county), one column per
/// series (e.g. 总投资, 计划投资), charted as clustered columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryChart {
    pub sheet_name: String,
    pub title: String,
    pub category_header: String,
    pub categories: Vec<String>,
    /// (name, one value per category)
    pub series: Vec<(String, Vec<f64>)>,
    pub y_axis: String,
}

fn summary_sheet(s: &SummaryChart) -> Result<Worksheet, DocumentError> {
    use rust_xlsxwriter::{Chart, ChartType};
    let name = sanitize_sheet_name(&s.sheet_name);
    let mut ws = Worksheet::new();
    ws.set_name(&name)?;
    let bold = Format::new().set_bold().set_font_name(FONT_NAME);
    let plain = Format::new().set_font_name(FONT_NAME);
    let number = Format::new()
        .set_font_name(FONT_NAME)
        .set_num_format("#,##0.00");
    ws.write_string_with_format(0, 0, &s.category_header, &bold)?;
    ws.set_column_width(0, 16)?;
    for (j, (series, values)) in s.series.iter().enumerate() {
        let col = ColNum::try_from(j + 1).unwrap_or(ColNum::MAX);
        ws.write_string_with_format(0, col, series, &bold)?;
        ws.set_column_width(col, 16)?;
        for (i, v) in values.iter().enumerate() {
            let row = RowNum::try_from(i + 1).unwrap_or(RowNum::MAX);
            if v.is_finite() {
                ws.write_number_with_format(row, col, *v, &number)?;
            }
        }
    }
    for (i, c) in s.categories.iter().enumerate() {
        let row = RowNum::try_from(i + 1).unwrap_or(RowNum::MAX);
        ws.write_string_with_format(row, 0, c, &plain)?;
    }
    if !s.categories.is_empty() && !s.series.is_empty() {
        let last = RowNum::try_from(s.categories.len()).unwrap_or(RowNum::MAX);
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name(&s.title);
        chart.y_axis().set_name(&s.y_axis);
        for j in 0..s.series.len() {
            let col = ColNum::try_from(j + 1).unwrap_or(ColNum::MAX);
            chart
                .add_series()
                .set_name((name.as_str(), 0, col))
                .set_categories((name.as_str(), 1, 0, last, 0))
                .set_values((name.as_str(), 1, col, last, col));
        }
        chart.set_width(760).set_height(420);
        let chart_col = ColNum::try_from(s.series.len() + 2).unwrap_or(ColNum::MAX);
        ws.insert_chart(1, chart_col, &chart)?;
    }
    Ok(ws)
}

/// Makes `name` a valid Excel worksheet name.
///
/// * `[ ] : * ? / \` and control characters become `_` (full-width
///   punctuation such as `：` or `／` is valid and kept);
/// * leading/trailing spaces and apostrophes are removed;
/// * the result is cut to 31 UTF-16 code units (Excel's limit) without
///   splitting a character — 31 Chinese characters fit;
/// * an empty result becomes `Sheet1`, and `History` (reserved by Excel)
///   becomes `History_`.
pub fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let is_trimmed = |c: char| c == '\'' || c.is_whitespace();

    let mut out = String::new();
    let mut units = 0;
    for c in replaced.trim_matches(is_trimmed).chars() {
        units += c.len_utf16();
        if units > SHEET_NAME_MAX_UNITS {
            break;
        }
        out.push(c);
    }
    let out = out.trim_end_matches(is_trimmed);

    if out.is_empty() {
        "Sheet1".to_owned()
    } else if out.eq_ignore_ascii_case("history") {
        format!("{out}_")
    } else {
        out.to_owned()
    }
}

// ---------------------------------------------------------------------------
// Layout and styles.
// ---------------------------------------------------------------------------

/// Row numbers (0-based) of the fixed rows at the top of the sheet.
#[derive(Debug, Clone, Copy)]
struct Layout {
    title_row: Option<RowNum>,
    subtitle_row: Option<RowNum>,
    header_row: RowNum,
}

impl Layout {
    fn new(title: &str, subtitle: Option<&str>) -> Self {
        let mut next = 0;
        let mut take = |present: bool| {
            present.then(|| {
                next += 1;
                next - 1
            })
        };
        let title_row = take(!title.trim().is_empty());
        let subtitle_row = take(subtitle.is_some());
        Layout {
            title_row,
            subtitle_row,
            header_row: next,
        }
    }

    fn first_data_row(&self) -> RowNum {
        self.header_row + 1
    }
}

struct Styles {
    title: Format,
    subtitle: Format,
    header: Format,
    body: BodyStyles,
    total: BodyStyles,
}

/// One format per way of showing a value, normal or bold (合计).
struct BodyStyles {
    text: Format,
    text_centered: Format,
    integer: Format,
    money: Format,
    percent: Format,
    date: Format,
    datetime: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Text,
    TextCentered,
    Integer,
    Money,
    Percent,
    Date,
    DateTime,
}

fn base_format() -> Format {
    Format::new()
        .set_font_name(FONT_NAME)
        .set_font_family(FONT_FAMILY)
        .set_font_charset(FONT_CHARSET_GB2312)
        .set_font_size(BODY_FONT_SIZE)
        .set_align(FormatAlign::VerticalCenter)
}

impl Styles {
    fn new() -> Self {
        Styles {
            title: base_format()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center),
            subtitle: base_format().set_font_size(10).set_align(FormatAlign::Left),
            header: base_format()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(HEADER_FILL),
            body: BodyStyles::new(false),
            total: BodyStyles::new(true),
        }
    }
}

impl BodyStyles {
    fn new(bold: bool) -> Self {
        let cell = || {
            let f = base_format().set_border(FormatBorder::Thin);
            if bold {
                f.set_bold()
            } else {
                f
            }
        };
        let number = |num_format: &str| {
            cell()
                .set_num_format(num_format)
                .set_align(FormatAlign::Right)
        };
        BodyStyles {
            text: cell().set_align(FormatAlign::Left),
            text_centered: cell().set_align(FormatAlign::Center),
            integer: number("0"),
            money: number("#,##0.00"),
            percent: number("0.00%"),
            date: cell()
                .set_num_format("yyyy-mm-dd")
                .set_align(FormatAlign::Center),
            datetime: cell()
                .set_num_format("yyyy-mm-dd hh:mm")
                .set_align(FormatAlign::Center),
        }
    }

    fn get(&self, slot: Slot) -> &Format {
        match slot {
            Slot::Text => &self.text,
            Slot::TextCentered => &self.text_centered,
            Slot::Integer => &self.integer,
            Slot::Money => &self.money,
            Slot::Percent => &self.percent,
            Slot::Date => &self.date,
            Slot::DateTime => &self.datetime,
        }
    }
}

// ---------------------------------------------------------------------------
// Writing.
// ---------------------------------------------------------------------------

/// A new workbook whose temp dir is checked, so that creating a worksheet
/// cannot panic (see the module docs).
fn new_workbook(title: &str) -> Result<Workbook, DocumentError> {
    let mut workbook = Workbook::new();
    let temp_dir = std::env::temp_dir();
    workbook
        .set_tempdir(&temp_dir)
        .map_err(|e| io_error(&temp_dir, e))?;
    if !title.trim().is_empty() {
        workbook.set_properties(&DocProperties::new().set_title(title.trim()));
    }
    Ok(workbook)
}

fn validate_columns(columns: &[Column]) -> Result<(), DocumentError> {
    if columns.is_empty() {
        return Err(DocumentError::NoColumns);
    }
    if columns.len() > EXCEL_MAX_COLUMNS {
        return Err(DocumentError::TooManyColumns {
            count: columns.len(),
        });
    }
    for (index, column) in columns.iter().enumerate() {
        if !(column.width.is_finite() && (0.0..=255.0).contains(&column.width)) {
            return Err(DocumentError::InvalidColumnWidth {
                column: index + 1,
                header: column.header.clone(),
                width: column.width,
            });
        }
    }
    Ok(())
}

/// Last column index; `columns` is validated non-empty and ≤ 16,384 long.
fn last_col(column_count: usize) -> ColNum {
    ColNum::try_from(column_count.saturating_sub(1)).unwrap_or(ColNum::MAX)
}

fn col_num(index: usize) -> ColNum {
    ColNum::try_from(index).unwrap_or(ColNum::MAX)
}

/// Title, subtitle, header row, column widths, frozen panes and print setup.
fn write_preamble(
    worksheet: &mut Worksheet,
    layout: &Layout,
    title: &str,
    subtitle: Option<&str>,
    columns: &[Column],
    styles: &Styles,
) -> Result<(), DocumentError> {
    let last = last_col(columns.len());
    worksheet.set_default_row_height(DATA_ROW_HEIGHT);
    for (index, column) in columns.iter().enumerate() {
        worksheet.set_column_width(col_num(index), column.width)?;
    }

    if let Some(row) = layout.title_row {
        worksheet.set_row_height(row, TITLE_ROW_HEIGHT)?;
        write_merged(worksheet, row, last, title.trim(), &styles.title)?;
    }
    if let (Some(row), Some(subtitle)) = (layout.subtitle_row, subtitle) {
        worksheet.set_row_height(row, SUBTITLE_ROW_HEIGHT)?;
        write_merged(worksheet, row, last, subtitle, &styles.subtitle)?;
    }

    let header_row = layout.header_row;
    worksheet.set_row_height(header_row, header_row_height(columns))?;
    for (index, column) in columns.iter().enumerate() {
        worksheet.write_string_with_format(
            header_row,
            col_num(index),
            &column.header,
            &styles.header,
        )?;
    }
    worksheet.set_freeze_panes(layout.first_data_row(), 0)?;

    let total_width: f64 = columns.iter().map(|c| c.width).sum();
    worksheet.set_paper_size(A4_PAPER);
    if total_width > LANDSCAPE_FROM_WIDTH {
        worksheet.set_landscape();
    }
    worksheet.set_print_fit_to_pages(1, 0);
    worksheet.set_print_center_horizontally(true);
    worksheet.set_repeat_rows(header_row, header_row)?;
    worksheet.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

/// Writes `text` across columns `0..=last` of `row` (a plain cell when there
/// is only one column: Excel cannot merge a single cell).
fn write_merged(
    worksheet: &mut Worksheet,
    row: RowNum,
    last: ColNum,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if last == 0 {
        worksheet.write_string_with_format(row, 0, text, format)?;
    } else {
        worksheet.merge_range(row, 0, row, last, text, format)?;
    }
    Ok(())
}

/// Autofilter over the header and the data rows (`end_row` is one past the
/// last data row), never over the 合计 row.
fn set_autofilter(
    worksheet: &mut Worksheet,
    layout: &Layout,
    end_row: RowNum,
    column_count: usize,
) -> Result<(), XlsxError> {
    let last_row = end_row.saturating_sub(1).max(layout.header_row);
    worksheet.autofilter(layout.header_row, 0, last_row, last_col(column_count))?;
    Ok(())
}

/// Height (points) of the header row, enough for wrapped headers.
fn header_row_height(columns: &[Column]) -> f64 {
    const LINE: f64 = 15.0;
    const PADDING: f64 = 7.0;
    const MAX_LINES: f64 = 4.0;
    let lines = columns
        .iter()
        .map(|column| {
            // Usable width: minus ~1 character for the autofilter button.
            let usable = (column.width - 1.5).max(1.0);
            column
                .header
                .split('\n')
                .map(|line| (display_width(line) / usable).ceil().max(1.0))
                .sum::<f64>()
        })
        .fold(1.0_f64, f64::max)
        .min(MAX_LINES);
    lines * LINE + PADDING
}

/// Approximate width of `text` in Excel "characters" (a CJK character or
/// full-width punctuation mark counts as 2).
fn display_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 2.0 } else { 1.0 })
        .sum()
}

/// A cell checked against its column and ready to write.
enum Value<'a> {
    Blank(Slot),
    Text(&'a str, Slot),
    Number(f64, Slot),
    Date(ExcelDateTime, Slot),
}

fn prepare_row<'a>(
    columns: &[Column],
    cells: &'a [Cell],
    row: RowRef,
) -> Result<Vec<Value<'a>>, DocumentError> {
    if cells.len() != columns.len() {
        return Err(DocumentError::RowLength {
            row,
            expected: columns.len(),
            actual: cells.len(),
        });
    }
    columns
        .iter()
        .zip(cells)
        .enumerate()
        .map(|(index, (column, cell))| {
            prepare_cell(column.kind, cell).map_err(|reason| DocumentError::InvalidCell {
                row,
                column: index + 1,
                header: column.header.clone(),
                reason,
            })
        })
        .collect()
}

fn prepare_cell(kind: ColumnKind, cell: &Cell) -> Result<Value<'_>, String> {
    let default_slot = match kind {
        ColumnKind::Text => Slot::Text,
        ColumnKind::Integer => Slot::Integer,
        ColumnKind::Money => Slot::Money,
        ColumnKind::Percent => Slot::Percent,
        ColumnKind::Date => Slot::Date,
    };
    match (kind, cell) {
        (_, Cell::Empty) => Ok(Value::Blank(default_slot)),
        (_, Cell::Text(text)) if text.is_empty() => Ok(Value::Blank(default_slot)),
        (_, Cell::Text(text)) if text.chars().count() > EXCEL_MAX_STRING_CHARS => Err(format!(
            "文字长度超过 Excel 单元格上限 {EXCEL_MAX_STRING_CHARS} 个字符"
        )),
        (ColumnKind::Date, Cell::Text(text)) => Ok(match parse_date(text) {
            Some((date, false)) => Value::Date(date, Slot::Date),
            Some((date, true)) => Value::Date(date, Slot::DateTime),
            None => Value::Text(text, Slot::TextCentered),
        }),
        (ColumnKind::Text, Cell::Text(text)) => Ok(Value::Text(text, Slot::Text)),
        (_, Cell::Text(text)) => Ok(Value::Text(text, Slot::TextCentered)),
        (ColumnKind::Integer, Cell::Int(value)) => {
            if value.unsigned_abs() > MAX_EXACT_INT.unsigned_abs() {
                Err(format!(
                    "整数 {value} 超出 Excel 能精确保存的范围（±{MAX_EXACT_INT}）"
                ))
            } else {
                #[allow(clippy::cast_precision_loss)] // |value| <= 2^53: exact.
                Ok(Value::Number(*value as f64, Slot::Integer))
            }
        }
        (ColumnKind::Money, Cell::Fen(fen)) => {
            Ok(Value::Number(fen_to_wan_yuan(*fen), Slot::Money))
        }
        (ColumnKind::Percent, Cell::Ratio(ratio)) => {
            if ratio.is_finite() {
                Ok(Value::Number(*ratio, Slot::Percent))
            } else {
                Err(format!("比例值 {ratio} 不是有效数字"))
            }
        }
        (kind, cell) => Err(format!(
            "{}列不能填写{}",
            kind_name(kind),
            describe_cell(cell)
        )),
    }
}

fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Text => "文本",
        ColumnKind::Integer => "整数",
        ColumnKind::Money => "金额",
        ColumnKind::Percent => "百分比",
        ColumnKind::Date => "日期",
    }
}

fn describe_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => format!("文字“{text}”"),
        Cell::Int(value) => format!("整数 {value}"),
        Cell::Fen(fen) => format!("金额 {fen} 分"),
        Cell::Ratio(ratio) => format!("比例 {ratio}"),
        Cell::Empty => "空值".to_owned(),
    }
}

fn write_values(
    worksheet: &mut Worksheet,
    row: RowNum,
    values: &[Value<'_>],
    styles: &BodyStyles,
) -> Result<(), XlsxError> {
    for (index, value) in values.iter().enumerate() {
        let col = col_num(index);
        match value {
            Value::Blank(slot) => worksheet.write_blank(row, col, styles.get(*slot))?,
            Value::Text(text, slot) => {
                worksheet.write_string_with_format(row, col, *text, styles.get(*slot))?
            }
            Value::Number(number, slot) => {
                worksheet.write_number_with_format(row, col, *number, styles.get(*slot))?
            }
            Value::Date(date, slot) => {
                worksheet.write_datetime_with_format(row, col, date, styles.get(*slot))?
            }
        };
    }
    Ok(())
}

/// Strictly parses `YYYY-MM-DD` (or `/`), optionally followed by a space or
/// `T` and `HH:MM` or `HH:MM:SS`. Returns the date and whether a time was
/// given; `None` for anything else, including impossible dates.
fn parse_date(text: &str) -> Option<(ExcelDateTime, bool)> {
    fn number<T: std::str::FromStr>(part: &str, min_len: usize, max_len: usize) -> Option<T> {
        if (min_len..=max_len).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    }

    let text = text.trim();
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };

    let mut parts = date.split(['-', '/']);
    let year: u16 = number(parts.next()?, 4, 4)?;
    let month: u8 = number(parts.next()?, 1, 2)?;
    let day: u8 = number(parts.next()?, 1, 2)?;
    if parts.next().is_some() {
        return None;
    }
    let date = ExcelDateTime::from_ymd(year, month, day).ok()?;

    let Some(time) = time else {
        return Some((date, false));
    };
    let mut parts = time.split(':');
    let hour: u16 = number(parts.next()?, 1, 2)?;
    let minute: u8 = number(parts.next()?, 2, 2)?;
    let second: u8 = match parts.next() {
        Some(part) => number(part, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let datetime = date.and_hms(hour, minute, second).ok()?;
    Some((datetime, true))
}

// ---------------------------------------------------------------------------
// Files.
// ---------------------------------------------------------------------------

fn io_error(path: &Path, error: XlsxError) -> DocumentError {
    match error {
        XlsxError::IoError(source) => DocumentError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => DocumentError::Xlsx(other),
    }
}

/// Directory the output file goes in (`.` for a bare file name).
fn output_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Hidden sibling `.<name>.part` that the workbook is written to first.
fn part_path(path: &Path) -> Result<PathBuf, DocumentError> {
    let Some(name) = path.file_name() else {
        return Err(DocumentError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "输出路径缺少文件名"),
        });
    };
    let mut part = std::ffi::OsString::from(".");
    part.push(name);
    part.push(".part");
    Ok(output_dir(path).join(part))
}

fn save_atomically(workbook: &mut Workbook, path: &Path) -> Result<(), DocumentError> {
    let part = part_path(path)?;
    let result = write_file(workbook, &part).and_then(|()| {
        std::fs::rename(&part, path).map_err(|source| DocumentError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        // Best effort: the error being reported matters more than this one.
        let _ = std::fs::remove_file(&part);
    }
    result
}

fn write_file(workbook: &mut Workbook, path: &Path) -> Result<(), DocumentError> {
    let to_io = |source| DocumentError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(to_io)?;
    let mut writer = BufWriter::new(file);
    workbook
        .save_to_writer(&mut writer)
        .map_err(|e| io_error(path, e))?;
    writer.flush().map_err(to_io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names() {
        assert_eq!(sanitize_sheet_name("台州市/椒江区"), "台州市_椒江区");
        assert_eq!(sanitize_sheet_name("a[b]c:d*e?f\\g"), "a_b_c_d_e_f_g");
        assert_eq!(sanitize_sheet_name(""), "Sheet1");
        assert_eq!(sanitize_sheet_name("  ''  "), "Sheet1");
        assert_eq!(sanitize_sheet_name("'台账'"), "台账");
        assert_eq!(sanitize_sheet_name("HISTORY"), "HISTORY_");
        assert_eq!(
            sanitize_sheet_name("项目：台账（2026）"),
            "项目：台账（2026）"
        );
        assert_eq!(sanitize_sheet_name("a\tb\nc"), "a_b_c");

        let long = "美丽城镇".repeat(10);
        let cut = sanitize_sheet_name(&long);
        assert_eq!(cut.chars().count(), 31);
        assert!(long.starts_with(&cut));

        // A character outside the BMP counts as two units and is not split.
        let emoji = format!("{}😀", "a".repeat(30));
        assert_eq!(sanitize_sheet_name(&emoji), "a".repeat(30));

        // Truncation that ends in an apostrophe or a space is trimmed again.
        let trailing = format!("{}' x", "b".repeat(29));
        assert_eq!(sanitize_sheet_name(&trailing), "b".repeat(29));

        for name in ["台州市/椒江区", "", "'x'", &long, &emoji, &trailing] {
            assert!(rust_xlsxwriter::utility::check_sheet_name(&sanitize_sheet_name(name)).is_ok());
        }
    }

    #[test]
    fn dates() {
        let date = |s| parse_date(s).map(|(d, t)| (d.to_excel(), t));
        assert_eq!(date("2026-11-29"), Some((46355.0, false)));
        assert_eq!(date(" 2026/1/5 "), date("2026-01-05"));
        assert_eq!(date("2026-11-29 12:00"), Some((46355.5, true)));
        assert_eq!(date("2026-11-29T12:00:00"), Some((46355.5, true)));
        assert_eq!(date("2026-02-29"), None);
        assert_eq!(date("2026-13-01"), None);
        assert_eq!(date("2026-11"), None);
        assert_eq!(date("2026-11-29-1"), None);
        assert_eq!(date("26-11-29"), None);
        assert_eq!(date("2026-11-29 24:00"), None);
        assert_eq!(date("2026-11-29 12:0"), None);
        assert_eq!(date("待定"), None);
        assert_eq!(date("+2026-1-1"), None);
    }

    #[test]
    fn layout_rows() {
        let l = Layout::new("标题", Some("副标题"));
        assert_eq!(
            (l.title_row, l.subtitle_row, l.header_row),
            (Some(0), Some(1), 2)
        );
        let l = Layout::new("  ", Some("副标题"));
        assert_eq!(
            (l.title_row, l.subtitle_row, l.header_row),
            (None, Some(0), 1)
        );
        let l = Layout::new("标题", None);
        assert_eq!(
            (l.title_row, l.subtitle_row, l.header_row),
            (Some(0), None, 1)
        );
    }

    #[test]
    fn header_height_grows_with_wrapping() {
        let narrow = [Column::new("计划总投资（万元）", 10.0, ColumnKind::Money)];
        let wide = [Column::new("计划总投资（万元）", 30.0, ColumnKind::Money)];
        assert!(header_row_height(&narrow) > header_row_height(&wide));
        assert_eq!(header_row_height(&wide), 22.0);
    }

    #[test]
    fn stream_stops_at_excel_row_limit() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("full.xlsx");
        let header = TableHeader {
            title: "满表".into(),
            subtitle: None,
            columns: vec![Column::new("序号", 8.0, ColumnKind::Integer)],
        };
        let mut writer = XlsxStreamWriter::new(&path, "满表", &header)?;
        writer.next_row = EXCEL_MAX_ROWS - 3;
        writer.write_row(&[Cell::Int(1)])?;
        writer.write_row(&[Cell::Int(2)])?;
        assert!(matches!(
            writer.write_row(&[Cell::Int(3)]),
            Err(DocumentError::TooManyRows {
                limit: EXCEL_MAX_ROWS
            })
        ));
        // The 合计 row still fits in the last row.
        assert_eq!(writer.finish(Some(&[Cell::Int(3)]))?, 2);
        assert!(path.exists());
        Ok(())
    }
}
