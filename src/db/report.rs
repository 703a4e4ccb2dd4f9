//! SQL behind the reports.
//!
//! Every figure of the return is defined here once, as a SQL condition,
//! and the same condition serves both to count (the return) and to list
//! (`report explain`), so the two cannot drift apart. Referrals are the
//! exception only in where the counting happens: one range scan over the
//! covering index `referrals_return` streams the period's referrals to
//! `report::returns`, which counts them; `report explain` reads the same
//! rows through the same WHERE clause (plus the columns to name them) and
//! filters them with the same classifier.

use crate::value::names::CaseOutcome;
use crate::value::Date;
use anyhow::Result;
use rusqlite::types::ValueRef;
use rusqlite::{named_params, params, Connection, OptionalExtension};
use std::collections::HashMap;

/// Which records a figure is counted over: a window of days and, when a
/// return is limited to a service, the services it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub from: Date,
    pub to: Date,
    /// `None`: every service.
    pub services: Option<Vec<i64>>,
}

impl Scope {
    fn from(&self) -> String {
        self.from.iso()
    }

    fn to(&self) -> String {
        self.to.iso()
    }

    /// ` AND col IN (1,2)`, or nothing for every service. The ids are
    /// integers read from the database, so they are written inline (an
    /// empty list matches nothing).
    fn service_filter(&self, col: &str) -> String {
        match &self.services {
            None => String::new(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND {col} IN ({})", list.join(","))
            }
        }
    }
}

// ---------------------------------------------------------------- services

/// A service with the spokes of it (when it is a hub).
#[derive(Debug, Clone)]
pub struct ServiceSet {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// (id, name) of its spokes, by name.
    pub spokes: Vec<(i64, String)>,
}

impl ServiceSet {
    pub fn ids(&self) -> Vec<i64> {
        std::iter::once(self.id).chain(self.spokes.iter().map(|s| s.0)).collect()
    }
}

