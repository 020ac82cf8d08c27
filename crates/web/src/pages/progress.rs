//! 进度统计: a region's rates for a month, the ranking of the regions below
//! (比赶超) with charts, the towns' reporting state, and month review.

use super::projects::wan;
use super::{done_message, render};
use crate::charts;
use crate::error::PageError;
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_domain::project::YearMonth;
use meizhen_domain::rates::format_percent;
use meizhen_domain::RegionCode;
use meizhen_service::projects::{may_review, may_write_projects, TownMonth};
use meizhen_service::stats::{GroupCount, ProjectStats, RankBy, Source};
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/progress/{code}", get(page))
        .route("/progress/{code}/export.xlsx", get(export))
        .route("/progress/{code}/report.docx", get(report_docx))
        .route("/progress/{code}/{month}/submit", post(submit))
        .route("/progress/{code}/{month}/review", post(review))
        .route("/progress/{code}/{month}/publish", post(publish))
}

#[derive(Deserialize, Default)]
struct Query {
    #[serde(default, deserialize_with = "empty_as_none")]
    month: Option<String>,
    #[serde(default)]
    by: String,
    #[serde(default)]
    published: Option<String>,
    done: Option<String>,
}

struct Headline {
    projects: i64,
    started: i64,
    completed: i64,
    start_rate: String,
    completion_rate: String,
    total: String,
    planned: String,
    completed_inv: String,
    investment_rate: String,
    reports: String,
}

fn headline(s: &ProjectStats) -> Headline {
    Headline {
        projects: s.projects,
        started: s.started,
        completed: s.completed,
        start_rate: format_percent(s.start_rate, 2),
        completion_rate: format_percent(s.completion_rate, 2),
        total: wan(s.total_investment_fen),
        planned: wan(s.planned_investment_fen),
        completed_inv: wan(s.completed_investment_fen),
        investment_rate: format_percent(s.investment_completion_rate, 2),
        reports: format!("{}/{}", s.reports_submitted, s.reports_expected),
    }
}

