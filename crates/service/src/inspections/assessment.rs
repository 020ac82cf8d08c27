//! 动态考核: the quarterly score of every town (and county) of an owner
//! region — a city or the province — that combines the inspection score with
//! project progress by configurable weights, and the ranking the quarterly
//! notice circulates.
//!
//! The parts of a town for a quarter, each on the 0–100 scale in exact
//! hundredths ([`Points`]), or missing (`None`, and [`combine`] renormalises
//! the weights over the parts present):
//!
//! - **inspection**: the mean, over the *published* rounds of the quarter
//!   (the round's year and quarter, whoever owns it) that inspected the town,
//!   of score × 100 / the round's checklist base. The mean is taken exactly
//!   (one fraction) and rounded half away from zero to the hundredth once;
//! - **start_rate**: 开工率 as of the quarter's last month from the town's
//!   live figures, as the project statistics define it
//!   (`ProjectCounts::start_rate` with the default `StartBasis`): started /
//!   planned to start by then, or / all projects when none is planned yet;
//! - **investment_rate**: 投资完成率 as of the quarter's last month
//!   (completed this year / this year's plan), counted up to 100;
//! - **reporting**: see [`reporting_part`]: the share of the quarter's
//!   monthly reports the town submitted on time.
//!
//! Towns considered: those under the owner region that have projects in the
//! quarter's year or were inspected by a published round of the quarter.
//!
//! Until published, the owner office (and offices above) see a live preview;
//! everyone else gets "not found". Publication freezes the weights and every
//! town's parts and total in `assessments` / `assessment_scores`: a published
//! quarter reads exactly as it was circulated, whatever is corrected later.
//! Ranks are always computed over the whole owner region; the lines shown are
//! then filtered to the caller's scope.

use super::{names, parse_catalogue, text, today, Whole};
use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::inspection::{average, combine, ratio_points, Parts, Points, Quarter, Weights};
use meizhen_domain::project::{ReportState, ReportingWindow, YearMonth};
use meizhen_domain::ranking::{rank, RankChange};
use meizhen_domain::{Level, RegionCode, RegionScope, Role};
use meizhen_storage::repo::inspections::{
    self as repo, AssessmentRow, AssessmentScoreRow, NoticeText,
};
use meizhen_storage::repo::projects as projects_repo;
use meizhen_storage::repo::stats::{self, Figures, Source};
use meizhen_storage::{now_ms, Tx};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// One town's line of a quarterly assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentTownLine {
    pub town_code: String,
    pub town_name: String,
    pub county_code: String,
    pub county_name: String,
    pub parts: Parts,
    pub total: Option<Points>,
    /// Rank in the whole owner region (competition ranking, 1, 2, 2, 4).
    pub rank: Option<u32>,
    /// Rank among the towns of its county (within the owner region).
    pub county_rank: Option<u32>,
    /// Against the previous quarter's published assessment of the same
    /// owner; `None` when that quarter was not published.
    pub change: Option<RankChange>,
    /// "↑2", "持平", "新进" …; empty when there is no previous assessment.
    pub change_label: String,
}

/// One county's line: the average of its towns' totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentCountyLine {
    pub county_code: String,
    pub county_name: String,
    /// Towns of the county in the assessment (all, not only those shown).
    pub towns: u32,
    pub total: Option<Points>,
    pub rank: Option<u32>,
    pub change: Option<RankChange>,
    pub change_label: String,
}

/// A quarterly assessment as a page, the API or the notice shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentView {
    pub owner_code: String,
    pub owner_name: String,
    pub quarter: Quarter,
    /// "2020年第二季度"
    pub quarter_label: String,
    pub weights: Weights,
    /// A publication exists for (owner, quarter).
    pub published: bool,
    pub published_at: Option<i64>,
    pub published_by: Option<i64>,
    /// The lines are computed now (a preview) rather than read from the
    /// frozen publication.
    pub live: bool,
    /// The previous quarter's published assessment the changes compare with.
    pub previous_published: bool,
    pub previous_quarter_label: String,
    /// The notice's editable texts (empty before publication).
    pub notice: NoticeText,
    /// May publish (the owner office, not yet published).
    pub can_publish: bool,
    /// May edit the notice texts (the owner office, once published).
    pub can_edit_notice: bool,
    /// By rank in the owner region; towns without a total last, by code.
    pub towns: Vec<AssessmentTownLine>,
    /// By rank; counties without a total last, by code.
    pub counties: Vec<AssessmentCountyLine>,
}

