//! The columns of a project ledger and how their headers are recognised.

use std::fmt;

use super::normalize::{half_width_char, is_invisible};

/// A column of a project ledger that the reader recognises.
///
/// Headers are matched after normalising full-width forms, whitespace
/// (including line breaks inside the cell), bracket styles and `*` marks, so
/// `"项 目 名 称"`, `"项目名称\n"` and `"*项目名称"` are all [`Field::Name`].
/// In a two-row header the upper (group) text is part of the match, e.g.
/// `投资情况（万元）/ 2020年计划` is [`Field::YearPlan`] and `实际 / 开工时间`
/// is [`Field::ActualStart`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// 序号
    Seq,
    /// 县市区 / 县（市、区）
    County,
    /// 乡镇 / 乡镇（街道）/ 所属乡镇 / 镇街 / 城镇名称
    Town,
    /// 项目编号 / 项目代码
    Code,
    /// 项目名称
    Name,
    /// 五美类别 / 类别 / 所属类别
    Pillar,
    /// 十个一
    BasicFacility,
    /// 是否重点 / 重点项目
    Key,
    /// 建设内容 / 建设内容及规模
    Content,
    /// 业主单位 / 实施主体 / 责任单位
    Owner,
    /// 责任人 / 联系人
    Person,
    /// 总投资 / 计划总投资 (money)
    TotalInvestment,
    /// 年度计划投资 / 2020年计划投资 / 当年计划投资 (money)
    YearPlan,
    /// 累计完成投资 / 1-X月完成投资 / 已完成投资 (money)
    Completed,
    /// 本月完成投资 / 当月完成 (money)
    MonthCompleted,
    /// 资金来源
    Funding,
    /// 计划开工时间 / 开工时间
    PlannedStart,
    /// 计划完工时间 / 竣工时间
    PlannedFinish,
    /// 实际开工时间
    ActualStart,
    /// 实际完工时间 / 实际竣工时间
    ActualFinish,
    /// 项目状态 / 进展状态 / 建设状态
    Status,
    /// 形象进度 / 工程进度 / 进展情况
    Progress,
    /// 形象进度（%）/ 完成比例
    ProgressPct,
    /// 征地（亩）
    LandAcquired,
    /// 流转（亩）
    LandTransferred,
    /// 迁坟（穴）
    GravesMoved,
    /// 搬迁（户）
    HouseholdsRelocated,
    /// 存在问题 / 问题及建议
    Problems,
    /// 备注
    Remarks,
}

impl Field {
    /// Every field, in declaration order.
    pub const ALL: [Field; 29] = [
        Field::Seq,
        Field::County,
        Field::Town,
        Field::Code,
        Field::Name,
        Field::Pillar,
        Field::BasicFacility,
        Field::Key,
        Field::Content,
        Field::Owner,
        Field::Person,
        Field::TotalInvestment,
        Field::YearPlan,
        Field::Completed,
        Field::MonthCompleted,
        Field::Funding,
        Field::PlannedStart,
        Field::PlannedFinish,
        Field::ActualStart,
        Field::ActualFinish,
        Field::Status,
        Field::Progress,
        Field::ProgressPct,
        Field::LandAcquired,
        Field::LandTransferred,
        Field::GravesMoved,
        Field::HouseholdsRelocated,
        Field::Problems,
        Field::Remarks,
    ];

