//! 暗访通报: the notice an office circulates after publishing a round — title
//! and document number, scope and method (三不两直), the county and town
//! rankings, the best and the last (末位), the problems of each town with
//! their photos (before, and after once rectified), deadlines and
//! requirements — as a view (page and API), a Word document and an Excel
//! workbook with the same figures.
//!
//! Every figure is computed from the round: the ranking of
//! [`round_ranking`](Services::round_ranking), the findings with their
//! rectification state. The office may rewrite the title, the number and the
//! opening and closing paragraphs (`rounds.notice_*`); a text left empty (or
//! saved unchanged) stays generated, so it follows later corrections.
//!
//! Only the office that owns the round (and offices above it) may build the
//! notice, once the round is published; the owner office edits its texts.

use super::{owns, text, today, FindingFilter, FindingView, NoticeText, RoundRow};
use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::photos::PhotoVariant;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use chrono::NaiveDate;
use meizhen_documents::notice::{
    notice_docx, notice_xlsx, CountyScoreLine, NoticeDoc, NoticePhoto, ProblemLine, TownProblems,
    TownScoreLine,
};
use meizhen_domain::inspection::{average, Catalogue, Points, RectState, Severity};
use meizhen_domain::Role;
use meizhen_storage::now_ms;
use meizhen_storage::repo::inspections as repo;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

use super::{RoundRanking, RoundView};

/// Photos of one problem in the notice (before and after together).
pub const NOTICE_PHOTOS_PER_PROBLEM: usize = 4;
/// Photos of the whole notice: a Word file stays a size mail accepts.
pub const NOTICE_PHOTOS_TOTAL: usize = 300;

/// Longest title, number and opening/closing texts.
const MAX_TITLE: usize = 100;
const MAX_NUMBER: usize = 40;
const MAX_PARAGRAPHS: usize = 4000;

/// What the method paragraph calls the inspection (三不两直).
const THREE_NO_TWO_DIRECT: &str = "“三不两直”（不定时间、不打招呼、不听汇报，直奔基层、直插现场）";

/// The figures the generated texts are made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NoticeFigures {
    /// Counties (市、区) and towns inspected.
    pub counties: u32,
    pub towns: u32,
    /// Problems found, and how many of each severity.
    pub findings: u32,
    pub serious: u32,
    pub general: u32,
    /// Average score of the inspected towns ("92.35"; "—" without towns).
    pub average: String,
    /// Rectification as of today.
    pub closed: u32,
    pub submitted: u32,
    pub overdue: u32,
    /// Towns with at least one problem.
    pub towns_with_findings: u32,
}

/// One line of the county table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeCountyLine {
    pub rank: u32,
    pub code: String,
    pub name: String,
    pub towns: u32,
    /// Average score, two decimals.
    pub average: String,
    pub findings: u32,
    /// "↑2", "↓1", "持平", "新进"; "—" when there is no previous round.
    pub change: String,
}

/// One line of the town table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeTownLine {
    pub rank: u32,
    pub code: String,
    pub county: String,
    pub town: String,
    /// Two decimals.
    pub score: String,
    pub findings: u32,
    pub deduction: String,
    pub county_rank: u32,
    pub change: String,
}

/// A photo shown with a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticePhotoRef {
    /// The finding photo's id (`/api/v1/finding-photos/{id}/display`).
    pub id: i64,
    pub caption: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    #[serde(skip)]
    sha256: String,
    #[serde(skip)]
    content_type: String,
}

/// One problem of a town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeProblem {
    pub finding_id: i64,
    pub area: String,
    pub item: String,
    /// "一般" / "严重".
    pub severity: String,
    pub place: String,
    /// "2020年9月3日 10:20".
    pub found_at: String,
    pub deduction: String,
    /// "2020年10月31日"; empty when none.
    pub deadline: String,
    /// "待整改", "待核查", "退回整改", "已销号".
    pub state: String,
    pub overdue: bool,
    pub note: String,
    /// Photos as found and after rectification (at most
    /// [`NOTICE_PHOTOS_PER_PROBLEM`] together).
    pub before: Vec<NoticePhotoRef>,
    pub after: Vec<NoticePhotoRef>,
}

