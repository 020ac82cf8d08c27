//! The inspection notice (暗访督查通报): a Word document in the genre of a
//! Chinese government 通报, written by [`notice_docx`], and its Excel
//! companion with the same figures, written by [`notice_xlsx`]. Both take
//! plain data ([`NoticeDoc`]); nothing here touches a database or a file.
//!
//! # Word layout
//!
//! Same page, fonts and styles as the monthly progress report (see the
//! [`docx`](crate::docx) module): A4 with 公文 margins, page numbers
//! "— 1 —" in the footer, body text 仿宋_GB2312 三号, but no red rule or
//! masthead. Top to bottom:
//!
//! 1. the title (方正小标宋简体 二号, bold, centred), the document number
//!    (centred, left out when blank) and the date (楷体, centred);
//! 2. **一、基本情况** — [`opening`](NoticeDoc::opening) and
//!    [`method`](NoticeDoc::method);
//! 3. **二、得分排名** — a native Word bar chart of the county averages
//!    ([`chart_title`](NoticeDoc::chart_title)), the county ranking table and
//!    the town ranking table (宋体 五号, borders, header row repeated on
//!    every page, rows never split);
//! 4. **三、表扬与批评** — the [`best`](NoticeDoc::best) and
//!    [`last`](NoticeDoc::last) towns;
//! 5. **四、存在问题** — per town a 楷体 heading "（一）县镇名", then each
//!    problem as a numbered paragraph followed by its photos: with
//!    after-rectification photos, before (left) and after (right) side by
//!    side, captions prefixed "整改前：" / "整改后："; otherwise two photos a
//!    row. Photos are fitted, aspect ratio kept, into 7 cm × 7 cm;
//! 6. **五、整改要求** — [`requirements`](NoticeDoc::requirements);
//! 7. the [`closing`](NoticeDoc::closing) paragraphs, then the issuer and
//!    the date, right-aligned.
//!
//! A section without data still gets its heading and one sentence saying
//! so (e.g. "本轮暗访未发现问题。"), never a bare heading. Blank paragraphs
//! and names are skipped.
//!
//! # Excel companion
//!
//! Three sheets, each with a bold header row in row 1 (frozen, with
//! autofilter) and fixed widths, laid out by the crate's ledger writer:
//! "县区排名", "乡镇得分" and "问题清单" (one row per problem). Ranks and
//! counts are numbers; scores and deductions are kept as the texts given
//! (the ledger writer has no plain decimal kind), so sort by 排名.
//!
//! # Other notices
//!
//! [`notice_docx`] and [`notice_xlsx`] write a round's notice (暗访通报).
//! The same document serves other notices — the quarterly 动态考核通报 —
//! through [`notice_docx_with`] and [`notice_xlsx_with`] and a
//! [`NoticeLayout`]: the ranking tables' titles and columns
//! ([`NoticeColumns`], e.g. 综合得分 / 暗访得分 / 开工率 in place of 问题数 /
//! 扣分), their cells as texts, and the sentences of the sections
//! ([`NoticeWording`]). [`NoticeLayout::default`] is the round notice:
//! [`notice_docx`] is exactly `notice_docx_with(doc, &NoticeLayout::default())`.

use crate::docx::chart::{Chart, REL_CHART};
use crate::docx::image::{fit, ImageFormat};
use crate::docx::package::{
    Package, Relationships, CT_APP, CT_CORE, REL_APP, REL_CORE, REL_OFFICE_DOCUMENT,
};
use crate::docx::parts::{
    self, CT_DOCUMENT, CT_FONT_TABLE, CT_FOOTER, CT_SETTINGS, CT_STYLES, HEADING_FONT, KAI_FONT,
    REL_FONT_TABLE, REL_FOOTER, REL_IMAGE, REL_SETTINGS, REL_STYLES, TEXT_WIDTH,
};
use crate::docx::{picture, run, table_cell, table_start, BarChart, Body};
use crate::xlsx::tables_to_xlsx;
use crate::{Cell, Column, ColumnKind, DocumentError, Table};

/// The data of one inspection notice (暗访督查通报). Every figure comes
/// already formatted; blank texts are left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeDoc {
    /// Title, e.g. `"关于2020年第三季度美丽城镇暗访督查情况的通报"`.
    pub title: String,
    /// Document number, e.g. `"台美镇办〔2020〕12号"`; blank for none.
    pub doc_number: String,
    /// Issuing office, e.g. `"台州市美丽城镇建设工作领导小组办公室"`.
    /// Signs the notice and is the document's author.
    pub issuer: String,
    /// Date, e.g. `"2020年10月15日"`: under the title and under the issuer.
    pub date_zh: String,
    /// Opening paragraphs (written or edited by the office).
    pub opening: Vec<String>,
    /// Scope and method of the inspection (三不两直 …), one paragraph.
    pub method: String,
    /// County ranking, top to bottom.
    pub county_table: Vec<CountyScoreLine>,
    /// Town ranking, top to bottom.
    pub town_table: Vec<TownScoreLine>,
    /// Names of the towns praised (表扬).
    pub best: Vec<String>,
    /// Names of the 末位 towns (批评).
    pub last: Vec<String>,
    /// Problems found, per town.
    pub problems: Vec<TownProblems>,
    /// 整改要求 paragraphs (deadlines etc.).
    pub requirements: Vec<String>,
    /// Closing paragraphs (edited by the office).
    pub closing: Vec<String>,
    /// Title of the bar chart of county averages, e.g.
    /// `"各县（市、区）平均得分"`; blank for a chart without title.
    pub chart_title: String,
}

/// One row of the county ranking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CountyScoreLine {
    /// 排名.
    pub rank: u32,
    /// 县（市、区）, e.g. `"椒江区"`.
    pub county: String,
    /// Number of towns inspected.
    pub towns: u32,
    /// Average score, e.g. `"92.35"`. Charted when it reads as a number.
    pub average: String,
    /// Number of problems found.
    pub findings: u32,
    /// Change of rank since the last round: `"↑2"`, `"↓1"`, `"—"`, `"新"`.
    pub change: String,
}

/// One row of the town ranking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TownScoreLine {
    /// 排名.
    pub rank: u32,
    /// 县（市、区）.
    pub county: String,
    /// 乡镇（街道）.
    pub town: String,
    /// Score, e.g. `"88.50"`.
    pub score: String,
    /// Number of problems found.
    pub findings: u32,
    /// Points deducted, e.g. `"11.5"`.
    pub deduction: String,
    /// Rank within its county.
    pub rank_in_county: u32,
    /// Change of rank since the last round, as [`CountyScoreLine::change`].
    pub change: String,
}

/// The problems found in one town. A town without items is left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TownProblems {
    /// 乡镇（街道）.
    pub town: String,
    /// 县（市、区）.
    pub county: String,
    /// The problems, in the order shown.
    pub items: Vec<ProblemLine>,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProblemLine {
    /// Area or category, e.g. `"环境美"`.
    pub area: String,
    /// The problem, e.g. `"主干道两侧垃圾乱堆放"`.
    pub item: String,
    /// Where, e.g. `"人民路与解放路交叉口"`.
    pub place: String,
    /// When, e.g. `"2020年9月3日 10:20"`.
    pub found_at: String,
    /// Points deducted, e.g. `"2"`.
    pub deduction: String,
    /// Deadline for the rectification, e.g. `"2020年10月31日"`.
    pub deadline: String,
    /// 整改状态, e.g. `"整改中"`.
    pub state: String,
    /// Remark; blank for none.
    pub note: String,
    /// Photos of the problem as found.
    pub before: Vec<NoticePhoto>,
    /// Photos after rectification; may be empty.
    pub after: Vec<NoticePhoto>,
}

/// A photo with its caption.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticePhoto {
    /// The file's bytes: JPEG (PNG is accepted too).
    pub jpeg: Vec<u8>,
    /// Width in pixels as the photo should appear; only the ratio to
    /// [`height_px`](Self::height_px) matters. When either is 0 the size in
    /// the file's header is used. EXIF orientation is not applied.
    pub width_px: u32,
    /// Height in pixels, see [`width_px`](Self::width_px).
    pub height_px: u32,
    /// Caption under the photo, also its alternative text.
    pub caption: String,
}

/// One column of a ranking table.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeColumn {
    /// Header in the Word table, e.g. `"综合得分"`.
    pub header: String,
    /// Header in the Excel sheet; blank for [`header`](Self::header).
    pub sheet_header: String,
    /// Width in the Word table in twips (1/20 pt). The columns of a table
    /// are scaled together to the text width, so only the ratios matter.
    pub width: u32,
    /// Width in the Excel sheet, in characters (finite, 0–255).
    pub sheet_width: f64,
    /// Whole numbers (排名, 乡镇数): an Excel number column, where a cell
    /// that reads as a whole number is written as a number.
    pub integer: bool,
}

