//! 暗访督查 through the services, on every engine: 台州市美镇办 draws a secret
//! round (a seeded sample of two towns, one added by hand) with its own
//! checklist, assigns inspectors (never one of the inspected county: the
//! city's own, and one of 玉环 for a 仙居 town), the inspectors record
//! findings with photos; before publication nobody of the
//! inspected counties sees anything of it; after publication each county
//! sees its own towns, scores are base − capped deductions, ranks tie the
//! domain's way, and the towns rectify under the county's check. A second
//! round shows the change in rank (比赶超).
//!
//! PostgreSQL runs too when `MEIZHEN_TEST_POSTGRES_URL` is set.

use meizhen_domain::inspection::{
    default_catalogue, sample_towns, score, Catalogue, Points, RectStats, SampleSize,
};
use meizhen_domain::page::PageRequest;
use meizhen_domain::ranking::RankChange;
use meizhen_domain::RegionCode;
use meizhen_service::audit::AuditFilter;
use meizhen_service::inspections::{
    CorrectionInput, FindingFilter, FindingInput, FindingView, PhotoUpload, RectFilter,
    RoundFilter, RoundInput, RoundRanking, SampleInput,
};
use meizhen_service::photos::PhotoVariant;
use meizhen_service::users::UserInput;
use meizhen_service::{Actor, RequestMeta, ServiceConfig, ServiceError, Services};
use meizhen_storage::testkit::TestDb;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;

const PW: &str = "Demo-2020-tz";
const XIANJU: &str = "331024";
const YUHUAN: &str = "331083";

fn config(files_dir: PathBuf) -> ServiceConfig {
    ServiceConfig {
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        files_dir,
        ..ServiceConfig::default()
    }
}

fn meta() -> RequestMeta {
    RequestMeta {
        address: "127.0.0.1".into(),
    }
}

