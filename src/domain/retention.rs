//! Retention (UK GDPR storage limitation, PRODUCT.md 6.5): a policy kept in
//! the database, the women it ages out, and erasing or anonymising them in
//! one transaction with one audit entry of counts.
//!
//! The rule of who ages out is written once, in `db::retention`.

use crate::db::{self, tx, Conn};
use crate::error::usage;
use crate::value::Date;
use anyhow::Result;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// What happens to a woman who ages out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Remove her and everything held about her, as `client erase` does.
    Erase,
    /// Keep her records for historical counts, with every ref replaced and
    /// her equality answers cleared.
    Anonymise,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Erase => "erase",
            Action::Anonymise => "anonymise",
        }
    }

    fn past(self) -> &'static str {
        match self {
            Action::Erase => "erased",
            Action::Anonymise => "anonymised",
        }
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Action, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "erase" => Ok(Action::Erase),
            "anonymise" | "anonymize" => Ok(Action::Anonymise),
            _ => Err("the action is erase or anonymise".into()),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The retention policy: how many years after a woman's last activity her
/// records are kept, and what happens to them then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub years: u32,
    pub action: Action,
}

impl Policy {
    /// "6 years after her last record, then erase".
    pub fn describe(&self) -> String {
        format!(
            "{} {} after a woman's last record, then {}",
            self.years,
            if self.years == 1 { "year" } else { "years" },
            self.action
        )
    }

    /// The first day inside the window as of `as_of`: a woman whose last
    /// record is before it ages out.
    pub fn cutoff(&self, as_of: Date) -> Date {
        let back = chrono::Months::new(self.years * 12);
        Date(as_of.0.checked_sub_months(back).unwrap_or(chrono::NaiveDate::MIN))
    }
}

/// One woman who ages out (her ref and referral refs are shown only with
/// `retention plan --list-refs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgedOut {
    #[serde(skip)]
    pub client_id: i64,
    pub client_ref: String,
    /// The date of her latest record.
    pub last_on: String,
    pub referrals: i64,
    pub cases: i64,
    pub assessments: i64,
    pub referral_refs: Vec<String>,
}

/// What `retention plan` would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub policy: Policy,
    pub as_of: Date,
    pub cutoff: Date,
    pub women: Vec<AgedOut>,
}

/// The counts of a plan or of what was done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub women: i64,
    pub referrals: i64,
    pub cases: i64,
    pub assessments: i64,
}

impl Plan {
    pub fn counts(&self) -> Counts {
        let mut c = Counts { women: self.women.len() as i64, ..Counts::default() };
        for w in &self.women {
            c.referrals += w.referrals;
            c.cases += w.cases;
            c.assessments += w.assessments;
        }
        c
    }
}

/// The message when no policy is recorded.
pub const NO_POLICY: &str =
    "no retention policy is set; set one first, e.g. `pathway retention set --years 6` (or --action anonymise)";

/// The recorded policy, or the NO_POLICY usage error.
pub fn policy(conn: &Conn) -> Result<Policy> {
    db::retention::policy(conn)?.ok_or_else(|| usage(NO_POLICY))
}

/// The recorded policy, if any.
pub fn show(conn: &Conn) -> Result<Option<Policy>> {
    db::retention::policy(conn)
}

/// Record the policy in one audited transaction. Returns the one it
/// replaced.
pub fn set(conn: &mut Conn, p: Policy, command: &str) -> Result<Option<Policy>> {
    if !(1..=100).contains(&p.years) {
        return Err(usage("--years is a whole number of years from 1 to 100"));
    }
    tx::write(conn, |tx| {
        let old = db::retention::policy(tx)?;
        if old != Some(p) {
            db::retention::set_policy(tx, &p)?;
            tx::audit(tx, command, "retention", None, "set", Some(&p.describe()))?;
        }
        Ok(old)
    })
}

/// The day the plan is made for: `as_of`, never after today (a later day
/// would remove women still inside the window).
fn as_of_day(as_of: Option<Date>) -> Result<Date> {
    let today = crate::value::date::today().map_err(usage)?;
    match as_of {
        Some(d) if d > today => Err(usage(format!(
            "--as-of {} is after today ({}): retention never runs ahead of the calendar",
            d.iso(),
            today.iso()
        ))),
        Some(d) => Ok(d),
        None => Ok(today),
    }
}

