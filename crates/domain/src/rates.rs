//! The programme's rates (开工率, 完工率, 投资完成率) and the counts behind them.
//!
//! Definitions, as of a reporting month `as_of` (figures "截至 X 月底"):
//!
//! - **started** (已开工): projects in progress or completed.
//! - **planned to start by the date** (计划开工): projects whose planned start
//!   month is `as_of` or earlier, *plus* projects that have started anyway
//!   (ahead of plan, or without a planned date). Counting early starters in
//!   the denominator keeps every started project in the numerator without
//!   pushing the rate past 100%.
//! - **planned to complete** (计划完工): the same, with the planned finish
//!   month and completed projects.
//! - **开工率** = started / basis, where the basis is chosen by [`StartBasis`]:
//!   - `PlannedByDate` (the default, and the definition in the province's
//!     practice): projects planned to start by the date; when none are
//!     (early in the year, or a ledger without planned dates) it falls back
//!     to all projects, as 完工率 does;
//!   - `AllProjects`: every project in the library. This is how the public
//!     台州 2021 figure was computed: 1,417 started of 1,471 = 96.33%.
//! - **完工率** = completed / planned to complete; all projects when none
//!   are planned to complete by the date.
//! - **投资完成率** = cumulative completed investment this year / this year's
//!   planned investment. Unlike the two count rates it may exceed 1: a year's
//!   plan can be over-fulfilled, and offices report that as e.g. 112%.
//!
//! Rates are fractions (0.9633, not 96.33) and `None` when the denominator is
//! zero: "no projects" is not 0%. They are the only `f64` in the project
//! module, computed by one division from exact integers, so equal fractions
//! give equal rates (which ranking ties rely on).
//!
//! Rolling up town → county → city → province is plain addition of
//! [`ProjectCounts`]; rates are computed from the sums, never averaged.

use crate::money::{ratio, Fen};
use crate::project::{ProjectStatus, YearMonth};
use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// What 开工率 is measured against. See the module documentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartBasis {
    /// Every project in the library.
    AllProjects,
    /// Projects planned to start by the reporting month (falls back to all
    /// projects when there are none).
    #[default]
    PlannedByDate,
}

impl StartBasis {
    pub fn id(self) -> &'static str {
        match self {
            StartBasis::AllProjects => "all_projects",
            StartBasis::PlannedByDate => "planned_by_date",
        }
    }

    pub fn from_id(id: &str) -> Option<StartBasis> {
        [StartBasis::AllProjects, StartBasis::PlannedByDate]
            .into_iter()
            .find(|b| b.id() == id)
    }

    /// How the basis is described under a table ("开工率 = 已开工项目数 / …").
    pub fn label(self) -> &'static str {
        match self {
            StartBasis::AllProjects => "全部项目",
            StartBasis::PlannedByDate => "截至当期计划开工项目",
        }
    }
}

/// What one project contributes to the counts, as of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectFacts {
    pub status: ProjectStatus,
    pub planned_start: Option<YearMonth>,
    pub planned_finish: Option<YearMonth>,
    pub total_investment: Fen,
    /// This year's planned investment.
    pub planned_investment: Fen,
    /// Completed investment, cumulative this year.
    pub completed_investment: Fen,
}

/// Counts and sums for a set of projects (one town, or a rolled-up region).
///
/// Invariants when built from [`ProjectCounts::of_project`] and
/// [`ProjectCounts::add`]: `not_started + started == projects`,
/// `completed <= started`, `started <= planned_to_start`,
/// `completed <= planned_to_complete`. Counts loaded from elsewhere that
/// break the last two are clamped by the rates to 100%.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectCounts {
    pub projects: u32,
    pub not_started: u32,
    /// In progress + completed.
    pub started: u32,
    pub completed: u32,
    pub planned_to_start: u32,
    pub planned_to_complete: u32,
    pub total_investment: Fen,
    /// This year's plan.
    pub planned_investment: Fen,
    /// Cumulative this year.
    pub completed_investment: Fen,
}

