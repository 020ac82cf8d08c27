//! 工作总结 pages: the list with its filter bar and the "生成工作总结" form,
//! the editor (title, sections, paragraphs, each paragraph with the figures
//! it cites), the history of saved versions, any version read-only, and the
//! Word downloads.
//!
//! The editor works without script: adding, removing and moving paragraphs
//! are form buttons that post the whole draft back and re-render it unsaved;
//! only "保存" writes a revision (optimistic concurrency on `base_revision`).
//! Who may read and write is the service's; `may_edit` only decides what is
//! shown.

use super::{done_message, render};
use crate::error::{status_of, PageError};
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::{query_string, time, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use meizhen_domain::page::PageRequest;
use meizhen_domain::summary::{
    render_paragraph, subheading, ChartKind, Draft, Figure, Layout as SummaryLayout, Period,
    Section, Span, SummaryChart,
};
use meizhen_domain::{RegionCode, Role};
use meizhen_service::summary::{SectionEdit, SummaryEdit, SummaryFilter, SummaryView};
use meizhen_service::{Actor, ServiceError};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/summaries", get(list).post(create))
        .route("/summaries/{id}", get(editor).post(save))
        .route("/summaries/{id}/history", get(history))
        .route("/summaries/{id}/revisions/{rev}", get(revision))
        .route("/summaries/{id}/export.docx", get(docx))
}

/// Mirrors the service's rule (offices and administrators in scope, town
/// staff for their own town) to decide whether to show the edit controls;
/// the service decides for real.
pub fn may_edit(actor: &Actor, region: &str) -> bool {
    match actor.role {
        Role::Admin => true,
        r if r.is_office() => region.starts_with(actor.region.as_str()),
        Role::TownStaff => actor.region.as_str() == region,
        _ => false,
    }
}

/// Roles that may generate a summary of some region.
fn may_create(actor: &Actor) -> bool {
    actor.role == Role::Admin || actor.role.is_office() || actor.role == Role::TownStaff
}

pub fn period_label(id: &str) -> String {
    Period::parse(id)
        .map(Period::label)
        .unwrap_or_else(|_| id.to_owned())
}

pub fn layout_label(id: &str) -> &'static str {
    SummaryLayout::parse(id)
        .map(SummaryLayout::label)
        .unwrap_or("")
}

