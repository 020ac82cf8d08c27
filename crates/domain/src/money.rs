//! Money: exact amounts in fen (分), parsed the way offices write them.
//!
//! Ledgers mix 元, 万元 and 亿元 and are summed from town up to province, so an
//! amount is an integer number of fen and every parse and sum is integer
//! arithmetic: 0.1 万元 + 0.2 万元 must be exactly 0.3 万元. Floats appear only
//! as the result of [`ratio`], i.e. in a rate, never in an amount.
//!
//! `i64` fen holds ±92 万亿元, far beyond any provincial total; sums still use
//! checked arithmetic so that a typo such as an extra dozen zeros becomes an
//! error rather than a wrapped figure.

use crate::text::to_half_width;
use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// The field name used in errors; callers that parse a named column may
/// overwrite `ValidationError::field`.
const FIELD: &str = "amount";

/// Widest precision `format_in` will print; more digits would be meaningless
/// (a fen is 10 decimals of 亿元).
const MAX_FORMAT_DECIMALS: u32 = 12;

/// An exact amount of money in fen (分, 0.01 元). Serialized as a bare integer.
///
/// May be negative as the result of a subtraction (a correction); parsed
/// amounts never are.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// The unit a figure is written in. Ledgers label columns "（万元）" and the
/// province's summaries speak in 亿元.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    Yuan,
    Wan,
    Yi,
}

impl MoneyUnit {
    pub const ALL: [MoneyUnit; 3] = [MoneyUnit::Yuan, MoneyUnit::Wan, MoneyUnit::Yi];

    pub fn id(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "yuan",
            MoneyUnit::Wan => "wan",
            MoneyUnit::Yi => "yi",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Wan => "万元",
            MoneyUnit::Yi => "亿元",
        }
    }

    /// Fen in one unit: always a power of ten, `10^max_decimals()`.
    pub fn fen_per_unit(self) -> i64 {
        match self {
            MoneyUnit::Yuan => 100,
            MoneyUnit::Wan => 1_000_000,
            MoneyUnit::Yi => 10_000_000_000,
        }
    }

    /// Decimals that still name a whole fen in this unit. An importer reading a
    /// numeric Excel cell should print it with this many decimals before
    /// parsing, so that float noise (0.30000000000000004) is not refused.
    pub fn max_decimals(self) -> u32 {
        match self {
            MoneyUnit::Yuan => 2,
            MoneyUnit::Wan => 6,
            MoneyUnit::Yi => 10,
        }
    }

    /// Accepts the id, the label, or the bare 万/亿, with full-width and spaces.
    pub fn parse(s: &str) -> Result<MoneyUnit, ValidationError> {
        let c = crate::text::compact(s);
        let c = c
            .trim_start_matches(['(', '['])
            .trim_end_matches([')', ']']);
        MoneyUnit::ALL
            .into_iter()
            .find(|u| {
                c.eq_ignore_ascii_case(u.id())
                    || c == u.label()
                    || Some(c) == u.label().strip_suffix('元').filter(|s| !s.is_empty())
            })
            .ok_or_else(|| {
                ValidationError::new(
                    "unit",
                    format!("金额单位“{}”无效，应为 元、万元 或 亿元", s.trim()),
                )
            })
    }

    /// The unit named in a column header such as "总投资（万元）" or
    /// "计划投资(亿元)"; `None` when the header names none.
    pub fn from_header(header: &str) -> Option<MoneyUnit> {
        let h = crate::text::compact(header);
        // A unit in brackets wins: "投资(万元)合计" still means 万元.
        if let Some(open) = h.rfind(['(', '[']) {
            let inner = &h[open + 1..];
            let inner = inner.split([')', ']']).next().unwrap_or(inner);
            if let Ok(u) = MoneyUnit::parse(inner) {
                return Some(u);
            }
        }
        [MoneyUnit::Yi, MoneyUnit::Wan, MoneyUnit::Yuan]
            .into_iter()
            .find(|u| h.ends_with(u.label()))
    }
}

