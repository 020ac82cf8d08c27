//! 项目化推进: the project library, monthly reports, reporting periods, and
//! the per-town figures that rates and rankings are computed from.
//!
//! Who may do what:
//! - town staff edit their own town's projects and report their months;
//! - county/city/province offices (and admins) above a town may also edit and
//!   import its projects, review (accept/return) its months and return a
//!   project for correction;
//! - everyone else in scope reads;
//! - the project's thread of comments (意见与回复): offices (and admins) above
//!   the town comment, the town's staff reply; leaders, inspectors, grid
//!   workers and experts read it.

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::money::{Fen, MoneyUnit};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::project::{
    check_cumulative, check_transition, parse_date_loose, Pillar, ProjectStatus, ReportingWindow,
    YearMonth,
};
use meizhen_domain::rates::{ProjectCounts, ProjectFacts};
use meizhen_domain::{Level, RegionCode, Role};
use meizhen_storage::repo::projects::{self as repo, ProjectFields, ReportFields};
pub use meizhen_storage::repo::projects::{
    CommentRow, PeriodRow, PhotoRow, PlanRow, ProjectFilter, ProjectListRow, ProjectRow, ReportRow,
};
use meizhen_storage::repo::stats::{self, Figures, Source};
use meizhen_storage::{now_ms, regions, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// A project as entered in a form, the API or an import (text as typed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProjectInput {
    pub code: String,
    pub name: String,
    pub pillar: String,
    pub basic_facility: Option<String>,
    pub is_key: bool,
    pub content: String,
    pub owner_unit: String,
    pub responsible_person: String,
    pub funding_sources: String,
    /// 万元, as typed ("1,234.5", "1.2亿元" …).
    pub total_investment: String,
    /// (year, 万元 as typed)
    pub plans: Vec<PlanInput>,
    pub planned_start: String,
    pub planned_finish: String,
    pub actual_start: String,
    pub actual_finish: String,
    pub status: String,
    pub progress_text: String,
    pub progress_pct: Option<i32>,
    /// 亩 as typed.
    pub land_acquired: String,
    pub land_transferred: String,
    pub graves_moved: String,
    pub households_relocated: String,
    pub problems: String,
    /// Needed for backward status changes.
    pub correction_reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PlanInput {
    pub year: i32,
    pub amount: String,
}

/// A monthly report as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportInput {
    /// Cumulative completed investment since the project began, 万元 as typed.
    pub cumulative_investment: String,
    pub status: String,
    pub progress_text: String,
    pub progress_pct: Option<i32>,
    pub problems: String,
    pub correction_reason: String,
}

/// Everything the project page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub project: ProjectRow,
    pub town_name: String,
    pub plans: Vec<PlanRow>,
    pub reports: Vec<ReportRow>,
    pub photos: Vec<PhotoRow>,
    /// The thread of comments and replies, oldest first.
    pub comments: Vec<CommentRow>,
    pub can_edit: bool,
    pub can_review: bool,
    pub can_comment: bool,
}

/// The longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 1000;

fn text(s: &str, field: &'static str, label: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(ServiceError::invalid(
            field,
            format!("{label}不能超过 {max} 个字"),
        ));
    }
    Ok(t.to_owned())
}

/// Dates as ledgers write them; a month alone ("2020.3") is stored as its
/// first day, since plans are made to the month and rates count by month.
fn opt_date(s: &str, field: &'static str) -> Result<Option<String>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let (y, m, d) = parse_date_loose(s).map_err(|e| ServiceError::invalid(field, e.message))?;
    chrono::NaiveDate::from_ymd_opt(y, m, d.unwrap_or(1))
        .map(|d| Some(d.format("%Y-%m-%d").to_string()))
        .ok_or_else(|| ServiceError::invalid(field, format!("日期“{s}”不存在")))
}

/// 亩 with up to two decimals → hundredths.
fn centimu(s: &str, field: &'static str) -> Result<i64> {
    if s.trim().is_empty() {
        return Ok(0);
    }
    // Reuse the exact decimal parser: 1 亩 = 100 "fen-like" units.
    let f = Fen::parse_amount(s, MoneyUnit::Yuan)
        .map_err(|e| ServiceError::invalid(field, e.message))?;
    Ok(f.get())
}

fn count(s: &str, field: &'static str, label: &str) -> Result<i64> {
    let t = meizhen_domain::text::to_half_width(s.trim());
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| ServiceError::invalid(field, format!("{label}应为非负整数，而不是“{s}”")))
}

fn money(s: &str, field: &'static str, label: &str) -> Result<Fen> {
    if s.trim().is_empty() {
        return Err(ServiceError::invalid(field, format!("请填写{label}")));
    }
    Fen::parse_amount(s, MoneyUnit::Wan)
        .map_err(|e| ServiceError::invalid(field, format!("{label}：{}", e.message)))
}