/// The problems of one town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeTownProblems {
    pub town_code: String,
    pub town: String,
    pub county: String,
    pub items: Vec<NoticeProblem>,
}

/// A round's notice, as the page, the API and the documents show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeView {
    pub round_id: i64,
    pub round_name: String,
    pub quarter_label: String,
    pub owner_code: String,
    pub owner_name: String,
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
    /// Scope and method (三不两直, checklist, sample), generated.
    pub method: String,
    pub figures: NoticeFigures,
    pub chart_title: String,
    pub counties: Vec<NoticeCountyLine>,
    pub towns: Vec<NoticeTownLine>,
    /// "仙居县白塔镇" …
    pub best: Vec<String>,
    pub last: Vec<String>,
    pub problems: Vec<NoticeTownProblems>,
    /// 整改要求, generated from the deadlines and the rectification state.
    pub requirements: Vec<String>,
    /// "台州市美丽城镇建设工作领导小组办公室".
    pub issuer: String,
    /// The publication day, "2020年10月15日".
    pub date_zh: String,
    /// Photos left out to keep the document small.
    pub photos_left_out: u32,
    /// May edit the texts.
    pub can_edit: bool,
}

// ---------------------------------------------------------------------------
// Formatting helpers

/// "2020-10-15" → "2020年10月15日" (the text itself when not a date).
pub fn date_zh(s: &str) -> String {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| s.to_owned())
}

/// "2020年9月3日 10:20" (Asia/Shanghai).
fn moment_zh(ms: i64) -> String {
    meizhen_domain::time::to_shanghai(ms)
        .map(|t| t.format("%Y年%-m月%-d日 %H:%M").to_string())
        .unwrap_or_default()
}

/// The issuing office of a region.
pub fn issuing_office(owner_code: &str, owner_name: &str) -> String {
    if owner_code == "33" || owner_name.is_empty() {
        "浙江省美丽城镇建设工作领导小组办公室".into()
    } else {
        format!("{owner_name}美丽城镇建设工作领导小组办公室")
    }
}

/// A file name from a title: no characters file systems refuse, at most 80.
pub fn notice_file_name(title: &str, extension: &str) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .take(80)
        .collect();
    let clean = clean.trim().trim_matches('.');
    let stem = if clean.is_empty() {
        "暗访通报"
    } else {
        clean
    };
    format!("{stem}.{extension}")
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn change_of(label: &str, has_previous: bool) -> String {
    if has_previous {
        label.to_owned()
    } else {
        "—".to_owned()
    }
}

fn paragraphs(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Normalised paragraphs, for comparing a saved text with the generated one.
fn same_text(a: &str, b: &str) -> bool {
    paragraphs(a) == paragraphs(b)
}

fn severity_of(id: &str) -> Severity {
    Severity::parse(id).unwrap_or_default()
}

/// Up to `shown` names joined with "、", with "等N个" when more.
fn names_list(names: &[String], shown: usize, unit: &str) -> String {
    if names.len() <= shown {
        names.join("、")
    } else {
        format!("{}等{}{unit}", names[..shown].join("、"), names.len())
    }
}

// ---------------------------------------------------------------------------
// Composition (pure)

/// What the notice is made of, read by [`Services::round_notice`].
struct Inputs<'a> {
    round: &'a RoundRow,
    ranking: &'a RoundRanking,
    checklist: &'a Catalogue,
    checklist_version: i32,
    findings: &'a [FindingView],
    today: NaiveDate,
    can_edit: bool,
}

