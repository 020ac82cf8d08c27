//! 整改: after publication every finding is a rectification task of its town.
//!
//! - The town (its staff, or an administrator) answers with after-photos and
//!   a note: 待整改/退回整改 → 待核查.
//! - The county office (or an office above it, or an administrator) checks
//!   the answer: 待核查 → 已销号, or back to 退回整改 with a reason.
//! - Lists and figures (整改率, 按期整改率, 逾期) cover the published findings
//!   the caller may see, through the one secrecy filter of the repository.
//!
//! A finding the caller may not see is not found, whoever asks: another
//! town's finding is simply not there for a town.

use super::{finding_views, names, text, today, viewer, FindingView, PhotoUpload};
use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use chrono::NaiveDate;
use meizhen_domain::inspection::{RectState, RectStats};
use meizhen_domain::{Level, RegionCode, Role};
use meizhen_storage::repo::inspections::{
    self as repo, FindingFilter, FindingRow, NewFindingPhoto,
};
use meizhen_storage::{now_ms, regions, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Most after-photos one answer may carry.
pub const MAX_AFTER_PHOTOS: usize = 9;
/// Longest note of an answer or a verification.
pub const MAX_RECT_NOTE: usize = 1000;

/// Which rectification tasks to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RectFilter {
    /// Towns under this region.
    pub region: Option<String>,
    /// "open", "submitted", "returned", "closed", or "overdue" (not closed
    /// and past the deadline today).
    pub state: Option<String>,
    pub round_id: Option<i64>,
}

/// Rectification figures of one town, county or city (or of the whole region).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RectLine {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub stats: RectStats,
    /// 整改率: closed / total.
    pub rate: Option<f64>,
    /// 按期整改率: closed with the accepted answer sent by the deadline / total.
    pub on_time_rate: Option<f64>,
}

impl RectLine {
    fn new(code: &str, names: &BTreeMap<String, String>, stats: RectStats) -> RectLine {
        RectLine {
            code: code.to_owned(),
            name: names.get(code).cloned().unwrap_or_default(),
            rate: stats.rate(),
            on_time_rate: stats.on_time_rate(),
            stats,
        }
    }
}

/// 整改情况 of a region: per town, per county, per city and in total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RectSummary {
    pub region: String,
    pub region_name: String,
    pub round_id: Option<i64>,
    /// The day overdue is counted against ('YYYY-MM-DD', Asia/Shanghai).
    pub today: String,
    /// Towns with at least one published finding, by code.
    pub towns: Vec<RectLine>,
    pub counties: Vec<RectLine>,
    pub cities: Vec<RectLine>,
    /// Everything under `region` (code and name of the region itself).
    pub total: RectLine,
}

/// The state of a published finding; a finding without one is not published.
fn state_of(row: &FindingRow) -> Result<RectState> {
    let s = row.rect_state.as_deref().ok_or_else(|| {
        ServiceError::Conflict("该问题所在的暗访结果尚未发布，还没有整改任务".into())
    })?;
    RectState::from_id(s).ok_or_else(|| {
        tracing::error!(finding = row.id, state = s, "unknown rectification state");
        ServiceError::Conflict("整改状态数据有误，请联系管理员".into())
    })
}

/// May answer the tasks of `town`: its own staff, or an administrator.
fn may_answer(actor: &Actor, town: &str) -> bool {
    actor.role == Role::Admin || (actor.role == Role::TownStaff && actor.region.as_str() == town)
}

/// May verify the answers of `town`: an office whose region contains the
/// town's county (county, city, province), or an administrator.
pub fn may_verify(actor: &Actor, town: &str) -> bool {
    actor.role == Role::Admin
        || (actor.role.is_office()
            && actor.region.level() <= Level::County
            && town.starts_with(actor.region.as_str()))
}

impl Services {
    /// The town's answer to a rectification task: after-photos (1 to 9) and
    /// a note. The task goes to 待核查.
    pub async fn answer_rectification(
        &self,
        actor: &Actor,
        finding_id: i64,
        note: &str,
        photos: Vec<PhotoUpload>,
        meta: &RequestMeta,
    ) -> Result<FindingView> {
        self.answer_rectification_at(actor, finding_id, note, photos, meta, now_ms())
            .await
    }

