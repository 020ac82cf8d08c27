//! The 台州 demo's ledgers (台账) at the scale of the city's own 2020 work
//! summary: about 170 staff seconded to the city and county offices; some
//! 400 provincial-and-above and 5,200 city, county and new-media reports in
//! 2020 (fewer in 2019, for 同比); experts paired with the enrolled towns and
//! a few hundred services; the meetings the summary names (the provincial
//! on-site meeting in 玉环楚门 on 6月30日, the city's in 仙居白塔 on 10月14日,
//! the directors' meetings of 1月8日—9日 and 7月2—3日) plus county 推进会
//! and 例会; and eight town indicators for 2019 and 2020 with targets, a few
//! towns below them.
//!
//! Everything is derived from the region codes by a fixed hash, so two runs
//! give the same records, and every insert is `ON CONFLICT DO NOTHING` on the
//! tables' natural keys, so running the demo again adds nothing. Rows go in
//! multi-row statements inside one transaction: the whole demo stays fast.

use crate::audit::{record, Change};
use crate::{RequestMeta, Result, ServiceError, Services};
use meizhen_domain::Level;
use meizhen_storage::repo::summary::{names_under, Tally};
use meizhen_storage::repo::{execute, fetch_all};
use meizhen_storage::{now_ms, Arg, Sql, Tx};

use crate::demo::DEMO_CITY;

/// Rows per INSERT statement (≤ 12 columns: far below either engine's limit
/// on bound parameters).
const BATCH: usize = 400;

/// Media reports per level: (2020, 2019).
const MEDIA: [(&str, usize, usize); 5] = [
    ("central", 46, 31),
    ("provincial", 391, 284),
    ("city", 1318, 1010),
    ("county", 2406, 1866),
    ("new_media", 1511, 1102),
];

const TOPICS: [&str; 24] = [
    "美丽城镇建设跑出“加速度”",
    "全力打造新时代美丽城镇样板",
    "小城镇环境综合整治成果持续巩固",
    "“五美”图景徐徐展开",
    "美丽城镇项目建设比学赶超",
    "老街区焕发新活力",
    "污水零直排区建设全面推进",
    "垃圾分类成为新时尚",
    "美丽庭院扮靓乡村",
    "城镇有机更新让群众得实惠",
    "文化礼堂成为精神家园",
    "产业兴旺带动百姓增收",
    "交通互联畅通城乡循环",
    "公共服务补齐民生短板",
    "基层治理“一张网”",
    "双师结对助力城镇品质提升",
    "专家把脉美丽城镇规划",
    "暗访督查推动问题整改",
    "城镇风貌管控见实效",
    "危旧房整治守护安居",
    "农房整治腾出发展空间",
    "美丽城镇建设现场观摩",
    "特色小镇与美丽城镇融合发展",
    "全民共建共享美丽家园",
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "陈", "林", "黄", "吴", "周", "徐", "郑", "朱", "叶", "杨", "金", "潘", "何",
    "应", "蒋", "许", "罗", "梁", "冯", "胡", "颜",
];
const GIVEN: [&str; 30] = [
    "建国", "海平", "晓东", "丽娟", "志强", "伟", "敏", "静", "俊杰", "雅琴", "立新", "国华",
    "文斌", "慧", "振宇", "春燕", "明", "晓燕", "永康", "佳怡", "卫东", "红霞", "宇航", "晨",
    "国平", "子涵", "建军", "美玲", "一鸣", "思远",
];

/// (code, name, unit, aggregation, target per town in units, typical value).
type IndicatorDef = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    i64,
);

/// What the demo added.
#[derive(Debug, Clone, Default)]
pub struct DemoLedgers {
    pub staff: usize,
    pub media_2020: usize,
    pub experts: usize,
    pub pairings: usize,
    pub services: usize,
    pub meetings: usize,
    pub indicator_values: usize,
}

