//! Province-scale benchmarks of 项目化推进: rates and rankings, the project
//! list, a 10,000-row ledger import (dry run), the monthly Word report and
//! the province's ledger export.
//!
//! Data: the real divisions of 浙江 plus `generate_projects` (seed 42: 60,000
//! projects, about a million monthly reports, 2020–2021), loaded once per
//! engine. SQLite always; PostgreSQL too when `MEIZHEN_TEST_POSTGRES_URL` is
//! set (a fresh database, dropped at the end). After criterion, every read
//! benchmark is also timed over 200 single calls and its median and 95th
//! percentile printed (`p95 …` lines on stderr). With
//! `MEIZHEN_BENCH_LEDGER=<path>` the imported ledger is also saved there.
//!
//! Run: `cargo bench -p meizhen-service --bench projects` (see docs/benchmarks.md).

use criterion::{Criterion, SamplingMode};
use meizhen_domain::page::{PageRequest, MAX_PER_PAGE};
use meizhen_domain::project::YearMonth;
use meizhen_domain::{Level, RegionCode, RegionScope};
use meizhen_service::generate_projects::ProjectsOptions;
use meizhen_service::projects::ProjectFilter;
use meizhen_service::stats::{RankBy, Source};
use meizhen_service::users::UserInput;
use meizhen_service::{Actor, RequestMeta, ServiceConfig, Services};
use meizhen_storage::regions;
use meizhen_storage::testkit::TestDb;
use std::future::Future;
use std::time::{Duration, Instant};

const SEED: u64 = 42;
const PASSWORD: &str = "Bench-2020-tz";
/// Rates, rankings and the report are for June 2021.
const YEAR: i32 = 2021;
const MONTH: u32 = 6;
/// Rows of the imported ledger.
const LEDGER_ROWS: usize = 10_000;
/// Single calls timed for the 95th percentile.
const P95_CALLS: usize = 200;

fn month() -> YearMonth {
    YearMonth::new(YEAR, MONTH).expect("month")
}

/// Loads regions and the generated library, and logs in a province office.
async fn setup(db: &TestDb) -> (Services, Actor) {
    let services = Services::new(db.db.clone(), ServiceConfig::default());
    services
        .load_regions(&|_, _| {})
        .await
        .expect("load regions");
    let started = Instant::now();
    let report = services
        .generate_projects(&ProjectsOptions::new(SEED), &|_, _| {})
        .await
        .expect("generate projects");
    eprintln!(
        "[{}] generated in {:.1} s: {report:?}",
        db.label,
        started.elapsed().as_secs_f64()
    );
    services
        .create_user_as_system(&UserInput {
            username: "bench.province".into(),
            display_name: "bench.province".into(),
            role: "province_office".into(),
            region: "33".into(),
            department: None,
            password: Some(PASSWORD.into()),
        })
        .await
        .expect("create bench user");
    let (actor, _) = services
        .login("bench.province", PASSWORD, &RequestMeta::default())
        .await
        .expect("login");
    (services, actor)
}

/// Every region of a level, in code order.
async fn all_at_level(tx: &mut meizhen_storage::Tx, level: Level) -> Vec<regions::RegionRow> {
    let scope = RegionScope::new(RegionCode::zhejiang(), None);
    let mut out = Vec::new();
    let mut page = PageRequest::new(Some(1), Some(MAX_PER_PAGE));
    loop {
        let p = regions::search(tx, &scope, "", Some(level), &page)
            .await
            .expect("regions");
        let more = p.has_next();
        out.extend(p.items);
        if !more {
            return out;
        }
        page.page += 1;
    }
}

/// (county name, town name) of every town, in code order.
async fn towns(services: &Services) -> Vec<(String, String)> {
    let mut tx = services.db().begin_read().await.expect("tx");
    let counties = all_at_level(&mut tx, Level::County).await;
    let towns = all_at_level(&mut tx, Level::Town).await;
    towns
        .into_iter()
        .map(|t| {
            let county = counties
                .iter()
                .find(|c| t.code.starts_with(&c.code))
                .map(|c| c.name.clone())
                .unwrap_or_default();
            (county, t.name)
        })
        .collect()
}

