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
    fields_of, may_write_projects, recompute_town_year, town_figures, validate, PlanInput,
    ProjectInput, ReportInput,
};
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_documents::ledger::{self, Field, LedgerRow, RawValue};
use meizhen_domain::audit::{diff, redact};
use meizhen_domain::money::{Fen, MoneyUnit};
use meizhen_domain::page::PageRequest;
use meizhen_domain::project::{
    match_town, normalize_town_name, ProjectStatus, TownMatchError, YearMonth,
};
use meizhen_domain::text::compact;
use meizhen_domain::{Level, RegionCode};
use meizhen_storage::repo::audit::NewEntry;
use meizhen_storage::repo::projects::{
    self as repo, ProjectFields, ProjectRow, ProjectYearRow, ReportRow,
};
use meizhen_storage::repo::stats::{self, Figures, Source};
use meizhen_storage::{now_ms, regions};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    /// Town years whose figures were recomputed in full because the stored
    /// ones did not add up (see `update_figures`); 0 normally.
    #[serde(skip)]
    pub towns_recomputed: u32,
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

/// The towns (and counties naming them) an import may match, with an index
/// so that a sheet of 10,000 rows does not compare every row with every town.
struct Towns {
    towns: Vec<(String, String)>,
    counties: Vec<(String, String)>,
    /// Town indices by normalized name (see `normalize_town_name`).
    by_normalized: HashMap<String, Vec<usize>>,
    /// Answers so far, by the text matched.
    matched: HashMap<String, std::result::Result<String, TownMatchError>>,
}

impl Towns {
    fn new(towns: Vec<(String, String)>, counties: Vec<(String, String)>) -> Towns {
        let full_names: Vec<&str> = counties.iter().map(|(_, n)| n.as_str()).collect();
        let mut by_normalized: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (_, name)) in towns.iter().enumerate() {
            by_normalized
                .entry(normalize_town_name(name, &full_names))
                .or_default()
                .push(i);
        }
        Towns {
            towns,
            counties,
            by_normalized,
            matched: HashMap::new(),
        }
    }

    /// `match_town` over every town, answered from the few that can match:
    /// whatever step finds a town, its normalized name lies inside the
    /// compacted input (a town's normalized name is a piece of its compacted
    /// name, and the input, less leading county names and a suffix, is
    /// compared with it), so the towns whose normalized name is a substring
    /// of the input give the same answer.
    fn find(&mut self, input: &str) -> std::result::Result<String, TownMatchError> {
        if let Some(done) = self.matched.get(input) {
            return done.clone();
        }
        let key = compact(input);
        let bounds: Vec<usize> = key
            .char_indices()
            .map(|(i, _)| i)
            .chain([key.len()])
            .collect();
        let mut picked: BTreeSet<usize> = BTreeSet::new();
        for (n, from) in bounds.iter().enumerate() {
            for to in &bounds[n + 1..] {
                if let Some(found) = self.by_normalized.get(&key[*from..*to]) {
                    picked.extend(found);
                }
            }
        }
        let candidates: Vec<&(String, String)> = picked.iter().map(|i| &self.towns[*i]).collect();
        let pairs: Vec<(&str, &str)> = candidates
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();
        let answer = match_town(input, &pairs, &self.counties).map(str::to_owned);
        self.matched.insert(input.to_owned(), answer.clone());
        answer
    }
}

/// A row that passed every check that needs no database: what it would write.
struct Accepted {
    row: u32,
    town: String,
    fields: ProjectFields,
    plans: Vec<(i32, Fen)>,
    /// The month's report to file after the import (with `month`).
    report: Option<ReportInput>,
}

/// A project's row in a year's figures: as stored, or as it will be.
fn year_row(id: i64, f: &ProjectFields, plan_fen: i64) -> ProjectYearRow {
    ProjectYearRow {
        id,
        status: f.status.clone(),
        total_investment_fen: f.total_investment_fen,
        planned_start: f.planned_start.clone(),
        planned_finish: f.planned_finish.clone(),
        planned_investment_fen: plan_fen,
    }
}

/// The projects of one town's year that the import changes: before and after.
#[derive(Default)]
struct TownYearChange {
    before: Vec<ProjectYearRow>,
    after: Vec<ProjectYearRow>,
}

impl Services {
    /// Imports a ledger for `year` (plans go to that year). With `month`, the
    /// completed-investment, status and progress columns are also recorded as
    /// that month's reports.
    ///
    /// Rows are checked one by one, then the library is read and written a
    /// few hundred rows a statement, and each affected town's year of figures
    /// is updated once (see [`update_figures`]).
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
        let mut laps = Laps::start();
        let sheet = ledger::read_project_ledger(bytes)
            .map_err(|e| ServiceError::invalid("file", e.to_string()))?;
        let mut tx = self.db().begin().await?;
        let mut towns = load_towns(&mut tx, actor).await?;
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

