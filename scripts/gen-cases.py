#!/usr/bin/env python3
"""Generate the example caseload: a made-up year (2021/22) of key-worker
cases at the Beth Centre (Lambeth) and its spokes in Southwark, Croydon and
Lewisham.

Writes, in the repository's examples/ folder:

  workers.csv   code,name,capacity_hours,active     (pathway caseload worker import)
  cases.csv     client_ref,worker,service,tier,opened_on,closed_on,close_reason,outcome,ref
                                                    (pathway caseload import)
  retiers.csv   ref,client_ref,service,opened_on,from_on,tier
                                                    (pathway caseload import --tiers)
  assessments.csv  case,pathway,assessed_on,score,stage
                                                    (pathway caseload import --assessments)

Everything is invented: client refs BC-0001..BC-0400 are pseudonyms shared
with the referral examples, workers are codes KW01..KW06 (KW06 part time,
22.5 hours). Tiers follow the Nottinghamshire model (T1 2.5 h, T2 5 h,
T3 10 h a week); about 87% of closed cases close with a positive outcome
(the figure the Greater Manchester women's centres report). Cases are
allocated to the least-loaded worker at their service, except that KW02
takes on more than her share, so the caseload report shows one worker over
capacity and the part-time worker near it.

The files are written in the order `pathway caseload export` writes them,
so importing them and exporting again gives the same bytes.

Each case is assessed on two to five resettlement pathways (scores 1-10)
when it opens, at a review after about two months while it is open, and
when it closes; a positive closing mostly shows progress, a negative one
mostly none. The assessments draw on their own seeded generator, so the
other files do not change with them.

Deterministic (fixed seed), Python 3 standard library only:

  python3 scripts/gen-cases.py            # writes examples/*.csv
  python3 scripts/gen-cases.py --check    # exits 1 if the files differ
"""

import csv
import datetime as dt
import io
import pathlib
import random
import sys

SEED = 2021
YEAR_START = dt.date(2021, 4, 1)
YEAR_END = dt.date(2022, 3, 31)
N_CASES = 250

TIER_HOURS = {"T1": 2.5, "T2": 5.0, "T3": 10.0}
TIER_WEIGHTS = [("T1", 45), ("T2", 40), ("T3", 15)]

# Services and their share of new cases.
SERVICES = [
    ("Beth Centre", 40),
    ("Southwark spoke", 22),
    ("Croydon spoke", 22),
    ("Lewisham spoke", 16),
]

# code -> capacity (hours a week), services worked at.
WORKERS = {
    "KW01": (37.5, ["Beth Centre"]),
    "KW02": (37.5, ["Beth Centre", "Southwark spoke"]),
    "KW03": (37.5, ["Southwark spoke"]),
    "KW04": (37.5, ["Croydon spoke"]),
    "KW05": (37.5, ["Lewisham spoke", "Croydon spoke"]),
    "KW06": (22.5, ["Lewisham spoke", "Beth Centre"]),
}
# Allocation treats KW02 as if she had this much room: she ends up over.
ALLOCATION_CAPACITY = {"KW02": 52.0}

REASONS = {
    "positive": [
        "Support plan completed",
        "Moved on to stable housing",
        "Engaged with community mental health team",
        "Started employment",
        "Completed substance misuse programme",
        "Order completed and goals met",
        "Children returned to her care",
    ],
    "neutral": ["Moved out of area", "Transferred to another service", "Order ended"],
    "negative": ["Disengaged", "No contact for eight weeks", "Recalled to custody"],
}


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for item, w in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][0]


def weekday_on_or_after(d):
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def tier_on(case, day):
    tier = None
    for from_on, t in case["tiers"]:
        if from_on <= day:
            tier = t
    return tier


def is_open_on(case, day):
    return case["opened"] <= day and (case["closed"] is None or case["closed"] > day)


def load(cases, worker, day):
    return sum(TIER_HOURS[tier_on(c, day)] for c in cases if c["worker"] == worker and is_open_on(c, day))


def generate():
    rng = random.Random(SEED)
    days = (YEAR_END - YEAR_START).days
    opened = sorted(
        weekday_on_or_after(YEAR_START + dt.timedelta(days=rng.randint(0, days - 10))) for _ in range(N_CASES)
    )
    clients = [f"BC-{i:04d}" for i in range(1, 401)]
    rng.shuffle(clients)
    unused = list(clients)
    cases = []
    for n, day in enumerate(opened, start=1):
        service = weighted(rng, SERVICES)
        eligible = [w for w, (_, svcs) in WORKERS.items() if service in svcs]

        def room(w):
            cap = ALLOCATION_CAPACITY.get(w, WORKERS[w][0])
            return (load(cases, w, day) / cap, w)

        worker = min(eligible, key=room)
        tier = weighted(rng, TIER_WEIGHTS)

        # About one case in twelve is a returning woman whose earlier case
        # (anywhere) has closed; the rest are women new to the caseload.
        client = None
        if rng.random() < 0.08:
            earlier = [
                c for c in cases
                if c["closed"] is not None and c["closed"] <= day
                and not any(o["client"] == c["client"] and o["service"] == service and
                            (o["closed"] is None or o["closed"] > day) for o in cases)
            ]
            if earlier:
                client = rng.choice(earlier)["client"]
        if client is None:
            client = unused.pop()

        length = int(rng.triangular(14, 120, 28))
        closed = day + dt.timedelta(days=length)
        closed = weekday_on_or_after(closed)
        if closed > YEAR_END:
            closed = None
        tiers = [(day, tier)]
        # About one in five changes tier once: mostly stepping down as
        # things settle, sometimes up after a crisis.
        span_end = closed or YEAR_END
        if rng.random() < 0.22 and (span_end - day).days > 45:
            change = day + dt.timedelta(days=rng.randint(21, (span_end - day).days - 14))
            if tier == "T1":
                new = "T2"
            elif tier == "T3":
                new = "T2"
            else:
                new = "T1" if rng.random() < 0.6 else "T3"
            tiers.append((change, new))
        cases.append(
            {
                "ref": f"C-{n:04d}",
                "client": client,
                "worker": worker,
                "service": service,
                "opened": day,
                "closed": closed,
                "reason": None,
                "outcome": None,
                "tiers": tiers,
            }
        )
    # Outcomes: 87% of closed cases positive, 5% negative, the rest neutral.
    closed = [c for c in cases if c["closed"] is not None]
    n_pos = round(len(closed) * 0.87)
    n_neg = round(len(closed) * 0.05)
    outcomes = ["positive"] * n_pos + ["negative"] * n_neg + ["neutral"] * (len(closed) - n_pos - n_neg)
    rng.shuffle(outcomes)
    for c, o in zip(closed, outcomes):
        c["outcome"] = o
        c["reason"] = rng.choice(REASONS[o])
    return cases


