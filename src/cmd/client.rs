//! `pathway client import|list|export|show|erase`.

use crate::app::Ctx;
use crate::cmd::report_summary;
use crate::cmd::ImportArgs;
use crate::domain::client;
use crate::domain::duplicates;
use crate::error::usage;
use crate::output::client::{self as shown, ClientShown};
use crate::output::emit;
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway client import clients.csv
  pathway client show BC-0042
  pathway client erase BC-0042 --yes
  pathway client duplicates
  pathway client link BC-042 --into BC-0042";

/// Clients: equality-monitoring data, subject access requests, erasure, duplicates
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// `client import --help`: the columns, and every answer accepted for the
/// equality columns, from the lists the parsers use.
fn import_long() -> String {
    use crate::domain::client::{DISABILITY_SPELLINGS, ETHNICITY_SPELLINGS, NOT_RECORDED, PREFER_NOT};
    use crate::value::names::Ethnicity;
    let spellings: Vec<String> = ETHNICITY_SPELLINGS.iter().map(|(w, e)| format!("\"{w}\" → {}", e.as_str())).collect();
    let quoted = |l: &[&str]| l.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ");
    let disability: Vec<String> =
        DISABILITY_SPELLINGS.iter().map(|(w, d)| format!("\"{w}\" → {}", d.as_str())).collect();
    format!(
        "Import clients' equality-monitoring attributes from a CSV file with the columns
  client_ref,birth_year,ethnicity,disability,dependent_children
All five columns must be present; an empty cell means \"not recorded\" for a new client, and is refused where a value is recorded unless --allow-clear (which clears it).
A client is matched by client_ref: new refs are added, changed rows update the client.

client_ref: the provider's pseudonymous reference (letters, digits, - _ / . and at least one digit); names
  and dates of birth are refused, and so is any column for names, addresses or dates of birth.
birth_year: four digits (only the year is ever recorded).
ethnicity (ONS 2021): {}.
  Also the labels (\"White: British\", \"Asian: Bangladeshi\") and these spellings, recorded as shown
  (a broad group without its detail counts as that group's \"other\"): {}.
disability: yes, no, prefer_not_to_say; also {}.
dependent_children: 0 to 30; also \"No\" or \"None\" (0). \"Yes\" is refused: write how many.
In every equality column, case, spaces and punctuation do not matter (\"White - British\" is
  \"white british\"), {} mean \"prefer not to say\" (for dependent_children: not recorded),
  and {} are not recorded, as an empty cell is.
Values are stored as the codes above; messages never repeat a value.",
        Ethnicity::names(),
        spellings.join(", "),
        disability.join(", "),
        quoted(PREFER_NOT),
        quoted(NOT_RECORDED),
    )
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import equality-monitoring data (client_ref,birth_year,ethnicity,disability,dependent_children)
    #[command(
        long_about = import_long(),
        after_help = "Examples:\n  pathway client import clients.csv\n  pathway client import clients.csv --skip-invalid --rejects client-rejects.csv"
    )]
    Import(ImportArgs),
    /// List clients with their attributes and how many referrals and cases each has
    #[command(after_help = "Examples:\n  pathway client list\n  pathway client list --format json")]
    List,
    /// Export clients with exactly the import's columns
    #[command(after_help = "Examples:\n  pathway client export > clients.csv")]
    Export,
    /// Everything held about one client (a subject access request)
    #[command(
        long_about = "Show everything pathway holds about one client_ref, across every table: the client's \
attributes, her referrals, her cases and their tier history, and her assessments. With --format json the answer is one object \
with arrays; with --format csv it is one row per value (section,item,field,value).",
        after_help = "Examples:\n  pathway client show BC-0042\n  pathway client show BC-0042 --format json > sar-BC-0042.json"
    )]
    Show {
        /// The client_ref
        client_ref: String,
    },
    /// Erase a client and everything held about her (needs --yes)
    #[command(
        long_about = "Remove a client and everything held about her: her cases, their tier history and her assessments, her \
referrals and the client record, in one transaction. The removed rows are overwritten in the database file \
(secure delete) and the write-ahead log is emptied. The audit log records that an erasure happened and how \
many rows went, never the client_ref. This cannot be undone: take a backup first if in doubt, and give --yes \
to confirm (there is no prompt, so it is safe in scripts).",
        after_help = "Examples:\n  pathway client erase BC-0042 --yes\n  pathway client show BC-0042 --format json > sar.json && pathway client erase BC-0042 --yes"
    )]
    Erase {
        /// The client_ref
        client_ref: String,
        /// Confirm the erasure
        #[arg(long)]
        yes: bool,
    },
    /// List likely duplicate clients (BC-042 / BC-0042 / bc0042) with the evidence
    #[command(
        long_about = DUPLICATES_HELP,
        after_help = "Examples:\n  pathway client duplicates\n  pathway client duplicates --within 14 --format csv > duplicates.csv"
    )]
    Duplicates {
        /// Referrals of the two this many days apart or fewer count as close
        #[arg(long, value_name = "DAYS", default_value_t = 30)]
        within: i64,
    },
    /// Move one client's records to another (the same woman entered twice); undone by unlink
    #[command(
        long_about = "Link a client into another when both refs are the same woman (see `client duplicates`): \
her referrals, cases, assessments and the audit entries about them move to the other client, in one \
audited transaction, so that returns count her once. Her own client record stays as it was, and the \
moved records are listed, so that `client unlink` restores everything exactly. Nothing is merged: \
equality answers stay where they were recorded. A link is refused when both have an open case at \
one service or an assessment on one pathway on one day (correct one first).",
        after_help = "Examples:\n  pathway client link BC-042 --into BC-0042\n  pathway client unlink BC-042"
    )]
    Link {
        /// The client_ref whose records move
        client_ref: String,
        /// The client_ref they move to
        #[arg(long, value_name = "CLIENT_REF")]
        into: String,
    },
    /// Undo `client link`: move the linked client's records back
    #[command(after_help = "Examples:\n  pathway client unlink BC-042")]
    Unlink {
        /// The client_ref that was linked into another
        client_ref: String,
    },
}