/// `n / d` for counts, clamped to 0..=1; `None` when `d` is zero.
fn count_rate(n: u32, d: u32) -> Option<f64> {
    (d > 0).then(|| (f64::from(n) / f64::from(d)).min(1.0))
}

impl ProjectCounts {
    /// One project's contribution as of the end of `as_of`.
    pub fn of_project(p: &ProjectFacts, as_of: YearMonth) -> ProjectCounts {
        let started = p.status.is_started();
        let completed = p.status == ProjectStatus::Completed;
        let due = |planned: Option<YearMonth>| planned.is_some_and(|m| m <= as_of);
        ProjectCounts {
            projects: 1,
            not_started: u32::from(!started),
            started: u32::from(started),
            completed: u32::from(completed),
            planned_to_start: u32::from(started || due(p.planned_start)),
            planned_to_complete: u32::from(completed || due(p.planned_finish)),
            total_investment: p.total_investment,
            planned_investment: p.planned_investment,
            completed_investment: p.completed_investment,
        }
    }

    /// Adds `other` into `self` (rolling a town into its county, …). On
    /// overflow nothing is changed and the error says so.
    pub fn add(&mut self, other: &ProjectCounts) -> Result<(), ValidationError> {
        let count = |a: u32, b: u32| {
            a.checked_add(b)
                .ok_or_else(|| ValidationError::new("projects", "汇总项目数超出可计算范围"))
        };
        let money = |a: Fen, b: Fen| {
            a.checked_add(b)
                .ok_or_else(|| ValidationError::new("investment", "汇总投资额超出可计算范围"))
        };
        *self = ProjectCounts {
            projects: count(self.projects, other.projects)?,
            not_started: count(self.not_started, other.not_started)?,
            started: count(self.started, other.started)?,
            completed: count(self.completed, other.completed)?,
            planned_to_start: count(self.planned_to_start, other.planned_to_start)?,
            planned_to_complete: count(self.planned_to_complete, other.planned_to_complete)?,
            total_investment: money(self.total_investment, other.total_investment)?,
            planned_investment: money(self.planned_investment, other.planned_investment)?,
            completed_investment: money(self.completed_investment, other.completed_investment)?,
        };
        Ok(())
    }

    /// The sum of many counts (all towns of a county, all counties of a city).
    pub fn merge<'a>(
        items: impl IntoIterator<Item = &'a ProjectCounts>,
    ) -> Result<ProjectCounts, ValidationError> {
        let mut total = ProjectCounts::default();
        for item in items {
            total.add(item)?;
        }
        Ok(total)
    }

    /// 开工率; see the module documentation for the bases.
    pub fn start_rate(&self, basis: StartBasis) -> Option<f64> {
        match basis {
            StartBasis::PlannedByDate if self.planned_to_start > 0 => {
                count_rate(self.started, self.planned_to_start)
            }
            _ => count_rate(self.started, self.projects),
        }
    }

    /// 完工率: completed / planned to complete by the date, or / all projects
    /// when none are planned to complete yet.
    pub fn completion_rate(&self) -> Option<f64> {
        if self.planned_to_complete > 0 {
            count_rate(self.completed, self.planned_to_complete)
        } else {
            count_rate(self.completed, self.projects)
        }
    }

    /// 投资完成率: completed this year / planned this year. Not clamped.
    pub fn investment_completion_rate(&self) -> Option<f64> {
        ratio(self.completed_investment, self.planned_investment)
    }
}

