//! Rules for clients: data minimisation of the pseudonymous client_ref.

use crate::error::RowError;

/// Check a client_ref: a provider's pseudonymous reference, never a name,
/// an address or a date of birth. Accepted: 1 to 64 characters of letters,
/// digits, `-`, `_`, `/` and `.`, containing at least one digit, with no
/// spaces (a name like "Jane Smith" is refused) and no date pattern
/// (a date of birth like 1985-03-12 or 12/03/85 is refused).
pub fn check_ref(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("a client_ref is required".into());
    }
    if s.len() > 64 {
        return Err(format!("{s:?} is too long for a client_ref (at most 64 characters)"));
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')) {
        return Err("a client_ref may hold only letters, digits, - _ / and . (no spaces): use the provider's pseudonymous reference, never a name".into());
    }
    if !s.chars().any(|c| c.is_ascii_digit()) {
        return Err(
            "a client_ref must contain a digit (e.g. LAM-0042): it looks like a name, and names are never recorded"
                .into(),
        );
    }
    if looks_like_date(s) {
        return Err("a client_ref must not contain a date (it could be a date of birth); use the provider's pseudonymous reference".into());
    }
    Ok(())
}

/// Whether `s` contains something shaped like a date: d/m/y, d.m.y, d-m-y
/// or y-m-d with plausible day and month numbers.
fn looks_like_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split(|c: char| !c.is_ascii_digit()).collect();
    let nums: Vec<Option<u32>> = parts.iter().map(|p| if p.is_empty() { None } else { p.parse().ok() }).collect();
    for w in nums.windows(3) {
        if let [Some(a), Some(b), Some(c)] = *w {
            let (la, lc) = (a.to_string().len(), c.to_string().len());
            let dmy = (1..=31).contains(&a) && (1..=12).contains(&b) && (lc == 2 || lc == 4);
            let ymd = la == 4 && (1900..=2100).contains(&a) && (1..=12).contains(&b) && (1..=31).contains(&c);
            if dmy || ymd {
                return true;
            }
        }
    }
    // 8 digits in a row that read as ddmmyyyy or yyyymmdd.
    for p in parts.iter().filter(|p| p.len() == 8) {
        let d: u32 = p[0..2].parse().unwrap_or(0);
        let m: u32 = p[2..4].parse().unwrap_or(0);
        let y: u32 = p[4..8].parse().unwrap_or(0);
        let y2: u32 = p[0..4].parse().unwrap_or(0);
        let m2: u32 = p[4..6].parse().unwrap_or(0);
        let d2: u32 = p[6..8].parse().unwrap_or(0);
        if ((1..=31).contains(&d) && (1..=12).contains(&m) && (1900..=2100).contains(&y))
            || ((1900..=2100).contains(&y2) && (1..=12).contains(&m2) && (1..=31).contains(&d2))
        {
            return true;
        }
    }
    false
}

/// A `RowError`-friendly check for imports.
pub fn check_ref_at(line: u64, column: &str, s: &str) -> Result<(), RowError> {
    check_ref(s).map_err(|message| RowError { line, column: column.into(), message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_pseudonymous_refs() {
        for ok in ["LAM-0042", "C123", "beth/2021/17", "W00017", "NWC-3-77", "1"] {
            assert_eq!(check_ref(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_names_and_dates_of_birth() {
        for bad in [
            "Jane Smith",
            "JaneSmith",
            "",
            "LAM 42",
            "C-12/03/1985",
            "1985-03-12",
            "x-12.03.85",
            "AB-12031985",
            "19850312",
            "name@example.org",
        ] {
            assert!(check_ref(bad).is_err(), "{bad}");
        }
    }
}
