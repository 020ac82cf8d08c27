//! 暗访督查: the checklist, secret rounds and their plan, field findings
//! (multipart, idempotent by `client_id`), publication and finding photos.
//!
//! Secrecy is the service's: a round not yet published is simply not found
//! for the inspected regions, here as everywhere.

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
use meizhen_domain::inspection::Catalogue;
use meizhen_domain::RegionCode;
use meizhen_service::inspections::{
    ChecklistRow, ChecklistView, CorrectionInput, FindingFilter, FindingInput, FindingView,
    InspectionLine, InspectionRow, PhotoUpload, RoundFilter, RoundInput, RoundListRow, RoundRow,
    RoundView, SampleInput,
};
use meizhen_service::photos::PhotoVariant;
use meizhen_service::ServiceError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The multipart endpoint (its request body is documented by [`document`]).
const FINDINGS_PATH: &str = "/inspections/{id}/findings";

pub fn routes(api: Api) -> Api {
    api.get(
        "/checklist",
        checklist,
        Op::new("暗访督查", "检查标准（现行版本与历次版本）")
            .desc("省、市美镇办的检查标准；未制定时沿用上级的，都没有时为系统默认标准（可编辑）。分值单位为 0.01 分（100 = 1 分）。")
            .query(&[("region", "string", "区划代码，缺省为本人所在市（或省）")])
            .returns("ChecklistView"),
    )
    .put(
        "/checklist",
        save_checklist,
        Op::new("暗访督查", "保存检查标准新版本")
            .desc("省、市美镇办（含管理员）为本级保存新版本；已安排的轮次继续使用安排时的版本。分值单位为 0.01 分。")
            .body("ChecklistInput")
            .returns("ChecklistVersion"),
    )
    .get(
        "/rounds",
        rounds,
        Op::new("暗访督查", "暗访轮次")
            .desc("调用者可见的轮次：本级及下级美镇办安排的、被指派的，以及已发布且检查了本辖区乡镇的。未发布的轮次对被检查地区不可见。")
            .query(&[
                ("region", "string", "只看涉及该区划的轮次（安排单位或被检查乡镇在其下）"),
                ("year", "integer", "年度"),
                ("quarter", "integer", "季度 1-4"),
                ("published", "boolean", "只看已发布的"),
            ])
            .returns("RoundList"),
    )
    .post(
        "/rounds",
        create_round,
        Op::new("暗访督查", "安排暗访轮次")
            .desc("美镇办为本辖区乡镇安排；乡镇由 towns 逐个指定，或由 sample 分县随机抽取（同一种子抽样结果相同）。")
            .body("RoundInput")
            .returns("Round")
            .status(201),
    )
    .post(
        "/rounds/sample",
        sample,
        Op::new("暗访督查", "预览随机抽样")
            .desc("按 sample 规则从本辖区各县（市、区）抽取乡镇，只预览，不保存。")
            .body("SampleInput")
            .returns("SampledTowns"),
    )
    .get(
        "/rounds/{id}",
        round,
        Op::new("暗访督查", "暗访轮次详情（含检查安排）").returns("RoundView"),
    )
    .post(
        "/rounds/{id}/towns",
        add_towns,
        Op::new("暗访督查", "向未发布的轮次增加乡镇")
            .body("TownsInput")
            .returns("Added"),
    )
    .post(
        "/rounds/{id}/publish",
        publish,
        Op::new("暗访督查", "发布暗访结果")
            .desc("发布后得分冻结，每个问题生成整改任务，被检查乡镇及其上级可以看到本轮。不能重复发布。")
            .returns("Round"),
    )
    .get(
        "/inspections/mine",
        mine,
        Op::new("暗访督查", "我的检查任务").desc("督查人员被指派的检查。").returns("AssignmentList"),
    )
    .get(
        "/inspections/{id}",
        inspection,
        Op::new("暗访督查", "一次检查（含已记录的问题）").returns("InspectionDetail"),
    )
    .delete(
        "/inspections/{id}",
        remove_inspection,
        Op::new("暗访督查", "从未发布的轮次移出乡镇")
            .desc("已有检查记录的乡镇不能移出。")
            .status(204),
    )
    .put(
        "/inspections/{id}/assignment",
        assign,
        Op::new("暗访督查", "指派督查人员和计划日期")
            .desc("inspector_id 为 null 时取消指派。督查人员不能检查本县（市、区）的乡镇。")
            .body("AssignmentInput")
            .returns("Inspection"),
    )
    .post_upload(
        FINDINGS_PATH,
        record_finding,
        Op::new("暗访督查", "记录问题（可带照片）")
            .desc("multipart/form-data：FindingForm 的各字段，照片为一个或多个名为 photos 的文件（JPEG/PNG，最多 9 张）。client_id 由手机生成：同一 client_id 再次提交不会重复记录，返回 200 和已记录的问题；新记录返回 201。CSRF 令牌用 X-CSRF-Token 请求头或 ?_csrf= 查询参数。")
            .returns("Finding")
            .status(201),
    )
    .post(
        "/inspections/{id}/submit",
        submit,
        Op::new("暗访督查", "完成检查").returns("Inspection"),
    )
    .get(
        "/findings",
        findings,
        Op::new("暗访督查", "问题清单")
            .query(&[
                ("round", "integer", "轮次 id"),
                ("inspection", "integer", "检查 id"),
                ("region", "string", "乡镇所在区划代码前缀"),
            ])
            .returns("FindingList"),
    )
    .get(
        "/findings/{id}",
        finding,
        Op::new("暗访督查", "问题详情").returns("Finding"),
    )
    .post(
        "/findings/{id}/correction",
        correct,
        Op::new("暗访督查", "更正问题")
            .desc("更正检查项（扣分随之变化）、地点或描述，须写原因并记入操作日志。发布前督查人员或安排单位可更正，发布后只有安排单位可以。")
            .body("CorrectionInput")
            .returns("Finding"),
    )
    .get(
        "/finding-photos/{id}/thumb",
        photo_thumb,
        Op::new("暗访督查", "问题照片缩略图")
            .desc("JPEG，宽 320 像素，已摆正，不含 EXIF。")
            .binary("image/jpeg"),
    )
    .get(
        "/finding-photos/{id}/display",
        photo_display,
        Op::new("暗访督查", "问题照片展示图")
            .desc("JPEG，长边不超过 1600 像素，已摆正，不含 EXIF。")
            .binary("image/jpeg"),
    )
    .get(
        "/finding-photos/{id}/original",
        photo_original,
        Op::new("暗访督查", "问题照片原图")
            .desc("上传时的原始文件，含 EXIF。")
            .binary("image/*"),
    )
}

