//! Rankings ("项目建设比赶超"): regions ordered by a rate, and how each moved
//! since the previous ranking.
//!
//! Tie rule: equal values share a rank and the next rank skips ("competition
//! ranking": 1, 2, 2, 4), as in the offices' published tables; ties are listed
//! by key (the region code), so a table is stable from one run to the next.
//! Values are compared exactly; rates from [`crate::rates`] are one division
//! of exact integers, so equal fractions are equal. To rank on what a table
//! shows, round the values to the displayed precision first.
//! A region without a value (`None`, or NaN) has no rank and is listed last.

use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Which end of the scale ranks first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Better {
    /// Rates and scores: the highest ranks first.
    #[default]
    Higher,
    /// Deductions, overdue counts: the lowest ranks first.
    Lower,
}

/// One line of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked<K> {
    pub key: K,
    pub value: Option<f64>,
    /// 1-based; `None` for a region without a value.
    pub rank: Option<u32>,
}

/// Ranks by value, highest first. See the module documentation for ties.
pub fn rank<K: Ord>(items: impl IntoIterator<Item = (K, Option<f64>)>) -> Vec<Ranked<K>> {
    rank_by(items, Better::Higher)
}

/// Ranks by value with the given direction.
pub fn rank_by<K: Ord>(
    items: impl IntoIterator<Item = (K, Option<f64>)>,
    better: Better,
) -> Vec<Ranked<K>> {
    let mut rows: Vec<Ranked<K>> = items
        .into_iter()
        .map(|(key, value)| Ranked {
            key,
            // NaN is no value; adding 0.0 turns -0.0 into 0.0 so that
            // total_cmp sees one zero.
            value: value.filter(|v| !v.is_nan()).map(|v| v + 0.0),
            rank: None,
        })
        .collect();
    rows.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => {
            let by_value = match better {
                Better::Higher => y.total_cmp(&x),
                Better::Lower => x.total_cmp(&y),
            };
            by_value.then_with(|| a.key.cmp(&b.key))
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.key.cmp(&b.key),
    });
    let mut prev: Option<(f64, u32)> = None;
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(v) = row.value else { break };
        let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let rank = match prev {
            Some((pv, pr)) if pv == v => pr,
            _ => position,
        };
        row.rank = Some(rank);
        prev = Some((v, rank));
    }
    rows
}

/// Movement since the previous ranking. Smaller rank numbers are better, so
/// going from 5th to 3rd is `Up(2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "places", rename_all = "snake_case")]
pub enum RankChange {
    Up(u32),
    Down(u32),
    Same,
    /// Ranked now, not in (or unranked in) the previous ranking.
    New,
    /// No rank now.
    Unranked,
}

impl RankChange {
    pub fn between(previous: Option<u32>, current: Option<u32>) -> RankChange {
        match (previous, current) {
            (_, None) => RankChange::Unranked,
            (None, Some(_)) => RankChange::New,
            (Some(p), Some(c)) => match c.cmp(&p) {
                Ordering::Less => RankChange::Up(p - c),
                Ordering::Greater => RankChange::Down(c - p),
                Ordering::Equal => RankChange::Same,
            },
        }
    }

    /// "↑2", "↓1", "持平", "新进", "—": the 比赶超 column.
    pub fn label(self) -> String {
        match self {
            RankChange::Up(n) => format!("↑{n}"),
            RankChange::Down(n) => format!("↓{n}"),
            RankChange::Same => "持平".to_owned(),
            RankChange::New => "新进".to_owned(),
            RankChange::Unranked => "—".to_owned(),
        }
    }
}

