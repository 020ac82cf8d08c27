//! 工作总结 on every engine, from the 台州 demo (projects, 暗访督查 and the
//! ledgers): the 2020 summary's key figures are recomputed here with plain
//! SQL over the stored rows, and must appear in the draft and in the Word
//! text; nothing is left as a placeholder; scope, a period without data,
//! concurrent saves and the history behave.
//!
//! PostgreSQL runs too when `MEIZHEN_TEST_POSTGRES_URL` is set.

use meizhen_domain::money::Fen;
use meizhen_domain::summary::{approx_count, money_zh, Layout, Period};
use meizhen_domain::RegionCode;
use meizhen_service::summary::{SectionEdit, SummaryEdit, NO_DATA};
use meizhen_service::{Actor, RequestMeta, ServiceConfig, ServiceError, Services};
use meizhen_storage::repo::scalar_i64;
use meizhen_storage::testkit::TestDb;
use meizhen_storage::Sql;
use std::io::Read;
use std::time::Instant;

const PW: &str = "Demo-2020-tz";
const CITY: &str = "3310";

fn light_config() -> ServiceConfig {
    ServiceConfig {
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        ..ServiceConfig::default()
    }
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("code")
}

async fn sql(s: &Services, text: &str) -> i64 {
    let mut tx = s.db().begin_read().await.expect("tx");
    scalar_i64(&mut tx, &Sql::new(text)).await.expect(text)
}

/// The text of word/document.xml without tags.
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    let mut out = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

