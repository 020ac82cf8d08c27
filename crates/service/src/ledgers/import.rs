//! Importing ledgers as offices keep them in Excel.
//!
//! The sheet is read by `documents::table` (title rows, merged two-row
//! headers, 小计/合计 and note rows …) with the columns declared here per
//! kind; each row becomes the same input a form sends and goes through the
//! same validation. Towns are matched like the project import (with or
//! without the county, with or without 镇/乡/街道). Every rejected row is
//! reported with its sheet row and a Chinese reason, a row repeating an
//! earlier one (same UNIQUE key) is reported once as a duplicate, and a
//! record already stored under that key is updated. One transaction: a dry
//! run rolls it back, and a failure leaves nothing half-imported.

use super::{
    may_write_expert_services, may_write_indicator_values, may_write_office_ledger,
    may_write_publicity, snapshot,
};
use crate::audit::{record, Change};
use crate::import::{Duplicate, Rejected};
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_documents::table::{read_table, ColumnSpec, TableRow};
use meizhen_documents::RawValue;
use meizhen_domain::ledger::{
    ExpertInput, ExpertServiceInput, IndicatorPeriod, IndicatorValueInput, LedgerKind,
    MediaReportInput, MeetingInput, WorkTeamMemberInput,
};
use meizhen_domain::page::PageRequest;
use meizhen_domain::project::{from_excel_serial, match_town};
use meizhen_domain::text::compact;
use meizhen_domain::{Level, RegionCode, ValidationError};
use meizhen_storage::repo::ledgers::{self as repo, key_of, ExpertRow, IndicatorRow, LedgerFilter};
use meizhen_storage::{now_ms, regions, Tx};
use serde::Serialize;
use std::collections::HashMap;

/// What an import did; the same shape as the project import's report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LedgerImportReport {
    pub kind: String,
    pub imported: u32,
    pub updated: u32,
    pub rejected: Vec<Rejected>,
    pub duplicates: Vec<Duplicate>,
    pub dry_run: bool,
    pub sheet: String,
    /// Rows skipped as 小计/合计, blank or notes: (row, why).
    pub skipped: Vec<(u32, String)>,
}

