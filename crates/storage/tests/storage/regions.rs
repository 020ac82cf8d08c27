//! Loading the embedded administrative divisions.

use crate::support::{begin, code, csv_counts, csv_regions, each_engine, scalar, scope};
use meizhen_domain::Level;
use meizhen_storage::regions::{self, LoadReport};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const TOTAL: u64 = 1 + 11 + 90 + 1_387 + 25_547;

#[test]
fn csv_files_hold_the_expected_divisions() {
    let counts = csv_counts(&csv_regions());
    let expected = BTreeMap::from([
        (Level::Province, 1),
        (Level::City, 11),
        (Level::County, 90),
        (Level::Town, 1_387),
        (Level::Village, 25_547),
    ]);
    assert_eq!(counts, expected);
}

#[test]
fn embedded_divisions_match_the_csv_files() {
    // The files are read in name order, the embedded list in level order.
    let mut csv = csv_regions();
    csv.sort_by(|a, b| a.code.cmp(&b.code));
    let mut divisions = regions::embedded_divisions().expect("embedded divisions parse");
    divisions.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(divisions.len(), csv.len());
    for (d, c) in divisions.iter().zip(&csv) {
        assert_eq!(
            (d.code.as_str(), d.name.as_str()),
            (c.code.as_str(), c.name.as_str())
        );
        assert_eq!(d.code.level(), c.level, "{}", c.code);
    }
}

#[tokio::test]
async fn region_load_counts_parents_and_reload() {
    each_engine(|db, label| async move {
        let csv = csv_counts(&csv_regions());
        let divisions = regions::embedded_divisions().expect("embedded divisions parse");
        assert_eq!(divisions.len() as u64, TOTAL);

        let last = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&last);
        let progress = move |done: u64, total: u64| {
            assert_eq!(total, TOTAL);
            assert!(done <= total);
            assert!(
                done > seen.swap(done, Ordering::SeqCst),
                "progress goes forward"
            );
        };
        let mut tx = begin(&db).await;
        let report = regions::load(&mut tx, &divisions, &progress)
            .await
            .expect("first load");
        tx.commit().await.expect("commit first load");
        assert_eq!(
            report,
            LoadReport {
                total: TOTAL,
                inserted: TOTAL
            },
            "{label}"
        );
        assert_eq!(
            last.load(Ordering::SeqCst),
            TOTAL,
            "{label}: final progress"
        );

        // Levels, counted by SQL, against the CSV lines counted with std::fs.
        let expected = [
            (Level::Province, 1),
            (Level::City, 11),
            (Level::County, 90),
            (Level::Town, 1_387),
            (Level::Village, 25_547),
        ];
        for (level, n) in expected {
            let sql = format!(
                "SELECT COUNT(*) FROM regions WHERE level = '{}' AND length(code) = {}",
                level.id(),
                level.code_len()
            );
            assert_eq!(scalar(&db, &sql).await, n, "{label}: {}", level.id());
            assert_eq!(csv[&level], n, "CSV lines of {}", level.id());
        }
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM regions").await,
            TOTAL as i64,
            "{label}"
        );

        // Parents: the province has none, everyone else has an existing parent
        // one level up whose code prefixes theirs.
        let checks = [
            (
                "provinces without parent",
                "SELECT COUNT(*) FROM regions WHERE level = 'province' AND parent_code IS NULL",
                1,
            ),
            (
                "rows without parent",
                "SELECT COUNT(*) FROM regions WHERE parent_code IS NULL",
                1,
            ),
            (
                "orphans",
                "SELECT COUNT(*) FROM regions c WHERE c.parent_code IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM regions p WHERE p.code = c.parent_code)",
                0,
            ),
            (
                "parents not one level up or not a prefix",
                "SELECT COUNT(*) FROM regions c JOIN regions p ON p.code = c.parent_code
                 WHERE substr(c.code, 1, length(p.code)) <> p.code
                    OR (c.level = 'city' AND p.level <> 'province')
                    OR (c.level = 'county' AND p.level <> 'city')
                    OR (c.level = 'town' AND p.level <> 'county')
                    OR (c.level = 'village' AND p.level <> 'town')",
                0,
            ),
        ];
        for (what, sql, n) in checks {
            assert_eq!(scalar(&db, sql).await, n, "{label}: {what}");
        }

        // A town type set between two loads survives the second load.
        let baitazhen = code("331024103");
        let mut tx = begin(&db).await;
        let changed = regions::set_town_type(&mut tx, &baitazhen, Some("文旅特色型"))
            .await
            .expect("set town type");
        tx.commit().await.expect("commit town type");
        assert_eq!(changed, 1, "{label}");

        let mut tx = begin(&db).await;
        let again = regions::load(&mut tx, &divisions, &|_, _| {})
            .await
            .expect("second load");
        tx.commit().await.expect("commit second load");
        assert_eq!(
            again,
            LoadReport {
                total: TOTAL,
                inserted: 0
            },
            "{label}"
        );

        let mut tx = begin(&db).await;
        assert_eq!(regions::count(&mut tx).await.expect("count"), TOTAL as i64);
        let row = regions::get(&mut tx, &scope("33", None), &baitazhen)
            .await
            .expect("get")
            .expect("白塔镇 exists");
        assert_eq!(row.name, "白塔镇");
        assert_eq!(row.level, "town");
        assert_eq!(row.parent_code.as_deref(), Some("331024"));
        assert_eq!(row.town_type.as_deref(), Some("文旅特色型"), "{label}");
        let other = regions::get(&mut tx, &scope("33", None), &code("331024001"))
            .await
            .expect("get")
            .expect("another town of 仙居县");
        assert_eq!(other.town_type, None, "{label}");
    })
    .await;
}
