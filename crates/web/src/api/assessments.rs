//! 暗访排名 and 动态考核 over the API: a round's ranking (towns, counties,
//! cities, 先进/末位, 比赶超), and the quarterly assessment of a city or the
//! province (live preview with weights, publication, the notice texts, the
//! notice itself as JSON, Word and Excel).
//!
//! Who may see what is the services': a round's ranking before publication
//! only for the office that owns it; an assessment before publication only
//! for the owner office and offices above ("not found" for everyone else).

use super::openapi::Op;
use super::Api;
use crate::api::notices::{docx_response, xlsx_response};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use meizhen_domain::inspection::{Quarter, Weights};
use meizhen_domain::project::YearMonth;
use meizhen_domain::{Level, RegionCode};
use meizhen_service::inspections::{AssessmentView, NoticeText, QuarterNoticeView, RoundRanking};
use meizhen_service::{Actor, ServiceError};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(api: Api) -> Api {
    api.get(
        "/rounds/{id}/ranking",
        ranking,
        Op::new("暗访督查", "暗访排名（比赶超）")
            .desc("一轮暗访的乡镇得分排名（全轮、市内、县内名次）、县（市、区）和市按所辖被检查乡镇平均分的排名、先进与末位乡镇，以及与同一单位上一轮已发布暗访相比的名次变化。分值单位 0.01 分。名次总是在全轮范围内计算，返回调用者辖区内的行；发布前只有安排该轮暗访的美镇办可以查看（预览），其他人为 404。")
            .returns("RoundRanking"),
    )
    .get(
        "/assessments",
        assessment,
        Op::new("动态考核", "季度动态考核")
            .desc("省或设区市的季度考核：各乡镇暗访得分、开工率、投资完成率、按时报送率（均折算为百分制）按权重合成总分并排名，县（市、区）取所辖乡镇平均分。已发布的季度返回发布时冻结的结果（权重参数不起作用），调用者看到本辖区的行；未发布时只有组织考核的美镇办及其上级可以按给定权重预览，其他人为 404。")
            .query(&[
                ("region", "string", "组织考核的区划：省（33）或设区市代码；缺省为本人所在市（省级用户为全省）"),
                ("quarter", "string", "季度，如 2020Q3；缺省为上个月所在季度"),
                ("w_inspection", "integer", "暗访得分权重（%）"),
                ("w_start", "integer", "开工率权重（%）"),
                ("w_investment", "integer", "投资完成率权重（%）"),
                ("w_reporting", "integer", "按时报送率权重（%）；四项须同时给出，和为 100，缺省为 60/15/15/10"),
                ("live", "boolean", "按当前数据重新计算（已发布的季度也可，用于与发布结果比较；仅组织考核的美镇办及上级）"),
            ])
            .returns("Assessment"),
    )
    .post(
        "/assessments/publish",
        publish,
        Op::new("动态考核", "发布季度考核结果")
            .desc("组织考核的美镇办按给定权重发布（冻结）本季度结果，之后的数据更正不再改变已发布的得分和名次。同一季度只能发布一次（再次发布为 409）。记入操作日志。")
            .body("AssessmentPublish")
            .returns("Assessment"),
    )
    .put(
        "/assessments/notice",
        notice,
        Op::new("动态考核", "编辑季度考核通报文字")
            .desc("已发布季度的通报标题（100 字以内）、文号（40 字以内）、开头和结尾（各 4000 字以内）。只有组织考核的美镇办可以编辑；未发布时为 409。记入操作日志。")
            .body("AssessmentNoticeInput")
            .returns("Assessment"),
    )
    .get(
        "/assessments/notice",
        quarter_notice,
        Op::new("动态考核", "季度考核通报（预览数据）")
            .desc("已发布季度的动态考核通报：标题、文号、开头与结尾（未编辑时为系统按数据生成的文字）、考核办法（四项内容、权重、缺项时按其余各项重新折算）、县区与乡镇综合得分排名（含各项得分）、先进与末位、本季度暗访逾期未整改问题、整改要求、发文单位和日期（发布日）。只有组织考核的美镇办及其上级可以生成：未发布时为 409，看不到该考核的为 404，其他人为 403。")
            .query(NOTICE_QUERY)
            .returns("QuarterNotice"),
    )
    .get(
        "/assessments/notice.docx",
        notice_docx,
        Op::new("动态考核", "导出季度考核通报（Word）")
            .desc("公文格式的季度动态考核通报，含县区平均综合得分柱状图、县区和乡镇排名表（综合得分、暗访得分、开工率、投资完成率、按时报送）。权限同预览数据。")
            .query(NOTICE_QUERY)
            .binary(DOCX),
    )
    .get(
        "/assessments/notice.xlsx",
        notice_xlsx,
        Op::new("动态考核", "导出季度考核通报附表（Excel）")
            .desc("三个工作表：县区考核、乡镇考核（各项得分与综合得分）、逾期问题。权限同预览数据。")
            .query(NOTICE_QUERY)
            .binary(XLSX),
    )
}

