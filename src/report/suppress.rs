//! Statistical disclosure control for returns that leave the organisation.
//!
//! `--suppress N` replaces every count from 1 to N−1 with the text `<N`
//! (primary suppression). Where counts are tied together by a relation
//! that is also published (a breakdown and its total; open at start +
//! opened − closed = open at end), a relation with exactly one hidden count
//! would give it away by subtraction, so the smallest other count of that
//! relation is hidden too (secondary suppression), until every relation has
//! none or at least two hidden counts. A secondary-suppressed count may be
//! of any size, so it is shown as `[c]` (the Government Statistical Service
//! symbol for a value withheld to protect confidentiality), never as `<N`,
//! which would say that a hidden 8 is below 5. `--round R` then rounds every count
//! still shown to the nearest multiple of R (the ONS "10-5" rule is
//! `--suppress 10 --round 5`). Zeros are shown as 0.
//!
//! Figures derived from counts (a median, a rate, hours) are hidden by the
//! report that owns them when their base is hidden; see `returns.rs`.

use serde::{Serialize, Serializer};

/// What the user asked for: `threshold` 0 means no suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Suppression {
    pub threshold: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounding: Option<u32>,
}

impl Suppression {
    pub const NONE: Suppression = Suppression { threshold: 0, rounding: None };

    /// Whether `value` is hidden by the threshold alone.
    pub fn is_small(self, value: i64) -> bool {
        value >= 1 && value < i64::from(self.threshold)
    }

    /// Whether anything is changed at all.
    pub fn is_active(self) -> bool {
        self.threshold > 1 || self.rounding.is_some_and(|r| r > 1)
    }
}

/// What was applied to a return, as its JSON `suppression` says: the
/// options, how many counts each kind of suppression hid, and the legend of
/// the symbols shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub threshold: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounding: Option<u32>,
    /// Counts shown as `<N` (from 1 to N−1).
    pub primary: usize,
    /// Counts shown as `[c]` (of any size; they would reveal a primary one).
    pub secondary: usize,
    /// Each symbol used for a hidden count → what it means; empty when
    /// nothing is suppressed.
    #[serde(serialize_with = "pairs")]
    pub legend: Vec<(String, String)>,
}

fn pairs<S: Serializer>(v: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(k, v)| (k, v)))
}

impl Applied {
    /// `s`, with the hidden counts of `published` counted.
    pub fn new(s: Suppression, published: &[Count]) -> Applied {
        let primary = published.iter().filter(|c| matches!(c, Count::Below(_))).count();
        let secondary = published.iter().filter(|c| matches!(c, Count::Confidential)).count();
        Applied { threshold: s.threshold, rounding: s.rounding, primary, secondary, legend: legend(s) }
    }

    /// The options alone.
    pub fn options(&self) -> Suppression {
        Suppression { threshold: self.threshold, rounding: self.rounding }
    }
}

/// What `<N` and `[c]` mean under `s`, in the words every format shows;
/// empty when `s` hides nothing.
pub fn legend(s: Suppression) -> Vec<(String, String)> {
    let t = s.threshold;
    if t <= 1 {
        return Vec::new();
    }
    vec![
        (format!("<{t}"), format!("a count from 1 to {}, withheld (primary suppression)", t - 1)),
        (
            CONFIDENTIAL.to_string(),
            format!(
                "withheld to protect confidentiality: a count of any size that would let a count \
                 below {t} be worked out from the figures shown (secondary suppression)"
            ),
        ),
    ]
}

/// The symbol of a secondary-suppressed count: "[c]", confidential (the
/// Government Statistical Service's symbol for a value withheld to protect
/// confidentiality).
pub const CONFIDENTIAL: &str = "[c]";

/// A count as published: its value, hidden as `<N` because it is from 1 to
/// N−1 (primary), or withheld as `[c]` because it would reveal one (secondary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Value(i64),
    /// Primary suppression: the count is from 1 to N−1.
    Below(u32),
    /// Secondary suppression: the count (of any size) would let a primary
    /// one be worked out.
    Confidential,
}

impl Count {
    /// The value, if shown.
    pub fn value(self) -> Option<i64> {
        match self {
            Count::Value(v) => Some(v),
            Count::Below(_) | Count::Confidential => None,
        }
    }

    pub fn is_hidden(self) -> bool {
        !matches!(self, Count::Value(_))
    }

    /// `12`, `<5` or `[c]`, as in CSV and tables.
    pub fn text(self) -> String {
        match self {
            Count::Value(v) => v.to_string(),
            Count::Below(n) => format!("<{n}"),
            Count::Confidential => CONFIDENTIAL.to_string(),
        }
    }
}

impl Default for Count {
    fn default() -> Count {
        Count::Value(0)
    }
}

impl From<i64> for Count {
    fn from(v: i64) -> Count {
        Count::Value(v)
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Count::Value(v) => s.serialize_i64(*v),
            Count::Below(n) => s.collect_str(&format_args!("<{n}")),
            Count::Confidential => s.serialize_str(CONFIDENTIAL),
        }
    }
}

