//! The administrative divisions: loading the embedded national data and
//! reading the hierarchy through a scope.

use crate::repo::{execute, fetch_all, fetch_optional, paginate, scalar_i64, scope_filter};
use crate::{now_ms, Arg, Result, Sql, StorageError, Tx};
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::{Level, RegionCode, RegionScope};
use serde::Serialize;

/// Zhejiang's divisions (统计用区划代码, 2023 edition), shipped inside the binary.
const PROVINCES: &str = include_str!("../data/regions/provinces.csv");
const CITIES: &str = include_str!("../data/regions/cities.csv");
const COUNTIES: &str = include_str!("../data/regions/counties.csv");
const TOWNS: &str = include_str!("../data/regions/towns.csv");
const VILLAGES: &str = include_str!("../data/regions/villages.csv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub code: RegionCode,
    pub name: String,
}

/// Parses the embedded CSVs (code, name, …): province first, villages last.
pub fn embedded_divisions() -> Result<Vec<Division>> {
    let mut out = Vec::with_capacity(27_100);
    for (file, level) in [
        (PROVINCES, Level::Province),
        (CITIES, Level::City),
        (COUNTIES, Level::County),
        (TOWNS, Level::Town),
        (VILLAGES, Level::Village),
    ] {
        let mut rdr = csv::Reader::from_reader(file.as_bytes());
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| StorageError::RegionData(e.to_string()))?;
            let (code, name) = match (rec.get(0), rec.get(1)) {
                (Some(c), Some(n)) => (c, n),
                _ => {
                    return Err(StorageError::RegionData(format!(
                        "{} 第 {} 行缺少列",
                        level.id(),
                        i + 2
                    )))
                }
            };
            let code = RegionCode::parse(code).map_err(|e| StorageError::RegionData(e.message))?;
            if code.level() != level {
                return Err(StorageError::RegionData(format!(
                    "{code} 不是{}级代码",
                    level.label()
                )));
            }
            out.push(Division {
                code,
                name: name.trim().to_owned(),
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    pub total: u64,
    pub inserted: u64,
}

/// Upserts the divisions (names and parents refresh; town types and
/// enrollments are kept). `progress(done, total)` is called per batch.
pub async fn load(
    tx: &mut Tx,
    divisions: &[Division],
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<LoadReport> {
    let before = count(tx).await?;
    let now = now_ms();
    let total = divisions.len() as u64;
    let mut done = 0u64;
    // 5 arguments a row; 250 rows keeps well under SQLite's parameter limit.
    for chunk in divisions.chunks(250) {
        let mut q =
            Sql::new("INSERT INTO regions (code, name, level, parent_code, updated_at) VALUES ");
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(Arg::Text(d.code.to_string()))
                .push(", ")
                .bind(Arg::Text(d.name.clone()))
                .push(", ")
                .bind(Arg::Text(d.code.level().id().into()))
                .push(", ")
                .bind(Arg::OptText(d.code.parent().map(String::from)))
                .push(", ")
                .bind(Arg::I64(now))
                .push(")");
        }
        q.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code, updated_at = excluded.updated_at");
        execute(tx, &q).await?;
        done += chunk.len() as u64;
        progress(done, total);
    }
    let after = count(tx).await?;
    Ok(LoadReport {
        total,
        inserted: u64::try_from(after - before).unwrap_or(0),
    })
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    scalar_i64(tx, &Sql::new("SELECT COUNT(*) FROM regions")).await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub town_type: Option<String>,
}

const COLUMNS: &str = "code, name, level, parent_code, town_type";

/// A region inside the scope, or None (also when it exists elsewhere).
pub async fn get(tx: &mut Tx, scope: &RegionScope, code: &RegionCode) -> Result<Option<RegionRow>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM regions WHERE code = "));
    q.bind(Arg::Text(code.to_string()));
    scope_filter(&mut q, "code", scope);
    fetch_optional(tx, &q).await
}

/// Names of the codes given (for breadcrumbs of a region already shown in scope).
pub async fn names(tx: &mut Tx, codes: &[RegionCode]) -> Result<Vec<(String, String)>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT code, name FROM regions WHERE code IN (");
    for (i, c) in codes.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(Arg::Text(c.to_string()));
    }
    q.push(") ORDER BY code");
    #[derive(sqlx::FromRow)]
    struct N {
        code: String,
        name: String,
    }
    let rows: Vec<N> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|n| (n.code, n.name)).collect())
}

