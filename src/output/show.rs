//! One record shown (`decision show`, `grant show`, `service show`,
//! `client show`) and the 360Giving export, in every format: the renderers
//! of what the commands in `cmd/` gather, so that no command matches on the
//! format.

use super::{Cell, Out, Render, Section};
use crate::domain::client::{ClientRow, Held};
use crate::domain::threesixty::registered_numbers;
use crate::domain::{decision, grant, service};
use anyhow::Result;

/// `decision show`: the decision as a record, its approvals, and its grants
/// (a table of them for people, their refs in CSV, objects in JSON).
pub struct DecisionShown<'a>(pub &'a decision::Detail);

impl Render for DecisionShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let detail = self.0;
        let (mut columns, mut cells) = detail_cells(detail);
        columns.push("approvals");
        cells.push(Cell::List(detail.decision.approvals.iter().map(|a| a.to_string()).collect()));
        columns.push("grants");
        cells.push(Cell::List(detail.grants.iter().map(|g| g.reference.clone()).collect()));
        out.record(&columns, cells)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let detail = self.0;
        let (mut columns, mut cells) = detail_cells(detail);
        columns.push("approvals");
        cells.push(Cell::List(detail.decision.approvals.iter().map(|a| a.to_string()).collect()));
        out.record(&columns, cells)?;
        if !detail.grants.is_empty() {
            out.text("\nGrants\n")?;
            let mut rows = out.rows(&["ref", "recipient", "amount", "status"])?;
            for g in &detail.grants {
                rows.push(vec![
                    Cell::text(&g.reference),
                    Cell::text(&g.recipient),
                    Cell::Money(g.amount),
                    Cell::Name(g.status.as_str(), g.status.label()),
                ])?;
            }
            rows.finish()?;
        }
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        let detail = self.0;
        let (columns, cells) = detail_cells(detail);
        let mut obj: serde_json::Map<String, serde_json::Value> =
            columns.iter().zip(&cells).map(|(c, v)| (c.to_string(), v.to_json())).collect();
        obj.insert(
            "approvals".into(),
            detail
                .decision
                .approvals
                .iter()
                .map(|a| serde_json::json!({"role": a.role, "approved_on": a.approved_on.iso()}))
                .collect(),
        );
        obj.insert(
            "grants".into(),
            detail
                .grants
                .iter()
                .map(|g| {
                    serde_json::json!({"ref": g.reference, "recipient": g.recipient,
                                       "amount": g.amount.plain(), "status": g.status.as_str()})
                })
                .collect(),
        );
        out.json(&obj)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        self.json(out)
    }
}

fn detail_cells(detail: &decision::Detail) -> (Vec<&'static str>, Vec<Cell>) {
    let d = &detail.decision;
    let columns = vec![
        "ref",
        "commissioner",
        "title",
        "summary",
        "author",
        "received_on",
        "decided_on",
        "status",
        "amount",
        "granted",
        "unallocated",
        "funding_source",
        "spend_type",
        "budget_year",
        "confidential",
        "confidential_category",
    ];
    let cells = vec![
        Cell::text(&d.reference),
        Cell::text(&d.commissioner),
        Cell::text(&d.title),
        Cell::opt_text(d.summary.as_deref()),
        Cell::opt_text(d.author.as_deref()),
        Cell::opt_date(d.received_on),
        Cell::opt_date(d.decided_on),
        Cell::Name(d.status.as_str(), d.status.label()),
        Cell::Money(d.amount),
        Cell::Money(detail.granted),
        Cell::Money(detail.unallocated()),
        Cell::opt_text(d.funding_source.as_deref()),
        d.spend_type.map(|s| Cell::Name(s.as_str(), s.label())).unwrap_or(Cell::Null),
        Cell::opt_text(d.budget_year.as_ref().map(|b| b.to_string())),
        Cell::Bool(d.confidential),
        Cell::opt_text(d.confidential_category.as_deref()),
    ];
    (columns, cells)
}

/// `grant show`: the grant as a record, with its reporting schedule
/// described, and its payments.
pub struct GrantShown<'a> {
    pub detail: &'a grant::Detail,
    pub reporting: Option<String>,
}

