//! Region scope: the one rule of who sees what.
//!
//! A user belongs to one region and sees that region and everything below it.
//! An optional department narrows records that carry a department.
//! Storage turns a scope into a SQL predicate; services get scopes only from
//! the authenticated actor, so no page can forget to apply it.

use crate::region::{Level, RegionCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionScope {
    root: RegionCode,
    department: Option<String>,
}

impl RegionScope {
    pub fn new(root: RegionCode, department: Option<String>) -> Self {
        let department = department.filter(|d| !d.trim().is_empty());
        Self { root, department }
    }

    pub fn root(&self) -> &RegionCode {
        &self.root
    }

    pub fn department(&self) -> Option<&str> {
        self.department.as_deref()
    }

    pub fn contains(&self, code: &RegionCode) -> bool {
        code.is_within(&self.root)
    }

    /// True when a record of `department` is visible (records without a department
    /// belong to everyone in the region).
    pub fn sees_department(&self, department: Option<&str>) -> bool {
        match (&self.department, department) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => true,
        }
    }

    /// The `LIKE` pattern matching every code in scope. Codes are digits only, so
    /// there is nothing to escape.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.root.as_str())
    }

    /// True when the scope's root lies strictly above `code`'s level and contains it:
    /// the "offices above" rule for editing a town's enrollment.
    pub fn is_strictly_above(&self, code: &RegionCode) -> bool {
        self.contains(code) && self.root.level() < code.level()
    }

    pub fn level(&self) -> Level {
        self.root.level()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(code: &str) -> RegionScope {
        RegionScope::new(RegionCode::parse(code).expect("code"), None)
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("code")
    }

    #[test]
    fn county_sees_itself_and_below_only() {
        let s = scope("331024");
        assert!(s.contains(&code("331024")));
        assert!(s.contains(&code("331024103")));
        assert!(s.contains(&code("331024103201")));
        assert!(!s.contains(&code("331083")));
        assert!(!s.contains(&code("331083102")));
        assert!(!s.contains(&code("3310")));
        assert!(!s.contains(&code("33")));
    }

    #[test]
    fn strictly_above_excludes_own_level() {
        let s = scope("331024");
        assert!(s.is_strictly_above(&code("331024103")));
        assert!(!s.is_strictly_above(&code("331024")));
        assert!(!s.is_strictly_above(&code("331083102")));
    }

    #[test]
    fn department_narrows() {
        let s = RegionScope::new(code("331024"), Some("住建".into()));
        assert!(s.sees_department(Some("住建")));
        assert!(!s.sees_department(Some("交通")));
        assert!(s.sees_department(None));
        let blank = RegionScope::new(code("331024"), Some("  ".into()));
        assert_eq!(blank.department(), None);
    }
}
