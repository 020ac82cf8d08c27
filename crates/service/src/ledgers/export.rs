//! Ledgers as offices circulate them in Excel: title, a line saying who
//! exported what, the header, the rows (in scope and matching the filter)
//! and a 合计 row counting them and summing the numeric columns. The headers
//! are ones the importer reads, so an exported sheet imports back.

use super::{LedgerFilter, Quantity};
use crate::{Actor, Result, ServiceError, Services};
use meizhen_documents::{table_to_xlsx, Cell, Column, ColumnKind, Table, EXCEL_MAX_ROWS};
use meizhen_domain::ledger::{
    Aggregation, ExpertRole, LedgerKind, MediaLevel, Medium, MeetingKind, MeetingLevel, ServiceType,
};
use meizhen_storage::regions;
use meizhen_storage::repo::ledgers as repo;

/// Rows per sheet: Excel's limit less the title, header and 合计 rows.
const MAX_ROWS: i64 = EXCEL_MAX_ROWS as i64 - 10;

fn label<T: Copy>(id: &str, from_id: fn(&str) -> Option<T>, label: fn(T) -> &'static str) -> Cell {
    Cell::Text(from_id(id).map(label).unwrap_or(id).to_owned())
}

/// A quantity as a number when whole, else as its exact decimal text (the
/// sheet writer has no thousandths format).
fn quantity(milli: i64) -> Cell {
    if milli % 1000 == 0 {
        Cell::Int(milli / 1000)
    } else {
        Cell::Text(Quantity(milli).to_string())
    }
}

fn seq(i: usize) -> Cell {
    Cell::Int(i64::try_from(i + 1).unwrap_or(i64::MAX))
}

fn cols(spec: &[(&str, f64, ColumnKind)]) -> Vec<Column> {
    spec.iter()
        .map(|(h, w, k)| Column::new(*h, *w, *k))
        .collect()
}

/// "合计", "N 条", blanks, with `sums` at their column indexes.
fn total_row(width: usize, n: usize, unit: &str, sums: &[(usize, Cell)]) -> Vec<Cell> {
    let mut row = vec![Cell::Empty; width];
    row[0] = Cell::text("合计");
    if width > 1 {
        row[1] = Cell::Text(format!("{n} {unit}"));
    }
    for (i, c) in sums {
        if let Some(slot) = row.get_mut(*i) {
            *slot = c.clone();
        }
    }
    row
}

