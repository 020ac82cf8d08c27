//! 工作总结: the model of a generated work summary, its periods and layouts,
//! the Chinese number style it is written in, and the rules that find the
//! problems (存在问题) it reports.
//!
//! A summary is a [`Draft`]: sections of paragraphs (plus an optional table
//! and chart each) and the [`Figure`]s the paragraphs cite. A paragraph names
//! a figure as `{{key}}`; [`render_paragraph`] turns it into [`Span`]s, so the
//! browser can link every number to the list it was computed from, and a
//! figure without data is shown as missing (【暂无数据：…】) instead of being
//! left blank or invented. The draft is what a saved revision stores (JSON),
//! so any version can be shown or exported again exactly as it was.

use crate::money::Fen;
use crate::project::YearMonth;
use crate::ValidationError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------
// Layout and period
// ---------------------------------------------------------------------------

/// How 主要工作举措 is organised: by the 五美 (as 竹里 writes) or by the
/// mechanisms of the programme (as 台州 writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Wumei,
    Mechanism,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::Mechanism, Layout::Wumei];

    pub fn id(self) -> &'static str {
        match self {
            Layout::Wumei => "wumei",
            Layout::Mechanism => "mechanism",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Layout::Wumei => "按“五美”",
            Layout::Mechanism => "按工作机制",
        }
    }

    /// The id, or the label with or without quotes ("按五美", "五美", "工作机制").
    pub fn parse(s: &str) -> Result<Layout, ValidationError> {
        let c: String = crate::text::compact(s)
            .chars()
            .filter(|c| !matches!(c, '“' | '”' | '"'))
            .collect();
        let c = c.to_lowercase();
        match c.as_str() {
            "wumei" | "按五美" | "五美" => Ok(Layout::Wumei),
            "mechanism" | "按工作机制" | "工作机制" | "机制" => Ok(Layout::Mechanism),
            _ => Err(ValidationError::new(
                "layout",
                format!(
                    "结构“{}”无效，应为 wumei（按“五美”）或 mechanism（按工作机制）",
                    s.trim()
                ),
            )),
        }
    }
}

/// A year, or one half of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub year: i32,
    /// 1 (January–June) or 2 (July–December); `None` for the whole year.
    pub half: Option<u8>,
}

impl Period {
    pub fn year(year: i32) -> Period {
        Period { year, half: None }
    }

    /// `None` unless `half` is 1 or 2.
    pub fn half(year: i32, half: u8) -> Option<Period> {
        matches!(half, 1 | 2).then_some(Period {
            year,
            half: Some(half),
        })
    }

    /// "2020", "2020H1", "2020h2", "2020年", "2020年上半年", "2020年下半年",
    /// full-width digits allowed.
    pub fn parse(s: &str) -> Result<Period, ValidationError> {
        let c = crate::text::compact(s).to_uppercase();
        let bad = || {
            ValidationError::new(
                "period",
                format!(
                    "时期“{}”无效，应为年份（如 2020）或半年（如 2020H1、2020年下半年）",
                    s.trim()
                ),
            )
        };
        let digits: String = c.chars().take_while(|ch| ch.is_ascii_digit()).collect();
        if digits.len() != 4 {
            return Err(bad());
        }
        let year: i32 = digits.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let rest = &c[digits.len()..];
        let rest = rest.strip_prefix('年').unwrap_or(rest);
        let half = match rest {
            "" | "度" | "全年" => None,
            "H1" | "上半年" => Some(1),
            "H2" | "下半年" => Some(2),
            _ => return Err(bad()),
        };
        Ok(Period { year, half })
    }

    /// "2020", "2020H1": the stored form (summaries.period, indicator values).
    pub fn id(self) -> String {
        match self.half {
            None => self.year.to_string(),
            Some(h) => format!("{}H{h}", self.year),
        }
    }

    /// "2020年", "2020年上半年".
    pub fn label(self) -> String {
        match self.half {
            None => format!("{}年", self.year),
            Some(1) => format!("{}年上半年", self.year),
            Some(_) => format!("{}年下半年", self.year),
        }
    }

