//! `meizhen demo`, continued: 台州市美镇办's 暗访督查 of 2020 (issue 4).
//!
//! Everything goes through the services, as the offices, inspectors and towns
//! would do it (so every step has its audit entry), with the dated variants of
//! the services putting each step on its day in 2020:
//!
//! * four quarterly rounds, [`ROUNDS`] "2020年第一季度美丽城镇暗访督查" …
//!   第四季度, each a stratified random sample of [`PER_COUNTY`] towns per
//!   county of 台州's nine counties drawn by the service from the round's
//!   stated seed (the third and fourth quarters add the four demo towns, so
//!   their accounts have tasks); every inspection assigned to an inspector who
//!   is not of the inspected county ([`EXTRA_INSPECTORS`] adds three inspector
//!   accounts: one more of the city, one each of 临海 and 温岭 for the
//!   cross-county checks);
//! * 2–8 findings per inspection from the round's checklist, with places
//!   named after the town and its villages, GPS fixes near a per-town point,
//!   times on the visit day and one or two generated photos each (a street
//!   scene showing the kind of problem, with a camera date stamp);
//! * all four rounds published a week after their visits, deadlines by
//!   severity; rectification in every state: closed on time, closed late,
//!   returned and resubmitted, returned, submitted (awaiting the county),
//!   and open past the deadline, with after-photos and notes; the notice
//!   texts (title, document number, opening, closing) of each round; the
//!   four quarterly assessments of the city;
//! * a fifth round, [`SECRET_ROUND`], planned for 2021 and left unpublished
//!   with a few findings: nobody of the inspected counties sees it.
//!
//! Deterministic: the samples come from the stated seeds, every other choice
//! from the [`Rng`] seeded with [`SEED`]. A city that already has the first
//! round is left as it is (only the extra accounts' passwords are refreshed).

use crate::demo::{DEMO_CITY, DEMO_GRID_TOWNS};
use crate::generate::Rng;
use crate::inspections::{
    FindingFilter, FindingInput, FindingView, InspectionLine, NoticeText, PhotoUpload, RoundFilter,
    RoundInput, SampleInput,
};
use crate::users::UserInput;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use chrono::{Datelike, Days, NaiveDate};
use meizhen_domain::inspection::{Catalogue, Item, Quarter, SampleSize, Severity, Weights};
use meizhen_domain::{RegionCode, RegionScope};
use meizhen_storage::regions;
use meizhen_storage::repo::users;
use std::collections::BTreeMap;

/// The seed of every choice that is not a sample.
pub const SEED: u64 = 2020_3310_0004;
/// Towns drawn per county in each 2020 round.
pub const PER_COUNTY: u32 = 3;

/// One demo round.
pub struct DemoRound {
    pub name: &'static str,
    pub quarter: Quarter,
    /// The day the office sets it up.
    pub created: (i32, u32, u32),
    pub starts: (i32, u32, u32),
    pub ends: (i32, u32, u32),
    /// Published on this day (None: left secret).
    pub published: Option<(i32, u32, u32)>,
    /// The sample's stated seed.
    pub seed: u64,
    pub per_county: u32,
    /// The notice's document number.
    pub number: &'static str,
    /// Also inspects the demo towns (added by hand when not drawn).
    pub demo_towns: bool,
}

const fn q(year: i32, q: u32) -> Quarter {
    Quarter { year, q }
}

/// The four published rounds of 2020.
pub const ROUNDS: [DemoRound; 4] = [
    DemoRound {
        name: "2020年第一季度美丽城镇暗访督查",
        quarter: q(2020, 1),
        created: (2020, 3, 2),
        starts: (2020, 3, 9),
        ends: (2020, 3, 20),
        published: Some((2020, 3, 27)),
        seed: 2020_0309,
        per_county: PER_COUNTY,
        number: "台美镇办〔2020〕8号",
        demo_towns: false,
    },
    DemoRound {
        name: "2020年第二季度美丽城镇暗访督查",
        quarter: q(2020, 2),
        created: (2020, 6, 1),
        starts: (2020, 6, 8),
        ends: (2020, 6, 19),
        published: Some((2020, 6, 29)),
        seed: 2020_0608,
        per_county: PER_COUNTY,
        number: "台美镇办〔2020〕19号",
        demo_towns: false,
    },
    DemoRound {
        name: "2020年第三季度美丽城镇暗访督查",
        quarter: q(2020, 3),
        created: (2020, 8, 31),
        starts: (2020, 9, 7),
        ends: (2020, 9, 18),
        published: Some((2020, 9, 25)),
        seed: 2020_0907,
        per_county: PER_COUNTY,
        number: "台美镇办〔2020〕31号",
        demo_towns: true,
    },
    DemoRound {
        name: "2020年第四季度美丽城镇暗访督查",
        quarter: q(2020, 4),
        created: (2020, 11, 23),
        starts: (2020, 11, 30),
        ends: (2020, 12, 11),
        published: Some((2020, 12, 18)),
        seed: 2020_1130,
        per_county: PER_COUNTY,
        number: "台美镇办〔2020〕45号",
        demo_towns: true,
    },
];

/// The round still being carried out: secret from everyone it inspects.
pub const SECRET_ROUND: DemoRound = DemoRound {
    name: "2021年第一季度暗访（计划中）",
    quarter: q(2021, 1),
    created: (2021, 2, 22),
    starts: (2021, 3, 8),
    ends: (2021, 3, 19),
    published: None,
    seed: 2021_0308,
    per_county: 1,
    number: "",
    demo_towns: false,
};

/// Inspections of the secret round already visited (with findings).
const SECRET_VISITED: usize = 2;

/// Inspector accounts the demo adds: (username, name, region).
pub const EXTRA_INSPECTORS: [(&str, &str, &str); 3] = [
    ("tz.inspector2", "台州市督查组 王副组长", "3310"),
    ("lh.inspector", "临海市美镇办督查员 林", "331082"),
    ("wl.inspector", "温岭市美镇办督查员 陈", "331081"),
];

/// Town staff of the demo towns (they answer their own tasks).
const TOWN_STAFF: [(&str, &str); 4] = [
    ("331024103", "xj.baita"),
    ("331024101", "xj.hengxi"),
    ("331083102", "yh.chumen"),
    ("331083103", "yh.ganjiang"),
];

/// County offices with a demo account (they verify their towns' answers;
/// the city office verifies for the others).
const COUNTY_OFFICES: [(&str, &str); 2] = [("331024", "xj.office"), ("331083", "yh.office")];

