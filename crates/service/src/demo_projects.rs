//! `meizhen demo`, continued: 台州's 2020 project library at the scale of the
//! city's 2020 work summary ("2020年，开工建设项目2086个……完成项目870个").
//!
//! Over the towns of 台州 (sub-districts, 街道, excepted) it writes:
//!
//! * [`PROJECTS`] projects, weighted by town (省级样板 towns and towns with
//!   more villages get more; the four demo towns a handful each), named from
//!   templates per 五美 category ("白塔镇老街立面改造工程", "高迁村污水零直排
//!   工程" …), with codes `TZ2020-0001` …, owner "{镇名}人民政府", a total
//!   investment (50 万 – 2 亿元, most 200–3,000 万元), one 2020 plan, planned
//!   dates in 2020 (finishing in 2020 or 2021) and actual dates;
//! * monthly reports for 2020 from each project's first month to December:
//!   cumulative investment never decreasing, status moving 未开工 → 在建 →
//!   已完工, so that by December [`STARTED`] projects have started and
//!   [`COMPLETED`] are completed;
//! * the towns' reporting periods: most months submitted on time and
//!   accepted by the county, some submitted late (after the 5th of the next
//!   month), a few returned with a note, November partly awaiting review,
//!   December mostly still open.
//!
//! The figures are never written: each touched town's 2020 figures are
//! recomputed once at the end with [`recompute_town_year`], from the stored
//! reports. Everything goes into one transaction with one audit entry, so a
//! failed run leaves nothing behind. Choices are deterministic (the xorshift
//! [`Rng`] from [`SEED`], over the region data); a city that already has
//! project [`FIRST_CODE`] is left as it is.

use crate::audit::{record, Change};
use crate::demo::{DEMO_CITY, DEMO_USERS};
use crate::generate::Rng;
use crate::projects::recompute_town_year;
use crate::{RequestMeta, Result, ServiceError, Services};
use meizhen_domain::money::Fen;
use meizhen_domain::page::{PageRequest, MAX_PER_PAGE};
use meizhen_domain::project::{Pillar, ProjectStatus, YearMonth};
use meizhen_domain::{Level, RegionCode, RegionScope};
use meizhen_storage::regions;
use meizhen_storage::repo::projects::{self as repo, ProjectFields, ProjectFilter, ReportFields};
use meizhen_storage::repo::stats::{self, Figures, Source};
use meizhen_storage::repo::{enrollments, users};
use std::collections::{BTreeMap, HashSet};

/// The year of the demo library.
pub const DEMO_YEAR: i32 = 2020;
/// Every demo project's code starts with this.
pub const CODE_PREFIX: &str = "TZ2020-";
/// The first demo project's code: its presence means the library exists.
pub const FIRST_CODE: &str = "TZ2020-0001";
/// The seed of the generator.
pub const SEED: u64 = 2020_3310;
/// Projects in the library: the 2,086 started projects of the work summary
/// plus the few still not started in December.
pub const PROJECTS: usize = 2150;
/// Started (在建 or 已完工) by December 2020, as in the work summary.
pub const STARTED: usize = 2086;
/// Completed by December 2020, as in the work summary.
pub const COMPLETED: usize = 870;

/// The demo towns get a handful of projects each: (town, projects).
const DEMO_TOWN_PROJECTS: [(&str, usize); 4] = [
    ("331024103", 8),
    ("331024101", 6),
    ("331083102", 7),
    ("331083103", 5),
];

/// What the project part of the demo did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoProjects {
    /// False when the library already existed (nothing was written).
    pub created: bool,
    /// Demo projects in the city (written now or found).
    pub projects: usize,
    /// Monthly reports written by this run.
    pub reports: usize,
    /// Reporting periods written by this run.
    pub periods: usize,
    /// Towns with demo projects (written by this run).
    pub towns: usize,
    /// The city's live figures for December 2020, after the run.
    pub december: Figures,
}

