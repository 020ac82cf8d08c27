//! The 暗访督查 part of `meizhen demo` on every engine: 台州's four published
//! 2020 rounds and one secret 2021 round; every published finding is a
//! rectification task and every state occurs (closed on time, closed late,
//! returned, submitted, open past the deadline); every finding has its
//! before-photos on disk; scores are base − capped deductions, recomputed
//! here from the findings; no inspector inspects their own county; the secret
//! round is invisible to an inspected county; running it again changes nothing.
//!
//! PostgreSQL runs too when `MEIZHEN_TEST_POSTGRES_URL` is set.

use chrono::NaiveDate;
use meizhen_domain::inspection::{Catalogue, Points};
use meizhen_domain::page::PageRequest;
use meizhen_service::audit::AuditFilter;
use meizhen_service::demo_inspections::{ROUNDS, SECRET_ROUND};
use meizhen_service::inspections::{FindingFilter, FindingView, RectFilter, RoundFilter};
use meizhen_service::photos::{photo_path, PhotoVariant};
use meizhen_service::{Actor, RequestMeta, ServiceConfig, ServiceError, Services};
use meizhen_storage::repo::users;
use meizhen_storage::testkit::TestDb;
use std::collections::BTreeMap;
use std::time::Instant;

const PW: &str = "Demo-2020-tz";

fn config(files_dir: std::path::PathBuf) -> ServiceConfig {
    ServiceConfig {
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        files_dir,
        ..ServiceConfig::default()
    }
}

async fn login(s: &Services, user: &str) -> Actor {
    s.login(user, PW, &RequestMeta::cli())
        .await
        .unwrap_or_else(|e| panic!("{user}: {e:?}"))
        .0
}

fn local_day(ms: i64) -> NaiveDate {
    meizhen_domain::time::to_shanghai(ms)
        .expect("time")
        .date_naive()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// base − Σ min(cap, deductions found) per area, from the findings alone.
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
        out.entry(town).or_insert(cat.base).0 -= sum.min(cap);
    }
    out
}

