//! Rules for referrals: what a valid referral is, how an imported row is
//! matched to one already recorded (idempotence), and the lifecycle of
//! `referral add` and `referral update`.
//!
//! Matching: a row with a provider `ref` is the referral with that ref (or,
//! the first time a ref is given, the one referral without a ref that has
//! the same client, service, referred_on and source); a row without a ref is
//! the referral with the same client, service, referred_on and source.

use crate::db::{self, tx, Conn};
use crate::domain::client::{self, Clients, RefKey};
use crate::domain::dates;
use crate::domain::service::ServiceNames;
use crate::domain::trust::{self, Applied, Comparison, Rules, Tracker, Verdict};
use crate::error::{invalid, not_found, usage, RowError};
use crate::value::names::{Needs, ReferralOutcome, Risk, Source};
use crate::value::{Date, Period};
use anyhow::Result;
use serde::Serialize;
use std::str::FromStr;
use std::sync::Arc;

/// The longest provider ref accepted (as schema.sql).
pub const MAX_REF: usize = 64;

/// One referral as given (by an import row or `referral add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral<'a> {
    pub client_ref: &'a str,
    pub referred_on: Date,
    pub source: Source,
    pub service: &'a str,
    pub area: Option<&'a str>,
    pub needs: Needs,
    pub outcome: Option<ReferralOutcome>,
    pub first_contact_on: Option<Date>,
    pub ref_: Option<&'a str>,
    pub risk: Option<Risk>,
    pub marac: bool,
}

/// A referral as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub id: i64,
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    pub client_ref: String,
    pub referred_on: Date,
    pub source: Source,
    pub service: String,
    pub area: Option<String>,
    pub needs: Needs,
    pub outcome: Option<ReferralOutcome>,
    pub first_contact_on: Option<Date>,
    pub risk: Option<Risk>,
    pub marac: bool,
    #[serde(skip)]
    pub client_id: i64,
    #[serde(skip)]
    pub service_id: i64,
}

impl Stored {
    /// Days from referral to first contact, when there was one.
    pub fn days_to_first_contact(&self) -> Option<i64> {
        self.first_contact_on.map(|f| self.referred_on.days_until(f))
    }
}

/// The rules a referral's own values must keep.
pub fn check(r: &Referral<'_>) -> Result<(), RowError> {
    dates::happened(r.referred_on).map_err(|m| RowError::new("referred_on", m))?;
    if let Some(f) = r.first_contact_on {
        dates::happened(f).map_err(|m| RowError::new("first_contact_on", m))?;
    }
    if let Some(f) = r.first_contact_on {
        if f < r.referred_on {
            return Err(RowError::new(
                "first_contact_on",
                format!(
                    "the first contact ({f}) is before the referral date ({}); first contact is never earlier",
                    r.referred_on
                ),
            ));
        }
    }
    if let Some(a) = r.area {
        check_area(a).map_err(|m| RowError::new("area", m))?;
    }
    if let Some(x) = r.ref_ {
        if x.chars().count() > MAX_REF {
            return Err(RowError::new("ref", format!("a ref is at most {MAX_REF} characters")));
        }
    }
    Ok(())
}

/// An area is a borough or district (`Lambeth`), never an address: a full
/// UK postcode (`SW9 8AA`) points at a handful of homes, so it is refused
/// (and never repeated in the message).
pub fn check_area(area: &str) -> Result<(), String> {
    if looks_like_postcode(area) {
        return Err("the value looks like a full postcode, which points at a home; record the area (a borough or \
                    district such as Lambeth), or only the postcode district (SW9)"
            .into());
    }
    Ok(())
}

/// A full UK postcode: an outward code (a letter, then letters and digits
/// with a digit among the first three) and an inward code (a digit and two
/// letters), with or without the space.
fn looks_like_postcode(s: &str) -> bool {
    // Most areas are words: without a digit there is no postcode.
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let t: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    if !(5..=7).contains(&t.len()) || !t.iter().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (outward, inward) = t.split_at(t.len() - 3);
    inward[0].is_ascii_digit()
        && inward[1].is_ascii_alphabetic()
        && inward[2].is_ascii_alphabetic()
        && outward[0].is_ascii_alphabetic()
        && outward.iter().take(3).skip(1).any(|c| c.is_ascii_digit())
}

