use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("数据库已被更新的 meizhen 版本升级（数据库结构版本 {found}，本程序只认识到 {known}）。请使用更新的 meizhen，或从备份恢复。")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("记录已存在")]
    Duplicate,
    #[error("记录不存在")]
    NotFound,
    #[error("不支持的数据库地址：{0}（应以 sqlite: 或 postgres:// 开头）")]
    UnsupportedUrl(String),
    #[error("数据库错误：{0}")]
    Sqlx(sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("区划数据有误：{0}")]
    RegionData(String),
    /// Files kept beside the database (photos) could not be read or written.
    #[error("文件读写失败：{0}")]
    Files(#[source] std::io::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                StorageError::Duplicate
            }
            _ => StorageError::Sqlx(e),
        }
    }
}
