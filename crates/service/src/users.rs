//! Accounts: created and edited by administrators and offices within their scope.

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::password::{check_policy, check_username};
use meizhen_domain::{RegionCode, RegionScope, Role};
use meizhen_storage::repo::sessions;
use meizhen_storage::repo::users::{self as repo, NewUser, UserUpdate};
pub use meizhen_storage::repo::users::{UserFilter, UserListRow, UserRow};
use meizhen_storage::{now_ms, regions, Tx};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct UserInput {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub role: String,
    pub region: String,
    #[serde(default)]
    pub department: Option<String>,
    /// None: a one-time password is generated and returned.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    pub department: Option<Option<String>>,
    pub disabled: Option<bool>,
}

/// The result of creating an account or resetting its password.
#[derive(Debug, Clone)]
pub struct Issued {
    pub user: UserRow,
    /// Set when the password was generated: show it once.
    pub one_time_password: Option<String>,
}

fn snapshot(u: &UserRow) -> Value {
    json!({
        "username": u.username, "display_name": u.display_name, "role": u.role,
        "region_code": u.region_code, "department": u.department, "disabled": u.disabled,
    })
}

fn parse_role(s: &str) -> Result<Role> {
    Role::from_id(s.trim()).ok_or_else(|| {
        ServiceError::invalid(
            "role",
            format!(
                "角色“{s}”无效，可选：{}",
                Role::ALL.map(|r| r.id()).join(", ")
            ),
        )
    })
}

