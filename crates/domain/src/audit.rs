//! What an audit entry records as "what changed".

use serde_json::{Map, Value};

/// The fields that differ between two JSON objects, as `{field: [before, after]}`.
/// Secrets must be removed by the caller before diffing (see `redact`).
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Value {
    let empty = Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Map::new();
    for (k, av) in a {
        let bv = b.get(k).unwrap_or(&Value::Null);
        if bv != av {
            out.insert(k.clone(), Value::Array(vec![bv.clone(), av.clone()]));
        }
    }
    for (k, bv) in b {
        if !a.contains_key(k) {
            out.insert(k.clone(), Value::Array(vec![bv.clone(), Value::Null]));
        }
    }
    Value::Object(out)
}

/// Fields never written to the audit log in clear.
const SECRET_FIELDS: [&str; 4] = ["password", "password_hash", "token", "token_hash"];

pub fn redact(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        for f in SECRET_FIELDS {
            if obj.contains_key(f) {
                obj.insert(f.to_owned(), Value::String("***".into()));
            }
        }
    }
    v
}

/// Chinese label of an action identifier, for the audit page.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "create" => "新增",
        "update" => "修改",
        "delete" => "删除",
        "login" => "登录",
        "login_failed" => "登录失败",
        "logout" => "退出",
        "password_change" => "修改密码",
        "password_reset" => "重置密码",
        "token_create" => "创建令牌",
        "token_revoke" => "吊销令牌",
        "regions_load" => "导入区划",
        _ => "其他",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_changed_added_removed() {
        let b = json!({"name": "a", "role": "town_staff", "gone": 1});
        let a = json!({"name": "a", "role": "county_office", "new": true});
        let d = diff(Some(&b), Some(&a));
        assert_eq!(
            d,
            json!({"role": ["town_staff", "county_office"], "new": [null, true], "gone": [1, null]})
        );
    }

    #[test]
    fn create_and_delete_diffs() {
        let v = json!({"x": 1});
        assert_eq!(diff(None, Some(&v)), json!({"x": [null, 1]}));
        assert_eq!(diff(Some(&v), None), json!({"x": [1, null]}));
        assert_eq!(diff(Some(&v), Some(&v)), json!({}));
    }

    #[test]
    fn redacts_secrets() {
        let v = redact(json!({"username": "u", "password_hash": "$argon2..."}));
        assert_eq!(v, json!({"username": "u", "password_hash": "***"}));
    }
}