/// Counts that must not be worked back out from each other: the sets of
/// cells (indexes into the values) bound by one published linear relation.
pub type Relation = Vec<usize>;

/// Why a cell is hidden, if it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hide {
    Shown,
    /// From 1 to threshold−1.
    Primary,
    /// Would reveal a primary one through a relation.
    Secondary,
}

/// Which of `values` to hide: primary suppression of 1..threshold−1, then
/// secondary suppression until no relation has exactly one hidden cell.
pub fn hidden(values: &[i64], relations: &[Relation], threshold: u32) -> Vec<bool> {
    kinds(values, relations, threshold).into_iter().map(|k| k != Hide::Shown).collect()
}

/// Like `hidden`, with the kind of each hidden cell.
pub fn kinds(values: &[i64], relations: &[Relation], threshold: u32) -> Vec<Hide> {
    let s = Suppression { threshold, rounding: None };
    let mut kind: Vec<Hide> = values.iter().map(|v| if s.is_small(*v) { Hide::Primary } else { Hide::Shown }).collect();
    if threshold <= 1 {
        return kind;
    }
    let mut hide: Vec<bool> = kind.iter().map(|k| *k != Hide::Shown).collect();
    // Each pass hides at least one more cell or stops, so this ends after
    // at most values.len() passes.
    loop {
        let mut changed = false;
        for rel in relations {
            if rel.iter().filter(|i| hide[**i]).count() != 1 {
                continue;
            }
            if let Some(next) = next_smallest(values, &hide, rel) {
                hide[next] = true;
                kind[next] = Hide::Secondary;
                changed = true;
            }
        }
        if !changed {
            return kind;
        }
    }
}

/// The cell of `rel` to hide next: the smallest shown non-zero count (a
/// known zero protects nothing when other cells are non-zero), else the
/// smallest shown count. Ties go to the earlier cell, so a breakdown
/// member is chosen before its total (totals come first only when equal).
fn next_smallest(values: &[i64], hide: &[bool], rel: &Relation) -> Option<usize> {
    let shown = || rel.iter().copied().filter(|i| !hide[*i]);
    shown()
        .filter(|i| values[*i] > 0)
        .min_by_key(|i| (values[*i], *i))
        .or_else(|| shown().min_by_key(|i| (values[*i], *i)))
}

/// `value` rounded to the nearest multiple of `r` (halves up).
pub fn round(value: i64, r: u32) -> i64 {
    let r = i64::from(r.max(1));
    (value + r / 2).div_euclid(r) * r
}

/// Apply `s` to `values` under `relations`: every cell as published.
pub fn apply(values: &[i64], relations: &[Relation], s: Suppression) -> Vec<Count> {
    let kinds = kinds(values, relations, s.threshold);
    values
        .iter()
        .zip(kinds)
        .map(|(v, k)| match (k, s.rounding) {
            (Hide::Primary, _) => Count::Below(s.threshold),
            (Hide::Secondary, _) => Count::Confidential,
            (Hide::Shown, Some(r)) if r > 1 => Count::Value(round(*v, r)),
            (Hide::Shown, _) => Count::Value(*v),
        })
        .collect()
}

/// A flat list of the counts of a report, with the relations between them,
/// filled while walking the report and applied in one go.
#[derive(Debug, Default)]
pub struct Ledger {
    values: Vec<i64>,
    relations: Vec<Relation>,
}

impl Ledger {
    /// Record a count; returns its cell.
    pub fn cell(&mut self, c: Count) -> usize {
        self.values.push(c.value().unwrap_or(0));
        self.values.len() - 1
    }

    /// Record that these cells are bound by a published relation.
    pub fn relate(&mut self, cells: Relation) {
        if cells.len() > 1 {
            self.relations.push(cells);
        }
    }

