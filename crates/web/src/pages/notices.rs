//! 暗访通报 pages: the HTML preview of a published round's notice in the
//! layout of the Word document, the form where the owner office edits the
//! title, number, opening and closing, and the Word / Excel downloads.
//!
//! Who may see the notice is the service's (the owner office and offices
//! above, once published); these handlers render what they are given.

use super::render;
use crate::api::notices::{docx_response, xlsx_response};
use crate::error::{status_of, PageError};
use crate::extract::{Meta, PageForm, PageQuery, PageUser};
use crate::view::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use meizhen_service::inspections::{NoticePhotoRef, NoticeText, NoticeView};
use meizhen_service::photos::thumb_size;
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rounds/{id}/notice", get(page).post(save))
        .route("/rounds/{id}/notice.docx", get(docx))
        .route("/rounds/{id}/notice.xlsx", get(xlsx))
}

/// A photo as the preview shows it (thumbnail linking to the display copy).
struct Thumb {
    id: i64,
    alt: String,
    w: u32,
    h: u32,
}

fn thumbs(photos: &[NoticePhotoRef], prefix: &str) -> Vec<Thumb> {
    photos
        .iter()
        .map(|p| {
            let (w, h) = match (p.width, p.height) {
                (Some(w), Some(h)) => {
                    thumb_size(u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0))
                }
                _ => (0, 0),
            };
            Thumb {
                id: p.id,
                alt: format!("{prefix}：{}", p.caption),
                w,
                h,
            }
        })
        .collect()
}

struct ProblemView {
    number: usize,
    text: String,
    details: String,
    rect: String,
    overdue: bool,
    before: Vec<Thumb>,
    after: Vec<Thumb>,
}

struct TownView {
    heading: String,
    items: Vec<ProblemView>,
}

/// The texts of the edit form (as saved, or as typed after an error).
struct TextForm {
    title: String,
    number: String,
    opening: String,
    closing: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    l: Layout,
    v: NoticeView,
    opening: Vec<String>,
    closing: Vec<String>,
    towns: Vec<TownView>,
    form: TextForm,
    error: Option<String>,
}

/// "一" … "九十九" for the （一）（二） headings, digits beyond.
fn chinese_number(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_owned(),
        10..=19 => format!("十{}", D[n % 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn towns_of(v: &NoticeView) -> Vec<TownView> {
    v.problems
        .iter()
        .filter(|t| !t.items.is_empty())
        .enumerate()
        .map(|(n, t)| TownView {
            heading: format!(
                "（{}）{}{}（{}个问题）",
                chinese_number(n + 1),
                t.county,
                t.town,
                t.items.len()
            ),
            items: t
                .items
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let mut details = vec![format!("{}，扣{}分", p.severity, p.deduction)];
                    if !p.found_at.is_empty() {
                        details.push(format!("发现时间{}", p.found_at));
                    }
                    let rect = if p.deadline.is_empty() {
                        p.state.clone()
                    } else {
                        format!("{}（整改期限{}）", p.state, p.deadline)
                    };
                    ProblemView {
                        number: k + 1,
                        text: format!("{}：{}（{}）。", p.area, p.item, p.place),
                        details: format!(
                            "{}{}",
                            details.join("，"),
                            if p.note.is_empty() {
                                String::new()
                            } else {
                                format!("。{}", p.note)
                            }
                        ),
                        rect,
                        overdue: p.overdue,
                        before: thumbs(&p.before, "整改前"),
                        after: thumbs(&p.after, "整改后"),
                    }
                })
                .collect(),
        })
        .collect()
}

fn with_status(status: StatusCode, mut r: Response) -> Response {
    *r.status_mut() = status;
    r
}

async fn render_page(
    state: &AppState,
    u: &PageUser,
    id: i64,
    flash: Option<String>,
    typed: Option<(TextForm, StatusCode, String)>,
) -> Response {
    let v = match state.services.round_notice(&u.actor, id).await {
        Ok(v) => v,
        Err(e) => return PageError(e).into_response(),
    };
    let (form, status, error) = match typed {
        Some((form, status, message)) => (form, status, Some(message)),
        None => (
            TextForm {
                title: v.title.clone(),
                number: v.number.clone(),
                opening: v.opening.clone(),
                closing: v.closing.clone(),
            },
            StatusCode::OK,
            None,
        ),
    };
    let page = NoticePage {
        l: Layout::new(&u.actor, &u.csrf, "rounds", format!("{}通报", v.round_name))
            .crumb("暗访督查", Some("/rounds".into()))
            .crumb(v.round_name.clone(), Some(format!("/rounds/{id}")))
            .crumb("通报", None)
            .flash(flash),
        opening: lines(&v.opening),
        closing: lines(&v.closing),
        towns: towns_of(&v),
        form,
        error,
        v,
    };
    with_status(status, render(&page))
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Response {
    let flash = match q.done.as_deref() {
        Some("saved") => Some("通报文字已保存".to_owned()),
        _ => None,
    };
    render_page(&state, &u, id, flash, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SaveForm {
    title: String,
    number: String,
    opening: String,
    closing: String,
}

async fn save(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<SaveForm>,
) -> Response {
    let text = NoticeText {
        title: f.title,
        number: f.number,
        opening: f.opening,
        closing: f.closing,
    };
    match state
        .services
        .update_round_notice_text(&u.actor, id, &text, &meta)
        .await
    {
        Ok(_) => Redirect::to(&format!("/rounds/{id}/notice?done=saved")).into_response(),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let typed = TextForm {
                title: text.title,
                number: text.number,
                opening: text.opening,
                closing: text.closing,
            };
            render_page(
                &state,
                &u,
                id,
                None,
                Some((typed, status_of(&e), e.to_string())),
            )
            .await
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn docx(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    match state.services.round_notice_docx(&u.actor, id).await {
        Ok(file) => docx_response(file),
        Err(e) => PageError(e).into_response(),
    }
}

async fn xlsx(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Response {
    match state.services.round_notice_xlsx(&u.actor, id).await {
        Ok(file) => xlsx_response(file),
        Err(e) => PageError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_numbers() {
        let got: Vec<String> = [1, 10, 11, 20, 35, 100]
            .into_iter()
            .map(chinese_number)
            .collect();
        assert_eq!(got, ["一", "十", "十一", "二十", "三十五", "100"]);
    }
}
