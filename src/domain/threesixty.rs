//! 360Giving that publishes cleanly (PRODUCT.md 6.5): registered
//! organisation identifiers, a service's ONS area code for the beneficiary
//! location, and the standard's own quality and usefulness checks, run
//! offline on the exported package (`grant export --360giving --check`).
//!
//! The checks follow the 360Giving Data Quality Tool (lib360dataquality's
//! quality and usefulness tests); each finding names the grant it is about.

use crate::db::{self, tx, Conn};
use crate::error::{invalid, not_found, usage};
use crate::value::Date;
use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

/// The org-id.guide register lists whose identifiers are accepted, with
/// what each holds. `360G-` (the publisher's own prefix form) is accepted
/// besides, for organisations with no registered number.
pub const ORG_ID_PREFIXES: &[(&str, &str)] = &[
    ("GB-CHC", "charity in England and Wales"),
    ("GB-SC", "charity in Scotland"),
    ("GB-NIC", "charity in Northern Ireland"),
    ("GB-COH", "company (Companies House)"),
    ("GB-GOR", "government organisation"),
    ("GB-LAE", "local authority in England"),
    ("GB-LAS", "local authority in Scotland"),
    ("GB-PLA", "principal local authority in Wales"),
    ("GB-NHS", "NHS organisation"),
    ("GB-EDU", "educational establishment"),
    ("GB-MPR", "mutual society"),
];

/// The accepted prefixes, for messages: "GB-CHC, GB-SC, ..., or 360G-".
fn accepted() -> String {
    let list: Vec<&str> = ORG_ID_PREFIXES.iter().map(|(p, _)| *p).collect();
    format!("{}, or 360G- for an organisation with no registered number", list.join(", "))
}

/// An organisation identifier: a register prefix from ORG_ID_PREFIXES then
/// `-` and the number in that register (GB-CHC-1164883; GB-CHC numbers
/// are 6 or 7 digits, GB-COH numbers 8 letters or digits, leading zeros
/// kept), or `360G-` and the publisher's own reference. The one place an
/// organisation identifier is parsed.
pub fn check_org_id(s: &str) -> Result<String, String> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix("360G-") {
        if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Ok(t.to_string());
        }
    }
    for (prefix, _) in ORG_ID_PREFIXES {
        let Some(number) = t.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else { continue };
        let ok = match *prefix {
            "GB-CHC" => is_charity_number(number),
            "GB-COH" => is_company_number(number),
            _ => !number.is_empty() && number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        };
        if ok {
            return Ok(t.to_string());
        }
        return Err(format!(
            "{t:?} is not a {prefix} identifier: {}",
            match *prefix {
                "GB-CHC" => "a charity number in England and Wales is 6 or 7 digits (GB-CHC-1164883)",
                "GB-COH" => "a company number is 8 letters or digits, leading zeros kept (GB-COH-04325234)",
                _ => "the register's number follows the prefix and a hyphen, in letters and digits",
            }
        ));
    }
    Err(format!(
        "{t:?} is not an organisation identifier from the org-id register; it starts with one of {}",
        accepted()
    ))
}

/// A charity number in England and Wales: 6 or 7 digits.
fn is_charity_number(number: &str) -> bool {
    (6..=7).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit())
}