/// Rough centres of 台州's counties (microdegrees): each town's point is
/// placed near its county's.
const COUNTY_CENTRES: [(&str, i64, i64); 9] = [
    ("331002", 28_680_000, 121_440_000),
    ("331003", 28_650_000, 121_260_000),
    ("331004", 28_580_000, 121_370_000),
    ("331022", 29_100_000, 121_390_000),
    ("331023", 29_140_000, 121_010_000),
    ("331024", 28_850_000, 120_730_000),
    ("331081", 28_370_000, 121_390_000),
    ("331082", 28_860_000, 121_140_000),
    ("331083", 28_140_000, 121_230_000),
];

/// What the inspection part of the demo did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoInspections {
    /// False when the rounds already existed (nothing was written).
    pub created: bool,
    pub rounds: usize,
    pub published: usize,
    pub inspections: usize,
    pub findings: usize,
    pub photos: usize,
    pub closed_on_time: usize,
    pub closed_late: usize,
    pub returned: usize,
    pub submitted: usize,
    pub open: usize,
    pub assessments: usize,
    /// The extra inspector accounts: (username, role, region, password).
    pub accounts: Vec<(String, String, String, String)>,
}

impl DemoInspections {
    /// One line for the command line.
    pub fn summary(&self) -> String {
        if !self.created {
            return format!("演示暗访督查已存在（{} 轮），未重复生成。", self.rounds);
        }
        format!(
            "演示暗访督查：台州市 2020 年 {} 轮暗访（均已发布、附通报）及 1 轮未发布的“{}”，\
             检查 {} 个乡镇次，发现问题 {} 个，照片 {} 张（生成的图片）；整改：按期销号 {} 个、\
             逾期销号 {} 个、待核查 {} 个、退回整改 {} 个、逾期未整改 {} 个；季度考核发布 {} 个。",
            self.published,
            SECRET_ROUND.name,
            self.inspections,
            self.findings,
            self.photos,
            self.closed_on_time,
            self.closed_late,
            self.submitted,
            self.returned,
            self.open,
            self.assessments,
        )
    }
}

// ---------------------------------------------------------------------------
// Texts

/// Per default checklist item: places ({t} town, {v} one of its villages),
/// what the inspector saw, what the town did.
struct ItemText {
    code: &'static str,
    places: &'static [&'static str],
    notes: &'static [&'static str],
    fix: &'static str,
}

const fn it(
    code: &'static str,
    places: &'static [&'static str],
    notes: &'static [&'static str],
    fix: &'static str,
) -> ItemText {
    ItemText {
        code,
        places,
        notes,
        fix,
    }
}

const LEDGER: &str = "{t}便民服务中心（台账查阅）";

#[rustfmt::skip]
const ITEM_TEXTS: [ItemText; 19] = [
    it("HJ01", &["{t}集镇主街", "{t}老街", "{v}村道"], &["路面有散落垃圾和积水，未及时清扫", "人行道烟头、纸屑较多，保洁不到位"], "已加密主街保洁频次，实行全天候巡回保洁，积水点已疏通排水。"),
    it("HJ02", &["{t}农贸市场周边", "{v}村口", "{t}集镇背街小巷"], &["路边堆放建筑垃圾和生活垃圾，未及时清运", "绿化带内有垃圾暴露，无人清理"], "已清运暴露垃圾，落实网格员每日巡查，对乱倒行为予以劝导。"),
    it("HJ03", &["{t}集镇主街", "{v}文化礼堂旁", "{t}客运站前"], &["垃圾桶满溢，周边散落垃圾", "分类垃圾桶破损，垃圾未分类投放"], "已更换破损垃圾桶，调整清运频次，张贴分类投放指引。"),
    it("HJ04", &["{t}集镇公共厕所", "{v}公厕"], &["公厕地面脏污、有异味，洗手设施损坏", "公厕无保洁记录，便池堵塞"], "已对公厕全面保洁和维修，落实专人管理，张贴保洁记录。"),
    it("HJ05", &["镇区河道（{v}段）", "{t}集镇溪边"], &["河面有生活垃圾漂浮", "排水口有污水直排河道"], "已打捞河面漂浮物，对直排口截污纳管，落实河长巡河。"),
    it("ZX01", &["{t}集镇主街", "{t}农贸市场门口"], &["多家店铺店外堆放货物、占道经营", "水果摊占用人行道经营"], "已联合综合执法中队开展专项整治，店外经营已清理，落实门前三包责任。"),
    it("ZX02", &["{t}集镇主街", "{t}中心小学门口", "{t}客运站前"], &["机动车在人行道随意停放", "非机动车乱停乱放，堵塞通道"], "已施划停车泊位和非机动车停放区，安排专人劝导。"),
    it("ZX03", &["{t}农贸市场周边", "{t}中心小学门口"], &["流动摊贩沿路无序设摊", "早市摊贩占用车行道"], "已设置临时疏导点，引导摊贩入场经营。"),
    it("ZX04", &["{t}老街", "{v}村口", "{t}集镇主街"], &["墙面、电线杆上乱张贴小广告", "违规设置落地广告牌"], "已清除小广告、拆除违规广告牌，建立日常巡查清理机制。"),
    it("ZX05", &["{t}老街", "{v}村道"], &["架空线乱拉乱接，线缆缠绕下垂", "废弃线缆未拆除"], "已会同电力、通信部门规整架空线，废弃线缆已拆除。"),
    it("XR01", &["{t}集镇主街", "{t}老街"], &["沿街建筑立面墙皮脱落、污渍明显", "立面空调外机、防盗窗设置杂乱"], "已修补粉刷破损立面，清洗污渍，规整外挂设施。"),
    it("XR02", &["{t}集镇主街", "{t}农贸市场周边"], &["店招店牌破损、褪色", "店招设置不规范，大小不一"], "已督促商户更换破损店招，按统一规范设置。"),
    it("XR03", &["{t}入口绿化带", "{v}村口游园"], &["绿化带缺株断档，黄土裸露", "绿地内杂草丛生"], "已补植苗木、清除杂草，裸露黄土已覆绿。"),
    it("XR04", &["{t}集镇在建工地", "{v}安置小区工地"], &["建筑工地未设置围挡，扬尘明显", "工地出入口未冲洗车辆，道路污染"], "已督促施工单位规范设置围挡，落实洒水降尘和车辆冲洗。"),
    it("XR05", &["{v}", "{t}集镇主街"], &["新增违法搭建彩钢棚", "沿街违规搭建雨棚"], "已依法拆除违法搭建，加强巡查防止反弹。"),
    it("CX01", &[LEDGER], &["集镇保洁人员配备不足，部分路段无人保洁"], "已新增保洁人员，实行分段包干。"),
    it("CX02", &[LEDGER, "{t}集镇主街"], &["街长制公示牌信息未更新，街长未按要求巡街"], "已更新公示牌，街长巡街记录每日上报。"),
    it("CX03", &[LEDGER], &["网格平台问题上报和处置不及时"], "已明确网格员上报责任，平台问题实行日清。"),
    it("CX04", &[LEDGER, "{t}集镇主街"], &["上一轮暗访发现的问题未整改到位"], "已对前次问题逐项复查整改，建立整改台账。"),
];

