use meizhen_domain::ValidationError;
use meizhen_storage::StorageError;
use thiserror::Error;

/// What went wrong, in terms a user can act on. The web layer maps each
/// variant to an HTTP status, a stable code (API) and the Chinese message.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("请先登录")]
    Unauthenticated,
    #[error("用户名或密码错误")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(ValidationError),
    #[error("{0}")]
    Conflict(String),
    #[error("登录失败次数过多，请 {} 分钟后再试", (retry_after_secs + 59) / 60)]
    Throttled { retry_after_secs: i64 },
    #[error("首次登录或密码已重置，请先修改密码")]
    PasswordChangeRequired,
    #[error("服务器内部错误")]
    Internal(#[source] StorageError),
}

impl ServiceError {
    /// Stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthenticated => "unauthenticated",
            ServiceError::BadCredentials => "bad_credentials",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Invalid(_) => "invalid_input",
            ServiceError::Conflict(_) => "conflict",
            ServiceError::Throttled { .. } => "too_many_attempts",
            ServiceError::PasswordChangeRequired => "password_change_required",
            ServiceError::Internal(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            ServiceError::Invalid(v) => Some(v.field),
            _ => None,
        }
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        ServiceError::Forbidden(msg.into())
    }

    pub fn not_found(what: &str) -> Self {
        ServiceError::NotFound(format!("{what}不存在或无权查看"))
    }

    pub fn invalid(field: &'static str, msg: impl Into<String>) -> Self {
        ServiceError::Invalid(ValidationError::new(field, msg))
    }
}

impl From<ValidationError> for ServiceError {
    fn from(v: ValidationError) -> Self {
        ServiceError::Invalid(v)
    }
}

impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ServiceError::NotFound("记录不存在或无权查看".into()),
            StorageError::Duplicate => ServiceError::Conflict("记录已存在".into()),
            other => ServiceError::Internal(other),
        }
    }
}
