//! XML text helpers: escaping and the few number formats the parts need.

/// The XML declaration every part starts with.
pub(crate) const DECLARATION: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Whether `c` may appear in an XML 1.0 document at all. Other control
/// characters (a stray `\u{1}` pasted from some other program, say) are
/// dropped rather than producing a file Word refuses to open.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `text` escaped for element content or a double- or
/// single-quoted attribute value. Tabs and line breaks are written as
/// character references so that attribute values keep them too.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// `text` escaped, as a new string.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// A finite `f64` as an `xsd:double` literal: the shortest text that reads
/// back as the same number (`0.9756`, `1234.5`, `-3`).
pub(crate) fn number(value: f64) -> String {
    if value == 0.0 {
        // Never "-0".
        return "0".to_owned();
    }
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\u{1}\u{FFFF}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(escape("行1\n行2\t"), "行1&#10;行2&#9;");
        assert_eq!(escape("美丽城镇🏘"), "美丽城镇🏘");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(0.9756), "0.9756");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(12345.0), "12345");
        assert_eq!(number(1e21), "1000000000000000000000");
    }
}
