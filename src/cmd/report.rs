//! `pathway report`: the commissioner return, caseload and grant summaries,
//! and the records behind any figure.

use crate::app::Ctx;
use crate::db::report::{self as q, ServiceSet};
use crate::db::Conn;
use crate::error::{not_found, usage};
use crate::output::{html, html_only, Cell, Format, Out, Section};
use crate::report::explain::{self, Explanation, Record, RecordValue};
use crate::report::returns::{self, FigureValue, Return, ReturnOptions};
use crate::report::suppress::{Count, Suppression};
use crate::report::{caseload, diff, due, filed, grants, merge};
use crate::value::names::{CaseOutcome, Need, ReferralOutcome, Risk, Source};
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
    let list = filed::list(&db.conn)?;
    let mut out = ctx.out();
    filed::render_list(&list, &mut out)?;
    out.flush()?;
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
        if ctx.format == Format::Table {
            return Ok(0);
        }
    }
    let mut out = ctx.out();
    diff::render(&d, &mut out)?;
    out.flush()?;
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
    let mut out = ctx.out();
    due::render(&list, &mut out)?;
    out.flush()?;
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
    let mut out = ctx.out();
    match ctx.format {
        Format::Json | Format::Jsonl => out.json(&m)?,
        Format::Csv => figures_csv(merge_figures(&m).into_iter().chain(m.ret.figures()).collect(), &mut out)?,
        Format::Table => {
            let mut sections = merge_sections(&m);
            sections.extend(return_sections(&m.ret));
            out.sections(&sections)?
        }
        Format::Html => {
            let more = vec![
                ("Providers".to_string(), m.inputs.len().to_string()),
                ("Note".to_string(), merge::WOMEN_NOTE.to_string()),
            ];
            out.text(&return_page(&m.ret, format!("Merged return {}", m.ret.period.label), more, merge_sections(&m)))?
        }
        Format::Xlsx => {
            let mut sections = merge_sections(&m);
            sections.extend(return_sections(&m.ret));
            let figures = figure_rows(merge_figures(&m).into_iter().chain(m.ret.figures()).collect());
            out.workbook(crate::report::returns_xlsx::sheets(&m.ret, &sections, FIGURE_COLUMNS, figures)?)?
        }
    }
    out.flush()?;
    Ok(0)
}

/// The inputs and the --expect result, as sections.
fn merge_sections(m: &merge::Merged) -> Vec<Section> {
    let mut out = vec![section(
        format!("Merged return {}: {} providers' returns", m.ret.period.label, m.inputs.len()),
        format!("Note: {}.", merge::WOMEN_NOTE),
        &["provider", "identifier", "service", "file", "generated_at", "sha256"],
        m.inputs
            .iter()
            .map(|i| {
                vec![
                    Cell::text(i.provider.name.clone()),
                    Cell::opt_text(i.provider.identifier.clone()),
                    Cell::opt_text(i.service.clone()),
                    Cell::text(i.file.clone()),
                    Cell::text(i.generated_at.clone()),
                    Cell::text(i.sha256.clone()),
                ]
            })
            .collect(),
    )];
    if let Some(e) = &m.expected {
        out.push(section(
            format!(
                "Reporting rate: {} of {} expected returns received{}",
                e.received,
                e.expected,
                e.reporting_rate.map(|r| format!(" ({:.1}%)", r * 100.0)).unwrap_or_default()
            ),
            if e.not_expected.is_empty() {
                String::new()
            } else {
                format!("Not on the list: {}", e.not_expected.join(", "))
            },
            &["missing"],
            e.missing.iter().map(|x| vec![Cell::text(x.clone())]).collect(),
        ));
    }
    out
}

