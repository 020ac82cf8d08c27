//! 暗访排名: the towns of a round by score, ranked in the whole round, in their
//! city and in their county; counties (and cities, for a round spanning
//! several) by the average score of their inspected towns; each with its
//! change since the previous published round of the same office (比赶超).
//!
//! Ranks follow the domain's rule (equal scores share a rank: 1, 2, 2, 4;
//! ties listed by code) on the exact score in hundredths. Ranks are always
//! over the whole round, whoever asks; the caller gets the lines of their own
//! scope (the office that owns the round gets all of them). Before
//! publication only the owner office may see the (preview) ranking.

use super::{owns, parse_catalogue, Whole};
use crate::auth::require_password_changed;
use crate::{Actor, Result, ServiceError, Services};
use meizhen_domain::inspection::{average, Points, Quarter};
use meizhen_domain::ranking::{rank, RankChange};
use meizhen_domain::Level;
use meizhen_storage::repo::inspections::{self as repo, InspectionRow, RoundRow};
use meizhen_storage::Tx;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many towns 先进 and 末位 name (fewer in small rounds, see [`ends`]).
pub const ENDS: usize = 3;

/// One town's figures in a round: the input of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TownFigures {
    pub code: String,
    pub score: Points,
    pub deducted: Points,
    pub findings: i64,
}

impl TownFigures {
    fn of(row: &InspectionRow) -> TownFigures {
        TownFigures {
            code: row.town_code.clone(),
            score: Points(row.score),
            deducted: Points(row.deducted),
            findings: i64::from(row.findings),
        }
    }
}

/// A town's ranks at every level (pure result of [`rank_towns`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TownRanks {
    pub code: String,
    pub score: Points,
    pub deducted: Points,
    pub findings: i64,
    /// Among all towns of the round.
    pub rank: u32,
    /// Among the round's towns of the same city (first 4 digits).
    pub city_rank: u32,
    pub city_towns: u32,
    /// Among the round's towns of the same county (first 6 digits).
    pub county_rank: u32,
    pub county_towns: u32,
}

/// A county's or city's figures and rank (pure result of [`rank_groups`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRanks {
    pub code: String,
    /// Mean score of its inspected towns, to the hundredth.
    pub score: Points,
    pub towns: u32,
    pub findings: i64,
    pub rank: u32,
}

/// Competition ranks (1, 2, 2, 4) of exact scores, highest first, ties by code:
/// (code, rank) in table order.
fn competition(items: impl IntoIterator<Item = (String, Points)>) -> Vec<(String, u32)> {
    // Hundredths are integers far below 2^53: exact as f64.
    rank(items.into_iter().map(|(c, p)| (c, Some(p.0 as f64))))
        .into_iter()
        .map(|r| (r.key, r.rank.unwrap_or(0)))
        .collect()
}

fn prefix(code: &str, level: Level) -> &str {
    code.get(..level.code_len()).unwrap_or(code)
}

/// Ranks towns in the whole round, in their city and in their county. The
/// result is in table order (rank, then code).
pub fn rank_towns(towns: &[TownFigures]) -> Vec<TownRanks> {
    let by_code: BTreeMap<&str, &TownFigures> =
        towns.iter().map(|t| (t.code.as_str(), t)).collect();
    let within = |level: Level| -> BTreeMap<String, (u32, u32)> {
        let mut groups: BTreeMap<&str, Vec<(String, Points)>> = BTreeMap::new();
        for t in by_code.values() {
            groups
                .entry(prefix(&t.code, level))
                .or_default()
                .push((t.code.clone(), t.score));
        }
        let mut out = BTreeMap::new();
        for members in groups.into_values() {
            let n = u32::try_from(members.len()).unwrap_or(u32::MAX);
            for (code, r) in competition(members) {
                out.insert(code, (r, n));
            }
        }
        out
    };
    let city = within(Level::City);
    let county = within(Level::County);
    competition(by_code.values().map(|t| (t.code.clone(), t.score)))
        .into_iter()
        .filter_map(|(code, r)| {
            let t = by_code.get(code.as_str())?;
            let (city_rank, city_towns) = city.get(&code).copied().unwrap_or((0, 0));
            let (county_rank, county_towns) = county.get(&code).copied().unwrap_or((0, 0));
            Some(TownRanks {
                score: t.score,
                deducted: t.deducted,
                findings: t.findings,
                rank: r,
                city_rank,
                city_towns,
                county_rank,
                county_towns,
                code,
            })
        })
        .collect()
}

