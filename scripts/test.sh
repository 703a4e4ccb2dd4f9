#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test, and a
# smoke run of the benchmark so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
scripts/bench.sh --smoke
scripts/fuzz-smoke.sh 10
