//! `meizhen demo` on every engine: 台州's 2020 project library is at the
//! scale of the city's work summary, the published figures are exactly what
//! the stored monthly reports add up to (recomputed here, independently of
//! `town_figures`), and running the demo again changes nothing.
//!
//! PostgreSQL runs too when `MEIZHEN_TEST_POSTGRES_URL` is set.

use meizhen_domain::page::PageRequest;
use meizhen_domain::project::YearMonth;
use meizhen_domain::{RegionCode, RegionScope};
use meizhen_service::audit::AuditFilter;
use meizhen_service::projects::{ProjectFilter, ProjectRow, ReportRow};
use meizhen_service::stats::{ProjectStats, Source};
use meizhen_service::{Actor, ServiceConfig, Services};
use meizhen_storage::repo::projects as repo;
use meizhen_storage::testkit::TestDb;
use std::collections::BTreeMap;
use std::time::Instant;

const CITY: &str = "3310";
const DEMO_TOWNS: [&str; 4] = ["331024103", "331024101", "331083102", "331083103"];

fn light_config() -> ServiceConfig {
    ServiceConfig {
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        ..ServiceConfig::default()
    }
}

/// What the database holds for 台州 2020, read from the rows themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    projects: i64,
    not_started: i64,
    started: i64,
    completed: i64,
    planned_to_start: i64,
    planned_to_complete: i64,
    total_investment_fen: i64,
    planned_investment_fen: i64,
    completed_investment_fen: i64,
    december_reports: i64,
    reports: usize,
    /// (month, state) → periods
    periods: BTreeMap<(i32, String), usize>,
    late_periods: usize,
    returned_with_note: usize,
    per_demo_town: Vec<usize>,
}

async fn observe(services: &Services) -> Observed {
    let actor = Actor::system();
    let scope = RegionScope::new(RegionCode::parse(CITY).expect("code"), None);
    let filter = ProjectFilter {
        region: Some(CITY.into()),
        year: Some(2020),
        ..ProjectFilter::default()
    };
    // The 2020 library with each project's plan, through the service…
    let mut plans: BTreeMap<i64, i64> = BTreeMap::new();
    let mut per_town: BTreeMap<String, usize> = BTreeMap::new();
    for n in 1.. {
        let page = services
            .projects(&actor, &filter, &PageRequest::new(Some(n), Some(200)))
            .await
            .expect("project list");
        for p in &page.items {
            plans.insert(p.id, p.planned_investment_fen.expect("2020 plan"));
            *per_town.entry(p.town_code.clone()).or_default() += 1;
        }
        if page.items.len() < 200 {
            assert_eq!(plans.len() as i64, page.total);
            break;
        }
    }
    // …the full rows (planned dates) and every 2020 report, from storage.
    let mut tx = services.db().begin_read().await.expect("tx");
    let mut rows: Vec<ProjectRow> = Vec::new();
    loop {
        let after = rows.last().map_or(0, |r| r.id);
        let batch = repo::list_batch(&mut tx, &scope, &filter, after, 500)
            .await
            .expect("batch");
        if batch.is_empty() {
            break;
        }
        rows.extend(batch);
    }
    assert_eq!(rows.len(), plans.len());
    let mut reports: BTreeMap<i64, Vec<ReportRow>> = BTreeMap::new();
    let mut periods = BTreeMap::new();
    let (mut late_periods, mut returned_with_note) = (0, 0);
    for m in 1..=12 {
        for r in repo::reports_for_month(&mut tx, &scope, CITY, 2020, m)
            .await
            .expect("reports")
        {
            reports.entry(r.project_id).or_default().push(r);
        }
        let month = YearMonth::new(2020, m as u32).expect("month");
        let due = month.next().day_clamped(5);
        for p in repo::periods_for_month(&mut tx, &scope, CITY, 2020, m)
            .await
            .expect("periods")
        {
            *periods.entry((m, p.state.clone())).or_default() += 1;
            let submitted = p
                .submitted_at
                .and_then(meizhen_domain::time::to_shanghai)
                .map(|t| t.date_naive());
            if submitted.is_some_and(|d| d > due) {
                late_periods += 1;
            }
            if p.state == "returned" && !p.review_note.is_empty() {
                returned_with_note += 1;
            }
        }
    }
    drop(tx);

    let mut o = Observed {
        projects: rows.len() as i64,
        not_started: 0,
        started: 0,
        completed: 0,
        planned_to_start: 0,
        planned_to_complete: 0,
        total_investment_fen: 0,
        planned_investment_fen: plans.values().sum(),
        completed_investment_fen: 0,
        december_reports: 0,
        reports: reports.values().map(Vec::len).sum(),
        periods,
        late_periods,
        returned_with_note,
        per_demo_town: DEMO_TOWNS
            .iter()
            .map(|t| per_town.get(*t).copied().unwrap_or(0))
            .collect(),
    };
    let rank = |s: &str| match s {
        "not_started" => 0,
        "in_progress" => 1,
        "completed" => 2,
        other => panic!("status {other}"),
    };
    for p in &rows {
        let mine = reports.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
        // Reports come month by month: cumulative never decreases, status
        // never moves back, and this month's figure is the difference.
        let mut prev: Option<&ReportRow> = None;
        for r in mine {
            if let Some(q) = prev {
                assert!(r.month > q.month, "{} order", p.code);
                assert!(
                    r.cumulative_fen >= q.cumulative_fen,
                    "{} {}",
                    p.code,
                    r.month
                );
                assert!(rank(&r.status) >= rank(&q.status), "{} {}", p.code, r.month);
            }
            assert_eq!(
                r.month_fen,
                r.cumulative_fen - prev.map_or(0, |q| q.cumulative_fen),
                "{} {}",
                p.code,
                r.month
            );
            prev = Some(r);
        }
        let latest = mine.last();
        let status = latest.map_or(p.status.as_str(), |r| r.status.as_str());
        let started = status != "not_started";
        let completed = status == "completed";
        o.started += i64::from(started);
        o.not_started += i64::from(!started);
        o.completed += i64::from(completed);
        let due = |d: &Option<String>| d.as_deref().is_some_and(|d| d <= "2020-12-31");
        o.planned_to_start += i64::from(started || due(&p.planned_start));
        o.planned_to_complete += i64::from(completed || due(&p.planned_finish));
        o.total_investment_fen += p.total_investment_fen;
        o.completed_investment_fen += latest.map_or(0, |r| r.year_cumulative_fen);
        o.december_reports += i64::from(latest.is_some_and(|r| r.month == 12));
    }
    o
}

