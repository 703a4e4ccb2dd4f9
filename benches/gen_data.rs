//! Deterministic benchmark data for scripts/bench.sh.
//!
//! cargo bench --bench gen_data -- --referrals 1000000 --cases 500000 --out bench-data
//!
//! Writes services.csv, workers.csv, referrals.csv (the referral import's
//! columns) and cases.csv (the caseload import's columns): five financial
//! years (2019/20 to 2023/24), about a third as many clients as referrals,
//! every closed set of the contract, service names with apostrophes and
//! commas. The same arguments always give the same bytes. Dates are ISO;
//! `--uk-dates-every N` writes every Nth referral date day-first (01/04/2021).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (t, w) in items {
            if r < *w {
                return t;
            }
            r -= w;
        }
        &items[0].0
    }
}

const SERVICES: &[(&str, &str, &str)] = &[
    ("Beth Centre", "Lambeth", "hub"),
    ("Southwark spoke", "Southwark", "spoke"),
    ("Croydon spoke", "Croydon", "spoke"),
    ("Lewisham spoke", "Lewisham", "spoke"),
    ("Minerva Project", "Hammersmith and Fulham", "hub"),
    ("Hounslow spoke", "Hounslow", "spoke"),
    ("Ealing spoke", "Ealing", "spoke"),
    ("Brent spoke", "Brent", "spoke"),
    ("St Mary's Women's Centre", "Nottingham", "hub"),
    ("Women's Centre, Mansfield", "Mansfield", "spoke"),
    ("Ashfield Women's Outreach", "Ashfield", "outreach"),
    ("Juno Women's Aid, Nottingham", "Nottingham", "other"),
    ("Nottinghamshire Women's Aid", "Bassetlaw", "other"),
    ("Anawim, Birmingham", "Birmingham", "hub"),
    ("Women's Centre Cornwall", "Cornwall", "hub"),
    ("Brighton Women's Centre", "Brighton and Hove", "hub"),
    ("Hope Street, Southampton", "Southampton", "hub"),
    ("Manchester Women's Centre", "Manchester", "hub"),
    ("Salford spoke", "Salford", "spoke"),
    ("Bolton spoke", "Bolton", "spoke"),
    ("Leeds Women's Centre", "Leeds", "hub"),
    ("Bradford spoke", "Bradford", "spoke"),
    ("Calderdale \"Threads\" project", "Calderdale", "outreach"),
    ("Together Women, Sheffield", "Sheffield", "hub"),
];

const SOURCES: &[(&str, u32)] = &[
    ("police", 22),
    ("probation", 20),
    ("crc", 8),
    ("liaison_diversion", 10),
    ("court", 6),
    ("self", 14),
    ("gp", 5),
    ("social_care", 6),
    ("housing", 5),
    ("other", 4),
];
const NEEDS: &[&str] = &[
    "mental_health",
    "substance_misuse",
    "alcohol",
    "domestic_abuse",
    "housing",
    "debt",
    "learning_disability",
    "children",
    "employment",
    "sex_work",
    "other",
];
const OUTCOMES: &[(&str, u32)] =
    &[("", 10), ("accepted", 25), ("declined", 8), ("no_contact", 12), ("engaged", 30), ("closed", 15)];
const RISKS: &[(&str, u32)] = &[("", 70), ("standard", 15), ("medium", 10), ("high", 5)];
const TIERS: &[(&str, u32)] = &[("T1", 45), ("T2", 35), ("T3", 20)];
const CASE_OUTCOMES: &[(&str, u32)] = &[("positive", 80), ("neutral", 14), ("negative", 6)];
const REASONS: &[&str] = &["Support plan completed", "Moved out of area", "Disengaged", "Returned to custody"];

