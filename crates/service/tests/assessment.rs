//! 动态考核 on every engine: a quarter's parts and totals for 台州's towns from
//! real rounds, projects and reports (checked against numbers worked out here
//! from the raw inputs), renormalisation, weights, who sees what before and
//! after publication, that publication freezes the quarter, and the change
//! against the previous published quarter.
//!
//! PostgreSQL runs too when `MEIZHEN_TEST_POSTGRES_URL` is set.

use chrono::NaiveDate;
use meizhen_domain::inspection::{Area, Catalogue, Item, Points, Quarter, Severity, Weights};
use meizhen_domain::page::PageRequest;
use meizhen_domain::project::YearMonth;
use meizhen_domain::ranking::RankChange;
use meizhen_service::audit::AuditFilter;
use meizhen_service::inspections::{
    AssessmentView, CorrectionInput, FindingInput, NoticeText, RoundInput,
};
use meizhen_service::projects::{PlanInput, ProjectInput, ReportInput};
use meizhen_service::users::UserInput;
use meizhen_service::{Actor, RequestMeta, ServiceConfig, ServiceError, Services};
use meizhen_storage::testkit::TestDb;
use std::collections::BTreeMap;

const PW: &str = "Demo-2020-tz";
const CITY: &str = "3310";
const BAITA: &str = "331024103"; // 仙居县白塔镇
const HENGXI: &str = "331024101"; // 仙居县横溪镇
const CHUMEN: &str = "331083102"; // 玉环市楚门镇
const GANJIANG: &str = "331083103"; // 玉环市干江镇
const XIANJU: &str = "331024";
const YUHUAN: &str = "331083";

fn config() -> ServiceConfig {
    ServiceConfig {
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        files_dir: std::env::temp_dir()
            .join(format!("meizhen-assessment-files-{}", std::process::id())),
        ..ServiceConfig::default()
    }
}

fn meta() -> RequestMeta {
    RequestMeta::default()
}

fn q(year: i32, quarter: u32) -> Quarter {
    Quarter::new(year, quarter).expect("quarter")
}

fn ym(y: i32, m: u32) -> YearMonth {
    YearMonth::new(y, m).expect("month")
}

async fn login(s: &Services, user: &str) -> Actor {
    s.login(user, PW, &meta()).await.expect(user).0
}

/// Round-half-up `num / den` on the 0–100 scale in hundredths, capped at 100.
fn pct(num: i64, den: i64) -> i64 {
    ((num * 10_000 * 2 + den) / (den * 2)).min(10_000)
}

/// Σ part × weight / Σ weight over the parts present, half up.
fn weighted(parts: [Option<i64>; 4], w: [i64; 4]) -> Option<i64> {
    let (mut num, mut den) = (0, 0);
    for (p, w) in parts.iter().zip(w) {
        if let Some(p) = p {
            num += p * w;
            den += w;
        }
    }
    (den > 0).then(|| (2 * num + den) / (2 * den))
}

fn project(code: &str, total: &str, plan: &str, start: &str, finish: &str) -> ProjectInput {
    ProjectInput {
        code: code.into(),
        name: format!("{code} 项目"),
        pillar: "环境美".into(),
        total_investment: total.into(),
        plans: vec![PlanInput {
            year: 2020,
            amount: plan.into(),
        }],
        planned_start: start.into(),
        planned_finish: finish.into(),
        owner_unit: "镇人民政府".into(),
        content: "老街立面改造".into(),
        ..ProjectInput::default()
    }
}

fn report(cumulative: &str) -> ReportInput {
    ReportInput {
        cumulative_investment: cumulative.into(),
        status: "在建".into(),
        progress_text: "施工中".into(),
        ..ReportInput::default()
    }
}

/// A month the town submitted on `day` (Shanghai, 20:00), written directly:
/// the service stamps submissions with the current time.
async fn submitted_on(s: &Services, town: &str, y: i32, m: i32, day: (i32, u32, u32)) {
    let at = NaiveDate::from_ymd_opt(day.0, day.1, day.2)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("day")
        .and_utc()
        .timestamp_millis();
    let mut tx = s.db().begin().await.expect("tx");
    meizhen_storage::repo::projects::set_period(
        &mut tx,
        town,
        y,
        m,
        "submitted",
        Some(at),
        None,
        None,
        "",
    )
    .await
    .expect("period");
    tx.commit().await.expect("commit");
}

