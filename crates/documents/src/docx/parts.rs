//! The fixed parts of the document: styles, settings, font table, footer
//! and document properties.

use super::xml::{escape, DECLARATION};

pub(crate) const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
pub(crate) const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

pub(crate) const CT_DOCUMENT: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
pub(crate) const CT_STYLES: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml";
pub(crate) const CT_SETTINGS: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml";
pub(crate) const CT_FONT_TABLE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml";
pub(crate) const CT_FOOTER: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml";

pub(crate) const REL_STYLES: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles";
pub(crate) const REL_SETTINGS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings";
pub(crate) const REL_FONT_TABLE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable";
pub(crate) const REL_FOOTER: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer";
pub(crate) const REL_IMAGE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

/// Latin text and digits everywhere except the footer.
pub(crate) const LATIN_FONT: &str = "Times New Roman";
/// 正文：仿宋_GB2312.
pub(crate) const BODY_FONT: &str = "仿宋_GB2312";
/// 标题：方正小标宋简体.
pub(crate) const TITLE_FONT: &str = "方正小标宋简体";
/// 一级标题、表头：黑体.
pub(crate) const HEADING_FONT: &str = "黑体";
/// 表格、页码：宋体.
pub(crate) const TABLE_FONT: &str = "宋体";
/// 副标题、图片说明：楷体_GB2312.
pub(crate) const KAI_FONT: &str = "楷体_GB2312";

// Page geometry in twentieths of a point (twips; 1 mm ≈ 56.7 twips).
pub(crate) const PAGE_WIDTH: u32 = 11_906; // 210 mm
pub(crate) const PAGE_HEIGHT: u32 = 16_838; // 297 mm
pub(crate) const MARGIN_TOP: u32 = 2_098; // 37 mm
pub(crate) const MARGIN_BOTTOM: u32 = 1_984; // 35 mm
pub(crate) const MARGIN_LEFT: u32 = 1_587; // 28 mm
pub(crate) const MARGIN_RIGHT: u32 = 1_474; // 26 mm
/// 156 mm.
pub(crate) const TEXT_WIDTH: u32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
/// Footer baseline area starts 17.5 mm above the bottom edge.
const FOOTER_DISTANCE: u32 = 992;
const HEADER_DISTANCE: u32 = 851;

/// Body line pitch: exactly 28 pt, as in 公文 (22 lines of 三号 per page).
const BODY_LINE: u32 = 560;
/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt,
/// 五号 10.5 pt.
const SIZE_TITLE: u32 = 44;
const SIZE_BODY: u32 = 32;
const SIZE_TABLE_TITLE: u32 = 28;
const SIZE_CAPTION: u32 = 24;
const SIZE_TABLE: u32 = 21;
const SIZE_FOOTER: u32 = 28;

fn fonts(east_asian: &str) -> String {
    format!(
        "<w:rFonts w:ascii=\"{LATIN_FONT}\" w:hAnsi=\"{LATIN_FONT}\" w:eastAsia=\"{east_asian}\" \
         w:cs=\"{LATIN_FONT}\"/>"
    )
}

fn size(half_points: u32) -> String {
    format!("<w:sz w:val=\"{half_points}\"/><w:szCs w:val=\"{half_points}\"/>")
}

/// A paragraph style. `ppr` and `rpr` are the inner XML of `w:pPr` /
/// `w:rPr`, already in schema order.
fn paragraph_style(id: &str, name: &str, next: Option<&str>, ppr: &str, rpr: &str) -> String {
    let based_on = if id == "Normal" {
        String::new()
    } else {
        "<w:basedOn w:val=\"Normal\"/>".to_owned()
    };
    let next = next.map_or(String::new(), |n| format!("<w:next w:val=\"{n}\"/>"));
    let default = if id == "Normal" {
        " w:default=\"1\""
    } else {
        ""
    };
    format!(
        "<w:style w:type=\"paragraph\"{default} w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>\
         {based_on}{next}<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
    )
}

