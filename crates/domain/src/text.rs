//! Cleaning the text that arrives from forms and office spreadsheets.
//!
//! Chinese input methods switch between half- and full-width characters, so
//! "１２．５" and "12.5" must mean the same. Every parser in the project module
//! runs its input through these two functions first.

/// Maps full-width ASCII variants (U+FF01–U+FF5E: "０-９", "Ａ", "，", "．", "－" …)
/// to their ASCII counterparts and the ideographic space to a plain space.
/// Everything else, including "。" and "、", is left as it is.
pub fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Half-width, with every kind of whitespace removed (also the zero-width
/// space and the BOM that copy-paste from web pages and Word brings along).
/// For names and labels, which never contain meaningful spaces.
pub fn compact(s: &str) -> String {
    to_half_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{FEFF}'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_becomes_ascii() {
        assert_eq!(to_half_width("１２３，４５６．７８"), "123,456.78");
        assert_eq!(to_half_width("２０２０－０３／１５"), "2020-03/15");
        assert_eq!(to_half_width("ＡＢｃ\u{3000}x"), "ABc x");
        // Chinese punctuation without an ASCII twin stays.
        assert_eq!(to_half_width("一、二。"), "一、二。");
    }

    #[test]
    fn compact_removes_all_spaces() {
        assert_eq!(compact(" 环境\u{3000}美 \t"), "环境美");
        assert_eq!(compact("\u{FEFF}平桥\u{200B}镇\u{a0}"), "平桥镇");
        assert_eq!(compact(""), "");
    }
}