const fn col(key: &'static str, synonyms: &'static [&'static str], required: bool) -> ColumnSpec {
    ColumnSpec {
        key,
        synonyms,
        required,
    }
}

const REGION: ColumnSpec = col(
    "region",
    &[
        "所属地区",
        "地区",
        "县（市、区）",
        "县市区",
        "乡镇（街道）",
        "乡镇",
        "区域",
    ],
    false,
);
const COUNTY: ColumnSpec = col("county", &["县（市、区）", "县市区", "所属县"], false);
const TOWN: ColumnSpec = col(
    "town",
    &[
        "乡镇（街道）",
        "乡镇",
        "镇街",
        "所属乡镇",
        "服务乡镇",
        "城镇名称",
    ],
    true,
);
const NOTE: ColumnSpec = col("note", &["备注", "说明"], false);
const PHONE: ColumnSpec = col("phone", &["联系电话", "电话", "手机", "联系方式"], false);

/// The columns read for each ledger.
pub fn columns(kind: LedgerKind) -> &'static [ColumnSpec] {
    match kind {
        LedgerKind::Experts => {
            const C: &[ColumnSpec] = &[
                REGION,
                col("name", &["专家姓名", "姓名"], true),
                col("role", &["专家类别", "类别", "身份", "角色"], false),
                col(
                    "organisation",
                    &["工作单位", "单位", "所在单位", "单位名称"],
                    false,
                ),
                col("title", &["职称职务", "职称", "职务"], false),
                col("team", &["所属团队", "团队", "专家团队"], false),
                PHONE,
                NOTE,
            ];
            C
        }
        LedgerKind::ExpertServices => {
            const C: &[ColumnSpec] = &[
                col("served_on", &["服务日期", "日期", "服务时间", "时间"], true),
                COUNTY,
                TOWN,
                col("expert", &["专家姓名", "服务专家", "专家"], true),
                col("organisation", &["专家单位", "工作单位"], false),
                col(
                    "service_type",
                    &["服务类型", "服务方式", "服务形式", "类型"],
                    true,
                ),
                col(
                    "project",
                    &["涉及项目", "项目名称", "服务项目", "项目"],
                    false,
                ),
                col("content", &["服务内容", "主要内容", "内容"], false),
                col(
                    "given",
                    &["提出意见数", "提出意见", "意见数", "意见建议数"],
                    false,
                ),
                col("adopted", &["采纳意见数", "采纳意见", "采纳数"], false),
            ];
            C
        }
        LedgerKind::MediaReports => {
            const C: &[ColumnSpec] = &[
                REGION,
                col(
                    "published_on",
                    &[
                        "发布日期",
                        "刊发日期",
                        "发布时间",
                        "刊发时间",
                        "日期",
                        "时间",
                    ],
                    true,
                ),
                col(
                    "title",
                    &["报道标题", "标题", "题目", "稿件标题", "新闻标题"],
                    true,
                ),
                col(
                    "outlet",
                    &[
                        "媒体名称",
                        "刊发媒体",
                        "发布媒体",
                        "报刊名称",
                        "媒体",
                        "平台",
                    ],
                    true,
                ),
                col("level", &["媒体级别", "级别", "层级"], true),
                col("medium", &["媒体类型", "类型", "载体", "形式"], true),
                col("link", &["链接", "网址", "网页链接", "链接地址"], false),
                NOTE,
            ];
            C
        }
        LedgerKind::Meetings => {
            const C: &[ColumnSpec] = &[
                REGION,
                col(
                    "held_on",
                    &["会议日期", "召开日期", "召开时间", "日期", "时间"],
                    true,
                ),
                col("ends_on", &["结束日期", "结束时间"], false),
                col("kind", &["会议类型", "类型"], true),
                col("level", &["会议级别", "级别"], false),
                col("title", &["会议名称", "会议主题", "名称"], true),
                col("place", &["会议地点", "地点"], false),
                col("host", &["主持人", "主持"], false),
                col(
                    "attendees",
                    &["参会人员", "参加人员", "出席人员", "参会范围"],
                    false,
                ),
                col("topics", &["会议议题", "议题", "主要内容"], false),
                col("decisions", &["议定事项", "会议决定", "决定事项"], false),
            ];
            C
        }
        LedgerKind::WorkTeamMembers => {
            const C: &[ColumnSpec] = &[
                REGION,
                col("name", &["姓名"], true),
                col(
                    "home_unit",
                    &["原单位", "派出单位", "所在单位", "工作单位", "单位"],
                    false,
                ),
                col("post", &["专班岗位", "岗位", "职务", "分工"], false),
                PHONE,
                col(
                    "starts_on",
                    &[
                        "抽调开始时间",
                        "开始时间",
                        "开始日期",
                        "抽调时间",
                        "起始时间",
                        "到岗时间",
                    ],
                    true,
                ),
                col("ends_on", &["抽调结束时间", "结束时间", "结束日期"], false),
                NOTE,
            ];
            C
        }
        LedgerKind::IndicatorValues => {
            const C: &[ColumnSpec] = &[
                COUNTY,
                TOWN,
                col("indicator", &["指标名称", "指标代码", "指标"], true),
                col(
                    "period",
                    &["统计期", "期间", "时期", "年度", "年份", "季度", "月份"],
                    true,
                ),
                col(
                    "value",
                    &["指标值", "数值", "完成值", "完成数", "数量", "值"],
                    true,
                ),
                NOTE,
            ];
            C
        }
    }
}

/// A cell as the text a form would send: dates as 'YYYY-MM-DD', numbers in
/// their shortest form.
fn text(row: &TableRow, key: &str) -> String {
    row.text(key)
}

/// A date cell: a real date, a serial typed into a General cell, or text.
fn date(row: &TableRow, key: &str) -> String {
    match row.get(key) {
        RawValue::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        RawValue::Number(n) if n.fract() == 0.0 && *n >= 18_264.0 => from_excel_serial(*n)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|_| format!("{n}")),
        _ => text(row, key),
    }
}

/// A quantity cell: numbers printed to the thousandth (float noise such as
/// 0.30000000000000004 is not a fourth decimal).
fn quantity(row: &TableRow, key: &str) -> String {
    match row.get(key) {
        RawValue::Number(n) => format!("{n:.3}"),
        _ => text(row, key),
    }
}

