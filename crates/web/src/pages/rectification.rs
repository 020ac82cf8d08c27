//! 整改闭环 pages: the task list with its filter bar and Excel export, one
//! task (before photos, history, the town's phone-friendly answer form with
//! after-photos, the county's 销号 / 退回整改), and the figures per county and
//! town (整改率, 按期整改率, 逾期) with a bar chart.
//!
//! Which tasks a caller sees, and who may answer or verify, is the service's;
//! the forms shown here only follow `may_verify` and the town's own staff.

use super::{done_message, render};
use crate::api::rectification::{read_answer_form, summary_region, RectQuery};
use crate::charts;
use crate::error::{status_of, PageError};
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::{query_string, time, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_documents::{table_to_xlsx, Cell, Column, ColumnKind, Table};
use meizhen_domain::inspection::{Points, RectState, Severity};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::rates::format_percent;
use meizhen_domain::Role;
use meizhen_service::inspections::{
    may_verify, FindingPhotoRow, FindingView, RectLine, RoundFilter,
};
use meizhen_service::photos::thumb_size;
use meizhen_service::{Actor, ServiceError};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rectifications", get(list))
        .route("/rectifications.xlsx", get(export))
        .route("/rectifications/summary", get(summary))
        .route("/rectifications/{id}", get(detail))
        .route(
            "/rectifications/{id}/answer",
            post(answer).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/rectifications/{id}/verify", post(verify))
}

// ---- shared helpers --------------------------------------------------------------------

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

/// The state filter's choices: (value, label).
const STATES: [(&str, &str); 6] = [
    ("", "全部"),
    ("open", "待整改"),
    ("submitted", "待核查"),
    ("returned", "退回整改"),
    ("closed", "已销号"),
    ("overdue", "已逾期"),
];

fn state_of(f: &FindingView) -> Option<RectState> {
    f.row.rect_state.as_deref().and_then(RectState::from_id)
}

/// The badge's label and class of a task.
fn badge(s: Option<RectState>) -> (&'static str, &'static str) {
    match s {
        Some(RectState::Open) => ("待整改", "warn"),
        Some(RectState::Submitted) => ("待核查", ""),
        Some(RectState::Returned) => ("退回整改", "warn"),
        Some(RectState::Closed) => ("已销号", "ok"),
        None => ("未发布", "off"),
    }
}

fn severity_label(id: &str) -> &'static str {
    Severity::parse(id).map(Severity::label).unwrap_or("")
}