    /// The usual Chinese column name, e.g. `"项目名称"`.
    pub fn label(self) -> &'static str {
        match self {
            Field::Seq => "序号",
            Field::County => "县（市、区）",
            Field::Town => "乡镇（街道）",
            Field::Code => "项目编号",
            Field::Name => "项目名称",
            Field::Pillar => "五美类别",
            Field::BasicFacility => "十个一",
            Field::Key => "是否重点",
            Field::Content => "建设内容",
            Field::Owner => "业主单位",
            Field::Person => "责任人",
            Field::TotalInvestment => "总投资",
            Field::YearPlan => "年度计划投资",
            Field::Completed => "累计完成投资",
            Field::MonthCompleted => "本月完成投资",
            Field::Funding => "资金来源",
            Field::PlannedStart => "计划开工时间",
            Field::PlannedFinish => "计划完工时间",
            Field::ActualStart => "实际开工时间",
            Field::ActualFinish => "实际完工时间",
            Field::Status => "项目状态",
            Field::Progress => "形象进度",
            Field::ProgressPct => "形象进度（%）",
            Field::LandAcquired => "征地（亩）",
            Field::LandTransferred => "流转（亩）",
            Field::GravesMoved => "迁坟（穴）",
            Field::HouseholdsRelocated => "搬迁（户）",
            Field::Problems => "存在问题",
            Field::Remarks => "备注",
        }
    }

    /// Whether the column holds money, so that a [`MoneyUnit`](super::MoneyUnit)
    /// is detected for it.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Field::TotalInvestment | Field::YearPlan | Field::Completed | Field::MonthCompleted
        )
    }

    /// The field a header names, if any. `header` is the header text as it
    /// stands in the sheet; for a two-row header pass the upper and lower
    /// texts joined (`"投资情况（万元）总投资"`).
    ///
    /// ```
    /// use meizhen_documents::ledger::Field;
    /// assert_eq!(Field::from_header("乡镇\n（街道）"), Some(Field::Town));
    /// assert_eq!(Field::from_header("１－９月完成投资（万元）"), Some(Field::Completed));
    /// assert_eq!(Field::from_header("联系电话"), None);
    /// ```
    pub fn from_header(header: &str) -> Option<Field> {
        let key = header_key(header);
        classify(&key, &strip_brackets(&key))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Header text reduced for matching: half-width, no whitespace, one bracket
/// style `()`, one dash `-`, without `*`/`★`/`※` marks, ASCII lower case.
pub(crate) fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .map(half_width_char)
        .filter_map(|c| match c {
            '*' | '★' | '☆' | '※' => None,
            '[' | '{' | '【' | '〔' | '〖' | '「' | '『' => Some('('),
            ']' | '}' | '】' | '〕' | '〗' | '」' | '』' => Some(')'),
            '—' | '–' | '―' | '~' | '〜' => Some('-'),
            _ => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// `key` without its bracketed parts: `"县(市、区)"` → `"县"`,
/// `"总投资(万元)"` → `"总投资"`. An unclosed bracket runs to the end.
pub(crate) fn strip_brackets(key: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn any(s: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| s.contains(n))
}

/// The matching rules, most specific first. `key` is [`header_key`], `bare`
/// is `key` without bracketed parts (units, `%`).
fn classify(key: &str, bare: &str) -> Option<Field> {
    if bare.is_empty() {
        return None;
    }
    let percent = key.contains('%') || any(bare, &["百分比", "比例", "比率", "完成率"]);

    if bare.starts_with("序号") || matches!(bare, "序" | "no" | "no.") {
        return Some(Field::Seq);
    }
    // 政策处理: checked early so that a group such as "政策处理进度" does not
    // turn its sub-columns into progress columns.
    if bare.contains("征地") || bare.contains("征收土地") {
        return Some(Field::LandAcquired);
    }
    if bare.contains("流转") {
        return Some(Field::LandTransferred);
    }
    if bare.contains("迁坟") || bare.contains("坟墓") {
        return Some(Field::GravesMoved);
    }
    if bare.contains("搬迁") || bare.contains("拆迁") {
        return Some(Field::HouseholdsRelocated);
    }
    if bare.contains("投资") && percent {
        // 投资完成率（%）: a ratio, neither money nor 形象进度.
        return None;
    }
    if percent && any(bare, &["进度", "完成", "进展"]) {
        return Some(Field::ProgressPct);
    }
    if any(bare, &["本月", "当月"])
        && any(bare, &["完成", "投资"])
        && !any(bare, &["计划", "进度", "进展"])
    {
        return Some(Field::MonthCompleted);
    }
    if (bare.contains("完成") && bare.contains("投资")) || any(bare, &["累计完成", "完成额"])
    {
        return Some(Field::Completed);
    }
    if (bare.contains("计划")
        && bare.contains("投资")
        && bare.contains('年')
        && !bare.contains("总投资"))
        || any(bare, &["年度计划", "年计划"])
    {
        return Some(Field::YearPlan);
    }
    if any(bare, &["总投资", "投资总额"]) || matches!(bare, "计划投资" | "投资" | "投资额")
    {
        return Some(Field::TotalInvestment);
    }
    if any(bare, &["资金来源", "资金筹措", "资金渠道", "筹资方式"]) {
        return Some(Field::Funding);
    }
    if !any(bare, &["是否", "进度", "进展", "开竣工", "起止"]) {
        let start = bare.contains("开工");
        let finish = any(bare, &["完工", "竣工", "建成", "完成时间", "完成日期"]);
        let actual = bare.contains("实际");
        match (start, finish, actual) {
            (true, false, false) => return Some(Field::PlannedStart),
            (true, false, true) => return Some(Field::ActualStart),
            (false, true, false) => return Some(Field::PlannedFinish),
            (false, true, true) => return Some(Field::ActualFinish),
            _ => {}
        }
    }
    if bare.contains("状态") || matches!(bare, "建设阶段" | "项目阶段" | "进展阶段") {
        return Some(Field::Status);
    }
    if any(bare, &["进度", "进展", "推进情况"]) || bare == "完成情况" {
        return Some(Field::Progress);
    }
    if any(bare, &["问题", "困难", "建议"]) {
        return Some(Field::Problems);
    }
    if bare.contains("备注") {
        return Some(Field::Remarks);
    }
    if any(bare, &["责任人", "联系人", "负责人"]) {
        return Some(Field::Person);
    }
    if any(
        bare,
        &[
            "业主",
            "实施主体",
            "责任主体",
            "责任单位",
            "建设单位",
            "实施单位",
            "牵头单位",
            "项目单位",
            "主体单位",
        ],
    ) {
        return Some(Field::Owner);
    }
    if bare.contains("十个一") {
        return Some(Field::BasicFacility);
    }
    if bare.contains("五美")
        || matches!(
            bare,
            "类别"
                | "所属类别"
                | "项目类别"
                | "类型"
                | "项目类型"
                | "分类"
                | "项目分类"
                | "所属类型"
        )
    {
        return Some(Field::Pillar);
    }
    if bare.contains("重点") {
        return Some(Field::Key);
    }
    if any(
        bare,
        &["建设内容", "建设规模", "主要内容", "项目内容", "工程内容"],
    ) {
        return Some(Field::Content);
    }
    if any(bare, &["编号", "代码", "编码", "赋码"]) {
        return Some(Field::Code);
    }
    if any(bare, &["县市区", "县(市", "区县", "县区", "县市"])
        || key.contains("县(市")
        || matches!(bare, "县" | "所属县" | "所在县" | "县别")
    {
        return Some(Field::County);
    }
    if any(bare, &["乡镇", "镇街", "街道"])
        || matches!(
            bare,
            "镇" | "所属镇"
                | "所在镇"
                | "镇名"
                | "城镇"
                | "城镇名称"
                | "所在城镇"
                | "所属城镇"
                | "美丽城镇"
                | "美丽城镇名称"
        )
    {
        return Some(Field::Town);
    }
    if bare.contains("项目名") || matches!(bare, "名称" | "项目" | "工程名称" | "建设项目")
    {
        return Some(Field::Name);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Option<Field> {
        Field::from_header(s)
    }

    #[test]
    fn brief_names() {
        let cases: &[(&str, Field)] = &[
            ("序号", Field::Seq),
            ("县市区", Field::County),
            ("县（市、区）", Field::County),
            ("乡镇", Field::Town),
            ("乡镇（街道）", Field::Town),
            ("所属乡镇", Field::Town),
            ("镇街", Field::Town),
            ("项目编号", Field::Code),
            ("项目代码", Field::Code),
            ("项目名称", Field::Name),
            ("五美类别", Field::Pillar),
            ("类别", Field::Pillar),
            ("所属类别", Field::Pillar),
            ("十个一", Field::BasicFacility),
            ("是否重点", Field::Key),
            ("重点项目", Field::Key),
            ("建设内容", Field::Content),
            ("建设内容及规模", Field::Content),
            ("业主单位", Field::Owner),
            ("实施主体", Field::Owner),
            ("责任单位", Field::Owner),
            ("责任人", Field::Person),
            ("联系人", Field::Person),
            ("总投资", Field::TotalInvestment),
            ("计划总投资", Field::TotalInvestment),
            ("年度计划投资", Field::YearPlan),
            ("2020年计划投资", Field::YearPlan),
            ("当年计划投资", Field::YearPlan),
            ("累计完成投资", Field::Completed),
            ("1-X月完成投资", Field::Completed),
            ("1-9月完成投资", Field::Completed),
            ("已完成投资", Field::Completed),
            ("本月完成投资", Field::MonthCompleted),
            ("当月完成", Field::MonthCompleted),
            ("资金来源", Field::Funding),
            ("计划开工时间", Field::PlannedStart),
            ("开工时间", Field::PlannedStart),
            ("计划完工时间", Field::PlannedFinish),
            ("竣工时间", Field::PlannedFinish),
            ("实际开工时间", Field::ActualStart),
            ("实际完工时间", Field::ActualFinish),
            ("实际竣工时间", Field::ActualFinish),
            ("项目状态", Field::Status),
            ("进展状态", Field::Status),
            ("建设状态", Field::Status),
            ("形象进度", Field::Progress),
            ("工程进度", Field::Progress),
            ("进展情况", Field::Progress),
            ("形象进度（%）", Field::ProgressPct),
            ("完成比例", Field::ProgressPct),
            ("征地（亩）", Field::LandAcquired),
            ("流转（亩）", Field::LandTransferred),
            ("迁坟（穴）", Field::GravesMoved),
            ("搬迁（户）", Field::HouseholdsRelocated),
            ("存在问题", Field::Problems),
            ("问题及建议", Field::Problems),
            ("备注", Field::Remarks),
        ];
        for (header, field) in cases {
            assert_eq!(f(header), Some(*field), "{header}");
        }
    }

    #[test]
    fn messy_spellings() {
        assert_eq!(f("项 目 名 称"), Some(Field::Name));
        assert_eq!(f("*项目名称"), Some(Field::Name));
        assert_eq!(f("项目\n名称"), Some(Field::Name));
        assert_eq!(f("乡镇\r\n（街道）"), Some(Field::Town));
        assert_eq!(f("县(市、区)"), Some(Field::County));
        assert_eq!(f("县【市、区】"), Some(Field::County));
        assert_eq!(f("计划总投资\n（万元）"), Some(Field::TotalInvestment));
        assert_eq!(f("１－１０月完成投资（万元）"), Some(Field::Completed));
        assert_eq!(f("形象进度(％)"), Some(Field::ProgressPct));
        assert_eq!(f("ＮＯ．"), Some(Field::Seq));
        assert_eq!(f("城镇名称"), Some(Field::Town));
        assert_eq!(f("责任人及联系电话"), Some(Field::Person));
    }

    #[test]
    fn group_plus_sub_header() {
        assert_eq!(f("投资情况（万元）总投资"), Some(Field::TotalInvestment));
        assert_eq!(f("投资情况（万元）2020年计划投资"), Some(Field::YearPlan));
        assert_eq!(f("投资情况（万元）1-9月完成投资"), Some(Field::Completed));
        assert_eq!(f("投资完成情况本月"), Some(Field::MonthCompleted));
        assert_eq!(f("投资完成情况累计"), Some(Field::Completed));
        assert_eq!(f("2020年投资计划总投资"), Some(Field::TotalInvestment));
        assert_eq!(f("2020年投资计划年度计划"), Some(Field::YearPlan));
        assert_eq!(f("政策处理征地（亩）"), Some(Field::LandAcquired));
        assert_eq!(
            f("政策处理进度搬迁（户）"),
            Some(Field::HouseholdsRelocated)
        );
        assert_eq!(f("实际开工时间"), Some(Field::ActualStart));
        assert_eq!(f("实际竣工"), Some(Field::ActualFinish));
        assert_eq!(f("计划开工"), Some(Field::PlannedStart));
        assert_eq!(f("责任主体责任人"), Some(Field::Person));
        assert_eq!(f("责任主体责任单位"), Some(Field::Owner));
        assert_eq!(f("项目进展情况完成比例（%）"), Some(Field::ProgressPct));
    }

    #[test]
    fn not_columns() {
        for header in [
            "",
            "联系电话",
            "投资完成率（%）",
            "城镇类型",
            "台州市2020年美丽城镇建设项目汇总表",
            "填报单位：xx县美镇办  单位：万元",
            "开竣工时间",
            "是否开工",
        ] {
            assert_eq!(f(header), None, "{header}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(header_key("【项目　名称】*"), "(项目名称)");
        assert_eq!(strip_brackets("县(市、区)"), "县");
        assert_eq!(strip_brackets("总投资(万元"), "总投资");
        assert_eq!(strip_brackets("a)b(c)d"), "abd");
    }
}