/// Why a number did not parse; turned into a message naming the text.
enum NumberError {
    NotNumber,
    TooPrecise,
    TooLarge,
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn new(fen: i64) -> Fen {
        Fen(fen)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// `amount` whole units (e.g. 3 万元); `None` on overflow.
    pub fn from_units(amount: i64, unit: MoneyUnit) -> Option<Fen> {
        amount.checked_mul(unit.fen_per_unit()).map(Fen)
    }

    pub fn from_yuan(yuan: i64) -> Option<Fen> {
        Fen::from_units(yuan, MoneyUnit::Yuan)
    }

    pub fn from_wan(wan: i64) -> Option<Fen> {
        Fen::from_units(wan, MoneyUnit::Wan)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// The exact sum, or `None` if it leaves the `i64` range.
    pub fn checked_sum(items: impl IntoIterator<Item = Fen>) -> Option<Fen> {
        items
            .into_iter()
            .try_fold(Fen::ZERO, |acc, x| acc.checked_add(x))
    }

    /// Parses an amount as written in a ledger cell or a form.
    ///
    /// Accepts full-width digits and punctuation ("１２．５"), thousands
    /// separators in groups of three ("1,234.5", "1，234.5"), surrounding
    /// spaces, and a unit inside the text ("12.5万元", "1.2亿元", "3000元",
    /// "12.5万") which overrides `unit`, the column's unit. The decimal is
    /// converted exactly; trailing zeros are ignored, but a value finer than one
    /// fen is refused rather than rounded (a rounded figure would no longer
    /// add up with the ledger it came from).
    pub fn parse_amount(text: &str, unit: MoneyUnit) -> Result<Fen, ValidationError> {
        let shown = text.trim();
        let half = to_half_width(text).replace('\u{2212}', "-");
        let s = half.trim();
        if s.is_empty() {
            return Err(ValidationError::new(FIELD, "金额不能为空"));
        }
        let (number, unit) = split_unit(s, unit);
        let (negative, number) = match number.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (
                false,
                number.strip_prefix('+').unwrap_or(number).trim_start(),
            ),
        };
        let fen = parse_number(number, unit).map_err(|e| {
            let message = match e {
                NumberError::NotNumber => format!("金额“{shown}”不是有效的数字"),
                NumberError::TooPrecise => format!(
                    "金额“{shown}”精确到了分以下（以{}为单位最多 {} 位小数）",
                    unit.label(),
                    unit.max_decimals()
                ),
                NumberError::TooLarge => format!("金额“{shown}”过大"),
            };
            ValidationError::new(FIELD, message)
        })?;
        if negative && fen != 0 {
            return Err(ValidationError::new(FIELD, "金额不能为负数"));
        }
        Ok(Fen(fen))
    }

    /// Like [`Fen::parse_amount`], but a blank cell or a placeholder
    /// ("-", "—", "/", "无") means "not filled in".
    pub fn parse_amount_opt(text: &str, unit: MoneyUnit) -> Result<Option<Fen>, ValidationError> {
        let c = crate::text::compact(text);
        if matches!(c.as_str(), "" | "-" | "--" | "—" | "——" | "/" | "无") {
            return Ok(None);
        }
        Fen::parse_amount(text, unit).map(Some)
    }

    /// The amount in `unit` with exactly `decimals` decimals (at most 12),
    /// rounded half away from zero: Fen(123_456_789) in 万元 with 2 → "123.46".
    pub fn format_in(self, unit: MoneyUnit, decimals: u32) -> String {
        let decimals = decimals.min(MAX_FORMAT_DECIMALS);
        let scaled = i128::from(self.0) * 10i128.pow(decimals);
        let den = i128::from(unit.fen_per_unit());
        let mut q = scaled / den;
        if 2 * (scaled % den).abs() >= den {
            q += scaled.signum();
        }
        format_scaled(q, decimals)
    }

    /// The exact amount in `unit`, without trailing zeros: "1234.5", "12", "0.0001".
    /// For messages, where rounding could make two different figures look equal.
    pub fn format_exact(self, unit: MoneyUnit) -> String {
        let s = self.format_in(unit, unit.max_decimals());
        match s.find('.') {
            Some(_) => s.trim_end_matches('0').trim_end_matches('.').to_owned(),
            None => s,
        }
    }

    /// "1234.56" (元, always two decimals).
    pub fn to_yuan_string(self) -> String {
        self.format_in(MoneyUnit::Yuan, 2)
    }

    /// In 万元: Fen(12_345_678_900) with 2 → "12345.68".
    pub fn to_wan_string(self, decimals: u32) -> String {
        self.format_in(MoneyUnit::Wan, decimals)
    }

    /// In 亿元: 481.92亿 is Fen(4_819_200_000_000) → "481.92" with 2.
    pub fn to_yi_string(self, decimals: u32) -> String {
        self.format_in(MoneyUnit::Yi, decimals)
    }
}

/// `a / b` as a rate; `None` when `b` is zero. The only way from money to `f64`.
pub fn ratio(a: Fen, b: Fen) -> Option<f64> {
    (b.0 != 0).then(|| a.0 as f64 / b.0 as f64)
}

/// Splits a unit suffix off the text: "12.5万元" → ("12.5", Wan).
fn split_unit(s: &str, column: MoneyUnit) -> (&str, MoneyUnit) {
    let (s, yuan) = match s.strip_suffix('元') {
        Some(rest) => (rest.trim_end(), true),
        None => (s, false),
    };
    if let Some(rest) = s.strip_suffix('亿') {
        (rest.trim_end(), MoneyUnit::Yi)
    } else if let Some(rest) = s.strip_suffix('万') {
        (rest.trim_end(), MoneyUnit::Wan)
    } else if yuan {
        (s, MoneyUnit::Yuan)
    } else {
        (s, column)
    }
}

/// Digits with optional thousands separators and one decimal point → fen.
fn parse_number(s: &str, unit: MoneyUnit) -> Result<i64, NumberError> {
    let (int_part, frac_part) = s.split_once('.').unwrap_or((s, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(NumberError::NotNumber);
    }
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotNumber);
    }
    let int_digits: String = if int_part.contains(',') {
        // Separators only in the Western three-digit grouping; "12,34" is more
        // likely a mistyped decimal point than twelve hundred and thirty-four.
        let groups: Vec<&str> = int_part.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return Err(NumberError::NotNumber);
        }
        groups.concat()
    } else {
        int_part.to_owned()
    };
    if !int_digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotNumber);
    }
    let frac = frac_part.trim_end_matches('0');
    let max = unit.max_decimals() as usize;
    if frac.len() > max {
        return Err(NumberError::TooPrecise);
    }
    let whole = digits_value(&int_digits)?;
    let mut frac_fen = digits_value(frac)?;
    for _ in frac.len()..max {
        frac_fen *= 10; // at most 10 digits: cannot overflow
    }
    whole
        .checked_mul(unit.fen_per_unit())
        .and_then(|f| f.checked_add(frac_fen))
        .ok_or(NumberError::TooLarge)
}

