//! `pathway grant add|list|show|pay|import|export`: grants under decisions,
//! and the payments made against them.

use crate::app::Ctx;
use crate::cmd::decision::near_miss;
use crate::cmd::report_summary;
use crate::cmd::ImportArgs;
use crate::domain::decision::BudgetYear;
use crate::domain::grant::{self as rules, Filter, GrantInput, Listed, Payment};
use crate::import;
use crate::output::emit;
use crate::output::grant::{self as shown, Findings, GivingExport, GrantShown};
use crate::value::names::GrantStatus;
use crate::value::{Date, Pence, Period};
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  pathway grant add --decision 2021.021 --recipient \"Juno Women's Aid\" \\
    --amount 23966 --start 2021-04-01 --end 2022-03-31
  pathway grant pay 2021.021-1 --amount 5991.50 --date 30/06/21 --note \"Q1 instalment\"
  pathway grant list --decision 2021.021 --format json";

const IMPORT_HELP: &str = "Import grants from a CSV file with a header row.

Columns (any order; those marked * are required):
  ref            the grant's ref, e.g. 2021.021-1; rows are matched on it (a row without
                 one: on decision, recipient, start_on and end_on, else it gets the next
                 <decision>-<n>)
  decision*      the ref of an existing decision, e.g. 2021.021
  funder         empty: the decision's commissioner
  recipient*     e.g. Juno Women's Aid (recorded if new)
  intermediary   who the money passes through, e.g. Nottinghamshire County Council
  title, purpose, conditions
                 text
  amount*        e.g. 23966, £23,966 or 23966.00
  start_on, end_on
                 dates: 2021-04-01, 01/04/2021, 1/4/21 or 01.04.21 (day first)
  status         active, completed or cancelled (empty: active)
  match_amount, match_funder
                 match funding, both or neither

With --payments the file holds payments instead:
  grant*         the grant's ref
  paid_on*       the date paid
  amount*        the amount paid
  note           e.g. Q1 instalment
A payment row counts as recorded already when the grant has an identical payment (same \
date, amount and note), so importing the same file twice adds nothing.

These are the columns `grant export` (and `grant export --payments`) writes, so export → \
import round-trips. A column left out of the file counts as empty, and an empty cell where a \
value is recorded is refused unless --allow-clear (which clears it); an empty funder or status \
keeps the recorded one. A row whose ref belongs to a grant under another decision, funder or recipient is refused, \
and so are two rows that describe one grant differently. --dry-run lists every change and \
writes nothing.

Grants under a decision never total more than its amount, counting the earlier rows of the \
same file; payments never more than their grant. Any invalid row: nothing is imported, and \
every error is listed as FILE:LINE: column: message (exit 65). With --skip-invalid the good \
rows are imported and the bad ones written to --rejects FILE with an error column.";

const EXPORT_HELP: &str = "Export grants with exactly the columns `grant import` reads (see \
`pathway grant import --help`), as CSV unless --format json or jsonl is given. With --payments, \
export the payments on those grants instead. The list filters apply.

