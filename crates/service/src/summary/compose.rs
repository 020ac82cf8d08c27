//! Writing the draft from the facts, in the genre of the offices' own
//! summaries: a title, an opening with the headline figures, 取得的成绩,
//! 主要工作举措 (by mechanism, as 台州 writes, or by the 五美, as 竹里
//! writes), 存在问题 computed from the data, and 下一步工作 drawn from the
//! problems. Every number in a paragraph is a cited [`Figure`] (`{{key}}`)
//! with a link to the list it came from; a module without records gives
//! figures without a value, shown as missing rather than as 0 or a blank.

use super::facts::{Facts, IndicatorLine, KeyCount, LagLine};
use crate::{Result, ServiceError};
use meizhen_documents::summary::{
    summary_docx, SummaryBlock, SummaryDocument, SummarySection, SummaryTableDoc,
};
use meizhen_documents::BarChart;
use meizhen_domain::money::Fen;
use meizhen_domain::project::Pillar;
use meizhen_domain::summary::{
    approx_count, day_range_zh, milli_zh, money_zh, ordinal_zh, percent_zh, subheading, yi_number,
    yoy_zh, ChartKind, ChartSeries, Draft, Figure, Layout, Section, SummaryChart, SummaryTable,
};
use meizhen_domain::Level;
use std::collections::BTreeMap;

/// How many names a problem sentence lists before "等N个".
const NAMES_SHOWN: usize = 5;

/// Figures under construction, with the region's list links.
struct Figs {
    map: BTreeMap<String, Figure>,
    code: String,
    year: i32,
}

impl Figs {
    fn put(&mut self, f: Figure) -> String {
        let key = format!("{{{{{}}}}}", f.key);
        self.map.insert(f.key.clone(), f);
        key
    }

    /// A count with its unit ("2086个"); missing when `n` is `None`.
    fn count(
        &mut self,
        key: &str,
        label: &str,
        n: Option<i64>,
        unit: &str,
        source: String,
    ) -> String {
        self.put(match n {
            Some(n) => Figure::new(key, label, format!("{n}{unit}"), Some(n), Some(source)),
            None => Figure::missing(key, label, Some(source)),
        })
    }

    /// A tally written the genre's way ("400余篇").
    fn approx(
        &mut self,
        key: &str,
        label: &str,
        n: Option<i64>,
        unit: &str,
        source: String,
    ) -> String {
        self.put(match n {
            Some(n) => Figure::new(
                key,
                label,
                format!("{}{unit}", approx_count(n)),
                Some(n),
                Some(source),
            ),
            None => Figure::missing(key, label, Some(source)),
        })
    }

    fn money(&mut self, key: &str, label: &str, fen: Option<i64>, source: String) -> String {
        self.put(match fen {
            Some(v) => Figure::new(key, label, money_zh(Fen::new(v)), Some(v), Some(source)),
            None => Figure::missing(key, label, Some(source)),
        })
    }

    /// A rate; `raw` in basis points (1/10000).
    fn percent(&mut self, key: &str, label: &str, rate: Option<f64>, source: String) -> String {
        self.put(match percent_zh(rate) {
            Some(v) => Figure::new(
                key,
                label,
                v,
                rate.map(|r| (r * 10_000.0).round() as i64),
                Some(source),
            ),
            None => Figure::missing(key, label, Some(source)),
        })
    }

    fn text(&mut self, key: &str, label: &str, value: String, source: String) -> String {
        self.put(Figure::new(key, label, value, None, Some(source)))
    }

    fn projects(&self, extra: &str) -> String {
        format!("/projects?region={}&year={}{extra}", self.code, self.year)
    }
    fn progress(&self, as_of: &str) -> String {
        format!("/progress/{}?month={as_of}", self.code)
    }
    fn ledger(&self, list: &str, extra: &str) -> String {
        format!(
            "/ledgers/{list}?region={}&year={}{extra}",
            self.code, self.year
        )
    }
}

/// "全市", "全县", "全区", "全省", "全镇" from the region's name and level.
fn whole(f: &Facts) -> String {
    let name = f.region_name.as_str();
    let word = match f.level {
        Level::Province => "省",
        Level::City => "市",
        _ if name.ends_with("街道") => "街道",
        _ => name
            .chars()
            .last()
            .filter(|c| matches!(c, '市' | '县' | '区' | '镇' | '乡'))
            .map(|c| match c {
                '市' => "市",
                '县' => "县",
                '区' => "区",
                '镇' => "镇",
                _ => "乡",
            })
            .unwrap_or("域"),
    };
    format!("全{word}")
}

/// What the regions one level below are called in tables.
fn child_word(level: Level) -> &'static str {
    match level {
        Level::Province => "设区市",
        Level::City => "县（市、区）",
        _ => "乡镇（街道）",
    }
}

