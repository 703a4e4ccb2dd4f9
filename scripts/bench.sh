#!/usr/bin/env bash
# Benchmark pathway against the sqlite3 shell (and sqlite-utils), printing
# figures and ratios. Not a test: the machine is noisy, so compare the
# ratios from one run, not absolute seconds across machines.
#
#   scripts/bench.sh                 # 1,000,000 referrals, 500,000 cases, 3 runs each
#   scripts/bench.sh --smoke         # 10,000 referrals, 1 run: checks the script still works
#   scripts/bench.sh --rows N --cases M --runs K [--no-sqlite-utils] [--keep]
#
# Needs: the Rust toolchain; the sqlite3 shell (installed with apt-get if
# missing, else that comparison is skipped with a note); GNU time for peak
# memory (/usr/bin/time; installed if missing, else skipped); python3 -m pip
# for sqlite-utils (skipped if it cannot be had).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=1000000
CASES=500000
RUNS=3
SQLITE_UTILS=1
KEEP=0
SMOKE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; ROWS=10000; CASES=5000; RUNS=1; SQLITE_UTILS=0 ;;
    --rows) ROWS=$2; shift ;;
    --cases) CASES=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --no-sqlite-utils) SQLITE_UTILS=0 ;;
    --keep) KEEP=1 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

DATA=${BENCH_DIR:-bench-data}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
say() { echo "bench: $*" >&2; }

# --- tools -----------------------------------------------------------------
have_sqlite3=1
if ! command -v sqlite3 >/dev/null 2>&1; then
  say "installing the sqlite3 shell"
  if ! { apt-get update -qq && apt-get install -y -qq sqlite3; } >/dev/null 2>&1; then
    say "NOTE: no sqlite3 shell could be installed; the sqlite3 comparisons are skipped"
    have_sqlite3=0
  fi
fi
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
  { apt-get update -qq && apt-get install -y -qq time; } >/dev/null 2>&1 || true
fi
[ -x "$TIME" ] || { say "NOTE: GNU time not available; peak memory is skipped"; TIME=""; }

say "building pathway (release)"
cargo build --release --quiet
PATHWAY=$PWD/target/release/pathway
export PATHWAY_BUSY_TIMEOUT=30

gen() { # gen ROWS CASES DIR
  cargo bench --quiet --bench gen_data -- --referrals "$1" --cases "$2" --out "$3" >/dev/null
}

say "generating $ROWS referrals and $CASES cases in $DATA"
gen "$ROWS" "$CASES" "$DATA"
if [ "$SMOKE" = 0 ] && [ "$ROWS" -gt 100000 ]; then
  gen 100000 50000 "$DATA/100k"
fi

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == "nan" || a == "nan" || b+0 == 0) print "n/a"; else printf "%.2fx", a/b }'; }

# A fresh pathway database with the services and workers set up.
setup_db() { # setup_db DB DIR
  rm -f "$1" "$1-wal" "$1-shm"
  "$PATHWAY" --db "$1" -q init
  "$PATHWAY" --db "$1" -q service import "$2/services.csv"
  "$PATHWAY" --db "$1" -q caseload worker import "$2/workers.csv"
}

# --- 1. import -------------------------------------------------------------
DB=$DATA/pathway.db
times=()
for r in $(seq "$RUNS"); do
  setup_db "$DB" "$DATA"
  t0=$(now); "$PATHWAY" --db "$DB" -q referral import "$DATA/referrals.csv"; t1=$(now)
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  say "pathway referral import run $r: ${times[-1]} s"
done
IMPORT=$(printf '%s\n' "${times[@]}" | median)
"$PATHWAY" --db "$DB" -q caseload import "$DATA/cases.csv"
count=$("$PATHWAY" --db "$DB" referral list --format csv | tail -n +2 | wc -l)
[ "$count" = "$ROWS" ] || { say "ERROR: expected $ROWS referrals after import, found $count"; exit 1; }

