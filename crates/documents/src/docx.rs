//! Word documents (DOCX): the monthly illustrated progress report
//! (每月图文并茂的项目进度月报), written from plain data by
//! [`progress_report_docx`].
//!
//! # Layout
//!
//! A4 portrait with 公文 margins (top 37 mm, bottom 35 mm, left 28 mm,
//! right 26 mm), page numbers "— 1 —" centred in the footer (宋体 四号).
//! Top to bottom:
//!
//! 1. title (方正小标宋简体 二号 22 pt, centred) and subtitle (楷体_GB2312
//!    三号, centred);
//! 2. masthead line: issuer on the left, date on the right, red rule below;
//! 3. sections, each under an optional 黑体 三号 heading
//!    ([`ReportHeadings`]) and left out entirely when it has no content:
//!    * overview — the [`headline`](ProgressReport::headline) paragraphs;
//!    * ranking — [`ranking_title`](ProgressReport::ranking_title) centred
//!      (黑体 四号) over the ranking table: 宋体 五号 10.5 pt, borders, a
//!      shaded header row repeated on every page, rows never split across
//!      pages, the 合计 row in bold;
//!    * charts — [`rate_chart`](ProgressReport::rate_chart) (clustered
//!      columns) and [`trend_chart`](ProgressReport::trend_chart) (lines),
//!      each the full text width and 9 cm high;
//!    * photos — two per row in a borderless table, each fitted (aspect ratio
//!      kept) into a 7.2 cm square and followed by its caption (楷体 小四,
//!      centred); an odd last photo is centred on its own row;
//!    * closing paragraphs.
//!
//! Body text is 仿宋_GB2312 三号 16 pt with an exact 28 pt line pitch and a
//! two-character first-line indent; Latin text and digits are Times New
//! Roman throughout. Line breaks (`\n`) and tabs inside any text are kept.
//!
//! # Fonts
//!
//! Fonts are only *named*, never embedded. The font table gives each Chinese
//! font its GB2312 charset and PANOSE class, and `altName`s for the
//! `_GB2312` fonts that current Windows lacks (仿宋, 楷体), so Word and WPS
//! substitute a Chinese font of the same style; LibreOffice goes through
//! fontconfig (e.g. Noto Serif/Sans CJK).
//!
//! # Charts
//!
//! Charts are native Word charts (`word/charts/chartN.xml`), drawn by the
//! viewer with its own fonts, so Chinese labels never depend on fonts in this
//! crate. Their data is cached in the chart part (`c:strCache` /
//! `c:numCache`), which is what Word, WPS and LibreOffice display, and is
//! also written to a small embedded workbook
//! (`word/embeddings/Microsoft_Excel_WorksheetN.xlsx`) so that Word's
//! "编辑数据" works. Bar values are fractions (`0.9756`); with
//! [`BarChart::percent`] the value axis is formatted `0%` and the value
//! labels `0.0%`, otherwise numbers are shown as they are. Bars always start
//! at zero unless a value is negative. Line values are 万元 (axis `#,##0`),
//! and a `None` value leaves a gap in the line. A chart without categories
//! or without series is left out.
//!
//! # Determinism
//!
//! The same [`ProgressReport`] always gives the same bytes: no times,
//! random ids or hash-ordered data are written (zip entries carry the DOS
//! epoch, the document properties have no dates).

pub(crate) mod chart;
pub(crate) mod image;
pub(crate) mod package;
pub(crate) mod parts;
pub(crate) mod xml;

use chart::{Chart, REL_CHART};
use image::{fit, ImageFormat};
use package::{Package, Relationships, CT_APP, CT_CORE, REL_APP, REL_CORE, REL_OFFICE_DOCUMENT};
use parts::{
    CT_DOCUMENT, CT_FONT_TABLE, CT_FOOTER, CT_SETTINGS, CT_STYLES, NS_R, NS_W, REL_FONT_TABLE,
    REL_FOOTER, REL_IMAGE, REL_SETTINGS, REL_STYLES, TEXT_WIDTH,
};
use xml::{escape, escape_into, DECLARATION};