/// MARAC referral made? `yes`/`no`, `true`/`false`, `y`/`n`, `1`/`0`;
/// empty means no.
pub fn parse_marac(s: &str) -> Result<bool, String> {
    let t = s.trim();
    for (yes, no) in [("yes", "no"), ("true", "false"), ("y", "n"), ("1", "0")] {
        if t.eq_ignore_ascii_case(yes) {
            return Ok(true);
        }
        if t.eq_ignore_ascii_case(no) || t.is_empty() {
            return Ok(false);
        }
    }
    Err(format!("{s:?} is not a MARAC answer; use yes or no (also true/false, 1/0)"))
}

/// A yes/no value for the command line (`--marac yes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YesNo(pub bool);

impl FromStr for YesNo {
    type Err = String;
    fn from_str(s: &str) -> Result<YesNo, String> {
        if s.trim().is_empty() {
            return Err("give yes or no".into());
        }
        parse_marac(s).map(YesNo)
    }
}

/// `--outcome` as a filter: a referral outcome, or `none` for referrals
/// with no outcome yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFilter {
    None,
    Is(ReferralOutcome),
}

impl FromStr for OutcomeFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<OutcomeFilter, String> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(OutcomeFilter::None);
        }
        s.parse().map(OutcomeFilter::Is).map_err(|e| format!("{e}, or none for referrals with no outcome yet"))
    }
}

/// What an import holds in memory: services by name, clients by ref, and
/// the records it has touched (`trust::Tracker`, 4 bytes a referral).
pub struct Importer<'c> {
    /// The inserts of most rows, prepared once.
    inserts: db::referral::Inserts<'c>,
    services: Arc<ServiceNames>,
    clients: Clients,
    /// Whether some referral has no ref (only then can a ref given for the
    /// first time match a referral recorded without one).
    without_ref: bool,
    /// Whether there were referrals before the import began.
    had_rows: bool,
    /// Indexes dropped for a bulk load into an empty table (name, SQL).
    suspended: Vec<(&'static str, String)>,
    pub tracker: Tracker,
    /// Whether a recorded referral ref (or client_ref) could be one a
    /// spreadsheet damages; only then are new refs checked for damage.
    fragile_refs: bool,
    fragile_clients: bool,
}

/// A referral's key in messages: its ref, else `#id`.
fn key_of(ref_: Option<&str>, id: i64) -> String {
    ref_.map(str::to_string).unwrap_or_else(|| format!("#{id}"))
}

fn opt_text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// A row compared with the referral it matched. What the referral is (its
/// client, service and date) is identity: an import never changes it.
pub fn compare(old: &Stored, r: &Referral<'_>, client_id: i64, service_id: i64) -> Comparison {
    let key = key_of(old.ref_.as_deref(), old.id);
    let how = format!(
        "to correct its client or date, use `pathway referral update {key} --client … --date …`; for another referral, give the row its own ref"
    );
    let mut c = Comparison::new("referral", key, how);
    c.identity("client_ref", old.client_id == client_id)
        .identity("service", old.service_id == service_id)
        .identity("referred_on", old.referred_on == r.referred_on)
        .value("source", Some(old.source.to_string()), Some(r.source.to_string()))
        .value("area", old.area.clone(), opt_text(r.area))
        .value("needs", Some(old.needs.joined()), Some(r.needs.joined()))
        .value("outcome", opt_text(old.outcome), opt_text(r.outcome))
        .value("first_contact_on", opt_text(old.first_contact_on), opt_text(r.first_contact_on))
        .value("risk", opt_text(old.risk), opt_text(r.risk))
        .value("marac", old.marac.then(|| "yes".to_string()), r.marac.then(|| "yes".to_string()))
        .value("ref", old.ref_.clone(), r.ref_.map(str::to_string).or_else(|| old.ref_.clone()));
    c
}