/// Validates an input into storable fields and yearly plans.
pub fn validate(input: &ProjectInput) -> Result<(ProjectFields, Vec<(i32, Fen)>)> {
    let name = text(&input.name, "name", "项目名称", 100)?;
    if name.is_empty() {
        return Err(ServiceError::invalid("name", "请填写项目名称"));
    }
    let code = text(&input.code, "code", "项目编号", 40)?;
    if code.is_empty() {
        return Err(ServiceError::invalid("code", "请填写项目编号"));
    }
    let pillar = Pillar::parse(&input.pillar)?;
    let status = if input.status.trim().is_empty() {
        ProjectStatus::NotStarted
    } else {
        ProjectStatus::parse(&input.status)?
    };
    let total = money(&input.total_investment, "total_investment", "总投资")?;
    let mut plans = Vec::new();
    for p in &input.plans {
        meizhen_domain::town::check_year(p.year)?;
        let amount = money(&p.amount, "plans", &format!("{} 年计划投资", p.year))?;
        if plans.iter().any(|(y, _)| *y == p.year) {
            return Err(ServiceError::invalid(
                "plans",
                format!("{} 年计划投资重复", p.year),
            ));
        }
        plans.push((p.year, amount));
    }
    let plan_sum = Fen::checked_sum(plans.iter().map(|(_, f)| *f))
        .ok_or_else(|| ServiceError::invalid("plans", "计划投资金额过大"))?;
    if total > Fen::ZERO && plan_sum > total {
        return Err(ServiceError::invalid(
            "plans",
            format!(
                "各年计划投资合计 {} 万元超过总投资 {} 万元",
                plan_sum.to_wan_string(2),
                total.to_wan_string(2)
            ),
        ));
    }
    if let Some(p) = input.progress_pct {
        if !(0..=100).contains(&p) {
            return Err(ServiceError::invalid(
                "progress_pct",
                "形象进度百分比应在 0 到 100 之间",
            ));
        }
    }
    let f = ProjectFields {
        code,
        name,
        pillar: pillar.id().into(),
        basic_facility: Some(text(
            input.basic_facility.as_deref().unwrap_or(""),
            "basic_facility",
            "十个一",
            40,
        )?)
        .filter(|s| !s.is_empty()),
        is_key: input.is_key,
        content: text(&input.content, "content", "建设内容", 2000)?,
        owner_unit: text(&input.owner_unit, "owner_unit", "业主单位", 100)?,
        responsible_person: text(
            &input.responsible_person,
            "responsible_person",
            "责任人",
            40,
        )?,
        funding_sources: text(&input.funding_sources, "funding_sources", "资金来源", 200)?,
        total_investment_fen: total.get(),
        planned_start: opt_date(&input.planned_start, "planned_start")?,
        planned_finish: opt_date(&input.planned_finish, "planned_finish")?,
        actual_start: opt_date(&input.actual_start, "actual_start")?,
        actual_finish: opt_date(&input.actual_finish, "actual_finish")?,
        status: status.id().into(),
        progress_text: text(&input.progress_text, "progress_text", "形象进度", 500)?,
        progress_pct: input.progress_pct,
        land_acquired_centimu: centimu(&input.land_acquired, "land_acquired")?,
        land_transferred_centimu: centimu(&input.land_transferred, "land_transferred")?,
        graves_moved: count(&input.graves_moved, "graves_moved", "迁坟数")?,
        households_relocated: count(
            &input.households_relocated,
            "households_relocated",
            "搬迁户数",
        )?,
        problems: text(&input.problems, "problems", "存在问题", 2000)?,
    };
    if let (Some(s), Some(e)) = (&f.planned_start, &f.planned_finish) {
        if e < s {
            return Err(ServiceError::invalid(
                "planned_finish",
                "计划完工时间早于计划开工时间",
            ));
        }
    }
    if let (Some(s), Some(e)) = (&f.actual_start, &f.actual_finish) {
        if e < s {
            return Err(ServiceError::invalid(
                "actual_finish",
                "实际完工时间早于实际开工时间",
            ));
        }
    }
    Ok((f, plans))
}

/// Town staff write their own town; offices (and admins) write towns below them.
pub fn may_write_projects(actor: &Actor, town: &RegionCode) -> bool {
    town.level() == Level::Town
        && match actor.role {
            Role::TownStaff => actor.region == *town,
            Role::CountyOffice | Role::CityOffice | Role::ProvinceOffice | Role::Admin => {
                actor.scope().is_strictly_above(town)
            }
            _ => false,
        }
}