fn method_text(i: &Inputs<'_>) -> String {
    let items: usize = i.checklist.areas.iter().map(|a| a.items.len()).sum();
    let how = if i.round.sample_rule.is_some() {
        "按县（市、区）分层随机抽取被检查乡镇（街道）"
    } else {
        "由美镇办确定被检查乡镇（街道）"
    };
    format!(
        "本轮暗访采取{THREE_NO_TWO_DIRECT}方式，{how}，督查人员不检查本县（市、区）的乡镇（街道）。\
         对照检查标准（第{}版，基础分{}分，{}个类别{}个检查项）逐项检查，\
         每个问题现场拍照、记录位置，按标准扣分；暗访结果经发布后，问题转为整改任务，由所在乡镇（街道）限期整改，县级美镇办核查销号。",
        i.checklist_version,
        i.checklist.base,
        i.checklist.areas.len(),
        items
    )
}

fn opening_text(i: &Inputs<'_>, f: &NoticeFigures, issuer: &str) -> String {
    let mut s = format!(
        "根据美丽城镇建设工作督查安排，{}至{}，{issuer}采取“三不两直”（不定时间、不打招呼、不听汇报，直奔基层、直插现场）方式，\
         对{}个县（市、区）的{}个乡镇（街道）开展暗访督查，共发现问题{}个",
        date_zh(&i.round.starts_on),
        date_zh(&i.round.ends_on),
        f.counties,
        f.towns,
        f.findings,
    );
    if f.findings > 0 {
        s.push_str(&format!(
            "（严重问题{}个、一般问题{}个），涉及{}个乡镇（街道）",
            f.serious, f.general, f.towns_with_findings
        ));
    }
    s.push_str(&format!(
        "，平均得分{}分。现将有关情况通报如下：",
        f.average
    ));
    s
}

fn closing_text() -> String {
    "各地要以此次暗访督查为契机，对照问题举一反三、立行立改，建立健全长效管理机制，巩固提升美丽城镇建设成果。\n特此通报。"
        .into()
}

