//! 台账 (ledgers): experts and their services, publicity, meetings, work teams
//! and town indicators — the codes stored for them, exact quantities, and the
//! validation of what forms and imports send.
//!
//! Inputs are plain strings as a form posts them; `validate` turns one into a
//! typed record or a [`ValidationError`] with a Chinese message naming the
//! field. Codes parse from their id or Chinese label (and the spellings
//! offices use), ignoring spaces and full-width forms, so one parser serves
//! the API, the pages and messy Excel imports.

use crate::project::parse_date_loose;
use crate::region::{Level, RegionCode};
use crate::text::{compact, to_half_width};
use crate::ValidationError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

// ---------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------

/// An enum stored as a TEXT code, with its Chinese label and the other
/// spellings accepted on input (the label and the id always are).
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal, $what:literal,
        [$($variant:ident => $id:literal, $label:literal, [$($alias:literal),*]);+ $(;)?]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in the API.
            pub fn id(self) -> &'static str {
                match self {
                    $($name::$variant => $id),+
                }
            }

            pub fn from_id(id: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.id() == id)
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// Other spellings read from forms and sheets.
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    $($name::$variant => &[$($alias),*]),+
                }
            }

            /// The id (any case), the label or an alias; spaces and
            /// full-width forms are ignored.
            pub fn parse(s: &str) -> Result<$name, ValidationError> {
                let c = compact(s);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| {
                        c.eq_ignore_ascii_case(v.id())
                            || c == v.label()
                            || v.aliases().contains(&c.as_str())
                    })
                    .ok_or_else(|| {
                        let labels: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        ValidationError::new(
                            $field,
                            if c.is_empty() {
                                format!("请选择{}", $what)
                            } else {
                                format!(
                                    "{}“{}”无效，应为 {}",
                                    $what,
                                    s.trim(),
                                    labels.join("、")
                                )
                            },
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

code_enum!(
    /// What an expert is to the programme.
    ExpertRole, "role", "专家类别",
    [
        ChiefDesigner => "chief_designer", "首席设计师", ["首席", "首席设计"];
        ResidentPlanner => "resident_planner", "驻镇规划师", ["驻镇规划", "规划师", "驻镇设计师"];
        TeamMember => "team_member", "专家团队成员", ["专家团队", "团队成员", "专家组成员", "专家"];
        Other => "other", "其他", ["其它"];
    ]
);

code_enum!(
    /// How an expert is paired with a town.
    PairingKind, "kind", "结对类型",
    [
        DualDesigner => "dual_designer", "双师", ["双师制", "双师结对"];
        Pairing => "pairing", "结对帮扶", ["结对", "帮扶"];
        ThreeServices => "three_services", "三服务", ["三服务活动"];
    ]
);

code_enum!(
    /// The kind of one expert service.
    ServiceType, "service_type", "服务类型",
    [
        PlanReview => "plan_review", "方案审查", ["方案评审", "规划审查", "方案论证"];
        OnsiteGuidance => "onsite_guidance", "现场指导", ["现场服务", "实地指导", "现场踏勘"];
        DrawingCheck => "drawing_check", "图纸审查", ["施工图审查", "图审"];
        Training => "training", "培训授课", ["培训", "授课", "讲座"];
        Other => "other", "其他", ["其它"];
    ]
);

code_enum!(
    /// The level of the outlet of a media report.
    MediaLevel, "level", "媒体级别",
    [
        Central => "central", "中央", ["中央级", "国家级", "中央媒体"];
        Provincial => "provincial", "省级", ["省", "省级媒体"];
        City => "city", "市级", ["市", "市级媒体"];
        County => "county", "县级", ["县", "县市区级", "县级媒体"];
        NewMedia => "new_media", "新媒体", ["自媒体"];
    ]
);

code_enum!(
    /// The medium of a media report.
    Medium, "medium", "媒体类型",
    [
        Print => "print", "报刊", ["报纸", "杂志", "期刊", "纸媒"];
        Radio => "radio", "广播", ["电台"];
        Tv => "tv", "电视", ["电视台"];
        Online => "online", "网络", ["网站", "网媒", "微信", "微信公众号", "公众号", "微博", "客户端", "网络媒体"];
        Outdoor => "outdoor", "户外", ["户外广告", "宣传栏", "展板"];
    ]
);

code_enum!(
    /// The kind of a meeting.
    MeetingKind, "kind", "会议类型",
    [
        OnSite => "on_site", "现场会", ["现场推进会", "观摩会"];
        Regular => "regular", "例会", ["工作例会", "周例会", "月例会"];
        Progress => "progress", "推进会", ["工作推进会", "推进大会"];
        Training => "training", "培训会", ["培训", "培训班"];
        Other => "other", "其他", ["其它"];
    ]
);

code_enum!(
    /// Who held a meeting.
    MeetingLevel, "level", "会议级别",
    [
        Province => "province", "省级", ["省"];
        City => "city", "市级", ["市"];
        County => "county", "县级", ["县", "县市区级"];
        Town => "town", "乡镇", ["乡镇级", "镇级", "镇", "街道"];
    ]
);

code_enum!(
    /// How often an indicator is reported.
    IndicatorPeriod, "period", "填报周期",
    [
        Year => "year", "年度", ["年", "每年"];
        Half => "half", "半年", ["半年度", "每半年"];
        Quarter => "quarter", "季度", ["季", "每季度"];
        Month => "month", "月度", ["月", "每月"];
    ]
);

code_enum!(
    /// How a county, city or province figure is made from the towns' values.
    Aggregation, "aggregation", "汇总方式",
    [
        Sum => "sum", "求和", ["合计", "累加", "加总"];
        Avg => "avg", "平均", ["平均值", "求平均"];
        Max => "max", "最大", ["最大值", "取最大"];
        Min => "min", "最小", ["最小值", "取最小"];
    ]
);

code_enum!(
    /// The ledgers that are imported and exported as Excel tables.
    LedgerKind, "kind", "台账类型",
    [
        Experts => "experts", "专家名录", ["专家", "专家库"];
        ExpertServices => "expert-services", "专家服务记录", ["专家服务", "服务记录", "expert_services"];
        MediaReports => "media-reports", "宣传报道", ["宣传", "媒体报道", "media_reports"];
        Meetings => "meetings", "会议", ["会议记录"];
        WorkTeamMembers => "work-teams", "工作专班", ["专班", "work_team_members", "work-team-members"];
        IndicatorValues => "indicator-values", "镇级指标", ["指标", "指标值", "indicator_values"];
    ]
);

// ---------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------

/// Thousandths in one unit.
const MILLI: i64 = 1000;

/// An exact quantity in thousandths of its unit (户, 个, 宗, 万元 …): what
/// indicator values and targets are stored as (`*_milli`). Parsed from
/// "1,234.5", "１２３", "-2.25"; shown without trailing zeros.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Quantity(pub i64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);

    pub fn milli(self) -> i64 {
        self.0
    }

    pub fn from_whole(n: i64) -> Option<Quantity> {
        n.checked_mul(MILLI).map(Quantity)
    }

    /// Reads a number as typed: thousands separators (`,` `，`), full-width
    /// digits, spaces, a sign, at most three decimals.
    pub fn parse(text: &str) -> Result<Quantity, ValidationError> {
        let bad = || {
            ValidationError::new(
                "value",
                format!("数值“{}”无效，应为数字，最多三位小数", text.trim()),
            )
        };
        let s: String = compact(text)
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        if s.is_empty() {
            return Err(ValidationError::new("value", "请填写数值"));
        }
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(&s)),
        };
        let (whole, frac) = match body.split_once('.') {
            Some((w, f)) => (w, f),
            None => (body, ""),
        };
        if (whole.is_empty() && frac.is_empty())
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if frac.len() > 3 {
            return Err(ValidationError::new(
                "value",
                format!("数值“{}”的小数超过三位", text.trim()),
            ));
        }
        let too_big = || ValidationError::new("value", format!("数值“{}”过大", text.trim()));
        let w: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_big())?
        };
        let f: i64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
        let m = w
            .checked_mul(MILLI)
            .and_then(|v| v.checked_add(f))
            .ok_or_else(too_big)?;
        Ok(Quantity(if negative { -m } else { m }))
    }

    /// [`Quantity::parse`] after dropping a trailing unit ("120户" with unit
    /// "户") and a trailing "%" when the unit is "%".
    pub fn parse_with_unit(text: &str, unit: &str) -> Result<Quantity, ValidationError> {
        let t = compact(text);
        let u = compact(unit);
        let body = if u.is_empty() {
            t.as_str()
        } else {
            t.strip_suffix(u.as_str()).unwrap_or(&t)
        };
        Quantity::parse(body).map_err(|mut e| {
            // Quote the cell as typed, unit and all.
            if !body.is_empty() {
                e.message = e.message.replacen(body, text.trim(), 1);
            }
            e
        })
    }

    /// Sum with overflow checked.
    pub fn checked_sum(items: impl IntoIterator<Item = Quantity>) -> Option<Quantity> {
        items
            .into_iter()
            .try_fold(0i64, |acc, q| acc.checked_add(q.0))
            .map(Quantity)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / 1000;
        let frac = abs % 1000;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

// ---------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------

/// Trimmed text of at most `max` characters; line breaks kept as `\n`.
fn text(s: &str, field: &'static str, label: &str, max: usize) -> Result<String, ValidationError> {
    let t = s.trim().replace("\r\n", "\n");
    if t.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("{label}不能超过 {max} 个字"),
        ));
    }
    Ok(t)
}

