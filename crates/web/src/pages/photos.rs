//! Progress photos on the project page: the upload form's target (a phone
//! camera's picture, multipart) and the photo files behind the thumbnails.

use crate::api::photos::{image_response, optional_month};
use crate::error::{status_of, PageError};
use crate::extract::{Meta, PageUser};
use crate::view::time;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_service::photos::{thumb_size, PhotoRow, PhotoVariant};
use meizhen_service::projects::ReportRow;
use meizhen_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{id}/photos",
            post(upload).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/photos/{id}/thumb", get(thumb))
        .route("/photos/{id}/display", get(display))
        .route("/photos/{id}/original", get(original))
}

/// A photo as the project page lists it.
pub struct PhotoView {
    pub id: i64,
    pub caption: String,
    /// The caption, or a description when there is none.
    pub alt: String,
    pub taken_at: String,
    /// "北纬 28.858472°，东经 120.737569°", or empty.
    pub gps: String,
    /// The month of the report it belongs to, or empty.
    pub month: String,
    pub uploaded: String,
    /// Thumbnail size for `<img width height>` (0 when unknown).
    pub thumb_w: u32,
    pub thumb_h: u32,
}

/// Microdegrees as exact decimal degrees (no floating point).
fn degrees(e6: i64) -> String {
    let a = e6.unsigned_abs();
    format!("{}.{:06}°", a / 1_000_000, a % 1_000_000)
}

pub fn views(photos: &[PhotoRow], reports: &[ReportRow]) -> Vec<PhotoView> {
    photos
        .iter()
        .map(|ph| {
            let (thumb_w, thumb_h) = match (ph.width, ph.height) {
                (Some(w), Some(h)) => {
                    thumb_size(u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0))
                }
                _ => (0, 0),
            };
            let month = ph
                .report_id
                .and_then(|id| reports.iter().find(|r| r.id == id))
                .map(|r| format!("{}-{:02}", r.year, r.month))
                .unwrap_or_default();
            let taken_at = ph.taken_at.clone().unwrap_or_default();
            PhotoView {
                id: ph.id,
                alt: if ph.caption.is_empty() {
                    format!(
                        "进度照片（{}）",
                        if taken_at.is_empty() {
                            time(ph.uploaded_at)
                        } else {
                            taken_at.clone()
                        }
                    )
                } else {
                    ph.caption.clone()
                },
                caption: ph.caption.clone(),
                taken_at,
                gps: match (ph.lat_e6, ph.lon_e6) {
                    (Some(lat), Some(lon)) => format!(
                        "{} {}，{} {}",
                        if lat < 0 { "南纬" } else { "北纬" },
                        degrees(lat),
                        if lon < 0 { "西经" } else { "东经" },
                        degrees(lon)
                    ),
                    _ => String::new(),
                },
                month,
                uploaded: time(ph.uploaded_at),
                thumb_w,
                thumb_h,
            }
        })
        .collect()
}

/// Anything wrong with the upload itself: over the limit, or cut off.
fn upload_broken(e: &axum::extract::multipart::MultipartError) -> (StatusCode, ServiceError) {
    let status = e.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        meizhen_service::photos::too_large().to_string()
    } else {
        "照片上传不完整，请重试".to_owned()
    };
    (status, ServiceError::invalid("photo", message))
}

async fn upload(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let mut file: Option<Vec<u8>> = None;
    let (mut caption, mut month) = (String::new(), String::new());
    let read = async {
        while let Some(field) = form.next_field().await.map_err(|e| upload_broken(&e))? {
            match field.name().unwrap_or("") {
                "file" => file = Some(field.bytes().await.map_err(|e| upload_broken(&e))?.into()),
                "caption" => caption = field.text().await.map_err(|e| upload_broken(&e))?,
                "month" => month = field.text().await.map_err(|e| upload_broken(&e))?,
                _ => {}
            }
        }
        Ok::<(), (StatusCode, ServiceError)>(())
    }
    .await;
    let result = match read {
        Err(e) => Err(e),
        Ok(()) => async {
            let month = optional_month(&month)?;
            let file = file.unwrap_or_default();
            state
                .services
                .add_photo(&u.actor, id, month, file, &caption, &meta)
                .await
        }
        .await
        .map_err(|e| (status_of(&e), e)),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/projects/{id}?done=saved#photos")).into_response(),
        Err((_, e @ (ServiceError::Internal(_) | ServiceError::NotFound(_)))) => {
            PageError(e).into_response()
        }
        Err((status, e)) => {
            super::projects::show_page(&state, &u, id, None, Some((status, e.to_string()))).await
        }
    }
}

async fn file(state: &AppState, u: &PageUser, id: i64, v: PhotoVariant) -> Response {
    match state.services.photo_file(&u.actor, id, v).await {
        Ok((content_type, bytes)) => image_response(content_type, bytes),
        Err(e) => PageError(e).into_response(),
    }
}

async fn thumb(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    file(&state, &u, id, PhotoVariant::Thumb).await
}

async fn display(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    file(&state, &u, id, PhotoVariant::Display).await
}

async fn original(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    file(&state, &u, id, PhotoVariant::Original).await
}
