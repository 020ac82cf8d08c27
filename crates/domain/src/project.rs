//! Projects (项目化推进): categories, status, months, monthly reports and the
//! matching of ledger rows to towns.
//!
//! Most of this module is about reading what offices type: ledgers come as Excel
//! sheets with "2020.3", "2020年3月", "在建", "已竣工", "天台县平桥镇", full-width
//! digits. Each parser accepts the spellings seen in practice and refuses the
//! rest with a message that quotes the text, so an import report can point at
//! the cell.

use crate::money::{Fen, MoneyUnit};
use crate::text::{compact, to_half_width};
use crate::ValidationError;
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// True when a correction note was actually written (not blank).
fn has_reason(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| !r.trim().is_empty())
}

// ---------------------------------------------------------------------------
// 五美
// ---------------------------------------------------------------------------

/// The 五美 category of a project: the programme's top-level grouping, used
/// for every breakdown in ledgers and summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pillar {
    Environment,
    Life,
    Industry,
    Culture,
    Governance,
}

impl Pillar {
    /// In the order the programme's documents list them.
    pub const ALL: [Pillar; 5] = [
        Pillar::Environment,
        Pillar::Life,
        Pillar::Industry,
        Pillar::Culture,
        Pillar::Governance,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Pillar::Environment => "environment",
            Pillar::Life => "life",
            Pillar::Industry => "industry",
            Pillar::Culture => "culture",
            Pillar::Governance => "governance",
        }
    }

    pub fn from_id(id: &str) -> Option<Pillar> {
        Pillar::ALL.into_iter().find(|p| p.id() == id)
    }

    /// "环境美": tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Pillar::Environment => "环境美",
            Pillar::Life => "生活美",
            Pillar::Industry => "产业美",
            Pillar::Culture => "人文美",
            Pillar::Governance => "治理美",
        }
    }

    /// "功能便民环境美": headings in documents.
    pub fn long_label(self) -> &'static str {
        match self {
            Pillar::Environment => "功能便民环境美",
            Pillar::Life => "共享乐民生活美",
            Pillar::Industry => "兴业富民产业美",
            Pillar::Culture => "魅力亲民人文美",
            Pillar::Governance => "善治为民治理美",
        }
    }

    /// Accepts the id (any case), the short label (which is also the long
    /// label's last three characters), the long label, or the short label
    /// without 美 ("环境"); spaces and full-width letters are ignored.
    pub fn parse(s: &str) -> Result<Pillar, ValidationError> {
        let c = compact(s);
        Pillar::ALL
            .into_iter()
            .find(|p| {
                c.eq_ignore_ascii_case(p.id())
                    || c == p.label()
                    || c == p.long_label()
                    || Some(c.as_str()) == p.label().strip_suffix('美')
            })
            .ok_or_else(|| {
                ValidationError::new(
                    "pillar",
                    format!(
                        "“五美”类别“{}”无效，应为 环境美、生活美、产业美、人文美 或 治理美",
                        s.trim()
                    ),
                )
            })
    }
}

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

/// Where a project stands. Ordered: a larger status is further along, which
/// is what "forward" means in [`can_transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    NotStarted,
    InProgress,
    Completed,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 3] = [
        ProjectStatus::NotStarted,
        ProjectStatus::InProgress,
        ProjectStatus::Completed,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "not_started",
            ProjectStatus::InProgress => "in_progress",
            ProjectStatus::Completed => "completed",
        }
    }

    pub fn from_id(id: &str) -> Option<ProjectStatus> {
        ProjectStatus::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "未开工",
            ProjectStatus::InProgress => "在建",
            ProjectStatus::Completed => "已完工",
        }
    }

    /// The words ledgers use for this status (the label first).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            ProjectStatus::NotStarted => {
                &["未开工", "前期", "前期工作", "谋划", "待开工", "未启动"]
            }
            ProjectStatus::InProgress => &["在建", "已开工", "施工中", "续建", "开工", "建设中"],
            ProjectStatus::Completed => &["已完工", "完工", "竣工", "已竣工", "建成", "已建成"],
        }
    }

    /// Counts toward 开工 (started): in progress or completed.
    pub fn is_started(self) -> bool {
        self != ProjectStatus::NotStarted
    }

    /// Accepts the id or any alias, ignoring spaces and full-width letters.
    pub fn parse(s: &str) -> Result<ProjectStatus, ValidationError> {
        let c = compact(s);
        ProjectStatus::ALL
            .into_iter()
            .find(|st| c.eq_ignore_ascii_case(st.id()) || st.aliases().contains(&c.as_str()))
            .ok_or_else(|| {
                ValidationError::new(
                    "status",
                    format!(
                        "项目状态“{}”无效，应为 未开工（前期）、在建（已开工） 或 已完工（竣工）",
                        s.trim()
                    ),
                )
            })
    }
}

/// Whether a status change may be saved as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Forward, or no change.
    Allowed,
    /// Backward: only as a correction, with a note saying why (the county
    /// sees status regressions, so they must be explained).
    NeedsCorrectionReason,
    /// Not allowed at all.
    Invalid,
}

/// Status moves forward: 未开工 → 在建 → 已完工. Skipping 在建 (a project
/// reported for the first time after it was finished) is allowed only when
/// `actual_dates_given`, i.e. both the actual start and the actual finish
/// dates are filled in; otherwise the 开工 step would leave no trace.
/// Any backward move is a correction.
pub fn can_transition(
    from: ProjectStatus,
    to: ProjectStatus,
    actual_dates_given: bool,
) -> Transition {
    use ProjectStatus::{Completed, NotStarted};
    if to >= from {
        if from == NotStarted && to == Completed && !actual_dates_given {
            Transition::Invalid
        } else {
            Transition::Allowed
        }
    } else {
        Transition::NeedsCorrectionReason
    }
}

