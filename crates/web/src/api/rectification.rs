//! 整改闭环 over the API: the rectification tasks of published rounds, the
//! figures (整改率, 按期整改率, 逾期), the town's answer with after-photos
//! (multipart) and the county's verification (销号 or 退回整改).
//!
//! Who may answer or verify, and which tasks a caller sees, is the service's:
//! another town's task is simply not found.

use super::openapi::Op;
use super::Api;
use crate::error::{respond_status, ApiError};
use crate::extract::{empty_as_none, ApiJson, ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use meizhen_service::inspections::{FindingView, PhotoUpload, RectFilter, RectSummary};
use meizhen_service::Actor;
use serde::Deserialize;
use serde_json::{json, Value};

/// The multipart endpoint (its request body is documented by [`document`]).
const ANSWER_PATH: &str = "/findings/{id}/rectification";

pub fn routes(api: Api) -> Api {
    api.get(
        "/rectifications",
        list,
        Op::new("整改", "整改任务")
            .desc("已发布暗访的问题即各乡镇的整改任务，按乡镇、整改期限排列。乡镇只看到本乡镇的，县、市看到辖区内的。")
            .query(&[
                ("state", "string", "open（待整改）、submitted（待核查）、returned（退回整改）、closed（已销号）、overdue（已逾期：未销号且过了整改期限）；缺省为全部"),
                ("round", "integer", "轮次 id"),
                ("region", "string", "乡镇所在区划代码前缀"),
            ])
            .returns("RectificationList"),
    )
    .get(
        "/rectifications/summary",
        summary,
        Op::new("整改", "整改情况统计")
            .desc("区划内各乡镇、县（市、区）、市和合计的整改任务数、已销号、按期销号、待核查、退回、逾期，整改率 = 已销号 / 任务数，按期整改率 = 整改期限内提交并通过核查的 / 任务数。")
            .query(&[
                ("region", "string", "区划代码，缺省为本人所在区划"),
                ("round", "integer", "只统计该轮，缺省为全部已发布轮次"),
            ])
            .returns("RectSummary"),
    )
    .post_upload(
        ANSWER_PATH,
        answer,
        Op::new("整改", "提交整改情况（乡镇）")
            .desc("multipart/form-data：note 为整改说明（必填，1000 字以内），整改后照片为一个或多个名为 photos 的文件（JPEG/PNG，1 至 9 张）。只有问题所在乡镇可以提交；待整改或退回整改的任务提交后为待核查。CSRF 令牌用 X-CSRF-Token 请求头或 ?_csrf= 查询参数。")
            .returns("Rectification"),
    )
    .post(
        "/findings/{id}/verification",
        verify,
        Op::new("整改", "核查整改（县级）")
            .desc("问题所在县（市、区）及以上美镇办核查待核查的任务：accept 为 true 时销号；为 false 时退回整改，note 须写明原因。记入操作日志。")
            .body("VerificationInput")
            .returns("Rectification"),
    )
}

// ---- shared with the pages -----------------------------------------------------------

/// The list's filter as typed.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct RectQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub round: Option<i64>,
    #[serde(default)]
    pub region: String,
}

fn given(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl RectQuery {
    pub(crate) fn filter(&self) -> RectFilter {
        RectFilter {
            region: given(&self.region),
            state: given(&self.state),
            round_id: self.round,
        }
    }
}

/// The region a summary is for: as typed, else the caller's own.
pub(crate) fn summary_region(actor: &Actor, s: &str) -> String {
    given(s).unwrap_or_else(|| actor.region.to_string())
}

/// A town's answer as received (the page's and the API's are the same).
#[derive(Default)]
pub(crate) struct AnswerForm {
    pub note: String,
    pub photos: Vec<PhotoUpload>,
}

/// What went wrong reading the upload itself (over the limit, cut off).
pub(crate) struct Broken {
    pub status: StatusCode,
    pub message: String,
}

impl Broken {
    fn of(e: &MultipartError) -> Broken {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "上传内容过大（照片合计不能超过 {} MB），请减少照片后重试",
                crate::UPLOAD_LIMIT / 1024 / 1024
            )
        } else {
            "上传不完整，请重试".to_owned()
        };
        Broken { status, message }
    }

    fn into_api(self) -> Response {
        let code = if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        respond_status(self.status, code, &self.message, true)
    }
}

/// Reads `note` and the files named `photos` (empty file parts, as a form
/// without a chosen photo sends, are skipped).
pub(crate) async fn read_answer_form(mut form: Multipart) -> Result<AnswerForm, Broken> {
    let mut f = AnswerForm::default();
    while let Some(field) = form.next_field().await.map_err(|e| Broken::of(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "photos" {
            let bytes = field.bytes().await.map_err(|e| Broken::of(&e))?;
            if !bytes.is_empty() {
                f.photos.push(PhotoUpload {
                    bytes: bytes.into(),
                    caption: String::new(),
                });
            }
            continue;
        }
        let value = field.text().await.map_err(|e| Broken::of(&e))?;
        if name == "note" {
            f.note = value;
        }
    }
    Ok(f)
}

// ---- handlers ------------------------------------------------------------------------

async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RectQuery>,
) -> Result<Json<Vec<FindingView>>, ApiError> {
    Ok(Json(
        state.services.rectifications(&actor, &q.filter()).await?,
    ))
}