const RETURN_NOTES: [&str; 4] = [
    "整改后照片与问题点位不一致，请补充同一角度的整改前后对比照片",
    "现场复核仍存在同类问题，整改不彻底",
    "仅作临时清理，未建立长效管理措施，请完善后重新提交",
    "整改说明过于简单，请补充整改措施和责任人",
];

const ACCEPT_NOTES: [&str; 4] = [
    "经现场复核，问题已整改到位，同意销号。",
    "整改前后对比照片清晰，同意销号。",
    "已整改到位，请加强日常巡查，防止反弹。",
    "",
];

const RESUBMIT_NOTES: [&str; 3] = [
    "已按核查意见重新整改，补充同一角度整改后照片。",
    "已再次组织清理，并落实责任人每日巡查，建立长效管理台账。",
    "已补充整改措施和责任人，现场问题已全部整改到位。",
];

fn item_text(code: &str) -> Option<&'static ItemText> {
    ITEM_TEXTS.iter().find(|t| t.code == code)
}

// ---------------------------------------------------------------------------
// Time

fn day((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d + Days::new(days.unsigned_abs())
    } else {
        d - Days::new(days.unsigned_abs())
    }
}

/// A local (Asia/Shanghai) time as UTC milliseconds.
fn at(d: NaiveDate, hour: u32, minute: u32) -> i64 {
    d.and_hms_opt(hour, minute, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Working days of a round's window.
fn workdays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        if d.weekday().num_days_from_monday() < 5 {
            out.push(d);
        }
        d = plus(d, 1);
    }
    if out.is_empty() {
        out.push(from);
    }
    out
}

// ---------------------------------------------------------------------------
// Places

/// FNV-1a, for per-town constants.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A town of a round, as the finding writer needs it.
struct Town {
    code: String,
    name: String,
    villages: Vec<String>,
    /// The town's point (microdegrees).
    lat: i64,
    lon: i64,
}

impl Town {
    fn place(&self, template: &str, rng: &mut Rng) -> String {
        let village = if self.villages.is_empty() {
            self.name.clone()
        } else {
            rng.pick(&self.villages).clone()
        };
        let mut s = template.replace("{t}", &self.name).replace("{v}", &village);
        if self.name.ends_with("街道") {
            s = s.replace("集镇", "");
        }
        s
    }
}

/// Village names as people say them ("下崔中宅村", "白塔下街社区").
fn village_name(name: &str) -> Option<String> {
    if let Some(s) = name.strip_suffix("村委会") {
        return Some(format!("{s}村"));
    }
    if let Some(s) = name.strip_suffix("社区居委会") {
        return Some(format!("{s}社区"));
    }
    name.strip_suffix("居委会").map(|s| format!("{s}社区"))
}

fn town_point(code: &str) -> (i64, i64) {
    let county = code.get(..6).unwrap_or(code);
    let (lat, lon) = COUNTY_CENTRES
        .iter()
        .find(|(c, _, _)| *c == county)
        .map(|(_, a, b)| (*a, *b))
        .unwrap_or((28_660_000, 121_420_000));
    let h = hash(code);
    let off = |bits: u64| ((bits % 180_001) as i64) - 90_000;
    (lat + off(h), lon + off(h >> 24))
}

// ---------------------------------------------------------------------------
// Rectification outcomes

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    OnTime,
    Late,
    ReturnedThenClosed,
    Returned,
    Resubmitted,
    Submitted,
    Open,
}

/// Shares in percent, per published round: the older the round, the more is
/// closed.
#[rustfmt::skip]
const SHARES: [[(Outcome, usize); 7]; 4] = {
    use Outcome::*;
    [
        [(OnTime, 66), (Late, 16), (ReturnedThenClosed, 10), (Returned, 0), (Resubmitted, 0), (Submitted, 2), (Open, 6)],
        [(OnTime, 58), (Late, 14), (ReturnedThenClosed, 10), (Returned, 3), (Resubmitted, 2), (Submitted, 4), (Open, 9)],
        [(OnTime, 45), (Late, 12), (ReturnedThenClosed, 8), (Returned, 7), (Resubmitted, 4), (Submitted, 10), (Open, 14)],
        [(OnTime, 30), (Late, 8), (ReturnedThenClosed, 6), (Returned, 11), (Resubmitted, 5), (Submitted, 17), (Open, 23)],
    ]
};

/// `n` outcomes in the round's shares (each share present at least once
/// when there is room), shuffled.
fn outcomes(n: usize, round: usize, rng: &mut Rng) -> Vec<Outcome> {
    let shares = &SHARES[round.min(SHARES.len() - 1)];
    let mut out = Vec::with_capacity(n);
    for (o, p) in shares.iter().skip(1) {
        if *p == 0 {
            continue;
        }
        let k = (n * p / 100).max(1);
        out.extend(std::iter::repeat_n(*o, k));
    }
    out.truncate(n);
    while out.len() < n {
        out.push(Outcome::OnTime);
    }
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    out
}

// ---------------------------------------------------------------------------
// Writing

/// The actors the demo acts as.
struct Cast {
    city: Actor,
    inspectors: Vec<Actor>,
    /// Town staff by town code.
    staff: BTreeMap<String, Actor>,
    /// County offices by county code.
    counties: BTreeMap<String, Actor>,
    /// Pictures made so far: the same bytes are stored once.
    pictures: std::sync::Mutex<BTreeMap<(String, usize, bool), Vec<u8>>>,
}

impl Cast {
    /// Variant `variant` of the picture of item `code` (made once).
    fn picture(&self, code: &str, variant: usize, after: bool) -> Vec<u8> {
        let key = (code.to_owned(), variant, after);
        let mut made = match self.pictures.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        made.entry(key)
            .or_insert_with(|| picture(code, variant, after))
            .clone()
    }
    fn answerer(&self, town: &str) -> Actor {
        self.staff.get(town).cloned().unwrap_or_else(Actor::system)
    }
    fn verifier(&self, town: &str) -> &Actor {
        town.get(..6)
            .and_then(|c| self.counties.get(c))
            .unwrap_or(&self.city)
    }
    /// The inspector of a county in a round: never one of that county.
    fn inspector(&self, county: &str, turn: usize) -> &Actor {
        let n = self.inspectors.len();
        (0..n)
            .map(|k| &self.inspectors[(turn + k) % n])
            .find(|a| !(a.region.as_str().len() >= 6 && county.starts_with(a.region.as_str())))
            .unwrap_or(&self.inspectors[0])
    }
}

