//! SQL for key workers, support tiers, cases and their tier history.
//!
//! Dates cross this boundary as `Date` and are stored as ISO text. A case
//! is *open on day D* when `opened_on <= D` and it was not closed on or
//! before D (`closed_on IS NULL OR closed_on > D`), the same rule as the
//! return's `open_at_end`. The tier of a case on day D is the `case_tiers`
//! row with the latest `from_on` on or before D.

use crate::db::row::{date_at, opt_date_at, opt_parsed_at};
use crate::value::names::CaseOutcome;
use crate::value::Date;
use anyhow::Result;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

// ---------------------------------------------------------------- workers

/// A key worker as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub id: i64,
    pub code: String,
    pub name: Option<String>,
    pub capacity_hours: f64,
    pub active: bool,
}

fn worker_from(r: &Row<'_>) -> rusqlite::Result<Worker> {
    Ok(Worker {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        capacity_hours: r.get(3)?,
        active: r.get::<_, i64>(4)? != 0,
    })
}

/// Every worker, by code.
pub fn workers(conn: &Connection) -> Result<Vec<Worker>> {
    let mut st =
        conn.prepare_cached("SELECT id, code, name, capacity_hours, active FROM workers ORDER BY code COLLATE NOCASE")?;
    let rows = st.query_map([], worker_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The worker with `code` (case-insensitive).
pub fn worker(conn: &Connection, code: &str) -> Result<Option<Worker>> {
    Ok(conn
        .prepare_cached("SELECT id, code, name, capacity_hours, active FROM workers WHERE code = ?1 COLLATE NOCASE")?
        .query_row(params![code.trim()], worker_from)
        .optional()?)
}

/// Every worker's code (for "did you mean").
pub fn worker_codes(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT code FROM workers ORDER BY code COLLATE NOCASE")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_worker(conn: &Connection, code: &str, name: Option<&str>, capacity: f64, active: bool) -> Result<i64> {
    conn.prepare_cached("INSERT INTO workers (code, name, capacity_hours, active) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![code, name, capacity, active as i64])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_worker(conn: &Connection, w: &Worker) -> Result<()> {
    conn.prepare_cached("UPDATE workers SET code = ?2, name = ?3, capacity_hours = ?4, active = ?5 WHERE id = ?1")?
        .execute(params![w.id, w.code, w.name, w.capacity_hours, w.active as i64])?;
    Ok(())
}

// ------------------------------------------------------------------ tiers

/// A support tier and its weekly hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub code: String,
    pub hours_per_week: f64,
    pub description: Option<String>,
}

/// Every tier, in number order (T1, T2, ..., T10).
pub fn tiers(conn: &Connection) -> Result<Vec<Tier>> {
    let mut st = conn.prepare_cached(
        "SELECT code, hours_per_week, description FROM tiers ORDER BY CAST(substr(code, 2) AS INTEGER), code",
    )?;
    let rows = st.query_map([], |r| Ok(Tier { code: r.get(0)?, hours_per_week: r.get(1)?, description: r.get(2)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Add a tier or change its hours and description.
pub fn upsert_tier(conn: &Connection, t: &Tier) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tiers (code, hours_per_week, description) VALUES (?1, ?2, ?3)
         ON CONFLICT (code) DO UPDATE SET hours_per_week = excluded.hours_per_week, description = excluded.description",
    )?
    .execute(params![t.code, t.hours_per_week, t.description])?;
    Ok(())
}

// ------------------------------------------------------------------ cases

/// A case as stored (ids, not names).
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: i64,
    pub ref_: Option<String>,
    pub client_id: i64,
    pub worker_id: i64,
    pub service_id: i64,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub close_reason: Option<String>,
    pub outcome: Option<CaseOutcome>,
}

const CASE_COLUMNS: &str =
    "id, ref, client_id, worker_id, service_id, opened_on, closed_on, close_reason, outcome FROM cases";

/// How a case stands, from the four columns from `col`: opened_on,
/// closed_on, close_reason, outcome (as `Case` and `CaseLine` read them).
type Standing = (Date, Option<Date>, Option<String>, Option<CaseOutcome>);

fn standing_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Standing> {
    Ok((date_at(r, col)?, opt_date_at(r, col + 1)?, r.get(col + 2)?, opt_parsed_at(r, col + 3, "outcome")?))
}

fn case_from(r: &Row<'_>) -> rusqlite::Result<Case> {
    let (opened_on, closed_on, close_reason, outcome) = standing_at(r, 5)?;
    let (client_id, worker_id, service_id) = (r.get(2)?, r.get(3)?, r.get(4)?);
    Ok(Case {
        id: r.get(0)?,
        ref_: r.get(1)?,
        client_id,
        worker_id,
        service_id,
        opened_on,
        closed_on,
        close_reason,
        outcome,
    })
}

pub fn case_by_ref(conn: &Connection, ref_: &str) -> Result<Option<Case>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {CASE_COLUMNS} WHERE ref = ?1"))?
        .query_row(params![ref_], case_from)
        .optional()?)
}

pub fn case_by_id(conn: &Connection, id: i64) -> Result<Option<Case>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {CASE_COLUMNS} WHERE id = ?1"))?
        .query_row(params![id], case_from)
        .optional()?)
}

