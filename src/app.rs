//! The running command's context and the one dispatch on the subcommand.

use crate::cli::{Cli, Command, GlobalArgs};
use crate::cmd;
use crate::db::{self, Db, Open};
use crate::output::{Format, Out};
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Where the database is, and why there.
#[derive(Debug, Clone)]
pub struct DbLocation {
    pub path: PathBuf,
    pub reason: &'static str,
}

/// Resolve the database: `--db`, then `PATHWAY_DB`, then the platform data
/// folder.
pub fn locate(global: &GlobalArgs) -> Result<DbLocation> {
    if let Some(p) = &global.db {
        return Ok(DbLocation { path: p.clone(), reason: "given with --db" });
    }
    if let Some(p) = std::env::var_os("PATHWAY_DB").filter(|p| !p.is_empty()) {
        return Ok(DbLocation { path: PathBuf::from(p), reason: "from the PATHWAY_DB environment variable" });
    }
    let dirs = directories::ProjectDirs::from("", "", "pathway").ok_or_else(|| {
        anyhow::anyhow!("cannot find a home folder for the default database; give one with --db or PATHWAY_DB")
    })?;
    Ok(DbLocation {
        path: dirs.data_dir().join("pathway.db"),
        reason: "the default location (no --db or PATHWAY_DB given)",
    })
}

/// What every command gets.
pub struct Ctx {
    pub db: DbLocation,
    pub format: Format,
    pub quiet: bool,
    pub raw: bool,
    /// The command as typed, e.g. "grant add", for the audit log.
    pub command: String,
    /// Whether stderr is a terminal (progress bars).
    pub interactive: bool,
    /// `--output FILE`: the data goes to a private temporary file beside
    /// it, renamed into place when the command succeeds.
    pub output: Option<Output>,
}

/// Where `--output` writes: the file asked for, and the temporary file
/// beside it that becomes it.
#[derive(Debug, Clone)]
pub struct Output {
    pub path: PathBuf,
    pub tmp: PathBuf,
}

impl Output {
    fn new(path: PathBuf) -> Output {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        Output { path, tmp }
    }

    /// The temporary file, made afresh (0600).
    fn create(&self) -> Result<std::fs::File> {
        db::replace_private_file(&self.tmp).map_err(|e| {
            crate::error::Error::NoInput { path: self.path.clone(), reason: format!("cannot write it: {e}") }.into()
        })
    }

    /// After the command: the file put in place, or, on failure, nothing
    /// left behind.
    fn finish(&self, ok: bool) -> Result<()> {
        if !self.tmp.exists() {
            return Ok(());
        }
        if ok {
            // On the disk before it takes the name, so that a reader never
            // sees half of it.
            std::fs::File::open(&self.tmp)
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&self.tmp, &self.path))
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))?;
        } else {
            let _ = std::fs::remove_file(&self.tmp);
        }
        Ok(())
    }
}

impl Ctx {
    /// Open the existing database (not creating it).
    pub fn open(&self) -> Result<Db> {
        let d = db::open(&self.db.path, Open::Existing)?;
        if d.read_only {
            self.say(&format!(
                "note: {} is read-only here (the file, its folder or its disk cannot be written); it was opened for reading only",
                self.db.path.display()
            ));
        }
        if let Some(from) = d.migrated_from {
            self.say(&format!(
                "migrated {} from schema version {from} to {} (a backup was left beside it)",
                self.db.path.display(),
                db::migrate::CURRENT_VERSION
            ));
        }
        Ok(d)
    }

    /// Open, creating the file if it is missing.
    pub fn open_or_create(&self) -> Result<Db> {
        db::open(&self.db.path, Open::Create)
    }

    /// The output for data, on stdout.
    pub fn out(&self) -> Out<'static> {
        let w: Box<dyn Write> = match self.output.as_ref().map(Output::create) {
            Some(Ok(f)) => Box::new(std::io::BufWriter::with_capacity(64 * 1024, f)),
            Some(Err(e)) => Box::new(Failing(Some(e))),
            None => Box::new(std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout())),
        };
        Out::new(self.format, self.raw, w).with_sheet(&self.command)
    }

    /// The output for an export: CSV unless another format is asked for.
    pub fn export_out(&self) -> Out<'static> {
        self.out().for_export()
    }

    /// Whether the data is a table for a person (messages then say on
    /// stderr what a script would read from stdout).
    pub fn for_people(&self) -> bool {
        self.format.for_people()
    }

    /// A message for a person, on stderr; nothing with --quiet.
    pub fn say(&self, msg: &str) {
        if !self.quiet {
            let mut e = std::io::stderr().lock();
            let _ = writeln!(e, "{msg}");
        }
    }
}

/// A writer that fails with why the output file could not be made.
struct Failing(Option<anyhow::Error>);

impl Write for Failing {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        let why = self.0.take().map(|e| format!("{e:#}")).unwrap_or_else(|| "cannot write the output file".into());
        Err(std::io::Error::other(why))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run a parsed command line. Returns the exit code for outcomes that are
/// not errors but still non-zero (e.g. `db check` finding problems).
pub fn run(cli: Cli) -> Result<u8> {
    // Checked before anything is opened or written: HTML is a page for
    // people, made only for the return; a workbook is bytes for a file,
    // never for a terminal.
    let has_page = matches!(&cli.command, Command::Report(r) if r.command.has_page());
    let to_terminal = cli.global.output.is_none() && std::io::stdout().is_terminal();
    crate::output::check(cli.global.format, has_page, to_terminal)?;
    let db = locate(&cli.global)?;
    let mut ctx = Ctx {
        db,
        format: cli.global.format,
        quiet: cli.global.quiet,
        raw: cli.global.raw,
        command: cli.command_name.clone(),
        interactive: std::io::stderr().is_terminal(),
        output: cli.global.output.clone().map(Output::new),
    };
    let path = ctx.db.path.clone();
    let result = match cli.command {
        Command::Init(a) => cmd::init::run(a, &mut ctx),
        Command::Decision(a) => cmd::decision::run(a, &mut ctx),
        Command::Grant(a) => cmd::grant::run(a, &mut ctx),
        Command::Service(a) => cmd::service::run(a, &mut ctx),
        Command::Referral(a) => cmd::referral::run(a, &mut ctx),
        Command::Caseload(a) => cmd::caseload::run(a, &mut ctx),
        Command::Report(a) => cmd::report::run(a, &mut ctx),
        Command::Client(a) => cmd::client::run(a, &mut ctx),
        Command::Db(a) => cmd::db::run(a, &mut ctx),
        Command::Completions(a) => cmd::completions::run(a, &mut ctx),
        Command::Man(a) => cmd::man::run(a, &mut ctx),
        Command::Provider(a) => cmd::provider::run(a, &mut ctx),
        Command::Retention(a) => cmd::retention::run(a, &mut ctx),
    };
    if let Some(o) = &ctx.output {
        o.finish(result.is_ok())?;
    }
    // SQLite finding the file damaged, or refusing to write it, is named
    // as such with the file, whatever the command was doing.
    result.map_err(|e| db::classify(e, &path))
}

/// The one-line message for an error, with the whole chain. Busy and
/// read-only files are worded once, by `Error::Busy` and `Error::ReadOnly`
/// (`db::classify` turns SQLite's own errors into them).
pub fn describe(err: &anyhow::Error) -> String {
    format!("{err:#}")
}
