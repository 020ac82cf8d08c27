//! 暗访督查: the checklist catalogue, town scores with per-area caps, stratified
//! random samples that anyone can re-draw from the stated seed, rectification
//! deadlines and states, quarters, the quarterly combined score (动态考核), and
//! the GPS plausibility check of a finding.
//!
//! Points are exact hundredths ([`Points`]), so a score of 100 − 3 × 0.5 is
//! 98.50 on every machine and in every document.

use crate::ValidationError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A score or deduction in hundredths of a point.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn from_whole(n: i64) -> Points {
        Points(n * 100)
    }

    /// "2", "0.5", "1.25", "１.５", "2分" → hundredths; at most two decimals.
    pub fn parse(s: &str) -> Result<Points, ValidationError> {
        let t = crate::text::to_half_width(s.trim());
        let t = t.trim_end_matches('分').trim();
        let bad = || ValidationError::new("points", format!("分值“{s}”应为数字，最多两位小数"));
        if t.is_empty() {
            return Err(bad());
        }
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 2
            || whole.len() > 9
        {
            return Err(bad());
        }
        let w: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let f: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let v = w * 100 + f;
        Ok(Points(if neg { -v } else { v }))
    }

    /// Always two decimals ("98.50"): the notation of ranking tables.
    pub fn fixed2(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// Shortest form: "98.5", "100", "0.25".
impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.fixed2();
        let s = s.trim_end_matches('0').trim_end_matches('.');
        f.write_str(s)
    }
}

/// How urgent a problem is: it sets the rectification deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    General,
    Serious,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::General => "general",
            Severity::Serious => "serious",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::General => "一般",
            Severity::Serious => "严重",
        }
    }
    pub fn parse(s: &str) -> Result<Severity, ValidationError> {
        match s.trim() {
            "general" | "一般" | "" => Ok(Severity::General),
            "serious" | "严重" | "较重" => Ok(Severity::Serious),
            other => Err(ValidationError::new(
                "severity",
                format!("问题等级“{other}”无法识别，应为“一般”或“严重”"),
            )),
        }
    }
}

/// One checklist item: a kind of problem and what each one found costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub name: String,
    /// Deducted per problem found.
    pub deduction: Points,
    #[serde(default)]
    pub severity: Severity,
}

/// A checklist area (检查类别) with the most it can cost a town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub cap: Points,
    pub items: Vec<Item>,
}

/// The 小城镇环境和风貌管理规范 checklist as data: a base score and areas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub base: Points,
    pub areas: Vec<Area>,
}

impl Catalogue {
    /// Checks the rules a catalogue must keep for scores to make sense.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let err = |m: String| Err(ValidationError::new("catalogue", m));
        if self.base <= Points::ZERO || self.base > Points::from_whole(1000) {
            return err("基础分应大于 0 且不超过 1000".into());
        }
        if self.areas.is_empty() {
            return err("检查标准至少应有一个检查类别".into());
        }
        let mut codes = BTreeSet::new();
        let mut caps = Points::ZERO;
        for a in &self.areas {
            if a.name.trim().is_empty() || a.code.trim().is_empty() {
                return err("检查类别的编号和名称不能为空".into());
            }
            if !codes.insert(a.code.clone()) {
                return err(format!("编号“{}”重复", a.code));
            }
            if a.cap <= Points::ZERO {
                return err(format!("“{}”的扣分上限应大于 0", a.name));
            }
            caps = Points(caps.0 + a.cap.0);
            if a.items.is_empty() {
                return err(format!("“{}”至少应有一个检查项", a.name));
            }
            for i in &a.items {
                if i.name.trim().is_empty() || i.code.trim().is_empty() {
                    return err(format!("“{}”中有检查项的编号或名称为空", a.name));
                }
                if !codes.insert(i.code.clone()) {
                    return err(format!("编号“{}”重复", i.code));
                }
                if i.deduction <= Points::ZERO || i.deduction > a.cap {
                    return err(format!(
                        "检查项“{}”的每处扣分应大于 0 且不超过该类别上限 {}",
                        i.name, a.cap
                    ));
                }
            }
        }
        if caps > self.base {
            return err(format!(
                "各类别扣分上限合计 {caps} 分超过基础分 {} 分",
                self.base
            ));
        }
        Ok(())
    }

    /// The item with this code and the area it belongs to.
    pub fn item(&self, code: &str) -> Option<(&Area, &Item)> {
        self.areas
            .iter()
            .find_map(|a| a.items.iter().find(|i| i.code == code).map(|i| (a, i)))
    }

    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.code == code)
    }
}

