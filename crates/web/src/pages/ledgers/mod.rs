//! 台账 pages: experts (with their pairings and services), expert services,
//! publicity, meetings, work teams and town indicators. Every simple ledger
//! is one [`Kind`]: the list with its filter bar, export and import, and the
//! create/edit/delete forms are written once, generically, over it; the
//! expert and indicator pages add what is particular to them.
//!
//! No scope or permission checks here: the services own them. `may_write`
//! only decides which buttons are shown.

mod experts;
mod import;
mod indicators;
pub(crate) mod kinds;

use super::{done_message, render};
use crate::error::{status_of, PageError};
use crate::extract::{Meta, PageForm, PageQuery, PageUser};
use crate::view::{Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kinds::{Kind, LedgerQuery};
use meizhen_domain::page::PageRequest;
use meizhen_service::ServiceError;
use serde_json::{Map, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(simple::<kinds::Experts>())
        .merge(simple::<kinds::ExpertServices>())
        .merge(simple::<kinds::MediaReports>())
        .merge(simple::<kinds::Meetings>())
        .merge(simple::<kinds::WorkTeams>())
        .merge(simple::<kinds::Indicators>())
        .merge(simple::<kinds::ExpertPairings>())
        .merge(simple::<kinds::IndicatorValues>())
        .merge(experts::router())
        .merge(indicators::router())
        .merge(import::router())
}

/// List, export, new/create, edit/update and delete of one kind.
fn simple<K: Kind>() -> Router<AppState> {
    Router::new()
        .route(K::PATH, get(list::<K>))
        .route(&format!("{}/export.xlsx", K::PATH), get(export::<K>))
        .route(
            &format!("{}/new", K::PATH),
            get(new_page::<K>).post(create::<K>),
        )
        .route(
            &format!("{}/{{id}}/edit", K::PATH),
            get(edit_page::<K>).post(update::<K>),
        )
        .route(&format!("{}/{{id}}/delete", K::PATH), post(delete::<K>))
}

// ---------------------------------------------------------------------------
// What the templates get
// ---------------------------------------------------------------------------

/// One control of the filter bar: a text box, or a select when it has options.
pub struct FilterView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub numeric: bool,
}

impl FilterView {
    pub fn text(name: &'static str, label: &'static str, value: &str) -> FilterView {
        FilterView {
            name,
            label,
            value: value.to_owned(),
            options: Vec::new(),
            numeric: false,
        }
    }
    pub fn numeric(name: &'static str, label: &'static str, value: &str) -> FilterView {
        FilterView {
            numeric: true,
            ..FilterView::text(name, label, value)
        }
    }
    pub fn select(
        name: &'static str,
        label: &'static str,
        value: &str,
        options: Vec<(String, String)>,
    ) -> FilterView {
        FilterView {
            options,
            ..FilterView::text(name, label, value)
        }
    }
}

/// A table cell as shown.
pub struct CellView {
    pub text: String,
    pub href: Option<String>,
    /// "num" (right-aligned figures), "wrap" (long text) or "".
    pub class: &'static str,
}

impl CellView {
    pub fn text(s: impl Into<String>) -> CellView {
        CellView {
            text: s.into(),
            href: None,
            class: "",
        }
    }
    pub fn num(s: impl Into<String>) -> CellView {
        CellView {
            class: "num",
            ..CellView::text(s)
        }
    }
    pub fn wrap(s: impl Into<String>) -> CellView {
        CellView {
            class: "wrap",
            ..CellView::text(s)
        }
    }
    pub fn link(s: impl Into<String>, href: String) -> CellView {
        CellView {
            href: Some(href),
            ..CellView::text(s)
        }
    }
}

/// How a form field is typed.
#[derive(Clone)]
pub enum FieldKind {
    Text,
    /// A date: "2020-12-21", also 2020.12.21 / 2020年12月21日.
    Date,
    /// An integer (counts, ids).
    Numeric,
    /// A quantity with decimals.
    Decimal,
    /// A region code (with the user's region and the regions below as suggestions).
    Region,
    /// A long text (textarea).
    Long,
    Select(Vec<(String, String)>),
}

/// One field of a form, as declared by a kind.
#[derive(Clone)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub placeholder: &'static str,
}

impl FieldSpec {
    pub fn new(name: &'static str, label: &'static str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            name,
            label,
            kind,
            required: false,
            placeholder: "",
        }
    }
    pub fn required(mut self) -> FieldSpec {
        self.required = true;
        self
    }
    pub fn hint(mut self, p: &'static str) -> FieldSpec {
        self.placeholder = p;
        self
    }
}

/// A field as the template shows it.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub long: bool,
    pub input_mode: &'static str,
    pub placeholder: &'static str,
    pub readonly: bool,
    /// The refused input names this field.
    pub field_error: bool,
    /// Suggestions (region codes) offered by the browser as the user types.
    pub suggestions: Vec<(String, String)>,
}

