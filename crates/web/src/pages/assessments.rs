//! 暗访排名 and 动态考核 pages: a round's ranking (county and town tables,
//! 先进 and 末位, 比赶超, a chart of county averages, Excel), and the quarterly
//! assessment of a city or the province (weights form, preview or published
//! tables, publication with confirmation, Excel) and, once published, its
//! notice (通报): an HTML preview in the layout of the Word document, the
//! form for its texts, and the Word and Excel downloads.
//!
//! Who sees what is the services'; these handlers render what they are given.

use super::rectification::{col, export_subtitle, xlsx_download};
use super::{done_message, render};
use crate::api::assessments::{owner_of, quarter_of, weights_of};
use crate::api::notices::{docx_response, xlsx_response};
use crate::error::{status_of, PageError};
use crate::extract::{Meta, PageForm, PageQuery, PageUser};
use crate::view::{query_string, time, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_documents::{Cell, ColumnKind, Table};
use meizhen_domain::inspection::{Parts, Points, Quarter, Weights};
use meizhen_service::inspections::{
    may_run_rounds, AssessmentView, GroupRankLine, NoticeText, QuarterNoticeView, RoundRanking,
    TownRankLine,
};
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rounds/{id}/ranking", get(ranking))
        .route("/rounds/{id}/ranking.xlsx", get(ranking_xlsx))
        .route("/assessments", get(assessment))
        .route("/assessments.xlsx", get(assessment_xlsx))
        .route("/assessments/publish", post(publish))
        .route("/assessments/notice", post(save_notice))
        .route("/assessments/notice.docx", get(notice_docx))
        .route("/assessments/notice.xlsx", get(notice_xlsx))
}

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars of scores (two decimals), drawn from a floor a little
/// under the lowest score so that close scores stay distinguishable; the
/// title says where the axis starts. Same look as `charts::rate_bars`; the
/// figures are in the table beside it.
fn score_bars(title: &str, items: &[(String, Points)], full: Points) -> String {
    let (row_h, label_w, bar_w) = (26.0, 110.0, 420.0);
    let h = 36.0 + row_h * items.len() as f64;
    let lowest = items.iter().map(|(_, p)| p.0).min().unwrap_or(0).max(0);
    // Whole points, five under the lowest, down to a multiple of five.
    let floor = ((lowest / 100 - 5).max(0) / 5 * 5) * 100;
    let top = full
        .0
        .max(items.iter().map(|(_, p)| p.0).max().unwrap_or(0));
    let span = (top - floor).max(1) as f64;
    let title = if floor > 0 {
        format!("{title}（横轴自 {} 分起）", floor / 100)
    } else {
        title.to_owned()
    };
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        w = label_w + bar_w + 70.0,
        t = esc(&title)
    );
    s.push_str(&format!(
        "<text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#1f2328\">{}</text>",
        esc(&title)
    ));
    for (i, (label, p)) in items.iter().enumerate() {
        let y = 30.0 + row_h * i as f64;
        let w = (((p.0 - floor).max(0)) as f64 / span * bar_w).max(1.0);
        s.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1f2328\">{l}</text><rect x=\"{label_w}\" y=\"{ry}\" width=\"{w:.1}\" height=\"18\" fill=\"#0b5f4a\"/><text x=\"{tx:.1}\" y=\"{ty2}\" font-size=\"12\" fill=\"#1f2328\">{v}</text>",
            x = label_w - 6.0,
            ty = y + 15.0,
            l = esc(label),
            ry = y + 3.0,
            tx = label_w + w + 4.0,
            ty2 = y + 16.0,
            v = p.fixed2()
        ));
    }
    s.push_str("</svg>");
    s
}

fn opt_points(p: Option<Points>) -> String {
    p.map(Points::fixed2).unwrap_or_else(|| "—".into())
}

fn opt_rank(r: Option<u32>) -> String {
    r.map(|n| n.to_string()).unwrap_or_else(|| "—".into())
}