#[derive(Deserialize, Default)]
struct SummaryQuery {
    #[serde(default)]
    region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    round: Option<i64>,
}

async fn summary(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<RectSummary>, ApiError> {
    let region = summary_region(&actor, &q.region);
    Ok(Json(
        state
            .services
            .rect_summary(&actor, &region, q.round)
            .await?,
    ))
}

async fn answer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Json<FindingView>, Response> {
    let form = form.map_err(|_| {
        respond_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 multipart/form-data（整改说明 note 和名为 photos 的照片文件）",
            true,
        )
    })?;
    let f = read_answer_form(form).await.map_err(Broken::into_api)?;
    let view = state
        .services
        .answer_rectification(&actor, id, &f.note, f.photos, &meta)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(Json(view))
}

#[derive(Deserialize)]
struct VerificationBody {
    accept: bool,
    #[serde(default)]
    note: String,
}

async fn verify(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VerificationBody>,
) -> Result<Json<FindingView>, ApiError> {
    Ok(Json(
        state
            .services
            .verify_rectification(&actor, id, body.accept, &body.note, &meta)
            .await?,
    ))
}

// ---- the OpenAPI document ------------------------------------------------------------

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// Adds this module's schemas and the multipart body of the answer.
pub fn document(doc: &mut Value) {
    let s = json!({"type": "string"});
    let ni = json!({"type": ["integer", "null"]});
    let rate = json!({"type": ["number", "null"], "description": "0–1；无任务时为 null"});
    let schemas = json!({
        "Rectification": {"allOf": [schema_ref("Finding"), obj(json!({
            "rect_state": {"type": ["string", "null"], "enum": ["open", "submitted", "returned", "closed", null], "description": "待整改、待核查、退回整改、已销号"},
            "deadline": {"type": ["string", "null"], "description": "整改期限 YYYY-MM-DD（当天有效）"},
            "overdue": {"type": "boolean", "description": "未销号且已过整改期限"},
            "rect_note": {"type": "string", "description": "乡镇最近一次提交的整改说明"},
            "answered_at": {"type": ["integer", "null"], "description": "最近一次提交时间（UTC 毫秒）"},
            "answered_by": ni,
            "verify_note": {"type": "string", "description": "最近一次核查意见（退回原因）"},
            "verified_at": ni,
            "verified_by": ni
        }), &["rect_state", "deadline", "overdue"])], "description": "整改任务：问题及其整改状态；photos 中 kind 为 before（检查时）或 after（整改后）"},
        "RectificationList": {"type": "array", "items": schema_ref("Rectification")},
        "RectificationForm": obj(json!({
            "note": {"type": "string", "description": "整改说明（必填，1000 字以内）"},
            "photos": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "整改后照片，1 至 9 张"}
        }), &["note", "photos"]),
        "VerificationInput": obj(json!({
            "accept": {"type": "boolean", "description": "true 核查通过并销号；false 退回整改"},
            "note": {"type": "string", "description": "核查意见；退回时必填"}
        }), &["accept"]),
        "RectLine": obj(json!({
            "code": s, "name": s,
            "total": {"type": "integer", "description": "整改任务数"},
            "closed": {"type": "integer", "description": "已销号"},
            "closed_on_time": {"type": "integer", "description": "整改期限内提交并通过核查"},
            "overdue": {"type": "integer", "description": "未销号且已过期限"},
            "submitted": {"type": "integer", "description": "待核查"},
            "returned": {"type": "integer", "description": "退回整改"},
            "rate": rate, "on_time_rate": rate
        }), &["code", "name", "total", "closed", "closed_on_time", "overdue", "rate", "on_time_rate"]),
        "RectSummary": obj(json!({
            "region": s, "region_name": s, "round_id": ni,
            "today": {"type": "string", "description": "计算逾期所用的日期（北京时间）"},
            "towns": {"type": "array", "items": schema_ref("RectLine")},
            "counties": {"type": "array", "items": schema_ref("RectLine")},
            "cities": {"type": "array", "items": schema_ref("RectLine")},
            "total": schema_ref("RectLine")
        }), &["region", "towns", "counties", "cities", "total"])
    });
    if let (Some(target), Some(add)) = (
        doc["components"]["schemas"].as_object_mut(),
        schemas.as_object(),
    ) {
        for (k, v) in add {
            target.insert(k.clone(), v.clone());
        }
    }
    let key = format!("/api/v1{ANSWER_PATH}");
    if let Some(op) = doc
        .get_mut("paths")
        .and_then(|p| p.get_mut(key.as_str()))
        .and_then(|p| p.get_mut("post"))
    {
        op["requestBody"] = json!({"required": true, "content": {"multipart/form-data": {"schema": schema_ref("RectificationForm")}}});
        let err = json!({"description": "错误", "content": {"application/json": {"schema": schema_ref("Error")}}});
        op["responses"]["413"] = err.clone();
        op["responses"]["415"] = err;
    }
}