use crate::export::{DOCX, XLSX};
const NOTICE_QUERY: &[(&str, &str, &str)] = &[
    (
        "region",
        "string",
        "组织考核的区划：省（33）或设区市代码；缺省为本人所在市（省级用户为全省）",
    ),
    ("quarter", "string", "季度，如 2020Q3；缺省为上个月所在季度"),
];

// ---- shared with the pages -----------------------------------------------------------

/// The owner region an assessment defaults to: the caller's city, or the
/// province for provincial accounts.
pub(crate) fn default_owner(actor: &Actor) -> String {
    actor
        .region
        .ancestor_at(Level::City)
        .unwrap_or_else(RegionCode::zhejiang)
        .to_string()
}

/// The quarter of last month (Asia/Shanghai): the quarter usually assessed.
pub(crate) fn default_quarter() -> Quarter {
    let m = YearMonth::from_date(crate::view::today()).prev();
    Quarter {
        year: m.year(),
        q: (m.month() - 1) / 3 + 1,
    }
}

/// A quarter as typed; the default when empty.
pub(crate) fn quarter_of(s: &str) -> Result<Quarter, ServiceError> {
    match s.trim() {
        "" => Ok(default_quarter()),
        t => Ok(Quarter::parse(t)?),
    }
}

/// An owner region as typed; the caller's default when empty.
pub(crate) fn owner_of(actor: &Actor, s: &str) -> String {
    match s.trim() {
        "" => default_owner(actor),
        t => t.to_owned(),
    }
}

/// The four weights as typed (all empty: `None`, the defaults).
pub(crate) fn weights_of(
    inspection: &str,
    start: &str,
    investment: &str,
    reporting: &str,
) -> Result<Option<Weights>, ServiceError> {
    let all = [inspection, start, investment, reporting].map(str::trim);
    if all.iter().all(|s| s.is_empty()) {
        return Ok(None);
    }
    let labels = ["暗访得分", "开工率", "投资完成率", "按时报送率"];
    let mut v = [0u32; 4];
    for ((s, label), out) in all.iter().zip(labels).zip(v.iter_mut()) {
        let t = meizhen_domain::text::to_half_width(s);
        *out = t
            .trim_end_matches(['%', '％'])
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 100)
            .ok_or_else(|| {
                ServiceError::invalid(
                    "weights",
                    if s.is_empty() {
                        format!("请填写{label}权重（四项权重须同时给出）")
                    } else {
                        format!("{label}权重“{s}”应为 0 到 100 的整数")
                    },
                )
            })?;
    }
    let w = Weights {
        inspection: v[0],
        start_rate: v[1],
        investment_rate: v[2],
        reporting: v[3],
    };
    w.validate()?;
    Ok(Some(w))
}

// ---- handlers ------------------------------------------------------------------------

