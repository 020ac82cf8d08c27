//! Province-scale benchmarks of 工作总结: a city's annual summary (台州
//! 2020, target ≤ 1 s) and the province's (target ≤ 3 s), generated as the
//! web page and the command line do (facts, composition; and the Word file).
//!
//! Data: the real divisions of 浙江, `generate_projects` (seed 42: 60,000
//! projects, about a million monthly reports), `generate_inspections`
//! (seed 42) and the demo ledgers for each of the eleven cities (about
//! 5,700 media reports, 170 staff, 450 expert services, 130 meetings and
//! 2,000 indicator values each, 2019–2020). SQLite always; PostgreSQL too
//! when `MEIZHEN_TEST_POSTGRES_URL` is set. Besides criterion's timings,
//! every call is timed over 20 single calls (`p95 …` lines on stderr).
//!
//! `MEIZHEN_BENCH_PHASES=1` also times each read of the facts one by one
//! (the same calls as `summary::facts::collect`, in one read transaction),
//! to see where a summary's time goes (`=only`: nothing else). `MEIZHEN_BENCH_KEEP=1` keeps the
//! generated databases and prints their URLs (for `sqlite3`/`psql` and
//! `EXPLAIN`); `MEIZHEN_BENCH_SQLITE_URL` / `MEIZHEN_BENCH_POSTGRES_URL`
//! run against such a kept database instead of generating one (minutes).
//!
//! Run: `cargo bench -p meizhen-service --bench summary` (docs/benchmarks.md).

use criterion::{Criterion, SamplingMode};
use meizhen_domain::summary::{Layout, Period};
use meizhen_domain::{Level, RegionCode};
use meizhen_service::generate_inspections::InspectionsOptions;
use meizhen_service::generate_projects::ProjectsOptions;
use meizhen_service::{Actor, ServiceConfig, Services};
use meizhen_storage::testkit::TestDb;
use meizhen_storage::Db;
use std::time::{Duration, Instant};

const SEED: u64 = 42;
const SINGLE_CALLS: usize = 20;

async fn setup(db: &Db, label: &str) -> Services {
    let s = Services::new(db.clone(), ServiceConfig::default());
    s.load_regions(&|_, _| {}).await.expect("load regions");
    let started = Instant::now();
    s.generate_projects(&ProjectsOptions::new(SEED), &|_, _| {})
        .await
        .expect("generate projects");
    s.generate_inspections(&InspectionsOptions::new(SEED), &|_, _| {})
        .await
        .expect("generate inspections");
    let cities: Vec<String> = {
        let mut tx = s.db().begin_read().await.expect("tx");
        meizhen_storage::repo::summary::names_under(&mut tx, "33", Level::City.code_len())
            .await
            .expect("cities")
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    };
    for c in &cities {
        s.demo_ledgers_for(c).await.expect("ledgers");
    }
    s.db().analyze().await.expect("analyze");
    eprintln!(
        "[{}] generated in {:.1} s ({} cities with ledgers)",
        label,
        started.elapsed().as_secs_f64(),
        cities.len()
    );
    s
}

fn single_calls(rt: &tokio::runtime::Runtime, s: &Services, label: &str, region: &str, word: bool) {
    let actor = Actor::system();
    let code = RegionCode::parse(region).expect("code");
    let mut times: Vec<f64> = rt.block_on(async {
        let mut out = Vec::new();
        for _ in 0..SINGLE_CALLS {
            let t = Instant::now();
            if word {
                s.summary_docx_for(&actor, &code, Period::year(2020), Layout::Mechanism)
                    .await
                    .expect("docx");
            } else {
                s.generate_summary(&actor, &code, Period::year(2020), Layout::Mechanism)
                    .await
                    .expect("summary");
            }
            out.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        out
    });
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((q * SINGLE_CALLS as f64).ceil() as usize).clamp(1, SINGLE_CALLS) - 1];
    eprintln!(
        "[{label}] p95 summary{}/{region}: median {:.0} ms, p95 {:.0} ms",
        if word { "-docx" } else { "" },
        at(0.5),
        at(0.95)
    );
}