    /// The months covered, first and last (1-based).
    pub fn months(self) -> std::ops::RangeInclusive<u32> {
        match self.half {
            None => 1..=12,
            Some(1) => 1..=6,
            Some(_) => 7..=12,
        }
    }

    /// The last month of the period: the month figures are "as of".
    pub fn as_of(self) -> YearMonth {
        let m = *self.months().end();
        // Months 6 and 12 of a year in the accepted range always exist.
        YearMonth::new(self.year, m).unwrap_or_else(|| YearMonth::from_date(NaiveDate::MIN))
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, *self.months().start(), 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.as_of().last_day()
    }

    /// 'YYYY-MM-DD' bounds, for comparing with stored date text.
    pub fn date_bounds(self) -> (String, String) {
        (
            self.first_day().format("%Y-%m-%d").to_string(),
            self.last_day().format("%Y-%m-%d").to_string(),
        )
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.first_day() && date <= self.last_day()
    }

    /// The same period a year earlier, for 同比.
    pub fn previous_year(self) -> Period {
        Period {
            year: self.year - 1,
            half: self.half,
        }
    }

    /// The stored period id ('2020', '2020H1', '2020Q4', '2020-06') of an
    /// indicator of the given frequency that gives its value for this
    /// period: the last one inside it. `None` for a yearly indicator and a
    /// half-year summary (the year's figure is not the half's).
    pub fn indicator_period(self, indicator_period: &str) -> Option<String> {
        let y = self.year;
        Some(match (indicator_period, self.half) {
            ("half", None) => format!("{y}H2"),
            ("half", Some(h)) => format!("{y}H{h}"),
            ("quarter", None) | ("quarter", Some(2)) => format!("{y}Q4"),
            ("quarter", Some(_)) => format!("{y}Q2"),
            ("month", _) => format!("{y}-{:02}", self.as_of().month()),
            (_, Some(_)) => return None,
            _ => y.to_string(),
        })
    }
}

// ---------------------------------------------------------------------------
// The draft
// ---------------------------------------------------------------------------

/// One computed number of a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub key: String,
    /// What it is, in words: "完成投资额".
    pub label: String,
    /// Formatted in Chinese style ("48.26亿元", "96.3%", "2086个"); `None`
    /// when there is no data (shown as missing, never as blank or zero).
    pub value: Option<String>,
    /// The raw number behind it (count, fen, basis points …), for tests and charts.
    pub raw: Option<i64>,
    /// The list it was computed from, e.g. `/projects?region=3310&year=2020`.
    pub source: Option<String>,
}

impl Figure {
    pub fn new(
        key: impl Into<String>,
        label: impl Into<String>,
        value: impl Into<String>,
        raw: Option<i64>,
        source: Option<String>,
    ) -> Figure {
        Figure {
            key: key.into(),
            label: label.into(),
            value: Some(value.into()),
            raw,
            source,
        }
    }

    pub fn missing(
        key: impl Into<String>,
        label: impl Into<String>,
        source: Option<String>,
    ) -> Figure {
        Figure {
            key: key.into(),
            label: label.into(),
            value: None,
            raw: None,
            source,
        }
    }

    /// How the figure reads in plain text (Word): its value, or the missing marker.
    pub fn text(&self) -> String {
        match &self.value {
            Some(v) => v.clone(),
            None => missing_marker(&self.label),
        }
    }
}

/// "【暂无数据：完成投资额】": what a figure without data reads as.
pub fn missing_marker(label: &str) -> String {
    format!("【暂无数据：{label}】")
}

/// A table in a section (e.g. the child regions' rates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryTable {
    /// Centred above the table: "表1 各县（市、区）美丽城镇建设项目推进情况".
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Under the table: definitions, data date.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Bar,
    Line,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    pub name: String,
    /// One per category; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
}

