//! API tokens of the calling user.

use super::openapi::Op;
use super::Api;
use crate::error::ApiError;
use crate::extract::{ApiUser, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use meizhen_service::auth::TokenRow;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes(api: Api) -> Api {
    api.get(
        "/tokens",
        list,
        Op::new("令牌", "我的 API 令牌").returns("TokenList"),
    )
    .post(
        "/tokens",
        create,
        Op::new("令牌", "创建 API 令牌")
            .desc("返回的 token 只出现这一次；以 Authorization: Bearer 使用。")
            .body("TokenName")
            .returns("TokenCreated")
            .status(201),
    )
    .delete(
        "/tokens/{id}",
        revoke,
        Op::new("令牌", "吊销 API 令牌").status(204),
    )
}

async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<TokenRow>>, ApiError> {
    Ok(Json(state.services.tokens(&actor).await?))
}

#[derive(Deserialize, Default)]
struct TokenName {
    #[serde(default)]
    name: String,
}

async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // The body is optional: `POST /tokens` alone gets a default name.
    let name = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        serde_json::from_slice::<TokenName>(&body)
            .map_err(|_| {
                ApiError(meizhen_service::ServiceError::invalid(
                    "name",
                    "请求体应为 {\"name\": \"令牌用途\"}",
                ))
            })?
            .name
    };
    let (info, raw) = state.services.create_token(&actor, &name, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": raw, "info": info})),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.services.revoke_token(&actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