/// A company number: 8 letters or digits, leading zeros kept.
fn is_company_number(number: &str) -> bool {
    number.len() == 8 && number.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `grant org-id NAME IDENTIFIER`: record an organisation's 360Giving
/// identifier, in one audited transaction.
pub fn set_org_id(conn: &mut Conn, name: &str, identifier: &str, command: &str) -> Result<String> {
    let id = check_org_id(identifier).map_err(usage)?;
    tx::write(conn, |tx| {
        let org = db::org::id(tx, name)?.ok_or_else(|| {
            not_found(format!(
                "no organisation is recorded as {:?}; organisations are recorded as decisions, grants and services name them",
                name.trim()
            ))
        })?;
        give_identifier(tx, org, &id)?;
        tx::audit(tx, command, "organisation", Some(name.trim()), "set", Some(&format!("identifier {id}")))?;
        Ok(id)
    })
}

/// Record `identifier` (checked by `check_org_id`) as organisation `org`'s,
/// unless another organisation holds it: one org-id names one organisation.
pub fn give_identifier(tx: &Conn, org: i64, identifier: &str) -> Result<()> {
    if let Some(other) = db::org::holder_of(tx, identifier)?.filter(|&o| o != org) {
        let name = db::org::name(tx, other)?;
        return Err(invalid(format!(
            "{identifier} is the identifier of {name} already; one org-id names one organisation"
        )));
    }
    db::org::set_any_identifier(tx, org, identifier)
}

/// The geoCodeType of a GSS code, from its entity (the first three
/// characters), by the standard's codelist (codelists/geoCodeType.csv).
pub const GEO_CODE_TYPES: &[(&str, &str)] = &[
    ("E00", "OA"),
    ("E01", "LSOA"),
    ("E02", "MSOA"),
    ("E04", "PAR"),
    ("E05", "WD"),
    ("E06", "UA"),
    ("E07", "NMD"),
    ("E08", "MD"),
    ("E09", "LONB"),
    ("E10", "CTY"),
    ("E12", "RGN/GOR"),
    ("E14", "WPC"),
    ("E15", "EER"),
    ("E22", "CSP"),
    ("E23", "PFA"),
    ("E38", "CCG"),
    ("N00", "SA"),
    ("N06", "WPC"),
    ("S00", "OA"),
    ("S01", "DZ"),
    ("S02", "IG"),
    ("S12", "CA"),
    ("S13", "WD"),
    ("S14", "WPC"),
    ("S16", "SPC"),
    ("W00", "OA"),
    ("W01", "LSOA"),
    ("W02", "MSOA"),
    ("W04", "COM"),
    ("W05", "WD"),
    ("W06", "UA"),
    ("W07", "WPC"),
    ("W09", "NAWC"),
    ("W14", "CDRP"),
];

/// An ONS area code (GSS code): E, W, S or N then 8 digits (E09000022 for
/// Lambeth), of an entity in the standard's geoCodeType codelist.
pub fn check_gss(s: &str) -> Result<String, String> {
    let t = s.trim().to_ascii_uppercase();
    let b = t.as_bytes();
    let shaped = b.len() == 9 && matches!(b[0], b'E' | b'W' | b'S' | b'N') && b[1..].iter().all(u8::is_ascii_digit);
    if !shaped {
        return Err(format!(
            "{:?} is not an ONS area code (GSS code): write E, W, S or N and 8 digits, e.g. E09000022 for Lambeth",
            s.trim()
        ));
    }
    if geo_code_type(&t).is_none() {
        return Err(format!(
            "{t} is shaped like a GSS code, but its entity {} is not in the 360Giving geoCodeType codelist",
            &t[..3]
        ));
    }
    Ok(t)
}

/// The geoCodeType of a checked GSS code.
pub fn geo_code_type(code: &str) -> Option<&'static str> {
    let entity = code.get(..3)?;
    GEO_CODE_TYPES.iter().find(|(e, _)| *e == entity).map(|(_, t)| *t)
}

/// Whether an org-id is a registered one whose number 360Giving also wants
/// on its own: (charityNumber, companyNumber).
pub fn registered_numbers(org_id: &str) -> (Option<&str>, Option<&str>) {
    let charity = ["GB-CHC-", "GB-SC-", "GB-NIC-"].iter().find_map(|p| org_id.strip_prefix(p));
    (charity, org_id.strip_prefix("GB-COH-"))
}

/// The settings keys of the package's data source and licence.
pub const DATA_SOURCE_SETTING: &str = "360giving.data_source";
pub const LICENSE_SETTING: &str = "360giving.license";

/// A web address for the data source or the licence: http(s), no spaces.
pub fn check_url(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rest = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://")).unwrap_or("");
    if rest.is_empty() || t.chars().any(char::is_whitespace) {
        return Err(format!("{t:?} is not a web address: write it in full, e.g. https://example.org/grants.json"));
    }
    Ok(t.to_string())
}

