//! 暗访通报: a published round's notice as JSON, its editable texts, and the
//! Word and Excel files. Who may is the service's: the office that owns the
//! round (and offices above) once it is published.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use meizhen_service::inspections::{NoticeText, NoticeView};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::export::{DOCX, XLSX};

pub fn routes(api: Api) -> Api {
    api.get(
        "/rounds/{id}/notice",
        notice,
        Op::new("暗访督查", "暗访通报（预览数据）")
            .desc("已发布轮次的通报：标题、文号、开头与结尾（未编辑时为系统按数据生成的文字）、方式方法、县区与乡镇排名、表扬与末位、各乡镇问题（含整改前后照片）、整改要求、发文单位和日期。只有安排该轮暗访的美镇办及其上级可以生成；未发布时返回 409。")
            .returns("NoticeView"),
    )
    .put(
        "/rounds/{id}/notice",
        update,
        Op::new("暗访督查", "编辑通报文字")
            .desc("安排该轮暗访的美镇办编辑标题（100 字以内）、文号（40 字以内）、开头和结尾段落（各 4000 字以内，换行分段）。留空或与系统生成的文字相同时，继续使用按数据生成的文字。记入操作日志。")
            .body("NoticeTextInput")
            .returns("NoticeView"),
    )
    .get(
        "/rounds/{id}/notice.docx",
        docx,
        Op::new("暗访督查", "导出通报（Word）")
            .desc("公文格式的通报，含得分柱状图、排名表和问题照片（每个问题最多 4 张，全文最多 300 张）。")
            .binary(DOCX),
    )
    .get(
        "/rounds/{id}/notice.xlsx",
        xlsx,
        Op::new("暗访督查", "导出通报附表（Excel）")
            .desc("三个工作表：县区排名、乡镇得分、问题清单。")
            .binary(XLSX),
    )
}

/// The Word file as a response.
pub(crate) fn docx_response((name, bytes): (String, Vec<u8>)) -> Response {
    crate::export::docx(bytes, &name)
}

/// The Excel file as a response.
pub(crate) fn xlsx_response((name, bytes): (String, Vec<u8>)) -> Response {
    crate::export::xlsx(bytes, &name)
}

async fn notice(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(state.services.round_notice(&actor, id).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextBody {
    title: String,
    number: String,
    opening: String,
    closing: String,
}

async fn update(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<Json<NoticeView>, ApiError> {
    let text = NoticeText {
        title: body.title,
        number: body.number,
        opening: body.opening,
        closing: body.closing,
    };
    Ok(Json(
        state
            .services
            .update_round_notice_text(&actor, id, &text, &meta)
            .await?,
    ))
}

async fn docx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(docx_response(
        state.services.round_notice_docx(&actor, id).await?,
    ))
}

async fn xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(xlsx_response(
        state.services.round_notice_xlsx(&actor, id).await?,
    ))
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// Adds the notice's schemas to the document.
pub fn document(doc: &mut Value) {
    let s = json!({"type": "string"});
    let i = json!({"type": "integer"});
    let ni = json!({"type": ["integer", "null"]});
    let b = json!({"type": "boolean"});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let text = obj(
        json!({"title": s, "number": s, "opening": s, "closing": s}),
        &["title", "number", "opening", "closing"],
    );
    let photo = obj(
        json!({"id": {"type": "integer", "description": "问题照片 id：/api/v1/finding-photos/{id}/display"}, "caption": s, "width": ni, "height": ni}),
        &["id", "caption"],
    );
    let schemas = json!({
        "NoticeTextInput": obj(json!({
            "title": {"type": "string", "description": "通报标题，100 字以内；空为系统生成"},
            "number": {"type": "string", "description": "文号，如 台美镇办〔2020〕12号，40 字以内"},
            "opening": {"type": "string", "description": "开头段落，换行分段，4000 字以内；空为系统生成"},
            "closing": {"type": "string", "description": "结尾段落，4000 字以内；空为系统生成"}
        }), &[]),
        "NoticeText": text,
        "NoticePhoto": photo,
        "NoticeView": obj(json!({
            "round_id": i, "round_name": s, "quarter_label": s, "owner_code": s, "owner_name": s,
            "saved": schema_ref("NoticeText"),
            "title": s, "number": s,
            "opening": {"type": "string", "description": "现行开头（已编辑的，或系统生成的）；换行分段"},
            "closing": s, "default_title": s, "default_opening": s, "default_closing": s,
            "method": {"type": "string", "description": "检查方式（三不两直、检查标准、抽样）"},
            "figures": obj(json!({"counties": i, "towns": i, "findings": i, "serious": i, "general": i, "average": s, "closed": i, "submitted": i, "overdue": i, "towns_with_findings": i}), &["counties", "towns", "findings", "average"]),
            "chart_title": s,
            "counties": {"type": "array", "items": obj(json!({"rank": i, "code": s, "name": s, "towns": i, "average": s, "findings": i, "change": s}), &["rank", "code", "name"])},
            "towns": {"type": "array", "items": obj(json!({"rank": i, "code": s, "county": s, "town": s, "score": s, "findings": i, "deduction": s, "county_rank": i, "change": s}), &["rank", "code", "town", "score"])},
            "best": strings.clone(),
            "last": strings.clone(),
            "problems": {"type": "array", "items": obj(json!({
                "town_code": s, "town": s, "county": s,
                "items": {"type": "array", "items": obj(json!({
                    "finding_id": i, "area": s, "item": s, "severity": s, "place": s, "found_at": s, "deduction": s,
                    "deadline": s, "state": s, "overdue": b, "note": s,
                    "before": {"type": "array", "items": schema_ref("NoticePhoto")},
                    "after": {"type": "array", "items": schema_ref("NoticePhoto")}
                }), &["finding_id", "item", "place"])}
            }), &["town_code", "town", "items"])},
            "requirements": strings,
            "issuer": s, "date_zh": s,
            "photos_left_out": {"type": "integer", "description": "为控制文件大小未收入通报的照片数"},
            "can_edit": b
        }), &["round_id", "title", "opening", "closing", "counties", "towns", "problems", "issuer", "date_zh"])
    });
    if let (Some(target), Some(add)) = (
        doc["components"]["schemas"].as_object_mut(),
        schemas.as_object(),
    ) {
        for (k, v) in add {
            target.insert(k.clone(), v.clone());
        }
    }
}
