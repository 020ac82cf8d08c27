//! 专家: the experts an office keeps (双师, 驻镇规划师, expert teams), their
//! pairings with towns and the log of their services.

use super::{ledger_service, may_write_expert_services, may_write_office_ledger};
use crate::{Actor, Result, ServiceError, Services};
use meizhen_domain::ledger::{
    Expert, ExpertInput, ExpertPairing, ExpertPairingInput, ExpertService, ExpertServiceInput,
};
use meizhen_domain::RegionCode;
use meizhen_storage::repo::ledgers::{
    self as repo, ExpertFilter, ExpertPairingFilter, ExpertPairingRow, ExpertRow,
    ExpertServiceFilter, ExpertServiceRow,
};
use meizhen_storage::Tx;

async fn prepare_expert(_: &mut Tx, _: &Actor, input: &ExpertInput) -> Result<Expert> {
    Ok(input.validate()?)
}

/// The expert must be one the record may refer to: in scope, or kept by an
/// office above (see [`repo::expert_choices`]).
async fn check_expert(tx: &mut Tx, actor: &Actor, id: i64) -> Result<()> {
    repo::expert_choice(tx, actor.scope(), id)
        .await?
        .map(|_| ())
        .ok_or_else(|| ServiceError::invalid("expert_id", "所选专家不存在或不在您的管辖范围内"))
}

async fn prepare_pairing(
    tx: &mut Tx,
    actor: &Actor,
    input: &ExpertPairingInput,
) -> Result<ExpertPairing> {
    let rec = input.validate()?;
    check_expert(tx, actor, rec.expert_id).await?;
    Ok(rec)
}

async fn prepare_service(
    tx: &mut Tx,
    actor: &Actor,
    input: &ExpertServiceInput,
) -> Result<ExpertService> {
    let rec = input.validate()?;
    check_expert(tx, actor, rec.expert_id).await?;
    if let Some(project) = rec.project_id {
        match repo::project_town(tx, actor.scope(), project).await? {
            Some((town, _)) if town == rec.town_code.as_str() => {}
            Some((_, name)) => {
                return Err(ServiceError::invalid(
                    "project_id",
                    format!("项目“{name}”不属于所选乡镇"),
                ))
            }
            None => {
                return Err(ServiceError::invalid(
                    "project_id",
                    "所选项目不存在或不在您的管辖范围内",
                ))
            }
        }
    }
    Ok(rec)
}

fn expert_region(e: &Expert) -> &RegionCode {
    &e.region_code
}
fn expert_row_region(r: &ExpertRow) -> &str {
    &r.region_code
}
fn expert_label(r: &ExpertRow) -> String {
    r.name.clone()
}

fn pairing_region(p: &ExpertPairing) -> &RegionCode {
    &p.town_code
}
fn pairing_row_region(r: &ExpertPairingRow) -> &str {
    &r.town_code
}
fn pairing_label(r: &ExpertPairingRow) -> String {
    format!("{} — {}", r.expert_name, r.town_name)
}

fn service_region(s: &ExpertService) -> &RegionCode {
    &s.town_code
}
fn service_row_region(r: &ExpertServiceRow) -> &str {
    &r.town_code
}
fn service_label(r: &ExpertServiceRow) -> String {
    format!("{} {} {}", r.served_on, r.town_name, r.expert_name)
}

ledger_service!(
    entity = "expert",
    what = "专家",
    input = ExpertInput,
    row = ExpertRow,
    filter = ExpertFilter,
    fns = (
        list_experts,
        expert,
        create_expert,
        update_expert,
        delete_expert
    ),
    repo = (
        repo::experts,
        repo::expert,
        repo::insert_expert,
        repo::update_expert,
        repo::delete_expert
    ),
    prepare = prepare_expert,
    region = expert_region,
    row_region = expert_row_region,
    may = may_write_office_ledger,
    forbidden = "只有美镇办可以维护本地区的专家名录",
    duplicate = "本地区已有同名、同单位的专家",
    label = expert_label,
);

ledger_service!(
    entity = "expert_pairing",
    what = "专家结对",
    input = ExpertPairingInput,
    row = ExpertPairingRow,
    filter = ExpertPairingFilter,
    fns = (
        list_expert_pairings,
        expert_pairing,
        create_expert_pairing,
        update_expert_pairing,
        delete_expert_pairing
    ),
    repo = (
        repo::expert_pairings,
        repo::expert_pairing,
        repo::insert_expert_pairing,
        repo::update_expert_pairing,
        repo::delete_expert_pairing
    ),
    prepare = prepare_pairing,
    region = pairing_region,
    row_region = pairing_row_region,
    may = may_write_office_ledger,
    forbidden = "只有美镇办可以安排专家结对",
    duplicate = "该专家与该乡镇同类型、同开始日期的结对已存在",
    label = pairing_label,
);

ledger_service!(
    entity = "expert_service",
    what = "专家服务记录",
    input = ExpertServiceInput,
    row = ExpertServiceRow,
    filter = ExpertServiceFilter,
    fns = (
        list_expert_services,
        expert_service,
        create_expert_service,
        update_expert_service,
        delete_expert_service
    ),
    repo = (
        repo::expert_services,
        repo::expert_service,
        repo::insert_expert_service,
        repo::update_expert_service,
        repo::delete_expert_service
    ),
    prepare = prepare_service,
    region = service_region,
    row_region = service_row_region,
    may = may_write_expert_services,
    forbidden = "只有美镇办、本乡镇工作人员或服务该乡镇的专家可以填报专家服务记录",
    duplicate = "该专家当天在该乡镇的同类服务已登记",
    label = service_label,
);

impl Services {
    /// Experts a record may name (pickers on the service and pairing forms):
    /// those in scope and those kept by the offices above, matching `q`.
    pub async fn expert_choices(&self, actor: &Actor, q: Option<&str>) -> Result<Vec<ExpertRow>> {
        let mut tx = self.ledger_read_tx(actor).await?;
        Ok(repo::expert_choices(&mut tx, actor.scope(), q, 500).await?)
    }
}
