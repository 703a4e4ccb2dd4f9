//! The equality-monitoring answers of the women a return counts.

use crate::db::report::Women;
use anyhow::Result;
use rusqlite::Connection;

/// One woman's answers as stored (ethnicity as its detailed ONS code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub client_id: i64,
    pub birth_year: Option<i64>,
    pub ethnicity: Option<String>,
    pub disability: Option<String>,
    pub dependent_children: Option<i64>,
}

/// The answers of `women` (the women counted in `women_supported`), by
/// client id: one lookup a woman, in the order of the list.
pub fn of_women_supported(conn: &Connection, women: &Women) -> Result<Vec<Answers>> {
    let mut st = conn.prepare_cached(
        "SELECT cl.id, cl.birth_year, cl.ethnicity, cl.disability, cl.dependent_children
         FROM rarray(?1) AS w JOIN clients AS cl ON cl.id = w.value",
    )?;
    let rows = st.query_map([women.array()], |r| {
        Ok(Answers {
            client_id: r.get(0)?,
            birth_year: r.get(1)?,
            ethnicity: r.get(2)?,
            disability: r.get(3)?,
            dependent_children: r.get(4)?,
        })
    })?;
    let mut answers: Vec<Answers> = rows.collect::<Result<_, _>>()?;
    // The join reads the list in its order; were that ever not so, sort.
    if !answers.windows(2).all(|w| w[0].client_id <= w[1].client_id) {
        answers.sort_by_key(|a| a.client_id);
    }
    Ok(answers)
}
