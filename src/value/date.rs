//! Dates: ISO `2021-04-01` or UK day-first `01/04/2021`, `1/4/21`, `15.03.21`
//! in; ISO always out. Never month-first.

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

pub const DATE_FORMS: &str = "2021-04-01, 01/04/2021, 1/4/21 or 15.03.21 (day first)";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a date{reason}; write {DATE_FORMS}")]
pub struct DateError {
    pub value: String,
    pub reason: String,
}

impl Date {
    pub fn ymd(y: i32, m: u32, d: u32) -> Date {
        Date(NaiveDate::from_ymd_opt(y, m, d).expect("valid date"))
    }

    pub fn iso(self) -> String {
        self.to_string()
    }

    /// Today on the computer's clock. Rules and reports use `today()`,
    /// which honours `PATHWAY_NOW`.
    pub fn today() -> Date {
        Date(chrono::Local::now().date_naive())
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }

    pub fn succ(self) -> Date {
        Date(self.0.succ_opt().expect("date in range"))
    }

    pub fn pred(self) -> Date {
        Date(self.0.pred_opt().expect("date in range"))
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u32 {
        self.0.month()
    }

    /// Parse the ISO text stored in the database (trusted, but checked).
    pub fn from_db(s: &str) -> Option<Date> {
        parse_iso(s.as_bytes()).ok()
    }
}

/// The environment variable that fixes "now" (RFC 3339), so that a run can
/// be repeated exactly: the `generated_at` of a return, and the "today"
/// that no record may be dated after.
pub const NOW_VAR: &str = "PATHWAY_NOW";

/// `PATHWAY_NOW` as given, parsed; `Ok(None)` when unset or empty.
pub fn parse_now(value: Option<&str>) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, String> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(Some)
            .map_err(|_| format!("{NOW_VAR}={s:?} is not a time; write it in RFC 3339, e.g. 2021-05-01T06:00:00Z")),
    }
}

/// Now, in UTC: `PATHWAY_NOW` when set, else the clock.
pub fn now() -> Result<chrono::DateTime<chrono::Utc>, String> {
    let var = std::env::var(NOW_VAR).ok();
    Ok(match parse_now(var.as_deref())? {
        Some(t) => t.with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    })
}

/// Today: the date of `PATHWAY_NOW` (as written, in its own offset) when
/// set, else the computer's date. Read once per run.
pub fn today() -> Result<Date, String> {
    static TODAY: std::sync::OnceLock<Result<Date, String>> = std::sync::OnceLock::new();
    TODAY
        .get_or_init(|| {
            let var = std::env::var(NOW_VAR).ok();
            Ok(match parse_now(var.as_deref())? {
                Some(t) => Date(t.date_naive()),
                None => Date::today(),
            })
        })
        .clone()
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), self.0.month(), self.0.day())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

fn make(y: i32, m: u32, d: u32) -> Result<Date, String> {
    if !(1..=12).contains(&m) {
        return Err(format!(" (there is no month {m})"));
    }
    NaiveDate::from_ymd_opt(y, m, d).map(Date).ok_or_else(|| {
        let month = NaiveDate::from_ymd_opt(y, m, 1).map(|x| x.format("%B").to_string()).unwrap_or_default();
        format!(" ({month} {y} has no day {d})")
    })
}

fn parse_iso(b: &[u8]) -> Result<Date, String> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(String::new());
    }
    match (num(&b[0..4]), num(&b[5..7]), num(&b[8..10])) {
        (Some(y), Some(m), Some(d)) if y >= 1 => make(y as i32, m, d),
        _ => Err(String::new()),
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(input: &str) -> Result<Date, DateError> {
        let s = input.trim();
        let b = s.as_bytes();
        let err = |reason: String| DateError { value: input.to_string(), reason };
        if b.len() == 10 && b[4] == b'-' {
            return parse_iso(b).map_err(err);
        }
        // UK day-first: d/m/yy, dd/mm/yyyy, d.m.yy ...
        let sep = if s.contains('/') {
            b'/'
        } else if s.contains('.') {
            b'.'
        } else {
            return Err(err(String::new()));
        };
        let parts: Vec<&[u8]> = b.split(|&c| c == sep).collect();
        if parts.len() != 3 || parts[0].len() > 2 || parts[1].len() > 2 || !matches!(parts[2].len(), 2 | 4) {
            return Err(err(String::new()));
        }
        let (Some(d), Some(m), Some(y)) = (num(parts[0]), num(parts[1]), num(parts[2])) else {
            return Err(err(String::new()));
        };
        let y = if parts[2].len() == 2 { 2000 + y } else { y };
        if y < 1900 {
            return Err(err(format!(" (year {y} is too early)")));
        }
        make(y as i32, m, d).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Result<String, DateError> {
        s.parse::<Date>().map(|d| d.iso())
    }

    #[test]
    fn accepts_iso_and_uk_day_first() {
        assert_eq!(d("2021-04-01").unwrap(), "2021-04-01");
        assert_eq!(d("01/04/2021").unwrap(), "2021-04-01");
        assert_eq!(d("1/4/21").unwrap(), "2021-04-01");
        assert_eq!(d("15.03.21").unwrap(), "2021-03-15");
        assert_eq!(d("16/3/21").unwrap(), "2021-03-16");
        assert_eq!(d("09.03.21").unwrap(), "2021-03-09");
        assert_eq!(d(" 29/02/2024 ").unwrap(), "2024-02-29");
    }

    #[test]
    fn never_month_first() {
        // 03/15/2021 would be 15 March month-first: refused, there is no month 15.
        let e = d("03/15/2021").unwrap_err().to_string();
        assert!(e.contains("no month 15"), "{e}");
        // 04/01/2021 is 4 January, never 1 April.
        assert_eq!(d("04/01/2021").unwrap(), "2021-01-04");
    }

    #[test]
    fn refuses_impossible_and_malformed() {
        let e = d("31/02/2021").unwrap_err().to_string();
        assert_eq!(e, "\"31/02/2021\" is not a date (February 2021 has no day 31); write 2021-04-01, 01/04/2021, 1/4/21 or 15.03.21 (day first)");
        for bad in [
            "",
            "2021-4-1",
            "2021-13-01",
            "2021-02-29",
            "1/4/021",
            "1/4",
            "a/b/c",
            "2021/04/01",
            "1-4-21",
            "01/04/2021/",
            "0/1/2021",
            "1.4.2021.",
            "20210401",
            "1/4/1800",
        ] {
            assert!(d(bad).is_err(), "{bad:?} should be refused");
        }
    }

    proptest! {
        #[test]
        fn iso_round_trips(days in 0i64..80_000) {
            let date = Date(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days));
            prop_assert_eq!(date.iso().parse::<Date>(), Ok(date));
            let uk = date.0.format("%d/%m/%Y").to_string();
            prop_assert_eq!(uk.parse::<Date>(), Ok(date));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = s.parse::<Date>();
        }
    }
}
