//! 工作总结 and 驾驶舱: facts of a region and period computed from stored
//! data ([`facts`]), a draft in the genre of the offices' own summaries
//! ([`compose`]), saved with every revision kept, and exported to Word.

mod compose;
mod facts;

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::summary::{Draft, Figure, Layout, Period, Section};
use meizhen_domain::{Level, RegionCode, Role};
use meizhen_storage::now_ms;
use meizhen_storage::repo::summary as repo;
pub use meizhen_storage::repo::summary::{MeetingLine, RevisionRow, SummaryFilter, SummaryRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use facts::{
    ChildLine, EnrollmentFacts, ExpertFacts, Facts, IndicatorLine, InspectionFacts, KeyCount,
    LateReportLine, MeetingFacts, PillarLine, Problems, ProjectSummary, PublicityFacts,
    RectSummaryFacts, TownBelowTarget, TrendPoint, WorkTeamFacts,
};

/// The message when a region has nothing at all in a period.
pub const NO_DATA: &str = "该地区在该时期没有任何数据，无法生成工作总结";

/// Longest title, section heading and paragraph of an edited summary.
pub const MAX_TITLE: usize = 200;
pub const MAX_PARAGRAPH: usize = 5000;
pub const MAX_SECTIONS: usize = 40;
pub const MAX_PARAGRAPHS: usize = 200;

/// A saved summary as shown: the row, the revision shown and its draft.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryView {
    pub summary: SummaryRow,
    /// The revision shown (the latest unless an older one was asked for).
    pub revision: i32,
    pub latest_revision: i32,
    pub author_name: String,
    pub revised_at: i64,
    pub draft: Draft,
    /// Cited figures without data, for the editor's warning.
    pub missing: Vec<Figure>,
}

/// One section as the editor posts it. Tables and charts are not edited:
/// they stay with the section of the same key.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SectionEdit {
    pub key: String,
    #[serde(default)]
    pub heading: String,
    #[serde(default)]
    pub paragraphs: Vec<String>,
}

/// An edit of a whole summary: title and sections in order.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SummaryEdit {
    pub title: String,
    pub sections: Vec<SectionEdit>,
    /// What changed, shown in the history.
    #[serde(default)]
    pub note: Option<String>,
}

/// The leader dashboard (驾驶舱) of a region and year.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub facts: Facts,
    /// Month by month up to the last month with figures.
    pub trend: Vec<TrendPoint>,
    /// The regions below, ranked by 投资完成率 (then 开工率).
    pub children: Vec<ChildLine>,
}

/// May write summaries of `region`: offices and administrators in scope, and
/// town staff for their own town. Leaders, inspectors and experts read.
fn may_write(actor: &Actor, region: &str) -> bool {
    match actor.role {
        Role::Admin => true,
        r if r.is_office() => region.starts_with(actor.region.as_str()),
        Role::TownStaff => actor.region.as_str() == region,
        _ => false,
    }
}