impl Services {
    /// 台州's 2020 暗访督查 (see the module documentation); called after
    /// [`Services::demo`] (whose accounts it uses) with the same demo
    /// `password` for the inspector accounts it adds (generated when None).
    pub async fn demo_inspections(&self, password: Option<&str>) -> Result<DemoInspections> {
        let password = match password {
            Some(p) => p.to_owned(),
            None => Services::generate_password(),
        };
        let mut accounts = Vec::new();
        for (username, name, region) in EXTRA_INSPECTORS {
            let exists = {
                let mut tx = self.db().begin_read().await?;
                users::by_username(&mut tx, username).await?.is_some()
            };
            if exists {
                self.set_password_as_system(username, &password, false)
                    .await?;
            } else {
                self.create_user_as_system(&UserInput {
                    username: username.into(),
                    display_name: name.into(),
                    role: "inspector".into(),
                    region: region.into(),
                    department: None,
                    password: Some(password.clone()),
                })
                .await?;
            }
            accounts.push((
                username.to_owned(),
                "inspector".to_owned(),
                region.to_owned(),
                password.clone(),
            ));
        }

        let cast = self.demo_cast().await?;
        let meta = RequestMeta::cli();
        let existing = self.rounds(&cast.city, &RoundFilter::default()).await?;
        let ours = |name: &str| name == ROUNDS[0].name || name == SECRET_ROUND.name;
        if existing.iter().any(|r| ours(&r.round.name)) {
            return Ok(DemoInspections {
                created: false,
                rounds: existing
                    .iter()
                    .filter(|r| {
                        ROUNDS.iter().any(|d| d.name == r.round.name)
                            || r.round.name == SECRET_ROUND.name
                    })
                    .count(),
                accounts,
                ..DemoInspections::default()
            });
        }

        let mut out = DemoInspections {
            created: true,
            accounts,
            ..DemoInspections::default()
        };
        let mut rng = Rng::new(SEED);
        for (index, plan) in ROUNDS.iter().enumerate() {
            self.demo_round(&cast, plan, index, &mut rng, &meta, &mut out)
                .await?;
        }
        self.demo_round(
            &cast,
            &SECRET_ROUND,
            ROUNDS.len(),
            &mut rng,
            &meta,
            &mut out,
        )
        .await?;
        for plan in &ROUNDS {
            match self
                .publish_assessment(
                    &cast.city,
                    DEMO_CITY,
                    plan.quarter,
                    Weights::default(),
                    &meta,
                )
                .await
            {
                Ok(_) => out.assessments += 1,
                Err(ServiceError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn demo_cast(&self) -> Result<Cast> {
        let city = self.demo_actor("tz.office").await?;
        let mut inspectors = vec![self.demo_actor("tz.inspector").await?];
        for (u, _, _) in EXTRA_INSPECTORS {
            inspectors.push(self.demo_actor(u).await?);
        }
        let mut staff = BTreeMap::new();
        for (town, u) in TOWN_STAFF {
            staff.insert(town.to_owned(), self.demo_actor(u).await?);
        }
        let mut counties = BTreeMap::new();
        for (county, u) in COUNTY_OFFICES {
            counties.insert(county.to_owned(), self.demo_actor(u).await?);
        }
        Ok(Cast {
            city,
            inspectors,
            staff,
            counties,
            pictures: Default::default(),
        })
    }

    /// A demo account as the actor the demo acts as.
    async fn demo_actor(&self, username: &str) -> Result<Actor> {
        let row = {
            let mut tx = self.db().begin_read().await?;
            users::by_username(&mut tx, username).await?
        };
        let row = row.ok_or_else(|| {
            ServiceError::NotFound(format!("演示账号 {username} 不存在，请先运行 meizhen demo"))
        })?;
        let mut a = Actor::from_row(&row)
            .ok_or_else(|| ServiceError::Conflict(format!("演示账号 {username} 数据有误")))?;
        // The demo acts for them: their first-login password change is theirs to do.
        a.must_change_password = false;
        Ok(a)
    }

    /// One round, from its set-up to its notice.
    async fn demo_round(
        &self,
        cast: &Cast,
        plan: &DemoRound,
        index: usize,
        rng: &mut Rng,
        meta: &RequestMeta,
        out: &mut DemoInspections,
    ) -> Result<()> {
        let (starts, ends) = (day(plan.starts), day(plan.ends));
        let round = self
            .create_round_at(
                &cast.city,
                &RoundInput {
                    name: plan.name.into(),
                    quarter: plan.quarter.id(),
                    starts_on: ymd(starts),
                    ends_on: ymd(ends),
                    towns: Vec::new(),
                    sample: Some(SampleInput {
                        size: SampleSize::PerCounty(plan.per_county),
                        seed: plan.seed,
                        counties: Vec::new(),
                    }),
                },
                meta,
                at(day(plan.created), 9, 30),
            )
            .await?;
        let mut added = Vec::new();
        if plan.demo_towns {
            let drawn: Vec<String> = self
                .round_view(&cast.city, round.id)
                .await?
                .inspections
                .into_iter()
                .map(|l| l.row.town_code)
                .collect();
            added = DEMO_GRID_TOWNS
                .iter()
                .filter(|t| !drawn.iter().any(|d| d == *t))
                .map(|t| (*t).to_owned())
                .collect();
            if !added.is_empty() {
                self.add_round_towns(&cast.city, round.id, &added, meta)
                    .await?;
            }
        }
        let view = self.round_view(&cast.city, round.id).await?;
        let catalogue = view.checklist.clone();
        out.rounds += 1;

        // Assignments: one inspector per county, visits on the window's
        // working days.
        let days = workdays(starts, ends);
        let mut by_county: BTreeMap<String, Vec<&InspectionLine>> = BTreeMap::new();
        for l in &view.inspections {
            by_county.entry(l.county_code.clone()).or_default().push(l);
        }
        let mut visits = Vec::new();
        for (ci, (county, lines)) in by_county.iter().enumerate() {
            let inspector = cast.inspector(county, ci + index);
            for (k, l) in lines.iter().enumerate() {
                let visit = days[(ci * 2 + k) % days.len()];
                self.assign_inspector(&cast.city, l.row.id, Some(inspector.id), &ymd(visit), meta)
                    .await?;
                visits.push((*l, inspector, visit, k));
            }
        }
        visits.sort_by(|a, b| {
            a.2.cmp(&b.2)
                .then(a.0.row.town_code.cmp(&b.0.row.town_code))
        });
        if plan.published.is_none() {
            visits.truncate(SECRET_VISITED);
        }
        out.inspections += visits.len();

        // Field work.
        let mut names = BTreeMap::new();
        for (line, inspector, visit, k) in &visits {
            let town = self.demo_town(line).await?;
            names.insert(town.code.clone(), town.name.clone());
            let n = if plan.published.is_some() {
                2 + rng.below(7)
            } else {
                2 + rng.below(2)
            };
            let mut t = at(
                *visit,
                if k % 2 == 0 { 9 } else { 14 },
                rng.below(40) as u32,
            );
            for f in 0..n {
                let item = pick_item(&catalogue, index, rng);
                let text = item_text(&item.code);
                let place = match text {
                    Some(x) => {
                        let template = *rng.pick(x.places);
                        town.place(template, rng)
                    }
                    None => town.place("{t}集镇主街", rng),
                };
                let note = match text {
                    Some(x) => rng.pick(x.notes).to_string(),
                    None => item.name.clone(),
                };
                let jitter = |rng: &mut Rng| rng.below(10_001) as i64 - 5_000;
                let lat = (town.lat + jitter(rng)) as f64 / 1e6;
                let lon = (town.lon + jitter(rng)) as f64 / 1e6;
                let photos = 1 + usize::from(rng.chance(1, 3));
                let first = rng.below(BEFORE_VARIANTS);
                let mut uploads = Vec::with_capacity(photos);
                for p in 0..photos {
                    let shot = t + p as i64 * 60_000;
                    uploads.push(PhotoUpload {
                        bytes: cast.picture(&item.code, (first + p) % BEFORE_VARIANTS, false),
                        caption: if p == 0 {
                            format!("{place}（{}）", meizhen_domain::time::format_ms(shot))
                        } else {
                            "近景".into()
                        },
                    });
                }
                out.photos += photos;
                let input = FindingInput {
                    client_id: format!(
                        "demo-{}q{}-{}-{f:02}",
                        plan.quarter.year, plan.quarter.q, town.code
                    ),
                    item_code: item.code.clone(),
                    deduction: None,
                    place,
                    lat: Some(lat),
                    lon: Some(lon),
                    found_at: Some(t),
                    note,
                };
                self.record_finding_at(
                    inspector,
                    line.row.id,
                    &input,
                    uploads,
                    meta,
                    t + 3 * 60_000,
                )
                .await?;
                out.findings += 1;
                t += (15 + rng.below(30) as i64) * 60_000;
            }
            if plan.published.is_some() || *k == 0 {
                self.submit_inspection_at(inspector, line.row.id, meta, at(*visit, 17, 30))
                    .await?;
            }
        }

        let Some(published) = plan.published.map(day) else {
            return Ok(());
        };
        self.publish_round_on(&cast.city, round.id, published, at(published, 10, 0), meta)
            .await?;
        out.published += 1;

        // Rectification.
        let findings = self
            .findings(
                &cast.city,
                &FindingFilter {
                    round_id: Some(round.id),
                    ..FindingFilter::default()
                },
            )
            .await?;
        let plan_outcomes = outcomes(findings.len(), index, rng);
        for (f, o) in findings.iter().zip(plan_outcomes) {
            self.demo_rectify(cast, f, o, published, rng, meta, out)
                .await?;
        }

        // The notice's texts.
        let notice = self.round_notice(&cast.city, round.id).await?;
        let mut opening = notice.default_opening.clone();
        opening.push_str(&format!(
            "\n本轮被检查乡镇（街道）由系统按县（市、区）分层随机抽取，每个县（市、区）{}个，随机种子{}，抽样结果可按种子复核。",
            plan.per_county, plan.seed
        ));
        if !added.is_empty() {
            let shown: Vec<String> = added
                .iter()
                .map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone()))
                .collect();
            opening.push_str(&format!(
                "市美镇办另选取{}作为重点复查乡镇一并检查。",
                shown.join("、")
            ));
        }
        let title = format!(
            "关于{}年第{}季度全市美丽城镇暗访督查情况的通报",
            plan.quarter.year,
            ["一", "二", "三", "四"][(plan.quarter.q as usize).clamp(1, 4) - 1]
        );
        self.update_round_notice_text(
            &cast.city,
            round.id,
            &NoticeText {
                title,
                number: plan.number.into(),
                opening,
                closing: CLOSING.into(),
            },
            meta,
        )
        .await?;
        Ok(())
    }

    /// A town of a round with its villages and point.
    async fn demo_town(&self, line: &InspectionLine) -> Result<Town> {
        let code = RegionCode::parse(&line.row.town_code)?;
        let scope = RegionScope::new(RegionCode::parse(DEMO_CITY)?, None);
        let mut tx = self.db().begin_read().await?;
        let villages = regions::children(&mut tx, &scope, &code)
            .await?
            .into_iter()
            .filter_map(|v| village_name(&v.name))
            .collect();
        let (lat, lon) = town_point(&line.row.town_code);
        Ok(Town {
            code: line.row.town_code.clone(),
            name: line.town_name.clone(),
            villages,
            lat,
            lon,
        })
    }

    /// One finding's rectification, as its town and county would do it.
    #[allow(clippy::too_many_arguments)]
    async fn demo_rectify(
        &self,
        cast: &Cast,
        f: &FindingView,
        outcome: Outcome,
        published: NaiveDate,
        rng: &mut Rng,
        meta: &RequestMeta,
        out: &mut DemoInspections,
    ) -> Result<()> {
        let Some(deadline) = f
            .row
            .deadline
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return Err(ServiceError::Conflict("演示问题缺少整改期限".into()));
        };
        let span = (deadline - published).num_days().max(2);
        let county = cast.verifier(&f.row.town_code);
        let fix = item_text(&f.row.item_code)
            .map(|t| t.fix)
            .unwrap_or("已按要求完成整改。");
        let below =
            |rng: &mut Rng, n: i64| rng.below(usize::try_from(n.max(1)).unwrap_or(1)) as i64;

        let mut when = published;
        match outcome {
            Outcome::Open => {
                out.open += 1;
                return Ok(());
            }
            Outcome::OnTime => {
                when = plus(when, 1 + below(rng, span - 1));
                self.demo_answer(cast, f, when, fix, rng, meta, out).await?;
                let v = plus(when, 1 + below(rng, 3));
                self.demo_verify(county, f, v, true, rng, meta).await?;
            }
            Outcome::Late => {
                when = plus(deadline, 2 + below(rng, 12));
                self.demo_answer(cast, f, when, fix, rng, meta, out).await?;
                let v = plus(when, 1 + below(rng, 3));
                self.demo_verify(county, f, v, true, rng, meta).await?;
            }
            Outcome::Submitted => {
                when = plus(when, 2 + below(rng, span + 5));
                self.demo_answer(cast, f, when, fix, rng, meta, out).await?;
            }
            Outcome::Returned | Outcome::Resubmitted | Outcome::ReturnedThenClosed => {
                when = plus(when, 1 + below(rng, span - 3));
                self.demo_answer(cast, f, when, fix, rng, meta, out).await?;
                when = plus(when, 1 + below(rng, 2));
                self.demo_verify(county, f, when, false, rng, meta).await?;
                if outcome != Outcome::Returned {
                    when = plus(when, 2 + below(rng, 4));
                    let note = rng.pick(&RESUBMIT_NOTES).to_string();
                    self.demo_answer(cast, f, when, &note, rng, meta, out)
                        .await?;
                }
                if outcome == Outcome::ReturnedThenClosed {
                    let v = plus(when, 1 + below(rng, 2));
                    self.demo_verify(county, f, v, true, rng, meta).await?;
                }
            }
        }
        match outcome {
            Outcome::OnTime | Outcome::Late | Outcome::ReturnedThenClosed => {
                if when <= deadline {
                    out.closed_on_time += 1;
                } else {
                    out.closed_late += 1;
                }
            }
            Outcome::Returned => out.returned += 1,
            Outcome::Resubmitted | Outcome::Submitted => out.submitted += 1,
            Outcome::Open => {}
        }
        Ok(())
    }
}

impl Services {
    /// The town's answer on day `d`, with one or two after-photos.
    #[allow(clippy::too_many_arguments)]
    async fn demo_answer(
        &self,
        cast: &Cast,
        f: &FindingView,
        d: NaiveDate,
        note: &str,
        rng: &mut Rng,
        meta: &RequestMeta,
        out: &mut DemoInspections,
    ) -> Result<()> {
        let t = at(d, 15 + rng.below(4) as u32, rng.below(60) as u32);
        let photos = 1 + usize::from(rng.chance(1, 4));
        let first = rng.below(AFTER_VARIANTS);
        let uploads = (0..photos)
            .map(|p| PhotoUpload {
                bytes: cast.picture(&f.row.item_code, (first + p) % AFTER_VARIANTS, true),
                caption: format!("整改后：{}", f.row.place),
            })
            .collect();
        out.photos += photos;
        let town = cast.answerer(&f.row.town_code);
        self.answer_rectification_at(&town, f.row.id, note, uploads, meta, t)
            .await?;
        Ok(())
    }

