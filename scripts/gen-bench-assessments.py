#!/usr/bin/env python3
"""Assessments for the benchmark's cases (scripts/bench.sh).

Reads the cases.csv that `cargo bench --bench gen_data` writes and writes
assessments.csv with the columns of `pathway caseload import --assessments`
(case,pathway,assessed_on,score,stage): about three a case, on one to four
resettlement pathways, the first within days of the case opening, often a
later one up to its closing (or 300 days on for an open case), scores 1-10
that mostly rise. A woman's cases at different services may overlap, and
pathway refuses two assessments of one woman on one pathway on one day, so
such a day is moved on (or the assessment left out).

Deterministic (fixed seed), Python 3 standard library only:

  python3 scripts/gen-bench-assessments.py bench-data/cases.csv bench-data/assessments.csv
"""

import csv
import datetime as dt
import random
import sys

SEED = 2021
PATHWAYS = [
    "accommodation",
    "education_training_employment",
    "health",
    "drugs_alcohol",
    "finance_benefit_debt",
    "children_families",
    "attitudes_thinking_behaviour",
    "abuse",
    "sex_work",
]
LAST_DAY = dt.date(2024, 3, 31)


def main(src, dest):
    rng = random.Random(SEED)
    taken = set()  # (client, pathway, day number): one a day
    n = 0
    with open(src, newline="", encoding="utf-8") as f, open(dest, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["case", "pathway", "assessed_on", "score", "stage"])
        for row in csv.DictReader(f):
            opened = dt.date.fromisoformat(row["opened_on"]).toordinal()
            closed = row["closed_on"]
            last = dt.date.fromisoformat(closed).toordinal() if closed else min(opened + 300, LAST_DAY.toordinal())
            r = rng.random()
            k = 1 if r < 0.15 else 2 if r < 0.85 else 4
            client = row["client_ref"]
            for p in rng.sample(PATHWAYS, k):
                day = min(opened + rng.randrange(4), last)
                score = rng.randint(1, 10)
                stages = ["start"]
                if last - day >= 2 and rng.random() < 0.4:
                    stages.append("exit" if closed else "review")
                for i, stage in enumerate(stages):
                    if i > 0:
                        if last - day < 1:
                            break
                        day = day + 1 + rng.randrange(last - day)
                        score = max(1, min(10, score + rng.choice([-2, -1, 0, 1, 2, 3, 4])))
                    while (client, p, day) in taken and day < last:
                        day += 1
                    if (client, p, day) in taken:
                        continue
                    taken.add((client, p, day))
                    w.writerow([row["ref"], p, dt.date.fromordinal(day).isoformat(), score, stage])
                    n += 1
    print(f"gen-bench-assessments: {n} assessments", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gen-bench-assessments.py CASES_CSV OUT_CSV")
    main(sys.argv[1], sys.argv[2])