use crate::DocumentError;

/// The data of a monthly progress report (项目进度月报). All figures are
/// already formatted by the caller; blank strings leave their element out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProgressReport {
    /// Main title, e.g. `"台州市美丽城镇建设项目进度月报"`.
    pub title: String,
    /// Line under the title, e.g. `"2020年12月"`.
    pub subtitle: String,
    /// Issuing office, left on the masthead line, e.g.
    /// `"台州市美丽城镇建设工作领导小组办公室"`. Also the document's author.
    pub issuer: String,
    /// Date, right on the masthead line, e.g. `"2021年1月5日"`.
    pub date_text: String,
    /// Section headings, e.g. `"一、总体进展"`.
    pub headings: ReportHeadings,
    /// Overview paragraphs, e.g. `"截至12月底，全市共有项目2086个，已开工2035个，开工率97.56%……"`.
    pub headline: Vec<String>,
    /// Title centred above the ranking table, e.g.
    /// `"各县（市、区）美丽城镇建设项目推进情况排名"`.
    pub ranking_title: String,
    /// Column headers of the ranking table; see [`RankingHeaders::default`].
    pub ranking_headers: RankingHeaders,
    /// Ranking table rows, top to bottom.
    pub ranking: Vec<RankingRow>,
    /// 合计 row in bold below the ranking, e.g. with `name: "全市合计"`.
    pub total_row: Option<RankingRow>,
    /// Rates by area as clustered columns (开工率、完工率、投资完成率).
    pub rate_chart: BarChart,
    /// Monthly investment trend as lines (万元).
    pub trend_chart: LineChart,
    /// Site photos with captions.
    pub photos: Vec<Photo>,
    /// Closing paragraphs (存在问题、下步工作……).
    pub closing: Vec<String>,
}

/// Headings of the report's sections (黑体 三号, two-character indent, shown
/// in Word's navigation pane). A blank heading is left out; so is the heading
/// of a section without content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportHeadings {
    /// Above [`ProgressReport::headline`], e.g. `"一、总体进展情况"`.
    pub overview: String,
    /// Above the ranking table, e.g. `"二、各地推进情况"`.
    pub ranking: String,
    /// Above the charts, e.g. `"三、投资完成情况"`.
    pub charts: String,
    /// Above the photos, e.g. `"四、建设现场"`.
    pub photos: String,
    /// Above [`ProgressReport::closing`], e.g. `"五、下步工作"`.
    pub closing: String,
}

/// One row of the ranking table. Rates and amounts come formatted
/// (`"97.56%"`, `"12345.67"`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RankingRow {
    /// 排名, e.g. `"1"` (may be blank in the 合计 row).
    pub rank: String,
    /// Area or town, e.g. `"椒江区"`.
    pub name: String,
    /// Number of projects.
    pub projects: i64,
    /// 开工率, e.g. `"97.56%"`.
    pub start_rate: String,
    /// 完工率.
    pub completion_rate: String,
    /// 计划投资（万元）.
    pub planned_wan: String,
    /// 完成投资（万元）.
    pub completed_wan: String,
    /// 投资完成率.
    pub investment_rate: String,
    /// 较上月 change in rank, e.g. `"↑2"`, `"—"`.
    pub change: String,
}

/// Column headers of the ranking table, left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankingHeaders {
    /// `"排名"`.
    pub rank: String,
    /// `"县（市、区）"`.
    pub name: String,
    /// `"项目数（个）"`.
    pub projects: String,
    /// `"开工率"`.
    pub start_rate: String,
    /// `"完工率"`.
    pub completion_rate: String,
    /// `"计划投资（万元）"`.
    pub planned_wan: String,
    /// `"完成投资（万元）"`.
    pub completed_wan: String,
    /// `"投资完成率"`.
    pub investment_rate: String,
    /// `"较上月"`.
    pub change: String,
}

