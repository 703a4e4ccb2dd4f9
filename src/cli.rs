//! The clap root: global options and one command per file in `cmd/`.

use crate::cmd;
use crate::output::Format;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const ABOUT: &str =
    "Records and commissioner returns for services for women in contact with the criminal justice system";

const LONG_ABOUT: &str = "\
pathway keeps one local SQLite file with commissioners' decisions, the grants
under them, referrals of women into women's centres and key workers' tiered
caseloads, and produces the monthly and quarterly returns that providers send
to commissioners, as a table, CSV or JSON.

Values: money as 47013, 47,013, £47,013 or 23966.50; dates as 2021-04-01 or
day first 01/04/2021, 1/4/21, 15.03.21 (never month first); periods as 2021-04
(a month), 2021/22 (a financial year), 2021/22-Q1 (a financial quarter) or
2021-04-01..2021-06-30 (both ends included).

Exit codes: 0 success; 2 wrong usage; 65 invalid input data (nothing was
written); 66 input file missing or unreadable; 75 database busy (try again
later); 1 anything else.";

const EXAMPLES: &str = "\
Examples:
  pathway init
  pathway decision add --ref 2021.021 --commissioner \"Nottinghamshire OPCC\" \\
    --title \"Domestic Abuse Partnership Car Pilot\" --amount \"£47,013\" --received 09.03.21
  pathway referral import referrals.csv
  pathway report return --period 2021-04 --format json > return-2021-04.json";

#[derive(Debug, Parser)]
#[command(name = "pathway", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES)]
#[command(propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,

    /// The command as the audit log names it ("grant add"), from the parsed
    /// arguments (see `parse`).
    #[arg(skip)]
    pub command_name: String,
}

/// Parse the command line (exiting with clap's message and code on a bad
/// one), and name the command from what clap parsed: the command and its
/// subcommands ("caseload worker add"), never a value, wherever the global
/// options stand.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let mut names = Vec::new();
    let mut at = &matches;
    while let Some((name, sub)) = at.subcommand() {
        names.push(name);
        at = sub;
    }
    cli.command_name = names.join(" ");
    cli
}

#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// The database file [default: $PATHWAY_DB, else the platform data
    /// folder, e.g. ~/.local/share/pathway/pathway.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Output format: a table for people; CSV, JSON or JSON Lines for scripts
    /// (same column names in all); xlsx for an Excel workbook (with --output
    /// or a redirect); html only for `report return`
    #[arg(long, global = true, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub format: Format,

    /// Print nothing on success except the data asked for (for cron)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Write CSV values exactly as stored: do not prefix cells that start with
    /// = + - @ with a ' (see README, "Spreadsheet safety")
    #[arg(long, global = true)]
    pub raw: bool,

    /// Write the data to FILE (created readable by you only) instead of
    /// standard output; needed for --format xlsx unless you redirect
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database (safe to run again)
    Init(cmd::init::Args),
    /// Commissioners' decisions (Notices of Decision)
    Decision(cmd::decision::Args),
    /// Grants under decisions, and payments against them
    Grant(cmd::grant::Args),
    /// Services (hubs, spokes, outreach) and their targets
    Service(cmd::service::Args),
    /// Referrals of women to services
    Referral(cmd::referral::Args),
    /// Key workers' caseloads: cases opened, retiered, closed
    Caseload(cmd::caseload::Args),
    /// Returns and summaries: the commissioner return, caseload, grants
    Report(cmd::report::Args),
    /// Clients: equality data, subject access, erasure
    Client(cmd::client::Args),
    /// The database file: where it is, backup, check, migrate
    Db(cmd::db::Args),
    /// Print a shell completion script
    Completions(cmd::completions::Args),
    /// Print the manual page (roff)
    Man(cmd::man::Args),
    /// Who this database's returns are from (name and org-id)
    Provider(cmd::provider::Args),
    /// Retention: how long women's records are kept, and removing those past it
    Retention(cmd::retention::Args),
}