/// The CSV rows before the return's: the inputs, the --expect result, the note.
fn merge_figures(m: &merge::Merged) -> Vec<returns::Figure> {
    let row = |section: &'static str, item: String, measure: &str, value: returns::FigureValue| returns::Figure {
        name: None,
        section,
        item,
        measure: measure.into(),
        category: String::new(),
        value,
        basis: None,
        rule: String::new(),
    };
    let text = |s: &str| returns::FigureValue::Text(Some(s.to_string()));
    let mut out = vec![row("return", String::new(), "note", text(merge::WOMEN_NOTE))];
    for i in &m.inputs {
        let who = i.provider.name.clone();
        out.push(row("input", who.clone(), "identifier", returns::FigureValue::Text(i.provider.identifier.clone())));
        out.push(row("input", who.clone(), "service", returns::FigureValue::Text(i.service.clone())));
        out.push(row("input", who.clone(), "file", text(&i.file)));
        out.push(row("input", who.clone(), "generated_at", text(&i.generated_at)));
        out.push(row("input", who, "sha256", text(&i.sha256)));
    }
    if let Some(e) = &m.expected {
        out.push(row("expected", String::new(), "expected", returns::FigureValue::Int(e.expected as i64)));
        out.push(row("expected", String::new(), "received", returns::FigureValue::Int(e.received as i64)));
        out.push(row("expected", String::new(), "reporting_rate", returns::FigureValue::Number(e.reporting_rate)));
        for x in &e.missing {
            out.push(row("expected", x.clone(), "missing", text(x)));
        }
        for x in &e.not_expected {
            out.push(row("expected", x.clone(), "not_expected", text(x)));
        }
    }
    out
}

fn run_return(a: ReturnArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let opts = return_args_options(&db.conn, a)?;
    let ret = returns::build(&db.conn, &opts)?;
    let mut out = ctx.out();
    match ctx.format {
        Format::Json | Format::Jsonl => out.json(&ret)?,
        Format::Csv => return_csv(&ret, &mut out)?,
        Format::Table => out.sections(&return_sections(&ret))?,
        Format::Html => out.text(&return_html(&ret))?,
        Format::Xlsx => out.workbook(crate::report::returns_xlsx::sheets(
            &ret,
            &return_sections(&ret),
            FIGURE_COLUMNS,
            figure_rows(ret.figures()),
        )?)?,
    }
    out.flush()?;
    Ok(0)
}

/// The return as a page: the table's sections, a header and three charts.
fn return_html(r: &Return) -> String {
    return_page(r, format!("Return {}", r.period.label), Vec::new(), Vec::new())
}

/// The return's page with more header lines and sections before its own
/// (a merged return's inputs).
fn return_page(r: &Return, title: String, more: Vec<(String, String)>, before: Vec<Section>) -> String {
    let mut header = vec![("Period".to_string(), format!("{} ({} to {})", r.period.label, r.period.from, r.period.to))];
    if let Some(s) = &r.service {
        let mut v = s.name.clone();
        if !s.includes.is_empty() {
            v.push_str(&format!(" (with {})", s.includes.join(", ")));
        }
        header.push(("Service".to_string(), v));
    }
    if let Some(p) = &r.provider {
        header.push(("Provider".to_string(), p.text()));
    }
    let t = r.suppression.threshold;
    header.push((
        "Suppression".to_string(),
        if t > 1 {
            format!(
                "counts from 1 to {} show as <{t}; counts that would reveal them show as [c] (see the key at the end)",
                t - 1
            )
        } else {
            "none".to_string()
        },
    ));
    if let Some(n) = r.suppression.rounding {
        header.push(("Rounding".to_string(), format!("counts shown are rounded to the nearest {n}")));
    }
    header.extend(more);
    header.push(("Generated".to_string(), r.generated_at.clone()));
    let by_source = breakdown_rows(&r.referrals.by_source, &|k| k.parse::<Source>().ok().map(Source::label));
    let charts = vec![
        html::Chart { title: "Referrals by source".into(), bars: bars(by_source) },
        html::Chart {
            title: format!("Caseload by tier on {}", r.period.to),
            bars: r.caseload.by_tier.0.iter().map(|(t, v)| (t.clone(), count_cell(*v))).collect(),
        },
        html::Chart {
            title: "Women progressed against women assessed, by pathway".into(),
            bars: r
                .outcomes
                .by_pathway
                .0
                .iter()
                .flat_map(|(p, c)| {
                    [
                        (format!("{}: assessed", p.label()), count_cell(c.assessed)),
                        (format!("{}: progressed", p.label()), count_cell(c.progressed)),
                    ]
                })
                .collect(),
        },
    ];
    let mut sections = return_sections(r);
    // The header already says what the first section's note does.
    if let Some(first) = sections.first_mut() {
        first.note.clear();
    }
    let sections: Vec<Section> = before.into_iter().chain(sections).collect();
    html::render(&html::Page { title, header, charts, sections: &sections })
}

fn bars(rows: Vec<Vec<Cell>>) -> Vec<(String, Cell)> {
    rows.into_iter()
        .filter_map(|mut r| {
            let v = r.pop()?;
            Some((r.pop()?.for_table(), v))
        })
        .collect()
}

