//! SQL for referrals.
//!
//! Imports insert through `Inserts` (prepared once for the file) and call
//! `find_by_ref`, `find_by_key`, `insert` and `update` through cached
//! statements; dates are bound as
//! ISO text built on the stack, so a row costs no allocation here.

use crate::db::raw::{Insert, Param};
use crate::domain::referral::{Filter, OutcomeFilter, Referral, Stored};
use crate::value::names::{Needs, ReferralOutcome, Risk, Source};
use crate::value::Date;
use anyhow::Result;
use chrono::Datelike;
use rusqlite::types::ValueRef;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};

/// ISO `YYYY-MM-DD` without allocating.
pub struct Iso([u8; 10]);

impl Iso {
    pub fn new(d: Date) -> Iso {
        let (y, m, dd) = (d.0.year().clamp(0, 9999) as u32, d.0.month(), d.0.day());
        let mut b = *b"0000-00-00";
        b[0] = b'0' + (y / 1000) as u8;
        b[1] = b'0' + (y / 100 % 10) as u8;
        b[2] = b'0' + (y / 10 % 10) as u8;
        b[3] = b'0' + (y % 10) as u8;
        b[5] = b'0' + (m / 10) as u8;
        b[6] = b'0' + (m % 10) as u8;
        b[8] = b'0' + (dd / 10) as u8;
        b[9] = b'0' + (dd % 10) as u8;
        Iso(b)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written.
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

fn opt_iso(d: Option<Date>) -> Option<Iso> {
    d.map(Iso::new)
}

/// The values of one referral as bound to statements.
struct Bound<'a> {
    referred_on: Iso,
    first_contact_on: Option<Iso>,
    source: &'static str,
    outcome: Option<&'static str>,
    risk: Option<&'static str>,
    r: &'a Referral<'a>,
}

impl<'a> Bound<'a> {
    fn new(r: &'a Referral<'a>) -> Bound<'a> {
        Bound {
            referred_on: Iso::new(r.referred_on),
            first_contact_on: opt_iso(r.first_contact_on),
            source: r.source.as_str(),
            outcome: r.outcome.map(ReferralOutcome::as_str),
            risk: r.risk.map(Risk::as_str),
            r,
        }
    }

    /// The referral's columns in the order every statement here binds
    /// them as ?1 to ?11: client, service, referred_on, source, area,
    /// needs, outcome, first_contact_on, risk, marac, ref. `raw::Insert`
    /// binds them without copying the text; rusqlite's statements take them
    /// too (`Param` is `ToSql`).
    fn params<'s>(&'s self, client_id: i64, service_id: i64) -> [Param<'s>; 11] {
        let r = self.r;
        [
            Param::Int(client_id),
            Param::Int(service_id),
            Param::Text(self.referred_on.as_str()),
            Param::Text(self.source),
            r.area.into(),
            Param::Int(i64::from(r.needs.0)),
            self.outcome.into(),
            self.first_contact_on.as_ref().map(Iso::as_str).into(),
            self.risk.into(),
            Param::Int(i64::from(r.marac)),
            r.ref_.into(),
        ]
    }
}

/// The SQL of `Inserts::new_ref`.
const INSERT_NEW_REF: &str = "INSERT INTO referrals (client_id, service_id, referred_on, source, area, needs, outcome, first_contact_on, risk, marac, ref)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
     ON CONFLICT (ref) WHERE ref IS NOT NULL DO NOTHING";

/// The two inserts an import makes for most rows (a referral with a ref,
/// a new client), prepared once for the whole file: looking a statement up
/// in the connection's cache on every row hashes its SQL each time.
/// They bind without copying (`raw::Insert`).
pub struct Inserts<'c> {
    conn: &'c Connection,
    new_ref: Insert<'c>,
    client: Insert<'c>,
}