/// A list page of any ledger.
#[derive(Template)]
#[template(path = "ledger_list.html")]
pub struct ListPage {
    pub l: Layout,
    pub heading: String,
    pub path: String,
    pub filters: Vec<FilterView>,
    pub export_href: Option<String>,
    pub import_href: Option<String>,
    pub can_write: bool,
    /// Counts over the whole filter (e.g. media reports by level).
    pub counts: Vec<(String, i64)>,
    pub counts_label: &'static str,
    pub caption: String,
    pub headers: Vec<(&'static str, bool)>,
    pub rows: Vec<Vec<CellView>>,
    pub pager: Pager,
}

/// A create or edit form of any ledger.
#[derive(Template)]
#[template(path = "ledger_form.html")]
pub struct FormPage {
    pub l: Layout,
    pub heading: String,
    pub action: String,
    pub fields: Vec<FieldView>,
    pub back: String,
    pub delete_action: Option<String>,
    pub error: Option<String>,
}

// ---------------------------------------------------------------------------
// Form values <-> inputs
// ---------------------------------------------------------------------------

/// A record's fields as the form shows them (every value a string).
pub type Values = Map<String, Value>;

/// The input's fields as strings: numbers written out, nulls blank.
pub fn values_of<T: serde::Serialize>(input: &T) -> Values {
    let mut out = Map::new();
    if let Ok(Value::Object(m)) = serde_json::to_value(input) {
        for (k, v) in m {
            let s = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                Value::Number(n) if n.as_i64() == Some(0) => String::new(),
                other => other.to_string(),
            };
            out.insert(k, Value::String(s));
        }
    }
    out
}

