//! User administration.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{empty_as_none, ApiJson, ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use meizhen_domain::page::{Page, PageRequest};
use meizhen_service::users::{Issued, UserChanges, UserFilter, UserInput, UserListRow, UserRow};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(api: Api) -> Api {
    api.get(
        "/users",
        list,
        Op::new("用户", "用户列表")
            .desc("管辖范围内的用户；仅管理员和各级美镇办。")
            .query(&[
                ("q", "string", "用户名或姓名"),
                ("role", "string", "角色"),
                ("region", "string", "区划代码前缀"),
                ("page", "integer", "页码"),
                ("per_page", "integer", "每页条数"),
            ])
            .returns("UserPage"),
    )
    .post(
        "/users",
        create,
        Op::new("用户", "新增用户")
            .desc("不给 password 时生成一次性密码并在响应中返回一次；用户首次登录须修改。")
            .body("UserInput")
            .returns("IssuedUser")
            .status(201),
    )
    .get(
        "/users/{id}",
        show,
        Op::new("用户", "用户详情").returns("User"),
    )
    .patch(
        "/users/{id}",
        update,
        Op::new("用户", "修改用户")
            .body("UserChanges")
            .returns("User"),
    )
    .post(
        "/users/{id}/password-reset",
        reset,
        Op::new("用户", "重置密码")
            .desc("生成新的一次性密码，结束该用户的所有会话。")
            .returns("IssuedUser"),
    )
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    region: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
    #[serde(default, deserialize_with = "empty_as_none")]
    per_page: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<UserListRow>>, ApiError> {
    let f = UserFilter {
        q: q.q,
        role: q.role,
        region: q.region,
    };
    Ok(Json(
        state
            .services
            .users(&actor, &f, &PageRequest::new(q.page, q.per_page))
            .await?,
    ))
}

fn issued(i: Issued) -> Value {
    json!({"user": i.user, "one_time_password": i.one_time_password})
}

async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(issued(
            state.services.create_user(&actor, &input, &meta).await?,
        )),
    ))
}

async fn show(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<UserRow>, ApiError> {
    Ok(Json(state.services.user(&actor, id).await?))
}

async fn update(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiJson(ch): ApiJson<UserChanges>,
) -> Result<Json<UserRow>, ApiError> {
    Ok(Json(
        state.services.update_user(&actor, id, &ch, &meta).await?,
    ))
}

async fn reset(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(issued(
        state.services.reset_password(&actor, id, &meta).await?,
    )))
}