/// A ledger as offices circulate it (the columns of the export): `rows` new
/// projects of 2021, spread over every town of the province.
fn ledger(towns: &[(String, String)], rows: usize) -> Vec<u8> {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "县（市、区）",
        "乡镇（街道）",
        "项目编号",
        "项目名称",
        "五美类别",
        "重点项目",
        "业主单位",
        "项目状态",
        "总投资（万元）",
        "2021年计划投资（万元）",
        "计划开工",
        "计划完工",
        "形象进度",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    let pillars = ["环境美", "生活美", "产业美", "人文美", "治理美"];
    let statuses = ["未开工", "在建", "在建", "已完工"];
    for i in 0..rows {
        let r = (i + 1) as u32;
        let (county, town) = &towns[i % towns.len()];
        let total = 100.0 + (i % 97) as f64 * 37.5;
        let w = |ws: &mut rust_xlsxwriter::Worksheet, c: u16, s: &str| {
            ws.write_string(r, c, s).expect("cell");
        };
        w(ws, 0, county);
        w(ws, 1, town);
        w(ws, 2, &format!("B2021-{:05}", i + 1));
        w(ws, 3, &format!("{town}导入测试项目{}", i + 1));
        w(ws, 4, pillars[i % pillars.len()]);
        w(ws, 5, if i % 7 == 0 { "是" } else { "" });
        w(ws, 6, &format!("{town}人民政府"));
        w(ws, 7, statuses[i % statuses.len()]);
        ws.write_number(r, 8, total).expect("total");
        ws.write_number(r, 9, (total * 0.6).round()).expect("plan");
        w(ws, 10, &format!("2021-{:02}", 1 + i % 9));
        w(ws, 11, &format!("2022-{:02}", 1 + i % 12));
        w(ws, 12, "按计划推进");
    }
    wb.save_to_buffer().expect("xlsx")
}

/// Median and 95th percentile (ms) of `n` single calls, one after the other
/// inside the runtime (as criterion runs them, and as a server's handler would).
fn percentiles<F, Fut>(rt: &tokio::runtime::Runtime, n: usize, mut call: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut times: Vec<f64> = rt.block_on(async {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            call().await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times
    });
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    (at(0.5), at(0.95))
}