/// A child region with the counts shown on drill-down pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChildSummary {
    pub code: String,
    pub name: String,
    pub level: String,
    pub town_type: Option<String>,
    pub towns: i64,
    pub villages: i64,
    pub users: i64,
    pub grids: i64,
}

#[derive(sqlx::FromRow)]
struct PrefixCount {
    prefix: String,
    n: i64,
}

/// Children of `parent` (which must be in scope: callers fetch it with `get` first)
/// with the number of towns, villages, users and grids below each.
pub async fn children(
    tx: &mut Tx,
    scope: &RegionScope,
    parent: &RegionCode,
) -> Result<Vec<ChildSummary>> {
    let Some(child_level) = parent.level().child() else {
        return Ok(Vec::new());
    };
    // INTEGER, not BIGINT: PostgreSQL has no substr(text, integer, bigint).
    let len = i32::try_from(child_level.code_len()).unwrap_or(12);
    let pattern = format!("{}%", parent.as_str());
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM regions WHERE parent_code = "
    ));
    q.bind(Arg::Text(parent.to_string()));
    scope_filter(&mut q, "code", scope);
    q.push(" ORDER BY code");
    let kids: Vec<RegionRow> = fetch_all(tx, &q).await?;

    let grouped = |table_col: &str, extra: &str| {
        let (table, col) = table_col.split_once('.').unwrap_or((table_col, "code"));
        let mut q = Sql::new("SELECT substr(");
        q.push(col)
            .push(", 1, ")
            .bind(Arg::I32(len))
            .push(") AS prefix, COUNT(*) AS n FROM ")
            .push(table)
            .push(" WHERE ")
            .push(col)
            .push(" LIKE ")
            .bind(Arg::Text(pattern.clone()))
            .push(extra)
            .push(" GROUP BY substr(")
            .push(col)
            .push(", 1, $1)");
        q
    };
    let towns: Vec<PrefixCount> =
        fetch_all(tx, &grouped("regions.code", " AND level = 'town'")).await?;
    let villages: Vec<PrefixCount> =
        fetch_all(tx, &grouped("regions.code", " AND level = 'village'")).await?;
    let users: Vec<PrefixCount> = fetch_all(tx, &grouped("users.region_code", "")).await?;
    // Grids belong to a town and optionally a village: count villages' grids
    // by their village.
    let grid_column = if child_level == Level::Village {
        "grids.village_code"
    } else {
        "grids.town_code"
    };
    let grids: Vec<PrefixCount> = fetch_all(tx, &grouped(grid_column, "")).await?;
    let find = |v: &[PrefixCount], code: &str| {
        v.iter()
            .find(|p| p.prefix == code)
            .map(|p| p.n)
            .unwrap_or(0)
    };
    Ok(kids
        .into_iter()
        .map(|k| ChildSummary {
            // Counts are of regions strictly below the child, as in `totals`.
            towns: if k.level == "town" {
                0
            } else {
                find(&towns, &k.code)
            },
            villages: if k.level == "village" {
                0
            } else {
                find(&villages, &k.code)
            },
            users: find(&users, &k.code),
            grids: find(&grids, &k.code),
            code: k.code,
            name: k.name,
            level: k.level,
            town_type: k.town_type,
        })
        .collect())
}

/// Totals of a region: regions strictly below it per level; users and grids at or below it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    pub cities: i64,
    pub counties: i64,
    pub towns: i64,
    pub villages: i64,
    pub users: i64,
    pub grids: i64,
}

