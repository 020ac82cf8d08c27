//! Region drill-down (province → city → county → town → village), region
//! search, and the town forms: type, enrollment, grids.

use super::{done_message, render};
use crate::error::PageError;
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::{level_label, query_string, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_domain::page::PageRequest;
use meizhen_domain::town::TOWN_TYPES;
use meizhen_domain::RegionCode;
use meizhen_service::regions::{
    may_draw_grids, may_edit_town, GridInput, GridRow, RegionView, Totals,
};
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions", get(search))
        .route("/regions/{code}", get(show))
        .route("/regions/{code}/export.xlsx", get(export))
        .route("/regions/{code}/town-type", post(set_type))
        .route("/regions/{code}/enrollment", post(set_enrollment))
        .route("/regions/{code}/grids", post(add_grid))
        .route("/grids/{id}/edit", get(edit_grid_page).post(edit_grid))
        .route("/grids/{id}/delete", post(delete_grid))
}

pub enum RegionPageKind {
    Home,
    Region,
}

struct ChildView {
    code: String,
    name: String,
    town_type: String,
    towns: i64,
    villages: i64,
    users: i64,
    grids: i64,
}

struct GridView {
    id: i64,
    name: String,
    village: String,
    description: String,
}

struct EnrollView {
    year: i32,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    l: Layout,
    home: bool,
    code: String,
    name: String,
    level: &'static str,
    is_town: bool,
    town_type: String,
    totals: Totals,
    children: Vec<ChildView>,
    child_level: &'static str,
    children_are_towns: bool,
    grids: Vec<GridView>,
    enrollments: Vec<EnrollView>,
    can_edit_town: bool,
    can_draw_grids: bool,
    town_types: &'static [&'static str],
    error: Option<String>,
}

fn enrollment_label(kind: &str) -> &'static str {
    match kind {
        "model" => "样板创建",
        "standard" => "达标创建",
        _ => "未列入",
    }
}

pub async fn region_page(
    state: &AppState,
    u: &PageUser,
    code: &str,
    kind: RegionPageKind,
    flash: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let view: RegionView = match state.services.region(&u.actor, code).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let parsed = RegionCode::parse(&view.region.code).ok();
    let is_town = view.region.level == "town";
    let home = matches!(kind, RegionPageKind::Home);
    let mut l = Layout::new(
        &u.actor,
        &u.csrf,
        if home { "home" } else { "regions" },
        view.region.name.clone(),
    )
    .flash(flash);
    if !home {
        for (i, (c, n)) in view.breadcrumb.iter().enumerate() {
            let last = i + 1 == view.breadcrumb.len();
            l = l.crumb(n.clone(), (!last).then(|| format!("/regions/{c}")));
        }
    }
    let child_level = view
        .children
        .first()
        .map(|c| level_label(&c.level))
        .unwrap_or("");
    let (status, err) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let page = RegionPage {
        l,
        home,
        code: view.region.code.clone(),
        name: view.region.name.clone(),
        level: level_label(&view.region.level),
        is_town,
        town_type: view.region.town_type.clone().unwrap_or_default(),
        totals: view.totals.clone(),
        children: view
            .children
            .iter()
            .map(|c| ChildView {
                code: c.code.clone(),
                name: c.name.clone(),
                town_type: c.town_type.clone().unwrap_or_default(),
                towns: c.towns,
                villages: c.villages,
                users: c.users,
                grids: c.grids,
            })
            .collect(),
        child_level,
        children_are_towns: view.children.first().is_some_and(|c| c.level == "town"),
        grids: view
            .grids
            .iter()
            .map(|g| GridView {
                id: g.id,
                name: g.name.clone(),
                village: g
                    .village_code
                    .as_ref()
                    .and_then(|v| view.children.iter().find(|c| &c.code == v))
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                description: g.description.clone(),
            })
            .collect(),
        enrollments: view
            .enrollments
            .iter()
            .map(|e| EnrollView {
                year: e.year,
                label: enrollment_label(&e.kind),
            })
            .collect(),
        can_edit_town: parsed.as_ref().is_some_and(|c| may_edit_town(&u.actor, c)),
        can_draw_grids: parsed.as_ref().is_some_and(|c| may_draw_grids(&u.actor, c)),
        town_types: &TOWN_TYPES,
        error: err,
    };
    let mut res = render(&page);
    *res.status_mut() = status;
    res
}

#[derive(Deserialize)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Response {
    let flash = done_message(q.done.as_deref());
    region_page(&state, &u, &code, RegionPageKind::Region, flash, None).await
}

async fn export(State(state): State<AppState>, u: PageUser, Path(code): Path<String>) -> Response {
    match crate::export::region_xlsx(&state, &u.actor, &code).await {
        Ok(r) => r,
        Err(e) => PageError(e).into_response(),
    }
}

