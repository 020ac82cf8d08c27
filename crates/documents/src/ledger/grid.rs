//! Opening the workbook (XLSX or legacy XLS) and loading one worksheet into a
//! sparse grid of [`RawValue`]s plus its merged regions.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{
    Data, DataRef, Dimensions, ExcelDateTime, Reader, SheetType, SheetVisible, Xls, XlsError, Xlsx,
    XlsxError,
};
use chrono::Datelike;

use super::normalize::clean_text;
use super::{LedgerError, RawValue};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Date-formatted numbers before this serial (1950-01-01) are not taken as
/// dates: in these ledgers they are years or "2020.5"-style figures typed
/// into a date-formatted cell (2020 as a date is 1905-07-12).
const FIRST_PLAUSIBLE_DATE_SERIAL: f64 = 18_264.0;

pub(crate) enum Book<'a> {
    Xlsx(Box<Xlsx<Cursor<&'a [u8]>>>),
    Xls(Box<Xls<Cursor<&'a [u8]>>>),
}

impl<'a> Book<'a> {
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Self, LedgerError> {
        let not_workbook = |detail: String| LedgerError::NotWorkbook { detail };
        if bytes.starts_with(ZIP_MAGIC) {
            return match Xlsx::new(Cursor::new(bytes)) {
                Ok(book) => Ok(Book::Xlsx(Box::new(book))),
                Err(XlsxError::Password) => Err(LedgerError::Encrypted),
                Err(e) => Err(not_workbook(e.to_string())),
            };
        }
        if bytes.starts_with(CFB_MAGIC) {
            // A legacy .xls, or an encrypted .xlsx (which is also an OLE
            // compound file).
            return match Xls::new(Cursor::new(bytes)) {
                Ok(book) => Ok(Book::Xls(Box::new(book))),
                Err(XlsError::Password) => Err(LedgerError::Encrypted),
                Err(xls_error) => match Xlsx::new(Cursor::new(bytes)) {
                    Err(XlsxError::Password) => Err(LedgerError::Encrypted),
                    _ => Err(not_workbook(xls_error.to_string())),
                },
            };
        }
        Err(not_workbook(
            "文件头不是 ZIP（.xlsx）或 OLE（.xls）格式".into(),
        ))
    }

    /// Worksheet names, visible ones first, each group in workbook order.
    pub(crate) fn worksheet_names(&self) -> Vec<String> {
        let sheets = match self {
            Book::Xlsx(b) => b.sheets_metadata(),
            Book::Xls(b) => b.sheets_metadata(),
        };
        let worksheets = sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
        let (visible, hidden): (Vec<_>, Vec<_>) =
            worksheets.partition(|s| s.visible == SheetVisible::Visible);
        visible
            .into_iter()
            .chain(hidden)
            .map(|s| s.name.clone())
            .collect()
    }

    pub(crate) fn grid(&mut self, name: &str) -> Result<Grid, LedgerError> {
        let unreadable = |detail: String| LedgerError::UnreadableSheet {
            sheet: name.to_owned(),
            detail,
        };
        let mut grid = Grid::default();
        match self {
            Book::Xlsx(book) => {
                // Streaming the cells keeps memory proportional to the cells
                // present, even when a stray value sits at XFD1048576.
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| unreadable(e.to_string()))?;
                while let Some(cell) = cells.next_cell().map_err(|e| unreadable(e.to_string()))? {
                    let (row, col) = cell.get_position();
                    grid.insert(row, col, raw_from_ref(cell.get_value()));
                }
                drop(cells);
                grid.merges = match book.worksheet_merge_cells(name) {
                    Some(Ok(merges)) => merges,
                    Some(Err(e)) => return Err(unreadable(e.to_string())),
                    None => Vec::new(),
                };
            }
            Book::Xls(book) => {
                let range = book
                    .worksheet_range(name)
                    .map_err(|e| unreadable(e.to_string()))?;
                if let Some((row0, col0)) = range.start() {
                    for (r, c, value) in range.used_cells() {
                        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                            continue;
                        };
                        grid.insert(row0 + r, col0 + c, raw_from_data(value));
                    }
                }
                grid.merges = book.worksheet_merge_cells(name).unwrap_or_default();
            }
        }
        grid.merges
            .retain(|m| m.start.0 <= m.end.0 && m.start.1 <= m.end.1 && m.start != m.end);
        grid.origins = grid
            .merges
            .iter()
            .enumerate()
            .map(|(i, m)| (m.start, i))
            .collect();
        Ok(grid)
    }
}