impl Default for RankingHeaders {
    fn default() -> Self {
        RankingHeaders {
            rank: "排名".into(),
            name: "县（市、区）".into(),
            projects: "项目数（个）".into(),
            start_rate: "开工率".into(),
            completion_rate: "完工率".into(),
            planned_wan: "计划投资（万元）".into(),
            completed_wan: "完成投资（万元）".into(),
            investment_rate: "投资完成率".into(),
            change: "较上月".into(),
        }
    }
}

/// A clustered column chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Title above the chart; blank for none.
    pub title: String,
    /// Category (x axis) labels, e.g. the areas.
    pub categories: Vec<String>,
    /// `(series name, one value per category)`. Values must be finite.
    pub series: Vec<(String, Vec<f64>)>,
    /// Values are fractions shown as percentages (`0.9756` → 97.6%).
    pub percent: bool,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Title above the chart; blank for none.
    pub title: String,
    /// Category (x axis) labels, e.g. `"1月"` … `"12月"`.
    pub categories: Vec<String>,
    /// `(series name, one value per category)` in 万元; `None` for no value
    /// (a gap, e.g. months still to come). Values must be finite.
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// A photo, JPEG or PNG, with its caption.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Photo {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Caption under the photo, also its alternative text.
    pub caption: String,
    /// Width in pixels as the photo should appear. Only the ratio of width
    /// to height matters; when either is 0 the size in the file's header is
    /// used. EXIF orientation is not applied: pass upright images (or the
    /// displayed size of a rotated one, at the risk of some viewers
    /// stretching it).
    pub width_px: u32,
    /// Height in pixels, see [`width_px`](Self::width_px).
    pub height_px: u32,
}

/// EMU (English Metric Units) per twip: 914,400 per inch, 1,440 twips per inch.
const EMU_PER_TWIP: u64 = 635;
/// Charts span the text width and are 9 cm high.
const CHART_CX: u64 = TEXT_WIDTH as u64 * EMU_PER_TWIP;
const CHART_CY: u64 = 3_240_000;
/// Photos fit in a square of 4,100 twips (7.23 cm), which leaves the cell
/// margins free in a half-width cell.
const PHOTO_BOX: u64 = 4_100 * EMU_PER_TWIP;
/// Ranking table column widths (twips), adding up to the text width.
const RANKING_WIDTHS: [u32; 9] = [600, 1500, 850, 950, 950, 1150, 1150, 950, 745];
const HEADER_FILL: &str = "D9E2F3";

/// A photo checked and measured.
struct PreparedPhoto<'a> {
    photo: &'a Photo,
    format: ImageFormat,
    cx: u64,
    cy: u64,
}

fn prepare_photo(index: usize, photo: &Photo) -> Result<PreparedPhoto<'_>, DocumentError> {
    let error = |reason: &str| DocumentError::InvalidPhoto {
        index: index + 1,
        caption: photo.caption.clone(),
        reason: reason.to_owned(),
    };
    if photo.bytes.is_empty() {
        return Err(error("图片内容为空"));
    }
    let format =
        ImageFormat::sniff(&photo.bytes).ok_or_else(|| error("只支持 JPEG 或 PNG 格式的图片"))?;
    let (width, height) = if photo.width_px > 0 && photo.height_px > 0 {
        (photo.width_px, photo.height_px)
    } else {
        format
            .pixel_size(&photo.bytes)
            .ok_or_else(|| error("无法读取图片尺寸，请提供宽度和高度（像素）"))?
    };
    let (cx, cy) = fit(width, height, PHOTO_BOX, PHOTO_BOX);
    Ok(PreparedPhoto {
        photo,
        format,
        cx,
        cy,
    })
}