impl NoticeColumn {
    /// A column whose Excel header is the Word header.
    pub fn new(header: &str, width: u32, sheet_width: f64, integer: bool) -> NoticeColumn {
        NoticeColumn {
            header: header.to_owned(),
            sheet_header: String::new(),
            width,
            sheet_width,
            integer,
        }
    }

    fn sheet_header(&self) -> &str {
        if self.sheet_header.trim().is_empty() {
            &self.header
        } else {
            &self.sheet_header
        }
    }
}

/// Titles and columns of the two ranking tables. The default is the round
/// notice's: 排名 · 县（市、区） · 暗访乡镇数 · 平均得分 · 发现问题数 · 较上轮,
/// and 排名 · 县（市、区） · 乡镇（街道） · 得分 · 问题数 · 扣分 · 县内排名 ·
/// 较上轮.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeColumns {
    /// Caption above the county table, e.g. `"各县（市、区）得分排名"`.
    pub county_title: String,
    /// The county table's columns.
    pub county: Vec<NoticeColumn>,
    /// Caption above the town table.
    pub town_title: String,
    /// The town table's columns.
    pub town: Vec<NoticeColumn>,
}

impl Default for NoticeColumns {
    fn default() -> Self {
        let county_sheet = [8.0, 16.0, 12.0, 12.0, 12.0, 10.0];
        let county_integer = [true, false, true, false, true, false];
        let town_sheet = [8.0, 16.0, 18.0, 10.0, 12.0, 10.0, 10.0, 10.0];
        let town_integer = [true, false, false, false, true, false, true, false];
        NoticeColumns {
            county_title: COUNTY_TABLE_TITLE.to_owned(),
            county: (0..COUNTY_HEADERS.len())
                .map(|i| {
                    NoticeColumn::new(
                        COUNTY_HEADERS[i],
                        COUNTY_WIDTHS[i],
                        county_sheet[i],
                        county_integer[i],
                    )
                })
                .collect(),
            town_title: TOWN_TABLE_TITLE.to_owned(),
            town: (0..TOWN_HEADERS.len())
                .map(|i| {
                    let mut column = NoticeColumn::new(
                        TOWN_HEADERS[i],
                        TOWN_WIDTHS[i],
                        town_sheet[i],
                        town_integer[i],
                    );
                    if i == 4 {
                        // "问题数" in Word, spelt out in Excel.
                        column.sheet_header = "发现问题数".to_owned();
                    }
                    column
                })
                .collect(),
        }
    }
}

/// The sentences and names a notice other than a round's says differently.
/// The default is the round notice's ("本轮暗访未发现问题。" …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeWording {
    /// When both ranking tables are empty.
    pub no_scores: String,
    /// Praise: `best_lead` + the names joined with "、" + `best_tail`.
    pub best_lead: String,
    pub best_tail: String,
    /// Without towns praised.
    pub no_best: String,
    /// Criticism: `last_lead` + the names + `last_tail`.
    pub last_lead: String,
    pub last_tail: String,
    /// Without 末位 towns.
    pub no_last: String,
    /// Heading of section 四, e.g. `"四、存在问题"`.
    pub problems_heading: String,
    /// Section 四 without problems.
    pub no_problems: String,
    /// Section 五 without requirements and without problems.
    pub no_requirements: String,
    /// Section 五 without requirements but with problems.
    pub default_requirement: String,
    /// Name of the chart's series, e.g. `"平均得分"`.
    pub chart_series: String,
    /// The Excel sheets: county ranking, town scores, problems.
    pub county_sheet: String,
    pub town_sheet: String,
    pub problems_sheet: String,
}

impl Default for NoticeWording {
    fn default() -> Self {
        NoticeWording {
            no_scores: NO_SCORES.to_owned(),
            best_lead: "对暗访得分排名靠前的".to_owned(),
            best_tail: "予以通报表扬。".to_owned(),
            no_best: NO_BEST.to_owned(),
            last_lead: "对暗访得分排名末位的".to_owned(),
            last_tail: "予以通报批评，请所在县（市、区）督促其认真整改。".to_owned(),
            no_last: NO_LAST.to_owned(),
            problems_heading: HEADING_PROBLEMS.to_owned(),
            no_problems: NO_PROBLEMS.to_owned(),
            no_requirements: NO_REQUIREMENTS.to_owned(),
            default_requirement: DEFAULT_REQUIREMENT.to_owned(),
            chart_series: CHART_SERIES.to_owned(),
            county_sheet: "县区排名".to_owned(),
            town_sheet: "乡镇得分".to_owned(),
            problems_sheet: "问题清单".to_owned(),
        }
    }
}

/// How a notice is laid out: the round notice by default; see the
/// [module docs](self#other-notices).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoticeLayout {
    /// Titles and columns of the ranking tables.
    pub columns: NoticeColumns,
    /// Sentences of the sections.
    pub wording: NoticeWording,
    /// The county table's rows as texts, one cell per column of
    /// [`NoticeColumns::county`], in place of the fields of
    /// [`NoticeDoc::county_table`]; empty: made from those fields (then the
    /// columns must be the six of [`CountyScoreLine`], in its order). The
    /// chart is drawn from [`NoticeDoc::county_table`] either way.
    pub county_cells: Vec<Vec<String>>,
    /// The town table's rows as texts, as [`county_cells`](Self::county_cells)
    /// for [`NoticeDoc::town_table`] and [`NoticeColumns::town`].
    pub town_cells: Vec<Vec<String>>,
}

const HEADING_OVERVIEW: &str = "一、基本情况";
const HEADING_SCORES: &str = "二、得分排名";
const HEADING_PRAISE: &str = "三、表扬与批评";
const HEADING_PROBLEMS: &str = "四、存在问题";
const HEADING_REQUIREMENTS: &str = "五、整改要求";

const NO_OVERVIEW: &str = "暂无基本情况说明。";
const NO_SCORES: &str = "本轮暗访暂无得分排名数据。";
const NO_BEST: &str = "本轮暗访无通报表扬的乡镇（街道）。";
const NO_LAST: &str = "本轮暗访无通报批评的乡镇（街道）。";
const NO_PROBLEMS: &str = "本轮暗访未发现问题。";
const NO_REQUIREMENTS: &str = "本轮暗访未发现需整改的问题。";
const DEFAULT_REQUIREMENT: &str =
    "请有关县（市、区）督促相关乡镇（街道）对照问题清单逐项整改到位，并按期报送整改情况。";

const COUNTY_TABLE_TITLE: &str = "各县（市、区）得分排名";
const TOWN_TABLE_TITLE: &str = "各乡镇（街道）得分排名";
const CHART_SERIES: &str = "平均得分";

const COUNTY_HEADERS: [&str; 6] = [
    "排名",
    "县（市、区）",
    "暗访乡镇数",
    "平均得分",
    "发现问题数",
    "较上轮",
];
/// Twips, adding up to the text width.
const COUNTY_WIDTHS: [u32; 6] = [900, 2245, 1400, 1400, 1500, 1400];
const TOWN_HEADERS: [&str; 8] = [
    "排名",
    "县（市、区）",
    "乡镇（街道）",
    "得分",
    "问题数",
    "扣分",
    "县内排名",
    "较上轮",
];
/// Twips, adding up to the text width.
const TOWN_WIDTHS: [u32; 8] = [700, 1400, 1800, 950, 950, 950, 1045, 1050];
/// Light grey: plain, and readable when printed in black and white.
const HEADER_FILL: &str = "F2F2F2";

/// Photos fit in 7 cm × 7 cm (360,000 EMU per cm).
const PHOTO_BOX: u64 = 2_520_000;

const BOLD: &str = "<w:rPr><w:b/><w:bCs/></w:rPr>";

fn kai() -> String {
    format!("<w:rPr><w:rFonts w:eastAsia=\"{KAI_FONT}\"/></w:rPr>")
}

fn hei() -> String {
    format!("<w:rPr><w:rFonts w:eastAsia=\"{HEADING_FONT}\"/></w:rPr>")
}

/// A photo checked and measured, with its place in the package.
struct PreparedPhoto<'a> {
    photo: &'a NoticePhoto,
    format: ImageFormat,
    cx: u64,
    cy: u64,
    /// Relationship id and media file name, set once all are known.
    rel: String,
    name: String,
}

/// The photos of one problem.
struct ProblemPhotos<'a> {
    before: Vec<PreparedPhoto<'a>>,
    after: Vec<PreparedPhoto<'a>>,
}

