//! Looks inside the written DOCX package: parts, content types and
//! relationships, well-formed XML, the ranking table, the charts (and the
//! workbooks embedded with them), the photos and their captions.
//!
//! To look at a rendering, run the ignored test
//!
//! ```text
//! cargo test -p meizhen-documents --test docx -- --ignored --nocapture
//! ```
//!
//! which writes `progress_report.docx` and, when LibreOffice is installed,
//! `progress_report.pdf` under `target/tmp/docx/`; then e.g.
//! `pdftoppm -png -r 60 target/tmp/docx/progress_report.pdf /tmp/page`.

use std::collections::BTreeMap;
use std::error::Error;
use std::io::{Cursor, Read};
use std::time::Instant;

use calamine::{Data, Reader, Xlsx};
use meizhen_documents::{
    progress_report_docx, BarChart, DocumentError, LineChart, Photo, ProgressReport,
    RankingHeaders, RankingRow, ReportHeadings,
};
use quick_xml::events::Event;

type TestResult = Result<(), Box<dyn Error>>;

const LANDSCAPE_JPEG: &[u8] = include_bytes!("fixtures/site_landscape.jpg");
const PORTRAIT_PNG: &[u8] = include_bytes!("fixtures/site_portrait.png");

const AREAS: [&str; 9] = [
    "椒江区",
    "黄岩区",
    "路桥区",
    "临海市",
    "温岭市",
    "玉环市",
    "天台县",
    "仙居县",
    "三门县",
];

fn ranking_row(rank: usize, name: &str) -> RankingRow {
    let projects = 300 - rank as i64 * 17;
    RankingRow {
        rank: rank.to_string(),
        name: name.to_owned(),
        projects,
        start_rate: format!("{:.2}%", 100.0 - rank as f64 * 0.37),
        completion_rate: format!("{:.2}%", 60.0 - rank as f64 * 2.1),
        planned_wan: format!("{:.2}", 150_000.0 - rank as f64 * 9_876.5),
        completed_wan: format!("{:.2}", 140_000.0 - rank as f64 * 10_123.25),
        investment_rate: format!("{:.2}%", 98.0 - rank as f64 * 1.9),
        change: match rank % 3 {
            0 => "—".to_owned(),
            1 => format!("↑{}", rank % 4 + 1),
            _ => "↓1".to_owned(),
        },
    }
}

fn report() -> ProgressReport {
    let months: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
    ProgressReport {
        title: "台州市美丽城镇建设项目进度月报".into(),
        subtitle: "2020年12月".into(),
        issuer: "台州市美丽城镇建设工作领导小组办公室".into(),
        date_text: "2021年1月5日".into(),
        headings: ReportHeadings {
            overview: "一、总体进展情况".into(),
            ranking: "二、各县（市、区）推进情况".into(),
            charts: "三、投资完成情况".into(),
            photos: "四、建设现场".into(),
            closing: "五、下步工作".into(),
        },
        headline: vec![
            "截至12月底，全市共有项目2086个，已开工2035个，开工率97.56%；已完工1436个，完工率68.84%。".into(),
            "全年计划投资1234567.89万元，已完成1187654.32万元，投资完成率96.20%。".into(),
        ],
        ranking_title: "各县（市、区）美丽城镇建设项目推进情况排名".into(),
        ranking_headers: RankingHeaders::default(),
        ranking: AREAS
            .iter()
            .enumerate()
            .map(|(i, name)| ranking_row(i + 1, name))
            .collect(),
        total_row: Some(RankingRow {
            rank: String::new(),
            name: "全市合计".into(),
            projects: 2086,
            start_rate: "97.56%".into(),
            completion_rate: "68.84%".into(),
            planned_wan: "1234567.89".into(),
            completed_wan: "1187654.32".into(),
            investment_rate: "96.20%".into(),
            change: String::new(),
        }),
        rate_chart: BarChart {
            title: "各县（市、区）项目推进率".into(),
            categories: AREAS.iter().map(|s| (*s).to_owned()).collect(),
            series: vec![
                (
                    "开工率".into(),
                    (0..9).map(|i| 0.9756 + f64::from(i) * 0.0027).collect(),
                ),
                (
                    "完工率".into(),
                    (0..9).map(|i| 0.6884 - f64::from(i) * 0.021).collect(),
                ),
                (
                    "投资完成率".into(),
                    (0..9).map(|i| 0.9620 - f64::from(i) * 0.019).collect(),
                ),
            ],
            percent: true,
        },
        trend_chart: LineChart {
            title: "全市月度累计完成投资（万元）".into(),
            categories: months,
            series: vec![
                (
                    "2020年".into(),
                    (1..=12).map(|m| Some(f64::from(m) * 98_970.5)).collect(),
                ),
                (
                    "计划".into(),
                    (1..=12)
                        .map(|m| (m != 6).then_some(f64::from(m) * 102_880.66))
                        .collect(),
                ),
            ],
        },
        photos: vec![
            Photo {
                bytes: LANDSCAPE_JPEG.to_vec(),
                caption: "椒江区章安街道老街立面改造".into(),
                width_px: 480,
                height_px: 360,
            },
            Photo {
                bytes: PORTRAIT_PNG.to_vec(),
                caption: "黄岩区宁溪镇污水管网施工现场".into(),
                width_px: 0, // read from the PNG header: 300 × 400
                height_px: 0,
            },
            Photo {
                bytes: LANDSCAPE_JPEG.to_vec(),
                caption: "路桥区金清镇游客中心".into(),
                width_px: 0, // from the JPEG header
                height_px: 0,
            },
        ],
        closing: vec![
            "一是加快扫尾项目进度，确保全年目标任务全面完成。".into(),
            "二是做好2021年度项目谋划储备工作。".into(),
        ],
    }
}

