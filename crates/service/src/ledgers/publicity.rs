//! 宣传报道: media reports about a region's programme.

use super::{ledger_service, may_write_publicity};
use crate::{Actor, Result};
use meizhen_domain::ledger::{MediaReport, MediaReportInput};
use meizhen_domain::RegionCode;
use meizhen_storage::repo::ledgers::{self as repo, MediaReportFilter, MediaReportRow};
use meizhen_storage::Tx;

async fn prepare(_: &mut Tx, _: &Actor, input: &MediaReportInput) -> Result<MediaReport> {
    Ok(input.validate()?)
}

fn region(m: &MediaReport) -> &RegionCode {
    &m.region_code
}
fn row_region(r: &MediaReportRow) -> &str {
    &r.region_code
}
fn label(r: &MediaReportRow) -> String {
    format!("{}《{}》", r.outlet, r.title)
}

ledger_service!(
    entity = "media_report",
    what = "宣传报道",
    input = MediaReportInput,
    row = MediaReportRow,
    filter = MediaReportFilter,
    fns = (
        list_media_reports,
        media_report,
        create_media_report,
        update_media_report,
        delete_media_report
    ),
    repo = (
        repo::media_reports,
        repo::media_report,
        repo::insert_media_report,
        repo::update_media_report,
        repo::delete_media_report
    ),
    prepare = prepare,
    region = region,
    row_region = row_region,
    may = may_write_publicity,
    forbidden = "只有美镇办或本乡镇工作人员可以登记宣传报道",
    duplicate = "同一天同一媒体的同名报道已登记",
    label = label,
);
