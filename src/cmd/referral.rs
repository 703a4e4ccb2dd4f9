//! `pathway referral add|list|show|update|import|export`.

use crate::app::Ctx;
use crate::cmd::{report_summary, ImportArgs};
use crate::domain::referral::{self, Changes, ListOptions, OutcomeFilter, Referral, YesNo};
use crate::output::emit;
use crate::output::referral::{self as shown, ReferralShown};
use crate::value::names::{Needs, ReferralOutcome, Risk, Source};
use crate::value::Clearable;
use crate::value::{Date, Period};
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway referral import referrals.csv
  pathway referral add --client BC-0042 --service \"Beth Centre\" --date 12/04/21 --source probation --needs \"housing;mental_health\"
  pathway referral update R-2021-0042 --outcome engaged --first-contact 15/04/21
  pathway referral list --period 2021-04 --service \"Beth Centre\" --format csv";

const VALUES: &str = "\
Sources: police, probation, crc, liaison_diversion, court, self, gp, social_care, housing, other.
Needs (separate with ;): mental_health, substance_misuse, alcohol, domestic_abuse, housing, debt,
  learning_disability, children, employment, sex_work, other.
Outcomes: accepted, declined, no_contact, engaged, closed (or none yet).
Risk (DASH): standard, medium, high (empty when not assessed). MARAC: yes or no.
Dates: 2021-04-12, 12/04/2021, 12/4/21 or 12.04.21 (day first, never month first).";

/// Referrals of women to services: who referred them, their needs, what came of it
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record one referral
    #[command(
        long_about = "Record one referral of a woman (known only by her pseudonymous client_ref) to a service. \
A client_ref seen for the first time is recorded as a new client.",
        after_help = "Examples:\n  pathway referral add --client BC-0042 --service \"Beth Centre\" --date 12/04/21 --source probation\n  pathway referral add --client BC-0043 --service \"Southwark spoke\" --date 2021-04-13 --source police --needs \"domestic_abuse;housing\" --risk high --marac yes --ref R-2021-0043"
    )]
    Add(AddArgs),
    /// List referrals, filtered by period, service, source, outcome or client
    #[command(
        after_help = "Examples:\n  pathway referral list --period 2021-04\n  pathway referral list --period 2021/22-Q1 --service \"Beth Centre\" --source police\n  pathway referral list --outcome none --format csv"
    )]
    List(FilterArgs),
    /// Show one referral, by its provider ref or '#ID'
    #[command(
        after_help = "Examples:\n  pathway referral show R-2021-0042\n  pathway referral show '#17' --format json"
    )]
    Show {
        /// The provider's ref, or '#ID' (quote it: # starts a comment in shells)
        referral: String,
    },
    /// Change a referral's outcome, first contact, needs, risk or MARAC
    #[command(
        long_about = "Change a referral's outcome, first contact date, needs, area, DASH risk, MARAC or ref. \
Name the referral by its provider ref, or by '#ID' (the id shown by `referral list`; quote it, since # starts a \
comment in shells). Give `none` to clear an outcome, first contact, risk or area. --client and --date correct \
what an import never changes: the client and the referral date (checked as `referral add` checks them, and audited).",
        after_help = "Examples:\n  pathway referral update R-2021-0042 --outcome engaged --first-contact 12/04/21\n  pathway referral update '#17' --risk high --marac yes\n  pathway referral update R-2021-0050 --outcome none\n  pathway referral update R-2021-0042 --client BC-0043 --date 13/04/21"
    )]
    Update(UpdateArgs),
    /// Import referrals from a CSV file (all or nothing; safe to repeat)
    #[command(
        long_about = "Import referrals from a CSV file with the columns
  client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref
and optionally risk,marac (columns in any order; area, outcome, first_contact_on, ref, risk and marac may be
empty or absent; needs may be empty).

The import is atomic: if any row is invalid nothing is written and every problem is listed as
FILE:LINE: column: message. With --skip-invalid --rejects FILE the good rows are imported and the bad ones
written to FILE with an error column. It is idempotent: rows are matched on ref where given, else on client,
service, referred_on and source, so importing the same file twice adds nothing (the summary says how many rows
were new, updated and unchanged). A client_ref seen for the first time is recorded as a new client.
Columns for names, addresses or dates of birth are always refused.

