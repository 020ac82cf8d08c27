//! 台账 under `/api/v1/ledgers/{kind}`: list (filters, pagination), one
//! record, create, update, delete; and for the Excel ledgers, import (the
//! file as the body, or multipart) with `dry_run`, and export. The handlers
//! are generic over the pages' [`Kind`], so API and pages cannot differ.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::export::XLSX;
use crate::extract::{ApiJson, ApiQuery, ApiUser, Meta};
use crate::pages::ledgers::kinds::{self, Kind, LedgerQuery};
use crate::AppState;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use meizhen_domain::ledger::LedgerKind;
use meizhen_domain::page::Page;
use meizhen_service::ledgers::LedgerImportReport;
use meizhen_service::ServiceError;
use serde::Deserialize;
use serde_json::{json, Value};

/// The documentation of one kind's routes (OpenAPI wants static text).
struct Docs {
    list: &'static str,
    item: &'static str,
    tag: &'static str,
    title: &'static str,
    list_desc: &'static str,
    write_desc: &'static str,
    query: &'static [(&'static str, &'static str, &'static str)],
    page_schema: &'static str,
    row_schema: &'static str,
    input_schema: &'static str,
}

const PAGING: [(&str, &str, &str); 2] = [
    ("page", "integer", "页码"),
    ("per_page", "integer", "每页条数（最多 200）"),
];

macro_rules! query {
    ($($q:expr),* $(,)?) => {
        &[
            ("region", "string", "区划代码（在管辖范围内进一步限定）"),
            ("q", "string", "关键词"),
            $($q,)*
            PAGING[0],
            PAGING[1],
        ]
    };
}

fn kind_routes<K: Kind>(api: Api, d: Docs) -> Api {
    api.get(
        d.list,
        list::<K>,
        Op::new(d.tag, d.title)
            .desc(d.list_desc)
            .query(d.query)
            .returns(d.page_schema),
    )
    .post(
        d.list,
        create::<K>,
        Op::new(d.tag, "新增")
            .desc(d.write_desc)
            .body(d.input_schema)
            .returns(d.row_schema)
            .status(201),
    )
    .get(
        d.item,
        show::<K>,
        Op::new(d.tag, "查看一条")
            .desc("不在管辖范围内的记录与不存在的一样，返回 404。")
            .returns(d.row_schema),
    )
    .put(
        d.item,
        update::<K>,
        Op::new(d.tag, "修改")
            .desc(d.write_desc)
            .body(d.input_schema)
            .returns(d.row_schema),
    )
    .delete(
        d.item,
        remove::<K>,
        Op::new(d.tag, "删除").desc("记入操作日志。").status(204),
    )
}

/// Import and export of an Excel ledger.
fn file_routes(
    api: Api,
    kind: LedgerKind,
    import_path: &'static str,
    export_path: &'static str,
    tag: &'static str,
    export_query: &'static [(&'static str, &'static str, &'static str)],
) -> Api {
    let import_handler =
        move |state: State<AppState>,
              user: ApiUser,
              meta: Meta,
              q: ApiQuery<ImportQuery>,
              req: Request| { import(state, user, meta, q, req, kind) };
    let export_handler = move |state: State<AppState>, user: ApiUser, q: ApiQuery<LedgerQuery>| {
        export(state, user, q, kind)
    };
    api.post_upload(
        import_path,
        import_handler,
        Op::new(tag, "导入（Excel）")
            .desc("请求体为 .xlsx/.xls 文件本身，或 multipart/form-data 的 file 字段。逐行检查：有效行导入，拒绝的行给出行号和中文原因，重复的行给出首次出现的行号，合计、空行和说明行跳过；整个导入在一个事务中，出错时不留下半截数据。同一台账再次导入为更新，不会重复。dry_run=true 只检查不保存。")
            .query(&[("dry_run", "boolean", "试导入（只检查，不保存）")])
            .raw_body(XLSX)
            .returns("LedgerImportReport"),
    )
    .get(
        export_path,
        export_handler,
        Op::new(tag, "导出（Excel）")
            .desc("与列表相同的筛选条件；各地台账格式：标题行、表头、数据行、有数值列时的合计行。")
            .query(export_query)
            .binary(XLSX),
    )
}