/// Reads a posted form into a kind's input. The input's own default value
/// tells each field's type: numbers are parsed (blank is 0 or none), text is
/// kept as typed; fields the input does not have (`_csrf`) are dropped.
pub fn input_from<T>(form: &[(String, String)], specs: &[FieldSpec]) -> Result<T, ServiceError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Default,
{
    let template = match serde_json::to_value(T::default()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut out = Map::new();
    for (k, v) in form {
        let Some(kind) = template.get(k) else {
            continue;
        };
        let label = specs
            .iter()
            .find(|s| s.name == k)
            .map(|s| (s.name, s.label));
        // Numbers are counts (blank 0) or optional ids (blank none).
        let value = match kind {
            Value::Number(_) | Value::Null => {
                let t = meizhen_domain::text::to_half_width(v.trim());
                if t.is_empty() {
                    if kind.is_null() {
                        Value::Null
                    } else {
                        Value::from(0)
                    }
                } else {
                    let n: i64 = t.parse().map_err(|_| {
                        let (field, name) = label.unwrap_or(("id", "编号"));
                        ServiceError::invalid(field, format!("{name}“{}”应为整数", v.trim()))
                    })?;
                    Value::from(n)
                }
            }
            _ => Value::String(v.clone()),
        };
        out.insert(k.clone(), value);
    }
    serde_json::from_value(Value::Object(out))
        .map_err(|e| ServiceError::invalid("form", format!("表单内容有误：{e}")))
}

/// The fields of a form filled with values.
pub fn field_views(
    specs: Vec<FieldSpec>,
    values: &Values,
    error_field: Option<&str>,
    readonly: &[&str],
    suggestions: &[(String, String)],
) -> Vec<FieldView> {
    specs
        .into_iter()
        .map(|s| {
            let value = values
                .get(s.name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let (options, long, input_mode, sugg) = match s.kind {
                FieldKind::Text => (Vec::new(), false, "", Vec::new()),
                FieldKind::Date => (Vec::new(), false, "", Vec::new()),
                FieldKind::Numeric => (Vec::new(), false, "numeric", Vec::new()),
                FieldKind::Decimal => (Vec::new(), false, "decimal", Vec::new()),
                FieldKind::Region => (Vec::new(), false, "numeric", suggestions.to_vec()),
                FieldKind::Long => (Vec::new(), true, "", Vec::new()),
                FieldKind::Select(o) => (o, false, "", Vec::new()),
            };
            FieldView {
                field_error: error_field == Some(s.name),
                readonly: readonly.contains(&s.name),
                name: s.name,
                label: s.label,
                value,
                options,
                required: s.required,
                long,
                input_mode,
                placeholder: s.placeholder,
                suggestions: sugg,
            }
        })
        .collect()
}

/// Code → label pairs of a code enum, for selects.
pub fn options<T: Copy>(
    all: &[T],
    id: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (id(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

/// The user's region and the regions right below it, as suggestions for
/// region fields (any code in scope may still be typed).
pub async fn region_suggestions(state: &AppState, u: &PageUser) -> Vec<(String, String)> {
    let code = u.actor.region.to_string();
    match state.services.region(&u.actor, &code).await {
        Ok(v) => std::iter::once((v.region.code.clone(), v.region.name.clone()))
            .chain(v.children.iter().map(|c| (c.code.clone(), c.name.clone())))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

/// The link to a page with the current filter.
pub fn href(path: &str, base: &str) -> String {
    if base.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{base}")
    }
}

// ---------------------------------------------------------------------------
// Generic handlers
// ---------------------------------------------------------------------------

async fn list<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<LedgerQuery>,
) -> Response {
    let page = PageRequest::new(q.page_number(), None);
    let result = match K::list(&state.services, &u.actor, &q, page).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let counts = match K::counts(&state.services, &u.actor, &q).await {
        Ok(c) => c,
        Err(e) => return PageError(e).into_response(),
    };
    let base = q.base();
    let flash = done_message(q.done.as_deref());
    let can_write = K::may_write(&u.actor);
    let mut headers = K::headers();
    if can_write {
        headers.push(("操作", false));
    }
    render(&ListPage {
        l: Layout::new(&u.actor, &u.csrf, K::NAV, K::TITLE)
            .crumb("台账", None)
            .crumb(K::TITLE, None)
            .flash(flash),
        heading: K::TITLE.to_owned(),
        path: K::PATH.to_owned(),
        filters: K::filters(&q),
        export_href: K::LEDGER.map(|_| href(&format!("{}/export.xlsx", K::PATH), &base)),
        import_href: K::LEDGER.map(|k| format!("/ledgers/import/{}", k.id())),
        can_write,
        counts,
        counts_label: K::COUNTS_LABEL,
        caption: K::CAPTION.to_owned(),
        headers,
        rows: result
            .items
            .iter()
            .map(|r| {
                let mut cells = K::cells(r);
                if can_write {
                    cells.push(CellView::link(
                        "编辑",
                        format!("{}/{}/edit", K::PATH, K::id_of(r)),
                    ));
                }
                cells
            })
            .collect(),
        pager: Pager::new(&result, K::PATH, &base),
    })
}

async fn export<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<LedgerQuery>,
) -> Response {
    let Some(kind) = K::LEDGER else {
        return PageError(ServiceError::NotFound("该台账没有 Excel 导出".into())).into_response();
    };
    match kinds::export_file(&state.services, &u.actor, kind, &q).await {
        Ok(r) => r,
        Err(e) => PageError(e).into_response(),
    }
}

/// The form page of a kind: new (`id` none) or edit.
pub async fn form_page<K: Kind>(
    state: &AppState,
    u: &PageUser,
    id: Option<i64>,
    values: Values,
    error: Option<&ServiceError>,
) -> Response {
    let title = if id.is_some() {
        format!("编辑{}", K::NOUN)
    } else {
        format!("新增{}", K::NOUN)
    };
    let specs = K::fields(state, u).await;
    let suggestions = region_suggestions(state, u).await;
    let page = FormPage {
        l: Layout::new(&u.actor, &u.csrf, K::NAV, title.clone())
            .crumb("台账", None)
            .crumb(K::TITLE, Some(K::PATH.into()))
            .crumb(title.clone(), None),
        heading: title,
        action: match id {
            Some(i) => format!("{}/{i}/edit", K::PATH),
            None => format!("{}/new", K::PATH),
        },
        fields: field_views(
            specs,
            &values,
            error.and_then(ServiceError::field),
            &[],
            &suggestions,
        ),
        back: K::PATH.to_owned(),
        delete_action: id.map(|i| format!("{}/{i}/delete", K::PATH)),
        error: error.map(ToString::to_string),
    };
    let status = error.map(status_of).unwrap_or(StatusCode::OK);
    with_status(status, render(&page))
}

async fn new_page<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<Vec<(String, String)>>,
) -> Response {
    let values = K::defaults(&u.actor, &q);
    form_page::<K>(&state, &u, None, values, None).await
}

fn form_values(form: &[(String, String)]) -> Values {
    form.iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

async fn create<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Response {
    let specs = K::fields(&state, &u).await;
    let result = match input_from::<K::Input>(&form, &specs) {
        Ok(input) => K::create(&state.services, &u.actor, &meta, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(row) => Redirect::to(&K::after_save(&row, "created")).into_response(),
        Err(e @ ServiceError::Internal(_)) => PageError(e).into_response(),
        Err(e) => form_page::<K>(&state, &u, None, form_values(&form), Some(&e)).await,
    }
}

async fn edit_page<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Response {
    match K::get(&state.services, &u.actor, id).await {
        Ok(row) => form_page::<K>(&state, &u, Some(id), values_of(&K::input_of(&row)), None).await,
        Err(e) => PageError(e).into_response(),
    }
}

async fn update<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Response {
    let specs = K::fields(&state, &u).await;
    let result = match input_from::<K::Input>(&form, &specs) {
        Ok(input) => K::update(&state.services, &u.actor, &meta, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(row) => Redirect::to(&K::after_save(&row, "saved")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => form_page::<K>(&state, &u, Some(id), form_values(&form), Some(&e)).await,
    }
}

async fn delete<K: Kind>(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Response {
    let row = match K::get(&state.services, &u.actor, id).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    match K::delete(&state.services, &u.actor, &meta, id).await {
        Ok(()) => Redirect::to(&K::after_delete(&row)).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}