fn check_edit(edit: &SummaryEdit) -> Result<()> {
    let title = edit.title.trim();
    if title.is_empty() {
        return Err(ServiceError::invalid("title", "标题不能为空"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(ServiceError::invalid(
            "title",
            format!("标题不能超过 {MAX_TITLE} 个字"),
        ));
    }
    if edit.sections.is_empty() {
        return Err(ServiceError::invalid("sections", "总结至少要有一个部分"));
    }
    if edit.sections.len() > MAX_SECTIONS {
        return Err(ServiceError::invalid(
            "sections",
            format!("总结最多 {MAX_SECTIONS} 个部分"),
        ));
    }
    let mut keys = std::collections::BTreeSet::new();
    for (i, s) in edit.sections.iter().enumerate() {
        let n = i + 1;
        if s.key.trim().is_empty() || !keys.insert(s.key.trim()) {
            return Err(ServiceError::invalid(
                "sections",
                format!("第 {n} 部分的标识为空或重复"),
            ));
        }
        if s.heading.chars().count() > MAX_TITLE {
            return Err(ServiceError::invalid(
                "sections",
                format!("第 {n} 部分的标题不能超过 {MAX_TITLE} 个字"),
            ));
        }
        if s.paragraphs.len() > MAX_PARAGRAPHS {
            return Err(ServiceError::invalid(
                "sections",
                format!("第 {n} 部分最多 {MAX_PARAGRAPHS} 段"),
            ));
        }
        if let Some(j) = s
            .paragraphs
            .iter()
            .position(|p| p.chars().count() > MAX_PARAGRAPH)
        {
            return Err(ServiceError::invalid(
                "sections",
                format!("第 {n} 部分第 {} 段不能超过 {MAX_PARAGRAPH} 个字", j + 1),
            ));
        }
    }
    Ok(())
}

/// The draft after an edit: new title and sections, the figures (and each
/// kept section's table and chart) of the base.
fn apply_edit(base: &Draft, edit: &SummaryEdit) -> Draft {
    let sections = edit
        .sections
        .iter()
        .map(|e| {
            let old = base.section(e.key.trim());
            Section {
                key: e.key.trim().to_owned(),
                heading: e.heading.trim().to_owned(),
                paragraphs: e
                    .paragraphs
                    .iter()
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
                table: old.and_then(|s| s.table.clone()),
                chart: old.and_then(|s| s.chart.clone()),
            }
        })
        .collect();
    Draft {
        title: edit.title.trim().to_owned(),
        sections,
        ..base.clone()
    }
}

fn parse_body(body: &str) -> Result<Draft> {
    serde_json::from_str(body).map_err(|e| {
        tracing::error!(error = %e, "unreadable summary revision");
        ServiceError::Conflict("该版本的内容无法读取，请联系管理员".into())
    })
}

fn to_body(d: &Draft) -> Result<String> {
    serde_json::to_string(d).map_err(|e| {
        tracing::error!(error = %e, "summary draft not serializable");
        ServiceError::Conflict("总结内容无法保存".into())
    })
}

/// "台州市2020年美丽城镇建设工作总结.docx" without characters file systems refuse.
pub fn summary_file_name(title: &str) -> String {
    crate::inspections::notice_file_name(title, "docx")
}

impl Services {
    /// The region, in scope, as a summary may cover it (province to town).
    async fn summary_region(
        &self,
        tx: &mut meizhen_storage::Tx,
        actor: &Actor,
        region: &RegionCode,
    ) -> Result<String> {
        require_password_changed(actor)?;
        let row = meizhen_storage::regions::get(tx, actor.scope(), region)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        if region.level() == Level::Village {
            return Err(ServiceError::invalid(
                "region",
                "工作总结到乡镇(街道)为止，村(社区)不单独总结",
            ));
        }
        Ok(row.name)
    }

    /// The latest year with project figures in the region (in scope), for a
    /// dashboard opened without a year; `None` when there are none.
    pub async fn latest_data_year(
        &self,
        actor: &Actor,
        region: &RegionCode,
    ) -> Result<Option<i32>> {
        let mut tx = self.db().begin_read().await?;
        self.summary_region(&mut tx, actor, region).await?;
        Ok(
            meizhen_storage::repo::stats::latest_year(&mut tx, actor.scope(), region.as_str())
                .await?,
        )
    }

    /// Every headline figure of every module for the region and period.
    pub async fn summary_facts(
        &self,
        actor: &Actor,
        region: &RegionCode,
        period: Period,
    ) -> Result<Facts> {
        let mut tx = self.db().begin_read().await?;
        let name = self.summary_region(&mut tx, actor, region).await?;
        facts::collect(&mut tx, actor, region, &name, period).await
    }

    /// A draft (not saved). A period without any data is refused.
    pub async fn generate_summary(
        &self,
        actor: &Actor,
        region: &RegionCode,
        period: Period,
        layout: Layout,
    ) -> Result<Draft> {
        let facts = self.summary_facts(actor, region, period).await?;
        if !facts.has_data() {
            return Err(ServiceError::invalid("period", NO_DATA));
        }
        Ok(compose::draft(&facts, layout, now_ms()))
    }

    /// Generates and saves a summary as revision 1.
    pub async fn create_summary(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        region: &RegionCode,
        period: Period,
        layout: Layout,
    ) -> Result<SummaryView> {
        // A region outside the scope is "not found", as for every read; only
        // then may a role that sees it be refused the write.
        if !actor.scope().contains(region) {
            return Err(ServiceError::not_found("区划"));
        }
        if !may_write(actor, region.as_str()) {
            return Err(ServiceError::forbidden("您的角色无权编写该地区的工作总结"));
        }
        let draft = self.generate_summary(actor, region, period, layout).await?;
        let body = to_body(&draft)?;
        let now = now_ms();
        let mut tx = self.db().begin().await?;
        let id = repo::insert(
            &mut tx,
            &repo::NewSummary {
                region_code: region.as_str(),
                period: &period.id(),
                layout: layout.id(),
                title: &draft.title,
                by: (!actor.is_system).then_some(actor.id),
                now,
            },
        )
        .await?;
        repo::insert_revision(
            &mut tx,
            &repo::NewRevision {
                summary_id: id,
                region_code: region.as_str(),
                revision: 1,
                body: &body,
                note: "生成初稿",
                author_id: (!actor.is_system).then_some(actor.id),
                author_name: &actor.display_name,
                now,
            },
        )
        .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "summary", &id.to_string(), region.as_str())
                .summary(format!("生成工作总结“{}”", draft.title))
                .after(json!({
                    "title": draft.title,
                    "period": period.id(),
                    "layout": layout.id(),
                    "revision": 1,
                })),
        )
        .await?;
        tx.commit().await?;
        self.summary(actor, id).await
    }

    pub async fn summaries(
        &self,
        actor: &Actor,
        filter: &SummaryFilter,
        page: PageRequest,
    ) -> Result<Page<SummaryRow>> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        Ok(repo::list(&mut tx, actor.scope(), filter, &page).await?)
    }

    /// The latest revision.
    pub async fn summary(&self, actor: &Actor, id: i64) -> Result<SummaryView> {
        self.summary_at(actor, id, None).await
    }

    pub async fn summary_revision(&self, actor: &Actor, id: i64, rev: i32) -> Result<SummaryView> {
        self.summary_at(actor, id, Some(rev)).await
    }

    async fn summary_at(&self, actor: &Actor, id: i64, rev: Option<i32>) -> Result<SummaryView> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        let row = repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("工作总结"))?;
        let wanted = rev.unwrap_or(row.revision);
        let body = repo::revision_body(&mut tx, id, wanted)
            .await?
            .ok_or_else(|| ServiceError::not_found("该版本"))?;
        let draft = parse_body(&body.body)?;
        Ok(SummaryView {
            revision: body.revision,
            latest_revision: row.revision,
            author_name: body.author_name,
            revised_at: body.created_at,
            missing: draft.missing().into_iter().cloned().collect(),
            draft,
            summary: row,
        })
    }

    pub async fn summary_history(&self, actor: &Actor, id: i64) -> Result<Vec<RevisionRow>> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("工作总结"))?;
        Ok(repo::revisions(&mut tx, id).await?)
    }

    /// Saves an edit as a new revision. `base_revision` is the revision the
    /// editor started from; if someone saved since, nothing is written and
    /// the caller gets a conflict (409) to reload.
    pub async fn save_summary(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        base_revision: i32,
        edit: &SummaryEdit,
    ) -> Result<SummaryView> {
        require_password_changed(actor)?;
        check_edit(edit)?;
        let mut tx = self.db().begin().await?;
        let row = repo::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("工作总结"))?;
        if !may_write(actor, &row.region_code) {
            return Err(ServiceError::forbidden("您的角色无权修改该工作总结"));
        }
        let conflict = || {
            ServiceError::Conflict(format!(
                "该总结已被他人修改并保存（当前为第 {} 版），请刷新后在最新版本上修改",
                row.revision
            ))
        };
        if row.revision != base_revision {
            return Err(conflict());
        }
        let base = repo::revision_body(&mut tx, id, base_revision)
            .await?
            .ok_or_else(|| ServiceError::not_found("该版本"))?;
        let before = parse_body(&base.body)?;
        let after = apply_edit(&before, edit);
        let now = now_ms();
        let by = (!actor.is_system).then_some(actor.id);
        if repo::bump(&mut tx, id, base_revision, &after.title, by, now).await? == 0 {
            return Err(conflict());
        }
        let next = base_revision + 1;
        let note = edit.note.as_deref().map(str::trim).unwrap_or("");
        let note: String = note.chars().take(MAX_TITLE).collect();
        repo::insert_revision(
            &mut tx,
            &repo::NewRevision {
                summary_id: id,
                region_code: &row.region_code,
                revision: next,
                body: &to_body(&after)?,
                note: &note,
                author_id: by,
                author_name: &actor.display_name,
                now,
            },
        )
        .await?;
        let sections_json = |d: &Draft| {
            json!(d
                .sections
                .iter()
                .map(|s| json!({"key": s.key, "heading": s.heading, "paragraphs": s.paragraphs}))
                .collect::<Vec<_>>())
        };
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "summary", &id.to_string(), &row.region_code)
                .summary(format!("修改工作总结“{}”（第 {next} 版）", after.title))
                .before(json!({"title": before.title, "revision": base_revision, "sections": sections_json(&before)}))
                .after(json!({"title": after.title, "revision": next, "sections": sections_json(&after)})),
        )
        .await?;
        tx.commit().await?;
        self.summary(actor, id).await
    }

    /// A saved summary (latest or a given revision) as Word: (file name, bytes).
    pub async fn summary_docx(
        &self,
        actor: &Actor,
        id: i64,
        revision: Option<i32>,
    ) -> Result<(String, Vec<u8>)> {
        let view = self.summary_at(actor, id, revision).await?;
        let bytes = compose::docx(&view.draft)?;
        Ok((summary_file_name(&view.draft.title), bytes))
    }

    /// A fresh draft straight to Word (the command line).
    pub async fn summary_docx_for(
        &self,
        actor: &Actor,
        region: &RegionCode,
        period: Period,
        layout: Layout,
    ) -> Result<Vec<u8>> {
        let draft = self.generate_summary(actor, region, period, layout).await?;
        compose::docx(&draft)
    }

    /// The leader dashboard: the year's facts, monthly trend, regions below ranked.
    pub async fn dashboard(
        &self,
        actor: &Actor,
        region: &RegionCode,
        year: i32,
    ) -> Result<Dashboard> {
        let mut tx = self.db().begin_read().await?;
        let name = self.summary_region(&mut tx, actor, region).await?;
        let facts = facts::collect(&mut tx, actor, region, &name, Period::year(year)).await?;
        let trend = facts::trend(&mut tx, actor, region, year).await?;
        let children = facts.children.clone();
        Ok(Dashboard {
            facts,
            trend,
            children,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meizhen_domain::summary::SummaryTable;

    fn base() -> Draft {
        let mut s = Section::new("achievements", "取得的成绩");
        s.paragraphs = vec!["旧段落".into()];
        s.table = Some(SummaryTable {
            title: "表".into(),
            headers: vec!["a".into()],
            rows: vec![],
            note: None,
        });
        Draft {
            title: "旧标题".into(),
            region_code: "3310".into(),
            region_name: "台州市".into(),
            period: Period::year(2020),
            layout: Layout::Mechanism,
            sections: vec![s],
            figures: Default::default(),
            generated_at: 1,
        }
    }

    #[test]
    fn edits_keep_tables_and_figures_of_kept_sections() {
        let edit = SummaryEdit {
            title: " 新标题 ".into(),
            sections: vec![
                SectionEdit {
                    key: "next".into(),
                    heading: "下一步工作".into(),
                    paragraphs: vec!["加快进度".into(), "  ".into()],
                },
                SectionEdit {
                    key: "achievements".into(),
                    heading: "取得的成绩".into(),
                    paragraphs: vec!["新段落".into()],
                },
            ],
            note: None,
        };
        check_edit(&edit).expect("valid edit");
        let d = apply_edit(&base(), &edit);
        assert_eq!(d.title, "新标题");
        assert_eq!(d.sections[0].paragraphs, vec!["加快进度".to_owned()]);
        assert!(d.sections[0].table.is_none());
        assert!(d.sections[1].table.is_some());
        assert_eq!(d.generated_at, 1);
    }

    #[test]
    fn bad_edits_are_refused_in_chinese() {
        let mut edit = SummaryEdit {
            title: " ".into(),
            sections: vec![],
            note: None,
        };
        assert!(check_edit(&edit).is_err());
        edit.title = "t".into();
        assert!(check_edit(&edit).is_err());
        edit.sections = vec![
            SectionEdit {
                key: "a".into(),
                heading: String::new(),
                paragraphs: vec![],
            },
            SectionEdit {
                key: "a".into(),
                heading: String::new(),
                paragraphs: vec![],
            },
        ];
        let e = check_edit(&edit).expect_err("duplicate keys");
        assert!(e.to_string().contains("重复"));
    }
}