/// Remember the data source and licence given (checked; each change in
/// one audited transaction), so that later exports carry them.
pub fn remember(conn: &mut Conn, data_source: Option<&str>, license: Option<&str>, command: &str) -> Result<()> {
    let given: Vec<(&str, &str, String)> =
        [(DATA_SOURCE_SETTING, "--data-source", data_source), (LICENSE_SETTING, "--license", license)]
            .into_iter()
            .filter_map(|(k, flag, v)| v.map(|v| (k, flag, v)))
            .map(|(k, flag, v)| check_url(v).map(|u| (k, flag, u)).map_err(|m| usage(format!("{flag}: {m}"))))
            .collect::<Result<_>>()?;
    if given.is_empty() {
        return Ok(());
    }
    tx::write(conn, |tx| {
        for (key, _, url) in &given {
            if db::grant::setting(tx, key)?.as_deref() != Some(url.as_str()) {
                db::grant::set_setting(tx, key, url)?;
                tx::audit(tx, command, "setting", Some(key), "set", Some(url))?;
            }
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// The checks.

/// Quality (accuracy) or usefulness, as the Data Quality Tool groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Quality,
    Usefulness,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Quality => "quality",
            Kind::Usefulness => "usefulness",
        }
    }
}

/// One check of the standard's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub code: &'static str,
    pub kind: Kind,
    /// What is wrong and how to put it right in pathway.
    pub message: &'static str,
}

macro_rules! check {
    ($name:ident, $code:literal, $kind:ident, $msg:literal) => {
        pub const $name: Check = Check { code: $code, kind: Kind::$kind, message: $msg };
    };
}

check!(
    RECIPIENT_360G,
    "recipient_org_360g_prefix",
    Usefulness,
    "the recipient's identifier starts 360G-: record its charity or company number with `pathway grant org-id`"
);
check!(FUNDER_360G, "funding_org_360g_prefix", Usefulness,
    "the funder's identifier starts 360G-: record its registered identifier (e.g. GB-GOR-…) with `pathway grant org-id`");
check!(RECIPIENT_NUMBER, "no_recipient_charity_or_company_number", Usefulness,
    "the recipient has neither a charity number nor a company number (set a GB-CHC, GB-SC, GB-NIC or GB-COH identifier)");
check!(
    NO_PROGRAMME,
    "no_grant_programme",
    Usefulness,
    "no grant programme: record the decision's funding source (e.g. Community Safety Grant)"
);
check!(
    NO_LOCATION,
    "no_beneficiary_location",
    Usefulness,
    "no beneficiary location: link the grant to the services it funds (`service add --grant`), each with its area"
);
check!(
    NO_GEOCODE,
    "no_beneficiary_geocode",
    Usefulness,
    "a beneficiary location has no ONS area code: `pathway service edit NAME --area-code E09000022`"
);
check!(
    TITLE_IS_DESCRIPTION,
    "title_description_same",
    Usefulness,
    "the title and the description are the same: give the grant a purpose (`pathway grant edit --purpose`)"
);
check!(TITLE_LONG, "title_length", Usefulness, "the title is longer than the 140 characters recommended");
check!(NO_MODIFIED, "no_last_modified", Usefulness, "no last modified date (dateModified)");
check!(
    NO_SOURCE,
    "no_data_source",
    Usefulness,
    "no data source: give the web address the data is published at with `--data-source URL` (remembered)"
);
check!(
    NO_DURATION,
    "planned_duration_not_present",
    Usefulness,
    "no planned dates with a duration: record the grant's start and end"
);
check!(ZERO_AMOUNT, "zero_amount", Quality, "the amount awarded is zero or less");
check!(
    FUNDER_PREFIX,
    "funding_org_unrecognised_prefix",
    Quality,
    "the funder's identifier is from no register in the org-id list"
);
check!(
    RECIPIENT_PREFIX,
    "recipient_org_unrecognised_prefix",
    Quality,
    "the recipient's identifier is from no register in the org-id list"
);
check!(
    CHARITY_NUMBER,
    "recipient_org_charity_number",
    Quality,
    "the recipient's charity number does not look like a UK charity number (6 or 7 digits)"
);
check!(
    COMPANY_NUMBER,
    "recipient_org_company_number",
    Quality,
    "the recipient's company number does not look like one (8 letters or digits)"
);
check!(
    EMAIL,
    "looks_like_email",
    Quality,
    "text that looks like an email address, which may be personal data: remove it before publishing"
);
check!(PLANNED_ORDER, "planned_start_after_end", Quality, "the planned start date is after the planned end date");
check!(AWARD_FUTURE, "award_date_in_future", Quality, "the award date is in the future");
check!(FAR_PAST, "far_past_dates", Quality, "a date more than 25 years ago");
check!(
    MORE_FUNDERS,
    "more_than_one_funding_org",
    Quality,
    "the file holds grants of more than one funder: publish one file per funder unless that is meant"
);
check!(
    FUNDER_NAMES,
    "multiple_ids_for_funder_name",
    Quality,
    "the funder's name appears with another identifier elsewhere in the file"
);