/// Published rounds the caller may see: (id, name), newest first.
async fn round_options(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<(i64, String)>, ServiceError> {
    Ok(state
        .services
        .rounds(
            actor,
            &RoundFilter {
                published_only: true,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|r| (r.round.id, r.round.name))
        .collect())
}

/// An Excel download whose (Chinese) name travels as RFC 5987 `filename*`.
pub(super) fn xlsx_download(
    table: &Table,
    sheet: &str,
    filename: &str,
) -> Result<Response, ServiceError> {
    let bytes = table_to_xlsx(sheet, table).map_err(|e| {
        tracing::error!(error = %e, "export failed");
        ServiceError::Conflict(format!("导出失败：{e}"))
    })?;
    Ok(crate::export::xlsx(bytes, filename))
}

/// "导出人：… 导出时间：…" under an export's title.
pub(super) fn export_subtitle(actor: &Actor) -> String {
    format!(
        "导出人：{}　导出时间：{}",
        actor.username,
        time(chrono::Utc::now().timestamp_millis())
    )
}

pub(super) fn col(header: &str, width: f64, kind: ColumnKind) -> Column {
    Column::new(header, width, kind)
}

// ---- the list --------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    round: Option<i64>,
    #[serde(default)]
    region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
}

impl ListQuery {
    fn rect(&self) -> RectQuery {
        RectQuery {
            state: self.state.clone(),
            round: self.round,
            region: self.region.clone(),
        }
    }
    fn base(&self) -> String {
        let round = self.round.map(|r| r.to_string()).unwrap_or_default();
        query_string(&[
            ("state", self.state.trim()),
            ("round", &round),
            ("region", self.region.trim()),
        ])
    }
}

struct Row {
    id: i64,
    town: String,
    round: String,
    item: String,
    place: String,
    deadline: String,
    state: &'static str,
    class: &'static str,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct ListPage {
    l: Layout,
    state: String,
    round: i64,
    region: String,
    states: [(&'static str, &'static str); 6],
    rounds: Vec<(i64, String)>,
    rows: Vec<Row>,
    overdue: usize,
    pager: Pager,
    export_href: String,
    summary_href: String,
}

async fn list(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let r = async {
        let tasks = state
            .services
            .rectifications(&u.actor, &q.rect().filter())
            .await?;
        let rounds = round_options(&state, &u.actor).await?;
        Ok::<_, ServiceError>((tasks, rounds))
    }
    .await;
    let (tasks, rounds) = match r {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let names: BTreeMap<i64, String> = rounds.iter().cloned().collect();
    let req = PageRequest::new(q.page, None);
    let total = tasks.len();
    let overdue = tasks.iter().filter(|t| t.overdue).count();
    let start = usize::try_from(req.offset())
        .unwrap_or(usize::MAX)
        .min(total);
    let end = start
        .saturating_add(usize::try_from(req.limit()).unwrap_or(0))
        .min(total);
    let rows: Vec<Row> = tasks[start..end]
        .iter()
        .map(|f| {
            let (label, class) = badge(state_of(f));
            Row {
                id: f.row.id,
                town: f.town_name.clone(),
                round: names.get(&f.row.round_id).cloned().unwrap_or_default(),
                item: f.row.item_name.clone(),
                place: f.row.place.clone(),
                deadline: f.row.deadline.clone().unwrap_or_default(),
                state: label,
                class,
                overdue: f.overdue,
            }
        })
        .collect();
    let page = Page {
        items: Vec::<()>::new(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        page: req.page,
        per_page: req.per_page,
    };
    let base = q.base();
    let with = |path: &str| {
        if base.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{base}")
        }
    };
    let summary_q = query_string(&[
        ("region", q.region.trim()),
        ("round", &q.round.map(|r| r.to_string()).unwrap_or_default()),
    ]);
    render(&ListPage {
        l: Layout::new(&u.actor, &u.csrf, "rectifications", "整改闭环").crumb("整改闭环", None),
        pager: Pager::new(&page, "/rectifications", &base),
        export_href: with("/rectifications.xlsx"),
        summary_href: if summary_q.is_empty() {
            "/rectifications/summary".into()
        } else {
            format!("/rectifications/summary?{summary_q}")
        },
        state: q.state.trim().to_owned(),
        round: q.round.unwrap_or(0),
        region: q.region.trim().to_owned(),
        states: STATES,
        rounds,
        rows,
        overdue,
    })
}

async fn export(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let r = async {
        let tasks = state
            .services
            .rectifications(&u.actor, &q.rect().filter())
            .await?;
        let names: BTreeMap<i64, String> =
            round_options(&state, &u.actor).await?.into_iter().collect();
        let rows: Vec<Vec<Cell>> = tasks
            .iter()
            .map(|f| {
                let r = &f.row;
                vec![
                    Cell::Text(f.town_name.clone()),
                    Cell::Text(r.town_code.clone()),
                    Cell::Text(names.get(&r.round_id).cloned().unwrap_or_default()),
                    Cell::Text(format!("{} {}", r.item_code, r.item_name)),
                    Cell::Text(severity_label(&r.severity).into()),
                    Cell::Text(Points(r.deduction).fixed2()),
                    Cell::Text(r.place.clone()),
                    Cell::Text(time(r.found_at)),
                    Cell::Text(r.deadline.clone().unwrap_or_default()),
                    Cell::Text(badge(state_of(f)).0.into()),
                    Cell::Text(if f.overdue { "已逾期" } else { "" }.into()),
                    Cell::Text(r.rect_note.clone()),
                    Cell::Text(r.answered_at.map(time).unwrap_or_default()),
                    Cell::Text(r.verify_note.clone()),
                    Cell::Text(r.verified_at.map(time).unwrap_or_default()),
                ]
            })
            .collect();
        let closed = tasks
            .iter()
            .filter(|f| state_of(f) == Some(RectState::Closed))
            .count();
        let overdue = tasks.iter().filter(|f| f.overdue).count();
        let table = Table {
            title: "暗访问题整改情况表".into(),
            subtitle: Some(export_subtitle(&u.actor)),
            columns: vec![
                col("乡镇", 14.0, ColumnKind::Text),
                col("乡镇代码", 12.0, ColumnKind::Text),
                col("暗访轮次", 24.0, ColumnKind::Text),
                col("问题", 36.0, ColumnKind::Text),
                col("等级", 6.0, ColumnKind::Text),
                col("扣分", 7.0, ColumnKind::Text),
                col("问题地点", 28.0, ColumnKind::Text),
                col("发现时间", 17.0, ColumnKind::Date),
                col("整改期限", 12.0, ColumnKind::Date),
                col("整改状态", 10.0, ColumnKind::Text),
                col("逾期", 8.0, ColumnKind::Text),
                col("整改说明", 36.0, ColumnKind::Text),
                col("提交时间", 17.0, ColumnKind::Date),
                col("核查意见", 28.0, ColumnKind::Text),
                col("核查时间", 17.0, ColumnKind::Date),
            ],
            rows,
            total_row: Some(vec![
                Cell::Text("合计".into()),
                Cell::Text(format!("{} 个", tasks.len())),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Text(format!("已销号 {closed}")),
                Cell::Text(format!("逾期 {overdue}")),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]),
        };
        xlsx_download(&table, "整改情况", "暗访问题整改情况.xlsx")
    }
    .await;
    r.unwrap_or_else(|e| PageError(e).into_response())
}

// ---- one task ----------------------------------------------------------------------------

struct Thumb {
    id: i64,
    alt: String,
    w: u32,
    h: u32,
    at: String,
}

fn thumbs(photos: &[FindingPhotoRow], kind: &str, what: &str) -> Vec<Thumb> {
    photos
        .iter()
        .filter(|p| p.kind == kind)
        .enumerate()
        .map(|(n, p)| {
            let (w, h) = match (p.width, p.height) {
                (Some(w), Some(h)) => {
                    thumb_size(u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0))
                }
                _ => (0, 0),
            };
            Thumb {
                id: p.id,
                alt: format!("{what} {}", n + 1),
                w,
                h,
                at: time(p.created_at),
            }
        })
        .collect()
}

/// One line of the task's history, oldest first.
struct Event {
    at: String,
    what: &'static str,
    note: String,
}

fn history(f: &FindingView, published_at: Option<i64>) -> Vec<Event> {
    let r = &f.row;
    let mut events: Vec<(i64, Event)> = vec![(
        r.found_at,
        Event {
            at: time(r.found_at),
            what: "暗访发现问题",
            note: r.note.clone(),
        },
    )];
    if let Some(at) = published_at {
        events.push((
            at,
            Event {
                at: time(at),
                what: "发布结果，交办整改",
                note: format!("整改期限 {}", r.deadline.clone().unwrap_or_default()),
            },
        ));
    }
    if let Some(at) = r.answered_at {
        events.push((
            at,
            Event {
                at: time(at),
                what: "乡镇提交整改情况",
                note: r.rect_note.clone(),
            },
        ));
    }
    if let Some(at) = r.verified_at {
        let closed = state_of(f) == Some(RectState::Closed);
        events.push((
            at,
            Event {
                at: time(at),
                what: if closed {
                    "核查通过，销号"
                } else {
                    "核查未通过，退回整改"
                },
                note: r.verify_note.clone(),
            },
        ));
    }
    events.sort_by_key(|(t, _)| *t);
    events.into_iter().map(|(_, e)| e).collect()
}

#[derive(Template)]
#[template(path = "rect.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    town: String,
    round_id: i64,
    round_name: String,
    area: String,
    item: String,
    severity: &'static str,
    deduction: String,
    place: String,
    found: String,
    deadline: String,
    state: &'static str,
    class: &'static str,
    overdue: bool,
    before: Vec<Thumb>,
    after: Vec<Thumb>,
    events: Vec<Event>,
    can_answer: bool,
    can_verify: bool,
    answer_error: Option<String>,
    verify_error: Option<String>,
    note: String,
    reason: String,
}

