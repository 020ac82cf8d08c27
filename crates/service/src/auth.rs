//! Logging in and out, sessions, API tokens, password changes, throttling.

use crate::audit::{record, Change};
use crate::crypto::{hash_password, one_time_password, random_hex, sha256_hex, verify_password};
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use meizhen_domain::password::check_policy;
use meizhen_domain::throttle::{decide, Throttle, WINDOW_SECS};
use meizhen_storage::repo::sessions::SessionRow;
pub use meizhen_storage::repo::tokens::TokenRow;
use meizhen_storage::repo::{sessions, throttle, tokens, users};
use meizhen_storage::{now_ms, Tx};
use serde_json::json;

/// A freshly created session: the raw id goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub raw_id: String,
    pub csrf_token: String,
    pub max_age_secs: i64,
}

/// A session resolved from its cookie.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
}

pub const TOKEN_PREFIX: &str = "mzt_";

impl Services {
    async fn begin(&self) -> Result<Tx> {
        Ok(self.db().begin().await?)
    }

    /// Checks the password and opens a new session (a new id every time, so an
    /// id planted before login is worthless).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<(Actor, NewSession)> {
        let username = username.trim();
        if username.is_empty() || password.is_empty() {
            return Err(ServiceError::invalid("username", "请输入用户名和密码"));
        }
        let now = now_ms();
        let mut tx = self.begin().await?;
        let (acct, addr, oldest) =
            throttle::counts(&mut tx, username, &meta.address, now - WINDOW_SECS * 1000).await?;
        if let Throttle::Locked { retry_after_secs } =
            decide(acct, addr, oldest.map(|t| t / 1000), now / 1000)
        {
            return Err(ServiceError::Throttled { retry_after_secs });
        }
        let user = users::by_username(&mut tx, username).await?;
        // Verify against a dummy hash for unknown users so timing does not tell.
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| dummy_hash(self.config()).to_owned());
        let cfg = self.config().clone();
        let pw = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_password(&cfg, &pw, &hash))
            .await
            .unwrap_or(false);
        let user = match (ok, user) {
            (true, Some(u)) => u,
            (_, u) => {
                throttle::record_failure(&mut tx, username, &meta.address, now).await?;
                let region = u.as_ref().map(|u| u.region_code.as_str()).unwrap_or("33");
                record(
                    &mut tx,
                    None,
                    meta,
                    Change::new("login_failed", "user", username, region)
                        .summary(format!("用户 {username} 登录失败")),
                )
                .await?;
                tx.commit().await?;
                return Err(ServiceError::BadCredentials);
            }
        };
        if user.disabled {
            return Err(ServiceError::forbidden("账号已停用，请联系管理员"));
        }
        let actor = Actor::from_row(&user)
            .ok_or_else(|| ServiceError::forbidden("账号数据有误，请联系管理员"))?;
        throttle::clear_account(&mut tx, username).await?;
        let session = self.open_session(&mut tx, user.id, now).await?;
        record(
            &mut tx,
            Some(&actor),
            meta,
            Change::new("login", "user", &user.id.to_string(), &user.region_code)
                .summary(format!("{} 登录", user.username)),
        )
        .await?;
        tx.commit().await?;
        Ok((actor, session))
    }

    async fn open_session(&self, tx: &mut Tx, user_id: i64, now: i64) -> Result<NewSession> {
        let raw_id = random_hex(32);
        let csrf_token = random_hex(32);
        let idle = self.config().session_idle_secs;
        sessions::insert(
            tx,
            &SessionRow {
                id_hash: sha256_hex(&raw_id),
                user_id,
                csrf_token: csrf_token.clone(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + idle * 1000,
            },
        )
        .await?;
        Ok(NewSession {
            raw_id,
            csrf_token,
            max_age_secs: self.config().session_absolute_secs,
        })
    }

    /// Resolves a session cookie. Expired sessions, disabled users and unknown
    /// ids all answer `None`.
    pub async fn session(&self, raw_id: &str) -> Result<Option<SessionInfo>> {
        let now = now_ms();
        let hash = sha256_hex(raw_id);
        // Every request resolves its session: read without the write lock and
        // write (expiry, sliding) only when needed, in its own short transaction.
        let mut tx = self.db().begin_read().await?;
        let Some(s) = sessions::get(&mut tx, &hash).await? else {
            return Ok(None);
        };
        let user = users::by_id(&mut tx, s.user_id).await?;
        drop(tx);
        let absolute_end = s.created_at + self.config().session_absolute_secs * 1000;
        if s.expires_at < now || absolute_end < now {
            let mut tx = self.begin().await?;
            sessions::delete(&mut tx, &hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let Some(user) = user.filter(|u| !u.disabled) else {
            return Ok(None);
        };
        // Slide the idle expiry, at most once a minute to spare the database.
        if now - s.last_seen_at > 60_000 {
            let expires = (now + self.config().session_idle_secs * 1000).min(absolute_end);
            let mut tx = self.begin().await?;
            sessions::touch(&mut tx, &hash, now, expires).await?;
            tx.commit().await?;
        }
        Ok(Actor::from_row(&user).map(|actor| SessionInfo {
            actor,
            csrf_token: s.csrf_token,
        }))
    }

    pub async fn logout(&self, raw_id: &str, meta: &RequestMeta) -> Result<()> {
        let info = self.session(raw_id).await?;
        let mut tx = self.begin().await?;
        sessions::delete(&mut tx, &sha256_hex(raw_id)).await?;
        if let Some(info) = info {
            let a = &info.actor;
            record(
                &mut tx,
                Some(a),
                meta,
                Change::new("logout", "user", &a.id.to_string(), a.region.as_str())
                    .summary(format!("{} 退出", a.username)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Resolves `Authorization: Bearer mzt_…`.
    pub async fn token_actor(&self, raw: &str) -> Result<Option<Actor>> {
        if !raw.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let now = now_ms();
        let mut tx = self.db().begin_read().await?;
        let Some(t) = tokens::by_hash(&mut tx, &sha256_hex(raw)).await? else {
            return Ok(None);
        };
        let user = users::by_id(&mut tx, t.user_id).await?;
        drop(tx);
        let Some(user) = user.filter(|u| !u.disabled) else {
            return Ok(None);
        };
        if t.last_used_at.is_none_or(|u| now - u > 60_000) {
            let mut tx = self.begin().await?;
            tokens::mark_used(&mut tx, t.id, now).await?;
            tx.commit().await?;
        }
        Ok(Actor::from_row(&user))
    }

    /// Creates an API token; the raw value is returned once and never stored.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        meta: &RequestMeta,
    ) -> Result<(TokenRow, String)> {
        require_password_changed(actor)?;
        let name = name.trim();
        let name = if name.is_empty() { "API 令牌" } else { name };
        if name.chars().count() > 60 {
            return Err(ServiceError::invalid("name", "令牌名称不能超过 60 个字"));
        }
        let raw = format!("{TOKEN_PREFIX}{}", random_hex(32));
        let now = now_ms();
        let mut tx = self.begin().await?;
        let id = tokens::insert(&mut tx, actor.id, name, &sha256_hex(&raw), now).await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "token_create",
                "api_token",
                &id.to_string(),
                actor.region.as_str(),
            )
            .after(json!({"name": name, "user_id": actor.id}))
            .summary(format!("创建 API 令牌“{name}”")),
        )
        .await?;
        let row = tokens::for_user(&mut tx, actor.id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(ServiceError::NotFound("令牌不存在".into()))?;
        tx.commit().await?;
        Ok((row, raw))
    }

    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRow>> {
        let mut tx = self.db().begin_read().await?;
        Ok(tokens::for_user(&mut tx, actor.id).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        if !tokens::revoke(&mut tx, actor.id, id, now).await? {
            return Err(ServiceError::not_found("令牌"));
        }
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "token_revoke",
                "api_token",
                &id.to_string(),
                actor.region.as_str(),
            )
            .summary("吊销 API 令牌"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes one's own password; other sessions of the user end.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let user = users::by_id(&mut tx, actor.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let cfg = self.config().clone();
        let (cur, hash) = (current.to_owned(), user.password_hash.clone());
        let ok = tokio::task::spawn_blocking(move || verify_password(&cfg, &cur, &hash))
            .await
            .unwrap_or(false);
        if !ok {
            return Err(ServiceError::invalid("current_password", "当前密码不正确"));
        }
        if current == new {
            return Err(ServiceError::invalid(
                "password",
                "新密码不能与当前密码相同",
            ));
        }
        check_policy(&user.username, new)?;
        let hash = self.hash(new).await;
        users::set_password(&mut tx, actor.id, &hash, false, now_ms()).await?;
        sessions::delete_for_user(&mut tx, actor.id, keep_session.map(sha256_hex).as_deref())
            .await?;
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new(
                "password_change",
                "user",
                &actor.id.to_string(),
                actor.region.as_str(),
            )
            .summary(format!("{} 修改密码", actor.username)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Housekeeping: removes expired sessions and login failures older than the
    /// throttling window. The server runs it periodically.
    pub async fn purge_expired(&self) -> Result<(u64, u64)> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let s = sessions::purge_expired(&mut tx, now).await?;
        let f = throttle::purge_before(&mut tx, now - WINDOW_SECS * 1000).await?;
        tx.commit().await?;
        Ok((s, f))
    }

    pub(crate) async fn hash(&self, password: &str) -> String {
        let cfg = self.config().clone();
        let pw = password.to_owned();
        match tokio::task::spawn_blocking(move || hash_password(&cfg, &pw)).await {
            Ok(h) => h,
            Err(_) => hash_password(self.config(), password),
        }
    }

    pub(crate) fn generate_password() -> String {
        one_time_password()
    }
}

/// Accounts with a one-time password may only change it.
pub fn require_password_changed(actor: &Actor) -> Result<()> {
    if actor.must_change_password {
        Err(ServiceError::PasswordChangeRequired)
    } else {
        Ok(())
    }
}

/// A hash of a random string with the configured cost, verified against when
/// the username is unknown so that a failed login takes as long either way.
fn dummy_hash(cfg: &crate::ServiceConfig) -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(cfg, &random_hex(16)))
}
