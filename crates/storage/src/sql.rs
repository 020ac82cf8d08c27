//! A small builder for dynamic SQL (filters, paging) that numbers `$n`
//! placeholders itself, so one text runs on both engines.

#[derive(Debug, Clone)]
pub enum Arg {
    I64(i64),
    I32(i32),
    Text(String),
    OptText(Option<String>),
    OptI64(Option<i64>),
    OptI32(Option<i32>),
    Bool(bool),
}

#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn args(&self) -> &[Arg] {
        &self.args
    }
}

/// Binds every `Arg` of a `Sql` to a sqlx query of either engine.
#[macro_export]
#[doc(hidden)]
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::Arg::I64(v) => q.bind(*v),
                $crate::Arg::I32(v) => q.bind(*v),
                $crate::Arg::Text(v) => q.bind(v.clone()),
                $crate::Arg::OptText(v) => q.bind(v.clone()),
                $crate::Arg::OptI64(v) => q.bind(*v),
                $crate::Arg::OptI32(v) => q.bind(*v),
                $crate::Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

impl Sql {
    /// `prefix` followed by `body` (typically "SELECT …" + a shared FROM/WHERE),
    /// keeping `body`'s placeholders and arguments. Lets a list and its count
    /// share one filter.
    pub fn prefixed(prefix: &str, body: &Sql) -> Self {
        Sql {
            text: format!("{prefix}{}", body.text),
            args: body.args.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders() {
        let mut s = Sql::new("SELECT * FROM t WHERE a = ");
        s.bind(Arg::I64(1))
            .push(" AND b LIKE ")
            .bind(Arg::Text("x%".into()));
        assert_eq!(s.text(), "SELECT * FROM t WHERE a = $1 AND b LIKE $2");
        assert_eq!(s.args().len(), 2);
    }
}
