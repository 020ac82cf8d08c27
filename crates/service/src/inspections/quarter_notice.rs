//! 季度动态考核通报: the notice an office circulates after publishing a
//! quarter's assessment — title and number, what was assessed and how (the
//! four parts, their weights, the renormalisation when a part is missing),
//! the county and town rankings by 综合得分 with every part, the best and
//! the last (末位), the quarter's overdue rectifications by town, the
//! requirements and deadlines — as a view (page and API), a Word document
//! and an Excel workbook with the same figures.
//!
//! Every figure comes from the frozen publication ([`AssessmentView`]),
//! except the overdue rectifications, which are counted on the day the
//! notice is made (and say so). The office may rewrite the title, the number
//! and the opening and closing paragraphs (`assessments.notice_*`, saved by
//! [`Services::update_assessment_notice`]); a text left empty stays
//! generated.
//!
//! Only the office that organised the assessment (and offices above) may
//! build the notice, once the quarter is published: the owner asking before
//! publication gets a conflict; whoever may not see the assessment, "not
//! found" as [`Services::assessment`] answers; others who see it, 403.

use super::{
    date_zh, issuing_office, names, notice_file_name, today, AssessmentCountyLine,
    AssessmentTownLine, AssessmentView, FindingFilter, FindingView, NoticeProblem, NoticeText,
    NoticeTownProblems, ENDS,
};
use crate::auth::require_password_changed;
use crate::{Actor, Result, ServiceError, Services};
use chrono::{Days, NaiveDate};
use meizhen_documents::notice::{
    notice_docx_with, notice_xlsx_with, CountyScoreLine, NoticeColumn, NoticeColumns, NoticeDoc,
    NoticeLayout, NoticeWording, ProblemLine, TownProblems,
};
use meizhen_domain::inspection::{average, Points, Quarter, RectState, Severity, Weights};
use meizhen_domain::{Level, RegionCode, Role};
use meizhen_storage::repo::inspections as repo;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Days after publication for the 末位 towns' 整改报告.
pub const QUARTER_REPORT_DAYS: u64 = 15;
/// Overdue problems listed in the notice (all are counted).
pub const QUARTER_NOTICE_PROBLEMS: usize = 200;

/// The figures the generated texts are made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuarterNoticeFigures {
    /// Counties and towns in the assessment.
    pub counties: u32,
    pub towns: u32,
    /// Towns with a 综合得分 (at least one part).
    pub scored: u32,
    /// Towns inspected in the quarter (with the inspection part).
    pub inspected: u32,
    /// Average 综合得分 of the scored towns ("85.20"; "—" without any).
    pub average: String,
    /// Highest and lowest 综合得分 ("—" without any).
    pub highest: String,
    pub lowest: String,
    /// Towns with a 按时报送率 under 100.
    pub late_reporters: u32,
    /// The quarter's findings past their deadline and not closed, on
    /// [`overdue_on`](Self::overdue_on), and the towns concerned.
    pub overdue: u32,
    pub overdue_towns: u32,
    /// "2020年11月2日".
    pub overdue_on: String,
}

/// One line of the county table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterCountyLine {
    /// "1"; "—" without a total.
    pub rank: String,
    pub code: String,
    pub name: String,
    pub towns: u32,
    /// Average 综合得分 of its towns, two decimals ("—" without any).
    pub average: String,
    /// "↑2", "↓1", "持平", "新进"; "—" without a previous publication.
    pub change: String,
}

/// One line of the town table; parts on the 0–100 scale, "—" when missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterTownLine {
    pub rank: String,
    pub code: String,
    pub county: String,
    pub town: String,
    /// 综合得分.
    pub total: String,
    /// 暗访得分.
    pub inspection: String,
    /// 开工率.
    pub start_rate: String,
    /// 投资完成率.
    pub investment_rate: String,
    /// 按时报送率.
    pub reporting: String,
    pub county_rank: String,
    pub change: String,
}

/// A quarter's notice, as the page, the API and the documents show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterNoticeView {
    pub owner_code: String,
    pub owner_name: String,
    /// "2020Q3".
    pub quarter: String,
    /// "2020年第三季度".
    pub quarter_label: String,
    /// The texts as the office saved them (empty: generated).
    pub saved: NoticeText,
    /// The texts in force: saved, else generated.
    pub title: String,
    pub number: String,
    /// Paragraphs separated by line breaks.
    pub opening: String,
    pub closing: String,
    /// The generated texts (what an empty field falls back to).
    pub default_title: String,
    pub default_opening: String,
    pub default_closing: String,
    /// The four parts, the weights and the renormalisation, generated.
    pub method: String,
    pub weights: Weights,
    /// "暗访得分占60%、开工率占15%、投资完成率占15%、按时报送率占10%".
    pub weights_text: String,
    pub figures: QuarterNoticeFigures,
    pub chart_title: String,
    pub counties: Vec<QuarterCountyLine>,
    pub towns: Vec<QuarterTownLine>,
    /// 先进 and 末位 towns, "仙居县白塔镇" …
    pub best: Vec<String>,
    pub last: Vec<String>,
    /// The quarter's overdue rectifications by town (at most
    /// [`QUARTER_NOTICE_PROBLEMS`] problems; no photos).
    pub problems: Vec<NoticeTownProblems>,
    /// 整改要求, generated.
    pub requirements: Vec<String>,
    /// "台州市美丽城镇建设工作领导小组办公室".
    pub issuer: String,
    /// The publication day, "2020年10月15日".
    pub date_zh: String,
    /// The day the 末位 towns report by, "2020年10月30日".
    pub report_due_zh: String,
    /// May edit the texts (the owner office).
    pub can_edit: bool,
}

