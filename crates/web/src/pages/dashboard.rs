//! 驾驶舱: one page per region for leaders — the year's headline figures of
//! every module (the same `Facts` the work summary is written from), the
//! monthly trends, the regions below ranked with drill-down to their own
//! dashboard, and the problems found. Cards and tables reflow on a phone.

use super::render;
use crate::charts;
use crate::error::PageError;
use crate::extract::{empty_as_none, PageQuery, PageUser};
use crate::view::{query_string, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use meizhen_domain::money::Fen;
use meizhen_domain::summary::{milli_zh, money_zh, percent_zh, yoy_zh};
use meizhen_domain::RegionCode;
use meizhen_service::summary::{Dashboard, Facts};
use meizhen_service::{Actor, ServiceError};
use serde::Deserialize;

/// How many years back the year selector offers.
const YEARS_BACK: i32 = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(own))
        .route("/dashboard/{code}", get(page))
}

/// The dashboard of `year`, or (without one) of the latest year with project
/// figures; this year if there are none.
/// Returns the dashboard and whether an earlier year was chosen.
pub(crate) async fn dashboard_of(
    state: &AppState,
    actor: &Actor,
    region: &RegionCode,
    year: Option<i32>,
) -> Result<(Dashboard, bool), ServiceError> {
    if let Some(y) = year {
        if !(2000..=2100).contains(&y) {
            return Err(ServiceError::invalid("year", format!("年度“{y}”无效")));
        }
    }
    let this = crate::view::today().year();
    let chosen = match year {
        Some(y) => y,
        None => state
            .services
            .latest_data_year(actor, region)
            .await?
            .unwrap_or(this),
    };
    Ok((
        state.services.dashboard(actor, region, chosen).await?,
        year.is_none() && chosen != this,
    ))
}

#[derive(Deserialize, Default)]
struct Query {
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
}

async fn own(u: PageUser) -> Response {
    Redirect::to(&format!("/dashboard/{}", u.actor.region)).into_response()
}

struct Card {
    num: String,
    label: &'static str,
    /// A second line: 同比, a share.
    note: String,
}

struct Module {
    title: &'static str,
    /// The list the figures were computed from.
    href: String,
    link: &'static str,
    cards: Vec<Card>,
    /// Breakdown lines under the cards ("省级 120", …).
    lines: Vec<String>,
}

struct ChildRow {
    rank: String,
    code: String,
    name: String,
    projects: i64,
    start_rate: String,
    completion_rate: String,
    completed: String,
    investment_rate: String,
    score: String,
}

struct IndicatorRow {
    name: String,
    unit: String,
    value: String,
    previous: String,
    target: String,
    below: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    code: String,
    name: String,
    year: i32,
    years: Vec<i32>,
    fell_back: bool,
    as_of: String,
    modules: Vec<Module>,
    indicators: Vec<IndicatorRow>,
    indicators_href: String,
    children: Vec<ChildRow>,
    child_level: &'static str,
    bars_svg: String,
    investment_svg: String,
    rates_svg: String,
    problems: Vec<String>,
}

fn card(num: impl Into<String>, label: &'static str) -> Card {
    Card {
        num: num.into(),
        label,
        note: String::new(),
    }
}

fn pct(r: Option<f64>) -> String {
    percent_zh(r).unwrap_or_else(|| "—".into())
}

fn money(fen: i64) -> String {
    money_zh(Fen::new(fen))
}

/// Hundredths of a point: "92.35".
fn score(h: i64) -> String {
    let sign = if h < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", h.abs() / 100, h.abs() % 100)
}

fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let q = query_string(pairs);
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

