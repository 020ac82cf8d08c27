//! Command-line interface. Every subcommand takes `--data-dir` and
//! `--database-url`; values come from flags, then `MEIZHEN_*` environment
//! variables, then the config file, then defaults.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "meizhen", version, about = "美镇 · 美丽城镇建设管理平台")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Data folder for the embedded database and files (default ./meizhen-data).
    #[arg(long, global = true, env = "MEIZHEN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://user@host/db (default: SQLite in the data folder).
    #[arg(long, global = true, env = "MEIZHEN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Config file (TOML). Default: meizhen.toml in the data folder, if present.
    #[arg(long, global = true, env = "MEIZHEN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log as JSON lines (for log collectors).
    #[arg(long, global = true, env = "MEIZHEN_LOG_JSON")]
    pub log_json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the web server (pages and API).
    Serve(ServeArgs),
    /// Fill the database with the 台州 (3310) demonstration set-up.
    Demo(DemoArgs),
    /// Administrative divisions.
    #[command(subcommand)]
    Regions(RegionsCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Generate test data (load tests, benchmarks): never on a production database.
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Import office ledgers (Excel).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export ledgers (Excel).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Generate documents (Word).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Apply database migrations and print the schema version.
    Migrate,
    /// Make a consistent copy of the embedded database while it is in use.
    Backup {
        /// Target file (must not exist).
        file: PathBuf,
    },
    /// Replace the embedded database with a backup (stop the server first).
    Restore {
        /// A file made by `meizhen backup`.
        file: PathBuf,
        /// Replace an existing database (it is kept beside as *.before-restore).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "MEIZHEN_ADDR")]
    pub addr: Option<String>,
    /// Load the demo data before serving.
    #[arg(long)]
    pub demo: bool,
    /// Password for every demo account (default: a random one, printed).
    #[arg(long, env = "MEIZHEN_DEMO_PASSWORD")]
    pub demo_password: Option<String>,
    /// Mark cookies Secure (when served behind HTTPS).
    #[arg(long, env = "MEIZHEN_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Trust X-Forwarded-For for the client address (only behind your own proxy).
    #[arg(long, env = "MEIZHEN_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Password for every demo account (default: a random one, printed).
    #[arg(long, env = "MEIZHEN_DEMO_PASSWORD")]
    pub password: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum RegionsCommand {
    /// (Re)load Zhejiang's divisions shipped with the program.
    Load,
}

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// Province scale: ~4,600 users over all 1,387 towns, ~30,000 grids,
    /// 2020–2022 creation lists and 200,000 audit entries. Deterministic from the seed.
    Province {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Password for every generated account (default: a random one, printed).
        #[arg(long, env = "MEIZHEN_GENERATE_PASSWORD")]
        password: Option<String>,
        /// Number of audit entries.
        #[arg(long, default_value_t = meizhen_service::generate::DEFAULT_AUDIT_ENTRIES)]
        audit_entries: usize,
    },
    /// The project library of every town, 2020–2021: ~60,000 projects with
    /// yearly plans, ~1,000,000 monthly reports, reporting periods and the
    /// towns' monthly figures. Deterministic from the seed; the library must be empty.
    Projects {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of projects (over all 1,387 towns).
        #[arg(long, default_value_t = meizhen_service::generate_projects::DEFAULT_PROJECTS)]
        projects: usize,
    },
    /// 暗访督查 of every town, 2020–2021: 96 rounds (each city every quarter,
    /// plus a province sample), ~20,000 inspections and ~300,000 findings with
    /// rectifications in every state; the last quarter left unpublished.
    /// Deterministic from the seed; the database must have no round yet.
    Inspections {
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account.
    Add {
        #[arg(long)]
        username: String,
        /// province_office, city_office, county_office, town_staff, inspector, grid_worker, expert, leader, admin
        #[arg(long)]
        role: String,
        /// Region code (2, 4, 6 or 9 digits).
        #[arg(long)]
        region: String,
        #[arg(long, default_value = "")]
        display_name: String,
        #[arg(long)]
        department: Option<String>,
        /// Read the password from standard input; otherwise a one-time password is printed.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a password (the user must change it at next login unless --permanent).
    Password {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        permanent: bool,
    },
    /// List accounts (optionally under a region).
    List {
        #[arg(long, default_value = "33")]
        region: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A project ledger: valid rows are imported, rejected rows reported with their row numbers.
    Projects {
        /// The workbook (.xlsx or .xls).
        file: PathBuf,
        /// The year the plan column belongs to (default: this year).
        #[arg(long)]
        year: Option<i32>,
        /// Also record the completed-investment column as this month's reports (YYYY-MM).
        #[arg(long)]
        month: Option<String>,
        /// Check only: nothing is saved.
        #[arg(long)]
        dry_run: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The year's project ledger of a region (小计 per county, 合计), streamed.
    Projects {
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i32,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The monthly illustrated progress report (Word) of a county, city or the province.
    Progress {
        #[arg(long)]
        region: String,
        /// YYYY-MM
        #[arg(long)]
        month: String,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// A notice (通报) as Word, optionally with its Excel companion: of a
    /// published 暗访 round (`--round ID`), or of a published quarterly
    /// assessment (季度动态考核通报: `--quarter 2020Q3 --region CODE`).
    /// Exactly one of the two.
    Notice {
        /// The round's id (see the 暗访督查 page or GET /api/v1/rounds).
        #[arg(long)]
        round: Option<i64>,
        /// The assessed quarter, e.g. 2020Q3 (with --region).
        #[arg(long)]
        quarter: Option<String>,
        /// The region that organised the assessment: the province (33) or a
        /// city code (with --quarter).
        #[arg(long)]
        region: Option<String>,
        /// The Word file to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Also write the Excel file (rankings with the scores, problems).
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
    /// A work summary (工作总结, Word) of a town, county, city or the
    /// province for a year or half-year, generated from the stored data.
    Summary {
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i32,
        /// 1 (上半年) or 2 (下半年); the whole year when left out.
        #[arg(long)]
        half: Option<u8>,
        /// mechanism (按工作机制, as 台州 writes) or wumei (按“五美”).
        #[arg(long, default_value = "mechanism")]
        layout: String,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}
