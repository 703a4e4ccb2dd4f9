//! `pathway report`: the commissioner return, caseload and grant summaries,
//! and the records behind any figure.

use crate::app::Ctx;
use crate::db::report::{self as q, ServiceSet};
use crate::db::Conn;
use crate::error::{not_found, usage};
use crate::output::emit;
use crate::report::explain;
use crate::report::returns::{self, ReturnOptions};
use crate::report::suppress::Suppression;
use crate::report::{caseload, diff, due, filed, grants, merge};
use crate::value::{Date, Period};
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway report return --period 2021-04
  pathway report return --period 2021/22-Q1 --service \"Beth Centre\" --suppress 5 --format json
  pathway report caseload --as-of 2021-09-30 --fail-over-capacity
  pathway report explain referrals.by_source.police --period 2021-04";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

const RETURN_LONG: &str = "\
The commissioner return for a period: referrals (total, by source, need,
outcome, area and DASH risk; median days to first contact), women supported,
caseload (open at start, opened, closed, open at end, by tier, committed hours
per week), closures by outcome with the positive-outcome rate, outcomes on the
resettlement pathways (women assessed and progressed, by pathway; the progress
rate; completions, see --completion-pathways), equality (women supported by age
band, ethnic group, disability and dependent children), each target with
actual and percentage, and grant money (awarded, paid in the period, paid to
date, outstanding). Every figure is defined in the section \"What the numbers
in a return mean\" of README.md, at the top of pathway's source repository;
`pathway report explain FIGURE` lists the records behind any one of them.

PERIOD is 2021-04 (a month), 2021/22 (a financial year, April to March),
2021/22-Q1 (a financial quarter, Q1 = April to June) or 2021-04-01..2021-06-30
(both ends included; unlike hledger, the end date is part of the period).