/// Peak resident memory of this process so far (VmHWM), KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The import's database steps one by one, as `import_projects` takes them
/// (with `MEIZHEN_BENCH_PHASES=1`): where its time goes. Rolled back. (The
/// import itself logs its laps at debug level:
/// `RUST_LOG=meizhen_service::import=debug meizhen import projects …`.)
async fn phases(s: &Services, label: &str, bytes: &[u8]) {
    use meizhen_storage::repo::audit::NewEntry;
    use meizhen_storage::repo::projects::{self as repo, NewProject, ProjectFields};
    use meizhen_storage::repo::stats::{self, Figures};
    let t = Instant::now();
    let sheet = meizhen_documents::ledger::read_project_ledger(bytes).expect("read");
    let read = t.elapsed().as_secs_f64();
    let n = sheet.rows.len();
    let mut tx = s.db().begin().await.expect("tx");
    let scope = RegionScope::new(RegionCode::zhejiang(), None);
    let towns = all_at_level(&mut tx, Level::Town).await;
    let rows: Vec<NewProject> = (0..n)
        .map(|i| NewProject {
            town_code: towns[i % towns.len()].code.clone(),
            fields: ProjectFields {
                code: format!("PH-{i}"),
                name: format!("分步计时项目{i}"),
                pillar: "environment".into(),
                status: "not_started".into(),
                total_investment_fen: 100_000_000,
                ..ProjectFields::default()
            },
            created_by: None,
            created_at: 0,
        })
        .collect();
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.town_code.clone(), r.fields.code.clone()))
        .collect();
    let mut lap = Instant::now();
    let mut took = move || {
        let s = lap.elapsed().as_secs_f64();
        lap = Instant::now();
        s
    };
    repo::by_codes(&mut tx, &scope, &keys)
        .await
        .expect("by codes");
    let lookup = took();
    let ids = repo::insert_many(&mut tx, &rows).await.expect("insert");
    let insert = took();
    let plans: Vec<(i64, String, i32, i64)> = ids
        .iter()
        .map(|(id, town, _)| (*id, town.clone(), YEAR, 60_000_000))
        .collect();
    repo::set_plans_many(&mut tx, &plans).await.expect("plans");
    let plan = took();
    let texts: Vec<(String, String)> = ids
        .iter()
        .map(|(id, town, code)| (id.to_string(), format!("{town} {code}")))
        .collect();
    let entries: Vec<NewEntry<'_>> = texts
        .iter()
        .zip(&ids)
        .map(|((id, summary), (_, town, _))| NewEntry {
            at: 0,
            actor_id: None,
            actor_name: "bench",
            action: "create",
            entity: "project",
            entity_id: id,
            region_code: town,
            summary,
            changes: "{}",
            address: None,
        })
        .collect();
    repo::insert_audit_entries(&mut tx, &entries)
        .await
        .expect("audit");
    let audit = took();
    // The figures: plan counts and stored figures of every town, then one
    // upsert of each town's twelve months.
    let codes: Vec<String> = towns.iter().map(|t| t.code.clone()).collect();
    repo::plan_counts(&mut tx, &codes, YEAR)
        .await
        .expect("counts");
    let mut puts: Vec<(String, i32, i32, Figures)> = Vec::new();
    for m in 1..=12 {
        for (town, f) in stats::by_child(&mut tx, Source::Live, &scope, "33", 9, YEAR, m)
            .await
            .expect("figures")
        {
            puts.push((town, YEAR, m, f));
        }
    }
    let read_figures = took();
    stats::put_many(&mut tx, Source::Live, &puts, 0)
        .await
        .expect("put");
    let put = took();
    drop(tx);
    eprintln!(
        "phases {label}: read sheet {read:.2} s; {n} rows: look up {lookup:.2} s, insert {insert:.2} s, \
         plans {plan:.2} s, audit {audit:.2} s; figures of {} towns: read {read_figures:.2} s, write {put:.2} s",
        towns.len()
    );
}

/// Medians and 95th percentiles of the read paths, printed as `p95 …` lines.
fn read_percentiles(
    rt: &tokio::runtime::Runtime,
    s: &Services,
    a: &Actor,
    label: &str,
    when: &str,
    regions: &[&str],
) {
    let m = month();
    for code in regions {
        let (p50, p95) = percentiles(rt, P95_CALLS, || async {
            s.project_stats(a, code, m, Source::Live)
                .await
                .expect("stats");
        });
        eprintln!("p95 {label}{when} stats/{code}: median {p50:.2} ms, p95 {p95:.2} ms");
        let (p50, p95) = percentiles(rt, P95_CALLS, || async {
            s.project_ranking(a, code, m, RankBy::Investment, Source::Live)
                .await
                .expect("ranking");
        });
        eprintln!("p95 {label}{when} ranking/{code}: median {p50:.2} ms, p95 {p95:.2} ms");
    }
}

