//! One expert: who they are, the towns they are paired with, and their
//! latest services.

use super::kinds::{ExpertPairings, ExpertServices, Kind, LedgerQuery};
use super::{render, CellView};
use crate::error::PageError;
use crate::extract::{PageQuery, PageUser};
use crate::view::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use meizhen_domain::page::PageRequest;
use meizhen_service::ledgers::{ExpertRole, ExpertRow};

pub fn router() -> Router<AppState> {
    Router::new().route("/ledgers/experts/{id}", get(show))
}

#[derive(Template)]
#[template(path = "ledger_expert.html")]
struct ExpertPage {
    l: Layout,
    e: ExpertRow,
    role: &'static str,
    can_edit: bool,
    can_pair: bool,
    can_serve: bool,
    pairing_headers: Vec<(&'static str, bool)>,
    pairings: Vec<Vec<CellView>>,
    pairings_total: i64,
    service_headers: Vec<(&'static str, bool)>,
    services: Vec<Vec<CellView>>,
    services_total: i64,
}

/// Rows with an edit link when the user may write.
fn rows<K: Kind>(items: &[K::Row], can_write: bool) -> Vec<Vec<CellView>> {
    items
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
        .collect()
}

fn headers<K: Kind>(can_write: bool) -> Vec<(&'static str, bool)> {
    let mut h = K::headers();
    if can_write {
        h.push(("操作", false));
    }
    h
}

async fn show(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<super::super::auth::DoneQuery>,
) -> Response {
    let s = &state.services;
    let e = match s.expert(&u.actor, id).await {
        Ok(e) => e,
        Err(e) => return PageError(e).into_response(),
    };
    let by_expert = LedgerQuery {
        expert: id.to_string(),
        ..LedgerQuery::default()
    };
    let pairings = ExpertPairings::list(
        s,
        &u.actor,
        &by_expert,
        PageRequest::new(Some(1), Some(200)),
    )
    .await;
    let services =
        ExpertServices::list(s, &u.actor, &by_expert, PageRequest::new(Some(1), Some(20))).await;
    let (pairings, services) = match (pairings, services) {
        (Ok(p), Ok(v)) => (p, v),
        (Err(e), _) | (_, Err(e)) => return PageError(e).into_response(),
    };
    let can_edit = super::kinds::Experts::may_write(&u.actor);
    let can_pair = ExpertPairings::may_write(&u.actor);
    let can_serve = ExpertServices::may_write(&u.actor);
    render(&ExpertPage {
        l: Layout::new(&u.actor, &u.csrf, "ledger_experts", e.name.clone())
            .crumb("台账", None)
            .crumb("专家名录", Some("/ledgers/experts".into()))
            .crumb(e.name.clone(), None)
            .flash(super::done_message(q.done.as_deref())),
        role: ExpertRole::from_id(&e.role)
            .map(ExpertRole::label)
            .unwrap_or(""),
        can_edit,
        can_pair,
        can_serve,
        pairing_headers: headers::<ExpertPairings>(can_pair),
        pairings: rows::<ExpertPairings>(&pairings.items, can_pair),
        pairings_total: pairings.total,
        service_headers: headers::<ExpertServices>(can_serve),
        services: rows::<ExpertServices>(&services.items, can_serve),
        services_total: services.total,
        e,
    })
}
