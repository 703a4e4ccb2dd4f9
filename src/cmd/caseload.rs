//! `pathway caseload`: key workers, support tiers and cases (open, retier,
//! close, list, import, export), and assessments on cases.

use crate::app::Ctx;
use crate::cmd::report_summary;
use crate::db::caseload::CaseLine;
use crate::domain::assessment::AssessInput;
use crate::domain::caseload::{self as dom, CaseId, CaseInput, Hours, ListOptions, WorkerEdit, WorkerInput};
use crate::import;
use crate::output::caseload as shown;
use crate::value::names::{CaseOutcome, Pathway, Stage};
use crate::value::Date;
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  pathway caseload worker add --code KW01 --capacity 37.5
  pathway caseload open --client BC-0001 --worker KW01 --service \"Beth Centre\" \\
    --tier T2 --opened 12/04/21 --ref C-0001
  pathway caseload retier C-0001 --tier T3 --from 01/06/21
  pathway caseload close C-0001 --closed 30/09/21 --reason \"Moved out of area\" --outcome positive
  pathway caseload list --worker KW01 --as-of 2021-07-01";

/// Key workers' caseloads: cases opened, retiered and closed at a tier
///
/// A case is one woman on one key worker's caseload at one service. Its
/// support tier sets the hours a week it takes (the Nottinghamshire model:
/// T1 2.5 h, T2 5 h, T3 10 h; a mix of tiers fills one full-time worker).
/// Tier changes are kept as history, so the hours in any past period can be
/// worked out. A case is open on a day when it opened on or before that day
/// and was not closed on or before it.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Open(OpenArgs),
    Retier(RetierArgs),
    Close(CloseArgs),
    Assess(AssessArgs),
    Assessments(AssessmentsArgs),
    List(ListArgs),
    Import(CaseImportArgs),
    Export(ExportArgs),
    Worker(WorkerArgs),
    Tier(TierArgs),
}

fn tier_code(s: &str) -> Result<String, String> {
    dom::check_tier_code(s)
}

fn worker_code(s: &str) -> Result<String, String> {
    dom::check_worker_code(s)
}

/// Open a case: a woman joins a key worker's caseload at a support tier.
///
/// A client_ref seen for the first time is recorded (a pseudonymous
/// reference such as BC-0001: never a name or a date of birth). The worker,
/// service and tier must exist already. A woman can have only one open case
/// at a service, and a new case must not overlap an earlier one of hers at
/// the same service.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload open --client BC-0001 --worker KW01 --service \"Beth Centre\" \\
    --tier T2 --opened 12/04/21 --ref C-0001
  pathway caseload open --client BC-0002 --worker KW02 --service \"Southwark spoke\" \\
    --tier T1 --opened 2021-04-19")]
pub struct OpenArgs {
    /// The woman's pseudonymous client_ref (e.g. BC-0001)
    #[arg(long, value_name = "CLIENT_REF")]
    pub client: String,
    /// The key worker's code (e.g. KW01)
    #[arg(long, value_name = "CODE")]
    pub worker: String,
    /// The service, by name (e.g. "Beth Centre")
    #[arg(long, value_name = "NAME")]
    pub service: String,
    /// The support tier at opening: T1, T2, T3 or another tier you added
    #[arg(long, value_name = "TIER", value_parser = tier_code)]
    pub tier: String,
    /// The day the case opened: 2021-04-12, 12/04/2021, 12/4/21 or 12.04.21 (day first)
    #[arg(long, value_name = "DATE")]
    pub opened: Date,
    /// Your own reference for the case (e.g. C-0001); without one, the case is
    /// known as #<id>
    #[arg(long = "ref", value_name = "REF")]
    pub ref_: Option<String>,
}

/// Change a case's tier from a day on.
///
/// The earlier tier stays in the history, so reports for past periods still
/// count the hours the case took then. The day must be after the case opened
/// and after its last tier change, and not after it closed.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload retier C-0001 --tier T3 --from 01/06/21
  pathway caseload retier '#12' --tier T1 --from 2021-09-01")]
pub struct RetierArgs {
    /// The case: its ref (e.g. C-0001) or # and its id (e.g. #12)
    #[arg(value_name = "CASE")]
    pub case: CaseId,
    /// The new tier
    #[arg(long, value_name = "TIER", value_parser = tier_code)]
    pub tier: String,
    /// The first day at the new tier: 2021-06-01, 01/06/2021 or 1/6/21 (day first)
    #[arg(long, value_name = "DATE")]
    pub from: Date,
}