pub async fn totals(tx: &mut Tx, scope: &RegionScope, code: &RegionCode) -> Result<Totals> {
    #[derive(sqlx::FromRow)]
    struct L {
        level: String,
        n: i64,
    }
    // Strictly below: a county's page counts its towns and villages, not itself.
    let mut q = Sql::new("SELECT level, COUNT(*) AS n FROM regions WHERE code LIKE ");
    q.bind(Arg::Text(format!("{}%", code.as_str())))
        .push(" AND code <> ")
        .bind(Arg::Text(code.to_string()));
    scope_filter(&mut q, "code", scope);
    q.push(" GROUP BY level");
    let levels: Vec<L> = fetch_all(tx, &q).await?;
    let n = |l: &str| {
        levels
            .iter()
            .find(|x| x.level == l)
            .map(|x| x.n)
            .unwrap_or(0)
    };
    let mut u = Sql::new("SELECT COUNT(*) FROM users WHERE region_code LIKE ");
    u.bind(Arg::Text(format!("{}%", code.as_str())));
    scope_filter(&mut u, "region_code", scope);
    let mut g = Sql::new("SELECT COUNT(*) FROM grids WHERE town_code LIKE ");
    g.bind(Arg::Text(format!("{}%", code.as_str())));
    scope_filter(&mut g, "town_code", scope);
    Ok(Totals {
        cities: n("city"),
        counties: n("county"),
        towns: n("town"),
        villages: n("village"),
        users: scalar_i64(tx, &u).await?,
        grids: scalar_i64(tx, &g).await?,
    })
}

/// Regions in scope whose name or code matches `q`.
pub async fn search(
    tx: &mut Tx,
    scope: &RegionScope,
    q: &str,
    level: Option<Level>,
    page: &PageRequest,
) -> Result<Page<RegionRow>> {
    let mut w = Sql::new(" FROM regions WHERE 1=1");
    scope_filter(&mut w, "code", scope);
    let q = q.trim().replace(['%', '_'], "");
    if !q.is_empty() {
        w.push(" AND (name LIKE ")
            .bind(Arg::Text(format!("%{q}%")))
            .push(" OR code LIKE ")
            .bind(Arg::Text(format!("{q}%")))
            .push(")");
    }
    if let Some(l) = level {
        w.push(" AND level = ").bind(Arg::Text(l.id().into()));
    }
    let total = scalar_i64(tx, &Sql::prefixed("SELECT COUNT(*)", &w)).await?;
    let mut s = Sql::prefixed(&format!("SELECT {COLUMNS}"), &w);
    s.push(" ORDER BY code");
    paginate(&mut s, page);
    Ok(Page {
        items: fetch_all(tx, &s).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub async fn set_town_type(tx: &mut Tx, code: &RegionCode, town_type: Option<&str>) -> Result<u64> {
    let mut q = Sql::new("UPDATE regions SET town_type = ");
    q.bind(Arg::OptText(town_type.map(str::to_owned)))
        .push(", updated_at = ")
        .bind(Arg::I64(now_ms()))
        .push(" WHERE code = ")
        .bind(Arg::Text(code.to_string()));
    execute(tx, &q).await
}

/// Towns (level "town") under a region, by code: (code, name). For drawing
/// inspection samples and checking that chosen towns exist.
pub async fn towns_under(tx: &mut Tx, region: &RegionCode) -> Result<Vec<(String, String)>> {
    #[derive(sqlx::FromRow)]
    struct N {
        code: String,
        name: String,
    }
    let mut q = Sql::new("SELECT code, name FROM regions WHERE level = 'town' AND code LIKE ");
    q.bind(Arg::Text(format!("{}%", region.as_str())))
        .push(" ORDER BY code");
    let rows: Vec<N> = fetch_all(tx, &q).await?;
    Ok(rows.into_iter().map(|n| (n.code, n.name)).collect())
}