/// Only links inside the site (figure sources are ours; never `javascript:`).
fn local_href(source: Option<&str>) -> String {
    match source {
        Some(s) if s.starts_with('/') && !s.starts_with("//") => s.to_owned(),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------
// The draft as templates show it
// ---------------------------------------------------------------------------

/// A piece of a rendered paragraph: kind "text", "figure" or "missing".
pub struct SpanView {
    pub kind: &'static str,
    pub text: String,
    pub href: String,
}

/// A cited figure, beside its paragraph or in the list of missing ones.
pub struct FigureView {
    pub label: String,
    pub value: String,
    pub href: String,
    pub missing: bool,
}

pub struct ParaView {
    pub j: usize,
    pub text: String,
    /// The text of a `## ` sub-heading paragraph.
    pub sub: Option<String>,
    pub spans: Vec<SpanView>,
    pub figures: Vec<FigureView>,
    pub first: bool,
    pub last: bool,
}

pub struct TableView {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub note: String,
}

pub struct SectionView {
    pub i: usize,
    pub key: String,
    pub heading: String,
    /// "一、" for the headed sections, empty for the untitled opening.
    pub ordinal: String,
    pub paragraphs: Vec<ParaView>,
    pub table: Option<TableView>,
    pub chart_svg: String,
}

fn spans_of(text: &str, figures: &BTreeMap<String, Figure>) -> Vec<SpanView> {
    render_paragraph(text, figures)
        .into_iter()
        .map(|s| match s {
            Span::Text(t) => SpanView {
                kind: "text",
                text: t,
                href: String::new(),
            },
            Span::Figure { value, source, .. } => SpanView {
                kind: "figure",
                text: value,
                href: local_href(source.as_deref()),
            },
            Span::Missing { label, .. } => SpanView {
                kind: "missing",
                text: meizhen_domain::summary::missing_marker(&label),
                href: String::new(),
            },
        })
        .collect()
}

fn figure_view(key: &str, figures: &BTreeMap<String, Figure>) -> FigureView {
    match figures.get(key) {
        Some(f) => FigureView {
            label: f.label.clone(),
            value: f.text(),
            href: local_href(f.source.as_deref()),
            missing: f.value.is_none(),
        },
        // A key typed while editing that the draft does not know.
        None => FigureView {
            label: key.to_owned(),
            value: meizhen_domain::summary::missing_marker(key),
            href: String::new(),
            missing: true,
        },
    }
}

fn para_view(j: usize, len: usize, text: &str, figures: &BTreeMap<String, Figure>) -> ParaView {
    let mut seen = BTreeSet::new();
    let cited = meizhen_domain::summary::cited_keys(text)
        .into_iter()
        .filter(|k| seen.insert(*k))
        .map(|k| figure_view(k, figures))
        .collect();
    let sub = subheading(text).map(str::to_owned);
    ParaView {
        j,
        spans: spans_of(sub.as_deref().unwrap_or(text), figures),
        sub,
        text: text.to_owned(),
        figures: cited,
        first: j == 0,
        last: j + 1 == len,
    }
}

pub fn sections_view(sections: &[Section], figures: &BTreeMap<String, Figure>) -> Vec<SectionView> {
    let mut n = 0;
    sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let ordinal = if s.heading.trim().is_empty() {
                String::new()
            } else {
                n += 1;
                format!("{}、", meizhen_domain::summary::ordinal_zh(n))
            };
            let len = s.paragraphs.len();
            SectionView {
                i,
                key: s.key.clone(),
                heading: s.heading.clone(),
                ordinal,
                paragraphs: s
                    .paragraphs
                    .iter()
                    .enumerate()
                    .map(|(j, p)| para_view(j, len, p, figures))
                    .collect(),
                table: s.table.as_ref().map(|t| TableView {
                    title: t.title.clone(),
                    headers: t.headers.clone(),
                    rows: t.rows.clone(),
                    note: t.note.clone().unwrap_or_default(),
                }),
                chart_svg: s.chart.as_ref().map(chart_svg).unwrap_or_default(),
            }
        })
        .collect()
}