/// Close a case with its reason and outcome.
///
/// The closing day must be on or after the day it opened (and its last tier
/// change). The case no longer counts as open from the closing day on.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload close C-0001 --closed 30/09/21 --reason \"Moved out of area\" \\
    --outcome positive
  pathway caseload close '#12' --closed 2022-01-14 --outcome neutral")]
pub struct CloseArgs {
    /// The case: its ref (e.g. C-0001) or # and its id (e.g. #12)
    #[arg(value_name = "CASE")]
    pub case: CaseId,
    /// The closing day: 2021-09-30, 30/09/2021 or 30/9/21 (day first)
    #[arg(long, value_name = "DATE")]
    pub closed: Date,
    /// Why it closed, in a few words (no personal detail), e.g. "Moved out of area"
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// How it ended: positive, neutral or negative
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: CaseOutcome,
}

/// Record an assessment: a woman's score on one resettlement pathway.
///
/// The pathways: accommodation, education_training_employment, health,
/// drugs_alcohol, finance_benefit_debt, children_families,
/// attitudes_thinking_behaviour, abuse (domestic or sexual abuse, rape),
/// sex_work. The score is 1 to 10 (10 best, the scale of the Outcome Star
/// family). The day must be within the case (not before it opened, not
/// after it closed) and not after today; a woman has at most one
/// assessment on a pathway on a day, across her cases. A woman has
/// progressed on a pathway when her latest score on it is higher than her
/// first (see "What the numbers in a return mean" in the README).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload assess C-0001 --pathway accommodation --date 12/04/21 --score 3 --stage start
  pathway caseload assess '#12' --pathway health --date 2021-07-01 --score 6")]
pub struct AssessArgs {
    /// The case: its ref (e.g. C-0001) or # and its id (e.g. #12)
    #[arg(value_name = "CASE")]
    pub case: CaseId,
    /// The pathway (e.g. accommodation, health, abuse)
    #[arg(long, value_name = "PATHWAY")]
    pub pathway: Pathway,
    /// The day of the assessment: 2021-04-12, 12/04/2021 or 12/4/21 (day first)
    #[arg(long, value_name = "DATE")]
    pub date: Date,
    /// The score, a whole number from 1 to 10 (10 best)
    #[arg(long, value_name = "N", value_parser = score)]
    pub score: i64,
    /// The stage: start, review or exit
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<Stage>,
}

fn score(s: &str) -> Result<i64, String> {
    crate::domain::assessment::parse_score(s)
}

/// List assessments, of every case or of one.
///
/// Columns: case,pathway,assessed_on,score,stage, the columns of
/// `caseload import --assessments`, so `--format csv` gives a file that
/// imports back.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload assessments --case C-0001
  pathway caseload assessments --format csv > assessments.csv")]
pub struct AssessmentsArgs {
    /// Only this case's assessments: its ref or # and its id
    #[arg(long, value_name = "CASE")]
    pub case: Option<CaseId>,
}

/// List cases, optionally as they stood on a day.
///
/// Columns: id, ref, client_ref, worker, service, tier, hours_per_week,
/// opened_on, closed_on, close_reason, outcome. The tier is the case's latest
/// tier, or with --as-of its tier on that day.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload list --open --worker KW01
  pathway caseload list --as-of 2021-07-01 --service \"Beth Centre\"
  pathway caseload list --closed --format csv > closed.csv")]
pub struct ListArgs {
    /// Only this worker's cases
    #[arg(long, value_name = "CODE")]
    pub worker: Option<String>,
    /// Only cases at this service
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Only cases at this tier (now, or on the --as-of day)
    #[arg(long, value_name = "TIER", value_parser = tier_code)]
    pub tier: Option<String>,
    /// Only cases still open
    #[arg(long, conflicts_with_all = ["closed", "as_of"])]
    pub open: bool,
    /// Only closed cases
    #[arg(long, conflicts_with = "as_of")]
    pub closed: bool,
    /// Only cases open on this day (opened on or before it, not closed on or
    /// before it), each with its tier on that day
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Only this woman's cases, by client_ref
    #[arg(long, value_name = "CLIENT_REF")]
    pub client: Option<String>,
}