/// Where an error is shown on the task's page.
enum Form {
    Answer,
    Verify,
}

struct Draft {
    form: Form,
    status: StatusCode,
    message: String,
    note: String,
}

fn flash_of(key: Option<&str>) -> Option<String> {
    match key {
        Some("answered") => Some("整改情况已提交，等待县级核查".into()),
        Some("closed") => Some("已核查通过，该问题已销号".into()),
        Some("returned") => Some("已退回整改，乡镇将看到退回原因".into()),
        other => done_message(other),
    }
}

async fn detail_with(
    state: &AppState,
    u: &PageUser,
    id: i64,
    flash: Option<String>,
    draft: Option<Draft>,
) -> Response {
    let f = match state.services.finding(&u.actor, id).await {
        Ok(f) => f,
        Err(e) => return PageError(e).into_response(),
    };
    let Some(rect) = state_of(&f) else {
        return PageError(ServiceError::NotFound(
            "该问题所在的暗访结果尚未发布，还没有整改任务".into(),
        ))
        .into_response();
    };
    let (round_name, published_at) = match state.services.round_view(&u.actor, f.row.round_id).await
    {
        Ok(v) => (v.round.name, v.round.published_at),
        Err(e) => return PageError(e).into_response(),
    };
    let r = &f.row;
    let town_staff = (u.actor.role == Role::TownStaff && u.actor.region.as_str() == r.town_code)
        || u.actor.role == Role::Admin;
    let can_answer = town_staff && matches!(rect, RectState::Open | RectState::Returned);
    let can_verify = may_verify(&u.actor, &r.town_code) && rect == RectState::Submitted;
    let (label, class) = badge(Some(rect));
    let (status, answer_error, verify_error, note, reason) = match draft {
        Some(d) => match d.form {
            Form::Answer => (d.status, Some(d.message), None, d.note, String::new()),
            Form::Verify => (d.status, None, Some(d.message), String::new(), d.note),
        },
        None => (StatusCode::OK, None, None, String::new(), String::new()),
    };
    let title = format!("整改：{}", r.item_name);
    let page = DetailPage {
        l: Layout::new(&u.actor, &u.csrf, "rectifications", title)
            .crumb("整改闭环", Some("/rectifications".into()))
            .crumb(format!("{} · {}", f.town_name, r.item_name), None)
            .flash(flash),
        id,
        town: f.town_name.clone(),
        round_id: r.round_id,
        round_name,
        area: r.area_name.clone(),
        item: format!("{} {}", r.item_code, r.item_name),
        severity: severity_label(&r.severity),
        deduction: Points(r.deduction).to_string(),
        place: r.place.clone(),
        found: time(r.found_at),
        deadline: r.deadline.clone().unwrap_or_default(),
        state: label,
        class,
        overdue: f.overdue,
        before: thumbs(&f.photos, "before", &format!("{} 检查时照片", r.place)),
        after: thumbs(&f.photos, "after", &format!("{} 整改后照片", r.place)),
        events: history(&f, published_at),
        can_answer,
        can_verify,
        answer_error,
        verify_error,
        note,
        reason,
    };
    with_status(status, render(&page))
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Response {
    detail_with(&state, &u, id, flash_of(q.done.as_deref()), None).await
}

/// The town's answer, without script: the form posts multipart here with the
/// CSRF token in its action URL.
async fn answer(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    form: Multipart,
) -> Response {
    let f = match read_answer_form(form).await {
        Ok(f) => f,
        Err(b) => {
            let draft = Draft {
                form: Form::Answer,
                status: b.status,
                message: b.message,
                note: String::new(),
            };
            return detail_with(&state, &u, id, None, Some(draft)).await;
        }
    };
    let note = f.note.clone();
    match state
        .services
        .answer_rectification(&u.actor, id, &f.note, f.photos, &meta)
        .await
    {
        Ok(_) => Redirect::to(&format!("/rectifications/{id}?done=answered")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let draft = Draft {
                form: Form::Answer,
                status: status_of(&e),
                message: e.to_string(),
                note,
            };
            detail_with(&state, &u, id, None, Some(draft)).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VerifyForm {
    decision: String,
    note: String,
}

async fn verify(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<VerifyForm>,
) -> Response {
    let accept = match f.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => {
            let draft = Draft {
                form: Form::Verify,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: "请选择“核查通过（销号）”或“退回整改”".into(),
                note: f.note,
            };
            return detail_with(&state, &u, id, None, Some(draft)).await;
        }
    };
    match state
        .services
        .verify_rectification(&u.actor, id, accept, &f.note, &meta)
        .await
    {
        Ok(_) => {
            let done = if accept { "closed" } else { "returned" };
            Redirect::to(&format!("/rectifications/{id}?done={done}")).into_response()
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let draft = Draft {
                form: Form::Verify,
                status: status_of(&e),
                message: e.to_string(),
                note: f.note,
            };
            detail_with(&state, &u, id, None, Some(draft)).await
        }
    }
}

// ---- the figures ---------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct SummaryQuery {
    #[serde(default)]
    region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    round: Option<i64>,
}

struct Figures {
    code: String,
    name: String,
    total: u32,
    closed: u32,
    on_time: u32,
    submitted: u32,
    returned: u32,
    open: u32,
    overdue: u32,
    rate: String,
    on_time_rate: String,
}

fn figures(l: &RectLine) -> Figures {
    let s = &l.stats;
    Figures {
        code: l.code.clone(),
        name: l.name.clone(),
        total: s.total,
        closed: s.closed,
        on_time: s.closed_on_time,
        submitted: s.submitted,
        returned: s.returned,
        open: s.total.saturating_sub(s.closed + s.submitted + s.returned),
        overdue: s.overdue,
        rate: format_percent(l.rate, 2),
        on_time_rate: format_percent(l.on_time_rate, 2),
    }
}

#[derive(Template)]
#[template(path = "rect_summary.html")]
struct SummaryPage {
    l: Layout,
    region: String,
    region_name: String,
    round: i64,
    rounds: Vec<(i64, String)>,
    today: String,
    total: Figures,
    cities: Vec<Figures>,
    counties: Vec<Figures>,
    towns: Vec<Figures>,
    chart: String,
    /// `&round=…` for links to the list.
    round_q: String,
}

async fn summary(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<SummaryQuery>,
) -> Response {
    let region = summary_region(&u.actor, &q.region);
    let r = async {
        let s = state
            .services
            .rect_summary(&u.actor, &region, q.round)
            .await?;
        let rounds = round_options(&state, &u.actor).await?;
        Ok::<_, ServiceError>((s, rounds))
    }
    .await;
    let (s, rounds) = match r {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let bars: Vec<(String, Option<f64>)> = s
        .counties
        .iter()
        .map(|c| (c.name.clone(), c.rate))
        .collect();
    let chart = if bars.is_empty() {
        String::new()
    } else {
        charts::rate_bars(&format!("{}各县（市、区）整改率", s.region_name), &bars)
    };
    render(&SummaryPage {
        l: Layout::new(&u.actor, &u.csrf, "rectifications", "整改统计")
            .crumb("整改闭环", Some("/rectifications".into()))
            .crumb("整改统计", None),
        round_q: q.round.map(|r| format!("&round={r}")).unwrap_or_default(),
        region: s.region.clone(),
        region_name: s.region_name.clone(),
        round: q.round.unwrap_or(0),
        rounds,
        today: s.today.clone(),
        total: figures(&s.total),
        cities: if s.cities.len() > 1 {
            s.cities.iter().map(figures).collect()
        } else {
            Vec::new()
        },
        counties: s.counties.iter().map(figures).collect(),
        towns: s.towns.iter().map(figures).collect(),
        chart,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_name_every_state() {
        for s in RectState::ALL {
            assert_eq!(badge(Some(s)).0, s.label());
        }
        assert_eq!(STATES.len(), 6);
        assert!(STATES
            .iter()
            .any(|(v, l)| *v == "overdue" && *l == "已逾期"));
    }
}
