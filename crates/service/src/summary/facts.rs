//! The facts of a region and period: every headline number of every module,
//! read from stored data in the reader's scope. Project figures come from the
//! same per-town tables as the progress pages (`repo::stats`), so a summary
//! and the 比赶超 table never disagree.

use crate::stats::ProjectStats;
use crate::{Actor, Result};
use meizhen_domain::inspection::{average, Points, RectState, RectStats};
use meizhen_domain::ledger::{
    ExpertRole, MediaLevel, Medium, MeetingKind, MeetingLevel, PairingKind, ServiceType,
};
use meizhen_domain::project::{Pillar, YearMonth};
use meizhen_domain::ranking::rank;
use meizhen_domain::rates::StartBasis;
use meizhen_domain::summary::{below_target, lagging, Period, RateLine};
use meizhen_domain::{Level, RegionCode};
use meizhen_storage::repo::stats::{self, Figures, Source};
use meizhen_storage::repo::summary::{self as repo, MeetingLine, Tally};
use meizhen_storage::Tx;
use serde::Serialize;
use std::collections::BTreeMap;

/// A count under a code, with the code's Chinese label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyCount {
    pub key: String,
    pub label: String,
    pub n: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PillarLine {
    pub pillar: String,
    pub label: String,
    pub projects: i64,
    pub total_investment_fen: i64,
    pub planned_investment_fen: i64,
    pub completed_investment_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    /// As of the period's last month.
    pub current: ProjectStats,
    /// The same month a year earlier (for 同比); `None` without projects then.
    pub previous: Option<ProjectStats>,
    pub by_pillar: Vec<PillarLine>,
}