// ---------------------------------------------------------------------------
// Pure helpers

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn opt_points(p: Option<Points>) -> String {
    p.map(Points::fixed2).unwrap_or_else(|| "—".into())
}

fn opt_rank(r: Option<u32>) -> String {
    r.map(|n| n.to_string()).unwrap_or_else(|| "—".into())
}

fn paragraphs(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn day_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// "2020年9月3日 10:20" (Asia/Shanghai).
fn moment_zh(ms: i64) -> String {
    meizhen_domain::time::to_shanghai(ms)
        .map(|t| t.format("%Y年%-m月%-d日 %H:%M").to_string())
        .unwrap_or_default()
}

/// Up to `shown` names joined with "、", with "等N个…" when more.
fn names_list(names: &[String], shown: usize, unit: &str) -> String {
    if names.len() <= shown {
        names.join("、")
    } else {
        format!("{}等{}{unit}", names[..shown].join("、"), names.len())
    }
}

/// The parts with their weights, in the order of the assessment.
fn weighted_parts(w: &Weights) -> [(&'static str, u32); 4] {
    [
        ("暗访得分", w.inspection),
        ("开工率", w.start_rate),
        ("投资完成率", w.investment_rate),
        ("按时报送率", w.reporting),
    ]
}

/// "暗访得分占60%、开工率占15%、投资完成率占15%、按时报送率占10%"; parts
/// weighted 0 are named as not counted.
pub fn weights_words(w: &Weights) -> String {
    let parts = weighted_parts(w);
    let counted: Vec<String> = parts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name}占{n}%"))
        .collect();
    let zero: Vec<&str> = parts
        .iter()
        .filter(|(_, n)| *n == 0)
        .map(|(name, _)| *name)
        .collect();
    let mut s = counted.join("、");
    if !zero.is_empty() {
        s.push_str(&format!("（{}本季度不计权重）", zero.join("、")));
    }
    s
}

/// 先进 and 末位 of ranks in table order, as `ranking::ends` decides them
/// for a round: `k` = min([`ENDS`], n / 2) places at each end, ties at the
/// boundary taken in, the two never meeting; all tied, neither.
fn ends(ranks: &[u32]) -> (Vec<usize>, Vec<usize>) {
    let n = ranks.len();
    let k = ENDS.min(n / 2);
    if k == 0 {
        return (Vec::new(), Vec::new());
    }
    let best_until = count(k);
    let best: Vec<usize> = (0..n).filter(|&i| ranks[i] <= best_until).collect();
    let top_rank = best.iter().map(|&i| ranks[i]).max().unwrap_or(0);
    let boundary = ranks[n - k];
    let last: Vec<usize> = (0..n)
        .filter(|&i| ranks[i] >= boundary && ranks[i] > top_rank)
        .collect();
    (best, last)
}

fn full_name(t: &AssessmentTownLine) -> String {
    format!("{}{}", t.county_name, t.town_name)
}

/// "全省" / "全市".
fn area_word(owner: &str) -> &'static str {
    match RegionCode::parse(owner).map(|c| c.level()) {
        Ok(Level::Province) => "全省",
        _ => "全市",
    }
}

// ---------------------------------------------------------------------------
// Composition (pure)

/// What the notice is made of, read by [`Services::assessment_notice`].
struct Inputs<'a> {
    view: &'a AssessmentView,
    /// The publication day (Asia/Shanghai).
    published: NaiveDate,
    /// The overdue findings of the quarter, by town code order, with the
    /// county name of each town.
    overdue: &'a [(FindingView, String)],
    today: NaiveDate,
}

fn figures_of(i: &Inputs<'_>) -> QuarterNoticeFigures {
    let v = i.view;
    let totals: Vec<Points> = v.towns.iter().filter_map(|t| t.total).collect();
    let overdue_towns: BTreeSet<&str> = i
        .overdue
        .iter()
        .map(|(f, _)| f.row.town_code.as_str())
        .collect();
    QuarterNoticeFigures {
        counties: count(v.counties.len()),
        towns: count(v.towns.len()),
        scored: count(totals.len()),
        inspected: count(
            v.towns
                .iter()
                .filter(|t| t.parts.inspection.is_some())
                .count(),
        ),
        average: opt_points(average(&totals)),
        highest: opt_points(totals.iter().copied().max()),
        lowest: opt_points(totals.iter().copied().min()),
        late_reporters: count(
            v.towns
                .iter()
                .filter(|t| {
                    t.parts
                        .reporting
                        .is_some_and(|p| p < Points::from_whole(100))
                })
                .count(),
        ),
        overdue: count(i.overdue.len()),
        overdue_towns: count(overdue_towns.len()),
        overdue_on: day_zh(i.today),
    }
}