async fn ranking(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RoundRanking>, ApiError> {
    Ok(Json(state.services.round_ranking(&actor, id).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssessmentQuery {
    region: String,
    quarter: String,
    w_inspection: String,
    w_start: String,
    w_investment: String,
    w_reporting: String,
    live: String,
}

async fn assessment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<AssessmentQuery>,
) -> Result<Json<AssessmentView>, ApiError> {
    let region = owner_of(&actor, &q.region);
    let quarter = quarter_of(&q.quarter)?;
    let weights = weights_of(&q.w_inspection, &q.w_start, &q.w_investment, &q.w_reporting)?;
    let live = matches!(q.live.trim(), "true" | "1" | "on" | "yes");
    let view = if live {
        state
            .services
            .assessment_preview(&actor, &region, quarter, weights)
            .await?
    } else {
        state
            .services
            .assessment(&actor, &region, quarter, weights)
            .await?
    };
    Ok(Json(view))
}

#[derive(Deserialize)]
struct PublishBody {
    #[serde(default)]
    region: String,
    quarter: String,
    #[serde(default)]
    weights: Option<Weights>,
}

async fn publish(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<PublishBody>,
) -> Result<Json<AssessmentView>, ApiError> {
    let region = owner_of(&actor, &body.region);
    let quarter = Quarter::parse(&body.quarter).map_err(ServiceError::from)?;
    let weights = body.weights.unwrap_or_default();
    Ok(Json(
        state
            .services
            .publish_assessment(&actor, &region, quarter, weights, &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct NoticeBody {
    #[serde(default)]
    region: String,
    quarter: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    opening: String,
    #[serde(default)]
    closing: String,
}

async fn notice(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NoticeBody>,
) -> Result<Json<AssessmentView>, ApiError> {
    let region = owner_of(&actor, &body.region);
    let quarter = Quarter::parse(&body.quarter).map_err(ServiceError::from)?;
    let text = NoticeText {
        title: body.title,
        number: body.number,
        opening: body.opening,
        closing: body.closing,
    };
    Ok(Json(
        state
            .services
            .update_assessment_notice(&actor, &region, quarter, &text, &meta)
            .await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    region: String,
    quarter: String,
}

async fn quarter_notice(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> Result<Json<QuarterNoticeView>, ApiError> {
    let region = owner_of(&actor, &q.region);
    let quarter = quarter_of(&q.quarter)?;
    Ok(Json(
        state
            .services
            .assessment_notice(&actor, &region, quarter)
            .await?,
    ))
}

async fn notice_docx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> Result<Response, ApiError> {
    let region = owner_of(&actor, &q.region);
    let quarter = quarter_of(&q.quarter)?;
    Ok(docx_response(
        state
            .services
            .assessment_notice_docx(&actor, &region, quarter)
            .await?,
    ))
}

async fn notice_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> Result<Response, ApiError> {
    let region = owner_of(&actor, &q.region);
    let quarter = quarter_of(&q.quarter)?;
    Ok(xlsx_response(
        state
            .services
            .assessment_notice_xlsx(&actor, &region, quarter)
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

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": schema_ref(name)})
}

/// Adds the ranking's and the assessment's schemas to the document.
pub fn document(doc: &mut Value) {
    let s = json!({"type": "string"});
    let ns = json!({"type": ["string", "null"]});
    let i = json!({"type": "integer"});
    let ni = json!({"type": ["integer", "null"]});
    let b = json!({"type": "boolean"});
    let pts = json!({"type": "integer", "description": "分值，单位 0.01 分（9850 = 98.50 分）"});
    let npts = json!({"type": ["integer", "null"], "description": "百分制分值，单位 0.01（9850 = 98.50）；null 为该项无数据"});
    let change = json!({"type": "object", "description": "名次变化：kind 为 up/down（places 为名次数）、same、new（新进）、unranked", "properties": {"kind": {"type": "string", "enum": ["up", "down", "same", "new", "unranked"]}, "places": i}, "required": ["kind"]});
    let nchange = json!({"anyOf": [schema_ref("RankChange"), {"type": "null"}]});
    let schemas = json!({
        "RankChange": change,
        "TownRankLine": obj(json!({
            "code": s, "name": s, "county_code": s, "county_name": s, "city_code": s, "city_name": s,
            "inspection_id": i, "score": pts, "deducted": pts, "findings": i,
            "rank": {"type": "integer", "description": "全轮名次（同分同名次，1、2、2、4）"},
            "city_rank": i, "city_towns": i, "county_rank": i, "county_towns": i,
            "previous_rank": ni, "change": schema_ref("RankChange"),
            "change_label": {"type": "string", "description": "↑2、↓1、持平、新进"}
        }), &["code", "name", "score", "deducted", "findings", "rank", "county_rank", "change_label"]),
        "GroupRankLine": obj(json!({
            "code": s, "name": s,
            "score": {"type": "integer", "description": "所辖被检查乡镇的平均分，单位 0.01 分"},
            "towns": i, "findings": i, "rank": i, "previous_rank": ni,
            "change": schema_ref("RankChange"), "change_label": s
        }), &["code", "name", "score", "towns", "rank", "change_label"]),
        "RoundRanking": obj(json!({
            "round": schema_ref("Round"), "owner_name": s, "quarter_label": s,
            "published": {"type": "boolean", "description": "false 为发布前的预览（仅安排单位可见）"},
            "base": {"type": "integer", "description": "检查标准的基础分（满分），单位 0.01 分"},
            "towns_total": i, "counties_total": i, "cities_total": i,
            "previous": {"type": ["object", "null"], "description": "比较的上一轮（同一单位上一轮已发布的暗访）", "properties": {"id": i, "name": s, "published_on": ns}},
            "towns": array_of("TownRankLine"),
            "counties": array_of("GroupRankLine"),
            "cities": {"type": "array", "items": schema_ref("GroupRankLine"), "description": "跨市的轮次才有"},
            "best": {"type": "array", "items": schema_ref("TownRankLine"), "description": "先进（前 3 名，同分并列）"},
            "last": {"type": "array", "items": schema_ref("TownRankLine"), "description": "末位（后 3 名，同分并列）"}
        }), &["round", "published", "base", "towns", "counties", "best", "last"]),
        "AssessmentWeights": obj(json!({
            "inspection": {"type": "integer", "description": "暗访得分权重（%）"},
            "start_rate": {"type": "integer", "description": "开工率权重（%）"},
            "investment_rate": {"type": "integer", "description": "投资完成率权重（%）"},
            "reporting": {"type": "integer", "description": "按时报送率权重（%）"}
        }), &["inspection", "start_rate", "investment_rate", "reporting"]),
        "AssessmentParts": obj(json!({
            "inspection": npts, "start_rate": npts, "investment_rate": npts, "reporting": npts
        }), &[]),
        "AssessmentTownLine": obj(json!({
            "town_code": s, "town_name": s, "county_code": s, "county_name": s,
            "parts": schema_ref("AssessmentParts"),
            "total": {"type": ["integer", "null"], "description": "合成总分（按有数据的项重新归一权重），单位 0.01"},
            "rank": ni, "county_rank": ni, "change": nchange, "change_label": s
        }), &["town_code", "town_name", "parts", "total", "rank"]),
        "AssessmentCountyLine": obj(json!({
            "county_code": s, "county_name": s, "towns": i,
            "total": {"type": ["integer", "null"], "description": "所辖乡镇总分的平均，单位 0.01"},
            "rank": ni, "change": nchange, "change_label": s
        }), &["county_code", "county_name", "towns", "total", "rank"]),
        "AssessmentNotice": obj(json!({"title": s, "number": s, "opening": s, "closing": s}), &["title", "number", "opening", "closing"]),
        "Assessment": obj(json!({
            "owner_code": s, "owner_name": s,
            "quarter": obj(json!({"year": i, "q": i}), &["year", "q"]),
            "quarter_label": s,
            "weights": schema_ref("AssessmentWeights"),
            "published": b, "published_at": ni, "published_by": ni,
            "live": {"type": "boolean", "description": "true 为按当前数据计算（预览），false 为发布时冻结的结果"},
            "previous_published": b, "previous_quarter_label": s,
            "notice": schema_ref("AssessmentNotice"),
            "can_publish": b, "can_edit_notice": b,
            "towns": array_of("AssessmentTownLine"),
            "counties": array_of("AssessmentCountyLine")
        }), &["owner_code", "quarter", "weights", "published", "live", "towns", "counties"]),
        "AssessmentPublish": obj(json!({
            "region": {"type": "string", "description": "组织考核的区划（省 33 或设区市），缺省为本人所在区划"},
            "quarter": {"type": "string", "description": "如 2020Q3"},
            "weights": schema_ref("AssessmentWeights")
        }), &["quarter"]),
        "QuarterNotice": obj(json!({
            "owner_code": s, "owner_name": s,
            "quarter": {"type": "string", "description": "如 2020Q3"},
            "quarter_label": s,
            "saved": schema_ref("AssessmentNotice"),
            "title": s, "number": s,
            "opening": {"type": "string", "description": "现行开头（已编辑的，或系统生成的）；换行分段"},
            "closing": s, "default_title": s, "default_opening": s, "default_closing": s,
            "method": {"type": "string", "description": "考核办法：四项内容、权重、缺项重新折算"},
            "weights": schema_ref("AssessmentWeights"),
            "weights_text": s,
            "figures": obj(json!({
                "counties": i, "towns": i, "scored": i, "inspected": i,
                "average": s, "highest": s, "lowest": s, "late_reporters": i,
                "overdue": {"type": "integer", "description": "本季度暗访问题中截至 overdue_on 逾期未整改的个数"},
                "overdue_towns": i, "overdue_on": s
            }), &["counties", "towns", "average", "overdue"]),
            "chart_title": s,
            "counties": {"type": "array", "items": obj(json!({
                "rank": {"type": "string", "description": "名次；无得分为“—”"},
                "code": s, "name": s, "towns": i,
                "average": {"type": "string", "description": "平均综合得分，两位小数；“—”为无"},
                "change": s
            }), &["rank", "code", "name", "average"])},
            "towns": {"type": "array", "items": obj(json!({
                "rank": s, "code": s, "county": s, "town": s,
                "total": {"type": "string", "description": "综合得分，两位小数；各项为百分制，“—”为无数据"},
                "inspection": s, "start_rate": s, "investment_rate": s, "reporting": s,
                "county_rank": s, "change": s
            }), &["rank", "code", "town", "total"])},
            "best": {"type": "array", "items": s, "description": "先进（前 3 名，同分并列）"},
            "last": {"type": "array", "items": s, "description": "末位（后 3 名，同分并列，与先进不重叠）"},
            "problems": {"type": "array", "description": "逾期未整改问题（按乡镇，最多 200 个，不含照片）", "items": {"type": "object"}},
            "requirements": {"type": "array", "items": s},
            "issuer": s,
            "date_zh": {"type": "string", "description": "发布日"},
            "report_due_zh": {"type": "string", "description": "末位乡镇报送整改报告的期限（发布后 15 天）"},
            "can_edit": b
        }), &["owner_code", "quarter", "title", "opening", "closing", "counties", "towns", "requirements", "issuer", "date_zh"]),
        "AssessmentNoticeInput": obj(json!({
            "region": s, "quarter": s,
            "title": {"type": "string", "description": "通报标题，100 字以内"},
            "number": {"type": "string", "description": "文号，40 字以内"},
            "opening": {"type": "string", "description": "开头段落，4000 字以内"},
            "closing": {"type": "string", "description": "结尾段落，4000 字以内"}
        }), &["quarter"])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_in_chinese() {
        assert_eq!(weights_of("", " ", "", "").ok(), Some(None));
        let w = weights_of("60", "15％", "１５", "10").ok().flatten();
        assert_eq!(
            w,
            Some(Weights {
                inspection: 60,
                start_rate: 15,
                investment_rate: 15,
                reporting: 10
            })
        );
        let e = weights_of("60", "", "15", "10")
            .err()
            .map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("开工率"));
        let e = weights_of("60", "20", "15", "10")
            .err()
            .map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("105"));
        let e = weights_of("6.5", "20", "15", "10")
            .err()
            .map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("整数"));
    }
}
