//! `pathway db path|backup|check|migrate`: the database file itself.

use crate::app::Ctx;
use crate::output::Cell;
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
    #[command(after_help = "Examples:\n  pathway db check\n  pathway db check --format json")]
    Check,
    /// Bring an older database up to this version's schema (after a backup)
    #[command(after_help = "Examples:\n  pathway db migrate")]
    Migrate,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        DbCommand::Path => {
            let exists = ctx.db.path.exists();
            let mut out = ctx.out();
            out.record(
                &["path", "reason", "exists"],
                vec![Cell::text(ctx.db.path.display().to_string()), Cell::text(ctx.db.reason), Cell::Bool(exists)],
            )?;
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
            let mut out = ctx.out();
            let mut rows = out.rows(&["check", "problem"])?;
            for p in &problems {
                rows.push(vec![Cell::text(p.check), Cell::text(&p.message)])?;
            }
            rows.finish()?;
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
