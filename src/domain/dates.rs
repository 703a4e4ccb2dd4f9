//! The one rule for the dates of things that happened: a referral, a first
//! contact, a case opening, closing or tier change, a payment. None is
//! dated after today (`PATHWAY_NOW` when set, see value::date::today) or
//! before 1900-01-01 (a year typed wrong, such as 0001 or 1921 for 2021, is
//! caught by the second only when it is that far out).

use crate::error::invalid;
use crate::value::date::{self, Date};

/// The earliest date accepted for anything that happened.
pub const EARLIEST: Date = Date(match chrono::NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("1900-01-01"),
});

/// Refuse `d` for a thing that happened if it is after today or before
/// 1900; the message names the value (the caller names the column).
pub fn happened(d: Date) -> Result<(), String> {
    let today = date::today()?;
    if d > today {
        return Err(format!(
            "{d} is after today ({today}); only what has happened can be recorded (dates are read day first: 01/04/2021 is 1 April)"
        ));
    }
    if d < EARLIEST {
        return Err(format!("{d} is before {EARLIEST}; check the year"));
    }
    Ok(())
}

/// `happened` for one option of a command: an error (exit 65) that names
/// the column, e.g. "closed_on: 2031-04-12 is after today (2026-12-01); …".
pub fn check_option(column: &str, d: Date) -> anyhow::Result<()> {
    happened(d).map_err(|m| invalid(format!("{column}: {m}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_past_is_fine_the_future_and_before_1900_are_not() {
        assert_eq!(happened(Date::ymd(2021, 4, 12)), Ok(()));
        assert_eq!(happened(Date::ymd(1900, 1, 1)), Ok(()));
        let e = happened(Date::ymd(1, 1, 1)).unwrap_err();
        assert_eq!(e, "0001-01-01 is before 1900-01-01; check the year");
        let next_year = Date::ymd(date::today().unwrap().year() + 1, 1, 1);
        assert!(happened(next_year).unwrap_err().contains(" is after today ("));
    }
}