impl<'c> Inserts<'c> {
    pub fn new(conn: &'c Connection) -> Result<Inserts<'c>> {
        Ok(Inserts {
            conn,
            new_ref: Insert::prepare(conn, INSERT_NEW_REF)?,
            client: Insert::prepare(conn, crate::db::client::INSERT)?,
        })
    }

    /// Insert a referral that has a provider `ref`, unless that ref is
    /// taken. Returns the new id, or `None` when a referral with the ref
    /// exists.
    pub fn new_ref(&mut self, client_id: i64, service_id: i64, r: &Referral<'_>) -> Result<Option<i64>> {
        let n = self.new_ref.run(&Bound::new(r).params(client_id, service_id))?;
        Ok((n == 1).then(|| self.conn.last_insert_rowid()))
    }

    /// `db::client::insert`.
    pub fn client(&mut self, client_ref: &str) -> Result<i64> {
        self.client.run(&[Param::Text(client_ref)])?;
        Ok(self.conn.last_insert_rowid())
    }
}

/// Insert a referral (with or without a ref); returns its id.
pub fn insert(conn: &Connection, client_id: i64, service_id: i64, r: &Referral<'_>) -> Result<i64> {
    let b = Bound::new(r);
    conn.prepare_cached(
        "INSERT INTO referrals (client_id, service_id, referred_on, source, area, needs, outcome, first_contact_on, risk, marac, ref)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(b.params(client_id, service_id))?;
    Ok(conn.last_insert_rowid())
}

/// The referral with provider ref `ref_`: (id, whether every value already
/// equals `r`'s).
pub fn find_by_ref(
    conn: &Connection,
    client_id: i64,
    service_id: i64,
    r: &Referral<'_>,
) -> Result<Option<(i64, bool)>> {
    let b = Bound::new(r);
    Ok(conn
        .prepare_cached(
            "SELECT id, (client_id = ?1 AND service_id = ?2 AND referred_on = ?3 AND source = ?4 AND area IS ?5
                         AND needs = ?6 AND outcome IS ?7 AND first_contact_on IS ?8 AND risk IS ?9 AND marac = ?10)
             FROM referrals WHERE ref = ?11",
        )?
        .query_row(b.params(client_id, service_id), |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The referral matching on (client, service, referred_on, source) — the
/// idempotence key of rows without a ref: (id, whether its other values
/// already equal `r`'s). With `only_without_ref`, only referrals that have
/// no ref yet match; otherwise those without a ref are preferred.
pub fn find_by_key(
    conn: &Connection,
    client_id: i64,
    service_id: i64,
    r: &Referral<'_>,
    only_without_ref: bool,
) -> Result<Option<(i64, bool)>> {
    let b = Bound::new(r);
    let sql = if only_without_ref {
        "SELECT id, (area IS ?5 AND needs = ?6 AND outcome IS ?7 AND first_contact_on IS ?8 AND risk IS ?9 AND marac = ?10)
         FROM referrals WHERE client_id = ?1 AND referred_on = ?3 AND service_id = ?2 AND source = ?4 AND ref IS NULL
         ORDER BY id LIMIT 1"
    } else {
        "SELECT id, (area IS ?5 AND needs = ?6 AND outcome IS ?7 AND first_contact_on IS ?8 AND risk IS ?9 AND marac = ?10)
         FROM referrals WHERE client_id = ?1 AND referred_on = ?3 AND service_id = ?2 AND source = ?4
         ORDER BY ref IS NOT NULL, id LIMIT 1"
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params_from_iter(&b.params(client_id, service_id)[..10]), |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// Overwrite referral `id` with `r`'s values; its ref is kept when `r` has
/// none.
pub fn update(conn: &Connection, id: i64, client_id: i64, service_id: i64, r: &Referral<'_>) -> Result<()> {
    let b = Bound::new(r);
    conn.prepare_cached(
        "UPDATE referrals SET client_id = ?1, service_id = ?2, referred_on = ?3, source = ?4, area = ?5, needs = ?6,
                outcome = ?7, first_contact_on = ?8, risk = ?9, marac = ?10, ref = coalesce(?11, ref)
         WHERE id = ?12",
    )?
    .execute(params_from_iter(b.params(client_id, service_id).into_iter().chain([Param::Int(id)])))?;
    Ok(())
}

/// Whether some recorded ref may be one a spreadsheet damages (a leading
/// zero, or a zero after a decimal point): a superset of
/// `trust::could_be_damaged`, looked up once at the start of an import
/// in the index over refs that start with a digit.
pub fn any_fragile_ref(conn: &Connection) -> Result<bool> {
    any_fragile(conn, "referrals", "ref")
}

/// Whether some `column` of `table` may be a ref a spreadsheet damages
/// (the query behind `any_fragile_ref` here and in `db::client`).
pub(crate) fn any_fragile(conn: &Connection, table: &'static str, column: &'static str) -> Result<bool> {
    Ok(conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} >= '0' AND {column} < ':'
                AND ({column} GLOB '0[0-9]*' OR {column} GLOB '[0-9]*.*0'))"
        ),
        [],
        |r| r.get(0),
    )?)
}

/// Whether any referral lacks a provider ref.
pub fn any_without_ref(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM referrals WHERE ref IS NULL)", [], |r| r.get(0))?)
}

/// The indexes a bulk load into an empty table builds once, sorted, at the
/// end instead of row by row: the return's covering index, and the client
/// index (which an import needs only to match rows without a ref, so it is
/// built again before the first such row: `restore_index`).
pub const DEFERRED_INDEXES: &[&str] = &["referrals_return", "referrals_client"];

/// Before a bulk load into an empty table: drop `DEFERRED_INDEXES`.
/// Returns each one's name and SQL. Call inside the import's transaction:
/// a rollback brings them back.
pub fn suspend_indexes(conn: &Connection) -> Result<Vec<(&'static str, String)>> {
    let mut dropped = Vec::new();
    for &name in DEFERRED_INDEXES {
        let sql: Option<String> = conn
            .query_row("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))
            .optional()?;
        if let Some(sql) = sql {
            conn.execute_batch(&format!("DROP INDEX {name}"))?;
            dropped.push((name, sql));
        }
    }
    Ok(dropped)
}

/// Create an index again from its SQL (see `suspend_indexes`). The sort
/// spills to temporary files (`use_bulk_cache`) and takes as much memory
/// again as the page cache, so the cache is halved while it runs.
///
/// The sort has a helper thread for each core beyond the first, at most
/// two (`PRAGMA threads`): they sort and write runs while this one reads
/// the next, and this one sorts a run itself when every helper is busy.
/// Each holds a run in memory, as much as the cache, so the cache is cut
/// to a third with one helper (two cores) and a quarter with two.
pub fn restore_index(conn: &Connection, sql: &str) -> Result<()> {
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    let helpers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(3) - 1;
    let share = helpers as i64 + 2;
    conn.execute_batch(&format!("PRAGMA cache_size = {}; PRAGMA threads = {helpers};", cache / share))?;
    let built = conn.execute_batch(sql);
    conn.execute_batch(&format!("PRAGMA cache_size = {cache}; PRAGMA threads = 0;"))?;
    built?;
    Ok(())
}

/// Whether any referral is recorded.
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM referrals)", [], |r| r.get(0))?)
}

