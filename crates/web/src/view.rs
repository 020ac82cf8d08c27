//! What every page template shares: the layout (user, sidebar, breadcrumb)
//! and small formatting helpers. Templates get display-ready strings.

use crate::assets;
use meizhen_domain::page::Page;
use meizhen_domain::{Level, Role};
use meizhen_service::Actor;

pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

pub struct NavItem {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
}

pub struct NavGroup {
    pub title: &'static str,
    pub items: Vec<NavItem>,
}

pub struct Layout {
    pub title: String,
    pub user_name: String,
    pub user_role: &'static str,
    pub csrf: String,
    pub active: &'static str,
    pub nav: Vec<NavGroup>,
    pub breadcrumb: Vec<Crumb>,
    pub flash: Option<String>,
    pub css: &'static str,
    pub js: &'static str,
}

impl Layout {
    pub fn new(actor: &Actor, csrf: &str, active: &'static str, title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            user_name: actor.display_name.clone(),
            user_role: actor.role.label(),
            csrf: csrf.to_owned(),
            active,
            nav: nav_for(actor),
            breadcrumb: vec![Crumb {
                label: "首页".into(),
                href: Some("/".into()),
            }],
            flash: None,
            css: assets::css_url(),
            js: assets::js_url(),
        }
    }

    pub fn crumb(mut self, label: impl Into<String>, href: Option<String>) -> Self {
        self.breadcrumb.push(Crumb {
            label: label.into(),
            href,
        });
        self
    }

    pub fn flash(mut self, msg: Option<String>) -> Self {
        self.flash = msg;
        self
    }
}

/// The sidebar, by module; items a role cannot use are not shown.
fn nav_for(actor: &Actor) -> Vec<NavGroup> {
    let mut groups = vec![NavGroup {
        title: "工作台",
        items: vec![
            NavItem {
                key: "home",
                label: "首页",
                href: "/".into(),
            },
            NavItem {
                key: "regions",
                label: "行政区划",
                href: format!("/regions/{}", actor.region),
            },
            NavItem {
                key: "region_search",
                label: "区划查询",
                href: "/regions".into(),
            },
        ],
    }];
    // 驾驶舱: regions from a town up; grid workers keep to their grids.
    if actor.role != Role::GridWorker {
        groups[0].items.insert(
            1,
            NavItem {
                key: "dashboard",
                label: "驾驶舱",
                href: format!("/dashboard/{}", actor.region),
            },
        );
    }
    groups.push(NavGroup {
        title: "项目化推进",
        items: vec![
            NavItem {
                key: "projects",
                label: "项目库",
                href: "/projects".into(),
            },
            NavItem {
                key: "progress",
                label: "进度统计",
                href: format!("/progress/{}", actor.region),
            },
        ],
    });
    // 暗访督查: inspectors get their tasks; everyone else who may see rounds
    // (published ones, in scope) gets the rounds, rectification and the
    // quarterly assessment. Grid workers have no part in it.
    if actor.role != Role::GridWorker {
        let mut items = Vec::new();
        if actor.role == Role::Inspector {
            items.push(NavItem {
                key: "field",
                label: "我的检查任务",
                href: "/field".into(),
            });
        } else {
            items.push(NavItem {
                key: "rounds",
                label: "暗访督查",
                href: "/rounds".into(),
            });
            items.push(NavItem {
                key: "rectifications",
                label: "问题整改",
                href: "/rectifications".into(),
            });
            if actor.role != Role::Expert {
                items.push(NavItem {
                    key: "assessments",
                    label: "季度考核",
                    href: "/assessments".into(),
                });
            }
        }
        items.push(NavItem {
            key: "checklist",
            label: "检查标准",
            href: "/inspections/checklist".into(),
        });
        groups.push(NavGroup {
            title: "暗访督查",
            items,
        });
    }
    // 台账: everyone who reads ledgers (what they may change is the service's).
    if !matches!(actor.role, Role::GridWorker | Role::Inspector) {
        let item = |key: &'static str, label: &'static str, href: &str| NavItem {
            key,
            label,
            href: href.into(),
        };
        groups.push(NavGroup {
            title: "台账",
            items: vec![
                item("ledger_experts", "专家名录", "/ledgers/experts"),
                item("ledger_services", "专家服务", "/ledgers/expert-services"),
                item("ledger_media", "宣传报道", "/ledgers/media-reports"),
                item("ledger_meetings", "会议", "/ledgers/meetings"),
                item("ledger_teams", "工作专班", "/ledgers/work-teams"),
                item("ledger_indicators", "镇级指标", "/ledgers/indicators"),
            ],
        });
    }
    // 材料: the work summaries (who may generate or edit is the service's).
    if !matches!(actor.role, Role::GridWorker | Role::Inspector) {
        groups.push(NavGroup {
            title: "材料",
            items: vec![NavItem {
                key: "summaries",
                label: "工作总结",
                href: "/summaries".into(),
            }],
        });
    }
    let mut admin = Vec::new();
    if actor.role.manages_users() {
        admin.push(NavItem {
            key: "users",
            label: "用户管理",
            href: "/admin/users".into(),
        });
    }
    if actor.role.reads_audit() {
        admin.push(NavItem {
            key: "audit",
            label: "操作日志",
            href: "/audit".into(),
        });
    }
    if !admin.is_empty() {
        groups.push(NavGroup {
            title: "系统管理",
            items: admin,
        });
    }
    groups.push(NavGroup {
        title: "个人",
        items: vec![
            NavItem {
                key: "password",
                label: "修改密码",
                href: "/password".into(),
            },
            NavItem {
                key: "tokens",
                label: "API 令牌",
                href: "/tokens".into(),
            },
            NavItem {
                key: "api_docs",
                label: "接口文档",
                href: "/api-docs".into(),
            },
        ],
    });
    groups
}

pub fn role_label(id: &str) -> &'static str {
    Role::from_id(id).map(Role::label).unwrap_or("未知角色")
}

pub fn level_label(id: &str) -> &'static str {
    Level::from_id(id).map(Level::label).unwrap_or("")
}

pub fn time(ms: i64) -> String {
    meizhen_domain::time::format_ms(ms)
}

/// Pager links that keep the current filters.
pub struct Pager {
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base_query`: the filter part of the query string (without `page`).
    pub fn new<T>(p: &Page<T>, path: &str, base_query: &str) -> Pager {
        let link = |n: u32| {
            if base_query.is_empty() {
                format!("{path}?page={n}")
            } else {
                format!("{path}?{base_query}&page={n}")
            }
        };
        Pager {
            total: p.total,
            page: p.page,
            pages: p.total_pages(),
            prev: p.has_prev().then(|| link(p.page - 1)),
            next: p.has_next().then(|| link(p.page + 1)),
        }
    }
}

/// Builds `a=1&b=x` from non-empty pairs, URL-encoded.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// Today in Asia/Shanghai.
pub fn today() -> chrono::NaiveDate {
    meizhen_domain::time::to_shanghai(chrono::Utc::now().timestamp_millis())
        .map(|t| t.date_naive())
        .unwrap_or_default()
}