fn plan_in(conn: &Conn, policy: Policy, as_of: Date) -> Result<Plan> {
    let cutoff = policy.cutoff(as_of);
    let women = db::retention::aged_out(conn, &cutoff.iso())?;
    Ok(Plan { policy, as_of, cutoff, women })
}

/// `retention plan`: the women who age out as of `as_of` (default today).
pub fn plan(conn: &Conn, as_of: Option<Date>) -> Result<Plan> {
    let p = policy(conn)?;
    plan_in(conn, p, as_of_day(as_of)?)
}

/// What `retention apply` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub action: Action,
    pub as_of: Date,
    pub cutoff: Date,
    #[serde(flatten)]
    pub counts: Counts,
    /// Audit entries about these women, removed with them.
    pub audit_rows: i64,
    /// Whether the write-ahead log was emptied at once (see `client erase`).
    #[serde(skip)]
    pub checkpointed: bool,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Applied {
    /// The audit detail and the message: counts only.
    pub fn detail(&self) -> String {
        format!(
            "{} {} ({}, {}, {}; {} about them removed), last record before {}",
            plural(self.counts.women, "woman", "women"),
            self.action.past(),
            plural(self.counts.referrals, "referral", "referrals"),
            plural(self.counts.cases, "case", "cases"),
            plural(self.counts.assessments, "assessment", "assessments"),
            plural(self.audit_rows, "audit entry", "audit entries"),
            self.cutoff.iso()
        )
    }
}

/// `retention apply`: erase or anonymise, as the policy says, every woman
/// who ages out, in one transaction with one audit entry of counts; then
/// empty the write-ahead log (secure_delete has overwritten the old rows),
/// as `client erase` does.
pub fn apply(conn: &mut Conn, as_of: Option<Date>, command: &str) -> Result<Applied> {
    let as_of = as_of_day(as_of)?;
    let mut applied = tx::write(conn, |tx| {
        let p = policy(tx)?;
        let plan = plan_in(tx, p, as_of)?;
        if !plan.women.is_empty() {
            // Removal rewrites pages all over the file: never into a damaged one.
            tx::quick_check(tx)?;
        }
        let mut audit_rows = 0;
        for w in &plan.women {
            let r = match p.action {
                Action::Erase => db::client::erase(tx, w.client_id)?,
                Action::Anonymise => db::client::anonymise(tx, w.client_id)?,
            };
            audit_rows += r.audit_rows as i64;
        }
        if !plan.women.is_empty() {
            db::client::purge_index_copies(tx)?;
        }
        let a = Applied {
            action: p.action,
            as_of,
            cutoff: plan.cutoff,
            counts: plan.counts(),
            audit_rows,
            checkpointed: false,
        };
        tx::audit(tx, command, "retention", None, "apply", Some(&a.detail()))?;
        Ok(a)
    })?;
    applied.checkpointed = db::client::checkpoint(conn)?;
    Ok(applied)
}

/// `--years` as given on the command line.
pub fn parse_years(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(y) if (1..=100).contains(&y) => Ok(y),
        _ => Err("write a whole number of years from 1 to 100, e.g. 6".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_years_back() {
        let p = Policy { years: 6, action: Action::Erase };
        assert_eq!(p.cutoff(Date::ymd(2027, 6, 30)), Date::ymd(2021, 6, 30));
        assert_eq!(p.cutoff(Date::ymd(2026, 2, 28)), Date::ymd(2020, 2, 28));
        assert_eq!(Policy { years: 1, ..p }.cutoff(Date::ymd(2024, 2, 29)), Date::ymd(2023, 2, 28));
    }

    #[test]
    fn the_audit_detail_is_counts_only() {
        let a = Applied {
            action: Action::Erase,
            as_of: Date::ymd(2027, 1, 1),
            cutoff: Date::ymd(2021, 1, 1),
            counts: Counts { women: 2, referrals: 3, cases: 1, assessments: 0 },
            audit_rows: 4,
            checkpointed: true,
        };
        assert_eq!(
            a.detail(),
            "2 women erased (3 referrals, 1 case, 0 assessments; 4 audit entries about them removed), last record before 2021-01-01"
        );
    }
}