/// A tiny real JPEG (the services decode what they store).
fn jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| {
        image::Rgb([(x * 15) as u8, (y * 20) as u8, seed])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

fn photo(seed: u8) -> Vec<PhotoUpload> {
    vec![PhotoUpload {
        bytes: jpeg(seed),
        caption: "现场照片".into(),
    }]
}

fn not_found<T: Debug>(r: Result<T, ServiceError>, what: &str) {
    assert!(
        matches!(r, Err(ServiceError::NotFound(_))),
        "{what}: expected not found, got {r:?}"
    );
}

fn forbidden<T: Debug>(r: Result<T, ServiceError>, what: &str) {
    assert!(
        matches!(r, Err(ServiceError::Forbidden(_))),
        "{what}: expected forbidden, got {r:?}"
    );
}

fn invalid<T: Debug>(r: Result<T, ServiceError>, what: &str) -> String {
    match r {
        Err(ServiceError::Invalid(v)) => v.message,
        other => panic!("{what}: expected invalid input, got {other:?}"),
    }
}

/// The city's checklist for the test: the default with 环境卫生 capped at 3.
fn catalogue() -> Catalogue {
    let mut c = default_catalogue();
    c.areas[0].cap = Points::from_whole(3);
    c
}

/// base − Σ min(cap, found) per area, computed here from the findings alone.
fn expected_scores(cat: &Catalogue, findings: &[FindingView]) -> BTreeMap<String, Points> {
    let mut found: BTreeMap<(String, String), i64> = BTreeMap::new();
    for f in findings {
        *found
            .entry((f.row.town_code.clone(), f.row.area_code.clone()))
            .or_default() += f.row.deduction;
    }
    let mut out: BTreeMap<String, Points> = BTreeMap::new();
    for ((town, area), sum) in found {
        let cap = cat.area(&area).expect("area").cap.0;
        let s = out.entry(town).or_insert(cat.base);
        s.0 -= sum.min(cap);
    }
    out
}

struct Cast {
    city: Actor,
    city_leader: Actor,
    inspector: Actor,
    yh_inspector: Actor,
    xj_inspector: Actor,
    xj_office: Actor,
    xj_leader: Actor,
    yh_office: Actor,
    baita: Actor,
    hengxi: Actor,
    chumen: Actor,
}

async fn login(s: &Services, user: &str) -> Actor {
    s.login(user, PW, &meta()).await.expect(user).0
}

async fn cast(s: &Services) -> Cast {
    for (username, name, role, region) in [
        ("yh.inspector", "玉环市督查 孙", "inspector", YUHUAN),
        ("xj.inspector", "仙居县督查 钱", "inspector", XIANJU),
        ("xj.leader", "仙居县领导 赵", "leader", XIANJU),
    ] {
        s.create_user_as_system(&UserInput {
            username: username.into(),
            display_name: name.into(),
            role: role.into(),
            region: region.into(),
            department: None,
            password: Some(PW.into()),
        })
        .await
        .expect(username);
    }
    Cast {
        city: login(s, "tz.office").await,
        city_leader: login(s, "tz.leader").await,
        inspector: login(s, "tz.inspector").await,
        yh_inspector: login(s, "yh.inspector").await,
        xj_inspector: login(s, "xj.inspector").await,
        xj_office: login(s, "xj.office").await,
        xj_leader: login(s, "xj.leader").await,
        yh_office: login(s, "yh.office").await,
        baita: login(s, "xj.baita").await,
        hengxi: login(s, "xj.hengxi").await,
        chumen: login(s, "yh.chumen").await,
    }
}

fn finding(client_id: &str, item: &str, deduction: &str) -> FindingInput {
    FindingInput {
        client_id: client_id.into(),
        item_code: item.into(),
        deduction: Some(deduction.into()),
        place: "镇区主街".into(),
        lat: Some(28.85),
        lon: Some(120.73),
        note: "暗访发现".into(),
        ..FindingInput::default()
    }
}

/// Records findings (item, deduction) in an inspection; returns their ids.
async fn record_all(
    s: &Services,
    who: &Actor,
    inspection: i64,
    tag: &str,
    items: &[(&str, &str)],
) -> Vec<i64> {
    let mut ids = Vec::new();
    for (n, (item, d)) in items.iter().enumerate() {
        let (view, created) = s
            .record_finding(
                who,
                inspection,
                &finding(&format!("{tag}-{n:04}-client"), item, d),
                photo(n as u8),
                &meta(),
            )
            .await
            .unwrap_or_else(|e| panic!("finding {tag} {item}: {e:?}"));
        assert!(created);
        assert_eq!(view.photos.len(), 1);
        assert_eq!(view.photos[0].kind, "before");
        ids.push(view.row.id);
    }
    ids
}

fn town_ranks(r: &RoundRanking) -> Vec<(String, Points, u32, u32, u32, RankChange)> {
    r.towns
        .iter()
        .map(|l| {
            (
                l.code.clone(),
                l.score,
                l.rank,
                l.city_rank,
                l.county_rank,
                l.change,
            )
        })
        .collect()
}

fn county_ranks(r: &RoundRanking) -> Vec<(String, Points, u32, RankChange)> {
    r.counties
        .iter()
        .map(|l| (l.code.clone(), l.score, l.rank, l.change))
        .collect()
}

fn codes(lines: &[meizhen_service::inspections::TownRankLine]) -> Vec<String> {
    lines.iter().map(|l| l.code.clone()).collect()
}

fn today() -> chrono::NaiveDate {
    meizhen_domain::time::to_shanghai(meizhen_storage::now_ms())
        .expect("now")
        .date_naive()
}

#[tokio::test]
async fn secret_round_published_ranked_and_rectified() {
    for t in TestDb::all().await {
        let files = std::env::temp_dir().join(format!(
            "meizhen_inspections_{}_{}",
            t.label,
            std::process::id()
        ));
        let s = Services::new(t.db.clone(), config(files.clone()));
        s.bootstrap(&|_, _| {}).await.expect("bootstrap");
        s.demo(Some(PW)).await.expect("demo");
        let c = cast(&s).await;
        let m = meta();

        // --- The city's checklist and the round --------------------------
        let cat = catalogue();
        s.save_checklist(&c.city, &cat, "环境卫生扣分上限调整为 3 分", &m)
            .await
            .expect("checklist");
        let sample = SampleInput {
            size: SampleSize::PerCounty(1),
            seed: 2020,
            counties: vec![XIANJU.into(), YUHUAN.into()],
        };
        let drawn = s.draw_sample(&c.city, &sample).await.expect("draw");
        assert_eq!(drawn, s.draw_sample(&c.city, &sample).await.expect("again"));
        // The same draw, independently: the stated seed over the counties' towns.
        let mut by_county: BTreeMap<String, Vec<String>> = BTreeMap::new();
        {
            let mut tx = s.db().begin_read().await.expect("tx");
            for county in [XIANJU, YUHUAN] {
                let code = RegionCode::parse(county).expect("code");
                let towns = meizhen_storage::regions::towns_under(&mut tx, &code)
                    .await
                    .expect("towns");
                by_county.insert(county.into(), towns.into_iter().map(|(c, _)| c).collect());
            }
        }
        let expected = sample_towns(&by_county, SampleSize::PerCounty(1), 2020);
        let drawn_codes: Vec<String> = drawn.iter().map(|(c, _)| c.clone()).collect();
        assert_eq!(drawn_codes, expected);
        let s1 = drawn_codes[0].clone(); // 仙居, drawn
        let s2 = drawn_codes[1].clone(); // 玉环, drawn
        assert!(s1.starts_with(XIANJU) && s2.starts_with(YUHUAN));
        // One 仙居 town by hand, one with a demo account.
        let (hand, hand_staff, other_staff) = if s1 == "331024103" {
            ("331024101".to_string(), &c.hengxi, &c.baita)
        } else {
            ("331024103".to_string(), &c.baita, &c.hengxi)
        };

        let round = s
            .create_round(
                &c.city,
                &RoundInput {
                    name: "2020年第三季度暗访".into(),
                    quarter: "2020Q3".into(),
                    starts_on: "2020-07-01".into(),
                    ends_on: "2020-07-31".into(),
                    towns: Vec::new(),
                    sample: Some(sample.clone()),
                },
                &m,
            )
            .await
            .expect("round");
        assert_eq!(round.state, "planned");
        assert_eq!(round.sample_seed, Some(2020));
        assert_eq!(
            s.add_round_towns(&c.city, round.id, std::slice::from_ref(&hand), &m)
                .await
                .expect("add town"),
            1
        );
        let view = s.round_view(&c.city, round.id).await.expect("view");
        let ins: BTreeMap<String, i64> = view
            .inspections
            .iter()
            .map(|l| (l.row.town_code.clone(), l.row.id))
            .collect();
        let mut all: Vec<&String> = vec![&s1, &s2, &hand];
        all.sort();
        assert_eq!(ins.keys().collect::<Vec<_>>(), all);
        assert!(view.can_manage);
        assert_eq!(view.checklist, cat);

        // --- Inspectors: from the city, never from the inspected county ----
        let msg = invalid(
            s.assign_inspector(&c.city, ins[&hand], Some(c.xj_inspector.id), "", &m)
                .await,
            "inspector of the inspected county",
        );
        assert!(msg.contains("本县"), "{msg}");
        for (town, who) in [
            (&hand, &c.yh_inspector),
            (&s1, &c.inspector),
            (&s2, &c.inspector),
        ] {
            let row = s
                .assign_inspector(&c.city, ins[town], Some(who.id), "2020-07-15", &m)
                .await
                .expect("assign");
            assert_eq!(row.inspector_id, Some(who.id));
        }

        // --- Findings ------------------------------------------------------
        // 白塔/横溪 (by hand): 环境卫生 1 + 1 + 2 = 4, capped at 3; 城镇秩序 0.5.
        let h_ids = record_all(
            &s,
            &c.yh_inspector,
            ins[&hand],
            "h",
            &[
                ("HJ02", "1"),
                ("HJ02", "1分"),
                ("HJ05", "2"),
                ("ZX01", "0.5"),
            ],
        )
        .await;
        // The drawn 仙居 town: 0.5 + 0.5 → 99; the 玉环 town: 1 → 99 (a tie).
        record_all(
            &s,
            &c.inspector,
            ins[&s1],
            "s1",
            &[("XR01", ""), ("ZX01", "0.5")],
        )
        .await;
        record_all(&s, &c.inspector, ins[&s2], "s2", &[("CX01", "1")]).await;

        // The same batch sent again creates nothing.
        let (again, created) = s
            .record_finding(
                &c.yh_inspector,
                ins[&hand],
                &finding("h-0000-client", "HJ02", "1"),
                photo(0),
                &m,
            )
            .await
            .expect("re-send");
        assert!(!created);
        assert_eq!(again.row.id, h_ids[0]);
        // Not in the catalogue, or the wrong deduction: refused, nothing written.
        let msg = invalid(
            s.record_finding(
                &c.yh_inspector,
                ins[&hand],
                &finding("h-bad-item-1", "ZZ99", ""),
                photo(9),
                &m,
            )
            .await,
            "unknown item",
        );
        assert!(msg.contains("ZZ99"), "{msg}");
        let msg = invalid(
            s.record_finding(
                &c.yh_inspector,
                ins[&hand],
                &finding("h-bad-deduct", "HJ02", "2"),
                photo(9),
                &m,
            )
            .await,
            "wrong deduction",
        );
        assert!(msg.contains("每处扣 1 分"), "{msg}");
        // An inspector records only in their own assignments: another
        // inspector's town in their own office's round does not exist for them.
        not_found(
            s.record_finding(
                &c.inspector,
                ins[&hand],
                &finding("h-not-mine-1", "CX01", ""),
                photo(9),
                &m,
            )
            .await,
            "another inspector's town",
        );
        not_found(
            s.record_finding(
                &c.yh_inspector,
                ins[&s1],
                &finding("s1-not-mine-1", "CX01", ""),
                photo(9),
                &m,
            )
            .await,
            "a town not assigned (and not in scope)",
        );
        let round_findings = FindingFilter {
            round_id: Some(round.id),
            ..FindingFilter::default()
        };
        let recorded = s
            .findings(&c.city, &round_findings)
            .await
            .expect("findings");
        assert_eq!(recorded.len(), 7);
        let view = s.round_view(&c.city, round.id).await.expect("view");
        let h_line = view
            .inspections
            .iter()
            .find(|l| l.row.town_code == hand)
            .expect("hand line");
        assert_eq!(h_line.row.findings, 4);
        assert_eq!(h_line.row.score, 9650);

        // --- Secrecy before publication ------------------------------------
        let h_photo = recorded
            .iter()
            .find(|f| f.row.id == h_ids[0])
            .expect("finding")
            .photos[0]
            .id;
        for (who, label) in [
            (&c.xj_office, "county office"),
            (hand_staff, "town staff"),
            (&c.xj_leader, "county leader"),
            (&c.yh_office, "other county office"),
        ] {
            let what = |w: &str| format!("{label}: {w}");
            assert!(
                s.rounds(who, &RoundFilter::default())
                    .await
                    .expect("rounds")
                    .is_empty(),
                "{label}"
            );
            not_found(s.round_view(who, round.id).await, &what("round_view"));
            assert!(
                s.findings(who, &FindingFilter::default())
                    .await
                    .expect("findings")
                    .is_empty(),
                "{label}"
            );
            not_found(s.finding(who, h_ids[0]).await, &what("finding"));
            not_found(
                s.inspection_view(who, ins[&hand]).await,
                &what("inspection_view"),
            );
            not_found(
                s.finding_photo_file(who, h_photo, PhotoVariant::Thumb)
                    .await,
                &what("photo"),
            );
            not_found(s.round_ranking(who, round.id).await, &what("ranking"));
            assert!(
                s.rectifications(who, &RectFilter::default())
                    .await
                    .expect("rect")
                    .is_empty(),
                "{label}"
            );
            let summary = s
                .rect_summary(who, who.region.as_str(), None)
                .await
                .expect("summary");
            assert_eq!(summary.total.stats, RectStats::default(), "{label}");
            not_found(
                s.rect_summary(who, who.region.as_str(), Some(round.id))
                    .await,
                &what("rect summary of the round"),
            );
            not_found(
                s.answer_rectification(who, h_ids[0], "已整改", photo(7), &m)
                    .await,
                &what("answer"),
            );
        }
        // The inspected county's audit log shows nothing of the round.
        let audit = |who: &Actor, entity: &str, action: Option<&str>| {
            let s = s.clone();
            let who = who.clone();
            let filter = AuditFilter {
                entity: Some(entity.into()),
                action: action.map(str::to_owned),
                ..AuditFilter::default()
            };
            async move {
                s.audit_entries(&who, &filter, &PageRequest::new(Some(1), Some(50)))
                    .await
                    .expect("audit")
                    .total
            }
        };
        assert_eq!(audit(&c.xj_office, "finding", None).await, 0);
        assert_eq!(audit(&c.xj_office, "round", None).await, 0);
        assert_eq!(audit(&c.city, "finding", Some("create")).await, 7);
        // The 玉环 inspector sees their own inspection only (the city's
        // inspector is within the owner's region: see the repository filter).
        let mine = s
            .round_view(&c.yh_inspector, round.id)
            .await
            .expect("own round");
        assert_eq!(mine.inspections.len(), 1);
        assert_eq!(mine.inspections[0].row.town_code, hand);
        assert!(!mine.can_manage);
        let theirs = s
            .findings(&c.yh_inspector, &FindingFilter::default())
            .await
            .expect("findings");
        assert_eq!(theirs.len(), 4);
        assert!(theirs.iter().all(|f| f.row.town_code == hand));
        not_found(
            s.inspection_view(&c.yh_inspector, ins[&s2]).await,
            "other inspection",
        );
        let s2_finding = recorded
            .iter()
            .find(|f| f.row.town_code == s2)
            .expect("s2 finding");
        not_found(
            s.finding(&c.yh_inspector, s2_finding.row.id).await,
            "other finding",
        );
        not_found(
            s.finding_photo_file(
                &c.yh_inspector,
                s2_finding.photos[0].id,
                PhotoVariant::Thumb,
            )
            .await,
            "other finding's photo",
        );
        let (_, line, fs) = s
            .inspection_view(&c.yh_inspector, ins[&hand])
            .await
            .expect("own inspection");
        assert_eq!((line.row.town_code.as_str(), fs.len()), (hand.as_str(), 4));
        assert!(s
            .rectifications(&c.yh_inspector, &RectFilter::default())
            .await
            .expect("rect")
            .is_empty());
        // Nobody but the owner office previews the ranking.
        forbidden(
            s.round_ranking(&c.inspector, round.id).await,
            "inspector ranking",
        );
        forbidden(
            s.round_ranking(&c.yh_inspector, round.id).await,
            "county inspector ranking",
        );
        forbidden(
            s.round_ranking(&c.city_leader, round.id).await,
            "city leader ranking",
        );
        let preview = s.round_ranking(&c.city, round.id).await.expect("preview");
        assert!(!preview.published);
        assert_eq!(preview.towns.len(), 3);
        forbidden(
            s.publish_round(&c.inspector, round.id, &m).await,
            "inspector publishes",
        );

        // --- Publication -----------------------------------------------------
        let published = s
            .publish_round(&c.city, round.id, &m)
            .await
            .expect("publish");
        assert_eq!(published.state, "published");
        assert!(matches!(
            s.publish_round(&c.city, round.id, &m).await,
            Err(ServiceError::Conflict(_))
        ));
        // No more findings once published.
        assert!(matches!(
            s.record_finding(
                &c.yh_inspector,
                ins[&hand],
                &finding("h-late-00001", "HJ01", ""),
                photo(3),
                &m
            )
            .await,
            Err(ServiceError::Conflict(_))
        ));

        // Each county now sees its own towns of the round, and only those.
        let rounds = s
            .rounds(&c.xj_office, &RoundFilter::default())
            .await
            .expect("rounds");
        assert_eq!(rounds.len(), 1);
        assert_eq!((rounds[0].towns, rounds[0].findings), (2, 6));
        let xv = s
            .round_view(&c.xj_office, round.id)
            .await
            .expect("county view");
        assert!(xv
            .inspections
            .iter()
            .all(|l| l.row.town_code.starts_with(XIANJU)));
        assert_eq!(xv.inspections.len(), 2);
        assert!(!xv.can_manage);
        let xf = s
            .findings(&c.xj_office, &FindingFilter::default())
            .await
            .expect("findings");
        assert_eq!(xf.len(), 6);
        assert!(xf.iter().all(|f| f.row.town_code.starts_with(XIANJU)));
        not_found(
            s.inspection_view(&c.xj_office, ins[&s2]).await,
            "玉环 inspection",
        );
        let yv = s
            .round_view(&c.yh_office, round.id)
            .await
            .expect("yuhuan view");
        assert_eq!(yv.inspections.len(), 1);
        let (_, _, own) = s
            .inspection_view(hand_staff, ins[&hand])
            .await
            .expect("town's inspection");
        assert_eq!(own.len(), 4);
        let (_, bytes) = s
            .finding_photo_file(hand_staff, h_photo, PhotoVariant::Original)
            .await
            .expect("photo");
        assert_eq!(bytes, jpeg(0));
        not_found(
            s.inspection_view(hand_staff, ins[&s1]).await,
            "neighbour's inspection",
        );

        // --- Scores and ranks ------------------------------------------------
        let all_findings = s
            .findings(&c.city, &round_findings)
            .await
            .expect("findings");
        let want = expected_scores(&cat, &all_findings);
        assert_eq!(want[&hand], Points(9650));
        assert_eq!(want[&s1], Points(9900));
        assert_eq!(want[&s2], Points(9900));
        let ranking = s.round_ranking(&c.city, round.id).await.expect("ranking");
        assert!(ranking.published);
        assert_eq!(ranking.base, Points::from_whole(100));
        assert_eq!(
            (
                ranking.towns_total,
                ranking.counties_total,
                ranking.cities_total
            ),
            (3, 2, 1)
        );
        assert!(ranking.previous.is_none());
        for l in &ranking.towns {
            assert_eq!(l.score, want[&l.code], "{}", l.code);
            assert_eq!(l.deducted, Points(10000 - want[&l.code].0));
        }
        // 99, 99, 96.5 → 1, 1, 3 (ties by code); in 仙居 99 then 96.5.
        assert_eq!(
            town_ranks(&ranking),
            [
                (s1.clone(), Points(9900), 1, 1, 1, RankChange::New),
                (s2.clone(), Points(9900), 1, 1, 1, RankChange::New),
                (hand.clone(), Points(9650), 3, 3, 2, RankChange::New),
            ]
        );
        assert_eq!(ranking.towns[2].county_towns, 2);
        assert_eq!(ranking.towns[2].change_label, "新进");
        assert_eq!(ranking.towns[2].findings, 4);
        assert!(!ranking.towns[2].name.is_empty() && ranking.towns[2].county_name == "仙居县");
        // Counties by the mean of their towns: 玉环 99, 仙居 (99 + 96.5) / 2 = 97.75.
        assert_eq!(
            county_ranks(&ranking),
            [
                (YUHUAN.to_string(), Points(9900), 1, RankChange::New),
                (XIANJU.to_string(), Points(9775), 2, RankChange::New),
            ]
        );
        assert!(ranking.cities.is_empty(), "one city: no city lines");
        assert_eq!(codes(&ranking.best), [s1.clone(), s2.clone()]);
        assert_eq!(codes(&ranking.last), [hand.as_str()]);
        // The county gets its own lines with the round's ranks.
        let xr = s
            .round_ranking(&c.xj_office, round.id)
            .await
            .expect("county ranking");
        assert_eq!(codes(&xr.towns), [s1.clone(), hand.clone()]);
        assert_eq!((xr.towns[1].rank, xr.towns[1].county_rank), (3, 2));
        assert_eq!(
            county_ranks(&xr),
            [(XIANJU.to_string(), Points(9775), 2, RankChange::New)]
        );
        assert_eq!(
            (codes(&xr.best), codes(&xr.last)),
            (vec![s1.clone()], vec![hand.clone()])
        );
        assert_eq!(xr.towns_total, 3);
        let yr = s
            .round_ranking(&c.yh_office, round.id)
            .await
            .expect("yuhuan ranking");
        assert_eq!(codes(&yr.towns), [s2.as_str()]);
        assert!(yr.last.is_empty());
        let tr = s
            .round_ranking(hand_staff, round.id)
            .await
            .expect("town ranking");
        assert_eq!(codes(&tr.towns), [hand.as_str()]);
        assert!(tr.counties.is_empty());
        let leader = s
            .round_ranking(&c.xj_leader, round.id)
            .await
            .expect("leader ranking");
        assert_eq!(leader.towns.len(), 2);

        // --- Rectification -----------------------------------------------------
        let tasks = s
            .rectifications(hand_staff, &RectFilter::default())
            .await
            .expect("tasks");
        assert_eq!(tasks.len(), 4);
        let published_on = chrono::NaiveDate::parse_from_str(
            published.published_on.as_deref().expect("published on"),
            "%Y-%m-%d",
        )
        .expect("date");
        assert_eq!(published_on, today());
        for f in &tasks {
            assert_eq!(f.row.rect_state.as_deref(), Some("open"));
            let days = if f.row.severity == "serious" { 7 } else { 15 };
            let due = (published_on + chrono::Days::new(days))
                .format("%Y-%m-%d")
                .to_string();
            assert_eq!(
                f.row.deadline.as_deref(),
                Some(due.as_str()),
                "{}",
                f.row.item_code
            );
            assert!(!f.overdue);
        }
        let serious = tasks
            .iter()
            .find(|f| f.row.item_code == "HJ05")
            .expect("serious finding")
            .row
            .id;

        // Only the town itself answers; others do not even find the task.
        not_found(
            s.answer_rectification(&c.chumen, serious, "已整改", photo(20), &m)
                .await,
            "another county's town",
        );
        not_found(
            s.answer_rectification(other_staff, serious, "已整改", photo(20), &m)
                .await,
            "another town of the county",
        );
        forbidden(
            s.answer_rectification(&c.xj_office, serious, "已整改", photo(20), &m)
                .await,
            "county answers",
        );
        invalid(
            s.answer_rectification(hand_staff, serious, "已整改", Vec::new(), &m)
                .await,
            "no photo",
        );
        invalid(
            s.answer_rectification(hand_staff, serious, "  ", photo(20), &m)
                .await,
            "no note",
        );
        invalid(
            s.answer_rectification(hand_staff, serious, &"长".repeat(1001), photo(20), &m)
                .await,
            "long note",
        );
        let ten: Vec<PhotoUpload> = (0..10).flat_map(|i| photo(30 + i)).collect();
        invalid(
            s.answer_rectification(hand_staff, serious, "已整改", ten, &m)
                .await,
            "ten photos",
        );
        let answered = s
            .answer_rectification(hand_staff, serious, "垃圾已清运，河道已清理", photo(21), &m)
            .await
            .expect("answer");
        assert_eq!(answered.row.rect_state.as_deref(), Some("submitted"));
        assert_eq!(answered.row.rect_note, "垃圾已清运，河道已清理");
        assert_eq!(answered.row.answered_by, Some(hand_staff.id));
        let kinds: Vec<&str> = answered.photos.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["before", "after"]);
        let msg = invalid(
            s.answer_rectification(hand_staff, serious, "再次提交", photo(22), &m)
                .await,
            "answer twice",
        );
        assert!(msg.contains("等待县级核查"), "{msg}");

        // The county checks: another county does not find it, the town may not.
        not_found(
            s.verify_rectification(&c.yh_office, serious, true, "", &m)
                .await,
            "other county verifies",
        );
        forbidden(
            s.verify_rectification(hand_staff, serious, true, "", &m)
                .await,
            "town verifies",
        );
        let msg = invalid(
            s.verify_rectification(&c.xj_office, serious, false, " ", &m)
                .await,
            "return without reason",
        );
        assert!(msg.contains("请说明退回原因"), "{msg}");
        let returned = s
            .verify_rectification(&c.xj_office, serious, false, "河道仍有漂浮物", &m)
            .await
            .expect("return");
        assert_eq!(returned.row.rect_state.as_deref(), Some("returned"));
        assert_eq!(returned.row.verify_note, "河道仍有漂浮物");
        invalid(
            s.verify_rectification(&c.xj_office, serious, true, "", &m)
                .await,
            "verify a returned task",
        );
        let listed = s
            .rectifications(
                &c.xj_office,
                &RectFilter {
                    state: Some("returned".into()),
                    ..RectFilter::default()
                },
            )
            .await
            .expect("returned list");
        assert_eq!(
            listed.iter().map(|f| f.row.id).collect::<Vec<_>>(),
            [serious]
        );
        let again = s
            .answer_rectification(hand_staff, serious, "已再次清理并加装拦污栅", photo(23), &m)
            .await
            .expect("answer again");
        assert_eq!(again.row.rect_state.as_deref(), Some("submitted"));
        assert_eq!(again.photos.iter().filter(|p| p.kind == "after").count(), 2);
        let closed = s
            .verify_rectification(&c.xj_office, serious, true, "", &m)
            .await
            .expect("close");
        assert_eq!(closed.row.rect_state.as_deref(), Some("closed"));
        assert_eq!(closed.row.verified_by, Some(c.xj_office.id));
        invalid(
            s.answer_rectification(hand_staff, serious, "再次提交", photo(24), &m)
                .await,
            "answer a closed task",
        );

        // Lists.
        let list = |who: &Actor, region: Option<&str>, state: Option<&str>| {
            let s = s.clone();
            let who = who.clone();
            let filter = RectFilter {
                region: region.map(str::to_owned),
                state: state.map(str::to_owned),
                round_id: Some(round.id),
            };
            async move { s.rectifications(&who, &filter).await.expect("list").len() }
        };
        assert_eq!(list(&c.xj_office, None, Some("closed")).await, 1);
        assert_eq!(list(&c.xj_office, None, Some("open")).await, 5);
        assert_eq!(
            list(&c.xj_office, Some(hand.as_str()), Some("open")).await,
            3
        );
        assert_eq!(list(&c.xj_office, None, Some("overdue")).await, 0);
        assert_eq!(list(&c.xj_office, None, None).await, 6);
        assert_eq!(list(&c.xj_office, Some(YUHUAN), None).await, 0);
        assert_eq!(list(&c.city, None, None).await, 7);
        invalid(
            s.rectifications(
                &c.xj_office,
                &RectFilter {
                    state: Some("done".into()),
                    ..RectFilter::default()
                },
            )
            .await,
            "unknown state",
        );

        // Figures: one task closed on time out of the county's six.
        let sum = s
            .rect_summary(&c.xj_office, XIANJU, Some(round.id))
            .await
            .expect("summary");
        assert_eq!(sum.region_name, "仙居县");
        let town_stats: BTreeMap<&str, RectStats> = sum
            .towns
            .iter()
            .map(|l| (l.code.as_str(), l.stats))
            .collect();
        assert_eq!(town_stats.len(), 2);
        assert_eq!(
            town_stats[hand.as_str()],
            RectStats {
                total: 4,
                closed: 1,
                closed_on_time: 1,
                overdue: 0,
                submitted: 0,
                returned: 0,
            }
        );
        assert_eq!(town_stats[s1.as_str()].total, 2);
        assert_eq!(town_stats[s1.as_str()].closed, 0);
        assert_eq!(sum.counties.len(), 1);
        assert_eq!(sum.counties[0].stats.total, 6);
        assert_eq!(sum.counties[0].name, "仙居县");
        assert_eq!(sum.total.stats.closed_on_time, 1);
        assert_eq!(sum.total.rate, Some(1.0 / 6.0));
        assert_eq!(sum.total.on_time_rate, Some(1.0 / 6.0));
        not_found(
            s.rect_summary(&c.xj_office, YUHUAN, None).await,
            "other county's summary",
        );
        let city_sum = s
            .rect_summary(&c.city, "3310", None)
            .await
            .expect("city summary");
        assert_eq!(city_sum.total.stats.total, 7);
        assert_eq!(city_sum.counties.len(), 2);
        assert_eq!(city_sum.cities.len(), 1);
        let town_sum = s
            .rect_summary(hand_staff, hand.as_str(), None)
            .await
            .expect("town summary");
        assert_eq!(town_sum.total.stats.total, 4);

        // Every step is in the log, under the town, readable by its county.
        assert_eq!(audit(&c.xj_office, "finding", Some("rectify")).await, 2);
        assert_eq!(audit(&c.xj_office, "finding", Some("verify")).await, 2);
        assert_eq!(audit(&c.yh_office, "finding", Some("rectify")).await, 0);

        // --- A second round: the change in rank (比赶超) ------------------------
        let round2 = s
            .create_round(
                &c.city,
                &RoundInput {
                    name: "2020年第四季度暗访".into(),
                    quarter: "2020年第四季度".into(),
                    starts_on: "2020-10-01".into(),
                    ends_on: "2020-10-31".into(),
                    towns: vec![hand.clone(), s1.clone(), s2.clone()],
                    sample: None,
                },
                &m,
            )
            .await
            .expect("round 2");
        let v2 = s.round_view(&c.city, round2.id).await.expect("view 2");
        let ins2: BTreeMap<String, i64> = v2
            .inspections
            .iter()
            .map(|l| (l.row.town_code.clone(), l.row.id))
            .collect();
        for (town, who) in [
            (&hand, &c.yh_inspector),
            (&s1, &c.inspector),
            (&s2, &c.inspector),
        ] {
            s.assign_inspector(&c.city, ins2[town], Some(who.id), "", &m)
                .await
                .expect("assign 2");
        }
        // 100; 99.5; 98.5.
        record_all(&s, &c.inspector, ins2[&s1], "r2s1", &[("XR01", "0.5")]).await;
        record_all(
            &s,
            &c.inspector,
            ins2[&s2],
            "r2s2",
            &[("CX01", "1"), ("ZX01", "0.5")],
        )
        .await;
        not_found(
            s.round_ranking(&c.xj_office, round2.id).await,
            "round 2 before publication",
        );
        let preview = s
            .round_ranking(&c.city, round2.id)
            .await
            .expect("preview 2");
        assert_eq!(preview.previous.as_ref().map(|p| p.id), Some(round.id));
        assert_eq!(
            town_ranks(&preview),
            [
                (hand.clone(), Points(10000), 1, 1, 1, RankChange::Up(2)),
                (s1.clone(), Points(9950), 2, 2, 2, RankChange::Down(1)),
                (s2.clone(), Points(9850), 3, 3, 1, RankChange::Down(2)),
            ]
        );
        assert_eq!(preview.towns[0].previous_rank, Some(3));
        assert_eq!(preview.towns[0].change_label, "↑2");
        assert_eq!(
            county_ranks(&preview),
            [
                (XIANJU.to_string(), Points(9975), 1, RankChange::Up(1)),
                (YUHUAN.to_string(), Points(9850), 2, RankChange::Down(1)),
            ]
        );
        s.publish_round(&c.city, round2.id, &m)
            .await
            .expect("publish 2");
        let xr2 = s
            .round_ranking(&c.xj_office, round2.id)
            .await
            .expect("county ranking 2");
        assert_eq!(codes(&xr2.towns), [hand.clone(), s1.clone()]);
        assert_eq!(xr2.towns[0].change_label, "↑2");
        assert_eq!(xr2.counties[0].change_label, "↑1");
        let json = serde_json::to_value(&xr2).expect("json");
        assert_eq!(json["towns"][0]["change"]["kind"], "up");
        assert_eq!(json["towns"][0]["score"], 10000);

        eprintln!(
            "[{}] round of 3 towns: ranks {:?}; 仙居 整改 {:?}",
            t.label,
            ranking
                .towns
                .iter()
                .map(|l| (l.code.as_str(), l.score.fixed2(), l.rank))
                .collect::<Vec<_>>(),
            sum.total.stats
        );
        t.finish().await;
        let _ = std::fs::remove_dir_all(&files);
    }
}