// ---------------------------------------------------------------------------
// Pure helpers

/// The inspection part: the mean of `score / base × 100` over the rounds,
/// `(score, base)` in hundredths, computed as one exact fraction and rounded
/// half away from zero to the hundredth. Scores are taken within 0..=base;
/// rounds with a base of zero are skipped. `None` when no round counts.
///
/// Rounds are grouped by base first (a quarter has one or two checklist
/// versions), so the fraction stays small; should it ever outgrow 128 bits
/// (dozens of different bases), the mean of the per-round values rounded to
/// the hundredth is used instead.
fn inspection_part(scores: &[(i64, i64)]) -> Option<Points> {
    let mut by_base: BTreeMap<i128, i128> = BTreeMap::new();
    let mut n = 0i128;
    for (s, b) in scores.iter().filter(|(_, b)| *b > 0) {
        *by_base.entry(i128::from(*b)).or_default() += i128::from((*s).clamp(0, *b));
        n += 1;
    }
    if n == 0 {
        return None;
    }
    // Σ s·10000/b as num/den, reduced at every step.
    let exact = || -> Option<i64> {
        let (mut num, mut den) = (0i128, 1i128);
        for (b, s) in &by_base {
            num = num
                .checked_mul(*b)?
                .checked_add(s.checked_mul(10_000)?.checked_mul(den)?)?;
            den = den.checked_mul(*b)?;
            let g = gcd(num, den);
            if g > 1 {
                num /= g;
                den /= g;
            }
        }
        let den = den.checked_mul(n)?;
        // num ≥ 0, den > 0: half away from zero is half up.
        let q = num.checked_mul(2)?.checked_add(den)? / den.checked_mul(2)?;
        i64::try_from(q).ok()
    };
    match exact() {
        Some(q) => Some(Points(q)),
        None => {
            let each: Vec<Points> = scores
                .iter()
                .filter_map(|(s, b)| ratio_points(*s, *b))
                .collect();
            average(&each)
        }
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// 开工率 of a town's figures on the 0–100 scale: the definition of
/// `ProjectCounts::start_rate(StartBasis::PlannedByDate)` (the default basis
/// of the project statistics) — started / planned to start by the month, or
/// started / all projects when none is planned yet — computed exactly from
/// the same counts. `None` without projects.
fn start_part(f: &Figures) -> Option<Points> {
    let basis = if f.planned_to_start > 0 {
        f.planned_to_start
    } else {
        f.projects
    };
    ratio_points(f.started, basis)
}

/// 投资完成率 (completed this year / this year's plan) counted up to 100;
/// `None` without a plan.
fn investment_part(f: &Figures) -> Option<Points> {
    ratio_points(f.completed_investment_fen, f.planned_investment_fen)
}

/// The reporting part (按时报送率).
///
/// A town's monthly report is expected for each month of the quarter in
/// which it has projects (`reports_expected > 0` in the month's figures). A
/// month is *on time* when the town submitted it (提交月报: the reporting
/// period's `submitted_at`, as a Shanghai date) on or before the due date —
/// `due_day` of the following month ([`ReportingWindow`], the deployment's
/// `report_due_day`) — exactly the "按时填报" of the county's reporting
/// overview. Submitted after the due date (逾期补报) or never submitted once
/// it has passed (逾期未报) is *not on time*. A month whose due date has not
/// passed yet and that is not submitted does not count either way. A month
/// returned by the county and submitted again is judged by its latest
/// submission, as the overview does.
///
/// The part is on-time months / counted months; `None` when nothing counts.
fn reporting_part(states: &[ReportState]) -> Option<Points> {
    let counted = states.iter().filter(|s| **s != ReportState::NotDue).count();
    let on_time = states.iter().filter(|s| **s == ReportState::OnTime).count();
    ratio_points(on_time as i64, counted as i64)
}

fn county_of(town: &str) -> String {
    town.get(..6).unwrap_or(town).to_owned()
}

/// Ranks of a quarter's totals over the whole owner region.
#[derive(Debug, Default, PartialEq, Eq)]
struct Standings {
    /// Towns in ranking order with their rank in the owner region.
    towns: Vec<(String, Option<u32>)>,
    /// Rank of each town in the owner region, by code.
    rank_of: BTreeMap<String, Option<u32>>,
    /// Rank of each town within its county.
    in_county: BTreeMap<String, Option<u32>>,
    /// Counties in ranking order: (code, average total, rank, towns).
    counties: Vec<(String, Option<Points>, Option<u32>, u32)>,
}

impl Standings {
    fn of(totals: &BTreeMap<String, Option<Points>>) -> Standings {
        let value = |p: &Option<Points>| p.map(|p| p.0 as f64);
        let towns: Vec<(String, Option<u32>)> =
            rank(totals.iter().map(|(t, p)| (t.clone(), value(p))))
                .into_iter()
                .map(|r| (r.key, r.rank))
                .collect();
        let rank_of = towns.iter().cloned().collect();
        let mut by_county: BTreeMap<String, Vec<(&String, &Option<Points>)>> = BTreeMap::new();
        for (t, p) in totals {
            by_county.entry(county_of(t)).or_default().push((t, p));
        }
        let mut in_county = BTreeMap::new();
        let mut county_totals = BTreeMap::new();
        for (county, members) in &by_county {
            for r in rank(members.iter().map(|(t, p)| ((*t).clone(), value(p)))) {
                in_county.insert(r.key, r.rank);
            }
            let present: Vec<Points> = members.iter().filter_map(|(_, p)| **p).collect();
            county_totals.insert(
                county.clone(),
                (
                    average(&present),
                    u32::try_from(members.len()).unwrap_or(u32::MAX),
                ),
            );
        }
        let counties = rank(
            county_totals
                .iter()
                .map(|(c, (p, _))| (c.clone(), value(p))),
        )
        .into_iter()
        .map(|r| {
            let (total, n) = county_totals.get(&r.key).copied().unwrap_or_default();
            (r.key, total, r.rank, n)
        })
        .collect();
        Standings {
            towns,
            rank_of,
            in_county,
            counties,
        }
    }

    fn town_rank(&self, town: &str) -> Option<u32> {
        self.rank_of.get(town).copied().flatten()
    }

    fn county_rank(&self, county: &str) -> Option<u32> {
        self.counties
            .iter()
            .find(|(c, ..)| c == county)
            .and_then(|(_, _, r, _)| *r)
    }
}

fn change_of(
    previous: Option<&Standings>,
    before: impl Fn(&Standings) -> Option<u32>,
    now: Option<u32>,
) -> (Option<RankChange>, String) {
    match previous {
        Some(p) => {
            let c = RankChange::between(before(p), now);
            (Some(c), c.label())
        }
        None => (None, String::new()),
    }
}

/// Rows of a frozen publication as parts and totals by town.
fn frozen_rows(rows: &[AssessmentScoreRow]) -> BTreeMap<String, (Parts, Option<Points>)> {
    rows.iter()
        .map(|s| {
            (
                s.town_code.clone(),
                (
                    Parts {
                        inspection: s.inspection.map(Points),
                        start_rate: s.start_rate.map(Points),
                        investment_rate: s.investment_rate.map(Points),
                        reporting: s.reporting.map(Points),
                    },
                    s.total.map(Points),
                ),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Permissions

/// The offices of the owner region and above (and admins above it) see the
/// live preview before publication.
fn may_preview(actor: &Actor, owner: &RegionCode) -> bool {
    (actor.role == Role::Admin || actor.role.is_office()) && owner.is_within(&actor.region)
}

/// Only the owner office itself (or an admin of that region) publishes and
/// edits the notice.
fn may_publish(actor: &Actor, owner: &RegionCode) -> bool {
    (actor.role == Role::Admin || actor.role.is_office()) && actor.region == *owner
}

/// The caller's region and the owner region overlap (one within the other).
fn concerns(actor: &Actor, owner: &RegionCode) -> bool {
    owner.is_within(&actor.region) || actor.region.is_within(owner)
}

/// Checks the owner region (the province or a city) and the quarter.
fn check_request(owner_region: &str, quarter: Quarter) -> Result<(RegionCode, Quarter)> {
    let owner = RegionCode::parse(owner_region.trim())?;
    if !matches!(owner.level(), Level::Province | Level::City) {
        return Err(ServiceError::invalid(
            "region",
            "动态考核由省、市美镇办组织，请选择省或设区市",
        ));
    }
    let quarter = Quarter::new(quarter.year, quarter.q)?;
    Ok((owner, quarter))
}

fn whole_scope() -> RegionScope {
    RegionScope::new(RegionCode::zhejiang(), None)
}

fn weights_of(row: &AssessmentRow) -> Result<Weights> {
    serde_json::from_str(&row.weights).map_err(|e| {
        tracing::error!(assessment = row.id, error = %e, "stored assessment weights unreadable");
        ServiceError::Conflict("考核权重数据损坏，请联系管理员".into())
    })
}

impl Services {
    /// The quarterly assessment of `owner_region` (the province "33" or a
    /// city). Once published: its frozen lines, for everyone whose region
    /// concerns the owner region, filtered to their scope. Before: a live
    /// preview with `weights` (the defaults when `None`) for the owner office
    /// and offices above; not found ("考核结果不存在或无权查看") for everyone else. `weights` only
    /// matter for the preview: a published quarter keeps its own.
    pub async fn assessment(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
        weights: Option<Weights>,
    ) -> Result<AssessmentView> {
        require_password_changed(actor)?;
        let (owner, quarter) = check_request(owner_region, quarter)?;
        let mut tx = self.db().begin_read().await?;
        let (y, q) = (quarter.year, quarter_i32(quarter));
        match repo::assessment(&mut tx, owner.as_str(), y, q).await? {
            Some(row) => {
                if !concerns(actor, &owner) {
                    return Err(ServiceError::not_found("考核结果"));
                }
                let rows = repo::assessment_scores(&mut tx, &whole_scope(), row.id).await?;
                let weights = weights_of(&row)?;
                self.view(
                    &mut tx,
                    actor,
                    &owner,
                    quarter,
                    weights,
                    frozen_rows(&rows),
                    Some(&row),
                    false,
                )
                .await
            }
            None => {
                if !may_preview(actor, &owner) {
                    return Err(ServiceError::not_found("考核结果"));
                }
                let weights = weights.unwrap_or_default();
                weights.validate()?;
                let rows = self.live_rows(&mut tx, &owner, quarter, &weights).await?;
                self.view(&mut tx, actor, &owner, quarter, weights, rows, None, true)
                    .await
            }
        }
    }

    /// The assessment computed now from the current inspections and project
    /// figures, even for a published quarter (to compare with what was
    /// circulated). The owner office and offices above only.
    pub async fn assessment_preview(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
        weights: Option<Weights>,
    ) -> Result<AssessmentView> {
        require_password_changed(actor)?;
        let (owner, quarter) = check_request(owner_region, quarter)?;
        if !may_preview(actor, &owner) {
            return Err(ServiceError::not_found("考核结果"));
        }
        let mut tx = self.db().begin_read().await?;
        let row =
            repo::assessment(&mut tx, owner.as_str(), quarter.year, quarter_i32(quarter)).await?;
        let weights = match (weights, &row) {
            (Some(w), _) => w,
            (None, Some(r)) => weights_of(r)?,
            (None, None) => Weights::default(),
        };
        weights.validate()?;
        let rows = self.live_rows(&mut tx, &owner, quarter, &weights).await?;
        self.view(
            &mut tx,
            actor,
            &owner,
            quarter,
            weights,
            rows,
            row.as_ref(),
            true,
        )
        .await
    }

    /// Publishes (freezes) the quarter's assessment with `weights`: one
    /// `assessments` row and one `assessment_scores` row per town, in one
    /// transaction, audited. The owner office only; a second publication of
    /// the same quarter is refused.
    pub async fn publish_assessment(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
        weights: Weights,
        meta: &RequestMeta,
    ) -> Result<AssessmentView> {
        require_password_changed(actor)?;
        let (owner, quarter) = check_request(owner_region, quarter)?;
        if !may_publish(actor, &owner) {
            return Err(ServiceError::forbidden(
                "只有组织考核的美镇办可以发布季度考核结果",
            ));
        }
        weights.validate()?;
        let (y, q) = (quarter.year, quarter_i32(quarter));
        let mut tx = self.db().begin().await?;
        let published = || ServiceError::Conflict("该季度考核结果已发布".into());
        if repo::assessment(&mut tx, owner.as_str(), y, q)
            .await?
            .is_some()
        {
            return Err(published());
        }
        let rows = self.live_rows(&mut tx, &owner, quarter, &weights).await?;
        if rows.is_empty() {
            return Err(ServiceError::invalid(
                "quarter",
                format!(
                    "{}没有可考核的乡镇（无项目，也无已发布的暗访）",
                    quarter.label_zh()
                ),
            ));
        }
        let body = serde_json::to_string(&weights)
            .map_err(|_| ServiceError::invalid("weights", "权重无法保存"))?;
        let id = repo::insert_assessment(
            &mut tx,
            owner.as_str(),
            y,
            q,
            &body,
            Some(actor.id),
            now_ms(),
        )
        .await
        .map_err(|e| match e {
            meizhen_storage::StorageError::Duplicate => published(),
            other => other.into(),
        })?;
        for (town, (p, total)) in &rows {
            repo::insert_assessment_score(
                &mut tx,
                &AssessmentScoreRow {
                    assessment_id: id,
                    town_code: town.clone(),
                    inspection: p.inspection.map(|x| x.0),
                    start_rate: p.start_rate.map(|x| x.0),
                    investment_rate: p.investment_rate.map(|x| x.0),
                    reporting: p.reporting.map(|x| x.0),
                    total: total.map(|x| x.0),
                },
            )
            .await?;
        }
        let owner_name = names(&mut tx, [owner.to_string()])
            .await?
            .remove(owner.as_str())
            .unwrap_or_default();
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("publish", "assessment", &id.to_string(), owner.as_str())
                .after(json!({
                    "quarter": quarter.id(), "weights": weights, "towns": rows.len(),
                }))
                .summary(format!(
                    "发布{owner_name}{}动态考核结果（{} 个乡镇）",
                    quarter.label_zh(),
                    rows.len()
                )),
        )
        .await?;
        tx.commit().await?;
        self.assessment(actor, owner.as_str(), quarter, None).await
    }

    /// Saves the notice texts of a published assessment (title ≤ 100 chars,
    /// number ≤ 40, opening and closing ≤ 4000 each, trimmed). The owner
    /// office only; audited.
    pub async fn update_assessment_notice(
        &self,
        actor: &Actor,
        owner_region: &str,
        quarter: Quarter,
        notice: &NoticeText,
        meta: &RequestMeta,
    ) -> Result<AssessmentView> {
        require_password_changed(actor)?;
        let (owner, quarter) = check_request(owner_region, quarter)?;
        if !may_publish(actor, &owner) {
            return Err(ServiceError::forbidden(
                "只有组织考核的美镇办可以编辑考核通报",
            ));
        }
        let clean = NoticeText {
            title: text(&notice.title, "title", "通报标题", 100)?,
            number: text(&notice.number, "number", "通报文号", 40)?,
            opening: text(&notice.opening, "opening", "通报开头", 4000)?,
            closing: text(&notice.closing, "closing", "通报结尾", 4000)?,
        };
        let mut tx = self.db().begin().await?;
        let row = repo::assessment(&mut tx, owner.as_str(), quarter.year, quarter_i32(quarter))
            .await?
            .ok_or_else(|| {
                ServiceError::Conflict(format!(
                    "{}考核结果尚未发布，发布后才能编辑通报",
                    quarter.label_zh()
                ))
            })?;
        let before = NoticeText {
            title: row.notice_title.clone(),
            number: row.notice_number.clone(),
            opening: row.notice_opening.clone(),
            closing: row.notice_closing.clone(),
        };
        repo::update_assessment_notice(&mut tx, row.id, &clean).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "update",
                "assessment_notice",
                &row.id.to_string(),
                owner.as_str(),
            )
            .before(serde_json::to_value(&before).unwrap_or_default())
            .after(serde_json::to_value(&clean).unwrap_or_default())
            .summary(format!("编辑{}动态考核通报", quarter.label_zh())),
        )
        .await?;
        tx.commit().await?;
        self.assessment(actor, owner.as_str(), quarter, None).await
    }

    /// Every considered town's parts and total, computed now.
    async fn live_rows(
        &self,
        tx: &mut Tx,
        owner: &RegionCode,
        quarter: Quarter,
        weights: &Weights,
    ) -> Result<BTreeMap<String, (Parts, Option<Points>)>> {
        let parts = self.live_parts(tx, owner, quarter).await?;
        Ok(parts
            .into_iter()
            .map(|(t, p)| {
                let total = combine(&p, weights);
                (t, (p, total))
            })
            .collect())
    }

    /// The parts of every town considered (see the module documentation).
    async fn live_parts(
        &self,
        tx: &mut Tx,
        owner: &RegionCode,
        quarter: Quarter,
    ) -> Result<BTreeMap<String, Parts>> {
        let (y, q) = (quarter.year, quarter_i32(quarter));
        // Inspection: published rounds of the quarter, each against its base.
        let inspections = repo::published_in_quarter(tx, owner.as_str(), y, q).await?;
        let whole = Whole::new();
        let mut bases: BTreeMap<i64, i64> = BTreeMap::new();
        let mut scores: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
        for ins in &inspections {
            let base = match bases.get(&ins.round_id) {
                Some(b) => *b,
                None => {
                    let round = repo::round(tx, &whole.viewer(), ins.round_id)
                        .await?
                        .ok_or_else(|| ServiceError::not_found("暗访轮次"))?;
                    let checklist = repo::checklist(tx, round.checklist_id)
                        .await?
                        .ok_or_else(|| ServiceError::not_found("检查标准"))?;
                    let b = parse_catalogue(&checklist)?.base.0;
                    bases.insert(ins.round_id, b);
                    b
                }
            };
            scores
                .entry(ins.town_code.clone())
                .or_default()
                .push((ins.score, base));
        }

        // Project figures and reporting periods of the quarter's months.
        let scope = whole_scope();
        let window = ReportingWindow::new(self.config().report_due_day).unwrap_or_default();
        let today = today();
        let last = i32::try_from(quarter.last_month()).unwrap_or(12);
        let mut last_figures: BTreeMap<String, Figures> = BTreeMap::new();
        let mut with_projects: BTreeSet<String> = BTreeSet::new();
        let mut report_states: BTreeMap<String, Vec<ReportState>> = BTreeMap::new();
        for m in quarter.first_month()..=quarter.last_month() {
            let mi = i32::try_from(m).unwrap_or(1);
            let Some(month) = YearMonth::new(y, m) else {
                continue;
            };
            let figures =
                stats::by_child(tx, Source::Live, &scope, owner.as_str(), 9, y, mi).await?;
            let submitted: BTreeMap<String, Option<i64>> =
                projects_repo::periods_for_month(tx, &scope, owner.as_str(), y, mi)
                    .await?
                    .into_iter()
                    .map(|p| (p.town_code, p.submitted_at))
                    .collect();
            for (town, f) in figures {
                if f.projects > 0 {
                    with_projects.insert(town.clone());
                }
                if f.reports_expected > 0 {
                    let on = submitted
                        .get(&town)
                        .copied()
                        .flatten()
                        .and_then(meizhen_domain::time::to_shanghai)
                        .map(|t| t.date_naive());
                    report_states
                        .entry(town.clone())
                        .or_default()
                        .push(window.status(month, on, today));
                }
                if mi == last {
                    last_figures.insert(town, f);
                }
            }
        }

        let towns: BTreeSet<String> = scores.keys().cloned().chain(with_projects).collect();
        Ok(towns
            .into_iter()
            .map(|town| {
                let f = last_figures.get(&town);
                let parts = Parts {
                    inspection: scores.get(&town).and_then(|s| inspection_part(s)),
                    start_rate: f.and_then(start_part),
                    investment_rate: f.and_then(investment_part),
                    reporting: report_states.get(&town).and_then(|s| reporting_part(s)),
                };
                (town, parts)
            })
            .collect())
    }

    /// Ranks, changes, names and the caller's lines.
    #[allow(clippy::too_many_arguments)]
    async fn view(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        owner: &RegionCode,
        quarter: Quarter,
        weights: Weights,
        rows: BTreeMap<String, (Parts, Option<Points>)>,
        published: Option<&AssessmentRow>,
        live: bool,
    ) -> Result<AssessmentView> {
        let totals: BTreeMap<String, Option<Points>> = rows
            .iter()
            .map(|(t, (_, total))| (t.clone(), *total))
            .collect();
        let now = Standings::of(&totals);
        let prev_q = quarter.previous();
        let previous =
            match repo::assessment(tx, owner.as_str(), prev_q.year, quarter_i32(prev_q)).await? {
                Some(p) => {
                    let prev_rows = repo::assessment_scores(tx, &whole_scope(), p.id).await?;
                    let prev_totals: BTreeMap<String, Option<Points>> = prev_rows
                        .iter()
                        .map(|s| (s.town_code.clone(), s.total.map(Points)))
                        .collect();
                    Some(Standings::of(&prev_totals))
                }
                None => None,
            };
        let codes = rows
            .keys()
            .flat_map(|t| [t.clone(), county_of(t)])
            .chain([owner.to_string()])
            .collect::<Vec<_>>();
        let names = names(tx, codes).await?;
        let name = |c: &str| names.get(c).cloned().unwrap_or_default();
        if name(owner.as_str()).is_empty() {
            return Err(ServiceError::not_found("区划"));
        }
        let scope = actor.scope();
        let visible = |code: &str| RegionCode::parse(code).is_ok_and(|c| scope.contains(&c));

        let towns = now
            .towns
            .iter()
            .filter(|(t, _)| visible(t))
            .filter_map(|(t, r)| {
                let (parts, total) = rows.get(t)?;
                let county = county_of(t);
                let (change, change_label) = change_of(previous.as_ref(), |p| p.town_rank(t), *r);
                Some(AssessmentTownLine {
                    town_name: name(t),
                    county_name: name(&county),
                    county_code: county,
                    town_code: t.clone(),
                    parts: *parts,
                    total: *total,
                    rank: *r,
                    county_rank: now.in_county.get(t).copied().flatten(),
                    change,
                    change_label,
                })
            })
            .collect();
        let counties = now
            .counties
            .iter()
            .filter(|(c, ..)| visible(c))
            .map(|(c, total, r, n)| {
                let (change, change_label) = change_of(previous.as_ref(), |p| p.county_rank(c), *r);
                AssessmentCountyLine {
                    county_code: c.clone(),
                    county_name: name(c),
                    towns: *n,
                    total: *total,
                    rank: *r,
                    change,
                    change_label,
                }
            })
            .collect();
        let owner_ok = may_publish(actor, owner);
        Ok(AssessmentView {
            owner_code: owner.to_string(),
            owner_name: name(owner.as_str()),
            quarter,
            quarter_label: quarter.label_zh(),
            weights,
            published: published.is_some(),
            published_at: published.map(|p| p.published_at),
            published_by: published.and_then(|p| p.published_by),
            live,
            previous_published: previous.is_some(),
            previous_quarter_label: prev_q.label_zh(),
            notice: published
                .map(|p| NoticeText {
                    title: p.notice_title.clone(),
                    number: p.notice_number.clone(),
                    opening: p.notice_opening.clone(),
                    closing: p.notice_closing.clone(),
                })
                .unwrap_or_default(),
            can_publish: owner_ok && published.is_none(),
            can_edit_notice: owner_ok && published.is_some(),
            towns,
            counties,
        })
    }
}

fn quarter_i32(q: Quarter) -> i32 {
    i32::try_from(q.q).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspection_mean_is_exact() {
        // 98.5 of 100 and 47 of 50 (94): mean 96.25.
        assert_eq!(
            inspection_part(&[(9850, 10000), (4700, 5000)]),
            Some(Points(9625))
        );
        // 1/3 and 2/3 of the base: exactly 50, not 33.33 + 66.67 rounded twice.
        assert_eq!(
            inspection_part(&[(100, 300), (200, 300)]),
            Some(Points(5000))
        );
        // (99.99 + 100) / 2 = 99.995 rounds up once, to 100.00.
        assert_eq!(
            inspection_part(&[(9999, 10000), (10000, 10000)]),
            Some(Points(10000))
        );
        // 2 of 3 → 66.67; over-base scores count as the base; zero bases skip.
        assert_eq!(inspection_part(&[(200, 300)]), Some(Points(6667)));
        assert_eq!(inspection_part(&[(400, 300), (0, 0)]), Some(Points(10000)));
        assert_eq!(inspection_part(&[(5, 0)]), None);
        assert_eq!(inspection_part(&[]), None);
        // Many rounds of one base stay exact: 999 × 99.99 + 1 × 100 → 99.99.
        let mut same = vec![(9999, 10000); 999];
        same.push((10000, 10000));
        assert_eq!(inspection_part(&same), Some(Points(9999)));
        // Dozens of different bases fall back to rounding each round, never panic.
        let many: Vec<(i64, i64)> = (1..=40).map(|b| (b * 997, b * 1000 + 1)).collect();
        let each: Vec<Points> = many
            .iter()
            .filter_map(|(s, b)| ratio_points(*s, *b))
            .collect();
        assert_eq!(inspection_part(&many), average(&each));
    }

    #[test]
    fn start_part_follows_the_project_statistics() {
        use meizhen_domain::rates::StartBasis;
        let cases = [
            (10, 6, 8),
            (10, 0, 0),
            (3, 1, 0),
            (7, 7, 7),
            (10, 9, 5),
            (3, 2, 3),
            (0, 0, 0),
        ];
        for (projects, started, planned) in cases {
            let f = Figures {
                projects,
                started,
                not_started: projects - started,
                planned_to_start: planned,
                ..Figures::default()
            };
            let rate = crate::projects::counts_of(&f).start_rate(StartBasis::default());
            let got = start_part(&f);
            assert_eq!(
                got.map(|p| p.0),
                rate.map(|r| (r * 10_000.0).round() as i64),
                "{f:?}"
            );
        }
    }

    #[test]
    fn investment_part_is_capped() {
        let f = |done, plan| Figures {
            completed_investment_fen: done,
            planned_investment_fen: plan,
            ..Figures::default()
        };
        assert_eq!(investment_part(&f(450, 1000)), Some(Points(4500)));
        assert_eq!(investment_part(&f(1120, 1000)), Some(Points(10000)));
        assert_eq!(investment_part(&f(5, 0)), None);
    }

    #[test]
    fn reporting_counts_due_months_only() {
        use ReportState::*;
        assert_eq!(reporting_part(&[OnTime, Late, Missing]), Some(Points(3333)));
        assert_eq!(
            reporting_part(&[OnTime, OnTime, NotDue]),
            Some(Points(10000))
        );
        assert_eq!(reporting_part(&[NotDue]), None);
        assert_eq!(reporting_part(&[]), None);
    }

    #[test]
    fn standings_rank_towns_counties_and_ties() {
        let totals: BTreeMap<String, Option<Points>> = [
            ("331024101", Some(7667)),
            ("331024103", Some(7533)),
            ("331083102", Some(5880)),
            ("331083103", Some(10000)),
            ("331083104", None),
            ("331002001", Some(7533)),
        ]
        .into_iter()
        .map(|(t, p)| (t.to_owned(), p.map(Points)))
        .collect();
        let s = Standings::of(&totals);
        let order: Vec<(&str, Option<u32>)> =
            s.towns.iter().map(|(t, r)| (t.as_str(), *r)).collect();
        assert_eq!(
            order,
            [
                ("331083103", Some(1)),
                ("331024101", Some(2)),
                ("331002001", Some(3)),
                ("331024103", Some(3)),
                ("331083102", Some(5)),
                ("331083104", None),
            ]
        );
        assert_eq!(s.in_county["331024103"], Some(2));
        assert_eq!(s.in_county["331083103"], Some(1));
        assert_eq!(s.in_county["331083104"], None);
        // 玉环: (5880 + 10000) / 2 = 7940 (the town without a total is left out).
        assert_eq!(
            s.counties,
            vec![
                ("331083".to_owned(), Some(Points(7940)), Some(1), 3),
                ("331024".to_owned(), Some(Points(7600)), Some(2), 2),
                ("331002".to_owned(), Some(Points(7533)), Some(3), 1),
            ]
        );
        assert_eq!(s.town_rank("331024103"), Some(3));
        assert_eq!(s.county_rank("331002"), Some(3));
        assert_eq!(s.county_rank("339999"), None);
        assert_eq!(
            change_of(None, |p| p.county_rank("331002"), Some(1)),
            (None, String::new())
        );
        assert_eq!(
            change_of(Some(&s), |p| p.county_rank("331002"), Some(1)),
            (Some(RankChange::Up(2)), "↑2".to_owned())
        );
    }
}
