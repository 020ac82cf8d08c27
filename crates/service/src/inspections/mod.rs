//! 暗访督查: the checklist, secret rounds, field findings, publication.
//! Rectification, rankings, the quarterly assessment and the notice have their
//! own files beside this one.
//!
//! Who may do what:
//! - province and city offices (and admins) edit their checklist; the version
//!   in force is the office's own, else the nearest office above's, else the
//!   shipped default (written as the province's version 1 on first use);
//! - province, city and county offices create rounds for towns in their
//!   region, draw samples, assign inspectors and publish; the round is theirs
//!   (`owner_code` = their region) and stays invisible to everyone below until
//!   published (see `meizhen_storage::repo::inspections` for the one filter);
//! - an inspector records findings only in their own assignments, and never in
//!   a town of their own region (三不: no one inspects their own county);
//! - after publication towns answer their rectification tasks and the county
//!   verifies them (rectification.rs).
//!
//! Audit entries of a secret round carry the owner's region, so the audit log
//! of an inspected county shows nothing of it either.

mod assessment;
mod notice;
mod quarter_notice;
mod ranking;
mod rectification;

pub use assessment::*;
pub use notice::*;
pub use quarter_notice::*;
pub use ranking::*;
pub use rectification::*;

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use chrono::NaiveDate;
use meizhen_domain::inspection::{
    default_catalogue, gps_flag, reference_point, sample_towns, Catalogue, Fix, Points, Quarter,
    SampleSize, Severity,
};
use meizhen_domain::{Level, RegionCode, RegionScope, Role};
use meizhen_storage::repo::inspections::{self as repo, NewFinding, NewFindingPhoto, Viewer};
pub use meizhen_storage::repo::inspections::{
    ChecklistRow, FindingFilter, FindingPhotoRow, FindingRow, InspectionRow, NoticeText,
    RoundFilter, RoundListRow, RoundRow,
};
use meizhen_storage::repo::users;
use meizhen_storage::{now_ms, regions, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The viewer every read of this module goes through.
pub(crate) fn viewer(actor: &Actor) -> Viewer<'_> {
    Viewer {
        scope: actor.scope(),
        user_id: actor.id,
        inspector: actor.role == Role::Inspector,
    }
}

/// Reads the service makes for itself after checking visibility (ranks over
/// a whole published round, recomputing scores).
pub(crate) struct Whole(RegionScope);

impl Whole {
    pub(crate) fn new() -> Whole {
        Whole(RegionScope::new(RegionCode::zhejiang(), None))
    }
    pub(crate) fn viewer(&self) -> Viewer<'_> {
        Viewer {
            scope: &self.0,
            user_id: 0,
            inspector: false,
        }
    }
}

/// May create and run rounds (their region is the owner).
pub fn may_run_rounds(actor: &Actor) -> bool {
    actor.role == Role::Admin || actor.role.is_office()
}

/// May edit the checklist of their region.
pub fn may_edit_checklist(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Admin | Role::ProvinceOffice | Role::CityOffice
    )
}

/// The owner office (or one above it) of a round.
pub(crate) fn owns(actor: &Actor, round: &RoundRow) -> bool {
    may_run_rounds(actor) && round.owner_code.starts_with(actor.region.as_str())
}

pub(crate) fn today() -> NaiveDate {
    meizhen_domain::time::to_shanghai(now_ms())
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

fn parse_day(s: &str, field: &'static str, label: &str) -> Result<NaiveDate> {
    let t = meizhen_domain::text::to_half_width(s.trim());
    let (y, m, d) = meizhen_domain::project::parse_date_loose(&t)
        .map_err(|e| ServiceError::invalid(field, format!("{label}：{}", e.message)))?;
    let d = d.ok_or_else(|| ServiceError::invalid(field, format!("{label}应写到日")))?;
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| ServiceError::invalid(field, format!("{label}“{s}”不存在")))
}

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

/// Region names for a set of codes.
pub(crate) async fn names(
    tx: &mut Tx,
    codes: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, String>> {
    let set: BTreeSet<String> = codes.into_iter().collect();
    let parsed: Vec<RegionCode> = set
        .iter()
        .filter_map(|c| RegionCode::parse(c).ok())
        .collect();
    let mut out = BTreeMap::new();
    for chunk in parsed.chunks(500) {
        out.extend(regions::names(tx, chunk).await?);
    }
    Ok(out)
}

/// The parsed catalogue of a checklist version.
pub(crate) fn parse_catalogue(row: &ChecklistRow) -> Result<Catalogue> {
    serde_json::from_str(&row.body).map_err(|e| {
        tracing::error!(checklist = row.id, error = %e, "stored checklist unreadable");
        ServiceError::Conflict("检查标准数据损坏，请联系管理员".into())
    })
}

/// The checklist in force for `region`: its own latest version, else the
/// nearest region above's; the default is written at the province when no
/// version exists yet.
pub(crate) async fn checklist_in_force(tx: &mut Tx, region: &RegionCode) -> Result<ChecklistRow> {
    for code in region.lineage().iter().rev() {
        if let Some(row) = repo::checklist_versions(tx, code.as_str())
            .await?
            .into_iter()
            .next()
        {
            return Ok(row);
        }
    }
    let body = serde_json::to_string(&default_catalogue())
        .map_err(|_| ServiceError::Conflict("默认检查标准无法保存".into()))?;
    let (id, _) = repo::insert_checklist(tx, "33", &body, DEFAULT_NOTE, None, now_ms()).await?;
    repo::checklist(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("检查标准不存在".into()))
}

/// The province's checklist (the default on a fresh database), for the generator.
pub(crate) async fn checklist_in_force_for_generator(tx: &mut Tx) -> Result<(i64, Catalogue)> {
    let row = checklist_in_force(tx, &RegionCode::zhejiang()).await?;
    Ok((row.id, parse_catalogue(&row)?))
}

/// What the UI says of the shipped catalogue.
pub const DEFAULT_NOTE: &str =
    "系统默认检查标准（依据小城镇环境和风貌管理规范的类别整理，可由省、市美镇办编辑）";

/// A checklist as the catalogue page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistView {
    pub region_code: String,
    pub region_name: String,
    /// The version in force for the region (maybe an office above's).
    pub current: ChecklistRow,
    pub catalogue: Catalogue,
    pub inherited: bool,
    /// This region's own versions, newest first.
    pub versions: Vec<ChecklistRow>,
    pub can_edit: bool,
}

