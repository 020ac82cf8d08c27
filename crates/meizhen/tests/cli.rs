//! The `meizhen` binary end to end: each test runs the real program on fresh
//! data folders under the system temp folder (removed afterwards) and checks
//! exit codes and output, as an operator would see them.
//!
//! PostgreSQL: `postgres_database_url` runs when `MEIZHEN_TEST_POSTGRES_URL`
//! names a server (e.g. postgres://postgres@127.0.0.1:5432/test); it creates
//! and drops a fresh database. Without it, it prints that it was skipped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_meizhen");
const POSTGRES_ENV: &str = "MEIZHEN_TEST_POSTGRES_URL";
const PASSWORD: &str = "Taizhou-2020!";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A folder under the system temp folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(unique("meizhen_cli"));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// A path inside that does not exist yet (a data folder, a backup file).
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a finished run printed.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status.code(),
            self.stdout,
            self.stderr
        )
    }

    #[track_caller]
    fn ok(self) -> Run {
        assert!(
            self.status.success(),
            "expected success\n{}",
            self.describe()
        );
        self
    }

    #[track_caller]
    fn fails_with(self, needles: &[&str]) -> Run {
        assert!(
            !self.status.success(),
            "expected failure\n{}",
            self.describe()
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}\n{}",
                self.describe()
            );
        }
        self
    }

    /// Lines of stdout containing `needle`.
    fn lines_with(&self, needle: &str) -> Vec<&str> {
        self.stdout.lines().filter(|l| l.contains(needle)).collect()
    }
}

/// `meizhen --data-dir DIR ARGS…` with no MEIZHEN_* variables of the caller.
fn meizhen(data_dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MEIZHEN_") {
            c.env_remove(k);
        }
    }
    c.env("RUST_LOG", "warn")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdin(Stdio::null());
    c
}

fn run(data_dir: &Path, args: &[&str]) -> Run {
    run_cmd(meizhen(data_dir, args), None)
}