        laps.lap("read sheet");
        // 1. Every row on its own: town, fields, duplicates, permission.
        let mut seen: HashMap<(String, String), u32> = HashMap::new();
        let mut accepted: Vec<Accepted> = Vec::new();
        for row in &sheet.rows {
            let (town, input) = match row_to_input(&sheet, row, &mut towns, year) {
                Ok(p) => p,
                Err(reason) => {
                    report.rejected.push(Rejected {
                        row: row.row,
                        reason,
                    });
                    continue;
                }
            };
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
            let report_input = month
                .and_then(|_| {
                    money_text(row.get(Field::Completed), sheet.unit(Field::Completed)).ok()
                })
                .filter(|cum| !cum.is_empty())
                .map(|cum| ReportInput {
                    cumulative_investment: cum,
                    status: input.status.clone(),
                    progress_text: input.progress_text.clone(),
                    progress_pct: input.progress_pct,
                    problems: input.problems.clone(),
                    correction_reason: String::new(),
                });
            accepted.push(Accepted {
                row: row.row,
                town,
                fields,
                plans,
                report: report_input,
            });
        }

        laps.lap("check rows");
        // 2. The projects already in the library, their plans, and (for the
        //    figures) their reports, all at once.
        let keys: Vec<(String, String)> = accepted
            .iter()
            .map(|a| (a.town.clone(), a.fields.code.clone()))
            .collect();
        let mut existing: HashMap<(String, String), ProjectRow> =
            repo::by_codes(&mut tx, actor.scope(), &keys)
                .await?
                .into_iter()
                .map(|p| ((p.town_code.clone(), p.code.clone()), p))
                .collect();
        let existing_ids: Vec<i64> = existing.values().map(|p| p.id).collect();
        let mut old_plans: HashMap<i64, Vec<(i32, i64)>> = HashMap::new();
        for p in repo::plans_of(&mut tx, &existing_ids).await? {
            old_plans
                .entry(p.project_id)
                .or_default()
                .push((p.year, p.planned_investment_fen));
        }

