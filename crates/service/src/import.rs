//! Importing project ledgers as offices keep them in Excel.
//!
//! The sheet is read by `documents::ledger` (headers, units, 小计 rows …);
//! here each row becomes a project in a town of the caller's scope. Valid rows
//! are imported, every rejected row is reported with its sheet row number and
//! a Chinese reason, a row repeated in the sheet is reported once, and a
//! project already in the library (same town and code) is updated. Everything
//! happens in one transaction: a dry run rolls it back, and a failure leaves
//! nothing half-imported.

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::projects::{
    may_write_projects, recompute_town_year, validate, PlanInput, ProjectInput, ReportInput,
};
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_documents::ledger::{self, Field, LedgerRow, RawValue};
use meizhen_domain::money::{Fen, MoneyUnit};
use meizhen_domain::page::PageRequest;
use meizhen_domain::project::{match_town, YearMonth};
use meizhen_domain::{Level, RegionCode};
use meizhen_storage::repo::projects as repo;
use meizhen_storage::{now_ms, regions};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejected {
    pub row: u32,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Duplicate {
    pub row: u32,
    /// The row it repeats.
    pub first_row: u32,
}

/// The `--json` contract of `meizhen import projects`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub imported: u32,
    pub updated: u32,
    pub rejected: Vec<Rejected>,
    pub duplicates: Vec<Duplicate>,
    pub dry_run: bool,
    pub sheet: String,
    /// Rows skipped as 小计/合计, blank or notes: (row, why).
    pub skipped: Vec<(u32, String)>,
    /// Totals of the imported and updated rows, exact.
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
}

fn cell_text(v: &RawValue) -> String {
    ledger::clean_text(&v.to_string())
}

/// A money cell in the column's unit, as an exact 万元 string for validation.
fn money_text(
    v: &RawValue,
    unit: Option<ledger::MoneyUnit>,
) -> std::result::Result<String, String> {
    let unit = unit.unwrap_or(ledger::MoneyUnit::WanYuan);
    let fen = match v {
        RawValue::Empty => return Ok(String::new()),
        RawValue::Number(n) => unit
            .fen_from_number(*n)
            .ok_or_else(|| format!("金额 {n} 无法换算"))?,
        RawValue::Date(..) => return Err(format!("金额列填成了日期 {v}")),
        RawValue::Text(t) => match unit.fen_from_text(t) {
            Some(f) => f,
            // Text with its own unit ("1.2亿元") or other forms.
            None => Fen::parse_amount(t, domain_unit(unit))
                .map(Fen::get)
                .map_err(|e| e.message)?,
        },
    };
    Ok(Fen::new(fen).format_exact(MoneyUnit::Wan))
}

fn domain_unit(u: ledger::MoneyUnit) -> MoneyUnit {
    match u.fen_per_unit() {
        100 => MoneyUnit::Yuan,
        f if f >= 10_000_000_000 => MoneyUnit::Yi,
        _ => MoneyUnit::Wan,
    }
}

fn date_text(v: &RawValue) -> String {
    match v {
        RawValue::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        // 2020.3 typed into a number cell. (2020.10 is indistinguishable
        // from 2020.1 once Excel stores it: a known limit of such sheets.)
        RawValue::Number(n) => format!("{n}"),
        other => cell_text(other),
    }
}

struct Towns {
    towns: Vec<(String, String)>,
    counties: Vec<(String, String)>,
}