fn run_cmd(mut c: Command, stdin: Option<&str>) -> Run {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("start meizhen");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for meizhen");
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `user add` with the password on standard input.
fn add_user(data_dir: &Path, username: &str, role: &str, region: &str) -> Run {
    add_user_with(data_dir, &[], username, role, region)
}

/// `user add` after some global options.
fn add_user_with(
    data_dir: &Path,
    global: &[&str],
    username: &str,
    role: &str,
    region: &str,
) -> Run {
    let mut args = global.to_vec();
    args.extend([
        "user",
        "add",
        "--username",
        username,
        "--role",
        role,
        "--region",
        region,
        "--password-stdin",
    ]);
    run_cmd(meizhen(data_dir, &args), Some(&format!("{PASSWORD}\n")))
}

/// The administrator's one-time password from a first start's output.
fn admin_password(r: &Run) -> Option<String> {
    let lines = r.lines_with("一次性密码");
    assert!(
        lines.len() <= 1,
        "more than one password line\n{}",
        r.describe()
    );
    let line = lines.first()?;
    assert!(line.contains("admin"), "{line}");
    line.rsplit('：').next().map(|p| p.trim().to_owned())
}

#[test]
fn regions_and_users_from_the_command_line() {
    let tmp = TempDir::new();
    let d = tmp.join("data");
    let d = d.as_path();

    let r = run(d, &["migrate"]).ok();
    assert!(r.stdout.contains("数据库结构版本"), "{}", r.describe());
    let r = run(d, &["regions", "load"]).ok();
    assert!(r.stdout.contains("27036"), "{}", r.describe());

    let r = add_user(d, "x.county", "county_office", "331024").ok();
    assert!(r.stdout.contains("已创建用户 x.county"), "{}", r.describe());
    // The password came from standard input: nothing generated to show.
    assert!(r.lines_with("一次性密码（首次登录须修改）").is_empty());

    add_user(d, "x.county", "county_office", "331024").fails_with(&["已被使用"]);
    add_user(d, "y.county", "county_office", "339999").fails_with(&["339999", "不存在"]);
    add_user(d, "y.county", "chief", "331024").fails_with(&[
        "chief",
        "province_office",
        "county_office",
        "town_staff",
        "grid_worker",
        "admin",
    ]);
    add_user(d, "y.county", "county_office", "3310").fails_with(&["县美镇办", "只能属于"]);

    let list = run(d, &["user", "list"]).ok();
    assert!(list.stdout.contains("x.county\tcounty_office\t331024"));
    assert!(!list.stdout.contains("y.county"), "{}", list.describe());
}

#[test]
fn first_start_shows_a_random_admin_password_once() {
    let tmp = TempDir::new();
    let a = tmp.join("a");
    let first = run(&a, &["demo", "--password", "Demo-2020-tz"]).ok();
    let pa = admin_password(&first).expect("first start prints the admin password");
    assert!(pa.len() >= 10, "{pa:?}");
    assert!(first.stdout.contains("演示账号密码：Demo-2020-tz"));

    let again = run(&a, &["demo", "--password", "Demo-2020-tz"]).ok();
    assert_eq!(
        admin_password(&again),
        None,
        "a second run must not issue a new admin password\n{}",
        again.describe()
    );

    // Another installation gets another password: there is no fixed default.
    let b = tmp.join("b");
    let other = run(&b, &["user", "list"]).ok();
    let pb = admin_password(&other).expect("first start prints the admin password");
    assert_ne!(pa, pb);
    assert!(
        other.stdout.contains("admin\tadmin\t33"),
        "{}",
        other.describe()
    );
}

#[test]
fn generates_province_data_once() {
    let tmp = TempDir::new();
    let d = tmp.join("data");
    let args = [
        "generate",
        "province",
        "--seed",
        "7",
        "--password",
        "Generated-2020",
        "--audit-entries",
        "500",
    ];
    let r = run(&d, &args).ok();
    assert!(
        r.stdout.contains("已生成全省数据（种子 7）"),
        "{}",
        r.describe()
    );
    assert!(r.stdout.contains("乡镇 1387 个"), "{}", r.describe());
    assert!(r.stdout.contains("操作日志 500 条"), "{}", r.describe());
    // The password was given: it is not printed back.
    assert!(!r.stdout.contains("Generated-2020"), "{}", r.describe());
    // Not a terminal: no progress bar.
    assert!(!r.stderr.contains("生成全省数据"), "{}", r.describe());
    let list = run(&d, &["user", "list", "--region", "331024103"]).ok();
    assert_eq!(list.stdout.lines().count(), 3, "{}", list.describe());
    run(&d, &args).fails_with(&["已生成过"]);
}

/// A running `meizhen serve`, killed on drop if the test fails midway.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data_dir: &Path, log: &Path) -> Server {
        let mut c = meizhen(data_dir, &["serve", "--addr", "127.0.0.1:0"]);
        c.stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("server log file"));
        let mut child = c.spawn().expect("start meizhen serve");
        let stdout = child.stdout.take().expect("stdout pipe");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
        };
        // A guard against a server that never comes up, not a timing assertion.
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) {
            if let Some(rest) = line.split("美镇已启动：http://").nth(1) {
                server.addr = rest.split('/').next().unwrap_or_default().to_owned();
                break;
            }
        }
        assert!(
            !server.addr.is_empty(),
            "server did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        server
    }

    fn get(&self, path: &str) -> String {
        let mut s = TcpStream::connect(&self.addr).expect("connect to server");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("send request");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read response");
        out
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(killed.success());
        self.child.wait().expect("wait for server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn backup_and_restore() {
    let tmp = TempDir::new();
    let original = tmp.join("original");
    add_user(&original, "x.county", "county_office", "331024").ok();
    add_user(&original, "x.town", "town_staff", "331024103").ok();
    let users = run(&original, &["user", "list"]).ok().stdout;
    assert!(users.contains("x.town"), "{users}");

    let file = tmp.join("backup.sqlite3");
    let f = file.to_str().expect("utf-8 path");
    let r = run(&original, &["backup", f]).ok();
    assert!(file.is_file(), "{}", r.describe());
    run(&original, &["backup", f]).fails_with(&["已存在"]);

    // Into an empty data folder.
    let copy = tmp.join("copy");
    run(&copy, &["restore", f]).ok();
    assert_eq!(run(&copy, &["user", "list"]).ok().stdout, users);

    // Over an existing database: only with --force, keeping the old file.
    run(&copy, &["restore", f]).fails_with(&["--force"]);
    let kept = copy.join("meizhen.sqlite3.before-restore");
    assert!(!kept.exists());
    run(&copy, &["restore", "--force", f]).ok();
    assert!(kept.is_file());
    assert_eq!(run(&copy, &["user", "list"]).ok().stdout, users);

    // A backup taken while the server runs on the same data folder.
    let server = Server::start(&original, &tmp.join("serve.log"));
    assert!(server.get("/healthz").starts_with("HTTP/1.1 200"));
    add_user(&original, "x.grid", "grid_worker", "331024103").ok();
    let live = tmp.join("live.sqlite3");
    let l = live.to_str().expect("utf-8 path");
    run(&original, &["backup", l]).ok();
    let status = server.terminate();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}: {}",
        std::fs::read_to_string(tmp.join("serve.log")).unwrap_or_default()
    );
    let users = run(&original, &["user", "list"]).ok().stdout;
    assert!(users.contains("x.grid"), "{users}");
    let third = tmp.join("third");
    run(&third, &["restore", l]).ok();
    assert_eq!(run(&third, &["user", "list"]).ok().stdout, users);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