Formats:
  table  readable sections, one per part of the return.
  json   the layout \"pathway.return/1\": `pathway report schema` prints its
         JSON Schema. Counts are numbers, or the text \"<N\" or \"[c]\" when
         suppressed (see below; `suppression` counts each kind);
         money is a string with two decimals (\"23966.00\"); a median, rate,
         percentage or hours figure is null when there is nothing to compute
         it from or its base is suppressed. jsonl gives the same on one line.
  csv    a long layout, one figure per row, that a pivot table takes directly:
           figure,section,item,measure,category,value
         `figure` is the name `report explain` accepts (empty on descriptive
         rows); `section` is return, referrals, women_supported, caseload,
         closures, outcomes, equality, targets or grants; `item` names the target (\"Beth Centre
         (2021/22)\") or the grant ref; `measure` and `category` name the
         figure within its section (e.g. by_source, police); `value` is the
         count, \"<N\", \"[c]\", a number, money as 23966.00, or text. Under
         --suppress the last rows (measure `legend`) say what the symbols mean.
  html   one self-contained page to print (A4) or send: the table's sections,
         bar charts of referrals by source and caseload by tier, and a header
         with the period, service, suppression and generation time. No
         scripts, nothing fetched; a withheld count shows as \"<N\" or \"[c]\"
         with no bar, and a key at the end says what they mean.

generated_at is the current UTC time; set PATHWAY_NOW (RFC 3339, e.g.
2021-05-01T06:00:00Z) to fix it, so that two runs give identical files.

Suppression, for returns that leave the organisation: --suppress N shows every
count from 1 to N-1 as \"<N\" (primary suppression); where that count is part
of a breakdown whose total is shown (or of open at start + opened - closed =
open at end), the next smallest count of it is withheld too and shown as \"[c]\"
(secondary suppression; the Government Statistical Service symbol for a value
withheld to protect confidentiality), so no hidden count can be worked back out
by subtraction. \"<N\" always means from 1 to N-1; \"[c]\" may stand for any count.
Every format carries the key: the table and the HTML end with it, the CSV's
last rows and the JSON's `suppression.legend` hold it, and the JSON's
`suppression` counts the two kinds (primary, secondary).
A median, rate, percentage or hours figure whose base is withheld is null.
--round R rounds every count still shown to the nearest multiple of R: the ONS
\"10-5\" rule is --suppress 10 --round 5. The output says which was applied.";

const RETURN_EXAMPLES: &str = "\
Examples:
  pathway report return --period 2021-04
  pathway report return --period 2021/22-Q1 --service \"Beth Centre\" --format json > return.json
  pathway report return --period 2021/22 --suppress 10 --round 5 --format csv > return.csv
  pathway report return --period 2021-04 --service \"Beth Centre\" --suppress 5 --format html > return.html";

const CASELOAD_LONG: &str = "\
Each key worker's open cases on a day (opened on or before it and not closed
on or before it), by their tier that day, the weekly hours they commit the
worker to (T1 2.5, T2 5, T3 10 by default), the worker's capacity, the
utilisation percentage and whether the worker is over capacity (committed hours
above capacity; exactly at capacity is not over). Workers marked inactive
appear only while they still hold open cases.

With --fail-over-capacity the report is still written to stdout, and then the
command exits with code 1 and a one-line message on stderr (shown even with -q)
when any worker is over capacity: for cron alerts.";

const CASELOAD_EXAMPLES: &str = "\
Examples:
  pathway report caseload
  pathway report caseload --as-of 2021-04-30 --format csv
  pathway -q report caseload --fail-over-capacity --format csv > caseload.csv";

const GRANTS_LONG: &str = "\
Grant money for a period, by decision and grant: each grant whose start..end
overlaps the period (a missing start or end is no limit), with the amount
awarded, paid in the period, paid to date (payments on or before the period's
last day) and outstanding (awarded - paid to date). Then the decisions whose
grants (all of them, whatever their dates) do not add up to the decision's
amount: under-allocated (money not yet given out) or over-allocated, with the
difference. A decision with no grants at all is listed when its budget year
overlaps the period; rejected and withdrawn decisions are left out.

In CSV and JSON Lines the rows are the grants, each with its decision's amount
and unallocated difference (decision_amount, decision_unallocated); a decision
with no grants is a row with an empty grant. JSON is one document
(\"pathway.grants/1\") with `grants` and `decisions_not_adding_up`.";

const GRANTS_EXAMPLES: &str = "\
Examples:
  pathway report grants --period 2021/22
  pathway report grants --period 2021-04 --format csv > grants-2021-04.csv";

const EXPLAIN_LONG_HEAD: &str = "\
The records behind one figure of the return, so that a queried number can be
traced: the referrals, cases (or women, or payments) it counts, with their refs
(or #id when they have none), dates, and the rule that counted them. It lists
exactly as many records as the figure says (for hours and money: values that
add up to it). It is computed without suppression: it is for the people who
keep the records, not for sending out.

FIGURE is one of (the CSV of `report return` names every figure in its first column):
";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  pathway report explain referrals.by_source.police --period 2021-04
  pathway report explain caseload.by_tier.T2 --period 2021/22-Q1 --service \"Beth Centre\"
  pathway report explain grants.2021.021-1.paid_to_date --period 2021/22";

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The commissioner return for a period (table, CSV, JSON or HTML)
    #[command(long_about = RETURN_LONG, after_help = RETURN_EXAMPLES)]
    Return(ReturnArgs),
    /// Each key worker's open cases by tier, hours and capacity on a day
    #[command(long_about = CASELOAD_LONG, after_help = CASELOAD_EXAMPLES)]
    Caseload(CaseloadArgs),
    /// Grant money by decision and grant; decisions whose grants do not add up
    #[command(long_about = GRANTS_LONG, after_help = GRANTS_EXAMPLES)]
    Grants(GrantsArgs),
    /// The records behind one figure of the return
    #[command(long_about = explain_long(), after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Print the JSON Schema of the return's JSON ("pathway.return/1")
    #[command(
        after_help = "Examples:\n  pathway report schema > pathway.return-1.schema.json\n  pathway report schema --merged > pathway.merged-return-1.schema.json"
    )]
    Schema(SchemaArgs),
    /// File a return: keep the exact JSON sent (with its sha256 and when) and print it
    #[command(long_about = FILE_LONG, after_help = FILE_EXAMPLES)]
    File(FileArgs),
    /// List the returns filed, or print one back exactly as it was sent
    #[command(long_about = FILED_LONG, after_help = FILED_EXAMPLES)]
    Filed(FiledArgs),
    /// Every figure that changed since the return was filed, and the recorded changes behind it
    #[command(long_about = DIFF_LONG, after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// The returns grants' reporting schedules ask for: due, overdue or filed
    #[command(long_about = DUE_LONG, after_help = DUE_EXAMPLES)]
    Due(DueArgs),
    /// Add up several providers' returns for one period (the commissioner's side)
    #[command(long_about = MERGE_LONG, after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
}

