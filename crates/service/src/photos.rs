//! 进度照片: photos a town takes on site with a phone, attached to a project
//! and, when that month's report exists, to the report.
//!
//! - Only JPEG and PNG are accepted (checked by magic bytes, not by name or
//!   content type), at most [`MAX_PHOTO_BYTES`].
//! - EXIF gives the time taken (`DateTimeOriginal`, the camera's local time)
//!   and the GPS position (microdegrees, south and west negative).
//! - Files are content-addressed: the original is stored unchanged under
//!   `files_dir/photos/<sha256[0..2]>/<sha256>.<jpg|png>`, so identical
//!   uploads are stored once; next to it a display copy (longer side at most
//!   [`DISPLAY_MAX`] px) and a thumbnail ([`THUMB_WIDTH`] px wide), both
//!   JPEG, turned upright by the EXIF orientation and without EXIF (no GPS in
//!   the copies that pages show). `width`/`height` of a photo are its upright
//!   size.
//! - Decoding and resizing run on the blocking pool, at most
//!   [`PROCESSING_SLOTS`] at a time (a phone photo takes ~50–150 MB decoded).
//! - The row and its audit entry are written in one transaction after the
//!   files: a failed insert can leave an unreferenced file, never a row
//!   without its file.
//!
//! Reading goes through `repo::photo` with the caller's scope, so a photo of
//! another town or county is simply not found.

use crate::audit::{record, Change};
use crate::auth::require_password_changed;
use crate::projects::may_write_projects;
use crate::{Actor, RequestMeta, Result, ServiceError, Services};
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage};
use meizhen_domain::project::YearMonth;
use meizhen_domain::RegionCode;
use meizhen_storage::now_ms;
pub use meizhen_storage::repo::projects::PhotoRow;
use meizhen_storage::repo::projects::{self as repo, NewPhoto};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Largest photo accepted (a 50-megapixel phone JPEG is well under this).
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;
/// Width of thumbnails (narrower photos are not enlarged).
pub const THUMB_WIDTH: u32 = 320;
/// Longer side of the display copy (smaller photos are not enlarged).
pub const DISPLAY_MAX: u32 = 1600;
/// Photos decoded at once: bounds memory on a small server.
pub const PROCESSING_SLOTS: usize = 2;
/// Largest side a photo may have (decompression bombs stop here).
const MAX_SIDE: u32 = 20_000;
const MAX_CAPTION: usize = 200;
const DISPLAY_QUALITY: u8 = 85;
const THUMB_QUALITY: u8 = 80;

static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PROCESSING_SLOTS);

/// Which file of a photo to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoVariant {
    /// The uploaded bytes, unchanged (EXIF and all).
    Original,
    /// Upright JPEG, longer side ≤ [`DISPLAY_MAX`], no EXIF.
    Display,
    /// Upright JPEG, [`THUMB_WIDTH`] wide, no EXIF.
    Thumb,
}

impl PhotoVariant {
    pub fn parse(s: &str) -> Option<PhotoVariant> {
        match s {
            "original" => Some(PhotoVariant::Original),
            "display" => Some(PhotoVariant::Display),
            "thumb" => Some(PhotoVariant::Thumb),
            _ => None,
        }
    }
}

/// The two formats phones produce (and screenshots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jpeg,
    Png,
}

impl Kind {
    fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else {
            None
        }
    }
    fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
        }
    }
    fn format(self) -> ImageFormat {
        match self {
            Kind::Jpeg => ImageFormat::Jpeg,
            Kind::Png => ImageFormat::Png,
        }
    }
}

/// Size of the display copy of an upright `width`×`height` photo.
pub fn display_size(width: u32, height: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= DISPLAY_MAX || long == 0 {
        return (width, height);
    }
    (
        scale(width, DISPLAY_MAX, long),
        scale(height, DISPLAY_MAX, long),
    )
}

