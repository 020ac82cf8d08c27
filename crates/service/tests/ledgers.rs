//! 台账 through the services, on every engine: 仙居县 keeps its experts,
//! pairings and service log, media reports, meetings, work teams and town
//! indicators; every write is audited; 玉环 sees none of it; leaders read
//! only; town staff write only their own town (other towns are out of their
//! scope: not found); messy Excel sheets import
//! (title rows, a merged two-row header, 合计 and blank rows, full-width
//! digits), re-import updates, a dry run writes nothing, and exports read
//! back.
//!
//! PostgreSQL runs too when `MEIZHEN_TEST_POSTGRES_URL` is set.

use meizhen_documents::table::{read_table, ColumnSpec};
use meizhen_domain::ledger::LedgerKind;
use meizhen_domain::page::PageRequest;
use meizhen_domain::RegionCode;
use meizhen_service::audit::AuditFilter;
use meizhen_service::ledgers::import::columns;
use meizhen_service::ledgers::{
    ExpertInput, ExpertPairingInput, ExpertServiceInput, IndicatorInput, IndicatorValueInput,
    LedgerFilter, MediaReportInput, MeetingInput, WorkTeamMemberInput,
};
use meizhen_service::users::UserInput;
use meizhen_service::{Actor, RequestMeta, ServiceConfig, ServiceError, Services};
use meizhen_storage::testkit::TestDb;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use std::fmt::Debug;

const PW: &str = "Ledger-2020-xj";
const XIANJU: &str = "331024";
const BAITA: &str = "331024103";
const HENGXI: &str = "331024101";

fn meta() -> RequestMeta {
    RequestMeta {
        address: "127.0.0.1".into(),
    }
}

fn page() -> PageRequest {
    PageRequest::new(Some(1), Some(200))
}

