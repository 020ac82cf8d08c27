//! 会议: 现场会, 例会, 推进会 held by an office or a town.

use super::{ledger_service, may_write_publicity};
use crate::{Actor, Result};
use meizhen_domain::ledger::{Meeting, MeetingInput};
use meizhen_domain::RegionCode;
use meizhen_storage::repo::ledgers::{self as repo, MeetingFilter, MeetingRow};
use meizhen_storage::Tx;

async fn prepare(_: &mut Tx, _: &Actor, input: &MeetingInput) -> Result<Meeting> {
    Ok(input.validate()?)
}

fn region(m: &Meeting) -> &RegionCode {
    &m.region_code
}
fn row_region(r: &MeetingRow) -> &str {
    &r.region_code
}
fn label(r: &MeetingRow) -> String {
    format!("{} {}", r.held_on, r.title)
}

ledger_service!(
    entity = "meeting",
    what = "会议",
    input = MeetingInput,
    row = MeetingRow,
    filter = MeetingFilter,
    fns = (
        list_meetings,
        meeting,
        create_meeting,
        update_meeting,
        delete_meeting
    ),
    repo = (
        repo::meetings,
        repo::meeting,
        repo::insert_meeting,
        repo::update_meeting,
        repo::delete_meeting
    ),
    prepare = prepare,
    region = region,
    row_region = row_region,
    may = may_write_publicity,
    forbidden = "只有美镇办或本乡镇工作人员可以登记会议",
    duplicate = "同一天的同名会议已登记",
    label = label,
);
