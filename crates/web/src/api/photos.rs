//! Progress photos: upload (the raw image as the request body) and the
//! three files of a photo.

use super::openapi::Op;
use super::Api;
use crate::error::{respond_status, ApiError};
use crate::extract::{ApiQuery, ApiUser, Meta};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use meizhen_domain::project::YearMonth;
use meizhen_service::photos::{PhotoRow, PhotoVariant};
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn routes(api: Api) -> Api {
    api.post_upload(
        "/projects/{id}/photos",
        upload,
        Op::new("照片", "上传进度照片")
            .desc("请求体为照片文件本身（JPEG 或 PNG，不超过 15 MB；Content-Type 任意，按文件内容识别）。读取 EXIF 中的拍摄时间和 GPS 位置；给出 month 且该月已填报月报时，照片关联该月报。同一文件多次上传只存一份。")
            .query(&[
                ("month", "string", "可选，关联月报的月份，如 2020-06"),
                ("caption", "string", "可选，照片说明（200 字以内）"),
            ])
            .raw_body("image/*")
            .returns("Photo")
            .status(201),
    )
    .get(
        "/photos/{id}/thumb",
        thumb,
        Op::new("照片", "照片缩略图")
            .desc("JPEG，宽 320 像素，已按拍摄方向摆正，不含 EXIF。")
            .binary("image/jpeg"),
    )
    .get(
        "/photos/{id}/display",
        display,
        Op::new("照片", "照片展示图")
            .desc("JPEG，长边不超过 1600 像素，已按拍摄方向摆正，不含 EXIF。")
            .binary("image/jpeg"),
    )
    .get(
        "/photos/{id}/original",
        original,
        Op::new("照片", "照片原图")
            .desc("上传时的原始文件（image/jpeg 或 image/png），含 EXIF。")
            .binary("image/*"),
    )
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    caption: String,
}

/// "" → none; otherwise a month such as 2020-06.
pub(crate) fn optional_month(s: &str) -> Result<Option<YearMonth>, ServiceError> {
    match s.trim() {
        "" => Ok(None),
        t => Ok(Some(YearMonth::parse(t)?)),
    }
}

async fn upload(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PhotoRow>), Response> {
    let body = body.map_err(|_| {
        // Over the upload limit (or cut off): say what the limit is.
        respond_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &meizhen_service::photos::too_large().to_string(),
            true,
        )
    })?;
    let month = optional_month(&q.month).map_err(|e| ApiError(e).into_response())?;
    let row = state
        .services
        .add_photo(&actor, id, month, Vec::from(body), &q.caption, &meta)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// The image with its type, cached privately for a day (files never change:
/// they are named by their content).
pub(crate) fn image_response(content_type: String, bytes: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=86400".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn file(
    state: &AppState,
    actor: &meizhen_service::Actor,
    id: i64,
    v: PhotoVariant,
) -> Result<Response, ApiError> {
    let (content_type, bytes) = state.services.photo_file(actor, id, v).await?;
    Ok(image_response(content_type, bytes))
}

async fn thumb(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    file(&state, &actor, id, PhotoVariant::Thumb).await
}

async fn display(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    file(&state, &actor, id, PhotoVariant::Display).await
}

async fn original(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    file(&state, &actor, id, PhotoVariant::Original).await
}
