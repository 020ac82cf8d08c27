//! Native charts (`word/charts/chartN.xml`, DrawingML `c:chartSpace`) and
//! the small workbook embedded with each chart so that Word's "编辑数据"
//! (Edit Data) works.
//!
//! Viewers draw the chart from the caches in the chart part
//! (`c:strCache` / `c:numCache`), with their own fonts; the embedded
//! workbook is only opened when a user edits the data. Its layout is what
//! Word itself creates: series names in row 1 from column B, categories in
//! column A from row 2, one column of values per series; the chart's
//! `c:f` formulas point at exactly those cells.

use super::package::{Package, Relationships};
use super::xml::{escape, escape_into, number, DECLARATION};
use crate::{BarChart, DocumentError, LineChart};

pub(crate) const CT_CHART: &str =
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml";
pub(crate) const CT_XLSX: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const REL_CHART: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart";
pub(crate) const REL_PACKAGE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package";

const SHEET: &str = "Sheet1";
const CAT_AX_ID: u32 = 111_111_111;
const VAL_AX_ID: u32 = 222_222_222;
/// Series colours, in order (blue, red, green, orange, grey, gold, …),
/// given explicitly so that every viewer shows the same colours.
const PALETTE: [&str; 8] = [
    "2F5597", "C00000", "70AD47", "ED7D31", "7F7F7F", "BF9000", "5B9BD5", "7030A0",
];
const TEXT_COLOUR: &str = "404040";
const AXIS_COLOUR: &str = "BFBFBF";
const GRID_COLOUR: &str = "D9D9D9";
/// Chart text: Latin digits in Times New Roman, Chinese in 宋体 (or the
/// viewer's substitute for it).
const LATIN_FONT: &str = "Times New Roman";
const EAST_ASIAN_FONT: &str = "宋体";
const TITLE_EAST_ASIAN_FONT: &str = "黑体";
/// Above this many bars the value labels are turned upright so that
/// neighbouring labels do not overlap.
const MAX_LEVEL_LABELS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bar { percent: bool },
    Line,
}

struct Series<'a> {
    name: &'a str,
    values: Vec<Option<f64>>,
}

/// A validated chart, bar or line.
pub(crate) struct Chart<'a> {
    title: &'a str,
    categories: &'a [String],
    series: Vec<Series<'a>>,
    kind: Kind,
}

fn chart_error(title: &str, reason: String) -> DocumentError {
    DocumentError::InvalidChart {
        chart: title.to_owned(),
        reason,
    }
}

fn check_values(
    title: &str,
    categories: usize,
    name: &str,
    values: impl ExactSizeIterator<Item = Option<f64>>,
) -> Result<Vec<Option<f64>>, DocumentError> {
    if values.len() != categories {
        return Err(chart_error(
            title,
            format!(
                "系列“{name}”有 {} 个数值，而共有 {categories} 个分类",
                values.len()
            ),
        ));
    }
    values
        .enumerate()
        .map(|(index, value)| match value {
            Some(v) if !v.is_finite() => Err(chart_error(
                title,
                format!("系列“{name}”第 {} 个数值不是有效数字", index + 1),
            )),
            _ => Ok(value),
        })
        .collect()
}

impl<'a> Chart<'a> {
    /// `None` when the chart has no categories or no series (it is then
    /// left out of the document).
    pub(crate) fn bar(chart: &'a BarChart) -> Result<Option<Self>, DocumentError> {
        let series = chart
            .series
            .iter()
            .map(|(name, values)| {
                let values = check_values(
                    &chart.title,
                    chart.categories.len(),
                    name,
                    values.iter().copied().map(Some),
                )?;
                Ok(Series { name, values })
            })
            .collect::<Result<Vec<_>, DocumentError>>()?;
        Ok(Self::non_empty(Chart {
            title: &chart.title,
            categories: &chart.categories,
            series,
            kind: Kind::Bar {
                percent: chart.percent,
            },
        }))
    }

