//! Duplicate clients (PRODUCT.md 6.5): the same woman entered twice under
//! spellings of one ref (`BC-042`, `BC-0042`, `bc0042`), which counts her
//! twice in `women_supported`. `client duplicates` lists the likely pairs
//! with the evidence; `client link A --into B` moves A's records to B in
//! one audited transaction, and `client unlink A` moves them back. Nothing
//! is ever merged automatically.
//!
//! Messages never name a client_ref (see `domain::client`); the list of
//! pairs shows the two refs and nothing else personal.

use crate::db::{self, tx, Conn};
use crate::domain::client::lookup;
use crate::error::invalid;
use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;

/// A client_ref reduced to what a person means by it: letters lower case,
/// separators dropped, leading zeros of each number dropped, so that
/// `BC-042`, `BC-0042`, `bc0042` and `BC 42` are one key (`bc|42`). Runs of
/// letters and of digits stay apart, so `BC-4-21` (`bc|4|21`) is not
/// `BC-42-1` (`bc|42|1`).
pub fn normalise(client_ref: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_digits = false;
    let flush = |cur: &mut String, digits: bool, tokens: &mut Vec<String>| {
        if cur.is_empty() {
            return;
        }
        let t = if digits {
            let t = cur.trim_start_matches('0');
            if t.is_empty() { "0" } else { t }.to_string()
        } else {
            cur.to_lowercase()
        };
        tokens.push(t);
        cur.clear();
    };
    for c in client_ref.trim().chars() {
        if c.is_alphanumeric() {
            let digit = c.is_ascii_digit();
            if !cur.is_empty() && digit != cur_digits {
                flush(&mut cur, cur_digits, &mut tokens);
            }
            cur_digits = digit;
            cur.push(c);
        } else {
            flush(&mut cur, cur_digits, &mut tokens);
        }
    }
    flush(&mut cur, cur_digits, &mut tokens);
    tokens.join("|")
}

/// How two clients' birth years compare (the years are never shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BirthYear {
    Same,
    Different,
    NotRecorded,
}

impl BirthYear {
    pub fn as_str(self) -> &'static str {
        match self {
            BirthYear::Same => "same",
            BirthYear::Different => "different",
            BirthYear::NotRecorded => "not_recorded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BirthYear::Same => "same",
            BirthYear::Different => "different",
            BirthYear::NotRecorded => "not recorded for both",
        }
    }
}

/// One likely pair with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub client_ref: String,
    pub other_ref: String,
    /// The key both refs reduce to (see `normalise`).
    pub normalised: String,
    pub birth_year: BirthYear,
    /// The fewest days between a referral of one and a referral of the other.
    pub referrals_days_apart: Option<i64>,
    /// Whether that is within the `--within` days asked for.
    pub referrals_close: bool,
}

/// Every likely pair: clients whose refs reduce to the same key, in ref
/// order, with whether their birth years match and how close their
/// referrals are (`within` days counts as close).
pub fn find(conn: &Conn, within: i64) -> Result<Vec<Pair>> {
    let mut groups: HashMap<String, Vec<(i64, String, Option<i64>)>> = HashMap::new();
    db::client::each_candidate(conn, |id, r, by| {
        groups.entry(normalise(r)).or_default().push((id, r.to_string(), by));
    })?;
    let mut pairs = Vec::new();
    for (key, mut g) in groups.into_iter().filter(|(_, g)| g.len() > 1) {
        g.sort_by(|a, b| a.1.cmp(&b.1));
        for i in 0..g.len() {
            for j in i + 1..g.len() {
                let (a, b) = (&g[i], &g[j]);
                let birth_year = match (a.2, b.2) {
                    (Some(x), Some(y)) if x == y => BirthYear::Same,
                    (Some(_), Some(_)) => BirthYear::Different,
                    _ => BirthYear::NotRecorded,
                };
                let days = db::client::nearest_referrals_days(conn, a.0, b.0)?;
                pairs.push(Pair {
                    client_ref: a.1.clone(),
                    other_ref: b.1.clone(),
                    normalised: key.clone(),
                    birth_year,
                    referrals_days_apart: days,
                    referrals_close: days.is_some_and(|d| d <= within),
                });
            }
        }
    }
    pairs.sort_by(|a, b| (&a.client_ref, &a.other_ref).cmp(&(&b.client_ref, &b.other_ref)));
    Ok(pairs)
}