// ---------------------------------------------------------------------------
// Package helpers

/// Part name → bytes.
fn unzip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, Box<dyn Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut parts = BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index)?;
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        parts.insert(file.name().to_owned(), data);
    }
    Ok(parts)
}

fn text_part(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<String, Box<dyn Error>> {
    let data = parts.get(name).ok_or_else(|| format!("no part {name}"))?;
    Ok(String::from_utf8(data.clone())?)
}

/// A parsed XML element.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    /// Text directly inside this element.
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All descendants (and self) named `name`, in document order.
    fn find_all<'a>(&'a self, name: &str, found: &mut Vec<&'a Node>) {
        if self.name == name {
            found.push(self);
        }
        for child in &self.children {
            child.find_all(name, found);
        }
    }

    fn all(&self, name: &str) -> Vec<&Node> {
        let mut found = Vec::new();
        self.find_all(name, &mut found);
        found
    }

    fn first(&self, name: &str) -> Result<&Node, Box<dyn Error>> {
        self.all(name)
            .into_iter()
            .next()
            .ok_or_else(|| format!("no <{name}> in <{}>", self.name).into())
    }

    /// All text inside, concatenated.
    fn all_text(&self) -> String {
        let mut out = self.text.clone();
        for child in &self.children {
            out.push_str(&child.all_text());
        }
        out
    }

    fn children_named(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// Parses `xml`, failing unless it is well-formed: one root element, every
/// start tag closed by the matching end tag, valid attributes and entity
/// references, nothing but whitespace outside the root, an XML declaration.
fn parse(xml: &str) -> Result<Node, Box<dyn Error>> {
    if !xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>") {
        return Err("missing XML declaration".into());
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event()?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err("a second root element".into());
                }
                let mut node = Node {
                    name: String::from_utf8(e.name().as_ref().to_vec())?,
                    ..Node::default()
                };
                for attr in e.attributes() {
                    let attr = attr?;
                    node.attrs.push((
                        String::from_utf8(attr.key.as_ref().to_vec())?,
                        attr.decode_and_unescape_value(reader.decoder())?
                            .into_owned(),
                    ));
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(node);
                } else if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                } else {
                    root = Some(node);
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the names match.
                let node = stack.pop().ok_or("end tag without start")?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                } else {
                    root = Some(node);
                }
            }
            Event::Text(t) => {
                let text = t.unescape()?;
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err("text outside the root element".into()),
                }
            }
            Event::CData(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {
                return Err(format!("unexpected {event:?}").into());
            }
            Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(format!("{} unclosed element(s)", stack.len()).into());
    }
    root.ok_or_else(|| "no root element".into())
}

/// Resolves a relationship target against the folder of its source part.
fn resolve(source_dir: &str, target: &str) -> String {
    let mut segments: Vec<&str> = if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_owned();
    } else {
        source_dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for segment in target.split('/') {
        match segment {
            ".." => {
                segments.pop();
            }
            "." | "" => {}
            s => segments.push(s),
        }
    }
    segments.join("/")
}

