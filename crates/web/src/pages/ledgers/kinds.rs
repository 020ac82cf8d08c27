//! Each ledger as the pages and the API see it: its paths and labels, its
//! filters, columns and form fields, and which service calls read and write
//! it. Pages (`super`) and the API (`crate::api::ledgers`) are generic over
//! [`Kind`], so a ledger behaves the same in both.

use super::{CellView, FieldKind, FieldSpec, FilterView, Values};
use crate::extract::PageUser;
use crate::AppState;
use axum::response::Response;
use meizhen_domain::page::{Page, PageRequest};
use meizhen_domain::Role;
use meizhen_service::ledgers::{
    Aggregation, ExpertInput, ExpertPairingInput, ExpertPairingRow, ExpertRole, ExpertRow,
    ExpertServiceInput, ExpertServiceRow, IndicatorInput, IndicatorPeriod, IndicatorRow,
    IndicatorValueInput, IndicatorValueRow, LedgerFilter, LedgerKind, MediaLevel, MediaReportInput,
    MediaReportRow, Medium, MeetingInput, MeetingKind, MeetingLevel, MeetingRow, PairingKind,
    Quantity, ServiceType, WorkTeamMemberInput, WorkTeamMemberRow,
};
use meizhen_service::{Actor, RequestMeta, ServiceError, Services};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::future::Future;

type Result<T> = std::result::Result<T, ServiceError>;

/// The query of every ledger list (pages and API): each kind reads the
/// filters it has. Kept as text so a hand-edited URL gets a Chinese message.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LedgerQuery {
    pub region: String,
    pub year: String,
    pub q: String,
    /// Kind of meeting, of pairing.
    pub kind: String,
    /// Level of a media report or a meeting.
    pub level: String,
    pub medium: String,
    pub role: String,
    pub service_type: String,
    pub expert: String,
    pub town: String,
    pub period: String,
    pub indicator: String,
    pub page: String,
    pub per_page: String,
    /// Confirmation after a redirect (pages only).
    pub done: Option<String>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn number<T: std::str::FromStr>(s: &str, field: &'static str, what: &str) -> Result<Option<T>> {
    let t = meizhen_domain::text::to_half_width(s.trim());
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| ServiceError::invalid(field, format!("{what}“{}”无效", s.trim())))
}

impl LedgerQuery {
    pub fn page_number(&self) -> Option<u32> {
        self.page.trim().parse().ok()
    }
    pub fn page_request(&self) -> PageRequest {
        PageRequest::new(self.page_number(), self.per_page.trim().parse().ok())
    }
    pub fn year(&self) -> Result<Option<i32>> {
        number(&self.year, "year", "年度")
    }
    pub fn expert_id(&self) -> Result<Option<i64>> {
        number(&self.expert, "expert", "专家编号")
    }
    pub fn indicator_id(&self) -> Result<Option<i64>> {
        number(&self.indicator, "indicator", "指标编号")
    }
    pub fn region_code(&self) -> Result<Option<meizhen_domain::RegionCode>> {
        match opt(&self.region) {
            None => Ok(None),
            Some(r) => meizhen_domain::RegionCode::parse(&r)
                .map(Some)
                .map_err(|_| ServiceError::invalid("region", format!("区划代码“{r}”无效"))),
        }
    }
    /// The non-empty filters as a query string (without page), for links.
    pub fn base(&self) -> String {
        crate::view::query_string(&[
            ("region", &self.region),
            ("year", &self.year),
            ("q", &self.q),
            ("kind", &self.kind),
            ("level", &self.level),
            ("medium", &self.medium),
            ("role", &self.role),
            ("service_type", &self.service_type),
            ("expert", &self.expert),
            ("town", &self.town),
            ("period", &self.period),
            ("indicator", &self.indicator),
        ])
    }
}