/// Writes the monthly progress report as a DOCX file in memory.
///
/// See the [module docs](self) for the layout. Charts without data, an
/// empty ranking and no photos are all fine: those sections are left out.
///
/// # Errors
///
/// * [`DocumentError::InvalidChart`] — a series with more or fewer values
///   than there are categories, or a value that is not finite;
/// * [`DocumentError::InvalidPhoto`] — empty bytes, neither JPEG nor PNG, or
///   no size given and none readable from the file;
/// * [`DocumentError::Docx`] — the zip container could not be written
///   (not expected in practice).
pub fn progress_report_docx(r: &ProgressReport) -> Result<Vec<u8>, DocumentError> {
    let charts: Vec<Chart<'_>> = [Chart::bar(&r.rate_chart)?, Chart::line(&r.trend_chart)?]
        .into_iter()
        .flatten()
        .collect();
    let photos = r
        .photos
        .iter()
        .enumerate()
        .map(|(index, photo)| prepare_photo(index, photo))
        .collect::<Result<Vec<_>, _>>()?;

    let mut package = Package::new();
    let mut root = Relationships::new();
    root.add(REL_OFFICE_DOCUMENT, "word/document.xml");
    root.add(REL_CORE, "docProps/core.xml");
    root.add(REL_APP, "docProps/app.xml");
    package.rels("_rels/.rels", &root);
    package.xml(
        "docProps/core.xml",
        CT_CORE,
        parts::core_xml(&r.title, &r.subtitle, &r.issuer),
    );
    package.xml("docProps/app.xml", CT_APP, parts::app_xml());

    let mut rels = Relationships::new();
    rels.add(REL_STYLES, "styles.xml");
    rels.add(REL_SETTINGS, "settings.xml");
    rels.add(REL_FONT_TABLE, "fontTable.xml");
    let footer_rel = rels.add(REL_FOOTER, "footer1.xml");

    let mut body = Body::new();
    body.front_matter(r);
    body.section(&r.headings.overview, !r.headline.is_empty());
    for text in &r.headline {
        body.paragraph("BodyText", text);
    }
    body.ranking(r);

    body.section(&r.headings.charts, !charts.is_empty());
    for (index, chart) in charts.iter().enumerate() {
        let n = index + 1;
        let rel = rels.add(REL_CHART, format!("charts/chart{n}.xml"));
        body.chart(&rel);
        chart.add_to(&mut package, n)?;
    }

    body.section(&r.headings.photos, !photos.is_empty());
    let mut media = Vec::with_capacity(photos.len());
    let mut photo_rels = Vec::with_capacity(photos.len());
    for (index, photo) in photos.iter().enumerate() {
        let name = format!("image{}.{}", index + 1, photo.format.extension());
        photo_rels.push(rels.add(REL_IMAGE, format!("media/{name}")));
        media.push(name);
    }
    body.photos(&photos, &photo_rels, &media);

    body.section(&r.headings.closing, !r.closing.is_empty());
    for text in &r.closing {
        body.paragraph("BodyText", text);
    }

    package.xml("word/document.xml", CT_DOCUMENT, body.finish(&footer_rel));
    package.rels("word/_rels/document.xml.rels", &rels);
    package.xml("word/styles.xml", CT_STYLES, parts::styles_xml());
    package.xml("word/settings.xml", CT_SETTINGS, parts::settings_xml());
    package.xml("word/fontTable.xml", CT_FONT_TABLE, parts::font_table_xml());
    package.xml("word/footer1.xml", CT_FOOTER, parts::footer_xml());
    // Chart parts were added above; pictures go last.
    for (photo, name) in photos.iter().zip(&media) {
        package.binary(
            format!("word/media/{name}"),
            photo.format.content_type(),
            photo.photo.bytes.clone(),
        );
    }
    package.finish()
}