    /// [`Services::answer_rectification`] at `now` (the demo answers past tasks).
    pub(crate) async fn answer_rectification_at(
        &self,
        actor: &Actor,
        finding_id: i64,
        note: &str,
        photos: Vec<PhotoUpload>,
        meta: &RequestMeta,
        now: i64,
    ) -> Result<FindingView> {
        require_password_changed(actor)?;
        // Who and what first: nothing is decoded for a caller who may not answer.
        {
            let mut tx = self.db().begin_read().await?;
            let row = self.answerable(&mut tx, actor, finding_id).await?;
            state_of(&row)?.submit()?;
        }
        let note = text(note, "note", "整改说明", MAX_RECT_NOTE)?;
        if note.is_empty() {
            return Err(ServiceError::invalid("note", "请填写整改说明"));
        }
        if photos.is_empty() {
            return Err(ServiceError::invalid("photos", "请上传至少一张整改后照片"));
        }
        if photos.len() > MAX_AFTER_PHOTOS {
            return Err(ServiceError::invalid(
                "photos",
                format!("每次最多上传 {MAX_AFTER_PHOTOS} 张整改后照片"),
            ));
        }
        let mut captions = Vec::with_capacity(photos.len());
        for p in &photos {
            captions.push(text(&p.caption, "caption", "照片说明", 200)?);
        }
        let mut stored = Vec::with_capacity(photos.len());
        for (p, caption) in photos.into_iter().zip(captions) {
            stored.push((self.store_photo_bytes(p.bytes, "photos").await?, caption));
        }

        let mut tx = self.db().begin().await?;
        // Again inside the writing transaction: the county may have acted meanwhile.
        let before = self.answerable(&mut tx, actor, finding_id).await?;
        let from = state_of(&before)?;
        let to = from.submit()?;
        if repo::answer_rectification(&mut tx, finding_id, from.id(), &note, actor.id, now).await?
            == 0
        {
            return Err(ServiceError::Conflict(
                "整改状态已经变化，请刷新后重试".into(),
            ));
        }
        for (s, caption) in &stored {
            repo::insert_photo(
                &mut tx,
                &NewFindingPhoto {
                    finding_id,
                    round_id: before.round_id,
                    town_code: &before.town_code,
                    kind: "after",
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
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "rectify",
                "finding",
                &finding_id.to_string(),
                &before.town_code,
            )
            .before(json!({ "rect_state": from.id(), "rect_note": before.rect_note }))
            .after(json!({ "rect_state": to.id(), "rect_note": note, "photos": stored.len() }))
            .summary(format!(
                "提交整改情况：{}（{}）",
                before.item_name, before.place
            )),
        )
        .await?;
        let row = repo::finding(&mut tx, &viewer(actor), finding_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        let view = finding_views(&mut tx, vec![row]).await?.remove(0);
        tx.commit().await?;
        Ok(view)
    }

    /// A finding the caller may see and answer.
    async fn answerable(&self, tx: &mut Tx, actor: &Actor, id: i64) -> Result<FindingRow> {
        let row = repo::finding(tx, &viewer(actor), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        if actor.role == Role::TownStaff && actor.region.as_str() != row.town_code {
            // Cannot happen through the filter (a town sees its own towns
            // only); answered the same way as a finding it cannot see.
            return Err(ServiceError::not_found("问题"));
        }
        if !may_answer(actor, &row.town_code) {
            return Err(ServiceError::forbidden("只有问题所在乡镇可以提交整改情况"));
        }
        Ok(row)
    }

    /// The county's check of an answer: `accept` closes the task (销号),
    /// otherwise it goes back to the town with the reason in `note`.
    pub async fn verify_rectification(
        &self,
        actor: &Actor,
        finding_id: i64,
        accept: bool,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<FindingView> {
        self.verify_rectification_at(actor, finding_id, accept, note, meta, now_ms())
            .await
    }

    /// [`Services::verify_rectification`] at `now`.
    pub(crate) async fn verify_rectification_at(
        &self,
        actor: &Actor,
        finding_id: i64,
        accept: bool,
        note: &str,
        meta: &RequestMeta,
        now: i64,
    ) -> Result<FindingView> {
        require_password_changed(actor)?;
        let note = text(note, "note", "核查意见", MAX_RECT_NOTE)?;
        let mut tx = self.db().begin().await?;
        let before = repo::finding(&mut tx, &viewer(actor), finding_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        if !may_verify(actor, &before.town_code) {
            return Err(ServiceError::forbidden(
                "只有问题所在县（市、区）及以上美镇办可以核查整改",
            ));
        }
        let from = state_of(&before)?;
        let to = from.verify(accept)?;
        if !accept && note.is_empty() {
            return Err(ServiceError::invalid("note", "请说明退回原因"));
        }
        if repo::verify_rectification(&mut tx, finding_id, to.id(), &note, actor.id, now).await?
            == 0
        {
            return Err(ServiceError::Conflict(
                "整改状态已经变化，请刷新后重试".into(),
            ));
        }
        let what = if accept {
            "核查通过，销号"
        } else {
            "核查未通过，退回整改"
        };
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "verify",
                "finding",
                &finding_id.to_string(),
                &before.town_code,
            )
            .before(json!({ "rect_state": from.id(), "verify_note": before.verify_note }))
            .after(json!({ "rect_state": to.id(), "verify_note": note }))
            .summary(if note.is_empty() {
                format!("{what}：{}（{}）", before.item_name, before.place)
            } else {
                format!("{what}：{}（{}）：{note}", before.item_name, before.place)
            }),
        )
        .await?;
        let row = repo::finding(&mut tx, &viewer(actor), finding_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("问题"))?;
        let view = finding_views(&mut tx, vec![row]).await?.remove(0);
        tx.commit().await?;
        Ok(view)
    }

    /// Published findings (rectification tasks) the caller may see.
    pub async fn rectifications(
        &self,
        actor: &Actor,
        filter: &RectFilter,
    ) -> Result<Vec<FindingView>> {
        require_password_changed(actor)?;
        let mut f = FindingFilter {
            round_id: filter.round_id,
            ..FindingFilter::default()
        };
        if let Some(r) = filter
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            f.region = Some(RegionCode::parse(r)?.to_string());
        }
        match filter.state.as_deref().map(str::trim).unwrap_or("") {
            "" | "all" => {}
            "overdue" => f.overdue_on = Some(today().format("%Y-%m-%d").to_string()),
            s => match RectState::from_id(s) {
                Some(state) => f.rect_state = Some(state.id().to_owned()),
                None => {
                    return Err(ServiceError::invalid(
                        "state",
                        format!(
                            "整改状态“{s}”无效，可选 open、submitted、returned、closed、overdue"
                        ),
                    ))
                }
            },
        }
        let mut tx = self.db().begin_read().await?;
        let rows: Vec<FindingRow> = repo::findings(&mut tx, &viewer(actor), &f)
            .await?
            .into_iter()
            .filter(|r| r.rect_state.is_some())
            .collect();
        finding_views(&mut tx, rows).await
    }

    /// 整改情况 under `region` (in the caller's scope): per town, county and
    /// city, and in total, over the published findings the caller may see
    /// (of one round, or of all).
    pub async fn rect_summary(
        &self,
        actor: &Actor,
        region: &str,
        round_id: Option<i64>,
    ) -> Result<RectSummary> {
        require_password_changed(actor)?;
        let code = RegionCode::parse(region)?;
        if code.level() == Level::Village {
            return Err(ServiceError::invalid("region", "整改统计到乡镇(街道)为止"));
        }
        let mut tx = self.db().begin_read().await?;
        let region_row = regions::get(&mut tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        if let Some(r) = round_id {
            self.visible_round(&mut tx, actor, r).await?;
        }
        let facts = repo::rect_facts(&mut tx, &viewer(actor), code.as_str(), round_id).await?;
        let today = today();
        let mut towns: BTreeMap<String, RectStats> = BTreeMap::new();
        for f in &facts {
            let (Some(state), Ok(deadline)) = (
                RectState::from_id(&f.rect_state),
                NaiveDate::parse_from_str(&f.deadline, "%Y-%m-%d"),
            ) else {
                tracing::error!(town = %f.town_code, state = %f.rect_state, deadline = %f.deadline, "unreadable rectification fact");
                continue;
            };
            let answered = f
                .answered_at
                .and_then(meizhen_domain::time::to_shanghai)
                .map(|t| t.date_naive());
            towns
                .entry(f.town_code.clone())
                .or_default()
                .add(state, deadline, answered, today);
        }
        let group = |len: usize| {
            let mut out: BTreeMap<String, RectStats> = BTreeMap::new();
            for (town, s) in &towns {
                let key = town.get(..len).unwrap_or(town).to_owned();
                out.entry(key).or_default().merge(s);
            }
            out
        };
        let counties = group(Level::County.code_len());
        let cities = group(Level::City.code_len());
        let mut total = RectStats::default();
        for s in towns.values() {
            total.merge(s);
        }
        let names = names(
            &mut tx,
            towns
                .keys()
                .chain(counties.keys())
                .chain(cities.keys())
                .cloned()
                .collect::<Vec<_>>(),
        )
        .await?;
        let lines = |m: &BTreeMap<String, RectStats>| -> Vec<RectLine> {
            m.iter()
                .map(|(c, s)| RectLine::new(c, &names, *s))
                .collect()
        };
        Ok(RectSummary {
            region: code.to_string(),
            region_name: region_row.name.clone(),
            round_id,
            today: today.format("%Y-%m-%d").to_string(),
            towns: lines(&towns),
            counties: lines(&counties),
            cities: lines(&cities),
            total: RectLine {
                code: code.to_string(),
                name: region_row.name,
                rate: total.rate(),
                on_time_rate: total.on_time_rate(),
                stats: total,
            },
        })
    }
}
