//! Province-scale benchmarks of the read paths users hit most: region
//! drill-down, the user list, the audit log and region search.
//!
//! Data: the real divisions of 浙江 plus `generate_province` (seed 42), loaded
//! once per engine. SQLite always; PostgreSQL too when
//! `MEIZHEN_TEST_POSTGRES_URL` is set (a fresh database, dropped at the end).
//!
//! Run: `cargo bench -p meizhen-service --bench province` (see docs/benchmarks.md).

use criterion::{Criterion, SamplingMode};
use meizhen_domain::page::PageRequest;
use meizhen_service::audit::AuditFilter;
use meizhen_service::generate::ProvinceOptions;
use meizhen_service::users::{UserFilter, UserInput};
use meizhen_service::{Actor, RequestMeta, ServiceConfig, Services};
use meizhen_storage::testkit::TestDb;
use std::time::Duration;

const SEED: u64 = 42;
const PASSWORD: &str = "Bench-2020-tz";

/// Loads regions and generated data, and logs in a province and a county actor.
async fn setup(db: &TestDb) -> (Services, Actor, Actor) {
    let services = Services::new(db.db.clone(), ServiceConfig::default());
    let started = std::time::Instant::now();
    services
        .load_regions(&|_, _| {})
        .await
        .expect("load regions");
    let report = services
        .generate_province(&ProvinceOptions::new(SEED, PASSWORD), &|_, _| {})
        .await
        .expect("generate province data");
    eprintln!(
        "[{}] generated in {:.1} s: {report:?}",
        db.label,
        started.elapsed().as_secs_f64()
    );
    let mut actors = Vec::new();
    for (username, role, region) in [
        ("bench.province", "province_office", "33"),
        ("bench.county", "county_office", "331024"),
    ] {
        services
            .create_user_as_system(&UserInput {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                region: region.into(),
                department: None,
                password: Some(PASSWORD.into()),
            })
            .await
            .expect("create bench user");
        let (actor, _) = services
            .login(username, PASSWORD, &RequestMeta::default())
            .await
            .expect("login");
        actors.push(actor);
    }
    let county = actors.pop().expect("county actor");
    let province = actors.pop().expect("province actor");
    (services, province, county)
}

fn bench_engine(c: &mut Criterion, rt: &tokio::runtime::Runtime, db: &TestDb) {
    let (services, province, county) = rt.block_on(setup(db));
    let s = &services;
    let mut g = c.benchmark_group(db.label);
    // Flat sampling: every sample runs the same number of iterations, which
    // keeps the run short for the slower (multi-millisecond) queries.
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    for (who, actor, codes) in [
        (
            "province",
            &province,
            &["33", "3310", "331024", "331024103"][..],
        ),
        ("county", &county, &["331024", "331024103"][..]),
    ] {
        for code in codes {
            g.bench_function(format!("region/{who}-actor/{code}"), |b| {
                b.to_async(rt)
                    .iter(|| async { s.region(actor, code).await.expect("region") });
            });
        }
    }
    let page = PageRequest::new(Some(1), None);
    for (who, actor) in [("province", &province), ("county", &county)] {
        g.bench_function(format!("users/{who}/page1"), |b| {
            b.to_async(rt).iter(|| async {
                s.users(actor, &UserFilter::default(), &page)
                    .await
                    .expect("users")
            });
        });
        g.bench_function(format!("audit/{who}/page1"), |b| {
            b.to_async(rt).iter(|| async {
                s.audit_entries(actor, &AuditFilter::default(), &page)
                    .await
                    .expect("audit")
            });
        });
        g.bench_function(format!("search-镇/{who}"), |b| {
            b.to_async(rt).iter(|| async {
                s.search_regions(actor, "镇", None, &page)
                    .await
                    .expect("search")
            });
        });
    }
    g.finish();
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
