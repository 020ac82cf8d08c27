//! The work summary (工作总结) as a Word document, written by
//! [`summary_docx`] from plain data ([`SummaryDocument`]).
//!
//! Same page, fonts and styles as the progress report and the inspection
//! notice (see the [`docx`](crate::docx) module): A4 with 公文 margins, page
//! numbers in the footer, body text 仿宋_GB2312 三号 with a two-character
//! indent. Top to bottom: the title (方正小标宋简体 二号, centred), an
//! optional subtitle (楷体, centred), then each section: its heading
//! ("一、取得的成绩", 黑体 三号, in the navigation pane; an untitled opening
//! has none) and its blocks in order — paragraphs, sub-headings ("（一）设立
//! 工作专班", 楷体, in the navigation pane), bordered tables with a shaded
//! header row repeated on every page (title centred above, note below), and
//! native bar or line charts with Chinese labels drawn by the viewer.
//! Blank paragraphs are skipped; a chart without data is left out.

use crate::docx::chart::{Chart, REL_CHART};
use crate::docx::package::{
    Package, Relationships, CT_APP, CT_CORE, REL_APP, REL_CORE, REL_OFFICE_DOCUMENT,
};
use crate::docx::parts::{
    self, CT_DOCUMENT, CT_FONT_TABLE, CT_FOOTER, CT_SETTINGS, CT_STYLES, HEADING_FONT, KAI_FONT,
    REL_FONT_TABLE, REL_FOOTER, REL_SETTINGS, REL_STYLES, TEXT_WIDTH,
};
use crate::docx::{run, table_cell, table_start, BarChart, Body, LineChart};
use crate::DocumentError;

