//! Reading a stored value back into its type. A stored closed-set name or
//! date that does not parse, or is missing where the schema requires it
//! (its CHECKs make this a corrupted file), is an error of its column.

use crate::value::Date;
use rusqlite::Row;
use std::str::FromStr;

/// The error for stored `value` of column `col`, which is not a valid `what`.
pub(crate) fn bad(col: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("stored {what} {value:?} is not valid").into(),
    )
}

/// Column `col` parsed as a `what` (a closed-set name), or NULL.
pub(crate) fn opt_parsed_at<T: FromStr>(r: &Row<'_>, col: usize, what: &str) -> rusqlite::Result<Option<T>> {
    match r.get::<_, Option<String>>(col)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| bad(col, what, &s)),
    }
}

/// Column `col` parsed as a `what`; NULL is an error.
pub(crate) fn parsed_at<T: FromStr>(r: &Row<'_>, col: usize, what: &str) -> rusqlite::Result<T> {
    opt_parsed_at(r, col, what)?.ok_or_else(|| bad(col, what, ""))
}

/// Column `col` as a date, or NULL.
pub(crate) fn opt_date_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Option<Date>> {
    match r.get::<_, Option<String>>(col)? {
        None => Ok(None),
        Some(s) => Date::from_db(&s).map(Some).ok_or_else(|| bad(col, "date", &s)),
    }
}

/// Column `col` as a date; NULL is an error.
pub(crate) fn date_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Date> {
    opt_date_at(r, col)?.ok_or_else(|| bad(col, "date", ""))
}