/// The case of a client at a service opened on a day (the match for rows
/// without a ref).
pub fn case_by_key(conn: &Connection, client_id: i64, service_id: i64, opened_on: Date) -> Result<Option<Case>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} WHERE client_id = ?1 AND opened_on = ?2 AND service_id = ?3 ORDER BY id LIMIT 1"
        ))?
        .query_row(params![client_id, opened_on.iso(), service_id], case_from)
        .optional()?)
}

/// Another episode of the client at the service (not `except`) whose days
/// overlap `from..until` (`until` exclusive; `None` = still open). Episodes
/// are the half-open ranges opened_on..closed_on.
pub fn overlapping(
    conn: &Connection,
    client_id: i64,
    service_id: i64,
    from: Date,
    until: Option<Date>,
    except: Option<i64>,
) -> Result<Option<Case>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} WHERE client_id = ?1 AND service_id = ?2 AND id IS NOT ?3
               AND opened_on < ?4 AND (closed_on IS NULL OR closed_on > ?5)
             ORDER BY closed_on IS NOT NULL, opened_on LIMIT 1"
        ))?
        .query_row(
            params![
                client_id,
                service_id,
                except,
                until.map(|d| d.iso()).unwrap_or_else(|| "9999-12-31".into()),
                from.iso()
            ],
            case_from,
        )
        .optional()?)
}

pub struct NewCase<'a> {
    pub ref_: Option<&'a str>,
    pub client_id: i64,
    pub worker_id: i64,
    pub service_id: i64,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub close_reason: Option<&'a str>,
    pub outcome: Option<CaseOutcome>,
    pub tier: &'a str,
}

/// Insert a case and its opening tier. Returns the new id.
pub fn insert_case(conn: &Connection, c: &NewCase<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO cases (ref, client_id, worker_id, service_id, opened_on, closed_on, close_reason, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        c.ref_,
        c.client_id,
        c.worker_id,
        c.service_id,
        c.opened_on.iso(),
        c.closed_on.map(Date::iso),
        c.close_reason,
        c.outcome.map(CaseOutcome::as_str)
    ])?;
    let id = conn.last_insert_rowid();
    insert_tier_change(conn, id, c.opened_on, c.tier)?;
    Ok(id)
}

/// Rewrite a case's own fields (not its tier history).
pub fn update_case(conn: &Connection, c: &Case) -> Result<()> {
    conn.prepare_cached(
        "UPDATE cases SET ref = ?2, worker_id = ?3, closed_on = ?4, close_reason = ?5, outcome = ?6 WHERE id = ?1",
    )?
    .execute(params![
        c.id,
        c.ref_,
        c.worker_id,
        c.closed_on.map(Date::iso),
        c.close_reason,
        c.outcome.map(CaseOutcome::as_str)
    ])?;
    Ok(())
}