/// A native chart in a section (e.g. investment by 五美).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryChart {
    pub kind: ChartKind,
    pub title: String,
    pub categories: Vec<String>,
    pub series: Vec<ChartSeries>,
    /// Values are fractions shown as percentages (rates) rather than amounts.
    pub percent: bool,
    /// The unit of the values when not percentages ("亿元", "万元", "个").
    pub unit: String,
}

/// One part of the summary under a heading (一、取得的成绩 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id: "opening", "achievements", "measures", "problems", "next".
    pub key: String,
    /// Without the ordinal ("取得的成绩"); documents number headings 一、二、….
    /// Empty for the untitled opening.
    pub heading: String,
    /// Paragraphs; `{{key}}` cites a figure. A paragraph starting with
    /// `## ` is a sub-heading (e.g. "## 设立工作专班").
    pub paragraphs: Vec<String>,
    pub table: Option<SummaryTable>,
    pub chart: Option<SummaryChart>,
}

impl Section {
    pub fn new(key: impl Into<String>, heading: impl Into<String>) -> Section {
        Section {
            key: key.into(),
            heading: heading.into(),
            paragraphs: Vec::new(),
            table: None,
            chart: None,
        }
    }
}

/// The marker of a sub-heading paragraph.
pub const SUBHEADING_PREFIX: &str = "## ";

/// A paragraph that is a sub-heading: its text without the marker.
pub fn subheading(paragraph: &str) -> Option<&str> {
    paragraph.strip_prefix(SUBHEADING_PREFIX).map(str::trim)
}

/// A whole work summary, as generated or as saved in a revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub title: String,
    pub region_code: String,
    pub region_name: String,
    pub period: Period,
    pub layout: Layout,
    pub sections: Vec<Section>,
    pub figures: BTreeMap<String, Figure>,
    /// Milliseconds since the epoch.
    pub generated_at: i64,
}

impl Draft {
    /// Figures cited by a paragraph (or a heading) that have no data, each once,
    /// in the order first cited. Figures computed but not cited do not count:
    /// the reader never sees them.
    pub fn missing(&self) -> Vec<&Figure> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for s in &self.sections {
            for p in &s.paragraphs {
                for key in cited_keys(p) {
                    if let Some(f) = self.figures.get(key) {
                        if f.value.is_none() && seen.insert(key) {
                            out.push(f);
                        }
                    }
                }
            }
        }
        out
    }

    /// A paragraph as plain text, figures filled in (Word, previews).
    pub fn plain(&self, paragraph: &str) -> String {
        plain_text(paragraph, &self.figures)
    }

    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key == key)
    }
}

/// The figure keys cited by `{{key}}` in a paragraph, in order.
pub fn cited_keys(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// A piece of a rendered paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Span {
    Text(String),
    Figure {
        key: String,
        value: String,
        source: Option<String>,
    },
    /// A cited figure without data, or a key the draft does not know
    /// (e.g. mistyped while editing): shown highlighted, never blank.
    Missing {
        key: String,
        label: String,
    },
}

/// Splits a paragraph into text and figures. `{{key}}` of a known figure
/// with a value becomes [`Span::Figure`]; of a figure without a value, or an
/// unknown key, [`Span::Missing`]. An unclosed `{{` is kept as text.
pub fn render_paragraph(text: &str, figures: &BTreeMap<String, Figure>) -> Vec<Span> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        buf.push_str(&rest[..start]);
        let key = after[..end].trim();
        if !buf.is_empty() {
            out.push(Span::Text(std::mem::take(&mut buf)));
        }
        out.push(match figures.get(key) {
            Some(Figure {
                value: Some(v),
                source,
                ..
            }) => Span::Figure {
                key: key.to_owned(),
                value: v.clone(),
                source: source.clone(),
            },
            Some(f) => Span::Missing {
                key: key.to_owned(),
                label: f.label.clone(),
            },
            None => Span::Missing {
                key: key.to_owned(),
                label: key.to_owned(),
            },
        });
        rest = &after[end + 2..];
    }
    buf.push_str(rest);
    if !buf.is_empty() {
        out.push(Span::Text(buf));
    }
    out
}

