//! Repositories: unique violations, tokens, sessions, login throttling, paging.

use crate::support::{begin, each_engine, insert_user, load_lineage, scope};
use meizhen_domain::page::PageRequest;
use meizhen_storage::repo::{grids, sessions, throttle, tokens, users};
use meizhen_storage::{now_ms, StorageError};

const TOWN: &str = "331024103";

#[tokio::test]
async fn unique_violation_is_duplicate() {
    each_engine(|db, label| async move {
        load_lineage(&db, TOWN).await;
        let mut tx = begin(&db).await;
        insert_user(&mut tx, "zhangsan", TOWN, None)
            .await
            .expect("first insert");
        grids::insert(&mut tx, TOWN, None, "一号网格", "", None, now_ms())
            .await
            .expect("grid");
        tx.commit().await.expect("commit");

        // Each failing statement gets its own transaction (PostgreSQL aborts
        // the rest of a transaction after an error).
        let mut tx = begin(&db).await;
        match insert_user(&mut tx, "zhangsan", "331024", None).await {
            Err(StorageError::Duplicate) => {}
            other => panic!("{label}: duplicate username gave {other:?}"),
        }
        drop(tx);
        let mut tx = begin(&db).await;
        match grids::insert(&mut tx, TOWN, None, "一号网格", "", None, now_ms()).await {
            Err(StorageError::Duplicate) => {}
            other => panic!("{label}: duplicate grid name gave {other:?}"),
        }
        drop(tx);

        let mut tx = begin(&db).await;
        assert_eq!(
            users::count_all(&mut tx).await.expect("count"),
            1,
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn tokens_are_found_until_revoked() {
    each_engine(|db, label| async move {
        load_lineage(&db, TOWN).await;
        let now = now_ms();
        let mut tx = begin(&db).await;
        let owner = insert_user(&mut tx, "owner", TOWN, None)
            .await
            .expect("user");
        let stranger = insert_user(&mut tx, "stranger", TOWN, None)
            .await
            .expect("user");
        let id = tokens::insert(&mut tx, owner, "报表脚本", "hash-1", now)
            .await
            .expect("token");
        tokens::insert(&mut tx, owner, "另一个", "hash-2", now)
            .await
            .expect("token");
        tx.commit().await.expect("commit");

        let mut tx = begin(&db).await;
        let found = tokens::by_hash(&mut tx, "hash-1")
            .await
            .expect("by_hash")
            .expect("live token found");
        assert_eq!((found.id, found.user_id), (id, owner), "{label}");
        assert_eq!(found.last_used_at, None);
        tokens::mark_used(&mut tx, id, now + 5)
            .await
            .expect("mark used");
        assert!(
            !tokens::revoke(&mut tx, stranger, id, now)
                .await
                .expect("revoke"),
            "{label}: a stranger revoked someone else's token"
        );
        assert!(tokens::by_hash(&mut tx, "hash-1")
            .await
            .expect("by_hash")
            .is_some());
        assert!(tokens::revoke(&mut tx, owner, id, now + 10)
            .await
            .expect("revoke"));
        assert!(
            !tokens::revoke(&mut tx, owner, id, now + 20)
                .await
                .expect("revoke"),
            "{label}: revoked twice"
        );
        tx.commit().await.expect("commit");

        let mut tx = begin(&db).await;
        assert!(
            tokens::by_hash(&mut tx, "hash-1")
                .await
                .expect("by_hash")
                .is_none(),
            "{label}: revoked token still found"
        );
        assert!(tokens::by_hash(&mut tx, "hash-2")
            .await
            .expect("by_hash")
            .is_some());
        let listed = tokens::for_user(&mut tx, owner).await.expect("for_user");
        assert_eq!(listed.len(), 2, "{label}");
        let revoked = listed
            .iter()
            .find(|t| t.id == id)
            .expect("revoked token listed");
        assert_eq!(revoked.revoked_at, Some(now + 10), "{label}");
        assert_eq!(revoked.last_used_at, Some(now + 5), "{label}");
        assert!(tokens::for_user(&mut tx, stranger)
            .await
            .expect("for_user")
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn throttle_counts_per_account_and_address() {
    each_engine(|db, label| async move {
        let now = 1_700_000_000_000_i64;
        let since = now - 1_000;
        let mut tx = begin(&db).await;
        for (user, address, at) in [
            ("alice", "10.0.0.1", now - 100),
            ("alice", "10.0.0.1", now - 50),
            ("alice", "10.0.0.2", now - 40),
            ("bob", "10.0.0.1", now - 30),
            ("carol", "10.0.0.3", now - 20),
            ("alice", "10.0.0.1", now - 10_000), // outside the window
        ] {
            throttle::record_failure(&mut tx, user, address, at)
                .await
                .expect("record failure");
        }
        tx.commit().await.expect("commit");

        let mut tx = begin(&db).await;
        let c = |u: &'static str, a: &'static str, s: i64| (u, a, s);
        for ((user, address, since), expected) in [
            (c("alice", "10.0.0.1", since), (3, 3, Some(now - 100))),
            (c("bob", "10.0.0.2", since), (1, 1, Some(now - 40))),
            (c("carol", "10.0.0.9", since), (1, 0, Some(now - 20))),
            (c("nobody", "10.0.0.9", since), (0, 0, None)),
            (
                c("alice", "10.0.0.1", now - 20_000),
                (4, 4, Some(now - 10_000)),
            ),
        ] {
            assert_eq!(
                throttle::counts(&mut tx, user, address, since)
                    .await
                    .expect("counts"),
                expected,
                "{label}: {user} from {address} since {since}"
            );
        }

        throttle::clear_account(&mut tx, "alice")
            .await
            .expect("clear");
        assert_eq!(
            throttle::counts(&mut tx, "alice", "10.0.0.1", since)
                .await
                .expect("counts"),
            (0, 1, Some(now - 30)),
            "{label}: after clearing alice"
        );
        assert_eq!(
            throttle::purge_before(&mut tx, now - 25)
                .await
                .expect("purge"),
            1
        );
        assert_eq!(
            throttle::counts(&mut tx, "bob", "10.0.0.3", 0)
                .await
                .expect("counts"),
            (0, 1, Some(now - 20)),
            "{label}: after purge"
        );
    })
    .await;
}

async fn alive(tx: &mut meizhen_storage::Tx, id: &str) -> bool {
    sessions::get(tx, id).await.expect("get session").is_some()
}

#[tokio::test]
async fn sessions_end_for_a_user_except_one() {
    each_engine(|db, label| async move {
        load_lineage(&db, TOWN).await;
        let now = now_ms();
        let mut tx = begin(&db).await;
        let me = insert_user(&mut tx, "me", TOWN, None).await.expect("user");
        let other = insert_user(&mut tx, "other", TOWN, None)
            .await
            .expect("user");
        for (id, user) in [("s1", me), ("s2", me), ("s3", me), ("o1", other)] {
            let row = sessions::SessionRow {
                id_hash: id.into(),
                user_id: user,
                csrf_token: format!("csrf-{id}"),
                created_at: now,
                last_seen_at: now,
                expires_at: now + 3_600_000,
            };
            sessions::insert(&mut tx, &row).await.expect("session");
        }
        tx.commit().await.expect("commit");

        let mut tx = begin(&db).await;
        let s2 = sessions::get(&mut tx, "s2")
            .await
            .expect("get")
            .expect("s2");
        assert_eq!((s2.user_id, s2.csrf_token.as_str()), (me, "csrf-s2"));

        sessions::delete_for_user(&mut tx, me, Some("s2"))
            .await
            .expect("delete");
        assert!(!alive(&mut tx, "s1").await, "{label}: s1 kept");
        assert!(
            alive(&mut tx, "s2").await,
            "{label}: the excepted session was ended"
        );
        assert!(!alive(&mut tx, "s3").await, "{label}: s3 kept");
        assert!(
            alive(&mut tx, "o1").await,
            "{label}: another user's session ended"
        );

        sessions::delete_for_user(&mut tx, me, None)
            .await
            .expect("delete");
        assert!(
            !alive(&mut tx, "s2").await,
            "{label}: s2 kept without except"
        );
        assert!(alive(&mut tx, "o1").await);

        sessions::touch(&mut tx, "o1", now + 1, now + 10)
            .await
            .expect("touch");
        let o1 = sessions::get(&mut tx, "o1")
            .await
            .expect("get")
            .expect("o1");
        assert_eq!((o1.last_seen_at, o1.expires_at), (now + 1, now + 10));
        assert_eq!(
            sessions::purge_expired(&mut tx, now + 10)
                .await
                .expect("purge"),
            0
        );
        assert_eq!(
            sessions::purge_expired(&mut tx, now + 11)
                .await
                .expect("purge"),
            1
        );
        assert!(!alive(&mut tx, "o1").await);
    })
    .await;
}

#[tokio::test]
async fn users_list_pages() {
    each_engine(|db, label| async move {
        load_lineage(&db, TOWN).await;
        let mut tx = begin(&db).await;
        let names = ["u1", "u2", "u3", "u4", "u5"];
        for n in names {
            insert_user(&mut tx, n, TOWN, None).await.expect("user");
        }
        tx.commit().await.expect("commit");

        let county = scope("331024", None);
        let filter = users::UserFilter::default();
        let mut tx = begin(&db).await;
        let mut seen = Vec::new();
        for (page, size) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
            let p = users::list(
                &mut tx,
                &county,
                &filter,
                &PageRequest::new(Some(page), Some(2)),
            )
            .await
            .expect("list");
            assert_eq!(p.total, 5, "{label}: total on page {page}");
            assert_eq!(p.items.len(), size, "{label}: size of page {page}");
            assert_eq!((p.page, p.per_page), (page, 2));
            assert_eq!(p.total_pages(), 3);
            assert!(p.items.iter().all(|u| u.region_name == "白塔镇"));
            seen.extend(p.items.into_iter().map(|u| u.username));
        }
        assert_eq!(seen, names, "{label}: pages in order, none repeated");

        let narrowed = users::UserFilter {
            q: Some("u".into()),
            role: Some("town_staff".into()),
            region: Some(TOWN.into()),
        };
        let p = users::list(
            &mut tx,
            &county,
            &narrowed,
            &PageRequest::new(Some(2), Some(2)),
        )
        .await
        .expect("list");
        assert_eq!((p.total, p.items.len()), (5, 2), "{label}: filtered page 2");
        let none = users::UserFilter {
            role: Some("county_office".into()),
            ..Default::default()
        };
        let p = users::list(&mut tx, &county, &none, &PageRequest::new(Some(1), Some(2)))
            .await
            .expect("list");
        assert_eq!(
            (p.total, p.items.len()),
            (0, 0),
            "{label}: no county_office users"
        );
    })
    .await;
}
