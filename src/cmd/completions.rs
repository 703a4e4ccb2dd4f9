//! `pathway completions SHELL`: shell completion scripts.

use crate::app::Ctx;
use anyhow::Result;
use clap::CommandFactory;

pub const EXAMPLES: &str = "\
Examples:
  pathway completions bash > ~/.local/share/bash-completion/completions/pathway
  pathway completions zsh > ~/.zfunc/_pathway
  pathway completions fish > ~/.config/fish/completions/pathway.fish";

/// Print a completion script for your shell.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    let mut cmd = crate::cli::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pathway", &mut buf);
    let mut out = ctx.out();
    out.text(&String::from_utf8_lossy(&buf))?;
    out.flush()?;
    Ok(0)
}
