//! Project rates, rollups and rankings for a region and a month, from the
//! per-town figures (live, or as published).

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::projects::counts_of;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::project::YearMonth;
use meizhen_domain::ranking::{rank, rank_changes, RankChange};
use meizhen_domain::rates::StartBasis;
use meizhen_domain::{Level, RegionCode, Role};
use meizhen_storage::now_ms;
use meizhen_storage::regions;
pub use meizhen_storage::repo::projects::GroupCount;
use meizhen_storage::repo::stats;
pub use meizhen_storage::repo::stats::{Figures, Source};
use serde::Serialize;
use std::collections::BTreeMap;

/// The project-stats contract (`GET /api/v1/regions/{code}/project-stats`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProjectStats {
    pub region: String,
    pub year: i32,
    pub month: u32,
    pub projects: i64,
    pub not_started: i64,
    pub started: i64,
    pub completed: i64,
    pub planned_to_start: i64,
    pub planned_to_complete: i64,
    pub start_rate: Option<f64>,
    pub completion_rate: Option<f64>,
    /// 万元 as JSON numbers with two decimals, for scripts and charts; the
    /// exact amounts are the `*_fen` integers.
    pub total_investment_wan: f64,
    pub planned_investment_wan: f64,
    pub completed_investment_wan: f64,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
    pub completed_investment_fen: i64,
    pub investment_completion_rate: Option<f64>,
    pub reports_expected: i64,
    pub reports_submitted: i64,
}

impl ProjectStats {
    pub fn from_figures(region: &str, month: YearMonth, f: &Figures) -> Self {
        let c = counts_of(f);
        // The 2-decimal string is exact; parsing it gives the nearest f64.
        let wan = |fen: i64| {
            meizhen_domain::money::Fen::new(fen)
                .to_wan_string(2)
                .parse::<f64>()
                .unwrap_or(0.0)
        };
        ProjectStats {
            region: region.to_owned(),
            year: month.year(),
            month: month.month(),
            projects: f.projects,
            not_started: f.not_started,
            started: f.started,
            completed: f.completed,
            planned_to_start: f.planned_to_start,
            planned_to_complete: f.planned_to_complete,
            start_rate: c.start_rate(StartBasis::default()),
            completion_rate: c.completion_rate(),
            total_investment_wan: wan(f.total_investment_fen),
            planned_investment_wan: wan(f.planned_investment_fen),
            completed_investment_wan: wan(f.completed_investment_fen),
            total_investment_fen: f.total_investment_fen,
            planned_investment_fen: f.planned_investment_fen,
            completed_investment_fen: f.completed_investment_fen,
            investment_completion_rate: c.investment_completion_rate(),
            reports_expected: f.reports_expected,
            reports_submitted: f.reports_submitted,
        }
    }
}

/// Counts of a year's projects by category and by status.
#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub by_pillar: Vec<GroupCount>,
    pub by_status: Vec<GroupCount>,
}

/// One line of a ranking table (比赶超).
#[derive(Debug, Clone, Serialize)]
pub struct RankingLine {
    pub code: String,
    pub name: String,
    pub stats: ProjectStats,
    pub rank: Option<u32>,
    pub change: RankChange,
    pub change_label: String,
}

/// What to rank by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankBy {
    Investment,
    Start,
    Completion,
}

impl RankBy {
    pub fn parse(s: &str) -> Result<RankBy> {
        match s {
            "" | "investment" => Ok(RankBy::Investment),
            "start" => Ok(RankBy::Start),
            "completion" => Ok(RankBy::Completion),
            other => Err(ServiceError::invalid(
                "by",
                format!("排名依据“{other}”无效，可选 investment、start、completion"),
            )),
        }
    }
    fn value(self, s: &ProjectStats) -> Option<f64> {
        match self {
            RankBy::Investment => s.investment_completion_rate,
            RankBy::Start => s.start_rate,
            RankBy::Completion => s.completion_rate,
        }
    }
}