impl Services {
    /// Imports a ledger for `year` (plans go to that year). With `month`, the
    /// completed-investment, status and progress columns are also recorded as
    /// that month's reports.
    pub async fn import_projects(
        &self,
        actor: &Actor,
        bytes: &[u8],
        year: i32,
        month: Option<YearMonth>,
        dry_run: bool,
        meta: &RequestMeta,
    ) -> Result<ImportReport> {
        require_password_changed(actor)?;
        meizhen_domain::town::check_year(year)?;
        let sheet = ledger::read_project_ledger(bytes)
            .map_err(|e| ServiceError::invalid("file", e.to_string()))?;
        let mut tx = self.db().begin().await?;
        let towns = load_towns(&mut tx, actor).await?;
        let mut report = ImportReport {
            dry_run,
            sheet: sheet.sheet.clone(),
            skipped: sheet
                .skipped
                .iter()
                .map(|(r, why)| (*r, why.to_string()))
                .collect(),
            ..Default::default()
        };
        let mut seen: BTreeMap<(String, String), u32> = BTreeMap::new();
        let mut touched: BTreeSet<(String, i32)> = BTreeSet::new();
        let mut reports_to_file: Vec<(i64, ReportInput)> = Vec::new();
        let now = now_ms();
        for row in &sheet.rows {
            let parsed = match row_to_input(&sheet, row, &towns, year) {
                Ok(p) => p,
                Err(reason) => {
                    report.rejected.push(Rejected {
                        row: row.row,
                        reason,
                    });
                    continue;
                }
            };
            let (town, input) = parsed;
            let key = (town.clone(), input.code.clone());
            if let Some(first) = seen.get(&key) {
                report.duplicates.push(Duplicate {
                    row: row.row,
                    first_row: *first,
                });
                continue;
            }
            seen.insert(key, row.row);
            let town_code = RegionCode::parse(&town)?;
            if !may_write_projects(actor, &town_code) {
                report.rejected.push(Rejected {
                    row: row.row,
                    reason: "无权录入该乡镇的项目".into(),
                });
                continue;
            }
            let (fields, plans) = match validate(&input) {
                Ok(v) => v,
                Err(e) => {
                    report.rejected.push(Rejected {
                        row: row.row,
                        reason: field_reason(&e),
                    });
                    continue;
                }
            };
            let existing = repo::by_code(&mut tx, actor.scope(), &town, &fields.code).await?;
            let id = match existing {
                Some(before) => {
                    let from = meizhen_domain::project::ProjectStatus::from_id(&before.status);
                    let to = meizhen_domain::project::ProjectStatus::from_id(&fields.status);
                    // An import may not silently move a project backwards.
                    if let (Some(f), Some(t)) = (from, to) {
                        if t < f {
                            report.rejected.push(Rejected {
                                row: row.row,
                                reason: format!(
                                    "项目状态不能从“{}”改回“{}”（请在系统中更正并说明原因）",
                                    f.label(),
                                    t.label()
                                ),
                            });
                            continue;
                        }
                    }
                    repo::update(&mut tx, before.id, &fields, now).await?;
                    for (y, fen) in &plans {
                        repo::set_plan(&mut tx, before.id, &town, *y, fen.get()).await?;
                    }
                    record(
                        &mut tx,
                        Some(actor),
                        meta,
                        Change::new("update", "project", &before.id.to_string(), &town)
                            .before(serde_json::to_value(&before).unwrap_or_default())
                            .after(serde_json::to_value(&fields).unwrap_or_default())
                            .summary(format!(
                                "台账导入更新项目“{}”（第 {} 行）",
                                fields.name, row.row
                            )),
                    )
                    .await?;
                    report.updated += 1;
                    before.id
                }
                None => {
                    let id = repo::insert(&mut tx, &town, &fields, Some(actor.id), now).await?;
                    for (y, fen) in &plans {
                        repo::set_plan(&mut tx, id, &town, *y, fen.get()).await?;
                    }
                    record(
                        &mut tx,
                        Some(actor),
                        meta,
                        Change::new("create", "project", &id.to_string(), &town)
                            .after(serde_json::to_value(&fields).unwrap_or_default())
                            .summary(format!(
                                "台账导入新增项目“{}”（第 {} 行）",
                                fields.name, row.row
                            )),
                    )
                    .await?;
                    report.imported += 1;
                    id
                }
            };
            report.total_investment_fen += fields.total_investment_fen;
            report.planned_investment_fen += plans
                .iter()
                .filter(|(y, _)| *y == year)
                .map(|(_, f)| f.get())
                .sum::<i64>();
            for (y, _) in &plans {
                touched.insert((town.clone(), *y));
            }
            if month.is_some() {
                if let Ok(cum) = money_text(row.get(Field::Completed), sheet.unit(Field::Completed))
                {
                    if !cum.is_empty() {
                        reports_to_file.push((
                            id,
                            ReportInput {
                                cumulative_investment: cum,
                                status: input.status.clone(),
                                progress_text: input.progress_text.clone(),
                                progress_pct: input.progress_pct,
                                problems: input.problems.clone(),
                                correction_reason: String::new(),
                            },
                        ));
                    }
                }
            }
        }
        for (town, y) in &touched {
            recompute_town_year(&mut tx, town, *y).await?;
        }
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "create",
                "project_import",
                &sheet.sheet,
                actor.region.as_str(),
            )
            .summary(format!(
                "导入项目台账“{}”：新增 {} 个，更新 {} 个，拒绝 {} 行，重复 {} 行{}",
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
            )),
        )
        .await?;
        if dry_run {
            // Dropping the transaction rolls everything back.
            drop(tx);
            return Ok(report);
        }
        tx.commit().await?;
        // Monthly figures go through the report rules (cumulative checks,
        // locks, audit), one by one, after the library is in place.
        if let Some(m) = month {
            for (id, input) in reports_to_file {
                if let Err(e) = self.submit_report(actor, id, m, &input, meta).await {
                    report.rejected.push(Rejected {
                        row: 0,
                        reason: format!("项目 {id} 的 {} 月报未导入：{e}", m.label_zh()),
                    });
                }
            }
        }
        Ok(report)
    }
}

