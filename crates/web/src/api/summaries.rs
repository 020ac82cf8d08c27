//! 工作总结 and 驾驶舱 over JSON: list, generate, read, save with optimistic
//! concurrency (409 when `base_revision` is not the latest), the history, any
//! revision, the Word file, and a region's dashboard. Scope and who may
//! write are the service's.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::export::DOCX;
use crate::extract::{empty_as_none, ApiJson, ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::summary::{Layout, Period};
use meizhen_domain::RegionCode;
use meizhen_service::summary::{
    Dashboard, RevisionRow, SectionEdit, SummaryEdit, SummaryFilter, SummaryRow, SummaryView,
};
use meizhen_service::ServiceError;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(api: Api) -> Api {
    api.get(
        "/summaries",
        list,
        Op::new("工作总结", "工作总结列表")
            .desc("管辖范围内已生成的工作总结，按最后保存时间倒序。")
            .query(&[
                ("region", "string", "区划代码前缀"),
                ("year", "integer", "年度"),
                ("q", "string", "标题关键词"),
                ("page", "integer", "页码"),
                ("per_page", "integer", "每页条数"),
            ])
            .returns("SummaryPage"),
    )
    .post(
        "/summaries",
        create,
        Op::new("工作总结", "生成工作总结")
            .desc("按平台中的项目、暗访督查和台账数据为某地区、某时期生成初稿并保存为第 1 版（记入操作日志）。美镇办和管理员可为本级及下级生成，乡镇工作人员为本乡镇生成；领导等只读。管辖范围外的地区 404；该时期没有任何数据时 422。")
            .body("SummaryInput")
            .returns("SummaryView")
            .status(201),
    )
    .get(
        "/summaries/{id}",
        show,
        Op::new("工作总结", "工作总结（最新版本）")
            .desc("最新版本的全文：各部分段落（{{数据项}} 引用 figures 中的数据）、表格、图表、数据（含来源链接），以及缺少数据的项（missing）。")
            .returns("SummaryView"),
    )
    .put(
        "/summaries/{id}",
        save,
        Op::new("工作总结", "保存修改（新版本）")
            .desc("提交整篇的标题和各部分（按顺序）；base_revision 为修改所依据的版本，若其间已有他人保存则返回 409，不写入。成功时保存为新版本并记入操作日志。表格、图表和数据随同 key 的部分保留。")
            .body("SummaryEditInput")
            .returns("SummaryView"),
    )
    .get(
        "/summaries/{id}/revisions",
        revisions,
        Op::new("工作总结", "历史版本")
            .desc("所有已保存的版本，新的在前。")
            .returns("SummaryRevisionList"),
    )
    .get(
        "/summaries/{id}/revisions/{revision}",
        revision,
        Op::new("工作总结", "某一版本").returns("SummaryView"),
    )
    .get(
        "/summaries/{id}/docx",
        docx,
        Op::new("工作总结", "导出 Word")
            .desc("公文格式的 Word 文件；缺少的数据以【暂无数据：…】标出。")
            .query(&[("revision", "integer", "版本号，缺省为最新版本")])
            .binary(DOCX),
    )
    .get(
        "/regions/{code}/dashboard",
        dashboard,
        Op::new("统计", "驾驶舱")
            .desc("某地区某年各模块的主要数据（与工作总结同一口径）、逐月趋势和下级区划排名。year 缺省为最近一个有数据的年度（自今年起往前最多 5 年）。")
            .query(&[("year", "integer", "年度")])
            .returns("Dashboard"),
    )
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
    q: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    per_page: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<SummaryRow>>, ApiError> {
    let f = SummaryFilter {
        region: q.region,
        year: q.year,
        q: q.q,
    };
    Ok(Json(
        state
            .services
            .summaries(&actor, &f, PageRequest::new(q.page, q.per_page))
            .await?,
    ))
}

#[derive(Deserialize)]
struct CreateBody {
    region: String,
    /// "2020", "2020H1", "2020年上半年".
    period: String,
    #[serde(default)]
    layout: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<SummaryView>), ApiError> {
    let region = RegionCode::parse(body.region.trim()).map_err(ServiceError::from)?;
    let period = Period::parse(&body.period).map_err(ServiceError::from)?;
    let layout = match body.layout.as_deref().map(str::trim) {
        None | Some("") => Layout::Mechanism,
        Some(l) => Layout::parse(l).map_err(ServiceError::from)?,
    };
    let v = state
        .services
        .create_summary(&actor, &meta, &region, period, layout)
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn show(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SummaryView>, ApiError> {
    Ok(Json(state.services.summary(&actor, id).await?))
}

#[derive(Deserialize)]
struct SaveBody {
    base_revision: i32,
    title: String,
    sections: Vec<SectionEdit>,
    #[serde(default)]
    note: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SaveBody>,
) -> Result<Json<SummaryView>, ApiError> {
    let edit = SummaryEdit {
        title: body.title,
        sections: body.sections,
        note: body.note,
    };
    Ok(Json(
        state
            .services
            .save_summary(&actor, &meta, id, body.base_revision, &edit)
            .await?,
    ))
}

async fn revisions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RevisionRow>>, ApiError> {
    Ok(Json(state.services.summary_history(&actor, id).await?))
}

/// A revision number from the path; a word there is a 422, not a bare 400.
fn revision_number(s: &str) -> Result<i32, ServiceError> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|r| *r > 0)
        .ok_or_else(|| ServiceError::invalid("revision", format!("版本号“{s}”无效，应为正整数")))
}

async fn revision(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, rev)): Path<(i64, String)>,
) -> Result<Json<SummaryView>, ApiError> {
    let rev = revision_number(&rev)?;
    Ok(Json(
        state.services.summary_revision(&actor, id, rev).await?,
    ))
}

