//! Regions, town type and enrollment, grids.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{empty_as_none, ApiJson, ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use meizhen_domain::page::{Page, PageRequest};
use meizhen_service::regions::{EnrollmentRow, GridInput, GridRow, RegionRow};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(api: Api) -> Api {
    api.get(
        "/regions",
        search,
        Op::new("区划", "查询区划")
            .desc("在调用者管辖范围内按名称或代码查询。")
            .query(&[
                ("q", "string", "名称或代码片段"),
                ("level", "string", "province/city/county/town/village"),
                ("page", "integer", "页码"),
                ("per_page", "integer", "每页条数（≤200）"),
            ])
            .returns("RegionPage"),
    )
    .get(
        "/regions/{code}",
        show,
        Op::new("区划", "区划详情与下级")
            .desc("返回区划、下级区划及各自的乡镇、村、用户、网格数。管辖范围外的区划返回 404。")
            .returns("Region"),
    )
    .put(
        "/regions/{code}/town-type",
        set_type,
        Op::new("区划", "设置乡镇创建类型")
            .desc("仅乡镇的上级美镇办。town_type 为 null 表示清除。")
            .body("TownType")
            .returns("RegionSummary"),
    )
    .get(
        "/enrollments",
        enrollments,
        Op::new("区划", "某年创建名单")
            .query(&[("year", "integer", "年度，如 2020")])
            .returns("EnrollmentList"),
    )
    .put(
        "/regions/{code}/enrollments/{year}",
        set_enrollment,
        Op::new("区划", "设置乡镇某年创建名单")
            .body("EnrollmentInput")
            .returns("EnrollmentList"),
    )
    .get(
        "/regions/{code}/grids",
        grids,
        Op::new("网格", "乡镇的网格").returns("GridList"),
    )
    .post(
        "/regions/{code}/grids",
        create_grid,
        Op::new("网格", "新增网格")
            .desc("本乡镇工作人员或上级县美镇办。")
            .body("GridInput")
            .returns("Grid")
            .status(201),
    )
    .get(
        "/grids/{id}",
        grid,
        Op::new("网格", "网格详情").returns("Grid"),
    )
    .put(
        "/grids/{id}",
        update_grid,
        Op::new("网格", "修改网格")
            .body("GridInput")
            .returns("Grid"),
    )
    .delete(
        "/grids/{id}",
        delete_grid,
        Op::new("网格", "删除网格").status(204),
    )
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    level: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    per_page: Option<u32>,
}

async fn search(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Page<RegionRow>>, ApiError> {
    let page = PageRequest::new(q.page, q.per_page);
    Ok(Json(
        state
            .services
            .search_regions(&actor, &q.q, Some(&q.level), &page)
            .await?,
    ))
}

async fn show(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = state.services.region(&actor, &code).await?;
    Ok(Json(json!({
        "code": v.region.code,
        "name": v.region.name,
        "level": v.region.level,
        "parent": v.region.parent_code,
        "town_type": v.region.town_type,
        "children": v.children,
        "totals": v.totals,
        "breadcrumb": v.breadcrumb.iter().map(|(c, n)| json!({"code": c, "name": n})).collect::<Vec<_>>(),
        "enrollments": v.enrollments,
        "grids": v.grids,
    })))
}

#[derive(Deserialize)]
struct TownType {
    town_type: Option<String>,
}

async fn set_type(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<TownType>,
) -> Result<Json<RegionRow>, ApiError> {
    Ok(Json(
        state
            .services
            .set_town_type(&actor, &code, b.town_type.as_deref(), &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct YearQuery {
    year: i32,
}

async fn enrollments(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<Vec<EnrollmentRow>>, ApiError> {
    Ok(Json(state.services.enrollments(&actor, q.year).await?))
}

#[derive(Deserialize)]
struct EnrollmentInput {
    kind: String,
}

async fn set_enrollment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path((code, year)): Path<(String, i32)>,
    ApiJson(b): ApiJson<EnrollmentInput>,
) -> Result<Json<Vec<EnrollmentRow>>, ApiError> {
    state
        .services
        .set_enrollment(&actor, &code, year, &b.kind, &meta)
        .await?;
    let all = state.services.enrollments(&actor, year).await?;
    Ok(Json(
        all.into_iter().filter(|e| e.town_code == code).collect(),
    ))
}

async fn grids(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<GridRow>>, ApiError> {
    Ok(Json(state.services.grids(&actor, &code).await?))
}

async fn create_grid(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(code): Path<String>,
    ApiJson(g): ApiJson<GridInput>,
) -> Result<(StatusCode, Json<GridRow>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services.create_grid(&actor, &code, &g, &meta).await?),
    ))
}

async fn grid(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<GridRow>, ApiError> {
    Ok(Json(state.services.grid(&actor, id).await?))
}

async fn update_grid(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(g): ApiJson<GridInput>,
) -> Result<Json<GridRow>, ApiError> {
    Ok(Json(
        state.services.update_grid(&actor, id, &g, &meta).await?,
    ))
}

async fn delete_grid(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.services.delete_grid(&actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
