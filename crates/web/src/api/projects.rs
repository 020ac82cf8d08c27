//! Projects, monthly reports, reporting periods, stats and rankings.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{empty_as_none, ApiJson, ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::project::YearMonth;
use meizhen_service::projects::{
    CommentRow, PeriodRow, ProjectFilter, ProjectInput, ProjectListRow, ProjectRow, ProjectView,
    ReportInput, ReportRow, TownMonth,
};
use meizhen_service::stats::{ProjectStats, RankBy, RankingLine, Source};
use meizhen_service::ServiceError;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(api: Api) -> Api {
    api.get("/regions/{code}/progress-report", progress_report, Op::new("统计", "项目进度月报（Word）").desc("县、市或全省某月的图文月报：主要指标、下级排名、原生 Word 图表、进度照片。").query(&[("month", "string", "如 2020-12")]).binary("application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    .get("/regions/{code}/project-breakdown", breakdown, Op::new("统计", "项目构成（按五美类别、按状态）").query(&[("year", "integer", "年度")]).returns("Breakdown"))
    .post_upload("/projects/import", import, Op::new("项目", "导入项目台账（Excel）").desc("请求体为 .xlsx/.xls 文件本身（Content-Type 任意）。逐行导入，拒绝的行给出行号和原因；同一台账再次导入为更新。dry_run=true 只预览不保存。给出 month 时，“累计完成投资”“状态”“形象进度”列作为该月月报。").query(&[("year", "integer", "计划投资所属年度"), ("month", "string", "可选，如 2020-06"), ("dry_run", "boolean", "试导入")]).returns("ImportReport"))
    .get(
        "/projects",
        list,
        Op::new("项目", "项目库")
            .desc("管辖范围内的项目；按区划、年度、类别、状态筛选。")
            .query(&[
                ("region", "string", "区划代码前缀"),
                ("year", "integer", "年度（有该年计划的项目）"),
                ("pillar", "string", "五美类别"),
                ("status", "string", "not_started/in_progress/completed"),
                ("key_only", "boolean", "只看重点项目"),
                ("q", "string", "名称或编号"),
                ("page", "integer", "页码"),
                ("per_page", "integer", "每页条数"),
            ])
            .returns("ProjectPage"),
    )
    .post(
        "/regions/{code}/projects",
        create,
        Op::new("项目", "新增项目")
            .desc("乡镇工作人员或上级美镇办。金额单位万元，可写“1.2亿元”。")
            .body("ProjectInput")
            .returns("Project")
            .status(201),
    )
    .get(
        "/projects/{id}",
        show,
        Op::new("项目", "项目详情（含计划、月报、照片）").returns("ProjectView"),
    )
    .put(
        "/projects/{id}",
        update,
        Op::new("项目", "修改项目")
            .desc("状态倒退须填 correction_reason。")
            .body("ProjectInput")
            .returns("Project"),
    )
    .post(
        "/projects/{id}/return",
        return_project,
        Op::new("项目", "退回项目")
            .desc("上级美镇办退回乡镇修改。")
            .body("Note")
            .returns("Project"),
    )
    .get(
        "/projects/{id}/comments",
        comments,
        Op::new("项目", "项目意见与回复")
            .desc("上级美镇办的意见和乡镇的回复，按时间先后排列。")
            .returns("CommentList"),
    )
    .post(
        "/projects/{id}/comments",
        add_comment,
        Op::new("项目", "发表意见或回复")
            .desc("上级美镇办（含管理员）发表意见，本乡镇工作人员回复；领导等只读角色不能发表。内容 1 至 1000 字。")
            .body("CommentInput")
            .returns("Comment")
            .status(201),
    )
    .put(
        "/projects/{id}/reports/{month}",
        report,
        Op::new("月报", "填报项目月报")
            .desc("month 形如 2020-03；已确认锁定的月份须填 correction_reason。")
            .body("ReportInput")
            .returns("Report"),
    )
    .get(
        "/regions/{code}/reporting",
        reporting,
        Op::new("月报", "各乡镇月报填报情况")
            .query(&[("month", "string", "如 2020-03")])
            .returns("TownMonthList"),
    )
    .post(
        "/regions/{code}/reporting/{month}/submit",
        submit_month,
        Op::new("月报", "乡镇提交本月月报").returns("Period"),
    )
    .post(
        "/regions/{code}/reporting/{month}/review",
        review_month,
        Op::new("月报", "县美镇办确认或退回乡镇月报")
            .body("Review")
            .returns("Period"),
    )
    .get(
        "/regions/{code}/project-stats",
        project_stats,
        Op::new("统计", "项目统计与三率")
            .desc(
                "started 含已完工；三率为 0..1 小数，无分母时为 null。month 缺省为 12 月（全年）。",
            )
            .query(&[
                ("year", "integer", "年度"),
                ("month", "integer", "月份 1-12"),
                ("published", "boolean", "用发布时冻结的数据"),
            ])
            .returns("ProjectStats"),
    )
    .get(
        "/regions/{code}/project-ranking",
        ranking,
        Op::new("统计", "下级区划排名（比赶超）")
            .query(&[
                ("year", "integer", "年度"),
                ("month", "integer", "月份"),
                ("by", "string", "investment/start/completion"),
                ("published", "boolean", "用发布时冻结的数据"),
            ])
            .returns("RankingList"),
    )
    .get(
        "/regions/{code}/project-trend",
        trend,
        Op::new("统计", "逐月趋势")
            .query(&[("year", "integer", "年度")])
            .returns("ProjectStatsList"),
    )
    .post(
        "/regions/{code}/publish/{month}",
        publish,
        Op::new("统计", "发布（冻结）月度数据").returns("Published"),
    )
}

#[derive(Deserialize)]
struct ListQuery {
    region: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    year: Option<i32>,
    pillar: Option<String>,
    status: Option<String>,
    #[serde(default)]
    key_only: bool,
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
) -> Result<Json<Page<ProjectListRow>>, ApiError> {
    let f = ProjectFilter {
        region: q.region,
        year: q.year,
        pillar: q.pillar,
        status: q.status,
        key_only: q.key_only,
        q: q.q,
    };
    Ok(Json(
        state
            .services
            .projects(&actor, &f, &PageRequest::new(q.page, q.per_page))
            .await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<(StatusCode, Json<ProjectRow>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .services
                .create_project(&actor, &code, &input, &meta)
                .await?,
        ),
    ))
}

async fn show(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ProjectView>, ApiError> {
    Ok(Json(state.services.project(&actor, id).await?))
}

async fn update(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<Json<ProjectRow>, ApiError> {
    Ok(Json(
        state
            .services
            .update_project(&actor, id, &input, &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct ImportQuery {
    year: i32,
    #[serde(default)]
    month: String,
    #[serde(default)]
    dry_run: bool,
}

async fn import(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<meizhen_service::import::ImportReport>, ApiError> {
    let month = if q.month.trim().is_empty() {
        None
    } else {
        Some(month(&q.month)?)
    };
    Ok(Json(
        state
            .services
            .import_projects(&actor, &body, q.year, month, q.dry_run, &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct Note {
    #[serde(default)]
    note: String,
}

async fn return_project(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(n): ApiJson<Note>,
) -> Result<Json<ProjectRow>, ApiError> {
    Ok(Json(
        state
            .services
            .return_project(&actor, id, &n.note, &meta)
            .await?,
    ))
}

async fn comments(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CommentRow>>, ApiError> {
    Ok(Json(state.services.project_comments(&actor, id).await?))
}

#[derive(Deserialize)]
struct CommentInput {
    #[serde(default)]
    body: String,
}

async fn add_comment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<CommentInput>,
) -> Result<(StatusCode, Json<CommentRow>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .services
                .add_project_comment(&actor, id, &c.body, &meta)
                .await?,
        ),
    ))
}

fn month(s: &str) -> Result<YearMonth, ApiError> {
    YearMonth::parse(s).map_err(|e| ApiError(ServiceError::Invalid(e)))
}

async fn report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path((id, m)): Path<(i64, String)>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<Json<ReportRow>, ApiError> {
    Ok(Json(
        state
            .services
            .submit_report(&actor, id, month(&m)?, &input, &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct MonthQuery {
    month: String,
}

async fn reporting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<Vec<TownMonth>>, ApiError> {
    let today = crate::view::today();
    Ok(Json(
        state
            .services
            .month_overview(&actor, &code, month(&q.month)?, today)
            .await?,
    ))
}

async fn submit_month(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path((code, m)): Path<(String, String)>,
) -> Result<Json<PeriodRow>, ApiError> {
    Ok(Json(
        state
            .services
            .submit_month(&actor, &code, month(&m)?, &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct Review {
    accept: bool,
    #[serde(default)]
    note: String,
}

async fn review_month(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path((code, m)): Path<(String, String)>,
    ApiJson(r): ApiJson<Review>,
) -> Result<Json<PeriodRow>, ApiError> {
    Ok(Json(
        state
            .services
            .review_month(&actor, &code, month(&m)?, r.accept, &r.note, &meta)
            .await?,
    ))
}

#[derive(Deserialize)]
struct StatsQuery {
    year: i32,
    #[serde(default, deserialize_with = "empty_as_none")]
    month: Option<u32>,
    #[serde(default)]
    by: String,
    #[serde(default)]
    published: bool,
}

impl StatsQuery {
    fn month(&self) -> Result<YearMonth, ApiError> {
        YearMonth::new(self.year, self.month.unwrap_or(12))
            .ok_or_else(|| ApiError(ServiceError::invalid("month", "月份应在 1 到 12 之间")))
    }
    fn source(&self) -> Source {
        if self.published {
            Source::Published
        } else {
            Source::Live
        }
    }
}

async fn project_stats(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<ProjectStats>, ApiError> {
    meizhen_domain::town::check_year(q.year).map_err(|e| ApiError(ServiceError::Invalid(e)))?;
    Ok(Json(
        state
            .services
            .project_stats(&actor, &code, q.month()?, q.source())
            .await?,
    ))
}

async fn ranking(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<Vec<RankingLine>>, ApiError> {
    let by = RankBy::parse(&q.by)?;
    Ok(Json(
        state
            .services
            .project_ranking(&actor, &code, q.month()?, by, q.source())
            .await?,
    ))
}

#[derive(Deserialize)]
struct YearQuery {
    year: i32,
}

async fn progress_report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<axum::response::Response, ApiError> {
    let m = month(&q.month)?;
    let bytes = state
        .services
        .progress_report_docx(&actor, &code, m, crate::view::today())
        .await?;
    Ok(crate::export::docx(
        bytes,
        &format!("项目进度月报-{code}-{m}.docx"),
    ))
}

async fn breakdown(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<meizhen_service::stats::Breakdown>, ApiError> {
    Ok(Json(
        state
            .services
            .project_breakdown(&actor, &code, q.year)
            .await?,
    ))
}

async fn trend(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<Vec<ProjectStats>>, ApiError> {
    Ok(Json(
        state.services.project_trend(&actor, &code, q.year).await?,
    ))
}

async fn publish(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path((code, m)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let n = state
        .services
        .publish_month(&actor, &code, month(&m)?, &meta)
        .await?;
    Ok(Json(json!({"towns": n})))
}
