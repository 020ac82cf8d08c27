use meizhen_domain::{RegionCode, RegionScope, Role};
use meizhen_storage::repo::users::UserRow;
use serde::Serialize;

/// The authenticated user a request acts for. Built only by `auth`, from a
/// session or an API token; its scope is the one every read goes through.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub department: Option<String>,
    pub must_change_password: bool,
    #[serde(skip)]
    scope: RegionScope,
    /// The command line acting for whoever runs it (server files' owner).
    #[serde(skip)]
    pub(crate) is_system: bool,
}

impl Actor {
    pub(crate) fn from_row(u: &UserRow) -> Option<Actor> {
        let region = RegionCode::parse(&u.region_code).ok()?;
        let role = Role::from_id(&u.role)?;
        Some(Actor {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role,
            scope: RegionScope::new(region.clone(), u.department.clone()),
            region,
            department: u.department.clone(),
            must_change_password: u.must_change_password,
            is_system: false,
        })
    }

    /// The command line (`meizhen import …`), with the administrator's
    /// province-wide scope. Audit entries name it as such.
    pub fn system() -> Actor {
        let province = RegionCode::zhejiang();
        Actor {
            id: 0,
            username: "（命令行）".into(),
            display_name: "命令行".into(),
            role: Role::Admin,
            scope: RegionScope::new(province.clone(), None),
            region: province,
            department: None,
            must_change_password: false,
            is_system: true,
        }
    }

    pub fn scope(&self) -> &RegionScope {
        &self.scope
    }
}

/// Where a request came from, recorded in the audit log and used for throttling.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub address: String,
}

impl RequestMeta {
    pub fn cli() -> Self {
        RequestMeta {
            address: "cli".into(),
        }
    }
}