SQL_BARE=nan; SQL_CONS=nan; SQL_RET=nan
if [ "$have_sqlite3" = 1 ]; then
  FLAT=$DATA/flat.db
  flat_schema="CREATE TABLE flat (client_ref TEXT, referred_on TEXT,
      source TEXT CHECK (source IN ('police','probation','crc','liaison_diversion','court','self','gp','social_care','housing','other')),
      service TEXT, area TEXT, needs TEXT, outcome TEXT, first_contact_on TEXT, ref TEXT UNIQUE, risk TEXT, marac TEXT);
    CREATE INDEX flat_referred_on ON flat (referred_on);"
  times=()
  for r in $(seq "$RUNS"); do
    rm -f "$FLAT"
    sqlite3 "$FLAT" "$flat_schema"
    t0=$(now); sqlite3 "$FLAT" ".import --csv --skip 1 '$DATA/referrals.csv' flat"; t1=$(now)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
    say "sqlite3 .import (constrained) run $r: ${times[-1]} s"
  done
  SQL_CONS=$(printf '%s\n' "${times[@]}" | median)
  times=()
  for r in $(seq "$RUNS"); do
    rm -f "$DATA/bare.db"
    t0=$(now); sqlite3 "$DATA/bare.db" ".import --csv '$DATA/referrals.csv' flat"; t1=$(now)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  done
  SQL_BARE=$(printf '%s\n' "${times[@]}" | median)
  rm -f "$DATA/bare.db"
fi

SU=nan
if [ "$SQLITE_UTILS" = 1 ]; then
  if [ ! -x "$DATA/venv/bin/sqlite-utils" ]; then
    python3 -m venv "$DATA/venv" >/dev/null 2>&1 && "$DATA/venv/bin/pip" install -q sqlite-utils >/dev/null 2>&1 || true
  fi
  if [ -x "$DATA/venv/bin/sqlite-utils" ]; then
    rm -f "$DATA/su.db"
    t0=$(now); "$DATA/venv/bin/sqlite-utils" insert "$DATA/su.db" flat "$DATA/referrals.csv" --csv; t1=$(now)
    SU=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    say "sqlite-utils insert --csv (one run): $SU s"
    rm -f "$DATA/su.db"
  else
    say "NOTE: sqlite-utils could not be installed; skipped"
  fi
fi

# --- 2. returns ------------------------------------------------------------
time_cmd() { # time_cmd RUNS CMD... -> median seconds
  local n=$1; shift
  local ts=()
  for _ in $(seq "$n"); do
    local a b; a=$(now); "$@" >/dev/null; b=$(now)
    ts+=("$(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')")
  done
  printf '%s\n' "${ts[@]}" | median
}
RR=$((RUNS < 5 ? 5 : RUNS))
RET_M=$(time_cmd "$RR" "$PATHWAY" --db "$DB" report return --period 2021-04 --format json)
RET_Q=$(time_cmd "$RR" "$PATHWAY" --db "$DB" report return --period 2021/22-Q1 --format json)
RET_Y=$(time_cmd "$RR" "$PATHWAY" --db "$DB" report return --period 2021/22 --format json)

if [ "$have_sqlite3" = 1 ]; then
  # The referral section of the 2021/22 return, written by hand over the flat table.
  F=2021-04-01; T=2022-03-31
  W="referred_on BETWEEN '$F' AND '$T'"
  needs_sql=""
  for n in mental_health substance_misuse alcohol domestic_abuse housing debt learning_disability children employment sex_work other; do
    needs_sql="$needs_sql, sum(instr(';' || needs || ';', ';$n;') > 0) AS $n"
  done
  cat > "$DATA/section.sql" <<SQL
SELECT count(*) FROM flat WHERE $W;
SELECT source, count(*) FROM flat WHERE $W GROUP BY source;
SELECT coalesce(nullif(outcome, ''), 'none'), count(*) FROM flat WHERE $W GROUP BY 1;
SELECT area, count(*) FROM flat WHERE $W GROUP BY area;
SELECT coalesce(nullif(risk, ''), 'not_assessed'), count(*) FROM flat WHERE $W GROUP BY 1;
SELECT count(*) $needs_sql FROM flat WHERE $W;
WITH d AS (SELECT julianday(first_contact_on) - julianday(referred_on) AS days FROM flat
           WHERE $W AND first_contact_on <> '')
SELECT avg(days) FROM (SELECT days FROM d ORDER BY days
                       LIMIT 2 - (SELECT count(*) FROM d) % 2 OFFSET ((SELECT count(*) FROM d) - 1) / 2);