/// Import cases from a CSV file (or, with --tiers, tier changes).
///
/// Case columns:
/// client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref
///
/// Required: client_ref, worker, service, tier (the tier at opening) and
/// opened_on. A closed case has closed_on and an outcome (positive, neutral or
/// negative), and may have a close_reason; an open case has none of them.
/// Workers, services and tiers must exist already; an unknown one is an error
/// that names the closest known one.
///
/// Tier change columns (--tiers): ref,client_ref,service,opened_on,from_on,tier
/// (the case by its ref, else by client_ref, service and opened_on).
///
/// Assessment columns (--assessments): case,pathway,assessed_on,score,stage
/// (the case by its ref or #id; stage may be empty). A row matches a
/// recorded assessment on case, pathway and assessed_on: a changed score or
/// stage is an update.
///
/// All or nothing: a file with any invalid row writes nothing and lists the
/// errors as FILE:LINE: column: message (exit 65), unless --skip-invalid.
/// Importing the same file again adds nothing: a row matches a recorded case
/// by ref where given, else by client_ref, service and opened_on; a row that
/// closes a case recorded as open counts as updated.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload import examples/cases.csv
  pathway caseload import --tiers examples/retiers.csv
  pathway caseload import --assessments examples/assessments.csv
  pathway caseload import cases.csv --skip-invalid --rejects rejected.csv")]
pub struct CaseImportArgs {
    #[command(flatten)]
    pub import: crate::cmd::ImportArgs,
    /// The file holds tier changes, not cases
    #[arg(long)]
    pub tiers: bool,
    /// The file holds assessments, not cases
    #[arg(long, conflicts_with = "tiers")]
    pub assessments: bool,
}

/// Export cases (or, with --tiers, tier changes) as CSV, ready to import.
///
/// The import's columns in the import's order, so export → import → export
/// gives the same file. CSV unless --format json or jsonl is given.
///
/// Cases (tier is the tier at opening):
/// client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref
///
/// Tier changes (a case with a ref is named by it alone):
/// ref,client_ref,service,opened_on,from_on,tier
///
/// Assessments: case,pathway,assessed_on,score,stage
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload export > cases.csv
  pathway caseload export --tiers > retiers.csv
  pathway caseload export --assessments > assessments.csv")]
pub struct ExportArgs {
    /// Export tier changes instead of cases
    #[arg(long)]
    pub tiers: bool,
    /// Export assessments instead of cases
    #[arg(long, conflicts_with = "tiers")]
    pub assessments: bool,
}

/// Key workers and their weekly capacity in hours.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload worker add --code KW01
  pathway caseload worker add --code KW06 --capacity 22.5
  pathway caseload worker list")]
pub struct WorkerArgs {
    #[command(subcommand)]
    pub command: WorkerCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkerCommand {
    Add(WorkerAddArgs),
    List(WorkerListArgs),
    Edit(WorkerEditArgs),
    /// Import key workers from CSV.
    ///
    /// Columns: code,name,capacity_hours,active (name, capacity_hours (default
    /// 37.5) and active (yes/no, default yes) may be empty or absent). A worker
    /// is matched on code; importing the same file twice changes nothing.
    #[command(after_help = "\
Examples:
  pathway caseload worker import examples/workers.csv
  pathway caseload worker list --format csv > workers.csv")]
    Import(crate::cmd::ImportArgs),
    Export(WorkerExportArgs),
}

/// Export key workers with exactly the import's columns.
///
/// Columns: code,name,capacity_hours,active, the columns of `caseload
/// worker import`, so the file imports back as it is. CSV unless
/// --format json or jsonl is given.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload worker export > workers.csv
  pathway caseload worker export | pathway --db copy.db caseload worker import -")]
pub struct WorkerExportArgs {}

/// List key workers.
///
/// Columns: code, name, capacity_hours, active: the columns of `worker
/// import`, so `--format csv` gives a file that imports back.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload worker list
  pathway caseload worker list --format csv > workers.csv")]
pub struct WorkerListArgs {}

/// Add a key worker.
///
/// A code is enough (e.g. KW01): a display name is optional, and staff
/// names are personal data too, so leave it out unless you need it.
/// Capacity is the hours a week the worker gives to casework: 37.5 is full
/// time (the default), 22.5 a typical part-time post.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload worker add --code KW01
  pathway caseload worker add --code KW06 --capacity 22.5")]
pub struct WorkerAddArgs {
    /// The worker's code: 1 to 16 letters, digits, - or _ (e.g. KW01)
    #[arg(long, value_name = "CODE", value_parser = worker_code)]
    pub code: String,
    /// A display name (optional; a code is enough)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Weekly capacity in hours: 37.5 full time, 22.5 part time
    #[arg(long, value_name = "HOURS", default_value = "37.5")]
    pub capacity: Hours,
    /// Record the worker as not active (cannot take open cases)
    #[arg(long)]
    pub inactive: bool,
}

/// Change a key worker.
///
/// An inactive worker keeps the cases she holds but cannot take new open
/// cases.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload worker edit KW06 --capacity 30
  pathway caseload worker edit KW03 --inactive")]
pub struct WorkerEditArgs {
    /// The worker's current code
    #[arg(value_name = "CODE")]
    pub worker: String,
    /// A new code
    #[arg(long, value_name = "CODE", value_parser = worker_code)]
    pub code: Option<String>,
    /// A new display name
    #[arg(long, value_name = "NAME", conflicts_with = "no_name")]
    pub name: Option<String>,
    /// Remove the display name
    #[arg(long)]
    pub no_name: bool,
    /// A new weekly capacity in hours (37.5 full time, 22.5 part time)
    #[arg(long, value_name = "HOURS")]
    pub capacity: Option<Hours>,
    /// Mark the worker active
    #[arg(long, conflicts_with = "inactive")]
    pub active: bool,
    /// Mark the worker inactive
    #[arg(long)]
    pub inactive: bool,
}

/// Support tiers and their weekly hours.
///
/// The defaults are the Nottinghamshire model: T1 2.5, T2 5 and T3 10 hours
/// a week. A tier's hours apply to every period, past ones included: changing
/// them changes committed hours in earlier reports too.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload tier list
  pathway caseload tier set T2 --hours 6
  pathway caseload tier set T4 --hours 15 --description \"Tier 4: intensive\"")]
