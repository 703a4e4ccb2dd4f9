//! `pathway retention set|show|plan|apply`: keeping women's data no longer
//! than needed (UK GDPR storage limitation).

use crate::app::Ctx;
use crate::domain::retention::{self, parse_years, Action, Policy};
use crate::error::usage;
use crate::output::emit;
use crate::output::retention as shown;
use crate::value::Date;
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway retention set --years 6
  pathway retention plan
  pathway retention apply --yes -q          # from cron";

const ABOUT: &str = "Keep women's records no longer than needed (UK GDPR storage limitation).

The policy, recorded in the database, says how many years after a woman's last record her \
data is kept, and whether it is then erased (as `client erase` does) or anonymised. A woman \
ages out only when none of her records falls inside the window: no referral, first contact, \
case opened or closed, tier change or assessment on or after the cutoff (today minus the \
years), and no case still open. A woman with no records at all never ages out.

Anonymised women keep their records, so that they still count in historical returns: her \
client_ref becomes anon#<n>, her referral and case refs anon#r<n> and anon#c<n>, her equality \
answers and her cases' close reasons are cleared, and the audit entries about her are removed.

Filed returns are never changed by retention.";

/// Retention: how long women's records are kept, and removing those past it
#[derive(Debug, clap::Args)]
#[command(long_about = ABOUT, after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record the retention policy (years after a woman's last record; erase or anonymise)
    #[command(
        after_help = "Examples:\n  pathway retention set --years 6\n  pathway retention set --years 7 --action anonymise"
    )]
    Set {
        /// Years after a woman's last record that her data is kept (1 to 100)
        #[arg(long, value_name = "N", value_parser = parse_years)]
        years: u32,
        /// What happens then: erase or anonymise [default: erase]
        #[arg(long, value_name = "ACTION", default_value = "erase")]
        action: Action,
    },
    /// Show the recorded retention policy
    #[command(after_help = "Examples:\n  pathway retention show\n  pathway retention show --format json")]
    Show,
    /// Count what the policy would remove today (or --as-of a day); writes nothing
    #[command(
        long_about = "Count the women who age out under the recorded policy, and their referrals, cases \
and assessments, as of today or --as-of DATE. Nothing is written. Client refs and referral refs are \
listed only with --list-refs (one row per woman), for the data protection lead to review.",
        after_help = "Examples:\n  pathway retention plan\n  pathway retention plan --as-of 2027-04-01 --format json\n  pathway retention plan --list-refs --format csv > to-review.csv"
    )]
    Plan {
        /// Plan as of this day instead of today (not after today)
        #[arg(long, value_name = "DATE")]
        as_of: Option<Date>,
        /// List each woman's client_ref, last record and referral refs
        #[arg(long)]
        list_refs: bool,
    },
    /// Erase or anonymise, as the policy says, every woman who ages out (needs --yes)
    #[command(
        long_about = "Erase or anonymise (as the policy says) every woman `retention plan` counts, in one \
transaction, with one audit entry that carries counts only. Removed rows are overwritten in the \
database file (secure delete) and the write-ahead log is emptied, as `client erase` does; backups \
made before stay as they were, so replace or delete those by your own schedule. There is no prompt: \
without --yes nothing happens (exit 2), so it is safe in cron with --yes -q.",
        after_help = "Examples:\n  pathway retention apply --yes\n  pathway retention apply --yes -q      # cron: silent on success"
    )]
    Apply {
        /// Confirm: remove what `retention plan` lists
        #[arg(long)]
        yes: bool,
        /// Apply as of this day instead of today (not after today)
        #[arg(long, value_name = "DATE")]
        as_of: Option<Date>,
    },
}

/// The message when `retention apply` is given without --yes.
pub const NEEDS_YES: &str = "`retention apply` removes every woman past the retention policy for good; give --yes \
to confirm (see what would go with `pathway retention plan`, and take a backup with `pathway db backup FILE` if in doubt)";

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Set { years, action } => {
            let mut db = ctx.open()?;
            let p = Policy { years, action };
            let old = retention::set(&mut db.conn, p, &ctx.command)?;
            ctx.say(&match old {
                Some(o) if o == p => format!("retention policy unchanged: {}", p.describe()),
                Some(o) => format!("retention policy: {} (was: {})", p.describe(), o.describe()),
                None => format!("retention policy: {}", p.describe()),
            });
            Ok(0)
        }
        Command::Show => {
            let db = ctx.open()?;
            let p = retention::show(&db.conn)?.ok_or_else(|| usage(retention::NO_POLICY))?;
            emit(&shown::PolicyShown(&p), &mut ctx.out())?;
            Ok(0)
        }
        Command::Plan { as_of, list_refs } => {
            let db = ctx.open()?;
            let plan = retention::plan(&db.conn, as_of)?;
            emit(&shown::PlanShown { plan: &plan, list_refs }, &mut ctx.out())?;
            Ok(0)
        }
        Command::Apply { yes, as_of } => {
            if !yes {
                return Err(usage(NEEDS_YES));
            }
            let mut db = ctx.open()?;
            let a = retention::apply(&mut db.conn, as_of, &ctx.command)?;
            ctx.say(&format!("retention: {}", a.detail()));
            if !a.checkpointed {
                ctx.say(crate::domain::client::NOT_CHECKPOINTED);
            }
            Ok(0)
        }
    }
}