fn required(
    s: &str,
    field: &'static str,
    label: &str,
    max: usize,
) -> Result<String, ValidationError> {
    let t = text(s, field, label, max)?;
    if t.is_empty() {
        return Err(ValidationError::new(field, format!("请填写{label}")));
    }
    Ok(t)
}

/// A date as 'YYYY-MM-DD' from "2020-03-05", "2020.3.5", "2020年3月5日",
/// full-width digits. With `month_ok`, a month alone ("2020.3") means its
/// first day (periods such as a secondment are often kept to the month).
pub fn parse_ledger_date(
    s: &str,
    field: &'static str,
    label: &str,
    month_ok: bool,
) -> Result<String, ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new(field, format!("请填写{label}")));
    }
    let (y, m, d) = parse_date_loose(s)
        .map_err(|e| ValidationError::new(field, format!("{label}：{}", e.message)))?;
    let d = match d {
        Some(d) => d,
        None if month_ok => 1,
        None => {
            return Err(ValidationError::new(
                field,
                format!("{label}“{}”缺少日，应写作 2020-03-05", s.trim()),
            ))
        }
    };
    NaiveDate::from_ymd_opt(y, m, d)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| ValidationError::new(field, format!("{label}“{}”不存在", s.trim())))
}

fn opt_date(
    s: &str,
    field: &'static str,
    label: &str,
    month_ok: bool,
) -> Result<Option<String>, ValidationError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse_ledger_date(s, field, label, month_ok).map(Some)
    }
}