// ---- checklist -----------------------------------------------------------------------

#[derive(Deserialize)]
struct RegionQuery {
    #[serde(default)]
    region: String,
}

async fn checklist(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RegionQuery>,
) -> Result<Json<ChecklistView>, ApiError> {
    let region = Some(q.region.trim()).filter(|r| !r.is_empty());
    Ok(Json(state.services.checklist(&actor, region).await?))
}

#[derive(Deserialize)]
struct ChecklistBody {
    #[serde(flatten)]
    catalogue: Catalogue,
    #[serde(default)]
    note: String,
}

async fn save_checklist(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<ChecklistBody>,
) -> Result<Json<ChecklistRow>, ApiError> {
    Ok(Json(
        state
            .services
            .save_checklist(&actor, &body.catalogue, &body.note, &meta)
            .await?,
    ))
}

// ---- rounds --------------------------------------------------------------------------

#[derive(Deserialize)]
struct RoundsQuery {
    #[serde(default)]
    region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    quarter: Option<i32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    published: Option<bool>,
}

/// A region filter as typed: empty is none, anything else must be a code.
pub(crate) fn region_filter(s: &str) -> Result<Option<String>, ServiceError> {
    match s.trim() {
        "" => Ok(None),
        t => Ok(Some(RegionCode::parse(t)?.to_string())),
    }
}

async fn rounds(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RoundsQuery>,
) -> Result<Json<Vec<RoundListRow>>, ApiError> {
    let f = RoundFilter {
        year: q.year,
        quarter: q.quarter,
        region: region_filter(&q.region)?,
        published_only: q.published.unwrap_or(false),
    };
    Ok(Json(state.services.rounds(&actor, &f).await?))
}