Nothing changes silently: a row whose ref belongs to a referral of another client, service or date is refused
(correct those with `referral update --client/--date`); an empty cell where a value is recorded is refused
unless --allow-clear; two rows describing one referral differently are refused, naming both lines, and
identical repeats are counted as repeated; a new ref that a spreadsheet could have made from a recorded one
(2104.1 from 2104.10) is refused. --dry-run lists every change and writes nothing.",
        after_help = "Examples:\n  pathway referral import referrals.csv\n  pathway referral import april.csv --skip-invalid --rejects april-rejects.csv\n  pathway referral import --dry-run april.csv\n  pathway referral export --period 2021/22 | pathway --db other.db referral import -"
    )]
    Import(ImportArgs),
    /// Export referrals as CSV with exactly the import's columns
    #[command(
        long_about = "Write referrals with exactly the import's 11 columns
  client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref,risk,marac
(CSV unless --format json or jsonl is given), so that export and import round-trip.",
        after_help = "Examples:\n  pathway referral export > referrals.csv\n  pathway referral export --period 2021/22 --service \"Beth Centre\" > beth-2021-22.csv"
    )]
    Export(FilterArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = format!("{VALUES}\n{}", "Examples:\n  pathway referral add --client BC-0042 --service \"Beth Centre\" --date 12/04/21 --source probation\n  pathway referral add --client BC-0043 --service \"Southwark spoke\" --date 2021-04-13 --source police --needs \"domestic_abuse;housing\" --risk high --marac yes --ref R-2021-0043"))]
pub struct AddArgs {
    /// The woman's pseudonymous client_ref (never a name or date of birth)
    #[arg(long, value_name = "REF")]
    pub client: String,
    /// The service she was referred to
    #[arg(long)]
    pub service: String,
    /// The date of the referral
    #[arg(long = "date", alias = "referred-on", value_name = "DATE")]
    pub referred_on: Date,
    /// Who referred her
    #[arg(long)]
    pub source: Source,
    /// The area (borough) she lives in
    #[arg(long)]
    pub area: Option<String>,
    /// Her needs, separated by ; (e.g. "housing;mental_health")
    #[arg(long)]
    pub needs: Option<Needs>,
    /// What came of it, if known yet
    #[arg(long)]
    pub outcome: Option<ReferralOutcome>,
    /// The date of first contact (never before the referral)
    #[arg(long, value_name = "DATE")]
    pub first_contact: Option<Date>,
    /// The provider's own reference for the referral
    #[arg(long = "ref", value_name = "REF")]
    pub ref_: Option<String>,
    /// DASH risk level, when assessed
    #[arg(long)]
    pub risk: Option<Risk>,
    /// Whether a MARAC referral was made (yes/no)
    #[arg(long, value_name = "YES|NO")]
    pub marac: Option<YesNo>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = format!("{VALUES}\n{}", "Examples:\n  pathway referral update R-2021-0042 --outcome engaged --first-contact 12/04/21\n  pathway referral update '#17' --risk high --marac yes\n  pathway referral update R-2021-0050 --outcome none\n  pathway referral update R-2021-0042 --client BC-0043 --date 13/04/21"))]
pub struct UpdateArgs {
    /// The provider's ref, or '#ID'
    pub referral: String,
    /// The outcome, or none
    #[arg(long)]
    pub outcome: Option<Clearable<ReferralOutcome>>,
    /// The date of first contact, or none
    #[arg(long, value_name = "DATE")]
    pub first_contact: Option<Clearable<Date>>,
    /// Needs, separated by ; (replaces the recorded needs)
    #[arg(long)]
    pub needs: Option<Needs>,
    /// The area, or none
    #[arg(long)]
    pub area: Option<Clearable<String>>,
    /// DASH risk level, or none
    #[arg(long)]
    pub risk: Option<Clearable<Risk>>,
    /// Whether a MARAC referral was made (yes/no)
    #[arg(long, value_name = "YES|NO")]
    pub marac: Option<YesNo>,
    /// Give the referral a provider ref
    #[arg(long = "ref", value_name = "REF")]
    pub ref_: Option<String>,
    /// Correct the client the referral is of (the client_ref; an import never moves a referral)
    #[arg(long, value_name = "CLIENT_REF")]
    pub client: Option<String>,
    /// Correct the referral date (an import never changes it)
    #[arg(long, value_name = "DATE")]
    pub date: Option<Date>,
}

