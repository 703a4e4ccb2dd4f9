//! Assessments on a case, per resettlement pathway (PRODUCT.md 6.2).

use crate::db::report::Women;
use crate::db::row::{date_at, opt_parsed_at, parsed_at};
use crate::value::names::{Pathway, Stage};
use crate::value::Date;
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// An assessment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: i64,
    pub case_id: i64,
    pub client_id: i64,
    pub pathway: Pathway,
    pub assessed_on: Date,
    pub score: i64,
    pub stage: Option<Stage>,
}

fn assessment_from(r: &Row<'_>) -> rusqlite::Result<Assessment> {
    Ok(Assessment {
        id: r.get(0)?,
        case_id: r.get(1)?,
        client_id: r.get(2)?,
        pathway: parsed_at(r, 3, "pathway")?,
        assessed_on: date_at(r, 4)?,
        score: r.get(5)?,
        stage: opt_parsed_at(r, 6, "stage")?,
    })
}

/// The assessment of a woman on a pathway on a day (there is at most one).
pub fn on_day(conn: &Connection, client_id: i64, pathway: Pathway, on: Date) -> Result<Option<Assessment>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, case_id, client_id, pathway, assessed_on, score, stage FROM assessments
             WHERE client_id = ?1 AND pathway = ?2 AND assessed_on = ?3",
        )?
        .query_row(params![client_id, pathway.as_str(), on.iso()], assessment_from)
        .optional()?)
}

/// The day of a case's latest assessment.
pub fn latest_on_case(conn: &Connection, case_id: i64) -> Result<Option<Date>> {
    let s: Option<String> = conn
        .prepare_cached("SELECT max(assessed_on) FROM assessments WHERE case_id = ?1")?
        .query_row(params![case_id], |r| r.get(0))?;
    Ok(s.as_deref().and_then(Date::from_db))
}

/// Record an assessment; returns its id.
pub fn insert(conn: &Connection, a: &Assessment) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO assessments (case_id, client_id, pathway, assessed_on, score, stage)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        a.case_id,
        a.client_id,
        a.pathway.as_str(),
        a.assessed_on.iso(),
        a.score,
        a.stage.map(Stage::as_str)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Change an assessment's score and stage.
pub fn update(conn: &Connection, id: i64, score: i64, stage: Option<Stage>) -> Result<()> {
    conn.prepare_cached("UPDATE assessments SET score = ?2, stage = ?3 WHERE id = ?1")?.execute(params![
        id,
        score,
        stage.map(Stage::as_str)
    ])?;
    Ok(())
}

/// An assessment as listed and exported: its case by key (ref, or #id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssessmentLine {
    pub case: String,
    pub pathway: Pathway,
    pub assessed_on: Date,
    pub score: i64,
    pub stage: Option<Stage>,
}

/// The assessments `filter` picks (`?1` its one parameter), by case, day and pathway.
fn lines_sql(filter: &str) -> String {
    format!(
        "SELECT coalesce(k.ref, '#' || k.id), a.pathway, a.assessed_on, a.score, a.stage
         FROM assessments AS a JOIN cases AS k ON k.id = a.case_id
         WHERE {filter}
         ORDER BY k.opened_on, k.id, a.assessed_on, a.pathway"
    )
}

fn line_from(r: &Row<'_>) -> rusqlite::Result<AssessmentLine> {
    Ok(AssessmentLine {
        case: r.get(0)?,
        pathway: parsed_at(r, 1, "pathway")?,
        assessed_on: date_at(r, 2)?,
        score: r.get(3)?,
        stage: opt_parsed_at(r, 4, "stage")?,
    })
}

/// Every assessment (of one case, when given), by case, day and pathway.
pub fn list(conn: &Connection, case_id: Option<i64>, mut each: impl FnMut(AssessmentLine) -> Result<()>) -> Result<()> {
    let mut st = conn.prepare(&lines_sql("?1 IS NULL OR a.case_id = ?1"))?;
    let mut rows = st.query(params![case_id])?;
    while let Some(r) = rows.next()? {
        each(line_from(r)?)?;
    }
    Ok(())
}