    /// The county's check on day `d`.
    async fn demo_verify(
        &self,
        county: &Actor,
        f: &FindingView,
        d: NaiveDate,
        accept: bool,
        rng: &mut Rng,
        meta: &RequestMeta,
    ) -> Result<()> {
        let t = at(d, 9 + rng.below(3) as u32, rng.below(60) as u32);
        let note = if accept {
            rng.pick(&ACCEPT_NOTES)
        } else {
            rng.pick(&RETURN_NOTES)
        };
        self.verify_rectification_at(county, f.row.id, accept, note, meta, t)
            .await?;
        Ok(())
    }
}

const CLOSING: &str = "请各县（市、区）美镇办督促相关乡镇（街道）对照问题清单，在整改期限内完成整改，并在系统中上传整改前后对比照片；县级美镇办要逐项核查、逐项销号。\n\
对逾期未整改或整改不到位的问题，市美镇办将在下一轮暗访中重点复查，并纳入季度动态考核。\n特此通报。";

/// An item of the checklist, common problems more often than serious ones;
/// "前次督查问题未整改到位" only once there was a previous round.
fn pick_item<'a>(catalogue: &'a Catalogue, round: usize, rng: &mut Rng) -> &'a Item {
    let items: Vec<(&Item, usize)> = catalogue
        .areas
        .iter()
        .flat_map(|a| {
            a.items.iter().map(move |i| {
                let w = match (i.severity, a.code.as_str()) {
                    _ if i.code == "CX04" && round == 0 => 0,
                    (Severity::Serious, _) => 1,
                    (_, "CX") => 2,
                    _ => 5,
                };
                (i, w)
            })
        })
        .collect();
    let total: usize = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.below(total.max(1));
    for (i, w) in &items {
        if r < *w {
            return i;
        }
        r -= w;
    }
    items[0].0
}