/// A paragraph as plain text: figures replaced by their values, missing ones
/// by 【暂无数据：label】.
pub fn plain_text(text: &str, figures: &BTreeMap<String, Figure>) -> String {
    render_paragraph(text, figures)
        .into_iter()
        .map(|s| match s {
            Span::Text(t) => t,
            Span::Figure { value, .. } => value,
            Span::Missing { label, .. } => missing_marker(&label),
        })
        .collect()
}

/// Chinese ordinal for headings: 1 → "一", 12 → "十二".
pub fn ordinal_zh(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", D[n % 10]),
        20..=99 => {
            let tail = if n.is_multiple_of(10) { "" } else { D[n % 10] };
            format!("{}十{}", D[n / 10], tail)
        }
        _ => n.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Chinese number style
// ---------------------------------------------------------------------------

/// Rounds `value / den` half away from zero to `decimals` and drops trailing zeros.
fn scaled(value: i128, den: i128, decimals: u32) -> String {
    let factor = 10i128.pow(decimals);
    let n = value * factor;
    let mut q = n / den;
    if 2 * (n % den).abs() >= den {
        q += n.signum();
    }
    let sign = if q < 0 { "-" } else { "" };
    let q = q.abs();
    let int = q / factor;
    let frac = q % factor;
    if decimals == 0 || frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// Money as a summary writes it: "12.35亿元" from 1亿 up (two decimals,
/// trailing zeros dropped), "3456.78万元" from 1万, else "8000元".
pub fn money_zh(fen: Fen) -> String {
    let v = i128::from(fen.get());
    let a = v.abs();
    if a >= 10_000_000_000 {
        format!("{}亿元", scaled(v, 10_000_000_000, 2))
    } else if a >= 1_000_000 {
        format!("{}万元", scaled(v, 1_000_000, 2))
    } else {
        format!("{}元", scaled(v, 100, 2))
    }
}

/// Always in 亿元 (tables and charts in one unit): "0.35".
pub fn yi_number(fen: Fen, decimals: u32) -> String {
    scaled(i128::from(fen.get()), 10_000_000_000, decimals)
}

/// A rate as a percentage: "100%", "87.5%", "96.33%" (two decimals at most,
/// trailing zeros dropped); `None` for no rate.
pub fn percent_zh(rate: Option<f64>) -> Option<String> {
    let r = rate.filter(|r| r.is_finite())?;
    let bp = (r * 10_000.0).round() as i128;
    Some(format!("{}%", scaled(bp, 100, 2)))
}

/// 同比: "同比增长12.3%", "同比下降4.5%", "与上年持平"; `None` when there is
/// no previous figure to compare with (or it is zero).
pub fn yoy_zh(current: i64, previous: Option<i64>) -> Option<String> {
    let p = previous.filter(|p| *p != 0)?;
    let change = (i128::from(current) - i128::from(p)) * 1000 / i128::from(p).abs();
    // One decimal of a percent: permille, rounded by the integer division
    // towards zero, which is what a reader checking by hand gets.
    let text = scaled(change.abs(), 10, 1);
    Some(match change.cmp(&0) {
        std::cmp::Ordering::Greater => format!("同比增长{text}%"),
        std::cmp::Ordering::Less => format!("同比下降{text}%"),
        std::cmp::Ordering::Equal => "与上年持平".to_owned(),
    })
}

/// "2020年12月21日".
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// "6月30日": dates inside the summary's own year.
pub fn month_day_zh(d: NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

/// A meeting's days: "6月30日", "1月8日—9日", "1月31日—2月1日".
pub fn day_range_zh(start: NaiveDate, end: Option<NaiveDate>) -> String {
    match end.filter(|e| *e > start) {
        None => month_day_zh(start),
        Some(e) if e.month() == start.month() => {
            format!("{}—{}日", month_day_zh(start), e.day())
        }
        Some(e) => format!("{}—{}", month_day_zh(start), month_day_zh(e)),
    }
}

/// A count as the genre rounds large tallies: two significant figures and
/// "余" when something was rounded off ("438" → "430余", "5234" → "5200余",
/// "170" → "170"); below 100 the exact number.
pub fn approx_count(n: i64) -> String {
    if n < 100 {
        return n.to_string();
    }
    let mut step = 1i64;
    while n / step >= 100 {
        step *= 10;
    }
    let floor = n / step * step;
    if floor == n {
        n.to_string()
    } else {
        format!("{floor}余")
    }
}

/// A thousandths quantity (indicator values) without trailing zeros: "1234.5".
pub fn milli_zh(milli: i64) -> String {
    scaled(i128::from(milli), 1000, 3)
}

// ---------------------------------------------------------------------------
// Problem rules (存在问题)
// ---------------------------------------------------------------------------

/// How far below its parent's rate a region must be to be called lagging
/// (滞后): 10 percentage points. Smaller gaps are noise of timing.
pub const LAG_MARGIN: f64 = 0.10;

/// A region's rate compared with its parent's, for 存在问题.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLine {
    pub code: String,
    pub name: String,
    pub rate: Option<f64>,
}

/// The lines lagging behind `reference` by at least [`LAG_MARGIN`], worst
/// first (ties by code). Lines without a rate have nothing to compare.
pub fn lagging(lines: &[RateLine], reference: Option<f64>) -> Vec<&RateLine> {
    let Some(reference) = reference else {
        return Vec::new();
    };
    let mut out: Vec<&RateLine> = lines
        .iter()
        .filter(|l| l.rate.is_some_and(|r| r + LAG_MARGIN <= reference + 1e-12))
        .collect();
    out.sort_by(|a, b| {
        a.rate
            .partial_cmp(&b.rate)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

/// Whether an indicator's value misses its target, by its direction.
pub fn below_target(value_milli: i64, target_milli: Option<i64>, higher_is_better: bool) -> bool {
    match target_milli {
        None => false,
        Some(t) if higher_is_better => value_milli < t,
        Some(t) => value_milli > t,
    }
}

/// The share of a target reached, for "完成目标的87.5%".
pub fn target_share(value_milli: i64, target_milli: i64) -> Option<f64> {
    (target_milli != 0).then(|| value_milli as f64 / target_milli as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figs() -> BTreeMap<String, Figure> {
        let mut m = BTreeMap::new();
        m.insert(
            "projects".to_owned(),
            Figure::new(
                "projects",
                "项目数",
                "2086个",
                Some(2086),
                Some("/projects?region=3310&year=2020".into()),
            ),
        );
        m.insert(
            "investment".to_owned(),
            Figure::missing("investment", "完成投资额", None),
        );
        m
    }

    #[test]
    fn layout_parses_ids_and_labels() {
        assert_eq!(Layout::parse("wumei"), Ok(Layout::Wumei));
        assert_eq!(Layout::parse("按“五美”"), Ok(Layout::Wumei));
        assert_eq!(Layout::parse(" Mechanism "), Ok(Layout::Mechanism));
        assert_eq!(Layout::parse("按工作机制"), Ok(Layout::Mechanism));
        assert!(Layout::parse("月报").is_err());
        for l in Layout::ALL {
            assert_eq!(Layout::parse(l.id()), Ok(l));
            assert_eq!(Layout::parse(l.label()), Ok(l));
        }
    }

    #[test]
    fn period_parses_and_prints() {
        assert_eq!(Period::parse("2020"), Ok(Period::year(2020)));
        assert_eq!(Period::parse("2020年"), Ok(Period::year(2020)));
        assert_eq!(Period::parse("２０２０"), Ok(Period::year(2020)));
        assert_eq!(
            Period::parse("2020h1"),
            Ok(Period::half(2020, 1).expect("h1"))
        );
        assert_eq!(
            Period::parse("2020年下半年"),
            Ok(Period::half(2020, 2).expect("h2"))
        );
        assert!(Period::parse("2020H3").is_err());
        assert!(Period::parse("20").is_err());
        assert!(Period::parse("1899").is_err());
        assert!(Period::half(2020, 3).is_none());
        let h1 = Period::half(2020, 1).expect("h1");
        assert_eq!(h1.id(), "2020H1");
        assert_eq!(h1.label(), "2020年上半年");
        assert_eq!(Period::year(2020).label(), "2020年");
        assert_eq!(Period::parse(&h1.id()), Ok(h1));
        assert_eq!(h1.months(), 1..=6);
        assert_eq!(
            h1.date_bounds(),
            ("2020-01-01".to_owned(), "2020-06-30".to_owned())
        );
        let h2 = Period::half(2020, 2).expect("h2");
        assert_eq!(
            h2.date_bounds(),
            ("2020-07-01".to_owned(), "2020-12-31".to_owned())
        );
        assert_eq!(h2.as_of().month(), 12);
        assert_eq!(h2.previous_year(), Period::half(2019, 2).expect("h2"));
        assert!(h1.contains(NaiveDate::from_ymd_opt(2020, 6, 30).expect("date")));
        assert!(!h1.contains(NaiveDate::from_ymd_opt(2020, 7, 1).expect("date")));
    }

    #[test]
    fn indicator_periods_follow_the_indicator() {
        let y = Period::year(2020);
        let s = |p: Option<String>| p.expect("a period");
        assert_eq!(s(y.indicator_period("year")), "2020");
        assert_eq!(s(y.indicator_period("half")), "2020H2");
        assert_eq!(s(y.indicator_period("quarter")), "2020Q4");
        assert_eq!(s(y.indicator_period("month")), "2020-12");
        let h1 = Period::half(2020, 1).expect("h1");
        assert_eq!(h1.indicator_period("year"), None);
        assert_eq!(s(h1.indicator_period("half")), "2020H1");
        assert_eq!(s(h1.indicator_period("quarter")), "2020Q2");
        assert_eq!(s(h1.indicator_period("month")), "2020-06");
    }

    #[test]
    fn paragraphs_render_figures_and_missing() {
        let f = figs();
        let spans = render_paragraph("开工建设项目{{projects}}，完成投资额{{investment}}。", &f);
        assert_eq!(
            spans,
            vec![
                Span::Text("开工建设项目".into()),
                Span::Figure {
                    key: "projects".into(),
                    value: "2086个".into(),
                    source: Some("/projects?region=3310&year=2020".into())
                },
                Span::Text("，完成投资额".into()),
                Span::Missing {
                    key: "investment".into(),
                    label: "完成投资额".into()
                },
                Span::Text("。".into()),
            ]
        );
        assert_eq!(
            plain_text("共{{projects}}，{{investment}}，{{nope}}，{{ unclosed", &f),
            "共2086个，【暂无数据：完成投资额】，【暂无数据：nope】，{{ unclosed"
        );
        assert_eq!(render_paragraph("", &f), vec![]);
        assert_eq!(cited_keys("{{a}}x{{ b }}"), vec!["a", "b"]);
    }

    #[test]
    fn missing_lists_cited_figures_without_data_once() {
        let mut s = Section::new("opening", "");
        s.paragraphs = vec!["{{investment}}{{projects}}".into(), "{{investment}}".into()];
        let d = Draft {
            title: "t".into(),
            region_code: "3310".into(),
            region_name: "台州市".into(),
            period: Period::year(2020),
            layout: Layout::Mechanism,
            sections: vec![s],
            figures: figs(),
            generated_at: 0,
        };
        let m = d.missing();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].key, "investment");
        assert_eq!(d.plain("{{projects}}"), "2086个");
        let json = serde_json::to_string(&d).expect("serialize");
        let back: Draft = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, d);
    }

    #[test]
    fn money_in_yi_wan_and_yuan() {
        assert_eq!(money_zh(Fen(1_235_000_000_000)), "123.5亿元");
        assert_eq!(money_zh(Fen(123_456_789_012)), "12.35亿元");
        assert_eq!(money_zh(Fen(10_000_000_000)), "1亿元");
        assert_eq!(money_zh(Fen(9_999_999_999)), "10000万元");
        assert_eq!(money_zh(Fen(3_456_780_000)), "3456.78万元");
        assert_eq!(money_zh(Fen(800_000)), "8000元");
        assert_eq!(money_zh(Fen(0)), "0元");
        assert_eq!(yi_number(Fen(35_000_000_000), 2), "3.5");
    }

    #[test]
    fn percentages_and_yoy() {
        assert_eq!(percent_zh(Some(1.0)).as_deref(), Some("100%"));
        assert_eq!(percent_zh(Some(0.875)).as_deref(), Some("87.5%"));
        assert_eq!(percent_zh(Some(0.96332)).as_deref(), Some("96.33%"));
        assert_eq!(percent_zh(Some(1.12)).as_deref(), Some("112%"));
        assert_eq!(percent_zh(None), None);
        assert_eq!(percent_zh(Some(f64::NAN)), None);
        assert_eq!(yoy_zh(1123, Some(1000)).as_deref(), Some("同比增长12.3%"));
        assert_eq!(yoy_zh(955, Some(1000)).as_deref(), Some("同比下降4.5%"));
        assert_eq!(yoy_zh(1000, Some(1000)).as_deref(), Some("与上年持平"));
        assert_eq!(yoy_zh(5, Some(0)), None);
        assert_eq!(yoy_zh(5, None), None);
    }

    #[test]
    fn dates_and_counts() {
        let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).expect("date");
        assert_eq!(date_zh(d(12, 21)), "2020年12月21日");
        assert_eq!(month_day_zh(d(6, 30)), "6月30日");
        assert_eq!(day_range_zh(d(1, 8), Some(d(1, 9))), "1月8日—9日");
        assert_eq!(day_range_zh(d(1, 31), Some(d(2, 1))), "1月31日—2月1日");
        assert_eq!(day_range_zh(d(6, 30), Some(d(6, 30))), "6月30日");
        assert_eq!(day_range_zh(d(6, 30), None), "6月30日");
        assert_eq!(approx_count(438), "430余");
        assert_eq!(approx_count(5234), "5200余");
        assert_eq!(approx_count(5200), "5200");
        assert_eq!(approx_count(170), "170");
        assert_eq!(approx_count(173), "170余");
        assert_eq!(approx_count(99), "99");
        assert_eq!(milli_zh(1_234_500), "1234.5");
        assert_eq!(milli_zh(7_000), "7");
        assert_eq!(ordinal_zh(1), "一");
        assert_eq!(ordinal_zh(10), "十");
        assert_eq!(ordinal_zh(12), "十二");
        assert_eq!(ordinal_zh(20), "二十");
        assert_eq!(ordinal_zh(23), "二十三");
    }

    #[test]
    fn lagging_regions_and_targets() {
        let l = |code: &str, rate: Option<f64>| RateLine {
            code: code.into(),
            name: code.into(),
            rate,
        };
        let lines = vec![
            l("a", Some(0.95)),
            l("b", Some(0.80)),
            l("c", Some(0.70)),
            l("d", None),
            l("e", Some(0.85)),
        ];
        let lag: Vec<&str> = lagging(&lines, Some(0.90))
            .into_iter()
            .map(|x| x.code.as_str())
            .collect();
        assert_eq!(lag, vec!["c", "b"]);
        assert!(lagging(&lines, None).is_empty());
        assert!(below_target(900, Some(1000), true));
        assert!(!below_target(1000, Some(1000), true));
        assert!(below_target(1100, Some(1000), false));
        assert!(!below_target(1, None, true));
        assert_eq!(target_share(875, 1000), Some(0.875));
        assert_eq!(target_share(1, 0), None);
    }
}