SQL
  SQL_RET=$(time_cmd "$RR" sh -c "sqlite3 '$DATA/flat.db' < '$DATA/section.sql'")
  # The two must agree on the figures they share.
  ours=$("$PATHWAY" --db "$DB" report return --period 2021/22 --format json | grep -m1 '"total"' | tr -dc '0-9')
  theirs=$(sqlite3 "$DATA/flat.db" "SELECT count(*) FROM flat WHERE $W")
  [ "$ours" = "$theirs" ] || { say "ERROR: referrals.total differs: pathway $ours, sqlite3 $theirs"; exit 1; }
fi

# --- 3. memory -------------------------------------------------------------
MEM_BIG=nan; MEM_SMALL=nan
if [ -n "$TIME" ]; then
  setup_db "$DB" "$DATA"
  MEM_BIG=$("$TIME" -f %M "$PATHWAY" --db "$DB" -q referral import "$DATA/referrals.csv" 2>&1 >/dev/null | tail -1)
  if [ -d "$DATA/100k" ]; then
    setup_db "$DATA/100k.db" "$DATA/100k"
    MEM_SMALL=$("$TIME" -f %M "$PATHWAY" --db "$DATA/100k.db" -q referral import "$DATA/100k/referrals.csv" 2>&1 >/dev/null | tail -1)
    rm -f "$DATA/100k.db"*
  fi
fi

# --- 4. start-up -----------------------------------------------------------
SMALL=$DATA/small.db
rm -f "$SMALL"*
"$PATHWAY" --db "$SMALL" -q init
N=50
START_V=$(time_cmd 3 sh -c "for i in \$(seq $N); do '$PATHWAY' --version; done")
START_C=$(time_cmd 3 sh -c "for i in \$(seq $N); do '$PATHWAY' --db '$SMALL' report caseload; done")
START_S=nan
if [ "$have_sqlite3" = 1 ]; then
  START_S=$(time_cmd 3 sh -c "for i in \$(seq $N); do sqlite3 :memory: 'select 1'; done")
fi
per() { awk -v t="$1" -v n="$N" 'BEGIN { if (t == "nan") print "nan"; else printf "%.4f", t/n }'; }
START_V=$(per "$START_V"); START_C=$(per "$START_C"); START_S=$(per "$START_S")

# --- report ----------------------------------------------------------------
rate() { awk -v r="$ROWS" -v t="$1" 'BEGIN { if (t == "nan") print ""; else printf "%.0f rows/s", r/t }'; }
echo
echo "pathway benchmark: $ROWS referrals, $CASES cases, median of $RUNS run(s) ($(nproc) cores, SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1))"
printf '%-58s %12s  %s\n' "figure" "median" "ratio"
printf '%-58s %10.2f s  %s\n' "pathway referral import (validated, normalised)" "$IMPORT" "$(rate "$IMPORT")"
printf '%-58s %10.2f s  %s\n' "sqlite3 .import, bare table" "$SQL_BARE" "pathway/bare $(ratio "$IMPORT" "$SQL_BARE")"
printf '%-58s %10.2f s  %s\n' "sqlite3 .import, CHECK + UNIQUE ref + index" "$SQL_CONS" "pathway/constrained $(ratio "$IMPORT" "$SQL_CONS") (target <= 1.5x)"
printf '%-58s %10.2f s  %s\n' "sqlite-utils insert --csv (1 run)" "$SU" "sqlite-utils/pathway $(ratio "$SU" "$IMPORT") (target >= 10x)"
printf '%-58s %10.3f s\n' "report return, month 2021-04" "$RET_M"
printf '%-58s %10.3f s\n' "report return, quarter 2021/22-Q1" "$RET_Q"
printf '%-58s %10.3f s  %s\n' "report return, financial year 2021/22 (all sections)" "$RET_Y" "pathway/hand SQL $(ratio "$RET_Y" "$SQL_RET") (target <= 0.5x)"
printf '%-58s %10.3f s\n' "hand-written SQL, referral section only, flat table" "$SQL_RET"
printf '%-58s %10s KB  %s\n' "peak memory, import of 100,000 referrals" "$MEM_SMALL" ""
printf '%-58s %10s KB  %s\n' "peak memory, import of $ROWS referrals" "$MEM_BIG" "big/small $(ratio "$MEM_BIG" "$MEM_SMALL")"
printf '%-58s %10s s   %s\n' "start-up: pathway --version" "$START_V" "vs sqlite3 $(ratio "$START_V" "$START_S") (target <= 2x)"
printf '%-58s %10s s   %s\n' "start-up: pathway report caseload (small db)" "$START_C" "vs sqlite3 $(ratio "$START_C" "$START_S") (target <= 2x)"
printf '%-58s %10s s\n' "start-up: sqlite3 :memory: 'select 1'" "$START_S"