/// Size of the thumbnail of an upright `width`×`height` photo (made from the
/// display copy), for `<img width height>`.
pub fn thumb_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = display_size(width, height);
    if w <= THUMB_WIDTH || w == 0 {
        return (w, h);
    }
    (THUMB_WIDTH, scale(h, THUMB_WIDTH, w))
}

/// `v * num / den`, rounded, at least 1.
fn scale(v: u32, num: u32, den: u32) -> u32 {
    let r = (u64::from(v) * u64::from(num) + u64::from(den) / 2) / u64::from(den.max(1));
    u32::try_from(r.max(1)).unwrap_or(u32::MAX)
}

/// Where a photo's file lives, relative to nothing: `files_dir` joined with
/// `photos/ab/abcdef….jpg` (original) or `….display.jpg` / `….thumb.jpg`.
pub fn photo_path(files_dir: &Path, sha256: &str, content_type: &str, v: PhotoVariant) -> PathBuf {
    let dir = files_dir
        .join("photos")
        .join(sha256.get(..2).unwrap_or("00"));
    let name = match v {
        PhotoVariant::Original => {
            let ext = if content_type == "image/png" {
                "png"
            } else {
                "jpg"
            };
            format!("{sha256}.{ext}")
        }
        PhotoVariant::Display => format!("{sha256}.display.jpg"),
        PhotoVariant::Thumb => format!("{sha256}.thumb.jpg"),
    };
    dir.join(name)
}

/// What EXIF tells about a photo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ExifFacts {
    /// "YYYY-MM-DD HH:MM:SS", camera local time.
    taken_at: Option<String>,
    lat_e6: Option<i64>,
    lon_e6: Option<i64>,
    /// EXIF orientation 1–8.
    orientation: u8,
}

fn ascii(f: &exif::Field) -> Option<&[u8]> {
    match &f.value {
        exif::Value::Ascii(v) => v.first().map(Vec::as_slice),
        _ => None,
    }
}

/// EXIF "2020:06:15 09:30:00" → "2020-06-15 09:30:00", if it is a real time.
fn exif_time(raw: &[u8]) -> Option<String> {
    let t = exif::DateTime::from_ascii(raw).ok()?;
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::from(t.year), u32::from(t.month), u32::from(t.day))?;
    let time = chrono::NaiveTime::from_hms_opt(
        u32::from(t.hour),
        u32::from(t.minute),
        u32::from(t.second),
    )?;
    Some(date.and_time(time).format("%Y-%m-%d %H:%M:%S").to_string())
}

/// Degrees, minutes, seconds (any prefix of them) and the N/S/E/W reference
/// → microdegrees; south and west are negative.
fn dms_to_e6(dms: &[exif::Rational], reference: Option<&[u8]>, max: f64) -> Option<i64> {
    if dms.is_empty() || dms.iter().any(|r| r.denom == 0) {
        return None;
    }
    let deg: f64 = dms
        .iter()
        .take(3)
        .zip([1.0, 60.0, 3600.0])
        .map(|(r, div)| r.to_f64() / div)
        .sum();
    if !deg.is_finite() || deg > max {
        return None;
    }
    let negative = matches!(
        reference.and_then(|r| r.first()),
        Some(b'S' | b's' | b'W' | b'w')
    );
    let e6 = (deg * 1e6).round() as i64;
    Some(if negative { -e6 } else { e6 })
}

fn read_exif(bytes: &[u8]) -> ExifFacts {
    let mut facts = ExifFacts {
        orientation: 1,
        ..ExifFacts::default()
    };
    let exif = match exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_| {}))
    {
        Ok(e) => e,
        Err(_) => return facts,
    };
    let field = |tag| exif.get_field(tag, exif::In::PRIMARY);
    facts.taken_at = [exif::Tag::DateTimeOriginal, exif::Tag::DateTimeDigitized]
        .into_iter()
        .find_map(|t| field(t).and_then(ascii).and_then(exif_time));
    let coord = |tag, reference, max| match field(tag).map(|f| &f.value) {
        Some(exif::Value::Rational(v)) => dms_to_e6(v, field(reference).and_then(ascii), max),
        _ => None,
    };
    let lat = coord(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, 90.0);
    let lon = coord(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, 180.0);
    // Both or neither; 0,0 is what some cameras write without a fix.
    if let (Some(a), Some(o)) = (lat, lon) {
        if (a, o) != (0, 0) {
            facts.lat_e6 = Some(a);
            facts.lon_e6 = Some(o);
        }
    }
    facts.orientation = field(exif::Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1);
    facts
}

