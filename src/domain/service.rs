//! Rules for services: hubs and their spokes, the provider that runs each,
//! the grants that fund them, and their targets.

use crate::db::{self, tx, Conn};
use crate::domain::trust::{Applied, Comparison, Rules, Tracker, Verdict};
use crate::error::{invalid, not_found, suggestion, RowError};
use crate::value::names::{Measure, OrgKind, ServiceKind};
use crate::value::{Clearable, Date, Pence, Period};
use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;

/// The longest service name accepted.
pub const MAX_NAME: usize = 200;

/// Services by name, held in memory for imports and lookups. Names match
/// exactly first, then without regard to case.
pub struct ServiceNames {
    exact: HashMap<String, i64>,
    all: Vec<(String, i64)>,
}

impl ServiceNames {
    pub fn load(conn: &Conn) -> Result<ServiceNames> {
        let all = db::service::all_names(conn)?;
        let exact = all.iter().map(|(id, n)| (n.clone(), *id)).collect();
        Ok(ServiceNames { exact, all: all.into_iter().map(|(id, n)| (n, id)).collect() })
    }

    /// The id of the service called `name`, or a message naming the
    /// closest known one ("no service called 'Beth Center'; did you mean
    /// 'Beth Centre'?"). The one lookup of a service by name, and its one
    /// message, for every command and import.
    pub fn id(&self, name: &str) -> Result<i64, String> {
        self.get(name).map(|(id, _)| id)
    }

    /// `id`, with the name as recorded.
    pub fn get(&self, name: &str) -> Result<(i64, &str), String> {
        if let Some((n, &id)) = self.exact.get_key_value(name) {
            return Ok((id, n.as_str()));
        }
        let name = name.trim();
        if let Some((n, id)) = self.all.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Ok((*id, n.as_str()));
        }
        let lower = name.to_lowercase();
        if let Some((n, id)) = self.all.iter().find(|(n, _)| n.to_lowercase() == lower) {
            return Ok((*id, n.as_str()));
        }
        if self.all.is_empty() {
            return Err(format!(
                "no service called '{name}': no services are recorded yet; add them first with `pathway service add` or `pathway service import`"
            ));
        }
        Err(super::unknown("service called", name, &suggestion(name, self.all.iter().map(|(n, _)| n.as_str()))))
    }

    fn add(&mut self, name: &str, id: i64) {
        if !self.exact.contains_key(name) {
            self.exact.insert(name.to_string(), id);
            self.all.push((name.to_string(), id));
        }
    }
}

/// A service as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRow {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub kind: ServiceKind,
    pub hub: Option<String>,
    pub provider: String,
    pub area: Option<String>,
    /// References of the grants that fund it.
    pub grants: Vec<String>,
}

/// A grant that funds a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantLink {
    pub grant: String,
    pub decision: String,
    pub recipient: String,
    pub amount: Pence,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
}

/// A target for a measure over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub measure: Measure,
    pub period: String,
    pub from_on: Date,
    pub to_on: Date,
    pub value: i64,
}

/// A service with its spokes, grants and targets (`service show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub service: ServiceRow,
    pub spokes: Vec<String>,
    pub funded_by: Vec<GrantLink>,
    pub targets: Vec<Target>,
}

/// A service as given (by `service add` or an import row).
#[derive(Debug, Clone, Default)]
pub struct NewService<'a> {
    pub name: &'a str,
    pub provider: &'a str,
    pub area: Option<&'a str>,
    /// Defaults to spoke when a hub is given, else hub.
    pub kind: Option<ServiceKind>,
    pub hub: Option<&'a str>,
    /// References of grants that fund it (e.g. 2021.021-1).
    pub grants: Vec<&'a str>,
}

/// The ids a service's names stand for, checked.
struct Resolved {
    kind: ServiceKind,
    hub_id: Option<i64>,
    grant_ids: Vec<i64>,
}