fn opening_text(i: &Inputs<'_>, f: &QuarterNoticeFigures, issuer: &str) -> String {
    let v = i.view;
    let area = area_word(&v.owner_code);
    let mut s = format!(
        "根据美丽城镇建设动态考核工作安排，{issuer}对{area}{}个县（市、区）的{}个乡镇（街道）开展了{}动态考核。\
         考核综合暗访督查、项目推进和月报报送情况，其中{}。",
        f.counties,
        f.towns,
        v.quarter_label,
        weights_words(&v.weights)
    );
    let scored: Vec<&AssessmentTownLine> = v.towns.iter().filter(|t| t.total.is_some()).collect();
    let top: Vec<String> = scored
        .iter()
        .filter(|t| t.rank == Some(1))
        .map(|t| full_name(t))
        .collect();
    let bottom_rank = scored.iter().filter_map(|t| t.rank).max();
    let bottom: Vec<String> = scored
        .iter()
        .filter(|t| t.rank == bottom_rank)
        .map(|t| full_name(t))
        .collect();
    match scored.len() {
        0 => s.push_str("本季度各乡镇（街道）均无可计算的考核得分。"),
        1 => s.push_str(&format!(
            "{area}乡镇（街道）综合得分为{}分（{}）。",
            f.average,
            top.join("、")
        )),
        _ if f.highest == f.lowest => {
            s.push_str(&format!("{area}乡镇（街道）综合得分均为{}分。", f.average))
        }
        _ => s.push_str(&format!(
            "{area}乡镇（街道）平均综合得分{}分，{}综合得分最高（{}分），{}综合得分最低（{}分）。",
            f.average,
            names_list(&top, 5, "个乡镇（街道）"),
            f.highest,
            names_list(&bottom, 5, "个乡镇（街道）"),
            f.lowest
        )),
    }
    s.push_str("现将有关情况通报如下：");
    s
}

fn method_text(i: &Inputs<'_>, f: &QuarterNoticeFigures) -> String {
    let v = i.view;
    let last_month = v.quarter.last_month();
    let mut s = format!(
        "动态考核按季度进行，每个乡镇（街道）考核四项，均折算为百分制：\
         （一）暗访得分，取本季度已发布各轮暗访中该乡镇（街道）得分按检查标准基础分折算为百分制后的平均值；\
         （二）开工率，为截至{}年{last_month}月已开工项目数占应开工项目数的比例（尚无应开工项目的，按全部项目计算）；\
         （三）投资完成率，为本年度已完成投资占年度计划投资的比例，最高按100计；\
         （四）按时报送率，为本季度应报项目月报中按期报送的比例。\
         综合得分按{}加权计算；某项无数据的（如本季度未被暗访、无应报月报），按其余各项的权重重新折算，不按零分计。",
        v.quarter.year,
        weights_words(&v.weights)
    );
    let not_inspected = f.towns.saturating_sub(f.inspected);
    if not_inspected > 0 && v.weights.inspection > 0 {
        s.push_str(&format!(
            "本季度{}个乡镇（街道）接受暗访，其余{not_inspected}个乡镇（街道）的综合得分按其余各项计算。",
            f.inspected
        ));
    }
    s.push_str("县（市、区）得分为所辖乡镇（街道）综合得分的平均值。");
    if v.previous_published {
        s.push_str(&format!(
            "名次变化与{}考核结果相比。",
            v.previous_quarter_label
        ));
    } else {
        s.push_str(&format!(
            "{}未发布考核结果，本季度不计名次变化。",
            v.previous_quarter_label
        ));
    }
    s
}

fn closing_text() -> String {
    "各地要对照考核结果，坚持问题导向，补齐项目推进、月报报送和环境整治中的短板，以考促建、比学赶超，推动美丽城镇建设取得新成效。\n特此通报。"
        .into()
}