        laps.lap("look up");
        // 3. Updates (an import may not silently move a project backwards)
        //    and inserts, in sheet order.
        let now = now_ms();
        let mut updates: Vec<(usize, ProjectRow)> = Vec::new();
        let mut inserts: Vec<usize> = Vec::new();
        for (i, a) in accepted.iter().enumerate() {
            let Some(before) = existing.remove(&(a.town.clone(), a.fields.code.clone())) else {
                inserts.push(i);
                continue;
            };
            let from = ProjectStatus::from_id(&before.status);
            let to = ProjectStatus::from_id(&a.fields.status);
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    report.rejected.push(Rejected {
                        row: a.row,
                        reason: format!(
                            "项目状态不能从“{}”改回“{}”（请在系统中更正并说明原因）",
                            f.label(),
                            t.label()
                        ),
                    });
                    continue;
                }
            }
            updates.push((i, before));
        }
        // Rejections in sheet order, as they were found row by row.
        report.rejected.sort_by_key(|r| r.row);

        let mut changes: BTreeMap<(String, i32), TownYearChange> = BTreeMap::new();
        let mut id_of: Vec<Option<i64>> = vec![None; accepted.len()];
        let updated_rows: Vec<(i64, ProjectFields)> = updates
            .iter()
            .map(|(i, before)| (before.id, accepted[*i].fields.clone()))
            .collect();
        repo::update_many(&mut tx, &updated_rows, now).await?;
        // Updated projects whose figures change (and so whose reports count).
        let mut refigured: Vec<i64> = Vec::new();
        for (i, before) in &updates {
            let a = &accepted[*i];
            id_of[*i] = Some(before.id);
            let old = old_plans.get(&before.id).cloned().unwrap_or_default();
            // Every year the project is in, before or after: its figures move
            // with the project's status and amounts.
            let mut years: BTreeSet<i32> = old.iter().map(|(y, _)| *y).collect();
            years.extend(a.plans.iter().map(|(y, _)| *y));
            for y in years {
                let was = old.iter().find(|(py, _)| *py == y).map(|(_, f)| *f);
                let will = a
                    .plans
                    .iter()
                    .find(|(py, _)| *py == y)
                    .map(|(_, f)| f.get())
                    .or(was);
                let was = was.map(|fen| year_row(before.id, &fields_of(before), fen));
                let will = will.map(|fen| year_row(before.id, &a.fields, fen));
                // An import leaves reports alone: a project whose row for the
                // year is unchanged counts in its figures as before.
                if was == will {
                    continue;
                }
                refigured.push(before.id);
                let c = changes.entry((a.town.clone(), y)).or_default();
                c.before.extend(was);
                c.after.extend(will);
            }
        }
        let new_rows: Vec<repo::NewProject> = inserts
            .iter()
            .map(|i| repo::NewProject {
                town_code: accepted[*i].town.clone(),
                fields: accepted[*i].fields.clone(),
                created_by: Some(actor.id),
                created_at: now,
            })
            .collect();
        let new_ids: HashMap<(String, String), i64> = repo::insert_many(&mut tx, &new_rows)
            .await?
            .into_iter()
            .map(|(id, town, code)| ((town, code), id))
            .collect();
        for i in &inserts {
            let a = &accepted[*i];
            let id = new_ids
                .get(&(a.town.clone(), a.fields.code.clone()))
                .copied()
                .ok_or_else(|| {
                    ServiceError::Conflict(format!("项目“{}”未能写入", a.fields.code))
                })?;
            id_of[*i] = Some(id);
            for (y, fen) in &a.plans {
                changes
                    .entry((a.town.clone(), *y))
                    .or_default()
                    .after
                    .push(year_row(id, &a.fields, fen.get()));
            }
        }
        let plan_rows: Vec<(i64, String, i32, i64)> = accepted
            .iter()
            .zip(&id_of)
            .filter_map(|(a, id)| id.map(|id| (a, id)))
            .flat_map(|(a, id)| {
                a.plans
                    .iter()
                    .map(move |(y, fen)| (id, a.town.clone(), *y, fen.get()))
            })
            .collect();

        laps.lap("write projects");
        // 4. One audit entry per project, in sheet order, then the totals.
        let actor_name = actor.username.clone();
        let mut entries: Vec<(String, String, String, String, &str)> = Vec::new();
        let before_of: HashMap<usize, &ProjectRow> = updates.iter().map(|(i, b)| (*i, b)).collect();
        for (i, (a, id)) in accepted.iter().zip(&id_of).enumerate() {
            let Some(id) = id else { continue };
            let after = redact(serde_json::to_value(&a.fields).unwrap_or_default());
            let (action, before, summary) = match before_of.get(&i) {
                Some(b) => {
                    report.updated += 1;
                    (
                        "update",
                        Some(redact(serde_json::to_value(b).unwrap_or_default())),
                        format!("台账导入更新项目“{}”（第 {} 行）", a.fields.name, a.row),
                    )
                }
                None => {
                    report.imported += 1;
                    (
                        "create",
                        None,
                        format!("台账导入新增项目“{}”（第 {} 行）", a.fields.name, a.row),
                    )
                }
            };
            let changed = diff(before.as_ref(), Some(&after)).to_string();
            entries.push((id.to_string(), a.town.clone(), summary, changed, action));
            report.total_investment_fen += a.fields.total_investment_fen;
            report.planned_investment_fen += a
                .plans
                .iter()
                .filter(|(y, _)| *y == year)
                .map(|(_, f)| f.get())
                .sum::<i64>();
        }
        repo::set_plans_many(&mut tx, &plan_rows).await?;
        let at = now_ms();
        let address = Some(meta.address.as_str()).filter(|a| !a.is_empty());
        let actor_id = Some(actor).filter(|a| !a.is_system).map(|a| a.id);
        let new_entries: Vec<NewEntry<'_>> = entries
            .iter()
            .map(|(id, town, summary, changed, action)| NewEntry {
                at,
                actor_id,
                actor_name: &actor_name,
                action,
                entity: "project",
                entity_id: id,
                region_code: town,
                summary,
                changes: changed,
                address,
            })
            .collect();
        repo::insert_audit_entries(&mut tx, &new_entries).await?;

        laps.lap("plans and audit");
        // 5. Each affected town's year of figures, once.
        refigured.dedup();
        report.towns_recomputed = update_figures(&mut tx, actor, &refigured, changes).await?;
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
        laps.lap("figures");
        if dry_run {
            // Dropping the transaction rolls everything back.
            drop(tx);
            laps.done(&report);
            return Ok(report);
        }
        tx.commit().await?;
        laps.lap("commit");
        laps.done(&report);
        // Monthly figures go through the report rules (cumulative checks,
        // locks, audit), one by one, after the library is in place.
        if let Some(m) = month {
            for (a, id) in accepted.iter().zip(&id_of) {
                let (Some(id), Some(input)) = (id, &a.report) else {
                    continue;
                };
                if let Err(e) = self.submit_report(actor, *id, m, input, meta).await {
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

/// Where an import's time goes, logged at debug level
/// (`RUST_LOG=meizhen_service::import=debug`).
struct Laps {
    at: std::time::Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Laps {
    fn start() -> Laps {
        Laps {
            at: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, what: &'static str) {
        let now = std::time::Instant::now();
        self.laps
            .push((what, now.duration_since(self.at).as_secs_f64()));
        self.at = now;
    }

    fn done(&self, r: &ImportReport) {
        let laps: Vec<String> = self
            .laps
            .iter()
            .map(|(what, s)| format!("{what} {s:.3} s"))
            .collect();
        tracing::debug!(
            imported = r.imported,
            updated = r.updated,
            rejected = r.rejected.len(),
            towns_recomputed = r.towns_recomputed,
            "project import: {}",
            laps.join(", ")
        );
    }
}

/// Brings the live figures of every changed town's year up to date, as
/// `recompute_town_year` would compute them from the stored rows, without
/// reading the town's other reports: a town's figures are sums over its
/// projects, so the changed projects' old share is taken out and their new
/// share put in. Where the stored figures do not account for exactly the
/// town's projects of that year before the import (or are missing while it
/// had some), the year is recomputed in full instead. Returns how many town
/// years were.
///
/// Called after the projects and plans are written.
async fn update_figures(
    tx: &mut meizhen_storage::Tx,
    actor: &Actor,
    updated: &[i64],
    changes: BTreeMap<(String, i32), TownYearChange>,
) -> Result<u32> {
    if changes.is_empty() {
        return Ok(0);
    }
    let updated: BTreeSet<i64> = updated.iter().copied().collect();
    let mut by_year: BTreeMap<i32, Vec<&String>> = BTreeMap::new();
    for (town, y) in changes.keys() {
        by_year.entry(*y).or_default().push(town);
    }
    let mut puts: Vec<(String, i32, i32, Figures)> = Vec::new();
    let mut full: Vec<(String, i32)> = Vec::new();
    for (y, towns) in by_year {
        let list: Vec<String> = towns.iter().map(|t| (*t).clone()).collect();
        let counts: HashMap<String, i64> =
            repo::plan_counts(tx, &list, y).await?.into_iter().collect();
        let stored = stored_figures(tx, actor, &list, y).await?;
        // The reports that count, of the updated projects in this year's changes.
        let ids: BTreeSet<i64> = list
            .iter()
            .flat_map(|t| {
                let c = &changes[&(t.clone(), y)];
                c.before.iter().chain(&c.after).map(|p| p.id)
            })
            .filter(|id| updated.contains(id))
            .collect();
        let ids: Vec<i64> = ids.into_iter().collect();
        let mut reports: HashMap<i64, Vec<ReportRow>> = HashMap::new();
        for r in repo::reports_for_figures(tx, &ids, y).await? {
            reports.entry(r.project_id).or_default().push(r);
        }
        for town in list {
            let c = &changes[&(town.clone(), y)];
            // Plans are only added: the projects of the year before the
            // import are those now, less the ones it brought in.
            let added = c.after.len().saturating_sub(c.before.len());
            let count = counts.get(&town).copied().unwrap_or(0) - added as i64;
            let mut months = match stored.get(&town) {
                Some(m) if m.iter().all(|f| f.reports_expected == count) => *m,
                None if count == 0 => Default::default(),
                _ => {
                    full.push((town, y));
                    continue;
                }
            };
            // One project at a time, with its own reports.
            let share = |p: &ProjectYearRow| -> Vec<Figures> {
                let mine = reports.get(&p.id).map(Vec::as_slice).unwrap_or_default();
                (1..=12)
                    .map(|m| town_figures(std::slice::from_ref(p), mine, y, m))
                    .collect()
            };
            for p in &c.before {
                for (f, out) in months.iter_mut().zip(share(p)) {
                    *f = sub(f, &out);
                }
            }
            for p in &c.after {
                for (f, put_in) in months.iter_mut().zip(share(p)) {
                    *f = add(f, &put_in);
                }
            }
            puts.extend((1..).zip(months).map(|(m, f)| (town.clone(), y, m, f)));
        }
    }
    stats::put_many(tx, Source::Live, &puts, now_ms()).await?;
    for (town, y) in &full {
        recompute_town_year(tx, town, *y).await?;
    }
    Ok(u32::try_from(full.len()).unwrap_or(u32::MAX))
}

/// The live figures of these towns for the 12 months of a year; a town
/// missing any month is left out.
async fn stored_figures(
    tx: &mut meizhen_storage::Tx,
    actor: &Actor,
    towns: &[String],
    year: i32,
) -> Result<HashMap<String, [Figures; 12]>> {
    // Town codes share a length; one query a month over their common prefix.
    let prefix = towns
        .iter()
        .skip(1)
        .fold(towns.first().cloned().unwrap_or_default(), |p, t| {
            let n = p.bytes().zip(t.bytes()).take_while(|(a, b)| a == b).count();
            p[..n].to_owned()
        });
    let wanted: BTreeSet<&String> = towns.iter().collect();
    let mut found: HashMap<String, [Option<Figures>; 12]> = HashMap::new();
    for len in towns.iter().map(String::len).collect::<BTreeSet<_>>() {
        for m in 1..=12 {
            for (town, f) in
                stats::by_child(tx, Source::Live, actor.scope(), &prefix, len, year, m).await?
            {
                if wanted.contains(&town) {
                    found.entry(town).or_default()[(m - 1) as usize] = Some(f);
                }
            }
        }
    }
    Ok(found
        .into_iter()
        .filter_map(|(town, months)| {
            let all: Vec<Figures> = months.into_iter().collect::<Option<_>>()?;
            <[Figures; 12]>::try_from(all).ok().map(|a| (town, a))
        })
        .collect())
}

/// `a - b`, field by field (every field: the pattern fails to compile when
/// one is added).
fn sub(a: &Figures, b: &Figures) -> Figures {
    combine(a, b, |x, y| x - y)
}

fn add(a: &Figures, b: &Figures) -> Figures {
    combine(a, b, |x, y| x + y)
}

fn combine(a: &Figures, b: &Figures, op: impl Fn(i64, i64) -> i64) -> Figures {
    let Figures {
        projects,
        not_started,
        started,
        completed,
        planned_to_start,
        planned_to_complete,
        total_investment_fen,
        planned_investment_fen,
        completed_investment_fen,
        reports_expected,
        reports_submitted,
    } = *a;
    Figures {
        projects: op(projects, b.projects),
        not_started: op(not_started, b.not_started),
        started: op(started, b.started),
        completed: op(completed, b.completed),
        planned_to_start: op(planned_to_start, b.planned_to_start),
        planned_to_complete: op(planned_to_complete, b.planned_to_complete),
        total_investment_fen: op(total_investment_fen, b.total_investment_fen),
        planned_investment_fen: op(planned_investment_fen, b.planned_investment_fen),
        completed_investment_fen: op(completed_investment_fen, b.completed_investment_fen),
        reports_expected: op(reports_expected, b.reports_expected),
        reports_submitted: op(reports_submitted, b.reports_submitted),
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
    Ok(Towns::new(towns, counties))
}

/// One sheet row as a project input for a town, or the Chinese reason it cannot be.
fn row_to_input(
    sheet: &ledger::LedgerSheet,
    row: &LedgerRow,
    towns: &mut Towns,
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
    let town = towns
        .find(&input_town)
        .map_err(|e| format!("乡镇“{town_text}”：{e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate_projects::ProjectsOptions;
    use crate::users::UserInput;
    use crate::ServiceConfig;
    use meizhen_domain::project::Pillar;
    use meizhen_domain::RegionScope;
    use meizhen_storage::testkit::TestDb;
    use rust_xlsxwriter::Workbook;

    const PASSWORD: &str = "Import-2021-tz";

    async fn province(services: &Services) -> Actor {
        services
            .create_user_as_system(&UserInput {
                username: "import.province".into(),
                display_name: "import.province".into(),
                role: "province_office".into(),
                region: "33".into(),
                department: None,
                password: Some(PASSWORD.into()),
            })
            .await
            .expect("create user");
        services
            .login("import.province", PASSWORD, &RequestMeta::default())
            .await
            .expect("login")
            .0
    }

    /// A ledger row: county, town, code, name, 五美, status, total and 2021
    /// plan (万元), planned start.
    type Line = [String; 8];

    fn workbook(lines: &[Line]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let headers = [
            "县（市、区）",
            "乡镇（街道）",
            "项目编号",
            "项目名称",
            "五美类别",
            "项目状态",
            "总投资（万元）",
            "2021年计划投资（万元）",
            "计划开工",
        ];
        for (c, h) in (0..).zip(headers) {
            ws.write_string(0, c, h).expect("header");
        }
        for (r, line) in (1..).zip(lines) {
            for (c, v) in (0..).zip(line) {
                ws.write_string(r, c, v).expect("cell");
            }
            ws.write_string(r, 8, "2021-03").expect("start");
        }
        wb.save_to_buffer().expect("xlsx")
    }

    fn wan(fen: i64) -> String {
        Fen::new(fen).format_exact(MoneyUnit::Wan)
    }

    /// Everything an import writes: projects (less `updated_at`), plans, and
    /// the live figures of the given towns for 2020 and 2021.
    async fn stored(
        services: &Services,
        towns: &BTreeSet<String>,
    ) -> (
        Vec<ProjectRow>,
        Vec<repo::PlanRow>,
        Vec<Vec<(i32, Figures)>>,
    ) {
        let scope = RegionScope::new(RegionCode::zhejiang(), None);
        let mut tx = services.db().begin_read().await.expect("tx");
        let mut projects = repo::list_batch(
            &mut tx,
            &scope,
            &repo::ProjectFilter::default(),
            0,
            1_000_000,
        )
        .await
        .expect("projects");
        for p in &mut projects {
            p.updated_at = 0;
        }
        let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
        let mut plans = repo::plans_of(&mut tx, &ids).await.expect("plans");
        plans.sort_by_key(|p| (p.project_id, p.year));
        let mut figures = Vec::new();
        for town in towns {
            for year in [2020, 2021] {
                figures.push(
                    stats::by_month(&mut tx, Source::Live, &scope, town, year)
                        .await
                        .expect("figures"),
                );
            }
        }
        (projects, plans, figures)
    }

    /// The index over towns answers exactly as `match_town` over all of them.
    async fn matching_agrees(services: &Services, actor: &Actor) {
        let mut tx = services.db().begin_read().await.expect("tx");
        let mut towns = load_towns(&mut tx, actor).await.expect("towns");
        drop(tx);
        let (all, counties) = (towns.towns.clone(), towns.counties.clone());
        let mut inputs = vec![
            "白塔".to_owned(),
            "仙居县白塔镇".into(),
            "台州市仙居县 白塔镇".into(),
            "城关镇".into(),
            "新街道".into(),
            "火星镇".into(),
            "  ".into(),
        ];
        for (code, name) in all.iter().step_by(11) {
            let county = counties
                .iter()
                .find(|(c, _)| code.starts_with(c.as_str()))
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            let bare = name.trim_end_matches(['镇', '乡']).to_owned();
            inputs.extend([
                name.clone(),
                bare.clone(),
                format!("{county}{name}"),
                format!("{county} {bare}"),
                format!("{name}人民政府"),
            ]);
        }
        for input in &inputs {
            let want = match_town(input, &all, &counties).map(str::to_owned);
            assert_eq!(towns.find(input), want, "{input}");
            // Asked again, from the answers kept.
            assert_eq!(towns.find(input), want, "{input}");
        }
        assert!(inputs.len() > 500, "{}", inputs.len());
    }

    /// A re-import with new, updated, rejected and repeated rows: the report,
    /// the audit, a dry run that changes nothing, figures exactly as a full
    /// recompute gives them (every year an updated project is in), and a
    /// second import that changes nothing more.
    #[tokio::test]
    async fn mixed_reimport_matches_full_recompute() {
        for db in TestDb::all().await {
            let services = Services::new(db.db.clone(), ServiceConfig::default());
            services
                .load_regions(&|_, _| {})
                .await
                .expect("load regions");
            let opts = ProjectsOptions {
                seed: 11,
                projects: 400,
            };
            services
                .generate_projects(&opts, &|_, _| {})
                .await
                .expect("generate");
            let actor = province(&services).await;
            if db.label == "sqlite" {
                matching_agrees(&services, &actor).await;
            }

            // Two projects whose figures for 2021 hang on a report of 2020:
            // T-1 reports in 2020-06 and not again before 2021-05; T-2, of
            // 2020 only and stored as not started, reported work in 2020-08
            // and joins 2021's library through the sheet.
            let extra_town = "331024103";
            let mut tx = services.db().begin().await.expect("tx");
            let fields = |code: &str, status: &str| ProjectFields {
                code: code.into(),
                name: format!("跨年月报项目{code}"),
                pillar: "environment".into(),
                status: status.into(),
                total_investment_fen: 50_000_000,
                planned_start: Some("2020-03-01".into()),
                planned_finish: Some("2021-12-01".into()),
                ..ProjectFields::default()
            };
            let report = |cum: i64| repo::ReportFields {
                month_fen: cum,
                cumulative_fen: cum,
                year_cumulative_fen: cum,
                status: "in_progress".into(),
                progress_text: String::new(),
                progress_pct: None,
                problems: String::new(),
                correction_reason: String::new(),
            };
            let t1 = repo::insert(&mut tx, extra_town, &fields("T-1", "in_progress"), None, 0)
                .await
                .expect("T-1");
            let t2 = repo::insert(&mut tx, extra_town, &fields("T-2", "not_started"), None, 0)
                .await
                .expect("T-2");
            for (id, year) in [(t1, 2020), (t1, 2021), (t2, 2020)] {
                repo::set_plan(&mut tx, id, extra_town, year, 10_000_000)
                    .await
                    .expect("plan");
            }
            for (id, year, month) in [(t1, 2020, 6), (t1, 2021, 5), (t2, 2020, 8)] {
                repo::upsert_report(
                    &mut tx,
                    id,
                    extra_town,
                    year,
                    month,
                    &report(1_000_000),
                    None,
                    0,
                )
                .await
                .expect("report");
            }
            for year in [2020, 2021] {
                recompute_town_year(&mut tx, extra_town, year)
                    .await
                    .expect("recompute");
            }
            tx.commit().await.expect("commit");

            let scope = RegionScope::new(RegionCode::zhejiang(), None);
            let mut tx = services.db().begin_read().await.expect("tx");
            let towns = load_towns(&mut tx, &actor).await.expect("towns");
            let library =
                repo::list_batch(&mut tx, &scope, &repo::ProjectFilter::default(), 0, 10_000)
                    .await
                    .expect("library");
            let ids: Vec<i64> = library.iter().map(|p| p.id).collect();
            let plans = repo::plans_of(&mut tx, &ids).await.expect("plans");
            drop(tx);
            let plan = |id: i64, y: i32| {
                plans
                    .iter()
                    .find(|p| p.project_id == id && p.year == y)
                    .map(|p| p.planned_investment_fen)
            };
            let names = |town: &str| -> (String, String) {
                let name = towns
                    .towns
                    .iter()
                    .find(|(c, _)| c == town)
                    .map(|(_, n)| n.clone())
                    .expect("town");
                let county = towns
                    .counties
                    .iter()
                    .find(|(c, _)| town.starts_with(c.as_str()))
                    .map(|(_, n)| n.clone())
                    .expect("county");
                (county, name)
            };
            let line = |p: &ProjectRow, status: &str, total: i64, plan: i64| -> Line {
                let (county, town) = names(&p.town_code);
                [
                    county,
                    town,
                    p.code.clone(),
                    p.name.clone(),
                    Pillar::from_id(&p.pillar).expect("pillar").label().into(),
                    ProjectStatus::from_id(status)
                        .expect("status")
                        .label()
                        .into(),
                    wan(total),
                    wan(plan),
                ]
            };
            // Updated: projects of both years (so their 2020 figures move too)
            // and of 2020 only (now also in 2021's library), status unchanged.
            let spanning: Vec<&ProjectRow> = library
                .iter()
                .filter(|p| plan(p.id, 2020).is_some() && plan(p.id, 2021).is_some())
                .filter(|p| p.status != "completed")
                .take(4)
                .collect();
            let only_2020: Vec<&ProjectRow> = library
                .iter()
                .filter(|p| plan(p.id, 2020).is_some() && plan(p.id, 2021).is_none())
                .take(2)
                .collect();
            let done = library
                .iter()
                .filter(|p| !only_2020.iter().any(|o| o.id == p.id))
                .find(|p| p.status == "completed")
                .expect("a completed project");
            assert_eq!((spanning.len(), only_2020.len()), (4, 2));
            let mut lines: Vec<Line> = Vec::new();
            for p in spanning.iter().chain(&only_2020) {
                let total = p.total_investment_fen + 1_000_000;
                lines.push(line(p, &p.status, total, total / 3));
            }
            // Row 8: backwards, rejected.
            lines.push(line(done, "in_progress", done.total_investment_fen, 0));
            // New projects in the same towns, and one repeated (row 15).
            for (k, p) in spanning.iter().chain(&only_2020).enumerate() {
                let mut l = line(p, "in_progress", 5_000_000 * (k as i64 + 1), 1_000_000);
                l[2] = format!("IMP-{k}");
                l[3] = format!("导入新项目{k}");
                lines.push(l);
            }
            lines.push(lines[7].clone());
            // Rows 16 and 17: T-1 with a new total, T-2 with a 2021 plan.
            for (id, total) in [(t1, 60_000_000), (t2, 50_000_000)] {
                let p = library.iter().find(|p| p.id == id).expect("T-n");
                lines.push(line(p, &p.status, total, 10_000_000));
            }
            let bytes = workbook(&lines);
            let touched: BTreeSet<String> = spanning
                .iter()
                .chain(&only_2020)
                .map(|p| p.town_code.clone())
                .chain([done.town_code.clone(), extra_town.to_owned()])
                .collect();
            let meta = RequestMeta::default();
            let audit_count = |services: &Services| {
                let services = services.clone();
                async move {
                    let mut tx = services.db().begin_read().await.expect("tx");
                    let filter = meizhen_storage::repo::audit::AuditFilter {
                        entity: Some("project".into()),
                        ..Default::default()
                    };
                    meizhen_storage::repo::audit::list(
                        &mut tx,
                        &RegionScope::new(RegionCode::zhejiang(), None),
                        &filter,
                        &PageRequest::new(Some(1), Some(1)),
                    )
                    .await
                    .expect("audit")
                    .total
                }
            };

            let before = stored(&services, &touched).await;
            let audit_before = audit_count(&services).await;
            let dry = services
                .import_projects(&actor, &bytes, 2021, None, true, &meta)
                .await
                .expect("dry run");
            assert_eq!(stored(&services, &touched).await, before, "{}", db.label);
            assert_eq!(audit_count(&services).await, audit_before);

            let r = services
                .import_projects(&actor, &bytes, 2021, None, false, &meta)
                .await
                .expect("import");
            for report in [&dry, &r] {
                assert_eq!((report.imported, report.updated), (6, 8), "{}", db.label);
                assert_eq!(report.towns_recomputed, 0, "stored figures were right");
                assert_eq!(
                    report.duplicates,
                    vec![Duplicate {
                        row: 15,
                        first_row: 9
                    }]
                );
                assert_eq!(report.rejected.len(), 1, "{:?}", report.rejected);
                assert_eq!(report.rejected[0].row, 8);
                assert!(report.rejected[0].reason.contains("改回"));
            }
            assert_eq!(audit_count(&services).await, audit_before + 14);
            let after = stored(&services, &touched).await;
            assert_eq!(after.0.len(), before.0.len() + 6);
            for p in spanning.iter().chain(&only_2020) {
                let now = after.0.iter().find(|x| x.id == p.id).expect("updated");
                assert_eq!(now.total_investment_fen, p.total_investment_fen + 1_000_000);
                assert_eq!(now.created_at, p.created_at);
            }
            // Both years of a spanning project's town moved.
            let town = &spanning[0].town_code;
            let at = touched.iter().position(|t| t == town).expect("town") * 2;
            assert_ne!(after.2[at], before.2[at], "2020 figures of {town}");
            assert_ne!(after.2[at + 1], before.2[at + 1], "2021 figures of {town}");

            // The figures are those a full recompute gives.
            let mut tx = services.db().begin().await.expect("tx");
            for t in &touched {
                for year in [2020, 2021] {
                    recompute_town_year(&mut tx, t, year)
                        .await
                        .expect("recompute");
                }
            }
            tx.commit().await.expect("commit");
            assert_eq!(stored(&services, &touched).await, after, "{}", db.label);

            // The same sheet again: all updates, nothing else changes.
            let again = services
                .import_projects(&actor, &bytes, 2021, None, false, &meta)
                .await
                .expect("again");
            assert_eq!((again.imported, again.updated), (0, 14));
            assert_eq!(again.towns_recomputed, 0);
            assert_eq!(stored(&services, &touched).await, after, "{}", db.label);

            // One town's stored month is off, and the sheet changes a project
            // of that town: its year is recomputed in full.
            let (k, moved) = spanning
                .iter()
                .chain(&only_2020)
                .enumerate()
                .find(|(_, p)| p.town_code != spanning[0].town_code)
                .expect("another town");
            let mut tx = services.db().begin().await.expect("tx");
            let bogus = Figures {
                projects: 999,
                reports_expected: 999,
                ..Figures::default()
            };
            stats::put(&mut tx, Source::Live, &moved.town_code, 2021, 3, &bogus, 0)
                .await
                .expect("put");
            tx.commit().await.expect("commit");
            let mut changed = lines.clone();
            changed[k][6] = wan(moved.total_investment_fen + 2_000_000);
            let r = services
                .import_projects(&actor, &workbook(&changed), 2021, None, false, &meta)
                .await
                .expect("changed");
            assert_eq!((r.imported, r.updated, r.towns_recomputed), (0, 14, 1));
            let now = stored(&services, &touched).await;
            assert_ne!(now, after);
            let mut tx = services.db().begin().await.expect("tx");
            for t in &touched {
                for year in [2020, 2021] {
                    recompute_town_year(&mut tx, t, year)
                        .await
                        .expect("recompute");
                }
            }
            tx.commit().await.expect("commit");
            assert_eq!(stored(&services, &touched).await, now, "{}", db.label);
            db.finish().await;
        }
    }
}