impl GrantShown<'_> {
    fn cells(&self) -> (Vec<&'static str>, Vec<Cell>) {
        let d = self.detail;
        let g = &d.grant;
        let reporting = self.reporting.clone();
        let columns = vec![
            "ref",
            "decision",
            "decision_title",
            "funder",
            "recipient",
            "intermediary",
            "title",
            "purpose",
            "conditions",
            "amount",
            "start_on",
            "end_on",
            "status",
            "match_amount",
            "match_funder",
            "paid",
            "outstanding",
            "reporting",
        ];
        let cells = vec![
            Cell::text(&g.reference),
            Cell::text(&g.decision),
            Cell::text(&d.decision_title),
            Cell::text(&g.funder),
            Cell::text(&g.recipient),
            Cell::opt_text(g.intermediary.as_deref()),
            Cell::opt_text(g.title.as_deref()),
            Cell::opt_text(g.purpose.as_deref()),
            Cell::opt_text(g.conditions.as_deref()),
            Cell::Money(g.amount),
            Cell::opt_date(g.start_on),
            Cell::opt_date(g.end_on),
            Cell::Name(g.status.as_str(), g.status.label()),
            Cell::opt_money(g.match_amount),
            Cell::opt_text(g.match_funder.as_deref()),
            Cell::Money(d.paid),
            Cell::Money(d.outstanding()),
            Cell::opt_text(reporting),
        ];
        (columns, cells)
    }
}

impl Render for GrantShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let (mut columns, mut cells) = self.cells();
        let d = self.detail;
        columns.push("payments");
        cells.push(Cell::List(d.payments.iter().map(|p| format!("{} {}", p.paid_on, p.amount.plain())).collect()));
        out.record(&columns, cells)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let (columns, cells) = self.cells();
        out.record(&columns, cells)?;
        out.text("\nPayments\n")?;
        let mut rows = out.rows(&["paid_on", "amount", "note"])?;
        for p in &self.detail.payments {
            rows.push(vec![Cell::Date(p.paid_on), Cell::Money(p.amount), Cell::opt_text(p.note.as_deref())])?;
        }
        rows.finish()?;
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        let (columns, cells) = self.cells();
        let mut obj: serde_json::Map<String, serde_json::Value> =
            columns.iter().zip(&cells).map(|(c, v)| (c.to_string(), v.to_json())).collect();
        obj.insert(
            "payments".into(),
            self.detail
                .payments
                .iter()
                .map(|p| serde_json::json!({"paid_on": p.paid_on.iso(), "amount": p.amount.plain(), "note": p.note}))
                .collect(),
        );
        out.json(&obj)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        self.json(out)
    }
}

const GIVING_COLUMNS: &[&str] = &[
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Amount Disbursed",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Planned Dates:Duration (months)",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Charity Number",
    "Recipient Org:Company Number",
    "Beneficiary Location:Name",
    "Beneficiary Location:Country Code",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Title",
    "Last Modified",
    "Data Source",
    "Decision Reference",
    "Budget Year",
    "Intermediary",
    "Match Funding:Amount",
    "Match Funding:Funder",
];

/// `grant export --360giving`: the package in JSON (refused when empty),
/// one grant a line in JSON Lines, the standard's flat columns otherwise.
pub struct GivingExport<'a>(pub &'a grant::Giving);

impl Render for GivingExport<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let g = self.0;
        let mut rows = out.rows(GIVING_COLUMNS)?;
        for x in &g.grants {
            // The main sheet carries the first location (the standard's
            // flattening); the JSON carries them all.
            let first = x.beneficiaries.first();
            rows.push(vec![
                Cell::text(&x.id),
                Cell::text(&x.title),
                Cell::text(&x.description),
                Cell::text("GBP"),
                Cell::Money(x.amount_awarded),
                Cell::Money(x.amount_disbursed),
                Cell::Date(x.award_date),
                Cell::opt_date(x.start_on),
                Cell::opt_date(x.end_on),
                x.duration_months.map(|m| Cell::Num(m, if m.fract() == 0.0 { 0 } else { 1 })).unwrap_or(Cell::Null),
                Cell::text(&x.recipient_id),
                Cell::text(&x.recipient_name),
                Cell::opt_text(registered_numbers(&x.recipient_id).0),
                Cell::opt_text(registered_numbers(&x.recipient_id).1),
                Cell::opt_text(first.and_then(|b| b.name.as_deref())),
                Cell::opt_text(first.map(|_| "GB")),
                Cell::opt_text(first.and_then(|b| b.geo_code_type().and(b.geo_code.as_deref()))),
                Cell::opt_text(first.and_then(|b| b.geo_code_type())),
                Cell::text(&x.funder_id),
                Cell::text(&x.funder_name),
                Cell::opt_text(x.programme.as_deref()),
                Cell::opt_text(x.date_modified.as_deref()),
                Cell::opt_text(x.data_source.as_deref()),
                Cell::text(&x.decision),
                Cell::opt_text(x.budget_year.as_deref()),
                Cell::opt_text(x.intermediary.as_deref()),
                Cell::opt_money(x.match_amount),
                Cell::opt_text(x.match_funder.as_deref()),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        if self.0.grants.is_empty() {
            return Err(crate::error::invalid(
                "no grants under approved decisions to export; a 360Giving package needs at least one",
            ));
        }
        out.json(&self.0.package())
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        for grant in &self.0.grants {
            out.json(&grant.to_json())?;
        }
        Ok(())
    }
}

pub const SERVICE_COLUMNS: &[&str] = &["name", "provider", "area", "kind", "hub", "grants"];

pub fn service_cells(s: &service::ServiceRow) -> Vec<Cell> {
    vec![
        Cell::text(&s.name),
        Cell::text(&s.provider),
        Cell::opt_text(s.area.clone()),
        Cell::Name(s.kind.as_str(), s.kind.label()),
        Cell::opt_text(s.hub.clone()),
        Cell::List(s.grants.clone()),
    ]
}

/// `service show`: the service as a record with its spokes; for people,
/// then what funds it and its targets; in CSV its targets as a list.
pub struct ServiceShown<'a>(pub &'a service::Detail);

