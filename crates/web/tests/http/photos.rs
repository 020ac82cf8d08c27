//! Progress photos over HTTP: a phone JPEG with EXIF (time, GPS, orientation)
//! uploaded through the API and the page, its three files, content-addressed
//! storage, scope, and bad uploads that leave nothing behind.

use super::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use std::path::Path;

// ---- building test photos ----------------------------------------------------------

/// One IFD entry: tag, type, count, value or offset (4 bytes, big-endian).
type Entry = (u16, u16, u32, [u8; 4]);

const BYTE: u16 = 1;
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

fn ifd(entries: &[Entry]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend((entries.len() as u16).to_be_bytes());
    for (tag, ty, count, value) in entries {
        v.extend(tag.to_be_bytes());
        v.extend(ty.to_be_bytes());
        v.extend(count.to_be_bytes());
        v.extend(value);
    }
    v.extend(0u32.to_be_bytes()); // no next IFD
    v
}

fn ifd_len(entries: usize) -> u32 {
    2 + 12 * entries as u32 + 4
}

fn rationals(parts: &[(u32, u32)]) -> Vec<u8> {
    parts
        .iter()
        .flat_map(|(n, d)| n.to_be_bytes().into_iter().chain(d.to_be_bytes()))
        .collect()
}

/// A big-endian TIFF block as phones write it: IFD0 (orientation, pointers)
/// → Exif IFD (DateTimeOriginal) and GPS IFD (latitude, longitude + refs).
fn exif_tiff(orientation: u16, taken: &str, lat: [(u32, u32); 3], lon: [(u32, u32); 3]) -> Vec<u8> {
    let ifd0_at = 8;
    let exif_at = ifd0_at + ifd_len(3);
    let time_at = exif_at + ifd_len(1);
    let gps_at = time_at + 20;
    let lat_at = gps_at + ifd_len(5);
    let lon_at = lat_at + 24;
    let mut short = [0u8; 4];
    short[..2].copy_from_slice(&orientation.to_be_bytes());
    let mut t = b"MM\0\x2a".to_vec();
    t.extend(ifd0_at.to_be_bytes());
    t.extend(ifd(&[
        (0x0112, SHORT, 1, short),
        (0x8769, LONG, 1, exif_at.to_be_bytes()),
        (0x8825, LONG, 1, gps_at.to_be_bytes()),
    ]));
    t.extend(ifd(&[(0x9003, ASCII, 20, time_at.to_be_bytes())]));
    let mut time = taken.as_bytes().to_vec();
    time.push(0);
    assert_eq!(time.len(), 20);
    t.extend(time);
    t.extend(ifd(&[
        (0x0000, BYTE, 4, [2, 3, 0, 0]),
        (0x0001, ASCII, 2, [b'N', 0, 0, 0]),
        (0x0002, RATIONAL, 3, lat_at.to_be_bytes()),
        (0x0003, ASCII, 2, [b'E', 0, 0, 0]),
        (0x0004, RATIONAL, 3, lon_at.to_be_bytes()),
    ]));
    t.extend(rationals(&lat));
    t.extend(rationals(&lon));
    assert_eq!(t.len() as u32, lon_at + 24);
    t
}

/// A `width`×`height` picture with a gradient (so JPEG has something to do).
fn picture(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    })
}

fn plain_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&picture(width, height))
        .expect("encode jpeg");
    out
}