fn region(code: &str) -> Option<RegionCode> {
    Some(RegionCode::parse(code).expect("code"))
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

fn invalid<T: Debug>(r: Result<T, ServiceError>, what: &str) -> (String, String) {
    match r {
        Err(ServiceError::Invalid(v)) => (v.field.to_owned(), v.message),
        other => panic!("{what}: expected invalid input, got {other:?}"),
    }
}

struct Cast {
    city: Actor,
    leader: Actor,
    xj: Actor,
    yh: Actor,
    baita: Actor,
    expert: Actor,
}

async fn cast(s: &Services) -> Cast {
    for (username, role, region) in [
        ("l.city", "city_office", "3310"),
        ("l.leader", "leader", "3310"),
        ("l.xj", "county_office", XIANJU),
        ("l.yh", "county_office", "331083"),
        ("l.baita", "town_staff", BAITA),
        ("l.expert", "expert", XIANJU),
    ] {
        s.create_user_as_system(&UserInput {
            username: username.into(),
            display_name: format!("台账测试 {username}"),
            role: role.into(),
            region: region.into(),
            department: None,
            password: Some(PW.into()),
        })
        .await
        .expect(username);
    }
    let login = |u: &'static str| async move { s.login(u, PW, &meta()).await.expect(u).0 };
    Cast {
        city: login("l.city").await,
        leader: login("l.leader").await,
        xj: login("l.xj").await,
        yh: login("l.yh").await,
        baita: login("l.baita").await,
        expert: login("l.expert").await,
    }
}

async fn services(t: &TestDb) -> Services {
    let s = Services::new(
        t.db.clone(),
        ServiceConfig {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            files_dir: std::env::temp_dir().join(format!("meizhen_ledgers_{}", t.label)),
            ..ServiceConfig::default()
        },
    );
    s.bootstrap(&|_, _| {}).await.expect("bootstrap");
    s
}

async fn audit(s: &Services, entity: &str, id: i64) -> Vec<(String, String)> {
    let admin = Actor::system();
    let entries = s
        .audit_entries(
            &admin,
            &AuditFilter {
                entity: Some(entity.into()),
                entity_id: Some(id.to_string()),
                ..AuditFilter::default()
            },
            &page(),
        )
        .await
        .expect("audit");
    entries
        .items
        .into_iter()
        .map(|e| (e.action, e.changes))
        .collect()
}

fn expert_input(name: &str) -> ExpertInput {
    ExpertInput {
        region_code: XIANJU.into(),
        name: name.into(),
        role: "首席设计师".into(),
        organisation: "浙江省城乡规划设计研究院".into(),
        title: "高级工程师".into(),
        ..ExpertInput::default()
    }
}

fn media(region: &str, title: &str) -> MediaReportInput {
    MediaReportInput {
        region_code: region.into(),
        published_on: "2020年10月8日".into(),
        title: title.into(),
        outlet: "浙江日报".into(),
        level: "省级".into(),
        medium: "报刊".into(),
        link: "https://zjrb.zjol.com.cn/a".into(),
        note: String::new(),
    }
}

/// The rows of an exported (or any) sheet, read back with the importer's
/// own columns: (row count, total row skipped).
fn read_back(bytes: &[u8], spec: &[ColumnSpec]) -> (usize, bool) {
    let t = read_table(bytes, spec).expect("exported sheet reads back");
    let total = t
        .skipped
        .iter()
        .any(|(_, why)| why.to_string().contains("合计"));
    (t.rows.len(), total)
}

#[tokio::test]
async fn records_audit_scope_and_permissions() {
    for t in TestDb::all().await {
        let s = services(&t).await;
        let c = cast(&s).await;
        let m = meta();
        let label = t.label;

        // --- Experts: CRUD with audit -------------------------------------
        let wu = s
            .create_expert(&c.xj, &m, &expert_input(" 吴建国 "))
            .await
            .expect("create expert");
        assert_eq!(wu.name, "吴建国");
        assert_eq!(wu.role, "chief_designer");
        assert_eq!(wu.region_name, "仙居县");
        let updated = s
            .update_expert(
                &c.xj,
                &m,
                wu.id,
                &ExpertInput {
                    team: "仙居县专家团队".into(),
                    ..expert_input("吴建国")
                },
            )
            .await
            .expect("update expert");
        assert_eq!(updated.team, "仙居县专家团队");
        let trail = audit(&s, "expert", wu.id).await;
        let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["update", "create"], "{label}: newest first");
        assert!(trail[0].1.contains("team"), "{label}: {}", trail[0].1);

        let (field, msg) = invalid(
            s.create_expert(&c.xj, &m, &expert_input("  ")).await,
            "no name",
        );
        assert_eq!((field.as_str(), msg.as_str()), ("name", "请填写专家姓名"));
        assert!(matches!(
            s.create_expert(&c.xj, &m, &expert_input("吴建国")).await,
            Err(ServiceError::Conflict(_))
        ));

        // --- Scope: another county sees and writes nothing ----------------
        let yh_list = s
            .list_experts(&c.yh, &LedgerFilter::default(), page())
            .await
            .expect("yh list");
        assert_eq!(yh_list.total, 0, "{label}");
        not_found(s.expert(&c.yh, wu.id).await, "yh reads xj expert");
        not_found(
            s.update_expert(&c.yh, &m, wu.id, &expert_input("吴建国"))
                .await,
            "yh updates xj expert",
        );
        not_found(s.delete_expert(&c.yh, &m, wu.id).await, "yh deletes");
        not_found(
            s.create_expert(&c.yh, &m, &expert_input("玉环写仙居"))
                .await,
            "yh creates in xj",
        );
        let f_xj = LedgerFilter {
            region: region(XIANJU),
            ..LedgerFilter::default()
        };
        not_found(
            s.export_ledger(&c.yh, LedgerKind::Experts, &f_xj).await,
            "yh exports xj",
        );
        let own = s
            .export_ledger(&c.yh, LedgerKind::Experts, &LedgerFilter::default())
            .await
            .expect("yh exports own");
        assert_eq!(read_back(&own, columns(LedgerKind::Experts)).0, 0);

        // --- Leaders read only; town staff write only their own town ------
        assert_eq!(
            s.list_experts(&c.leader, &LedgerFilter::default(), page())
                .await
                .expect("leader list")
                .total,
            1
        );
        forbidden(
            s.create_expert(&c.leader, &m, &expert_input("领导")).await,
            "leader creates",
        );
        forbidden(
            s.delete_expert(&c.leader, &m, wu.id).await,
            "leader deletes",
        );
        forbidden(
            s.create_expert(
                &c.baita,
                &m,
                &ExpertInput {
                    region_code: BAITA.into(),
                    ..expert_input("镇里专家")
                },
            )
            .await,
            "town staff keep no expert list",
        );
        let own_report = s
            .create_media_report(&c.baita, &m, &media(BAITA, "白塔老街焕新颜"))
            .await
            .expect("town reports its own");
        assert_eq!(own_report.region_name, "白塔镇");
        assert_eq!(own_report.published_on, "2020-10-08");
        not_found(
            s.create_media_report(&c.baita, &m, &media(HENGXI, "替横溪登记"))
                .await,
            "town staff for another town",
        );
        not_found(
            s.create_media_report(&c.baita, &m, &media(XIANJU, "替县里登记"))
                .await,
            "town staff for the county",
        );
        forbidden(
            s.create_media_report(&c.leader, &m, &media(XIANJU, "领导登记"))
                .await,
            "leader",
        );
        let (field, _) = invalid(
            s.create_media_report(
                &c.xj,
                &m,
                &MediaReportInput {
                    link: "zjol.com.cn/a".into(),
                    ..media(XIANJU, "链接不对")
                },
            )
            .await,
            "bad link",
        );
        assert_eq!(field, "link");
        let county_report = s
            .create_media_report(&c.xj, &m, &media(XIANJU, "仙居全域美丽城镇"))
            .await
            .expect("county report");
        let media_audit = audit(&s, "media_report", county_report.id).await;
        assert_eq!(media_audit.len(), 1);
        assert_eq!(media_audit[0].0, "create");

        // --- Pairings and services ----------------------------------------
        let pairing = s
            .create_expert_pairing(
                &c.xj,
                &m,
                &ExpertPairingInput {
                    expert_id: wu.id,
                    town_code: BAITA.into(),
                    kind: "双师".into(),
                    starts_on: "2020.3".into(),
                    ..ExpertPairingInput::default()
                },
            )
            .await
            .expect("pairing");
        assert_eq!(
            (pairing.expert_name.as_str(), pairing.starts_on.as_str()),
            ("吴建国", "2020-03-01")
        );
        forbidden(
            s.create_expert_pairing(
                &c.baita,
                &m,
                &ExpertPairingInput {
                    expert_id: wu.id,
                    town_code: BAITA.into(),
                    kind: "结对帮扶".into(),
                    starts_on: "2020-04-01".into(),
                    ..ExpertPairingInput::default()
                },
            )
            .await,
            "town staff pair",
        );
        let service = |town: &str, on: &str, given: &str, adopted: &str| ExpertServiceInput {
            town_code: town.into(),
            expert_id: wu.id,
            served_on: on.into(),
            service_type: "方案审查".into(),
            project_id: None,
            content: "审查立面改造方案".into(),
            opinions_given: given.into(),
            opinions_adopted: adopted.into(),
        };
        let sv = s
            .create_expert_service(&c.baita, &m, &service(BAITA, "2020-06-18", "５", "4"))
            .await
            .expect("town logs a service");
        assert_eq!((sv.opinions_given, sv.opinions_adopted), (5, 4));
        assert_eq!(sv.expert_name, "吴建国");
        let (field, msg) = invalid(
            s.create_expert_service(&c.baita, &m, &service(BAITA, "2020-06-19", "2", "3"))
                .await,
            "adopted > given",
        );
        assert_eq!(field, "opinions_adopted");
        assert!(msg.contains("多于"), "{msg}");
        not_found(
            s.create_expert_service(&c.baita, &m, &service(HENGXI, "2020-06-19", "2", "1"))
                .await,
            "town staff for another town",
        );
        let by_expert = s
            .create_expert_service(&c.expert, &m, &service(HENGXI, "2020-07-02", "3", "3"))
            .await
            .expect("an expert logs a service in scope");
        not_found(
            s.expert_service(&c.yh, by_expert.id).await,
            "yh reads a xj service",
        );
        let (field, _) = invalid(
            s.create_expert_service(
                &c.yh,
                &m,
                &ExpertServiceInput {
                    town_code: "331083102".into(),
                    ..service(BAITA, "2020-07-03", "1", "1")
                },
            )
            .await,
            "yh names a xj expert",
        );
        assert_eq!(field, "expert_id");
        // An expert with services cannot be deleted out from under them.
        assert!(matches!(
            s.delete_expert(&c.xj, &m, wu.id).await,
            Err(ServiceError::Conflict(_))
        ));

        // --- Meetings and work teams --------------------------------------
        let meeting = s
            .create_meeting(
                &c.xj,
                &m,
                &MeetingInput {
                    region_code: XIANJU.into(),
                    held_on: "2020-05-20".into(),
                    kind: "推进会".into(),
                    title: "全县美丽城镇建设推进会".into(),
                    place: "县行政中心".into(),
                    ..MeetingInput::default()
                },
            )
            .await
            .expect("meeting");
        assert_eq!(meeting.level, "county");
        let (field, _) = invalid(
            s.update_meeting(
                &c.xj,
                &m,
                meeting.id,
                &MeetingInput {
                    region_code: XIANJU.into(),
                    held_on: "2020-05-20".into(),
                    ends_on: "2020-05-19".into(),
                    kind: "推进会".into(),
                    title: "全县美丽城镇建设推进会".into(),
                    ..MeetingInput::default()
                },
            )
            .await,
            "ends before",
        );
        assert_eq!(field, "ends_on");
        let member = WorkTeamMemberInput {
            region_code: "3310".into(),
            name: "李明".into(),
            home_unit: "市住建局".into(),
            starts_on: "2020年3月".into(),
            ..WorkTeamMemberInput::default()
        };
        s.create_work_team_member(&c.city, &m, &member)
            .await
            .expect("city team");
        not_found(
            s.create_work_team_member(&c.xj, &m, &member).await,
            "county writes the city's team",
        );

        // --- Indicators: defined above, entered by towns ------------------
        let ind = s
            .create_indicator(
                &c.city,
                &m,
                &IndicatorInput {
                    region_code: "3310".into(),
                    code: "meili_tingyuan".into(),
                    name: "美丽庭院".into(),
                    unit: "户".into(),
                    period: "年度".into(),
                    target: "1,000".into(),
                    ..IndicatorInput::default()
                },
            )
            .await
            .expect("indicator");
        let seen = s
            .list_indicators(&c.baita, &LedgerFilter::default(), page())
            .await
            .expect("town sees the city's indicator");
        assert_eq!(seen.total, 1);
        forbidden(
            s.delete_indicator(&c.baita, &m, ind.id).await,
            "town deletes a definition",
        );
        let value = |town: &str, period: &str, v: &str| IndicatorValueInput {
            indicator_id: ind.id,
            town_code: town.into(),
            period: period.into(),
            value: v.into(),
            note: String::new(),
        };
        let v1 = s
            .create_indicator_value(&c.baita, &m, &value(BAITA, "2020年", "１２０户"))
            .await
            .expect("town value");
        assert_eq!((v1.period.as_str(), v1.value_milli), ("2020", 120_000));
        assert_eq!(v1.indicator_name, "美丽庭院");
        not_found(
            s.create_indicator_value(&c.baita, &m, &value(HENGXI, "2020", "80"))
                .await,
            "town enters another town's value",
        );
        s.create_indicator_value(&c.xj, &m, &value(HENGXI, "2020", "80.5"))
            .await
            .expect("county enters for a town");
        let (field, _) = invalid(
            s.create_indicator_value(&c.xj, &m, &value(HENGXI, "2020Q1", "1"))
                .await,
            "quarter for a yearly indicator",
        );
        assert_eq!(field, "period");
        let (field, _) = invalid(
            s.create_indicator_value(&c.xj, &m, &value(XIANJU, "2021", "1"))
                .await,
            "county level value",
        );
        assert_eq!(field, "town_code");
        assert_eq!(
            s.list_indicator_values(&c.yh, &LedgerFilter::default(), page())
                .await
                .expect("yh values")
                .total,
            0
        );

        // --- Headline counts, independently recounted ---------------------
        let counts = s
            .ledger_counts(&c.xj, &RegionCode::parse(XIANJU).expect("code"), 2020)
            .await
            .expect("counts");
        assert_eq!(counts.experts, 1);
        assert_eq!(counts.expert_pairings, 1);
        assert_eq!(counts.expert_services, 2);
        assert_eq!((counts.opinions_given, counts.opinions_adopted), (8, 7));
        assert_eq!(counts.media_reports, 2);
        assert!(counts
            .media_by_level
            .contains(&("provincial".to_owned(), 2)));
        assert_eq!(counts.meetings, 1);
        assert_eq!(counts.indicator_values, 2);
        assert_eq!(counts.work_team_members, 0, "the city's team is above");
        not_found(
            s.ledger_counts(&c.yh, &RegionCode::parse(XIANJU).expect("code"), 2020)
                .await,
            "yh counts xj",
        );

        // --- Export reads back: the rows and a 合计 row --------------------
        let f2020 = LedgerFilter {
            year: Some(2020),
            ..LedgerFilter::default()
        };
        let xlsx = s
            .export_ledger(&c.xj, LedgerKind::ExpertServices, &f2020)
            .await
            .expect("export services");
        assert_eq!(
            read_back(&xlsx, columns(LedgerKind::ExpertServices)),
            (2, true)
        );
        let xlsx = s
            .export_ledger(&c.city, LedgerKind::IndicatorValues, &f2020)
            .await
            .expect("export values");
        assert_eq!(
            read_back(&xlsx, columns(LedgerKind::IndicatorValues)),
            (2, true)
        );

        // --- Delete, audited -----------------------------------------------
        s.delete_expert_service(&c.xj, &m, by_expert.id)
            .await
            .expect("delete service");
        let trail = audit(&s, "expert_service", by_expert.id).await;
        assert_eq!(trail[0].0, "delete");
        not_found(
            s.expert_service(&c.xj, by_expert.id).await,
            "deleted service",
        );
        t.finish().await;
    }
}

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