if [ "$KEEP" = 0 ]; then
  rm -f "$DATA"/*.db "$DATA"/*.db-wal "$DATA"/*.db-shm
fi

# --- xlsx import (spreadsheets both ways) -------------------------------------
# The same referrals imported from a workbook and from CSV: the workbook is
# written by pathway's own `referral export --format xlsx` (no spreadsheet
# program needed), the CSV by `referral export`, from one database, so both
# hold exactly the same rows. Goal: the workbook within 3x the CSV's time.
XDIR=$DATA
[ -d "$DATA/100k" ] && XDIR=$DATA/100k
XDB=$DATA/xlsx.db
setup_db "$XDB" "$XDIR"
"$PATHWAY" --db "$XDB" -q referral import "$XDIR/referrals.csv"
"$PATHWAY" --db "$XDB" referral export --format xlsx --output "$DATA/referrals.xlsx"
"$PATHWAY" --db "$XDB" referral export --output "$DATA/referrals-same.csv"
XROWS=$(( $(wc -l < "$DATA/referrals-same.csv") - 1 ))
xlsx_times=(); csv_times=()
for r in $(seq "$RUNS"); do
  setup_db "$XDB" "$XDIR"
  t0=$(now); "$PATHWAY" --db "$XDB" -q referral import "$DATA/referrals-same.csv"; t1=$(now)
  csv_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  setup_db "$XDB" "$XDIR"
  t0=$(now); "$PATHWAY" --db "$XDB" -q referral import "$DATA/referrals.xlsx"; t1=$(now)
  xlsx_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  say "referral import of $XROWS rows run $r: CSV ${csv_times[-1]} s, xlsx ${xlsx_times[-1]} s"
done
count=$("$PATHWAY" --db "$XDB" referral list --format csv | tail -n +2 | wc -l)
[ "$count" = "$XROWS" ] || { say "ERROR: expected $XROWS referrals after the xlsx import, found $count"; exit 1; }
X_CSV=$(printf '%s\n' "${csv_times[@]}" | median)
X_XLSX=$(printf '%s\n' "${xlsx_times[@]}" | median)
X_MEM_CSV=nan; X_MEM_XLSX=nan
if [ -n "$TIME" ]; then
  setup_db "$XDB" "$XDIR"
  X_MEM_CSV=$("$TIME" -f %M "$PATHWAY" --db "$XDB" -q referral import "$DATA/referrals-same.csv" 2>&1 >/dev/null | tail -1)
  setup_db "$XDB" "$XDIR"
  X_MEM_XLSX=$("$TIME" -f %M "$PATHWAY" --db "$XDB" -q referral import "$DATA/referrals.xlsx" 2>&1 >/dev/null | tail -1)
fi
echo
echo "xlsx import: $XROWS referrals, median of $RUNS run(s); workbook $(du -k "$DATA/referrals.xlsx" | cut -f1) KB, CSV $(du -k "$DATA/referrals-same.csv" | cut -f1) KB"
printf '%-58s %10.2f s\n' "referral import from CSV" "$X_CSV"
printf '%-58s %10.2f s  %s\n' "referral import from xlsx (the same rows)" "$X_XLSX" "xlsx/CSV $(ratio "$X_XLSX" "$X_CSV") (target <= 3x)"
printf '%-58s %10s KB\n' "peak memory, import from CSV" "$X_MEM_CSV"
printf '%-58s %10s KB  %s\n' "peak memory, import from xlsx" "$X_MEM_XLSX" "xlsx/CSV $(ratio "$X_MEM_XLSX" "$X_MEM_CSV")"
rm -f "$XDB" "$XDB-wal" "$XDB-shm" "$DATA/referrals.xlsx" "$DATA/referrals-same.csv"
