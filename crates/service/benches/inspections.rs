//! Province-scale benchmarks of 暗访督查: a round's ranking (province and city
//! rounds), a city's notice with 200 photos, and findings sent by 50
//! inspectors at once.
//!
//! Data: the real divisions of 浙江 plus `generate_inspections` (seed 42: 96
//! rounds, ~20,000 inspections, ~300,000 findings), loaded once per engine.
//! SQLite always; PostgreSQL too when `MEIZHEN_TEST_POSTGRES_URL` is set (a
//! fresh database, dropped at the end). Besides criterion's timings, every
//! read is also timed over 200 single calls (`p95 …` lines on stderr), and
//! the concurrent findings print their median, p95 and p99 (`p99 …` lines).
//!
//! Run: `cargo bench -p meizhen-service --bench inspections` (docs/benchmarks.md).
//! `MEIZHEN_BENCH_SAVE_SQLITE=FILE` keeps the generated SQLite data, and
//! `MEIZHEN_BENCH_REUSE_SQLITE=FILE` benches a copy of it instead of
//! generating again (PostgreSQL always generates).

use criterion::{Criterion, SamplingMode};
use meizhen_service::generate_inspections::InspectionsOptions;
use meizhen_service::inspections::{FindingInput, PhotoUpload, RoundFilter, RoundInput};
use meizhen_service::photos::{photo_path, PhotoVariant};
use meizhen_service::users::UserInput;
use meizhen_service::{Actor, RequestMeta, ServiceConfig, Services};
use meizhen_storage::repo::inspections::{self as repo, NewFindingPhoto};
use meizhen_storage::testkit::TestDb;
use meizhen_storage::Db;
use std::future::Future;
use std::time::{Duration, Instant};

const SEED: u64 = 42;
const PASSWORD: &str = "Bench-2020-tz";
/// Single calls timed for the 95th percentile.
const P95_CALLS: usize = 200;
/// Inspectors sending at once, and findings each sends.
const INSPECTORS: usize = 50;
const FINDINGS_EACH: usize = 20;
/// Photos in the city's notice.
const NOTICE_PHOTOS: usize = 200;
/// Where to save the generated SQLite data (`VACUUM INTO`), to reuse it.
const SAVE_ENV: &str = "MEIZHEN_BENCH_SAVE_SQLITE";
/// Saved SQLite data to bench a copy of instead of generating.
const REUSE_ENV: &str = "MEIZHEN_BENCH_REUSE_SQLITE";

async fn user(s: &Services, name: &str, role: &str, region: &str) -> Actor {
    s.create_user_as_system(&UserInput {
        username: name.into(),
        display_name: name.into(),
        role: role.into(),
        region: region.into(),
        department: None,
        password: Some(PASSWORD.into()),
    })
    .await
    .expect("create user");
    let (actor, _) = s
        .login(name, PASSWORD, &RequestMeta::default())
        .await
        .expect("login");
    actor
}

fn config(files: &std::path::Path) -> ServiceConfig {
    ServiceConfig {
        files_dir: files.to_path_buf(),
        // Fifty logins: the hash cost is not what is measured here.
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        ..ServiceConfig::default()
    }
}

/// A phone-sized JPEG (640×480).
fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("jpeg");
    out
}

/// Median and 95th percentile (ms) of `n` calls, one after the other.
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

struct Setup {
    services: Services,
    province: Actor,
    city: Actor,
    province_round: i64,
    city_round: i64,
    _files: tempfile::TempDir,
}