/// `word/document.xml` under construction.
pub(crate) struct Body {
    pub(crate) out: String,
    /// `wp:docPr` ids, unique in the document.
    next_drawing_id: u32,
    /// Whether the last block written is a paragraph (Word wants one at the
    /// end of the body and between two tables).
    pub(crate) ends_with_paragraph: bool,
}

impl Body {
    pub(crate) fn new() -> Self {
        let mut out = String::with_capacity(32 * 1024);
        out.push_str(DECLARATION);
        out.push_str(&format!(
            "<w:document xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\" \
             xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
             xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
             xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\" \
             xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\"><w:body>"
        ));
        Body {
            out,
            next_drawing_id: 1,
            ends_with_paragraph: false,
        }
    }

    pub(crate) fn finish(mut self, footer_rel: &str) -> String {
        if !self.ends_with_paragraph {
            self.out.push_str("<w:p/>");
        }
        self.out.push_str(&parts::section_xml(footer_rel));
        self.out.push_str("</w:body></w:document>");
        self.out
    }

    pub(crate) fn drawing_id(&mut self) -> u32 {
        let id = self.next_drawing_id;
        self.next_drawing_id += 1;
        id
    }

    /// A paragraph of the given style with `text` in one run.
    pub(crate) fn paragraph(&mut self, style: &str, text: &str) {
        self.out.push_str(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>"
        ));
        run(&mut self.out, "", text);
        self.out.push_str("</w:p>");
        self.ends_with_paragraph = true;
    }

    /// A section heading, if `title` is not blank and the section has
    /// content.
    fn section(&mut self, title: &str, has_content: bool) {
        if has_content && !title.trim().is_empty() {
            self.paragraph("Heading1", title);
        }
    }

    fn front_matter(&mut self, r: &ProgressReport) {
        if !r.title.trim().is_empty() {
            self.paragraph("Title", &r.title);
        }
        if !r.subtitle.trim().is_empty() {
            self.paragraph("Subtitle", &r.subtitle);
        }
        if !r.issuer.trim().is_empty() || !r.date_text.trim().is_empty() {
            self.out
                .push_str("<w:p><w:pPr><w:pStyle w:val=\"Masthead\"/></w:pPr>");
            run(&mut self.out, "", &r.issuer);
            self.out.push_str("<w:r><w:tab/></w:r>");
            run(&mut self.out, "", &r.date_text);
            self.out.push_str("</w:p>");
            self.ends_with_paragraph = true;
        }
    }

    fn ranking(&mut self, r: &ProgressReport) {
        if r.ranking.is_empty() && r.total_row.is_none() {
            return;
        }
        self.section(&r.headings.ranking, true);
        if !r.ranking_title.trim().is_empty() {
            self.paragraph("TableTitle", &r.ranking_title);
        }

        let out = &mut self.out;
        table_start(out, &RANKING_WIDTHS, true);
        let h = &r.ranking_headers;
        let headers = [
            &h.rank,
            &h.name,
            &h.projects,
            &h.start_rate,
            &h.completion_rate,
            &h.planned_wan,
            &h.completed_wan,
            &h.investment_rate,
            &h.change,
        ];
        out.push_str(
            "<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"454\"/><w:tblHeader/></w:trPr>",
        );
        for (width, text) in RANKING_WIDTHS.iter().zip(headers) {
            table_cell(
                out,
                *width,
                Some(HEADER_FILL),
                &format!(
                    "<w:rPr><w:rFonts w:eastAsia=\"{}\"/></w:rPr>",
                    parts::HEADING_FONT
                ),
                text,
            );
        }
        out.push_str("</w:tr>");

        let rows = r.ranking.iter().map(|row| (row, "")).chain(
            r.total_row
                .iter()
                .map(|row| (row, "<w:rPr><w:b/><w:bCs/></w:rPr>")),
        );
        for (row, rpr) in rows {
            out.push_str("<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"397\"/></w:trPr>");
            let projects = row.projects.to_string();
            let cells = [
                &row.rank,
                &row.name,
                &projects,
                &row.start_rate,
                &row.completion_rate,
                &row.planned_wan,
                &row.completed_wan,
                &row.investment_rate,
                &row.change,
            ];
            for (width, text) in RANKING_WIDTHS.iter().zip(cells) {
                table_cell(out, *width, None, rpr, text);
            }
            out.push_str("</w:tr>");
        }
        out.push_str("</w:tbl>");
        self.spacer();
    }

    /// An empty small paragraph after a table.
    pub(crate) fn spacer(&mut self) {
        self.out
            .push_str("<w:p><w:pPr><w:pStyle w:val=\"Spacer\"/></w:pPr></w:p>");
        self.ends_with_paragraph = true;
    }

    pub(crate) fn chart(&mut self, rel: &str) {
        let id = self.drawing_id();
        self.out
            .push_str("<w:p><w:pPr><w:pStyle w:val=\"Figure\"/></w:pPr><w:r>");
        inline_start(
            &mut self.out,
            id,
            CHART_CX,
            CHART_CY,
            &format!("图表 {id}"),
            "",
        );
        self.out.push_str(&format!(
            "<wp:cNvGraphicFramePr/><a:graphic><a:graphicData \
             uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\">\
             <c:chart r:id=\"{rel}\"/></a:graphicData></a:graphic></wp:inline></w:drawing>\
             </w:r></w:p>"
        ));
        self.ends_with_paragraph = true;
    }

    /// Photos two per row in a borderless table; an odd last one spans
    /// both columns, centred.
    fn photos(&mut self, photos: &[PreparedPhoto<'_>], rels: &[String], media: &[String]) {
        if photos.is_empty() {
            return;
        }
        let half = TEXT_WIDTH / 2;
        let widths = [half, TEXT_WIDTH - half];
        table_start(&mut self.out, &widths, false);
        let items: Vec<_> = photos.iter().zip(rels).zip(media).collect();
        for pair in items.chunks(2) {
            self.out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            for &((photo, rel), name) in pair {
                let span = if pair.len() == 1 {
                    format!("<w:tcW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:gridSpan w:val=\"2\"/>")
                } else {
                    format!("<w:tcW w:w=\"{half}\" w:type=\"dxa\"/>")
                };
                self.out.push_str(&format!(
                    "<w:tc><w:tcPr>{span}<w:vAlign w:val=\"bottom\"/></w:tcPr>\
                     <w:p><w:pPr><w:pStyle w:val=\"Figure\"/></w:pPr><w:r>"
                ));
                let id = self.drawing_id();
                let caption = &photo.photo.caption;
                picture(&mut self.out, id, photo.cx, photo.cy, rel, name, caption);
                self.out
                    .push_str("</w:r></w:p><w:p><w:pPr><w:pStyle w:val=\"Caption\"/></w:pPr>");
                run(&mut self.out, "", caption);
                self.out.push_str("</w:p></w:tc>");
            }
            self.out.push_str("</w:tr>");
        }
        self.out.push_str("</w:tbl>");
        self.spacer();
    }
}