/// Every check `--check` runs, in the order findings are listed.
pub const CHECKS: &[Check] = &[
    ZERO_AMOUNT,
    FUNDER_PREFIX,
    RECIPIENT_PREFIX,
    CHARITY_NUMBER,
    COMPANY_NUMBER,
    EMAIL,
    PLANNED_ORDER,
    AWARD_FUTURE,
    FAR_PAST,
    MORE_FUNDERS,
    FUNDER_NAMES,
    RECIPIENT_360G,
    FUNDER_360G,
    RECIPIENT_NUMBER,
    NO_PROGRAMME,
    NO_LOCATION,
    NO_GEOCODE,
    TITLE_IS_DESCRIPTION,
    TITLE_LONG,
    NO_MODIFIED,
    NO_SOURCE,
    NO_DURATION,
];

/// One finding: a check a grant fails, and the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub check: &'static str,
    pub grant: String,
    pub field: String,
    pub message: &'static str,
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn known_prefix(id: &str) -> bool {
    id.starts_with("360G-") || ORG_ID_PREFIXES.iter().any(|(p, _)| id.starts_with(&format!("{p}-")))
}

fn date_of(v: &str) -> Option<Date> {
    v.get(..10).and_then(Date::from_db)
}

/// The strings of a grant, with their JSON paths, for the email check.
fn strings<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(t) => out.push((path, t)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| strings(x, format!("{path}/{i}"), out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| strings(x, format!("{path}/{k}"), out)),
        _ => {}
    }
}

fn looks_like_email(t: &str) -> bool {
    t.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';')).any(|w| {
        let ok = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
        match w.split_once('@') {
            Some((a, b)) => {
                !a.is_empty() && a.chars().all(ok) && b.chars().all(ok) && b.trim_end_matches('.').contains('.')
            }
            None => false,
        }
    })
}

/// Run every check over a 360Giving package as `today` sees it. Findings
/// come grant by grant, in CHECKS order within a grant; checks of the
/// whole file come with the first grant they concern.
pub fn check(package: &Value, today: Date) -> Vec<Finding> {
    let grants = package.get("grants").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out = Vec::new();
    let mut funders_seen = FundersSeen::default();
    for (i, g) in grants.iter().enumerate() {
        let id = s(g, "id").to_string();
        let mut found = |c: Check, field: String| {
            out.push(Finding { kind: c.kind, check: c.code, grant: id.clone(), field, message: c.message })
        };
        let at = |f: &str| format!("grants/{i}/{f}");
        let funders = g.get("fundingOrganization").and_then(Value::as_array).cloned().unwrap_or_default();
        let recipients = g.get("recipientOrganization").and_then(Value::as_array).cloned().unwrap_or_default();
        check_amount_and_orgs(g, &funders, &recipients, &at, &mut found);
        check_texts_and_dates(g, i, today, &at, &mut found);
        funders_seen.check(&funders, &at, &mut found);
        check_own_prefixes(&funders, &recipients, &at, &mut found);
        check_usefulness(g, &at, &mut found);
    }
    out
}

/// Where a finding is, and what to do with one.
type At<'a> = dyn Fn(&str) -> String + 'a;
type Found<'a> = dyn FnMut(Check, String) + 'a;

