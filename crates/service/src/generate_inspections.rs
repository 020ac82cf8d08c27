//! `meizhen generate inspections`: 暗访督查 data of the whole province, for
//! load tests and the benchmarks (`crates/service/benches/inspections.rs`).
//!
//! Over the real divisions (regions must be loaded first), for the eight
//! quarters of 2020–2021 it writes:
//!
//! * per quarter, one round of each of the 11 cities inspecting all its towns
//!   (11,096 inspections), and one province round drawing a stratified
//!   sample of [`PROVINCE_SAMPLE_PERCENT`]% of each county's towns (8,904):
//!   about 20,000 inspections in 96 rounds;
//! * 15 findings per inspection on average (5–25; about 300,000), items drawn
//!   from the default catalogue, places and GPS fixes near a per-town point;
//! * the inspections' scores computed by the same rule as live ones
//!   ([`meizhen_domain::inspection::score`]);
//! * all rounds published except the last quarter's (still secret), with
//!   rectification tasks in every state: closed on time, closed late,
//!   returned, submitted, open (and so overdue).
//!
//! Rows go in with multi-row INSERTs, one round per transaction.
//! Deterministic from the seed. A database with any round is refused.

use crate::generate::Rng;
use crate::inspections::checklist_in_force_for_generator;
use crate::{Result, ServiceError, Services};
use chrono::NaiveDate;
use meizhen_domain::inspection::{
    sample_towns, score, Catalogue, Points, Quarter, RectifyDays, SampleSize, Severity,
};
use meizhen_domain::RegionCode;
use meizhen_storage::repo::{execute, scalar_i64};
use meizhen_storage::{now_ms, regions, Arg, Sql, Tx};
use std::collections::BTreeMap;

/// Share of each county's towns the province samples each quarter.
pub const PROVINCE_SAMPLE_PERCENT: u32 = 80;
/// Findings per inspection: uniform in this range (mean 15).
const FINDINGS_MIN: usize = 5;
const FINDINGS_MAX: usize = 25;
/// Rows per multi-row INSERT (SQLite allows 32,766 parameters).
const ROWS_PER_INSERT: usize = 400;

/// What to generate.
#[derive(Debug, Clone)]
pub struct InspectionsOptions {
    pub seed: u64,
    pub first_year: i32,
    pub years: i32,
}