fn requirements_text(
    i: &Inputs<'_>,
    f: &QuarterNoticeFigures,
    counties: &[QuarterCountyLine],
    last: &[String],
    issuer: &str,
    report_due: &str,
) -> Vec<String> {
    let v = i.view;
    let area = area_word(&v.owner_code);
    let mut out = Vec::new();
    if !last.is_empty() {
        out.push(format!(
            "{}要深入剖析排名末位的原因，制定整改措施，于{report_due}前将整改报告报送{issuer}，所在县（市、区）美镇办要加强督促指导。",
            last.join("、")
        ));
    }
    let overall = average(&v.towns.iter().filter_map(|t| t.total).collect::<Vec<_>>());
    let below: Vec<String> = v
        .counties
        .iter()
        .zip(counties)
        .filter(|(c, _)| matches!((c.total, overall), (Some(t), Some(o)) if t < o))
        .map(|(_, line)| line.name.clone())
        .collect();
    if !below.is_empty() {
        out.push(format!(
            "平均综合得分低于{area}平均水平（{}分）的{}要对照各项得分查找短板，加快项目开工和投资进度，提升暗访整改质量。",
            f.average,
            names_list(&below, 10, "个县（市、区）")
        ));
    }
    if f.late_reporters > 0 {
        out.push(format!(
            "本季度有{}个乡镇（街道）存在项目月报逾期报送或未报送的情况，请于每月规定日期前按时报送月报。",
            f.late_reporters
        ));
    }
    if f.overdue > 0 {
        out.push(format!(
            "截至{}，本季度暗访发现的问题中仍有{}个逾期未整改（涉及{}个乡镇（街道）），请有关乡镇（街道）立即整改到位，并书面说明逾期原因。",
            f.overdue_on, f.overdue, f.overdue_towns
        ));
    } else {
        out.push(format!(
            "截至{}，本季度暗访发现的问题无逾期未整改情况，请各地继续巩固整改成果，防止问题反弹。",
            f.overdue_on
        ));
    }
    out
}

/// The overdue problems per town (code order), at most
/// [`QUARTER_NOTICE_PROBLEMS`] in all.
fn problems_of(i: &Inputs<'_>) -> Vec<NoticeTownProblems> {
    let mut out: Vec<NoticeTownProblems> = Vec::new();
    for (v, county) in i.overdue.iter().take(QUARTER_NOTICE_PROBLEMS) {
        let r = &v.row;
        let state = r
            .rect_state
            .as_deref()
            .and_then(RectState::from_id)
            .map(|s| s.label().to_owned())
            .unwrap_or_default();
        let item = NoticeProblem {
            finding_id: r.id,
            area: r.area_name.clone(),
            item: r.item_name.clone(),
            severity: Severity::parse(&r.severity)
                .unwrap_or_default()
                .label()
                .to_owned(),
            place: r.place.clone(),
            found_at: moment_zh(r.found_at),
            deduction: Points(r.deduction).to_string(),
            deadline: r.deadline.as_deref().map(date_zh).unwrap_or_default(),
            state,
            overdue: true,
            note: r.note.clone(),
            before: Vec::new(),
            after: Vec::new(),
        };
        match out.last_mut() {
            Some(t) if t.town_code == r.town_code => t.items.push(item),
            _ => out.push(NoticeTownProblems {
                town_code: r.town_code.clone(),
                town: v.town_name.clone(),
                county: county.clone(),
                items: vec![item],
            }),
        }
    }
    out
}

fn compose(i: &Inputs<'_>) -> QuarterNoticeView {
    let v = i.view;
    let f = figures_of(i);
    let issuer = issuing_office(&v.owner_code, &v.owner_name);
    let dash_change = |label: &str| {
        if v.previous_published && !label.is_empty() {
            label.to_owned()
        } else {
            "—".to_owned()
        }
    };
    let counties: Vec<QuarterCountyLine> = v
        .counties
        .iter()
        .map(|c: &AssessmentCountyLine| QuarterCountyLine {
            rank: opt_rank(c.rank),
            code: c.county_code.clone(),
            name: c.county_name.clone(),
            towns: c.towns,
            average: opt_points(c.total),
            change: dash_change(&c.change_label),
        })
        .collect();
    let towns: Vec<QuarterTownLine> = v
        .towns
        .iter()
        .map(|t| QuarterTownLine {
            rank: opt_rank(t.rank),
            code: t.town_code.clone(),
            county: t.county_name.clone(),
            town: t.town_name.clone(),
            total: opt_points(t.total),
            inspection: opt_points(t.parts.inspection),
            start_rate: opt_points(t.parts.start_rate),
            investment_rate: opt_points(t.parts.investment_rate),
            reporting: opt_points(t.parts.reporting),
            county_rank: opt_rank(t.county_rank),
            change: dash_change(&t.change_label),
        })
        .collect();
    // 先进 / 末位 among the ranked towns, in table order.
    let ranked: Vec<&AssessmentTownLine> = v.towns.iter().filter(|t| t.rank.is_some()).collect();
    let ranks: Vec<u32> = ranked.iter().filter_map(|t| t.rank).collect();
    let (best_at, last_at) = ends(&ranks);
    let best: Vec<String> = best_at.iter().map(|&k| full_name(ranked[k])).collect();
    let last: Vec<String> = last_at.iter().map(|&k| full_name(ranked[k])).collect();

    let report_due = day_zh(
        i.published
            .checked_add_days(Days::new(QUARTER_REPORT_DAYS))
            .unwrap_or(i.published),
    );
    let problems = problems_of(i);
    let requirements = requirements_text(i, &f, &counties, &last, &issuer, &report_due);
    let default_title = format!("关于{}美丽城镇建设动态考核情况的通报", v.quarter_label);
    let default_opening = opening_text(i, &f, &issuer);
    let default_closing = closing_text();
    let or_default = |saved: &str, default: &str| {
        if saved.trim().is_empty() {
            default.to_owned()
        } else {
            saved.to_owned()
        }
    };
    let saved = v.notice.clone();
    QuarterNoticeView {
        owner_code: v.owner_code.clone(),
        owner_name: v.owner_name.clone(),
        quarter: v.quarter.id(),
        quarter_label: v.quarter_label.clone(),
        title: or_default(&saved.title, &default_title),
        number: saved.number.trim().to_owned(),
        opening: or_default(&saved.opening, &default_opening),
        closing: or_default(&saved.closing, &default_closing),
        saved,
        default_title,
        default_opening,
        default_closing,
        method: method_text(i, &f),
        weights: v.weights,
        weights_text: weights_words(&v.weights),
        figures: f,
        chart_title: "各县（市、区）平均综合得分".into(),
        counties,
        towns,
        best,
        last,
        problems,
        requirements,
        issuer,
        date_zh: day_zh(i.published),
        report_due_zh: report_due,
        can_edit: v.can_edit_notice,
    }
}