/// The id of the referral with provider ref `ref_`.
pub fn id_by_ref(conn: &Connection, ref_: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM referrals WHERE ref = ?1")?
        .query_row(params![ref_], |r| r.get(0))
        .optional()?)
}

const SELECT: &str = "SELECT r.id, r.ref, c.client_ref, r.referred_on, r.source, s.name, r.area, r.needs, r.outcome,
        r.first_contact_on, r.risk, r.marac, r.client_id, r.service_id
    FROM referrals AS r JOIN clients AS c ON c.id = r.client_id JOIN services AS s ON s.id = r.service_id";

fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

fn stored(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let date = |i: usize| -> rusqlite::Result<Option<Date>> {
        Ok(match row.get_ref(i)? {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(Date::from_db),
            _ => None,
        })
    };
    let name = |i: usize| -> rusqlite::Result<Option<String>> { Ok(text(row.get_ref(i)?)) };
    Ok(Stored {
        id: row.get(0)?,
        ref_: name(1)?,
        client_ref: row.get(2)?,
        referred_on: date(3)?.unwrap_or(Date::ymd(1900, 1, 1)),
        source: row.get::<_, String>(4)?.parse().unwrap_or(Source::Other),
        service: row.get(5)?,
        area: name(6)?,
        needs: Needs(row.get::<_, i64>(7)? as u16),
        outcome: name(8)?.and_then(|s| s.parse().ok()),
        first_contact_on: date(9)?,
        risk: name(10)?.and_then(|s| s.parse().ok()),
        marac: row.get(11)?,
        client_id: row.get(12)?,
        service_id: row.get(13)?,
    })
}

/// One referral by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Stored>> {
    Ok(conn.prepare_cached(&format!("{SELECT} WHERE r.id = ?1"))?.query_row(params![id], stored).optional()?)
}

/// The referrals of one client, oldest first.
pub fn of_client(conn: &Connection, client_id: i64) -> Result<Vec<Stored>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE r.client_id = ?1 ORDER BY r.referred_on, r.id"))?;
    let rows = st.query_map(params![client_id], stored)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every referral that passes `filter`, in order of referral date then id,
/// handed to `each` one at a time (an export of a million rows holds one).
pub fn each(conn: &Connection, filter: &Filter, mut each: impl FnMut(&Stored) -> Result<()>) -> Result<()> {
    let mut sql = format!("{SELECT} WHERE 1 = 1");
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    let mut bind = |sql: &mut String, clause: &str, v: Box<dyn ToSql>| {
        values.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(p) = &filter.period {
        bind(&mut sql, " AND r.referred_on >= ?", Box::new(p.from.iso()));
        bind(&mut sql, " AND r.referred_on <= ?", Box::new(p.to.iso()));
    }
    if let Some(ids) = &filter.service_ids {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        sql.push_str(&format!(" AND r.service_id IN ({})", list.join(", ")));
    }
    if let Some(s) = filter.source {
        bind(&mut sql, " AND r.source = ?", Box::new(s.as_str()));
    }
    match filter.outcome {
        None => {}
        Some(OutcomeFilter::None) => sql.push_str(" AND r.outcome IS NULL"),
        Some(OutcomeFilter::Is(o)) => bind(&mut sql, " AND r.outcome = ?", Box::new(o.as_str())),
    }
    if let Some(c) = filter.client_id {
        bind(&mut sql, " AND r.client_id = ?", Box::new(c));
    }
    sql.push_str(" ORDER BY r.referred_on, r.id");
    let _mapped = super::MappedReads::new(conn)?;
    let mut st = conn.prepare(&sql)?;
    let params: Vec<&dyn ToSql> = values.iter().map(|b| b.as_ref()).collect();
    let mut rows = st.query(params.as_slice())?;
    while let Some(row) = rows.next()? {
        each(&stored(row)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_without_allocating() {
        assert_eq!(Iso::new(Date::ymd(2021, 4, 1)).as_str(), "2021-04-01");
        assert_eq!(Iso::new(Date::ymd(1999, 12, 31)).as_str(), "1999-12-31");
    }
}
