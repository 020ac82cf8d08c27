//! The project commands scripts rely on: `export projects`, `import projects
//! --json`, `report progress`, run as the real binary on the 台州 demo.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_meizhen"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("meizhen_project_cli_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn export_import_round_trip_and_word_report() {
    let dir = temp_dir("roundtrip");
    let data = dir.join("data");
    let d = data.to_str().expect("utf-8 path");
    let (ok, out, err) = run(&["--data-dir", d, "demo", "--password", "Demo-2020-tz"]);
    assert!(ok, "demo: {out}{err}");
    // The demo prints its project library; the export must carry the same count.
    let projects: u64 = out
        .split("2020 年项目 ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("demo prints its project count: {out}"));
    let xlsx = dir.join("tz.xlsx");
    let (ok, out, err) = run(&[
        "--data-dir",
        d,
        "export",
        "projects",
        "--region",
        "3310",
        "--year",
        "2020",
        "-o",
        xlsx.to_str().expect("path"),
    ]);
    assert!(ok, "export: {out}{err}");
    assert!(out.contains("已导出"), "{out}");
    let exported: u64 = out
        .split("已导出 ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(exported > 1_000, "{out}");
    assert_eq!(exported, projects, "demo said {projects}");
    // A summary sheet with a native Excel chart rides along.
    let raw = std::fs::read(&xlsx).expect("xlsx");
    assert!(
        String::from_utf8_lossy(&raw).contains("xl/charts/chart1.xml"),
        "native chart"
    );
    // Importing the exported ledger again (dry run) updates every project and rejects nothing:
    // 小计 and 合计 rows are recognised, amounts and towns read back exactly.
    let (ok, out, err) = run(&[
        "--data-dir",
        d,
        "import",
        "projects",
        xlsx.to_str().expect("path"),
        "--year",
        "2020",
        "--dry-run",
        "--json",
    ]);
    assert!(ok, "import: {out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json on stdout");
    assert_eq!(v["imported"], 0, "{v}");
    assert_eq!(v["updated"].as_u64(), Some(exported), "{v}");
    assert_eq!(v["rejected"], serde_json::json!([]));
    assert_eq!(v["duplicates"], serde_json::json!([]));
    // A file that is not a workbook: a Chinese error and a failing exit code.
    let bad = dir.join("bad.xlsx");
    std::fs::write(&bad, "not a workbook").expect("write");
    let (ok, _, err) = run(&[
        "--data-dir",
        d,
        "import",
        "projects",
        bad.to_str().expect("path"),
        "--year",
        "2020",
    ]);
    assert!(!ok && err.contains("不是 Excel"), "{err}");
    // The Word report: a zip with a document and native charts naming the counties.
    let docx = dir.join("tz.docx");
    let (ok, out, err) = run(&[
        "--data-dir",
        d,
        "report",
        "progress",
        "--region",
        "3310",
        "--month",
        "2020-12",
        "-o",
        docx.to_str().expect("path"),
    ]);
    assert!(ok, "report: {out}{err}");
    let bytes = std::fs::read(&docx).expect("docx written");
    assert_eq!(&bytes[..2], b"PK", "a zip package");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("word/charts/chart1.xml") && text.contains("word/document.xml"));
    // The demo's December progress photos are in it.
    assert!(text.contains("word/media/"), "photos embedded");
    // A region outside Zhejiang's data, or a month with no data, is a clear error.
    let (ok, _, err) = run(&[
        "--data-dir",
        d,
        "report",
        "progress",
        "--region",
        "3310",
        "--month",
        "2019-12",
        "-o",
        docx.to_str().expect("path"),
    ]);
    assert!(!ok && err.contains("没有项目数据"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