/// Offices above a town review its months and return its projects.
pub fn may_review(actor: &Actor, town: &RegionCode) -> bool {
    matches!(
        actor.role,
        Role::CountyOffice | Role::CityOffice | Role::ProvinceOffice | Role::Admin
    ) && actor.scope().is_strictly_above(town)
}

/// Offices (and admins) above a town comment on its projects; the town's own
/// staff reply. Leaders only read; inspectors, grid workers and experts have
/// their own channels and read the thread without writing to it.
pub fn may_comment(actor: &Actor, town: &RegionCode) -> bool {
    town.level() == Level::Town
        && match actor.role {
            Role::TownStaff => actor.region == *town,
            Role::CountyOffice | Role::CityOffice | Role::ProvinceOffice | Role::Admin => {
                actor.scope().is_strictly_above(town)
            }
            Role::Leader | Role::Inspector | Role::GridWorker | Role::Expert => false,
        }
}

/// A comment's text: trimmed, line breaks as `\n` (forms send `\r\n`),
/// 1 to [`COMMENT_MAX_CHARS`] characters.
pub fn validate_comment(body: &str) -> Result<String> {
    let t = body.trim().replace("\r\n", "\n");
    if t.is_empty() {
        return Err(ServiceError::invalid("body", "请填写意见内容"));
    }
    if t.chars().count() > COMMENT_MAX_CHARS {
        return Err(ServiceError::invalid(
            "body",
            format!("意见内容不能超过 {COMMENT_MAX_CHARS} 个字"),
        ));
    }
    Ok(t)
}

fn snapshot(p: &ProjectRow) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or_default()
}

impl Services {
    async fn project_tx(&self, actor: &Actor) -> Result<Tx> {
        require_password_changed(actor)?;
        Ok(self.db().begin().await?)
    }

    async fn project_read_tx(&self, actor: &Actor) -> Result<Tx> {
        require_password_changed(actor)?;
        Ok(self.db().begin_read().await?)
    }

    async fn town_in_scope(tx: &mut Tx, actor: &Actor, town: &str) -> Result<(RegionCode, String)> {
        let code = RegionCode::parse(town)?;
        let row = regions::get(tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("乡镇"))?;
        if code.level() != Level::Town {
            return Err(ServiceError::invalid("town", "项目只能属于乡镇(街道)"));
        }
        Ok((code, row.name))
    }

