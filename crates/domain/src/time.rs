//! Time: stored as UTC unix milliseconds, shown in Asia/Shanghai.
//!
//! China has used a fixed UTC+8 without daylight saving since 1991, so a fixed
//! offset is exact for every date this program handles (no tz database needed).

use chrono::{DateTime, FixedOffset, Offset, Utc};

pub fn shanghai() -> FixedOffset {
    // 8 hours is always a valid offset.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

pub fn to_shanghai(ms: i64) -> Option<DateTime<FixedOffset>> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.with_timezone(&shanghai()))
}

/// "2020-12-21 09:30"
pub fn format_ms(ms: i64) -> String {
    to_shanghai(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// "2020年12月21日"
pub fn format_date_zh(ms: i64) -> String {
    to_shanghai(ms)
        .map(|t| t.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_is_utc_plus_8() {
        // 2020-12-20T16:30:00Z is 2020-12-21 00:30 in Shanghai.
        let ms = 1_608_481_800_000;
        assert_eq!(format_ms(ms), "2020-12-21 00:30");
        assert_eq!(format_date_zh(ms), "2020年12月21日");
    }
}
