//! `meizhen report notice`: the 暗访通报 of a published round written as Word
//! (and Excel) by the real binary, on a data folder the test prepares: the
//! 台州 demo loaded by the binary, then a round planned, inspected (with a
//! photo) and published through the services. And the 季度动态考核通报
//! (`--quarter … --region …`) of a quarter the demo publishes; exactly one of
//! the two modes.

use meizhen_service::inspections::{FindingInput, PhotoUpload, RoundInput};
use meizhen_service::{Actor, Db, RequestMeta, ServiceConfig, Services};
use std::path::{Path, PathBuf};
use std::process::Command;

const PASSWORD: &str = "Demo-2020-tz";
/// A real photo (480 × 360 JPEG) shipped with the documents tests.
const PHOTO: &[u8] = include_bytes!("../../documents/tests/fixtures/site_landscape.jpg");

/// A folder under the system temp folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "meizhen_notice_cli_{name}_{}_{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_meizhen"))
        .args(args)
        .env_remove("MEIZHEN_DATABASE_URL")
        .env_remove("MEIZHEN_CONFIG")
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn meta() -> RequestMeta {
    RequestMeta {
        address: "cli-test".into(),
    }
}

async fn login(services: &Services, username: &str) -> Actor {
    services
        .login(username, PASSWORD, &meta())
        .await
        .unwrap_or_else(|e| panic!("login {username}: {e}"))
        .0
}

/// Two rounds of 台州 on the data folder: (published, planned) ids.
async fn prepare(data: &Path) -> (i64, i64) {
    let db = Db::connect(&Db::sqlite_url_for(data))
        .await
        .expect("open the demo database");
    let services = Services::new(
        db.clone(),
        ServiceConfig {
            files_dir: data.join("files"),
            ..ServiceConfig::default()
        },
    );
    let office = login(&services, "tz.office").await;
    let mut ids = Vec::new();
    for (name, publish) in [("2020年第三季度暗访", true), ("2020年第三季度复查", false)]
    {
        let round = services
            .create_round(
                &office,
                &RoundInput {
                    name: name.into(),
                    quarter: "2020Q3".into(),
                    starts_on: "2020-09-01".into(),
                    ends_on: "2020-09-10".into(),
                    towns: vec!["331024103".into(), "331083102".into()],
                    sample: None,
                },
                &meta(),
            )
            .await
            .expect("create round");
        let view = services.round_view(&office, round.id).await.expect("round");
        let baita = view
            .inspections
            .iter()
            .find(|i| i.row.town_code == "331024103")
            .expect("白塔镇 in the round");
        // The owner office may record findings itself.
        services
            .record_finding(
                &office,
                baita.row.id,
                &FindingInput {
                    client_id: format!("cli-notice-{}", round.id),
                    item_code: "HJ02".into(),
                    place: "白塔镇人民路".into(),
                    ..Default::default()
                },
                vec![PhotoUpload {
                    bytes: PHOTO.to_vec(),
                    caption: "垃圾堆放".into(),
                }],
                &meta(),
            )
            .await
            .expect("record finding");
        if publish {
            services
                .publish_round(&office, round.id, &meta())
                .await
                .expect("publish");
        }
        ids.push(round.id);
    }
    db.close().await;
    (ids[0], ids[1])
}