impl InspectionsOptions {
    pub fn new(seed: u64) -> Self {
        InspectionsOptions {
            seed,
            first_year: 2020,
            years: 2,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct InspectionsReport {
    pub rounds: usize,
    pub inspections: usize,
    pub findings: usize,
    pub published: usize,
}

const PLACES: [&str; 8] = [
    "集镇主街",
    "农贸市场周边",
    "老街",
    "镇区河道",
    "客运站前",
    "学校门口",
    "工业功能区入口",
    "村道交叉口",
];

/// One finding about to be written.
struct Gen {
    area: String,
    area_name: String,
    item: String,
    item_name: String,
    severity: Severity,
    deduction: i64,
    place: String,
    lat: i64,
    lon: i64,
    found_at: i64,
    rect: Option<(String, String, Option<i64>, Option<i64>)>,
}

fn ms_of(d: NaiveDate, hour: u32) -> i64 {
    d.and_hms_opt(hour, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3600 * 1000)
        .unwrap_or(0)
}

impl Services {
    /// Generates the province's inspection rounds (see the [module](self) docs).
    pub async fn generate_inspections(
        &self,
        opts: &InspectionsOptions,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<InspectionsReport> {
        let (towns, catalogue, checklist_id) = {
            let mut tx = self.db().begin().await?;
            let existing = scalar_i64(&mut tx, &Sql::new("SELECT COUNT(*) FROM rounds")).await?;
            if existing > 0 {
                return Err(ServiceError::Conflict(format!(
                    "本数据库已有 {existing} 轮暗访：督查数据只能生成到空库"
                )));
            }
            let towns = regions::towns_under(&mut tx, &RegionCode::zhejiang()).await?;
            if towns.is_empty() {
                return Err(ServiceError::NotFound(
                    "行政区划未导入，请先运行 meizhen regions load".into(),
                ));
            }
            let (row, catalogue) = checklist_in_force_for_generator(&mut tx).await?;
            tx.commit().await?;
            (towns, catalogue, row)
        };
        let mut by_city: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut by_county: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, _) in &towns {
            by_city
                .entry(code[..4].to_owned())
                .or_default()
                .push(code.clone());
            by_county
                .entry(code[..6].to_owned())
                .or_default()
                .push(code.clone());
        }
        let quarters: Vec<Quarter> = (0..opts.years)
            .flat_map(|y| {
                (1..=4).map(move |q| Quarter {
                    year: opts.first_year + y,
                    q,
                })
            })
            .collect();
        let total_rounds = (quarters.len() * (by_city.len() + 1)) as u64;
        progress(0, total_rounds);
        let mut rng = Rng::new(opts.seed);
        let mut report = InspectionsReport::default();
        let last = quarters.last().copied();
        for q in &quarters {
            let publish = Some(*q) != last;
            let mut plans: Vec<(String, String, Vec<String>)> = by_city
                .iter()
                .map(|(city, towns)| {
                    (
                        city.clone(),
                        format!("{}暗访督查", q.label_zh()),
                        towns.clone(),
                    )
                })
                .collect();
            let seed = opts.seed ^ u64::from(q.q) ^ (u64::try_from(q.year).unwrap_or(0) << 8);
            plans.push((
                "33".into(),
                format!("{}全省交叉暗访", q.label_zh()),
                sample_towns(
                    &by_county,
                    SampleSize::Percent(PROVINCE_SAMPLE_PERCENT),
                    seed,
                ),
            ));
            for (owner, name, round_towns) in plans {
                let mut tx = self.db().begin().await?;
                let n = write_round(
                    &mut tx,
                    &mut rng,
                    &catalogue,
                    checklist_id,
                    *q,
                    &owner,
                    &name,
                    &round_towns,
                    publish,
                )
                .await?;
                tx.commit().await?;
                report.rounds += 1;
                report.inspections += round_towns.len();
                report.findings += n;
                if publish {
                    report.published += 1;
                }
                progress(report.rounds as u64, total_rounds);
            }
        }
        let mut tx = self.db().begin().await?;
        if matches!(tx, Tx::Postgres(_)) {
            for t in ["rounds", "inspections", "findings"] {
                execute(&mut tx, &Sql::new(&format!("ANALYZE {t}"))).await?;
            }
        } else {
            execute(&mut tx, &Sql::new("ANALYZE")).await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_round(
    tx: &mut Tx,
    rng: &mut Rng,
    catalogue: &Catalogue,
    checklist_id: i64,
    q: Quarter,
    owner: &str,
    name: &str,
    towns: &[String],
    publish: bool,
) -> Result<usize> {
    let starts = q.first_day() + chrono::Days::new(30);
    let ends = starts + chrono::Days::new(20);
    let published_on = ends + chrono::Days::new(7);
    let now = now_ms();
    let mut q_round = Sql::new(
        "INSERT INTO rounds (owner_code, name, year, quarter, checklist_id, starts_on, ends_on, state, \
         published_on, published_at, created_at, updated_at) VALUES (",
    );
    let args = [
        Arg::Text(owner.into()),
        Arg::Text(name.into()),
        Arg::I32(q.year),
        Arg::I32(i32::try_from(q.q).unwrap_or(1)),
        Arg::I64(checklist_id),
        Arg::Text(starts.format("%Y-%m-%d").to_string()),
        Arg::Text(ends.format("%Y-%m-%d").to_string()),
        Arg::Text(if publish { "published" } else { "planned" }.into()),
        Arg::OptText(publish.then(|| published_on.format("%Y-%m-%d").to_string())),
        Arg::OptI64(publish.then(|| ms_of(published_on, 10))),
        Arg::I64(now),
        Arg::I64(now),
    ];
    for (i, a) in args.into_iter().enumerate() {
        if i > 0 {
            q_round.push(", ");
        }
        q_round.bind(a);
    }
    q_round.push(") RETURNING id");
    let round_id = scalar_i64(tx, &q_round).await?;

    // Findings first (in memory), so each inspection row carries its score.
    let items: Vec<_> = catalogue
        .areas
        .iter()
        .flat_map(|a| a.items.iter().map(move |i| (a, i)))
        .collect();
    let days = RectifyDays::default();
    let mut per_town: Vec<(String, Vec<Gen>, Points, Points)> = Vec::with_capacity(towns.len());
    for town in towns {
        let n = FINDINGS_MIN + rng.below(FINDINGS_MAX - FINDINGS_MIN + 1);
        // A per-town point inside Zhejiang, stable from the code.
        let h = town
            .bytes()
            .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let (lat0, lon0) = (
            27_500_000 + (h % 3_000_000) as i64,
            118_500_000 + (h / 7 % 4_000_000) as i64,
        );
        let mut gens = Vec::with_capacity(n);
        for _ in 0..n {
            let (area, item) = *rng.pick(&items);
            let day = starts + chrono::Days::new(rng.below(20) as u64);
            let rect = publish.then(|| {
                let deadline = days.deadline(published_on, item.severity);
                let roll = rng.below(100);
                let answered = |late: bool, r: &mut Rng| {
                    let d = if late {
                        deadline + chrono::Days::new(1 + r.below(10) as u64)
                    } else {
                        published_on + chrono::Days::new(1 + r.below(6) as u64)
                    };
                    ms_of(d, 15)
                };
                let (state, ans, ver) = match roll {
                    0..=69 => {
                        let a = answered(false, rng);
                        ("closed", Some(a), Some(a + 86_400_000))
                    }
                    70..=81 => {
                        let a = answered(true, rng);
                        ("closed", Some(a), Some(a + 86_400_000))
                    }
                    82..=87 => ("submitted", Some(answered(false, rng)), None),
                    88..=92 => {
                        let a = answered(false, rng);
                        ("returned", Some(a), Some(a + 86_400_000))
                    }
                    _ => ("open", None, None),
                };
                (
                    state.to_owned(),
                    deadline.format("%Y-%m-%d").to_string(),
                    ans,
                    ver,
                )
            });
            gens.push(Gen {
                area: area.code.clone(),
                area_name: area.name.clone(),
                item: item.code.clone(),
                item_name: item.name.clone(),
                severity: item.severity,
                deduction: item.deduction.0,
                place: (*rng.pick(&PLACES)).to_owned(),
                lat: lat0 + rng.below(4_000) as i64,
                lon: lon0 + rng.below(4_000) as i64,
                found_at: ms_of(day, 9) + (rng.below(8 * 3600) as i64) * 1000,
                rect,
            });
        }
        let s = score(
            catalogue,
            gens.iter().map(|g| (g.area.as_str(), Points(g.deduction))),
        );
        per_town.push((town.clone(), gens, s.score, s.deducted));
    }

    for chunk in per_town.chunks(ROWS_PER_INSERT) {
        let mut qi = Sql::new(
            "INSERT INTO inspections (round_id, town_code, state, submitted_at, score, deducted, findings) VALUES ",
        );
        for (i, (town, gens, s, d)) in chunk.iter().enumerate() {
            if i > 0 {
                qi.push(", ");
            }
            qi.push("(")
                .bind(Arg::I64(round_id))
                .push(", ")
                .bind(Arg::Text(town.clone()))
                .push(", 'submitted', ")
                .bind(Arg::I64(ms_of(ends, 18)))
                .push(", ")
                .bind(Arg::I64(s.0))
                .push(", ")
                .bind(Arg::I64(d.0))
                .push(", ")
                .bind(Arg::I32(i32::try_from(gens.len()).unwrap_or(0)))
                .push(")");
        }
        execute(tx, &qi).await?;
    }
    let ids: BTreeMap<String, i64> =
        meizhen_storage::repo::inspections::inspection_ids(tx, round_id)
            .await?
            .into_iter()
            .collect();

    let mut rows: Vec<(i64, &str, usize, &Gen)> = Vec::new();
    for (town, gens, _, _) in &per_town {
        let Some(&iid) = ids.get(town) else { continue };
        for (k, g) in gens.iter().enumerate() {
            rows.push((iid, town.as_str(), k, g));
        }
    }
    let written = rows.len();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut qf = Sql::new(
            "INSERT INTO findings (inspection_id, round_id, town_code, client_id, area_code, area_name, item_code, \
             item_name, severity, deduction, place, lat_e6, lon_e6, found_at, created_at, updated_at, rect_state, \
             deadline, answered_at, verified_at) VALUES ",
        );
        for (i, (iid, town, k, g)) in chunk.iter().enumerate() {
            if i > 0 {
                qf.push(", ");
            }
            let (state, deadline, ans, ver) = match &g.rect {
                Some((s, d, a, v)) => (Some(s.clone()), Some(d.clone()), *a, *v),
                None => (None, None, None, None),
            };
            let args = [
                Arg::I64(*iid),
                Arg::I64(round_id),
                Arg::Text((*town).to_owned()),
                Arg::Text(format!("gen-{round_id}-{iid}-{k}")),
                Arg::Text(g.area.clone()),
                Arg::Text(g.area_name.clone()),
                Arg::Text(g.item.clone()),
                Arg::Text(g.item_name.clone()),
                Arg::Text(g.severity.id().into()),
                Arg::I64(g.deduction),
                Arg::Text(g.place.clone()),
                Arg::I64(g.lat),
                Arg::I64(g.lon),
                Arg::I64(g.found_at),
                Arg::I64(g.found_at),
                Arg::I64(g.found_at),
                Arg::OptText(state),
                Arg::OptText(deadline),
                Arg::OptI64(ans),
                Arg::OptI64(ver),
            ];
            qf.push("(");
            for (j, a) in args.into_iter().enumerate() {
                if j > 0 {
                    qf.push(", ");
                }
                qf.bind(a);
            }
            qf.push(")");
        }
        execute(tx, &qf).await?;
    }
    Ok(written)
}