/// The amount, and the organisations' identifiers and numbers.
fn check_amount_and_orgs(g: &Value, funders: &[Value], recipients: &[Value], at: &At<'_>, found: &mut Found<'_>) {
    if g.get("amountAwarded").and_then(Value::as_f64).is_some_and(|a| a <= 0.0) {
        found(ZERO_AMOUNT, at("amountAwarded"));
    }
    for (n, f) in funders.iter().enumerate() {
        if !known_prefix(s(f, "id")) {
            found(FUNDER_PREFIX, at(&format!("fundingOrganization/{n}/id")));
        }
    }
    for (n, r) in recipients.iter().enumerate() {
        if !known_prefix(s(r, "id")) {
            found(RECIPIENT_PREFIX, at(&format!("recipientOrganization/{n}/id")));
        }
        if let Some(c) = r.get("charityNumber").and_then(Value::as_str) {
            let digits =
                if c.get(..2).is_some_and(|p| p.chars().all(|x| x.is_ascii_alphabetic())) { &c[2..] } else { c };
            if !is_charity_number(digits) {
                found(CHARITY_NUMBER, at(&format!("recipientOrganization/{n}/charityNumber")));
            }
        }
        if let Some(c) = r.get("companyNumber").and_then(Value::as_str) {
            if !is_company_number(c) {
                found(COMPANY_NUMBER, at(&format!("recipientOrganization/{n}/companyNumber")));
            }
        }
    }
}

/// Email addresses in any text, and the dates' order and range.
fn check_texts_and_dates(g: &Value, i: usize, today: Date, at: &At<'_>, found: &mut Found<'_>) {
    let mut texts = Vec::new();
    strings(g, format!("grants/{i}"), &mut texts);
    for (path, t) in texts {
        if !path.to_lowercase().contains("email") && looks_like_email(t) {
            found(EMAIL, path);
        }
    }
    let planned = g.get("plannedDates").and_then(|p| p.get(0));
    if let Some(p) = planned {
        if let (Some(a), Some(b)) = (date_of(s(p, "startDate")), date_of(s(p, "endDate"))) {
            if a > b {
                found(PLANNED_ORDER, at("plannedDates/0/startDate"));
            }
        }
    }
    let award = date_of(s(g, "awardDate"));
    if award.is_some_and(|d| d > today) {
        found(AWARD_FUTURE, at("awardDate"));
    }
    let far_past = Date(today.0.checked_sub_months(chrono::Months::new(25 * 12)).unwrap_or(today.0));
    let dates =
        [award, planned.and_then(|p| date_of(s(p, "startDate"))), planned.and_then(|p| date_of(s(p, "endDate")))];
    if dates.iter().flatten().any(|d| *d < far_past) {
        found(FAR_PAST, at("awardDate"));
    }
}

/// The funders of the whole file so far: a second funder, and one name
/// with two identifiers, are findings of the file.
#[derive(Default)]
struct FundersSeen {
    ids: Vec<String>,
    names: Vec<(String, String)>,
}

impl FundersSeen {
    fn check(&mut self, funders: &[Value], at: &At<'_>, found: &mut Found<'_>) {
        for (n, f) in funders.iter().enumerate() {
            let (fid, name) = (s(f, "id").to_string(), s(f, "name").to_string());
            if !self.ids.contains(&fid) {
                self.ids.push(fid.clone());
                if self.ids.len() == 2 {
                    found(MORE_FUNDERS, at(&format!("fundingOrganization/{n}/id")));
                }
            }
            match self.names.iter().find(|(nm, _)| *nm == name) {
                Some((_, known)) if *known != fid => {
                    found(FUNDER_NAMES, at(&format!("fundingOrganization/{n}/id")));
                }
                Some(_) => {}
                None => self.names.push((name, fid)),
            }
        }
    }
}

/// Identifiers of the publisher's own (`360G-`), and recipients with
/// neither a charity nor a company number.
fn check_own_prefixes(funders: &[Value], recipients: &[Value], at: &At<'_>, found: &mut Found<'_>) {
    for (n, r) in recipients.iter().enumerate() {
        if s(r, "id").to_lowercase().starts_with("360g") {
            found(RECIPIENT_360G, at(&format!("recipientOrganization/{n}/id")));
        }
    }
    for (n, f) in funders.iter().enumerate() {
        if s(f, "id").to_lowercase().starts_with("360g") {
            found(FUNDER_360G, at(&format!("fundingOrganization/{n}/id")));
        }
    }
    for (n, r) in recipients.iter().enumerate() {
        let has = |k: &str| r.get(k).and_then(Value::as_str).is_some_and(|x| !x.is_empty());
        if !has("charityNumber") && !has("companyNumber") {
            found(RECIPIENT_NUMBER, at(&format!("recipientOrganization/{n}/id")));
        }
    }
}