fn clean_department(d: Option<&str>) -> Result<Option<String>> {
    match d.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if d.chars().count() > 30 => Err(ServiceError::invalid(
            "department",
            "部门名称不能超过 30 个字",
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

impl Services {
    /// Checks that `actor` may give `role` at `region` and that the region exists in scope.
    async fn check_assignment(
        tx: &mut Tx,
        actor_role: Role,
        scope: &RegionScope,
        role: Role,
        region: &str,
    ) -> Result<RegionCode> {
        let code = RegionCode::parse(region)?;
        if regions::get(tx, scope, &code).await?.is_none() {
            return Err(ServiceError::invalid(
                "region",
                format!("区划 {code} 不存在或不在您的管辖范围内"),
            ));
        }
        if !actor_role.assignable_roles().contains(&role) {
            return Err(ServiceError::forbidden(format!(
                "您无权分配“{}”角色",
                role.label()
            )));
        }
        if !role.allowed_levels().contains(&code.level()) {
            let levels: Vec<&str> = role.allowed_levels().iter().map(|l| l.label()).collect();
            return Err(ServiceError::invalid(
                "region",
                format!("“{}”只能属于{}级区划", role.label(), levels.join("、")),
            ));
        }
        Ok(code)
    }

    pub async fn create_user(
        &self,
        actor: &Actor,
        input: &UserInput,
        meta: &RequestMeta,
    ) -> Result<Issued> {
        require_manager(actor)?;
        self.create_user_unchecked(Some(actor), actor.role, actor.scope(), input, meta)
            .await
    }

    /// Account creation for the CLI (`meizhen user add`), run by whoever holds the
    /// server's files: acts as the system with the administrator's full scope.
    pub async fn create_user_as_system(&self, input: &UserInput) -> Result<Issued> {
        let scope = RegionScope::new(RegionCode::parse("33")?, None);
        self.create_user_unchecked(None, Role::Admin, &scope, input, &RequestMeta::cli())
            .await
    }

    async fn create_user_unchecked(
        &self,
        actor: Option<&Actor>,
        actor_role: Role,
        scope: &RegionScope,
        input: &UserInput,
        meta: &RequestMeta,
    ) -> Result<Issued> {
        let username = input.username.trim();
        check_username(username)?;
        let role = parse_role(&input.role)?;
        let department = clean_department(input.department.as_deref())?;
        if let (Some(a), Some(d)) = (actor.and_then(|a| a.department.as_deref()), &department) {
            if a != d {
                return Err(ServiceError::forbidden("只能在本部门内创建账号"));
            }
        }
        let display_name = match input.display_name.trim() {
            "" => username.to_owned(),
            n if n.chars().count() > 40 => {
                return Err(ServiceError::invalid(
                    "display_name",
                    "姓名不能超过 40 个字",
                ))
            }
            n => n.to_owned(),
        };
        let (password, one_time) = match input.password.as_deref() {
            Some(p) => {
                check_policy(username, p)?;
                (p.to_owned(), None)
            }
            None => {
                let p = Services::generate_password();
                (p.clone(), Some(p))
            }
        };
        let mut tx = self.db().begin().await?;
        let region =
            Self::check_assignment(&mut tx, actor_role, scope, role, &input.region).await?;
        if repo::by_username(&mut tx, username).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "用户名“{username}”已被使用"
            )));
        }
        let hash = self.hash(&password).await;
        let now = now_ms();
        let id = repo::insert(
            &mut tx,
            &NewUser {
                username,
                display_name: &display_name,
                role: role.id(),
                region_code: region.as_str(),
                department: department.as_deref(),
                password_hash: &hash,
                // A password someone else chose or generated must be replaced.
                must_change_password: one_time.is_some() || actor.is_some(),
            },
            now,
        )
        .await
        .map_err(|e| match e {
            meizhen_storage::StorageError::Duplicate => {
                ServiceError::Conflict(format!("用户名“{username}”已被使用"))
            }
            other => other.into(),
        })?;
        let user = repo::by_id(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound("用户不存在".into()))?;
        record(
            &mut tx,
            actor,
            meta,
            Change::new("create", "user", &id.to_string(), region.as_str())
                .after(snapshot(&user))
                .summary(format!("新增用户 {username}（{}）", role.label())),
        )
        .await?;
        tx.commit().await?;
        Ok(Issued {
            user,
            one_time_password: one_time,
        })
    }

    /// One's own account.
    pub async fn me(&self, actor: &Actor) -> Result<UserRow> {
        let mut tx = self.db().begin_read().await?;
        repo::by_id(&mut tx, actor.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)
    }

    /// CLI: every account under a region, unpaged.
    pub async fn users_as_system(
        &self,
        region: &str,
        filter: &UserFilter,
    ) -> Result<Vec<UserListRow>> {
        let scope = RegionScope::new(RegionCode::parse(region)?, None);
        let mut tx = self.db().begin_read().await?;
        let page = PageRequest::new(Some(1), Some(meizhen_domain::page::MAX_PER_PAGE));
        let mut out = Vec::new();
        let mut p = page;
        loop {
            let batch = repo::list(&mut tx, &scope, filter, &p).await?;
            let done = !batch.has_next();
            out.extend(batch.items);
            if done {
                break;
            }
            p.page += 1;
        }
        Ok(out)
    }

    pub async fn users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<UserListRow>> {
        require_manager(actor)?;
        let mut tx = self.db().begin_read().await?;
        Ok(repo::list(&mut tx, actor.scope(), filter, page).await?)
    }

    pub async fn user(&self, actor: &Actor, id: i64) -> Result<UserRow> {
        require_manager(actor)?;
        let mut tx = self.db().begin_read().await?;
        repo::get_scoped(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("用户"))
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        id: i64,
        ch: &UserChanges,
        meta: &RequestMeta,
    ) -> Result<UserRow> {
        require_manager(actor)?;
        let mut tx = self.db().begin().await?;
        let before = repo::get_scoped(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("用户"))?;
        let before_role = parse_role(&before.role)?;
        if !actor.role.assignable_roles().contains(&before_role) {
            return Err(ServiceError::forbidden("您无权修改该账号"));
        }
        let role = match &ch.role {
            Some(r) => parse_role(r)?,
            None => before_role,
        };
        let region = ch
            .region
            .clone()
            .unwrap_or_else(|| before.region_code.clone());
        let region =
            Self::check_assignment(&mut tx, actor.role, actor.scope(), role, &region).await?;
        let disabled = ch.disabled.unwrap_or(before.disabled);
        if id == actor.id && (disabled || role != actor.role || region != actor.region) {
            return Err(ServiceError::forbidden(
                "不能停用自己或修改自己的角色和区划",
            ));
        }
        let display_name = ch
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&before.display_name)
            .to_owned();
        if display_name.chars().count() > 40 {
            return Err(ServiceError::invalid(
                "display_name",
                "姓名不能超过 40 个字",
            ));
        }
        let department = match &ch.department {
            Some(d) => clean_department(d.as_deref())?,
            None => before.department.clone(),
        };
        repo::update(
            &mut tx,
            id,
            &UserUpdate {
                display_name: &display_name,
                role: role.id(),
                region_code: region.as_str(),
                department: department.as_deref(),
                disabled,
            },
            now_ms(),
        )
        .await?;
        if disabled && !before.disabled {
            sessions::delete_for_user(&mut tx, id, None).await?;
        }
        let after = repo::by_id(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound("用户不存在".into()))?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("update", "user", &id.to_string(), region.as_str())
                .before(snapshot(&before))
                .after(snapshot(&after))
                .summary(format!("修改用户 {}", after.username)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Issues a one-time password; the user must change it at next login.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<Issued> {
        require_manager(actor)?;
        let mut tx = self.db().begin().await?;
        let user = repo::get_scoped(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("用户"))?;
        let role = parse_role(&user.role)?;
        if !actor.role.assignable_roles().contains(&role) {
            return Err(ServiceError::forbidden("您无权重置该账号的密码"));
        }
        let password = Services::generate_password();
        let hash = self.hash(&password).await;
        repo::set_password(&mut tx, id, &hash, true, now_ms()).await?;
        sessions::delete_for_user(&mut tx, id, None).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("password_reset", "user", &id.to_string(), &user.region_code)
                .summary(format!("重置用户 {} 的密码", user.username)),
        )
        .await?;
        tx.commit().await?;
        Ok(Issued {
            user,
            one_time_password: Some(password),
        })
    }

    /// CLI: sets a user's password directly (`meizhen user password`).
    pub async fn set_password_as_system(
        &self,
        username: &str,
        password: &str,
        must_change: bool,
    ) -> Result<()> {
        check_policy(username, password)?;
        let mut tx = self.db().begin().await?;
        let user = repo::by_username(&mut tx, username)
            .await?
            .ok_or_else(|| ServiceError::not_found("用户"))?;
        let hash = self.hash(password).await;
        repo::set_password(&mut tx, user.id, &hash, must_change, now_ms()).await?;
        sessions::delete_for_user(&mut tx, user.id, None).await?;
        record(
            &mut tx,
            None,
            &RequestMeta::cli(),
            Change::new(
                "password_reset",
                "user",
                &user.id.to_string(),
                &user.region_code,
            )
            .summary(format!("命令行重置用户 {username} 的密码")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn require_manager(actor: &Actor) -> Result<()> {
    require_password_changed(actor)?;
    if actor.role.manages_users() {
        Ok(())
    } else {
        Err(ServiceError::forbidden("您的角色无权管理用户"))
    }
}
