//! Region scope: a county office (仙居县, 331024) sees nothing of 玉环市
//! (331083), in regions, users, grids, audit entries or enrollments.

use crate::support::{
    begin, code, csv_counts_under, csv_regions, each_engine, insert_user, load_all, scope,
};
use meizhen_domain::page::PageRequest;
use meizhen_domain::Level;
use meizhen_storage::now_ms;
use meizhen_storage::regions::{self, Totals};
use meizhen_storage::repo::{audit, enrollments, grids, users};

const XIANJU: &str = "331024";
const BAITA: &str = "331024103"; // 仙居县 白塔镇
const CHUMEN: &str = "331083102"; // 玉环市 楚门镇

fn entry<'a>(region: &'a str, entity_id: &'a str) -> audit::NewEntry<'a> {
    audit::NewEntry {
        at: now_ms(),
        actor_id: None,
        actor_name: "测试",
        action: "update",
        entity: "grid",
        entity_id,
        region_code: region,
        summary: "修改网格",
        changes: "{}",
        address: None,
    }
}

#[tokio::test]
async fn region_scope_hides_other_counties() {
    each_engine(|db, label| async move {
        let csv = csv_regions();
        load_all(&db).await;

        // Records in both counties.
        let now = now_ms();
        let mut tx = begin(&db).await;
        let xj_plain = insert_user(&mut tx, "xj_plain", BAITA, None)
            .await
            .expect("user");
        let xj_zhujian = insert_user(&mut tx, "xj_zhujian", XIANJU, Some("住建"))
            .await
            .expect("user");
        let xj_jiaotong = insert_user(&mut tx, "xj_jiaotong", BAITA, Some("交通"))
            .await
            .expect("user");
        let yh_plain = insert_user(&mut tx, "yh_plain", CHUMEN, None)
            .await
            .expect("user");
        let xj_grid = grids::insert(&mut tx, BAITA, None, "一号网格", "", None, now)
            .await
            .expect("grid");
        let yh_grid = grids::insert(&mut tx, CHUMEN, None, "一号网格", "", None, now)
            .await
            .expect("grid");
        let xj_town_entry = audit::insert(&mut tx, &entry(BAITA, "xj-town"))
            .await
            .expect("audit");
        let xj_county_entry = audit::insert(&mut tx, &entry(XIANJU, "xj-county"))
            .await
            .expect("audit");
        let yh_entry = audit::insert(&mut tx, &entry(CHUMEN, "yh-town"))
            .await
            .expect("audit");
        enrollments::set(&mut tx, BAITA, 2024, Some("model"), None, now)
            .await
            .expect("enrollment");
        enrollments::set(&mut tx, CHUMEN, 2024, Some("standard"), None, now)
            .await
            .expect("enrollment");
        tx.commit().await.expect("commit fixtures");

        let xianju = scope(XIANJU, None);
        let taizhou = scope("3310", None);
        let all = PageRequest::new(Some(1), Some(200));
        let mut tx = begin(&db).await;

        // Regions.
        assert!(
            regions::get(&mut tx, &xianju, &code(CHUMEN))
                .await
                .expect("get")
                .is_none(),
            "{label}: 楚门镇 visible to 仙居县"
        );
        assert!(
            regions::get(&mut tx, &taizhou, &code(CHUMEN))
                .await
                .expect("get")
                .is_some(),
            "{label}: 楚门镇 missing for 台州市"
        );
        let baita = regions::get(&mut tx, &xianju, &code(BAITA))
            .await
            .expect("get")
            .expect("白塔镇 visible to 仙居县");
        assert_eq!(baita.name, "白塔镇");

        let expected_matches = csv
            .iter()
            .filter(|r| r.code.starts_with(XIANJU) && r.name.contains('镇'))
            .count();
        let found = regions::search(&mut tx, &xianju, "镇", None, &all)
            .await
            .expect("search");
        assert!(!found.items.is_empty(), "{label}: search found nothing");
        for r in &found.items {
            assert!(
                r.code.starts_with(XIANJU),
                "{label}: search leaked {}",
                r.code
            );
        }
        assert_eq!(
            found.total, expected_matches as i64,
            "{label}: search total"
        );
        assert_eq!(found.items.len(), expected_matches, "{label}: search items");
        let wider = regions::search(&mut tx, &taizhou, "镇", Some(Level::Town), &all)
            .await
            .expect("search");
        assert!(
            wider.items.iter().any(|r| r.code == CHUMEN),
            "{label}: 台州市 search misses 楚门镇"
        );

        let kids = regions::children(&mut tx, &xianju, &code("3310"))
            .await
            .expect("children");
        let codes: Vec<&str> = kids.iter().map(|k| k.code.as_str()).collect();
        assert_eq!(codes, [XIANJU], "{label}: children of 3310 under 仙居县");
        let xj = &kids[0];
        assert_eq!(
            xj.towns,
            csv_counts_under(&csv, XIANJU, Level::Town),
            "{label}"
        );
        assert_eq!(
            xj.villages,
            csv_counts_under(&csv, XIANJU, Level::Village),
            "{label}"
        );
        assert_eq!(
            (xj.users, xj.grids),
            (3, 1),
            "{label}: users, grids of 仙居县"
        );
        let city_kids = regions::children(&mut tx, &taizhou, &code("3310"))
            .await
            .expect("children");
        assert_eq!(
            city_kids.len() as i64,
            csv_counts_under(&csv, "3310", Level::County),
            "{label}: counties of 台州市"
        );
        let yh = city_kids
            .iter()
            .find(|k| k.code == "331083")
            .expect("玉环市 under 台州市");
        assert_eq!(
            (yh.users, yh.grids),
            (1, 1),
            "{label}: users, grids of 玉环市"
        );

        // Totals count regions strictly below the one asked for.
        let expected_totals = Totals {
            cities: 0,
            counties: 0,
            towns: csv_counts_under(&csv, XIANJU, Level::Town),
            villages: csv_counts_under(&csv, XIANJU, Level::Village),
            users: 3,
            grids: 1,
        };
        assert_eq!(
            regions::totals(&mut tx, &xianju, &code(XIANJU))
                .await
                .expect("totals"),
            expected_totals,
            "{label}: totals of 仙居县"
        );
        // Asking for the whole city through a county scope yields only the county.
        assert_eq!(
            regions::totals(&mut tx, &xianju, &code("3310"))
                .await
                .expect("totals"),
            Totals {
                counties: 1,
                ..expected_totals.clone()
            },
            "{label}: totals of 台州市 under 仙居县"
        );

        // Users.
        let listed = users::list(&mut tx, &xianju, &users::UserFilter::default(), &all)
            .await
            .expect("users");
        let mut names: Vec<&str> = listed.items.iter().map(|u| u.username.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["xj_jiaotong", "xj_plain", "xj_zhujian"], "{label}");
        assert_eq!(listed.total, 3, "{label}");
        assert!(listed
            .items
            .iter()
            .all(|u| u.region_code.starts_with(XIANJU)));
        assert!(
            users::get_scoped(&mut tx, &xianju, yh_plain)
                .await
                .expect("get")
                .is_none(),
            "{label}: 玉环 user visible to 仙居县"
        );
        assert!(users::get_scoped(&mut tx, &xianju, xj_plain)
            .await
            .expect("get")
            .is_some());
        assert!(users::get_scoped(&mut tx, &taizhou, yh_plain)
            .await
            .expect("get")
            .is_some());

        let zhujian = scope(XIANJU, Some("住建"));
        let listed = users::list(&mut tx, &zhujian, &users::UserFilter::default(), &all)
            .await
            .expect("users");
        let mut names: Vec<&str> = listed.items.iter().map(|u| u.username.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["xj_plain", "xj_zhujian"], "{label}: 住建 scope");
        assert_eq!(listed.total, 2, "{label}");
        assert!(
            users::get_scoped(&mut tx, &zhujian, xj_jiaotong)
                .await
                .expect("get")
                .is_none(),
            "{label}: 交通 user visible to 住建"
        );
        assert!(users::get_scoped(&mut tx, &zhujian, xj_plain)
            .await
            .expect("get")
            .is_some());
        assert!(users::get_scoped(&mut tx, &zhujian, xj_zhujian)
            .await
            .expect("get")
            .is_some());
        assert!(users::get_scoped(&mut tx, &zhujian, yh_plain)
            .await
            .expect("get")
            .is_none());

        // Grids.
        assert!(
            grids::for_town(&mut tx, &xianju, CHUMEN)
                .await
                .expect("grids")
                .is_empty(),
            "{label}: 楚门镇 grids visible to 仙居县"
        );
        assert!(grids::get(&mut tx, &xianju, yh_grid)
            .await
            .expect("grid")
            .is_none());
        let mine = grids::for_town(&mut tx, &xianju, BAITA)
            .await
            .expect("grids");
        assert_eq!(mine.iter().map(|g| g.id).collect::<Vec<_>>(), [xj_grid]);
        assert!(grids::get(&mut tx, &xianju, xj_grid)
            .await
            .expect("grid")
            .is_some());
        assert_eq!(
            grids::for_town(&mut tx, &taizhou, CHUMEN)
                .await
                .expect("grids")
                .len(),
            1
        );

        // Audit.
        let entries = audit::list(&mut tx, &xianju, &audit::AuditFilter::default(), &all)
            .await
            .expect("audit");
        let mut ids: Vec<i64> = entries.items.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [xj_town_entry, xj_county_entry],
            "{label}: audit under 仙居县"
        );
        assert_eq!(entries.total, 2, "{label}");
        let sought = audit::AuditFilter {
            entity_id: Some("yh-town".into()),
            ..Default::default()
        };
        let entries = audit::list(&mut tx, &xianju, &sought, &all)
            .await
            .expect("audit");
        assert!(
            entries.items.is_empty() && entries.total == 0,
            "{label}: filtered audit leaked"
        );
        assert!(audit::get(&mut tx, &xianju, yh_entry)
            .await
            .expect("audit")
            .is_none());
        assert!(audit::get(&mut tx, &xianju, xj_town_entry)
            .await
            .expect("audit")
            .is_some());
        let entries = audit::list(&mut tx, &taizhou, &audit::AuditFilter::default(), &all)
            .await
            .expect("audit");
        assert_eq!(entries.total, 3, "{label}: audit under 台州市");

        // Enrollments.
        let rows = enrollments::list(&mut tx, &xianju, None, None)
            .await
            .expect("enrollments");
        let towns: Vec<&str> = rows.iter().map(|r| r.town_code.as_str()).collect();
        assert_eq!(towns, [BAITA], "{label}: enrollments under 仙居县");
        assert_eq!(rows[0].kind, "model");
        assert!(enrollments::list(&mut tx, &xianju, Some(CHUMEN), None)
            .await
            .expect("enrollments")
            .is_empty());
        assert_eq!(
            enrollments::list(&mut tx, &taizhou, None, Some(2024))
                .await
                .expect("enrollments")
                .len(),
            2,
            "{label}: enrollments under 台州市"
        );
    })
    .await;
}