/// `index` counts from 0 over all photos of the notice, in document order.
fn prepare_photo(index: usize, photo: &NoticePhoto) -> Result<PreparedPhoto<'_>, DocumentError> {
    let error = |reason: &str| DocumentError::InvalidPhoto {
        index: index + 1,
        caption: photo.caption.clone(),
        reason: reason.to_owned(),
    };
    if photo.jpeg.is_empty() {
        return Err(error("图片内容为空"));
    }
    let format =
        ImageFormat::sniff(&photo.jpeg).ok_or_else(|| error("只支持 JPEG 或 PNG 格式的图片"))?;
    let (width, height) = if photo.width_px > 0 && photo.height_px > 0 {
        (photo.width_px, photo.height_px)
    } else {
        format
            .pixel_size(&photo.jpeg)
            .ok_or_else(|| error("无法读取图片尺寸，请提供宽度和高度（像素）"))?
    };
    let (cx, cy) = fit(width, height, PHOTO_BOX, PHOTO_BOX);
    Ok(PreparedPhoto {
        photo,
        format,
        cx,
        cy,
        rel: String::new(),
        name: String::new(),
    })
}

/// A town with problems, and the photos of each problem.
type PreparedTown<'a> = (&'a TownProblems, Vec<ProblemPhotos<'a>>);

/// The towns that have problems, each with its problems' photos checked.
fn prepare_problems(doc: &NoticeDoc) -> Result<Vec<PreparedTown<'_>>, DocumentError> {
    let mut count = 0;
    let mut towns = Vec::new();
    for town in doc.problems.iter().filter(|t| !t.items.is_empty()) {
        let mut items = Vec::with_capacity(town.items.len());
        for item in &town.items {
            let mut prepared = [Vec::new(), Vec::new()];
            for (photos, out) in [&item.before, &item.after].into_iter().zip(&mut prepared) {
                for photo in photos {
                    out.push(prepare_photo(count, photo)?);
                    count += 1;
                }
            }
            let [before, after] = prepared;
            items.push(ProblemPhotos { before, after });
        }
        towns.push((town, items));
    }
    Ok(towns)
}

/// The non-blank texts, trimmed.
fn non_blank(texts: &[String]) -> impl Iterator<Item = &str> {
    texts.iter().map(|t| t.trim()).filter(|t| !t.is_empty())
}

/// Writes the inspection notice as a DOCX file in memory.
///
/// See the [module docs](self) for the layout. Any part of the data may be
/// empty; its section then says so in one sentence.
///
/// # Errors
///
/// * [`DocumentError::InvalidPhoto`] — a photo with empty bytes, neither
///   JPEG nor PNG, or without a size given or readable from the file (photos
///   are counted from 1 over the whole notice, before photos of a problem
///   before its after photos);
/// * [`DocumentError::Docx`] — the zip container could not be written (not
///   expected in practice).
pub fn notice_docx(doc: &NoticeDoc) -> Result<Vec<u8>, DocumentError> {
    notice_docx_with(doc, &NoticeLayout::default())
}

/// Writes a notice laid out by `layout` (see the
/// [module docs](self#other-notices)) as a DOCX file in memory.
///
/// # Errors
///
/// As [`notice_docx`].
pub fn notice_docx_with(doc: &NoticeDoc, layout: &NoticeLayout) -> Result<Vec<u8>, DocumentError> {
    let chart_data = county_chart(doc, &layout.wording);
    let chart = Chart::bar(&chart_data)?;
    let mut towns = prepare_problems(doc)?;

    let mut package = Package::new();
    let mut root = Relationships::new();
    root.add(REL_OFFICE_DOCUMENT, "word/document.xml");
    root.add(REL_CORE, "docProps/core.xml");
    root.add(REL_APP, "docProps/app.xml");
    package.rels("_rels/.rels", &root);
    package.xml(
        "docProps/core.xml",
        CT_CORE,
        parts::core_xml(&doc.title, &doc.doc_number, &doc.issuer),
    );
    package.xml("docProps/app.xml", CT_APP, parts::app_xml());

    let mut rels = Relationships::new();
    rels.add(REL_STYLES, "styles.xml");
    rels.add(REL_SETTINGS, "settings.xml");
    rels.add(REL_FONT_TABLE, "fontTable.xml");
    let footer_rel = rels.add(REL_FOOTER, "footer1.xml");
    let chart_rel = match &chart {
        Some(chart) => {
            chart.add_to(&mut package, 1)?;
            Some(rels.add(REL_CHART, "charts/chart1.xml"))
        }
        None => None,
    };
    let mut media = 0;
    for photo in towns
        .iter_mut()
        .flat_map(|(_, items)| items.iter_mut())
        .flat_map(|item| item.before.iter_mut().chain(item.after.iter_mut()))
    {
        media += 1;
        photo.name = format!("image{media}.{}", photo.format.extension());
        photo.rel = rels.add(REL_IMAGE, format!("media/{}", photo.name));
    }

    let mut body = Body::new();
    front_matter(&mut body, doc);
    overview(&mut body, doc);
    scores(&mut body, doc, layout, chart_rel.as_deref());
    praise(&mut body, doc, &layout.wording);
    problems(&mut body, &towns, &layout.wording);
    requirements(&mut body, doc, !towns.is_empty(), &layout.wording);
    closing(&mut body, doc);

    package.xml("word/document.xml", CT_DOCUMENT, body.finish(&footer_rel));
    package.rels("word/_rels/document.xml.rels", &rels);
    package.xml("word/styles.xml", CT_STYLES, parts::styles_xml());
    package.xml("word/settings.xml", CT_SETTINGS, parts::settings_xml());
    package.xml("word/fontTable.xml", CT_FONT_TABLE, parts::font_table_xml());
    package.xml("word/footer1.xml", CT_FOOTER, parts::footer_xml());
    for photo in towns
        .iter()
        .flat_map(|(_, items)| items)
        .flat_map(|item| item.before.iter().chain(&item.after))
    {
        package.binary(
            format!("word/media/{}", photo.name),
            photo.format.content_type(),
            photo.photo.jpeg.clone(),
        );
    }
    package.finish()
}

/// The county averages that read as numbers, in table order.
fn county_chart(doc: &NoticeDoc, wording: &NoticeWording) -> BarChart {
    let (categories, values): (Vec<String>, Vec<f64>) = doc
        .county_table
        .iter()
        .filter_map(|line| {
            let value = line.average.trim().parse::<f64>().ok()?;
            value.is_finite().then(|| (line.county.clone(), value))
        })
        .unzip();
    BarChart {
        title: doc.chart_title.clone(),
        categories,
        series: vec![(wording.chart_series.clone(), values)],
        percent: false,
    }
}

/// A paragraph with properties `ppr` (inner XML of `w:pPr`, schema order)
/// and one run per `(rPr, text)`.
fn paragraph(body: &mut Body, ppr: &str, runs: &[(&str, &str)]) {
    body.out.push_str("<w:p>");
    if !ppr.is_empty() {
        body.out.push_str("<w:pPr>");
        body.out.push_str(ppr);
        body.out.push_str("</w:pPr>");
    }
    for (rpr, text) in runs {
        run(&mut body.out, rpr, text);
    }
    body.out.push_str("</w:p>");
    body.ends_with_paragraph = true;
}

/// A second-level heading "（一）…" in 楷体, in the navigation pane.
fn sub_heading(body: &mut Body, text: &str) {
    paragraph(
        body,
        "<w:pStyle w:val=\"BodyText\"/><w:keepNext/><w:outlineLvl w:val=\"1\"/>",
        &[(&kai(), text)],
    );
}

fn front_matter(body: &mut Body, doc: &NoticeDoc) {
    let mut any = false;
    if !doc.title.trim().is_empty() {
        paragraph(
            body,
            "<w:pStyle w:val=\"Title\"/>",
            &[(BOLD, doc.title.trim())],
        );
        any = true;
    }
    if !doc.doc_number.trim().is_empty() {
        paragraph(
            body,
            "<w:keepNext/><w:jc w:val=\"center\"/>",
            &[("", doc.doc_number.trim())],
        );
        any = true;
    }
    if !doc.date_zh.trim().is_empty() {
        body.paragraph("Subtitle", doc.date_zh.trim());
        any = true;
    }
    if any {
        paragraph(body, "", &[]);
    }
}

fn overview(body: &mut Body, doc: &NoticeDoc) {
    body.paragraph("Heading1", HEADING_OVERVIEW);
    let mut any = false;
    for text in non_blank(&doc.opening).chain(Some(doc.method.trim()).filter(|t| !t.is_empty())) {
        body.paragraph("BodyText", text);
        any = true;
    }
    if !any {
        body.paragraph("BodyText", NO_OVERVIEW);
    }
}

