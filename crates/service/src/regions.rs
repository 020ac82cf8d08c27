//! Regions, town attributes (type, enrollment) and grids.

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::users::UserInput;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::town::{check_town_type, check_year, Enrollment};
use meizhen_domain::{Level, RegionCode, Role};
use meizhen_storage::regions as repo;
pub use meizhen_storage::regions::{ChildSummary, LoadReport, RegionRow, Totals};
use meizhen_storage::repo::enrollments;
pub use meizhen_storage::repo::enrollments::EnrollmentRow;
use meizhen_storage::repo::grids;
pub use meizhen_storage::repo::grids::GridRow;
use meizhen_storage::repo::users;
use meizhen_storage::{now_ms, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Everything a region page shows.
#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    pub region: RegionRow,
    /// From the actor's own region down to this one: (code, name).
    pub breadcrumb: Vec<(String, String)>,
    pub totals: Totals,
    pub children: Vec<ChildSummary>,
    /// Towns only.
    pub enrollments: Vec<EnrollmentRow>,
    /// Towns only.
    pub grids: Vec<GridRow>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GridInput {
    pub name: String,
    #[serde(default)]
    pub village: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// What the first start did.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    pub regions: Option<LoadReport>,
    /// Set when the administrator was created: print once.
    pub admin_password: Option<String>,
}

impl Services {
    async fn read_tx(&self, actor: &Actor) -> Result<Tx> {
        require_password_changed(actor)?;
        Ok(self.db().begin_read().await?)
    }

    async fn write_tx(&self, actor: &Actor) -> Result<Tx> {
        require_password_changed(actor)?;
        Ok(self.db().begin().await?)
    }

    async fn region_in_scope(
        tx: &mut Tx,
        actor: &Actor,
        code: &str,
    ) -> Result<(RegionCode, RegionRow)> {
        let code = RegionCode::parse(code)?;
        let row = repo::get(tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        Ok((code, row))
    }

    pub async fn region(&self, actor: &Actor, code: &str) -> Result<RegionView> {
        let mut tx = self.read_tx(actor).await?;
        let (code, region) = Self::region_in_scope(&mut tx, actor, code).await?;
        let lineage: Vec<RegionCode> = code
            .lineage()
            .into_iter()
            .filter(|c| actor.scope().contains(c))
            .collect();
        let breadcrumb = repo::names(&mut tx, &lineage).await?;
        let totals = repo::totals(&mut tx, actor.scope(), &code).await?;
        let children = repo::children(&mut tx, actor.scope(), &code).await?;
        let (enrollments, grids) = if code.level() == Level::Town {
            (
                enrollments::list(&mut tx, actor.scope(), Some(code.as_str()), None).await?,
                grids::for_town(&mut tx, actor.scope(), code.as_str()).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(RegionView {
            region,
            breadcrumb,
            totals,
            children,
            enrollments,
            grids,
        })
    }

    pub async fn search_regions(
        &self,
        actor: &Actor,
        q: &str,
        level: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<RegionRow>> {
        let level = match level.filter(|l| !l.is_empty()) {
            Some(l) => Some(
                Level::from_id(l)
                    .ok_or_else(|| ServiceError::invalid("level", format!("级别“{l}”无效")))?,
            ),
            None => None,
        };
        let mut tx = self.read_tx(actor).await?;
        Ok(repo::search(&mut tx, actor.scope(), q, level, page).await?)
    }

    /// Towns' enrollments for a year in the actor's scope.
    pub async fn enrollments(&self, actor: &Actor, year: i32) -> Result<Vec<EnrollmentRow>> {
        check_year(year)?;
        let mut tx = self.read_tx(actor).await?;
        Ok(enrollments::list(&mut tx, actor.scope(), None, Some(year)).await?)
    }

    /// Only offices above a town may set its type and enrollment.
    async fn town_for_office(
        tx: &mut Tx,
        actor: &Actor,
        code: &str,
    ) -> Result<(RegionCode, RegionRow)> {
        let (code, row) = Self::region_in_scope(tx, actor, code).await?;
        if code.level() != Level::Town {
            return Err(ServiceError::invalid(
                "region",
                "只有乡镇(街道)可以设置创建类型和创建名单",
            ));
        }
        if !may_edit_town(actor, &code) {
            return Err(ServiceError::forbidden(
                "只有乡镇的上级美镇办可以修改创建类型和创建名单",
            ));
        }
        Ok((code, row))
    }

    pub async fn set_town_type(
        &self,
        actor: &Actor,
        code: &str,
        town_type: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<RegionRow> {
        let town_type = town_type.map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = town_type {
            check_town_type(t)?;
        }
        let mut tx = self.write_tx(actor).await?;
        let (code, before) = Self::town_for_office(&mut tx, actor, code).await?;
        repo::set_town_type(&mut tx, &code, town_type).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "region", code.as_str(), code.as_str())
                .before(json!({"town_type": before.town_type}))
                .after(json!({"town_type": town_type}))
                .summary(format!("修改 {} 的创建类型", before.name)),
        )
        .await?;
        let after = repo::get(&mut tx, actor.scope(), &code)
            .await?
            .ok_or_else(|| ServiceError::not_found("区划"))?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn set_enrollment(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
        kind: &str,
        meta: &RequestMeta,
    ) -> Result<Option<Enrollment>> {
        check_year(year)?;
        let kind = Enrollment::parse(kind)?;
        let mut tx = self.write_tx(actor).await?;
        let (code, town) = Self::town_for_office(&mut tx, actor, code).await?;
        let before = enrollments::list(&mut tx, actor.scope(), Some(code.as_str()), Some(year))
            .await?
            .into_iter()
            .next()
            .map(|e| e.kind);
        enrollments::set(
            &mut tx,
            code.as_str(),
            year,
            kind.map(Enrollment::id),
            Some(actor.id),
            now_ms(),
        )
        .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "update",
                "enrollment",
                &format!("{code}/{year}"),
                code.as_str(),
            )
            .before(json!({"kind": before}))
            .after(json!({"kind": kind.map(Enrollment::id)}))
            .summary(format!(
                "{} {year} 年创建名单：{}",
                town.name,
                kind.map(Enrollment::label).unwrap_or("未列入")
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(kind)
    }

    pub async fn grids(&self, actor: &Actor, town: &str) -> Result<Vec<GridRow>> {
        let mut tx = self.read_tx(actor).await?;
        let (code, _) = Self::region_in_scope(&mut tx, actor, town).await?;
        Ok(grids::for_town(&mut tx, actor.scope(), code.as_str()).await?)
    }

    pub async fn grid(&self, actor: &Actor, id: i64) -> Result<GridRow> {
        let mut tx = self.read_tx(actor).await?;
        grids::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("网格"))
    }

    fn check_grid_writer(actor: &Actor, town: &RegionCode) -> Result<()> {
        if town.level() != Level::Town {
            return Err(ServiceError::invalid("region", "网格只能建在乡镇(街道)下"));
        }
        if may_draw_grids(actor, town) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "只有本乡镇工作人员或上级县美镇办可以维护网格",
            ))
        }
    }

    async fn check_grid_input(
        tx: &mut Tx,
        actor: &Actor,
        town: &RegionCode,
        g: &GridInput,
    ) -> Result<(String, Option<String>, String)> {
        let name = g.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(ServiceError::invalid(
                "name",
                "网格名称不能为空，且不超过 40 个字",
            ));
        }
        let description = g.description.trim();
        if description.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "description",
                "说明不能超过 500 个字",
            ));
        }
        let village = match g
            .village
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(v) => {
                let (vc, _) = Self::region_in_scope(tx, actor, v).await?;
                if vc.level() != Level::Village || vc.parent().as_ref() != Some(town) {
                    return Err(ServiceError::invalid("village", "所选村(社区)不属于该乡镇"));
                }
                Some(vc.to_string())
            }
            None => None,
        };
        Ok((name.to_owned(), village, description.to_owned()))
    }

    pub async fn create_grid(
        &self,
        actor: &Actor,
        town: &str,
        g: &GridInput,
        meta: &RequestMeta,
    ) -> Result<GridRow> {
        let mut tx = self.write_tx(actor).await?;
        let (town, town_row) = Self::region_in_scope(&mut tx, actor, town).await?;
        Self::check_grid_writer(actor, &town)?;
        let (name, village, description) = Self::check_grid_input(&mut tx, actor, &town, g).await?;
        let id = grids::insert(
            &mut tx,
            town.as_str(),
            village.as_deref(),
            &name,
            &description,
            Some(actor.id),
            now_ms(),
        )
        .await
        .map_err(|e| match e {
            meizhen_storage::StorageError::Duplicate => {
                ServiceError::Conflict(format!("本乡镇已有名为“{name}”的网格"))
            }
            other => other.into(),
        })?;
        let row = grids::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("网格"))?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "grid", &id.to_string(), town.as_str())
                .after(json!({"name": name, "village_code": village, "description": description}))
                .summary(format!("{} 新增网格“{name}”", town_row.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn update_grid(
        &self,
        actor: &Actor,
        id: i64,
        g: &GridInput,
        meta: &RequestMeta,
    ) -> Result<GridRow> {
        let mut tx = self.write_tx(actor).await?;
        let before = grids::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("网格"))?;
        let town = RegionCode::parse(&before.town_code)?;
        Self::check_grid_writer(actor, &town)?;
        let (name, village, description) = Self::check_grid_input(&mut tx, actor, &town, g).await?;
        grids::update(&mut tx, id, village.as_deref(), &name, &description)
            .await
            .map_err(|e| match e {
                meizhen_storage::StorageError::Duplicate => {
                    ServiceError::Conflict(format!("本乡镇已有名为“{name}”的网格"))
                }
                other => other.into(),
            })?;
        let after = grids::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("网格"))?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "grid", &id.to_string(), town.as_str())
                .before(serde_json::to_value(&before).unwrap_or_default())
                .after(serde_json::to_value(&after).unwrap_or_default())
                .summary(format!("修改网格“{name}”")),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_grid(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.write_tx(actor).await?;
        let before = grids::get(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("网格"))?;
        let town = RegionCode::parse(&before.town_code)?;
        Self::check_grid_writer(actor, &town)?;
        grids::delete(&mut tx, id).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("delete", "grid", &id.to_string(), town.as_str())
                .before(serde_json::to_value(&before).unwrap_or_default())
                .summary(format!("删除网格“{}”", before.name)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// (Re)loads the embedded divisions (`meizhen regions load`).
    pub async fn load_regions(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<LoadReport> {
        let divisions = repo::embedded_divisions()?;
        let mut tx = self.db().begin().await?;
        let report = repo::load(&mut tx, &divisions, progress).await?;
        record(
            &mut tx,
            None,
            &RequestMeta::cli(),
            Change::new("regions_load", "region", "33", "33").summary(format!(
                "导入行政区划 {} 条（新增 {} 条）",
                report.total, report.inserted
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// First start: load the regions and create the administrator with a random
    /// one-time password. Does nothing on later starts.
    pub async fn bootstrap(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Bootstrap> {
        let mut out = Bootstrap::default();
        let mut tx = self.db().begin().await?;
        let have_regions = repo::count(&mut tx).await? > 0;
        let have_users = users::count_all(&mut tx).await? > 0;
        drop(tx);
        if !have_regions {
            out.regions = Some(self.load_regions(progress).await?);
        }
        if !have_users {
            let issued = self
                .create_user_as_system(&UserInput {
                    username: "admin".into(),
                    display_name: "系统管理员".into(),
                    role: Role::Admin.id().into(),
                    region: "33".into(),
                    department: None,
                    password: None,
                })
                .await?;
            out.admin_password = issued.one_time_password;
        }
        Ok(out)
    }
}

/// Offices above a town (and administrators) edit its type and enrollment.
/// Pages use this to show or hide forms; the services enforce it.
pub fn may_edit_town(actor: &Actor, town: &RegionCode) -> bool {
    town.level() == Level::Town
        && actor.role.edits_enrollment()
        && actor.scope().is_strictly_above(town)
}

/// Grids are drawn by the town's staff (or the county office above it).
pub fn may_draw_grids(actor: &Actor, town: &RegionCode) -> bool {
    town.level() == Level::Town
        && match actor.role {
            Role::TownStaff => actor.region == *town,
            Role::CountyOffice | Role::Admin => actor.scope().contains(town),
            _ => false,
        }
}