/// Every cited figure without data (and every unknown key), once, in the
/// order the reader meets them.
pub fn missing_view(sections: &[Section], figures: &BTreeMap<String, Figure>) -> Vec<FigureView> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for s in sections {
        for p in &s.paragraphs {
            for key in meizhen_domain::summary::cited_keys(p) {
                let f = figure_view(key, figures);
                if f.missing && seen.insert(key.to_owned()) {
                    out.push(f);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Charts of a draft (server-rendered SVG, like crate::charts)
// ---------------------------------------------------------------------------

const COLORS: [&str; 5] = ["#0b5f4a", "#8a5a00", "#1f6feb", "#b42318", "#6639ba"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn chart_value(v: f64, c: &SummaryChart) -> String {
    if c.percent {
        format!("{:.1}%", v * 100.0)
    } else {
        let s = format!("{v:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{s}{}", c.unit)
    }
}

fn legend(s: &mut String, series: &[meizhen_domain::summary::ChartSeries], x0: f64, y: f64) {
    if series.len() < 2 {
        return;
    }
    for (k, ser) in series.iter().enumerate() {
        let x = x0 + 150.0 * k as f64;
        s.push_str(&format!(
            "<rect x=\"{x}\" y=\"{ry}\" width=\"12\" height=\"8\" fill=\"{c}\"/><text x=\"{tx}\" y=\"{y}\" font-size=\"12\" fill=\"#1f2328\">{n}</text>",
            ry = y - 8.0,
            c = COLORS[k % COLORS.len()],
            tx = x + 16.0,
            n = esc(&ser.name)
        ));
    }
}

/// A chart of the draft as SVG: grouped horizontal bars, or lines over the
/// categories. The same figures are in the text or the table beside it.
pub fn chart_svg(c: &SummaryChart) -> String {
    let max = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |a, b| a.max(*b));
    let max = if max > 0.0 { max } else { 1.0 };
    let title = esc(&c.title);
    let nser = c.series.len().max(1);
    match c.kind {
        ChartKind::Bar => {
            let (label_w, bar_w, bar_h) = (120.0, 400.0, 14.0);
            let group_h = bar_h * nser as f64 + 10.0;
            let legend_h = if c.series.len() > 1 { 22.0 } else { 0.0 };
            let h = 34.0 + legend_h + group_h * c.categories.len() as f64;
            let mut s = format!(
                "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title><text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#1f2328\">{title}</text>",
                w = label_w + bar_w + 90.0
            );
            legend(&mut s, &c.series, label_w, 40.0);
            for (ci, cat) in c.categories.iter().enumerate() {
                let y0 = 30.0 + legend_h + group_h * ci as f64;
                s.push_str(&format!(
                    "<text x=\"{x}\" y=\"{y:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1f2328\">{l}</text>",
                    x = label_w - 6.0,
                    y = y0 + group_h / 2.0,
                    l = esc(cat)
                ));
                for (k, ser) in c.series.iter().enumerate() {
                    let y = y0 + bar_h * k as f64;
                    match ser.values.get(ci).copied().flatten().filter(|v| v.is_finite()) {
                        Some(v) => {
                            let w = (v.max(0.0) / max * bar_w).max(1.0);
                            s.push_str(&format!(
                                "<rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bh}\" fill=\"{col}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" fill=\"#1f2328\">{val}</text>",
                                bh = bar_h - 2.0,
                                col = COLORS[k % COLORS.len()],
                                tx = label_w + w + 4.0,
                                ty = y + bar_h - 4.0,
                                val = esc(&chart_value(v, c))
                            ));
                        }
                        None => s.push_str(&format!(
                            "<text x=\"{label_w}\" y=\"{ty:.1}\" font-size=\"11\" fill=\"#57606a\">无数据</text>",
                            ty = y + bar_h - 4.0
                        )),
                    }
                }
            }
            s.push_str("</svg>");
            s
        }
        ChartKind::Line => {
            let (w, h, left, top, bottom) = (640.0, 270.0, 64.0, 30.0, 50.0);
            let plot_w = w - left - 20.0;
            let plot_h = h - top - bottom;
            let n = c.categories.len().max(2) - 1;
            let x = |i: usize| left + plot_w * (i as f64) / (n as f64);
            let y = |v: f64| top + plot_h * (1.0 - v.max(0.0) / max);
            let mut s = format!(
                "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title><text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\" fill=\"#1f2328\">{title}</text>"
            );
            for k in 0..=4 {
                let v = max * f64::from(k) / 4.0;
                s.push_str(&format!(
                    "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#d0d7de\"/><text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">{l}</text>",
                    x2 = left + plot_w,
                    yy = y(v),
                    tx = left - 4.0,
                    ty = y(v) + 4.0,
                    l = esc(&chart_value(v, c))
                ));
            }
            for (i, cat) in c.categories.iter().enumerate() {
                s.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{}</text>",
                    x(i),
                    top + plot_h + 18.0,
                    esc(cat)
                ));
            }
            for (k, ser) in c.series.iter().enumerate() {
                let pts: Vec<String> = ser
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        v.filter(|v| v.is_finite())
                            .map(|v| format!("{:.1},{:.1}", x(i), y(v)))
                    })
                    .collect();
                if !pts.is_empty() {
                    s.push_str(&format!(
                        "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
                        COLORS[k % COLORS.len()],
                        pts.join(" ")
                    ));
                }
            }
            legend(&mut s, &c.series, left, h - 8.0);
            s.push_str("</svg>");
            s
        }
    }
}

// ---------------------------------------------------------------------------
// List and create
// ---------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
    #[serde(default)]
    q: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
    done: Option<String>,
}