/// Check a service's values and look up its hub and grants; nothing is
/// written.
fn resolve(conn: &Conn, names: &ServiceNames, s: &NewService<'_>) -> Result<Result<Resolved, RowError>> {
    let name = s.name.trim();
    if name.is_empty() {
        return Ok(Err(RowError::new("name", "a service needs a name")));
    }
    if name.chars().count() > MAX_NAME {
        return Ok(Err(RowError::new("name", format!("a service name is at most {MAX_NAME} characters"))));
    }
    if s.provider.trim().is_empty() {
        return Ok(Err(RowError::new("provider", "a service needs the provider (organisation) that runs it")));
    }
    let kind = s.kind.unwrap_or(if s.hub.is_some() { ServiceKind::Spoke } else { ServiceKind::Hub });
    let hub_id = match s.hub {
        None if kind == ServiceKind::Spoke => {
            return Ok(Err(RowError::new("hub", "a spoke needs its hub: name the hub service it belongs to")));
        }
        None => None,
        Some(_) if kind != ServiceKind::Spoke => {
            return Ok(Err(RowError::new(
                "hub",
                format!("only a spoke has a hub, and this service is a {}; give kind spoke or leave the hub out", kind),
            )));
        }
        Some(h) => {
            if h.trim().eq_ignore_ascii_case(name) {
                return Ok(Err(RowError::new("hub", "a spoke cannot be its own hub")));
            }
            let id = match names.id(h) {
                Ok(id) => id,
                Err(m) => {
                    return Ok(Err(RowError::new("hub", format!("{m} (a hub must be recorded before its spokes)"))))
                }
            };
            match db::service::kind(conn, id)? {
                Some(ServiceKind::Hub) => Some(id),
                Some(k) => {
                    return Ok(Err(RowError::new("hub", format!("'{}' is a {k}, not a hub", h.trim()))));
                }
                None => Some(id),
            }
        }
    };
    let mut grant_ids = Vec::new();
    for g in &s.grants {
        match db::service::grant_id(conn, g)? {
            Some(id) => grant_ids.push(id),
            None => return Ok(Err(RowError::new("grants", crate::domain::grant::unknown_message(conn, g)?))),
        }
    }
    Ok(Ok(Resolved { kind, hub_id, grant_ids }))
}

/// Record a checked service (new, or changed if the name exists and
/// `replace`); links its grants.
fn record(tx: &Conn, s: &NewService<'_>, r: &Resolved, replace: bool) -> Result<Result<(i64, Applied), RowError>> {
    // Every check before the first write: a refused row writes nothing.
    if let Some(id) = db::service::id(tx, s.name)? {
        if !replace {
            return Ok(Err(RowError::new(
                "name",
                format!("a service called '{}' is recorded already (#{id})", s.name.trim()),
            )));
        }
        if r.kind != ServiceKind::Hub && !db::service::spokes(tx, id)?.is_empty() {
            return Ok(Err(RowError::new("kind", format!("'{}' has spokes, so it must stay a hub", s.name.trim()))));
        }
    }
    let (provider_id, _) = db::org::id_or_insert(tx, s.provider, OrgKind::Provider)?;
    let v = db::service::Values {
        name: s.name.trim(),
        provider_id,
        area: s.area.map(str::trim).filter(|a| !a.is_empty()),
        kind: r.kind,
        hub_id: r.hub_id,
    };
    let (id, mut change) = match db::service::find_with(tx, &v)? {
        None => (db::service::insert(tx, &v)?, Applied::New),
        Some((id, true)) => (id, Applied::Unchanged),
        Some((id, false)) => {
            db::service::update(tx, id, &v)?;
            (id, Applied::Updated)
        }
    };
    for g in &r.grant_ids {
        if db::service::link_grant(tx, id, *g)? && change == Applied::Unchanged {
            change = Applied::Updated;
        }
    }
    Ok(Ok((id, change)))
}