// ---------------------------------------------------------------------------
// Pictures

const W: usize = 640;
const H: usize = 480;

/// An RGB canvas with the few shapes the scenes need.
struct Canvas {
    px: Vec<u8>,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            px: vec![0; W * H * 3],
        }
    }

    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        let (x0, x1) = (
            x0.clamp(0, W as i64) as usize,
            x1.clamp(0, W as i64) as usize,
        );
        let (y0, y1) = (
            y0.clamp(0, H as i64) as usize,
            y1.clamp(0, H as i64) as usize,
        );
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        // One row pixel by pixel, the others copied from it.
        let first = (y0 * W + x0) * 3;
        let len = (x1 - x0) * 3;
        for p in self.px[first..first + len].chunks_exact_mut(3) {
            p.copy_from_slice(&c);
        }
        for y in y0 + 1..y1 {
            self.px.copy_within(first..first + len, (y * W + x0) * 3);
        }
    }

    fn ellipse(&mut self, cx: i64, cy: i64, rx: i64, ry: i64, c: [u8; 3]) {
        let (rx, ry) = (rx.max(1), ry.max(1));
        for dy in -ry..=ry {
            let f = 1.0 - (dy * dy) as f64 / (ry * ry) as f64;
            let half = (rx as f64 * f.max(0.0).sqrt()) as i64;
            self.rect(cx - half, cy + dy, cx + half + 1, cy + dy + 1, c);
        }
    }

    /// Mixes `c` into a region (haze, dust, stains).
    fn tint(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3], alpha: u16) {
        let (x0, x1) = (
            x0.clamp(0, W as i64) as usize,
            x1.clamp(0, W as i64) as usize,
        );
        let (y0, y1) = (
            y0.clamp(0, H as i64) as usize,
            y1.clamp(0, H as i64) as usize,
        );
        if x0 >= x1 {
            return;
        }
        for y in y0..y1 {
            for p in self.px[(y * W + x0) * 3..(y * W + x1) * 3].chunks_exact_mut(3) {
                for k in 0..3 {
                    p[k] = ((u16::from(p[k]) * (256 - alpha) + u16::from(c[k]) * alpha) >> 8) as u8;
                }
            }
        }
    }

    /// A sagging wire from (x0, y0) to (x1, y1).
    fn wire(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, sag: i64, c: [u8; 3]) {
        let steps = (x1 - x0).abs().max(1);
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let x = x0 + ((x1 - x0) as f64 * t) as i64;
            let y = y0 + ((y1 - y0) as f64 * t) as i64 + (4.0 * sag as f64 * t * (1.0 - t)) as i64;
            self.rect(x, y, x + 2, y + 2, c);
        }
    }

    fn jpeg(self) -> Vec<u8> {
        let Some(img) = image::RgbImage::from_raw(W as u32, H as u32, self.px) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 72).encode_image(&img) {
            Ok(()) => out,
            Err(_) => Vec::new(),
        }
    }
}

