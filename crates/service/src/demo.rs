//! `meizhen demo`: a realistic 台州 (3310) set-up — users for every role at
//! province, city, two counties (仙居县, 玉环市) and several towns, grids under
//! the demo towns, town types and the 2020 creation list. Later modules add
//! their own records here. Running it again refreshes passwords and keeps data.

use crate::audit::{record, Change};
use crate::users::UserInput;
use crate::{RequestMeta, Result, ServiceError, Services};
use meizhen_domain::town::{Enrollment, TOWN_TYPES};
use meizhen_domain::{Level, RegionCode, RegionScope};
use meizhen_storage::now_ms;
use meizhen_storage::regions;
use meizhen_storage::repo::{enrollments, grids, users};

pub const DEMO_CITY: &str = "3310";

/// One demo account: (username, display name, role, region, department).
pub const DEMO_USERS: [(&str, &str, &str, &str, Option<&str>); 16] = [
    (
        "sheng.office",
        "省美镇办 王工",
        "province_office",
        "33",
        None,
    ),
    ("sheng.leader", "省领导 李主任", "leader", "33", None),
    (
        "tz.office",
        "台州市美镇办 陈科长",
        "city_office",
        "3310",
        None,
    ),
    (
        "tz.zhujian",
        "台州市住建 周工",
        "city_office",
        "3310",
        Some("住建"),
    ),
    ("tz.leader", "台州市领导 林主任", "leader", "3310", None),
    (
        "tz.inspector",
        "台州市督查组 郑组长",
        "inspector",
        "3310",
        None,
    ),
    (
        "xj.office",
        "仙居县美镇办 张科长",
        "county_office",
        "331024",
        None,
    ),
    (
        "xj.expert",
        "仙居县首席设计师 吴工",
        "expert",
        "331024",
        None,
    ),
    ("xj.baita", "白塔镇 应干事", "town_staff", "331024103", None),
    (
        "xj.hengxi",
        "横溪镇 朱干事",
        "town_staff",
        "331024101",
        None,
    ),
    (
        "xj.baita.grid",
        "白塔镇网格员 徐",
        "grid_worker",
        "331024103",
        None,
    ),
    (
        "yh.office",
        "玉环市美镇办 黄科长",
        "county_office",
        "331083",
        None,
    ),
    (
        "yh.chumen",
        "楚门镇 叶干事",
        "town_staff",
        "331083102",
        None,
    ),
    (
        "yh.ganjiang",
        "干江镇 蒋干事",
        "town_staff",
        "331083103",
        None,
    ),
    (
        "yh.chumen.grid",
        "楚门镇网格员 潘",
        "grid_worker",
        "331083102",
        None,
    ),
    ("tz.expert", "台州市驻镇规划师 何工", "expert", "3310", None),
];

/// Towns that get grids (one per village) in the demo.
pub const DEMO_GRID_TOWNS: [&str; 4] = ["331024103", "331024101", "331083102", "331083103"];

#[derive(Debug, Clone)]
pub struct DemoReport {
    /// (username, role, region code, password)
    pub accounts: Vec<(String, String, String, String)>,
    pub grids: usize,
    pub enrolled_model: usize,
    pub enrolled_standard: usize,
}

/// A stable pseudo-random number from a code, so the demo is reproducible.
fn mix(code: &str, salt: u64) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Services {
    /// Fills the demo. `password`: one password for every demo account
    /// (generated when None). Regions must be loaded (see `bootstrap`).
    pub async fn demo(&self, password: Option<&str>) -> Result<DemoReport> {
        let password = match password {
            Some(p) => p.to_owned(),
            None => Services::generate_password(),
        };
        let mut accounts = Vec::new();
        for (username, name, role, region, dept) in DEMO_USERS {
            let mut tx = self.db().begin().await?;
            let existing = users::by_username(&mut tx, username).await?;
            drop(tx);
            match existing {
                Some(_) => {
                    self.set_password_as_system(username, &password, false)
                        .await?
                }
                None => {
                    self.create_user_as_system(&UserInput {
                        username: username.into(),
                        display_name: name.into(),
                        role: role.into(),
                        region: region.into(),
                        department: dept.map(str::to_owned),
                        password: Some(password.clone()),
                    })
                    .await?;
                }
            }
            accounts.push((
                username.into(),
                role.into(),
                region.into(),
                password.clone(),
            ));
        }

        let scope = RegionScope::new(RegionCode::parse(DEMO_CITY)?, None);
        let city = RegionCode::parse(DEMO_CITY)?;
        let now = now_ms();
        let meta = RequestMeta::cli();
        let mut tx = self.db().begin().await?;
        let towns = regions::search(
            &mut tx,
            &scope,
            "",
            Some(Level::Town),
            &meizhen_domain::page::PageRequest::new(Some(1), Some(200)),
        )
        .await?;
        if towns.items.is_empty() {
            return Err(ServiceError::NotFound(
                "台州市区划未导入，请先运行 meizhen regions load".into(),
            ));
        }
        let (mut model, mut standard) = (0, 0);
        for t in &towns.items {
            // Sub-districts (街道) in the urban core are outside the programme.
            if t.name.ends_with("街道") {
                continue;
            }
            let code = RegionCode::parse(&t.code)?;
            if t.town_type.is_none() {
                let ty = TOWN_TYPES[(mix(&t.code, 1) % TOWN_TYPES.len() as u64) as usize];
                regions::set_town_type(&mut tx, &code, Some(ty)).await?;
            }
            // About a fifth attempt 省级样板 in 2020, the rest 基本达标.
            let kind = if mix(&t.code, 2).is_multiple_of(5)
                || DEMO_GRID_TOWNS[..3].contains(&t.code.as_str())
            {
                model += 1;
                Enrollment::Model
            } else {
                standard += 1;
                Enrollment::Standard
            };
            enrollments::set(&mut tx, &t.code, 2020, Some(kind.id()), None, now).await?;
        }
        record(
            &mut tx,
            None,
            &meta,
            Change::new(
                "update",
                "enrollment",
                &format!("{city}/2020"),
                city.as_str(),
            )
            .summary(format!(
                "演示数据：台州市 2020 年创建名单（样板 {model} 个，达标 {standard} 个）"
            )),
        )
        .await?;
        let mut grid_count = 0;
        for town in DEMO_GRID_TOWNS {
            let town_code = RegionCode::parse(town)?;
            let existing = grids::for_town(&mut tx, &scope, town).await?.len();
            if existing > 0 {
                grid_count += existing;
                continue;
            }
            for v in regions::children(&mut tx, &scope, &town_code).await? {
                let short = v.name.trim_end_matches("村委会").trim_end_matches("居委会");
                let name = format!("{short}网格");
                grids::insert(
                    &mut tx,
                    town,
                    Some(&v.code),
                    &name,
                    "演示数据：按村(社区)划分的网格",
                    None,
                    now,
                )
                .await?;
                grid_count += 1;
            }
        }
        record(
            &mut tx,
            None,
            &meta,
            Change::new("create", "grid", "demo", city.as_str()).summary(format!(
                "演示数据：{} 个乡镇共 {grid_count} 个网格",
                DEMO_GRID_TOWNS.len()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(DemoReport {
            accounts,
            grids: grid_count,
            enrolled_model: model,
            enrolled_standard: standard,
        })
    }
}
