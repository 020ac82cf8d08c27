//! The JSON API under `/api/v1`. Each route is registered together with its
//! OpenAPI description, so the document cannot drift from the router.

pub(crate) mod assessments;
mod audit;
pub(crate) mod inspections;
mod ledgers;
pub(crate) mod notices;
pub mod openapi;
pub(crate) mod photos;
mod projects;
pub(crate) mod rectification;
mod regions;
mod session;
mod summaries;
mod tokens;
mod users;

use crate::AppState;
use axum::handler::Handler;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use openapi::{Doc, Op};

/// Builds the router and the OpenAPI document side by side.
pub struct Api {
    router: Router<AppState>,
    pub doc: Doc,
}

macro_rules! verb {
    ($name:ident, $method:literal) => {
        pub fn $name<H, T>(mut self, path: &'static str, handler: H, op: Op) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.router = self.router.route(path, $name(handler));
            self.doc.add($method, path, op);
            self
        }
    };
}

impl Api {
    fn new() -> Self {
        Api {
            router: Router::new(),
            doc: Doc::default(),
        }
    }
    verb!(get, "get");
    verb!(post, "post");
    verb!(put, "put");
    verb!(patch, "patch");
    verb!(delete, "delete");

    /// A POST whose body may be a whole workbook (up to `UPLOAD_LIMIT`).
    pub fn post_upload<H, T>(mut self, path: &'static str, handler: H, op: Op) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(
            path,
            post(handler).layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        );
        self.doc.add("post", path, op);
        self
    }
}

/// Every API route with its documentation.
pub fn api() -> Api {
    let api = Api::new();
    let api = session::routes(api);
    let api = tokens::routes(api);
    let api = regions::routes(api);
    let api = users::routes(api);
    let api = projects::routes(api);
    let api = photos::routes(api);
    let api = inspections::routes(api);
    let api = notices::routes(api);
    let api = rectification::routes(api);
    let api = assessments::routes(api);
    let api = summaries::routes(api);
    let api = ledgers::routes(api);
    audit::routes(api)
}

pub fn router() -> Router<AppState> {
    let api = api();
    let doc = std::sync::Arc::new(document(&api));
    api.router.route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { axum::Json((*doc).clone()) }
        }),
    )
}

/// The OpenAPI document (also rendered by the `/api-docs` page).
pub fn openapi_json() -> serde_json::Value {
    document(&api())
}

/// The document with the schemas modules describe themselves.
fn document(api: &Api) -> serde_json::Value {
    let mut doc = api.doc.to_json();
    inspections::document(&mut doc);
    notices::document(&mut doc);
    rectification::document(&mut doc);
    assessments::document(&mut doc);
    summaries::document(&mut doc);
    ledgers::document(&mut doc);
    doc
}