/// The regions a sheet may name: everything in scope down to towns, plus the
/// actor's county (a town's own county names it in sheets).
struct Places {
    /// (code, name) of towns.
    towns: Vec<(String, String)>,
    /// (code, name) of the province, cities and counties.
    above: Vec<(String, String)>,
}

async fn load_places(tx: &mut Tx, actor: &Actor) -> Result<Places> {
    let mut towns = Vec::new();
    let mut above = Vec::new();
    for level in [Level::Province, Level::City, Level::County, Level::Town] {
        let mut p = PageRequest::new(Some(1), Some(meizhen_domain::page::MAX_PER_PAGE));
        loop {
            let page = regions::search(tx, actor.scope(), "", Some(level), &p).await?;
            let done = !page.has_next();
            let out = if level == Level::Town {
                &mut towns
            } else {
                &mut above
            };
            out.extend(page.items.into_iter().map(|r| (r.code, r.name)));
            if done {
                break;
            }
            p.page += 1;
        }
    }
    let lineage: Vec<RegionCode> = actor
        .region
        .lineage()
        .into_iter()
        .filter(|c| *c != actor.region && c.level() == Level::County)
        .collect();
    above.extend(regions::names(tx, &lineage).await?);
    Ok(Places { towns, above })
}

impl Places {
    /// A town from the town cell and an optional county cell.
    fn town(&self, town: &str, county: &str) -> std::result::Result<String, String> {
        if town.is_empty() {
            return Err("缺少乡镇（街道）名称".into());
        }
        if let Ok(code) = RegionCode::parse(&compact(town)) {
            return if code.level() == Level::Town
                && self.towns.iter().any(|(c, _)| c == code.as_str())
            {
                Ok(code.to_string())
            } else {
                Err(format!("乡镇（街道）“{town}”未找到"))
            };
        }
        let input = if county.is_empty() || town.starts_with(county) {
            town.to_owned()
        } else {
            format!("{county}{town}")
        };
        match_town(&input, &self.towns, &self.above)
            .map(str::to_owned)
            .map_err(|e| format!("乡镇“{town}”：{e}"))
    }

    /// The region a record belongs to: blank means the actor's own; a code;
    /// a city/county name; or a town as [`Places::town`] reads it.
    fn region(&self, actor: &Actor, text: &str) -> std::result::Result<String, String> {
        let key = compact(text);
        if key.is_empty() {
            return Ok(actor.region.to_string());
        }
        if let Ok(code) = RegionCode::parse(&key) {
            return if actor.scope().contains(&code)
                && (self.above.iter().chain(&self.towns)).any(|(c, _)| c == code.as_str())
            {
                Ok(code.to_string())
            } else {
                Err(format!("地区“{text}”未找到"))
            };
        }
        let named: Vec<&(String, String)> = self
            .above
            .iter()
            .filter(|(c, n)| {
                let n = compact(n);
                // With or without 市/县/区: "天台" for 天台县.
                (n == key
                    || (n.strip_suffix(['市', '县', '区', '省']) == Some(key.as_str())
                        && key.chars().count() >= 2))
                    && RegionCode::parse(c).is_ok_and(|c| actor.scope().contains(&c))
            })
            .collect();
        match named.as_slice() {
            [one] => Ok(one.0.clone()),
            [] => self
                .town(text, "")
                .map_err(|_| format!("地区“{text}”未找到")),
            many => Err(format!(
                "地区“{text}”对应多个：{}",
                many.iter()
                    .map(|(c, n)| format!("{n}（{c}）"))
                    .collect::<Vec<_>>()
                    .join("、")
            )),
        }
    }
}

/// A row ready to write: its UNIQUE key and record.
enum Prepared {
    Expert(meizhen_domain::ledger::Expert),
    Service(meizhen_domain::ledger::ExpertService),
    Media(meizhen_domain::ledger::MediaReport),
    Meeting(meizhen_domain::ledger::Meeting),
    Work(meizhen_domain::ledger::WorkTeamMember),
    Value(meizhen_domain::ledger::IndicatorValue),
}