impl DemoProjects {
    /// One line for the command line.
    pub fn summary(&self) -> String {
        let f = &self.december;
        let head = if self.created {
            format!(
                "演示项目库：台州市 2020 年项目 {} 个（{} 个乡镇），月报 {} 份，填报期 {} 个",
                self.projects, self.towns, self.reports, self.periods
            )
        } else {
            format!("演示项目库已存在（{} 个项目），未重复生成", self.projects)
        };
        format!(
            "{head}；截至 12 月底：开工 {} 个、完工 {} 个，完成投资 {} 亿元（年度计划 {} 亿元）。",
            f.started,
            f.completed,
            Fen::new(f.completed_investment_fen).to_yi_string(2),
            Fen::new(f.planned_investment_fen).to_yi_string(2),
        )
    }
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

/// A kind of project: `{t}` is the town's name, `{v}` and `{w}` two of its
/// villages. `wan` is the usual range of its total investment, in 万元.
struct Template {
    pillar: Pillar,
    name: &'static str,
    facility: Option<&'static str>,
    content: &'static str,
    wan: (f64, f64),
}

const fn t(
    pillar: Pillar,
    name: &'static str,
    facility: Option<&'static str>,
    content: &'static str,
    wan: (f64, f64),
) -> Template {
    Template {
        pillar,
        name,
        facility,
        content,
        wan,
    }
}

use Pillar::{Culture, Environment, Governance, Industry, Life};

#[rustfmt::skip]
const TEMPLATES: [Template; 44] = [
    // 环境美
    t(Environment, "{t}老街立面改造工程", Some("一条特色街道"), "老街沿街立面整治、店招店牌规范、弱电“上改下”及石板路面铺装", (300.0, 3000.0)),
    t(Environment, "{v}污水零直排工程", Some("一张雨污分流收集处理网"), "村内雨污分流管网改造、接户管及终端处理设施提升", (200.0, 1500.0)),
    t(Environment, "{t}集镇雨污分流改造工程", Some("一张雨污分流收集处理网"), "集镇区雨污管网分流改造、破损管道修复及污水零直排区创建", (600.0, 5000.0)),
    t(Environment, "{t}主街“上改下”及沿街整治工程", Some("一条特色街道"), "主街强弱电线缆入地、路灯更新、人行道及沿街绿化提升", (500.0, 4000.0)),
    t(Environment, "{t}入口景观节点提升工程", None, "集镇入口景观节点、标识系统及绿化提升", (150.0, 1200.0)),
    t(Environment, "{t}滨水游步道工程", Some("一条美丽生态绿道"), "沿溪游步道、亲水平台、休憩驿站及夜景亮化", (200.0, 2500.0)),
    t(Environment, "{v}至{w}美丽公路提升工程", Some("一条快速便捷的对外交通通道"), "路面黑化、边坡整治、港湾式公交站及沿线绿化", (400.0, 6000.0)),
    t(Environment, "{t}垃圾分类收集处置中心", Some("一张垃圾分类收集处置网"), "垃圾分类收集房、中转站及资源化处理中心建设", (150.0, 1500.0)),
    t(Environment, "{t}生态停车场建设工程", None, "生态停车位、充电桩、透水铺装及绿化", (200.0, 1500.0)),
    t(Environment, "{t}中心公园提升改造", Some("一个公园"), "公园园路、广场、儿童游乐及景观绿化提升", (300.0, 3000.0)),
    t(Environment, "{v}美丽庭院示范带", None, "美丽庭院示范户创建、沿线庭院及房前屋后整治", (50.0, 400.0)),
    t(Environment, "{t}污水处理厂提标改造工程", Some("一张雨污分流收集处理网"), "污水处理厂提标改造、除臭工程及在线监测", (800.0, 6000.0)),
    t(Environment, "{t}背街小巷改造工程", None, "背街小巷路面、排水、照明及立面整治", (150.0, 1500.0)),
    t(Environment, "{v}溪道综合整治工程", Some("一条美丽生态绿道"), "溪道清淤、堤岸加固、生态护坡及堰坝修复", (300.0, 3000.0)),
    t(Environment, "{t}城镇绿道串联工程", Some("一条美丽生态绿道"), "镇村绿道串联、驿站及标识系统建设", (400.0, 4000.0)),
    t(Environment, "{t}“三线”整治及沿街立面提升", None, "电力、通信、广电线路整治及沿街立面提升", (200.0, 2000.0)),
    // 生活美
    t(Life, "{t}农贸市场改造提升工程", Some("一个商贸场所"), "农贸市场主体改造、智慧化提升及周边环境整治", (500.0, 3000.0)),
    t(Life, "{t}中心幼儿园新建工程", Some("一个优质均衡的学校"), "新建幼儿园教学用房及附属设施", (1500.0, 6000.0)),
    t(Life, "{t}卫生院改扩建工程", Some("一个卫生院"), "卫生院门诊楼改扩建、发热门诊及配套设施", (1500.0, 8000.0)),
    t(Life, "{t}居家养老服务中心建设", Some("一个养老服务中心"), "居家养老服务中心用房改造及适老化设施", (200.0, 1500.0)),
    t(Life, "{t}全民健身中心建设工程", Some("一个文体场所"), "室内健身馆、灯光球场、健身步道及配套", (500.0, 4000.0)),
    t(Life, "{t}公交首末站及换乘中心", Some("一个公交站"), "公交首末站、候车亭及换乘场地建设", (300.0, 2000.0)),
    t(Life, "{v}邻里中心建设", None, "邻里中心用房、便民服务及文体活动空间", (200.0, 1500.0)),
    t(Life, "{t}安置小区配套工程", None, "安置小区道路、管网、绿化及配套用房", (1000.0, 12000.0)),
    t(Life, "{t}便民服务中心提升", None, "便民服务中心办事大厅改造及智能化提升", (150.0, 1000.0)),
    t(Life, "{t}商贸综合体建设", Some("一个商贸场所"), "商贸综合体主体工程及配套停车", (3000.0, 20000.0)),
    // 产业美
    t(Industry, "{t}小微企业园建设工程", None, "标准厂房、配套用房及园区道路管网", (3000.0, 20000.0)),
    t(Industry, "{v}农旅融合示范园", None, "采摘体验区、游客服务点及园区道路", (300.0, 3000.0)),
    t(Industry, "{t}特色小镇客厅", None, "小镇客厅展示中心及周边环境提升", (500.0, 5000.0)),
    t(Industry, "{v}民宿集聚区提升工程", None, "民宿集聚区外立面、庭院、停车及导视系统", (200.0, 2500.0)),
    t(Industry, "{t}现代农业园区基础设施", None, "园区机耕路、灌溉设施及冷链仓储", (300.0, 3000.0)),
    t(Industry, "{t}电商物流服务中心", None, "电商服务中心、物流分拣场地及配套", (300.0, 2500.0)),
    t(Industry, "{t}工业园区有机更新工程", None, "老旧厂区改造、园区道路及环境整治", (1000.0, 10000.0)),
    t(Industry, "{v}乡村旅游配套设施", None, "游客中心、公厕、停车场及旅游标识", (150.0, 1500.0)),
    // 人文美
    t(Culture, "{t}文化礼堂提升工程", Some("一个文化站"), "文化礼堂主体改造、展陈及舞台设施", (80.0, 600.0)),
    t(Culture, "{t}历史文化街区保护修缮", None, "历史建筑修缮、街巷肌理恢复及展示利用", (500.0, 5000.0)),
    t(Culture, "{v}古民居修缮工程", None, "古民居结构加固、屋面修缮及院落整治", (100.0, 1000.0)),
    t(Culture, "{t}城镇记忆馆建设", None, "记忆馆布展、建筑改造及周边环境", (150.0, 1200.0)),
    t(Culture, "{t}文化广场建设工程", Some("一个文体场所"), "文化广场、舞台、景观及照明", (300.0, 2500.0)),
    t(Culture, "{v}村史馆提升", None, "村史馆布展及用房改造", (50.0, 300.0)),
    // 治理美
    t(Governance, "{t}智慧城镇管理平台", Some("一个现代化的基层社会治理体系"), "城镇管理数字平台、视频感知及指挥调度系统", (200.0, 1500.0)),
    t(Governance, "{t}“四个平台”综合指挥中心", Some("一个现代化的基层社会治理体系"), "综合指挥中心用房及信息化设备", (150.0, 1200.0)),
    t(Governance, "{v}网格化治理服务站", None, "网格服务站用房及信息化终端", (50.0, 400.0)),
    t(Governance, "{t}应急消防站建设", None, "乡镇专职消防站用房、车库及训练场地", (300.0, 2500.0)),
];

/// The share of each 五美 category, in percent of projects.
const PILLAR_WEIGHTS: [(Pillar, u32); 5] = [
    (Environment, 38),
    (Life, 24),
    (Industry, 15),
    (Culture, 13),
    (Governance, 10),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "陈", "林", "周", "吴", "徐", "应", "叶", "蒋", "潘", "郑", "朱", "金", "何",
    "黄", "杨", "卢", "郭",
];
const GIVEN: [&str; 24] = [
    "建国", "海平", "晓东", "伟", "志强", "丽萍", "永军", "国华", "文斌", "燕", "建华", "明",
    "卫东", "红英", "小军", "杰", "继明", "雪芬", "立新", "海燕", "振宇", "彬", "宏伟", "慧",
];
const FUNDING: [&str; 6] = [
    "财政资金",
    "县级财政+镇自筹",
    "上级补助+镇自筹",
    "地方政府专项债+财政资金",
    "财政资金+社会资本",
    "镇自筹",
];
const PREPARATION: [&str; 5] = [
    "完成项目立项，正在开展方案设计",
    "方案已批复，施工图设计中",
    "正在办理用地及规划许可",
    "施工图审查完成，招投标准备中",
    "完成招投标，施工队伍进场准备中",
];
const DELAYS: [&str; 5] = [
    "政策处理难度较大，用地未完全落实",
    "受疫情影响，施工队伍未能按期进场",
    "资金尚未完全到位",
    "方案多次调整，审批时间较长",
    "涉及管线迁改，需协调多个部门",
];
const RETURN_NOTES: [&str; 5] = [
    "请补充形象进度照片",
    "部分项目累计完成投资与上月不衔接，请核实后重新提交",
    "请补充已完工项目的竣工验收资料",
    "个别项目形象进度描述过于简单，请补充",
    "请核实重点项目本月完成投资",
];

// ---------------------------------------------------------------------------
// Planning (pure)
// ---------------------------------------------------------------------------

/// A town as the planner sees it.
#[derive(Debug, Clone)]
pub(crate) struct TownSeed {
    pub code: String,
    pub name: String,
    /// Village names as used in project names ("高迁村", "白塔下街社区").
    pub villages: Vec<String>,
    pub model: bool,
    /// Fixed number of projects (the demo towns).
    pub fixed: Option<usize>,
}

/// One planned project with its reports.
#[derive(Debug, Clone)]
pub(crate) struct PlannedProject {
    pub town: usize,
    pub fields: ProjectFields,
    pub plan_fen: i64,
    pub created_at: i64,
    /// (month of 2020, report, time of filing)
    pub reports: Vec<(i32, ReportFields, i64)>,
}

/// One town's reporting period for a month of 2020.
#[derive(Debug, Clone)]
pub(crate) struct PlannedPeriod {
    pub town: usize,
    pub month: i32,
    pub state: &'static str,
    pub submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub note: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    InProgress,
    NotStarted,
}

fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn between(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// An integer in `lo..=hi`.
fn int(rng: &mut Rng, lo: i32, hi: i32) -> i32 {
    if hi <= lo {
        return lo;
    }
    lo + rng.below((hi - lo + 1) as usize) as i32
}

fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.below(total.max(1) as usize) as u32;
    for (item, w) in items {
        if r < *w {
            return *item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

/// 万元 (a float from the generator) → fen, rounded to 0.01 万元 as offices type it.
fn wan_to_fen(wan: f64) -> i64 {
    (wan * 100.0).round() as i64 * 10_000
}

/// Rounds fen down to 0.01 万元.
fn round_fen(fen: f64) -> i64 {
    (fen / 10_000.0).floor() as i64 * 10_000
}

/// A month index (1 = 2020-01, 13 = 2021-01) as a YearMonth.
fn month_of(index: i32) -> YearMonth {
    let (y, m) = (
        DEMO_YEAR + (index - 1).div_euclid(12),
        (index - 1).rem_euclid(12) + 1,
    );
    YearMonth::new(y, m as u32).unwrap_or_else(|| YearMonth::from_date(chrono::NaiveDate::MIN))
}

fn date(index: i32, day: u32) -> String {
    month_of(index)
        .day_clamped(day)
        .format("%Y-%m-%d")
        .to_string()
}

fn last_day(index: i32) -> String {
    month_of(index).last_day().format("%Y-%m-%d").to_string()
}

/// A local (Asia/Shanghai) time in a month index as UTC milliseconds.
fn at(index: i32, day: u32, hour: u32, minute: u32) -> i64 {
    month_of(index)
        .day_clamped(day)
        .and_hms_opt(hour, minute, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

const HOUR_MS: i64 = 3_600_000;

/// Splits `total` projects over the towns: fixed counts first, the rest by
/// weight with the largest-remainder method (so the sum is exact).
pub(crate) fn allocate(towns: &[TownSeed], total: usize, rng: &mut Rng) -> Vec<usize> {
    let fixed: usize = towns.iter().filter_map(|t| t.fixed).sum();
    let rest = total.saturating_sub(fixed);
    let weights: Vec<f64> = towns
        .iter()
        .map(|t| match t.fixed {
            Some(_) => 0.0,
            None => {
                let model = if t.model { 1.5 } else { 1.0 };
                let size = 1.0 + t.villages.len() as f64 / 40.0;
                model * size * between(rng, 0.75, 1.25)
            }
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                w / sum * rest as f64
            } else {
                0.0
            }
        })
        .collect();
    let mut counts: Vec<usize> = towns
        .iter()
        .zip(&exact)
        .map(|(t, e)| t.fixed.unwrap_or(e.floor() as usize))
        .collect();
    let mut left = total.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..towns.len())
        .filter(|i| towns[*i].fixed.is_none())
        .collect();
    order.sort_by(|a, b| {
        let ra = exact[*a] - exact[*a].floor();
        let rb = exact[*b] - exact[*b].floor();
        rb.total_cmp(&ra).then(a.cmp(b))
    });
    for i in order.iter().cycle().take(order.len() * 2) {
        if left == 0 {
            break;
        }
        counts[*i] += 1;
        left -= 1;
    }
    counts
}

/// Planned start months of the projects completed in 2020: the 2020 plans
/// start in spring, and February (疫情) hardly at all.
#[rustfmt::skip]
const COMPLETED_STARTS: [(i32, u32); 10] = [(1, 14), (2, 4), (3, 20), (4, 18), (5, 13), (6, 10), (7, 8), (8, 6), (9, 4), (10, 3)];
/// Months from the actual start to completion.
#[rustfmt::skip]
const DURATIONS: [(i32, u32); 8] = [(2, 10), (3, 18), (4, 20), (5, 18), (6, 14), (7, 10), (8, 6), (9, 4)];
/// Planned start months of the projects in progress in December.
#[rustfmt::skip]
const IN_PROGRESS_STARTS: [(i32, u32); 12] = [(1, 10), (2, 3), (3, 14), (4, 15), (5, 13), (6, 11), (7, 9), (8, 8), (9, 6), (10, 5), (11, 4), (12, 2)];

/// The timing of one project, as month indexes (1 = 2020-01, 13 = 2021-01).
struct Timing {
    planned_start: i32,
    planned_finish: i32,
    /// None: not started by December 2020.
    start: Option<i32>,
    /// Some: completed in that month of 2020.
    finish: Option<i32>,
}

fn timing(rng: &mut Rng, outcome: Outcome) -> Timing {
    let delay = |rng: &mut Rng| weighted(rng, &[(0, 60), (1, 20), (2, 10), (-1, 10)]);
    match outcome {
        Outcome::Completed => {
            let ps = weighted(rng, &COMPLETED_STARTS);
            let start = (ps + delay(rng)).clamp(1, 10);
            let duration = weighted(rng, &DURATIONS);
            let finish = (start + duration).min(12);
            // Planned finish relative to the actual one (negative: finished late).
            let off = weighted(rng, &[(-2, 8), (-1, 22), (0, 45), (1, 17), (2, 8)]);
            let pf = (finish + off).max(ps + 1);
            Timing {
                planned_start: ps,
                planned_finish: pf,
                start: Some(start),
                finish: Some(finish),
            }
        }
        Outcome::InProgress => {
            let ps = weighted(rng, &IN_PROGRESS_STARTS);
            let start = (ps + delay(rng)).clamp(1, 12);
            // About one in six was due in 2020 and is behind schedule.
            let pf = if ps <= 9 && rng.chance(1, 6) {
                int(rng, (ps + 2).max(start + 1).max(6), 12)
            } else {
                (ps + int(rng, 8, 20)).clamp(13, 24)
            };
            Timing {
                planned_start: ps,
                planned_finish: pf,
                start: Some(start),
                finish: None,
            }
        }
        Outcome::NotStarted => {
            let ps = weighted(rng, &[(7, 1), (8, 2), (9, 3), (10, 4), (11, 5), (12, 5)]);
            Timing {
                planned_start: ps,
                planned_finish: (ps + int(rng, 6, 14)).max(13),
                start: None,
                finish: None,
            }
        }
    }
}

/// Hump-shaped monthly weights (slow start, busy middle, tail) with jitter.
fn spend_curve(rng: &mut Rng, months: usize) -> Vec<f64> {
    (0..months)
        .map(|i| {
            let base = ((i + 1) * (months - i)) as f64 + months as f64 / 2.0;
            base * between(rng, 0.6, 1.4)
        })
        .collect()
}

fn village_or_town<'a>(rng: &mut Rng, town: &'a TownSeed, short: &'a str) -> &'a str {
    if town.villages.is_empty() {
        short
    } else {
        town.villages[rng.below(town.villages.len())].as_str()
    }
}

fn town_short(name: &str) -> &str {
    for suffix in ["镇", "乡"] {
        if let Some(s) = name.strip_suffix(suffix) {
            if s.chars().count() >= 2 {
                return s;
            }
        }
    }
    name
}

/// A project name from a template, unique within the town.
fn project_name(rng: &mut Rng, town: &TownSeed, used: &mut HashSet<String>) -> (usize, String) {
    let short = town_short(&town.name);
    let mut last = None;
    for _ in 0..8 {
        let pillar = weighted(rng, &PILLAR_WEIGHTS);
        let choices: Vec<usize> = (0..TEMPLATES.len())
            .filter(|i| TEMPLATES[*i].pillar == pillar)
            .collect();
        let ti = choices[rng.below(choices.len())];
        let v = village_or_town(rng, town, short);
        let mut w = village_or_town(rng, town, short);
        for _ in 0..4 {
            if w != v {
                break;
            }
            w = village_or_town(rng, town, short);
        }
        if w == v {
            w = &town.name;
        }
        let name = TEMPLATES[ti]
            .name
            .replace("{t}", &town.name)
            .replace("{v}", v)
            .replace("{w}", w);
        if !used.contains(&name) {
            used.insert(name.clone());
            return (ti, name);
        }
        last = Some((ti, name));
    }
    let (ti, base) = last.unwrap_or((0, town.name.clone()));
    for phase in [
        "二期", "三期", "四期", "五期", "六期", "七期", "八期", "九期",
    ] {
        let name = format!("{base}（{phase}）");
        if used.insert(name.clone()) {
            return (ti, name);
        }
    }
    let name = format!("{base}（{}）", used.len());
    used.insert(name.clone());
    (ti, name)
}

/// When a town filed, submitted and had reviewed each month of 2020.
/// Index 0 is January. (filed, period)
fn town_months(rng: &mut Rng, town: usize) -> Vec<(i64, PlannedPeriod)> {
    (1..=12)
        .map(|m| {
            let next = m + 1;
            let late_chance = if m <= 2 { 30 } else { 10 };
            let late = rng.chance(late_chance, 100);
            let day = if late {
                int(rng, 6, 18)
            } else {
                int(rng, 1, 5)
            } as u32;
            let submitted = at(next, day, int(rng, 9, 17) as u32, int(rng, 0, 59) as u32);
            let reviewed = submitted + i64::from(int(rng, 20, 96)) * HOUR_MS;
            let filed = submitted - i64::from(int(rng, 2, 60)) * HOUR_MS;
            let roll = rng.below(100);
            let (state, note) = match m {
                12 if roll < 75 => ("open", ""),
                12 => ("submitted", ""),
                11 if roll < 8 => ("returned", *rng.pick(&RETURN_NOTES)),
                11 if roll < 30 => ("submitted", ""),
                10 if roll < 4 => ("returned", *rng.pick(&RETURN_NOTES)),
                _ => ("accepted", ""),
            };
            let (submitted_at, reviewed_at) = match state {
                "open" => (None, None),
                "submitted" => (Some(submitted), None),
                _ => (Some(submitted), Some(reviewed)),
            };
            // December's reports of an open month are being filled in.
            let filed = if state == "open" {
                at(12, 28, 9, 0) + i64::from(int(rng, 0, 8 * 24)) * HOUR_MS
            } else {
                filed
            };
            (
                filed,
                PlannedPeriod {
                    town,
                    month: m,
                    state,
                    submitted_at,
                    reviewed_at,
                    note,
                },
            )
        })
        .collect()
}

/// Plans the whole library. Pure: the same towns and seed give the same plan.
pub(crate) fn plan(towns: &[TownSeed], seed: u64) -> (Vec<PlannedProject>, Vec<PlannedPeriod>) {
    let mut rng = Rng::new(seed);
    let counts = allocate(towns, PROJECTS, &mut rng);
    let total: usize = counts.iter().sum();
    let mut outcomes: Vec<Outcome> = (0..total)
        .map(|i| match i {
            i if i < COMPLETED => Outcome::Completed,
            i if i < STARTED => Outcome::InProgress,
            _ => Outcome::NotStarted,
        })
        .collect();
    for i in (1..outcomes.len()).rev() {
        let j = rng.below(i + 1);
        outcomes.swap(i, j);
    }
    let mut projects = Vec::with_capacity(total);
    let mut periods = Vec::new();
    let mut n = 0usize;
    for (ti, town) in towns.iter().enumerate() {
        if counts[ti] == 0 {
            continue;
        }
        let months = town_months(&mut rng, ti);
        let mut first_month = 12;
        let mut used = HashSet::new();
        for k in 0..counts[ti] {
            let outcome = outcomes[n];
            n += 1;
            let p = plan_project(&mut rng, town, ti, n, k, outcome, &months, &mut used);
            first_month = first_month.min(p.reports.first().map(|r| r.0).unwrap_or(12));
            projects.push(p);
        }
        periods.extend(
            months
                .into_iter()
                .map(|(_, p)| p)
                .filter(|p| p.month >= first_month),
        );
    }
    (projects, periods)
}

#[allow(clippy::too_many_arguments)]
fn plan_project(
    rng: &mut Rng,
    town: &TownSeed,
    ti: usize,
    number: usize,
    k: usize,
    outcome: Outcome,
    months: &[(i64, PlannedPeriod)],
    used: &mut HashSet<String>,
) -> PlannedProject {
    let (template, name) = project_name(rng, town, used);
    let tpl = &TEMPLATES[template];
    let is_key = rng.chance(15, 100);
    let mut wan = (between(rng, tpl.wan.0.ln(), tpl.wan.1.ln())).exp();
    if is_key {
        wan *= between(rng, 1.5, 2.5);
    }
    // Keep within 50 万 – 2 亿元 without piling up at the cap.
    if wan > 20_000.0 {
        wan = 20_000.0 * between(rng, 0.7, 1.0);
    }
    let total = wan_to_fen(wan.max(50.0));
    let tm = timing(rng, outcome);
    let (ps, pf) = (tm.planned_start, tm.planned_finish);

    // This year's plan: nearly all of it when due this year, else the
    // share of the planned months that fall in 2020.
    let share = if pf <= 12 {
        between(rng, 0.85, 1.0)
    } else {
        let in_year = f64::from(13 - ps) / f64::from(pf - ps + 1);
        (in_year * between(rng, 0.9, 1.25)).clamp(0.15, 0.9)
    };
    let plan = ((total as f64 * share / 1_000_000.0).round() as i64 * 1_000_000)
        .clamp(1_000_000.min(total), total);
    // Completed investment by December.
    let done = match outcome {
        Outcome::NotStarted => 0,
        Outcome::Completed if pf <= 12 => {
            round_fen(plan as f64 * between(rng, 0.99, 1.2)).min(total)
        }
        Outcome::Completed => round_fen(total as f64 * between(rng, 0.92, 1.0)),
        Outcome::InProgress if pf <= 12 => round_fen(plan as f64 * between(rng, 0.55, 0.95)),
        Outcome::InProgress => {
            round_fen(plan as f64 * between(rng, 0.85, 1.45)).min(round_fen(total as f64 * 0.95))
        }
    };

    // Reports from the first month (planned or actual start) to December.
    let first = tm.start.map_or(ps, |s| s.min(ps)).min(12);
    let spend_from = tm.start.unwrap_or(13);
    let spend_to = tm.finish.unwrap_or(12);
    let curve = if spend_from <= spend_to {
        spend_curve(rng, (spend_to - spend_from + 1) as usize)
    } else {
        Vec::new()
    };
    let curve_sum: f64 = curve.iter().sum();
    let mut reports = Vec::new();
    let (mut prev_cum, mut prev_pct, mut acc) = (0i64, 0i32, 0.0f64);
    let mut state = ProjectStatus::NotStarted;
    let mut text = String::new();
    let mut pct = None;
    let mut problems = String::new();
    let delay_problem = *rng.pick(&DELAYS);
    for m in first..=12 {
        let cum = if m < spend_from {
            0
        } else if m >= spend_to {
            done
        } else {
            acc += curve[(m - spend_from) as usize];
            round_fen(done as f64 * acc / curve_sum).min(done)
        };
        state = match (tm.start, tm.finish) {
            (_, Some(f)) if m >= f => ProjectStatus::Completed,
            (Some(s), _) if m >= s => ProjectStatus::InProgress,
            _ => ProjectStatus::NotStarted,
        };
        (text, pct, problems) = match state {
            ProjectStatus::NotStarted => {
                let step = ((m - first) as usize).min(PREPARATION.len() - 1);
                let late = m > ps;
                (
                    PREPARATION[step].to_owned(),
                    None,
                    if late {
                        delay_problem.to_owned()
                    } else {
                        String::new()
                    },
                )
            }
            ProjectStatus::InProgress => {
                let p = ((100.0 * cum as f64 / total.max(1) as f64).round() as i32)
                    .clamp(5, 95)
                    .max(prev_pct);
                prev_pct = p;
                let phase = match p {
                    0..=29 => "基础工程施工中",
                    30..=59 => "主体工程施工中",
                    60..=84 => "附属及配套工程施工中",
                    _ => "扫尾及绿化景观施工中",
                };
                let behind = pf <= 12 && m >= pf;
                (
                    format!("已完成工程量约 {p}%，{phase}"),
                    Some(p),
                    if behind {
                        delay_problem.to_owned()
                    } else {
                        String::new()
                    },
                )
            }
            ProjectStatus::Completed => (
                if Some(m) == tm.finish {
                    "已完工，正在组织竣工验收".to_owned()
                } else {
                    "已通过竣工验收并投入使用".to_owned()
                },
                Some(100),
                String::new(),
            ),
        };
        let filed = months[(m - 1) as usize].0 + (k as i64 % 50) * 60_000;
        reports.push((
            m,
            ReportFields {
                month_fen: cum - prev_cum,
                cumulative_fen: cum,
                year_cumulative_fen: cum,
                status: state.id().into(),
                progress_text: text.clone(),
                progress_pct: pct,
                problems: problems.clone(),
                correction_reason: String::new(),
            },
            filed,
        ));
        prev_cum = cum;
    }

    let person = format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
    let big = total >= 3_000 * 1_000_000; // ≥ 3,000 万元
    let land = if big || rng.chance(1, 8) {
        i64::from(int(rng, 200, 8_000))
    } else {
        0
    };
    let fields = ProjectFields {
        code: format!("{CODE_PREFIX}{number:04}"),
        name,
        pillar: tpl.pillar.id().into(),
        basic_facility: tpl.facility.map(str::to_owned),
        is_key,
        content: tpl.content.to_owned(),
        owner_unit: format!("{}人民政府", town.name),
        responsible_person: person,
        funding_sources: rng.pick(&FUNDING).to_string(),
        total_investment_fen: total,
        planned_start: Some(date(ps, 1)),
        planned_finish: Some(last_day(pf)),
        actual_start: tm.start.map(|s| date(s, int(rng, 1, 28) as u32)),
        actual_finish: tm.finish.map(|f| date(f, int(rng, 1, 28) as u32)),
        status: state.id().into(),
        progress_text: text,
        progress_pct: pct,
        land_acquired_centimu: land,
        land_transferred_centimu: if land > 0 && rng.chance(1, 3) {
            i64::from(int(rng, 100, 3_000))
        } else {
            0
        },
        graves_moved: if land > 0 && rng.chance(1, 4) {
            i64::from(int(rng, 1, 40))
        } else {
            0
        },
        households_relocated: 0,
        problems,
    };
    // Entered in the library the month before its first report (index 0 is
    // December 2019).
    let created_month = first - 1;
    let created_at = at(
        created_month,
        int(rng, 5, 25) as u32,
        10,
        int(rng, 0, 59) as u32,
    );
    PlannedProject {
        town: ti,
        fields,
        plan_fen: plan,
        created_at,
        reports,
    }
}

/// "下崔中宅村委会" → "下崔中宅村", "白塔下街社区居委会" → "白塔下街社区";
/// None for names that are not a village or community (林场生活区 …).
fn village_name(name: &str) -> Option<String> {
    if let Some(s) = name.strip_suffix("村委会") {
        return Some(format!("{s}村"));
    }
    if let Some(s) = name.strip_suffix("社区居委会") {
        return Some(format!("{s}社区"));
    }
    if let Some(s) = name.strip_suffix("居委会") {
        return Some(format!("{s}社区"));
    }
    None
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

impl Services {
    /// Fills 台州's 2020 project library (see the module documentation);
    /// called at the end of [`Services::demo`]. Does nothing when the city
    /// already has project [`FIRST_CODE`].
    pub async fn demo_projects(&self) -> Result<DemoProjects> {
        let city = RegionCode::parse(DEMO_CITY)?;
        let scope = RegionScope::new(city.clone(), None);
        let mut tx = self.db().begin().await?;
        let demo_filter = |q: &str| ProjectFilter {
            region: Some(DEMO_CITY.into()),
            q: Some(q.into()),
            ..ProjectFilter::default()
        };
        let one = PageRequest::new(Some(1), Some(1));
        let exists = repo::list(&mut tx, &scope, &demo_filter(FIRST_CODE), &one).await?;
        if exists.total > 0 {
            let all = repo::list(&mut tx, &scope, &demo_filter(CODE_PREFIX), &one).await?;
            let december =
                stats::total(&mut tx, Source::Live, &scope, DEMO_CITY, DEMO_YEAR, 12).await?;
            return Ok(DemoProjects {
                created: false,
                projects: usize::try_from(all.total).unwrap_or(0),
                december,
                ..DemoProjects::default()
            });
        }

        // Towns (not 街道), their villages and 2020 enrollment.
        let page = |n| PageRequest::new(Some(n), Some(MAX_PER_PAGE));
        let towns = regions::search(&mut tx, &scope, "", Some(Level::Town), &page(1)).await?;
        let model: HashSet<String> = enrollments::list(&mut tx, &scope, None, Some(DEMO_YEAR))
            .await?
            .into_iter()
            .filter(|e| e.kind == "model")
            .map(|e| e.town_code)
            .collect();
        let mut villages: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for n in 1.. {
            let p = regions::search(&mut tx, &scope, "", Some(Level::Village), &page(n)).await?;
            let done = p.items.len() < MAX_PER_PAGE as usize;
            for v in p.items {
                if let (Some(town), Some(name)) = (v.parent_code, village_name(&v.name)) {
                    villages.entry(town).or_default().push(name);
                }
            }
            if done {
                break;
            }
        }
        let seeds: Vec<TownSeed> = towns
            .items
            .into_iter()
            .filter(|t| !t.name.ends_with("街道"))
            .map(|t| TownSeed {
                villages: villages.remove(&t.code).unwrap_or_default(),
                model: model.contains(&t.code),
                fixed: DEMO_TOWN_PROJECTS
                    .iter()
                    .find(|(c, _)| *c == t.code)
                    .map(|(_, n)| *n),
                code: t.code,
                name: t.name,
            })
            .collect();
        if seeds.is_empty() {
            return Err(ServiceError::NotFound(
                "台州市区划未导入，请先运行 meizhen regions load".into(),
            ));
        }

        // Demo accounts: town staff file their town's reports, the county
        // office reviews them.
        let mut staff: BTreeMap<&str, i64> = BTreeMap::new();
        let mut reviewers: BTreeMap<&str, i64> = BTreeMap::new();
        for (username, _, role, region, _) in DEMO_USERS {
            let target = match role {
                "town_staff" => &mut staff,
                "county_office" => &mut reviewers,
                _ => continue,
            };
            if let Some(u) = users::by_username(&mut tx, username).await? {
                target.insert(region, u.id);
            }
        }

        let (projects, periods) = plan(&seeds, SEED);
        let mut report_count = 0;
        let mut touched = BTreeMap::new();
        for p in &projects {
            let town = &seeds[p.town];
            let by = staff.get(town.code.as_str()).copied();
            let id = repo::insert(&mut tx, &town.code, &p.fields, by, p.created_at).await?;
            repo::set_plan(&mut tx, id, &town.code, DEMO_YEAR, p.plan_fen).await?;
            for (month, r, filed) in &p.reports {
                repo::upsert_report(&mut tx, id, &town.code, DEMO_YEAR, *month, r, by, *filed)
                    .await?;
            }
            report_count += p.reports.len();
            *touched.entry(town.code.as_str()).or_insert(0usize) += 1;
        }
        for p in &periods {
            let town = &seeds[p.town].code;
            let reviewer = p
                .reviewed_at
                .and_then(|_| reviewers.get(&town[..6]).copied());
            repo::set_period(
                &mut tx,
                town,
                DEMO_YEAR,
                p.month,
                p.state,
                p.submitted_at,
                p.reviewed_at,
                reviewer,
                p.note,
            )
            .await?;
        }
        for town in touched.keys() {
            recompute_town_year(&mut tx, town, DEMO_YEAR).await?;
        }
        let december =
            stats::total(&mut tx, Source::Live, &scope, DEMO_CITY, DEMO_YEAR, 12).await?;
        let out = DemoProjects {
            created: true,
            projects: projects.len(),
            reports: report_count,
            periods: periods.len(),
            towns: touched.len(),
            december,
        };
        record(
            &mut tx,
            None,
            &RequestMeta::cli(),
            Change::new("create", "project", "demo", city.as_str()).summary(out.summary()),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// Demo progress photos: generated pictures (a sky, a hillside and a road in
/// colours that vary by project) for a few projects of each demo town, filed
/// with their December reports. Skipped when 台州 already has photos.
impl Services {
    pub async fn demo_photos(&self) -> Result<usize> {
        use meizhen_storage::repo::projects as repo;
        let actor = crate::Actor::system();
        let city = meizhen_domain::RegionCode::parse(crate::demo::DEMO_CITY)?;
        let mut projects = Vec::new();
        {
            let mut tx = self.db().begin_read().await?;
            for town in crate::demo::DEMO_GRID_TOWNS {
                let filter = repo::ProjectFilter {
                    region: Some(town.into()),
                    year: Some(2020),
                    ..Default::default()
                };
                let page = repo::list(
                    &mut tx,
                    actor.scope(),
                    &filter,
                    &meizhen_domain::page::PageRequest::new(Some(1), Some(3)),
                )
                .await?;
                projects.extend(page.items.into_iter().map(|p| (p.id, p.name, p.town_name)));
            }
            let existing =
                repo::photos_in_region(&mut tx, actor.scope(), city.as_str(), 0, 0, 0, i64::MAX, 1)
                    .await?;
            if !existing.is_empty() {
                return Ok(0);
            }
        }
        let december = meizhen_domain::project::YearMonth::new(2020, 12);
        let meta = crate::RequestMeta::cli();
        let mut n = 0;
        for (i, (id, name, town)) in projects.into_iter().enumerate() {
            let bytes = demo_picture(i as u32);
            let caption = format!("{town}{name}施工现场（演示图片）");
            self.add_photo(&actor, id, december, bytes, &caption, &meta)
                .await?;
            n += 1;
        }
        Ok(n)
    }
}

/// A 640×400 JPEG: sky, hill and road, tinted by `seed`. No text, so no fonts.
fn demo_picture(seed: u32) -> Vec<u8> {
    let tint = (seed * 37 % 60) as u8;
    let img = image::RgbImage::from_fn(640, 400, |x, y| {
        let hill = 200.0 + 40.0 * ((x as f32) / 90.0 + seed as f32).sin();
        if (y as f32) < hill {
            image::Rgb([120 + tint, 170 + tint / 2, 230])
        } else if y > 330 && x > 200 + (400 - y) && x < 440 - (400 - y) {
            image::Rgb([90, 90, 95])
        } else {
            image::Rgb([60 + tint, 140, 70 + tint / 3])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    match image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg) {
        Ok(()) => out.into_inner(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn towns() -> Vec<TownSeed> {
        (0..90)
            .map(|i| TownSeed {
                code: format!("331024{:03}", 100 + i),
                name: format!("测试{i}镇"),
                villages: (0..(i % 30)).map(|v| format!("村{v}村")).collect(),
                model: i % 5 == 0,
                fixed: (i < 4).then_some(6),
            })
            .collect()
    }

    #[test]
    fn allocation_is_exact_and_keeps_fixed_counts() {
        let t = towns();
        let counts = allocate(&t, PROJECTS, &mut Rng::new(1));
        assert_eq!(counts.iter().sum::<usize>(), PROJECTS);
        assert!(counts[..4].iter().all(|c| *c == 6));
        assert!(counts[4..].iter().all(|c| *c > 5), "{counts:?}");
    }

    #[test]
    fn plan_is_deterministic_and_consistent() {
        let t = towns();
        let (a, periods) = plan(&t, SEED);
        let (b, _) = plan(&t, SEED);
        assert_eq!(a.len(), PROJECTS);
        assert_eq!(
            a.iter().map(|p| &p.fields).collect::<Vec<_>>(),
            b.iter().map(|p| &p.fields).collect::<Vec<_>>()
        );
        let status = |p: &PlannedProject| p.reports.last().map(|r| r.1.status.clone());
        let completed = a
            .iter()
            .filter(|p| status(p).as_deref() == Some("completed"))
            .count();
        let started = a
            .iter()
            .filter(|p| status(p).as_deref() != Some("not_started"))
            .count();
        assert_eq!((started, completed), (STARTED, COMPLETED));
        let (mut plan_sum, mut done_sum) = (0i64, 0i64);
        for p in &a {
            assert!(p.plan_fen > 0 && p.plan_fen <= p.fields.total_investment_fen);
            assert!(p.fields.total_investment_fen >= 50 * 1_000_000);
            assert!(p.fields.total_investment_fen <= 20_000 * 1_000_000);
            assert!(p.fields.planned_start <= p.fields.planned_finish);
            assert_eq!(p.reports.last().map(|r| r.0), Some(12));
            let (mut prev, mut prev_status) = (0, ProjectStatus::NotStarted);
            for (m, r, _) in &p.reports {
                assert!(r.cumulative_fen >= prev, "{} {m}", p.fields.code);
                assert!(r.cumulative_fen <= p.fields.total_investment_fen);
                assert_eq!(r.month_fen, r.cumulative_fen - prev);
                let s = ProjectStatus::from_id(&r.status).expect("status");
                assert!(s >= prev_status, "{} {m}", p.fields.code);
                if s == ProjectStatus::NotStarted {
                    assert_eq!(r.cumulative_fen, 0);
                }
                prev = r.cumulative_fen;
                prev_status = s;
            }
            assert_eq!(Some(p.fields.status.as_str()), status(p).as_deref());
            plan_sum += p.plan_fen;
            done_sum += prev;
        }
        let rate = done_sum as f64 / plan_sum as f64;
        assert!((1.0..=1.1).contains(&rate), "investment rate {rate}");
        assert!(periods
            .iter()
            .any(|p| p.state == "returned" && !p.note.is_empty()));
        assert!(periods.iter().any(|p| p.month == 12 && p.state == "open"));
    }

    #[test]
    fn village_names() {
        assert_eq!(
            village_name("下崔中宅村委会").as_deref(),
            Some("下崔中宅村")
        );
        assert_eq!(
            village_name("白塔下街社区居委会").as_deref(),
            Some("白塔下街社区")
        );
        assert_eq!(village_name("萍溪林场生活区"), None);
        assert_eq!(town_short("白塔镇"), "白塔");
        assert_eq!(town_short("大陈镇"), "大陈");
    }

    #[test]
    fn times_are_shanghai() {
        // 2021-01-05 09:30 in Shanghai.
        assert_eq!(
            meizhen_domain::time::format_ms(at(13, 5, 9, 30)),
            "2021-01-05 09:30"
        );
        assert_eq!(date(14, 31), "2021-02-28");
        assert_eq!(last_day(2), "2020-02-29");
    }
}