fn requirements_text(
    i: &Inputs<'_>,
    f: &NoticeFigures,
    problems: &[NoticeTownProblems],
    last: &[String],
) -> Vec<String> {
    if f.findings == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Deadlines as published, by severity (serious first), then by day.
    let mut groups: BTreeMap<(u8, String), u32> = BTreeMap::new();
    let mut latest: Option<String> = None;
    for v in i.findings {
        let Some(d) = v.row.deadline.clone() else {
            continue;
        };
        let order = match severity_of(&v.row.severity) {
            Severity::Serious => 0,
            Severity::General => 1,
        };
        *groups.entry((order, d.clone())).or_default() += 1;
        if latest.as_ref().is_none_or(|l| d > *l) {
            latest = Some(d);
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|((order, day), n)| {
            let label = if *order == 0 {
                "严重问题"
            } else {
                "一般问题"
            };
            format!("{label}{n}个须于{}前整改到位", date_zh(day))
        })
        .collect();
    let deadline = latest
        .as_deref()
        .map(date_zh)
        .unwrap_or_else(|| "规定期限".into());
    if parts.is_empty() {
        out.push(format!(
            "请有关县（市、区）督促{}个乡镇（街道）对照问题清单逐项整改到位。",
            f.towns_with_findings
        ));
    } else {
        out.push(format!(
            "请有关县（市、区）督促{}个乡镇（街道）对照问题清单逐项整改：{}。请各地于{deadline}前完成整改，整改情况（含整改前后对比照片）通过平台报送，由县级美镇办逐项核查销号。",
            f.towns_with_findings,
            parts.join("；")
        ));
    }
    let mut status = format!(
        "截至{}，已整改销号{}个，待县级核查{}个，尚未完成整改{}个",
        i.today.format("%Y年%-m月%-d日"),
        f.closed,
        f.submitted,
        f.findings.saturating_sub(f.closed + f.submitted)
    );
    if f.overdue > 0 {
        let towns: Vec<String> = problems
            .iter()
            .filter(|t| t.items.iter().any(|p| p.overdue))
            .map(|t| format!("{}{}", t.county, t.town))
            .collect();
        status.push_str(&format!(
            "，其中逾期未整改{}个（涉及{}），请立即整改并书面说明逾期原因。",
            f.overdue,
            names_list(&towns, 10, "个乡镇（街道）")
        ));
    } else {
        status.push_str("，暂无逾期问题。");
    }
    out.push(status);
    if !last.is_empty() {
        out.push(format!(
            "{}要深入剖析原因，制定整改方案，于{deadline}前将整改情况书面报送{}。",
            last.join("、"),
            issuing_office(&i.round.owner_code, &i.ranking.owner_name)
        ));
    }
    out
}

fn photo_ref(p: &repo::FindingPhotoRow, fallback: &str) -> NoticePhotoRef {
    NoticePhotoRef {
        id: p.id,
        caption: if p.caption.trim().is_empty() {
            fallback.to_owned()
        } else {
            p.caption.trim().to_owned()
        },
        width: p.width,
        height: p.height,
        sha256: p.sha256.clone(),
        content_type: p.content_type.clone(),
    }
}

/// The problems per town (code order), with their photos within the caps.
fn problems_of(i: &Inputs<'_>, left_out: &mut u32) -> Vec<NoticeTownProblems> {
    let towns: BTreeMap<&str, (&str, &str)> = i
        .ranking
        .towns
        .iter()
        .map(|t| (t.code.as_str(), (t.name.as_str(), t.county_name.as_str())))
        .collect();
    let mut by_town: BTreeMap<String, Vec<NoticeProblem>> = BTreeMap::new();
    let mut budget = NOTICE_PHOTOS_TOTAL;
    let mut findings: Vec<&FindingView> = i.findings.iter().collect();
    findings.sort_by(|a, b| {
        (a.row.town_code.as_str(), a.row.found_at, a.row.id).cmp(&(
            b.row.town_code.as_str(),
            b.row.found_at,
            b.row.id,
        ))
    });
    for v in findings {
        let r = &v.row;
        let before: Vec<_> = v.photos.iter().filter(|p| p.kind != "after").collect();
        let after: Vec<_> = v.photos.iter().filter(|p| p.kind == "after").collect();
        // With after photos, they take up to half of the places.
        let n_after = after.len().min(NOTICE_PHOTOS_PER_PROBLEM / 2);
        let n_before = before.len().min(NOTICE_PHOTOS_PER_PROBLEM - n_after);
        let n_before_kept = n_before.min(budget);
        budget -= n_before_kept;
        let n_after_kept = n_after.min(budget);
        budget -= n_after_kept;
        *left_out += count(v.photos.len() - n_before_kept - n_after_kept);
        let state = r.rect_state.as_deref().and_then(RectState::from_id);
        let item = NoticeProblem {
            finding_id: r.id,
            area: r.area_name.clone(),
            item: r.item_name.clone(),
            severity: severity_of(&r.severity).label().to_owned(),
            place: r.place.clone(),
            found_at: moment_zh(r.found_at),
            deduction: Points(r.deduction).to_string(),
            deadline: r.deadline.as_deref().map(date_zh).unwrap_or_default(),
            state: state.map(|s| s.label().to_owned()).unwrap_or_default(),
            overdue: v.overdue,
            note: r.note.clone(),
            before: before[..n_before_kept]
                .iter()
                .map(|p| photo_ref(p, &r.item_name))
                .collect(),
            after: after[..n_after_kept]
                .iter()
                .map(|p| photo_ref(p, &r.item_name))
                .collect(),
        };
        by_town.entry(r.town_code.clone()).or_default().push(item);
    }
    by_town
        .into_iter()
        .map(|(code, items)| {
            let (town, county) = towns.get(code.as_str()).copied().unwrap_or_default();
            let town = if town.is_empty() {
                i.findings
                    .iter()
                    .find(|v| v.row.town_code == code)
                    .map(|v| v.town_name.clone())
                    .unwrap_or_default()
            } else {
                town.to_owned()
            };
            NoticeTownProblems {
                town_code: code,
                town,
                county: county.to_owned(),
                items,
            }
        })
        .collect()
}

fn compose(i: &Inputs<'_>) -> NoticeView {
    let r = i.ranking;
    let has_previous = r.previous.is_some();
    let mut f = NoticeFigures {
        counties: r.counties_total,
        towns: r.towns_total,
        findings: count(i.findings.len()),
        average: average(&r.towns.iter().map(|t| t.score).collect::<Vec<_>>())
            .map(Points::fixed2)
            .unwrap_or_else(|| "—".into()),
        ..Default::default()
    };
    let mut with_findings = BTreeSet::new();
    for v in i.findings {
        match severity_of(&v.row.severity) {
            Severity::Serious => f.serious += 1,
            Severity::General => f.general += 1,
        }
        match v.row.rect_state.as_deref().and_then(RectState::from_id) {
            Some(RectState::Closed) => f.closed += 1,
            Some(RectState::Submitted) => f.submitted += 1,
            _ => {}
        }
        if v.overdue {
            f.overdue += 1;
        }
        with_findings.insert(v.row.town_code.as_str());
    }
    f.towns_with_findings = count(with_findings.len());

    let issuer = issuing_office(&i.round.owner_code, &r.owner_name);
    let counties = r
        .counties
        .iter()
        .map(|c| NoticeCountyLine {
            rank: c.rank,
            code: c.code.clone(),
            name: c.name.clone(),
            towns: c.towns,
            average: c.score.fixed2(),
            findings: u32::try_from(c.findings).unwrap_or(0),
            change: change_of(&c.change_label, has_previous),
        })
        .collect();
    let towns = r
        .towns
        .iter()
        .map(|t| NoticeTownLine {
            rank: t.rank,
            code: t.code.clone(),
            county: t.county_name.clone(),
            town: t.name.clone(),
            score: t.score.fixed2(),
            findings: u32::try_from(t.findings).unwrap_or(0),
            deduction: t.deducted.to_string(),
            county_rank: t.county_rank,
            change: change_of(&t.change_label, has_previous),
        })
        .collect();
    let full = |t: &super::TownRankLine| format!("{}{}", t.county_name, t.name);
    let best: Vec<String> = r.best.iter().map(full).collect();
    let last: Vec<String> = r.last.iter().map(full).collect();
    let mut left_out = 0;
    let problems = problems_of(i, &mut left_out);
    let requirements = requirements_text(i, &f, &problems, &last);

    let default_title = format!("关于{}情况的通报", i.round.name);
    let default_opening = opening_text(i, &f, &issuer);
    let default_closing = closing_text();
    let or_default = |saved: &str, default: &str| {
        if saved.trim().is_empty() {
            default.to_owned()
        } else {
            saved.to_owned()
        }
    };
    let saved = NoticeText {
        title: i.round.notice_title.clone(),
        number: i.round.notice_number.clone(),
        opening: i.round.notice_opening.clone(),
        closing: i.round.notice_closing.clone(),
    };
    NoticeView {
        round_id: i.round.id,
        round_name: i.round.name.clone(),
        quarter_label: r.quarter_label.clone(),
        owner_code: i.round.owner_code.clone(),
        owner_name: r.owner_name.clone(),
        title: or_default(&saved.title, &default_title),
        number: saved.number.trim().to_owned(),
        opening: or_default(&saved.opening, &default_opening),
        closing: or_default(&saved.closing, &default_closing),
        saved,
        default_title,
        default_opening,
        default_closing,
        method: method_text(i),
        figures: f,
        chart_title: "各县（市、区）平均得分".into(),
        counties,
        towns,
        best,
        last,
        problems,
        requirements,
        issuer,
        date_zh: i
            .round
            .published_on
            .as_deref()
            .map(date_zh)
            .unwrap_or_default(),
        photos_left_out: left_out,
        can_edit: i.can_edit,
    }
}

/// The documents' data; photos are filled in by the caller for Word.
fn notice_doc(v: &NoticeView) -> NoticeDoc {
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
                rank: c.rank,
                county: c.name.clone(),
                towns: c.towns,
                average: c.average.clone(),
                findings: c.findings,
                change: c.change.clone(),
            })
            .collect(),
        town_table: v
            .towns
            .iter()
            .map(|t| TownScoreLine {
                rank: t.rank,
                county: t.county.clone(),
                town: t.town.clone(),
                score: t.score.clone(),
                findings: t.findings,
                deduction: t.deduction.clone(),
                rank_in_county: t.county_rank,
                change: t.change.clone(),
            })
            .collect(),
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
                        state: if p.overdue {
                            format!("{}（逾期）", p.state)
                        } else {
                            p.state.clone()
                        },
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