async fn round(
    s: &Services,
    office: &Actor,
    name: &str,
    quarter: &str,
    towns: &[&str],
    publish: bool,
    findings: &[(&str, &str)],
) -> BTreeMap<String, i64> {
    let r = s
        .create_round(
            office,
            &RoundInput {
                name: name.into(),
                quarter: quarter.into(),
                starts_on: "2020-05-10".into(),
                ends_on: "2020-05-20".into(),
                towns: towns.iter().map(|t| t.to_string()).collect(),
                sample: None,
            },
            &meta(),
        )
        .await
        .expect("round");
    let view = s.round_view(office, r.id).await.expect("round view");
    let ids: BTreeMap<String, i64> = view
        .inspections
        .iter()
        .map(|l| (l.row.town_code.clone(), l.row.id))
        .collect();
    for (n, (town, item)) in findings.iter().enumerate() {
        s.record_finding(
            office,
            ids[*town],
            &FindingInput {
                client_id: format!("{name}-{n:04}-abcdef"),
                item_code: item.to_string(),
                place: "老街".into(),
                ..FindingInput::default()
            },
            Vec::new(),
            &meta(),
        )
        .await
        .expect("finding");
    }
    if publish {
        s.publish_round(office, r.id, &meta())
            .await
            .expect("publish");
    }
    ids
}

fn line<'a>(
    v: &'a AssessmentView,
    town: &str,
) -> &'a meizhen_service::inspections::AssessmentTownLine {
    v.towns
        .iter()
        .find(|l| l.town_code == town)
        .unwrap_or_else(|| panic!("no line for {town}: {v:#?}"))
}

fn parts_of(v: &AssessmentView, town: &str) -> [Option<i64>; 4] {
    let p = line(v, town).parts;
    [p.inspection, p.start_rate, p.investment_rate, p.reporting].map(|x| x.map(|p| p.0))
}

fn order(v: &AssessmentView) -> Vec<(&str, Option<u32>, Option<u32>)> {
    v.towns
        .iter()
        .map(|l| (l.town_code.as_str(), l.rank, l.county_rank))
        .collect()
}