/// A region below, with its project figures and ranks.
#[derive(Debug, Clone, Serialize)]
pub struct ChildLine {
    pub code: String,
    pub name: String,
    pub stats: ProjectStats,
    /// By 投资完成率.
    pub investment_rank: Option<u32>,
    /// By 开工率.
    pub start_rank: Option<u32>,
    /// Average inspection score of the period (hundredths), if inspected.
    pub inspection_score: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EnrollmentFacts {
    /// 样板创建.
    pub model: i64,
    /// 达标创建.
    pub standard: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RectSummaryFacts {
    pub total: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub overdue: i64,
    /// 整改率.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InspectionFacts {
    /// Published rounds with results in the region.
    pub rounds: i64,
    pub inspections: i64,
    pub towns: i64,
    /// Hundredths of a point.
    pub average_score: Option<i64>,
    pub findings: i64,
    pub rect: RectSummaryFacts,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PublicityFacts {
    pub total: i64,
    pub by_level: Vec<KeyCount>,
    pub by_medium: Vec<KeyCount>,
    /// Central and provincial media (省级及以上).
    pub provincial_and_above: i64,
    /// City, county and new media (市县两级主流媒体、新媒体).
    pub local: i64,
    pub previous_total: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExpertFacts {
    /// Experts paired with or serving the region's towns in the period.
    pub experts: i64,
    pub by_role: Vec<KeyCount>,
    pub pairings: i64,
    pub paired_towns: i64,
    pub by_pairing: Vec<KeyCount>,
    pub services: i64,
    pub by_type: Vec<KeyCount>,
    pub opinions_given: i64,
    pub opinions_adopted: i64,
    pub previous_services: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingFacts {
    pub total: i64,
    pub by_kind: Vec<KeyCount>,
    pub by_level: Vec<KeyCount>,
    /// On-site meetings and meetings at the region's level or above.
    pub notable: Vec<MeetingLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkTeamFacts {
    /// Staff seconded at some time in the period.
    pub staff: i64,
    /// Offices they serve.
    pub offices: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownBelowTarget {
    pub code: String,
    pub name: String,
    pub value_milli: i64,
}

/// A town indicator summed up (by its aggregation) over the region's towns.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLine {
    /// The definition's id: the value list filters by it (codes repeat across offices).
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub aggregation: String,
    pub higher_is_better: bool,
    pub value_milli: Option<i64>,
    pub previous_milli: Option<i64>,
    /// Per town.
    pub target_milli: Option<i64>,
    /// Towns with a value in the period.
    pub towns: i64,
    pub towns_below: Vec<TownBelowTarget>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LagLine {
    pub code: String,
    pub name: String,
    pub rate: Option<f64>,
    /// The rate of the county (or region) it is compared with.
    pub reference: Option<f64>,
    pub reference_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LateReportLine {
    pub code: String,
    pub name: String,
    pub expected: i64,
    pub submitted: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueLine {
    pub code: String,
    pub name: String,
    pub overdue: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Problems {
    pub lagging_start: Vec<LagLine>,
    pub lagging_investment: Vec<LagLine>,
    pub overdue_rectifications: i64,
    pub overdue_towns: Vec<OverdueLine>,
    /// Towns that had not reported every project for the period's last month.
    pub late_reports: Vec<LateReportLine>,
    pub indicators_below: Vec<IndicatorLine>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.lagging_start.is_empty()
            && self.lagging_investment.is_empty()
            && self.overdue_rectifications == 0
            && self.late_reports.is_empty()
            && self.indicators_below.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub month: u32,
    pub label: String,
    pub completed_investment_fen: i64,
    pub start_rate: Option<f64>,
    pub investment_rate: Option<f64>,
}

/// Everything a summary (and the dashboard) says about a region and period.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub region_code: String,
    pub region_name: String,
    pub level: Level,
    pub period: Period,
    /// The month project figures are "as of" ('2020-12').
    pub as_of: String,
    pub projects: ProjectSummary,
    pub enrollment: EnrollmentFacts,
    pub inspections: InspectionFacts,
    pub publicity: PublicityFacts,
    pub experts: ExpertFacts,
    pub meetings: MeetingFacts,
    pub work_team: WorkTeamFacts,
    pub indicators: Vec<IndicatorLine>,
    /// The regions one level below, by code.
    pub children: Vec<ChildLine>,
    pub problems: Problems,
}

impl Facts {
    /// Whether anything at all was recorded for the region in the period.
    pub fn has_data(&self) -> bool {
        self.projects.current.projects > 0
            || self.enrollment.model + self.enrollment.standard > 0
            || self.inspections.inspections > 0
            || self.publicity.total > 0
            || self.experts.services + self.experts.pairings > 0
            || self.meetings.total > 0
            || self.work_team.staff > 0
            || self.indicators.iter().any(|i| i.value_milli.is_some())
    }
}

fn labelled(
    rows: &[Tally],
    key2: bool,
    label: impl Fn(&str) -> Option<&'static str>,
) -> Vec<KeyCount> {
    let mut m: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows {
        let k = if key2 { &r.key2 } else { &r.key };
        *m.entry(k.clone()).or_default() += r.n;
    }
    m.into_iter()
        .map(|(key, n)| KeyCount {
            label: label(&key)
                .map(str::to_owned)
                .unwrap_or_else(|| key.clone()),
            key,
            n,
        })
        .collect()
}

/// Adds one town's (or region's) figures into a sum.
fn add_figures(acc: &mut Figures, t: &Figures) {
    acc.projects += t.projects;
    acc.not_started += t.not_started;
    acc.started += t.started;
    acc.completed += t.completed;
    acc.planned_to_start += t.planned_to_start;
    acc.planned_to_complete += t.planned_to_complete;
    acc.total_investment_fen += t.total_investment_fen;
    acc.planned_investment_fen += t.planned_investment_fen;
    acc.completed_investment_fen += t.completed_investment_fen;
    acc.reports_expected += t.reports_expected;
    acc.reports_submitted += t.reports_submitted;
}

/// Town figures summed by the first `len` digits of the code (the counties,
/// or the cities), by code: what `stats::by_child` reads for that length.
fn roll_up(towns: &[(String, Figures)], len: usize) -> Vec<(String, Figures)> {
    let mut m: BTreeMap<String, Figures> = BTreeMap::new();
    for (t, tf) in towns {
        let key = t.get(..len).unwrap_or(t.as_str());
        add_figures(m.entry(key.to_owned()).or_default(), tf);
    }
    m.into_iter().collect()
}

/// Quarters of a period, for inspection rounds.
fn quarters(p: Period) -> (i32, i32) {
    match p.half {
        None => (1, 4),
        Some(1) => (1, 2),
        Some(_) => (3, 4),
    }
}

fn month_i32(ym: YearMonth) -> i32 {
    i32::try_from(ym.month()).unwrap_or(12)
}

pub(super) async fn collect(
    tx: &mut Tx,
    actor: &Actor,
    region: &RegionCode,
    region_name: &str,
    period: Period,
) -> Result<Facts> {
    let scope = actor.scope();
    let code = region.as_str();
    let as_of = period.as_of();
    let (from, to) = period.date_bounds();
    let prev = period.previous_year();
    let (pfrom, pto) = prev.date_bounds();

    // Projects. One read of the towns' figures serves the region's total,
    // the regions below and the problems (each a sum of towns; the same
    // sums SQL would make).
    let town_rows = stats::by_child(
        tx,
        Source::Live,
        scope,
        code,
        Level::Town.code_len(),
        period.year,
        month_i32(as_of),
    )
    .await?;
    let f = town_rows
        .iter()
        .fold(Figures::default(), |mut acc, (_, t)| {
            add_figures(&mut acc, t);
            acc
        });
    let current = ProjectStats::from_figures(code, as_of, &f);
    let pf = stats::total(
        tx,
        Source::Live,
        scope,
        code,
        prev.year,
        month_i32(prev.as_of()),
    )
    .await?;
    let previous = (pf.projects > 0).then(|| ProjectStats::from_figures(code, prev.as_of(), &pf));
    let pillars = repo::pillar_figures(tx, scope, code, period.year, month_i32(as_of)).await?;
    let by_pillar = Pillar::ALL
        .into_iter()
        .map(|p| {
            let c = pillars.iter().find(|c| c.key == p.id());
            PillarLine {
                pillar: p.id().to_owned(),
                label: p.label().to_owned(),
                projects: c.map_or(0, |c| c.projects),
                total_investment_fen: c.map_or(0, |c| c.total_investment_fen),
                planned_investment_fen: c.map_or(0, |c| c.planned_investment_fen),
                completed_investment_fen: c.map_or(0, |c| c.completed_investment_fen),
            }
        })
        .collect();

    // Enrollment.
    let en = repo::enrollment_counts(tx, scope, code, period.year).await?;
    let enrollment = EnrollmentFacts {
        model: en.iter().filter(|t| t.key == "model").map(|t| t.n).sum(),
        standard: en.iter().filter(|t| t.key == "standard").map(|t| t.n).sum(),
    };

    // Inspections and rectification.
    let qs = quarters(period);
    let ins = repo::inspections_in(tx, scope, code, period.year, qs).await?;
    let scores: Vec<Points> = ins.iter().map(|i| Points(i.score)).collect();
    let mut round_ids: Vec<i64> = ins.iter().map(|i| i.round_id).collect();
    round_ids.dedup();
    let mut towns: Vec<&str> = ins.iter().map(|i| i.town_code.as_str()).collect();
    towns.sort_unstable();
    towns.dedup();
    let today = crate::inspections::today();
    let mut rect = RectStats::default();
    let mut overdue_by_town: BTreeMap<String, i64> = BTreeMap::new();
    for r in repo::rect_tally_in(tx, scope, code, period.year, qs).await? {
        let (Some(state), Ok(deadline)) = (
            RectState::from_id(&r.rect_state),
            chrono::NaiveDate::parse_from_str(&r.deadline, "%Y-%m-%d"),
        ) else {
            tracing::error!(town = %r.town_code, state = %r.rect_state, "unreadable rectification fact");
            continue;
        };
        // The domain counts each task: those answered in time as answered on
        // the deadline day (all that matters to the rule), the rest as not.
        let mut one = RectStats::default();
        for i in 0..r.n {
            let answered = (i < r.answered_in_time).then_some(deadline);
            one.add(state, deadline, answered, today);
        }
        if one.overdue > 0 {
            *overdue_by_town.entry(r.town_code.clone()).or_default() += i64::from(one.overdue);
        }
        rect.merge(&one);
    }
    let inspections = InspectionFacts {
        rounds: round_ids.len() as i64,
        inspections: ins.len() as i64,
        towns: towns.len() as i64,
        average_score: average(&scores).map(|p| p.0),
        findings: ins.iter().map(|i| i.findings).sum(),
        rect: RectSummaryFacts {
            total: i64::from(rect.total),
            closed: i64::from(rect.closed),
            closed_on_time: i64::from(rect.closed_on_time),
            overdue: i64::from(rect.overdue),
            rate: rect.rate(),
        },
    };

    // Publicity.
    let media = repo::media_counts(tx, scope, code, &from, &to).await?;
    let total: i64 = media.iter().map(|t| t.n).sum();
    let level_n = |levels: &[&str]| -> i64 {
        media
            .iter()
            .filter(|t| levels.contains(&t.key.as_str()))
            .map(|t| t.n)
            .sum()
    };
    let publicity = PublicityFacts {
        total,
        by_level: labelled(&media, false, |k| {
            MediaLevel::from_id(k).map(MediaLevel::label)
        }),
        by_medium: labelled(&media, true, |k| Medium::from_id(k).map(Medium::label)),
        provincial_and_above: level_n(&["central", "provincial"]),
        local: level_n(&["city", "county", "new_media"]),
        previous_total: repo::media_counts(tx, scope, code, &pfrom, &pto)
            .await?
            .iter()
            .map(|t| t.n)
            .sum(),
    };

    // Experts.
    let roles = repo::active_experts(tx, scope, code, &from, &to).await?;
    let pairings = repo::pairing_counts(tx, scope, code, &from, &to).await?;
    let services = repo::service_counts(tx, scope, code, &from, &to).await?;
    let experts = ExpertFacts {
        experts: roles.iter().map(|t| t.n).sum(),
        by_role: labelled(&roles, false, |k| {
            ExpertRole::from_id(k).map(ExpertRole::label)
        }),
        pairings: pairings.iter().map(|t| t.n).sum(),
        // A town paired twice (双师 and 结对) counts once per kind here; the
        // largest kind is a lower bound that never double counts.
        paired_towns: pairings.iter().map(|t| t.a).max().unwrap_or(0),
        by_pairing: labelled(&pairings, false, |k| {
            PairingKind::from_id(k).map(PairingKind::label)
        }),
        services: services.iter().map(|t| t.n).sum(),
        by_type: labelled(&services, false, |k| {
            ServiceType::from_id(k).map(ServiceType::label)
        }),
        opinions_given: services.iter().map(|t| t.a).sum(),
        opinions_adopted: services.iter().map(|t| t.b).sum(),
        previous_services: repo::service_counts(tx, scope, code, &pfrom, &pto)
            .await?
            .iter()
            .map(|t| t.n)
            .sum(),
    };

    // Meetings.
    let mc = repo::meeting_counts(tx, scope, code, &from, &to).await?;
    let levels: &[&str] = match region.level() {
        Level::Province => &["province"],
        Level::City => &["province", "city"],
        Level::County => &["province", "city", "county"],
        _ => &["province", "city", "county", "town"],
    };
    let meetings = MeetingFacts {
        total: mc.iter().map(|t| t.n).sum(),
        by_kind: labelled(&mc, false, |k| {
            MeetingKind::from_id(k).map(MeetingKind::label)
        }),
        by_level: labelled(&mc, true, |k| {
            MeetingLevel::from_id(k).map(MeetingLevel::label)
        }),
        notable: repo::notable_meetings(tx, scope, code, levels, &from, &to, 12).await?,
    };

    // Work teams.
    let st = repo::staff_counts(tx, scope, code, &from, &to).await?;
    let work_team = WorkTeamFacts {
        staff: st.n,
        offices: st.a,
    };

    // Names of the regions below (towns, counties, children) in one read,
    // for problems, indicators and the children's table.
    let child_level = region.level().child().filter(|l| *l != Level::Village);
    let mut lens = vec![Level::Town.code_len(), Level::County.code_len()];
    lens.extend(child_level.map(|l| l.code_len()));
    lens.retain(|l| *l > code.len());
    lens.sort_unstable();
    lens.dedup();
    let mut names: BTreeMap<String, String> =
        repo::names_at(tx, code, &lens).await?.into_iter().collect();
    names.insert(code.to_owned(), region_name.to_owned());
    let name_of = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_owned());

    // Town indicators.
    let indicators = indicator_lines(tx, actor, region, period, &name_of).await?;

    // Regions below.
    let mut children = Vec::new();
    if let Some(child) = child_level {
        let len = child.code_len();
        let rows = roll_up(&town_rows, len);
        let lines: Vec<(String, ProjectStats)> = rows
            .iter()
            .filter(|(_, f)| f.projects > 0)
            .map(|(c, f)| (c.clone(), ProjectStats::from_figures(c, as_of, f)))
            .collect();
        let inv = rank(
            lines
                .iter()
                .map(|(c, s)| (c.clone(), s.investment_completion_rate)),
        );
        let start = rank(lines.iter().map(|(c, s)| (c.clone(), s.start_rate)));
        let mut child_scores: BTreeMap<String, Vec<Points>> = BTreeMap::new();
        for i in &ins {
            if let Some(k) = i.town_code.get(..len) {
                child_scores
                    .entry(k.to_owned())
                    .or_default()
                    .push(Points(i.score));
            }
        }
        for (c, s) in lines {
            children.push(ChildLine {
                name: name_of(&c),
                investment_rank: inv.iter().find(|r| r.key == c).and_then(|r| r.rank),
                start_rank: start.iter().find(|r| r.key == c).and_then(|r| r.rank),
                inspection_score: child_scores.get(&c).and_then(|v| average(v)).map(|p| p.0),
                code: c,
                stats: s,
            });
        }
    }

    // Problems.
    let mut problems = Problems {
        overdue_rectifications: inspections.rect.overdue,
        overdue_towns: overdue_by_town
            .iter()
            .map(|(c, n)| OverdueLine {
                code: c.clone(),
                name: name_of(c),
                overdue: *n,
            })
            .collect(),
        indicators_below: indicators
            .iter()
            .filter(|i| !i.towns_below.is_empty())
            .cloned()
            .collect(),
        ..Problems::default()
    };
    problems
        .overdue_towns
        .sort_by(|a, b| b.overdue.cmp(&a.overdue).then_with(|| a.code.cmp(&b.code)));
    if region.level() != Level::Town {
        let county_rows: Vec<(String, Figures)> = if region.level() == Level::County {
            vec![(code.to_owned(), f)]
        } else {
            roll_up(&town_rows, Level::County.code_len())
        };
        for (county, cf) in &county_rows {
            let cs = ProjectStats::from_figures(county, as_of, cf);
            let towns: Vec<(String, ProjectStats)> = town_rows
                .iter()
                .filter(|(t, tf)| t.starts_with(county.as_str()) && tf.projects > 0)
                .map(|(t, tf)| (t.clone(), ProjectStats::from_figures(t, as_of, tf)))
                .collect();
            let cname = name_of(county);
            let lag =
                |pick: fn(&ProjectStats) -> Option<f64>, reference: Option<f64>| -> Vec<LagLine> {
                    let lines: Vec<RateLine> = towns
                        .iter()
                        .map(|(t, s)| RateLine {
                            code: t.clone(),
                            name: name_of(t),
                            rate: pick(s),
                        })
                        .collect();
                    lagging(&lines, reference)
                        .into_iter()
                        .map(|l| LagLine {
                            code: l.code.clone(),
                            name: l.name.clone(),
                            rate: l.rate,
                            reference,
                            reference_name: cname.clone(),
                        })
                        .collect()
                };
            problems
                .lagging_start
                .extend(lag(|s| s.start_rate, cs.start_rate));
            problems.lagging_investment.extend(lag(
                |s| s.investment_completion_rate,
                cs.investment_completion_rate,
            ));
        }
        for (t, tf) in &town_rows {
            if tf.reports_expected > tf.reports_submitted && tf.projects > 0 {
                problems.late_reports.push(LateReportLine {
                    code: t.clone(),
                    name: name_of(t),
                    expected: tf.reports_expected,
                    submitted: tf.reports_submitted,
                });
            }
        }
    } else if f.reports_expected > f.reports_submitted {
        problems.late_reports.push(LateReportLine {
            code: code.to_owned(),
            name: region_name.to_owned(),
            expected: f.reports_expected,
            submitted: f.reports_submitted,
        });
    }
    let by_gap = |a: &LagLine, b: &LagLine| {
        let gap = |l: &LagLine| l.reference.unwrap_or(0.0) - l.rate.unwrap_or(0.0);
        gap(b)
            .partial_cmp(&gap(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.code.cmp(&b.code))
    };
    problems.lagging_start.sort_by(by_gap);
    problems.lagging_investment.sort_by(by_gap);

    Ok(Facts {
        region_code: code.to_owned(),
        region_name: region_name.to_owned(),
        level: region.level(),
        period,
        as_of: as_of.to_string(),
        projects: ProjectSummary {
            current,
            previous,
            by_pillar,
        },
        enrollment,
        inspections,
        publicity,
        experts,
        meetings,
        work_team,
        indicators,
        children,
        problems,
    })
}

/// Sums up town values by the indicator's aggregation; `None` without values.
fn aggregate(aggregation: &str, values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    Some(match aggregation {
        "avg" => {
            let n = values.len() as i128;
            let s: i128 = values.iter().map(|v| i128::from(*v)).sum();
            // Rounded half away from zero, like every average in the program.
            let q = (2 * s + n * s.signum()) / (2 * n);
            i64::try_from(q).unwrap_or(i64::MAX)
        }
        "max" => values.iter().copied().max().unwrap_or(0),
        "min" => values.iter().copied().min().unwrap_or(0),
        _ => values.iter().fold(0i64, |a, v| a.saturating_add(*v)),
    })
}

async fn indicator_lines(
    tx: &mut Tx,
    actor: &Actor,
    region: &RegionCode,
    period: Period,
    name_of: &(dyn Fn(&str) -> String + Sync),
) -> Result<Vec<IndicatorLine>> {
    let lineage: Vec<String> = region.lineage().iter().map(|c| c.to_string()).collect();
    // Indicators without a value for this kind of period (yearly ones in a
    // half-year summary) are left out, not shown as missing.
    let defs: Vec<repo::IndicatorDef> = repo::indicator_defs(tx, &lineage)
        .await?
        .into_iter()
        .filter(|d| period.indicator_period(&d.period).is_some())
        .collect();
    if defs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = defs.iter().map(|d| d.id).collect();
    let mut periods: Vec<String> = defs
        .iter()
        .flat_map(|d| {
            [
                period.indicator_period(&d.period),
                period.previous_year().indicator_period(&d.period),
            ]
        })
        .flatten()
        .collect();
    periods.sort();
    periods.dedup();
    let values = repo::indicator_values(tx, actor.scope(), region.as_str(), &ids, &periods).await?;
    let mut out = Vec::new();
    for d in &defs {
        let now_p = period.indicator_period(&d.period).unwrap_or_default();
        let prev_p = period
            .previous_year()
            .indicator_period(&d.period)
            .unwrap_or_default();
        let of = |p: &str| -> Vec<&repo::IndicatorValue> {
            values
                .iter()
                .filter(|v| v.indicator_id == d.id && v.period == p)
                .collect()
        };
        let now_v = of(&now_p);
        let prev_v = of(&prev_p);
        let nums =
            |v: &[&repo::IndicatorValue]| v.iter().map(|x| x.value_milli).collect::<Vec<_>>();
        let towns_below = now_v
            .iter()
            .filter(|v| below_target(v.value_milli, d.target_milli, d.higher_is_better))
            .map(|v| TownBelowTarget {
                code: v.town_code.clone(),
                name: name_of(&v.town_code),
                value_milli: v.value_milli,
            })
            .collect();
        out.push(IndicatorLine {
            id: d.id,
            code: d.code.clone(),
            name: d.name.clone(),
            unit: d.unit.clone(),
            aggregation: d.aggregation.clone(),
            higher_is_better: d.higher_is_better,
            value_milli: aggregate(&d.aggregation, &nums(&now_v)),
            previous_milli: aggregate(&d.aggregation, &nums(&prev_v)),
            target_milli: d.target_milli,
            towns: now_v.len() as i64,
            towns_below,
        });
    }
    // The same code defined at two levels: the nearest office's definition wins.
    let mut seen = std::collections::BTreeSet::new();
    out.reverse();
    out.retain(|l| seen.insert(l.code.clone()));
    out.reverse();
    Ok(out)
}

/// Month by month figures of a year, for the dashboard's trend charts.
pub(super) async fn trend(
    tx: &mut Tx,
    actor: &Actor,
    region: &RegionCode,
    year: i32,
) -> Result<Vec<TrendPoint>> {
    let rows = stats::by_month(tx, Source::Live, actor.scope(), region.as_str(), year).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, f)| {
            let ym = YearMonth::new(year, u32::try_from(m).ok()?)?;
            let s = ProjectStats::from_figures(region.as_str(), ym, &f);
            Some(TrendPoint {
                month: ym.month(),
                label: format!("{}月", ym.month()),
                completed_investment_fen: f.completed_investment_fen,
                start_rate: crate::projects::counts_of(&f).start_rate(StartBasis::default()),
                investment_rate: s.investment_completion_rate,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregation_by_rule() {
        assert_eq!(aggregate("sum", &[1000, 2500]), Some(3500));
        assert_eq!(aggregate("avg", &[1000, 2001]), Some(1501));
        assert_eq!(aggregate("max", &[1000, 2500]), Some(2500));
        assert_eq!(aggregate("min", &[1000, 2500]), Some(1000));
        assert_eq!(aggregate("sum", &[]), None);
    }
}