/// One ledger as pages and API handle it.
pub trait Kind: Send + Sync + 'static {
    type Row: Serialize + Send + Sync;
    type Input: Serialize + DeserializeOwned + Default + Send + Sync;
    /// The list page, e.g. `/ledgers/media-reports`.
    const PATH: &'static str;
    /// Sidebar key.
    const NAV: &'static str;
    const TITLE: &'static str;
    /// What one record is called (新增…, 编辑…).
    const NOUN: &'static str;
    const CAPTION: &'static str;
    /// The Excel ledger it is imported from and exported to.
    const LEDGER: Option<LedgerKind>;
    const COUNTS_LABEL: &'static str = "";

    /// Shows the write buttons (the service decides what is allowed).
    fn may_write(actor: &Actor) -> bool;
    fn filters(q: &LedgerQuery) -> Vec<FilterView>;
    fn headers() -> Vec<(&'static str, bool)>;
    fn cells(row: &Self::Row) -> Vec<CellView>;
    fn fields(state: &AppState, u: &PageUser) -> impl Future<Output = Vec<FieldSpec>> + Send;
    /// A new record's values (the user's region; what the query preselects).
    fn defaults(actor: &Actor, q: &[(String, String)]) -> Values;
    fn id_of(row: &Self::Row) -> i64;
    fn input_of(row: &Self::Row) -> Self::Input;
    fn after_save(_row: &Self::Row, done: &str) -> String {
        format!("{}?done={done}", Self::PATH)
    }
    fn after_delete(_row: &Self::Row) -> String {
        format!("{}?done=deleted", Self::PATH)
    }

    fn list(
        s: &Services,
        actor: &Actor,
        q: &LedgerQuery,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Self::Row>>> + Send;
    /// Counts over the whole filter shown above the table.
    fn counts(
        _s: &Services,
        _actor: &Actor,
        _q: &LedgerQuery,
    ) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send {
        async { Ok(Vec::new()) }
    }
    fn get(s: &Services, actor: &Actor, id: i64) -> impl Future<Output = Result<Self::Row>> + Send;
    fn create(
        s: &Services,
        actor: &Actor,
        meta: &RequestMeta,
        input: &Self::Input,
    ) -> impl Future<Output = Result<Self::Row>> + Send;
    fn update(
        s: &Services,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        input: &Self::Input,
    ) -> impl Future<Output = Result<Self::Row>> + Send;
    fn delete(
        s: &Services,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
    ) -> impl Future<Output = Result<()>> + Send;
}

impl LedgerQuery {
    /// The service filter: blank means "any"; region, year and ids parsed.
    pub fn filter(&self) -> Result<LedgerFilter> {
        Ok(LedgerFilter {
            region: self.region_code()?,
            year: self.year()?,
            q: opt(&self.q),
            role: opt(&self.role),
            kind: opt(&self.kind),
            service_type: opt(&self.service_type),
            level: opt(&self.level),
            medium: opt(&self.medium),
            period: opt(&self.period),
            expert_id: self.expert_id()?,
            indicator_id: self.indicator_id()?,
        })
    }
}

/// The Excel ledger of a kind for the filter, as a download.
pub async fn export_file(
    s: &Services,
    actor: &Actor,
    kind: LedgerKind,
    q: &LedgerQuery,
) -> Result<Response> {
    let bytes = s.export_ledger(actor, kind, &q.filter()?).await?;
    Ok(crate::export::xlsx(
        bytes,
        &format!("{}.xlsx", kind.label()),
    ))
}

fn office(actor: &Actor) -> bool {
    actor.role.is_office() || actor.role == Role::Admin
}

fn office_or_town(actor: &Actor) -> bool {
    office(actor) || actor.role == Role::TownStaff
}

fn region_filter(q: &LedgerQuery) -> FilterView {
    FilterView::numeric("region", "区划代码", &q.region)
}

fn year_filter(q: &LedgerQuery) -> FilterView {
    FilterView::numeric("year", "年度", &q.year)
}

fn select_of<T: Copy>(
    all: &[T],
    id: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> FieldKind {
    FieldKind::Select(super::options(all, id, label))
}

fn label_of<T: Copy>(
    all: &[T],
    id: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    code: &str,
) -> String {
    all.iter()
        .find(|v| id(**v) == code)
        .map(|v| label(*v).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// "2020-03-01 至 2020-12-31", "2020-03-01 起".
fn span(start: &str, end: Option<&str>) -> String {
    match end {
        Some(e) if !e.is_empty() => format!("{start} 至 {e}"),
        _ => format!("{start} 起"),
    }
}

/// A value from the query string of the new-record link (`?expert_id=3`).
fn preset(q: &[(String, String)], key: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

fn values(pairs: &[(&str, String)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect()
}

/// Experts a service or pairing may name, for the picker.
async fn expert_options(state: &AppState, u: &PageUser) -> Vec<(String, String)> {
    state
        .services
        .expert_choices(&u.actor, None)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let org = if e.organisation.is_empty() {
                e.region_name.clone()
            } else {
                e.organisation.clone()
            };
            (e.id.to_string(), format!("{}（{}）", e.name, org))
        })
        .collect()
}

/// The five service calls of a ledger type (the service generates them with
/// one macro too); every `Kind` forwards to them the same way.
macro_rules! service_calls {
    ($list:ident, $get:ident, $create:ident, $update:ident, $delete:ident) => {
        async fn list(
            s: &Services,
            a: &Actor,
            q: &LedgerQuery,
            p: PageRequest,
        ) -> Result<Page<Self::Row>> {
            s.$list(a, &q.filter()?, p).await
        }
        async fn get(s: &Services, a: &Actor, id: i64) -> Result<Self::Row> {
            s.$get(a, id).await
        }
        async fn create(
            s: &Services,
            a: &Actor,
            m: &RequestMeta,
            i: &Self::Input,
        ) -> Result<Self::Row> {
            s.$create(a, m, i).await
        }
        async fn update(
            s: &Services,
            a: &Actor,
            m: &RequestMeta,
            id: i64,
            i: &Self::Input,
        ) -> Result<Self::Row> {
            s.$update(a, m, id, i).await
        }
        async fn delete(s: &Services, a: &Actor, m: &RequestMeta, id: i64) -> Result<()> {
            s.$delete(a, m, id).await
        }
    };
}

// ---------------------------------------------------------------------------
// 专家名录
// ---------------------------------------------------------------------------

pub struct Experts;

impl Kind for Experts {
    type Row = ExpertRow;
    type Input = ExpertInput;
    const PATH: &'static str = "/ledgers/experts";
    const NAV: &'static str = "ledger_experts";
    const TITLE: &'static str = "专家名录";
    const NOUN: &'static str = "专家";
    const CAPTION: &'static str = "专家名录（首席设计师、驻镇规划师、专家团队）";
    const LEDGER: Option<LedgerKind> = Some(LedgerKind::Experts);

    fn may_write(actor: &Actor) -> bool {
        office(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            FilterView::select(
                "role",
                "类别",
                &q.role,
                super::options(ExpertRole::ALL, ExpertRole::id, ExpertRole::label),
            ),
            FilterView::text("q", "姓名、单位或团队", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("姓名", false),
            ("类别", false),
            ("工作单位", false),
            ("职称职务", false),
            ("所属团队", false),
            ("联系电话", false),
            ("所属区划", false),
        ]
    }
    fn cells(r: &ExpertRow) -> Vec<CellView> {
        vec![
            CellView::link(r.name.clone(), format!("/ledgers/experts/{}", r.id)),
            CellView::text(label_of(
                ExpertRole::ALL,
                ExpertRole::id,
                ExpertRole::label,
                &r.role,
            )),
            CellView::text(r.organisation.clone()),
            CellView::text(r.title.clone()),
            CellView::text(r.team.clone()),
            CellView::text(r.phone.clone()),
            CellView::text(r.region_name.clone()),
        ]
    }
    async fn fields(_state: &AppState, _u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("region_code", "所属区划代码", FieldKind::Region).required(),
            FieldSpec::new("name", "姓名", FieldKind::Text).required(),
            FieldSpec::new(
                "role",
                "类别",
                select_of(ExpertRole::ALL, ExpertRole::id, ExpertRole::label),
            )
            .required(),
            FieldSpec::new("organisation", "工作单位", FieldKind::Text),
            FieldSpec::new("title", "职称职务", FieldKind::Text),
            FieldSpec::new("team", "所属团队", FieldKind::Text),
            FieldSpec::new("phone", "联系电话", FieldKind::Text),
            FieldSpec::new("note", "备注", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, _q: &[(String, String)]) -> Values {
        values(&[
            ("region_code", actor.region.to_string()),
            ("role", ExpertRole::ChiefDesigner.id().to_owned()),
        ])
    }
    fn id_of(r: &ExpertRow) -> i64 {
        r.id
    }
    fn input_of(r: &ExpertRow) -> ExpertInput {
        ExpertInput {
            region_code: r.region_code.clone(),
            name: r.name.clone(),
            role: r.role.clone(),
            organisation: r.organisation.clone(),
            title: r.title.clone(),
            team: r.team.clone(),
            phone: r.phone.clone(),
            note: r.note.clone(),
        }
    }
    fn after_save(r: &ExpertRow, done: &str) -> String {
        format!("/ledgers/experts/{}?done={done}", r.id)
    }
    service_calls!(
        list_experts,
        expert,
        create_expert,
        update_expert,
        delete_expert
    );
}

// ---------------------------------------------------------------------------
// 专家结对 (shown on the expert's page)
// ---------------------------------------------------------------------------

pub struct ExpertPairings;

impl Kind for ExpertPairings {
    type Row = ExpertPairingRow;
    type Input = ExpertPairingInput;
    const PATH: &'static str = "/ledgers/expert-pairings";
    const NAV: &'static str = "ledger_experts";
    const TITLE: &'static str = "专家结对";
    const NOUN: &'static str = "专家结对";
    const CAPTION: &'static str = "专家与乡镇结对（双师、结对帮扶、三服务）";
    const LEDGER: Option<LedgerKind> = None;

    fn may_write(actor: &Actor) -> bool {
        office(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            year_filter(q),
            FilterView::select(
                "kind",
                "结对类型",
                &q.kind,
                super::options(PairingKind::ALL, PairingKind::id, PairingKind::label),
            ),
            FilterView::text("q", "专家或乡镇", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("专家", false),
            ("乡镇", false),
            ("结对类型", false),
            ("结对期", false),
            ("备注", false),
        ]
    }
    fn cells(r: &ExpertPairingRow) -> Vec<CellView> {
        vec![
            CellView::link(
                r.expert_name.clone(),
                format!("/ledgers/experts/{}", r.expert_id),
            ),
            CellView::text(r.town_name.clone()),
            CellView::text(label_of(
                PairingKind::ALL,
                PairingKind::id,
                PairingKind::label,
                &r.kind,
            )),
            CellView::text(span(&r.starts_on, r.ends_on.as_deref())),
            CellView::wrap(r.note.clone()),
        ]
    }
    async fn fields(state: &AppState, u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new(
                "expert_id",
                "专家",
                FieldKind::Select(expert_options(state, u).await),
            )
            .required(),
            FieldSpec::new("town_code", "结对乡镇代码", FieldKind::Region).required(),
            FieldSpec::new(
                "kind",
                "结对类型",
                select_of(PairingKind::ALL, PairingKind::id, PairingKind::label),
            )
            .required(),
            FieldSpec::new("starts_on", "开始日期", FieldKind::Date)
                .required()
                .hint("2020-03-01 或 2020.3"),
            FieldSpec::new("ends_on", "结束日期（可空）", FieldKind::Date),
            FieldSpec::new("note", "备注", FieldKind::Long),
        ]
    }
    fn defaults(_actor: &Actor, q: &[(String, String)]) -> Values {
        values(&[
            ("expert_id", preset(q, "expert_id").unwrap_or_default()),
            ("kind", PairingKind::DualDesigner.id().to_owned()),
        ])
    }
    fn id_of(r: &ExpertPairingRow) -> i64 {
        r.id
    }
    fn input_of(r: &ExpertPairingRow) -> ExpertPairingInput {
        ExpertPairingInput {
            expert_id: r.expert_id,
            town_code: r.town_code.clone(),
            kind: r.kind.clone(),
            starts_on: r.starts_on.clone(),
            ends_on: r.ends_on.clone().unwrap_or_default(),
            note: r.note.clone(),
        }
    }
    fn after_save(r: &ExpertPairingRow, done: &str) -> String {
        format!("/ledgers/experts/{}?done={done}", r.expert_id)
    }
    fn after_delete(r: &ExpertPairingRow) -> String {
        format!("/ledgers/experts/{}?done=deleted", r.expert_id)
    }
    service_calls!(
        list_expert_pairings,
        expert_pairing,
        create_expert_pairing,
        update_expert_pairing,
        delete_expert_pairing
    );
}

// ---------------------------------------------------------------------------
// 专家服务记录
// ---------------------------------------------------------------------------

pub struct ExpertServices;

impl Kind for ExpertServices {
    type Row = ExpertServiceRow;
    type Input = ExpertServiceInput;
    const PATH: &'static str = "/ledgers/expert-services";
    const NAV: &'static str = "ledger_services";
    const TITLE: &'static str = "专家服务";
    const NOUN: &'static str = "专家服务记录";
    const CAPTION: &'static str = "专家服务记录（方案审查、现场指导、图纸审查、培训授课）";
    const LEDGER: Option<LedgerKind> = Some(LedgerKind::ExpertServices);

    fn may_write(actor: &Actor) -> bool {
        office_or_town(actor) || actor.role == Role::Expert
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            year_filter(q),
            FilterView::select(
                "service_type",
                "服务类型",
                &q.service_type,
                super::options(ServiceType::ALL, ServiceType::id, ServiceType::label),
            ),
            FilterView::text("q", "专家、乡镇或内容", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("服务日期", false),
            ("乡镇", false),
            ("专家", false),
            ("服务类型", false),
            ("服务内容", false),
            ("涉及项目", false),
            ("提出意见（条）", true),
            ("采纳意见（条）", true),
        ]
    }
    fn cells(r: &ExpertServiceRow) -> Vec<CellView> {
        let project = match (r.project_id, &r.project_name) {
            (Some(id), Some(name)) => CellView::link(name.clone(), format!("/projects/{id}")),
            _ => CellView::text(""),
        };
        vec![
            CellView::text(r.served_on.clone()),
            CellView::text(r.town_name.clone()),
            CellView::link(
                r.expert_name.clone(),
                format!("/ledgers/experts/{}", r.expert_id),
            ),
            CellView::text(label_of(
                ServiceType::ALL,
                ServiceType::id,
                ServiceType::label,
                &r.service_type,
            )),
            CellView::wrap(r.content.clone()),
            project,
            CellView::num(r.opinions_given.to_string()),
            CellView::num(r.opinions_adopted.to_string()),
        ]
    }
    async fn fields(state: &AppState, u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("town_code", "服务乡镇代码", FieldKind::Region).required(),
            FieldSpec::new(
                "expert_id",
                "专家",
                FieldKind::Select(expert_options(state, u).await),
            )
            .required(),
            FieldSpec::new("served_on", "服务日期", FieldKind::Date)
                .required()
                .hint("2020-06-18"),
            FieldSpec::new(
                "service_type",
                "服务类型",
                select_of(ServiceType::ALL, ServiceType::id, ServiceType::label),
            )
            .required(),
            FieldSpec::new(
                "project_id",
                "涉及项目 ID（可选，见项目库）",
                FieldKind::Numeric,
            ),
            FieldSpec::new("opinions_given", "提出意见（条）", FieldKind::Numeric),
            FieldSpec::new("opinions_adopted", "采纳意见（条）", FieldKind::Numeric),
            FieldSpec::new("content", "服务内容", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, q: &[(String, String)]) -> Values {
        let town = if actor.region.level() == meizhen_domain::Level::Town {
            actor.region.to_string()
        } else {
            String::new()
        };
        values(&[
            ("town_code", preset(q, "town_code").unwrap_or(town)),
            ("expert_id", preset(q, "expert_id").unwrap_or_default()),
            (
                "served_on",
                crate::view::today().format("%Y-%m-%d").to_string(),
            ),
            ("service_type", ServiceType::OnsiteGuidance.id().to_owned()),
        ])
    }
    fn id_of(r: &ExpertServiceRow) -> i64 {
        r.id
    }
    fn input_of(r: &ExpertServiceRow) -> ExpertServiceInput {
        ExpertServiceInput {
            town_code: r.town_code.clone(),
            expert_id: r.expert_id,
            served_on: r.served_on.clone(),
            service_type: r.service_type.clone(),
            project_id: r.project_id,
            content: r.content.clone(),
            opinions_given: r.opinions_given.to_string(),
            opinions_adopted: r.opinions_adopted.to_string(),
        }
    }
    service_calls!(
        list_expert_services,
        expert_service,
        create_expert_service,
        update_expert_service,
        delete_expert_service
    );
}

// ---------------------------------------------------------------------------
// 宣传报道
// ---------------------------------------------------------------------------

pub struct MediaReports;

impl Kind for MediaReports {
    type Row = MediaReportRow;
    type Input = MediaReportInput;
    const PATH: &'static str = "/ledgers/media-reports";
    const NAV: &'static str = "ledger_media";
    const TITLE: &'static str = "宣传报道";
    const NOUN: &'static str = "宣传报道";
    const CAPTION: &'static str = "宣传报道";
    const LEDGER: Option<LedgerKind> = Some(LedgerKind::MediaReports);
    const COUNTS_LABEL: &'static str = "按媒体级别统计（当前筛选条件）";

    fn may_write(actor: &Actor) -> bool {
        office_or_town(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            year_filter(q),
            FilterView::select("level", "媒体级别", &q.level, {
                // Offices count "省级及以上" (中央 + 省级) together.
                let mut o = vec![(PROVINCIAL_AND_ABOVE.to_owned(), "省级及以上".to_owned())];
                o.extend(super::options(
                    MediaLevel::ALL,
                    MediaLevel::id,
                    MediaLevel::label,
                ));
                o
            }),
            FilterView::select(
                "medium",
                "媒体类型",
                &q.medium,
                super::options(Medium::ALL, Medium::id, Medium::label),
            ),
            FilterView::text("q", "标题或媒体", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("发布日期", false),
            ("标题", false),
            ("媒体", false),
            ("级别", false),
            ("类型", false),
            ("所属区划", false),
        ]
    }
    fn cells(r: &MediaReportRow) -> Vec<CellView> {
        let title = if r.link.is_empty() {
            CellView::wrap(r.title.clone())
        } else {
            CellView {
                class: "wrap",
                ..CellView::link(r.title.clone(), r.link.clone())
            }
        };
        vec![
            CellView::text(r.published_on.clone()),
            title,
            CellView::text(r.outlet.clone()),
            CellView::text(label_of(
                MediaLevel::ALL,
                MediaLevel::id,
                MediaLevel::label,
                &r.level,
            )),
            CellView::text(label_of(Medium::ALL, Medium::id, Medium::label, &r.medium)),
            CellView::text(r.region_name.clone()),
        ]
    }
    /// Reports by level over the current filter (whatever level it names).
    async fn counts(s: &Services, a: &Actor, q: &LedgerQuery) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        let base = q.filter()?;
        let one = PageRequest::new(Some(1), Some(1));
        for level in MediaLevel::ALL {
            let f = LedgerFilter {
                level: Some(level.id().to_owned()),
                ..base.clone()
            };
            let named = |l: &str| l.split(',').any(|one| one.trim() == level.id());
            let total = if base.level.as_deref().is_some_and(|l| !named(l)) {
                0
            } else {
                s.list_media_reports(a, &f, one).await?.total
            };
            out.push((level.label().to_owned(), total));
        }
        Ok(out)
    }
    async fn fields(_state: &AppState, _u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("region_code", "所属区划代码", FieldKind::Region).required(),
            FieldSpec::new("published_on", "发布日期", FieldKind::Date)
                .required()
                .hint("2020-06-18"),
            FieldSpec::new("title", "标题", FieldKind::Text).required(),
            FieldSpec::new("outlet", "媒体名称", FieldKind::Text)
                .required()
                .hint("浙江日报"),
            FieldSpec::new(
                "level",
                "媒体级别",
                select_of(MediaLevel::ALL, MediaLevel::id, MediaLevel::label),
            )
            .required(),
            FieldSpec::new(
                "medium",
                "媒体类型",
                select_of(Medium::ALL, Medium::id, Medium::label),
            )
            .required(),
            FieldSpec::new("link", "链接（可选）", FieldKind::Text).hint("https://…"),
            FieldSpec::new("note", "备注", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, _q: &[(String, String)]) -> Values {
        values(&[
            ("region_code", actor.region.to_string()),
            (
                "published_on",
                crate::view::today().format("%Y-%m-%d").to_string(),
            ),
        ])
    }
    fn id_of(r: &MediaReportRow) -> i64 {
        r.id
    }
    fn input_of(r: &MediaReportRow) -> MediaReportInput {
        MediaReportInput {
            region_code: r.region_code.clone(),
            published_on: r.published_on.clone(),
            title: r.title.clone(),
            outlet: r.outlet.clone(),
            level: r.level.clone(),
            medium: r.medium.clone(),
            link: r.link.clone(),
            note: r.note.clone(),
        }
    }
    service_calls!(
        list_media_reports,
        media_report,
        create_media_report,
        update_media_report,
        delete_media_report
    );
}

// ---------------------------------------------------------------------------
// 会议
// ---------------------------------------------------------------------------

pub struct Meetings;

impl Kind for Meetings {
    type Row = MeetingRow;
    type Input = MeetingInput;
    const PATH: &'static str = "/ledgers/meetings";
    const NAV: &'static str = "ledger_meetings";
    const TITLE: &'static str = "会议";
    const NOUN: &'static str = "会议";
    const CAPTION: &'static str = "会议（现场会、例会、推进会）";
    const LEDGER: Option<LedgerKind> = Some(LedgerKind::Meetings);

    fn may_write(actor: &Actor) -> bool {
        office_or_town(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            year_filter(q),
            FilterView::select(
                "kind",
                "会议类型",
                &q.kind,
                super::options(MeetingKind::ALL, MeetingKind::id, MeetingKind::label),
            ),
            FilterView::select(
                "level",
                "级别",
                &q.level,
                super::options(MeetingLevel::ALL, MeetingLevel::id, MeetingLevel::label),
            ),
            FilterView::text("q", "名称、地点或议题", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("日期", false),
            ("会议名称", false),
            ("类型", false),
            ("级别", false),
            ("地点", false),
            ("主持人", false),
            ("议定事项", false),
            ("所属区划", false),
        ]
    }
    fn cells(r: &MeetingRow) -> Vec<CellView> {
        vec![
            CellView::text(span_days(&r.held_on, r.ends_on.as_deref())),
            CellView::wrap(r.title.clone()),
            CellView::text(label_of(
                MeetingKind::ALL,
                MeetingKind::id,
                MeetingKind::label,
                &r.kind,
            )),
            CellView::text(label_of(
                MeetingLevel::ALL,
                MeetingLevel::id,
                MeetingLevel::label,
                &r.level,
            )),
            CellView::text(r.place.clone()),
            CellView::text(r.host.clone()),
            CellView::wrap(r.decisions.clone()),
            CellView::text(r.region_name.clone()),
        ]
    }
    async fn fields(_state: &AppState, _u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("region_code", "所属区划代码", FieldKind::Region).required(),
            FieldSpec::new("title", "会议名称", FieldKind::Text).required(),
            FieldSpec::new("held_on", "会议日期", FieldKind::Date)
                .required()
                .hint("2020-06-18"),
            FieldSpec::new("ends_on", "结束日期（多日会议）", FieldKind::Date),
            FieldSpec::new(
                "kind",
                "会议类型",
                select_of(MeetingKind::ALL, MeetingKind::id, MeetingKind::label),
            )
            .required(),
            FieldSpec::new(
                "level",
                "级别（空为所属区划的级别）",
                select_of(MeetingLevel::ALL, MeetingLevel::id, MeetingLevel::label),
            ),
            FieldSpec::new("place", "地点", FieldKind::Text),
            FieldSpec::new("host", "主持人", FieldKind::Text),
            FieldSpec::new("attendees", "参会人员", FieldKind::Long),
            FieldSpec::new("topics", "会议议题", FieldKind::Long),
            FieldSpec::new("decisions", "议定事项", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, _q: &[(String, String)]) -> Values {
        values(&[
            ("region_code", actor.region.to_string()),
            (
                "held_on",
                crate::view::today().format("%Y-%m-%d").to_string(),
            ),
        ])
    }
    fn id_of(r: &MeetingRow) -> i64 {
        r.id
    }
    fn input_of(r: &MeetingRow) -> MeetingInput {
        MeetingInput {
            region_code: r.region_code.clone(),
            held_on: r.held_on.clone(),
            ends_on: r.ends_on.clone().unwrap_or_default(),
            kind: r.kind.clone(),
            level: r.level.clone(),
            title: r.title.clone(),
            place: r.place.clone(),
            host: r.host.clone(),
            attendees: r.attendees.clone(),
            topics: r.topics.clone(),
            decisions: r.decisions.clone(),
        }
    }
    service_calls!(
        list_meetings,
        meeting,
        create_meeting,
        update_meeting,
        delete_meeting
    );
}

/// A meeting's day, or its days.
fn span_days(start: &str, end: Option<&str>) -> String {
    match end {
        Some(e) if !e.is_empty() && e != start => format!("{start} 至 {e}"),
        _ => start.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// 工作专班
// ---------------------------------------------------------------------------

pub struct WorkTeams;

impl Kind for WorkTeams {
    type Row = WorkTeamMemberRow;
    type Input = WorkTeamMemberInput;
    const PATH: &'static str = "/ledgers/work-teams";
    const NAV: &'static str = "ledger_teams";
    const TITLE: &'static str = "工作专班";
    const NOUN: &'static str = "专班人员";
    const CAPTION: &'static str = "工作专班抽调人员";
    const LEDGER: Option<LedgerKind> = Some(LedgerKind::WorkTeamMembers);

    fn may_write(actor: &Actor) -> bool {
        office(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            FilterView::numeric("year", "在岗年度", &q.year),
            FilterView::text("q", "姓名、原单位或岗位", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("姓名", false),
            ("原单位", false),
            ("专班岗位", false),
            ("联系电话", false),
            ("抽调期", false),
            ("所属区划", false),
        ]
    }
    fn cells(r: &WorkTeamMemberRow) -> Vec<CellView> {
        vec![
            CellView::text(r.name.clone()),
            CellView::text(r.home_unit.clone()),
            CellView::text(r.post.clone()),
            CellView::text(r.phone.clone()),
            CellView::text(span(&r.starts_on, r.ends_on.as_deref())),
            CellView::text(r.region_name.clone()),
        ]
    }
    async fn fields(_state: &AppState, _u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("region_code", "所属区划代码", FieldKind::Region).required(),
            FieldSpec::new("name", "姓名", FieldKind::Text).required(),
            FieldSpec::new("home_unit", "原单位", FieldKind::Text),
            FieldSpec::new("post", "专班岗位", FieldKind::Text),
            FieldSpec::new("phone", "联系电话", FieldKind::Text),
            FieldSpec::new("starts_on", "抽调开始日期", FieldKind::Date)
                .required()
                .hint("2020-03-01 或 2020.3"),
            FieldSpec::new("ends_on", "抽调结束日期（可空）", FieldKind::Date),
            FieldSpec::new("note", "备注", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, _q: &[(String, String)]) -> Values {
        values(&[("region_code", actor.region.to_string())])
    }
    fn id_of(r: &WorkTeamMemberRow) -> i64 {
        r.id
    }
    fn input_of(r: &WorkTeamMemberRow) -> WorkTeamMemberInput {
        WorkTeamMemberInput {
            region_code: r.region_code.clone(),
            name: r.name.clone(),
            home_unit: r.home_unit.clone(),
            post: r.post.clone(),
            phone: r.phone.clone(),
            starts_on: r.starts_on.clone(),
            ends_on: r.ends_on.clone().unwrap_or_default(),
            note: r.note.clone(),
        }
    }
    service_calls!(
        list_work_team_members,
        work_team_member,
        create_work_team_member,
        update_work_team_member,
        delete_work_team_member
    );
}

// ---------------------------------------------------------------------------
// 镇级指标 (definitions) and their values
// ---------------------------------------------------------------------------

pub struct Indicators;

fn better_options() -> Vec<(String, String)> {
    vec![
        ("true".into(), "越高越好".into()),
        ("false".into(), "越低越好".into()),
    ]
}

/// A quantity in thousandths as written (no trailing zeros).
pub fn quantity(milli: i64) -> String {
    Quantity(milli).to_string()
}

impl Kind for Indicators {
    type Row = IndicatorRow;
    type Input = IndicatorInput;
    const PATH: &'static str = "/ledgers/indicators";
    const NAV: &'static str = "ledger_indicators";
    const TITLE: &'static str = "镇级指标";
    const NOUN: &'static str = "指标";
    const CAPTION: &'static str = "镇级指标（点击名称查看、填报各乡镇数值）";
    const LEDGER: Option<LedgerKind> = None;

    fn may_write(actor: &Actor) -> bool {
        office(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            FilterView::select(
                "period",
                "填报周期",
                &q.period,
                super::options(
                    IndicatorPeriod::ALL,
                    IndicatorPeriod::id,
                    IndicatorPeriod::label,
                ),
            ),
            FilterView::text("q", "名称或代码", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("代码", false),
            ("指标名称", false),
            ("单位", false),
            ("填报周期", false),
            ("汇总方式", false),
            ("方向", false),
            ("目标值", true),
            ("定义单位", false),
        ]
    }
    fn cells(r: &IndicatorRow) -> Vec<CellView> {
        vec![
            CellView::text(r.code.clone()),
            CellView::link(r.name.clone(), format!("/ledgers/indicators/{}", r.id)),
            CellView::text(r.unit.clone()),
            CellView::text(label_of(
                IndicatorPeriod::ALL,
                IndicatorPeriod::id,
                IndicatorPeriod::label,
                &r.period,
            )),
            CellView::text(label_of(
                Aggregation::ALL,
                Aggregation::id,
                Aggregation::label,
                &r.aggregation,
            )),
            CellView::text(if r.higher_is_better {
                "越高越好"
            } else {
                "越低越好"
            }),
            CellView::num(r.target_milli.map(quantity).unwrap_or_default()),
            CellView::text(r.region_name.clone()),
        ]
    }
    async fn fields(_state: &AppState, _u: &PageUser) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("region_code", "定义单位区划代码", FieldKind::Region).required(),
            FieldSpec::new("code", "指标代码", FieldKind::Text)
                .required()
                .hint("如 beautiful_courtyard"),
            FieldSpec::new("name", "指标名称", FieldKind::Text)
                .required()
                .hint("如 美丽庭院"),
            FieldSpec::new("unit", "计量单位", FieldKind::Text).hint("户、个、宗、万元"),
            FieldSpec::new(
                "period",
                "填报周期",
                select_of(
                    IndicatorPeriod::ALL,
                    IndicatorPeriod::id,
                    IndicatorPeriod::label,
                ),
            )
            .required(),
            FieldSpec::new(
                "aggregation",
                "向上汇总方式",
                select_of(Aggregation::ALL, Aggregation::id, Aggregation::label),
            )
            .required(),
            FieldSpec::new(
                "higher_is_better",
                "方向",
                FieldKind::Select(better_options()),
            )
            .required(),
            FieldSpec::new("target", "目标值（可空）", FieldKind::Decimal),
            FieldSpec::new("note", "说明", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, _q: &[(String, String)]) -> Values {
        values(&[
            ("region_code", actor.region.to_string()),
            ("period", IndicatorPeriod::Year.id().to_owned()),
            ("aggregation", Aggregation::Sum.id().to_owned()),
            ("higher_is_better", "true".to_owned()),
        ])
    }
    fn id_of(r: &IndicatorRow) -> i64 {
        r.id
    }
    fn input_of(r: &IndicatorRow) -> IndicatorInput {
        IndicatorInput {
            region_code: r.region_code.clone(),
            code: r.code.clone(),
            name: r.name.clone(),
            unit: r.unit.clone(),
            period: r.period.clone(),
            aggregation: r.aggregation.clone(),
            higher_is_better: r.higher_is_better.to_string(),
            target: r.target_milli.map(quantity).unwrap_or_default(),
            note: r.note.clone(),
        }
    }
    fn after_save(r: &IndicatorRow, done: &str) -> String {
        format!("/ledgers/indicators/{}?done={done}", r.id)
    }
    service_calls!(
        list_indicators,
        indicator,
        create_indicator,
        update_indicator,
        delete_indicator
    );
}

pub struct IndicatorValues;

impl Kind for IndicatorValues {
    type Row = IndicatorValueRow;
    type Input = IndicatorValueInput;
    const PATH: &'static str = "/ledgers/indicator-values";
    const NAV: &'static str = "ledger_indicators";
    const TITLE: &'static str = "镇级指标数值";
    const NOUN: &'static str = "指标数值";
    const CAPTION: &'static str = "各乡镇指标数值";
    const LEDGER: Option<LedgerKind> = Some(LedgerKind::IndicatorValues);

    fn may_write(actor: &Actor) -> bool {
        office_or_town(actor)
    }
    fn filters(q: &LedgerQuery) -> Vec<FilterView> {
        vec![
            region_filter(q),
            FilterView::numeric("indicator", "指标编号", &q.indicator),
            year_filter(q),
            FilterView::text("period", "统计期", &q.period),
            FilterView::text("q", "指标或乡镇", &q.q),
        ]
    }
    fn headers() -> Vec<(&'static str, bool)> {
        vec![
            ("乡镇", false),
            ("指标", false),
            ("统计期", false),
            ("数值", true),
            ("单位", false),
            ("备注", false),
        ]
    }
    fn cells(r: &IndicatorValueRow) -> Vec<CellView> {
        vec![
            CellView::text(r.town_name.clone()),
            CellView::link(
                r.indicator_name.clone(),
                format!("/ledgers/indicators/{}", r.indicator_id),
            ),
            CellView::text(r.period.clone()),
            CellView::num(quantity(r.value_milli)),
            CellView::text(r.unit.clone()),
            CellView::wrap(r.note.clone()),
        ]
    }
    async fn fields(state: &AppState, u: &PageUser) -> Vec<FieldSpec> {
        let indicators = state
            .services
            .list_indicators(
                &u.actor,
                &LedgerFilter::default(),
                PageRequest::new(Some(1), Some(200)),
            )
            .await
            .map(|p| p.items)
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.id.to_string(), format!("{}（{}）", i.name, i.region_name)))
            .collect();
        vec![
            FieldSpec::new("indicator_id", "指标", FieldKind::Select(indicators)).required(),
            FieldSpec::new("town_code", "乡镇代码", FieldKind::Region).required(),
            FieldSpec::new("period", "统计期", FieldKind::Text)
                .required()
                .hint("2020、2020H1、2020Q3 或 2020-06"),
            FieldSpec::new("value", "数值", FieldKind::Decimal).required(),
            FieldSpec::new("note", "备注", FieldKind::Long),
        ]
    }
    fn defaults(actor: &Actor, q: &[(String, String)]) -> Values {
        let town = if actor.region.level() == meizhen_domain::Level::Town {
            actor.region.to_string()
        } else {
            String::new()
        };
        values(&[
            (
                "indicator_id",
                preset(q, "indicator_id").unwrap_or_default(),
            ),
            ("town_code", preset(q, "town_code").unwrap_or(town)),
            ("period", preset(q, "period").unwrap_or_default()),
        ])
    }
    fn id_of(r: &IndicatorValueRow) -> i64 {
        r.id
    }
    fn input_of(r: &IndicatorValueRow) -> IndicatorValueInput {
        IndicatorValueInput {
            indicator_id: r.indicator_id,
            town_code: r.town_code.clone(),
            period: r.period.clone(),
            value: quantity(r.value_milli),
            note: r.note.clone(),
        }
    }
    fn after_save(r: &IndicatorValueRow, done: &str) -> String {
        format!("/ledgers/indicators/{}?done={done}", r.indicator_id)
    }
    fn after_delete(r: &IndicatorValueRow) -> String {
        format!("/ledgers/indicators/{}?done=deleted", r.indicator_id)
    }
    service_calls!(
        list_indicator_values,
        indicator_value,
        create_indicator_value,
        update_indicator_value,
        delete_indicator_value
    );
}

/// The media-level filter value for 省级及以上 (中央 and 省级 together).
const PROVINCIAL_AND_ABOVE: &str = "central,provincial";