pub struct TierArgs {
    #[command(subcommand)]
    pub command: TierCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TierCommand {
    List(TierListArgs),
    Set(TierSetArgs),
}

/// List support tiers and their weekly hours.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload tier list
  pathway caseload tier list --format json")]
pub struct TierListArgs {}

/// Add a tier or change its weekly hours.
///
/// Changing a tier's hours changes committed hours for every period, past
/// ones included.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pathway caseload tier set T2 --hours 6
  pathway caseload tier set T4 --hours 15")]
pub struct TierSetArgs {
    /// The tier: T and a number (T1, T2, T3, T4...)
    #[arg(value_name = "TIER", value_parser = tier_code)]
    pub tier: String,
    /// Hours a week (required for a new tier)
    #[arg(long, value_name = "HOURS")]
    pub hours: Option<Hours>,
    /// A description, e.g. "Tier 4: 15 hours a week"
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Open(a) => open(a, ctx),
        Command::Retier(a) => {
            let mut db = ctx.open()?;
            let key = dom::retier(&mut db.conn, &a.case, &a.tier, a.from, &ctx.command)?;
            ctx.say(&format!("case {key} is at {} from {}", a.tier, a.from));
            Ok(0)
        }
        Command::Close(a) => {
            let mut db = ctx.open()?;
            let key = dom::close(&mut db.conn, &a.case, a.closed, a.reason.as_deref(), a.outcome, &ctx.command)?;
            ctx.say(&format!("closed case {key} on {} ({})", a.closed, a.outcome));
            Ok(0)
        }
        Command::Assess(a) => {
            let mut db = ctx.open()?;
            let input = AssessInput { pathway: a.pathway, assessed_on: a.date, score: a.score, stage: a.stage };
            let key = crate::domain::assessment::assess(&mut db.conn, &a.case, &input, &ctx.command)?;
            ctx.say(&format!("assessed case {key} on {} on {}", a.pathway, a.date));
            Ok(0)
        }
        Command::Assessments(a) => {
            let db = ctx.open()?;
            let mut out = ctx.out();
            let mut rows = out.rows(shown::ASSESSMENT_COLUMNS)?;
            crate::domain::assessment::list(&db.conn, a.case.as_ref(), |l| rows.push(shown::assessment_cells(l)))?;
            rows.finish()?;
            Ok(0)
        }
        Command::List(a) => list(a, ctx),
        Command::Import(a) => {
            let opts = a.import.options(ctx);
            let mut db = ctx.open()?;
            let (summary, what) = if a.assessments {
                (import::assessment::run(&mut db, &opts, &ctx.command)?, "assessments")
            } else if a.tiers {
                (import::caseload::run_tiers(&mut db, &opts, &ctx.command)?, "tier changes")
            } else {
                (import::caseload::run(&mut db, &opts, &ctx.command)?, "cases")
            };
            report_summary(ctx, &summary, what)
        }
        Command::Export(a) => export(a, ctx),
        Command::Worker(w) => worker(w.command, ctx),
        Command::Tier(t) => tier(t.command, ctx),
    }
}