impl Render for ServiceShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let d = self.0;
        let mut cols = SERVICE_COLUMNS.to_vec();
        cols.extend(["spokes", "targets"]);
        let mut cells = service_cells(&d.service);
        cells.push(Cell::List(d.spokes.clone()));
        cells.push(Cell::List(d.targets.iter().map(|t| format!("{} {} {}", t.measure, t.period, t.value)).collect()));
        out.record(&cols, cells)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        let d = self.0;
        let mut cols = SERVICE_COLUMNS.to_vec();
        cols.push("spokes");
        let mut cells = service_cells(&d.service);
        cells.push(Cell::List(d.spokes.clone()));
        out.record(&cols, cells)?;
        let sections = service_sections(d);
        if !sections.is_empty() {
            out.text("\n")?;
            out.sections(&sections)?;
        }
        Ok(())
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }
}

/// What funds a service and its targets, each a section when there are any.
fn service_sections(d: &service::Detail) -> Vec<Section> {
    let mut sections = Vec::new();
    if !d.funded_by.is_empty() {
        sections.push(Section {
            title: "Funded by".into(),
            note: String::new(),
            columns: ["grant", "decision", "recipient", "amount", "start_on", "end_on"].map(String::from).to_vec(),
            rows: d
                .funded_by
                .iter()
                .map(|g| {
                    vec![
                        Cell::text(&g.grant),
                        Cell::text(&g.decision),
                        Cell::text(&g.recipient),
                        Cell::Money(g.amount),
                        Cell::opt_date(g.start_on),
                        Cell::opt_date(g.end_on),
                    ]
                })
                .collect(),
        });
    }
    if !d.targets.is_empty() {
        sections.push(Section {
            title: "Targets".into(),
            note: String::new(),
            columns: ["measure", "period", "from_on", "to_on", "value"].map(String::from).to_vec(),
            rows: d
                .targets
                .iter()
                .map(|t| {
                    vec![
                        Cell::Name(t.measure.as_str(), t.measure.label()),
                        Cell::text(&t.period),
                        Cell::Date(t.from_on),
                        Cell::Date(t.to_on),
                        Cell::Int(t.value),
                    ]
                })
                .collect(),
        });
    }
    sections
}

/// `client show`: a subject access answer. JSON the whole of it; the
/// table a section for each part; CSV one row per value.
pub struct ClientShown<'a>(pub &'a Held);

impl Render for ClientShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        long_csv(out, self.0)
    }

    fn table(&self, out: &mut Out) -> Result<()> {
        out.sections(&sections(self.0))
    }

    fn json(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }

    fn jsonl(&self, out: &mut Out) -> Result<()> {
        out.json(self.0)
    }
}

pub const CLIENT_COLUMNS: &[&str] = &["client_ref", "birth_year", "ethnicity", "disability", "dependent_children"];

pub fn attribute_cells(c: &ClientRow) -> Vec<Cell> {
    let a = &c.attributes;
    vec![
        Cell::text(&c.client_ref),
        Cell::opt_int(a.birth_year),
        a.ethnicity.map(|e| Cell::Name(e.as_str(), e.label())).unwrap_or(Cell::Null),
        a.disability.map(|d| Cell::Name(d.as_str(), d.label())).unwrap_or(Cell::Null),
        Cell::opt_int(a.dependent_children),
    ]
}