const MERGE_LONG: &str = "\
For a commissioner: read several providers' returns for the same period (the
JSON files of `pathway report return --format json` or `report file`, schema
pathway.return/1) and write one consolidated return, in every format a return
has (table, csv, json, jsonl, html), with each input named (provider, file,
generated at, sha256).

Counts are added up. The median days to first contact is recomputed from the
distributions of days the returns carry (not averaged); rates (positive
outcomes, progress) are recomputed from the added counts; committed hours are
added. Targets and grants are listed per provider. women_supported is a sum of
the providers' counts, not de-duplicated across providers: client references
are pseudonymous per provider, so a woman supported by two providers counts
twice (the output says so).

Refused, with a message naming the file (exit 65; nothing is written): a file
that is not a return's JSON; an unknown schema; a suppressed or rounded return
(suppressed counts cannot be added: ask for the unsuppressed return, and
suppress the merged one); a return made by an older pathway, without the
distribution of days to first contact or the provider; returns for different
periods, or with different --completion-pathways; the same file twice; two
returns from the same provider (by org-id when both have one, else by name).
Every refused file is listed. A file that cannot be read exits 66.

--expect FILE lists the providers that should have sent a return: one a line,
by name or org-id (or CSV with both, with or without a header row; blank lines
and lines starting with # are skipped). The output gives the number expected
and received, the reporting rate (received / expected) and who is missing.

--suppress N and --round R apply to the merged figures exactly as to a
provider's return (see `pathway report return --help`): publish the merged
return with them. The JSON layout is pathway.merged-return/1: `pathway report
schema --merged` prints its JSON Schema. The CSV has the return's long layout,
after rows for the inputs (section input) and the --expect result.";

const MERGE_EXAMPLES: &str = "\
Examples:
  pathway report merge returns/*.json
  pathway report merge juno.json nwa.json --expect providers.txt --format csv > merged-2021-04.csv
  pathway report merge returns/*.json --suppress 10 --round 5 --format html > merged-2021-22.html";

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The providers' return files (JSON, pathway.return/1)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// The providers that should have sent a return, one a line (name or org-id)
    #[arg(long, value_name = "FILE")]
    pub expect: Option<std::path::PathBuf>,
    /// Show counts from 1 to N-1 as "<N" (and those that would reveal them as "[c]")
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub suppress: Option<u32>,
    /// Round the counts still shown to the nearest multiple of R (ONS: --suppress 10 --round 5)
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub round: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The JSON Schema of the merged return (`report merge`, "pathway.merged-return/1") instead
    #[arg(long)]
    pub merged: bool,
}

const FILE_LONG: &str = "\
File the return for a period: compute it exactly as `report return --format json`
would with the same options, keep those bytes in the database with their sha256,
the time and the options, and print them to stdout (or, with --output, write
them to a file readable by you only, mode 0600), so that the very file sent is
the one kept. Filing the same period and service again keeps both (a
resubmission); `report diff` compares with the latest. generated_at (and the
time the return is filed at) is now, or PATHWAY_NOW when set.

Send the printed JSON (or --output FILE) to the commissioner: it carries the
provider (`pathway provider set`), the period, the options and every figure,
and the distribution of days to first contact that a merge needs (left out
under --suppress: a commissioner who merges returns needs the unsuppressed one).";

const FILE_EXAMPLES: &str = "\
Examples:
  pathway report file --period 2021-04 --output return-2021-04.json
  pathway report file --period 2021/22-Q1 --service \"Beth Centre\" > return-2021-22-Q1.json
  pathway report file --period 2021-04 --suppress 5 --output return-2021-04-published.json";

const FILED_LONG: &str = "\
The returns filed with `report file`, oldest first: id, period, days, service
(empty for the whole database), the suppression and rounding applied, when it
was filed, the sha256 of its bytes and their length. With --show ID, the filed
return itself, byte for byte as it was sent (to stdout, or with --output to a
file readable by you only, mode 0600): `sha256sum` of it gives the listed sha256.";

const FILED_EXAMPLES: &str = "\
Examples:
  pathway report filed
  pathway report filed --format csv
  pathway report filed --show 3 --output return-2021-04.json";

const DIFF_LONG: &str = "\
Recompute the return for a period (and service) with the options it was filed
with, and compare it with the latest return filed for the same days and service:
every figure whose value differs (by the name `report explain` accepts, as filed
-> now), then the changes recorded in the audit log since the filing that can
move those figures (a referral added or updated, a case opened, closed or
retiered, a client erased, a payment, ...), each with its entry number, time,
record (its ref, or #id; never a client's reference: an erasure shows as \"a
client erased\"), action and the changed figures it can move.

Formats: the table has two sections (the figures, then the changes); csv and
jsonl one row per changed figure (figure,filed,now,changes); json one document
\"pathway.diff/1\" with `filed`, `changed` (figure, filed, now, explained_by: the
entry numbers) and `changes` (id, at, entity, record, action, figures).

When nothing changed it says \"no figure changed since filing on ...\" (on
stderr) and exits 0. Exit codes: 0 whether or not figures changed; with
--fail-changed, 1 when any figure changed (after writing the report), for
scripts. No return filed for the period and service is an error (exit 65).";

const DIFF_EXAMPLES: &str = "\
Examples:
  pathway report diff --period 2021-04
  pathway report diff --period 2021/22-Q1 --service \"Beth Centre\" --format csv
  pathway -q report diff --period 2021-04 --fail-changed";

const DUE_LONG: &str = "\
The returns that grants' reporting schedules ask for (`grant add` or `grant edit`
with --returns monthly|quarterly --due-days N): one for each calendar month or
financial quarter overlapping the grant's start..end (a grant without an end:
up to the look-ahead; a grant without a start, or cancelled: none), due N days
after the period ends. Listed: every one due on or before the day (--as-of,
default today) plus 30 days, with its grant, period, due date and status:
  due       not filed, due on or after the day
  overdue   not filed, due before the day
  filed     a return was filed for exactly the period's days, for the whole
            database or for one of the services the grant funds (or their
            spokes); filed_id and filed_at name it

With --fail-overdue the list is still written, then the command exits 1 with a
one-line message on stderr (shown even with -q) when any return is overdue and
not filed, and 0 otherwise: for cron. PATHWAY_NOW fixes today for tests.";

const DUE_EXAMPLES: &str = "\
Examples:
  pathway report due
  pathway report due --as-of 2021-07-31 --format csv
  pathway -q report due --fail-overdue";

#[derive(Debug, clap::Args)]
pub struct FileArgs {
    #[command(flatten)]
    pub ret: ReturnArgs,
}

#[derive(Debug, clap::Args)]
pub struct FiledArgs {
    /// Print filed return ID exactly as it was sent (to a 0600 file with
    /// --output FILE)
    #[arg(long, value_name = "ID")]
    pub show: Option<i64>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The period of the filed return: 2021-04, 2021/22, 2021/22-Q1 or 2021-04-01..2021-06-30
    #[arg(long, value_name = "PERIOD")]
    pub period: Period,
    /// The service of the filed return (for a hub: with its spokes)
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Exit with code 1 (after writing the report) when any figure changed
    #[arg(long)]
    pub fail_changed: bool,
}

#[derive(Debug, clap::Args)]
pub struct DueArgs {
    /// The day to look from [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Exit with code 1 (after writing the list) when any return is overdue and not filed
    #[arg(long)]
    pub fail_overdue: bool,
}

impl Command {
    /// Whether the command's value has a page (`--format html`).
    pub fn has_page(&self) -> bool {
        matches!(self, Command::Return(_) | Command::Merge(_))
    }
}

fn explain_long() -> String {
    format!("{EXPLAIN_LONG_HEAD}{}", explain::FIGURE_FORMS)
}

#[derive(Debug, clap::Args)]
pub struct ReturnArgs {
    /// The period: 2021-04, 2021/22, 2021/22-Q1 or 2021-04-01..2021-06-30
    #[arg(long, value_name = "PERIOD")]
    pub period: Period,
    /// Only this service (for a hub: with its spokes)
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Show counts from 1 to N-1 as "<N" (and those that would reveal them as "[c]")
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub suppress: Option<u32>,
    /// Round the counts still shown to the nearest multiple of R (ONS: --suppress 10 --round 5)
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub round: Option<u32>,
    /// outcomes.completions counts the women who progressed on at least K of the 9 pathways
    #[arg(long, value_name = "K", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub completion_pathways: u32,
}

#[derive(Debug, clap::Args)]
pub struct CaseloadArgs {
    /// The day to report on [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Exit with code 1 (after writing the report) when any worker is over capacity
    #[arg(long)]
    pub fail_over_capacity: bool,
}

#[derive(Debug, clap::Args)]
pub struct GrantsArgs {
    /// The period: 2021-04, 2021/22, 2021/22-Q1 or 2021-04-01..2021-06-30
    #[arg(long, value_name = "PERIOD")]
    pub period: Period,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The figure, e.g. referrals.by_source.police or caseload.by_tier.T2
    #[arg(value_name = "FIGURE")]
    pub figure: String,
    /// The period: 2021-04, 2021/22, 2021/22-Q1 or 2021-04-01..2021-06-30
    #[arg(long, value_name = "PERIOD")]
    pub period: Period,
    /// Only this service (for a hub: with its spokes)
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// For outcomes.completions: the K of the return explained (progressed on at least K pathways)
    #[arg(long, value_name = "K", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub completion_pathways: u32,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Return(a) => run_return(a, ctx),
        Command::Caseload(a) => run_caseload(a, ctx),
        Command::Grants(a) => run_grants(a, ctx),
        Command::Explain(a) => run_explain(a, ctx),
        Command::File(a) => run_file(a, ctx),
        Command::Filed(a) => run_filed(a, ctx),
        Command::Diff(a) => run_diff(a, ctx),
        Command::Due(a) => run_due(a, ctx),
        Command::Merge(a) => run_merge(a, ctx),
        Command::Schema(a) => {
            let mut out = ctx.out();
            out.text(if a.merged { merge::JSON_SCHEMA } else { returns::JSON_SCHEMA })?;
            out.flush()?;
            Ok(0)
        }
    }
}

/// generated_at: `PATHWAY_NOW` when set (RFC 3339), else now; UTC.
fn generated_at() -> Result<String> {
    let now = crate::value::date::now().map_err(usage)?;
    Ok(now.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn service_set(conn: &Conn, name: Option<&str>) -> Result<Option<ServiceSet>> {
    let Some(name) = name else { return Ok(None) };
    let names = crate::domain::service::ServiceNames::load(conn)?;
    let (_, recorded) = names.get(name).map_err(not_found)?;
    let set = q::service_set(conn, recorded)?;
    Ok(Some(set.ok_or_else(|| anyhow::anyhow!("the service {recorded:?} could not be read"))?))
}

fn return_options(conn: &Conn, period: Period, service: Option<&str>, s: Suppression) -> Result<ReturnOptions> {
    Ok(ReturnOptions {
        period,
        service: service_set(conn, service)?,
        suppression: s,
        generated_at: generated_at()?,
        completion_pathways: crate::report::outcomes::DEFAULT_COMPLETION_PATHWAYS,
    })
}

/// The options of `report return` (and `report file`) from its arguments.
fn return_args_options(conn: &Conn, a: ReturnArgs) -> Result<ReturnOptions> {
    let s = Suppression { threshold: a.suppress.unwrap_or(0), rounding: a.round };
    let mut opts = return_options(conn, a.period, a.service.as_deref(), s)?;
    opts.completion_pathways = a.completion_pathways;
    Ok(opts)
}

/// A filed return's bytes to stdout, or with --output to a new 0600 file.
fn emit_bytes(ctx: &Ctx, bytes: &[u8]) -> Result<()> {
    let mut out = ctx.out();
    out.text(&String::from_utf8_lossy(bytes))?;
    out.flush()
}

fn run_file(a: FileArgs, ctx: &mut Ctx) -> Result<u8> {
    let mut db = ctx.open()?;
    let opts = return_args_options(&db.conn, a.ret)?;
    let f = filed::file(&mut db.conn, &opts, &ctx.command)?;
    emit_bytes(ctx, &f.body)?;
    ctx.say(&format!(
        "filed return #{} for {}{}{} (sha256 {}){}",
        f.id,
        opts.period.label,
        opts.service.as_ref().map(|s| format!(", {}", s.name)).unwrap_or_default(),
        ctx.output.as_ref().map(|o| format!(", written to {}", o.path.display())).unwrap_or_default(),
        f.sha256,
        if f.earlier > 0 { format!("; a resubmission ({} filed before)", f.earlier) } else { String::new() }
    ));
    Ok(0)
}

fn run_filed(a: FiledArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    if let Some(id) = a.show {
        let body = filed::show(&db.conn, id)?;
        emit_bytes(ctx, &body)?;
        return Ok(0);
    }
    emit(&filed::list(&db.conn)?, &mut ctx.out())?;
    Ok(0)
}

fn run_diff(a: DiffArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let opts = return_options(&db.conn, a.period, a.service.as_deref(), Suppression::NONE)?;
    let Some(d) = diff::diff(&db.conn, &opts)? else {
        return Err(crate::error::invalid(format!(
            "no return for {}{} has been filed; file one with `pathway report file --period {}{}`",
            opts.period.label,
            opts.service.as_ref().map(|s| format!(" and {}", s.name)).unwrap_or_default(),
            opts.period.label,
            opts.service.as_ref().map(|s| format!(" --service {:?}", s.name)).unwrap_or_default(),
        )));
    };
    if d.changed.is_empty() {
        ctx.say(&format!("no figure changed since filing on {} (return #{})", d.filed.filed_at, d.filed.id));
        if ctx.for_people() {
            return Ok(0);
        }
    }
    emit(&d, &mut ctx.out())?;
    if !d.changed.is_empty() {
        ctx.say(&format!(
            "{} changed since filing on {} (return #{})",
            crate::error::count_of(d.changed.len(), "figure", "figures"),
            d.filed.filed_at,
            d.filed.id
        ));
        if a.fail_changed {
            return Ok(1);
        }
    }
    Ok(0)
}

/// `--as-of`, else today (`PATHWAY_NOW` when set).
fn as_of_or_today(as_of: Option<Date>) -> Result<Date> {
    match as_of {
        Some(d) => Ok(d),
        None => crate::value::date::today().map_err(usage),
    }
}

fn run_due(a: DueArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let as_of = as_of_or_today(a.as_of)?;
    let list = due::build(&db.conn, as_of)?;
    emit(&list, &mut ctx.out())?;
    if a.fail_overdue {
        if let Some(msg) = due::overdue_message(&list, as_of) {
            // An error, not ctx.say: cron must hear it even with -q. Exit code 1.
            anyhow::bail!(msg);
        }
    }
    Ok(0)
}

/// A file's bytes, or "cannot read" (exit 66).
fn read_input(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ if path.is_dir() => "it is a folder, not a file".to_string(),
            _ => e.to_string(),
        };
        crate::error::Error::NoInput { path: path.to_path_buf(), reason }.into()
    })
}

fn run_merge(a: MergeArgs, ctx: &mut Ctx) -> Result<u8> {
    let mut files = Vec::new();
    for p in &a.files {
        files.push(merge::File { name: p.display().to_string(), bytes: read_input(p)? });
    }
    let expect = match &a.expect {
        Some(p) => Some(merge::read_expect(&p.display().to_string(), &read_input(p)?)?),
        None => None,
    };
    let s = Suppression { threshold: a.suppress.unwrap_or(0), rounding: a.round };
    let m = merge::merge(&files, expect.as_deref(), s, &generated_at()?)?;
    emit(&m, &mut ctx.out())?;
    Ok(0)
}

fn run_return(a: ReturnArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let opts = return_args_options(&db.conn, a)?;
    let ret = returns::build(&db.conn, &opts)?;
    emit(&ret, &mut ctx.out())?;
    Ok(0)
}

fn run_caseload(a: CaseloadArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let as_of = as_of_or_today(a.as_of)?;
    let report = caseload::build(&db.conn, as_of)?;
    emit(&report, &mut ctx.out())?;
    let over = report.over_capacity();
    if a.fail_over_capacity && !over.is_empty() {
        let list: Vec<String> = over
            .iter()
            .map(|w| format!("{} ({:.1} of {:.1} hours)", w.worker, w.committed_hours, w.capacity_hours))
            .collect();
        // An error, not ctx.say: cron must hear it even with -q. Exit code 1.
        anyhow::bail!(
            "{} worker{} over capacity on {as_of}: {}",
            over.len(),
            if over.len() == 1 { " is" } else { "s are" },
            list.join(", ")
        );
    }
    Ok(0)
}

fn run_grants(a: GrantsArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let report = grants::build(&db.conn, &a.period)?;
    emit(&report, &mut ctx.out())?;
    Ok(0)
}

fn run_explain(a: ExplainArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let mut opts = return_options(&db.conn, a.period, a.service.as_deref(), Suppression::NONE)?;
    opts.completion_pathways = a.completion_pathways;
    let e = explain::explain(&db.conn, &opts, &a.figure)?;
    emit(&e.with_records(&db.conn), &mut ctx.out())?;
    Ok(0)
}