const FACADES: [[u8; 3]; 6] = [
    [226, 222, 212],
    [205, 200, 190],
    [236, 226, 200],
    [214, 190, 180],
    [190, 198, 205],
    [230, 230, 226],
];
const SIGNS: [[u8; 3]; 5] = [
    [190, 40, 40],
    [30, 80, 160],
    [30, 120, 70],
    [200, 140, 30],
    [120, 60, 130],
];
const BAGS: [[u8; 3]; 5] = [
    [30, 30, 34],
    [40, 70, 150],
    [225, 225, 220],
    [60, 120, 60],
    [150, 110, 70],
];

/// Variants of each item's picture before and after rectification: findings
/// share them, so each is processed and stored once (photos are
/// content-addressed), which keeps the demo fast.
const BEFORE_VARIANTS: usize = 6;
const AFTER_VARIANTS: usize = 3;

/// Variant `variant` of a generated photo (640×480 JPEG) of a town street
/// showing the kind of problem of checklist item `code` — or, `after`
/// rectification, the same kind of place in order. No text (no fonts).
pub(crate) fn picture(code: &str, variant: usize, after: bool) -> Vec<u8> {
    let mut rng = Rng::new(hash(code) ^ (variant as u64) << 1 ^ u64::from(after));
    let mut c = Canvas::new();
    let overcast = !after && rng.chance(1, 3);
    // Sky.
    for y in 0..200 {
        let t = y as u16;
        let col = if overcast {
            [
                (170 + t / 8) as u8,
                (175 + t / 8) as u8,
                (180 + t / 10) as u8,
            ]
        } else {
            [(110 + t / 3) as u8, (160 + t / 4) as u8, 235]
        };
        c.rect(0, y, W as i64, y + 1, col);
    }
    // Hills.
    let phase = rng.below(628) as f64 / 100.0;
    for x in 0..W as i64 {
        let h = 150.0 + 25.0 * ((x as f64) / 70.0 + phase).sin() + 10.0 * ((x as f64) / 23.0).sin();
        c.rect(x, h as i64, x + 1, 240, [70, 120, 80]);
    }
    let river = code == "HJ05";
    // Buildings along the street.
    let base = if river { 250 } else { 300 };
    let mut x = -(rng.below(40) as i64);
    while x < W as i64 {
        let w = 70 + rng.below(60) as i64;
        let h = 90 + rng.below(110) as i64;
        let wall = *rng.pick(&FACADES);
        c.rect(x, base - h, x + w - 4, base, wall);
        let mut wy = base - h + 12;
        while wy < base - 45 {
            let mut wx = x + 10;
            while wx < x + w - 22 {
                c.rect(wx, wy, wx + 12, wy + 16, [80, 95, 110]);
                wx += 22;
            }
            wy += 28;
        }
        if !river {
            // The shop's sign and door.
            let sign = *rng.pick(&SIGNS);
            c.rect(x + 4, base - 42, x + w - 8, base - 30, sign);
            c.rect(x + 14, base - 28, x + w - 18, base, [60, 60, 66]);
        }
        x += w;
    }
    if river {
        // Bank and water.
        c.rect(0, base, W as i64, base + 30, [150, 150, 140]);
        let water = if after {
            [70, 130, 140]
        } else {
            [110, 110, 80]
        };
        c.rect(0, base + 30, W as i64, H as i64, water);
        for k in 0..6 {
            c.rect(
                0,
                base + 60 + k * 30,
                W as i64,
                base + 62 + k * 30,
                [90, 140, 150],
            );
        }
    } else {
        // Pavement and road.
        c.rect(0, base, W as i64, base + 34, [185, 182, 175]);
        c.rect(0, base + 34, W as i64, base + 38, [140, 140, 140]);
        c.rect(0, base + 38, W as i64, H as i64, [88, 88, 92]);
        let mut lx = 10;
        while lx < W as i64 {
            c.rect(lx, 408, lx + 50, 414, [235, 235, 230]);
            lx += 100;
        }
    }
    if after {
        // In order: a few planted tubs on the pavement.
        if !river {
            let mut px = 40 + rng.below(60) as i64;
            while px < W as i64 {
                c.rect(px - 14, base + 10, px + 14, base + 30, [150, 120, 90]);
                c.ellipse(px, base + 2, 20, 14, [60, 140, 70]);
                px += 150 + rng.below(60) as i64;
            }
        }
    } else {
        problem(&mut c, code, base, &mut rng);
    }
    c.jpeg()
}