fn check_order(
    start: &str,
    end: Option<&str>,
    field: &'static str,
    msg: &str,
) -> Result<(), ValidationError> {
    match end {
        // 'YYYY-MM-DD' compares as text.
        Some(e) if e < start => Err(ValidationError::new(field, msg.to_owned())),
        _ => Ok(()),
    }
}

fn region(s: &str, field: &'static str) -> Result<RegionCode, ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new(field, "请选择所属地区"));
    }
    RegionCode::parse(&to_half_width(s)).map_err(|e| ValidationError::new(field, e.message))
}

fn town(s: &str) -> Result<RegionCode, ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new("town_code", "请选择乡镇（街道）"));
    }
    let code = region(s, "town_code")?;
    if code.level() != Level::Town {
        return Err(ValidationError::new(
            "town_code",
            format!("“{code}”不是乡镇（街道）：此项只能填到乡镇一级"),
        ));
    }
    Ok(code)
}

/// A count as typed ("12", "１２", blank = 0).
fn count(s: &str, field: &'static str, label: &str) -> Result<i32, ValidationError> {
    let t = compact(s);
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<i32>().ok().filter(|n| *n >= 0).ok_or_else(|| {
        ValidationError::new(field, format!("{label}应为非负整数，而不是“{}”", s.trim()))
    })
}

fn default_or<T>(
    s: &str,
    default: T,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<T, ValidationError> {
    if s.trim().is_empty() {
        Ok(default)
    } else {
        parse(s)
    }
}

/// A web link: empty, or http(s) with a host and no spaces.
fn link(s: &str) -> Result<String, ValidationError> {
    let t = text(s, "link", "链接", 500)?;
    if t.is_empty() {
        return Ok(t);
    }
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !t.chars().any(char::is_whitespace) => {
            Ok(t)
        }
        _ => Err(ValidationError::new(
            "link",
            format!("链接“{t}”无效，应以 http:// 或 https:// 开头"),
        )),
    }
}

// ---------------------------------------------------------------------------
// Experts
// ---------------------------------------------------------------------------

/// An expert as a form or an import sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ExpertInput {
    pub region_code: String,
    pub name: String,
    /// Id or label; blank means 专家团队成员.
    pub role: String,
    pub organisation: String,
    pub title: String,
    pub team: String,
    pub phone: String,
    pub note: String,
}

/// A valid expert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expert {
    pub region_code: RegionCode,
    pub name: String,
    pub role: ExpertRole,
    pub organisation: String,
    pub title: String,
    pub team: String,
    pub phone: String,
    pub note: String,
}

impl ExpertInput {
    pub fn validate(&self) -> Result<Expert, ValidationError> {
        Ok(Expert {
            region_code: region(&self.region_code, "region_code")?,
            name: required(&self.name, "name", "专家姓名", 40)?,
            role: default_or(&self.role, ExpertRole::TeamMember, ExpertRole::parse)?,
            organisation: text(&self.organisation, "organisation", "工作单位", 100)?,
            title: text(&self.title, "title", "职称职务", 60)?,
            team: text(&self.team, "team", "所属团队", 60)?,
            phone: text(&to_half_width(&self.phone), "phone", "联系电话", 40)?,
            note: text(&self.note, "note", "备注", 1000)?,
        })
    }
}

/// An expert's pairing with a town as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ExpertPairingInput {
    pub expert_id: i64,
    pub town_code: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpertPairing {
    pub expert_id: i64,
    pub town_code: RegionCode,
    pub kind: PairingKind,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub note: String,
}

impl ExpertPairingInput {
    pub fn validate(&self) -> Result<ExpertPairing, ValidationError> {
        if self.expert_id <= 0 {
            return Err(ValidationError::new("expert_id", "请选择专家"));
        }
        let starts_on = parse_ledger_date(&self.starts_on, "starts_on", "结对开始日期", true)?;
        let ends_on = opt_date(&self.ends_on, "ends_on", "结对结束日期", true)?;
        check_order(
            &starts_on,
            ends_on.as_deref(),
            "ends_on",
            "结对结束日期早于开始日期",
        )?;
        Ok(ExpertPairing {
            expert_id: self.expert_id,
            town_code: town(&self.town_code)?,
            kind: PairingKind::parse(&self.kind)?,
            starts_on,
            ends_on,
            note: text(&self.note, "note", "备注", 1000)?,
        })
    }
}

/// One service of an expert for a town as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ExpertServiceInput {
    pub town_code: String,
    pub expert_id: i64,
    pub served_on: String,
    pub service_type: String,
    pub project_id: Option<i64>,
    pub content: String,
    /// Counts as typed; blank is 0.
    pub opinions_given: String,
    pub opinions_adopted: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpertService {
    pub town_code: RegionCode,
    pub expert_id: i64,
    pub served_on: String,
    pub service_type: ServiceType,
    pub project_id: Option<i64>,
    pub content: String,
    pub opinions_given: i32,
    pub opinions_adopted: i32,
}

