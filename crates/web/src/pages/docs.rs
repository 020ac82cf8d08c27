//! The browsable API page, rendered from the same OpenAPI document the API serves.

use super::render;
use crate::api::openapi::Entry;
use crate::extract::PageUser;
use crate::view::Layout;
use crate::AppState;
use askama::Template;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/api-docs", get(page))
}

struct OpView {
    method: String,
    path: String,
    summary: &'static str,
    description: &'static str,
    params: String,
    body: &'static str,
    response: &'static str,
    status: u16,
}

struct Group {
    tag: &'static str,
    ops: Vec<OpView>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    l: Layout,
    groups: Vec<Group>,
}

fn view(e: &Entry) -> OpView {
    let mut params: Vec<String> = e
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|p| format!("{p}（路径）"))
        .collect();
    params.extend(e.op.query.iter().map(|(n, _, d)| format!("{n}：{d}")));
    OpView {
        method: e.method.to_uppercase(),
        path: format!("/api/v1{}", e.path),
        summary: e.op.summary,
        description: e.op.description,
        params: params.join("；"),
        body: e.op.body.unwrap_or(""),
        response: e.op.response.unwrap_or(""),
        status: e.op.status,
    }
}

async fn page(u: PageUser) -> Response {
    let api = crate::api::api();
    let mut groups: Vec<Group> = Vec::new();
    for e in &api.doc.entries {
        match groups.iter_mut().find(|g| g.tag == e.op.tag) {
            Some(g) => g.ops.push(view(e)),
            None => groups.push(Group {
                tag: e.op.tag,
                ops: vec![view(e)],
            }),
        }
    }
    render(&DocsPage {
        l: Layout::new(&u.actor, &u.csrf, "api_docs", "接口文档").crumb("接口文档", None),
        groups,
    })
}
