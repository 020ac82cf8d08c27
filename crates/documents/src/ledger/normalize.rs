//! Pure cell-text normalisers used by the ledger reader (and by importers
//! that take its [`RawValue`](super::RawValue)s further).

/// Full-width ASCII forms (全角数字、字母、标点, `U+FF01..=U+FF5E`) and the
/// ideographic space (`U+3000`) to their half-width equivalents; the
/// full-width currency/sign forms `￠￡￢￣￤￥￦` too. Everything else —
/// Chinese characters and Chinese-only punctuation such as `、` `。` `《》`
/// — is left as it is.
///
/// `"１２３．５万元（含税）"` → `"123.5万元(含税)"`, `"ＡＢｃ　１"` → `"ABc 1"`.
pub fn to_half_width(s: &str) -> String {
    s.chars().map(half_width_char).collect()
}

pub(crate) fn half_width_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{FFE0}' => '\u{A2}',
        '\u{FFE1}' => '\u{A3}',
        '\u{FFE2}' => '\u{AC}',
        '\u{FFE3}' => '\u{AF}',
        '\u{FFE4}' => '\u{A6}',
        '\u{FFE5}' => '\u{A5}',
        '\u{FFE6}' => '\u{20A9}',
        _ => c,
    }
}

/// Characters that take no room and only come from copy-paste: zero-width
/// space/joiners, word joiner, BOM, soft hyphen.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Trims the text and collapses every run of whitespace — spaces, tabs,
/// newlines (`Alt+Enter` in a cell), the ideographic space `U+3000`, the
/// no-break space — into one ASCII space. Zero-width characters and BOMs
/// left over from copy-paste are removed. Full-width letters and digits are
/// *not* changed (see [`to_half_width`]).
///
/// `"  章安\n街道\u{3000}\u{3000}"` → `"章安 街道"`.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Text reduced for comparisons: half-width, no whitespace or invisible
/// characters at all, ASCII letters upper-cased.
pub(crate) fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .map(|c| half_width_char(c).to_ascii_uppercase())
        .collect()
}

/// A yes/no answer as offices write it in columns such as 是否重点.
///
/// * yes: `是` `√` `✓` `✔` `☑` `Y` `YES` `T` `TRUE` `1` `对` `有` `重点`, and any
///   text naming a 重点 level such as `省重点`, `市级重点项目`;
/// * no: `否` `×` `✗` `✘` `X` `N` `NO` `F` `FALSE` `0` `不是` `非重点` `一般` `无`;
/// * anything else, including blank, dashes and `待定`: `None`.
///
/// Case, full-width forms and surrounding whitespace are ignored.
pub fn parse_bool_zh(s: &str) -> Option<bool> {
    let t = compact(s);
    match t.as_str() {
        "是" | "√" | "✓" | "✔" | "☑" | "Y" | "YES" | "T" | "TRUE" | "1" | "对" | "有"
        | "是重点" => Some(true),
        "否" | "×" | "✗" | "✘" | "☒" | "X" | "N" | "NO" | "F" | "FALSE" | "0" | "不是" | "非"
        | "不" | "非重点" | "不是重点" | "一般" | "一般项目" | "无" => Some(false),
        _ if t.contains("重点")
            && !t.starts_with('非')
            && !t.starts_with('不')
            && !t.starts_with('否')
            && !t.starts_with('无') =>
        {
            Some(true)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width() {
        assert_eq!(to_half_width("１２３．５万元（含税）"), "123.5万元(含税)");
        assert_eq!(to_half_width("ＡＢｃ　１"), "ABc 1");
        assert_eq!(
            to_half_width("：；，！？［］＂＇＋－＊／％＃～"),
            ":;,!?[]\"'+-*/%#~"
        );
        assert_eq!(to_half_width("￥１，０００"), "\u{A5}1,000");
        // Chinese-only punctuation has no half-width form.
        assert_eq!(to_half_width("一、二。《三》"), "一、二。《三》");
        assert_eq!(to_half_width(""), "");
    }

    #[test]
    fn clean() {
        assert_eq!(clean_text("  章安\n街道\u{3000}\u{3000}"), "章安 街道");
        assert_eq!(clean_text("\u{3000}项目\r\n\t名称 "), "项目 名称");
        assert_eq!(clean_text("\u{FEFF}总投资\u{200B}"), "总投资");
        assert_eq!(clean_text("a\u{A0}\u{A0}b"), "a b");
        assert_eq!(clean_text(" \n\u{3000} "), "");
        // Full-width letters stay; that is to_half_width's job.
        assert_eq!(clean_text("ＡＢ"), "ＡＢ");
    }

    #[test]
    fn compact_form() {
        assert_eq!(compact("项 目\n名　称（ｍ²）"), "项目名称(M²)");
    }

    #[test]
    fn bools() {
        for yes in [
            "是",
            " 是 ",
            "√",
            "✓",
            "Y",
            "y",
            "yes",
            "ＹＥＳ",
            "TRUE",
            "1",
            "重点",
            "省重点",
            "市级重点项目",
        ] {
            assert_eq!(parse_bool_zh(yes), Some(true), "{yes:?}");
        }
        for no in [
            "否",
            "×",
            "X",
            "x",
            "N",
            "no",
            "FALSE",
            "0",
            "非重点",
            "不是",
            "一般",
            "无",
            "\u{3000}否",
        ] {
            assert_eq!(parse_bool_zh(no), Some(false), "{no:?}");
        }
        for unknown in ["", " ", "—", "-", "待定", "/", "是否", "2"] {
            assert_eq!(parse_bool_zh(unknown), None, "{unknown:?}");
        }
    }
}
