#!/bin/sh
# Write last month's commissioner return as JSON and CSV into a folder.
#
# crontab line (06:00 on the 1st of each month), as in the README:
#   0 6 1 * *  PATHWAY_DB=/srv/centre/pathway.db sh /opt/pathway/examples/cron-return.sh /srv/centre/returns
#
# Usage: cron-return.sh OUTPUT_DIR [extra `report return` options, e.g. --service "Beth Centre" --suppress 5]
#
# cron runs with a bare PATH (/usr/bin:/bin), so the script looks for pathway
# in this order: $PATHWAY_BIN if set; the release build of the checkout the
# script is in (target/release/pathway, after `cargo build --release`); pathway
# on PATH; ~/.cargo/bin/pathway (where `cargo install --path .` puts it). When
# none is there it says so and exits 1.
#
# Quiet on success; on failure it says what failed on stderr and exits
# non-zero (cron mails stderr). Files are written under a temporary name
# and renamed only when complete, so a reader never sees half a return.
# Exit codes are pathway's: 66 no database, 75 database busy (try again),
# 2 bad options, 1 anything else. Set PATHWAY_NOW to fix generated_at.
set -eu

die() {
    echo "cron-return: $*" >&2
    exit 1
}

[ $# -ge 1 ] || die "usage: cron-return.sh OUTPUT_DIR [report return options...]"
out=$1
shift
checkout=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${PATHWAY_BIN:-}" ]; then
    [ -x "$PATHWAY_BIN" ] || die "PATHWAY_BIN=$PATHWAY_BIN is not an executable file"
    pathway=$PATHWAY_BIN
elif [ -x "$checkout/target/release/pathway" ]; then
    pathway=$checkout/target/release/pathway
elif command -v pathway >/dev/null 2>&1; then
    pathway=$(command -v pathway)
elif [ -n "${HOME:-}" ] && [ -x "$HOME/.cargo/bin/pathway" ]; then
    pathway=$HOME/.cargo/bin/pathway
else
    die "cannot find pathway: not in \$PATHWAY_BIN, not built in $checkout/target/release, not on PATH ($PATH), not in ~/.cargo/bin. Build it (cd $checkout && cargo build --release) or put PATHWAY_BIN=/path/to/pathway in the crontab line"
fi
umask 077 # returns hold figures about vulnerable women: owner-only files and folders
mkdir -p "$out" || die "cannot create $out"

# The month before the current one, in plain POSIX shell (no GNU date -d).
year=$(date +%Y)
month=$(date +%m)
month=${month#0}
if [ "$month" -eq 1 ]; then
    year=$((year - 1))
    month=12
else
    month=$((month - 1))
fi
period=$(printf '%04d-%02d' "$year" "$month")

for format in json csv; do
    file="$out/return-$period.$format"
    tmp="$file.tmp.$$"
    if "$pathway" -q report return --period "$period" --format "$format" "$@" >"$tmp"; then
        mv -f "$tmp" "$file" || die "cannot write $file"
    else
        code=$?
        rm -f "$tmp"
        echo "cron-return: pathway report return --period $period --format $format failed with exit code $code" >&2
        exit "$code"
    fi
done