/// Orientations 5–8 turn the picture a quarter: width and height swap.
fn upright(width: u32, height: u32, orientation: u8) -> (u32, u32) {
    if orientation >= 5 {
        (height, width)
    } else {
        (width, height)
    }
}

fn reader(bytes: &[u8], kind: Kind) -> ImageReader<Cursor<&[u8]>> {
    let mut r = ImageReader::with_format(Cursor::new(bytes), kind.format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    r.limits(limits);
    r
}

fn image_error(e: &image::ImageError) -> ServiceError {
    match e {
        image::ImageError::Limits(_) => ServiceError::invalid(
            "photo",
            format!("图片尺寸过大（长边不能超过 {MAX_SIDE} 像素）"),
        ),
        _ => ServiceError::invalid("photo", "图片已损坏或不完整，无法读取"),
    }
}

/// Transparent pixels (PNG) go on white, since JPEG has no alpha.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let on_white = |c: u8| {
            let v = (u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255;
            u8::try_from(v).unwrap_or(255)
        };
        image::Rgb([on_white(r), on_white(g), on_white(b)])
    })
}

fn jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(|e| image_error(&e))?;
    Ok(out)
}

/// The display copy and thumbnail: resized, then turned upright (cheaper
/// than turning the full picture), EXIF left behind.
fn derive(bytes: &[u8], kind: Kind, orientation: u8) -> Result<(Vec<u8>, Vec<u8>)> {
    let img = reader(bytes, kind).decode().map_err(|e| image_error(&e))?;
    let (dw, dh) = display_size(img.width(), img.height());
    let mut display = if (dw, dh) == (img.width(), img.height()) {
        img
    } else {
        img.resize_exact(dw, dh, FilterType::Triangle)
    };
    display.apply_orientation(
        Orientation::from_exif(orientation).unwrap_or(Orientation::NoTransforms),
    );
    let display = flatten(display);
    let (tw, th) = thumb_size(display.width(), display.height());
    let thumb = if (tw, th) == display.dimensions() {
        display.clone()
    } else {
        image::imageops::resize(&display, tw, th, FilterType::Triangle)
    };
    Ok((
        jpeg(&display, DISPLAY_QUALITY)?,
        jpeg(&thumb, THUMB_QUALITY)?,
    ))
}

/// A file-system failure is the server's problem: logged with the path, and
/// answered as an internal error.
fn file_error(path: &Path, e: std::io::Error) -> ServiceError {
    tracing::error!(path = %path.display(), error = %e, "photo file operation failed");
    ServiceError::Internal(meizhen_storage::StorageError::Files(e))
}

/// Writes `bytes` to `path` unless it is already there, through a temporary
/// file and a rename, so a crash never leaves half a file under its final
/// (content-addressed) name.
fn write_once(path: &Path, bytes: &[u8]) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let mut nonce = [0u8; 8];
    getrandom::getrandom(&mut nonce).map_err(|e| file_error(path, std::io::Error::other(e)))?;
    let tmp = path.with_extension(format!(
        "tmp-{}",
        nonce.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| file_error(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        file_error(path, e)
    })?;
    Ok(true)
}

/// What processing an upload yields for its row.
struct Stored {
    sha256: String,
    kind: Kind,
    width: u32,
    height: u32,
    exif: ExifFacts,
}