/// What a link or unlink moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub referrals: usize,
    pub cases: usize,
    pub assessments: usize,
}

impl Moved {
    fn of(m: db::client::Moved) -> Moved {
        Moved { referrals: m.referrals, cases: m.cases, assessments: m.assessments }
    }

    /// "2 referrals, 1 case and 0 assessments" (counts only).
    pub fn counts(&self) -> String {
        let p = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {} and {}",
            p(self.referrals, "referral", "referrals"),
            p(self.cases, "case", "cases"),
            p(self.assessments, "assessment", "assessments")
        )
    }
}

/// `client link A --into B`: move A's referrals, cases, assessments and the
/// audit rows about them to B, in one audited transaction. A's own row is
/// kept as it was, so that `unlink` restores her exactly.
pub fn link(conn: &mut Conn, a_ref: &str, into_ref: &str, command: &str) -> Result<Moved> {
    tx::write(conn, |tx| {
        let a = lookup(tx, a_ref)?;
        let b = lookup(tx, into_ref)?;
        if a == b {
            return Err(invalid("a client cannot be linked into herself: give two different client_refs"));
        }
        if db::client::linked_into(tx, a)?.is_some() {
            return Err(invalid("the first client is linked into another already; `pathway client unlink` it first"));
        }
        if db::client::linked_into(tx, b)?.is_some() {
            return Err(invalid("the client to link into is itself linked into another; link into that one instead"));
        }
        if db::client::links_into(tx, a)? > 0 {
            return Err(invalid(
                "other clients are linked into the first client; link the other client into it instead, or unlink them first",
            ));
        }
        if let Some(why) = db::client::link_conflict(tx, a, b)? {
            return Err(invalid(format!("cannot link: {why}")));
        }
        let at = crate::value::date::now().map_err(invalid)?.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let m = Moved::of(db::client::link(tx, a, b, &at)?);
        tx::audit(tx, command, "client", None, "link", Some(&format!("moved {} into another client", m.counts())))?;
        Ok(m)
    })
}

/// `client unlink A`: move back every record the link moved from A, in one
/// audited transaction.
pub fn unlink(conn: &mut Conn, a_ref: &str, command: &str) -> Result<Moved> {
    tx::write(conn, |tx| {
        let a = lookup(tx, a_ref)?;
        let Some((link, into)) = db::client::linked_into(tx, a)? else {
            return Err(invalid("that client is not linked into another (see `pathway client duplicates`)"));
        };
        let m = Moved::of(db::client::unlink(tx, link, a, into)?);
        tx::audit(tx, command, "client", None, "unlink", Some(&format!("moved {} back", m.counts())))?;
        Ok(m)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_ref_are_one_key() {
        for r in ["BC-042", "BC-0042", "bc0042", "BC 42", "bc_0042", "BC/42"] {
            assert_eq!(normalise(r), "bc|42", "{r}");
        }
        assert_ne!(normalise("BC-4-21"), normalise("BC-42-1"));
        assert_ne!(normalise("BC-0042"), normalise("BD-0042"));
        assert_ne!(normalise("BC-0042"), normalise("BC-0420"));
        assert_eq!(normalise("BC-000"), "bc|0");
    }

    #[test]
    fn moved_counts() {
        let m = Moved { referrals: 2, cases: 1, assessments: 0 };
        assert_eq!(m.counts(), "2 referrals, 1 case and 0 assessments");
    }
}