/// The service `name` (case-insensitive) and its spokes.
pub fn service_set(conn: &Connection, name: &str) -> Result<Option<ServiceSet>> {
    let row: Option<(i64, String, String)> = conn
        .prepare_cached("SELECT id, name, kind FROM services WHERE name = ?1 COLLATE NOCASE")?
        .query_row(params![name.trim()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((id, name, kind)) = row else { return Ok(None) };
    Ok(Some(ServiceSet { id, name, kind, spokes: crate::db::service::spokes(conn, id)? }))
}

/// Every service's id and name.
pub fn service_names(conn: &Connection) -> Result<Vec<(i64, String)>> {
    crate::db::service::all_names(conn)
}

/// The refs of clients `ids`, for `report explain` (a local output, like
/// `client show`: the records behind a figure name the women), in one
/// query that reads only those clients.
pub fn client_refs(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let list = serde_json::to_string(ids)?;
    let mut st =
        conn.prepare_cached("SELECT id, client_ref FROM clients WHERE id IN (SELECT value FROM json_each(?1))")?;
    let rows = st.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A service's id with its spokes' ids.
pub fn service_and_spokes(conn: &Connection, id: i64) -> Result<Vec<i64>> {
    Ok(std::iter::once(id).chain(crate::db::service::spokes(conn, id)?.into_iter().map(|s| s.0)).collect())
}

/// The services a grant funds, with the spokes of those that are hubs.
pub fn grant_services(conn: &Connection, grant_id: i64) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT service_id FROM service_grants WHERE grant_id = ?1
         UNION SELECT s.id FROM services s JOIN service_grants sg ON s.hub_id = sg.service_id WHERE sg.grant_id = ?1
         ORDER BY 1",
    )?;
    let rows = st.query_map(params![grant_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// --------------------------------------------------------------- referrals

/// One referral as the return reads it, borrowed from SQLite's row buffer.
#[derive(Debug, Clone, Copy)]
pub struct ReferralRow<'a> {
    pub referred_on: &'a str,
    pub service_id: i64,
    pub source: &'a str,
    pub outcome: Option<&'a str>,
    pub needs: i64,
    pub risk: Option<&'a str>,
    pub first_contact_on: Option<&'a str>,
    pub area: Option<&'a str>,
}

/// What `report explain` adds to name a referral.
#[derive(Debug, Clone, Copy)]
pub struct ReferralName<'a> {
    pub id: i64,
    pub reference: Option<&'a str>,
}

/// The columns of the covering index, in its order.
const REFERRAL_COLUMNS: &str = "referred_on, service_id, source, outcome, needs, risk, first_contact_on, area";

/// The one condition that puts a referral in a scope.
fn referral_where(scope: &Scope) -> String {
    format!("referred_on BETWEEN :from AND :to{}", scope.service_filter("service_id"))
}

fn referral_sql(scope: &Scope, named: bool) -> String {
    if named {
        format!(
            "SELECT {REFERRAL_COLUMNS}, id, ref FROM referrals WHERE {} ORDER BY referred_on, id",
            referral_where(scope)
        )
    } else {
        format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE {}", referral_where(scope))
    }
}

fn text(v: ValueRef<'_>) -> rusqlite::Result<Option<&str>> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t).map(Some).map_err(rusqlite::Error::Utf8Error),
        _ => Err(rusqlite::Error::InvalidColumnType(0, String::new(), v.data_type())),
    }
}

fn referral_row<'a>(r: &'a rusqlite::Row<'_>) -> rusqlite::Result<ReferralRow<'a>> {
    Ok(ReferralRow {
        referred_on: text(r.get_ref(0)?)?.unwrap_or(""),
        service_id: r.get(1)?,
        source: text(r.get_ref(2)?)?.unwrap_or(""),
        outcome: text(r.get_ref(3)?)?,
        needs: r.get(4)?,
        risk: text(r.get_ref(5)?)?,
        first_contact_on: text(r.get_ref(6)?)?,
        area: text(r.get_ref(7)?)?,
    })
}

/// Stream the referrals of `scope` to `f`: one range scan over the covering
/// index `referrals_return`, nothing held in memory.
pub fn scan_referrals(conn: &Connection, scope: &Scope, mut f: impl FnMut(&ReferralRow<'_>)) -> Result<()> {
    let mut st = conn.prepare(&referral_sql(scope, false))?;
    let mut rows = st.query(named_params! {":from": scope.from(), ":to": scope.to()})?;
    while let Some(r) = rows.next()? {
        f(&referral_row(r)?);
    }
    Ok(())
}

/// The same referrals as `scan_referrals`, with their id and ref, in date
/// order (`report explain`).
pub fn scan_named_referrals(
    conn: &Connection,
    scope: &Scope,
    mut f: impl FnMut(&ReferralRow<'_>, ReferralName<'_>) -> Result<()>,
) -> Result<()> {
    // Each referral's ref is read from its row, in date order: a lookup
    // that lands anywhere in the table. A bounded memory map spares most of
    // those reads a system call and a copy, and keeps memory flat.
    let _mapped = super::MappedReads::bounded(conn, super::MMAP_LOOKUP_BYTES)?;
    let mut st = conn.prepare(&referral_sql(scope, true))?;
    let mut rows = st.query(named_params! {":from": scope.from(), ":to": scope.to()})?;
    while let Some(r) = rows.next()? {
        let name = ReferralName { id: r.get(8)?, reference: text(r.get_ref(9)?)? };
        f(&referral_row(r)?, name)?;
    }
    Ok(())
}

/// How many referrals are in `scope` (targets), by the same condition.
pub fn count_referrals(conn: &Connection, scope: &Scope) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM referrals WHERE {}", referral_where(scope));
    Ok(conn.query_row(&sql, named_params! {":from": scope.from(), ":to": scope.to()}, |r| r.get(0))?)
}

// ------------------------------------------------------------------- cases

/// A set of cases (or of the women on them) that a figure counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSet {
    /// Distinct women with a case open on at least one day of the scope.
    Women,
    OpenAtStart,
    Opened,
    Closed,
    OpenAtEnd,
    /// Open at the end, at this tier on the last day.
    TierAtEnd(String),
    /// Closed in the scope with this outcome.
    ClosedWith(CaseOutcome),
}

/// The tier of case `c` on the scope's last day: the tier row with the
/// latest from_on on or before it.
const TIER_AT_END: &str =
    "(SELECT t.tier FROM case_tiers t WHERE t.case_id = c.id AND t.from_on <= :to ORDER BY t.from_on DESC LIMIT 1)";