pub fn routes(api: Api) -> Api {
    let api = kind_routes::<kinds::Experts>(
        api,
        Docs {
            list: "/ledgers/experts",
            item: "/ledgers/experts/{id}",
            tag: "台账·专家",
            title: "专家名录",
            list_desc: "管辖范围内各级美镇办的专家（首席设计师、驻镇规划师、专家团队成员）。",
            write_desc: "美镇办为本级或下级区划维护；role 可写代码或中文（首席设计师等）。",
            query: query!((
                "role",
                "string",
                "类别：chief_designer/resident_planner/team_member/other"
            )),
            page_schema: "ExpertPage",
            row_schema: "Expert",
            input_schema: "ExpertInput",
        },
    );
    let api = kind_routes::<kinds::ExpertPairings>(
        api,
        Docs {
            list: "/ledgers/expert-pairings",
            item: "/ledgers/expert-pairings/{id}",
            tag: "台账·专家",
            title: "专家结对（双师、结对帮扶、三服务）",
            list_desc: "专家与乡镇的结对，按乡镇代码限定范围。",
            write_desc:
                "美镇办为管辖范围内的乡镇维护；kind：dual_designer/pairing/three_services 或中文。",
            query: query!(
                ("expert", "integer", "专家 id"),
                ("kind", "string", "结对类型"),
                ("year", "integer", "该年内有效的结对"),
            ),
            page_schema: "ExpertPairingPage",
            row_schema: "ExpertPairing",
            input_schema: "ExpertPairingInput",
        },
    );
    let api = kind_routes::<kinds::ExpertServices>(
        api,
        Docs {
            list: "/ledgers/expert-services",
            item: "/ledgers/expert-services/{id}",
            tag: "台账·专家",
            title: "专家服务记录",
            list_desc: "专家为乡镇的每一次服务：方案审查、现场指导、图纸审查、培训授课。",
            write_desc:
                "美镇办、本乡镇工作人员和管辖范围内的专家可以填报；采纳意见数不能多于提出意见数。",
            query: query!(
                ("year", "integer", "服务年度"),
                ("service_type", "string", "服务类型"),
                ("expert", "integer", "专家 id"),
            ),
            page_schema: "ExpertServicePage",
            row_schema: "ExpertService",
            input_schema: "ExpertServiceInput",
        },
    );
    let api = kind_routes::<kinds::MediaReports>(
        api,
        Docs {
            list: "/ledgers/media-reports",
            item: "/ledgers/media-reports/{id}",
            tag: "台账·宣传",
            title: "宣传报道",
            list_desc: "按发布年度、媒体级别、媒体类型筛选。",
            write_desc: "美镇办和本乡镇工作人员；level：central/provincial/city/county/new_media，medium：print/radio/tv/online/outdoor（或中文）。",
            query: query!(
                ("year", "integer", "发布年度"),
                ("level", "string", "媒体级别"),
                ("medium", "string", "媒体类型"),
            ),
            page_schema: "MediaReportPage",
            row_schema: "MediaReport",
            input_schema: "MediaReportInput",
        },
    );
    let api = kind_routes::<kinds::Meetings>(
        api,
        Docs {
            list: "/ledgers/meetings",
            item: "/ledgers/meetings/{id}",
            tag: "台账·会议",
            title: "会议（现场会、例会、推进会）",
            list_desc: "按年度、会议类型、级别筛选。",
            write_desc: "美镇办和本乡镇工作人员；level 缺省为所属区划的级别。",
            query: query!(
                ("year", "integer", "会议年度"),
                ("kind", "string", "会议类型"),
                ("level", "string", "会议级别"),
            ),
            page_schema: "MeetingPage",
            row_schema: "Meeting",
            input_schema: "MeetingInput",
        },
    );
    let api = kind_routes::<kinds::WorkTeams>(
        api,
        Docs {
            list: "/ledgers/work-teams",
            item: "/ledgers/work-teams/{id}",
            tag: "台账·工作专班",
            title: "工作专班人员",
            list_desc: "抽调到各级美镇办的人员及抽调期；year 为该年在岗的人员。",
            write_desc: "美镇办为本级或下级区划维护。",
            query: query!(("year", "integer", "该年在岗")),
            page_schema: "WorkTeamMemberPage",
            row_schema: "WorkTeamMember",
            input_schema: "WorkTeamMemberInput",
        },
    );
    let api = kind_routes::<kinds::Indicators>(
        api,
        Docs {
            list: "/ledgers/indicators",
            item: "/ledgers/indicators/{id}",
            tag: "台账·镇级指标",
            title: "镇级指标（定义）",
            list_desc: "本级及上级美镇办定义的指标：名称、单位、填报周期、汇总方式、目标值。",
            write_desc: "美镇办为本级或下级区划定义；period：year/half/quarter/month，aggregation：sum/avg/max/min，target 可带单位。",
            query: query!(("period", "string", "填报周期")),
            page_schema: "IndicatorPage",
            row_schema: "Indicator",
            input_schema: "IndicatorInput",
        },
    );
    let api = kind_routes::<kinds::IndicatorValues>(
        api,
        Docs {
            list: "/ledgers/indicator-values",
            item: "/ledgers/indicator-values/{id}",
            tag: "台账·镇级指标",
            title: "镇级指标数值",
            list_desc: "各乡镇各统计期的指标数值（value_milli 为千分之一单位的整数）。",
            write_desc: "只能填到乡镇：本乡镇工作人员，或管辖该乡镇的美镇办。period 按指标的填报周期写，如 2020、2020H1、2020Q3、2020-06 或 2020年6月。",
            query: query!(
                ("indicator", "integer", "指标 id"),
                ("year", "integer", "统计期所在年度"),
                ("period", "string", "统计期，如 2020H1"),
            ),
            page_schema: "IndicatorValuePage",
            row_schema: "IndicatorValue",
            input_schema: "IndicatorValueInput",
        },
    );
    let api = file_routes(
        api,
        LedgerKind::Experts,
        "/ledgers/experts/import",
        "/ledgers/experts/export",
        "台账·专家",
        query!(("role", "string", "类别")),
    );
    let api = file_routes(
        api,
        LedgerKind::ExpertServices,
        "/ledgers/expert-services/import",
        "/ledgers/expert-services/export",
        "台账·专家",
        query!(
            ("year", "integer", "服务年度"),
            ("service_type", "string", "服务类型"),
            ("expert", "integer", "专家 id"),
        ),
    );
    let api = file_routes(
        api,
        LedgerKind::MediaReports,
        "/ledgers/media-reports/import",
        "/ledgers/media-reports/export",
        "台账·宣传",
        query!(
            ("year", "integer", "发布年度"),
            ("level", "string", "媒体级别"),
            ("medium", "string", "媒体类型"),
        ),
    );
    let api = file_routes(
        api,
        LedgerKind::Meetings,
        "/ledgers/meetings/import",
        "/ledgers/meetings/export",
        "台账·会议",
        query!(
            ("year", "integer", "会议年度"),
            ("kind", "string", "会议类型"),
            ("level", "string", "会议级别"),
        ),
    );
    let api = file_routes(
        api,
        LedgerKind::WorkTeamMembers,
        "/ledgers/work-teams/import",
        "/ledgers/work-teams/export",
        "台账·工作专班",
        query!(("year", "integer", "该年在岗")),
    );
    file_routes(
        api,
        LedgerKind::IndicatorValues,
        "/ledgers/indicator-values/import",
        "/ledgers/indicator-values/export",
        "台账·镇级指标",
        query!(
            ("indicator", "integer", "指标 id"),
            ("year", "integer", "统计期所在年度"),
            ("period", "string", "统计期"),
        ),
    )
}

