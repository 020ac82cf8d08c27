//! User administration: list with filters, create, edit, reset password, export.

use super::{done_message, render};
use crate::error::PageError;
use crate::extract::{empty_as_none, Meta, PageForm, PageQuery, PageUser};
use crate::view::{query_string, role_label, time, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use meizhen_domain::page::PageRequest;
use meizhen_domain::Role;
use meizhen_service::users::{UserChanges, UserFilter, UserInput};
use meizhen_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list))
        .route("/admin/users/export.xlsx", get(export))
        .route("/admin/users/new", get(new_page).post(create))
        .route("/admin/users/{id}", get(edit_page).post(update))
        .route("/admin/users/{id}/reset-password", post(reset))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    page: Option<u32>,
    done: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> UserFilter {
        UserFilter {
            q: Some(self.q.clone()),
            role: Some(self.role.clone()),
            region: Some(self.region.clone()),
        }
    }
    fn base(&self) -> String {
        query_string(&[
            ("q", &self.q),
            ("role", &self.role),
            ("region", &self.region),
        ])
    }
}

struct Row {
    id: i64,
    username: String,
    display_name: String,
    role: &'static str,
    region: String,
    department: String,
    status: &'static str,
    active: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    roles: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    pager: Pager,
    export_href: String,
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.id(), r.label())).collect()
}

async fn list(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let page = PageRequest::new(q.page, None);
    let result = match state.services.users(&u.actor, &q.filter(), &page).await {
        Ok(r) => r,
        Err(e) => return PageError(e).into_response(),
    };
    let base = q.base();
    render(&ListPage {
        l: Layout::new(&u.actor, &u.csrf, "users", "用户管理")
            .crumb("用户管理", None)
            .flash(done_message(q.done.as_deref())),
        pager: Pager::new(&result, "/admin/users", &base),
        rows: result
            .items
            .iter()
            .map(|r| Row {
                id: r.id,
                username: r.username.clone(),
                display_name: r.display_name.clone(),
                role: role_label(&r.role),
                region: format!("{}（{}）", r.region_name, r.region_code),
                department: r.department.clone().unwrap_or_default(),
                status: if r.disabled {
                    "已停用"
                } else if r.must_change_password {
                    "待改密码"
                } else {
                    "正常"
                },
                active: !r.disabled,
                created: time(r.created_at),
            })
            .collect(),
        export_href: if base.is_empty() {
            "/admin/users/export.xlsx".into()
        } else {
            format!("/admin/users/export.xlsx?{base}")
        },
        roles: roles(),
        q,
    })
}

async fn export(
    State(state): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    match crate::export::users_xlsx(&state, &u.actor, &q.filter()).await {
        Ok(r) => r,
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    l: Layout,
    id: Option<i64>,
    username: String,
    display_name: String,
    role: String,
    region: String,
    department: String,
    disabled: bool,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    one_time_password: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    disabled: Option<String>,
}

fn form_page(
    u: &PageUser,
    id: Option<i64>,
    f: &UserForm,
    error: Option<String>,
    otp: Option<String>,
) -> FormPage {
    let title = if id.is_some() {
        "编辑用户"
    } else {
        "新增用户"
    };
    FormPage {
        l: Layout::new(&u.actor, &u.csrf, "users", title)
            .crumb("用户管理", Some("/admin/users".into()))
            .crumb(title, None),
        id,
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        region: f.region.clone(),
        department: f.department.clone(),
        disabled: f.disabled.is_some(),
        roles: u
            .actor
            .role
            .assignable_roles()
            .iter()
            .map(|r| (r.id(), r.label()))
            .collect(),
        error,
        one_time_password: otp,
    }
}

fn with_status(status: StatusCode, mut res: Response) -> Response {
    *res.status_mut() = status;
    res
}

async fn new_page(u: PageUser) -> Response {
    if !u.actor.role.manages_users() {
        return PageError(ServiceError::forbidden("您的角色无权管理用户")).into_response();
    }
    let f = UserForm {
        region: u.actor.region.to_string(),
        ..Default::default()
    };
    render(&form_page(&u, None, &f, None, None))
}

async fn create(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    PageForm(f): PageForm<UserForm>,
) -> Response {
    let input = UserInput {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        region: f.region.clone(),
        department: Some(f.department.clone()),
        password: None,
    };
    match state.services.create_user(&u.actor, &input, &meta).await {
        Ok(issued) => {
            let f = UserForm {
                username: issued.user.username.clone(),
                display_name: issued.user.display_name.clone(),
                role: issued.user.role.clone(),
                region: issued.user.region_code.clone(),
                department: issued.user.department.clone().unwrap_or_default(),
                disabled: None,
            };
            let mut page = form_page(&u, Some(issued.user.id), &f, None, issued.one_time_password);
            page.l = page
                .l
                .flash(Some("已创建用户，请将一次性密码交给本人".into()));
            with_status(StatusCode::CREATED, render(&page))
        }
        Err(e @ ServiceError::Internal(_)) => PageError(e).into_response(),
        Err(e) => with_status(
            crate::error::status_of(&e),
            render(&form_page(&u, None, &f, Some(e.to_string()), None)),
        ),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<super::auth::DoneQuery>,
) -> Response {
    match state.services.user(&u.actor, id).await {
        Ok(user) => {
            let f = UserForm {
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                role: user.role.clone(),
                region: user.region_code.clone(),
                department: user.department.clone().unwrap_or_default(),
                disabled: user.disabled.then(|| "on".into()),
            };
            let mut page = form_page(&u, Some(id), &f, None, None);
            page.l = page.l.flash(done_message(q.done.as_deref()));
            render(&page)
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn update(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
    PageForm(f): PageForm<UserForm>,
) -> Response {
    let ch = UserChanges {
        display_name: Some(f.display_name.clone()),
        role: Some(f.role.clone()),
        region: Some(f.region.clone()),
        department: Some(Some(f.department.clone())),
        disabled: Some(f.disabled.is_some()),
    };
    match state.services.update_user(&u.actor, id, &ch, &meta).await {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response(),
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => {
            PageError(e).into_response()
        }
        Err(e) => with_status(
            crate::error::status_of(&e),
            render(&form_page(&u, Some(id), &f, Some(e.to_string()), None)),
        ),
    }
}

async fn reset(
    State(state): State<AppState>,
    u: PageUser,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> Response {
    match state.services.reset_password(&u.actor, id, &meta).await {
        Ok(issued) => {
            let f = UserForm {
                username: issued.user.username.clone(),
                display_name: issued.user.display_name.clone(),
                role: issued.user.role.clone(),
                region: issued.user.region_code.clone(),
                department: issued.user.department.clone().unwrap_or_default(),
                disabled: issued.user.disabled.then(|| "on".into()),
            };
            let mut page = form_page(&u, Some(id), &f, None, issued.one_time_password);
            page.l = page
                .l
                .flash(Some("密码已重置，请将一次性密码交给本人".into()));
            render(&page)
        }
        Err(e) => PageError(e).into_response(),
    }
}