/// The CPU and disk part of an upload (runs on the blocking pool).
fn process_and_store(files_dir: &Path, bytes: &[u8], kind: Kind) -> Result<Stored> {
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    let exif = read_exif(bytes);
    let (w, h) = reader(bytes, kind)
        .into_dimensions()
        .map_err(|e| image_error(&e))?;
    if w == 0 || h == 0 {
        return Err(ServiceError::invalid(
            "photo",
            "图片已损坏或不完整，无法读取",
        ));
    }
    let (width, height) = upright(w, h, exif.orientation);
    let path = |v| photo_path(files_dir, &sha256, kind.content_type(), v);
    let (original, display, thumb) = (
        path(PhotoVariant::Original),
        path(PhotoVariant::Display),
        path(PhotoVariant::Thumb),
    );
    // Identical bytes were stored before: nothing to decode or write.
    if !(original.exists() && display.exists() && thumb.exists()) {
        // Decode (and so validate) before anything is written.
        let (display_jpeg, thumb_jpeg) = derive(bytes, kind, exif.orientation)?;
        if let Some(dir) = original.parent() {
            std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        }
        write_once(&display, &display_jpeg)?;
        write_once(&thumb, &thumb_jpeg)?;
        // The original last: its presence means the set is complete.
        write_once(&original, bytes)?;
    }
    Ok(Stored {
        sha256,
        kind,
        width,
        height,
        exif,
    })
}

/// A checked and stored upload, for other modules' photo tables (findings).
pub(crate) struct StoredPhoto {
    pub sha256: String,
    pub content_type: &'static str,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub taken_at: Option<String>,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

impl Services {
    /// Checks (JPEG/PNG by magic bytes, size, dimensions) and stores an
    /// upload's files exactly as [`Services::add_photo`] does; the caller
    /// writes its own row. `field` names the form field in errors.
    pub(crate) async fn store_photo_bytes(
        &self,
        bytes: Vec<u8>,
        field: &'static str,
    ) -> Result<StoredPhoto> {
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(too_large());
        }
        if bytes.is_empty() {
            return Err(ServiceError::invalid(field, "请选择要上传的照片"));
        }
        let kind = Kind::sniff(&bytes)
            .ok_or_else(|| ServiceError::invalid(field, "文件不是 JPEG 或 PNG 图片"))?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let stored = {
            let _slot = PROCESSING
                .acquire()
                .await
                .map_err(|_| ServiceError::invalid(field, "服务器正在关闭，请稍后再试"))?;
            let dir = self.config().files_dir.clone();
            tokio::task::spawn_blocking(move || process_and_store(&dir, &bytes, kind))
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "photo processing task failed");
                    ServiceError::invalid(field, "图片已损坏或不完整，无法读取")
                })??
        };
        let dim = |v: u32| i32::try_from(v).ok();
        Ok(StoredPhoto {
            sha256: stored.sha256,
            content_type: stored.kind.content_type(),
            bytes: size,
            width: dim(stored.width),
            height: dim(stored.height),
            taken_at: stored.exif.taken_at,
            lat_e6: stored.exif.lat_e6,
            lon_e6: stored.exif.lon_e6,
        })
    }

    /// Reads a stored photo file (any module's), by its content address.
    pub(crate) async fn read_photo_file(
        &self,
        sha256: &str,
        content_type: &str,
        variant: PhotoVariant,
    ) -> Result<(String, Vec<u8>)> {
        let path = photo_path(&self.config().files_dir, sha256, content_type, variant);
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %path.display(), "photo file missing");
                return Err(ServiceError::not_found("照片文件"));
            }
            Err(e) => return Err(file_error(&path, e)),
        };
        let content_type = match variant {
            PhotoVariant::Original => content_type.to_owned(),
            PhotoVariant::Display | PhotoVariant::Thumb => "image/jpeg".to_owned(),
        };
        Ok((content_type, bytes))
    }
}