async fn list<K: Kind>(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Json<Page<K::Row>>, ApiError> {
    Ok(Json(
        K::list(&state.services, &actor, &q, q.page_request()).await?,
    ))
}

async fn show<K: Kind>(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<K::Row>, ApiError> {
    Ok(Json(K::get(&state.services, &actor, id).await?))
}

async fn create<K: Kind>(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(input): ApiJson<K::Input>,
) -> Result<(StatusCode, Json<K::Row>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(K::create(&state.services, &actor, &meta, &input).await?),
    ))
}

async fn update<K: Kind>(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<K::Input>,
) -> Result<Json<K::Row>, ApiError> {
    Ok(Json(
        K::update(&state.services, &actor, &meta, id, &input).await?,
    ))
}

async fn remove<K: Kind>(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    K::delete(&state.services, &actor, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// The workbook: the `file` field of a multipart form, or the body itself.
async fn workbook(state: &AppState, req: Request) -> Result<Vec<u8>, ApiError> {
    let too_big = || ApiError(ServiceError::invalid("file", "文件上传不完整或超过 20 MB"));
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mut form = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| too_big())?;
        while let Some(field) = form.next_field().await.map_err(|_| too_big())? {
            if field.name() == Some("file") {
                return Ok(field.bytes().await.map_err(|_| too_big())?.to_vec());
            }
        }
        return Err(ApiError(ServiceError::invalid(
            "file",
            "请在 file 字段上传 Excel 文件",
        )));
    }
    let body = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|_| too_big())?;
    Ok(body.to_vec())
}

