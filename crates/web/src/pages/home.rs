//! The home page: the user's region, its children and live counts.

use super::regions::{region_page, RegionPageKind};
use crate::extract::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<AppState>, u: PageUser) -> Response {
    let code = u.actor.region.to_string();
    region_page(&state, &u, &code, RegionPageKind::Home, None, None).await
}