/// Checks an OPC package: every XML part is well-formed; every part has a
/// content type; every relationship's source and target exist; every part
/// is reachable through relationships. Recurses into embedded packages.
/// Returns the parts.
fn check_package(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, Box<dyn Error>> {
    let parts = unzip(bytes)?;
    let types = parse(&text_part(&parts, "[Content_Types].xml")?)?;
    let mut defaults = BTreeMap::new();
    for d in types.children_named("Default") {
        defaults.insert(
            d.attr("Extension")
                .ok_or("Default without Extension")?
                .to_lowercase(),
            d.attr("ContentType")
                .ok_or("Default without ContentType")?
                .to_owned(),
        );
    }
    let mut overrides = BTreeMap::new();
    for o in types.children_named("Override") {
        let name = o.attr("PartName").ok_or("Override without PartName")?;
        let name = name.strip_prefix('/').ok_or("PartName must start with /")?;
        if !parts.contains_key(name) {
            return Err(format!("override for missing part {name}").into());
        }
        overrides.insert(
            name.to_owned(),
            o.attr("ContentType")
                .ok_or("Override without ContentType")?
                .to_owned(),
        );
    }
    let content_type = |name: &str| -> Option<String> {
        overrides.get(name).cloned().or_else(|| {
            let ext = name.rsplit_once('.')?.1.to_lowercase();
            defaults.get(&ext).cloned()
        })
    };

    let mut reachable = vec!["[Content_Types].xml".to_owned()];
    for (name, data) in &parts {
        if name == "[Content_Types].xml" {
            continue;
        }
        let ct = content_type(name).ok_or_else(|| format!("{name} has no content type"))?;
        if ct.ends_with("xml") {
            let xml = std::str::from_utf8(data)?;
            parse(xml).map_err(|e| format!("{name} is not well-formed: {e}"))?;
        }
        if ct == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
            check_package(data).map_err(|e| format!("embedded {name}: {e}"))?;
        }
        if !name.ends_with(".rels") {
            continue;
        }
        reachable.push(name.clone());
        // "word/_rels/document.xml.rels" belongs to "word/document.xml".
        let (dir, file) = name.rsplit_once("_rels/").ok_or("rels outside _rels/")?;
        let source = format!("{dir}{}", file.trim_end_matches(".rels"));
        if !dir.is_empty() && !parts.contains_key(&source) {
            return Err(format!("{name}: source part {source} is missing").into());
        }
        let rels = parse(std::str::from_utf8(data)?)?;
        let mut ids = Vec::new();
        for rel in rels.children_named("Relationship") {
            let id = rel.attr("Id").ok_or("Relationship without Id")?;
            if ids.contains(&id) {
                return Err(format!("{name}: duplicate id {id}").into());
            }
            ids.push(id);
            rel.attr("Type").ok_or("Relationship without Type")?;
            if rel.attr("TargetMode") == Some("External") {
                continue;
            }
            let target = resolve(dir, rel.attr("Target").ok_or("no Target")?);
            if !parts.contains_key(&target) {
                return Err(format!("{name}: target {target} is missing").into());
            }
            content_type(&target).ok_or_else(|| format!("{target} has no content type"))?;
            reachable.push(target);
        }
    }
    for name in parts.keys() {
        if !reachable.contains(name) {
            return Err(format!("{name} is not the target of any relationship").into());
        }
    }
    Ok(parts)
}

fn document(parts: &BTreeMap<String, Vec<u8>>) -> Result<Node, Box<dyn Error>> {
    parse(&text_part(parts, "word/document.xml")?)
}

fn embedded_sheet(data: &[u8]) -> Result<calamine::Range<Data>, Box<dyn Error>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(data.to_vec()))?;
    Ok(book.worksheet_range("Sheet1")?)
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn package_is_complete_and_well_formed() -> TestResult {
    let bytes = progress_report_docx(&report())?;
    let parts = check_package(&bytes)?;
    let names: Vec<&str> = parts.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "word/_rels/document.xml.rels",
            "word/charts/_rels/chart1.xml.rels",
            "word/charts/_rels/chart2.xml.rels",
            "word/charts/chart1.xml",
            "word/charts/chart2.xml",
            "word/document.xml",
            "word/embeddings/Microsoft_Excel_Worksheet1.xlsx",
            "word/embeddings/Microsoft_Excel_Worksheet2.xlsx",
            "word/fontTable.xml",
            "word/footer1.xml",
            "word/media/image1.jpeg",
            "word/media/image2.png",
            "word/media/image3.jpeg",
            "word/settings.xml",
            "word/styles.xml",
        ]
    );

    // [Content_Types].xml is the first entry, as Office writes it.
    let archive = zip::ZipArchive::new(Cursor::new(&bytes))?;
    assert_eq!(archive.name_for_index(0), Some("[Content_Types].xml"));

    let core = parse(&text_part(&parts, "docProps/core.xml")?)?;
    assert_eq!(
        core.first("dc:title")?.text,
        "台州市美丽城镇建设项目进度月报"
    );
    assert_eq!(
        core.first("dc:creator")?.text,
        "台州市美丽城镇建设工作领导小组办公室"
    );
    Ok(())
}