pub fn insert_tier_change(conn: &Connection, case_id: i64, from: Date, tier: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO case_tiers (case_id, from_on, tier) VALUES (?1, ?2, ?3)")?.execute(params![
        case_id,
        from.iso(),
        tier
    ])?;
    Ok(())
}

/// Change the tier of an existing tier-history row.
pub fn set_tier_change(conn: &Connection, case_id: i64, from: Date, tier: &str) -> Result<()> {
    conn.prepare_cached("UPDATE case_tiers SET tier = ?3 WHERE case_id = ?1 AND from_on = ?2")?.execute(params![
        case_id,
        from.iso(),
        tier
    ])?;
    Ok(())
}

/// A case's tier history, oldest first: (from_on, tier).
pub fn tier_history(conn: &Connection, case_id: i64) -> Result<Vec<(Date, String)>> {
    let mut st = conn.prepare_cached("SELECT from_on, tier FROM case_tiers WHERE case_id = ?1 ORDER BY from_on")?;
    let rows = st.query_map(params![case_id], |r| Ok((date_at(r, 0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tier of a case on `on` (the latest change on or before that day),
/// or `None` before the case opened.
pub fn tier_on(conn: &Connection, case_id: i64, on: Date) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT tier FROM case_tiers WHERE case_id = ?1 AND from_on <= ?2 ORDER BY from_on DESC LIMIT 1",
        )?
        .query_row(params![case_id, on.iso()], |r| r.get(0))
        .optional()?)
}

/// Filters for `list_cases`.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub worker_id: Option<i64>,
    pub service_id: Option<i64>,
    /// Cases whose shown tier is this one.
    pub tier: Option<String>,
    pub client_id: Option<i64>,
    /// Some(true): open cases only; Some(false): closed only.
    pub open: Option<bool>,
    /// Only cases open on this day, with their tier on it.
    pub as_of: Option<Date>,
}

/// One case as listed, with names instead of ids.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseLine {
    pub id: i64,
    pub ref_: Option<String>,
    pub client_ref: String,
    pub worker: String,
    pub service: String,
    /// The tier on `as_of`, else the latest tier.
    pub tier: String,
    pub hours_per_week: f64,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub close_reason: Option<String>,
    pub outcome: Option<CaseOutcome>,
    /// The tier the case opened at (for export).
    pub opening_tier: String,
}

/// Cases matching `f`, oldest opening first, handed one at a time to `each`.
pub fn list_cases(conn: &Connection, f: &CaseFilter, mut each: impl FnMut(CaseLine) -> Result<()>) -> Result<()> {
    let mut sql = String::from(
        "SELECT c.id, c.ref, cl.client_ref, w.code, s.name, ct.tier, coalesce(t.hours_per_week, 0),
                c.opened_on, c.closed_on, c.close_reason, c.outcome,
                (SELECT tier FROM case_tiers f WHERE f.case_id = c.id ORDER BY f.from_on LIMIT 1)
         FROM cases c
         JOIN clients cl ON cl.id = c.client_id
         JOIN workers w ON w.id = c.worker_id
         JOIN services s ON s.id = c.service_id
         JOIN case_tiers ct ON ct.case_id = c.id AND ct.from_on =
              (SELECT max(x.from_on) FROM case_tiers x WHERE x.case_id = c.id AND x.from_on <= ?1)
         LEFT JOIN tiers t ON t.code = ct.tier
         WHERE 1 = 1",
    );
    let mut args: Vec<rusqlite::types::Value> =
        vec![f.as_of.map(|d| d.iso()).unwrap_or_else(|| "9999-12-31".into()).into()];
    let mut add = |sql: &mut String, cond: &str, v: rusqlite::types::Value| {
        args.push(v);
        sql.push_str(&cond.replace('?', &format!("?{}", args.len())));
    };
    if let Some(d) = f.as_of {
        add(&mut sql, " AND c.opened_on <= ?", d.iso().into());
        add(&mut sql, " AND (c.closed_on IS NULL OR c.closed_on > ?)", d.iso().into());
    }
    if let Some(id) = f.worker_id {
        add(&mut sql, " AND c.worker_id = ?", id.into());
    }
    if let Some(id) = f.service_id {
        add(&mut sql, " AND c.service_id = ?", id.into());
    }
    if let Some(id) = f.client_id {
        add(&mut sql, " AND c.client_id = ?", id.into());
    }
    if let Some(t) = &f.tier {
        add(&mut sql, " AND ct.tier = ?", t.clone().into());
    }
    match f.open {
        Some(true) => sql.push_str(" AND c.closed_on IS NULL"),
        Some(false) => sql.push_str(" AND c.closed_on IS NOT NULL"),
        None => {}
    }
    sql.push_str(" ORDER BY c.opened_on, c.id");
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query(params_from_iter(args))?;
    while let Some(r) = rows.next()? {
        let (opened_on, closed_on, close_reason, outcome) = standing_at(r, 7)?;
        each(CaseLine {
            id: r.get(0)?,
            ref_: r.get(1)?,
            client_ref: r.get(2)?,
            worker: r.get(3)?,
            service: r.get(4)?,
            tier: r.get(5)?,
            hours_per_week: r.get(6)?,
            opened_on,
            closed_on,
            close_reason,
            outcome,
            opening_tier: r.get(11)?,
        })?;
    }
    Ok(())
}