/// Titles, columns and sentences of the quarterly notice's documents.
fn layout(v: &QuarterNoticeView) -> NoticeLayout {
    let column = |header: &str, width: u32, sheet_width: f64, integer: bool| {
        NoticeColumn::new(header, width, sheet_width, integer)
    };
    NoticeLayout {
        columns: NoticeColumns {
            county_title: "各县（市、区）综合得分排名".into(),
            county: vec![
                column("排名", 900, 8.0, true),
                column("县（市、区）", 2800, 16.0, false),
                column("考核乡镇数", 1700, 12.0, true),
                column("平均综合得分", 1900, 14.0, false),
                column("较上季度", 1545, 10.0, false),
            ],
            town_title: "各乡镇（街道）综合得分排名".into(),
            town: vec![
                column("排名", 650, 8.0, true),
                column("县（市、区）", 1300, 16.0, false),
                column("乡镇（街道）", 1700, 18.0, false),
                column("综合得分", 1000, 10.0, false),
                column("暗访得分", 1000, 10.0, false),
                column("开工率", 1000, 10.0, false),
                column("投资完成率", 1095, 12.0, false),
                column("按时报送", 1100, 10.0, false),
            ],
        },
        wording: NoticeWording {
            no_scores: "本季度暂无考核得分数据。".into(),
            best_lead: "对综合得分排名前列的".into(),
            best_tail: "予以通报表扬。".into(),
            no_best: "本季度无通报表扬的乡镇（街道）。".into(),
            last_lead: "对综合得分排名末位的".into(),
            last_tail: "予以通报批评，请所在县（市、区）督促其查找原因、限期整改。".into(),
            no_last: "本季度无通报批评的乡镇（街道）。".into(),
            problems_heading: "四、逾期未整改问题".into(),
            no_problems: "本季度暗访发现的问题均已按期整改或尚在整改期限内，无逾期未整改问题。"
                .into(),
            no_requirements: "本季度无需专项整改的事项。".into(),
            default_requirement:
                "请有关县（市、区）督促相关乡镇（街道）对逾期问题立即整改到位，并书面说明逾期原因。"
                    .into(),
            chart_series: "平均综合得分".into(),
            county_sheet: "县区考核".into(),
            town_sheet: "乡镇考核".into(),
            problems_sheet: "逾期问题".into(),
        },
        county_cells: v
            .counties
            .iter()
            .map(|c| {
                vec![
                    c.rank.clone(),
                    c.name.clone(),
                    c.towns.to_string(),
                    c.average.clone(),
                    c.change.clone(),
                ]
            })
            .collect(),
        town_cells: v
            .towns
            .iter()
            .map(|t| {
                vec![
                    t.rank.clone(),
                    t.county.clone(),
                    t.town.clone(),
                    t.total.clone(),
                    t.inspection.clone(),
                    t.start_rate.clone(),
                    t.investment_rate.clone(),
                    t.reporting.clone(),
                ]
            })
            .collect(),
    }
}

/// The documents' data (the tables' cells are the layout's; the county
/// lines carry the chart).
fn quarter_notice_doc(v: &QuarterNoticeView) -> NoticeDoc {
    NoticeDoc {
        title: v.title.clone(),
        doc_number: v.number.clone(),
        issuer: v.issuer.clone(),
        date_zh: v.date_zh.clone(),
        opening: paragraphs(&v.opening),
        method: v.method.clone(),
        county_table: v
            .counties
            .iter()
            .map(|c| CountyScoreLine {
                rank: c.rank.parse().unwrap_or(0),
                county: c.name.clone(),
                towns: c.towns,
                average: c.average.clone(),
                findings: 0,
                change: c.change.clone(),
            })
            .collect(),
        town_table: Vec::new(),
        best: v.best.clone(),
        last: v.last.clone(),
        problems: v
            .problems
            .iter()
            .map(|t| TownProblems {
                town: t.town.clone(),
                county: t.county.clone(),
                items: t
                    .items
                    .iter()
                    .map(|p| ProblemLine {
                        area: p.area.clone(),
                        item: p.item.clone(),
                        place: p.place.clone(),
                        found_at: p.found_at.clone(),
                        deduction: p.deduction.clone(),
                        deadline: p.deadline.clone(),
                        state: format!("{}（逾期）", p.state),
                        note: p.note.clone(),
                        before: Vec::new(),
                        after: Vec::new(),
                    })
                    .collect(),
            })
            .collect(),
        requirements: v.requirements.clone(),
        closing: paragraphs(&v.closing),
        chart_title: v.chart_title.clone(),
    }
}