/// Each current line's change against `previous`, in the order of `current`.
pub fn rank_changes<K: Ord>(current: &[Ranked<K>], previous: &[Ranked<K>]) -> Vec<RankChange> {
    let before: BTreeMap<&K, Option<u32>> = previous.iter().map(|r| (&r.key, r.rank)).collect();
    current
        .iter()
        .map(|r| RankChange::between(before.get(&r.key).copied().flatten(), r.rank))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranks<'a>(rows: &[Ranked<&'a str>]) -> Vec<(&'a str, Option<u32>)> {
        rows.iter().map(|r| (r.key, r.rank)).collect()
    }

    #[test]
    fn competition_ranking_with_ties_by_key() {
        let rows = rank([
            ("d", Some(0.5)),
            ("c", Some(0.9)),
            ("b", Some(0.7)),
            ("a", Some(0.7)),
            ("e", Some(0.1)),
        ]);
        assert_eq!(
            ranks(&rows),
            [
                ("c", Some(1)),
                ("a", Some(2)),
                ("b", Some(2)),
                ("d", Some(4)),
                ("e", Some(5))
            ]
        );
    }

    #[test]
    fn equal_fractions_tie() {
        let rows = rank([
            ("a", Some(1.0 / 3.0)),
            ("b", Some(2.0 / 6.0)),
            ("d", Some(0.0)),
            ("c", Some(-0.0)),
        ]);
        assert_eq!(
            ranks(&rows),
            [
                ("a", Some(1)),
                ("b", Some(1)),
                ("c", Some(3)),
                ("d", Some(3))
            ]
        );
    }

    #[test]
    fn missing_values_are_last_and_unranked() {
        let rows = rank([
            ("a", None),
            ("b", Some(0.2)),
            ("c", Some(f64::NAN)),
            ("d", Some(0.0)),
        ]);
        assert_eq!(
            ranks(&rows),
            [("b", Some(1)), ("d", Some(2)), ("a", None), ("c", None)]
        );
        assert_eq!(rows[3].value, None, "NaN is treated as no value");
        assert!(rank(Vec::<(&str, Option<f64>)>::new()).is_empty());
        let all_none = rank([("b", None), ("a", None)]);
        assert_eq!(ranks(&all_none), [("a", None), ("b", None)]);
    }

    #[test]
    fn all_equal_share_first() {
        let rows = rank([("b", Some(1.0)), ("a", Some(1.0)), ("c", Some(1.0))]);
        assert_eq!(
            ranks(&rows),
            [("a", Some(1)), ("b", Some(1)), ("c", Some(1))]
        );
    }

    #[test]
    fn lower_is_better() {
        let rows = rank_by(
            [
                ("a", Some(3.0)),
                ("b", Some(1.0)),
                ("c", Some(1.0)),
                ("d", None),
            ],
            Better::Lower,
        );
        assert_eq!(
            ranks(&rows),
            [("b", Some(1)), ("c", Some(1)), ("a", Some(3)), ("d", None)]
        );
    }

    #[test]
    fn changes_against_previous() {
        let previous = rank([
            ("a", Some(0.9)),
            ("b", Some(0.8)),
            ("c", Some(0.7)),
            ("e", None),
        ]);
        let current = rank([
            ("a", Some(0.5)),
            ("b", Some(0.8)),
            ("c", Some(0.9)),
            ("d", Some(0.6)),
            ("e", Some(0.1)),
            ("f", None),
        ]);
        // current: c 1, b 2, d 3, a 4, e 5, f —
        let changes = rank_changes(&current, &previous);
        let by_key: Vec<(&str, RankChange)> = current.iter().map(|r| r.key).zip(changes).collect();
        assert_eq!(
            by_key,
            [
                ("c", RankChange::Up(2)),
                ("b", RankChange::Same),
                ("d", RankChange::New),
                ("a", RankChange::Down(3)),
                ("e", RankChange::New),
                ("f", RankChange::Unranked),
            ]
        );
    }

    #[test]
    fn change_labels_and_json() {
        assert_eq!(RankChange::between(Some(5), Some(3)).label(), "↑2");
        assert_eq!(RankChange::between(Some(1), Some(2)).label(), "↓1");
        assert_eq!(RankChange::between(Some(2), Some(2)).label(), "持平");
        assert_eq!(RankChange::between(None, Some(2)).label(), "新进");
        assert_eq!(RankChange::between(Some(2), None).label(), "—");
        assert_eq!(
            serde_json::to_string(&RankChange::Up(2)).expect("json"),
            r#"{"kind":"up","places":2}"#
        );
        assert_eq!(
            serde_json::to_string(&RankChange::Same).expect("json"),
            r#"{"kind":"same"}"#
        );
    }
}
