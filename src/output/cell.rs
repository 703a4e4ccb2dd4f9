//! One value in a row, and how it looks in each format.

use crate::value::{Date, Pence};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A closed-set name: lower_snake_case in files, a label in tables.
    Name(&'static str, &'static str),
    Int(i64),
    Money(Pence),
    Date(Date),
    /// A number shown with a fixed number of decimal places.
    Num(f64, usize),
    Bool(bool),
    List(Vec<String>),
    Null,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Cell {
        s.map(|s| Cell::Text(s.into())).unwrap_or(Cell::Null)
    }

    pub fn opt_date(d: Option<Date>) -> Cell {
        d.map(Cell::Date).unwrap_or(Cell::Null)
    }

    pub fn opt_money(p: Option<Pence>) -> Cell {
        p.map(Cell::Money).unwrap_or(Cell::Null)
    }

    pub fn opt_int(i: Option<i64>) -> Cell {
        i.map(Cell::Int).unwrap_or(Cell::Null)
    }

    pub fn for_table(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Name(_, label) => label.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Money(p) => p.pretty(),
            Cell::Date(d) => d.iso(),
            Cell::Num(n, places) => format!("{n:.places$}"),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
            Cell::List(l) => l.join(", "),
            Cell::Null => String::new(),
        }
    }

    pub fn for_csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Name(name, _) => name.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Money(p) => p.plain(),
            Cell::Date(d) => d.iso(),
            Cell::Num(n, places) => format!("{n:.places$}"),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
            Cell::List(l) => l.join(";"),
            Cell::Null => String::new(),
        }
    }

    /// The cell as a JSON value (as its `Serialize` writes it).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Money(_) | Cell::Num(..))
    }
}

/// Spreadsheet safety (OWASP "CSV injection"): a cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula
/// by Excel, LibreOffice or Google Sheets. Such a cell gets a leading `'`,
/// which spreadsheets show as text. Imports remove that one `'` again (see
/// `unneutralise`), so export → import round-trips. Numbers and dates that
/// pathway writes itself never start with these characters.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{s}")),
        // A value that itself starts with ' followed by one of those would
        // lose its quote on import: keep it by doubling.
        Some(b'\'') if matches!(s.as_bytes().get(1), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')) => {
            std::borrow::Cow::Owned(format!("'{s}"))
        }
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// The inverse of `neutralise`, applied to every imported text field.
pub fn unneutralise(s: &str) -> &str {
    let b = s.as_bytes();
    if b.first() == Some(&b'\'') && matches!(b.get(1), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')) {
        &s[1..]
    } else {
        s
    }
}

/// A cell in JSON: text, names, money and dates as strings, a number with
/// its places (0.870 is 0.87), a list as an array; the one definition the
/// JSON of lists, rows and shown records all use.
impl serde::Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Name(name, _) => s.serialize_str(name),
            Cell::Int(i) => s.serialize_i64(*i),
            Cell::Money(p) => s.serialize_str(&p.plain()),
            Cell::Date(d) => s.serialize_str(&d.iso()),
            Cell::Num(n, places) => match serde_json::from_str::<serde_json::Number>(&format!("{n:.places$}")) {
                Ok(number) => number.serialize(s),
                Err(_) => s.serialize_none(),
            },
            Cell::Bool(b) => s.serialize_bool(*b),
            Cell::List(l) => l.serialize(s),
            Cell::Null => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+44"), "'+44");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("Beth Centre"), "Beth Centre");
        assert_eq!(neutralise("'quoted"), "'quoted");
        assert_eq!(neutralise("'=x"), "''=x");
    }

    proptest! {
        #[test]
        fn neutralising_round_trips(s in "\\PC*") {
            let n = neutralise(&s);
            prop_assert_eq!(unneutralise(&n), s.as_str());
        }
    }

    #[test]
    fn formats() {
        let m = Cell::Money(Pence(2_396_600));
        assert_eq!(m.for_table(), "£23,966.00");
        assert_eq!(m.for_csv(), "23966.00");
        assert_eq!(m.to_json(), serde_json::json!("23966.00"));
        assert_eq!(Cell::Num(0.87, 4).to_json(), serde_json::json!(0.87));
        assert_eq!(Cell::Null.to_json(), serde_json::Value::Null);
    }
}