/// Open on at least one day of the scope; every set below lies within it.
const ACTIVE: &str = "c.opened_on <= :to AND (c.closed_on IS NULL OR c.closed_on >= :from)";
const OPEN_AT_START: &str = "c.opened_on < :from AND (c.closed_on IS NULL OR c.closed_on >= :from)";
const OPENED: &str = "c.opened_on BETWEEN :from AND :to";
const CLOSED: &str = "c.closed_on BETWEEN :from AND :to";
const OPEN_AT_END: &str = "c.opened_on <= :to AND (c.closed_on IS NULL OR c.closed_on > :to)";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl CaseSet {
    /// The condition on case `c`; the one definition of the figure.
    fn condition(&self) -> String {
        match self {
            CaseSet::Women => ACTIVE.to_string(),
            CaseSet::OpenAtStart => OPEN_AT_START.to_string(),
            CaseSet::Opened => OPENED.to_string(),
            CaseSet::Closed => CLOSED.to_string(),
            CaseSet::OpenAtEnd => OPEN_AT_END.to_string(),
            CaseSet::TierAtEnd(tier) => format!("{OPEN_AT_END} AND {TIER_AT_END} = {}", quote(tier)),
            CaseSet::ClosedWith(o) => format!("{CLOSED} AND c.outcome = {}", quote(o.as_str())),
        }
    }

    /// The SQL aggregate that counts this set among the scope's cases.
    fn aggregate(&self) -> String {
        format!("count(CASE WHEN {} THEN 1 END)", self.condition())
    }
}

/// The women counted in `women_supported` for a scope: every client with a
/// case open on at least one day of it (`ACTIVE`) at one of its services,
/// each once, by id. Found once a return and shared by the sections that
/// count these women (caseload, equality, outcomes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Women(Vec<i64>);

impl Women {
    pub fn of(conn: &Connection, scope: &Scope) -> Result<Women> {
        let sql = format!("SELECT c.client_id FROM cases c WHERE {ACTIVE}{}", scope.service_filter("c.service_id"));
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(named_params! {":from": scope.from(), ":to": scope.to()}, |r| r.get(0))?;
        let mut ids: Vec<i64> = rows.collect::<rusqlite::Result<_>>()?;
        ids.sort_unstable();
        ids.dedup();
        Ok(Women(ids))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These ids, as given (for tests of what reads the list).
    #[cfg(test)]
    pub fn of_ids(ids: Vec<i64>) -> Women {
        Women(ids)
    }

    /// The ids, in order, as one parameter for `rarray(?N)`.
    pub fn array(&self) -> rusqlite::vtab::array::Array {
        super::id_array(&self.0)
    }
}

/// Count several sets of `scope`'s cases. The plain sets are counted in one
/// pass over the cases open in the scope; the tiers at the end in a second,
/// over the cases open at the end, which finds each case's tier once (not
/// once a tier); the outcomes in a third, over the covering index of the
/// cases closed in the scope. Each set keeps its one condition (`condition`);
/// `CaseSet::Women` is `women`'s size, found here when not given.
pub fn count_cases(conn: &Connection, scope: &Scope, sets: &[CaseSet], women: Option<&Women>) -> Result<Vec<i64>> {
    let mut counts = vec![0; sets.len()];
    if let Some(i) = sets.iter().position(|s| *s == CaseSet::Women) {
        counts[i] = match women {
            Some(w) => w.len(),
            None => Women::of(conn, scope)?.len(),
        } as i64;
    }
    let filter = scope.service_filter("c.service_id");
    let params = named_params! {":from": scope.from(), ":to": scope.to()};
    let plain: Vec<usize> = (0..sets.len())
        .filter(|&i| !matches!(sets[i], CaseSet::Women | CaseSet::TierAtEnd(_) | CaseSet::ClosedWith(_)))
        .collect();
    if !plain.is_empty() {
        let aggregates: Vec<String> = plain.iter().map(|&i| sets[i].aggregate()).collect();
        let sql = format!("SELECT {} FROM cases c WHERE {ACTIVE}{filter}", aggregates.join(", "));
        let row = conn.prepare(&sql)?.query_row(params, |r| {
            (0..plain.len()).map(|k| r.get::<_, i64>(k)).collect::<rusqlite::Result<Vec<i64>>>()
        })?;
        for (&i, n) in plain.iter().zip(row) {
            counts[i] = n;
        }
    }
    let mut by = |wanted: fn(&CaseSet) -> Option<&str>, sql: String| -> Result<()> {
        if !sets.iter().any(|s| wanted(s).is_some()) {
            return Ok(());
        }
        let mut st = conn.prepare(&sql)?;
        let found: HashMap<Option<String>, i64> =
            st.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        for (i, s) in sets.iter().enumerate() {
            if let Some(key) = wanted(s) {
                counts[i] = found.get(&Some(key.to_string())).copied().unwrap_or(0);
            }
        }
        Ok(())
    };
    // `LIMIT -1` keeps the tier a column of the inner query, found once a
    // case, rather than copied into the grouping and the result.
    by(
        |s| match s {
            CaseSet::TierAtEnd(t) => Some(t.as_str()),
            _ => None,
        },
        format!(
            "SELECT tier, count(*) FROM (SELECT {TIER_AT_END} AS tier FROM cases c
             WHERE {ACTIVE} AND {OPEN_AT_END}{filter} LIMIT -1) GROUP BY tier"
        ),
    )?;
    by(
        |s| match s {
            CaseSet::ClosedWith(o) => Some(o.as_str()),
            _ => None,
        },
        // Closed in the scope is within ACTIVE (a case never closes before it
        // opens), so this reads the covering index of closed cases alone.
        format!("SELECT c.outcome, count(*) FROM cases c WHERE {CLOSED}{filter} GROUP BY c.outcome"),
    )?;
    Ok(counts)
}

