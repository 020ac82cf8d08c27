//! One indicator: its definition, the towns' values (filtered, paged) and
//! the form a town or office enters a value with.

use super::kinds::{quantity, IndicatorValues, Kind, LedgerQuery};
use super::{href, render, CellView};
use crate::error::PageError;
use crate::extract::{PageQuery, PageUser};
use crate::view::{Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use meizhen_service::ledgers::{Aggregation, IndicatorPeriod, IndicatorRow};

pub fn router() -> Router<AppState> {
    Router::new().route("/ledgers/indicators/{id}", get(show))
}

#[derive(Template)]
#[template(path = "ledger_indicator.html")]
struct IndicatorPage {
    l: Layout,
    i: IndicatorRow,
    period: &'static str,
    period_hint: &'static str,
    aggregation: &'static str,
    target: String,
    can_edit: bool,
    can_enter: bool,
    q: LedgerQuery,
    export_href: String,
    headers: Vec<(&'static str, bool)>,
    rows: Vec<Vec<CellView>>,
    pager: Pager,
    town: String,
    towns: Vec<(String, String)>,
}

fn period_hint(p: Option<IndicatorPeriod>) -> &'static str {
    match p {
        Some(IndicatorPeriod::Year) => "2020",
        Some(IndicatorPeriod::Half) => "2020H1 或 2020年上半年",
        Some(IndicatorPeriod::Quarter) => "2020Q3 或 2020年第三季度",
        Some(IndicatorPeriod::Month) => "2020-06 或 2020年6月",
        None => "",
    }
}

async fn show(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(mut q): PageQuery<LedgerQuery>,
) -> Response {
    let s = &state.services;
    let i = match s.indicator(&u.actor, id).await {
        Ok(i) => i,
        Err(e) => return PageError(e).into_response(),
    };
    q.indicator = id.to_string();
    let page = meizhen_domain::page::PageRequest::new(q.page_number(), Some(50));
    let values = match IndicatorValues::list(s, &u.actor, &q, page).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let can_enter = IndicatorValues::may_write(&u.actor);
    let mut headers = IndicatorValues::headers();
    if can_enter {
        headers.push(("操作", false));
    }
    let base = q.base();
    let period = IndicatorPeriod::from_id(&i.period);
    let town = if u.actor.region.level() == meizhen_domain::Level::Town {
        u.actor.region.to_string()
    } else {
        String::new()
    };
    let towns = if can_enter {
        super::region_suggestions(&state, &u).await
    } else {
        Vec::new()
    };
    let path = format!("/ledgers/indicators/{id}");
    // The page's own path in the pager; `indicator` is implied by it.
    let pager_base = base
        .split('&')
        .filter(|p| !p.starts_with("indicator="))
        .collect::<Vec<_>>()
        .join("&");
    render(&IndicatorPage {
        l: Layout::new(&u.actor, &u.csrf, "ledger_indicators", i.name.clone())
            .crumb("台账", None)
            .crumb("镇级指标", Some("/ledgers/indicators".into()))
            .crumb(i.name.clone(), None)
            .flash(super::done_message(q.done.as_deref())),
        period: period.map(IndicatorPeriod::label).unwrap_or(""),
        period_hint: period_hint(period),
        aggregation: Aggregation::from_id(&i.aggregation)
            .map(Aggregation::label)
            .unwrap_or(""),
        target: i.target_milli.map(quantity).unwrap_or_else(|| "—".into()),
        can_edit: super::kinds::Indicators::may_write(&u.actor),
        can_enter,
        export_href: href("/ledgers/indicator-values/export.xlsx", &base),
        rows: values
            .items
            .iter()
            .map(|r| {
                let mut cells = IndicatorValues::cells(r);
                if can_enter {
                    cells.push(CellView::link(
                        "编辑",
                        format!("/ledgers/indicator-values/{}/edit", r.id),
                    ));
                }
                cells
            })
            .collect(),
        headers,
        pager: Pager::new(&values, &path, &pager_base),
        town,
        towns,
        q,
        i,
    })
}