/// Draws what the inspector photographed.
fn problem(c: &mut Canvas, code: &str, base: i64, rng: &mut Rng) {
    let spot = 80 + rng.below(400) as i64;
    match code.get(..2).unwrap_or("") {
        "HJ" if code == "HJ05" => {
            for _ in 0..40 {
                let x = rng.below(W) as i64;
                let y = base + 40 + rng.below(180) as i64;
                c.ellipse(
                    x,
                    y,
                    3 + rng.below(6) as i64,
                    2 + rng.below(3) as i64,
                    *rng.pick(&BAGS),
                );
            }
            c.rect(spot, base + 10, spot + 36, base + 30, [70, 70, 70]);
            c.tint(spot + 4, base + 30, spot + 32, H as i64, [90, 80, 50], 120);
        }
        "HJ" => {
            // Litter, puddles, bags round a bin.
            for _ in 0..60 {
                let x = rng.below(W) as i64;
                let y = base + rng.below(170) as i64;
                c.rect(
                    x,
                    y,
                    x + 3 + rng.below(5) as i64,
                    y + 2 + rng.below(3) as i64,
                    *rng.pick(&BAGS),
                );
            }
            if code == "HJ01" {
                for _ in 0..3 {
                    let x = rng.below(W) as i64;
                    c.ellipse(x, base + 70 + rng.below(90) as i64, 40, 8, [120, 125, 135]);
                }
            } else {
                if code == "HJ03" || code == "HJ04" {
                    c.rect(spot - 30, base - 10, spot + 10, base + 30, [40, 120, 60]);
                    c.rect(spot + 14, base - 10, spot + 54, base + 30, [110, 110, 110]);
                }
                for _ in 0..18 {
                    let x = spot + rng.below(120) as i64 - 60;
                    let y = base + 10 + rng.below(40) as i64;
                    c.ellipse(
                        x,
                        y,
                        10 + rng.below(10) as i64,
                        8 + rng.below(6) as i64,
                        *rng.pick(&BAGS),
                    );
                }
            }
        }
        "ZX" => match code {
            "ZX05" => {
                for k in 0..9 {
                    let y0 = 40 + rng.below(80) as i64;
                    let y1 = 40 + rng.below(80) as i64;
                    c.wire(-10, y0, W as i64 + 10, y1, 20 + k * 6, [25, 25, 25]);
                }
                c.rect(spot, 20, spot + 10, base, [120, 110, 100]);
            }
            "ZX04" => {
                for _ in 0..30 {
                    let x = rng.below(W) as i64;
                    let y = base - 120 + rng.below(100) as i64;
                    let col = if rng.chance(1, 2) {
                        [245, 245, 240]
                    } else {
                        [240, 220, 80]
                    };
                    c.rect(x, y, x + 10, y + 14, col);
                }
                c.rect(spot, base - 60, spot + 50, base - 10, [220, 50, 40]);
                c.rect(spot + 22, base - 10, spot + 28, base + 25, [60, 60, 60]);
            }
            "ZX02" => {
                for k in 0..3 {
                    let x = spot - 120 + k * 110;
                    let col = *rng.pick(&SIGNS);
                    c.rect(x, base - 5, x + 95, base + 30, col);
                    c.rect(x + 15, base - 25, x + 75, base - 5, [60, 80, 100]);
                    c.ellipse(x + 20, base + 32, 10, 10, [20, 20, 20]);
                    c.ellipse(x + 75, base + 32, 10, 10, [20, 20, 20]);
                }
            }
            _ => {
                // Goods and stalls out on the pavement.
                for k in 0..4 {
                    let x = spot - 150 + k * 90;
                    let col = *rng.pick(&SIGNS);
                    c.ellipse(x + 30, base - 20, 40, 16, col);
                    c.rect(x + 28, base - 20, x + 32, base + 20, [60, 60, 60]);
                    c.rect(x, base + 10, x + 60, base + 36, [150, 110, 60]);
                    for b in 0..3 {
                        c.rect(
                            x + b * 20,
                            base + 36,
                            x + b * 20 + 18,
                            base + 52,
                            [190, 150, 90],
                        );
                    }
                }
            }
        },
        "XR" => match code {
            "XR03" => {
                c.rect(0, base, W as i64, base + 34, [80, 140, 70]);
                c.ellipse(spot, base + 17, 110, 16, [150, 110, 70]);
            }
            "XR04" => {
                c.rect(spot - 160, base - 150, spot - 150, base, [200, 160, 30]);
                c.rect(
                    spot - 160,
                    base - 150,
                    spot + 80,
                    base - 140,
                    [200, 160, 30],
                );
                c.ellipse(spot, base + 20, 160, 30, [160, 120, 80]);
                c.tint(0, 0, W as i64, H as i64, [200, 180, 140], 90);
            }
            "XR05" => {
                c.rect(spot - 90, base - 160, spot + 90, base - 120, [40, 90, 180]);
                c.rect(spot - 80, base - 120, spot - 74, base - 40, [150, 150, 150]);
                c.rect(spot + 74, base - 120, spot + 80, base - 40, [150, 150, 150]);
            }
            _ => {
                // Stained, peeling walls and broken signs.
                for _ in 0..12 {
                    let x = rng.below(W) as i64;
                    let y = base - 170 + rng.below(130) as i64;
                    c.tint(
                        x,
                        y,
                        x + 20 + rng.below(40) as i64,
                        y + 20 + rng.below(50) as i64,
                        [70, 70, 60],
                        110,
                    );
                }
                c.rect(spot, base - 45, spot + 30, base - 25, [120, 120, 110]);
                c.tint(
                    spot - 60,
                    base - 45,
                    spot + 90,
                    base - 28,
                    [230, 230, 230],
                    140,
                );
            }
        },
        _ => {
            // Management: an out-of-date notice board, litter nobody swept.
            c.rect(spot, base - 90, spot + 90, base - 20, [240, 240, 235]);
            for k in 0..5 {
                c.rect(
                    spot + 10,
                    base - 80 + k * 12,
                    spot + 80,
                    base - 76 + k * 12,
                    [150, 150, 150],
                );
            }
            c.rect(spot + 40, base - 20, spot + 48, base + 20, [80, 80, 80]);
            c.tint(spot, base - 90, spot + 90, base - 20, [200, 180, 120], 80);
            for _ in 0..25 {
                let x = rng.below(W) as i64;
                let y = base + rng.below(150) as i64;
                c.rect(x, y, x + 4, y + 3, *rng.pick(&BAGS));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_jpegs_of_the_stated_size() {
        for code in [
            "HJ01", "HJ02", "HJ05", "ZX02", "ZX05", "XR04", "CX02", "other",
        ] {
            for after in [false, true] {
                let bytes = picture(code, 2, after);
                let img = image::load_from_memory(&bytes).expect("jpeg");
                assert_eq!((img.width(), img.height()), (640, 480), "{code}");
                assert!(bytes.len() < 120_000, "{code}: {} bytes", bytes.len());
            }
        }
        assert_ne!(picture("HJ02", 1, false), picture("HJ02", 2, false));
        assert_eq!(picture("HJ02", 1, true), picture("HJ02", 1, true));
    }

    #[test]
    fn outcomes_keep_their_shares_and_cover_every_state() {
        let mut rng = Rng::new(1);
        for (round, shares) in SHARES.iter().enumerate() {
            let o = outcomes(120, round, &mut rng);
            assert_eq!(o.len(), 120);
            for &(kind, p) in shares {
                if p > 0 {
                    assert!(o.contains(&kind), "{round} {kind:?}");
                }
            }
        }
        assert_eq!(outcomes(0, 3, &mut rng), Vec::new());
        assert_eq!(outcomes(3, 3, &mut rng).len(), 3);
    }

    #[test]
    fn times_and_places() {
        assert_eq!(
            meizhen_domain::time::format_ms(at(day((2020, 3, 27)), 10, 0)),
            "2020-03-27 10:00"
        );
        let w = workdays(day((2020, 3, 9)), day((2020, 3, 20)));
        assert_eq!(w.len(), 10);
        let town = Town {
            code: "331002001".into(),
            name: "海门街道".into(),
            villages: vec!["东山社区".into()],
            lat: 0,
            lon: 0,
        };
        let mut rng = Rng::new(1);
        assert_eq!(town.place("{t}集镇主街", &mut rng), "海门街道主街");
        assert_eq!(
            village_name("下崔中宅村委会").as_deref(),
            Some("下崔中宅村")
        );
        let (lat, lon) = town_point("331024103");
        assert!(
            (28_700_000..29_000_000).contains(&lat) && (120_600_000..120_900_000).contains(&lon)
        );
        for d in ROUNDS {
            assert!(day(d.starts) <= day(d.ends) && day(d.created) < day(d.starts));
            assert_eq!(Quarter::of(day(d.ends)), d.quarter);
            assert!(d.published.map(day).is_some_and(|p| p > day(d.ends)));
        }
    }
}