async fn setup(db: &Db, label: &str, generate: bool) -> Setup {
    let files = tempfile::tempdir().expect("tempdir");
    let services = Services::new(db.clone(), config(files.path()));
    if generate {
        services.load_regions(&|_, _| {}).await.expect("regions");
        let started = Instant::now();
        let report = services
            .generate_inspections(&InspectionsOptions::new(SEED), &|_, _| {})
            .await
            .expect("generate inspections");
        eprintln!(
            "[{label}] generated in {:.1} s: {report:?}",
            started.elapsed().as_secs_f64()
        );
        if let (Ok(path), Db::Sqlite(_)) = (std::env::var(SAVE_ENV), db) {
            db.backup_sqlite(std::path::Path::new(&path))
                .await
                .expect("save the generated database");
            eprintln!("[{label}] saved the generated data to {path}");
        }
    }
    let province = user(&services, "bench.province", "province_office", "33").await;
    let city = user(&services, "bench.city", "city_office", "3310").await;
    // The last published quarter (2021 Q3).
    let filter = RoundFilter {
        year: Some(2021),
        quarter: Some(3),
        published_only: true,
        ..RoundFilter::default()
    };
    let rounds = services.rounds(&province, &filter).await.expect("rounds");
    let province_round = rounds
        .iter()
        .find(|r| r.round.owner_code == "33")
        .expect("province round")
        .round
        .id;
    let city_round = rounds
        .iter()
        .find(|r| r.round.owner_code == "3310")
        .expect("city round")
        .round
        .id;
    attach_photos(&services, files.path(), city_round).await;
    Setup {
        services,
        province,
        city,
        province_round,
        city_round,
        _files: files,
    }
}

/// Gives the city round's first findings 200 photos (one stored file).
async fn attach_photos(s: &Services, files: &std::path::Path, round: i64) {
    let bytes = jpeg();
    let sha = "b".repeat(64);
    for v in [
        PhotoVariant::Original,
        PhotoVariant::Display,
        PhotoVariant::Thumb,
    ] {
        let path = photo_path(files, &sha, "image/jpeg", v);
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &bytes).expect("write photo");
    }
    let mut tx = s.db().begin().await.expect("tx");
    let whole = meizhen_domain::RegionScope::new(meizhen_domain::RegionCode::zhejiang(), None);
    let v = repo::Viewer {
        scope: &whole,
        user_id: 0,
        inspector: false,
    };
    let findings = repo::findings(
        &mut tx,
        &v,
        &repo::FindingFilter {
            round_id: Some(round),
            limit: Some(NOTICE_PHOTOS as i64),
            ..Default::default()
        },
    )
    .await
    .expect("findings");
    for f in &findings {
        repo::insert_photo(
            &mut tx,
            &NewFindingPhoto {
                finding_id: f.id,
                round_id: round,
                town_code: &f.town_code,
                kind: "before",
                sha256: &sha,
                content_type: "image/jpeg",
                bytes: bytes.len() as i64,
                width: Some(640),
                height: Some(480),
                taken_at: None,
                lat_e6: None,
                lon_e6: None,
                caption: "",
            },
            None,
            0,
        )
        .await
        .expect("photo");
    }
    tx.commit().await.expect("commit");
}