#[test]
fn page_setup_styles_and_footer() -> TestResult {
    let parts = check_package(&progress_report_docx(&report())?)?;
    let doc = document(&parts)?;
    let body = doc.first("w:body")?;
    let sect = body.children.last().ok_or("empty body")?;
    assert_eq!(sect.name, "w:sectPr");
    // The last block before the section properties is a paragraph.
    assert_eq!(body.children[body.children.len() - 2].name, "w:p");

    let size = sect.first("w:pgSz")?;
    assert_eq!(size.attr("w:w"), Some("11906"));
    assert_eq!(size.attr("w:h"), Some("16838"));
    assert_eq!(size.attr("w:orient"), None);
    let margins = sect.first("w:pgMar")?;
    // 37, 35, 28 and 26 mm in twips.
    assert_eq!(margins.attr("w:top"), Some("2098"));
    assert_eq!(margins.attr("w:bottom"), Some("1984"));
    assert_eq!(margins.attr("w:left"), Some("1587"));
    assert_eq!(margins.attr("w:right"), Some("1474"));
    assert_eq!(sect.first("w:footerReference")?.attr("r:id"), Some("rId4"));

    let footer = parse(&text_part(&parts, "word/footer1.xml")?)?;
    assert_eq!(footer.first("w:instrText")?.text.trim(), "PAGE");
    let shown: String = footer.all("w:t").iter().map(|t| t.text.as_str()).collect();
    assert_eq!(shown, "— 1 —");

    let styles = parse(&text_part(&parts, "word/styles.xml")?)?;
    let style = |id: &str| -> Result<&Node, Box<dyn Error>> {
        styles
            .children_named("w:style")
            .into_iter()
            .find(|s| s.attr("w:styleId") == Some(id))
            .ok_or_else(|| format!("no style {id}").into())
    };
    let defaults = styles.first("w:docDefaults")?;
    assert_eq!(
        defaults.first("w:rFonts")?.attr("w:eastAsia"),
        Some("仿宋_GB2312")
    );
    assert_eq!(
        defaults.first("w:rFonts")?.attr("w:ascii"),
        Some("Times New Roman")
    );
    assert_eq!(defaults.first("w:sz")?.attr("w:val"), Some("32"));
    let title = style("Title")?;
    assert_eq!(
        title.first("w:rFonts")?.attr("w:eastAsia"),
        Some("方正小标宋简体")
    );
    assert_eq!(title.first("w:sz")?.attr("w:val"), Some("44"));
    let heading = style("Heading1")?;
    assert_eq!(heading.first("w:rFonts")?.attr("w:eastAsia"), Some("黑体"));
    assert_eq!(heading.first("w:outlineLvl")?.attr("w:val"), Some("0"));
    let table = style("TableText")?;
    assert_eq!(table.first("w:rFonts")?.attr("w:eastAsia"), Some("宋体"));
    assert_eq!(table.first("w:sz")?.attr("w:val"), Some("21"));

    // Every paragraph style used in the document and footer is defined.
    for root in [&doc, &footer] {
        for used in root.all("w:pStyle") {
            style(used.attr("w:val").ok_or("pStyle without val")?)?;
        }
    }

    // Headings and front matter in order.
    let texts: Vec<(String, String)> = body
        .children_named("w:p")
        .iter()
        .filter_map(|p| {
            let style = p.all("w:pStyle").first()?.attr("w:val")?.to_owned();
            Some((style, p.all_text()))
        })
        .filter(|(style, _)| style != "BodyText" && style != "Figure" && style != "Spacer")
        .collect();
    let expected = [
        ("Title", "台州市美丽城镇建设项目进度月报"),
        ("Subtitle", "2020年12月"),
        (
            "Masthead",
            "台州市美丽城镇建设工作领导小组办公室2021年1月5日",
        ),
        ("Heading1", "一、总体进展情况"),
        ("Heading1", "二、各县（市、区）推进情况"),
        ("TableTitle", "各县（市、区）美丽城镇建设项目推进情况排名"),
        ("Heading1", "三、投资完成情况"),
        ("Heading1", "四、建设现场"),
        ("Heading1", "五、下步工作"),
    ];
    let texts: Vec<(&str, &str)> = texts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(texts, expected);
    Ok(())
}

#[test]
fn ranking_table_has_every_row() -> TestResult {
    let report = report();
    let parts = check_package(&progress_report_docx(&report)?)?;
    let doc = document(&parts)?;
    let tables = doc.first("w:body")?.children_named("w:tbl");
    assert_eq!(tables.len(), 2, "ranking and photos");
    let ranking = tables[0];

    let grid: Vec<u32> = ranking
        .all("w:gridCol")
        .iter()
        .map(|c| c.attr("w:w").unwrap_or("0").parse())
        .collect::<Result<_, _>>()?;
    assert_eq!(grid.iter().sum::<u32>(), 11906 - 1587 - 1474);

    let rows = ranking.children_named("w:tr");
    assert_eq!(rows.len(), 1 + 9 + 1);
    let cells = |row: &Node| -> Vec<String> {
        row.children_named("w:tc")
            .iter()
            .map(|c| c.all_text())
            .collect()
    };
    assert_eq!(
        cells(rows[0]),
        [
            "排名",
            "县（市、区）",
            "项目数（个）",
            "开工率",
            "完工率",
            "计划投资（万元）",
            "完成投资（万元）",
            "投资完成率",
            "较上月"
        ]
    );
    // Only the header row repeats on each page; no row splits across pages.
    assert_eq!(ranking.all("w:tblHeader").len(), 1);
    assert_eq!(rows[0].all("w:tblHeader").len(), 1);
    assert_eq!(ranking.all("w:cantSplit").len(), rows.len());

    for (row, expected) in rows[1..10].iter().zip(&report.ranking) {
        assert_eq!(
            cells(row),
            [
                expected.rank.clone(),
                expected.name.clone(),
                expected.projects.to_string(),
                expected.start_rate.clone(),
                expected.completion_rate.clone(),
                expected.planned_wan.clone(),
                expected.completed_wan.clone(),
                expected.investment_rate.clone(),
                expected.change.clone(),
            ]
        );
        assert!(row.all("w:b").is_empty());
    }
    let total = rows[10];
    assert_eq!(cells(total)[1], "全市合计");
    assert_eq!(cells(total)[2], "2086");
    assert_eq!(
        total.all("w:b").len(),
        7,
        "bold runs in the non-empty cells"
    );

    // Borders on the ranking table, none on the photo table.
    assert_eq!(ranking.first("w:insideH")?.attr("w:val"), Some("single"));
    assert_eq!(tables[1].first("w:insideH")?.attr("w:val"), Some("none"));
    Ok(())
}

