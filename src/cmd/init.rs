//! `pathway init`: create the database (idempotent).

use crate::app::Ctx;
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway init
  pathway --db /srv/centre/pathway.db init
  PATHWAY_DB=./pathway.db pathway init";

/// Create the database file (readable by you only) with its tables, or
/// check an existing one. Running it again changes nothing.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {}

pub fn run(_args: Args, ctx: &mut Ctx) -> Result<u8> {
    // An empty file (made by `touch`, or by another tool) holds no database yet.
    let existed = std::fs::metadata(&ctx.db.path).is_ok_and(|m| m.len() > 0);
    let db = ctx.open_or_create()?;
    let version = crate::db::user_version(&db.conn)?;
    if existed {
        // "Nothing to do" is only true of a sound file: look at every page.
        crate::db::tx::quick_check(&db.conn)?;
        ctx.say(&format!("{} is a pathway database (schema version {version}); nothing to do", ctx.db.path.display()));
    } else {
        ctx.say(&format!("created {} (schema version {version})", ctx.db.path.display()));
    }
    Ok(0)
}