fn w(ws: &mut Worksheet, r: u32, c: u16, s: &str) {
    ws.write_string(r, c, s).expect("write");
}

/// 宣传报道 as 仙居 keeps it: a title, a 填报单位 line, a two-row header
/// (序号/发布日期/所属地区/报道标题 merged down over 媒体情况 → 媒体名称 |
/// 级别 | 类型), Excel dates and full-width text dates, a blank row, a 合计
/// row, a row repeating another, a bad level, and a 注 line at the end.
fn messy_media_sheet() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 6, "仙居县2020年美丽城镇宣传报道统计表", &bold)
        .expect("title");
    w(ws, 1, 0, "填报单位：仙居县美镇办");
    for (c, h) in [
        (0, "序号"),
        (1, "发布日期"),
        (2, "所属地区"),
        (3, "报道标题"),
    ] {
        ws.merge_range(2, c, 3, c, h, &bold).expect("header");
    }
    ws.merge_range(2, 4, 2, 6, "媒体情况", &bold)
        .expect("group");
    w(ws, 3, 4, "媒体名称");
    w(ws, 3, 5, "级别");
    w(ws, 3, 6, "类型");
    // Row 5 (Excel): a real date cell.
    w(ws, 4, 0, "1");
    ws.write_datetime_with_format(
        4,
        1,
        ExcelDateTime::from_ymd(2020, 3, 5).expect("date"),
        &date,
    )
    .expect("date cell");
    for (c, v) in [
        (2, ""),
        (3, "仙居打造美丽城镇样板"),
        (4, "浙江日报"),
        (5, "省级"),
        (6, "报刊"),
    ] {
        if !v.is_empty() {
            w(ws, 4, c, v);
        }
    }
    let rows: [(u32, [&str; 7]); 6] = [
        (
            5,
            [
                "2",
                "２０２０年４月１０日",
                "白塔",
                "白塔老街焕新颜",
                "台州日报",
                "市级",
                "报纸",
            ],
        ),
        (
            6,
            [
                "3",
                "2020.5.6",
                "仙居县横溪镇",
                "横溪污水零直排",
                "仙居新闻网",
                "县级",
                "网站",
            ],
        ),
        // Row 8 blank (index 7).
        (8, ["", "", "", "合计", "3篇", "", ""]),
        (
            9,
            [
                "4",
                "2020-04-10",
                "白塔镇",
                "白塔老街焕新颜",
                "台州日报",
                "市级",
                "报刊",
            ],
        ),
        (
            10,
            [
                "5",
                "2020-06-01",
                "仙居县",
                "全县推进会召开",
                "仙居广播",
                "区级",
                "广播",
            ],
        ),
        (
            11,
            [
                "6",
                "2020-06-02",
                "",
                "全域美丽城镇",
                "学习强国",
                "中央",
                "微信公众号",
            ],
        ),
    ];
    for (r, cells) in rows {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                w(ws, r, c as u16, v);
            }
        }
    }
    w(ws, 12, 0, "注：级别填中央、省级、市级、县级或新媒体。");
    wb.save_to_buffer().expect("xlsx")
}

