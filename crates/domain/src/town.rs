//! Town attributes: creation type (创建类型) and yearly enrollment (创建名单).

use crate::ValidationError;

/// The default catalogue of town types. Stored as text so offices can use
/// others later; these are the ones the program's documents name.
pub const TOWN_TYPES: [&str; 7] = [
    "都市节点型",
    "县域副中心型",
    "文旅特色型",
    "商贸特色型",
    "工业特色型",
    "农业特色型",
    "一般型",
];

pub fn check_town_type(t: &str) -> Result<(), ValidationError> {
    if TOWN_TYPES.contains(&t) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "town_type",
            format!("创建类型“{t}”不在目录中"),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrollment {
    /// 样板创建: attempts 省级样板.
    Model,
    /// 达标创建: attempts 基本达标.
    Standard,
}

impl Enrollment {
    pub fn id(self) -> &'static str {
        match self {
            Enrollment::Model => "model",
            Enrollment::Standard => "standard",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Enrollment::Model => "样板创建",
            Enrollment::Standard => "达标创建",
        }
    }
    /// Accepts the identifier or the Chinese label; `none`/empty means "not enrolled".
    pub fn parse(s: &str) -> Result<Option<Enrollment>, ValidationError> {
        match s.trim() {
            "model" | "样板创建" | "样板" => Ok(Some(Enrollment::Model)),
            "standard" | "达标创建" | "达标" => Ok(Some(Enrollment::Standard)),
            "" | "none" | "无" | "未列入" => Ok(None),
            other => Err(ValidationError::new(
                "enrollment",
                format!("创建名单类别“{other}”无效，应为 样板创建 或 达标创建"),
            )),
        }
    }
}

pub fn check_year(year: i32) -> Result<(), ValidationError> {
    if (2019..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "year",
            format!("年份 {year} 无效（美丽城镇建设自 2019 年开始）"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_parsing() {
        assert_eq!(Enrollment::parse("样板创建"), Ok(Some(Enrollment::Model)));
        assert_eq!(
            Enrollment::parse("standard"),
            Ok(Some(Enrollment::Standard))
        );
        assert_eq!(Enrollment::parse("none"), Ok(None));
        assert!(Enrollment::parse("优秀").is_err());
    }

    #[test]
    fn years_and_types() {
        assert!(check_year(2020).is_ok());
        assert!(check_year(1999).is_err());
        assert!(check_town_type("文旅特色型").is_ok());
        assert!(check_town_type("火星型").is_err());
    }
}
