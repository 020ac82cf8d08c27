//! 工作专班: staff seconded to an office, by period.

use super::{ledger_service, may_write_office_ledger};
use crate::{Actor, Result};
use meizhen_domain::ledger::{WorkTeamMember, WorkTeamMemberInput};
use meizhen_domain::RegionCode;
use meizhen_storage::repo::ledgers::{self as repo, WorkTeamMemberFilter, WorkTeamMemberRow};
use meizhen_storage::Tx;

async fn prepare(_: &mut Tx, _: &Actor, input: &WorkTeamMemberInput) -> Result<WorkTeamMember> {
    Ok(input.validate()?)
}

fn region(m: &WorkTeamMember) -> &RegionCode {
    &m.region_code
}
fn row_region(r: &WorkTeamMemberRow) -> &str {
    &r.region_code
}
fn label(r: &WorkTeamMemberRow) -> String {
    if r.home_unit.is_empty() {
        r.name.clone()
    } else {
        format!("{}（{}）", r.name, r.home_unit)
    }
}

ledger_service!(
    entity = "work_team_member",
    what = "专班成员",
    input = WorkTeamMemberInput,
    row = WorkTeamMemberRow,
    filter = WorkTeamMemberFilter,
    fns = (
        list_work_team_members,
        work_team_member,
        create_work_team_member,
        update_work_team_member,
        delete_work_team_member
    ),
    repo = (
        repo::work_team_members,
        repo::work_team_member,
        repo::insert_work_team_member,
        repo::update_work_team_member,
        repo::delete_work_team_member
    ),
    prepare = prepare,
    region = region,
    row_region = row_region,
    may = may_write_office_ledger,
    forbidden = "只有美镇办可以维护工作专班名单",
    duplicate = "该专班成员同一开始日期的记录已存在",
    label = label,
);