fn count_cell(c: Count) -> Cell {
    match c {
        Count::Value(v) => Cell::Int(v),
        Count::Below(_) | Count::Confidential => Cell::Text(c.text()),
    }
}

fn number_cell(n: Option<f64>, places: usize) -> Cell {
    n.map(|x| Cell::Num(x, places)).unwrap_or(Cell::Null)
}

/// Decimal places a derived figure is shown with in CSV and tables.
fn places(measure: &str) -> usize {
    match measure {
        "positive_rate" | "progress_rate" => 4,
        _ => 1,
    }
}

fn figure_cell(v: &FigureValue, measure: &str) -> Cell {
    match v {
        FigureValue::Count(c) => count_cell(*c),
        FigureValue::Number(n) => number_cell(*n, places(measure)),
        FigureValue::Money(p) => Cell::Money(*p),
        FigureValue::Int(i) => Cell::Int(*i),
        FigureValue::Text(t) => Cell::opt_text(t.clone()),
    }
}

const FIGURE_COLUMNS: &[&str] = &["figure", "section", "item", "measure", "category", "value"];

/// The return's long form: one row per figure (the CSV, and the workbook's
/// Figures sheet).
fn figure_rows(figures: Vec<returns::Figure>) -> Vec<Vec<Cell>> {
    figures
        .into_iter()
        .map(|f| {
            vec![
                Cell::text(f.name.clone().unwrap_or_default()),
                Cell::text(f.section),
                Cell::text(f.item.clone()),
                Cell::text(f.measure.clone()),
                Cell::text(f.category.clone()),
                figure_cell(&f.value, &f.measure),
            ]
        })
        .collect()
}

fn return_csv(ret: &Return, out: &mut Out) -> Result<()> {
    figures_csv(ret.figures(), out)
}

/// Figures as the return's CSV: one row each.
fn figures_csv(figures: Vec<returns::Figure>, out: &mut Out) -> Result<()> {
    let mut rows = out.rows(FIGURE_COLUMNS)?;
    for row in figure_rows(figures) {
        rows.push(row)?;
    }
    rows.finish()?;
    Ok(())
}

fn section(title: impl Into<String>, note: impl Into<String>, columns: &[&str], rows: Vec<Vec<Cell>>) -> Section {
    Section { title: title.into(), note: note.into(), columns: columns.iter().map(|c| c.to_string()).collect(), rows }
}

/// A breakdown for people: closed-set names as their labels.
fn breakdown_rows(b: &returns::Breakdown, label: &dyn Fn(&str) -> Option<&'static str>) -> Vec<Vec<Cell>> {
    b.0.iter()
        .map(|(k, v)| {
            let shown = match k.as_str() {
                returns::OUTCOME_NONE => "No outcome yet".to_string(),
                returns::RISK_NOT_ASSESSED => "Not assessed".to_string(),
                returns::AREA_NOT_RECORDED => "Not recorded".to_string(),
                _ => label(k).map_or_else(|| k.clone(), str::to_string),
            };
            vec![Cell::text(shown), count_cell(*v)]
        })
        .collect()
}