/// 50 inspectors, each with their own town in a secret province round, send
/// 20 findings each at the same time; latencies of every call.
async fn concurrent_findings(s: &Services, province: &Actor, label: &str, with_photo: bool) {
    let tag = if with_photo { "photo" } else { "plain" };
    // Towns outside 台州 (the inspectors are province-level: any town will do).
    let towns: Vec<String> = {
        let mut tx = s.db().begin_read().await.expect("tx");
        meizhen_storage::regions::towns_under(
            &mut tx,
            &meizhen_domain::RegionCode::parse("3301").expect("code"),
        )
        .await
        .expect("towns")
        .into_iter()
        .take(INSPECTORS)
        .map(|(c, _)| c)
        .collect()
    };
    let round = s
        .create_round(
            province,
            &RoundInput {
                name: format!("压测暗访 {tag}"),
                quarter: "2021Q4".into(),
                starts_on: "2021-11-01".into(),
                ends_on: "2021-11-30".into(),
                towns: towns.clone(),
                sample: None,
            },
            &RequestMeta::default(),
        )
        .await
        .expect("round");
    let view = s.round_view(province, round.id).await.expect("view");
    let mut inspectors = Vec::new();
    for (i, line) in view.inspections.iter().enumerate() {
        let a = user(s, &format!("bench.{tag}.insp{i}"), "inspector", "33").await;
        s.assign_inspector(
            province,
            line.row.id,
            Some(a.id),
            "",
            &RequestMeta::default(),
        )
        .await
        .expect("assign");
        inspectors.push((a, line.row.id));
    }
    let photo = jpeg();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, (actor, inspection)) in inspectors.into_iter().enumerate() {
        let s = s.clone();
        let photo = photo.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(FINDINGS_EACH);
            for k in 0..FINDINGS_EACH {
                let input = FindingInput {
                    client_id: format!("bench-{tag}-{n:03}-{k:03}"),
                    item_code: "HJ02".into(),
                    place: "集镇主街".into(),
                    lat: Some(30.27),
                    lon: Some(120.15),
                    note: "垃圾暴露".into(),
                    ..FindingInput::default()
                };
                let photos = if with_photo {
                    vec![PhotoUpload {
                        bytes: photo.clone(),
                        caption: String::new(),
                    }]
                } else {
                    Vec::new()
                };
                let t = Instant::now();
                s.record_finding(&actor, inspection, &input, photos, &RequestMeta::default())
                    .await
                    .expect("finding");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let n = all.len();
    let at = |q: f64| all[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    eprintln!(
        "p99 {label} findings/{tag} ({INSPECTORS} inspectors × {FINDINGS_EACH}, {n} calls in {wall:.1} s): \
         median {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.95),
        at(0.99),
        all[n - 1]
    );
}

fn bench_engine(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    db: &Db,
    label: &str,
    generate: bool,
) {
    let setup = rt.block_on(setup(db, label, generate));
    let s = &setup.services;
    let mut g = c.benchmark_group(format!("inspections-{label}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let cases = [
        (
            "ranking/province-round",
            &setup.province,
            setup.province_round,
        ),
        ("ranking/city-round", &setup.province, setup.city_round),
        ("ranking/city-round-as-city", &setup.city, setup.city_round),
    ];
    for (name, actor, round) in cases {
        g.bench_function(name, |b| {
            b.to_async(rt)
                .iter(|| async { s.round_ranking(actor, round).await.expect("ranking") });
        });
    }
    g.sample_size(10);
    g.bench_function("notice-docx/city-200-photos", |b| {
        b.to_async(rt).iter(|| async {
            s.round_notice_docx(&setup.city, setup.city_round)
                .await
                .expect("notice")
        });
    });
    g.finish();

    for (name, actor, round) in cases {
        let (p50, p95) = percentiles(rt, P95_CALLS, || async {
            s.round_ranking(actor, round).await.expect("ranking");
        });
        eprintln!("p95 {label} {name}: median {p50:.2} ms, p95 {p95:.2} ms");
    }
    let (p50, p95) = percentiles(rt, 10, || async {
        let (_, bytes) = s
            .round_notice_docx(&setup.city, setup.city_round)
            .await
            .expect("notice");
        assert!(bytes.len() > 100_000, "the notice carries its photos");
    });
    eprintln!("p95 {label} notice-docx/city-200-photos: median {p50:.0} ms, p95 {p95:.0} ms");
    rt.block_on(concurrent_findings(s, &setup.province, label, false));
    rt.block_on(concurrent_findings(s, &setup.province, label, true));
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut c = Criterion::default().configure_from_args();
    match std::env::var(REUSE_ENV) {
        // A copy of data saved by an earlier run (generating takes minutes).
        Ok(saved) => {
            let dir = tempfile::tempdir().expect("tempdir");
            let copy = dir.path().join("meizhen.sqlite3");
            std::fs::copy(&saved, &copy).expect("copy the saved database");
            let db = rt
                .block_on(Db::connect(&format!("sqlite://{}", copy.display())))
                .expect("open the saved database");
            rt.block_on(db.migrate()).expect("migrate");
            bench_engine(&mut c, &rt, &db, "sqlite", false);
            rt.block_on(db.close());
        }
        Err(_) => {
            let sqlite = rt.block_on(TestDb::sqlite());
            bench_engine(&mut c, &rt, &sqlite.db, sqlite.label, true);
            rt.block_on(sqlite.finish());
        }
    }
    if let Some(pg) = rt.block_on(TestDb::postgres()) {
        bench_engine(&mut c, &rt, &pg.db, pg.label, true);
        rt.block_on(pg.finish());
    }
    c.final_summary();
}
