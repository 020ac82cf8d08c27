//! 项目库 pages: list with filters and export, create/edit, the project page
//! with its monthly reports and its thread of comments (意见与回复), and the
//! office's "return for correction".

use super::{done_message, render};
use crate::error::PageError;
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::{query_string, role_label, time, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_domain::money::Fen;
use meizhen_domain::page::PageRequest;
use meizhen_domain::project::{Pillar, ProjectStatus, YearMonth};
use meizhen_service::projects::{PlanInput, ProjectFilter, ProjectInput, ProjectRow, ReportInput};
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list))
        .route("/projects/export.xlsx", get(export))
        .route("/projects/new", get(new_page).post(create))
        .route("/projects/{id}", get(show))
        .route("/projects/{id}/edit", get(edit_page).post(update))
        .route("/projects/{id}/report", post(report))
        .route("/projects/{id}/return", post(return_project))
        .route("/projects/{id}/comments", post(comment))
}

pub fn wan(fen: i64) -> String {
    Fen::new(fen).to_wan_string(2)
}

pub fn status_label(id: &str) -> &'static str {
    ProjectStatus::from_id(id)
        .map(ProjectStatus::label)
        .unwrap_or("")
}

pub fn pillar_label(id: &str) -> &'static str {
    Pillar::from_id(id).map(Pillar::label).unwrap_or("")
}

fn pillars() -> Vec<(&'static str, &'static str)> {
    Pillar::ALL.iter().map(|p| (p.id(), p.label())).collect()
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    ProjectStatus::ALL
        .iter()
        .map(|s| (s.id(), s.label()))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub year: Option<i32>,
    #[serde(default)]
    pub pillar: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub key_only: Option<String>,
    #[serde(default)]
    pub q: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub page: Option<u32>,
}

impl ListQuery {
    pub fn filter(&self) -> ProjectFilter {
        ProjectFilter {
            region: Some(self.region.clone()),
            year: self.year,
            pillar: Some(self.pillar.clone()),
            status: Some(self.status.clone()),
            key_only: self.key_only.is_some(),
            q: Some(self.q.clone()),
        }
    }
    fn base(&self) -> String {
        let year = self.year.map(|y| y.to_string()).unwrap_or_default();
        let key = if self.key_only.is_some() { "on" } else { "" };
        query_string(&[
            ("region", &self.region),
            ("year", &year),
            ("pillar", &self.pillar),
            ("status", &self.status),
            ("key_only", key),
            ("q", &self.q),
        ])
    }
}

struct Row {
    id: i64,
    town: String,
    code: String,
    name: String,
    pillar: &'static str,
    key: bool,
    status: &'static str,
    total: String,
    planned: String,
    pct: String,
    returned: bool,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    year: String,
    pillars: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    pager: Pager,
    export_href: String,
    can_create: bool,
}

async fn list(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let page = PageRequest::new(q.page, None);
    let result = match state.services.projects(&u.actor, &q.filter(), &page).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let base = q.base();
    render(&ListPage {
        l: Layout::new(&u.actor, &u.csrf, "projects", "项目库").crumb("项目库", None),
        pager: Pager::new(&result, "/projects", &base),
        rows: result
            .items
            .iter()
            .map(|p| Row {
                id: p.id,
                town: p.town_name.clone(),
                code: p.code.clone(),
                name: p.name.clone(),
                pillar: pillar_label(&p.pillar),
                key: p.is_key,
                status: status_label(&p.status),
                total: wan(p.total_investment_fen),
                planned: p.planned_investment_fen.map(wan).unwrap_or_default(),
                pct: p.progress_pct.map(|v| format!("{v}%")).unwrap_or_default(),
                returned: p.review_state == "returned",
            })
            .collect(),
        export_href: if base.is_empty() {
            "/projects/export.xlsx".into()
        } else {
            format!("/projects/export.xlsx?{base}")
        },
        can_create: u.actor.role == meizhen_domain::Role::TownStaff,
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
        pillars: pillars(),
        statuses: statuses(),
        q,
    })
}

async fn export(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    match crate::export::projects_xlsx(&state, &u.actor, &q.filter(), q.year).await {
        Ok(r) => r,
        Err(e) => PageError(e).into_response(),
    }
}

/// The project form, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ProjectForm {
    town: String,
    code: String,
    name: String,
    pillar: String,
    basic_facility: String,
    is_key: Option<String>,
    content: String,
    owner_unit: String,
    responsible_person: String,
    funding_sources: String,
    total_investment: String,
    plan_year: String,
    plan_amount: String,
    planned_start: String,
    planned_finish: String,
    actual_start: String,
    actual_finish: String,
    status: String,
    progress_text: String,
    progress_pct: String,
    land_acquired: String,
    land_transferred: String,
    graves_moved: String,
    households_relocated: String,
    problems: String,
    correction_reason: String,
}

