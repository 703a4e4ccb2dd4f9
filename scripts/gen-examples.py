#!/usr/bin/env python3
"""Write the made-up example data in examples/: services.csv, clients.csv and
referrals.csv (a year, 2021/22, of referrals to the Beth Centre hub in Lambeth
and its spokes, and to the tri-borough hub and its spokes).

Deterministic (seeded): running it again gives the same bytes. Python 3
standard library only. No real people: client refs BC-0001..BC-0400 are
invented, and so is every value attached to them.

    python3 scripts/gen-examples.py            # writes examples/*.csv
    python3 scripts/gen-examples.py --out DIR
"""

import argparse
import csv
import datetime
import os
import random

SEED = 20210401
PROVIDER = "London Women's Consortium"

# name, provider, area, kind, hub  (the hubs and spokes of DMPCD 2015 116)
SERVICES = [
    ("Beth Centre", PROVIDER, "Lambeth", "hub", ""),
    ("Southwark spoke", PROVIDER, "Southwark", "spoke", "Beth Centre"),
    ("Croydon spoke", PROVIDER, "Croydon", "spoke", "Beth Centre"),
    ("Lewisham spoke", PROVIDER, "Lewisham", "spoke", "Beth Centre"),
    ("Minerva Project", "ADVANCE", "Hammersmith and Fulham", "hub", ""),
    ("Hounslow spoke", "ADVANCE", "Hounslow", "spoke", "Minerva Project"),
    ("Ealing spoke", "ADVANCE", "Ealing", "spoke", "Minerva Project"),
    ("Brent spoke", "ADVANCE", "Brent", "spoke", "Minerva Project"),
    ("Women's Outreach, Lambeth", PROVIDER, "Lambeth", "outreach", ""),
]

# Where the women referred to each service live (mostly the service's own borough).
AREAS = {
    "Beth Centre": [("Lambeth", 8), ("Southwark", 1), ("Wandsworth", 1)],
    "Southwark spoke": [("Southwark", 9), ("Lambeth", 1)],
    "Croydon spoke": [("Croydon", 9), ("Sutton", 1)],
    "Lewisham spoke": [("Lewisham", 9), ("Greenwich", 1)],
    "Minerva Project": [("Hammersmith and Fulham", 5), ("Kensington and Chelsea", 3), ("Westminster", 2)],
    "Hounslow spoke": [("Hounslow", 1)],
    "Ealing spoke": [("Ealing", 1)],
    "Brent spoke": [("Brent", 1)],
    "Women's Outreach, Lambeth": [("Lambeth", 1)],
}
SERVICE_WEIGHTS = [
    ("Beth Centre", 30), ("Southwark spoke", 14), ("Croydon spoke", 12), ("Lewisham spoke", 10),
    ("Minerva Project", 14), ("Hounslow spoke", 5), ("Ealing spoke", 5), ("Brent spoke", 4),
    ("Women's Outreach, Lambeth", 6),
]
SOURCES = [
    ("police", 20), ("probation", 22), ("crc", 10), ("liaison_diversion", 10), ("court", 6),
    ("self", 14), ("gp", 5), ("social_care", 5), ("housing", 5), ("other", 3),
]
# How often each need is present (per cent) — mental health, substance misuse
# and domestic abuse are the most common among women in contact with the CJS.
NEED_RATES = [
    ("mental_health", 55), ("substance_misuse", 30), ("alcohol", 20), ("domestic_abuse", 45),
    ("housing", 35), ("debt", 20), ("learning_disability", 6), ("children", 25),
    ("employment", 15), ("sex_work", 4), ("other", 5),
]
OUTCOMES = [("engaged", 40), ("accepted", 18), ("closed", 10), ("no_contact", 12), ("declined", 8), ("", 12)]
RISKS = [("", 55), ("standard", 20), ("medium", 15), ("high", 10)]
ETHNICITIES = [
    ("white_british", 45), ("white_irish", 3), ("white_other", 7), ("black_caribbean", 10),
    ("black_african", 9), ("black_other", 2), ("mixed_white_black_caribbean", 4), ("mixed_other", 2),
    ("asian_indian", 3), ("asian_pakistani", 2), ("asian_bangladeshi", 2), ("asian_other", 1),
    ("white_gypsy_irish_traveller", 1), ("other_any", 1), ("prefer_not_to_say", 3), ("", 5),
]
DISABILITY = [("no", 55), ("yes", 30), ("prefer_not_to_say", 5), ("", 10)]

START = datetime.date(2021, 4, 1)
END = datetime.date(2022, 3, 31)


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    r = rng.randrange(total)
    for value, w in weighted:
        if r < w:
            return value
        r -= w
    return weighted[0][0]


def uk(d):
    return d.strftime("%d/%m/%Y")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "examples"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(SEED)

    with open(os.path.join(args.out, "services.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "provider", "area", "kind", "hub"])
        w.writerows(SERVICES)

    # 400 women referred in 2021/22; about one in two referred more than once.
    clients = ["BC-%04d" % i for i in range(1, 401)]
    with open(os.path.join(args.out, "clients.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["client_ref", "birth_year", "ethnicity", "disability", "dependent_children"])
        for c in clients:
            year = "" if rng.random() < 0.05 else str(rng.randint(1958, 2003))
            children = "" if rng.random() < 0.08 else str(min(rng.choice([0, 0, 0, 1, 1, 2, 2, 3, 4]), 30))
            w.writerow([c, year, pick(rng, ETHNICITIES), pick(rng, DISABILITY), children])

    rows = []
    days = (END - START).days + 1
    for i, c in enumerate(clients):
        home = pick(rng, SERVICE_WEIGHTS)
        n = 1 if rng.random() < 0.55 else rng.choice([2, 2, 2, 3])
        dates = sorted(START + datetime.timedelta(days=rng.randrange(days)) for _ in range(n))
        for k, referred in enumerate(dates):
            service = home if k == 0 or rng.random() < 0.7 else pick(rng, SERVICE_WEIGHTS)
            needs = [name for name, rate in NEED_RATES if rng.randrange(100) < rate]
            if not needs:
                needs = [pick(rng, [(n_, r) for n_, r in NEED_RATES])]
            outcome = pick(rng, OUTCOMES)
            first = ""
            if outcome in ("engaged", "accepted", "closed"):
                delay = min(int(rng.expovariate(1 / 4.0)), 40)
                first_day = min(referred + datetime.timedelta(days=delay), END)
                first = first_day.isoformat()
            risk = pick(rng, RISKS) if "domestic_abuse" in needs else ""
            marac = "yes" if risk == "high" and rng.random() < 0.7 else "no"
            rows.append([c, referred, pick(rng, SOURCES), service, pick(rng, AREAS[service]),
                         ";".join(needs), outcome, first, risk, marac])
    rows.sort(key=lambda r: (r[1], r[0]))
    with open(os.path.join(args.out, "referrals.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["client_ref", "referred_on", "source", "service", "area", "needs", "outcome",
                    "first_contact_on", "ref", "risk", "marac"])
        for n, (c, referred, source, service, area, needs, outcome, first, risk, marac) in enumerate(rows, 1):
            # Most centres keep their own referral numbers; some rows lack one.
            ref = "" if rng.random() < 0.2 else "R-%s-%04d" % (referred.strftime("%y%m"), n)
            # Some rows typed by hand with UK day-first dates.
            date = uk(referred) if rng.random() < 0.25 else referred.isoformat()
            w.writerow([c, date, source, service, area, needs, outcome, first, ref, risk, marac])


if __name__ == "__main__":
    main()