fn return_sections(r: &Return) -> Vec<Section> {
    let mut head = format!(
        "{} to {}; generated {}; database schema version {}",
        r.period.from, r.period.to, r.generated_at, r.database_schema_version
    );
    if let Some(s) = &r.service {
        head.push_str(&format!("\nService: {}", s.name));
        if !s.includes.is_empty() {
            head.push_str(&format!(" (with {})", s.includes.join(", ")));
        }
    }
    if let Some(p) = &r.provider {
        head.push_str(&format!("\nProvider: {}", p.text()));
    }
    if r.suppression.threshold > 1 {
        let t = r.suppression.threshold;
        head.push_str(&format!(
            "\nSuppressed: counts from 1 to {} show as <{t}; counts that would reveal them show as [c] (key at the end)",
            t - 1
        ));
    }
    if let Some(n) = r.suppression.rounding {
        head.push_str(&format!("\nRounded: counts shown are rounded to the nearest {n}"));
    }
    let rf = &r.referrals;
    let cl = &r.caseload;
    let median = match rf.median_days_to_first_contact {
        Some(m) => format!("{m:.1}"),
        None if r.suppression.options().is_small(rf.with_first_contact) => "withheld".to_string(),
        None => "none".to_string(),
    };
    let mut out = vec![
        section(
            format!("Return {}", r.period.label),
            head,
            &["measure", "value"],
            vec![
                vec![Cell::text("Referrals"), count_cell(rf.total)],
                vec![Cell::text("Median days to first contact"), Cell::text(median)],
                vec![Cell::text("Women supported"), count_cell(r.women_supported)],
            ],
        ),
        section(
            "Referrals by source",
            "",
            &["source", "referrals"],
            breakdown_rows(&rf.by_source, &|k| k.parse::<Source>().ok().map(Source::label)),
        ),
        section(
            "Referrals by need",
            "A referral with several needs counts under each.",
            &["need", "referrals"],
            breakdown_rows(&rf.by_need, &|k| k.parse::<Need>().ok().map(Need::label)),
        ),
        section(
            "Referrals by outcome",
            "",
            &["outcome", "referrals"],
            breakdown_rows(&rf.by_outcome, &|k| k.parse::<ReferralOutcome>().ok().map(ReferralOutcome::label)),
        ),
        section("Referrals by area", "", &["area", "referrals"], breakdown_rows(&rf.by_area, &|_| None)),
        section(
            "Referrals by DASH risk level",
            "",
            &["risk", "referrals"],
            breakdown_rows(&rf.by_risk, &|k| k.parse::<Risk>().ok().map(Risk::label)),
        ),
        section(
            "Caseload",
            "",
            &["measure", "cases"],
            vec![
                vec![Cell::text(format!("Open at start ({})", r.period.from)), count_cell(cl.open_at_start)],
                vec![Cell::text("Opened"), count_cell(cl.opened)],
                vec![Cell::text("Closed"), count_cell(cl.closed)],
                vec![Cell::text(format!("Open at end ({})", r.period.to)), count_cell(cl.open_at_end)],
            ],
        ),
        section(
            format!("Caseload by tier on {}", r.period.to),
            format!(
                "Committed hours per week: {}",
                cl.committed_hours_per_week.map_or("withheld".to_string(), |h| format!("{h:.1}"))
            ),
            &["tier", "hours_per_week", "cases"],
            cl.by_tier
                .0
                .iter()
                .map(|(t, v)| {
                    let h = r.tier_hours.iter().find(|(c, _)| c == t).map(|x| x.1);
                    vec![Cell::text(t.clone()), number_cell(h, 1), count_cell(*v)]
                })
                .collect(),
        ),
        section(
            "Closures by outcome",
            format!(
                "Positive outcome rate: {}",
                match (r.closures.positive_rate, r.caseload.closed) {
                    (Some(x), _) => format!("{:.1}%", x * 100.0),
                    (None, Count::Value(0)) => "none (no cases closed)".to_string(),
                    (None, _) => "withheld".to_string(),
                }
            ),
            &["outcome", "cases"],
            breakdown_rows(&r.closures.by_outcome, &|k| k.parse::<CaseOutcome>().ok().map(CaseOutcome::label)),
        ),
    ];
    let o = &r.outcomes;
    out.push(section(
        "Outcomes by pathway",
        format!(
            "Women assessed: {}; progressed: {}; progress rate: {}; completions (progressed on at least {} pathways, \
             case closed in the period): {}",
            count_cell(o.women_assessed).for_csv(),
            count_cell(o.women_progressed).for_csv(),
            match (o.progress_rate, o.women_assessed) {
                (Some(x), _) => format!("{:.1}%", x * 100.0),
                (None, Count::Value(0)) => "none (no women assessed)".to_string(),
                (None, _) => "withheld".to_string(),
            },
            o.completion_pathways,
            count_cell(o.completions).for_csv(),
        ),
        &["pathway", "assessed", "progressed"],
        o.by_pathway
            .0
            .iter()
            .map(|(p, c)| vec![Cell::Name(p.as_str(), p.label()), count_cell(c.assessed), count_cell(c.progressed)])
            .collect(),
    ));
    out.push(section(
        "Equality",
        "The women counted in women supported; each breakdown adds up to it.",
        &["breakdown", "group", "women"],
        r.equality
            .breakdowns()
            .into_iter()
            .flat_map(|(which, b)| {
                b.0.iter().map(move |(k, v)| vec![Cell::text(which), Cell::text(k.clone()), count_cell(*v)])
            })
            .collect(),
    ));
    out.push(section(
        "Targets",
        "Actual is counted over the target's own period up to the end of this one.",
        &["service", "measure", "period", "counted", "target", "actual", "percent"],
        r.targets
            .iter()
            .map(|t| {
                let subject = t.service.clone().or(t.grant.clone()).unwrap_or_default();
                vec![
                    Cell::text(match &t.provider {
                        Some(p) => format!("{p}: {subject}"),
                        None => subject,
                    }),
                    Cell::text(t.measure.as_str()),
                    Cell::text(t.period.clone()),
                    Cell::text(format!("{}..{}", t.counted_from, t.counted_to)),
                    Cell::Int(t.target),
                    count_cell(t.actual),
                    number_cell(t.percent, 1),
                ]
            })
            .collect(),
    ));
    out.push(section(
        "Grants",
        "",
        &["decision", "grant", "recipient", "awarded", "paid_in_period", "paid_to_date", "outstanding"],
        r.grants
            .iter()
            .map(|g| {
                vec![
                    Cell::text(g.decision.clone()),
                    Cell::text(match &g.provider {
                        Some(p) => format!("{p}: {}", g.grant),
                        None => g.grant.clone(),
                    }),
                    Cell::text(g.recipient.clone()),
                    Cell::Money(g.awarded),
                    Cell::Money(g.paid_in_period),
                    Cell::Money(g.paid_to_date),
                    Cell::Money(g.outstanding),
                ]
            })
            .collect(),
    ));
    if !r.suppression.legend.is_empty() {
        out.push(section(
            "Key to withheld counts",
            format!(
                "{} count{} withheld as <{}, {} as [c].",
                r.suppression.primary,
                if r.suppression.primary == 1 { "" } else { "s" },
                r.suppression.threshold,
                r.suppression.secondary
            ),
            &["symbol", "meaning"],
            r.suppression.legend.iter().map(|(k, v)| vec![Cell::text(k.clone()), Cell::text(v.clone())]).collect(),
        ));
    }
    out
}

