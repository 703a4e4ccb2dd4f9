//! `pathway service add|list|show|target|import|export`.

use crate::app::Ctx;
use crate::cmd::report_summary;
use crate::cmd::ImportArgs;
use crate::domain::service::{self, NewService};
use crate::domain::trust::Applied;
use crate::output::emit;
use crate::output::service::{service_cells as row_cells, ServiceShown, SERVICE_COLUMNS as LIST_COLUMNS};
use crate::value::names::{Measure, ServiceKind};
use crate::value::Period;
use anyhow::Result;

pub const EXAMPLES: &str = "\
Examples:
  pathway service add \"Beth Centre\" --provider \"London Women's Consortium\" --area Lambeth
  pathway service add \"Southwark spoke\" --kind spoke --hub \"Beth Centre\" --provider \"London Women's Consortium\" --area Southwark
  pathway service target \"Beth Centre\" --measure referrals --period 2016/17 --value 400
  pathway service show \"Beth Centre\"";

/// Services (hubs, spokes, outreach), who runs them, what funds them, their targets
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Record a service: a hub, a spoke of a hub, outreach or other
    #[command(
        long_about = "Record a service run by a provider. A hub is the default kind; a spoke names its hub \
with --hub (and --kind spoke may then be left out). The provider is recorded as an organisation the first \
time it is named. --grant links a grant (by its reference, e.g. 2021.021-1) that funds the service; repeat it \
for several grants.",
        after_help = "Examples:\n  pathway service add \"Beth Centre\" --provider \"London Women's Consortium\" --area Lambeth\n  pathway service add \"Croydon spoke\" --kind spoke --hub \"Beth Centre\" --provider \"London Women's Consortium\" --area Croydon\n  pathway service add \"Minerva Project\" --provider ADVANCE --area \"Hammersmith and Fulham\" --grant 2015.116-1"
    )]
    Add(AddArgs),
    /// Change a recorded service: its ONS area code
    #[command(
        long_about = "Change a recorded service, in one audited transaction. --area-code records the ONS \
area code (GSS code: E, W, S or N and 8 digits) of the area it serves, which `grant export --360giving` \
publishes as the beneficiary location of the grants that fund the service, with its type from the \
360Giving geoCodeType codelist (E09… London borough, E10… county, E06… unitary authority, ...). \
Give `none` to clear it. Look codes up on the ONS Open Geography Portal; never guess one.",
        after_help = "Examples:\n  pathway service edit \"Beth Centre\" --area-code E09000022\n  pathway service edit \"Croydon spoke\" --area-code none"
    )]
    Edit {
        /// The service's name
        name: String,
        /// The ONS area code (GSS code), e.g. E09000022 for Lambeth, or none
        #[arg(long, value_name = "GSS_CODE")]
        area_code: String,
    },
    /// List services, each hub followed by its spokes
    #[command(after_help = "Examples:\n  pathway service list\n  pathway service list --format csv > services.csv")]
    List,
    /// Show a service with its spokes, the grants that fund it and its targets
    #[command(
        after_help = "Examples:\n  pathway service show \"Beth Centre\"\n  pathway service show \"Beth Centre\" --format json"
    )]
    Show {
        /// The service's name
        name: String,
    },
    /// Set a service's target for a measure over a period (again to change it)
    #[command(
        long_about = "Set a service's target for one measure over one period: referrals (referrals to the \
service), women_supported (distinct women with a case open at the service), positive_outcomes (cases \
closed with a positive outcome), women_progressed (women with a case open at the service whose latest \
score on a resettlement pathway is higher than their first, on at least one pathway) or completions \
(women with a case at the service closed in the period who progressed on at least 4 pathways, or the \
return's --completion-pathways). Setting the same service, measure and period again changes the value.