impl Services {
    /// The ledger of `kind` under `filter.region` (default: the actor's
    /// region) as .xlsx bytes. 404 when that region is out of scope.
    pub async fn export_ledger(
        &self,
        actor: &Actor,
        kind: LedgerKind,
        filter: &LedgerFilter,
    ) -> Result<Vec<u8>> {
        let mut tx = self.ledger_read_tx(actor).await?;
        let region = filter
            .region
            .clone()
            .unwrap_or_else(|| actor.region.clone());
        let region_name = regions::get(&mut tx, actor.scope(), &region)
            .await?
            .map(|r| r.name)
            .ok_or_else(|| ServiceError::not_found("地区"))?;
        let f = LedgerFilter {
            region: Some(region),
            ..filter.clone()
        };
        let scope = actor.scope();
        let (columns, rows, total): (Vec<Column>, Vec<Vec<Cell>>, Vec<Cell>) = match kind {
            LedgerKind::Experts => {
                let list = repo::all_experts(&mut tx, scope, &f, MAX_ROWS).await?;
                let columns = cols(&[
                    ("序号", 6.0, ColumnKind::Integer),
                    ("所属地区", 12.0, ColumnKind::Text),
                    ("姓名", 10.0, ColumnKind::Text),
                    ("专家类别", 14.0, ColumnKind::Text),
                    ("工作单位", 28.0, ColumnKind::Text),
                    ("职称职务", 16.0, ColumnKind::Text),
                    ("所属团队", 16.0, ColumnKind::Text),
                    ("联系电话", 14.0, ColumnKind::Text),
                    ("备注", 20.0, ColumnKind::Text),
                ]);
                let rows = list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            seq(i),
                            r.region_name.clone().into(),
                            r.name.clone().into(),
                            label(&r.role, ExpertRole::from_id, ExpertRole::label),
                            r.organisation.clone().into(),
                            r.title.clone().into(),
                            r.team.clone().into(),
                            r.phone.clone().into(),
                            r.note.clone().into(),
                        ]
                    })
                    .collect();
                let total = total_row(columns.len(), list.len(), "人", &[]);
                (columns, rows, total)
            }
            LedgerKind::ExpertServices => {
                let list = repo::all_expert_services(&mut tx, scope, &f, MAX_ROWS).await?;
                let columns = cols(&[
                    ("序号", 6.0, ColumnKind::Integer),
                    ("服务日期", 12.0, ColumnKind::Date),
                    ("乡镇（街道）", 12.0, ColumnKind::Text),
                    ("专家姓名", 10.0, ColumnKind::Text),
                    ("服务类型", 10.0, ColumnKind::Text),
                    ("涉及项目", 24.0, ColumnKind::Text),
                    ("服务内容", 36.0, ColumnKind::Text),
                    ("提出意见数", 10.0, ColumnKind::Integer),
                    ("采纳意见数", 10.0, ColumnKind::Integer),
                ]);
                let rows = list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            seq(i),
                            r.served_on.clone().into(),
                            r.town_name.clone().into(),
                            r.expert_name.clone().into(),
                            label(&r.service_type, ServiceType::from_id, ServiceType::label),
                            r.project_name.clone().into(),
                            r.content.clone().into(),
                            Cell::Int(i64::from(r.opinions_given)),
                            Cell::Int(i64::from(r.opinions_adopted)),
                        ]
                    })
                    .collect();
                let given: i64 = list.iter().map(|r| i64::from(r.opinions_given)).sum();
                let adopted: i64 = list.iter().map(|r| i64::from(r.opinions_adopted)).sum();
                let total = total_row(
                    columns.len(),
                    list.len(),
                    "次",
                    &[(7, Cell::Int(given)), (8, Cell::Int(adopted))],
                );
                (columns, rows, total)
            }
            LedgerKind::MediaReports => {
                let list = repo::all_media_reports(&mut tx, scope, &f, MAX_ROWS).await?;
                let columns = cols(&[
                    ("序号", 6.0, ColumnKind::Integer),
                    ("发布日期", 12.0, ColumnKind::Date),
                    ("所属地区", 12.0, ColumnKind::Text),
                    ("报道标题", 40.0, ColumnKind::Text),
                    ("媒体名称", 16.0, ColumnKind::Text),
                    ("媒体级别", 8.0, ColumnKind::Text),
                    ("媒体类型", 8.0, ColumnKind::Text),
                    ("链接", 30.0, ColumnKind::Text),
                    ("备注", 16.0, ColumnKind::Text),
                ]);
                let rows = list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            seq(i),
                            r.published_on.clone().into(),
                            r.region_name.clone().into(),
                            r.title.clone().into(),
                            r.outlet.clone().into(),
                            label(&r.level, MediaLevel::from_id, MediaLevel::label),
                            label(&r.medium, Medium::from_id, Medium::label),
                            r.link.clone().into(),
                            r.note.clone().into(),
                        ]
                    })
                    .collect();
                let total = total_row(columns.len(), list.len(), "篇", &[]);
                (columns, rows, total)
            }
            LedgerKind::Meetings => {
                let list = repo::all_meetings(&mut tx, scope, &f, MAX_ROWS).await?;
                let columns = cols(&[
                    ("序号", 6.0, ColumnKind::Integer),
                    ("会议日期", 12.0, ColumnKind::Date),
                    ("结束日期", 12.0, ColumnKind::Date),
                    ("所属地区", 12.0, ColumnKind::Text),
                    ("会议名称", 32.0, ColumnKind::Text),
                    ("会议类型", 8.0, ColumnKind::Text),
                    ("会议级别", 8.0, ColumnKind::Text),
                    ("会议地点", 16.0, ColumnKind::Text),
                    ("主持人", 10.0, ColumnKind::Text),
                    ("参会人员", 24.0, ColumnKind::Text),
                    ("会议议题", 30.0, ColumnKind::Text),
                    ("议定事项", 30.0, ColumnKind::Text),
                ]);
                let rows = list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            seq(i),
                            r.held_on.clone().into(),
                            r.ends_on.clone().into(),
                            r.region_name.clone().into(),
                            r.title.clone().into(),
                            label(&r.kind, MeetingKind::from_id, MeetingKind::label),
                            label(&r.level, MeetingLevel::from_id, MeetingLevel::label),
                            r.place.clone().into(),
                            r.host.clone().into(),
                            r.attendees.clone().into(),
                            r.topics.clone().into(),
                            r.decisions.clone().into(),
                        ]
                    })
                    .collect();
                let total = total_row(columns.len(), list.len(), "次", &[]);
                (columns, rows, total)
            }
            LedgerKind::WorkTeamMembers => {
                let list = repo::all_work_team_members(&mut tx, scope, &f, MAX_ROWS).await?;
                let columns = cols(&[
                    ("序号", 6.0, ColumnKind::Integer),
                    ("所属地区", 12.0, ColumnKind::Text),
                    ("姓名", 10.0, ColumnKind::Text),
                    ("原单位", 24.0, ColumnKind::Text),
                    ("专班岗位", 14.0, ColumnKind::Text),
                    ("联系电话", 14.0, ColumnKind::Text),
                    ("抽调开始时间", 14.0, ColumnKind::Date),
                    ("抽调结束时间", 14.0, ColumnKind::Date),
                    ("备注", 16.0, ColumnKind::Text),
                ]);
                let rows = list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            seq(i),
                            r.region_name.clone().into(),
                            r.name.clone().into(),
                            r.home_unit.clone().into(),
                            r.post.clone().into(),
                            r.phone.clone().into(),
                            r.starts_on.clone().into(),
                            r.ends_on.clone().into(),
                            r.note.clone().into(),
                        ]
                    })
                    .collect();
                let total = total_row(columns.len(), list.len(), "人", &[]);
                (columns, rows, total)
            }
            LedgerKind::IndicatorValues => {
                let list = repo::all_indicator_values(&mut tx, scope, &f, MAX_ROWS).await?;
                let columns = cols(&[
                    ("序号", 6.0, ColumnKind::Integer),
                    ("乡镇（街道）", 12.0, ColumnKind::Text),
                    ("指标代码", 14.0, ColumnKind::Text),
                    ("指标名称", 24.0, ColumnKind::Text),
                    ("统计期", 10.0, ColumnKind::Text),
                    ("数值", 12.0, ColumnKind::Integer),
                    ("单位", 8.0, ColumnKind::Text),
                    ("备注", 20.0, ColumnKind::Text),
                ]);
                let rows = list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            seq(i),
                            r.town_name.clone().into(),
                            r.indicator_code.clone().into(),
                            r.indicator_name.clone().into(),
                            r.period.clone().into(),
                            quantity(r.value_milli),
                            r.unit.clone().into(),
                            r.note.clone().into(),
                        ]
                    })
                    .collect();
                // Values of different indicators (or of one that averages)
                // do not add up: sum only one summed indicator.
                let mut sums = Vec::new();
                if let Some(first) = list.first() {
                    if list.iter().all(|r| r.indicator_id == first.indicator_id) {
                        let ind = repo::indicator(&mut tx, scope, first.indicator_id).await?;
                        if ind.is_some_and(|i| i.aggregation == Aggregation::Sum.id()) {
                            let sum =
                                Quantity::checked_sum(list.iter().map(|r| Quantity(r.value_milli)))
                                    .ok_or_else(|| {
                                        ServiceError::invalid("value", "指标数值合计超出范围")
                                    })?;
                            sums.push((5, quantity(sum.milli())));
                        }
                    }
                }
                let total = total_row(columns.len(), list.len(), "条", &sums);
                (columns, rows, total)
            }
        };
        let year = filter.year.map(|y| format!("{y}年")).unwrap_or_default();
        let table = Table {
            title: format!("{region_name}{year}{}台账", kind.label()),
            subtitle: Some(format!(
                "导出人：{}　导出时间：{}",
                actor.display_name,
                meizhen_domain::time::format_ms(meizhen_storage::now_ms())
            )),
            columns,
            rows,
            total_row: Some(total),
        };
        table_to_xlsx(kind.label(), &table)
            .map_err(|e| ServiceError::invalid("file", format!("导出失败：{e}")))
    }
}