/// `word/styles.xml`.
pub(crate) fn styles_xml() -> String {
    let auto = "w:lineRule=\"auto\"";
    let first_line = "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>";
    let styles = [
        paragraph_style(
            "Normal",
            "Normal",
            None,
            &format!(
                "<w:spacing w:line=\"{BODY_LINE}\" w:lineRule=\"exact\"/><w:jc w:val=\"both\"/>"
            ),
            "",
        ),
        paragraph_style(
            "Title",
            "Title",
            Some("Normal"),
            &format!(
                "<w:keepNext/><w:spacing w:before=\"0\" w:after=\"120\" w:line=\"240\" {auto}/>\
                 <w:jc w:val=\"center\"/>"
            ),
            &format!("{}{}", fonts(TITLE_FONT), size(SIZE_TITLE)),
        ),
        paragraph_style(
            "Subtitle",
            "Subtitle",
            Some("Normal"),
            "<w:keepNext/><w:jc w:val=\"center\"/>",
            &fonts(KAI_FONT),
        ),
        paragraph_style(
            "Masthead",
            "报头",
            Some("BodyText"),
            &format!(
                "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"12\" w:space=\"4\" w:color=\"C00000\"/>\
                 </w:pBdr><w:tabs><w:tab w:val=\"right\" w:pos=\"{TEXT_WIDTH}\"/></w:tabs>\
                 <w:spacing w:after=\"240\"/>"
            ),
            "",
        ),
        paragraph_style("BodyText", "Body Text", None, first_line, ""),
        paragraph_style(
            "Heading1",
            "heading 1",
            Some("BodyText"),
            &format!("<w:keepNext/><w:keepLines/>{first_line}<w:outlineLvl w:val=\"0\"/>"),
            &fonts(HEADING_FONT),
        ),
        paragraph_style(
            "TableTitle",
            "表格标题",
            None,
            &format!(
                "<w:keepNext/><w:spacing w:before=\"120\" w:after=\"120\" w:line=\"240\" {auto}/>\
                 <w:jc w:val=\"center\"/>"
            ),
            &format!("{}{}", fonts(HEADING_FONT), size(SIZE_TABLE_TITLE)),
        ),
        paragraph_style(
            "TableText",
            "表格文字",
            None,
            &format!("<w:spacing w:line=\"240\" {auto}/><w:jc w:val=\"center\"/>"),
            &format!(
                "{}<w:kern w:val=\"0\"/>{}",
                fonts(TABLE_FONT),
                size(SIZE_TABLE)
            ),
        ),
        paragraph_style(
            "Figure",
            "图",
            None,
            &format!(
                "<w:spacing w:before=\"120\" w:after=\"0\" w:line=\"240\" {auto}/>\
                 <w:jc w:val=\"center\"/>"
            ),
            "",
        ),
        paragraph_style(
            "Caption",
            "caption",
            None,
            &format!(
                "<w:spacing w:before=\"60\" w:after=\"120\" w:line=\"240\" {auto}/>\
                 <w:jc w:val=\"center\"/>"
            ),
            &format!("{}{}", fonts(KAI_FONT), size(SIZE_CAPTION)),
        ),
        paragraph_style(
            "Footer",
            "footer",
            None,
            &format!("<w:spacing w:line=\"240\" {auto}/><w:jc w:val=\"center\"/>"),
            &format!(
                "<w:rFonts w:ascii=\"{TABLE_FONT}\" w:hAnsi=\"{TABLE_FONT}\" \
                 w:eastAsia=\"{TABLE_FONT}\" w:cs=\"{TABLE_FONT}\"/>{}",
                size(SIZE_FOOTER)
            ),
        ),
        paragraph_style(
            "Spacer",
            "间隔",
            None,
            &format!("<w:spacing w:line=\"240\" {auto}/>"),
            &size(SIZE_TABLE),
        ),
    ];

    let mut out = String::with_capacity(8192);
    out.push_str(DECLARATION);
    out.push_str(&format!(
        "<w:styles xmlns:w=\"{NS_W}\"><w:docDefaults><w:rPrDefault><w:rPr>{}\
         <w:kern w:val=\"2\"/>{}<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/>\
         </w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/>\
         <w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults>",
        fonts(BODY_FONT),
        size(SIZE_BODY)
    ));
    for style in &styles {
        out.push_str(style);
    }
    out.push_str(
        "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">\
         <w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/>\
         <w:unhideWhenUsed/></w:style>\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\">\
         <w:name w:val=\"Normal Table\"/><w:uiPriority w:val=\"99\"/><w:semiHidden/>\
         <w:unhideWhenUsed/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar>\
         <w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
         </w:tblCellMar></w:tblPr></w:style></w:styles>",
    );
    out
}

/// `word/settings.xml`: Word 2013+ layout (compatibility mode 15), 2-char
/// tab stops, Chinese punctuation compression.
pub(crate) fn settings_xml() -> String {
    format!(
        "{DECLARATION}<w:settings xmlns:w=\"{NS_W}\"><w:zoom w:percent=\"100\"/>\
         <w:defaultTabStop w:val=\"420\"/>\
         <w:characterSpacingControl w:val=\"compressPunctuation\"/><w:compat>\
         <w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" \
         w:val=\"15\"/></w:compat><w:themeFontLang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/>\
         <w:decimalSymbol w:val=\".\"/><w:listSeparator w:val=\",\"/></w:settings>"
    )
}