// ---- a round's ranking --------------------------------------------------------------------

struct TownRow {
    rank: u32,
    county: String,
    town: String,
    score: String,
    findings: i64,
    deducted: String,
    county_rank: String,
    change: String,
}

fn town_row(t: &TownRankLine) -> TownRow {
    TownRow {
        rank: t.rank,
        county: t.county_name.clone(),
        town: t.name.clone(),
        score: t.score.fixed2(),
        findings: t.findings,
        deducted: t.deducted.fixed2(),
        county_rank: format!("{}/{}", t.county_rank, t.county_towns),
        change: t.change_label.clone(),
    }
}

struct GroupRow {
    rank: u32,
    name: String,
    score: String,
    towns: u32,
    findings: i64,
    change: String,
}

fn group_row(g: &GroupRankLine) -> GroupRow {
    GroupRow {
        rank: g.rank,
        name: g.name.clone(),
        score: g.score.fixed2(),
        towns: g.towns,
        findings: g.findings,
        change: g.change_label.clone(),
    }
}

fn end_line(t: &TownRankLine) -> String {
    format!(
        "{}{}（第 {} 名，{} 分）",
        t.county_name,
        t.name,
        t.rank,
        t.score.fixed2()
    )
}

#[derive(Template)]
#[template(path = "ranking_round.html")]
struct RankingPage {
    l: Layout,
    id: i64,
    name: String,
    quarter: String,
    owner: String,
    published: bool,
    base: String,
    previous: String,
    towns_total: u32,
    counties_total: u32,
    cities: Vec<GroupRow>,
    counties: Vec<GroupRow>,
    towns: Vec<TownRow>,
    best: Vec<String>,
    last: Vec<String>,
    chart: String,
    notice: bool,
}

async fn ranking(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    let r: RoundRanking = match state.services.round_ranking(&u.actor, id).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let bars: Vec<(String, Points)> = r
        .counties
        .iter()
        .map(|c| (c.name.clone(), c.score))
        .collect();
    let chart = if bars.is_empty() {
        String::new()
    } else {
        score_bars(
            &format!("{} 各县（市、区）平均得分", r.round.name),
            &bars,
            r.base,
        )
    };
    let owner = may_run_rounds(&u.actor) && r.round.owner_code.starts_with(u.actor.region.as_str());
    let title = format!("{} 排名", r.round.name);
    render(&RankingPage {
        l: Layout::new(&u.actor, &u.csrf, "rounds", title)
            .crumb("暗访督查", Some("/rounds".into()))
            .crumb(r.round.name.clone(), Some(format!("/rounds/{id}")))
            .crumb("排名", None),
        id,
        name: r.round.name.clone(),
        quarter: r.quarter_label.clone(),
        owner: r.owner_name.clone(),
        published: r.published,
        base: r.base.to_string(),
        previous: r
            .previous
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        towns_total: r.towns_total,
        counties_total: r.counties_total,
        cities: r.cities.iter().map(group_row).collect(),
        counties: r.counties.iter().map(group_row).collect(),
        towns: r.towns.iter().map(town_row).collect(),
        best: r.best.iter().map(end_line).collect(),
        last: r.last.iter().map(end_line).collect(),
        chart,
        notice: owner && r.published,
    })
}

#[derive(Deserialize, Default)]
struct LevelQuery {
    #[serde(default)]
    level: String,
}