/// The non-empty cells of a worksheet by (row, column), 0-based, and its
/// merged regions.
#[derive(Debug, Default)]
pub(crate) struct Grid {
    rows: BTreeMap<u32, BTreeMap<u32, RawValue>>,
    pub(crate) merges: Vec<Dimensions>,
    /// Index into `merges` by top-left cell.
    origins: HashMap<(u32, u32), usize>,
}

impl Grid {
    fn insert(&mut self, row: u32, col: u32, value: RawValue) {
        if !value.is_empty() {
            self.rows.entry(row).or_default().insert(col, value);
        }
    }

    /// The value stored in the cell itself (merged continuation cells are
    /// empty).
    pub(crate) fn get(&self, row: u32, col: u32) -> Option<&RawValue> {
        self.rows.get(&row)?.get(&col)
    }

    /// The non-empty cells of a row, left to right.
    pub(crate) fn row(&self, row: u32) -> impl Iterator<Item = (u32, &RawValue)> {
        self.rows
            .get(&row)
            .into_iter()
            .flat_map(|cells| cells.iter().map(|(c, v)| (*c, v)))
    }

    pub(crate) fn is_blank_row(&self, row: u32) -> bool {
        !self.rows.contains_key(&row)
    }

    /// Last row that has any value.
    pub(crate) fn last_row(&self) -> Option<u32> {
        self.rows.keys().next_back().copied()
    }

    /// The merged region that covers the cell, if any.
    pub(crate) fn merge_at(&self, row: u32, col: u32) -> Option<&Dimensions> {
        self.merges
            .iter()
            .find(|m| (m.start.0..=m.end.0).contains(&row) && (m.start.1..=m.end.1).contains(&col))
    }

    /// The merged region whose top-left cell (the one holding the value)
    /// this is.
    pub(crate) fn merge_from(&self, row: u32, col: u32) -> Option<&Dimensions> {
        self.merges.get(*self.origins.get(&(row, col))?)
    }

    /// The cell's value, or for a cell inside a merged region the value of
    /// the region's top-left cell (which is where Excel keeps it).
    pub(crate) fn get_merged(&self, row: u32, col: u32) -> Option<&RawValue> {
        match self.get(row, col) {
            Some(v) => Some(v),
            None => self
                .merge_at(row, col)
                .and_then(|m| self.get(m.start.0, m.start.1)),
        }
    }
}

/// Fast look-up of the merged regions that cross one column, for filling
/// merged 县/乡镇 cells down data rows. Excel forbids overlapping merges, so
/// the regions of one column are disjoint row ranges.
pub(crate) struct ColumnMerges {
    /// (first row, last row, top-left cell), sorted by first row.
    spans: Vec<(u32, u32, (u32, u32))>,
}

impl ColumnMerges {
    pub(crate) fn new(grid: &Grid, col: u32) -> Self {
        let mut spans: Vec<_> = grid
            .merges
            .iter()
            .filter(|m| (m.start.1..=m.end.1).contains(&col))
            .map(|m| (m.start.0, m.end.0, m.start))
            .collect();
        spans.sort_unstable();
        ColumnMerges { spans }
    }

    pub(crate) fn origin(&self, row: u32) -> Option<(u32, u32)> {
        let i = self.spans.partition_point(|(first, _, _)| *first <= row);
        let (_, last, origin) = self.spans.get(i.checked_sub(1)?)?;
        (row <= *last).then_some(*origin)
    }
}

fn raw_from_ref(value: &DataRef<'_>) -> RawValue {
    match value {
        DataRef::SharedString(s) => text(s),
        DataRef::String(s) => text(s),
        DataRef::Int(i) => number_from_int(*i),
        DataRef::Float(f) => RawValue::Number(*f),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => iso_date(s),
        DataRef::DurationIso(s) => text(s),
        DataRef::Error(e) => RawValue::Text(e.to_string()),
        DataRef::Empty => RawValue::Empty,
    }
}