/// Groups towns by the first `level` digits of their code (county, city),
/// scores each group by the average of its towns and ranks the groups.
pub fn rank_groups(towns: &[TownFigures], level: Level) -> Vec<GroupRanks> {
    let mut groups: BTreeMap<String, GroupSum> = BTreeMap::new();
    for t in towns {
        let g = groups.entry(prefix(&t.code, level).to_owned()).or_default();
        g.scores += t.score.0;
        g.towns += 1;
        g.findings += t.findings;
    }
    rank_sums(groups)
}

/// A group's towns summed up: what its average and rank need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupSum {
    /// Sum of the towns' scores, in hundredths.
    pub scores: i64,
    pub towns: u32,
    pub findings: i64,
}

/// The domain's mean of `n` scores that sum to `sum` (a mean depends on
/// nothing else), so groups summed by the database rank exactly as groups
/// of towns do.
fn mean(sum: i64, n: u32) -> Points {
    let mut scores = vec![Points::ZERO; usize::try_from(n).unwrap_or(0).max(1)];
    scores[0] = Points(sum);
    average(&scores).unwrap_or_default()
}

/// Ranks groups by the average score of their towns (see [`rank_groups`]).
pub fn rank_sums(groups: BTreeMap<String, GroupSum>) -> Vec<GroupRanks> {
    let figures: BTreeMap<String, (Points, GroupSum)> = groups
        .into_iter()
        .filter(|(_, g)| g.towns > 0)
        .map(|(code, g)| (code, (mean(g.scores, g.towns), g)))
        .collect();
    competition(figures.iter().map(|(c, f)| (c.clone(), f.0)))
        .into_iter()
        .filter_map(|(code, r)| {
            let (score, g) = *figures.get(&code)?;
            Some(GroupRanks {
                code,
                score,
                towns: g.towns,
                findings: g.findings,
                rank: r,
            })
        })
        .collect()
}

/// Which lines of a ranked table (table order, from [`rank_towns`]) are
/// 先进 and which are 末位, as indexes. `k` = min([`ENDS`], n / 2) places at
/// each end, so the two never meet; a tie at the boundary takes in everyone
/// tied. A round where all towns tie has neither.
pub fn ends(ranked: &[TownRanks]) -> (Vec<usize>, Vec<usize>) {
    let n = ranked.len();
    let k = ENDS.min(n / 2);
    if k == 0 {
        return (Vec::new(), Vec::new());
    }
    let best_until = u32::try_from(k).unwrap_or(u32::MAX);
    let best: Vec<usize> = (0..n).filter(|&i| ranked[i].rank <= best_until).collect();
    let top_rank = best.iter().map(|&i| ranked[i].rank).max().unwrap_or(0);
    let boundary = ranked[n - k].rank;
    let last: Vec<usize> = (0..n)
        .filter(|&i| ranked[i].rank >= boundary && ranked[i].rank > top_rank)
        .collect();
    (best, last)
}

/// A town's line in the ranking table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownRankLine {
    pub code: String,
    pub name: String,
    pub county_code: String,
    pub county_name: String,
    pub city_code: String,
    pub city_name: String,
    pub inspection_id: i64,
    pub score: Points,
    pub deducted: Points,
    pub findings: i64,
    pub rank: u32,
    pub city_rank: u32,
    pub city_towns: u32,
    pub county_rank: u32,
    pub county_towns: u32,
    /// Rank in the previous published round of the same office.
    pub previous_rank: Option<u32>,
    pub change: RankChange,
    /// "↑2", "↓1", "持平", "新进".
    pub change_label: String,
}