impl Services {
    /// Attaches a photo to a project (and to its report of `month`, when that
    /// report exists). Only those who may write the project's town may.
    pub async fn add_photo(
        &self,
        actor: &Actor,
        project_id: i64,
        month: Option<YearMonth>,
        bytes: Vec<u8>,
        caption: &str,
        meta: &RequestMeta,
    ) -> Result<PhotoRow> {
        require_password_changed(actor)?;
        // Who and where first, with a read transaction: nothing is decoded
        // for a caller who may not upload.
        {
            let mut tx = self.db().begin_read().await?;
            let project = repo::get(&mut tx, actor.scope(), project_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("项目"))?;
            check_writer(actor, &project.town_code)?;
        }
        let caption = caption.trim().to_owned();
        if caption.chars().count() > MAX_CAPTION {
            return Err(ServiceError::invalid(
                "caption",
                format!("照片说明不能超过 {MAX_CAPTION} 个字"),
            ));
        }
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(too_large());
        }
        if bytes.is_empty() {
            return Err(ServiceError::invalid("photo", "请选择要上传的照片"));
        }
        let kind = Kind::sniff(&bytes)
            .ok_or_else(|| ServiceError::invalid("photo", "文件不是 JPEG 或 PNG 图片"))?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);

        let stored = {
            let _slot = PROCESSING
                .acquire()
                .await
                .map_err(|_| ServiceError::invalid("photo", "服务器正在关闭，请稍后再试"))?;
            let dir = self.config().files_dir.clone();
            tokio::task::spawn_blocking(move || process_and_store(&dir, &bytes, kind))
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "photo processing task failed");
                    ServiceError::invalid("photo", "图片已损坏或不完整，无法读取")
                })??
        };

        let mut tx = self.db().begin().await?;
        // Again inside the writing transaction: the project may have gone.
        let project = repo::get(&mut tx, actor.scope(), project_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("项目"))?;
        check_writer(actor, &project.town_code)?;
        let report_id = match month {
            Some(m) => repo::reports_for_project(&mut tx, project_id)
                .await?
                .into_iter()
                .find(|r| r.year == m.year() && i64::from(r.month) == i64::from(m.month()))
                .map(|r| r.id),
            None => None,
        };
        let dim = |v: u32| i32::try_from(v).ok();
        let new = NewPhoto {
            project_id,
            report_id,
            town_code: &project.town_code,
            sha256: &stored.sha256,
            content_type: stored.kind.content_type(),
            bytes: size,
            width: dim(stored.width),
            height: dim(stored.height),
            taken_at: stored.exif.taken_at.clone(),
            lat_e6: stored.exif.lat_e6,
            lon_e6: stored.exif.lon_e6,
            caption: &caption,
        };
        let id = repo::insert_photo(&mut tx, &new, Some(actor.id), now_ms()).await?;
        let row = repo::photo(&mut tx, actor.scope(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("照片"))?;
        let summary = match (month, report_id) {
            (Some(m), Some(_)) => {
                format!("项目“{}”上传进度照片（{}月报）", project.name, m.label_zh())
            }
            _ => format!("项目“{}”上传进度照片", project.name),
        };
        record(
            &mut tx,
            Some(actor),
            meta,
            Change::new("create", "photo", &id.to_string(), &project.town_code)
                .after(json!({
                    "project_id": project_id,
                    "report_id": report_id,
                    "caption": caption,
                    "sha256": stored.sha256,
                    "content_type": row.content_type,
                    "bytes": size,
                    "width": row.width,
                    "height": row.height,
                    "taken_at": row.taken_at,
                    "lat_e6": row.lat_e6,
                    "lon_e6": row.lon_e6,
                }))
                .summary(if caption.is_empty() {
                    summary
                } else {
                    format!("{summary}：{caption}")
                }),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A photo's bytes and content type, for whoever may see its project.
    pub async fn photo_file(
        &self,
        actor: &Actor,
        id: i64,
        variant: PhotoVariant,
    ) -> Result<(String, Vec<u8>)> {
        require_password_changed(actor)?;
        let row = {
            let mut tx = self.db().begin_read().await?;
            repo::photo(&mut tx, actor.scope(), id)
                .await?
                .ok_or_else(|| ServiceError::not_found("照片"))?
        };
        let path = photo_path(
            &self.config().files_dir,
            &row.sha256,
            &row.content_type,
            variant,
        );
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(photo = id, path = %path.display(), "photo file missing");
                return Err(ServiceError::not_found("照片文件"));
            }
            Err(e) => return Err(file_error(&path, e)),
        };
        let content_type = match variant {
            PhotoVariant::Original => row.content_type,
            PhotoVariant::Display | PhotoVariant::Thumb => "image/jpeg".to_owned(),
        };
        Ok((content_type, bytes))
    }
}