#[test]
fn charts_hold_categories_and_values() -> TestResult {
    let report = report();
    let parts = check_package(&progress_report_docx(&report)?)?;

    // The document refers to both charts, full text width, 9 cm high.
    let doc = document(&parts)?;
    let refs: Vec<&str> = doc
        .all("c:chart")
        .iter()
        .filter_map(|c| c.attr("r:id"))
        .collect();
    assert_eq!(refs.len(), 2);
    let rels = parse(&text_part(&parts, "word/_rels/document.xml.rels")?)?;
    for (id, target) in refs.iter().zip(["charts/chart1.xml", "charts/chart2.xml"]) {
        let rel = rels
            .children_named("Relationship")
            .into_iter()
            .find(|r| r.attr("Id") == Some(id))
            .ok_or("chart relationship missing")?;
        assert_eq!(rel.attr("Target"), Some(target));
    }
    let extents = doc.all("wp:extent");
    assert_eq!(extents[0].attr("cx"), Some("5616575"));
    assert_eq!(extents[0].attr("cy"), Some("3240000"));

    let bar = parse(&text_part(&parts, "word/charts/chart1.xml")?)?;
    assert_eq!(bar.name, "c:chartSpace");
    assert_eq!(bar.first("c:title")?.all_text(), "各县（市、区）项目推进率");
    assert_eq!(bar.first("c:roundedCorners")?.attr("val"), Some("0"));
    let group = bar.first("c:barChart")?;
    assert_eq!(group.first("c:barDir")?.attr("val"), Some("col"));
    let series = group.children_named("c:ser");
    assert_eq!(series.len(), 3);
    for (ser, (name, values)) in series.iter().zip(&report.rate_chart.series) {
        assert_eq!(ser.first("c:tx")?.first("c:v")?.text, *name);
        let cats: Vec<String> = ser
            .first("c:cat")?
            .all("c:v")
            .iter()
            .map(|v| v.text.clone())
            .collect();
        assert_eq!(cats, AREAS);
        let numbers: Vec<f64> = ser
            .first("c:numCache")?
            .all("c:v")
            .iter()
            .map(|v| v.text.parse())
            .collect::<Result<_, _>>()?;
        assert_eq!(&numbers, values, "cached values read back exactly");
        assert_eq!(ser.first("c:formatCode")?.text, "0.00%");
    }
    assert!(text_part(&parts, "word/charts/chart1.xml")?.contains("<c:v>0.9756</c:v>"));
    let val_axis = bar.first("c:valAx")?;
    assert_eq!(val_axis.first("c:numFmt")?.attr("formatCode"), Some("0%"));
    assert_eq!(val_axis.first("c:min")?.attr("val"), Some("0"));
    assert!(bar.first("c:catAx").is_ok());
    assert_eq!(bar.first("c:legendPos")?.attr("val"), Some("b"));
    // Value labels as percentages; 27 bars, so turned upright.
    let labels = series[0].first("c:dLbls")?;
    assert_eq!(labels.first("c:numFmt")?.attr("formatCode"), Some("0.0%"));
    assert_eq!(labels.first("a:bodyPr")?.attr("rot"), Some("-5400000"));
    // Chinese text is set in 宋体 / 黑体 for the viewer to render.
    assert_eq!(bar.first("a:ea")?.attr("typeface"), Some("黑体"));

    let line = parse(&text_part(&parts, "word/charts/chart2.xml")?)?;
    let group = line.first("c:lineChart")?;
    let series = group.children_named("c:ser");
    assert_eq!(series.len(), 2);
    let months: Vec<String> = series[0]
        .first("c:cat")?
        .all("c:v")
        .iter()
        .map(|v| v.text.clone())
        .collect();
    assert_eq!(months.first().map(String::as_str), Some("1月"));
    assert_eq!(months.last().map(String::as_str), Some("12月"));
    assert_eq!(months.len(), 12);
    // The missing June value is a gap: 11 points out of 12.
    let plan = series[1].first("c:numCache")?;
    assert_eq!(plan.first("c:ptCount")?.attr("val"), Some("12"));
    let indices: Vec<&str> = plan
        .all("c:pt")
        .iter()
        .filter_map(|p| p.attr("idx"))
        .collect();
    assert_eq!(indices.len(), 11);
    assert!(!indices.contains(&"5"));
    assert_eq!(line.first("c:dispBlanksAs")?.attr("val"), Some("gap"));
    assert_eq!(
        line.first("c:valAx")?.first("c:numFmt")?.attr("formatCode"),
        Some("#,##0")
    );
    assert!(line.all("c:min").is_empty());
    Ok(())
}

