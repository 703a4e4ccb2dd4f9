#!/bin/sh
# The main job, from nothing: build pathway, load the shipped examples into a
# new database, and print the Beth Centre's return for April 2021.
#
#   sh examples/first-return.sh            # April 2021, as a table
#   sh examples/first-return.sh 2021/22 json
#
# Needs only the Rust toolchain. The binary is built wherever cargo builds
# (target/, or $CARGO_TARGET_DIR, or a target-dir in .cargo/config.toml), and
# cargo itself says where it put it. The database goes to a new temporary
# folder (or $PATHWAY_DB if set and not yet created), so your own records are
# never touched.
set -eu
cd "$(dirname "$0")/.."
PERIOD=${1:-2021-04}
FORMAT=${2:-table}

die() {
  echo "first-return: $*" >&2
  exit 1
}

command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH; install the Rust toolchain (https://rustup.rs) and try again"
# One JSON line per built unit on stdout; the binary's line names its path.
# Compiler messages still go to stderr as usual.
messages=$(mktemp)
trap 'rm -f "$messages"' EXIT
cargo build --release --quiet --message-format=json-render-diagnostics >"$messages" ||
  die "cargo build --release failed (see the messages above)"
BIN=$(sed -n 's/^.*"executable":"\([^"]*\/pathway\)".*$/\1/p' "$messages" | tail -n 1)
[ -n "$BIN" ] || BIN=${CARGO_TARGET_DIR:-target}/release/pathway
[ -x "$BIN" ] || die "cargo built pathway but it is not at $BIN"
pathway() { "$BIN" "$@"; }

if [ -z "${PATHWAY_DB:-}" ]; then
  PATHWAY_DB=$(mktemp -d)/pathway.db
fi
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

echo "database: $PATHWAY_DB" >&2
pathway report return --period "$PERIOD" --service "Beth Centre" --format "$FORMAT"