/// Days since 2019-04-01 → ISO date (civil-from-days, Howard Hinnant).
fn date(day: u64) -> (i64, u32, u32) {
    // 2019-04-01 is day 17987 since 1970-01-01; shift to days since 0000-03-01.
    let z = 17_987 + day as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn iso(day: u64) -> String {
    let (y, m, d) = date(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn uk(day: u64) -> String {
    let (y, m, d) = date(day);
    format!("{d:02}/{m:02}/{y:04}")
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Five financial years: 2019-04-01 to 2024-03-31.
const DAYS: u64 = 1827;

fn main() -> std::io::Result<()> {
    let mut referrals: u64 = 1_000_000;
    let mut cases: u64 = 500_000;
    let mut out = PathBuf::from("bench-data");
    let mut uk_every: u64 = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--referrals" => referrals = args.next().and_then(|v| v.parse().ok()).expect("--referrals N"),
            "--cases" => cases = args.next().and_then(|v| v.parse().ok()).expect("--cases N"),
            "--out" => out = PathBuf::from(args.next().expect("--out DIR")),
            "--uk-dates-every" => uk_every = args.next().and_then(|v| v.parse().ok()).expect("--uk-dates-every N"),
            _ => {} // cargo bench passes --bench
        }
    }
    let clients = (referrals / 3).max(1);
    std::fs::create_dir_all(&out)?;

    let mut w = BufWriter::new(File::create(out.join("services.csv"))?);
    writeln!(w, "name,provider,area,kind,hub")?;
    let mut hub = "";
    for (name, area, kind) in SERVICES {
        if *kind == "hub" {
            hub = name;
        }
        let h = if *kind == "spoke" { hub } else { "" };
        writeln!(w, "{},{},{},{},{}", quote(name), quote("Women's Centres Consortium, England"), area, kind, quote(h))?;
    }
    w.flush()?;

    let mut w = BufWriter::new(File::create(out.join("workers.csv"))?);
    writeln!(w, "code,capacity_hours")?;
    for k in 1..=40 {
        writeln!(w, "KW{k:02},{}", if k % 5 == 0 { "22.5" } else { "37.5" })?;
    }
    w.flush()?;

    let mut rng = Rng(0x5041_5448);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("referrals.csv"))?);
    writeln!(w, "client_ref,referred_on,source,service,area,needs,outcome,first_contact_on,ref,risk,marac")?;
    for i in 0..referrals {
        let client = rng.below(clients);
        let day = rng.below(DAYS);
        let s = rng.below(SERVICES.len() as u64) as usize;
        let (service, area, _) = SERVICES[s];
        let source = rng.pick(SOURCES);
        let mut needs = Vec::new();
        for _ in 0..(1 + rng.below(3)) {
            let n = NEEDS[rng.below(NEEDS.len() as u64) as usize];
            if !needs.contains(&n) {
                needs.push(n);
            }
        }
        let outcome = rng.pick(OUTCOMES);
        let contacted = matches!(*outcome, "accepted" | "engaged" | "closed");
        let first = if contacted { iso(day + rng.below(21)) } else { String::new() };
        let risk = rng.pick(RISKS);
        let marac = if *risk == "high" && rng.below(2) == 0 { "yes" } else { "no" };
        let referred = if uk_every > 0 && i % uk_every == 0 { uk(day) } else { iso(day) };
        writeln!(
            w,
            "P{client:06},{referred},{source},{},{},{},{outcome},{first},R{i:07},{risk},{marac}",
            quote(service),
            quote(area),
            needs.join(";")
        )?;
    }
    w.flush()?;

    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("cases.csv"))?);
    writeln!(w, "client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref")?;
    for k in 0..cases {
        // A client's episodes are at different services, so none overlap.
        let client = k % clients;
        let round = k / clients;
        let s = ((client + round * 7) % SERVICES.len() as u64) as usize;
        let worker = 1 + rng.below(40);
        let tier = rng.pick(TIERS);
        let opened = rng.below(DAYS);
        let (closed, reason, outcome) = if rng.below(100) < 85 {
            let c = (opened + 1 + rng.below(300)).min(DAYS - 1).max(opened);
            (iso(c), REASONS[rng.below(REASONS.len() as u64) as usize], *rng.pick(CASE_OUTCOMES))
        } else {
            (String::new(), "", "")
        };
        writeln!(
            w,
            "P{client:06},KW{worker:02},{},{tier},{},{closed},{reason},{outcome},C{k:07}",
            quote(SERVICES[s].0),
            iso(opened)
        )?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::iso(0), "2019-04-01");
        assert_eq!(super::iso(365), "2020-03-31");
        assert_eq!(super::iso(1826), "2024-03-31");
    }
}