fn run_caseload(a: CaseloadArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let as_of = as_of_or_today(a.as_of)?;
    let report = caseload::build(&db.conn, as_of)?;
    let mut out = ctx.out();
    let tier_cols: Vec<String> = report.tiers.iter().map(|(t, _)| t.to_lowercase()).collect();
    let mut columns: Vec<&str> = vec!["as_of", "worker", "name", "cases"];
    columns.extend(tier_cols.iter().map(String::as_str));
    columns.extend(["committed_hours", "capacity_hours", "utilisation_percent", "over_capacity"]);
    let mut rows = out.rows(&columns)?;
    for w in &report.workers {
        let mut cells =
            vec![Cell::Date(as_of), Cell::text(w.worker.clone()), Cell::opt_text(w.name.clone()), Cell::Int(w.cases)];
        cells.extend(w.by_tier.iter().map(|(_, n)| Cell::Int(*n)));
        cells.extend([
            Cell::Num(w.committed_hours, 1),
            Cell::Num(w.capacity_hours, 1),
            Cell::Num(w.utilisation_percent, 1),
            Cell::Bool(w.over_capacity),
        ]);
        rows.push(cells)?;
    }
    rows.finish()?;
    out.flush()?;
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
    let mut out = ctx.out();
    match ctx.format {
        Format::Json => out.json(&report)?,
        Format::Table => {
            let grant_rows = report
                .grants
                .iter()
                .map(|g| {
                    vec![
                        Cell::text(g.decision.clone()),
                        Cell::text(g.grant.clone()),
                        Cell::text(g.recipient.clone()),
                        Cell::text(g.status.clone()),
                        Cell::Money(g.awarded),
                        Cell::Money(g.paid_in_period),
                        Cell::Money(g.paid_to_date),
                        Cell::Money(g.outstanding),
                    ]
                })
                .collect();
            let gap_rows: Vec<Vec<Cell>> = report
                .decisions_not_adding_up
                .iter()
                .map(|d| {
                    let what = if d.problem == "under_allocated" {
                        format!("under-allocated by {}", d.difference.pretty())
                    } else {
                        format!("over-allocated by {}", crate::value::Pence(-d.difference.0).pretty())
                    };
                    vec![
                        Cell::text(d.decision.clone()),
                        Cell::text(d.title.clone()),
                        Cell::Money(d.amount),
                        Cell::Money(d.granted),
                        Cell::text(what),
                    ]
                })
                .collect();
            let mut sections = vec![section(
                format!("Grants {} ({} to {})", report.period.label, report.period.from, report.period.to),
                "",
                &[
                    "decision",
                    "grant",
                    "recipient",
                    "status",
                    "awarded",
                    "paid_in_period",
                    "paid_to_date",
                    "outstanding",
                ],
                grant_rows,
            )];
            let note = if gap_rows.is_empty() { "Every decision's grants add up to its amount." } else { "" };
            sections.push(section(
                "Decisions whose grants do not add up",
                note,
                &["decision", "title", "amount", "granted", "difference"],
                gap_rows,
            ));
            out.sections(&sections)?;
        }
        Format::Html => return Err(html_only()),
        Format::Csv | Format::Jsonl | Format::Xlsx => {
            let mut rows = out.rows(&[
                "decision",
                "grant",
                "recipient",
                "status",
                "awarded",
                "paid_in_period",
                "paid_to_date",
                "outstanding",
                "decision_amount",
                "decision_unallocated",
            ])?;
            for g in &report.grants {
                rows.push(vec![
                    Cell::text(g.decision.clone()),
                    Cell::text(g.grant.clone()),
                    Cell::text(g.recipient.clone()),
                    Cell::text(g.status.clone()),
                    Cell::Money(g.awarded),
                    Cell::Money(g.paid_in_period),
                    Cell::Money(g.paid_to_date),
                    Cell::Money(g.outstanding),
                    Cell::Money(g.decision_amount),
                    Cell::Money(g.decision_unallocated),
                ])?;
            }
            for d in report
                .decisions_not_adding_up
                .iter()
                .filter(|d| !report.grants.iter().any(|g| g.decision == d.decision))
            {
                let mut cells = vec![Cell::text(d.decision.clone())];
                cells.extend(std::iter::repeat(Cell::Null).take(7));
                cells.extend([Cell::Money(d.amount), Cell::Money(d.difference)]);
                rows.push(cells)?;
            }
            rows.finish()?;
        }
    }
    out.flush()?;
    Ok(0)
}