/// Each read of `summary::facts::collect` for a region and 2020, timed one
/// by one in one read transaction (as the summary makes them).
async fn phases(s: &Services, label: &str, region: &str) {
    use meizhen_storage::repo::stats::{self, Source};
    use meizhen_storage::repo::summary as repo;
    let actor = Actor::system();
    let scope = actor.scope();
    let code = RegionCode::parse(region).expect("code");
    let period = Period::year(2020);
    let (from, to) = period.date_bounds();
    let (pfrom, pto) = period.previous_year().date_bounds();
    let mut laps: Vec<(&str, f64)> = Vec::new();
    let mut tx = s.db().begin_read().await.expect("tx");
    let all = Instant::now();
    macro_rules! lap {
        ($name:expr, $e:expr) => {{
            let t = Instant::now();
            let v = $e.await.expect($name);
            laps.push(($name, t.elapsed().as_secs_f64() * 1000.0));
            v
        }};
    }
    lap!(
        "stats::by_child towns",
        stats::by_child(
            &mut tx,
            Source::Live,
            scope,
            region,
            Level::Town.code_len(),
            2020,
            12
        )
    );
    lap!(
        "stats::total 2019-12",
        stats::total(&mut tx, Source::Live, scope, region, 2019, 12)
    );
    lap!(
        "pillar_figures",
        repo::pillar_figures(&mut tx, scope, region, 2020, 12)
    );
    lap!(
        "enrollment_counts",
        repo::enrollment_counts(&mut tx, scope, region, 2020)
    );
    lap!(
        "inspections_in",
        repo::inspections_in(&mut tx, scope, region, 2020, (1, 4))
    );
    lap!(
        "rect_tally_in",
        repo::rect_tally_in(&mut tx, scope, region, 2020, (1, 4))
    );
    lap!(
        "media_counts",
        repo::media_counts(&mut tx, scope, region, &from, &to)
    );
    lap!(
        "media_counts prev",
        repo::media_counts(&mut tx, scope, region, &pfrom, &pto)
    );
    lap!(
        "active_experts",
        repo::active_experts(&mut tx, scope, region, &from, &to)
    );
    lap!(
        "pairing_counts",
        repo::pairing_counts(&mut tx, scope, region, &from, &to)
    );
    lap!(
        "service_counts",
        repo::service_counts(&mut tx, scope, region, &from, &to)
    );
    lap!(
        "service_counts prev",
        repo::service_counts(&mut tx, scope, region, &pfrom, &pto)
    );
    lap!(
        "meeting_counts",
        repo::meeting_counts(&mut tx, scope, region, &from, &to)
    );
    lap!(
        "notable_meetings",
        repo::notable_meetings(
            &mut tx,
            scope,
            region,
            &["province", "city"],
            &from,
            &to,
            12
        )
    );
    lap!(
        "staff_counts",
        repo::staff_counts(&mut tx, scope, region, &from, &to)
    );
    let lens: Vec<usize> = [Level::City, Level::County, Level::Town]
        .iter()
        .map(|l| l.code_len())
        .filter(|l| *l > region.len())
        .collect();
    lap!("names_at", repo::names_at(&mut tx, region, &lens));
    let lineage: Vec<String> = code.lineage().iter().map(|c| c.to_string()).collect();
    let defs = lap!("indicator_defs", repo::indicator_defs(&mut tx, &lineage));
    let ids: Vec<i64> = defs.iter().map(|d| d.id).collect();
    let periods = ["2019".to_owned(), "2020".to_owned()];
    lap!(
        "indicator_values",
        repo::indicator_values(&mut tx, scope, region, &ids, &periods)
    );
    let total = all.elapsed().as_secs_f64() * 1000.0;
    drop(tx);
    let t = Instant::now();
    s.generate_summary(&actor, &code, period, Layout::Mechanism)
        .await
        .expect("summary");
    let whole = t.elapsed().as_secs_f64() * 1000.0;
    laps.sort_by(|a, b| b.1.total_cmp(&a.1));
    eprintln!(
        "[{label}] phases of {region}-2020: reads {total:.0} ms, generate_summary {whole:.0} ms"
    );
    for (name, ms) in laps {
        eprintln!("[{label}]   {ms:8.1} ms  {name}");
    }
}

fn bench_engine(c: &mut Criterion, rt: &tokio::runtime::Runtime, s: &Services, label: &str) {
    if std::env::var("MEIZHEN_BENCH_PHASES").is_ok() {
        for region in ["3310", "33"] {
            // Twice: the first pass warms the caches.
            rt.block_on(phases(s, label, region));
            rt.block_on(phases(s, label, region));
        }
        if std::env::var("MEIZHEN_BENCH_PHASES").as_deref() == Ok("only") {
            return;
        }
    }
    let actor = Actor::system();
    let mut g = c.benchmark_group(format!("summary/{label}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for region in ["3310", "33"] {
        let code = RegionCode::parse(region).expect("code");
        g.bench_function(format!("generate/{region}-2020"), |b| {
            b.to_async(rt).iter(|| async {
                s.generate_summary(&actor, &code, Period::year(2020), Layout::Mechanism)
                    .await
                    .expect("summary")
            })
        });
        g.bench_function(format!("docx/{region}-2020"), |b| {
            b.to_async(rt).iter(|| async {
                s.summary_docx_for(&actor, &code, Period::year(2020), Layout::Wumei)
                    .await
                    .expect("docx")
            })
        });
    }
    g.finish();
    for region in ["3310", "33"] {
        single_calls(rt, s, label, region, false);
        single_calls(rt, s, label, region, true);
    }
}

/// Runs the benchmarks on a fresh generated database, or on a kept one
/// (`reuse`: its URL); keeps the fresh one with `MEIZHEN_BENCH_KEEP`.
fn run_engine(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    fresh: Option<TestDb>,
    reuse: Option<String>,
    label: &'static str,
) {
    if let Some(url) = reuse {
        let db = rt.block_on(async {
            let db = Db::connect(&url).await.expect("connect kept database");
            db.migrate().await.expect("migrate kept database");
            db
        });
        let s = Services::new(db.clone(), ServiceConfig::default());
        eprintln!("[{label}] reusing {url}");
        bench_engine(c, rt, &s, label);
        rt.block_on(db.close());
    } else if let Some(t) = fresh {
        let s = rt.block_on(setup(&t.db, label));
        bench_engine(c, rt, &s, label);
        if std::env::var("MEIZHEN_BENCH_KEEP").is_ok() {
            eprintln!("[{label}] kept: {}", t.url());
        } else {
            rt.block_on(t.finish());
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut c = Criterion::default().configure_from_args();
    let reuse = |k: &str| std::env::var(k).ok().filter(|u| !u.is_empty());
    let sqlite_url = reuse("MEIZHEN_BENCH_SQLITE_URL");
    let sqlite = if sqlite_url.is_none() {
        Some(rt.block_on(TestDb::sqlite()))
    } else {
        None
    };
    run_engine(&mut c, &rt, sqlite, sqlite_url, "sqlite");
    let pg_url = reuse("MEIZHEN_BENCH_POSTGRES_URL");
    let pg = if pg_url.is_none() {
        rt.block_on(TestDb::postgres())
    } else {
        None
    };
    run_engine(&mut c, &rt, pg, pg_url, "postgres");
    c.final_summary();
}
