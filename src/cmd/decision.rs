//! `pathway decision add|list|show|set-status|edit|import|export`:
//! commissioners' decisions (Notices of Decision).

use crate::app::Ctx;
use crate::cmd::{report_summary, ImportArgs};
use crate::db::Db;
use crate::domain::decision::{self as rules, Approval, BudgetYear, Decision, Edit, Filter, Listed};
use crate::import;
use crate::output::decision::{self as shown, DecisionShown};
use crate::output::emit;
use crate::value::names::{DecisionStatus, SpendType};
use crate::value::{Clearable, Date, Pence, Period};
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  pathway decision add --ref 2021.021 --commissioner \"Nottinghamshire OPCC\" \\
    --title \"Domestic Abuse Partnership Car Pilot\" --amount \"£47,013\" --received 09.03.21 \\
    --fund \"Community Safety Grant\" --spend revenue --budget-year 2021/22
  pathway decision set-status 2021.021 approved --date 16/3/21
  pathway decision list --budget-year 2021/22 --format csv";

const SET_STATUS_HELP: &str = "Move a decision along its lifecycle:

  draft ──> submitted ──> approved | rejected | withdrawn
  draft ──> withdrawn

approved, rejected and withdrawn are final. `approved` needs the decision date (--date); for \
`rejected` --date is the decision date too, for `submitted` it is the date received. A decision \
recorded with `decision add --received` is submitted already, so it can be approved at once. \
Setting the status a decision already has does nothing.

Dates: 2021-03-16, 16/03/2021, 16/3/21 or 16.03.21 (day first).";

const IMPORT_HELP: &str = "Import decisions from a CSV file with a header row.

Columns (any order; those marked * are required):
  ref*                   the decision's ref, e.g. 2021.021 (rows are matched on it)
  commissioner*          e.g. Nottinghamshire OPCC (recorded if new)
  title*
  summary, author        text (author: an office, e.g. Office of the PCC)
  received_on            the date received
  decided_on             the date decided (required when approved)
  status                 draft, submitted, approved, rejected or withdrawn; empty: approved
                         with decided_on, else submitted with received_on, else draft
  amount*                e.g. 47013, £47,013 or 47013.00
  funding_source         e.g. Community Safety Grant
  spend_type             revenue, capital or both
  budget_year            e.g. 2021/22
  confidential           yes or no (empty: no, unless a category is given)
  confidential_category  the category number from the commissioner's guidance
  approvals              officer approvals as ROLE=DATE;ROLE=DATE, e.g.
                         Chief Finance Officer=2021-03-10;Chief Executive=2021-03-15

Dates: 2021-03-09, 09/03/2021, 9/3/21 or 09.03.21 (day first).

These are the columns `decision export` writes, so export → import round-trips. A column \
left out of the file counts as empty, and an empty cell where a value is recorded is refused \
unless --allow-clear (which clears it); an empty status or confidential keeps the recorded one. \
A row with another commissioner than the recorded decision is refused, and so are two rows \
that describe one decision differently, and a new ref that a spreadsheet could have made from \
a recorded one (2021.01 from 2021.010). --dry-run lists every change and writes nothing.