fn check_writer(actor: &Actor, town: &str) -> Result<()> {
    if may_write_projects(actor, &RegionCode::parse(town)?) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "只有本乡镇工作人员或上级美镇办可以上传进度照片",
        ))
    }
}

/// The message for a photo over the limit (also used by the web layer when
/// the body is cut off before it reaches the service).
pub fn too_large() -> ServiceError {
    ServiceError::invalid(
        "photo",
        format!("照片不能超过 {} MB", MAX_PHOTO_BYTES / 1024 / 1024),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(num: u32, denom: u32) -> exif::Rational {
        exif::Rational { num, denom }
    }

    #[test]
    fn gps_to_microdegrees_with_hemispheres() {
        let dms = [r(28, 1), r(51, 1), r(305, 10)];
        assert_eq!(dms_to_e6(&dms, Some(b"N"), 90.0), Some(28_858_472));
        assert_eq!(dms_to_e6(&dms, Some(b"S"), 90.0), Some(-28_858_472));
        let lon = [r(120, 1), r(44, 1), r(1525, 100)];
        assert_eq!(dms_to_e6(&lon, Some(b"E"), 180.0), Some(120_737_569));
        assert_eq!(dms_to_e6(&lon, Some(b"W"), 180.0), Some(-120_737_569));
        // Degrees with decimal minutes, as some phones write.
        assert_eq!(
            dms_to_e6(&[r(28, 1), r(515083, 10000)], None, 90.0),
            Some(28_858_472)
        );
        assert_eq!(dms_to_e6(&[r(28, 0), r(1, 1)], Some(b"N"), 90.0), None);
        assert_eq!(dms_to_e6(&[r(95, 1)], Some(b"N"), 90.0), None);
        assert_eq!(dms_to_e6(&[], Some(b"N"), 90.0), None);
    }

    #[test]
    fn exif_times() {
        assert_eq!(
            exif_time(b"2020:06:15 09:30:00").as_deref(),
            Some("2020-06-15 09:30:00")
        );
        assert_eq!(exif_time(b"2020:13:15 09:30:00"), None);
        assert_eq!(exif_time(b"    :  :     :  :  "), None);
        assert_eq!(exif_time(b"2020"), None);
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(Kind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(Kind::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(Kind::sniff(b"GIF89a"), None);
        assert_eq!(Kind::sniff(b"\xFF\xD8"), None);
        assert_eq!(Kind::sniff(b""), None);
    }

    #[test]
    fn copy_sizes() {
        assert_eq!(display_size(4000, 3000), (1600, 1200));
        assert_eq!(display_size(3000, 4000), (1200, 1600));
        assert_eq!(display_size(800, 600), (800, 600));
        assert_eq!(thumb_size(4000, 3000), (320, 240));
        assert_eq!(thumb_size(360, 480), (320, 427));
        assert_eq!(thumb_size(200, 100), (200, 100));
        assert_eq!(thumb_size(10_000, 10), (320, 1));
        assert_eq!(upright(4000, 3000, 6), (3000, 4000));
        assert_eq!(upright(4000, 3000, 3), (4000, 3000));
    }

    #[test]
    fn paths_are_content_addressed() {
        let sha = "ab".repeat(32);
        let p = photo_path(Path::new("/d"), &sha, "image/png", PhotoVariant::Original);
        assert_eq!(p, Path::new("/d/photos/ab").join(format!("{sha}.png")));
        let t = photo_path(Path::new("/d"), &sha, "image/png", PhotoVariant::Thumb);
        assert_eq!(
            t,
            Path::new("/d/photos/ab").join(format!("{sha}.thumb.jpg"))
        );
    }
}
