//! The monthly illustrated progress report (每月图文并茂): every figure comes
//! from the same stats as the pages and the API; the documents layer lays it
//! out as Word.

use crate::photos::PhotoVariant;
use crate::stats::{RankBy, Source};
use crate::{Actor, Result, ServiceError, Services};
use meizhen_documents::{BarChart, LineChart, Photo, ProgressReport, RankingRow, ReportHeadings};
use meizhen_domain::money::Fen;
use meizhen_domain::project::YearMonth;
use meizhen_domain::rates::format_percent;
use meizhen_domain::Level;

fn yi(fen: i64) -> String {
    Fen::new(fen).to_yi_string(2)
}

fn wan(fen: i64) -> String {
    Fen::new(fen).to_wan_string(2)
}

/// "台州市" → "全市", "仙居县" → "全县", "33" → "全省".
fn whole(level: Level) -> &'static str {
    match level {
        Level::Province => "全省",
        Level::City => "全市",
        Level::County => "全县",
        _ => "全镇",
    }
}

fn office(level: Level, name: &str) -> String {
    match level {
        Level::Province => "浙江省美丽城镇建设工作领导小组办公室".into(),
        _ => format!("{name}美丽城镇建设工作领导小组办公室"),
    }
}

impl Services {
    /// The report's content for a region and month.
    pub async fn progress_report(
        &self,
        actor: &Actor,
        code: &str,
        month: YearMonth,
        today: chrono::NaiveDate,
    ) -> Result<ProgressReport> {
        let view = self.region(actor, code).await?;
        let level = meizhen_domain::RegionCode::parse(code)?.level();
        if level >= Level::Town {
            return Err(ServiceError::invalid("region", "月报按县、市或全省生成"));
        }
        let s = self.project_stats(actor, code, month, Source::Live).await?;
        if s.projects == 0 {
            return Err(ServiceError::NotFound(format!(
                "{} {} 没有项目数据，无法生成月报",
                view.region.name,
                month.label_zh()
            )));
        }
        let ranking = self
            .project_ranking(actor, code, month, RankBy::Investment, Source::Live)
            .await?;
        let trend = self.project_trend(actor, code, month.year()).await?;
        let towns = self.month_overview(actor, code, month, today).await?;
        let w = whole(level);
        let mut headline = vec![format!(
            "截至{}月底，{w}共有美丽城镇建设项目{}个，已开工{}个（含已完工），开工率{}；已完工{}个，完工率{}。",
            month.month(), s.projects, s.started, format_percent(s.start_rate, 2), s.completed, format_percent(s.completion_rate, 2)
        )];
        headline.push(format!(
            "项目总投资{}亿元，{}年计划投资{}亿元，1—{}月累计完成投资{}亿元，投资完成率{}。",
            yi(s.total_investment_fen),
            month.year(),
            yi(s.planned_investment_fen),
            month.month(),
            yi(s.completed_investment_fen),
            format_percent(s.investment_completion_rate, 2)
        ));
        let missing: Vec<&str> = towns
            .iter()
            .filter(|t| t.report_state == "missing")
            .map(|t| t.name.as_str())
            .collect();
        let late = towns.iter().filter(|t| t.report_state == "late").count();
        headline.push(format!(
            "本月应报项目月报{}份，已报{}份；{}个乡镇（街道）逾期未报，{}个逾期补报。",
            s.reports_expected,
            s.reports_submitted,
            missing.len(),
            late
        ));
        let rows: Vec<RankingRow> = ranking
            .iter()
            .map(|r| RankingRow {
                rank: r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                name: r.name.clone(),
                projects: r.stats.projects,
                start_rate: format_percent(r.stats.start_rate, 2),
                completion_rate: format_percent(r.stats.completion_rate, 2),
                planned_wan: wan(r.stats.planned_investment_fen),
                completed_wan: wan(r.stats.completed_investment_fen),
                investment_rate: format_percent(r.stats.investment_completion_rate, 2),
                change: r.change_label.clone(),
            })
            .collect();
        let total_row = RankingRow {
            rank: String::new(),
            name: format!("{w}合计"),
            projects: s.projects,
            start_rate: format_percent(s.start_rate, 2),
            completion_rate: format_percent(s.completion_rate, 2),
            planned_wan: wan(s.planned_investment_fen),
            completed_wan: wan(s.completed_investment_fen),
            investment_rate: format_percent(s.investment_completion_rate, 2),
            change: String::new(),
        };
        let rate = |v: Option<f64>| v.unwrap_or(0.0);
        let rate_chart = BarChart {
            title: format!(
                "{}各地项目推进三率（截至{}月底）",
                view.region.name,
                month.month()
            ),
            categories: ranking.iter().map(|r| r.name.clone()).collect(),
            series: vec![
                (
                    "开工率".into(),
                    ranking.iter().map(|r| rate(r.stats.start_rate)).collect(),
                ),
                (
                    "完工率".into(),
                    ranking
                        .iter()
                        .map(|r| rate(r.stats.completion_rate))
                        .collect(),
                ),
                (
                    "投资完成率".into(),
                    ranking
                        .iter()
                        .map(|r| rate(r.stats.investment_completion_rate))
                        .collect(),
                ),
            ],
            percent: true,
        };
        let mut planned = vec![None; 12];
        let mut done = vec![None; 12];
        for t in &trend {
            let i = (t.month as usize).saturating_sub(1).min(11);
            if t.month <= month.month() {
                done[i] = Some(t.completed_investment_fen as f64 / 1_000_000.0);
            }
            planned[i] = Some(t.planned_investment_fen as f64 / 1_000_000.0);
        }
        let trend_chart = LineChart {
            title: format!("{}{}年投资完成趋势（万元）", view.region.name, month.year()),
            categories: (1..=12).map(|m| format!("{m}月")).collect(),
            series: vec![
                ("年度计划投资".into(), planned),
                ("累计完成投资".into(), done),
            ],
        };
        // Problems, computed: the last places by investment rate, and towns
        // that have not reported.
        let mut closing = Vec::new();
        let ranked: Vec<_> = ranking.iter().filter(|r| r.rank.is_some()).collect();
        if ranked.len() >= 3 {
            let tail: Vec<String> = ranked
                .iter()
                .rev()
                .take(2)
                .map(|r| {
                    format!(
                        "{}（{}）",
                        r.name,
                        format_percent(r.stats.investment_completion_rate, 2)
                    )
                })
                .collect();
            closing.push(format!(
                "投资完成率排名靠后的是{}，请加快项目推进。",
                tail.join("、")
            ));
        }
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(10).copied().collect();
            closing.push(format!(
                "{}等{}个乡镇（街道）{}月报逾期未报，请督促按时填报。",
                shown.join("、"),
                missing.len(),
                month.label_zh()
            ));
        }
        closing.push(
            "请各地对照年度目标，倒排工期、挂图作战，确保项目按期开工、完工，投资按计划完成。"
                .into(),
        );
        let photos = self.report_photos(actor, code, month).await?;
        let today_text =
            meizhen_domain::time::format_date_zh(chrono::Utc::now().timestamp_millis());
        Ok(ProgressReport {
            title: format!("{}美丽城镇建设项目进度月报", view.region.name),
            subtitle: month.label_zh(),
            issuer: office(level, &view.region.name),
            date_text: today_text,
            headings: ReportHeadings {
                overview: "一、总体进展情况".into(),
                ranking: "二、各地推进情况".into(),
                charts: "三、投资完成情况".into(),
                photos: "四、建设现场".into(),
                closing: "五、存在问题和下步工作".into(),
            },
            headline,
            ranking_title: format!(
                "{}各地美丽城镇建设项目推进情况（截至{}月底）",
                view.region.name,
                month.month()
            ),
            ranking_headers: Default::default(),
            ranking: rows,
            total_row: Some(total_row),
            rate_chart,
            trend_chart,
            photos,
            closing,
        })
    }

    /// Up to six progress photos of the month: filed with its reports, or
    /// uploaded during it or the month after (when its reports are filed).
    async fn report_photos(
        &self,
        actor: &Actor,
        code: &str,
        month: YearMonth,
    ) -> Result<Vec<Photo>> {
        let start = |m: YearMonth| {
            m.first_day()
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis() - 8 * 3600 * 1000)
                .unwrap_or(0)
        };
        let (from, to) = (start(month), start(month.next().next()));
        let rows = {
            let mut tx = self.db().begin_read().await?;
            let m = i32::try_from(month.month()).unwrap_or(1);
            meizhen_storage::repo::projects::photos_in_region(
                &mut tx,
                actor.scope(),
                code,
                month.year(),
                m,
                from,
                to,
                6,
            )
            .await?
        };
        let mut out = Vec::new();
        for p in rows {
            let (_, bytes) = self.photo_file(actor, p.id, PhotoVariant::Display).await?;
            let caption = if p.caption.is_empty() {
                format!("{} {}", p.town_name, p.project_name)
            } else {
                format!("{} {}：{}", p.town_name, p.project_name, p.caption)
            };
            // 0 lets the documents layer read the size from the JPEG itself.
            out.push(Photo {
                bytes,
                caption,
                width_px: 0,
                height_px: 0,
            });
        }
        Ok(out)
    }

    pub async fn progress_report_docx(
        &self,
        actor: &Actor,
        code: &str,
        month: YearMonth,
        today: chrono::NaiveDate,
    ) -> Result<Vec<u8>> {
        let report = self.progress_report(actor, code, month, today).await?;
        meizhen_documents::progress_report_docx(&report)
            .map_err(|e| ServiceError::invalid("report", format!("月报生成失败：{e}")))
    }
}