/// [`can_transition`] as a validation: a correction passes with a non-blank
/// `reason`.
pub fn check_transition(
    from: ProjectStatus,
    to: ProjectStatus,
    actual_dates_given: bool,
    reason: Option<&str>,
) -> Result<(), ValidationError> {
    match can_transition(from, to, actual_dates_given) {
        Transition::Allowed => Ok(()),
        Transition::NeedsCorrectionReason if has_reason(reason) => Ok(()),
        Transition::NeedsCorrectionReason => Err(ValidationError::new(
            "status",
            format!(
                "项目状态从“{}”改回“{}”属于更正，请填写更正说明",
                from.label(),
                to.label()
            ),
        )),
        Transition::Invalid => Err(ValidationError::new(
            "status",
            format!(
                "项目状态不能从“{}”直接改为“{}”：请填写实际开工和完工日期",
                from.label(),
                to.label()
            ),
        )),
    }
}

// ---------------------------------------------------------------------------
// Months and loose dates
// ---------------------------------------------------------------------------

/// Years accepted from typed text; anything else is a typo ("20200.3", "220.3").
const MIN_TEXT_YEAR: i32 = 1900;
const MAX_TEXT_YEAR: i32 = 2100;

/// A calendar month: the unit of monthly reports and of planned dates, which
/// ledgers mostly give to the month ("2020.3").
///
/// Invariant: year in 1..=9999, month in 1..=12, so every `YearMonth` has a
/// first and last day. Ordered chronologically. Serialized as "2020-03".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// The month containing `date` (years outside 1..=9999 are clamped; no date
    /// this program handles is anywhere near them).
    pub fn from_date(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year().clamp(1, 9999),
            month: date.month(),
        }
    }

    /// Parses anything [`parse_date_loose`] accepts; a day, if given, is
    /// validated and dropped. "2020-03", "2020.3", "2020年3月", "202003".
    pub fn parse(text: &str) -> Result<YearMonth, ValidationError> {
        let (year, month, _) = parse_date_loose(text)?;
        // parse_date_loose checked both ranges.
        YearMonth::new(year, month).ok_or_else(|| unreadable_date(text))
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .expect("YearMonth invariant: year 1..=9999, month 1..=12")
    }

    pub fn last_day(self) -> NaiveDate {
        self.day_clamped(31)
    }

    pub fn days_in_month(self) -> u32 {
        self.last_day().day()
    }

    /// `day` of this month, clamped into it: 31 in February is the 28th or 29th.
    pub fn day_clamped(self, day: u32) -> NaiveDate {
        (1..=day.clamp(1, 31))
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(self.year, self.month, d))
            .unwrap_or_else(|| self.first_day())
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        YearMonth::from_date(date) == self
    }

    /// The month before; 0001-01 stays put (the invariant's floor).
    pub fn prev(self) -> YearMonth {
        match (self.year, self.month) {
            (1, 1) => self,
            (y, 1) => YearMonth {
                year: y - 1,
                month: 12,
            },
            (y, m) => YearMonth {
                year: y,
                month: m - 1,
            },
        }
    }

    /// The month after; 9999-12 stays put (the invariant's ceiling).
    pub fn next(self) -> YearMonth {
        match (self.year, self.month) {
            (9999, 12) => self,
            (y, 12) => YearMonth {
                year: y + 1,
                month: 1,
            },
            (y, m) => YearMonth {
                year: y,
                month: m + 1,
            },
        }
    }

    /// "2020年3月", for documents.
    pub fn label_zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        YearMonth::parse(s)
    }
}

impl TryFrom<String> for YearMonth {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        YearMonth::parse(&s)
    }
}

impl From<YearMonth> for String {
    fn from(m: YearMonth) -> String {
        m.to_string()
    }
}

fn unreadable_date(text: &str) -> ValidationError {
    ValidationError::new(
        "date",
        format!(
            "日期“{}”无法识别，应写作 2020-03-15、2020.3 或 2020年3月",
            text.trim()
        ),
    )
}

/// Reads a date as offices type it, to the month or to the day:
/// "2020.3", "2020.03.15", "2020年3月", "2020年3月份", "2020年3月15日",
/// "2020-03-15", "2020/3/15", "202003", "20200315", full-width digits, and a
/// trailing time of day ("2020-03-15 00:00:00") from system exports.
/// Returns `(year, month, day)`, day `None` when only the month was given.
///
/// Caveat for importers: a *numeric* Excel cell holding 2020.10 reads back as
/// 2020.1 (January). Use the cell's displayed text for such columns.
pub fn parse_date_loose(text: &str) -> Result<(i32, u32, Option<u32>), ValidationError> {
    let half = to_half_width(text);
    let mut s = half.trim();
    // A trailing time of day: "… 08:30" or "…T08:30:00".
    if let Some(idx) = s.rfind([' ', 'T']) {
        let time = s[idx + 1..].trim();
        if time.contains(':')
            && time
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
        {
            s = s[..idx].trim_end();
        }
    }
    let mut body = compact(s);
    for suffix in ["日", "号"] {
        if let Some(rest) = body.strip_suffix(suffix) {
            body = rest.to_owned();
            break;
        }
    }
    let body = body.replace("月份", "-").replace(['年', '月'], "-");
    let body = body.trim_end_matches('-');

    let parts: Vec<&str> = body.split(['-', '.', '/']).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(unreadable_date(text));
    }
    let (y, m, d) = match parts.as_slice() {
        [digits] if digits.len() == 6 => (&digits[..4], &digits[4..], None),
        [digits] if digits.len() == 8 => (&digits[..4], &digits[4..6], Some(&digits[6..])),
        [y, m] if m.len() <= 2 => (*y, *m, None),
        [y, m, d] if m.len() <= 2 && d.len() <= 2 => (*y, *m, Some(*d)),
        _ => return Err(unreadable_date(text)),
    };
    if y.len() != 4 {
        return Err(unreadable_date(text));
    }
    // All ASCII digits of bounded length: these parses cannot fail.
    let year: i32 = y.parse().map_err(|_| unreadable_date(text))?;
    let month: u32 = m.parse().map_err(|_| unreadable_date(text))?;
    let day: Option<u32> = match d {
        Some(d) => Some(d.parse().map_err(|_| unreadable_date(text))?),
        None => None,
    };
    if !(MIN_TEXT_YEAR..=MAX_TEXT_YEAR).contains(&year) {
        return Err(ValidationError::new(
            "date",
            format!(
                "日期“{}”的年份不在 {MIN_TEXT_YEAR}–{MAX_TEXT_YEAR} 之间",
                text.trim()
            ),
        ));
    }
    let valid = match day {
        Some(d) => NaiveDate::from_ymd_opt(year, month, d).is_some(),
        None => (1..=12).contains(&month),
    };
    if !valid {
        return Err(ValidationError::new(
            "date",
            format!("日期“{}”不存在", text.trim()),
        ));
    }
    Ok((year, month, day))
}