/// A round in a list or on its page, with names.
#[derive(Debug, Clone, Serialize)]
pub struct RoundView {
    pub round: RoundRow,
    pub owner_name: String,
    pub quarter_label: String,
    pub checklist: Catalogue,
    pub checklist_version: i32,
    pub inspections: Vec<InspectionLine>,
    /// May edit the plan and publish.
    pub can_manage: bool,
}

/// An inspection with the names a page shows.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionLine {
    #[serde(flatten)]
    pub row: InspectionRow,
    pub town_name: String,
    pub county_code: String,
    pub county_name: String,
    pub inspector_name: Option<String>,
}

/// A new round as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RoundInput {
    pub name: String,
    /// "2020Q3", "2020年第三季度" …
    pub quarter: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Towns by hand (codes). Ignored when `sample` is given.
    pub towns: Vec<String>,
    pub sample: Option<SampleInput>,
}

/// A random sample stratified by county.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SampleInput {
    pub size: SampleSize,
    pub seed: u64,
    /// Counties to draw from (all of the owner's when empty).
    #[serde(default)]
    pub counties: Vec<String>,
}

/// A finding as sent by the phone or the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FindingInput {
    /// Made by the phone (UUID): the same id sent twice is one finding.
    pub client_id: String,
    pub item_code: String,
    /// Optional; when given it must be the catalogue's deduction.
    pub deduction: Option<String>,
    pub place: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// When the problem was seen, ms since the epoch (the phone's clock, sent
    /// later when offline); now when absent.
    pub found_at: Option<i64>,
    pub note: String,
}

/// A photo as uploaded.
pub struct PhotoUpload {
    pub bytes: Vec<u8>,
    pub caption: String,
}

/// A logged correction of a finding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CorrectionInput {
    pub item_code: String,
    pub place: String,
    pub note: String,
    pub reason: String,
}

/// A finding with its photos and names, for pages and the API.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    #[serde(flatten)]
    pub row: FindingRow,
    pub town_name: String,
    pub photos: Vec<FindingPhotoRow>,
    pub overdue: bool,
}