impl ListQuery {
    fn base(&self) -> String {
        let year = self.year.map(|y| y.to_string()).unwrap_or_default();
        query_string(&[("region", &self.region), ("year", &year), ("q", &self.q)])
    }
}

struct Row {
    id: i64,
    title: String,
    region: String,
    period: String,
    layout: &'static str,
    revision: i32,
    updated_by: String,
    updated_at: String,
}

/// The "生成工作总结" form as shown (defaults, or as typed after an error).
#[derive(Deserialize, Default)]
struct CreateForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    year: String,
    /// "", "1" or "2".
    #[serde(default)]
    half: String,
    #[serde(default)]
    layout: String,
}

#[derive(Template)]
#[template(path = "summaries.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    year: String,
    rows: Vec<Row>,
    pager: Pager,
    can_create: bool,
    form: CreateForm,
    layouts: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    u: &PageUser,
    q: ListQuery,
    form: Option<CreateForm>,
    error: Option<String>,
) -> Result<ListPage, ServiceError> {
    let filter = SummaryFilter {
        region: Some(q.region.clone()),
        year: q.year,
        q: Some(q.q.clone()),
    };
    let page = state
        .services
        .summaries(&u.actor, &filter, PageRequest::new(q.page, None))
        .await?;
    let base = q.base();
    let form = form.unwrap_or_else(|| CreateForm {
        region: u.actor.region.to_string(),
        // Summaries are written after the year: default to the last one.
        year: (chrono::Datelike::year(&crate::view::today()) - 1).to_string(),
        half: String::new(),
        layout: SummaryLayout::Mechanism.id().to_owned(),
    });
    Ok(ListPage {
        l: Layout::new(&u.actor, &u.csrf, "summaries", "工作总结")
            .crumb("工作总结", None)
            .flash(done_message(q.done.as_deref())),
        pager: Pager::new(&page, "/summaries", &base),
        rows: page
            .items
            .iter()
            .map(|r| Row {
                id: r.id,
                title: r.title.clone(),
                region: r.region_name.clone(),
                period: period_label(&r.period),
                layout: layout_label(&r.layout),
                revision: r.revision,
                updated_by: r.updated_by_name.clone(),
                updated_at: time(r.updated_at),
            })
            .collect(),
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
        q,
        can_create: may_create(&u.actor),
        form,
        layouts: SummaryLayout::ALL
            .iter()
            .map(|l| (l.id(), l.label()))
            .collect(),
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    match list_page(&state, &u, q, None, None).await {
        Ok(p) => render(&p),
        Err(e) => PageError(e).into_response(),
    }
}

fn parse_create(f: &CreateForm) -> Result<(RegionCode, Period, SummaryLayout), ServiceError> {
    let region = RegionCode::parse(f.region.trim())?;
    let year = meizhen_domain::text::to_half_width(f.year.trim());
    let period = match f.half.trim() {
        "" => Period::parse(&year)?,
        h => Period::parse(&format!("{year}H{h}"))?,
    };
    let layout = SummaryLayout::parse(&f.layout)?;
    Ok((region, period, layout))
}

async fn create(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<CreateForm>,
) -> Response {
    let result = match parse_create(&f) {
        Ok((region, period, layout)) => {
            state
                .services
                .create_summary(&u.actor, &meta, &region, period, layout)
                .await
        }
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(v) => {
            return Redirect::to(&format!("/summaries/{}?done=created", v.summary.id))
                .into_response()
        }
        Err(e) => e,
    };
    if !matches!(
        e,
        ServiceError::Invalid(_) | ServiceError::NotFound(_) | ServiceError::Forbidden(_)
    ) {
        return PageError(e).into_response();
    }
    let status = status_of(&e);
    match list_page(
        &state,
        &u,
        ListQuery::default(),
        Some(f),
        Some(e.to_string()),
    )
    .await
    {
        Ok(p) => with_status(status, render(&p)),
        Err(e) => PageError(e).into_response(),
    }
}

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

// ---------------------------------------------------------------------------
// Editor
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "summary.html")]
struct EditorPage {
    l: Layout,
    id: i64,
    title: String,
    region: String,
    period: String,
    layout: &'static str,
    /// The revision the form started from (hidden `base_revision`).
    base_revision: i32,
    latest_revision: i32,
    author: String,
    revised_at: String,
    sections: Vec<SectionView>,
    missing: Vec<FigureView>,
    can_edit: bool,
    note: String,
    error: Option<String>,
    /// Someone saved meanwhile: the form is kept, with a link to the latest.
    conflict: bool,
    /// The form shows changes not saved yet (after a paragraph button).
    unsaved: bool,
}

