//! Periods, one grammar everywhere:
//!
//! * `2021-04`: a calendar month;
//! * `2021/22`: a UK financial year, 1 April 2021 to 31 March 2022;
//! * `2021/22-Q1`: a financial quarter (Q1 = April to June, Q4 = January to March);
//! * `2021-04-01..2021-06-30`: a range of dates, inclusive at both ends.

use super::date::Date;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

pub const PERIOD_FORMS: &str = "2021-04 (a month), 2021/22 (a financial year, April to March), \
2021/22-Q1 (a financial quarter, Q1 = April to June) or 2021-04-01..2021-06-30 (a range, both ends included)";

/// A period of whole days, `from` and `to` both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub label: String,
    pub from: Date,
    pub to: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a period{reason}; write {PERIOD_FORMS}")]
pub struct PeriodError {
    pub value: String,
    pub reason: String,
}

impl Period {
    pub fn new(label: impl Into<String>, from: Date, to: Date) -> Period {
        Period { label: label.into(), from, to }
    }

    pub fn month(y: i32, m: u32) -> Option<Period> {
        let from = chrono::NaiveDate::from_ymd_opt(y, m, 1)?;
        let next = if m == 12 {
            chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)?
        } else {
            chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)?
        };
        Some(Period::new(format!("{y:04}-{m:02}"), Date(from), Date(next.pred_opt()?)))
    }

    pub fn financial_year(start: i32) -> Period {
        Period::new(format!("{start:04}/{:02}", (start + 1) % 100), Date::ymd(start, 4, 1), Date::ymd(start + 1, 3, 31))
    }

    pub fn quarter(start: i32, q: u32) -> Period {
        let (from, to) = match q {
            1 => (Date::ymd(start, 4, 1), Date::ymd(start, 6, 30)),
            2 => (Date::ymd(start, 7, 1), Date::ymd(start, 9, 30)),
            3 => (Date::ymd(start, 10, 1), Date::ymd(start, 12, 31)),
            _ => (Date::ymd(start + 1, 1, 1), Date::ymd(start + 1, 3, 31)),
        };
        Period::new(format!("{start:04}/{:02}-Q{q}", (start + 1) % 100), from, to)
    }

    /// The calendar month before the one containing `day` (for cron).
    pub fn month_before(day: Date) -> Period {
        use chrono::Datelike;
        let (y, m) = (day.0.year(), day.0.month());
        let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        Period::month(y, m).expect("valid month")
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }

    pub fn overlaps(&self, from: Date, to: Date) -> bool {
        from <= self.to && to >= self.from
    }

    /// The start of the financial year that `label` names, e.g. `2021/22` → 2021.
    pub fn parse_financial_year(s: &str) -> Option<i32> {
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'/'
            || !b[..4].iter().all(u8::is_ascii_digit)
            || !b[5..].iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        let start: i32 = s[..4].parse().ok()?;
        let end: i32 = s[5..].parse().ok()?;
        ((start + 1) % 100 == end && start >= 1900).then_some(start)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(input: &str) -> Result<Period, PeriodError> {
        let s = input.trim();
        let err = |reason: &str| PeriodError { value: input.to_string(), reason: reason.to_string() };
        if let Some((a, b)) = s.split_once("..") {
            let from: Date = a.parse().map_err(|_| err(" (the start is not a date)"))?;
            let to: Date = b.parse().map_err(|_| err(" (the end is not a date)"))?;
            if to < from {
                return Err(err(" (the end is before the start)"));
            }
            return Ok(Period::new(format!("{from}..{to}"), from, to));
        }
        let b = s.as_bytes();
        // 2021-04
        if b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            let y: i32 = s[..4].parse().map_err(|_| err(""))?;
            let m: u32 = s[5..].parse().map_err(|_| err(""))?;
            if !(1..=12).contains(&m) {
                return Err(err(&format!(" (there is no month {m})")));
            }
            if y < 1900 {
                return Err(err(" (the year is too early)"));
            }
            return Period::month(y, m).ok_or_else(|| err(""));
        }
        // 2021/22 or 2021/22-Q1
        let (fy, q) = match s.split_once('-') {
            Some((fy, q)) => (fy, Some(q)),
            None => (s, None),
        };
        let Some(start) = Period::parse_financial_year(fy) else {
            if fy.len() == 7 && fy.as_bytes()[4] == b'/' {
                return Err(err(" (a financial year is two years in a row, like 2021/22)"));
            }
            return Err(err(""));
        };
        match q {
            None => Ok(Period::financial_year(start)),
            Some(q) => match q.to_ascii_uppercase().as_str() {
                "Q1" => Ok(Period::quarter(start, 1)),
                "Q2" => Ok(Period::quarter(start, 2)),
                "Q3" => Ok(Period::quarter(start, 3)),
                "Q4" => Ok(Period::quarter(start, 4)),
                _ => Err(err(" (quarters are Q1 to Q4)")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> (String, String, String) {
        let p: Period = s.parse().unwrap();
        (p.label, p.from.iso(), p.to.iso())
    }

    #[test]
    fn months() {
        assert_eq!(p("2021-04"), ("2021-04".into(), "2021-04-01".into(), "2021-04-30".into()));
        assert_eq!(p("2024-02").2, "2024-02-29");
        assert_eq!(p("2023-02").2, "2023-02-28");
        assert_eq!(p("2021-12").2, "2021-12-31");
    }

    #[test]
    fn financial_years_and_quarters() {
        assert_eq!(p("2021/22"), ("2021/22".into(), "2021-04-01".into(), "2022-03-31".into()));
        assert_eq!(p("1999/00"), ("1999/00".into(), "1999-04-01".into(), "2000-03-31".into()));
        assert_eq!(p("2021/22-Q1"), ("2021/22-Q1".into(), "2021-04-01".into(), "2021-06-30".into()));
        assert_eq!(p("2021/22-Q2").1, "2021-07-01");
        assert_eq!(p("2021/22-Q3").2, "2021-12-31");
        assert_eq!(p("2021/22-Q4"), ("2021/22-Q4".into(), "2022-01-01".into(), "2022-03-31".into()));
    }

    #[test]
    fn ranges_are_inclusive() {
        assert_eq!(
            p("2021-04-01..2021-06-30"),
            ("2021-04-01..2021-06-30".into(), "2021-04-01".into(), "2021-06-30".into())
        );
        assert_eq!(p("01/04/2021..30/06/2021").2, "2021-06-30");
        assert_eq!(p("2021-04-01..2021-04-01").1, "2021-04-01");
    }

    #[test]
    fn refuses() {
        for bad in [
            "2021-13",
            "2021-00",
            "2021/23",
            "2021/22-Q5",
            "2021",
            "",
            "2021-06-30..2021-04-01",
            "x..y",
            "2021/2022",
            "Q1",
            "2021/22-",
            "21/22",
        ] {
            let e = bad.parse::<Period>().unwrap_err().to_string();
            assert!(e.contains("2021/22-Q1"), "{bad}: {e}");
        }
        let e = "2021-13".parse::<Period>().unwrap_err().to_string();
        assert!(e.starts_with("\"2021-13\" is not a period (there is no month 13)"), "{e}");
    }

    #[test]
    fn month_before() {
        assert_eq!(Period::month_before(Date::ymd(2021, 5, 1)).label, "2021-04");
        assert_eq!(Period::month_before(Date::ymd(2022, 1, 15)).label, "2021-12");
    }

    proptest! {
        #[test]
        fn labels_round_trip(y in 1900i32..2200, m in 1u32..=12, q in 1u32..=4) {
            let month = Period::month(y, m).unwrap();
            prop_assert_eq!(month.label.parse::<Period>().unwrap(), month.clone());
            let fy = Period::financial_year(y);
            prop_assert_eq!(fy.label.parse::<Period>().unwrap(), fy.clone());
            let quarter = Period::quarter(y, q);
            prop_assert_eq!(quarter.label.parse::<Period>().unwrap(), quarter.clone());
            prop_assert!(fy.from <= quarter.from && quarter.to <= fy.to);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = s.parse::<Period>();
        }
    }
}