fn assert_matches(stats: &ProjectStats, o: &Observed) {
    let got = (
        stats.projects,
        stats.not_started,
        stats.started,
        stats.completed,
        stats.planned_to_start,
        stats.planned_to_complete,
        stats.total_investment_fen,
        stats.planned_investment_fen,
        stats.completed_investment_fen,
        stats.reports_expected,
        stats.reports_submitted,
    );
    let want = (
        o.projects,
        o.not_started,
        o.started,
        o.completed,
        o.planned_to_start,
        o.planned_to_complete,
        o.total_investment_fen,
        o.planned_investment_fen,
        o.completed_investment_fen,
        o.projects,
        o.december_reports,
    );
    assert_eq!(got, want, "project_stats vs the stored reports");
}

#[tokio::test]
async fn demo_fills_the_2020_project_library_once() {
    for t in TestDb::all().await {
        let services = Services::new(t.db.clone(), light_config());
        services.bootstrap(&|_, _| {}).await.expect("bootstrap");
        let started = Instant::now();
        services.demo(Some("Demo-2020-tz")).await.expect("demo");
        let first = services.demo_projects().await.expect("demo projects");
        let took = started.elapsed();
        assert!(first.created);

        let o = observe(&services).await;
        let december = YearMonth::new(2020, 12).expect("month");
        let stats = services
            .project_stats(&Actor::system(), CITY, december, Source::Live)
            .await
            .expect("stats");
        eprintln!(
            "[{}] demo in {:.1} s: {} projects, {} reports; 12 月: 开工 {} 完工 {}，开工率 {:.2}%，完工率 {:.2}%，投资完成率 {:.2}%，完成投资 {} 万元 / 计划 {} 万元",
            t.label,
            took.as_secs_f64(),
            o.projects,
            o.reports,
            stats.started,
            stats.completed,
            stats.start_rate.unwrap_or(0.0) * 100.0,
            stats.completion_rate.unwrap_or(0.0) * 100.0,
            stats.investment_completion_rate.unwrap_or(0.0) * 100.0,
            stats.completed_investment_wan,
            stats.planned_investment_wan,
        );

        // The scale of the work summary.
        assert!((1900..=2200).contains(&o.projects), "{}", o.projects);
        assert!((800..=950).contains(&o.completed), "{}", o.completed);
        assert!((15_000..=25_000).contains(&o.reports), "{}", o.reports);
        assert_eq!(first.projects as i64, o.projects);
        assert_eq!(first.reports, o.reports);
        for (town, n) in DEMO_TOWNS.iter().zip(&o.per_demo_town) {
            assert!((3..=10).contains(n), "{town}: {n} projects");
        }
        // The figures are those of the stored reports.
        assert_matches(&stats, &o);
        assert_eq!(first.december.projects, o.projects);
        assert!(stats.start_rate.expect("start rate") >= 0.95);
        let inv = stats.investment_completion_rate.expect("investment rate");
        assert!((1.0..=1.1).contains(&inv), "{inv}");

        // Reporting periods: accepted, late, returned with a note, December open.
        let count = |m: i32, s: &str| o.periods.get(&(m, s.to_owned())).copied().unwrap_or(0);
        assert!(count(6, "accepted") > 80, "{:?}", o.periods);
        assert!(o.late_periods > 0 && o.returned_with_note > 0, "{o:?}");
        assert!(
            count(12, "open") > count(12, "submitted"),
            "{:?}",
            o.periods
        );
        assert_eq!(count(12, "accepted"), 0);

        // One audit entry for the whole library.
        let entries = services
            .audit_entries(
                &Actor::system(),
                &AuditFilter {
                    entity: Some("project".into()),
                    ..AuditFilter::default()
                },
                &PageRequest::new(Some(1), Some(50)),
            )
            .await
            .expect("audit");
        assert_eq!(entries.total, 1, "{:?}", entries.items);
        assert!(entries.items[0].summary.contains("演示项目库"));

        // Again: nothing changes.
        services
            .demo(Some("Demo-2020-tz"))
            .await
            .expect("demo again");
        let again = services.demo_projects().await.expect("demo projects again");
        assert!(!again.created);
        assert_eq!(again.projects as i64, o.projects);
        assert_eq!(observe(&services).await, o);
        let stats_again = services
            .project_stats(&Actor::system(), CITY, december, Source::Live)
            .await
            .expect("stats");
        assert_eq!(stats_again, stats);
        t.finish().await;
    }
}