/// The catalogue meizhen ships with, by the areas of the earlier clean-up
/// (环境卫生, 城镇秩序, 乡容镇貌, 长效管理). The text of the 规范 itself was
/// not available: offices edit this default to match their own rules.
pub fn default_catalogue() -> Catalogue {
    fn item(code: &str, name: &str, hundredths: i64, severity: Severity) -> Item {
        Item {
            code: code.into(),
            name: name.into(),
            deduction: Points(hundredths),
            severity,
        }
    }
    use Severity::{General as G, Serious as S};
    Catalogue {
        base: Points::from_whole(100),
        areas: vec![
            Area {
                code: "HJ".into(),
                name: "环境卫生".into(),
                cap: Points::from_whole(30),
                items: vec![
                    item("HJ01", "道路保洁不到位，路面有垃圾、积水", 50, G),
                    item("HJ02", "垃圾暴露、乱堆乱放", 100, G),
                    item("HJ03", "垃圾桶（箱）破损、满溢或未分类", 50, G),
                    item("HJ04", "公共厕所脏乱、设施损坏", 100, G),
                    item("HJ05", "河道、沟渠有漂浮物或污水直排", 200, S),
                ],
            },
            Area {
                code: "ZX".into(),
                name: "城镇秩序".into(),
                cap: Points::from_whole(25),
                items: vec![
                    item("ZX01", "占道经营、店外经营", 50, G),
                    item("ZX02", "车辆乱停乱放", 50, G),
                    item("ZX03", "流动摊贩无序设摊", 50, G),
                    item("ZX04", "违规设置广告、乱张贴", 50, G),
                    item("ZX05", "架空线乱拉乱接（“线乱拉”）", 100, G),
                ],
            },
            Area {
                code: "XR".into(),
                name: "乡容镇貌".into(),
                cap: Points::from_whole(25),
                items: vec![
                    item("XR01", "建筑立面破损、脏污", 50, G),
                    item("XR02", "店招店牌破损、不规范", 50, G),
                    item("XR03", "绿化缺株、黄土裸露", 50, G),
                    item("XR04", "建筑工地未围挡、扬尘", 100, G),
                    item("XR05", "新增违法建筑", 200, S),
                ],
            },
            Area {
                code: "CX".into(),
                name: "长效管理".into(),
                cap: Points::from_whole(20),
                items: vec![
                    item("CX01", "保洁、管理人员配备不足", 100, G),
                    item("CX02", "街长制、路长制未落实", 100, G),
                    item("CX03", "网格平台未有效运行", 100, G),
                    item("CX04", "前次督查问题未整改到位", 200, S),
                ],
            },
        ],
    }
}

/// A town's score in one inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TownScore {
    pub score: Points,
    /// What was actually taken off (after caps).
    pub deducted: Points,
    /// Per area: (code, deductions found, deductions counted after the cap).
    pub by_area: Vec<(String, Points, Points)>,
}

/// Score = base − Σ over areas of min(cap, deductions found in the area),
/// never below zero. Deductions for an area not in the catalogue count
/// uncapped (they cannot occur when findings are validated on entry).
pub fn score<'a>(
    catalogue: &Catalogue,
    deductions: impl IntoIterator<Item = (&'a str, Points)>,
) -> TownScore {
    let mut raw: BTreeMap<&str, i64> = BTreeMap::new();
    for (area, p) in deductions {
        *raw.entry(area).or_default() += p.0;
    }
    let mut by_area = Vec::new();
    let mut total = 0i64;
    for a in &catalogue.areas {
        let found = raw.remove(a.code.as_str()).unwrap_or(0);
        let counted = found.min(a.cap.0);
        total += counted;
        by_area.push((a.code.clone(), Points(found), Points(counted)));
    }
    for (code, found) in raw {
        total += found;
        by_area.push((code.to_owned(), Points(found), Points(found)));
    }
    let score = (catalogue.base.0 - total).max(0);
    TownScore {
        score: Points(score),
        deducted: Points(catalogue.base.0 - score),
        by_area,
    }
}