/// Every inspection's stored figures (score, deducted, findings) against the
/// domain's score recomputed here from all of the round's findings.
async fn assert_figures_recomputed(s: &Services, who: &Actor, cat: &Catalogue, round: i64) {
    let findings = s
        .findings(
            who,
            &FindingFilter {
                round_id: Some(round),
                ..Default::default()
            },
        )
        .await
        .expect("findings");
    let view = s.round_view(who, round).await.expect("view");
    for l in &view.inspections {
        let mine: Vec<&FindingView> = findings
            .iter()
            .filter(|f| f.row.inspection_id == l.row.id)
            .collect();
        let want = score(
            cat,
            mine.iter()
                .map(|f| (f.row.area_code.as_str(), Points(f.row.deduction))),
        );
        assert_eq!(
            (l.row.score, l.row.deducted, l.row.findings as usize),
            (want.score.0, want.deducted.0, mine.len()),
            "figures of {}",
            l.row.town_code
        );
    }
}

/// Ranks of a published round by code: towns, counties, cities.
type RankTables = (
    BTreeMap<String, u32>,
    BTreeMap<String, u32>,
    BTreeMap<String, u32>,
);

fn rank_tables(r: &RoundRanking) -> RankTables {
    (
        r.towns.iter().map(|l| (l.code.clone(), l.rank)).collect(),
        r.counties
            .iter()
            .map(|l| (l.code.clone(), l.rank))
            .collect(),
        r.cities.iter().map(|l| (l.code.clone(), l.rank)).collect(),
    )
}

