//! Administrative division codes (统计用区划代码) and their hierarchy.
//!
//! A code's length tells its level (2, 4, 6, 9, 12 digits) and every code starts
//! with its parent's code. That prefix property is what region scoping relies on.

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Town,
    Village,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Town,
        Level::Village,
    ];

    /// Digits in a code of this level.
    pub fn code_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Town => 9,
            Level::Village => 12,
        }
    }

    pub fn from_code_len(len: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code_len() == len)
    }

    /// Stable identifier used in the database and the API.
    pub fn id(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
            Level::Village => "village",
        }
    }

    pub fn from_id(id: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.id() == id)
    }

    /// What users call this level.
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县(市、区)",
            Level::Town => "乡镇(街道)",
            Level::Village => "村(社区)",
        }
    }

    /// Depth in the hierarchy, province = 0.
    pub fn depth(self) -> u8 {
        match self {
            Level::Province => 0,
            Level::City => 1,
            Level::County => 2,
            Level::Town => 3,
            Level::Village => 4,
        }
    }

    pub fn child(self) -> Option<Level> {
        match self {
            Level::Province => Some(Level::City),
            Level::City => Some(Level::County),
            Level::County => Some(Level::Town),
            Level::Town => Some(Level::Village),
            Level::Village => None,
        }
    }
}

/// A validated region code. Parsing is the only way to get one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, ValidationError> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new(
                "region",
                format!("区划代码“{s}”无效：只能由数字组成"),
            ));
        }
        if Level::from_code_len(s.len()).is_none() {
            return Err(ValidationError::new(
                "region",
                format!("区划代码“{s}”无效：长度应为 2、4、6、9 或 12 位"),
            ));
        }
        Ok(RegionCode(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 浙江省 (33), the root of every scope.
    pub fn zhejiang() -> RegionCode {
        RegionCode("33".to_owned())
    }

    pub fn level(&self) -> Level {
        // Parsing guarantees a valid length.
        Level::from_code_len(self.0.len()).unwrap_or(Level::Village)
    }

    pub fn parent(&self) -> Option<RegionCode> {
        let level = self.level();
        if level == Level::Province {
            return None;
        }
        let parent_len = Level::ALL[level.depth() as usize - 1].code_len();
        Some(RegionCode(self.0[..parent_len].to_owned()))
    }

    /// Codes from the province down to (and including) this one.
    pub fn lineage(&self) -> Vec<RegionCode> {
        Level::ALL
            .iter()
            .take(self.level().depth() as usize + 1)
            .map(|l| RegionCode(self.0[..l.code_len()].to_owned()))
            .collect()
    }

    /// True when `self` is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// The code of the ancestor at `level`, if `level` is at or above this code's level.
    pub fn ancestor_at(&self, level: Level) -> Option<RegionCode> {
        (level <= self.level()).then(|| RegionCode(self.0[..level.code_len()].to_owned()))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    #[test]
    fn levels_follow_code_length() {
        assert_eq!(code("33").level(), Level::Province);
        assert_eq!(code("3310").level(), Level::City);
        assert_eq!(code("331024").level(), Level::County);
        assert_eq!(code("331024103").level(), Level::Town);
        assert_eq!(code("331024103201").level(), Level::Village);
    }

    #[test]
    fn rejects_bad_codes() {
        for bad in ["", "3", "33a0", "3310241", "１２", "33 10"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn parent_and_lineage() {
        let t = code("331024103");
        assert_eq!(t.parent(), Some(code("331024")));
        assert_eq!(code("33").parent(), None);
        let l: Vec<String> = t.lineage().into_iter().map(String::from).collect();
        assert_eq!(l, ["33", "3310", "331024", "331024103"]);
        assert_eq!(t.ancestor_at(Level::City), Some(code("3310")));
        assert_eq!(code("3310").ancestor_at(Level::Town), None);
    }

    #[test]
    fn within_is_prefix_on_whole_codes() {
        assert!(code("331024103").is_within(&code("331024")));
        assert!(code("331024").is_within(&code("331024")));
        assert!(!code("331083102").is_within(&code("331024")));
        assert!(!code("3310").is_within(&code("331024")));
    }
}
