//! Money units as written in ledger headers and notes, and exact conversion
//! of the figures to 分.

use std::fmt;

use super::normalize::compact;

/// The unit a money column is kept in.
///
/// Detected per column from its header (`总投资（万元）`, also through the
/// merged group header above it, `投资情况（亿元）`), else from a sheet-level
/// note (`单位：万元`), else [`MoneyUnit::WanYuan`], the usual unit of these
/// ledgers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MoneyUnit {
    /// 元
    Yuan,
    /// 千元
    ThousandYuan,
    /// 万元
    WanYuan,
    /// 百万元
    MillionYuan,
    /// 千万元
    TenMillionYuan,
    /// 亿元
    YiYuan,
}

/// Longest words first: "千万元" and "百万元" contain "万元", which contains "元".
const UNIT_WORDS: [(&str, MoneyUnit); 6] = [
    ("千万元", MoneyUnit::TenMillionYuan),
    ("百万元", MoneyUnit::MillionYuan),
    ("亿元", MoneyUnit::YiYuan),
    ("万元", MoneyUnit::WanYuan),
    ("千元", MoneyUnit::ThousandYuan),
    ("元", MoneyUnit::Yuan),
];

impl MoneyUnit {
    /// The unit's name, e.g. `"万元"`.
    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::ThousandYuan => "千元",
            MoneyUnit::WanYuan => "万元",
            MoneyUnit::MillionYuan => "百万元",
            MoneyUnit::TenMillionYuan => "千万元",
            MoneyUnit::YiYuan => "亿元",
        }
    }

    /// How many 分 one unit is: 万元 → 1,000,000.
    pub fn fen_per_unit(self) -> i64 {
        10_i64.pow(self.decimal_shift())
    }

    /// log10 of [`Self::fen_per_unit`].
    fn decimal_shift(self) -> u32 {
        match self {
            MoneyUnit::Yuan => 2,
            MoneyUnit::ThousandYuan => 5,
            MoneyUnit::WanYuan => 6,
            MoneyUnit::MillionYuan => 8,
            MoneyUnit::TenMillionYuan => 9,
            MoneyUnit::YiYuan => 10,
        }
    }

    /// A cell number in this unit as whole 分.
    ///
    /// The number is taken as the shortest decimal that reads back as the
    /// same `f64` — what Excel shows and what the user typed, `123.46`, not
    /// `123.4599999999999937…` — and that decimal is shifted exactly, then
    /// rounded half away from zero to whole 分 (`0.30000000000000004` 万元
    /// from a formula is 300,000 分). `None` for NaN, infinities and amounts
    /// beyond `i64`.
    ///
    /// ```
    /// use meizhen_documents::ledger::MoneyUnit;
    /// assert_eq!(MoneyUnit::WanYuan.fen_from_number(123.46), Some(123_460_000));
    /// assert_eq!(MoneyUnit::YiYuan.fen_from_number(1.5), Some(15_000_000_000));
    /// assert_eq!(MoneyUnit::Yuan.fen_from_number(0.005), Some(1));
    /// ```
    pub fn fen_from_number(self, value: f64) -> Option<i64> {
        if !value.is_finite() {
            return None;
        }
        // `Display` for f64 prints the shortest round-trip form, never with
        // an exponent.
        decimal_to_fen(&format!("{value}"), self.decimal_shift())
    }

    /// A number written as text in this unit (`"1,234.5"`, `"１２３．４"`,
    /// `" -12 "`) as whole 分, rounded like [`Self::fen_from_number`]. Only a
    /// plain decimal with optional sign and thousands separators is
    /// accepted; `"待定"`, `"约100"` or `"100万元"` give `None`.
    pub fn fen_from_text(self, text: &str) -> Option<i64> {
        let t: String = compact(text)
            .chars()
            .filter(|c| *c != ',')
            .map(|c| if c == '\u{2212}' { '-' } else { c })
            .collect();
        decimal_to_fen(&t, self.decimal_shift())
    }

    /// The unit named in a header text: the first of 千万元, 百万元, 亿元,
    /// 万元, 千元, 元 that occurs in it.
    pub(crate) fn in_header(text: &str) -> Option<MoneyUnit> {
        let t = compact(text);
        UNIT_WORDS
            .iter()
            .find(|(word, _)| t.contains(word))
            .map(|(_, unit)| *unit)
    }

    /// The unit stated by a note such as `"填报单位：xx县  单位：万元"`,
    /// `"（金额单位：亿元）"`, `"注：金额单位为万元"`, or a cell that is only
    /// `"万元"` / `"（万元）"`.
    pub(crate) fn in_note(text: &str) -> Option<MoneyUnit> {
        let t = compact(text);
        let bare = t.trim_matches(|c| c == '(' || c == ')');
        if let Some((_, unit)) = UNIT_WORDS.iter().find(|(word, _)| bare == *word) {
            return Some(*unit);
        }
        t.match_indices("单位").find_map(|(at, word)| {
            let rest = t[at + word.len()..].trim_start_matches([':', '为', '是', '(']);
            UNIT_WORDS
                .iter()
                .find(|(word, _)| rest.starts_with(word))
                .map(|(_, unit)| *unit)
        })
    }
}