fn modules(f: &Facts, year: i32) -> Vec<Module> {
    let code = f.region_code.as_str();
    let y = year.to_string();
    let p = &f.projects.current;
    let inv_yoy = yoy_zh(
        p.completed_investment_fen,
        f.projects
            .previous
            .as_ref()
            .map(|x| x.completed_investment_fen),
    );
    let mut completed = card(money(p.completed_investment_fen), "完成投资");
    completed.note = inv_yoy.unwrap_or_default();
    let mut projects = vec![
        card(p.projects.to_string(), "项目数"),
        card(p.started.to_string(), "已开工（含完工）"),
        card(p.completed.to_string(), "已完工"),
        card(pct(p.start_rate), "开工率"),
        card(pct(p.completion_rate), "完工率"),
        card(money(p.total_investment_fen), "总投资"),
        card(money(p.planned_investment_fen), "年度计划投资"),
        completed,
        card(pct(p.investment_completion_rate), "投资完成率"),
    ];
    if p.reports_expected > 0 {
        projects.push(card(
            format!("{}/{}", p.reports_submitted, p.reports_expected),
            "月报已报/应报",
        ));
    }
    let ins = &f.inspections;
    let rect = &ins.rect;
    let pub_ = &f.publicity;
    let mut media_total = card(pub_.total.to_string(), "宣传报道");
    media_total.note = yoy_zh(pub_.total, Some(pub_.previous_total)).unwrap_or_default();
    let ex = &f.experts;
    let mut services = card(ex.services.to_string(), "专家服务次数");
    services.note = yoy_zh(ex.services, Some(ex.previous_services)).unwrap_or_default();
    let counts = |v: &[meizhen_service::summary::KeyCount]| {
        v.iter()
            .map(|k| format!("{} {}", k.label, k.n))
            .collect::<Vec<_>>()
    };
    vec![
        Module {
            title: "项目推进",
            href: href("/projects", &[("region", code), ("year", &y)]),
            link: "查看项目库",
            cards: projects,
            lines: f
                .projects
                .by_pillar
                .iter()
                .filter(|l| l.projects > 0)
                .map(|l| {
                    format!(
                        "{} {}个，完成投资{}",
                        l.label,
                        l.projects,
                        money(l.completed_investment_fen)
                    )
                })
                .collect(),
        },
        Module {
            title: "创建名单",
            href: format!("/regions/{code}"),
            link: "查看区划与名单",
            cards: vec![
                card(f.enrollment.model.to_string(), "样板创建乡镇"),
                card(f.enrollment.standard.to_string(), "达标创建乡镇"),
            ],
            lines: Vec::new(),
        },
        Module {
            title: "暗访督查",
            href: "/rounds".into(),
            link: "查看暗访轮次",
            cards: vec![
                card(ins.rounds.to_string(), "暗访轮次"),
                card(ins.inspections.to_string(), "检查乡镇（次）"),
                card(
                    ins.average_score.map(score).unwrap_or_else(|| "—".into()),
                    "平均得分",
                ),
                card(ins.findings.to_string(), "发现问题"),
            ],
            lines: Vec::new(),
        },
        Module {
            title: "问题整改",
            href: "/rectifications".into(),
            link: "查看问题整改",
            cards: vec![
                card(rect.total.to_string(), "整改问题"),
                card(rect.closed.to_string(), "已销号"),
                card(rect.closed_on_time.to_string(), "按期销号"),
                card(rect.overdue.to_string(), "逾期未整改"),
                card(pct(rect.rate), "整改率"),
            ],
            lines: Vec::new(),
        },
        Module {
            title: "宣传报道",
            href: href("/ledgers/media-reports", &[("region", code), ("year", &y)]),
            link: "查看宣传报道台账",
            cards: vec![
                media_total,
                card(pub_.provincial_and_above.to_string(), "省级及以上媒体"),
                card(pub_.local.to_string(), "市县媒体及新媒体"),
            ],
            lines: counts(&pub_.by_level)
                .into_iter()
                .chain(counts(&pub_.by_medium))
                .collect(),
        },
        Module {
            title: "专家服务",
            href: href(
                "/ledgers/expert-services",
                &[("region", code), ("year", &y)],
            ),
            link: "查看专家服务台账",
            cards: vec![
                card(ex.experts.to_string(), "服务专家"),
                card(ex.paired_towns.to_string(), "结对乡镇"),
                services,
                card(ex.opinions_given.to_string(), "提出意见"),
                card(ex.opinions_adopted.to_string(), "采纳意见"),
            ],
            lines: counts(&ex.by_type)
                .into_iter()
                .chain(counts(&ex.by_pairing))
                .collect(),
        },
        Module {
            title: "会议",
            href: href("/ledgers/meetings", &[("region", code), ("year", &y)]),
            link: "查看会议台账",
            cards: vec![card(f.meetings.total.to_string(), "会议")],
            lines: counts(&f.meetings.by_kind)
                .into_iter()
                .chain(counts(&f.meetings.by_level))
                .collect(),
        },
        Module {
            title: "工作专班",
            href: href("/ledgers/work-teams", &[("region", code), ("year", &y)]),
            link: "查看工作专班台账",
            cards: vec![
                card(f.work_team.staff.to_string(), "专班人员"),
                card(f.work_team.offices.to_string(), "所在美镇办"),
            ],
            lines: Vec::new(),
        },
    ]
}