async fn create_round(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(input): ApiJson<RoundInput>,
) -> Result<(StatusCode, Json<RoundRow>), ApiError> {
    let row = state.services.create_round(&actor, &input, &meta).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Serialize)]
struct SampledTown {
    code: String,
    name: String,
}

async fn sample(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<SampleInput>,
) -> Result<Json<Vec<SampledTown>>, ApiError> {
    let towns = state.services.draw_sample(&actor, &input).await?;
    Ok(Json(
        towns
            .into_iter()
            .map(|(code, name)| SampledTown { code, name })
            .collect(),
    ))
}

async fn round(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RoundView>, ApiError> {
    Ok(Json(state.services.round_view(&actor, id).await?))
}

#[derive(Deserialize)]
struct TownsBody {
    #[serde(default)]
    towns: Vec<String>,
}

async fn add_towns(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TownsBody>,
) -> Result<Json<Value>, ApiError> {
    let added = state
        .services
        .add_round_towns(&actor, id, &body.towns, &meta)
        .await?;
    Ok(Json(json!({ "added": added })))
}

async fn publish(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<RoundRow>, ApiError> {
    Ok(Json(state.services.publish_round(&actor, id, &meta).await?))
}

// ---- inspections ---------------------------------------------------------------------

#[derive(Serialize)]
struct Assignment {
    round: RoundRow,
    inspection: InspectionLine,
}

async fn mine(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<Assignment>>, ApiError> {
    Ok(Json(
        state
            .services
            .my_assignments(&actor)
            .await?
            .into_iter()
            .map(|(round, inspection)| Assignment { round, inspection })
            .collect(),
    ))
}

#[derive(Serialize)]
struct InspectionDetail {
    round: RoundView,
    inspection: InspectionLine,
    findings: Vec<FindingView>,
}

async fn inspection(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<InspectionDetail>, ApiError> {
    let (round, inspection, findings) = state.services.inspection_view(&actor, id).await?;
    Ok(Json(InspectionDetail {
        round,
        inspection,
        findings,
    }))
}

async fn remove_inspection(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.services.remove_inspection(&actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct AssignmentBody {
    #[serde(default)]
    inspector_id: Option<i64>,
    #[serde(default)]
    planned_on: String,
}

async fn assign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> Result<Json<InspectionRow>, ApiError> {
    Ok(Json(
        state
            .services
            .assign_inspector(&actor, id, body.inspector_id, &body.planned_on, &meta)
            .await?,
    ))
}

async fn submit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<InspectionRow>, ApiError> {
    Ok(Json(
        state.services.submit_inspection(&actor, id, &meta).await?,
    ))
}

// ---- findings ------------------------------------------------------------------------

/// What went wrong reading a finding's multipart form.
pub(crate) enum FormFault {
    /// The upload itself: over the limit, cut off, not multipart.
    Broken(StatusCode, String),
    /// A field's value.
    Invalid(ServiceError),
}

impl FormFault {
    fn broken(e: &MultipartError) -> FormFault {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            meizhen_service::photos::too_large().to_string()
        } else {
            "上传不完整，请重试".to_owned()
        };
        FormFault::Broken(status, message)
    }

    fn into_api(self) -> Response {
        match self {
            FormFault::Broken(status, message) => {
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "payload_too_large"
                } else {
                    "bad_request"
                };
                respond_status(status, code, &message, true)
            }
            FormFault::Invalid(e) => ApiError(e).into_response(),
        }
    }

    /// The status and message a page shows.
    pub(crate) fn into_parts(self) -> (StatusCode, ServiceError) {
        match self {
            FormFault::Broken(status, message) => {
                (status, ServiceError::invalid("photos", message))
            }
            FormFault::Invalid(e) => (crate::error::status_of(&e), e),
        }
    }
}

/// A finding's form as received (the page's and the API's are the same).
#[derive(Default)]
pub(crate) struct FindingForm {
    pub input: FindingInput,
    pub photos: Vec<PhotoUpload>,
    /// The coordinates as typed (the page shows them again after an error).
    pub lat: String,
    pub lon: String,
}

fn optional_f64(s: &str, field: &'static str, label: &str) -> Result<Option<f64>, ServiceError> {
    match s.trim() {
        "" => Ok(None),
        t => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| ServiceError::invalid(field, format!("{label}“{t}”不是有效的数字"))),
    }
}

/// Reads the fields of [`FindingInput`] and the files named `photos`
/// (empty file parts, as a form without a chosen photo sends, are skipped).
pub(crate) async fn read_finding_form(mut form: Multipart) -> Result<FindingForm, FormFault> {
    let mut f = FindingForm::default();
    let mut found_at = String::new();
    let mut deduction = String::new();
    while let Some(field) = form.next_field().await.map_err(|e| FormFault::broken(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "photos" {
            let bytes = field.bytes().await.map_err(|e| FormFault::broken(&e))?;
            if !bytes.is_empty() {
                f.photos.push(PhotoUpload {
                    bytes: bytes.into(),
                    caption: String::new(),
                });
            }
            continue;
        }
        let value = field.text().await.map_err(|e| FormFault::broken(&e))?;
        match name.as_str() {
            "client_id" => f.input.client_id = value,
            "item_code" => f.input.item_code = value,
            "deduction" => deduction = value,
            "place" => f.input.place = value,
            "lat" => f.lat = value,
            "lon" => f.lon = value,
            "found_at" => found_at = value,
            "note" => f.input.note = value,
            _ => {}
        }
    }
    f.input.deduction = Some(deduction).filter(|d| !d.trim().is_empty());
    f.input.lat = optional_f64(&f.lat, "gps", "纬度").map_err(FormFault::Invalid)?;
    f.input.lon = optional_f64(&f.lon, "gps", "经度").map_err(FormFault::Invalid)?;
    f.input.found_at = match found_at.trim() {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| {
            FormFault::Invalid(ServiceError::invalid(
                "found_at",
                "发现时间应为毫秒时间戳（整数）",
            ))
        })?),
    };
    Ok(f)
}

async fn record_finding(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<FindingView>), Response> {
    let form = form.map_err(|_| {
        respond_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 multipart/form-data（问题字段和名为 photos 的照片文件）",
            true,
        )
    })?;
    let f = read_finding_form(form).await.map_err(FormFault::into_api)?;
    let (view, created) = state
        .services
        .record_finding(&actor, id, &f.input, f.photos, &meta)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}

#[derive(Deserialize)]
struct FindingsQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    round: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    inspection: Option<i64>,
    #[serde(default)]
    region: String,
}