/// A whole `<w:drawing>` showing the picture of relationship `rel` (media
/// file `name`) at `cx` × `cy` EMU, with `descr` as its alternative text.
/// Goes inside a `w:r`.
pub(crate) fn picture(
    out: &mut String,
    id: u32,
    cx: u64,
    cy: u64,
    rel: &str,
    name: &str,
    descr: &str,
) {
    inline_start(out, id, cx, cy, &format!("图片 {id}"), descr);
    out.push_str(&format!(
        "<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/>\
         </wp:cNvGraphicFramePr><a:graphic><a:graphicData \
         uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic>\
         <pic:nvPicPr><pic:cNvPr id=\"{id}\" name=\"{name}\"/><pic:cNvPicPr/></pic:nvPicPr>\
         <pic:blipFill><a:blip r:embed=\"{rel}\"/><a:stretch><a:fillRect/></a:stretch>\
         </pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/>\
         <a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/>\
         </a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline>\
         </w:drawing>"
    ));
}

/// `<w:drawing><wp:inline>` up to and including `wp:docPr`.
fn inline_start(out: &mut String, id: u32, cx: u64, cy: u64, name: &str, descr: &str) {
    out.push_str(&format!(
        "<w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">\
         <wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/>\
         <wp:docPr id=\"{id}\" name=\"{}\"",
        escape(name)
    ));
    if !descr.is_empty() {
        out.push_str(" descr=\"");
        escape_into(out, descr);
        out.push('"');
    }
    out.push_str("/>");
}

