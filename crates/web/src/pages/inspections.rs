//! 暗访督查 pages: the checklist (with its line editor), rounds (list, new
//! with hand-picked towns or a seeded random sample, the plan with
//! assignments, publication, findings) and the inspector's field pages
//! (我的检查任务 and the phone-first capture form, which app.js keeps working
//! offline through an outbox in IndexedDB).
//!
//! Secrecy is the service's: a round not yet published is "not found" for the
//! inspected regions, so these handlers only render what they are given.

use super::{done_message, render};
use crate::api::inspections::{read_finding_form, FindingForm};
use crate::error::{status_of, PageError};
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::{time, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_domain::inspection::{Area, Catalogue, Item, Points, Quarter, SampleSize, Severity};
use meizhen_domain::page::PageRequest;
use meizhen_domain::Role;
use meizhen_service::inspections::{
    may_run_rounds, ChecklistView, CorrectionInput, FindingFilter, FindingView, InspectionLine,
    RoundFilter, RoundInput, RoundView, SampleInput, DEFAULT_NOTE,
};
use meizhen_service::photos::{thumb_size, PhotoVariant};
use meizhen_service::users::UserFilter;
use meizhen_service::{Actor, ServiceError};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/inspections/checklist",
            get(checklist_page).post(save_checklist),
        )
        .route("/inspections/photos/{id}/{variant}", get(photo))
        .route("/inspections/{id}/assign", post(assign))
        .route("/inspections/{id}/remove", post(remove))
        .route("/rounds", get(rounds_page))
        .route("/rounds/new", get(new_round_page).post(create_round))
        .route("/rounds/{id}", get(round_page))
        .route("/rounds/{id}/towns", post(add_towns))
        .route("/rounds/{id}/publish", post(publish))
        .route("/findings/{id}/correct", post(correct))
        .route("/field", get(field_list))
        .route("/field/{id}", get(field_page))
        .route(
            "/field/{id}/findings",
            post(record).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/field/{id}/submit", post(submit))
}

// ---- the sidebar -----------------------------------------------------------------------

// ---- shared helpers --------------------------------------------------------------------

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

/// Points as the pages write them ("0.5", "30").
fn pts(hundredths: i64) -> String {
    Points(hundredths).to_string()
}

fn severity_label(id: &str) -> &'static str {
    Severity::parse(id).map(Severity::label).unwrap_or("")
}

fn round_state_label(state: &str) -> &'static str {
    match state {
        "planned" => "未发布（保密）",
        "published" => "已发布",
        _ => "",
    }
}

fn inspection_state_label(state: &str) -> &'static str {
    match state {
        "planned" => "待检查",
        "submitted" => "已完成检查",
        _ => "",
    }
}

/// Microdegrees as exact decimal degrees.
fn degrees(e6: i64) -> String {
    let a = e6.unsigned_abs();
    format!("{}.{:06}°", a / 1_000_000, a % 1_000_000)
}

fn position(lat: Option<i64>, lon: Option<i64>) -> String {
    match (lat, lon) {
        (Some(lat), Some(lon)) => format!(
            "{} {}，{} {}",
            if lat < 0 { "南纬" } else { "北纬" },
            degrees(lat),
            if lon < 0 { "西经" } else { "东经" },
            degrees(lon)
        ),
        _ => String::new(),
    }
}

/// A random-looking id from the standard library's per-process random keys,
/// a clock and a counter: unique enough for a form's `client_id` (8–64
/// characters of hex and hyphens, UUID-shaped) and for a sampling seed.
fn random_u64(salt: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(t);
    h.write_u64(n);
    h.write_u64(salt);
    h.finish()
}

fn new_client_id() -> String {
    let (a, b) = (random_u64(1), random_u64(2));
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A seed short enough to read out and type again.
fn new_seed() -> u64 {
    random_u64(3) % 1_000_000_000
}

/// Every region of a level in the caller's scope: (code, name), by code.
async fn regions_of(
    state: &AppState,
    actor: &Actor,
    level: &str,
) -> Result<Vec<(String, String)>, ServiceError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = state
            .services
            .search_regions(
                actor,
                "",
                Some(level),
                &PageRequest::new(Some(page), Some(200)),
            )
            .await?;
        let more = p.has_next();
        out.extend(p.items.into_iter().map(|r| (r.code, r.name)));
        if !more || page > 100 {
            break;
        }
        page += 1;
    }
    Ok(out)
}

struct TownOption {
    code: String,
    name: String,
    checked: bool,
}

/// A county's towns, for checkbox lists.
struct CountyGroup {
    code: String,
    name: String,
    /// Chosen as a sampling stratum.
    checked: bool,
    chosen: usize,
    towns: Vec<TownOption>,
}