/// `word/fontTable.xml`. The Chinese fonts carry charset 86 (GB2312) and
/// their PANOSE numbers so that Word and WPS substitute a Chinese font of
/// the same kind where one is missing; `altName` names the font that
/// current Windows ships instead of the old `_GB2312` ones (仿宋, 楷体).
pub(crate) fn font_table_xml() -> String {
    /// name, altName, PANOSE, charset, family, pitch.
    struct Font(
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );
    let fonts = [
        Font(
            LATIN_FONT,
            None,
            "02020603050405020304",
            "00",
            "roman",
            "variable",
        ),
        Font(
            TABLE_FONT,
            Some("SimSun"),
            "02010600030101010101",
            "86",
            "auto",
            "variable",
        ),
        Font(
            HEADING_FONT,
            Some("SimHei"),
            "02010609060101010101",
            "86",
            "modern",
            "fixed",
        ),
        Font(
            BODY_FONT,
            Some("仿宋"),
            "02010609030101010101",
            "86",
            "modern",
            "fixed",
        ),
        Font(
            KAI_FONT,
            Some("楷体"),
            "02010609030101010101",
            "86",
            "modern",
            "fixed",
        ),
        Font(
            TITLE_FONT,
            Some("宋体"),
            "02000000000000000000",
            "86",
            "auto",
            "variable",
        ),
    ];
    let mut out = format!("{DECLARATION}<w:fonts xmlns:w=\"{NS_W}\">");
    for Font(name, alt, panose, charset, family, pitch) in fonts {
        out.push_str(&format!("<w:font w:name=\"{name}\">"));
        if let Some(alt) = alt {
            out.push_str(&format!("<w:altName w:val=\"{alt}\"/>"));
        }
        out.push_str(&format!(
            "<w:panose1 w:val=\"{panose}\"/><w:charset w:val=\"{charset}\"/>\
             <w:family w:val=\"{family}\"/><w:pitch w:val=\"{pitch}\"/></w:font>"
        ));
    }
    out.push_str("</w:fonts>");
    out
}

/// `word/footer1.xml`: the page number as "— 1 —", centred, 宋体 四号.
pub(crate) fn footer_xml() -> String {
    format!(
        "{DECLARATION}<w:ftr xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\"><w:p><w:pPr>\
         <w:pStyle w:val=\"Footer\"/></w:pPr><w:r><w:t xml:space=\"preserve\">— </w:t></w:r>\
         <w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>\
         <w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>\
         <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r>\
         <w:r><w:fldChar w:fldCharType=\"end\"/></w:r>\
         <w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>"
    )
}

/// `w:sectPr`: A4 portrait, 公文 margins, the footer.
pub(crate) fn section_xml(footer_rel: &str) -> String {
    format!(
        "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"{footer_rel}\"/>\
         <w:pgSz w:w=\"{PAGE_WIDTH}\" w:h=\"{PAGE_HEIGHT}\"/>\
         <w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{MARGIN_RIGHT}\" w:bottom=\"{MARGIN_BOTTOM}\" \
         w:left=\"{MARGIN_LEFT}\" w:header=\"{HEADER_DISTANCE}\" w:footer=\"{FOOTER_DISTANCE}\" \
         w:gutter=\"0\"/><w:pgNumType w:start=\"1\"/><w:cols w:space=\"425\"/>\
         <w:docGrid w:linePitch=\"312\"/></w:sectPr>"
    )
}

/// `docProps/core.xml`: title, subject and author only. No creation or
/// modification time, so the same report always gives the same bytes.
pub(crate) fn core_xml(title: &str, subject: &str, creator: &str) -> String {
    let mut out = format!(
        "{DECLARATION}<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    );
    for (element, value) in [
        ("dc:title", title),
        ("dc:subject", subject),
        ("dc:creator", creator),
    ] {
        if !value.trim().is_empty() {
            out.push_str(&format!("<{element}>{}</{element}>", escape(value)));
        }
    }
    out.push_str("</cp:coreProperties>");
    out
}

/// `docProps/app.xml`.
pub(crate) fn app_xml() -> String {
    format!(
        "{DECLARATION}<Properties \
         xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
         <Application>meizhen</Application><DocSecurity>0</DocSecurity></Properties>"
    )
}