/// A rate as offices print it: "96.33%", rounded half away from zero;
/// "—" when there is no rate.
pub fn format_percent(rate: Option<f64>, decimals: u32) -> String {
    match rate {
        Some(r) if r.is_finite() => {
            let decimals = decimals.min(6);
            let scale = 10f64.powi(decimals as i32);
            let rounded = (r * 100.0 * scale).round() / scale;
            format!("{rounded:.prec$}%", prec = decimals as usize)
        }
        _ => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;

    fn ym(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).expect("valid month")
    }

    fn wan(x: i64) -> Fen {
        Fen::from_wan(x).expect("small")
    }

    fn facts(
        status: ProjectStatus,
        start: Option<(i32, u32)>,
        finish: Option<(i32, u32)>,
    ) -> ProjectFacts {
        ProjectFacts {
            status,
            planned_start: start.map(|(y, m)| ym(y, m)),
            planned_finish: finish.map(|(y, m)| ym(y, m)),
            total_investment: wan(1000),
            planned_investment: wan(400),
            completed_investment: Fen::ZERO,
        }
    }

    #[test]
    fn one_project_counts() {
        let as_of = ym(2021, 4);
        let c =
            ProjectCounts::of_project(&facts(NotStarted, Some((2021, 4)), Some((2021, 12))), as_of);
        assert_eq!(
            (c.projects, c.not_started, c.started, c.completed),
            (1, 1, 0, 0)
        );
        assert_eq!((c.planned_to_start, c.planned_to_complete), (1, 0));

        let c = ProjectCounts::of_project(&facts(NotStarted, Some((2021, 5)), None), as_of);
        assert_eq!(c.planned_to_start, 0, "planned for next month");

        // Started ahead of plan: counts as planned so the rate stays ≤ 100%.
        let c = ProjectCounts::of_project(&facts(InProgress, Some((2021, 9)), None), as_of);
        assert_eq!((c.started, c.planned_to_start), (1, 1));

        // Completed without planned dates.
        let c = ProjectCounts::of_project(&facts(Completed, None, None), as_of);
        assert_eq!(
            (
                c.started,
                c.completed,
                c.planned_to_start,
                c.planned_to_complete
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(c.total_investment, wan(1000));
    }

    #[test]
    fn rates_with_zero_denominators_are_none() {
        let empty = ProjectCounts::default();
        assert_eq!(empty.start_rate(StartBasis::AllProjects), None);
        assert_eq!(empty.start_rate(StartBasis::PlannedByDate), None);
        assert_eq!(empty.completion_rate(), None);
        assert_eq!(empty.investment_completion_rate(), None);
        assert_eq!(
            format_percent(empty.start_rate(StartBasis::default()), 2),
            "—"
        );
    }

    #[test]
    fn start_rate_bases() {
        let c = ProjectCounts {
            projects: 10,
            not_started: 4,
            started: 6,
            planned_to_start: 8,
            ..ProjectCounts::default()
        };
        assert_eq!(c.start_rate(StartBasis::AllProjects), Some(0.6));
        assert_eq!(c.start_rate(StartBasis::PlannedByDate), Some(0.75));
        assert_eq!(StartBasis::default(), StartBasis::PlannedByDate);

        // Nothing planned yet: falls back to all projects.
        let early = ProjectCounts {
            projects: 10,
            not_started: 10,
            ..ProjectCounts::default()
        };
        assert_eq!(early.start_rate(StartBasis::PlannedByDate), Some(0.0));

        // Inconsistent counts from elsewhere are clamped.
        let odd = ProjectCounts {
            projects: 10,
            started: 9,
            planned_to_start: 5,
            ..ProjectCounts::default()
        };
        assert_eq!(odd.start_rate(StartBasis::PlannedByDate), Some(1.0));
    }

    #[test]
    fn completion_rate_falls_back_to_all_projects() {
        let c = ProjectCounts {
            projects: 8,
            started: 6,
            completed: 2,
            planned_to_complete: 4,
            ..ProjectCounts::default()
        };
        assert_eq!(c.completion_rate(), Some(0.5));
        let none_due = ProjectCounts {
            planned_to_complete: 0,
            completed: 0,
            ..c
        };
        assert_eq!(none_due.completion_rate(), Some(0.0));
    }

    #[test]
    fn investment_rate_may_exceed_one() {
        let c = ProjectCounts {
            planned_investment: wan(400),
            completed_investment: wan(448),
            ..ProjectCounts::default()
        };
        assert_eq!(c.investment_completion_rate(), Some(1.12));
        assert_eq!(format_percent(c.investment_completion_rate(), 0), "112%");
        let no_plan = ProjectCounts {
            completed_investment: wan(5),
            ..ProjectCounts::default()
        };
        assert_eq!(no_plan.investment_completion_rate(), None);
    }

    #[test]
    fn taizhou_2021_public_example() {
        let c = ProjectCounts {
            projects: 1471,
            not_started: 54,
            started: 1417,
            planned_investment: Fen::parse_amount("481.92亿元", crate::money::MoneyUnit::Wan)
                .expect("amount"),
            completed_investment: Fen::parse_amount("181.81亿", crate::money::MoneyUnit::Wan)
                .expect("amount"),
            ..ProjectCounts::default()
        };
        assert_eq!(
            format_percent(c.start_rate(StartBasis::AllProjects), 2),
            "96.33%"
        );
        assert_eq!(format_percent(c.investment_completion_rate(), 2), "37.73%");
        assert_eq!(c.planned_investment.to_yi_string(2), "481.92");
    }

    #[test]
    fn rollup_is_addition_and_rates_come_from_sums() {
        let as_of = ym(2021, 6);
        let town_a = ProjectCounts::merge(&[
            ProjectCounts::of_project(&facts(Completed, Some((2021, 1)), Some((2021, 5))), as_of),
            ProjectCounts::of_project(&facts(InProgress, Some((2021, 2)), Some((2021, 12))), as_of),
        ])
        .expect("sum");
        let town_b = ProjectCounts::merge(&[
            ProjectCounts::of_project(&facts(NotStarted, Some((2021, 3)), Some((2021, 12))), as_of),
            ProjectCounts::of_project(&facts(NotStarted, Some((2021, 9)), Some((2022, 6))), as_of),
        ])
        .expect("sum");
        let county = ProjectCounts::merge([&town_a, &town_b]).expect("sum");
        assert_eq!(county.projects, 4);
        assert_eq!(county.started, 2);
        assert_eq!(county.not_started, 2);
        assert_eq!(county.completed, 1);
        assert_eq!(county.planned_to_start, 3);
        assert_eq!(county.planned_to_complete, 1);
        assert_eq!(county.total_investment, wan(4000));
        // 2 of 3 planned, not the average of town A's 100% and town B's 0%.
        let r = county.start_rate(StartBasis::PlannedByDate).expect("rate");
        assert!((r - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(county.completion_rate(), Some(1.0));

        let mut acc = town_a;
        acc.add(&town_b).expect("sum");
        assert_eq!(acc, county);
        assert_eq!(
            ProjectCounts::merge([]).expect("empty"),
            ProjectCounts::default()
        );
    }

    #[test]
    fn overflow_in_rollup_is_an_error_and_changes_nothing() {
        let big = ProjectCounts {
            projects: 1,
            completed_investment: Fen(i64::MAX),
            ..ProjectCounts::default()
        };
        let mut acc = big;
        let e = acc.add(&big).expect_err("overflow");
        assert_eq!(e.field, "investment");
        assert_eq!(acc, big, "unchanged after a failed add");
        let many = ProjectCounts {
            projects: u32::MAX,
            ..ProjectCounts::default()
        };
        let e = ProjectCounts::merge([&many, &many]).expect_err("overflow");
        assert_eq!(e.field, "projects");
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(format_percent(Some(1417.0 / 1471.0), 2), "96.33%");
        assert_eq!(
            format_percent(Some(0.125), 0),
            "13%",
            "half rounds up, not to even"
        );
        assert_eq!(format_percent(Some(1.0), 1), "100.0%");
        assert_eq!(format_percent(Some(0.0), 2), "0.00%");
        assert_eq!(format_percent(Some(f64::NAN), 2), "—");
        assert_eq!(format_percent(None, 2), "—");
    }

    #[test]
    fn basis_ids() {
        for b in [StartBasis::AllProjects, StartBasis::PlannedByDate] {
            assert_eq!(StartBasis::from_id(b.id()), Some(b));
        }
        assert_eq!(StartBasis::from_id("x"), None);
        assert_eq!(
            serde_json::to_string(&StartBasis::PlannedByDate).expect("json"),
            "\"planned_by_date\""
        );
    }
}