A hub's target counts the referrals and cases of its spokes as well as its own, as `report return \
--service HUB` does: a target of 400 referrals for the Beth Centre is met by referrals to the Beth Centre \
and to its Croydon, Southwark and Lewisham spokes together. A spoke's target counts the spoke alone. The \
return shows each target whose period overlaps its own, with the actual counted over the target's period \
up to the return's last day (year to date for a year's target).",
        after_help = "Examples:\n  pathway service target \"Beth Centre\" --measure referrals --period 2016/17 --value 400\n  pathway service target \"Beth Centre\" --measure women_supported --period 2021/22-Q1 --value 60\n  pathway service target \"Beth Centre\" --measure completions --period 2021/22 --value 40"
    )]
    Target(TargetArgs),
    /// Import services from a CSV file (name,provider,area,kind,hub[,grants])
    #[command(
        long_about = "Import services from a CSV file with the columns name,provider,area,kind,hub and \
optionally grants (grant references separated by ;). A hub must come before its spokes, or be recorded \
already. Services are matched by name, so importing the same file again changes nothing; a changed row \
updates the service. All or nothing, like every import: --skip-invalid --rejects FILE keeps the good rows.",
        after_help = "Examples:\n  pathway service import examples/services.csv\n  pathway service list --format csv | pathway --db copy.db service import -"
    )]
    Import(ImportArgs),
    /// Export services with exactly the import's columns (name,provider,area,kind,hub,grants)
    #[command(
        long_about = "Export every service with the columns of `service import`: name,provider,area,kind,hub,grants \
(grant references separated by ;), each hub before its spokes, so the file imports back as it is. CSV unless --format json or jsonl is \
given.",
        after_help = "Examples:\n  pathway service export > services.csv\n  pathway service export | pathway --db copy.db service import -"
    )]
    Export,
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The service's name (unique)
    pub name: String,
    /// The organisation that runs it
    #[arg(long)]
    pub provider: String,
    /// The area (borough, county) it serves
    #[arg(long)]
    pub area: Option<String>,
    /// hub, spoke, outreach or other [default: hub, or spoke with --hub]
    #[arg(long)]
    pub kind: Option<ServiceKind>,
    /// The hub a spoke belongs to
    #[arg(long)]
    pub hub: Option<String>,
    /// A grant (by reference) that funds the service; repeat for several
    #[arg(long = "grant", value_name = "GRANT_REF")]
    pub grants: Vec<String>,
    /// The ONS area code (GSS code) of its area, e.g. E09000022 for Lambeth
    /// (the 360Giving beneficiary location)
    #[arg(long, value_name = "GSS_CODE")]
    pub area_code: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// The service's name
    pub name: String,
    /// referrals, women_supported, positive_outcomes, women_progressed or completions
    #[arg(long)]
    pub measure: Measure,
    /// 2021-04, 2021/22, 2021/22-Q1 or 2021-04-01..2021-06-30 (both ends included)
    #[arg(long)]
    pub period: Period,
    /// The target: a count
    #[arg(long)]
    pub value: u32,
}

pub fn run(args: Args, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Command::Add(a) => {
            let mut db = ctx.open()?;
            let s = NewService {
                name: &a.name,
                provider: &a.provider,
                area: a.area.as_deref(),
                kind: a.kind,
                hub: a.hub.as_deref(),
                grants: a.grants.iter().map(String::as_str).collect(),
            };
            service::add(&mut db.conn, &s, a.area_code.as_deref(), &ctx.command)?;
            ctx.say(&format!("recorded service '{}'", a.name.trim()));
            Ok(0)
        }
        Command::Edit { name, area_code } => {
            let mut db = ctx.open()?;
            let code = service::set_area_code(&mut db.conn, &name, &area_code, &ctx.command)?;
            ctx.say(&match code {
                Some(c) => format!("service '{}': area code {c}", name.trim()),
                None => format!("service '{}': no area code", name.trim()),
            });
            Ok(0)
        }
        which @ (Command::List | Command::Export) => {
            let db = ctx.open()?;
            let export = matches!(which, Command::Export);
            let mut out = if export { ctx.export_out() } else { ctx.out() };
            let mut rows = out.rows(LIST_COLUMNS)?;
            for s in service::list(&db.conn)? {
                rows.push(row_cells(&s))?;
            }
            rows.finish()?;
            Ok(0)
        }
        Command::Show { name } => {
            let db = ctx.open()?;
            let d = service::detail(&db.conn, &name)?;
            emit(&ServiceShown(&d), &mut ctx.out())?;
            Ok(0)
        }
        Command::Target(a) => {
            let mut db = ctx.open()?;
            let (change, t) =
                service::set_target(&mut db.conn, &a.name, a.measure, &a.period, i64::from(a.value), &ctx.command)?;
            let verb = match change {
                Applied::New => "set",
                Applied::Updated => "changed",
                Applied::Unchanged | Applied::Repeated => "unchanged:",
            };
            ctx.say(&format!(
                "{verb} target for '{}': {} {} ({}..{}) = {}",
                a.name.trim(),
                t.measure,
                t.period,
                t.from_on,
                t.to_on,
                t.value
            ));
            Ok(0)
        }
        Command::Import(a) => {
            let mut db = ctx.open()?;
            let summary = crate::import::service::run(&mut db, &a.options(ctx), &ctx.command)?;
            report_summary(ctx, &summary, "services")?;
            Ok(0)
        }
    }
}