fn indicator_rows(f: &Facts) -> Vec<IndicatorRow> {
    let opt = |v: Option<i64>| v.map(milli_zh).unwrap_or_else(|| "—".into());
    f.indicators
        .iter()
        .map(|i| IndicatorRow {
            name: i.name.clone(),
            unit: i.unit.clone(),
            value: opt(i.value_milli),
            previous: opt(i.previous_milli),
            target: opt(i.target_milli),
            below: if i.towns_below.is_empty() {
                String::new()
            } else {
                format!(
                    "{}个：{}",
                    i.towns_below.len(),
                    i.towns_below
                        .iter()
                        .take(8)
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            },
        })
        .collect()
}

fn problem_lines(f: &Facts) -> Vec<String> {
    let p = &f.problems;
    let mut out = Vec::new();
    // (name, rate, compared with, its rate)
    let lag = |lines: Vec<(&str, Option<f64>, &str, Option<f64>)>, what: &str| {
        (!lines.is_empty()).then(|| {
            format!(
                "{what}滞后：{}",
                lines
                    .iter()
                    .map(|(n, r, rn, rr)| format!("{n}（{}，{rn}{}）", pct(*r), pct(*rr)))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        })
    };
    out.extend(lag(
        p.lagging_start
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.rate,
                    l.reference_name.as_str(),
                    l.reference,
                )
            })
            .collect(),
        "开工率",
    ));
    out.extend(lag(
        p.lagging_investment
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.rate,
                    l.reference_name.as_str(),
                    l.reference,
                )
            })
            .collect(),
        "投资完成率",
    ));
    if p.overdue_rectifications > 0 {
        out.push(format!(
            "逾期未整改问题{}个：{}",
            p.overdue_rectifications,
            p.overdue_towns
                .iter()
                .map(|t| format!("{}{}个", t.name, t.overdue))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    if !p.late_reports.is_empty() {
        out.push(format!(
            "月报未报齐：{}",
            p.late_reports
                .iter()
                .map(|t| format!("{}（{}/{}）", t.name, t.submitted, t.expected))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    for i in &p.indicators_below {
        out.push(format!("{}未达目标的乡镇{}个", i.name, i.towns_below.len()));
    }
    out
}

async fn page(
    State(state): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<Query>,
) -> Response {
    match build(&state, &u, &code, q.year).await {
        Ok(p) => render(&p),
        Err(e) => PageError(e).into_response(),
    }
}

async fn build(
    state: &AppState,
    u: &PageUser,
    code: &str,
    year: Option<i32>,
) -> Result<DashboardPage, ServiceError> {
    let region = RegionCode::parse(code.trim())?;
    let (d, fell_back) = dashboard_of(state, &u.actor, &region, year).await?;
    let f = &d.facts;
    let year = f.period.year;
    let view = state.services.region(&u.actor, region.as_str()).await?;
    let mut l = Layout::new(
        &u.actor,
        &u.csrf,
        "dashboard",
        format!("{} 驾驶舱", f.region_name),
    );
    for (c, n) in &view.breadcrumb {
        l = l.crumb(n.clone(), Some(format!("/dashboard/{c}?year={year}")));
    }
    let mut children: Vec<&meizhen_service::summary::ChildLine> = d.children.iter().collect();
    children.sort_by_key(|c| (c.investment_rank.unwrap_or(u32::MAX), c.code.clone()));
    let bars: Vec<(String, Option<f64>)> = children
        .iter()
        .map(|c| (c.name.clone(), c.stats.investment_completion_rate))
        .collect();
    let mut invest = vec![None; 12];
    let mut start = vec![None; 12];
    let mut inv_rate = vec![None; 12];
    for t in &d.trend {
        let i = (t.month as usize).saturating_sub(1).min(11);
        invest[i] = Some(t.completed_investment_fen as f64 / 1_000_000.0);
        start[i] = t.start_rate.map(|r| r * 100.0);
        inv_rate[i] = t.investment_rate.map(|r| r * 100.0);
    }
    let this = crate::view::today().year();
    Ok(DashboardPage {
        l,
        code: f.region_code.clone(),
        name: f.region_name.clone(),
        year,
        years: (this - YEARS_BACK..=this).rev().collect(),
        fell_back,
        as_of: f.as_of.clone(),
        modules: modules(f, year),
        indicators: indicator_rows(f),
        indicators_href: href(
            "/ledgers/indicator-values",
            &[("region", &f.region_code), ("year", &year.to_string())],
        ),
        child_level: match region.level() {
            meizhen_domain::Level::Province => "市",
            meizhen_domain::Level::City => "县（市、区）",
            _ => "乡镇（街道）",
        },
        children: children
            .iter()
            .map(|c| ChildRow {
                rank: c
                    .investment_rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "—".into()),
                code: c.code.clone(),
                name: c.name.clone(),
                projects: c.stats.projects,
                start_rate: pct(c.stats.start_rate),
                completion_rate: pct(c.stats.completion_rate),
                completed: money(c.stats.completed_investment_fen),
                investment_rate: pct(c.stats.investment_completion_rate),
                score: c.inspection_score.map(score).unwrap_or_else(|| "—".into()),
            })
            .collect(),
        bars_svg: if bars.is_empty() {
            String::new()
        } else {
            charts::rate_bars(&format!("{}下级区划投资完成率", f.region_name), &bars)
        },
        investment_svg: charts::month_lines(
            &format!("{} {year} 年累计完成投资（万元）", f.region_name),
            &[("累计完成投资", "#0b5f4a", invest)],
        ),
        rates_svg: charts::month_lines(
            &format!("{} {year} 年开工率与投资完成率（%）", f.region_name),
            &[
                ("开工率", "#8a5a00", start),
                ("投资完成率", "#1f6feb", inv_rate),
            ],
        ),
        problems: problem_lines(f),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_links() {
        assert_eq!(score(9235), "92.35");
        assert_eq!(score(8000), "80.00");
        assert_eq!(score(-5), "-0.05");
        assert_eq!(
            href("/ledgers/meetings", &[("region", "3310"), ("year", "2020")]),
            "/ledgers/meetings?region=3310&year=2020"
        );
        assert_eq!(href("/rounds", &[]), "/rounds");
        assert_eq!(pct(None), "—");
        assert_eq!(pct(Some(0.875)), "87.5%");
    }
}
