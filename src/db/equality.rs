//! The equality-monitoring answers of the women a return counts.

use crate::value::Date;
use anyhow::Result;
use rusqlite::{params, Connection};

/// One woman's answers as stored (ethnicity as its detailed ONS code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub client_id: i64,
    pub birth_year: Option<i64>,
    pub ethnicity: Option<String>,
    pub disability: Option<String>,
    pub dependent_children: Option<i64>,
}

/// The answers of the women counted in `women_supported` for `from..=to`:
/// those with a case open on at least one day of it (opened on or before
/// `to`, not closed before `from`; the condition of db::report's `ACTIVE`)
/// at a service of `services` (`None`: every service), by client id.
pub fn of_women_supported(conn: &Connection, from: Date, to: Date, services: Option<&[i64]>) -> Result<Vec<Answers>> {
    let filter = match services {
        None => String::new(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND c.service_id IN ({})", list.join(","))
        }
    };
    let sql = format!(
        "SELECT cl.id, cl.birth_year, cl.ethnicity, cl.disability, cl.dependent_children FROM clients AS cl
         WHERE cl.id IN (SELECT c.client_id FROM cases AS c
                         WHERE c.opened_on <= ?2 AND (c.closed_on IS NULL OR c.closed_on >= ?1){filter})
         ORDER BY cl.id"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params![from.iso(), to.iso()], |r| {
        Ok(Answers {
            client_id: r.get(0)?,
            birth_year: r.get(1)?,
            ethnicity: r.get(2)?,
            disability: r.get(3)?,
            dependent_children: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