fn client_id_ok(s: &str) -> bool {
    (8..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn micro(v: f64) -> Option<i64> {
    v.is_finite().then(|| (v * 1e6).round() as i64)
}

impl Services {
    // -----------------------------------------------------------------------
    // Checklist

    /// The checklist in force for `region` (the caller's own when `None`).
    pub async fn checklist(&self, actor: &Actor, region: Option<&str>) -> Result<ChecklistView> {
        require_password_changed(actor)?;
        let region = match region {
            Some(r) => RegionCode::parse(r)?,
            None => actor.region.clone(),
        };
        // The office level that owns checklists: the caller's province or city.
        let region = region
            .ancestor_at(Level::City)
            .unwrap_or_else(RegionCode::zhejiang);
        let mut tx = self.db().begin().await?;
        let current = checklist_in_force(&mut tx, &region).await?;
        let versions = repo::checklist_versions(&mut tx, region.as_str()).await?;
        let region_name = names(&mut tx, [region.to_string()])
            .await?
            .remove(region.as_str())
            .unwrap_or_default();
        tx.commit().await?;
        Ok(ChecklistView {
            catalogue: parse_catalogue(&current)?,
            inherited: current.region_code != region.as_str(),
            can_edit: may_edit_checklist(actor) && actor.region == region,
            region_code: region.to_string(),
            region_name,
            current,
            versions,
        })
    }

    /// Saves a new version of the caller's office's checklist.
    pub async fn save_checklist(
        &self,
        actor: &Actor,
        catalogue: &Catalogue,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<ChecklistRow> {
        require_password_changed(actor)?;
        if !may_edit_checklist(actor) {
            return Err(ServiceError::forbidden("只有省、市美镇办可以编辑检查标准"));
        }
        catalogue.validate()?;
        let note = text(note, "note", "修订说明", 200)?;
        let body = serde_json::to_string(catalogue)
            .map_err(|_| ServiceError::invalid("catalogue", "检查标准无法保存"))?;
        let region = actor.region.to_string();
        let mut tx = self.db().begin().await?;
        let before = checklist_in_force(&mut tx, &actor.region).await?;
        let (id, version) =
            repo::insert_checklist(&mut tx, &region, &body, &note, Some(actor.id), now_ms())
                .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "checklist", &id.to_string(), &region)
                .before(serde_json::from_str(&before.body).unwrap_or_default())
                .after(serde_json::to_value(catalogue).unwrap_or_default())
                .summary(format!("检查标准修订为第 {version} 版：{note}")),
        )
        .await?;
        let row = repo::checklist(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查标准"))?;
        tx.commit().await?;
        Ok(row)
    }

    // -----------------------------------------------------------------------
    // Rounds

    /// Draws a sample of towns under the caller's region (nothing is written).
    pub async fn draw_sample(
        &self,
        actor: &Actor,
        sample: &SampleInput,
    ) -> Result<Vec<(String, String)>> {
        require_password_changed(actor)?;
        if !may_run_rounds(actor) {
            return Err(ServiceError::forbidden("只有美镇办可以安排暗访"));
        }
        let mut tx = self.db().begin_read().await?;
        let towns = regions::towns_under(&mut tx, &actor.region).await?;
        let picked = draw(&actor.region, &towns, sample)?;
        Ok(towns
            .into_iter()
            .filter(|(c, _)| picked.contains(c))
            .collect())
    }

    /// Creates a secret round with its towns.
    pub async fn create_round(
        &self,
        actor: &Actor,
        input: &RoundInput,
        meta: &RequestMeta,
    ) -> Result<RoundRow> {
        self.create_round_at(actor, input, meta, now_ms()).await
    }

    /// [`Services::create_round`] as of `now` (the demo sets up past rounds).
    pub(crate) async fn create_round_at(
        &self,
        actor: &Actor,
        input: &RoundInput,
        meta: &RequestMeta,
        now: i64,
    ) -> Result<RoundRow> {
        require_password_changed(actor)?;
        if !may_run_rounds(actor) {
            return Err(ServiceError::forbidden("只有美镇办可以安排暗访"));
        }
        if actor.region.level() == Level::Town {
            return Err(ServiceError::forbidden("乡镇不能安排暗访"));
        }
        let name = text(&input.name, "name", "轮次名称", 60)?;
        if name.is_empty() {
            return Err(ServiceError::invalid(
                "name",
                "请填写轮次名称，如“2020年第三季度暗访”",
            ));
        }
        let quarter = Quarter::parse(&input.quarter)?;
        let starts = parse_day(&input.starts_on, "starts_on", "开始日期")?;
        let ends = parse_day(&input.ends_on, "ends_on", "结束日期")?;
        if ends < starts {
            return Err(ServiceError::invalid("ends_on", "结束日期不能早于开始日期"));
        }
        let mut tx = self.db().begin().await?;
        let available = regions::towns_under(&mut tx, &actor.region).await?;
        let towns: Vec<String> = match &input.sample {
            Some(s) => draw(&actor.region, &available, s)?,
            None => {
                let known: BTreeSet<&str> = available.iter().map(|(c, _)| c.as_str()).collect();
                let mut chosen = BTreeSet::new();
                for t in &input.towns {
                    let t = t.trim();
                    if !known.contains(t) {
                        return Err(ServiceError::invalid(
                            "towns",
                            format!("乡镇“{t}”不在本级管辖范围内"),
                        ));
                    }
                    chosen.insert(t.to_owned());
                }
                chosen.into_iter().collect()
            }
        };
        if towns.is_empty() {
            return Err(ServiceError::invalid("towns", "请至少选择一个乡镇"));
        }
        let checklist = checklist_in_force(&mut tx, &actor.region).await?;
        let catalogue = parse_catalogue(&checklist)?;
        let (rule, seed) = match &input.sample {
            Some(s) => (
                Some(serde_json::to_string(s).unwrap_or_default()),
                Some(i64::from_ne_bytes(s.seed.to_ne_bytes())),
            ),
            None => (None, None),
        };
        let starts_s = starts.format("%Y-%m-%d").to_string();
        let ends_s = ends.format("%Y-%m-%d").to_string();
        let id = repo::insert_round(
            &mut tx,
            &repo::NewRound {
                owner_code: actor.region.as_str(),
                name: &name,
                year: quarter.year,
                quarter: i32::try_from(quarter.q).unwrap_or(1),
                checklist_id: checklist.id,
                starts_on: &starts_s,
                ends_on: &ends_s,
                sample_rule: rule,
                sample_seed: seed,
            },
            Some(actor.id),
            now,
        )
        .await?;
        for t in &towns {
            repo::insert_inspection(&mut tx, id, t, None, None, catalogue.base.0).await?;
        }
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "round", &id.to_string(), actor.region.as_str())
                .after(json!({
                    "name": name, "quarter": quarter.id(), "starts_on": starts_s, "ends_on": ends_s,
                    "towns": towns, "sample": input.sample, "checklist_id": checklist.id,
                }))
                .summary(format!("安排暗访“{name}”，{} 个乡镇", towns.len())),
        )
        .await?;
        let row = repo::round(&mut tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("暗访轮次"))?;
        tx.commit().await?;
        Ok(row)
    }

    /// Rounds the caller may see.
    pub async fn rounds(&self, actor: &Actor, filter: &RoundFilter) -> Result<Vec<RoundListRow>> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        Ok(repo::rounds(&mut tx, &viewer(actor), filter).await?)
    }

    /// A round the caller may see, or not found (also when it exists but is
    /// secret from the caller: the same message either way).
    pub(crate) async fn visible_round(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
    ) -> Result<RoundRow> {
        repo::round(tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("暗访轮次"))
    }

    /// A round with the inspections the caller may see.
    pub async fn round_view(&self, actor: &Actor, id: i64) -> Result<RoundView> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        let round = self.visible_round(&mut tx, actor, id).await?;
        let checklist = repo::checklist(&mut tx, round.checklist_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查标准"))?;
        let rows = repo::inspections(&mut tx, &viewer(actor), id).await?;
        let inspections = lines(&mut tx, rows).await?;
        let owner_name = names(&mut tx, [round.owner_code.clone()])
            .await?
            .remove(&round.owner_code)
            .unwrap_or_default();
        let q = Quarter {
            year: round.year,
            q: u32::try_from(round.quarter).unwrap_or(1),
        };
        Ok(RoundView {
            can_manage: owns(actor, &round),
            quarter_label: q.label_zh(),
            checklist: parse_catalogue(&checklist)?,
            checklist_version: checklist.version,
            owner_name,
            round,
            inspections,
        })
    }

    /// Adds towns to a planned round.
    pub async fn add_round_towns(
        &self,
        actor: &Actor,
        round_id: i64,
        towns: &[String],
        meta: &RequestMeta,
    ) -> Result<usize> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin().await?;
        let round = self.managed_planned_round(&mut tx, actor, round_id).await?;
        let owner = RegionCode::parse(&round.owner_code)?;
        let available: BTreeSet<String> = regions::towns_under(&mut tx, &owner)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let existing: BTreeSet<String> = repo::inspections(&mut tx, &viewer(actor), round_id)
            .await?
            .into_iter()
            .map(|i| i.town_code)
            .collect();
        let catalogue = parse_catalogue(
            &repo::checklist(&mut tx, round.checklist_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("检查标准"))?,
        )?;
        let mut added = Vec::new();
        for t in towns {
            let t = t.trim();
            if !available.contains(t) {
                return Err(ServiceError::invalid(
                    "towns",
                    format!("乡镇“{t}”不在本级管辖范围内"),
                ));
            }
            if existing.contains(t) || added.iter().any(|a: &String| a == t) {
                continue;
            }
            repo::insert_inspection(&mut tx, round_id, t, None, None, catalogue.base.0).await?;
            added.push(t.to_owned());
        }
        if !added.is_empty() {
            record(
                &mut tx,
                Some(actor),
                meta,
                Change::new("update", "round", &round_id.to_string(), &round.owner_code)
                    .after(json!({ "added_towns": added }))
                    .summary(format!("暗访“{}”增加 {} 个乡镇", round.name, added.len())),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added.len())
    }

    /// Removes a town (with no findings) from a planned round.
    pub async fn remove_inspection(
        &self,
        actor: &Actor,
        inspection_id: i64,
        meta: &RequestMeta,
    ) -> Result<()> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin().await?;
        let ins = repo::inspection(&mut tx, &viewer(actor), inspection_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
        let round = self
            .managed_planned_round(&mut tx, actor, ins.round_id)
            .await?;
        if repo::delete_inspection(&mut tx, inspection_id).await? == 0 {
            return Err(ServiceError::Conflict(
                "该乡镇已有检查记录，不能移出本轮".into(),
            ));
        }
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "delete",
                "inspection",
                &inspection_id.to_string(),
                &round.owner_code,
            )
            .before(serde_json::to_value(&ins).unwrap_or_default())
            .summary(format!("暗访“{}”移出乡镇 {}", round.name, ins.town_code)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Assigns an inspector (by user id; `None` to clear) and a planned day.
    pub async fn assign_inspector(
        &self,
        actor: &Actor,
        inspection_id: i64,
        inspector: Option<i64>,
        planned_on: &str,
        meta: &RequestMeta,
    ) -> Result<InspectionRow> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin().await?;
        let ins = repo::inspection(&mut tx, &viewer(actor), inspection_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
        let round = self
            .managed_planned_round(&mut tx, actor, ins.round_id)
            .await?;
        let planned = if planned_on.trim().is_empty() {
            None
        } else {
            let d = parse_day(planned_on, "planned_on", "计划检查日期")?;
            Some(d.format("%Y-%m-%d").to_string())
        };
        if let Some(uid) = inspector {
            let user = users::by_id(&mut tx, uid)
                .await?
                .ok_or_else(|| ServiceError::invalid("inspector", "督查人员不存在"))?;
            if user.role != Role::Inspector.id() || user.disabled {
                return Err(ServiceError::invalid(
                    "inspector",
                    "只能指派在用的督查人员账号",
                ));
            }
            if !user.region_code.starts_with(&round.owner_code)
                && !round.owner_code.starts_with(&user.region_code)
            {
                return Err(ServiceError::invalid(
                    "inspector",
                    "只能指派本级或上级的督查人员",
                ));
            }
            if ins.town_code.starts_with(&user.region_code) && user.region_code.len() >= 6 {
                return Err(ServiceError::invalid(
                    "inspector",
                    "督查人员不能检查本县（市、区）的乡镇（三不两直）",
                ));
            }
        }
        repo::assign_inspection(&mut tx, inspection_id, inspector, planned.as_deref()).await?;
        let after = repo::inspection(&mut tx, &viewer(actor), inspection_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "update",
                "inspection",
                &inspection_id.to_string(),
                &round.owner_code,
            )
            .before(json!({ "inspector_id": ins.inspector_id, "planned_on": ins.planned_on }))
            .after(json!({ "inspector_id": after.inspector_id, "planned_on": after.planned_on }))
            .summary(format!("暗访“{}”指派督查人员", round.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn managed_planned_round(&self, tx: &mut Tx, actor: &Actor, id: i64) -> Result<RoundRow> {
        let round = self.visible_round(tx, actor, id).await?;
        if !owns(actor, &round) {
            return Err(ServiceError::forbidden("只有安排该轮暗访的美镇办可以修改"));
        }
        if round.state != "planned" {
            return Err(ServiceError::Conflict(
                "该轮暗访已发布，不能再修改安排".into(),
            ));
        }
        Ok(round)
    }

    /// Publishes a round: scores freeze into the ranking, each finding becomes
    /// a rectification task with its deadline, and the inspected towns and
    /// their offices see it from now on. Publishing twice is refused.
    pub async fn publish_round(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<RoundRow> {
        self.publish_round_on(actor, id, today(), now_ms(), meta)
            .await
    }

    /// [`Services::publish_round`] on day `on` at `now` (deadlines count
    /// from `on`; the demo publishes past rounds).
    pub(crate) async fn publish_round_on(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        now: i64,
        meta: &RequestMeta,
    ) -> Result<RoundRow> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin().await?;
        let round = self.visible_round(&mut tx, actor, id).await?;
        if !owns(actor, &round) {
            return Err(ServiceError::forbidden("只有安排该轮暗访的美镇办可以发布"));
        }
        let on_s = on.format("%Y-%m-%d").to_string();
        if repo::publish_round(&mut tx, id, &on_s, Some(actor.id), now).await? == 0 {
            return Err(ServiceError::Conflict("该轮暗访已经发布过了".into()));
        }
        let days = self.config().rectify_days;
        let mut opened = 0;
        for sev in [Severity::General, Severity::Serious] {
            let deadline = days.deadline(on, sev).format("%Y-%m-%d").to_string();
            opened += repo::open_rectifications(&mut tx, id, sev.id(), &deadline).await?;
        }
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("publish", "round", &id.to_string(), &round.owner_code)
                .before(json!({ "state": round.state }))
                .after(
                    json!({ "state": "published", "published_on": on_s, "rectifications": opened }),
                )
                .summary(format!(
                    "发布暗访结果“{}”，生成整改任务 {opened} 个",
                    round.name
                )),
        )
        .await?;
        let row = self.visible_round(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(row)
    }

    // -----------------------------------------------------------------------
    // Field work

    /// The caller's own assignments (inspectors), with names.
    pub async fn my_assignments(&self, actor: &Actor) -> Result<Vec<(RoundRow, InspectionLine)>> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        let rows = repo::assignments(&mut tx, actor.id).await?;
        let mut out = Vec::new();
        let mut rounds: BTreeMap<i64, RoundRow> = BTreeMap::new();
        for l in lines(&mut tx, rows).await? {
            if !rounds.contains_key(&l.row.round_id) {
                let r = self.visible_round(&mut tx, actor, l.row.round_id).await?;
                rounds.insert(r.id, r);
            }
            if let Some(r) = rounds.get(&l.row.round_id) {
                out.push((r.clone(), l));
            }
        }
        Ok(out)
    }

    /// One inspection with its findings, for the field page.
    pub async fn inspection_view(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(RoundView, InspectionLine, Vec<FindingView>)> {
        require_password_changed(actor)?;
        let (round_id, line) = {
            let mut tx = self.db().begin_read().await?;
            let ins = repo::inspection(&mut tx, &viewer(actor), id)
                .await?
                .ok_or_else(|| ServiceError::not_found("检查任务"))?;
            let line = lines(&mut tx, vec![ins]).await?.remove(0);
            (line.row.round_id, line)
        };
        let round = self.round_view(actor, round_id).await?;
        let findings = self
            .findings(
                actor,
                &FindingFilter {
                    inspection_id: Some(id),
                    ..Default::default()
                },
            )
            .await?;
        Ok((round, line, findings))
    }

    /// Findings the caller may see, with photos.
    pub async fn findings(
        &self,
        actor: &Actor,
        filter: &FindingFilter,
    ) -> Result<Vec<FindingView>> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        let rows = repo::findings(&mut tx, &viewer(actor), filter).await?;
        finding_views(&mut tx, rows).await
    }

    pub async fn finding(&self, actor: &Actor, id: i64) -> Result<FindingView> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        let row = repo::finding(&mut tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        Ok(finding_views(&mut tx, vec![row]).await?.remove(0))
    }

    /// Records a finding from the field. Sending the same `client_id` again
    /// returns the finding already recorded (`false`: nothing new was written).
    pub async fn record_finding(
        &self,
        actor: &Actor,
        inspection_id: i64,
        input: &FindingInput,
        photos: Vec<PhotoUpload>,
        meta: &RequestMeta,
    ) -> Result<(FindingView, bool)> {
        self.record_finding_at(actor, inspection_id, input, photos, meta, now_ms())
            .await
    }

    /// [`Services::record_finding`] received at `now` (`found_at` is checked
    /// against it; the demo records past visits).
    pub(crate) async fn record_finding_at(
        &self,
        actor: &Actor,
        inspection_id: i64,
        input: &FindingInput,
        photos: Vec<PhotoUpload>,
        meta: &RequestMeta,
        now: i64,
    ) -> Result<(FindingView, bool)> {
        require_password_changed(actor)?;
        let client_id = input.client_id.trim();
        if !client_id_ok(client_id) {
            return Err(ServiceError::invalid(
                "client_id",
                "缺少有效的记录编号（client_id，8–64 位字母、数字或连字符）",
            ));
        }
        // Who and where, the re-send check, the catalogue and what the GPS
        // check compares with: all read before any photo is processed and
        // outside the writing transaction, which stays short (on SQLite it
        // holds the database's one write lock).
        //
        // On PostgreSQL without photos the read is the writing transaction's
        // first statement instead, taking the inspection's lock as it reads
        // (the checks then see the current state): one transaction and one
        // pooled connection fewer. SQLite keeps the separate read, so that its
        // one write lock is held only for the writes.
        let locked = photos.is_empty() && matches!(self.db(), Db::Postgres(_));
        let (round, ins, catalogue, known, town_name, held) = {
            let mut tx = if locked {
                self.db().begin().await?
            } else {
                self.db().begin_read().await?
            };
            // One query: the inspection (if the caller may see it), its round,
            // the checklist, a finding already sent with this id, the town's
            // name and, with a position, the town's recent positions.
            let with_gps = input.lat.is_some() && input.lon.is_some();
            let ctx = repo::field_context(
                &mut tx,
                &viewer(actor),
                inspection_id,
                client_id,
                with_gps,
                locked,
            )
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
            let (round, ins) = (ctx.round, ctx.inspection);
            field_check(actor, &round, &round.state, ins.inspector_id)?;
            if ctx.existing.is_some() {
                let existing = repo::finding_by_client(&mut tx, inspection_id, client_id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("问题"))?;
                let view = finding_views(&mut tx, vec![existing]).await?.remove(0);
                return Ok((view, false));
            }
            let catalogue = parse_catalogue(
                &ctx.checklist
                    .ok_or_else(|| ServiceError::not_found("检查标准"))?,
            )?;
            // A position recorded meanwhile by a colleague is not needed:
            // the reference is the median of the town's recent positions.
            let known: Vec<Fix> = ctx
                .fixes
                .into_iter()
                .filter_map(|(a, b)| Fix::new(a, b).ok())
                .collect();
            (
                round,
                ins,
                catalogue,
                known,
                ctx.town_name.unwrap_or_default(),
                locked.then_some(tx),
            )
        };
        let (area, item) = catalogue.item(input.item_code.trim()).ok_or_else(|| {
            ServiceError::invalid(
                "item_code",
                format!("检查项“{}”不在本轮检查标准中", input.item_code.trim()),
            )
        })?;
        if let Some(d) = input.deduction.as_deref().filter(|d| !d.trim().is_empty()) {
            let given =
                Points::parse(d).map_err(|e| ServiceError::invalid("deduction", e.message))?;
            if given != item.deduction {
                return Err(ServiceError::invalid(
                    "deduction",
                    format!(
                        "“{}”每处扣 {} 分（按检查标准），不能扣 {given} 分",
                        item.name, item.deduction
                    ),
                ));
            }
        }
        let place = text(&input.place, "place", "问题地点", 200)?;
        if place.is_empty() {
            return Err(ServiceError::invalid("place", "请填写问题地点"));
        }
        let note = text(&input.note, "note", "问题描述", 1000)?;
        let fix = match (input.lat, input.lon) {
            (Some(lat), Some(lon)) => match (micro(lat), micro(lon)) {
                (Some(a), Some(b)) => Some(Fix::new(a, b)?),
                _ => return Err(ServiceError::invalid("gps", "GPS 坐标无效")),
            },
            (None, None) => None,
            _ => return Err(ServiceError::invalid("gps", "GPS 坐标应同时有纬度和经度")),
        };
        let found_at = input.found_at.unwrap_or(now);
        if found_at > now + 10 * 60 * 1000 || found_at < now - 366 * 24 * 3600 * 1000 {
            return Err(ServiceError::invalid(
                "found_at",
                "发现时间不合理，请检查手机时间",
            ));
        }
        if photos.len() > 9 {
            return Err(ServiceError::invalid("photos", "每个问题最多 9 张照片"));
        }
        let flag = fix
            .and_then(|f| gps_flag(f, reference_point(&known)))
            .unwrap_or_default();
        let mut stored = Vec::new();
        for p in photos {
            let caption = text(&p.caption, "caption", "照片说明", 200)?;
            stored.push((self.store_photo_bytes(p.bytes, "photos").await?, caption));
        }

        let mut tx = match held {
            // Read, locked and checked above in this transaction.
            Some(tx) => tx,
            None => {
                let mut tx = self.db().begin().await?;
                // Again inside the writing transaction, with one small read:
                // publication or a new assignment may have happened meanwhile.
                let (state, inspector) = repo::field_state(&mut tx, inspection_id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("检查任务"))?;
                field_check(actor, &round, &state, inspector)?;
                tx
            }
        };
        let inserted = repo::insert_finding(
            &mut tx,
            &NewFinding {
                inspection_id,
                round_id: round.id,
                town_code: &ins.town_code,
                client_id,
                area_code: &area.code,
                area_name: &area.name,
                item_code: &item.code,
                item_name: &item.name,
                severity: item.severity.id(),
                deduction: item.deduction.0,
                place: &place,
                lat_e6: fix.map(|f| f.lat_e6),
                lon_e6: fix.map(|f| f.lon_e6),
                gps_flag: &flag,
                found_at,
                note: &note,
            },
            Some(actor.id),
            now,
        )
        .await?;
        let Some(row) = inserted else {
            // The same finding, re-sent while the first was being written.
            drop(tx);
            let mut tx = self.db().begin_read().await?;
            let existing = repo::finding_by_client(&mut tx, inspection_id, client_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("问题"))?;
            let view = finding_views(&mut tx, vec![existing]).await?.remove(0);
            return Ok((view, false));
        };
        let id = row.id;
        for (s, caption) in &stored {
            repo::insert_photo(
                &mut tx,
                &NewFindingPhoto {
                    finding_id: id,
                    round_id: round.id,
                    town_code: &ins.town_code,
                    kind: "before",
                    sha256: &s.sha256,
                    content_type: s.content_type,
                    bytes: s.bytes,
                    width: s.width,
                    height: s.height,
                    taken_at: s.taken_at.clone(),
                    lat_e6: s.lat_e6,
                    lon_e6: s.lon_e6,
                    caption,
                },
                Some(actor.id),
                now,
            )
            .await?;
        }
        rescore(&mut tx, &catalogue, inspection_id).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "finding", &id.to_string(), &round.owner_code)
                .after(json!({
                    "inspection_id": inspection_id, "town": ins.town_code, "item": item.code,
                    "deduction": item.deduction.to_string(), "place": place, "lat_e6": fix.map(|f| f.lat_e6),
                    "lon_e6": fix.map(|f| f.lon_e6), "gps_flag": flag, "note": note, "photos": stored.len(),
                }))
                .summary(format!("记录问题：{}（扣 {} 分）", item.name, item.deduction)),
        )
        .await?;
        tx.commit().await?;
        // The answer: the row as stored; photos are read back only when sent.
        let view = if stored.is_empty() {
            FindingView {
                town_name,
                photos: Vec::new(),
                overdue: false,
                row,
            }
        } else {
            let mut tx = self.db().begin_read().await?;
            finding_views(&mut tx, vec![row]).await?.remove(0)
        };
        Ok((view, true))
    }

    /// The round and inspection a caller may record findings in: their own
    /// assignment (or the owner office), in a round not yet published.
    async fn field_target(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        inspection_id: i64,
    ) -> Result<(RoundRow, InspectionRow)> {
        let ins = repo::inspection(tx, &viewer(actor), inspection_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
        let round = self.visible_round(tx, actor, ins.round_id).await?;
        field_check(actor, &round, &round.state, ins.inspector_id)?;
        Ok((round, ins))
    }

    /// Changes a recorded finding: its item (and so its deduction), place and
    /// note, with a reason kept in the audit log. Before publication the
    /// inspector or the owner office may; after it only the owner office.
    pub async fn correct_finding(
        &self,
        actor: &Actor,
        id: i64,
        input: &CorrectionInput,
        meta: &RequestMeta,
    ) -> Result<FindingView> {
        require_password_changed(actor)?;
        let reason = text(&input.reason, "reason", "更正原因", 200)?;
        if reason.is_empty() {
            return Err(ServiceError::invalid(
                "reason",
                "更正已提交的问题须填写原因",
            ));
        }
        let mut tx = self.db().begin().await?;
        let before = repo::finding(&mut tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        let round = self.visible_round(&mut tx, actor, before.round_id).await?;
        let ins = repo::inspection(&mut tx, &viewer(actor), before.inspection_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
        repo::lock_inspection(&mut tx, ins.id).await?;
        let may =
            owns(actor, &round) || (round.state == "planned" && ins.inspector_id == Some(actor.id));
        if !may {
            return Err(ServiceError::forbidden("无权更正该问题"));
        }
        let catalogue = parse_catalogue(
            &repo::checklist(&mut tx, round.checklist_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("检查标准"))?,
        )?;
        let code = if input.item_code.trim().is_empty() {
            before.item_code.as_str()
        } else {
            input.item_code.trim()
        };
        let (area, item) = catalogue.item(code).ok_or_else(|| {
            ServiceError::invalid("item_code", format!("检查项“{code}”不在本轮检查标准中"))
        })?;
        let place = if input.place.trim().is_empty() {
            before.place.clone()
        } else {
            text(&input.place, "place", "问题地点", 200)?
        };
        let note = text(&input.note, "note", "问题描述", 1000)?;
        repo::correct_finding(
            &mut tx,
            id,
            &repo::FindingCorrection {
                area_code: &area.code,
                area_name: &area.name,
                item_code: &item.code,
                item_name: &item.name,
                severity: item.severity.id(),
                deduction: item.deduction.0,
                place: &place,
                note: &note,
            },
            now_ms(),
        )
        .await?;
        rescore(&mut tx, &catalogue, before.inspection_id).await?;
        let after = repo::finding(&mut tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("correct", "finding", &id.to_string(), &round.owner_code)
                .before(json!({"item": before.item_code, "deduction": before.deduction, "place": before.place, "note": before.note}))
                .after(json!({"item": after.item_code, "deduction": after.deduction, "place": after.place, "note": after.note, "reason": reason}))
                .summary(format!("更正问题（{reason}）")),
        )
        .await?;
        let view = finding_views(&mut tx, vec![after]).await?.remove(0);
        tx.commit().await?;
        Ok(view)
    }

    /// The inspector marks the visit done.
    pub async fn submit_inspection(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<InspectionRow> {
        self.submit_inspection_at(actor, id, meta, now_ms()).await
    }

    /// [`Services::submit_inspection`] at `now`.
    pub(crate) async fn submit_inspection_at(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
        now: i64,
    ) -> Result<InspectionRow> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin().await?;
        let (round, ins) = self.field_target(&mut tx, actor, id).await?;
        if repo::submit_inspection(&mut tx, id, now).await? > 0 {
            record(
                &mut tx,
                Some(actor),
                meta,
                Change::new("submit", "inspection", &id.to_string(), &round.owner_code)
                    .after(
                        json!({ "findings": ins.findings, "score": Points(ins.score).to_string() }),
                    )
                    .summary(format!("完成检查：{}", ins.town_code)),
            )
            .await?;
        }
        let row = repo::inspection(&mut tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查任务"))?;
        tx.commit().await?;
        Ok(row)
    }

    /// A finding photo's bytes, for whoever may see the finding.
    pub async fn finding_photo_file(
        &self,
        actor: &Actor,
        id: i64,
        variant: crate::photos::PhotoVariant,
    ) -> Result<(String, Vec<u8>)> {
        require_password_changed(actor)?;
        let row = {
            let mut tx = self.db().begin_read().await?;
            repo::photo(&mut tx, &viewer(actor), id)
                .await?
                .ok_or_else(|| ServiceError::not_found("照片"))?
        };
        self.read_photo_file(&row.sha256, &row.content_type, variant)
            .await
    }
}

/// Field work is for the assigned inspector (or the owner office), before
/// publication. `state` and `inspector` are read anew by writers.
fn field_check(actor: &Actor, round: &RoundRow, state: &str, inspector: Option<i64>) -> Result<()> {
    if inspector != Some(actor.id) && !owns(actor, round) {
        return Err(ServiceError::forbidden("只有被指派的督查人员可以记录问题"));
    }
    if state != "planned" {
        return Err(ServiceError::Conflict(
            "该轮暗访已发布，问题只能由美镇办更正".into(),
        ));
    }
    Ok(())
}

/// Towns by stratified sample under `owner`.
fn draw(owner: &RegionCode, towns: &[(String, String)], s: &SampleInput) -> Result<Vec<String>> {
    match s.size {
        SampleSize::PerCounty(0) | SampleSize::Percent(0) => {
            return Err(ServiceError::invalid("sample", "抽取数量应大于 0"))
        }
        SampleSize::Percent(p) if p > 100 => {
            return Err(ServiceError::invalid("sample", "抽取比例不能超过 100%"))
        }
        _ => {}
    }
    let wanted: BTreeSet<&str> = s.counties.iter().map(|c| c.trim()).collect();
    let mut by_county: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (code, _) in towns {
        let county = code.get(..6).unwrap_or(code).to_owned();
        if !wanted.is_empty() && !wanted.contains(county.as_str()) {
            continue;
        }
        by_county.entry(county).or_default().push(code.clone());
    }
    for c in &wanted {
        if !c.starts_with(owner.as_str()) || !by_county.contains_key(*c) {
            return Err(ServiceError::invalid(
                "sample",
                format!("县（市、区）“{c}”不在本级管辖范围内"),
            ));
        }
    }
    Ok(sample_towns(&by_county, s.size, s.seed))
}

/// Recomputes an inspection's score, deductions and count from its
/// findings in one statement (summed and capped per area by the database,
/// see `repo::rescore_inspection`). The caller holds the inspection's lock
/// (`repo::field_state` or `repo::lock_inspection`).
pub(crate) async fn rescore(tx: &mut Tx, catalogue: &Catalogue, inspection_id: i64) -> Result<()> {
    let caps: Vec<(&str, i64)> = catalogue
        .areas
        .iter()
        .map(|a| (a.code.as_str(), a.cap.0))
        .collect();
    repo::rescore_inspection(tx, inspection_id, catalogue.base.0, &caps).await?;
    Ok(())
}

/// Inspections with town, county and inspector names.
pub(crate) async fn lines(tx: &mut Tx, rows: Vec<InspectionRow>) -> Result<Vec<InspectionLine>> {
    let codes = rows.iter().flat_map(|r| {
        [
            r.town_code.clone(),
            r.town_code.get(..6).unwrap_or_default().to_owned(),
        ]
    });
    let names = names(tx, codes.collect::<Vec<_>>()).await?;
    let mut inspectors: BTreeMap<i64, String> = BTreeMap::new();
    for id in rows.iter().filter_map(|r| r.inspector_id) {
        if let std::collections::btree_map::Entry::Vacant(e) = inspectors.entry(id) {
            if let Some(u) = users::by_id(tx, id).await? {
                e.insert(u.display_name);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let county = row.town_code.get(..6).unwrap_or_default().to_owned();
            InspectionLine {
                town_name: names.get(&row.town_code).cloned().unwrap_or_default(),
                county_name: names.get(&county).cloned().unwrap_or_default(),
                county_code: county,
                inspector_name: row.inspector_id.and_then(|i| inspectors.get(&i).cloned()),
                row,
            }
        })
        .collect())
}

/// Findings with their photos and town names.
pub(crate) async fn finding_views(tx: &mut Tx, rows: Vec<FindingRow>) -> Result<Vec<FindingView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut photos: BTreeMap<i64, Vec<FindingPhotoRow>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for p in repo::photos_of(tx, chunk).await? {
            photos.entry(p.finding_id).or_default().push(p);
        }
    }
    let names = names(
        tx,
        rows.iter().map(|r| r.town_code.clone()).collect::<Vec<_>>(),
    )
    .await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|row| {
            let overdue = match (&row.rect_state, &row.deadline) {
                (Some(s), Some(d)) => {
                    let state = meizhen_domain::inspection::RectState::from_id(s);
                    let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
                    matches!((state, d), (Some(s), Some(d)) if meizhen_domain::inspection::is_overdue(s, d, today))
                }
                _ => false,
            };
            FindingView {
                town_name: names.get(&row.town_code).cloned().unwrap_or_default(),
                photos: photos.remove(&row.id).unwrap_or_default(),
                overdue,
                row,
            }
        })
        .collect())
}