fn run_explain(a: ExplainArgs, ctx: &mut Ctx) -> Result<u8> {
    let db = ctx.open()?;
    let mut opts = return_options(&db.conn, a.period, a.service.as_deref(), Suppression::NONE)?;
    opts.completion_pathways = a.completion_pathways;
    let e = explain::explain(&db.conn, &opts, &a.figure)?;
    let mut out = ctx.out();
    match ctx.format {
        Format::Json => out.json_streamed(&e.json(&db.conn), |j| j.failure.borrow_mut().take())?,
        Format::Table => {
            // A table is fitted to all its rows, so they are gathered first.
            let mut rows = Vec::new();
            let n = e.each_record(&db.conn, |r| {
                rows.push(explain_row(r));
                Ok(())
            })?;
            let mut note = format!("Rule: {}\n{n} record{} listed", e.rule, if n == 1 { "" } else { "s" });
            if let Some(s) = &e.service {
                note = format!(
                    "Service: {}{}\n{note}",
                    s.name,
                    if s.includes.is_empty() { String::new() } else { format!(" (with {})", s.includes.join(", ")) }
                );
            }
            let title =
                format!("{} = {} ({} {} to {})", e.figure, value_text(&e), e.period.label, e.period.from, e.period.to);
            out.sections(&[section(title, note, EXPLAIN_COLUMNS, rows)])?;
        }
        Format::Html => return Err(html_only()),
        Format::Csv | Format::Jsonl | Format::Xlsx => {
            let mut rows = out.rows(EXPLAIN_COLUMNS)?;
            e.each_record(&db.conn, |r| rows.push(explain_row(r)))?;
            rows.finish()?;
        }
    }
    out.flush()?;
    Ok(0)
}

const EXPLAIN_COLUMNS: &[&str] = &["record", "kind", "service", "date", "value", "detail"];

fn value_text(e: &Explanation) -> String {
    match &e.figure_value {
        FigureValue::Count(c) => c.text(),
        FigureValue::Number(n) => n.map_or("none".into(), |x| x.to_string()),
        FigureValue::Money(p) => p.pretty(),
        FigureValue::Int(i) => i.to_string(),
        FigureValue::Text(t) => t.clone().unwrap_or_default(),
    }
}

fn explain_row(r: Record) -> Vec<Cell> {
    vec![
        Cell::text(r.record),
        Cell::text(r.kind),
        Cell::opt_text(r.service),
        Cell::opt_text(r.date),
        match r.value {
            None => Cell::Null,
            Some(RecordValue::Days(d)) => Cell::Int(d),
            Some(RecordValue::Hours(h)) => Cell::Num(h, 1),
            Some(RecordValue::Money(p)) => Cell::Money(p),
        },
        Cell::text(r.detail),
    ]
}
