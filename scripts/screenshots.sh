#!/usr/bin/env bash
# Writes the console's screenshots (the main pages in Vietnamese and
# English) to docs/screenshots/, by running the browser test that takes
# them against `accord serve --demo`. Needs Debian's chromium and
# chromium-driver (installed when missing, as scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
ACCORD_SCREENSHOTS="$PWD/docs/screenshots" \
  cargo test --test console the_main_pages_are_pictured_in_both_languages -- --exact
ACCORD_SCREENSHOTS="$PWD/docs/screenshots" \
  cargo test --test console a_spreadsheet_import_records_its_accepted_rows_once -- --exact
ls -1 docs/screenshots