/// The layout's rows of cells, each cut or padded (with blank cells) to
/// `columns` cells.
fn fitted(rows: &[Vec<String>], columns: usize) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            let mut row: Vec<String> = row.iter().take(columns).cloned().collect();
            row.resize(columns, String::new());
            row
        })
        .collect()
}

/// The county table's rows as texts: the layout's cells, else the fields.
fn county_rows(doc: &NoticeDoc, layout: &NoticeLayout) -> Vec<Vec<String>> {
    if !layout.county_cells.is_empty() {
        return fitted(&layout.county_cells, layout.columns.county.len());
    }
    doc.county_table
        .iter()
        .map(|line| {
            vec![
                line.rank.to_string(),
                line.county.clone(),
                line.towns.to_string(),
                line.average.clone(),
                line.findings.to_string(),
                line.change.clone(),
            ]
        })
        .collect()
}

/// The town table's rows as texts: the layout's cells, else the fields.
fn town_rows(doc: &NoticeDoc, layout: &NoticeLayout) -> Vec<Vec<String>> {
    if !layout.town_cells.is_empty() {
        return fitted(&layout.town_cells, layout.columns.town.len());
    }
    doc.town_table
        .iter()
        .map(|line| {
            vec![
                line.rank.to_string(),
                line.county.clone(),
                line.town.clone(),
                line.score.clone(),
                line.findings.to_string(),
                line.deduction.clone(),
                line.rank_in_county.to_string(),
                line.change.clone(),
            ]
        })
        .collect()
}

/// Column widths in twips scaled to the text width (the last column takes
/// what rounding leaves); widths that already fill it stay as they are.
fn scaled_widths(columns: &[NoticeColumn]) -> Vec<u32> {
    let total: u64 = columns.iter().map(|c| u64::from(c.width)).sum();
    if columns.is_empty() {
        return Vec::new();
    }
    if total == 0 {
        let each = TEXT_WIDTH / u32::try_from(columns.len()).unwrap_or(u32::MAX).max(1);
        let mut widths = vec![each; columns.len()];
        if let Some(last) = widths.last_mut() {
            *last = TEXT_WIDTH - each * (u32::try_from(columns.len()).unwrap_or(1) - 1);
        }
        return widths;
    }
    let mut widths: Vec<u32> = columns
        .iter()
        .map(|c| {
            u32::try_from(u64::from(c.width) * u64::from(TEXT_WIDTH) / total).unwrap_or(TEXT_WIDTH)
        })
        .collect();
    let others: u32 = widths[..widths.len() - 1].iter().sum();
    if let Some(last) = widths.last_mut() {
        *last = TEXT_WIDTH.saturating_sub(others);
    }
    widths
}

fn scores(body: &mut Body, doc: &NoticeDoc, layout: &NoticeLayout, chart_rel: Option<&str>) {
    body.paragraph("Heading1", HEADING_SCORES);
    let counties = county_rows(doc, layout);
    let towns = town_rows(doc, layout);
    if counties.is_empty() && towns.is_empty() {
        body.paragraph("BodyText", &layout.wording.no_scores);
        return;
    }
    let columns = &layout.columns;
    if !counties.is_empty() {
        if let Some(rel) = chart_rel {
            body.chart(rel);
        }
        body.paragraph("TableTitle", &columns.county_title);
        let headers: Vec<&str> = columns.county.iter().map(|c| c.header.as_str()).collect();
        ranking_table(
            body,
            &scaled_widths(&columns.county),
            &headers,
            counties.into_iter(),
        );
    }
    if !towns.is_empty() {
        body.paragraph("TableTitle", &columns.town_title);
        let headers: Vec<&str> = columns.town.iter().map(|c| c.header.as_str()).collect();
        ranking_table(
            body,
            &scaled_widths(&columns.town),
            &headers,
            towns.into_iter(),
        );
    }
}

/// A bordered table with a shaded header row repeated on every page and
/// rows that never split, followed by a spacer.
fn ranking_table(
    body: &mut Body,
    widths: &[u32],
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) {
    let out = &mut body.out;
    table_start(out, widths, true);
    out.push_str("<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"454\"/><w:tblHeader/></w:trPr>");
    let header_rpr = hei();
    for (width, text) in widths.iter().zip(headers) {
        table_cell(out, *width, Some(HEADER_FILL), &header_rpr, text);
    }
    out.push_str("</w:tr>");
    for cells in rows {
        out.push_str("<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"397\"/></w:trPr>");
        for (width, text) in widths.iter().zip(&cells) {
            table_cell(out, *width, None, "", text);
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    body.spacer();
}

fn praise(body: &mut Body, doc: &NoticeDoc, wording: &NoticeWording) {
    body.paragraph("Heading1", HEADING_PRAISE);
    let kai = kai();
    let best: Vec<&str> = non_blank(&doc.best).collect();
    let text = if best.is_empty() {
        wording.no_best.clone()
    } else {
        format!(
            "{}{}{}",
            wording.best_lead,
            best.join("、"),
            wording.best_tail
        )
    };
    paragraph(
        body,
        "<w:pStyle w:val=\"BodyText\"/>",
        &[(&kai, "（一）通报表扬。"), ("", &text)],
    );
    let last: Vec<&str> = non_blank(&doc.last).collect();
    let text = if last.is_empty() {
        wording.no_last.clone()
    } else {
        format!(
            "{}{}{}",
            wording.last_lead,
            last.join("、"),
            wording.last_tail
        )
    };
    paragraph(
        body,
        "<w:pStyle w:val=\"BodyText\"/>",
        &[(&kai, "（二）通报批评。"), ("", &text)],
    );
}

fn problems(body: &mut Body, towns: &[PreparedTown<'_>], wording: &NoticeWording) {
    body.paragraph("Heading1", &wording.problems_heading);
    if towns.is_empty() {
        body.paragraph("BodyText", &wording.no_problems);
        return;
    }
    for (index, (town, town_photos)) in towns.iter().enumerate() {
        let name = format!("{}{}", town.county.trim(), town.town.trim());
        sub_heading(
            body,
            &format!(
                "（{}）{name}（{}个问题）",
                chinese_number(index + 1),
                town.items.len()
            ),
        );
        for (number, (item, photos)) in town.items.iter().zip(town_photos).enumerate() {
            let has_photos = !photos.before.is_empty() || !photos.after.is_empty();
            let mut lead = format!("{}．{}", number + 1, item.item.trim());
            if !lead.ends_with(['。', '；', '！', '？', '.']) {
                lead.push('。');
            }
            let ppr = if has_photos {
                "<w:pStyle w:val=\"BodyText\"/><w:keepNext/>"
            } else {
                "<w:pStyle w:val=\"BodyText\"/>"
            };
            paragraph(body, ppr, &[(BOLD, &lead), ("", &problem_details(item))]);
            problem_photos(body, photos);
        }
    }
}

/// "问题区域：…；具体位置：…；…。备注：…" with blank fields left out.
fn problem_details(item: &ProblemLine) -> String {
    let fields = [
        ("问题区域", &item.area),
        ("具体位置", &item.place),
        ("发现时间", &item.found_at),
        ("扣分", &item.deduction),
        ("整改期限", &item.deadline),
        ("整改状态", &item.state),
    ];
    let mut text = fields
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(label, value)| format!("{label}：{}", value.trim()))
        .collect::<Vec<_>>()
        .join("；");
    if !text.is_empty() {
        text.push('。');
    }
    if !item.note.trim().is_empty() {
        text.push_str("备注：");
        text.push_str(item.note.trim());
    }
    text
}

/// The photos of one problem in a borderless two-column table: before
/// (left) and after (right) row by row when there are after photos,
/// otherwise two before photos a row (an odd last one centred).
fn problem_photos(body: &mut Body, photos: &ProblemPhotos<'_>) {
    if photos.before.is_empty() && photos.after.is_empty() {
        return;
    }
    let half = TEXT_WIDTH / 2;
    table_start(&mut body.out, &[half, TEXT_WIDTH - half], false);
    if photos.after.is_empty() {
        for pair in photos.before.chunks(2) {
            body.out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            if let [only] = pair {
                photo_cell(body, TEXT_WIDTH, true, Some(only), "");
            } else {
                for (photo, width) in pair.iter().zip([half, TEXT_WIDTH - half]) {
                    photo_cell(body, width, false, Some(photo), "");
                }
            }
            body.out.push_str("</w:tr>");
        }
    } else {
        let rows = photos.before.len().max(photos.after.len());
        for row in 0..rows {
            body.out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            photo_cell(body, half, false, photos.before.get(row), "整改前");
            photo_cell(
                body,
                TEXT_WIDTH - half,
                false,
                photos.after.get(row),
                "整改后",
            );
            body.out.push_str("</w:tr>");
        }
    }
    body.out.push_str("</w:tbl>");
    body.spacer();
}

/// One cell of a photo table: the photo, then its caption (after `label`
/// and "：" when a label is given). An empty cell without a photo.
fn photo_cell(
    body: &mut Body,
    width: u32,
    span: bool,
    photo: Option<&PreparedPhoto<'_>>,
    label: &str,
) {
    let span = if span {
        "<w:gridSpan w:val=\"2\"/>"
    } else {
        ""
    };
    body.out.push_str(&format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>{span}\
         <w:vAlign w:val=\"bottom\"/></w:tcPr>"
    ));
    let Some(photo) = photo else {
        body.out.push_str("<w:p/></w:tc>");
        return;
    };
    let caption = photo.photo.caption.trim();
    let caption = match (label.is_empty(), caption.is_empty()) {
        (true, _) => caption.to_owned(),
        (false, true) => label.to_owned(),
        (false, false) => format!("{label}：{caption}"),
    };
    let id = body.drawing_id();
    body.out
        .push_str("<w:p><w:pPr><w:pStyle w:val=\"Figure\"/></w:pPr><w:r>");
    picture(
        &mut body.out,
        id,
        photo.cx,
        photo.cy,
        &photo.rel,
        &photo.name,
        &caption,
    );
    body.out.push_str("</w:r></w:p>");
    if !caption.is_empty() {
        body.out
            .push_str("<w:p><w:pPr><w:pStyle w:val=\"Caption\"/></w:pPr>");
        run(&mut body.out, "", &caption);
        body.out.push_str("</w:p>");
    }
    body.out.push_str("</w:tc>");
}

fn requirements(body: &mut Body, doc: &NoticeDoc, has_problems: bool, wording: &NoticeWording) {
    body.paragraph("Heading1", HEADING_REQUIREMENTS);
    let mut any = false;
    for text in non_blank(&doc.requirements) {
        body.paragraph("BodyText", text);
        any = true;
    }
    if !any {
        let text = if has_problems {
            &wording.default_requirement
        } else {
            &wording.no_requirements
        };
        body.paragraph("BodyText", text);
    }
}

/// Closing paragraphs, then the issuer and the date, right-aligned two
/// characters from the margin after a blank line.
fn closing(body: &mut Body, doc: &NoticeDoc) {
    for text in non_blank(&doc.closing) {
        body.paragraph("BodyText", text);
    }
    let signature: Vec<&str> = [doc.issuer.trim(), doc.date_zh.trim()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    if signature.is_empty() {
        return;
    }
    paragraph(body, "", &[]);
    for text in signature {
        paragraph(
            body,
            "<w:ind w:right=\"640\"/><w:jc w:val=\"right\"/>",
            &[("", text)],
        );
    }
}

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九; Arabic digits from 100.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let unit = |d: usize| if d == 0 { "" } else { DIGITS[d] };
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", unit(n % 10)),
        20..=99 => format!("{}十{}", DIGITS[n / 10], unit(n % 10)),
        _ => n.to_string(),
    }
}