/// 专家服务记录 with the county in its own column, an Excel date, a 小计 row
/// and full-width counts.
fn services_sheet() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    w(ws, 0, 0, "2020年仙居县专家服务乡镇台账");
    for (c, h) in [
        "序号",
        "县（市、区）",
        "服务乡镇",
        "专家姓名",
        "服务类型",
        "服务日期",
        "提出意见（条）",
        "采纳意见（条）",
    ]
    .iter()
    .enumerate()
    {
        w(ws, 1, c as u16, h);
    }
    let rows: [[&str; 8]; 4] = [
        [
            "1",
            "仙居县",
            "白塔",
            "吴建国",
            "现场指导",
            "2020年6月18日",
            "５",
            "３",
        ],
        [
            "2",
            "仙居县",
            "横溪镇",
            "吴建国",
            "图纸审查",
            "2020.7.2",
            "4",
            "4",
        ],
        ["", "小计", "", "", "", "", "9", "7"],
        [
            "3",
            "仙居县",
            "横溪镇",
            "无名氏",
            "现场指导",
            "2020.7.3",
            "1",
            "1",
        ],
    ];
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                w(ws, r as u32 + 2, c as u16, v);
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn messy_sheets_import_update_and_dry_run() {
    for t in TestDb::all().await {
        let s = services(&t).await;
        let c = cast(&s).await;
        let m = meta();
        let label = t.label;
        let sheet = messy_media_sheet();
        let all = LedgerFilter::default();

        // A dry run reports but writes nothing.
        let dry = s
            .import_ledger(&c.xj, &m, LedgerKind::MediaReports, &sheet, true)
            .await
            .expect("dry run");
        assert_eq!((dry.imported, dry.updated), (4, 0), "{label}: {dry:?}");
        assert_eq!(
            s.list_media_reports(&c.xj, &all, page())
                .await
                .expect("list")
                .total,
            0,
            "{label}: dry run wrote nothing"
        );

        let r = s
            .import_ledger(&c.xj, &m, LedgerKind::MediaReports, &sheet, false)
            .await
            .expect("import");
        assert_eq!((r.imported, r.updated), (4, 0), "{label}: {r:?}");
        assert_eq!(r.rejected.len(), 1, "{label}: {r:?}");
        assert_eq!(r.rejected[0].row, 11, "the bad level's Excel row");
        assert!(r.rejected[0].reason.contains("“区级”"), "{r:?}");
        assert_eq!(r.duplicates.len(), 1);
        assert_eq!((r.duplicates[0].row, r.duplicates[0].first_row), (10, 6));
        assert!(r
            .skipped
            .iter()
            .any(|(row, why)| *row == 9 && why.contains("合计")));
        assert!(r
            .skipped
            .iter()
            .any(|(row, why)| *row == 8 && why == "空行"));
        assert!(r
            .skipped
            .iter()
            .any(|(row, why)| *row == 13 && why.contains("注")));

        let listed = s
            .list_media_reports(&c.xj, &all, page())
            .await
            .expect("list")
            .items;
        let mut got: Vec<(String, String, String, String)> = listed
            .iter()
            .map(|x| {
                (
                    x.published_on.clone(),
                    x.region_code.clone(),
                    x.level.clone(),
                    x.medium.clone(),
                )
            })
            .collect();
        got.sort();
        let want: Vec<(String, String, String, String)> = [
            ("2020-03-05", XIANJU, "provincial", "print"),
            ("2020-04-10", BAITA, "city", "print"),
            ("2020-05-06", HENGXI, "county", "online"),
            ("2020-06-02", XIANJU, "central", "online"),
        ]
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
        assert_eq!(got, want, "{label}");
        let first = listed
            .iter()
            .find(|x| x.published_on == "2020-03-05")
            .expect("imported");
        let trail = audit(&s, "media_report", first.id).await;
        assert_eq!(trail.len(), 1);

        // Re-import: the same records are updated, none duplicated.
        let again = s
            .import_ledger(&c.xj, &m, LedgerKind::MediaReports, &sheet, false)
            .await
            .expect("re-import");
        assert_eq!(
            (again.imported, again.updated),
            (0, 4),
            "{label}: {again:?}"
        );
        assert_eq!(
            s.list_media_reports(&c.xj, &all, page())
                .await
                .expect("list")
                .total,
            4
        );
        assert_eq!(audit(&s, "media_report", first.id).await[0].0, "update");

        // Out of scope: 玉环 cannot place 仙居's towns; a leader cannot import.
        let yh = s
            .import_ledger(&c.yh, &m, LedgerKind::MediaReports, &sheet, false)
            .await
            .expect("yh import runs");
        // Only the rows without a region (its own) go in, to 玉环.
        assert_eq!((yh.imported, yh.updated), (2, 0), "{label}: {yh:?}");
        let rows: Vec<u32> = yh.rejected.iter().map(|x| x.row).collect();
        assert_eq!(rows, [6, 7, 10, 11], "{label}: {yh:?}");
        assert!(yh.rejected[1].reason.contains("仙居县横溪镇"), "{yh:?}");
        assert_eq!(
            s.list_media_reports(&c.xj, &all, page())
                .await
                .expect("list")
                .total,
            4,
            "yh changed nothing of xj"
        );
        forbidden(
            s.import_ledger(&c.leader, &m, LedgerKind::MediaReports, &sheet, false)
                .await,
            "leader import",
        );
        // A town imports only its own town's rows.
        let bt = s
            .import_ledger(&c.baita, &m, LedgerKind::MediaReports, &sheet, true)
            .await
            .expect("town dry run");
        assert_eq!(bt.updated, 1, "{label}: {bt:?}");

        // Expert services name experts from the list; an unknown one is
        // rejected with its row.
        s.create_expert(&c.xj, &m, &expert_input("吴建国"))
            .await
            .expect("expert");
        let sv = s
            .import_ledger(
                &c.xj,
                &m,
                LedgerKind::ExpertServices,
                &services_sheet(),
                false,
            )
            .await
            .expect("services import");
        assert_eq!(sv.imported, 2, "{label}: {sv:?}");
        assert_eq!(sv.rejected.len(), 1);
        assert_eq!(sv.rejected[0].row, 6);
        assert!(sv.rejected[0].reason.contains("无名氏"));
        let logged = s
            .list_expert_services(&c.xj, &all, page())
            .await
            .expect("services");
        let given: i32 = logged.items.iter().map(|x| x.opinions_given).sum();
        let adopted: i32 = logged.items.iter().map(|x| x.opinions_adopted).sum();
        assert_eq!((given, adopted), (9, 7));

        // An exported sheet imports back onto itself.
        let exported = s
            .export_ledger(&c.xj, LedgerKind::MediaReports, &all)
            .await
            .expect("export");
        let back = s
            .import_ledger(&c.xj, &m, LedgerKind::MediaReports, &exported, true)
            .await
            .expect("round trip");
        assert_eq!((back.imported, back.updated), (0, 4), "{label}: {back:?}");
        assert!(back.rejected.is_empty(), "{back:?}");

        // Not a workbook: a clear message.
        let (field, msg) = invalid(
            s.import_ledger(&c.xj, &m, LedgerKind::Meetings, b"not excel", false)
                .await,
            "garbage",
        );
        assert_eq!(field, "file");
        assert!(msg.contains("Excel"), "{msg}");
        t.finish().await;
    }
}