impl ExpertServiceInput {
    pub fn validate(&self) -> Result<ExpertService, ValidationError> {
        if self.expert_id <= 0 {
            return Err(ValidationError::new("expert_id", "请选择专家"));
        }
        let given = count(&self.opinions_given, "opinions_given", "提出意见数")?;
        let adopted = count(&self.opinions_adopted, "opinions_adopted", "采纳意见数")?;
        if adopted > given {
            return Err(ValidationError::new(
                "opinions_adopted",
                format!("采纳意见数 {adopted} 条多于提出意见数 {given} 条"),
            ));
        }
        Ok(ExpertService {
            town_code: town(&self.town_code)?,
            expert_id: self.expert_id,
            served_on: parse_ledger_date(&self.served_on, "served_on", "服务日期", false)?,
            service_type: ServiceType::parse(&self.service_type)?,
            project_id: self.project_id.filter(|id| *id > 0),
            content: text(&self.content, "content", "服务内容", 2000)?,
            opinions_given: given,
            opinions_adopted: adopted,
        })
    }
}

// ---------------------------------------------------------------------------
// Publicity and meetings
// ---------------------------------------------------------------------------

/// A media report as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MediaReportInput {
    pub region_code: String,
    pub published_on: String,
    pub title: String,
    pub outlet: String,
    pub level: String,
    pub medium: String,
    pub link: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaReport {
    pub region_code: RegionCode,
    pub published_on: String,
    pub title: String,
    pub outlet: String,
    pub level: MediaLevel,
    pub medium: Medium,
    pub link: String,
    pub note: String,
}

impl MediaReportInput {
    pub fn validate(&self) -> Result<MediaReport, ValidationError> {
        Ok(MediaReport {
            region_code: region(&self.region_code, "region_code")?,
            published_on: parse_ledger_date(&self.published_on, "published_on", "发布日期", false)?,
            title: required(&self.title, "title", "报道标题", 200)?,
            outlet: required(&self.outlet, "outlet", "媒体名称", 100)?,
            level: MediaLevel::parse(&self.level)?,
            medium: Medium::parse(&self.medium)?,
            link: link(&self.link)?,
            note: text(&self.note, "note", "备注", 1000)?,
        })
    }
}

/// A meeting as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MeetingInput {
    pub region_code: String,
    pub held_on: String,
    pub ends_on: String,
    pub kind: String,
    /// Blank: the level of `region_code`.
    pub level: String,
    pub title: String,
    pub place: String,
    pub host: String,
    pub attendees: String,
    pub topics: String,
    pub decisions: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    pub region_code: RegionCode,
    pub held_on: String,
    pub ends_on: Option<String>,
    pub kind: MeetingKind,
    pub level: MeetingLevel,
    pub title: String,
    pub place: String,
    pub host: String,
    pub attendees: String,
    pub topics: String,
    pub decisions: String,
}

impl MeetingLevel {
    /// The level of meetings held by an office or town of this region.
    pub fn of_region(code: &RegionCode) -> MeetingLevel {
        match code.level() {
            Level::Province => MeetingLevel::Province,
            Level::City => MeetingLevel::City,
            Level::County => MeetingLevel::County,
            Level::Town | Level::Village => MeetingLevel::Town,
        }
    }
}

impl MeetingInput {
    pub fn validate(&self) -> Result<Meeting, ValidationError> {
        let region_code = region(&self.region_code, "region_code")?;
        let held_on = parse_ledger_date(&self.held_on, "held_on", "会议日期", false)?;
        let ends_on = opt_date(&self.ends_on, "ends_on", "会议结束日期", false)?;
        check_order(
            &held_on,
            ends_on.as_deref(),
            "ends_on",
            "会议结束日期早于开始日期",
        )?;
        Ok(Meeting {
            level: default_or(
                &self.level,
                MeetingLevel::of_region(&region_code),
                MeetingLevel::parse,
            )?,
            region_code,
            held_on,
            ends_on,
            kind: MeetingKind::parse(&self.kind)?,
            title: required(&self.title, "title", "会议名称", 200)?,
            place: text(&self.place, "place", "会议地点", 200)?,
            host: text(&self.host, "host", "主持人", 100)?,
            attendees: text(&self.attendees, "attendees", "参会人员", 2000)?,
            topics: text(&self.topics, "topics", "会议议题", 4000)?,
            decisions: text(&self.decisions, "decisions", "议定事项", 4000)?,
        })
    }
}

// ---------------------------------------------------------------------------
// Work teams
// ---------------------------------------------------------------------------

/// A seconded staff member as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct WorkTeamMemberInput {
    pub region_code: String,
    pub name: String,
    pub home_unit: String,
    pub post: String,
    pub phone: String,
    pub starts_on: String,
    pub ends_on: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkTeamMember {
    pub region_code: RegionCode,
    pub name: String,
    pub home_unit: String,
    pub post: String,
    pub phone: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub note: String,
}

impl WorkTeamMemberInput {
    pub fn validate(&self) -> Result<WorkTeamMember, ValidationError> {
        let starts_on = parse_ledger_date(&self.starts_on, "starts_on", "抽调开始日期", true)?;
        let ends_on = opt_date(&self.ends_on, "ends_on", "抽调结束日期", true)?;
        check_order(
            &starts_on,
            ends_on.as_deref(),
            "ends_on",
            "抽调结束日期早于开始日期",
        )?;
        Ok(WorkTeamMember {
            region_code: region(&self.region_code, "region_code")?,
            name: required(&self.name, "name", "姓名", 40)?,
            home_unit: text(&self.home_unit, "home_unit", "原单位", 100)?,
            post: text(&self.post, "post", "专班岗位", 60)?,
            phone: text(&to_half_width(&self.phone), "phone", "联系电话", 40)?,
            starts_on,
            ends_on,
            note: text(&self.note, "note", "备注", 1000)?,
        })
    }
}

// ---------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------