/// One case as `report explain` lists it.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub id: i64,
    pub reference: Option<String>,
    pub client_id: i64,
    pub client_ref: String,
    pub service: String,
    pub worker: String,
    pub opened_on: String,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    /// Its tier on the scope's last day.
    pub tier_at_end: Option<String>,
    pub hours_at_end: Option<f64>,
}

/// Stream the cases of `scope` in `set` to `each`, by the same condition
/// that counts them, one at a time as they are read. For `CaseSet::Women`
/// these are every case that puts a woman in the count, in client order
/// (group them by `client_id`).
pub fn scan_cases(
    conn: &Connection,
    scope: &Scope,
    set: &CaseSet,
    mut each: impl FnMut(CaseRecord) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "SELECT c.id, c.ref, c.client_id, s.name, w.code, c.opened_on, c.closed_on, c.outcome,
                {TIER_AT_END} AS tier, (SELECT hours_per_week FROM tiers WHERE code = {TIER_AT_END}), cl.client_ref
         FROM cases c JOIN services s ON s.id = c.service_id JOIN workers w ON w.id = c.worker_id
              JOIN clients cl ON cl.id = c.client_id
         WHERE {ACTIVE}{} AND ({})
         ORDER BY c.client_id, c.opened_on, c.id",
        scope.service_filter("c.service_id"),
        set.condition()
    );
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query(named_params! {":from": scope.from(), ":to": scope.to()})?;
    while let Some(r) = rows.next()? {
        each(CaseRecord {
            id: r.get(0)?,
            reference: r.get(1)?,
            client_id: r.get(2)?,
            service: r.get(3)?,
            worker: r.get(4)?,
            opened_on: r.get(5)?,
            closed_on: r.get(6)?,
            outcome: r.get(7)?,
            tier_at_end: r.get(8)?,
            hours_at_end: r.get(9)?,
            client_ref: r.get(10)?,
        })?;
    }
    Ok(())
}