async fn findings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<FindingsQuery>,
) -> Result<Json<Vec<FindingView>>, ApiError> {
    let f = FindingFilter {
        round_id: q.round,
        inspection_id: q.inspection,
        region: region_filter(&q.region)?,
        ..Default::default()
    };
    Ok(Json(state.services.findings(&actor, &f).await?))
}

async fn finding(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<FindingView>, ApiError> {
    Ok(Json(state.services.finding(&actor, id).await?))
}

async fn correct(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CorrectionInput>,
) -> Result<Json<FindingView>, ApiError> {
    Ok(Json(
        state
            .services
            .correct_finding(&actor, id, &input, &meta)
            .await?,
    ))
}

async fn photo_file(
    state: &AppState,
    actor: &meizhen_service::Actor,
    id: i64,
    v: PhotoVariant,
) -> Result<Response, ApiError> {
    let (content_type, bytes) = state.services.finding_photo_file(actor, id, v).await?;
    Ok(super::photos::image_response(content_type, bytes))
}

async fn photo_thumb(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    photo_file(&state, &actor, id, PhotoVariant::Thumb).await
}

async fn photo_display(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    photo_file(&state, &actor, id, PhotoVariant::Display).await
}

async fn photo_original(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    photo_file(&state, &actor, id, PhotoVariant::Original).await
}

// ---- the OpenAPI document ------------------------------------------------------------

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": schema_ref(name)})
}