#[test]
fn refuses_a_schema_newer_than_it_knows() {
    let tmp = TempDir::new();
    let d = tmp.join("data");
    run(&d, &["migrate"]).ok();
    let db = d.join("meizhen.sqlite3");
    block_on(async {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
        let pool = sqlx::SqlitePool::connect_with(opts)
            .await
            .expect("open database");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (999, 'from a newer meizhen', TRUE, X'00', 0)",
        )
        .execute(&pool)
        .await
        .expect("insert future migration");
        pool.close().await;
    });
    run(&d, &["migrate"]).fails_with(&["999", "更新的 meizhen"]);
    run(&d, &["user", "list"]).fails_with(&["999"]);
}

#[test]
fn config_file_with_an_unknown_key_exits_2() {
    let tmp = TempDir::new();
    let d = tmp.join("data");
    std::fs::create_dir_all(&d).expect("data dir");
    std::fs::write(d.join("meizhen.toml"), "adress = \"127.0.0.1:9000\"\n").expect("write config");
    let r = run(&d, &["migrate"]);
    assert_eq!(r.status.code(), Some(2), "{}", r.describe());
    assert!(r.stderr.contains("配置文件"), "{}", r.describe());
    assert!(r.stderr.contains("adress"), "{}", r.describe());
    assert!(!d.join("meizhen.sqlite3").exists());

    // A known key is accepted.
    std::fs::write(d.join("meizhen.toml"), "addr = \"127.0.0.1:9000\"\n").expect("write config");
    run(&d, &["migrate"]).ok();
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let scheme_end = main.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match main[scheme_end..].find('/') {
        Some(i) => &main[..scheme_end + i],
        None => main,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn admin_query(base: &str, sql: &str) {
    let pool = sqlx::PgPool::connect(base).await.expect("postgres connect");
    sqlx::query(sql).execute(&pool).await.expect(sql);
    pool.close().await;
}

#[test]
fn postgres_database_url() {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        eprintln!("SKIPPED on PostgreSQL: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it");
        return;
    };
    let name = unique("mz_cli");
    block_on(admin_query(&base, &format!("CREATE DATABASE {name}")));
    let url = with_database(&base, &name);
    let tmp = TempDir::new();
    let d = tmp.join("data");
    let result = std::panic::catch_unwind(|| {
        let r = run(&d, &["--database-url", &url, "migrate"]).ok();
        assert!(r.stdout.contains("数据库结构版本"), "{}", r.describe());
        let r = run(&d, &["--database-url", &url, "regions", "load"]).ok();
        assert!(r.stdout.contains("27036"), "{}", r.describe());
        let r = add_user_with(
            &d,
            &["--database-url", &url],
            "x.county",
            "county_office",
            "331024",
        )
        .ok();
        assert!(r.stdout.contains("已创建用户 x.county"), "{}", r.describe());
        let list = run(&d, &["--database-url", &url, "user", "list"]).ok();
        assert!(list.stdout.contains("x.county\tcounty_office\t331024"));
        // Nothing was written to the data folder: the database is elsewhere.
        assert!(!d.join("meizhen.sqlite3").exists());
    });
    block_on(admin_query(
        &base,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    ));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn replaces_database_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://h/test?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}