/// Reads a full date: [`parse_date_loose`] that insists on a day.
pub fn parse_date(text: &str) -> Result<NaiveDate, ValidationError> {
    match parse_date_loose(text)? {
        (y, m, Some(d)) => NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| unreadable_date(text)),
        _ => Err(ValidationError::new(
            "date",
            format!("日期“{}”缺少日，应写作 2020-03-15", text.trim()),
        )),
    }
}

/// Largest serial Excel shows as a date: 9999-12-31.
const EXCEL_MAX_SERIAL: f64 = 2_958_465.0;

/// An Excel date cell's serial number in the 1900 date system (the default
/// on Windows and in every ledger we have seen). Serial 1 is 1900-01-01.
/// Excel inherited Lotus 1-2-3's bug of treating 1900 as a leap year, so
/// serial 60 is the nonexistent 1900-02-29 (refused here) and every serial
/// from 61 on is one day ahead of a plain count. The time of day (fraction)
/// is dropped.
pub fn from_excel_serial(serial: f64) -> Result<NaiveDate, ValidationError> {
    let invalid = || ValidationError::new("date", format!("Excel 日期序号 {serial} 无效"));
    if !serial.is_finite() || !(1.0..EXCEL_MAX_SERIAL + 1.0).contains(&serial) {
        return Err(invalid());
    }
    // In 1..=2_958_465 after the check above: the cast is exact.
    let days = serial.floor() as u64;
    if days == 60 {
        return Err(ValidationError::new(
            "date",
            "Excel 日期序号 60 对应不存在的 1900年2月29日",
        ));
    }
    // Serials before the phantom leap day count from 1899-12-31, later ones
    // from 1899-12-30 to skip it.
    let (y, m, d) = if days < 60 {
        (1899, 12, 31)
    } else {
        (1899, 12, 30)
    };
    let epoch = NaiveDate::from_ymd_opt(y, m, d).expect("a fixed valid date");
    epoch.checked_add_days(Days::new(days)).ok_or_else(invalid)
}

// ---------------------------------------------------------------------------
// Monthly reports
// ---------------------------------------------------------------------------

/// Checks a monthly report's cumulative completed investment against the
/// previous accepted report (`prev_cumulative`, zero for the first) and the
/// project's total investment.
///
/// Cumulative figures never go down and never exceed the total: a drop is
/// almost always a typo or 元 typed into a 万元 column, and the county reads
/// regressions as misreporting. Both are allowed with a non-blank `reason`
/// (a correction or an approved budget overrun). Equal to last month is
/// fine: nothing was done. A total of zero means "not filled in yet" and
/// sets no cap. A negative cumulative is refused even with a reason.
pub fn check_cumulative(
    prev_cumulative: Fen,
    new_cumulative: Fen,
    total_investment: Fen,
    reason: Option<&str>,
) -> Result<(), ValidationError> {
    const FIELD: &str = "cumulative_investment";
    let wan = |f: Fen| f.format_exact(MoneyUnit::Wan);
    if new_cumulative.is_negative() {
        return Err(ValidationError::new(FIELD, "累计完成投资不能为负数"));
    }
    if has_reason(reason) {
        return Ok(());
    }
    if new_cumulative < prev_cumulative {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "累计完成投资 {} 万元少于上次填报的 {} 万元；如需更正，请填写更正说明",
                wan(new_cumulative),
                wan(prev_cumulative)
            ),
        ));
    }
    if total_investment > Fen::ZERO && new_cumulative > total_investment {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "累计完成投资 {} 万元超过总投资 {} 万元；如确需超出，请填写说明",
                wan(new_cumulative),
                wan(total_investment)
            ),
        ));
    }
    Ok(())
}

/// This month's completed investment: the growth of the cumulative figure
/// (negative for a correction).
pub fn this_month_investment(
    prev_cumulative: Fen,
    new_cumulative: Fen,
) -> Result<Fen, ValidationError> {
    new_cumulative
        .checked_sub(prev_cumulative)
        .ok_or_else(|| ValidationError::new("cumulative_investment", "金额超出可计算范围"))
}

/// When a month's report is due: on `due_day` of the following month
/// (March's report by 5 April). Offices set their own day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportingWindow {
    /// 1..=31; a day past the month's end means its last day. Values outside
    /// the range are clamped by [`ReportingWindow::due_date`].
    pub due_day: u32,
}

impl Default for ReportingWindow {
    /// The 5th: a common choice in the offices' notices, editable per office.
    fn default() -> Self {
        ReportingWindow { due_day: 5 }
    }
}

/// A month's report as the county sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Not submitted, but the due date has not passed.
    NotDue,
    /// Not submitted, and the due date has passed.
    Missing,
    /// Submitted after the due date.
    Late,
    /// Submitted on or before the due date.
    OnTime,
}