/// `service add`: record one service, with its ONS area code (checked
/// with `threesixty::check_gss`) if given; returns its id.
pub fn add(conn: &mut Conn, s: &NewService<'_>, area_code: Option<&str>, command: &str) -> Result<i64> {
    let code = area_code.map(check_area_code).transpose()?;
    tx::write(conn, |tx| {
        let names = ServiceNames::load(tx)?;
        let r = resolve(tx, &names, s)?.map_err(|p| to_error(&p))?;
        let (id, _) = record(tx, s, &r, false)?.map_err(|p| to_error(&p))?;
        let mut detail: Vec<String> = Vec::new();
        if !s.grants.is_empty() {
            detail.push(format!("grants {}", s.grants.join(", ")));
        }
        if let Some(c) = &code {
            db::service::set_area_code(tx, id, Some(c))?;
            detail.push(format!("area code {c}"));
        }
        let detail = if detail.is_empty() { None } else { Some(detail.join("; ")) };
        tx::audit(tx, command, "service", Some(s.name.trim()), "add", detail.as_deref())?;
        Ok(id)
    })
}

fn check_area_code(c: &str) -> Result<String> {
    crate::domain::threesixty::check_gss(c).map_err(|m| crate::error::usage(format!("--area-code: {m}")))
}

/// `service edit NAME --area-code CODE` (or `none` to clear it), in one
/// audited transaction. Returns the code recorded.
pub fn set_area_code(conn: &mut Conn, name: &str, area_code: &str, command: &str) -> Result<Option<String>> {
    let code = match area_code.parse::<Clearable<String>>().map(Clearable::text) {
        Ok(Some(c)) => Some(check_area_code(&c)?),
        _ => None,
    };
    tx::write(conn, |tx| {
        let names = ServiceNames::load(tx)?;
        let id = names.id(name).map_err(not_found)?;
        if db::service::area_code(tx, id)? != code {
            db::service::set_area_code(tx, id, code.as_deref())?;
            let detail = format!("area code {}", code.as_deref().unwrap_or("cleared"));
            tx::audit(tx, command, "service", Some(name.trim()), "update", Some(&detail))?;
        }
        Ok(code.clone())
    })
}

fn to_error(p: &RowError) -> anyhow::Error {
    let option = match p.column.as_str() {
        "name" => "",
        "grants" => "--grant: ",
        "provider" => "--provider: ",
        "hub" => "--hub: ",
        "kind" => "--kind: ",
        _ => "",
    };
    if p.message.starts_with("no ") {
        not_found(format!("{option}{}", p.message))
    } else if matches!(p.column.as_str(), "hub" | "kind") {
        crate::error::usage(format!("{option}{}", p.message))
    } else {
        invalid(format!("{option}{}", p.message))
    }
}

/// What a services import holds while it runs.
pub struct Importer {
    names: ServiceNames,
    pub tracker: Tracker,
}

const COLUMN_NAMES: &[&str] = &["name", "provider", "area", "kind", "hub", "grants"];

/// A row compared with the service of that name: a spoke's hub is what it
/// is; its provider, area and kind are recorded values (grants are only
/// ever added).
pub fn compare(old: &ServiceRow, s: &NewService<'_>, kind: ServiceKind) -> Comparison {
    let mut c = Comparison::new(
        "service",
        old.name.clone(),
        "a spoke stays with its hub; record a new spoke for the other hub",
    );
    let hub = s.hub.map(|h| h.trim().to_string());
    let same_hub = match (&old.hub, &hub) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    };
    let same_provider = old.provider.eq_ignore_ascii_case(s.provider.trim());
    c.value(
        "provider",
        Some(old.provider.clone()),
        Some(if same_provider { old.provider.clone() } else { s.provider.trim().to_string() }),
    )
    .value("area", old.area.clone(), s.area.map(|a| a.trim().to_string()))
    .value("kind", Some(old.kind.to_string()), Some(kind.to_string()));
    // A spoke given another hub is moved: refused. A hub left empty blanks it.
    let moved = old.hub.is_some() && hub.is_some() && !same_hub;
    c.identity("hub", !moved);
    if !moved {
        c.value("hub", old.hub.clone(), if same_hub { old.hub.clone() } else { hub });
    }
    c
}