With --360giving, export the grants under approved decisions as 360Giving open data (the UK \
grants standard, https://www.threesixtygiving.org/): with --format json a package that \
validates against the standard's schema, with --format jsonl one grant per line, else CSV with \
the standard's column titles (Identifier, Title, Description, Currency, Amount Awarded, ...).

  Identifier        <prefix>-<grant ref>, with characters other than letters, digits and - as _
                    (2021.021-1 → 360G-nottspcc-2021_021-1)
  Award Date        the decision date
  Funding Org, Recipient Org
                    the organisation's registered identifier (e.g. GB-CHC-1234567) when it has
                    one, else <prefix>-<name with hyphens>: replace these with registered ones
                    before publishing
  Grant Programme   the decision's funding source
  Amount Disbursed  the payments, each also a disbursement transaction in JSON
  Also: Decision Reference, Budget Year, Intermediary and Match Funding (extra fields, which
  the standard allows).

The prefix is the one 360Giving registered for the publisher; give it once with --prefix and \
it is remembered in the database (PATHWAY_360G_PREFIX overrides the remembered one).";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record a grant under a decision
    #[command(
        long_about = "Record a grant under an existing decision.\n\n\
The grants under a decision never add up to more than its amount: a grant that \
would is refused, saying by how much. Without --ref the grant gets the next free \
<decision ref>-<n>, e.g. 2021.021-1. The funder defaults to the decision's \
commissioner. Organisations are recorded as they are first named: the recipient as \
a provider, an intermediary (through whom the money passes) or match funder as a \
partner.\n\n\
Money: 23966, 23,966, £23,966 or 23966.00. Dates: 2021-04-01, 01/04/2021, 1/4/21 \
or 01.04.21 (day first).",
        after_help = "Examples:
  pathway grant add --decision 2021.021 --recipient \"Juno Women's Aid\" \\
    --amount 23966 --start 2021-04-01 --end 2022-03-31
  pathway grant add --decision 2021.021 --recipient \"Nottinghamshire Women's Aid\" --amount 23047 \\
    --intermediary \"Nottinghamshire County Council\" --start 2021-04-01 --end 2022-03-31
  pathway grant add --decision 2021.027 --recipient \"Nottingham Women's Centre\" --amount 14000 \\
    --match-amount 14000 --match-funder \"National Probation Service\""
    )]
    Add(AddArgs),

    /// Correct a recorded grant: its recipient, funder, intermediary or wording
    #[command(
        long_about = "Correct a recorded grant on purpose: a mistyped recipient or funder (which an import \
refuses to change, so that money is never moved to another organisation by a file), the \
intermediary, title, purpose or conditions. Options left out keep the recorded value. The \
change is one audited transaction, with every rule of `grant add`.",
        after_help = "Examples:
  pathway grant edit 2021.021-1 --recipient \"Juno Women's Aid\"
  pathway grant edit 2021.021-2 --intermediary \"Nottinghamshire County Council\" --title \"Car pilot\""
    )]
    Edit {
        /// The grant's ref, e.g. 2021.021-1
        #[arg(value_name = "REF")]
        reference: String,
        /// Who receives the grant
        #[arg(long)]
        recipient: Option<String>,
        /// Who pays it
        #[arg(long)]
        funder: Option<String>,
        /// Through whom the money passes
        #[arg(long)]
        intermediary: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        purpose: Option<String>,
        #[arg(long)]
        conditions: Option<String>,
        #[command(flatten)]
        schedule: ScheduleArgs,
    },

    /// List grants, with what has been paid and what is outstanding
    #[command(after_help = "Examples:
  pathway grant list
  pathway grant list --decision 2021.021 --format json
  pathway grant list --recipient \"Juno Women's Aid\" --period 2021/22-Q1")]
    List(FilterArgs),

    /// Show one grant with its payments, paid and outstanding
    #[command(after_help = "Examples:
  pathway grant show 2021.021-1
  pathway grant show 2021.027-1 --format json")]
    Show {
        /// The grant's ref, e.g. 2021.021-1
        #[arg(value_name = "REF")]
        reference: String,
    },

    /// Record a payment against a grant (never more than is left to pay)
    #[command(
        long_about = "Record one payment (an instalment) against a grant. Payments never add \
up to more than the grant: a payment that would is refused, saying how much is left.\n\n\
Money: 5991.50, £5,991.50. Dates: 2021-06-30, 30/06/2021, 30/6/21 or 30.06.21 (day first).",
        after_help = "Examples:
  pathway grant pay 2021.021-1 --amount 5991.50 --date 30/06/21 --note \"Q1 instalment\"
  pathway grant pay 2021.027-1 --amount 3500 --date 2021-07-01"
    )]
    Pay {
        /// The grant's ref, e.g. 2021.021-1
        #[arg(value_name = "REF")]
        reference: String,
        /// The amount paid
        #[arg(long, value_name = "MONEY")]
        amount: Pence,
        /// The date paid [default: today]
        #[arg(long, value_name = "DATE")]
        date: Option<Date>,
        /// A note, e.g. "Q1 instalment"
        #[arg(long)]
        note: Option<String>,
    },

    /// Import grants (or with --payments, payments) from a CSV file
    #[command(
        long_about = IMPORT_HELP,
        after_help = "Examples:
  pathway grant import examples/grants.csv
  pathway grant import --payments examples/payments.csv
  pathway grant import grants.csv --skip-invalid --rejects rejected.csv"
    )]
    Import {
        #[command(flatten)]
        import: ImportArgs,
        /// The file holds payments (grant,paid_on,amount,note), not grants
        #[arg(long)]
        payments: bool,
    },

    /// Export grants (or with --payments, payments) as CSV, JSON or JSON Lines
    #[command(
        long_about = EXPORT_HELP,
        after_help = "Examples:
  pathway grant export > grants.csv
  pathway grant export --payments > payments.csv
  pathway grant export --360giving --prefix 360G-nottspcc --format json > grants-360giving.json"
    )]
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// Export the payments on the grants instead of the grants
        #[arg(long, conflicts_with = "threesixty")]
        payments: bool,
        /// Export as 360Giving open data: a JSON package with --format json,
        /// else CSV with the standard's column titles
        #[arg(long = "360giving", id = "threesixty")]
        threesixty: bool,
        /// The 360Giving publisher prefix, e.g. 360G-nottspcc (remembered in
        /// the database; else $PATHWAY_360G_PREFIX or the remembered one)
        #[arg(long, value_name = "PREFIX", requires = "threesixty")]
        prefix: Option<String>,
        /// The web address the 360Giving data is published at (its Data
        /// Source; remembered in the database)
        #[arg(long, value_name = "URL", requires = "threesixty")]
        data_source: Option<String>,
        /// The licence the data is published under, as a URL, e.g.
        /// https://creativecommons.org/licenses/by/4.0/ (remembered)
        #[arg(long, value_name = "URL", requires = "threesixty")]
        license: Option<String>,
        /// Run the 360Giving quality and usefulness checks instead of
        /// exporting: one finding per row with the grant it concerns; exit 1
        /// when there is a finding, 0 when clean
        #[arg(long, requires = "threesixty")]
        check: bool,
    },

    /// Record an organisation's 360Giving identifier (GB-CHC-…, GB-COH-…, GB-GOR-…)
    #[command(
        name = "org-id",
        long_about = ORG_ID_HELP,
        after_help = "Examples:
  pathway grant org-id \"Juno Women's Aid\" GB-CHC-1000001
  pathway grant org-id \"Nottinghamshire County Council\" GB-LAE-NTT
  pathway grant org-id \"Women's Breakfast Club\" 360G-nottspcc-WBC"
    )]
    OrgId {
        /// The organisation's name, as recorded
        name: String,
        /// Its identifier from the org-id register, or 360G-… when it has none
        identifier: String,
    },
}