struct RankRow {
    rank: String,
    code: String,
    name: String,
    h: Headline,
    change: String,
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    l: Layout,
    code: String,
    name: String,
    month: String,
    month_label: String,
    by: String,
    published: bool,
    h: Headline,
    ranking: Vec<RankRow>,
    bars_svg: String,
    trend_svg: String,
    towns: Vec<TownMonth>,
    by_pillar: Vec<(&'static str, i64, String, String)>,
    by_status: Vec<(&'static str, i64, String, String)>,
    is_town: bool,
    can_submit: bool,
    can_publish: bool,
    review_towns: Vec<String>,
}

fn default_month() -> YearMonth {
    YearMonth::from_date(crate::view::today()).prev()
}

async fn page(
    State(state): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<Query>,
) -> Response {
    match build(&state, &u, &code, &q).await {
        Ok(p) => render(&p),
        Err(e) => PageError(e).into_response(),
    }
}

async fn build(
    state: &AppState,
    u: &PageUser,
    code: &str,
    q: &Query,
) -> Result<ProgressPage, ServiceError> {
    let month = match q.month.as_deref() {
        Some(m) => YearMonth::parse(m)?,
        None => default_month(),
    };
    let by = RankBy::parse(&q.by)?;
    let source = if q.published.is_some() {
        Source::Published
    } else {
        Source::Live
    };
    let view = state.services.region(&u.actor, code).await?;
    let stats = state
        .services
        .project_stats(&u.actor, code, month, source)
        .await?;
    let region = RegionCode::parse(code)?;
    let is_town = region.level() == meizhen_domain::Level::Town;
    let ranking = if is_town {
        Vec::new()
    } else {
        state
            .services
            .project_ranking(&u.actor, code, month, by, source)
            .await?
    };
    let trend = state
        .services
        .project_trend(&u.actor, code, month.year())
        .await?;
    let towns = state
        .services
        .month_overview(&u.actor, code, month, crate::view::today())
        .await?;
    let breakdown = state
        .services
        .project_breakdown(&u.actor, code, month.year())
        .await?;
    let group = |rows: &[GroupCount], label: fn(&str) -> &'static str| {
        rows.iter()
            .map(|g| {
                (
                    label(&g.key),
                    g.projects,
                    wan(g.total_investment_fen),
                    wan(g.planned_investment_fen),
                )
            })
            .collect::<Vec<_>>()
    };
    let mut l = Layout::new(
        &u.actor,
        &u.csrf,
        "progress",
        format!("{} 项目进度", view.region.name),
    )
    .flash(done_message(q.done.as_deref()));
    for (c, n) in &view.breadcrumb {
        l = l.crumb(n.clone(), Some(format!("/progress/{c}")));
    }
    let by_label = match by {
        RankBy::Investment => "投资完成率",
        RankBy::Start => "开工率",
        RankBy::Completion => "完工率",
    };
    let bars: Vec<(String, Option<f64>)> = ranking
        .iter()
        .map(|r| {
            let v = match by {
                RankBy::Investment => r.stats.investment_completion_rate,
                RankBy::Start => r.stats.start_rate,
                RankBy::Completion => r.stats.completion_rate,
            };
            (r.name.clone(), v)
        })
        .collect();
    let mut planned = vec![None; 12];
    let mut done = vec![None; 12];
    for s in &trend {
        let i = (s.month as usize).saturating_sub(1).min(11);
        planned[i] = Some(s.planned_investment_fen as f64 / 1_000_000.0);
        done[i] = Some(s.completed_investment_fen as f64 / 1_000_000.0);
    }
    Ok(ProgressPage {
        trend_svg: charts::month_lines(
            &format!(
                "{} {} 年投资完成趋势（万元）",
                view.region.name,
                month.year()
            ),
            &[
                ("年度计划投资", "#8a5a00", planned),
                ("累计完成投资", "#0b5f4a", done),
            ],
        ),
        bars_svg: if bars.is_empty() {
            String::new()
        } else {
            charts::rate_bars(&format!("{}下级区划{}", view.region.name, by_label), &bars)
        },
        ranking: ranking
            .iter()
            .map(|r| RankRow {
                rank: r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                code: r.code.clone(),
                name: r.name.clone(),
                h: headline(&r.stats),
                change: r.change_label.clone(),
            })
            .collect(),
        h: headline(&stats),
        // A month already submitted or accepted is not submitted again.
        can_submit: is_town
            && may_write_projects(&u.actor, &region)
            && !towns.iter().any(|t| {
                t.town_code == code
                    && (t.period_state == "submitted" || t.period_state == "accepted")
            }),
        can_publish: !is_town
            && matches!(
                u.actor.role,
                meizhen_domain::Role::ProvinceOffice
                    | meizhen_domain::Role::CityOffice
                    | meizhen_domain::Role::CountyOffice
                    | meizhen_domain::Role::Admin
            ),
        review_towns: towns
            .iter()
            .filter(|t| RegionCode::parse(&t.town_code).is_ok_and(|c| may_review(&u.actor, &c)))
            .map(|t| t.town_code.clone())
            .collect(),
        towns,
        by_pillar: group(&breakdown.by_pillar, super::projects::pillar_label),
        by_status: group(&breakdown.by_status, super::projects::status_label),
        is_town,
        code: code.to_owned(),
        name: view.region.name.clone(),
        month: month.to_string(),
        month_label: month.label_zh(),
        by: match by {
            RankBy::Investment => "investment",
            RankBy::Start => "start",
            RankBy::Completion => "completion",
        }
        .into(),
        published: q.published.is_some(),
        l,
    })
}

async fn export(
    State(state): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<Query>,
) -> Response {
    let result = async {
        let month = match q.month.as_deref() {
            Some(m) => YearMonth::parse(m)?,
            None => default_month(),
        };
        crate::export::ranking_xlsx(&state, &u.actor, &code, month, RankBy::parse(&q.by)?).await
    }
    .await;
    result.unwrap_or_else(|e| PageError(e).into_response())
}

/// The monthly illustrated report as Word.
async fn report_docx(
    State(state): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<Query>,
) -> Response {
    let result = async {
        let month = match q.month.as_deref() {
            Some(m) => YearMonth::parse(m)?,
            None => default_month(),
        };
        let bytes = state
            .services
            .progress_report_docx(&u.actor, &code, month, crate::view::today())
            .await?;
        Ok::<_, ServiceError>(crate::export::docx(
            bytes,
            &format!("项目进度月报-{code}-{month}.docx"),
        ))
    }
    .await;
    result.unwrap_or_else(|e| PageError(e).into_response())
}

async fn submit(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path((code, month)): Path<(String, String)>,
) -> Response {
    let r = async {
        let m = YearMonth::parse(&month)?;
        state.services.submit_month(&u.actor, &code, m, &meta).await
    }
    .await;
    match r {
        Ok(_) => {
            Redirect::to(&format!("/progress/{code}?month={month}&done=saved")).into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
struct ReviewForm {
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    back: String,
}

async fn review(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path((code, month)): Path<(String, String)>,
    PageForm(f): PageForm<ReviewForm>,
) -> Response {
    let r = async {
        let m = YearMonth::parse(&month)?;
        state
            .services
            .review_month(&u.actor, &code, m, f.decision == "accept", &f.note, &meta)
            .await
    }
    .await;
    let back = RegionCode::parse(&f.back)
        .map(|c| c.to_string())
        .unwrap_or_else(|_| code.clone());
    match r {
        Ok(_) => {
            Redirect::to(&format!("/progress/{back}?month={month}&done=saved")).into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn publish(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path((code, month)): Path<(String, String)>,
) -> Response {
    let r = async {
        let m = YearMonth::parse(&month)?;
        state
            .services
            .publish_month(&u.actor, &code, m, &meta)
            .await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!(
            "/progress/{code}?month={month}&published=on&done=saved"
        ))
        .into_response(),
        Err(e) => PageError(e).into_response(),
    }
}