fn open(a: OpenArgs, ctx: &mut Ctx) -> Result<u8> {
    let mut db = ctx.open()?;
    let input = CaseInput {
        client_ref: &a.client,
        worker: &a.worker,
        service: &a.service,
        tier: &a.tier,
        opened_on: a.opened,
        closed_on: None,
        close_reason: None,
        outcome: None,
        ref_: a.ref_.as_deref(),
    };
    let key = dom::open(&mut db.conn, &input, &ctx.command)?;
    ctx.say(&format!("opened case {key} at {} on {}", a.tier, a.opened));
    Ok(0)
}

fn list(a: ListArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let opts = ListOptions {
        worker: a.worker,
        service: a.service,
        tier: a.tier,
        client_ref: a.client,
        open: if a.open {
            Some(true)
        } else if a.closed {
            Some(false)
        } else {
            None
        },
        as_of: a.as_of,
    };
    let mut out = ctx.out();
    let mut rows = out.rows(shown::LIST_COLUMNS)?;
    dom::list(&db.conn, &opts, |c: CaseLine| rows.push(shown::case_cells(c)))?;
    rows.finish()?;
    Ok(0)
}

fn export(a: ExportArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let mut out = ctx.export_out();
    if a.assessments {
        let mut rows = out.rows(shown::ASSESSMENT_COLUMNS)?;
        crate::domain::assessment::list(&db.conn, None, |l| rows.push(shown::assessment_cells(l)))?;
        rows.finish()?;
    } else if a.tiers {
        let mut rows = out.rows(shown::TIER_EXPORT_COLUMNS)?;
        dom::export_tier_changes(&db.conn, |t| rows.push(shown::tier_change_cells(t)))?;
        rows.finish()?;
    } else {
        let mut rows = out.rows(shown::EXPORT_COLUMNS)?;
        dom::export(&db.conn, |c| rows.push(shown::export_cells(c)))?;
        rows.finish()?;
    }
    Ok(0)
}

fn worker(c: WorkerCommand, ctx: &mut Ctx) -> Result<u8> {
    let mut db = ctx.open()?;
    match c {
        WorkerCommand::Add(a) => {
            let w = dom::add_worker(
                &mut db.conn,
                &WorkerInput { code: &a.code, name: a.name.as_deref(), capacity: a.capacity, active: !a.inactive },
                &ctx.command,
            )?;
            ctx.say(&format!("added worker {} ({} hours a week)", w.code, w.capacity_hours));
        }
        which @ (WorkerCommand::List(_) | WorkerCommand::Export(_)) => {
            let export = matches!(which, WorkerCommand::Export(_));
            let mut out = if export { ctx.export_out() } else { ctx.out() };
            let mut rows = out.rows(shown::WORKER_COLUMNS)?;
            for w in dom::workers(&db.conn)? {
                rows.push(shown::worker_cells(w))?;
            }
            rows.finish()?;
        }
        WorkerCommand::Edit(a) => {
            let edit = WorkerEdit {
                code: a.code,
                name: if a.no_name { Some(None) } else { a.name.map(Some) },
                capacity: a.capacity,
                active: if a.active {
                    Some(true)
                } else if a.inactive {
                    Some(false)
                } else {
                    None
                },
            };
            let w = dom::edit_worker(&mut db.conn, &a.worker, &edit, &ctx.command)?;
            ctx.say(&format!(
                "worker {}: {} hours a week, {}",
                w.code,
                w.capacity_hours,
                if w.active { "active" } else { "inactive" }
            ));
        }
        WorkerCommand::Import(a) => {
            let opts = a.options(ctx);
            let s = import::caseload::run_workers(&mut db, &opts, &ctx.command)?;
            return report_summary(ctx, &s, "workers");
        }
    }
    Ok(0)
}

fn tier(c: TierCommand, ctx: &mut Ctx) -> Result<u8> {
    let mut db = ctx.open()?;
    match c {
        TierCommand::List(_) => {
            let mut out = ctx.out();
            let mut rows = out.rows(shown::TIER_COLUMNS)?;
            for t in dom::tiers(&db.conn)? {
                rows.push(shown::tier_cells(t))?;
            }
            rows.finish()?;
        }
        TierCommand::Set(a) => {
            let t = dom::set_tier(&mut db.conn, &a.tier, a.hours, a.description.as_deref(), &ctx.command)?;
            ctx.say(&format!("tier {}: {} hours a week", t.code, t.hours_per_week));
        }
    }
    Ok(0)
}