/// Writes the Excel companion of the notice: sheets "县区排名", "乡镇得分"
/// and "问题清单" (see the [module docs](self)).
///
/// # Errors
///
/// [`DocumentError`] from the ledger writer: a text longer than Excel
/// allows in a cell, or an unusable temporary directory.
pub fn notice_xlsx(doc: &NoticeDoc) -> Result<Vec<u8>, DocumentError> {
    notice_xlsx_with(doc, &NoticeLayout::default())
}

/// Writes the Excel companion of a notice laid out by `layout`: the ranking
/// sheets have the layout's columns (and cells), the sheets its names.
///
/// # Errors
///
/// As [`notice_xlsx`]. Rows of the layout's cells are cut or padded (with
/// blank cells) to the number of columns.
pub fn notice_xlsx_with(doc: &NoticeDoc, layout: &NoticeLayout) -> Result<Vec<u8>, DocumentError> {
    let int = |n: u32| Cell::Int(i64::from(n));
    let text = |s: &str| Cell::text(s.trim());
    let sheet = |columns: Vec<Column>, rows: Vec<Vec<Cell>>| Table {
        title: String::new(),
        subtitle: None,
        columns,
        rows,
        total_row: None,
    };
    let columns_of = |columns: &[NoticeColumn]| -> Vec<Column> {
        columns
            .iter()
            .map(|c| {
                let kind = if c.integer {
                    ColumnKind::Integer
                } else {
                    ColumnKind::Text
                };
                Column::new(c.sheet_header(), c.sheet_width, kind)
            })
            .collect()
    };
    // Texts of the layout's cells; whole numbers in integer columns.
    let cells_of = |columns: &[NoticeColumn], rows: &[Vec<String>]| -> Vec<Vec<Cell>> {
        fitted(rows, columns.len())
            .iter()
            .map(|row| {
                row.iter()
                    .zip(columns)
                    .map(|(value, column)| match value.trim().parse::<u32>() {
                        Ok(n) if column.integer => int(n),
                        _ => text(value),
                    })
                    .collect()
            })
            .collect()
    };

    let county_columns = &layout.columns.county;
    let counties = sheet(
        columns_of(county_columns),
        if layout.county_cells.is_empty() {
            doc.county_table
                .iter()
                .map(|l| {
                    vec![
                        int(l.rank),
                        text(&l.county),
                        int(l.towns),
                        text(&l.average),
                        int(l.findings),
                        text(&l.change),
                    ]
                })
                .collect()
        } else {
            cells_of(county_columns, &layout.county_cells)
        },
    );
    let town_columns = &layout.columns.town;
    let towns = sheet(
        columns_of(town_columns),
        if layout.town_cells.is_empty() {
            doc.town_table
                .iter()
                .map(|l| {
                    vec![
                        int(l.rank),
                        text(&l.county),
                        text(&l.town),
                        text(&l.score),
                        int(l.findings),
                        text(&l.deduction),
                        int(l.rank_in_county),
                        text(&l.change),
                    ]
                })
                .collect()
        } else {
            cells_of(town_columns, &layout.town_cells)
        },
    );
    let problems = sheet(
        vec![
            Column::new("乡镇（街道）", 18.0, ColumnKind::Text),
            Column::new("县（市、区）", 14.0, ColumnKind::Text),
            Column::new("问题区域", 12.0, ColumnKind::Text),
            Column::new("问题", 40.0, ColumnKind::Text),
            Column::new("具体位置", 26.0, ColumnKind::Text),
            Column::new("发现时间", 20.0, ColumnKind::Text),
            Column::new("扣分", 8.0, ColumnKind::Text),
            Column::new("整改期限", 16.0, ColumnKind::Text),
            Column::new("整改状态", 12.0, ColumnKind::Text),
            Column::new("备注", 30.0, ColumnKind::Text),
        ],
        doc.problems
            .iter()
            .flat_map(|town| town.items.iter().map(move |item| (town, item)))
            .map(|(town, p)| {
                vec![
                    text(&town.town),
                    text(&town.county),
                    text(&p.area),
                    text(&p.item),
                    text(&p.place),
                    text(&p.found_at),
                    text(&p.deduction),
                    text(&p.deadline),
                    text(&p.state),
                    text(&p.note),
                ]
            })
            .collect(),
    );
    let wording = &layout.wording;
    tables_to_xlsx(
        &doc.title,
        &[
            (wording.county_sheet.as_str(), &counties),
            (wording.town_sheet.as_str(), &towns),
            (wording.problems_sheet.as_str(), &problems),
        ],
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::error::Error;
    use std::io::{Cursor, Read};

    use calamine::{Data, Reader, Xlsx};

    use super::*;

    type TestResult = Result<(), Box<dyn Error>>;

    /// A valid baseline greyscale JPEG of `width` × `height` pixels, all
    /// mid-grey: one quantisation table, one-code Huffman tables (DC
    /// difference 0, AC end of block), so every 8 × 8 block is 2 bits of
    /// scan data.
    fn tiny_jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8];
        // APP0 "JFIF" 1.1, no density, no thumbnail.
        jpeg.extend_from_slice(&[
            0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
            0x00, 0x01, 0x00, 0x00,
        ]);
        // DQT: table 0, 8-bit, all ones.
        jpeg.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
        jpeg.extend_from_slice(&[1; 64]);
        // SOF0: 8-bit precision, height, width, one component (id 1, 1×1, table 0).
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        jpeg.extend_from_slice(&height.to_be_bytes());
        jpeg.extend_from_slice(&width.to_be_bytes());
        jpeg.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        // DHT: DC table 0, then AC table 0; each one code of length 1 for symbol 0.
        for class in [0x00, 0x10] {
            jpeg.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class, 1]);
            jpeg.extend_from_slice(&[0; 15]);
            jpeg.push(0x00);
        }
        // SOS: one component, tables 0/0, full spectrum.
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        let blocks = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
        let bits = blocks * 2;
        let mut scan = vec![0u8; bits.div_ceil(8)];
        if bits % 8 != 0 {
            if let Some(last) = scan.last_mut() {
                *last = 0xFF >> (bits % 8); // pad with one bits
            }
        }
        jpeg.extend(scan);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg
    }

    fn photo(width: u16, height: u16, caption: &str) -> NoticePhoto {
        NoticePhoto {
            jpeg: tiny_jpeg(width, height),
            width_px: 0, // read from the JPEG header
            height_px: 0,
            caption: caption.to_owned(),
        }
    }

    fn problem(item: &str, before: Vec<NoticePhoto>, after: Vec<NoticePhoto>) -> ProblemLine {
        ProblemLine {
            area: "环境美".into(),
            item: item.into(),
            place: "人民路与解放路交叉口".into(),
            found_at: "2020年9月3日 10:20".into(),
            deduction: "2".into(),
            deadline: "2020年10月31日".into(),
            state: "整改中".into(),
            note: String::new(),
            before,
            after,
        }
    }

    const COUNTIES: [&str; 3] = ["椒江区", "黄岩区", "路桥区"];
    const TOWNS: [(&str, &str); 8] = [
        ("椒江区", "海门街道"),
        ("椒江区", "白云街道"),
        ("椒江区", "章安街道"),
        ("黄岩区", "宁溪镇"),
        ("黄岩区", "北洋镇"),
        ("黄岩区", "头陀镇"),
        ("路桥区", "金清镇"),
        ("路桥区", "蓬街镇"),
    ];
    /// Photos in [`sample`].
    const PHOTOS: usize = 7;

    fn sample() -> NoticeDoc {
        NoticeDoc {
            title: "关于2020年第三季度美丽城镇暗访督查情况的通报".into(),
            doc_number: "台美镇办〔2020〕12号".into(),
            issuer: "台州市美丽城镇建设工作领导小组办公室".into(),
            date_zh: "2020年10月15日".into(),
            opening: vec![
                "各县（市、区）美丽城镇建设工作领导小组办公室：".into(),
                "   ".into(),
                "为推进美丽城镇建设，市美镇办组织开展了第三季度暗访督查。".into(),
            ],
            method: "暗访采取“三不两直”方式，覆盖全市8个乡镇（街道）。".into(),
            county_table: COUNTIES
                .iter()
                .enumerate()
                .map(|(i, county)| CountyScoreLine {
                    rank: i as u32 + 1,
                    county: (*county).into(),
                    towns: if i == 2 { 2 } else { 3 },
                    average: ["92.35", "88.10", "—"][i].into(),
                    findings: i as u32 * 3,
                    change: ["↑2", "↓1", "新"][i].into(),
                })
                .collect(),
            town_table: TOWNS
                .iter()
                .enumerate()
                .map(|(i, (county, town))| TownScoreLine {
                    rank: i as u32 + 1,
                    county: (*county).into(),
                    town: (*town).into(),
                    score: format!("{:.2}", 96.0 - i as f64 * 1.5),
                    findings: i as u32,
                    deduction: format!("{:.1}", 4.0 + i as f64 * 1.5),
                    rank_in_county: i as u32 % 3 + 1,
                    change: "—".into(),
                })
                .collect(),
            best: vec!["椒江区海门街道".into(), "椒江区白云街道".into()],
            last: vec!["路桥区蓬街镇".into()],
            problems: vec![
                TownProblems {
                    town: "海门街道".into(),
                    county: "椒江区".into(),
                    items: Vec::new(),
                },
                TownProblems {
                    town: "宁溪镇".into(),
                    county: "黄岩区".into(),
                    items: vec![
                        problem(
                            "主干道两侧垃圾乱堆放",
                            vec![photo(64, 48, "垃圾堆放现场"), photo(48, 64, "")],
                            vec![photo(64, 48, "已清理")],
                        ),
                        problem(
                            "店外经营<占道>",
                            vec![photo(40, 30, "占道经营")],
                            Vec::new(),
                        ),
                    ],
                },
                TownProblems {
                    town: "章安街道".into(),
                    county: "椒江区".into(),
                    items: vec![problem("公厕保洁不到位", Vec::new(), Vec::new())],
                },
                TownProblems {
                    town: "蓬街镇".into(),
                    county: "路桥区".into(),
                    items: vec![problem(
                        "河道漂浮物未清理",
                        vec![
                            photo(64, 48, "河道一"),
                            photo(64, 48, "河道二"),
                            photo(64, 48, "河道三"),
                        ],
                        Vec::new(),
                    )],
                },
            ],
            requirements: vec!["请于2020年10月31日前完成整改，并报送整改情况。".into()],
            closing: vec!["特此通报。".into()],
            chart_title: "各县（市、区）平均得分".into(),
        }
    }

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

    fn text(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<String, Box<dyn Error>> {
        let data = parts.get(name).ok_or_else(|| format!("no part {name}"))?;
        Ok(String::from_utf8(data.clone())?)
    }

    /// Fails unless `xml` is well-formed (matching tags, valid escapes).
    fn well_formed(xml: &str) -> TestResult {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut depth = 0usize;
        loop {
            match reader.read_event()? {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Text(t) => {
                    t.unescape()?;
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        if depth == 0 {
            Ok(())
        } else {
            Err(format!("{depth} unclosed element(s)").into())
        }
    }

    /// Unzips a DOCX, checks that every XML part is well-formed and every
    /// relationship of the document points at a part, and returns the parts.
    fn check_docx(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, Box<dyn Error>> {
        let parts = unzip(bytes)?;
        for name in parts.keys() {
            if name.ends_with(".xml") || name.ends_with(".rels") {
                well_formed(&text(&parts, name)?).map_err(|e| format!("{name}: {e}"))?;
            }
        }
        let rels = text(&parts, "word/_rels/document.xml.rels")?;
        for target in rels.split("Target=\"").skip(1) {
            let target = target.split('"').next().unwrap_or_default();
            let name = format!("word/{target}");
            assert!(parts.contains_key(&name), "missing {name}");
        }
        // Every part has a content type, by extension or by name.
        let types = text(&parts, "[Content_Types].xml")?;
        for name in parts.keys().filter(|n| *n != "[Content_Types].xml") {
            let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
            assert!(
                types.contains(&format!("<Default Extension=\"{extension}\""))
                    || types.contains(&format!("<Override PartName=\"/{name}\"")),
                "{name} has no content type"
            );
        }
        Ok(parts)
    }

    fn media_count(parts: &BTreeMap<String, Vec<u8>>) -> usize {
        parts
            .keys()
            .filter(|n| n.starts_with("word/media/"))
            .count()
    }

    #[test]
    fn tiny_jpeg_is_recognised() {
        let jpeg = tiny_jpeg(64, 48);
        assert_eq!(ImageFormat::sniff(&jpeg), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::Jpeg.pixel_size(&jpeg), Some((64, 48)));
        assert_eq!(jpeg.len(), 2 + 18 + 69 + 13 + 2 * 22 + 10 + 12 + 2);
    }

    #[test]
    fn docx_holds_everything() -> TestResult {
        let doc = sample();
        let parts = check_docx(&notice_docx(&doc)?)?;
        let xml = text(&parts, "word/document.xml")?;

        assert!(xml.contains(&doc.title));
        assert!(xml.contains("台美镇办〔2020〕12号"));
        assert!(xml.contains("2020年10月15日"));
        for (county, town) in TOWNS {
            assert!(xml.contains(town), "{town} missing");
            assert!(xml.contains(county), "{county} missing");
        }
        for heading in [
            HEADING_OVERVIEW,
            HEADING_SCORES,
            HEADING_PRAISE,
            HEADING_PROBLEMS,
            HEADING_REQUIREMENTS,
        ] {
            assert!(xml.contains(heading), "{heading} missing");
        }
        assert!(xml.contains("“三不两直”"));
        assert!(xml.contains("对暗访得分排名靠前的椒江区海门街道、椒江区白云街道予以通报表扬。"));
        assert!(xml.contains("路桥区蓬街镇予以通报批评"));
        assert!(xml.contains("（一）黄岩区宁溪镇（2个问题）"));
        assert!(xml.contains("（二）椒江区章安街道（1个问题）"));
        assert!(xml.contains("（三）路桥区蓬街镇（1个问题）"));
        // A town without items is not listed under 四.
        assert!(!xml.contains("海门街道（"));
        assert!(xml.contains("2．店外经营&lt;占道&gt;。"));
        assert!(xml.contains("整改前：垃圾堆放现场"));
        assert!(xml.contains("整改后：已清理"));
        assert!(
            xml.contains(">整改前<"),
            "a label stands in for an empty caption"
        );
        assert!(xml.contains("特此通报。"));
        assert!(!xml.contains(NO_PROBLEMS));
        assert!(!xml.contains(DEFAULT_REQUIREMENT));

        // Two ranking tables with repeated, bordered header rows.
        assert_eq!(xml.matches("<w:tblHeader/>").count(), 2);
        assert!(xml.contains("w:val=\"single\""));
        // Title bold, issuer and date right-aligned at the end.
        assert!(xml.contains("<w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:rPr><w:b/>"));
        let tail = &xml[xml.rfind("特此通报").ok_or("no closing")?..];
        assert_eq!(tail.matches("<w:jc w:val=\"right\"/>").count(), 2);
        assert!(tail.contains("台州市美丽城镇建设工作领导小组办公室"));
        assert!(tail.contains("2020年10月15日"));
        // Page numbers.
        assert!(xml.contains("<w:footerReference w:type=\"default\""));
        assert!(text(&parts, "word/footer1.xml")?.contains(" PAGE "));

        // The native chart: the counties whose average is a number.
        assert!(xml.contains("<c:chart r:id="));
        let chart = text(&parts, "word/charts/chart1.xml")?;
        assert!(chart.contains("<c:barChart>"));
        assert!(chart.contains("各县（市、区）平均得分"));
        assert!(chart.contains("<c:v>椒江区</c:v>") && chart.contains("<c:v>黄岩区</c:v>"));
        assert!(!chart.contains("<c:v>路桥区</c:v>"), "“—” is not charted");
        assert!(chart.contains("<c:v>92.35</c:v>"));
        assert!(parts.contains_key("word/embeddings/Microsoft_Excel_Worksheet1.xlsx"));

        // One media file and one picture per photo, in document order.
        assert_eq!(media_count(&parts), PHOTOS);
        assert_eq!(xml.matches("<pic:pic>").count(), PHOTOS);
        assert_eq!(parts["word/media/image1.jpeg"], tiny_jpeg(64, 48));
        assert_eq!(parts["word/media/image2.jpeg"], tiny_jpeg(48, 64));
        assert_eq!(parts["word/media/image4.jpeg"], tiny_jpeg(40, 30));
        // 64 × 48 fitted into 7 cm: 7 cm × 5.25 cm; portrait 48 × 64 the other way.
        assert!(xml.contains("<wp:extent cx=\"2520000\" cy=\"1890000\"/>"));
        assert!(xml.contains("<wp:extent cx=\"1890000\" cy=\"2520000\"/>"));
        // The odd third photo of 蓬街镇 spans both columns.
        assert_eq!(xml.matches("<w:gridSpan w:val=\"2\"/>").count(), 2);

        // Drawing ids are unique.
        let mut ids: Vec<&str> = xml
            .split("<wp:docPr id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let total = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), total);
        assert_eq!(total, PHOTOS + 1);

        let core = text(&parts, "docProps/core.xml")?;
        assert!(core.contains("<dc:title>关于2020年第三季度美丽城镇暗访督查情况的通报</dc:title>"));
        Ok(())
    }

    #[test]
    fn empty_sections_say_so() -> TestResult {
        let mut doc = sample();
        doc.problems.clear();
        doc.requirements.clear();
        let parts = check_docx(&notice_docx(&doc)?)?;
        let xml = text(&parts, "word/document.xml")?;
        assert!(xml.contains(HEADING_PROBLEMS));
        assert!(xml.contains("本轮暗访未发现问题。"));
        assert!(xml.contains(NO_REQUIREMENTS));
        assert_eq!(media_count(&parts), 0);
        assert!(!xml.contains("<pic:pic>"));

        // Problems listed only for towns without items count as none.
        doc.problems = vec![TownProblems {
            town: "宁溪镇".into(),
            county: "黄岩区".into(),
            items: Vec::new(),
        }];
        let xml = text(&unzip(&notice_docx(&doc)?)?, "word/document.xml")?;
        assert!(xml.contains(NO_PROBLEMS));

        // Problems without requirements get the default requirement.
        let mut doc = sample();
        doc.requirements = vec![" ".into()];
        let xml = text(&unzip(&notice_docx(&doc)?)?, "word/document.xml")?;
        assert!(xml.contains(DEFAULT_REQUIREMENT));
        Ok(())
    }

    #[test]
    fn empty_notice_is_a_valid_document() -> TestResult {
        let doc = NoticeDoc::default();
        let parts = check_docx(&notice_docx(&doc)?)?;
        let xml = text(&parts, "word/document.xml")?;
        for sentence in [
            NO_OVERVIEW,
            NO_SCORES,
            NO_BEST,
            NO_LAST,
            NO_PROBLEMS,
            NO_REQUIREMENTS,
        ] {
            assert!(xml.contains(sentence), "{sentence} missing");
        }
        assert!(!xml.contains("<w:tbl>"));
        assert!(!parts.keys().any(|n| n.starts_with("word/charts/")));
        assert!(!xml.contains("<w:jc w:val=\"right\"/>"));
        // The body ends with a paragraph before the section properties.
        assert!(xml.contains("</w:p><w:sectPr>"));
        Ok(())
    }

    #[test]
    fn no_chart_without_numeric_averages() -> TestResult {
        let mut doc = sample();
        for line in &mut doc.county_table {
            line.average = "—".into();
        }
        let parts = check_docx(&notice_docx(&doc)?)?;
        assert!(!parts.contains_key("word/charts/chart1.xml"));
        let xml = text(&parts, "word/document.xml")?;
        assert!(!xml.contains("<c:chart "));
        assert!(xml.contains(COUNTY_TABLE_TITLE));
        Ok(())
    }

    #[test]
    fn bad_photos_are_reported_by_position() {
        let mut doc = sample();
        // The fourth photo: 宁溪镇's second problem, first before photo.
        doc.problems[1].items[1].before[0].jpeg = b"GIF89a".to_vec();
        match notice_docx(&doc) {
            Err(DocumentError::InvalidPhoto { index, caption, .. }) => {
                assert_eq!(index, 4);
                assert_eq!(caption, "占道经营");
            }
            other => panic!("expected InvalidPhoto, got {other:?}"),
        }

        let mut doc = sample();
        doc.problems[3].items[0].before[1].jpeg.clear();
        assert!(matches!(
            notice_docx(&doc),
            Err(DocumentError::InvalidPhoto { index: 6, .. })
        ));
    }

    #[test]
    fn output_is_deterministic() -> TestResult {
        assert_eq!(notice_docx(&sample())?, notice_docx(&sample())?);
        Ok(())
    }

    fn sheet(bytes: &[u8], name: &str) -> Result<calamine::Range<Data>, Box<dyn Error>> {
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))?;
        Ok(book.worksheet_range(name)?)
    }

    fn row_texts(range: &calamine::Range<Data>, row: usize) -> Vec<String> {
        range
            .rows()
            .nth(row)
            .map(|cells| cells.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    #[test]
    fn xlsx_has_three_sheets_with_every_row() -> TestResult {
        let doc = sample();
        let bytes = notice_xlsx(&doc)?;
        let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone()))?;
        assert_eq!(book.sheet_names(), ["县区排名", "乡镇得分", "问题清单"]);

        let counties = sheet(&bytes, "县区排名")?;
        assert_eq!(counties.get_size(), (1 + 3, 6));
        assert_eq!(
            row_texts(&counties, 0),
            [
                "排名",
                "县（市、区）",
                "暗访乡镇数",
                "平均得分",
                "发现问题数",
                "较上轮"
            ]
        );
        assert_eq!(counties.get((1, 0)), Some(&Data::Float(1.0)));
        assert_eq!(
            row_texts(&counties, 1)[1..],
            ["椒江区", "3", "92.35", "0", "↑2"]
        );
        assert_eq!(row_texts(&counties, 3)[3], "—");

        let towns = sheet(&bytes, "乡镇得分")?;
        assert_eq!(towns.get_size(), (1 + 8, 8));
        assert_eq!(row_texts(&towns, 0)[2], "乡镇（街道）");
        for (i, (county, town)) in TOWNS.iter().enumerate() {
            let row = row_texts(&towns, i + 1);
            assert_eq!(row[0], (i + 1).to_string());
            assert_eq!([row[1].as_str(), row[2].as_str()], [*county, *town]);
        }
        assert_eq!(row_texts(&towns, 1)[3], "96.00");

        let problems = sheet(&bytes, "问题清单")?;
        let expected_rows: usize = doc.problems.iter().map(|t| t.items.len()).sum();
        assert_eq!(expected_rows, 4);
        assert_eq!(problems.get_size(), (1 + expected_rows, 10));
        assert_eq!(
            row_texts(&problems, 0),
            [
                "乡镇（街道）",
                "县（市、区）",
                "问题区域",
                "问题",
                "具体位置",
                "发现时间",
                "扣分",
                "整改期限",
                "整改状态",
                "备注"
            ]
        );
        assert_eq!(
            row_texts(&problems, 1)[..9],
            [
                "宁溪镇",
                "黄岩区",
                "环境美",
                "主干道两侧垃圾乱堆放",
                "人民路与解放路交叉口",
                "2020年9月3日 10:20",
                "2",
                "2020年10月31日",
                "整改中"
            ]
        );
        assert_eq!(row_texts(&problems, 2)[3], "店外经营<占道>");
        assert_eq!(row_texts(&problems, 4)[..2], ["蓬街镇", "路桥区"]);

        // Header row frozen and bold on every sheet.
        let parts = unzip(&bytes)?;
        for n in 1..=3 {
            let xml = text(&parts, &format!("xl/worksheets/sheet{n}.xml"))?;
            assert!(xml.contains("ySplit=\"1\""), "sheet{n} not frozen");
            assert!(xml.contains("<col "), "sheet{n} has no widths");
        }
        assert!(text(&parts, "xl/styles.xml")?.contains("<b/>"));
        Ok(())
    }

    #[test]
    fn empty_xlsx_keeps_the_headers() -> TestResult {
        let bytes = notice_xlsx(&NoticeDoc::default())?;
        for (name, columns) in [("县区排名", 6), ("乡镇得分", 8), ("问题清单", 10)] {
            assert_eq!(sheet(&bytes, name)?.get_size(), (1, columns), "{name}");
        }
        Ok(())
    }

    /// A quarterly layout: other columns, cells as texts, other sentences.
    fn quarterly() -> NoticeLayout {
        let column = |h: &str, w: u32, integer: bool| NoticeColumn::new(h, w, 10.0, integer);
        NoticeLayout {
            columns: NoticeColumns {
                county_title: "各县（市、区）综合得分排名".into(),
                county: vec![
                    column("排名", 2, true),
                    column("县（市、区）", 5, false),
                    column("考核乡镇数", 3, true),
                    column("平均综合得分", 3, false),
                    column("较上季度", 3, false),
                ],
                town_title: "各乡镇（街道）综合得分排名".into(),
                town: vec![
                    column("排名", 2, true),
                    column("县（市、区）", 4, false),
                    column("乡镇（街道）", 5, false),
                    column("综合得分", 3, false),
                    column("暗访得分", 3, false),
                    column("开工率", 3, false),
                    column("投资完成率", 3, false),
                    column("按时报送", 3, false),
                ],
            },
            wording: NoticeWording {
                best_lead: "对综合得分排名前列的".into(),
                problems_heading: "四、逾期未整改问题".into(),
                no_problems: "本季度暗访发现的问题无逾期未整改情况。".into(),
                county_sheet: "县区考核".into(),
                town_sheet: "乡镇考核".into(),
                problems_sheet: "逾期问题".into(),
                ..NoticeWording::default()
            },
            county_cells: COUNTIES
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        (i + 1).to_string(),
                        (*c).into(),
                        "3".into(),
                        "88.10".into(),
                        "—".into(),
                    ]
                })
                .collect(),
            town_cells: TOWNS
                .iter()
                .enumerate()
                .map(|(i, (c, t))| {
                    let mut row: Vec<String> = vec![
                        if i == 7 {
                            "—".into()
                        } else {
                            (i + 1).to_string()
                        },
                        (*c).into(),
                        (*t).into(),
                        "85.20".into(),
                        if i == 2 { "—".into() } else { "91.00".into() },
                        "100.00".into(),
                        "45.50".into(),
                        "66.67".into(),
                    ];
                    if i == 6 {
                        row.truncate(5); // padded with blank cells
                    }
                    row
                })
                .collect(),
        }
    }

    #[test]
    fn layout_relabels_tables_and_sentences() -> TestResult {
        let mut doc = sample();
        doc.problems.clear();
        let layout = quarterly();
        let parts = check_docx(&notice_docx_with(&doc, &layout)?)?;
        let xml = text(&parts, "word/document.xml")?;
        for label in [
            "各县（市、区）综合得分排名",
            "各乡镇（街道）综合得分排名",
            "综合得分",
            "暗访得分",
            "开工率",
            "投资完成率",
            "按时报送",
            "较上季度",
            "四、逾期未整改问题",
            "本季度暗访发现的问题无逾期未整改情况。",
            "对综合得分排名前列的椒江区海门街道、椒江区白云街道予以通报表扬。",
            "45.50",
        ] {
            assert!(xml.contains(label), "{label} missing");
        }
        for (_, town) in TOWNS {
            assert!(xml.contains(town), "{town} missing");
        }
        for gone in [
            ">问题数<",
            ">扣分<",
            ">县内排名<",
            HEADING_PROBLEMS,
            NO_PROBLEMS,
        ] {
            assert!(!xml.contains(gone), "{gone} still there");
        }
        // Widths scaled to the text width; one header and one cell per column.
        let grid: Vec<u32> = xml
            .split("<w:tblGrid>")
            .nth(2)
            .unwrap_or_default()
            .split("</w:tblGrid>")
            .next()
            .unwrap_or_default()
            .split("w:w=\"")
            .skip(1)
            .filter_map(|w| w.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(grid.len(), 8, "{grid:?}");
        assert_eq!(grid.iter().sum::<u32>(), TEXT_WIDTH);
        // The chart still comes from the county lines.
        assert!(text(&parts, "word/charts/chart1.xml")?.contains("<c:v>92.35</c:v>"));

        let bytes = notice_xlsx_with(&doc, &layout)?;
        let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone()))?;
        assert_eq!(book.sheet_names(), ["县区考核", "乡镇考核", "逾期问题"]);
        let towns = sheet(&bytes, "乡镇考核")?;
        assert_eq!(towns.get_size(), (1 + 8, 8));
        assert_eq!(
            row_texts(&towns, 0),
            [
                "排名",
                "县（市、区）",
                "乡镇（街道）",
                "综合得分",
                "暗访得分",
                "开工率",
                "投资完成率",
                "按时报送"
            ]
        );
        assert_eq!(towns.get((1, 0)), Some(&Data::Float(1.0)));
        assert_eq!(row_texts(&towns, 8)[0], "—");
        assert_eq!(row_texts(&towns, 3)[4], "—");
        assert_eq!(row_texts(&towns, 7)[5..], ["", "", ""]);
        let counties = sheet(&bytes, "县区考核")?;
        assert_eq!(counties.get_size(), (1 + 3, 5));
        assert_eq!(counties.get((1, 2)), Some(&Data::Float(3.0)));
        Ok(())
    }

    #[test]
    fn default_layout_is_the_round_notice() -> TestResult {
        let doc = sample();
        assert_eq!(
            notice_docx_with(&doc, &NoticeLayout::default())?,
            notice_docx(&doc)?
        );
        let columns = NoticeColumns::default();
        let headers: Vec<&str> = columns.town.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(headers, TOWN_HEADERS);
        assert_eq!(scaled_widths(&columns.county), COUNTY_WIDTHS);
        assert_eq!(scaled_widths(&columns.town), TOWN_WIDTHS);
        let zero = vec![NoticeColumn::new("a", 0, 8.0, false); 7];
        let widths = scaled_widths(&zero);
        assert_eq!(widths.iter().sum::<u32>(), TEXT_WIDTH);
        assert!(scaled_widths(&[]).is_empty());
        Ok(())
    }

    #[test]
    fn table_columns_fill_the_text_width() {
        assert_eq!(COUNTY_WIDTHS.iter().sum::<u32>(), TEXT_WIDTH);
        assert_eq!(TOWN_WIDTHS.iter().sum::<u32>(), TEXT_WIDTH);
    }

    #[test]
    fn chinese_numbers() {
        let got: Vec<String> = [1, 9, 10, 11, 19, 20, 21, 99, 100]
            .into_iter()
            .map(chinese_number)
            .collect();
        assert_eq!(
            got,
            [
                "一",
                "九",
                "十",
                "十一",
                "十九",
                "二十",
                "二十一",
                "九十九",
                "100"
            ]
        );
    }
}
