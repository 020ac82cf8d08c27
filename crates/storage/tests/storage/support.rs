//! Shared helpers: running a story on every engine, fixtures, and an
//! independent reading of the region CSV files.

use meizhen_domain::{Level, RegionCode, RegionScope};
use meizhen_storage::regions::{self, LoadReport};
use meizhen_storage::repo::{self, users};
use meizhen_storage::testkit::TestDb;
use meizhen_storage::{now_ms, Db, Sql, Tx};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;

/// Runs `story` on every engine available, one after the other. The story runs
/// as its own task so that a failed assertion still lets every test database
/// (including those of engines not reached yet) be removed before the panic is
/// passed on.
pub async fn each_engine<F, Fut>(story: F)
where
    F: Fn(Db, &'static str) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut engines = TestDb::all().await.into_iter();
    let mut failure = None;
    for t in engines.by_ref() {
        let label = t.label;
        let outcome = tokio::spawn(story(t.db.clone(), label)).await;
        t.finish().await;
        if let Err(e) = outcome {
            failure = Some((label, e));
            break;
        }
    }
    for rest in engines {
        rest.finish().await;
    }
    if let Some((label, e)) = failure {
        eprintln!("story failed on {label}");
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("story on {label} did not finish: {e}");
    }
}

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("valid region code")
}

pub fn scope(root: &str, department: Option<&str>) -> RegionScope {
    RegionScope::new(code(root), department.map(str::to_owned))
}

pub async fn begin(db: &Db) -> Tx {
    db.begin().await.expect("begin transaction")
}

/// Loads every embedded division.
pub async fn load_all(db: &Db) -> LoadReport {
    let divisions = regions::embedded_divisions().expect("embedded divisions parse");
    let mut tx = begin(db).await;
    let report = regions::load(&mut tx, &divisions, &|_, _| {})
        .await
        .expect("load regions");
    tx.commit().await.expect("commit region load");
    report
}

/// Loads only `root`, its ancestors and everything below it: enough for the
/// foreign keys of stories that do not need the whole province.
pub async fn load_lineage(db: &Db, root: &str) {
    let divisions: Vec<_> = regions::embedded_divisions()
        .expect("embedded divisions parse")
        .into_iter()
        .filter(|d| d.code.as_str().starts_with(root) || root.starts_with(d.code.as_str()))
        .collect();
    assert!(divisions.len() > 1, "{root} has no divisions");
    let mut tx = begin(db).await;
    regions::load(&mut tx, &divisions, &|_, _| {})
        .await
        .expect("load regions");
    tx.commit().await.expect("commit region load");
}

/// A single number from SQL that both engines accept.
pub async fn scalar(db: &Db, sql: &str) -> i64 {
    let mut tx = begin(db).await;
    repo::scalar_i64(&mut tx, &Sql::new(sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub async fn insert_user(
    tx: &mut Tx,
    username: &str,
    region: &str,
    department: Option<&str>,
) -> meizhen_storage::Result<i64> {
    users::insert(
        tx,
        &users::NewUser {
            username,
            display_name: username,
            role: "town_staff",
            region_code: region,
            department,
            password_hash: "$argon2id$not-a-real-hash",
            must_change_password: false,
        },
        now_ms(),
    )
    .await
}

/// One data row of the region CSV files, read without the storage crate.
#[derive(Debug, Clone)]
pub struct CsvRegion {
    pub level: Level,
    pub code: String,
    pub name: String,
}

fn level_of_file(stem: &str) -> Level {
    match stem {
        "provinces" => Level::Province,
        "cities" => Level::City,
        "counties" => Level::County,
        "towns" => Level::Town,
        "villages" => Level::Village,
        other => panic!("unexpected region file {other}.csv"),
    }
}

/// Every data line of `data/regions/*.csv` (header skipped), read with std::fs.
/// No name in the files contains a comma, so the first two fields split cleanly.
pub fn csv_regions() -> Vec<CsvRegion> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/regions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read data/regions")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "expected five region files in {dir:?}");
    let mut out = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name");
        let level = level_of_file(stem);
        let text = std::fs::read_to_string(&path).expect("read region file");
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let mut fields = line.splitn(3, ',');
            let code = fields.next().expect("code field").trim().to_owned();
            let name = fields
                .next()
                .expect("name field")
                .trim()
                .trim_matches('"')
                .to_owned();
            out.push(CsvRegion { level, code, name });
        }
    }
    out
}

/// Data lines per level.
pub fn csv_counts(rows: &[CsvRegion]) -> BTreeMap<Level, i64> {
    let mut counts = BTreeMap::new();
    for r in rows {
        *counts.entry(r.level).or_insert(0) += 1;
    }
    counts
}

/// Data lines per level below (and including) `prefix`.
pub fn csv_counts_under(rows: &[CsvRegion], prefix: &str, level: Level) -> i64 {
    let n = rows
        .iter()
        .filter(|r| r.level == level && r.code.starts_with(prefix))
        .count();
    i64::try_from(n).expect("count fits")
}