#[tokio::test]
async fn taizhou_2020_summary_reads_like_the_source_with_recomputed_figures() {
    for t in TestDb::all().await {
        let s = Services::new(t.db.clone(), light_config());
        s.bootstrap(&|_, _| {}).await.expect("bootstrap");
        let started = Instant::now();
        let demo = s.demo(Some(PW)).await.expect("demo");
        s.demo_projects().await.expect("demo projects");
        s.demo_inspections(demo.accounts.first().map(|a| a.3.as_str()))
            .await
            .expect("demo inspections");
        let ledger_start = Instant::now();
        let ledgers = s.demo_ledgers().await.expect("demo ledgers");
        let ledger_took = ledger_start.elapsed();
        // Again: nothing is added twice.
        let before = sql(&s, "SELECT COUNT(*) FROM media_reports").await;
        s.demo_ledgers().await.expect("demo ledgers again");
        assert_eq!(sql(&s, "SELECT COUNT(*) FROM media_reports").await, before);
        eprintln!(
            "[{}] demo in {:.1} s (ledgers {:.2} s): {}",
            t.label,
            started.elapsed().as_secs_f64(),
            ledger_took.as_secs_f64(),
            ledgers.summary()
        );

        let system = Actor::system();
        let gen_start = Instant::now();
        let d = s
            .generate_summary(&system, &code(CITY), Period::year(2020), Layout::Mechanism)
            .await
            .expect("summary");
        eprintln!(
            "[{}] 台州 2020 summary in {:.0} ms",
            t.label,
            gen_start.elapsed().as_secs_f64() * 1000.0
        );
        assert_eq!(d.title, "台州市2020年美丽城镇建设工作总结");
        let raw = |k: &str| {
            d.figures
                .get(k)
                .and_then(|f| f.raw)
                .unwrap_or_else(|| panic!("figure {k} has a value"))
        };
        let value = |k: &str| {
            d.figures
                .get(k)
                .and_then(|f| f.value.clone())
                .unwrap_or_else(|| panic!("figure {k} has a value"))
        };

        // Recomputed from the rows. Each project's state and year-to-date
        // investment are those of its latest 2020 report.
        let latest = "FROM monthly_reports mr WHERE mr.town_code LIKE '3310%' AND mr.year = 2020 \
             AND mr.month = (SELECT MAX(m2.month) FROM monthly_reports m2 WHERE m2.project_id = mr.project_id AND m2.year = 2020)";
        let projects = sql(
            &s,
            "SELECT COUNT(*) FROM projects p JOIN project_plans pl ON pl.project_id = p.id AND pl.year = 2020 WHERE p.town_code LIKE '3310%'",
        )
        .await;
        let completed = sql(
            &s,
            &format!("SELECT COUNT(*) {latest} AND mr.status = 'completed'"),
        )
        .await;
        let started = sql(
            &s,
            &format!("SELECT COUNT(*) {latest} AND mr.status IN ('in_progress', 'completed')"),
        )
        .await;
        let invested = sql(
            &s,
            &format!("SELECT CAST(COALESCE(SUM(mr.year_cumulative_fen), 0) AS BIGINT) {latest}"),
        )
        .await;
        let media = |levels: &str| {
            format!(
                "SELECT COUNT(*) FROM media_reports WHERE region_code LIKE '3310%' AND published_on >= '2020-01-01' AND published_on <= '2020-12-31' AND level IN ({levels})"
            )
        };
        let high = sql(&s, &media("'central', 'provincial'")).await;
        let local = sql(&s, &media("'city', 'county', 'new_media'")).await;
        let staff = sql(
            &s,
            "SELECT COUNT(*) FROM work_team_members WHERE region_code LIKE '3310%' AND starts_on <= '2020-12-31' AND (ends_on IS NULL OR ends_on >= '2020-01-01')",
        )
        .await;
        let services = sql(
            &s,
            "SELECT COUNT(*) FROM expert_services WHERE town_code LIKE '3310%' AND served_on >= '2020-01-01' AND served_on <= '2020-12-31'",
        )
        .await;
        let adopted = sql(
            &s,
            "SELECT CAST(COALESCE(SUM(opinions_adopted), 0) AS BIGINT) FROM expert_services WHERE town_code LIKE '3310%' AND served_on >= '2020-01-01' AND served_on <= '2020-12-31'",
        )
        .await;
        // At the scale of the source document.
        assert!(projects > 1000, "{projects} projects");
        assert!(
            (400..500).contains(&high),
            "{high} provincial-and-above reports"
        );
        assert!((5000..5500).contains(&local), "{local} local reports");
        assert!((150..200).contains(&staff), "{staff} staff");
        assert!(services >= 200, "{services} services");

        assert_eq!(raw("projects"), projects);
        assert_eq!(raw("completed"), completed);
        assert_eq!(raw("started"), started);
        assert_eq!(raw("completed_investment"), invested);
        assert_eq!(raw("media_high"), high);
        assert_eq!(raw("media_local"), local);
        assert_eq!(raw("staff"), staff);
        assert_eq!(raw("services"), services);
        assert_eq!(raw("opinions_adopted"), adopted);
        assert_eq!(value("projects"), format!("{projects}个"));
        assert_eq!(value("completed_investment"), money_zh(Fen::new(invested)));
        assert_eq!(value("media_high"), format!("{}篇", approx_count(high)));

        // Nothing missing, and the Word text carries the figures.
        let missing: Vec<&str> = d.missing().iter().map(|f| f.label.as_str()).collect();
        assert!(missing.is_empty(), "missing figures: {missing:?}");
        let bytes = s
            .summary_docx_for(&system, &code(CITY), Period::year(2020), Layout::Mechanism)
            .await
            .expect("docx");
        let text = docx_text(&bytes);
        for want in [
            "台州市2020年美丽城镇建设工作总结".to_owned(),
            "一、取得的成绩".to_owned(),
            "二、主要工作举措".to_owned(),
            "三、存在问题".to_owned(),
            "四、下一步工作".to_owned(),
            "（一）设立工作专班".to_owned(),
            "6月30日，全省美丽城镇建设工作现场会在玉环市楚门镇召开".to_owned(),
            "10月14日，全市美丽城镇建设工作现场会在仙居县白塔镇召开".to_owned(),
            "1月8日—9日，全市美丽城镇办主任会议在玉环市召开".to_owned(),
            format!("在省级及以上媒体报道{}篇", approx_count(high)),
            format!("市县两级主流媒体、新媒体报道{}篇", approx_count(local)),
            format!("共抽调{}人", approx_count(staff)),
            format!("开工建设项目{started}个"),
            format!("完成投资额{}", money_zh(Fen::new(invested))),
            format!("开展服务{services}次"),
        ] {
            assert!(
                text.contains(&want),
                "[{}] Word text lacks “{want}”",
                t.label
            );
        }
        for bad in ["暂无数据", "xx", "{{", "亿元亿元"] {
            assert!(!text.contains(bad), "[{}] Word text has “{bad}”", t.label);
        }
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("zip");
        let mut chart = String::new();
        zip.by_name("word/charts/chart1.xml")
            .expect("a native chart")
            .read_to_string(&mut chart)
            .expect("utf-8");
        assert!(chart.contains("环境美") && chart.contains("治理美"));

        // A half-year counts its own half, and leaves out yearly indicators.
        let h1 = s
            .generate_summary(
                &system,
                &code(CITY),
                Period::half(2020, 1).expect("h1"),
                Layout::Mechanism,
            )
            .await
            .expect("first half");
        let high_h1 = sql(
            &s,
            "SELECT COUNT(*) FROM media_reports WHERE region_code LIKE '3310%' AND published_on >= '2020-01-01' AND published_on <= '2020-06-30' AND level IN ('central', 'provincial')",
        )
        .await;
        assert!(high_h1 > 0 && high_h1 < high, "{high_h1} of {high}");
        assert_eq!(h1.figures["media_high"].raw, Some(high_h1));
        assert!(!h1.figures.keys().any(|k| k.starts_with("ind_")));
        assert!(h1.missing().is_empty());
        assert_eq!(h1.title, "台州市2020年上半年美丽城镇建设工作总结");

        // By the 五美: one sub-heading per category, with its figures.
        let w = s
            .generate_summary(&system, &code(CITY), Period::year(2020), Layout::Wumei)
            .await
            .expect("wumei");
        let measures = w.section("measures").expect("measures");
        assert!(measures
            .paragraphs
            .iter()
            .any(|p| p.contains("功能便民环境美")));
        assert!(w.figures.contains_key("environment_completed"));
        assert!(w.missing().is_empty());

        // Scope: a county office sees its county only, with the same message
        // as a region that does not exist.
        let xj = s
            .login("xj.office", PW, &RequestMeta::cli())
            .await
            .expect("login")
            .0;
        for other in [CITY, "331083"] {
            let e = s
                .generate_summary(&xj, &code(other), Period::year(2020), Layout::Mechanism)
                .await
                .expect_err("out of scope");
            assert!(matches!(e, ServiceError::NotFound(_)), "{e:?}");
        }
        let own = s
            .generate_summary(&xj, &code("331024"), Period::year(2020), Layout::Mechanism)
            .await
            .expect("own county");
        assert_eq!(own.title, "仙居县2020年美丽城镇建设工作总结");
        assert!(own.figures["projects"].raw.expect("projects") < projects);

        // A period without any data: a clear message, not an empty document.
        let e = s
            .generate_summary(&system, &code(CITY), Period::year(2015), Layout::Mechanism)
            .await
            .expect_err("no data");
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.message == NO_DATA),
            "{e:?}"
        );

        // Save, edit, conflict, history.
        let tz = s
            .login("tz.office", PW, &RequestMeta::cli())
            .await
            .expect("login")
            .0;
        let v1 = s
            .create_summary(
                &tz,
                &RequestMeta::cli(),
                &code(CITY),
                Period::year(2020),
                Layout::Mechanism,
            )
            .await
            .expect("create");
        assert_eq!(v1.revision, 1);
        let id = v1.summary.id;
        let mut edit = SummaryEdit {
            title: "台州市2020年美丽城镇建设工作总结（修改稿）".into(),
            sections: v1
                .draft
                .sections
                .iter()
                .map(|sec| SectionEdit {
                    key: sec.key.clone(),
                    heading: sec.heading.clone(),
                    paragraphs: sec.paragraphs.clone(),
                })
                .collect(),
            note: Some("补充下一步工作".into()),
        };
        if let Some(next) = edit.sections.iter_mut().find(|x| x.key == "next") {
            next.paragraphs
                .push("5、谋划2021年美丽城镇建设项目，做好项目储备。".into());
        }
        let v2 = s
            .save_summary(&tz, &RequestMeta::cli(), id, 1, &edit)
            .await
            .expect("save");
        assert_eq!((v2.revision, v2.latest_revision), (2, 2));
        assert!(v2
            .draft
            .section("achievements")
            .and_then(|x| x.table.as_ref())
            .is_some());
        let e = s
            .save_summary(&tz, &RequestMeta::cli(), id, 1, &edit)
            .await
            .expect_err("stale base");
        assert!(matches!(e, ServiceError::Conflict(_)), "{e:?}");
        let history = s.summary_history(&tz, id).await.expect("history");
        assert_eq!(
            history.iter().map(|h| h.revision).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(history[0].note, "补充下一步工作");
        let old = s.summary_revision(&tz, id, 1).await.expect("revision 1");
        assert_eq!(old.draft.title, "台州市2020年美丽城镇建设工作总结");
        let (name, bytes) = s.summary_docx(&tz, id, None).await.expect("docx");
        assert!(name.ends_with(".docx"));
        assert!(docx_text(&bytes).contains("谋划2021年美丽城镇建设项目"));
        let e = s
            .summary(&xj, id)
            .await
            .expect_err("county cannot read the city's");
        assert!(matches!(e, ServiceError::NotFound(_)));
        let leader = s
            .login("tz.leader", PW, &RequestMeta::cli())
            .await
            .expect("login")
            .0;
        let e = s
            .save_summary(&leader, &RequestMeta::cli(), id, 2, &edit)
            .await
            .expect_err("leaders read");
        assert!(matches!(e, ServiceError::Forbidden(_)));
        let audited = sql(
            &s,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'summary' AND entity_id = '{id}'"
            ),
        )
        .await;
        assert_eq!(audited, 2);

        // The dashboard shows the same numbers as the summary.
        let dash = s
            .dashboard(&tz, &code(CITY), 2020)
            .await
            .expect("dashboard");
        assert_eq!(dash.facts.projects.current.projects, projects);
        assert_eq!(dash.facts.publicity.provincial_and_above, high);
        assert_eq!(dash.trend.len(), 12);
        assert!(!dash.children.is_empty());
    }
}