/// Adds this module's schemas to the document and describes the multipart
/// body of the findings endpoint (the `Op` builder knows JSON and raw files).
pub fn document(doc: &mut Value) {
    let s = json!({"type": "string"});
    let ns = json!({"type": ["string", "null"]});
    let i = json!({"type": "integer"});
    let ni = json!({"type": ["integer", "null"]});
    let b = json!({"type": "boolean"});
    let pts = json!({"type": "integer", "description": "分值，单位 0.01 分（50 = 0.5 分）"});
    let schemas = json!({
        "Catalogue": obj(json!({
            "base": pts,
            "areas": {"type": "array", "items": obj(json!({
                "code": s, "name": s, "cap": pts,
                "items": {"type": "array", "items": obj(json!({
                    "code": s, "name": s, "deduction": pts,
                    "severity": {"type": "string", "enum": ["general", "serious"], "description": "一般 / 严重（决定整改期限）"}
                }), &["code", "name", "deduction"])}
            }), &["code", "name", "cap", "items"])}
        }), &["base", "areas"]),
        "ChecklistInput": {"allOf": [schema_ref("Catalogue"), obj(json!({"note": {"type": "string", "description": "修订说明（200 字以内）"}}), &[])]},
        "ChecklistVersion": obj(json!({"id": i, "region_code": s, "version": i, "body": {"type": "string", "description": "Catalogue 的 JSON 文本"}, "note": s, "created_at": i, "created_by": ni}), &["id", "region_code", "version", "body"]),
        "ChecklistView": obj(json!({"region_code": s, "region_name": s, "current": schema_ref("ChecklistVersion"), "catalogue": schema_ref("Catalogue"), "inherited": {"type": "boolean", "description": "沿用上级的版本"}, "versions": array_of("ChecklistVersion"), "can_edit": b}), &["region_code", "current", "catalogue", "versions"]),
        "Round": obj(json!({"id": i, "owner_code": {"type": "string", "description": "安排单位的区划"}, "name": s, "year": i, "quarter": i, "checklist_id": i, "starts_on": s, "ends_on": s, "sample_rule": {"type": ["string", "null"], "description": "抽样规则（SampleInput 的 JSON）"}, "sample_seed": ni, "state": {"type": "string", "enum": ["planned", "published"]}, "published_on": ns, "published_at": ni, "published_by": ni, "created_at": i, "updated_at": i}), &["id", "owner_code", "name", "year", "quarter", "state"]),
        "RoundListItem": {"allOf": [schema_ref("Round"), obj(json!({"towns": {"type": "integer", "description": "调用者可见的被检查乡镇数"}, "findings": i}), &["towns", "findings"])]},
        "RoundList": array_of("RoundListItem"),
        "SampleInput": obj(json!({
            "size": obj(json!({"kind": {"type": "string", "enum": ["per_county", "percent"], "description": "每县抽取个数或比例（%，向上取整，至少 1 个）"}, "value": i}), &["kind", "value"]),
            "seed": {"type": "integer", "description": "随机种子（非负整数）；同一种子抽样结果相同"},
            "counties": {"type": "array", "items": s, "description": "抽样的县（市、区）代码，缺省为全部"}
        }), &["size", "seed"]),
        "SampledTowns": {"type": "array", "items": obj(json!({"code": s, "name": s}), &["code", "name"])},
        "RoundInput": obj(json!({"name": s, "quarter": {"type": "string", "description": "如 2020Q3 或 2020年第三季度"}, "starts_on": {"type": "string", "description": "YYYY-MM-DD"}, "ends_on": s, "towns": {"type": "array", "items": s, "description": "逐个指定的乡镇代码（给出 sample 时忽略）"}, "sample": schema_ref("SampleInput")}), &["name", "quarter", "starts_on", "ends_on"]),
        "TownsInput": obj(json!({"towns": {"type": "array", "items": s}}), &["towns"]),
        "Added": obj(json!({"added": i}), &["added"]),
        "Inspection": obj(json!({"id": i, "round_id": i, "town_code": s, "inspector_id": ni, "planned_on": ns, "state": s, "submitted_at": ni, "score": pts, "deducted": pts, "findings": i}), &["id", "round_id", "town_code", "state"]),
        "InspectionLine": {"allOf": [schema_ref("Inspection"), obj(json!({"town_name": s, "county_code": s, "county_name": s, "inspector_name": ns}), &["town_name"])]},
        "RoundView": obj(json!({"round": schema_ref("Round"), "owner_name": s, "quarter_label": s, "checklist": schema_ref("Catalogue"), "checklist_version": i, "inspections": array_of("InspectionLine"), "can_manage": b}), &["round", "inspections"]),
        "AssignmentInput": obj(json!({"inspector_id": {"type": ["integer", "null"], "description": "督查人员账号 id；null 为取消指派"}, "planned_on": {"type": "string", "description": "计划检查日期 YYYY-MM-DD，可空"}}), &["inspector_id"]),
        "AssignmentList": {"type": "array", "items": obj(json!({"round": schema_ref("Round"), "inspection": schema_ref("InspectionLine")}), &["round", "inspection"])},
        "FindingPhoto": obj(json!({"id": i, "finding_id": i, "round_id": i, "town_code": s, "kind": {"type": "string", "description": "before（检查时）"}, "sha256": s, "content_type": s, "bytes": i, "width": ni, "height": ni, "taken_at": ns, "lat_e6": ni, "lon_e6": ni, "caption": s, "created_at": i}), &["id", "finding_id", "content_type"]),
        "Finding": obj(json!({"id": i, "inspection_id": i, "round_id": i, "town_code": s, "town_name": s, "client_id": s, "area_code": s, "area_name": s, "item_code": s, "item_name": s, "severity": s, "deduction": pts, "place": s, "lat_e6": ni, "lon_e6": ni, "gps_flag": {"type": "string", "description": "定位可疑时的说明，正常为空"}, "found_at": i, "note": s, "created_at": i, "rect_state": ns, "deadline": ns, "overdue": b, "photos": array_of("FindingPhoto")}), &["id", "inspection_id", "client_id", "item_code", "deduction", "place"]),
        "FindingList": array_of("Finding"),
        "FindingForm": obj(json!({
            "client_id": {"type": "string", "description": "手机生成的记录编号（8–64 位字母、数字、-、_），重复提交不重复记录"},
            "item_code": s,
            "deduction": {"type": "string", "description": "可选；给出时须等于检查标准的每处扣分，如 0.5"},
            "place": s,
            "lat": {"type": "number", "description": "纬度（度），可选"},
            "lon": {"type": "number", "description": "经度（度），可选"},
            "found_at": {"type": "integer", "description": "发现时间（UTC 毫秒），离线补发时为拍摄时间；缺省为收到时"},
            "note": s,
            "photos": {"type": "array", "items": {"type": "string", "format": "binary"}}
        }), &["client_id", "item_code", "place"]),
        "InspectionDetail": obj(json!({"round": schema_ref("RoundView"), "inspection": schema_ref("InspectionLine"), "findings": array_of("Finding")}), &["round", "inspection", "findings"]),
        "CorrectionInput": obj(json!({"item_code": {"type": "string", "description": "新的检查项，空为不变"}, "place": {"type": "string", "description": "空为不变"}, "note": s, "reason": {"type": "string", "description": "更正原因（必填）"}}), &["reason"])
    });
    if let (Some(target), Some(add)) = (
        doc["components"]["schemas"].as_object_mut(),
        schemas.as_object(),
    ) {
        for (k, v) in add {
            target.insert(k.clone(), v.clone());
        }
    }
    let key = format!("/api/v1{FINDINGS_PATH}");
    if let Some(op) = doc
        .get_mut("paths")
        .and_then(|p| p.get_mut(key.as_str()))
        .and_then(|p| p.get_mut("post"))
    {
        op["requestBody"] = json!({"required": true, "content": {"multipart/form-data": {"schema": schema_ref("FindingForm")}}});
        let err = json!({"description": "错误", "content": {"application/json": {"schema": schema_ref("Error")}}});
        op["responses"]["413"] = err.clone();
        op["responses"]["415"] = err;
        op["responses"]["200"] = json!({"description": "该 client_id 已记录过：返回已记录的问题，不重复记录", "content": {"application/json": {"schema": schema_ref("Finding")}}});
    }
}