/// The towns in the caller's scope grouped by county, minus `exclude`.
async fn town_groups(
    state: &AppState,
    actor: &Actor,
    chosen: &BTreeSet<String>,
    counties_chosen: &BTreeSet<String>,
    exclude: &BTreeSet<String>,
) -> Result<Vec<CountyGroup>, ServiceError> {
    let counties: BTreeMap<String, String> = regions_of(state, actor, "county")
        .await?
        .into_iter()
        .collect();
    let mut groups: BTreeMap<String, CountyGroup> = BTreeMap::new();
    for (code, name) in regions_of(state, actor, "town").await? {
        if exclude.contains(&code) {
            continue;
        }
        let county = code.get(..6).unwrap_or(&code).to_owned();
        let g = groups.entry(county.clone()).or_insert_with(|| CountyGroup {
            name: counties
                .get(&county)
                .cloned()
                .unwrap_or_else(|| county.clone()),
            checked: counties_chosen.contains(&county),
            chosen: 0,
            towns: Vec::new(),
            code: county,
        });
        let checked = chosen.contains(&code);
        g.chosen += usize::from(checked);
        g.towns.push(TownOption {
            code,
            name,
            checked,
        });
    }
    Ok(groups.into_values().collect())
}

struct ItemOption {
    code: String,
    label: String,
    selected: bool,
}

struct AreaOptions {
    label: String,
    items: Vec<ItemOption>,
}

fn item_label(i: &Item) -> String {
    let serious = if i.severity == Severity::Serious {
        "，严重"
    } else {
        ""
    };
    format!("{} {}（扣 {} 分{serious}）", i.code, i.name, i.deduction)
}

fn item_options(c: &Catalogue, selected: &str) -> Vec<AreaOptions> {
    c.areas
        .iter()
        .map(|a| AreaOptions {
            label: format!("{}（上限 {} 分）", a.name, a.cap),
            items: a
                .items
                .iter()
                .map(|i| ItemOption {
                    code: i.code.clone(),
                    label: item_label(i),
                    selected: i.code == selected,
                })
                .collect(),
        })
        .collect()
}

struct PhotoThumb {
    id: i64,
    alt: String,
    w: u32,
    h: u32,
}

/// A finding as pages show it.
struct FindingLine {
    id: i64,
    town_code: String,
    item_code: String,
    item: String,
    area: String,
    deduction: String,
    severity: &'static str,
    place: String,
    note: String,
    found: String,
    gps: String,
    gps_flag: String,
    rect: String,
    photos: Vec<PhotoThumb>,
}

fn finding_line(f: &FindingView) -> FindingLine {
    let r = &f.row;
    FindingLine {
        id: r.id,
        town_code: r.town_code.clone(),
        item_code: r.item_code.clone(),
        item: format!("{} {}", r.item_code, r.item_name),
        area: r.area_name.clone(),
        deduction: pts(r.deduction),
        severity: severity_label(&r.severity),
        place: r.place.clone(),
        note: r.note.clone(),
        found: time(r.found_at),
        gps: position(r.lat_e6, r.lon_e6),
        gps_flag: r.gps_flag.clone(),
        rect: r
            .rect_state
            .as_deref()
            .and_then(meizhen_domain::inspection::RectState::from_id)
            .map(|s| {
                let due = r.deadline.clone().unwrap_or_default();
                let overdue = if f.overdue { "，已逾期" } else { "" };
                format!("{}（{due} 前{overdue}）", s.label())
            })
            .unwrap_or_default(),
        photos: f
            .photos
            .iter()
            .enumerate()
            .map(|(n, p)| {
                let (w, h) = match (p.width, p.height) {
                    (Some(w), Some(h)) => {
                        thumb_size(u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0))
                    }
                    _ => (0, 0),
                };
                PhotoThumb {
                    id: p.id,
                    alt: format!("{} {} 照片 {}", r.item_name, r.place, n + 1),
                    w,
                    h,
                }
            })
            .collect(),
    }
}

// ---- checklist -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ChecklistQuery {
    #[serde(default)]
    region: String,
    done: Option<String>,
}