#[test]
fn embedded_workbooks_hold_the_chart_data() -> TestResult {
    let report = report();
    let parts = check_package(&progress_report_docx(&report)?)?;
    let chart_rels = parse(&text_part(&parts, "word/charts/_rels/chart1.xml.rels")?)?;
    assert_eq!(
        chart_rels.first("Relationship")?.attr("Target"),
        Some("../embeddings/Microsoft_Excel_Worksheet1.xlsx")
    );
    let chart = parse(&text_part(&parts, "word/charts/chart1.xml")?)?;
    assert_eq!(chart.first("c:externalData")?.attr("r:id"), Some("rId1"));
    let ser = chart.first("c:ser")?;
    assert_eq!(ser.first("c:tx")?.first("c:f")?.text, "Sheet1!$B$1");
    assert_eq!(ser.first("c:cat")?.first("c:f")?.text, "Sheet1!$A$2:$A$10");
    assert_eq!(ser.first("c:val")?.first("c:f")?.text, "Sheet1!$B$2:$B$10");

    let bars = embedded_sheet(&parts["word/embeddings/Microsoft_Excel_Worksheet1.xlsx"])?;
    assert_eq!(bars.get_value((0, 1)), Some(&Data::String("开工率".into())));
    assert_eq!(
        bars.get_value((0, 3)),
        Some(&Data::String("投资完成率".into()))
    );
    assert_eq!(bars.get_value((1, 0)), Some(&Data::String("椒江区".into())));
    assert_eq!(bars.get_value((9, 0)), Some(&Data::String("三门县".into())));
    assert_eq!(bars.get_value((1, 1)), Some(&Data::Float(0.9756)));
    assert_eq!(
        bars.get_value((9, 3)),
        Some(&Data::Float(report.rate_chart.series[2].1[8]))
    );

    let lines = embedded_sheet(&parts["word/embeddings/Microsoft_Excel_Worksheet2.xlsx"])?;
    assert_eq!(lines.get_value((12, 0)), Some(&Data::String("12月".into())));
    assert_eq!(lines.get_value((1, 1)), Some(&Data::Float(98_970.5)));
    // The gap stays empty.
    assert!(matches!(lines.get_value((6, 2)), None | Some(Data::Empty)));
    Ok(())
}

#[test]
fn photos_are_inline_with_captions_and_aspect_ratio() -> TestResult {
    let report = report();
    let parts = check_package(&progress_report_docx(&report)?)?;
    assert_eq!(parts["word/media/image1.jpeg"], LANDSCAPE_JPEG);
    assert_eq!(parts["word/media/image2.png"], PORTRAIT_PNG);
    assert_eq!(parts["word/media/image3.jpeg"], LANDSCAPE_JPEG);

    let doc = document(&parts)?;
    let photos = doc.first("w:body")?.children_named("w:tbl")[1];
    let rows = photos.children_named("w:tr");
    assert_eq!(rows.len(), 2, "two per row, the third alone");
    assert_eq!(rows[0].children_named("w:tc").len(), 2);
    let last = rows[1].children_named("w:tc");
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].first("w:gridSpan")?.attr("w:val"), Some("2"));

    let inlines: Vec<&Node> = photos.all("wp:inline");
    assert_eq!(inlines.len(), 3);
    let box_emu = 4_100 * 635;
    let mut ids = Vec::new();
    for (inline, (w, h)) in inlines
        .iter()
        .zip([(480.0, 360.0), (300.0, 400.0), (480.0, 360.0)])
    {
        let extent = inline.first("wp:extent")?;
        let cx: u64 = extent.attr("cx").ok_or("cx")?.parse()?;
        let cy: u64 = extent.attr("cy").ok_or("cy")?.parse()?;
        assert!(cx <= box_emu && cy <= box_emu);
        assert!(cx == box_emu || cy == box_emu, "fitted to the box");
        let ratio = cx as f64 / cy as f64;
        assert!(
            (ratio - w / h).abs() < 1e-5,
            "aspect ratio {ratio} vs {}",
            w / h
        );
        // The picture's own size agrees with the frame.
        let ext = inline.first("a:ext")?;
        assert_eq!(ext.attr("cx"), extent.attr("cx"));
        assert_eq!(ext.attr("cy"), extent.attr("cy"));
        assert!(inline.first("a:blip")?.attr("r:embed").is_some());
        ids.push(inline.first("wp:docPr")?.attr("id").ok_or("id")?.to_owned());
    }
    // Drawing ids are unique across the document (charts included).
    let mut all_ids: Vec<&str> = doc
        .all("wp:docPr")
        .iter()
        .filter_map(|d| d.attr("id"))
        .collect();
    assert_eq!(all_ids.len(), 5);
    all_ids.sort_unstable();
    all_ids.dedup();
    assert_eq!(all_ids.len(), 5);

    let captions: Vec<String> = photos
        .all("w:p")
        .iter()
        .filter(|p| {
            p.all("w:pStyle")
                .iter()
                .any(|s| s.attr("w:val") == Some("Caption"))
        })
        .map(|p| p.all_text())
        .collect();
    let expected: Vec<&str> = report.photos.iter().map(|p| p.caption.as_str()).collect();
    assert_eq!(captions, expected);
    // Captions double as alternative text.
    assert_eq!(
        inlines[0].first("wp:docPr")?.attr("descr"),
        Some("椒江区章安街道老街立面改造")
    );
    Ok(())
}