fn counties(v: &AssessmentView) -> Vec<(&str, Option<i64>, Option<u32>)> {
    v.counties
        .iter()
        .map(|c| (c.county_code.as_str(), c.total.map(|p| p.0), c.rank))
        .collect()
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> bool {
    matches!(r, Err(ServiceError::NotFound(_)))
}

#[tokio::test]
async fn quarterly_assessment_combines_freezes_and_ranks() {
    for t in TestDb::all().await {
        let s = Services::new(t.db.clone(), config());
        s.bootstrap(&|_, _| {}).await.expect("bootstrap");
        s.demo(Some(PW)).await.expect("demo");
        // Two more offices: another county of 台州, another city.
        for (user, role, region) in [
            ("jj.office", "county_office", "331002"),
            ("hz.office", "city_office", "3301"),
        ] {
            s.create_user_as_system(&UserInput {
                username: user.into(),
                display_name: user.into(),
                role: role.into(),
                region: region.into(),
                department: None,
                password: Some(PW.into()),
            })
            .await
            .expect("user");
            s.set_password_as_system(user, PW, false)
                .await
                .expect("password");
        }
        let city = login(&s, "tz.office").await;
        let province = login(&s, "sheng.office").await;
        let leader = login(&s, "tz.leader").await;
        let xianju = login(&s, "xj.office").await;
        let yuhuan = login(&s, "yh.office").await;
        let jiaojiang = login(&s, "jj.office").await;
        let hangzhou = login(&s, "hz.office").await;
        let baita = login(&s, "xj.baita").await;
        let hengxi = login(&s, "xj.hengxi").await;
        let chumen = login(&s, "yh.chumen").await;

        // Projects of 2020. 白塔: P1 (plan 600 万, start 2020-03) reported 150
        // in April and 450 in June; P2 (plan 400, start 2020-06) never reported.
        let p1 = s
            .create_project(
                &baita,
                BAITA,
                &project("BT-01", "1000", "600", "2020-03", "2020-10"),
                &meta(),
            )
            .await
            .expect("p1");
        s.create_project(
            &baita,
            BAITA,
            &project("BT-02", "500", "400", "2020-06", "2021-06"),
            &meta(),
        )
        .await
        .expect("p2");
        s.submit_report(&baita, p1.id, ym(2020, 4), &report("150"), &meta())
            .await
            .expect("report");
        s.submit_report(&baita, p1.id, ym(2020, 6), &report("450"), &meta())
            .await
            .expect("report");
        // 横溪: P3 (plan 200, start 2020-01) reported 120 in May.
        let p3 = s
            .create_project(
                &hengxi,
                HENGXI,
                &project("HX-01", "200", "200", "2020-01", "2020-12"),
                &meta(),
            )
            .await
            .expect("p3");
        s.submit_report(&hengxi, p3.id, ym(2020, 5), &report("120"), &meta())
            .await
            .expect("report");
        // 楚门: P4 (plan 300, start only in September), not started.
        s.create_project(
            &chumen,
            CHUMEN,
            &project("CM-01", "300", "300", "2020-09", "2020-12"),
            &meta(),
        )
        .await
        .expect("p4");
        // 干江: no projects at all.

        // Reporting (due the 5th of the next month). 白塔: April on time, May
        // submitted now (late), June never. 横溪: April on the due day, May on
        // time, June a day late. 楚门: nothing.
        submitted_on(&s, BAITA, 2020, 4, (2020, 5, 3)).await;
        s.submit_month(&baita, BAITA, ym(2020, 5), &meta())
            .await
            .expect("submit month");
        submitted_on(&s, HENGXI, 2020, 4, (2020, 5, 5)).await;
        submitted_on(&s, HENGXI, 2020, 5, (2020, 6, 1)).await;
        submitted_on(&s, HENGXI, 2020, 6, (2020, 7, 6)).await;

        // Rounds of 2020Q2. R1 (the default checklist, base 100): 白塔 −1 −0.5,
        // 楚门 −2, 干江 nothing.
        let r1 = round(
            &s,
            &city,
            "R1",
            "2020Q2",
            &[BAITA, CHUMEN, GANJIANG],
            true,
            &[(BAITA, "HJ02"), (BAITA, "ZX01"), (CHUMEN, "XR05")],
        )
        .await;
        // The city's own checklist from now on: base 50, one item of 3 points.
        s.save_checklist(
            &city,
            &Catalogue {
                base: Points::from_whole(50),
                areas: vec![Area {
                    code: "A".into(),
                    name: "环境卫生".into(),
                    cap: Points::from_whole(20),
                    items: vec![Item {
                        code: "A01".into(),
                        name: "垃圾乱堆".into(),
                        deduction: Points::from_whole(3),
                        severity: Severity::General,
                    }],
                }],
            },
            "市级标准",
            &meta(),
        )
        .await
        .expect("checklist");
        // R2 (base 50): 白塔 47 of 50. R3 is never published: 横溪 stays uninspected.
        round(&s, &city, "R2", "2020Q2", &[BAITA], true, &[(BAITA, "A01")]).await;
        round(
            &s,
            &city,
            "R3",
            "2020Q2",
            &[HENGXI],
            false,
            &[(HENGXI, "A01")],
        )
        .await;

        // Worked out from the raw inputs (hundredths of a point).
        let w = [60, 15, 15, 10];
        let want: BTreeMap<&str, [Option<i64>; 4]> = [
            (
                BAITA,
                [
                    Some((pct(10_000 - 150, 10_000) + pct(5_000 - 300, 5_000)) / 2),
                    Some(pct(1, 2)),           // P1 started of P1, P2 planned by June
                    Some(pct(450, 600 + 400)), // 万元 this year / plan
                    Some(pct(1, 3)),           // April on time of three months
                ],
            ),
            (
                HENGXI,
                [None, Some(pct(1, 1)), Some(pct(120, 200)), Some(pct(2, 3))],
            ),
            (
                CHUMEN,
                // Nothing planned by June: 开工率 over all projects.
                [
                    Some(pct(9_800, 10_000)),
                    Some(pct(0, 1)),
                    Some(pct(0, 300)),
                    Some(pct(0, 3)),
                ],
            ),
            (GANJIANG, [Some(pct(10_000, 10_000)), None, None, None]),
        ]
        .into_iter()
        .collect();
        assert_eq!(want[BAITA][0], Some(9625));

        // Before publication: the city office previews…
        let preview = s
            .assessment(&city, CITY, q(2020, 2), None)
            .await
            .expect("preview");
        assert!(!preview.published && preview.live && preview.can_publish);
        assert_eq!(preview.weights, Weights::default());
        assert_eq!(preview.quarter_label, "2020年第二季度");
        assert!(!preview.previous_published);
        assert_eq!(preview.towns.len(), 4, "{preview:#?}");
        for (town, parts) in &want {
            assert_eq!(parts_of(&preview, town), *parts, "{town}");
            assert_eq!(
                line(&preview, town).total.map(|p| p.0),
                weighted(*parts, w),
                "{town}"
            );
            assert_eq!(line(&preview, town).change, None);
        }
        // 白塔 7533.3 → 75.33; 横溪 renormalised over 40: 76.67; 楚门 58.80; 干江 100.
        assert_eq!(line(&preview, BAITA).total, Some(Points(7533)));
        assert_eq!(line(&preview, HENGXI).total, Some(Points(7667)));
        assert_eq!(line(&preview, CHUMEN).total, Some(Points(5880)));
        assert_eq!(line(&preview, GANJIANG).total, Some(Points(10000)));
        assert_eq!(
            order(&preview),
            [
                (GANJIANG, Some(1), Some(1)),
                (HENGXI, Some(2), Some(1)),
                (BAITA, Some(3), Some(2)),
                (CHUMEN, Some(4), Some(2)),
            ]
        );
        assert_eq!(
            counties(&preview),
            [(YUHUAN, Some(7940), Some(1)), (XIANJU, Some(7600), Some(2))]
        );
        assert_eq!(line(&preview, BAITA).town_name, "白塔镇");
        assert_eq!(line(&preview, BAITA).county_name, "仙居县");
        // …and so does the province office above it.
        let from_province = s
            .assessment(&province, CITY, q(2020, 2), None)
            .await
            .expect("province preview");
        assert_eq!(from_province.towns, preview.towns);
        assert!(!from_province.can_publish);
        // Nobody else sees anything before publication.
        for who in [&xianju, &leader, &baita, &hangzhou] {
            assert!(
                is_not_found(s.assessment(who, CITY, q(2020, 2), None).await),
                "{}",
                who.username
            );
        }

        // Weights: other weights preview differently; invalid ones are refused.
        let only_inspection = Weights {
            inspection: 100,
            start_rate: 0,
            investment_rate: 0,
            reporting: 0,
        };
        let v = s
            .assessment(&city, CITY, q(2020, 2), Some(only_inspection))
            .await
            .expect("custom weights");
        assert_eq!(line(&v, BAITA).total, Some(Points(9625)));
        assert_eq!(line(&v, HENGXI).total, None, "no part with a weight");
        assert_eq!(
            v.towns.last().map(|l| (l.town_code.as_str(), l.rank)),
            Some((HENGXI, None))
        );
        let bad = Weights {
            inspection: 50,
            ..Weights::default()
        };
        assert!(matches!(
            s.assessment(&city, CITY, q(2020, 2), Some(bad)).await,
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            s.publish_assessment(&city, CITY, q(2020, 2), bad, &meta())
                .await,
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            s.assessment(&city, XIANJU, q(2020, 2), None).await,
            Err(ServiceError::Invalid(_))
        ));

        // Only the owner office publishes.
        for who in [&province, &xianju, &leader] {
            assert!(
                matches!(
                    s.publish_assessment(who, CITY, q(2020, 2), Weights::default(), &meta())
                        .await,
                    Err(ServiceError::Forbidden(_))
                ),
                "{}",
                who.username
            );
        }
        let published = s
            .publish_assessment(&city, CITY, q(2020, 2), Weights::default(), &meta())
            .await
            .expect("publish");
        assert!(published.published && !published.live && !published.can_publish);
        assert!(published.can_edit_notice && published.published_at.is_some());
        assert_eq!(published.towns, preview.towns);
        assert_eq!(published.counties, preview.counties);
        match s
            .publish_assessment(&city, CITY, q(2020, 2), Weights::default(), &meta())
            .await
        {
            Err(ServiceError::Conflict(m)) => assert!(m.contains("该季度考核结果已发布"), "{m}"),
            other => panic!("second publication: {other:?}"),
        }
        let audit = s
            .audit_entries(
                &Actor::system(),
                &AuditFilter {
                    entity: Some("assessment".into()),
                    ..AuditFilter::default()
                },
                &PageRequest::new(Some(1), Some(20)),
            )
            .await
            .expect("audit");
        assert_eq!(audit.total, 1);
        assert_eq!(audit.items[0].region_code, CITY);

        // After publication: everyone concerned, within their scope; ranks
        // stay those of the whole city.
        let v = s
            .assessment(&xianju, CITY, q(2020, 2), None)
            .await
            .expect("county");
        assert_eq!(
            order(&v),
            [(HENGXI, Some(2), Some(1)), (BAITA, Some(3), Some(2))]
        );
        assert_eq!(counties(&v), [(XIANJU, Some(7600), Some(2))]);
        assert!(!v.can_publish && !v.can_edit_notice);
        let v = s
            .assessment(&yuhuan, CITY, q(2020, 2), None)
            .await
            .expect("county");
        assert_eq!(
            order(&v),
            [(GANJIANG, Some(1), Some(1)), (CHUMEN, Some(4), Some(2))]
        );
        let v = s
            .assessment(&jiaojiang, CITY, q(2020, 2), None)
            .await
            .expect("other county");
        assert!(v.published && v.towns.is_empty() && v.counties.is_empty());
        let v = s
            .assessment(&baita, CITY, q(2020, 2), None)
            .await
            .expect("town");
        assert_eq!(order(&v), [(BAITA, Some(3), Some(2))]);
        assert!(v.counties.is_empty());
        let v = s
            .assessment(&leader, CITY, q(2020, 2), None)
            .await
            .expect("leader");
        assert_eq!(v.towns, preview.towns);
        assert!(is_not_found(
            s.assessment(&hangzhou, CITY, q(2020, 2), None).await
        ));

        // Later corrections change the live computation, not the published
        // quarter: 白塔's −1 becomes −2 in R1, 横溪 reports 200 万 for June.
        let finding = s
            .findings(
                &city,
                &meizhen_service::inspections::FindingFilter {
                    inspection_id: Some(r1[BAITA]),
                    ..Default::default()
                },
            )
            .await
            .expect("findings")
            .into_iter()
            .find(|f| f.row.item_code == "HJ02")
            .expect("HJ02");
        s.correct_finding(
            &city,
            finding.row.id,
            &CorrectionInput {
                item_code: "HJ05".into(),
                reason: "复核照片后更正".into(),
                ..CorrectionInput::default()
            },
            &meta(),
        )
        .await
        .expect("correct");
        s.submit_report(&hengxi, p3.id, ym(2020, 6), &report("200"), &meta())
            .await
            .expect("report");
        let frozen = s
            .assessment(&city, CITY, q(2020, 2), None)
            .await
            .expect("frozen");
        assert_eq!(frozen.towns, published.towns);
        assert_eq!(frozen.counties, published.counties);
        let live = s
            .assessment_preview(&city, CITY, q(2020, 2), None)
            .await
            .expect("live");
        assert!(live.published && live.live);
        assert_eq!(
            parts_of(&live, BAITA)[0],
            Some((pct(10_000 - 250, 10_000) + pct(4_700, 5_000)) / 2)
        );
        assert_eq!(parts_of(&live, HENGXI)[2], Some(pct(200, 200)));
        assert!(is_not_found(
            s.assessment_preview(&xianju, CITY, q(2020, 2), None).await
        ));

        // The notice texts: the owner office, trimmed, limited, audited.
        let notice = NoticeText {
            title: "  关于2020年第二季度美丽城镇建设动态考核情况的通报  ".into(),
            number: "台美镇办〔2020〕12号".into(),
            opening: "各县（市、区）美镇办：".into(),
            closing: "请各地对照整改。".into(),
        };
        let v = s
            .update_assessment_notice(&city, CITY, q(2020, 2), &notice, &meta())
            .await
            .expect("notice");
        assert_eq!(
            v.notice.title,
            "关于2020年第二季度美丽城镇建设动态考核情况的通报"
        );
        assert_eq!(v.notice.number, "台美镇办〔2020〕12号");
        let long = NoticeText {
            title: "题".repeat(101),
            ..notice.clone()
        };
        assert!(matches!(
            s.update_assessment_notice(&city, CITY, q(2020, 2), &long, &meta())
                .await,
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            s.update_assessment_notice(&xianju, CITY, q(2020, 2), &notice, &meta())
                .await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.update_assessment_notice(&city, CITY, q(2020, 4), &notice, &meta())
                .await,
            Err(ServiceError::Conflict(_))
        ));
        let seen = s
            .assessment(&baita, CITY, q(2020, 2), None)
            .await
            .expect("town");
        assert_eq!(seen.notice, v.notice);

        // 2020Q3 with other weights. R4 (base 50): 楚门 nothing, 干江 −9.
        round(
            &s,
            &city,
            "R4",
            "2020Q3",
            &[CHUMEN, GANJIANG],
            true,
            &[(GANJIANG, "A01"), (GANJIANG, "A01"), (GANJIANG, "A01")],
        )
        .await;
        let w3 = Weights {
            inspection: 40,
            start_rate: 20,
            investment_rate: 30,
            reporting: 10,
        };
        let w3a = [40, 20, 30, 10];
        // As of September; nothing reported for July–September (all missing).
        let want3: BTreeMap<&str, [Option<i64>; 4]> = [
            (
                BAITA,
                [None, Some(pct(1, 2)), Some(pct(450, 1000)), Some(0)],
            ),
            (
                HENGXI,
                [None, Some(pct(1, 1)), Some(pct(200, 200)), Some(0)],
            ),
            (
                CHUMEN,
                [Some(pct(5_000, 5_000)), Some(pct(0, 1)), Some(0), Some(0)],
            ),
            (GANJIANG, [Some(pct(5_000 - 900, 5_000)), None, None, None]),
        ]
        .into_iter()
        .collect();
        let v3 = s
            .publish_assessment(&city, CITY, q(2020, 3), w3, &meta())
            .await
            .expect("publish Q3");
        assert_eq!(v3.weights, w3);
        assert!(v3.previous_published);
        for (town, parts) in &want3 {
            assert_eq!(parts_of(&v3, town), *parts, "{town}");
            assert_eq!(
                line(&v3, town).total.map(|p| p.0),
                weighted(*parts, w3a),
                "{town}"
            );
        }
        // 横溪 83.33, 干江 82, 楚门 40, 白塔 39.17; Q2 was 干江, 横溪, 白塔, 楚门.
        let changes: Vec<(&str, Option<u32>, Option<RankChange>)> = v3
            .towns
            .iter()
            .map(|l| (l.town_code.as_str(), l.rank, l.change))
            .collect();
        assert_eq!(
            changes,
            [
                (HENGXI, Some(1), Some(RankChange::Up(1))),
                (GANJIANG, Some(2), Some(RankChange::Down(1))),
                (CHUMEN, Some(3), Some(RankChange::Up(1))),
                (BAITA, Some(4), Some(RankChange::Down(1))),
            ]
        );
        assert_eq!(line(&v3, HENGXI).change_label, "↑1");
        // 仙居 (83.33 + 39.17) / 2 = 61.25 over 玉环 (40 + 82) / 2 = 61.
        assert_eq!(
            counties(&v3),
            [(XIANJU, Some(6125), Some(1)), (YUHUAN, Some(6100), Some(2))]
        );
        assert_eq!(
            v3.counties.iter().map(|c| c.change).collect::<Vec<_>>(),
            [Some(RankChange::Up(1)), Some(RankChange::Down(1))]
        );
        // The stored weights come back with the frozen rows.
        let again = s
            .assessment(&leader, CITY, q(2020, 3), None)
            .await
            .expect("Q3");
        assert_eq!(again.weights, w3);
        assert_eq!(again.towns, v3.towns);

        t.finish().await;
    }
}