struct AreaView {
    code: String,
    name: String,
    cap: String,
    items: Vec<(String, String, String, &'static str)>,
}

struct VersionView {
    version: i32,
    at: String,
    note: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    l: Layout,
    region: String,
    v: ChecklistView,
    is_default: bool,
    default_note: &'static str,
    areas: Vec<AreaView>,
    base: String,
    versions: Vec<VersionView>,
    created: String,
    /// The editor: base score, lines, note (as typed after an error).
    form_base: String,
    form_lines: String,
    form_note: String,
    error: Option<String>,
}

/// One line per item: 类别编号|类别名称|类别上限|检查项编号|检查项名称|每处扣分|等级.
fn catalogue_lines(c: &Catalogue) -> String {
    let mut out = String::new();
    for a in &c.areas {
        for i in &a.items {
            out.push_str(&format!(
                "{}|{}|{}|{}|{}|{}|{}\n",
                a.code,
                a.name,
                a.cap,
                i.code,
                i.name,
                i.deduction,
                i.severity.label()
            ));
        }
    }
    out
}

/// Reads the editor's lines back into a catalogue (the service validates
/// the rules; this reports the line a format error is on).
fn parse_catalogue_lines(base: &str, text: &str) -> Result<Catalogue, ServiceError> {
    let bad = |n: usize, m: String| ServiceError::invalid("lines", format!("第 {n} 行：{m}"));
    let base = Points::parse(base)
        .map_err(|e| ServiceError::invalid("base", format!("基础分：{}", e.message)))?;
    let mut areas: Vec<Area> = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let n = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        if parts.len() != 7 {
            return Err(bad(
                n,
                format!(
                    "应有 7 项，用“|”分隔：类别编号|类别名称|扣分上限|检查项编号|检查项名称|每处扣分|等级，现有 {} 项",
                    parts.len()
                ),
            ));
        }
        let cap =
            Points::parse(parts[2]).map_err(|e| bad(n, format!("扣分上限：{}", e.message)))?;
        let deduction =
            Points::parse(parts[5]).map_err(|e| bad(n, format!("每处扣分：{}", e.message)))?;
        let severity = Severity::parse(parts[6]).map_err(|e| bad(n, e.message))?;
        let item = Item {
            code: parts[3].to_owned(),
            name: parts[4].to_owned(),
            deduction,
            severity,
        };
        match areas.iter_mut().find(|a| a.code == parts[0]) {
            Some(a) => {
                if a.name != parts[1] || a.cap != cap {
                    return Err(bad(
                        n,
                        format!(
                            "类别“{}”的名称或扣分上限与前面的行不一致（应为 {}、{} 分）",
                            a.code, a.name, a.cap
                        ),
                    ));
                }
                a.items.push(item);
            }
            None => areas.push(Area {
                code: parts[0].to_owned(),
                name: parts[1].to_owned(),
                cap,
                items: vec![item],
            }),
        }
    }
    if areas.is_empty() {
        return Err(ServiceError::invalid("lines", "请至少填写一个检查项"));
    }
    Ok(Catalogue { base, areas })
}

fn checklist_view_page(
    u: &PageUser,
    region: String,
    v: ChecklistView,
    flash: Option<String>,
    form: Option<(String, String, String, String)>,
) -> ChecklistPage {
    let areas = v
        .catalogue
        .areas
        .iter()
        .map(|a| AreaView {
            code: a.code.clone(),
            name: a.name.clone(),
            cap: a.cap.to_string(),
            items: a
                .items
                .iter()
                .map(|i| {
                    (
                        i.code.clone(),
                        i.name.clone(),
                        i.deduction.to_string(),
                        i.severity.label(),
                    )
                })
                .collect(),
        })
        .collect();
    let versions = v
        .versions
        .iter()
        .map(|r| VersionView {
            version: r.version,
            at: time(r.created_at),
            note: r.note.clone(),
            current: r.id == v.current.id,
        })
        .collect();
    let (form_base, form_lines, form_note, error) = match form {
        Some((b, t, n, e)) => (b, t, n, Some(e)),
        None => (
            v.catalogue.base.to_string(),
            catalogue_lines(&v.catalogue),
            String::new(),
            None,
        ),
    };
    ChecklistPage {
        l: Layout::new(&u.actor, &u.csrf, "checklist", "检查标准")
            .crumb("暗访督查", Some("/rounds".into()))
            .crumb("检查标准", None)
            .flash(flash),
        region,
        is_default: v.current.note == DEFAULT_NOTE,
        default_note: DEFAULT_NOTE,
        base: v.catalogue.base.to_string(),
        created: time(v.current.created_at),
        areas,
        versions,
        form_base,
        form_lines,
        form_note,
        error,
        v,
    }
}