fn field_reason(e: &ServiceError) -> String {
    e.to_string()
}

async fn load_towns(tx: &mut meizhen_storage::Tx, actor: &Actor) -> Result<Towns> {
    let all = PageRequest::new(Some(1), Some(meizhen_domain::page::MAX_PER_PAGE));
    let mut towns = Vec::new();
    let mut counties = Vec::new();
    for (level, out) in [(Level::Town, &mut towns), (Level::County, &mut counties)] {
        let mut p = all;
        loop {
            let page = regions::search(tx, actor.scope(), "", Some(level), &p).await?;
            let done = !page.has_next();
            out.extend(page.items.into_iter().map(|r| (r.code, r.name)));
            if done {
                break;
            }
            p.page += 1;
        }
    }
    // A town's own county is above its scope but still names it in sheets.
    if let Some(county) = actor
        .region
        .ancestor_at(Level::County)
        .filter(|c| *c != actor.region)
    {
        counties.extend(regions::names(tx, &[county]).await?);
    }
    Ok(Towns { towns, counties })
}

/// One sheet row as a project input for a town, or the Chinese reason it cannot be.
fn row_to_input(
    sheet: &ledger::LedgerSheet,
    row: &LedgerRow,
    towns: &Towns,
    year: i32,
) -> std::result::Result<(String, ProjectInput), String> {
    let get = |f: Field| row.get(f);
    let town_text = cell_text(get(Field::Town));
    if town_text.is_empty() {
        return Err("缺少乡镇名称".into());
    }
    let county_text = cell_text(get(Field::County));
    // The county column narrows same-named towns; a town cell that already
    // names its county is taken as it is.
    let input_town = if town_text.starts_with(&county_text) {
        town_text.clone()
    } else {
        format!("{county_text}{town_text}")
    };
    let town = match_town(&input_town, &towns.towns, &towns.counties)
        .map_err(|e| format!("乡镇“{town_text}”：{e}"))?
        .to_owned();
    let name = cell_text(get(Field::Name));
    if name.is_empty() {
        return Err("缺少项目名称".into());
    }
    let code = match cell_text(get(Field::Code)) {
        c if c.is_empty() => name.chars().take(40).collect(),
        c => c,
    };
    let money = |f: Field, label: &str| {
        money_text(get(f), sheet.unit(f)).map_err(|e| format!("{label}：{e}"))
    };
    let total = money(Field::TotalInvestment, "总投资")?;
    let plan = money(Field::YearPlan, "年度计划投资")?;
    let pct = match get(Field::ProgressPct) {
        RawValue::Number(n) if *n <= 1.0 && *n > 0.0 && n.fract() != 0.0 => {
            Some((n * 100.0).round() as i32)
        }
        RawValue::Number(n) => Some(n.round() as i32),
        RawValue::Text(t) if !t.trim().is_empty() => Some(
            ledger::to_half_width(t.trim())
                .trim_end_matches('%')
                .parse::<f64>()
                .map(|v| v.round() as i32)
                .map_err(|_| format!("形象进度百分比“{t}”无效"))?,
        ),
        _ => None,
    };
    let count = |f: Field| match get(f) {
        RawValue::Number(n) => format!("{n}"),
        other => cell_text(other),
    };
    Ok((
        town,
        ProjectInput {
            code,
            name,
            pillar: cell_text(get(Field::Pillar)),
            basic_facility: Some(cell_text(get(Field::BasicFacility))),
            is_key: ledger::parse_bool_zh(&cell_text(get(Field::Key))).unwrap_or(false),
            content: cell_text(get(Field::Content)),
            owner_unit: cell_text(get(Field::Owner)),
            responsible_person: cell_text(get(Field::Person)),
            funding_sources: cell_text(get(Field::Funding)),
            total_investment: total,
            plans: if plan.is_empty() {
                Vec::new()
            } else {
                vec![PlanInput { year, amount: plan }]
            },
            planned_start: date_text(get(Field::PlannedStart)),
            planned_finish: date_text(get(Field::PlannedFinish)),
            actual_start: date_text(get(Field::ActualStart)),
            actual_finish: date_text(get(Field::ActualFinish)),
            status: cell_text(get(Field::Status)),
            progress_text: cell_text(get(Field::Progress)),
            progress_pct: pct,
            land_acquired: count(Field::LandAcquired),
            land_transferred: count(Field::LandTransferred),
            graves_moved: count(Field::GravesMoved),
            households_relocated: count(Field::HouseholdsRelocated),
            problems: cell_text(get(Field::Problems)),
            correction_reason: String::new(),
        },
    ))
}
