//! `pathway provider`: who this database's returns are from.

use crate::app::Ctx;
use crate::domain::provider;
use crate::output::emit;
use crate::output::provider::ProviderShown;
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway provider set \"Juno Women's Aid\" --identifier GB-CHC-1234567
  pathway provider show";

const SET_LONG: &str = "\
Record, once for the database, the provider its returns are from: the name
(an organisation, as grants and services name it) and, when it has one, its
360Giving org-id (e.g. GB-CHC-1234567 for a registered charity, GB-COH-01234567
for a company). Every return carries them: in the JSON's `provider`, the table's
and the HTML page's header, and the CSV's provider rows. A commissioner merging
several providers' returns tells them apart by these. Setting it again replaces
it (audited).";

/// Who this database's returns are from (name and org-id)
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record the provider the returns are from
    #[command(long_about = SET_LONG, after_help = "Examples:
  pathway provider set \"Juno Women's Aid\" --identifier GB-CHC-1234567
  pathway provider set \"Beth Centre\"")]
    Set {
        /// The provider's name, e.g. "Juno Women's Aid"
        #[arg(value_name = "NAME")]
        name: String,
        /// Its 360Giving org-id, e.g. GB-CHC-1234567
        #[arg(long, value_name = "ORG-ID")]
        identifier: Option<String>,
    },
    /// Show the provider recorded
    #[command(after_help = "Examples:\n  pathway provider show\n  pathway provider show --format json")]
    Show,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Set { name, identifier } => {
            let mut db = ctx.open()?;
            let s = provider::set(&mut db.conn, &name, identifier.as_deref(), &ctx.command)?;
            let p = &s.provider;
            ctx.say(&format!(
                "returns are from {}{}{}",
                p.name,
                p.identifier.as_ref().map(|i| format!(" ({i})")).unwrap_or_default(),
                if s.new_organisation { " (recorded as a new provider)" } else { "" }
            ));
            Ok(0)
        }
        Command::Show => {
            let db = ctx.open()?;
            let Some(p) = provider::show(&db.conn)? else {
                return Err(crate::error::not_found(
                    "no provider is recorded; record one with `pathway provider set NAME [--identifier ORG-ID]`",
                ));
            };
            emit(&ProviderShown(&p), &mut ctx.out())?;
            Ok(0)
        }
    }
}