impl fmt::Display for MoneyUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// `s` (an optionally signed plain decimal) × 10^`shift`, rounded half away
/// from zero to an integer, with checked arithmetic.
fn decimal_to_fen(s: &str, shift: u32) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return None;
    }
    let mut acc: i64 = 0;
    let push = |acc: i64, digit: u8| acc.checked_mul(10)?.checked_add(i64::from(digit - b'0'));
    for d in int_part.bytes() {
        acc = push(acc, d)?;
    }
    let mut frac = frac_part.bytes();
    for _ in 0..shift {
        acc = push(acc, frac.next().unwrap_or(b'0'))?;
    }
    if frac.next().is_some_and(|d| d >= b'5') {
        acc = acc.checked_add(1)?;
    }
    Some(if negative { -acc } else { acc })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_number_is_exact_on_the_shown_decimal() {
        let wan = MoneyUnit::WanYuan;
        assert_eq!(wan.fen_from_number(123.46), Some(123_460_000));
        assert_eq!(wan.fen_from_number(123.456789), Some(123_456_789));
        assert_eq!(wan.fen_from_number(0.1 + 0.2), Some(300_000));
        assert_eq!(wan.fen_from_number(-0.015), Some(-15_000));
        assert_eq!(wan.fen_from_number(0.0000005), Some(1));
        assert_eq!(wan.fen_from_number(0.0000004), Some(0));
        assert_eq!(wan.fen_from_number(-0.0000005), Some(-1));
        assert_eq!(wan.fen_from_number(0.0), Some(0));
        assert_eq!(wan.fen_from_number(-0.0), Some(0));
        assert_eq!(wan.fen_from_number(1e12), Some(1_000_000_000_000_000_000));
        assert_eq!(wan.fen_from_number(1e13), None);
        assert_eq!(wan.fen_from_number(f64::NAN), None);
        assert_eq!(wan.fen_from_number(f64::INFINITY), None);
        assert_eq!(MoneyUnit::Yuan.fen_from_number(12.345), Some(1_235));
        assert_eq!(MoneyUnit::YiYuan.fen_from_number(2.5), Some(25_000_000_000));
        assert_eq!(MoneyUnit::ThousandYuan.fen_from_number(1.0), Some(100_000));
        assert_eq!(
            MoneyUnit::MillionYuan.fen_from_number(1.0),
            Some(100_000_000)
        );
        assert_eq!(
            MoneyUnit::TenMillionYuan.fen_from_number(1.0),
            Some(1_000_000_000)
        );
    }

    #[test]
    fn from_text() {
        let wan = MoneyUnit::WanYuan;
        assert_eq!(wan.fen_from_text("1,234.5"), Some(1_234_500_000));
        assert_eq!(wan.fen_from_text(" １２３．４ "), Some(123_400_000));
        assert_eq!(wan.fen_from_text("-12"), Some(-12_000_000));
        assert_eq!(wan.fen_from_text("\u{2212}1"), Some(-1_000_000));
        assert_eq!(wan.fen_from_text("+.5"), Some(500_000));
        assert_eq!(wan.fen_from_text("5."), Some(5_000_000));
        for bad in [
            "",
            "-",
            ".",
            "待定",
            "约100",
            "100万元",
            "1.2.3",
            "1e5",
            "--1",
            "１ ２",
        ] {
            // "１ ２" compacts to "12": spaces inside digits are typing noise.
            if bad == "１ ２" {
                assert_eq!(wan.fen_from_text(bad), Some(12_000_000));
            } else {
                assert_eq!(wan.fen_from_text(bad), None, "{bad:?}");
            }
        }
    }

    #[test]
    fn units_in_headers_and_notes() {
        assert_eq!(
            MoneyUnit::in_header("总投资（万元）"),
            Some(MoneyUnit::WanYuan)
        );
        assert_eq!(
            MoneyUnit::in_header("总投资(亿元)"),
            Some(MoneyUnit::YiYuan)
        );
        assert_eq!(
            MoneyUnit::in_header("总投资\n（元）"),
            Some(MoneyUnit::Yuan)
        );
        assert_eq!(
            MoneyUnit::in_header("金额（千万元）"),
            Some(MoneyUnit::TenMillionYuan)
        );
        assert_eq!(MoneyUnit::in_header("总投资"), None);

        assert_eq!(
            MoneyUnit::in_note("填报单位：xx县美镇办  单位：万元"),
            Some(MoneyUnit::WanYuan)
        );
        assert_eq!(
            MoneyUnit::in_note("（金额单位：亿元）"),
            Some(MoneyUnit::YiYuan)
        );
        assert_eq!(
            MoneyUnit::in_note("注：金额单位为万元"),
            Some(MoneyUnit::WanYuan)
        );
        assert_eq!(MoneyUnit::in_note("单位:元"), Some(MoneyUnit::Yuan));
        assert_eq!(MoneyUnit::in_note("（万元）"), Some(MoneyUnit::WanYuan));
        assert_eq!(MoneyUnit::in_note("填报单位：xx县美镇办"), None);
        assert_eq!(
            MoneyUnit::in_note("台州市2020年美丽城镇建设项目汇总表"),
            None
        );
        assert_eq!(MoneyUnit::in_note("建设单位：某某公司，投资100万元"), None);
    }
}