/// The change column of `later` against the ranks of `earlier` as ranked on
/// its own: every town, county and city.
fn assert_previous_ranks(later: &RoundRanking, earlier: &RoundRanking) {
    let (towns, counties, cities) = rank_tables(earlier);
    for l in &later.towns {
        assert_eq!(
            l.previous_rank,
            towns.get(&l.code).copied(),
            "town {}",
            l.code
        );
        assert_eq!(
            l.change,
            RankChange::between(l.previous_rank, Some(l.rank)),
            "town {}",
            l.code
        );
    }
    for l in &later.counties {
        assert_eq!(
            l.previous_rank,
            counties.get(&l.code).copied(),
            "county {}",
            l.code
        );
    }
    assert!(!later.cities.is_empty());
    for l in &later.cities {
        assert_eq!(
            l.previous_rank,
            cities.get(&l.code).copied(),
            "city {}",
            l.code
        );
    }
}

/// Scores are kept on every write (findings sent one by one, at once from
/// several phones, re-sent, and corrected before and after publication) and
/// always equal the domain's score over all findings; the change in rank
/// counts against the previous round as ranked now, corrections included.
#[tokio::test]
async fn scores_and_previous_ranks_follow_every_write() {
    for t in TestDb::all().await {
        let files = std::env::temp_dir().join(format!(
            "meizhen_inspection_scores_{}_{}",
            t.label,
            std::process::id()
        ));
        let s = Services::new(t.db.clone(), config(files.clone()));
        s.bootstrap(&|_, _| {}).await.expect("bootstrap");
        let m = meta();
        for (username, role) in [
            ("p.office", "province_office"),
            ("p.inspector", "inspector"),
        ] {
            s.create_user_as_system(&UserInput {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                region: "33".into(),
                department: None,
                password: Some(PW.into()),
            })
            .await
            .expect(username);
        }
        let office = login(&s, "p.office").await;
        let inspector = login(&s, "p.inspector").await;
        // 环境卫生 capped at 3 points: caps are reached below.
        let cat = catalogue();
        s.save_checklist(&office, &cat, "环境卫生扣分上限 3 分", &m)
            .await
            .expect("checklist");
        // Three towns in each of four counties of two cities.
        let mut towns = Vec::new();
        {
            let mut tx = s.db().begin_read().await.expect("tx");
            for county in [XIANJU, YUHUAN, "330381", "330382"] {
                let code = RegionCode::parse(county).expect("code");
                let under = meizhen_storage::regions::towns_under(&mut tx, &code)
                    .await
                    .expect("towns");
                towns.extend(under.into_iter().take(3).map(|(c, _)| c));
            }
        }
        assert_eq!(towns.len(), 12);
        let items = [
            "HJ01", "HJ02", "HJ05", "ZX01", "ZX05", "XR01", "XR05", "CX01", "CX04", "HJ05",
        ];
        let mut rounds = Vec::new();
        for (r, quarter) in ["2020Q3", "2020Q4"].into_iter().enumerate() {
            let round = s
                .create_round(
                    &office,
                    &RoundInput {
                        name: format!("{quarter} 全省暗访"),
                        quarter: quarter.into(),
                        starts_on: format!("2020-{:02}-01", 7 + 3 * r),
                        ends_on: format!("2020-{:02}-28", 7 + 3 * r),
                        towns: towns.clone(),
                        sample: None,
                    },
                    &m,
                )
                .await
                .expect("round");
            let view = s.round_view(&office, round.id).await.expect("view");
            let ins: Vec<i64> = view.inspections.iter().map(|l| l.row.id).collect();
            for id in &ins {
                s.assign_inspector(&office, *id, Some(inspector.id), "", &m)
                    .await
                    .expect("assign");
            }
            // One by one: a different number and mix of findings per town.
            for (n, id) in ins.iter().enumerate() {
                for k in 0..((n * 7 + r * 5) % 9) {
                    let item = items[(n + 3 * k + r) % items.len()];
                    let input = FindingInput {
                        client_id: format!("r{r}-t{n:02}-k{k:02}"),
                        item_code: item.into(),
                        place: "镇区".into(),
                        ..FindingInput::default()
                    };
                    let (_, created) = s
                        .record_finding(&inspector, *id, &input, Vec::new(), &m)
                        .await
                        .expect("finding");
                    assert!(created);
                }
            }
            assert_figures_recomputed(&s, &office, &cat, round.id).await;
            // At once, into one inspection, from the inspector and the office,
            // each finding sent twice (a phone re-sending its batch).
            let target = ins[0];
            let mut tasks = Vec::new();
            for k in 0..12 {
                let s = s.clone();
                let who = if k % 2 == 0 {
                    inspector.clone()
                } else {
                    office.clone()
                };
                let m = m.clone();
                tasks.push(tokio::spawn(async move {
                    let input = FindingInput {
                        client_id: format!("burst-{r}-{:02}", k / 2 * 2),
                        item_code: ["HJ02", "XR01", "CX04"][k % 3].into(),
                        place: "镇区".into(),
                        ..FindingInput::default()
                    };
                    s.record_finding(&who, target, &input, Vec::new(), &m)
                        .await
                        .map(|(v, created)| (v.row.id, created))
                }));
            }
            let mut by_client: BTreeMap<i64, usize> = BTreeMap::new();
            let mut created = 0;
            for task in tasks {
                let (id, new) = task.await.expect("task").expect("burst finding");
                *by_client.entry(id).or_default() += 1;
                created += usize::from(new);
            }
            assert_eq!((by_client.len(), created), (6, 6), "{by_client:?}");
            assert!(by_client.values().all(|&n| n == 2));
            assert_figures_recomputed(&s, &office, &cat, round.id).await;
            // A correction before publication moves a deduction between areas.
            let first = s
                .findings(
                    &office,
                    &FindingFilter {
                        inspection_id: Some(target),
                        ..Default::default()
                    },
                )
                .await
                .expect("findings")
                .remove(0);
            let moved = if first.row.area_code == "HJ" {
                "XR05"
            } else {
                "HJ05"
            };
            s.correct_finding(
                &inspector,
                first.row.id,
                &CorrectionInput {
                    item_code: moved.into(),
                    reason: "类别记错".into(),
                    ..Default::default()
                },
                &m,
            )
            .await
            .expect("correct");
            assert_figures_recomputed(&s, &office, &cat, round.id).await;
            s.publish_round(&office, round.id, &m)
                .await
                .expect("publish");
            rounds.push((round.id, ins));
        }
        let (r1, ins1) = &rounds[0];
        let (r2, _) = &rounds[1];
        let first = s.round_ranking(&office, *r1).await.expect("ranking 1");
        let second = s.round_ranking(&office, *r2).await.expect("ranking 2");
        assert_eq!(second.previous.as_ref().map(|p| p.id), Some(*r1));
        assert_eq!(second.towns.len(), 12);
        assert_eq!((second.counties.len(), second.cities.len()), (4, 2));
        assert_previous_ranks(&second, &first);

        // After publication the office corrects round 1: every finding of
        // its best town with findings becomes 新增违法建筑 (2 points, an area
        // far from its cap), so that town's score drops and round 2's change
        // column must follow round 1 as it now stands.
        let mut sorted = towns.clone();
        sorted.sort();
        let line = first
            .towns
            .iter()
            .find(|l| l.findings > 0 && l.code != sorted[0])
            .expect("a town with findings");
        let town_ins = ins1[sorted.iter().position(|c| *c == line.code).expect("town")];
        let its = s
            .findings(
                &office,
                &FindingFilter {
                    inspection_id: Some(town_ins),
                    ..Default::default()
                },
            )
            .await
            .expect("findings of the town");
        assert!(its.iter().any(|f| f.row.item_code != "XR05"));
        for f in &its {
            s.correct_finding(
                &office,
                f.row.id,
                &CorrectionInput {
                    item_code: "XR05".into(),
                    reason: "复核认定为新增违法建筑".into(),
                    ..Default::default()
                },
                &m,
            )
            .await
            .expect("correct after publication");
        }
        assert_figures_recomputed(&s, &office, &cat, *r1).await;
        let first_after = s
            .round_ranking(&office, *r1)
            .await
            .expect("ranking 1 again");
        let second_after = s
            .round_ranking(&office, *r2)
            .await
            .expect("ranking 2 again");
        let after = first_after
            .towns
            .iter()
            .find(|l| l.code == line.code)
            .expect("town");
        assert!(
            after.score < line.score,
            "{} {:?} → {:?}",
            line.code,
            line.score,
            after.score
        );
        assert!(after.rank >= line.rank);
        assert_previous_ranks(&second_after, &first_after);
        t.finish().await;
        let _ = std::fs::remove_dir_all(&files);
    }
}