async fn checklist_page(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ChecklistQuery>,
) -> Response {
    let region = q.region.trim().to_owned();
    let r = (!region.is_empty()).then_some(region.as_str());
    match state.services.checklist(&u.actor, r).await {
        Ok(v) => render(&checklist_view_page(
            &u,
            region,
            v,
            done_message(q.done.as_deref()),
            None,
        )),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChecklistForm {
    base: String,
    lines: String,
    note: String,
}

async fn save_checklist(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<ChecklistForm>,
) -> Response {
    let result = match parse_catalogue_lines(&f.base, &f.lines) {
        Ok(c) => {
            state
                .services
                .save_checklist(&u.actor, &c, &f.note, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/inspections/checklist?done=saved").into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::Forbidden(_))) => {
            PageError(e).into_response()
        }
        Err(e) => match state.services.checklist(&u.actor, None).await {
            Ok(v) => with_status(
                status_of(&e),
                render(&checklist_view_page(
                    &u,
                    String::new(),
                    v,
                    None,
                    Some((f.base, f.lines, f.note, e.to_string())),
                )),
            ),
            Err(e) => PageError(e).into_response(),
        },
    }
}

// ---- rounds ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct RoundsQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    quarter: Option<i32>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    region: String,
}

struct RoundLine {
    id: i64,
    name: String,
    quarter: String,
    owner: String,
    dates: String,
    towns: i64,
    findings: i64,
    state: &'static str,
    published: bool,
    published_on: String,
}

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    l: Layout,
    year: String,
    quarters: Vec<(i32, bool)>,
    published: bool,
    region: String,
    rows: Vec<RoundLine>,
    can_create: bool,
    error: Option<String>,
}

fn quarter_label(year: i32, q: i32) -> String {
    Quarter {
        year,
        q: u32::try_from(q).unwrap_or(1),
    }
    .label_zh()
}

async fn rounds_page(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<RoundsQuery>,
) -> Response {
    let region = match crate::api::inspections::region_filter(&q.region) {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let f = RoundFilter {
        year: q.year,
        quarter: q.quarter,
        region,
        published_only: q.published.is_some(),
    };
    let rounds = match state.services.rounds(&u.actor, &f).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    // The owner's name, once per owner (a round's page knows it).
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for r in &rounds {
        if !owners.contains_key(&r.round.owner_code) {
            let name = match state.services.round_view(&u.actor, r.round.id).await {
                Ok(v) => v.owner_name,
                Err(_) => r.round.owner_code.clone(),
            };
            owners.insert(r.round.owner_code.clone(), name);
        }
    }
    let rows = rounds
        .iter()
        .map(|r| RoundLine {
            id: r.round.id,
            name: r.round.name.clone(),
            quarter: quarter_label(r.round.year, r.round.quarter),
            owner: owners.get(&r.round.owner_code).cloned().unwrap_or_default(),
            dates: format!("{} 至 {}", r.round.starts_on, r.round.ends_on),
            towns: r.towns,
            findings: r.findings,
            state: round_state_label(&r.round.state),
            published: r.round.state == "published",
            published_on: r.round.published_on.clone().unwrap_or_default(),
        })
        .collect();
    render(&RoundsPage {
        l: Layout::new(&u.actor, &u.csrf, "rounds", "暗访督查").crumb("暗访督查", None),
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
        quarters: (1..=4).map(|n| (n, q.quarter == Some(n))).collect(),
        published: q.published.is_some(),
        region: q.region.clone(),
        rows,
        can_create: may_run_rounds(&u.actor),
        error: None,
    })
}

/// The new-round form as typed.
#[derive(Default)]
struct RoundDraft {
    name: String,
    quarter: String,
    starts_on: String,
    ends_on: String,
    /// "towns" (by hand) or "sample".
    mode: String,
    towns: BTreeSet<String>,
    size_kind: String,
    size_value: String,
    seed: String,
    counties: BTreeSet<String>,
}

/// A urlencoded body with repeated keys (checkbox lists).
struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn parse(body: &[u8]) -> Pairs {
        Pairs(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    fn one(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn all(&self, key: &str) -> BTreeSet<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

impl RoundDraft {
    fn of(p: &Pairs) -> RoundDraft {
        RoundDraft {
            name: p.one("name"),
            quarter: p.one("quarter"),
            starts_on: p.one("starts_on"),
            ends_on: p.one("ends_on"),
            mode: p.one("mode"),
            towns: p.all("towns"),
            size_kind: p.one("size_kind"),
            size_value: p.one("size_value"),
            seed: p.one("seed"),
            counties: p.all("counties"),
        }
    }

    /// The sample rule, with a fresh seed when none was typed (written back
    /// into the draft so the preview and the round use the same one).
    fn sample(&mut self) -> Result<SampleInput, ServiceError> {
        let value: u32 = self
            .size_value
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid("size_value", "抽取数量应为正整数"))?;
        let size = match self.size_kind.as_str() {
            "percent" => SampleSize::Percent(value),
            _ => SampleSize::PerCounty(value),
        };
        let seed = match self.seed.trim() {
            "" => {
                let s = new_seed();
                self.seed = s.to_string();
                s
            }
            t => t.parse::<u64>().map_err(|_| {
                ServiceError::invalid("seed", "随机种子应为非负整数，可点“随机生成”")
            })?,
        };
        Ok(SampleInput {
            size,
            seed,
            counties: self.counties.iter().cloned().collect(),
        })
    }
}

#[derive(Template)]
#[template(path = "round_form.html")]
struct RoundFormPage {
    l: Layout,
    d: RoundDraft,
    sampling: bool,
    groups: Vec<CountyGroup>,
    /// Drawn towns of a preview: (county name, [town names]).
    preview: Option<Vec<(String, Vec<String>)>>,
    preview_count: usize,
    error: Option<String>,
}

async fn round_form(
    state: &AppState,
    u: &PageUser,
    d: RoundDraft,
    preview: Option<Vec<(String, String)>>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let groups = match town_groups(state, &u.actor, &d.towns, &d.counties, &BTreeSet::new()).await {
        Ok(g) => g,
        Err(e) => return PageError(e).into_response(),
    };
    let preview_count = preview.as_ref().map_or(0, Vec::len);
    let preview = preview.map(|towns| {
        let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, name) in towns {
            by.entry(code.get(..6).unwrap_or(&code).to_owned())
                .or_default()
                .push(name);
        }
        by.into_iter()
            .map(|(county, towns)| {
                let name = groups
                    .iter()
                    .find(|g| g.code == county)
                    .map(|g| g.name.clone())
                    .unwrap_or(county);
                (name, towns)
            })
            .collect()
    });
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    with_status(
        status,
        render(&RoundFormPage {
            l: Layout::new(&u.actor, &u.csrf, "rounds", "新建暗访")
                .crumb("暗访督查", Some("/rounds".into()))
                .crumb("新建暗访", None),
            sampling: d.mode == "sample",
            d,
            groups,
            preview,
            preview_count,
            error,
        }),
    )
}

async fn new_round_page(State(state): State<AppState>, u: PageUser) -> Response {
    if !may_run_rounds(&u.actor) {
        return PageError(ServiceError::forbidden("只有美镇办可以安排暗访")).into_response();
    }
    let today = crate::view::today();
    let d = RoundDraft {
        quarter: Quarter::of(today).id(),
        starts_on: today.format("%Y-%m-%d").to_string(),
        ends_on: (today + chrono::Days::new(14))
            .format("%Y-%m-%d")
            .to_string(),
        mode: "towns".into(),
        size_kind: "per_county".into(),
        size_value: "2".into(),
        ..Default::default()
    };
    round_form(&state, &u, d, None, None).await
}

async fn create_round(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    let p = Pairs::parse(&body);
    let mut d = RoundDraft::of(&p);
    let preview = p.one("action") == "preview";
    if preview {
        d.mode = "sample".into();
    }
    let sample = if d.mode == "sample" {
        match d.sample() {
            Ok(s) => Some(s),
            Err(e) => {
                let err = Some((status_of(&e), e.to_string()));
                return round_form(&state, &u, d, None, err).await;
            }
        }
    } else {
        None
    };
    if preview {
        let s = sample.unwrap_or(SampleInput {
            size: SampleSize::PerCounty(1),
            seed: 0,
            counties: Vec::new(),
        });
        return match state.services.draw_sample(&u.actor, &s).await {
            Ok(towns) => round_form(&state, &u, d, Some(towns), None).await,
            Err(e @ ServiceError::Internal(_)) => PageError(e).into_response(),
            Err(e) => {
                let err = Some((status_of(&e), e.to_string()));
                round_form(&state, &u, d, None, err).await
            }
        };
    }
    let input = RoundInput {
        name: d.name.clone(),
        quarter: d.quarter.clone(),
        starts_on: d.starts_on.clone(),
        ends_on: d.ends_on.clone(),
        towns: d.towns.iter().cloned().collect(),
        sample,
    };
    if input.sample.is_none() && input.towns.is_empty() {
        let e = ServiceError::invalid("towns", "请选择要检查的乡镇，或改用随机抽样");
        let err = Some((status_of(&e), e.to_string()));
        return round_form(&state, &u, d, None, err).await;
    }
    match state.services.create_round(&u.actor, &input, &meta).await {
        Ok(r) => Redirect::to(&format!("/rounds/{}?done=created", r.id)).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::Forbidden(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let err = Some((status_of(&e), e.to_string()));
            round_form(&state, &u, d, None, err).await
        }
    }
}

struct PlanLine {
    id: i64,
    town: String,
    county: String,
    inspector: String,
    inspector_id: i64,
    planned_on: String,
    state: &'static str,
    findings: i32,
    score: String,
}

struct TownFindings {
    code: String,
    name: String,
    score: String,
    findings: Vec<FindingLine>,
}

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    l: Layout,
    v: RoundView,
    quarter: String,
    state: &'static str,
    published: bool,
    sample: String,
    plan: Vec<PlanLine>,
    /// Show the planning forms (owner office, not yet published).
    can_plan: bool,
    inspectors: Vec<(i64, String)>,
    add_groups: Vec<CountyGroup>,
    towns: Vec<TownFindings>,
    finding_count: usize,
    item_groups: Vec<AreaOptions>,
    error: Option<String>,
}

fn describe_sample(rule: Option<&str>) -> String {
    let Some(s) = rule.and_then(|r| serde_json::from_str::<SampleInput>(r).ok()) else {
        return String::new();
    };
    let size = match s.size {
        SampleSize::PerCounty(n) => format!("每县（市、区）抽 {n} 个"),
        SampleSize::Percent(p) => format!("每县（市、区）抽 {p}%"),
    };
    let scope = if s.counties.is_empty() {
        String::new()
    } else {
        format!("，范围 {} 个县（市、区）", s.counties.len())
    };
    format!("随机抽样：{size}{scope}，随机种子 {}", s.seed)
}

async fn round_page_with(
    state: &AppState,
    u: &PageUser,
    id: i64,
    flash: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let v = match state.services.round_view(&u.actor, id).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let findings = match state
        .services
        .findings(
            &u.actor,
            &FindingFilter {
                round_id: Some(id),
                ..Default::default()
            },
        )
        .await
    {
        Ok(f) => f,
        Err(e) => return PageError(e).into_response(),
    };
    let published = v.round.state == "published";
    let can_plan = v.can_manage && !published;
    let (inspectors, add_groups) = if can_plan {
        let users = state
            .services
            .users(
                &u.actor,
                &UserFilter {
                    role: Some(Role::Inspector.id().into()),
                    ..Default::default()
                },
                &PageRequest::new(Some(1), Some(200)),
            )
            .await
            .map(|p| {
                p.items
                    .into_iter()
                    .filter(|x| !x.disabled)
                    .map(|x| (x.id, format!("{}（{}）", x.display_name, x.region_name)))
                    .collect()
            })
            .unwrap_or_default();
        let existing: BTreeSet<String> = v
            .inspections
            .iter()
            .map(|i| i.row.town_code.clone())
            .collect();
        let groups = town_groups(
            state,
            &u.actor,
            &BTreeSet::new(),
            &BTreeSet::new(),
            &existing,
        )
        .await
        .unwrap_or_default();
        (users, groups)
    } else {
        (Vec::new(), Vec::new())
    };
    let plan = v
        .inspections
        .iter()
        .map(|i: &InspectionLine| PlanLine {
            id: i.row.id,
            town: i.town_name.clone(),
            county: i.county_name.clone(),
            inspector: i.inspector_name.clone().unwrap_or_default(),
            inspector_id: i.row.inspector_id.unwrap_or(0),
            planned_on: i.row.planned_on.clone().unwrap_or_default(),
            state: inspection_state_label(&i.row.state),
            findings: i.row.findings,
            score: pts(i.row.score),
        })
        .collect();
    let lines: Vec<FindingLine> = findings.iter().map(finding_line).collect();
    let finding_count = lines.len();
    let mut by_town: BTreeMap<String, Vec<FindingLine>> = BTreeMap::new();
    for f in lines {
        by_town.entry(f.town_code.clone()).or_default().push(f);
    }
    let towns = v
        .inspections
        .iter()
        .filter_map(|i| {
            by_town
                .remove(&i.row.town_code)
                .map(|findings| TownFindings {
                    code: i.row.town_code.clone(),
                    name: i.town_name.clone(),
                    score: pts(i.row.score),
                    findings,
                })
        })
        .collect();
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let page = RoundPage {
        l: Layout::new(&u.actor, &u.csrf, "rounds", v.round.name.clone())
            .crumb("暗访督查", Some("/rounds".into()))
            .crumb(v.round.name.clone(), None)
            .flash(flash),
        quarter: v.quarter_label.clone(),
        state: round_state_label(&v.round.state),
        sample: describe_sample(v.round.sample_rule.as_deref()),
        item_groups: item_options(&v.checklist, ""),
        published,
        plan,
        can_plan,
        inspectors,
        add_groups,
        towns,
        finding_count,
        error,
        v,
    };
    with_status(status, render(&page))
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn flash_of(key: Option<&str>) -> Option<String> {
    match key {
        Some("published") => Some("已发布，被检查乡镇及其上级现在可以看到本轮结果".into()),
        Some("recorded") => Some("问题已记录".into()),
        Some("submitted") => Some("已完成检查".into()),
        Some("assigned") => Some("已保存指派".into()),
        Some("removed") => Some("已移出该乡镇".into()),
        Some("added") => Some("已增加乡镇".into()),
        Some("corrected") => Some("已更正".into()),
        other => done_message(other),
    }
}

async fn round_page(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Response {
    round_page_with(&state, &u, id, flash_of(q.done.as_deref()), None).await
}

/// After a refused planning action: the round again with the reason, or the
/// error page when the round itself is not to be seen.
async fn refused(state: &AppState, u: &PageUser, round: i64, e: ServiceError) -> Response {
    match e {
        ServiceError::Internal(_) | ServiceError::NotFound(_) => PageError(e).into_response(),
        e => round_page_with(state, u, round, None, Some((status_of(&e), e.to_string()))).await,
    }
}

async fn add_towns(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let towns: Vec<String> = Pairs::parse(&body).all("towns").into_iter().collect();
    if towns.is_empty() {
        let e = ServiceError::invalid("towns", "请勾选要增加的乡镇");
        return refused(&state, &u, id, e).await;
    }
    match state
        .services
        .add_round_towns(&u.actor, id, &towns, &meta)
        .await
    {
        Ok(_) => Redirect::to(&format!("/rounds/{id}?done=added#plan")).into_response(),
        Err(e) => refused(&state, &u, id, e).await,
    }
}

async fn publish(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Response {
    match state.services.publish_round(&u.actor, id, &meta).await {
        Ok(_) => Redirect::to(&format!("/rounds/{id}?done=published")).into_response(),
        Err(e) => refused(&state, &u, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    round: i64,
    inspector: String,
    planned_on: String,
}

async fn assign(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<AssignForm>,
) -> Response {
    let inspector = match f.inspector.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ServiceError::invalid("inspector", "请选择督查人员")),
    };
    let result = match inspector {
        Ok(i) => {
            state
                .services
                .assign_inspector(&u.actor, id, i, &f.planned_on, &meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(ins) => {
            Redirect::to(&format!("/rounds/{}?done=assigned#plan", ins.round_id)).into_response()
        }
        Err(e) => refused(&state, &u, f.round, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoundRef {
    round: i64,
}

async fn remove(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RoundRef>,
) -> Response {
    match state.services.remove_inspection(&u.actor, id, &meta).await {
        Ok(()) => Redirect::to(&format!("/rounds/{}?done=removed#plan", f.round)).into_response(),
        Err(e) => refused(&state, &u, f.round, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorrectForm {
    round: i64,
    item_code: String,
    place: String,
    note: String,
    reason: String,
}

async fn correct(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CorrectForm>,
) -> Response {
    let input = CorrectionInput {
        item_code: f.item_code.clone(),
        place: f.place.clone(),
        note: f.note.clone(),
        reason: f.reason.clone(),
    };
    match state
        .services
        .correct_finding(&u.actor, id, &input, &meta)
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/rounds/{}?done=corrected#finding-{}",
            v.row.round_id, v.row.id
        ))
        .into_response(),
        Err(e) => refused(&state, &u, f.round, e).await,
    }
}

// ---- field work ------------------------------------------------------------------------

struct TaskLine {
    id: i64,
    round: String,
    quarter: String,
    town: String,
    county: String,
    planned_on: String,
    dates: String,
    state: &'static str,
    findings: i32,
    open: bool,
}

#[derive(Template)]
#[template(path = "inspection_tasks.html")]
struct TasksPage {
    l: Layout,
    rows: Vec<TaskLine>,
}

async fn field_list(State(state): State<AppState>, u: PageUser) -> Response {
    let rows = match state.services.my_assignments(&u.actor).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    render(&TasksPage {
        l: Layout::new(&u.actor, &u.csrf, "field", "我的检查任务").crumb("我的检查任务", None),
        rows: rows
            .iter()
            .map(|(r, i)| TaskLine {
                id: i.row.id,
                round: r.name.clone(),
                quarter: quarter_label(r.year, r.quarter),
                town: i.town_name.clone(),
                county: i.county_name.clone(),
                planned_on: i.row.planned_on.clone().unwrap_or_default(),
                dates: format!("{} 至 {}", r.starts_on, r.ends_on),
                state: inspection_state_label(&i.row.state),
                findings: i.row.findings,
                open: r.state == "planned",
            })
            .collect(),
    })
}

/// The capture form as typed (kept after a refused save).
#[derive(Default)]
struct FindingDraft {
    client_id: String,
    item_code: String,
    place: String,
    note: String,
    lat: String,
    lon: String,
}

#[derive(Template)]
#[template(path = "inspection_field.html")]
struct FieldPage {
    l: Layout,
    id: i64,
    round_name: String,
    round_id: i64,
    quarter: String,
    town: String,
    county: String,
    planned_on: String,
    state: &'static str,
    score: String,
    can_record: bool,
    can_submit: bool,
    /// The owner office may open the round's page.
    can_manage: bool,
    item_groups: Vec<AreaOptions>,
    d: FindingDraft,
    findings: Vec<FindingLine>,
    error: Option<String>,
}

async fn field_page_with(
    state: &AppState,
    u: &PageUser,
    id: i64,
    flash: Option<String>,
    draft: Option<FindingDraft>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let (round, line, findings) = match state.services.inspection_view(&u.actor, id).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let open = round.round.state == "planned";
    let assigned = line.row.inspector_id == Some(u.actor.id);
    let can_record = open && (assigned || round.can_manage);
    let d = draft.unwrap_or_else(|| FindingDraft {
        client_id: new_client_id(),
        ..Default::default()
    });
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let title = format!("{} · {}", line.town_name, round.round.name);
    let page = FieldPage {
        l: Layout::new(&u.actor, &u.csrf, "field", title)
            .crumb("我的检查任务", Some("/field".into()))
            .crumb(line.town_name.clone(), None)
            .flash(flash),
        id,
        round_name: round.round.name.clone(),
        round_id: round.round.id,
        quarter: round.quarter_label.clone(),
        town: line.town_name.clone(),
        county: line.county_name.clone(),
        planned_on: line.row.planned_on.clone().unwrap_or_default(),
        state: inspection_state_label(&line.row.state),
        score: pts(line.row.score),
        can_record,
        can_submit: can_record && line.row.state == "planned",
        can_manage: round.can_manage,
        item_groups: item_options(&round.checklist, &d.item_code),
        d,
        findings: findings.iter().map(finding_line).collect(),
        error,
    };
    with_status(status, render(&page))
}

async fn field_page(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Response {
    field_page_with(&state, &u, id, flash_of(q.done.as_deref()), None, None).await
}

/// The form's target without script (with script, app.js sends to the API
/// and queues while offline). The server-made `client_id` makes a repeated
/// post of the same form one finding.
async fn record(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    form: Multipart,
) -> Response {
    let (result, draft) = match read_finding_form(form).await {
        Ok(FindingForm {
            input,
            photos,
            lat,
            lon,
        }) => {
            let draft = FindingDraft {
                client_id: input.client_id.clone(),
                item_code: input.item_code.clone(),
                place: input.place.clone(),
                note: input.note.clone(),
                lat,
                lon,
            };
            let r = state
                .services
                .record_finding(&u.actor, id, &input, photos, &meta)
                .await
                .map_err(|e| (status_of(&e), e));
            (r, draft)
        }
        Err(fault) => (Err(fault.into_parts()), FindingDraft::default()),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/field/{id}?done=recorded#findings")).into_response(),
        Err((_, e @ (ServiceError::Internal(_) | ServiceError::NotFound(_)))) => {
            PageError(e).into_response()
        }
        Err((status, e)) => {
            let draft = FindingDraft {
                client_id: if draft.client_id.trim().is_empty() {
                    new_client_id()
                } else {
                    draft.client_id
                },
                ..draft
            };
            field_page_with(
                &state,
                &u,
                id,
                None,
                Some(draft),
                Some((status, e.to_string())),
            )
            .await
        }
    }
}

async fn submit(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Response {
    match state.services.submit_inspection(&u.actor, id, &meta).await {
        Ok(_) => Redirect::to(&format!("/field/{id}?done=submitted")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            field_page_with(
                &state,
                &u,
                id,
                None,
                None,
                Some((status_of(&e), e.to_string())),
            )
            .await
        }
    }
}

async fn photo(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, variant)): Path<(i64, String)>,
) -> Response {
    let Some(v) = PhotoVariant::parse(&variant) else {
        return PageError(ServiceError::not_found("照片")).into_response();
    };
    match state.services.finding_photo_file(&u.actor, id, v).await {
        Ok((content_type, bytes)) => crate::api::photos::image_response(content_type, bytes),
        Err(e) => PageError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_lines_round_trip() {
        let c = meizhen_domain::inspection::default_catalogue();
        let text = catalogue_lines(&c);
        assert!(text.starts_with("HJ|环境卫生|30|HJ01|"));
        assert_eq!(parse_catalogue_lines("100", &text).ok(), Some(c));
    }

    #[test]
    fn catalogue_line_errors_name_the_line() {
        let e = parse_catalogue_lines(
            "100",
            "HJ|环境卫生|30|HJ01|道路|0.5|一般\nHJ|环境|30|HJ02|x|1|一般",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("第 2 行"), "{e}");
        let e = parse_catalogue_lines("100", "\n# 注释\nHJ|环境卫生|30|HJ01|道路|半分|一般")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("第 3 行") && e.contains("每处扣分"), "{e}");
        let e = parse_catalogue_lines("100", "HJ|环境卫生|30|HJ01")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("应有 7 项"), "{e}");
    }

    #[test]
    fn client_ids_are_uuid_shaped_and_distinct() {
        let a = new_client_id();
        let b = new_client_id();
        assert_eq!(a.len(), 36);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-'));
    }
}