async fn import(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
    kind: LedgerKind,
) -> Result<Json<LedgerImportReport>, ApiError> {
    let bytes = workbook(&state, req).await?;
    if bytes.is_empty() {
        return Err(ApiError(ServiceError::invalid(
            "file",
            "请上传要导入的 Excel 文件",
        )));
    }
    Ok(Json(
        state
            .services
            .import_ledger(&actor, &meta, kind, &bytes, q.dry_run)
            .await?,
    ))
}

async fn export(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<LedgerQuery>,
    kind: LedgerKind,
) -> Result<Response, ApiError> {
    Ok(kinds::export_file(&state.services, &actor, kind, &q).await?)
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn page_of(item: &str) -> Value {
    obj(
        json!({"items": {"type": "array", "items": schema_ref(item)}, "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}),
        &["items", "total", "page", "per_page"],
    )
}

/// A code field: its ids, and that the Chinese label is accepted too.
fn code(ids: Vec<&'static str>, what: &str) -> Value {
    json!({"type": "string", "description": format!("{what}：{}（也可写中文名称）", ids.join("/"))})
}

fn ids<T: Copy>(all: &[T], id: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| id(*v)).collect()
}

/// Adds the ledgers' schemas to the document.
pub fn document(doc: &mut Value) {
    use meizhen_service::ledgers::{
        Aggregation, ExpertRole, IndicatorPeriod, MediaLevel, Medium, MeetingKind, MeetingLevel,
        PairingKind, ServiceType,
    };
    let s = json!({"type": "string"});
    let ns = json!({"type": ["string", "null"]});
    let i = json!({"type": "integer"});
    let ni = json!({"type": ["integer", "null"]});
    let b = json!({"type": "boolean"});
    let date = json!({"type": "string", "description": "日期，如 2020-12-21（也接受 2020.12.21、2020年12月21日）"});
    let region = json!({"type": "string", "description": "区划代码（在管辖范围内）"});
    let town = json!({"type": "string", "description": "乡镇代码"});
    let role = code(ids(ExpertRole::ALL, ExpertRole::id), "专家类别");
    let pairing = code(ids(PairingKind::ALL, PairingKind::id), "结对类型");
    let service = code(ids(ServiceType::ALL, ServiceType::id), "服务类型");
    let level = code(ids(MediaLevel::ALL, MediaLevel::id), "媒体级别");
    let medium = code(ids(Medium::ALL, Medium::id), "媒体类型");
    let mkind = code(ids(MeetingKind::ALL, MeetingKind::id), "会议类型");
    let mlevel = code(
        ids(MeetingLevel::ALL, MeetingLevel::id),
        "会议级别（空为所属区划的级别）",
    );
    let period = code(ids(IndicatorPeriod::ALL, IndicatorPeriod::id), "填报周期");
    let agg = code(
        ids(Aggregation::ALL, Aggregation::id),
        "汇总方式（空为 sum）",
    );
    let schemas = json!({
        "ExpertInput": obj(json!({"region_code": region, "name": s, "role": role, "organisation": s, "title": s, "team": s, "phone": s, "note": s}), &["region_code", "name"]),
        "Expert": obj(json!({"id": i, "region_code": s, "region_name": s, "name": s, "role": s, "organisation": s, "title": s, "team": s, "phone": s, "note": s, "created_at": i, "updated_at": i}), &["id", "region_code", "name", "role"]),
        "ExpertPage": page_of("Expert"),
        "ExpertPairingInput": obj(json!({"expert_id": i, "town_code": town, "kind": pairing, "starts_on": date, "ends_on": {"type": "string", "description": "空为至今"}, "note": s}), &["expert_id", "town_code", "kind", "starts_on"]),
        "ExpertPairing": obj(json!({"id": i, "expert_id": i, "expert_name": s, "town_code": s, "town_name": s, "kind": s, "starts_on": s, "ends_on": ns, "note": s, "created_at": i}), &["id", "expert_id", "town_code", "kind"]),
        "ExpertPairingPage": page_of("ExpertPairing"),
        "ExpertServiceInput": obj(json!({"town_code": town, "expert_id": i, "served_on": date, "service_type": service, "project_id": ni, "content": s, "opinions_given": {"type": "string", "description": "提出意见条数，空为 0"}, "opinions_adopted": {"type": "string", "description": "采纳意见条数，不多于提出的"}}), &["town_code", "expert_id", "served_on", "service_type"]),
        "ExpertService": obj(json!({"id": i, "town_code": s, "town_name": s, "expert_id": i, "expert_name": s, "served_on": s, "service_type": s, "project_id": ni, "project_name": ns, "content": s, "opinions_given": i, "opinions_adopted": i, "created_by": ni, "created_at": i, "updated_at": i}), &["id", "town_code", "expert_id", "served_on", "service_type"]),
        "ExpertServicePage": page_of("ExpertService"),
        "MediaReportInput": obj(json!({"region_code": region, "published_on": date, "title": s, "outlet": {"type": "string", "description": "媒体名称"}, "level": level, "medium": medium, "link": {"type": "string", "description": "http:// 或 https:// 链接，可空"}, "note": s}), &["region_code", "published_on", "title", "outlet", "level", "medium"]),
        "MediaReport": obj(json!({"id": i, "region_code": s, "region_name": s, "published_on": s, "title": s, "outlet": s, "level": s, "medium": s, "link": s, "note": s, "created_by": ni, "created_at": i, "updated_at": i}), &["id", "region_code", "published_on", "title", "level", "medium"]),
        "MediaReportPage": page_of("MediaReport"),
        "MeetingInput": obj(json!({"region_code": region, "held_on": date, "ends_on": s, "kind": mkind, "level": mlevel, "title": s, "place": s, "host": s, "attendees": s, "topics": s, "decisions": s}), &["region_code", "held_on", "kind", "title"]),
        "Meeting": obj(json!({"id": i, "region_code": s, "region_name": s, "held_on": s, "ends_on": ns, "kind": s, "level": s, "title": s, "place": s, "host": s, "attendees": s, "topics": s, "decisions": s, "created_by": ni, "created_at": i, "updated_at": i}), &["id", "region_code", "held_on", "kind", "level", "title"]),
        "MeetingPage": page_of("Meeting"),
        "WorkTeamMemberInput": obj(json!({"region_code": region, "name": s, "home_unit": s, "post": s, "phone": s, "starts_on": date, "ends_on": s, "note": s}), &["region_code", "name", "starts_on"]),
        "WorkTeamMember": obj(json!({"id": i, "region_code": s, "region_name": s, "name": s, "home_unit": s, "post": s, "phone": s, "starts_on": s, "ends_on": ns, "note": s, "created_at": i, "updated_at": i}), &["id", "region_code", "name", "starts_on"]),
        "WorkTeamMemberPage": page_of("WorkTeamMember"),
        "IndicatorInput": obj(json!({"region_code": region, "code": s, "name": s, "unit": s, "period": period, "aggregation": agg, "higher_is_better": {"type": "string", "description": "true/false（或 越高越好/越低越好），空为 true"}, "target": {"type": "string", "description": "目标值，可带单位，可空"}, "note": s}), &["region_code", "code", "name", "period"]),
        "Indicator": obj(json!({"id": i, "region_code": s, "region_name": s, "code": s, "name": s, "unit": s, "period": s, "aggregation": s, "higher_is_better": b, "target_milli": {"type": ["integer", "null"], "description": "目标值的千分之一（整数）"}, "note": s, "created_at": i, "updated_at": i}), &["id", "region_code", "code", "name", "period", "aggregation"]),
        "IndicatorPage": page_of("Indicator"),
        "IndicatorValueInput": obj(json!({"indicator_id": i, "town_code": town, "period": {"type": "string", "description": "统计期：2020、2020H1、2020Q3、2020-06（或 2020年上半年 等）"}, "value": {"type": "string", "description": "数值，如 1,234.5，可带单位"}, "note": s}), &["indicator_id", "town_code", "period", "value"]),
        "IndicatorValue": obj(json!({"id": i, "indicator_id": i, "indicator_code": s, "indicator_name": s, "unit": s, "town_code": s, "town_name": s, "period": s, "value_milli": {"type": "integer", "description": "数值的千分之一（整数，精确）"}, "note": s, "updated_by": ni, "updated_at": i}), &["id", "indicator_id", "town_code", "period", "value_milli"]),
        "IndicatorValuePage": page_of("IndicatorValue"),
        "LedgerImportReport": obj(json!({
            "imported": i, "updated": i,
            "rejected": {"type": "array", "items": obj(json!({"row": i, "reason": s}), &["row", "reason"])},
            "duplicates": {"type": "array", "items": obj(json!({"row": i, "first_row": i}), &["row", "first_row"])}
        }), &["imported", "updated", "rejected", "duplicates"])
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