    /// As [`Chart::bar`]. `None` values are gaps in the line.
    pub(crate) fn line(chart: &'a LineChart) -> Result<Option<Self>, DocumentError> {
        let series = chart
            .series
            .iter()
            .map(|(name, values)| {
                let values = check_values(
                    &chart.title,
                    chart.categories.len(),
                    name,
                    values.iter().copied(),
                )?;
                Ok(Series { name, values })
            })
            .collect::<Result<Vec<_>, DocumentError>>()?;
        Ok(Self::non_empty(Chart {
            title: &chart.title,
            categories: &chart.categories,
            series,
            kind: Kind::Line,
        }))
    }

    fn non_empty(self) -> Option<Self> {
        (!self.categories.is_empty() && !self.series.is_empty()).then_some(self)
    }

    /// Number format of the cached values and of the embedded cells.
    fn value_format(&self) -> &'static str {
        match self.kind {
            Kind::Bar { percent: true } => "0.00%",
            Kind::Bar { percent: false } => "General",
            Kind::Line => "#,##0.00",
        }
    }

    fn axis_format(&self) -> &'static str {
        match self.kind {
            Kind::Bar { percent: true } => "0%",
            Kind::Bar { percent: false } => "General",
            Kind::Line => "#,##0",
        }
    }

    fn label_format(&self) -> &'static str {
        match self.kind {
            Kind::Bar { percent: true } => "0.0%",
            _ => "General",
        }
    }

    /// Writes the chart part, its relationships and the embedded workbook
    /// as `word/charts/chart{n}.xml` and friends.
    pub(crate) fn add_to(&self, package: &mut Package, n: usize) -> Result<(), DocumentError> {
        let workbook = format!("Microsoft_Excel_Worksheet{n}.xlsx");
        let mut rels = Relationships::new();
        let workbook_rel = rels.add(REL_PACKAGE, format!("../embeddings/{workbook}"));
        package.xml(
            format!("word/charts/chart{n}.xml"),
            CT_CHART,
            self.chart_xml(&workbook_rel),
        );
        package.rels(format!("word/charts/_rels/chart{n}.xml.rels"), &rels);
        package.binary(
            format!("word/embeddings/{workbook}"),
            CT_XLSX,
            self.workbook()?,
        );
        Ok(())
    }

    fn chart_xml(&self, workbook_rel: &str) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str(DECLARATION);
        out.push_str(
            "<c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" \
             xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <c:date1904 val=\"0\"/><c:lang val=\"zh-CN\"/><c:roundedCorners val=\"0\"/><c:chart>",
        );
        if self.title.trim().is_empty() {
            out.push_str("<c:autoTitleDeleted val=\"1\"/>");
        } else {
            self.write_title(&mut out);
            out.push_str("<c:autoTitleDeleted val=\"0\"/>");
        }
        out.push_str("<c:plotArea><c:layout/>");
        match self.kind {
            Kind::Bar { .. } => {
                out.push_str(
                    "<c:barChart><c:barDir val=\"col\"/><c:grouping val=\"clustered\"/>\
                     <c:varyColors val=\"0\"/>",
                );
                for index in 0..self.series.len() {
                    self.write_series(&mut out, index);
                }
                out.push_str("<c:gapWidth val=\"80\"/>");
            }
            Kind::Line => {
                out.push_str(
                    "<c:lineChart><c:grouping val=\"standard\"/><c:varyColors val=\"0\"/>",
                );
                for index in 0..self.series.len() {
                    self.write_series(&mut out, index);
                }
                out.push_str("<c:marker val=\"1\"/>");
            }
        }
        out.push_str(&format!(
            "<c:axId val=\"{CAT_AX_ID}\"/><c:axId val=\"{VAL_AX_ID}\"/>"
        ));
        out.push_str(match self.kind {
            Kind::Bar { .. } => "</c:barChart>",
            Kind::Line => "</c:lineChart>",
        });
        self.write_axes(&mut out);
        out.push_str("<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>");
        if self.series.len() > 1 {
            out.push_str("<c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/>");
            text_properties(&mut out, 900, false, None);
            out.push_str("</c:legend>");
        }
        out.push_str(
            "<c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>\
             <c:spPr><a:solidFill><a:srgbClr val=\"FFFFFF\"/></a:solidFill>\
             <a:ln><a:noFill/></a:ln></c:spPr>",
        );
        text_properties(&mut out, 900, false, None);
        out.push_str(&format!(
            "<c:externalData r:id=\"{workbook_rel}\"><c:autoUpdate val=\"0\"/></c:externalData>\
             </c:chartSpace>"
        ));
        out
    }

    fn write_title(&self, out: &mut String) {
        out.push_str("<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>");
        run_properties(out, "a:defRPr", 1400, true, TITLE_EAST_ASIAN_FONT);
        out.push_str("</a:pPr><a:r>");
        run_properties(out, "a:rPr", 1400, true, TITLE_EAST_ASIAN_FONT);
        out.push_str("<a:t>");
        escape_into(out, self.title);
        out.push_str("</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title>");
    }

    fn write_series(&self, out: &mut String, index: usize) {
        let series = &self.series[index];
        let colour = PALETTE[index % PALETTE.len()];
        let column = column_name(index + 1);
        let last_row = self.categories.len() + 1;
        out.push_str(&format!(
            "<c:ser><c:idx val=\"{index}\"/><c:order val=\"{index}\"/><c:tx><c:strRef>\
             <c:f>{SHEET}!${column}$1</c:f><c:strCache><c:ptCount val=\"1\"/>\
             <c:pt idx=\"0\"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:tx>",
            escape(series.name)
        ));
        match self.kind {
            Kind::Bar { .. } => {
                out.push_str(&format!(
                    "<c:spPr><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill></c:spPr>\
                     <c:invertIfNegative val=\"0\"/>"
                ));
                self.write_data_labels(out);
            }
            Kind::Line => {
                out.push_str(&format!(
                    "<c:spPr><a:ln w=\"28575\" cap=\"rnd\"><a:solidFill><a:srgbClr val=\"{colour}\"/>\
                     </a:solidFill><a:round/></a:ln></c:spPr>\
                     <c:marker><c:symbol val=\"circle\"/><c:size val=\"6\"/><c:spPr><a:solidFill>\
                     <a:srgbClr val=\"{colour}\"/></a:solidFill><a:ln w=\"9525\"><a:solidFill>\
                     <a:srgbClr val=\"{colour}\"/></a:solidFill></a:ln></c:spPr></c:marker>"
                ));
            }
        }

        out.push_str(&format!(
            "<c:cat><c:strRef><c:f>{SHEET}!$A$2:$A${last_row}</c:f><c:strCache>\
             <c:ptCount val=\"{}\"/>",
            self.categories.len()
        ));
        for (i, category) in self.categories.iter().enumerate() {
            out.push_str(&format!("<c:pt idx=\"{i}\"><c:v>"));
            escape_into(out, category);
            out.push_str("</c:v></c:pt>");
        }
        out.push_str("</c:strCache></c:strRef></c:cat>");

        out.push_str(&format!(
            "<c:val><c:numRef><c:f>{SHEET}!${column}$2:${column}${last_row}</c:f><c:numCache>\
             <c:formatCode>{}</c:formatCode><c:ptCount val=\"{}\"/>",
            escape(self.value_format()),
            self.categories.len()
        ));
        for (i, value) in series.values.iter().enumerate() {
            if let Some(value) = value {
                out.push_str(&format!(
                    "<c:pt idx=\"{i}\"><c:v>{}</c:v></c:pt>",
                    number(*value)
                ));
            }
        }
        out.push_str("</c:numCache></c:numRef></c:val>");
        if self.kind == Kind::Line {
            out.push_str("<c:smooth val=\"0\"/>");
        }
        out.push_str("</c:ser>");
    }

    /// Value labels above the bars, upright when there are many bars.
    fn write_data_labels(&self, out: &mut String) {
        let bars = self.categories.len() * self.series.len();
        let rotation = (bars > MAX_LEVEL_LABELS).then_some(-5_400_000);
        out.push_str(&format!(
            "<c:dLbls><c:numFmt formatCode=\"{}\" sourceLinked=\"0\"/>\
             <c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>",
            escape(self.label_format())
        ));
        text_properties(out, 800, false, rotation);
        out.push_str(
            "<c:dLblPos val=\"outEnd\"/><c:showLegendKey val=\"0\"/><c:showVal val=\"1\"/>\
             <c:showCatName val=\"0\"/><c:showSerName val=\"0\"/><c:showPercent val=\"0\"/>\
             <c:showBubbleSize val=\"0\"/></c:dLbls>",
        );
    }

    fn write_axes(&self, out: &mut String) {
        let line = |colour: &str| {
            format!(
                "<c:spPr><a:ln w=\"9525\"><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill>\
                 </a:ln></c:spPr>"
            )
        };
        out.push_str(&format!(
            "<c:catAx><c:axId val=\"{CAT_AX_ID}\"/><c:scaling><c:orientation val=\"minMax\"/>\
             </c:scaling><c:delete val=\"0\"/><c:axPos val=\"b\"/>\
             <c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/>\
             <c:minorTickMark val=\"none\"/><c:tickLblPos val=\"low\"/>{}",
            line(AXIS_COLOUR)
        ));
        text_properties(out, 900, false, None);
        out.push_str(&format!(
            "<c:crossAx val=\"{VAL_AX_ID}\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/>\
             <c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/>\
             </c:catAx>"
        ));

        // Bars start at zero whenever no value is negative: an axis from,
        // say, 90% would make a 97% bar look twice as tall as a 93% one.
        let non_negative = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .all(|v| *v >= 0.0);
        let min = if non_negative && matches!(self.kind, Kind::Bar { .. }) {
            "<c:min val=\"0\"/>"
        } else {
            ""
        };
        out.push_str(&format!(
            "<c:valAx><c:axId val=\"{VAL_AX_ID}\"/><c:scaling><c:orientation val=\"minMax\"/>\
             {min}</c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/><c:majorGridlines>{}\
             </c:majorGridlines><c:numFmt formatCode=\"{}\" sourceLinked=\"0\"/>\
             <c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/>\
             <c:tickLblPos val=\"nextTo\"/><c:spPr><a:ln><a:noFill/></a:ln></c:spPr>",
            line(GRID_COLOUR),
            escape(self.axis_format())
        ));
        text_properties(out, 900, false, None);
        out.push_str(&format!(
            "<c:crossAx val=\"{CAT_AX_ID}\"/><c:crosses val=\"autoZero\"/>\
             <c:crossBetween val=\"between\"/></c:valAx>"
        ));
    }

    /// The embedded workbook holding the chart's data (see the module docs).
    fn workbook(&self) -> Result<Vec<u8>, DocumentError> {
        let style = match self.kind {
            Kind::Bar { percent: true } => 1,
            Kind::Bar { percent: false } => 0,
            Kind::Line => 2,
        };
        let last_column = column_name(self.series.len());
        let last_row = self.categories.len() + 1;

        let mut sheet = String::with_capacity(4096);
        sheet.push_str(DECLARATION);
        sheet.push_str(&format!(
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <dimension ref=\"A1:{last_column}{last_row}\"/>\
             <cols><col min=\"1\" max=\"{}\" width=\"16\" customWidth=\"1\"/></cols><sheetData>\
             <row r=\"1\">",
            self.series.len() + 1
        ));
        for (index, series) in self.series.iter().enumerate() {
            inline_string(
                &mut sheet,
                &format!("{}1", column_name(index + 1)),
                series.name,
            );
        }
        sheet.push_str("</row>");
        for (i, category) in self.categories.iter().enumerate() {
            let row = i + 2;
            sheet.push_str(&format!("<row r=\"{row}\">"));
            inline_string(&mut sheet, &format!("A{row}"), category);
            for (index, series) in self.series.iter().enumerate() {
                if let Some(value) = series.values[i] {
                    sheet.push_str(&format!(
                        "<c r=\"{}{row}\" s=\"{style}\"><v>{}</v></c>",
                        column_name(index + 1),
                        number(value)
                    ));
                }
            }
            sheet.push_str("</row>");
        }
        sheet.push_str("</sheetData></worksheet>");

        let mut package = Package::new();
        let mut root = Relationships::new();
        root.add(super::package::REL_OFFICE_DOCUMENT, "xl/workbook.xml");
        package.rels("_rels/.rels", &root);
        let mut workbook_rels = Relationships::new();
        let sheet_rel = workbook_rels.add(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
            "worksheets/sheet1.xml",
        );
        workbook_rels.add(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
            "styles.xml",
        );
        package.xml(
            "xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            format!(
                "{DECLARATION}<workbook \
                 xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
                 xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
                 <sheets><sheet name=\"{SHEET}\" sheetId=\"1\" r:id=\"{sheet_rel}\"/></sheets>\
                 </workbook>"
            ),
        );
        package.rels("xl/_rels/workbook.xml.rels", &workbook_rels);
        package.xml(
            "xl/worksheets/sheet1.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
            sheet,
        );
        package.xml(
            "xl/styles.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
            WORKBOOK_STYLES.to_owned(),
        );
        package.finish()
    }
}