/// `<w:tbl>` with its properties and grid. `bordered`: thin inner lines and
/// a 1 pt frame; otherwise no borders at all.
pub(crate) fn table_start(out: &mut String, widths: &[u32], bordered: bool) {
    let total: u32 = widths.iter().sum();
    let border = |side: &str, size: u32| {
        if bordered {
            format!("<w:{side} w:val=\"single\" w:sz=\"{size}\" w:space=\"0\" w:color=\"000000\"/>")
        } else {
            format!("<w:{side} w:val=\"none\" w:sz=\"0\" w:space=\"0\" w:color=\"auto\"/>")
        }
    };
    let margin = if bordered { 57 } else { 108 };
    out.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>\
         <w:tblBorders>{}{}{}{}{}{}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>\
         <w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"{margin}\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"{margin}\" w:type=\"dxa\"/>\
         </w:tblCellMar></w:tblPr><w:tblGrid>",
        border("top", 8),
        border("left", 8),
        border("bottom", 8),
        border("right", 8),
        border("insideH", 4),
        border("insideV", 4),
    ));
    for width in widths {
        out.push_str(&format!("<w:gridCol w:w=\"{width}\"/>"));
    }
    out.push_str("</w:tblGrid>");
}

/// One centred table cell holding `text` (style `TableText`).
pub(crate) fn table_cell(out: &mut String, width: u32, fill: Option<&str>, rpr: &str, text: &str) {
    out.push_str(&format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"
    ));
    if let Some(fill) = fill {
        out.push_str(&format!(
            "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
        ));
    }
    out.push_str(
        "<w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/></w:pPr>",
    );
    run(out, rpr, text);
    out.push_str("</w:p></w:tc>");
}

/// One run holding `text`, with line breaks as `w:br` and tabs as `w:tab`.
/// Nothing for an empty text.
pub(crate) fn run(out: &mut String, rpr: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push_str("<w:r>");
    out.push_str(rpr);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    for (line_no, line) in text.split('\n').enumerate() {
        if line_no > 0 {
            out.push_str("<w:br/>");
        }
        for (piece_no, piece) in line.split('\t').enumerate() {
            if piece_no > 0 {
                out.push_str("<w:tab/>");
            }
            if !piece.is_empty() {
                out.push_str("<w:t xml:space=\"preserve\">");
                escape_into(out, piece);
                out.push_str("</w:t>");
            }
        }
    }
    out.push_str("</w:r>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_breaks_and_tabs() {
        let mut out = String::new();
        run(&mut out, "", "甲\r\n乙\t<丙>");
        assert_eq!(
            out,
            "<w:r><w:t xml:space=\"preserve\">甲</w:t><w:br/><w:t xml:space=\"preserve\">乙</w:t>\
             <w:tab/><w:t xml:space=\"preserve\">&lt;丙&gt;</w:t></w:r>"
        );
        let mut empty = String::new();
        run(&mut empty, "", "");
        assert!(empty.is_empty());
    }

    #[test]
    fn ranking_columns_fill_the_text_width() {
        assert_eq!(RANKING_WIDTHS.iter().sum::<u32>(), TEXT_WIDTH);
    }
}