const DUPLICATES_HELP: &str = "List pairs of clients that are likely the same woman entered twice: their \
client_refs are equal once case, separators (- _ / . and spaces) and leading zeros are set aside \
(BC-042, BC-0042 and bc0042 are one ref). For each pair the evidence is shown: the ref both reduce to, \
whether their birth years are the same, different or not recorded (the years themselves are never \
shown), and how many days apart their nearest referrals are (close: within --within days, 30 by \
default).

This is a local data-quality list for the centre: it shows the two client refs and nothing else \
about the women (no equality answers). Do not send it outside the centre. Nothing is changed: link a \
pair you have checked with `pathway client link A --into B`.";

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Import(a) => {
            let mut db = ctx.open()?;
            let summary = crate::import::client::run(&mut db, &a.options(ctx), &ctx.command)?;
            report_summary(ctx, &summary, "clients")?;
            Ok(0)
        }
        Command::List => {
            let db = ctx.open()?;
            let mut out = ctx.out();
            let mut rows = out.rows(shown::LIST_COLUMNS)?;
            client::list(&db.conn, |c| rows.push(shown::list_cells(c)))?;
            rows.finish()?;
            Ok(0)
        }
        Command::Export => {
            let db = ctx.open()?;
            let mut out = ctx.export_out();
            let mut rows = out.rows(shown::CLIENT_COLUMNS)?;
            client::list(&db.conn, |c| rows.push(shown::attribute_cells(c)))?;
            rows.finish()?;
            Ok(0)
        }
        Command::Show { client_ref } => {
            let db = ctx.open()?;
            let held = client::held(&db.conn, &client_ref)?;
            emit(&ClientShown(&held), &mut ctx.out())?;
            Ok(0)
        }
        Command::Erase { client_ref, yes } => {
            if !yes {
                return Err(usage(
                    "`client erase` removes this client and all her referrals and cases for good; give --yes to confirm \
                     (see what would go with `pathway client show REF`, and take a backup with `pathway db backup FILE` if in doubt)",
                ));
            }
            let mut db = ctx.open()?;
            let e = client::erase(&mut db.conn, &client_ref, &ctx.command)?;
            ctx.say(&format!("erased: {}", e.detail()));
            if !e.checkpointed {
                ctx.say(client::NOT_CHECKPOINTED);
            }
            Ok(0)
        }
        Command::Duplicates { within } => {
            let db = ctx.open()?;
            let pairs = duplicates::find(&db.conn, within)?;
            emit(&shown::Pairs(&pairs), &mut ctx.out())?;
            Ok(0)
        }
        Command::Link { client_ref, into } => {
            let mut db = ctx.open()?;
            let m = duplicates::link(&mut db.conn, &client_ref, &into, &ctx.command)?;
            ctx.say(&format!(
                "linked: moved {} into the other client; `pathway client unlink` with the first ref undoes it",
                m.counts()
            ));
            Ok(0)
        }
        Command::Unlink { client_ref } => {
            let mut db = ctx.open()?;
            let m = duplicates::unlink(&mut db.conn, &client_ref, &ctx.command)?;
            ctx.say(&format!("unlinked: moved {} back", m.counts()));
            Ok(0)
        }
    }
}
