//! `pathway grant`: (being built).

use crate::app::Ctx;
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List (not built yet)
    List,
}

pub fn run(_args: Args, _ctx: &mut Ctx) -> Result<u8> {
    anyhow::bail!("not built yet")
}