impl IndicatorPeriod {
    /// The canonical text of one period of this kind: '2020', '2020H1',
    /// '2020Q3', '2020-06'. Accepts those and "2020年", "2020年上半年",
    /// "2020年第三季度", "2020年3季度", "2020.6", "2020年6月", full-width digits.
    pub fn parse_value(self, s: &str) -> Result<String, ValidationError> {
        let c = compact(s).to_ascii_uppercase();
        let bad = || {
            let example = match self {
                IndicatorPeriod::Year => "2020",
                IndicatorPeriod::Half => "2020H1 或 2020年上半年",
                IndicatorPeriod::Quarter => "2020Q3 或 2020年第三季度",
                IndicatorPeriod::Month => "2020-06 或 2020年6月",
            };
            ValidationError::new(
                "period",
                if c.is_empty() {
                    "请填写统计期".to_owned()
                } else {
                    format!(
                        "统计期“{}”无效：该指标按{}填报，应写作 {example}",
                        s.trim(),
                        self.label()
                    )
                },
            )
        };
        let year_of = |t: &str| -> Option<(i32, String)> {
            let digits: String = t.chars().take(4).collect();
            let y: i32 = digits.parse().ok().filter(|y| (1900..=2100).contains(y))?;
            let rest = t.get(4..)?.trim_start_matches('年').to_owned();
            Some((y, rest))
        };
        let (year, rest) = year_of(&c).ok_or_else(bad)?;
        let number = |r: &str| -> Option<u32> {
            let r = r.trim_start_matches('第');
            let n = match r {
                "一" | "1" | "01" => 1,
                "二" | "2" | "02" => 2,
                "三" | "3" | "03" => 3,
                "四" | "4" | "04" => 4,
                other => other.parse().ok()?,
            };
            Some(n)
        };
        match self {
            IndicatorPeriod::Year if rest.is_empty() || rest == "度" || rest == "全年" => {
                Ok(format!("{year}"))
            }
            IndicatorPeriod::Half => {
                let h = match rest.as_str() {
                    "H1" | "上半年" | "-H1" => 1,
                    "H2" | "下半年" | "-H2" => 2,
                    _ => return Err(bad()),
                };
                Ok(format!("{year}H{h}"))
            }
            IndicatorPeriod::Quarter => {
                let r = rest.trim_start_matches('-');
                let q = r
                    .strip_prefix('Q')
                    .or_else(|| r.strip_suffix("季度"))
                    .and_then(number)
                    .filter(|q| (1..=4).contains(q))
                    .ok_or_else(bad)?;
                Ok(format!("{year}Q{q}"))
            }
            IndicatorPeriod::Month => {
                let r = rest
                    .trim_start_matches(['-', '.', '/'])
                    .trim_end_matches("份")
                    .trim_end_matches('月');
                let m = r
                    .parse::<u32>()
                    .ok()
                    .filter(|m| (1..=12).contains(m) && !r.is_empty() && r.len() <= 2)
                    .ok_or_else(bad)?;
                Ok(format!("{year}-{m:02}"))
            }
            IndicatorPeriod::Year => Err(bad()),
        }
    }
}

/// The year of a canonical period text ('2020', '2020H1', '2020Q3', '2020-06').
pub fn period_year(period: &str) -> Option<i32> {
    period.get(..4)?.parse().ok()
}

/// An indicator definition as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct IndicatorInput {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub period: String,
    /// Blank means 求和.
    pub aggregation: String,
    /// "true"/"false" (also 是/否, 越高越好/越低越好); blank means true.
    pub higher_is_better: String,
    /// Blank: no target.
    pub target: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub region_code: RegionCode,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub period: IndicatorPeriod,
    pub aggregation: Aggregation,
    pub higher_is_better: bool,
    pub target: Option<Quantity>,
    pub note: String,
}

fn better(s: &str) -> Result<bool, ValidationError> {
    match compact(s).to_ascii_lowercase().as_str() {
        "" | "true" | "on" | "1" | "是" | "越高越好" | "越大越好" | "higher" => Ok(true),
        "false" | "off" | "0" | "否" | "越低越好" | "越小越好" | "lower" => Ok(false),
        _ => Err(ValidationError::new(
            "higher_is_better",
            format!("“{}”无效，应为 越高越好 或 越低越好", s.trim()),
        )),
    }
}

impl IndicatorInput {
    pub fn validate(&self) -> Result<Indicator, ValidationError> {
        let code = required(&to_half_width(&self.code), "code", "指标代码", 40)?;
        if code.chars().any(char::is_whitespace) {
            return Err(ValidationError::new("code", "指标代码不能包含空格"));
        }
        let unit = text(&self.unit, "unit", "计量单位", 20)?;
        let target =
            if self.target.trim().is_empty() {
                None
            } else {
                Some(Quantity::parse_with_unit(&self.target, &unit).map_err(|e| {
                    ValidationError::new("target", format!("目标值：{}", e.message))
                })?)
            };
        Ok(Indicator {
            region_code: region(&self.region_code, "region_code")?,
            code,
            name: required(&self.name, "name", "指标名称", 60)?,
            period: IndicatorPeriod::parse(&self.period)?,
            aggregation: default_or(&self.aggregation, Aggregation::Sum, Aggregation::parse)?,
            higher_is_better: better(&self.higher_is_better)?,
            unit,
            target,
            note: text(&self.note, "note", "备注", 1000)?,
        })
    }
}