/// A phone photo: JPEG stored landscape with orientation 6 (turn 90° to
/// view), taken 2020-06-15 09:30:00 at 28°51'30.5"N 120°44'15.25"E (白塔镇).
fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let jpeg = plain_jpeg(width, height);
    let tiff = exif_tiff(
        6,
        "2020:06:15 09:30:00",
        [(28, 1), (51, 1), (305, 10)],
        [(120, 1), (44, 1), (1525, 100)],
    );
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    // Right after SOI.
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// A PNG with transparency, wider than the display copy.
fn wide_png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, _| {
        image::Rgba([0, 96, 160, if x < width / 2 { 255 } else { 0 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

// ---- helpers ---------------------------------------------------------------------------

async fn new_project(c: &mut Client, code: &str) -> i64 {
    let r = c
        .send(
            Method::POST,
            "/api/v1/regions/331024103/projects",
            Some(json!({
                "code": code, "name": format!("{code} 老街立面改造"), "pillar": "环境美",
                "total_investment": "1000", "plans": [{"year": 2020, "amount": "600"}],
                "planned_start": "2020-03", "planned_finish": "2020-12"
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().expect("project id")
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn api_upload(c: &mut Client, project: i64, query: &str, bytes: Vec<u8>) -> Resp {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/projects/{project}/photos?{query}"))
        .header(header::CONTENT_TYPE, "application/octet-stream");
    if let Some(t) = &c.csrf {
        b = b.header("x-csrf-token", t);
    }
    c.request(b.body(Body::from(bytes)).expect("request")).await
}

/// The page's form: multipart, CSRF token in the action URL.
async fn page_upload(
    c: &mut Client,
    project: i64,
    file: (&str, &str, Vec<u8>),
    caption: &str,
    month: &str,
    with_csrf: bool,
) -> Resp {
    let boundary = "----meizhenTestBoundary7MA4YWxk";
    let (filename, content_type, bytes) = file;
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    for (name, value) in [("caption", caption), ("month", month)] {
        body.extend(
            format!(
                "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uri = match (&c.csrf, with_csrf) {
        (Some(t), true) => format!("/projects/{project}/photos?_csrf={}", enc(t)),
        _ => format!("/projects/{project}/photos"),
    };
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    c.request(req).await
}

async fn photos_of(c: &mut Client, project: i64) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/projects/{project}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["photos"].as_array().cloned().unwrap_or_default()
}

/// Files stored under `files_dir` (all variants).
fn stored_files(dir: &Path) -> usize {
    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            walk(&p)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir)
}

fn decoded(r: &Resp) -> image::DynamicImage {
    image::load_from_memory_with_format(&r.body, image::ImageFormat::Jpeg).expect("a JPEG")
}

fn has_exif(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\0\0")
}

fn header_of(r: &Resp, name: header::HeaderName) -> &str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

// ---- stories ---------------------------------------------------------------------------

#[tokio::test]
async fn phone_photo_with_exif_through_api_and_page() {
    on_each_engine(|app| async move {
        let files = app.services.config().files_dir.clone();
        let mut town = Client::login(&app, "xj.baita").await;
        let p = new_project(&mut town, "PH-01").await;
        let r = town
            .send(
                Method::PUT,
                &format!("/api/v1/projects/{p}/reports/2020-06"),
                // The demo may have locked June already: a reason makes it a correction.
                Some(json!({"cumulative_investment": "100", "status": "在建", "correction_reason": "补报"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report_id = r.json()["id"].as_i64().expect("report id");

        // Stored 480×360 with orientation 6: upright it is 360×480.
        let original = phone_jpeg(480, 360);
        let r = api_upload(
            &mut town,
            p,
            &format!("month=2020-06&caption={}", enc("老街东段立面完工")),
            original.clone(),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let photo = r.json();
        let id = photo["id"].as_i64().expect("photo id");
        assert_eq!(photo["taken_at"], "2020-06-15 09:30:00", "{photo}");
        assert_eq!(photo["lat_e6"], 28_858_472, "{photo}");
        assert_eq!(photo["lon_e6"], 120_737_569, "{photo}");
        assert_eq!((photo["width"].as_i64(), photo["height"].as_i64()), (Some(360), Some(480)));
        assert_eq!(photo["content_type"], "image/jpeg");
        assert_eq!(photo["bytes"], original.len() as i64);
        assert_eq!(photo["caption"], "老街东段立面完工");
        assert_eq!(photo["report_id"], report_id, "linked to June's report");
        assert_eq!(photo["town_code"], "331024103");

        // Thumbnail: JPEG, 320 wide, upright, EXIF stripped, privately cached.
        let t = town.get(&format!("/api/v1/photos/{id}/thumb")).await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.text());
        assert_eq!(header_of(&t, header::CONTENT_TYPE), "image/jpeg");
        assert_eq!(header_of(&t, header::CACHE_CONTROL), "private, max-age=86400");
        assert!(t.body.starts_with(&[0xFF, 0xD8, 0xFF]));
        let img = decoded(&t);
        assert!(img.width() <= 320);
        assert_eq!((img.width(), img.height()), (320, 427));
        assert!(!has_exif(&t.body), "no EXIF (no GPS) in the thumbnail");
        // Display copy: upright, not enlarged, no EXIF.
        let d = town.get(&format!("/api/v1/photos/{id}/display")).await;
        assert_eq!(d.status, StatusCode::OK);
        assert_eq!((decoded(&d).width(), decoded(&d).height()), (360, 480));
        assert!(!has_exif(&d.body));
        // Original: the very bytes uploaded.
        let o = town.get(&format!("/api/v1/photos/{id}/original")).await;
        assert_eq!(o.status, StatusCode::OK);
        assert_eq!(header_of(&o, header::CONTENT_TYPE), "image/jpeg");
        assert_eq!(o.body, original, "original comes back unchanged");
        assert_eq!(stored_files(&files), 3, "original, display copy, thumbnail");

        // The same photo again: a second record, the same stored file.
        let r = api_upload(&mut town, p, "", original.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let again = r.json();
        assert_ne!(again["id"], photo["id"]);
        assert_eq!(again["sha256"], photo["sha256"]);
        assert_eq!(again["report_id"], Value::Null);
        assert_eq!(stored_files(&files), 3, "identical uploads are stored once");
        assert_eq!(photos_of(&mut town, p).await.len(), 2);
        // A month without a report: the photo stays with the project only.
        let r = api_upload(&mut town, p, "month=2020-07", plain_jpeg(64, 48)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let plain = r.json();
        assert_eq!(plain["report_id"], Value::Null);
        assert_eq!(plain["taken_at"], Value::Null, "no EXIF, no time");
        assert_eq!(plain["lat_e6"], Value::Null);
        assert_eq!(stored_files(&files), 6);

        // Audit: every upload recorded with the project's town.
        let mut county = Client::login(&app, "xj.office").await;
        let audit = county.get("/api/v1/audit?entity=photo").await.json();
        assert_eq!(audit["total"], 3, "{audit}");
        assert_eq!(audit["items"][0]["region_code"], "331024103");

        // The page: a PNG with transparency from the phone's gallery, CSRF in the action URL.
        let png = wide_png(2000, 1000);
        let refused = page_upload(&mut town, p, ("a.png", "image/png", png.clone()), "", "", false).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "multipart without the token");
        let r = page_upload(
            &mut town,
            p,
            ("IMG_0001.png", "image/png", png),
            "污水管网铺设",
            "2020-06",
            true,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.location(), format!("/projects/{p}?done=saved#photos"));
        let list = photos_of(&mut town, p).await;
        assert_eq!(list.len(), 4);
        let png_photo = list
            .iter()
            .find(|ph| ph["caption"] == "污水管网铺设")
            .cloned()
            .expect("page upload listed");
        assert_eq!(png_photo["content_type"], "image/png");
        assert_eq!(png_photo["report_id"], report_id);
        let png_id = png_photo["id"].as_i64().expect("id");
        let d = town.get(&format!("/photos/{png_id}/display")).await;
        assert_eq!(d.status, StatusCode::OK);
        assert_eq!(header_of(&d, header::CACHE_CONTROL), "private, max-age=86400");
        assert_eq!((decoded(&d).width(), decoded(&d).height()), (1600, 800));
        let t = town.get(&format!("/photos/{png_id}/thumb")).await;
        assert_eq!((decoded(&t).width(), decoded(&t).height()), (320, 160));
        let o = town.get(&format!("/photos/{png_id}/original")).await;
        assert_eq!(header_of(&o, header::CONTENT_TYPE), "image/png");

        // The project page shows the thumbnails and the upload form.
        let page = town.get(&format!("/projects/{p}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains(&format!(
                "<a href=\"/photos/{id}/display\"><img src=\"/photos/{id}/thumb\" alt=\"老街东段立面完工\" width=\"320\" height=\"427\""
            )),
            "{html}"
        );
        assert!(html.contains("width=\"320\" height=\"160\""));
        assert!(html.contains("2020-06-15 09:30:00"));
        assert!(html.contains("北纬 28.858472°，东经 120.737569°"), "{html}");
        assert!(html.contains("capture=\"environment\""));
        assert!(html.contains("accept=\"image/*\""));
        assert!(html.contains(&format!("action=\"/projects/{p}/photos?_csrf=")));
        // A reader in scope sees the photos but gets no form.
        let mut county_page = county.get(&format!("/projects/{p}")).await.text();
        assert!(county_page.contains(&format!("/photos/{id}/thumb")));
        let mut leader = Client::login(&app, "tz.leader").await;
        county_page = leader.get(&format!("/projects/{p}")).await.text();
        assert!(county_page.contains(&format!("/photos/{id}/thumb")));
        assert!(!county_page.contains("capture=\"environment\""), "no upload form for a leader");

        // The OpenAPI document describes the routes, with image responses.
        let doc = town.get("/api/v1/openapi.json").await.json();
        let up = &doc["paths"]["/api/v1/projects/{id}/photos"]["post"];
        assert!(up["requestBody"]["content"]["image/*"].is_object(), "{up}");
        assert!(up["responses"]["201"]["content"]["application/json"].is_object());
        for v in ["thumb", "display"] {
            let g = &doc["paths"][format!("/api/v1/photos/{{id}}/{v}").as_str()]["get"];
            assert!(g["responses"]["200"]["content"]["image/jpeg"].is_object(), "{v}: {g}");
        }
        assert!(doc["components"]["schemas"]["Photo"]["properties"]["lat_e6"].is_object());
    })
    .await;
}

#[tokio::test]
async fn photos_stay_in_scope() {
    on_each_engine(|app| async move {
        let files = app.services.config().files_dir.clone();
        let mut town = Client::login(&app, "xj.baita").await;
        let p = new_project(&mut town, "PH-02").await;
        let r = api_upload(&mut town, p, "caption=x", phone_jpeg(64, 48)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().expect("id");
        let stored = stored_files(&files);

        // Another town of the county, another county: the photo does not exist.
        for user in ["xj.hengxi", "yh.office"] {
            let mut c = Client::login(&app, user).await;
            for v in ["thumb", "display", "original"] {
                let r = c.get(&format!("/api/v1/photos/{id}/{v}")).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} {v}");
                assert_eq!(r.error_code(), "not_found");
                let r = c.get(&format!("/photos/{id}/{v}")).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} page {v}");
                assert!(!r.text().contains("JFIF"));
            }
            let r = api_upload(&mut c, p, "", phone_jpeg(32, 32)).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{user} upload: {}",
                r.text()
            );
            let r = page_upload(
                &mut c,
                p,
                ("a.jpg", "image/jpeg", phone_jpeg(32, 32)),
                "",
                "",
                true,
            )
            .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} page upload");
        }
        // The town's grid worker sees it but may not add photos.
        let mut grid = Client::login(&app, "xj.baita.grid").await;
        assert_eq!(
            grid.get(&format!("/api/v1/photos/{id}/thumb")).await.status,
            StatusCode::OK
        );
        let r = api_upload(&mut grid, p, "", plain_jpeg(32, 32)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        // Nothing was added by the refused uploads.
        assert_eq!(photos_of(&mut town, p).await.len(), 1);
        assert_eq!(stored_files(&files), stored);
        // The county office above the town may add photos.
        let mut county = Client::login(&app, "xj.office").await;
        let r = api_upload(&mut county, p, "", plain_jpeg(40, 30)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        // Without a session: 401 for the API, the login page for pages.
        let mut anon = Client::new(&app);
        assert_eq!(
            anon.get(&format!("/api/v1/photos/{id}/thumb")).await.status,
            StatusCode::UNAUTHORIZED
        );
        let r = anon.get(&format!("/photos/{id}/thumb")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login"));
    })
    .await;
}

#[tokio::test]
async fn bad_uploads_write_nothing() {
    on_each_engine(|app| async move {
        let files = app.services.config().files_dir.clone();
        let mut town = Client::login(&app, "xj.baita").await;
        let p = new_project(&mut town, "PH-03").await;
        let before = photos_of(&mut town, p).await.len();

        // A text file, whatever it claims to be.
        let r = api_upload(&mut town, p, "", "这不是照片\n".repeat(50).into_bytes()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"]["message"], "文件不是 JPEG 或 PNG 图片");
        assert_eq!(r.json()["error"]["field"], "photo");
        // The page answers with the project page and the same message.
        let r = page_upload(
            &mut town,
            p,
            ("notes.jpg", "image/jpeg", b"hello".to_vec()),
            "",
            "",
            true,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().contains("文件不是 JPEG 或 PNG 图片"),
            "{}",
            r.text()
        );
        // JPEG magic bytes, then garbage.
        let mut broken = vec![0xFF, 0xD8, 0xFF, 0xE0];
        broken.extend(b"garbage, not a picture".repeat(20));
        let r = api_upload(&mut town, p, "", broken).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("图片已损坏")),
            "{}",
            r.text()
        );
        // Over 15 MB (under the 20 MB transport limit): refused by the service.
        let mut big = plain_jpeg(16, 16);
        big.resize(15 * 1024 * 1024 + 1, 0);
        let r = api_upload(&mut town, p, "", big).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"]["message"], "照片不能超过 15 MB");
        // Over the transport limit: 413 with the same clear message.
        let mut huge = plain_jpeg(16, 16);
        huge.resize(21 * 1024 * 1024, 0);
        let r = api_upload(&mut town, p, "", huge.clone()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
        assert_eq!(r.error_code(), "payload_too_large");
        assert_eq!(r.json()["error"]["message"], "照片不能超过 15 MB");
        let r = page_upload(&mut town, p, ("big.jpg", "image/jpeg", huge), "", "", true).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r.text().contains("照片不能超过 15 MB"), "{}", r.text());
        // Empty body, bad month, over-long caption.
        let r = api_upload(&mut town, p, "", Vec::new()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["message"], "请选择要上传的照片");
        let r = api_upload(&mut town, p, "month=2020-13", plain_jpeg(16, 16)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let r = api_upload(
            &mut town,
            p,
            &format!("caption={}", enc(&"长".repeat(201))),
            plain_jpeg(16, 16),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["field"], "caption");
        // A project that does not exist.
        let r = api_upload(&mut town, 999_999, "", plain_jpeg(16, 16)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        assert_eq!(photos_of(&mut town, p).await.len(), before, "no rows");
        assert_eq!(stored_files(&files), 0, "no files");
        let mut county = Client::login(&app, "xj.office").await;
        assert_eq!(
            county.get("/api/v1/audit?entity=photo").await.json()["total"],
            0
        );
    })
    .await;
}