A row whose ref is recorded already updates that decision (its status only along the \
lifecycle, its amount never below its grants); an identical row changes nothing, so importing \
the same file twice adds nothing. Any invalid row: nothing is imported, and every error is \
listed as FILE:LINE: column: message (exit 65). With --skip-invalid the good rows are \
imported and the bad ones written to --rejects FILE with an error column.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record a decision
    #[command(
        long_about = "Record a commissioner's decision (a Notice of Decision).\n\n\
Status: a new decision starts as `draft`; as `submitted` when --received is given \
(the notice has reached the commissioner's office); as `approved` when --decided is \
given. --status sets it outright (an approved decision needs --decided). Afterwards \
the status moves only along draft → submitted → approved, rejected or withdrawn \
(a draft may also be withdrawn): see `pathway decision set-status --help`.\n\n\
The commissioner is recorded as an organisation the first time it is named.\n\n\
Money: 47013, 47,013, £47,013 or 47013.00. Dates: 2021-03-09, 09/03/2021, 9/3/21 \
or 09.03.21 (day first). Budget year: 2021/22.",
        after_help = "Examples:
  pathway decision add --ref 2021.021 --commissioner \"Nottinghamshire OPCC\" \\
    --title \"Domestic Abuse Partnership Car Pilot\" --amount \"£47,013\" --received 09.03.21 \\
    --fund \"Community Safety Grant\" --spend revenue --budget-year 2021/22
  pathway decision add --ref 2021.027 --commissioner \"Nottinghamshire OPCC\" \\
    --title \"Supported Accommodation: Women in the CJS\" --amount 14000 --received 15.03.21 \\
    --approval \"Chief Finance Officer=16/03/21\"
  pathway decision add --ref \"DMPCD 2015 116\" --commissioner MOPAC --amount 500000 \\
    --title \"Joint commission of a service for female offenders\" --decided 21/12/2015"
    )]
    Add(AddArgs),

    /// List decisions, with what is granted under each
    #[command(after_help = "Examples:
  pathway decision list
  pathway decision list --status approved --budget-year 2021/22
  pathway decision list --commissioner \"Nottinghamshire OPCC\" --period 2021/22-Q4 --format json")]
    List(FilterArgs),

    /// Show one decision: its fields, officer approvals and grants
    #[command(after_help = "Examples:
  pathway decision show 2021.021
  pathway decision show \"DMPCD 2015 116\" --format json")]
    Show {
        /// The decision's ref, e.g. 2021.021
        #[arg(value_name = "REF")]
        reference: String,
    },

    /// Move a decision along its lifecycle (submitted, approved, rejected, withdrawn)
    #[command(
        name = "set-status",
        long_about = SET_STATUS_HELP,
        after_help = "Examples:
  pathway decision set-status 2021.021 approved --date 16/3/21
  pathway decision set-status 2021.027 submitted --date 15.03.21
  pathway decision set-status 2021.030 withdrawn"
    )]
    SetStatus {
        /// The decision's ref, e.g. 2021.021
        #[arg(value_name = "REF")]
        reference: String,
        /// The new status: submitted, approved, rejected or withdrawn
        status: DecisionStatus,
        /// The decision date (approved, rejected) or the date received (submitted)
        #[arg(long, value_name = "DATE")]
        date: Option<Date>,
    },

    /// Change a decision's fields (not its status: see set-status)
    #[command(
        long_about = "Change a decision's fields. Only the options given change. The amount \
may not drop below what is already granted under the decision. Give none to clear a \
text field (--summary none). The status changes only with set-status.",
        after_help = "Examples:
  pathway decision edit 2021.021 --title \"Domestic Abuse Partnership Car Pilot\" --amount 47013
  pathway decision edit 2021.021 --approval \"Chief Executive=15/3/21\"
  pathway decision edit 2021.027 --summary \"Supported housing pilot, match funded by the NPS\""
    )]
    Edit(EditArgs),

    /// Import decisions from a CSV file (all or nothing; safe to repeat)
    #[command(
        long_about = IMPORT_HELP,
        after_help = "Examples:
  pathway decision import examples/decisions.csv
  pathway decision import decisions.csv --skip-invalid --rejects rejected.csv
  pathway decision export --format csv > decisions.csv"
    )]
    Import(ImportArgs),

    /// Export decisions as CSV (the import's columns), JSON or JSON Lines
    #[command(
        long_about = "Export decisions with exactly the columns `decision import` reads \
(see `pathway decision import --help`), as CSV unless --format json or jsonl is given. \
The list filters apply.",
        after_help = "Examples:
  pathway decision export > decisions.csv
  pathway decision export --budget-year 2021/22 --format json"
    )]
    Export(FilterArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The decision's ref, e.g. 2021.021 or "DMPCD 2015 116"
    #[arg(long = "ref", value_name = "REF")]
    reference: String,
    /// The commissioner taking the decision, e.g. "Nottinghamshire OPCC"
    #[arg(long, value_name = "NAME")]
    commissioner: String,
    /// The notice's title
    #[arg(long)]
    title: String,
    /// The total amount approved, e.g. "£47,013"
    #[arg(long, value_name = "MONEY")]
    amount: Pence,
    /// A short executive summary
    #[arg(long)]
    summary: Option<String>,
    /// Who wrote the notice (an office or role, e.g. "Office of the PCC")
    #[arg(long)]
    author: Option<String>,
    /// The date the notice was received, e.g. 09.03.21
    #[arg(long, value_name = "DATE")]
    received: Option<Date>,
    /// The date it was decided (approved or rejected), e.g. 16/3/21
    #[arg(long, value_name = "DATE")]
    decided: Option<Date>,
    /// The starting status [default: approved with --decided, submitted with --received, else draft]
    #[arg(long)]
    status: Option<DecisionStatus>,
    /// The funding source, e.g. "Community Safety Grant"
    #[arg(long = "fund", value_name = "SOURCE")]
    fund: Option<String>,
    /// Revenue, capital or both
    #[arg(long = "spend", value_name = "TYPE")]
    spend: Option<SpendType>,
    /// The budget year, e.g. 2021/22
    #[arg(long, value_name = "YEAR")]
    budget_year: Option<BudgetYear>,
    /// Some supporting information is confidential
    #[arg(long)]
    confidential: bool,
    /// The confidentiality category from the guidance (implies --confidential)
    #[arg(long, value_name = "CATEGORY")]
    confidential_category: Option<String>,
    /// An officer's approval as ROLE=DATE (repeatable), e.g. "Chief Finance Officer=10/03/21"
    #[arg(long = "approval", value_name = "ROLE=DATE")]
    approvals: Vec<Approval>,
}