#[derive(Debug, clap::Args)]
pub struct FilterArgs {
    /// Referred in this period: 2021-04, 2021/22, 2021/22-Q1 or 2021-04-01..2021-06-30 (both ends included)
    #[arg(long)]
    pub period: Option<Period>,
    /// Referred to this service (a hub includes its spokes, as in the return)
    #[arg(long)]
    pub service: Option<String>,
    /// Referred by this source
    #[arg(long)]
    pub source: Option<Source>,
    /// With this outcome (none: no outcome yet)
    #[arg(long)]
    pub outcome: Option<OutcomeFilter>,
    /// Of this client
    #[arg(long, value_name = "REF")]
    pub client: Option<String>,
}

impl FilterArgs {
    fn options(self) -> ListOptions {
        ListOptions {
            period: self.period,
            service: self.service,
            source: self.source,
            outcome: self.outcome,
            client: self.client,
        }
    }
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Add(a) => {
            let mut db = ctx.open()?;
            let r = Referral {
                client_ref: a.client.trim(),
                referred_on: a.referred_on,
                source: a.source,
                service: &a.service,
                area: a.area.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                needs: a.needs.unwrap_or_default(),
                outcome: a.outcome,
                first_contact_on: a.first_contact,
                ref_: a.ref_.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                risk: a.risk,
                marac: a.marac.map(|m| m.0).unwrap_or(false),
            };
            let id = referral::add(&mut db.conn, &r, &ctx.command)?;
            ctx.say(&format!("recorded referral #{id}"));
            if !ctx.for_people() {
                emit(&ReferralShown(&referral::find(&db.conn, &format!("#{id}"))?), &mut ctx.out())?;
            }
            Ok(0)
        }
        Command::List(f) => {
            let db = ctx.open()?;
            let filter = referral::filter(&db.conn, &f.options())?;
            let mut out = ctx.out();
            let mut rows = out.rows(shown::LIST_COLUMNS)?;
            referral::each(&db.conn, &filter, |r| rows.push(shown::list_cells(r)))?;
            rows.finish()?;
            Ok(0)
        }
        Command::Show { referral: which } => {
            let db = ctx.open()?;
            emit(&ReferralShown(&referral::find(&db.conn, &which)?), &mut ctx.out())?;
            Ok(0)
        }
        Command::Update(a) => {
            let mut db = ctx.open()?;
            let changes = Changes {
                outcome: a.outcome.map(|c| c.0),
                first_contact_on: a.first_contact.map(|c| c.0),
                risk: a.risk.map(|c| c.0),
                marac: a.marac.map(|m| m.0),
                needs: a.needs,
                area: a.area.map(|c| c.0.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())),
                ref_: a.ref_.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
                client_ref: a.client.map(|s| s.trim().to_string()),
                referred_on: a.date,
            };
            if changes.outcome.is_none()
                && changes.first_contact_on.is_none()
                && changes.risk.is_none()
                && changes.marac.is_none()
                && changes.needs.is_none()
                && changes.area.is_none()
                && changes.ref_.is_none()
                && changes.client_ref.is_none()
                && changes.referred_on.is_none()
            {
                return Err(crate::error::usage(
                    "nothing to change: give --outcome, --first-contact, --needs, --area, --risk, --marac, --ref, --client or --date",
                ));
            }
            let r = referral::update(&mut db.conn, &a.referral, &changes, &ctx.command)?;
            ctx.say(&format!("updated referral #{}", r.id));
            if !ctx.for_people() {
                emit(&ReferralShown(&r), &mut ctx.out())?;
            }
            Ok(0)
        }
        Command::Import(a) => {
            let mut db = ctx.open()?;
            let summary = crate::import::referral::run(&mut db, &a.options(ctx), &ctx.command)?;
            report_summary(ctx, &summary, "referrals")?;
            Ok(0)
        }
        Command::Export(f) => {
            let db = ctx.open()?;
            let filter = referral::filter(&db.conn, &f.options())?;
            let mut out = ctx.export_out();
            let mut rows = out.rows(&crate::import::referral::header())?;
            referral::each(&db.conn, &filter, |r| rows.push(shown::export_cells(r)))?;
            rows.finish()?;
            Ok(0)
        }
    }
}