/// May edit the notice's texts: the owner office itself (or an
/// administrator above it).
fn may_edit(actor: &Actor, round: &RoundRow) -> bool {
    owns(actor, round) && (actor.region.as_str() == round.owner_code || actor.role == Role::Admin)
}

/// The owner office (or above) of a published round.
fn check_notice(actor: &Actor, round: &RoundRow) -> Result<()> {
    if !owns(actor, round) {
        return Err(ServiceError::forbidden("通报由安排该轮暗访的美镇办生成"));
    }
    if round.state != "published" {
        return Err(ServiceError::Conflict("暗访结果发布后才能生成通报".into()));
    }
    Ok(())
}

fn doc_error(e: meizhen_documents::DocumentError) -> ServiceError {
    tracing::error!(error = %e, "notice document failed");
    ServiceError::invalid("notice", format!("通报生成失败：{e}"))
}

impl Services {
    /// The notice of a published round, for the owner office and offices
    /// above. Others who can see the round get 403; those who cannot, 404;
    /// the owner asking before publication, 409.
    pub async fn round_notice(&self, actor: &Actor, round_id: i64) -> Result<NoticeView> {
        require_password_changed(actor)?;
        let round = {
            let mut tx = self.db().begin_read().await?;
            self.visible_round(&mut tx, actor, round_id).await?
        };
        check_notice(actor, &round)?;
        let ranking = self.round_ranking(actor, round_id).await?;
        let RoundView {
            checklist,
            checklist_version,
            ..
        } = self.round_view(actor, round_id).await?;
        let findings = self
            .findings(
                actor,
                &FindingFilter {
                    round_id: Some(round_id),
                    ..Default::default()
                },
            )
            .await?;
        Ok(compose(&Inputs {
            round: &ranking.round,
            ranking: &ranking,
            checklist: &checklist,
            checklist_version,
            findings: &findings,
            today: today(),
            can_edit: may_edit(actor, &round),
        }))
    }

