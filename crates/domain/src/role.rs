//! Roles and what each may do. Scope (which regions) is separate: see `scope`.

use crate::region::Level;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProvinceOffice,
    CityOffice,
    CountyOffice,
    TownStaff,
    Inspector,
    GridWorker,
    Expert,
    Leader,
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::ProvinceOffice,
        Role::CityOffice,
        Role::CountyOffice,
        Role::TownStaff,
        Role::Inspector,
        Role::GridWorker,
        Role::Expert,
        Role::Leader,
        Role::Admin,
    ];

    /// Identifier used on the CLI, in the API and in the database.
    pub fn id(self) -> &'static str {
        match self {
            Role::ProvinceOffice => "province_office",
            Role::CityOffice => "city_office",
            Role::CountyOffice => "county_office",
            Role::TownStaff => "town_staff",
            Role::Inspector => "inspector",
            Role::GridWorker => "grid_worker",
            Role::Expert => "expert",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }

    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::ProvinceOffice => "省美镇办",
            Role::CityOffice => "市美镇办",
            Role::CountyOffice => "县美镇办",
            Role::TownStaff => "乡镇工作人员",
            Role::Inspector => "督查人员",
            Role::GridWorker => "网格员",
            Role::Expert => "专家",
            Role::Leader => "领导（只读）",
            Role::Admin => "系统管理员",
        }
    }

    /// The region levels a user of this role may belong to.
    pub fn allowed_levels(self) -> &'static [Level] {
        match self {
            Role::ProvinceOffice | Role::Admin => &[Level::Province],
            Role::CityOffice => &[Level::City],
            Role::CountyOffice => &[Level::County],
            Role::TownStaff => &[Level::Town],
            Role::GridWorker => &[Level::Town, Level::Village],
            Role::Inspector | Role::Leader => &[Level::Province, Level::City, Level::County],
            Role::Expert => &[Level::Province, Level::City, Level::County, Level::Town],
        }
    }

    pub fn is_office(self) -> bool {
        matches!(
            self,
            Role::ProvinceOffice | Role::CityOffice | Role::CountyOffice
        )
    }

    /// May create and edit user accounts (within scope).
    pub fn manages_users(self) -> bool {
        self == Role::Admin || self.is_office()
    }

    /// May read the audit log (within scope).
    pub fn reads_audit(self) -> bool {
        self == Role::Admin || self.is_office() || self == Role::Leader
    }

    /// May edit a town's type and enrollment: the offices above the town.
    pub fn edits_enrollment(self) -> bool {
        self == Role::Admin || self.is_office()
    }

    /// May draw grids under a town.
    pub fn draws_grids(self) -> bool {
        matches!(self, Role::TownStaff | Role::CountyOffice | Role::Admin)
    }

    /// Roles this role may hand out to accounts it manages.
    pub fn assignable_roles(self) -> Vec<Role> {
        match self {
            Role::Admin => Role::ALL.to_vec(),
            r if r.is_office() => Role::ALL
                .into_iter()
                .filter(|x| *x != Role::Admin)
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_id(r.id()), Some(r));
        }
        assert_eq!(Role::from_id("root"), None);
    }

    #[test]
    fn only_admin_hands_out_admin() {
        assert!(Role::Admin.assignable_roles().contains(&Role::Admin));
        assert!(!Role::CityOffice.assignable_roles().contains(&Role::Admin));
        assert!(Role::TownStaff.assignable_roles().is_empty());
        assert!(Role::Leader.assignable_roles().is_empty());
    }

    #[test]
    fn leader_is_read_only() {
        let r = Role::Leader;
        assert!(!r.manages_users() && !r.edits_enrollment() && !r.draws_grids());
        assert!(r.reads_audit());
    }
}