impl Prepared {
    fn region(&self) -> &RegionCode {
        match self {
            Prepared::Expert(r) => &r.region_code,
            Prepared::Service(r) => &r.town_code,
            Prepared::Media(r) => &r.region_code,
            Prepared::Meeting(r) => &r.region_code,
            Prepared::Work(r) => &r.region_code,
            Prepared::Value(r) => &r.town_code,
        }
    }

    /// The table's UNIQUE key, as `repo::*_keys` spells it.
    fn key(&self) -> String {
        match self {
            Prepared::Expert(r) => key_of(&[r.region_code.as_str(), &r.name, &r.organisation]),
            Prepared::Service(r) => key_of(&[
                r.town_code.as_str(),
                &r.expert_id.to_string(),
                &r.served_on,
                r.service_type.id(),
            ]),
            Prepared::Media(r) => {
                key_of(&[r.region_code.as_str(), &r.published_on, &r.outlet, &r.title])
            }
            Prepared::Meeting(r) => key_of(&[r.region_code.as_str(), &r.held_on, &r.title]),
            Prepared::Work(r) => key_of(&[r.region_code.as_str(), &r.name, &r.starts_on]),
            Prepared::Value(r) => {
                key_of(&[&r.indicator_id.to_string(), r.town_code.as_str(), &r.period])
            }
        }
    }

    fn may_write(&self, actor: &Actor) -> bool {
        let region = self.region();
        match self {
            Prepared::Expert(_) | Prepared::Work(_) => may_write_office_ledger(actor, region),
            Prepared::Media(_) | Prepared::Meeting(_) => may_write_publicity(actor, region),
            Prepared::Service(_) => may_write_expert_services(actor, region),
            Prepared::Value(_) => may_write_indicator_values(actor, region),
        }
    }

    fn entity(&self) -> &'static str {
        match self {
            Prepared::Expert(_) => "expert",
            Prepared::Service(_) => "expert_service",
            Prepared::Media(_) => "media_report",
            Prepared::Meeting(_) => "meeting",
            Prepared::Work(_) => "work_team_member",
            Prepared::Value(_) => "indicator_value",
        }
    }

    /// The record's fields under their column names.
    fn fields(&self) -> serde_json::Value {
        let mut v = match self {
            Prepared::Expert(r) => snapshot(r),
            Prepared::Service(r) => snapshot(r),
            Prepared::Media(r) => snapshot(r),
            Prepared::Meeting(r) => snapshot(r),
            Prepared::Work(r) => snapshot(r),
            Prepared::Value(r) => snapshot(r),
        };
        if let Some(obj) = v.as_object_mut() {
            if let Some(q) = obj.remove("value") {
                obj.insert("value_milli".into(), q);
            }
        }
        v
    }

    /// What the audit log shows after the write: `base` (the stored row
    /// before, or just the id) with the imported fields over it. Built in
    /// memory: reading every row back doubles an import's round trips, and
    /// on a freshly filled PostgreSQL table without statistics each read is
    /// a scan (5,200 reports took 9.7 s instead of 1.2 s).
    fn after(&self, mut base: serde_json::Value) -> serde_json::Value {
        if let (Some(b), serde_json::Value::Object(f)) = (base.as_object_mut(), self.fields()) {
            b.extend(f);
        }
        base
    }

    async fn insert(&self, tx: &mut Tx, by: Option<i64>, now: i64) -> Result<i64> {
        Ok(match self {
            Prepared::Expert(r) => repo::insert_expert(tx, r, by, now).await?,
            Prepared::Service(r) => repo::insert_expert_service(tx, r, by, now).await?,
            Prepared::Media(r) => repo::insert_media_report(tx, r, by, now).await?,
            Prepared::Meeting(r) => repo::insert_meeting(tx, r, by, now).await?,
            Prepared::Work(r) => repo::insert_work_team_member(tx, r, by, now).await?,
            Prepared::Value(r) => repo::insert_indicator_value(tx, r, by, now).await?,
        })
    }

    /// The stored record as the audit log shows it (the same row the
    /// single-record calls snapshot).
    async fn stored(&self, tx: &mut Tx, actor: &Actor, id: i64) -> Result<serde_json::Value> {
        let s = actor.scope();
        Ok(match self {
            Prepared::Expert(_) => snapshot(&repo::expert(tx, s, id).await?),
            Prepared::Service(_) => snapshot(&repo::expert_service(tx, s, id).await?),
            Prepared::Media(_) => snapshot(&repo::media_report(tx, s, id).await?),
            Prepared::Meeting(_) => snapshot(&repo::meeting(tx, s, id).await?),
            Prepared::Work(_) => snapshot(&repo::work_team_member(tx, s, id).await?),
            Prepared::Value(_) => snapshot(&repo::indicator_value(tx, s, id).await?),
        })
    }

    async fn update(&self, tx: &mut Tx, actor: &Actor, id: i64, now: i64) -> Result<()> {
        let by = Some(actor.id);
        match self {
            Prepared::Expert(r) => repo::update_expert(tx, id, r, by, now).await?,
            Prepared::Service(r) => repo::update_expert_service(tx, id, r, by, now).await?,
            Prepared::Media(r) => repo::update_media_report(tx, id, r, by, now).await?,
            Prepared::Meeting(r) => repo::update_meeting(tx, id, r, by, now).await?,
            Prepared::Work(r) => repo::update_work_team_member(tx, id, r, by, now).await?,
            Prepared::Value(r) => repo::update_indicator_value(tx, id, r, by, now).await?,
        };
        Ok(())
    }
}