/// Mean of scores, rounded half away from zero to hundredths; `None` when empty.
pub fn average(scores: &[Points]) -> Option<Points> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as i64;
    let sum: i64 = scores.iter().map(|p| p.0).sum();
    Some(Points(div_round(sum, n)))
}

/// Integer division rounded half away from zero.
fn div_round(num: i64, den: i64) -> i64 {
    if den == 0 {
        return 0;
    }
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den.abs() {
        q + if (num < 0) != (den < 0) { -1 } else { 1 }
    } else {
        q
    }
}

// ---------------------------------------------------------------------------
// Sampling

/// How many towns to draw in each county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SampleSize {
    /// This many per county (all of a county's towns when it has fewer).
    PerCounty(u32),
    /// This percentage of each county's towns, rounded up, at least one.
    Percent(u32),
}

impl SampleSize {
    fn count(self, available: usize) -> usize {
        match self {
            SampleSize::PerCounty(n) => (n as usize).min(available),
            SampleSize::Percent(p) => {
                let p = p.min(100) as usize;
                (available * p)
                    .div_ceil(100)
                    .clamp(1, available.max(1))
                    .min(available)
            }
        }
    }
}

/// SplitMix64: a tiny generator written here, so that a seed draws the same
/// towns with every build of meizhen (a library's generator may change).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0), without modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next();
            if v < zone {
                return v % n;
            }
        }
    }
}

/// FNV-1a, to give each county its own stream from one seed.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Draws towns county by county. Input order does not matter: each county's
/// towns are sorted by code, then shuffled (Fisher–Yates) by a generator seeded
/// with `seed` and the county code; the first `size` are taken. The result is
/// sorted by code. The same seed and towns always give the same sample.
pub fn sample_towns(
    towns_by_county: &BTreeMap<String, Vec<String>>,
    size: SampleSize,
    seed: u64,
) -> Vec<String> {
    let mut out = Vec::new();
    for (county, towns) in towns_by_county {
        let mut towns: Vec<&String> = towns.iter().collect();
        towns.sort();
        towns.dedup();
        let mut rng = SplitMix64(seed ^ fnv1a(county));
        for i in (1..towns.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            towns.swap(i, j);
        }
        let n = size.count(towns.len());
        out.extend(towns.into_iter().take(n).cloned());
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// Rectification (整改)

/// Days a town has to rectify, by severity (configurable per deployment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectifyDays {
    pub general: u32,
    pub serious: u32,
}

impl Default for RectifyDays {
    fn default() -> Self {
        RectifyDays {
            general: 15,
            serious: 7,
        }
    }
}

impl RectifyDays {
    /// The deadline of a problem published on `published` (the day counts as
    /// day zero: published 1 March with 7 days → due 8 March, end of day).
    pub fn deadline(self, published: NaiveDate, severity: Severity) -> NaiveDate {
        let days = match severity {
            Severity::General => self.general,
            Severity::Serious => self.serious,
        };
        published + chrono::Days::new(u64::from(days))
    }
}

/// Where a rectification task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RectState {
    /// 待整改: published, the town has not answered yet.
    Open,
    /// 待核查: the town sent after-photos; the county checks.
    Submitted,
    /// 退回整改: the county found it not fixed; the town answers again.
    Returned,
    /// 已销号: verified and closed.
    Closed,
}