    pub async fn create_project(
        &self,
        actor: &Actor,
        town: &str,
        input: &ProjectInput,
        meta: &RequestMeta,
    ) -> Result<ProjectRow> {
        let (fields, plans) = validate(input)?;
        let mut tx = self.project_tx(actor).await?;
        let (town, town_name) = Self::town_in_scope(&mut tx, actor, town).await?;
        if !may_write_projects(actor, &town) {
            return Err(ServiceError::forbidden(
                "只有本乡镇工作人员或上级美镇办可以录入项目",
            ));
        }
        let row = Self::insert_project(&mut tx, actor, &town, &fields, &plans).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "project", &row.id.to_string(), town.as_str())
                .after(snapshot(&row))
                .summary(format!("{town_name} 新增项目“{}”", row.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn insert_project(
        tx: &mut Tx,
        actor: &Actor,
        town: &RegionCode,
        fields: &ProjectFields,
        plans: &[(i32, Fen)],
    ) -> Result<ProjectRow> {
        let id = repo::insert(tx, town.as_str(), fields, Some(actor.id), now_ms())
            .await
            .map_err(|e| match e {
                meizhen_storage::StorageError::Duplicate => {
                    ServiceError::Conflict(format!("本乡镇已有编号为“{}”的项目", fields.code))
                }
                other => other.into(),
            })?;
        for (year, fen) in plans {
            repo::set_plan(tx, id, town.as_str(), *year, fen.get()).await?;
        }
        for (year, _) in plans {
            recompute_town_year(tx, town.as_str(), *year).await?;
        }
        repo::get(tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))
    }

    pub async fn update_project(
        &self,
        actor: &Actor,
        id: i64,
        input: &ProjectInput,
        meta: &RequestMeta,
    ) -> Result<ProjectRow> {
        let (fields, plans) = validate(input)?;
        let mut tx = self.project_tx(actor).await?;
        let before = repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        let town = RegionCode::parse(&before.town_code)?;
        if !may_write_projects(actor, &town) {
            return Err(ServiceError::forbidden(
                "只有本乡镇工作人员或上级美镇办可以修改项目",
            ));
        }
        let after = Self::apply_update(
            &mut tx,
            actor,
            &before,
            &fields,
            &plans,
            &input.correction_reason,
        )
        .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "project", &id.to_string(), town.as_str())
                .before(snapshot(&before))
                .after(snapshot(&after))
                .summary(format!("修改项目“{}”", after.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub(crate) async fn apply_update(
        tx: &mut Tx,
        actor: &Actor,
        before: &ProjectRow,
        fields: &ProjectFields,
        plans: &[(i32, Fen)],
        reason: &str,
    ) -> Result<ProjectRow> {
        let from = ProjectStatus::from_id(&before.status).unwrap_or(ProjectStatus::NotStarted);
        let to = ProjectStatus::from_id(&fields.status).unwrap_or(ProjectStatus::NotStarted);
        let dates = fields.actual_start.is_some() && fields.actual_finish.is_some();
        check_transition(from, to, dates, Some(reason))?;
        repo::update(tx, before.id, fields, now_ms())
            .await
            .map_err(|e| match e {
                meizhen_storage::StorageError::Duplicate => {
                    ServiceError::Conflict(format!("本乡镇已有编号为“{}”的项目", fields.code))
                }
                other => other.into(),
            })?;
        // A town's edit answers a return: the project is back for review.
        if before.review_state == "returned" {
            repo::set_review(tx, before.id, "ok", "", now_ms()).await?;
        }
        let mut years: Vec<i32> = repo::plans(tx, before.id)
            .await?
            .iter()
            .map(|p| p.year)
            .collect();
        for (year, fen) in plans {
            repo::set_plan(tx, before.id, &before.town_code, *year, fen.get()).await?;
            years.push(*year);
        }
        years.sort_unstable();
        years.dedup();
        for y in years {
            recompute_town_year(tx, &before.town_code, y).await?;
        }
        repo::get(tx, actor.scope(), before.id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))
    }

    /// An office sends a project back to the town with a note.
    pub async fn return_project(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<ProjectRow> {
        let note = text(note, "note", "退回说明", 500)?;
        if note.is_empty() {
            return Err(ServiceError::invalid("note", "请填写退回说明"));
        }
        let mut tx = self.project_tx(actor).await?;
        let before = repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        let town = RegionCode::parse(&before.town_code)?;
        if !may_review(actor, &town) {
            return Err(ServiceError::forbidden("只有上级美镇办可以退回项目"));
        }
        repo::set_review(&mut tx, id, "returned", &note, now_ms()).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "project", &id.to_string(), town.as_str())
                .before(
                    json!({"review_state": before.review_state, "review_note": before.review_note}),
                )
                .after(json!({"review_state": "returned", "review_note": note}))
                .summary(format!("退回项目“{}”：{note}", before.name)),
        )
        .await?;
        let after = repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn projects(
        &self,
        actor: &Actor,
        filter: &ProjectFilter,
        page: &PageRequest,
    ) -> Result<Page<ProjectListRow>> {
        let mut tx = self.project_read_tx(actor).await?;
        Ok(repo::list(&mut tx, actor.scope(), filter, page).await?)
    }

    pub async fn project(&self, actor: &Actor, id: i64) -> Result<ProjectView> {
        let mut tx = self.project_read_tx(actor).await?;
        let project = repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        let town = RegionCode::parse(&project.town_code)?;
        let town_name = regions::get(&mut tx, actor.scope(), &town)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        Ok(ProjectView {
            plans: repo::plans(&mut tx, id).await?,
            reports: repo::reports_for_project(&mut tx, id).await?,
            photos: repo::photos_for_project(&mut tx, actor.scope(), id).await?,
            comments: repo::comments_for_project(&mut tx, actor.scope(), id).await?,
            can_edit: may_write_projects(actor, &town),
            can_review: may_review(actor, &town),
            can_comment: may_comment(actor, &town),
            town_name,
            project,
        })
    }

    /// The comments on a project, oldest first (404 when the project is out
    /// of scope).
    pub async fn project_comments(&self, actor: &Actor, id: i64) -> Result<Vec<CommentRow>> {
        let mut tx = self.project_read_tx(actor).await?;
        repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        Ok(repo::comments_for_project(&mut tx, actor.scope(), id).await?)
    }

    /// Adds a comment (an office's) or a reply (the town's) to a project's
    /// thread, with its audit entry in the same transaction.
    pub async fn add_project_comment(
        &self,
        actor: &Actor,
        project_id: i64,
        body: &str,
        meta: &RequestMeta,
    ) -> Result<CommentRow> {
        let mut tx = self.project_tx(actor).await?;
        let project = repo::get(&mut tx, actor.scope(), project_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        let town = RegionCode::parse(&project.town_code)?;
        if !may_comment(actor, &town) {
            return Err(ServiceError::forbidden(
                "只有上级美镇办和本乡镇工作人员可以发表意见或回复",
            ));
        }
        let body = validate_comment(body)?;
        let row = repo::insert_comment(
            &mut tx,
            &repo::NewComment {
                project_id,
                town_code: town.as_str(),
                author_id: Some(actor.id).filter(|_| !actor.is_system),
                author_name: &actor.display_name,
                author_role: actor.role.id(),
                body: &body,
            },
            now_ms(),
        )
        .await?;
        let excerpt: String = body
            .chars()
            .take(40)
            .map(|c| if c == '\n' { ' ' } else { c })
            .collect();
        let ellipsis = if body.chars().count() > 40 { "…" } else { "" };
        let verb = if actor.role == Role::TownStaff {
            "回复"
        } else {
            "意见"
        };
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "create",
                "project_comment",
                &row.id.to_string(),
                town.as_str(),
            )
            .after(serde_json::to_value(&row).unwrap_or_default())
            .summary(format!("项目“{}”{verb}：{excerpt}{ellipsis}", project.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Saves a project's report for a month. A month the county accepted is
    /// locked: changing it is a correction and needs a reason.
    pub async fn submit_report(
        &self,
        actor: &Actor,
        project_id: i64,
        month: YearMonth,
        input: &ReportInput,
        meta: &RequestMeta,
    ) -> Result<ReportRow> {
        let mut tx = self.project_tx(actor).await?;
        let project = repo::get(&mut tx, actor.scope(), project_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        let town = RegionCode::parse(&project.town_code)?;
        if !may_write_projects(actor, &town) {
            return Err(ServiceError::forbidden("只有本乡镇工作人员可以填报月报"));
        }
        let (year, m) = (month.year(), i32::try_from(month.month()).unwrap_or(1));
        let reason = input.correction_reason.trim();
        let period = repo::period(&mut tx, town.as_str(), year, m).await?;
        let locked = period.as_ref().is_some_and(|p| p.state == "accepted");
        if locked && reason.is_empty() {
            return Err(ServiceError::invalid(
                "correction_reason",
                format!(
                    "{} 月报已被县美镇办确认锁定，修改须填写更正说明",
                    month.label_zh()
                ),
            ));
        }
        let cumulative = money(
            &input.cumulative_investment,
            "cumulative_investment",
            "累计完成投资",
        )?;
        let status = if input.status.trim().is_empty() {
            ProjectStatus::from_id(&project.status).unwrap_or(ProjectStatus::NotStarted)
        } else {
            ProjectStatus::parse(&input.status)?
        };
        if let Some(p) = input.progress_pct {
            if !(0..=100).contains(&p) {
                return Err(ServiceError::invalid(
                    "progress_pct",
                    "形象进度百分比应在 0 到 100 之间",
                ));
            }
        }
        let reports = repo::reports_for_project(&mut tx, project_id).await?;
        let key = |r: &ReportRow| r.year * 100 + r.month;
        let this_key = year * 100 + m;
        let prev = reports
            .iter()
            .filter(|r| key(r) < this_key)
            .max_by_key(|r| key(r));
        let next = reports
            .iter()
            .filter(|r| key(r) > this_key)
            .min_by_key(|r| key(r));
        let prev_cum = Fen::new(prev.map(|r| r.cumulative_fen).unwrap_or(0));
        check_cumulative(
            prev_cum,
            cumulative,
            Fen::new(project.total_investment_fen),
            Some(reason),
        )?;
        if let Some(n) = next {
            if cumulative.get() > n.cumulative_fen && reason.is_empty() {
                return Err(ServiceError::invalid(
                    "cumulative_investment",
                    format!(
                        "累计完成投资 {} 万元超过之后 {} 年 {} 月已填报的 {} 万元；如需更正，请填写更正说明",
                        cumulative.to_wan_string(2),
                        n.year,
                        n.month,
                        Fen::new(n.cumulative_fen).to_wan_string(2)
                    ),
                ));
            }
        }
        let prev_status = prev
            .and_then(|r| ProjectStatus::from_id(&r.status))
            .unwrap_or(ProjectStatus::NotStarted);
        let dates = project.actual_start.is_some() && project.actual_finish.is_some();
        check_transition(
            prev_status,
            status,
            dates || status != ProjectStatus::Completed,
            Some(reason),
        )?;
        // Cumulative at the end of last year: the base of this year's figure.
        let last_year_cum = reports
            .iter()
            .filter(|r| r.year < year)
            .max_by_key(|r| key(r))
            .map(|r| r.cumulative_fen)
            .unwrap_or(0);
        let existing = reports.iter().find(|r| key(r) == this_key).cloned();
        let fields = ReportFields {
            month_fen: cumulative.get() - prev_cum.get(),
            cumulative_fen: cumulative.get(),
            year_cumulative_fen: cumulative.get() - last_year_cum,
            status: status.id().into(),
            progress_text: text(&input.progress_text, "progress_text", "形象进度", 500)?,
            progress_pct: input.progress_pct,
            problems: text(&input.problems, "problems", "存在问题", 2000)?,
            correction_reason: reason.to_owned(),
        };
        let now = now_ms();
        let report_id = repo::upsert_report(
            &mut tx,
            project_id,
            town.as_str(),
            year,
            m,
            &fields,
            Some(actor.id),
            now,
        )
        .await?;
        // The next month's "this month" figure follows from the new cumulative.
        if let Some(n) = next {
            let mut nf = ReportFields {
                month_fen: n.cumulative_fen - cumulative.get(),
                cumulative_fen: n.cumulative_fen,
                year_cumulative_fen: n.year_cumulative_fen,
                status: n.status.clone(),
                progress_text: n.progress_text.clone(),
                progress_pct: n.progress_pct,
                problems: n.problems.clone(),
                correction_reason: n.correction_reason.clone(),
            };
            if n.year == year {
                nf.year_cumulative_fen = n.cumulative_fen - last_year_cum;
            }
            repo::upsert_report(
                &mut tx,
                project_id,
                town.as_str(),
                n.year,
                n.month,
                &nf,
                n.submitted_by,
                n.updated_at,
            )
            .await?;
        }
        // The project carries its latest reported state.
        if next.is_none() {
            let mut pf = fields_of(&project);
            pf.status = status.id().into();
            if !fields.progress_text.is_empty() {
                pf.progress_text = fields.progress_text.clone();
            }
            if fields.progress_pct.is_some() {
                pf.progress_pct = fields.progress_pct;
            }
            repo::update(&mut tx, project_id, &pf, now).await?;
        }
        if period.is_none() {
            repo::set_period(
                &mut tx,
                town.as_str(),
                year,
                m,
                "open",
                None,
                None,
                None,
                "",
            )
            .await?;
        }
        recompute_town_year(&mut tx, town.as_str(), year).await?;
        if next.is_some_and(|n| n.year != year) {
            recompute_town_year(&mut tx, town.as_str(), year + 1).await?;
        }
        let summary = if locked {
            format!(
                "更正 {} 项目“{}”月报：{reason}",
                month.label_zh(),
                project.name
            )
        } else {
            format!("填报 {} 项目“{}”月报", month.label_zh(), project.name)
        };
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(if existing.is_some() { "update" } else { "create" }, "monthly_report", &report_id.to_string(), town.as_str())
                .before(existing.as_ref().map(|r| serde_json::to_value(r).unwrap_or_default()).unwrap_or(serde_json::Value::Null))
                .after(json!({"cumulative_fen": fields.cumulative_fen, "month_fen": fields.month_fen, "status": fields.status, "progress_text": fields.progress_text, "correction_reason": fields.correction_reason}))
                .summary(summary),
        )
        .await?;
        let row = repo::reports_for_project(&mut tx, project_id)
            .await?
            .into_iter()
            .find(|r| r.id == report_id)
            .ok_or_else(|| ServiceError::not_found("月报"))?;
        tx.commit().await?;
        Ok(row)
    }

    /// The town declares its month complete; the county then reviews it.
    pub async fn submit_month(
        &self,
        actor: &Actor,
        town: &str,
        month: YearMonth,
        meta: &RequestMeta,
    ) -> Result<PeriodRow> {
        let mut tx = self.project_tx(actor).await?;
        let (town, name) = Self::town_in_scope(&mut tx, actor, town).await?;
        if !may_write_projects(actor, &town) {
            return Err(ServiceError::forbidden("只有本乡镇工作人员可以提交月报"));
        }
        let (y, m) = (month.year(), i32::try_from(month.month()).unwrap_or(1));
        let current = repo::period(&mut tx, town.as_str(), y, m).await?;
        if current.as_ref().is_some_and(|p| p.state == "accepted") {
            return Err(ServiceError::Conflict(format!(
                "{name} {} 月报已确认锁定",
                month.label_zh()
            )));
        }
        let now = now_ms();
        repo::set_period(
            &mut tx,
            town.as_str(),
            y,
            m,
            "submitted",
            Some(now),
            None,
            None,
            "",
        )
        .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "update",
                "reporting_period",
                &format!("{town}/{month}"),
                town.as_str(),
            )
            .before(json!({"state": current.as_ref().map(|p| p.state.clone())}))
            .after(json!({"state": "submitted"}))
            .summary(format!("{name} 提交 {} 月报", month.label_zh())),
        )
        .await?;
        let p = repo::period(&mut tx, town.as_str(), y, m)
            .await?
            .ok_or_else(|| ServiceError::not_found("填报期"))?;
        tx.commit().await?;
        Ok(p)
    }

    /// The county accepts (locks) or returns a town's month.
    pub async fn review_month(
        &self,
        actor: &Actor,
        town: &str,
        month: YearMonth,
        accept: bool,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<PeriodRow> {
        let note = text(note, "note", "审核意见", 500)?;
        if !accept && note.is_empty() {
            return Err(ServiceError::invalid("note", "退回时请填写退回原因"));
        }
        let mut tx = self.project_tx(actor).await?;
        let (town, name) = Self::town_in_scope(&mut tx, actor, town).await?;
        if !may_review(actor, &town) {
            return Err(ServiceError::forbidden("只有上级美镇办可以审核月报"));
        }
        let (y, m) = (month.year(), i32::try_from(month.month()).unwrap_or(1));
        let current = repo::period(&mut tx, town.as_str(), y, m).await?;
        // Only a month the town has submitted can be reviewed.
        if current.as_ref().map(|p| p.state.as_str()) != Some("submitted") {
            return Err(ServiceError::Conflict(format!(
                "{name} {} 月报尚未提交（或已审核），不能{}",
                month.label_zh(),
                if accept { "确认" } else { "退回" }
            )));
        }
        let state = if accept { "accepted" } else { "returned" };
        let now = now_ms();
        repo::set_period(
            &mut tx,
            town.as_str(),
            y,
            m,
            state,
            None,
            Some(now),
            Some(actor.id),
            &note,
        )
        .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "update",
                "reporting_period",
                &format!("{town}/{month}"),
                town.as_str(),
            )
            .before(json!({"state": current.as_ref().map(|p| p.state.clone())}))
            .after(json!({"state": state, "note": note}))
            .summary(format!(
                "{} {name} {} 月报{}",
                if accept { "确认" } else { "退回" },
                month.label_zh(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!("：{note}")
                }
            )),
        )
        .await?;
        let p = repo::period(&mut tx, town.as_str(), y, m)
            .await?
            .ok_or_else(|| ServiceError::not_found("填报期"))?;
        tx.commit().await?;
        Ok(p)
    }

    /// Towns of a region with their reporting state for a month.
    pub async fn month_overview(
        &self,
        actor: &Actor,
        region: &str,
        month: YearMonth,
        today: chrono::NaiveDate,
    ) -> Result<Vec<TownMonth>> {
        let mut tx = self.project_read_tx(actor).await?;
        let code = RegionCode::parse(region)?;
        regions::get(&mut tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        let (y, m) = (month.year(), i32::try_from(month.month()).unwrap_or(1));
        let figures =
            stats::by_child(&mut tx, Source::Live, actor.scope(), region, 9, y, m).await?;
        let periods: BTreeMap<String, PeriodRow> =
            repo::periods_for_month(&mut tx, actor.scope(), region, y, m)
                .await?
                .into_iter()
                .map(|p| (p.town_code.clone(), p))
                .collect();
        let towns = regions::search(
            &mut tx,
            actor.scope(),
            "",
            Some(Level::Town),
            &PageRequest::new(Some(1), Some(meizhen_domain::page::MAX_PER_PAGE)),
        )
        .await?;
        let names: BTreeMap<String, String> = towns
            .items
            .into_iter()
            .filter(|t| t.code.starts_with(region))
            .map(|t| (t.code, t.name))
            .collect();
        let window = ReportingWindow::new(self.config().report_due_day).unwrap_or_default();
        let mut out = Vec::new();
        for (town, f) in figures {
            if f.projects == 0 {
                continue;
            }
            let p = periods.get(&town);
            let submitted_on = p
                .and_then(|p| p.submitted_at)
                .and_then(meizhen_domain::time::to_shanghai)
                .map(|t| t.date_naive());
            let state = window.status(month, submitted_on, today);
            out.push(TownMonth {
                name: names.get(&town).cloned().unwrap_or_default(),
                town_code: town,
                projects: f.projects,
                reports_submitted: f.reports_submitted,
                period_state: p.map(|p| p.state.clone()).unwrap_or_else(|| "open".into()),
                review_note: p.map(|p| p.review_note.clone()).unwrap_or_default(),
                report_state: state.id().into(),
                report_state_label: state.label().into(),
                due_date: window.due_date(month).format("%Y-%m-%d").to_string(),
            });
        }
        Ok(out)
    }
}

/// One town's month on the county's reporting overview.
#[derive(Debug, Clone, Serialize)]
pub struct TownMonth {
    pub town_code: String,
    pub name: String,
    pub projects: i64,
    pub reports_submitted: i64,
    /// open / submitted / accepted / returned
    pub period_state: String,
    pub review_note: String,
    /// not_due / missing / late / on_time
    pub report_state: String,
    pub report_state_label: String,
    pub due_date: String,
}

pub(crate) fn fields_of(p: &ProjectRow) -> ProjectFields {
    ProjectFields {
        code: p.code.clone(),
        name: p.name.clone(),
        pillar: p.pillar.clone(),
        basic_facility: p.basic_facility.clone(),
        is_key: p.is_key,
        content: p.content.clone(),
        owner_unit: p.owner_unit.clone(),
        responsible_person: p.responsible_person.clone(),
        funding_sources: p.funding_sources.clone(),
        total_investment_fen: p.total_investment_fen,
        planned_start: p.planned_start.clone(),
        planned_finish: p.planned_finish.clone(),
        actual_start: p.actual_start.clone(),
        actual_finish: p.actual_finish.clone(),
        status: p.status.clone(),
        progress_text: p.progress_text.clone(),
        progress_pct: p.progress_pct,
        land_acquired_centimu: p.land_acquired_centimu,
        land_transferred_centimu: p.land_transferred_centimu,
        graves_moved: p.graves_moved,
        households_relocated: p.households_relocated,
        problems: p.problems.clone(),
    }
}

/// Recomputes a town's live figures for the 12 months of a year from its
/// projects and reports. Cheap (one town's rows), so every write calls it
/// and region figures never rescan reports.
pub(crate) async fn recompute_town_year(tx: &mut Tx, town: &str, year: i32) -> Result<()> {
    let projects = repo::town_year_projects(tx, town, year).await?;
    let reports = repo::reports_for_town_until(tx, town, year, 12).await?;
    let now = now_ms();
    for month in 1..=12 {
        let f = town_figures(&projects, &reports, year, month);
        stats::put(tx, Source::Live, town, year, month, &f, now).await?;
    }
    Ok(())
}

/// The figures of one town as of the end of a month. A project belongs to a
/// year when it has a plan for it; its status as of the month is that of its
/// latest report up to then (or its recorded status if it never reported);
/// this year's completed investment comes from the latest report of the
/// year. Counting rules are the domain's (`ProjectCounts::of_project`).
pub fn town_figures(
    projects: &[meizhen_storage::repo::projects::ProjectYearRow],
    reports: &[ReportRow],
    year: i32,
    month: i32,
) -> Figures {
    let key = year * 100 + month;
    let as_of = YearMonth::new(year, u32::try_from(month).unwrap_or(1))
        .unwrap_or_else(|| YearMonth::from_date(chrono::NaiveDate::MIN));
    let ym = |d: &Option<String>| {
        d.as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(YearMonth::from_date)
    };
    let mut f = Figures::default();
    for p in projects {
        let mine = || reports.iter().filter(|r| r.project_id == p.id);
        let latest = mine()
            .filter(|r| r.year * 100 + r.month <= key)
            .max_by_key(|r| r.year * 100 + r.month);
        let status = match latest {
            Some(r) => r.status.as_str(),
            None if mine().next().is_some() => "not_started",
            None => p.status.as_str(),
        };
        let facts = ProjectFacts {
            status: ProjectStatus::from_id(status).unwrap_or(ProjectStatus::NotStarted),
            planned_start: ym(&p.planned_start),
            planned_finish: ym(&p.planned_finish),
            total_investment: Fen::new(p.total_investment_fen),
            planned_investment: Fen::new(p.planned_investment_fen),
            completed_investment: Fen::new(
                latest
                    .filter(|r| r.year == year)
                    .map(|r| r.year_cumulative_fen)
                    .unwrap_or(0),
            ),
        };
        let c = ProjectCounts::of_project(&facts, as_of);
        f.projects += i64::from(c.projects);
        f.not_started += i64::from(c.not_started);
        f.started += i64::from(c.started);
        f.completed += i64::from(c.completed);
        f.planned_to_start += i64::from(c.planned_to_start);
        f.planned_to_complete += i64::from(c.planned_to_complete);
        f.total_investment_fen += c.total_investment.get();
        f.planned_investment_fen += c.planned_investment.get();
        f.completed_investment_fen += c.completed_investment.get();
        f.reports_expected += 1;
        if mine().any(|r| r.year == year && r.month == month) {
            f.reports_submitted += 1;
        }
    }
    f
}

/// Region figures as the domain's counts, for rates.
pub fn counts_of(f: &Figures) -> ProjectCounts {
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    ProjectCounts {
        projects: n(f.projects),
        not_started: n(f.not_started),
        started: n(f.started),
        completed: n(f.completed),
        planned_to_start: n(f.planned_to_start),
        planned_to_complete: n(f.planned_to_complete),
        total_investment: Fen::new(f.total_investment_fen),
        planned_investment: Fen::new(f.planned_investment_fen),
        completed_investment: Fen::new(f.completed_investment_fen),
    }
}