/// What rows refer to, loaded once per import.
struct Refs {
    places: Places,
    experts: Vec<ExpertRow>,
    indicators: Vec<IndicatorRow>,
    /// Projects by town, loaded on first use: (id, name).
    projects: HashMap<String, Vec<(i64, String)>>,
}

/// A validation error as a row's reason.
fn reason(e: ValidationError) -> String {
    e.message
}

impl Refs {
    fn expert(&self, name: &str, organisation: &str) -> std::result::Result<i64, String> {
        if name.is_empty() {
            return Err("缺少专家姓名".into());
        }
        let key = compact(name);
        let same: Vec<&ExpertRow> = self
            .experts
            .iter()
            .filter(|e| compact(&e.name) == key)
            .collect();
        let narrowed: Vec<&&ExpertRow> = same
            .iter()
            .filter(|e| {
                organisation.is_empty() || compact(&e.organisation) == compact(organisation)
            })
            .collect();
        match (same.as_slice(), narrowed.as_slice()) {
            ([], _) => Err(format!(
                "专家“{name}”不在专家名录中，请先录入或导入专家名录"
            )),
            (_, [one]) => Ok(one.id),
            (_, []) => Err(format!("专家“{name}”（{organisation}）不在专家名录中")),
            _ => Err(format!("专家名录中有多位“{name}”，请填写专家单位以区分")),
        }
    }

    fn indicator(&self, text: &str, town: &str) -> std::result::Result<&IndicatorRow, String> {
        if text.is_empty() {
            return Err("缺少指标名称".into());
        }
        let key = compact(text);
        let mut found: Vec<&IndicatorRow> = self
            .indicators
            .iter()
            .filter(|i| {
                (i.code == key || compact(&i.name) == key) && town.starts_with(&i.region_code)
            })
            .collect();
        // The nearest office's definition wins (a county's over the city's).
        found.sort_by_key(|i| std::cmp::Reverse(i.region_code.len()));
        match found.as_slice() {
            [] => Err(format!("指标“{text}”未找到或不适用于该乡镇")),
            [one] => Ok(one),
            [a, b, ..] if a.region_code.len() > b.region_code.len() => Ok(a),
            _ => Err(format!("指标“{text}”对应多个，请使用指标代码")),
        }
    }
}