/// Cell styles of the embedded workbook: 0 general, 1 `0.00%` (built-in
/// format 10), 2 `#,##0.00` (built-in format 4). Font 宋体 11 pt, GB2312.
const WORKBOOK_STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"宋体\"/><family val=\"3\"/><charset val=\"134\"/>\
</font></fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>\
<fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"10\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
<xf numFmtId=\"4\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
</cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
</styleSheet>";

fn inline_string(out: &mut String, cell: &str, text: &str) {
    out.push_str(&format!(
        "<c r=\"{cell}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
    ));
    escape_into(out, text);
    out.push_str("</t></is></c>");
}

/// Spreadsheet column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

/// `<a:defRPr>` / `<a:rPr>` with the chart fonts.
fn run_properties(out: &mut String, element: &str, size: u32, bold: bool, east_asian: &str) {
    out.push_str(&format!(
        "<{element} lang=\"zh-CN\" altLang=\"en-US\" sz=\"{size}\" b=\"{}\">\
         <a:solidFill><a:srgbClr val=\"{TEXT_COLOUR}\"/></a:solidFill>\
         <a:latin typeface=\"{LATIN_FONT}\"/><a:ea typeface=\"{east_asian}\"/></{element}>",
        u8::from(bold)
    ));
}

/// `<c:txPr>`: font, size (hundredths of a point) and rotation (60000ths of
/// a degree) for an axis, legend or labels.
fn text_properties(out: &mut String, size: u32, bold: bool, rotation: Option<i32>) {
    match rotation {
        Some(rot) => out.push_str(&format!(
            "<c:txPr><a:bodyPr rot=\"{rot}\" vert=\"horz\"/><a:lstStyle/><a:p><a:pPr>"
        )),
        None => out.push_str("<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"),
    }
    run_properties(out, "a:defRPr", size, bold, EAST_ASIAN_FONT);
    out.push_str("</a:pPr><a:endParaRPr lang=\"zh-CN\"/></a:p></c:txPr>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(1), "B");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