#[test]
fn markup_in_text_is_escaped() -> TestResult {
    let nasty = "A<&>\"'B ]]> </w:t>\u{1}";
    let kept = "A<&>\"'B ]]> </w:t>";
    let mut report = report();
    report.title = nasty.into();
    report.headline = vec![format!("{nasty}\n第二行\t制表")];
    report.ranking[0].name = nasty.into();
    report.ranking_headers.name = nasty.into();
    report.rate_chart.title = nasty.into();
    report.rate_chart.categories[0] = nasty.into();
    report.rate_chart.series[0].0 = nasty.into();
    report.photos[0].caption = nasty.into();
    report.closing = vec![nasty.into()];
    let parts = check_package(&progress_report_docx(&report)?)?;

    let doc = document(&parts)?;
    let text = doc.all_text();
    assert_eq!(
        text.matches(kept).count(),
        6,
        "title, headline, 2 cells, caption, closing"
    );
    assert!(!text.contains('\u{1}'));
    assert_eq!(doc.all("w:br").len(), 1);
    assert_eq!(
        doc.first("w:pPr")?.first("w:pStyle")?.attr("w:val"),
        Some("Title")
    );
    assert_eq!(doc.all("wp:docPr")[2].attr("descr"), Some(kept));

    let chart = parse(&text_part(&parts, "word/charts/chart1.xml")?)?;
    assert_eq!(chart.first("c:title")?.all_text(), kept);
    assert_eq!(chart.first("c:cat")?.all("c:v")[0].text, kept);
    assert_eq!(
        chart.first("c:ser")?.first("c:tx")?.first("c:v")?.text,
        kept
    );
    let sheet = embedded_sheet(&parts["word/embeddings/Microsoft_Excel_Worksheet1.xlsx"])?;
    assert_eq!(sheet.get_value((1, 0)), Some(&Data::String(kept.into())));
    let core = parse(&text_part(&parts, "docProps/core.xml")?)?;
    assert_eq!(core.first("dc:title")?.text, kept);
    Ok(())
}

#[test]
fn empty_report_is_still_a_valid_document() -> TestResult {
    let parts = check_package(&progress_report_docx(&ProgressReport::default())?)?;
    assert!(!parts
        .keys()
        .any(|k| k.contains("charts/") || k.contains("media/")));
    let body = document(&parts)?;
    let body = body.first("w:body")?;
    let names: Vec<&str> = body.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["w:p", "w:sectPr"]);

    // Title and text, no ranking, no photos, charts without data.
    let mut report = report();
    report.ranking.clear();
    report.total_row = None;
    report.photos.clear();
    report.rate_chart.categories.clear();
    for (_, values) in &mut report.rate_chart.series {
        values.clear();
    }
    report.trend_chart.series.clear();
    let parts = check_package(&progress_report_docx(&report)?)?;
    assert!(!parts
        .keys()
        .any(|k| k.contains("charts/") || k.contains("media/")));
    let doc = document(&parts)?;
    assert!(doc.all("w:tbl").is_empty());
    let text = doc.all_text();
    assert!(text.contains("一、总体进展情况"));
    assert!(text.contains("五、下步工作"));
    // Headings of sections without content are left out.
    for heading in ["二、", "三、", "四、", "推进情况排名"] {
        assert!(!text.contains(heading), "{heading}");
    }

    // Only a 合计 row: the table is written with its header.
    let report = ProgressReport {
        total_row: Some(RankingRow {
            name: "合计".into(),
            ..RankingRow::default()
        }),
        ..ProgressReport::default()
    };
    let parts = check_package(&progress_report_docx(&report)?)?;
    let doc = document(&parts)?;
    assert_eq!(doc.first("w:tbl")?.children_named("w:tr").len(), 2);
    let body = doc.first("w:body")?;
    assert_eq!(
        body.children.last().map(|n| n.name.as_str()),
        Some("w:sectPr")
    );
    assert_eq!(body.children[body.children.len() - 2].name, "w:p");
    Ok(())
}

#[test]
fn output_is_deterministic() -> TestResult {
    let first = progress_report_docx(&report())?;
    let second = progress_report_docx(&report())?;
    assert!(first == second, "same report, same bytes");
    Ok(())
}