    /// The notice as a Word document: (file name, bytes). Photos are the
    /// display copies (upright JPEG, no EXIF); a photo whose file is missing
    /// is left out.
    pub async fn round_notice_docx(
        &self,
        actor: &Actor,
        round_id: i64,
    ) -> Result<(String, Vec<u8>)> {
        let view = self.round_notice(actor, round_id).await?;
        let mut doc = notice_doc(&view);
        for (town, lines) in view.problems.iter().zip(doc.problems.iter_mut()) {
            for (p, line) in town.items.iter().zip(lines.items.iter_mut()) {
                line.before = self.notice_photos(&p.before).await?;
                line.after = self.notice_photos(&p.after).await?;
            }
        }
        let bytes = notice_docx(&doc).map_err(doc_error)?;
        Ok((notice_file_name(&view.title, "docx"), bytes))
    }

    /// The notice's figures as an Excel workbook (county ranking, town
    /// scores, problem list): (file name, bytes).
    pub async fn round_notice_xlsx(
        &self,
        actor: &Actor,
        round_id: i64,
    ) -> Result<(String, Vec<u8>)> {
        let view = self.round_notice(actor, round_id).await?;
        let bytes = notice_xlsx(&notice_doc(&view)).map_err(doc_error)?;
        Ok((notice_file_name(&view.title, "xlsx"), bytes))
    }