/// A whole summary, every text final (figures already written in).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryDocument {
    pub title: String,
    /// Under the title, e.g. the issuing office and date; blank for none.
    pub subtitle: String,
    pub sections: Vec<SummarySection>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummarySection {
    /// With its ordinal ("一、取得的成绩"); blank for an untitled opening.
    pub heading: String,
    pub blocks: Vec<SummaryBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SummaryBlock {
    Paragraph(String),
    /// "（一）设立工作专班".
    SubHeading(String),
    Table(SummaryTableDoc),
    Bar(BarChart),
    Line(LineChart),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryTableDoc {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub note: String,
}

const HEADER_FILL: &str = "D9E2F3";
/// The 序号 column, when the first header is one.
const NUMBER_WIDTH: u32 = 700;

fn kai() -> String {
    format!("<w:rPr><w:rFonts w:eastAsia=\"{KAI_FONT}\"/></w:rPr>")
}

fn hei() -> String {
    format!("<w:rPr><w:rFonts w:eastAsia=\"{HEADING_FONT}\"/></w:rPr>")
}

/// Column widths in twips filling the text width: a narrow 序号 column,
/// the rest shared equally (the last takes what rounding leaves).
fn widths(headers: &[String]) -> Vec<u32> {
    let n = u32::try_from(headers.len()).unwrap_or(1).max(1);
    let (first, rest_n) = match headers.first().map(String::as_str) {
        Some("序号") if n > 1 => (Some(NUMBER_WIDTH), n - 1),
        _ => (None, n),
    };
    let rest_total = TEXT_WIDTH - first.unwrap_or(0);
    let each = rest_total / rest_n;
    let mut w: Vec<u32> = first.into_iter().collect();
    w.extend(std::iter::repeat_n(each, rest_n as usize));
    let sum: u32 = w.iter().sum();
    if let Some(last) = w.last_mut() {
        *last += TEXT_WIDTH - sum;
    }
    w
}

fn table(body: &mut Body, t: &SummaryTableDoc) {
    if t.headers.is_empty() {
        return;
    }
    if !t.title.trim().is_empty() {
        body.paragraph("TableTitle", t.title.trim());
    }
    let widths = widths(&t.headers);
    let out = &mut body.out;
    table_start(out, &widths, true);
    out.push_str("<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"454\"/><w:tblHeader/></w:trPr>");
    let header_rpr = hei();
    for (width, text) in widths.iter().zip(&t.headers) {
        table_cell(out, *width, Some(HEADER_FILL), &header_rpr, text);
    }
    out.push_str("</w:tr>");
    for row in &t.rows {
        out.push_str("<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"397\"/></w:trPr>");
        for (i, width) in widths.iter().enumerate() {
            let text = row.get(i).map(String::as_str).unwrap_or("");
            table_cell(out, *width, None, "", text);
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    body.ends_with_paragraph = false;
    if t.note.trim().is_empty() {
        body.spacer();
    } else {
        paragraph(
            body,
            "<w:pStyle w:val=\"BodyText\"/>",
            &[(&kai(), t.note.trim())],
        );
    }
}

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

/// Writes the summary as a DOCX file in memory.
///
/// # Errors
///
/// * [`DocumentError::InvalidChart`] — a chart series with more or fewer
///   values than categories, or a value that is not finite;
/// * [`DocumentError::Docx`] — the zip container could not be written.
pub fn summary_docx(doc: &SummaryDocument) -> Result<Vec<u8>, DocumentError> {
    let mut package = Package::new();
    let mut root = Relationships::new();
    root.add(REL_OFFICE_DOCUMENT, "word/document.xml");
    root.add(REL_CORE, "docProps/core.xml");
    root.add(REL_APP, "docProps/app.xml");
    package.rels("_rels/.rels", &root);
    package.xml(
        "docProps/core.xml",
        CT_CORE,
        parts::core_xml(&doc.title, &doc.subtitle, ""),
    );
    package.xml("docProps/app.xml", CT_APP, parts::app_xml());

    let mut rels = Relationships::new();
    rels.add(REL_STYLES, "styles.xml");
    rels.add(REL_SETTINGS, "settings.xml");
    rels.add(REL_FONT_TABLE, "fontTable.xml");
    let footer_rel = rels.add(REL_FOOTER, "footer1.xml");

    let mut body = Body::new();
    if !doc.title.trim().is_empty() {
        paragraph(
            &mut body,
            "<w:pStyle w:val=\"Title\"/>",
            &[("<w:rPr><w:b/><w:bCs/></w:rPr>", doc.title.trim())],
        );
    }
    if !doc.subtitle.trim().is_empty() {
        body.paragraph("Subtitle", doc.subtitle.trim());
    }
    paragraph(&mut body, "", &[]);

    let mut charts = 0;
    for section in &doc.sections {
        if !section.heading.trim().is_empty() {
            body.paragraph("Heading1", section.heading.trim());
        }
        for block in &section.blocks {
            match block {
                SummaryBlock::Paragraph(t) if !t.trim().is_empty() => {
                    body.paragraph("BodyText", t.trim());
                }
                SummaryBlock::Paragraph(_) => {}
                SummaryBlock::SubHeading(t) if !t.trim().is_empty() => paragraph(
                    &mut body,
                    "<w:pStyle w:val=\"BodyText\"/><w:keepNext/><w:outlineLvl w:val=\"1\"/>",
                    &[(&kai(), t.trim())],
                ),
                SummaryBlock::SubHeading(_) => {}
                SummaryBlock::Table(t) => table(&mut body, t),
                SummaryBlock::Bar(c) => {
                    if let Some(chart) = Chart::bar(c)? {
                        charts += 1;
                        chart.add_to(&mut package, charts)?;
                        let rel = rels.add(REL_CHART, format!("charts/chart{charts}.xml"));
                        body.chart(&rel);
                    }
                }
                SummaryBlock::Line(c) => {
                    if let Some(chart) = Chart::line(c)? {
                        charts += 1;
                        chart.add_to(&mut package, charts)?;
                        let rel = rels.add(REL_CHART, format!("charts/chart{charts}.xml"));
                        body.chart(&rel);
                    }
                }
            }
        }
    }

    package.xml("word/document.xml", CT_DOCUMENT, body.finish(&footer_rel));
    package.rels("word/_rels/document.xml.rels", &rels);
    package.xml("word/styles.xml", CT_STYLES, parts::styles_xml());
    package.xml("word/settings.xml", CT_SETTINGS, parts::settings_xml());
    package.xml("word/fontTable.xml", CT_FONT_TABLE, parts::font_table_xml());
    package.xml("word/footer1.xml", CT_FOOTER, parts::footer_xml());
    package.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut s = String::new();
        zip.by_name(name)
            .expect("part present")
            .read_to_string(&mut s)
            .expect("utf-8");
        s
    }

    fn doc() -> SummaryDocument {
        SummaryDocument {
            title: "台州市2020年美丽城镇建设工作总结".into(),
            subtitle: String::new(),
            sections: vec![
                SummarySection {
                    heading: String::new(),
                    blocks: vec![SummaryBlock::Paragraph("开工率100%。".into())],
                },
                SummarySection {
                    heading: "一、取得的成绩".into(),
                    blocks: vec![
                        SummaryBlock::SubHeading("（一）项目建设".into()),
                        SummaryBlock::Paragraph("  ".into()),
                        SummaryBlock::Table(SummaryTableDoc {
                            title: "表1 各县（市、区）推进情况".into(),
                            headers: vec!["序号".into(), "地区".into(), "开工率".into()],
                            rows: vec![vec!["1".into(), "玉环市".into(), "100%".into()]],
                            note: "注：截至12月底。".into(),
                        }),
                        SummaryBlock::Bar(BarChart {
                            title: "“五美”完成投资（亿元）".into(),
                            categories: vec!["环境美".into(), "生活美".into()],
                            series: vec![("完成投资".into(), vec![1.5, 2.25])],
                            percent: false,
                        }),
                    ],
                },
            ],
        }
    }

    #[test]
    fn writes_headings_tables_and_a_native_chart() {
        let bytes = summary_docx(&doc()).expect("docx");
        let xml = part(&bytes, "word/document.xml");
        for text in [
            "台州市2020年美丽城镇建设工作总结",
            "一、取得的成绩",
            "（一）项目建设",
            "玉环市",
            "注：截至12月底。",
            "开工率100%。",
        ] {
            assert!(xml.contains(text), "{text} missing");
        }
        assert!(xml.contains("<w:tblHeader/>"));
        let chart = part(&bytes, "word/charts/chart1.xml");
        assert!(chart.contains("环境美"));
        let rels = part(&bytes, "word/_rels/document.xml.rels");
        assert!(rels.contains("charts/chart1.xml"));
        quick_xml::Reader::from_str(&xml)
            .read_event()
            .expect("well-formed start");
    }

    #[test]
    fn same_input_same_bytes_and_widths_fill_the_page() {
        assert_eq!(
            summary_docx(&doc()).expect("docx"),
            summary_docx(&doc()).expect("docx")
        );
        let w = widths(&["序号".into(), "a".into(), "b".into()]);
        assert_eq!(w[0], NUMBER_WIDTH);
        assert_eq!(w.iter().sum::<u32>(), TEXT_WIDTH);
        let w = widths(&["a".into(), "b".into(), "c".into()]);
        assert_eq!(w.iter().sum::<u32>(), TEXT_WIDTH);
    }
}