#[test]
fn bad_charts_and_photos_are_reported() -> TestResult {
    let mut short = report();
    short.rate_chart.series[1].1.pop();
    let err = progress_report_docx(&short)
        .err()
        .ok_or("expected an error")?;
    assert!(matches!(err, DocumentError::InvalidChart { .. }));
    assert_eq!(
        err.to_string(),
        "图表“各县（市、区）项目推进率”：系列“完工率”有 8 个数值，而共有 9 个分类"
    );

    let mut nan = report();
    nan.trend_chart.series[0].1[2] = Some(f64::NAN);
    let err = progress_report_docx(&nan)
        .err()
        .ok_or("expected an error")?;
    assert_eq!(
        err.to_string(),
        "图表“全市月度累计完成投资（万元）”：系列“2020年”第 3 个数值不是有效数字"
    );

    let mut gif = report();
    gif.photos[1].bytes = b"GIF89a....".to_vec();
    let err = progress_report_docx(&gif)
        .err()
        .ok_or("expected an error")?;
    assert_eq!(
        err.to_string(),
        "第 2 张图片“黄岩区宁溪镇污水管网施工现场”：只支持 JPEG 或 PNG 格式的图片"
    );

    let mut empty = report();
    empty.photos[0].bytes.clear();
    let err = progress_report_docx(&empty)
        .err()
        .ok_or("expected an error")?;
    assert!(matches!(err, DocumentError::InvalidPhoto { index: 1, .. }));

    // A truncated JPEG whose size cannot be read is fine when the caller
    // gives the size, and an error otherwise.
    let mut truncated = report();
    truncated.photos[2].bytes = LANDSCAPE_JPEG[..4].to_vec();
    let err = progress_report_docx(&truncated)
        .err()
        .ok_or("expected an error")?;
    assert_eq!(
        err.to_string(),
        "第 3 张图片“路桥区金清镇游客中心”：无法读取图片尺寸，请提供宽度和高度（像素）"
    );
    truncated.photos[2].width_px = 4;
    truncated.photos[2].height_px = 3;
    progress_report_docx(&truncated)?;
    Ok(())
}

/// 20 ranking rows and 10 photos of about 200 KB each. Prints the time
/// taken (a debug build; well under a second is expected), asserts nothing
/// about it.
#[test]
fn large_report_timing() -> TestResult {
    let mut report = report();
    report.ranking = (1..=20)
        .map(|i| ranking_row(i, &format!("第{i}个城镇")))
        .collect();
    // A valid JPEG followed by filler after its end marker, ~200 KB.
    let mut state: u32 = 12345;
    report.photos = (0..10)
        .map(|i| {
            let mut bytes = LANDSCAPE_JPEG.to_vec();
            bytes.extend((0..200_000 - LANDSCAPE_JPEG.len()).map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            }));
            Photo {
                bytes,
                caption: format!("现场照片{}", i + 1),
                width_px: 0,
                height_px: 0,
            }
        })
        .collect();

    let started = Instant::now();
    let bytes = progress_report_docx(&report)?;
    let elapsed = started.elapsed();
    eprintln!(
        "progress_report_docx: 20 rows, 2 charts, 10 photos of 200 KB -> {} KB in {elapsed:?}",
        bytes.len() / 1024
    );
    let parts = check_package(&bytes)?;
    assert_eq!(
        parts
            .keys()
            .filter(|k| k.starts_with("word/media/"))
            .count(),
        10
    );
    let doc = document(&parts)?;
    assert_eq!(doc.first("w:tbl")?.children_named("w:tr").len(), 22);
    Ok(())
}

/// Writes the sample report and converts it to PDF with LibreOffice, for a
/// look at the rendering (see the module docs).
#[test]
#[ignore = "needs LibreOffice; writes files under target/tmp/docx"]
fn render_with_libreoffice() -> TestResult {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("docx");
    std::fs::create_dir_all(&dir)?;
    let reports = [
        ("progress_report", report()),
        ("empty_report", ProgressReport::default()),
    ];
    for (name, report) in reports {
        let docx = dir.join(format!("{name}.docx"));
        let pdf = dir.join(format!("{name}.pdf"));
        std::fs::write(&docx, progress_report_docx(&report)?)?;
        let _ = std::fs::remove_file(&pdf);
        eprintln!("wrote {}", docx.display());

        // LibreOffice exits with 0 even when it cannot load the file, so the
        // PDF itself is the test.
        let status = std::process::Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                dir.join("lo-profile").display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&dir)
            .arg(&docx)
            .status();
        match status {
            Ok(status) if status.success() => {
                let size = std::fs::metadata(&pdf)
                    .map_err(|e| format!("LibreOffice wrote no {}: {e}", pdf.display()))?
                    .len();
                assert!(size > 1_000);
                eprintln!("wrote {}", pdf.display());
            }
            Ok(status) => return Err(format!("soffice failed: {status}").into()),
            Err(e) => {
                eprintln!("LibreOffice not available ({e}); open the DOCX by hand");
                return Ok(());
            }
        }
    }
    Ok(())
}
