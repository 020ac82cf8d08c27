//! The subcommands.

use crate::cli::{
    Command, ExportCommand, GenerateCommand, ImportCommand, RegionsCommand, ReportCommand,
    ServeArgs, UserCommand,
};
use crate::config::Config;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use meizhen_domain::inspection::Quarter;
use meizhen_domain::money::Fen;
use meizhen_domain::project::YearMonth;
use meizhen_service::users::{UserFilter, UserInput};
use meizhen_service::{Actor, Db, RequestMeta, ServiceConfig, Services};
use std::io::Read;
use std::net::SocketAddr;

pub async fn run(command: Command, config: Config) -> Result<()> {
    match &command {
        Command::Restore { file, force } => return restore(&config, file, *force).await,
        Command::Backup { file } if !config.is_sqlite() => return pg_dump(&config, file),
        // Refuse a wrong combination before touching the database.
        Command::Report(ReportCommand::Notice {
            round,
            quarter,
            region,
            ..
        }) => {
            notice_kind(*round, quarter.as_deref(), region.as_deref())?;
        }
        _ => {}
    }
    let services = open(&config).await?;
    let result = match command {
        Command::Serve(args) => serve(&services, &config, args).await,
        Command::Demo(args) => {
            bootstrap(&services).await?;
            demo(&services, args.password.as_deref()).await
        }
        Command::Regions(RegionsCommand::Load) => {
            let bar = progress("导入行政区划");
            let report = services
                .load_regions(&|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "已导入行政区划 {} 条（新增 {} 条）",
                report.total, report.inserted
            );
            Ok(())
        }
        Command::User(cmd) => {
            bootstrap(&services).await?;
            user(&services, cmd).await
        }
        Command::Generate(cmd) => {
            bootstrap(&services).await?;
            generate(&services, cmd).await
        }
        Command::Import(ImportCommand::Projects {
            file,
            year,
            month,
            dry_run,
            json,
        }) => {
            bootstrap(&services).await?;
            import_projects(&services, &file, year, month.as_deref(), dry_run, json).await
        }
        Command::Export(ExportCommand::Projects {
            region,
            year,
            output,
        }) => {
            let s = services
                .export_project_ledger(&Actor::system(), &region, year, &output)
                .await?;
            println!(
                "已导出 {} 个项目到 {}（总投资 {} 万元，{year} 年计划投资 {} 万元）",
                s.projects,
                output.display(),
                Fen::new(s.total_investment_fen).to_wan_string(2),
                Fen::new(s.planned_investment_fen).to_wan_string(2)
            );
            Ok(())
        }
        Command::Report(ReportCommand::Progress {
            region,
            month,
            output,
        }) => {
            let m = YearMonth::parse(&month).map_err(|e| anyhow::anyhow!(e.message))?;
            let today = chrono_today();
            let bytes = services
                .progress_report_docx(&Actor::system(), &region, m, today)
                .await?;
            std::fs::write(&output, bytes)
                .with_context(|| format!("无法写入 {}", output.display()))?;
            println!(
                "已生成 {} {} 项目进度月报：{}",
                region,
                m.label_zh(),
                output.display()
            );
            Ok(())
        }
        Command::Report(ReportCommand::Notice {
            round,
            quarter,
            region,
            output,
            xlsx,
        }) => {
            let kind = notice_kind(round, quarter.as_deref(), region.as_deref())?;
            report_notice(&services, &kind, &output, xlsx.as_deref()).await
        }
        Command::Report(ReportCommand::Summary {
            region,
            year,
            half,
            layout,
            output,
        }) => report_summary(&services, &region, year, half, &layout, &output).await,
        Command::Migrate => {
            let v = services.db().schema_version().await?;
            println!("数据库结构版本：{v}");
            Ok(())
        }
        Command::Backup { file } => {
            if file.exists() {
                bail!("目标文件 {} 已存在", file.display());
            }
            services.db().backup_sqlite(&file).await?;
            println!("已备份到 {}", file.display());
            Ok(())
        }
        Command::Restore { .. } => Ok(()),
    };
    services.db().close().await;
    result
}

/// Which notice `report notice` writes.
#[derive(Debug, PartialEq, Eq)]
enum NoticeKind {
    /// 暗访通报 of a round.
    Round(i64),
    /// 季度动态考核通报 of an owner region's quarter.
    Quarter { region: String, quarter: Quarter },
}