impl Services {
    /// Imports one ledger sheet. See the module docs for the rules.
    pub async fn import_ledger(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        kind: LedgerKind,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<LedgerImportReport> {
        crate::auth::require_password_changed(actor)?;
        if matches!(
            actor.role,
            meizhen_domain::Role::Leader
                | meizhen_domain::Role::Inspector
                | meizhen_domain::Role::GridWorker
        ) {
            return Err(ServiceError::forbidden("您的角色只能查看台账，不能导入"));
        }
        let sheet = read_table(bytes, columns(kind))
            .map_err(|e| ServiceError::invalid("file", e.to_string()))?;
        let mut tx = self.db().begin().await?;
        let scope = actor.scope();
        let mut refs = Refs {
            places: load_places(&mut tx, actor).await?,
            experts: if kind == LedgerKind::ExpertServices {
                repo::expert_choices(&mut tx, scope, None, i64::MAX).await?
            } else {
                Vec::new()
            },
            indicators: if kind == LedgerKind::IndicatorValues {
                repo::all_indicators(&mut tx, scope, &LedgerFilter::default(), i64::MAX).await?
            } else {
                Vec::new()
            },
            projects: HashMap::new(),
        };
        let existing = match kind {
            LedgerKind::Experts => repo::expert_keys(&mut tx, scope).await?,
            LedgerKind::ExpertServices => repo::expert_service_keys(&mut tx, scope).await?,
            LedgerKind::MediaReports => repo::media_report_keys(&mut tx, scope).await?,
            LedgerKind::Meetings => repo::meeting_keys(&mut tx, scope).await?,
            LedgerKind::WorkTeamMembers => repo::work_team_member_keys(&mut tx, scope).await?,
            LedgerKind::IndicatorValues => repo::indicator_value_keys(&mut tx, scope).await?,
        };
        let mut report = LedgerImportReport {
            kind: kind.id().into(),
            dry_run,
            sheet: sheet.sheet.clone(),
            skipped: sheet
                .skipped
                .iter()
                .map(|(r, why)| (*r, why.to_string()))
                .collect(),
            ..Default::default()
        };
        let mut seen: HashMap<String, u32> = HashMap::new();
        let now = now_ms();
        for row in &sheet.rows {
            let prepared = match prepare(&mut tx, actor, kind, row, &mut refs).await? {
                Ok(p) => p,
                Err(reason) => {
                    report.rejected.push(Rejected {
                        row: row.row,
                        reason,
                    });
                    continue;
                }
            };
            let key = prepared.key();
            if let Some(first) = seen.get(&key) {
                report.duplicates.push(Duplicate {
                    row: row.row,
                    first_row: *first,
                });
                continue;
            }
            seen.insert(key.clone(), row.row);
            if !prepared.may_write(actor) {
                report.rejected.push(Rejected {
                    row: row.row,
                    reason: format!("无权为该地区（{}）登记{}", prepared.region(), kind.label()),
                });
                continue;
            }
            let region = prepared.region().to_string();
            match existing.get(&key) {
                Some(id) => {
                    let before = prepared.stored(&mut tx, actor, *id).await?;
                    prepared.update(&mut tx, actor, *id, now).await?;
                    let after = prepared.after(before.clone());
                    record(
                        &mut tx,
                        Some(actor),
                        meta,
                        Change::new("update", prepared.entity(), &id.to_string(), &region)
                            .before(before)
                            .after(after)
                            .summary(format!("台账导入更新{}（第 {} 行）", kind.label(), row.row)),
                    )
                    .await?;
                    report.updated += 1;
                }
                None => {
                    let id = prepared
                        .insert(&mut tx, Some(actor.id), now)
                        .await
                        .map_err(|e| match e {
                            // Unique in scope was checked; a clash here is a
                            // record outside it.
                            ServiceError::Conflict(_) => {
                                ServiceError::Conflict(format!("第 {} 行与已有记录重复", row.row))
                            }
                            other => other,
                        })?;
                    let after = prepared.after(serde_json::json!({ "id": id }));
                    record(
                        &mut tx,
                        Some(actor),
                        meta,
                        Change::new("create", prepared.entity(), &id.to_string(), &region)
                            .after(after)
                            .summary(format!("台账导入新增{}（第 {} 行）", kind.label(), row.row)),
                    )
                    .await?;
                    report.imported += 1;
                }
            }
        }
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "ledger_import", kind.id(), actor.region.as_str()).summary(
                format!(
                    "导入{}“{}”：新增 {} 条，更新 {} 条，拒绝 {} 行，重复 {} 行{}",
                    kind.label(),
                    sheet.sheet,
                    report.imported,
                    report.updated,
                    report.rejected.len(),
                    report.duplicates.len(),
                    if dry_run {
                        "（试导入，未保存）"
                    } else {
                        ""
                    }
                ),
            ),
        )
        .await?;
        if dry_run {
            // Dropping the transaction rolls everything back.
            drop(tx);
        } else {
            tx.commit().await?;
        }
        Ok(report)
    }
}

