#!/bin/sh
# The return as an HTML page, and a picture of it from headless Chromium:
# build pathway, load the shipped examples into a new database (as
# examples/first-return.sh does), write return.html and return.png.
#
#   sh scripts/screenshot-return.sh                 # April 2021, Beth Centre, --suppress 5
#   sh scripts/screenshot-return.sh 2021/22-Q1 0    # another period, no suppression
#
# Needs Chromium (Debian/Ubuntu: apt-get install -y chromium). Writes into
# $OUT (default: the current folder). Your own records are never touched.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(cd "${OUT:-.}" && pwd)
PERIOD=${1:-2021-04}
SUPPRESS=${2:-5}

CHROMIUM=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
done
if [ -z "$CHROMIUM" ]; then
  echo "screenshot-return: Chromium is not installed (try: apt-get install -y chromium)" >&2
  exit 69
fi

cd "$ROOT"
cargo build --quiet
BIN=${CARGO_TARGET_DIR:-target}/debug/pathway
pathway() { "$BIN" "$@"; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PATHWAY_DB=$TMP/pathway.db
export PATHWAY_DB

pathway -q init
pathway -q decision import examples/decisions.csv
pathway -q grant import examples/grants.csv
pathway -q grant import --payments examples/payments.csv
pathway -q service import examples/services.csv
pathway -q service target "Beth Centre" --measure referrals --period 2021/22 --value 400
pathway -q client import examples/clients.csv
pathway -q referral import examples/referrals.csv
pathway -q caseload worker import examples/workers.csv
pathway -q caseload import examples/cases.csv
pathway -q caseload import --tiers examples/retiers.csv
pathway -q caseload import --assessments examples/assessments.csv

pathway report return --period "$PERIOD" --service "Beth Centre" --suppress "$SUPPRESS" --format html \
  > "$OUT/return.html"

"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
  --user-data-dir="$TMP/chromium" --screenshot="$OUT/return.png" --window-size=1000,2400 \
  "file://$OUT/return.html" >/dev/null 2>&1
echo "$OUT/return.html" >&2
echo "$OUT/return.png" >&2
