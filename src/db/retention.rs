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
/// open case counts as activity today and for ever). A client linked into
/// another (`client link`) is the same woman: her records count with the
/// other's. A woman with no records has no date to count from and never
/// ages out; an anonymised woman (`anon#…`) has gone already.
const AGED_OUT: &str = "
WITH owner (client_id, woman) AS (
    SELECT c.id, coalesce(l.into_id, c.id) FROM clients AS c LEFT JOIN client_links AS l ON l.client_id = c.id
),
activity (woman, on_day) AS (
    SELECT o.woman, r.referred_on FROM referrals AS r JOIN owner AS o USING (client_id)
    UNION ALL SELECT o.woman, r.first_contact_on FROM referrals AS r JOIN owner AS o USING (client_id)
              WHERE r.first_contact_on IS NOT NULL
    UNION ALL SELECT o.woman, k.opened_on FROM cases AS k JOIN owner AS o USING (client_id)
    UNION ALL SELECT o.woman, coalesce(k.closed_on, '9999-12-31') FROM cases AS k JOIN owner AS o USING (client_id)
    UNION ALL SELECT o.woman, t.from_on FROM case_tiers AS t JOIN cases AS k ON k.id = t.case_id
              JOIN owner AS o ON o.client_id = k.client_id
    UNION ALL SELECT o.woman, a.assessed_on FROM assessments AS a JOIN owner AS o USING (client_id)
),
latest (woman, last_on) AS (SELECT woman, max(on_day) FROM activity GROUP BY woman)
SELECT c.id, c.client_ref, l.last_on,
       (SELECT count(*) FROM referrals AS r JOIN owner AS o USING (client_id) WHERE o.woman = c.id),
       (SELECT count(*) FROM cases AS k JOIN owner AS o USING (client_id) WHERE o.woman = c.id),
       (SELECT count(*) FROM assessments AS a JOIN owner AS o USING (client_id) WHERE o.woman = c.id),
       (SELECT group_concat(r.ref, char(31)) FROM referrals AS r JOIN owner AS o USING (client_id)
         WHERE o.woman = c.id AND r.ref IS NOT NULL)
FROM latest AS l JOIN clients AS c ON c.id = l.woman
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