/// `--round ID`, or `--quarter Q --region CODE`: exactly one of the two.
fn notice_kind(
    round: Option<i64>,
    quarter: Option<&str>,
    region: Option<&str>,
) -> Result<NoticeKind> {
    let quarter = quarter.map(str::trim).filter(|s| !s.is_empty());
    let region = region.map(str::trim).filter(|s| !s.is_empty());
    match (round, quarter, region) {
        (Some(id), None, None) => Ok(NoticeKind::Round(id)),
        (Some(_), _, _) => bail!(
            "--round（暗访通报）与 --quarter/--region（季度考核通报）只能选一种"
        ),
        (None, Some(q), Some(r)) => Ok(NoticeKind::Quarter {
            region: r.to_owned(),
            quarter: Quarter::parse(q).map_err(|e| anyhow::anyhow!(e.message))?,
        }),
        (None, Some(_), None) | (None, None, Some(_)) => bail!(
            "季度考核通报须同时指定 --quarter 和 --region（如 --quarter 2020Q3 --region 3310）"
        ),
        (None, None, None) => bail!(
            "请指定 --round 轮次编号（暗访通报），或 --quarter 季度 --region 区划代码（季度考核通报）"
        ),
    }
}

/// Writes the notice as Word (and the Excel companion when asked).
async fn report_notice(
    services: &Services,
    kind: &NoticeKind,
    output: &std::path::Path,
    xlsx: Option<&std::path::Path>,
) -> Result<()> {
    let actor = Actor::system();
    let write = |path: &std::path::Path, bytes: Vec<u8>| {
        std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))
    };
    match kind {
        NoticeKind::Round(round) => {
            let (_, bytes) = services.round_notice_docx(&actor, *round).await?;
            write(output, bytes)?;
            println!("已生成暗访通报：{}", output.display());
            if let Some(path) = xlsx {
                let (_, bytes) = services.round_notice_xlsx(&actor, *round).await?;
                write(path, bytes)?;
                println!("已生成通报附表：{}", path.display());
            }
        }
        NoticeKind::Quarter { region, quarter } => {
            let (_, bytes) = services
                .assessment_notice_docx(&actor, region, *quarter)
                .await?;
            write(output, bytes)?;
            println!(
                "已生成{}动态考核通报：{}",
                quarter.label_zh(),
                output.display()
            );
            if let Some(path) = xlsx {
                let (_, bytes) = services
                    .assessment_notice_xlsx(&actor, region, *quarter)
                    .await?;
                write(path, bytes)?;
                println!("已生成考核通报附表：{}", path.display());
            }
        }
    }
    Ok(())
}

/// Connects and migrates; creates the data folder for SQLite.
async fn open(config: &Config) -> Result<Services> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("无法创建数据目录 {}", config.data_dir.display()))?;
    }
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| "无法连接数据库".to_string())?;
    db.migrate().await?;
    Ok(Services::new(
        db,
        ServiceConfig {
            session_idle_secs: config.session_idle_secs,
            session_absolute_secs: config.session_absolute_secs,
            report_due_day: config.report_due_day,
            files_dir: config.data_dir.join("files"),
            ..ServiceConfig::default()
        },
    ))
}

fn progress(msg: &'static str) -> ProgressBar {
    // indicatif draws only on a terminal: scripts and logs stay quiet.
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(msg);
    bar
}