#[tokio::test]
async fn demo_inspections_cover_every_rectification_state() {
    // One files directory for both engines: photos are content-addressed,
    // so the second engine finds the generated pictures already processed.
    let files =
        std::env::temp_dir().join(format!("meizhen_demo_inspections_{}", std::process::id()));
    for t in TestDb::all().await {
        let s = Services::new(t.db.clone(), config(files.clone()));
        s.bootstrap(&|_, _| {}).await.expect("bootstrap");
        s.demo(Some(PW)).await.expect("demo");
        let started = Instant::now();
        let r = s
            .demo_inspections(Some(PW))
            .await
            .expect("demo inspections");
        eprintln!(
            "[{}] demo inspections in {:.1} s: {}",
            t.label,
            started.elapsed().as_secs_f64(),
            r.summary()
        );
        assert!(r.created);
        assert_eq!((r.rounds, r.published), (5, 4));
        assert_eq!(r.accounts.len(), 3);

        let city = login(&s, "tz.office").await;
        let rounds = s
            .rounds(&city, &RoundFilter::default())
            .await
            .expect("rounds");
        assert_eq!(rounds.len(), 5, "{rounds:?}");
        let published: Vec<_> = rounds
            .iter()
            .filter(|r| r.round.state == "published")
            .collect();
        assert_eq!(published.len(), 4);
        for d in &ROUNDS {
            let row = rounds
                .iter()
                .find(|r| r.round.name == d.name)
                .unwrap_or_else(|| panic!("{}", d.name));
            assert_eq!(row.round.state, "published");
            assert_eq!(row.round.sample_seed, Some(d.seed as i64));
            assert_eq!(row.round.notice_number, d.number);
            assert!(row.round.notice_title.contains("暗访督查情况的通报"));
            assert!(row.round.notice_opening.contains("随机种子"));
            assert!(!row.round.notice_closing.is_empty());
            assert!(row.towns >= 21, "{}: {} towns", d.name, row.towns);
        }

        let mut tx = s.db().begin_read().await.expect("tx");
        let mut user_regions: BTreeMap<i64, String> = BTreeMap::new();
        let today = local_day(meizhen_storage::now_ms());
        let mut states: BTreeMap<&str, usize> = BTreeMap::new();
        let mut total_findings = 0;
        for round in &rounds {
            let id = round.round.id;
            let is_published = round.round.state == "published";
            let view = s.round_view(&city, id).await.expect("round view");
            let findings = s
                .findings(
                    &city,
                    &FindingFilter {
                        round_id: Some(id),
                        ..FindingFilter::default()
                    },
                )
                .await
                .expect("findings");
            total_findings += findings.len();
            let (starts, ends) = (date(&round.round.starts_on), date(&round.round.ends_on));

            // Inspectors: assigned everywhere, never of the inspected county.
            for l in &view.inspections {
                let inspector = l.row.inspector_id.expect("assigned");
                if let std::collections::btree_map::Entry::Vacant(e) = user_regions.entry(inspector)
                {
                    let u = users::by_id(&mut tx, inspector)
                        .await
                        .expect("user")
                        .expect("inspector exists");
                    assert_eq!(u.role, "inspector");
                    e.insert(u.region_code);
                }
                let region = &user_regions[&inspector];
                assert!(
                    !(region.len() >= 6 && l.row.town_code.starts_with(region.as_str())),
                    "{} inspected by {region}",
                    l.row.town_code
                );
                if is_published {
                    let n = findings
                        .iter()
                        .filter(|f| f.row.inspection_id == l.row.id)
                        .count();
                    assert!((2..=8).contains(&n), "{}: {n} findings", l.row.town_code);
                }
            }

            // Scores: base − capped deductions.
            let expected = expected_scores(&view.checklist, &findings);
            for l in &view.inspections {
                let want = expected
                    .get(&l.row.town_code)
                    .copied()
                    .unwrap_or(view.checklist.base);
                assert_eq!(
                    Points(l.row.score),
                    want,
                    "{} {}",
                    round.round.name,
                    l.row.town_code
                );
            }

            for f in &findings {
                let found = local_day(f.row.found_at);
                assert!(starts <= found && found <= ends, "found {found}");
                assert!(
                    f.row.lat_e6.is_some() && f.row.gps_flag.is_empty(),
                    "{:?}",
                    f.row
                );
                assert!(!f.row.place.is_empty() && !f.row.note.is_empty());
                assert!(
                    f.photos.iter().any(|p| p.kind == "before"),
                    "finding {} has no photo",
                    f.row.id
                );
                for p in &f.photos {
                    let path =
                        photo_path(&files, &p.sha256, &p.content_type, PhotoVariant::Original);
                    assert!(path.exists(), "{}", path.display());
                    assert_eq!((p.width, p.height), (Some(640), Some(480)));
                }
                if !is_published {
                    assert_eq!(f.row.rect_state, None);
                    continue;
                }
                let state = f.row.rect_state.as_deref().expect("rectification task");
                let deadline = date(f.row.deadline.as_deref().expect("deadline"));
                let published_on = date(round.round.published_on.as_deref().expect("published"));
                assert!(deadline > published_on);
                let answered = f.row.answered_at.map(local_day);
                let afters = f.photos.iter().filter(|p| p.kind == "after").count();
                if state == "open" {
                    assert_eq!((answered, afters), (None, 0));
                } else {
                    let a = answered.expect("answered");
                    assert!(a > published_on && chrono::Datelike::year(&a) <= 2021);
                    assert!(afters >= 1 && !f.row.rect_note.is_empty());
                }
                if state == "closed" || state == "returned" {
                    let v = f.row.verified_at.expect("verified");
                    assert!(
                        v > f.row.answered_at.expect("answered"),
                        "verified after the answer"
                    );
                }
                let key = match state {
                    "closed" if answered.expect("answered") <= deadline => "closed_on_time",
                    "closed" => "closed_late",
                    "returned" => {
                        assert!(!f.row.verify_note.is_empty(), "a return gives its reason");
                        "returned"
                    }
                    "submitted" => "submitted",
                    "open" => {
                        assert!(deadline < today);
                        "open_overdue"
                    }
                    other => panic!("state {other}"),
                };
                *states.entry(key).or_default() += 1;
            }
        }
        drop(tx);
        eprintln!("[{}] rectification states: {states:?}", t.label);
        for key in [
            "closed_on_time",
            "closed_late",
            "returned",
            "submitted",
            "open_overdue",
        ] {
            assert!(states.get(key).is_some_and(|n| *n > 0), "{key}: {states:?}");
        }
        assert_eq!(total_findings, r.findings);
        assert_eq!(states["closed_on_time"], r.closed_on_time);
        assert_eq!(states["closed_late"], r.closed_late);
        assert_eq!(states["returned"], r.returned);
        assert_eq!(states["submitted"], r.submitted);
        assert_eq!(states["open_overdue"], r.open);

        // The secret round: the city sees it, an inspected county does not.
        let secret = rounds
            .iter()
            .find(|r| r.round.name == SECRET_ROUND.name)
            .expect("secret round");
        assert_eq!(secret.round.state, "planned");
        assert!(secret.findings > 0);
        let secret_view = s.round_view(&city, secret.round.id).await.expect("view");
        let xj_inspected = secret_view
            .inspections
            .iter()
            .any(|l| l.row.town_code.starts_with("331024"));
        assert!(xj_inspected);
        let xj = login(&s, "xj.office").await;
        let xj_rounds = s
            .rounds(&xj, &RoundFilter::default())
            .await
            .expect("rounds");
        assert!(xj_rounds.iter().all(|r| r.round.name != SECRET_ROUND.name));
        assert_eq!(xj_rounds.len(), 4, "仙居 sees the published rounds");
        assert!(matches!(
            s.round_view(&xj, secret.round.id).await,
            Err(ServiceError::NotFound(_))
        ));
        // A demo town sees its own tasks.
        let baita = login(&s, "xj.baita").await;
        let tasks = s
            .rectifications(&baita, &RectFilter::default())
            .await
            .expect("tasks");
        assert!(!tasks.is_empty());
        assert!(tasks.iter().all(|f| f.row.town_code == "331024103"));

        // Audited, and the quarterly assessments published.
        let audit = s
            .audit_entries(
                &Actor::system(),
                &AuditFilter {
                    entity: Some("finding".into()),
                    ..AuditFilter::default()
                },
                &PageRequest::new(Some(1), Some(1)),
            )
            .await
            .expect("audit");
        assert!(audit.total >= r.findings as i64, "{}", audit.total);
        assert_eq!(r.assessments, 4);

        // Again: nothing new.
        let again = s.demo_inspections(Some(PW)).await.expect("again");
        assert!(!again.created);
        assert_eq!(again.rounds, 5);
        assert_eq!(
            s.rounds(&city, &RoundFilter::default())
                .await
                .expect("rounds")
                .len(),
            5
        );
        t.finish().await;
    }
    let _ = std::fs::remove_dir_all(&files);
}