async fn ranking_xlsx(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<LevelQuery>,
) -> Response {
    let r = async {
        let r = state.services.round_ranking(&u.actor, id).await?;
        let preview = if r.published {
            ""
        } else {
            "（发布前预览）"
        };
        if q.level == "county" {
            let rows = r
                .counties
                .iter()
                .map(|c| {
                    vec![
                        Cell::Int(i64::from(c.rank)),
                        Cell::Text(c.name.clone()),
                        Cell::Text(c.score.fixed2()),
                        Cell::Int(i64::from(c.towns)),
                        Cell::Int(c.findings),
                        Cell::Text(c.change_label.clone()),
                    ]
                })
                .collect();
            let table = Table {
                title: format!("{}县（市、区）排名{preview}", r.round.name),
                subtitle: Some(export_subtitle(&u.actor)),
                columns: vec![
                    col("名次", 6.0, ColumnKind::Integer),
                    col("县（市、区）", 16.0, ColumnKind::Text),
                    col("平均得分", 10.0, ColumnKind::Text),
                    col("被检查乡镇数", 12.0, ColumnKind::Integer),
                    col("问题数", 8.0, ColumnKind::Integer),
                    col("比上轮", 8.0, ColumnKind::Text),
                ],
                rows,
                total_row: None,
            };
            return xlsx_download(
                &table,
                "县区排名",
                &format!("{}县区排名.xlsx", r.round.name),
            );
        }
        let rows = r
            .towns
            .iter()
            .map(|t| {
                vec![
                    Cell::Int(i64::from(t.rank)),
                    Cell::Text(t.county_name.clone()),
                    Cell::Text(t.name.clone()),
                    Cell::Text(t.score.fixed2()),
                    Cell::Int(t.findings),
                    Cell::Text(t.deducted.fixed2()),
                    Cell::Text(format!("{}/{}", t.county_rank, t.county_towns)),
                    Cell::Text(t.change_label.clone()),
                ]
            })
            .collect();
        let table = Table {
            title: format!("{}乡镇得分排名{preview}", r.round.name),
            subtitle: Some(export_subtitle(&u.actor)),
            columns: vec![
                col("名次", 6.0, ColumnKind::Integer),
                col("县（市、区）", 14.0, ColumnKind::Text),
                col("乡镇（街道）", 16.0, ColumnKind::Text),
                col("得分", 8.0, ColumnKind::Text),
                col("问题数", 8.0, ColumnKind::Integer),
                col("扣分", 8.0, ColumnKind::Text),
                col("县内名次", 10.0, ColumnKind::Text),
                col("比上轮", 8.0, ColumnKind::Text),
            ],
            rows,
            total_row: None,
        };
        xlsx_download(
            &table,
            "乡镇排名",
            &format!("{}乡镇排名.xlsx", r.round.name),
        )
    }
    .await;
    r.unwrap_or_else(|e| PageError(e).into_response())
}

// ---- the quarterly assessment -----------------------------------------------------------

/// The assessment's query (and the publish form's fields).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AssessQuery {
    region: String,
    quarter: String,
    w_inspection: String,
    w_start: String,
    w_investment: String,
    w_reporting: String,
    live: String,
    level: String,
    done: Option<String>,
}

impl AssessQuery {
    fn live(&self) -> bool {
        matches!(self.live.trim(), "1" | "on" | "true")
    }
    fn weights(&self) -> Result<Option<Weights>, ServiceError> {
        weights_of(
            &self.w_inspection,
            &self.w_start,
            &self.w_investment,
            &self.w_reporting,
        )
    }
}

async fn load(
    state: &AppState,
    u: &PageUser,
    q: &AssessQuery,
) -> Result<AssessmentView, ServiceError> {
    let region = owner_of(&u.actor, &q.region);
    let quarter = quarter_of(&q.quarter)?;
    let weights = q.weights()?;
    if q.live() {
        state
            .services
            .assessment_preview(&u.actor, &region, quarter, weights)
            .await
    } else {
        state
            .services
            .assessment(&u.actor, &region, quarter, weights)
            .await
    }
}

struct AssessTownRow {
    rank: String,
    county: String,
    town: String,
    inspection: String,
    start: String,
    investment: String,
    reporting: String,
    total: String,
    county_rank: String,
    change: String,
}

fn parts_cells(p: &Parts) -> [String; 4] {
    [
        opt_points(p.inspection),
        opt_points(p.start_rate),
        opt_points(p.investment_rate),
        opt_points(p.reporting),
    ]
}