impl Services {
    async fn region_for_stats(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<(meizhen_storage::Tx, RegionCode, String)> {
        require_password_changed(actor)?;
        let code = RegionCode::parse(code)?;
        let mut tx = self.db().begin_read().await?;
        let row = regions::get(&mut tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        if code.level() == Level::Village {
            return Err(ServiceError::invalid("region", "项目统计到乡镇(街道)为止"));
        }
        Ok((tx, code, row.name))
    }

    pub async fn project_stats(
        &self,
        actor: &Actor,
        code: &str,
        month: YearMonth,
        source: Source,
    ) -> Result<ProjectStats> {
        let (mut tx, code, _) = self.region_for_stats(actor, code).await?;
        let m = i32::try_from(month.month()).unwrap_or(1);
        let f = stats::total(
            &mut tx,
            source,
            actor.scope(),
            code.as_str(),
            month.year(),
            m,
        )
        .await?;
        Ok(ProjectStats::from_figures(code.as_str(), month, &f))
    }

    /// The year's library under a region by 五美 category and by current status.
    pub async fn project_breakdown(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
    ) -> Result<Breakdown> {
        let (mut tx, code, _) = self.region_for_stats(actor, code).await?;
        Ok(Breakdown {
            by_pillar: meizhen_storage::repo::projects::counts_by(
                &mut tx,
                actor.scope(),
                code.as_str(),
                year,
                true,
            )
            .await?,
            by_status: meizhen_storage::repo::projects::counts_by(
                &mut tx,
                actor.scope(),
                code.as_str(),
                year,
                false,
            )
            .await?,
        })
    }

    /// Figures for each month of a year (trend charts).
    pub async fn project_trend(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
    ) -> Result<Vec<ProjectStats>> {
        let (mut tx, code, _) = self.region_for_stats(actor, code).await?;
        let rows =
            stats::by_month(&mut tx, Source::Live, actor.scope(), code.as_str(), year).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(m, f)| {
                YearMonth::new(year, u32::try_from(m).ok()?)
                    .map(|ym| ProjectStats::from_figures(code.as_str(), ym, &f))
            })
            .collect())
    }

    /// The child regions of `code` ranked by a rate, with the change since
    /// the previous month.
    pub async fn project_ranking(
        &self,
        actor: &Actor,
        code: &str,
        month: YearMonth,
        by: RankBy,
        source: Source,
    ) -> Result<Vec<RankingLine>> {
        let (mut tx, code, _) = self.region_for_stats(actor, code).await?;
        let Some(child) = code.level().child().filter(|l| *l != Level::Village) else {
            return Err(ServiceError::invalid("region", "乡镇(街道)没有下级排名"));
        };
        let len = child.code_len();
        let fetch = |ym: YearMonth| (ym.year(), i32::try_from(ym.month()).unwrap_or(1));
        let (y, m) = fetch(month);
        let now_rows =
            stats::by_child(&mut tx, source, actor.scope(), code.as_str(), len, y, m).await?;
        let (py, pm) = fetch(month.prev());
        let prev_rows =
            stats::by_child(&mut tx, source, actor.scope(), code.as_str(), len, py, pm).await?;
        let names: BTreeMap<String, String> = regions::children(&mut tx, actor.scope(), &code)
            .await?
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect();
        let stats_now: BTreeMap<String, ProjectStats> = now_rows
            .iter()
            .filter(|(_, f)| f.projects > 0)
            .map(|(c, f)| (c.clone(), ProjectStats::from_figures(c, month, f)))
            .collect();
        let prev_stats: Vec<(String, Option<f64>)> = prev_rows
            .iter()
            .filter(|(_, f)| f.projects > 0)
            .map(|(c, f)| {
                (
                    c.clone(),
                    by.value(&ProjectStats::from_figures(c, month.prev(), f)),
                )
            })
            .collect();
        let ranked = rank(stats_now.iter().map(|(c, s)| (c.clone(), by.value(s))));
        let previous = rank(prev_stats);
        let changes = rank_changes(&ranked, &previous);
        Ok(ranked
            .into_iter()
            .zip(changes)
            .filter_map(|(r, change)| {
                let stats = stats_now.get(&r.key)?.clone();
                Some(RankingLine {
                    name: names.get(&r.key).cloned().unwrap_or_default(),
                    code: r.key,
                    stats,
                    rank: r.rank,
                    change,
                    change_label: change.label(),
                })
            })
            .collect())
    }

    /// Freezes a month's figures for a region (its ranking is then shown as
    /// it stood, whatever is corrected later). Offices only.
    pub async fn publish_month(
        &self,
        actor: &Actor,
        code: &str,
        month: YearMonth,
        meta: &RequestMeta,
    ) -> Result<u64> {
        let (read, code, name) = self.region_for_stats(actor, code).await?;
        drop(read);
        let mut tx = self.db().begin().await?;
        if !matches!(
            actor.role,
            Role::ProvinceOffice | Role::CityOffice | Role::CountyOffice | Role::Admin
        ) {
            return Err(ServiceError::forbidden("只有美镇办可以发布月度数据"));
        }
        let m = i32::try_from(month.month()).unwrap_or(1);
        let n = stats::publish(&mut tx, code.as_str(), month.year(), m, now_ms()).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "update",
                "stats_snapshot",
                &format!("{code}/{month}"),
                code.as_str(),
            )
            .summary(format!(
                "发布 {name} {} 项目进度数据（{n} 个乡镇）",
                month.label_zh()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}