/// First start: regions and the administrator's one-time password.
async fn bootstrap(services: &Services) -> Result<()> {
    let bar = progress("首次启动：导入行政区划");
    let b = services
        .bootstrap(&|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    if let Some(r) = b.regions {
        println!("已导入浙江省行政区划 {} 条", r.total);
    }
    if let Some(p) = b.admin_password {
        println!("已创建系统管理员 admin，一次性密码（只显示这一次，首次登录须修改）：{p}");
    }
    Ok(())
}

fn chrono_today() -> chrono::NaiveDate {
    meizhen_domain::time::to_shanghai(chrono::Utc::now().timestamp_millis())
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

async fn import_projects(
    services: &Services,
    file: &std::path::Path,
    year: Option<i32>,
    month: Option<&str>,
    dry_run: bool,
    json: bool,
) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let year = year.unwrap_or_else(|| {
        use chrono::Datelike;
        chrono_today().year()
    });
    let month = match month {
        Some(m) => Some(YearMonth::parse(m).map_err(|e| anyhow::anyhow!(e.message))?),
        None => None,
    };
    let r = services
        .import_projects(
            &Actor::system(),
            &bytes,
            year,
            month,
            dry_run,
            &RequestMeta::cli(),
        )
        .await?;
    if json {
        // The scripts' contract: imported, updated, rejected[{row, reason}], duplicates[{row}].
        let out = serde_json::json!({
            "imported": r.imported,
            "updated": r.updated,
            "rejected": r.rejected,
            "duplicates": r.duplicates,
            "dry_run": r.dry_run,
        });
        println!("{out}");
    } else {
        println!(
            "{}工作表“{}”：新增 {} 个，更新 {} 个，拒绝 {} 行，重复 {} 行",
            if r.dry_run {
                "试导入（未保存）"
            } else {
                "已导入"
            },
            r.sheet,
            r.imported,
            r.updated,
            r.rejected.len(),
            r.duplicates.len()
        );
        for x in &r.rejected {
            println!("  第 {} 行：{}", x.row, x.reason);
        }
        for d in &r.duplicates {
            println!("  第 {} 行与第 {} 行重复", d.row, d.first_row);
        }
    }
    Ok(())
}

/// `meizhen report summary`: a fresh draft straight to Word, as the command line.
async fn report_summary(
    services: &Services,
    region: &str,
    year: i32,
    half: Option<u8>,
    layout: &str,
    output: &std::path::Path,
) -> Result<()> {
    use meizhen_domain::summary::{Layout, Period};
    let code = meizhen_domain::RegionCode::parse(region).map_err(|e| anyhow::anyhow!(e.message))?;
    let period = match half {
        None => Period::year(year),
        Some(h) => Period::half(year, h)
            .ok_or_else(|| anyhow::anyhow!("--half 应为 1（上半年）或 2（下半年）"))?,
    };
    let layout = Layout::parse(layout).map_err(|e| anyhow::anyhow!(e.message))?;
    let bytes = services
        .summary_docx_for(&Actor::system(), &code, period, layout)
        .await?;
    std::fs::write(output, bytes).with_context(|| format!("无法写入 {}", output.display()))?;
    println!(
        "已生成 {region} {} 工作总结（{}）：{}",
        period.label(),
        layout.label(),
        output.display()
    );
    Ok(())
}

async fn demo(services: &Services, password: Option<&str>) -> Result<()> {
    let r = services.demo(password).await?;
    println!(
        "演示数据：台州市 2020 年创建名单 样板创建 {} 个、达标创建 {} 个；网格 {} 个。",
        r.enrolled_model, r.enrolled_standard, r.grids
    );
    // The 2020 project library: a separate step, so tests of other modules
    // can start from accounts and regions alone.
    let projects = services.demo_projects().await?;
    println!("{}", projects.summary());
    let photos = services.demo_photos().await?;
    if photos > 0 {
        println!("演示进度照片 {photos} 张（生成的图片）。");
    }
    // 暗访督查: the 2020 rounds, with the demo password for the inspector
    // accounts it adds.
    let inspections = services
        .demo_inspections(r.accounts.first().map(|a| a.3.as_str()))
        .await?;
    println!("{}", inspections.summary());
    // 台账 at the scale of 台州's 2020 work summary.
    let ledgers = services.demo_ledgers().await?;
    println!("{}", ledgers.summary());
    println!("演示账号（密码相同）：");
    for (u, role, region, _) in r.accounts.iter().chain(&inspections.accounts) {
        println!("  {u:<18} {role:<16} {region}");
    }
    if let Some((_, _, _, p)) = r.accounts.first() {
        println!("演示账号密码：{p}");
    }
    Ok(())
}

async fn generate(services: &Services, cmd: GenerateCommand) -> Result<()> {
    match cmd {
        GenerateCommand::Province {
            seed,
            password,
            audit_entries,
        } => {
            let (password, show) = match password {
                Some(p) => (p, false),
                None => (meizhen_service::generate::random_password(), true),
            };
            let opts = meizhen_service::generate::ProvinceOptions {
                seed,
                password: password.clone(),
                audit_entries,
            };
            let bar = progress("生成全省数据");
            let r = services
                .generate_province(&opts, &|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await;
            bar.finish_and_clear();
            let r = r?;
            println!(
                "已生成全省数据（种子 {seed}）：乡镇 {} 个、村(社区) {} 个；用户 {} 个、网格 {} 个、创建类型 {} 个、创建名单 {} 条、操作日志 {} 条。",
                r.towns, r.villages, r.users, r.grids, r.town_types, r.enrollments, r.audit_entries
            );
            println!(
                "生成的账号以 g. 开头，例如 {}",
                meizhen_service::generate::FIRST_USERNAME
            );
            if show {
                println!("生成账号密码（相同）：{password}");
            }
            Ok(())
        }
        GenerateCommand::Projects { seed, projects } => {
            let opts = meizhen_service::generate_projects::ProjectsOptions { seed, projects };
            let started = std::time::Instant::now();
            let bar = progress("生成全省项目数据");
            let r = services
                .generate_projects(&opts, &|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await;
            bar.finish_and_clear();
            let r = r?;
            println!(
                "已生成全省项目数据（种子 {seed}，用时 {:.1} 秒）：乡镇 {} 个；项目 {} 个（2020 年项目库 {} 个、2021 年 {} 个），年度计划 {} 条，月报 {} 份，填报期 {} 个，乡镇月度指标 {} 条。",
                started.elapsed().as_secs_f64(),
                r.towns, r.projects, r.library[0], r.library[1], r.plans, r.reports, r.periods, r.figures
            );
            Ok(())
        }
        GenerateCommand::Inspections { seed } => {
            let opts = meizhen_service::generate_inspections::InspectionsOptions::new(seed);
            let started = std::time::Instant::now();
            let bar = progress("生成全省暗访督查数据");
            let r = services
                .generate_inspections(&opts, &|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await;
            bar.finish_and_clear();
            let r = r?;
            println!(
                "已生成全省暗访督查数据（种子 {seed}，用时 {:.1} 秒）：轮次 {} 个（已发布 {} 个），检查 {} 次，问题 {} 个。",
                started.elapsed().as_secs_f64(),
                r.rounds, r.published, r.inspections, r.findings
            );
            Ok(())
        }
    }
}

/// Registers for Ctrl+C and SIGTERM right away, so that a signal arriving just
/// after the "started" line is already handled; the future waits for one.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let wait = {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).context("无法注册 SIGINT")?;
        let mut terminate = signal(SignalKind::terminate()).context("无法注册 SIGTERM")?;
        async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        }
    };
    #[cfg(not(unix))]
    let wait = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    Ok(async move {
        wait.await;
        tracing::info!("收到停止信号，正在关闭…");
    })
}

async fn serve(services: &Services, config: &Config, args: ServeArgs) -> Result<()> {
    bootstrap(services).await?;
    if args.demo {
        demo(services, args.demo_password.as_deref()).await?;
    }
    // Housekeeping every ten minutes: expired sessions, old login failures.
    let housekeeping = services.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = housekeeping.purge_expired().await {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
    });
    let app = meizhen_web::router(
        services.clone(),
        meizhen_web::WebConfig {
            secure_cookies: config.secure_cookies,
            trust_forwarded_for: config.trust_forwarded_for,
        },
    );
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .with_context(|| format!("无法监听 {}", config.addr))?;
    let addr = listener.local_addr()?;
    let shutdown = shutdown_signal()?;
    println!("美镇已启动：http://{addr}/  （Ctrl+C 停止）");
    tracing::info!(%addr, database = ?services.db().engine(), "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

fn read_stdin_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    let p = s.trim_end_matches(['\n', '\r']).to_owned();
    if p.is_empty() {
        bail!("标准输入中没有密码");
    }
    Ok(p)
}

async fn user(services: &Services, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            role,
            region,
            display_name,
            department,
            password_stdin,
        } => {
            let password = if password_stdin {
                Some(read_stdin_password()?)
            } else {
                None
            };
            let issued = services
                .create_user_as_system(&UserInput {
                    username,
                    display_name,
                    role,
                    region,
                    department,
                    password,
                })
                .await?;
            println!(
                "已创建用户 {}（{}，区划 {}）",
                issued.user.username, issued.user.role, issued.user.region_code
            );
            if let Some(p) = issued.one_time_password {
                println!("一次性密码（首次登录须修改）：{p}");
            }
        }
        UserCommand::Password {
            username,
            password_stdin,
            permanent,
        } => {
            if !password_stdin {
                bail!("请用 --password-stdin 从标准输入提供密码");
            }
            let p = read_stdin_password()?;
            services
                .set_password_as_system(&username, &p, !permanent)
                .await?;
            println!("已设置用户 {username} 的密码");
        }
        UserCommand::List { region } => {
            let page = services
                .users_as_system(&region, &UserFilter::default())
                .await?;
            for u in page {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.role,
                    u.region_code,
                    u.display_name,
                    if u.disabled { "停用" } else { "正常" }
                );
            }
        }
    }
    Ok(())
}

