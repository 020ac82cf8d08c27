//! The project ledger as offices circulate it: title, header, the projects
//! county by county with a 小计 after each, and a 合计. Written row by row
//! (streamed), one county in memory at a time, so a province's 60,000 rows
//! do not sit in memory.

use crate::{Actor, Result, ServiceError, Services};
use meizhen_documents::{Cell, Column, ColumnKind, TableHeader, XlsxStreamWriter};
use meizhen_domain::project::{Pillar, ProjectStatus};
use meizhen_domain::{Level, RegionCode};
use meizhen_storage::regions;
use meizhen_storage::repo::projects as repo;
use std::path::Path;

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportSummary {
    pub projects: u64,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
}

fn header(title: String, subtitle: String, year: i32) -> TableHeader {
    let col = |h: &str, w: f64, k: ColumnKind| Column::new(h, w, k);
    TableHeader {
        title,
        subtitle: Some(subtitle),
        columns: vec![
            col("县（市、区）", 12.0, ColumnKind::Text),
            col("乡镇（街道）", 12.0, ColumnKind::Text),
            col("项目编号", 14.0, ColumnKind::Text),
            col("项目名称", 34.0, ColumnKind::Text),
            col("五美类别", 10.0, ColumnKind::Text),
            col("重点项目", 8.0, ColumnKind::Text),
            col("业主单位", 18.0, ColumnKind::Text),
            col("项目状态", 8.0, ColumnKind::Text),
            col("总投资（万元）", 14.0, ColumnKind::Money),
            col(
                &format!("{year}年计划投资（万元）"),
                16.0,
                ColumnKind::Money,
            ),
            col("计划开工", 11.0, ColumnKind::Date),
            col("计划完工", 11.0, ColumnKind::Date),
            col("形象进度", 30.0, ColumnKind::Text),
        ],
    }
}

fn subtotal(label: String, n: u64, total: i64, planned: i64) -> Vec<Cell> {
    let mut row = vec![Cell::Text(label), Cell::Text(format!("{n} 个"))];
    row.extend(std::iter::repeat_n(Cell::Empty, 6));
    row.extend([
        Cell::Fen(total),
        Cell::Fen(planned),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ]);
    row
}

impl Services {
    /// Writes the year's project ledger of a region to `path` (.xlsx).
    pub async fn export_project_ledger(
        &self,
        actor: &Actor,
        region: &str,
        year: i32,
        path: &Path,
    ) -> Result<ExportSummary> {
        crate::auth::require_password_changed(actor)?;
        meizhen_domain::town::check_year(year)?;
        let code = RegionCode::parse(region)?;
        let mut tx = self.db().begin_read().await?;
        let row = regions::get(&mut tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        // Group by county (or by town below a county).
        let groups: Vec<(String, String)> = match code.level() {
            Level::Province | Level::City => {
                let mut counties = Vec::new();
                for city in if code.level() == Level::Province {
                    regions::children(&mut tx, actor.scope(), &code)
                        .await?
                        .into_iter()
                        .map(|c| c.code)
                        .collect::<Vec<_>>()
                } else {
                    vec![code.to_string()]
                } {
                    let c = RegionCode::parse(&city)?;
                    counties.extend(
                        regions::children(&mut tx, actor.scope(), &c)
                            .await?
                            .into_iter()
                            .map(|k| (k.code, k.name)),
                    );
                }
                counties
            }
            _ => vec![(code.to_string(), row.name.clone())],
        };
        let subtitle = format!(
            "导出人：{}　导出时间：{}　单位：万元",
            actor.username,
            meizhen_domain::time::format_ms(chrono::Utc::now().timestamp_millis())
        );
        let head = header(
            format!("{}{year}年美丽城镇建设项目表", row.name),
            subtitle,
            year,
        );
        let path = path.to_owned();
        let doc_err = |e: meizhen_documents::DocumentError| {
            ServiceError::invalid("file", format!("导出失败：{e}"))
        };
        let mut writer = XlsxStreamWriter::new(&path, "项目表", &head).map_err(doc_err)?;
        let mut sum = ExportSummary::default();
        // Per group totals for the summary sheet's chart (万元).
        let mut chart_rows: Vec<(String, f64, f64)> = Vec::new();
        for (county, county_name) in &groups {
            let lines = repo::ledger_lines(&mut tx, actor.scope(), county, year).await?;
            if lines.is_empty() {
                continue;
            }
            let (mut n, mut total, mut planned) = (0u64, 0i64, 0i64);
            for l in &lines {
                let cells = vec![
                    Cell::Text(county_name.clone()),
                    Cell::Text(l.town_name.clone()),
                    Cell::Text(l.code.clone()),
                    Cell::Text(l.name.clone()),
                    Cell::Text(
                        Pillar::from_id(&l.pillar)
                            .map(|p| p.label())
                            .unwrap_or("")
                            .into(),
                    ),
                    Cell::Text(if l.is_key { "是" } else { "" }.into()),
                    Cell::Text(l.owner_unit.clone()),
                    Cell::Text(
                        ProjectStatus::from_id(&l.status)
                            .map(|s| s.label())
                            .unwrap_or("")
                            .into(),
                    ),
                    Cell::Fen(l.total_investment_fen),
                    Cell::Fen(l.planned_investment_fen),
                    l.planned_start
                        .clone()
                        .map(Cell::Text)
                        .unwrap_or(Cell::Empty),
                    l.planned_finish
                        .clone()
                        .map(Cell::Text)
                        .unwrap_or(Cell::Empty),
                    Cell::Text(l.progress_text.clone()),
                ];
                writer.write_row(&cells).map_err(doc_err)?;
                n += 1;
                total += l.total_investment_fen;
                planned += l.planned_investment_fen;
            }
            let to_wan = |f: i64| {
                meizhen_domain::money::Fen::new(f)
                    .to_wan_string(2)
                    .parse::<f64>()
                    .unwrap_or(0.0)
            };
            chart_rows.push((county_name.clone(), to_wan(total), to_wan(planned)));
            if groups.len() > 1 {
                writer
                    .write_row(&subtotal(format!("{county_name}小计"), n, total, planned))
                    .map_err(doc_err)?;
            }
            sum.projects += n;
            sum.total_investment_fen += total;
            sum.planned_investment_fen += planned;
        }
        let total_row = subtotal(
            "合计".into(),
            sum.projects,
            sum.total_investment_fen,
            sum.planned_investment_fen,
        );
        let summary = meizhen_documents::SummaryChart {
            sheet_name: "汇总".into(),
            title: format!("{}{year}年各地项目投资（万元）", row.name),
            category_header: "县（市、区）".into(),
            categories: chart_rows.iter().map(|r| r.0.clone()).collect(),
            series: vec![
                ("总投资".into(), chart_rows.iter().map(|r| r.1).collect()),
                (
                    format!("{year}年计划投资"),
                    chart_rows.iter().map(|r| r.2).collect(),
                ),
            ],
            y_axis: "万元".into(),
        };
        writer
            .finish_with_summary(Some(&total_row), &summary)
            .map_err(doc_err)?;
        Ok(sum)
    }
}