/// A town's value of an indicator for a period, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct IndicatorValueInput {
    pub indicator_id: i64,
    pub town_code: String,
    pub period: String,
    pub value: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorValue {
    pub indicator_id: i64,
    pub town_code: RegionCode,
    pub period: String,
    pub value: Quantity,
    pub note: String,
}

impl IndicatorValueInput {
    /// `period` and `unit` are the indicator's: the period text must be of
    /// its kind, and the value may carry its unit ("120户").
    pub fn validate(
        &self,
        period: IndicatorPeriod,
        unit: &str,
    ) -> Result<IndicatorValue, ValidationError> {
        if self.indicator_id <= 0 {
            return Err(ValidationError::new("indicator_id", "请选择指标"));
        }
        Ok(IndicatorValue {
            indicator_id: self.indicator_id,
            town_code: town(&self.town_code)?,
            period: period.parse_value(&self.period)?,
            value: Quantity::parse_with_unit(&self.value, unit)?,
            note: text(&self.note, "note", "备注", 1000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_parse_labels() {
        for r in ExpertRole::ALL {
            assert_eq!(ExpertRole::from_id(r.id()), Some(*r));
            assert_eq!(ExpertRole::parse(r.label()), Ok(*r));
            assert_eq!(ExpertRole::parse(&r.id().to_uppercase()), Ok(*r));
        }
        assert_eq!(
            ServiceType::parse(" 现场 指导 "),
            Ok(ServiceType::OnsiteGuidance)
        );
        assert_eq!(
            ServiceType::parse("ｐｌａｎ_ｒｅｖｉｅｗ"),
            Ok(ServiceType::PlanReview)
        );
        assert_eq!(MediaLevel::parse("省级"), Ok(MediaLevel::Provincial));
        assert_eq!(MediaLevel::parse("new_media"), Ok(MediaLevel::NewMedia));
        assert_eq!(Medium::parse("微信公众号"), Ok(Medium::Online));
        assert_eq!(MeetingKind::parse("现场会"), Ok(MeetingKind::OnSite));
        assert_eq!(MeetingLevel::parse("乡镇"), Ok(MeetingLevel::Town));
        assert_eq!(IndicatorPeriod::parse("季度"), Ok(IndicatorPeriod::Quarter));
        assert_eq!(Aggregation::parse("平均"), Ok(Aggregation::Avg));
        assert_eq!(PairingKind::parse("双师"), Ok(PairingKind::DualDesigner));
        let e = MediaLevel::parse("区级").expect_err("unknown");
        assert_eq!(e.field, "level");
        assert!(e.message.contains("“区级”") && e.message.contains("中央、省级"));
        assert!(ServiceType::parse("")
            .expect_err("blank")
            .message
            .contains("请选择服务类型"));
        assert_eq!(
            serde_json::to_string(&MediaLevel::NewMedia).expect("json"),
            "\"new_media\""
        );
    }

    #[test]
    fn ledger_kinds_have_the_contract_ids() {
        let ids: Vec<&str> = LedgerKind::ALL.iter().map(|k| k.id()).collect();
        assert_eq!(
            ids,
            [
                "experts",
                "expert-services",
                "media-reports",
                "meetings",
                "work-teams",
                "indicator-values"
            ]
        );
        assert_eq!(LedgerKind::parse("宣传报道"), Ok(LedgerKind::MediaReports));
        assert_eq!(LedgerKind::WorkTeamMembers.label(), "工作专班");
    }

    #[test]
    fn aliases_do_not_overlap_within_an_enum() {
        fn check<T: Copy + PartialEq + fmt::Debug>(
            all: &[T],
            id: fn(T) -> &'static str,
            label: fn(T) -> &'static str,
            aliases: fn(T) -> &'static [&'static str],
        ) {
            let mut seen: Vec<String> = Vec::new();
            for v in all {
                for w in std::iter::once(id(*v))
                    .chain(std::iter::once(label(*v)))
                    .chain(aliases(*v).iter().copied())
                {
                    assert!(!seen.contains(&w.to_owned()), "{w} twice in {v:?}");
                    seen.push(w.to_owned());
                }
            }
        }
        check(
            ExpertRole::ALL,
            ExpertRole::id,
            ExpertRole::label,
            ExpertRole::aliases,
        );
        check(
            PairingKind::ALL,
            PairingKind::id,
            PairingKind::label,
            PairingKind::aliases,
        );
        check(
            ServiceType::ALL,
            ServiceType::id,
            ServiceType::label,
            ServiceType::aliases,
        );
        check(
            MediaLevel::ALL,
            MediaLevel::id,
            MediaLevel::label,
            MediaLevel::aliases,
        );
        check(Medium::ALL, Medium::id, Medium::label, Medium::aliases);
        check(
            MeetingKind::ALL,
            MeetingKind::id,
            MeetingKind::label,
            MeetingKind::aliases,
        );
        check(
            MeetingLevel::ALL,
            MeetingLevel::id,
            MeetingLevel::label,
            MeetingLevel::aliases,
        );
        check(
            IndicatorPeriod::ALL,
            IndicatorPeriod::id,
            IndicatorPeriod::label,
            IndicatorPeriod::aliases,
        );
        check(
            Aggregation::ALL,
            Aggregation::id,
            Aggregation::label,
            Aggregation::aliases,
        );
        check(
            LedgerKind::ALL,
            LedgerKind::id,
            LedgerKind::label,
            LedgerKind::aliases,
        );
    }

    #[test]
    fn quantities_parse_exactly_and_display_without_trailing_zeros() {
        let q = |s: &str| Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(q("1,234.5"), Quantity(1_234_500));
        assert_eq!(q("１２３"), Quantity(123_000));
        assert_eq!(q("１，２３４．５６７"), Quantity(1_234_567));
        assert_eq!(q(" 0.001 "), Quantity(1));
        assert_eq!(q(".5"), Quantity(500));
        assert_eq!(q("-2.25"), Quantity(-2_250));
        assert_eq!(q("+3"), Quantity(3_000));
        assert_eq!(Quantity(1_234_500).to_string(), "1234.5");
        assert_eq!(Quantity(123_000).to_string(), "123");
        assert_eq!(Quantity(1).to_string(), "0.001");
        assert_eq!(Quantity(-2_250).to_string(), "-2.25");
        assert_eq!(Quantity(-5).to_string(), "-0.005");
        assert_eq!(Quantity::ZERO.to_string(), "0");
        for bad in ["", "abc", "1.2.3", "1e3", "--1", "."] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
        assert!(Quantity::parse("1.2345")
            .expect_err("4 decimals")
            .message
            .contains("三位"));
        assert!(Quantity::parse("99999999999999999999").is_err());
        assert_eq!(
            Quantity::parse_with_unit("120户", "户"),
            Ok(Quantity(120_000))
        );
        assert_eq!(
            Quantity::parse_with_unit("85.5%", "%"),
            Ok(Quantity(85_500))
        );
        assert!(Quantity::parse_with_unit("120个", "户").is_err());
        assert_eq!(
            Quantity::checked_sum([Quantity(1), Quantity(2_000)]),
            Some(Quantity(2_001))
        );
        assert_eq!(
            Quantity::checked_sum([Quantity(i64::MAX), Quantity(1)]),
            None
        );
    }

    #[test]
    fn dates_in_the_offices_spellings() {
        for s in [
            "2020-03-05",
            "2020.3.5",
            "2020年3月5日",
            "２０２０／３／５",
            "20200305",
        ] {
            assert_eq!(
                parse_ledger_date(s, "d", "日期", false),
                Ok("2020-03-05".into()),
                "{s}"
            );
        }
        assert!(parse_ledger_date("2020.3", "d", "日期", false)
            .expect_err("month only")
            .message
            .contains("缺少日"));
        assert_eq!(
            parse_ledger_date("2020年3月", "d", "日期", true),
            Ok("2020-03-01".into())
        );
        let e = parse_ledger_date("2020.2.30", "served_on", "服务日期", false).expect_err("no day");
        assert_eq!(e.field, "served_on");
        assert!(e.message.starts_with("服务日期"));
        assert!(parse_ledger_date(" ", "d", "日期", false)
            .expect_err("blank")
            .message
            .contains("请填写日期"));
    }

    fn expert() -> ExpertInput {
        ExpertInput {
            region_code: "331024".into(),
            name: " 吴建国 ".into(),
            role: "首席设计师".into(),
            organisation: "浙江省城乡规划设计研究院".into(),
            phone: "１３９００００００００".into(),
            ..ExpertInput::default()
        }
    }

    #[test]
    fn experts_validate() {
        let e = expert().validate().expect("valid");
        assert_eq!(e.name, "吴建国");
        assert_eq!(e.role, ExpertRole::ChiefDesigner);
        assert_eq!(e.phone, "13900000000");
        let blank_role = ExpertInput {
            role: String::new(),
            ..expert()
        };
        assert_eq!(
            blank_role.validate().expect("default role").role,
            ExpertRole::TeamMember
        );
        let e = ExpertInput {
            name: "  ".into(),
            ..expert()
        }
        .validate()
        .expect_err("no name");
        assert_eq!((e.field, e.message.as_str()), ("name", "请填写专家姓名"));
        let e = ExpertInput {
            name: "张".repeat(41),
            ..expert()
        }
        .validate()
        .expect_err("long name");
        assert!(e.message.contains("40"));
        let e = ExpertInput {
            region_code: "33102".into(),
            ..expert()
        }
        .validate()
        .expect_err("bad region");
        assert_eq!(e.field, "region_code");
    }

    #[test]
    fn services_check_opinions_and_town_level() {
        let input = ExpertServiceInput {
            town_code: "331024103".into(),
            expert_id: 7,
            served_on: "2020年6月18日".into(),
            service_type: "方案审查".into(),
            project_id: Some(0),
            content: "审查镇区立面改造方案".into(),
            opinions_given: "５".into(),
            opinions_adopted: "4".into(),
        };
        let s = input.validate().expect("valid");
        assert_eq!(s.served_on, "2020-06-18");
        assert_eq!((s.opinions_given, s.opinions_adopted), (5, 4));
        assert_eq!(s.project_id, None);
        let e = ExpertServiceInput {
            opinions_adopted: "6".into(),
            ..input.clone()
        }
        .validate()
        .expect_err("adopted > given");
        assert_eq!(e.field, "opinions_adopted");
        assert!(e.message.contains("多于"));
        let e = ExpertServiceInput {
            opinions_given: "-1".into(),
            ..input.clone()
        }
        .validate()
        .expect_err("negative");
        assert!(e.message.contains("非负整数"));
        let e = ExpertServiceInput {
            town_code: "331024".into(),
            ..input.clone()
        }
        .validate()
        .expect_err("county");
        assert!(e.message.contains("乡镇"));
        let e = ExpertServiceInput {
            expert_id: 0,
            ..input
        }
        .validate()
        .expect_err("no expert");
        assert_eq!(e.field, "expert_id");
    }

    #[test]
    fn media_reports_check_links() {
        let input = MediaReportInput {
            region_code: "3310".into(),
            published_on: "2020.10.8".into(),
            title: "台州小城镇蝶变".into(),
            outlet: "浙江日报".into(),
            level: "省级".into(),
            medium: "报刊".into(),
            link: "https://zjrb.zjol.com.cn/x".into(),
            note: String::new(),
        };
        let r = input.validate().expect("valid");
        assert_eq!((r.level, r.medium), (MediaLevel::Provincial, Medium::Print));
        assert_eq!(r.published_on, "2020-10-08");
        for bad in [
            "ftp://x",
            "zjol.com.cn",
            "http://",
            "https:// x",
            "javascript:alert(1)",
        ] {
            let e = MediaReportInput {
                link: bad.into(),
                ..input.clone()
            }
            .validate()
            .expect_err(bad);
            assert_eq!(e.field, "link", "{bad}");
        }
        let e = MediaReportInput {
            title: String::new(),
            ..input
        }
        .validate()
        .expect_err("no title");
        assert_eq!(e.message, "请填写报道标题");
    }

    #[test]
    fn meetings_and_work_teams_check_date_order() {
        let m = MeetingInput {
            region_code: "331024".into(),
            held_on: "2020-05-20".into(),
            ends_on: "2020-05-21".into(),
            kind: "推进会".into(),
            title: "全县美丽城镇建设推进会".into(),
            ..MeetingInput::default()
        };
        let v = m.validate().expect("valid");
        assert_eq!(v.level, MeetingLevel::County, "level from the region");
        let e = MeetingInput {
            ends_on: "2020-05-19".into(),
            ..m
        }
        .validate()
        .expect_err("ends before");
        assert_eq!(e.field, "ends_on");

        let w = WorkTeamMemberInput {
            region_code: "3310".into(),
            name: "李明".into(),
            starts_on: "2020.3".into(),
            ends_on: "2020年12月".into(),
            ..WorkTeamMemberInput::default()
        };
        let v = w.validate().expect("valid");
        assert_eq!(
            (v.starts_on.as_str(), v.ends_on.as_deref()),
            ("2020-03-01", Some("2020-12-01"))
        );
        let e = WorkTeamMemberInput {
            ends_on: "2019.12".into(),
            ..w
        }
        .validate()
        .expect_err("ends before");
        assert!(e.message.contains("早于"));
    }

    #[test]
    fn periods_of_each_kind() {
        use IndicatorPeriod::*;
        let ok =
            |p: IndicatorPeriod, s: &str| p.parse_value(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok(Year, "2020"), "2020");
        assert_eq!(ok(Year, "２０２０年"), "2020");
        assert_eq!(ok(Year, "2020年度"), "2020");
        assert_eq!(ok(Half, "2020H1"), "2020H1");
        assert_eq!(ok(Half, "2020年下半年"), "2020H2");
        assert_eq!(ok(Quarter, "2020Q3"), "2020Q3");
        assert_eq!(ok(Quarter, "2020年第三季度"), "2020Q3");
        assert_eq!(ok(Quarter, "2020年1季度"), "2020Q1");
        assert_eq!(ok(Month, "2020-06"), "2020-06");
        assert_eq!(ok(Month, "2020.6"), "2020-06");
        assert_eq!(ok(Month, "2020年6月"), "2020-06");
        assert_eq!(ok(Month, "2020年12月份"), "2020-12");
        for (p, bad) in [
            (Year, "2020H1"),
            (Half, "2020"),
            (Quarter, "2020Q5"),
            (Month, "2020-13"),
            (Month, "2020"),
            (Year, "20"),
            (Year, ""),
        ] {
            let e = p.parse_value(bad).expect_err(bad);
            assert_eq!(e.field, "period");
        }
        assert_eq!(period_year("2020Q3"), Some(2020));
        assert_eq!(period_year("x"), None);
    }

    #[test]
    fn indicators_and_values() {
        let i = IndicatorInput {
            region_code: "3310".into(),
            code: "meili_tingyuan".into(),
            name: "美丽庭院".into(),
            unit: "户".into(),
            period: "年度".into(),
            target: "1,200户".into(),
            ..IndicatorInput::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(i.aggregation, Aggregation::Sum);
        assert!(i.higher_is_better);
        assert_eq!(i.target, Some(Quantity(1_200_000)));
        let lower = IndicatorInput {
            region_code: "3310".into(),
            code: "xinfang".into(),
            name: "信访件数".into(),
            period: "year".into(),
            higher_is_better: "越低越好".into(),
            ..IndicatorInput::default()
        }
        .validate()
        .expect("valid");
        assert!(!lower.higher_is_better);
        let e = IndicatorInput {
            code: "a b".into(),
            ..IndicatorInput::default()
        }
        .validate()
        .expect_err("space");
        assert_eq!(e.field, "code");

        let v = IndicatorValueInput {
            indicator_id: 3,
            town_code: "331024103".into(),
            period: "2020年".into(),
            value: "１２０户".into(),
            note: String::new(),
        };
        let ok = v.validate(IndicatorPeriod::Year, "户").expect("valid");
        assert_eq!((ok.period.as_str(), ok.value), ("2020", Quantity(120_000)));
        assert!(v.validate(IndicatorPeriod::Quarter, "户").is_err());
        let e = IndicatorValueInput {
            town_code: "331024".into(),
            ..v
        }
        .validate(IndicatorPeriod::Year, "户")
        .expect_err("county");
        assert_eq!(e.field, "town_code");
    }
}