    async fn notice_photos(&self, refs: &[NoticePhotoRef]) -> Result<Vec<NoticePhoto>> {
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            match self
                .read_photo_file(&r.sha256, &r.content_type, PhotoVariant::Display)
                .await
            {
                Ok((_, bytes)) => {
                    let (w, h) = match (r.width, r.height) {
                        (Some(w), Some(h)) if w > 0 && h > 0 => {
                            (u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0))
                        }
                        _ => (0, 0),
                    };
                    out.push(NoticePhoto {
                        jpeg: bytes,
                        width_px: w,
                        height_px: h,
                        caption: r.caption.clone(),
                    });
                }
                Err(ServiceError::NotFound(_)) => {
                    tracing::warn!(photo = r.id, "notice photo file missing, left out");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Saves the notice's editable texts (title ≤ 100 characters, number ≤
    /// 40, opening and closing ≤ 4000 each, trimmed). A text saved equal to
    /// the generated one is stored empty, so it stays generated. The owner
    /// office only, once published; audited.
    pub async fn update_round_notice_text(
        &self,
        actor: &Actor,
        round_id: i64,
        input: &NoticeText,
        meta: &RequestMeta,
    ) -> Result<NoticeView> {
        require_password_changed(actor)?;
        let mut clean = NoticeText {
            title: text(&input.title, "title", "通报标题", MAX_TITLE)?,
            number: text(&input.number, "number", "通报文号", MAX_NUMBER)?,
            opening: text(&input.opening, "opening", "开头段落", MAX_PARAGRAPHS)?,
            closing: text(&input.closing, "closing", "结尾段落", MAX_PARAGRAPHS)?,
        };
        // Line breaks as typed in a browser (CRLF) are kept as plain breaks.
        clean.opening = clean.opening.replace("\r\n", "\n");
        clean.closing = clean.closing.replace("\r\n", "\n");
        let current = self.round_notice(actor, round_id).await?;
        if !current.can_edit {
            return Err(ServiceError::forbidden(
                "只有安排该轮暗访的美镇办可以编辑通报",
            ));
        }
        if clean.title == current.default_title {
            clean.title.clear();
        }
        if same_text(&clean.opening, &current.default_opening) {
            clean.opening.clear();
        }
        if same_text(&clean.closing, &current.default_closing) {
            clean.closing.clear();
        }
        let mut tx = self.db().begin().await?;
        let round = self.visible_round(&mut tx, actor, round_id).await?;
        check_notice(actor, &round)?;
        let before = NoticeText {
            title: round.notice_title.clone(),
            number: round.notice_number.clone(),
            opening: round.notice_opening.clone(),
            closing: round.notice_closing.clone(),
        };
        repo::update_round_notice(&mut tx, round_id, &clean, now_ms()).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "notice", &round_id.to_string(), &round.owner_code)
                .before(json!(before))
                .after(json!(clean))
                .summary(format!("编辑暗访通报“{}”", round.name)),
        )
        .await?;
        tx.commit().await?;
        self.round_notice(actor, round_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_chinese() {
        assert_eq!(date_zh("2020-10-05"), "2020年10月5日");
        assert_eq!(date_zh("不是日期"), "不是日期");
        // 2020-09-03 02:20 UTC is 10:20 in Shanghai.
        assert_eq!(moment_zh(1_599_099_600_000), "2020年9月3日 10:20");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            notice_file_name("关于2020年第三季度暗访情况的通报", "docx"),
            "关于2020年第三季度暗访情况的通报.docx"
        );
        assert_eq!(notice_file_name("a/b:c?", "xlsx"), "a_b_c_.xlsx");
        assert_eq!(notice_file_name(" .. ", "docx"), "暗访通报.docx");
    }

    #[test]
    fn issuers() {
        assert_eq!(
            issuing_office("3310", "台州市"),
            "台州市美丽城镇建设工作领导小组办公室"
        );
        assert_eq!(
            issuing_office("33", "浙江省"),
            "浙江省美丽城镇建设工作领导小组办公室"
        );
    }

    #[test]
    fn texts_compare_by_paragraph() {
        assert!(same_text("甲\r\n\n 乙 ", "甲\n乙"));
        assert!(!same_text("甲", "乙"));
        assert_eq!(
            names_list(&["a".into(), "b".into(), "c".into()], 2, "个"),
            "a、b等3个"
        );
    }
}
