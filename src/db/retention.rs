//! SQL for the retention policy and the one rule of who ages out.

use crate::domain::retention::{AgedOut, Policy};
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The recorded policy, if any.
pub fn policy(conn: &Connection) -> Result<Option<Policy>> {
    let row: Option<(i64, String)> = conn
        .query_row("SELECT years, action FROM retention_policy WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(years, action)| Some(Policy { years: u32::try_from(years).ok()?, action: action.parse().ok()? })))
}

/// Record the policy (replacing the one recorded).
pub fn set_policy(conn: &Connection, p: &Policy) -> Result<()> {
    conn.execute(
        "INSERT INTO retention_policy (id, years, action) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET years = excluded.years, action = excluded.action",
        params![p.years, p.action.as_str()],
    )?;
    Ok(())
}

/// The rule, written once: a woman ages out when the latest date on any of
/// her records (referred, first contact, case opened, case closed, tier
/// change, assessment) is before `cutoff`, and she has no open case (an
/// open case counts as activity today and for ever). A woman with no
/// records has no date to count from and never ages out; an anonymised
/// woman (`anon#…`) has gone already.
const AGED_OUT: &str = "
WITH activity (client_id, on_day) AS (
    SELECT client_id, referred_on FROM referrals
    UNION ALL SELECT client_id, first_contact_on FROM referrals WHERE first_contact_on IS NOT NULL
    UNION ALL SELECT client_id, opened_on FROM cases
    UNION ALL SELECT client_id, coalesce(closed_on, '9999-12-31') FROM cases
    UNION ALL SELECT k.client_id, t.from_on FROM case_tiers AS t JOIN cases AS k ON k.id = t.case_id
    UNION ALL SELECT client_id, assessed_on FROM assessments
),
latest (client_id, last_on) AS (SELECT client_id, max(on_day) FROM activity GROUP BY client_id)
SELECT c.id, c.client_ref, l.last_on,
       (SELECT count(*) FROM referrals AS r WHERE r.client_id = c.id),
       (SELECT count(*) FROM cases AS k WHERE k.client_id = c.id),
       (SELECT count(*) FROM assessments AS a WHERE a.client_id = c.id),
       (SELECT group_concat(r.ref, char(31)) FROM referrals AS r WHERE r.client_id = c.id AND r.ref IS NOT NULL)
FROM latest AS l JOIN clients AS c ON c.id = l.client_id
WHERE l.last_on < ?1 AND c.client_ref NOT GLOB 'anon#*'
ORDER BY c.client_ref";

/// Every woman who ages out with `cutoff` (ISO date), in client_ref order.
pub fn aged_out(conn: &Connection, cutoff: &str) -> Result<Vec<AgedOut>> {
    let mut st = conn.prepare(AGED_OUT)?;
    let rows = st.query_map(params![cutoff], |r| {
        let refs: Option<String> = r.get(6)?;
        Ok(AgedOut {
            client_id: r.get(0)?,
            client_ref: r.get(1)?,
            last_on: r.get(2)?,
            referrals: r.get(3)?,
            cases: r.get(4)?,
            assessments: r.get(5)?,
            referral_refs: refs.map(|s| s.split('\u{1f}').map(String::from).collect()).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