#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The decision's ref, e.g. 2021.021
    #[arg(value_name = "REF")]
    reference: String,
    #[arg(long, value_name = "NAME")]
    /// A new commissioner
    commissioner: Option<String>,
    /// A new title
    #[arg(long)]
    title: Option<String>,
    /// A new amount (not below what is granted under the decision)
    #[arg(long, value_name = "MONEY")]
    amount: Option<Pence>,
    /// A new summary (none clears it)
    #[arg(long)]
    summary: Option<Clearable<String>>,
    /// A new author (none clears it)
    #[arg(long)]
    author: Option<Clearable<String>>,
    /// The date received
    #[arg(long, value_name = "DATE")]
    received: Option<Date>,
    /// The decision date (approved or rejected decisions only)
    #[arg(long, value_name = "DATE")]
    decided: Option<Date>,
    /// The funding source (none clears it)
    #[arg(long = "fund", value_name = "SOURCE")]
    fund: Option<Clearable<String>>,
    /// Revenue, capital or both
    #[arg(long = "spend", value_name = "TYPE")]
    spend: Option<SpendType>,
    /// The budget year, e.g. 2021/22
    #[arg(long, value_name = "YEAR")]
    budget_year: Option<BudgetYear>,
    /// Mark as confidential
    #[arg(long, conflicts_with = "not_confidential")]
    confidential: bool,
    /// Mark as not confidential (clears the category)
    #[arg(long)]
    not_confidential: bool,
    /// The confidentiality category (implies --confidential; none clears it)
    #[arg(long, value_name = "CATEGORY")]
    confidential_category: Option<Clearable<String>>,
    /// Add or replace an officer's approval as ROLE=DATE (repeatable)
    #[arg(long = "approval", value_name = "ROLE=DATE")]
    approvals: Vec<Approval>,
    /// Remove the approval by ROLE (repeatable)
    #[arg(long = "remove-approval", value_name = "ROLE")]
    remove_approvals: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only decisions with this status
    #[arg(long)]
    status: Option<DecisionStatus>,
    /// Only decisions for this budget year, e.g. 2021/22
    #[arg(long, value_name = "YEAR")]
    budget_year: Option<BudgetYear>,
    /// Only this commissioner's decisions
    #[arg(long, value_name = "NAME")]
    commissioner: Option<String>,
    /// Only decisions with a grant to this recipient
    #[arg(long, value_name = "NAME")]
    recipient: Option<String>,
    /// Only decisions decided or received in the period: 2021-04, 2021/22, 2021/22-Q1 or
    /// 2021-04-01..2021-06-30 (both ends included)
    #[arg(long, value_name = "PERIOD")]
    period: Option<Period>,
}

impl From<FilterArgs> for Filter {
    fn from(a: FilterArgs) -> Filter {
        Filter {
            status: a.status,
            budget_year: a.budget_year,
            commissioner: a.commissioner,
            recipient: a.recipient,
            period: a.period,
        }
    }
}