async fn after_write(
    state: &AppState,
    u: &PageUser,
    code: &str,
    result: Result<(), ServiceError>,
    done: &str,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/regions/{code}?done={done}")).into_response(),
        Err(e) => {
            let status = crate::error::status_of(&e);
            if matches!(e, ServiceError::NotFound(_) | ServiceError::Internal(_)) {
                return PageError(e).into_response();
            }
            region_page(
                state,
                u,
                code,
                RegionPageKind::Region,
                None,
                Some((status, e.to_string())),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct TypeForm {
    town_type: String,
}

async fn set_type(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(code): Path<String>,
    PageForm(f): PageForm<TypeForm>,
) -> Response {
    let r = state
        .services
        .set_town_type(&u.actor, &code, Some(&f.town_type), &meta)
        .await
        .map(|_| ());
    after_write(&state, &u, &code, r, "saved").await
}

#[derive(Deserialize)]
struct EnrollForm {
    year: String,
    kind: String,
}

async fn set_enrollment(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(code): Path<String>,
    PageForm(f): PageForm<EnrollForm>,
) -> Response {
    let r = match f.year.trim().parse::<i32>() {
        Ok(year) => state
            .services
            .set_enrollment(&u.actor, &code, year, &f.kind, &meta)
            .await
            .map(|_| ()),
        Err(_) => Err(ServiceError::invalid("year", "请填写四位数年份")),
    };
    after_write(&state, &u, &code, r, "saved").await
}

#[derive(Deserialize)]
struct GridForm {
    name: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    description: String,
}

impl GridForm {
    fn input(&self) -> GridInput {
        GridInput {
            name: self.name.clone(),
            village: Some(self.village.clone()).filter(|v| !v.is_empty()),
            description: self.description.clone(),
        }
    }
}

async fn add_grid(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(code): Path<String>,
    PageForm(f): PageForm<GridForm>,
) -> Response {
    let r = state
        .services
        .create_grid(&u.actor, &code, &f.input(), &meta)
        .await
        .map(|_| ());
    after_write(&state, &u, &code, r, "created").await
}

#[derive(Template)]
#[template(path = "grid_edit.html")]
struct GridEditPage {
    l: Layout,
    id: i64,
    town_code: String,
    name: String,
    village: String,
    description: String,
    villages: Vec<(String, String)>,
    error: Option<String>,
}

async fn grid_page(
    state: &AppState,
    u: &PageUser,
    id: i64,
    form: Option<&GridForm>,
    error: Option<(StatusCode, String)>,
) -> Response {
    // Finding the grid goes through the scoped service like everything else.
    let grid = match find_grid(state, u, id).await {
        Ok(g) => g,
        Err(e) => return PageError(e).into_response(),
    };
    let view = match state.services.region(&u.actor, &grid.town_code).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let mut l = Layout::new(&u.actor, &u.csrf, "regions", "编辑网格");
    for (c, n) in &view.breadcrumb {
        l = l.crumb(n.clone(), Some(format!("/regions/{c}")));
    }
    let l = l.crumb("编辑网格", None);
    let (status, err) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let mut res = render(&GridEditPage {
        l,
        id,
        town_code: grid.town_code.clone(),
        name: form.map(|f| f.name.clone()).unwrap_or(grid.name.clone()),
        village: form
            .map(|f| f.village.clone())
            .unwrap_or(grid.village_code.clone().unwrap_or_default()),
        description: form
            .map(|f| f.description.clone())
            .unwrap_or(grid.description.clone()),
        villages: view
            .children
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
        error: err,
    });
    *res.status_mut() = status;
    res
}

async fn find_grid(state: &AppState, u: &PageUser, id: i64) -> Result<GridRow, ServiceError> {
    state.services.grid(&u.actor, id).await
}

async fn edit_grid_page(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Response {
    grid_page(&state, &u, id, None, None).await
}

async fn edit_grid(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<GridForm>,
) -> Response {
    match state
        .services
        .update_grid(&u.actor, id, &f.input(), &meta)
        .await
    {
        Ok(g) => Redirect::to(&format!("/regions/{}?done=saved", g.town_code)).into_response(),
        Err(e @ (ServiceError::NotFound(_) | ServiceError::Internal(_))) => {
            PageError(e).into_response()
        }
        Err(e) => {
            let status = crate::error::status_of(&e);
            grid_page(&state, &u, id, Some(&f), Some((status, e.to_string()))).await
        }
    }
}

async fn delete_grid(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Response {
    let grid = match find_grid(&state, &u, id).await {
        Ok(g) => g,
        Err(e) => return PageError(e).into_response(),
    };
    let r = state.services.delete_grid(&u.actor, id, &meta).await;
    after_write(&state, &u, &grid.town_code, r, "deleted").await
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    level: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
}

struct SearchRow {
    code: String,
    name: String,
    level: &'static str,
    parent: String,
}

#[derive(Template)]
#[template(path = "region_search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    level: String,
    levels: Vec<(&'static str, &'static str)>,
    rows: Vec<SearchRow>,
    pager: Pager,
}

async fn search(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<SearchQuery>,
) -> Response {
    let page = PageRequest::new(q.page, None);
    let result = match state
        .services
        .search_regions(&u.actor, &q.q, Some(&q.level), &page)
        .await
    {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let base = query_string(&[("q", &q.q), ("level", &q.level)]);
    render(&SearchPage {
        l: Layout::new(&u.actor, &u.csrf, "region_search", "区划查询").crumb("区划查询", None),
        pager: Pager::new(&result, "/regions", &base),
        rows: result
            .items
            .iter()
            .map(|r| SearchRow {
                code: r.code.clone(),
                name: r.name.clone(),
                level: level_label(&r.level),
                parent: r.parent_code.clone().unwrap_or_default(),
            })
            .collect(),
        q: q.q,
        level: q.level,
        levels: meizhen_domain::Level::ALL
            .iter()
            .map(|l| (l.id(), l.label()))
            .collect(),
    })
}