/// The support tiers and their weekly hours, T1 before T10.
pub fn tiers(conn: &Connection) -> Result<Vec<(String, f64)>> {
    let mut st = conn.prepare_cached("SELECT code, hours_per_week FROM tiers ORDER BY length(code), code")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ----------------------------------------------------------------- targets

/// A target row.
#[derive(Debug, Clone)]
pub struct TargetRow {
    pub service: Option<(i64, String)>,
    pub grant: Option<(i64, String)>,
    pub measure: String,
    pub period: String,
    pub from_on: String,
    pub to_on: String,
    pub value: i64,
}

/// Targets whose own period overlaps from..to; limited to targets of
/// `services` (or of grants funding them) when given.
pub fn targets(conn: &Connection, scope: &Scope) -> Result<Vec<TargetRow>> {
    let filter = match &scope.services {
        None => String::new(),
        Some(_) => format!(
            " AND (t.service_id IS NOT NULL{s} OR t.grant_id IN (SELECT grant_id FROM service_grants sg WHERE 1{g}))",
            s = scope.service_filter("t.service_id"),
            g = scope.service_filter("sg.service_id"),
        ),
    };
    let sql = format!(
        "SELECT t.service_id, s.name, t.grant_id, g.ref, t.measure, t.period, t.from_on, t.to_on, t.value
         FROM targets t LEFT JOIN services s ON s.id = t.service_id LEFT JOIN grants g ON g.id = t.grant_id
         WHERE t.from_on <= :to AND t.to_on >= :from{filter}
         ORDER BY t.service_id IS NULL, coalesce(s.name, g.ref), t.measure, t.from_on, t.to_on"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(named_params! {":from": scope.from(), ":to": scope.to()}, |r| {
        let sid: Option<i64> = r.get(0)?;
        let gid: Option<i64> = r.get(2)?;
        Ok(TargetRow {
            service: match sid {
                Some(id) => Some((id, r.get(1)?)),
                None => None,
            },
            grant: match gid {
                Some(id) => Some((id, r.get(3)?)),
                None => None,
            },
            measure: r.get(4)?,
            period: r.get(5)?,
            from_on: r.get(6)?,
            to_on: r.get(7)?,
            value: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ------------------------------------------------------------------ grants

/// A grant with the money paid under it.
#[derive(Debug, Clone)]
pub struct GrantMoney {
    pub id: i64,
    pub decision: String,
    pub grant: String,
    pub recipient: String,
    pub status: String,
    pub start_on: Option<String>,
    pub end_on: Option<String>,
    pub awarded: i64,
    pub paid_in_period: i64,
    pub paid_to_date: i64,
    /// The decision's amount and the sum of all its grants.
    pub decision_amount: i64,
    pub decision_granted: i64,
}

/// Payments counted as paid in the scope.
const PAID_IN_PERIOD: &str = "p.paid_on BETWEEN :from AND :to";
/// Payments counted as paid to date (on or before the scope's end).
const PAID_TO_DATE: &str = "p.paid_on <= :to";
/// A grant whose start..end overlaps the scope (an open end is no limit).
const GRANT_OVERLAPS: &str = "coalesce(g.start_on, '0000-01-01') <= :to AND coalesce(g.end_on, '9999-12-31') >= :from";

/// Grants overlapping `scope` (funding its services, when limited), with
/// the money paid in it and to its end, by decision and grant ref.
pub fn grants(conn: &Connection, scope: &Scope) -> Result<Vec<GrantMoney>> {
    let filter = match &scope.services {
        None => String::new(),
        Some(_) => format!(
            " AND g.id IN (SELECT grant_id FROM service_grants sg WHERE 1{})",
            scope.service_filter("sg.service_id")
        ),
    };
    let sql = format!(
        "SELECT g.id, d.ref, g.ref, o.name, g.status, g.start_on, g.end_on, g.amount_pence,
            coalesce((SELECT sum(p.amount_pence) FROM payments p WHERE p.grant_id = g.id AND {PAID_IN_PERIOD}), 0),
            coalesce((SELECT sum(p.amount_pence) FROM payments p WHERE p.grant_id = g.id AND {PAID_TO_DATE}), 0),
            d.amount_pence, (SELECT sum(x.amount_pence) FROM grants x WHERE x.decision_id = d.id)
         FROM grants g JOIN decisions d ON d.id = g.decision_id JOIN organisations o ON o.id = g.recipient_id
         WHERE {GRANT_OVERLAPS}{filter}
         ORDER BY d.ref, g.ref"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(named_params! {":from": scope.from(), ":to": scope.to()}, |r| {
        Ok(GrantMoney {
            id: r.get(0)?,
            decision: r.get(1)?,
            grant: r.get(2)?,
            recipient: r.get(3)?,
            status: r.get(4)?,
            start_on: r.get(5)?,
            end_on: r.get(6)?,
            awarded: r.get(7)?,
            paid_in_period: r.get(8)?,
            paid_to_date: r.get(9)?,
            decision_amount: r.get(10)?,
            decision_granted: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which payments of a grant a money figure adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSet {
    InPeriod,
    ToDate,
}

/// One payment.
#[derive(Debug, Clone)]
pub struct PaymentRecord {
    pub id: i64,
    pub paid_on: String,
    pub amount: i64,
    pub note: Option<String>,
}

/// The payments of grant `grant_id` in `set`, by the conditions `grants` sums.
pub fn payments(conn: &Connection, scope: &Scope, grant_id: i64, set: PaymentSet) -> Result<Vec<PaymentRecord>> {
    let cond = match set {
        PaymentSet::InPeriod => PAID_IN_PERIOD,
        PaymentSet::ToDate => PAID_TO_DATE,
    };
    let sql = format!(
        "SELECT p.id, p.paid_on, p.amount_pence, p.note FROM payments p
         WHERE p.grant_id = :grant AND {cond} ORDER BY p.paid_on, p.id"
    );
    let mut st = conn.prepare(&sql)?;
    let map = |r: &rusqlite::Row<'_>| {
        Ok(PaymentRecord { id: r.get(0)?, paid_on: r.get(1)?, amount: r.get(2)?, note: r.get(3)? })
    };
    let (from, to) = (scope.from(), scope.to());
    let rows: Vec<PaymentRecord> = match set {
        PaymentSet::InPeriod => st
            .query_map(named_params! {":grant": grant_id, ":from": from, ":to": to}, map)?
            .collect::<Result<_, _>>()?,
        PaymentSet::ToDate => {
            st.query_map(named_params! {":grant": grant_id, ":to": to}, map)?.collect::<Result<_, _>>()?
        }
    };
    Ok(rows)
}

/// A decision with what has been granted under it.
#[derive(Debug, Clone)]
pub struct DecisionAllocation {
    pub decision: String,
    pub title: String,
    pub status: String,
    pub budget_year: Option<String>,
    pub amount: i64,
    pub granted: i64,
    pub grants: i64,
}

/// Every decision with the sum of all its grants.
pub fn decision_allocations(conn: &Connection) -> Result<Vec<DecisionAllocation>> {
    let mut st = conn.prepare(
        "SELECT d.ref, d.title, d.status, d.budget_year, d.amount_pence,
                coalesce(sum(g.amount_pence), 0), count(g.id)
         FROM decisions d LEFT JOIN grants g ON g.decision_id = d.id
         GROUP BY d.id ORDER BY d.ref",
    )?;
    let rows = st.query_map([], |r| {
        Ok(DecisionAllocation {
            decision: r.get(0)?,
            title: r.get(1)?,
            status: r.get(2)?,
            budget_year: r.get(3)?,
            amount: r.get(4)?,
            granted: r.get(5)?,
            grants: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------- caseload

/// A worker's open cases at one tier on a day (tier `None` and count 0 for
/// a worker with no open cases).
#[derive(Debug, Clone)]
pub struct WorkerTierCount {
    pub code: String,
    pub name: Option<String>,
    pub capacity_hours: f64,
    pub active: bool,
    pub tier: Option<String>,
    pub cases: i64,
}

/// Open cases on `on` per worker and tier (open: opened on or before the
/// day and not closed on or before it, as `caseload.open_at_end`).
pub fn worker_tiers(conn: &Connection, on: Date) -> Result<Vec<WorkerTierCount>> {
    let sql = worker_tiers_sql();
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(named_params! {":to": on.iso()}, |r| {
        Ok(WorkerTierCount {
            code: r.get(0)?,
            name: r.get(1)?,
            capacity_hours: r.get(2)?,
            active: r.get::<_, i64>(3)? == 1,
            tier: r.get(4)?,
            cases: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The open cases are counted from one range scan of the covering index
/// `cases_opened` (no look-up of each case in the table), then joined to
/// the workers: three times faster than walking each worker's cases.
fn worker_tiers_sql() -> String {
    format!(
        "SELECT w.code, w.name, w.capacity_hours, w.active, x.tier, coalesce(x.n, 0)
         FROM workers w LEFT JOIN (
             SELECT worker_id, tier, count(*) AS n
             FROM (SELECT c.worker_id, {TIER_AT_END} AS tier FROM cases c INDEXED BY cases_opened WHERE {OPEN_AT_END})
             GROUP BY worker_id, tier) x ON x.worker_id = w.id
         ORDER BY w.code, x.tier"
    )
}

/// SQLite's plan for the caseload report's count (for tests and tuning).
pub fn worker_tiers_plan(conn: &Connection, on: Date) -> Result<Vec<String>> {
    let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", worker_tiers_sql()))?;
    let rows = st.query_map(named_params! {":to": on.iso()}, |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The database's schema version.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    crate::db::user_version(conn)
}

/// SQLite's plan for the return's referral scan, or (`named`) explain's,
/// in date and id order (for tests and tuning).
pub fn referral_scan_plan(conn: &Connection, scope: &Scope, named: bool) -> Result<Vec<String>> {
    let sql = format!("EXPLAIN QUERY PLAN {}", referral_sql(scope, named));
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(named_params! {":from": scope.from(), ":to": scope.to()}, |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