fn bench_engine(c: &mut Criterion, rt: &tokio::runtime::Runtime, db: &TestDb) {
    let (services, actor) = rt.block_on(setup(db));
    let s = &services;
    let a = &actor;
    let m = month();
    let today = chrono::NaiveDate::from_ymd_opt(YEAR, MONTH + 1, 20).expect("date");
    let label = db.label;
    let mut g = c.benchmark_group(format!("projects-{label}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    let regions = ["33", "3310", "331024"];
    for code in regions {
        g.bench_function(format!("stats/{code}"), |b| {
            b.to_async(rt).iter(|| async {
                s.project_stats(a, code, m, Source::Live)
                    .await
                    .expect("stats")
            });
        });
        g.bench_function(format!("ranking/{code}"), |b| {
            b.to_async(rt).iter(|| async {
                s.project_ranking(a, code, m, RankBy::Investment, Source::Live)
                    .await
                    .expect("ranking")
            });
        });
    }
    let list = |code: &str| ProjectFilter {
        region: Some(code.into()),
        year: Some(YEAR),
        ..ProjectFilter::default()
    };
    let page = PageRequest::new(Some(1), None);
    for code in ["33", "331024"] {
        let f = list(code);
        g.bench_function(format!("list/{code}/page1"), |b| {
            b.to_async(rt)
                .iter(|| async { s.projects(a, &f, &page).await.expect("list") });
        });
    }
    read_percentiles(rt, s, a, label, "", &regions);
    for code in ["33", "331024"] {
        let f = list(code);
        let (p50, p95) = percentiles(rt, P95_CALLS, || async {
            s.projects(a, &f, &page).await.expect("list");
        });
        eprintln!("p95 {label} list/{code}/page1: median {p50:.2} ms, p95 {p95:.2} ms");
    }

    // Slow ones: ten samples.
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("report-docx/3310", |b| {
        b.to_async(rt).iter(|| async {
            s.progress_report_docx(a, "3310", m, today)
                .await
                .expect("docx")
        });
    });
    let (p50, p95) = percentiles(rt, 20, || async {
        s.progress_report_docx(a, "3310", m, today)
            .await
            .expect("docx");
    });
    eprintln!("p95 {label} report-docx/3310 (20 calls): median {p50:.1} ms, p95 {p95:.1} ms");

    let towns = rt.block_on(towns(s));
    let built = Instant::now();
    let bytes = ledger(&towns, LEDGER_ROWS);
    eprintln!(
        "[{label}] ledger of {LEDGER_ROWS} rows: {} KiB, built in {:.1} s",
        bytes.len() / 1024,
        built.elapsed().as_secs_f64()
    );
    if let Ok(out) = std::env::var("MEIZHEN_BENCH_LEDGER") {
        // The same ledger for `meizhen import projects` by hand.
        std::fs::write(&out, &bytes).expect("write ledger");
    }
    if std::env::var("MEIZHEN_BENCH_PHASES").is_ok() {
        rt.block_on(phases(s, label, &bytes));
    }
    let meta = RequestMeta::default();
    // Check once that every row is accepted (an import of rejections would be cheap).
    let t = Instant::now();
    let r = rt
        .block_on(s.import_projects(a, &bytes, YEAR, None, true, &meta))
        .expect("import");
    eprintln!(
        "[{label}] import of {LEDGER_ROWS} rows (dry run): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(
        (r.imported as usize, r.rejected.len(), r.duplicates.len()),
        (LEDGER_ROWS, 0, 0),
        "{:?}",
        r.rejected.first()
    );
    g.bench_function("import-10k/dry-run", |b| {
        b.to_async(rt).iter(|| async {
            s.import_projects(a, &bytes, YEAR, None, true, &meta)
                .await
                .expect("import")
        });
    });
    let dir = std::env::temp_dir().join(format!("meizhen-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("ledger.xlsx");
    for year in [2020, YEAR] {
        let before = peak_rss_kib();
        let t = Instant::now();
        let sum = rt
            .block_on(s.export_project_ledger(a, "33", year, &path))
            .expect("export");
        eprintln!(
            "[{label}] export 33/{year}: {} rows in {:.2} s, {} KiB; peak RSS {before} → {} KiB",
            sum.projects,
            t.elapsed().as_secs_f64(),
            std::fs::metadata(&path)
                .map(|m| m.len() / 1024)
                .unwrap_or(0),
            peak_rss_kib()
        );
    }
    g.bench_function(format!("export/33-{YEAR}"), |b| {
        b.to_async(rt).iter(|| async {
            s.export_project_ledger(a, "33", YEAR, &path)
                .await
                .expect("export")
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
    // Every rolled-back import updated each town's twelve figures: the
    // same reads again, with those dead rows not yet vacuumed.
    read_percentiles(rt, s, a, label, " after-imports", &["33", "331024"]);
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut c = Criterion::default().configure_from_args();
    let sqlite = rt.block_on(TestDb::sqlite());
    bench_engine(&mut c, &rt, &sqlite);
    rt.block_on(sqlite.finish());
    if let Some(pg) = rt.block_on(TestDb::postgres()) {
        bench_engine(&mut c, &rt, &pg);
        rt.block_on(pg.finish());
    }
    c.final_summary();
}