/// One sheet row as a record, or the Chinese reason it cannot be one. The
/// outer `Result` carries database failures only.
async fn prepare(
    tx: &mut Tx,
    actor: &Actor,
    kind: LedgerKind,
    row: &TableRow,
    refs: &mut Refs,
) -> Result<std::result::Result<Prepared, String>> {
    let t = |k: &str| text(row, k);
    let region = |refs: &Refs| refs.places.region(actor, &t("region"));
    let town = |refs: &Refs| refs.places.town(&t("town"), &t("county"));
    Ok(match kind {
        LedgerKind::Experts => region(refs).and_then(|region_code| {
            ExpertInput {
                region_code,
                name: t("name"),
                role: t("role"),
                organisation: t("organisation"),
                title: t("title"),
                team: t("team"),
                phone: t("phone"),
                note: t("note"),
            }
            .validate()
            .map(Prepared::Expert)
            .map_err(reason)
        }),
        LedgerKind::MediaReports => region(refs).and_then(|region_code| {
            MediaReportInput {
                region_code,
                published_on: date(row, "published_on"),
                title: t("title"),
                outlet: t("outlet"),
                level: t("level"),
                medium: t("medium"),
                link: t("link"),
                note: t("note"),
            }
            .validate()
            .map(Prepared::Media)
            .map_err(reason)
        }),
        LedgerKind::Meetings => region(refs).and_then(|region_code| {
            MeetingInput {
                region_code,
                held_on: date(row, "held_on"),
                ends_on: date(row, "ends_on"),
                kind: t("kind"),
                level: t("level"),
                title: t("title"),
                place: t("place"),
                host: t("host"),
                attendees: t("attendees"),
                topics: t("topics"),
                decisions: t("decisions"),
            }
            .validate()
            .map(Prepared::Meeting)
            .map_err(reason)
        }),
        LedgerKind::WorkTeamMembers => region(refs).and_then(|region_code| {
            WorkTeamMemberInput {
                region_code,
                name: t("name"),
                home_unit: t("home_unit"),
                post: t("post"),
                phone: t("phone"),
                starts_on: date(row, "starts_on"),
                ends_on: date(row, "ends_on"),
                note: t("note"),
            }
            .validate()
            .map(Prepared::Work)
            .map_err(reason)
        }),
        LedgerKind::ExpertServices => {
            let town_code = match town(refs) {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            let expert_id = match refs.expert(&t("expert"), &t("organisation")) {
                Ok(id) => id,
                Err(e) => return Ok(Err(e)),
            };
            let project_name = t("project");
            let project_id = if project_name.is_empty() {
                None
            } else {
                if !refs.projects.contains_key(&town_code) {
                    let list = repo::project_ids_by_name(tx, actor.scope(), &town_code).await?;
                    refs.projects.insert(town_code.clone(), list);
                }
                let key = compact(&project_name);
                match refs
                    .projects
                    .get(&town_code)
                    .and_then(|l| l.iter().find(|(_, n)| compact(n) == key))
                {
                    Some((id, _)) => Some(*id),
                    None => {
                        return Ok(Err(format!(
                            "项目“{project_name}”不在该乡镇的项目库中（可留空）"
                        )))
                    }
                }
            };
            ExpertServiceInput {
                town_code,
                expert_id,
                served_on: date(row, "served_on"),
                service_type: t("service_type"),
                project_id,
                content: t("content"),
                opinions_given: t("given"),
                opinions_adopted: t("adopted"),
            }
            .validate()
            .map(Prepared::Service)
            .map_err(reason)
        }
        LedgerKind::IndicatorValues => {
            let town_code = match town(refs) {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            let ind = match refs.indicator(&t("indicator"), &town_code) {
                Ok(i) => i,
                Err(e) => return Ok(Err(e)),
            };
            let period = IndicatorPeriod::from_id(&ind.period).unwrap_or(IndicatorPeriod::Year);
            // A year typed as a number (2020) reads back as "2020".
            IndicatorValueInput {
                indicator_id: ind.id,
                town_code,
                period: t("period"),
                value: quantity(row, "value"),
                note: t("note"),
            }
            .validate(period, &ind.unit)
            .map(Prepared::Value)
            .map_err(|e| format!("指标“{}”：{}", ind.name, e.message))
        }
    })
}
