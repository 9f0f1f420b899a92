#!/usr/bin/env bash
# Runs every test of the project: unit, store, API (oneshot) and the
# black-box tests that start the real binary. Installs nothing today: the
# Rust toolchain is all the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets "$@"