impl Importer {
    pub fn new(conn: &Conn, rules: Rules) -> Result<Importer> {
        Ok(Importer { names: ServiceNames::load(conn)?, tracker: Tracker::new(rules) })
    }

    /// Check and record one row: a service is matched by name, so a second
    /// import of the same file changes nothing. Hubs must come before (or
    /// already exist for) their spokes. An empty kind keeps the recorded one.
    pub fn apply(&mut self, tx: &Conn, s: &NewService<'_>, line: u64) -> Result<Result<Applied, RowError>> {
        let existing = match db::service::id(tx, s.name)? {
            Some(id) => db::service::row(tx, id)?,
            None => None,
        };
        let mut s = s.clone();
        if let (Some(old), None) = (&existing, s.kind) {
            s.kind = Some(old.kind);
        }
        let r = match resolve(tx, &self.names, &s)? {
            Ok(r) => r,
            Err(p) => return Ok(Err(p)),
        };
        if let Some(old) = &existing {
            match self.tracker.matched(line, old.id, &compare(old, &s, r.kind)) {
                Err(e) => {
                    let column = COLUMN_NAMES.iter().copied().find(|c| *c == e.column).unwrap_or("name");
                    return Ok(Err(RowError::new(column, e.message)));
                }
                Ok(Verdict::Repeated) => return Ok(Ok(Applied::Repeated)),
                Ok(_) => {}
            }
        }
        let (id, change) = match record(tx, &s, &r, true)? {
            Ok(x) => x,
            Err(p) => return Ok(Err(p)),
        };
        if existing.is_none() {
            self.tracker.created(line, id, "service", || s.name.trim().to_string());
        }
        self.names.add(s.name.trim(), id);
        Ok(Ok(change))
    }
}

/// Every service, hubs followed by their spokes.
pub fn list(conn: &Conn) -> Result<Vec<ServiceRow>> {
    db::service::rows(conn)
}

fn lookup(conn: &Conn, name: &str) -> Result<i64> {
    ServiceNames::load(conn)?.id(name).map_err(not_found)
}

/// `service show`: a service with its spokes, grants and targets.
pub fn detail(conn: &Conn, name: &str) -> Result<Detail> {
    let id = lookup(conn, name)?;
    let service = db::service::row(conn, id)?.ok_or_else(|| not_found("the service vanished"))?;
    Ok(Detail {
        spokes: db::service::spokes(conn, id)?.into_iter().map(|(_, name)| name).collect(),
        funded_by: db::service::grants_of(conn, id)?,
        targets: db::service::targets_of(conn, id)?,
        service,
    })
}

/// `service target`: set a service's target for a measure over a period.
/// Setting the same target (service, measure, period) again changes its
/// value. Returns what happened and the target.
pub fn set_target(
    conn: &mut Conn,
    service: &str,
    measure: Measure,
    period: &Period,
    value: i64,
    command: &str,
) -> Result<(Applied, Target)> {
    if value < 0 {
        return Err(invalid("a target is a count of 0 or more"));
    }
    tx::write(conn, |tx| {
        let id = lookup(tx, service)?;
        let t = Target { measure, period: period.label.clone(), from_on: period.from, to_on: period.to, value };
        let change = match db::service::target(tx, id, measure, period.from, period.to)? {
            None => {
                db::service::insert_target(tx, id, &t)?;
                Applied::New
            }
            Some((_, old)) if old == value => Applied::Unchanged,
            Some((tid, _)) => {
                db::service::update_target(tx, tid, &t)?;
                Applied::Updated
            }
        };
        if change != Applied::Unchanged {
            let name = db::service::row(tx, id)?.map(|r| r.name).unwrap_or_default();
            tx::audit(
                tx,
                command,
                "target",
                Some(&format!("{name} {} {}", measure.as_str(), period.label)),
                if change == Applied::New { "add" } else { "update" },
                Some(&format!("value {value}")),
            )?;
        }
        Ok((change, t))
    })
}