impl RectState {
    pub const ALL: [RectState; 4] = [
        RectState::Open,
        RectState::Submitted,
        RectState::Returned,
        RectState::Closed,
    ];
    pub fn id(self) -> &'static str {
        match self {
            RectState::Open => "open",
            RectState::Submitted => "submitted",
            RectState::Returned => "returned",
            RectState::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RectState::Open => "待整改",
            RectState::Submitted => "待核查",
            RectState::Returned => "退回整改",
            RectState::Closed => "已销号",
        }
    }
    pub fn from_id(s: &str) -> Option<RectState> {
        RectState::ALL.into_iter().find(|r| r.id() == s)
    }

    /// The town answers (after-photos and a note).
    pub fn submit(self) -> Result<RectState, ValidationError> {
        match self {
            RectState::Open | RectState::Returned => Ok(RectState::Submitted),
            RectState::Submitted => Err(ValidationError::new(
                "state",
                "整改情况已提交，正在等待县级核查",
            )),
            RectState::Closed => Err(ValidationError::new("state", "该问题已销号，无需再提交")),
        }
    }

    /// The county verifies: closes, or sends back.
    pub fn verify(self, accept: bool) -> Result<RectState, ValidationError> {
        match self {
            RectState::Submitted => Ok(if accept {
                RectState::Closed
            } else {
                RectState::Returned
            }),
            _ => Err(ValidationError::new(
                "state",
                "只能核查乡镇已提交整改情况的问题",
            )),
        }
    }
}

/// Overdue: not closed, and the deadline day is over.
pub fn is_overdue(state: RectState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state != RectState::Closed && today > deadline
}

/// Rectification figures of a town or county.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RectStats {
    pub total: u32,
    pub closed: u32,
    /// Closed, with the accepted answer sent by the deadline.
    pub closed_on_time: u32,
    /// Not closed and past the deadline.
    pub overdue: u32,
    pub submitted: u32,
    pub returned: u32,
}

impl RectStats {
    /// One task: its state, deadline, the day its last answer was sent.
    pub fn add(
        &mut self,
        state: RectState,
        deadline: NaiveDate,
        answered: Option<NaiveDate>,
        today: NaiveDate,
    ) {
        self.total += 1;
        match state {
            RectState::Closed => {
                self.closed += 1;
                if answered.is_some_and(|d| d <= deadline) {
                    self.closed_on_time += 1;
                }
            }
            RectState::Submitted => self.submitted += 1,
            RectState::Returned => self.returned += 1,
            RectState::Open => {}
        }
        if is_overdue(state, deadline, today) {
            self.overdue += 1;
        }
    }
    pub fn merge(&mut self, o: &RectStats) {
        self.total += o.total;
        self.closed += o.closed;
        self.closed_on_time += o.closed_on_time;
        self.overdue += o.overdue;
        self.submitted += o.submitted;
        self.returned += o.returned;
    }
    /// 整改率 = closed / total.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| f64::from(self.closed) / f64::from(self.total))
    }
    /// 按期整改率 = closed on time / total.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.total > 0).then(|| f64::from(self.closed_on_time) / f64::from(self.total))
    }
}

// ---------------------------------------------------------------------------
// Quarters and the quarterly combined score (动态考核)

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    pub fn new(year: i32, q: u32) -> Result<Quarter, ValidationError> {
        crate::town::check_year(year)?;
        if !(1..=4).contains(&q) {
            return Err(ValidationError::new("quarter", "季度应为 1 到 4"));
        }
        Ok(Quarter { year, q })
    }

    /// "2020Q3", "2020-Q3", "2020-3", "2020年第三季度", "2020年第3季度".
    pub fn parse(s: &str) -> Result<Quarter, ValidationError> {
        let t = crate::text::to_half_width(s.trim());
        let bad = || ValidationError::new("quarter", format!("季度“{s}”无法识别，应写作 2020Q3"));
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        let year: i32 = digits.parse().map_err(|_| bad())?;
        let rest = t[digits.len()..]
            .trim_start_matches(['-', 'Q', 'q', '年', '第', ' '])
            .trim_end_matches("季度")
            .trim_end_matches(['季', 'Q']);
        let q = match rest {
            "1" | "一" => 1,
            "2" | "二" => 2,
            "3" | "三" => 3,
            "4" | "四" => 4,
            _ => return Err(bad()),
        };
        Quarter::new(year, q)
    }

    pub fn of(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            q: (date.month() - 1) / 3 + 1,
        }
    }

    pub fn first_month(self) -> u32 {
        (self.q - 1) * 3 + 1
    }
    pub fn last_month(self) -> u32 {
        self.q * 3
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.first_month(), 1).unwrap_or_default()
    }
    pub fn last_day(self) -> NaiveDate {
        let next = if self.q == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.last_month() + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or_default()
    }
    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
    pub fn label_zh(self) -> String {
        let n = ["一", "二", "三", "四"][(self.q - 1).min(3) as usize];
        format!("{}年第{n}季度", self.year)
    }
    pub fn id(self) -> String {
        format!("{}Q{}", self.year, self.q)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

/// Weights of the quarterly score's parts, in percent (they sum to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// The inspection score (scaled to 100).
    pub inspection: u32,
    /// 开工率 × 100.
    pub start_rate: u32,
    /// 投资完成率 × 100, counted up to 100.
    pub investment_rate: u32,
    /// Share of the quarter's monthly reports sent on time × 100.
    pub reporting: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            inspection: 60,
            start_rate: 15,
            investment_rate: 15,
            reporting: 10,
        }
    }
}

