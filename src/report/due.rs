//! `report due`: the returns grants' reporting schedules ask for, with when
//! each is due and whether it was filed.
//!
//! A grant with `--returns monthly|quarterly --due-days N` asks for one
//! return for each calendar month (or financial quarter, Q1 = April to June)
//! that overlaps its start..end (a grant without an end: every period up to
//! the look-ahead), due N days after the period's last day. A grant without
//! a start date asks for none. A return filed for exactly the period's days,
//! for the whole database or for one of the services the grant funds (or
//! their spokes), counts as filed.

use crate::db::{self, Conn};
use crate::value::{Date, Period};
use anyhow::Result;
use serde::Serialize;

/// How far ahead of the day `report due` looks.
pub const LOOK_AHEAD_DAYS: i64 = 30;

/// Where a scheduled return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Due on or after the day, not filed.
    Due,
    /// Due before the day, not filed.
    Overdue,
    Filed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Due => "due",
            Status::Overdue => "overdue",
            Status::Filed => "filed",
        }
    }
}

/// One return a schedule asks for.
#[derive(Debug, Clone, Serialize)]
pub struct DueReturn {
    pub grant: String,
    pub decision: String,
    pub recipient: String,
    pub period: String,
    pub from: Date,
    pub to: Date,
    pub due_on: Date,
    pub status: Status,
    /// The filing that counts (its id and when), for a filed one.
    pub filed_id: Option<i64>,
    pub filed_at: Option<String>,
}

/// The periods of `returns` ("monthly" or "quarterly") that overlap
/// from..to, in order.
pub fn periods(returns: &str, from: Date, to: Date) -> Vec<Period> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    if returns == "quarterly" {
        // Back to the first month of the financial quarter.
        m -= (m + 8) % 3;
    }
    loop {
        let p = if returns == "quarterly" {
            let start = if m >= 4 { y } else { y - 1 };
            let q = match m {
                4 => 1,
                7 => 2,
                10 => 3,
                _ => 4,
            };
            Period::quarter(start, q)
        } else {
            Period::month(y, m).expect("a month")
        };
        if p.from > to {
            break;
        }
        out.push(p);
        let step = if returns == "quarterly" { 3 } else { 1 };
        m += step;
        if m > 12 {
            m -= 12;
            y += 1;
        }
    }
    out
}

/// Every scheduled return due on or before `as_of` + `LOOK_AHEAD_DAYS`,
/// by due date then grant.
pub fn build(conn: &Conn, as_of: Date) -> Result<Vec<DueReturn>> {
    let horizon = Date(as_of.0 + chrono::Duration::days(LOOK_AHEAD_DAYS));
    let filed = db::filed::list(conn)?;
    let mut out = Vec::new();
    for g in db::filed::scheduled(conn)? {
        let Some(start) = g.start_on.as_deref().and_then(Date::from_db) else { continue };
        let end = g.end_on.as_deref().and_then(Date::from_db).unwrap_or(horizon);
        for p in periods(&g.returns, start, end) {
            let due_on = Date(p.to.0 + chrono::Duration::days(i64::from(g.due_days)));
            if due_on > horizon {
                continue;
            }
            let counts = filed.iter().rev().find(|f| {
                f.from_on == p.from.iso()
                    && f.to_on == p.to.iso()
                    && f.service.as_ref().map_or(true, |s| g.services.iter().any(|x| x.eq_ignore_ascii_case(s)))
            });
            let status = match counts {
                Some(_) => Status::Filed,
                None if due_on < as_of => Status::Overdue,
                None => Status::Due,
            };
            out.push(DueReturn {
                grant: g.grant.clone(),
                decision: g.decision.clone(),
                recipient: g.recipient.clone(),
                period: p.label.clone(),
                from: p.from,
                to: p.to,
                due_on,
                status,
                filed_id: counts.map(|f| f.id),
                filed_at: counts.map(|f| f.filed_at.clone()),
            });
        }
    }
    out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.grant.cmp(&b.grant)));
    Ok(out)
}

/// `report due`: one row per scheduled return, in every format.
impl crate::output::Render for Vec<DueReturn> {
    fn rows(&self, out: &mut crate::output::Out) -> Result<()> {
        use crate::output::Cell;
        let due = self;
        let mut rows = out.rows(&[
            "grant",
            "decision",
            "recipient",
            "period",
            "from",
            "to",
            "due_on",
            "status",
            "filed_id",
            "filed_at",
        ])?;
        for d in due {
            rows.push(vec![
                Cell::text(d.grant.clone()),
                Cell::text(d.decision.clone()),
                Cell::text(d.recipient.clone()),
                Cell::text(d.period.clone()),
                Cell::Date(d.from),
                Cell::Date(d.to),
                Cell::Date(d.due_on),
                Cell::text(d.status.as_str()),
                Cell::opt_int(d.filed_id),
                Cell::opt_text(d.filed_at.clone()),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }
}

/// The one-line message of `--fail-overdue` when returns are overdue.
pub fn overdue_message(due: &[DueReturn], as_of: Date) -> Option<String> {
    let late: Vec<String> = due
        .iter()
        .filter(|d| d.status == Status::Overdue)
        .map(|d| format!("{} {} (due {})", d.grant, d.period, d.due_on))
        .collect();
    if late.is_empty() {
        return None;
    }
    Some(format!(
        "{} overdue and not filed on {as_of}: {}",
        if late.len() == 1 { "1 return is".to_string() } else { format!("{} returns are", late.len()) },
        late.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(returns: &str, from: Date, to: Date) -> Vec<String> {
        periods(returns, from, to).into_iter().map(|p| p.label).collect()
    }

    #[test]
    fn months_and_quarters_over_a_grant() {
        assert_eq!(
            labels("monthly", Date::ymd(2021, 11, 15), Date::ymd(2022, 2, 1)),
            ["2021-11", "2021-12", "2022-01", "2022-02"]
        );
        assert_eq!(
            labels("quarterly", Date::ymd(2021, 4, 1), Date::ymd(2022, 3, 31)),
            ["2021/22-Q1", "2021/22-Q2", "2021/22-Q3", "2021/22-Q4"]
        );
        assert_eq!(labels("quarterly", Date::ymd(2022, 2, 10), Date::ymd(2022, 4, 1)), ["2021/22-Q4", "2022/23-Q1"]);
        assert_eq!(labels("quarterly", Date::ymd(2021, 12, 31), Date::ymd(2021, 12, 31)), ["2021/22-Q3"]);
    }
}
