//! 镇级指标: indicators an office defines (visible to it and below) and the
//! towns' values per period.

use super::{ledger_service, may_write_indicator_values, may_write_office_ledger};
use crate::{Actor, Result, ServiceError};
use meizhen_domain::ledger::{
    Indicator, IndicatorInput, IndicatorPeriod, IndicatorValue, IndicatorValueInput,
};
use meizhen_domain::RegionCode;
use meizhen_storage::repo::ledgers::{
    self as repo, IndicatorFilter, IndicatorRow, IndicatorValueFilter, IndicatorValueRow,
};
use meizhen_storage::Tx;

async fn prepare_indicator(_: &mut Tx, _: &Actor, input: &IndicatorInput) -> Result<Indicator> {
    Ok(input.validate()?)
}

/// A value is checked against its indicator: visible to the actor, of a
/// region containing the town, with the period kind and unit it states.
pub(super) async fn prepare_value(
    tx: &mut Tx,
    actor: &Actor,
    input: &IndicatorValueInput,
) -> Result<IndicatorValue> {
    if input.indicator_id <= 0 {
        return Err(ServiceError::invalid("indicator_id", "请选择指标"));
    }
    let ind = repo::indicator(tx, actor.scope(), input.indicator_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("indicator_id", "所选指标不存在或不适用于您"))?;
    let period = IndicatorPeriod::from_id(&ind.period).unwrap_or(IndicatorPeriod::Year);
    let rec = input.validate(period, &ind.unit)?;
    let region = RegionCode::parse(&ind.region_code)?;
    if !rec.town_code.is_within(&region) {
        return Err(ServiceError::invalid(
            "town_code",
            format!(
                "指标“{}”由{}设定，不适用于该乡镇",
                ind.name, ind.region_name
            ),
        ));
    }
    Ok(rec)
}

fn indicator_region(i: &Indicator) -> &RegionCode {
    &i.region_code
}
fn indicator_row_region(r: &IndicatorRow) -> &str {
    &r.region_code
}
fn indicator_label(r: &IndicatorRow) -> String {
    format!("{}（{}）", r.name, r.code)
}

fn value_region(v: &IndicatorValue) -> &RegionCode {
    &v.town_code
}
fn value_row_region(r: &IndicatorValueRow) -> &str {
    &r.town_code
}
fn value_label(r: &IndicatorValueRow) -> String {
    format!("{} {} {}", r.town_name, r.indicator_name, r.period)
}

ledger_service!(
    entity = "indicator",
    what = "指标",
    input = IndicatorInput,
    row = IndicatorRow,
    filter = IndicatorFilter,
    fns = (
        list_indicators,
        indicator,
        create_indicator,
        update_indicator,
        delete_indicator
    ),
    repo = (
        repo::indicators,
        repo::indicator,
        repo::insert_indicator,
        repo::update_indicator,
        repo::delete_indicator
    ),
    prepare = prepare_indicator,
    region = indicator_region,
    row_region = indicator_row_region,
    may = may_write_office_ledger,
    forbidden = "只有本级或上级美镇办可以设定指标",
    duplicate = "本地区已有相同代码的指标",
    label = indicator_label,
);

ledger_service!(
    entity = "indicator_value",
    what = "指标数值",
    input = IndicatorValueInput,
    row = IndicatorValueRow,
    filter = IndicatorValueFilter,
    fns = (
        list_indicator_values,
        indicator_value,
        create_indicator_value,
        update_indicator_value,
        delete_indicator_value
    ),
    repo = (
        repo::indicator_values,
        repo::indicator_value,
        repo::insert_indicator_value,
        repo::update_indicator_value,
        repo::delete_indicator_value
    ),
    prepare = prepare_value,
    region = value_region,
    row_region = value_row_region,
    may = may_write_indicator_values,
    forbidden = "只有本乡镇工作人员或上级美镇办可以填报指标数值",
    duplicate = "该乡镇该期的指标数值已填报",
    label = value_label,
);