impl Weights {
    pub fn validate(&self) -> Result<(), ValidationError> {
        let sum = self.inspection + self.start_rate + self.investment_rate + self.reporting;
        if sum != 100 {
            return Err(ValidationError::new(
                "weights",
                format!("各项权重之和应为 100，现为 {sum}"),
            ));
        }
        Ok(())
    }
}

/// A town's parts for one quarter, each already on the 0–100 scale (or
/// missing: not inspected, no projects, no reports due).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Parts {
    pub inspection: Option<Points>,
    pub start_rate: Option<Points>,
    pub investment_rate: Option<Points>,
    pub reporting: Option<Points>,
}

/// A fraction `num/den` as points on the 0–100 scale (capped at 100), exact
/// to the hundredth; `None` when `den` is 0.
pub fn ratio_points(num: i64, den: i64) -> Option<Points> {
    if den <= 0 {
        return None;
    }
    Some(Points(div_round(num.max(0) * 10_000, den).min(10_000)))
}

/// The combined score: Σ weight × part / Σ weight over the parts present, so
/// a town that was not inspected is scored on its other parts (not given 0),
/// rounded to hundredths. `None` when no part is present.
pub fn combine(parts: &Parts, w: &Weights) -> Option<Points> {
    let pairs = [
        (parts.inspection, w.inspection),
        (parts.start_rate, w.start_rate),
        (parts.investment_rate, w.investment_rate),
        (parts.reporting, w.reporting),
    ];
    let (mut num, mut den) = (0i64, 0i64);
    for (p, weight) in pairs {
        if let Some(p) = p {
            num += p.0 * i64::from(weight);
            den += i64::from(weight);
        }
    }
    (den > 0).then(|| Points(div_round(num, den)))
}

// ---------------------------------------------------------------------------
// GPS

/// A position in microdegrees (as photos' EXIF is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub lat_e6: i64,
    pub lon_e6: i64,
}

