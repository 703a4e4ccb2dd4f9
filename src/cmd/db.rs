//! `pathway db path|backup|check|migrate`: the database file itself.

use crate::app::Ctx;
use crate::output::db as shown;
use crate::output::emit;
use anyhow::Result;
use std::path::PathBuf;

pub const EXAMPLES: &str = "\
Examples:
  pathway db path
  pathway db backup ~/backups/pathway-2021-04-30.db
  pathway db check
  pathway db migrate";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Print which database file is in use, and why that one
    #[command(after_help = "Examples:\n  pathway db path\n  pathway --db ./test.db db path --format json")]
    Path,
    /// Write a consistent copy of the database (safe while others use it)
    #[command(
        long_about = "Write a consistent copy of the database (safe while others use it), readable by you only. \
The copy is written to a temporary file .FILE.tmp-PID beside FILE, synced, then renamed into place; the \
temporary file is removed on any error and on Ctrl-C or SIGTERM, and one left by a backup that was killed \
outright is removed by the next backup to the same folder.",
        after_help = "Examples:\n  pathway db backup ~/backups/pathway-2021-04-30.db\n  pathway db backup /media/usb/pathway.db --force"
    )]
    Backup {
        /// Where to write the copy (made readable by you only)
        file: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Check the file: SQLite's integrity and foreign keys, and pathway's own rules
    #[command(
        long_about = "Check the file: SQLite's own integrity check (every finding, one per line, e.g. \"Tree 5 page 12 \
cell 3: ...\" or \"Page 40: never used\"), then foreign keys, then pathway's own rules (grants within their \
decision, payments within their grant, cases closed after opening, no overlapping cases, tier history). Exits 0 \
when it finds nothing, 65 when pathway's rules are broken, and 74 when SQLite finds the file damaged: then \
restore the latest backup (pathway db backup makes them).",
        after_help = "Examples:\n  pathway db check\n  pathway db check --format json"
    )]
    Check,
    /// Bring an older database up to this version's schema (after a backup)
    #[command(after_help = "Examples:\n  pathway db migrate")]
    Migrate,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        DbCommand::Path => {
            let exists = ctx.db.path.exists();
            emit(&shown::Location { path: &ctx.db.path, reason: ctx.db.reason, exists }, &mut ctx.out())?;
            Ok(0)
        }
        DbCommand::Backup { file, force } => {
            let db = ctx.open()?;
            crate::domain::db::backup(&db, &file, force)?;
            ctx.say(&format!("backed up {} to {}", ctx.db.path.display(), file.display()));
            Ok(0)
        }
        DbCommand::Check => {
            let db = ctx.open()?;
            let problems = crate::domain::db::check(&db.conn)?;
            if problems.is_empty() {
                ctx.say(&format!("{}: no problems found", ctx.db.path.display()));
                return Ok(0);
            }
            emit(&shown::Problems(&problems), &mut ctx.out())?;
            if crate::domain::db::damaged(&problems) {
                return Err(
                    crate::error::Error::DamageFound { path: ctx.db.path.clone(), problems: problems.len() }.into()
                );
            }
            Err(crate::error::invalid(format!("{} problem(s) found in {}", problems.len(), ctx.db.path.display())))
        }
        DbCommand::Migrate => {
            let db = ctx.open()?;
            match db.migrated_from {
                Some(_) => {}
                None => ctx.say(&format!(
                    "{} is already at schema version {}; nothing to do",
                    ctx.db.path.display(),
                    crate::db::migrate::CURRENT_VERSION
                )),
            }
            Ok(0)
        }
    }
}
