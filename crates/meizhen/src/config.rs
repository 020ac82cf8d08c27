//! Configuration: flags > environment > config file > defaults.

use crate::cli::Cli;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::PathBuf;

/// What may be set in `meizhen.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    addr: Option<String>,
    secure_cookies: Option<bool>,
    trust_forwarded_for: Option<bool>,
    log_json: Option<bool>,
    session_idle_minutes: Option<i64>,
    session_absolute_hours: Option<i64>,
    report_due_day: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub addr: String,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    pub log_json: bool,
    pub session_idle_secs: i64,
    pub session_absolute_secs: i64,
    pub report_due_day: u32,
}

impl Config {
    pub fn load(cli: &Cli) -> Result<Config> {
        let data_dir = cli
            .global
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("meizhen-data"));
        let file_path = cli
            .global
            .config
            .clone()
            .or_else(|| Some(data_dir.join("meizhen.toml")).filter(|p| p.exists()));
        let file: FileConfig = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("无法读取配置文件 {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("配置文件 {} 格式有误", p.display()))?
            }
            None => FileConfig::default(),
        };
        let (addr, secure, trust) = match &cli.command {
            crate::cli::Command::Serve(s) => {
                (s.addr.clone(), s.secure_cookies, s.trust_forwarded_for)
            }
            _ => (None, false, false),
        };
        let database_url = cli
            .global
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| meizhen_storage::Db::sqlite_url_for(&data_dir));
        Ok(Config {
            database_url,
            addr: addr
                .or(file.addr)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            secure_cookies: secure || file.secure_cookies.unwrap_or(false),
            trust_forwarded_for: trust || file.trust_forwarded_for.unwrap_or(false),
            log_json: cli.global.log_json || file.log_json.unwrap_or(false),
            session_idle_secs: file.session_idle_minutes.unwrap_or(8 * 60) * 60,
            session_absolute_secs: file.session_absolute_hours.unwrap_or(24) * 3600,
            report_due_day: match file.report_due_day.unwrap_or(5) {
                d @ 1..=28 => d,
                d => anyhow::bail!("配置项 report_due_day = {d} 无效：应在 1 到 28 之间"),
            },
            data_dir,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Logs go to stderr (stdout carries command output such as credentials).
/// Level from `RUST_LOG`, default `info` with sqlx quieter.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}