#[derive(Deserialize)]
struct DocxQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    revision: Option<i32>,
}

async fn docx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<DocxQuery>,
) -> Result<Response, ApiError> {
    let (name, bytes) = state.services.summary_docx(&actor, id, q.revision).await?;
    Ok(crate::export::docx(bytes, &name))
}

#[derive(Deserialize)]
struct DashboardQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
}

async fn dashboard(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<Json<Dashboard>, ApiError> {
    let region = RegionCode::parse(code.trim()).map_err(ServiceError::from)?;
    let (d, _) = crate::pages::dashboard::dashboard_of(&state, &actor, &region, q.year).await?;
    Ok(Json(d))
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// Adds the summary and dashboard schemas to the document.
pub fn document(doc: &mut Value) {
    let s = json!({"type": "string"});
    let ns = json!({"type": ["string", "null"]});
    let i = json!({"type": "integer"});
    let ni = json!({"type": ["integer", "null"]});
    let nn = json!({"type": ["number", "null"]});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let period = obj(
        json!({"year": i, "half": {"type": ["integer", "null"], "description": "1 上半年、2 下半年；null 为全年"}}),
        &["year"],
    );
    let layout = json!({"type": "string", "enum": ["wumei", "mechanism"], "description": "wumei 按“五美”，mechanism 按工作机制"});
    let schemas = json!({
        "SummaryInput": obj(json!({
            "region": {"type": "string", "description": "区划代码（省、市、县、乡镇）"},
            "period": {"type": "string", "description": "2020、2020H1、2020H2 或 2020年上半年"},
            "layout": {"type": "string", "description": "wumei（按“五美”）或 mechanism（按工作机制，缺省）"}
        }), &["region", "period"]),
        "SummarySectionInput": obj(json!({
            "key": {"type": "string", "description": "部分标识，如 opening、achievements、measures、problems、next"},
            "heading": {"type": "string", "description": "部分标题（不含一、二、）；开头部分为空"},
            "paragraphs": {"type": "array", "items": {"type": "string"}, "description": "段落，按顺序；{{数据项}} 引用数据；以“## ”开头为小标题；空段落删去"}
        }), &["key"]),
        "SummaryEditInput": obj(json!({
            "base_revision": {"type": "integer", "description": "修改所依据的版本号"},
            "title": {"type": "string", "description": "标题，200 字以内"},
            "sections": {"type": "array", "items": schema_ref("SummarySectionInput")},
            "note": {"type": ["string", "null"], "description": "修改说明，显示在历史版本中"}
        }), &["base_revision", "title", "sections"]),
        "SummaryRow": obj(json!({
            "id": i, "region_code": s, "region_name": s,
            "period": {"type": "string", "description": "2020 或 2020H1"},
            "layout": layout.clone(), "title": s,
            "revision": {"type": "integer", "description": "最新版本号"},
            "created_by": ni, "created_at": i, "updated_by": ni, "updated_at": i,
            "updated_by_name": s
        }), &["id", "region_code", "period", "layout", "title", "revision"]),
        "SummaryPage": obj(
            json!({"items": {"type": "array", "items": schema_ref("SummaryRow")}, "total": i, "page": i, "per_page": i}),
            &["items", "total", "page", "per_page"]
        ),
        "SummaryRevision": obj(json!({
            "id": i, "summary_id": i, "revision": i, "note": s, "author_id": ni, "author_name": s, "created_at": i
        }), &["revision", "author_name", "created_at"]),
        "SummaryRevisionList": {"type": "array", "items": schema_ref("SummaryRevision")},
        "SummaryFigure": obj(json!({
            "key": s, "label": s,
            "value": {"type": ["string", "null"], "description": "中文格式的数值；null 表示暂无数据"},
            "raw": ni,
            "source": {"type": ["string", "null"], "description": "计算所依据的列表页面地址"}
        }), &["key", "label", "value"]),
        "SummaryTable": obj(json!({"title": s, "headers": strings.clone(), "rows": {"type": "array", "items": strings.clone()}, "note": ns}), &["title", "headers", "rows"]),
        "SummaryChart": obj(json!({
            "kind": {"type": "string", "enum": ["bar", "line"]}, "title": s, "categories": strings.clone(),
            "series": {"type": "array", "items": obj(json!({"name": s, "values": {"type": "array", "items": nn}}), &["name", "values"])},
            "percent": {"type": "boolean"}, "unit": s
        }), &["kind", "title", "categories", "series"]),
        "SummarySection": obj(json!({
            "key": s, "heading": s, "paragraphs": strings.clone(),
            "table": {"oneOf": [schema_ref("SummaryTable"), {"type": "null"}]},
            "chart": {"oneOf": [schema_ref("SummaryChart"), {"type": "null"}]}
        }), &["key", "heading", "paragraphs"]),
        "SummaryDraft": obj(json!({
            "title": s, "region_code": s, "region_name": s, "period": period, "layout": layout,
            "sections": {"type": "array", "items": schema_ref("SummarySection")},
            "figures": {"type": "object", "additionalProperties": schema_ref("SummaryFigure")},
            "generated_at": i
        }), &["title", "region_code", "period", "layout", "sections", "figures"]),
        "SummaryView": obj(json!({
            "summary": schema_ref("SummaryRow"),
            "revision": {"type": "integer", "description": "所示版本"},
            "latest_revision": i, "author_name": s, "revised_at": i,
            "draft": schema_ref("SummaryDraft"),
            "missing": {"type": "array", "items": schema_ref("SummaryFigure"), "description": "正文引用但暂无数据的项"}
        }), &["summary", "revision", "latest_revision", "draft", "missing"]),
        "Dashboard": obj(json!({
            "facts": {"type": "object", "description": "与工作总结同一口径的各模块数据：projects（current/previous 为 ProjectStats，by_pillar）、enrollment、inspections（含 rect 整改）、publicity、experts、meetings、work_team、indicators、children、problems"},
            "trend": {"type": "array", "items": obj(json!({"month": i, "label": s, "completed_investment_fen": i, "start_rate": nn, "investment_rate": nn}), &["month", "completed_investment_fen"])},
            "children": {"type": "array", "items": obj(json!({"code": s, "name": s, "stats": schema_ref("ProjectStats"), "investment_rank": ni, "start_rank": ni, "inspection_score": {"type": ["integer", "null"], "description": "暗访平均得分 × 100"}}), &["code", "name", "stats"])}
        }), &["facts", "trend", "children"])
    });
    if let (Some(target), Some(add)) = (
        doc["components"]["schemas"].as_object_mut(),
        schemas.as_object(),
    ) {
        for (k, v) in add {
            target.insert(k.clone(), v.clone());
        }
    }
    // The revision in the path is a number.
    if let Some(params) = doc["paths"]["/api/v1/summaries/{id}/revisions/{revision}"]["get"]
        ["parameters"]
        .as_array_mut()
    {
        for p in params {
            if p["name"] == "revision" {
                p["schema"] = json!({"type": "integer"});
            }
        }
    }
}