/// A zip file (DOCX, XLSX) that names `part` in its central directory.
fn zip_with(bytes: &[u8], part: &str) -> bool {
    bytes.starts_with(b"PK\x03\x04") && bytes.windows(part.len()).any(|w| w == part.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn report_notice_writes_word_and_excel() {
    let dir = TempDir::new("notice");
    let data = dir.0.join("data");
    let d = data.to_str().expect("utf-8 path");
    let (ok, out, err) = run(&["--data-dir", d, "demo", "--password", PASSWORD]);
    assert!(ok, "demo: {out}{err}");
    let (published, planned) = prepare(&data).await;

    let docx = dir.0.join("通报.docx");
    let xlsx = dir.0.join("通报.xlsx");
    let round = published.to_string();
    let (ok, out, err) = run(&[
        "--data-dir",
        d,
        "report",
        "notice",
        "--round",
        &round,
        "-o",
        docx.to_str().expect("path"),
        "--xlsx",
        xlsx.to_str().expect("path"),
    ]);
    assert!(ok, "report notice: {out}{err}");
    assert!(out.contains("已生成暗访通报"), "{out}");
    assert!(out.contains("已生成通报附表"), "{out}");
    let bytes = std::fs::read(&docx).expect("docx written");
    assert!(zip_with(&bytes, "word/document.xml"), "a DOCX package");
    assert!(zip_with(&bytes, "word/media/image1.jpeg"), "with the photo");
    let bytes = std::fs::read(&xlsx).expect("xlsx written");
    assert!(zip_with(&bytes, "xl/worksheets/sheet3.xml"), "three sheets");

    // Without --xlsx only the Word file.
    let only = dir.0.join("only.docx");
    let (ok, out, err) = run(&[
        "--data-dir",
        d,
        "report",
        "notice",
        "--round",
        &round,
        "-o",
        only.to_str().expect("path"),
    ]);
    assert!(ok, "{out}{err}");
    assert!(!out.contains("通报附表"), "{out}");
    assert!(only.exists());

    // A round not yet published, and one that does not exist: refused, no file.
    let refused = dir.0.join("refused.docx");
    for (id, message) in [
        (planned.to_string(), "暗访结果发布后才能生成通报"),
        ("999999".to_owned(), "不存在"),
    ] {
        let (ok, out, err) = run(&[
            "--data-dir",
            d,
            "report",
            "notice",
            "--round",
            &id,
            "-o",
            refused.to_str().expect("path"),
        ]);
        assert!(!ok, "round {id}: {out}");
        assert!(err.contains(message), "round {id}: {err}");
        assert!(!refused.exists());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn report_notice_of_a_quarter() {
    let dir = TempDir::new("quarter");
    let data = dir.0.join("data");
    let d = data.to_str().expect("utf-8 path");
    // The demo publishes 台州's four quarterly assessments of 2020.
    let (ok, out, err) = run(&["--data-dir", d, "demo", "--password", PASSWORD]);
    assert!(ok, "demo: {out}{err}");

    let docx = dir.0.join("季度通报.docx");
    let xlsx = dir.0.join("季度通报.xlsx");
    let (ok, out, err) = run(&[
        "--data-dir",
        d,
        "report",
        "notice",
        "--quarter",
        "2020Q3",
        "--region",
        "3310",
        "-o",
        docx.to_str().expect("path"),
        "--xlsx",
        xlsx.to_str().expect("path"),
    ]);
    assert!(ok, "report notice --quarter: {out}{err}");
    assert!(out.contains("已生成2020年第三季度动态考核通报"), "{out}");
    assert!(out.contains("已生成考核通报附表"), "{out}");
    let bytes = std::fs::read(&docx).expect("docx written");
    assert!(zip_with(&bytes, "word/document.xml"), "a DOCX package");
    assert!(
        zip_with(&bytes, "word/charts/chart1.xml"),
        "with the county chart"
    );
    assert!(
        !zip_with(&bytes, "word/media/"),
        "no photos in the quarterly notice"
    );
    let bytes = std::fs::read(&xlsx).expect("xlsx written");
    assert!(zip_with(&bytes, "xl/worksheets/sheet3.xml"), "three sheets");

    // Exactly one mode; a quarter not published is refused; no file written.
    let refused = dir.0.join("refused.docx");
    let o = refused.to_str().expect("path");
    for (args, message) in [
        (
            vec!["--round", "1", "--quarter", "2020Q3", "--region", "3310"],
            "只能选一种",
        ),
        (
            vec!["--quarter", "2020Q3"],
            "须同时指定 --quarter 和 --region",
        ),
        (vec!["--region", "3310"], "须同时指定 --quarter 和 --region"),
        (vec![], "请指定 --round"),
        (vec!["--quarter", "2020Q9", "--region", "3310"], "季度"),
        (
            vec!["--quarter", "2021Q1", "--region", "3310"],
            "季度考核结果发布后才能生成通报",
        ),
    ] {
        let mut all = vec!["--data-dir", d, "report", "notice"];
        all.extend(&args);
        all.extend(["-o", o]);
        let (ok, out, err) = run(&all);
        assert!(!ok, "{args:?}: {out}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!refused.exists());
    }
}