/// "A、B、C等N个" (or "A、B" when all are named).
fn names_list(names: &[String], unit: &str) -> String {
    let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(String::as_str).collect();
    if names.len() > NAMES_SHOWN {
        format!("{}等{}{unit}", shown.join("、"), names.len())
    } else {
        shown.join("、")
    }
}

fn counts_phrase(items: &[KeyCount], unit: &str) -> String {
    let mut items: Vec<&KeyCount> = items.iter().collect();
    // Largest first, as a reader expects a breakdown.
    items.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.key.cmp(&b.key)));
    items
        .into_iter()
        .filter(|k| k.n > 0)
        .map(|k| format!("{}{}{unit}", k.label, k.n))
        .collect::<Vec<_>>()
        .join("、")
}

/// Percentage points between two rates, one decimal: "12.5".
fn points(reference: Option<f64>, rate: Option<f64>) -> String {
    let gap = (reference.unwrap_or(0.0) - rate.unwrap_or(0.0)) * 100.0;
    let s = format!("{:.1}", (gap * 10.0).round() / 10.0);
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// Which 五美 category a town indicator illustrates (by its code).
fn pillar_of(code: &str) -> Option<Pillar> {
    let c = code.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
    if has(&["sewage", "garbage", "waste", "courtyard", "green", "river"]) {
        Some(Pillar::Environment)
    } else if has(&[
        "dilapidated",
        "house",
        "farmhouse",
        "water_supply",
        "elderly",
    ]) {
        Some(Pillar::Life)
    } else if has(&["industr", "output", "invest", "enterprise"]) {
        Some(Pillar::Industry)
    } else if has(&["culture", "hall", "heritage"]) {
        Some(Pillar::Culture)
    } else if has(&["petition", "grid", "governance", "safety"]) {
        Some(Pillar::Governance)
    } else {
        None
    }
}

fn indicator_value(i: &IndicatorLine, v: i64) -> String {
    format!("{}{}", milli_zh(v), i.unit)
}

/// The sentence of one indicator: "新建美丽庭院12,345户，同比增长12.3%".
fn indicator_sentence(figs: &mut Figs, i: &IndicatorLine, period_id: &str) -> String {
    let src = format!(
        "/ledgers/indicator-values?region={}&indicator={}&period={period_id}",
        figs.code, i.id
    );
    let key = format!("ind_{}", i.code);
    let value = i.value_milli.map(|v| indicator_value(i, v));
    let cited = figs.put(match value {
        Some(v) => Figure::new(&key, &i.name, v, i.value_milli, Some(src.clone())),
        None => Figure::missing(&key, &i.name, Some(src.clone())),
    });
    let mut s = format!("{}{cited}", i.name);
    if let (Some(v), Some(p)) = (i.value_milli, i.previous_milli) {
        if let Some(y) = yoy_zh(v, Some(p)) {
            let yk = figs.text(
                &format!("ind_{}_yoy", i.code),
                &format!("{}同比", i.name),
                y,
                src,
            );
            s.push('，');
            s.push_str(&yk);
        }
    }
    s
}

/// The draft of a summary from its facts.
pub(super) fn draft(f: &Facts, layout: Layout, now: i64) -> Draft {
    let mut figs = Figs {
        map: BTreeMap::new(),
        code: f.region_code.clone(),
        year: f.period.year,
    };
    let all = whole(f);
    let plabel = f.period.label();
    let p = &f.projects.current;
    let has_projects = p.projects > 0;
    let n = |v: i64| has_projects.then_some(v);
    let as_of_label = {
        let m = f
            .as_of
            .get(5..)
            .and_then(|m| m.parse::<u32>().ok())
            .unwrap_or(12);
        format!("{}年{m}月底", f.period.year)
    };

    // Project figures, shared by several sections.
    let k_projects = figs.count(
        "projects",
        "建设项目数",
        n(p.projects),
        "个",
        figs.projects(""),
    );
    let k_started = figs.count(
        "started",
        "已开工项目数",
        n(p.started),
        "个",
        figs.projects("&status=in_progress"),
    );
    let k_start_rate = figs.percent(
        "start_rate",
        "开工率",
        p.start_rate,
        figs.progress(&f.as_of),
    );
    let k_completed = figs.count(
        "completed",
        "已完工项目数",
        n(p.completed),
        "个",
        figs.projects("&status=completed"),
    );
    let k_total_inv = figs.money(
        "total_investment",
        "计划总投资",
        n(p.total_investment_fen),
        figs.projects(""),
    );
    let k_planned = figs.money(
        "planned_investment",
        "年度计划投资",
        n(p.planned_investment_fen),
        figs.progress(&f.as_of),
    );
    let k_done = figs.money(
        "completed_investment",
        "完成投资额",
        n(p.completed_investment_fen),
        figs.progress(&f.as_of),
    );
    let k_inv_rate = figs.percent(
        "investment_rate",
        "投资完成率",
        p.investment_completion_rate,
        figs.progress(&f.as_of),
    );
    let inv_yoy = f.projects.previous.as_ref().and_then(|prev| {
        yoy_zh(
            p.completed_investment_fen,
            Some(prev.completed_investment_fen),
        )
        .map(|y| {
            figs.text(
                "completed_investment_yoy",
                "完成投资同比",
                y,
                figs.progress(&f.as_of),
            )
        })
    });

    let enrolled = f.enrollment.model + f.enrollment.standard;
    let en = (enrolled > 0).then_some(());
    let en_src = format!("/regions/{}", f.region_code);
    let k_enrolled = figs.count(
        "enrolled",
        "创建乡镇数",
        en.map(|_| enrolled),
        "个",
        en_src.clone(),
    );
    let k_model = figs.count(
        "model_towns",
        "样板创建乡镇数",
        en.map(|_| f.enrollment.model),
        "个",
        en_src.clone(),
    );
    let k_standard = figs.count(
        "standard_towns",
        "达标创建乡镇数",
        en.map(|_| f.enrollment.standard),
        "个",
        en_src,
    );

    let pub_ = &f.publicity;
    let has_pub = (pub_.total > 0).then_some(());
    let k_media_high = figs.approx(
        "media_high",
        "省级及以上媒体报道",
        has_pub.map(|_| pub_.provincial_and_above),
        "篇",
        figs.ledger("media-reports", "&level=central,provincial"),
    );
    let k_media_local = figs.approx(
        "media_local",
        "市县两级主流媒体、新媒体报道",
        has_pub.map(|_| pub_.local),
        "篇",
        figs.ledger("media-reports", "&level=city,county,new_media"),
    );
    let k_media_total = figs.count(
        "media_total",
        "宣传报道总数",
        has_pub.map(|_| pub_.total),
        "篇",
        figs.ledger("media-reports", ""),
    );
    let media_yoy = (pub_.total > 0)
        .then(|| yoy_zh(pub_.total, Some(pub_.previous_total)))
        .flatten()
        .map(|y| {
            figs.text(
                "media_yoy",
                "宣传报道同比",
                y,
                figs.ledger("media-reports", ""),
            )
        });

    let ex = &f.experts;
    let has_ex = (ex.services + ex.pairings > 0).then_some(());
    let k_experts = figs.count(
        "experts",
        "参与服务的专家",
        has_ex.map(|_| ex.experts),
        "名",
        figs.ledger("experts", ""),
    );
    let k_paired = figs.count(
        "paired_towns",
        "结对乡镇",
        has_ex.map(|_| ex.paired_towns),
        "个",
        figs.ledger("expert-pairings", ""),
    );
    let k_services = figs.count(
        "services",
        "专家服务",
        (ex.services > 0).then_some(ex.services),
        "次",
        figs.ledger("expert-services", ""),
    );
    let k_given = figs.count(
        "opinions_given",
        "提出意见建议",
        (ex.services > 0).then_some(ex.opinions_given),
        "条",
        figs.ledger("expert-services", ""),
    );
    let k_adopted = figs.count(
        "opinions_adopted",
        "被采纳意见建议",
        (ex.services > 0).then_some(ex.opinions_adopted),
        "条",
        figs.ledger("expert-services", ""),
    );
    let adoption =
        (ex.opinions_given > 0).then(|| ex.opinions_adopted as f64 / ex.opinions_given as f64);
    let k_adoption = figs.percent(
        "adoption_rate",
        "意见采纳率",
        adoption,
        figs.ledger("expert-services", ""),
    );

    let ins = &f.inspections;
    let has_ins = (ins.inspections > 0).then_some(());
    let rounds_src = format!("/rounds?year={}", f.period.year);
    let rect_src = format!("/rectifications?region={}", f.region_code);
    let k_rounds = figs.count(
        "inspection_rounds",
        "暗访督查轮次",
        has_ins.map(|_| ins.rounds),
        "轮",
        rounds_src.clone(),
    );
    let k_inspections = figs.count(
        "inspections",
        "暗访乡镇（次）",
        has_ins.map(|_| ins.inspections),
        "个（次）",
        rounds_src.clone(),
    );
    let k_score = figs.put(match ins.average_score {
        Some(s) => Figure::new(
            "inspection_score",
            "暗访平均得分",
            format!("{}分", milli_zh(s * 10)),
            Some(s),
            Some(rounds_src.clone()),
        ),
        None => Figure::missing("inspection_score", "暗访平均得分", Some(rounds_src.clone())),
    });
    let k_findings = figs.count(
        "findings",
        "发现问题",
        has_ins.map(|_| ins.findings),
        "个",
        rect_src.clone(),
    );
    let has_rect = (ins.rect.total > 0).then_some(());
    let k_rect_closed = figs.count(
        "rect_closed",
        "已整改问题",
        has_rect.map(|_| ins.rect.closed),
        "个",
        rect_src.clone(),
    );
    let k_rect_rate = figs.percent("rect_rate", "整改率", ins.rect.rate, rect_src.clone());
    let k_overdue = figs.count(
        "rect_overdue",
        "超期未整改问题",
        has_rect.map(|_| ins.rect.overdue),
        "个",
        format!("{rect_src}&state=overdue"),
    );

    let mt = &f.meetings;
    let has_mt = (mt.total > 0).then_some(());
    let k_meetings = figs.count(
        "meetings",
        "召开会议",
        has_mt.map(|_| mt.total),
        "次",
        figs.ledger("meetings", ""),
    );

    let wt = &f.work_team;
    let has_wt = (wt.staff > 0).then_some(());
    let k_staff = figs.approx(
        "staff",
        "抽调工作人员",
        has_wt.map(|_| wt.staff),
        "人",
        figs.ledger("work-teams", ""),
    );
    let k_offices = figs.count(
        "staff_offices",
        "设立专班的美丽城镇办",
        has_wt.map(|_| wt.offices),
        "个",
        figs.ledger("work-teams", ""),
    );

    // ---------------------------------------------------------------- opening
    let mut opening = Section::new("opening", "");
    opening.paragraphs.push(format!(
        "{plabel}，{}认真贯彻落实省委、省政府关于新时代美丽城镇建设的决策部署，按照“全面启动，分步推进，样板引路，高质量美丽”的原则，以高质量推进城乡融合发展、加快推进乡村振兴为目标，全面推进美丽城镇建设各项工作。",
        f.region_name
    ));
    let mut head = format!(
        "截至{as_of_label}，{all}美丽城镇建设项目{k_projects}，已开工{k_started}，开工率{k_start_rate}；已完工{k_completed}；完成投资{k_done}，投资完成率{k_inv_rate}"
    );
    if let Some(y) = &inv_yoy {
        head.push_str(&format!("，{y}"));
    }
    head.push('。');
    if enrolled > 0 {
        head.push_str(&format!(
            "{}年{all}列入美丽城镇创建名单的乡镇（街道）{k_enrolled}，其中样板创建{k_model}、达标创建{k_standard}。",
            f.period.year
        ));
    }
    opening.paragraphs.push(head);

    // ----------------------------------------------------------- achievements
    let mut ach = Section::new("achievements", "取得的成绩");
    ach.paragraphs.push("## 项目建设加快推进".into());
    ach.paragraphs.push(format!(
        "{plabel}，{all}共谋划实施美丽城镇建设项目{k_projects}，计划总投资{k_total_inv}，年度计划投资{k_planned}。截至{as_of_label}，已开工{k_started}，开工率{k_start_rate}；已完工{k_completed}；完成投资{k_done}，投资完成率{k_inv_rate}{}。",
        inv_yoy.as_ref().map(|y| format!("，{y}")).unwrap_or_default()
    ));
    if !f.children.is_empty() {
        let top: Vec<String> = {
            let mut c: Vec<_> = f
                .children
                .iter()
                .filter(|c| c.investment_rank.is_some())
                .collect();
            c.sort_by_key(|c| (c.investment_rank, c.code.clone()));
            c.iter().take(3).map(|c| c.name.clone()).collect()
        };
        if !top.is_empty() {
            ach.paragraphs.push(format!(
                "从各{}看，投资完成率居前的是{}（详见表1）。",
                child_word(f.level),
                top.join("、")
            ));
        }
        ach.table = Some(children_table(f));
    }
    ach.chart = pillar_chart(f);
    ach.paragraphs.push("## 创建工作有序开展".into());
    ach.paragraphs.push(format!(
        "{}年{all}列入美丽城镇创建名单的乡镇（街道）{k_enrolled}，其中样板创建{k_model}、达标创建{k_standard}。各创建乡镇因镇施策、量体裁衣，落实“一镇一策一方案”。",
        f.period.year
    ));
    ach.paragraphs.push("## 督查整改成效明显".into());
    ach.paragraphs.push(format!(
        "{plabel}共开展暗访督查{k_rounds}，暗访乡镇{k_inspections}，平均得分{k_score}，发现问题{k_findings}，已整改{k_rect_closed}，整改率{k_rect_rate}。"
    ));
    ach.paragraphs.push("## 宣传氛围日益浓厚".into());
    ach.paragraphs.push(format!(
        "{plabel}，在省级及以上媒体报道{k_media_high}，市县两级主流媒体、新媒体报道{k_media_local}，合计{k_media_total}{}。",
        media_yoy.as_ref().map(|y| format!("，{y}")).unwrap_or_default()
    ));
    ach.paragraphs.push("## 专家服务落到实处".into());
    ach.paragraphs.push(format!(
        "{k_experts}专家与{k_paired}乡镇（街道）结对，{plabel}开展专家服务{k_services}，提出意见建议{k_given}，被采纳{k_adopted}，采纳率{k_adoption}。"
    ));
    ach.paragraphs.push("## 召开现场会、主任例会".into());
    for m in &mt.notable {
        let (Ok(start), end) = (
            chrono::NaiveDate::parse_from_str(&m.held_on, "%Y-%m-%d"),
            m.ends_on
                .as_deref()
                .and_then(|e| chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").ok()),
        ) else {
            continue;
        };
        let key = format!("meeting_{}", m.id);
        let when = figs.text(
            &key,
            &m.title,
            day_range_zh(start, end),
            figs.ledger("meetings", ""),
        );
        let place = if m.place.trim().is_empty() {
            String::new()
        } else {
            format!("在{}", m.place.trim())
        };
        ach.paragraphs
            .push(format!("{when}，{}{place}召开。", m.title.trim()));
    }
    let kinds = counts_phrase(&mt.by_kind, "次");
    ach.paragraphs.push(if kinds.is_empty() {
        format!("{plabel}共召开各类美丽城镇建设会议{k_meetings}。")
    } else {
        format!("{plabel}共召开各类美丽城镇建设会议{k_meetings}，其中{kinds}。")
    });
    let changed: Vec<&IndicatorLine> = f
        .indicators
        .iter()
        .filter(|i| i.value_milli.is_some())
        .collect();
    if !changed.is_empty() {
        ach.paragraphs.push("## 城镇面貌持续改善".into());
        let period_id = f.period.id();
        let parts: Vec<String> = changed
            .iter()
            .map(|i| indicator_sentence(&mut figs, i, &period_id))
            .collect();
        ach.paragraphs
            .push(format!("{plabel}，{all}{}。", parts.join("；")));
    }

    // --------------------------------------------------------------- measures
    let mut measures = Section::new("measures", "主要工作举措");
    match layout {
        Layout::Mechanism => {
            measures.paragraphs.push("## 设立工作专班".into());
            measures.paragraphs.push(format!(
                "组建美丽城镇建设工作领导小组，实行双组长制。{}{k_offices}美丽城镇办共抽调{k_staff}，全部实行集中办公、实体化运作。",
                match f.level {
                    Level::Province => "省、市、县三级",
                    Level::City => "市、县两级",
                    _ => "",
                }
            ));
            measures.paragraphs.push("## 开展服务指导".into());
            let types = counts_phrase(&ex.by_type, "次");
            measures.paragraphs.push(format!(
                "通过“结对帮扶”“三服务”等多种形式，进一步加强技术指导。建立“双师”服务台账，{k_experts}专家结对{k_paired}乡镇（街道），开展服务{k_services}{}，提出意见建议{k_given}，采纳{k_adopted}，把工作培训和业务指导落到实处。",
                if types.is_empty() { String::new() } else { format!("（其中{types}）") }
            ));
            measures.paragraphs.push("## 建立督查考核机制".into());
            measures.paragraphs.push(format!(
                "建立动态考核和暗访督查相结合机制，每季度通报排名。采用“三不”（不定时、不打招呼、不听汇报）、“两直”（直奔现场、直接检查）的方式开展暗访督查{k_rounds}，暗访乡镇{k_inspections}，平均得分{k_score}；发现问题{k_findings}，整改率{k_rect_rate}，进一步压实各地主体责任。"
            ));
            measures.paragraphs.push("## 建立健全项目推进机制".into());
            measures.paragraphs.push(format!(
                "以项目完成投资额进度为抓手，动态跟踪项目进度，每月图文并茂地展示项目进度，营造“项目建设比赶超”的浓厚氛围。{plabel}，开工建设项目{k_started}，开工率{k_start_rate}，完成项目{k_completed}，完成投资额{k_done}。"
            ));
            measures.paragraphs.push("## 立体宣传模式营造氛围".into());
            let media = counts_phrase(&pub_.by_medium, "篇");
            measures.paragraphs.push(format!(
                "通过传统媒体和新媒体的结合，系列化、持续化、常态化开展宣传报道，加快形成“广播有声、电视有影、报刊有文、网络有言、户外有势”的立体宣传模式。{plabel}，在省级及以上媒体报道{k_media_high}，市县两级主流媒体、新媒体报道{k_media_local}{}。",
                if media.is_empty() { String::new() } else { format!("（按媒体类型：{media}）") }
            ));
        }
        Layout::Wumei => {
            for (i, pl) in f.projects.by_pillar.iter().enumerate() {
                let Some(pillar) = Pillar::from_id(&pl.pillar) else {
                    continue;
                };
                let id = pillar.id();
                let src = figs.projects(&format!("&pillar={id}"));
                let has = (pl.projects > 0).then_some(());
                let kp = figs.count(
                    &format!("{id}_projects"),
                    &format!("{}项目数", pillar.label()),
                    has.map(|_| pl.projects),
                    "个",
                    src.clone(),
                );
                let kt = figs.money(
                    &format!("{id}_total"),
                    &format!("{}计划总投资", pillar.label()),
                    has.map(|_| pl.total_investment_fen),
                    src.clone(),
                );
                let kd = figs.money(
                    &format!("{id}_completed"),
                    &format!("{}完成投资", pillar.label()),
                    has.map(|_| pl.completed_investment_fen),
                    src.clone(),
                );
                let share = (p.completed_investment_fen > 0 && pl.projects > 0).then(|| {
                    pl.completed_investment_fen as f64 / p.completed_investment_fen as f64
                });
                let ks = figs.percent(
                    &format!("{id}_share"),
                    &format!("{}投资占比", pillar.label()),
                    share,
                    src,
                );
                measures.paragraphs.push(format!(
                    "## “美丽+{}”，{}",
                    &pillar.label()[..pillar.label().len() - "美".len()],
                    pillar.long_label()
                ));
                let mut text = format!(
                    "{plabel}，围绕“{}”实施项目{kp}，计划总投资{kt}，截至{as_of_label}完成投资{kd}，占全部完成投资的{ks}。",
                    pillar.long_label()
                );
                let related: Vec<&IndicatorLine> = f
                    .indicators
                    .iter()
                    .filter(|ind| ind.value_milli.is_some() && pillar_of(&ind.code) == Some(pillar))
                    .collect();
                if !related.is_empty() {
                    let period_id = f.period.id();
                    let parts: Vec<String> = related
                        .iter()
                        .map(|ind| indicator_sentence(&mut figs, ind, &period_id))
                        .collect();
                    text.push_str(&format!("{}。", parts.join("；")));
                }
                if i == 0 {
                    text.push_str(&format!(
                        "暗访督查发现问题{k_findings}，整改率{k_rect_rate}，城镇环境面貌持续改善。"
                    ));
                }
                if pillar == Pillar::Culture {
                    text.push_str(&format!("在省级及以上媒体报道{k_media_high}，市县两级主流媒体、新媒体报道{k_media_local}。"));
                }
                if pillar == Pillar::Governance {
                    text.push_str(&format!("{k_experts}专家结对指导，开展服务{k_services}，采纳意见建议{k_adopted}；美丽城镇办抽调{k_staff}实体化运作。"));
                }
                measures.paragraphs.push(text);
            }
        }
    }

    // --------------------------------------------------------------- problems
    let pr = &f.problems;
    let mut problems = Section::new("problems", "存在问题");
    let mut suggestions: Vec<String> = Vec::new();
    let lag_text = |lines: &[LagLine], what: &str| -> String {
        let names: Vec<String> = lines
            .iter()
            .map(|l| {
                format!(
                    "{}（{}，低于{}{}个百分点）",
                    l.name,
                    percent_zh(l.rate).unwrap_or_default(),
                    l.reference_name,
                    points(l.reference, l.rate)
                )
            })
            .collect();
        format!(
            "部分乡镇（街道）{what}明显滞后，{}的{what}低于所在地区平均水平10个百分点以上",
            names_list(&names, "个乡镇（街道）")
        )
    };
    if !pr.lagging_start.is_empty() {
        let k = figs.count(
            "lag_start",
            "开工滞后乡镇",
            Some(pr.lagging_start.len() as i64),
            "个",
            figs.progress(&f.as_of),
        );
        problems.paragraphs.push(format!(
            "一是项目开工不平衡。{}，共涉及{k}乡镇（街道）。",
            lag_text(&pr.lagging_start, "开工率")
        ));
        suggestions.push(format!(
            "加快滞后项目推进。对开工率低于所在地区平均水平的{}实行清单化管理，逐月通报、挂图作战，确保项目按期开工。",
            names_list(&pr.lagging_start.iter().map(|l| l.name.clone()).collect::<Vec<_>>(), "个乡镇（街道）")
        ));
    }
    if !pr.lagging_investment.is_empty() {
        let k = figs.count(
            "lag_investment",
            "投资滞后乡镇",
            Some(pr.lagging_investment.len() as i64),
            "个",
            figs.progress(&f.as_of),
        );
        problems.paragraphs.push(format!(
            "{}投资进度不均衡。{}，共涉及{k}乡镇（街道）。",
            ordinal_word(problems.paragraphs.len()),
            lag_text(&pr.lagging_investment, "投资完成率")
        ));
        suggestions.push("强化要素保障。对投资完成率偏低的乡镇（街道）逐个分析资金、用地、政策处理等制约因素，落实专人跟踪，推动投资进度与项目形象进度同步。".into());
    }
    if pr.overdue_rectifications > 0 {
        let towns: Vec<String> = pr
            .overdue_towns
            .iter()
            .map(|t| format!("{}（{}个）", t.name, t.overdue))
            .collect();
        problems.paragraphs.push(format!(
            "{}问题整改不够及时。暗访督查发现的问题中尚有{k_overdue}超过整改期限未完成整改，主要集中在{}。",
            ordinal_word(problems.paragraphs.len()),
            names_list(&towns, "个乡镇（街道）")
        ));
        suggestions.push(format!("抓好问题整改闭环。对超期未整改的{k_overdue}问题逐一督办、限期销号，整改情况纳入季度考核。"));
    }
    if !pr.late_reports.is_empty() {
        let k = figs.count(
            "late_reports",
            "未按时报送月报的乡镇",
            Some(pr.late_reports.len() as i64),
            "个",
            figs.progress(&f.as_of),
        );
        let names: Vec<String> = pr
            .late_reports
            .iter()
            .map(|l| format!("{}（应报{}个、已报{}个）", l.name, l.expected, l.submitted))
            .collect();
        problems.paragraphs.push(format!(
            "{}项目进度填报不够及时。{as_of_label}有{k}未报齐全部项目月报，如{}。",
            ordinal_word(problems.paragraphs.len()),
            names_list(&names, "个")
        ));
        suggestions.push("规范信息报送。严格执行项目月报制度，按时、如实填报项目进度和投资完成情况，确保数据真实可追溯。".into());
    }
    if !pr.indicators_below.is_empty() {
        let parts: Vec<String> = pr
            .indicators_below
            .iter()
            .map(|i| {
                let names: Vec<String> = i.towns_below.iter().map(|t| t.name.clone()).collect();
                format!(
                    "{}有{}个乡镇（街道）未达到目标值{}（{}）",
                    i.name,
                    i.towns_below.len(),
                    i.target_milli
                        .map(|t| indicator_value(i, t))
                        .unwrap_or_default(),
                    names_list(&names, "个")
                )
            })
            .collect();
        let k = figs.count(
            "indicators_below",
            "未达目标的指标",
            Some(pr.indicators_below.len() as i64),
            "项",
            format!(
                "/ledgers/indicator-values?region={}&period={}",
                f.region_code,
                f.period.id()
            ),
        );
        problems.paragraphs.push(format!(
            "{}部分指标未达目标，共{k}。{}。",
            ordinal_word(problems.paragraphs.len()),
            parts.join("；")
        ));
        let names: Vec<String> = pr.indicators_below.iter().map(|i| i.name.clone()).collect();
        suggestions.push(format!(
            "补齐指标短板。针对{}等未达标指标，落实责任单位和完成时限，加强过程跟踪。",
            names.join("、")
        ));
    }
    if problems.paragraphs.is_empty() {
        problems.paragraphs.push(format!(
            "对照年度目标，{all}各项工作总体按计划推进，项目开工、投资进度和问题整改未发现明显滞后；但城镇长效管理机制、特色风貌塑造等方面仍需持续加强。"
        ));
    }

    // ------------------------------------------------------------------- next
    let mut next = Section::new("next", "下一步工作");
    suggestions.push("巩固提升创建成果。坚持样板引路，总结推广优秀样板镇经验，推动达标乡镇全面提升，实现“百镇样板、千镇美丽”。".into());
    suggestions.push("持续深化服务指导和宣传。深化“双师”结对和“三服务”，用好专家团队；整合各类媒体资源，持续营造全民参与、全民共建、全民共享的良好氛围。".into());
    for (i, s) in suggestions.into_iter().enumerate() {
        next.paragraphs.push(format!("{}、{s}", i + 1));
    }

    Draft {
        title: format!("{}{}美丽城镇建设工作总结", f.region_name, plabel),
        region_code: f.region_code.clone(),
        region_name: f.region_name.clone(),
        period: f.period,
        layout,
        sections: vec![opening, ach, measures, problems, next],
        figures: figs.map,
        generated_at: now,
    }
}

/// "一是", "二是" … for the n-th problem paragraph (0-based count so far).
fn ordinal_word(n: usize) -> String {
    format!("{}是", ordinal_zh(n + 1))
}

fn children_table(f: &Facts) -> SummaryTable {
    let rows = f
        .children
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let s = &c.stats;
            vec![
                (i + 1).to_string(),
                c.name.clone(),
                s.projects.to_string(),
                s.started.to_string(),
                percent_zh(s.start_rate).unwrap_or_else(|| "—".into()),
                s.completed.to_string(),
                yi_number(Fen::new(s.completed_investment_fen), 2),
                percent_zh(s.investment_completion_rate).unwrap_or_else(|| "—".into()),
                c.investment_rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    SummaryTable {
        title: format!("表1 各{}美丽城镇建设项目推进情况", child_word(f.level)),
        headers: [
            "序号",
            "地区",
            "项目数",
            "已开工",
            "开工率",
            "已完工",
            "完成投资（亿元）",
            "投资完成率",
            "排名",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
        note: Some(format!(
            "注：数据截至{}年{}月底；排名按投资完成率。",
            f.period.year,
            f.period.as_of().month()
        )),
    }
}

fn pillar_chart(f: &Facts) -> Option<SummaryChart> {
    if f.projects.by_pillar.iter().all(|p| p.projects == 0) {
        return None;
    }
    let yi = |fen: i64| yi_number(Fen::new(fen), 2).parse::<f64>().ok();
    Some(SummaryChart {
        kind: ChartKind::Bar,
        title: "按“五美”分类的项目投资（亿元）".into(),
        categories: f
            .projects
            .by_pillar
            .iter()
            .map(|p| p.label.clone())
            .collect(),
        series: vec![
            ChartSeries {
                name: "年度计划投资".into(),
                values: f
                    .projects
                    .by_pillar
                    .iter()
                    .map(|p| yi(p.planned_investment_fen))
                    .collect(),
            },
            ChartSeries {
                name: "完成投资".into(),
                values: f
                    .projects
                    .by_pillar
                    .iter()
                    .map(|p| yi(p.completed_investment_fen))
                    .collect(),
            },
        ],
        percent: false,
        unit: "亿元".into(),
    })
}

/// The draft as a Word document: headings numbered 一、二、…, sub-headings
/// （一）（二）… within each section, figures written in (missing ones as
/// 【暂无数据：…】).
pub(super) fn document(d: &Draft) -> SummaryDocument {
    let mut sections = Vec::new();
    let mut n = 0;
    for s in &d.sections {
        let heading = if s.heading.trim().is_empty() {
            String::new()
        } else {
            n += 1;
            format!("{}、{}", ordinal_zh(n), s.heading.trim())
        };
        let mut blocks = Vec::new();
        let mut sub = 0;
        for p in &s.paragraphs {
            match subheading(p) {
                Some(h) => {
                    sub += 1;
                    blocks.push(SummaryBlock::SubHeading(format!(
                        "（{}）{}",
                        ordinal_zh(sub),
                        d.plain(h)
                    )));
                }
                None => blocks.push(SummaryBlock::Paragraph(d.plain(p))),
            }
        }
        if let Some(t) = &s.table {
            blocks.push(SummaryBlock::Table(SummaryTableDoc {
                title: t.title.clone(),
                headers: t.headers.clone(),
                rows: t.rows.clone(),
                note: t.note.clone().unwrap_or_default(),
            }));
        }
        if let Some(c) = &s.chart {
            let series: Vec<(String, Vec<f64>)> = c
                .series
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        s.values.iter().map(|v| v.unwrap_or(0.0)).collect(),
                    )
                })
                .collect();
            match c.kind {
                ChartKind::Bar => blocks.push(SummaryBlock::Bar(BarChart {
                    title: c.title.clone(),
                    categories: c.categories.clone(),
                    series,
                    percent: c.percent,
                })),
                ChartKind::Line => blocks.push(SummaryBlock::Line(meizhen_documents::LineChart {
                    title: c.title.clone(),
                    categories: c.categories.clone(),
                    series: c
                        .series
                        .iter()
                        .map(|s| (s.name.clone(), s.values.clone()))
                        .collect(),
                })),
            }
        }
        sections.push(SummarySection { heading, blocks });
    }
    SummaryDocument {
        title: d.title.clone(),
        subtitle: String::new(),
        sections,
    }
}

pub(super) fn docx(d: &Draft) -> Result<Vec<u8>> {
    summary_docx(&document(d)).map_err(|e| {
        tracing::error!(error = %e, "summary docx");
        ServiceError::Conflict(format!("工作总结无法导出为 Word：{e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_codes_map_to_pillars() {
        assert_eq!(pillar_of("sewage_zero_zone"), Some(Pillar::Environment));
        assert_eq!(pillar_of("dilapidated_cleared"), Some(Pillar::Life));
        assert_eq!(pillar_of("industry_output"), Some(Pillar::Industry));
        assert_eq!(pillar_of("culture_hall"), Some(Pillar::Culture));
        assert_eq!(pillar_of("petition_resolved"), Some(Pillar::Governance));
        assert_eq!(pillar_of("x"), None);
    }

    #[test]
    fn names_and_points() {
        let names: Vec<String> = (1..=7).map(|i| format!("镇{i}")).collect();
        assert_eq!(names_list(&names[..2], "个"), "镇1、镇2");
        assert_eq!(names_list(&names, "个"), "镇1、镇2、镇3、镇4、镇5等7个");
        assert_eq!(points(Some(0.9), Some(0.775)), "12.5");
        assert_eq!(points(Some(0.9), Some(0.7)), "20");
        assert_eq!(ordinal_word(1), "二是");
    }
}