/// A county's or city's line in the ranking table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRankLine {
    pub code: String,
    pub name: String,
    /// Average score of its inspected towns.
    pub score: Points,
    pub towns: u32,
    pub findings: i64,
    pub rank: u32,
    pub previous_rank: Option<u32>,
    pub change: RankChange,
    pub change_label: String,
}

/// The round a change is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousRound {
    pub id: i64,
    pub name: String,
    pub published_on: Option<String>,
}

/// A round's ranking, as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct RoundRanking {
    pub round: RoundRow,
    pub owner_name: String,
    pub quarter_label: String,
    /// False: a preview for the owner office before publication.
    pub published: bool,
    /// The checklist's base score (full marks).
    pub base: Points,
    /// Towns, counties and cities in the whole round (what ranks count in).
    pub towns_total: u32,
    pub counties_total: u32,
    pub cities_total: u32,
    pub previous: Option<PreviousRound>,
    /// Table order: rank, then code.
    pub towns: Vec<TownRankLine>,
    pub counties: Vec<GroupRankLine>,
    /// Only when the round spans several cities.
    pub cities: Vec<GroupRankLine>,
    /// 先进 and 末位 towns (see [`ends`]), among the lines above.
    pub best: Vec<TownRankLine>,
    pub last: Vec<TownRankLine>,
}

fn change(previous: &BTreeMap<String, u32>, code: &str, now: u32) -> (Option<u32>, RankChange) {
    let p = previous.get(code).copied();
    (p, RankChange::between(p, Some(now)))
}