impl Fix {
    pub fn new(lat_e6: i64, lon_e6: i64) -> Result<Fix, ValidationError> {
        if !(-90_000_000..=90_000_000).contains(&lat_e6)
            || !(-180_000_000..=180_000_000).contains(&lon_e6)
        {
            return Err(ValidationError::new("gps", "GPS 坐标超出范围"));
        }
        Ok(Fix { lat_e6, lon_e6 })
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(self, o: Fix) -> f64 {
        let r = 6_371_000.0_f64;
        let (la1, lo1) = (
            (self.lat_e6 as f64 / 1e6).to_radians(),
            (self.lon_e6 as f64 / 1e6).to_radians(),
        );
        let (la2, lo2) = (
            (o.lat_e6 as f64 / 1e6).to_radians(),
            (o.lon_e6 as f64 / 1e6).to_radians(),
        );
        let h = ((la2 - la1) / 2.0).sin().powi(2)
            + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
        2.0 * r * h.sqrt().asin()
    }

    /// Inside a box around Zhejiang (with a margin for border towns).
    pub fn in_zhejiang(self) -> bool {
        (26_900_000..=31_300_000).contains(&self.lat_e6)
            && (117_900_000..=123_300_000).contains(&self.lon_e6)
    }
}

/// A town's reference point: the component-wise median of the fixes already
/// recorded there (no town centres come with the division data), once there
/// are at least three of them.
pub fn reference_point(fixes: &[Fix]) -> Option<Fix> {
    if fixes.len() < 3 {
        return None;
    }
    let mut lat: Vec<i64> = fixes.iter().map(|f| f.lat_e6).collect();
    let mut lon: Vec<i64> = fixes.iter().map(|f| f.lon_e6).collect();
    lat.sort_unstable();
    lon.sort_unstable();
    Some(Fix {
        lat_e6: lat[lat.len() / 2],
        lon_e6: lon[lon.len() / 2],
    })
}

/// A finding's fix further than this from the town's reference point is flagged.
pub const FAR_FROM_TOWN_M: f64 = 15_000.0;

/// Why a fix looks wrong for the town (flagged for the office, never dropped).
pub fn gps_flag(fix: Fix, reference: Option<Fix>) -> Option<String> {
    if !fix.in_zhejiang() {
        return Some("定位不在浙江省范围内".into());
    }
    let r = reference?;
    let d = fix.distance_m(r);
    (d > FAR_FROM_TOWN_M).then(|| format!("定位距该镇已有检查点约 {:.1} 公里", d / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test value")
    }

    #[test]
    fn points_parse_and_print() {
        assert_eq!(Points::parse("0.5").expect("test value"), Points(50));
        assert_eq!(Points::parse("１.２５分").expect("test value"), Points(125));
        assert_eq!(Points::parse("2").expect("test value"), Points(200));
        assert_eq!(Points::parse(".5").expect("test value"), Points(50));
        assert!(Points::parse("0.125").is_err());
        assert!(Points::parse("abc").is_err());
        assert!(Points::parse("").is_err());
        assert_eq!(Points(9850).to_string(), "98.5");
        assert_eq!(Points(10000).to_string(), "100");
        assert_eq!(Points(9850).fixed2(), "98.50");
        assert_eq!(Points(-25).fixed2(), "-0.25");
    }

    #[test]
    fn default_catalogue_is_valid() {
        let c = default_catalogue();
        c.validate().expect("test value");
        assert_eq!(c.areas.len(), 4);
        assert_eq!(c.item("HJ02").expect("test value").0.name, "环境卫生");
        assert!(c.item("nope").is_none());
    }

    #[test]
    fn catalogue_rules() {
        let mut c = default_catalogue();
        c.areas[0].items[0].deduction = Points(0);
        assert!(c.validate().is_err());
        let mut c = default_catalogue();
        c.areas[1].items[0].code = "HJ01".into();
        assert!(c.validate().expect_err("invalid").message.contains("重复"));
        let mut c = default_catalogue();
        c.areas[0].cap = Points::from_whole(90);
        assert!(c
            .validate()
            .expect_err("invalid")
            .message
            .contains("超过基础分"));
        let mut c = default_catalogue();
        c.areas[0].items[0].deduction = Points::from_whole(31);
        assert!(c.validate().is_err());
    }

    #[test]
    fn score_applies_caps_per_area() {
        let mut c = default_catalogue();
        c.areas[0].cap = Points::from_whole(2);
        // 3 × 1 point in 环境卫生 capped at 2; 0.5 in 城镇秩序.
        let s = score(
            &c,
            [
                ("HJ", Points(100)),
                ("HJ", Points(100)),
                ("HJ", Points(100)),
                ("ZX", Points(50)),
            ],
        );
        assert_eq!(s.score, Points(9750));
        assert_eq!(s.deducted, Points(250));
        assert_eq!(s.by_area[0], ("HJ".to_string(), Points(300), Points(200)));
        // No findings: full marks.
        assert_eq!(score(&c, []).score, Points(10000));
    }

    #[test]
    fn score_never_below_zero() {
        let c = Catalogue {
            base: Points::from_whole(10),
            areas: vec![Area {
                code: "A".into(),
                name: "甲".into(),
                cap: Points::from_whole(10),
                items: vec![],
            }],
        };
        assert_eq!(
            score(&c, [("A", Points(5000)), ("B", Points(500))]).score,
            Points(0)
        );
    }

    #[test]
    fn average_rounds_half_up() {
        assert_eq!(average(&[Points(9850), Points(9851)]), Some(Points(9851)));
        assert_eq!(
            average(&[Points(100), Points(100), Points(101)]),
            Some(Points(100))
        );
        assert_eq!(average(&[]), None);
    }

    fn counties() -> BTreeMap<String, Vec<String>> {
        let mut m = BTreeMap::new();
        m.insert(
            "331002".to_string(),
            (1..=9).map(|i| format!("33100200{i}")).collect(),
        );
        m.insert(
            "331003".to_string(),
            (1..=4).map(|i| format!("33100300{i}")).collect(),
        );
        m.insert("331004".to_string(), vec!["331004001".to_string()]);
        m
    }

    #[test]
    fn sample_is_reproducible_and_stratified() {
        let a = sample_towns(&counties(), SampleSize::PerCounty(2), 2020);
        let b = sample_towns(&counties(), SampleSize::PerCounty(2), 2020);
        assert_eq!(a, b);
        assert_eq!(a.len(), 5); // 2 + 2 + 1 (a county with one town)
        assert_eq!(a.iter().filter(|t| t.starts_with("331002")).count(), 2);
        // Input order does not change the draw.
        let mut shuffled = counties();
        shuffled.get_mut("331002").expect("test value").reverse();
        assert_eq!(sample_towns(&shuffled, SampleSize::PerCounty(2), 2020), a);
        // Another seed, another draw (for these inputs).
        let other: Vec<_> = (0..20)
            .map(|s| sample_towns(&counties(), SampleSize::PerCounty(2), s))
            .collect();
        assert!(other.iter().any(|o| o != &a));
        // Percent: 30% of 9 → 3, of 4 → 2, of 1 → 1.
        let p = sample_towns(&counties(), SampleSize::Percent(30), 1);
        assert_eq!(p.len(), 6);
        // The whole county when asked for more than it has.
        assert_eq!(
            sample_towns(&counties(), SampleSize::PerCounty(50), 1).len(),
            14
        );
    }

    #[test]
    fn sample_is_pinned() {
        // The draw for a stated seed must never change between versions:
        // published rounds state their seed.
        let a = sample_towns(&counties(), SampleSize::PerCounty(3), 42);
        let again = sample_towns(&counties(), SampleSize::PerCounty(3), 42);
        assert_eq!(a, again);
        assert_eq!(a.len(), 7);
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn deadlines_by_severity() {
        let days = RectifyDays::default();
        assert_eq!(
            days.deadline(d(2020, 3, 1), Severity::Serious),
            d(2020, 3, 8)
        );
        assert_eq!(
            days.deadline(d(2020, 12, 25), Severity::General),
            d(2021, 1, 9)
        );
    }

    #[test]
    fn rectification_transitions() {
        use RectState::*;
        assert_eq!(Open.submit().expect("test value"), Submitted);
        assert_eq!(Returned.submit().expect("test value"), Submitted);
        assert!(Submitted.submit().is_err());
        assert!(Closed.submit().is_err());
        assert_eq!(Submitted.verify(true).expect("test value"), Closed);
        assert_eq!(Submitted.verify(false).expect("test value"), Returned);
        assert!(Open.verify(true).is_err());
        assert!(Closed.verify(false).is_err());
    }

    #[test]
    fn overdue_and_stats() {
        let dl = d(2020, 3, 8);
        assert!(!is_overdue(RectState::Open, dl, d(2020, 3, 8)));
        assert!(is_overdue(RectState::Open, dl, d(2020, 3, 9)));
        assert!(is_overdue(RectState::Submitted, dl, d(2020, 3, 9)));
        assert!(!is_overdue(RectState::Closed, dl, d(2020, 4, 1)));
        let mut s = RectStats::default();
        let today = d(2020, 4, 1);
        s.add(RectState::Closed, dl, Some(d(2020, 3, 7)), today); // on time
        s.add(RectState::Closed, dl, Some(d(2020, 3, 10)), today); // late
        s.add(RectState::Open, dl, None, today); // overdue
        s.add(
            RectState::Submitted,
            d(2020, 4, 5),
            Some(d(2020, 3, 30)),
            today,
        );
        assert_eq!(
            (s.total, s.closed, s.closed_on_time, s.overdue, s.submitted),
            (4, 2, 1, 1, 1)
        );
        assert_eq!(s.rate(), Some(0.5));
        assert_eq!(s.on_time_rate(), Some(0.25));
        assert_eq!(RectStats::default().rate(), None);
    }

    #[test]
    fn quarters() {
        let q = Quarter::parse("2020年第三季度").expect("test value");
        assert_eq!(q, Quarter { year: 2020, q: 3 });
        assert_eq!(Quarter::parse("2020Q3").expect("test value"), q);
        assert_eq!(Quarter::parse("２０２０-Q3").expect("test value"), q);
        assert_eq!(Quarter::parse("2020年第3季度").expect("test value"), q);
        assert!(Quarter::parse("2020Q5").is_err());
        assert!(Quarter::parse("Q3").is_err());
        assert_eq!(q.first_day(), d(2020, 7, 1));
        assert_eq!(q.last_day(), d(2020, 9, 30));
        assert_eq!(Quarter { year: 2020, q: 4 }.last_day(), d(2020, 12, 31));
        assert_eq!(
            Quarter { year: 2021, q: 1 }.previous(),
            Quarter { year: 2020, q: 4 }
        );
        assert_eq!(q.label_zh(), "2020年第三季度");
        assert_eq!(Quarter::of(d(2020, 12, 31)), Quarter { year: 2020, q: 4 });
    }

    #[test]
    fn combined_score_renormalises_missing_parts() {
        let w = Weights::default();
        w.validate().expect("test value");
        let full = Parts {
            inspection: Some(Points(9000)),
            start_rate: Some(Points(10000)),
            investment_rate: Some(Points(8000)),
            reporting: Some(Points(10000)),
        };
        // 0.6×90 + 0.15×100 + 0.15×80 + 0.1×100 = 91
        assert_eq!(combine(&full, &w), Some(Points(9100)));
        let no_inspection = Parts {
            inspection: None,
            ..full
        };
        // (15×100 + 15×80 + 10×100) / 40 = 92.5
        assert_eq!(combine(&no_inspection, &w), Some(Points(9250)));
        assert_eq!(combine(&Parts::default(), &w), None);
        assert!(Weights {
            inspection: 50,
            ..w
        }
        .validate()
        .is_err());
    }

    #[test]
    fn ratio_points_is_exact_and_capped() {
        assert_eq!(ratio_points(1, 3), Some(Points(3333)));
        assert_eq!(ratio_points(2, 3), Some(Points(6667)));
        assert_eq!(ratio_points(5, 4), Some(Points(10000)));
        assert_eq!(ratio_points(1, 0), None);
    }

    #[test]
    fn gps_checks() {
        let linhai = Fix::new(28_858_000, 121_145_000).expect("test value");
        let nearby = Fix::new(28_860_000, 121_150_000).expect("test value");
        let beijing = Fix::new(39_904_000, 116_407_000).expect("test value");
        assert!(linhai.distance_m(nearby) < 1_000.0);
        assert!(gps_flag(beijing, None)
            .expect("test value")
            .contains("不在浙江"));
        assert_eq!(gps_flag(linhai, None), None);
        let hangzhou = Fix::new(30_274_000, 120_155_000).expect("test value");
        assert!(gps_flag(hangzhou, Some(linhai))
            .expect("test value")
            .contains("公里"));
        assert_eq!(reference_point(&[linhai, nearby]), None);
        assert_eq!(
            reference_point(&[linhai, nearby, hangzhou]),
            Some(Fix::new(28_860_000, 121_145_000).expect("test value"))
        );
        assert!(Fix::new(91_000_000, 0).is_err());
    }
}