/// A woman's assessments, across her cases (subject access), by case and day.
pub fn of_client(conn: &Connection, client_id: i64) -> Result<Vec<AssessmentLine>> {
    let mut st = conn.prepare_cached(&lines_sql("a.client_id = ?1"))?;
    let rows = st.query_map(params![client_id], line_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The assessments of one case, oldest first.
pub fn of_case(conn: &Connection, case_id: i64) -> Result<Vec<AssessmentLine>> {
    let mut v = Vec::new();
    list(conn, Some(case_id), |a| {
        v.push(a);
        Ok(())
    })?;
    Ok(v)
}

/// One assessment that counts in a return: whose, on what, when, scored how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub client_id: i64,
    pub pathway: Pathway,
    pub assessed_on: Date,
    pub score: i64,
    pub case_id: i64,
}

/// The assessments that count for a return over a period (PRODUCT.md 6.2):
/// those of `women` (the women with a case open on at least one day of it
/// at a service of `services`, `None`: every service), made on or before
/// `to`, on a case at a service of `services`, whichever of her cases.
/// Ordered by woman, pathway and day, so that her first and latest score on
/// a pathway are the first and last of a run. One range of the index
/// `assessments_counted`, which holds every column read, a woman.
///
/// The assessments are handed to `each` one at a time as they are read,
/// nothing held: the join reads the women in the list's order and each
/// woman's range in the index's (`outcomes_plan` shows it), and a row out of
/// that order is an error rather than a wrong count.
pub fn each_counted(
    conn: &Connection,
    to: Date,
    women: &Women,
    services: Option<&[i64]>,
    mut each: impl FnMut(Counted) -> Result<()>,
) -> Result<()> {
    let mut st = conn.prepare(&counted_sql(services))?;
    let mut rows = st.query(params![women.array(), to.iso()])?;
    let mut last: Option<(i64, &'static str, Date)> = None;
    while let Some(r) = rows.next()? {
        let c = Counted {
            client_id: r.get(0)?,
            pathway: parsed_at(r, 1, "pathway")?,
            assessed_on: date_at(r, 2)?,
            score: r.get(3)?,
            case_id: r.get(4)?,
        };
        let key = (c.client_id, c.pathway.as_str(), c.assessed_on);
        if last.is_some_and(|l| l > key) {
            anyhow::bail!("the assessments were read out of order, so the outcomes cannot be counted");
        }
        last = Some(key);
        each(c)?;
    }
    Ok(())
}

fn counted_sql(services: Option<&[i64]>) -> String {
    let of_case = match services {
        None => String::new(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND a.case_id IN (SELECT k.id FROM cases AS k WHERE k.service_id IN ({}))", list.join(","))
        }
    };
    format!(
        "SELECT a.client_id, a.pathway, a.assessed_on, a.score, a.case_id
         FROM rarray(?1) AS w JOIN assessments AS a INDEXED BY assessments_counted ON a.client_id = w.value
         WHERE a.assessed_on <= ?2{of_case}"
    )
}

/// SQLite's plan of the two reads of the outcomes section (`counted`, then
/// `closed_in`), one line a step, so that a test can see they read
/// covering indexes.
pub fn outcomes_plan(conn: &Connection, services: Option<&[i64]>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for sql in [counted_sql(services), closed_in_sql(services)] {
        let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let rows = st.query_map(params!["2021-04-01", "2022-03-31"], |r| r.get::<_, String>(3))?;
        out.extend(rows.collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}

/// The key of each case (its ref, else `#id`), for `report explain`.
pub fn case_keys(conn: &Connection, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
    let list = serde_json::to_string(ids)?;
    let mut st = conn.prepare_cached(
        "SELECT id, coalesce(ref, '#' || id) FROM cases WHERE id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = st.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The women with a case closed in `from..=to` at a service of `services`
/// (`None`: every service), by client id, ascending.
pub fn closed_in(conn: &Connection, from: Date, to: Date, services: Option<&[i64]>) -> Result<Vec<i64>> {
    let sql = closed_in_sql(services);
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params![from.iso(), to.iso()], |r| r.get(0))?;
    let mut ids: Vec<i64> = rows.collect::<Result<_, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn closed_in_sql(services: Option<&[i64]>) -> String {
    let filter = match services {
        None => String::new(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND service_id IN ({})", list.join(","))
        }
    };
    // `+closed_on`, and sorted here: one pass over the covering index
    // cases_opened (every case opened on or before the last day) rather
    // than a table lookup for each case closed in the period.
    format!("SELECT client_id FROM cases WHERE opened_on <= ?2 AND +closed_on BETWEEN ?1 AND ?2{filter}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        crate::db::register_arrays(&c).unwrap();
        c.execute_batch(crate::db::migrate::SCHEMA).unwrap();
        c.execute_batch(
            "INSERT INTO organisations (name, kind) VALUES ('Women in Prison', 'provider');
             INSERT INTO services (name, provider_id) VALUES ('Beth Centre', 1);
             INSERT INTO workers (code, name, capacity_hours) VALUES ('KW1', 'Key worker one', 37.5);
             INSERT INTO clients (client_ref) VALUES ('BC-0001'), ('BC-0002');
             INSERT INTO cases (client_id, service_id, worker_id, opened_on) VALUES (1, 1, 1, '2021-04-01'), (2, 1, 1, '2021-04-01');
             INSERT INTO case_tiers (case_id, from_on, tier) VALUES (1, '2021-04-01', 'T1'), (2, '2021-04-01', 'T1');
             INSERT INTO assessments (case_id, client_id, pathway, assessed_on, score) VALUES
                 (2, 2, 'health', '2021-04-20', 6), (1, 1, 'health', '2021-04-12', 3),
                 (1, 1, 'accommodation', '2021-04-30', 7), (1, 1, 'accommodation', '2021-04-12', 3);",
        )
        .unwrap();
        c
    }

    fn read(c: &Connection, women: &Women) -> Result<Vec<(i64, &'static str, String)>> {
        let mut got = Vec::new();
        each_counted(c, "2021-04-30".parse().unwrap(), women, None, |a| {
            got.push((a.client_id, a.pathway.as_str(), a.assessed_on.iso()));
            Ok(())
        })?;
        Ok(got)
    }

    #[test]
    fn the_assessments_that_count_come_by_woman_pathway_and_day() {
        let c = db();
        let got = read(&c, &Women::of_ids(vec![1, 2])).unwrap();
        assert_eq!(
            got,
            [
                (1, "accommodation", "2021-04-12".to_string()),
                (1, "accommodation", "2021-04-30".to_string()),
                (1, "health", "2021-04-12".to_string()),
                (2, "health", "2021-04-20".to_string()),
            ]
        );
    }

    #[test]
    fn assessments_read_out_of_order_are_an_error_not_a_count() {
        // The list read in its own order: a list out of order gives rows
        // out of order, which is refused.
        let c = db();
        let err = read(&c, &Women::of_ids(vec![2, 1])).unwrap_err();
        assert_eq!(err.to_string(), "the assessments were read out of order, so the outcomes cannot be counted");
    }
}
