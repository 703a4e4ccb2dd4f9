//! An option value that can also clear what is recorded: `none` (any
//! case), the one way the help and README give, or an empty text (`""`),
//! which scripts written for `decision edit --summary ""` may still use.

use std::str::FromStr;

/// A value, or `Clearable(None)` for `none` or an empty text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clearable<T>(pub Option<T>);

impl<T: FromStr> FromStr for Clearable<T>
where
    T::Err: std::fmt::Display,
{
    type Err = String;
    fn from_str(s: &str) -> Result<Clearable<T>, String> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("none") {
            return Ok(Clearable(None));
        }
        s.parse().map(|v| Clearable(Some(v))).map_err(|e: T::Err| format!("{e}, or none to clear it"))
    }
}

impl Clearable<String> {
    /// The text, trimmed, or `None` to clear it.
    pub fn text(self) -> Option<String> {
        self.0.map(|s| s.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_or_an_empty_text_clears() {
        for s in ["none", "None", " NONE ", "", "  "] {
            assert_eq!(s.parse::<Clearable<String>>(), Ok(Clearable(None)), "{s:?}");
        }
        assert_eq!(
            " Office of the PCC ".parse::<Clearable<String>>().unwrap().text().as_deref(),
            Some("Office of the PCC")
        );
        assert_eq!("2".parse::<Clearable<u8>>(), Ok(Clearable(Some(2))));
        assert!("x".parse::<Clearable<u8>>().unwrap_err().ends_with(", or none to clear it"));
    }
}