/// PostgreSQL backups are pg_dump's job; we call it with the configured URL.
fn pg_dump(config: &Config, file: &std::path::Path) -> Result<()> {
    if file.exists() {
        bail!("目标文件 {} 已存在", file.display());
    }
    let status = std::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--file")
        .arg(file)
        .arg(&config.database_url)
        .status()
        .context("无法运行 pg_dump（请安装 PostgreSQL 客户端）")?;
    if !status.success() {
        bail!("pg_dump 失败：{status}");
    }
    println!(
        "已用 pg_dump 备份到 {}（用 pg_restore 恢复）",
        file.display()
    );
    Ok(())
}

/// Restores an SQLite backup into the data folder after checking it is one of ours.
///
/// The backup is copied beside the database first and checked there: the
/// backup file itself is never opened for writing (opening sets WAL mode), and
/// an existing database is replaced only once the copy is known to be good.
async fn restore(config: &Config, file: &std::path::Path, force: bool) -> Result<()> {
    if !config.is_sqlite() {
        bail!("PostgreSQL 请用 pg_restore 恢复：pg_restore --clean --dbname URL FILE");
    }
    if !file.is_file() {
        bail!("备份文件 {} 不存在", file.display());
    }
    let target = config.data_dir.join("meizhen.sqlite3");
    if target.exists() && !force {
        bail!(
            "{} 已存在。请先停止服务，再加 --force 覆盖（原文件保留为 .before-restore）",
            target.display()
        );
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("无法创建数据目录 {}", config.data_dir.display()))?;
    let staging = target.with_extension("sqlite3.restoring");
    remove_sqlite_files(&staging);
    std::fs::copy(file, &staging)
        .with_context(|| format!("无法复制备份文件到 {}", staging.display()))?;
    if let Err(e) = check_backup(&staging).await {
        remove_sqlite_files(&staging);
        return Err(e);
    }
    if target.exists() {
        // Keep the old database, with its WAL if one was left behind.
        let kept = target.with_extension("sqlite3.before-restore");
        remove_sqlite_files(&kept);
        for suffix in ["", "-wal"] {
            let from = sqlite_file(&target, suffix);
            if from.exists() {
                std::fs::rename(&from, sqlite_file(&kept, suffix))?;
            }
        }
    }
    let _ = std::fs::remove_file(sqlite_file(&target, "-shm"));
    std::fs::rename(&staging, &target)?;
    println!("已从 {} 恢复到 {}", file.display(), target.display());
    Ok(())
}