fn editor_layout(u: &PageUser, v: &SummaryView, last: &str) -> Layout {
    let id = v.summary.id;
    let l = Layout::new(&u.actor, &u.csrf, "summaries", v.draft.title.clone())
        .crumb("工作总结", Some("/summaries".into()));
    if last.is_empty() {
        l.crumb(v.draft.title.clone(), None)
    } else {
        l.crumb(v.draft.title.clone(), Some(format!("/summaries/{id}")))
            .crumb(last.to_owned(), None)
    }
}

/// The editor over `v` (figures, tables, charts, revision), showing `draft`
/// (the saved one, or the form as posted).
fn editor_page(
    u: &PageUser,
    v: &SummaryView,
    draft: &Draft,
    note: String,
    error: Option<String>,
    flash: Option<String>,
) -> EditorPage {
    EditorPage {
        l: editor_layout(u, v, "").flash(flash),
        id: v.summary.id,
        title: draft.title.clone(),
        region: v.summary.region_name.clone(),
        period: draft.period.label(),
        layout: draft.layout.label(),
        base_revision: v.revision,
        latest_revision: v.latest_revision,
        author: v.author_name.clone(),
        revised_at: time(v.revised_at),
        sections: sections_view(&draft.sections, &draft.figures),
        missing: missing_view(&draft.sections, &draft.figures),
        can_edit: may_edit(&u.actor, &v.summary.region_code),
        note,
        error,
        conflict: false,
        unsaved: false,
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn editor(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Response {
    match state.services.summary(&u.actor, id).await {
        Ok(v) => {
            let flash = match q.done.as_deref() {
                Some("created") => Some(format!("已生成第 1 版：{}", v.draft.title)),
                Some("saved") => Some(format!("已保存为第 {} 版", v.revision)),
                other => done_message(other),
            };
            render(&editor_page(&u, &v, &v.draft, String::new(), None, flash))
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// What a paragraph button asks for: (section, paragraph) positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Save,
    Add(usize, usize),
    Remove(usize, usize),
    Up(usize, usize),
    Down(usize, usize),
}

impl Op {
    fn parse(s: &str) -> Op {
        let mut parts = s.split('.');
        let verb = parts.next().unwrap_or("");
        let i = parts.next().and_then(|x| x.parse().ok());
        let j = parts.next().and_then(|x| x.parse().ok());
        match (verb, i, j) {
            ("add", Some(i), Some(j)) => Op::Add(i, j),
            ("del", Some(i), Some(j)) => Op::Remove(i, j),
            ("up", Some(i), Some(j)) => Op::Up(i, j),
            ("down", Some(i), Some(j)) => Op::Down(i, j),
            _ => Op::Save,
        }
    }
}

/// The editor form: `title`, `note`, `base_revision`, `op`, and per section
/// `s{i}.key`, `s{i}.heading` and `s{i}.p` (repeated, in order).
struct Posted {
    base_revision: i32,
    title: String,
    note: String,
    sections: Vec<SectionEdit>,
    op: Op,
}

/// Sections beyond this index are not read (the service allows far fewer).
const MAX_FORM_SECTIONS: usize = 100;

fn parse_posted(pairs: Vec<(String, String)>) -> Result<Posted, ServiceError> {
    let mut base = None;
    let mut title = String::new();
    let mut note = String::new();
    let mut op = Op::Save;
    let mut sections: BTreeMap<usize, SectionEdit> = BTreeMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "base_revision" => base = v.trim().parse::<i32>().ok(),
            "title" => title = v,
            "note" => note = v,
            "op" => op = Op::parse(&v),
            _ => {
                let Some((head, field)) = k.split_once('.') else {
                    continue;
                };
                let Some(i) = head
                    .strip_prefix('s')
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|i| *i < MAX_FORM_SECTIONS)
                else {
                    continue;
                };
                let s = sections.entry(i).or_insert_with(|| SectionEdit {
                    key: String::new(),
                    heading: String::new(),
                    paragraphs: Vec::new(),
                });
                match field {
                    "key" => s.key = v,
                    "heading" => s.heading = v,
                    "p" => s.paragraphs.push(v),
                    _ => {}
                }
            }
        }
    }
    let base_revision = base.ok_or_else(|| {
        ServiceError::invalid(
            "base_revision",
            "表单缺少所编辑的版本号，请重新打开总结再修改",
        )
    })?;
    Ok(Posted {
        base_revision,
        title,
        note,
        sections: sections.into_values().collect(),
        op,
    })
}

/// Applies a paragraph button to the posted sections; false if it pointed
/// nowhere (a stale form).
fn apply_op(sections: &mut [SectionEdit], op: Op) -> bool {
    let (i, j) = match op {
        Op::Save => return false,
        Op::Add(i, j) | Op::Remove(i, j) | Op::Up(i, j) | Op::Down(i, j) => (i, j),
    };
    let Some(s) = sections.get_mut(i) else {
        return false;
    };
    let p = &mut s.paragraphs;
    match op {
        Op::Add(..) => p.insert(j.min(p.len()), String::new()),
        Op::Remove(..) if j < p.len() => {
            p.remove(j);
        }
        Op::Up(..) if j > 0 && j < p.len() => p.swap(j - 1, j),
        Op::Down(..) if j + 1 < p.len() => p.swap(j, j + 1),
        _ => return false,
    }
    true
}

/// The draft as the form shows it: the base's figures, and each section's
/// table and chart by key; paragraphs as typed (empty ones kept: a paragraph
/// just added is empty).
fn posted_draft(base: &Draft, p: &Posted) -> Draft {
    Draft {
        title: p.title.clone(),
        sections: p
            .sections
            .iter()
            .map(|e| {
                let old = base.section(e.key.trim());
                Section {
                    key: e.key.clone(),
                    heading: e.heading.clone(),
                    paragraphs: e.paragraphs.clone(),
                    table: old.and_then(|s| s.table.clone()),
                    chart: old.and_then(|s| s.chart.clone()),
                }
            })
            .collect(),
        ..base.clone()
    }
}

async fn save(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let mut posted = match parse_posted(pairs) {
        Ok(p) => p,
        Err(e) => return PageError(e).into_response(),
    };
    if posted.op != Op::Save {
        apply_op(&mut posted.sections, posted.op);
        return match state
            .services
            .summary_revision(&u.actor, id, posted.base_revision)
            .await
        {
            Ok(v) => {
                let mut page = editor_page(
                    &u,
                    &v,
                    &posted_draft(&v.draft, &posted),
                    posted.note.clone(),
                    None,
                    None,
                );
                page.unsaved = true;
                render(&page)
            }
            Err(e) => PageError(e).into_response(),
        };
    }
    let edit = SummaryEdit {
        title: posted.title.clone(),
        sections: posted.sections.clone(),
        note: Some(posted.note.clone()).filter(|n| !n.trim().is_empty()),
    };
    match state
        .services
        .save_summary(&u.actor, &meta, id, posted.base_revision, &edit)
        .await
    {
        Ok(_) => Redirect::to(&format!("/summaries/{id}?done=saved")).into_response(),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let status = status_of(&e);
            let conflict = matches!(e, ServiceError::Conflict(_));
            match state
                .services
                .summary_revision(&u.actor, id, posted.base_revision)
                .await
            {
                Ok(v) => {
                    let mut page = editor_page(
                        &u,
                        &v,
                        &posted_draft(&v.draft, &posted),
                        posted.note.clone(),
                        Some(e.to_string()),
                        None,
                    );
                    page.conflict = conflict;
                    page.unsaved = true;
                    with_status(status, render(&page))
                }
                Err(e2) => PageError(e2).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

// ---------------------------------------------------------------------------
// History, one revision, Word
// ---------------------------------------------------------------------------

struct RevisionLine {
    revision: i32,
    author: String,
    at: String,
    note: String,
    latest: bool,
}

#[derive(Template)]
#[template(path = "summary_history.html")]
struct HistoryPage {
    l: Layout,
    id: i64,
    title: String,
    lines: Vec<RevisionLine>,
}

async fn history(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    let result = async {
        let v = state.services.summary(&u.actor, id).await?;
        let rows = state.services.summary_history(&u.actor, id).await?;
        Ok::<_, ServiceError>(HistoryPage {
            l: editor_layout(&u, &v, "历史版本"),
            id,
            title: v.draft.title.clone(),
            lines: rows
                .iter()
                .map(|r| RevisionLine {
                    revision: r.revision,
                    author: r.author_name.clone(),
                    at: time(r.created_at),
                    note: r.note.clone(),
                    latest: r.revision == v.latest_revision,
                })
                .collect(),
        })
    }
    .await;
    match result {
        Ok(p) => render(&p),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "summary_revision.html")]
struct RevisionPage {
    l: Layout,
    id: i64,
    title: String,
    region: String,
    period: String,
    layout: &'static str,
    revision: i32,
    latest_revision: i32,
    author: String,
    revised_at: String,
    sections: Vec<SectionView>,
    missing: Vec<FigureView>,
}

fn parse_revision(s: &str) -> Result<i32, ServiceError> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|r| *r > 0)
        .ok_or_else(|| ServiceError::invalid("revision", format!("版本号“{s}”无效，应为正整数")))
}

async fn revision(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, rev)): Path<(i64, String)>,
) -> Response {
    let result = async {
        let rev = parse_revision(&rev)?;
        let v = state.services.summary_revision(&u.actor, id, rev).await?;
        Ok::<_, ServiceError>(RevisionPage {
            l: editor_layout(&u, &v, &format!("第 {rev} 版")),
            id,
            title: v.draft.title.clone(),
            region: v.summary.region_name.clone(),
            period: v.draft.period.label(),
            layout: v.draft.layout.label(),
            revision: v.revision,
            latest_revision: v.latest_revision,
            author: v.author_name.clone(),
            revised_at: time(v.revised_at),
            sections: sections_view(&v.draft.sections, &v.draft.figures),
            missing: missing_view(&v.draft.sections, &v.draft.figures),
        })
    }
    .await;
    match result {
        Ok(p) => render(&p),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
struct DocxQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    revision: Option<i32>,
}

async fn docx(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<DocxQuery>,
) -> Response {
    match state.services.summary_docx(&u.actor, id, q.revision).await {
        Ok((name, bytes)) => crate::export::docx(bytes, &name),
        Err(e) => PageError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meizhen_domain::summary::ChartSeries;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn the_form_reads_sections_in_order_and_the_button() {
        let p = parse_posted(pairs(&[
            ("_csrf", "x"),
            ("base_revision", "3"),
            ("title", "标题"),
            ("s1.key", "next"),
            ("s1.heading", "下一步工作"),
            ("s1.p", "丙"),
            ("s0.key", "opening"),
            ("s0.heading", ""),
            ("s0.p", "甲"),
            ("s0.p", "乙"),
            ("op", "down.0.0"),
        ]))
        .expect("parsed");
        assert_eq!(p.base_revision, 3);
        assert_eq!(p.op, Op::Down(0, 0));
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[0].key, "opening");
        assert_eq!(p.sections[0].paragraphs, ["甲", "乙"]);
        assert_eq!(p.sections[1].paragraphs, ["丙"]);
        assert!(parse_posted(pairs(&[("title", "t")])).is_err());
    }

    #[test]
    fn paragraph_buttons_move_insert_and_remove() {
        let mut s = vec![SectionEdit {
            key: "a".into(),
            heading: String::new(),
            paragraphs: vec!["1".into(), "2".into(), "3".into()],
        }];
        assert!(apply_op(&mut s, Op::Down(0, 0)));
        assert_eq!(s[0].paragraphs, ["2", "1", "3"]);
        assert!(apply_op(&mut s, Op::Up(0, 2)));
        assert_eq!(s[0].paragraphs, ["2", "3", "1"]);
        assert!(apply_op(&mut s, Op::Add(0, 1)));
        assert_eq!(s[0].paragraphs, ["2", "", "3", "1"]);
        assert!(apply_op(&mut s, Op::Remove(0, 0)));
        assert_eq!(s[0].paragraphs, ["", "3", "1"]);
        assert!(!apply_op(&mut s, Op::Up(0, 0)));
        assert!(!apply_op(&mut s, Op::Down(0, 2)));
        assert!(!apply_op(&mut s, Op::Remove(1, 0)));
        assert!(!apply_op(&mut s, Op::Save));
        assert_eq!(Op::parse("add.2.7"), Op::Add(2, 7));
        assert_eq!(Op::parse("save"), Op::Save);
        assert_eq!(Op::parse("del.x.1"), Op::Save);
    }

    #[test]
    fn figures_render_as_links_and_missing_ones_are_marked() {
        let mut figures = BTreeMap::new();
        figures.insert(
            "projects".to_owned(),
            Figure::new(
                "projects",
                "项目数",
                "12个",
                Some(12),
                Some("/projects?region=3310".into()),
            ),
        );
        figures.insert(
            "media".to_owned(),
            Figure::missing("media", "宣传报道", Some("javascript:alert(1)".into())),
        );
        let mut s = Section::new("opening", "");
        s.paragraphs = vec![
            "共{{projects}}，报道{{media}}，{{typo}}。".into(),
            "## 小标题".into(),
        ];
        let v = sections_view(&[s.clone()], &figures);
        let p = &v[0].paragraphs[0];
        let kinds: Vec<&str> = p.spans.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            ["text", "figure", "text", "missing", "text", "missing", "text"]
        );
        assert_eq!(p.spans[1].href, "/projects?region=3310");
        assert_eq!(p.spans[3].text, "【暂无数据：宣传报道】");
        assert_eq!(p.figures.len(), 3);
        assert!(p.figures[1].href.is_empty(), "only links inside the site");
        assert_eq!(v[0].paragraphs[1].sub.as_deref(), Some("小标题"));
        assert_eq!(v[0].ordinal, "");
        let missing: Vec<String> = missing_view(&[s], &figures)
            .into_iter()
            .map(|f| f.label)
            .collect();
        assert_eq!(missing, ["宣传报道", "typo"]);
    }

    #[test]
    fn charts_escape_and_show_values() {
        let c = SummaryChart {
            kind: ChartKind::Bar,
            title: "投资<亿元>".into(),
            categories: vec!["环境美".into(), "生活美".into()],
            series: vec![ChartSeries {
                name: "完成投资".into(),
                values: vec![Some(1.5), None],
            }],
            percent: false,
            unit: "亿元".into(),
        };
        let svg = chart_svg(&c);
        assert!(svg.contains("投资&lt;亿元&gt;"));
        assert!(svg.contains("1.5亿元"));
        assert!(svg.contains("无数据"));
        let line = SummaryChart {
            kind: ChartKind::Line,
            percent: true,
            series: vec![
                ChartSeries {
                    name: "开工率".into(),
                    values: vec![Some(0.5), Some(0.75)],
                },
                ChartSeries {
                    name: "完成率".into(),
                    values: vec![None, Some(0.25)],
                },
            ],
            ..c
        };
        let svg = chart_svg(&line);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("75.0%") && svg.contains("完成率"));
    }
}