fn doc_error(e: meizhen_documents::DocumentError) -> ServiceError {
    tracing::error!(error = %e, "quarterly notice document failed");
    ServiceError::invalid("notice", format!("通报生成失败：{e}"))
}

/// The office of the owner region or of a region above it.
fn owner_or_above(actor: &Actor, owner: &RegionCode) -> bool {
    (actor.role == Role::Admin || actor.role.is_office()) && owner.is_within(&actor.region)
}

impl Services {
    /// The notice of a published quarterly assessment of `owner_region`,
    /// for the office that organised it and offices above. Those who cannot
    /// see the assessment get 404 (as [`Services::assessment`]); others who
    /// can, 403; the owner asking before publication, 409.
    pub async fn assessment_notice(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
    ) -> Result<QuarterNoticeView> {
        require_password_changed(actor)?;
        let view = self.assessment(actor, owner_region, quarter, None).await?;
        let owner = RegionCode::parse(&view.owner_code)?;
        if !owner_or_above(actor, &owner) {
            return Err(ServiceError::forbidden(
                "季度考核通报由组织考核的美镇办生成",
            ));
        }
        let published_at = match (view.published, view.live, view.published_at) {
            (true, false, Some(at)) => at,
            _ => {
                return Err(ServiceError::Conflict(
                    "季度考核结果发布后才能生成通报".into(),
                ))
            }
        };
        let published = meizhen_domain::time::to_shanghai(published_at)
            .map(|t| t.date_naive())
            .unwrap_or_else(today);
        let today = today();
        let overdue = self
            .quarter_overdue(actor, &view, &today.format("%Y-%m-%d").to_string())
            .await?;
        Ok(compose(&Inputs {
            view: &view,
            published,
            overdue: &overdue,
            today,
        }))
    }

    /// The notice as a Word document: (file name, bytes).
    pub async fn assessment_notice_docx(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
    ) -> Result<(String, Vec<u8>)> {
        let view = self.assessment_notice(actor, owner_region, quarter).await?;
        let bytes =
            notice_docx_with(&quarter_notice_doc(&view), &layout(&view)).map_err(doc_error)?;
        Ok((notice_file_name(&view.title, "docx"), bytes))
    }

    /// The notice's figures as an Excel workbook (county averages, every
    /// town's parts and 综合得分, the overdue problems): (file name, bytes).
    pub async fn assessment_notice_xlsx(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
    ) -> Result<(String, Vec<u8>)> {
        let view = self.assessment_notice(actor, owner_region, quarter).await?;
        let bytes =
            notice_xlsx_with(&quarter_notice_doc(&view), &layout(&view)).map_err(doc_error)?;
        Ok((notice_file_name(&view.title, "xlsx"), bytes))
    }