impl ReportState {
    pub fn id(self) -> &'static str {
        match self {
            ReportState::NotDue => "not_due",
            ReportState::Missing => "missing",
            ReportState::Late => "late",
            ReportState::OnTime => "on_time",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportState::NotDue => "未到截止日",
            ReportState::Missing => "逾期未报",
            ReportState::Late => "逾期补报",
            ReportState::OnTime => "按时填报",
        }
    }
}

impl ReportingWindow {
    pub fn new(due_day: u32) -> Result<ReportingWindow, ValidationError> {
        if (1..=31).contains(&due_day) {
            Ok(ReportingWindow { due_day })
        } else {
            Err(ValidationError::new(
                "due_day",
                format!("填报截止日 {due_day} 无效，应在 1 到 31 之间"),
            ))
        }
    }

    /// The last day on which `month`'s report is on time: `due_day` of the
    /// next month, clamped to that month's length (31 → 30 April, 28/29 Feb).
    pub fn due_date(&self, month: YearMonth) -> NaiveDate {
        month.next().day_clamped(self.due_day)
    }

    /// The state of `month`'s report, `submitted_on` being the (Shanghai)
    /// date it was submitted. The due date itself is still on time.
    pub fn status(
        &self,
        month: YearMonth,
        submitted_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> ReportState {
        let due = self.due_date(month);
        match submitted_on {
            Some(d) if d <= due => ReportState::OnTime,
            Some(_) => ReportState::Late,
            None if today <= due => ReportState::NotDue,
            None => ReportState::Missing,
        }
    }
}

// ---------------------------------------------------------------------------
// Town names in imports
// ---------------------------------------------------------------------------

/// Strips what varies between spellings of one town: "平桥镇人民政府",
/// "海游街道办事处", "海游街道办" → "平桥", "海游".
fn strip_town_suffix(s: &str) -> String {
    let mut s = s;
    for suffix in ["人民政府", "办事处"] {
        if let Some(rest) = s.strip_suffix(suffix).filter(|r| !r.is_empty()) {
            s = rest;
        }
    }
    if let Some(rest) = s.strip_suffix("街道办").filter(|r| !r.is_empty()) {
        return rest.to_owned();
    }
    for suffix in ["街道", "镇", "乡"] {
        if let Some(rest) = s.strip_suffix(suffix).filter(|r| !r.is_empty()) {
            return rest.to_owned();
        }
    }
    s.to_owned()
}

/// A county's (or city's) name as it may lead a town's: "天台县" and "天台";
/// "景宁畲族自治县" and "景宁". The short form needs two characters.
fn region_name_forms(name: &str) -> Vec<String> {
    let full = compact(name);
    let mut forms = vec![full.clone()];
    let short = ["畲族自治县", "自治县", "县", "市", "区", "省"]
        .into_iter()
        .find_map(|suf| full.strip_suffix(suf));
    if let Some(short) = short.filter(|s| s.chars().count() >= 2) {
        forms.push(short.to_owned());
    }
    forms.retain(|f| !f.is_empty());
    forms
}

/// The form of a town name used for matching: half-width, no spaces, no
/// leading county/city names from `county_names` (full names only, e.g.
/// "浙江省台州市天台县平桥镇" with those three listed), and none of the
/// suffixes 人民政府/办事处/街道/镇/乡. "平桥镇" and " 天台县 平桥 " both give "平桥".
pub fn normalize_town_name<S: AsRef<str>>(s: &str, county_names: &[S]) -> String {
    let names: Vec<String> = county_names
        .iter()
        .map(|n| compact(n.as_ref()))
        .filter(|n| !n.is_empty())
        .collect();
    let mut s = compact(s);
    loop {
        let prefix = names
            .iter()
            .filter(|n| s.len() > n.len() && s.starts_with(n.as_str()))
            .max_by_key(|n| n.len());
        match prefix {
            Some(p) => s = s[p.len()..].to_owned(),
            None => break,
        }
    }
    strip_town_suffix(&s)
}

/// Why a town name from an import matched no single town.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TownMatchError {
    #[error("乡镇（街道）名称为空")]
    Empty,
    #[error("乡镇（街道）“{input}”未找到")]
    NotFound { input: String },
    /// `candidates`: (code, name), sorted by code, for the user to choose from.
    #[error(
        "乡镇（街道）“{input}”对应多个：{}，请写明所属县（市、区）或使用区划代码",
        list_candidates(candidates)
    )]
    Ambiguous {
        input: String,
        candidates: Vec<(String, String)>,
    },
}

fn list_candidates(c: &[(String, String)]) -> String {
    c.iter()
        .map(|(code, name)| format!("{name}（{code}）"))
        .collect::<Vec<_>>()
        .join("、")
}

impl From<TownMatchError> for ValidationError {
    fn from(e: TownMatchError) -> Self {
        ValidationError::new("town", e.to_string())
    }
}