/// Value of a run of ASCII digits; empty is zero.
fn digits_value(digits: &str) -> Result<i64, NumberError> {
    digits.bytes().try_fold(0i64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(NumberError::TooLarge)
    })
}

/// `q` is the amount times `10^decimals`.
fn format_scaled(q: i128, decimals: u32) -> String {
    let sign = if q < 0 { "-" } else { "" };
    let abs = q.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u128.pow(decimals);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use MoneyUnit::{Wan, Yi, Yuan};

    fn fen(text: &str, unit: MoneyUnit) -> i64 {
        Fen::parse_amount(text, unit)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .get()
    }

    fn err(text: &str, unit: MoneyUnit) -> String {
        match Fen::parse_amount(text, unit) {
            Ok(f) => panic!("{text} should be refused, got {f:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn plain_numbers_in_each_unit() {
        assert_eq!(fen("3000", Yuan), 300_000);
        assert_eq!(fen("12.5", Wan), 12_500_000);
        assert_eq!(fen("1.2", Yi), 12_000_000_000);
        assert_eq!(fen("0", Wan), 0);
        assert_eq!(fen("0.01", Yuan), 1);
        assert_eq!(fen("0.000001", Wan), 1);
        assert_eq!(fen("0.0000000001", Yi), 1);
        assert_eq!(fen(".5", Wan), 500_000);
        assert_eq!(fen("5.", Wan), 5_000_000);
        assert_eq!(fen("+7", Yuan), 700);
    }

    #[test]
    fn decimals_are_exact_not_floating() {
        // 0.1 + 0.2 is exactly 0.3 in fen.
        let a = Fen::parse_amount("0.1", Wan).expect("a");
        let b = Fen::parse_amount("0.2", Wan).expect("b");
        assert_eq!(
            a.checked_add(b),
            Some(Fen::parse_amount("0.3", Wan).expect("c"))
        );
        assert_eq!(fen("481.92", Yi), 4_819_200_000_000);
        assert_eq!(fen("1234.5678", Wan), 1_234_567_800);
    }

    #[test]
    fn full_width_separators_and_spaces() {
        assert_eq!(fen("１２．５", Wan), 12_500_000);
        assert_eq!(fen("1,234.5", Wan), 1_234_500_000);
        assert_eq!(fen("1，234.5", Wan), 1_234_500_000);
        assert_eq!(fen("１，２３４，５６７", Yuan), 123_456_700);
        assert_eq!(fen("  12.5 \t", Wan), 12_500_000);
        assert_eq!(fen("\u{3000}12.5\u{3000}", Wan), 12_500_000);
    }

    #[test]
    fn unit_in_text_overrides_column() {
        assert_eq!(fen("12.5万元", Yuan), 12_500_000);
        assert_eq!(fen("12.5万", Yi), 12_500_000);
        assert_eq!(fen("1.2亿元", Wan), 12_000_000_000);
        assert_eq!(fen("1.2亿", Wan), 12_000_000_000);
        assert_eq!(fen("3000元", Wan), 300_000);
        assert_eq!(fen("12.5 万元", Yuan), 12_500_000);
        assert_eq!(fen("１２．５万元", Yuan), 12_500_000);
    }

    #[test]
    fn finer_than_a_fen_is_refused_but_trailing_zeros_are_fine() {
        assert!(err("0.001", Yuan).contains("分以下"));
        assert!(err("1.0000001", Wan).contains("最多 6 位小数"));
        assert!(err("1.00000000001", Yi).contains("分以下"));
        // "3.001元" in a 万元 column: the unit in the text decides the precision.
        assert!(err("3.001元", Wan).contains("以元为单位"));
        assert_eq!(fen("12.50000000", Wan), 12_500_000);
        assert_eq!(fen("3.10", Yuan), 310);
    }

    #[test]
    fn negatives_are_refused() {
        assert_eq!(err("-5", Wan), "金额不能为负数");
        assert_eq!(err("－5万元", Yuan), "金额不能为负数");
        assert_eq!(err("\u{2212}1", Yuan), "金额不能为负数");
        // Accounting exports write a negative zero.
        assert_eq!(fen("-0.00", Wan), 0);
    }

    #[test]
    fn non_numbers_name_the_text() {
        for bad in [
            "abc", "12.5.1", "1,23", "12,34.5", ",123", "1,2345", "万元", ".", "12 5", "1e5",
            "约100",
        ] {
            let m = err(bad, Wan);
            assert!(
                m.contains(&format!("“{}”", bad.trim())) || m == "金额不能为空",
                "{bad}: {m}"
            );
        }
        assert_eq!(err("  ", Wan), "金额不能为空");
        assert_eq!(
            Fen::parse_amount("x", Wan).map_err(|e| e.field),
            Err("amount")
        );
    }

    #[test]
    fn huge_amounts_are_errors_not_wraps() {
        // i64::MAX fen is 92,233,720,368,547,758.07 元.
        assert_eq!(fen("92233720368547758.07", Yuan), i64::MAX);
        assert!(err("92233720368547758.08", Yuan).contains("过大"));
        assert!(err("922337203.68547759", Yi).contains("过大"));
        assert!(err("99999999999999999999999999", Yuan).contains("过大"));
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
        assert_eq!(Fen(i64::MIN).checked_sub(Fen(1)), None);
        assert_eq!(
            Fen::checked_sum([Fen(i64::MAX - 1), Fen(1)]),
            Some(Fen(i64::MAX))
        );
        assert_eq!(Fen::checked_sum([Fen(i64::MAX), Fen(1)]), None);
        assert_eq!(Fen::from_wan(i64::MAX / 100), None);
        assert_eq!(Fen::from_wan(3), Some(Fen(3_000_000)));
    }

    #[test]
    fn optional_amounts() {
        assert_eq!(Fen::parse_amount_opt(" ", Wan), Ok(None));
        assert_eq!(Fen::parse_amount_opt("—", Wan), Ok(None));
        assert_eq!(Fen::parse_amount_opt("/", Wan), Ok(None));
        assert_eq!(Fen::parse_amount_opt("无", Wan), Ok(None));
        assert_eq!(Fen::parse_amount_opt("1", Wan), Ok(Some(Fen(1_000_000))));
        assert!(Fen::parse_amount_opt("-1", Wan).is_err());
    }

    #[test]
    fn formatting_rounds_half_away_from_zero() {
        let f = Fen(12_345_678_900); // 123,456,789.00 元
        assert_eq!(f.to_wan_string(2), "12345.68");
        assert_eq!(f.to_yi_string(2), "1.23");
        assert_eq!(Fen(4_819_200_000_000).to_yi_string(2), "481.92");
        assert_eq!(Fen(123_456_789).to_wan_string(2), "123.46");
        // Exactly half: 0.125 万元 → 0.13; −0.125 → −0.13.
        assert_eq!(Fen(125_000).to_wan_string(2), "0.13");
        assert_eq!(Fen(-125_000).to_wan_string(2), "-0.13");
        assert_eq!(Fen(124_999).to_wan_string(2), "0.12");
        assert_eq!(Fen(2_500_000).to_wan_string(0), "3");
        assert_eq!(Fen(-2_500_000).to_wan_string(0), "-3");
        assert_eq!(Fen(-4).to_wan_string(2), "0.00");
        assert_eq!(Fen(5_000_000).to_wan_string(0), "5");
        assert_eq!(Fen(15_000_000).to_wan_string(0), "15");
        assert_eq!(Fen(12).to_yuan_string(), "0.12");
        assert_eq!(Fen(i64::MAX).to_yuan_string(), "92233720368547758.07");
        assert_eq!(Fen(i64::MIN).to_yuan_string(), "-92233720368547758.08");
        assert_eq!(Fen(1).format_in(Yi, 99), "0.000000000100");
    }

    #[test]
    fn exact_formatting_trims_zeros() {
        assert_eq!(Fen(1_234_567_800).format_exact(Wan), "1234.5678");
        assert_eq!(Fen(12_000_000).format_exact(Wan), "12");
        assert_eq!(Fen(1).format_exact(Wan), "0.000001");
        assert_eq!(Fen(0).format_exact(Yi), "0");
        assert_eq!(Fen(-150).format_exact(Yuan), "-1.5");
    }

    #[test]
    fn round_trip_through_text() {
        for v in [0, 1, 99, 100, 1_000_001, 123_456_789_012, i64::MAX] {
            for unit in MoneyUnit::ALL {
                let text = Fen(v).format_exact(unit);
                assert_eq!(
                    Fen::parse_amount(&text, unit),
                    Ok(Fen(v)),
                    "{text} {unit:?}"
                );
            }
        }
    }

    #[test]
    fn ratio_is_none_for_zero_denominator() {
        assert_eq!(ratio(Fen(1), Fen(0)), None);
        assert_eq!(ratio(Fen(0), Fen(0)), None);
        assert_eq!(ratio(Fen(1), Fen(4)), Some(0.25));
        assert_eq!(ratio(Fen(5), Fen(4)), Some(1.25));
    }

    #[test]
    fn serializes_as_integer() {
        assert_eq!(serde_json::to_string(&Fen(125)).expect("json"), "125");
        assert_eq!(serde_json::from_str::<Fen>("-3").expect("json"), Fen(-3));
        assert_eq!(serde_json::to_string(&Wan).expect("json"), "\"wan\"");
    }

    #[test]
    fn units_parse_and_come_from_headers() {
        assert_eq!(MoneyUnit::parse("万元"), Ok(Wan));
        assert_eq!(MoneyUnit::parse(" 亿 "), Ok(Yi));
        assert_eq!(MoneyUnit::parse("（万元）"), Ok(Wan));
        assert_eq!(MoneyUnit::parse("YUAN"), Ok(Yuan));
        assert!(MoneyUnit::parse("美元").is_err());
        assert!(MoneyUnit::parse("").is_err());
        assert_eq!(MoneyUnit::from_header("总投资（万元）"), Some(Wan));
        assert_eq!(MoneyUnit::from_header("计划投资(亿元)"), Some(Yi));
        assert_eq!(MoneyUnit::from_header("投资 [万] 合计"), Some(Wan));
        assert_eq!(MoneyUnit::from_header("金额（元）"), Some(Yuan));
        assert_eq!(MoneyUnit::from_header("总投资万元"), Some(Wan));
        assert_eq!(MoneyUnit::from_header("总投资亿元"), Some(Yi));
        assert_eq!(MoneyUnit::from_header("项目名称"), None);
        assert_eq!(MoneyUnit::from_header("备注（其他）"), None);
    }
}