/// Checks that a copied backup opens and carries a schema this program knows.
async fn check_backup(path: &std::path::Path) -> Result<()> {
    let probe = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .context("备份文件无法打开")?;
    let version = probe.schema_version().await;
    probe.close().await;
    let version = version.context("备份文件不是美镇数据库")?;
    if version == 0 || version > meizhen_storage::KNOWN_SCHEMA_VERSION {
        bail!("备份文件的数据库结构版本为 {version}，本程序不能使用");
    }
    Ok(())
}

/// `path` with `suffix` appended ("-wal", "-shm"), as SQLite names its side files.
fn sqlite_file(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(sqlite_file(path, suffix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_takes_a_round_or_a_quarter() {
        assert_eq!(
            notice_kind(Some(7), None, Some(" ")).ok(),
            Some(NoticeKind::Round(7))
        );
        assert_eq!(
            notice_kind(None, Some("2020Q3"), Some("3310")).ok(),
            Some(NoticeKind::Quarter {
                region: "3310".into(),
                quarter: Quarter { year: 2020, q: 3 },
            })
        );
        let message = |r: Result<NoticeKind>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message(notice_kind(Some(7), Some("2020Q3"), Some("3310"))).contains("只能选一种"));
        assert!(message(notice_kind(None, Some("2020Q3"), None)).contains("同时指定"));
        assert!(message(notice_kind(None, None, Some("3310"))).contains("同时指定"));
        assert!(message(notice_kind(None, None, None)).contains("请指定 --round"));
        assert!(message(notice_kind(None, Some("2020Q9"), Some("3310"))).contains("季度"));
    }
}
