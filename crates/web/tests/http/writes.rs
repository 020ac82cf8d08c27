//! Writes: who may change what, and every change leaves an audit entry
//! with before/after.

use super::support::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

async fn audit_for(c: &mut Client, entity: &str, id: &str) -> Vec<Value> {
    let r = c
        .get(&format!(
            "/api/v1/audit?entity={entity}&entity_id={id}&per_page=200"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn town_type_and_enrollment_by_offices_above() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        let r = county
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/town-type",
                Some(json!({"town_type": "文旅特色型"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["town_type"], "文旅特色型");
        let r = county
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/enrollments/2021",
                Some(json!({"kind": "样板创建"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()[0]["kind"], "model");
        let entries = audit_for(&mut county, "enrollment", "331024103/2021").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["actor_name"], "xj.office");
        let changes: Value = serde_json::from_str(entries[0]["changes"].as_str().unwrap_or("{}"))
            .unwrap_or_default();
        assert_eq!(changes["kind"], json!([null, "model"]));
        // Clearing it.
        let r = county
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/enrollments/2021",
                Some(json!({"kind": "none"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json(), json!([]));
        let entries = audit_for(&mut county, "region", "331024103").await;
        assert!(entries.iter().any(|e| e["summary"]
            .as_str()
            .is_some_and(|s| s.contains("创建类型"))));

        // The town itself, a leader, an expert, and the county on its own level may not.
        for user in ["xj.baita", "tz.leader", "xj.expert", "tz.inspector"] {
            let mut c = Client::login(&app, user).await;
            let r = c
                .send(
                    Method::PUT,
                    "/api/v1/regions/331024103/town-type",
                    Some(json!({"town_type": "一般型"})),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}: {}", r.text());
        }
        let r = county
            .send(
                Method::PUT,
                "/api/v1/regions/331024/town-type",
                Some(json!({"town_type": "一般型"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "not a town");
        // The city above may.
        let mut city = Client::login(&app, "tz.office").await;
        let r = city
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/enrollments/2022",
                Some(json!({"kind": "standard"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        // Bad values are refused with Chinese messages, nothing written.
        let r = city
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/enrollments/2022",
                Some(json!({"kind": "优秀"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("无效"));
        let r = city
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/enrollments/1999",
                Some(json!({"kind": "model"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = city
            .send(
                Method::PUT,
                "/api/v1/regions/331024103/town-type",
                Some(json!({"town_type": "火星型"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = city.get("/api/v1/enrollments?year=2022").await.json();
        assert_eq!(
            e.as_array()
                .map(|a| a.iter().filter(|x| x["town_code"] == "331024103").count()),
            Some(1)
        );
        assert_eq!(
            e.as_array()
                .and_then(|a| a.iter().find(|x| x["town_code"] == "331024103"))
                .map(|x| x["kind"].clone()),
            Some(json!("standard"))
        );
    })
    .await;
}

#[tokio::test]
async fn grids_are_drawn_by_the_town() {
    on_each_engine(|app| async move {
        let mut town = Client::login(&app, "xj.baita").await;
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/grids",
                Some(
                    json!({"name": "白塔一网格", "village": "331024103001", "description": "老街"}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap_or(0);
        // Duplicate names in one town are refused.
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/grids",
                Some(json!({"name": "白塔一网格"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // A village of another town is refused.
        let r = town
            .send(
                Method::POST,
                "/api/v1/regions/331024103/grids",
                Some(json!({"name": "错网格", "village": "331024101200"})),
            )
            .await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            r.status
        );
        let r = town
            .send(
                Method::PUT,
                &format!("/api/v1/grids/{id}"),
                Some(json!({"name": "白塔老街网格", "village": "331024103001"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["name"], "白塔老街网格");
        // The neighbouring town's staff cannot touch it; the county office can.
        let mut hengxi = Client::login(&app, "xj.hengxi").await;
        assert_eq!(
            hengxi
                .send(Method::DELETE, &format!("/api/v1/grids/{id}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut grid_worker = Client::login(&app, "xj.baita.grid").await;
        assert_eq!(
            grid_worker
                .send(Method::DELETE, &format!("/api/v1/grids/{id}"), None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut county = Client::login(&app, "xj.office").await;
        let trail = audit_for(&mut county, "grid", &id.to_string()).await;
        assert_eq!(trail.len(), 2, "create + update: {trail:?}");
        let update = trail
            .iter()
            .find(|e| e["action"] == "update")
            .cloned()
            .unwrap_or_default();
        let changes: Value =
            serde_json::from_str(update["changes"].as_str().unwrap_or("{}")).unwrap_or_default();
        assert_eq!(changes["name"], json!(["白塔一网格", "白塔老街网格"]));
        assert_eq!(
            county
                .send(Method::DELETE, &format!("/api/v1/grids/{id}"), None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            audit_for(&mut county, "grid", &id.to_string()).await.len(),
            3
        );
        assert_eq!(
            county.get(&format!("/api/v1/grids/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        // Pages: the town page offers the grid form to the town, not to a leader.
        assert!(town
            .get("/regions/331024103")
            .await
            .text()
            .contains("新增网格"));
        let mut leader = Client::login(&app, "tz.leader").await;
        assert!(!leader
            .get("/regions/331024103")
            .await
            .text()
            .contains("新增网格"));
        // A page form post creates one too.
        let r = town
            .form(
                "/regions/331024103/grids",
                &[("name", "表单网格"), ("village", ""), ("description", "")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(town
            .get("/regions/331024103?done=created")
            .await
            .text()
            .contains("表单网格"));
    })
    .await;
}

#[tokio::test]
async fn user_management_with_one_time_passwords() {
    on_each_engine(|app| async move {
        let mut county = Client::login(&app, "xj.office").await;
        let r = county.send(Method::POST, "/api/v1/users", Some(json!({"username": "xj.tianshi", "display_name": "田市镇 王", "role": "town_staff", "region": "331024104"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let otp = r.json()["one_time_password"].as_str().unwrap_or("").to_owned();
        let id = r.json()["user"]["id"].as_i64().unwrap_or(0);
        assert!(otp.len() >= 12);
        assert_eq!(r.json()["user"]["must_change_password"], true);
        // The county cannot create an administrator, a user above itself, or in another county.
        for (role, region) in [("admin", "33"), ("city_office", "3310"), ("town_staff", "331083102"), ("county_office", "331024104")] {
            let r = county.send(Method::POST, "/api/v1/users", Some(json!({"username": format!("x.{role}.{region}"), "role": role, "region": region}))).await;
            assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNPROCESSABLE_ENTITY, "{role}@{region}: {}", r.text());
        }
        // The new user logs in and must change the password first.
        let mut newbie = Client::new(&app);
        let r = newbie.login_as("xj.tianshi", &otp).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = newbie.send(Method::POST, "/api/v1/me/password", Some(json!({"current_password": otp, "new_password": "Tianshi-2026!"}))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        assert_eq!(newbie.get("/api/v1/regions/331024104").await.status, StatusCode::OK);
        // Disable: the user's sessions end at once.
        let r = county.send(Method::PATCH, &format!("/api/v1/users/{id}"), Some(json!({"disabled": true}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(newbie.get("/api/v1/session").await.status, StatusCode::UNAUTHORIZED);
        let mut again = Client::new(&app);
        assert_eq!(again.login_as("xj.tianshi", "Tianshi-2026!").await.status, StatusCode::FORBIDDEN);
        // Reset issues a new one-time password.
        let r = county.send(Method::PATCH, &format!("/api/v1/users/{id}"), Some(json!({"disabled": false, "display_name": "田市镇 王二"}))).await;
        assert_eq!(r.json()["display_name"], "田市镇 王二");
        let r = county.send(Method::POST, &format!("/api/v1/users/{id}/password-reset"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        let otp2 = r.json()["one_time_password"].as_str().unwrap_or("").to_owned();
        assert_ne!(otp, otp2);
        assert_eq!(again.login_as("xj.tianshi", &otp2).await.status, StatusCode::OK);
        // Audit: create, update x2, reset, with the before/after of the edits and no secrets.
        let trail = audit_for(&mut county, "user", &id.to_string()).await;
        let actions: Vec<&str> = trail.iter().filter_map(|e| e["action"].as_str()).collect();
        for a in ["create", "update", "password_reset", "login", "password_change"] {
            assert!(actions.contains(&a), "{a} missing in {actions:?}");
        }
        assert!(trail.iter().all(|e| !e["changes"].as_str().unwrap_or("").contains("argon2")));
        let edit = trail.iter().find(|e| e["action"] == "update" && e["changes"].as_str().is_some_and(|c| c.contains("display_name"))).cloned().unwrap_or_default();
        let changes: Value = serde_json::from_str(edit["changes"].as_str().unwrap_or("{}")).unwrap_or_default();
        assert_eq!(changes["display_name"], json!(["田市镇 王", "田市镇 王二"]));
        // Self-protection: cannot disable oneself.
        let me = county.get("/api/v1/session").await.json()["user"]["id"].as_i64().unwrap_or(0);
        let r = county.send(Method::PATCH, &format!("/api/v1/users/{me}"), Some(json!({"disabled": true}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The page flow: create through the form shows the one-time password once.
        let r = county.form("/admin/users/new", &[("username", "xj.form"), ("display_name", "表单"), ("role", "town_staff"), ("region", "331024105"), ("department", "")], true).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert!(r.text().contains("one-time-password"));
        let r = county.form("/admin/users/new", &[("username", "xj.form"), ("role", "town_staff"), ("region", "331024105")], true).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text().contains("已被使用"));
    })
    .await;
}
