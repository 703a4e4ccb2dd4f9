//! Money: integer pence in, two decimal places out.
//!
//! Accepted: `47013`, `47,013`, `£47,013`, `47013.00`, `23966.5`.
//! Refused: `-5`, `12abc`, `1e9`, `£`, `1.234`, empty.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An amount of money in whole pence. Never negative when parsed from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pence(pub i64);

/// The largest amount accepted: £1,000,000,000,000 (a trillion pounds).
const MAX_POUNDS: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not an amount of money ({reason}); write pounds like 47013, 47,013, £47,013 or 23966.50")]
pub struct MoneyError {
    pub value: String,
    pub reason: &'static str,
}

impl Pence {
    pub fn pounds(p: i64) -> Pence {
        Pence(p * 100)
    }

    /// `23966.00`: the form used in CSV and JSON.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// `£23,966.00`: the form used in tables.
    pub fn pretty(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = (a / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{sign}£{grouped}.{:02}", a % 100)
    }
}

impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

impl Serialize for Pence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl FromStr for Pence {
    type Err = MoneyError;

    fn from_str(input: &str) -> Result<Pence, MoneyError> {
        let err = |reason| MoneyError { value: input.to_string(), reason };
        let s = input.trim();
        let s = s.strip_prefix('£').unwrap_or(s).trim_start();
        if s.is_empty() {
            return Err(err("no digits"));
        }
        if s.starts_with('-') {
            return Err(err("it is negative"));
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        if whole.is_empty() {
            return Err(err("no pounds before the decimal point"));
        }
        // Commas only as thousands separators: 47,013 or 1,000,000.
        let digits: String = if whole.contains(',') {
            let groups: Vec<&str> = whole.split(',').collect();
            let ok = !groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return Err(err("commas must separate thousands"));
            }
            groups.concat()
        } else {
            whole.to_string()
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("only digits, commas, a decimal point and £ are allowed"));
        }
        let pence = match frac {
            None => 0,
            Some(f) if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(err("at most two digits after the decimal point"))
            }
            Some(f) if f.len() == 1 => f.parse::<i64>().unwrap_or(0) * 10,
            Some(f) => f.parse::<i64>().unwrap_or(0),
        };
        let digits = digits.trim_start_matches('0');
        if digits.len() > 13 {
            return Err(err("too large"));
        }
        let pounds: i64 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| err("too large"))? };
        if pounds > MAX_POUNDS {
            return Err(err("too large"));
        }
        Ok(Pence(pounds * 100 + pence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<i64, MoneyError> {
        s.parse::<Pence>().map(|p| p.0)
    }

    #[test]
    fn accepts_the_contract_forms() {
        assert_eq!(p("47013"), Ok(4_701_300));
        assert_eq!(p("47,013"), Ok(4_701_300));
        assert_eq!(p("£47,013"), Ok(4_701_300));
        assert_eq!(p("47013.00"), Ok(4_701_300));
        assert_eq!(p("23966.5"), Ok(2_396_650));
        assert_eq!(p(" £500,000 "), Ok(50_000_000));
        assert_eq!(p("0.01"), Ok(1));
        assert_eq!(p("1,000,000.99"), Ok(100_000_099));
    }

    #[test]
    fn refuses_the_contract_forms() {
        for bad in [
            "-5",
            "12abc",
            "1e9",
            "£",
            "1.234",
            "",
            "1,23",
            "12,3456",
            ",123",
            ".5",
            "5.",
            "1.2.3",
            "NaN",
            "inf",
            "+5",
            "1 000",
            "£-5",
            "99999999999999999999",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn error_names_the_value() {
        let e = p("12abc").unwrap_err().to_string();
        assert!(e.contains("\"12abc\""), "{e}");
        assert!(e.contains("47,013"), "{e}");
    }

    #[test]
    fn renders() {
        assert_eq!(Pence(2_396_600).plain(), "23966.00");
        assert_eq!(Pence(2_396_600).pretty(), "£23,966.00");
        assert_eq!(Pence(5).pretty(), "£0.05");
        assert_eq!(Pence(100_000_000).pretty(), "£1,000,000.00");
        assert_eq!(Pence(-150).plain(), "-1.50");
        assert_eq!(serde_json::to_string(&Pence(2_304_700)).unwrap(), "\"23047.00\"");
    }

    proptest! {
        #[test]
        fn plain_round_trips(n in 0i64..100_000_000_000_000) {
            prop_assert_eq!(Pence(n).plain().parse::<Pence>(), Ok(Pence(n)));
            prop_assert_eq!(Pence(n).pretty().parse::<Pence>(), Ok(Pence(n)));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = s.parse::<Pence>();
        }

        #[test]
        fn never_negative(s in "[-£0-9.,e ]{0,12}") {
            if let Ok(v) = s.parse::<Pence>() { prop_assert!(v.0 >= 0); }
        }
    }
}