/// A row that passed `Importer::check`: its service, and its client when
/// already known (so that the lookup is not made twice).
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    pub service_id: i64,
    client_id: Option<i64>,
    key: RefKey,
}

/// What a row's client and service are, found without the database, so
/// that an import finds them on its reading thread
/// (`Reader::for_each_parsed`) while the rows before are written.
#[derive(Debug, Clone)]
pub struct Found {
    key: RefKey,
    service: Result<i64, String>,
}

impl Found {
    pub fn of(services: &ServiceNames, client_ref: &str, service: &str) -> Found {
        Found { key: RefKey::of(client_ref), service: services.id(service) }
    }
}

impl<'c> Importer<'c> {
    /// Get ready to import inside the transaction `conn`. Into an empty
    /// table the return's covering index is built once at the end
    /// (`finish`), sorted, which is much faster than row by row.
    pub fn new(conn: &'c Conn, rules: Rules) -> Result<Importer<'c>> {
        let had_rows = db::referral::any(conn)?;
        let suspended = if had_rows { Vec::new() } else { db::referral::suspend_indexes(conn)? };
        Ok(Importer {
            inserts: db::referral::Inserts::new(conn)?,
            services: Arc::new(ServiceNames::load(conn)?),
            clients: Clients::load(conn)?,
            without_ref: db::referral::any_without_ref(conn)?,
            had_rows,
            suspended,
            tracker: Tracker::new(rules),
            fragile_refs: db::referral::any_fragile_ref(conn)?,
            fragile_clients: db::client::any_fragile_ref(conn)?,
        })
    }

    /// After the last row: rebuild any index dropped for the load. Returns
    /// the changes listed (for `--dry-run`).
    pub fn finish(self, conn: &Conn) -> Result<Vec<trust::Change>> {
        drop(self.clients);
        for (_, sql) in &self.suspended {
            db::referral::restore_index(conn, sql)?;
        }
        Ok(self.tracker.changes)
    }

    /// The services, to find rows' services by (`Found::of`).
    pub fn services(&self) -> Arc<ServiceNames> {
        self.services.clone()
    }

    /// Check a row completely before anything is written: the client_ref
    /// rule, the service's existence and the referral's own rules. `found`
    /// is `Found::of` the row. Returns the service's id and, when already
    /// known, the client's.
    pub fn check(&self, r: &Referral<'_>, found: Found) -> Result<Checked, RowError> {
        let client_id = self.clients.known_key(found.key);
        if client_id.is_none() {
            client::check_ref(r.client_ref).map_err(|m| RowError::new("client_ref", m))?;
        }
        let service_id = found.service.map_err(|m| RowError::new("service", m))?;
        check(r)?;
        Ok(Checked { service_id, client_id, key: found.key })
    }

    /// Judge a row that matched referral `id` and write it if it changes
    /// anything. `same`: every value equals the recorded one already.
    fn matched(
        &mut self,
        conn: &Conn,
        line: u64,
        id: i64,
        same: bool,
        ids: (i64, i64),
        r: &Referral<'_>,
    ) -> Result<Result<Applied, RowError>> {
        if same {
            return Ok(Ok(match self.tracker.first_line(id) {
                Some(l) if l != line => Applied::Repeated,
                _ => {
                    self.tracker.created_or_seen(id, line);
                    Applied::Unchanged
                }
            }));
        }
        let old =
            db::referral::get(conn, id)?.ok_or_else(|| anyhow::anyhow!("a referral vanished during the import"))?;
        let cmp = compare(&old, r, ids.0, ids.1);
        match self.tracker.matched(line, id, &cmp) {
            Ok(Verdict::Unchanged) => Ok(Ok(Applied::Unchanged)),
            Ok(Verdict::Repeated) => Ok(Ok(Applied::Repeated)),
            Ok(Verdict::Update) => {
                db::referral::update(conn, id, ids.0, ids.1, r)?;
                Ok(Ok(Applied::Updated))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    /// Record a checked row from `line`: new, updated, unchanged or
    /// repeated, or refused (re-pointing, blanking, an in-file conflict, a
    /// spreadsheet-damaged ref).
    pub fn apply(
        &mut self,
        conn: &Conn,
        checked: Checked,
        r: &Referral<'_>,
        line: u64,
    ) -> Result<Result<Applied, RowError>> {
        let Checked { service_id, client_id: known, key } = checked;
        if self.fragile_clients && known.is_none() && client::spreadsheet_damaged(conn, r.client_ref)? {
            return Ok(Err(RowError::new("client_ref", trust::damaged_client_ref_message())));
        }
        let (client_id, new_client) = match known {
            Some(id) => (id, false),
            None => {
                let inserts = &mut self.inserts;
                self.clients.id_or_insert_keyed(conn, key, r.client_ref, |c| inserts.client(c))?
            }
        };
        if new_client && trust::could_be_damaged(r.client_ref) {
            self.fragile_clients = true;
        }
        let ids = (client_id, service_id);
        let result = self.apply_for(conn, ids, new_client, r, line)?;
        if result.is_err() && new_client {
            db::client::delete_unused(conn, client_id)?;
            self.clients.forget(r.client_ref);
        }
        Ok(result)
    }

    fn apply_for(
        &mut self,
        conn: &Conn,
        ids: (i64, i64),
        new_client: bool,
        r: &Referral<'_>,
        line: u64,
    ) -> Result<Result<Applied, RowError>> {
        let (client_id, service_id) = ids;
        if let Some(x) = r.ref_ {
            if trust::could_be_damaged(x) {
                self.fragile_refs = true;
            }
            // Into a table that had referrals, look before inserting: most
            // rows of a repeated import are recorded already, and a ref
            // given for the first time may belong to a referral recorded
            // earlier without one.
            if !new_client && (self.had_rows || self.without_ref) {
                if let Some((id, same)) = db::referral::find_by_ref(conn, client_id, service_id, r)? {
                    return self.matched(conn, line, id, same, ids, r);
                }
                if self.without_ref {
                    if let Some((id, _)) = db::referral::find_by_key(conn, client_id, service_id, r, true)? {
                        return self.matched(conn, line, id, false, ids, r);
                    }
                }
            }
            if let Some(known) = self.damaged_ref(conn, x)? {
                return Ok(Err(RowError::new("ref", trust::damaged_ref_message(x, "referral", &known))));
            }
            // Otherwise insert, and fall back to the recorded one when the
            // ref is taken (a second import, or a ref repeated in a file).
            if let Some(id) = self.inserts.new_ref(client_id, service_id, r)? {
                self.tracker.created(line, id, "referral", || x.to_string());
                return Ok(Ok(Applied::New));
            }
            let (id, same) = db::referral::find_by_ref(conn, client_id, service_id, r)?
                .ok_or_else(|| anyhow::anyhow!("a referral ref vanished during the import"))?;
            self.matched(conn, line, id, same, ids, r)
        } else {
            // Rows without a ref are matched on the client index.
            self.restore_suspended(conn, "referrals_client")?;
            if !new_client {
                if let Some((id, same)) = db::referral::find_by_key(conn, client_id, service_id, r, false)? {
                    return self.matched(conn, line, id, same, ids, r);
                }
            }
            let id = db::referral::insert(conn, client_id, service_id, r)?;
            self.tracker.created(line, id, "referral", || format!("#{id}"));
            self.without_ref = true;
            Ok(Ok(Applied::New))
        }
    }

    /// Build a suspended index again now, if it was suspended.
    fn restore_suspended(&mut self, conn: &Conn, name: &str) -> Result<()> {
        if let Some(i) = self.suspended.iter().position(|(n, _)| *n == name) {
            let (_, sql) = self.suspended.remove(i);
            db::referral::restore_index(conn, &sql)?;
        }
        Ok(())
    }

    /// The recorded ref a spreadsheet could have turned `given` into, when
    /// `given` itself is not recorded.
    fn damaged_ref(&self, conn: &Conn, given: &str) -> Result<Option<String>> {
        if !self.fragile_refs {
            return Ok(None);
        }
        let originals = trust::spreadsheet_originals(given);
        if originals.is_empty() || db::referral::id_by_ref(conn, given)?.is_some() {
            return Ok(None);
        }
        for o in originals {
            if db::referral::id_by_ref(conn, &o)?.is_some() {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }
}

/// `referral add`: record one referral; returns its id. A referral that
/// is recorded already (same ref, or same client, service, date and source)
/// is refused with its id, to be changed with `referral update`.
pub fn add(conn: &mut Conn, r: &Referral<'_>, command: &str) -> Result<i64> {
    tx::write(conn, |tx| {
        client::check_ref(r.client_ref).map_err(|m| invalid(format!("client_ref: {m}")))?;
        let services = ServiceNames::load(tx)?;
        let service_id = services.id(r.service).map_err(not_found)?;
        check(r).map_err(|p| invalid(format!("{}: {}", p.column, p.message)))?;
        let (client_id, _) = db::client::id_or_insert(tx, r.client_ref)?;
        if let Some(x) = r.ref_ {
            if let Some(id) = db::referral::id_by_ref(tx, x)? {
                return Err(invalid(format!(
                    "a referral with ref '{x}' is recorded already (#{id}); change it with `pathway referral update {x}`"
                )));
            }
        } else if let Some((id, _)) = db::referral::find_by_key(tx, client_id, service_id, r, false)? {
            return Err(invalid(format!(
                "this referral (same client, service, date and source) is recorded already as #{id}; change it with `pathway referral update '#{id}'`"
            )));
        }
        let id = db::referral::insert(tx, client_id, service_id, r)?;
        let key = r.ref_.map(str::to_string).unwrap_or_else(|| format!("#{id}"));
        tx::audit(tx, command, "referral", Some(&key), "add", None)?;
        Ok(id)
    })
}

/// A referral named on the command line: its provider ref, or `#ID`.
pub fn find(conn: &Conn, which: &str) -> Result<Stored> {
    let which = which.trim();
    let id = match which.strip_prefix('#') {
        Some(n) => n
            .parse::<i64>()
            .map_err(|_| usage(format!("'{which}' is not a referral id; write #123 or the provider's ref")))?,
        None => match db::referral::id_by_ref(conn, which)? {
            Some(id) => id,
            None => {
                // A bare number: perhaps an id without its '#'.
                let hint = if which.chars().all(|c| c.is_ascii_digit()) && !which.is_empty() {
                    format!("; for the referral with id {which}, write '#{which}'")
                } else {
                    String::new()
                };
                return Err(not_found(super::unknown("referral with ref", which, &hint)));
            }
        },
    };
    db::referral::get(conn, id)?.ok_or_else(|| not_found(format!("no referral #{id}")))
}

/// What `referral update` changes; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub outcome: Option<Option<ReferralOutcome>>,
    pub first_contact_on: Option<Option<Date>>,
    pub risk: Option<Option<Risk>>,
    pub marac: Option<bool>,
    pub needs: Option<Needs>,
    pub area: Option<Option<String>>,
    pub ref_: Option<String>,
    /// A corrected client (what an import refuses to change).
    pub client_ref: Option<String>,
    /// A corrected referral date.
    pub referred_on: Option<Date>,
}

/// `referral update`: change a referral's outcome, first contact and the
/// like. Returns the referral as it is afterwards.
pub fn update(conn: &mut Conn, which: &str, c: &Changes, command: &str) -> Result<Stored> {
    tx::write(conn, |tx| {
        let old = find(tx, which)?;
        let (new, fields) = apply_changes(tx, &old, c)?;
        let r = Referral {
            client_ref: &new.client_ref,
            referred_on: new.referred_on,
            source: new.source,
            service: &new.service,
            area: new.area.as_deref(),
            needs: new.needs,
            outcome: new.outcome,
            first_contact_on: new.first_contact_on,
            ref_: new.ref_.as_deref(),
            risk: new.risk,
            marac: new.marac,
        };
        check(&r).map_err(|p| invalid(format!("{}: {}", p.column, p.message)))?;
        if fields.is_empty() {
            return Ok(new);
        }
        if r.ref_.is_none() && (new.client_id != old.client_id || r.referred_on != old.referred_on) {
            if let Some((other, _)) = db::referral::find_by_key(tx, new.client_id, old.service_id, &r, false)? {
                if other != old.id {
                    return Err(invalid(format!(
                        "referral #{other} has that client, service, date and source already; two referrals without a ref cannot share them"
                    )));
                }
            }
        }
        db::referral::update(tx, old.id, new.client_id, old.service_id, &r)?;
        let key = new.ref_.clone().unwrap_or_else(|| format!("#{}", old.id));
        tx::audit(tx, command, "referral", Some(&key), "update", Some(&fields.join(", ")))?;
        Ok(new)
    })
}

/// `old` with the changes given, and the fields they change. A new ref
/// must be free; a corrected client is recorded if new.
fn apply_changes(tx: &Conn, old: &Stored, c: &Changes) -> Result<(Stored, Vec<&'static str>)> {
    let mut fields = Vec::new();
    let mut new = old.clone();
    let mut set = |name: &'static str, changed: bool| {
        if changed {
            fields.push(name);
        }
    };
    /// Take the given value, noting whether it changes the recorded one.
    fn take<T: PartialEq + Clone>(slot: &mut T, given: Option<&T>) -> bool {
        let Some(v) = given else { return false };
        let changed = *v != *slot;
        slot.clone_from(v);
        changed
    }
    set("outcome", take(&mut new.outcome, c.outcome.as_ref()));
    set("first_contact_on", take(&mut new.first_contact_on, c.first_contact_on.as_ref()));
    set("risk", take(&mut new.risk, c.risk.as_ref()));
    set("marac", take(&mut new.marac, c.marac.as_ref()));
    set("needs", take(&mut new.needs, c.needs.as_ref()));
    set("area", take(&mut new.area, c.area.as_ref()));
    if let Some(v) = &c.ref_ {
        if Some(v) != old.ref_.as_ref() {
            if let Some(other) = db::referral::id_by_ref(tx, v)? {
                return Err(invalid(format!("the ref '{v}' belongs to another referral already (#{other})")));
            }
            set("ref", true);
        }
        new.ref_ = Some(v.clone());
    }
    if let Some(v) = &c.client_ref {
        client::check_ref(v).map_err(|m| invalid(format!("--client: {m}")))?;
        let (id, _) = db::client::id_or_insert(tx, v.trim())?;
        set("client_ref", id != old.client_id);
        new.client_ref = v.trim().to_string();
        new.client_id = id;
    }
    set("referred_on", take(&mut new.referred_on, c.referred_on.as_ref()));
    Ok((new, fields))
}

/// Which referrals `list` and `export` give.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub period: Option<Period>,
    /// The service and, for a hub, its spokes.
    pub service_ids: Option<Vec<i64>>,
    pub source: Option<Source>,
    pub outcome: Option<OutcomeFilter>,
    pub client_id: Option<i64>,
}

/// The options of `list`/`export` as given.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub period: Option<Period>,
    pub service: Option<String>,
    pub source: Option<Source>,
    pub outcome: Option<OutcomeFilter>,
    pub client: Option<String>,
}

/// Resolve names in the options to a filter (unknown names are errors with
/// a suggestion). `None` when the filter cannot match anything.
pub fn filter(conn: &Conn, o: &ListOptions) -> Result<Filter> {
    let service_ids = match &o.service {
        None => None,
        Some(name) => {
            let id = ServiceNames::load(conn)?.id(name).map_err(not_found)?;
            Some(db::report::service_and_spokes(conn, id)?)
        }
    };
    let client_id = match &o.client {
        None => None,
        Some(c) => {
            client::check_ref(c).map_err(|m| invalid(format!("--client: {m}")))?;
            Some(db::client::id(conn, c.trim())?.ok_or_else(|| not_found(client::UNKNOWN))?)
        }
    };
    Ok(Filter { period: o.period.clone(), service_ids, source: o.source, outcome: o.outcome, client_id })
}

/// Every referral passing the filter, one at a time.
pub fn each(conn: &Conn, f: &Filter, each: impl FnMut(&Stored) -> Result<()>) -> Result<()> {
    db::referral::each(conn, f, each)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_full_postcode_is_not_an_area() {
        for p in ["SW9 8AA", "sw98aa", "E1 6AN", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX"] {
            assert!(super::check_area(p).is_err(), "{p}");
        }
        for a in ["Lambeth", "Croydon", "SW9", "Tower Hamlets", "Newham 2", "Kingston upon Thames", "B33"] {
            assert!(super::check_area(a).is_ok(), "{a}");
        }
    }

    use super::*;
    use crate::value::Clearable;

    fn referral<'a>() -> Referral<'a> {
        Referral {
            client_ref: "BC-0001",
            referred_on: Date::ymd(2021, 4, 12),
            source: Source::Police,
            service: "Beth Centre",
            area: Some("Lambeth"),
            needs: Needs::default(),
            outcome: None,
            first_contact_on: None,
            ref_: None,
            risk: None,
            marac: false,
        }
    }

    #[test]
    fn marac_answers() {
        for yes in ["yes", "YES", "Y", "true", "True", "1"] {
            assert_eq!(parse_marac(yes), Ok(true), "{yes}");
        }
        for no in ["no", "No", "n", "false", "0", "", " "] {
            assert_eq!(parse_marac(no), Ok(false), "{no:?}");
        }
        for bad in ["maybe", "2", "yes please", "ja"] {
            let e = parse_marac(bad).unwrap_err();
            assert!(e.contains("use yes or no"), "{e}");
        }
        assert!("".parse::<YesNo>().is_err());
        assert_eq!("yes".parse::<YesNo>(), Ok(YesNo(true)));
    }

    #[test]
    fn first_contact_is_never_before_referral() {
        let mut r = referral();
        r.first_contact_on = Some(Date::ymd(2021, 4, 12));
        assert_eq!(check(&r), Ok(()));
        r.first_contact_on = Some(Date::ymd(2021, 4, 11));
        let p = check(&r).unwrap_err();
        assert_eq!(p.column, "first_contact_on");
        assert_eq!(
            p.message,
            "the first contact (2021-04-11) is before the referral date (2021-04-12); first contact is never earlier"
        );
    }

    #[test]
    fn refs_are_bounded() {
        let long = "R".repeat(65);
        let mut r = referral();
        r.ref_ = Some(&long);
        assert_eq!(check(&r).unwrap_err().column, "ref");
        let ok = "R".repeat(64);
        r.ref_ = Some(&ok);
        assert_eq!(check(&r), Ok(()));
    }

    #[test]
    fn outcome_filters_and_clearing() {
        assert_eq!("none".parse::<OutcomeFilter>(), Ok(OutcomeFilter::None));
        assert_eq!("engaged".parse::<OutcomeFilter>(), Ok(OutcomeFilter::Is(ReferralOutcome::Engaged)));
        assert!("engagd".parse::<OutcomeFilter>().unwrap_err().contains("or none"));
        assert_eq!("None".parse::<Clearable<Risk>>(), Ok(Clearable(None)));
        assert_eq!("high".parse::<Clearable<Risk>>(), Ok(Clearable(Some(Risk::High))));
    }

    /// `Found::of` a row, as the import's reading thread finds it.
    fn found(imp: &Importer<'_>, r: &Referral<'_>) -> Found {
        Found::of(&imp.services(), r.client_ref, r.service)
    }

    #[test]
    fn matching_is_idempotent_on_ref_else_on_the_key() {
        use crate::domain::service::{self, NewService};
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::db::open(&dir.path().join("t.db"), crate::db::Open::Create).unwrap();
        let s = NewService { name: "Beth Centre", provider: "London Women's Consortium", ..Default::default() };
        service::add(&mut db.conn, &s, None, "test").unwrap();
        let conn = &db.conn;
        // Each call is a one-row import of its own.
        let apply = |r: &Referral<'_>| {
            let mut imp = Importer::new(conn, Rules::default()).unwrap();
            let checked = imp.check(r, found(&imp, r)).unwrap();
            imp.apply(conn, checked, r, 2).unwrap()
        };
        let r = referral();
        assert_eq!(apply(&r), Ok(Applied::New));
        assert_eq!(apply(&r), Ok(Applied::Unchanged));
        // Same key (client, service, date, source), other values: the same referral, updated.
        let engaged = Referral { outcome: Some(ReferralOutcome::Engaged), ..r.clone() };
        assert_eq!(apply(&engaged), Ok(Applied::Updated));
        assert_eq!(apply(&engaged), Ok(Applied::Unchanged));
        // An empty outcome does not blank the recorded one.
        assert_eq!(apply(&r).unwrap_err().column, "outcome");
        // Another source is another referral.
        let gp = Referral { source: Source::Gp, ..r.clone() };
        assert_eq!(apply(&gp), Ok(Applied::New));
        // A ref given for the first time attaches to the referral without one.
        let with_ref = Referral { ref_: Some("R-1"), ..engaged.clone() };
        assert_eq!(apply(&with_ref), Ok(Applied::Updated));
        assert_eq!(apply(&with_ref), Ok(Applied::Unchanged));
        // Matched on ref, a row with another date is refused, never moved.
        let moved = Referral { referred_on: Date::ymd(2021, 4, 13), ..with_ref.clone() };
        assert_eq!(apply(&moved).unwrap_err().column, "referred_on");
        // A row without a ref matches it on the key and keeps its ref.
        let no_ref = Referral { ref_: None, ..with_ref.clone() };
        assert_eq!(apply(&no_ref), Ok(Applied::Unchanged));
        assert_eq!(db::referral::id_by_ref(conn, "R-1").unwrap(), Some(1));
        // A new client is recorded, with a new referral.
        let other = Referral { client_ref: "BC-0002", ref_: Some("R-2"), ..r.clone() };
        assert_eq!(apply(&other), Ok(Applied::New));
        assert_eq!(apply(&other), Ok(Applied::Unchanged));
        assert!(db::client::id(conn, "BC-0002").unwrap().is_some());
        // A ref of another client's referral is refused, and the new client is not kept.
        let stolen = Referral { client_ref: "BC-0003", ..other.clone() };
        assert_eq!(apply(&stolen).unwrap_err().column, "client_ref");
        assert!(db::client::id(conn, "BC-0003").unwrap().is_none());
    }

    #[test]
    fn rows_are_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(&dir.path().join("t.db"), crate::db::Open::Create).unwrap();
        let imp = Importer::new(&db.conn, Rules::default()).unwrap();
        let r = referral();
        let p = imp.check(&r, found(&imp, &r)).unwrap_err();
        assert_eq!(p.column, "service");
        assert!(
            p.message.starts_with("no service called 'Beth Centre': no services are recorded yet"),
            "{}",
            p.message
        );
        let named = Referral { client_ref: "Jane Smith", ..r };
        assert_eq!(imp.check(&named, found(&imp, &named)).unwrap_err().column, "client_ref");
    }

    #[test]
    fn needs_are_a_bit_mask() {
        let n: Needs = "housing;mental_health".parse().unwrap();
        assert_eq!(n.0, 0b1_0001);
        assert_eq!(n.joined(), "mental_health;housing");
    }
}