fn empty_is_none(s: Option<String>) -> Option<Option<String>> {
    s.map(|s| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_string())
    })
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Add(a) => add(a, ctx),
        Command::List(f) => list(f.into(), ctx),
        Command::Show { reference } => show(&reference, ctx),
        Command::SetStatus { reference, status, date } => {
            let mut db = ctx.open()?;
            let change = rules::set_status(&mut db.conn, &reference, status, date, &ctx.command)?;
            if change.changed {
                ctx.say(&format!("decision {reference}: {} → {}", change.from, change.to));
            } else {
                ctx.say(&format!("decision {reference} is {} already; nothing changed", change.to));
            }
            Ok(0)
        }
        Command::Edit(a) => edit(a, ctx),
        Command::Import(a) => {
            let mut db = ctx.open()?;
            let summary = import::decision::run(&mut db, &a.options(ctx), &ctx.command)?;
            report_summary(ctx, &summary, "decisions")
        }
        Command::Export(f) => export(f.into(), ctx),
    }
}

fn add(a: AddArgs, ctx: &mut Ctx) -> Result<u8> {
    let confidential_category = empty_is_none(a.confidential_category).flatten();
    let mut approvals = a.approvals;
    approvals.sort();
    let d = Decision {
        reference: a.reference.trim().to_string(),
        commissioner: a.commissioner.trim().to_string(),
        title: a.title.trim().to_string(),
        summary: empty_is_none(a.summary).flatten(),
        author: empty_is_none(a.author).flatten(),
        received_on: a.received,
        decided_on: a.decided,
        status: a.status.unwrap_or_else(|| rules::default_status(a.received, a.decided)),
        amount: a.amount,
        funding_source: empty_is_none(a.fund).flatten(),
        spend_type: a.spend,
        budget_year: a.budget_year,
        confidential: a.confidential || confidential_category.is_some(),
        confidential_category,
        approvals,
    };
    if let Some(dup) = duplicate_role(&d.approvals) {
        return Err(crate::error::usage(format!("--approval for {dup:?} is given twice")));
    }
    let mut db = ctx.open()?;
    let w = rules::add(&mut db.conn, &d, &ctx.command)?;
    for o in &w.new_orgs {
        ctx.say(&format!("recorded {o} as a new commissioner{}", near_miss(&db, o)?));
    }
    ctx.say(&format!("recorded decision {} ({}): {}", d.reference, d.status, d.amount.pretty()));
    Ok(0)
}

fn duplicate_role(a: &[Approval]) -> Option<&str> {
    a.windows(2).find(|w| w[0].role.eq_ignore_ascii_case(&w[1].role)).map(|w| w[0].role.as_str())
}

/// ", which is close to 'X': check the spelling" for a newly recorded name.
pub(crate) fn near_miss(db: &Db, name: &str) -> Result<String> {
    let names = crate::db::org::names(&db.conn)?;
    let others = names.iter().map(String::as_str).filter(|n| !n.eq_ignore_ascii_case(name));
    Ok(match crate::error::closest(name, others) {
        Some(k) => format!(" (close to the recorded '{k}': check the spelling)"),
        None => String::new(),
    })
}

fn edit(a: EditArgs, ctx: &mut Ctx) -> Result<u8> {
    let e = Edit {
        commissioner: a.commissioner,
        title: a.title,
        summary: a.summary.map(Clearable::text),
        author: a.author.map(Clearable::text),
        received_on: a.received,
        decided_on: a.decided,
        amount: a.amount,
        funding_source: a.fund.map(Clearable::text),
        spend_type: a.spend,
        budget_year: a.budget_year,
        confidential: if a.confidential {
            Some(true)
        } else if a.not_confidential {
            Some(false)
        } else {
            None
        },
        confidential_category: a.confidential_category.map(Clearable::text),
        approvals: a.approvals,
        remove_approvals: a.remove_approvals,
    };
    let mut db = ctx.open()?;
    let w = rules::edit(&mut db.conn, &a.reference, &e, &ctx.command)?;
    for o in &w.new_orgs {
        ctx.say(&format!("recorded {o} as a new commissioner{}", near_miss(&db, o)?));
    }
    if w.changes.is_empty() {
        ctx.say(&format!("decision {}: nothing changed", a.reference));
    } else {
        ctx.say(&format!("decision {}: {}", a.reference, w.changes.join("; ")));
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

fn export(filter: Filter, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let mut out = ctx.export_out();
    let columns = import::decision::column_names();
    let mut rows = out.rows(&columns)?;
    rules::list(&db.conn, &filter, |l| rows.push(shown::export_cells(&l.decision)))?;
    rows.finish()?;
    Ok(0)
}

fn show(reference: &str, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let detail = rules::show(&db.conn, reference)?;
    emit(&DecisionShown(&detail), &mut ctx.out())?;
    Ok(0)
}