/// What makes the data useful: programme, location, title, dates, source.
fn check_usefulness(g: &Value, at: &At<'_>, found: &mut Found<'_>) {
    if !g.get("grantProgramme").and_then(Value::as_array).is_some_and(|p| !p.is_empty()) {
        found(NO_PROGRAMME, at("id"));
    }
    match g.get("beneficiaryLocation").and_then(Value::as_array) {
        Some(l) if !l.is_empty() => {
            for (n, loc) in l.iter().enumerate() {
                if s(loc, "geoCode").is_empty() || s(loc, "geoCodeType").is_empty() {
                    found(NO_GEOCODE, at(&format!("beneficiaryLocation/{n}")));
                }
            }
        }
        _ => found(NO_LOCATION, at("id")),
    }
    let (title, description) = (s(g, "title"), s(g, "description"));
    if !title.is_empty() && title == description {
        found(TITLE_IS_DESCRIPTION, at("description"));
    }
    if title.chars().count() > 140 {
        found(TITLE_LONG, at("title"));
    }
    if s(g, "dateModified").is_empty() {
        found(NO_MODIFIED, at("id"));
    }
    if s(g, "dataSource").is_empty() {
        found(NO_SOURCE, at("id"));
    }
    let planned = g.get("plannedDates").and_then(|p| p.get(0));
    if planned.and_then(|p| p.get("duration")).is_none() {
        found(NO_DURATION, at("id"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A grant that passes every check.
    fn clean() -> Value {
        json!({
            "id": "360G-nottspcc-2021_021-1",
            "title": "Domestic Abuse Partnership Car Pilot: specialist workers",
            "description": "Specialist domestic abuse workers for the partnership car pilot",
            "currency": "GBP",
            "amountAwarded": 23966,
            "awardDate": "2021-03-16",
            "plannedDates": [{"startDate": "2021-04-01", "endDate": "2022-03-31", "duration": 12}],
            "recipientOrganization": [{"id": "GB-CHC-1000001", "name": "Juno Women's Aid", "charityNumber": "1000001"}],
            "fundingOrganization": [{"id": "GB-GOR-PC390", "name": "Nottinghamshire OPCC"}],
            "grantProgramme": [{"title": "Community Safety Grant"}],
            "beneficiaryLocation": [{"name": "Nottinghamshire", "countryCode": "GB", "geoCode": "E10000024", "geoCodeType": "CTY"}],
            "dateModified": "2021-03-16T10:00:00Z",
            "dataSource": "https://www.nottinghamshire.pcc.police.uk/grants.json"
        })
    }

    fn findings(grants: Vec<Value>) -> Vec<&'static str> {
        check(&json!({"grants": grants}), Date::ymd(2026, 12, 1)).into_iter().map(|f| f.check).collect()
    }

    fn with(f: impl FnOnce(&mut Value)) -> Vec<&'static str> {
        let mut g = clean();
        f(&mut g);
        findings(vec![g])
    }

    #[test]
    fn a_clean_grant_passes_every_check() {
        assert_eq!(findings(vec![clean()]), Vec::<&str>::new());
    }

    #[test]
    fn each_check_reports_what_it_is_about() {
        assert_eq!(with(|g| g["amountAwarded"] = json!(0)), ["zero_amount"]);
        assert_eq!(
            with(|g| g["fundingOrganization"][0]["id"] = json!("XX-ABC-1")),
            ["funding_org_unrecognised_prefix"]
        );
        assert_eq!(
            with(|g| g["recipientOrganization"][0]["id"] = json!("XX-ABC-1")),
            ["recipient_org_unrecognised_prefix"]
        );
        assert_eq!(
            with(|g| g["recipientOrganization"][0]["charityNumber"] = json!("12345")),
            ["recipient_org_charity_number"]
        );
        assert_eq!(
            with(|g| g["recipientOrganization"][0]["companyNumber"] = json!("123")),
            ["recipient_org_company_number"]
        );
        assert_eq!(
            with(|g| g["description"] = json!("Contact jo.bloggs@example.org for details")),
            ["looks_like_email"]
        );
        assert_eq!(with(|g| g["plannedDates"][0]["startDate"] = json!("2022-04-01")), ["planned_start_after_end"]);
        assert_eq!(with(|g| g["awardDate"] = json!("2027-01-01")), ["award_date_in_future"]);
        assert_eq!(with(|g| g["awardDate"] = json!("1999-01-01")), ["far_past_dates"]);
        assert_eq!(
            with(|g| g["recipientOrganization"][0] = json!({"id": "360G-nottspcc-Juno", "name": "Juno"})),
            ["recipient_org_360g_prefix", "no_recipient_charity_or_company_number"]
        );
        assert_eq!(with(|g| g["fundingOrganization"][0]["id"] = json!("360G-nottspcc")), ["funding_org_360g_prefix"]);
        assert_eq!(
            with(|g| g.as_object_mut().unwrap().remove("grantProgramme").map(|_| ()).unwrap()),
            ["no_grant_programme"]
        );
        assert_eq!(with(|g| g["beneficiaryLocation"] = json!([])), ["no_beneficiary_location"]);
        assert_eq!(
            with(|g| g["beneficiaryLocation"] = json!([{"name": "Lambeth", "countryCode": "GB"}])),
            ["no_beneficiary_geocode"]
        );
        assert_eq!(with(|g| g["description"] = g["title"].clone()), ["title_description_same"]);
        assert_eq!(
            with(|g| {
                g["title"] = json!("x".repeat(141));
            }),
            ["title_length"]
        );
        assert_eq!(
            with(|g| g.as_object_mut().unwrap().remove("dateModified").map(|_| ()).unwrap()),
            ["no_last_modified"]
        );
        assert_eq!(with(|g| g.as_object_mut().unwrap().remove("dataSource").map(|_| ()).unwrap()), ["no_data_source"]);
        assert_eq!(
            with(|g| g["plannedDates"][0].as_object_mut().unwrap().remove("duration").map(|_| ()).unwrap()),
            ["planned_duration_not_present"]
        );
    }

    #[test]
    fn checks_of_the_whole_file() {
        let mut other = clean();
        other["id"] = json!("360G-nottspcc-2021_021-2");
        other["fundingOrganization"][0]["id"] = json!("GB-GOR-PC391");
        assert_eq!(findings(vec![clean(), other]), ["more_than_one_funding_org", "multiple_ids_for_funder_name"]);
        let mut second = clean();
        second["id"] = json!("360G-nottspcc-2021_021-2");
        assert_eq!(findings(vec![clean(), second]), Vec::<&str>::new());
    }

    #[test]
    fn every_check_is_listed_once() {
        let mut codes: Vec<&str> = CHECKS.iter().map(|c| c.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CHECKS.len());
    }

    #[test]
    fn org_ids() {
        for ok in [
            "GB-CHC-1164883",
            "GB-CHC-216250",
            "GB-COH-04325234",
            "GB-COH-SC123459",
            "GB-GOR-PB188",
            "GB-LAE-NTT",
            "GB-SC-SC012345",
            "360G-nottspcc-Juno",
        ] {
            assert_eq!(check_org_id(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(
            check_org_id("GB-XYZ-1").unwrap_err(),
            "\"GB-XYZ-1\" is not an organisation identifier from the org-id register; it starts with one of GB-CHC, \
             GB-SC, GB-NIC, GB-COH, GB-GOR, GB-LAE, GB-LAS, GB-PLA, GB-NHS, GB-EDU, GB-MPR, or 360G- for an \
             organisation with no registered number"
        );
        assert!(check_org_id("GB-CHC-12345").unwrap_err().contains("6 or 7 digits"));
        assert!(check_org_id("GB-COH-4325234").unwrap_err().contains("8 letters or digits"));
        assert!(check_org_id("360G-").is_err());
        assert_eq!(registered_numbers("GB-CHC-1164883"), (Some("1164883"), None));
        assert_eq!(registered_numbers("GB-COH-04325234"), (None, Some("04325234")));
    }

    #[test]
    fn gss_codes() {
        assert_eq!(check_gss("e09000022").as_deref(), Ok("E09000022"));
        assert_eq!(geo_code_type("E09000022"), Some("LONB"));
        assert_eq!(geo_code_type("E10000024"), Some("CTY"));
        assert_eq!(
            check_gss("SW2 1RW").unwrap_err(),
            "\"SW2 1RW\" is not an ONS area code (GSS code): write E, W, S or N and 8 digits, e.g. E09000022 for Lambeth"
        );
        assert!(check_gss("E99000001").unwrap_err().contains("not in the 360Giving geoCodeType codelist"));
    }
}