impl DemoLedgers {
    pub fn summary(&self) -> String {
        format!(
            "演示台账：工作专班 {} 人；2020 年宣传报道 {} 篇；专家 {} 名、结对 {} 对、服务 {} 次；会议 {} 次；镇级指标数据 {} 条。",
            self.staff,
            self.media_2020,
            self.experts,
            self.pairings,
            self.services,
            self.meetings,
            self.indicator_values
        )
    }
}

fn mix(s: &str, salt: u64) -> u64 {
    s.bytes().fold(0x9e37_79b9_7f4a_7c15 ^ salt, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn pick<'a>(items: &[&'a str], h: u64) -> &'a str {
    items[(h % items.len() as u64) as usize]
}

/// A person's name, distinct for distinct `i` below 720.
fn person(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / SURNAMES.len()) % GIVEN.len()]
    )
}

/// The n-th day of a year spread evenly ('YYYY-MM-DD').
fn day(year: i32, ordinal: u32) -> String {
    chrono::NaiveDate::from_yo_opt(year, ordinal.clamp(1, 365))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("{year}-06-30"))
}

fn t(s: impl Into<String>) -> Arg {
    Arg::Text(s.into())
}

/// `head` + "(…), (…)" in batches + " ON CONFLICT DO NOTHING"; rows added.
async fn insert_rows(tx: &mut Tx, head: &str, rows: Vec<Vec<Arg>>) -> Result<u64> {
    let mut added = 0;
    for chunk in rows.chunks(BATCH) {
        let mut q = Sql::new(head);
        q.push(" VALUES ");
        for (i, row) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, a) in row.iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.bind(a.clone());
            }
            q.push(")");
        }
        q.push(" ON CONFLICT DO NOTHING");
        added += execute(tx, &q).await?;
    }
    Ok(added)
}

/// Splits `total` over holders by weight; the remainder goes to the first.
fn spread(total: usize, weights: &[u64]) -> Vec<usize> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| (total as u64 * w / sum) as usize)
        .collect();
    let given: usize = out.iter().sum();
    if let Some(first) = out.first_mut() {
        *first += total - given;
    }
    out
}

fn outlets(level: &str, county: &str, city: &str) -> Vec<(String, &'static str)> {
    let cs = city.trim_end_matches('市');
    let short = county
        .trim_end_matches('区')
        .trim_end_matches('县')
        .trim_end_matches('市')
        .to_owned();
    match level {
        "central" => vec![
            ("人民日报".into(), "print"),
            ("新华社".into(), "online"),
            ("央视新闻".into(), "tv"),
            ("中国建设报".into(), "print"),
            ("光明日报".into(), "print"),
        ],
        "provincial" => vec![
            ("浙江日报".into(), "print"),
            ("浙江卫视".into(), "tv"),
            ("浙江之声".into(), "radio"),
            ("浙江在线".into(), "online"),
            ("浙江新闻客户端".into(), "online"),
        ],
        "city" => vec![
            (format!("{cs}日报"), "print"),
            (format!("{cs}晚报"), "print"),
            (format!("{cs}电视台"), "tv"),
            (format!("{cs}交通广播"), "radio"),
            (format!("中国{cs}网"), "online"),
        ],
        "county" => vec![
            (format!("今日{short}"), "print"),
            (format!("{short}电视台"), "tv"),
            (format!("{short}人民广播电台"), "radio"),
            (format!("{county}融媒体中心"), "online"),
            (format!("{county}户外宣传栏"), "outdoor"),
        ],
        _ => vec![
            (format!("{county}发布"), "online"),
            (format!("{cs}发布"), "online"),
            (format!("{short}新闻抖音号"), "online"),
        ],
    }
}

impl Services {
    /// Adds the 台州 demo ledgers (after `demo`: regions, users, enrollment).
    pub async fn demo_ledgers(&self) -> Result<DemoLedgers> {
        self.demo_ledgers_for(DEMO_CITY).await
    }