const ORG_ID_HELP: &str = "Record the identifier 360Giving publishes for an organisation (a funder, \
recipient or intermediary), so that its grants can be linked to official registers and to other \
funders' grants. Accepted: an org-id register prefix then the organisation's number in that register:

  GB-CHC  charity in England and Wales (6 or 7 digits, e.g. GB-CHC-1164883)
  GB-SC   charity in Scotland          GB-NIC  charity in Northern Ireland
  GB-COH  company, 8 letters or digits with leading zeros (GB-COH-04325234)
  GB-GOR  government organisation      GB-LAE  local authority in England
  GB-LAS  local authority in Scotland  GB-PLA  principal local authority in Wales
  GB-NHS  NHS organisation             GB-EDU  educational establishment
  GB-MPR  mutual society

or, for an organisation with no registered number, 360G- then your publisher prefix's own \
reference (360G-nottspcc-WBC). Look numbers up on the Charity Commission, OSCR or Companies \
House registers, or at https://org-id.guide; never guess one. Charity and company numbers are \
also published on their own (Charity Number, Company Number).";

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The ref of the decision the grant is made under, e.g. 2021.021
    #[arg(long, value_name = "REF")]
    decision: String,
    /// Who receives the grant, e.g. "Juno Women's Aid"
    #[arg(long, value_name = "NAME")]
    recipient: String,
    /// The amount granted
    #[arg(long, value_name = "MONEY")]
    amount: Pence,
    /// The grant's own ref [default: <decision ref>-<n>, e.g. 2021.021-1]
    #[arg(long = "ref", value_name = "REF")]
    reference: Option<String>,
    /// Who pays [default: the decision's commissioner]
    #[arg(long, value_name = "NAME")]
    funder: Option<String>,
    /// Who the money passes through, e.g. "Nottinghamshire County Council"
    #[arg(long, value_name = "NAME")]
    intermediary: Option<String>,
    /// A title for the grant
    #[arg(long)]
    title: Option<String>,
    /// What the grant is for
    #[arg(long)]
    purpose: Option<String>,
    /// Conditions attached to the grant
    #[arg(long)]
    conditions: Option<String>,
    /// The first day the grant covers
    #[arg(long, value_name = "DATE")]
    start: Option<Date>,
    /// The last day the grant covers
    #[arg(long, value_name = "DATE")]
    end: Option<Date>,
    /// active, completed or cancelled [default: active]
    #[arg(long)]
    status: Option<GrantStatus>,
    /// Match funding from another funder (with --match-funder)
    #[arg(long, value_name = "MONEY", requires = "match_funder")]
    match_amount: Option<Pence>,
    /// Who provides the match funding, e.g. "National Probation Service"
    #[arg(long, value_name = "NAME", requires = "match_amount")]
    match_funder: Option<String>,
    #[command(flatten)]
    schedule: ScheduleArgs,
}

