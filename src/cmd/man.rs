//! `pathway man`: the manual page, generated from the same clap definitions.

use crate::app::Ctx;
use anyhow::Result;
use clap::CommandFactory;

pub const EXAMPLES: &str = "\
Examples:
  pathway man > pathway.1 && man -l pathway.1
  pathway man | groff -man -Tutf8 | less";

/// Print the manual page (roff), for `man -l` or installing in man1.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {}

pub fn run(_args: Args, ctx: &mut Ctx) -> Result<u8> {
    let cmd = crate::cli::Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    let mut out = ctx.out();
    out.text(&String::from_utf8_lossy(&buf))?;
    out.flush()?;
    Ok(0)
}