def check(cases):
    """The rules pathway enforces, so the files always import."""
    for c in cases:
        assert c["closed"] is None or c["closed"] >= c["opened"]
        assert c["closed"] is None or c["tiers"][-1][0] <= c["closed"]
    by_key = {}
    for c in cases:
        by_key.setdefault((c["client"], c["service"]), []).append(c)
    for eps in by_key.values():
        eps.sort(key=lambda c: c["opened"])
        for a, b in zip(eps, eps[1:]):
            assert a["closed"] is not None and a["closed"] <= b["opened"], (a, b)


PATHWAYS = [
    "accommodation", "education_training_employment", "health", "drugs_alcohol", "finance_benefit_debt",
    "children_families", "attitudes_thinking_behaviour", "abuse", "sex_work",
]


def assessments(cases):
    """(case ref, pathway, day, score, stage) rows, in export order: by case
    (as in cases.csv), then day, then pathway. A woman has at most one
    assessment on a pathway a day, and none outside her case."""
    rng = random.Random(SEED + 9)
    seen = set()
    rows = []
    for c in cases:
        pathways = rng.sample(PATHWAYS[:8], rng.choice([2, 3, 4, 4, 5]))
        mine = []
        for p in pathways:
            start = rng.randint(2, 5)
            marks = [(c["opened"], start, "start")]
            review = c["opened"] + dt.timedelta(days=rng.randint(50, 70))
            end = c["closed"] or YEAR_END
            if review < end:
                marks.append((review, min(10, max(1, start + rng.choice([-1, 0, 1, 1, 2]))), "review"))
            if c["closed"]:
                change = {"positive": rng.choice([1, 2, 3, 4]), "neutral": rng.choice([-1, 0, 0, 1]),
                          "negative": rng.choice([-2, -1, 0])}[c["outcome"] or "neutral"]
                marks.append((c["closed"], min(10, max(1, start + change)), "exit"))
            for day, score, stage in marks:
                if (c["client"], p, day) in seen:
                    continue
                seen.add((c["client"], p, day))
                mine.append((c["ref"], p, day, score, stage))
        rows.extend(sorted(mine, key=lambda r: (r[2], r[1])))
    return rows


def render(cases):
    files = {}

    def write(name, header, rows):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        files[name] = buf.getvalue()

    def fmt_hours(h):
        return f"{h:g}"

    write(
        "workers.csv",
        ["code", "name", "capacity_hours", "active"],
        [[code, "", fmt_hours(cap), "yes"] for code, (cap, _) in WORKERS.items()],
    )
    iso = lambda d: d.isoformat() if d else ""  # noqa: E731
    write(
        "cases.csv",
        ["client_ref", "worker", "service", "tier", "opened_on", "closed_on", "close_reason", "outcome", "ref"],
        [
            [c["client"], c["worker"], c["service"], c["tiers"][0][1], iso(c["opened"]), iso(c["closed"]),
             c["reason"] or "", c["outcome"] or "", c["ref"]]
            for c in cases
        ],
    )
    write(
        "retiers.csv",
        ["ref", "client_ref", "service", "opened_on", "from_on", "tier"],
        [[c["ref"], "", "", "", iso(f), t] for c in cases for f, t in c["tiers"][1:]],
    )
    write(
        "assessments.csv",
        ["case", "pathway", "assessed_on", "score", "stage"],
        [[r, p, iso(d), str(sc), st] for r, p, d, sc, st in assessments(cases)],
    )
    return files


def summary(cases):
    closed = [c for c in cases if c["closed"]]
    positive = sum(c["outcome"] == "positive" for c in closed)
    lines = [
        f"{len(cases)} cases, {len(closed)} closed ({positive / len(closed):.0%} positive), "
        f"{sum(len(c['tiers']) > 1 for c in cases)} retiered, "
        f"{len({c['client'] for c in cases})} women"
    ]
    for day in (dt.date(2021, 9, 30), dt.date(2021, 12, 31), YEAR_END):
        loads = ", ".join(f"{w} {load(cases, w, day):g}/{WORKERS[w][0]:g}" for w in WORKERS)
        lines.append(f"  hours on {day}: {loads}")
    return "\n".join(lines)


def main():
    cases = generate()
    check(cases)
    files = render(cases)
    out = pathlib.Path(__file__).resolve().parent.parent / "examples"
    if "--check" in sys.argv[1:]:
        stale = [n for n, text in files.items() if not (out / n).exists() or (out / n).read_text() != text]
        if stale:
            print("out of date: " + ", ".join(stale) + "; run python3 scripts/gen-cases.py", file=sys.stderr)
            return 1
        return 0
    out.mkdir(exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text)
    print(summary(cases), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