    /// The same ledgers for any city (benchmarks fill the province with
    /// them). The meetings 台州's summary names are added for 台州 only.
    pub async fn demo_ledgers_for(&self, city: &str) -> Result<DemoLedgers> {
        let now = now_ms();
        let mut tx = self.db().begin().await?;
        let city_name = {
            let code = meizhen_domain::RegionCode::parse(city)?;
            meizhen_storage::regions::names(&mut tx, std::slice::from_ref(&code))
                .await?
                .into_iter()
                .next()
                .map(|(_, n)| n)
                .ok_or_else(|| ServiceError::not_found("区划"))?
        };
        let counties = names_under(&mut tx, city, Level::County.code_len()).await?;
        let towns = names_under(&mut tx, city, Level::Town.code_len()).await?;
        if counties.is_empty() || towns.is_empty() {
            return Err(ServiceError::NotFound(format!(
                "{city_name}区划未导入，请先运行 meizhen regions load"
            )));
        }
        let mut q = Sql::new(
            "SELECT town_code AS key, kind AS key2, CAST(0 AS BIGINT) AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b FROM enrollments WHERE year = 2020 AND town_code LIKE ",
        );
        q.bind(t(format!("{city}%"))).push(" ORDER BY town_code");
        let mut enrolled: Vec<Tally> = fetch_all(&mut tx, &q).await?;
        if enrolled.is_empty() {
            // Generated data without a creation list: every town but 街道.
            enrolled = towns
                .iter()
                .filter(|(_, n)| !n.ends_with("街道"))
                .map(|(c, _)| Tally {
                    key: c.clone(),
                    key2: if mix(c, 2).is_multiple_of(5) {
                        "model"
                    } else {
                        "standard"
                    }
                    .into(),
                    ..Tally::default()
                })
                .collect();
        }
        let town_name = |code: &str| {
            towns
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        };
        let county_name = |code: &str| {
            counties
                .iter()
                .find(|(c, _)| code.starts_with(c.as_str()))
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        };
        let mut out = DemoLedgers::default();

        // 工作专班: the city office and every county office.
        let mut rows = Vec::new();
        let offices: Vec<(String, String)> = std::iter::once((city.to_owned(), city_name.clone()))
            .chain(counties.iter().cloned())
            .collect();
        for (k, (code, name)) in offices.iter().enumerate() {
            let n = if k == 0 {
                22
            } else {
                15 + (mix(code, 3) % 5) as usize
            };
            for i in 0..n {
                let units = [
                    "住建局",
                    "自然资源和规划局",
                    "交通运输局",
                    "农业农村局",
                    "生态环境局",
                    "文广旅体局",
                    "综合行政执法局",
                    "发改局",
                ];
                let unit = format!("{}{}", name, pick(&units, mix(code, i as u64)));
                let post = if i == 0 {
                    "专班负责人"
                } else if i < 4 {
                    "综合协调组"
                } else if i % 3 == 0 {
                    "项目推进组"
                } else if i % 3 == 1 {
                    "督查考核组"
                } else {
                    "宣传信息组"
                };
                let starts = if i % 4 == 0 {
                    "2019-09-01"
                } else {
                    "2020-01-06"
                };
                let phone = format!("1{:010}", mix(code, 100 + i as u64) % 10_000_000_000);
                rows.push(vec![
                    t(code.as_str()),
                    t(person(i * 7 + k)),
                    t(unit),
                    t(post),
                    t(phone),
                    t(starts),
                    Arg::OptText(None),
                    t("演示数据"),
                    Arg::I64(now),
                    Arg::I64(now),
                ]);
            }
        }
        out.staff = rows.len();
        insert_rows(
            &mut tx,
            "INSERT INTO work_team_members (region_code, name, home_unit, post, phone, starts_on, ends_on, note, created_at, updated_at)",
            rows,
        )
        .await?;

        // 宣传报道: the city office (a fifth), counties and enrolled towns.
        let mut holders: Vec<(String, String, u64)> =
            vec![(city.to_owned(), city_name.clone(), 40)];
        for (c, n) in &counties {
            holders.push((c.clone(), n.clone(), 14 + mix(c, 5) % 8));
        }
        for e in &enrolled {
            holders.push((e.key.clone(), town_name(&e.key), 1 + mix(&e.key, 6) % 3));
        }
        let weights: Vec<u64> = holders.iter().map(|h| h.2).collect();
        let mut rows = Vec::new();
        for (level, n2020, n2019) in MEDIA {
            for (year, total) in [(2020, n2020), (2019, n2019)] {
                for ((code, name, _), n) in holders.iter().zip(spread(total, &weights)) {
                    let county = if code.len() == 4 {
                        city_name.clone()
                    } else {
                        county_name(code)
                    };
                    let outs = outlets(level, &county, &city_name);
                    for i in 0..n {
                        // Spread over the year; two reports of a holder and level
                        // with the same topic are ≥ 24 apart in i, so on different
                        // days (n < 8,616), and outlets differ between levels:
                        // keys never collide.
                        let topic = TOPICS[i % TOPICS.len()];
                        let ord = 3 + (i * 359 / n.max(1)) as u32;
                        let (outlet, medium) =
                            &outs[(mix(code, 1000 + i as u64) % outs.len() as u64) as usize];
                        rows.push(vec![
                            t(code.as_str()),
                            t(day(year, ord)),
                            t(format!("{name}：{topic}")),
                            t(outlet.as_str()),
                            t(level),
                            t(*medium),
                            t(""),
                            t("演示数据"),
                            Arg::I64(now),
                            Arg::I64(now),
                        ]);
                    }
                }
                if year == 2020 {
                    out.media_2020 += total;
                }
            }
        }
        insert_rows(
            &mut tx,
            "INSERT INTO media_reports (region_code, published_on, title, outlet, level, medium, link, note, created_at, updated_at)",
            rows,
        )
        .await?;

        // Experts: per county a 首席设计师, two or three 驻镇规划师 and a team;
        // the city's expert team.
        let mut rows = Vec::new();
        let mut person_no = 300;
        for (code, name) in &offices {
            let city = code.len() == 4;
            let mut add = |role: &str, title: &str, team: &str, org: &str| {
                person_no += 1;
                rows.push(vec![
                    t(code.as_str()),
                    t(person(person_no)),
                    t(role),
                    t(org),
                    t(title),
                    t(team),
                    t(format!(
                        "1{:010}",
                        mix(code, person_no as u64) % 10_000_000_000
                    )),
                    t("演示数据"),
                    Arg::I64(now),
                    Arg::I64(now),
                ]);
            };
            if city {
                for i in 0..8 {
                    let org = [
                        "浙江大学建筑设计研究院",
                        "浙江省城乡规划设计研究院",
                        "台州市规划设计研究院",
                        "中国美术学院风景建筑设计研究总院",
                    ][i % 4];
                    add(
                        "team_member",
                        "高级工程师",
                        &format!("{city_name}美丽城镇专家团队"),
                        org,
                    );
                }
            } else {
                add(
                    "chief_designer",
                    "正高级工程师",
                    "",
                    "浙江省城乡规划设计研究院",
                );
                let planners = 2 + (mix(code, 8) % 2) as usize;
                for i in 0..planners {
                    let org = [
                        "台州市规划设计研究院",
                        "浙江工业大学工程设计集团",
                        "杭州市城市规划设计研究院",
                    ][i % 3];
                    add("resident_planner", "工程师", "", org);
                }
                for _ in 0..3 {
                    add(
                        "team_member",
                        "高级工程师",
                        &format!("{name}美丽城镇专家团队"),
                        "台州市建筑设计研究院",
                    );
                }
            }
        }
        out.experts = rows.len();
        insert_rows(
            &mut tx,
            "INSERT INTO experts (region_code, name, role, organisation, title, team, phone, note, created_at, updated_at)",
            rows,
        )
        .await?;
        let mut q = Sql::new("SELECT region_code AS key, role AS key2, id AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b FROM experts WHERE note = '演示数据' AND region_code LIKE ");
        q.bind(t(format!("{city}%"))).push(" ORDER BY id");
        let experts: Vec<Tally> = fetch_all(&mut tx, &q).await?;

        // Pairings: every enrolled town with a 驻镇规划师 of its county (双师);
        // 样板 towns also with the chief designer (结对帮扶).
        let mut pair_rows = Vec::new();
        let mut pairs: Vec<(String, i64)> = Vec::new();
        for e in &enrolled {
            let county = &e.key[..6];
            let planners: Vec<&Tally> = experts
                .iter()
                .filter(|x| x.key == county && x.key2 == "resident_planner")
                .collect();
            let chief = experts
                .iter()
                .find(|x| x.key == county && x.key2 == "chief_designer");
            if let Some(p) = planners.get((mix(&e.key, 9) % planners.len().max(1) as u64) as usize)
            {
                pair_rows.push(vec![
                    Arg::I64(p.n),
                    t(e.key.as_str()),
                    t("dual_designer"),
                    t("2020-01-01"),
                    Arg::OptText(None),
                    t("演示数据"),
                    Arg::I64(now),
                ]);
                pairs.push((e.key.clone(), p.n));
            }
            if e.key2 == "model" {
                if let Some(c) = chief {
                    pair_rows.push(vec![
                        Arg::I64(c.n),
                        t(e.key.as_str()),
                        t("pairing"),
                        t("2020-03-01"),
                        Arg::OptText(None),
                        t("演示数据"),
                        Arg::I64(now),
                    ]);
                    pairs.push((e.key.clone(), c.n));
                }
            }
        }
        out.pairings = pair_rows.len();
        insert_rows(
            &mut tx,
            "INSERT INTO expert_pairings (expert_id, town_code, kind, starts_on, ends_on, note, created_at)",
            pair_rows,
        )
        .await?;

        // Services: three to five per pairing in 2020, one or two in 2019.
        let types = [
            "plan_review",
            "onsite_guidance",
            "drawing_check",
            "training",
            "onsite_guidance",
            "plan_review",
        ];
        let mut rows = Vec::new();
        for (town, expert) in &pairs {
            for (year, base) in [(2020, 3u64), (2019, 1u64)] {
                let n = base + mix(town, *expert as u64 + year as u64) % 3;
                for i in 0..n {
                    let h = mix(town, (*expert as u64) * 31 + i + year as u64);
                    // Distinct days per (town, expert): a service every ~70 days.
                    let ord = 20 + (i as u32) * 70 + (h % 40) as u32;
                    let given = 2 + (h % 7) as i32;
                    let adopted = given - (h % 3) as i32;
                    rows.push(vec![
                        t(town.as_str()),
                        Arg::I64(*expert),
                        t(day(year, ord)),
                        t(types[(h % types.len() as u64) as usize]),
                        Arg::OptI64(None),
                        t(format!(
                            "{}美丽城镇建设{}",
                            town_name(town),
                            [
                                "方案把关",
                                "现场踏勘指导",
                                "施工图审查",
                                "业务培训",
                                "风貌管控指导"
                            ][(h % 5) as usize]
                        )),
                        Arg::I32(given),
                        Arg::I32(adopted.max(0)),
                        Arg::OptI64(None),
                        Arg::I64(now),
                        Arg::I64(now),
                    ]);
                    if year == 2020 {
                        out.services += 1;
                    }
                }
            }
        }
        insert_rows(
            &mut tx,
            "INSERT INTO expert_services (town_code, expert_id, served_on, service_type, project_id, content, opinions_given, opinions_adopted, created_by, created_at, updated_at)",
            rows,
        )
        .await?;

        // Meetings: those the 2020 summary names, then county 推进会 and 例会.
        let mut rows = Vec::new();
        let mut meeting = |region: &str,
                           held: &str,
                           ends: Option<&str>,
                           kind: &str,
                           level: &str,
                           title: &str,
                           place: &str,
                           host: &str,
                           topics: &str| {
            rows.push(vec![
                t(region),
                t(held),
                Arg::OptText(ends.map(str::to_owned)),
                t(kind),
                t(level),
                t(title),
                t(place),
                t(host),
                t("各设区市、县（市、区）美丽城镇办负责人"),
                t(topics),
                t(""),
                Arg::I64(now),
                Arg::I64(now),
            ]);
        };
        if city == DEMO_CITY {
            meeting(
                "331083102",
                "2020-06-30",
                None,
                "on_site",
                "province",
                "全省美丽城镇建设工作现场会",
                "玉环市楚门镇",
                "浙江省美丽城镇建设工作领导小组办公室",
                "加快实施“百镇样板、千镇美丽”工程",
            );
            meeting(
                "331024103",
                "2020-10-14",
                None,
                "on_site",
                "city",
                "全市美丽城镇建设工作现场会",
                "仙居县白塔镇",
                "台州市美丽城镇建设工作领导小组办公室",
                "贯彻落实全省美丽城镇建设工作现场会要求",
            );
            meeting(
                DEMO_CITY,
                "2020-01-08",
                Some("2020-01-09"),
                "regular",
                "city",
                "全市美丽城镇办主任会议",
                "玉环市",
                "台州市美丽城镇办",
                "现场考察和会议交流",
            );
            meeting(
                DEMO_CITY,
                "2020-07-02",
                Some("2020-07-03"),
                "regular",
                "city",
                "全市美丽城镇办主任会议",
                "玉环市",
                "台州市美丽城镇办",
                "现场考察和会议交流",
            );
            meeting(
                DEMO_CITY,
                "2019-12-20",
                None,
                "regular",
                "city",
                "全市美丽城镇建设工作部署会",
                "台州市",
                "台州市美丽城镇办",
                "部署2020年工作",
            );
        }
        for (code, name) in &counties {
            for (q, month) in [(1, 3), (2, 5), (3, 8), (4, 11)] {
                let d = format!("2020-{month:02}-{:02}", 10 + mix(code, q) % 15);
                meeting(
                    code,
                    &d,
                    None,
                    "progress",
                    "county",
                    &format!(
                        "{name}美丽城镇建设第{}季度推进会",
                        ["一", "二", "三", "四"][(q - 1) as usize]
                    ),
                    &format!("{name}人民政府"),
                    &format!("{name}美丽城镇办"),
                    "通报项目进度和暗访问题",
                );
            }
            for month in [2, 4, 6, 7, 9, 10, 12] {
                let d = format!("2020-{month:02}-{:02}", 1 + mix(code, 50 + month) % 25);
                meeting(
                    code,
                    &d,
                    None,
                    "regular",
                    "county",
                    &format!("{name}美丽城镇办{month}月工作例会"),
                    &format!("{name}美丽城镇办"),
                    &format!("{name}美丽城镇办"),
                    "协调推进重点项目",
                );
            }
            let d = format!(
                "2019-{:02}-{:02}",
                9 + mix(code, 77) % 3,
                5 + mix(code, 78) % 20
            );
            meeting(
                code,
                &d,
                None,
                "progress",
                "county",
                &format!("{name}美丽城镇建设推进会"),
                &format!("{name}人民政府"),
                &format!("{name}美丽城镇办"),
                "启动美丽城镇建设",
            );
        }
        for e in enrolled.iter().filter(|e| e.key2 == "model") {
            let d = format!(
                "2020-{:02}-{:02}",
                4 + mix(&e.key, 11) % 6,
                3 + mix(&e.key, 12) % 20
            );
            let name = town_name(&e.key);
            meeting(
                &e.key,
                &d,
                None,
                "regular",
                "town",
                &format!("{name}美丽城镇样板创建推进例会"),
                &format!("{name}人民政府"),
                &name,
                "样板创建任务分解",
            );
        }
        out.meetings = rows.len();
        insert_rows(
            &mut tx,
            "INSERT INTO meetings (region_code, held_on, ends_on, kind, level, title, place, host, attendees, topics, decisions, created_at, updated_at)",
            rows,
        )
        .await?;

        // Town indicators, defined by the city office for every town.
        // (code, name, unit, aggregation, target per town in units, typical 2020 value)
        let defs: [IndicatorDef; 8] = [
            ("courtyard", "新建美丽庭院", "户", "sum", Some(150), 260),
            (
                "garbage_village",
                "新创建垃圾分类示范村",
                "个",
                "sum",
                Some(1),
                2,
            ),
            ("sewage_zone", "建成污水零直排区", "个", "sum", Some(1), 1),
            (
                "dilapidated_cleared",
                "完成危旧房整治",
                "户",
                "sum",
                Some(10),
                24,
            ),
            ("farmhouse_disposal", "完成农房处置", "宗", "sum", None, 180),
            ("culture_hall", "新建农村文化礼堂", "家", "sum", Some(1), 2),
            ("petition_resolved", "化解各类信访", "件", "sum", None, 90),
            ("industry_output", "规上工业产值", "亿元", "sum", None, 18),
        ];
        let rows: Vec<Vec<Arg>> = defs
            .iter()
            .map(|(code, name, unit, agg, target, _)| {
                vec![
                    t(city),
                    t(*code),
                    t(*name),
                    t(*unit),
                    t("year"),
                    t(*agg),
                    Arg::Bool(true),
                    Arg::OptI64(target.map(|x| x * 1000)),
                    t("演示数据：每个乡镇（街道）的年度目标"),
                    Arg::I64(now),
                    Arg::I64(now),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "INSERT INTO indicators (region_code, code, name, unit, period, aggregation, higher_is_better, target_milli, note, created_at, updated_at)",
            rows,
        )
        .await?;
        let mut q = Sql::new("SELECT code AS key, '' AS key2, id AS n, CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b FROM indicators WHERE region_code = ");
        q.bind(t(city));
        let ids: Vec<Tally> = fetch_all(&mut tx, &q).await?;
        let mut rows = Vec::new();
        for (code, _, _, _, target, typical) in defs {
            let Some(ind) = ids.iter().find(|i| i.key == code) else {
                continue;
            };
            for (town, _) in &towns {
                let h = mix(town, mix(code, 13));
                for (year, scale) in [("2020", 100i64), ("2019", 85i64)] {
                    // Around the typical value (±40%), a few towns short of the target.
                    let base = typical * 1000 * scale / 100;
                    let mut v = base * (60 + (h % 81) as i64) / 100;
                    if code == "industry_output" {
                        v = v / 100 * 100; // 亿元 to 0.1
                    } else {
                        v = v / 1000 * 1000; // whole households, villages …
                    }
                    if let Some(tg) = target {
                        let short = h.is_multiple_of(29);
                        v = if short && year == "2020" {
                            (tg * 1000 - 1000).max(0)
                        } else {
                            v.max(tg * 1000)
                        };
                    }
                    rows.push(vec![
                        Arg::I64(ind.n),
                        t(town.as_str()),
                        t(year),
                        Arg::I64(v),
                        t(""),
                        Arg::OptI64(None),
                        Arg::I64(now),
                    ]);
                }
            }
        }
        out.indicator_values = rows.len();
        insert_rows(
            &mut tx,
            "INSERT INTO indicator_values (indicator_id, town_code, period, value_milli, note, updated_by, updated_at)",
            rows,
        )
        .await?;

        record(
            &mut tx,
            None,
            &RequestMeta::cli(),
            Change::new("create", "ledger", "demo", city)
                .summary(format!("演示数据：{}", out.summary())),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_the_total() {
        let s = spread(437, &[40, 14, 21, 1, 3]);
        assert_eq!(s.iter().sum::<usize>(), 437);
        assert!(s[0] > s[1]);
        assert_eq!(spread(0, &[1, 2]), vec![0, 0]);
    }

    #[test]
    fn names_are_distinct() {
        let names: std::collections::BTreeSet<String> = (0..700).map(person).collect();
        assert_eq!(names.len(), 700);
        assert_eq!(day(2020, 182), "2020-06-30");
    }
}
