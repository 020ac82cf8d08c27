//! Password policy for accounts. Hashing lives in the service layer.

use crate::ValidationError;

pub const MIN_LEN: usize = 10;

pub fn check_policy(username: &str, password: &str) -> Result<(), ValidationError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(ValidationError::new(
            "password",
            format!("密码至少 {MIN_LEN} 位"),
        ));
    }
    if len > 128 {
        return Err(ValidationError::new("password", "密码不能超过 128 位"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < 2 {
        return Err(ValidationError::new(
            "password",
            "密码须至少包含字母、数字、符号中的两类",
        ));
    }
    if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        return Err(ValidationError::new("password", "密码不能包含用户名"));
    }
    Ok(())
}

/// Usernames: 3–32 characters of letters, digits, `_`, `-`, `.`.
pub fn check_username(username: &str) -> Result<(), ValidationError> {
    let n = username.chars().count();
    if !(3..=32).contains(&n) {
        return Err(ValidationError::new("username", "用户名长度应为 3–32 位"));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(ValidationError::new(
            "username",
            "用户名只能包含字母、数字、下划线、连字符和点",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("zhang", "short1").is_err());
        assert!(check_policy("zhang", "alllowercaseletters").is_err());
        assert!(check_policy("zhang", "zhang12345678").is_err());
        assert!(check_policy("zhang", "Taizhou-2020").is_ok());
    }

    #[test]
    fn usernames() {
        assert!(check_username("xj.county_01").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("张三丰").is_err());
        assert!(check_username("a b c").is_err());
    }
}