/// A grant's reporting schedule, for `report due`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Returns the grant asks for: monthly (each calendar month) or quarterly (each financial quarter)
    #[arg(long, value_name = "EVERY", value_parser = ["monthly", "quarterly"], requires = "due_days")]
    returns: Option<String>,
    /// Each return is due this many days after its period ends (with --returns)
    #[arg(long, value_name = "N", requires = "returns", value_parser = clap::value_parser!(u32).range(0..=366))]
    due_days: Option<u32>,
}

impl ScheduleArgs {
    fn schedule(&self) -> Option<rules::Schedule> {
        Some(rules::Schedule { returns: self.returns.clone()?, due_days: self.due_days? })
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only grants with this status: active, completed or cancelled
    #[arg(long)]
    status: Option<GrantStatus>,
    /// Only grants under decisions for this budget year, e.g. 2021/22
    #[arg(long, value_name = "YEAR")]
    budget_year: Option<BudgetYear>,
    /// Only grants under this commissioner's decisions
    #[arg(long, value_name = "NAME")]
    commissioner: Option<String>,
    /// Only grants to this recipient
    #[arg(long, value_name = "NAME")]
    recipient: Option<String>,
    /// Only grants under this decision
    #[arg(long, value_name = "REF")]
    decision: Option<String>,
    /// Only grants whose start..end overlaps the period: 2021-04, 2021/22, 2021/22-Q1 or
    /// 2021-04-01..2021-06-30 (both ends included)
    #[arg(long, value_name = "PERIOD")]
    period: Option<Period>,
}

impl From<FilterArgs> for Filter {
    fn from(a: FilterArgs) -> Filter {
        Filter {
            of: crate::domain::decision::Filter {
                status: a.status,
                budget_year: a.budget_year,
                commissioner: a.commissioner,
                recipient: a.recipient,
                period: a.period,
            },
            decision: a.decision,
        }
    }
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Add(a) => add(a, ctx),
        Command::Edit { reference, recipient, funder, intermediary, title, purpose, conditions, schedule } => {
            let e = rules::Edit {
                recipient: trimmed(recipient),
                funder: trimmed(funder),
                intermediary: trimmed(intermediary),
                title: trimmed(title),
                purpose: trimmed(purpose),
                conditions: trimmed(conditions),
            };
            let mut db = ctx.open()?;
            let sched = schedule.schedule();
            let w = rules::edit_scheduled(&mut db.conn, &reference, &e, sched.as_ref(), &ctx.command)?;
            for (name, kind) in &w.new_orgs {
                ctx.say(&format!("recorded {name} as a new {}{}", kind.as_str(), near_miss(&db, name)?));
            }
            if let Some(s) = &sched {
                ctx.say(&format!("grant {}: {}", w.reference, s.describe()));
            }
            if !w.changes.is_empty() {
                ctx.say(&format!("grant {}: changed {}", w.reference, w.changes.join("; ")));
            } else if sched.is_none() {
                ctx.say(&format!("grant {}: nothing changed", w.reference));
            }
            Ok(0)
        }
        Command::List(f) => list(f.into(), ctx),
        Command::Show { reference } => show(&reference, ctx),
        Command::Pay { reference, amount, date, note } => {
            let mut db = ctx.open()?;
            let paid_on = match date {
                Some(d) => d,
                None => crate::value::date::today().map_err(crate::error::usage)?,
            };
            let p = Payment { grant: reference, paid_on, amount, note: trimmed(note) };
            let paid = rules::pay(&mut db.conn, &p, &ctx.command)?;
            ctx.say(&format!(
                "grant {}: paid {} on {}; {} paid to date, {} outstanding",
                paid.grant,
                paid.amount.pretty(),
                p.paid_on,
                paid.paid_to_date.pretty(),
                paid.outstanding.pretty()
            ));
            Ok(0)
        }
        Command::Import { import: a, payments } => {
            let mut db = ctx.open()?;
            let opts = a.options(ctx);
            if payments {
                let s = import::grant::run_payments(&mut db, &opts, &ctx.command)?;
                report_summary(ctx, &s, "payments")
            } else {
                let s = import::grant::run(&mut db, &opts, &ctx.command)?;
                report_summary(ctx, &s, "grants")
            }
        }
        Command::Export { filter, threesixty: true, prefix, data_source, license, check, .. } => {
            giving(filter.into(), Giving { prefix, data_source, license, check }, ctx)
        }
        Command::OrgId { name, identifier } => {
            let mut db = ctx.open()?;
            let id = crate::domain::threesixty::set_org_id(&mut db.conn, &name, &identifier, &ctx.command)?;
            ctx.say(&format!("{}: 360Giving identifier {id}", name.trim()));
            Ok(0)
        }
        Command::Export { filter, payments, .. } => export(filter.into(), payments, ctx),
    }
}

