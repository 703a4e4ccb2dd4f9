//! SQL for services.

use crate::domain::service::{GrantLink, ServiceRow, Target};
use crate::value::names::{Measure, ServiceKind};
use crate::value::{Date, Pence};
use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The id of the service called `name` (case-insensitive).
pub fn id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM services WHERE name = ?1 COLLATE NOCASE")?
        .query_row(params![name.trim()], |r| r.get(0))
        .optional()?)
}

/// Every service as (id, name), for lookups held in memory during imports
/// and for "did you mean".
pub fn all_names(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached("SELECT id, name FROM services ORDER BY name")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A hub's spokes, (id, name) by name: the one query for them.
pub fn spokes(conn: &Connection, hub_id: i64) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached("SELECT id, name FROM services WHERE hub_id = ?1 ORDER BY name")?;
    let rows = st.query_map(params![hub_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A service's own values, as bound to statements.
pub struct Values<'a> {
    pub name: &'a str,
    pub provider_id: i64,
    pub area: Option<&'a str>,
    pub kind: ServiceKind,
    pub hub_id: Option<i64>,
}

/// Record a new service; returns its id.
pub fn insert(conn: &Connection, v: &Values<'_>) -> Result<i64> {
    conn.prepare_cached("INSERT INTO services (name, provider_id, area, kind, hub_id) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![v.name, v.provider_id, v.area, v.kind.as_str(), v.hub_id])?;
    Ok(conn.last_insert_rowid())
}

/// The service called `v.name` (case-insensitive): (id, whether its
/// provider, area, kind and hub equal `v`'s).
pub fn find_with(conn: &Connection, v: &Values<'_>) -> Result<Option<(i64, bool)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, (name = ?1 AND provider_id = ?2 AND area IS ?3 AND kind = ?4 AND hub_id IS ?5)
             FROM services WHERE name = ?1 COLLATE NOCASE",
        )?
        .query_row(params![v.name, v.provider_id, v.area, v.kind.as_str(), v.hub_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Overwrite a service's values.
pub fn update(conn: &Connection, id: i64, v: &Values<'_>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE services SET name = ?2, provider_id = ?3, area = ?4, kind = ?5, hub_id = ?6 WHERE id = ?1",
    )?
    .execute(params![id, v.name, v.provider_id, v.area, v.kind.as_str(), v.hub_id])?;
    Ok(())
}

/// The kind of service `id`.
pub fn kind(conn: &Connection, id: i64) -> Result<Option<ServiceKind>> {
    Ok(conn
        .prepare_cached("SELECT kind FROM services WHERE id = ?1")?
        .query_row(params![id], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|k| k.parse().ok()))
}

/// The id of the grant with reference `grant_ref` (e.g. 2021.021-1).
pub fn grant_id(conn: &Connection, grant_ref: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM grants WHERE ref = ?1")?
        .query_row(params![grant_ref.trim()], |r| r.get(0))
        .optional()?)
}

/// Record that grant `grant_id` funds service `service_id`; returns false
/// when it was recorded already.
pub fn link_grant(conn: &Connection, service_id: i64, grant_id: i64) -> Result<bool> {
    let n = conn
        .prepare_cached("INSERT OR IGNORE INTO service_grants (service_id, grant_id) VALUES (?1, ?2)")?
        .execute(params![service_id, grant_id])?;
    Ok(n == 1)
}

const ROW: &str = "SELECT s.id, s.name, s.kind, h.name, o.name, s.area,
        (SELECT group_concat(ref, ';') FROM (SELECT g.ref FROM service_grants AS sg JOIN grants AS g ON g.id = sg.grant_id
                                            WHERE sg.service_id = s.id ORDER BY g.ref))
    FROM services AS s JOIN organisations AS o ON o.id = s.provider_id LEFT JOIN services AS h ON h.id = s.hub_id";

fn service_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ServiceRow> {
    let grants: Option<String> = r.get(6)?;
    Ok(ServiceRow {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get::<_, String>(2)?.parse().unwrap_or(ServiceKind::Other),
        hub: r.get(3)?,
        provider: r.get(4)?,
        area: r.get(5)?,
        grants: grants.map(|g| g.split(';').map(str::to_string).collect()).unwrap_or_default(),
    })
}

/// Every service: hubs each followed by their spokes, then the rest, by name.
pub fn rows(conn: &Connection) -> Result<Vec<ServiceRow>> {
    let mut st =
        conn.prepare(&format!("{ROW} ORDER BY coalesce(h.name, s.name) COLLATE NOCASE, s.hub_id IS NOT NULL, s.name"))?;
    let rows = st.query_map([], service_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One service.
pub fn row(conn: &Connection, id: i64) -> Result<Option<ServiceRow>> {
    Ok(conn.prepare(&format!("{ROW} WHERE s.id = ?1"))?.query_row(params![id], service_row).optional()?)
}

/// The grants that fund a service.
pub fn grants_of(conn: &Connection, service_id: i64) -> Result<Vec<GrantLink>> {
    let mut st = conn.prepare_cached(
        "SELECT g.ref, d.ref, o.name, g.amount_pence, g.start_on, g.end_on
         FROM service_grants AS sg JOIN grants AS g ON g.id = sg.grant_id JOIN decisions AS d ON d.id = g.decision_id
              JOIN organisations AS o ON o.id = g.recipient_id
         WHERE sg.service_id = ?1 ORDER BY g.ref",
    )?;
    let rows = st.query_map(params![service_id], |r| {
        Ok(GrantLink {
            grant: r.get(0)?,
            decision: r.get(1)?,
            recipient: r.get(2)?,
            amount: Pence(r.get(3)?),
            start_on: r.get::<_, Option<String>>(4)?.as_deref().and_then(Date::from_db),
            end_on: r.get::<_, Option<String>>(5)?.as_deref().and_then(Date::from_db),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A service's targets, by period then measure.
pub fn targets_of(conn: &Connection, service_id: i64) -> Result<Vec<Target>> {
    let mut st = conn.prepare_cached(
        "SELECT measure, period, from_on, to_on, value FROM targets WHERE service_id = ?1 ORDER BY from_on, to_on, measure",
    )?;
    let rows = st.query_map(params![service_id], |r| {
        Ok(Target {
            measure: r.get::<_, String>(0)?.parse().unwrap_or(Measure::Referrals),
            period: r.get(1)?,
            from_on: Date::from_db(&r.get::<_, String>(2)?).unwrap_or(Date::ymd(1900, 1, 1)),
            to_on: Date::from_db(&r.get::<_, String>(3)?).unwrap_or(Date::ymd(1900, 1, 1)),
            value: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A service's target for a measure over exactly `from..to`: (id, value).
pub fn target(
    conn: &Connection,
    service_id: i64,
    measure: Measure,
    from: Date,
    to: Date,
) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, value FROM targets WHERE service_id = ?1 AND measure = ?2 AND from_on = ?3 AND to_on = ?4",
        )?
        .query_row(params![service_id, measure.as_str(), from.iso(), to.iso()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Record a new target for a service.
pub fn insert_target(conn: &Connection, service_id: i64, t: &Target) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO targets (service_id, measure, period, from_on, to_on, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![service_id, t.measure.as_str(), t.period, t.from_on.iso(), t.to_on.iso(), t.value])?;
    Ok(conn.last_insert_rowid())
}

/// Change a target's value (and period label).
pub fn update_target(conn: &Connection, id: i64, t: &Target) -> Result<()> {
    conn.prepare_cached("UPDATE targets SET value = ?2, period = ?3 WHERE id = ?1")?
        .execute(params![id, t.value, t.period])?;
    Ok(())
}

/// The areas of the services a grant funds, with their ONS area codes:
/// (area, GSS code), each pair once, in area order.
pub fn areas_of_grant(conn: &Connection, grant_id: i64) -> Result<Vec<(Option<String>, Option<String>)>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT s.area, c.gss_code FROM service_grants AS sg JOIN services AS s ON s.id = sg.service_id
         LEFT JOIN service_area_codes AS c ON c.service_id = s.id
         WHERE sg.grant_id = ?1 AND (s.area IS NOT NULL OR c.gss_code IS NOT NULL)
         ORDER BY s.area, c.gss_code",
    )?;
    let rows = st.query_map(params![grant_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Set (or with None clear) a service's ONS area code.
pub fn set_area_code(conn: &Connection, service_id: i64, code: Option<&str>) -> Result<()> {
    match code {
        Some(c) => conn
            .prepare_cached(
                "INSERT INTO service_area_codes (service_id, gss_code) VALUES (?1, ?2)
                 ON CONFLICT (service_id) DO UPDATE SET gss_code = excluded.gss_code",
            )?
            .execute(params![service_id, c])?,
        None => {
            conn.prepare_cached("DELETE FROM service_area_codes WHERE service_id = ?1")?.execute(params![service_id])?
        }
    };
    Ok(())
}

/// A service's ONS area code, if recorded.
pub fn area_code(conn: &Connection, service_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT gss_code FROM service_area_codes WHERE service_id = ?1")?
        .query_row(params![service_id], |r| r.get(0))
        .optional()?)
}