/// One tier change as exported: the case by its ref, else by client,
/// service and opening day.
#[derive(Debug, Clone, PartialEq)]
pub struct TierChangeLine {
    pub ref_: Option<String>,
    pub client_ref: String,
    pub service: String,
    pub opened_on: Date,
    pub from_on: Date,
    pub tier: String,
}

/// Every tier change after the opening tier, by case then date.
pub fn list_tier_changes(conn: &Connection, mut each: impl FnMut(TierChangeLine) -> Result<()>) -> Result<()> {
    let mut st = conn.prepare(
        "SELECT c.ref, cl.client_ref, s.name, c.opened_on, ct.from_on, ct.tier
         FROM case_tiers ct
         JOIN cases c ON c.id = ct.case_id
         JOIN clients cl ON cl.id = c.client_id
         JOIN services s ON s.id = c.service_id
         WHERE ct.from_on > c.opened_on
         ORDER BY c.opened_on, c.id, ct.from_on",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        each(TierChangeLine {
            ref_: r.get(0)?,
            client_ref: r.get(1)?,
            service: r.get(2)?,
            opened_on: date_at(r, 3)?,
            from_on: date_at(r, 4)?,
            tier: r.get(5)?,
        })?;
    }
    Ok(())
}

/// One worker's open cases in one tier on a day (tier `None`: a worker
/// with no open cases).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadLine {
    pub worker: Worker,
    pub tier: Option<String>,
    pub cases: i64,
    pub hours_per_week: f64,
}