impl Services {
    /// The ranking of a round. Before publication only the office that owns
    /// it may see it (a preview); everyone else who can see the round gets
    /// the lines of their own scope once it is published.
    pub async fn round_ranking(&self, actor: &Actor, round_id: i64) -> Result<RoundRanking> {
        require_password_changed(actor)?;
        let mut tx = self.db().begin_read().await?;
        let round = self.visible_round(&mut tx, actor, round_id).await?;
        let owner = owns(actor, &round);
        let published = round.state == "published";
        if !published && !owner {
            return Err(ServiceError::forbidden(
                "暗访结果发布前，排名只有安排该轮暗访的美镇办可以查看",
            ));
        }
        let checklist = repo::checklist(&mut tx, round.checklist_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("检查标准"))?;
        let base = parse_catalogue(&checklist)?.base;

        // The caller may see the round: rank it whole, with each town's
        // rank in the previous published round of the same office.
        let whole = Whole::new();
        let previous = repo::previous_published(&mut tx, &whole.viewer(), &round).await?;
        let rows = repo::ranking_rows(
            &mut tx,
            &whole.viewer(),
            round.id,
            previous.as_ref().map(|p| p.id),
        )
        .await?;
        let ids: BTreeMap<String, i64> = rows
            .iter()
            .map(|r| (r.inspection.town_code.clone(), r.inspection.id))
            .collect();
        let figures: Vec<TownFigures> = rows
            .iter()
            .map(|r| TownFigures::of(&r.inspection))
            .collect();
        let towns = rank_towns(&figures);
        let counties = rank_groups(&figures, Level::County);
        let cities = rank_groups(&figures, Level::City);
        let prev_towns: Ranks = rows
            .iter()
            .filter_map(|r| {
                let rank = u32::try_from(r.previous_rank?).ok()?;
                Some((r.inspection.town_code.clone(), rank))
            })
            .collect();
        let (prev_counties, prev_cities) = match &previous {
            Some(p) => previous_group_ranks(&mut tx, p).await?,
            None => Default::default(),
        };

        // Town names came with the rows; counties, cities and the owner here.
        let mut names: BTreeMap<String, String> = rows
            .into_iter()
            .map(|r| (r.inspection.town_code, r.town_name))
            .collect();
        let mut codes: Vec<String> = vec![round.owner_code.clone()];
        codes.extend(counties.iter().map(|g| g.code.clone()));
        codes.extend(cities.iter().map(|g| g.code.clone()));
        names.extend(super::names(&mut tx, codes).await?);
        let name = |c: &str| names.get(c).cloned().unwrap_or_default();
        let in_scope = |code: &str| owner || code.starts_with(actor.region.as_str());

        let town_lines: Vec<TownRankLine> = towns
            .iter()
            .map(|t| {
                let (previous_rank, ch) = change(&prev_towns, &t.code, t.rank);
                let county = prefix(&t.code, Level::County);
                let city = prefix(&t.code, Level::City);
                TownRankLine {
                    name: name(&t.code),
                    county_code: county.to_owned(),
                    county_name: name(county),
                    city_code: city.to_owned(),
                    city_name: name(city),
                    inspection_id: ids.get(&t.code).copied().unwrap_or_default(),
                    score: t.score,
                    deducted: t.deducted,
                    findings: t.findings,
                    rank: t.rank,
                    city_rank: t.city_rank,
                    city_towns: t.city_towns,
                    county_rank: t.county_rank,
                    county_towns: t.county_towns,
                    previous_rank,
                    change: ch,
                    change_label: ch.label(),
                    code: t.code.clone(),
                }
            })
            .collect();
        let group_lines =
            |groups: &[GroupRanks], prev: &BTreeMap<String, u32>| -> Vec<GroupRankLine> {
                groups
                    .iter()
                    .filter(|g| in_scope(&g.code))
                    .map(|g| {
                        let (previous_rank, ch) = change(prev, &g.code, g.rank);
                        GroupRankLine {
                            code: g.code.clone(),
                            name: name(&g.code),
                            score: g.score,
                            towns: g.towns,
                            findings: g.findings,
                            rank: g.rank,
                            previous_rank,
                            change: ch,
                            change_label: ch.label(),
                        }
                    })
                    .collect()
            };
        let (best_i, last_i) = ends(&towns);
        let pick = |idx: &[usize]| -> Vec<TownRankLine> {
            idx.iter()
                .filter_map(|&i| town_lines.get(i))
                .filter(|l| in_scope(&l.code))
                .cloned()
                .collect()
        };
        let best = pick(&best_i);
        let last = pick(&last_i);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(RoundRanking {
            owner_name: name(&round.owner_code),
            quarter_label: Quarter {
                year: round.year,
                q: u32::try_from(round.quarter).unwrap_or(1),
            }
            .label_zh(),
            published,
            base,
            towns_total: count(towns.len()),
            counties_total: count(counties.len()),
            cities_total: count(cities.len()),
            previous: previous.map(|p| PreviousRound {
                id: p.id,
                name: p.name,
                published_on: p.published_on,
            }),
            counties: group_lines(&counties, &prev_counties),
            cities: if cities.len() > 1 {
                group_lines(&cities, &prev_cities)
            } else {
                Vec::new()
            },
            best,
            last,
            towns: town_lines
                .iter()
                .filter(|l| in_scope(&l.code))
                .cloned()
                .collect(),
            round,
        })
    }
}

type Ranks = BTreeMap<String, u32>;

/// County and city ranks of a (published) round, by code.
async fn previous_group_ranks(tx: &mut Tx, round: &RoundRow) -> Result<(Ranks, Ranks)> {
    Ok(ranks_from_county_sums(
        repo::county_score_sums(tx, round.id).await?,
    ))
}