impl ProjectForm {
    fn input(&self) -> Result<ProjectInput, ServiceError> {
        let pct = match self.progress_pct.trim() {
            "" => None,
            t => Some(t.trim_end_matches('%').parse::<i32>().map_err(|_| {
                ServiceError::invalid("progress_pct", "形象进度百分比应为 0 到 100 的整数")
            })?),
        };
        let plans = match (self.plan_year.trim(), self.plan_amount.trim()) {
            ("", "") => Vec::new(),
            (y, a) => vec![PlanInput {
                year: y.parse().map_err(|_| {
                    ServiceError::invalid("plan_year", "请填写计划投资的年度（四位数）")
                })?,
                amount: a.to_owned(),
            }],
        };
        Ok(ProjectInput {
            code: self.code.clone(),
            name: self.name.clone(),
            pillar: self.pillar.clone(),
            basic_facility: Some(self.basic_facility.clone()),
            is_key: self.is_key.is_some(),
            content: self.content.clone(),
            owner_unit: self.owner_unit.clone(),
            responsible_person: self.responsible_person.clone(),
            funding_sources: self.funding_sources.clone(),
            total_investment: self.total_investment.clone(),
            plans,
            planned_start: self.planned_start.clone(),
            planned_finish: self.planned_finish.clone(),
            actual_start: self.actual_start.clone(),
            actual_finish: self.actual_finish.clone(),
            status: self.status.clone(),
            progress_text: self.progress_text.clone(),
            progress_pct: pct,
            land_acquired: self.land_acquired.clone(),
            land_transferred: self.land_transferred.clone(),
            graves_moved: self.graves_moved.clone(),
            households_relocated: self.households_relocated.clone(),
            problems: self.problems.clone(),
            correction_reason: self.correction_reason.clone(),
        })
    }