/// Finds the town an import row means. `candidates` are the towns in reach as
/// (code, name); `county_names` the counties (and cities) as (code, name),
/// used both to strip a leading "天台县" and to restrict the search to that
/// county's towns, so that the many same-named towns (城关镇, 新桥镇 …) in
/// different counties are told apart.
///
/// Order: the exact name first; then the normalized name (see
/// [`normalize_town_name`]) among the towns of the counties named at the
/// start of the input; then the normalized name among all candidates (a
/// county's short name may also begin a town's own name). More than one town
/// at the first step that finds any is an error listing them.
pub fn match_town<'a, C, N, K, M>(
    input: &str,
    candidates: &'a [(C, N)],
    county_names: &[(K, M)],
) -> Result<&'a str, TownMatchError>
where
    C: AsRef<str>,
    N: AsRef<str>,
    K: AsRef<str>,
    M: AsRef<str>,
{
    let key = compact(input);
    if key.is_empty() {
        return Err(TownMatchError::Empty);
    }
    let full_names: Vec<&str> = county_names.iter().map(|(_, n)| n.as_ref()).collect();
    let decide = |found: Vec<&'a (C, N)>| -> Option<Result<&'a str, TownMatchError>> {
        match found.as_slice() {
            [] => None,
            [one] => Some(Ok(one.0.as_ref())),
            _ => {
                let mut list: Vec<(String, String)> = found
                    .iter()
                    .map(|(c, n)| (c.as_ref().to_owned(), n.as_ref().to_owned()))
                    .collect();
                list.sort();
                Some(Err(TownMatchError::Ambiguous {
                    input: input.trim().to_owned(),
                    candidates: list,
                }))
            }
        }
    };

    // 1. Exact name.
    let exact: Vec<&(C, N)> = candidates
        .iter()
        .filter(|(_, n)| compact(n.as_ref()) == key)
        .collect();
    if let Some(r) = decide(exact) {
        return r;
    }

    // 2. Leading county names restrict the search to their towns.
    let forms: Vec<(&str, Vec<String>)> = county_names
        .iter()
        .map(|(c, n)| (c.as_ref(), region_name_forms(n.as_ref())))
        .collect();
    let mut rest = key.as_str();
    let mut within: Vec<&str> = Vec::new();
    loop {
        let found = forms
            .iter()
            .flat_map(|(code, fs)| fs.iter().map(move |f| (*code, f.as_str())))
            // Each name must lie below the previous one ("台州市临海市"), which
            // also stops "天台县天台山镇" from losing 天台 twice.
            .filter(|(code, _)| {
                within
                    .last()
                    .is_none_or(|last| code.len() > last.len() && code.starts_with(last))
            })
            .filter(|(_, f)| rest.len() > f.len() && rest.starts_with(f))
            .max_by_key(|(_, f)| f.len());
        match found {
            Some((code, f)) => {
                within.push(code);
                rest = &rest[f.len()..];
            }
            None => break,
        }
    }
    if !within.is_empty() {
        let wanted = strip_town_suffix(rest);
        let found: Vec<&(C, N)> = candidates
            .iter()
            .filter(|(c, _)| within.iter().all(|w| c.as_ref().starts_with(w)))
            .filter(|(_, n)| normalize_town_name(n.as_ref(), &full_names) == wanted)
            .collect();
        if let Some(r) = decide(found) {
            return r;
        }
    }

    // 3. Normalized name anywhere.
    let wanted = strip_town_suffix(&key);
    let found: Vec<&(C, N)> = candidates
        .iter()
        .filter(|(_, n)| normalize_town_name(n.as_ref(), &full_names) == wanted)
        .collect();
    decide(found).unwrap_or_else(|| {
        Err(TownMatchError::NotFound {
            input: input.trim().to_owned(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).expect("valid month")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn pillar_ids_and_labels() {
        assert_eq!(Pillar::ALL.len(), 5);
        for p in Pillar::ALL {
            assert_eq!(Pillar::from_id(p.id()), Some(p));
            assert!(p.long_label().ends_with(p.label()));
            assert_eq!(Pillar::parse(p.id()), Ok(p));
            assert_eq!(Pillar::parse(p.label()), Ok(p));
            assert_eq!(Pillar::parse(p.long_label()), Ok(p));
            let last3: String = p.long_label().chars().skip(4).collect();
            assert_eq!(Pillar::parse(&last3), Ok(p));
        }
        assert_eq!(
            serde_json::to_string(&Pillar::Culture).expect("json"),
            "\"culture\""
        );
    }

    #[test]
    fn pillar_parse_is_lenient_about_spacing_and_width() {
        assert_eq!(Pillar::parse("  产业美 "), Ok(Pillar::Industry));
        assert_eq!(
            Pillar::parse("\u{3000}兴业富民 产业美"),
            Ok(Pillar::Industry)
        );
        assert_eq!(
            Pillar::parse("ＥＮＶＩＲＯＮＭＥＮＴ"),
            Ok(Pillar::Environment)
        );
        assert_eq!(Pillar::parse("Governance"), Ok(Pillar::Governance));
        assert_eq!(Pillar::parse("治理"), Ok(Pillar::Governance));
        let e = Pillar::parse(" 城乡融合 ").expect_err("not a pillar");
        assert_eq!(e.field, "pillar");
        assert!(e.message.contains("“城乡融合”"));
        assert!(Pillar::parse("").is_err());
        assert!(Pillar::parse("美").is_err());
    }

    #[test]
    fn status_aliases() {
        use ProjectStatus::*;
        for (text, want) in [
            ("未开工", NotStarted),
            ("前期", NotStarted),
            ("前期工作", NotStarted),
            ("谋划", NotStarted),
            ("待开工", NotStarted),
            ("在建", InProgress),
            ("已开工", InProgress),
            ("施工中", InProgress),
            ("续建", InProgress),
            ("开工", InProgress),
            ("已完工", Completed),
            ("完工", Completed),
            ("竣工", Completed),
            ("已竣工", Completed),
            ("建成", Completed),
            (" 在 建 ", InProgress),
            ("in_progress", InProgress),
            ("COMPLETED", Completed),
        ] {
            assert_eq!(ProjectStatus::parse(text), Ok(want), "{text}");
        }
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::from_id(s.id()), Some(s));
            assert_eq!(s.aliases()[0], s.label());
        }
        let e = ProjectStatus::parse("暂停").expect_err("unknown");
        assert!(e.message.contains("“暂停”"));
        assert!(!NotStarted.is_started());
        assert!(InProgress.is_started() && Completed.is_started());
    }

    #[test]
    fn aliases_do_not_overlap() {
        for a in ProjectStatus::ALL {
            for b in ProjectStatus::ALL.into_iter().filter(|b| *b != a) {
                assert!(a.aliases().iter().all(|x| !b.aliases().contains(x)));
            }
        }
    }

    #[test]
    fn transitions_go_forward_and_corrections_need_a_reason() {
        use ProjectStatus::*;
        use Transition::*;
        assert_eq!(can_transition(NotStarted, InProgress, false), Allowed);
        assert_eq!(can_transition(InProgress, Completed, false), Allowed);
        assert_eq!(can_transition(NotStarted, Completed, false), Invalid);
        assert_eq!(can_transition(NotStarted, Completed, true), Allowed);
        for s in ProjectStatus::ALL {
            assert_eq!(can_transition(s, s, false), Allowed);
        }
        assert_eq!(
            can_transition(Completed, InProgress, true),
            NeedsCorrectionReason
        );
        assert_eq!(
            can_transition(Completed, NotStarted, true),
            NeedsCorrectionReason
        );
        assert_eq!(
            can_transition(InProgress, NotStarted, false),
            NeedsCorrectionReason
        );

        assert!(check_transition(Completed, InProgress, false, Some("误报完工")).is_ok());
        let e = check_transition(Completed, InProgress, false, Some("  ")).expect_err("blank");
        assert!(e.message.contains("更正说明"));
        assert!(check_transition(Completed, InProgress, false, None).is_err());
        // A reason does not make an invalid skip valid.
        let e = check_transition(NotStarted, Completed, false, Some("补录")).expect_err("skip");
        assert!(e.message.contains("实际开工和完工日期"));
        assert!(check_transition(NotStarted, Completed, true, None).is_ok());
    }

    #[test]
    fn year_month_parsing() {
        for text in [
            "2020-03",
            "2020-3",
            "2020.3",
            "2020.03",
            "2020/3",
            "2020年3月",
            "2020年03月",
            "2020年3月份",
            "202003",
            "２０２０．３",
            "２０２０年３月",
            " 2020 年 3 月 ",
            "2020.3.15",
            "2020-03-15 00:00:00",
        ] {
            assert_eq!(YearMonth::parse(text), Ok(ym(2020, 3)), "{text}");
        }
        assert_eq!(YearMonth::parse("2020.10"), Ok(ym(2020, 10)));
        assert_eq!(YearMonth::parse("2020.1"), Ok(ym(2020, 1)));
        for bad in [
            "2020", "2020年", "2020.13", "2020.0", "20.3", "2020..3", "3月", "", "abc",
        ] {
            let e = YearMonth::parse(bad).expect_err(bad);
            assert_eq!(e.field, "date", "{bad}");
        }
        assert!(YearMonth::parse("1899.12").is_err());
        assert!(YearMonth::parse("2101.1").is_err());
    }

    #[test]
    fn year_month_display_serde_and_order() {
        let m = ym(2020, 3);
        assert_eq!(m.to_string(), "2020-03");
        assert_eq!(m.label_zh(), "2020年3月");
        assert_eq!(String::from(m), "2020-03");
        assert_eq!("2020.3".parse::<YearMonth>(), Ok(m));
        assert_eq!(serde_json::to_string(&m).expect("json"), "\"2020-03\"");
        assert_eq!(
            serde_json::from_str::<YearMonth>("\"2020-03\"").expect("json"),
            m
        );
        assert!(serde_json::from_str::<YearMonth>("\"2020-13\"").is_err());
        assert!(ym(2019, 12) < ym(2020, 1));
        assert!(ym(2020, 2) < ym(2020, 11));
        assert_eq!(YearMonth::new(2020, 0), None);
        assert_eq!(YearMonth::new(2020, 13), None);
        assert_eq!(YearMonth::new(0, 1), None);
    }

    #[test]
    fn month_arithmetic_rolls_over_years() {
        assert_eq!(ym(2020, 12).next(), ym(2021, 1));
        assert_eq!(ym(2021, 1).prev(), ym(2020, 12));
        assert_eq!(ym(2020, 5).next(), ym(2020, 6));
        assert_eq!(ym(2020, 5).prev(), ym(2020, 4));
        assert_eq!(ym(9999, 12).next(), ym(9999, 12));
        assert_eq!(ym(1, 1).prev(), ym(1, 1));
        assert_eq!(ym(2020, 2).days_in_month(), 29);
        assert_eq!(ym(2021, 2).days_in_month(), 28);
        assert_eq!(ym(1900, 2).days_in_month(), 28);
        assert_eq!(ym(2000, 2).days_in_month(), 29);
        assert_eq!(ym(2020, 12).last_day(), date(2020, 12, 31));
        assert_eq!(ym(2020, 4).first_day(), date(2020, 4, 1));
        assert_eq!(YearMonth::from_date(date(2020, 12, 31)), ym(2020, 12));
        assert!(ym(2020, 3).contains(date(2020, 3, 31)));
        assert!(!ym(2020, 3).contains(date(2021, 3, 1)));
        assert_eq!(ym(2021, 2).day_clamped(0), date(2021, 2, 1));
        assert_eq!(ym(2021, 2).day_clamped(99), date(2021, 2, 28));
    }

    #[test]
    fn loose_dates() {
        let ok = |t: &str| parse_date_loose(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(ok("2020.3"), (2020, 3, None));
        assert_eq!(ok("2020.03.15"), (2020, 3, Some(15)));
        assert_eq!(ok("2020年3月"), (2020, 3, None));
        assert_eq!(ok("2020年3月15日"), (2020, 3, Some(15)));
        assert_eq!(ok("2020年3月15号"), (2020, 3, Some(15)));
        assert_eq!(ok("2020-03-15"), (2020, 3, Some(15)));
        assert_eq!(ok("2020/3/15"), (2020, 3, Some(15)));
        assert_eq!(ok("２０２０／３／１５"), (2020, 3, Some(15)));
        assert_eq!(ok("２０２０年３月１５日"), (2020, 3, Some(15)));
        assert_eq!(ok("20200315"), (2020, 3, Some(15)));
        assert_eq!(ok("2020-03-15T08:30:00"), (2020, 3, Some(15)));
        assert_eq!(ok("2020/3/15 8:30"), (2020, 3, Some(15)));
        assert_eq!(ok("2020-02-29"), (2020, 2, Some(29)));

        let msg = |t: &str| parse_date_loose(t).expect_err(t).message;
        assert!(msg("2021-02-29").contains("不存在"));
        assert!(msg("2020.4.31").contains("不存在"));
        assert!(msg("2020.3.0").contains("不存在"));
        assert!(msg("1800.3").contains("1900"));
        assert!(msg("2020年3月15日下午").contains("无法识别"));
        assert!(msg("2020.3.15.1").contains("“2020.3.15.1”"));
        assert!(msg("2020-003").contains("无法识别"));
        assert!(msg("2020031").contains("无法识别"));
        assert!(msg("2020-03-15 abc").contains("无法识别"));

        assert_eq!(parse_date("2020年3月15日"), Ok(date(2020, 3, 15)));
        assert!(parse_date("2020.3")
            .expect_err("no day")
            .message
            .contains("缺少日"));
    }

    #[test]
    fn excel_serials_with_the_1900_leap_bug() {
        let ok = |s: f64| from_excel_serial(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok(1.0), date(1900, 1, 1));
        assert_eq!(ok(31.0), date(1900, 1, 31));
        assert_eq!(ok(59.0), date(1900, 2, 28));
        assert!(
            from_excel_serial(60.0).is_err(),
            "1900-02-29 does not exist"
        );
        assert_eq!(ok(61.0), date(1900, 3, 1));
        assert_eq!(ok(366.0), date(1900, 12, 31));
        assert_eq!(ok(367.0), date(1901, 1, 1));
        assert_eq!(ok(43831.0), date(2020, 1, 1));
        assert_eq!(ok(43905.0), date(2020, 3, 15));
        assert_eq!(ok(43905.75), date(2020, 3, 15), "time of day dropped");
        assert_eq!(ok(2_958_465.0), date(9999, 12, 31));
        for bad in [0.0, 0.5, -1.0, 2_958_466.0, f64::NAN, f64::INFINITY] {
            assert!(from_excel_serial(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cumulative_investment_rules() {
        let w = |x: i64| Fen::from_wan(x).expect("small");
        // Growth, no growth, reaching the total.
        assert!(check_cumulative(w(100), w(150), w(1000), None).is_ok());
        assert!(check_cumulative(w(150), w(150), w(1000), None).is_ok());
        assert!(check_cumulative(w(150), w(1000), w(1000), None).is_ok());
        assert!(check_cumulative(Fen::ZERO, Fen::ZERO, w(1000), None).is_ok());

        let e = check_cumulative(w(150), w(120), w(1000), None).expect_err("down");
        assert_eq!(e.field, "cumulative_investment");
        assert!(e.message.contains("120 万元"), "{}", e.message);
        assert!(e.message.contains("150 万元"), "{}", e.message);
        assert!(check_cumulative(w(150), w(120), w(1000), Some("上月多报，更正")).is_ok());
        assert!(check_cumulative(w(150), w(120), w(1000), Some(" \u{3000}")).is_err());

        let e = check_cumulative(w(900), w(1200), w(1000), None).expect_err("over");
        assert!(e.message.contains("1200 万元") && e.message.contains("总投资 1000 万元"));
        assert!(check_cumulative(w(900), w(1200), w(1000), Some("追加投资已批复")).is_ok());

        // Amounts differing by a fen are shown exactly, not rounded to equal.
        let e = check_cumulative(Fen(1_234_500_001), Fen(1_234_500_000), Fen::ZERO, None)
            .expect_err("down by a fen");
        assert!(e.message.contains("1234.500001"), "{}", e.message);

        // No total yet: no cap.
        assert!(check_cumulative(w(0), w(5000), Fen::ZERO, None).is_ok());
        // Negative is never right.
        assert!(check_cumulative(w(0), Fen(-1), w(10), Some("更正")).is_err());
    }

    #[test]
    fn this_month_is_the_difference() {
        let w = |x: i64| Fen::from_wan(x).expect("small");
        assert_eq!(this_month_investment(w(100), w(150)), Ok(w(50)));
        assert_eq!(this_month_investment(w(150), w(150)), Ok(Fen::ZERO));
        assert_eq!(this_month_investment(w(150), w(120)), Ok(w(-30)));
        assert!(this_month_investment(Fen(i64::MIN), Fen(i64::MAX)).is_err());
    }

    #[test]
    fn due_dates_fall_in_the_next_month_and_clamp() {
        let w = ReportingWindow::new(5).expect("valid");
        assert_eq!(w.due_date(ym(2020, 3)), date(2020, 4, 5));
        assert_eq!(w.due_date(ym(2020, 12)), date(2021, 1, 5));
        let end = ReportingWindow::new(31).expect("valid");
        assert_eq!(end.due_date(ym(2020, 3)), date(2020, 4, 30));
        assert_eq!(end.due_date(ym(2020, 1)), date(2020, 2, 29));
        assert_eq!(end.due_date(ym(2021, 1)), date(2021, 2, 28));
        assert_eq!(end.due_date(ym(2020, 11)), date(2020, 12, 31));
        assert!(ReportingWindow::new(0).is_err());
        assert!(ReportingWindow::new(32).is_err());
        assert_eq!(
            ReportingWindow { due_day: 0 }.due_date(ym(2020, 3)),
            date(2020, 4, 1)
        );
        assert_eq!(ReportingWindow::default().due_day, 5);
    }

    #[test]
    fn report_states() {
        let w = ReportingWindow { due_day: 5 };
        let m = ym(2020, 3);
        assert_eq!(w.status(m, None, date(2020, 4, 5)), ReportState::NotDue);
        assert_eq!(w.status(m, None, date(2020, 3, 20)), ReportState::NotDue);
        assert_eq!(w.status(m, None, date(2020, 4, 6)), ReportState::Missing);
        assert_eq!(
            w.status(m, Some(date(2020, 4, 5)), date(2020, 5, 1)),
            ReportState::OnTime
        );
        assert_eq!(
            w.status(m, Some(date(2020, 3, 28)), date(2020, 3, 28)),
            ReportState::OnTime
        );
        assert_eq!(
            w.status(m, Some(date(2020, 4, 6)), date(2020, 4, 6)),
            ReportState::Late
        );
        assert_eq!(ReportState::Missing.label(), "逾期未报");
        assert_eq!(
            serde_json::to_string(&ReportState::OnTime).expect("json"),
            "\"on_time\""
        );
    }

    #[test]
    fn town_names_normalize() {
        let counties = ["浙江省", "台州市", "天台县"];
        assert_eq!(normalize_town_name("平桥镇", &counties), "平桥");
        assert_eq!(normalize_town_name(" 天台县 平桥镇 ", &counties), "平桥");
        assert_eq!(
            normalize_town_name("浙江省台州市天台县平桥镇", &counties),
            "平桥"
        );
        assert_eq!(normalize_town_name("海游街道办事处", &counties), "海游");
        assert_eq!(normalize_town_name("海游街道办", &counties), "海游");
        assert_eq!(normalize_town_name("平桥镇人民政府", &counties), "平桥");
        assert_eq!(normalize_town_name("大均乡", &counties), "大均");
        assert_eq!(normalize_town_name("ＡＢ镇", &[] as &[&str]), "AB");
        // A name that is only a suffix or only a county stays as it is.
        assert_eq!(normalize_town_name("镇", &counties), "镇");
        assert_eq!(normalize_town_name("天台县", &counties), "天台县");
    }

    fn towns() -> Vec<(String, String)> {
        [
            ("331023102", "平桥镇"),
            ("331023001", "赤城街道"),
            ("331023110", "天台山镇"),
            ("331082101", "杜桥镇"),
            ("331082102", "城关镇"),
            ("330781102", "城关镇"),
            ("331082103", "平桥镇"),
        ]
        .into_iter()
        .map(|(c, n)| (c.to_owned(), n.to_owned()))
        .collect()
    }

    fn counties() -> Vec<(&'static str, &'static str)> {
        vec![
            ("3310", "台州市"),
            ("331023", "天台县"),
            ("331082", "临海市"),
            ("3307", "金华市"),
            ("330781", "兰溪市"),
        ]
    }

    #[test]
    fn towns_match_exactly_then_normalized() {
        let t = towns();
        let c = counties();
        assert_eq!(match_town("杜桥镇", &t, &c), Ok("331082101"));
        assert_eq!(match_town(" 杜桥 ", &t, &c), Ok("331082101"));
        assert_eq!(match_town("杜桥镇人民政府", &t, &c), Ok("331082101"));
        assert_eq!(match_town("赤城街道办事处", &t, &c), Ok("331023001"));
        assert_eq!(match_town("赤城", &t, &c), Ok("331023001"));
        assert_eq!(match_town("天台县平桥镇", &t, &c), Ok("331023102"));
        assert_eq!(match_town("临海市平桥镇", &t, &c), Ok("331082103"));
        assert_eq!(match_town("临海平桥", &t, &c), Ok("331082103"));
        assert_eq!(match_town("台州市临海市平桥镇", &t, &c), Ok("331082103"));
        assert_eq!(match_town("兰溪市城关镇", &t, &c), Ok("330781102"));
        // "天台" is also the start of 天台山镇's own name.
        assert_eq!(match_town("天台山镇", &t, &c), Ok("331023110"));
        assert_eq!(match_town("天台山", &t, &c), Ok("331023110"));
        assert_eq!(match_town("天台县天台山镇", &t, &c), Ok("331023110"));
    }

    #[test]
    fn ambiguous_and_missing_towns() {
        let t = towns();
        let c = counties();
        match match_town("平桥镇", &t, &c) {
            Err(TownMatchError::Ambiguous { input, candidates }) => {
                assert_eq!(input, "平桥镇");
                let codes: Vec<&str> = candidates.iter().map(|(c, _)| c.as_str()).collect();
                assert_eq!(codes, ["331023102", "331082103"]);
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        let e = ValidationError::from(match_town("城关", &t, &c).expect_err("two 城关镇"));
        assert_eq!(e.field, "town");
        assert!(
            e.message
                .contains("城关镇（330781102）、城关镇（331082102）"),
            "{}",
            e.message
        );
        assert_eq!(
            match_town("天台县杜桥镇", &t, &c),
            Err(TownMatchError::NotFound {
                input: "天台县杜桥镇".into()
            })
        );
        assert_eq!(
            match_town("白鹤镇", &t, &c),
            Err(TownMatchError::NotFound {
                input: "白鹤镇".into()
            })
        );
        assert_eq!(match_town(" \u{3000}", &t, &c), Err(TownMatchError::Empty));
        // Without a county list, same-named towns stay ambiguous.
        assert!(matches!(
            match_town("平桥镇", &t, &[] as &[(&str, &str)]),
            Err(TownMatchError::Ambiguous { .. })
        ));
    }

    #[test]
    fn full_width_town_names_match() {
        let t = vec![("330100001".to_string(), "Ａ街道".to_string())];
        assert_eq!(
            match_town("A街道", &t, &[] as &[(&str, &str)]),
            Ok("330100001")
        );
        assert_eq!(
            match_town("Ａ", &t, &[] as &[(&str, &str)]),
            Ok("330100001")
        );
    }
}