struct AssessCountyRow {
    rank: String,
    name: String,
    towns: u32,
    total: String,
    change: String,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    l: Layout,
    region: String,
    quarter: String,
    /// The weights as the form shows them.
    w: [String; 4],
    error: Option<String>,
    /// Nothing to show (an error before the figures).
    empty: bool,
    owner_name: String,
    quarter_label: String,
    published: bool,
    live: bool,
    published_at: String,
    weights_label: String,
    previous: String,
    can_publish: bool,
    can_edit_notice: bool,
    notice: NoticeText,
    towns: Vec<AssessTownRow>,
    counties: Vec<AssessCountyRow>,
    chart: String,
    /// The query of this view (for the export links), without `level`.
    base: String,
    /// The notice's preview (published, for the owner office and above).
    quarter_notice: Option<NoticePreview>,
}

/// The quarterly notice as the page previews it.
struct NoticePreview {
    v: QuarterNoticeView,
    opening: Vec<String>,
    closing: Vec<String>,
    problems: Vec<NoticeProblems>,
    /// `region=…&quarter=…` of the downloads.
    query: String,
}

/// The overdue problems of one town, as the preview lists them.
struct NoticeProblems {
    heading: String,
    items: Vec<String>,
}

/// 1 → 一, 12 → 十二, 35 → 三十五; digits from 100.
fn chinese_number(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_owned(),
        10..=19 => format!("十{}", D[n % 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn notice_preview(v: QuarterNoticeView) -> NoticePreview {
    let problems = v
        .problems
        .iter()
        .filter(|t| !t.items.is_empty())
        .enumerate()
        .map(|(n, t)| NoticeProblems {
            heading: format!(
                "（{}）{}{}（{}个问题）",
                chinese_number(n + 1),
                t.county,
                t.town,
                t.items.len()
            ),
            items: t
                .items
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let mut s = format!(
                        "{}．{}：{}（{}）。{}，扣{}分",
                        k + 1,
                        p.area,
                        p.item,
                        p.place,
                        p.severity,
                        p.deduction
                    );
                    if !p.found_at.is_empty() {
                        s.push_str(&format!("，发现时间{}", p.found_at));
                    }
                    if !p.deadline.is_empty() {
                        s.push_str(&format!("，整改期限{}", p.deadline));
                    }
                    s.push_str(&format!("，{}（逾期）。", p.state));
                    s
                })
                .collect(),
        })
        .collect();
    NoticePreview {
        opening: lines(&v.opening),
        closing: lines(&v.closing),
        problems,
        query: query_string(&[("region", &v.owner_code), ("quarter", &v.quarter)]),
        v,
    }
}

/// The notice of a published assessment shown as it is (not a live
/// recomputation), when the caller may build it; nothing otherwise.
async fn load_notice(
    state: &AppState,
    u: &PageUser,
    v: &AssessmentView,
) -> Option<QuarterNoticeView> {
    if !v.published || v.live {
        return None;
    }
    match state
        .services
        .assessment_notice(&u.actor, &v.owner_code, v.quarter)
        .await
    {
        Ok(n) => Some(n),
        Err(ServiceError::Internal(e)) => {
            tracing::error!(error = %e, "quarterly notice preview failed");
            None
        }
        // Not the owner office or above: no notice on the page.
        Err(_) => None,
    }
}

fn weights_label(w: &Weights) -> String {
    format!(
        "暗访得分 {}%、开工率 {}%、投资完成率 {}%、按时报送 {}%",
        w.inspection, w.start_rate, w.investment_rate, w.reporting
    )
}

fn assessment_page(
    u: &PageUser,
    q: &AssessQuery,
    v: Option<AssessmentView>,
    notice: Option<QuarterNoticeView>,
    error: Option<String>,
    flash: Option<String>,
) -> AssessmentPage {
    let typed = [
        q.w_inspection.trim(),
        q.w_start.trim(),
        q.w_investment.trim(),
        q.w_reporting.trim(),
    ];
    let shown = match (&v, typed.iter().all(|s| s.is_empty())) {
        (Some(v), true) => [
            v.weights.inspection,
            v.weights.start_rate,
            v.weights.investment_rate,
            v.weights.reporting,
        ]
        .map(|n| n.to_string()),
        (None, true) => {
            let d = Weights::default();
            [d.inspection, d.start_rate, d.investment_rate, d.reporting].map(|n| n.to_string())
        }
        _ => typed.map(str::to_owned),
    };
    let region = owner_of(&u.actor, &q.region);
    let quarter = v
        .as_ref()
        .map(|v| v.quarter.id())
        .or_else(|| quarter_of(&q.quarter).ok().map(Quarter::id))
        .unwrap_or_else(|| q.quarter.trim().to_owned());
    let mut l = Layout::new(&u.actor, &u.csrf, "assessments", "季度动态考核")
        .crumb("季度动态考核", None)
        .flash(flash);
    if let Some(v) = &v {
        l.title = format!("{}{}动态考核", v.owner_name, v.quarter_label);
    }
    let base = query_string(&[
        ("region", &region),
        ("quarter", &quarter),
        ("w_inspection", typed[0]),
        ("w_start", typed[1]),
        ("w_investment", typed[2]),
        ("w_reporting", typed[3]),
        ("live", if q.live() { "1" } else { "" }),
    ]);
    let mut page = AssessmentPage {
        l,
        region,
        quarter,
        w: shown,
        error,
        empty: v.is_none(),
        owner_name: String::new(),
        quarter_label: String::new(),
        published: false,
        live: false,
        published_at: String::new(),
        weights_label: String::new(),
        previous: String::new(),
        can_publish: false,
        can_edit_notice: false,
        notice: NoticeText::default(),
        towns: Vec::new(),
        counties: Vec::new(),
        chart: String::new(),
        base,
        quarter_notice: None,
    };
    let Some(v) = v else {
        return page;
    };
    let bars: Vec<(String, Points)> = v
        .counties
        .iter()
        .filter_map(|c| c.total.map(|t| (c.county_name.clone(), t)))
        .collect();
    page.chart = if bars.is_empty() {
        String::new()
    } else {
        score_bars(
            &format!("{}{}各县（市、区）平均总分", v.owner_name, v.quarter_label),
            &bars,
            Points::from_whole(100),
        )
    };
    page.towns = v
        .towns
        .iter()
        .map(|t| {
            let [inspection, start, investment, reporting] = parts_cells(&t.parts);
            AssessTownRow {
                rank: opt_rank(t.rank),
                county: t.county_name.clone(),
                town: t.town_name.clone(),
                inspection,
                start,
                investment,
                reporting,
                total: opt_points(t.total),
                county_rank: opt_rank(t.county_rank),
                change: t.change_label.clone(),
            }
        })
        .collect();
    page.counties = v
        .counties
        .iter()
        .map(|c| AssessCountyRow {
            rank: opt_rank(c.rank),
            name: c.county_name.clone(),
            towns: c.towns,
            total: opt_points(c.total),
            change: c.change_label.clone(),
        })
        .collect();
    page.owner_name = v.owner_name.clone();
    page.quarter_label = v.quarter_label.clone();
    page.published = v.published;
    page.live = v.live;
    page.published_at = v.published_at.map(time).unwrap_or_default();
    page.weights_label = weights_label(&v.weights);
    page.previous = if v.previous_published {
        v.previous_quarter_label.clone()
    } else {
        String::new()
    };
    page.can_publish = v.can_publish;
    page.can_edit_notice = v.can_edit_notice;
    page.notice = v.notice.clone();
    if let Some(n) = notice {
        // The form shows the texts in force: saved (or typed), else generated.
        let fill = |field: &mut String, default: &str| {
            if field.trim().is_empty() {
                *field = default.to_owned();
            }
        };
        fill(&mut page.notice.title, &n.default_title);
        fill(&mut page.notice.opening, &n.default_opening);
        fill(&mut page.notice.closing, &n.default_closing);
        page.quarter_notice = Some(notice_preview(n));
    }
    page
}

fn flash_of(key: Option<&str>) -> Option<String> {
    match key {
        Some("published") => {
            Some("已发布本季度考核结果，得分和名次已冻结，辖区内各地现在可以查看".into())
        }
        other => done_message(other),
    }
}

async fn assessment(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AssessQuery>,
) -> Response {
    let flash = flash_of(q.done.as_deref());
    match load(&state, &u, &q).await {
        Ok(v) => {
            let notice = load_notice(&state, &u, &v).await;
            render(&assessment_page(&u, &q, Some(v), notice, None, flash))
        }
        Err(e @ ServiceError::Invalid(_)) => with_status(
            status_of(&e),
            render(&assessment_page(
                &u,
                &q,
                None,
                None,
                Some(e.to_string()),
                None,
            )),
        ),
        Err(e) => PageError(e).into_response(),
    }
}

async fn publish(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(q): PageForm<AssessQuery>,
) -> Response {
    let region = owner_of(&u.actor, &q.region);
    let r = async {
        let quarter = Quarter::parse(&q.quarter)?;
        let weights = q.weights()?.unwrap_or_default();
        state
            .services
            .publish_assessment(&u.actor, &region, quarter, weights, &meta)
            .await
    }
    .await;
    match r {
        Ok(v) => {
            let back = query_string(&[
                ("region", &v.owner_code),
                ("quarter", &v.quarter.id()),
                ("done", "published"),
            ]);
            Redirect::to(&format!("/assessments?{back}")).into_response()
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let status = status_of(&e);
            let shown = load(&state, &u, &q).await.ok();
            with_status(
                status,
                render(&assessment_page(
                    &u,
                    &q,
                    shown,
                    None,
                    Some(e.to_string()),
                    None,
                )),
            )
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeForm {
    region: String,
    quarter: String,
    title: String,
    number: String,
    opening: String,
    closing: String,
}

async fn save_notice(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<NoticeForm>,
) -> Response {
    let region = owner_of(&u.actor, &f.region);
    let text = NoticeText {
        title: f.title,
        number: f.number,
        opening: f.opening,
        closing: f.closing,
    };
    let r = async {
        let quarter = Quarter::parse(&f.quarter)?;
        state
            .services
            .update_assessment_notice(&u.actor, &region, quarter, &text, &meta)
            .await
    }
    .await;
    let q = AssessQuery {
        region: region.clone(),
        quarter: f.quarter.clone(),
        ..Default::default()
    };
    match r {
        Ok(v) => {
            let back = query_string(&[
                ("region", &v.owner_code),
                ("quarter", &v.quarter.id()),
                ("done", "saved"),
            ]);
            Redirect::to(&format!("/assessments?{back}#notice")).into_response()
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let status = status_of(&e);
            let shown = load(&state, &u, &q).await.ok().map(|mut v| {
                // Show the texts as typed.
                v.notice = text;
                v
            });
            with_status(
                status,
                render(&assessment_page(
                    &u,
                    &q,
                    shown,
                    None,
                    Some(e.to_string()),
                    None,
                )),
            )
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    region: String,
    quarter: String,
}

async fn notice_docx(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> Response {
    let region = owner_of(&u.actor, &q.region);
    let r = async {
        let quarter = quarter_of(&q.quarter)?;
        state
            .services
            .assessment_notice_docx(&u.actor, &region, quarter)
            .await
    }
    .await;
    match r {
        Ok(file) => docx_response(file),
        Err(e) => PageError(e).into_response(),
    }
}

async fn notice_xlsx(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> Response {
    let region = owner_of(&u.actor, &q.region);
    let r = async {
        let quarter = quarter_of(&q.quarter)?;
        state
            .services
            .assessment_notice_xlsx(&u.actor, &region, quarter)
            .await
    }
    .await;
    match r {
        Ok(file) => xlsx_response(file),
        Err(e) => PageError(e).into_response(),
    }
}

async fn assessment_xlsx(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<AssessQuery>,
) -> Response {
    let r = async {
        let v = load(&state, &u, &q).await?;
        let state_label = if v.live {
            "（按当前数据计算，未发布）"
        } else {
            "（已发布）"
        };
        let title = format!(
            "{}{}美丽城镇动态考核{}",
            v.owner_name, v.quarter_label, state_label
        );
        let subtitle = format!(
            "权重：{}　{}",
            weights_label(&v.weights),
            export_subtitle(&u.actor)
        );
        if q.level == "county" {
            let rows = v
                .counties
                .iter()
                .map(|c| {
                    vec![
                        c.rank
                            .map(|r| Cell::Int(i64::from(r)))
                            .unwrap_or(Cell::Empty),
                        Cell::Text(c.county_name.clone()),
                        Cell::Int(i64::from(c.towns)),
                        Cell::Text(opt_points(c.total)),
                        Cell::Text(c.change_label.clone()),
                    ]
                })
                .collect();
            let table = Table {
                title,
                subtitle: Some(subtitle),
                columns: vec![
                    col("名次", 6.0, ColumnKind::Integer),
                    col("县（市、区）", 16.0, ColumnKind::Text),
                    col("乡镇数", 8.0, ColumnKind::Integer),
                    col("平均总分", 10.0, ColumnKind::Text),
                    col("比上季度", 10.0, ColumnKind::Text),
                ],
                rows,
                total_row: None,
            };
            return xlsx_download(
                &table,
                "县区考核",
                &format!("{}{}县区考核.xlsx", v.owner_name, v.quarter.id()),
            );
        }
        let rows = v
            .towns
            .iter()
            .map(|t| {
                let [a, b, c, d] = parts_cells(&t.parts);
                vec![
                    t.rank
                        .map(|r| Cell::Int(i64::from(r)))
                        .unwrap_or(Cell::Empty),
                    Cell::Text(t.county_name.clone()),
                    Cell::Text(t.town_name.clone()),
                    Cell::Text(a),
                    Cell::Text(b),
                    Cell::Text(c),
                    Cell::Text(d),
                    Cell::Text(opt_points(t.total)),
                    t.county_rank
                        .map(|r| Cell::Int(i64::from(r)))
                        .unwrap_or(Cell::Empty),
                    Cell::Text(t.change_label.clone()),
                ]
            })
            .collect();
        let table = Table {
            title,
            subtitle: Some(subtitle),
            columns: vec![
                col("名次", 6.0, ColumnKind::Integer),
                col("县（市、区）", 14.0, ColumnKind::Text),
                col("乡镇（街道）", 16.0, ColumnKind::Text),
                col("暗访得分", 10.0, ColumnKind::Text),
                col("开工率", 9.0, ColumnKind::Text),
                col("投资完成率", 10.0, ColumnKind::Text),
                col("按时报送", 9.0, ColumnKind::Text),
                col("总分", 9.0, ColumnKind::Text),
                col("县内名次", 9.0, ColumnKind::Integer),
                col("比上季度", 9.0, ColumnKind::Text),
            ],
            rows,
            total_row: None,
        };
        xlsx_download(
            &table,
            "乡镇考核",
            &format!("{}{}乡镇考核.xlsx", v.owner_name, v.quarter.id()),
        )
    }
    .await;
    r.unwrap_or_else(|e| PageError(e).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bars_start_under_the_lowest_score() {
        let svg = score_bars(
            "平均得分",
            &[
                ("仙居<县>".into(), Points(9850)),
                ("玉环市".into(), Points(9700)),
            ],
            Points::from_whole(100),
        );
        assert!(svg.contains("仙居&lt;县&gt;"));
        assert!(svg.contains("98.50") && svg.contains("97.00"));
        assert!(svg.contains("横轴自 90 分起"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let low = score_bars("x", &[("a".into(), Points(300))], Points::from_whole(100));
        assert!(!low.contains("横轴自"));
    }
}