    fn of(p: &ProjectRow, plan: Option<(i32, i64)>) -> ProjectForm {
        let centimu = |v: i64| {
            if v == 0 {
                String::new()
            } else {
                Fen::new(v).to_yuan_string()
            }
        };
        let count = |v: i64| if v == 0 { String::new() } else { v.to_string() };
        ProjectForm {
            town: p.town_code.clone(),
            code: p.code.clone(),
            name: p.name.clone(),
            pillar: p.pillar.clone(),
            basic_facility: p.basic_facility.clone().unwrap_or_default(),
            is_key: p.is_key.then(|| "on".into()),
            content: p.content.clone(),
            owner_unit: p.owner_unit.clone(),
            responsible_person: p.responsible_person.clone(),
            funding_sources: p.funding_sources.clone(),
            total_investment: wan(p.total_investment_fen),
            plan_year: plan.map(|(y, _)| y.to_string()).unwrap_or_default(),
            plan_amount: plan.map(|(_, f)| wan(f)).unwrap_or_default(),
            planned_start: p.planned_start.clone().unwrap_or_default(),
            planned_finish: p.planned_finish.clone().unwrap_or_default(),
            actual_start: p.actual_start.clone().unwrap_or_default(),
            actual_finish: p.actual_finish.clone().unwrap_or_default(),
            status: p.status.clone(),
            progress_text: p.progress_text.clone(),
            progress_pct: p.progress_pct.map(|v| v.to_string()).unwrap_or_default(),
            land_acquired: centimu(p.land_acquired_centimu),
            land_transferred: centimu(p.land_transferred_centimu),
            graves_moved: count(p.graves_moved),
            households_relocated: count(p.households_relocated),
            problems: p.problems.clone(),
            correction_reason: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "project_form.html")]
struct FormPage {
    l: Layout,
    id: Option<i64>,
    f: ProjectForm,
    is_key: bool,
    pillars: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

fn form_page(u: &PageUser, id: Option<i64>, f: ProjectForm, error: Option<String>) -> FormPage {
    let title = if id.is_some() {
        "编辑项目"
    } else {
        "新增项目"
    };
    FormPage {
        l: Layout::new(&u.actor, &u.csrf, "projects", title)
            .crumb("项目库", Some("/projects".into()))
            .crumb(title, None),
        id,
        is_key: f.is_key.is_some(),
        f,
        pillars: pillars(),
        statuses: statuses(),
        error,
    }
}

#[derive(Deserialize)]
struct NewQuery {
    town: Option<String>,
}

async fn new_page(u: PageUser, PageQuery(q): PageQuery<NewQuery>) -> Response {
    let town = q.town.unwrap_or_else(|| u.actor.region.to_string());
    let f = ProjectForm {
        town,
        plan_year: crate::view::today().format("%Y").to_string(),
        ..Default::default()
    };
    render(&form_page(&u, None, f, None))
}

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

async fn create(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<ProjectForm>,
) -> Response {
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .create_project(&u.actor, &f.town, &input, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Redirect::to(&format!("/projects/{}?done=created", p.id)).into_response(),
        Err(e @ ServiceError::Internal(_)) => PageError(e).into_response(),
        Err(e) => with_status(
            crate::error::status_of(&e),
            render(&form_page(&u, None, f, Some(e.to_string()))),
        ),
    }
}

async fn edit_page(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    match state.services.project(&u.actor, id).await {
        Ok(v) => {
            let plan = v.plans.last().map(|p| (p.year, p.planned_investment_fen));
            render(&form_page(
                &u,
                Some(id),
                ProjectForm::of(&v.project, plan),
                None,
            ))
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn update(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ProjectForm>,
) -> Response {
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .update_project(&u.actor, id, &input, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/projects/{id}?done=saved")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => with_status(
            crate::error::status_of(&e),
            render(&form_page(&u, Some(id), f, Some(e.to_string()))),
        ),
    }
}

struct ReportView {
    month: String,
    month_wan: String,
    cumulative_wan: String,
    year_wan: String,
    status: &'static str,
    progress: String,
    problems: String,
    correction: String,
    submitted: String,
}

/// A comment as shown: the body split into lines, so the template escapes
/// each line and joins them with `<br>` (no markup from the text survives).
struct CommentView {
    id: i64,
    author: String,
    role: &'static str,
    /// Written by the town's staff (a reply to the offices above).
    is_reply: bool,
    at: String,
    lines: Vec<String>,
}

/// The comment form after a refused post: what was typed (the reason is the
/// page's error, shown at the form instead of the top).
struct CommentDraft {
    body: String,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ShowPage {
    l: Layout,
    p: ProjectRow,
    town_name: String,
    pillar: &'static str,
    status: &'static str,
    total: String,
    plans: Vec<(i32, String)>,
    reports: Vec<ReportView>,
    photos: Vec<super::photos::PhotoView>,
    can_edit: bool,
    can_review: bool,
    comments: Vec<CommentView>,
    can_comment: bool,
    /// The town replies; offices comment.
    comment_is_reply: bool,
    comment_body: String,
    comment_error: Option<String>,
    draft: ReportDraft,
    statuses: Vec<(&'static str, &'static str)>,
    land_acquired: String,
    land_transferred: String,
    error: Option<String>,
}

/// The monthly report form as shown: defaults, or what the user typed when
/// the save was refused (so a corrected figure is not saved to another month).
#[derive(Default)]
pub(super) struct ReportDraft {
    month: String,
    cumulative: String,
    status: String,
    pct: String,
    progress_text: String,
    problems: String,
    reason: String,
    retry: bool,
}

pub(super) async fn show_page(
    state: &AppState,
    u: &PageUser,
    id: i64,
    flash: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    show_page_with(state, u, id, flash, error, None, None).await
}

async fn show_page_with(
    state: &AppState,
    u: &PageUser,
    id: i64,
    flash: Option<String>,
    error: Option<(StatusCode, String)>,
    draft: Option<ReportDraft>,
    comment: Option<CommentDraft>,
) -> Response {
    let v = match state.services.project(&u.actor, id).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let (error, comment_error) = match comment {
        Some(_) => (None, error),
        None => (error, None),
    };
    // The month to report: last month (reports are due early the next month).
    let report_month = YearMonth::from_date(crate::view::today())
        .prev()
        .to_string();
    let p = v.project.clone();
    let page = ShowPage {
        l: Layout::new(&u.actor, &u.csrf, "projects", p.name.clone())
            .crumb("项目库", Some("/projects".into()))
            .crumb(p.name.clone(), None)
            .flash(flash),
        town_name: v.town_name.clone(),
        pillar: pillar_label(&p.pillar),
        status: status_label(&p.status),
        total: wan(p.total_investment_fen),
        plans: v
            .plans
            .iter()
            .map(|pl| (pl.year, wan(pl.planned_investment_fen)))
            .collect(),
        reports: v
            .reports
            .iter()
            .rev()
            .map(|r| ReportView {
                month: format!("{}-{:02}", r.year, r.month),
                month_wan: wan(r.month_fen),
                cumulative_wan: wan(r.cumulative_fen),
                year_wan: wan(r.year_cumulative_fen),
                status: status_label(&r.status),
                progress: format!(
                    "{}{}",
                    r.progress_text,
                    r.progress_pct
                        .map(|p| format!("（{p}%）"))
                        .unwrap_or_default()
                ),
                problems: r.problems.clone(),
                correction: r.correction_reason.clone(),
                submitted: time(r.updated_at),
            })
            .collect(),
        photos: super::photos::views(&v.photos, &v.reports),
        can_edit: v.can_edit,
        can_review: v.can_review,
        comments: v
            .comments
            .iter()
            .map(|c| CommentView {
                id: c.id,
                author: c.author_name.clone(),
                role: role_label(&c.author_role),
                is_reply: c.author_role == meizhen_domain::Role::TownStaff.id(),
                at: time(c.created_at),
                lines: c.body.lines().map(str::to_owned).collect(),
            })
            .collect(),
        can_comment: v.can_comment,
        comment_is_reply: u.actor.role == meizhen_domain::Role::TownStaff,
        comment_body: comment.map(|c| c.body).unwrap_or_default(),
        comment_error,
        draft: draft.unwrap_or_else(|| ReportDraft {
            month: report_month,
            cumulative: v
                .reports
                .last()
                .map(|r| wan(r.cumulative_fen))
                .unwrap_or_default(),
            status: p.status.clone(),
            ..Default::default()
        }),
        statuses: statuses(),
        land_acquired: Fen::new(p.land_acquired_centimu).to_yuan_string(),
        land_transferred: Fen::new(p.land_transferred_centimu).to_yuan_string(),
        error,
        p,
    };
    with_status(status, render(&page))
}

async fn show(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<super::auth::DoneQuery>,
) -> Response {
    show_page(&state, &u, id, done_message(q.done.as_deref()), None).await
}

#[derive(Deserialize)]
struct ReportForm {
    month: String,
    cumulative_investment: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress_text: String,
    #[serde(default)]
    progress_pct: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    correction_reason: String,
}

async fn report(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReportForm>,
) -> Response {
    let result = async {
        let month = YearMonth::parse(&f.month)?;
        let pct = match f.progress_pct.trim() {
            "" => None,
            t => Some(t.trim_end_matches('%').parse::<i32>().map_err(|_| {
                ServiceError::invalid("progress_pct", "形象进度百分比应为 0 到 100 的整数")
            })?),
        };
        let input = ReportInput {
            cumulative_investment: f.cumulative_investment.clone(),
            status: f.status.clone(),
            progress_text: f.progress_text.clone(),
            progress_pct: pct,
            problems: f.problems.clone(),
            correction_reason: f.correction_reason.clone(),
        };
        state
            .services
            .submit_report(&u.actor, id, month, &input, &meta)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/projects/{id}?done=saved")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let draft = ReportDraft {
                month: f.month.clone(),
                cumulative: f.cumulative_investment.clone(),
                status: f.status.clone(),
                pct: f.progress_pct.clone(),
                progress_text: f.progress_text.clone(),
                problems: f.problems.clone(),
                reason: f.correction_reason.clone(),
                retry: true,
            };
            show_page_with(
                &state,
                &u,
                id,
                None,
                Some((crate::error::status_of(&e), e.to_string())),
                Some(draft),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct ReturnForm {
    #[serde(default)]
    note: String,
}

async fn return_project(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReturnForm>,
) -> Response {
    match state
        .services
        .return_project(&u.actor, id, &f.note, &meta)
        .await
    {
        Ok(_) => Redirect::to(&format!("/projects/{id}?done=saved")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            show_page(
                &state,
                &u,
                id,
                None,
                Some((crate::error::status_of(&e), e.to_string())),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

/// Posts a comment (or the town's reply) and returns to the thread.
async fn comment(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CommentForm>,
) -> Response {
    match state
        .services
        .add_project_comment(&u.actor, id, &f.body, &meta)
        .await
    {
        Ok(c) => {
            Redirect::to(&format!("/projects/{id}?done=saved#comment-{}", c.id)).into_response()
        }
        // Refused text: the page again, with what was typed and why, at the form.
        Err(e @ ServiceError::Invalid(_)) => {
            show_page_with(
                &state,
                &u,
                id,
                None,
                Some((crate::error::status_of(&e), e.to_string())),
                None,
                Some(CommentDraft { body: f.body }),
            )
            .await
        }
        Err(e) => PageError(e).into_response(),
    }
}