    /// The findings of the quarter's published rounds in the owner region
    /// that are past their deadline and not closed on `day`, by town, each
    /// with its county's name.
    async fn quarter_overdue(
        &self,
        actor: &Actor,
        view: &AssessmentView,
        day: &str,
    ) -> Result<Vec<(FindingView, String)>> {
        let (rounds, mut county_names) = {
            let mut tx = self.db().begin_read().await?;
            let rounds: BTreeSet<i64> = repo::published_in_quarter(
                &mut tx,
                &view.owner_code,
                view.quarter.year,
                i32::try_from(view.quarter.q).unwrap_or(1),
            )
            .await?
            .into_iter()
            .map(|i| i.round_id)
            .collect();
            let known: BTreeMap<String, String> = view
                .towns
                .iter()
                .map(|t| (t.county_code.clone(), t.county_name.clone()))
                .collect();
            (rounds, known)
        };
        let mut found = Vec::new();
        for round_id in rounds {
            found.extend(
                self.findings(
                    actor,
                    &FindingFilter {
                        round_id: Some(round_id),
                        region: Some(view.owner_code.clone()),
                        overdue_on: Some(day.to_owned()),
                        ..Default::default()
                    },
                )
                .await?,
            );
        }
        found.sort_by(|a, b| {
            (a.row.town_code.as_str(), a.row.found_at, a.row.id).cmp(&(
                b.row.town_code.as_str(),
                b.row.found_at,
                b.row.id,
            ))
        });
        let county_of = |town: &str| town.get(..6).unwrap_or(town).to_owned();
        let missing: Vec<String> = found
            .iter()
            .map(|f| county_of(&f.row.town_code))
            .filter(|c| !county_names.contains_key(c))
            .collect();
        if !missing.is_empty() {
            let mut tx = self.db().begin_read().await?;
            county_names.extend(names(&mut tx, missing).await?);
        }
        Ok(found
            .into_iter()
            .map(|f| {
                let county = county_names
                    .get(&county_of(&f.row.town_code))
                    .cloned()
                    .unwrap_or_default();
                (f, county)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_in_words() {
        assert_eq!(
            weights_words(&Weights::default()),
            "暗访得分占60%、开工率占15%、投资完成率占15%、按时报送率占10%"
        );
        let w = Weights {
            inspection: 100,
            start_rate: 0,
            investment_rate: 0,
            reporting: 0,
        };
        assert_eq!(
            weights_words(&w),
            "暗访得分占100%（开工率、投资完成率、按时报送率本季度不计权重）"
        );
    }

    #[test]
    fn ends_take_ties_and_never_meet() {
        assert_eq!(
            ends(&[1, 2, 2, 2, 5, 6, 6]),
            (vec![0, 1, 2, 3], vec![4, 5, 6])
        );
        assert_eq!(ends(&[1, 1, 3]), (vec![0, 1], vec![2]));
        assert_eq!(ends(&[1, 1]), (vec![0, 1], vec![]));
        assert_eq!(ends(&[1]), (vec![], vec![]));
        // Eight towns: three at each end.
        assert_eq!(
            ends(&[1, 2, 3, 4, 5, 6, 7, 8]),
            (vec![0, 1, 2], vec![5, 6, 7])
        );
    }

    fn town(
        code: &str,
        name: &str,
        county: &str,
        parts: [Option<i64>; 4],
        total: Option<i64>,
        rank: Option<u32>,
    ) -> AssessmentTownLine {
        AssessmentTownLine {
            town_code: code.into(),
            town_name: name.into(),
            county_code: code[..6].into(),
            county_name: county.into(),
            parts: meizhen_domain::inspection::Parts {
                inspection: parts[0].map(Points),
                start_rate: parts[1].map(Points),
                investment_rate: parts[2].map(Points),
                reporting: parts[3].map(Points),
            },
            total: total.map(Points),
            rank,
            county_rank: rank,
            change: None,
            change_label: String::new(),
        }
    }

    fn county(code: &str, name: &str, towns: u32, total: i64, rank: u32) -> AssessmentCountyLine {
        AssessmentCountyLine {
            county_code: code.into(),
            county_name: name.into(),
            towns,
            total: Some(Points(total)),
            rank: Some(rank),
            change: None,
            change_label: String::new(),
        }
    }

    fn view() -> AssessmentView {
        AssessmentView {
            owner_code: "3310".into(),
            owner_name: "台州市".into(),
            quarter: Quarter { year: 2020, q: 3 },
            quarter_label: "2020年第三季度".into(),
            weights: Weights::default(),
            published: true,
            published_at: Some(1_602_720_000_000),
            published_by: Some(1),
            live: false,
            previous_published: false,
            previous_quarter_label: "2020年第二季度".into(),
            notice: NoticeText::default(),
            can_publish: false,
            can_edit_notice: true,
            towns: vec![
                town(
                    "331024103",
                    "白塔镇",
                    "仙居县",
                    [Some(9500), Some(10000), Some(8000), Some(10000)],
                    Some(9400),
                    Some(1),
                ),
                town(
                    "331024101",
                    "横溪镇",
                    "仙居县",
                    [None, Some(9000), Some(7000), Some(10000)],
                    Some(8647),
                    Some(2),
                ),
                town(
                    "331083102",
                    "楚门镇",
                    "玉环市",
                    [Some(9000), Some(8000), Some(5000), Some(6667)],
                    Some(8217),
                    Some(3),
                ),
                town(
                    "331083103",
                    "干江镇",
                    "玉环市",
                    [Some(8000), Some(6000), Some(4000), None],
                    Some(7059),
                    Some(4),
                ),
                town(
                    "331083104",
                    "沙门镇",
                    "玉环市",
                    [None, None, None, None],
                    None,
                    None,
                ),
            ],
            counties: vec![
                county("331024", "仙居县", 2, 9024, 1),
                county("331083", "玉环市", 3, 7638, 2),
            ],
        }
    }

    fn overdue_finding(id: i64, town: &str, name: &str) -> FindingView {
        FindingView {
            row: repo::FindingRow {
                id,
                inspection_id: 1,
                round_id: 1,
                town_code: town.into(),
                client_id: format!("t-{id}"),
                area_code: "HJ".into(),
                area_name: "环境卫生".into(),
                item_code: "HJ02".into(),
                item_name: "垃圾暴露、乱堆乱放".into(),
                severity: "general".into(),
                deduction: 100,
                place: "人民路".into(),
                lat_e6: None,
                lon_e6: None,
                gps_flag: String::new(),
                found_at: 1_599_099_600_000,
                note: String::new(),
                created_by: None,
                created_at: 0,
                updated_at: 0,
                rect_state: Some("open".into()),
                deadline: Some("2020-10-10".into()),
                rect_note: String::new(),
                answered_at: None,
                answered_by: None,
                verified_at: None,
                verified_by: None,
                verify_note: String::new(),
            },
            town_name: name.into(),
            photos: Vec::new(),
            overdue: true,
        }
    }

    #[test]
    fn composed_from_the_published_figures() -> std::result::Result<(), Box<dyn std::error::Error>>
    {
        let v = view();
        let day = |m, d| NaiveDate::from_ymd_opt(2020, m, d).unwrap_or_default();
        let overdue = vec![
            (
                overdue_finding(1, "331083102", "楚门镇"),
                "玉环市".to_owned(),
            ),
            (
                overdue_finding(2, "331083102", "楚门镇"),
                "玉环市".to_owned(),
            ),
            (
                overdue_finding(3, "331083103", "干江镇"),
                "玉环市".to_owned(),
            ),
        ];
        let n = compose(&Inputs {
            view: &v,
            published: day(10, 15),
            overdue: &overdue,
            today: day(11, 2),
        });
        assert_eq!(n.title, "关于2020年第三季度美丽城镇建设动态考核情况的通报");
        assert_eq!(n.date_zh, "2020年10月15日");
        assert_eq!(n.report_due_zh, "2020年10月30日");
        assert!(
            n.opening.contains("对全市2个县（市、区）的5个乡镇（街道）"),
            "{}",
            n.opening
        );
        assert!(n.opening.contains("平均综合得分83.31分"), "{}", n.opening);
        assert!(n.opening.contains("仙居县白塔镇综合得分最高（94.00分）"));
        assert!(n.opening.contains("玉环市干江镇综合得分最低（70.59分）"));
        assert!(
            n.method.contains("本季度3个乡镇（街道）接受暗访，其余2个"),
            "{}",
            n.method
        );
        assert!(n.method.contains("2020年第二季度未发布考核结果"));
        // Four ranked towns: two at each end.
        assert_eq!(n.best, ["仙居县白塔镇", "仙居县横溪镇"]);
        assert_eq!(n.last, ["玉环市楚门镇", "玉环市干江镇"]);
        assert_eq!(n.towns[1].inspection, "—");
        assert_eq!(n.towns[4].rank, "—");
        assert_eq!(n.towns[4].total, "—");
        assert_eq!(n.counties[0].change, "—");
        // Overdue problems by town, counted in the requirements.
        assert_eq!(n.problems.len(), 2);
        assert_eq!(n.problems[0].items.len(), 2);
        assert_eq!(n.problems[1].town, "干江镇");
        assert_eq!(n.figures.overdue, 3);
        assert_eq!(n.figures.overdue_towns, 2);
        let all = n.requirements.join("\n");
        assert!(
            all.contains("于2020年10月30日前将整改报告报送台州市美丽城镇建设工作领导小组办公室")
        );
        assert!(all.contains("低于全市平均水平（83.31分）的玉环市"), "{all}");
        assert!(
            all.contains("本季度有1个乡镇（街道）存在项目月报逾期"),
            "{all}"
        );
        assert!(all.contains(
            "截至2020年11月2日，本季度暗访发现的问题中仍有3个逾期未整改（涉及2个乡镇（街道））"
        ));

        // Saved texts win; the documents carry every town and the labels.
        let mut saved = v.clone();
        saved.notice.opening = "改写的开头。\n第二段。".into();
        let n = compose(&Inputs {
            view: &saved,
            published: day(10, 15),
            overdue: &overdue,
            today: day(11, 2),
        });
        assert_eq!(n.opening, "改写的开头。\n第二段。");
        assert_ne!(n.default_opening, n.opening);
        let doc = quarter_notice_doc(&n);
        assert_eq!(doc.opening, ["改写的开头。", "第二段。"]);
        assert_eq!(doc.problems[0].items[0].state, "待整改（逾期）");
        let bytes = notice_docx_with(&doc, &layout(&n))?;
        assert!(bytes.starts_with(b"PK"));
        let layout = layout(&n);
        assert_eq!(layout.town_cells.len(), 5);
        assert_eq!(layout.town_cells[1][4], "—");
        assert!(layout.columns.town.iter().any(|c| c.header == "综合得分"));
        Ok(())
    }

    #[test]
    fn areas_and_days() {
        assert_eq!(area_word("33"), "全省");
        assert_eq!(area_word("3310"), "全市");
        let d = NaiveDate::from_ymd_opt(2020, 10, 15).unwrap_or_default();
        assert_eq!(day_zh(d), "2020年10月15日");
        assert_eq!(
            names_list(&["a".into(), "b".into(), "c".into()], 2, "个"),
            "a、b等3个"
        );
    }
}