/// County and city ranks from (county, sum of scores, towns) rows; a city's
/// sum is its counties'.
fn ranks_from_county_sums(rows: Vec<(String, i64, i64)>) -> (Ranks, Ranks) {
    let mut counties: BTreeMap<String, GroupSum> = BTreeMap::new();
    let mut cities: BTreeMap<String, GroupSum> = BTreeMap::new();
    for (county, scores, towns) in rows {
        let towns = u32::try_from(towns).unwrap_or(u32::MAX);
        let city = cities
            .entry(prefix(&county, Level::City).to_owned())
            .or_default();
        city.scores += scores;
        city.towns += towns;
        counties.insert(
            county,
            GroupSum {
                scores,
                towns,
                findings: 0,
            },
        );
    }
    let ranks = |groups| {
        rank_sums(groups)
            .into_iter()
            .map(|g| (g.code, g.rank))
            .collect()
    };
    (ranks(counties), ranks(cities))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(code: &str, score: i64, findings: i64) -> TownFigures {
        TownFigures {
            code: code.into(),
            score: Points(score),
            deducted: Points(10000 - score),
            findings,
        }
    }

    fn table(r: &[TownRanks]) -> Vec<(&str, u32, u32, u32)> {
        r.iter()
            .map(|x| (x.code.as_str(), x.rank, x.city_rank, x.county_rank))
            .collect()
    }

    #[test]
    fn towns_rank_at_three_levels_with_ties() {
        let towns = [
            t("331083102", 9900, 1),
            t("331024103", 9650, 4),
            t("331024101", 9900, 2),
            t("330381101", 9850, 1),
            t("331083103", 9650, 3),
        ];
        let r = rank_towns(&towns);
        assert_eq!(
            table(&r),
            [
                // 99.00 twice: both first, listed by code; then 98.50 third.
                ("331024101", 1, 1, 1),
                ("331083102", 1, 1, 1),
                ("330381101", 3, 1, 1),
                ("331024103", 4, 3, 2),
                ("331083103", 4, 3, 2),
            ]
        );
        assert_eq!((r[0].city_towns, r[0].county_towns), (4, 2));
        assert_eq!((r[2].city_towns, r[2].county_towns), (1, 1));
        assert_eq!(r[3].deducted, Points(350));
        assert!(rank_towns(&[]).is_empty());
    }

    #[test]
    fn ranks_use_exact_hundredths() {
        // 98.51 beats 98.50: no rounding to the displayed 98.5.
        let r = rank_towns(&[t("331024101", 9850, 0), t("331024103", 9851, 0)]);
        assert_eq!(table(&r), [("331024103", 1, 1, 1), ("331024101", 2, 2, 2)]);
    }

    #[test]
    fn groups_rank_by_average() {
        let towns = [
            t("331024101", 10000, 0),
            t("331024103", 9950, 1),
            t("331083102", 9975, 1),
            t("330381101", 9900, 2),
            t("330381102", 9950, 1),
        ];
        let c = rank_groups(&towns, Level::County);
        let got: Vec<(&str, Points, u32, i64, u32)> = c
            .iter()
            .map(|g| (g.code.as_str(), g.score, g.towns, g.findings, g.rank))
            .collect();
        // 仙居 (100 + 99.5) / 2 = 99.75 ties 玉环 99.75; 瑞安 99.25.
        assert_eq!(
            got,
            [
                ("331024", Points(9975), 2, 1, 1),
                ("331083", Points(9975), 1, 1, 1),
                ("330381", Points(9925), 2, 3, 3),
            ]
        );
        let cities = rank_groups(&towns, Level::City);
        // 台州 (100 + 99.5 + 99.75) / 3 = 99.75; 温州 99.25.
        assert_eq!(cities[0].code, "3310");
        assert_eq!(cities[0].score, Points(9975));
        assert_eq!((cities[1].code.as_str(), cities[1].rank), ("3303", 2));
    }

    #[test]
    fn average_rounds_half_up() {
        let c = rank_groups(
            &[t("331024101", 9851, 0), t("331024103", 9850, 0)],
            Level::County,
        );
        assert_eq!(c[0].score, Points(9851));
    }

    fn codes(r: &[TownRanks], idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| r[i].code.clone()).collect()
    }

    #[test]
    fn best_and_last_three() {
        let towns: Vec<TownFigures> = (1..=8)
            .map(|i| t(&format!("33102410{i}"), 10000 - i * 10, 0))
            .collect();
        let r = rank_towns(&towns);
        let (best, last) = ends(&r);
        assert_eq!(codes(&r, &best), ["331024101", "331024102", "331024103"]);
        assert_eq!(codes(&r, &last), ["331024106", "331024107", "331024108"]);
    }

    #[test]
    fn ends_take_ties_in_and_never_meet() {
        // Ranks 1, 2, 2, 2, 5, 6, 6: the top three take the whole tie at 2;
        // the bottom three start at 5 (the third line from the end).
        let scores = [9900, 9800, 9800, 9800, 9700, 9600, 9600];
        let towns: Vec<TownFigures> = scores
            .iter()
            .enumerate()
            .map(|(i, s)| t(&format!("33102410{}", i + 1), *s, 0))
            .collect();
        let r = rank_towns(&towns);
        let (best, last) = ends(&r);
        assert_eq!(best, [0, 1, 2, 3]);
        assert_eq!(last, [4, 5, 6]);
        // Three towns: one at each end.
        let r = rank_towns(&[
            t("331024101", 9900, 0),
            t("331024103", 9650, 0),
            t("331083102", 9900, 0),
        ]);
        let (best, last) = ends(&r);
        assert_eq!(codes(&r, &best), ["331024101", "331083102"]);
        assert_eq!(codes(&r, &last), ["331024103"]);
        // All tied: no 末位.
        let r = rank_towns(&[t("331024101", 9900, 0), t("331024103", 9900, 0)]);
        let (best, last) = ends(&r);
        assert_eq!(best, [0, 1]);
        assert!(last.is_empty());
        // One town: neither.
        let r = rank_towns(&[t("331024101", 9900, 0)]);
        assert_eq!(ends(&r), (vec![], vec![]));
    }

    #[test]
    fn changes_against_previous_ranks() {
        let mut prev = BTreeMap::new();
        prev.insert("331024103".to_string(), 3);
        prev.insert("331083102".to_string(), 1);
        assert_eq!(change(&prev, "331024103", 1), (Some(3), RankChange::Up(2)));
        assert_eq!(
            change(&prev, "331083102", 3),
            (Some(1), RankChange::Down(2))
        );
        assert_eq!(change(&prev, "331024101", 2), (None, RankChange::New));
        assert_eq!(RankChange::Up(2).label(), "↑2");
    }

    /// The previous round's groups, ranked from the counties' sums, rank
    /// exactly as the towns themselves do (averages rounded the same way).
    #[test]
    fn county_sums_rank_like_towns() {
        let mut towns = Vec::new();
        let mut x: i64 = 7;
        for county in ["331024", "331083", "331082", "330381", "330382", "330102"] {
            for n in 1..=(x % 5 + 1) {
                x = (x * 7919 + 13) % 10007;
                towns.push(t(&format!("{county}{n:03}"), 9000 + x % 1001, x % 4));
            }
        }
        // Two counties tied on an average that rounds (199.5 / 2).
        towns.push(t("330482101", 9950, 0));
        towns.push(t("330482102", 9951, 0));
        towns.push(t("330483101", 9951, 0));
        let mut sums: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for t in &towns {
            let e = sums.entry(t.code[..6].to_owned()).or_default();
            e.0 += t.score.0;
            e.1 += 1;
        }
        let rows = sums.into_iter().map(|(c, (s, n))| (c, s, n)).collect();
        let (counties, cities) = ranks_from_county_sums(rows);
        let want = |level| -> Ranks {
            rank_groups(&towns, level)
                .into_iter()
                .map(|g| (g.code, g.rank))
                .collect()
        };
        assert_eq!(counties, want(Level::County));
        assert_eq!(cities, want(Level::City));
        assert_eq!(counties["330482"], counties["330483"]);
    }

    #[test]
    fn lines_serialize() {
        let r = rank_towns(&[t("331024101", 9850, 1)]);
        let json = serde_json::to_value(&r[0]).expect("json");
        assert_eq!(json["score"], 9850);
        assert_eq!(json["rank"], 1);
    }
}