fn raw_from_data(value: &Data) -> RawValue {
    match value {
        Data::String(s) => text(s),
        Data::Int(i) => number_from_int(*i),
        Data::Float(f) => RawValue::Number(*f),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(dt) => date_time(dt),
        Data::DateTimeIso(s) => iso_date(s),
        Data::DurationIso(s) => text(s),
        Data::Error(e) => RawValue::Text(e.to_string()),
        Data::Empty => RawValue::Empty,
    }
}

/// Text as stored; whitespace-only text counts as empty.
fn text(s: &str) -> RawValue {
    if clean_text(s).is_empty() {
        RawValue::Empty
    } else {
        RawValue::Text(s.to_owned())
    }
}

#[allow(clippy::cast_precision_loss)] // cell integers come from f64s anyway
fn number_from_int(i: i64) -> RawValue {
    RawValue::Number(i as f64)
}

fn bool_text(b: bool) -> RawValue {
    RawValue::Text(if b { "TRUE" } else { "FALSE" }.to_owned())
}

fn date_time(dt: &ExcelDateTime) -> RawValue {
    let serial = dt.as_f64();
    if !dt.is_datetime() || serial < FIRST_PLAUSIBLE_DATE_SERIAL {
        return RawValue::Number(serial);
    }
    match dt.as_datetime() {
        Some(t) => RawValue::Date(t.year(), t.month(), t.day()),
        None => RawValue::Number(serial),
    }
}

/// `t="d"` cells: ISO 8601 text; the date part becomes a date.
fn iso_date(s: &str) -> RawValue {
    let date = s.get(..10).and_then(|d| {
        let mut parts = d.split('-');
        let y = parts.next()?.parse::<i32>().ok()?;
        let m = parts.next()?.parse::<u32>().ok()?;
        let day = parts.next()?.parse::<u32>().ok()?;
        let ok = d.as_bytes().get(4) == Some(&b'-')
            && chrono::NaiveDate::from_ymd_opt(y, m, day).is_some();
        ok.then_some(RawValue::Date(y, m, day))
    });
    date.unwrap_or_else(|| text(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn dates() {
        let d = |v: f64| date_time(&ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        assert_eq!(d(43_905.0), RawValue::Date(2020, 3, 15));
        assert_eq!(d(43_905.75), RawValue::Date(2020, 3, 15));
        assert_eq!(d(2020.0), RawValue::Number(2020.0));
        assert_eq!(d(2020.5), RawValue::Number(2020.5));
        let d1904 = date_time(&ExcelDateTime::new(
            43_905.0 - 1_462.0,
            ExcelDateTimeType::DateTime,
            true,
        ));
        assert_eq!(d1904, RawValue::Date(2020, 3, 15));
        let duration = date_time(&ExcelDateTime::new(
            1.5,
            ExcelDateTimeType::TimeDelta,
            false,
        ));
        assert_eq!(duration, RawValue::Number(1.5));
    }

    #[test]
    fn iso() {
        assert_eq!(iso_date("2020-03-15T00:00:00"), RawValue::Date(2020, 3, 15));
        assert_eq!(iso_date("2020-03-15"), RawValue::Date(2020, 3, 15));
        assert_eq!(iso_date("2020-13-15"), RawValue::Text("2020-13-15".into()));
        assert_eq!(iso_date("12:00:00"), RawValue::Text("12:00:00".into()));
    }

    #[test]
    fn column_merges() {
        let grid = Grid {
            rows: BTreeMap::new(),
            origins: HashMap::new(),
            merges: vec![
                Dimensions::new((10, 1), (12, 1)),
                Dimensions::new((3, 0), (5, 2)),
                Dimensions::new((20, 2), (20, 3)),
            ],
        };
        let m = ColumnMerges::new(&grid, 1);
        assert_eq!(m.origin(2), None);
        assert_eq!(m.origin(3), Some((3, 0)));
        assert_eq!(m.origin(5), Some((3, 0)));
        assert_eq!(m.origin(6), None);
        assert_eq!(m.origin(11), Some((10, 1)));
        assert_eq!(m.origin(13), None);
        assert_eq!(ColumnMerges::new(&grid, 3).origin(20), Some((20, 2)));
    }
}