/// For every worker, the cases open on `on` by their tier on that day and
/// the tier hours they add up to. Workers with no open case get one line
/// with tier `None`.
pub fn load_on(conn: &Connection, on: Date) -> Result<Vec<LoadLine>> {
    let mut st = conn.prepare_cached(
        "WITH open AS (
             SELECT c.worker_id,
                    (SELECT ct.tier FROM case_tiers ct WHERE ct.case_id = c.id AND ct.from_on <= ?1
                     ORDER BY ct.from_on DESC LIMIT 1) AS tier
             FROM cases c
             WHERE c.opened_on <= ?1 AND (c.closed_on IS NULL OR c.closed_on > ?1)
         )
         SELECT w.id, w.code, w.name, w.capacity_hours, w.active, o.tier, count(o.worker_id),
                coalesce(sum(t.hours_per_week), 0)
         FROM workers w
         LEFT JOIN open o ON o.worker_id = w.id
         LEFT JOIN tiers t ON t.code = o.tier
         GROUP BY w.id, o.tier
         ORDER BY w.code COLLATE NOCASE, CAST(substr(o.tier, 2) AS INTEGER)",
    )?;
    let rows = st.query_map(params![on.iso()], |r| {
        Ok(LoadLine { worker: worker_from(r)?, tier: r.get(5)?, cases: r.get(6)?, hours_per_week: r.get(7)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::caseload::{self as dom, CaseId, CaseInput, Hours, WorkerInput};

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(crate::db::migrate::SCHEMA).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             INSERT INTO organisations (name, kind) VALUES ('Women in Prison', 'provider');
             INSERT INTO services (name, provider_id) VALUES ('Beth Centre', 1);",
        )
        .unwrap();
        c
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn open(c: &mut Connection, client: &str, worker: &str, tier: &str, opened: &str) -> String {
        let input = CaseInput {
            client_ref: client,
            worker,
            service: "Beth Centre",
            tier,
            opened_on: d(opened),
            closed_on: None,
            close_reason: None,
            outcome: None,
            ref_: None,
        };
        dom::open(c, &input, "test").unwrap()
    }

    #[test]
    fn committed_hours_follow_the_tier_history() {
        let mut c = db();
        for (code, h) in [("KW01", 37.5), ("KW06", 22.5), ("KW09", 37.5)] {
            let w = WorkerInput { code, name: None, capacity: Hours(h), active: true };
            dom::add_worker(&mut c, &w, "test").unwrap();
        }
        assert_eq!(open(&mut c, "BC-0001", "KW01", "T1", "2021-04-12"), "#1");
        dom::retier(&mut c, &CaseId::Id(1), "T3", d("2021-06-01"), "test").unwrap();
        open(&mut c, "BC-0002", "KW01", "T3", "2021-04-12");
        dom::close(&mut c, &CaseId::Id(2), d("2021-06-30"), None, CaseOutcome::Positive, "test").unwrap();
        open(&mut c, "BC-0003", "KW06", "T3", "2021-05-01");
        open(&mut c, "BC-0004", "KW06", "T3", "2021-05-01");
        open(&mut c, "BC-0005", "KW06", "T1", "2021-05-01");

        assert_eq!(dom::tier_on(&c, 1, d("2021-04-11")).unwrap(), None);
        assert_eq!(dom::tier_on(&c, 1, d("2021-05-01")).unwrap().as_deref(), Some("T1"));
        assert_eq!(dom::tier_on(&c, 1, d("2021-07-01")).unwrap().as_deref(), Some("T3"));

        let may = dom::load_on(&c, d("2021-05-01")).unwrap();
        type Line<'a> = (&'a str, Vec<(String, i64)>, f64, bool);
        let summary: Vec<Line<'_>> = may
            .iter()
            .map(|l| (l.worker.as_str(), l.cases_by_tier.clone(), l.committed_hours, l.over_capacity))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("KW01", vec![("T1".into(), 1), ("T3".into(), 1)], 12.5, false),
                ("KW06", vec![("T1".into(), 1), ("T3".into(), 2)], 22.5, false),
                ("KW09", vec![], 0.0, false),
            ]
        );
        assert_eq!(may[0].utilisation_percent, 33.3);
        assert_eq!(may[1].utilisation_percent, 100.0);

        open(&mut c, "BC-0006", "KW06", "T1", "2021-06-01");
        let july = dom::load_on(&c, d("2021-07-01")).unwrap();
        // KW01: case 2 closed on 30 June; case 1 is T3 from 1 June.
        assert_eq!((july[0].open_cases, july[0].committed_hours), (1, 10.0));
        assert_eq!((july[1].open_cases, july[1].committed_hours, july[1].over_capacity), (4, 25.0, true));
        // On the closing day the case no longer counts.
        assert_eq!(dom::load_on(&c, d("2021-06-30")).unwrap()[0].committed_hours, 10.0);
        assert_eq!(dom::load_on(&c, d("2021-06-29")).unwrap()[0].committed_hours, 20.0);
    }
}