fn opt_name(n: Option<(&'static str, &'static str)>) -> Cell {
    n.map(|(a, b)| Cell::Name(a, b)).unwrap_or(Cell::Null)
}

/// The sections of a subject access answer, for tables and long CSV.
fn sections(h: &Held) -> Vec<Section> {
    let mut client_cols: Vec<String> = CLIENT_COLUMNS.iter().map(|c| c.to_string()).collect();
    client_cols.remove(0);
    let client_cells = attribute_cells(&h.client)[1..].to_vec();
    let mut s = vec![Section {
        title: "Client".into(),
        note: String::new(),
        columns: ["client_ref"].iter().map(|c| c.to_string()).chain(client_cols).collect(),
        rows: vec![std::iter::once(Cell::text(&h.client.client_ref)).chain(client_cells).collect()],
    }];
    s.push(Section {
        title: format!("Referrals ({})", h.referrals.len()),
        note: String::new(),
        columns: [
            "id",
            "ref",
            "referred_on",
            "source",
            "service",
            "area",
            "needs",
            "outcome",
            "first_contact_on",
            "risk",
            "marac",
        ]
        .map(String::from)
        .to_vec(),
        rows: h
            .referrals
            .iter()
            .map(|r| {
                vec![
                    Cell::Int(r.id),
                    Cell::opt_text(r.ref_.clone()),
                    Cell::Date(r.referred_on),
                    Cell::Name(r.source.as_str(), r.source.label()),
                    Cell::text(&r.service),
                    Cell::opt_text(r.area.clone()),
                    Cell::List(r.needs.iter().map(|n| n.as_str().to_string()).collect()),
                    opt_name(r.outcome.map(|o| (o.as_str(), o.label()))),
                    Cell::opt_date(r.first_contact_on),
                    opt_name(r.risk.map(|o| (o.as_str(), o.label()))),
                    Cell::Bool(r.marac),
                ]
            })
            .collect(),
    });
    s.push(Section {
        title: format!("Cases ({})", h.cases.len()),
        note: String::new(),
        columns: ["id", "ref", "worker", "service", "opened_on", "closed_on", "close_reason", "outcome", "tiers"]
            .map(String::from)
            .to_vec(),
        rows: h
            .cases
            .iter()
            .map(|c| {
                vec![
                    Cell::Int(c.id),
                    Cell::opt_text(c.ref_.clone()),
                    Cell::text(&c.worker),
                    Cell::text(&c.service),
                    Cell::opt_date(c.opened_on),
                    Cell::opt_date(c.closed_on),
                    Cell::opt_text(c.close_reason.clone()),
                    opt_name(c.outcome.map(|o| (o.as_str(), o.label()))),
                    Cell::List(
                        c.tiers
                            .iter()
                            .map(|t| format!("{} from {}", t.tier, t.from_on.map(|d| d.iso()).unwrap_or_default()))
                            .collect(),
                    ),
                ]
            })
            .collect(),
    });
    s.push(Section {
        title: format!("Assessments ({})", h.assessments.len()),
        note: String::new(),
        columns: ["case", "pathway", "assessed_on", "score", "stage"].map(String::from).to_vec(),
        rows: h
            .assessments
            .iter()
            .map(|a| {
                vec![
                    Cell::text(&a.case),
                    Cell::Name(a.pathway.as_str(), a.pathway.label()),
                    Cell::Date(a.assessed_on),
                    Cell::Int(a.score),
                    opt_name(a.stage.map(|o| (o.as_str(), o.label()))),
                ]
            })
            .collect(),
    });
    s
}

/// One row per value: section,item,field,value.
fn long_csv(out: &mut Out<'_>, h: &Held) -> Result<()> {
    let mut rows = out.rows(&["section", "item", "field", "value"])?;
    for s in sections(h) {
        let section = s.title.split(' ').next().unwrap_or_default().to_lowercase();
        for (i, row) in s.rows.iter().enumerate() {
            for (col, cell) in s.columns.iter().zip(row) {
                rows.push(vec![
                    Cell::text(&section),
                    Cell::Int(i as i64 + 1),
                    Cell::text(col),
                    Cell::text(cell.for_csv()),
                ])?;
            }
        }
    }
    rows.finish()?;
    Ok(())
}
