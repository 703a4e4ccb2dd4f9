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
WITH dated (woman, on_day, referral, kase, assessment, ref) AS (
    SELECT coalesce(l.into_id, r.client_id), r.referred_on, 1, 0, 0, r.ref
      FROM referrals AS r LEFT JOIN client_links AS l ON l.client_id = r.client_id
    UNION ALL SELECT coalesce(l.into_id, r.client_id), r.first_contact_on, 0, 0, 0, NULL
      FROM referrals AS r LEFT JOIN client_links AS l ON l.client_id = r.client_id
     WHERE r.first_contact_on IS NOT NULL
    UNION ALL SELECT coalesce(l.into_id, k.client_id), k.opened_on, 0, 1, 0, NULL
      FROM cases AS k LEFT JOIN client_links AS l ON l.client_id = k.client_id
    UNION ALL SELECT coalesce(l.into_id, k.client_id), coalesce(k.closed_on, '9999-12-31'), 0, 0, 0, NULL
      FROM cases AS k LEFT JOIN client_links AS l ON l.client_id = k.client_id
    UNION ALL SELECT coalesce(l.into_id, k.client_id), t.from_on, 0, 0, 0, NULL
      FROM case_tiers AS t JOIN cases AS k ON k.id = t.case_id LEFT JOIN client_links AS l ON l.client_id = k.client_id
    UNION ALL SELECT coalesce(l.into_id, a.client_id), a.assessed_on, 0, 0, 1, NULL
      FROM assessments AS a LEFT JOIN client_links AS l ON l.client_id = a.client_id
),
latest (woman, last_on, referrals, cases, assessments, refs) AS (
    SELECT woman, max(on_day), sum(referral), sum(kase), sum(assessment), group_concat(ref, char(31))
    FROM dated GROUP BY woman
)
SELECT c.id, c.client_ref, l.last_on, l.referrals, l.cases, l.assessments, l.refs
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