fn add(a: AddArgs, ctx: &mut Ctx) -> Result<u8> {
    let g = GrantInput {
        reference: trimmed(a.reference),
        decision: a.decision.trim().to_string(),
        funder: trimmed(a.funder),
        recipient: a.recipient.trim().to_string(),
        intermediary: trimmed(a.intermediary),
        title: trimmed(a.title),
        purpose: trimmed(a.purpose),
        conditions: trimmed(a.conditions),
        amount: a.amount,
        start_on: a.start,
        end_on: a.end,
        status: a.status,
        match_amount: a.match_amount,
        match_funder: trimmed(a.match_funder),
    };
    let mut db = ctx.open()?;
    let sched = a.schedule.schedule();
    let w = rules::add_scheduled(&mut db.conn, &g, sched.as_ref(), &ctx.command)?;
    for (name, kind) in &w.new_orgs {
        ctx.say(&format!("recorded {name} as a new {}{}", kind.as_str(), near_miss(&db, name)?));
    }
    ctx.say(&format!(
        "recorded grant {}: {} to {} under decision {} ({} left to grant under it)",
        w.reference,
        g.amount.pretty(),
        g.recipient,
        g.decision,
        w.left_to_grant.pretty()
    ));
    if let Some(s) = &sched {
        ctx.say(&format!("grant {}: {}", w.reference, s.describe()));
    }
    Ok(0)
}

fn list(filter: Filter, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let mut out = ctx.out();
    let mut rows = out.rows(shown::LIST_COLUMNS)?;
    rules::list(&db.conn, &filter, |l: Listed| rows.push(shown::list_cells(&l)))?;
    rows.finish()?;
    Ok(0)
}

fn export(filter: Filter, payments: bool, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let mut out = ctx.export_out();
    if payments {
        let mut rows = out.rows(&import::grant::payment_column_names())?;
        rules::payments(&db.conn, &filter, |p| rows.push(shown::payment_cells(&p)))?;
        rows.finish()?;
    } else {
        let mut rows = out.rows(&import::grant::column_names())?;
        rules::list(&db.conn, &filter, |l| rows.push(shown::export_cells(&l.grant)))?;
        rows.finish()?;
    }
    Ok(0)
}

/// The 360Giving options of `grant export`.
struct Giving {
    prefix: Option<String>,
    data_source: Option<String>,
    license: Option<String>,
    check: bool,
}

fn giving(filter: Filter, opts: Giving, ctx: &mut Ctx) -> Result<u8> {
    let mut db = ctx.open()?;
    let env = std::env::var("PATHWAY_360G_PREFIX").ok();
    let prefix = rules::prefix(&mut db.conn, opts.prefix.as_deref(), env.as_deref(), &ctx.command)?;
    crate::domain::threesixty::remember(
        &mut db.conn,
        opts.data_source.as_deref(),
        opts.license.as_deref(),
        &ctx.command,
    )?;
    let g = rules::giving(&db.conn, &filter, &prefix)?;
    if opts.check {
        return giving_check(&g, ctx);
    }
    if g.left_out > 0 {
        ctx.say(&format!(
            "left out {} grant(s) whose decision is not approved yet (360Giving publishes awarded grants)",
            g.left_out
        ));
    }
    emit(&GivingExport(&g), &mut ctx.export_out())?;
    Ok(0)
}

/// `grant export --360giving --check`: the findings, one a row; exit 1
/// when there is one.
fn giving_check(g: &rules::Giving, ctx: &mut Ctx) -> Result<u8> {
    let today = crate::value::date::today().map_err(crate::error::usage)?;
    let findings = crate::domain::threesixty::check(&g.package(), today);
    emit(&Findings(&findings), &mut ctx.out())?;
    let checks = crate::domain::threesixty::CHECKS.len();
    if findings.is_empty() {
        ctx.say(&format!("360Giving checks: {checks} checks, no findings in {} grant(s)", g.grants.len()));
        Ok(0)
    } else {
        ctx.say(&format!(
            "360Giving checks: {} finding(s) in {} grant(s); put them right before publishing",
            findings.len(),
            g.grants.len()
        ));
        Ok(1)
    }
}

fn show(reference: &str, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let d = rules::show(&db.conn, reference)?;
    let reporting = rules::schedule(&db.conn, &d.grant.reference)?.map(|s| s.describe());
    emit(&GrantShown { detail: &d, reporting }, &mut ctx.out())?;
    Ok(0)
}