    /// The published counts, in the order they were recorded.
    pub fn publish(&self, s: Suppression) -> Vec<Count> {
        apply(&self.values, &self.relations, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shown(c: &[Count]) -> Vec<String> {
        c.iter().map(|c| c.text()).collect()
    }

    #[test]
    fn primary_hides_one_to_n_minus_one_only() {
        let v = [0, 1, 4, 5, 6, 100];
        let out = apply(&v, &[], Suppression { threshold: 5, rounding: None });
        assert_eq!(shown(&out), ["0", "<5", "<5", "5", "6", "100"]);
    }

    #[test]
    fn no_threshold_changes_nothing() {
        let v = [0, 1, 2, 3];
        assert_eq!(shown(&apply(&v, &[vec![0, 1, 2, 3]], Suppression::NONE)), ["0", "1", "2", "3"]);
        assert!(!Suppression::NONE.is_active());
    }

    #[test]
    fn one_hidden_member_hides_the_next_smallest() {
        // total 30 = 3 + 12 + 15: hiding 3 alone gives it away (30 − 12 − 15).
        let v = [30, 3, 12, 15];
        let out = apply(&v, &[vec![0, 1, 2, 3]], Suppression { threshold: 5, rounding: None });
        assert_eq!(shown(&out), ["30", "<5", "[c]", "15"]);
    }

    #[test]
    fn zeros_are_passed_over_for_secondary_when_possible() {
        let v = [20, 2, 0, 18];
        let out = apply(&v, &[vec![0, 1, 2, 3]], Suppression { threshold: 5, rounding: None });
        assert_eq!(shown(&out), ["20", "<5", "0", "[c]"]);
    }

    #[test]
    fn a_lone_member_equal_to_its_total_hides_both() {
        let v = [3, 3, 0, 0];
        let out = apply(&v, &[vec![0, 1, 2, 3]], Suppression { threshold: 5, rounding: None });
        assert_eq!(shown(&out), ["<5", "<5", "0", "0"]);
    }

    #[test]
    fn secondary_spreads_across_linked_relations() {
        // Caseload: start 10 + opened 2 − closed 7 = end 5; end 5 = T1 1 + T2 4.
        // `opened`, T1 and T2 are small. The flow relation then has one
        // hidden count, so its next smallest (end, 5) goes too, as [c]: it
        // is not below 5. The tier relation then has three.
        let v = [10, 2, 7, 5, 1, 4];
        let rels = vec![vec![0, 1, 2, 3], vec![3, 4, 5]];
        let out = apply(&v, &rels, Suppression { threshold: 5, rounding: None });
        assert_eq!(shown(&out), ["10", "<5", "7", "[c]", "<5", "<5"]);
        // A small total of one relation is a member of another: end 3 (all
        // at T1) makes the flow relation hide its smallest other count.
        let v = [20, 9, 26, 3, 3, 0];
        let out = apply(&v, &rels, Suppression { threshold: 5, rounding: None });
        assert_eq!(shown(&out), ["20", "[c]", "26", "<5", "<5", "0"]);
    }

    #[test]
    fn ons_ten_five() {
        let v = [47, 8, 12, 27];
        let out = apply(&v, &[vec![0, 1, 2, 3]], Suppression { threshold: 10, rounding: Some(5) });
        assert_eq!(shown(&out), ["45", "<10", "[c]", "25"]);
    }

    #[test]
    fn rounding() {
        assert_eq!(round(12, 5), 10);
        assert_eq!(round(13, 5), 15);
        assert_eq!(round(10, 5), 10);
        assert_eq!(round(0, 5), 0);
        assert_eq!(round(7, 10), 10);
        assert_eq!(round(7, 1), 7);
    }

    #[test]
    fn hidden_counts_serialise_as_text() {
        assert_eq!(serde_json::to_string(&Count::Below(5)).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&Count::Confidential).unwrap(), "\"[c]\"");
        assert_eq!(serde_json::to_string(&Count::Value(7)).unwrap(), "7");
        assert_eq!(
            serde_json::to_string(&Suppression { threshold: 10, rounding: Some(5) }).unwrap(),
            r#"{"threshold":10,"rounding":5}"#
        );
        assert_eq!(serde_json::to_string(&Suppression::NONE).unwrap(), r#"{"threshold":0}"#);
    }

    /// Everything a reader can deduce about a hidden cell from one relation
    /// `total = Σ members` when every other cell is shown: its exact value.
    fn recoverable(hide: &[bool], rel: &[usize]) -> bool {
        rel.iter().filter(|i| hide[**i]).count() == 1
    }

    proptest! {
        #[test]
        fn no_relation_is_left_with_one_hidden_cell(
            members in proptest::collection::vec(0i64..30, 1..12),
            threshold in 2u32..12,
        ) {
            let mut v = vec![members.iter().sum::<i64>()];
            v.extend(&members);
            let rel: Vec<usize> = (0..v.len()).collect();
            let hide = hidden(&v, std::slice::from_ref(&rel), threshold);
            prop_assert!(!recoverable(&hide, &rel));
            for (i, x) in v.iter().enumerate() {
                if *x >= 1 && i64::from(threshold) > *x {
                    prop_assert!(hide[i], "small count {x} shown");
                }
            }
            // "<N" is only ever shown for a count from 1 to N−1.
            let out = apply(&v, std::slice::from_ref(&rel), Suppression { threshold, rounding: None });
            for (c, x) in out.iter().zip(&v) {
                match c {
                    Count::Below(n) => prop_assert!(*x >= 1 && *x < i64::from(*n), "{x} shown as <{n}"),
                    Count::Confidential => prop_assert!(!(1..i64::from(threshold)).contains(x), "{x} shown as [c]"),
                    Count::Value(shown) => prop_assert_eq!(shown, x),
                }
            }
        }

        #[test]
        fn linked_relations_all_hold(
            a in proptest::collection::vec(0i64..9, 3),
            b in proptest::collection::vec(0i64..9, 3),
        ) {
            // cells: 0 = grand total, 1..=3 = a, 4..=6 = b, 7 = Σa, 8 = Σb
            let mut v = vec![a.iter().sum::<i64>() + b.iter().sum::<i64>()];
            v.extend(&a);
            v.extend(&b);
            v.push(a.iter().sum());
            v.push(b.iter().sum());
            let rels = vec![vec![7, 1, 2, 3], vec![8, 4, 5, 6], vec![0, 7, 8]];
            let hide = hidden(&v, &rels, 5);
            for r in &rels {
                prop_assert!(!recoverable(&hide, r));
            }
        }
    }
}
