#!/usr/bin/env python3
"""A referrals file written like a centre's own export, for scripts/bench.sh.

    scripts/gen-centre-file.py SERVICES_CSV ROWS OUT_CSV [SEED]

Independent of the benchmark's own generator (benches/gen_data.rs): its own
random stream, its own mix of values, and the shape a case-management
system's export has rather than pathway's:

- a UTF-8 byte-order mark and CRLF line ends;
- UK dates (01/04/2021), as a spreadsheet saves them;
- the columns in another order, with `ref` on every row;
- `risk` and `marac` filled exactly where domestic abuse is a need, `marac`
  as yes/no;
- about one client for every three referrals, drawn unevenly (a few women
  referred many times), over five financial years (2019/20 to 2023/24).

Only the services' names are shared with the benchmark's data (a referral
must name a recorded service). Made-up data: client refs like CW-004217.
"""
import csv
import random
import sys
from datetime import date, timedelta

services_csv, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20211
rng = random.Random(seed)

with open(services_csv, newline="", encoding="utf-8-sig") as f:
    services = [r["name"] for r in csv.DictReader(f)]
weights = [rng.randint(1, 20) for _ in services]

SOURCES = ["police", "probation", "crc", "liaison_diversion", "court", "self", "gp", "social_care", "housing", "other"]
SOURCE_W = [18, 30, 6, 12, 9, 8, 4, 5, 4, 4]
NEEDS = ["mental_health", "substance_misuse", "alcohol", "domestic_abuse", "housing", "debt",
         "learning_disability", "children", "employment", "sex_work", "other"]
NEED_P = [0.55, 0.3, 0.25, 0.6, 0.45, 0.3, 0.08, 0.35, 0.2, 0.05, 0.1]
OUTCOMES = ["", "accepted", "declined", "no_contact", "engaged", "closed"]
OUTCOME_W = [10, 20, 8, 12, 35, 15]
RISKS = ["standard", "medium", "high", ""]
RISK_W = [40, 35, 15, 10]
AREAS = ["Lambeth", "Southwark", "Croydon", "Lewisham", "Nottingham", "Mansfield", "Birmingham", "Cornwall",
         "Brighton and Hove", "Southampton", "Leeds", "Manchester", ""]

start = date(2019, 4, 1)
span = (date(2024, 3, 31) - start).days
clients = max(1, rows // 3)


def uk(d):
    return d.strftime("%d/%m/%Y")


header = ["ref", "referred_on", "service", "client_ref", "source", "needs", "risk", "marac", "outcome",
          "first_contact_on", "area"]
with open(out, "w", newline="", encoding="utf-8-sig") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(header)
    for i in range(rows):
        # Uneven: the square skews draws towards the low numbers.
        c = int(clients * rng.random() ** 2)
        on = start + timedelta(days=rng.randrange(span + 1))
        needs = [n for n, p in zip(NEEDS, NEED_P) if rng.random() < p]
        da = "domestic_abuse" in needs
        risk = rng.choices(RISKS, RISK_W)[0] if da else ""
        marac = ("yes" if rng.random() < 0.12 else "no") if da else ""
        outcome = rng.choices(OUTCOMES, OUTCOME_W)[0]
        first = ""
        if outcome in ("accepted", "engaged", "closed") and rng.random() < 0.9:
            first = uk(on + timedelta(days=int(rng.expovariate(1 / 9))))
        w.writerow([
            f"CW-R{i:08d}", uk(on), rng.choices(services, weights)[0], f"CW-{c:06d}",
            rng.choices(SOURCES, SOURCE_W)[0], ";".join(needs), risk, marac, outcome, first,
            rng.choice(AREAS),
        ])