/// A sheet from a header row and rows of text; `Some(n)` cells are numbers.
fn simple_sheet(title: &str, header: &[&str], rows: &[Vec<Result<f64, &str>>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    w(ws, 0, 0, title);
    for (c, h) in header.iter().enumerate() {
        w(ws, 1, c as u16, h);
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            let (r, c) = (r as u32 + 2, c as u16);
            match v {
                Ok(n) => {
                    ws.write_number(r, c, *n).expect("number");
                }
                Err("") => {}
                Err(s) => w(ws, r, c, s),
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn experts_teams_meetings_and_indicator_values_import() {
    for t in TestDb::all().await {
        let s = services(&t).await;
        let c = cast(&s).await;
        let m = meta();
        let label = t.label;
        let all = LedgerFilter::default();

        // Experts: role labels and aliases, full-width phone digits, a bad role.
        let experts = simple_sheet(
            "仙居县美丽城镇专家名录",
            &["序号", "姓名", "专家类别", "工作单位", "职称", "联系电话"],
            &[
                vec![
                    Ok(1.0),
                    Err("吴建国"),
                    Err("首席设计师"),
                    Err("省城乡院"),
                    Err("高工"),
                    Err("１３９０００００００１"),
                ],
                vec![
                    Ok(2.0),
                    Err("陈芳"),
                    Err("驻镇规划师"),
                    Err("县规划院"),
                    Err(""),
                    Err(""),
                ],
                vec![
                    Ok(3.0),
                    Err("王五"),
                    Err("院士"),
                    Err("某大学"),
                    Err(""),
                    Err(""),
                ],
            ],
        );
        let r = s
            .import_ledger(&c.xj, &m, LedgerKind::Experts, &experts, false)
            .await
            .expect("experts");
        assert_eq!((r.imported, r.updated), (2, 0), "{label}: {r:?}");
        assert_eq!(r.rejected.len(), 1);
        assert_eq!(r.rejected[0].row, 5);
        assert!(r.rejected[0].reason.contains("专家类别“院士”无效"), "{r:?}");
        let list = s.list_experts(&c.xj, &all, page()).await.expect("experts");
        let wu = list
            .items
            .iter()
            .find(|e| e.name == "吴建国")
            .expect("imported");
        assert_eq!(
            (wu.role.as_str(), wu.phone.as_str()),
            ("chief_designer", "13900000001")
        );
        assert_eq!(wu.region_code, XIANJU);
        let again = s
            .import_ledger(&c.xj, &m, LedgerKind::Experts, &experts, false)
            .await
            .expect("experts again");
        assert_eq!((again.imported, again.updated), (0, 2), "{label}");
        // Town staff keep no expert list: every row is refused, nothing written.
        let bt = s
            .import_ledger(&c.baita, &m, LedgerKind::Experts, &experts, false)
            .await
            .expect("town import runs");
        assert_eq!((bt.imported, bt.updated), (0, 0));
        assert!(
            bt.rejected.iter().any(|x| x.reason.contains("无权")),
            "{bt:?}"
        );

        // Work teams: months as dates, an end before its start.
        let teams = simple_sheet(
            "仙居县美丽城镇工作专班人员名单",
            &["序号", "姓名", "原单位", "专班岗位", "抽调时间", "结束时间"],
            &[
                vec![
                    Ok(1.0),
                    Err("李明"),
                    Err("县住建局"),
                    Err("综合组"),
                    Err("2020.3"),
                    Err(""),
                ],
                vec![
                    Ok(2.0),
                    Err("赵丽"),
                    Err("县自然资源局"),
                    Err("规划组"),
                    Err("2020年4月"),
                    Err("2020年3月"),
                ],
            ],
        );
        let r = s
            .import_ledger(&c.xj, &m, LedgerKind::WorkTeamMembers, &teams, false)
            .await
            .expect("teams");
        assert_eq!(r.imported, 1, "{label}: {r:?}");
        assert_eq!(r.rejected.len(), 1);
        assert!(r.rejected[0].reason.contains("早于"), "{r:?}");
        let team = s
            .list_work_team_members(
                &c.xj,
                &LedgerFilter {
                    year: Some(2020),
                    ..LedgerFilter::default()
                },
                page(),
            )
            .await
            .expect("teams");
        assert_eq!(team.items[0].starts_on, "2020-03-01");

        // Meetings: the level defaults to the region's.
        let meetings = simple_sheet(
            "会议台账",
            &["会议日期", "会议名称", "会议类型", "地点", "所属地区"],
            &[vec![
                Err("2020年5月20日"),
                Err("白塔镇美丽城镇建设例会"),
                Err("例会"),
                Err("镇政府"),
                Err("白塔镇"),
            ]],
        );
        let r = s
            .import_ledger(&c.baita, &m, LedgerKind::Meetings, &meetings, false)
            .await
            .expect("meetings");
        assert_eq!(r.imported, 1, "{label}: {r:?}");
        let mt = s
            .list_meetings(&c.xj, &all, page())
            .await
            .expect("meetings");
        assert_eq!(
            (mt.items[0].level.as_str(), mt.items[0].region_code.as_str()),
            ("town", BAITA)
        );

        // Indicator values: the city's and the county's indicators, by name
        // or code, years typed as numbers, full-width digits, wrong periods.
        let yearly = s
            .create_indicator(
                &c.city,
                &m,
                &IndicatorInput {
                    region_code: "3310".into(),
                    code: "mlty".into(),
                    name: "美丽庭院".into(),
                    unit: "户".into(),
                    period: "year".into(),
                    ..IndicatorInput::default()
                },
            )
            .await
            .expect("city indicator");
        s.create_indicator(
            &c.xj,
            &m,
            &IndicatorInput {
                region_code: XIANJU.into(),
                code: "ljfl".into(),
                name: "垃圾分类示范村".into(),
                unit: "个".into(),
                period: "季度".into(),
                ..IndicatorInput::default()
            },
        )
        .await
        .expect("county indicator");
        let values = simple_sheet(
            "2020年各乡镇指标完成情况",
            &["县（市、区）", "乡镇", "指标名称", "统计期", "数值"],
            &[
                vec![
                    Err("仙居县"),
                    Err("白塔"),
                    Err("美丽庭院"),
                    Ok(2020.0),
                    Ok(120.0),
                ],
                vec![
                    Err("仙居县"),
                    Err("横溪镇"),
                    Err("mlty"),
                    Err("2020年"),
                    Err("１，２００.5"),
                ],
                vec![
                    Err(""),
                    Err("白塔镇"),
                    Err("垃圾分类示范村"),
                    Err("2020年第三季度"),
                    Ok(3.0),
                ],
                vec![
                    Err(""),
                    Err("白塔镇"),
                    Err("美丽庭院"),
                    Err("2020Q1"),
                    Ok(5.0),
                ],
                vec![
                    Err(""),
                    Err("白塔镇"),
                    Err("文化礼堂"),
                    Err("2020"),
                    Ok(1.0),
                ],
            ],
        );
        let r = s
            .import_ledger(&c.xj, &m, LedgerKind::IndicatorValues, &values, false)
            .await
            .expect("values");
        assert_eq!(r.imported, 3, "{label}: {r:?}");
        let rows: Vec<u32> = r.rejected.iter().map(|x| x.row).collect();
        assert_eq!(rows, [6, 7], "{label}: {r:?}");
        assert!(r.rejected[0].reason.contains("统计期"), "{r:?}");
        assert!(r.rejected[1].reason.contains("文化礼堂"), "{r:?}");
        let got = s
            .list_indicator_values(
                &c.xj,
                &LedgerFilter {
                    indicator_id: Some(yearly.id),
                    ..LedgerFilter::default()
                },
                page(),
            )
            .await
            .expect("values");
        let mut v: Vec<(String, String, i64)> = got
            .items
            .iter()
            .map(|x| (x.town_code.clone(), x.period.clone(), x.value_milli))
            .collect();
        v.sort();
        assert_eq!(
            v,
            [
                (HENGXI.to_owned(), "2020".to_owned(), 1_200_500),
                (BAITA.to_owned(), "2020".to_owned(), 120_000),
            ]
        );
        // 玉环 sees none of 仙居's values, and its own import cannot place them.
        assert_eq!(
            s.list_indicator_values(&c.yh, &all, page())
                .await
                .expect("yh")
                .total,
            0
        );
        let yh = s
            .import_ledger(&c.yh, &m, LedgerKind::IndicatorValues, &values, false)
            .await
            .expect("yh import");
        assert_eq!((yh.imported, yh.updated), (0, 0), "{label}: {yh:?}");
        assert_eq!(yh.rejected.len(), 5);
        t.finish().await;
    }
}