/// The GPS check compares a position with the median of the town's earlier
/// unflagged positions (read with the inspection in one query): far from
/// them, or outside 浙江, the finding is kept but flagged.
#[tokio::test]
async fn far_positions_are_flagged_against_the_towns_earlier_ones() {
    for t in TestDb::all().await {
        let files = std::env::temp_dir().join(format!(
            "meizhen_inspection_gps_{}_{}",
            t.label,
            std::process::id()
        ));
        let s = Services::new(t.db.clone(), config(files.clone()));
        s.bootstrap(&|_, _| {}).await.expect("bootstrap");
        let m = meta();
        for (username, role) in [
            ("g.office", "province_office"),
            ("g.inspector", "inspector"),
        ] {
            s.create_user_as_system(&UserInput {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                region: "33".into(),
                department: None,
                password: Some(PW.into()),
            })
            .await
            .expect(username);
        }
        let office = login(&s, "g.office").await;
        let inspector = login(&s, "g.inspector").await;
        s.save_checklist(&office, &catalogue(), "GPS", &m)
            .await
            .expect("checklist");
        let town = {
            let mut tx = s.db().begin_read().await.expect("tx");
            let code = RegionCode::parse(XIANJU).expect("code");
            meizhen_storage::regions::towns_under(&mut tx, &code)
                .await
                .expect("towns")
                .remove(0)
                .0
        };
        let round = s
            .create_round(
                &office,
                &RoundInput {
                    name: "2020Q3 GPS".into(),
                    quarter: "2020Q3".into(),
                    starts_on: "2020-07-01".into(),
                    ends_on: "2020-07-28".into(),
                    towns: vec![town.clone()],
                    sample: None,
                },
                &m,
            )
            .await
            .expect("round");
        let id = s
            .round_view(&office, round.id)
            .await
            .expect("view")
            .inspections[0]
            .row
            .id;
        s.assign_inspector(&office, id, Some(inspector.id), "", &m)
            .await
            .expect("assign");
        let send = |client: &str, pos: Option<(f64, f64)>| {
            let s = s.clone();
            let inspector = inspector.clone();
            let m = m.clone();
            let input = FindingInput {
                client_id: client.into(),
                item_code: "HJ01".into(),
                place: "镇区".into(),
                lat: pos.map(|p| p.0),
                lon: pos.map(|p| p.1),
                ..FindingInput::default()
            };
            async move {
                s.record_finding(&inspector, id, &input, Vec::new(), &m)
                    .await
                    .expect("finding")
            }
        };
        // Fewer than three earlier positions: no reference yet.
        for (n, lat) in [28.850, 28.851, 28.852].into_iter().enumerate() {
            let (v, created) = send(&format!("gps-near-{n:02}"), Some((lat, 120.73))).await;
            assert!(created);
            assert_eq!(v.row.gps_flag, "", "{n}");
            assert!(!v.town_name.is_empty());
        }
        let (far, created) = send("gps-far-0001", Some((29.10, 120.73))).await;
        assert!(created);
        assert!(far.row.gps_flag.contains("公里"), "{}", far.row.gps_flag);
        let (near, _) = send("gps-near-0099", Some((28.853, 120.731))).await;
        assert_eq!(near.row.gps_flag, "");
        let (away, _) = send("gps-away-0001", Some((39.9, 116.4))).await;
        assert_eq!(away.row.gps_flag, "定位不在浙江省范围内");
        let (none, _) = send("gps-none-0001", None).await;
        assert_eq!((none.row.lat_e6, none.row.gps_flag.as_str()), (None, ""));
        // A re-send answers with the stored finding, flag and all.
        let (again, created) = send("gps-far-0001", Some((29.10, 120.73))).await;
        assert!(!created);
        assert_eq!(
            (again.row.id, again.row.gps_flag),
            (far.row.id, far.row.gps_flag)
        );
        t.finish().await;
        let _ = std::fs::remove_dir_all(&files);
    }
}
